package change

import (
	"context"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the change conformance checks and sweep.
const (
	CodeNotAuthorized         = "CHANGE_NOT_AUTHORIZED_BEFORE_IMPLEMENTATION"
	CodeClosureIncomplete     = "CHANGE_CLOSURE_INCOMPLETE"
	CodeWithoutTransition     = "CHANGE_WITHOUT_TRANSITION_PLAN"
	CodeWithdrawalUnjustified = "CHANGE_WITHDRAWAL_UNJUSTIFIED"
	CodePlanIncomplete        = "TRANSITION_PLAN_INCOMPLETE"
	CodeTemplateUnapproved    = "STANDARD_TEMPLATE_UNAPPROVED"
	CodeRetroOverdue          = "EMERGENCY_RETRO_OVERDUE"
	CodeTemplateReviewOverdue = "STANDARD_TEMPLATE_REVIEW_OVERDUE"
	CodeTemplateNotSuspended  = "STANDARD_TEMPLATE_NOT_SUSPENDED"
)

// finder collects findings for one record.
type finder func(code, id, text, detail string)

// check is one conformance check over changes: which it examines and what
// it demands of each. Checks read the stored fields; they never trust the
// status alone.
type check struct {
	name, clause, rule string
	applies            func(*Change) bool
	eval               func(c *Change, p *Policy, plans map[string]*TransitionPlan, asOf time.Time, fail finder)
}

func started(c *Change) bool { return c.Work != nil && !c.Work.StartedAt.IsZero() }

func checks() []check {
	return []check{
		{
			name: "change-authorized-before-implementation", clause: "8.5.1.1-8.5.1.3",
			rule: "every change at or past implement has its model and classification, its assessment (risk, benefit, feasibility, cost, " +
				"five impact dimensions) unless it is an emergency change, a remediation plan, approvals satisfying its authority by " +
				"distinct approvers other than requester and implementer, all before implementation started, its verification and " +
				"tests, and its notification; a standard change ran from its template",
			applies: started,
			eval: func(c *Change, p *Policy, _ map[string]*TransitionPlan, _ time.Time, fail finder) {
				f := func(id, text, detail string) { fail(CodeNotAuthorized, id, text, detail) }
				start := c.Work.StartedAt
				if c.Type == "" || c.Model == "" || c.Category == "" || (len(c.Services) == 0 && len(c.ConfigItems) == 0) || sms.Blank(c.Reason) {
					f("CHG-04", "every request for change is recorded and classified", "implemented without type, model, category, scope or reason")
				}
				m, known := p.Model(c.Model)
				if !known || m.Type != c.ModelType {
					f("CHG-02", "the policy defines how each change category is handled", "model "+c.Model+" is not one of the policy's, or of another type")
				}
				if c.ModelType != ModelEmergency && c.ModelType != ModelStandard {
					a := c.Assessment
					switch {
					case a == nil:
						f("CHG-07", "the decision weighs risk, benefit, feasibility and cost", "implemented without assessment")
					case a.Likelihood < 1 || a.Impact < 1 || sms.Blank(a.Benefit) || sms.Blank(a.Feasibility) || sms.Blank(a.Cost):
						f("CHG-07", "the decision weighs risk, benefit, feasibility and cost", "assessment lacks risk, benefit, feasibility or cost")
					}
					if a != nil && !a.Dimensions.Complete() {
						f("CHG-08", "the decision weighs the impact on the five dimensions", "an impact dimension is unanswered")
					}
					if a != nil && a.AssessedAt.After(start) {
						f("CHG-07", "the decision weighs risk, benefit, feasibility and cost", "assessed after implementation started")
					}
				}
				if c.Remediation == nil || !c.Remediation.Ready() {
					f("CHG-11", "reversing or remedying a failed change is planned", "no remediation plan, tested or justified")
				}
				au := c.Authority
				if au == nil || au.AuthorizedAt.IsZero() || au.AuthorizedAt.After(start) {
					f("CHG-06", "the change authority decides before implementation", "not authorized before implementation started")
				}
				if c.ModelType == ModelStandard {
					if c.Template == "" || au == nil || au.AuthorizedBy != "template:"+c.Template {
						f("CHG-18", "standard changes are pre-authorized by their template", "standard change without its template's authorization")
					}
				} else if known {
					var before []sms.Approval
					ps := c.participants()
					if au != nil {
						for _, ap := range au.Approvals {
							if !ap.At.After(start) {
								before = append(before, ap)
							}
							if party, ok := ps.Holds(ap.Approver, sms.PartyRequester, sms.PartyImplementer); ok {
								f("CHG-19", "nobody approves their own change", "approved by its "+string(party)+" "+ap.Approver)
							}
						}
					}
					if rule, _ := p.ruleOf(c); rule.Tally(before, ps) != sms.Approved {
						f("CHG-06", "the change authority decides before implementation", "approvals before implementation do not satisfy the change authority")
					}
				}
				if sms.Blank(c.Work.Verification) || (sms.Blank(c.Work.TestResult) && sms.Blank(c.Work.TestSkipped)) ||
					(known && m.Test == TestRequired && sms.Blank(c.Work.TestResult)) {
					f("CHG-09", "approved changes are verified and where possible tested", "no verification, or no test result or justification")
				}
				s := c.Schedule
				if s == nil || s.Window.IsZero() || sms.Blank(s.Plan) || len(s.Parties) == 0 {
					f("CHG-10", "planned deployment dates and details are communicated", "implemented without a planned window, plan or parties")
				} else if !(known && m.SkipNotification) && (s.NotifiedAt.IsZero() || s.NotifiedAt.After(start) || s.NotifiedAt.Before(s.ScheduledAt)) {
					f("CHG-10", "planned deployment dates and details are communicated", "interested parties not notified of the schedule before implementation")
				}
			},
		},
		{
			name: "change-closure", clause: "8.5.1.3, 8.2.6",
			rule: "every closed change has its post-implementation review (when its model or its failure demands one), a remediation " +
				"outcome if it failed, its configuration updates or no configuration impact, and, for an emergency change, its " +
				"retrospective assessment",
			applies: func(c *Change) bool { return c.Status == StatusClosed },
			eval: func(c *Change, p *Policy, _ map[string]*TransitionPlan, _ time.Time, fail finder) {
				f := func(id, text, detail string) { fail(CodeClosureIncomplete, id, text, detail) }
				if c.Review == nil && p.reviewRequired(c) {
					f("CHG-13", "changes are reviewed for effectiveness", "closed without its post-implementation review")
				}
				if c.Review != nil && sms.Blank(c.Review.Summary) {
					f("CHG-13", "changes are reviewed for effectiveness", "review without summary")
				}
				if c.Failed() && c.Work.Remediation == "" {
					f("CHG-12", "unsuccessful changes are reversed or remedied", "failed, closed without a remediation outcome")
				}
				if !started(c) || c.Work.EndedAt.IsZero() {
					f("CHG-12", "unsuccessful changes are reversed or remedied", "closed without an implementation outcome")
				}
				if !p.configComplete(c, c.ConfigUpdates, c.NoConfigImpact) {
					f("CHG-15", "configuration information is updated after changes are deployed", "a controlled configuration item's update is not referenced")
				}
				if c.ModelType == ModelEmergency && c.Assessment == nil {
					f("CHG-17", "emergency changes are documented after the fact", "emergency change closed without its retrospective assessment")
				}
				if c.CloseCode == "" || c.ClosedAt.IsZero() {
					f("CHG-13", "changes are reviewed for effectiveness", "no close code or closing time")
				}
			},
		},
		{
			name: "change-design-and-transition", clause: "8.5.1.2, 8.5.2",
			rule: "every authorized change that met the major-impact criteria, or added, removed or transferred a service, or whose " +
				"category the policy routes there, links a transition plan for it, approved before the change was authorized, with " +
				"acceptance criteria and measurable intended outcomes",
			applies: func(c *Change) bool {
				return c.ModelType != ModelStandard && c.Authority != nil && !c.Authority.AuthorizedAt.IsZero()
			},
			eval: func(c *Change, p *Policy, plans map[string]*TransitionPlan, _ time.Time, fail finder) {
				if !p.routed(c) {
					return
				}
				f := func(id, text, detail string) { fail(CodeWithoutTransition, id, text, detail) }
				tp := plans[c.TransitionPlan]
				switch {
				case c.TransitionPlan == "":
					f("CHG-05", "such changes go through service design and transition", "authorized without a transition plan")
				case tp == nil:
					f("CHG-05", "such changes go through service design and transition", "transition plan "+c.TransitionPlan+" not found")
				case tp.Change != c.ID:
					f("CHG-05", "such changes go through service design and transition", "transition plan "+tp.ID+" serves another change")
				case tp.ApprovedAt.IsZero() || tp.ApprovedAt.After(c.Authority.AuthorizedAt) || tp.Status == PlanCancelled:
					f("SDT-01", "the plan is approved before the change is", "plan not approved before the change was authorized, or cancelled")
				case len(tp.AcceptanceCriteria) == 0 || len(tp.Outcomes) == 0:
					f("SDT-01", "the plan states acceptance criteria and measurable outcomes", "plan without acceptance criteria or intended outcomes")
				}
			},
		},
		{
			name: "change-withdrawal", clause: "8.5.1",
			rule:    "every rejected change gives its reason; every cancelled change gives its reason and was cancelled before implementation",
			applies: func(c *Change) bool { return c.Status == StatusCancelled || c.Status == StatusRejected },
			eval: func(c *Change, _ *Policy, _ map[string]*TransitionPlan, _ time.Time, fail finder) {
				if c.Status == StatusRejected && sms.Blank(c.RejectReason) {
					fail(CodeWithdrawalUnjustified, "CHG-06", "a rejection is decided and recorded", "rejected without reason")
				}
				if c.Status == StatusCancelled && sms.Blank(c.CancelReason) {
					fail(CodeWithdrawalUnjustified, "CHG-20", "changes are cancelled only before implementation", "cancelled without reason")
				}
				if c.Status == StatusCancelled && started(c) {
					fail(CodeWithdrawalUnjustified, "CHG-20", "changes are cancelled only before implementation", "cancelled after implementation started")
				}
			},
		},
	}
}

// planFindings re-examines one transition plan (SDT-01 to SDT-06).
func planFindings(tp *TransitionPlan, fail finder) {
	f := func(id, text, detail string) { fail(CodePlanIncomplete, id, text, detail) }
	past := func(s ...PlanStatus) bool {
		for _, x := range s {
			if tp.Status == x {
				return true
			}
		}
		return false
	}
	if tp.Status == PlanDraft || tp.Status == PlanCancelled {
		return
	}
	if tp.authored(tp.ApprovedBy) {
		f("CHG-19", "nobody approves their own plan", "approved by its author "+tp.ApprovedBy)
	}
	if !tp.Accountable.complete() || len(tp.Activities) == 0 || !tp.Resources.complete() || sms.Blank(tp.Dependencies) ||
		sms.Blank(tp.Testing) || len(tp.AcceptanceCriteria) == 0 || len(tp.Outcomes) == 0 || tp.ApprovedAt.IsZero() {
		f("SDT-01", "an approved plan is complete", "approved plan lacks accountability, activities, resources, dependencies, testing, criteria, outcomes or approval")
	}
	if (tp.Variant == TypeRemoveService && !tp.Removal.complete()) ||
		((tp.Variant == TypeTransferIn || tp.Variant == TypeTransferOut) && !tp.Transfer.complete()) {
		f("SDT-02", "removal and transfer plans are complete", "removal or transfer details missing")
	}
	if past(PlanBuildTest, PlanAccepted, PlanAcceptanceFailed, PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) &&
		(tp.Design == nil || !tp.Design.complete()) {
		f("SDT-03", "the design is documented", "no complete design record")
	}
	if past(PlanAccepted, PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) {
		failed := len(tp.failedCriteria()) > 0
		if !covered(tp.AcceptanceCriteria, tp.Results) || (failed && (tp.Decision == nil || len(tp.Decision.Participants) == 0)) {
			f("SDT-04", "the service is tested against its acceptance criteria", "criteria without results, or failures without a decision")
		}
	}
	if past(PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) && tp.Release == "" {
		f("SDT-05", "deployment uses release and deployment management", "transitioned without a release")
	}
	if past(PlanReported, PlanClosed) {
		for _, o := range tp.Outcomes {
			found := false
			for _, m := range tp.Measurements {
				found = found || m.Metric == o.Name
			}
			if !found {
				f("SDT-06", "outcomes are reported against intended outcomes", "outcome "+o.Name+" not measured")
			}
		}
	}
	if tp.Status == PlanClosed && len(tp.Notified) == 0 {
		f("SDT-06", "outcomes are reported to interested parties", "closed without naming who received the report")
	}
}

// templateFindings re-examines one template (CHG-18, CHG-19).
func templateFindings(t *Template, p *Policy, fail finder) {
	if t.Status != TemplateActive {
		return
	}
	f := func(id, text, detail string) { fail(CodeTemplateUnapproved, id, text, detail) }
	rule, ok := p.templateRule(t)
	if !ok {
		f("CHG-18", "standard changes are pre-authorized by an approved template", "template of a model that is not a standard model of the policy")
		return
	}
	var before []sms.Approval
	authors := t.authors()
	for _, a := range t.Approvals {
		if !a.At.After(t.ActivatedAt) && !a.At.Before(t.ApprovalsSince) {
			before = append(before, a)
		}
		if authors.Has(sms.PartyAuthor, a.Approver) {
			f("CHG-19", "nobody approves their own template", "approved by its author "+a.Approver)
		}
	}
	if rule.Tally(before, authors) != sms.Approved {
		f("CHG-18", "standard changes are pre-authorized by an approved template", "active without approvals satisfying its authority")
	}
	if len(t.Services) == 0 && len(t.ItemTypes) == 0 {
		f("CHG-18", "a template has a scope", "active without a scope")
	}
}

// audit accumulates a conformance report.
type audit struct {
	p       *Policy
	asOf    time.Time
	checks  []check
	plans   map[string]*TransitionPlan
	results []sms.CheckResult
}

const (
	planCheck     = "transition-plan-record"
	templateCheck = "standard-change-template"
)

func newAudit(p *Policy, asOf time.Time, plans map[string]*TransitionPlan) *audit {
	a := &audit{p: p, asOf: asOf.UTC(), checks: checks(), plans: plans}
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	a.results = append(a.results,
		sms.CheckResult{Check: planCheck, Clause: "8.5.2", Failures: []sms.Finding{},
			Rule: "every approved transition plan is complete (SDT-01, SDT-02); past design it has its design record; past acceptance, a result " +
				"per criterion and a decision on failures; past transition, its release; once reported, a measurement per intended outcome and " +
				"the parties informed"},
		sms.CheckResult{Check: templateCheck, Clause: "8.5.1.1", Failures: []sms.Finding{},
			Rule: "every active standard-change template belongs to a standard model, has a scope, and was approved by its authority, not by its author"})
	return a
}

func (a *audit) finder(res *sms.CheckResult, kind sms.Kind, id string) finder {
	return func(code, rid, text, detail string) {
		res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(rid, text), Kind: kind, EntityID: id, Detail: detail, At: a.asOf})
	}
}

