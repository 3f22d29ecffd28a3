package review

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Config configures a [Service]: the schedules it serves (at least one)
// and the options of its transitions.
type Config struct {
	Schedules []Schedule
	Options   sms.Options
}

// Service keeps the review register on a store: it plans, performs, follows
// up, closes and cancels reviews, and sweeps its schedules for overdue
// ones. Each trigger has a typed method; every method is one transition
// through the shared pipeline and returns the review as committed, or an
// error that says why nothing changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]), a
//     command of another trigger's type, or a plan for a subject and scope
//     no schedule names;
//   - [sms.ErrNotFound]: no such review;
//   - [sms.ErrForbidden]: the actor lacks a role, or records a performance
//     of a review they neither own nor took part in ([*sms.ForbiddenError],
//     citing the requirement the review evidences);
//   - [sms.ErrTransition]: not allowed from the current status
//     ([*sms.TransitionError], with the permitted triggers);
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError]): every guard
//     cites the requirement the review evidences, its schedule's;
//   - [sms.ErrConflict]: another writer committed first; read and retry;
//   - [sms.ErrCorrupt]: the stored review names no requirement, or a
//     status the workflow does not know;
//   - a store or context error.
//
// A Service is safe for concurrent use.
type Service struct {
	store     sms.Store[*Review]
	opts      sms.Options
	schedules []Schedule
	byKey     map[string]int
	// catalogue lists the requirements the schedules name, each once.
	catalogue []sms.Requirement
	// m runs the one review workflow for every schedule: each refusal
	// cites the requirement the review records (the definition's Cite).
	m *sms.Machine[*Review]
	// workflows holds, for introspection, the workflow of each
	// requirement the schedules name: the same table and catalogue, its
	// guards declaring that requirement.
	workflows map[reqKey]*sms.Workflow[*Review]
}

type reqKey struct{ id, clause string }

// NewService validates the schedules, compiles the review workflow, whose
// plans record their schedule's requirement and whose refusals cite it,
// and binds it to the store. No schedule, an invalid one, two for the same
// subject and scope, or two naming one requirement under two clauses give
// a [*sms.ValidationError].
func NewService(store sms.Store[*Review], cfg Config) (*Service, error) {
	if store == nil {
		return nil, sms.Invalid(Kind, "store", "is nil")
	}
	if len(cfg.Schedules) == 0 {
		return nil, sms.Invalid(Kind, "schedules", "a review service serves at least one schedule")
	}
	if err := validateSchedules(cfg.Schedules); err != nil {
		return nil, err
	}
	cat, err := catalogue(cfg.Schedules)
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, opts: cfg.Options, schedules: slices.Clone(cfg.Schedules), catalogue: cat,
		byKey: make(map[string]int, len(cfg.Schedules)), workflows: map[reqKey]*sms.Workflow[*Review]{}}
	lookup := func(subject, scope string) (sms.Requirement, bool) {
		sc, ok := s.Schedule(subject, scope)
		return sc.Requirement, ok
	}
	for i, sc := range s.schedules {
		s.byKey[sc.Key()] = i
	}
	for _, req := range cat {
		wf, err := sms.NewWorkflow(definition(req, cat, lookup))
		if err != nil {
			return nil, err
		}
		s.workflows[reqKey{req.ID, req.Clause}] = wf
		if s.m == nil {
			if s.m, err = sms.NewMachine(wf, store, cfg.Options); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Schedules returns the schedules the service serves.
func (s *Service) Schedules() []Schedule { return slices.Clone(s.schedules) }

// Requirements returns the service's catalogue: the requirements its
// schedules name, each once, in the order of the schedules (with a sentence
// of the package's when a schedule gives none). The review package has no
// requirements of its own: every refusal, finding and overdue schedule
// cites one of these, the one the review or the schedule evidences.
func (s *Service) Requirements() []sms.Requirement { return slices.Clone(s.catalogue) }

// Schedule returns the schedule of a subject and scope, and whether there
// is one.
func (s *Service) Schedule(subject, scope string) (Schedule, bool) {
	i, ok := s.byKey[key(subject, scope)]
	if !ok {
		return Schedule{}, false
	}
	return s.schedules[i], true
}

// Workflow returns the compiled workflow of the schedule's requirement for
// a subject and scope, and whether the service has that schedule.
func (s *Service) Workflow(subject, scope string) (*sms.Workflow[*Review], bool) {
	sc, ok := s.Schedule(subject, scope)
	if !ok {
		return nil, false
	}
	return s.workflows[reqKey{sc.Requirement.ID, sc.Requirement.Clause}], true
}

// Plan plans a review of a scheduled subject and scope. The review records
// the schedule's requirement, and every later refusal cites it. A plan for
// a subject and scope no schedule names is refused as invalid.
func (s *Service) Plan(ctx context.Context, a sms.Actor, c Plan) (*Review, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any command: the trigger is the command's. A [Plan] creates a
// review and id must then be empty (the plan carries its own ID).
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Review, error) {
	return s.m.Do(ctx, a, id, c)
}

// Perform records that a planned review took place, with its inputs,
// conclusions, agreed actions and participants.
func (s *Service) Perform(ctx context.Context, a sms.Actor, id string, c Performance) (*Review, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPerform), c)
}

