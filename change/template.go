package change

import (
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// TemplateKind is the entity kind of standard-change templates, as stored.
const TemplateKind sms.Kind = "change_template"

// TemplateStatus is a template's workflow status; persisted, never renamed.
type TemplateStatus string

// Template statuses.
const (
	TemplateProposed  TemplateStatus = "proposed"
	TemplateActive    TemplateStatus = "active"
	TemplateSuspended TemplateStatus = "suspended"
	TemplateRetired   TemplateStatus = "retired"
)

// TemplateStatuses returns every template status, in lifecycle order.
func TemplateStatuses() []TemplateStatus {
	return []TemplateStatus{TemplateProposed, TemplateActive, TemplateSuspended, TemplateRetired}
}

// Valid reports whether s is a known template status.
func (s TemplateStatus) Valid() bool { return slices.Contains(TemplateStatuses(), s) }

// TemplateTrigger names a template transition; persisted, never renamed.
type TemplateTrigger string

// Template triggers.
const (
	TemplatePropose  TemplateTrigger = "propose"
	TemplateRevise   TemplateTrigger = "revise"
	TemplateApprove  TemplateTrigger = "approve"
	TemplateActivate TemplateTrigger = "activate"
	TemplateSuspend  TemplateTrigger = "suspend"
	TemplateReview   TemplateTrigger = "review"
	TemplateRetire   TemplateTrigger = "retire"
	TemplateNote     TemplateTrigger = "note"
)

// TemplateTriggers returns every template trigger, the creating one first.
func TemplateTriggers() []TemplateTrigger {
	return []TemplateTrigger{TemplatePropose, TemplateRevise, TemplateApprove, TemplateActivate, TemplateSuspend,
		TemplateReview, TemplateRetire, TemplateNote}
}

// Template is a standard-change template (CHG-18): a proven, low-risk
// procedure approved once by the change authority of a standard model,
// within a scope of services and configuration item types. Standard
// changes run from an active template; a failed instance suspends it, and
// it is reviewed at an interval.
type Template struct {
	sms.Meta
	Status        TemplateStatus `json:"status"`
	PolicyVersion string         `json:"policy_version"`
	Name          string         `json:"name"`
	// Model is the standard model whose authority approves the template.
	Model     string `json:"model"`
	Author    string `json:"author"`
	Procedure string `json:"procedure"`
	// Remediation is how an instance that fails is reversed or remedied;
	// every instance carries it (CHG-11).
	Remediation RemediationPlan `json:"remediation"`
	Services    []string        `json:"services,omitempty"`
	ItemTypes   []string        `json:"item_types,omitempty"`
	// ReviewEvery is the review interval; zero means the policy's.
	ReviewEvery time.Duration `json:"review_every,omitempty"`
	// Approvals are the authority's decisions; only those since
	// ApprovalsSince (the last proposal, revision or suspension) count.
	Approvals      []sms.Approval `json:"approvals,omitempty"`
	ApprovalsSince time.Time      `json:"approvals_since"`
	ActivatedAt    time.Time      `json:"activated_at,omitzero"`
	ReviewedAt     time.Time      `json:"reviewed_at,omitzero"`
	// Suspension: why, and the failed change that caused it.
	Suspensions   int       `json:"suspensions,omitempty"`
	SuspendedAt   time.Time `json:"suspended_at,omitzero"`
	SuspendReason string    `json:"suspend_reason,omitempty"`
	FailedChange  string    `json:"failed_change,omitempty"`
	RetiredAt     time.Time `json:"retired_at,omitzero"`
	RetireReason  string    `json:"retire_reason,omitempty"`
	// Parties are who holds each party role segregation of duties compares
	// (CHG-19): the author is the author the proposal names and every actor
	// who proposed or revised the template; each approver is an actor who
	// approved it. The state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Template) EntityKind() sms.Kind { return TemplateKind }

// State implements [sms.Entity].
func (t *Template) State() string { return string(t.Status) }

// SetState implements [sms.Entity].
func (t *Template) SetState(s string) { t.Status = TemplateStatus(s) }

// Attributes implements [sms.Entity]: the first service in scope, the
// author, and no links.
func (t *Template) Attributes() sms.Attributes {
	a := sms.Attributes{Owner: t.Author}
	if len(t.Services) > 0 {
		a.Service = t.Services[0]
	}
	return a
}

// Clone implements [sms.Entity].
func (t *Template) Clone() *Template {
	c := *t
	c.Services = slices.Clone(t.Services)
	c.ItemTypes = slices.Clone(t.ItemTypes)
	c.Approvals = slices.Clone(t.Approvals)
	c.Parties = t.Parties.Clone()
	return &c
}

// authors returns who wrote the template: its recorded authors and, for a
// record stored before they were kept, the author it names.
func (t *Template) authors() sms.Participants {
	ps := t.Parties.Clone()
	ps.Add(sms.PartyAuthor, t.Author, false)
	return ps
}

// current returns the approvals that count now.
func (t *Template) current() []sms.Approval {
	var out []sms.Approval
	for _, a := range t.Approvals {
		if !a.At.Before(t.ApprovalsSince) {
			out = append(out, a)
		}
	}
	return out
}

// covers reports whether a change stays within the template's scope: each
// of its services, and the type of each of its configuration items.
func (t *Template) covers(c *Change) bool {
	for _, s := range c.Services {
		if !slices.Contains(t.Services, s) {
			return false
		}
	}
	for _, ci := range c.ConfigItems {
		if !slices.Contains(t.ItemTypes, ci.Type) {
			return false
		}
	}
	return true
}

// reviewDue returns when the template's next review is due.
func (t *Template) reviewDue(p *Policy) time.Time {
	every := t.ReviewEvery
	if every == 0 {
		every = p.TemplateReviewEvery
	}
	last := t.ReviewedAt
	if last.IsZero() {
		last = t.ActivatedAt
	}
	return last.Add(every)
}

// TemplateCommand is the typed input of one template trigger.
type TemplateCommand interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() TemplateTrigger
	templateCommand()
}

// TemplateProposal proposes a standard-change template (trigger propose,
// CHG-18).
type TemplateProposal struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID          string
	Name        string
	Model       string
	Author      string
	Procedure   string
	Remediation RemediationPlan
	Services    []string
	ItemTypes   []string
	// ReviewEvery overrides the policy's review interval.
	ReviewEvery time.Duration
}

