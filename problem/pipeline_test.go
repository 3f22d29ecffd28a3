package problem_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the service used to do around its machine, the pipeline now does:
// these tests fire through a bare sms.Machine on the service's workflow,
// as a host that holds only the workflow would, beside the service's own
// entry points, and require the same result from each.

// serviceOn replaces the fixture's service by one on the given known-error
// store (and notifier, nil for none), and returns a bare machine on the
// new service's workflow over the fixture's problem store.
func serviceOn(t *testing.T, f *fixture, kes sms.Store[*problem.KnownError], incidents problem.IncidentNotifier) *sms.Machine[*problem.Problem] {
	t.Helper()
	svc, err := problem.NewService(problem.Stores{Problems: f.problems, KnownErrors: kes}, problem.Config{
		Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes, Incidents: incidents})
	require.NoError(t, err)
	f.svc = svc
	m, err := sms.NewMachine(svc.Workflow(), f.problems, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	return m
}

// TestKnownErrorStepsAreFollowUps: declare_known_error and resolve declare
// their known-error step as the rule's essential follow-up, writing to the
// service's known-error store; no other rule but propagate has one.
func TestKnownErrorStepsAreFollowUps(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	for _, r := range f.svc.Workflow().Rules() {
		switch problem.Trigger(r.Trigger) {
		case problem.TriggerDeclareKnownError, problem.TriggerResolve:
			require.NotNil(t, r.FollowUp, r.Trigger)
			assert.True(t, r.FollowUp.Essential, "%s: a failed step commits nothing where it can", r.Trigger)
			assert.Equal(t, []any{f.kes}, r.FollowUp.Stores, r.Trigger)
			assert.NotNil(t, r.FollowUp.Failed, r.Trigger)
		case problem.TriggerPropagate:
			require.NotNil(t, r.FollowUp)
			assert.False(t, sms.CommitTogether(append([]any{f.problems}, r.FollowUp.Stores...)...),
				"propagate's follow-up is never inside an atomic commit, which would inform the incidents again")
		default:
			assert.Nil(t, r.FollowUp, r.Trigger)
		}
	}
}

// TestKnownErrorStepsThroughTheMachine: a declaration records its known
// error, and a resolution with a fix retires it, through the generic
// machine as through Service.Do and the typed methods. Where the stores
// commit together a failed step refuses the transition and commits
// nothing; where they do not, the problem is committed and returned with
// a *FollowUpError naming the step.
func TestKnownErrorStepsThroughTheMachine(t *testing.T) {
	t.Parallel()
	declare := validCommand(problem.TriggerDeclareKnownError)
	fix := problem.Resolution{Type: problem.FixApplied, Notes: "timer raised"}
	toFix := func(t *testing.T, f *fixture, id string) {
		f.changes.set("CHG-1", problem.ChangeOpen)
		f.step(t, id, problem.FixStart{Change: "CHG-1"})
		f.changes.set("CHG-1", problem.ChangeSuccessful)
	}

	t.Run("atomic", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, problem.DefaultPolicy())
		kes := &failingKEStore{Store: f.kes}
		m := serviceOn(t, f, atomicFailingKEStore{failingKEStore: kes, mem: f.kes}, f.notifier)
		pr := f.to(t, problem.StatusRCA)
		kes.fail = true
		before := f.snap(t, pr.ID)
		got, err := m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerDeclareKnownError), declare)
		assert.Nil(t, got)
		assert.ErrorIs(t, err, errDisk)
		assert.NotErrorIs(t, err, sms.ErrFollowUp, "nothing was committed")
		f.requireUnchanged(t, pr.ID, before)

		kes.fail = false
		got, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerDeclareKnownError), declare)
		require.NoError(t, err)
		k, err := f.svc.KnownErrors().Get(f.ctx, got.KnownError)
		require.NoError(t, err, "recorded with the declaration")
		assert.Equal(t, pr.ID, k.Problem)

		toFix(t, f, pr.ID)
		kes.fail = true
		before = f.snap(t, pr.ID)
		got, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerResolve), fix)
		assert.Nil(t, got)
		assert.ErrorIs(t, err, errDisk)
		assert.NotErrorIs(t, err, sms.ErrFollowUp)
		f.requireUnchanged(t, pr.ID, before)
		kes.fail = false
		_, err = m.Fire(f.ctx, boss, pr.ID, string(problem.TriggerResolve), fix)
		require.NoError(t, err)
		k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
		require.NoError(t, err)
		assert.Equal(t, problem.KERetired, k.Status, "retired with the fix")
	})

	t.Run("follow-up", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, problem.DefaultPolicy())
		kes := &failingKEStore{Store: f.kes}
		m := serviceOn(t, f, kes, f.notifier)
		entries := map[string]func(id string, c problem.Command) (*problem.Problem, error){
			"Machine.Fire": func(id string, c problem.Command) (*problem.Problem, error) {
				return m.Fire(f.ctx, boss, id, string(c.Trigger()), c)
			},
			"Service.Do": func(id string, c problem.Command) (*problem.Problem, error) { return f.svc.Do(f.ctx, boss, id, c) },
			"typed": func(id string, c problem.Command) (*problem.Problem, error) {
				if r, ok := c.(problem.Resolution); ok {
					return f.svc.Resolve(f.ctx, boss, id, r)
				}
				return f.svc.DeclareKnownError(f.ctx, boss, id, c.(problem.KnownErrorDeclaration))
			},
		}
		for name, fire := range entries {
			pr := f.to(t, problem.StatusRCA)
			for _, step := range []struct {
				name string
				cmd  problem.Command
				to   problem.Status
			}{{"record", declare, problem.StatusKnownError}, {"retire", fix, problem.StatusResolved}} {
				if step.name == "retire" {
					_, err := f.svc.Reconcile(f.ctx, boss, pr.ID)
					require.NoError(t, err)
					toFix(t, f, pr.ID)
				}
				kes.fail = true
				got, err := fire(pr.ID, step.cmd)
				kes.fail = false
				var fu *problem.FollowUpError
				require.ErrorAs(t, err, &fu, "%s %s", name, step.name)
				assert.ErrorIs(t, err, sms.ErrFollowUp)
				assert.ErrorIs(t, err, errDisk)
				require.NotNil(t, got, "%s: the problem is returned as committed", name)
				assert.Equal(t, step.to, got.Status)
				assert.Equal(t, problem.FollowUpError{Problem: pr.ID, KnownError: got.KnownError, Step: step.name, Err: errDisk}, *fu)
				stored, err := f.svc.Get(f.ctx, pr.ID)
				require.NoError(t, err)
				assert.Equal(t, stored, got, "%s: returned as stored", name)
			}
		}
	})
}

