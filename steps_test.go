package sms_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
)

// countingStore counts the commits that reach the store.
type countingStore struct {
	*memstore.Store[*Ticket]
	commits atomic.Int32
}

func (s *countingStore) Commit(ctx context.Context, e *Ticket, expect int64, entries []sms.Entry) error {
	s.commits.Add(1)
	return s.Store.Commit(ctx, e, expect, entries)
}

// stepsEnv is a ticket machine over a counting store, with an observer
// that records the triggers it hears of.
type stepsEnv struct {
	*ticketEnv
	counting *countingStore
	heard    []string
}

func newStepsEnv(t *testing.T) *stepsEnv {
	t.Helper()
	se := &stepsEnv{}
	mem := memstore.New[*Ticket]()
	se.counting = &countingStore{Store: mem}
	c := newClock()
	m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), se.counting, sms.Options{Now: c.Now,
		Observer: sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
			se.heard = append(se.heard, ev.Entry.Trigger)
			return nil
		})})
	require.NoError(t, err)
	se.ticketEnv = &ticketEnv{m: m, store: mem, clock: c}
	return se
}

// A sequence is one commit with one journal entry per step, chained, that
// verifies; a later step sees what the earlier ones did (finish's guard
// that only the assignee finishes reads the assignee start set); the
// observers hear of each step, in order, after the commit.
func TestFireStepsCommitsOnce(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	env.counting.commits.Store(0)
	env.heard = nil
	at := env.clock.Peek()
	tk, err := env.m.FireSteps(bg(), alice, "T-1",
		sms.Step{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
		sms.Step{Trigger: trNote, Command: ticketCmd{Text: "fuser replaced"}},
		sms.Step{Trigger: trFinish, Command: ticketCmd{Resolution: "replaced the fuser", Category: "hardware"}})
	require.NoError(t, err)
	assert.Equal(t, stDone, tk.Status)
	assert.Equal(t, int64(4), tk.Version)
	assert.Equal(t, at, tk.UpdatedAt, "the steps share one instant")
	assert.Equal(t, int32(1), env.counting.commits.Load(), "a sequence is one commit")
	assert.Equal(t, []string{trStart, trNote, trFinish}, env.heard)

	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	require.Len(t, j, 4)
	for i, want := range []string{trFile, trStart, trNote, trFinish} {
		assert.Equal(t, want, j[i].Trigger)
		assert.Equal(t, int64(i+1), j[i].Seq)
	}
	assert.Equal(t, stWorking, j[1].To)
	assert.Equal(t, stWorking, j[2].To)
	assert.Equal(t, stDone, j[3].To)
	require.NoError(t, sms.VerifyJournal(j))
	require.NoError(t, env.m.Verify(bg(), "T-1"))
	stored, err := env.m.Get(bg(), "T-1")
	require.NoError(t, err)
	assert.Equal(t, tk, stored)
}

// All or nothing: a refused step names itself, unwraps to its own error,
// and nothing of the sequence is stored or heard of.
func TestFireStepsRefusedStepLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		actor sms.Actor
		steps []sms.Step
		step  int
		check func(t *testing.T, err error)
	}{
		{"guard", alice, []sms.Step{
			{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
			{Trigger: trFinish, Command: ticketCmd{Category: "hardware"}}, // no resolution
		}, 1, func(t *testing.T, err error) {
			var ge *sms.GuardError
			require.ErrorAs(t, err, &ge)
			assert.ErrorIs(t, err, sms.ErrGuard)
			assert.Equal(t, stWorking, ge.State, "the guard judged the status the first step left")
			assert.Equal(t, []string{"TKT-03"}, ids(ge.Unmet))
		}},
		{"own ticket", bob, []sms.Step{
			{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
			{Trigger: trFinish, Command: ticketCmd{Resolution: "done", Category: "hardware"}},
		}, 1, func(t *testing.T, err error) {
			var ge *sms.GuardError
			require.ErrorAs(t, err, &ge)
			assert.Equal(t, []string{"TKT-04"}, ids(ge.Unmet), "bob finishing alice's ticket, assigned by the first step")
		}},
		{"not allowed", alice, []sms.Step{
			{Trigger: trNote, Command: ticketCmd{Text: "looking"}},
			{Trigger: trFinish, Command: ticketCmd{Resolution: "done", Category: "hardware"}}, // still open
		}, 1, func(t *testing.T, err error) {
			var te *sms.TransitionError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, stOpen, te.State)
		}},
		{"forbidden", alice, []sms.Step{
			{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
			{Trigger: trCancel, Command: ticketCmd{Reason: "duplicate"}}, // a lead's
		}, 1, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, sms.ErrForbidden)
		}},
		{"invalid command", alice, []sms.Step{
			{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
			{Trigger: trNote, Command: ticketCmd{Text: "x", Bad: errors.New("text too long")}},
		}, 1, func(t *testing.T, err error) {
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
		}},
		{"nil command", alice, []sms.Step{
			{Trigger: trNote, Command: nil},
		}, 0, func(t *testing.T, err error) {
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "command", ve.Field)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newStepsEnv(t)
			env.file(t, "T-1")
			before := env.snap(t, "T-1")
			env.counting.commits.Store(0)
			env.heard = nil
			_, err := env.m.FireSteps(bg(), tc.actor, "T-1", tc.steps...)
			require.Error(t, err)
			var se *sms.StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.step, se.Step)
			assert.Equal(t, len(tc.steps), se.Steps)
			assert.Equal(t, tc.steps[tc.step].Trigger, se.Trigger)
			assert.Contains(t, err.Error(), "nothing was stored")
			tc.check(t, err)
			assert.Equal(t, before, env.snap(t, "T-1"), "a refused sequence changed the record or its journal")
			assert.Zero(t, env.counting.commits.Load())
			assert.Empty(t, env.heard)
		})
	}
}

