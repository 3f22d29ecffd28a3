package change_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusal is one case of the refusal table: a change of a model brought to
// a status (and prepared), then a command that the workflow must refuse
// citing the requirements, changing nothing.
type refusal struct {
	name   string
	policy func(*change.Policy) // adjusts DefaultPolicy
	model  string               // default normal
	status change.Status
	prep   func(t *testing.T, f *fixture, chg *change.Change) // extra steps
	who    *sms.Actor                                         // default: as(trigger)
	cmd    func(f *fixture, chg *change.Change) change.Command
	want   []string // requirement IDs the refusal must cite
	count  int      // if > 0, the exact number of unmet requirements
}

func fixed(c change.Command) func(*fixture, *change.Change) change.Command {
	return func(*fixture, *change.Change) change.Command { return c }
}

func validFor(tr change.Trigger) func(*fixture, *change.Change) change.Command {
	return func(f *fixture, _ *change.Change) change.Command { return f.valid(tr) }
}

func readyFor(tr change.Trigger) func(*testing.T, *fixture, *change.Change) {
	return func(t *testing.T, f *fixture, chg *change.Change) { f.ready(t, chg, tr) }
}

func evalWith(mod func(*change.Evaluation)) func(*fixture, *change.Change) change.Command {
	return func(*fixture, *change.Change) change.Command {
		e := evaluation()
		mod(&e)
		return e
	}
}

func schedWith(mod func(*change.Scheduling)) func(*fixture, *change.Change) change.Command {
	return func(f *fixture, _ *change.Change) change.Command {
		s := f.valid(change.TriggerSchedule).(change.Scheduling)
		mod(&s)
		return s
	}
}

func amend(a change.Amendment) func(*testing.T, *fixture, *change.Change) {
	return func(t *testing.T, f *fixture, chg *change.Change) { f.do(t, chg.ID, a) }
}

