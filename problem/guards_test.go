package problem_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusals shows, for every PRB requirement that implies a refusal, the
// refusal with its requirement ID, and that it changed nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	taxonomy := problem.DefaultPolicy()
	taxonomy.Categories = []string{"network", "storage"}
	noLookup := func(f *fixture) {
		f.svc = mustService(t, f, problem.Config{Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}})
	}

	cases := []struct {
		name   string
		policy *problem.Policy
		setup  func(f *fixture) // before the problem is prepared
		status problem.Status
		path   string // "" for the fullest path, or unclassified, noRootCause, undeterminable
		prep   func(f *fixture, id string)
		cmd    problem.Command
		who    sms.Actor // boss when empty
		want   []string
		count  int
	}{
		// PRB-03, PRB-04: classification, priority, owner.
		{name: "classify without category", status: problem.StatusNew,
			cmd: problem.Classification{Impact: 1, Urgency: 1}, want: []string{"PRB-03"}, count: 1},
		{name: "category outside the taxonomy", policy: &taxonomy, status: problem.StatusNew,
			cmd: problem.Classification{Category: "printers", Impact: 1, Urgency: 1}, want: []string{"PRB-03"}, count: 1},
		{name: "urgency outside the matrix", status: problem.StatusNew,
			cmd: problem.Classification{Category: "network", Impact: 1, Urgency: 4}, want: []string{"PRB-04"}, count: 1},
		{name: "assess unclassified, unprioritised, without owner", status: problem.StatusNew, path: "unclassified",
			cmd: problem.Assessment{}, want: []string{"PRB-03", "PRB-04"}, count: 3},
		{name: "assess without owner", status: problem.StatusNew,
			cmd: problem.Assessment{}, want: []string{"PRB-03"}, count: 1},
		{name: "cancel without reason", status: problem.StatusNew,
			cmd: problem.Cancellation{}, want: []string{"PRB-03"}, count: 1},
		{name: "cancel as duplicate without original", status: problem.StatusAssessed,
			cmd: problem.Cancellation{Reason: problem.CancelDuplicate}, want: []string{"PRB-03"}, count: 1},
		// PRB-05.
		{name: "escalate without target or reason", status: problem.StatusRCA,
			cmd: problem.Escalation{}, want: []string{"PRB-05"}, count: 2},
		// PRB-08.
		{name: "empty action", status: problem.StatusRCA,
			cmd: problem.Action{Text: " "}, want: []string{"PRB-08"}, count: 1},
		// PRB-02: investigator, root cause.
		{name: "start RCA without investigator", status: problem.StatusAssessed,
			cmd: problem.RCAStart{}, want: []string{"PRB-02"}, count: 1},
		{name: "analysis without cause or justification", status: problem.StatusRCA,
			cmd: problem.RootCauseAnalysis{Method: "5 whys"}, want: []string{"PRB-02"}, count: 1},
		{name: "undeterminable without justification", status: problem.StatusRCA,
			cmd: problem.RootCauseAnalysis{Undeterminable: true}, want: []string{"PRB-02"}, count: 1},
		{name: "undeterminable after a known error was declared", status: problem.StatusKnownError,
			cmd: problem.RootCauseAnalysis{Undeterminable: true, Justification: "logs lost"}, want: []string{"PRB-02"}, count: 1},
		{name: "declare a known error without root cause or workaround", status: problem.StatusRCA, path: "noRootCause",
			cmd: problem.KnownErrorDeclaration{}, want: []string{"PRB-02", "PRB-10"}, count: 2},
		{name: "declare a known error on an undeterminable cause", status: problem.StatusRCA, path: "undeterminable",
			cmd: validCommand(problem.TriggerDeclareKnownError), want: []string{"PRB-02"}, count: 1},
		{name: "declare a known error with blank mitigation only", status: problem.StatusRCA,
			cmd: problem.KnownErrorDeclaration{Mitigation: []string{" "}}, want: []string{"PRB-10"}, count: 1},
		// PRB-09: fix under a change.
		{name: "start a fix without a change", status: problem.StatusKnownError,
			cmd: problem.FixStart{}, want: []string{"PRB-09"}, count: 1},
		{name: "start a fix under an unknown change", status: problem.StatusKnownError,
			cmd: problem.FixStart{Change: "CHG-404"}, want: []string{"PRB-09"}, count: 1},
		{name: "start a fix under a finished change", status: problem.StatusKnownError,
			cmd: problem.FixStart{Change: "CHG-9"}, want: []string{"PRB-09"}, count: 1},
		{name: "start a fix on an undeterminable cause", status: problem.StatusRCA, path: "undeterminable",
			cmd: validCommand(problem.TriggerStartFix), want: []string{"PRB-02"}, count: 1},
		// PRB-06: resolution.
		{name: "resolve with nothing", status: problem.StatusRCA,
			cmd: problem.Resolution{}, want: []string{"PRB-06"}, count: 2},
		{name: "resolve without any root cause", status: problem.StatusRCA, path: "noRootCause",
			cmd: validCommand(problem.TriggerResolve), want: []string{"PRB-02"}, count: 1},
		{name: "fix applied without a change", status: problem.StatusKnownError,
			cmd: problem.Resolution{Type: problem.FixApplied, Notes: "n"}, want: []string{"PRB-09"}, count: 1},
		{name: "fix applied while the change is open", status: problem.StatusFixInProgress,
			prep: func(f *fixture, _ string) { f.changes.set("CHG-1", problem.ChangeOpen) },
			cmd:  problem.Resolution{Type: problem.FixApplied, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "fix applied while the change failed", status: problem.StatusFixInProgress,
			prep: func(f *fixture, _ string) { f.changes.set("CHG-1", problem.ChangeFailed) },
			cmd:  problem.Resolution{Type: problem.FixApplied, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "fix applied without a change lookup", setup: noLookup, status: problem.StatusKnownError,
			prep: func(f *fixture, id string) { f.step(t, id, problem.FixStart{Change: "CHG-7"}) },
			cmd:  problem.Resolution{Type: problem.FixApplied, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "fix applied on an undeterminable cause", status: problem.StatusRCA, path: "undeterminable",
			cmd: problem.Resolution{Type: problem.FixApplied, Notes: "n"}, want: []string{"PRB-02", "PRB-09"}, count: 2},
		{name: "risk accepted without a request", status: problem.StatusRCA,
			cmd: problem.Resolution{Type: problem.RiskAccepted, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "risk accepted with one approval", status: problem.StatusRCA,
			prep: func(f *fixture, id string) {
				requestRisk(t, f, id, analyst)
				approve(t, f, id, manager, problem.RoleProblemManager)
			},
			cmd: problem.Resolution{Type: problem.RiskAccepted, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "risk accepted after a rejection", status: problem.StatusRCA,
			prep: func(f *fixture, id string) {
				requestRisk(t, f, id, analyst)
				approve(t, f, id, manager, problem.RoleProblemManager)
				_, err := f.svc.ApproveRisk(f.ctx, owner, id, problem.RiskDecision{Role: problem.RoleServiceOwner, Decision: sms.Reject, Rationale: "too risky"})
				require.NoError(t, err)
			},
			cmd: problem.Resolution{Type: problem.RiskAccepted, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		{name: "request risk acceptance without rationale", status: problem.StatusRCA,
			cmd: problem.RiskRequest{}, want: []string{"PRB-06"}, count: 1},
		{name: "approve risk that was not requested", status: problem.StatusRCA,
			cmd: validCommand(problem.TriggerApproveRisk), want: []string{"PRB-06"}, count: 1},
		// The rejecter is not boss, who logged the problem and so may not
		// decide on the acceptance of its risk (PRB-06).
		{name: "reject risk without rationale", status: problem.StatusRCA, prep: func(f *fixture, id string) { requestRisk(t, f, id, analyst) },
			who: manager, cmd: problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Reject}, want: []string{"PRB-06"}, count: 1},
		{name: "duplicate without original", status: problem.StatusRCA,
			cmd: problem.Resolution{Type: problem.Duplicate, Notes: "n"}, want: []string{"PRB-06"}, count: 1},
		// PRB-07: observation window.
		{name: "close inside the observation window", status: problem.StatusResolved,
			cmd: problem.Closure{}, want: []string{"PRB-07"}, count: 1},
		{name: "recur without the incident", status: problem.StatusResolved,
			cmd: problem.Recurrence{}, want: []string{"PRB-07"}, count: 1},
		{name: "recur after the observation window", status: problem.StatusResolved,
			prep: func(f *fixture, _ string) { f.clk.Advance(15 * 24 * time.Hour) },
			cmd:  problem.Recurrence{Incident: "INC-9"}, want: []string{"PRB-07"}, count: 1},
		// PRB-15: propagation.
		{name: "propagate a fix not applied", status: problem.StatusKnownError,
			cmd: problem.Propagation{Kind: problem.CommunicateFix}, want: []string{"PRB-15"}, count: 2},
		{name: "propagate to incidents already informed", status: problem.StatusKnownError,
			prep: func(f *fixture, id string) { f.step(t, id, problem.Propagation{Kind: problem.CommunicateWorkaround}) },
			cmd:  problem.Propagation{Kind: problem.CommunicateWorkaround}, want: []string{"PRB-15"}, count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := problem.DefaultPolicy()
			if tc.policy != nil {
				p = *tc.policy
			}
			f := newFixture(t, p)
			if tc.setup != nil {
				tc.setup(f)
			}
			var pr *problem.Problem
			if tc.path != "" {
				pr = f.along(t, tc.path)
			} else {
				pr = f.to(t, tc.status)
			}
			require.Equal(t, tc.status, pr.Status)
			if tc.prep != nil {
				tc.prep(f, pr.ID)
			}
			before := f.snap(t, pr.ID)
			told := f.notifier.count("INC-1")
			who := boss
			if tc.who.ID != "" {
				who = tc.who
			}
			_, err := f.svc.Do(f.ctx, who, pr.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, tc.want...)
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.IDs())
			}
			assert.ErrorIs(t, err, sms.ErrGuard)
			f.requireUnchanged(t, pr.ID, before)
			assert.Equal(t, told, f.notifier.count("INC-1"), "a refused propagation informed an incident")
		})
	}
}

// along takes a new problem along a shaped path: left unclassified in
// new, or in rca without a root cause, or in rca with the cause justified
// as undeterminable.
func (f *fixture) along(t testing.TB, path string) *problem.Problem {
	t.Helper()
	pr := f.log(t)
	if path == "unclassified" {
		return pr
	}
	f.step(t, pr.ID, validCommand(problem.TriggerClassify))
	f.step(t, pr.ID, validCommand(problem.TriggerAssess))
	pr = f.step(t, pr.ID, validCommand(problem.TriggerStartRCA))
	if path == "undeterminable" {
		pr = f.step(t, pr.ID, problem.RootCauseAnalysis{Undeterminable: true, Justification: "the logs of the nights were not kept"})
	}
	return pr
}

func mustService(t testing.TB, f *fixture, cfg problem.Config) *problem.Service {
	svc, err := problem.NewService(problem.Stores{Problems: f.problems, KnownErrors: f.kes}, cfg)
	require.NoError(t, err)
	return svc
}

func requestRisk(t testing.TB, f *fixture, id string, who sms.Actor) {
	t.Helper()
	_, err := f.svc.RequestRiskAcceptance(f.ctx, who, id, problem.RiskRequest{Rationale: "replacement planned"})
	require.NoError(t, err)
}

func approve(t testing.TB, f *fixture, id string, who sms.Actor, role sms.Role) *problem.Problem {
	t.Helper()
	pr, err := f.svc.ApproveRisk(f.ctx, who, id, problem.RiskDecision{Role: role, Decision: sms.Approve, Rationale: "ok"})
	require.NoError(t, err)
	return pr
}

// TestRiskSegregationOfDuties: the requester may not approve, one person
// may not approve in both roles, and an approver must hold the role they
// decide in; each refusal is a *sms.ForbiddenError citing PRB-06 and
// changes nothing.
func TestRiskSegregationOfDuties(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		requester sms.Actor
		before    func(f *fixture, id string)
		who       sms.Actor
		role      sms.Role
		reason    string
	}{
		{name: "the requester approves", requester: manager, who: manager, role: problem.RoleProblemManager,
			reason: "the requester of a risk acceptance does not approve it"},
		{name: "one person in both roles", requester: analyst,
			before: func(f *fixture, id string) { approve(t, f, id, dual, problem.RoleProblemManager) },
			who:    dual, role: problem.RoleServiceOwner, reason: "two different people"},
		{name: "a role the approver lacks", requester: analyst, who: owner, role: problem.RoleProblemManager,
			reason: "each in their own role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, problem.DefaultPolicy())
			pr := f.to(t, problem.StatusRCA)
			requestRisk(t, f, pr.ID, tc.requester)
			if tc.before != nil {
				tc.before(f, pr.ID)
			}
			before := f.snap(t, pr.ID)
			_, err := f.svc.ApproveRisk(f.ctx, tc.who, pr.ID, problem.RiskDecision{Role: tc.role, Decision: sms.Approve, Rationale: "fine"})
			fe := smstest.RequireForbidden(t, err)
			assert.Equal(t, "PRB-06", fe.Requirement.ID)
			assert.Contains(t, fe.Requirement.Text, tc.reason)
			assert.Equal(t, problem.Kind, fe.Kind)
			assert.Equal(t, pr.ID, fe.ID)
			assert.True(t, errors.Is(err, sms.ErrForbidden))
			f.requireUnchanged(t, pr.ID, before)
		})
	}
}

