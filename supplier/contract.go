package supplier

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/servicelevel"
)

// ContractStatus is a contract's status; the values are persisted.
type ContractStatus string

// Contract statuses.
const (
	ContractDrafted     ContractStatus = "draft"
	ContractActive      ContractStatus = "active"
	ContractUnderReview ContractStatus = "under_review"
	ContractAmending    ContractStatus = "amendment_pending"
	ContractExpired     ContractStatus = "expired"
	ContractTerminated  ContractStatus = "terminated"
)

// ContractStatuses returns every status, in lifecycle order.
func ContractStatuses() []ContractStatus {
	return []ContractStatus{ContractDrafted, ContractActive, ContractUnderReview, ContractAmending, ContractExpired, ContractTerminated}
}

// ContractTrigger names a transition of a contract; the values are
// persisted.
type ContractTrigger string

// Contract triggers.
const (
	TriggerDraftContract     ContractTrigger = "draft"
	TriggerReviseContract    ContractTrigger = "revise"
	TriggerAgree             ContractTrigger = "agree"
	TriggerAssessPerformance ContractTrigger = "assess_performance"
	TriggerReviewContract    ContractTrigger = "review"
	TriggerConcludeReview    ContractTrigger = "conclude_review"
	TriggerProposeAmendment  ContractTrigger = "propose_amendment"
	TriggerAssessImpact      ContractTrigger = "assess_impact"
	TriggerAgreeAmendment    ContractTrigger = "agree_amendment"
	TriggerWithdrawAmendment ContractTrigger = "withdraw_amendment"
	TriggerPlanExit          ContractTrigger = "plan_exit"
	TriggerGiveNotice        ContractTrigger = "give_notice"
	TriggerRenew             ContractTrigger = "renew"
	TriggerExpire            ContractTrigger = "expire"
	TriggerTerminateContract ContractTrigger = "terminate"
	TriggerContractNote      ContractTrigger = "note"
)

// ContractTriggers returns every trigger, the creating one first.
func ContractTriggers() []ContractTrigger {
	return []ContractTrigger{TriggerDraftContract, TriggerReviseContract, TriggerAgree, TriggerAssessPerformance, TriggerReviewContract,
		TriggerConcludeReview, TriggerProposeAmendment, TriggerAssessImpact, TriggerAgreeAmendment, TriggerWithdrawAmendment,
		TriggerPlanExit, TriggerGiveNotice, TriggerRenew, TriggerExpire, TriggerTerminateContract, TriggerContractNote}
}

// ContractRequirements returns the supplier requirements the contract
// workflow enforces: its catalogue.
func ContractRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SUP-01", Clause: "8.3.4.1", Text: "a named person is responsible for each contract"},
		{ID: "SUP-03", Clause: "8.3.4.1", Text: "the contract states the scope, the requirements, the targets or obligations and the responsibilities of both sides, in a referenced document"},
		{ID: "SUP-04", Clause: "8.3.4.1", Text: "the contract's targets are checked for alignment with the SLAs they underpin, and a misalignment is managed as a risk with an owner"},
		{ID: "SUP-05", Clause: "8.3.4.1", Text: "the interfaces with the supplier are defined: process, contact, channel and escalation path"},
		{ID: "SUP-06", Clause: "8.3.4.1", Text: "the supplier's performance is monitored periodically"},
		{ID: "SUP-07", Clause: "8.3.4.1", Text: "where targets or obligations are not met, improvement actions or opportunities are identified"},
		{ID: "SUP-08", Clause: "8.3.4.1", Text: "the contract is reviewed periodically against the current service requirements, with an outcome"},
		{ID: "SUP-09", Clause: "8.3.4.1", Text: "a proposed change to the contract is assessed for its impact on the services and the SMS before it is agreed"},
		{ID: "SUP-13", Clause: "8.3.4.1", Text: "the contract's end, planned or early, and the transfer of its services are planned"},
	}
}

// Interface is one interface with the supplier (SUP-05).
type Interface struct {
	Process        string `json:"process"`
	Contact        string `json:"contact"`
	Channel        string `json:"channel"`
	EscalationPath string `json:"escalation_path"`
}

// Document is where the contract is written: its reference and version.
type Document struct {
	Ref     string `json:"ref"`
	Version string `json:"version"`
}

// Terms is what a contract says (SUP-03, SUP-05): its document, scope,
// requirements, targets (the servicelevel target schema, so that an SLA
// target's underpinning chain reaches a contract) or obligations, the
// responsibilities of each side, the interfaces, and its term.
type Terms struct {
	Document       Document              `json:"document"`
	Scope          []string              `json:"scope"`
	Requirements   []string              `json:"requirements"`
	Targets        []servicelevel.Target `json:"targets,omitempty"`
	Obligations    []string              `json:"obligations,omitempty"`
	OurDuties      []string              `json:"our_duties"`
	SupplierDuties []string              `json:"supplier_duties"`
	Interfaces     []Interface           `json:"interfaces"`
	// Escalation is the escalation path of disputes the contract agrees
	// (SUP-10): some of management, legal and arbitration, in that order;
	// none means all three.
	Escalation []DisputeLevel `json:"escalation,omitempty"`
	Term       Term           `json:"term"`
}

func (t *Terms) clone() Terms { return t.cloneInto(nil, nil, nil) }