// TestRefusals shows, for every CHG requirement that implies a refusal, the
// refusal with its requirement ID, and that the refused transition changed
// nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	cases := []refusal{
		// CHG-02: models and their handling.
		{name: "raise under an unknown model", status: "", cmd: fixed(change.Request{Summary: "s", Requester: "rita", Model: "hasty"}),
			want: []string{"CHG-02"}, count: 1},
		{name: "amend to an unknown model", status: change.StatusDraft, cmd: fixed(change.Amendment{Model: "hasty"}), want: []string{"CHG-02"}, count: 1},
		{name: "window inside the lead time", status: change.StatusScheduled,
			cmd: func(f *fixture, chg *change.Change) change.Command {
				s := f.valid(change.TriggerSchedule).(change.Scheduling)
				s.Window = change.Window{Start: chg.SubmittedAt.Add(time.Hour), End: chg.SubmittedAt.Add(49 * time.Hour)}
				return s
			}, want: []string{"CHG-02"}, count: 1},
		// CHG-04: recorded and classified.
		{name: "raise without summary or requester", status: "", cmd: fixed(change.Request{}), want: []string{"CHG-04"}, count: 2},
		{name: "category outside the taxonomy", policy: func(p *change.Policy) { p.Categories = []string{"hardware"} }, status: "",
			cmd: fixed(request(change.ModelNameNormal)), want: []string{"CHG-04"}, count: 1},
		{name: "submit an unclassified request", status: "", cmd: fixed(change.Request{Summary: "s", Requester: "rita"}),
			want: []string{"CHG-04"}, count: 2},
		// CHG-05: design and transition.
		{name: "assess a new service without a transition plan", status: change.StatusAssess,
			prep: amendThenAssess(change.TypeNewService), cmd: validFor(change.TriggerAssess), want: []string{"CHG-05"}, count: 1},
		{name: "assess a major-impact change without a transition plan", status: change.StatusAssess,
			cmd: evalWith(func(e *change.Evaluation) { e.Likelihood, e.Impact = 5, 4 }), want: []string{"CHG-05"}, count: 1},
		{name: "assess a routed category without a transition plan", policy: func(p *change.Policy) { p.TransitionCategories = []string{"software"} },
			status: change.StatusAssess, cmd: validFor(change.TriggerAssess), want: []string{"CHG-05"}, count: 1},
		{name: "authorize with the transition plan still in draft", status: change.StatusAuthorize,
			prep: func(t *testing.T, f *fixture, chg *change.Change) { f.routeToPlan(t, chg, false) },
			cmd:  validFor(change.TriggerAuthorize), want: []string{"CHG-05"}, count: 1},
		{name: "authorize with a plan of another change", status: change.StatusAuthorize,
			prep: func(t *testing.T, f *fixture, chg *change.Change) { f.routeToPlanOf(t, chg, "CHG-OTHER") },
			cmd:  validFor(change.TriggerAuthorize), want: []string{"CHG-05"}, count: 1},
		{name: "standard change adding a service", model: change.ModelNameStandard, status: change.StatusDraft,
			prep: amend(change.Amendment{Type: change.TypeNewService}), cmd: validFor(change.TriggerSubmitStandard), want: []string{"CHG-05"}, count: 1},
		// CHG-06: the change authority's decision.
		{name: "approve without rationale", status: change.StatusAuthorize, cmd: fixed(change.Approval{}), want: []string{"CHG-06"}, count: 1},
		{name: "authorize without the quorum", status: change.StatusAuthorize, cmd: validFor(change.TriggerAuthorize), want: []string{"CHG-06"}, count: 1},
		{name: "authorize a risky change on one approval of two", status: change.StatusAssess,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				f.do(t, chg.ID, change.Evaluation{Likelihood: 3, Impact: 4, Benefit: "b", Feasibility: "f", Cost: "c",
					Dimensions: evaluation().Dimensions, Remediation: evaluation().Remediation})
				_, err := f.svc.Approve(f.ctx, cab1, chg.ID, change.Approval{Rationale: "fine"})
				require.NoError(t, err)
			}, cmd: validFor(change.TriggerAuthorize), want: []string{"CHG-06"}, count: 1},
		{name: "authorize without priority", status: change.StatusAuthorize, prep: readyFor(change.TriggerAuthorize),
			cmd: fixed(change.Authorization{}), want: []string{"CHG-06"}, count: 1},
		{name: "reject without reason", status: change.StatusAssess, cmd: fixed(change.Rejection{}), want: []string{"CHG-06"}, count: 1},
		{name: "reject in assessment by a CAB member", status: change.StatusAssess, who: &cab1,
			cmd: validFor(change.TriggerReject), want: []string{"CHG-06"}, count: 1},
		// CHG-07, CHG-08: assessment.
		{name: "assess with nothing", status: change.StatusAssess, cmd: fixed(change.Evaluation{}),
			want: []string{"CHG-07", "CHG-08", "CHG-11"}, count: 6},
		{name: "assess without benefit, feasibility or cost", status: change.StatusAssess,
			cmd: evalWith(func(e *change.Evaluation) { e.Benefit, e.Feasibility, e.Cost = " ", "", "" }), want: []string{"CHG-07"}, count: 3},
		{name: "risk rated zero", status: change.StatusAssess, cmd: evalWith(func(e *change.Evaluation) { e.Likelihood = 0 }),
			want: []string{"CHG-07"}, count: 1},
		{name: "an impact dimension unanswered", status: change.StatusAssess,
			cmd: evalWith(func(e *change.Evaluation) { e.Dimensions.Capacity = change.Dimension{Affected: true} }), want: []string{"CHG-08"}, count: 1},
		{name: "schedule over an unacknowledged conflict", status: change.StatusScheduled,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				other := f.to(t, change.ModelNameNormal, change.StatusScheduled)
				f.ready(t, other, change.TriggerNotify) // schedules it now
			}, cmd: validFor(change.TriggerSchedule), want: []string{"CHG-08"}, count: 1},
		// CHG-09: prepared, verified, tested.
		{name: "schedule without implementer", status: change.StatusScheduled, prep: readyFor(change.TriggerSchedule),
			cmd: schedWith(func(s *change.Scheduling) { s.Implementer = "" }), want: []string{"CHG-09"}, count: 1},
		{name: "start without verification or test", status: change.StatusScheduled, prep: readyFor(change.TriggerStart),
			cmd: fixed(change.Implementation{}), want: []string{"CHG-09"}, count: 2},
		{name: "start with a test justification the model forbids",
			policy: func(p *change.Policy) { p.Models[0].Test = change.TestRequired }, status: change.StatusScheduled, prep: readyFor(change.TriggerStart),
			cmd: fixed(change.Implementation{Verification: "v", TestSkipped: "no test environment"}), want: []string{"CHG-09"}, count: 1},
		// CHG-10: communicated schedule.
		{name: "schedule with nothing", status: change.StatusScheduled, cmd: fixed(change.Scheduling{}),
			want: []string{"CHG-10", "CHG-09"}, count: 5},
		{name: "window ending in the past", status: change.StatusScheduled, prep: readyFor(change.TriggerSchedule),
			cmd: func(f *fixture, _ *change.Change) change.Command {
				s := f.valid(change.TriggerSchedule).(change.Scheduling)
				s.Window.End = f.clk.Now().Add(-time.Minute)
				s.Window.Start = s.Window.End.Add(-time.Hour)
				return s
			}, want: []string{"CHG-10"}, count: 1},
		{name: "notify before any schedule", status: change.StatusScheduled, cmd: validFor(change.TriggerNotify), want: []string{"CHG-10"}, count: 1},
		{name: "empty notification", status: change.StatusScheduled, prep: readyFor(change.TriggerNotify),
			cmd: fixed(change.Notification{}), want: []string{"CHG-10"}, count: 1},
		{name: "start without notifying the parties", status: change.StatusScheduled, prep: readyFor(change.TriggerNotify),
			cmd: validFor(change.TriggerStart), want: []string{"CHG-10"}, count: 1},
		{name: "start after a reschedule not yet announced", status: change.StatusScheduled,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				f.ready(t, chg, change.TriggerStart)
				f.step(t, chg.ID, change.TriggerSchedule)
			}, cmd: validFor(change.TriggerStart), want: []string{"CHG-10"}, count: 1},
		{name: "start outside the window without override", status: change.StatusScheduled,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				f.ready(t, chg, change.TriggerStart)
				f.clk.Advance(6 * time.Hour)
			}, cmd: validFor(change.TriggerStart), want: []string{"CHG-10"}, count: 1},
		// CHG-11: remediation planned.
		{name: "assess without remediation plan", status: change.StatusAssess,
			cmd: evalWith(func(e *change.Evaluation) { e.Remediation = change.RemediationPlan{} }), want: []string{"CHG-11"}, count: 1},
		{name: "remediation neither tested nor justified", status: change.StatusAssess,
			cmd: evalWith(func(e *change.Evaluation) { e.Remediation.Tested = false }), want: []string{"CHG-11"}, count: 1},
		{name: "emergency without remediation plan", model: change.ModelNameEmergency, status: change.StatusDraft,
			cmd: fixed(change.EmergencySubmission{Justification: "outage"}), want: []string{"CHG-11"}, count: 1},
		// CHG-12: outcomes and remediation.
		{name: "complete without outcome", status: change.StatusImplement, cmd: fixed(change.Completion{}), want: []string{"CHG-12"}, count: 1},
		{name: "success with issues undescribed", status: change.StatusImplement,
			cmd: fixed(change.Completion{Outcome: change.OutcomeSuccessfulIssues}), want: []string{"CHG-12"}, count: 1},
		{name: "fail without reason", status: change.StatusImplement, cmd: fixed(change.Failure{}), want: []string{"CHG-12"}, count: 1},
		{name: "remediation without outcome or notes", status: change.StatusRemediating, cmd: fixed(change.Remedy{}),
			want: []string{"CHG-12"}, count: 2},
		// CHG-13: review.
		{name: "close without review", status: change.StatusReview, cmd: validFor(change.TriggerClose), want: []string{"CHG-13"}, count: 1},
		{name: "close a failed standard change without review", model: change.ModelNameStandard, status: change.StatusRemediating,
			prep: func(t *testing.T, f *fixture, chg *change.Change) { f.step(t, chg.ID, change.TriggerRemediated) },
			cmd:  validFor(change.TriggerClose), want: []string{"CHG-13"}, count: 1},
		{name: "review without summary or agreed actions", status: change.StatusReview,
			cmd: fixed(change.PIR{Actions: []change.FollowUp{{Action: "fix monitoring"}}}), want: []string{"CHG-13"}, count: 2},
		// CHG-15: configuration updated.
		{name: "close without configuration updates", status: change.StatusReview, prep: readyFor(change.TriggerClose),
			cmd: fixed(change.Closure{}), want: []string{"CHG-15"}, count: 1},
		{name: "close with another item's update", status: change.StatusReview, prep: readyFor(change.TriggerClose),
			cmd: fixed(change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "db-9", Ref: "CMDB-1"}}}), want: []string{"CHG-15"}, count: 1},
		// CHG-17: emergency changes.
		{name: "emergency without justification", model: change.ModelNameEmergency, status: change.StatusDraft,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				r := request(change.ModelNameEmergency)
				r.ID, r.Justification = f.id("CHG"), ""
				n, err := f.svc.Raise(f.ctx, requester, r)
				require.NoError(t, err)
				*chg = *n
			}, cmd: func(f *fixture, chg *change.Change) change.Command {
				return change.EmergencySubmission{Remediation: change.RemediationPlan{Plan: "p", Tested: true}}
			}, want: []string{"CHG-17"}, count: 1},
		{name: "close an emergency change before its retrospective record", model: change.ModelNameEmergency, status: change.StatusReview,
			prep: func(t *testing.T, f *fixture, chg *change.Change) { f.step(t, chg.ID, change.TriggerReview) },
			cmd:  validFor(change.TriggerClose), want: []string{"CHG-17"}, count: 1},
		{name: "retrospective assessment incomplete", model: change.ModelNameEmergency, status: change.StatusReview,
			cmd: fixed(change.Retrospective{}), want: []string{"CHG-07", "CHG-08"}},
		// CHG-18: standard changes.
		{name: "standard change without template", model: change.ModelNameStandard, status: change.StatusDraft,
			prep: amend(change.Amendment{Template: "TPL-NONE"}), cmd: validFor(change.TriggerSubmitStandard), want: []string{"CHG-18"}, count: 1},
		{name: "standard change outside its template's scope", model: change.ModelNameStandard, status: change.StatusDraft,
			prep: amend(change.Amendment{Services: []string{"payroll", "hr-portal"}}), cmd: validFor(change.TriggerSubmitStandard),
			want: []string{"CHG-18"}, count: 1},
		{name: "standard change on an item type outside scope", model: change.ModelNameStandard, status: change.StatusDraft,
			prep: amend(change.Amendment{ConfigItems: []change.ConfigItem{{ID: "db-1", Type: "database"}}}), cmd: validFor(change.TriggerSubmitStandard),
			want: []string{"CHG-18"}, count: 1},
		{name: "standard change from a suspended template", model: change.ModelNameStandard, status: change.StatusDraft,
			prep: suspendTemplate, cmd: validFor(change.TriggerSubmitStandard), want: []string{"CHG-18"}, count: 1},
		{name: "standard change started after its template was suspended", model: change.ModelNameStandard, status: change.StatusScheduled,
			prep: func(t *testing.T, f *fixture, chg *change.Change) {
				f.ready(t, chg, change.TriggerStart)
				suspendTemplate(t, f, chg)
			}, cmd: validFor(change.TriggerStart), want: []string{"CHG-18"}, count: 1},
		{name: "standard template of another model", model: change.ModelNameStandard, status: change.StatusDraft,
			policy: func(p *change.Policy) {
				p.Models = append(p.Models, change.Model{Name: "routine", Type: change.ModelStandard, SkipReview: true,
					Approval: sms.ApprovalRule{Roles: []sms.Role{change.RoleChangeManager}, Quorum: 1}})
			},
			prep: amend(change.Amendment{Model: "routine"}), cmd: validFor(change.TriggerSubmitStandard), want: []string{"CHG-18"}, count: 1},
		// CHG-19, no self-approval, is segregation of duties: see
		// TestSegregationRefusals.
		// CHG-20: cancellation.
		{name: "cancel without reason", status: change.StatusScheduled, cmd: fixed(change.Cancellation{Reason: " "}), want: []string{"CHG-20"}, count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := change.DefaultPolicy()
			if tc.policy != nil {
				tc.policy(&p)
			}
			f := newFixture(t, p)
			model := tc.model
			if model == "" {
				model = change.ModelNameNormal
			}
			who := func(c change.Command) sms.Actor { // default: who fires the trigger in the fixture
				if tc.who != nil {
					return *tc.who
				}
				return as(c.Trigger())
			}
			if tc.status == "" { // the refused command raises
				c := tc.cmd(f, nil)
				if tc.name == "submit an unclassified request" {
					chg, err := f.svc.Raise(f.ctx, requester, c.(change.Request))
					require.NoError(t, err)
					before := f.snap(t, chg.ID)
					_, err = f.svc.Submit(f.ctx, who(change.Submission{}), chg.ID, change.Submission{})
					ge := smstest.RequireRefused(t, err, "CHG-04")
					assert.Len(t, ge.Unmet, 5, "type, model, category, scope, reason: %v", ge.Unmet)
					f.requireUnchanged(t, chg.ID, before)
					return
				}
				_, err := f.svc.Do(f.ctx, who(c), "", c)
				ge := smstest.RequireRefused(t, err, tc.want...)
				if tc.count > 0 {
					assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
				}
				page, err := f.svc.List(f.ctx, change.Query{})
				require.NoError(t, err)
				assert.Empty(t, page.Items, "a refused raise stored a change")
				return
			}
			chg := f.to(t, model, tc.status)
			if tc.prep != nil {
				tc.prep(t, f, chg)
			}
			chg, err := f.svc.Get(f.ctx, chg.ID)
			require.NoError(t, err)
			c := tc.cmd(f, chg)
			before := f.snap(t, chg.ID)
			_, err = f.svc.Do(f.ctx, who(c), chg.ID, c)
			ge := smstest.RequireRefused(t, err, tc.want...)
			assert.True(t, errors.Is(err, sms.ErrGuard))
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			}
			for _, r := range ge.Unmet {
				assert.NotEmpty(t, r.Clause)
				assert.NotEmpty(t, r.Text)
			}
			assert.Equal(t, string(c.Trigger()), ge.Trigger)
			assert.Equal(t, chg.ID, ge.ID)
			f.requireUnchanged(t, chg.ID, before)
		})
	}
}