// TestRolesRefused: triggers need their roles; a service owner cannot
// resolve, an analyst cannot close or publish.
func TestRolesRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusRCA)
	_, err := f.svc.Resolve(f.ctx, owner, pr.ID, validCommand(problem.TriggerResolve).(problem.Resolution))
	smstest.RequireForbidden(t, err)
	_, err = f.svc.Assess(f.ctx, analyst, pr.ID, problem.Assessment{Owner: "x"})
	smstest.RequireForbidden(t, err)
	_, err = f.svc.Log(f.ctx, owner, report())
	smstest.RequireForbidden(t, err)
	k := f.keTo(t, problem.KEDraft)
	_, err = f.svc.KnownErrors().Publish(f.ctx, analyst, k.ID, problem.KEPublication{})
	smstest.RequireForbidden(t, err)
}

// TestLogRefusals: what a problem is recorded with (PRB-03) and a problem
// from a major incident names it (PRB-14).
func TestLogRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	_, err := f.svc.Log(f.ctx, boss, problem.Report{})
	ge := smstest.RequireRefused(t, err, "PRB-03")
	assert.Len(t, ge.Unmet, 3)
	_, err = f.svc.Log(f.ctx, boss, problem.Report{Summary: "s", Service: "vpn", Source: problem.SourceMajorIncident})
	ge = smstest.RequireRefused(t, err, "PRB-14")
	assert.Len(t, ge.Unmet, 1)
	page, err := f.svc.List(f.ctx, problem.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "a refused log stored a problem")
}

