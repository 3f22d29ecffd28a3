package release_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	manager   = actor("rosa", release.RoleReleaseManager)
	tester    = actor("tess", release.RoleTester)
	deployer  = actor("dev", release.RoleDeployer)
	approver1 = actor("abe", release.RoleApprover)
	approver2 = actor("amy", release.RoleApprover)
	cm        = actor("max", release.RoleChangeManager)
	// boss holds every role but owns and deploys nothing.
	boss = actor("ida", release.RoleReleaseManager, release.RoleTester, release.RoleDeployer, release.RoleApprover, release.RoleChangeManager)
)

// changes is the host's change lookup: the authorized change IDs.
type changes struct {
	mu   sync.Mutex
	auth map[string]bool
	err  error
}

func (c *changes) ChangeAuthorized(_ context.Context, id string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.auth[id], c.err
}

func (c *changes) set(id string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.auth[id] = ok
}

type fixture struct {
	svc     *release.Service
	store   *memstore.Store[*release.Release]
	clk     *clock
	ctx     context.Context
	changes *changes
	ids     atomic.Int64
}

func newFixture(t testing.TB, p release.Policy) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New[*release.Release](), clk: smstest.NewClock(t0), ctx: context.Background(),
		changes: &changes{auth: map[string]bool{"CHG-1": true, "CHG-2": true}}}
	svc, err := release.NewService(f.store, release.Config{Policy: p, Changes: f.changes, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc
	return f
}

func (f *fixture) id() string { return fmt.Sprintf("REL-%d", f.ids.Add(1)) }

// planning returns a valid plan of a minor release (one approval).
func planning() release.Planning {
	return release.Planning{Name: "payroll 5.0", Type: release.TypeMinor, Owner: "rosa", Content: release.Content{
		Plan: "phased roll-out: canary site, then all sites", Changes: []string{"CHG-1"},
		Windows:      []release.Window{{Start: t0, End: t0.Add(365 * 24 * time.Hour)}},
		Deliverables: []release.Deliverable{{Name: "payroll-app", Version: "5.0.0"}, {Name: "payroll-db-migration", Version: "42"}},
		Method:       "phased", ConfigItems: []string{"app-1", "db-1"},
		Criteria: []string{"regression suite green", "p95 under 2 s"}, Problems: []string{"PRB-1"}}}
}

func results(passed bool) []release.CriterionResult {
	return []release.CriterionResult{{Criterion: "regression suite green", Passed: true, Evidence: "run 881"},
		{Criterion: "p95 under 2 s", Passed: passed, Evidence: "load test"}}
}

// valid returns a command for the trigger that satisfies every guard,
// given a release prepared for it (see ready).
func (f *fixture) valid(tr release.Trigger) release.Command {
	switch tr {
	case release.TriggerAmend:
		return release.Replanning{Content: release.Content{Method: "canary"}}
	case release.TriggerStartBuild:
		return release.BuildStart{}
	case release.TriggerSubmitForTest:
		return release.TestSubmission{}
	case release.TriggerPassAcceptance:
		return release.AcceptancePassed{Results: results(true)}
	case release.TriggerFailAcceptance:
		return release.AcceptanceFailed{Results: results(false)}
	case release.TriggerRework:
		return release.Rework{Decided: release.Decided{Participants: []string{"rosa", "hr-lead"}, Rationale: "tune queries first"}}
	case release.TriggerAcceptKnownErrors:
		return release.KnownErrorAcceptance{Decided: release.Decided{Participants: []string{"rosa", "hr-lead"}, Rationale: "slow reports acceptable"},
			KnownErrors: []release.CriterionKnownError{{Criterion: "p95 under 2 s", KnownError: "KE-7"}}}
	case release.TriggerApprove:
		return release.Approval{Rationale: "tests green, rollback rehearsed"}
	case release.TriggerAuthorize:
		return release.Authorization{}
	case release.TriggerCaptureBaseline:
		return release.BaselineCapture{ID: "BL-1", Items: []release.ItemVersion{{Item: "app-1", Version: "4.9.3"}, {Item: "db-1", Version: "41"}}}
	case release.TriggerDeploy:
		return release.DeployStart{Deployer: "dev"}
	case release.TriggerCompleteDeploy:
		return release.DeploymentResult{Targets: []release.TargetResult{{Target: "site-a", OK: true}, {Target: "site-b", OK: true}},
			Verification: "smoke tests green on both sites"}
	case release.TriggerRollback:
		return release.Rollback{Reason: "migration corrupted the pay table"}
	case release.TriggerRecordIncident:
		return release.IncidentRecord{Incident: "INC-5"}
	case release.TriggerEndEarlyLife:
		return release.EarlyLifeEnd{}
	case release.TriggerReview:
		return release.AnalysisRecord{Outcome: release.OutcomeSuccessful, Conclusions: "one minor incident; canary caught it",
			Improvements: []string{"add a report load test"}}
	case release.TriggerClose:
		return release.Closure{}
	case release.TriggerCancel:
		return release.Cancellation{Reason: "superseded by 5.1", Participants: []string{"rosa"}}
	case release.TriggerLink:
		return release.Link{Type: release.LinkKnownError, ID: "KE-9"}
	case release.TriggerNote:
		return release.Note{Text: "vendor on call"}
	}
	panic("no valid command for " + string(tr))
}

// as returns who fires the trigger in the fixture's releases: the deployer
// deploys (an approver never does, REL-05), boss does the rest.
func as(tr release.Trigger) sms.Actor {
	switch tr {
	case release.TriggerDeploy, release.TriggerCompleteDeploy, release.TriggerRollback:
		return deployer
	}
	return boss
}

// do fires a command as the trigger's actor (see as) and requires success.
func (f *fixture) do(t testing.TB, id string, c release.Command) *release.Release {
	t.Helper()
	f.clk.Advance(time.Minute)
	r, err := f.svc.Do(f.ctx, as(c.Trigger()), id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return r
}

func (f *fixture) step(t testing.TB, id string, tr release.Trigger) *release.Release {
	t.Helper()
	return f.do(t, id, f.valid(tr))
}

func (f *fixture) plan(t testing.TB) *release.Release {
	t.Helper()
	p := planning()
	p.ID = f.id()
	r, err := f.svc.Plan(f.ctx, manager, p)
	require.NoError(t, err)
	return r
}

// ready runs the steps that make the trigger's valid command acceptable in
// the release's current status.
func (f *fixture) ready(t testing.TB, r *release.Release, tr release.Trigger) *release.Release {
	t.Helper()
	switch {
	case tr == release.TriggerAuthorize && r.Status == release.StatusAccepted:
		r = f.step(t, r.ID, release.TriggerApprove)
	case tr == release.TriggerDeploy && r.Status == release.StatusApproved:
		r = f.step(t, r.ID, release.TriggerCaptureBaseline)
	case tr == release.TriggerEndEarlyLife && r.Status == release.StatusEarlyLife:
		f.clk.Advance(r.Deployment.EarlyLifeEnds.Sub(f.clk.Now()))
	case tr == release.TriggerClose && (r.Status == release.StatusReview || r.Status == release.StatusRolledBack):
		r = f.step(t, r.ID, release.TriggerReview)
	}
	return r
}

// to drives a new release to the status through the workflow.
func (f *fixture) to(t testing.TB, status release.Status) *release.Release {
	t.Helper()
	r := f.plan(t)
	step := func(tr release.Trigger) {
		r = f.ready(t, r, tr)
		r = f.step(t, r.ID, tr)
	}
	path := map[release.Status][]release.Trigger{
		release.StatusPlanned:          nil,
		release.StatusCancelled:        {release.TriggerCancel},
		release.StatusBuilding:         {release.TriggerStartBuild},
		release.StatusTesting:          {release.TriggerStartBuild, release.TriggerSubmitForTest},
		release.StatusAccepted:         {release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerPassAcceptance},
		release.StatusAcceptanceFailed: {release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerFailAcceptance},
	}
	toApproved := []release.Trigger{release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerPassAcceptance, release.TriggerAuthorize}
	path[release.StatusApproved] = toApproved
	path[release.StatusDeploying] = append(toApproved[:4:4], release.TriggerDeploy)
	path[release.StatusRolledBack] = append(path[release.StatusDeploying][:5:5], release.TriggerRollback)
	path[release.StatusEarlyLife] = append(path[release.StatusDeploying][:5:5], release.TriggerCompleteDeploy)
	path[release.StatusReview] = append(path[release.StatusEarlyLife][:6:6], release.TriggerEndEarlyLife)
	path[release.StatusClosed] = append(path[release.StatusReview][:7:7], release.TriggerClose)
	for _, tr := range path[status] {
		step(tr)
	}
	require.Equal(t, status, r.Status)
	return r
}

// snapshot captures what is stored for a record, to prove a refusal
// changed nothing.
type snapshot = smstest.Snapshot

func (f *fixture) snap(t testing.TB, id string) snapshot {
	t.Helper()
	return smstest.Snap(t, f.svc, id)
}

func (f *fixture) requireUnchanged(t testing.TB, id string, before snapshot) {
	t.Helper()
	smstest.RequireUnchanged(t, f.svc, id, before)
}