// amendThenAssess replaces the change under test by a submitted normal
// change of the type: a submitted change is no longer amended.
func amendThenAssess(typ change.ChangeType) func(*testing.T, *fixture, *change.Change) {
	return func(t *testing.T, f *fixture, chg *change.Change) {
		t.Helper()
		r := request(change.ModelNameNormal)
		r.ID, r.Type = f.id("CHG"), typ
		n, err := f.svc.Raise(f.ctx, requester, r)
		require.NoError(t, err)
		n, err = f.svc.Submit(f.ctx, boss, n.ID, change.Submission{})
		require.NoError(t, err)
		*chg = *n
	}
}

func suspendTemplate(t *testing.T, f *fixture, chg *change.Change) {
	t.Helper()
	f.clk.Advance(time.Minute)
	_, err := f.svc.Templates().Suspend(f.ctx, manager, chg.Template, change.TemplateSuspension{Reason: "vendor recall"})
	require.NoError(t, err)
}

// routeToPlan replaces the change under test by a major-impact change in
// authorize, approved by two CAB members, that names a plan drafted for it
// (approved or not).
func (f *fixture) routeToPlan(t *testing.T, chg *change.Change, approve bool) {
	t.Helper()
	id := f.id("CHG")
	f.majorInAuthorize(t, chg, id, f.planFor(t, id, approve))
}

