package sms_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// DryRun returns what Fire returns, case by case, and changes nothing: for
// every status a ticket can be in, every actor, every trigger (and one the
// workflow lacks) and commands empty, full and invalid.
func TestDryRunIsFire(t *testing.T) {
	t.Parallel()
	setups := map[string]func(env *stepsEnv){
		"open":    func(env *stepsEnv) { env.file(t, "T-1") },
		"working": func(env *stepsEnv) { env.working(t, "T-1") },
		"done": func(env *stepsEnv) {
			env.working(t, "T-1")
			_, err := env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "r", Category: "c"})
			require.NoError(t, err)
		},
		"cancelled": func(env *stepsEnv) {
			env.file(t, "T-1")
			_, err := env.m.Fire(bg(), lena, "T-1", trCancel, ticketCmd{Reason: "duplicate"})
			require.NoError(t, err)
		},
	}
	cmds := map[string]sms.Command{
		"empty": ticketCmd{},
		"full": ticketCmd{Assignee: alice.ID, Resolution: "replaced", Category: "hardware", Reason: "duplicate",
			Text: "a note"},
		"invalid": ticketCmd{Text: "x", Bad: errors.New("too long")},
	}
	passed, refused := 0, 0
	for status, setup := range setups {
		for _, a := range []sms.Actor{alice, bob, lena, rita, nobody} {
			for _, trig := range []string{trStart, trFinish, trCancel, trNote, trReopen, trFile, "explode"} {
				for cname, cmd := range cmds {
					name := fmt.Sprintf("%s/%s/%s/%s", status, a.ID, trig, cname)
					env := newStepsEnv(t)
					setup(env)
					before := env.snap(t, "T-1")
					env.heard = nil
					env.counting.commits.Store(0)
					dry := env.m.DryRun(bg(), a, "T-1", trig, cmd)
					assert.Equal(t, before, env.snap(t, "T-1"), "%s: a dry run changed the record", name)
					assert.Empty(t, env.heard, "%s: a dry run notified", name)
					assert.Zero(t, env.counting.commits.Load(), "%s: a dry run committed", name)
					_, fire := env.m.Fire(bg(), a, "T-1", trig, cmd)
					if dry == nil {
						passed++
						assert.NoError(t, fire, "%s: the dry run passed, Fire did not", name)
						continue
					}
					refused++
					assert.Equal(t, fmt.Sprintf("%T", fire), fmt.Sprintf("%T", dry), name)
					assert.Equal(t, fire, dry, "%s: Fire and the dry run disagree", name)
				}
			}
		}
	}
	assert.Positive(t, passed)
	assert.Positive(t, refused)
}

// DryRunSteps returns what FireSteps returns, and changes nothing.
func TestDryRunSteps(t *testing.T) {
	t.Parallel()
	for _, steps := range [][]sms.Step{
		{{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}}, {Trigger: trFinish, Command: ticketCmd{Resolution: "r", Category: "c"}}},
		{{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}}, {Trigger: trFinish, Command: ticketCmd{Category: "c"}}},
		{{Trigger: trFinish, Command: ticketCmd{Resolution: "r", Category: "c"}}},
		nil,
	} {
		env := newStepsEnv(t)
		env.file(t, "T-1")
		before := env.snap(t, "T-1")
		dry := env.m.DryRunSteps(bg(), alice, "T-1", steps...)
		assert.Equal(t, before, env.snap(t, "T-1"))
		_, fire := env.m.FireSteps(bg(), alice, "T-1", steps...)
		assert.Equal(t, fire, dry)
	}
}

