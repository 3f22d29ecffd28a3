package continuity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// PlanStatus is a continuity plan's status; the values are persisted.
type PlanStatus string

// Continuity plan statuses.
const (
	PlanDrafted        PlanStatus = "draft"           // being written
	PlanApproved       PlanStatus = "approved"        // a version approved, not yet in force
	PlanActive         PlanStatus = "active"          // in force
	PlanRetestRequired PlanStatus = "retest_required" // in force, to be retested after a major change (CON-08)
	PlanUnderRevision  PlanStatus = "under_revision"  // its next version being written
	PlanRetired        PlanStatus = "retired"         // withdrawn, with the reason
)

// PlanStatuses returns every status, in lifecycle order.
func PlanStatuses() []PlanStatus {
	return []PlanStatus{PlanDrafted, PlanApproved, PlanActive, PlanRetestRequired, PlanUnderRevision, PlanRetired}
}

// PlanTrigger names a transition of a continuity plan; the values are
// persisted.
type PlanTrigger string

// Continuity plan triggers.
const (
	TriggerPlanDraft     PlanTrigger = "draft"
	TriggerPlanRevise    PlanTrigger = "revise"
	TriggerPlanApprove   PlanTrigger = "approve"
	TriggerPlanActivate  PlanTrigger = "activate"
	TriggerRequireRetest PlanTrigger = "require_retest"
	TriggerRetested      PlanTrigger = "retested"
	TriggerRecordCopy    PlanTrigger = "record_copy"
	TriggerPlanRetire    PlanTrigger = "retire"
	TriggerPlanNote      PlanTrigger = "note"
)

// PlanTriggers returns every trigger, the creating one first.
func PlanTriggers() []PlanTrigger {
	return []PlanTrigger{TriggerPlanDraft, TriggerPlanRevise, TriggerPlanApprove, TriggerPlanActivate, TriggerRequireRetest,
		TriggerRetested, TriggerRecordCopy, TriggerPlanRetire, TriggerPlanNote}
}

// Finding codes of the continuity plans' sweeps.
const (
	// CodeOffsiteCopyStale: a plan in force has no off-site copy of its
	// current version (CON-06).
	CodeOffsiteCopyStale = "OFFSITE_COPY_STALE"
	// CodePlanMissing: a service with agreed continuity requirements is
	// covered by no plan in force (CON-04).
	CodePlanMissing = "CONT_PLAN_MISSING"
	// CodeRetestOverdue: a plan to be retested after a major change was
	// not retested by its due date (CON-08).
	CodeRetestOverdue = "RETEST_OVERDUE"
)

// PlanRequirements returns the continuity requirements the plans enforce:
// their workflow's catalogue.
func PlanRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CON-04", Clause: "8.7.2", Text: "one or more continuity plans are created, implemented and maintained"},
		{ID: "CON-05", Clause: "8.7.2", Text: "plans include or reference the criteria and responsibilities for invoking, the procedures for a major loss of service, the availability targets while invoked, the recovery requirements and the procedures for returning to normal operation"},
		{ID: "CON-06", Clause: "8.7.2", Text: "plans and contact lists are reachable when the normal site cannot be accessed"},
		{ID: "CON-08", Clause: "8.7.2", Text: "plans are retested after major changes to the service environment"},
	}
}

// Procedures are the procedures a plan includes or references (CON-05).
type Procedures struct {
	Invocation     string `json:"invocation"`
	MajorLoss      string `json:"major_loss"`
	ReturnToNormal string `json:"return_to_normal"`
}

// Contact is one entry of a plan's contact list (CON-06).
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Phone string `json:"phone"`
}

// Contents is what a plan includes or references (CON-05, CON-06).
type Contents struct {
	InvocationCriteria string `json:"invocation_criteria"`
	// Authorities are the people who may invoke the plan (CON-12).
	Authorities          []string   `json:"authorities"`
	Procedures           Procedures `json:"procedures"`
	DegradedTargets      []string   `json:"degraded_targets"`
	RecoveryRequirements []string   `json:"recovery_requirements"`
	Contacts             []Contact  `json:"contacts"`
}

func (c Contents) clone() Contents {
	c.Authorities, c.DegradedTargets = slices.Clone(c.Authorities), slices.Clone(c.DegradedTargets)
	c.RecoveryRequirements, c.Contacts = slices.Clone(c.RecoveryRequirements), slices.Clone(c.Contacts)
	return c
}

