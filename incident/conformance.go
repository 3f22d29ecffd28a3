package incident

import (
	"context"
	"fmt"
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

// check is one conformance check: which incidents it examines and what it
// demands of each. Checks read the stored fields; they never trust the
// status alone.
type check struct {
	name, clause, rule string
	applies            func(*Incident) bool
	eval               func(i *Incident, ev *evidence, fail func(code, id, text, detail string))
}

// evidence is what a check may consult besides the record: the policy,
// the time, and the record's journal when the caller has one that
// verified (nil for the package functions, which trust their input).
type evidence struct {
	p       *Policy
	asOf    time.Time
	journal []sms.Entry
}

// closer returns who closed the incident: the acting actor of the journal's
// last close entry when there is a journal, else the confirmer the record
// names as having acted; "" when neither says.
func (ev *evidence) closer(i *Incident) string {
	if ev.journal != nil {
		for k := len(ev.journal) - 1; k >= 0; k-- {
			if e := &ev.journal[k]; e.Trigger == string(TriggerClose) {
				return e.Actor.ID
			}
		}
		return ""
	}
	if c := i.Parties.Acted(sms.PartyConfirmer); len(c) > 0 {
		return c[len(c)-1]
	}
	return ""
}

func checks() []check {
	return []check{
		{
			name: "incident-record", clause: "8.6.1",
			rule:    "every incident records summary, service, source, reporter and report time",
			applies: func(*Incident) bool { return true },
			eval: func(i *Incident, _ *evidence, fail func(code, id, text, detail string)) {
				for _, f := range []struct {
					missing bool
					name    string
				}{{sms.Blank(i.Summary), "summary"}, {i.Service == "", "service"}, {i.Source == "", "source"},
					{i.Reporter == "", "reporter"}, {i.ReportedAt.IsZero(), "reported_at"}} {
					if f.missing {
						fail(CodeRecordIncomplete, "INC-01", "an incident is recorded from detection or report onward", f.name+" is missing")
					}
				}
			},
		},
		{
			name: "incident-closure-completeness", clause: "8.6.1",
			rule: "every closed incident has category, service, impact, urgency, priority with matrix version, resolution code and notes, " +
				"restoration time, at least one action taken, a close code with confirmation, and reported <= resolved <= closed; " +
				"a caller's confirmation was closed by the caller, or recorded by an agent as received over a channel the policy permits",
			applies: func(i *Incident) bool { return i.Status == StatusClosed },
			eval: func(i *Incident, ev *evidence, fail func(code, id, text, detail string)) {
				p := ev.p
				f := func(id, text, detail string) { fail(CodeClosureIncomplete, id, text, detail) }
				if i.Category == "" || i.Service == "" {
					f("INC-02", "each incident is classified", "closed without category or service")
				}
				if i.Impact == 0 || i.Urgency == 0 || i.Priority == 0 || i.MatrixVersion == "" {
					f("INC-03", "priority weighs impact and urgency", "closed without impact, urgency, priority or matrix version")
				}
				if i.ResolutionCode == "" || i.ResolutionNotes == "" || i.RestoredAt.IsZero() || i.ResolvedAt.IsZero() {
					f("INC-05", "incidents are resolved", "closed without resolution code, notes, restoration or resolution time")
				}
				if i.Actions < 1 {
					f("INC-07", "the record is kept current with the actions taken", "closed with no action taken recorded")
				}
				if i.CloseCode == "" || i.ClosedAt.IsZero() || (i.Confirmation != ConfirmedByCaller && i.Confirmation != AutoClosed) {
					f("INC-06", "incidents are closed", "closed without close code, closing time or confirmation")
				}
				if !i.ReportedAt.IsZero() && !i.ResolvedAt.IsZero() && !i.ClosedAt.IsZero() &&
					(i.ResolvedAt.Before(i.ReportedAt) || i.ClosedAt.Before(i.ResolvedAt)) {
					f("INC-06", "incidents are closed", "times out of order: reported, resolved, closed")
				}
				if i.Confirmation == AutoClosed && (p.AutoCloseAfter == 0 || i.ClosedAt.Before(i.ResolvedAt.Add(p.AutoCloseAfter))) {
					f("INC-06", "incidents are closed", "auto-closed before the auto-close window elapsed")
				}
				if i.Confirmation == ConfirmedByCaller {
					switch who := ev.closer(i); {
					case i.ConfirmationChannel != "":
						if !p.permits(i.ConfirmationChannel) {
							f("INC-06", "incidents are closed on the caller's own confirmation",
								fmt.Sprintf("the caller's confirmation was recorded as received by %s, a channel the policy does not permit", i.ConfirmationChannel))
						}
					case who == "":
						f("INC-06", "incidents are closed on the caller's own confirmation", "confirmed by the caller, but no one is recorded as confirming")
					case !i.IsCaller(who):
						f("INC-06", "incidents are closed on the caller's own confirmation",
							fmt.Sprintf("confirmed by the caller, but closed by %s, who is not the caller (%s), with no channel recorded", who, callers(i)))
					}
				}
			},
		},
		{
			name: "major-incident-procedure", clause: "8.6.1",
			rule: "every accepted major incident has a criteria evaluation or override, the procedure, a named manager, " +
				"top management notified in time, and once due, its post-incident review",
			applies: func(i *Incident) bool { return i.MajorState() == MajorAccepted },
			eval: func(i *Incident, ev *evidence, fail func(code, id, text, detail string)) {
				p, asOf := ev.p, ev.asOf
				m := *i.Major
				f := func(id, text, detail string) { fail(CodeMajorIncomplete, id, text, detail) }
				if m.CriteriaVersion == "" {
					f("INC-08", "criteria for a major incident are defined", "accepted without a criteria version")
				}
				if len(m.CriteriaMet) == 0 && m.OverrideReason == "" {
					f("INC-09", "major incidents are identified against the criteria", "neither criteria met nor override reason recorded")
				}
				if m.ProcedureRef == "" {
					f("INC-09", "major incidents run under a documented procedure", "no procedure reference")
				}
				if m.Manager == "" {
					f("INC-11", "a named person is responsible for each major incident", "no manager")
				}
				deadline := m.AcceptedAt.Add(p.NotifyWithin)
				switch {
				case m.FirstNotifiedAt.IsZero() && asOf.After(deadline):
					f("INC-10", "top management is kept informed of major incidents", "top management not notified")
				case !m.FirstNotifiedAt.IsZero() && m.FirstNotifiedAt.After(deadline):
					f("INC-10", "top management is kept informed of major incidents",
						fmt.Sprintf("first notified %s after acceptance, later than %s", m.FirstNotifiedAt.Sub(m.AcceptedAt), p.NotifyWithin))
				}
				if !m.ReviewDue.IsZero() && asOf.After(m.ReviewDue) && m.ReviewedAt.IsZero() {
					f("INC-12", "a resolved major incident is reviewed for improvement", "post-incident review overdue since "+m.ReviewDue.Format(time.RFC3339))
				}
				if i.Status == StatusClosed && p.ReviewMode == ReviewStrict && m.ReviewedAt.IsZero() {
					f("INC-12", "a resolved major incident is reviewed for improvement", "closed without its review under strict mode")
				}
			},
		},
		{
			name: "incident-cancellation", clause: "8.6.1",
			rule:    "every cancelled incident gives its reason; a duplicate names its original; a conversion names its request",
			applies: func(i *Incident) bool { return i.Status == StatusCancelled },
			eval: func(i *Incident, _ *evidence, fail func(code, id, text, detail string)) {
				text := "cancellation is justified; misfiled requests are converted, not deleted"
				switch i.CancelReason {
				case CancelDuplicate:
					if i.DuplicateOf == "" {
						fail(CodeCancellationUnjustified, "INC-17", text, "duplicate without its original")
					}
				case CancelNotAnIncident, CancelRaisedInError:
				default:
					fail(CodeCancellationUnjustified, "INC-17", text, "no cancellation reason")
				}
			},
		},
		{
			name: "security-incident-rating", clause: "8.7.3.3",
			rule:    "every security incident carries an information-security risk rating",
			applies: func(i *Incident) bool { return i.Security },
			eval: func(i *Incident, _ *evidence, fail func(code, id, text, detail string)) {
				if i.SecurityRisk < 1 {
					fail(CodeSecurityRiskMissing, "INC-14", "security incidents are prioritised on information-security risk", "no risk rating")
				}
			},
		},
	}
}

// audit accumulates a conformance report over a stream of incidents.
type audit struct {
	p       *Policy
	asOf    time.Time
	checks  []check
	results []sms.CheckResult
	// verified is the record-verification result of a run over stored
	// records, placed first in the report; nil for the package functions.
	verified *sms.CheckResult
}

func newAudit(p *Policy, asOf time.Time) *audit {
	a := &audit{p: p, asOf: asOf.UTC(), checks: checks()}
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	return a
}

// add runs every check on i; journal is its verified journal, or nil.
func (a *audit) add(i *Incident, journal []sms.Entry) {
	if a.verified != nil {
		a.verified.Population++
	}
	ev := &evidence{p: a.p, asOf: a.asOf, journal: journal}
	for k, c := range a.checks {
		if !c.applies(i) {
			continue
		}
		res := &a.results[k]
		res.Population++
		c.eval(i, ev, func(code, id, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(id, text), Kind: Kind, EntityID: i.ID, Detail: detail, At: a.asOf})
		})
	}
}

