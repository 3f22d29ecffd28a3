package problem

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/iso20k/sms"
)

// Stores are the stores a [Service] keeps problems and known errors in:
// two instances of the same generic store, one per kind, such as
// memstore.New[*problem.Problem]() and memstore.New[*problem.KnownError]().
type Stores struct {
	Problems    sms.Store[*Problem]
	KnownErrors sms.Store[*KnownError]
}

// Config configures a [Service]. The zero value works, with two limits:
// without Changes no fix can be recorded as applied (the library never
// marks a fix applied without the change's outcome), and without Incidents
// [Service.Propagate] is refused.
type Config struct {
	Policy  Policy
	Options sms.Options
	// Changes answers what became of a change (PRB-06, PRB-09).
	Changes ChangeLookup
	// Incidents records workarounds and fixes on linked incidents (PRB-15).
	Incidents IncidentNotifier
}

// Service runs problem management on two stores: one machine for problems,
// one for known errors ([Service.KnownErrors]), each with its own workflow.
// A problem transition that implies a step on its known error (declaring
// one records it; resolving with a fix retires it) takes that step as its
// rule's follow-up ([sms.FollowUp]), which the pipeline runs, so that the
// typed method, [Service.Do] and [sms.Machine.Fire] on [Service.Workflow]
// do the same. When both stores commit together ([sms.CommitTogether]:
// two memstores, or two sqlstores on one database) the two are committed
// together or not at all, and observers hear of them once the whole
// commit stands; a failed step then refuses the transition. With stores
// that do not, the step runs right after the problem's commit; if it
// fails the method returns the problem as committed with a
// [*FollowUpError] (it matches [sms.ErrFollowUp]) and [Service.Reconcile]
// completes it.
//
// Every method that fires a trigger returns the record as committed, or an
// error that says why nothing changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]);
//   - [sms.ErrNotFound]: no such problem or known error;
//   - [sms.ErrForbidden]: the actor lacks a role, or segregation of duties
//     excludes them ([*sms.ForbiddenError], with the requirement), judged
//     on the acting actor inside the transition;
//   - [sms.ErrTransition]: not allowed from the current status
//     ([*sms.TransitionError]);
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError]);
//   - [sms.ErrConflict]: another writer committed first; read and retry;
//   - an error of the host's [ChangeLookup], a store or the context.
//
// Two errors come with the record as committed: a [*FollowUpError] (see
// above) and a [*PropagationError] naming the incidents a propagation
// could not inform while it recorded the others; both match
// [sms.ErrFollowUp].
//
// A Service is safe for concurrent use.
type Service struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Problem, Trigger, Command]
	m      *sms.Machine[*Problem]
	kes    *KnownErrors
	policy Policy
}

