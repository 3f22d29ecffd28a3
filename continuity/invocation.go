package continuity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// InvocationStatus is an invocation's status; the values are persisted.
type InvocationStatus string

// Invocation statuses.
const (
	InvocationInvoked    InvocationStatus = "invoked"            // the plan is invoked, by one of its authorities
	InvocationRecovering InvocationStatus = "recovering"         // its recovery procedures are running
	InvocationDegraded   InvocationStatus = "degraded_operation" // recovered, running at the degraded targets
	InvocationNormal     InvocationStatus = "normal"             // returned to normal operation
	InvocationReviewed   InvocationStatus = "reviewed"           // reviewed, an action for each deficiency
	InvocationClosed     InvocationStatus = "closed"
)

// InvocationStatuses returns every status, in lifecycle order.
func InvocationStatuses() []InvocationStatus {
	return []InvocationStatus{InvocationInvoked, InvocationRecovering, InvocationDegraded, InvocationNormal, InvocationReviewed, InvocationClosed}
}

// InvocationTrigger names a transition of an invocation.
type InvocationTrigger string

// Invocation triggers.
const (
	TriggerInvoke           InvocationTrigger = "invoke"
	TriggerRecoveryStarted  InvocationTrigger = "recovery_started"
	TriggerRecovered        InvocationTrigger = "recovered"
	TriggerReturnToNormal   InvocationTrigger = "return_to_normal"
	TriggerReviewInvocation InvocationTrigger = "review"
	TriggerCloseInvocation  InvocationTrigger = "close"
)

// InvocationTriggers returns every invocation trigger, the creating one
// first.
func InvocationTriggers() []InvocationTrigger {
	return []InvocationTrigger{TriggerInvoke, TriggerRecoveryStarted, TriggerRecovered, TriggerReturnToNormal, TriggerReviewInvocation, TriggerCloseInvocation}
}

// RoleInvocationAuthority runs an invocation it may start: invoking it
// still needs the actor to be one of the plan's authorities (CON-12).
const RoleInvocationAuthority sms.Role = "continuity_authority"

// InvocationRequirements returns the continuity requirements the
// invocations enforce: their workflow's catalogue.
func InvocationRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CON-10", Clause: "8.7.2", Text: "a review follows every test and every real invocation"},
		{ID: "CON-11", Clause: "8.7.2", Text: "deficiencies found lead to actions"},
		{ID: "CON-12", Clause: "8.7.2", Text: "an invocation is traceable to the plan's criteria and authority, with the times of invocation, recovery and return to normal"},
	}
}

// DegradedTarget is one availability target while the plan is invoked,
// with what was measured against it on recovery.
type DegradedTarget struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
}

// RecoveryResult compares the recovery an invocation achieved (from its
// invocation to its recovery) with one of its plan's services' RTO, as
// agreed when it recovered.
type RecoveryResult struct {
	Service  string        `json:"service"`
	Achieved time.Duration `json:"achieved"`
	RTO      time.Duration `json:"rto"`
	Met      bool          `json:"met"`
}

// Invocation is the record of one real invocation of a continuity plan
// (CON-10 to CON-12).
type Invocation struct {
	sms.Meta
	Status        InvocationStatus `json:"status"`
	Plan          string           `json:"plan"`
	PlanVersion   int              `json:"plan_version,omitempty"`
	MajorIncident string           `json:"major_incident"`
	// Criteria is the plan's invocation criteria as read on invocation;
	// CriteriaMet the invoker's statement that they are met, or Override
	// the reason it was invoked though they were not.
	Criteria    string           `json:"criteria,omitempty"`
	CriteriaMet string           `json:"criteria_met,omitempty"`
	Override    string           `json:"override,omitempty"`
	InvokedBy   string           `json:"invoked_by"`
	InvokedAt   time.Time        `json:"invoked_at"`
	Services    []string         `json:"services,omitempty"`
	RecoveredAt time.Time        `json:"recovered_at,omitzero"`
	Degraded    []DegradedTarget `json:"degraded,omitempty"`
	Recovery    []RecoveryResult `json:"recovery,omitempty"`
	NormalAt    time.Time        `json:"normal_at,omitzero"`
	Procedure   string           `json:"procedure,omitempty"`
	Conclusions string           `json:"conclusions,omitempty"`
	// Deficiencies name a service whose RTO the recovery exceeded, or
	// describe what else the review found; each has its action (CON-11).
	Deficiencies []Deficiency     `json:"deficiencies,omitempty"`
	Parties      sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Invocation) EntityKind() sms.Kind { return InvocationKind }

