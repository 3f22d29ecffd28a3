package request

import (
	"context"
	"errors"
	"fmt"

	"github.com/iso20k/sms"
)

// Stores are the stores a [Service] keeps catalogue items and requests in:
// two instances of the same generic store.
type Stores struct {
	Items    sms.Store[*Item]
	Requests sms.Store[*Request]
}

// Config configures a [Service]. The zero value works; without Changes,
// no request for an item that requires a standard change is fulfilled,
// since its change cannot be shown to be one (SR-08).
type Config struct {
	Policy  Policy
	Options sms.Options
	// Changes tells what the host's change management knows of a change
	// (SR-08).
	Changes ChangeLookup
}

// Service runs service request management: one machine for catalogue
// items, one for requests, each with its own workflow. A submission reads
// the catalogue item and keeps a snapshot of its edition in the request.
//
// Every method that fires a trigger returns the record as committed, or an
// error that says why nothing changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]);
//   - [sms.ErrNotFound]: no such request or item;
//   - [sms.ErrForbidden]: the actor lacks a role, or segregation of duties
//     excludes them ([*sms.ForbiddenError], citing SR-07), judged on the
//     acting actor inside the transition;
//   - [sms.ErrTransition]: not allowed from the current status;
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError]);
//   - [sms.ErrConflict]: another writer committed first;
//   - a store, lookup or context error.
//
// A Service is safe for concurrent use.
type Service struct {
	items   *sms.Machine[*Item]
	m       *sms.Machine[*Request]
	policy  Policy
	changes ChangeLookup
}

// NewService compiles the workflows and binds them to the stores.
func NewService(st Stores, cfg Config) (*Service, error) {
	if st.Items == nil || st.Requests == nil {
		return nil, sms.Invalid(Kind, "stores", "needs a catalogue item store and a request store")
	}
	p, err := cfg.Policy.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{policy: p, changes: cfg.Changes}
	wf, err := sms.NewWorkflow(definition(&s.policy))
	if err != nil {
		return nil, err
	}
	iwf, err := sms.NewWorkflow(itemDefinition())
	if err != nil {
		return nil, err
	}
	if s.m, err = sms.NewMachine(wf, st.Requests, cfg.Options); err != nil {
		return nil, err
	}
	if s.items, err = sms.NewMachine(iwf, st.Items, cfg.Options); err != nil {
		return nil, err
	}
	return s, nil
}

// Workflow returns the request workflow, for introspection and
// documentation.
func Workflow() *sms.Workflow[*Request] {
	p, _ := Policy{}.withDefaults()
	wf, err := sms.NewWorkflow(definition(&p))
	if err != nil {
		panic("request: the built-in workflow does not compile: " + err.Error())
	}
	return wf
}

// ItemWorkflow returns the catalogue item workflow.
func ItemWorkflow() *sms.Workflow[*Item] {
	wf, err := sms.NewWorkflow(itemDefinition())
	if err != nil {
		panic("request: the built-in catalogue workflow does not compile: " + err.Error())
	}
	return wf
}

// Workflow returns the service's compiled request workflow.
func (s *Service) Workflow() *sms.Workflow[*Request] { return s.m.Workflow() }

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// DefineItem defines a catalogue item in draft.
func (s *Service) DefineItem(ctx context.Context, a sms.Actor, c ItemDefinition) (*Item, error) {
	return s.items.Create(ctx, a, c)
}

// DoItem runs any catalogue item command; an [ItemDefinition] creates one
// and id must then be empty.
func (s *Service) DoItem(ctx context.Context, a sms.Actor, id string, c ItemCommand) (*Item, error) {
	switch c := c.(type) {
	case nil:
		return nil, sms.Invalid(ItemKind, "command", "is nil")
	case ItemDefinition:
		if id != "" {
			return nil, sms.Invalid(ItemKind, "id", "a definition creates an item: pass its ID in ItemDefinition.ID")
		}
		return s.DefineItem(ctx, a, c)
	}
	return s.items.Fire(ctx, a, id, string(c.Trigger()), c)
}

// ReviseItem revises a catalogue item; a published one gets a new edition.
func (s *Service) ReviseItem(ctx context.Context, a sms.Actor, id string, c ItemRevision) (*Item, error) {
	return s.items.Fire(ctx, a, id, string(ItemTriggerRevise), c)
}