func (a *audit) add(c *Change) {
	for k, ch := range a.checks {
		if !ch.applies(c) {
			continue
		}
		res := &a.results[k]
		res.Population++
		ch.eval(c, a.p, a.plans, a.asOf, a.finder(res, Kind, c.ID))
	}
}

func (a *audit) addPlan(tp *TransitionPlan) {
	if tp.Status == PlanDraft || tp.Status == PlanCancelled {
		return // the check examines approved plans
	}
	res := &a.results[len(a.checks)]
	res.Population++
	planFindings(tp, a.finder(res, PlanKind, tp.ID))
}

func (a *audit) addTemplate(t *Template) {
	if t.Status != TemplateActive {
		return // the check examines active templates
	}
	res := &a.results[len(a.checks)+1]
	res.Population++
	templateFindings(t, a.p, a.finder(res, TemplateKind, t.ID))
}

func (a *audit) report() sms.Report { return sms.Report{AsOf: a.asOf, Results: a.results} }

func planIndex(plans []*TransitionPlan) map[string]*TransitionPlan {
	m := make(map[string]*TransitionPlan, len(plans))
	for _, tp := range plans {
		if tp != nil {
			m[tp.ID] = tp
		}
	}
	return m
}

// Check runs the change conformance checks on one change, with the
// transition plans it may need, and returns its findings (none when it
// conforms). It re-examines the fields: a closed change without a review
// fails even if it reached closed somehow. It trusts its input: the
// records are judged as given, whether or not they verify against their
// journals; [Service.Conform] checks only records that do.
func Check(c *Change, p Policy, asOf time.Time, plans ...*TransitionPlan) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, sms.Invalid(Kind, "change", "is nil")
	}
	a := newAudit(&pp, asOf, planIndex(plans))
	a.add(c)
	return a.report().Findings(), nil
}

