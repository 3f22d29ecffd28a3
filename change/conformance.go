package change

import (
	"context"
	"slices"
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

// The conformance checks of change management, over three populations:
// changes, transition plans and templates, each check data
// ([sms.Check]) citing the catalogue ([Requirements]) by ID. They read the
// stored fields; they never trust the status alone.

func started(c *Change) bool { return c.Work != nil && !c.Work.StartedAt.IsZero() }

// changeChecks returns the checks over changes, under the policy; plans
// are the transition plans the design-and-transition check looks a
// change's plan up in.
func changeChecks(p *Policy, plans map[string]*TransitionPlan) []sms.Check[*Change] {
	return []sms.Check[*Change]{
		{
			Name: "change-authorized-before-implementation", Clause: "8.5.1.1-8.5.1.3",
			Cites: []string{"CHG-02", "CHG-04", "CHG-06", "CHG-07", "CHG-08", "CHG-09", "CHG-10", "CHG-11", "CHG-18", "CHG-19"},
			Rule: "every change at or past implement has its model and classification, its assessment (risk, benefit, feasibility, cost, " +
				"five impact dimensions) unless it is an emergency change, a remediation plan, approvals satisfying its authority by " +
				"distinct approvers other than requester and implementer, all before implementation started, its verification and " +
				"tests, and its notification; a standard change ran from its template",
			Applies: started,
			Eval: func(c *Change, x *sms.Examined) {
				f := func(id, detail string) { x.Fail(CodeNotAuthorized, id, detail) }
				start := c.Work.StartedAt
				if c.Type == "" || c.Model == "" || c.Category == "" || (len(c.Services) == 0 && len(c.ConfigItems) == 0) || sms.Blank(c.Reason) {
					f("CHG-04", "implemented without type, model, category, scope or reason")
				}
				m, known := p.Model(c.Model)
				if !known || m.Type != c.ModelType {
					f("CHG-02", "model "+c.Model+" is not one of the policy's, or of another type")
				}
				if c.ModelType != ModelEmergency && c.ModelType != ModelStandard {
					a := c.Assessment
					switch {
					case a == nil:
						f("CHG-07", "implemented without assessment")
					case a.Likelihood < 1 || a.Impact < 1 || sms.Blank(a.Benefit) || sms.Blank(a.Feasibility) || sms.Blank(a.Cost):
						f("CHG-07", "assessment lacks risk, benefit, feasibility or cost")
					}
					if a != nil && !a.Dimensions.Complete() {
						f("CHG-08", "an impact dimension is unanswered")
					}
					if a != nil && a.AssessedAt.After(start) {
						f("CHG-07", "assessed after implementation started")
					}
				}
				if c.Remediation == nil || !c.Remediation.Ready() {
					f("CHG-11", "no remediation plan, tested or justified")
				}
				au := c.Authority
				if au == nil || au.AuthorizedAt.IsZero() || au.AuthorizedAt.After(start) {
					f("CHG-06", "not authorized before implementation started")
				}
				if c.ModelType == ModelStandard {
					if c.Template == "" || au == nil || au.AuthorizedBy != "template:"+c.Template {
						f("CHG-18", "standard change without its template's authorization")
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
								f("CHG-19", "approved by its "+string(party)+" "+ap.Approver)
							}
						}
					}
					if rule, _ := p.ruleOf(c); rule.Tally(before, ps) != sms.Approved {
						f("CHG-06", "approvals before implementation do not satisfy the change authority")
					}
				}
				if sms.Blank(c.Work.Verification) || (sms.Blank(c.Work.TestResult) && sms.Blank(c.Work.TestSkipped)) ||
					(known && m.Test == TestRequired && sms.Blank(c.Work.TestResult)) {
					f("CHG-09", "no verification, or no test result or justification")
				}
				s := c.Schedule
				if s == nil || s.Window.IsZero() || sms.Blank(s.Plan) || len(s.Parties) == 0 {
					f("CHG-10", "implemented without a planned window, plan or parties")
				} else if !(known && m.SkipNotification) && (s.NotifiedAt.IsZero() || s.NotifiedAt.After(start) || s.NotifiedAt.Before(s.ScheduledAt)) {
					f("CHG-10", "interested parties not notified of the schedule before implementation")
				}
			},
		},
		{
			Name: "change-closure", Clause: "8.5.1.3, 8.2.6", Cites: []string{"CHG-12", "CHG-13", "CHG-15", "CHG-17"},
			Rule: "every closed change has its post-implementation review (when its model or its failure demands one), a remediation " +
				"outcome if it failed, its configuration updates or no configuration impact, and, for an emergency change, its " +
				"retrospective assessment",
			Applies: func(c *Change) bool { return c.Status == StatusClosed },
			Eval: func(c *Change, x *sms.Examined) {
				f := func(id, detail string) { x.Fail(CodeClosureIncomplete, id, detail) }
				if c.Review == nil && p.reviewRequired(c) {
					f("CHG-13", "closed without its post-implementation review")
				}
				if c.Review != nil && sms.Blank(c.Review.Summary) {
					f("CHG-13", "review without summary")
				}
				if c.Failed() && c.Work.Remediation == "" {
					f("CHG-12", "failed, closed without a remediation outcome")
				}
				if !started(c) || c.Work.EndedAt.IsZero() {
					f("CHG-12", "closed without an implementation outcome")
				}
				if !p.configComplete(c, c.ConfigUpdates, c.NoConfigImpact) {
					f("CHG-15", "a controlled configuration item's update is not referenced")
				}
				if c.ModelType == ModelEmergency && c.Assessment == nil {
					f("CHG-17", "emergency change closed without its retrospective assessment")
				}
				if c.CloseCode == "" || c.ClosedAt.IsZero() {
					f("CHG-13", "no close code or closing time")
				}
			},
		},
		{
			Name: "change-design-and-transition", Clause: "8.5.1.2, 8.5.2", Cites: []string{"CHG-05", "SDT-01"},
			Rule: "every authorized change that met the major-impact criteria, or added, removed or transferred a service, or whose " +
				"category the policy routes there, links a transition plan for it, approved before the change was authorized, with " +
				"acceptance criteria and measurable intended outcomes",
			Applies: func(c *Change) bool {
				return c.ModelType != ModelStandard && c.Authority != nil && !c.Authority.AuthorizedAt.IsZero()
			},
			Eval: func(c *Change, x *sms.Examined) {
				if !p.routed(c) {
					return
				}
				f := func(id, detail string) { x.Fail(CodeWithoutTransition, id, detail) }
				tp := plans[c.TransitionPlan]
				switch {
				case c.TransitionPlan == "":
					f("CHG-05", "authorized without a transition plan")
				case tp == nil:
					f("CHG-05", "transition plan "+c.TransitionPlan+" not found")
				case tp.Change != c.ID:
					f("CHG-05", "transition plan "+tp.ID+" serves another change")
				case tp.ApprovedAt.IsZero() || tp.ApprovedAt.After(c.Authority.AuthorizedAt) || tp.Status == PlanCancelled:
					f("SDT-01", "plan not approved before the change was authorized, or cancelled")
				case len(tp.AcceptanceCriteria) == 0 || len(tp.Outcomes) == 0:
					f("SDT-01", "plan without acceptance criteria or intended outcomes")
				}
			},
		},
		{
			Name: "change-withdrawal", Clause: "8.5.1", Cites: []string{"CHG-06", "CHG-20"},
			Rule:    "every rejected change gives its reason; every cancelled change gives its reason and was cancelled before implementation",
			Applies: func(c *Change) bool { return c.Status == StatusCancelled || c.Status == StatusRejected },
			Eval: func(c *Change, x *sms.Examined) {
				if c.Status == StatusRejected && sms.Blank(c.RejectReason) {
					x.Fail(CodeWithdrawalUnjustified, "CHG-06", "rejected without reason")
				}
				if c.Status == StatusCancelled && sms.Blank(c.CancelReason) {
					x.Fail(CodeWithdrawalUnjustified, "CHG-20", "cancelled without reason")
				}
				if c.Status == StatusCancelled && started(c) {
					x.Fail(CodeWithdrawalUnjustified, "CHG-20", "cancelled after implementation started")
				}
			},
		},
	}
}