// NewService compiles the problem and known-error workflows for the policy
// and binds them to the stores. An invalid policy or a missing store gives
// a [*sms.ValidationError].
func NewService(st Stores, cfg Config) (*Service, error) {
	if st.Problems == nil || st.KnownErrors == nil {
		return nil, sms.Invalid(Kind, "stores", "needs a problem store and a known-error store")
	}
	p, err := cfg.Policy.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{policy: p}
	h := hosts{changes: cfg.Changes, incidents: cfg.Incidents, newID: cfg.Options.NewID, service: true,
		problem: func(ctx context.Context, id string) (*Problem, error) { return s.m.Get(ctx, id) }}
	if h.newID == nil {
		h.newID = newID
	}
	kwf, err := sms.NewWorkflow(keDefinition(h))
	if err != nil {
		return nil, err
	}
	if h.knownErrors, err = sms.NewMachine(kwf, st.KnownErrors, cfg.Options); err != nil {
		return nil, err
	}
	s.kes = &KnownErrors{Records: sms.NewRecords[*KnownError, KETrigger, KECommand](h.knownErrors), m: h.knownErrors, policy: &s.policy}
	wf, err := sms.NewWorkflow(definition(&s.policy, h))
	if err != nil {
		return nil, err
	}
	if s.m, err = sms.NewMachine(wf, st.Problems, cfg.Options); err != nil {
		return nil, err
	}
	s.Records = sms.NewRecords[*Problem, Trigger, Command](s.m)
	return s, nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Workflow returns the problem workflow compiled with the default policy,
// for introspection and documentation. It has no host: it asks no change
// management, informs no incident and writes no known error;
// [Service.Workflow] is the one a service runs.
func Workflow() *sms.Workflow[*Problem] {
	p, _ := Policy{}.withDefaults()
	return sms.MustWorkflow(definition(&p, hosts{newID: newID}))
}

// KnownErrorWorkflow returns the known-error workflow, for introspection
// and documentation; without a host, its record rule finds no problem.
func KnownErrorWorkflow() *sms.Workflow[*KnownError] {
	return sms.MustWorkflow(keDefinition(hosts{newID: newID}))
}

// KnownErrors returns the known errors the service's problems record.
func (s *Service) KnownErrors() *KnownErrors { return s.kes }

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Log records a new problem (PRB-03, PRB-14).
func (s *Service) Log(ctx context.Context, a sms.Actor, c Report) (*Problem, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any problem command: the trigger is the one that takes the
// command's type, and it runs as the command's typed method does, through
// [sms.Machine.Do] (a declaration records its known error, a fix retires
// it, a propagation reports the incidents it could not inform). A
// [Report] creates a problem and id must then be empty.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Problem, error) {
	return s.m.Do(ctx, a, id, c)
}

// DeclareKnownError declares the problem a known error (PRB-02, PRB-10)
// and records its [KnownError] in draft (PRB-11); the problem's KnownError
// field names it. The two are committed together when the stores can (see
// [Service]).
func (s *Service) DeclareKnownError(ctx context.Context, a sms.Actor, id string, c KnownErrorDeclaration) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDeclareKnownError), c)
}

// StartFix starts a permanent fix under a change (PRB-09). With a
// [ChangeLookup] configured, the change must exist and be open: the
// transition asks the host before its guards run, and the answer is not
// part of its atomic commit.
func (s *Service) StartFix(ctx context.Context, a sms.Actor, id string, c FixStart) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStartFix), c)
}

// RequestRiskAcceptance asks to accept the risk of the cause (PRB-06).
func (s *Service) RequestRiskAcceptance(ctx context.Context, a sms.Actor, id string, c RiskRequest) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequestRiskAcceptance), c)
}

// ApproveRisk records one approver's decision on the risk acceptance
// (PRB-06). An approver who lacks the role they decide in, who requested
// an acceptance of the problem's risk, or who already decided on it is
// refused with a [*sms.ForbiddenError] citing PRB-06: the rule's approval
// gate, which the pipeline checks on the acting actors the journal
// records, so the generic [sms.Machine.Fire] refuses the same.
func (s *Service) ApproveRisk(ctx context.Context, a sms.Actor, id string, c RiskDecision) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApproveRisk), c)
}

// Resolve resolves the problem (PRB-02, PRB-06). For fix_applied the
// transition asks the [ChangeLookup] about the problem's change before its
// guards run; a resolution with a fix then retires the problem's known
// error (PRB-12), with the resolution when the stores can (see [Service]).
func (s *Service) Resolve(ctx context.Context, a sms.Actor, id string, c Resolution) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerResolve), c)
}

