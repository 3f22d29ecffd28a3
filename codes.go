package sms

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Refusal is an error a host can show its users in their own language: a
// message key that is stable (documented below, never renamed: a new case
// gets a new key), the values the message names, by parameter name, and
// the IDs of the requirements behind it. The English Error() text stays
// what it was; the key and its parameters are what a translation table
// keys on.
//
// Every typed error of the kernel is a Refusal. The keys and the
// parameters each one always carries (empty when the error does not know
// the value), with "+ requirements" where RequirementIDs may name some:
//
//	sms.not_found(kind, id)
//	sms.exists(kind, id)
//	sms.conflict.version(kind, id, expected, actual)
//	sms.transition.not_allowed(kind, id, state, trigger, permitted, targets) + requirements
//	sms.transition.not_creating(kind, trigger)
//	sms.guard.unmet(kind, id, state, trigger) + requirements
//	sms.forbidden.role(kind, id, trigger, actor, roles) + requirements
//	sms.forbidden.segregation(kind, id, trigger, actor) + requirements
//	sms.forbidden.host(kind, id, trigger, actor)
//	sms.validation.invalid(kind, field, problem)
//	sms.corrupt.record(kind, id, problem)
//	sms.corrupt.journal(kind, id, seq, problem)
//	sms.outcome.unknown(kind, id, key)
//	sms.follow_up.failed(kind, id, trigger)
//	sms.step.failed(kind, id, position, steps, trigger)
//	sms.personal.erased(id, at)
//
// [Messages] returns the same table, with a sentence for each key, for a
// host's test that its translations cover every key. Parameters hold
// identifiers as the library knows them (kinds, statuses, triggers, roles
// and fields are persisted names a host may translate too); a list
// (permitted, targets, roles) is joined with ", "; numbers are decimal;
// times are RFC 3339 in UTC. Two parameters are English sentences, not
// codes: problem, which says what is wrong with an input or a record, and
// no key distinguishes its cases. A guard's refusal is identified by its
// requirement IDs (INC-07); the sentence of each unmet guard is English
// text in [GuardError].Unmet.
//
// A [*StepError] is a refusal of its own (sms.step.failed, naming the step
// from 1 in position); [RefusalOf] returns it, and RefusalOf of its Err the
// step's own refusal.
type Refusal interface {
	error
	// MessageKey returns the message key.
	MessageKey() string
	// MessageParams returns the message's parameters, every one the key
	// lists, in a new map the caller owns.
	MessageParams() map[string]string
	// RequirementIDs returns the IDs of the requirements the refusal
	// cites, in order, each once; nil when it cites none.
	RequirementIDs() []string
}

// RefusalOf returns the first error in err's chain that is a [Refusal]
// (see [errors.As]): for a [*StepError], the StepError itself.
func RefusalOf(err error) (Refusal, bool) {
	var r Refusal
	if errors.As(err, &r) {
		return r, true
	}
	return nil, false
}

// The message keys. Their values are stable: never renamed or reused.
const (
	MsgNotFound              = "sms.not_found"
	MsgExists                = "sms.exists"
	MsgConflictVersion       = "sms.conflict.version"
	MsgTransitionNotAllowed  = "sms.transition.not_allowed"
	MsgTransitionNotCreating = "sms.transition.not_creating"
	MsgGuardUnmet            = "sms.guard.unmet"
	MsgForbiddenRole         = "sms.forbidden.role"
	MsgForbiddenSegregation  = "sms.forbidden.segregation"
	MsgForbiddenHost         = "sms.forbidden.host"
	MsgValidationInvalid     = "sms.validation.invalid"
	MsgCorruptRecord         = "sms.corrupt.record"
	MsgCorruptJournal        = "sms.corrupt.journal"
	MsgOutcomeUnknown        = "sms.outcome.unknown"
	MsgFollowUpFailed        = "sms.follow_up.failed"
	MsgStepFailed            = "sms.step.failed"
	MsgPersonalErased        = "sms.personal.erased"
)

// Message describes one message key of the [Refusal] table.
type Message struct {
	Key string
	// Params are the parameter names every refusal under the key carries.
	Params []string
	// Requirements says whether its refusals may cite requirements
	// ([Refusal].RequirementIDs).
	Requirements bool
	// Doc says, in English, when the key is used.
	Doc string
}

