package incident

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the incident conformance checks and sweep.
const (
	CodeRecordIncomplete        = "INCIDENT_RECORD_INCOMPLETE"
	CodeClosureIncomplete       = "INCIDENT_CLOSURE_INCOMPLETE"
	CodeMajorIncomplete         = "MAJOR_INCIDENT_INCOMPLETE"
	CodeCancellationUnjustified = "CANCELLATION_UNJUSTIFIED"
	CodeSecurityRiskMissing     = "SECURITY_RISK_MISSING"
	CodeSLABreached             = "SLA_TIMER_BREACHED"
	CodeMajorUpdateOverdue      = "MAJOR_UPDATE_OVERDUE"
	CodeMajorReviewOverdue      = "MAJOR_REVIEW_OVERDUE"
	CodeEscalationDue           = "ESCALATION_DUE"
)

// closer returns who closed the incident: the acting actor of the journal's
// last close entry when the check has the verified journal, else the
// confirmer the record names as having acted; "" when neither says.
func closer(i *Incident, journal []sms.Entry) string {
	if journal != nil {
		if c := sms.ActorsOf(journal, string(TriggerClose)); len(c) > 0 {
			return c[len(c)-1]
		}
		return ""
	}
	if c := i.Parties.Acted(sms.PartyConfirmer); len(c) > 0 {
		return c[len(c)-1]
	}
	return ""
}

