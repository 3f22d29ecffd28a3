// Package skeleton is the smallest complete process package: the shape
// every process of the library follows, and the one CONTRIBUTING.md walks
// through. It manages suggestions for improvement: one is submitted,
// accepted by a reviewer other than its submitter or declined with a
// reason, and accepted ones are done with a note of what was done.
//
// Its lifecycle, drawn from the workflow table:
//
//	stateDiagram-v2
//	    [*] --> submitted: submit
//	    submitted --> accepted: accept
//	    submitted --> declined: decline
//	    accepted --> done: complete
//	    declined --> [*]
//	    done --> [*]
//	    %% submitted, in place: note
//	    %% accepted, in place: note
//	    %% declined, in place: note
//	    %% done, in place: note
package skeleton

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kind is the entity kind of suggestions, as stored.
const Kind sms.Kind = "suggestion"

// Status is a suggestion's status; the values are persisted.
type Status string

// Suggestion statuses.
const (
	StatusSubmitted Status = "submitted"
	StatusAccepted  Status = "accepted"
	StatusDeclined  Status = "declined"
	StatusDone      Status = "done"
)

// Statuses returns every status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusSubmitted, StatusAccepted, StatusDeclined, StatusDone}
}

// Trigger names a transition; the values are persisted.
type Trigger string

// Suggestion triggers.
const (
	TriggerSubmit   Trigger = "submit"
	TriggerAccept   Trigger = "accept"
	TriggerDecline  Trigger = "decline"
	TriggerComplete Trigger = "complete"
	TriggerNote     Trigger = "note"
)

// Triggers returns every trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerSubmit, TriggerAccept, TriggerDecline, TriggerComplete, TriggerNote}
}

// Roles the workflow accepts.
const (
	RoleStaff    sms.Role = "staff"
	RoleReviewer sms.Role = "reviewer"
)

// Requirements returns the catalogue: every requirement the package
// enforces, each cited by ID by the guards and checks.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SKL-01", Clause: "10.2", Text: "suggestions for improvement are recorded"},
		{ID: "SKL-02", Clause: "10.2", Text: "a suggestion is decided by a reviewer other than its submitter"},
		{ID: "SKL-03", Clause: "10.2", Text: "a declined suggestion gives its reason"},
		{ID: "SKL-04", Clause: "10.2", Text: "a suggestion is done only with a note of what was done"},
	}
}

// Suggestion is the record of one suggestion for improvement.
type Suggestion struct {
	sms.Meta
	Status  Status           `json:"status"`
	Summary string           `json:"summary"`
	Service string           `json:"service,omitempty"`
	Reason  string           `json:"reason,omitempty"`
	Outcome string           `json:"outcome,omitempty"`
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Suggestion) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (s *Suggestion) State() string { return string(s.Status) }

// SetState implements [sms.Entity].
func (s *Suggestion) SetState(v string) { s.Status = Status(v) }

// Attributes implements [sms.Entity].
func (s *Suggestion) Attributes() sms.Attributes { return sms.Attributes{Service: s.Service} }

// Clone implements [sms.Entity].
func (s *Suggestion) Clone() *Suggestion {
	c := *s
	c.Parties = slices.Clone(s.Parties)
	return &c
}

// Command is the input of one trigger.
type Command interface {
	sms.Command
	Trigger() Trigger
}

// Submission submits a suggestion (SKL-01).
type Submission struct {
	ID      string
	Summary string
	Service string
}

// Decision accepts a suggestion (SKL-02).
type Decision struct{}

// Declination declines a suggestion with a reason (SKL-03).
type Declination struct{ Reason string }

// Completion records what was done (SKL-04).
type Completion struct{ Outcome string }

// Note adds a note.
type Note struct{ Text string }

// Trigger implements [Command].
func (Submission) Trigger() Trigger  { return TriggerSubmit }
func (Decision) Trigger() Trigger    { return TriggerAccept }
func (Declination) Trigger() Trigger { return TriggerDecline }
func (Completion) Trigger() Trigger  { return TriggerComplete }
func (Note) Trigger() Trigger        { return TriggerNote }

// Validate implements [sms.Command].
func (c Submission) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "id", c.ID), sms.CheckText(Kind, "summary", c.Summary, sms.MaxShort),
		sms.CheckRef(Kind, "service", c.Service))
}
func (Decision) Validate() error      { return nil }
func (c Declination) Validate() error { return sms.CheckText(Kind, "reason", c.Reason, sms.MaxText) }
func (c Completion) Validate() error  { return sms.CheckText(Kind, "outcome", c.Outcome, sms.MaxText) }
func (c Note) Validate() error        { return sms.CheckText(Kind, "text", c.Text, sms.MaxText) }