// Trigger implements [TemplateCommand].
func (TemplateProposal) Trigger() TemplateTrigger { return TemplatePropose }
func (TemplateProposal) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateProposal) Validate() error {
	if c.ReviewEvery < 0 {
		return sms.Invalid(TemplateKind, "review_every", "is negative")
	}
	return sms.FirstError(sms.CheckRef(TemplateKind, "id", c.ID), sms.CheckText(TemplateKind, "name", c.Name, MaxShort),
		sms.CheckRef(TemplateKind, "model", c.Model), sms.CheckRef(TemplateKind, "author", c.Author),
		sms.CheckText(TemplateKind, "procedure", c.Procedure, MaxText), sms.CheckRefs(TemplateKind, "services", c.Services),
		sms.CheckRefs(TemplateKind, "item_types", c.ItemTypes), checkTemplateRemediation(c.Remediation))
}

func checkTemplateRemediation(r RemediationPlan) error {
	return sms.FirstError(sms.CheckText(TemplateKind, "remediation.plan", r.Plan, MaxText),
		sms.CheckText(TemplateKind, "remediation.justification", r.Justification, MaxText))
}

// TemplateRevision replaces a proposed or suspended template's procedure
// and scope (trigger revise); approvals given before it no longer count.
type TemplateRevision struct {
	Procedure   string
	Remediation RemediationPlan
	Services    []string
	ItemTypes   []string
	Note        string
}

// Trigger implements [TemplateCommand].
func (TemplateRevision) Trigger() TemplateTrigger { return TemplateRevise }
func (TemplateRevision) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateRevision) Validate() error {
	return sms.FirstError(sms.CheckText(TemplateKind, "procedure", c.Procedure, MaxText), sms.CheckRefs(TemplateKind, "services", c.Services),
		sms.CheckRefs(TemplateKind, "item_types", c.ItemTypes), sms.CheckText(TemplateKind, "note", c.Note, MaxText),
		checkTemplateRemediation(c.Remediation))
}

// TemplateApproval is one approver's approval of a template (trigger
// approve, CHG-18, CHG-19).
type TemplateApproval struct {
	Rationale string
}

// Trigger implements [TemplateCommand].
func (TemplateApproval) Trigger() TemplateTrigger { return TemplateApprove }
func (TemplateApproval) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateApproval) Validate() error {
	return sms.CheckText(TemplateKind, "rationale", c.Rationale, MaxText)
}

// TemplateActivation activates an approved template, or reinstates a
// suspended one on a review of the failure (trigger activate, CHG-18).
type TemplateActivation struct {
	// Review is required to reinstate a suspended template: what the
	// failure review found and why the procedure is safe again.
	Review string
}