// Messages returns the table of every message key, in the order of the
// [Refusal] documentation: what a host's translation table must cover.
func Messages() []Message {
	return []Message{
		{MsgNotFound, []string{"kind", "id"}, false, "the record is not stored (NotFoundError)"},
		{MsgExists, []string{"kind", "id"}, false, "a record with the ID is already stored (ExistsError)"},
		{MsgConflictVersion, []string{"kind", "id", "expected", "actual"}, false, "the record changed since it was read; actual is empty when the store cannot tell (ConflictError)"},
		{MsgTransitionNotAllowed, []string{"kind", "id", "state", "trigger", "permitted", "targets"}, true, "the workflow has no such transition from the record's status (TransitionError)"},
		{MsgTransitionNotCreating, []string{"kind", "trigger"}, false, "the trigger does not create a record (TransitionError without a state)"},
		{MsgGuardUnmet, []string{"kind", "id", "state", "trigger"}, true, "requirements of the standard are not met (GuardError)"},
		{MsgForbiddenRole, []string{"kind", "id", "trigger", "actor", "roles"}, true, "the actor holds none of the roles that may (ForbiddenError with roles)"},
		{MsgForbiddenSegregation, []string{"kind", "id", "trigger", "actor"}, true, "segregation of duties excludes the actor, or they already decided (ForbiddenError without roles)"},
		{MsgForbiddenHost, []string{"kind", "id", "trigger", "actor"}, false, "the host's Authorizer refused (ForbiddenError wrapping its error)"},
		{MsgValidationInvalid, []string{"kind", "field", "problem"}, false, "malformed input; problem is an English sentence (ValidationError)"},
		{MsgCorruptRecord, []string{"kind", "id", "problem"}, false, "a stored record cannot be used; problem is an English sentence (CorruptError)"},
		{MsgCorruptJournal, []string{"kind", "id", "seq", "problem"}, false, "a journal entry does not verify; problem is an English sentence (JournalError)"},
		{MsgOutcomeUnknown, []string{"kind", "id", "key"}, false, "the write may or may not be stored; retry with the idempotency key, if any (UnknownOutcomeError)"},
		{MsgFollowUpFailed, []string{"kind", "id", "trigger"}, false, "the transition stands but its write to another record failed (FollowUpError)"},
		{MsgStepFailed, []string{"kind", "id", "position", "steps", "trigger"}, false, "a step of a sequence failed, counted from 1, and nothing was stored (StepError)"},
		{MsgPersonalErased, []string{"id", "at"}, false, "a sealed personal value was erased (ErasedError)"},
	}
}

// join joins a list parameter.
func join[S ~string](list []S) string {
	var b strings.Builder
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// requirementIDs returns the IDs of reqs, each once, in order.
func requirementIDs(reqs ...Requirement) []string {
	var out []string
	for _, r := range reqs {
		if r.ID != "" && !slices.Contains(out, r.ID) {
			out = append(out, r.ID)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// MessageKey returns [MsgNotFound].
func (e *NotFoundError) MessageKey() string { return MsgNotFound }

// MessageParams returns kind and id.
func (e *NotFoundError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID}
}

// RequirementIDs returns nil.
func (e *NotFoundError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgExists].
func (e *ExistsError) MessageKey() string { return MsgExists }

// MessageParams returns kind and id.
func (e *ExistsError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID}
}

// RequirementIDs returns nil.
func (e *ExistsError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgConflictVersion].
func (e *ConflictError) MessageKey() string { return MsgConflictVersion }

// MessageParams returns kind, id, expected and actual (empty when the
// store could not tell).
func (e *ConflictError) MessageParams() map[string]string {
	actual := ""
	if e.Actual >= 0 {
		actual = itoa(e.Actual)
	}
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "expected": itoa(e.Expected), "actual": actual}
}

// RequirementIDs returns nil.
func (e *ConflictError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgTransitionNotAllowed], or
// [MsgTransitionNotCreating] when State is empty.
func (e *TransitionError) MessageKey() string {
	if e.State == "" {
		return MsgTransitionNotCreating
	}
	return MsgTransitionNotAllowed
}

// MessageParams returns kind, id, state, trigger, permitted and targets;
// kind and trigger alone when State is empty.
func (e *TransitionError) MessageParams() map[string]string {
	if e.State == "" {
		return map[string]string{"kind": string(e.Kind), "trigger": e.Trigger}
	}
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "state": e.State, "trigger": e.Trigger,
		"permitted": join(e.Permitted), "targets": join(e.Targets)}
}

// RequirementIDs returns the IDs of Requirements.
func (e *TransitionError) RequirementIDs() []string {
	if e.State == "" {
		return nil
	}
	return requirementIDs(e.Requirements...)
}

// MessageKey returns [MsgGuardUnmet].
func (e *GuardError) MessageKey() string { return MsgGuardUnmet }

// MessageParams returns kind, id, state and trigger.
func (e *GuardError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "state": e.State, "trigger": e.Trigger}
}