func (a *audit) report() sms.Report {
	if a.verified == nil {
		return sms.Report{AsOf: a.asOf, Results: a.results}
	}
	return sms.Report{AsOf: a.asOf, Results: append([]sms.CheckResult{*a.verified}, a.results...)}
}

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
	a := newAudit(&pp, asOf)
	a.add(i, nil)
	return a.report().Findings(), nil
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
	a := newAudit(&pp, asOf)
	for _, i := range incidents {
		if i != nil {
			a.add(i, nil)
		}
	}
	return a.report(), nil
}

// Conform runs the conformance checks over every stored incident, under
// the service's policy, on the evidence of records that verify against
// their journals ([sms.Machine.EachVerified]). The report's first result is
// the record-verification check (SMS-REC, clause 7.5.4): each record that
// does not verify (cannot be decoded, a journal that does not verify,
// fields changed outside the pipeline) is a RECORD_UNVERIFIED finding there
// and is counted by no other check; the run goes on past it. Who closed an
// incident on the caller's confirmation is read from its journal.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := newAudit(&s.policy, asOf)
	v := sms.NewVerificationResult()
	a.verified = &v
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit},
		func(i *Incident, journal []sms.Entry) bool { a.add(i, journal); return true },
		func(id string, err error) error { v.Unverified(Kind, id, err, a.asOf); return nil })
	return a.report(), err
}