func ids(reqs []sms.Requirement) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.ID)
	}
	return out
}

// What belongs to no step, or to the sequence as a whole, is refused as
// itself, before anything is read.
func TestFireStepsRefusesBadSequences(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	before := env.snap(t, "T-1")
	many := make([]sms.Step, sms.MaxSteps+1)
	for i := range many {
		many[i] = sms.Step{Trigger: trNote, Command: ticketCmd{Text: "again"}}
	}
	for name, steps := range map[string][]sms.Step{"empty": nil, "too many": many} {
		_, err := env.m.FireSteps(bg(), alice, "T-1", steps...)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, "steps", ve.Field, name)
		assert.NotErrorAs(t, err, new(*sms.StepError), name)
	}
	_, err := env.m.FireSteps(bg(), alice, "", sms.Step{Trigger: trNote, Command: ticketCmd{Text: "x"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = env.m.FireSteps(bg(), alice, "T-404", sms.Step{Trigger: trNote, Command: ticketCmd{Text: "x"}})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = env.m.FireSteps(bg(), sms.Actor{}, "T-1", sms.Step{Trigger: trNote, Command: ticketCmd{Text: "x"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	_, err = env.m.FireSteps(ctx, alice, "T-1", sms.Step{Trigger: trNote, Command: ticketCmd{Text: "x"}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, env.snap(t, "T-1"))
	assert.Empty(t, env.heard[1:], "only the creation was heard of")
}

// A stale sequence loses to a concurrent writer as a whole: its commit is
// refused with a conflict and none of its steps is stored.
func TestFireStepsConflict(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	racing := &racingStore{countingStore: env.counting, race: func() {
		_, err := env.store.Get(bg(), "T-1")
		require.NoError(t, err)
		m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), env.store, sms.Options{})
		require.NoError(t, err)
		_, err = m.Fire(bg(), lena, "T-1", trNote, ticketCmd{Text: "the lead was first"})
		require.NoError(t, err)
	}}
	m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), racing, sms.Options{})
	require.NoError(t, err)
	_, err = m.FireSteps(bg(), alice, "T-1",
		sms.Step{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
		sms.Step{Trigger: trNote, Command: ticketCmd{Text: "started"}})
	var ce *sms.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(1), ce.Expected)
	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	require.Len(t, j, 2)
	assert.Equal(t, trNote, j[1].Trigger, "only the concurrent writer's transition is stored")
}

// racingStore lets another writer commit between the sequence's read and
// its commit.
type racingStore struct {
	*countingStore
	race func()
}

func (s *racingStore) Commit(ctx context.Context, e *Ticket, expect int64, entries []sms.Entry) error {
	if s.race != nil {
		race := s.race
		s.race = nil
		race()
	}
	return s.countingStore.Commit(ctx, e, expect, entries)
}

// An idempotency key covers the whole sequence: a retry applies nothing
// twice, and the key with another sequence or with a single Fire is
// refused.
func TestFireStepsIdempotencyKey(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	ctx := sms.WithIdempotencyKey(bg(), "resolve-T-1")
	steps := []sms.Step{
		{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
		{Trigger: trFinish, Command: ticketCmd{Resolution: "done", Category: "hardware"}},
	}
	first, err := env.m.FireSteps(ctx, alice, "T-1", steps...)
	require.NoError(t, err)
	after := env.snap(t, "T-1")
	again, err := env.m.FireSteps(ctx, alice, "T-1", steps...)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, after, env.snap(t, "T-1"), "the retry applied the sequence twice")

	_, err = env.m.FireSteps(ctx, alice, "T-1", steps[0])
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "the key with another sequence")
	_, err = env.m.Fire(ctx, alice, "T-1", steps[0].Trigger, steps[0].Command)
	require.ErrorAs(t, err, &ve, "the key with a single transition")
	assert.Equal(t, after, env.snap(t, "T-1"))
}

// DoSteps resolves each command's trigger; a command no single trigger
// takes is refused in a StepError naming it.
func TestDoStepsNeedsOneTriggerPerCommand(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	_, err := env.m.DoSteps(bg(), alice, "T-1", ticketCmd{Text: "every ticket trigger takes this type"})
	var se *sms.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 0, se.Step)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = env.m.DoSteps(bg(), alice, "T-1", nil)
	require.ErrorAs(t, err, &se)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	assert.Zero(t, env.counting.commits.Load())
}