func (c Contents) validate() error {
	errs := []error{
		sms.CheckText(PlanKind, "invocation_criteria", c.InvocationCriteria, sms.MaxText),
		sms.CheckRefs(PlanKind, "authorities", c.Authorities),
		sms.CheckText(PlanKind, "procedures.invocation", c.Procedures.Invocation, sms.MaxText),
		sms.CheckText(PlanKind, "procedures.major_loss", c.Procedures.MajorLoss, sms.MaxText),
		sms.CheckText(PlanKind, "procedures.return_to_normal", c.Procedures.ReturnToNormal, sms.MaxText),
		sms.CheckTexts(PlanKind, "degraded_targets", c.DegradedTargets, sms.MaxText),
		sms.CheckTexts(PlanKind, "recovery_requirements", c.RecoveryRequirements, sms.MaxText),
	}
	if len(c.Contacts) > sms.MaxList {
		errs = append(errs, sms.Invalid(PlanKind, "contacts", "%d contacts, more than %d", len(c.Contacts), sms.MaxList))
	}
	for _, k := range c.Contacts {
		errs = append(errs, sms.CheckText(PlanKind, "contacts.name", k.Name, sms.MaxShort), sms.CheckText(PlanKind, "contacts.role", k.Role, sms.MaxShort),
			sms.CheckText(PlanKind, "contacts.phone", k.Phone, sms.MaxShort))
	}
	return sms.FirstError(errs...)
}