// checks returns the conformance checks under the policy: data, citing the
// catalogue ([Requirements]) by ID. They read the stored fields; they never
// trust the status alone.
func checks(p *Policy) []sms.Check[*Incident] {
	return []sms.Check[*Incident]{
		{
			Name: "incident-record", Clause: "8.6.1", Cites: []string{"INC-01"},
			Rule: "every incident records summary, service, source, reporter and report time",
			Eval: func(i *Incident, x *sms.Examined) {
				for _, f := range []struct {
					missing bool
					name    string
				}{{sms.Blank(i.Summary), "summary"}, {i.Service == "", "service"}, {i.Source == "", "source"},
					{i.Reporter == "", "reporter"}, {i.ReportedAt.IsZero(), "reported_at"}} {
					if f.missing {
						x.Fail(CodeRecordIncomplete, "INC-01", f.name+" is missing")
					}
				}
			},
		},
		{
			Name: "incident-closure-completeness", Clause: "8.6.1", Cites: []string{"INC-02", "INC-03", "INC-05", "INC-06", "INC-07"},
			Rule: "every closed incident has category, service, impact, urgency, priority with matrix version, resolution code and notes, " +
				"restoration time, at least one action taken, a close code with confirmation, and reported <= resolved <= closed; " +
				"a caller's confirmation was closed by the caller, or recorded by an agent as received over a channel the policy permits",
			Applies: func(i *Incident) bool { return i.Status == StatusClosed },
			Eval: func(i *Incident, x *sms.Examined) {
				f := func(id, detail string) { x.Fail(CodeClosureIncomplete, id, detail) }
				if i.Category == "" || i.Service == "" {
					f("INC-02", "closed without category or service")
				}
				if i.Impact == 0 || i.Urgency == 0 || i.Priority == 0 || i.MatrixVersion == "" {
					f("INC-03", "closed without impact, urgency, priority or matrix version")
				}
				if i.ResolutionCode == "" || i.ResolutionNotes == "" || i.RestoredAt.IsZero() || i.ResolvedAt.IsZero() {
					f("INC-05", "closed without resolution code, notes, restoration or resolution time")
				}
				if i.Actions < 1 {
					f("INC-07", "closed with no action taken recorded")
				}
				if i.CloseCode == "" || i.ClosedAt.IsZero() || (i.Confirmation != ConfirmedByCaller && i.Confirmation != AutoClosed) {
					f("INC-06", "closed without close code, closing time or confirmation")
				}
				if !i.ReportedAt.IsZero() && !i.ResolvedAt.IsZero() && !i.ClosedAt.IsZero() &&
					(i.ResolvedAt.Before(i.ReportedAt) || i.ClosedAt.Before(i.ResolvedAt)) {
					f("INC-06", "times out of order: reported, resolved, closed")
				}
				if i.Confirmation == AutoClosed && (p.AutoCloseAfter == 0 || i.ClosedAt.Before(i.ResolvedAt.Add(p.AutoCloseAfter))) {
					f("INC-06", "auto-closed before the auto-close window elapsed")
				}
				if i.Confirmation == ConfirmedByCaller {
					switch who := closer(i, x.Journal); {
					case i.ConfirmationChannel != "":
						if !p.permits(i.ConfirmationChannel) {
							f("INC-06", fmt.Sprintf("the caller's confirmation was recorded as received by %s, a channel the policy does not permit", i.ConfirmationChannel))
						}
					case who == "":
						f("INC-06", "confirmed by the caller, but no one is recorded as confirming")
					case !i.IsCaller(who):
						f("INC-06", fmt.Sprintf("confirmed by the caller, but closed by %s, who is not the caller (%s), with no channel recorded", who, callers(i)))
					}
				}
			},
		},
		{
			Name: "major-incident-procedure", Clause: "8.6.1", Cites: []string{"INC-08", "INC-09", "INC-10", "INC-11", "INC-12"},
			Rule: "every accepted major incident has a criteria evaluation or override, the procedure, a named manager, " +
				"top management notified in time, and once due, its post-incident review",
			Applies: func(i *Incident) bool { return i.MajorState() == MajorAccepted },
			Eval: func(i *Incident, x *sms.Examined) {
				m := *i.Major
				f := func(id, detail string) { x.Fail(CodeMajorIncomplete, id, detail) }
				if m.CriteriaVersion == "" {
					f("INC-08", "accepted without a criteria version")
				}
				if len(m.CriteriaMet) == 0 && m.OverrideReason == "" {
					f("INC-09", "neither criteria met nor override reason recorded")
				}
				if m.ProcedureRef == "" {
					f("INC-09", "no procedure reference")
				}
				if m.Manager == "" {
					f("INC-11", "no manager")
				}
				deadline := m.AcceptedAt.Add(p.NotifyWithin)
				switch {
				case m.FirstNotifiedAt.IsZero() && x.AsOf.After(deadline):
					f("INC-10", "top management not notified")
				case !m.FirstNotifiedAt.IsZero() && m.FirstNotifiedAt.After(deadline):
					f("INC-10", fmt.Sprintf("first notified %s after acceptance, later than %s", m.FirstNotifiedAt.Sub(m.AcceptedAt), p.NotifyWithin))
				}
				if !m.ReviewDue.IsZero() && x.AsOf.After(m.ReviewDue) && m.ReviewedAt.IsZero() {
					f("INC-12", "post-incident review overdue since "+m.ReviewDue.Format(time.RFC3339))
				}
				if i.Status == StatusClosed && p.ReviewMode == ReviewStrict && m.ReviewedAt.IsZero() {
					f("INC-12", "closed without its review under strict mode")
				}
			},
		},
		{
			Name: "incident-cancellation", Clause: "8.6.1", Cites: []string{"INC-17"},
			Rule:    "every cancelled incident gives its reason; a duplicate names its original; a conversion names its request",
			Applies: func(i *Incident) bool { return i.Status == StatusCancelled },
			Eval: func(i *Incident, x *sms.Examined) {
				switch i.CancelReason {
				case CancelDuplicate:
					if i.DuplicateOf == "" {
						x.Fail(CodeCancellationUnjustified, "INC-17", "duplicate without its original")
					}
				case CancelNotAnIncident, CancelRaisedInError:
				default:
					x.Fail(CodeCancellationUnjustified, "INC-17", "no cancellation reason")
				}
			},
		},
		{
			Name: "security-incident-rating", Clause: "8.7.3.3", Cites: []string{"INC-14"},
			Rule:    "every security incident carries an information-security risk rating",
			Applies: func(i *Incident) bool { return i.Security },
			Eval: func(i *Incident, x *sms.Examined) {
				if i.SecurityRisk < 1 {
					x.Fail(CodeSecurityRiskMissing, "INC-14", "no risk rating")
				}
			},
		},
	}
}

