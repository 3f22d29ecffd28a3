package continuity

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of check 12.
const (
	// CodePlanIncomplete: a plan in force lacks an element approval
	// requires, or was approved, in its journal, by one of the authors of
	// the version (CON-04, CON-05).
	CodePlanIncomplete = "CONT_PLAN_INCOMPLETE"
	// CodeRequirementUnagreed: an agreed requirement is inconsistent, or
	// was not agreed by enough customer representatives (CON-02, CON-03).
	CodeRequirementUnagreed = "CONT_REQUIREMENT_UNAGREED"
	// CodeTestUnreviewed: a reviewed or closed test lacks its conclusions,
	// or a deficiency its action (CON-10, CON-11).
	CodeTestUnreviewed = "CONT_TEST_REVIEW_INCOMPLETE"
)

// ConformPolicy says how often each plan in force is tested: TestEvery
// (a year of 365 days when zero).
type ConformPolicy struct {
	TestEvery time.Duration
}

// missingContents lists what a plan's contents lack that approval
// requires (CON-05, CON-06).
func missingContents(c *Contents) []string {
	var out []string
	if sms.Blank(c.InvocationCriteria) {
		out = append(out, "invocation criteria")
	}
	if len(c.Authorities) == 0 || slices.ContainsFunc(c.Authorities, sms.Blank) {
		out = append(out, "invocation authorities")
	}
	if sms.Blank(c.Procedures.Invocation) || sms.Blank(c.Procedures.MajorLoss) || sms.Blank(c.Procedures.ReturnToNormal) {
		out = append(out, "procedures for invocation, major loss and return to normal")
	}
	if len(c.DegradedTargets) == 0 || len(c.RecoveryRequirements) == 0 {
		out = append(out, "degraded targets and recovery requirements")
	}
	if len(c.Contacts) == 0 {
		out = append(out, "contacts")
	}
	return out
}

// approvedByAnAuthor reports whether the journal's last approval was fired
// by someone who drafted or revised the version it approved.
func approvedByAnAuthor(journal []sms.Entry) bool {
	last, prev := -1, -1
	for i, e := range journal {
		if e.Trigger == string(TriggerPlanApprove) {
			prev, last = last, i
		}
	}
	if last < 0 {
		return false
	}
	for _, e := range journal[prev+1 : last] {
		if (e.Trigger == string(TriggerPlanDraft) || e.Trigger == string(TriggerPlanRevise)) && e.Actor.ID == journal[last].Actor.ID {
			return true
		}
	}
	return false
}

func planConformChecks() []sms.Check[*Plan] {
	return []sms.Check[*Plan]{{
		Name: "continuity-plan-control", Clause: "8.7.2", Cites: []string{"CON-04", "CON-05", "CON-06", "CON-08"},
		Rule:    "every plan in force has all the elements approval requires, was approved by another person than the version's authors (as its journal shows), has an off-site copy of its current version, and no retest past its due date",
		Applies: func(p *Plan) bool { return p.InForce() },
		Eval: func(p *Plan, x *sms.Examined) {
			for _, m := range missingContents(&p.Contents) {
				x.Fail(CodePlanIncomplete, "CON-05", "no "+m)
			}
			if x.Journal != nil && approvedByAnAuthor(x.Journal) {
				x.Fail(CodePlanIncomplete, "CON-04", "approved by an author of the version")
			}
			fs, _ := SweepPlan(p, x.AsOf)
			for _, f := range fs {
				x.Fail(f.Code, f.Requirement.ID, f.Detail)
			}
		},
	}}
}