// OffsiteCopy is a copy of one approved version of a plan kept where it
// can be reached when the normal site cannot (CON-06): Digest is that
// version's [Plan.Digest], VerifiedAt when the copy was last checked.
type OffsiteCopy struct {
	Location   string    `json:"location"`
	Medium     string    `json:"medium"`
	Version    int       `json:"version"`
	Digest     string    `json:"digest"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Plan is a service continuity plan (CON-04 to CON-08): the services it
// covers and its contents, versioned (Version counts the revisions
// approved, 0 until the first approval), its off-site copies, and the
// retest a major change requires.
type Plan struct {
	sms.Meta
	Status        PlanStatus    `json:"status"`
	Services      []string      `json:"services"`
	Contents      Contents      `json:"contents"`
	Version       int           `json:"version"`
	ApprovedAt    time.Time     `json:"approved_at,omitzero"`
	OffsiteCopies []OffsiteCopy `json:"offsite_copies,omitempty"`
	// RetestDue and RetestReason are the retest a major change requires
	// (CON-08), set while the plan is retest_required; LastTest is the
	// passed test that last cleared one.
	RetestDue    time.Time        `json:"retest_due,omitzero"`
	RetestReason string           `json:"retest_reason,omitempty"`
	LastTest     string           `json:"last_test,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Parties      sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Plan) EntityKind() sms.Kind { return PlanKind }

// State implements [sms.Entity].
func (p *Plan) State() string { return string(p.Status) }

// SetState implements [sms.Entity].
func (p *Plan) SetState(s string) { p.Status = PlanStatus(s) }

// Attributes implements [sms.Entity]: the first service covered (a
// [sms.Query] by service finds a plan by it), the last test as a link.
func (p *Plan) Attributes() sms.Attributes {
	var at sms.Attributes
	if len(p.Services) > 0 {
		at.Service = p.Services[0]
	}
	if p.LastTest != "" {
		at.Links = []sms.Link{{Type: "test", ID: p.LastTest}}
	}
	return at
}

// Clone implements [sms.Entity].
func (p *Plan) Clone() *Plan {
	c := *p
	c.Services, c.Contents, c.OffsiteCopies, c.Parties = slices.Clone(p.Services), p.Contents.clone(), slices.Clone(p.OffsiteCopies), p.Parties.Clone()
	return &c
}

// planDigested is what a plan version's digest covers.
type planDigested struct {
	Services []string `json:"services"`
	Contents Contents `json:"contents"`
	Version  int      `json:"version"`
}

// Digest returns the hex SHA-256 of the canonical encoding
// ([sms.AppendState]) of the plan's services, contents and version: what
// an off-site copy of this version must carry (CON-06).
func (p *Plan) Digest() string {
	b, err := sms.AppendState(nil, planDigested{Services: p.Services, Contents: p.Contents, Version: p.Version})
	if err != nil { // strings and ints only: not reached
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// InForce reports whether the plan is in force: active, or active and to
// be retested.
func (p *Plan) InForce() bool { return p.Status == PlanActive || p.Status == PlanRetestRequired }

// PlanCommand is the input of one continuity plan trigger.
type PlanCommand interface {
	sms.Command
	Trigger() PlanTrigger
}

// PlanDraft drafts a plan covering services.
type PlanDraft struct {
	ID       string
	Services []string
	Contents Contents
}

// PlanRevision replaces the plan's contents: a draft's, or those of the
// next version of an approved plan or one in force, which then is under
// revision until approved again.
type PlanRevision struct {
	Services []string // nil keeps the services covered
	Contents Contents
}

// PlanApproval approves the contents as the plan's next version (CON-05),
// by another person than its authors.
type PlanApproval struct{}

// PlanActivation puts an approved version in force (CON-04).
type PlanActivation struct{}

// RetestRequirement records that a major change to the service
// environment requires the plan to be retested by Due (CON-08); Reason
// names it, a change ID with major impact for example.
type RetestRequirement struct {
	Reason string
	Due    time.Time
}

// Retest records the passed test, Test, that retested the plan (CON-08).
type Retest struct{ Test string }

// CopyRecord records an off-site copy of the plan's current version
// (CON-06): Digest is the digest the host holds of the copy, compared with
// the current version's; VerifiedAt is when it was checked (now when
// zero).
type CopyRecord struct {
	Location   string
	Medium     string
	Digest     string
	VerifiedAt time.Time
}

// PlanRetirement withdraws the plan, with the reason.
type PlanRetirement struct{ Reason string }

// PlanNote adds a note.
type PlanNote struct{ Text string }

// Trigger implements [PlanCommand].
func (PlanDraft) Trigger() PlanTrigger         { return TriggerPlanDraft }
func (PlanRevision) Trigger() PlanTrigger      { return TriggerPlanRevise }
func (PlanApproval) Trigger() PlanTrigger      { return TriggerPlanApprove }
func (PlanActivation) Trigger() PlanTrigger    { return TriggerPlanActivate }
func (RetestRequirement) Trigger() PlanTrigger { return TriggerRequireRetest }
func (Retest) Trigger() PlanTrigger            { return TriggerRetested }
func (CopyRecord) Trigger() PlanTrigger        { return TriggerRecordCopy }
func (PlanRetirement) Trigger() PlanTrigger    { return TriggerPlanRetire }
func (PlanNote) Trigger() PlanTrigger          { return TriggerPlanNote }

// Validate implements [sms.Command].
func (c PlanDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(PlanKind, "id", c.ID), sms.CheckRefs(PlanKind, "services", c.Services), c.Contents.validate())
}
func (c PlanRevision) Validate() error {
	return sms.FirstError(sms.CheckRefs(PlanKind, "services", c.Services), c.Contents.validate())
}
func (PlanApproval) Validate() error   { return nil }
func (PlanActivation) Validate() error { return nil }
func (c RetestRequirement) Validate() error {
	return sms.FirstError(sms.CheckText(PlanKind, "reason", c.Reason, sms.MaxText), sms.CheckTime(PlanKind, "due", c.Due))
}
func (c Retest) Validate() error { return sms.CheckRef(PlanKind, "test", c.Test) }
func (c CopyRecord) Validate() error {
	return sms.FirstError(sms.CheckText(PlanKind, "location", c.Location, sms.MaxShort), sms.CheckText(PlanKind, "medium", c.Medium, sms.MaxShort),
		sms.CheckText(PlanKind, "digest", c.Digest, sms.MaxShort), sms.CheckTime(PlanKind, "verified_at", c.VerifiedAt))
}
func (c PlanRetirement) Validate() error {
	return sms.CheckText(PlanKind, "reason", c.Reason, sms.MaxText)
}
func (c PlanNote) Validate() error { return sms.CheckText(PlanKind, "text", c.Text, sms.MaxText) }

type planTx = sms.Transition[*Plan]

func planCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func planGuard(id, text string, check func(*planTx) bool) sms.Guard[*Plan] {
	return sms.Guard[*Plan]{Requirement: planCite(id, text), Check: check}
}

func planRecordOnly(id, text string, check func(*planTx) bool) sms.Guard[*Plan] {
	g := planGuard(id, text, check)
	g.RecordOnly = true
	return g
}

// planUnagreed is what the approve rule's Prepare learnt from the host:
// the covered services without agreed continuity requirements.
type planUnagreed struct{ services []string }

func planWrite(t *planTx, services []string, c Contents) {
	p := t.Entity
	if services != nil {
		p.Services = slices.Clone(services)
	}
	p.Contents = c.clone()
	p.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
	for _, s := range p.Services {
		t.Record("service", s)
	}
	t.Record("digest", p.Digest())
}

func planDefinition(reqs AgreedRequirements) sms.Definition[*Plan] {
	roles := []sms.Role{RoleContinuityManager}
	revise := func(t *planTx) {
		c := sms.CommandOf[PlanRevision](t)
		if t.From == string(PlanApproved) || t.From == string(PlanActive) {
			// A new version starts: its authors are who write it, the
			// previous version's stay in the journal.
			t.Entity.Parties = slices.DeleteFunc(t.Entity.Parties.Clone(), func(x sms.Participant) bool { return x.Party == sms.PartyAuthor })
		}
		planWrite(t, c.Services, c.Contents)
	}
	return sms.Definition[*Plan]{
		Kind: PlanKind, States: sms.StatesOf(PlanStatuses()...), Terminal: sms.StatesOf(PlanRetired),
		New: func() *Plan { return &Plan{} }, Catalogue: PlanRequirements(),
		Rules: []sms.Rule[*Plan]{
			{
				Trigger: string(TriggerPlanDraft), To: string(PlanDrafted), Roles: roles, Command: PlanDraft{},
				Doc: "Draft a continuity plan covering services.",
				Guards: []sms.Guard[*Plan]{planGuard("CON-04", "a plan covers at least one service", func(t *planTx) bool {
					return len(sms.CommandOf[PlanDraft](t).Services) > 0
				})},
				Apply: func(t *planTx) {
					c := sms.CommandOf[PlanDraft](t)
					t.Entity.ID = c.ID
					planWrite(t, c.Services, c.Contents)
				},
			},
			{
				Trigger: string(TriggerPlanRevise), From: sms.StatesOf(PlanDrafted, PlanUnderRevision), Roles: roles, Command: PlanRevision{},
				Requirement: planCite("CON-04", "a plan in force is revised as its next version, not while it is to be retested"),
				Doc:         "Revise the contents being written.",
				Apply:       revise,
			},
			{
				Trigger: string(TriggerPlanRevise), From: sms.StatesOf(PlanApproved, PlanActive), To: string(PlanUnderRevision), Roles: roles, Command: PlanRevision{},
				Requirement: planCite("CON-04", "a plan in force is revised as its next version, not while it is to be retested"),
				Doc:         "Start the next version of an approved plan, with its contents.",
				Apply:       revise,
			},
			{
				Trigger: string(TriggerPlanApprove), From: sms.StatesOf(PlanDrafted, PlanUnderRevision), To: string(PlanApproved), Roles: roles, Command: PlanApproval{},
				Requirement: planCite("CON-05", "only contents being written are approved"),
				Doc:         "Approve the contents as the next version: complete, for services with agreed requirements, by another person than its authors.",
				Prepare: func(ctx context.Context, t *planTx) error {
					u := &planUnagreed{}
					for _, s := range t.Entity.Services {
						ok := false
						if reqs != nil {
							var err error
							if _, ok, err = reqs.Agreed(ctx, s); err != nil {
								return err
							}
						}
						if !ok {
							u.services = append(u.services, s)
						}
					}
					t.Prepared = u
					return nil
				},
				Segregation: []sms.Segregation[*Plan]{{
					Requirement: planCite("CON-04", "a plan version is approved by another person than its authors"),
					Check: func(t *planTx) string {
						if t.Entity.Parties.Has(sms.PartyAuthor, t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " wrote this version of the plan and may not approve it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Plan]{
					planRecordOnly("CON-05", "the plan states the criteria for invoking it and who may invoke it", func(t *planTx) bool {
						c := t.Entity.Contents
						return !sms.Blank(c.InvocationCriteria) && len(c.Authorities) > 0
					}),
					planRecordOnly("CON-05", "the plan includes the invocation, major loss and return to normal procedures", func(t *planTx) bool {
						pr := t.Entity.Contents.Procedures
						return !sms.Blank(pr.Invocation) && !sms.Blank(pr.MajorLoss) && !sms.Blank(pr.ReturnToNormal)
					}),
					planRecordOnly("CON-05", "the plan states the availability targets while invoked and the recovery requirements", func(t *planTx) bool {
						c := t.Entity.Contents
						return len(c.DegradedTargets) > 0 && !slices.ContainsFunc(c.DegradedTargets, sms.Blank) &&
							len(c.RecoveryRequirements) > 0 && !slices.ContainsFunc(c.RecoveryRequirements, sms.Blank)
					}),
					planRecordOnly("CON-06", "the plan has a contact list, each contact with a name and a phone", func(t *planTx) bool {
						cs := t.Entity.Contents.Contacts
						return len(cs) > 0 && !slices.ContainsFunc(cs, func(k Contact) bool { return sms.Blank(k.Name) || sms.Blank(k.Phone) })
					}),
					planRecordOnly("CON-04", "the plan covers at least one service, and every one has agreed continuity requirements", func(t *planTx) bool {
						u, _ := t.Prepared.(*planUnagreed)
						return u != nil && len(u.services) == 0 && len(t.Entity.Services) > 0
					}),
				},
				Apply: func(t *planTx) {
					p := t.Entity
					p.Version++
					p.ApprovedAt = t.Now
					p.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
					t.Record("version", strconv.Itoa(p.Version))
					t.Record("digest", p.Digest())
				},
			},
			{
				Trigger: string(TriggerPlanActivate), From: sms.StatesOf(PlanApproved), To: string(PlanActive), Roles: roles, Command: PlanActivation{},
				Requirement: planCite("CON-04", "only an approved version is put in force"),
				Doc:         "Put the approved version in force.",
				Apply:       func(t *planTx) { t.Record("version", strconv.Itoa(t.Entity.Version)) },
			},
			{
				Trigger: string(TriggerRequireRetest), From: sms.StatesOf(PlanActive), To: string(PlanRetestRequired), Roles: roles, Command: RetestRequirement{},
				Requirement: planCite("CON-08", "a plan in force is retested after a major change"),
				Doc:         "Require a retest after a major change, with its reason and due date.",
				Guards: []sms.Guard[*Plan]{planGuard("CON-08", "a retest requirement names the major change and a due date not in the past", func(t *planTx) bool {
					c := sms.CommandOf[RetestRequirement](t)
					return !sms.Blank(c.Reason) && !c.Due.IsZero() && !sms.Micro(c.Due).Before(t.Now)
				})},
				Apply: func(t *planTx) {
					c := sms.CommandOf[RetestRequirement](t)
					t.Entity.RetestReason, t.Entity.RetestDue = c.Reason, sms.Micro(c.Due)
					t.SetReason(c.Reason)
					t.RecordTime("due", t.Entity.RetestDue)
				},
			},
			{
				Trigger: string(TriggerRetested), From: sms.StatesOf(PlanRetestRequired), To: string(PlanActive), Roles: roles, Command: Retest{},
				Requirement: planCite("CON-08", "only a plan to be retested is cleared by a retest"),
				Doc:         "Record the passed test that retested the plan.",
				Guards: []sms.Guard[*Plan]{planGuard("CON-08", "a retest names the passed test", func(t *planTx) bool {
					return sms.CommandOf[Retest](t).Test != ""
				})},
				Apply: func(t *planTx) {
					p := t.Entity
					p.LastTest = sms.CommandOf[Retest](t).Test
					t.Record("test", p.LastTest)
					t.Record("retest_reason", p.RetestReason)
					p.RetestDue, p.RetestReason = time.Time{}, ""
				},
			},
			{
				Trigger: string(TriggerRecordCopy), From: sms.StatesOf(PlanApproved, PlanActive, PlanRetestRequired), Roles: roles, Command: CopyRecord{},
				Requirement: planCite("CON-06", "an off-site copy is of an approved version, not of contents being written"),
				Doc:         "Record an off-site copy of the current version, its digest compared with the version's.",
				Guards: []sms.Guard[*Plan]{
					planGuard("CON-06", "an off-site copy names its location and medium, and was not verified in the future", func(t *planTx) bool {
						c := sms.CommandOf[CopyRecord](t)
						return !sms.Blank(c.Location) && !sms.Blank(c.Medium) && !sms.Micro(c.VerifiedAt).After(t.Now)
					}),
					planGuard("CON-06", "an off-site copy is of the current version: its digest is the version's", func(t *planTx) bool {
						return sms.CommandOf[CopyRecord](t).Digest == t.Entity.Digest()
					}),
				},
				Apply: func(t *planTx) {
					c, p := sms.CommandOf[CopyRecord](t), t.Entity
					at := sms.Micro(c.VerifiedAt)
					if c.VerifiedAt.IsZero() {
						at = t.Now
					}
					p.OffsiteCopies = append(p.OffsiteCopies, OffsiteCopy{Location: c.Location, Medium: c.Medium, Version: p.Version, Digest: c.Digest, VerifiedAt: at})
					t.Record("location", c.Location)
					t.Record("version", strconv.Itoa(p.Version))
					t.Record("digest", c.Digest)
				},
			},
			{
				Trigger: string(TriggerPlanRetire), From: sms.StatesOf(PlanDrafted, PlanApproved, PlanActive, PlanRetestRequired, PlanUnderRevision), To: string(PlanRetired),
				Roles: roles, Command: PlanRetirement{},
				Requirement: planCite("CON-04", "a retired plan is not retired again"),
				Doc:         "Withdraw the plan, with the reason.",
				Guards: []sms.Guard[*Plan]{planGuard("CON-04", "a retirement gives its reason", func(t *planTx) bool {
					return !sms.Blank(sms.CommandOf[PlanRetirement](t).Reason)
				})},
				Apply: func(t *planTx) {
					t.Entity.Reason = sms.CommandOf[PlanRetirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerPlanNote), From: sms.StatesOf(PlanStatuses()...), Roles: roles, Command: PlanNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*Plan]{planGuard("CON-04", "a note has text", func(t *planTx) bool {
					return !sms.Blank(sms.CommandOf[PlanNote](t).Text)
				})},
				Apply: func(t *planTx) { t.Record("text", sms.CommandOf[PlanNote](t).Text) },
			},
		},
	}
}

// PlanWorkflow returns the compiled continuity plan workflow, for
// introspection and documentation.
func PlanWorkflow() *sms.Workflow[*Plan] {
	return sms.MustWorkflow(planDefinition(nil))
}

// Plans runs continuity plans on a store (CON-04 to CON-08): one typed
// method per trigger, each one transition through the pipeline.
type Plans struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Plan, PlanTrigger, PlanCommand]
	m *sms.Machine[*Plan]
}

// NewPlans compiles the continuity plan workflow, with the host's lookup
// of agreed continuity requirements that approval reads (nil: no service
// has any, so no plan is approved), and binds it to the store.
func NewPlans(store sms.Store[*Plan], reqs AgreedRequirements, opts sms.Options) (*Plans, error) {
	m, r, err := sms.Bind[*Plan, PlanTrigger, PlanCommand](planDefinition(reqs), store, opts)
	if err != nil {
		return nil, err
	}
	return &Plans{Records: r, m: m}, nil
}

// Draft drafts a plan (CON-04).
func (s *Plans) Draft(ctx context.Context, a sms.Actor, c PlanDraft) (*Plan, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a draft, or starts the next version of an approved plan
// or one in force.
func (s *Plans) Revise(ctx context.Context, a sms.Actor, id string, c PlanRevision) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanRevise), c)
}

// Approve approves the contents as the next version (CON-05).
func (s *Plans) Approve(ctx context.Context, a sms.Actor, id string, c PlanApproval) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanApprove), c)
}

