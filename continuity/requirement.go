package continuity

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// RequirementStatus is a continuity requirement's status; the values are
// persisted.
type RequirementStatus string

// Continuity requirement statuses.
const (
	RequirementDrafted    RequirementStatus = "draft"      // being determined and agreed
	RequirementAgreed     RequirementStatus = "agreed"     // agreed with the customer: the service's requirement
	RequirementSuperseded RequirementStatus = "superseded" // replaced by an agreed edition
	RequirementRetired    RequirementStatus = "retired"    // withdrawn, with the reason
)

// RequirementStatuses returns every status, in lifecycle order.
func RequirementStatuses() []RequirementStatus {
	return []RequirementStatus{RequirementDrafted, RequirementAgreed, RequirementSuperseded, RequirementRetired}
}

// RequirementTrigger names a transition of a continuity requirement; the
// values are persisted.
type RequirementTrigger string

// Continuity requirement triggers.
const (
	TriggerRequirementDraft     RequirementTrigger = "draft"
	TriggerRequirementRevise    RequirementTrigger = "revise"
	TriggerRequirementAgree     RequirementTrigger = "agree"
	TriggerRequirementConfirm   RequirementTrigger = "confirm"
	TriggerRequirementSupersede RequirementTrigger = "supersede"
	TriggerRequirementRetire    RequirementTrigger = "retire"
	TriggerRequirementNote      RequirementTrigger = "note"
)

// RequirementTriggers returns every trigger, the creating one first.
func RequirementTriggers() []RequirementTrigger {
	return []RequirementTrigger{TriggerRequirementDraft, TriggerRequirementRevise, TriggerRequirementAgree, TriggerRequirementConfirm,
		TriggerRequirementSupersede, TriggerRequirementRetire, TriggerRequirementNote}
}

// RequirementRequirements returns the continuity requirements the
// continuity requirement records enforce: their workflow's catalogue.
func RequirementRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CON-02", Clause: "8.7.2", Text: "service continuity requirements are determined considering the business and service requirements, the service level agreements and the risks"},
		{ID: "CON-03", Clause: "8.7.2", Text: "service continuity requirements are agreed with the customers and other interested parties"},
	}
}

// RequirementAgreementQuorum is how many distinct customer representatives,
// none of them an author of the requirement, agree it before it is
// confirmed (CON-03).
const RequirementAgreementQuorum = 2

// DependencyKind says what a continuity requirement depends on; the values
// are persisted.
type DependencyKind string

// Dependency kinds.
const (
	DependencyService    DependencyKind = "service"
	DependencySupplier   DependencyKind = "supplier"
	DependencyConfigItem DependencyKind = "config_item"
)

// Dependency is a service, supplier or configuration item the service's
// continuity depends on, by ID. A service dependency's own agreed recovery
// time objective is at most the dependent's (CON-02).
type Dependency struct {
	Kind DependencyKind `json:"kind"`
	ID   string         `json:"id"`
}

// Agreement is one customer representative's agreement of the requirement
// (CON-03): the acting person, as the journal records them, and when.
type Agreement struct {
	Person string    `json:"person"`
	At     time.Time `json:"at"`
}

