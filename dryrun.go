package sms

import (
	"context"
	"errors"
	"reflect"
	"slices"
)

// DryRun reports what [Machine.Fire] with the same arguments would return
// now, without committing anything or notifying anyone: nil when the
// transition would pass, else the very error Fire would return (the same
// type, with the same fields). It runs Fire's own code up to the commit:
// the input checks, the idempotency key's look-up, the load, the
// authorization (the host's [Authorizer] is asked as Fire would ask it),
// the rule's preparation, the approval, segregation of duties, the guards,
// the effects on a private copy, the required fields and the journal
// entry. What only the commit can tell is not tried: a concurrent writer's
// conflict, the store's failure, and a rule's follow-up, which writes to
// another record. The host's Authorizer and a rule's Prepare are run, so
// they must not have effects of their own, which they must not have for
// Fire either.
//
// With an idempotency key in ctx, a key already committed for the same
// request gives nil (Fire would return the stored entity), and one
// committed for another request gives the [*ValidationError] Fire would.
func (m *Machine[E]) DryRun(ctx context.Context, a Actor, id, trigger string, cmd Command) error {
	steps := [1]Step{{Trigger: trigger, Command: cmd}}
	_, err := m.pipeline(ctx, a, id, steps[:], false, dryRun)
	return err
}

// DryRunDo is [Machine.DryRun] of cmd as the transition that takes its
// type (see [Workflow.TriggerOf]), as [Machine.Do] runs it. A nil command,
// one whose type no single trigger takes and the creating command (a dry
// run reads a stored record) are refused with a [*ValidationError]. It is
// what a process Service's DryRun is made of: one line.
func (m *Machine[E]) DryRunDo(ctx context.Context, a Actor, id string, cmd Command) error {
	trigger, err := m.storedTrigger(cmd)
	if err != nil {
		return err
	}
	return m.DryRun(ctx, a, id, trigger, cmd)
}

// DryRunSteps reports what [Machine.FireSteps] with the same arguments
// would return now, without committing anything or notifying anyone, as
// [Machine.DryRun] does for one transition: nil, or the same error (a
// [*StepError] naming the step that would fail).
func (m *Machine[E]) DryRunSteps(ctx context.Context, a Actor, id string, steps ...Step) error {
	_, err := m.pipeline(ctx, a, id, steps, true, dryRun)
	return err
}

// Readiness says how a trigger offered on a screen stands ([Choice]).
type Readiness string

// Readiness values. They are stable: a host may store or map them.
const (
	// Ready: firing the trigger now with the command the view evaluated
	// would pass.
	Ready Readiness = "ready"
	// NeedsInput: it is refused only for what a command can still supply
	// (the command's own validation, a required field, a guard not
	// declared [Guard].RecordOnly): a screen offers the trigger with a
	// form.
	NeedsInput Readiness = "needs_input"
	// Refused: it is refused for the actor (no role, segregation of duties,
	// the host's Authorizer) or for the record as it stands (a RecordOnly
	// guard, a record the rule's preparation finds unfit): no input lifts
	// the refusal.
	Refused Readiness = "refused"
)

// Choice is one trigger a screen may offer on a record ([Machine.Choices]).
type Choice struct {
	// Trigger is the trigger; To the status it leads to (the current one
	// for a trigger that keeps it).
	Trigger string
	To      string
	// Roles are the roles the trigger's rule accepts from the current
	// status; HasRole says whether the actor holds one of them.
	Roles   []Role
	HasRole bool
	// Readiness says whether firing it now with the evaluated command would
	// pass, or what stands in the way.
	Readiness Readiness
	// Input lists the unmet requirements a command can still meet: the
	// required fields and the guards not declared RecordOnly that the
	// evaluated command leaves unmet. Blocked lists those of the
	// RecordOnly guards, which no command meets. Both are nil unless the
	// refusal is a [*GuardError].
	Input   []Requirement
	Blocked []Requirement
	// Err is what [Machine.Fire] with the evaluated command would return
	// now: nil when Ready, else the refusal ([RefusalOf] gives its message
	// key).
	Err error
}

// Choices lists, in trigger order, the triggers the workflow permits from
// the entity's current status, each with what a screen needs to offer it:
// where it leads, whether the actor holds a role for it, and whether it
// would pass now.
//
// Whether it would pass is [Machine.DryRun] with the trigger's zero command
// (the zero value of its command type, a new zero value for a pointer
// type): what Fire would return for an empty form. Guards read the
// command, and the kernel cannot tell what a guard reads, so the view
// sorts a [*GuardError] by what the rule declares: a refusal by a guard
// declared [Guard].RecordOnly is [Refused], and a refusal only by other
// guards or by required fields is [NeedsInput] (a filled command may meet
// them, or a guard that reads the record may still refuse it: Fire says).
// A [*ValidationError] of the zero command, or of the rule's preparation,
// is NeedsInput; a [*ForbiddenError], a [*CorruptError] or a
// [*NotFoundError] is Refused. Segregation of duties compares the actor
// with the people a command names too; the zero command names nobody, so
// a command that names someone may still be refused. The host's
// [Authorizer] and each rule's Prepare are run, once per trigger.
//
// Choices returns an error, and no choice, for an invalid actor or id, an
// entity it cannot load, and any failure that is no refusal (the
// context's, a store's met by a rule's preparation). It commits nothing,
// notifies no one and ignores an idempotency key in ctx.
func (m *Machine[E]) Choices(ctx context.Context, a Actor, id string) ([]Choice, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	e, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	meta := e.Metadata()
	state := e.State()
	now := m.Now()
	trigs := m.wf.fromSt[state]
	out := make([]Choice, 0, len(trigs))
	for _, trig := range trigs {
		r := m.wf.table[ruleKey{trig, state}]
		to, _ := m.wf.target(trig, state)
		c := Choice{Trigger: trig, To: to, Roles: slices.Clone(r.Roles), HasRole: a.HasAny(r.Roles)}
		cmd := zeroCommand(m.wf.cmdType[trig])
		t := m.tx()
		err := m.checkCmd(trig, cmd)
		if err == nil {
			_, _, err = m.step(ctx, t, a, e.Clone(), id, trig, cmd, now, meta.Version, meta.Head, "", Hash{})
		}
		blocked := t.blocked
		m.release(t)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var ge *GuardError
		switch {
		case err == nil:
			c.Readiness = Ready
		case errors.As(err, &ge):
			c.Readiness = NeedsInput
			if len(blocked) > 0 {
				c.Readiness = Refused
			}
			for _, q := range ge.Unmet {
				if slices.Contains(blocked, q) {
					c.Blocked = append(c.Blocked, q)
				} else {
					c.Input = append(c.Input, q)
				}
			}
		case errors.Is(err, ErrInvalid):
			c.Readiness = NeedsInput
		case errors.Is(err, ErrForbidden), errors.Is(err, ErrTransition), errors.Is(err, ErrCorrupt), errors.Is(err, ErrNotFound):
			c.Readiness = Refused
		default:
			return nil, err
		}
		c.Err = err
		out = append(out, c)
	}
	return out, nil
}

// zeroCommand returns the zero command of type ct: for a pointer type, a
// pointer to a new zero value.
func zeroCommand(ct reflect.Type) Command {
	if ct.Kind() == reflect.Pointer {
		return reflect.New(ct.Elem()).Interface().(Command)
	}
	return reflect.Zero(ct).Interface().(Command)
}
