package supplier

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// DisputeStatus is a dispute's status; the values are persisted.
type DisputeStatus string

// Dispute statuses.
const (
	DisputeRaised        DisputeStatus = "raised"              // recorded, not yet owned
	DisputeInvestigating DisputeStatus = "investigating"       // an owner investigates it
	DisputeEscalated     DisputeStatus = "escalated"           // taken to a level of the contract's escalation path
	DisputeProposed      DisputeStatus = "resolution_proposed" // a resolution is proposed, awaiting both parties' acceptance
	DisputeResolved      DisputeStatus = "resolved"            // both parties accepted the resolution
	DisputeClosed        DisputeStatus = "closed"              // closed with its follow-up actions created
	DisputeWithdrawn     DisputeStatus = "withdrawn"           // withdrawn, with the reason
)

// DisputeStatuses returns every status, in lifecycle order.
func DisputeStatuses() []DisputeStatus {
	return []DisputeStatus{DisputeRaised, DisputeInvestigating, DisputeEscalated, DisputeProposed, DisputeResolved, DisputeClosed, DisputeWithdrawn}
}

// DisputeOpen returns the statuses of a dispute not yet closed or
// withdrawn: those it may be withdrawn, noted and found stale from.
func DisputeOpen() []DisputeStatus {
	return []DisputeStatus{DisputeRaised, DisputeInvestigating, DisputeEscalated, DisputeProposed, DisputeResolved}
}

// DisputeTrigger names a transition of a dispute; the values are
// persisted.
type DisputeTrigger string

// Dispute triggers.
const (
	TriggerRaiseDispute       DisputeTrigger = "raise"
	TriggerInvestigateDispute DisputeTrigger = "investigate"
	TriggerEscalateDispute    DisputeTrigger = "escalate"
	TriggerProposeResolution  DisputeTrigger = "propose_resolution"
	TriggerAcceptResolution   DisputeTrigger = "accept_resolution"
	TriggerResolveDispute     DisputeTrigger = "resolve"
	TriggerCloseDispute       DisputeTrigger = "close"
	TriggerWithdrawDispute    DisputeTrigger = "withdraw"
	TriggerDisputeNote        DisputeTrigger = "note"
)

// DisputeTriggers returns every trigger, the creating one first.
func DisputeTriggers() []DisputeTrigger {
	return []DisputeTrigger{TriggerRaiseDispute, TriggerInvestigateDispute, TriggerEscalateDispute, TriggerProposeResolution,
		TriggerAcceptResolution, TriggerResolveDispute, TriggerCloseDispute, TriggerWithdrawDispute, TriggerDisputeNote}
}

// DisputeRequirements returns the supplier requirement the dispute
// workflow enforces: its catalogue.
func DisputeRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SUP-10", Clause: "8.3.4.1", Text: "disputes with a supplier are recorded and managed through to closure"},
	}
}

// DisputeLevel is a level of a contract's escalation path for disputes;
// the values are persisted.
type DisputeLevel string

// Escalation levels, lowest first.
const (
	LevelManagement  DisputeLevel = "management"
	LevelLegal       DisputeLevel = "legal"
	LevelArbitration DisputeLevel = "arbitration"
)

// DisputeLevels returns every escalation level, lowest first.
func DisputeLevels() []DisputeLevel {
	return []DisputeLevel{LevelManagement, LevelLegal, LevelArbitration}
}

// rank orders the levels: -1 for none (not escalated), -2 for a value
// that is not a level.
func (l DisputeLevel) rank() int {
	switch l {
	case "":
		return -1
	case LevelManagement:
		return 0
	case LevelLegal:
		return 1
	case LevelArbitration:
		return 2
	}
	return -2
}

// DisputeSide is a party to a dispute whose acceptance of the resolution
// is recorded; the values are persisted.
type DisputeSide string

// Dispute sides.
const (
	// DisputeSideOrganisation is the organisation, accepting by a person
	// with [RoleSupplierManager].
	DisputeSideOrganisation DisputeSide = "organisation"
	// DisputeSideSupplier is the supplier, accepting by a person with
	// [RoleSupplierContact].
	DisputeSideSupplier DisputeSide = "supplier"
)

// role returns the role a side accepts by.
func (s DisputeSide) role() sms.Role {
	if s == DisputeSideSupplier {
		return RoleSupplierContact
	}
	return RoleSupplierManager
}

// DisputeAcceptance is one party's acceptance of the proposed resolution:
// the side, the person who accepted (the acting actor of the
// accept_resolution transition, as the journal records it, never a name
// typed into a command) and when.
type DisputeAcceptance struct {
	Side   DisputeSide `json:"side"`
	Person string      `json:"person"`
	At     time.Time   `json:"at"`
}