func testConformChecks() []sms.Check[*Test] {
	return []sms.Check[*Test]{{
		Name: "continuity-test-review", Clause: "8.7.2", Cites: []string{"CON-10", "CON-11"},
		Rule:    "every reviewed or closed test has its conclusions, and every result not met and every deficiency an action",
		Applies: func(t *Test) bool { return t.Status == TestReviewed || t.Status == TestClosed },
		Eval: func(t *Test, x *sms.Examined) {
			if sms.Blank(t.Conclusions) {
				x.Fail(CodeTestUnreviewed, "CON-10", "no conclusions")
			}
			for _, r := range t.Results {
				if !r.Met && !slices.ContainsFunc(t.Deficiencies, func(d Deficiency) bool { return d.Service == r.Service && !sms.Blank(d.Action) }) {
					x.Fail(CodeTestUnreviewed, "CON-11", r.Service+": not met, no action")
				}
			}
			if slices.ContainsFunc(t.Deficiencies, func(d Deficiency) bool { return sms.Blank(d.Action) }) {
				x.Fail(CodeTestUnreviewed, "CON-11", "a deficiency without its action")
			}
		},
	}}
}

// InvocationConformChecks returns the invocation check of [Conform], for
// hosts that run it with [sms.ConformStore] and for tests.
func InvocationConformChecks() []sms.Check[*Invocation] {
	return []sms.Check[*Invocation]{{
		Name: "continuity-invocation-control", Clause: "8.7.2", Cites: []string{"CON-10", "CON-11", "CON-12"},
		Rule:    "every invocation was fired by the person it names as invoker (its journal's actor), and once reviewed has its conclusions and an action for every recovery beyond the RTO and every deficiency",
		Applies: func(*Invocation) bool { return true },
		Eval: func(v *Invocation, x *sms.Examined) {
			if x.Journal != nil {
				if by := sms.ActorsOf(x.Journal, string(TriggerInvoke)); len(by) != 1 || by[0] != v.InvokedBy {
					x.Fail(CodeTestUnreviewed, "CON-12", "the invoker named is not the journal's actor of the invocation")
				}
			}
			if v.Status != InvocationReviewed && v.Status != InvocationClosed {
				return
			}
			if sms.Blank(v.Conclusions) {
				x.Fail(CodeTestUnreviewed, "CON-10", "reviewed without conclusions")
			}
			for _, r := range v.Recovery {
				if !r.Met && !slices.ContainsFunc(v.Deficiencies, func(d Deficiency) bool { return d.Service == r.Service && !sms.Blank(d.Action) }) {
					x.Fail(CodeTestUnreviewed, "CON-11", r.Service+": recovered beyond the RTO, no action")
				}
			}
			if slices.ContainsFunc(v.Deficiencies, func(d Deficiency) bool { return sms.Blank(d.Action) }) {
				x.Fail(CodeTestUnreviewed, "CON-11", "a deficiency without its action")
			}
		},
	}}
}

