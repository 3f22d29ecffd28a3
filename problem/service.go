package problem

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

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
// one for known errors, each with its own workflow. A problem transition
// that implies a step on its known error (declaring one records it;
// resolving with a fix retires it) takes that step right after the
// problem's commit; the two are not one transaction, so if the second step
// fails the method returns a [*FollowUpError] (it matches
// [sms.ErrFollowUp]) and [Service.Reconcile] completes it.
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
// A Service is safe for concurrent use.
type Service struct {
	m         *sms.Machine[*Problem]
	ke        *sms.Machine[*KnownError]
	policy    Policy
	changes   ChangeLookup
	incidents IncidentNotifier
	newID     func() string
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
	s := &Service{policy: p, changes: cfg.Changes, incidents: cfg.Incidents, newID: cfg.Options.NewID}
	if s.newID == nil {
		s.newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	wf, err := sms.NewWorkflow(definition(&s.policy))
	if err != nil {
		return nil, err
	}
	kwf, err := sms.NewWorkflow(keDefinition())
	if err != nil {
		return nil, err
	}
	if s.m, err = sms.NewMachine(wf, st.Problems, cfg.Options); err != nil {
		return nil, err
	}
	if s.ke, err = sms.NewMachine(kwf, st.KnownErrors, cfg.Options); err != nil {
		return nil, err
	}
	return s, nil
}

// Workflow returns the problem workflow compiled with the default policy,
// for introspection and documentation.
func Workflow() *sms.Workflow[*Problem] {
	p, _ := Policy{}.withDefaults()
	wf, err := sms.NewWorkflow(definition(&p))
	if err != nil {
		panic("problem: the built-in workflow does not compile: " + err.Error())
	}
	return wf
}

// KnownErrorWorkflow returns the known-error workflow.
func KnownErrorWorkflow() *sms.Workflow[*KnownError] {
	wf, err := sms.NewWorkflow(keDefinition())
	if err != nil {
		panic("problem: the built-in known-error workflow does not compile: " + err.Error())
	}
	return wf
}

// Workflow returns the service's compiled problem workflow.
func (s *Service) Workflow() *sms.Workflow[*Problem] { return s.m.Workflow() }

// KnownErrorWorkflow returns the service's compiled known-error workflow.
func (s *Service) KnownErrorWorkflow() *sms.Workflow[*KnownError] { return s.ke.Workflow() }

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Log records a new problem (PRB-03, PRB-14).
func (s *Service) Log(ctx context.Context, a sms.Actor, c Report) (*Problem, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any problem command: the trigger is the command's. A [Report]
// creates a problem and id must then be empty.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Problem, error) {
	switch c := c.(type) {
	case nil:
		return nil, sms.Invalid(Kind, "command", "is nil")
	case Report:
		if id != "" {
			return nil, sms.Invalid(Kind, "id", "a report creates a problem: pass its ID in Report.ID")
		}
		return s.Log(ctx, a, c)
	case KnownErrorDeclaration:
		return s.DeclareKnownError(ctx, a, id, c)
	case FixStart:
		return s.StartFix(ctx, a, id, c)
	case Resolution:
		return s.Resolve(ctx, a, id, c)
	case RiskDecision:
		return s.ApproveRisk(ctx, a, id, c)
	case Propagation:
		return s.Propagate(ctx, a, id, c)
	}
	return s.m.Fire(ctx, a, id, string(c.Trigger()), c)
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

// DeclareKnownError declares the problem a known error (PRB-02, PRB-10)
// and records its [KnownError] in draft (PRB-11); the problem's KnownError
// field names it.
func (s *Service) DeclareKnownError(ctx context.Context, a sms.Actor, id string, c KnownErrorDeclaration) (*Problem, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.KnownErrorID == "" {
		c.KnownErrorID = s.newID()
	}
	pr, err := s.m.Fire(ctx, a, id, string(TriggerDeclareKnownError), c)
	if err != nil {
		return nil, err
	}
	if err := s.recordKnownError(ctx, a, pr, c.Title); err != nil {
		return nil, err
	}
	return pr, nil
}

// recordKnownError creates the problem's known error from its fields.
func (s *Service) recordKnownError(ctx context.Context, a sms.Actor, pr *Problem, title string) error {
	if title == "" {
		title = pr.Summary
	}
	rec := keRecord{ID: pr.KnownError, Problem: pr.ID, Title: title, Symptoms: pr.Symptoms, RootCause: pr.RootCause(),
		Workaround: pr.Workaround, Mitigation: pr.Mitigation, Services: []string{pr.Service}}
	for _, l := range pr.Links {
		if l.Type == LinkConfigItem {
			rec.ConfigItems = append(rec.ConfigItems, l.ID)
		}
	}
	if _, err := s.ke.Create(ctx, a, rec); err != nil {
		return &FollowUpError{Problem: pr.ID, KnownError: pr.KnownError, Step: "record", Err: err}
	}
	return nil
}

// lookup asks the host about a change; a change it does not know is
// reported as not found, not as an error.
func (s *Service) lookup(ctx context.Context, change string) (outcome ChangeOutcome, found bool, err error) {
	outcome, err = s.changes.ChangeOutcome(ctx, change)
	if errors.Is(err, sms.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return outcome, true, nil
}

// StartFix starts a permanent fix under a change (PRB-09). With a
// [ChangeLookup] configured, the change must exist and be open.
func (s *Service) StartFix(ctx context.Context, a sms.Actor, id string, c FixStart) (*Problem, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.looked, c.outcome, c.found = false, "", false
	if s.changes != nil && c.Change != "" {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		outcome, found, err := s.lookup(ctx, c.Change)
		if err != nil {
			return nil, err
		}
		c.looked, c.outcome, c.found = true, outcome, found
	}
	return s.m.Fire(ctx, a, id, string(TriggerStartFix), c)
}

// RequestRiskAcceptance asks to accept the risk of the cause (PRB-06).
func (s *Service) RequestRiskAcceptance(ctx context.Context, a sms.Actor, id string, c RiskRequest) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequestRiskAcceptance), c)
}