// Trigger implements [TemplateCommand].
func (TemplateActivation) Trigger() TemplateTrigger { return TemplateActivate }
func (TemplateActivation) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateActivation) Validate() error {
	return sms.CheckText(TemplateKind, "review", c.Review, MaxText)
}

// TemplateSuspension suspends an active template (trigger suspend, CHG-18):
// after a failed instance, which [Service.Fail] does itself, or for a
// stated reason.
type TemplateSuspension struct {
	Reason string
	// FailedChange is the failed instance, if that is the reason.
	FailedChange string
}

// Trigger implements [TemplateCommand].
func (TemplateSuspension) Trigger() TemplateTrigger { return TemplateSuspend }
func (TemplateSuspension) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateSuspension) Validate() error {
	return sms.FirstError(sms.CheckText(TemplateKind, "reason", c.Reason, MaxText), sms.CheckRef(TemplateKind, "failed_change", c.FailedChange))
}

// TemplateReviewRecord records the periodic review of an active template
// (trigger review, CHG-18).
type TemplateReviewRecord struct {
	Findings string
}

// Trigger implements [TemplateCommand].
func (TemplateReviewRecord) Trigger() TemplateTrigger { return TemplateReview }
func (TemplateReviewRecord) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateReviewRecord) Validate() error {
	return sms.CheckText(TemplateKind, "findings", c.Findings, MaxText)
}

// TemplateRetirement retires a template for good (trigger retire).
type TemplateRetirement struct {
	Reason string
}

// Trigger implements [TemplateCommand].
func (TemplateRetirement) Trigger() TemplateTrigger { return TemplateRetire }
func (TemplateRetirement) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateRetirement) Validate() error {
	return sms.CheckText(TemplateKind, "reason", c.Reason, MaxText)
}

// TemplateNoteText adds a note to a template (trigger note).
type TemplateNoteText struct {
	Text string
}

// Trigger implements [TemplateCommand].
func (TemplateNoteText) Trigger() TemplateTrigger { return TemplateNote }
func (TemplateNoteText) templateCommand()         {}

// Validate implements [sms.Command].
func (c TemplateNoteText) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(TemplateKind, "note.text", "is empty or only white space")
	}
	return sms.CheckText(TemplateKind, "note.text", c.Text, MaxText)
}

type ttx = sms.Transition[*Template]

func tguard(id, text string, check func(*ttx) bool) sms.Guard[*Template] {
	return sms.Guard[*Template]{Requirement: req(id, text), Check: check}
}

func tcmd[C TemplateCommand](t *ttx) C { return cmdOf[C](t.Command) }