// routeToPlanOf does the same with an approved plan of another change.
func (f *fixture) routeToPlanOf(t *testing.T, chg *change.Change, other string) {
	t.Helper()
	f.majorInAuthorize(t, chg, f.id("CHG"), f.planFor(t, other, true))
}

func (f *fixture) planFor(t *testing.T, chgID string, approve bool) string {
	t.Helper()
	tp := f.plan(t, chgID)
	if approve {
		_, err := f.svc.Plans().Approve(f.ctx, boss, tp.ID, change.PlanApproval{Rationale: "complete"})
		require.NoError(t, err)
	}
	return tp.ID
}

func (f *fixture) majorInAuthorize(t *testing.T, chg *change.Change, id, plan string) {
	t.Helper()
	r := request(change.ModelNameNormal)
	r.ID = id
	n, err := f.svc.Raise(f.ctx, requester, r)
	require.NoError(t, err)
	_, err = f.svc.Submit(f.ctx, boss, n.ID, change.Submission{})
	require.NoError(t, err)
	e := evaluation()
	e.Likelihood, e.Impact, e.TransitionPlan = 5, 4, plan // risk 20: major impact
	_, err = f.svc.CompleteAssessment(f.ctx, boss, n.ID, e)
	require.NoError(t, err)
	for _, a := range []sms.Actor{cab1, cab2} { // risk 20 needs two CAB members
		_, err = f.svc.Approve(f.ctx, a, n.ID, change.Approval{Rationale: "benefit outweighs risk"})
		require.NoError(t, err)
	}
	n, err = f.svc.Get(f.ctx, n.ID)
	require.NoError(t, err)
	require.True(t, n.MajorImpact)
	*chg = *n
}