// cloneInto copies the terms, their lists into the buffers where they fit.
func (t *Terms) cloneInto(strs []string, targets []servicelevel.Target, ifaces []Interface) Terms {
	c := *t
	cloneStrings(strs, &c.Scope, &c.Requirements, &c.Obligations, &c.OurDuties, &c.SupplierDuties)
	c.Interfaces = sms.CloneInto(ifaces, t.Interfaces)
	c.Escalation = slices.Clone(t.Escalation)
	c.Targets = sms.CloneInto(targets, t.Targets)
	for i := range c.Targets {
		if c.Targets[i].Priorities != nil {
			c.Targets[i].Priorities = slices.Clone(c.Targets[i].Priorities)
		}
		if c.Targets[i].Chain != nil {
			c.Targets[i].Chain = slices.Clone(c.Targets[i].Chain)
		}
	}
	return c
}

// cloneStrings replaces each slice by a copy, all of them in buf when
// they fit and in one allocation otherwise; each copy's capacity is its
// length, so that an append to one never writes into the next.
func cloneStrings(buf []string, ss ...*[]string) {
	n := 0
	for _, s := range ss {
		n += len(*s)
	}
	if n == 0 {
		return
	}
	if n > len(buf) {
		buf = make([]string, 0, n)
	} else {
		buf = buf[:0]
	}
	for _, s := range ss {
		if *s == nil {
			continue
		}
		at := len(buf)
		buf = append(buf, *s...)
		*s = buf[at:len(buf):len(buf)]
	}
}

func (t *Terms) validate() error {
	errs := []error{sms.CheckText(ContractKind, "document.ref", t.Document.Ref, sms.MaxShort), sms.CheckText(ContractKind, "document.version", t.Document.Version, sms.MaxShort),
		sms.CheckTexts(ContractKind, "scope", t.Scope, sms.MaxText), sms.CheckTexts(ContractKind, "requirements", t.Requirements, sms.MaxText),
		sms.CheckTexts(ContractKind, "obligations", t.Obligations, sms.MaxText), sms.CheckTexts(ContractKind, "our_duties", t.OurDuties, sms.MaxText),
		sms.CheckTexts(ContractKind, "supplier_duties", t.SupplierDuties, sms.MaxText)}
	for _, tg := range t.Targets {
		errs = append(errs, sms.CheckText(ContractKind, "targets.metric", tg.Metric, sms.MaxShort), sms.CheckText(ContractKind, "targets.objective", tg.Objective, sms.MaxShort),
			sms.CheckText(ContractKind, "targets.calendar", tg.Calendar, sms.MaxShort))
	}
	for _, i := range t.Interfaces {
		errs = append(errs, sms.CheckText(ContractKind, "interfaces.process", i.Process, sms.MaxShort), sms.CheckText(ContractKind, "interfaces.contact", i.Contact, sms.MaxShort),
			sms.CheckText(ContractKind, "interfaces.channel", i.Channel, sms.MaxShort), sms.CheckText(ContractKind, "interfaces.escalation_path", i.EscalationPath, sms.MaxText))
	}
	for i, l := range t.Escalation {
		if l.rank() < 0 || (i > 0 && l.rank() <= t.Escalation[i-1].rank()) {
			errs = append(errs, sms.Invalid(ContractKind, "escalation", "%q: the levels are management, legal and arbitration, each once, in that order", l))
		}
	}
	if !t.Term.Start.IsZero() {
		errs = append(errs, t.Term.Validate())
	}
	return sms.FirstError(errs...)
}

// Performance is one performance review of the supplier against the
// contract (SUP-06): for each target, whether the period met it, from
// figures the host computed (with servicelevel.PeriodReport, for timed
// targets), and for each one missed the actions or improvement
// opportunities raised (SUP-07).
type Performance struct {
	From    time.Time      `json:"from"`
	To      time.Time      `json:"to"`
	Results []TargetResult `json:"results"`
	At      time.Time      `json:"at"`
}

// TargetResult is one target's or obligation's result over a review
// period.
type TargetResult struct {
	Metric  string   `json:"metric"`
	Met     bool     `json:"met"`
	Figure  string   `json:"figure,omitempty"`
	Actions []string `json:"actions,omitempty"`
}

// Outcome is a contract review's outcome (SUP-08).
type Outcome string

// Review outcomes.
const (
	Continue    Outcome = "continue"
	Amend       Outcome = "amend"
	Renegotiate Outcome = "renegotiate"
	Terminate   Outcome = "terminate"
)

// Alignment is what a review found of the contract's targets against the
// SLAs they underpin (SUP-04): aligned, or misaligned with the risk
// raised and its owner. servicelevel.Align computes it; the host records
// its result here.
type Alignment struct {
	Aligned   bool   `json:"aligned"`
	Risk      string `json:"risk,omitempty"`
	RiskOwner string `json:"risk_owner,omitempty"`
}

// Amendment is a proposed change to the contract (SUP-09): the terms it
// would agree, the impact on the services and on the SMS once assessed,
// and the change record it belongs to, if any.
type Amendment struct {
	Terms      Terms     `json:"terms"`
	Reason     string    `json:"reason"`
	Change     string    `json:"change,omitempty"`
	Services   string    `json:"impact_services,omitempty"`
	SMS        string    `json:"impact_sms,omitempty"`
	AssessedAt time.Time `json:"assessed_at,omitzero"`
}