// Audit runs every check over the records given: changes, transition
// plans and templates, and returns the evidence report (per check, the
// population examined and each failure). Like [Check], it trusts its input
// and runs no record verification; [Service.Conform] is what an auditor
// runs on the stores.
func Audit(changes []*Change, plans []*TransitionPlan, templates []*Template, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a := newAudit(&pp, asOf, planIndex(plans))
	for _, c := range changes {
		if c != nil {
			a.add(c)
		}
	}
	for _, tp := range plans {
		if tp != nil {
			a.addPlan(tp)
		}
	}
	for _, t := range templates {
		if t != nil {
			a.addTemplate(t)
		}
	}
	return a.report(), nil
}

// Conform runs every check over every stored change, plan and template
// that verifies against its journal (see [sms.Machine.EachVerified]),
// under the service's policy. Its first result is the record-verification
// check ([sms.CheckRecordVerification]): every record examined, of the
// three kinds, counts in its population, and each one that does not verify
// (its journal altered, its fields or status changed outside the
// workflows, or undecodable) is a [sms.CodeRecordUnverified] finding and
// is not examined by the other checks; a change whose transition plan does
// not verify is judged without it. A record that does not verify does not
// stop the run; a store or context error does, and is returned with the
// report so far.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	asOf = asOf.UTC()
	ver := sms.NewVerificationResult()
	bad := func(kind sms.Kind) func(string, error) error {
		return func(id string, err error) error {
			ver.Unverified(kind, id, err, asOf)
			return nil
		}
	}
	var plans []*TransitionPlan
	err := s.plans.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(tp *TransitionPlan, _ []sms.Entry) bool {
		ver.Population++
		plans = append(plans, tp)
		return true
	}, bad(PlanKind))
	a := newAudit(&s.policy, asOf, planIndex(plans))
	report := func(err error) (sms.Report, error) {
		rep := a.report()
		rep.Results = append([]sms.CheckResult{ver}, rep.Results...)
		return rep, err
	}
	if err != nil {
		return report(err)
	}
	for _, tp := range plans {
		a.addPlan(tp)
	}
	err = s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(c *Change, _ []sms.Entry) bool {
		ver.Population++
		a.add(c)
		return true
	}, bad(Kind))
	if err != nil {
		return report(err)
	}
	err = s.templates.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(t *Template, _ []sms.Entry) bool {
		ver.Population++
		a.addTemplate(t)
		return true
	}, bad(TemplateKind))
	return report(err)
}