// resolutionDue is the incident's resolution target as of a time: the due
// time, pushed back by the time paused so far when the timer is paused.
func resolutionDue(p *Policy, i *Incident, asOf time.Time) time.Time {
	due := i.SLA.ResolutionDue
	if !i.SLA.PausedSince.IsZero() && asOf.After(i.SLA.PausedSince) {
		due = p.after(due, p.working(i.SLA.PausedSince, asOf))
	}
	return due
}

// sweeps returns the periodic checks under the policy: what [Sweep] reports
// of one incident as of a time, in this order.
func sweeps(p *Policy) []sms.Check[*Incident] {
	live := func(i *Incident) bool { return i.Status != StatusCancelled }
	// From a verified journal, INC-15 is judged by the servicelevel timers
	// of the policy (TimerDefs); a record on its own by its due times.
	// Compiled on first use: a record checked alone never needs it.
	eng := sync.OnceValue(p.engine)
	return []sms.Check[*Incident]{
		{
			Name: "incident-service-level-timers", Clause: "8.3.3", Cites: []string{"INC-15"},
			Rule:    "every incident not cancelled meets the response and resolution targets of its priority",
			Applies: live,
			Eval: func(i *Incident, x *sms.Examined) {
				if x.Journal != nil {
					if e := eng(); e != nil {
						e.judge(x.Journal, x.AsOf, x.Fail)
						return
					}
				}
				t, asOf := i.SLA, x.AsOf
				if !t.ResponseDue.IsZero() && ((t.RespondedAt.IsZero() && asOf.After(t.ResponseDue)) || t.RespondedAt.After(t.ResponseDue)) {
					x.Fail(CodeSLABreached, "INC-15", "response target "+t.ResponseDue.Format(time.RFC3339)+" missed")
				}
				if !t.ResolutionDue.IsZero() {
					due := resolutionDue(p, i, asOf)
					if (i.ResolvedAt.IsZero() && asOf.After(due)) || i.ResolvedAt.After(due) {
						x.Fail(CodeSLABreached, "INC-15", "resolution target "+due.Format(time.RFC3339)+" missed")
					}
				}
			},
		},
		{
			Name: "incident-escalation-due", Clause: "8.6.1", Cites: []string{"INC-04"},
			Rule: "every open incident with a resolution target is escalated once the policy's share of the target has elapsed",
			Applies: func(i *Incident) bool {
				return p.EscalateAt > 0 && i.Status.Open() && !i.SLA.ResolutionDue.IsZero() && i.FunctionalLevel == 0 && i.HierarchicalLevel == 0
			},
			Eval: func(i *Incident, x *sms.Examined) {
				due := resolutionDue(p, i, x.AsOf)
				at := p.after(i.ReportedAt, time.Duration(p.EscalateAt*float64(p.working(i.ReportedAt, due))))
				if !x.AsOf.Before(at) {
					x.Fail(CodeEscalationDue, "INC-04",
						fmt.Sprintf("%.0f%% of the resolution target elapsed at %s without escalation", p.EscalateAt*100, at.Format(time.RFC3339)))
				}
			},
		},
		{
			Name: "major-incident-updates", Clause: "8.6.1", Cites: []string{"INC-10"},
			Rule:    "top management is updated on every open accepted major incident within the policy's intervals",
			Applies: func(i *Incident) bool { return i.MajorState() == MajorAccepted && i.Status.Open() },
			Eval: func(i *Incident, x *sms.Examined) {
				m := i.Major
				deadline := m.AcceptedAt.Add(p.NotifyWithin)
				if !m.LastNotifiedAt.IsZero() {
					deadline = m.LastNotifiedAt.Add(p.UpdateEvery)
				}
				if x.AsOf.After(deadline) {
					x.Fail(CodeMajorUpdateOverdue, "INC-10", "management update due "+deadline.Format(time.RFC3339))
				}
			},
		},
		{
			Name: "major-incident-review-due", Clause: "8.6.1", Cites: []string{"INC-12"},
			Rule:    "every resolved accepted major incident is reviewed by its review due time",
			Applies: func(i *Incident) bool { return live(i) && i.MajorState() == MajorAccepted },
			Eval: func(i *Incident, x *sms.Examined) {
				if m := i.Major; !m.ReviewDue.IsZero() && m.ReviewedAt.IsZero() && x.AsOf.After(m.ReviewDue) {
					x.Fail(CodeMajorReviewOverdue, "INC-12", "review due "+m.ReviewDue.Format(time.RFC3339))
				}
			},
		},
	}
}