// planChecks returns the check over transition plans (SDT-01 to SDT-06),
// which examines the plans approved and not cancelled. When index is not
// nil, every plan the check is shown, in its population or not, is also
// kept there by ID, for the change checks that look plans up.
func planChecks(index map[string]*TransitionPlan) []sms.Check[*TransitionPlan] {
	return []sms.Check[*TransitionPlan]{{
		Name: planCheck, Clause: "8.5.2", Cites: []string{"CHG-19", "SDT-01", "SDT-02", "SDT-03", "SDT-04", "SDT-05", "SDT-06"},
		Rule: "every approved transition plan is complete (SDT-01, SDT-02); past design it has its design record; past acceptance, a result " +
			"per criterion and a decision on failures; past transition, its release; once reported, a measurement per intended outcome and " +
			"the parties informed",
		Applies: func(tp *TransitionPlan) bool {
			if index != nil {
				index[tp.ID] = tp
			}
			return tp.Status != PlanDraft && tp.Status != PlanCancelled
		},
		Eval: planFindings,
	}}
}

// planFindings re-examines one transition plan (SDT-01 to SDT-06).
func planFindings(tp *TransitionPlan, x *sms.Examined) {
	f := func(id, detail string) { x.Fail(CodePlanIncomplete, id, detail) }
	past := func(s ...PlanStatus) bool { return slices.Contains(s, tp.Status) }
	if tp.authored(tp.ApprovedBy) {
		f("CHG-19", "approved by its author "+tp.ApprovedBy)
	}
	if !tp.Accountable.complete() || len(tp.Activities) == 0 || !tp.Resources.complete() || sms.Blank(tp.Dependencies) ||
		sms.Blank(tp.Testing) || len(tp.AcceptanceCriteria) == 0 || len(tp.Outcomes) == 0 || tp.ApprovedAt.IsZero() {
		f("SDT-01", "approved plan lacks accountability, activities, resources, dependencies, testing, criteria, outcomes or approval")
	}
	if (tp.Variant == TypeRemoveService && !tp.Removal.complete()) ||
		((tp.Variant == TypeTransferIn || tp.Variant == TypeTransferOut) && !tp.Transfer.complete()) {
		f("SDT-02", "removal or transfer details missing")
	}
	if past(PlanBuildTest, PlanAccepted, PlanAcceptanceFailed, PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) &&
		(tp.Design == nil || !tp.Design.complete()) {
		f("SDT-03", "no complete design record")
	}
	if past(PlanAccepted, PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) {
		failed := len(tp.failedCriteria()) > 0
		if !covered(tp.AcceptanceCriteria, tp.Results) || (failed && (tp.Decision == nil || len(tp.Decision.Participants) == 0)) {
			f("SDT-04", "criteria without results, or failures without a decision")
		}
	}
	if past(PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed) && tp.Release == "" {
		f("SDT-05", "transitioned without a release")
	}
	if past(PlanReported, PlanClosed) {
		for _, o := range tp.Outcomes {
			if !slices.ContainsFunc(tp.Measurements, func(m Measurement) bool { return m.Metric == o.Name }) {
				f("SDT-06", "outcome "+o.Name+" not measured")
			}
		}
	}
	if tp.Status == PlanClosed && len(tp.Notified) == 0 {
		f("SDT-06", "closed without naming who received the report")
	}
}