// State implements [sms.Entity].
func (v *Invocation) State() string { return string(v.Status) }

// SetState implements [sms.Entity].
func (v *Invocation) SetState(s string) { v.Status = InvocationStatus(s) }

// Attributes implements [sms.Entity].
func (v *Invocation) Attributes() sms.Attributes {
	at := sms.Attributes{}
	for _, l := range []sms.Link{{Type: "continuity_plan", ID: v.Plan}, {Type: "incident", ID: v.MajorIncident}} {
		if l.ID != "" {
			at.Links = append(at.Links, l)
		}
	}
	return at
}

// Clone implements [sms.Entity].
func (v *Invocation) Clone() *Invocation {
	c := *v
	c.Services = slices.Clone(v.Services)
	c.Degraded = slices.Clone(v.Degraded)
	c.Recovery = slices.Clone(v.Recovery)
	c.Deficiencies = slices.Clone(v.Deficiencies)
	c.Parties = slices.Clone(v.Parties)
	return &c
}

// invUnanswered returns the services whose RTO the recovery exceeded and
// that no deficiency with an action answers (CON-11).
func invUnanswered(rs []RecoveryResult, ds []Deficiency) []string {
	var out []string
	for _, r := range rs {
		if !r.Met && !slices.ContainsFunc(ds, func(d Deficiency) bool { return d.Service == r.Service && !sms.Blank(d.Action) }) {
			out = append(out, r.Service)
		}
	}
	return out
}

// InvocationCommand is the input of one invocation trigger.
type InvocationCommand interface {
	sms.Command
	Trigger() InvocationTrigger
}

// Invoke invokes a plan for a major incident: the invoker is the acting
// actor, who must be one of the plan's authorities (CON-12). CriteriaMet
// states how the plan's criteria are met; Override, when they are not,
// says why it is invoked all the same.
type Invoke struct {
	ID            string
	Plan          string
	MajorIncident string
	CriteriaMet   string
	Override      string
}

// RecoveryStart records that the recovery procedures started.
type RecoveryStart struct{}

// Recovery records that service is recovered to its degraded targets,
// each measured.
type Recovery struct{ Degraded []DegradedTarget }

// ReturnToNormal records the return to normal operation: the return
// procedure as executed.
type ReturnToNormal struct{ Procedure string }

// InvocationReview reviews an invocation: its conclusions, and every
// deficiency with its action (CON-10, CON-11).
type InvocationReview struct {
	Conclusions  string
	Deficiencies []Deficiency
}

// InvocationClosure closes a reviewed invocation.
type InvocationClosure struct{}

// Trigger implements [InvocationCommand].
func (Invoke) Trigger() InvocationTrigger            { return TriggerInvoke }
func (RecoveryStart) Trigger() InvocationTrigger     { return TriggerRecoveryStarted }
func (Recovery) Trigger() InvocationTrigger          { return TriggerRecovered }
func (ReturnToNormal) Trigger() InvocationTrigger    { return TriggerReturnToNormal }
func (InvocationReview) Trigger() InvocationTrigger  { return TriggerReviewInvocation }
func (InvocationClosure) Trigger() InvocationTrigger { return TriggerCloseInvocation }

// Validate implements [sms.Command].
func (c Invoke) Validate() error {
	return sms.FirstError(sms.CheckRef(InvocationKind, "id", c.ID), sms.CheckRef(InvocationKind, "plan", c.Plan),
		sms.CheckRef(InvocationKind, "major_incident", c.MajorIncident),
		sms.CheckText(InvocationKind, "criteria_met", c.CriteriaMet, sms.MaxText), sms.CheckText(InvocationKind, "override", c.Override, sms.MaxText))
}

// Validate implements [sms.Command].
func (RecoveryStart) Validate() error { return nil }