// Reconcile completes the known-error steps a problem's transitions imply
// when an earlier call returned a [*FollowUpError]: it records the known
// error a declared problem names if it is missing, and retires it if the
// problem was resolved by a fix. It is idempotent and returns the problem.
// It fires no transition on the problem: it is a repair, which reads the
// problem outside a transition, and the steps are the known error's
// transitions.
func (s *Service) Reconcile(ctx context.Context, a sms.Actor, id string) (*Problem, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	pr, err := s.m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if pr.KnownError == "" {
		return pr, nil
	}
	if err := recordKnownError(ctx, s.kes.m, a, pr, ""); err != nil && !errors.Is(err, sms.ErrExists) {
		return nil, &FollowUpError{Problem: pr.ID, KnownError: pr.KnownError, Step: "record", Err: err}
	}
	if err := retireFixed(ctx, s.kes.m, a, pr, ""); err != nil {
		return nil, &FollowUpError{Problem: pr.ID, KnownError: pr.KnownError, Step: "retire", Err: err}
	}
	return pr, nil
}

// Classify classifies and prioritises (PRB-03, PRB-04).
func (s *Service) Classify(ctx context.Context, a sms.Actor, id string, c Classification) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClassify), c)
}

// Assess accepts the problem for work under an owner (PRB-03, PRB-04).
func (s *Service) Assess(ctx context.Context, a sms.Actor, id string, c Assessment) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssess), c)
}

// StartRCA starts root-cause analysis (PRB-02).
func (s *Service) StartRCA(ctx context.Context, a sms.Actor, id string, c RCAStart) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStartRCA), c)
}

// RecordRootCause records the root-cause analysis (PRB-02).
func (s *Service) RecordRootCause(ctx context.Context, a sms.Actor, id string, c RootCauseAnalysis) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAnalyse), c)
}

// Recur sends a resolved problem back to root-cause analysis when a linked
// incident recurs inside the observation window (PRB-07).
func (s *Service) Recur(ctx context.Context, a sms.Actor, id string, c Recurrence) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecur), c)
}

// Close closes a resolved problem after its observation window (PRB-07).
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel cancels a problem not yet analysed (PRB-03).
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// Escalate escalates (PRB-05).
func (s *Service) Escalate(ctx context.Context, a sms.Actor, id string, c Escalation) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerEscalate), c)
}

// RecordAction records an action taken (PRB-08).
func (s *Service) RecordAction(ctx context.Context, a sms.Actor, id string, c Action) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordAction), c)
}

// Link links an incident, configuration item or change.
func (s *Service) Link(ctx context.Context, a sms.Actor, id string, c Link) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerLink), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Propagate communicates the problem's workaround or fix to every linked
// incident not yet informed of it (PRB-15): the transition's Prepare asks
// the host's [IncidentNotifier] to record it in each incident's journal,
// and the problem records which incidents were informed, in one journal
// entry. Nothing is sent when the problem may not propagate (the refusal
// is returned as for any trigger) or has nothing of the kind to tell. When
// some incidents could not be informed, the problem is returned as
// committed, with the others recorded, together with a
// [*PropagationError] (the rule's follow-up reports it; it sends nothing,
// and runs outside any atomic commit, so no incident is told twice); when
// none could, the error alone, and nothing changed. Propagating again
// informs the rest. Without a notifier configured, it is refused with a
// [*sms.ValidationError].
func (s *Service) Propagate(ctx context.Context, a sms.Actor, id string, c Propagation) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPropagate), c)
}

// Query selects problems; every field is optional.
type Query struct {
	Status  []Status
	Service string
	// Owner is the owner, or the investigator when no owner is named.
	Owner string
	// Link keeps problems linked to this record, such as
	// sms.Link{Type: problem.LinkIncident, ID: "INC-7"}.
	Link  sms.Link
	After string
	// Limit is the page size; 0 means 50, at most 1000.
	Limit int
}

// List returns a page of problems ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Problem], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Problem]{}, err
	}
	return s.m.List(ctx, sq)
}

func (q Query) query() (sms.Query, error) {
	st, err := sms.StatusFilter(Kind, q.Status, Status.Valid)
	return sms.Query{Status: st, Service: q.Service, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}, err
}

// Each calls fn for every problem matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Problem) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return s.m.Each(ctx, sq, fn)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
