package sms

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Step is one transition of a sequence that [Machine.FireSteps] commits
// at once: the trigger to fire and its command.
type Step struct {
	Trigger string
	Command Command
}

// MaxSteps is the most steps one sequence may hold: each becomes a journal
// entry of one commit, so a sequence is bounded like any other input.
const MaxSteps = 64

// FireSteps runs several transitions on the stored entity id as one: resume
// then resolve, assign then start. It returns the entity as the last step
// left it.
//
// Each step goes through the whole pipeline a single [Machine.Fire] runs
// (its command's checks, the authorization with the host's [Authorizer],
// the rule's preparation, approval, segregation of duties, guards, effects
// and required fields), in order, on one working copy: a step sees what
// the earlier steps did, so segregation of duties compares the actor with
// the parties the earlier steps of the sequence established too, and a
// guard sees the fields they set. All the steps share one instant from the
// machine's clock. The sequence is then committed at once: one
// [Store.Commit] of the entity with the version it was read at, and one
// journal entry per step (versions v+1 to v+n, each chained to the one
// before it), so that the journal reads as if each had been fired alone.
// Observers hear of each entry, in order, after the commit (inside
// [Atomically], once the whole commit stands).
//
// All or nothing: when a step fails, nothing is stored and the error is a
// [*StepError] naming the step, which unwraps to the step's own error
// ([errors.Is](err, [ErrGuard]) and [errors.As] with a [*GuardError] see
// through it). Errors that belong to no step are returned as they are: an
// invalid actor or id, the load of the entity, a conflict or another
// failure of the commit. An empty sequence, one of more than [MaxSteps]
// steps and a nil command are refused with a [*ValidationError] (the nil
// command's in a [*StepError]).
//
// Follow-ups: only the last step's trigger may declare one ([Rule].FollowUp);
// an earlier one is refused with a [*ValidationError] in a [*StepError],
// before anything is read, since its write to another record would have to
// see a commit the rest of the sequence has not made. The last step's
// follow-up runs as it does after a single Fire: in one atomic commit with
// the whole sequence where the stores offer one, else after its commit.
//
// Idempotency: an idempotency key in ctx ([WithIdempotencyKey]) covers the
// whole sequence. It is written on the sequence's first journal entry,
// with the digest of every step (trigger and command, in order) and of the
// actor and entity; a retry of the same sequence with the key returns the
// entity as stored now instead of applying it twice, and the same key with
// another sequence, or with a single Fire, is refused with a
// [*ValidationError].
//
// A sequence of one step is what Fire does, but for its errors, which a
// StepError wraps.
func (m *Machine[E]) FireSteps(ctx context.Context, a Actor, id string, steps ...Step) (E, error) {
	if n := len(steps); n > 0 && n <= MaxSteps && m.wf.follows[steps[n-1].Trigger] {
		return m.fireFollowing(ctx, a, id, steps, true)
	}
	return m.pipeline(ctx, a, id, steps, true, followAfter)
}

// DoSteps runs cmds as a sequence ([Machine.FireSteps]) on the stored
// entity id, each as the transition that takes its type (see
// [Workflow.TriggerOf]), as [Machine.Do] does for one command. A nil
// command, one whose type no single trigger takes and the creating
// command (a sequence acts on a stored record) are refused with a
// [*ValidationError] in a [*StepError] naming it. It is what a process
// Service's sequence method is made of: one line.
func (m *Machine[E]) DoSteps(ctx context.Context, a Actor, id string, cmds ...Command) (E, error) {
	var zero E
	steps, err := m.stepsOf(id, cmds)
	if err != nil {
		return zero, err
	}
	return m.FireSteps(ctx, a, id, steps...)
}

// stepsOf resolves the trigger of each command.
func (m *Machine[E]) stepsOf(id string, cmds []Command) ([]Step, error) {
	if len(cmds) > MaxSteps {
		return nil, &ValidationError{Kind: m.kind(), Field: "steps", Problem: fmt.Sprintf("has %d steps, more than %d", len(cmds), MaxSteps)}
	}
	steps := make([]Step, len(cmds))
	for i, cmd := range cmds {
		trigger, err := m.storedTrigger(cmd)
		if err != nil {
			return nil, &StepError{Kind: m.kind(), ID: id, Step: i, Steps: len(cmds), Trigger: trigger, Err: err}
		}
		steps[i] = Step{Trigger: trigger, Command: cmd}
	}
	return steps, nil
}

// requestSteps digests what a keyed sequence asks for: every step's
// request ([Machine.request]), in order, under a prefix of its own, so
// that no sequence is taken for a single transition.
func (m *Machine[E]) requestSteps(a Actor, id string, steps []Step) (Hash, error) {
	b := make([]byte, 0, 16+len(steps)*len(Hash{}))
	b = append(b, "sms/steps/v1"...)
	b = binary.AppendUvarint(b, uint64(len(steps)))
	for _, s := range steps {
		h, err := m.request(a, id, s.Trigger, s.Command)
		if err != nil {
			return Hash{}, err
		}
		b = append(b, h[:]...)
	}
	return sha256.Sum256(b), nil
}

// StepError reports the step of a sequence ([Machine.FireSteps]) that
// failed: nothing of the sequence was stored. It unwraps to the step's own
// error, so that [errors.Is] and [errors.As] see through it to a
// [*GuardError], a [*ForbiddenError], a [*TransitionError] or a
// [*ValidationError], and match their category.
type StepError struct {
	Kind Kind
	ID   string
	// Step is the index of the failed step in the sequence, from 0; Steps
	// is the sequence's length.
	Step  int
	Steps int
	// Trigger is the failed step's trigger ("" for a command DoSteps
	// could not resolve to one).
	Trigger string
	// Err is the step's own error.
	Err error
}

// Error names the step, counting from 1 as a person does, and its error.
func (e *StepError) Error() string {
	trigger := e.Trigger
	if trigger == "" {
		trigger = "no trigger"
	}
	return fmt.Sprintf("%s: step %d of %d (%s) failed, nothing was stored: %v", subject(e.Kind, e.ID), e.Step+1, e.Steps, trigger, e.Err)
}

// Unwrap returns the step's own error.
func (e *StepError) Unwrap() error { return e.Err }
