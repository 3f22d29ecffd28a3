package audit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// ProgrammeStatus is an audit programme's status; the values are persisted.
type ProgrammeStatus string

// Programme statuses.
const (
	ProgrammeDrafted  ProgrammeStatus = "draft"    // being written or revised
	ProgrammeApproved ProgrammeStatus = "approved" // in force: its audits are planned against it
	ProgrammeRetired  ProgrammeStatus = "retired"  // withdrawn, with the reason; kept (AUD-06)
)

// ProgrammeStatuses returns every status, in lifecycle order.
func ProgrammeStatuses() []ProgrammeStatus {
	return []ProgrammeStatus{ProgrammeDrafted, ProgrammeApproved, ProgrammeRetired}
}

// ProgrammeTrigger names a transition of an audit programme; the values
// are persisted.
type ProgrammeTrigger string

// Programme triggers.
const (
	TriggerProgrammeDraft   ProgrammeTrigger = "draft"
	TriggerProgrammeRevise  ProgrammeTrigger = "revise"
	TriggerProgrammeApprove ProgrammeTrigger = "approve"
	TriggerDeclareInvolved  ProgrammeTrigger = "declare_involvement"
	TriggerRecordResult     ProgrammeTrigger = "record_result"
	TriggerProgrammeRetire  ProgrammeTrigger = "retire"
	TriggerProgrammeNote    ProgrammeTrigger = "note"
)

// ProgrammeTriggers returns every trigger, the creating one first.
func ProgrammeTriggers() []ProgrammeTrigger {
	return []ProgrammeTrigger{TriggerProgrammeDraft, TriggerProgrammeRevise, TriggerProgrammeApprove, TriggerDeclareInvolved,
		TriggerRecordResult, TriggerProgrammeRetire, TriggerProgrammeNote}
}

// ProgrammeRequirements returns the requirements the audit programme
// enforces: its workflow's catalogue.
func ProgrammeRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "AUD-01", Clause: "9.2.1", Text: "internal audits are run at planned intervals to tell whether the SMS conforms and is effectively implemented and maintained"},
		{ID: "AUD-02", Clause: "9.2.2", Text: "an audit programme fixes the frequency, methods, responsibilities, planning and reporting of audits, weighing the importance of the processes and the results of earlier audits"},
		{ID: "AUD-04", Clause: "9.2.2", Text: "auditors are selected and audits run so that the audit is objective and impartial"},
		{ID: "AUD-06", Clause: "9.2.2", Text: "documented evidence of the programme and of the audit results is retained"},
	}
}

// Weights an area of a programme may carry: its importance and risk, from
// 1 (low) to 5 (critical) (AUD-02).
const (
	MinWeight = 1
	MaxWeight = 5
)

// AreaPlan is one SMS process area of a programme (AUD-02): its weight
// (the importance of the process and its risk, MinWeight to MaxWeight),
// how many audits of it each cycle holds (at least one), and the result of
// its last audit, which the programme weighs.
type AreaPlan struct {
	Area       string `json:"area"`
	Weight     int    `json:"weight"`
	Audits     int    `json:"audits"`
	LastResult string `json:"last_result,omitempty"`
	LastAudit  string `json:"last_audit,omitempty"`
}

// Programme is an internal audit programme (AUD-01, AUD-02, AUD-06): the
// cycle within which every area it covers is audited, per area its weight
// and audits per cycle, the methods, responsibilities and reporting, how
// long audit records are kept (retention: the minimum, since nothing is
// ever deleted), and the host's declaration of who owns or works in which
// area (AUD-04). Owner is the person who approved the edition in force, as
// the journal records it.
type Programme struct {
	sms.Meta
	Status           ProgrammeStatus  `json:"status"`
	Edition          int              `json:"edition"`
	Title            string           `json:"title"`
	Cycle            sms.Cadence      `json:"cycle"`
	Areas            []AreaPlan       `json:"areas"`
	Methods          []string         `json:"methods"`
	Responsibilities []string         `json:"responsibilities"`
	Reporting        string           `json:"reporting"`
	Retention        time.Duration    `json:"retention"`
	Involvement      Involvement      `json:"involvement,omitempty"`
	Owner            string           `json:"owner,omitempty"`
	ApprovedAt       time.Time        `json:"approved_at,omitzero"`
	Reason           string           `json:"reason,omitempty"`
	Parties          sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Programme) EntityKind() sms.Kind { return ProgrammeKind }