// Sweep returns the periodic findings for one incident as of a time:
// breached service-level timers (INC-15), an unresolved incident past the
// policy's escalation threshold and not yet escalated (ESCALATION_DUE,
// INC-04: the host escalates it), an open major incident whose management
// update is overdue (INC-10), a major-incident review overdue (INC-12). It is a pure function, so a test can replay a year in
// milliseconds.
func Sweep(i *Incident, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if i == nil {
		return nil, sms.Invalid(Kind, "incident", "is nil")
	}
	return sweep(i, &pp, asOf.UTC()), nil
}

func sweep(i *Incident, p *Policy, asOf time.Time) []sms.Finding {
	var out []sms.Finding
	add := func(code, id, text, detail string) {
		out = append(out, sms.Finding{Code: code, Requirement: req(id, text), Kind: Kind, EntityID: i.ID, Detail: detail, At: asOf})
	}
	if i.Status == StatusCancelled {
		return nil
	}
	t := i.SLA
	if !t.ResponseDue.IsZero() {
		if (t.RespondedAt.IsZero() && asOf.After(t.ResponseDue)) || t.RespondedAt.After(t.ResponseDue) {
			add(CodeSLABreached, "INC-15", "response and resolution targets per priority are tracked", "response target "+t.ResponseDue.Format(time.RFC3339)+" missed")
		}
	}
	if !t.ResolutionDue.IsZero() {
		due := t.ResolutionDue
		if !t.PausedSince.IsZero() && asOf.After(t.PausedSince) {
			due = due.Add(asOf.Sub(t.PausedSince))
		}
		if (i.ResolvedAt.IsZero() && asOf.After(due)) || i.ResolvedAt.After(due) {
			add(CodeSLABreached, "INC-15", "response and resolution targets per priority are tracked", "resolution target "+due.Format(time.RFC3339)+" missed")
		}
		if p.EscalateAt > 0 && i.Status.Open() && i.FunctionalLevel == 0 && i.HierarchicalLevel == 0 {
			at := i.ReportedAt.Add(time.Duration(p.EscalateAt * float64(due.Sub(i.ReportedAt))))
			if !asOf.Before(at) {
				add(CodeEscalationDue, "INC-04", "incidents are escalated when the situation requires it",
					fmt.Sprintf("%.0f%% of the resolution target elapsed at %s without escalation", p.EscalateAt*100, at.Format(time.RFC3339)))
			}
		}
	}
	if i.MajorState() != MajorAccepted {
		return out
	}
	m := i.Major
	if i.Status.Open() {
		deadline := m.AcceptedAt.Add(p.NotifyWithin)
		if !m.LastNotifiedAt.IsZero() {
			deadline = m.LastNotifiedAt.Add(p.UpdateEvery)
		}
		if asOf.After(deadline) {
			add(CodeMajorUpdateOverdue, "INC-10", "top management is kept informed of major incidents", "management update due "+deadline.Format(time.RFC3339))
		}
	}
	if !m.ReviewDue.IsZero() && m.ReviewedAt.IsZero() && asOf.After(m.ReviewDue) {
		add(CodeMajorReviewOverdue, "INC-12", "a resolved major incident is reviewed for improvement", "review due "+m.ReviewDue.Format(time.RFC3339))
	}
	return out
}

