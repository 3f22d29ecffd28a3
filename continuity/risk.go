package continuity

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// RiskKind is the entity kind of risk assessments, as stored.
const RiskKind sms.Kind = "risk_assessment"

// RiskStatus is a risk assessment's status; the values are persisted.
type RiskStatus string

// Risk assessment statuses.
const (
	RiskCurrent RiskStatus = "current" // the service's assessment in force
	RiskRetired RiskStatus = "retired" // withdrawn, with the reason
)

// RiskStatuses returns every status, in lifecycle order.
func RiskStatuses() []RiskStatus { return []RiskStatus{RiskCurrent, RiskRetired} }

// RiskTrigger names a transition of a risk assessment; the values are
// persisted.
type RiskTrigger string

// Risk assessment triggers.
const (
	TriggerRiskAssess   RiskTrigger = "assess"
	TriggerRiskReassess RiskTrigger = "reassess"
	TriggerRiskRetire   RiskTrigger = "retire"
	TriggerRiskNote     RiskTrigger = "note"
)

// RiskTriggers returns every trigger, the creating one first.
func RiskTriggers() []RiskTrigger {
	return []RiskTrigger{TriggerRiskAssess, TriggerRiskReassess, TriggerRiskRetire, TriggerRiskNote}
}

// RiskAssessmentKind says which risks an assessment is of; the values are
// persisted.
type RiskAssessmentKind string

// Risk assessment kinds: one register holds both.
const (
	RiskContinuity   RiskAssessmentKind = "continuity"   // risks to service continuity (CON-01)
	RiskAvailability RiskAssessmentKind = "availability" // risks to service availability (AVL-01)
)

// Requirement returns the ID of the requirement an assessment of the kind
// meets: CON-01 for continuity, AVL-01 for availability, "" for another
// kind.
func (k RiskAssessmentKind) Requirement() string {
	switch k {
	case RiskContinuity:
		return "CON-01"
	case RiskAvailability:
		return "AVL-01"
	}
	return ""
}

// Finding codes of the risk assessments' sweep.
const (
	// CodeContRiskOverdue: a current continuity risk assessment was not
	// reassessed by its next due date plus the grace (CON-01).
	CodeContRiskOverdue = "CONT_RISK_OVERDUE"
	// CodeAvailRiskOverdue: a current availability risk assessment was not
	// reassessed by its next due date plus the grace (AVL-01).
	CodeAvailRiskOverdue = "AVAIL_RISK_OVERDUE"
)

// RiskRequirements returns the requirements the risk assessments enforce:
// their workflow's catalogue.
func RiskRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "AVL-01", Clause: "8.7.1", Text: "risks to service availability are assessed and documented periodically"},
		{ID: "CON-01", Clause: "8.7.2", Text: "risks to service continuity are assessed and documented periodically"},
	}
}

// Likelihood and impact are scored from RiskScoreMin to RiskScoreMax.
const (
	RiskScoreMin = 1
	RiskScoreMax = 5
)

// Risk is one assessed risk: what it is, the person who owns it, its
// likelihood and impact (each 1 to 5) and its treatment.
type Risk struct {
	Text       string `json:"text"`
	Owner      string `json:"owner"`
	Likelihood int    `json:"likelihood"`
	Impact     int    `json:"impact"`
	Treatment  string `json:"treatment"`
}

// riskValidate checks the form of a list of risks: bounded, texts UTF-8
// and bounded, owners IDs, scores 1 to 5.
func riskValidate(rs []Risk) error {
	if len(rs) > sms.MaxList {
		return sms.Invalid(RiskKind, "risks", "%d risks, more than %d", len(rs), sms.MaxList)
	}
	for i, r := range rs {
		n := "risks[" + strconv.Itoa(i) + "]."
		if err := sms.FirstError(sms.CheckText(RiskKind, n+"text", r.Text, sms.MaxText), sms.CheckRef(RiskKind, n+"owner", r.Owner),
			sms.CheckText(RiskKind, n+"treatment", r.Treatment, sms.MaxText)); err != nil {
			return err
		}
		if r.Likelihood < RiskScoreMin || r.Likelihood > RiskScoreMax {
			return sms.Invalid(RiskKind, n+"likelihood", "%d is not between %d and %d", r.Likelihood, RiskScoreMin, RiskScoreMax)
		}
		if r.Impact < RiskScoreMin || r.Impact > RiskScoreMax {
			return sms.Invalid(RiskKind, n+"impact", "%d is not between %d and %d", r.Impact, RiskScoreMin, RiskScoreMax)
		}
	}
	return nil
}

