package problem

import (
	"context"
	"fmt"
	"strings"

	"github.com/iso20k/sms"
)

// ChangeOutcome is what the host's change management says of a change.
type ChangeOutcome string

// Change outcomes.
const (
	// ChangeOpen: the change exists and is not finished.
	ChangeOpen ChangeOutcome = "open"
	// ChangeSuccessful: the change closed successful.
	ChangeSuccessful ChangeOutcome = "successful"
	// ChangeFailed: the change closed unsuccessful, or was rejected or
	// cancelled.
	ChangeFailed ChangeOutcome = "failed"
)

// ChangeLookup is how the problem service asks the host about a change
// (PRB-06, PRB-09): process packages never import each other, so the host
// answers, with the change package or its own records. ChangeOutcome
// returns the change's outcome, or an error that wraps [sms.ErrNotFound]
// when no such change exists; any other error stops the transition.
type ChangeLookup interface {
	ChangeOutcome(ctx context.Context, changeID string) (ChangeOutcome, error)
}

// ChangeLookupFunc adapts a function to [ChangeLookup].
type ChangeLookupFunc func(ctx context.Context, changeID string) (ChangeOutcome, error)

// ChangeOutcome calls f.
func (f ChangeLookupFunc) ChangeOutcome(ctx context.Context, id string) (ChangeOutcome, error) {
	return f(ctx, id)
}

// CommunicationKind says what a problem communicates to its incidents
// (PRB-15).
type CommunicationKind string

// Communication kinds.
const (
	// CommunicateWorkaround: the known error's workaround or mitigation.
	CommunicateWorkaround CommunicationKind = "workaround"
	// CommunicateFix: the fix was applied.
	CommunicateFix CommunicationKind = "fix"
)

// Communication is what the problem service hands the host for each linked
// incident when it propagates a workaround or fix (PRB-15).
type Communication struct {
	Problem    string
	KnownError string
	Kind       CommunicationKind
	// Text is the workaround, the mitigation plan or the fix, ready to
	// record on the incident.
	Text string
	// Change is the change that applied the fix, for CommunicateFix.
	Change string
}

// IncidentNotifier records a communication on one incident, as a journal
// entry of that incident (an action taken or a note), never as a silent
// change of its status (PRB-15). The host implements it, typically with
// incident.Service.RecordAction. An error leaves that incident uninformed.
type IncidentNotifier interface {
	Inform(ctx context.Context, a sms.Actor, incidentID string, c Communication) error
}

// IncidentNotifierFunc adapts a function to [IncidentNotifier].
type IncidentNotifierFunc func(ctx context.Context, a sms.Actor, incidentID string, c Communication) error

// Inform calls f.
func (f IncidentNotifierFunc) Inform(ctx context.Context, a sms.Actor, id string, c Communication) error {
	return f(ctx, a, id, c)
}

// PropagationError reports the incidents a propagation could not inform.
// When the notifier informed others (Informed), the problem records them:
// the method returns the problem as committed beside this error, which
// then matches [sms.ErrFollowUp] (committed, with incidents still to
// inform: propagating again informs the rest). When it informed none,
// nothing changed and the error comes alone.
type PropagationError struct {
	Problem string
	// Failed maps each incident not informed to the notifier's error.
	Failed map[string]error
	// Informed lists the incidents the notifier did inform, which the
	// problem recorded; empty when none was.
	Informed []string
}

// Error implements the error interface.
func (e *PropagationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "problem %q: %d incident(s) not informed:", e.Problem, len(e.Failed))
	for _, id := range sortedKeys(e.Failed) {
		fmt.Fprintf(&b, " %s (%v);", id, e.Failed[id])
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns the notifier's errors, and [sms.ErrFollowUp] when the
// problem recorded the incidents that were informed.
func (e *PropagationError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed)+1)
	if len(e.Informed) > 0 {
		out = append(out, sms.ErrFollowUp)
	}
	for _, id := range sortedKeys(e.Failed) {
		out = append(out, e.Failed[id])
	}
	return out
}

// FollowUpError reports a problem transition that was committed while the
// step it implies on the known error (recording it, or retiring it) failed:
// only with stores that cannot commit the two atomically (see [Service]).
// The method returns the problem as the transition left it beside this
// error; [Service.Reconcile] completes the step. It matches
// [sms.ErrFollowUp] with errors.Is, and the error of the failed step.
type FollowUpError struct {
	Problem    string
	KnownError string
	// Step is "record" or "retire".
	Step string
	Err  error
}

// Error implements the error interface.
func (e *FollowUpError) Error() string {
	return fmt.Sprintf("problem %q: committed, but could not %s known error %q: %v (call Reconcile)", e.Problem, e.Step, e.KnownError, e.Err)
}

// Unwrap returns [sms.ErrFollowUp] and the error of the failed step.
func (e *FollowUpError) Unwrap() []error {
	if e.Err == nil {
		return []error{sms.ErrFollowUp}
	}
	return []error{sms.ErrFollowUp, e.Err}
}