// State implements [sms.Entity].
func (p *Programme) State() string { return string(p.Status) }

// SetState implements [sms.Entity].
func (p *Programme) SetState(s string) { p.Status = ProgrammeStatus(s) }

// Attributes implements [sms.Entity]: the owner.
func (p *Programme) Attributes() sms.Attributes { return sms.Attributes{Owner: p.Owner} }

// Clone implements [sms.Entity].
func (p *Programme) Clone() *Programme {
	c := *p
	c.Areas, c.Methods, c.Responsibilities = slices.Clone(p.Areas), slices.Clone(p.Methods), slices.Clone(p.Responsibilities)
	c.Involvement = cloneInvolvement(p.Involvement)
	c.Parties = p.Parties.Clone()
	return &c
}

// AreaNames returns the areas the programme covers, in its order.
func (p *Programme) AreaNames() []string {
	out := make([]string, len(p.Areas))
	for i, a := range p.Areas {
		out[i] = a.Area
	}
	return out
}

// Area returns the plan of one area, and false when the programme does not
// cover it.
func (p *Programme) Area(name string) (AreaPlan, bool) {
	i := slices.IndexFunc(p.Areas, func(a AreaPlan) bool { return a.Area == name })
	if i < 0 {
		return AreaPlan{}, false
	}
	return p.Areas[i], true
}

func cloneInvolvement(inv Involvement) Involvement {
	if inv == nil {
		return nil
	}
	c := make(Involvement, len(inv))
	for k, v := range inv {
		c[k] = slices.Clone(v)
	}
	return c
}

// ProgrammeCommand is the input of one programme trigger.
type ProgrammeCommand interface {
	sms.Command
	Trigger() ProgrammeTrigger
}

// ProgrammeContents is what a programme states (AUD-02, AUD-06), drafted
// and revised as a whole.
type ProgrammeContents struct {
	Title            string
	Cycle            sms.Cadence
	Areas            []AreaPlan
	Methods          []string
	Responsibilities []string
	Reporting        string
	Retention        time.Duration
}

// ProgrammeDraft writes a new programme, in draft; ID is optional.
type ProgrammeDraft struct {
	ID string
	ProgrammeContents
	// Involvement is the host's declaration of who owns or works in which
	// area (AUD-04); it may come later, with declare_involvement.
	Involvement Involvement
}

// ProgrammeRevision revises a programme: a draft in place, an approved one
// back to draft as its next edition, to be approved again.
type ProgrammeRevision struct {
	ProgrammeContents
	Reason string
}

// ProgrammeApproval approves the draft: the actor becomes the programme's
// owner.
type ProgrammeApproval struct{}

// InvolvementDeclaration replaces the declaration of who owns or works in
// which area (AUD-04): people join and leave processes without the
// programme being re-approved, and each declaration is journaled.
type InvolvementDeclaration struct {
	Involvement Involvement
}

// ResultRecord records the result of an audit of an area, which the
// programme weighs in its next planning (AUD-02), optionally with a new
// weight (0 keeps it).
type ResultRecord struct {
	Area   string
	Audit  string
	Result string
	Weight int
}

// ProgrammeRetirement retires a programme, with the reason.
type ProgrammeRetirement struct{ Reason string }

// ProgrammeNote adds a note to the programme's journal.
type ProgrammeNote struct{ Text string }

// Trigger implements [ProgrammeCommand].
func (ProgrammeDraft) Trigger() ProgrammeTrigger         { return TriggerProgrammeDraft }
func (ProgrammeRevision) Trigger() ProgrammeTrigger      { return TriggerProgrammeRevise }
func (ProgrammeApproval) Trigger() ProgrammeTrigger      { return TriggerProgrammeApprove }
func (InvolvementDeclaration) Trigger() ProgrammeTrigger { return TriggerDeclareInvolved }
func (ResultRecord) Trigger() ProgrammeTrigger           { return TriggerRecordResult }
func (ProgrammeRetirement) Trigger() ProgrammeTrigger    { return TriggerProgrammeRetire }
func (ProgrammeNote) Trigger() ProgrammeTrigger          { return TriggerProgrammeNote }

