package supplier

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// Status is a supplier's status; the values are persisted.
type Status string

// Supplier statuses.
const (
	StatusProposed   Status = "proposed"
	StatusEvaluated  Status = "evaluated"
	StatusApproved   Status = "approved"
	StatusRejected   Status = "rejected"
	StatusActive     Status = "active"
	StatusSuspended  Status = "suspended"
	StatusExiting    Status = "exiting"
	StatusTerminated Status = "terminated"
)

// Statuses returns every supplier status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusProposed, StatusEvaluated, StatusApproved, StatusRejected, StatusActive, StatusSuspended, StatusExiting, StatusTerminated}
}

// Trigger names a transition of a supplier; the values are persisted.
type Trigger string

// Supplier triggers.
const (
	TriggerPropose   Trigger = "propose"
	TriggerEvaluate  Trigger = "evaluate"
	TriggerApprove   Trigger = "approve"
	TriggerReject    Trigger = "reject"
	TriggerActivate  Trigger = "activate"
	TriggerSuspend   Trigger = "suspend"
	TriggerReinstate Trigger = "reinstate"
	TriggerBeginExit Trigger = "begin_exit"
	TriggerTerminate Trigger = "terminate"
	TriggerUpdate    Trigger = "update"
)

// Triggers returns every supplier trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerPropose, TriggerEvaluate, TriggerApprove, TriggerReject, TriggerActivate, TriggerSuspend, TriggerReinstate,
		TriggerBeginExit, TriggerTerminate, TriggerUpdate}
}

// Requirements returns the supplier requirements the supplier workflow
// enforces: its catalogue.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SUP-01", Clause: "8.3.4.1", Text: "a named person is responsible for each external supplier's relationship, contracts and performance"},
		{ID: "SUP-02", Clause: "8.3.4.1", Text: "there is an agreed, documented contract with every external supplier"},
		{ID: "SUP-11", Clause: "8.3.4.2", Text: "an internal supplier works under a documented agreement with targets, commitments, activities and interfaces"},
		{ID: "SUP-12", Clause: "8.2.3", Text: "a supplier is evaluated and selected against criteria, and the SMS processes it operates are known"},
		{ID: "SUP-13", Clause: "8.3.4.1", Text: "the end of a supplier relationship and the transfer of its services are planned"},
		{ID: "SUP-14", Clause: "8.3.4.1", Text: "the lead supplier's subcontractors are known; the lead supplier remains the counterparty"},
	}
}

// Type says whose supplier it is.
type Type string

// Supplier types.
const (
	External Type = "external"
	// Internal is a part of the organisation, or a customer acting as a
	// supplier, working under an internal agreement (SUP-11).
	Internal Type = "internal"
)

// Score is one criterion's score in an evaluation.
type Score struct {
	Criterion string `json:"criterion"`
	Score     int    `json:"score"`
	Max       int    `json:"max"`
}

// Decision is an evaluation's decision.
type Decision string

// Evaluation decisions.
const (
	Select Decision = "select"
	Refuse Decision = "refuse"
)