// ExitPlan is the plan for the contract's end and the transfer of its
// services (SUP-13).
type ExitPlan struct {
	DataReturn string    `json:"data_return"`
	Handover   string    `json:"handover"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// Contract is a contract with a supplier, one version of it: an agreed
// amendment makes the next version (Version counts from 1).
type Contract struct {
	sms.Meta
	Status   ContractStatus `json:"status"`
	Supplier string         `json:"supplier"`
	Title    string         `json:"title"`
	// Owner is the person responsible for the contract (SUP-01).
	Owner string `json:"owner"`
	Terms
	Edition     int           `json:"edition"`
	AgreedAt    time.Time     `json:"agreed_at,omitzero"`
	ReviewedAt  time.Time     `json:"reviewed_at,omitzero"`
	Outcome     Outcome       `json:"outcome,omitempty"`
	Alignment   *Alignment    `json:"alignment,omitempty"`
	Performance []Performance `json:"performance,omitempty"`
	Pending     *Amendment    `json:"pending,omitempty"`
	Exit        *ExitPlan     `json:"exit,omitempty"`
	// NoticeAt is when notice was given to end the contract (a tacit
	// renewal then stops at the end [Term.EndAsOf] gives).
	NoticeAt time.Time        `json:"notice_at,omitzero"`
	Reason   string           `json:"reason,omitempty"`
	Parties  sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Contract) EntityKind() sms.Kind { return ContractKind }

// State implements [sms.Entity].
func (c *Contract) State() string { return string(c.Status) }

// SetState implements [sms.Entity].
func (c *Contract) SetState(s string) { c.Status = ContractStatus(s) }

// Attributes implements [sms.Entity]: the owner, and the supplier as a
// link, so that a supplier's contracts are listed by it.
func (c *Contract) Attributes() sms.Attributes {
	return sms.Attributes{Owner: c.Owner, Links: []sms.Link{{Type: "supplier", ID: c.Supplier}}}
}

// Clone implements [sms.Entity]. The usual contract (a target, an
// interface, a few lines of each text list, an author and an approver)
// copies in one allocation: a transition copies the record twice.
func (c *Contract) Clone() *Contract {
	b := &contractBlock{c: *c}
	d := &b.c
	d.Terms = c.Terms.cloneInto(b.strs[:], b.targets[:], b.ifaces[:])
	d.Performance = slices.Clone(c.Performance)
	for i := range d.Performance {
		d.Performance[i].Results = slices.Clone(d.Performance[i].Results)
	}
	d.Parties = sms.CloneInto(b.parties[:], c.Parties)
	if c.Alignment != nil {
		a := *c.Alignment
		d.Alignment = &a
	}
	if c.Pending != nil {
		p := *c.Pending
		p.Terms = c.Pending.Terms.clone()
		d.Pending = &p
	}
	if c.Exit != nil {
		e := *c.Exit
		d.Exit = &e
	}
	return d
}

// contractBlock holds a contract and room for its usual lists.
type contractBlock struct {
	c       Contract
	strs    [6]string
	targets [1]servicelevel.Target
	ifaces  [1]Interface
	parties [2]sms.Participant
}

// EndAsOf returns the end of the contract in force at asOf, under its
// term and the notice given ([Term.EndAsOf]); false when it has no term.
func (c *Contract) EndAsOf(asOf time.Time) (time.Time, bool) {
	if c.Term.Start.IsZero() {
		return time.Time{}, false
	}
	end, _ := c.Term.EndAsOf(asOf, c.NoticeAt)
	return end, true
}

// InForce reports whether the contract is agreed and not ended.
func (c *Contract) InForce() bool {
	return c.Status == ContractActive || c.Status == ContractUnderReview || c.Status == ContractAmending
}

// Underpinning returns the contract as servicelevel.Align reads an
// underpinning agreement: its ID, its targets, in force while the contract
// is. An SLA target's Chain names it by the contract's ID.
func (c *Contract) Underpinning() *servicelevel.Agreement {
	a := &servicelevel.Agreement{Type: servicelevel.OLA, Title: c.Title, Customer: c.Supplier, Status: servicelevel.StatusTerminated}
	a.ID = c.ID
	if c.InForce() {
		a.Status = servicelevel.StatusActive
	}
	a.Targets = c.Terms.clone().Targets
	return a
}

// incomplete lists what the terms lack that agreement requires.
func (t *Terms) incomplete() []missing {
	var out []missing
	if sms.Blank(t.Document.Ref) || sms.Blank(t.Document.Version) {
		out = append(out, missing{"SUP-03", "no document reference and version"})
	}
	if len(t.Scope) == 0 || len(t.Requirements) == 0 {
		out = append(out, missing{"SUP-03", "no scope or no requirements"})
	}
	if len(t.Targets) == 0 && len(t.Obligations) == 0 {
		out = append(out, missing{"SUP-03", "no targets and no obligations"})
	}
	if len(t.OurDuties) == 0 || len(t.SupplierDuties) == 0 {
		out = append(out, missing{"SUP-03", "the responsibilities of a side are missing"})
	}
	if len(t.Interfaces) == 0 || slices.ContainsFunc(t.Interfaces, func(i Interface) bool {
		return sms.Blank(i.Process) || sms.Blank(i.Contact) || sms.Blank(i.Channel) || sms.Blank(i.EscalationPath)
	}) {
		out = append(out, missing{"SUP-05", "no interface, or one without its process, contact, channel and escalation path"})
	}
	if t.Term.Start.IsZero() {
		out = append(out, missing{"SUP-03", "no term"})
	}
	return out
}

type missing struct{ id, text string }

// ContractCommand is the input of one contract trigger.
type ContractCommand interface {
	sms.Command
	Trigger() ContractTrigger
}

// ContractDraft drafts a contract with a supplier.
type ContractDraft struct {
	ID       string
	Supplier string
	Title    string
	Owner    string
	Terms
}

// ContractRevision replaces a draft's terms (and owner, when given).
type ContractRevision struct {
	Owner string
	Terms
}

// Agreement agrees the contract: it comes into force (SUP-01, SUP-03,
// SUP-05).
type Agreement struct{}

// PerformanceReview records a performance review (SUP-06, SUP-07).
type PerformanceReview struct {
	From, To time.Time
	Results  []TargetResult
}

// ReviewStart opens the periodic contract review (SUP-08).
type ReviewStart struct{}

// ReviewConclusion concludes the contract review with its outcome and the
// alignment of the targets with the SLAs (SUP-04, SUP-08).
type ReviewConclusion struct {
	Outcome   Outcome
	Alignment Alignment
	Notes     string
}

// AmendmentProposal proposes a change to the contract's terms (SUP-09).
type AmendmentProposal struct {
	Terms  Terms
	Reason string
	Change string
}

// ImpactAssessment records the amendment's impact on the services and on
// the SMS (SUP-09).
type ImpactAssessment struct{ Services, SMS string }

// AmendmentAgreement agrees the assessed amendment: the contract's next
// version.
type AmendmentAgreement struct{}

// AmendmentWithdrawal withdraws the pending amendment, with the reason.
type AmendmentWithdrawal struct{ Reason string }

// ExitPlanning records the exit plan (SUP-13).
type ExitPlanning struct{ Plan ExitPlan }

// Notice gives notice to end the contract at the end its term then allows
// (SUP-13).
type Notice struct{}

// Renewal decides an express renewal: one more term ([Term.Renew]).
type RenewalDecision struct{}

// ContractExpiry ends a contract whose term has ended.
type ContractExpiry struct{}

// ContractTermination ends a contract early, with the reason.
type ContractTermination struct{ Reason string }

// ContractNote adds a note.
type ContractNote struct{ Text string }

// Trigger implements [ContractCommand].
func (ContractDraft) Trigger() ContractTrigger       { return TriggerDraftContract }
func (ContractRevision) Trigger() ContractTrigger    { return TriggerReviseContract }
func (Agreement) Trigger() ContractTrigger           { return TriggerAgree }
func (PerformanceReview) Trigger() ContractTrigger   { return TriggerAssessPerformance }
func (ReviewStart) Trigger() ContractTrigger         { return TriggerReviewContract }
func (ReviewConclusion) Trigger() ContractTrigger    { return TriggerConcludeReview }
func (AmendmentProposal) Trigger() ContractTrigger   { return TriggerProposeAmendment }
func (ImpactAssessment) Trigger() ContractTrigger    { return TriggerAssessImpact }
func (AmendmentAgreement) Trigger() ContractTrigger  { return TriggerAgreeAmendment }
func (AmendmentWithdrawal) Trigger() ContractTrigger { return TriggerWithdrawAmendment }
func (ExitPlanning) Trigger() ContractTrigger        { return TriggerPlanExit }
func (Notice) Trigger() ContractTrigger              { return TriggerGiveNotice }
func (RenewalDecision) Trigger() ContractTrigger     { return TriggerRenew }
func (ContractExpiry) Trigger() ContractTrigger      { return TriggerExpire }
func (ContractTermination) Trigger() ContractTrigger { return TriggerTerminateContract }
func (ContractNote) Trigger() ContractTrigger        { return TriggerContractNote }

// Validate implements [sms.Command].
func (c ContractDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(ContractKind, "id", c.ID), sms.CheckRef(ContractKind, "supplier", c.Supplier), sms.CheckText(ContractKind, "title", c.Title, sms.MaxShort),
		sms.CheckRef(ContractKind, "owner", c.Owner), c.Terms.validate())
}
func (c ContractRevision) Validate() error {
	return sms.FirstError(sms.CheckRef(ContractKind, "owner", c.Owner), c.Terms.validate())
}
func (Agreement) Validate() error { return nil }
func (c PerformanceReview) Validate() error {
	if c.From.IsZero() || !c.To.After(c.From) {
		return sms.Invalid(ContractKind, "period", "[%s, %s) is not a period", c.From, c.To)
	}
	for _, r := range c.Results {
		if err := sms.FirstError(sms.CheckText(ContractKind, "results.metric", r.Metric, sms.MaxShort), sms.CheckText(ContractKind, "results.figure", r.Figure, sms.MaxShort),
			sms.CheckTexts(ContractKind, "results.actions", r.Actions, sms.MaxText)); err != nil {
			return err
		}
	}
	return nil
}
func (ReviewStart) Validate() error { return nil }
func (c ReviewConclusion) Validate() error {
	switch c.Outcome {
	case Continue, Amend, Renegotiate, Terminate:
	default:
		return sms.Invalid(ContractKind, "outcome", "%q is not continue, amend, renegotiate or terminate", c.Outcome)
	}
	return sms.FirstError(sms.CheckText(ContractKind, "alignment.risk", c.Alignment.Risk, sms.MaxText), sms.CheckRef(ContractKind, "alignment.risk_owner", c.Alignment.RiskOwner),
		sms.CheckText(ContractKind, "notes", c.Notes, sms.MaxText))
}
func (c AmendmentProposal) Validate() error {
	return sms.FirstError(c.Terms.validate(), sms.CheckText(ContractKind, "reason", c.Reason, sms.MaxText), sms.CheckRef(ContractKind, "change", c.Change))
}
func (c ImpactAssessment) Validate() error {
	return sms.FirstError(sms.CheckText(ContractKind, "services", c.Services, sms.MaxText), sms.CheckText(ContractKind, "sms", c.SMS, sms.MaxText))
}
func (AmendmentAgreement) Validate() error { return nil }
func (c AmendmentWithdrawal) Validate() error {
	return sms.CheckText(ContractKind, "reason", c.Reason, sms.MaxText)
}
func (c ExitPlanning) Validate() error {
	return sms.FirstError(sms.CheckText(ContractKind, "data_return", c.Plan.DataReturn, sms.MaxText), sms.CheckText(ContractKind, "handover", c.Plan.Handover, sms.MaxText))
}
func (ContractExpiry) Validate() error  { return nil }
func (Notice) Validate() error          { return nil }
func (RenewalDecision) Validate() error { return nil }
func (c ContractTermination) Validate() error {
	return sms.CheckText(ContractKind, "reason", c.Reason, sms.MaxText)
}
func (c ContractNote) Validate() error {
	return sms.CheckText(ContractKind, "text", c.Text, sms.MaxText)
}

// Changes is the host's change lookup for amendments that belong to a
// change record: whether change id is authorized (SUP-09).
type Changes interface {
	Authorized(ctx context.Context, id string) (bool, error)
}

type ctrTx = sms.Transition[*Contract]

func cguard(id, text string, check func(*ctrTx) bool) sms.Guard[*Contract] {
	return sms.Guard[*Contract]{Requirement: sms.Requirement{ID: id, Text: text}, Check: check}
}

// authorized is what agree_amendment's Prepare learnt from the change
// lookup.
type authorized struct{ ok bool }

func setTerms(t *ctrTx, terms Terms) {
	c := t.Entity
	c.Terms = terms.clone()
	c.Term.Start = sms.Micro(c.Term.Start)
	t.Record("document", terms.Document.Ref+" "+terms.Document.Version)
	for _, s := range terms.Scope {
		t.Record("scope", s)
	}
}

func contractDefinition(changes Changes) sms.Definition[*Contract] {
	roles := []sms.Role{RoleSupplierManager}
	live := sms.StatesOf(ContractActive, ContractUnderReview, ContractAmending)
	return sms.Definition[*Contract]{
		Kind: ContractKind, States: sms.StatesOf(ContractStatuses()...), Terminal: sms.StatesOf(ContractExpired, ContractTerminated),
		New: func() *Contract { return &Contract{} }, Catalogue: ContractRequirements(),
		Rules: []sms.Rule[*Contract]{
			{
				Trigger: string(TriggerDraftContract), To: string(ContractDrafted), Roles: roles, Command: ContractDraft{},
				Doc: "Draft a contract with a supplier.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-01", "a contract names its supplier and the person responsible for it", func(t *ctrTx) bool {
					c := sms.CommandOf[ContractDraft](t)
					return c.Supplier != "" && c.Owner != ""
				})},
				Apply: func(t *ctrTx) {
					d, c := sms.CommandOf[ContractDraft](t), t.Entity
					c.ID, c.Supplier, c.Title, c.Owner, c.Edition = d.ID, d.Supplier, d.Title, d.Owner, 1
					c.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					t.Record("supplier", d.Supplier)
					t.Record("owner", d.Owner)
					setTerms(t, d.Terms)
				},
			},
			{
				Trigger: string(TriggerReviseContract), From: sms.StatesOf(ContractDrafted), Roles: roles, Command: ContractRevision{},
				Requirement: sms.Requirement{ID: "SUP-09", Text: "only a draft is revised; an agreed contract changes by an assessed amendment"},
				Doc:         "Revise a draft's terms.",
				Apply: func(t *ctrTx) {
					r := sms.CommandOf[ContractRevision](t)
					if r.Owner != "" {
						t.RecordChange("owner", t.Entity.Owner, r.Owner)
						t.Entity.Owner = r.Owner
					}
					setTerms(t, r.Terms)
				},
			},
			{
				Trigger: string(TriggerAgree), From: sms.StatesOf(ContractDrafted), To: string(ContractActive), Roles: roles, Command: Agreement{},
				Requirement: sms.Requirement{ID: "SUP-03", Text: "only a draft is agreed"},
				Doc:         "Agree the contract: it comes into force.",
				Guards: []sms.Guard[*Contract]{
					cguard("SUP-01", "the contract names the person responsible for it", func(t *ctrTx) bool { return !sms.Blank(t.Entity.Owner) }),
					cguard("SUP-03", "the contract states its document, scope, requirements, targets or obligations, both sides' responsibilities and its term", func(t *ctrTx) bool {
						return !slices.ContainsFunc(t.Entity.incomplete(), func(m missing) bool { return m.id == "SUP-03" })
					}),
					cguard("SUP-05", "the interfaces with the supplier are defined: process, contact, channel and escalation path", func(t *ctrTx) bool {
						return !slices.ContainsFunc(t.Entity.incomplete(), func(m missing) bool { return m.id == "SUP-05" })
					}),
				},
				Apply: func(t *ctrTx) { t.Entity.AgreedAt = t.Now },
			},
			{
				Trigger: string(TriggerAssessPerformance), From: live, Roles: roles, Command: PerformanceReview{},
				Requirement: sms.Requirement{ID: "SUP-06", Text: "the performance under a contract in force is reviewed"},
				Doc:         "Record a performance review: each target's result, and the actions for each one missed.",
				Guards: []sms.Guard[*Contract]{
					cguard("SUP-06", "a performance review gives a result for every target and obligation of the contract, over a period that has ended", func(t *ctrTx) bool {
						r, c := sms.CommandOf[PerformanceReview](t), t.Entity
						if r.To.After(t.Now) {
							return false
						}
						for _, m := range c.metrics() {
							if !slices.ContainsFunc(r.Results, func(x TargetResult) bool { return x.Metric == m }) {
								return false
							}
						}
						return len(r.Results) > 0
					}),
					cguard("SUP-07", "every target or obligation missed names the actions or improvement opportunities raised", func(t *ctrTx) bool {
						return !slices.ContainsFunc(sms.CommandOf[PerformanceReview](t).Results, func(x TargetResult) bool { return !x.Met && len(x.Actions) == 0 })
					}),
				},
				Apply: func(t *ctrTx) {
					r := sms.CommandOf[PerformanceReview](t)
					p := Performance{From: sms.Micro(r.From), To: sms.Micro(r.To), Results: slices.Clone(r.Results), At: t.Now}
					for i := range p.Results {
						p.Results[i].Actions = slices.Clone(p.Results[i].Actions)
						if !p.Results[i].Met {
							t.Record("missed", p.Results[i].Metric)
						}
					}
					t.Entity.Performance = append(t.Entity.Performance, p)
					t.RecordTime("period_from", p.From)
					t.RecordTime("period_to", p.To)
				},
			},
			{
				Trigger: string(TriggerReviewContract), From: sms.StatesOf(ContractActive), To: string(ContractUnderReview), Roles: roles, Command: ReviewStart{},
				Requirement: sms.Requirement{ID: "SUP-08", Text: "a contract in force, with no amendment pending, is reviewed"},
				Doc:         "Open the periodic contract review.",
				Apply:       func(*ctrTx) {},
			},
			{
				Trigger: string(TriggerConcludeReview), From: sms.StatesOf(ContractUnderReview), To: string(ContractActive), Roles: roles, Command: ReviewConclusion{},
				Requirement: sms.Requirement{ID: "SUP-08", Text: "only a contract under review is concluded"},
				Doc:         "Conclude the review with its outcome and the alignment with the SLAs.",
				Guards: []sms.Guard[*Contract]{
					cguard("SUP-04", "a misalignment with the SLAs is recorded as a risk with its owner", func(t *ctrTx) bool {
						a := sms.CommandOf[ReviewConclusion](t).Alignment
						return a.Aligned || (!sms.Blank(a.Risk) && a.RiskOwner != "")
					}),
				},
				Apply: func(t *ctrTx) {
					r, c := sms.CommandOf[ReviewConclusion](t), t.Entity
					c.Outcome, c.ReviewedAt = r.Outcome, t.Now
					al := r.Alignment
					c.Alignment = &al
					t.Record("outcome", string(r.Outcome))
					if !al.Aligned {
						t.Record("risk", al.Risk)
						t.Record("risk_owner", al.RiskOwner)
					}
					if r.Notes != "" {
						t.Record("notes", r.Notes)
					}
				},
			},
			{
				Trigger: string(TriggerProposeAmendment), From: sms.StatesOf(ContractActive), To: string(ContractAmending), Roles: roles, Command: AmendmentProposal{},
				Requirement: sms.Requirement{ID: "SUP-09", Text: "an amendment is proposed to a contract in force, not under review, with none pending"},
				Doc:         "Propose an amendment.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-09", "an amendment gives its reason", func(t *ctrTx) bool {
					return !sms.Blank(sms.CommandOf[AmendmentProposal](t).Reason)
				})},
				Apply: func(t *ctrTx) {
					p := sms.CommandOf[AmendmentProposal](t)
					t.Entity.Pending = &Amendment{Terms: p.Terms.clone(), Reason: p.Reason, Change: p.Change}
					t.Record("reason", p.Reason)
					if p.Change != "" {
						t.Record("change", p.Change)
					}
				},
			},
			{
				Trigger: string(TriggerAssessImpact), From: sms.StatesOf(ContractAmending), Roles: roles, Command: ImpactAssessment{},
				Requirement: sms.Requirement{ID: "SUP-09", Text: "only a pending amendment is assessed"},
				Doc:         "Record the amendment's impact on the services and the SMS.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-09", "the assessment states the impact on the services and on the SMS", func(t *ctrTx) bool {
					a := sms.CommandOf[ImpactAssessment](t)
					return !sms.Blank(a.Services) && !sms.Blank(a.SMS)
				})},
				Apply: func(t *ctrTx) {
					a, p := sms.CommandOf[ImpactAssessment](t), t.Entity.Pending
					if p == nil {
						p = &Amendment{}
						t.Entity.Pending = p
					}
					p.Services, p.SMS, p.AssessedAt = a.Services, a.SMS, t.Now
					t.Record("impact_services", a.Services)
					t.Record("impact_sms", a.SMS)
				},
			},
			{
				Trigger: string(TriggerAgreeAmendment), From: sms.StatesOf(ContractAmending), To: string(ContractActive), Roles: roles, Command: AmendmentAgreement{},
				Requirement: sms.Requirement{ID: "SUP-09", Text: "only a pending amendment is agreed"},
				Doc:         "Agree the assessed amendment: the contract's next version.",
				Prepare: func(ctx context.Context, t *ctrTx) error {
					au := &authorized{}
					if p := t.Entity.Pending; p != nil && p.Change != "" && changes != nil {
						ok, err := changes.Authorized(ctx, p.Change)
						if err != nil {
							return err
						}
						au.ok = ok
					}
					t.Prepared = au
					return nil
				},
				Guards: []sms.Guard[*Contract]{
					{Requirement: sms.Requirement{ID: "SUP-09", Text: "an amendment is agreed only once its impact on the services and the SMS was assessed"}, RecordOnly: true,
						Check: func(t *ctrTx) bool { p := t.Entity.Pending; return p != nil && !p.AssessedAt.IsZero() }},
					{Requirement: sms.Requirement{ID: "SUP-09", Text: "an amendment that belongs to a change is agreed only once the change is authorized"}, RecordOnly: true,
						Check: func(t *ctrTx) bool {
							p := t.Entity.Pending
							au, _ := t.Prepared.(*authorized)
							return p == nil || p.Change == "" || (au != nil && au.ok)
						}},
					{Requirement: sms.Requirement{ID: "SUP-03", Text: "the amended contract still states everything agreement requires"}, RecordOnly: true,
						Check: func(t *ctrTx) bool { p := t.Entity.Pending; return p != nil && len(p.Terms.incomplete()) == 0 }},
				},
				Apply: func(t *ctrTx) {
					c := t.Entity
					setTerms(t, c.Pending.Terms)
					c.Pending, c.AgreedAt = nil, t.Now
					c.Edition++
					t.Record("edition", strconv.Itoa(c.Edition))
				},
			},
			{
				Trigger: string(TriggerWithdrawAmendment), From: sms.StatesOf(ContractAmending), To: string(ContractActive), Roles: roles, Command: AmendmentWithdrawal{},
				Requirement: sms.Requirement{ID: "SUP-09", Text: "only a pending amendment is withdrawn"},
				Doc:         "Withdraw the pending amendment, with the reason.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-09", "a withdrawal gives its reason", func(t *ctrTx) bool {
					return !sms.Blank(sms.CommandOf[AmendmentWithdrawal](t).Reason)
				})},
				Apply: func(t *ctrTx) {
					t.Entity.Pending = nil
					t.SetReason(sms.CommandOf[AmendmentWithdrawal](t).Reason)
				},
			},
			{
				Trigger: string(TriggerPlanExit), From: live, Roles: roles, Command: ExitPlanning{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "the exit of a contract in force is planned"},
				Doc:         "Record the exit plan: data return, handover and dates.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-13", "an exit plan states the return of data, the handover and its dates", func(t *ctrTx) bool {
					p := sms.CommandOf[ExitPlanning](t).Plan
					return !sms.Blank(p.DataReturn) && !sms.Blank(p.Handover) && !p.From.IsZero() && p.To.After(p.From)
				})},
				Apply: func(t *ctrTx) {
					p := sms.CommandOf[ExitPlanning](t).Plan
					p.From, p.To = sms.Micro(p.From), sms.Micro(p.To)
					t.Entity.Exit = &p
					t.RecordTime("exit_from", p.From)
					t.RecordTime("exit_to", p.To)
				},
			},
			{
				Trigger: string(TriggerGiveNotice), From: live, Roles: roles, Command: Notice{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "notice is given on a contract in force"},
				Doc:         "Give notice: the contract ends at the end its term then allows.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-13", "notice is given once, on a contract with a term that renews", func(t *ctrTx) bool {
					c := t.Entity
					return c.NoticeAt.IsZero() && !c.Term.Start.IsZero() && c.Term.Renewal == RenewTacit
				})},
				Apply: func(t *ctrTx) {
					t.Entity.NoticeAt = t.Now
					end, _ := t.Entity.EndAsOf(t.Now)
					t.RecordTime("ends", end)
				},
			},
			{
				Trigger: string(TriggerRenew), From: live, Roles: roles, Command: RenewalDecision{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "a contract in force is renewed"},
				Doc:         "Decide an express renewal: one more term.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-13", "an express renewal is decided before its decision date", func(t *ctrTx) bool {
					_, err := t.Entity.Term.Renew(t.Now)
					return !t.Entity.Term.Start.IsZero() && err == nil
				})},
				Apply: func(t *ctrTx) {
					t.Entity.Term, _ = t.Entity.Term.Renew(t.Now)
					end, _ := t.Entity.EndAsOf(t.Now)
					t.RecordTime("ends", end)
				},
			},
			{
				Trigger: string(TriggerExpire), From: sms.StatesOf(ContractActive, ContractUnderReview), To: string(ContractExpired), Roles: roles, Command: ContractExpiry{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "only a contract in force, with no amendment pending, expires"},
				Doc:         "End a contract whose term has ended.",
				Guards: []sms.Guard[*Contract]{
					cguard("SUP-13", "a contract expires at the end of its term, not before", func(t *ctrTx) bool {
						end, ok := t.Entity.EndAsOf(t.Now)
						return ok && !t.Now.Before(end)
					}),
					cguard("SUP-13", "the exit was planned before the contract ends", func(t *ctrTx) bool { return t.Entity.Exit != nil }),
				},
				Apply: func(*ctrTx) {},
			},
			{
				Trigger: string(TriggerTerminateContract), From: sms.StatesOf(ContractDrafted, ContractActive, ContractUnderReview, ContractAmending), To: string(ContractTerminated),
				Roles: roles, Command: ContractTermination{},
				Requirement: sms.Requirement{ID: "SUP-13", Text: "a contract already ended is not terminated"},
				Doc:         "End a contract early, with the reason; one in force only with its exit planned.",
				Guards: []sms.Guard[*Contract]{
					cguard("SUP-13", "a termination gives its reason", func(t *ctrTx) bool { return !sms.Blank(sms.CommandOf[ContractTermination](t).Reason) }),
					cguard("SUP-13", "a contract in force is terminated only with its exit planned", func(t *ctrTx) bool {
						return t.Entity.Status == ContractDrafted || t.Entity.Exit != nil
					}),
				},
				Apply: func(t *ctrTx) {
					t.Entity.Reason = sms.CommandOf[ContractTermination](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerContractNote), From: sms.StatesOf(ContractStatuses()...), Roles: roles, Command: ContractNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*Contract]{cguard("SUP-06", "a note has text", func(t *ctrTx) bool {
					return !sms.Blank(sms.CommandOf[ContractNote](t).Text)
				})},
				Apply: func(t *ctrTx) { t.Record("text", sms.CommandOf[ContractNote](t).Text) },
			},
		},
	}
}

// metrics lists the targets' metrics and the obligations a performance
// review reports on.
func (c *Contract) metrics() []string {
	var out []string
	for _, t := range c.Targets {
		out = append(out, t.Metric)
	}
	return append(out, c.Obligations...)
}

// ContractWorkflow returns the compiled contract workflow, for
// introspection and documentation.
func ContractWorkflow() *sms.Workflow[*Contract] {
	return sms.MustWorkflow(contractDefinition(nil))
}

// Contracts runs contracts on a store: one typed method per trigger, each
// one transition through the pipeline.
type Contracts struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Contract, ContractTrigger, ContractCommand]
	m *sms.Machine[*Contract]
}

// NewContracts compiles the contract workflow, with the host's change
// lookup for amendments that belong to a change (nil: no change is
// authorized), and binds it to the store.
func NewContracts(store sms.Store[*Contract], changes Changes, opts sms.Options) (*Contracts, error) {
	m, r, err := sms.Bind[*Contract, ContractTrigger, ContractCommand](contractDefinition(changes), store, opts)
	if err != nil {
		return nil, err
	}
	return &Contracts{Records: r, m: m}, nil
}

// Draft drafts a contract (SUP-01).
func (s *Contracts) Draft(ctx context.Context, a sms.Actor, c ContractDraft) (*Contract, error) {
	return s.m.Create(ctx, a, c)
}

// Do runs any contract command; a [ContractDraft] carries its own ID, and
// id must then be empty. Each trigger is one transition; the commands'
// names say what they do.
func (s *Contracts) Do(ctx context.Context, a sms.Actor, id string, c ContractCommand) (*Contract, error) {
	return s.m.Do(ctx, a, id, c)
}

// Agree agrees a draft (SUP-01, SUP-03, SUP-05).
func (s *Contracts) Agree(ctx context.Context, a sms.Actor, id string) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAgree), Agreement{})
}

// Revise revises a draft's terms.
func (s *Contracts) Revise(ctx context.Context, a sms.Actor, id string, c ContractRevision) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReviseContract), c)
}

// AssessPerformance records a performance review (SUP-06, SUP-07).
func (s *Contracts) AssessPerformance(ctx context.Context, a sms.Actor, id string, c PerformanceReview) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssessPerformance), c)
}

// Review opens the contract review (SUP-08).
func (s *Contracts) Review(ctx context.Context, a sms.Actor, id string, c ReviewStart) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReviewContract), c)
}

// ConcludeReview concludes the review with its outcome and the alignment (SUP-04, SUP-08).
func (s *Contracts) ConcludeReview(ctx context.Context, a sms.Actor, id string, c ReviewConclusion) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerConcludeReview), c)
}

// ProposeAmendment proposes an amendment (SUP-09).
func (s *Contracts) ProposeAmendment(ctx context.Context, a sms.Actor, id string, c AmendmentProposal) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProposeAmendment), c)
}

// AssessImpact records the amendment's impact (SUP-09).
func (s *Contracts) AssessImpact(ctx context.Context, a sms.Actor, id string, c ImpactAssessment) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAssessImpact), c)
}

// AgreeAmendment agrees the assessed amendment: the next version (SUP-09).
func (s *Contracts) AgreeAmendment(ctx context.Context, a sms.Actor, id string, c AmendmentAgreement) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAgreeAmendment), c)
}

// WithdrawAmendment withdraws the pending amendment.
func (s *Contracts) WithdrawAmendment(ctx context.Context, a sms.Actor, id string, c AmendmentWithdrawal) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerWithdrawAmendment), c)
}

// PlanExit records the exit plan (SUP-13).
func (s *Contracts) PlanExit(ctx context.Context, a sms.Actor, id string, c ExitPlanning) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPlanExit), c)
}

// GiveNotice gives notice to end the contract (SUP-13).
func (s *Contracts) GiveNotice(ctx context.Context, a sms.Actor, id string, c Notice) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerGiveNotice), c)
}

// Renew decides an express renewal.
func (s *Contracts) Renew(ctx context.Context, a sms.Actor, id string, c RenewalDecision) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRenew), c)
}

// Expire ends a contract whose term has ended (SUP-13).
func (s *Contracts) Expire(ctx context.Context, a sms.Actor, id string, c ContractExpiry) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerExpire), c)
}

// Terminate ends a contract early, with the reason (SUP-13).
func (s *Contracts) Terminate(ctx context.Context, a sms.Actor, id string, c ContractTermination) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerTerminateContract), c)
}

// AddNote adds a note.
func (s *Contracts) AddNote(ctx context.Context, a sms.Actor, id string, c ContractNote) (*Contract, error) {
	return s.m.Fire(ctx, a, id, string(TriggerContractNote), c)
}

// Contract implements [DisputeContracts] on the stored contracts: a
// dispute is raised under a contract of its supplier and escalates up the
// contract's path. An unknown contract is a [*sms.NotFoundError].
func (s *Contracts) Contract(ctx context.Context, id string) (DisputeContract, error) {
	c, err := s.m.Get(ctx, id)
	if err != nil {
		return DisputeContract{}, err
	}
	return DisputeContract{Supplier: c.Supplier, Levels: slices.Clone(c.Escalation)}, nil
}

// InForce reports whether a contract with the supplier is in force: the
// lookup a supplier's activation asks ([NewSuppliers]).
func (s *Contracts) InForce(ctx context.Context, supplier string) (bool, error) {
	found := false
	err := s.OfSupplier(ctx, supplier, func(c *Contract) bool {
		found = c.InForce() && c.Supplier == supplier
		return !found
	})
	return found, err
}

// OfSupplier calls fn with every contract of the supplier, until fn
// returns false.
func (s *Contracts) OfSupplier(ctx context.Context, supplier string, fn func(*Contract) bool) error {
	return s.m.Each(ctx, sms.Query{Link: sms.Link{Type: "supplier", ID: supplier}}, fn)
}