// Validate checks the contents' form: a cycle that is valid when given,
// areas named once each with a weight and audits in range, lists of
// bounded text, a retention that is not negative.
func (c ProgrammeContents) Validate() error {
	err := sms.FirstError(sms.CheckText(ProgrammeKind, "title", c.Title, sms.MaxShort),
		sms.CheckTexts(ProgrammeKind, "methods", c.Methods, sms.MaxText),
		sms.CheckTexts(ProgrammeKind, "responsibilities", c.Responsibilities, sms.MaxText),
		sms.CheckText(ProgrammeKind, "reporting", c.Reporting, sms.MaxText))
	if err != nil {
		return err
	}
	if c.Cycle != (sms.Cadence{}) {
		if err := c.Cycle.Validate(); err != nil {
			return sms.Invalid(ProgrammeKind, "cycle", "%v", err)
		}
	}
	if c.Retention < 0 {
		return sms.Invalid(ProgrammeKind, "retention", "%s is negative", c.Retention)
	}
	if len(c.Areas) > sms.MaxList {
		return sms.Invalid(ProgrammeKind, "areas", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, a := range c.Areas {
		if err := sms.FirstError(sms.CheckRef(ProgrammeKind, "areas.area", a.Area),
			sms.CheckText(ProgrammeKind, "areas.last_result", a.LastResult, sms.MaxText),
			sms.CheckRef(ProgrammeKind, "areas.last_audit", a.LastAudit)); err != nil {
			return err
		}
		if sms.Blank(a.Area) {
			return sms.Invalid(ProgrammeKind, "areas.area", "an area is named")
		}
		if seen[a.Area] {
			return sms.Invalid(ProgrammeKind, "areas.area", "%q is listed twice", a.Area)
		}
		seen[a.Area] = true
		if a.Weight < MinWeight || a.Weight > MaxWeight {
			return sms.Invalid(ProgrammeKind, "areas.weight", "%q: %d is not from %d to %d", a.Area, a.Weight, MinWeight, MaxWeight)
		}
		if a.Audits < 1 || a.Audits > 52 {
			return sms.Invalid(ProgrammeKind, "areas.audits", "%q: %d audits a cycle is not from 1 to 52", a.Area, a.Audits)
		}
	}
	return nil
}

// Validate checks an involvement declaration's form: people and areas
// named by plain references, each at most once.
func (inv Involvement) Validate() error {
	if len(inv) > sms.MaxList*10 {
		return sms.Invalid(ProgrammeKind, "involvement", "more than %d people", sms.MaxList*10)
	}
	for who, areas := range inv {
		if sms.Blank(who) {
			return sms.Invalid(ProgrammeKind, "involvement", "a person is named")
		}
		if err := sms.CheckRef(ProgrammeKind, "involvement", who); err != nil {
			return err
		}
		if len(areas) > sms.MaxList {
			return sms.Invalid(ProgrammeKind, "involvement", "%q: more than %d areas", who, sms.MaxList)
		}
		for i, a := range areas {
			if sms.Blank(a) {
				return sms.Invalid(ProgrammeKind, "involvement", "%q: an area is named", who)
			}
			if err := sms.CheckRef(ProgrammeKind, "involvement", a); err != nil {
				return err
			}
			if slices.Contains(areas[:i], a) {
				return sms.Invalid(ProgrammeKind, "involvement", "%q: %q is listed twice", who, a)
			}
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c ProgrammeDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(ProgrammeKind, "id", c.ID), c.ProgrammeContents.Validate(), c.Involvement.Validate())
}

// Validate implements [sms.Command].
func (c ProgrammeRevision) Validate() error {
	return sms.FirstError(c.ProgrammeContents.Validate(), sms.CheckText(ProgrammeKind, "reason", c.Reason, sms.MaxText))
}

// Validate implements [sms.Command].
func (ProgrammeApproval) Validate() error { return nil }

// Validate implements [sms.Command].
func (c InvolvementDeclaration) Validate() error { return c.Involvement.Validate() }

// Validate implements [sms.Command].
func (c ResultRecord) Validate() error {
	if c.Weight != 0 && (c.Weight < MinWeight || c.Weight > MaxWeight) {
		return sms.Invalid(ProgrammeKind, "weight", "%d is not from %d to %d", c.Weight, MinWeight, MaxWeight)
	}
	return sms.FirstError(sms.CheckRef(ProgrammeKind, "area", c.Area), sms.CheckRef(ProgrammeKind, "audit", c.Audit),
		sms.CheckText(ProgrammeKind, "result", c.Result, sms.MaxText))
}

// Validate implements [sms.Command].
func (c ProgrammeRetirement) Validate() error {
	return sms.CheckText(ProgrammeKind, "reason", c.Reason, sms.MaxText)
}

// Validate implements [sms.Command].
func (c ProgrammeNote) Validate() error {
	return sms.CheckText(ProgrammeKind, "text", c.Text, sms.MaxText)
}

type prgTx = sms.Transition[*Programme]

func prgCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func prgGuard(id, text string, check func(*prgTx) bool) sms.Guard[*Programme] {
	return sms.Guard[*Programme]{Requirement: prgCite(id, text), Check: check}
}

func prgRecordOnly(id, text string, check func(*prgTx) bool) sms.Guard[*Programme] {
	return sms.Guard[*Programme]{Requirement: prgCite(id, text), Check: check, RecordOnly: true}
}

// prgApply writes contents onto the programme and journals them.
func prgApply(t *prgTx, c ProgrammeContents) {
	p := t.Entity
	p.Title, p.Cycle, p.Reporting, p.Retention = c.Title, c.Cycle, c.Reporting, c.Retention
	p.Areas, p.Methods, p.Responsibilities = slices.Clone(c.Areas), slices.Clone(c.Methods), slices.Clone(c.Responsibilities)
	p.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
	t.Record("title", c.Title)
	t.Record("cycle", c.Cycle.String())
	for _, a := range c.Areas {
		t.Record("area", fmt.Sprintf("%s weight %d, %d a cycle", a.Area, a.Weight, a.Audits))
	}
	t.Record("retention", c.Retention.String())
}

// prgRecordInvolvement journals a declaration, a person at a time in ID
// order, so the journal shows who was declared involved where.
func prgRecordInvolvement(t *prgTx, inv Involvement) {
	t.Entity.Involvement = cloneInvolvement(inv)
	for _, who := range slices.Sorted(maps.Keys(inv)) {
		t.Record("involved", who+": "+strings.Join(inv[who], ", "))
	}
}

func programmeDefinition() sms.Definition[*Programme] {
	owner := []sms.Role{RoleProgrammeOwner}
	live := sms.StatesOf(ProgrammeDrafted, ProgrammeApproved)
	return sms.Definition[*Programme]{
		Kind: ProgrammeKind, States: sms.StatesOf(ProgrammeStatuses()...), Terminal: sms.StatesOf(ProgrammeRetired),
		New: func() *Programme { return &Programme{} }, Catalogue: ProgrammeRequirements(),
		Rules: []sms.Rule[*Programme]{
			{
				Trigger: string(TriggerProgrammeDraft), To: string(ProgrammeDrafted), Roles: owner, Command: ProgrammeDraft{},
				Doc: "Write a programme: its cycle, areas with weights, methods, responsibilities, reporting and retention.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-02", "a programme has a title", func(t *prgTx) bool {
					return !sms.Blank(sms.CommandOf[ProgrammeDraft](t).Title)
				})},
				Apply: func(t *prgTx) {
					c := sms.CommandOf[ProgrammeDraft](t)
					t.Entity.ID, t.Entity.Edition = c.ID, 1
					prgApply(t, c.ProgrammeContents)
					if c.Involvement != nil {
						prgRecordInvolvement(t, c.Involvement)
					}
				},
			},
			{
				Trigger: string(TriggerProgrammeRevise), From: live, To: string(ProgrammeDrafted), Roles: owner, Command: ProgrammeRevision{},
				Requirement: prgCite("AUD-02", "a retired programme is not revised"),
				Doc:         "Revise the programme; an approved one returns to draft as its next edition and is approved again.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-02", "a revision says why, and keeps a title", func(t *prgTx) bool {
					c := sms.CommandOf[ProgrammeRevision](t)
					return !sms.Blank(c.Reason) && !sms.Blank(c.Title)
				})},
				Apply: func(t *prgTx) {
					c, p := sms.CommandOf[ProgrammeRevision](t), t.Entity
					if p.Status == ProgrammeApproved {
						p.Edition++
						p.Owner, p.ApprovedAt = "", time.Time{}
						p.Parties = nil
					}
					prgApply(t, c.ProgrammeContents)
					t.SetReason(c.Reason)
				},
			},
			{
				Trigger: string(TriggerProgrammeApprove), From: sms.StatesOf(ProgrammeDrafted), To: string(ProgrammeApproved), Roles: owner, Command: ProgrammeApproval{},
				Requirement: prgCite("AUD-02", "only a draft programme is approved"),
				Doc:         "Approve the draft, complete; the actor becomes its owner.",
				Guards: []sms.Guard[*Programme]{
					prgRecordOnly("AUD-01", "a programme has a valid cycle within which every area is audited", func(t *prgTx) bool {
						return t.Entity.Cycle != (sms.Cadence{}) && t.Entity.Cycle.Validate() == nil
					}),
					prgRecordOnly("AUD-02", "a programme covers at least one area, each with its weight and audits per cycle", func(t *prgTx) bool {
						return len(t.Entity.Areas) > 0
					}),
					prgRecordOnly("AUD-02", "a programme fixes its methods, responsibilities and reporting", func(t *prgTx) bool {
						p := t.Entity
						return len(p.Methods) > 0 && len(p.Responsibilities) > 0 && !sms.Blank(p.Reporting) &&
							!slices.ContainsFunc(p.Methods, sms.Blank) && !slices.ContainsFunc(p.Responsibilities, sms.Blank)
					}),
					prgRecordOnly("AUD-06", "a programme fixes how long audit records are retained", func(t *prgTx) bool {
						return t.Entity.Retention > 0
					}),
				},
				Apply: func(t *prgTx) {
					p := t.Entity
					p.Owner, p.ApprovedAt = t.Actor.ID, sms.Micro(t.Now)
					p.Parties.Add(sms.PartyOwner, t.Actor.ID, true)
					t.Record("owner", t.Actor.ID)
				},
			},
			{
				Trigger: string(TriggerDeclareInvolved), From: live, Roles: owner, Command: InvolvementDeclaration{},
				Requirement: prgCite("AUD-04", "a retired programme takes no declaration"),
				Doc:         "Declare who owns or works in which area; auditors are judged impartial against the declaration in force.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-04", "a declaration names who is involved where: none is an empty map, not a missing one", func(t *prgTx) bool {
					return sms.CommandOf[InvolvementDeclaration](t).Involvement != nil
				})},
				Apply: func(t *prgTx) { prgRecordInvolvement(t, sms.CommandOf[InvolvementDeclaration](t).Involvement) },
			},
			{
				Trigger: string(TriggerRecordResult), From: sms.StatesOf(ProgrammeApproved), Roles: owner, Command: ResultRecord{},
				Requirement: prgCite("AUD-02", "results are recorded on a programme in force"),
				Doc:         "Record the result of an area's audit, which the programme weighs, optionally with a new weight.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-02", "a result names an area of the programme, the audit and its result", func(t *prgTx) bool {
					c := sms.CommandOf[ResultRecord](t)
					_, ok := t.Entity.Area(c.Area)
					return ok && !sms.Blank(c.Audit) && !sms.Blank(c.Result)
				})},
				Apply: func(t *prgTx) {
					c, p := sms.CommandOf[ResultRecord](t), t.Entity
					p.Areas = slices.Clone(p.Areas)
					for i := range p.Areas {
						if p.Areas[i].Area == c.Area {
							p.Areas[i].LastResult, p.Areas[i].LastAudit = c.Result, c.Audit
							if c.Weight != 0 {
								t.RecordChange("weight", fmt.Sprint(p.Areas[i].Weight), fmt.Sprint(c.Weight))
								p.Areas[i].Weight = c.Weight
							}
						}
					}
					t.Record("area", c.Area)
					t.Record("audit", c.Audit)
					t.Record("result", c.Result)
				},
			},
			{
				Trigger: string(TriggerProgrammeRetire), From: live, To: string(ProgrammeRetired), Roles: owner, Command: ProgrammeRetirement{},
				Requirement: prgCite("AUD-06", "a retired programme stays retired, kept"),
				Doc:         "Retire the programme, with the reason; it is kept, never deleted.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-06", "a retirement gives its reason", func(t *prgTx) bool {
					return !sms.Blank(sms.CommandOf[ProgrammeRetirement](t).Reason)
				})},
				Apply: func(t *prgTx) {
					t.Entity.Reason = sms.CommandOf[ProgrammeRetirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerProgrammeNote), From: sms.StatesOf(ProgrammeStatuses()...), Roles: owner, Command: ProgrammeNote{},
				Doc: "Add a note to the programme's journal.",
				Guards: []sms.Guard[*Programme]{prgGuard("AUD-06", "a note has text", func(t *prgTx) bool {
					return !sms.Blank(sms.CommandOf[ProgrammeNote](t).Text)
				})},
				Apply: func(t *prgTx) { t.Record("note", sms.CommandOf[ProgrammeNote](t).Text) },
			},
		},
	}
}