// PublishItem publishes a catalogue item with its instructions (SR-06).
func (s *Service) PublishItem(ctx context.Context, a sms.Actor, id string, c ItemPublication) (*Item, error) {
	return s.items.Fire(ctx, a, id, string(ItemTriggerPublish), c)
}

// RetireItem retires a catalogue item: it refuses submissions from then on.
func (s *Service) RetireItem(ctx context.Context, a sms.Actor, id string, c ItemRetirement) (*Item, error) {
	return s.items.Fire(ctx, a, id, string(ItemTriggerRetire), c)
}

// AddItemNote adds a note to a catalogue item.
func (s *Service) AddItemNote(ctx context.Context, a sms.Actor, id string, c ItemNote) (*Item, error) {
	return s.items.Fire(ctx, a, id, string(ItemTriggerNote), c)
}

// Item returns the stored catalogue item.
func (s *Service) Item(ctx context.Context, id string) (*Item, error) { return s.items.Get(ctx, id) }

// ItemJournal returns the catalogue item's journal.
func (s *Service) ItemJournal(ctx context.Context, id string) ([]sms.Entry, error) {
	return s.items.Journal(ctx, id)
}

// ListItems returns a page of catalogue items in the given statuses (all
// when none), ordered by ID.
func (s *Service) ListItems(ctx context.Context, after string, limit int, status ...ItemStatus) (sms.Page[*Item], error) {
	st, err := sms.StatusFilter(ItemKind, status, ItemStatus.Valid)
	if err != nil {
		return sms.Page[*Item]{}, err
	}
	return s.items.List(ctx, sms.Query{Status: st, After: after, Limit: limit})
}

// Submit records a request against a published catalogue item (SR-01,
// SR-02, SR-06): the request keeps the item's edition, instructions,
// approval rule, tasks and target as they were.
func (s *Service) Submit(ctx context.Context, a sms.Actor, c Submission) (*Request, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.item = nil
	if c.Item != "" {
		it, err := s.items.Get(ctx, c.Item)
		switch {
		case err == nil:
			c.item = it
		case !errors.Is(err, sms.ErrNotFound):
			return nil, err
		}
	}
	return s.m.Create(ctx, a, c)
}

// Do runs any request command: the trigger is the command's, and exactly
// one transition runs (an [Approval] through Do never grants; see
// [Service.Approve], whose segregation of duties it shares). A
// [Submission] creates a request and id must then be empty.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Request, error) {
	switch c := c.(type) {
	case nil:
		return nil, sms.Invalid(Kind, "command", "is nil")
	case Submission:
		if id != "" {
			return nil, sms.Invalid(Kind, "id", "a submission creates a request: pass its ID in Submission.ID")
		}
		return s.Submit(ctx, a, c)
	case Fulfilment:
		return s.Fulfil(ctx, a, id, c)
	}
	return s.m.Fire(ctx, a, id, string(c.Trigger()), c)
}

// Prioritise overrides the priority, with a reason (SR-02).
func (s *Service) Prioritise(ctx context.Context, a sms.Actor, id string, c Prioritisation) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPrioritise), c)
}

// RequestApproval sends the request to its approvers (SR-07).
func (s *Service) RequestApproval(ctx context.Context, a sms.Actor, id string, c ApprovalRequest) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequestApproval), c)
}

// Approve records one approver's approval (SR-07) and, when it completes
// the item's quorum, grants the request: two journal entries, approve then
// grant. An approver who holds none of the rule's roles, who submitted the
// request, who is named as its requester or the person it is for, or who
// already decided, is refused with a [*sms.ForbiddenError] citing SR-07:
// the transition's segregation of duties, which compares the acting
// actor, so the generic [sms.Machine.Fire] refuses the same. If the grant
// fails after the approval was committed, the error is returned and
// [Service.Grant] completes it.
func (s *Service) Approve(ctx context.Context, a sms.Actor, id string, c Approval) (*Request, error) {
	r, err := s.m.Fire(ctx, a, id, string(TriggerApprove), c)
	if err != nil || r.ApprovalOutcome() != sms.Approved {
		return r, err
	}
	return s.Grant(ctx, a, id, Grant{})
}

// Grant moves a request whose approvals satisfy its item's rule to
// approved (SR-07); [Service.Approve] calls it.
func (s *Service) Grant(ctx context.Context, a sms.Actor, id string, c Grant) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerGrant), c)
}

