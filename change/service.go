package change

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/iso20k/sms"
)

// Config configures a [Service]. The zero value works: see [Policy] and
// [sms.Options]; without Releases, a transition plan cannot start its
// transition (SDT-05).
type Config struct {
	Policy  Policy
	Options sms.Options
	// Releases tells whether a release is approved for deployment (SDT-05).
	Releases ReleaseLookup
}

// Stores are the stores of the three kinds of records change management
// keeps. All three are required.
type Stores struct {
	Changes   sms.Store[*Change]
	Plans     sms.Store[*TransitionPlan]
	Templates sms.Store[*Template]
}

// Service runs change management on its stores: changes, and through
// [Service.Plans] and [Service.Templates] their transition plans and
// standard-change templates. Each trigger has a typed method; every method
// is one transition through the shared pipeline and returns the record as
// committed, or an error that says why nothing changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]);
//   - [sms.ErrNotFound]: no such record;
//   - [sms.ErrForbidden]: the actor lacks a role, or segregation of duties
//     excludes them ([*sms.ForbiddenError] with the requirement): the
//     requester (named, or who raised or submitted the change) and the
//     implementer (named, or who implemented it) never approve, reject in
//     authorization or accept a degraded service (CHG-19, CHG-12); an
//     approver approves once (CHG-06) and is never named implementer nor
//     implements (CHG-19); a template's or a plan's author never approves
//     it (CHG-19);
//   - [sms.ErrTransition]: not allowed from the current status
//     ([*sms.TransitionError], with the permitted triggers);
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError], every one
//     with its requirement ID and clause);
//   - [sms.ErrConflict]: another writer committed first; read and retry;
//   - a store, lookup or context error.
//
// Some triggers read other records inside the transition, after the
// change is loaded and before the guards run (the rules' Prepare):
// submit_standard and start_implementation the template, authorize the
// transition plan, schedule the other scheduled changes. Nothing is read
// outside the pipeline. Those reads are not in the transition's atomic
// commit: a record that changes between the read and the commit is judged
// as it was read. [Service.Conform] re-examines the stored records.
//
// A Service is safe for concurrent use.
type Service struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Change, Trigger, Command]
	m         *sms.Machine[*Change]
	plans     *Plans
	templates *Templates
	policy    Policy
}

// NewService activates the policy and binds the three workflows to their
// stores. A policy that cannot be activated (no emergency model, no
// version or approver, a model without a change authority) or a missing
// store gives a [*sms.ValidationError].
func NewService(st Stores, cfg Config) (*Service, error) {
	if st.Changes == nil || st.Plans == nil || st.Templates == nil {
		return nil, sms.Invalid(Kind, "stores", "changes, plans and templates each need a store")
	}
	p, err := cfg.Policy.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{policy: p}
	pwf, err := sms.NewWorkflow(planDefinition(cfg.Releases))
	if err != nil {
		return nil, err
	}
	s.plans = &Plans{}
	if s.plans.m, err = sms.NewMachine(pwf, st.Plans, cfg.Options); err != nil {
		return nil, err
	}
	s.plans.Records = sms.NewRecords[*TransitionPlan, PlanTrigger, PlanCommand](s.plans.m)
	twf, err := sms.NewWorkflow(templateDefinition(&s.policy))
	if err != nil {
		return nil, err
	}
	s.templates = &Templates{}
	if s.templates.m, err = sms.NewMachine(twf, st.Templates, cfg.Options); err != nil {
		return nil, err
	}
	s.templates.Records = sms.NewRecords[*Template, TemplateTrigger, TemplateCommand](s.templates.m)
	// The change workflow last: its look-ups and its failure's follow-up
	// use the plan and template machines.
	wf, err := sms.NewWorkflow(definition(&s.policy, s, s.suspension()))
	if err != nil {
		return nil, err
	}
	if s.m, err = sms.NewMachine(wf, st.Changes, cfg.Options); err != nil {
		return nil, err
	}
	s.Records = sms.NewRecords[*Change, Trigger, Command](s.m)
	return s, nil
}

