package release_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func planWith(mod func(*release.Planning)) release.Planning {
	p := planning()
	mod(&p)
	return p
}

// TestPlanRefusals: REL-01 to REL-04 and REL-12 at planning; a refused plan
// stores nothing.
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cmd   release.Planning
		want  []string
		count int
	}{
		{"unknown release type", planWith(func(p *release.Planning) { p.Type = "weekly" }), []string{"REL-01"}, 1},
		{"no plan, name or owner", planWith(func(p *release.Planning) { p.Plan, p.Name, p.Owner = "", " ", "" }), []string{"REL-02"}, 3},
		{"no change", planWith(func(p *release.Planning) { p.Changes = nil }), []string{"REL-03"}, 1},
		{"an unauthorized change", planWith(func(p *release.Planning) { p.Changes = []string{"CHG-1", "CHG-DRAFT"} }), []string{"REL-12"}, 1},
		{"no window", planWith(func(p *release.Planning) { p.Windows = nil }), []string{"REL-04"}, 1},
		{"a window ending before it starts", planWith(func(p *release.Planning) {
			p.Windows = []release.Window{{Start: t0, End: t0.Add(-time.Hour)}}
		}), []string{"REL-04"}, 1},
		{"a deliverable without version", planWith(func(p *release.Planning) {
			p.Deliverables = []release.Deliverable{{Name: "payroll-app"}}
		}), []string{"REL-04"}, 1},
		{"no method", planWith(func(p *release.Planning) { p.Method = "" }), []string{"REL-04"}, 1},
		{"a method the policy does not allow", planWith(func(p *release.Planning) { p.Method = "yolo" }), []string{"REL-04"}, 1},
		{"nothing at all", release.Planning{}, []string{"REL-01", "REL-02", "REL-03", "REL-04"}, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, release.DefaultPolicy())
			_, err := f.svc.Plan(f.ctx, manager, tc.cmd)
			ge := smstest.RequireRefused(t, err, tc.want...)
			assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			page, err := f.svc.List(f.ctx, release.Query{})
			require.NoError(t, err)
			assert.Empty(t, page.Items)
		})
	}
}