// Evaluation is a supplier's evaluation against versioned criteria
// (SUP-12).
type Evaluation struct {
	Criteria string    `json:"criteria"` // the criteria's ID and version
	Scores   []Score   `json:"scores"`
	Decision Decision  `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Supplier is an external or internal supplier.
type Supplier struct {
	sms.Meta
	Status Status `json:"status"`
	Type   Type   `json:"type"`
	Name   string `json:"name"`
	// Owner is the person responsible for the relationship, the contracts
	// and the performance (SUP-01).
	Owner string `json:"owner,omitempty"`
	// Processes are the SMS processes, or process parts, the supplier
	// operates (SUP-12): what an internal audit's scope includes.
	Processes []string `json:"processes,omitempty"`
	// Subcontractors are the lead supplier's (SUP-14); the lead supplier
	// stays the counterparty of its contracts.
	Subcontractors []string `json:"subcontractors,omitempty"`
	// Agreement is an internal supplier's internal agreement (SUP-11).
	Agreement  string           `json:"agreement,omitempty"`
	Evaluation *Evaluation      `json:"evaluation,omitempty"`
	Exit       *ExitPlan        `json:"exit,omitempty"`
	Reason     string           `json:"reason,omitempty"`
	Parties    sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Supplier) EntityKind() sms.Kind { return SupplierKind }

// State implements [sms.Entity].
func (s *Supplier) State() string { return string(s.Status) }

// SetState implements [sms.Entity].
func (s *Supplier) SetState(v string) { s.Status = Status(v) }

// Attributes implements [sms.Entity]: the owner, the subcontractors and
// the internal agreement as links.
func (s *Supplier) Attributes() sms.Attributes {
	at := sms.Attributes{Owner: s.Owner}
	for _, sub := range s.Subcontractors {
		at.Links = append(at.Links, sms.Link{Type: "subcontractor", ID: sub})
	}
	if s.Agreement != "" {
		at.Links = append(at.Links, sms.Link{Type: "agreement", ID: s.Agreement})
	}
	return at
}

// Clone implements [sms.Entity].
func (s *Supplier) Clone() *Supplier {
	c := *s
	c.Processes, c.Subcontractors, c.Parties = slices.Clone(s.Processes), slices.Clone(s.Subcontractors), slices.Clone(s.Parties)
	if s.Evaluation != nil {
		e := *s.Evaluation
		e.Scores = slices.Clone(s.Evaluation.Scores)
		c.Evaluation = &e
	}
	if s.Exit != nil {
		e := *s.Exit
		c.Exit = &e
	}
	return &c
}

// Command is the input of one supplier trigger.
type Command interface {
	sms.Command
	Trigger() Trigger
}

// Proposal proposes a supplier.
type Proposal struct {
	ID             string
	Type           Type
	Name           string
	Owner          string
	Processes      []string
	Subcontractors []string
	Agreement      string
}

// Assessment evaluates a proposed supplier against versioned criteria
// (SUP-12).
type Assessment struct {
	Criteria string
	Scores   []Score
	Decision Decision
}

// Approval selects an evaluated supplier, by another person than its
// evaluator.
type Approval struct{}

// Rejection refuses an evaluated supplier, with the reason.
type Rejection struct{ Reason string }

// Activation puts an approved supplier to work: an external one under a
// contract in force (SUP-02), an internal one under its agreement
// (SUP-11), with the owner named (SUP-01).
type Activation struct{}

// Suspension suspends an active supplier, with the reason.
type Suspension struct{ Reason string }

// Reinstatement reinstates a suspended supplier.
type Reinstatement struct{}

// ExitStart begins the supplier's exit with its plan (SUP-13).
type ExitStart struct{ Plan ExitPlan }

// Termination ends the relationship once the exit is done, with the
// reason.
type Termination struct{ Reason string }

// Update changes the owner, the processes operated, the subcontractors or
// the internal agreement; a field left empty stays.
type Update struct {
	Owner          string
	Processes      []string
	Subcontractors []string
	Agreement      string
}

// Trigger implements [Command].
func (Proposal) Trigger() Trigger      { return TriggerPropose }
func (Assessment) Trigger() Trigger    { return TriggerEvaluate }
func (Approval) Trigger() Trigger      { return TriggerApprove }
func (Rejection) Trigger() Trigger     { return TriggerReject }
func (Activation) Trigger() Trigger    { return TriggerActivate }
func (Suspension) Trigger() Trigger    { return TriggerSuspend }
func (Reinstatement) Trigger() Trigger { return TriggerReinstate }
func (ExitStart) Trigger() Trigger     { return TriggerBeginExit }
func (Termination) Trigger() Trigger   { return TriggerTerminate }
func (Update) Trigger() Trigger        { return TriggerUpdate }

// Validate implements [sms.Command].
func (c Proposal) Validate() error {
	if c.Type != External && c.Type != Internal {
		return sms.Invalid(SupplierKind, "type", "%q is neither external nor internal", c.Type)
	}
	return sms.FirstError(sms.CheckRef(SupplierKind, "id", c.ID), sms.CheckText(SupplierKind, "name", c.Name, sms.MaxShort), sms.CheckRef(SupplierKind, "owner", c.Owner),
		sms.CheckTexts(SupplierKind, "processes", c.Processes, sms.MaxShort), sms.CheckRefs(SupplierKind, "subcontractors", c.Subcontractors), sms.CheckRef(SupplierKind, "agreement", c.Agreement))
}
func (c Assessment) Validate() error {
	if c.Decision != Select && c.Decision != Refuse {
		return sms.Invalid(SupplierKind, "decision", "%q is neither select nor refuse", c.Decision)
	}
	for _, s := range c.Scores {
		if s.Max <= 0 || s.Score < 0 || s.Score > s.Max {
			return sms.Invalid(SupplierKind, "scores", "%q scores %d of %d", s.Criterion, s.Score, s.Max)
		}
		if err := sms.CheckText(SupplierKind, "scores.criterion", s.Criterion, sms.MaxShort); err != nil {
			return err
		}
	}
	return sms.CheckText(SupplierKind, "criteria", c.Criteria, sms.MaxShort)
}
func (Approval) Validate() error { return nil }
func (c Rejection) Validate() error {
	return sms.CheckText(SupplierKind, "reason", c.Reason, sms.MaxText)
}
func (Activation) Validate() error { return nil }
func (c Suspension) Validate() error {
	return sms.CheckText(SupplierKind, "reason", c.Reason, sms.MaxText)
}
func (Reinstatement) Validate() error { return nil }
func (c ExitStart) Validate() error {
	return sms.FirstError(sms.CheckText(SupplierKind, "data_return", c.Plan.DataReturn, sms.MaxText), sms.CheckText(SupplierKind, "handover", c.Plan.Handover, sms.MaxText))
}
func (c Termination) Validate() error {
	return sms.CheckText(SupplierKind, "reason", c.Reason, sms.MaxText)
}
func (c Update) Validate() error {
	return sms.FirstError(sms.CheckRef(SupplierKind, "owner", c.Owner), sms.CheckTexts(SupplierKind, "processes", c.Processes, sms.MaxShort),
		sms.CheckRefs(SupplierKind, "subcontractors", c.Subcontractors), sms.CheckRef(SupplierKind, "agreement", c.Agreement))
}

type stx = sms.Transition[*Supplier]

func sguard(id, text string, check func(*stx) bool) sms.Guard[*Supplier] {
	return sms.Guard[*Supplier]{Requirement: sms.Requirement{ID: id, Text: text}, Check: check}
}

// contracted is what activation's Prepare learnt: whether a contract with
// the supplier is in force.
type contracted struct{ ok bool }

// InForce is the lookup activation asks: whether a contract with the
// supplier is in force. [Contracts.InForce] is one.
type InForce func(ctx context.Context, supplier string) (bool, error)

func definition(inForce InForce) sms.Definition[*Supplier] {
	roles := []sms.Role{RoleSupplierManager}
	reason := func(text string, get func(*stx) string) sms.Guard[*Supplier] {
		return sguard("SUP-13", text, func(t *stx) bool { return !sms.Blank(get(t)) })
	}
	return sms.Definition[*Supplier]{
		Kind: SupplierKind, States: sms.StatesOf(Statuses()...), Terminal: sms.StatesOf(StatusRejected, StatusTerminated),
		New: func() *Supplier { return &Supplier{} }, Catalogue: Requirements(),
		Rules: []sms.Rule[*Supplier]{
			{
				Trigger: string(TriggerPropose), To: string(StatusProposed), Roles: roles, Command: Proposal{},
				Doc: "Propose a supplier.",
				Guards: []sms.Guard[*Supplier]{sguard("SUP-14", "a supplier is not its own subcontractor", func(t *stx) bool {
					c := sms.CommandOf[Proposal](t)
					return c.ID == "" || !slices.Contains(c.Subcontractors, c.ID)
				})},
				Apply: func(t *stx) {
					c, s := sms.CommandOf[Proposal](t), t.Entity
					s.ID, s.Type, s.Name, s.Owner, s.Agreement = c.ID, c.Type, c.Name, c.Owner, c.Agreement
					s.Processes, s.Subcontractors = slices.Clone(c.Processes), slices.Clone(c.Subcontractors)
					s.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("type", string(c.Type))
					t.Record("name", c.Name)
				},
			},
			{
				Trigger: string(TriggerEvaluate), From: sms.StatesOf(StatusProposed), To: string(StatusEvaluated), Roles: roles, Command: Assessment{},
				Requirement: sms.Requirement{ID: "SUP-12", Text: "only a proposed supplier is evaluated"},
				Doc:         "Evaluate against versioned criteria, with scores and a decision.",
				Guards: []sms.Guard[*Supplier]{sguard("SUP-12", "an evaluation names its criteria's version and scores each criterion", func(t *stx) bool {
					c := sms.CommandOf[Assessment](t)
					return !sms.Blank(c.Criteria) && len(c.Scores) > 0
				})},
				Apply: func(t *stx) {
					c := sms.CommandOf[Assessment](t)
					t.Entity.Evaluation = &Evaluation{Criteria: c.Criteria, Scores: slices.Clone(c.Scores), Decision: c.Decision, By: t.Actor.ID, At: t.Now}
					t.Entity.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
					t.Record("criteria", c.Criteria)
					for _, s := range c.Scores {
						t.Record("score", s.Criterion+" "+strconv.Itoa(s.Score)+"/"+strconv.Itoa(s.Max))
					}
					t.Record("decision", string(c.Decision))
				},
			},
			{
				Trigger: string(TriggerApprove), From: sms.StatesOf(StatusEvaluated), To: string(StatusApproved), Roles: roles, Command: Approval{},
				Requirement: sms.Requirement{ID: "SUP-12", Text: "only an evaluated supplier is approved"},
				Doc:         "Select the supplier the evaluation selected.",
				Segregation: []sms.Segregation[*Supplier]{{
					Requirement: sms.Requirement{ID: "SUP-12", Text: "a supplier is approved by another person than its evaluator"},
					Check: func(t *stx) string {
						if t.Entity.Parties.Has(sms.PartyReviewer, t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " evaluated the supplier and may not approve it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Supplier]{sguard("SUP-12", "the evaluation selected the supplier", func(t *stx) bool {
					e := t.Entity.Evaluation
					return e != nil && e.Decision == Select
				})},
				Apply: func(t *stx) { t.Entity.Parties.Add(sms.PartyApprover, t.Actor.ID, true) },
			},
			{
				Trigger: string(TriggerReject), From: sms.StatesOf(StatusEvaluated), To: string(StatusRejected), Roles: roles, Command: Rejection{},
				Requirement: sms.Requirement{ID: "SUP-12", Text: "only an evaluated supplier is rejected"},
				Doc:         "Refuse the supplier, with the reason.",
				Guards:      []sms.Guard[*Supplier]{sguard("SUP-12", "a rejection gives its reason", func(t *stx) bool { return !sms.Blank(sms.CommandOf[Rejection](t).Reason) })},
				Apply: func(t *stx) {
					t.Entity.Reason = sms.CommandOf[Rejection](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerActivate), From: sms.StatesOf(StatusApproved), To: string(StatusActive), Roles: roles, Command: Activation{},
				Requirement: sms.Requirement{ID: "SUP-12", Text: "only an approved supplier is activated"},
				Doc:         "Put the supplier to work: under a contract in force, or its internal agreement.",
				Prepare: func(ctx context.Context, t *stx) error {
					cv := &contracted{}
					if t.Entity.Type == External && inForce != nil {
						ok, err := inForce(ctx, t.Entity.ID)
						if err != nil {
							return err
						}
						cv.ok = ok
					}
					t.Prepared = cv
					return nil
				},
				Guards: []sms.Guard[*Supplier]{
					sguard("SUP-01", "a supplier is activated with the person responsible for the relationship named", func(t *stx) bool { return t.Entity.Owner != "" }),
					{Requirement: sms.Requirement{ID: "SUP-02", Text: "an external supplier is activated only under a contract in force"}, RecordOnly: true,
						Check: func(t *stx) bool {
							cv, _ := t.Prepared.(*contracted)
							return t.Entity.Type != External || (cv != nil && cv.ok)
						}},
					sguard("SUP-11", "an internal supplier is activated under its internal agreement", func(t *stx) bool {
						return t.Entity.Type != Internal || t.Entity.Agreement != ""
					}),
				},
				Apply: func(*stx) {},
			},
			{
				Trigger: string(TriggerSuspend), From: sms.StatesOf(StatusActive), To: string(StatusSuspended), Roles: roles, Command: Suspension{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "only an active supplier is suspended"},
				Doc:         "Suspend an active supplier, with the reason.",
				Guards:      []sms.Guard[*Supplier]{reason("a suspension gives its reason", func(t *stx) string { return sms.CommandOf[Suspension](t).Reason })},
				Apply:       func(t *stx) { t.SetReason(sms.CommandOf[Suspension](t).Reason) },
			},
			{
				Trigger: string(TriggerReinstate), From: sms.StatesOf(StatusSuspended), To: string(StatusActive), Roles: roles, Command: Reinstatement{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "only a suspended supplier is reinstated"},
				Doc:         "Reinstate a suspended supplier.",
				Apply:       func(*stx) {},
			},
			{
				Trigger: string(TriggerBeginExit), From: sms.StatesOf(StatusActive, StatusSuspended), To: string(StatusExiting), Roles: roles, Command: ExitStart{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "an active or suspended supplier begins its exit"},
				Doc:         "Begin the exit, with its plan: data return, handover and dates.",
				Guards: []sms.Guard[*Supplier]{sguard("SUP-13", "an exit plan states the return of data, the handover and its dates", func(t *stx) bool {
					p := sms.CommandOf[ExitStart](t).Plan
					return !sms.Blank(p.DataReturn) && !sms.Blank(p.Handover) && !p.From.IsZero() && p.To.After(p.From)
				})},
				Apply: func(t *stx) {
					p := sms.CommandOf[ExitStart](t).Plan
					p.From, p.To = sms.Micro(p.From), sms.Micro(p.To)
					t.Entity.Exit = &p
					t.RecordTime("exit_from", p.From)
					t.RecordTime("exit_to", p.To)
				},
			},
			{
				Trigger: string(TriggerTerminate), From: sms.StatesOf(StatusProposed, StatusEvaluated, StatusApproved, StatusExiting), To: string(StatusTerminated),
				Roles: roles, Command: Termination{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "an active or suspended supplier exits before the relationship ends"},
				Doc:         "End the relationship: one that was active, once its exit is done.",
				Guards: []sms.Guard[*Supplier]{
					reason("a termination gives its reason", func(t *stx) string { return sms.CommandOf[Termination](t).Reason }),
					sguard("SUP-13", "an exiting supplier is terminated at the end of its exit plan, not before", func(t *stx) bool {
						return t.Entity.Status != StatusExiting || (t.Entity.Exit != nil && !t.Now.Before(t.Entity.Exit.To))
					}),
				},
				Apply: func(t *stx) {
					t.Entity.Reason = sms.CommandOf[Termination](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerUpdate), From: sms.StatesOf(StatusProposed, StatusEvaluated, StatusApproved, StatusActive, StatusSuspended, StatusExiting),
				Roles: roles, Command: Update{},
				Doc: "Change the owner, the processes operated, the subcontractors or the internal agreement.",
				Guards: []sms.Guard[*Supplier]{
					sguard("SUP-14", "a supplier is not its own subcontractor", func(t *stx) bool {
						return !slices.Contains(sms.CommandOf[Update](t).Subcontractors, t.Entity.ID)
					}),
					sguard("SUP-01", "a supplier at work keeps a person responsible for it", func(t *stx) bool {
						return sms.CommandOf[Update](t).Owner != "" || t.Entity.Owner != "" || t.Entity.Status == StatusProposed
					}),
				},
				Apply: func(t *stx) {
					c, s := sms.CommandOf[Update](t), t.Entity
					if c.Owner != "" {
						t.RecordChange("owner", s.Owner, c.Owner)
						s.Owner = c.Owner
					}
					if c.Processes != nil {
						s.Processes = slices.Clone(c.Processes)
						for _, p := range c.Processes {
							t.Record("process", p)
						}
					}
					if c.Subcontractors != nil {
						s.Subcontractors = slices.Clone(c.Subcontractors)
						for _, p := range c.Subcontractors {
							t.Record("subcontractor", p)
						}
					}
					if c.Agreement != "" {
						t.RecordChange("agreement", s.Agreement, c.Agreement)
						s.Agreement = c.Agreement
					}
				},
			},
		},
	}
}

// Workflow returns the compiled supplier workflow, for introspection and
// documentation.
func Workflow() *sms.Workflow[*Supplier] {
	return sms.MustWorkflow(definition(nil))
}

// Suppliers runs suppliers on a store: one typed method per trigger, each
// one transition through the pipeline.
type Suppliers struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Supplier, Trigger, Command]
	m *sms.Machine[*Supplier]
}

// NewSuppliers compiles the supplier workflow, with the lookup activation
// asks whether a contract with the supplier is in force (nil: none is),
// and binds it to the store.
func NewSuppliers(store sms.Store[*Supplier], inForce InForce, opts sms.Options) (*Suppliers, error) {
	m, r, err := sms.Bind[*Supplier, Trigger, Command](definition(inForce), store, opts)
	if err != nil {
		return nil, err
	}
	return &Suppliers{Records: r, m: m}, nil
}

// Propose proposes a supplier.
func (s *Suppliers) Propose(ctx context.Context, a sms.Actor, c Proposal) (*Supplier, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any supplier command; a [Proposal] carries its own ID, and id
// must then be empty.
func (s *Suppliers) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Supplier, error) {
	return s.m.Do(ctx, a, id, c)
}

// Evaluate evaluates a proposed supplier against versioned criteria (SUP-12).
func (s *Suppliers) Evaluate(ctx context.Context, a sms.Actor, id string, c Assessment) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerEvaluate), c)
}

// Approve selects an evaluated supplier, by another person than its evaluator (SUP-12).
func (s *Suppliers) Approve(ctx context.Context, a sms.Actor, id string, c Approval) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApprove), c)
}

// Reject refuses an evaluated supplier, with the reason.
func (s *Suppliers) Reject(ctx context.Context, a sms.Actor, id string, c Rejection) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReject), c)
}

// Activate puts an approved supplier to work (SUP-01, SUP-02, SUP-11).
func (s *Suppliers) Activate(ctx context.Context, a sms.Actor, id string, c Activation) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerActivate), c)
}

// Suspend suspends an active supplier, with the reason.
func (s *Suppliers) Suspend(ctx context.Context, a sms.Actor, id string, c Suspension) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSuspend), c)
}

// Reinstate reinstates a suspended supplier.
func (s *Suppliers) Reinstate(ctx context.Context, a sms.Actor, id string, c Reinstatement) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReinstate), c)
}

// BeginExit begins the exit with its plan (SUP-13).
func (s *Suppliers) BeginExit(ctx context.Context, a sms.Actor, id string, c ExitStart) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerBeginExit), c)
}

// Terminate ends the relationship (SUP-13).
func (s *Suppliers) Terminate(ctx context.Context, a sms.Actor, id string, c Termination) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerTerminate), c)
}

// Update changes the owner, the processes operated, the subcontractors or the agreement.
func (s *Suppliers) Update(ctx context.Context, a sms.Actor, id string, c Update) (*Supplier, error) {
	return s.m.Fire(ctx, a, id, string(TriggerUpdate), c)
}