func mustCompile[E sms.Entity[E]](d sms.Definition[E]) *sms.Workflow[E] {
	wf, err := sms.NewWorkflow(d)
	if err != nil {
		panic(fmt.Sprintf("change: the built-in %s workflow does not compile: %v", d.Kind, err))
	}
	return wf
}

// Workflow returns the change workflow compiled with the default policy,
// for introspection and documentation. Its states, triggers and diagram do
// not depend on the policy; the roles that approve do. It has no stores
// to look in: its look-ups find nothing, and its fail suspends no
// template ([Service.Workflow] does both).
func Workflow() *sms.Workflow[*Change] {
	p, _ := Policy{}.withDefaults()
	return mustCompile(definition(&p, nil, nil))
}

// PlanWorkflow returns the transition plan workflow. Without the host's
// release look-up, its start_transition finds no release approved.
func PlanWorkflow() *sms.Workflow[*TransitionPlan] { return mustCompile(planDefinition(nil)) }

// TemplateWorkflow returns the standard-change template workflow compiled
// with the default policy.
func TemplateWorkflow() *sms.Workflow[*Template] {
	p, _ := Policy{}.withDefaults()
	return mustCompile(templateDefinition(&p))
}

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Plans returns the transition plans (SDT).
func (s *Service) Plans() *Plans { return s.plans }

// Templates returns the standard-change templates (CHG-18).
func (s *Service) Templates() *Templates { return s.templates }

// Raise records a request for change (CHG-04).
func (s *Service) Raise(ctx context.Context, a sms.Actor, c Request) (*Change, error) {
	return s.m.Create(ctx, a, c)
}

// Amend completes or corrects a draft request (CHG-04).
func (s *Service) Amend(ctx context.Context, a sms.Actor, id string, c Amendment) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAmend), c)
}

// Submit submits a normal change for assessment (CHG-03, CHG-04).
func (s *Service) Submit(ctx context.Context, a sms.Actor, id string, c Submission) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSubmit), c)
}

// SubmitEmergency submits an emergency change to the emergency authority
// (CHG-17).
func (s *Service) SubmitEmergency(ctx context.Context, a sms.Actor, id string, c EmergencySubmission) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSubmitEmergency), c)
}

// SubmitStandard submits a standard change from its template, which the
// transition reads (CHG-18).
func (s *Service) SubmitStandard(ctx context.Context, a sms.Actor, id string, c StandardSubmission) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSubmitStandard), c)
}

// CompleteAssessment records the assessment and moves the change to its
// authority (CHG-05, CHG-07, CHG-08, CHG-11).
func (s *Service) CompleteAssessment(ctx context.Context, a sms.Actor, id string, c Evaluation) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssess), c)
}

// RecordAssessment records an emergency change's assessment after the
// fact (CHG-17).
func (s *Service) RecordAssessment(ctx context.Context, a sms.Actor, id string, c Retrospective) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordAssessment), c)
}

// Approve records one approver's approval (CHG-06): one read of the
// change, in the transition. The rule's approval gate refuses, with a
// [*sms.ForbiddenError], an actor without a role of the change's
// authority (of its model and risk) and one who already approved it,
// citing CHG-06, and its requester (named, or who raised or submitted it)
// and its implementer (named, or who implemented it), citing CHG-19. An
// actor who holds none of the roles that approve any change is refused by
// the workflow's role check, which names those roles, citing CHG-06 too.
func (s *Service) Approve(ctx context.Context, a sms.Actor, id string, c Approval) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApprove), c)
}

// Authorize authorizes a change its authority approved; the transition
// reads its transition plan when it needs one (CHG-05, CHG-06, CHG-11).
func (s *Service) Authorize(ctx context.Context, a sms.Actor, id string, c Authorization) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuthorize), c)
}