// templateChecks returns the check over templates (CHG-18, CHG-19), which
// examines the active ones.
func templateChecks(p *Policy) []sms.Check[*Template] {
	return []sms.Check[*Template]{{
		Name: templateCheck, Clause: "8.5.1.1", Cites: []string{"CHG-18", "CHG-19"},
		Rule:    "every active standard-change template belongs to a standard model, has a scope, and was approved by its authority, not by its author",
		Applies: func(t *Template) bool { return t.Status == TemplateActive },
		Eval:    func(t *Template, x *sms.Examined) { templateFindings(t, p, x) },
	}}
}

// templateFindings re-examines one active template (CHG-18, CHG-19).
func templateFindings(t *Template, p *Policy, x *sms.Examined) {
	f := func(id, detail string) { x.Fail(CodeTemplateUnapproved, id, detail) }
	rule, ok := p.templateRule(t)
	if !ok {
		f("CHG-18", "template of a model that is not a standard model of the policy")
		return
	}
	var before []sms.Approval
	authors := t.authors()
	for _, a := range t.Approvals {
		if !a.At.After(t.ActivatedAt) && !a.At.Before(t.ApprovalsSince) {
			before = append(before, a)
		}
		if authors.Has(sms.PartyAuthor, a.Approver) {
			f("CHG-19", "approved by its author "+a.Approver)
		}
	}
	if rule.Tally(before, authors) != sms.Approved {
		f("CHG-18", "active without approvals satisfying its authority")
	}
	if len(t.Services) == 0 && len(t.ItemTypes) == 0 {
		f("CHG-18", "active without a scope")
	}
}

const (
	planCheck     = "transition-plan-record"
	templateCheck = "standard-change-template"
)

// audit returns an audit of change management as of asOf, citing the
// catalogue, with the checks of the three populations declared in the
// order reports list them: changes', plans', templates'.
func audit(p *Policy, asOf time.Time, plans map[string]*TransitionPlan) (*sms.Audit, []sms.Check[*Change], []sms.Check[*TransitionPlan], []sms.Check[*Template]) {
	a := sms.NewAudit(asOf, Requirements())
	cc, pc, tc := changeChecks(p, plans), planChecks(nil), templateChecks(p)
	sms.Declare(a, cc)
	sms.Declare(a, pc)
	sms.Declare(a, tc)
	return a, cc, pc, tc
}

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
	a, cc, _, _ := audit(&pp, asOf, planIndex(plans))
	sms.Examine(a, cc, c, nil)
	return a.Report().Findings(), nil
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
	a, cc, pc, tc := audit(&pp, asOf, planIndex(plans))
	for _, c := range changes {
		sms.Examine(a, cc, c, nil)
	}
	for _, tp := range plans {
		sms.Examine(a, pc, tp, nil)
	}
	for _, t := range templates {
		sms.Examine(a, tc, t, nil)
	}
	return a.Report(), nil
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
	plans := map[string]*TransitionPlan{}
	a, cc, _, tc := audit(&s.policy, asOf, plans)
	if err := sms.ConformStore(ctx, a, s.plans.m, sms.Query{}, planChecks(plans)); err != nil {
		return a.Report(), err
	}
	if err := sms.ConformStore(ctx, a, s.m, sms.Query{}, cc); err != nil {
		return a.Report(), err
	}
	err := sms.ConformStore(ctx, a, s.templates.m, sms.Query{}, tc)
	return a.Report(), err
}