type tx = sms.Transition[*Suggestion]

func cite(id string) sms.Requirement { return sms.Requirement{ID: id} }

// ServiceCatalogue is the host's look-up of the services a suggestion may
// name; nil accepts any.
type ServiceCatalogue interface {
	Known(ctx context.Context, service string) (bool, error)
}

// lookups is what the submit rule's Prepare found.
type lookups struct{ serviceKnown bool }

func definition(services ServiceCatalogue) sms.Definition[*Suggestion] {
	all := sms.StatesOf(Statuses()...)
	return sms.Definition[*Suggestion]{
		Kind: Kind, States: all, Terminal: sms.StatesOf(StatusDeclined, StatusDone),
		New: func() *Suggestion { return &Suggestion{} }, Catalogue: Requirements(),
		Rules: []sms.Rule[*Suggestion]{
			{
				Trigger: string(TriggerSubmit), To: string(StatusSubmitted), Roles: []sms.Role{RoleStaff, RoleReviewer}, Command: Submission{},
				// A host look-up, inside the pipeline: its answer is on the
				// transition for the guards.
				Prepare: func(ctx context.Context, t *tx) error {
					c := sms.CommandOf[Submission](t)
					l := &lookups{serviceKnown: true}
					if services != nil && c.Service != "" {
						known, err := services.Known(ctx, c.Service)
						if err != nil {
							return err
						}
						l.serviceKnown = known
					}
					t.Prepared = l
					return nil
				},
				Guards: []sms.Guard[*Suggestion]{
					{Requirement: cite("SKL-01"), Check: func(t *tx) bool { return !sms.Blank(sms.CommandOf[Submission](t).Summary) }},
					{Requirement: sms.Requirement{ID: "SKL-01", Text: "a suggestion names a service the organisation runs"},
						Check: func(t *tx) bool { l, _ := t.Prepared.(*lookups); return l != nil && l.serviceKnown }},
				},
				Apply: func(t *tx) {
					c, s := sms.CommandOf[Submission](t), t.Entity
					s.ID, s.Summary, s.Service = c.ID, c.Summary, c.Service
					s.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
					t.Record("summary", c.Summary)
				},
			},
			{
				Trigger: string(TriggerAccept), From: sms.StatesOf(StatusSubmitted), To: string(StatusAccepted), Roles: []sms.Role{RoleReviewer},
				Command: Decision{}, Requirement: cite("SKL-02"),
				// The approval on the rule: the kernel refuses a submitter.
				Approval: &sms.ApprovalGate[*Suggestion]{
					Requirement: cite("SKL-02"),
					Rule: func(*tx) (sms.ApprovalRule, bool) {
						return sms.ApprovalRule{Roles: []sms.Role{RoleReviewer}, Quorum: 1, Exclude: []sms.Party{sms.PartyRequester}}, true
					},
					Parties: func(s *Suggestion) sms.Participants { return s.Parties },
				},
				Apply: func(t *tx) { t.Entity.Parties.Add(sms.PartyApprover, t.Actor.ID, true) },
			},
			{
				Trigger: string(TriggerDecline), From: sms.StatesOf(StatusSubmitted), To: string(StatusDeclined), Roles: []sms.Role{RoleReviewer},
				Command: Declination{}, Requirement: cite("SKL-03"),
				Guards: []sms.Guard[*Suggestion]{{Requirement: cite("SKL-03"), Check: func(t *tx) bool { return !sms.Blank(sms.CommandOf[Declination](t).Reason) }}},
				Apply: func(t *tx) {
					t.Entity.Reason = sms.CommandOf[Declination](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerComplete), From: sms.StatesOf(StatusAccepted), To: string(StatusDone), Roles: []sms.Role{RoleStaff, RoleReviewer},
				Command: Completion{}, Requirement: cite("SKL-04"),
				Apply: func(t *tx) {
					t.Entity.Outcome = sms.CommandOf[Completion](t).Outcome
					t.Record("outcome", t.Entity.Outcome)
				},
				Requires: []sms.Required[*Suggestion]{{Field: "outcome", Requirement: cite("SKL-04"), Present: func(s *Suggestion) bool { return !sms.Blank(s.Outcome) }}},
			},
			{
				Trigger: string(TriggerNote), From: all, Roles: []sms.Role{RoleStaff, RoleReviewer}, Command: Note{},
				Guards: []sms.Guard[*Suggestion]{{Requirement: sms.Requirement{ID: "SKL-01", Text: "a note has text"}, Check: func(t *tx) bool { return !sms.Blank(sms.CommandOf[Note](t).Text) }}},
				Apply:  func(t *tx) { t.Record("text", sms.CommandOf[Note](t).Text) },
			},
		},
	}
}

// Workflow returns the compiled workflow, for introspection and
// documentation.
func Workflow() *sms.Workflow[*Suggestion] {
	return sms.MustWorkflow(definition(nil))
}

// Checks returns the conformance checks: data, citing the catalogue.
func Checks() []sms.Check[*Suggestion] {
	return []sms.Check[*Suggestion]{
		{
			Name: "suggestion-decided-by-another", Clause: "10.2", Cites: []string{"SKL-02"},
			Rule:    "every accepted or done suggestion was accepted by a reviewer who did not submit it",
			Applies: func(s *Suggestion) bool { return s.Status == StatusAccepted || s.Status == StatusDone },
			Eval: func(s *Suggestion, x *sms.Examined) {
				submitters := s.Parties.Acted(sms.PartyRequester)
				deciders := s.Parties.Acted(sms.PartyApprover)
				if x.Journal != nil {
					submitters = sms.ActorsOf(x.Journal, string(TriggerSubmit))
					deciders = sms.ActorsOf(x.Journal, string(TriggerAccept))
				}
				if len(deciders) == 0 {
					x.Fail("SUGGESTION_UNDECIDED", "SKL-02", "accepted without an acceptance")
				}
				for _, d := range deciders {
					if slices.Contains(submitters, d) {
						x.Fail("SUGGESTION_SELF_ACCEPTED", "SKL-02", d+" accepted their own suggestion")
					}
				}
			},
		},
		{
			Name: "suggestion-done-with-outcome", Clause: "10.2", Cites: []string{"SKL-04"},
			Rule:    "every done suggestion says what was done",
			Applies: func(s *Suggestion) bool { return s.Status == StatusDone },
			Eval: func(s *Suggestion, x *sms.Examined) {
				if sms.Blank(s.Outcome) {
					x.Fail("SUGGESTION_DONE_WITHOUT_OUTCOME", "SKL-04", "done without an outcome")
				}
			},
		},
	}
}

// Config configures a [Service].
type Config struct {
	Services ServiceCatalogue
	Options  sms.Options
}

// Service runs the process on a store: one typed method per trigger, each
// one transition through the pipeline.
type Service struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Suggestion, Trigger, Command]
	m *sms.Machine[*Suggestion]
}

