package sms

import (
	"fmt"
	"strings"
)

// sentinel is the type of the package's error categories. Its values are
// constants, so no caller can reassign them.
type sentinel string

// Error implements the error interface.
func (s sentinel) Error() string { return string(s) }

// Error categories. Every error the library returns matches exactly one of
// them with [errors.Is]; the typed errors below carry the details and unwrap
// to their category.
const (
	// ErrNotFound is returned when an entity does not exist in the store. The
	// error is a [*NotFoundError].
	ErrNotFound = sentinel("sms: not found")

	// ErrExists is returned by Create when an entity with the same ID is
	// already stored. The error is an [*ExistsError].
	ErrExists = sentinel("sms: already exists")

	// ErrConflict is returned by Commit, and by every transition, when the
	// stored entity changed since it was read: another writer won. Nothing
	// was written. Read the entity again and retry if the transition still
	// makes sense. The error is a [*ConflictError].
	ErrConflict = sentinel("sms: version conflict")

	// ErrTransition is returned when the workflow has no rule for the trigger
	// in the entity's current state. The error is a [*TransitionError] that
	// names the triggers the state permits.
	ErrTransition = sentinel("sms: transition not allowed")

	// ErrGuard is returned when a transition is allowed from the current
	// state but requirements of the standard are not met. The error is a
	// [*GuardError] listing every unmet requirement, not only the first.
	ErrGuard = sentinel("sms: requirement not met")

	// ErrForbidden is returned when the actor lacks a role the rule demands,
	// is excluded by segregation of duties, or is refused by the host's
	// [Authorizer]. The error is a [*ForbiddenError].
	ErrForbidden = sentinel("sms: forbidden")

	// ErrInvalid is returned for malformed input: an empty actor, an unknown
	// enumeration value, a bad query, a badly formed command. The error is a
	// [*ValidationError].
	ErrInvalid = sentinel("sms: invalid input")

	// ErrCorrupt is returned when a journal does not verify, a stored
	// record does not match its journal or cannot be decoded, or a commit
	// would extend a journal whose last entry is not the one the entity's
	// head names. Nothing was written. The error is a [*JournalError] or a
	// [*CorruptError].
	ErrCorrupt = sentinel("sms: corrupt record")

	// ErrUnknownOutcome is returned when a write failed in a way that leaves
	// its outcome unknown: the connection was lost or the context ended
	// while the database was committing, so the transition may or may not
	// have been stored. Retry the same command with the same idempotency key
	// (see [WithIdempotencyKey]): the retry returns the committed result if
	// the first attempt was stored, and applies it once otherwise. Without a
	// key, read the entity and its journal before deciding. The error is an
	// [*UnknownOutcomeError].
	ErrUnknownOutcome = sentinel("sms: outcome unknown")

	// ErrFollowUp is returned when a transition was committed but the
	// write to another record it implies failed (a rule's [FollowUp]:
	// problem's known error, change's template suspension). The
	// transition stands; the process package's Reconcile completes the
	// follow-up. The error is the process package's own type, which names
	// both records, or a [*FollowUpError].
	ErrFollowUp = sentinel("sms: committed, follow-up failed")
)

// subject begins an error message: the kind and the quoted ID, with "sms"
// standing in for an unknown kind and the ID left out when there is none
// (an entity not yet created, an approval rule checked on its own).
func subject(k Kind, id string) string {
	if k == "" {
		k = "sms"
	}
	if id == "" {
		return string(k)
	}
	return fmt.Sprintf("%s %q", k, id)
}

// UnknownOutcomeError reports a write whose outcome the store cannot know;
// see [ErrUnknownOutcome].
type UnknownOutcomeError struct {
	Kind Kind
	ID   string
	// Key is the idempotency key the write carried, or "" when it had none.
	Key string
	// Err is the store's or the context's error.
	Err error
}

// Error implements the error interface.
func (e *UnknownOutcomeError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("%s: the write may or may not have been stored (retry with the idempotency key %q): %v", subject(e.Kind, e.ID), e.Key, e.Err)
	}
	return fmt.Sprintf("%s: the write may or may not have been stored (read the entity before retrying): %v", subject(e.Kind, e.ID), e.Err)
}

// Unwrap returns [ErrUnknownOutcome] and the underlying error.
func (e *UnknownOutcomeError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrUnknownOutcome, e.Err}
	}
	return []error{ErrUnknownOutcome}
}

// NotFoundError reports an entity that is not stored.
type NotFoundError struct {
	Kind Kind
	ID   string
}

// Error implements the error interface.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: not found", subject(e.Kind, e.ID))
}

// Unwrap returns [ErrNotFound].
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// ExistsError reports an attempt to create an entity whose ID is taken.
type ExistsError struct {
	Kind Kind
	ID   string
}

// Error implements the error interface.
func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s: already exists", subject(e.Kind, e.ID))
}

// Unwrap returns [ErrExists].
func (e *ExistsError) Unwrap() error { return ErrExists }

// ConflictError reports a lost optimistic-concurrency race: the caller read
// version Expected, but the store holds Actual.
type ConflictError struct {
	Kind     Kind
	ID       string
	Expected int64
	// Actual is the stored version, or -1 when the store could not tell.
	Actual int64
}

// Error implements the error interface.
func (e *ConflictError) Error() string {
	if e.Actual < 0 {
		return fmt.Sprintf("%s: version conflict: expected version %d, the stored entity has changed", subject(e.Kind, e.ID), e.Expected)
	}
	return fmt.Sprintf("%s: version conflict: expected version %d, stored version is %d", subject(e.Kind, e.ID), e.Expected, e.Actual)
}