// TestSelfApprovalRefused: CHG-19 — the requester and the implementer never
// approve or reject their own change, whatever roles they hold; an actor
// outside the change authority is refused citing CHG-06. Each is a
// *sms.ForbiddenError naming the requirement, and changes nothing.
func TestSelfApprovalRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	selfRequester := actor("rita", change.RoleRequester, change.RoleCAB, change.RoleChangeManager)
	cases := []struct {
		who  sms.Actor
		c    change.Command
		want string
	}{
		{selfRequester, change.Approval{Rationale: "mine, and good"}, "CHG-19"},
		{selfRequester, change.Rejection{Reason: "changed my mind"}, "CHG-19"},
		{ecab, change.Approval{Rationale: "looks fine"}, "CHG-06"}, // the emergency authority does not approve normal changes
	}
	before := f.snap(t, chg.ID)
	for _, tc := range cases {
		_, err := f.svc.Do(f.ctx, tc.who, chg.ID, tc.c)
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, tc.want, fe.Requirement.ID, "%s %s", tc.who.ID, tc.c.Trigger())
		assert.Equal(t, tc.who.ID, fe.Actor)
		assert.Equal(t, chg.ID, fe.ID)
		assert.Equal(t, change.Kind, fe.Kind)
	}
	f.requireUnchanged(t, chg.ID, before)

	// The emergency authority's own request is no exception.
	em := f.to(t, change.ModelNameEmergency, change.StatusAuthorize)
	_, err := f.svc.Approve(f.ctx, actor("rita", change.RoleEmergencyAuthority), em.ID, change.Approval{Rationale: "urgent"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-19", fe.Requirement.ID)
}

// TestImplementerNeverApproves: an approver is never scheduled as
// implementer (CHG-19), so the implementer of an authorized change never
// approved it: a segregation-of-duties refusal, a *sms.ForbiddenError.
func TestImplementerNeverApproves(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	_, err := f.svc.Approve(f.ctx, cab1, chg.ID, change.Approval{Rationale: "fine"})
	require.NoError(t, err)
	f.step(t, chg.ID, change.TriggerAuthorize)
	f.clk.Advance(50 * time.Hour)
	s := f.valid(change.TriggerSchedule).(change.Scheduling)
	s.Implementer = "cara"
	before := f.snap(t, chg.ID)
	_, err = f.svc.Schedule(f.ctx, manager, chg.ID, s)
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-19", fe.Requirement.ID, "an approver named as implementer is segregation of duties")
	f.requireUnchanged(t, chg.ID, before)
}

// TestCancelAfterImplementationStarts: CHG-20 — only fail or complete
// record the end of a change being implemented.
func TestCancelAfterImplementationStarts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	for _, s := range []change.Status{change.StatusImplement, change.StatusRemediating, change.StatusReview} {
		chg := f.to(t, change.ModelNameNormal, s)
		_, err := f.svc.Cancel(f.ctx, boss, chg.ID, change.Cancellation{Reason: "too late"})
		te := smstest.RequireTransitionRefused(t, err, string(change.TriggerCancel))
		require.Len(t, te.Requirements, 1)
		assert.Equal(t, "CHG-20", te.Requirements[0].ID)
	}
}