// Sweep returns the periodic findings for one change as of a time: an
// emergency change whose retrospective record is overdue, or was completed
// late (CHG-17). It is a pure function.
func Sweep(c *Change, p Policy, asOf time.Time) ([]sms.Finding, error) {
	if _, err := p.withDefaults(); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, sms.Invalid(Kind, "change", "is nil")
	}
	return sweep(sms.NewAudit(asOf, Requirements()), c), nil
}

func sweep(a *sms.Audit, c *Change) []sms.Finding {
	if c.ModelType != ModelEmergency || c.RetroDue.IsZero() || c.Status == StatusRejected || c.Status == StatusCancelled {
		return nil
	}
	var detail string
	switch {
	case c.Assessment == nil && a.AsOf().After(c.RetroDue):
		detail = "retrospective assessment due " + c.RetroDue.Format(time.RFC3339)
	case c.Assessment != nil && c.Assessment.AssessedAt.After(c.RetroDue):
		detail = "retrospective assessment recorded " + c.Assessment.AssessedAt.Format(time.RFC3339) + ", due " + c.RetroDue.Format(time.RFC3339)
	default:
		return nil
	}
	return []sms.Finding{a.Finding(CodeRetroOverdue, "CHG-17", Kind, c.ID, detail)}
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
	return sweepTemplate(sms.NewAudit(asOf, Requirements()), t, &pp), nil
}

func sweepTemplate(a *sms.Audit, t *Template, p *Policy) []sms.Finding {
	if t.Status != TemplateActive {
		return nil
	}
	if due := t.reviewDue(p); a.AsOf().After(due) {
		return []sms.Finding{a.Finding(CodeTemplateReviewOverdue, "CHG-18", TemplateKind, t.ID, "review due "+due.Format(time.RFC3339))}
	}
	return nil
}

// Sweep returns the periodic findings of every stored change and template
// as of a time: overdue emergency records (CHG-17), overdue template
// reviews, and active templates one of whose instances failed since their
// activation without suspending them (CHG-18). Only records that verify
// against their journal are swept ([sms.SweepStore]): each one that does
// not is a [sms.CodeRecordUnverified] finding, listed first.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	a := sms.NewAudit(asOf, Requirements())
	failedSince := map[string]*Change{} // template -> its last failed instance
	changes, err := sms.SweepStore(ctx, s.m, sms.Query{}, asOf, func(c *Change, _ []sms.Entry) []sms.Finding {
		if c.ModelType == ModelStandard && c.Template != "" && c.Failed() {
			if prev := failedSince[c.Template]; prev == nil || c.Work.FailedAt.After(prev.Work.FailedAt) {
				failedSince[c.Template] = c
			}
		}
		return sweep(a, c)
	})
	if err != nil {
		return nil, err
	}
	templates, err := sms.SweepStore(ctx, s.templates.m, sms.Query{}, asOf, func(t *Template, _ []sms.Entry) []sms.Finding {
		out := sweepTemplate(a, t, &s.policy)
		if c := failedSince[t.ID]; c != nil && t.Status == TemplateActive && !s.policy.KeepTemplateOnFailure && c.Work.FailedAt.After(t.ActivatedAt) {
			out = append(out, a.Finding(CodeTemplateNotSuspended, "CHG-18", TemplateKind, t.ID,
				"instance "+c.ID+" failed "+c.Work.FailedAt.Format(time.RFC3339)+": "+strings.TrimSpace(c.Work.FailureReason)))
		}
		return out
	})
	return unverifiedFirst(append(changes, templates...)), err
}

// unverifiedFirst moves the findings of records that do not verify before
// the others, keeping the order within each group; nil for none.
func unverifiedFirst(fs []sms.Finding) []sms.Finding {
	if len(fs) == 0 {
		return nil
	}
	out := make([]sms.Finding, 0, len(fs))
	for _, f := range fs {
		if f.Code == sms.CodeRecordUnverified {
			out = append(out, f)
		}
	}
	for _, f := range fs {
		if f.Code != sms.CodeRecordUnverified {
			out = append(out, f)
		}
	}
	return out
}