// RequirementIDs returns the IDs of the unmet requirements, each once.
func (e *GuardError) RequirementIDs() []string { return requirementIDs(e.Unmet...) }

// MessageKey returns [MsgForbiddenHost] when the host's Authorizer
// refused (Err is set), [MsgForbiddenRole] when the actor lacks a role
// (Roles is set), else [MsgForbiddenSegregation].
func (e *ForbiddenError) MessageKey() string {
	switch {
	case e.Err != nil:
		return MsgForbiddenHost
	case len(e.Roles) > 0:
		return MsgForbiddenRole
	}
	return MsgForbiddenSegregation
}

// MessageParams returns kind, id, trigger and actor, and roles for
// [MsgForbiddenRole].
func (e *ForbiddenError) MessageParams() map[string]string {
	p := map[string]string{"kind": string(e.Kind), "id": e.ID, "trigger": e.Trigger, "actor": e.Actor}
	if e.MessageKey() == MsgForbiddenRole {
		p["roles"] = join(e.Roles)
	}
	return p
}

// RequirementIDs returns the ID of Requirement, if any, unless the host
// refused.
func (e *ForbiddenError) RequirementIDs() []string {
	if e.Err != nil {
		return nil
	}
	return requirementIDs(e.Requirement)
}

// MessageKey returns [MsgValidationInvalid].
func (e *ValidationError) MessageKey() string { return MsgValidationInvalid }

// MessageParams returns kind, field and problem (an English sentence).
func (e *ValidationError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "field": e.Field, "problem": e.Problem}
}

// RequirementIDs returns nil.
func (e *ValidationError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgCorruptRecord].
func (e *CorruptError) MessageKey() string { return MsgCorruptRecord }

// MessageParams returns kind, id and problem (an English sentence).
func (e *CorruptError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "problem": e.Problem}
}

// RequirementIDs returns nil.
func (e *CorruptError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgCorruptJournal].
func (e *JournalError) MessageKey() string { return MsgCorruptJournal }

// MessageParams returns kind, id, seq and problem (an English sentence).
func (e *JournalError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.EntityID, "seq": itoa(e.Seq), "problem": e.Problem}
}

// RequirementIDs returns nil.
func (e *JournalError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgOutcomeUnknown].
func (e *UnknownOutcomeError) MessageKey() string { return MsgOutcomeUnknown }

// MessageParams returns kind, id and key (the idempotency key, or "").
func (e *UnknownOutcomeError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "key": e.Key}
}

// RequirementIDs returns nil.
func (e *UnknownOutcomeError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgFollowUpFailed].
func (e *FollowUpError) MessageKey() string { return MsgFollowUpFailed }

// MessageParams returns kind, id and trigger.
func (e *FollowUpError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "trigger": e.Trigger}
}

// RequirementIDs returns nil.
func (e *FollowUpError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgStepFailed].
func (e *StepError) MessageKey() string { return MsgStepFailed }

// MessageParams returns kind, id, position (the step, counted from 1),
// steps (the sequence's length) and trigger.
func (e *StepError) MessageParams() map[string]string {
	return map[string]string{"kind": string(e.Kind), "id": e.ID, "position": strconv.Itoa(e.Step + 1),
		"steps": strconv.Itoa(e.Steps), "trigger": e.Trigger}
}

// RequirementIDs returns nil: the step's own refusal names its
// requirements.
func (e *StepError) RequirementIDs() []string { return nil }

// MessageKey returns [MsgPersonalErased].
func (e *ErasedError) MessageKey() string { return MsgPersonalErased }

// MessageParams returns id and at (RFC 3339, UTC; empty for the zero
// time).
func (e *ErasedError) MessageParams() map[string]string {
	at := ""
	if !e.At.IsZero() {
		at = e.At.UTC().Format(time.RFC3339Nano)
	}
	return map[string]string{"id": e.ID, "at": at}
}

// RequirementIDs returns nil.
func (e *ErasedError) RequirementIDs() []string { return nil }

// Every typed error is a Refusal.
var (
	_ Refusal = (*NotFoundError)(nil)
	_ Refusal = (*ExistsError)(nil)
	_ Refusal = (*ConflictError)(nil)
	_ Refusal = (*TransitionError)(nil)
	_ Refusal = (*GuardError)(nil)
	_ Refusal = (*ForbiddenError)(nil)
	_ Refusal = (*ValidationError)(nil)
	_ Refusal = (*CorruptError)(nil)
	_ Refusal = (*JournalError)(nil)
	_ Refusal = (*UnknownOutcomeError)(nil)
	_ Refusal = (*FollowUpError)(nil)
	_ Refusal = (*StepError)(nil)
	_ Refusal = (*ErasedError)(nil)
)