// TestRefusals shows, for every REL requirement that implies a refusal
// after planning, the refusal with its requirement ID, and that the
// refused transition changed nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status release.Status
		prep   func(t *testing.T, f *fixture, r *release.Release)
		who    *sms.Actor
		cmd    release.Command
		want   []string
		count  int
	}{
		// REL-04, REL-12: replanning.
		{name: "replan with an unauthorized change", status: release.StatusBuilding,
			cmd: release.Replanning{Content: release.Content{Changes: []string{"CHG-NOPE"}}}, want: []string{"REL-12"}, count: 1},
		{name: "replan without deliverables", status: release.StatusPlanned,
			cmd: release.Replanning{Content: release.Content{Deliverables: []release.Deliverable{}}}, want: []string{"REL-04"}, count: 1},
		// REL-05: acceptance criteria and results.
		{name: "test without criteria", status: release.StatusBuilding,
			prep: func(t *testing.T, f *fixture, r *release.Release) {
				f.do(t, r.ID, release.Replanning{Content: release.Content{Criteria: []string{}}})
			}, cmd: release.TestSubmission{}, want: []string{"REL-05"}, count: 1},
		{name: "pass with a criterion untested", status: release.StatusTesting,
			cmd: release.AcceptancePassed{Results: results(true)[:1]}, want: []string{"REL-05"}, count: 1},
		{name: "pass with a failed criterion", status: release.StatusTesting,
			cmd: release.AcceptancePassed{Results: results(false)}, want: []string{"REL-05"}, count: 1},
		{name: "fail with every criterion passed", status: release.StatusTesting,
			cmd: release.AcceptanceFailed{Results: results(true)}, want: []string{"REL-06"}, count: 1},
		// REL-06: decisions on a failed acceptance.
		{name: "rework without decision", status: release.StatusAcceptanceFailed, cmd: release.Rework{}, want: []string{"REL-06"}, count: 1},
		{name: "deploy with errors without a known error per failed criterion", status: release.StatusAcceptanceFailed,
			cmd: release.KnownErrorAcceptance{Decided: release.Decided{Participants: []string{"rosa"}, Rationale: "ok"},
				KnownErrors: []release.CriterionKnownError{{Criterion: "regression suite green", KnownError: "KE-1"}}},
			want: []string{"REL-06"}, count: 1},
		{name: "cancel a failed acceptance without participants", status: release.StatusAcceptanceFailed,
			cmd: release.Cancellation{Reason: "give up"}, want: []string{"REL-06"}, count: 1},
		// REL-05: approval.
		{name: "approve without rationale", status: release.StatusAccepted, cmd: release.Approval{}, want: []string{"REL-05"}, count: 1},
		{name: "authorize without the quorum", status: release.StatusAccepted, cmd: release.Authorization{}, want: []string{"REL-05"}, count: 1},
		{name: "authorize with a change no longer authorized", status: release.StatusAccepted,
			prep: func(t *testing.T, f *fixture, r *release.Release) {
				f.step(t, r.ID, release.TriggerApprove)
				f.changes.set("CHG-1", false)
			}, cmd: release.Authorization{}, want: []string{"REL-12"}, count: 1},
		// REL-07: baseline.
		{name: "baseline without items", status: release.StatusApproved, cmd: release.BaselineCapture{ID: "BL-1"}, want: []string{"REL-07"}, count: 2},
		{name: "baseline missing an affected item", status: release.StatusApproved,
			cmd: release.BaselineCapture{ID: "BL-1", Items: []release.ItemVersion{{Item: "app-1", Version: "4.9"}}}, want: []string{"REL-07"}, count: 1},
		{name: "baseline replaced", status: release.StatusApproved,
			prep: func(t *testing.T, f *fixture, r *release.Release) { f.step(t, r.ID, release.TriggerCaptureBaseline) },
			cmd:  release.BaselineCapture{ID: "BL-2", Items: []release.ItemVersion{{Item: "app-1", Version: "5"}, {Item: "db-1", Version: "42"}}},
			want: []string{"REL-07"}, count: 1},
		// REL-04, REL-05, REL-07, REL-12: deployment.
		{name: "deploy without baseline", status: release.StatusApproved, cmd: release.DeployStart{Deployer: "dev"}, want: []string{"REL-07"}, count: 1},
		{name: "deploy outside every window", status: release.StatusApproved,
			prep: func(t *testing.T, f *fixture, r *release.Release) {
				f.step(t, r.ID, release.TriggerCaptureBaseline)
				f.clk.Advance(400 * 24 * time.Hour)
			}, cmd: release.DeployStart{Deployer: "dev"}, want: []string{"REL-04"}, count: 1},
		{name: "deploy with a cancelled change", status: release.StatusApproved,
			prep: func(t *testing.T, f *fixture, r *release.Release) {
				f.step(t, r.ID, release.TriggerCaptureBaseline)
				f.changes.set("CHG-1", false)
			}, cmd: release.DeployStart{Deployer: "dev"}, want: []string{"REL-12"}, count: 1},
		{name: "deploy without a deployer", status: release.StatusApproved, prep: func(t *testing.T, f *fixture, r *release.Release) {
			f.step(t, r.ID, release.TriggerCaptureBaseline)
		}, cmd: release.DeployStart{}, want: []string{"REL-08"}, count: 1},
		// REL-08: integrity.
		{name: "complete a partial deployment", status: release.StatusDeploying,
			cmd:  release.DeploymentResult{Targets: []release.TargetResult{{Target: "site-a", OK: true}, {Target: "site-b"}}, Verification: "v"},
			want: []string{"REL-08"}, count: 1},
		{name: "complete without verification", status: release.StatusDeploying,
			cmd: release.DeploymentResult{Targets: []release.TargetResult{{Target: "site-a", OK: true}}}, want: []string{"REL-08"}, count: 1},
		{name: "roll back without reason", status: release.StatusEarlyLife, cmd: release.Rollback{}, want: []string{"REL-08"}, count: 1},
		// REL-09, REL-10: early life and analysis.
		{name: "end early life too soon", status: release.StatusEarlyLife, cmd: release.EarlyLifeEnd{}, want: []string{"REL-09"}, count: 1},
		{name: "record an unnamed incident", status: release.StatusEarlyLife, cmd: release.IncidentRecord{}, want: []string{"REL-09"}, count: 1},
		{name: "analysis without outcome or conclusions", status: release.StatusReview, cmd: release.AnalysisRecord{},
			want: []string{"REL-09", "REL-10"}, count: 2},
		{name: "close without analysis", status: release.StatusReview, cmd: release.Closure{}, want: []string{"REL-10"}, count: 1},
		{name: "close a rollback without analysis", status: release.StatusRolledBack, cmd: release.Closure{}, want: []string{"REL-10"}, count: 1},
		{name: "cancel without reason", status: release.StatusApproved, cmd: release.Cancellation{}, want: []string{"REL-02"}, count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, release.DefaultPolicy())
			r := f.to(t, tc.status)
			if tc.prep != nil {
				tc.prep(t, f, r)
			}
			who := as(tc.cmd.Trigger())
			if tc.who != nil {
				who = *tc.who
			}
			before := f.snap(t, r.ID)
			_, err := f.svc.Do(f.ctx, who, r.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, tc.want...)
			assert.True(t, errors.Is(err, sms.ErrGuard))
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			}
			assert.Equal(t, string(tc.cmd.Trigger()), ge.Trigger)
			assert.Equal(t, r.ID, ge.ID)
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestOwnerNeverApproves: REL-05 — the release's owner and an actor
// outside the type's rule are refused with a *sms.ForbiddenError citing
// REL-05; a major release needs two distinct approvers.
func TestOwnerNeverApproves(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusAccepted)
	before := f.snap(t, r.ID)
	owner := actor("rosa", release.RoleReleaseManager, release.RoleApprover)
	_, err := f.svc.Approve(f.ctx, owner, r.ID, release.Approval{Rationale: "my release is fine"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "REL-05", fe.Requirement.ID)
	assert.Equal(t, r.ID, fe.ID)
	_, err = f.svc.Approve(f.ctx, tester, r.ID, release.Approval{Rationale: "tests pass"})
	fe = smstest.RequireForbidden(t, err)
	assert.Equal(t, "REL-05", fe.Requirement.ID)
	f.requireUnchanged(t, r.ID, before)

	p := planning()
	p.ID, p.Type = "REL-MAJOR", release.TypeMajor
	major, err := f.svc.Plan(f.ctx, manager, p)
	require.NoError(t, err)
	for _, tr := range []release.Trigger{release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerPassAcceptance} {
		major = f.step(t, major.ID, tr)
	}
	_, err = f.svc.Approve(f.ctx, approver1, major.ID, release.Approval{Rationale: "ok"})
	require.NoError(t, err)
	_, err = f.svc.Authorize(f.ctx, manager, major.ID, release.Authorization{})
	smstest.RequireRefused(t, err, "REL-05")
	_, err = f.svc.Approve(f.ctx, cm, major.ID, release.Approval{Rationale: "ok"})
	require.NoError(t, err)
	major, err = f.svc.Authorize(f.ctx, manager, major.ID, release.Authorization{})
	require.NoError(t, err)
	assert.Equal(t, release.StatusApproved, major.Status)
}