// Checks returns the conformance checks [Service.Conform] runs, under the
// service's policy: data, each citing the requirements of [Requirements]
// its findings cite.
func (s *Service) Checks() []sms.Check[*Incident] { return checks(&s.policy) }

// Sweeps returns the periodic checks [Service.Sweep] runs, under the
// service's policy.
func (s *Service) Sweeps() []sms.Check[*Incident] { return sweeps(&s.policy) }

// Check runs the conformance checks on one incident and returns its
// findings (none when it conforms). It re-examines the fields: a closed
// incident without a resolution fails even if it reached closed somehow.
// It trusts its input: it does not verify the record against its journal,
// and takes who confirmed a closure from the record's Parties. An auditor
// runs [Service.Conform], which checks only records that verify.
func Check(i *Incident, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if i == nil {
		return nil, sms.Invalid(Kind, "incident", "is nil")
	}
	a := sms.NewAudit(asOf, Requirements())
	sms.Examine(a, checks(&pp), i, nil)
	return a.Report().Findings(), nil
}

// Audit runs the conformance checks over incidents and returns the
// evidence report: per check, the population examined and each failure.
// Like [Check], it trusts its input; [Service.Conform] is what an auditor
// runs over stored records.
func Audit(incidents []*Incident, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a, cs := sms.NewAudit(asOf, Requirements()), checks(&pp)
	sms.Declare(a, cs)
	for _, i := range incidents {
		sms.Examine(a, cs, i, nil)
	}
	return a.Report(), nil
}

// Conform runs the conformance checks over every stored incident, under
// the service's policy, on the evidence of records that verify against
// their journals ([sms.ConformStore]). The report's first result is the
// record-verification check (SMS-REC, clause 7.5.4): each record that does
// not verify (cannot be decoded, a journal that does not verify, fields
// changed outside the pipeline) is a RECORD_UNVERIFIED finding there and is
// counted by no other check; the run goes on past it. Who closed an
// incident on the caller's confirmation is read from its journal.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := sms.NewAudit(asOf, Requirements())
	err := sms.ConformStore(ctx, a, s.m, sms.Query{}, s.Checks())
	return a.Report(), err
}

// Sweep returns the periodic findings for one incident as of a time:
// breached service-level timers (INC-15), an unresolved incident past the
// policy's escalation threshold and not yet escalated (ESCALATION_DUE,
// INC-04: the host escalates it), an open major incident whose management
// update is overdue (INC-10), a major-incident review overdue (INC-12). It
// is a pure function, so a test can replay a year in milliseconds.
func Sweep(i *Incident, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if i == nil {
		return nil, sms.Invalid(Kind, "incident", "is nil")
	}
	return sweep(i, sweeps(&pp), asOf, nil), nil
}

// catalogue is [Requirements], built once for the sweep of each incident
// (an audit only reads it).
var catalogue = Requirements()

// sweep runs the periodic checks on one incident and returns its findings,
// in the checks' order; journal is its verified journal, or nil.
func sweep(i *Incident, cs []sms.Check[*Incident], asOf time.Time, journal []sms.Entry) []sms.Finding {
	a := sms.NewAudit(asOf, catalogue)
	sms.Examine(a, cs, i, journal)
	return a.Report().Findings()
}