// DisputeContract is what the host's [DisputeContracts] lookup says of a
// contract: the supplier it is with, and the escalation levels it defines
// for disputes (none: every level of [DisputeLevels]).
type DisputeContract struct {
	Supplier string
	Levels   []DisputeLevel
}

// DisputeContracts is the host's contract lookup for disputes. Contract
// returns the contract id, or an error matching [sms.ErrNotFound] (a
// [*sms.NotFoundError]) for a contract it does not know: the raise is then
// refused (SUP-10); any other error ends the raise with that error.
type DisputeContracts interface {
	Contract(ctx context.Context, id string) (DisputeContract, error)
}

// Dispute is a dispute with a supplier under a contract (SUP-10), from
// its raising to its closure or withdrawal.
type Dispute struct {
	sms.Meta
	Status   DisputeStatus `json:"status"`
	Supplier string        `json:"supplier"`
	Contract string        `json:"contract"`
	Subject  string        `json:"subject"`
	// Amount is the amount in dispute, as written ("EUR 12,400.00"), and
	// Impact the impact statement; a dispute states at least one.
	Amount string `json:"amount,omitempty"`
	Impact string `json:"impact,omitempty"`
	// Levels are the escalation levels the contract defined when the
	// dispute was raised, lowest first; Level is the one reached.
	Levels []DisputeLevel `json:"levels"`
	Level  DisputeLevel   `json:"level,omitempty"`
	// Owner is the person who manages the dispute.
	Owner string `json:"owner,omitempty"`
	// Proposal is the resolution proposed, ProposedAt when; Acceptances the
	// parties' acceptances of it, withdrawn by a new proposal or an
	// escalation.
	Proposal    string              `json:"proposal,omitempty"`
	ProposedAt  time.Time           `json:"proposed_at,omitzero"`
	Acceptances []DisputeAcceptance `json:"acceptances,omitempty"`
	// Resolution is the proposal both parties accepted, ResolvedAt when it
	// was recorded resolved.
	Resolution string    `json:"resolution,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Actions are the follow-up actions created on closure (a credit note,
	// a contract amendment).
	Actions []string `json:"actions,omitempty"`
	// Reason is why the dispute was withdrawn.
	Reason  string           `json:"reason,omitempty"`
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Dispute) EntityKind() sms.Kind { return DisputeKind }

// State implements [sms.Entity].
func (d *Dispute) State() string { return string(d.Status) }

// SetState implements [sms.Entity].
func (d *Dispute) SetState(s string) { d.Status = DisputeStatus(s) }

// Attributes implements [sms.Entity]: the owner, and the supplier and the
// contract as links, so that a supplier's or a contract's disputes are
// listed by them.
func (d *Dispute) Attributes() sms.Attributes {
	at := sms.Attributes{Owner: d.Owner}
	for _, l := range []sms.Link{{Type: "supplier", ID: d.Supplier}, {Type: "contract", ID: d.Contract}} {
		if l.ID != "" {
			at.Links = append(at.Links, l)
		}
	}
	return at
}

// Clone implements [sms.Entity].
func (d *Dispute) Clone() *Dispute {
	c := *d
	c.Levels, c.Acceptances, c.Actions, c.Parties = slices.Clone(d.Levels), slices.Clone(d.Acceptances), slices.Clone(d.Actions), slices.Clone(d.Parties)
	return &c
}

// Open reports whether the dispute is neither closed nor withdrawn.
func (d *Dispute) Open() bool { return slices.Contains(DisputeOpen(), d.Status) }

// Accepted returns who accepted the current proposal for the side, and
// whether that side accepted it.
func (d *Dispute) Accepted(side DisputeSide) (string, bool) {
	for _, a := range d.Acceptances {
		if a.Side == side {
			return a.Person, true
		}
	}
	return "", false
}

// bothAccepted reports whether both sides accepted, by two people.
func (d *Dispute) bothAccepted() bool {
	o, ok1 := d.Accepted(DisputeSideOrganisation)
	s, ok2 := d.Accepted(DisputeSideSupplier)
	return ok1 && ok2 && o != s
}

// nextLevel returns the level an escalation asking for level (empty: the
// next one up) leads to, and whether it is allowed: higher than the
// current level and one the contract defines.
func (d *Dispute) nextLevel(level DisputeLevel) (DisputeLevel, bool) {
	cur := d.Level.rank()
	if level != "" {
		return level, level.rank() > cur && slices.Contains(d.Levels, level)
	}
	for _, l := range d.Levels {
		if l.rank() > cur {
			return l, true
		}
	}
	return "", false
}

// DisputeCommand is the input of one dispute trigger.
type DisputeCommand interface {
	sms.Command
	Trigger() DisputeTrigger
}

// DisputeRaise raises a dispute with a supplier under one of its
// contracts: its subject and the amount in dispute or its impact. The
// actor who raises it is recorded as its raiser.
type DisputeRaise struct {
	ID       string
	Supplier string
	Contract string
	Subject  string
	Amount   string
	Impact   string
}

// DisputeInvestigation assigns the dispute's owner, who investigates it.
type DisputeInvestigation struct{ Owner string }

// DisputeEscalation escalates the dispute to Level, which must be higher
// than the current level and one the contract defines; an empty Level is
// the next level up that the contract defines. From resolution_proposed,
// the proposal and its acceptances are withdrawn.
type DisputeEscalation struct {
	Level  DisputeLevel
	Reason string
}

// ResolutionProposal proposes a resolution; a new proposal withdraws the
// acceptances of the earlier one.
type ResolutionProposal struct{ Text string }

// ResolutionAcceptance records one side's acceptance of the proposed
// resolution: the organisation's by a person with [RoleSupplierManager],
// the supplier's by a person with [RoleSupplierContact], each once per
// proposal and by two different people. It leaves the dispute in
// resolution_proposed; [DisputeResolution] then records it resolved.
type ResolutionAcceptance struct{ Side DisputeSide }

// DisputeResolution records the dispute resolved, once both sides accepted
// the proposed resolution.
type DisputeResolution struct{}

// DisputeClosure closes a resolved dispute with the follow-up actions
// created: "credit note CN-12", "contract amendment AM-3".
type DisputeClosure struct{ Actions []string }

// DisputeWithdrawal withdraws an open dispute, with the reason.
type DisputeWithdrawal struct{ Reason string }

// DisputeNote records an update: what was done or learnt. It keeps the
// dispute from going stale.
type DisputeNote struct{ Text string }

// Trigger implements [DisputeCommand].
func (DisputeRaise) Trigger() DisputeTrigger         { return TriggerRaiseDispute }
func (DisputeInvestigation) Trigger() DisputeTrigger { return TriggerInvestigateDispute }
func (DisputeEscalation) Trigger() DisputeTrigger    { return TriggerEscalateDispute }
func (ResolutionProposal) Trigger() DisputeTrigger   { return TriggerProposeResolution }
func (ResolutionAcceptance) Trigger() DisputeTrigger { return TriggerAcceptResolution }
func (DisputeResolution) Trigger() DisputeTrigger    { return TriggerResolveDispute }
func (DisputeClosure) Trigger() DisputeTrigger       { return TriggerCloseDispute }
func (DisputeWithdrawal) Trigger() DisputeTrigger    { return TriggerWithdrawDispute }
func (DisputeNote) Trigger() DisputeTrigger          { return TriggerDisputeNote }

// Validate implements [sms.Command].
func (c DisputeRaise) Validate() error {
	return sms.FirstError(sms.CheckRef(DisputeKind, "id", c.ID), sms.CheckRef(DisputeKind, "supplier", c.Supplier), sms.CheckRef(DisputeKind, "contract", c.Contract),
		sms.CheckText(DisputeKind, "subject", c.Subject, sms.MaxShort), sms.CheckText(DisputeKind, "amount", c.Amount, sms.MaxShort),
		sms.CheckText(DisputeKind, "impact", c.Impact, sms.MaxText))
}
func (c DisputeInvestigation) Validate() error { return sms.CheckRef(DisputeKind, "owner", c.Owner) }
func (c DisputeEscalation) Validate() error {
	if c.Level.rank() == -2 {
		return sms.Invalid(DisputeKind, "level", "%q is not management, legal or arbitration", c.Level)
	}
	return sms.CheckText(DisputeKind, "reason", c.Reason, sms.MaxText)
}
func (c ResolutionProposal) Validate() error {
	return sms.CheckText(DisputeKind, "text", c.Text, sms.MaxText)
}
func (c ResolutionAcceptance) Validate() error {
	if c.Side != DisputeSideOrganisation && c.Side != DisputeSideSupplier {
		return sms.Invalid(DisputeKind, "side", "%q is neither organisation nor supplier", c.Side)
	}
	return nil
}
func (DisputeResolution) Validate() error { return nil }
func (c DisputeClosure) Validate() error {
	return sms.CheckTexts(DisputeKind, "actions", c.Actions, sms.MaxText)
}
func (c DisputeWithdrawal) Validate() error {
	return sms.CheckText(DisputeKind, "reason", c.Reason, sms.MaxText)
}
func (c DisputeNote) Validate() error { return sms.CheckText(DisputeKind, "text", c.Text, sms.MaxText) }

type disputeTx = sms.Transition[*Dispute]

func disputeCite(text string) sms.Requirement { return sms.Requirement{ID: "SUP-10", Text: text} }

func disputeGuard(text string, check func(*disputeTx) bool) sms.Guard[*Dispute] {
	return sms.Guard[*Dispute]{Requirement: disputeCite(text), Check: check}
}

// disputeContract is what the raise rule's Prepare learnt from the host's
// contract lookup.
type disputeContract struct {
	known bool
	DisputeContract
}

// disputeContractOf returns what Prepare left, never nil.
func disputeContractOf(t *disputeTx) *disputeContract {
	if p, ok := t.Prepared.(*disputeContract); ok && p != nil {
		return p
	}
	return &disputeContract{}
}

// disputeLevelsOf returns the contract's levels in order, each once, every
// level when it defines none; a *ValidationError for a value that is not a
// level.
func disputeLevelsOf(levels []DisputeLevel) ([]DisputeLevel, error) {
	for _, l := range levels {
		if l.rank() < 0 {
			return nil, sms.Invalid(DisputeKind, "contract.levels", "the contract lookup returned %q, which is not management, legal or arbitration", l)
		}
	}
	if len(levels) == 0 {
		return DisputeLevels(), nil
	}
	var out []DisputeLevel
	for _, l := range DisputeLevels() {
		if slices.Contains(levels, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// disputeWithdrawAcceptances withdraws the current proposal's
// acceptances, in the journal.
func disputeWithdrawAcceptances(t *disputeTx) {
	if len(t.Entity.Acceptances) > 0 {
		t.Entity.Acceptances = nil
		t.Record("acceptances", "withdrawn")
	}
}

func disputeDefinition(contracts DisputeContracts) sms.Definition[*Dispute] {
	managers := []sms.Role{RoleSupplierManager}
	open := sms.StatesOf(DisputeOpen()...)
	return sms.Definition[*Dispute]{
		Kind: DisputeKind, States: sms.StatesOf(DisputeStatuses()...), Terminal: sms.StatesOf(DisputeClosed, DisputeWithdrawn),
		New: func() *Dispute { return &Dispute{} }, Catalogue: DisputeRequirements(),
		Rules: []sms.Rule[*Dispute]{
			{
				Trigger: string(TriggerRaiseDispute), To: string(DisputeRaised), Roles: managers, Command: DisputeRaise{},
				Doc: "Raise a dispute with a supplier under one of its contracts.",
				Prepare: func(ctx context.Context, t *disputeTx) error {
					c, p := sms.CommandOf[DisputeRaise](t), &disputeContract{}
					if c.Contract != "" && contracts != nil {
						info, err := contracts.Contract(ctx, c.Contract)
						switch {
						case errors.Is(err, sms.ErrNotFound):
						case err != nil:
							return err
						default:
							levels, err := disputeLevelsOf(info.Levels)
							if err != nil {
								return err
							}
							p.known, p.Supplier, p.Levels = true, info.Supplier, levels
						}
					}
					t.Prepared = p
					return nil
				},
				Guards: []sms.Guard[*Dispute]{
					disputeGuard("a dispute names its supplier, its contract and its subject", func(t *disputeTx) bool {
						c := sms.CommandOf[DisputeRaise](t)
						return c.Supplier != "" && c.Contract != "" && !sms.Blank(c.Subject)
					}),
					disputeGuard("a dispute states the amount in dispute or its impact", func(t *disputeTx) bool {
						c := sms.CommandOf[DisputeRaise](t)
						return !sms.Blank(c.Amount) || !sms.Blank(c.Impact)
					}),
					disputeGuard("a dispute is raised under a contract the organisation knows", func(t *disputeTx) bool {
						return sms.CommandOf[DisputeRaise](t).Contract == "" || disputeContractOf(t).known
					}),
					disputeGuard("a dispute is raised under a contract with the dispute's supplier", func(t *disputeTx) bool {
						p := disputeContractOf(t)
						return !p.known || p.Supplier == sms.CommandOf[DisputeRaise](t).Supplier
					}),
				},
				Apply: func(t *disputeTx) {
					c, d := sms.CommandOf[DisputeRaise](t), t.Entity
					d.ID, d.Supplier, d.Contract, d.Subject, d.Amount, d.Impact = c.ID, c.Supplier, c.Contract, c.Subject, c.Amount, c.Impact
					d.Levels = slices.Clone(disputeContractOf(t).Levels)
					d.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("supplier", c.Supplier)
					t.Record("contract", c.Contract)
					t.Record("subject", c.Subject)
					if c.Amount != "" {
						t.Record("amount", c.Amount)
					}
					if c.Impact != "" {
						t.Record("impact", c.Impact)
					}
					for _, l := range d.Levels {
						t.Record("level", string(l))
					}
				},
			},
			{
				Trigger: string(TriggerInvestigateDispute), From: sms.StatesOf(DisputeRaised), To: string(DisputeInvestigating), Roles: managers, Command: DisputeInvestigation{},
				Requirement: disputeCite("only a dispute just raised is taken into investigation"),
				Doc:         "Assign the owner, who investigates the dispute.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("a dispute under investigation has an owner assigned", func(t *disputeTx) bool {
					return sms.CommandOf[DisputeInvestigation](t).Owner != ""
				})},
				Apply: func(t *disputeTx) {
					o := sms.CommandOf[DisputeInvestigation](t).Owner
					t.RecordChange("owner", t.Entity.Owner, o)
					t.Entity.Owner = o
					t.Entity.Parties.Add(sms.PartyOwner, o, false)
				},
			},
			{
				Trigger: string(TriggerEscalateDispute), From: sms.StatesOf(DisputeInvestigating, DisputeEscalated, DisputeProposed), To: string(DisputeEscalated),
				Roles: managers, Command: DisputeEscalation{},
				Requirement: disputeCite("a dispute is escalated while it is investigated, escalated or its proposal awaits acceptance"),
				Doc:         "Escalate one level up the contract's escalation path, or to a higher level it defines; a pending proposal is withdrawn.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("a dispute escalates to a higher level than it reached, one the contract defines: management, legal, arbitration", func(t *disputeTx) bool {
					_, ok := t.Entity.nextLevel(sms.CommandOf[DisputeEscalation](t).Level)
					return ok
				})},
				Apply: func(t *disputeTx) {
					c, d := sms.CommandOf[DisputeEscalation](t), t.Entity
					to, _ := d.nextLevel(c.Level)
					t.RecordChange("level", string(d.Level), string(to))
					d.Level = to
					if d.Proposal != "" {
						d.Proposal, d.ProposedAt = "", time.Time{}
						t.Record("proposal", "withdrawn")
					}
					disputeWithdrawAcceptances(t)
					if c.Reason != "" {
						t.SetReason(c.Reason)
					}
				},
			},
			{
				Trigger: string(TriggerProposeResolution), From: sms.StatesOf(DisputeInvestigating, DisputeEscalated, DisputeProposed), To: string(DisputeProposed),
				Roles: managers, Command: ResolutionProposal{},
				Requirement: disputeCite("a resolution is proposed for a dispute investigated or escalated, or in place of the one proposed"),
				Doc:         "Propose a resolution; a new proposal withdraws the acceptances of the earlier one.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("a proposal states the resolution proposed", func(t *disputeTx) bool {
					return !sms.Blank(sms.CommandOf[ResolutionProposal](t).Text)
				})},
				Apply: func(t *disputeTx) {
					d := t.Entity
					d.Proposal, d.ProposedAt = sms.CommandOf[ResolutionProposal](t).Text, t.Now
					disputeWithdrawAcceptances(t)
					t.Record("proposal", d.Proposal)
				},
			},
			{
				Trigger: string(TriggerAcceptResolution), From: sms.StatesOf(DisputeProposed), Roles: []sms.Role{RoleSupplierManager, RoleSupplierContact},
				Command:     ResolutionAcceptance{},
				Requirement: disputeCite("only a proposed resolution is accepted"),
				Doc:         "Record one side's acceptance of the proposed resolution.",
				Segregation: []sms.Segregation[*Dispute]{{
					Requirement: disputeCite("each party accepts the resolution by a person of its own: one person does not accept for both"),
					Check: func(t *disputeTx) string {
						side := sms.CommandOf[ResolutionAcceptance](t).Side
						for _, a := range t.Entity.Acceptances {
							if a.Person == t.Actor.ID && a.Side != side {
								return "the actor " + strconv.Quote(t.Actor.ID) + " already accepted the resolution for the " + string(a.Side)
							}
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Dispute]{
					disputeGuard("the organisation accepts by a supplier manager, the supplier by a supplier contact", func(t *disputeTx) bool {
						return t.Actor.Has(sms.CommandOf[ResolutionAcceptance](t).Side.role())
					}),
					disputeGuard("each party accepts the proposed resolution once", func(t *disputeTx) bool {
						_, done := t.Entity.Accepted(sms.CommandOf[ResolutionAcceptance](t).Side)
						return !done
					}),
				},
				Apply: func(t *disputeTx) {
					side := sms.CommandOf[ResolutionAcceptance](t).Side
					t.Entity.Acceptances = append(t.Entity.Acceptances, DisputeAcceptance{Side: side, Person: t.Actor.ID, At: t.Now})
					t.Record("side", string(side))
				},
			},
			{
				Trigger: string(TriggerResolveDispute), From: sms.StatesOf(DisputeProposed), To: string(DisputeResolved), Roles: managers, Command: DisputeResolution{},
				Requirement: disputeCite("only a proposed resolution is recorded as the resolution"),
				Doc:         "Record the dispute resolved, once both parties accepted the proposal.",
				Guards: []sms.Guard[*Dispute]{{
					Requirement: disputeCite("a dispute is resolved only once both parties accepted the proposed resolution, each by a person of its own"), RecordOnly: true,
					Check: func(t *disputeTx) bool { return !sms.Blank(t.Entity.Proposal) && t.Entity.bothAccepted() },
				}},
				Apply: func(t *disputeTx) {
					d := t.Entity
					d.Resolution, d.ResolvedAt = d.Proposal, t.Now
					t.Record("resolution", d.Resolution)
					for _, a := range d.Acceptances {
						t.Record("accepted_"+string(a.Side), a.Person)
					}
				},
			},
			{
				Trigger: string(TriggerCloseDispute), From: sms.StatesOf(DisputeResolved), To: string(DisputeClosed), Roles: managers, Command: DisputeClosure{},
				Requirement: disputeCite("only a resolved dispute is closed"),
				Doc:         "Close the dispute with the follow-up actions created: credit notes, contract amendments.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("a dispute is closed with the follow-up actions created, such as a credit note or a contract amendment", func(t *disputeTx) bool {
					as := sms.CommandOf[DisputeClosure](t).Actions
					return len(as) > 0 && !slices.ContainsFunc(as, sms.Blank)
				})},
				Apply: func(t *disputeTx) {
					t.Entity.Actions = slices.Clone(sms.CommandOf[DisputeClosure](t).Actions)
					for _, a := range t.Entity.Actions {
						t.Record("action", a)
					}
				},
			},
			{
				Trigger: string(TriggerWithdrawDispute), From: open, To: string(DisputeWithdrawn), Roles: managers, Command: DisputeWithdrawal{},
				Requirement: disputeCite("a dispute already closed or withdrawn is not withdrawn"),
				Doc:         "Withdraw the dispute, with the reason.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("a withdrawal gives its reason", func(t *disputeTx) bool {
					return !sms.Blank(sms.CommandOf[DisputeWithdrawal](t).Reason)
				})},
				Apply: func(t *disputeTx) {
					t.Entity.Reason = sms.CommandOf[DisputeWithdrawal](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerDisputeNote), From: open, Roles: managers, Command: DisputeNote{},
				Requirement: disputeCite("a dispute closed or withdrawn is no longer managed"),
				Doc:         "Record an update on the dispute.",
				Guards: []sms.Guard[*Dispute]{disputeGuard("an update has text", func(t *disputeTx) bool {
					return !sms.Blank(sms.CommandOf[DisputeNote](t).Text)
				})},
				Apply: func(t *disputeTx) { t.Record("text", sms.CommandOf[DisputeNote](t).Text) },
			},
		},
	}
}

// DisputeWorkflow returns the compiled dispute workflow, for introspection
// and documentation.
func DisputeWorkflow() *sms.Workflow[*Dispute] {
	return sms.MustWorkflow(disputeDefinition(nil))
}

// Disputes runs disputes with suppliers on a store (SUP-10): one typed
// method per trigger, each one transition through the pipeline.
//
// A dispute is raised under a contract the host's [DisputeContracts]
// knows, with the dispute's supplier; it records the escalation levels
// the contract defines then. An owner investigates it; it escalates one
// level up that path (management, legal, arbitration) or to a higher
// level the command names; a resolution is proposed, and both parties
// accept it.
//
// Acceptance by both parties: the kernel gives a trigger one target per
// source status, so acceptance is two steps, as an agreement's sign-offs
// and its activation are. accept_resolution is fired once per side and
// leaves the dispute in resolution_proposed: the organisation's side by
// an actor with [RoleSupplierManager], the supplier's by an actor with
// [RoleSupplierContact], each recorded with who (the acting actor, as the
// journal records it) and when. One person accepting for both sides is
// refused by a segregation rule (a [*sms.ForbiddenError] citing SUP-10),
// a side accepted again or by an actor without its role by a guard. A new
// proposal, or an escalation, withdraws the acceptances given. resolve
// then moves the dispute to resolved, refused until both sides accepted
// the current proposal by two people. A follow-up that fired resolve on
// the second acceptance would commit two journal entries for one command,
// which the process contract (one step, one entry) forbids.
//
// A resolved dispute closes with its follow-up actions; any open one is
// withdrawn with a reason. [Disputes.Sweep] finds open disputes without a
// journal entry for longer than the policy allows (DISPUTE_STALE);
// [DisputeChecks] and [Disputes.Conform] are the conformance check.
type Disputes struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Dispute, DisputeTrigger, DisputeCommand]
	m *sms.Machine[*Dispute]
}

// NewDisputes compiles the dispute workflow with the host's contract
// lookup, which it requires, and binds it to the store.
func NewDisputes(store sms.Store[*Dispute], contracts DisputeContracts, opts sms.Options) (*Disputes, error) {
	if contracts == nil {
		return nil, sms.Invalid(DisputeKind, "contracts", "the contract lookup is required: a dispute is raised under a known contract")
	}
	m, r, err := sms.Bind[*Dispute, DisputeTrigger, DisputeCommand](disputeDefinition(contracts), store, opts)
	if err != nil {
		return nil, err
	}
	return &Disputes{Records: r, m: m}, nil
}

// Raise raises a dispute (SUP-10).
func (s *Disputes) Raise(ctx context.Context, a sms.Actor, c DisputeRaise) (*Dispute, error) {
	return s.m.Create(ctx, a, c)
}

// Investigate assigns the owner, who investigates the dispute.
func (s *Disputes) Investigate(ctx context.Context, a sms.Actor, id string, c DisputeInvestigation) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInvestigateDispute), c)
}

// Escalate escalates the dispute up the contract's escalation path.
func (s *Disputes) Escalate(ctx context.Context, a sms.Actor, id string, c DisputeEscalation) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerEscalateDispute), c)
}

// ProposeResolution proposes a resolution.
func (s *Disputes) ProposeResolution(ctx context.Context, a sms.Actor, id string, c ResolutionProposal) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerProposeResolution), c)
}

// AcceptResolution records one side's acceptance of the proposal.
func (s *Disputes) AcceptResolution(ctx context.Context, a sms.Actor, id string, c ResolutionAcceptance) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAcceptResolution), c)
}

// Resolve records the dispute resolved, once both sides accepted.
func (s *Disputes) Resolve(ctx context.Context, a sms.Actor, id string, c DisputeResolution) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerResolveDispute), c)
}

// Close closes a resolved dispute with its follow-up actions.
func (s *Disputes) Close(ctx context.Context, a sms.Actor, id string, c DisputeClosure) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCloseDispute), c)
}

// Withdraw withdraws an open dispute, with the reason.
func (s *Disputes) Withdraw(ctx context.Context, a sms.Actor, id string, c DisputeWithdrawal) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerWithdrawDispute), c)
}

// Note records an update on an open dispute.
func (s *Disputes) Note(ctx context.Context, a sms.Actor, id string, c DisputeNote) (*Dispute, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDisputeNote), c)
}

// Do runs any dispute command as its typed method does; a [DisputeRaise]
// carries its own ID, and id must then be empty.
func (s *Disputes) Do(ctx context.Context, a sms.Actor, id string, c DisputeCommand) (*Dispute, error) {
	return s.m.Do(ctx, a, id, c)
}

// OfSupplier calls fn with every dispute with the supplier, until fn
// returns false.
func (s *Disputes) OfSupplier(ctx context.Context, supplier string, fn func(*Dispute) bool) error {
	return s.m.Each(ctx, sms.Query{Link: sms.Link{Type: "supplier", ID: supplier}}, fn)
}

// Finding codes of the dispute sweep and conformance check.
const (
	// CodeDisputeStale: an open dispute has no journal entry for longer
	// than the policy allows (SUP-10).
	CodeDisputeStale = "DISPUTE_STALE"
	// CodeDisputeIncomplete: a closed or withdrawn dispute lacks what its
	// closure or withdrawal requires (SUP-10).
	CodeDisputeIncomplete = "DISPUTE_CLOSURE_INCOMPLETE"
)

// DisputePolicy says how long an open dispute may go without a journal
// entry (an update, an escalation, a proposal...) before it is stale:
// StaleAfter, 14 days when zero.
type DisputePolicy struct {
	StaleAfter time.Duration
}

// disputeDefaultStale is the default of DisputePolicy.StaleAfter.
const disputeDefaultStale = 14 * 24 * time.Hour

// Validate returns a *ValidationError for a negative StaleAfter or one
// beyond [sms.MaxCadence].
func (p DisputePolicy) Validate() error {
	if p.StaleAfter < 0 || p.StaleAfter > sms.MaxCadence {
		return sms.Invalid(DisputeKind, "policy.stale_after", "%s is negative or beyond %s", p.StaleAfter, sms.MaxCadence)
	}
	return nil
}

func (p DisputePolicy) staleAfter() time.Duration {
	if p.StaleAfter <= 0 || p.StaleAfter > sms.MaxCadence {
		return disputeDefaultStale
	}
	return p.StaleAfter
}

// disputeLastUpdate is the time of the dispute's last journal entry,
// from the verified journal when there is one, else from its header
// (which a verified record has equal to it).
func disputeLastUpdate(d *Dispute, journal []sms.Entry) time.Time {
	if len(journal) > 0 {
		return journal[len(journal)-1].At
	}
	return d.UpdatedAt
}

// disputeStale reports whether an open dispute was last updated longer
// than after before asOf, and when that was.
func disputeStale(d *Dispute, journal []sms.Entry, after time.Duration, asOf time.Time) (time.Time, bool) {
	last := disputeLastUpdate(d, journal)
	return last, d.Open() && asOf.After(last.Add(after))
}

func disputeStaleDetail(last time.Time) string {
	return "open, no journal entry since " + last.Format(time.RFC3339Nano)
}

// disputeJournalAcceptors returns, per side, who accepted the current
// proposal as the journal records it: the actor of the last
// accept_resolution of that side after the last proposal or escalation.
func disputeJournalAcceptors(journal []sms.Entry) map[DisputeSide]string {
	out := map[DisputeSide]string{}
	for _, e := range journal {
		switch DisputeTrigger(e.Trigger) {
		case TriggerProposeResolution, TriggerEscalateDispute:
			clear(out)
		case TriggerAcceptResolution:
			if side, ok := sms.Get(e.Payload, "side"); ok {
				out[DisputeSide(side)] = e.Actor.ID
			}
		}
	}
	return out
}

// DisputeChecks returns the conformance check of disputes (check 10 of the
// auditor suite, for disputes: every dispute is closed or updated within
// the policy's period): every closed dispute has its resolution, the
// acceptance of both parties by two people (who, when the journal is
// given, are the actors of the journal's accept_resolution entries for
// the current proposal) and its follow-up actions; every withdrawn one
// its reason; every open one a journal entry (the journal's last, when
// given) within the policy's StaleAfter. A policy [DisputePolicy.Validate]
// refuses is taken with the default of 14 days.
func DisputeChecks(p DisputePolicy) []sms.Check[*Dispute] {
	after := p.staleAfter()
	return []sms.Check[*Dispute]{{
		Name: "dispute-managed-to-closure", Clause: "8.3.4.1", Cites: []string{"SUP-10"},
		Rule: "every closed dispute has its resolution, accepted by both parties by two people (the journal's actors of accept_resolution) and its follow-up actions; " +
			"every withdrawn one its reason; every open one a journal entry within " + after.String(),
		Eval: func(d *Dispute, x *sms.Examined) {
			switch d.Status {
			case DisputeClosed:
				if sms.Blank(d.Resolution) || d.ResolvedAt.IsZero() {
					x.Fail(CodeDisputeIncomplete, "SUP-10", "closed without its resolution")
				}
				if !d.bothAccepted() {
					x.Fail(CodeDisputeIncomplete, "SUP-10", "closed without the acceptance of both parties, by two people")
				} else if x.Journal != nil {
					j := disputeJournalAcceptors(x.Journal)
					o, _ := d.Accepted(DisputeSideOrganisation)
					s, _ := d.Accepted(DisputeSideSupplier)
					if j[DisputeSideOrganisation] != o || j[DisputeSideSupplier] != s || o == "" || s == "" {
						x.Fail(CodeDisputeIncomplete, "SUP-10", "the acceptors the record names are not the actors of the journal's accept_resolution entries")
					}
				}
				if len(d.Actions) == 0 || slices.ContainsFunc(d.Actions, sms.Blank) {
					x.Fail(CodeDisputeIncomplete, "SUP-10", "closed without its follow-up actions")
				}
			case DisputeWithdrawn:
				if sms.Blank(d.Reason) {
					x.Fail(CodeDisputeIncomplete, "SUP-10", "withdrawn without a reason")
				}
			default:
				if last, ok := disputeStale(d, x.Journal, after, x.AsOf); ok {
					x.Fail(CodeDisputeStale, "SUP-10", disputeStaleDetail(last))
				}
			}
		},
	}}
}

// Sweep returns a DISPUTE_STALE finding for each stored open dispute whose
// last journal entry is older than the policy's StaleAfter as of asOf
// (SUP-10); each dispute that does not verify against its journal is a
// [sms.CodeRecordUnverified] finding, listed first.
func (s *Disputes) Sweep(ctx context.Context, p DisputePolicy, asOf time.Time) ([]sms.Finding, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	after := p.staleAfter()
	a := sms.NewAudit(asOf, DisputeRequirements())
	return sms.SweepStore(ctx, s.m, sms.Query{Status: sms.StatesOf(DisputeOpen()...)}, asOf, func(d *Dispute, journal []sms.Entry) []sms.Finding {
		last, ok := disputeStale(d, journal, after, a.AsOf())
		if !ok {
			return nil
		}
		return []sms.Finding{a.Finding(CodeDisputeStale, "SUP-10", DisputeKind, d.ID, disputeStaleDetail(last))}
	})
}

// Conform runs the dispute part of check 10 of the auditor suite over the
// stored disputes: the record verification, then [DisputeChecks] over
// every dispute that verifies, with its journal.
func (s *Disputes) Conform(ctx context.Context, p DisputePolicy, asOf time.Time) (sms.Report, error) {
	if err := p.Validate(); err != nil {
		return sms.Report{}, err
	}
	a := sms.NewAudit(asOf, DisputeRequirements())
	err := sms.ConformStore(ctx, a, s.m, sms.Query{}, DisputeChecks(p))
	return a.Report(), err
}