// TestKnownErrorRefusals: publication needs findability, a workaround and
// a root cause; a revision cannot remove the last remedy; a review and a
// retirement state their outcome and reason.
func TestKnownErrorRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status problem.KEStatus
		prep   func(f *fixture, id string)
		cmd    problem.KECommand
		want   string
		count  int
	}{
		{name: "publish an unfindable known error", status: problem.KEDraft,
			prep: func(f *fixture, id string) {
				_, err := f.svc.KnownErrors().Revise(f.ctx, boss, id, problem.KERevision{Symptoms: []string{}, Services: []string{}, ConfigItems: []string{}})
				require.NoError(t, err)
			},
			cmd: problem.KEPublication{}, want: "PRB-12", count: 1},
		{name: "revise a published one to be unfindable", status: problem.KEPublished,
			cmd: problem.KERevision{Symptoms: []string{"!!"}, Services: []string{}, ConfigItems: []string{}}, want: "PRB-12", count: 1},
		{name: "review without outcome", status: problem.KEPublished,
			cmd: problem.KEReview{}, want: "PRB-12", count: 1},
		{name: "retire without reason", status: problem.KEPublished,
			cmd: problem.KERetirement{}, want: "PRB-12", count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, problem.DefaultPolicy())
			k := f.keTo(t, tc.status)
			if tc.prep != nil {
				tc.prep(f, k.ID)
			}
			k, err := f.svc.KnownErrors().Get(f.ctx, k.ID)
			require.NoError(t, err)
			_, err = f.svc.KnownErrors().Do(f.ctx, boss, k.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, tc.want)
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count)
			}
			again, err := f.svc.KnownErrors().Get(f.ctx, k.ID)
			require.NoError(t, err)
			assert.Equal(t, k, again)
		})
	}
}

// TestRevisionKeepsARemedy: a known error declared with a mitigation plan
// only cannot have the plan revised away (PRB-10), while one with a
// workaround can drop its plan.
func TestRevisionKeepsARemedy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusRCA)
	pr = f.step(t, pr.ID, problem.KnownErrorDeclaration{Mitigation: []string{"restart the tunnel nightly"}})
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	_, err = f.svc.KnownErrors().Revise(f.ctx, boss, k.ID, problem.KERevision{Mitigation: []string{}})
	ge := smstest.RequireRefused(t, err, "PRB-10")
	assert.Len(t, ge.Unmet, 1)
	again, err := f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	assert.Equal(t, k, again)

	_, err = f.svc.KnownErrors().Revise(f.ctx, boss, k.ID, problem.KERevision{Workaround: "use the LTE backup", Mitigation: []string{}})
	require.NoError(t, err, "with a workaround the mitigation plan may go")
}