// Conform runs check 12 of the auditor suite over the stored
// requirements, plans, tests and invocations (invs may be nil): the
// record verification of each; every
// plan in force complete, approved by another person than its version's
// authors, copied off-site at its current version, not past a retest due
// (continuity-plan-control); every reviewed test reviewed with an action
// for each deficiency (continuity-test-review); every invocation fired by
// the invoker it names and reviewed with an action for each deficiency
// (continuity-invocation-control); every service with agreed
// requirements covered by a plan in force (continuity-coverage, CON-04);
// every plan in force tested within the policy's interval
// (continuity-tests-on-time, CON-07), and every retest cleared by a stored
// test of the plan that met its objectives (CON-08). Only records that
// verify count.
func Conform(ctx context.Context, reqs *Requirements, plans *Plans, tests *Tests, invs *Invocations, p ConformPolicy, asOf time.Time) (sms.Report, error) {
	if reqs == nil || plans == nil || tests == nil {
		return sms.Report{}, sms.Invalid(PlanKind, "stores", "needs the requirements, the plans and the tests")
	}
	if p.TestEvery < 0 {
		return sms.Report{}, sms.Invalid(PlanKind, "policy.test_every", "%s is negative", p.TestEvery)
	}
	a := sms.NewAudit(asOf, slices.Concat(RequirementRequirements(), PlanRequirements(), TestRequirements(), InvocationRequirements()))
	var services []string
	err := sms.ConformStoreFunc(ctx, a, reqs.m, sms.Query{}, []sms.Check[*Requirement]{{
		Name: "continuity-requirements-agreed", Clause: "8.7.2", Cites: []string{"CON-02", "CON-03"},
		Rule:    "every agreed requirement has its recovery time within its maximum tolerable disruption and was agreed by two customer representatives, none of them an author, as its journal shows",
		Applies: func(r *Requirement) bool { return r.Status == RequirementAgreed },
		Eval: func(r *Requirement, x *sms.Examined) {
			if r.Objectives.RTO > r.Objectives.MTPD {
				x.Fail(CodeRequirementUnagreed, "CON-02", "the RTO is beyond the MTPD")
			}
			agreed, authors := make([]string, 0, len(r.Agreements)), []string(nil)
			for _, g := range r.Agreements {
				agreed = append(agreed, g.Person)
			}
			if x.Journal != nil {
				// The agreements since the last revision, which withdrew the earlier.
				agreed = agreed[:0]
				for _, e := range x.Journal {
					switch e.Trigger {
					case string(TriggerRequirementRevise):
						agreed = agreed[:0]
					case string(TriggerRequirementAgree):
						if !slices.Contains(agreed, e.Actor.ID) {
							agreed = append(agreed, e.Actor.ID)
						}
					}
				}
				authors = sms.ActorsOf(x.Journal, string(TriggerRequirementDraft), string(TriggerRequirementRevise))
			}
			n := 0
			for _, who := range agreed {
				if !slices.Contains(authors, who) {
					n++
				}
			}
			if n < RequirementAgreementQuorum {
				x.Fail(CodeRequirementUnagreed, "CON-03", "not agreed by two customer representatives other than its authors")
			}
		},
	}}, func(r *Requirement, _ []sms.Entry) {
		if r.Status == RequirementAgreed && !slices.Contains(services, r.Service) {
			services = append(services, r.Service)
		}
	})
	if err != nil {
		return a.Report(), err
	}
	var inForce []*Plan
	if err := sms.ConformStoreFunc(ctx, a, plans.m, sms.Query{}, planConformChecks(), func(pl *Plan, _ []sms.Entry) {
		if pl.InForce() {
			inForce = append(inForce, pl)
		}
	}); err != nil {
		return a.Report(), err
	}
	var all []*Test
	if err := sms.ConformStoreFunc(ctx, a, tests.m, sms.Query{}, testConformChecks(), func(t *Test, _ []sms.Entry) { all = append(all, t) }); err != nil {
		return a.Report(), err
	}
	if invs != nil {
		if err := sms.ConformStore(ctx, a, invs.m, sms.Query{}, InvocationConformChecks()); err != nil {
			return a.Report(), err
		}
	}
	rep := a.Report()
	slices.Sort(services)
	cov := sms.CheckResult{Check: "continuity-coverage", Clause: "8.7.2", Population: len(services), Failures: []sms.Finding{},
		Rule: "every service with agreed continuity requirements is covered by a plan in force"}
	cov.Failures = append(cov.Failures, MissingPlans(inForce, services, asOf)...)
	since := map[string]time.Time{}
	for _, pl := range inForce {
		since[pl.ID] = pl.ApprovedAt
	}
	due := sms.CheckResult{Check: "continuity-tests-on-time", Clause: "8.7.2", Population: len(inForce), Failures: []sms.Finding{},
		Rule: "every plan in force was tested within the interval, and a retest it required cleared by a passed test of it"}
	due.Failures = append(due.Failures, TestSweep(since, all, p.TestEvery, asOf)...)
	// A retest is cleared on the word of the host that fires retested: the
	// test it names must be a stored test of the plan that met its
	// objectives.
	for _, pl := range inForce {
		if pl.LastTest == "" {
			continue
		}
		if !slices.ContainsFunc(all, func(t *Test) bool { return t.ID == pl.LastTest && t.Plan == pl.ID && t.Met() }) {
			due.Failures = append(due.Failures, a.Finding(CodeRetestOverdue, "CON-08", PlanKind, pl.ID,
				"the retest was cleared by "+pl.LastTest+", which is not a stored test of the plan that met its objectives"))
		}
	}
	rep.Results = append(rep.Results, cov, due)
	return rep, nil
}