// Sweep returns the periodic findings for one change as of a time: an
// emergency change whose retrospective record is overdue, or was completed
// late (CHG-17). It is a pure function.
func Sweep(c *Change, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, sms.Invalid(Kind, "change", "is nil")
	}
	return sweep(c, &pp, asOf.UTC()), nil
}

func sweep(c *Change, _ *Policy, asOf time.Time) []sms.Finding {
	if c.ModelType != ModelEmergency || c.RetroDue.IsZero() || c.Status == StatusRejected || c.Status == StatusCancelled {
		return nil
	}
	var detail string
	switch {
	case c.Assessment == nil && asOf.After(c.RetroDue):
		detail = "retrospective assessment due " + c.RetroDue.Format(time.RFC3339)
	case c.Assessment != nil && c.Assessment.AssessedAt.After(c.RetroDue):
		detail = "retrospective assessment recorded " + c.Assessment.AssessedAt.Format(time.RFC3339) + ", due " + c.RetroDue.Format(time.RFC3339)
	default:
		return nil
	}
	return []sms.Finding{{Code: CodeRetroOverdue, Requirement: req("CHG-17", "emergency changes are documented after the fact within the policy's window"),
		Kind: Kind, EntityID: c.ID, Detail: detail, At: asOf}}
}

// SweepTemplate returns the periodic findings for one template as of a
// time: an active template whose review is overdue (CHG-18). It is a pure
// function.
func SweepTemplate(t *Template, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, sms.Invalid(TemplateKind, "template", "is nil")
	}
	return sweepTemplate(t, &pp, asOf.UTC()), nil
}