// Validate implements [sms.Command].
func (c Recovery) Validate() error {
	if len(c.Degraded) > sms.MaxList {
		return sms.Invalid(InvocationKind, "degraded", "more than %d", sms.MaxList)
	}
	for _, d := range c.Degraded {
		if err := sms.FirstError(sms.CheckText(InvocationKind, "degraded.target", d.Target, sms.MaxShort),
			sms.CheckText(InvocationKind, "degraded.measured", d.Measured, sms.MaxShort)); err != nil {
			return err
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c ReturnToNormal) Validate() error {
	return sms.CheckText(InvocationKind, "procedure", c.Procedure, sms.MaxText)
}

// Validate implements [sms.Command].
func (c InvocationReview) Validate() error {
	return sms.FirstError(sms.CheckText(InvocationKind, "conclusions", c.Conclusions, sms.MaxText), tstCheckDeficiencies(InvocationKind, c.Deficiencies))
}

// Validate implements [sms.Command].
func (InvocationClosure) Validate() error { return nil }

type invTx = sms.Transition[*Invocation]

func invGuard(id, text string, check func(*invTx) bool) sms.Guard[*Invocation] {
	return sms.Guard[*Invocation]{Requirement: tstCite(id, text), Check: check}
}

// invPrepared is what a rule's Prepare read: the plan on invocation, the
// objectives of its services on recovery.
type invPrepared struct {
	found      bool
	facts      PlanFacts
	objectives map[string]Objectives
}

func invPrep(t *invTx) *invPrepared {
	p, _ := t.Prepared.(*invPrepared)
	if p == nil {
		return &invPrepared{}
	}
	return p
}

func invocationDefinition(plans PlanFinder, reqs AgreedRequirements) sms.Definition[*Invocation] {
	crew := []sms.Role{RoleContinuityManager, RoleInvocationAuthority}
	managers := []sms.Role{RoleContinuityManager}
	return sms.Definition[*Invocation]{
		Kind: InvocationKind, States: sms.StatesOf(InvocationStatuses()...), Terminal: sms.StatesOf(InvocationClosed),
		New: func() *Invocation { return &Invocation{} }, Catalogue: InvocationRequirements(),
		Rules: []sms.Rule[*Invocation]{
			{
				Trigger: string(TriggerInvoke), To: string(InvocationInvoked), Roles: crew, Command: Invoke{},
				Doc: "Invoke a plan in force for a major incident, as one of its authorities, its criteria met or overridden with a reason.",
				Prepare: func(ctx context.Context, t *invTx) error {
					f, ok, err := tstFindPlan(ctx, plans, sms.CommandOf[Invoke](t).Plan)
					if err != nil {
						return err
					}
					for _, a := range f.Authorities {
						if sms.Blank(a) || sms.ValidateID(a) != nil {
							return sms.Invalid(InvocationKind, "plan.authorities", "the plan lists %q as an authority: an authority is a person's ID", a)
						}
					}
					t.Prepared = &invPrepared{found: ok, facts: f}
					return nil
				},
				Guards: []sms.Guard[*Invocation]{
					invGuard("CON-12", "an invocation is of a plan in force, for a major incident", func(t *invTx) bool {
						p := invPrep(t)
						return p.found && slices.Contains(tstTestable, p.facts.Status) && sms.CommandOf[Invoke](t).MajorIncident != ""
					}),
					invGuard("CON-12", "an invocation states how the plan's criteria are met, or the reason for overriding them", func(t *invTx) bool {
						c := sms.CommandOf[Invoke](t)
						return !sms.Blank(c.CriteriaMet) || !sms.Blank(c.Override)
					}),
					invGuard("CON-12", "the invoker is one of the plan's authorities", func(t *invTx) bool {
						return slices.Contains(invPrep(t).facts.Authorities, t.Actor.ID)
					}),
				},
				Apply: func(t *invTx) {
					c, v, p := sms.CommandOf[Invoke](t), t.Entity, invPrep(t)
					v.ID, v.Plan, v.MajorIncident, v.CriteriaMet, v.Override = c.ID, c.Plan, c.MajorIncident, c.CriteriaMet, c.Override
					v.PlanVersion, v.Criteria, v.Services = p.facts.Version, p.facts.Criteria, slices.Clone(p.facts.Services)
					v.InvokedBy, v.InvokedAt = t.Actor.ID, t.Now
					v.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("plan", c.Plan)
					t.Record("plan_version", fmt.Sprint(v.PlanVersion))
					t.Record("major_incident", c.MajorIncident)
					t.Record("invoked_by", t.Actor.ID)
					if c.CriteriaMet != "" {
						t.Record("criteria_met", c.CriteriaMet)
					}
					if c.Override != "" {
						t.Record("override", c.Override)
						t.SetReason(c.Override)
					}
					t.RecordTime("invoked_at", v.InvokedAt)
				},
			},
			{
				Trigger: string(TriggerRecoveryStarted), From: sms.StatesOf(InvocationInvoked), To: string(InvocationRecovering), Roles: crew, Command: RecoveryStart{},
				Requirement: tstCite("CON-12", "recovery starts once, after the invocation"),
				Doc:         "Record that the recovery procedures started.",
				Apply:       func(t *invTx) { t.RecordTime("recovery_started_at", t.Now) },
			},
			{
				Trigger: string(TriggerRecovered), From: sms.StatesOf(InvocationRecovering), To: string(InvocationDegraded), Roles: crew, Command: Recovery{},
				Requirement: tstCite("CON-12", "only a recovering invocation is recovered"),
				Doc:         "Record the recovery, with the degraded targets measured; the recovery achieved is compared with each service's RTO.",
				Prepare: func(ctx context.Context, t *invTx) error {
					p := &invPrepared{objectives: map[string]Objectives{}}
					t.Prepared = p
					if reqs == nil {
						return nil
					}
					for _, s := range t.Entity.Services {
						o, ok, err := reqs.Agreed(ctx, s)
						if err != nil {
							return err
						}
						if ok {
							p.objectives[s] = o
						}
					}
					return nil
				},
				Guards: []sms.Guard[*Invocation]{invGuard("CON-12", "a recovery records the degraded targets, each measured", func(t *invTx) bool {
					ds := sms.CommandOf[Recovery](t).Degraded
					return len(ds) > 0 && !slices.ContainsFunc(ds, func(d DegradedTarget) bool { return sms.Blank(d.Target) || sms.Blank(d.Measured) })
				})},
				Apply: func(t *invTx) {
					v, p := t.Entity, invPrep(t)
					v.RecoveredAt, v.Degraded = t.Now, slices.Clone(sms.CommandOf[Recovery](t).Degraded)
					achieved := v.RecoveredAt.Sub(v.InvokedAt)
					v.Recovery = nil
					for _, s := range v.Services {
						if o, ok := p.objectives[s]; ok {
							v.Recovery = append(v.Recovery, RecoveryResult{Service: s, Achieved: achieved, RTO: o.RTO, Met: achieved <= o.RTO})
						}
					}
					t.RecordTime("recovered_at", v.RecoveredAt)
					for _, d := range v.Degraded {
						t.Record("degraded", d.Target+": "+d.Measured)
					}
					for _, r := range v.Recovery {
						verdict := "met"
						if !r.Met {
							verdict = "not met"
						}
						t.Record("recovery", fmt.Sprintf("%s: %s against an RTO of %s: %s", r.Service, r.Achieved, r.RTO, verdict))
					}
				},
			},
			{
				Trigger: string(TriggerReturnToNormal), From: sms.StatesOf(InvocationDegraded), To: string(InvocationNormal), Roles: crew, Command: ReturnToNormal{},
				Requirement: tstCite("CON-12", "only a recovered invocation returns to normal"),
				Doc:         "Record the return to normal operation, with the return procedure as executed.",
				Guards: []sms.Guard[*Invocation]{invGuard("CON-12", "a return to normal records the return procedure executed", func(t *invTx) bool {
					return !sms.Blank(sms.CommandOf[ReturnToNormal](t).Procedure)
				})},
				Apply: func(t *invTx) {
					v := t.Entity
					v.NormalAt, v.Procedure = t.Now, sms.CommandOf[ReturnToNormal](t).Procedure
					t.RecordTime("normal_at", v.NormalAt)
					t.Record("procedure", v.Procedure)
				},
			},
			{
				Trigger: string(TriggerReviewInvocation), From: sms.StatesOf(InvocationNormal), To: string(InvocationReviewed), Roles: managers, Command: InvocationReview{},
				Requirement: tstCite("CON-10", "an invocation is reviewed once, after the return to normal"),
				Doc:         "Review the invocation: its conclusions, and an action for every deficiency, each RTO exceeded included.",
				Guards: []sms.Guard[*Invocation]{
					invGuard("CON-10", "a review records its conclusions", func(t *invTx) bool {
						return !sms.Blank(sms.CommandOf[InvocationReview](t).Conclusions)
					}),
					invGuard("CON-11", "every deficiency found, each RTO exceeded included, has an action", func(t *invTx) bool {
						ds := sms.CommandOf[InvocationReview](t).Deficiencies
						for _, d := range ds {
							if sms.Blank(d.Action) || (sms.Blank(d.Finding) && !slices.ContainsFunc(t.Entity.Recovery, func(r RecoveryResult) bool { return r.Service == d.Service && !r.Met })) {
								return false
							}
						}
						return len(invUnanswered(t.Entity.Recovery, ds)) == 0
					}),
				},
				Apply: func(t *invTx) {
					c, v := sms.CommandOf[InvocationReview](t), t.Entity
					v.Conclusions, v.Deficiencies = c.Conclusions, nil
					for _, d := range c.Deficiencies {
						if sms.Blank(d.Finding) {
							for _, r := range v.Recovery {
								if r.Service == d.Service {
									d.Finding = fmt.Sprintf("recovery took %s against an RTO of %s", r.Achieved, r.RTO)
								}
							}
						}
						v.Deficiencies = append(v.Deficiencies, d)
					}
					v.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
					t.Record("conclusions", c.Conclusions)
					for _, d := range v.Deficiencies {
						t.Record("deficiency", d.Finding)
						t.Record("action", d.Action)
					}
				},
			},
			{
				Trigger: string(TriggerCloseInvocation), From: sms.StatesOf(InvocationReviewed), To: string(InvocationClosed), Roles: managers, Command: InvocationClosure{},
				Requirement: tstCite("CON-10", "only a reviewed invocation is closed"),
				Doc:         "Close a reviewed invocation.",
				Guards: []sms.Guard[*Invocation]{
					{Requirement: tstCite("CON-10", "an invocation is closed only once its review is recorded"), RecordOnly: true,
						Check: func(t *invTx) bool { return !sms.Blank(t.Entity.Conclusions) }},
					{Requirement: tstCite("CON-11", "an invocation is closed only when every RTO exceeded has an action"), RecordOnly: true,
						Check: func(t *invTx) bool { return len(invUnanswered(t.Entity.Recovery, t.Entity.Deficiencies)) == 0 }},
				},
				Apply: func(*invTx) {},
			},
		},
	}
}

// InvocationWorkflow returns the compiled invocation workflow, for
// introspection and documentation.
func InvocationWorkflow() *sms.Workflow[*Invocation] {
	return sms.MustWorkflow(invocationDefinition(nil, nil))
}

// Invocations runs invocations of continuity plans on a store (CON-10 to
// CON-12): one typed method per trigger, each one transition through the
// pipeline.
type Invocations struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Invocation, InvocationTrigger, InvocationCommand]
	m *sms.Machine[*Invocation]
}