// A key already used for the same request dry-runs as Fire replays it: no
// error; with another request, the refusal Fire gives.
func TestDryRunIdempotencyKey(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	ctx := sms.WithIdempotencyKey(bg(), "note-1")
	_, err := env.m.Fire(ctx, alice, "T-1", trNote, ticketCmd{Text: "first"})
	require.NoError(t, err)
	assert.NoError(t, env.m.DryRun(ctx, alice, "T-1", trNote, ticketCmd{Text: "first"}))
	err = env.m.DryRun(ctx, alice, "T-1", trNote, ticketCmd{Text: "another"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}

// recordOnlyWorkflow is the ticket's, with start's guard that the ticket
// names its service declared RecordOnly: no command supplies a service.
func recordOnlyWorkflow(t *testing.T) *sms.Workflow[*Ticket] {
	t.Helper()
	d := ticketDefinition()
	for i := range d.Rules {
		if d.Rules[i].Trigger == trStart {
			d.Rules[i].Guards[1].RecordOnly = true
		}
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	return wf
}

// Choices gives a screen each trigger permitted from the current status,
// where it leads, whether the actor holds a role, and whether an empty
// form would pass, needs input or is refused, with the unmet requirements
// sorted into those input can meet and those it cannot.
func TestChoices(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.m = mustMachine(t, recordOnlyWorkflow(t), env)
	ctx := bg()
	_, err := env.m.Create(ctx, rita, ticketCmd{ID: "T-1", Title: "no service named"})
	require.NoError(t, err)
	env.file(t, "T-2")
	before := env.snap(t, "T-1")
	heard := len(env.heard)

	byTrig := func(cs []sms.Choice) map[string]sms.Choice {
		out := map[string]sms.Choice{}
		for _, c := range cs {
			out[c.Trigger] = c
		}
		return out
	}
	cs, err := env.m.Choices(ctx, alice, "T-1")
	require.NoError(t, err)
	var trigs []string
	for _, c := range cs {
		trigs = append(trigs, c.Trigger)
	}
	assert.Equal(t, []string{trCancel, trNote, trStart}, trigs, "the triggers from open, in order")
	got := byTrig(cs)

	start := got[trStart]
	assert.Equal(t, stWorking, start.To)
	assert.True(t, start.HasRole)
	assert.Equal(t, sms.Refused, start.Readiness, "no command names the service the record lacks")
	assert.Equal(t, []string{"TKT-02"}, ids(start.Input))
	assert.Equal(t, []string{"TKT-09"}, ids(start.Blocked))
	assert.ErrorIs(t, start.Err, sms.ErrGuard)

	cancel := got[trCancel]
	assert.Equal(t, stCancelled, cancel.To)
	assert.False(t, cancel.HasRole)
	assert.Equal(t, sms.Refused, cancel.Readiness)
	assert.ErrorIs(t, cancel.Err, sms.ErrForbidden)

	note := got[trNote]
	assert.Equal(t, stOpen, note.To, "a trigger that keeps the status leads to it")
	assert.Equal(t, sms.NeedsInput, note.Readiness)
	assert.Equal(t, []string{"TKT-07"}, ids(note.Input))
	assert.Empty(t, note.Blocked)

	// On a ticket that names its service, start only needs input.
	cs, err = env.m.Choices(ctx, alice, "T-2")
	require.NoError(t, err)
	start = byTrig(cs)[trStart]
	assert.Equal(t, sms.NeedsInput, start.Readiness)
	assert.Equal(t, []string{"TKT-02"}, ids(start.Input))
	assert.Empty(t, start.Blocked)

	// The lead may cancel; an empty form lacks the justification.
	cs, err = env.m.Choices(ctx, lena, "T-1")
	require.NoError(t, err)
	cancel = byTrig(cs)[trCancel]
	assert.True(t, cancel.HasRole)
	assert.Equal(t, sms.NeedsInput, cancel.Readiness)
	assert.Equal(t, []string{"TKT-06"}, ids(cancel.Input))

	// A trigger an empty form passes is ready: reopen from done.
	env.working(t, "T-3")
	_, err = env.m.Fire(ctx, alice, "T-3", trFinish, ticketCmd{Resolution: "r", Category: "c"})
	require.NoError(t, err)
	cs, err = env.m.Choices(ctx, lena, "T-3")
	require.NoError(t, err)
	reopen := byTrig(cs)[trReopen]
	assert.Equal(t, sms.Ready, reopen.Readiness)
	assert.NoError(t, reopen.Err)

	assert.Equal(t, before, env.snap(t, "T-1"), "Choices changed the record")
	assert.Len(t, env.heard, heard+3, "Choices notified (only T-3's creation, start and finish were heard of)")

	_, err = env.m.Choices(ctx, alice, "T-404")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = env.m.Choices(ctx, sms.Actor{}, "T-1")
	assert.ErrorIs(t, err, sms.ErrInvalid)
	cctx, cancelCtx := context.WithCancel(ctx)
	cancelCtx()
	_, err = env.m.Choices(cctx, alice, "T-1")
	assert.ErrorIs(t, err, context.Canceled)
}

func mustMachine(t *testing.T, wf *sms.Workflow[*Ticket], env *stepsEnv) *sms.Machine[*Ticket] {
	t.Helper()
	m, err := sms.NewMachine[*Ticket](wf, env.counting, sms.Options{Now: env.clock.Now,
		Observer: sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
			env.heard = append(env.heard, ev.Entry.Trigger)
			return nil
		})})
	require.NoError(t, err)
	return m
}

// A refusal of a trigger the status does not permit names the statuses the
// permitted triggers lead to.
func TestTransitionErrorTargets(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "r", Category: "c"})
	var te *sms.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{trCancel, trNote, trStart}, te.Permitted)
	assert.Equal(t, []string{stCancelled, stOpen, stWorking}, te.Targets)
	assert.Equal(t, []string{stCancelled, stOpen, stWorking}, ticketWorkflow(t).Targets(stOpen))
	assert.Equal(t, []string{stCancelled}, ticketWorkflow(t).Targets(stCancelled), "note keeps cancelled")
}
