package sms

import (
	"context"
	"errors"
	"fmt"
)

// FollowUp is a write to another record that a transition implies: a
// failed standard change suspends its template, a problem declared a
// known error records it. A rule declares it ([Rule].FollowUp) and the
// pipeline runs it once the transition's commit is made, so that
// [Machine.Fire], a process Service's Do and its typed method do the same.
//
// Where the machine's store offers [Atomic], on one backend with the
// stores the follow-up writes to ([CommitTogether]), the transition and
// the follow-up's writes are one atomic commit: both stand or neither. When Run fails inside it, or
// its write conflicts at the commit, nothing is committed; then an
// Essential follow-up refuses the transition with Run's error, and any
// other has the transition committed alone and Run tried again after it.
// Without the capability Run follows the transition's commit. A follow-up
// that fails after the commit (tried up to three times while it meets a
// [*ConflictError]) leaves the transition standing: Fire returns the
// entity as committed and a follow-up error (Failed's, or a
// [*FollowUpError]), which matches [ErrFollowUp]; the process reconciles.
// Inside an atomic commit the host opened, Run's error is the
// transition's, and the host's commit does not stand.
type FollowUp[E any] struct {
	// Run performs the write with the context it is given (the atomic
	// commit's, where there is one) and the transition as committed:
	// t.Entity carries its new version. It returns nil when there is
	// nothing to do. Required.
	Run func(ctx context.Context, t *Transition[E]) error
	// Essential says the transition must not stand without its follow-up
	// where the store could have committed both: a failure inside the
	// atomic commit refuses the transition, rather than committing it
	// alone.
	Essential bool
	// Stores lists the stores Run writes to: the atomic commit is used
	// only when they commit together with the machine's ([CommitTogether]).
	// Nil means the machine's store alone.
	Stores []any
	// Failed, when set, returns the error a follow-up that failed after
	// the transition's commit reports (a process's own type, naming both
	// records); it must match [ErrFollowUp]. A [*FollowUpError] otherwise.
	Failed func(t *Transition[E], err error) error
}

// FollowUpError reports a transition that was committed while the write
// to another record it implies failed. The transition stands; the follow-up
// is still due. It matches [ErrFollowUp], and unwraps to the cause.
type FollowUpError struct {
	Kind    Kind
	ID      string
	Trigger string
	Err     error
}

// Error says which transition stands and what did not follow.
func (e *FollowUpError) Error() string {
	return fmt.Sprintf("%s: %s committed, but its follow-up failed: %v", subject(e.Kind, e.ID), e.Trigger, e.Err)
}

// Unwrap returns [ErrFollowUp] and the cause.
func (e *FollowUpError) Unwrap() []error { return []error{ErrFollowUp, e.Err} }

// following says how the pipeline runs a rule's follow-up after the
// commit, or that it commits nothing.
type following int

const (
	followAfter  following = iota // after a commit of its own: retried, then reported as a follow-up error
	followInside                  // inside the atomic commit: its error is the transition's
	dryRun                        // every check, no commit, no notification, no follow-up
)

// follow runs the follow-up of a transition just committed.
func (m *Machine[E]) follow(ctx context.Context, fu *FollowUp[E], t *Transition[E], how following) error {
	if how == followInside {
		return fu.Run(ctx, t)
	}
	var err error
	for range 3 {
		if err = fu.Run(ctx, t); err == nil || !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err == nil {
		return nil
	}
	if fu.Failed != nil {
		if ferr := fu.Failed(t, err); ferr != nil {
			return ferr
		}
	}
	return &FollowUpError{Kind: m.kind(), ID: t.Entity.Metadata().ID, Trigger: t.Trigger, Err: err}
}

// fireFollowing runs a transition, or a sequence, whose last trigger's
// rules declare a follow-up: in one atomic commit with it where the store
// offers one, else (or, for a follow-up not essential, when that commit
// failed for the follow-up's sake) with the follow-up after the commit.
func (m *Machine[E]) fireFollowing(ctx context.Context, a Actor, id string, steps []Step, seq bool) (E, error) {
	trigger := steps[len(steps)-1].Trigger
	if !CommitTogether(append([]any{m.store}, m.followStores(trigger)...)...) {
		return m.pipeline(ctx, a, id, steps, seq, followAfter)
	}
	if pendingOf(ctx) != nil {
		return m.pipeline(ctx, a, id, steps, seq, followInside) // the host's atomic commit
	}
	var e E
	ran := false // the transition and its follow-up ran; the atomic commit may still fail
	err := Atomically(ctx, m.store, func(ctx context.Context) error {
		var err error
		e, err = m.pipeline(ctx, a, id, steps, seq, followInside)
		ran = err == nil
		return err
	})
	var ce *ConflictError
	switch {
	case err == nil:
		return e, nil
	case errors.Is(err, errFollowUpInside):
		// Run failed: nothing is committed.
	case ran && errors.As(err, &ce) && (ce.Kind != m.kind() || ce.ID != id):
		// The follow-up's write conflicted at the commit: nothing is.
	default:
		var zero E
		return zero, err // the transition's own refusal, conflict or unknown outcome
	}
	if m.essential(trigger) {
		var zero E
		return zero, unwrapInside(err)
	}
	return m.pipeline(ctx, a, id, steps, seq, followAfter)
}

// errFollowUpInside marks a follow-up's failure inside an atomic commit.
var errFollowUpInside = errors.New("sms: follow-up failed inside the commit")

// insideError is a follow-up's failure inside the atomic commit fire runs
// in: it rolls the commit back, and says it was the follow-up's.
type insideError struct{ err error }

func (e *insideError) Error() string   { return e.err.Error() }
func (e *insideError) Unwrap() []error { return []error{errFollowUpInside, e.err} }

// unwrapInside returns the follow-up's own error.
func unwrapInside(err error) error {
	var ie *insideError
	if errors.As(err, &ie) {
		return ie.err
	}
	return err
}

// followStores returns the stores the trigger's follow-ups write to.
func (m *Machine[E]) followStores(trigger string) []any {
	var out []any
	for _, r := range m.wf.def.Rules {
		if r.Trigger == trigger && r.FollowUp != nil {
			out = append(out, r.FollowUp.Stores...)
		}
	}
	return out
}

// essential reports whether the trigger's follow-up is essential.
func (m *Machine[E]) essential(trigger string) bool {
	for _, r := range m.wf.def.Rules {
		if r.Trigger == trigger && r.FollowUp != nil && r.FollowUp.Essential {
			return true
		}
	}
	return false
}