// Activate puts the approved version in force (CON-04).
func (s *Plans) Activate(ctx context.Context, a sms.Actor, id string, c PlanActivation) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanActivate), c)
}

// RequireRetest requires a retest after a major change (CON-08).
func (s *Plans) RequireRetest(ctx context.Context, a sms.Actor, id string, c RetestRequirement) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRequireRetest), c)
}

// Retested records the passed test that retested the plan (CON-08).
func (s *Plans) Retested(ctx context.Context, a sms.Actor, id string, c Retest) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRetested), c)
}

// RecordCopy records an off-site copy of the current version (CON-06).
func (s *Plans) RecordCopy(ctx context.Context, a sms.Actor, id string, c CopyRecord) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordCopy), c)
}

// Retire withdraws the plan, with the reason.
func (s *Plans) Retire(ctx context.Context, a sms.Actor, id string, c PlanRetirement) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanRetire), c)
}

// Note adds a note.
func (s *Plans) Note(ctx context.Context, a sms.Actor, id string, c PlanNote) (*Plan, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanNote), c)
}

// Do runs any plan command as its typed method does; a [PlanDraft]
// carries its own ID, and id must then be empty.
func (s *Plans) Do(ctx context.Context, a sms.Actor, id string, c PlanCommand) (*Plan, error) {
	return s.m.Do(ctx, a, id, c)
}

