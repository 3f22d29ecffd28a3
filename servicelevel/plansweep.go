package servicelevel

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of availability plans' and outages' checks and sweeps.
const (
	// CodeRiskOverdue: the risks to a service's availability were not
	// assessed within the cadence (AVL-01).
	CodeRiskOverdue = "AVAIL_RISK_OVERDUE"
	// CodePlanReviewOverdue: the plan in force was not reviewed within
	// the cadence (AVL-03).
	CodePlanReviewOverdue = "AVAIL_REQUIREMENT_REVIEW_OVERDUE"
	// CodePlanIncomplete: a plan in force lacks what its approval requires
	// (AVL-01 to AVL-03).
	CodePlanIncomplete = "AVAIL_REQUIREMENT_INCOMPLETE"
)

// Upkeep says how often a plan in force is kept up to date: its risks
// assessed each Risks period and the plan reviewed each Reviews period
// (each calendar year in UTC when zero), a finding once Grace has passed
// after the due time; Investigate is the time after an unplanned outage
// ends by which it is investigated and closed (14 days when zero).
type Upkeep struct {
	Risks, Reviews sms.Cadence
	Grace          time.Duration
	Investigate    time.Duration
}

func (u Upkeep) withDefaults() (Upkeep, error) {
	for _, c := range []*sms.Cadence{&u.Risks, &u.Reviews} {
		if *c == (sms.Cadence{}) {
			*c = sms.Yearly("UTC")
		}
		if err := c.Validate(); err != nil {
			return u, sms.Invalid(Kind, "upkeep", "%v", err)
		}
	}
	if u.Investigate == 0 {
		u.Investigate = 14 * 24 * time.Hour
	}
	if u.Grace < 0 || u.Grace > sms.MaxCadence || u.Investigate < 0 || u.Investigate > sms.MaxCadence {
		return u, sms.Invalid(Kind, "upkeep", "grace %s or investigation time %s is negative or beyond %s", u.Grace, u.Investigate, sms.MaxCadence)
	}
	return u, nil
}

// upkeep reports each overdue obligation of a plan in force: its risk
// assessment (AVL-01) and its review (AVL-03), each counted from the last
// one, or from the approval.
func upkeep(p *AvailabilityPlan, u *Upkeep, asOf time.Time, fail func(code, req, detail string)) {
	if p.Status != PlanActive {
		return
	}
	for _, o := range []struct {
		code, req string
		c         sms.Cadence
		last      time.Time
	}{{CodeRiskOverdue, "AVL-01", u.Risks, p.AssessedAt}, {CodePlanReviewOverdue, "AVL-03", u.Reviews, p.ReviewedAt}} {
		due := o.c.FirstDue(p.ApprovedAt)
		if !o.last.IsZero() {
			due = o.c.NextDue(o.last)
		}
		if asOf.After(due.Add(u.Grace)) {
			fail(o.code, o.req, "due "+due.Format(time.RFC3339))
		}
	}
}

// uninvestigated reports whether an unplanned outage that ended more than
// the investigation time ago is still not investigated and closed (AVL-05).
func uninvestigated(o *OutageRecord, u *Upkeep, asOf time.Time) bool {
	return o.Kind == Unplanned && !o.End.IsZero() && o.Status != StatusClosed && asOf.After(o.End.Add(u.Investigate))
}

func planChecks(u *Upkeep) []sms.Check[*AvailabilityPlan] {
	return []sms.Check[*AvailabilityPlan]{{
		Name: "availability-requirement-current", Clause: "8.7.1", Cites: []string{"AVL-01", "AVL-02", "AVL-03"},
		Rule:    "every plan in force has a target within named service hours, what it is based on, a target at least its agreement's commitment, its risks assessed, an approver who did not write it (by the journal's actors), and its risk assessment and review not overdue",
		Applies: func(p *AvailabilityPlan) bool { return p.Status == PlanActive },
		Eval: func(p *AvailabilityPlan, x *sms.Examined) {
			d := Determination{TargetNum: p.TargetNum, TargetDen: p.TargetDen, Hours: p.Hours, DegradedPerMille: p.DegradedPerMille, Basis: p.Basis, Commitment: p.Commitment}
			switch {
			case d.validate() != nil || sms.Blank(p.Hours) || len(p.Basis) == 0:
				x.Fail(CodePlanIncomplete, "AVL-02", "no valid target, service hours or basis")
			case !p.atLeast():
				x.Fail(CodePlanIncomplete, "AVL-02", "target below the commitment of "+p.Commitment.Agreement)
			}
			if len(p.Risks) == 0 || p.AssessedAt.IsZero() {
				x.Fail(CodePlanIncomplete, "AVL-01", "no risk assessment")
			}
			if x.Journal != nil {
				approvers, authors := sms.ActorsOf(x.Journal, string(TriggerApprove)), sms.ActorsOf(x.Journal, string(TriggerPlanDraft), string(TriggerPlanRevise))
				if len(approvers) == 0 || slices.ContainsFunc(approvers, func(a string) bool { return slices.Contains(authors, a) }) {
					x.Fail(CodePlanIncomplete, "AVL-03", "not approved, in the journal, by a person other than its authors")
				}
			}
			upkeep(p, u, x.AsOf, x.Fail)
		},
	}}
}