// TestPropagationThroughThePipeline: a propagation that informs some
// linked incidents and not others returns the problem as committed, with
// the ones informed recorded, and a *PropagationError naming the others,
// which matches sms.ErrFollowUp, from the generic machine as from
// Service.Do and Service.Propagate; on stores that commit atomically, no
// incident is tried twice. When none could be informed nothing changes
// and the error, which then does not match sms.ErrFollowUp, comes alone.
// A service configured without a notifier refuses a propagation as
// invalid on every entry point.
func TestPropagationThroughThePipeline(t *testing.T) {
	t.Parallel()
	for _, entry := range []string{"Machine.Fire", "Service.Do", "Service.Propagate"} {
		t.Run(entry, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, problem.DefaultPolicy())
			m := serviceOn(t, f, f.kes, f.notifier)
			require.True(t, sms.CommitTogether(f.problems, f.kes), "stores that commit atomically")
			fire := func(id string) (*problem.Problem, error) {
				c := problem.Propagation{Kind: problem.CommunicateWorkaround}
				switch entry {
				case "Machine.Fire":
					return m.Fire(f.ctx, boss, id, string(problem.TriggerPropagate), c)
				case "Service.Do":
					return f.svc.Do(f.ctx, boss, id, c)
				}
				return f.svc.Propagate(f.ctx, boss, id, c)
			}
			pr := f.to(t, problem.StatusKnownError)
			f.notifier.fail["INC-2"] = true
			got, err := fire(pr.ID)
			var pe *problem.PropagationError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, sms.ErrFollowUp, "committed, with incidents still to inform")
			assert.ErrorIs(t, err, errUnreachable)
			assert.Equal(t, []string{"INC-1"}, pe.Informed)
			assert.Contains(t, pe.Failed, "INC-2")
			require.NotNil(t, got)
			assert.True(t, got.WasInformed("INC-1", problem.CommunicateWorkaround))
			assert.False(t, got.WasInformed("INC-2", problem.CommunicateWorkaround))
			stored, err := f.svc.Get(f.ctx, pr.ID)
			require.NoError(t, err)
			assert.Equal(t, stored, got, "returned as stored")
			assert.Equal(t, 1, f.notifier.tries("INC-1"), "informed once")
			assert.Equal(t, 1, f.notifier.tries("INC-2"), "tried once")

			before := f.snap(t, pr.ID)
			got, err = fire(pr.ID)
			require.ErrorAs(t, err, &pe)
			assert.Nil(t, got)
			assert.NotErrorIs(t, err, sms.ErrFollowUp, "nothing was committed")
			assert.Empty(t, pe.Informed)
			f.requireUnchanged(t, pr.ID, before)
			assert.Equal(t, 1, f.notifier.tries("INC-1"), "an informed incident is not tried again")
			assert.Equal(t, 2, f.notifier.tries("INC-2"))

			m = serviceOn(t, f, f.kes, nil)
			_, err = fire(pr.ID)
			assert.ErrorIs(t, err, sms.ErrInvalid, "no notifier configured")
			f.requireUnchanged(t, pr.ID, before)
			assert.Equal(t, 2, f.notifier.tries("INC-2"))
		})
	}
}