// A sequence of any triggers, actors' commands and fields never panics; a
// refused one changes nothing, a committed one verifies, and the dry run
// said which it would be.
func FuzzFireSteps(f *testing.F) {
	f.Add([]byte{1, 0, 2, 5}, "alice", "replaced the fuser")
	f.Add([]byte{3, 3, 3}, "", "")
	f.Add([]byte{0}, "bob", "\x00")
	trigs := []string{trStart, trNote, trFinish, trCancel, trReopen, trFile, ""}
	f.Fuzz(func(t *testing.T, plan []byte, who, text string) {
		if len(plan) > sms.MaxSteps+2 {
			plan = plan[:sms.MaxSteps+2]
		}
		env := newStepsEnv(t)
		tk, err := env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "printer on fire", Service: "printing"})
		if err != nil {
			t.Fatal(err)
		}
		steps := make([]sms.Step, len(plan))
		for i, p := range plan {
			steps[i] = sms.Step{Trigger: trigs[int(p)%len(trigs)], Command: ticketCmd{Assignee: who, Resolution: text,
				Category: text, Reason: text, Text: text}}
		}
		a := sms.Actor{ID: "alice", Roles: []sms.Role{roleAgent, roleLead}}
		before := env.snap(t, "T-1")
		dry := env.m.DryRunSteps(bg(), a, "T-1", steps...)
		got, err := env.m.FireSteps(bg(), a, "T-1", steps...)
		if (dry == nil) != (err == nil) {
			t.Fatalf("dry run %v, fire %v", dry, err)
		}
		if err != nil {
			if env.snap(t, "T-1") != before {
				t.Fatalf("a refused sequence changed the ticket: %v", err)
			}
			return
		}
		if got.Version != tk.Version+int64(len(steps)) {
			t.Fatalf("version %d after %d steps", got.Version, len(steps))
		}
		if err := env.m.Verify(bg(), "T-1"); err != nil {
			t.Fatal(err)
		}
	})
}