// ProgrammeWorkflow returns the compiled programme workflow, for
// introspection and documentation.
func ProgrammeWorkflow() *sms.Workflow[*Programme] { return sms.MustWorkflow(programmeDefinition()) }

// Programmes keeps audit programmes on a store (AUD-01, AUD-02, AUD-04,
// AUD-06): one typed method per trigger, each one transition through the
// pipeline.
type Programmes struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Programme, ProgrammeTrigger, ProgrammeCommand]
	m *sms.Machine[*Programme]
}

// NewProgrammes compiles the programme workflow and binds it to the store.
func NewProgrammes(store sms.Store[*Programme], opts sms.Options) (*Programmes, error) {
	m, r, err := sms.Bind[*Programme, ProgrammeTrigger, ProgrammeCommand](programmeDefinition(), store, opts)
	if err != nil {
		return nil, err
	}
	return &Programmes{Records: r, m: m}, nil
}

// Draft writes a new programme (AUD-02).
func (s *Programmes) Draft(ctx context.Context, a sms.Actor, c ProgrammeDraft) (*Programme, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a programme (AUD-02).
func (s *Programmes) Revise(ctx context.Context, a sms.Actor, id string, c ProgrammeRevision) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProgrammeRevise), c)
}

// Approve approves a draft programme; the actor becomes its owner (AUD-02).
func (s *Programmes) Approve(ctx context.Context, a sms.Actor, id string, c ProgrammeApproval) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProgrammeApprove), c)
}

