package request

import (
	"context"

	"github.com/iso20k/sms"
)

// Items runs the service catalogue: the items requests are submitted
// against (SR-01, SR-06, SR-07, SR-08). Get it from [Service.Items]; its
// methods return the errors [Service] documents.
type Items struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Item, ItemTrigger, ItemCommand]
	m *sms.Machine[*Item]
}

// Define defines a catalogue item in draft.
func (it *Items) Define(ctx context.Context, a sms.Actor, c ItemDefinition) (*Item, error) {
	return it.m.Create(ctx, a, c)
}

// Revise revises a catalogue item; a published one gets a new edition.
func (it *Items) Revise(ctx context.Context, a sms.Actor, id string, c ItemRevision) (*Item, error) {
	return it.m.Fire(ctx, a, id, string(ItemTriggerRevise), c)
}

// Publish publishes a catalogue item with its instructions (SR-06).
func (it *Items) Publish(ctx context.Context, a sms.Actor, id string, c ItemPublication) (*Item, error) {
	return it.m.Fire(ctx, a, id, string(ItemTriggerPublish), c)
}

// Retire retires a catalogue item: it refuses submissions from then on.
func (it *Items) Retire(ctx context.Context, a sms.Actor, id string, c ItemRetirement) (*Item, error) {
	return it.m.Fire(ctx, a, id, string(ItemTriggerRetire), c)
}

// AddNote adds a note to a catalogue item.
func (it *Items) AddNote(ctx context.Context, a sms.Actor, id string, c ItemNote) (*Item, error) {
	return it.m.Fire(ctx, a, id, string(ItemTriggerNote), c)
}

// Do runs any catalogue item command: the trigger is the one that takes
// the command's type. An [ItemDefinition] creates an item and id must then
// be empty.
func (it *Items) Do(ctx context.Context, a sms.Actor, id string, c ItemCommand) (*Item, error) {
	return it.m.Do(ctx, a, id, c)
}

// ItemQuery selects catalogue items; every field is optional.
type ItemQuery struct {
	Status  []ItemStatus
	Service string
	After   string
	Limit   int
}

func (q ItemQuery) query() (sms.Query, error) {
	st, err := sms.StatusFilter(ItemKind, q.Status, ItemStatus.Valid)
	return sms.Query{Status: st, Service: q.Service, After: q.After, Limit: q.Limit}, err
}

// List returns a page of catalogue items ordered by ID.
func (it *Items) List(ctx context.Context, q ItemQuery) (sms.Page[*Item], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Item]{}, err
	}
	return it.m.List(ctx, sq)
}

// Each calls fn for every catalogue item matching q, page by page, until
// fn returns false or an error occurs.
func (it *Items) Each(ctx context.Context, q ItemQuery, fn func(*Item) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return it.m.Each(ctx, sq, fn)
}