// Requirement is the continuity requirement of one service, one edition
// of it (CON-02, CON-03): its objectives, what it depends on, what it was
// determined from, and the customer representatives who agreed it. A new
// edition amends the agreed one and supersedes it when confirmed.
type Requirement struct {
	sms.Meta
	Status     RequirementStatus `json:"status"`
	Service    string            `json:"service"`
	Objectives Objectives        `json:"objectives"`
	// Dependencies are what the service's continuity depends on.
	Dependencies []Dependency `json:"dependencies,omitempty"`
	// Basis names the business and service requirements, agreements and
	// risks the objectives were determined from (CON-02).
	Basis []string `json:"basis"`
	// Agreements are the customer representatives' agreements of the
	// content as it stands; a revision withdraws them (CON-03).
	Agreements   []Agreement      `json:"agreements,omitempty"`
	AgreedAt     time.Time        `json:"agreed_at,omitzero"`
	Edition      int              `json:"edition"`
	Amends       string           `json:"amends,omitempty"`
	SupersededBy string           `json:"superseded_by,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Parties      sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Requirement) EntityKind() sms.Kind { return RequirementKind }

// State implements [sms.Entity].
func (r *Requirement) State() string { return string(r.Status) }

// SetState implements [sms.Entity].
func (r *Requirement) SetState(s string) { r.Status = RequirementStatus(s) }

// Attributes implements [sms.Entity]: the service, the amended edition as
// a link.
func (r *Requirement) Attributes() sms.Attributes {
	at := sms.Attributes{Service: r.Service}
	if r.Amends != "" {
		at.Links = []sms.Link{{Type: "amends", ID: r.Amends}}
	}
	return at
}

// Clone implements [sms.Entity].
func (r *Requirement) Clone() *Requirement {
	c := *r
	c.Dependencies, c.Basis, c.Agreements, c.Parties = slices.Clone(r.Dependencies), slices.Clone(r.Basis), slices.Clone(r.Agreements), r.Parties.Clone()
	return &c
}

// reqAgreementRule is the rule the customers' agreements fall under
// (CON-03): customer representatives, two distinct people, no author.
func reqAgreementRule() sms.ApprovalRule {
	return sms.ApprovalRule{Roles: []sms.Role{RoleCustomer}, Quorum: RequirementAgreementQuorum, Exclude: []sms.Party{sms.PartyAuthor}}
}

// agreed reports whether enough eligible customer representatives agreed
// the content as it stands (CON-03), tallied under reqAgreementRule.
func (r *Requirement) agreed() bool {
	as := make([]sms.Approval, len(r.Agreements))
	for i, a := range r.Agreements {
		as[i] = sms.Approval{Approver: a.Person, Role: RoleCustomer, Decision: sms.Approve, At: a.At}
	}
	return reqAgreementRule().Tally(as, r.Parties) == sms.Approved
}

// RequirementCommand is the input of one continuity requirement trigger.
type RequirementCommand interface {
	sms.Command
	Trigger() RequirementTrigger
}

// RequirementContent is what a continuity requirement determines (CON-02).
type RequirementContent struct {
	Objectives   Objectives
	Dependencies []Dependency
	Basis        []string
}

// RequirementDraft drafts the continuity requirement of a service, or a
// new edition of its agreed one (Amends).
type RequirementDraft struct {
	ID      string
	Service string
	Amends  string
	RequirementContent
}

// RequirementRevision replaces what a draft determines, and withdraws the
// agreements given to it.
type RequirementRevision struct{ RequirementContent }

// CustomerAgreement records that the acting customer representative agrees
// the draft as it stands (CON-03); each agrees once, and no author does.
type CustomerAgreement struct{}

// RequirementConfirmation puts a draft that enough customer
// representatives agreed in force (CON-03), once the services it depends
// on recover within its recovery time objective (CON-02); an edition
// supersedes the one it amends in the same commit where the store offers
// one.
type RequirementConfirmation struct{}

// RequirementSupersession records the agreed edition By that replaced the
// requirement; By's confirmation fires it.
type RequirementSupersession struct{ By string }

// RequirementRetirement withdraws a requirement, with the reason.
type RequirementRetirement struct{ Reason string }

// RequirementNote adds a note.
type RequirementNote struct{ Text string }

// Trigger implements [RequirementCommand].
func (RequirementDraft) Trigger() RequirementTrigger        { return TriggerRequirementDraft }
func (RequirementRevision) Trigger() RequirementTrigger     { return TriggerRequirementRevise }
func (CustomerAgreement) Trigger() RequirementTrigger       { return TriggerRequirementAgree }
func (RequirementConfirmation) Trigger() RequirementTrigger { return TriggerRequirementConfirm }
func (RequirementSupersession) Trigger() RequirementTrigger { return TriggerRequirementSupersede }
func (RequirementRetirement) Trigger() RequirementTrigger   { return TriggerRequirementRetire }
func (RequirementNote) Trigger() RequirementTrigger         { return TriggerRequirementNote }

func (c *RequirementContent) validate() error {
	o := c.Objectives
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"objectives.rto", o.RTO}, {"objectives.rpo", o.RPO}, {"objectives.mtpd", o.MTPD}} {
		if d.v < 0 {
			return sms.Invalid(RequirementKind, d.field, "%s is negative", d.v)
		}
	}
	if len(c.Dependencies) > sms.MaxList {
		return sms.Invalid(RequirementKind, "dependencies", "has more than %d dependencies", sms.MaxList)
	}
	for _, d := range c.Dependencies {
		switch d.Kind {
		case DependencyService, DependencySupplier, DependencyConfigItem:
		default:
			return sms.Invalid(RequirementKind, "dependencies.kind", "%q is not service, supplier or config_item", d.Kind)
		}
		if err := sms.ValidateID(d.ID); err != nil {
			return sms.Invalid(RequirementKind, "dependencies.id", "%q is not an ID", d.ID)
		}
	}
	return sms.FirstError(sms.CheckText(RequirementKind, "objectives.min_service_level", o.MinServiceLevel, sms.MaxShort),
		sms.CheckRefs(RequirementKind, "basis", c.Basis))
}

// Validate implements [sms.Command].
func (c RequirementDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(RequirementKind, "id", c.ID), sms.CheckRef(RequirementKind, "service", c.Service),
		sms.CheckRef(RequirementKind, "amends", c.Amends), c.RequirementContent.validate())
}
func (c RequirementRevision) Validate() error   { return c.RequirementContent.validate() }
func (CustomerAgreement) Validate() error       { return nil }
func (RequirementConfirmation) Validate() error { return nil }
func (c RequirementSupersession) Validate() error {
	return sms.CheckRef(RequirementKind, "by", c.By)
}
func (c RequirementRetirement) Validate() error {
	return sms.CheckText(RequirementKind, "reason", c.Reason, sms.MaxText)
}
func (c RequirementNote) Validate() error {
	return sms.CheckText(RequirementKind, "text", c.Text, sms.MaxText)
}

type reqTx = sms.Transition[*Requirement]

func reqCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func reqGuard(id, text string, check func(*reqTx) bool) sms.Guard[*Requirement] {
	return sms.Guard[*Requirement]{Requirement: reqCite(id, text), Check: check}
}

// reqRelated is what a rule's Prepare read of another edition (nil when
// none was named or found).
type reqRelated struct{ r *Requirement }

func reqRelatedOf(t *reqTx) *Requirement {
	if p, ok := t.Prepared.(*reqRelated); ok {
		return p.r
	}
	return nil
}

// reqReadEdition returns a Prepare that reads the edition id names, if it
// exists (get is nil in the workflow compiled for documentation).
func reqReadEdition(get func(context.Context, string) (*Requirement, error), id func(*reqTx) string) func(context.Context, *reqTx) error {
	return func(ctx context.Context, t *reqTx) error {
		p := &reqRelated{}
		if ref := id(t); ref != "" && get != nil {
			r, err := get(ctx, ref)
			switch {
			case errors.Is(err, sms.ErrNotFound):
			case err != nil:
				return err
			default:
				p.r = r
			}
		}
		t.Prepared = p
		return nil
	}
}

// reqSlower is what the confirm rule's Prepare learnt from the host's
// agreed requirements: the services depended on whose agreed recovery time
// objective is longer than the requirement's.
type reqSlower struct{ services []string }

// reqContentGuards are the guards of CON-02 on what a draft or a revision
// determines.
func reqContentGuards(content func(*reqTx) (RequirementContent, string)) []sms.Guard[*Requirement] {
	return []sms.Guard[*Requirement]{
		reqGuard("CON-02", "a continuity requirement names its service and what it is based on: business and service requirements, agreements, risks", func(t *reqTx) bool {
			c, service := content(t)
			return service != "" && len(c.Basis) > 0
		}),
		reqGuard("CON-02", "the recovery time objective is within the maximum tolerable period of disruption", func(t *reqTx) bool {
			c, _ := content(t)
			return c.Objectives.RTO <= c.Objectives.MTPD
		}),
		reqGuard("CON-02", "a service does not depend on itself", func(t *reqTx) bool {
			c, service := content(t)
			return !slices.Contains(c.Dependencies, Dependency{Kind: DependencyService, ID: service})
		}),
	}
}

func reqDetermine(t *reqTx, c RequirementContent) {
	r := t.Entity
	r.Objectives = c.Objectives
	r.Dependencies, r.Basis = slices.Clone(c.Dependencies), slices.Clone(c.Basis)
	t.Record("rto", c.Objectives.RTO.String())
	t.Record("rpo", c.Objectives.RPO.String())
	t.Record("mtpd", c.Objectives.MTPD.String())
	t.Record("min_service_level", c.Objectives.MinServiceLevel)
	for _, d := range c.Dependencies {
		t.Record("dependency", string(d.Kind)+":"+d.ID)
	}
	for _, b := range c.Basis {
		t.Record("basis", b)
	}
}

func reqDefinition(get func(context.Context, string) (*Requirement, error), deps AgreedRequirements, fire func(context.Context, sms.Actor, string, RequirementCommand) error) sms.Definition[*Requirement] {
	managers := []sms.Role{RoleContinuityManager}
	return sms.Definition[*Requirement]{
		Kind: RequirementKind, States: sms.StatesOf(RequirementStatuses()...), Terminal: sms.StatesOf(RequirementSuperseded, RequirementRetired),
		New: func() *Requirement { return &Requirement{} }, Catalogue: RequirementRequirements(),
		Rules: []sms.Rule[*Requirement]{
			{
				Trigger: string(TriggerRequirementDraft), To: string(RequirementDrafted), Roles: managers, Command: RequirementDraft{},
				Doc:     "Draft the continuity requirement of a service, or a new edition of it.",
				Prepare: reqReadEdition(get, func(t *reqTx) string { return sms.CommandOf[RequirementDraft](t).Amends }),
				Guards: append(reqContentGuards(func(t *reqTx) (RequirementContent, string) {
					c := sms.CommandOf[RequirementDraft](t)
					return c.RequirementContent, c.Service
				}), reqGuard("CON-03", "an edition amends the agreed requirement of the same service", func(t *reqTx) bool {
					c := sms.CommandOf[RequirementDraft](t)
					old := reqRelatedOf(t)
					return c.Amends == "" || (old != nil && old.Status == RequirementAgreed && old.Service == c.Service)
				})),
				Apply: func(t *reqTx) {
					c, r := sms.CommandOf[RequirementDraft](t), t.Entity
					r.ID, r.Service, r.Amends, r.Edition = c.ID, c.Service, c.Amends, 1
					if old := reqRelatedOf(t); old != nil {
						r.Edition = old.Edition + 1
						t.Record("amends", c.Amends)
					}
					r.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					t.Record("service", c.Service)
					reqDetermine(t, c.RequirementContent)
				},
			},
			{
				Trigger: string(TriggerRequirementRevise), From: sms.StatesOf(RequirementDrafted), Roles: managers, Command: RequirementRevision{},
				Requirement: reqCite("CON-03", "only a draft is revised; an agreed requirement is amended by a new edition"),
				Doc:         "Revise what a draft determines; the agreements given are withdrawn.",
				Guards: reqContentGuards(func(t *reqTx) (RequirementContent, string) {
					return sms.CommandOf[RequirementRevision](t).RequirementContent, t.Entity.Service
				}),
				Apply: func(t *reqTx) {
					t.Entity.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					reqDetermine(t, sms.CommandOf[RequirementRevision](t).RequirementContent)
					if len(t.Entity.Agreements) > 0 {
						t.Entity.Agreements = nil
						t.Record("agreements", "withdrawn")
					}
				},
			},
			{
				Trigger: string(TriggerRequirementAgree), From: sms.StatesOf(RequirementDrafted), Roles: []sms.Role{RoleCustomer}, Command: CustomerAgreement{},
				Requirement: reqCite("CON-03", "a requirement is agreed while it is a draft"),
				Doc:         "Agree the draft as a customer representative.",
				Approval: &sms.ApprovalGate[*Requirement]{
					Requirement: reqCite("CON-03", "a continuity requirement is agreed by the customer's representatives"),
					Excluded:    reqCite("CON-03", "an author of a continuity requirement does not agree it for the customer"),
					Once:        reqCite("CON-03", "each customer representative agrees a requirement once"),
					Rule:        func(*reqTx) (sms.ApprovalRule, bool) { return reqAgreementRule(), true },
					Parties:     func(r *Requirement) sms.Participants { return r.Parties },
					Decided: func(r *Requirement, actor string) bool {
						return slices.ContainsFunc(r.Agreements, func(a Agreement) bool { return a.Person == actor })
					},
				},
				Apply: func(t *reqTx) {
					t.Entity.Agreements = append(t.Entity.Agreements, Agreement{Person: t.Actor.ID, At: t.Now})
					t.Entity.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
					t.Record("agreed_by", t.Actor.ID)
				},
			},
			{
				Trigger: string(TriggerRequirementConfirm), From: sms.StatesOf(RequirementDrafted), To: string(RequirementAgreed), Roles: managers, Command: RequirementConfirmation{},
				Requirement: reqCite("CON-03", "only a draft is confirmed as agreed"),
				Doc:         "Confirm the draft as agreed; an edition supersedes the one it amends.",
				Prepare: func(ctx context.Context, t *reqTx) error {
					sl := &reqSlower{}
					if deps != nil {
						for _, d := range t.Entity.Dependencies {
							if d.Kind != DependencyService {
								continue
							}
							o, ok, err := deps.Agreed(ctx, d.ID)
							if err != nil {
								return err
							}
							if ok && o.RTO > t.Entity.Objectives.RTO {
								sl.services = append(sl.services, d.ID)
							}
						}
					}
					t.Prepared = sl
					return nil
				},
				Guards: []sms.Guard[*Requirement]{
					{Requirement: reqCite("CON-03", "at least two distinct customer representatives, none of them an author, agreed the requirement as it stands"), RecordOnly: true,
						Check: func(t *reqTx) bool { return t.Entity.agreed() }},
					{Requirement: reqCite("CON-02", "every service the requirement depends on has an agreed recovery time objective within the requirement's"), RecordOnly: true,
						Check: func(t *reqTx) bool {
							sl, _ := t.Prepared.(*reqSlower)
							return sl != nil && len(sl.services) == 0
						}},
				},
				Apply: func(t *reqTx) {
					t.Entity.AgreedAt = t.Now
					for _, a := range t.Entity.Agreements {
						t.Record("agreed_by", a.Person)
					}
					if t.Entity.Amends != "" {
						t.Record("supersedes", t.Entity.Amends)
					}
				},
				FollowUp: &sms.FollowUp[*Requirement]{
					Essential: true,
					Run: func(ctx context.Context, t *reqTx) error {
						if t.Entity.Amends == "" {
							return nil
						}
						return fire(ctx, t.Actor, t.Entity.Amends, RequirementSupersession{By: t.Entity.ID})
					},
				},
			},
			{
				Trigger: string(TriggerRequirementSupersede), From: sms.StatesOf(RequirementAgreed), To: string(RequirementSuperseded), Roles: managers, Command: RequirementSupersession{},
				Requirement: reqCite("CON-03", "only the agreed requirement is superseded"),
				Doc:         "Record the edition that replaced it; fired by that edition's confirmation.",
				Prepare:     reqReadEdition(get, func(t *reqTx) string { return sms.CommandOf[RequirementSupersession](t).By }),
				Guards: []sms.Guard[*Requirement]{reqGuard("CON-03", "a requirement is superseded only by an agreed edition that amends it", func(t *reqTx) bool {
					by := reqRelatedOf(t)
					return by != nil && by.Status == RequirementAgreed && by.Amends == t.Entity.ID
				})},
				Apply: func(t *reqTx) {
					t.Entity.SupersededBy = sms.CommandOf[RequirementSupersession](t).By
					t.Record("by", t.Entity.SupersededBy)
				},
			},
			{
				Trigger: string(TriggerRequirementRetire), From: sms.StatesOf(RequirementDrafted, RequirementAgreed), To: string(RequirementRetired), Roles: managers, Command: RequirementRetirement{},
				Requirement: reqCite("CON-03", "a requirement already replaced or withdrawn is not retired"),
				Doc:         "Withdraw the requirement, with the reason.",
				Guards: []sms.Guard[*Requirement]{reqGuard("CON-03", "a retirement gives its reason", func(t *reqTx) bool {
					return !sms.Blank(sms.CommandOf[RequirementRetirement](t).Reason)
				})},
				Apply: func(t *reqTx) {
					t.Entity.Reason = sms.CommandOf[RequirementRetirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerRequirementNote), From: sms.StatesOf(RequirementStatuses()...), Roles: managers, Command: RequirementNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*Requirement]{reqGuard("CON-02", "a note has text", func(t *reqTx) bool {
					return !sms.Blank(sms.CommandOf[RequirementNote](t).Text)
				})},
				Apply: func(t *reqTx) { t.Record("text", sms.CommandOf[RequirementNote](t).Text) },
			},
		},
	}
}

// RequirementWorkflow returns the compiled continuity requirement
// workflow, for introspection and documentation.
func RequirementWorkflow() *sms.Workflow[*Requirement] {
	return sms.MustWorkflow(reqDefinition(nil, nil, nil))
}

// Requirements runs continuity requirements on a store (CON-02, CON-03):
// one typed method per trigger, each one transition through the pipeline.
// It implements [AgreedRequirements] over the stored, agreed editions.
type Requirements struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Requirement, RequirementTrigger, RequirementCommand]
	m *sms.Machine[*Requirement]
}

// NewRequirements compiles the continuity requirement workflow and binds
// it to the store. deps is the host's look-up of the agreed requirements
// of the services a requirement depends on, read at confirmation (CON-02);
// nil checks no dependency. A host whose requirements are all in this
// store passes another Requirements on the same store.
func NewRequirements(store sms.Store[*Requirement], deps AgreedRequirements, opts sms.Options) (*Requirements, error) {
	s := &Requirements{}
	get := func(ctx context.Context, id string) (*Requirement, error) { return s.m.Get(ctx, id) }
	fire := func(ctx context.Context, a sms.Actor, id string, c RequirementCommand) error {
		_, err := s.m.Do(ctx, a, id, c)
		return err
	}
	var err error
	if s.m, s.Records, err = sms.Bind[*Requirement, RequirementTrigger, RequirementCommand](reqDefinition(get, deps, fire), store, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// Draft drafts a requirement, or an edition amending the agreed one
// (CON-02).
func (s *Requirements) Draft(ctx context.Context, a sms.Actor, c RequirementDraft) (*Requirement, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a draft, withdrawing the agreements given.
func (s *Requirements) Revise(ctx context.Context, a sms.Actor, id string, c RequirementRevision) (*Requirement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequirementRevise), c)
}

// Agree records the acting customer representative's agreement (CON-03).
func (s *Requirements) Agree(ctx context.Context, a sms.Actor, id string, c CustomerAgreement) (*Requirement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequirementAgree), c)
}

// Confirm puts an agreed draft in force (CON-02, CON-03); an edition
// supersedes the one it amends.
func (s *Requirements) Confirm(ctx context.Context, a sms.Actor, id string, c RequirementConfirmation) (*Requirement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequirementConfirm), c)
}

// Retire withdraws a requirement, with the reason.
func (s *Requirements) Retire(ctx context.Context, a sms.Actor, id string, c RequirementRetirement) (*Requirement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequirementRetire), c)
}

// Note adds a note.
func (s *Requirements) Note(ctx context.Context, a sms.Actor, id string, c RequirementNote) (*Requirement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequirementNote), c)
}

// Do runs any requirement command as its typed method does; a
// [RequirementDraft] carries its own ID, and id must then be empty.
func (s *Requirements) Do(ctx context.Context, a sms.Actor, id string, c RequirementCommand) (*Requirement, error) {
	return s.m.Do(ctx, a, id, c)
}

// Agreed implements [AgreedRequirements]: the objectives of the service's
// agreed requirement, drawn only from records that verify against their
// journal (a record that does not is passed over), and false when none is
// agreed. Should several editions be agreed, the latest edition counts.
func (s *Requirements) Agreed(ctx context.Context, service string) (Objectives, bool, error) {
	if err := sms.ValidateID(service); err != nil {
		return Objectives{}, false, sms.Invalid(RequirementKind, "service", "%q is not a service ID", service)
	}
	var best *Requirement
	err := s.m.EachVerified(ctx, sms.Query{Service: service, Status: sms.StatesOf(RequirementAgreed)}, func(r *Requirement, _ []sms.Entry) bool {
		if best == nil || r.Edition > best.Edition {
			best = r
		}
		return true
	}, func(string, error) error { return nil })
	if err != nil || best == nil {
		return Objectives{}, false, err
	}
	return best.Objectives, true, nil
}