// PlanFacts implements [PlanFinder]: what an invocation or a test reads
// of the stored plan, which must verify against its journal.
func (s *Plans) PlanFacts(ctx context.Context, id string) (PlanFacts, error) {
	if err := s.m.Verify(ctx, id); err != nil {
		return PlanFacts{}, err
	}
	p, err := s.m.Get(ctx, id)
	if err != nil {
		return PlanFacts{}, err
	}
	return PlanFacts{Status: string(p.Status), Version: p.Version, Services: slices.Clone(p.Services),
		Authorities: slices.Clone(p.Contents.Authorities), Criteria: p.Contents.InvocationCriteria}, nil
}

// SweepPlan returns the periodic findings of one plan as of a time: a
// plan in force with no off-site copy of its current version
// (OFFSITE_COPY_STALE, CON-06), a retest not made by its due date
// (RETEST_OVERDUE, CON-08: a finding once asOf is after the due time). It
// is a pure function.
func SweepPlan(p *Plan, asOf time.Time) ([]sms.Finding, error) {
	if p == nil {
		return nil, sms.Invalid(PlanKind, "plan", "is nil")
	}
	return planSweep(sms.NewAudit(asOf, PlanRequirements()), p), nil
}

func planSweep(a *sms.Audit, p *Plan) []sms.Finding {
	if !p.InForce() {
		return nil
	}
	var out []sms.Finding
	d := p.Digest()
	if !slices.ContainsFunc(p.OffsiteCopies, func(c OffsiteCopy) bool { return c.Version == p.Version && c.Digest == d }) {
		out = append(out, a.Finding(CodeOffsiteCopyStale, "CON-06", PlanKind, p.ID, "no off-site copy of version "+strconv.Itoa(p.Version)))
	}
	if p.Status == PlanRetestRequired && a.AsOf().After(p.RetestDue) {
		out = append(out, a.Finding(CodeRetestOverdue, "CON-08", PlanKind, p.ID, "retest for "+p.RetestReason+" due "+p.RetestDue.Format(time.RFC3339)))
	}
	return out
}