// TestRiskGateReasons: the approval gate of approve_risk refuses, through
// the generic machine on the service's workflow and through Service.Do
// alike, in the order role, requester, second decision, each citing its
// own sentence of PRB-06 with its own reason. A problem whose risk
// acceptance was cleared by a recurrence keeps its earlier requesters as
// parties, but a decision on it is refused by the guard that wants a
// request, not by the gate.
func TestRiskGateReasons(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	m, err := sms.NewMachine(f.svc.Workflow(), f.problems, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	pr := f.to(t, problem.StatusRCA)
	requestRisk(t, f, pr.ID, manager)
	approve(t, f, pr.ID, dual, problem.RoleProblemManager)
	for _, tc := range []struct {
		who          sms.Actor
		role         sms.Role
		text, reason string
	}{
		{manager, problem.RoleProblemManager, "the requester of a risk acceptance does not approve it",
			"the actor requested an acceptance of this problem's risk, so may not approve it"},
		{dual, problem.RoleServiceOwner, "two different people", "the actor already decided on this record"},
		{dual, problem.RoleProblemManager, "two different people", "the actor already decided on this record"},
		{owner, problem.RoleProblemManager, "each in their own role", "the actor does not decide in the role problem_manager: they lack it, or the approval rule does not name it"},
		{manager, problem.RoleServiceOwner, "each in their own role", "the actor does not decide in the role service_owner: they lack it, or the approval rule does not name it"},
	} {
		before := f.snap(t, pr.ID)
		c := problem.RiskDecision{Role: tc.role, Decision: sms.Approve, Rationale: "fine"}
		_, err1 := m.Fire(f.ctx, tc.who, pr.ID, string(problem.TriggerApproveRisk), c)
		_, err2 := f.svc.Do(f.ctx, tc.who, pr.ID, c)
		for _, err := range []error{err1, err2} {
			fe := smstest.RequireForbidden(t, err)
			assert.Equal(t, "PRB-06", fe.Requirement.ID)
			assert.Contains(t, fe.Requirement.Text, tc.text, "%s as %s", tc.who.ID, tc.role)
			assert.Equal(t, tc.reason, fe.Reason, "%s as %s", tc.who.ID, tc.role)
		}
		f.requireUnchanged(t, pr.ID, before)
	}

	// Accepted, resolved, recurred: the acceptance is gone, its requester
	// is still a party.
	approve(t, f, pr.ID, owner, problem.RoleServiceOwner)
	f.step(t, pr.ID, problem.Resolution{Type: problem.RiskAccepted, Notes: "replaced next quarter"})
	f.clk.Advance(time.Hour)
	pr = f.step(t, pr.ID, validCommand(problem.TriggerRecur))
	require.Nil(t, pr.Risk)
	require.True(t, pr.Parties.Has(sms.PartyRequester, manager.ID))
	before := f.snap(t, pr.ID)
	c := problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Approve, Rationale: "fine"}
	_, err1 := m.Fire(f.ctx, manager, pr.ID, string(problem.TriggerApproveRisk), c)
	_, err2 := f.svc.Do(f.ctx, manager, pr.ID, c)
	for _, err := range []error{err1, err2} {
		ge := smstest.RequireRefused(t, err, "PRB-06")
		assert.Len(t, ge.Unmet, 1, "a risk acceptance was requested")
		assert.NotErrorIs(t, err, sms.ErrForbidden)
	}
	f.requireUnchanged(t, pr.ID, before)
}
