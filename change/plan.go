package change

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// PlanKind is the entity kind of transition plans, as stored.
const PlanKind sms.Kind = "transition_plan"

// PlanStatus is a transition plan's workflow status; persisted, never
// renamed.
type PlanStatus string

// Transition plan statuses (SDT).
const (
	PlanDraft            PlanStatus = "draft"
	PlanApproved         PlanStatus = "approved"
	PlanDesigning        PlanStatus = "designing"
	PlanBuildTest        PlanStatus = "build_test"
	PlanAccepted         PlanStatus = "accepted"
	PlanAcceptanceFailed PlanStatus = "acceptance_failed"
	PlanTransitioning    PlanStatus = "transitioning"
	PlanEarlyLife        PlanStatus = "early_life"
	PlanReported         PlanStatus = "reported"
	PlanClosed           PlanStatus = "closed"
	PlanCancelled        PlanStatus = "cancelled"
)

// PlanStatuses returns every plan status, in lifecycle order.
func PlanStatuses() []PlanStatus {
	return []PlanStatus{PlanDraft, PlanApproved, PlanDesigning, PlanBuildTest, PlanAccepted, PlanAcceptanceFailed,
		PlanTransitioning, PlanEarlyLife, PlanReported, PlanClosed, PlanCancelled}
}

// Valid reports whether s is a known plan status.
func (s PlanStatus) Valid() bool { return slices.Contains(PlanStatuses(), s) }

// approved reports whether a plan in status s was approved and is not
// cancelled: what a change's authorization needs (CHG-05).
func (s PlanStatus) approved() bool { return s != PlanDraft && s != PlanCancelled && s.Valid() }

// PlanTrigger names a plan transition; persisted, never renamed.
type PlanTrigger string

// Transition plan triggers.
const (
	PlanCreate           PlanTrigger = "plan"
	PlanRevise           PlanTrigger = "revise"
	PlanApprove          PlanTrigger = "approve"
	PlanStartDesign      PlanTrigger = "start_design"
	PlanCompleteDesign   PlanTrigger = "complete_design"
	PlanPassAcceptance   PlanTrigger = "pass_acceptance"
	PlanFailAcceptance   PlanTrigger = "fail_acceptance"
	PlanRework           PlanTrigger = "rework"
	PlanAcceptConditions PlanTrigger = "accept_with_conditions"
	PlanStartTransition  PlanTrigger = "start_transition"
	PlanEndTransition    PlanTrigger = "complete_transition"
	PlanReport           PlanTrigger = "report"
	PlanClose            PlanTrigger = "close"
	PlanCancel           PlanTrigger = "cancel"
	PlanNote             PlanTrigger = "note"
)

// PlanTriggers returns every plan trigger, the creating one first.
func PlanTriggers() []PlanTrigger {
	return []PlanTrigger{PlanCreate, PlanRevise, PlanApprove, PlanStartDesign, PlanCompleteDesign, PlanPassAcceptance,
		PlanFailAcceptance, PlanRework, PlanAcceptConditions, PlanStartTransition, PlanEndTransition, PlanReport, PlanClose,
		PlanCancel, PlanNote}
}

// RoleTransitionManager drafts transition plans and runs design, build,
// test and transition.
const RoleTransitionManager sms.Role = "transition_manager"

// ReleaseLookup tells the change package whether a release is approved
// for deployment, approved or later and neither cancelled nor rolled back
// (SDT-05). Process packages never import each other: the host implements
// it, with the release package or its own.
type ReleaseLookup interface {
	ReleaseApproved(ctx context.Context, releaseID string) (bool, error)
}

// ReleaseLookupFunc adapts a function to [ReleaseLookup].
type ReleaseLookupFunc func(ctx context.Context, releaseID string) (bool, error)

// ReleaseApproved calls f.
func (f ReleaseLookupFunc) ReleaseApproved(ctx context.Context, id string) (bool, error) {
	return f(ctx, id)
}

// Accountability names who is accountable for design, build and transition
// (SDT-01).
type Accountability struct {
	Design     string `json:"design"`
	Build      string `json:"build"`
	Transition string `json:"transition"`
}

func (a Accountability) complete() bool { return a.Design != "" && a.Build != "" && a.Transition != "" }

