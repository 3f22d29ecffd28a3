package incident

import (
	"context"

	"github.com/iso20k/sms"
)

// Config configures a [Service]. The zero value works: see [Policy] and
// [sms.Options].
type Config struct {
	Policy  Policy
	Options sms.Options
}

// Service runs incident management on a store. Each trigger has a typed
// method; every method is one transition through the shared pipeline and
// returns the incident as committed, or an error that says why nothing
// changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]), a
//     command of another trigger's type included;
//   - [sms.ErrNotFound]: no such incident;
//   - [sms.ErrForbidden]: the actor lacks a role, or is not who may act
//     ([*sms.ForbiddenError] citing the requirement: INC-06 for a closure on
//     a caller's confirmation the caller did not give, INC-06 and INC-16
//     for a caller acting on another's incident; see the package's
//     Identities);
//   - [sms.ErrTransition]: not allowed from the current status
//     ([*sms.TransitionError], with the permitted triggers);
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError], every one
//     with its requirement ID and clause);
//   - [sms.ErrConflict]: another writer committed first; read and retry;
//   - a store or context error.
//
// A Service is safe for concurrent use.
type Service struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Incident, Trigger, Command]
	m      *sms.Machine[*Incident]
	policy Policy
}

// NewService compiles the incident workflow for the policy and binds it to
// the store. An invalid policy gives a [*sms.ValidationError].
func NewService(store sms.Store[*Incident], cfg Config) (*Service, error) {
	p, err := cfg.Policy.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{policy: p}
	wf, err := sms.NewWorkflow(definition(&s.policy))
	if err != nil {
		return nil, err
	}
	s.m, err = sms.NewMachine(wf, store, cfg.Options)
	if err != nil {
		return nil, err
	}
	s.Records = sms.NewRecords[*Incident, Trigger, Command](s.m)
	return s, nil
}

// WithStore returns a service with the same policy, options and compiled
// workflow on another store; see [sms.Machine.WithStore].
func (s *Service) WithStore(store sms.Store[*Incident]) (*Service, error) {
	m, err := s.m.WithStore(store)
	if err != nil {
		return nil, err
	}
	return &Service{Records: sms.NewRecords[*Incident, Trigger, Command](m), m: m, policy: s.policy}, nil
}

// Workflow returns the incident workflow compiled with the default policy,
// for introspection and documentation. Its rules, permitted triggers and
// diagram are the same under every policy but for the options that widen
// it (Policy.HoldFromNew, ResolveFromHold and Unassign): a service's own
// is [Service.Workflow].
func Workflow() *sms.Workflow[*Incident] {
	p, _ := Policy{}.withDefaults()
	return sms.MustWorkflow(definition(&p))
}

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Log records a new incident (INC-01).
func (s *Service) Log(ctx context.Context, a sms.Actor, c Report) (*Incident, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any command: the trigger is the command's. It serves hosts that
// route commands generically, such as an importer. A [Report] creates an
// incident and id must then be empty (the report carries its own ID).
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Incident, error) {
	return s.m.Do(ctx, a, id, c)
}

// Classify classifies and prioritises (INC-02, INC-03, INC-14).
func (s *Service) Classify(ctx context.Context, a sms.Actor, id string, c Classification) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClassify), c)
}

// Assign assigns or reassigns.
func (s *Service) Assign(ctx context.Context, a sms.Actor, id string, c Assignment) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssign), c)
}

// Start starts work on an assigned incident.
func (s *Service) Start(ctx context.Context, a sms.Actor, id string, c WorkStart) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStart), c)
}

// Hold puts the incident on hold (INC-13).
func (s *Service) Hold(ctx context.Context, a sms.Actor, id string, c Suspension) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerHold), c)
}

// Resume takes the incident off hold.
func (s *Service) Resume(ctx context.Context, a sms.Actor, id string, c Resumption) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerResume), c)
}

// Escalate escalates functionally or hierarchically (INC-04).
func (s *Service) Escalate(ctx context.Context, a sms.Actor, id string, c Escalation) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerEscalate), c)
}

// RecordAction records an action taken (INC-07).
func (s *Service) RecordAction(ctx context.Context, a sms.Actor, id string, c Action) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordAction), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Link links another record by ID (INC-13).
func (s *Service) Link(ctx context.Context, a sms.Actor, id string, c Link) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerLink), c)
}

// Resolve resolves (INC-05, INC-07).
func (s *Service) Resolve(ctx context.Context, a sms.Actor, id string, c Resolution) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerResolve), c)
}

// Reopen reopens a resolved incident whose resolution was rejected (INC-16).
func (s *Service) Reopen(ctx context.Context, a sms.Actor, id string, c Reopening) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReopen), c)
}

// Close closes a resolved incident (INC-06, INC-10, INC-12).
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel cancels with a reason (INC-17).
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// ConvertToRequest cancels a misfiled incident in favour of the service
// request the host created (INC-17).
func (s *Service) ConvertToRequest(ctx context.Context, a sms.Actor, id string, c Conversion) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerConvert), c)
}

// ProposeMajor proposes a major-incident candidate (INC-09).
func (s *Service) ProposeMajor(ctx context.Context, a sms.Actor, id string, c MajorProposal) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProposeMajor), c)
}

// AcceptMajor accepts a candidate as major (INC-08, INC-09, INC-11).
func (s *Service) AcceptMajor(ctx context.Context, a sms.Actor, id string, c MajorAcceptance) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAcceptMajor), c)
}

// RejectMajor rejects a candidate (INC-09).
func (s *Service) RejectMajor(ctx context.Context, a sms.Actor, id string, c MajorRejection) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRejectMajor), c)
}

// HandOverMajor hands a major incident to another manager (INC-11).
func (s *Service) HandOverMajor(ctx context.Context, a sms.Actor, id string, c Handover) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerHandOver), c)
}

// NotifyManagement records a top-management notification (INC-10).
func (s *Service) NotifyManagement(ctx context.Context, a sms.Actor, id string, c Notification) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNotify), c)
}

// ReviewMajor records a major incident's post-incident review (INC-12).
func (s *Service) ReviewMajor(ctx context.Context, a sms.Actor, id string, c Review) (*Incident, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReview), c)
}

// Query selects incidents; every field is optional.
type Query struct {
	Status []Status
	// Service is the affected service.
	Service string
	// Owner is the assignee, or the group when no one is assigned.
	Owner string
	// Link keeps incidents linked to this record, such as
	// sms.Link{Type: incident.LinkProblem, ID: "PRB-7"}.
	Link sms.Link
	// After is the cursor: the previous page's Next.
	After string
	// Limit is the page size; 0 means 50, at most 1000.
	Limit int
}

// List returns a page of incidents ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Incident], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Incident]{}, err
	}
	return s.m.List(ctx, sq)
}

// Each calls fn for every incident matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Incident) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return s.m.Each(ctx, sq, fn)
}

func (q Query) query() (sms.Query, error) {
	st, err := sms.StatusFilter(Kind, q.Status, Status.Valid)
	return sms.Query{Status: st, Service: q.Service, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}, err
}