func tst(ss ...TemplateStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// templateRule returns the authority that approves the template: its
// standard model's, which never counts its author (CHG-19).
func (p *Policy) templateRule(t *Template) (sms.ApprovalRule, bool) {
	m, ok := p.Model(t.Model)
	if !ok || m.Type != ModelStandard {
		return sms.ApprovalRule{}, false
	}
	r := m.Approval
	r.Exclude = append(slices.Clone(r.Exclude), sms.PartyAuthor)
	return r, true
}

func (p *Policy) standardRoles() []sms.Role {
	var out []sms.Role
	for _, m := range p.Models {
		if m.Type == ModelStandard {
			out = appendMissing(out, m.Approval.Roles...)
		}
	}
	if out == nil {
		out = roles(RoleChangeManager)
	}
	return out
}

func templateDefinition(p *Policy) sms.Definition[*Template] {
	managers := roles(RoleChangeManager)
	scope := []sms.Guard[*Template]{
		tguard("CHG-18", "a template's scope names the services or configuration item types it may be used on", func(t *ttx) bool {
			return len(t.Entity.Services) > 0 || len(t.Entity.ItemTypes) > 0
		}),
		tguard("CHG-18", "a template describes its proven procedure", func(t *ttx) bool { return !sms.Blank(t.Entity.Procedure) }),
		tguard("CHG-11", "a template plans how a failed instance is reversed or remedied, tested or with the reason it is not", func(t *ttx) bool {
			return t.Entity.Remediation.Ready()
		}),
	}
	rules := []sms.Rule[*Template]{
		{
			Trigger: string(TemplatePropose), To: string(TemplateProposed), Roles: managers,
			Command: TemplateProposal{},
			Doc:     "Propose a standard-change template.",
			Guards: []sms.Guard[*Template]{
				tguard("CHG-18", "a template belongs to a standard model of the policy", func(t *ttx) bool {
					m, ok := p.Model(tcmd[TemplateProposal](t).Model)
					return ok && m.Type == ModelStandard
				}),
				tguard("CHG-18", "a template is named and has an author", func(t *ttx) bool {
					c := tcmd[TemplateProposal](t)
					return !sms.Blank(c.Name) && c.Author != ""
				}),
			},
			Requires: []sms.Required[*Template]{
				{Field: "services", Requirement: req("CHG-18", "a template's scope names the services or configuration item types it may be used on"),
					Present: func(t *Template) bool { return len(t.Services) > 0 || len(t.ItemTypes) > 0 }},
				{Field: "procedure", Requirement: req("CHG-18", "a template describes its proven procedure"),
					Present: func(t *Template) bool { return !sms.Blank(t.Procedure) }},
				{Field: "remediation", Requirement: req("CHG-11", "a template plans how a failed instance is reversed or remedied, tested or with the reason it is not"),
					Present: func(t *Template) bool { return t.Remediation.Ready() }},
			},
			Apply: func(t *ttx) {
				c, e := tcmd[TemplateProposal](t), t.Entity
				e.ID, e.Name, e.Model, e.Author, e.Procedure, e.Remediation = c.ID, c.Name, c.Model, c.Author, c.Procedure, c.Remediation
				e.Services, e.ItemTypes, e.ReviewEvery = slices.Clone(c.Services), slices.Clone(c.ItemTypes), c.ReviewEvery
				e.PolicyVersion, e.ApprovalsSince = p.Version, t.Now
				e.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
				e.Parties.Add(sms.PartyAuthor, c.Author, false)
				t.Record("name", c.Name)
				t.Record("model", c.Model)
				t.Record("author", c.Author)
				for _, s := range c.Services {
					t.Record("service", s)
				}
				for _, it := range c.ItemTypes {
					t.Record("item_type", it)
				}
			},
		},
		{
			Trigger: string(TemplateRevise), From: tst(TemplateProposed, TemplateSuspended), Roles: managers,
			Command:     TemplateRevision{},
			Requirement: req("CHG-18", "a template is revised before its approval or while suspended, never while in use"),
			Doc:         "Revise the procedure or scope; earlier approvals no longer count.",
			Guards: append(slices.Clone(scope),
				tguard("CHG-18", "a revision replaces the procedure or the remediation plan with text, never with white space", func(t *ttx) bool {
					c := tcmd[TemplateRevision](t)
					return (c.Procedure == "" || !sms.Blank(c.Procedure)) && (c.Remediation.Plan == "" || !sms.Blank(c.Remediation.Plan))
				})),
			Apply: func(t *ttx) {
				c, e := tcmd[TemplateRevision](t), t.Entity
				if c.Procedure != "" {
					e.Procedure = c.Procedure
				}
				if c.Remediation.Plan != "" {
					e.Remediation = c.Remediation
				}
				if c.Services != nil {
					e.Services = slices.Clone(c.Services)
				}
				if c.ItemTypes != nil {
					e.ItemTypes = slices.Clone(c.ItemTypes)
				}
				e.ApprovalsSince = t.Now
				e.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
				t.Record("procedure", e.Procedure)
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TemplateApprove), From: tst(TemplateProposed, TemplateSuspended), Roles: p.standardRoles(),
			Command:     TemplateApproval{},
			Requirement: req("CHG-18", "a template is approved before it is activated or reinstated"),
			Doc:         "Record one approver's decision on the template.",
			// The standard model's change authority decides, once since the
			// template was last proposed, revised or suspended (CHG-18); a
			// template of a model that is not a standard one has no
			// authority, and nobody approves it. Its author, named or who
			// proposed or revised it, never does (CHG-19).
			Approval: &sms.ApprovalGate[*Template]{
				Requirement: req("CHG-18", "the approver holds a role of the standard model's change authority, and decides once"),
				Excluded:    req("CHG-19", "nobody approves their own template: its author, named or who proposed or revised it, never approves it"),
				Rule: func(t *ttx) (sms.ApprovalRule, bool) {
					r, _ := p.templateRule(t.Entity)
					return r, true
				},
				Parties: (*Template).authors,
				Decided: func(e *Template, actor string) bool {
					return slices.ContainsFunc(e.current(), func(a sms.Approval) bool { return a.Approver == actor })
				},
				Excluding: notOwn[*Template],
			},
			Guards: []sms.Guard[*Template]{
				tguard("CHG-18", "an approval records its rationale", func(t *ttx) bool { return !sms.Blank(tcmd[TemplateApproval](t).Rationale) }),
			},
			Apply: func(t *ttx) {
				c, e := tcmd[TemplateApproval](t), t.Entity
				r, _ := p.templateRule(e)
				role := approverRole(r, t.Actor)
				e.Approvals = append(e.Approvals, sms.Approval{Approver: t.Actor.ID, Role: role, Decision: sms.Approve, Rationale: c.Rationale, At: t.Now})
				e.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
				t.Record("role", string(role))
				t.Record("rationale", c.Rationale)
			},
		},
		{
			Trigger: string(TemplateActivate), From: tst(TemplateProposed, TemplateSuspended), To: string(TemplateActive), Roles: managers,
			Command:     TemplateActivation{},
			Requirement: req("CHG-18", "a proposed template is activated, a suspended one reinstated"),
			Doc:         "Activate once approved; reinstating a suspended template needs a review of the failure.",
			Guards: append(slices.Clone(scope),
				tguard("CHG-18", "the standard model's change authority approved the template since it was proposed, revised or suspended", func(t *ttx) bool {
					r, ok := p.templateRule(t.Entity)
					return ok && r.Tally(t.Entity.current(), t.Entity.authors()) == sms.Approved
				}),
				tguard("CHG-18", "a suspended template is reinstated only on a review of the failed instance", func(t *ttx) bool {
					return t.From != string(TemplateSuspended) || !sms.Blank(tcmd[TemplateActivation](t).Review)
				})),
			Apply: func(t *ttx) {
				e := t.Entity
				e.ActivatedAt, e.ReviewedAt = t.Now, t.Now
				if r := tcmd[TemplateActivation](t).Review; r != "" {
					t.Record("review", r)
				}
			},
		},
		{
			Trigger: string(TemplateSuspend), From: tst(TemplateActive), To: string(TemplateSuspended), Roles: roles(RoleChangeManager, RoleImplementer),
			Command:     TemplateSuspension{},
			Requirement: req("CHG-18", "only an active template is suspended"),
			Doc:         "Suspend after a failed instance or for a stated reason.",
			Guards: []sms.Guard[*Template]{
				tguard("CHG-18", "a suspension gives its reason or the failed instance", func(t *ttx) bool {
					c := tcmd[TemplateSuspension](t)
					return !sms.Blank(c.Reason) || c.FailedChange != ""
				}),
			},
			Apply: func(t *ttx) {
				c, e := tcmd[TemplateSuspension](t), t.Entity
				e.Suspensions++
				e.SuspendedAt, e.SuspendReason, e.FailedChange, e.ApprovalsSince = t.Now, c.Reason, c.FailedChange, t.Now
				t.SetReason(c.Reason)
				if c.FailedChange != "" {
					t.Record("failed_change", c.FailedChange)
				}
				t.Record("suspensions", strconv.Itoa(e.Suspensions))
			},
		},
		{
			Trigger: string(TemplateReview), From: tst(TemplateActive), Roles: managers,
			Command:     TemplateReviewRecord{},
			Requirement: req("CHG-18", "an active template is reviewed at its interval"),
			Doc:         "Record the periodic review of an active template.",
			Guards: []sms.Guard[*Template]{
				tguard("CHG-18", "a review records its findings", func(t *ttx) bool { return !sms.Blank(tcmd[TemplateReviewRecord](t).Findings) }),
			},
			Apply: func(t *ttx) {
				t.Entity.ReviewedAt = t.Now
				t.Record("findings", tcmd[TemplateReviewRecord](t).Findings)
			},
		},
		{
			Trigger: string(TemplateRetire), From: tst(TemplateProposed, TemplateActive, TemplateSuspended), To: string(TemplateRetired), Roles: managers,
			Command:     TemplateRetirement{},
			Requirement: req("CHG-18", "a retired template stays retired"),
			Doc:         "Retire the template for good, with a reason.",
			Guards: []sms.Guard[*Template]{
				tguard("CHG-18", "a retirement gives its reason", func(t *ttx) bool { return !sms.Blank(tcmd[TemplateRetirement](t).Reason) }),
			},
			Apply: func(t *ttx) {
				r := tcmd[TemplateRetirement](t).Reason
				t.Entity.RetiredAt, t.Entity.RetireReason = t.Now, r
				t.SetReason(r)
			},
		},
		{
			Trigger: string(TemplateNote), From: tst(TemplateStatuses()...), Roles: appendMissing(roles(RoleChangeManager, RoleImplementer, RoleRequester), p.standardRoles()...),
			Command: TemplateNoteText{},
			Doc:     "Add a note.",
			Apply:   func(t *ttx) { t.Record("text", tcmd[TemplateNoteText](t).Text) },
		},
	}
	return sms.Definition[*Template]{
		Kind:      TemplateKind,
		States:    tst(TemplateStatuses()...),
		Terminal:  tst(TemplateRetired),
		New:       func() *Template { return &Template{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}