// TestForbidden: roles are checked before anything else is revealed.
func TestForbidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusScheduled)
	before := f.snap(t, chg.ID)
	cases := []struct {
		who sms.Actor
		c   change.Command
	}{
		{requester, f.valid(change.TriggerSchedule)},
		{implementer, f.valid(change.TriggerNotify)},
		{cab1, f.valid(change.TriggerStart)},
		{actor("nobody"), change.Note{Text: "hi"}},
		{owner, f.valid(change.TriggerCancel)},
	}
	for _, tc := range cases {
		_, err := f.svc.Do(f.ctx, tc.who, chg.ID, tc.c)
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, tc.who.ID, fe.Actor)
		assert.NotEmpty(t, fe.Roles)
	}
	_, err := f.svc.Raise(f.ctx, implementer, request(change.ModelNameNormal))
	smstest.RequireForbidden(t, err)
	f.requireUnchanged(t, chg.ID, before)
}

// TestInvalidInput: malformed commands are ErrInvalid and change nothing.
func TestInvalidInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusDraft)
	before := f.snap(t, chg.ID)
	bad := []change.Command{
		change.Amendment{Type: "reshuffle"},
		change.Amendment{ConfigItems: []change.ConfigItem{{Type: "server"}}},
		change.Amendment{Services: []string{""}},
		change.Evaluation{Likelihood: 6},
		change.Evaluation{Impact: -1},
		change.Authorization{Priority: 9},
		change.Completion{Outcome: change.OutcomeRolledBack},
		change.Remedy{Outcome: change.OutcomeSuccessful},
		change.Link{Type: "friend", ID: "x"},
		change.Link{Type: change.LinkProblem},
		change.Note{},
		change.Note{Text: string([]byte{0xff})},
		change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "app-1"}}},
		change.Scheduling{Window: change.Window{Start: time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		change.PIR{Summary: string(make([]byte, change.MaxText+1))},
		nil,
	}
	for _, c := range bad {
		_, err := f.svc.Do(f.ctx, boss, chg.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	for _, id := range []string{"", " x", "no\nnewline"} {
		_, err := f.svc.AddNote(f.ctx, boss, id, change.Note{Text: "x"})
		assert.ErrorIs(t, err, sms.ErrInvalid, "id %q", id)
	}
	_, err := f.svc.AddNote(f.ctx, sms.Actor{}, chg.ID, change.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Do(f.ctx, boss, "some-id", request(change.ModelNameNormal))
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.AddNote(f.ctx, boss, "missing", change.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.Approve(f.ctx, boss, "missing", change.Approval{Rationale: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.List(f.ctx, change.Query{Status: []change.Status{"open"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Conflicts(f.ctx, nil, change.Window{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Plans().Do(f.ctx, boss, "x", nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Templates().Do(f.ctx, boss, "x", nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	f.requireUnchanged(t, chg.ID, before)
}

// TestPolicyActivation: CHG-01, CHG-02, CHG-03 — a policy is activated only
// versioned and approved, with an emergency model, models with a change
// authority, and versioned major-impact criteria.
func TestPolicyActivation(t *testing.T) {
	t.Parallel()
	noEmergency := change.DefaultPolicy()
	noEmergency.Models = noEmergency.Models[:2]
	unversioned := change.DefaultPolicy()
	unversioned.Version = ""
	unapproved := change.DefaultPolicy()
	unapproved.ApprovedBy = ""
	noAuthority := change.DefaultPolicy()
	noAuthority.Models[0].Approval.Roles = nil
	noQuorum := change.DefaultPolicy()
	noQuorum.Models[2].Approval.Quorum = 0
	dup := change.DefaultPolicy()
	dup.Models = append(dup.Models, dup.Models[0])
	badType := change.DefaultPolicy()
	badType.Models[0].Type = "fast"
	unreviewedEmergency := change.DefaultPolicy()
	unreviewedEmergency.Models[2].SkipReview = true
	criteria := change.DefaultPolicy()
	criteria.MajorImpact = change.MajorImpactCriteria{RiskScore: 10}
	negative := change.DefaultPolicy()
	negative.RetroWithin = -time.Hour
	onlyVersion := change.Policy{Version: "v2", ApprovedBy: "board"}
	for name, p := range map[string]change.Policy{"no emergency model": noEmergency, "unversioned": unversioned, "unapproved": unapproved,
		"model without authority": noAuthority, "quorum 0": noQuorum, "duplicate model": dup, "unknown model type": badType,
		"emergency without review": unreviewedEmergency, "unversioned criteria": criteria, "negative window": negative,
		"no models": onlyVersion} {
		_, err := change.NewService(newStores().of(), change.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	_, err := change.NewService(change.Stores{}, change.Config{})
	assert.ErrorIs(t, err, sms.ErrInvalid)

	// The zero policy is the default one; the exclusions of requester and
	// implementer cannot be lifted.
	svc, err := change.NewService(newStores().of(), change.Config{})
	require.NoError(t, err)
	assert.Equal(t, "default-1", svc.Policy().Version)
	lax := change.DefaultPolicy()
	lax.Models[0].Approval.Exclude = nil
	svc, err = change.NewService(newStores().of(), change.Config{Policy: lax})
	require.NoError(t, err)
	pol := svc.Policy()
	m, ok := pol.Model(change.ModelNameNormal)
	require.True(t, ok)
	assert.ElementsMatch(t, []sms.Party{sms.PartyRequester, sms.PartyImplementer}, m.Approval.Exclude)
}

// TestTemplateRefusals: CHG-18, CHG-19 on the templates themselves.
func TestTemplateRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	tpls := f.svc.Templates()
	_, err := tpls.Propose(f.ctx, manager, change.TemplateProposal{Name: "x", Model: change.ModelNameNormal, Author: "max", Procedure: "p", Services: []string{"s"}})
	smstest.RequireRefused(t, err, "CHG-18")
	_, err = tpls.Propose(f.ctx, manager, change.TemplateProposal{Name: "x", Model: change.ModelNameStandard, Author: "max"})
	ge := smstest.RequireRefused(t, err, "CHG-18", "CHG-11")
	assert.Len(t, ge.Unmet, 3, "scope, procedure, remediation: %v", ge.Unmet)

	tpl := f.templateTo(t, change.TemplateProposed)
	before := f.templateSnap(t, tpl.ID)
	_, err = tpls.Approve(f.ctx, manager, tpl.ID, change.TemplateApproval{Rationale: "mine"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-19", fe.Requirement.ID, "the author never approves the template: segregation of duties")
	assert.Equal(t, before, f.templateSnap(t, tpl.ID), "a refused approval changed the template")
	_, err = tpls.Approve(f.ctx, boss, tpl.ID, change.TemplateApproval{})
	smstest.RequireRefused(t, err, "CHG-18")
	_, err = tpls.Activate(f.ctx, manager, tpl.ID, change.TemplateActivation{})
	smstest.RequireRefused(t, err, "CHG-18") // not approved

	active := f.templateTo(t, change.TemplateActive)
	_, err = tpls.Suspend(f.ctx, manager, active.ID, change.TemplateSuspension{})
	smstest.RequireRefused(t, err, "CHG-18")
	_, err = tpls.Review(f.ctx, manager, active.ID, change.TemplateReviewRecord{})
	smstest.RequireRefused(t, err, "CHG-18")
	_, err = tpls.Retire(f.ctx, manager, active.ID, change.TemplateRetirement{})
	smstest.RequireRefused(t, err, "CHG-18")

	suspended := f.templateTo(t, change.TemplateSuspended)
	_, err = tpls.Activate(f.ctx, manager, suspended.ID, change.TemplateActivation{})
	ge = smstest.RequireRefused(t, err, "CHG-18")
	assert.Len(t, ge.Unmet, 2, "approvals before the suspension do not count, and the failure review is missing: %v", ge.Unmet)
	f.clk.Advance(time.Minute)
	_, err = tpls.Approve(f.ctx, boss, suspended.ID, change.TemplateApproval{Rationale: "runbook fixed"})
	require.NoError(t, err)
	_, err = tpls.Activate(f.ctx, manager, suspended.ID, change.TemplateActivation{})
	ge = smstest.RequireRefused(t, err, "CHG-18")
	assert.Len(t, ge.Unmet, 1, "only the failure review is missing: %v", ge.Unmet)
	_, err = tpls.Activate(f.ctx, manager, suspended.ID, change.TemplateActivation{Review: "pre-check added"})
	require.NoError(t, err)
}

// TestPlanRefusals: SDT-01 to SDT-06 on transition plans.
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	plans := f.svc.Plans()

	_, err := plans.Draft(f.ctx, planner, change.DraftPlan{})
	ge := smstest.RequireRefused(t, err, "SDT-01", "SDT-02")
	assert.Len(t, ge.Unmet, 4, "change, service, variant, author: %v", ge.Unmet)

	empty, err := plans.Draft(f.ctx, planner, change.DraftPlan{Change: "CHG-1", Service: "payroll", Variant: change.TypeModify, Author: "tom"})
	require.NoError(t, err)
	_, err = plans.Approve(f.ctx, boss, empty.ID, change.PlanApproval{})
	ge = smstest.RequireRefused(t, err, "SDT-01")
	assert.Len(t, ge.Unmet, 8, "accountability, activities, resources, dependencies, testing, criteria, outcomes, rationale: %v", ge.Unmet)

	own := f.plan(t, "CHG-1")
	_, err = plans.Approve(f.ctx, actor("tom", change.RoleChangeManager), own.ID, change.PlanApproval{Rationale: "mine"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-19", fe.Requirement.ID, "the author never approves the plan: segregation of duties")

	for _, v := range []change.ChangeType{change.TypeRemoveService, change.TypeTransferOut, change.TypeTransferIn} {
		d := draftPlan("CHG-1")
		d.Variant = v
		tp, err := plans.Draft(f.ctx, planner, d)
		require.NoError(t, err)
		_, err = plans.Approve(f.ctx, boss, tp.ID, change.PlanApproval{Rationale: "ok"})
		ge = smstest.RequireRefused(t, err, "SDT-02")
		assert.Len(t, ge.Unmet, 1, "%s: %v", v, ge.Unmet)
	}
	d := draftPlan("CHG-1")
	d.Variant = change.TypeRemoveService
	d.Removal = &change.Removal{Date: t0.Add(720 * time.Hour), Data: "archived 7 years", Information: "archived", Components: "disposed"}
	removal, err := plans.Draft(f.ctx, planner, d)
	require.NoError(t, err)
	_, err = plans.Approve(f.ctx, boss, removal.ID, change.PlanApproval{Rationale: "ok"})
	require.NoError(t, err, "a complete removal plan is approved")

	designing := f.planTo(t, change.PlanDesigning)
	_, err = plans.CompleteDesign(f.ctx, boss, designing.ID, change.Design{Record: change.DesignRecord{Roles: "ops"}})
	smstest.RequireRefused(t, err, "SDT-03")

	building := f.planTo(t, change.PlanBuildTest)
	_, err = plans.PassAcceptance(f.ctx, boss, building.ID, change.AcceptancePassed{Results: results(true)[:1]})
	smstest.RequireRefused(t, err, "SDT-04")
	_, err = plans.PassAcceptance(f.ctx, boss, building.ID, change.AcceptancePassed{Results: results(false)})
	smstest.RequireRefused(t, err, "SDT-04")
	_, err = plans.FailAcceptance(f.ctx, boss, building.ID, change.AcceptanceFailed{Results: results(true)})
	smstest.RequireRefused(t, err, "SDT-04")

	failed := f.planTo(t, change.PlanAcceptanceFailed)
	_, err = plans.Rework(f.ctx, boss, failed.ID, change.Rework{})
	smstest.RequireRefused(t, err, "SDT-04")
	_, err = plans.AcceptWithConditions(f.ctx, boss, failed.ID, change.ConditionalAcceptance{Decided: change.Decided{Participants: []string{"olga"}, Rationale: "ok"}})
	smstest.RequireRefused(t, err, "SDT-04")
	_, err = plans.Cancel(f.ctx, boss, failed.ID, change.PlanCancellation{Reason: "give up"})
	smstest.RequireRefused(t, err, "SDT-04")

	accepted := f.planTo(t, change.PlanAccepted)
	_, err = plans.StartTransition(f.ctx, boss, accepted.ID, change.TransitionStart{})
	smstest.RequireRefused(t, err, "SDT-05")
	_, err = plans.StartTransition(f.ctx, boss, accepted.ID, change.TransitionStart{Release: "REL-UNAPPROVED"})
	smstest.RequireRefused(t, err, "SDT-05")
	_, err = plans.Do(f.ctx, boss, accepted.ID, change.TransitionStart{Release: "REL-1"})
	require.NoError(t, err, "an approved release lets the transition start")

	early := f.planTo(t, change.PlanEarlyLife)
	_, err = plans.Report(f.ctx, boss, early.ID, change.OutcomeReport{Summary: "fine",
		Measurements: []change.Measurement{{Metric: "pay run duration", Achieved: "1.5", Met: true}}})
	smstest.RequireRefused(t, err, "SDT-06")
	reported := f.planTo(t, change.PlanReported)
	_, err = plans.Close(f.ctx, boss, reported.ID, change.PlanClosure{})
	smstest.RequireRefused(t, err, "SDT-06")
}

// TestPlanWithoutReleaseLookup: without a ReleaseLookup a transition never
// starts (SDT-05): a missing lookup is a refusal, not a default.
func TestPlanWithoutReleaseLookup(t *testing.T) {
	t.Parallel()
	st := newStores()
	svc, err := change.NewService(st.of(), change.Config{})
	require.NoError(t, err)
	f := newFixture(t, change.DefaultPolicy())
	tp := f.planTo(t, change.PlanAccepted)
	// Move the accepted plan into the lookup-less service's store.
	entries, err := f.svc.Plans().Journal(f.ctx, tp.ID)
	require.NoError(t, err)
	require.NoError(t, st.plans.Load(f.ctx, tp, entries))
	_, err = svc.Plans().StartTransition(f.ctx, boss, tp.ID, change.TransitionStart{Release: "REL-1"})
	smstest.RequireRefused(t, err, "SDT-05")
}