// Reject rejects a change with a reason (CHG-06). In authorize, only an
// eligible approver rejects; others are refused as in [Service.Approve].
func (s *Service) Reject(ctx context.Context, a sms.Actor, id string, c Rejection) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReject), c)
}

// Schedule sets or changes the implementation schedule (CHG-08, CHG-10).
// The transition finds the other changes scheduled or being implemented on
// the same services or configuration items in an overlapping window (see
// [Service.Conflicts]): each must be in c.Acknowledge, or the schedule is
// refused citing CHG-08.
func (s *Service) Schedule(ctx context.Context, a sms.Actor, id string, c Scheduling) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSchedule), c)
}

// Conflicts returns, sorted, the IDs of the changes other than chg that
// are scheduled or being implemented on one of its services or
// configuration items in a window overlapping w (CHG-08).
func (s *Service) Conflicts(ctx context.Context, chg *Change, w Window) ([]string, error) {
	if chg == nil {
		return nil, sms.Invalid(Kind, "change", "is nil")
	}
	seen := map[string]bool{}
	var out []string
	find := func(l sms.Link) error {
		return s.Each(ctx, Query{Status: []Status{StatusScheduled, StatusImplement}, Link: l, Limit: sms.MaxLimit}, func(o *Change) bool {
			if o.ID != chg.ID && o.Schedule != nil && o.Schedule.Window.Overlaps(w) && !seen[o.ID] {
				seen[o.ID] = true
				out = append(out, o.ID)
			}
			return true
		})
	}
	for _, svc := range chg.Services {
		if err := find(sms.Link{Type: LinkService, ID: svc}); err != nil {
			return nil, err
		}
	}
	for _, ci := range chg.ConfigItems {
		if err := find(sms.Link{Type: LinkConfigItem, ID: ci.ID}); err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// ForwardSchedule returns the forward schedule of change (CHG-10): the
// changes scheduled or being implemented whose window overlaps [from,
// to), by start of window, then ID.
func (s *Service) ForwardSchedule(ctx context.Context, from, to time.Time) ([]*Change, error) {
	w := Window{Start: from, End: to}
	var out []*Change
	err := s.Each(ctx, Query{Status: []Status{StatusScheduled, StatusImplement}, Limit: sms.MaxLimit}, func(c *Change) bool {
		if c.Schedule != nil && c.Schedule.Window.Overlaps(w) {
			out = append(out, c)
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Schedule.Window.Start, out[j].Schedule.Window.Start
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// Notify records that interested parties were informed (CHG-10).
func (s *Service) Notify(ctx context.Context, a sms.Actor, id string, c Notification) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNotify), c)
}

// Start starts the implementation (CHG-06, CHG-09, CHG-10); the transition
// reads a standard change's template, to check it is still active
// (CHG-18).
func (s *Service) Start(ctx context.Context, a sms.Actor, id string, c Implementation) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStart), c)
}

// Complete records a successful implementation (CHG-12).
func (s *Service) Complete(ctx context.Context, a sms.Actor, id string, c Completion) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerComplete), c)
}

// Fail records a failed implementation (CHG-12). A failed standard change
// suspends its template, as the same actor, unless the policy keeps
// templates on failure (CHG-18): the fail rule's follow-up
// ([sms.FollowUp]), which the pipeline runs, so that [Service.Do] and a
// machine on [Service.Workflow] do the same.
//
// When the change and template stores commit several entities at once
// ([sms.CommitTogether], as two memstores or two sqlstores on one
// database do), the failure and the suspension are one commit: both stand
// or neither does, and observers hear of them once both stand. Otherwise,
// or if the template could not be suspended in that commit (it changed
// meanwhile, or its store refused), the failure is committed alone and the
// suspension follows as a second transition: if that cannot be committed,
// Fail returns the committed change together with a
// [*TemplateSuspensionError], and [Service.Sweep] reports the template
// until it is suspended.
func (s *Service) Fail(ctx context.Context, a sms.Actor, id string, c Failure) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerFail), c)
}

