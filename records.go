package sms

import "context"

// Records is the part of a process's service that is the same in every
// process: reading a record, its journal and its verification, the
// triggers an actor may fire, and what a host's screen asks before it acts
// (a sequence of commands at once, a dry run, the choices). A process's
// Service embeds it, so that its methods are the Service's own: E is the
// process's entity, T its trigger type and C its command interface.
//
//	type Service struct {
//		sms.Records[*Incident, Trigger, Command]
//		m *sms.Machine[*Incident]
//	}
//
// The zero Records has no machine: a Service builds it with [NewRecords].
type Records[E Entity[E], T ~string, C Command] struct {
	m *Machine[E]
}

// NewRecords returns the Records of the machine's entities.
func NewRecords[E Entity[E], T ~string, C Command](m *Machine[E]) Records[E, T, C] {
	return Records[E, T, C]{m: m}
}

// Workflow returns the compiled workflow.
func (r Records[E, T, C]) Workflow() *Workflow[E] { return r.m.Workflow() }

// Get returns the stored record, or a [*NotFoundError].
func (r Records[E, T, C]) Get(ctx context.Context, id string) (E, error) { return r.m.Get(ctx, id) }

// Journal returns the record's journal, oldest entry first.
func (r Records[E, T, C]) Journal(ctx context.Context, id string) ([]Entry, error) {
	return r.m.Journal(ctx, id)
}

// Verify checks the record's journal hash chain and that the stored record
// is the one its journal built up to (see [Machine.Verify]).
func (r Records[E, T, C]) Verify(ctx context.Context, id string) error { return r.m.Verify(ctx, id) }

// Permitted returns the triggers the actor may fire on e now, judged by its
// status and the actor's roles; nil for a nil record.
func (r Records[E, T, C]) Permitted(e E, a Actor) []T { return PermittedAs[T](r.m.Workflow(), e, a) }

// DoSteps runs cmds on the record as one: each through the whole pipeline,
// in order, on one working copy, then one commit with a journal entry per
// step, all or nothing (see [Machine.FireSteps]). A refused step is a
// [*StepError] naming it, and nothing is stored.
func (r Records[E, T, C]) DoSteps(ctx context.Context, a Actor, id string, cmds ...C) (E, error) {
	steps := make([]Command, len(cmds))
	for i, c := range cmds {
		steps[i] = c
	}
	return r.m.DoSteps(ctx, a, id, steps...)
}

// DryRun returns what the service's Do with c would return now on the
// stored record id (nil, or the same refusal), and commits nothing: for a
// screen that greys out an action with its reason (see [Machine.DryRun]).
func (r Records[E, T, C]) DryRun(ctx context.Context, a Actor, id string, c C) error {
	return r.m.DryRunDo(ctx, a, id, c)
}

// Choices lists the triggers the workflow permits from the record's
// status, each with the status it leads to, whether the actor holds a role
// for it and whether an empty form would pass, needs input or is refused
// (see [Machine.Choices]).
func (r Records[E, T, C]) Choices(ctx context.Context, a Actor, id string) ([]Choice, error) {
	return r.m.Choices(ctx, a, id)
}

// Bind compiles def and binds it to store: the machine a process's
// service fires, and the [Records] view the service embeds: what every
// process constructor does.
func Bind[E Entity[E], T ~string, C Command](def Definition[E], store Store[E], opts Options) (*Machine[E], Records[E, T, C], error) {
	wf, err := NewWorkflow(def)
	if err != nil {
		return nil, Records[E, T, C]{}, err
	}
	m, err := NewMachine(wf, store, opts)
	if err != nil {
		return nil, Records[E, T, C]{}, err
	}
	return m, NewRecords[E, T, C](m), nil
}

// MustWorkflow compiles a built-in definition, for the function a process
// package exports to introspect and document its workflow; it panics if
// the definition does not compile, which only a defect of the package can
// cause and its tests catch.
func MustWorkflow[E Entity[E]](def Definition[E]) *Workflow[E] {
	wf, err := NewWorkflow(def)
	if err != nil {
		panic(string(def.Kind) + ": the built-in workflow does not compile: " + err.Error())
	}
	return wf
}
