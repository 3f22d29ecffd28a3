package servicelevel

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

// PlanKind is the entity kind of availability plans, as stored.
const PlanKind sms.Kind = "availability_plan"

// PlanStatus is an availability plan's status; the values are persisted.
type PlanStatus string

// Availability plan statuses.
const (
	PlanDrafted    PlanStatus = "draft"      // being determined
	PlanActive     PlanStatus = "active"     // approved: the service's current requirement
	PlanSuperseded PlanStatus = "superseded" // replaced by an approved edition
	PlanRetired    PlanStatus = "retired"    // withdrawn, with the reason
)

// PlanStatuses returns every status, in lifecycle order.
func PlanStatuses() []PlanStatus {
	return []PlanStatus{PlanDrafted, PlanActive, PlanSuperseded, PlanRetired}
}

// PlanTrigger names a transition of an availability plan; the values are
// persisted.
type PlanTrigger string

// Availability plan triggers.
const (
	TriggerPlanDraft     PlanTrigger = "draft"
	TriggerPlanRevise    PlanTrigger = "revise"
	TriggerAssess        PlanTrigger = "assess"
	TriggerApprove       PlanTrigger = "approve"
	TriggerPlanReview    PlanTrigger = "review"
	TriggerPlanSupersede PlanTrigger = "supersede"
	TriggerRetire        PlanTrigger = "retire"
	TriggerPlanNote      PlanTrigger = "note"
)

// PlanTriggers returns every trigger, the creating one first.
func PlanTriggers() []PlanTrigger {
	return []PlanTrigger{TriggerPlanDraft, TriggerPlanRevise, TriggerAssess, TriggerApprove, TriggerPlanReview, TriggerPlanSupersede, TriggerRetire, TriggerPlanNote}
}

// PlanRequirements returns the availability requirements the plans
// enforce: their workflow's catalogue.
func PlanRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "AVL-01", Clause: "8.7.1", Text: "risks to service availability are assessed and documented, periodically"},
		{ID: "AVL-02", Clause: "8.7.1", Text: "availability requirements and targets are determined from the business and service requirements, the agreements and the risks"},
		{ID: "AVL-03", Clause: "8.7.1", Text: "availability requirements and targets are documented, approved and kept up to date"},
	}
}

// Risk is one risk to the service's availability and its treatment.
type Risk struct {
	Text      string `json:"text"`
	Treatment string `json:"treatment"`
}

// Commitment is the availability an agreement commits to: the plan's
// target is at least it (AVL-02).
type Commitment struct {
	Agreement string `json:"agreement"`
	Num       int64  `json:"num"`
	Den       int64  `json:"den"`
}