// MissingPlans returns a CONT_PLAN_MISSING finding (CON-04) for each of
// services, the services the host lists as having agreed continuity
// requirements, that no plan in force of plans covers; the finding's
// entity ID is the service. It is a pure function.
func MissingPlans(plans []*Plan, services []string, asOf time.Time) []sms.Finding {
	covered := map[string]bool{}
	for _, p := range plans {
		if p != nil && p.InForce() {
			for _, s := range p.Services {
				covered[s] = true
			}
		}
	}
	return planMissing(sms.NewAudit(asOf, PlanRequirements()), covered, services)
}

func planMissing(a *sms.Audit, covered map[string]bool, services []string) []sms.Finding {
	var out []sms.Finding
	seen := map[string]bool{}
	for _, s := range services {
		if !covered[s] && !seen[s] {
			seen[s] = true
			out = append(out, a.Finding(CodePlanMissing, "CON-04", PlanKind, s, "service "+strconv.Quote(s)+" has agreed continuity requirements and no plan in force covers it"))
		}
	}
	return out
}

// Sweep returns the periodic findings of the stored plans in force (see
// [SweepPlan]), then CONT_PLAN_MISSING for each of services (those the
// host lists as having agreed continuity requirements) that no plan in
// force covers (see [MissingPlans]). Each plan that does not verify
// against its journal is a [sms.CodeRecordUnverified] finding, listed
// first, and covers nothing.
func (s *Plans) Sweep(ctx context.Context, services []string, asOf time.Time) ([]sms.Finding, error) {
	a := sms.NewAudit(asOf, PlanRequirements())
	covered := map[string]bool{}
	fs, err := sms.SweepStore(ctx, s.m, sms.Query{Status: sms.StatesOf(PlanActive, PlanRetestRequired)}, asOf, func(p *Plan, _ []sms.Entry) []sms.Finding {
		for _, sv := range p.Services {
			covered[sv] = true
		}
		return planSweep(a, p)
	})
	if err != nil {
		return fs, err
	}
	return append(fs, planMissing(a, covered, services)...), nil
}