// riskComplete reports whether there is at least one risk and every one
// says what it is, has an owner and a treatment.
func riskComplete(rs []Risk) bool {
	return len(rs) > 0 && !slices.ContainsFunc(rs, func(r Risk) bool {
		return sms.Blank(r.Text) || r.Owner == "" || sms.Blank(r.Treatment)
	})
}

// RiskAssessment is the documented assessment of the risks to one
// service's continuity (CON-01) or availability (AVL-01): its risks, and
// when they were last assessed. Reassessing replaces the risks in place;
// the journal keeps the earlier ones.
type RiskAssessment struct {
	sms.Meta
	Status     RiskStatus         `json:"status"`
	Service    string             `json:"service"`
	Kind       RiskAssessmentKind `json:"kind"`
	Risks      []Risk             `json:"risks"`
	AssessedAt time.Time          `json:"assessed_at"`
	Reason     string             `json:"reason,omitempty"`
	Parties    sms.Participants   `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*RiskAssessment) EntityKind() sms.Kind { return RiskKind }

// State implements [sms.Entity].
func (r *RiskAssessment) State() string { return string(r.Status) }

// SetState implements [sms.Entity].
func (r *RiskAssessment) SetState(s string) { r.Status = RiskStatus(s) }

// Attributes implements [sms.Entity]: the service assessed (a [sms.Query]
// by service finds its assessments).
func (r *RiskAssessment) Attributes() sms.Attributes { return sms.Attributes{Service: r.Service} }

// Clone implements [sms.Entity].
func (r *RiskAssessment) Clone() *RiskAssessment {
	c := *r
	c.Risks, c.Parties = slices.Clone(r.Risks), r.Parties.Clone()
	return &c
}

// RiskCommand is the input of one risk assessment trigger.
type RiskCommand interface {
	sms.Command
	Trigger() RiskTrigger
}

// Assessment documents the assessed risks to a service's continuity or
// availability; ID is the host's reference, or empty for a generated one.
type Assessment struct {
	ID      string
	Service string
	Kind    RiskAssessmentKind
	Risks   []Risk
}

// Reassessment replaces a current assessment's risks with a new
// assessment of them, as of now.
type Reassessment struct{ Risks []Risk }

// RiskRetirement withdraws the assessment, with the reason.
type RiskRetirement struct{ Reason string }

// RiskNote adds a note.
type RiskNote struct{ Text string }

// Trigger implements [RiskCommand].
func (Assessment) Trigger() RiskTrigger     { return TriggerRiskAssess }
func (Reassessment) Trigger() RiskTrigger   { return TriggerRiskReassess }
func (RiskRetirement) Trigger() RiskTrigger { return TriggerRiskRetire }
func (RiskNote) Trigger() RiskTrigger       { return TriggerRiskNote }

// Validate implements [sms.Command]: the kind is continuity or
// availability, each likelihood and impact 1 to 5.
func (c Assessment) Validate() error {
	if c.Kind.Requirement() == "" {
		return sms.Invalid(RiskKind, "kind", "%q is neither %q nor %q", c.Kind, RiskContinuity, RiskAvailability)
	}
	return sms.FirstError(sms.CheckRef(RiskKind, "id", c.ID), sms.CheckRef(RiskKind, "service", c.Service), riskValidate(c.Risks))
}
func (c Reassessment) Validate() error { return riskValidate(c.Risks) }
func (c RiskRetirement) Validate() error {
	return sms.CheckText(RiskKind, "reason", c.Reason, sms.MaxText)
}
func (c RiskNote) Validate() error { return sms.CheckText(RiskKind, "text", c.Text, sms.MaxText) }

type riskTx = sms.Transition[*RiskAssessment]

func riskCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

// riskKindOf is the kind of the assessment a transition is about: the
// creating command's, then the entity's.
func riskKindOf(t *riskTx) RiskAssessmentKind {
	if c, ok := t.Command.(Assessment); ok {
		return c.Kind
	}
	return t.Entity.Kind
}

// riskGuards returns the guard, once per kind, so that a refusal cites the
// requirement of the assessment's kind: CON-01 or AVL-01.
func riskGuards(text string, check func(*riskTx) bool) []sms.Guard[*RiskAssessment] {
	var gs []sms.Guard[*RiskAssessment]
	for _, k := range []RiskAssessmentKind{RiskContinuity, RiskAvailability} {
		gs = append(gs, sms.Guard[*RiskAssessment]{Requirement: riskCite(k.Requirement(), text), Check: func(t *riskTx) bool {
			return riskKindOf(t) != k || check(t)
		}})
	}
	return gs
}

func riskWrite(t *riskTx, rs []Risk) {
	r := t.Entity
	r.Risks = slices.Clone(rs)
	r.AssessedAt = t.Now
	r.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
	t.Record("risks", strconv.Itoa(len(rs)))
	t.RecordTime("assessed_at", r.AssessedAt)
}

func riskDefinition() sms.Definition[*RiskAssessment] {
	roles := []sms.Role{RoleContinuityManager}
	risks := "an assessment documents at least one risk, each saying what it is, with its owner and its treatment"
	return sms.Definition[*RiskAssessment]{
		Kind: RiskKind, States: sms.StatesOf(RiskStatuses()...), Terminal: sms.StatesOf(RiskRetired),
		New: func() *RiskAssessment { return &RiskAssessment{} }, Catalogue: RiskRequirements(),
		Rules: []sms.Rule[*RiskAssessment]{
			{
				Trigger: string(TriggerRiskAssess), To: string(RiskCurrent), Roles: roles, Command: Assessment{},
				Doc: "Document the assessed risks to a service's continuity or availability.",
				Guards: append(riskGuards("an assessment names the service assessed", func(t *riskTx) bool {
					return !sms.Blank(sms.CommandOf[Assessment](t).Service)
				}), riskGuards(risks, func(t *riskTx) bool { return riskComplete(sms.CommandOf[Assessment](t).Risks) })...),
				Apply: func(t *riskTx) {
					c, r := sms.CommandOf[Assessment](t), t.Entity
					r.ID, r.Service, r.Kind = c.ID, c.Service, c.Kind
					t.Record("service", c.Service)
					t.Record("kind", string(c.Kind))
					riskWrite(t, c.Risks)
				},
			},
			{
				Trigger: string(TriggerRiskReassess), From: sms.StatesOf(RiskCurrent), Roles: roles, Command: Reassessment{},
				Requirement: riskCite("CON-01", "only a current assessment is reassessed"),
				Doc:         "Reassess the risks, as of now; the journal keeps the earlier ones.",
				Guards:      riskGuards(risks, func(t *riskTx) bool { return riskComplete(sms.CommandOf[Reassessment](t).Risks) }),
				Apply:       func(t *riskTx) { riskWrite(t, sms.CommandOf[Reassessment](t).Risks) },
			},
			{
				Trigger: string(TriggerRiskRetire), From: sms.StatesOf(RiskCurrent), To: string(RiskRetired), Roles: roles, Command: RiskRetirement{},
				Requirement: riskCite("CON-01", "a retired assessment is not retired again"),
				Doc:         "Withdraw the assessment, with the reason.",
				Guards: riskGuards("a retirement gives its reason", func(t *riskTx) bool {
					return !sms.Blank(sms.CommandOf[RiskRetirement](t).Reason)
				}),
				Apply: func(t *riskTx) {
					t.Entity.Reason = sms.CommandOf[RiskRetirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerRiskNote), From: sms.StatesOf(RiskStatuses()...), Roles: roles, Command: RiskNote{},
				Doc: "Add a note.",
				Guards: riskGuards("a note has text", func(t *riskTx) bool {
					return !sms.Blank(sms.CommandOf[RiskNote](t).Text)
				}),
				Apply: func(t *riskTx) { t.Record("text", sms.CommandOf[RiskNote](t).Text) },
			},
		},
	}
}

// RiskWorkflow returns the compiled risk assessment workflow, for
// introspection and documentation.
func RiskWorkflow() *sms.Workflow[*RiskAssessment] {
	return sms.MustWorkflow(riskDefinition())
}

// RiskAssessments runs the register of risk assessments on a store
// (CON-01, AVL-01): one typed method per trigger, each one transition
// through the pipeline.
type RiskAssessments struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*RiskAssessment, RiskTrigger, RiskCommand]
	m *sms.Machine[*RiskAssessment]
}

// NewRiskAssessments compiles the risk assessment workflow and binds it to
// the store.
func NewRiskAssessments(store sms.Store[*RiskAssessment], opts sms.Options) (*RiskAssessments, error) {
	m, r, err := sms.Bind[*RiskAssessment, RiskTrigger, RiskCommand](riskDefinition(), store, opts)
	if err != nil {
		return nil, err
	}
	return &RiskAssessments{Records: r, m: m}, nil
}

// Assess documents a new assessment (CON-01, AVL-01).
func (s *RiskAssessments) Assess(ctx context.Context, a sms.Actor, c Assessment) (*RiskAssessment, error) {
	return s.m.Create(ctx, a, c)
}

// Reassess replaces a current assessment's risks, as of now.
func (s *RiskAssessments) Reassess(ctx context.Context, a sms.Actor, id string, c Reassessment) (*RiskAssessment, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRiskReassess), c)
}

// Retire withdraws the assessment, with the reason.
func (s *RiskAssessments) Retire(ctx context.Context, a sms.Actor, id string, c RiskRetirement) (*RiskAssessment, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRiskRetire), c)
}

// Note adds a note.
func (s *RiskAssessments) Note(ctx context.Context, a sms.Actor, id string, c RiskNote) (*RiskAssessment, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRiskNote), c)
}

// Do runs any risk assessment command as its typed method does; an
// [Assessment] carries its own ID, and id must then be empty.
func (s *RiskAssessments) Do(ctx context.Context, a sms.Actor, id string, c RiskCommand) (*RiskAssessment, error) {
	return s.m.Do(ctx, a, id, c)
}

// riskCheck validates the sweep's cadence and grace.
func riskCheck(every sms.Cadence, grace time.Duration) error {
	if err := every.Validate(); err != nil {
		return sms.Invalid(RiskKind, "every", "%v", err)
	}
	if grace < 0 || grace > sms.MaxCadence {
		return sms.Invalid(RiskKind, "grace", "%s is negative or beyond %s", grace, sms.MaxCadence)
	}
	return nil
}

// SweepRisk returns the periodic finding of one assessment as of a time: a
// current assessment whose next due date, every.NextDue(AssessedAt), plus
// grace is before asOf is CONT_RISK_OVERDUE (a continuity one, CON-01) or
// AVAIL_RISK_OVERDUE (an availability one, AVL-01); on the instant itself
// it is not yet overdue. It is a pure function; a nil assessment, an
// invalid cadence or a negative grace is a [*sms.ValidationError].
func SweepRisk(r *RiskAssessment, every sms.Cadence, grace time.Duration, asOf time.Time) ([]sms.Finding, error) {
	if r == nil {
		return nil, sms.Invalid(RiskKind, "assessment", "is nil")
	}
	if err := riskCheck(every, grace); err != nil {
		return nil, err
	}
	return riskSweep(sms.NewAudit(asOf, RiskRequirements()), r, every, grace), nil
}

func riskSweep(a *sms.Audit, r *RiskAssessment, every sms.Cadence, grace time.Duration) []sms.Finding {
	if r.Status != RiskCurrent {
		return nil
	}
	code := CodeContRiskOverdue
	switch r.Kind {
	case RiskContinuity:
	case RiskAvailability:
		code = CodeAvailRiskOverdue
	default:
		return nil
	}
	due := every.NextDue(r.AssessedAt)
	if !due.Add(grace).Before(a.AsOf()) {
		return nil
	}
	return []sms.Finding{a.Finding(code, r.Kind.Requirement(), RiskKind, r.ID, string(r.Kind)+" risks to "+strconv.Quote(r.Service)+
		" assessed "+r.AssessedAt.Format(time.RFC3339)+", next due "+due.UTC().Format(time.RFC3339)+" ("+every.String()+")")}
}

// Sweep returns the periodic findings of the stored current assessments
// (see [SweepRisk]) as of asOf. Each assessment that does not verify
// against its journal is a [sms.CodeRecordUnverified] finding, listed
// first.
func (s *RiskAssessments) Sweep(ctx context.Context, every sms.Cadence, grace time.Duration, asOf time.Time) ([]sms.Finding, error) {
	if err := riskCheck(every, grace); err != nil {
		return nil, err
	}
	a := sms.NewAudit(asOf, RiskRequirements())
	return sms.SweepStore(ctx, s.m, sms.Query{Status: sms.StatesOf(RiskCurrent)}, asOf, func(r *RiskAssessment, _ []sms.Entry) []sms.Finding {
		return riskSweep(a, r, every, grace)
	})
}