// AvailabilityPlan is the documented availability requirement of one
// service (AVL-01 to AVL-03), one edition of it: the target within the
// agreed service hours, what it is based on, the availability risks as
// last assessed. A new edition amends the active one and supersedes it
// when approved.
type AvailabilityPlan struct {
	sms.Meta
	Status  PlanStatus `json:"status"`
	Service string     `json:"service"`
	// TargetNum / TargetDen is the target, 995 / 1000 for 99.5 %.
	TargetNum int64 `json:"target_num"`
	TargetDen int64 `json:"target_den"`
	// Hours is the calendar of the agreed service hours ("name@version").
	Hours string `json:"hours"`
	// DegradedPerMille weighs degraded time as down time, in thousandths.
	DegradedPerMille int64 `json:"degraded_per_mille,omitempty"`
	// Basis names the business and service requirements and agreements
	// the target was determined from (AVL-02).
	Basis      []string    `json:"basis"`
	Commitment *Commitment `json:"commitment,omitempty"`
	Risks      []Risk      `json:"risks,omitempty"`
	// AssessedAt is when the risks were last assessed, ApprovedAt when the
	// edition was approved, ReviewedAt when it was last reviewed.
	AssessedAt   time.Time        `json:"assessed_at,omitzero"`
	ApprovedAt   time.Time        `json:"approved_at,omitzero"`
	ReviewedAt   time.Time        `json:"reviewed_at,omitzero"`
	Edition      int              `json:"edition"`
	Amends       string           `json:"amends,omitempty"`
	SupersededBy string           `json:"superseded_by,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Parties      sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*AvailabilityPlan) EntityKind() sms.Kind { return PlanKind }

// State implements [sms.Entity].
func (p *AvailabilityPlan) State() string { return string(p.Status) }

// SetState implements [sms.Entity].
func (p *AvailabilityPlan) SetState(s string) { p.Status = PlanStatus(s) }

// Attributes implements [sms.Entity]: the service, the amended edition as
// a link.
func (p *AvailabilityPlan) Attributes() sms.Attributes {
	at := sms.Attributes{Service: p.Service}
	if p.Amends != "" {
		at.Links = []sms.Link{{Type: "amends", ID: p.Amends}}
	}
	return at
}

// Clone implements [sms.Entity].
func (p *AvailabilityPlan) Clone() *AvailabilityPlan {
	c := *p
	c.Basis, c.Risks, c.Parties = slices.Clone(p.Basis), slices.Clone(p.Risks), slices.Clone(p.Parties)
	if p.Commitment != nil {
		cm := *p.Commitment
		c.Commitment = &cm
	}
	return &c
}

// Requirement returns the plan as [Measure] takes it, with the calendar of
// its service hours (the host resolves Hours) and the maintenance windows
// agreed as exceptions.
func (p *AvailabilityPlan) Requirement(hours *calendar.Calendar, maintenance []calendar.Interval) AvailabilityRequirement {
	return AvailabilityRequirement{Service: p.Service, TargetNum: p.TargetNum, TargetDen: p.TargetDen, Hours: hours,
		Maintenance: maintenance, DegradedPerMille: p.DegradedPerMille}
}

// PlanCommand is the input of one availability plan trigger.
type PlanCommand interface {
	sms.Command
	Trigger() PlanTrigger
}

// Determination is what an availability plan determines (AVL-02).
type Determination struct {
	TargetNum, TargetDen int64
	Hours                string
	DegradedPerMille     int64
	Basis                []string
	Commitment           *Commitment
}

// PlanDraft drafts the availability plan of a service, or a new edition of
// its active one (Amends).
type PlanDraft struct {
	ID      string
	Service string
	Amends  string
	Determination
}

// PlanRevision replaces what a draft determines.
type PlanRevision struct{ Determination }

// Assessment records the assessment of the risks to the service's
// availability (AVL-01): on a draft, before approval, and periodically on
// the active plan.
type Assessment struct{ Risks []Risk }

// Approval approves a draft, by another person than its author (AVL-03);
// an edition supersedes the one it amends in the same commit where the
// store offers one.
type Approval struct{}

// PlanReview records a review of the active plan with its conclusions
// (AVL-03).
type PlanReview struct{ Text string }

// PlanSupersession records the approved edition By that replaced the plan;
// By's approval fires it.
type PlanSupersession struct{ By string }

// Retirement withdraws a plan, with the reason.
type Retirement struct{ Reason string }

// PlanNote adds a note.
type PlanNote struct{ Text string }

// Trigger implements [PlanCommand].
func (PlanDraft) Trigger() PlanTrigger        { return TriggerPlanDraft }
func (PlanRevision) Trigger() PlanTrigger     { return TriggerPlanRevise }
func (Assessment) Trigger() PlanTrigger       { return TriggerAssess }
func (Approval) Trigger() PlanTrigger         { return TriggerApprove }
func (PlanReview) Trigger() PlanTrigger       { return TriggerPlanReview }
func (PlanSupersession) Trigger() PlanTrigger { return TriggerPlanSupersede }
func (Retirement) Trigger() PlanTrigger       { return TriggerRetire }
func (PlanNote) Trigger() PlanTrigger         { return TriggerPlanNote }

func (d *Determination) validate() error {
	if d.TargetDen <= 0 || d.TargetNum <= 0 || d.TargetNum > d.TargetDen {
		return sms.Invalid(PlanKind, "target", "%d / %d is not a ratio in (0, 1]", d.TargetNum, d.TargetDen)
	}
	if d.DegradedPerMille < 0 || d.DegradedPerMille > 1000 {
		return sms.Invalid(PlanKind, "degraded_per_mille", "%d is not in [0, 1000]", d.DegradedPerMille)
	}
	if c := d.Commitment; c != nil && (c.Den <= 0 || c.Num < 0 || c.Num > c.Den) {
		return sms.Invalid(PlanKind, "commitment", "%d / %d is not a ratio in [0, 1]", c.Num, c.Den)
	}
	var ref error
	if d.Commitment != nil {
		ref = sms.CheckRef(PlanKind, "commitment.agreement", d.Commitment.Agreement)
	}
	return sms.FirstError(sms.CheckText(PlanKind, "hours", d.Hours, sms.MaxShort), sms.CheckRefs(PlanKind, "basis", d.Basis), ref)
}

// Validate implements [sms.Command].
func (c PlanDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(PlanKind, "id", c.ID), sms.CheckRef(PlanKind, "service", c.Service), sms.CheckRef(PlanKind, "amends", c.Amends), c.Determination.validate())
}
func (c PlanRevision) Validate() error { return c.Determination.validate() }
func (c Assessment) Validate() error {
	for _, r := range c.Risks {
		if err := sms.FirstError(sms.CheckText(PlanKind, "risks.text", r.Text, sms.MaxText), sms.CheckText(PlanKind, "risks.treatment", r.Treatment, sms.MaxText)); err != nil {
			return err
		}
	}
	return nil
}
func (Approval) Validate() error           { return nil }
func (c PlanReview) Validate() error       { return sms.CheckText(PlanKind, "text", c.Text, sms.MaxText) }
func (c PlanSupersession) Validate() error { return sms.CheckRef(PlanKind, "by", c.By) }
func (c Retirement) Validate() error       { return sms.CheckText(PlanKind, "reason", c.Reason, sms.MaxText) }
func (c PlanNote) Validate() error         { return sms.CheckText(PlanKind, "text", c.Text, sms.MaxText) }

type ptx = sms.Transition[*AvailabilityPlan]

func pguard(id, text string, check func(*ptx) bool) sms.Guard[*AvailabilityPlan] {
	return sms.Guard[*AvailabilityPlan]{Requirement: cite(id, text), Check: check}
}

func determine(t *ptx, d Determination) {
	p := t.Entity
	p.TargetNum, p.TargetDen, p.Hours, p.DegradedPerMille = d.TargetNum, d.TargetDen, d.Hours, d.DegradedPerMille
	p.Basis = slices.Clone(d.Basis)
	p.Commitment = nil
	if d.Commitment != nil {
		c := *d.Commitment
		p.Commitment = &c
	}
	t.Record("target", strconv.FormatInt(d.TargetNum, 10)+"/"+strconv.FormatInt(d.TargetDen, 10))
	t.Record("hours", d.Hours)
	for _, b := range d.Basis {
		t.Record("basis", b)
	}
}

// atLeast reports whether the plan's target is at least its commitment:
// num/den >= cnum/cden, compared as integers.
func (p *AvailabilityPlan) atLeast() bool {
	c := p.Commitment
	return c == nil || p.TargetNum*c.Den >= c.Num*p.TargetDen
}

func planDefinition(get func(context.Context, string) (*AvailabilityPlan, error), fire func(context.Context, sms.Actor, string, PlanCommand) error) sms.Definition[*AvailabilityPlan] {
	roles := []sms.Role{RoleAvailabilityManager}
	return sms.Definition[*AvailabilityPlan]{
		Kind: PlanKind, States: sms.StatesOf(PlanStatuses()...), Terminal: sms.StatesOf(PlanSuperseded, PlanRetired),
		New: func() *AvailabilityPlan { return &AvailabilityPlan{} }, Catalogue: PlanRequirements(),
		Rules: []sms.Rule[*AvailabilityPlan]{
			{
				Trigger: string(TriggerPlanDraft), To: string(PlanDrafted), Roles: roles, Command: PlanDraft{},
				Doc:     "Draft the availability plan of a service, or a new edition of it.",
				Prepare: readEdition(get, func(t *ptx) string { return sms.CommandOf[PlanDraft](t).Amends }),
				Guards: []sms.Guard[*AvailabilityPlan]{
					pguard("AVL-02", "a plan names its service, its service hours and what its target is based on", func(t *ptx) bool {
						c := sms.CommandOf[PlanDraft](t)
						return c.Service != "" && !sms.Blank(c.Hours) && len(c.Basis) > 0
					}),
					pguard("AVL-03", "an edition amends the active plan of the same service", func(t *ptx) bool {
						c := sms.CommandOf[PlanDraft](t)
						old := relatedOf(t)
						return c.Amends == "" || (old != nil && old.Status == PlanActive && old.Service == c.Service)
					}),
				},
				Apply: func(t *ptx) {
					c, p := sms.CommandOf[PlanDraft](t), t.Entity
					p.ID, p.Service, p.Amends, p.Edition = c.ID, c.Service, c.Amends, 1
					if old := relatedOf(t); old != nil {
						p.Edition = old.Edition + 1
						t.Record("amends", c.Amends)
					}
					p.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					t.Record("service", c.Service)
					determine(t, c.Determination)
				},
			},
			{
				Trigger: string(TriggerPlanRevise), From: sms.StatesOf(PlanDrafted), Roles: roles, Command: PlanRevision{},
				Requirement: cite("AVL-03", "only a draft is revised; an approved plan is amended by a new edition"),
				Doc:         "Revise what a draft determines.",
				Apply: func(t *ptx) {
					t.Entity.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					determine(t, sms.CommandOf[PlanRevision](t).Determination)
				},
			},
			{
				Trigger: string(TriggerAssess), From: sms.StatesOf(PlanDrafted, PlanActive), Roles: roles, Command: Assessment{},
				Requirement: cite("AVL-01", "the risks of a plan in force or being determined are assessed"),
				Doc:         "Record the assessment of the risks to availability.",
				Guards: []sms.Guard[*AvailabilityPlan]{pguard("AVL-01", "an assessment documents at least one risk and its treatment", func(t *ptx) bool {
					rs := sms.CommandOf[Assessment](t).Risks
					return len(rs) > 0 && !slices.ContainsFunc(rs, func(r Risk) bool { return sms.Blank(r.Text) || sms.Blank(r.Treatment) })
				})},
				Apply: func(t *ptx) {
					t.Entity.Risks = slices.Clone(sms.CommandOf[Assessment](t).Risks)
					t.Entity.AssessedAt = t.Now
					for _, r := range t.Entity.Risks {
						t.Record("risk", r.Text)
					}
				},
			},
			{
				Trigger: string(TriggerApprove), From: sms.StatesOf(PlanDrafted), To: string(PlanActive), Roles: roles, Command: Approval{},
				Requirement: cite("AVL-03", "only a draft is approved"),
				Doc:         "Approve the plan; an edition supersedes the one it amends.",
				Segregation: []sms.Segregation[*AvailabilityPlan]{{
					Requirement: cite("AVL-03", "a plan is approved by another person than its authors"),
					Check: func(t *ptx) string {
						if t.Entity.Parties.Has(sms.PartyAuthor, t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " wrote the plan and may not approve it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*AvailabilityPlan]{
					pguard("AVL-01", "the risks to availability were assessed before approval", func(t *ptx) bool { return !t.Entity.AssessedAt.IsZero() }),
					pguard("AVL-02", "the target is at least the availability the agreement commits to", func(t *ptx) bool { return t.Entity.atLeast() }),
				},
				Apply: func(t *ptx) {
					t.Entity.ApprovedAt = t.Now
					t.Entity.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
					if t.Entity.Amends != "" {
						t.Record("supersedes", t.Entity.Amends)
					}
				},
				FollowUp: &sms.FollowUp[*AvailabilityPlan]{
					Essential: true,
					Run: func(ctx context.Context, t *ptx) error {
						if t.Entity.Amends == "" {
							return nil
						}
						return fire(ctx, t.Actor, t.Entity.Amends, PlanSupersession{By: t.Entity.ID})
					},
				},
			},
			{
				Trigger: string(TriggerPlanReview), From: sms.StatesOf(PlanActive), Roles: roles, Command: PlanReview{},
				Requirement: cite("AVL-03", "the plan in force is reviewed"),
				Doc:         "Record a review of the plan in force, with its conclusions.",
				Guards: []sms.Guard[*AvailabilityPlan]{pguard("AVL-03", "a review records its conclusions", func(t *ptx) bool {
					return !sms.Blank(sms.CommandOf[PlanReview](t).Text)
				})},
				Apply: func(t *ptx) {
					t.Entity.ReviewedAt = t.Now
					t.Record("conclusions", sms.CommandOf[PlanReview](t).Text)
				},
			},
			{
				Trigger: string(TriggerPlanSupersede), From: sms.StatesOf(PlanActive), To: string(PlanSuperseded), Roles: roles, Command: PlanSupersession{},
				Requirement: cite("AVL-03", "only the plan in force is superseded"),
				Doc:         "Record the edition that replaced it; fired by that edition's approval.",
				Prepare:     readEdition(get, func(t *ptx) string { return sms.CommandOf[PlanSupersession](t).By }),
				Guards: []sms.Guard[*AvailabilityPlan]{pguard("AVL-03", "a plan is superseded only by an approved edition that amends it", func(t *ptx) bool {
					by := relatedOf(t)
					return by != nil && by.Status == PlanActive && by.Amends == t.Entity.ID
				})},
				Apply: func(t *ptx) {
					t.Entity.SupersededBy = sms.CommandOf[PlanSupersession](t).By
					t.Record("by", t.Entity.SupersededBy)
				},
			},
			{
				Trigger: string(TriggerRetire), From: sms.StatesOf(PlanDrafted, PlanActive), To: string(PlanRetired), Roles: roles, Command: Retirement{},
				Requirement: cite("AVL-03", "a plan already replaced or withdrawn is not retired"),
				Doc:         "Withdraw the plan, with the reason.",
				Guards: []sms.Guard[*AvailabilityPlan]{pguard("AVL-03", "a retirement gives its reason", func(t *ptx) bool {
					return !sms.Blank(sms.CommandOf[Retirement](t).Reason)
				})},
				Apply: func(t *ptx) {
					t.Entity.Reason = sms.CommandOf[Retirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerPlanNote), From: sms.StatesOf(PlanStatuses()...), Roles: roles, Command: PlanNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*AvailabilityPlan]{pguard("AVL-03", "a note has text", func(t *ptx) bool {
					return !sms.Blank(sms.CommandOf[PlanNote](t).Text)
				})},
				Apply: func(t *ptx) { t.Record("text", sms.CommandOf[PlanNote](t).Text) },
			},
		},
	}
}

// PlanWorkflow returns the compiled availability plan workflow, for
// introspection and documentation.
func PlanWorkflow() *sms.Workflow[*AvailabilityPlan] {
	return sms.MustWorkflow(planDefinition(nil, nil))
}

// Plans runs availability plans on a store (AVL-01 to AVL-03): one typed
// method per trigger, each one transition through the pipeline.
type Plans struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*AvailabilityPlan, PlanTrigger, PlanCommand]
	m *sms.Machine[*AvailabilityPlan]
}

// NewPlans compiles the availability plan workflow and binds it to the
// store.
func NewPlans(store sms.Store[*AvailabilityPlan], opts sms.Options) (*Plans, error) {
	s := &Plans{}
	get := func(ctx context.Context, id string) (*AvailabilityPlan, error) { return s.m.Get(ctx, id) }
	fire := func(ctx context.Context, a sms.Actor, id string, c PlanCommand) error {
		_, err := s.m.Do(ctx, a, id, c)
		return err
	}
	var err error
	if s.m, s.Records, err = sms.Bind[*AvailabilityPlan, PlanTrigger, PlanCommand](planDefinition(get, fire), store, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// Draft drafts a plan, or an edition amending the active one (AVL-02).
func (s *Plans) Draft(ctx context.Context, a sms.Actor, c PlanDraft) (*AvailabilityPlan, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a draft.
func (s *Plans) Revise(ctx context.Context, a sms.Actor, id string, c PlanRevision) (*AvailabilityPlan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanRevise), c)
}

// Assess records a risk assessment (AVL-01).
func (s *Plans) Assess(ctx context.Context, a sms.Actor, id string, c Assessment) (*AvailabilityPlan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssess), c)
}

// Approve approves a draft (AVL-03).
func (s *Plans) Approve(ctx context.Context, a sms.Actor, id string, c Approval) (*AvailabilityPlan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApprove), c)
}

// Review records a review of the plan in force (AVL-03).
func (s *Plans) Review(ctx context.Context, a sms.Actor, id string, c PlanReview) (*AvailabilityPlan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanReview), c)
}

// Retire withdraws a plan, with the reason.
func (s *Plans) Retire(ctx context.Context, a sms.Actor, id string, c Retirement) (*AvailabilityPlan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRetire), c)
}

// Do runs any plan command as its typed method does; a [PlanDraft]
// carries its own ID, and id must then be empty.
func (s *Plans) Do(ctx context.Context, a sms.Actor, id string, c PlanCommand) (*AvailabilityPlan, error) {
	return s.m.Do(ctx, a, id, c)
}