// UpdateAction reports an agreed action done, or names the record that now
// tracks it.
func (s *Service) UpdateAction(ctx context.Context, a sms.Actor, id string, c ActionUpdate) (*Review, error) {
	return s.m.Fire(ctx, a, id, string(TriggerUpdateAction), c)
}

// Close closes a performed review whose actions are all done or tracked.
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Review, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel cancels a planned review, with a reason.
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Review, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Review, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Get returns the stored review.
func (s *Service) Get(ctx context.Context, id string) (*Review, error) { return s.m.Get(ctx, id) }

// Journal returns the review's journal, oldest entry first.
func (s *Service) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return s.m.Journal(ctx, id)
}

// Verify checks the review's journal hash chain and that the stored review
// is the one its journal built up to.
func (s *Service) Verify(ctx context.Context, id string) error { return s.m.Verify(ctx, id) }

// Permitted returns the triggers the actor may fire on the review now,
// judged by its status and the actor's roles.
func (s *Service) Permitted(r *Review, a sms.Actor) []Trigger {
	if r == nil {
		return nil
	}
	names := s.m.Workflow().Permitted(r, a)
	out := make([]Trigger, len(names))
	for i, n := range names {
		out[i] = Trigger(n)
	}
	return out
}

// Query selects reviews; every field is optional.
type Query struct {
	Status []Status
	// Subject keeps the reviews of a subject; it cannot be combined with
	// Link.
	Subject string
	// Scope keeps the reviews of a scope.
	Scope string
	Owner string
	// Link keeps reviews with this link: an input examined
	// (review.LinkInput) or a record tracking an action (review.LinkAction).
	Link sms.Link
	// After is the cursor: the previous page's Next.
	After string
	// Limit is the page size; 0 means 50, at most 1000.
	Limit int
}

// List returns a page of reviews ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Review], error) {
	sq := sms.Query{Service: q.Scope, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}
	if q.Subject != "" {
		if !q.Link.IsZero() {
			return sms.Page[*Review]{}, sms.Invalid(Kind, "query", "filter by Subject or by Link, not both")
		}
		sq.Link = sms.Link{Type: LinkSubject, ID: q.Subject}
	}
	for _, st := range q.Status {
		if !st.Valid() {
			return sms.Page[*Review]{}, sms.Invalid(Kind, "query.status", "%q is not a review status", st)
		}
		sq.Status = append(sq.Status, string(st))
	}
	return s.m.List(ctx, sq)
}

// Each calls fn for every review matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Review) bool) error {
	for {
		page, err := s.List(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			if !fn(r) {
				return nil
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// Standings returns where each of the service's schedules stands as of a
// time, over the stored reviews; see the package function [Standings].
// Only reviews that verify against their journals count: a record edited
// outside the pipeline never satisfies a schedule ([Service.Sweep] reports
// it).
func (s *Service) Standings(ctx context.Context, asOf time.Time) ([]Standing, error) {
	st, _, err := s.standings(ctx, asOf.UTC())
	return st, err
}

// standings folds the verified performed reviews ([sms.SweepStore]) and
// returns the RECORD_UNVERIFIED findings of the others.
func (s *Service) standings(ctx context.Context, asOf time.Time) ([]Standing, []sms.Finding, error) {
	l := newLatest(asOf)
	unverified, err := sms.SweepStore(ctx, s.m, sms.Query{Status: []string{string(StatusPerformed), string(StatusClosed)}}, asOf,
		func(r *Review, _ []sms.Entry) []sms.Finding { l.add(r); return nil })
	if err != nil {
		return nil, nil, err
	}
	return l.standings(s.schedules), unverified, nil
}

// Sweep returns one finding per overdue schedule as of a time, over the
// stored reviews that verify against their journals; see the package
// function [Sweep]. Each performed or closed review that does not verify is
// a RECORD_UNVERIFIED finding (SMS-REC), listed first, and does not count
// towards its schedule; the sweep goes on past it.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	st, unverified, err := s.standings(ctx, asOf.UTC())
	if err != nil {
		return nil, err
	}
	out := findings(st, asOf)
	if len(unverified) > 0 {
		out = append(unverified, out...)
	}
	return out, nil
}