func sweepTemplate(t *Template, p *Policy, asOf time.Time) []sms.Finding {
	if t.Status != TemplateActive {
		return nil
	}
	if due := t.reviewDue(p); asOf.After(due) {
		return []sms.Finding{{Code: CodeTemplateReviewOverdue, Requirement: req("CHG-18", "standard-change templates are reviewed at their interval"),
			Kind: TemplateKind, EntityID: t.ID, Detail: "review due " + due.Format(time.RFC3339), At: asOf}}
	}
	return nil
}

// Sweep returns the periodic findings of every stored change and template
// as of a time: overdue emergency records (CHG-17), overdue template
// reviews, and active templates one of whose instances failed since their
// activation without suspending them (CHG-18). Only records that verify
// against their journal are swept: each one that does not is a
// [sms.CodeRecordUnverified] finding, listed first.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	asOf = asOf.UTC()
	var out []sms.Finding
	ver := sms.NewVerificationResult()
	bad := func(kind sms.Kind) func(string, error) error {
		return func(id string, err error) error {
			ver.Unverified(kind, id, err, asOf)
			return nil
		}
	}
	result := func(err error) ([]sms.Finding, error) {
		if len(ver.Failures) == 0 {
			return out, err
		}
		return append(ver.Failures, out...), err
	}
	failedSince := map[string]*Change{} // template -> a failed instance
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(c *Change, _ []sms.Entry) bool {
		out = append(out, sweep(c, &s.policy, asOf)...)
		if c.ModelType == ModelStandard && c.Template != "" && c.Failed() {
			if prev := failedSince[c.Template]; prev == nil || c.Work.FailedAt.After(prev.Work.FailedAt) {
				failedSince[c.Template] = c
			}
		}
		return true
	}, bad(Kind))
	if err != nil {
		return nil, err
	}
	err = s.templates.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(t *Template, _ []sms.Entry) bool {
		out = append(out, sweepTemplate(t, &s.policy, asOf)...)
		if c := failedSince[t.ID]; c != nil && t.Status == TemplateActive && !s.policy.KeepTemplateOnFailure && c.Work.FailedAt.After(t.ActivatedAt) {
			out = append(out, sms.Finding{Code: CodeTemplateNotSuspended, Requirement: req("CHG-18", "a template is suspended after a failed instance"),
				Kind: TemplateKind, EntityID: t.ID, At: asOf,
				Detail: "instance " + c.ID + " failed " + c.Work.FailedAt.Format(time.RFC3339) + ": " + strings.TrimSpace(c.Work.FailureReason)})
		}
		return true
	}, bad(TemplateKind))
	return result(err)
}