// TestNoChangeLookup: without the host's change lookup no release is
// planned: a missing lookup is a refusal citing REL-12, not a default.
func TestNoChangeLookup(t *testing.T) {
	t.Parallel()
	svc, err := release.NewService(memstore.New[*release.Release](), release.Config{})
	require.NoError(t, err)
	_, err = svc.Plan(context.Background(), manager, planning())
	smstest.RequireRefused(t, err, "REL-12")
}

// TestLookupError: an error of the lookup stops the transition.
func TestLookupError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusAccepted)
	f.step(t, r.ID, release.TriggerApprove)
	boom := errors.New("change service down")
	f.changes.mu.Lock()
	f.changes.err = boom
	f.changes.mu.Unlock()
	before := f.snap(t, r.ID)
	_, err := f.svc.Authorize(f.ctx, manager, r.ID, release.Authorization{})
	assert.ErrorIs(t, err, boom)
	f.requireUnchanged(t, r.ID, before)
}

func TestForbidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusApproved)
	before := f.snap(t, r.ID)
	for _, tc := range []struct {
		who sms.Actor
		c   release.Command
	}{
		{tester, f.valid(release.TriggerDeploy)},
		{approver1, f.valid(release.TriggerCaptureBaseline)},
		{deployer, f.valid(release.TriggerCancel)},
		{actor("nobody"), release.Note{Text: "hi"}},
	} {
		_, err := f.svc.Do(f.ctx, tc.who, r.ID, tc.c)
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, tc.who.ID, fe.Actor)
	}
	_, err := f.svc.Plan(f.ctx, deployer, planning())
	smstest.RequireForbidden(t, err)
	f.requireUnchanged(t, r.ID, before)
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusPlanned)
	before := f.snap(t, r.ID)
	for _, c := range []release.Command{
		release.Replanning{Content: release.Content{Changes: []string{""}}},
		release.Replanning{Content: release.Content{Windows: []release.Window{{Start: time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		release.AnalysisRecord{Outcome: "meh"},
		release.Link{Type: release.LinkChange, ID: "CHG-1"},
		release.Link{Type: release.LinkProblem},
		release.Note{},
		release.Note{Text: string([]byte{0xff})},
		release.BaselineCapture{ID: " x"},
		nil,
	} {
		_, err := f.svc.Do(f.ctx, boss, r.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
	}
	_, err := f.svc.Do(f.ctx, boss, "x", planning())
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.AddNote(f.ctx, boss, "missing", release.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.Approve(f.ctx, boss, "missing", release.Approval{Rationale: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.List(f.ctx, release.Query{Status: []release.Status{"live"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	f.requireUnchanged(t, r.ID, before)
}

// TestPolicyActivation: REL-01 — a policy is activated only versioned and
// approved, with an emergency release type, each type with its approval
// rule and early life.
func TestPolicyActivation(t *testing.T) {
	t.Parallel()
	noEmergency := release.DefaultPolicy()
	noEmergency.Types = noEmergency.Types[:2]
	unversioned := release.DefaultPolicy()
	unversioned.Version = ""
	noRule := release.DefaultPolicy()
	noRule.Types[0].Approval.Roles = nil
	noEarlyLife := release.DefaultPolicy()
	noEarlyLife.Types[1].EarlyLife = 0
	dup := release.DefaultPolicy()
	dup.Types = append(dup.Types, dup.Types[0])
	emptyMethod := release.DefaultPolicy()
	emptyMethod.Methods = []string{""}
	for name, p := range map[string]release.Policy{"no emergency type": noEmergency, "unversioned": unversioned, "no rule": noRule,
		"no early life": noEarlyLife, "duplicate": dup, "empty method": emptyMethod, "types without version": {Version: "v2", ApprovedBy: "x"}} {
		_, err := release.NewService(memstore.New[*release.Release](), release.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	svc, err := release.NewService(memstore.New[*release.Release](), release.Config{})
	require.NoError(t, err)
	pol := svc.Policy()
	typ, ok := pol.TypeOf(release.TypeEmergency)
	require.True(t, ok)
	assert.True(t, typ.Emergency)
	assert.ElementsMatch(t, []sms.Party{sms.PartyOwner, sms.PartyDeployer}, typ.Approval.Exclude)
}