// Activity is one activity of a plan, the organisation's or another
// party's, with its timescale (SDT-01).
type Activity struct {
	Name  string    `json:"name"`
	Party string    `json:"party"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Resources are the resources a plan needs (SDT-01).
type Resources struct {
	Human       string `json:"human"`
	Technical   string `json:"technical"`
	Information string `json:"information"`
	Financial   string `json:"financial"`
}

func (r Resources) complete() bool {
	return !sms.Blank(r.Human) && !sms.Blank(r.Technical) && !sms.Blank(r.Information) && !sms.Blank(r.Financial)
}

// Metric is an intended outcome stated measurably (SDT-01).
type Metric struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Unit   string `json:"unit,omitempty"`
}

// Removal completes the plan of a service removal (SDT-02): the date, and
// what happens to data, documented information and service components
// (archived, disposed of or transferred).
type Removal struct {
	Date        time.Time `json:"date"`
	Data        string    `json:"data"`
	Information string    `json:"information"`
	Components  string    `json:"components"`
}

func (r *Removal) complete() bool {
	return r != nil && !r.Date.IsZero() && !sms.Blank(r.Data) && !sms.Blank(r.Information) && !sms.Blank(r.Components)
}

// Transfer completes the plan of a service transfer (SDT-02): the date,
// the other party, and the transfer of data, documented information,
// knowledge and components.
type Transfer struct {
	Date        time.Time `json:"date"`
	Party       string    `json:"party"`
	Data        string    `json:"data"`
	Information string    `json:"information"`
	Knowledge   string    `json:"knowledge"`
	Components  string    `json:"components"`
}

func (t *Transfer) complete() bool {
	return t != nil && !t.Date.IsZero() && t.Party != "" && !sms.Blank(t.Data) && !sms.Blank(t.Information) &&
		!sms.Blank(t.Knowledge) && !sms.Blank(t.Components)
}

// DesignRecord documents the design of the new or changed service (SDT-03):
// each item says what the design provides, or why it does not apply.
type DesignRecord struct {
	Roles      string `json:"roles"`
	Resources  string `json:"resources"`
	Training   string `json:"training"`
	Agreements string `json:"agreements"`
	SMS        string `json:"sms"`
	Catalogue  string `json:"catalogue"`
	Procedures string `json:"procedures"`
}

func (d DesignRecord) complete() bool {
	return !sms.Blank(d.Roles) && !sms.Blank(d.Resources) && !sms.Blank(d.Training) && !sms.Blank(d.Agreements) &&
		!sms.Blank(d.SMS) && !sms.Blank(d.Catalogue) && !sms.Blank(d.Procedures)
}

// CriterionResult is the result of testing one acceptance criterion
// (SDT-04).
type CriterionResult struct {
	Criterion string `json:"criterion"`
	Passed    bool   `json:"passed"`
	Evidence  string `json:"evidence,omitempty"`
}

// PlanDecision is what the organisation and interested parties decided on
// a failed acceptance (SDT-04).
type PlanDecision struct {
	Outcome      PlanTrigger `json:"outcome"`
	Participants []string    `json:"participants"`
	Rationale    string      `json:"rationale"`
	Conditions   string      `json:"conditions,omitempty"`
	At           time.Time   `json:"at"`
}

// Measurement is an outcome achieved, against its intended metric (SDT-06).
type Measurement struct {
	Metric   string `json:"metric"`
	Achieved string `json:"achieved"`
	Met      bool   `json:"met"`
}

// TransitionPlan is the plan and record of the design and transition of a
// new or changed service (clause 8.5.2) that a change was routed to
// (CHG-05): the plan approved before the change can be, the design, the
// acceptance tests, the transition through release management, and the
// report of the outcomes achieved.
type TransitionPlan struct {
	sms.Meta
	Status PlanStatus `json:"status"`
	// Change is the change the plan serves; Service the service.
	Change  string     `json:"change"`
	Service string     `json:"service"`
	Variant ChangeType `json:"variant"`
	Author  string     `json:"author"`

	// The plan (SDT-01, SDT-02).
	Accountable        Accountability `json:"accountable"`
	Activities         []Activity     `json:"activities,omitempty"`
	Resources          Resources      `json:"resources"`
	Dependencies       string         `json:"dependencies,omitempty"`
	Testing            string         `json:"testing,omitempty"`
	AcceptanceCriteria []string       `json:"acceptance_criteria,omitempty"`
	Outcomes           []Metric       `json:"outcomes,omitempty"`
	Removal            *Removal       `json:"removal,omitempty"`
	Transfer           *Transfer      `json:"transfer,omitempty"`
	ApprovedBy         string         `json:"approved_by,omitempty"`
	ApprovedAt         time.Time      `json:"approved_at,omitzero"`

	// Design (SDT-03), acceptance (SDT-04), transition (SDT-05), report
	// (SDT-06).
	Design         *DesignRecord     `json:"design,omitempty"`
	Results        []CriterionResult `json:"results,omitempty"`
	Decision       *PlanDecision     `json:"decision,omitempty"`
	Release        string            `json:"release,omitempty"`
	TransitionedAt time.Time         `json:"transitioned_at,omitzero"`
	EarlyLifeAt    time.Time         `json:"early_life_at,omitzero"`
	Measurements   []Measurement     `json:"measurements,omitempty"`
	ReportSummary  string            `json:"report_summary,omitempty"`
	ReportedAt     time.Time         `json:"reported_at,omitzero"`
	Notified       []string          `json:"notified,omitempty"`
	ClosedAt       time.Time         `json:"closed_at,omitzero"`
	CancelReason   string            `json:"cancel_reason,omitempty"`

	Links []sms.Link `json:"links,omitempty"`

	// Parties are who holds each party role segregation of duties compares
	// (CHG-19): the author is the author the draft names and every actor who
	// drafted or revised the plan; the approver is the actor who approved
	// it. The state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*TransitionPlan) EntityKind() sms.Kind { return PlanKind }

// State implements [sms.Entity].
func (p *TransitionPlan) State() string { return string(p.Status) }

// SetState implements [sms.Entity].
func (p *TransitionPlan) SetState(s string) { p.Status = PlanStatus(s) }

// Attributes implements [sms.Entity]: the service, the author, and the
// links to the change and the release.
func (p *TransitionPlan) Attributes() sms.Attributes {
	return sms.Attributes{Service: p.Service, Owner: p.Author, Links: p.Links}
}

// SetLinks implements [sms.LinkSetter].
func (p *TransitionPlan) SetLinks(links []sms.Link) { p.Links = links }

// Clone implements [sms.Entity].
func (p *TransitionPlan) Clone() *TransitionPlan {
	c := *p
	c.Activities = slices.Clone(p.Activities)
	c.AcceptanceCriteria = slices.Clone(p.AcceptanceCriteria)
	c.Outcomes = slices.Clone(p.Outcomes)
	c.Results = slices.Clone(p.Results)
	c.Measurements = slices.Clone(p.Measurements)
	c.Notified = slices.Clone(p.Notified)
	c.Links = slices.Clone(p.Links)
	c.Parties = p.Parties.Clone()
	if p.Removal != nil {
		r := *p.Removal
		c.Removal = &r
	}
	if p.Transfer != nil {
		t := *p.Transfer
		c.Transfer = &t
	}
	if p.Design != nil {
		d := *p.Design
		c.Design = &d
	}
	if p.Decision != nil {
		d := *p.Decision
		d.Participants = slices.Clone(p.Decision.Participants)
		c.Decision = &d
	}
	return &c
}

func (p *TransitionPlan) setLink(typ, id string) {
	p.Links = slices.DeleteFunc(p.Links, func(l sms.Link) bool { return l.Type == typ })
	if id != "" {
		p.Links = append(p.Links, sms.Link{Type: typ, ID: id})
	}
}

// failedCriteria returns the criteria whose latest result failed.
func (p *TransitionPlan) failedCriteria() []string {
	var out []string
	for _, r := range p.Results {
		if !r.Passed {
			out = append(out, r.Criterion)
		}
	}
	return out
}

// PlanCommand is the typed input of one transition plan trigger.
type PlanCommand interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() PlanTrigger
	planCommand()
}

// PlanContent is the content of a transition plan (SDT-01, SDT-02).
type PlanContent struct {
	Accountable        Accountability
	Activities         []Activity
	Resources          Resources
	Dependencies       string
	Testing            string
	AcceptanceCriteria []string
	Outcomes           []Metric
	Removal            *Removal
	Transfer           *Transfer
}

func (c PlanContent) validate() error {
	if len(c.Activities) > MaxList || len(c.Outcomes) > MaxList {
		return sms.Invalid(PlanKind, "plan", "more than %d activities or outcomes", MaxList)
	}
	a := c.Accountable
	errs := []error{sms.CheckRef(PlanKind, "accountable.design", a.Design), sms.CheckRef(PlanKind, "accountable.build", a.Build),
		sms.CheckRef(PlanKind, "accountable.transition", a.Transition), sms.CheckText(PlanKind, "dependencies", c.Dependencies, MaxText),
		sms.CheckText(PlanKind, "testing", c.Testing, MaxText), sms.CheckTexts(PlanKind, "acceptance_criteria", c.AcceptanceCriteria, MaxShort),
		sms.CheckTexts(PlanKind, "resources", []string{c.Resources.Human, c.Resources.Technical, c.Resources.Information, c.Resources.Financial}, MaxText)}
	for _, act := range c.Activities {
		errs = append(errs, sms.CheckText(PlanKind, "activities.name", act.Name, MaxShort), sms.CheckRef(PlanKind, "activities.party", act.Party),
			sms.CheckTime(PlanKind, "activities.start", act.Start), sms.CheckTime(PlanKind, "activities.end", act.End))
	}
	for _, m := range c.Outcomes {
		errs = append(errs, sms.CheckText(PlanKind, "outcomes.name", m.Name, MaxShort), sms.CheckText(PlanKind, "outcomes.target", m.Target, MaxShort),
			sms.CheckText(PlanKind, "outcomes.unit", m.Unit, MaxShort))
	}
	if r := c.Removal; r != nil {
		errs = append(errs, sms.CheckTime(PlanKind, "removal.date", r.Date), sms.CheckTexts(PlanKind, "removal", []string{r.Data, r.Information, r.Components}, MaxText))
	}
	if t := c.Transfer; t != nil {
		errs = append(errs, sms.CheckTime(PlanKind, "transfer.date", t.Date), sms.CheckRef(PlanKind, "transfer.party", t.Party),
			sms.CheckTexts(PlanKind, "transfer", []string{t.Data, t.Information, t.Knowledge, t.Components}, MaxText))
	}
	return sms.FirstError(errs...)
}

// DraftPlan drafts a transition plan for a change (trigger plan, SDT-01):
// the change, the service and the variant (the change's type) are
// required; the content may be completed by [PlanRevision] before
// approval, which demands it.
type DraftPlan struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID      string
	Change  string
	Service string
	Variant ChangeType
	Author  string
	PlanContent
}

// Trigger implements [PlanCommand].
func (DraftPlan) Trigger() PlanTrigger { return PlanCreate }
func (DraftPlan) planCommand()         {}

// Validate implements [sms.Command].
func (c DraftPlan) Validate() error {
	if c.Variant != "" && !c.Variant.valid() {
		return sms.Invalid(PlanKind, "variant", "%q is not a change type", c.Variant)
	}
	return sms.FirstError(sms.CheckRef(PlanKind, "id", c.ID), sms.CheckRef(PlanKind, "change", c.Change), sms.CheckRef(PlanKind, "service", c.Service),
		sms.CheckRef(PlanKind, "author", c.Author), c.PlanContent.validate())
}

// PlanRevision replaces a draft plan's content (trigger revise).
type PlanRevision struct {
	PlanContent
}

// Trigger implements [PlanCommand].
func (PlanRevision) Trigger() PlanTrigger { return PlanRevise }
func (PlanRevision) planCommand()         {}

// Validate implements [sms.Command].
func (c PlanRevision) Validate() error { return c.PlanContent.validate() }

// PlanApproval approves a complete plan (trigger approve, SDT-01, SDT-02):
// by a change manager or service owner who did not write it.
type PlanApproval struct {
	Rationale string
}

// Trigger implements [PlanCommand].
func (PlanApproval) Trigger() PlanTrigger { return PlanApprove }
func (PlanApproval) planCommand()         {}

// Validate implements [sms.Command].
func (c PlanApproval) Validate() error {
	return sms.CheckText(PlanKind, "rationale", c.Rationale, MaxText)
}

// DesignStart starts the design (trigger start_design).
type DesignStart struct {
	Note string
}

// Trigger implements [PlanCommand].
func (DesignStart) Trigger() PlanTrigger { return PlanStartDesign }
func (DesignStart) planCommand()         {}

// Validate implements [sms.Command].
func (c DesignStart) Validate() error { return sms.CheckText(PlanKind, "note", c.Note, MaxText) }

// Design records the documented design and starts build and test (trigger
// complete_design, SDT-03).
type Design struct {
	Record DesignRecord
}

// Trigger implements [PlanCommand].
func (Design) Trigger() PlanTrigger { return PlanCompleteDesign }
func (Design) planCommand()         {}

// Validate implements [sms.Command].
func (c Design) Validate() error {
	d := c.Record
	return sms.CheckTexts(PlanKind, "design", []string{d.Roles, d.Resources, d.Training, d.Agreements, d.SMS, d.Catalogue, d.Procedures}, MaxText)
}

func checkResults(rs []CriterionResult) error {
	if len(rs) > MaxList {
		return sms.Invalid(PlanKind, "results", "more than %d entries", MaxList)
	}
	for _, r := range rs {
		if err := sms.FirstError(sms.CheckText(PlanKind, "results.criterion", r.Criterion, MaxShort), sms.CheckText(PlanKind, "results.evidence", r.Evidence, MaxText)); err != nil {
			return err
		}
	}
	return nil
}

// AcceptancePassed records acceptance tests in which every criterion
// passed (trigger pass_acceptance, SDT-04).
type AcceptancePassed struct {
	Results []CriterionResult
}

// Trigger implements [PlanCommand].
func (AcceptancePassed) Trigger() PlanTrigger { return PlanPassAcceptance }
func (AcceptancePassed) planCommand()         {}

// Validate implements [sms.Command].
func (c AcceptancePassed) Validate() error { return checkResults(c.Results) }

// AcceptanceFailed records acceptance tests in which a criterion failed
// (trigger fail_acceptance, SDT-04); a decision follows.
type AcceptanceFailed struct {
	Results []CriterionResult
}

// Trigger implements [PlanCommand].
func (AcceptanceFailed) Trigger() PlanTrigger { return PlanFailAcceptance }
func (AcceptanceFailed) planCommand()         {}

// Validate implements [sms.Command].
func (c AcceptanceFailed) Validate() error { return checkResults(c.Results) }

// Decided is the decision on a failed acceptance, taken by the
// organisation and interested parties (SDT-04).
type Decided struct {
	Participants []string
	Rationale    string
}

func (d Decided) validate() error {
	return sms.FirstError(sms.CheckRefs(PlanKind, "participants", d.Participants), sms.CheckText(PlanKind, "rationale", d.Rationale, MaxText))
}

// Rework sends a failed acceptance back to build and test (trigger rework,
// SDT-04).
type Rework struct {
	Decided
}

// Trigger implements [PlanCommand].
func (Rework) Trigger() PlanTrigger { return PlanRework }
func (Rework) planCommand()         {}

// Validate implements [sms.Command].
func (c Rework) Validate() error { return c.validate() }

// ConditionalAcceptance accepts the service despite failed criteria, on
// conditions (trigger accept_with_conditions, SDT-04).
type ConditionalAcceptance struct {
	Decided
	Conditions string
}

// Trigger implements [PlanCommand].
func (ConditionalAcceptance) Trigger() PlanTrigger { return PlanAcceptConditions }
func (ConditionalAcceptance) planCommand()         {}

// Validate implements [sms.Command].
func (c ConditionalAcceptance) Validate() error {
	return sms.FirstError(c.validate(), sms.CheckText(PlanKind, "conditions", c.Conditions, MaxText))
}

// TransitionStart starts the transition into the live environment through
// an approved release (trigger start_transition, SDT-05).
type TransitionStart struct {
	Release string
}

// Trigger implements [PlanCommand].
func (TransitionStart) Trigger() PlanTrigger { return PlanStartTransition }
func (TransitionStart) planCommand()         {}

// Validate implements [sms.Command].
func (c TransitionStart) Validate() error { return sms.CheckRef(PlanKind, "release", c.Release) }

// TransitionEnd records that the service is live and in early life
// (trigger complete_transition).
type TransitionEnd struct {
	Note string
}

// Trigger implements [PlanCommand].
func (TransitionEnd) Trigger() PlanTrigger { return PlanEndTransition }
func (TransitionEnd) planCommand()         {}

// Validate implements [sms.Command].
func (c TransitionEnd) Validate() error { return sms.CheckText(PlanKind, "note", c.Note, MaxText) }

// OutcomeReport reports the outcomes achieved against the intended ones
// (trigger report, SDT-06): a measurement for every intended outcome.
type OutcomeReport struct {
	Measurements []Measurement
	Summary      string
}

// Trigger implements [PlanCommand].
func (OutcomeReport) Trigger() PlanTrigger { return PlanReport }
func (OutcomeReport) planCommand()         {}

// Validate implements [sms.Command].
func (c OutcomeReport) Validate() error {
	if len(c.Measurements) > MaxList {
		return sms.Invalid(PlanKind, "measurements", "more than %d entries", MaxList)
	}
	for _, m := range c.Measurements {
		if err := sms.FirstError(sms.CheckText(PlanKind, "measurements.metric", m.Metric, MaxShort), sms.CheckText(PlanKind, "measurements.achieved", m.Achieved, MaxShort)); err != nil {
			return err
		}
	}
	return sms.CheckText(PlanKind, "summary", c.Summary, MaxText)
}

// PlanClosure closes a reported plan once the report reached the interested
// parties (trigger close, SDT-06).
type PlanClosure struct {
	Notified []string
}

// Trigger implements [PlanCommand].
func (PlanClosure) Trigger() PlanTrigger { return PlanClose }
func (PlanClosure) planCommand()         {}

// Validate implements [sms.Command].
func (c PlanClosure) Validate() error { return sms.CheckRefs(PlanKind, "notified", c.Notified) }

// PlanCancellation cancels a plan before transition (trigger cancel). From
// acceptance_failed it is the decision on the failure, with its
// participants (SDT-04).
type PlanCancellation struct {
	Reason       string
	Participants []string
}

// Trigger implements [PlanCommand].
func (PlanCancellation) Trigger() PlanTrigger { return PlanCancel }
func (PlanCancellation) planCommand()         {}

// Validate implements [sms.Command].
func (c PlanCancellation) Validate() error {
	return sms.FirstError(sms.CheckText(PlanKind, "reason", c.Reason, MaxText), sms.CheckRefs(PlanKind, "participants", c.Participants))
}

// PlanNoteText adds a note to a plan (trigger note).
type PlanNoteText struct {
	Text string
}

// Trigger implements [PlanCommand].
func (PlanNoteText) Trigger() PlanTrigger { return PlanNote }
func (PlanNoteText) planCommand()         {}

// Validate implements [sms.Command].
func (c PlanNoteText) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(PlanKind, "note.text", "is empty or only white space")
	}
	return sms.CheckText(PlanKind, "note.text", c.Text, MaxText)
}

type ptx = sms.Transition[*TransitionPlan]

func pguard(id, text string, check func(*ptx) bool) sms.Guard[*TransitionPlan] {
	return sms.Guard[*TransitionPlan]{Requirement: req(id, text), Check: check}
}

// authored reports whether id wrote the plan: the author it names, or an
// actor who drafted or revised it.
func (p *TransitionPlan) authored(id string) bool {
	return id != "" && (id == p.Author || p.Parties.Has(sms.PartyAuthor, id))
}

// authors returns who wrote the plan: its recorded authors and the author
// it names.
func (p *TransitionPlan) authors() sms.Participants {
	ps := p.Parties.Clone()
	ps.Add(sms.PartyAuthor, p.Author, false)
	return ps
}

func pcmd[C PlanCommand](t *ptx) C { return cmdOf[C](t.Command) }

func pst(ss ...PlanStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func setContent(t *ptx, c PlanContent) {
	p := t.Entity
	p.Accountable, p.Activities, p.Resources, p.Dependencies, p.Testing = c.Accountable, slices.Clone(c.Activities), c.Resources, c.Dependencies, c.Testing
	p.AcceptanceCriteria, p.Outcomes = slices.Clone(c.AcceptanceCriteria), slices.Clone(c.Outcomes)
	p.Removal, p.Transfer = nil, nil
	if c.Removal != nil {
		r := *c.Removal
		r.Date = ts(r.Date)
		p.Removal = &r
	}
	if c.Transfer != nil {
		tr := *c.Transfer
		tr.Date = ts(tr.Date)
		p.Transfer = &tr
	}
	for i := range p.Activities {
		p.Activities[i].Start, p.Activities[i].End = ts(p.Activities[i].Start), ts(p.Activities[i].End)
	}
	t.Record("accountable", c.Accountable.Design+","+c.Accountable.Build+","+c.Accountable.Transition)
	for _, a := range c.Activities {
		t.Record("activity", a.Name)
	}
	for _, ac := range c.AcceptanceCriteria {
		t.Record("acceptance_criterion", ac)
	}
	for _, m := range c.Outcomes {
		t.Record("outcome", m.Name+" "+m.Target+" "+m.Unit)
	}
}

// covered reports whether results cover every acceptance criterion.
func covered(criteria []string, results []CriterionResult) bool {
	for _, c := range criteria {
		if !slices.ContainsFunc(results, func(r CriterionResult) bool { return r.Criterion == c }) {
			return false
		}
	}
	return true
}

func planDefinition(releases ReleaseLookup) sms.Definition[*TransitionPlan] {
	var (
		planners  = roles(RoleTransitionManager, RoleChangeManager)
		deciders  = roles(RoleChangeManager, RoleServiceOwner)
		everyone  = roles(RoleTransitionManager, RoleChangeManager, RoleServiceOwner)
		preTrans  = pst(PlanDraft, PlanApproved, PlanDesigning, PlanBuildTest, PlanAccepted, PlanAcceptanceFailed)
		decidedOK = func(d Decided) bool { return len(d.Participants) > 0 && !sms.Blank(d.Rationale) }
	)
	complete := []sms.Guard[*TransitionPlan]{
		pguard("SDT-01", "the plan names who is accountable for design, build and transition", func(t *ptx) bool { return t.Entity.Accountable.complete() }),
		pguard("SDT-01", "the plan lists its activities, each with its party and timescale", func(t *ptx) bool {
			acts := t.Entity.Activities
			return len(acts) > 0 && !slices.ContainsFunc(acts, func(a Activity) bool {
				return sms.Blank(a.Name) || a.Party == "" || a.Start.IsZero() || !a.End.After(a.Start)
			})
		}),
		pguard("SDT-01", "the plan states its human, technical, information and financial resources", func(t *ptx) bool { return t.Entity.Resources.complete() }),
		pguard("SDT-01", "the plan states the dependencies on other services", func(t *ptx) bool { return !sms.Blank(t.Entity.Dependencies) }),
		pguard("SDT-01", "the plan states the testing needed", func(t *ptx) bool { return !sms.Blank(t.Entity.Testing) }),
		pguard("SDT-01", "the plan states the service acceptance criteria", func(t *ptx) bool {
			return len(t.Entity.AcceptanceCriteria) > 0 && !slices.ContainsFunc(t.Entity.AcceptanceCriteria, sms.Blank)
		}),
		pguard("SDT-01", "the plan states its intended outcomes measurably: a metric and a target each", func(t *ptx) bool {
			ms := t.Entity.Outcomes
			return len(ms) > 0 && !slices.ContainsFunc(ms, func(m Metric) bool { return sms.Blank(m.Name) || sms.Blank(m.Target) })
		}),
		pguard("SDT-02", "a removal plan gives the removal date and what becomes of data, documented information and components", func(t *ptx) bool {
			return t.Entity.Variant != TypeRemoveService || t.Entity.Removal.complete()
		}),
		pguard("SDT-02", "a transfer plan gives the transfer date, the other party and the transfer of data, information, knowledge and components", func(t *ptx) bool {
			v := t.Entity.Variant
			return (v != TypeTransferIn && v != TypeTransferOut) || t.Entity.Transfer.complete()
		}),
	}
	rules := []sms.Rule[*TransitionPlan]{
		{
			Trigger: string(PlanCreate), To: string(PlanDraft), Roles: planners,
			Command: DraftPlan{},
			Doc:     "Draft the transition plan of a change.",
			Requires: []sms.Required[*TransitionPlan]{
				{Field: "change", Requirement: req("SDT-01", "a transition plan serves a change"), Present: func(p *TransitionPlan) bool { return p.Change != "" }},
				{Field: "service", Requirement: req("SDT-01", "a transition plan names the new or changed service"), Present: func(p *TransitionPlan) bool { return p.Service != "" }},
				{Field: "variant", Requirement: req("SDT-02", "a transition plan names its variant: new, changed, removed or transferred service"),
					Present: func(p *TransitionPlan) bool { return p.Variant != "" }},
				{Field: "author", Requirement: req("SDT-01", "a transition plan names its author"), Present: func(p *TransitionPlan) bool { return p.Author != "" }},
			},
			Apply: func(t *ptx) {
				c, p := pcmd[DraftPlan](t), t.Entity
				p.ID, p.Change, p.Service, p.Variant, p.Author = c.ID, c.Change, c.Service, c.Variant, c.Author
				p.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
				p.Parties.Add(sms.PartyAuthor, c.Author, false)
				p.setLink(LinkChange, c.Change)
				t.Record("change", c.Change)
				t.Record("service", c.Service)
				t.Record("variant", string(c.Variant))
				setContent(t, c.PlanContent)
			},
		},
		{
			Trigger: string(PlanRevise), From: pst(PlanDraft), Roles: planners,
			Command:     PlanRevision{},
			Requirement: req("SDT-01", "a plan is revised before its approval"),
			Doc:         "Replace the draft plan's content.",
			Apply: func(t *ptx) {
				t.Entity.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
				setContent(t, pcmd[PlanRevision](t).PlanContent)
			},
		},
		{
			Trigger: string(PlanApprove), From: pst(PlanDraft), To: string(PlanApproved), Roles: deciders,
			Command:     PlanApproval{},
			Requirement: req("SDT-01", "a draft plan is approved once"),
			Doc:         "Approve the complete plan: the change can then be authorized.",
			// A plan's approval: a decider (SDT-01) who did not write it
			// (CHG-19).
			Approval: &sms.ApprovalGate[*TransitionPlan]{
				Requirement: req("SDT-01", "a transition plan is approved by a change manager or a service owner"),
				Excluded:    req("CHG-19", "nobody approves their own plan: its author, named or who drafted or revised it, never approves it"),
				Rule: func(*ptx) (sms.ApprovalRule, bool) {
					return sms.ApprovalRule{Roles: deciders, Quorum: 1, Exclude: []sms.Party{sms.PartyAuthor}}, true
				},
				Parties:   (*TransitionPlan).authors,
				Excluding: notOwn[*TransitionPlan],
			},
			Guards: append(slices.Clone(complete),
				pguard("SDT-01", "an approval records its rationale", func(t *ptx) bool { return !sms.Blank(pcmd[PlanApproval](t).Rationale) })),
			Apply: func(t *ptx) {
				t.Entity.ApprovedBy, t.Entity.ApprovedAt = t.Actor.ID, t.Now
				t.Entity.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
				t.Record("rationale", pcmd[PlanApproval](t).Rationale)
			},
		},
		{
			Trigger: string(PlanStartDesign), From: pst(PlanApproved), To: string(PlanDesigning), Roles: planners,
			Command:     DesignStart{},
			Requirement: req("SDT-03", "design starts once the plan is approved"),
			Doc:         "Start designing.",
			Apply: func(t *ptx) {
				if n := pcmd[DesignStart](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(PlanCompleteDesign), From: pst(PlanDesigning), To: string(PlanBuildTest), Roles: planners,
			Command:     Design{},
			Requirement: req("SDT-03", "the design is documented while designing"),
			Doc:         "Record the design; build and test start.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-03", "the design covers roles, resources, training, agreements, SMS changes, catalogue updates and procedures, each answered",
					func(t *ptx) bool { return pcmd[Design](t).Record.complete() }),
			},
			Apply: func(t *ptx) {
				d := pcmd[Design](t).Record
				t.Entity.Design = &d
				t.Record("design", "recorded")
			},
		},
		{
			Trigger: string(PlanPassAcceptance), From: pst(PlanBuildTest), To: string(PlanAccepted), Roles: planners,
			Command:     AcceptancePassed{},
			Requirement: req("SDT-04", "acceptance is tested in build and test"),
			Doc:         "Record acceptance tests in which every criterion passed.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-04", "every acceptance criterion has a result", func(t *ptx) bool {
					return covered(t.Entity.AcceptanceCriteria, pcmd[AcceptancePassed](t).Results)
				}),
				pguard("SDT-04", "every criterion passed; a failure is recorded with fail_acceptance", func(t *ptx) bool {
					return !slices.ContainsFunc(pcmd[AcceptancePassed](t).Results, func(r CriterionResult) bool { return !r.Passed })
				}),
			},
			Apply: func(t *ptx) {
				rs := pcmd[AcceptancePassed](t).Results
				t.Entity.Results = slices.Clone(rs)
				for _, r := range rs {
					t.Record("passed", r.Criterion)
				}
			},
		},
		{
			Trigger: string(PlanFailAcceptance), From: pst(PlanBuildTest), To: string(PlanAcceptanceFailed), Roles: planners,
			Command:     AcceptanceFailed{},
			Requirement: req("SDT-04", "acceptance is tested in build and test"),
			Doc:         "Record acceptance tests in which a criterion failed; a decision follows.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-04", "every acceptance criterion has a result", func(t *ptx) bool {
					return covered(t.Entity.AcceptanceCriteria, pcmd[AcceptanceFailed](t).Results)
				}),
				pguard("SDT-04", "a failed acceptance names at least one failed criterion", func(t *ptx) bool {
					return slices.ContainsFunc(pcmd[AcceptanceFailed](t).Results, func(r CriterionResult) bool { return !r.Passed })
				}),
			},
			Apply: func(t *ptx) {
				rs := pcmd[AcceptanceFailed](t).Results
				t.Entity.Results = slices.Clone(rs)
				for _, r := range rs {
					if !r.Passed {
						t.Record("failed", r.Criterion)
					}
				}
			},
		},
		{
			Trigger: string(PlanRework), From: pst(PlanAcceptanceFailed), To: string(PlanBuildTest), Roles: deciders,
			Command:     Rework{},
			Requirement: req("SDT-04", "only a failed acceptance is decided on"),
			Doc:         "Decide to rework: back to build and test.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-04", "the decision names its participants and rationale", func(t *ptx) bool { return decidedOK(pcmd[Rework](t).Decided) }),
			},
			Apply: func(t *ptx) { decide(t, PlanRework, pcmd[Rework](t).Decided, "") },
		},
		{
			Trigger: string(PlanAcceptConditions), From: pst(PlanAcceptanceFailed), To: string(PlanAccepted), Roles: deciders,
			Command:     ConditionalAcceptance{},
			Requirement: req("SDT-04", "only a failed acceptance is decided on"),
			Doc:         "Decide to accept despite failed criteria, on conditions.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-04", "the decision names its participants and rationale", func(t *ptx) bool {
					return decidedOK(pcmd[ConditionalAcceptance](t).Decided)
				}),
				pguard("SDT-04", "an acceptance despite failed criteria states its conditions", func(t *ptx) bool {
					return !sms.Blank(pcmd[ConditionalAcceptance](t).Conditions)
				}),
			},
			Apply: func(t *ptx) {
				c := pcmd[ConditionalAcceptance](t)
				decide(t, PlanAcceptConditions, c.Decided, c.Conditions)
			},
		},
		{
			Trigger: string(PlanStartTransition), From: pst(PlanAccepted), To: string(PlanTransitioning), Roles: planners,
			Command:     TransitionStart{},
			Requirement: req("SDT-04", "only an accepted service is transitioned"),
			Doc:         "Start the transition through an approved release.",
			Prepare:     prepareRelease(releases),
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-05", "the transition deploys through release management: a release approved for deployment is named", func(t *ptx) bool {
					return pcmd[TransitionStart](t).Release != "" && releaseApproved(t)
				}),
			},
			Apply: func(t *ptx) {
				c, p := pcmd[TransitionStart](t), t.Entity
				p.Release, p.TransitionedAt = c.Release, t.Now
				p.setLink(LinkRelease, c.Release)
				t.Record("release", c.Release)
			},
		},
		{
			Trigger: string(PlanEndTransition), From: pst(PlanTransitioning), To: string(PlanEarlyLife), Roles: planners,
			Command:     TransitionEnd{},
			Requirement: req("SDT-05", "only a transition under way completes"),
			Doc:         "The service is live: early life starts.",
			Apply: func(t *ptx) {
				t.Entity.EarlyLifeAt = t.Now
				if n := pcmd[TransitionEnd](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(PlanReport), From: pst(PlanEarlyLife), To: string(PlanReported), Roles: planners,
			Command:     OutcomeReport{},
			Requirement: req("SDT-06", "outcomes are reported after transition, in early life"),
			Doc:         "Report the outcomes achieved against the intended ones.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-06", "every intended outcome is measured", func(t *ptx) bool {
					ms := pcmd[OutcomeReport](t).Measurements
					for _, o := range t.Entity.Outcomes {
						if !slices.ContainsFunc(ms, func(m Measurement) bool { return m.Metric == o.Name && !sms.Blank(m.Achieved) }) {
							return false
						}
					}
					return true
				}),
				pguard("SDT-06", "the report summarises the outcome", func(t *ptx) bool { return !sms.Blank(pcmd[OutcomeReport](t).Summary) }),
			},
			Apply: func(t *ptx) {
				c, p := pcmd[OutcomeReport](t), t.Entity
				p.Measurements, p.ReportSummary, p.ReportedAt = slices.Clone(c.Measurements), c.Summary, t.Now
				for _, m := range c.Measurements {
					met := "not met"
					if m.Met {
						met = "met"
					}
					t.Record("measurement", m.Metric+"="+m.Achieved+" ("+met+")")
				}
				t.Record("summary", c.Summary)
			},
		},
		{
			Trigger: string(PlanClose), From: pst(PlanReported), To: string(PlanClosed), Roles: deciders,
			Command:     PlanClosure{},
			Requirement: req("SDT-06", "only a reported plan closes"),
			Doc:         "Close once the report reached the interested parties.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-06", "the report reached the interested parties: name them", func(t *ptx) bool { return len(pcmd[PlanClosure](t).Notified) > 0 }),
			},
			Apply: func(t *ptx) {
				c, p := pcmd[PlanClosure](t), t.Entity
				p.Notified, p.ClosedAt = slices.Clone(c.Notified), t.Now
				t.Record("notified", strings.Join(c.Notified, ","))
			},
		},
		{
			Trigger: string(PlanCancel), From: preTrans, To: string(PlanCancelled), Roles: deciders,
			Command:     PlanCancellation{},
			Requirement: req("SDT-05", "a plan is cancelled only before its transition starts"),
			Doc:         "Cancel before transition; after a failed acceptance it is the decision.",
			Guards: []sms.Guard[*TransitionPlan]{
				pguard("SDT-04", "a cancellation gives its reason", func(t *ptx) bool { return !sms.Blank(pcmd[PlanCancellation](t).Reason) }),
				pguard("SDT-04", "cancelling after a failed acceptance is decided with the interested parties: name the participants", func(t *ptx) bool {
					return t.From != string(PlanAcceptanceFailed) || len(pcmd[PlanCancellation](t).Participants) > 0
				}),
			},
			Apply: func(t *ptx) {
				c := pcmd[PlanCancellation](t)
				t.Entity.CancelReason = c.Reason
				t.SetReason(c.Reason)
				if t.From == string(PlanAcceptanceFailed) {
					decide(t, PlanCancel, Decided{Participants: c.Participants, Rationale: c.Reason}, "")
				}
			},
		},
		{
			Trigger: string(PlanNote), From: pst(PlanStatuses()...), Roles: everyone,
			Command: PlanNoteText{},
			Doc:     "Add a note.",
			Apply:   func(t *ptx) { t.Record("text", pcmd[PlanNoteText](t).Text) },
		},
	}
	return sms.Definition[*TransitionPlan]{
		Kind:      PlanKind,
		States:    pst(PlanStatuses()...),
		Terminal:  pst(PlanClosed, PlanCancelled),
		New:       func() *TransitionPlan { return &TransitionPlan{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}

func decide(t *ptx, outcome PlanTrigger, d Decided, conditions string) {
	t.Entity.Decision = &PlanDecision{Outcome: outcome, Participants: slices.Clone(d.Participants), Rationale: d.Rationale, Conditions: conditions, At: t.Now}
	t.Record("decision", string(outcome))
	t.Record("participants", strings.Join(d.Participants, ","))
	t.Record("rationale", d.Rationale)
	if conditions != "" {
		t.Record("conditions", conditions)
	}
}