func outageChecks(u *Upkeep) []sms.Check[*OutageRecord] {
	return []sms.Check[*OutageRecord]{{
		Name: "outage-investigation", Clause: "8.7.1", Cites: []string{"AVL-05"},
		Rule:    "every unplanned outage closed names its incident, the investigation's outcome and the actions taken or the problem raised, and none ended longer ago than the investigation time without being closed",
		Applies: func(o *OutageRecord) bool { return o.Kind == Unplanned },
		Eval: func(o *OutageRecord, x *sms.Examined) {
			switch {
			case o.Status == StatusClosed && !o.investigated():
				x.Fail(CodeOutageUninvestigated, "AVL-05", "closed without its incident, outcome and actions or problem")
			case uninvestigated(o, u, x.AsOf):
				x.Fail(CodeOutageUninvestigated, "AVL-05", "ended "+o.End.Format(time.RFC3339)+", not investigated and closed")
			}
		},
	}}
}

// AvailabilityChecks returns the conformance checks [ConformAvailability]
// runs, under the upkeep u: for the process kits' catalogue tests and for
// hosts that run them with [sms.ConformStore].
func AvailabilityChecks(u Upkeep) ([]sms.Check[*AvailabilityPlan], []sms.Check[*OutageRecord], error) {
	uu, err := u.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	return planChecks(&uu), outageChecks(&uu), nil
}

// AuditAvailability runs check 11 of the auditor suite over plans and
// outage records as given (trusting them, like the other Audit
// functions): every plan in force current, every unplanned outage
// investigated.
func AuditAvailability(plans []*AvailabilityPlan, outages []*OutageRecord, u Upkeep, asOf time.Time) (sms.Report, error) {
	uu, err := u.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a := sms.NewAudit(asOf, slices.Concat(PlanRequirements(), OutageRequirements()))
	pc, oc := planChecks(&uu), outageChecks(&uu)
	sms.Declare(a, pc)
	sms.Declare(a, oc)
	for _, p := range plans {
		sms.Examine(a, pc, p, nil)
	}
	for _, o := range outages {
		sms.Examine(a, oc, o, nil)
	}
	return a.Report(), nil
}

// ConformAvailability runs check 11 of the auditor suite over the stored
// plans and outage records: the record verification of both, then every
// plan in force that verifies (current, approved by another person than
// its authors as the journal shows, kept up to date) and every unplanned
// outage that verifies (investigated and closed in time). The
// availability figure per period is [Measure]'s, from [Outages.Each].
func ConformAvailability(ctx context.Context, plans *Plans, outages *Outages, u Upkeep, asOf time.Time) (sms.Report, error) {
	uu, err := u.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	if plans == nil || outages == nil {
		return sms.Report{}, sms.Invalid(Kind, "stores", "needs the plans and the outages")
	}
	a := sms.NewAudit(asOf, slices.Concat(PlanRequirements(), OutageRequirements()))
	if err := sms.ConformStore(ctx, a, plans.m, sms.Query{}, planChecks(&uu)); err != nil {
		return a.Report(), err
	}
	err = sms.ConformStore(ctx, a, outages.m, sms.Query{}, outageChecks(&uu))
	return a.Report(), err
}

// SweepPlan returns the periodic findings of one plan as of a time: its
// risk assessment (AVL-01) and its review (AVL-03) overdue. It is a pure
// function.
func SweepPlan(p *AvailabilityPlan, u Upkeep, asOf time.Time) ([]sms.Finding, error) {
	uu, err := u.withDefaults()
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, sms.Invalid(PlanKind, "plan", "is nil")
	}
	return sweepPlan(sms.NewAudit(asOf, PlanRequirements()), p, &uu), nil
}

func sweepPlan(a *sms.Audit, p *AvailabilityPlan, u *Upkeep) []sms.Finding {
	var out []sms.Finding
	upkeep(p, u, a.AsOf(), func(code, req, detail string) { out = append(out, a.Finding(code, req, PlanKind, p.ID, detail)) })
	return out
}

// Sweep returns the periodic findings of the stored plans in force (see
// [SweepPlan]); each plan that does not verify against its journal is a
// [sms.CodeRecordUnverified] finding, listed first.
func (s *Plans) Sweep(ctx context.Context, u Upkeep, asOf time.Time) ([]sms.Finding, error) {
	uu, err := u.withDefaults()
	if err != nil {
		return nil, err
	}
	a := sms.NewAudit(asOf, PlanRequirements())
	return sms.SweepStore(ctx, s.m, sms.Query{Status: []string{string(PlanActive)}}, asOf, func(p *AvailabilityPlan, _ []sms.Entry) []sms.Finding {
		return sweepPlan(a, p, &uu)
	})
}

// Sweep returns an OUTAGE_NOT_INVESTIGATED finding for each stored
// unplanned outage that ended longer ago than u's investigation time and
// is not investigated and closed (AVL-05); each outage record that does
// not verify against its journal is a [sms.CodeRecordUnverified] finding,
// listed first.
func (s *Outages) Sweep(ctx context.Context, u Upkeep, asOf time.Time) ([]sms.Finding, error) {
	uu, err := u.withDefaults()
	if err != nil {
		return nil, err
	}
	a := sms.NewAudit(asOf, OutageRequirements())
	q := sms.Query{Status: []string{string(StatusRestored)}}
	return sms.SweepStore(ctx, s.m, q, asOf, func(o *OutageRecord, _ []sms.Entry) []sms.Finding {
		if !uninvestigated(o, &uu, a.AsOf()) {
			return nil
		}
		return []sms.Finding{a.Finding(CodeOutageUninvestigated, "AVL-05", OutageKindOfRecord, o.ID, "ended "+o.End.Format(time.RFC3339)+", not investigated and closed")}
	})
}