// suspends reports whether the failed change suspends its template.
func (s *Service) suspends(chg *Change) bool {
	return chg.ModelType == ModelStandard && !s.policy.KeepTemplateOnFailure && chg.Template != ""
}

// suspension is the fail rule's follow-up: the template of a failed
// standard change is suspended (CHG-18), in the failure's atomic commit
// where the stores offer one, else after it.
func (s *Service) suspension() *sms.FollowUp[*Change] {
	return &sms.FollowUp[*Change]{
		Run: func(ctx context.Context, t *tx) error {
			if !s.suspends(t.Entity) {
				return nil
			}
			return s.suspend(ctx, t.Actor, t.Entity)
		},
		Stores: []any{s.templates.m.Store()},
		Failed: func(t *tx, err error) error {
			return &TemplateSuspensionError{Change: t.Entity.ID, Template: t.Entity.Template, Err: err}
		},
	}
}

// TemplateSuspensionError reports that a standard change failed and was
// recorded as failed, but its template could not be suspended (CHG-18):
// the failure stands, the suspension is still due. It matches
// [sms.ErrFollowUp] with errors.Is, and unwraps to the cause too.
type TemplateSuspensionError struct {
	Change, Template string
	Err              error
}

// Error says which change failed and which template stayed active.
func (e *TemplateSuspensionError) Error() string {
	return fmt.Sprintf("change %q: failed, but its template %q could not be suspended: %v", e.Change, e.Template, e.Err)
}

// Unwrap returns [sms.ErrFollowUp] and the cause.
func (e *TemplateSuspensionError) Unwrap() []error {
	if e.Err == nil {
		return []error{sms.ErrFollowUp}
	}
	return []error{sms.ErrFollowUp, e.Err}
}

// suspend fires the template's suspension after the failed change: nil
// once it is suspended, or when it was already not active (or is gone).
func (s *Service) suspend(ctx context.Context, a sms.Actor, chg *Change) error {
	cmd := TemplateSuspension{Reason: "standard change " + chg.ID + " failed: " + chg.Work.FailureReason, FailedChange: chg.ID}
	if len(cmd.Reason) > MaxText {
		cmd.Reason = cmd.Reason[:MaxText]
	}
	_, err := s.templates.m.Fire(ctx, a, chg.Template, string(TemplateSuspend), cmd)
	if errors.Is(err, sms.ErrTransition) || errors.Is(err, sms.ErrNotFound) {
		return nil
	}
	return err
}

// RemediationDone records how a failed change was reversed or remedied
// (CHG-12).
func (s *Service) RemediationDone(ctx context.Context, a sms.Actor, id string, c Remedy) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRemediated), c)
}

// Review records the post-implementation review (CHG-13).
func (s *Service) Review(ctx context.Context, a sms.Actor, id string, c PIR) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReview), c)
}

// Close closes a reviewed change (CHG-13, CHG-15, CHG-17).
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel withdraws a change before implementation (CHG-20).
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// Link links another record by ID.
func (s *Service) Link(ctx context.Context, a sms.Actor, id string, c Link) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerLink), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Change, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Do runs any change command as its typed method does: the command's
// trigger on change id (see [sms.Machine.Do]), with a [Failure] what
// [Service.Fail] does. A [Request], which creates a change, carries its
// own ID: id must then be empty. A nil command is invalid.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Change, error) {
	return s.m.Do(ctx, a, id, c)
}

// Query selects changes; every field is optional.
type Query struct {
	Status []Status
	// Service is the first affected service; Link{Type: LinkService}
	// finds a change by any of its services.
	Service string
	// Owner is the implementer, once scheduled.
	Owner string
	// Link keeps changes linked to this record: a service, a configuration
	// item, a problem, a release ...
	Link sms.Link
	// After is the cursor: the previous page's Next.
	After string
	// Limit is the page size; 0 means 50, at most 1000.
	Limit int
}