// DeclareInvolvement replaces who owns or works in which area (AUD-04).
func (s *Programmes) DeclareInvolvement(ctx context.Context, a sms.Actor, id string, c InvolvementDeclaration) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDeclareInvolved), c)
}

// RecordResult records an area's audit result (AUD-02).
func (s *Programmes) RecordResult(ctx context.Context, a sms.Actor, id string, c ResultRecord) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordResult), c)
}

// Retire retires a programme, with the reason (AUD-06).
func (s *Programmes) Retire(ctx context.Context, a sms.Actor, id string, c ProgrammeRetirement) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProgrammeRetire), c)
}

// Note adds a note to a programme's journal.
func (s *Programmes) Note(ctx context.Context, a sms.Actor, id string, c ProgrammeNote) (*Programme, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProgrammeNote), c)
}

// Do runs any programme command as its typed method does; a
// [ProgrammeDraft] carries its own ID, and id must then be empty.
func (s *Programmes) Do(ctx context.Context, a sms.Actor, id string, c ProgrammeCommand) (*Programme, error) {
	return s.m.Do(ctx, a, id, c)
}

// ProgrammeFacts implements [ProgrammeFinder] on the stored programmes:
// a programme that does not verify against its journal is an error, not a
// fact (its owner or involvement could have been forged).
func (s *Programmes) ProgrammeFacts(ctx context.Context, id string) (ProgrammeFacts, error) {
	p, err := s.m.Get(ctx, id)
	if err != nil {
		return ProgrammeFacts{}, err
	}
	if err := s.m.Verify(ctx, id); err != nil {
		return ProgrammeFacts{}, err
	}
	return ProgrammeFacts{Status: string(p.Status), Owner: p.Owner, Areas: p.AreaNames(), Cycle: p.Cycle, Involvement: cloneInvolvement(p.Involvement)}, nil
}