// Sweep returns the periodic findings of every stored incident as of a
// time, under the service's policy; see the package function [Sweep],
// except that the service-level timers (INC-15) are judged from each
// verified journal by the policy's servicelevel timers ([Policy.TimerDefs]),
// not from the due times on the record. Only
// records that verify against their journals are swept ([sms.SweepStore]);
// each that does not is a RECORD_UNVERIFIED finding (SMS-REC), listed
// first, and the sweep goes on past it.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	q, err := sweepQuery()
	if err != nil {
		return nil, err
	}
	cs := s.Sweeps()
	return sms.SweepStore(ctx, s.m, q, asOf, func(i *Incident, j []sms.Entry) []sms.Finding { return sweep(i, cs, asOf, j) })
}

// sweepQuery lists the incidents [Service.Sweep] sweeps.
func sweepQuery() (sms.Query, error) {
	return Query{Status: []Status{StatusNew, StatusAssigned, StatusInProgress, StatusOnHold, StatusResolved, StatusClosed}}.query()
}

// ConformSweep is [Service.Conform] and [Service.Sweep] in one pass over
// the store, reading and verifying each incident once
// ([sms.ConformSweepStore]): the report Conform returns and the findings
// Sweep returns but its RECORD_UNVERIFIED ones, which are the report's
// record-verification failures. An evidence pack reads a large store this
// way.
func (s *Service) ConformSweep(ctx context.Context, asOf time.Time) (sms.Report, []sms.Finding, error) {
	q, err := sweepQuery()
	if err != nil {
		return sms.Report{}, nil, err
	}
	a, cs := sms.NewAudit(asOf, Requirements()), s.Sweeps()
	fs, err := sms.ConformSweepStore(ctx, a, s.m, s.Checks(), q, func(i *Incident, j []sms.Entry) []sms.Finding { return sweep(i, cs, asOf, j) })
	return a.Report(), fs, err
}

// SecuritySummary analyses security incidents by type, volume and impact
// (INC-14): how many there are, open or not, by category, by impact, by
// information-security risk and by service.
type SecuritySummary struct {
	Total      int            `json:"total"`
	Open       int            `json:"open"`
	ByCategory map[string]int `json:"by_category"`
	ByImpact   map[Level]int  `json:"by_impact"`
	ByRisk     map[Level]int  `json:"by_risk"`
	ByService  map[string]int `json:"by_service"`
	// Unverified lists, as RECORD_UNVERIFIED findings, the stored records
	// [Service.Security] left out because they do not verify against their
	// journals; empty for the package function [Security].
	Unverified []sms.Finding `json:"unverified,omitempty"`
}

// Security summarises the security incidents among incidents; others are
// ignored.
func Security(incidents []*Incident) SecuritySummary {
	s := SecuritySummary{ByCategory: map[string]int{}, ByImpact: map[Level]int{}, ByRisk: map[Level]int{}, ByService: map[string]int{}}
	for _, i := range incidents {
		s.add(i)
	}
	return s
}

func (s *SecuritySummary) add(i *Incident) {
	if i == nil || !i.Security {
		return
	}
	s.Total++
	if i.Status.Open() {
		s.Open++
	}
	s.ByCategory[i.Category]++
	s.ByImpact[i.Impact]++
	s.ByRisk[i.SecurityRisk]++
	s.ByService[i.Service]++
}

// Security summarises every stored security incident that verifies
// against its journal; see [Security]. Each record that does not verify is
// left out of the counts and listed in Unverified.
func (s *Service) Security(ctx context.Context) (SecuritySummary, error) {
	sum := Security(nil)
	unverified, err := sms.SweepStore(ctx, s.m, sms.Query{}, s.m.Now(),
		func(i *Incident, _ []sms.Entry) []sms.Finding { sum.add(i); return nil })
	if len(unverified) > 0 {
		sum.Unverified = unverified
	}
	return sum, err
}