// NewService compiles the workflow and binds it to the store.
func NewService(store sms.Store[*Suggestion], cfg Config) (*Service, error) {
	m, r, err := sms.Bind[*Suggestion, Trigger, Command](definition(cfg.Services), store, cfg.Options)
	if err != nil {
		return nil, err
	}
	return &Service{Records: r, m: m}, nil
}

// Submit records a suggestion (SKL-01).
func (s *Service) Submit(ctx context.Context, a sms.Actor, c Submission) (*Suggestion, error) {
	return s.m.Create(ctx, a, c)
}

// Accept accepts a submitted suggestion (SKL-02).
func (s *Service) Accept(ctx context.Context, a sms.Actor, id string, c Decision) (*Suggestion, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAccept), c)
}

// Decline declines a submitted suggestion (SKL-03).
func (s *Service) Decline(ctx context.Context, a sms.Actor, id string, c Declination) (*Suggestion, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDecline), c)
}

// Complete records what was done (SKL-04).
func (s *Service) Complete(ctx context.Context, a sms.Actor, id string, c Completion) (*Suggestion, error) {
	return s.m.Fire(ctx, a, id, string(TriggerComplete), c)
}

// AddNote adds a note.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Suggestion, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Do runs any command: the trigger is the one that takes the command's
// type; a Submission creates a suggestion, and id is then empty.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Suggestion, error) {
	return s.m.Do(ctx, a, id, c)
}

// Conform runs the checks over every stored suggestion that verifies.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := sms.NewAudit(asOf, Requirements())
	err := sms.ConformStore(ctx, a, s.m, sms.Query{}, Checks())
	return a.Report(), err
}
