package release_test

import (
	"strings"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, manager, tester, deployer, approver1, cm, actor("rosa", release.RoleApprover, release.RoleDeployer), actor("ghost")}

var fuzzStrings = []string{"", " ", "x", "dev", "ida", "KE-1", "ünïcødé ✓", strings.Repeat("a", 200)}

func (f *fixture) fuzzCommand(tr release.Trigger, v byte) release.Command {
	switch v % 4 {
	case 0:
		return f.valid(tr)
	case 1:
		return zeroCommand(tr)
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	crit := []string{"regression suite green", "p95 under 2 s", s}[int(v)%3]
	switch tr {
	case release.TriggerAmend:
		return release.Replanning{Content: release.Content{Changes: []string{[]string{"CHG-1", "CHG-2", "CHG-X"}[int(v)%3]},
			Criteria: []string{crit}, ConfigItems: []string{"app-1", "db-" + []string{"1", "2"}[int(v)%2]}, Method: []string{"", "canary", "yolo"}[int(v)%3]}}
	case release.TriggerPassAcceptance:
		return release.AcceptancePassed{Results: []release.CriterionResult{{Criterion: crit, Passed: v%3 != 0}, {Criterion: "p95 under 2 s", Passed: true}}}
	case release.TriggerFailAcceptance:
		return release.AcceptanceFailed{Results: []release.CriterionResult{{Criterion: crit, Passed: v%3 == 0}, {Criterion: "regression suite green", Passed: true}}}
	case release.TriggerRework:
		return release.Rework{Decided: release.Decided{Participants: []string{s}, Rationale: s}}
	case release.TriggerAcceptKnownErrors:
		return release.KnownErrorAcceptance{Decided: release.Decided{Participants: []string{"rosa"}, Rationale: s},
			KnownErrors: []release.CriterionKnownError{{Criterion: crit, KnownError: "KE-1"}}}
	case release.TriggerApprove:
		return release.Approval{Rationale: s}
	case release.TriggerCaptureBaseline:
		return release.BaselineCapture{ID: "BL-" + []string{"1", "2"}[int(v)%2], Items: []release.ItemVersion{{Item: "app-1", Version: s}, {Item: "db-1", Version: "1"}}}
	case release.TriggerDeploy:
		return release.DeployStart{Deployer: []string{"", "dev", "ida", "rosa", "abe"}[int(v)%5], Override: s}
	case release.TriggerCompleteDeploy:
		return release.DeploymentResult{Targets: []release.TargetResult{{Target: "site-a", OK: v%3 != 0}}, Verification: s}
	case release.TriggerRollback:
		return release.Rollback{Reason: s}
	case release.TriggerRecordIncident:
		return release.IncidentRecord{Incident: []string{"INC-1", "INC-2"}[int(v)%2]}
	case release.TriggerReview:
		return release.AnalysisRecord{Outcome: []release.Outcome{"", release.OutcomeSuccessful, release.OutcomeFailed}[int(v)%3], Conclusions: s}
	case release.TriggerCancel:
		return release.Cancellation{Reason: s, Participants: []string{"rosa"}[:int(v)%2]}
	case release.TriggerLink:
		return release.Link{Type: release.LinkTypes()[int(v)%2], ID: "X-1"}
	}
	return f.valid(tr)
}

// zeroCommand is the trigger's command type, empty.
func zeroCommand(tr release.Trigger) release.Command {
	return smstest.ZeroCommand(fuzzWorkflow, string(tr)).(release.Command)
}

// fuzzWorkflow is the workflow whose command types zeroCommand reads.
var fuzzWorkflow = release.Workflow()

// Codes the workflow alone must guarantee.
var workflowGuaranteed = []string{release.CodeDeployedUnchecked, release.CodeAnalysisMissing, release.CodeCancellationUnjustified}

// fuzzSeeds are (trigger index, actor index, variant) triples; trigger
// indexes count from amend = 0 in release.Triggers()[1:]; the deployer
// (actor 3) deploys, since an approver never does (REL-05). The first takes
// a release to closed (variant 0 is the valid command; variant 252, also
// valid, moves the clock past the early life before it ends), the second
// through a failed acceptance deployed with known errors, then rolled back.
var fuzzSeeds = [][]byte{
	{1, 0, 0, 2, 0, 0, 3, 0, 0, 7, 0, 0, 8, 0, 0, 9, 0, 0, 10, 3, 0, 11, 3, 0, 13, 0, 0, 14, 0, 252, 15, 0, 0, 16, 0, 0},
	{1, 0, 0, 2, 0, 0, 4, 0, 0, 6, 0, 0, 7, 0, 0, 8, 0, 0, 9, 0, 0, 10, 3, 0, 11, 3, 0, 12, 3, 0, 15, 0, 0, 16, 0, 0},
	{0, 1, 2, 1, 2, 6, 2, 3, 1, 3, 0, 2, 4, 5, 0, 7, 4, 3, 8, 6, 0, 9, 2, 0, 10, 3, 6, 11, 0, 0, 17, 1, 2},
}

// FuzzTransitions drives random trigger sequences, with random payloads and
// actors, through the release workflow (smstest.FuzzProcess): no panic;
// every refusal is one of the library's categories and leaves the stored
// release and its journal unchanged; every success appends exactly one
// entry, and the release it returns is the one stored and never fails a
// conformance check the workflow guarantees; the journal always verifies.
func FuzzTransitions(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ops []byte) { runOps(t, ops) })
}

// runOps plays one fuzz input and returns the final release.
func runOps(t *testing.T, ops []byte) *release.Release {
	in := &fuzzInstance{kitInstance: kitInstance{fixture: newFixture(t, release.DefaultPolicy())}}
	smstest.FuzzProcess(t, ops, kitTriggers(), in)
	r, err := in.svc.Get(in.ctx, in.id)
	require.NoError(t, err)
	j, err := in.svc.Journal(in.ctx, in.id)
	require.NoError(t, err)
	require.Len(t, j, int(r.Version))
	return r
}

// TestFuzzSeedsReachTheirEnd keeps the seeds meaningful.
func TestFuzzSeedsReachTheirEnd(t *testing.T) {
	t.Parallel()
	assert := require.New(t)
	assert.Equal(release.StatusClosed, runOps(t, fuzzSeeds[0]).Status)
	second := runOps(t, fuzzSeeds[1])
	assert.Equal(release.StatusClosed, second.Status)
	assert.Equal(release.DecideDeployWithErrors, second.Decision.Outcome)
	assert.NotEmpty(second.Deployment.RestoredTo)
}
