package problem_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLookupsRunInsideThePipeline: the change a fix starts under, the
// change a fix applied resolves through, the known error's ID and the
// communication to linked incidents are asked of the host by the
// transitions themselves (their rules' Prepare), so the generic machine
// on the service's workflow does what the service does: no command
// carries what was looked up.
func TestLookupsRunInsideThePipeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	m, err := sms.NewMachine(f.svc.Workflow(), f.problems, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	pr := f.to(t, problem.StatusRCA)

	pr, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerDeclareKnownError), validCommand(problem.TriggerDeclareKnownError))
	require.NoError(t, err, "the known error's ID is chosen inside the transition")
	assert.NotEmpty(t, pr.KnownError)

	before := f.snap(t, pr.ID)
	_, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerStartFix), problem.FixStart{Change: "CHG-404"})
	smstest.RequireRefused(t, err, "PRB-09")
	f.requireUnchanged(t, pr.ID, before)
	f.changes.set("CHG-1", problem.ChangeOpen)
	pr, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerStartFix), problem.FixStart{Change: "CHG-1"})
	require.NoError(t, err)
	j, err := f.svc.Journal(f.ctx, pr.ID)
	require.NoError(t, err)
	outcome, _ := sms.Get(j[len(j)-1].Payload, "change_outcome")
	assert.Equal(t, string(problem.ChangeOpen), outcome, "the host's answer, journaled")

	pr, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerPropagate), problem.Propagation{Kind: problem.CommunicateWorkaround})
	require.NoError(t, err)
	assert.True(t, pr.WasInformed("INC-1", problem.CommunicateWorkaround))
	assert.Equal(t, 1, f.notifier.count("INC-1"), "informed through the host's notifier")

	_, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerResolve), problem.Resolution{Type: problem.FixApplied, Notes: "n"})
	smstest.RequireRefused(t, err, "PRB-06")
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	pr, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerResolve), problem.Resolution{Type: problem.FixApplied, Notes: "n"})
	require.NoError(t, err)
	assert.Equal(t, problem.ChangeSuccessful, pr.ChangeOutcome)

	// The package's built-in workflow has no host: it asks no change
	// management and informs nobody.
	bare, err := sms.NewMachine(problem.Workflow(), f.problems, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	p2 := f.to(t, problem.StatusKnownError)
	told := f.notifier.count("INC-1")
	_, err = bare.Fire(f.ctx, boss, p2.ID, string(problem.TriggerPropagate), problem.Propagation{Kind: problem.CommunicateWorkaround})
	smstest.RequireRefused(t, err, "PRB-15")
	assert.Equal(t, told, f.notifier.count("INC-1"))
}

// TestDoPropagatesAsPropagate: Service.Do runs a propagation as
// Service.Propagate does, reporting the incidents it could not inform.
func TestDoPropagatesAsPropagate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	f.notifier.fail["INC-2"] = true
	got, err := f.svc.Do(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})
	var pe *problem.PropagationError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, errUnreachable)
	assert.Contains(t, pe.Failed, "INC-2")
	require.NotNil(t, got)
	assert.True(t, got.WasInformed("INC-1", problem.CommunicateWorkaround))
	assert.False(t, got.WasInformed("INC-2", problem.CommunicateWorkaround))
}

// TestRiskApprovalIsTheRules: approve_risk declares its approval on the
// rule, citing PRB-06, so that the kernel checks it.
func TestRiskApprovalIsTheRules(t *testing.T) {
	t.Parallel()
	for _, r := range problem.Workflow().Rules() {
		if problem.Trigger(r.Trigger) != problem.TriggerApproveRisk {
			assert.Nil(t, r.Approval, r.Trigger)
			continue
		}
		require.NotNil(t, r.Approval)
		assert.Equal(t, "PRB-06", r.Approval.ID)
		assert.Equal(t, "8.6.3", r.Approval.Clause, "the catalogue's clause")
	}
}