// Sweep returns the periodic findings of every stored incident as of a
// time, under the service's policy; see the package function [Sweep]. Only
// records that verify against their journals are swept; each that does not
// is a RECORD_UNVERIFIED finding (SMS-REC), listed first, and the sweep
// goes on past it.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	asOf = asOf.UTC()
	var out []sms.Finding
	v := sms.NewVerificationResult()
	q, err := Query{Limit: sms.MaxLimit, Status: []Status{StatusNew, StatusAssigned, StatusInProgress, StatusOnHold, StatusResolved, StatusClosed}}.query()
	if err != nil {
		return nil, err
	}
	err = s.m.EachVerified(ctx, q,
		func(i *Incident, _ []sms.Entry) bool { out = append(out, sweep(i, &s.policy, asOf)...); return true },
		func(id string, err error) error { v.Unverified(Kind, id, err, asOf); return nil })
	if len(v.Failures) > 0 {
		out = append(v.Failures, out...)
	}
	return out, err
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
	v := sms.NewVerificationResult()
	now := s.m.Now()
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit},
		func(i *Incident, _ []sms.Entry) bool { sum.add(i); return true },
		func(id string, err error) error { v.Unverified(Kind, id, err, now); return nil })
	if len(v.Failures) > 0 {
		sum.Unverified = v.Failures
	}
	return sum, err
}