// ApproveRisk records one approver's decision on the risk acceptance
// (PRB-06). An approver who lacks the role they decide in, who requested
// an acceptance of the problem's risk, who logged the problem, or who
// already decided on it is refused with a [*sms.ForbiddenError] citing
// PRB-06: the transition's segregation of duties, which compares the
// acting actors the journal records, so the generic [sms.Machine.Fire]
// refuses the same.
func (s *Service) ApproveRisk(ctx context.Context, a sms.Actor, id string, c RiskDecision) (*Problem, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApproveRisk), c)
}

// Resolve resolves the problem (PRB-02, PRB-06). For fix_applied the
// service asks the [ChangeLookup] about the problem's change; a resolution
// with a fix then retires the problem's known error (PRB-12).
func (s *Service) Resolve(ctx context.Context, a sms.Actor, id string, c Resolution) (*Problem, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.looked, c.change, c.outcome, c.found = false, "", "", false
	if c.Type == FixApplied && s.changes != nil {
		pr, err := s.m.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if pr.Change != "" {
			outcome, found, err := s.lookup(ctx, pr.Change)
			if err != nil {
				return nil, err
			}
			c.looked, c.change, c.outcome, c.found = true, pr.Change, outcome, found
		}
	}
	pr, err := s.m.Fire(ctx, a, id, string(TriggerResolve), c)
	if err != nil {
		return nil, err
	}
	if err := s.retireKnownError(ctx, a, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// retireKnownError retires the known error of a problem resolved by a fix.
func (s *Service) retireKnownError(ctx context.Context, a sms.Actor, pr *Problem) error {
	if pr.Resolution != FixApplied || pr.KnownError == "" {
		return nil
	}
	k, err := s.ke.Get(ctx, pr.KnownError)
	if errors.Is(err, sms.ErrNotFound) {
		return nil // never recorded: Reconcile records it, the audit reports it
	}
	if err == nil && k.Status != KERetired {
		_, err = s.ke.Fire(ctx, a, k.ID, string(KETriggerRetire), KERetirement{
			Reason: "the cause was removed by change " + pr.Change + " (problem " + pr.ID + " resolved)", Fix: pr.Change})
	}
	if err != nil {
		return &FollowUpError{Problem: pr.ID, KnownError: pr.KnownError, Step: "retire", Err: err}
	}
	return nil
}

// Reconcile completes the known-error steps a problem's transitions imply
// when an earlier call returned a [*FollowUpError]: it records the known
// error a declared problem names if it is missing, and retires it if the
// problem was resolved by a fix. It is idempotent and returns the problem.
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
	if _, err := s.ke.Get(ctx, pr.KnownError); errors.Is(err, sms.ErrNotFound) {
		if err := s.recordKnownError(ctx, a, pr, ""); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if err := s.retireKnownError(ctx, a, pr); err != nil {
		return nil, err
	}
	return pr, nil
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
// incident not yet informed of it (PRB-15): the host's [IncidentNotifier]
// records it in each incident's journal, and the problem records which
// incidents were informed, in one journal entry. Nothing is sent when the
// problem may not propagate (the refusal is returned as for any trigger).
// When some incidents could not be informed, the problem is returned as
// committed, with the others recorded, together with a
// [*PropagationError]; propagating again informs the rest.
func (s *Service) Propagate(ctx context.Context, a sms.Actor, id string, c Propagation) (*Problem, error) {
	if s.incidents == nil {
		return nil, sms.Invalid(Kind, "config.incidents", "no IncidentNotifier is configured to record the communication on each incident")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	c.informed = nil
	pr, err := s.m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, inc := range pr.Incidents() {
		if !pr.WasInformed(inc, c.Kind) {
			pending = append(pending, inc)
		}
	}
	_, allowed := s.m.Workflow().Next(pr.State(), string(TriggerPropagate))
	content := (c.Kind == CommunicateWorkaround && hasRemedy(pr.Workaround, pr.Mitigation)) || (c.Kind == CommunicateFix && pr.Resolution == FixApplied)
	if !allowed || !content || len(pending) == 0 || !a.HasAny([]sms.Role{RoleAnalyst, RoleProblemManager}) {
		return s.m.Fire(ctx, a, id, string(TriggerPropagate), c) // the refusal, with its reasons
	}
	msg := Communication{Problem: pr.ID, KnownError: pr.KnownError, Kind: c.Kind, Text: communicationText(pr, c.Kind)}
	if c.Kind == CommunicateFix {
		msg.Change = pr.Change
	}
	failed := map[string]error{}
	for _, inc := range pending {
		if err := ctx.Err(); err != nil {
			failed[inc] = err
			continue
		}
		if err := s.incidents.Inform(ctx, a, inc, msg); err != nil {
			failed[inc] = err
			continue
		}
		c.informed = append(c.informed, inc)
	}
	var perr error
	if len(failed) > 0 {
		perr = &PropagationError{Problem: pr.ID, Failed: failed}
	}
	if len(c.informed) == 0 {
		return nil, perr
	}
	pr, err = s.m.Fire(ctx, a, id, string(TriggerPropagate), c)
	if err != nil {
		return nil, errors.Join(err, perr)
	}
	return pr, perr
}

// communicationText is what an incident is told.
func communicationText(pr *Problem, k CommunicationKind) string {
	var b strings.Builder
	if k == CommunicateFix {
		b.WriteString("Problem " + pr.ID + " was fixed by change " + pr.Change)
		if pr.ResolutionNotes != "" {
			b.WriteString(": " + pr.ResolutionNotes)
		}
		return b.String()
	}
	b.WriteString("Known error")
	if pr.KnownError != "" {
		b.WriteString(" " + pr.KnownError)
	}
	b.WriteString(" (problem " + pr.ID + ")")
	if pr.Workaround != "" {
		b.WriteString(". Workaround: " + pr.Workaround)
	}
	if len(pr.Mitigation) > 0 {
		b.WriteString(". Mitigation: " + strings.Join(pr.Mitigation, "; "))
	}
	return b.String()
}

// Get returns the stored problem.
func (s *Service) Get(ctx context.Context, id string) (*Problem, error) { return s.m.Get(ctx, id) }

// Journal returns the problem's journal, oldest entry first.
func (s *Service) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return s.m.Journal(ctx, id)
}

// Verify checks the problem's journal hash chain and that the stored
// problem is the one its journal built up to.
func (s *Service) Verify(ctx context.Context, id string) error { return s.m.Verify(ctx, id) }

// Permitted returns the triggers the actor may fire on the problem now,
// judged by its status and the actor's roles.
func (s *Service) Permitted(pr *Problem, a sms.Actor) []Trigger {
	return sms.PermittedAs[Trigger](s.m.Workflow(), pr, a)
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

// DoKnownError runs any known-error command on the known error id.
func (s *Service) DoKnownError(ctx context.Context, a sms.Actor, id string, c KECommand) (*KnownError, error) {
	if c == nil {
		return nil, sms.Invalid(KnownErrorKind, "command", "is nil")
	}
	if _, ok := c.(keRecord); ok {
		return nil, sms.Invalid(KnownErrorKind, "command", "known errors are recorded by DeclareKnownError")
	}
	return s.ke.Fire(ctx, a, id, string(c.Trigger()), c)
}

// ReviseKnownError edits a draft or published known error (PRB-12).
func (s *Service) ReviseKnownError(ctx context.Context, a sms.Actor, id string, c KERevision) (*KnownError, error) {
	return s.ke.Fire(ctx, a, id, string(KETriggerRevise), c)
}

// PublishKnownError publishes a draft known error (PRB-12).
func (s *Service) PublishKnownError(ctx context.Context, a sms.Actor, id string, c KEPublication) (*KnownError, error) {
	return s.ke.Fire(ctx, a, id, string(KETriggerPublish), c)
}

// ReviewKnownError records the review of a published known error (PRB-12).
func (s *Service) ReviewKnownError(ctx context.Context, a sms.Actor, id string, c KEReview) (*KnownError, error) {
	return s.ke.Fire(ctx, a, id, string(KETriggerReview), c)
}

// RetireKnownError retires a known error (PRB-12).
func (s *Service) RetireKnownError(ctx context.Context, a sms.Actor, id string, c KERetirement) (*KnownError, error) {
	return s.ke.Fire(ctx, a, id, string(KETriggerRetire), c)
}

// AddKnownErrorNote adds a note to a known error, in any status.
func (s *Service) AddKnownErrorNote(ctx context.Context, a sms.Actor, id string, c KENote) (*KnownError, error) {
	return s.ke.Fire(ctx, a, id, string(KETriggerNote), c)
}

// KnownError returns the stored known error.
func (s *Service) KnownError(ctx context.Context, id string) (*KnownError, error) {
	return s.ke.Get(ctx, id)
}

// KnownErrorJournal returns the known error's journal.
func (s *Service) KnownErrorJournal(ctx context.Context, id string) ([]sms.Entry, error) {
	return s.ke.Journal(ctx, id)
}

// VerifyKnownError checks the known error's journal.
func (s *Service) VerifyKnownError(ctx context.Context, id string) error { return s.ke.Verify(ctx, id) }

// KEQuery selects known errors; every field is optional.
type KEQuery struct {
	Status []KEStatus
	// Link keeps known errors with this link: a service
	// (problem.LinkService), a configuration item, a symptom
	// (problem.LinkSymptom with a [SymptomKey]) or the problem.
	Link  sms.Link
	After string
	Limit int
}

// ListKnownErrors returns a page of known errors ordered by ID.
func (s *Service) ListKnownErrors(ctx context.Context, q KEQuery) (sms.Page[*KnownError], error) {
	st, err := sms.StatusFilter(KnownErrorKind, q.Status, KEStatus.Valid)
	if err != nil {
		return sms.Page[*KnownError]{}, err
	}
	return s.ke.List(ctx, sms.Query{Status: st, Link: q.Link, After: q.After, Limit: q.Limit})
}

// Symptoms are what an incident shows, to match against published known
// errors (PRB-12).
type Symptoms struct {
	Service     string
	ConfigItems []string
	// Texts are symptom descriptions; they match by [SymptomKey].
	Texts []string
}

// MatchKnownErrors returns the published known errors that match any of
// the symptoms: the service, a configuration item or a symptom text
// (PRB-12), in ID order, each once. Drafts and retired known errors are
// never returned.
func (s *Service) MatchKnownErrors(ctx context.Context, m Symptoms) ([]*KnownError, error) {
	var links []sms.Link
	if m.Service != "" {
		links = append(links, sms.Link{Type: LinkService, ID: m.Service})
	}
	for _, ci := range m.ConfigItems {
		links = append(links, sms.Link{Type: LinkConfigItem, ID: ci})
	}
	for _, t := range m.Texts {
		if k := SymptomKey(t); k != "" {
			links = append(links, sms.Link{Type: LinkSymptom, ID: k})
		}
	}
	found := map[string]*KnownError{}
	for _, l := range links {
		if err := sms.ValidateID(l.ID); err != nil {
			return nil, sms.Invalid(KnownErrorKind, "match."+l.Type, "%v", err)
		}
		q := KEQuery{Status: []KEStatus{KEPublished}, Link: l, Limit: sms.MaxLimit}
		for {
			page, err := s.ListKnownErrors(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, k := range page.Items {
				found[k.ID] = k
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	out := make([]*KnownError, 0, len(found))
	for _, k := range found {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
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