// List returns a page of changes ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Change], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Change]{}, err
	}
	return s.m.List(ctx, sq)
}

// Each calls fn for every change matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Change) bool) error {
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

func (q PlanQuery) query() (sms.Query, error) {
	st, err := sms.StatusFilter(PlanKind, q.Status, PlanStatus.Valid)
	return sms.Query{Status: st, Service: q.Service, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}, err
}

func (q TemplateQuery) query() (sms.Query, error) {
	st, err := sms.StatusFilter(TemplateKind, q.Status, TemplateStatus.Valid)
	return sms.Query{Status: st, Service: q.Service, Owner: q.Owner, After: q.After, Limit: q.Limit}, err
}

// Plans runs transition plans (SDT-01 to SDT-06). Get it from
// [Service.Plans]; its methods return the errors [Service] documents.
type Plans struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*TransitionPlan, PlanTrigger, PlanCommand]
	m *sms.Machine[*TransitionPlan]
}

// Draft drafts a transition plan (SDT-01).
func (p *Plans) Draft(ctx context.Context, a sms.Actor, c DraftPlan) (*TransitionPlan, error) {
	return p.m.Create(ctx, a, c)
}

// Revise replaces a draft plan's content.
func (p *Plans) Revise(ctx context.Context, a sms.Actor, id string, c PlanRevision) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanRevise), c)
}

// Approve approves a complete plan (SDT-01, SDT-02).
func (p *Plans) Approve(ctx context.Context, a sms.Actor, id string, c PlanApproval) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanApprove), c)
}

// StartDesign starts the design.
func (p *Plans) StartDesign(ctx context.Context, a sms.Actor, id string, c DesignStart) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanStartDesign), c)
}

// CompleteDesign records the design (SDT-03).
func (p *Plans) CompleteDesign(ctx context.Context, a sms.Actor, id string, c Design) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanCompleteDesign), c)
}

// PassAcceptance records passed acceptance tests (SDT-04).
func (p *Plans) PassAcceptance(ctx context.Context, a sms.Actor, id string, c AcceptancePassed) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanPassAcceptance), c)
}

// FailAcceptance records failed acceptance tests (SDT-04).
func (p *Plans) FailAcceptance(ctx context.Context, a sms.Actor, id string, c AcceptanceFailed) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanFailAcceptance), c)
}

// Rework decides to rework after a failed acceptance (SDT-04).
func (p *Plans) Rework(ctx context.Context, a sms.Actor, id string, c Rework) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanRework), c)
}

// AcceptWithConditions decides to accept despite failed criteria (SDT-04).
func (p *Plans) AcceptWithConditions(ctx context.Context, a sms.Actor, id string, c ConditionalAcceptance) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanAcceptConditions), c)
}

// StartTransition starts the transition through an approved release, which
// the transition asks the host about (SDT-05).
func (p *Plans) StartTransition(ctx context.Context, a sms.Actor, id string, c TransitionStart) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanStartTransition), c)
}

// CompleteTransition records that the service is live, in early life.
func (p *Plans) CompleteTransition(ctx context.Context, a sms.Actor, id string, c TransitionEnd) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanEndTransition), c)
}

// Report reports the outcomes achieved (SDT-06).
func (p *Plans) Report(ctx context.Context, a sms.Actor, id string, c OutcomeReport) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanReport), c)
}

// Close closes a reported plan (SDT-06).
func (p *Plans) Close(ctx context.Context, a sms.Actor, id string, c PlanClosure) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanClose), c)
}

// Cancel cancels a plan before its transition.
func (p *Plans) Cancel(ctx context.Context, a sms.Actor, id string, c PlanCancellation) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanCancel), c)
}

// AddNote adds a note.
func (p *Plans) AddNote(ctx context.Context, a sms.Actor, id string, c PlanNoteText) (*TransitionPlan, error) {
	return p.m.Fire(ctx, a, id, string(PlanNote), c)
}