// Unwrap returns [ErrConflict].
func (e *ConflictError) Unwrap() error { return ErrConflict }

// TransitionError reports a trigger the workflow does not allow from the
// entity's current state.
type TransitionError struct {
	Kind    Kind
	ID      string
	State   string
	Trigger string
	// Permitted lists, sorted, the triggers the workflow allows from State
	// (for any role).
	Permitted []string
	// Targets lists, sorted and each once, the statuses the permitted
	// triggers lead to (State itself for a trigger that keeps it): what a
	// screen may offer instead.
	Targets []string
	// Requirements are the requirements the trigger's source states
	// enforce, when its rules cite any: firing it from State breaks them.
	Requirements []Requirement
}

// Error implements the error interface.
func (e *TransitionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s is not allowed from %s", subject(e.Kind, e.ID), e.Trigger, e.State)
	if e.State == "" {
		b.Reset()
		fmt.Fprintf(&b, "%s: %s does not create an entity", subject(e.Kind, ""), e.Trigger)
	}
	if len(e.Permitted) > 0 {
		b.WriteString(" (permitted: ")
		b.WriteString(strings.Join(e.Permitted, ", "))
		b.WriteString(")")
	} else if e.State != "" {
		b.WriteString(" (no trigger is permitted)")
	}
	for i, r := range e.Requirements {
		if i == 0 {
			b.WriteString("; it would break")
		} else {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (clause %s): %s", r.ID, r.Clause, r.Text)
	}
	return b.String()
}

// Unwrap returns [ErrTransition].
func (e *TransitionError) Unwrap() error { return ErrTransition }

// GuardError reports every requirement a transition failed to meet.
type GuardError struct {
	Kind    Kind
	ID      string
	State   string
	Trigger string
	// Unmet lists the requirements not met, in the order the rule declares
	// them; never empty.
	Unmet []Requirement
}

// Error implements the error interface.
func (e *GuardError) Error() string {
	var b strings.Builder
	if e.State == "" { // a creating trigger: there is no status yet
		fmt.Fprintf(&b, "%s: %s refused:", subject(e.Kind, e.ID), e.Trigger)
	} else {
		fmt.Fprintf(&b, "%s: %s from %s refused:", subject(e.Kind, e.ID), e.Trigger, e.State)
	}
	for i, r := range e.Unmet {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (clause %s): %s", r.ID, r.Clause, r.Text)
	}
	return b.String()
}

// Unwrap returns [ErrGuard].
func (e *GuardError) Unwrap() error { return ErrGuard }

// Has reports whether the requirement with the given ID is among the unmet.
func (e *GuardError) Has(id string) bool {
	for _, r := range e.Unmet {
		if r.ID == id {
			return true
		}
	}
	return false
}

// IDs returns the IDs of the unmet requirements, in order.
func (e *GuardError) IDs() []string {
	ids := make([]string, len(e.Unmet))
	for i, r := range e.Unmet {
		ids[i] = r.ID
	}
	return ids
}

// ForbiddenError reports an actor who may not fire a trigger.
type ForbiddenError struct {
	Kind    Kind
	ID      string
	Trigger string
	Actor   string
	// Roles lists the roles the rule accepts, one of which the actor lacks;
	// empty when the refusal came from segregation of duties or the host.
	Roles []Role
	// Requirement is the requirement behind the refusal, when there is one
	// (segregation of duties, for example).
	Requirement Requirement
	// Reason says why, in a sentence.
	Reason string
	// Err is the host authorizer's error, when it refused.
	Err error
}

// Error implements the error interface.
func (e *ForbiddenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: actor %q may not %s: %s", subject(e.Kind, e.ID), e.Actor, e.Trigger, e.Reason)
	if e.Requirement.ID != "" {
		fmt.Fprintf(&b, " (%s, clause %s)", e.Requirement.ID, e.Requirement.Clause)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns [ErrForbidden] and, when the host refused, its error.
func (e *ForbiddenError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrForbidden, e.Err}
	}
	return []error{ErrForbidden}
}

// ValidationError reports malformed input.
type ValidationError struct {
	// Kind is the process whose input it was; empty for kernel input.
	Kind Kind
	// Field names the offending input, such as "actor.id" or "impact".
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	prefix := "sms"
	if e.Kind != "" {
		prefix = string(e.Kind)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: invalid input: %s", prefix, e.Problem)
	}
	return fmt.Sprintf("%s: invalid %s: %s", prefix, e.Field, e.Problem)
}

// Unwrap returns [ErrInvalid].
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Invalid returns a [*ValidationError] for the named field. Process packages
// use it in their commands' Validate methods.
func Invalid(kind Kind, field, format string, args ...any) error {
	return &ValidationError{Kind: kind, Field: field, Problem: fmt.Sprintf(format, args...)}
}

// CorruptError reports a stored record that cannot be decoded or holds a
// value the code does not know.
type CorruptError struct {
	Kind Kind
	ID   string
	// Problem says what is wrong.
	Problem string
	// Err is the underlying decoding error, if any.
	Err error
}

// Error implements the error interface.
func (e *CorruptError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: corrupt record: %s: %v", subject(e.Kind, e.ID), e.Problem, e.Err)
	}
	return fmt.Sprintf("%s: corrupt record: %s", subject(e.Kind, e.ID), e.Problem)
}

// Unwrap returns [ErrCorrupt] and the underlying error, if any.
func (e *CorruptError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCorrupt, e.Err}
	}
	return []error{ErrCorrupt}
}