// NewInvocations compiles the invocation workflow, with the host's plans
// (nil: no plan is found, so none is invoked), and binds it to the store.
// The agreed requirements, when given (at most one), are what the recovery
// achieved is compared with; without them no comparison is recorded.
func NewInvocations(store sms.Store[*Invocation], plans PlanFinder, opts sms.Options, reqs ...AgreedRequirements) (*Invocations, error) {
	if len(reqs) > 1 {
		return nil, sms.Invalid(InvocationKind, "requirements", "at most one source of agreed requirements, not %d", len(reqs))
	}
	var r AgreedRequirements
	if len(reqs) == 1 {
		r = reqs[0]
	}
	m, rs, err := sms.Bind[*Invocation, InvocationTrigger, InvocationCommand](invocationDefinition(plans, r), store, opts)
	if err != nil {
		return nil, err
	}
	return &Invocations{Records: rs, m: m}, nil
}

// Invoke invokes a plan, the actor as the invoker (CON-12).
func (s *Invocations) Invoke(ctx context.Context, a sms.Actor, c Invoke) (*Invocation, error) {
	return s.m.Create(ctx, a, c)
}

// StartRecovery records that the recovery procedures started.
func (s *Invocations) StartRecovery(ctx context.Context, a sms.Actor, id string, c RecoveryStart) (*Invocation, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecoveryStarted), c)
}

// Recovered records the recovery to the degraded targets (CON-12).
func (s *Invocations) Recovered(ctx context.Context, a sms.Actor, id string, c Recovery) (*Invocation, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecovered), c)
}

// ReturnToNormal records the return to normal operation (CON-12).
func (s *Invocations) ReturnToNormal(ctx context.Context, a sms.Actor, id string, c ReturnToNormal) (*Invocation, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReturnToNormal), c)
}

// Review reviews the invocation (CON-10, CON-11).
func (s *Invocations) Review(ctx context.Context, a sms.Actor, id string, c InvocationReview) (*Invocation, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReviewInvocation), c)
}

// Close closes a reviewed invocation (CON-10).
func (s *Invocations) Close(ctx context.Context, a sms.Actor, id string, c InvocationClosure) (*Invocation, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCloseInvocation), c)
}

// Do runs any invocation command as its typed method does; an [Invoke]
// carries its own ID, and id must then be empty.
func (s *Invocations) Do(ctx context.Context, a sms.Actor, id string, c InvocationCommand) (*Invocation, error) {
	return s.m.Do(ctx, a, id, c)
}