// Reject rejects a request awaiting approval, with a reason (SR-07); the
// rejecter must be eligible to approve, or is refused as by
// [Service.Approve].
func (s *Service) Reject(ctx context.Context, a sms.Actor, id string, c Rejection) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReject), c)
}

// StartFulfilment starts fulfilment (SR-03, SR-07).
func (s *Service) StartFulfilment(ctx context.Context, a sms.Actor, id string, c FulfilmentStart) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStartFulfilment), c)
}

// Hold puts fulfilment on hold (SR-09).
func (s *Service) Hold(ctx context.Context, a sms.Actor, id string, c Suspension) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerHold), c)
}

// Resume resumes fulfilment.
func (s *Service) Resume(ctx context.Context, a sms.Actor, id string, c Resumption) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerResume), c)
}

// CompleteTask marks a fulfilment task done (SR-03).
func (s *Service) CompleteTask(ctx context.Context, a sms.Actor, id string, c TaskCompletion) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCompleteTask), c)
}

// SkipTask skips a fulfilment task with a reason (SR-03).
func (s *Service) SkipTask(ctx context.Context, a sms.Actor, id string, c TaskSkip) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSkipTask), c)
}

// RecordAction records an action taken (SR-05).
func (s *Service) RecordAction(ctx context.Context, a sms.Actor, id string, c Action) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordAction), c)
}

// Fulfil fulfils the request (SR-03). When the request's item edition
// requires a standard change, the fulfilment names it and the service first
// asks the host's [ChangeLookup] about it: the request is fulfilled only
// through a standard change, from a template the item accepts, that closed
// successful, and never without a lookup (SR-08). The answer is judged
// inside the transition but is not part of its atomic commit; the request
// keeps it.
func (s *Service) Fulfil(ctx context.Context, a sms.Actor, id string, c Fulfilment) (*Request, error) {
	c.cv = changeView{lookup: s.changes != nil}
	if c.Change != "" && s.changes != nil && c.Validate() == nil {
		r, err := s.m.Get(ctx, id)
		if err == nil && needsChange(r) {
			if c.cv, err = s.lookup(ctx, c.Change); err != nil {
				return nil, err
			}
		}
	}
	return s.m.Fire(ctx, a, id, string(TriggerFulfil), c)
}

// lookup asks the host about a change; a change it does not know is
// reported as not found, not as an error.
func (s *Service) lookup(ctx context.Context, change string) (changeView, error) {
	if err := ctx.Err(); err != nil {
		return changeView{}, err
	}
	facts, err := s.changes.ChangeFacts(ctx, change)
	switch {
	case errors.Is(err, sms.ErrNotFound):
		return changeView{lookup: true, asked: true}, nil
	case err != nil:
		return changeView{}, fmt.Errorf("request: looking up change %q: %w", change, err)
	}
	return changeView{lookup: true, asked: true, found: true, facts: facts}, nil
}

// Close closes a fulfilled request (SR-04).
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel cancels a request with a reason (SR-04).
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// ConvertToIncident cancels a misfiled request in favour of the incident
// the host logged (SR-10).
func (s *Service) ConvertToIncident(ctx context.Context, a sms.Actor, id string, c Conversion) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerConvert), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Get returns the stored request.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) { return s.m.Get(ctx, id) }

// Journal returns the request's journal.
func (s *Service) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return s.m.Journal(ctx, id)
}

// Verify checks the request's journal hash chain and head, and that the
// stored request is the state its last entry recorded.
func (s *Service) Verify(ctx context.Context, id string) error { return s.m.Verify(ctx, id) }

// Permitted returns the triggers the actor may fire on the request now.
func (s *Service) Permitted(r *Request, a sms.Actor) []Trigger {
	return sms.PermittedAs[Trigger](s.m.Workflow(), r, a)
}

// Query selects requests; every field is optional.
type Query struct {
	Status  []Status
	Service string
	// Owner is the assignee, or the group when no one is assigned.
	Owner string
	// Link keeps requests with this link, such as the catalogue item
	// (request.LinkCatalogueItem) or an incident.
	Link  sms.Link
	After string
	Limit int
}

// List returns a page of requests ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Request], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Request]{}, err
	}
	return s.m.List(ctx, sq)
}

func (q Query) query() (sms.Query, error) {
	st, err := sms.StatusFilter(Kind, q.Status, Status.Valid)
	return sms.Query{Status: st, Service: q.Service, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}, err
}

// Each calls fn for every request matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Request) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return s.m.Each(ctx, sq, fn)
}