// Do runs any plan command as its typed method does. A [DraftPlan], which
// creates a plan, carries its own ID: id must then be empty.
func (p *Plans) Do(ctx context.Context, a sms.Actor, id string, c PlanCommand) (*TransitionPlan, error) {
	return p.m.Do(ctx, a, id, c)
}

// PlanQuery selects transition plans; every field is optional.
type PlanQuery struct {
	Status []PlanStatus
	// Service is the plan's service; Owner its author.
	Service string
	Owner   string
	// Link keeps plans linked to this record, such as
	// sms.Link{Type: change.LinkChange, ID: "CHG-1"}.
	Link  sms.Link
	After string
	Limit int
}

// List returns a page of plans ordered by ID.
func (p *Plans) List(ctx context.Context, q PlanQuery) (sms.Page[*TransitionPlan], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*TransitionPlan]{}, err
	}
	return p.m.List(ctx, sq)
}

// Each calls fn for every plan matching q until fn returns false.
func (p *Plans) Each(ctx context.Context, q PlanQuery, fn func(*TransitionPlan) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return p.m.Each(ctx, sq, fn)
}

// Templates runs standard-change templates (CHG-18). Get it from
// [Service.Templates]; its methods return the errors [Service] documents.
type Templates struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Template, TemplateTrigger, TemplateCommand]
	m *sms.Machine[*Template]
}

// Propose proposes a template.
func (t *Templates) Propose(ctx context.Context, a sms.Actor, c TemplateProposal) (*Template, error) {
	return t.m.Create(ctx, a, c)
}

// Revise revises a proposed or suspended template.
func (t *Templates) Revise(ctx context.Context, a sms.Actor, id string, c TemplateRevision) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateRevise), c)
}

// Approve records one approval of a template (CHG-18, CHG-19).
func (t *Templates) Approve(ctx context.Context, a sms.Actor, id string, c TemplateApproval) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateApprove), c)
}

// Activate activates an approved template or reinstates a suspended one.
func (t *Templates) Activate(ctx context.Context, a sms.Actor, id string, c TemplateActivation) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateActivate), c)
}

// Suspend suspends an active template.
func (t *Templates) Suspend(ctx context.Context, a sms.Actor, id string, c TemplateSuspension) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateSuspend), c)
}

// Review records the periodic review of an active template.
func (t *Templates) Review(ctx context.Context, a sms.Actor, id string, c TemplateReviewRecord) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateReview), c)
}

// Retire retires a template.
func (t *Templates) Retire(ctx context.Context, a sms.Actor, id string, c TemplateRetirement) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateRetire), c)
}

// AddNote adds a note.
func (t *Templates) AddNote(ctx context.Context, a sms.Actor, id string, c TemplateNoteText) (*Template, error) {
	return t.m.Fire(ctx, a, id, string(TemplateNote), c)
}

// Do runs any template command as its typed method does. A
// [TemplateProposal], which creates a template, carries its own ID: id
// must then be empty.
func (t *Templates) Do(ctx context.Context, a sms.Actor, id string, c TemplateCommand) (*Template, error) {
	return t.m.Do(ctx, a, id, c)
}

// TemplateQuery selects templates; every field is optional.
type TemplateQuery struct {
	Status []TemplateStatus
	// Service is the first service in scope; Owner the author.
	Service string
	Owner   string
	After   string
	Limit   int
}

// List returns a page of templates ordered by ID.
func (t *Templates) List(ctx context.Context, q TemplateQuery) (sms.Page[*Template], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Template]{}, err
	}
	return t.m.List(ctx, sq)
}

// Each calls fn for every template matching q until fn returns false.
func (t *Templates) Each(ctx context.Context, q TemplateQuery, fn func(*Template) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return t.m.Each(ctx, sq, fn)
}
