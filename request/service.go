package request

import (
	"context"

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
// items ([Service.Items]), one for requests, each with its own workflow.
// A submission reads the catalogue item inside its transition and keeps a
// snapshot of its edition in the request.
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
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Request, Trigger, Command]
	items  *Items
	m      *sms.Machine[*Request]
	policy Policy
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
	s := &Service{policy: p}
	iwf, err := sms.NewWorkflow(itemDefinition())
	if err != nil {
		return nil, err
	}
	im, err := sms.NewMachine(iwf, st.Items, cfg.Options)
	if err != nil {
		return nil, err
	}
	s.items = &Items{Records: sms.NewRecords[*Item, ItemTrigger, ItemCommand](im), m: im}
	wf, err := sms.NewWorkflow(definition(&s.policy, hosts{item: im.Get, changes: cfg.Changes}))
	if err != nil {
		return nil, err
	}
	if s.m, err = sms.NewMachine(wf, st.Requests, cfg.Options); err != nil {
		return nil, err
	}
	s.Records = sms.NewRecords[*Request, Trigger, Command](s.m)
	return s, nil
}

// Workflow returns the request workflow, for introspection and
// documentation. It has no host: a submission through it finds no
// catalogue item, and a fulfilment no change lookup; [Service.Workflow]
// is the one a service runs.
func Workflow() *sms.Workflow[*Request] {
	p, _ := Policy{}.withDefaults()
	return sms.MustWorkflow(definition(&p, hosts{}))
}

// ItemWorkflow returns the catalogue item workflow.
func ItemWorkflow() *sms.Workflow[*Item] {
	return sms.MustWorkflow(itemDefinition())
}

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Items returns the catalogue items the service's requests are submitted
// against.
func (s *Service) Items() *Items { return s.items }

// Submit records a request against a published catalogue item (SR-01,
// SR-02, SR-06): the request keeps the item's edition, instructions,
// approval rule, tasks and target as they were. The transition reads the
// item before its guards run; the read is not part of the transition's
// atomic commit, so an item revised meanwhile gives the edition read.
func (s *Service) Submit(ctx context.Context, a sms.Actor, c Submission) (*Request, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any request command: the trigger is the one that takes the
// command's type, and exactly one transition runs, the one
// [sms.Machine.Fire] runs (an [Approval] through Do never grants; see
// [Service.Approve]). A [Submission] creates a request and id must then be
// empty.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Request, error) {
	return s.m.Do(ctx, a, id, c)
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
// the rule's approval gate, which the pipeline checks on the acting actor,
// so the generic [sms.Machine.Fire] refuses the same. If the grant fails
// after the approval was committed, the error is returned and
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
// requires a standard change, the fulfilment names it and the transition
// asks the host's [ChangeLookup] about it before its guards run: the
// request is fulfilled only through a standard change, from a template the
// item accepts, that closed successful, and never without a lookup
// (SR-08). The answer is not part of the transition's atomic commit; the
// request keeps it.
func (s *Service) Fulfil(ctx context.Context, a sms.Actor, id string, c Fulfilment) (*Request, error) {
	return s.m.Fire(ctx, a, id, string(TriggerFulfil), c)
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
