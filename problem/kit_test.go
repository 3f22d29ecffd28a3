package problem_test

import (
	"context"
	"flag"
	"slices"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kitInstance is the problem fixture as the process kit sees it: one per
// cell, the problem driven to the cell's status along the fullest path,
// with the extra steps an allowed trigger needs. Beside the kit's
// contracts, it checks on every cell what the package promises of its
// own: a refusal by the workflow names the status it was refused from,
// cites, for every trigger but note, the one PRB requirement the trigger's
// source states enforce, and changes no known error either (that a
// success adds one version and one journal entry, the kit checks).
type kitInstance struct {
	*fixture
	status problem.Status
}

func (k *kitInstance) At(t testing.TB, status, trigger string) string {
	pr := k.to(t, problem.Status(status))
	if _, allowed := oracle[problem.Status(status)][problem.Trigger(trigger)]; allowed {
		k.prepare(t, pr.ID, problem.Trigger(trigger))
	}
	pr, err := k.svc.Get(k.ctx, pr.ID)
	require.NoError(t, err)
	k.status = pr.Status
	return pr.ID
}

func (k *kitInstance) DryRun(ctx context.Context, id, trigger string) error {
	tr := problem.Trigger(trigger)
	who := boss
	if tr == problem.TriggerApproveRisk {
		who = manager
	}
	return k.svc.DryRun(ctx, who, id, validCommand(tr))
}

func (k *kitInstance) Fire(ctx context.Context, id, trigger string) (*problem.Problem, error) {
	t, tr := k.t(), problem.Trigger(trigger)
	who := boss
	if tr == problem.TriggerApproveRisk {
		who = manager // boss logged the problem: PRB-06 keeps them from approving its risk
	}
	kes := k.knownErrors(t)
	got, err := k.svc.Do(ctx, who, id, validCommand(tr))
	if _, allowed := oracle[k.status][tr]; !allowed {
		te := smstest.RequireTransitionRefused(t, err, trigger)
		assert.Equal(t, string(k.status), te.State)
		if tr != problem.TriggerNote {
			require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
			assert.Regexp(t, `^PRB-\d\d$`, te.Requirements[0].ID)
		}
		assert.Equal(t, kes, k.knownErrors(t), "a refused transition changed the known errors")
	}
	return got, err
}

func (k *kitInstance) Get(ctx context.Context, id string) (*problem.Problem, error) {
	return k.svc.Get(ctx, id)
}
func (k *kitInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Journal(ctx, id)
}
func (k *kitInstance) Verify(ctx context.Context, id string) error { return k.svc.Verify(ctx, id) }

// keInstance is a known error of the fixture as the kit sees it: refused
// cells cite PRB-12.
type keInstance struct {
	*fixture
	status problem.KEStatus
}

func (k *keInstance) At(t testing.TB, status, _ string) string {
	ke := k.keTo(t, problem.KEStatus(status))
	k.status = ke.Status
	return ke.ID
}

func (k *keInstance) Fire(ctx context.Context, id, trigger string) (*problem.KnownError, error) {
	t, tr := k.t(), problem.KETrigger(trigger)
	got, err := k.svc.KnownErrors().Do(ctx, boss, id, validKECommand(tr))
	if _, allowed := keOracle[k.status][tr]; !allowed {
		te := smstest.RequireTransitionRefused(t, err, trigger)
		if tr != problem.KETriggerNote {
			require.Len(t, te.Requirements, 1)
			assert.Equal(t, "PRB-12", te.Requirements[0].ID)
		}
	}
	return got, err
}

func (k *keInstance) Get(ctx context.Context, id string) (*problem.KnownError, error) {
	return k.svc.KnownErrors().Get(ctx, id)
}
func (k *keInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.KnownErrors().Journal(ctx, id)
}
func (k *keInstance) Verify(ctx context.Context, id string) error {
	return k.svc.KnownErrors().Verify(ctx, id)
}

// TestProcessKit runs the process kit over problems and over known
// errors: each oracle against its workflow, the lifecycle diagrams (rerun
// with -update after changing a workflow, and paste the diagram into
// doc.go), the catalogue, and every status x trigger cell through the
// service.
func TestProcessKit(t *testing.T) {
	svc := newFixture(t, problem.DefaultPolicy()).svc
	// Beside the checks: trend candidates cite PRB-01 and PRB-14
	// (Candidate.Finding); the effectiveness review, PRB-13
	// (EffectivenessRequirement).
	cited := slices.Concat(smstest.CitedBy(svc.Checks()), smstest.CitedBy(svc.KnownErrors().Checks()), []string{"PRB-01", "PRB-14", problem.EffectivenessRequirement().ID})
	t.Run("Problems", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*problem.Problem]{
			Workflow: problem.Workflow(),
			Oracle:   smstest.Oracle(oracle),
			Triggers: smstest.Names(problem.Triggers()[1:]),
			Cites:    cited,
			Golden:   "testdata/lifecycle.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*problem.Problem] {
				return &kitInstance{fixture: newFixture(t, problem.DefaultPolicy())}
			},
		})
	})
	t.Run("KnownErrors", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*problem.KnownError]{
			Workflow: problem.KnownErrorWorkflow(),
			Oracle:   smstest.Oracle(keOracle),
			Triggers: smstest.Names(problem.KETriggers()[1:]),
			// One catalogue serves the process: what the problem workflow
			// and every check cite counts.
			Cites:  slices.Concat(problem.Workflow().Cited(), cited),
			Golden: "testdata/known_error_lifecycle.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*problem.KnownError] {
				return &keInstance{fixture: newFixture(t, problem.DefaultPolicy())}
			},
		})
	})
}

// TestTerminalStates: closed and cancelled problems, and retired known
// errors, are left only by a note; a resolved problem is not terminal.
func TestTerminalStates(t *testing.T) {
	t.Parallel()
	wf := problem.Workflow()
	assert.True(t, wf.Terminal(string(problem.StatusClosed)))
	assert.True(t, wf.Terminal(string(problem.StatusCancelled)))
	assert.False(t, wf.Terminal(string(problem.StatusResolved)))
	assert.True(t, problem.KnownErrorWorkflow().Terminal(string(problem.KERetired)))
}

// TestServiceWorkflowIsTheBuiltIn: the workflows a service runs have the
// built-in tables, catalogue and diagrams; only their look-ups are the
// service's.
func TestServiceWorkflowIsTheBuiltIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	assert.Equal(t, problem.Workflow().Mermaid(), f.svc.Workflow().Mermaid())
	assert.Equal(t, problem.Requirements(), f.svc.Workflow().Catalogue())
	assert.Equal(t, problem.KnownErrorWorkflow().Mermaid(), f.svc.KnownErrors().Workflow().Mermaid())
}
