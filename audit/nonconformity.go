package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// NonconformityStatus is a nonconformity's status; the values are
// persisted.
type NonconformityStatus string

// Nonconformity statuses.
const (
	NCRaised           NonconformityStatus = "raised"             // recorded: what, where from, which requirement, how severe
	NCContained        NonconformityStatus = "contained"          // reacted to: corrected, or none needed with the reason (NC-01)
	NCAnalysing        NonconformityStatus = "analysing"          // an owner reviews it, finds its causes, looks for similar ones (NC-02)
	NCActionPlanned    NonconformityStatus = "action_planned"     // corrective actions decided, each with owner and due date (NC-03)
	NCNoActionRequired NonconformityStatus = "no_action_required" // decided that no corrective action is needed, awaiting the SMS owner
	NCVerifying        NonconformityStatus = "verifying"          // actions done, their effectiveness being verified (NC-04)
	NCClosed           NonconformityStatus = "closed"             // closed on evidence; frozen (NC-07)
)

// NonconformityStatuses returns every status, in lifecycle order.
func NonconformityStatuses() []NonconformityStatus {
	return []NonconformityStatus{NCRaised, NCContained, NCAnalysing, NCActionPlanned, NCNoActionRequired, NCVerifying, NCClosed}
}

// NonconformityTrigger names a transition of a nonconformity; the values
// are persisted.
type NonconformityTrigger string

// Nonconformity triggers. The requirements' single decide is split in
// two, one per target: plan_actions and decide_no_action.
const (
	NCTriggerRaise             NonconformityTrigger = "raise"
	NCTriggerContain           NonconformityTrigger = "contain"
	NCTriggerAnalyse           NonconformityTrigger = "analyse"
	NCTriggerPlanActions       NonconformityTrigger = "plan_actions"
	NCTriggerDecideNoAction    NonconformityTrigger = "decide_no_action"
	NCTriggerCompleteAction    NonconformityTrigger = "complete_action"
	NCTriggerImplement         NonconformityTrigger = "implement"
	NCTriggerVerifyEffective   NonconformityTrigger = "verify_effective"
	NCTriggerVerifyIneffective NonconformityTrigger = "verify_ineffective"
	NCTriggerCloseNoAction     NonconformityTrigger = "close_no_action"
	NCTriggerNote              NonconformityTrigger = "note"
)

// NonconformityTriggers returns every trigger, the creating one first.
func NonconformityTriggers() []NonconformityTrigger {
	return []NonconformityTrigger{NCTriggerRaise, NCTriggerContain, NCTriggerAnalyse, NCTriggerPlanActions, NCTriggerDecideNoAction,
		NCTriggerCompleteAction, NCTriggerImplement, NCTriggerVerifyEffective, NCTriggerVerifyIneffective, NCTriggerCloseNoAction, NCTriggerNote}
}

// Finding codes of the nonconformities' sweeps and of check 14.
const (
	// CodeNCActionOverdue: a planned corrective action is not done by its
	// due date (NC-09).
	CodeNCActionOverdue = "NC_ACTION_OVERDUE"
	// CodeNCVerifyOverdue: the effectiveness of implemented actions is not
	// verified by the verification's due date (NC-09).
	CodeNCVerifyOverdue = "NC_VERIFY_OVERDUE"
	// CodeNCIncomplete: a closed nonconformity lacks what its closure
	// requires (NC-01 to NC-04, NC-06), or its journal shows a closure by
	// a person segregation excludes.
	CodeNCIncomplete = "NC_CLOSURE_INCOMPLETE"
)

// NonconformityRequirements returns the requirements of clause 10.1 the
// nonconformities enforce (NC-01 to NC-09): their workflow's catalogue.
func NonconformityRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "NC-01", Clause: "10.1.1", Text: "the organization reacts to a nonconformity: it contains and corrects it, and deals with its consequences"},
		{ID: "NC-02", Clause: "10.1.1", Text: "the need for action to remove the causes is decided by reviewing the nonconformity, finding its causes and checking whether similar nonconformities exist or could occur"},
		{ID: "NC-03", Clause: "10.1.1", Text: "the actions needed are implemented"},
		{ID: "NC-04", Clause: "10.1.1", Text: "the effectiveness of the corrective action is reviewed"},
		{ID: "NC-05", Clause: "10.1.1", Text: "the SMS is changed where necessary"},
		{ID: "NC-06", Clause: "10.1.1", Text: "corrective action is proportionate to the effects of the nonconformity"},
		{ID: "NC-07", Clause: "10.1.2", Text: "evidence is retained of the nonconformity, the actions taken and the result of corrective action"},
		{ID: "NC-08", Clause: "10.1", Text: "the source of each nonconformity is recorded so that trends across sources can be seen"},
		{ID: "NC-09", Clause: "10.1", Text: "overdue corrective actions and verifications are visible"},
	}
}

// Severity is how severe a nonconformity is (NC-06); the values are
// persisted. The [NonconformityPolicy] maps each to the depth its
// corrective action must reach.
type Severity string

// Severities of a nonconformity.
const (
	SeverityMajor Severity = "major"
	SeverityMinor Severity = "minor"
)

// Severities returns every severity, the most severe first.
func Severities() []Severity { return []Severity{SeverityMajor, SeverityMinor} }

// Depth is the minimum depth of corrective action for a severity (NC-06):
// whether corrective action is required (no decision that none is needed
// is accepted), how long after implementation the effectiveness is due to
// be verified (VerifyWindow), and how long it must be observed at least
// before it is verified effective (MinVerifyWindow).
type Depth struct {
	CorrectiveActionRequired bool          `json:"corrective_action_required"`
	MinVerifyWindow          time.Duration `json:"min_verify_window"`
	VerifyWindow             time.Duration `json:"verify_window"`
}

// NonconformityPolicy maps each severity to its depth (NC-06).
type NonconformityPolicy struct {
	Depth map[Severity]Depth `json:"depth"`
}

// DefaultNonconformityPolicy returns the shipped policy: a major
// nonconformity requires corrective action, verified within 30 days of
// implementation and not before 14 days have shown it effective; a minor
// one may be decided to need none, and is verified within 30 days, at any
// time after implementation.
func DefaultNonconformityPolicy() NonconformityPolicy {
	const day = 24 * time.Hour
	return NonconformityPolicy{Depth: map[Severity]Depth{
		SeverityMajor: {CorrectiveActionRequired: true, MinVerifyWindow: 14 * day, VerifyWindow: 30 * day},
		SeverityMinor: {CorrectiveActionRequired: false, MinVerifyWindow: 0, VerifyWindow: 30 * day},
	}}
}

// Validate returns a [*sms.ValidationError] for a policy that does not
// give a depth for every severity of [Severities], gives one for another,
// or has a negative minimum window, a verification window that is not
// positive, or a minimum beyond the verification window.
func (p NonconformityPolicy) Validate() error {
	if len(p.Depth) == 0 {
		return sms.Invalid(NonconformityKind, "policy.depth", "gives no depth: name one for every severity")
	}
	for _, s := range Severities() {
		d, ok := p.Depth[s]
		if !ok {
			return sms.Invalid(NonconformityKind, "policy.depth", "gives no depth for severity %q", s)
		}
		switch {
		case d.MinVerifyWindow < 0:
			return sms.Invalid(NonconformityKind, "policy.depth.min_verify_window", "%s: %s is negative", s, d.MinVerifyWindow)
		case d.VerifyWindow <= 0:
			return sms.Invalid(NonconformityKind, "policy.depth.verify_window", "%s: %s is not positive", s, d.VerifyWindow)
		case d.MinVerifyWindow > d.VerifyWindow:
			return sms.Invalid(NonconformityKind, "policy.depth.min_verify_window", "%s: %s is beyond the verification window of %s", s, d.MinVerifyWindow, d.VerifyWindow)
		}
	}
	for s := range p.Depth {
		if !slices.Contains(Severities(), s) {
			return sms.Invalid(NonconformityKind, "policy.depth", "%q is not a severity", s)
		}
	}
	return nil
}

func (p NonconformityPolicy) clone() NonconformityPolicy {
	c := NonconformityPolicy{Depth: make(map[Severity]Depth, len(p.Depth))}
	for k, v := range p.Depth {
		c.Depth[k] = v
	}
	return c
}

// NCNoCorrection is the explicit declaration that no correction is needed
// (NC-01): the reason, who declared it (the journal's actor of contain)
// and when.
type NCNoCorrection struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// NCSimilarCheck is the check for similar nonconformities that exist or
// could occur (NC-02): the query run (a search, the registers looked at)
// and the IDs it found, none perhaps; the check is recorded even then.
type NCSimilarCheck struct {
	Query   string   `json:"query"`
	Results []string `json:"results,omitempty"`
}

// NCDecision is the decision whether action is needed to remove the
// causes, with its rationale (NC-02).
type NCDecision struct {
	CorrectiveActionNeeded bool   `json:"corrective_action_needed"`
	Rationale              string `json:"rationale"`
}

// NCAction is one corrective action (NC-03): its ID on the record
// ("A-1", "A-2", ...), what is to be done, its owner and due date, and
// once done when and on what evidence.
type NCAction struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	Owner       string    `json:"owner"`
	Due         time.Time `json:"due"`
	Done        time.Time `json:"done,omitzero"`
	Evidence    string    `json:"evidence,omitempty"`
}

// IsDone reports whether the action is done, on evidence.
func (a NCAction) IsDone() bool { return !a.Done.IsZero() && !sms.Blank(a.Evidence) }

// NCVerification is one review of the effectiveness of the corrective
// action (NC-04): the verdict, its evidence, when and by whom (the
// journal's actor).
type NCVerification struct {
	Effective bool      `json:"effective"`
	Evidence  string    `json:"evidence"`
	At        time.Time `json:"at"`
	By        string    `json:"by"`
}

// Nonconformity is the record of one nonconformity and its corrective
// action (NC-01 to NC-09): what it is and where it was found, the
// reaction to it, the analysis and decision, the actions, the change to
// the SMS, and the verifications of their effectiveness.
type Nonconformity struct {
	sms.Meta
	Status      NonconformityStatus `json:"status"`
	Description string              `json:"description"`
	// Source and SourceRef say where it was found (NC-08): the record it
	// came from, an audit finding ("AUD-7#F-1"), a problem, a review, a
	// supplier record; SourceRef is empty only for a customer complaint
	// or another source without a record.
	Source    Source `json:"source"`
	SourceRef string `json:"source_ref,omitempty"`
	// Area is the process area it concerns, for trends by process.
	Area string `json:"area,omitempty"`
	// Requirement is the requirement breached: a clause or a procedure.
	Requirement string   `json:"requirement"`
	Severity    Severity `json:"severity"`
	// The reaction (NC-01): its consequences, and the correction with the
	// actions that made it, or the declaration that none is needed.
	Consequences      string          `json:"consequences,omitempty"`
	Correction        string          `json:"correction,omitempty"`
	CorrectionActions []string        `json:"correction_actions,omitempty"`
	NoCorrection      *NCNoCorrection `json:"no_correction,omitempty"`
	// Owner runs the corrective action from analyse on.
	Owner string `json:"owner,omitempty"`
	// The analysis (NC-02), of the latest round: an ineffective
	// verification sends the record back to analysing, and the next plan
	// replaces it; the journal keeps every round.
	ReviewNotes  string         `json:"review_notes,omitempty"`
	Causes       []string       `json:"causes,omitempty"`
	SimilarCheck NCSimilarCheck `json:"similar_check,omitzero"`
	Decision     NCDecision     `json:"decision,omitzero"`
	// Actions are every corrective action planned, of every round (NC-03).
	Actions []NCAction `json:"actions,omitempty"`
	// SMSChange is the change to the SMS the actions made (NC-05), a
	// change ID the host's lookup found authorized; DocumentRevision a
	// revised document's reference.
	SMSChange        string `json:"sms_change,omitempty"`
	DocumentRevision string `json:"document_revision,omitempty"`
	// ImplementedAt is when the actions were implemented; VerifyDue when
	// their effectiveness is due to be verified (NC-04).
	ImplementedAt time.Time        `json:"implemented_at,omitzero"`
	VerifyDue     time.Time        `json:"verify_due,omitzero"`
	Verifications []NCVerification `json:"verifications,omitempty"`
	// NoActionApprovedBy is the SMS owner who approved the decision that
	// no corrective action is needed (NC-02).
	NoActionApprovedBy string           `json:"no_action_approved_by,omitempty"`
	ClosedAt           time.Time        `json:"closed_at,omitzero"`
	Parties            sms.Participants `json:"parties,omitempty"`
}

// Parties of a nonconformity beside the kernel's; the values are
// persisted.
const (
	// ncPartyDecider fired decide_no_action: the SMS owner who approves the
	// decision must be another person (NC-02).
	ncPartyDecider sms.Party = "decider"
	// ncPartyVerifier fired verify_effective or verify_ineffective.
	ncPartyVerifier sms.Party = "verifier"
)

// EntityKind implements [sms.Entity].
func (*Nonconformity) EntityKind() sms.Kind { return NonconformityKind }

// State implements [sms.Entity].
func (x *Nonconformity) State() string { return string(x.Status) }

// SetState implements [sms.Entity].
func (x *Nonconformity) SetState(s string) { x.Status = NonconformityStatus(s) }

// Attributes implements [sms.Entity]: the owner, the source record as a
// link typed by the source ("internal_audit:AUD-7#F-1"), and the SMS
// change as a "change" link.
func (x *Nonconformity) Attributes() sms.Attributes {
	at := sms.Attributes{Owner: x.Owner}
	if x.SourceRef != "" {
		at.Links = append(at.Links, sms.Link{Type: string(x.Source), ID: x.SourceRef})
	}
	if x.SMSChange != "" {
		at.Links = append(at.Links, sms.Link{Type: "change", ID: x.SMSChange})
	}
	return at
}

// Clone implements [sms.Entity].
func (x *Nonconformity) Clone() *Nonconformity {
	c := *x
	c.CorrectionActions = slices.Clone(x.CorrectionActions)
	if x.NoCorrection != nil {
		n := *x.NoCorrection
		c.NoCorrection = &n
	}
	c.Causes = slices.Clone(x.Causes)
	c.SimilarCheck.Results = slices.Clone(x.SimilarCheck.Results)
	c.Actions = slices.Clone(x.Actions)
	c.Verifications = slices.Clone(x.Verifications)
	c.Parties = x.Parties.Clone()
	return &c
}

// action returns the index of the action with the ID, or -1.
func (x *Nonconformity) action(id string) int {
	return slices.IndexFunc(x.Actions, func(a NCAction) bool { return a.ID == id })
}

// ActionsDone reports whether the record has actions and every one is
// done, on evidence (NC-03).
func (x *Nonconformity) ActionsDone() bool {
	return len(x.Actions) > 0 && !slices.ContainsFunc(x.Actions, func(a NCAction) bool { return !a.IsDone() })
}

// NonconformityCommand is the input of one nonconformity trigger.
type NonconformityCommand interface {
	sms.Command
	Trigger() NonconformityTrigger
}

// NCRaise raises a nonconformity (NC-08, NC-01, NC-06): what it is, where
// it was found, the requirement breached and how severe it is. ID is the
// host's reference, or empty for a generated one.
type NCRaise struct {
	ID          string
	Description string
	Source      Source
	SourceRef   string
	Area        string
	Requirement string
	Severity    Severity
}

// NCContain records the reaction (NC-01): the correction with the actions
// that made it, or, when none is needed, NoCorrectionReason instead; and
// the consequences, as dealt with.
type NCContain struct {
	Correction         string
	Actions            []string
	NoCorrectionReason string
	Consequences       string
}

// NCAnalyse starts the analysis under its owner.
type NCAnalyse struct{ Owner string }

// NCReview is the analysis that decides whether corrective action is
// needed (NC-02): the review's notes, the causes found, the check for
// similar nonconformities, and the decision's rationale.
type NCReview struct {
	ReviewNotes  string
	Causes       []string
	SimilarCheck NCSimilarCheck
	Rationale    string
}

// NCPlannedAction is a corrective action as planned (NC-03).
type NCPlannedAction struct {
	Description string
	Owner       string
	Due         time.Time
}

// NCPlanActions decides that corrective action is needed, on the review,
// and plans the actions (NC-02, NC-03).
type NCPlanActions struct {
	Review  NCReview
	Actions []NCPlannedAction
}

// NCDecideNoAction decides, on the review, that no corrective action is
// needed (NC-02); the SMS owner approves it with [NCCloseNoAction].
type NCDecideNoAction struct{ Review NCReview }

// NCCompleteAction marks the action with the ID done, on evidence (NC-03).
type NCCompleteAction struct {
	Action   string
	Evidence string
}

// NCImplement records the planned actions as implemented (NC-03), with
// the change to the SMS they made (NC-05), a change ID the host's
// [Changes] must find authorized, or a document revision; both optional.
type NCImplement struct {
	SMSChange        string
	DocumentRevision string
}

// NCVerifyEffective records that the corrective action was effective, on
// evidence, and closes the nonconformity (NC-04).
type NCVerifyEffective struct{ Evidence string }

// NCVerifyIneffective records evidence that the corrective action was not
// effective (the nonconformity recurred, say) and returns the record to
// analysing (NC-04).
type NCVerifyIneffective struct{ Evidence string }

// NCCloseNoAction approves the decision that no corrective action is
// needed and closes the nonconformity (NC-02): the SMS owner's act.
type NCCloseNoAction struct{}

// NCNote adds a note: evidence of what was done (NC-07).
type NCNote struct{ Text string }

// Trigger implements [NonconformityCommand].
func (NCRaise) Trigger() NonconformityTrigger             { return NCTriggerRaise }
func (NCContain) Trigger() NonconformityTrigger           { return NCTriggerContain }
func (NCAnalyse) Trigger() NonconformityTrigger           { return NCTriggerAnalyse }
func (NCPlanActions) Trigger() NonconformityTrigger       { return NCTriggerPlanActions }
func (NCDecideNoAction) Trigger() NonconformityTrigger    { return NCTriggerDecideNoAction }
func (NCCompleteAction) Trigger() NonconformityTrigger    { return NCTriggerCompleteAction }
func (NCImplement) Trigger() NonconformityTrigger         { return NCTriggerImplement }
func (NCVerifyEffective) Trigger() NonconformityTrigger   { return NCTriggerVerifyEffective }
func (NCVerifyIneffective) Trigger() NonconformityTrigger { return NCTriggerVerifyIneffective }
func (NCCloseNoAction) Trigger() NonconformityTrigger     { return NCTriggerCloseNoAction }
func (NCNote) Trigger() NonconformityTrigger              { return NCTriggerNote }

// Validate implements [sms.Command].
func (c NCRaise) Validate() error {
	k := NonconformityKind
	return sms.FirstError(sms.CheckRef(k, "id", c.ID), sms.CheckText(k, "description", c.Description, sms.MaxText),
		sms.CheckText(k, "source", string(c.Source), sms.MaxShort), sms.CheckRef(k, "source_ref", c.SourceRef),
		sms.CheckRef(k, "area", c.Area), sms.CheckText(k, "requirement", c.Requirement, sms.MaxShort),
		sms.CheckText(k, "severity", string(c.Severity), sms.MaxShort))
}

// Validate implements [sms.Command]: a correction and a reason that none
// is needed together are malformed.
func (c NCContain) Validate() error {
	k := NonconformityKind
	if err := sms.FirstError(sms.CheckText(k, "correction", c.Correction, sms.MaxText), sms.CheckTexts(k, "actions", c.Actions, sms.MaxText),
		sms.CheckText(k, "no_correction_reason", c.NoCorrectionReason, sms.MaxText), sms.CheckText(k, "consequences", c.Consequences, sms.MaxText)); err != nil {
		return err
	}
	if c.NoCorrectionReason != "" && (c.Correction != "" || len(c.Actions) > 0) {
		return sms.Invalid(k, "no_correction_reason", "a correction and a reason that none is needed exclude each other")
	}
	return nil
}

// Validate implements [sms.Command].
func (c NCAnalyse) Validate() error { return sms.CheckRef(NonconformityKind, "owner", c.Owner) }

func (r NCReview) validate() error {
	k := NonconformityKind
	return sms.FirstError(sms.CheckText(k, "review.review_notes", r.ReviewNotes, sms.MaxText), sms.CheckTexts(k, "review.causes", r.Causes, sms.MaxText),
		sms.CheckText(k, "review.similar_check.query", r.SimilarCheck.Query, sms.MaxText), sms.CheckRefs(k, "review.similar_check.results", r.SimilarCheck.Results),
		sms.CheckText(k, "review.rationale", r.Rationale, sms.MaxText))
}

// Validate implements [sms.Command].
func (c NCPlanActions) Validate() error {
	k := NonconformityKind
	if err := c.Review.validate(); err != nil {
		return err
	}
	if len(c.Actions) > sms.MaxList {
		return sms.Invalid(k, "actions", "has more than %d entries", sms.MaxList)
	}
	for _, a := range c.Actions {
		if err := sms.FirstError(sms.CheckText(k, "actions.description", a.Description, sms.MaxText),
			sms.CheckRef(k, "actions.owner", a.Owner), sms.CheckTime(k, "actions.due", a.Due)); err != nil {
			return err
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c NCDecideNoAction) Validate() error { return c.Review.validate() }

// Validate implements [sms.Command].
func (c NCCompleteAction) Validate() error {
	return sms.FirstError(sms.CheckRef(NonconformityKind, "action", c.Action), sms.CheckText(NonconformityKind, "evidence", c.Evidence, sms.MaxText))
}

// Validate implements [sms.Command].
func (c NCImplement) Validate() error {
	return sms.FirstError(sms.CheckRef(NonconformityKind, "sms_change", c.SMSChange),
		sms.CheckText(NonconformityKind, "document_revision", c.DocumentRevision, sms.MaxShort))
}

// Validate implements [sms.Command].
func (c NCVerifyEffective) Validate() error {
	return sms.CheckText(NonconformityKind, "evidence", c.Evidence, sms.MaxText)
}

// Validate implements [sms.Command].
func (c NCVerifyIneffective) Validate() error {
	return sms.CheckText(NonconformityKind, "evidence", c.Evidence, sms.MaxText)
}

// Validate implements [sms.Command].
func (NCCloseNoAction) Validate() error { return nil }

// Validate implements [sms.Command].
func (c NCNote) Validate() error {
	return sms.CheckText(NonconformityKind, "text", c.Text, sms.MaxText)
}

type ncTx = sms.Transition[*Nonconformity]

func ncCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func ncGuard(id, text string, check func(*ncTx) bool) sms.Guard[*Nonconformity] {
	return sms.Guard[*Nonconformity]{Requirement: ncCite(id, text), Check: check}
}

func ncRecordOnly(id, text string, check func(*ncTx) bool) sms.Guard[*Nonconformity] {
	g := ncGuard(id, text, check)
	g.RecordOnly = true
	return g
}

// ncNeedsRef reports whether a source names the record it came from.
func ncNeedsRef(s Source) bool { return s != SourceCustomerComplaint && s != SourceOther }

// ncReviewed reports whether a review has what NC-02 requires.
func ncReviewed(r NCReview) bool {
	return !sms.Blank(r.ReviewNotes) && len(r.Causes) > 0 && !slices.ContainsFunc(r.Causes, sms.Blank) &&
		!sms.Blank(r.SimilarCheck.Query) && !sms.Blank(r.Rationale)
}

// ncWriteReview stores the review and the decision, and journals them.
func ncWriteReview(t *ncTx, r NCReview, needed bool) {
	x := t.Entity
	x.ReviewNotes, x.Causes = r.ReviewNotes, slices.Clone(r.Causes)
	x.SimilarCheck = NCSimilarCheck{Query: r.SimilarCheck.Query, Results: slices.Clone(r.SimilarCheck.Results)}
	x.Decision = NCDecision{CorrectiveActionNeeded: needed, Rationale: r.Rationale}
	t.Record("review_notes", r.ReviewNotes)
	for _, c := range r.Causes {
		t.Record("cause", c)
	}
	t.Record("similar_query", r.SimilarCheck.Query)
	for _, id := range r.SimilarCheck.Results {
		t.Record("similar", id)
	}
	t.Record("corrective_action_needed", strconv.FormatBool(needed))
	t.Record("rationale", r.Rationale)
}

// ncChange is what implement's Prepare learnt of the SMS change named.
type ncChange struct{ authorized bool }

// ncActionRoles may complete an action; the identity check (the action's
// owner or the nonconformity's) is what decides.
var ncActionRoles = []sms.Role{RoleQualityManager, RoleActionOwner}

func nonconformityDefinition(changes Changes, p NonconformityPolicy) sms.Definition[*Nonconformity] {
	roles := []sms.Role{RoleQualityManager}
	open := sms.StatesOf(NCRaised, NCContained, NCAnalysing, NCActionPlanned, NCNoActionRequired, NCVerifying)
	return sms.Definition[*Nonconformity]{
		Kind: NonconformityKind, States: sms.StatesOf(NonconformityStatuses()...), Terminal: sms.StatesOf(NCClosed),
		New: func() *Nonconformity { return &Nonconformity{} }, Catalogue: NonconformityRequirements(),
		Rules: []sms.Rule[*Nonconformity]{
			{
				Trigger: string(NCTriggerRaise), To: string(NCRaised), Roles: roles, Command: NCRaise{},
				Doc: "Raise a nonconformity: what it is, its source, the requirement breached and its severity.",
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-08", "a nonconformity records its source, one of the sources the library knows", func(t *ncTx) bool {
						return slices.Contains(Sources(), sms.CommandOf[NCRaise](t).Source)
					}),
					ncGuard("NC-08", "a nonconformity names the record it came from, unless it is a customer complaint or of another source", func(t *ncTx) bool {
						c := sms.CommandOf[NCRaise](t)
						return !ncNeedsRef(c.Source) || c.SourceRef != ""
					}),
					ncGuard("NC-01", "a nonconformity describes what happened and names the requirement breached", func(t *ncTx) bool {
						c := sms.CommandOf[NCRaise](t)
						return !sms.Blank(c.Description) && !sms.Blank(c.Requirement)
					}),
					ncGuard("NC-06", "a nonconformity's severity is one the policy gives a depth for", func(t *ncTx) bool {
						_, ok := p.Depth[sms.CommandOf[NCRaise](t).Severity]
						return ok
					}),
				},
				Apply: func(t *ncTx) {
					c, x := sms.CommandOf[NCRaise](t), t.Entity
					x.ID, x.Description, x.Source, x.SourceRef = c.ID, c.Description, c.Source, c.SourceRef
					x.Area, x.Requirement, x.Severity = c.Area, c.Requirement, c.Severity
					x.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("source", string(c.Source))
					if c.SourceRef != "" {
						t.Record("source_ref", c.SourceRef)
					}
					if c.Area != "" {
						t.Record("area", c.Area)
					}
					t.Record("requirement", c.Requirement)
					t.Record("severity", string(c.Severity))
					t.Record("description", c.Description)
				},
			},
			{
				Trigger: string(NCTriggerContain), From: sms.StatesOf(NCRaised), To: string(NCContained), Roles: roles, Command: NCContain{},
				Requirement: ncCite("NC-01", "a raised nonconformity is reacted to once, before its analysis"),
				Doc:         "React: the correction and the actions that made it, or none needed with the reason; the consequences dealt with.",
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-01", "a nonconformity is corrected, by the actions listed, or declared to need no correction with the reason", func(t *ncTx) bool {
						c := sms.CommandOf[NCContain](t)
						if !sms.Blank(c.NoCorrectionReason) {
							return c.Correction == "" && len(c.Actions) == 0
						}
						return !sms.Blank(c.Correction) && len(c.Actions) > 0 && !slices.ContainsFunc(c.Actions, sms.Blank)
					}),
					ncGuard("NC-01", "the consequences of the nonconformity are noted", func(t *ncTx) bool {
						return !sms.Blank(sms.CommandOf[NCContain](t).Consequences)
					}),
				},
				Apply: func(t *ncTx) {
					c, x := sms.CommandOf[NCContain](t), t.Entity
					x.Consequences = c.Consequences
					if !sms.Blank(c.NoCorrectionReason) {
						x.NoCorrection = &NCNoCorrection{Reason: c.NoCorrectionReason, By: t.Actor.ID, At: t.Now}
						x.Correction, x.CorrectionActions = "", nil
						t.Record("no_correction", c.NoCorrectionReason)
					} else {
						x.NoCorrection = nil
						x.Correction, x.CorrectionActions = c.Correction, slices.Clone(c.Actions)
						t.Record("correction", c.Correction)
						for _, a := range c.Actions {
							t.Record("correction_action", a)
						}
					}
					t.Record("consequences", c.Consequences)
				},
			},
			{
				Trigger: string(NCTriggerAnalyse), From: sms.StatesOf(NCContained), To: string(NCAnalysing), Roles: roles, Command: NCAnalyse{},
				Requirement: ncCite("NC-02", "a nonconformity is analysed once it is contained"),
				Doc:         "Start the analysis under its owner.",
				Guards: []sms.Guard[*Nonconformity]{ncGuard("NC-02", "the analysis and corrective action have an owner", func(t *ncTx) bool {
					return sms.CommandOf[NCAnalyse](t).Owner != ""
				})},
				Apply: func(t *ncTx) {
					x := t.Entity
					x.Owner = sms.CommandOf[NCAnalyse](t).Owner
					x.Parties.Add(sms.PartyOwner, x.Owner, false)
					t.Record("owner", x.Owner)
				},
			},
			{
				Trigger: string(NCTriggerPlanActions), From: sms.StatesOf(NCAnalysing), To: string(NCActionPlanned), Roles: roles, Command: NCPlanActions{},
				Requirement: ncCite("NC-02", "corrective action is decided at the end of the analysis"),
				Doc:         "Decide that corrective action is needed, on the review, causes and similar check, and plan the actions.",
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-02", "the decision rests on review notes, at least one cause, the check for similar nonconformities and a rationale", func(t *ncTx) bool {
						return ncReviewed(sms.CommandOf[NCPlanActions](t).Review)
					}),
					ncGuard("NC-03", "at least one action is planned, each with a description, an owner and a due date not in the past", func(t *ncTx) bool {
						as := sms.CommandOf[NCPlanActions](t).Actions
						return len(as) > 0 && !slices.ContainsFunc(as, func(a NCPlannedAction) bool {
							return sms.Blank(a.Description) || a.Owner == "" || a.Due.IsZero() || sms.Micro(a.Due).Before(t.Now)
						})
					}),
				},
				Apply: func(t *ncTx) {
					c, x := sms.CommandOf[NCPlanActions](t), t.Entity
					ncWriteReview(t, c.Review, true)
					for _, a := range c.Actions {
						id := "A-" + strconv.Itoa(len(x.Actions)+1)
						x.Actions = append(x.Actions, NCAction{ID: id, Description: a.Description, Owner: a.Owner, Due: sms.Micro(a.Due)})
						t.Record("action", fmt.Sprintf("%s: %s (owner %s, due %s)", id, a.Description, a.Owner, sms.Micro(a.Due).Format(time.RFC3339)))
					}
				},
			},
			{
				Trigger: string(NCTriggerDecideNoAction), From: sms.StatesOf(NCAnalysing), To: string(NCNoActionRequired), Roles: roles, Command: NCDecideNoAction{},
				Requirement: ncCite("NC-02", "corrective action is decided at the end of the analysis"),
				Doc:         "Decide, on the review, causes and similar check, that no corrective action is needed; the SMS owner approves.",
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-02", "the decision rests on review notes, at least one cause, the check for similar nonconformities and a rationale", func(t *ncTx) bool {
						return ncReviewed(sms.CommandOf[NCDecideNoAction](t).Review)
					}),
					ncRecordOnly("NC-06", "a nonconformity of a severity whose policy requires corrective action is not decided to need none", func(t *ncTx) bool {
						d, ok := p.Depth[t.Entity.Severity]
						return ok && !d.CorrectiveActionRequired
					}),
				},
				Apply: func(t *ncTx) {
					ncWriteReview(t, sms.CommandOf[NCDecideNoAction](t).Review, false)
					t.Entity.Parties.Add(ncPartyDecider, t.Actor.ID, true)
				},
			},
			{
				Trigger: string(NCTriggerCompleteAction), From: sms.StatesOf(NCActionPlanned), Roles: ncActionRoles, Command: NCCompleteAction{},
				Requirement: ncCite("NC-03", "planned actions are completed before the nonconformity is implemented"),
				Doc:         "Mark one action done, on evidence: by the action's owner or the nonconformity's.",
				Segregation: []sms.Segregation[*Nonconformity]{{
					Requirement: ncCite("NC-03", "an action is marked done by its owner or the nonconformity's owner"),
					Check: func(t *ncTx) string {
						x := t.Entity
						i := x.action(sms.CommandOf[NCCompleteAction](t).Action)
						if i < 0 || t.Actor.ID == x.Actions[i].Owner || t.Actor.ID == x.Owner {
							return "" // an unknown action is the guard's to refuse
						}
						return "the actor " + strconv.Quote(t.Actor.ID) + " owns neither action " + x.Actions[i].ID + " nor the nonconformity"
					},
				}},
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-03", "the action named is one of the record's, not yet done", func(t *ncTx) bool {
						x := t.Entity
						i := x.action(sms.CommandOf[NCCompleteAction](t).Action)
						return i >= 0 && !x.Actions[i].IsDone()
					}),
					ncGuard("NC-03", "an action done gives its evidence", func(t *ncTx) bool {
						return !sms.Blank(sms.CommandOf[NCCompleteAction](t).Evidence)
					}),
				},
				Apply: func(t *ncTx) {
					c, x := sms.CommandOf[NCCompleteAction](t), t.Entity
					i := x.action(c.Action)
					if i < 0 {
						return // refused by the guard; nothing is stored
					}
					x.Actions[i].Done, x.Actions[i].Evidence = t.Now, c.Evidence
					t.Record("action", c.Action)
					t.Record("evidence", c.Evidence)
				},
			},
			{
				Trigger: string(NCTriggerImplement), From: sms.StatesOf(NCActionPlanned), To: string(NCVerifying), Roles: roles, Command: NCImplement{},
				Requirement: ncCite("NC-03", "only planned actions are implemented"),
				Doc:         "Record the actions implemented, with the SMS change or document revision they made; the verification falls due.",
				Prepare: func(ctx context.Context, t *ncTx) error {
					id := sms.CommandOf[NCImplement](t).SMSChange
					ch := &ncChange{}
					t.Prepared = ch
					if id == "" || changes == nil {
						return nil
					}
					ok, err := changes.Authorized(ctx, id)
					if errors.Is(err, sms.ErrNotFound) {
						return nil
					}
					ch.authorized = ok
					return err
				},
				Guards: []sms.Guard[*Nonconformity]{
					ncRecordOnly("NC-03", "every planned action is done, on evidence", func(t *ncTx) bool { return t.Entity.ActionsDone() }),
					ncGuard("NC-05", "the change to the SMS named is an authorized change", func(t *ncTx) bool {
						if sms.CommandOf[NCImplement](t).SMSChange == "" {
							return true
						}
						ch, _ := t.Prepared.(*ncChange)
						return ch != nil && ch.authorized
					}),
				},
				Apply: func(t *ncTx) {
					c, x := sms.CommandOf[NCImplement](t), t.Entity
					if c.SMSChange != "" {
						x.SMSChange = c.SMSChange
						t.Record("sms_change", c.SMSChange)
					}
					if c.DocumentRevision != "" {
						x.DocumentRevision = c.DocumentRevision
						t.Record("document_revision", c.DocumentRevision)
					}
					x.ImplementedAt = t.Now
					x.VerifyDue = t.Now.Add(p.Depth[x.Severity].VerifyWindow)
					t.RecordTime("verify_due", x.VerifyDue)
				},
			},
			{
				Trigger: string(NCTriggerVerifyEffective), From: sms.StatesOf(NCVerifying), To: string(NCClosed), Roles: roles, Command: NCVerifyEffective{},
				Requirement: ncCite("NC-04", "the effectiveness is verified once the actions are implemented"),
				Doc:         "Verify the corrective action effective, on evidence, by another person than its owner; closes the nonconformity.",
				Segregation: []sms.Segregation[*Nonconformity]{{
					Requirement: ncCite("NC-04", "the effectiveness of corrective action is verified by another person than its owner"),
					Check: func(t *ncTx) string {
						if t.Actor.ID == t.Entity.Owner {
							return "the actor " + strconv.Quote(t.Actor.ID) + " owns the corrective action and may not verify its effectiveness"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Nonconformity]{
					ncGuard("NC-04", "an effective verification gives its evidence", func(t *ncTx) bool {
						return !sms.Blank(sms.CommandOf[NCVerifyEffective](t).Evidence)
					}),
					ncRecordOnly("NC-06", "the corrective action is observed for the minimum verification window of its severity before it is verified effective", func(t *ncTx) bool {
						d, ok := p.Depth[t.Entity.Severity]
						return ok && !t.Now.Before(t.Entity.ImplementedAt.Add(d.MinVerifyWindow))
					}),
				},
				Apply: func(t *ncTx) {
					x := t.Entity
					ev := sms.CommandOf[NCVerifyEffective](t).Evidence
					x.Verifications = append(x.Verifications, NCVerification{Effective: true, Evidence: ev, At: t.Now, By: t.Actor.ID})
					x.ClosedAt = t.Now
					x.Parties.Add(ncPartyVerifier, t.Actor.ID, true)
					t.Record("evidence", ev)
				},
			},
			{
				Trigger: string(NCTriggerVerifyIneffective), From: sms.StatesOf(NCVerifying), To: string(NCAnalysing), Roles: roles, Command: NCVerifyIneffective{},
				Requirement: ncCite("NC-04", "the effectiveness is verified once the actions are implemented"),
				Doc:         "Record evidence that the corrective action was not effective; back to analysis, the actions done kept.",
				Guards: []sms.Guard[*Nonconformity]{ncGuard("NC-04", "an ineffective verification gives the evidence of recurrence or ineffectiveness", func(t *ncTx) bool {
					return !sms.Blank(sms.CommandOf[NCVerifyIneffective](t).Evidence)
				})},
				Apply: func(t *ncTx) {
					x := t.Entity
					ev := sms.CommandOf[NCVerifyIneffective](t).Evidence
					x.Verifications = append(x.Verifications, NCVerification{Effective: false, Evidence: ev, At: t.Now, By: t.Actor.ID})
					x.ImplementedAt, x.VerifyDue = time.Time{}, time.Time{}
					x.Parties.Add(ncPartyVerifier, t.Actor.ID, true)
					t.Record("evidence", ev)
				},
			},
			{
				Trigger: string(NCTriggerCloseNoAction), From: sms.StatesOf(NCNoActionRequired), To: string(NCClosed), Roles: []sms.Role{RoleSMSOwner}, Command: NCCloseNoAction{},
				Requirement: ncCite("NC-02", "only a decision that no corrective action is needed is approved"),
				Doc:         "Approve the decision that no corrective action is needed, as SMS owner, another person than who decided; closes.",
				Segregation: []sms.Segregation[*Nonconformity]{{
					Requirement: ncCite("NC-02", "the SMS owner who approves the decision that no corrective action is needed is not who decided it"),
					Check: func(t *ncTx) string {
						if t.Entity.Parties.Has(ncPartyDecider, t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " decided that no corrective action is needed and may not approve it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Nonconformity]{ncRecordOnly("NC-02", "the decision approved has its rationale", func(t *ncTx) bool {
					return !t.Entity.Decision.CorrectiveActionNeeded && !sms.Blank(t.Entity.Decision.Rationale)
				})},
				Apply: func(t *ncTx) {
					x := t.Entity
					x.NoActionApprovedBy, x.ClosedAt = t.Actor.ID, t.Now
					x.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
					t.Record("rationale", x.Decision.Rationale)
				},
			},
			{
				Trigger: string(NCTriggerNote), From: open, Roles: roles, Command: NCNote{},
				Requirement: ncCite("NC-07", "a closed nonconformity is frozen"),
				Doc:         "Add a note: evidence of what was done.",
				Guards: []sms.Guard[*Nonconformity]{ncGuard("NC-07", "a note has text", func(t *ncTx) bool {
					return !sms.Blank(sms.CommandOf[NCNote](t).Text)
				})},
				Apply: func(t *ncTx) { t.Record("text", sms.CommandOf[NCNote](t).Text) },
			},
		},
	}
}

// NonconformityWorkflow returns the compiled nonconformity workflow under
// the default policy, for introspection and documentation.
func NonconformityWorkflow() *sms.Workflow[*Nonconformity] {
	return sms.MustWorkflow(nonconformityDefinition(nil, DefaultNonconformityPolicy()))
}

// Nonconformities runs nonconformities and their corrective action on a
// store (NC-01 to NC-09): one typed method per trigger, each one
// transition through the pipeline.
//
// Roles: [RoleQualityManager] fires every trigger but two: close_no_action
// takes [RoleSMSOwner]; complete_action takes [RoleQualityManager] or
// [RoleActionOwner], and then only the action's owner or the
// nonconformity's owner may fire it.
type Nonconformities struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Nonconformity, NonconformityTrigger, NonconformityCommand]
	m      *sms.Machine[*Nonconformity]
	policy NonconformityPolicy
}

// NewNonconformities compiles the nonconformity workflow under the
// policy, with the host's change lookup (nil: no SMS change is found
// authorized, so an implementation naming one is refused), and binds it
// to the store. A policy [NonconformityPolicy.Validate] refuses is
// returned as its error.
func NewNonconformities(store sms.Store[*Nonconformity], changes Changes, p NonconformityPolicy, opts sms.Options) (*Nonconformities, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.clone()
	m, r, err := sms.Bind[*Nonconformity, NonconformityTrigger, NonconformityCommand](nonconformityDefinition(changes, p), store, opts)
	if err != nil {
		return nil, err
	}
	return &Nonconformities{Records: r, m: m, policy: p}, nil
}

// Raise raises a nonconformity (NC-01, NC-06, NC-08).
func (s *Nonconformities) Raise(ctx context.Context, a sms.Actor, c NCRaise) (*Nonconformity, error) {
	return s.m.Create(ctx, a, c)
}

// Contain records the reaction to it (NC-01).
func (s *Nonconformities) Contain(ctx context.Context, a sms.Actor, id string, c NCContain) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerContain), c)
}

// Analyse starts the analysis under its owner (NC-02).
func (s *Nonconformities) Analyse(ctx context.Context, a sms.Actor, id string, c NCAnalyse) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerAnalyse), c)
}

// PlanActions decides that corrective action is needed and plans it
// (NC-02, NC-03).
func (s *Nonconformities) PlanActions(ctx context.Context, a sms.Actor, id string, c NCPlanActions) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerPlanActions), c)
}

// DecideNoAction decides that no corrective action is needed (NC-02,
// NC-06).
func (s *Nonconformities) DecideNoAction(ctx context.Context, a sms.Actor, id string, c NCDecideNoAction) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerDecideNoAction), c)
}

// CompleteAction marks one action done, on evidence (NC-03).
func (s *Nonconformities) CompleteAction(ctx context.Context, a sms.Actor, id string, c NCCompleteAction) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerCompleteAction), c)
}

// Implement records the actions implemented (NC-03, NC-05).
func (s *Nonconformities) Implement(ctx context.Context, a sms.Actor, id string, c NCImplement) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerImplement), c)
}

// VerifyEffective verifies the corrective action effective and closes
// (NC-04, NC-06).
func (s *Nonconformities) VerifyEffective(ctx context.Context, a sms.Actor, id string, c NCVerifyEffective) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerVerifyEffective), c)
}

// VerifyIneffective records the corrective action ineffective, back to
// analysis (NC-04).
func (s *Nonconformities) VerifyIneffective(ctx context.Context, a sms.Actor, id string, c NCVerifyIneffective) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerVerifyIneffective), c)
}

// CloseNoAction approves the decision that no corrective action is
// needed and closes (NC-02).
func (s *Nonconformities) CloseNoAction(ctx context.Context, a sms.Actor, id string, c NCCloseNoAction) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerCloseNoAction), c)
}

// Note adds a note (NC-07).
func (s *Nonconformities) Note(ctx context.Context, a sms.Actor, id string, c NCNote) (*Nonconformity, error) {
	return s.m.Fire(ctx, a, id, string(NCTriggerNote), c)
}

// Do runs any nonconformity command as its typed method does; an
// [NCRaise] carries its own ID, and id must then be empty.
func (s *Nonconformities) Do(ctx context.Context, a sms.Actor, id string, c NonconformityCommand) (*Nonconformity, error) {
	return s.m.Do(ctx, a, id, c)
}

// Policy returns a copy of the policy the service applies.
func (s *Nonconformities) Policy() NonconformityPolicy { return s.policy.clone() }

// NonconformityFacts implements [NonconformityFinder]: what an audit
// finding reads of the stored nonconformity, which must verify against its
// journal; an unknown ID is an error matching [sms.ErrNotFound].
func (s *Nonconformities) NonconformityFacts(ctx context.Context, id string) (NonconformityFacts, error) {
	if err := s.m.Verify(ctx, id); err != nil {
		return NonconformityFacts{}, err
	}
	x, err := s.m.Get(ctx, id)
	if err != nil {
		return NonconformityFacts{}, err
	}
	return NonconformityFacts{Status: string(x.Status), Source: x.Source, SourceRef: x.SourceRef}, nil
}

// SweepNonconformity returns the periodic findings of one nonconformity
// as of a time (NC-09), a pure function: in action_planned, an
// NC_ACTION_OVERDUE per action not done whose due date asOf is after; in
// verifying, NC_VERIFY_OVERDUE once asOf is after the verification's due
// date. At the due instant itself nothing is overdue. A nil record has no
// findings.
func SweepNonconformity(x *Nonconformity, asOf time.Time) []sms.Finding {
	if x == nil {
		return nil
	}
	return ncSweep(sms.NewAudit(asOf, NonconformityRequirements()), x)
}

func ncSweep(a *sms.Audit, x *Nonconformity) []sms.Finding {
	var out []sms.Finding
	switch x.Status {
	case NCActionPlanned:
		for _, ac := range x.Actions {
			if !ac.IsDone() && a.AsOf().After(ac.Due) {
				out = append(out, a.Finding(CodeNCActionOverdue, "NC-09", NonconformityKind, x.ID,
					"action "+ac.ID+" ("+ac.Owner+") due "+ac.Due.UTC().Format(time.RFC3339)+" is not done"))
			}
		}
	case NCVerifying:
		if a.AsOf().After(x.VerifyDue) {
			out = append(out, a.Finding(CodeNCVerifyOverdue, "NC-09", NonconformityKind, x.ID,
				"effectiveness verification due "+x.VerifyDue.UTC().Format(time.RFC3339)+" is not made"))
		}
	}
	return out
}

// Sweep returns the periodic findings of the stored nonconformities with
// actions or a verification pending (see [SweepNonconformity]); each one
// that does not verify against its journal is a [sms.CodeRecordUnverified]
// finding, listed first.
func (s *Nonconformities) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	a := sms.NewAudit(asOf, NonconformityRequirements())
	return sms.SweepStore(ctx, s.m, sms.Query{Status: sms.StatesOf(NCActionPlanned, NCVerifying)}, asOf, func(x *Nonconformity, _ []sms.Entry) []sms.Finding {
		return ncSweep(a, x)
	})
}

// NCCount is how many nonconformities were raised under one key: a
// source, or a process area ("" for those that name none).
type NCCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// NCTrends is how many nonconformities were raised in a period, by source
// and by process area (NC-08).
type NCTrends struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Total    int       `json:"total"`
	BySource []NCCount `json:"by_source"`
	ByArea   []NCCount `json:"by_area"`
}

// NonconformityTrends counts the nonconformities raised (created) in
// [from, to), by source and by area (NC-08), a pure function: each list
// the most frequent first, then by key; a zero from or to leaves that
// side of the period open. Nil records are skipped.
func NonconformityTrends(ncs []*Nonconformity, from, to time.Time) NCTrends {
	tr := NCTrends{From: from, To: to, BySource: []NCCount{}, ByArea: []NCCount{}}
	src, area := map[string]int{}, map[string]int{}
	for _, x := range ncs {
		if x == nil || (!from.IsZero() && x.CreatedAt.Before(from)) || (!to.IsZero() && !x.CreatedAt.Before(to)) {
			continue
		}
		tr.Total++
		src[string(x.Source)]++
		area[x.Area]++
	}
	tr.BySource, tr.ByArea = ncCounts(src), ncCounts(area)
	return tr
}

func ncCounts(m map[string]int) []NCCount {
	out := make([]NCCount, 0, len(m))
	for k, n := range m {
		out = append(out, NCCount{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// NonconformityConformChecks returns the checks of check 14 under the
// default policy, for hosts that run them with [sms.ConformStore] and for
// tests; [ConformNonconformities] runs them under the service's policy.
func NonconformityConformChecks() []sms.Check[*Nonconformity] {
	return ncConformChecks(DefaultNonconformityPolicy())
}

func ncConformChecks(p NonconformityPolicy) []sms.Check[*Nonconformity] {
	return []sms.Check[*Nonconformity]{
		{
			Name: "nonconformity-closure-evidence", Clause: "10.1", Cites: []string{"NC-01", "NC-02", "NC-03", "NC-04", "NC-06"},
			Rule: "every closed nonconformity has its correction (or the reasoned declaration that none is needed) and consequences, a cause analysis with review notes, " +
				"the check for similar nonconformities and a decision with its rationale; then either every action done and a last verification effective with evidence, " +
				"made (as its journal shows) by another person than the owner, or a decision that no action is needed, allowed by its severity and approved by an SMS owner " +
				"other than who decided it (as its journal shows)",
			Applies: func(x *Nonconformity) bool { return x.Status == NCClosed },
			Eval:    func(x *Nonconformity, e *sms.Examined) { ncEvalClosed(p, x, e) },
		},
		{
			Name: "nonconformity-on-time", Clause: "10.1", Cites: []string{"NC-09"},
			Rule:    "no open nonconformity has a corrective action or an effectiveness verification past its due date",
			Applies: func(x *Nonconformity) bool { return x.Status != NCClosed },
			Eval: func(x *Nonconformity, e *sms.Examined) {
				for _, f := range SweepNonconformity(x, e.AsOf) {
					e.Fail(f.Code, f.Requirement.ID, f.Detail)
				}
			},
		},
	}
}

func ncEvalClosed(p NonconformityPolicy, x *Nonconformity, e *sms.Examined) {
	fail := func(req, detail string) { e.Fail(CodeNCIncomplete, req, detail) }
	corrected := !sms.Blank(x.Correction) && len(x.CorrectionActions) > 0 && !slices.ContainsFunc(x.CorrectionActions, sms.Blank)
	if !corrected && (x.NoCorrection == nil || sms.Blank(x.NoCorrection.Reason)) {
		fail("NC-01", "no correction with its actions, and no reasoned declaration that none is needed")
	}
	if sms.Blank(x.Consequences) {
		fail("NC-01", "no consequences noted")
	}
	if sms.Blank(x.ReviewNotes) || len(x.Causes) == 0 || slices.ContainsFunc(x.Causes, sms.Blank) {
		fail("NC-02", "no cause analysis: review notes and causes")
	}
	if sms.Blank(x.SimilarCheck.Query) {
		fail("NC-02", "no check for similar nonconformities")
	}
	if sms.Blank(x.Decision.Rationale) {
		fail("NC-02", "no decision rationale")
	}
	if x.Decision.CorrectiveActionNeeded {
		if !x.ActionsDone() {
			fail("NC-03", "not every corrective action is done, on evidence")
		}
		n := len(x.Verifications)
		if n == 0 || !x.Verifications[n-1].Effective || sms.Blank(x.Verifications[n-1].Evidence) {
			fail("NC-04", "the last verification is not an effective one with evidence")
		} else if x.Verifications[n-1].By == x.Owner {
			fail("NC-04", "verified effective by its owner "+x.Owner)
		}
		if e.Journal != nil {
			verifiers := sms.ActorsOf(e.Journal, string(NCTriggerVerifyEffective))
			if len(verifiers) == 0 {
				fail("NC-04", "the journal shows no effective verification")
			} else if slices.Contains(verifiers, x.Owner) {
				fail("NC-04", "the journal shows the owner "+x.Owner+" verifying the corrective action effective")
			}
		}
		return
	}
	if d, ok := p.Depth[x.Severity]; !ok || d.CorrectiveActionRequired {
		fail("NC-06", "closed without corrective action, which its severity "+strconv.Quote(string(x.Severity))+" requires")
	}
	if x.NoActionApprovedBy == "" {
		fail("NC-02", "the decision that no corrective action is needed was not approved")
	} else if x.Parties.Has(ncPartyDecider, x.NoActionApprovedBy) {
		fail("NC-02", "the decision that no corrective action is needed was approved by who decided it")
	}
	if e.Journal == nil {
		return
	}
	deciders := sms.ActorsOf(e.Journal, string(NCTriggerDecideNoAction))
	if len(deciders) == 0 {
		fail("NC-02", "the journal shows no decision that no corrective action is needed")
	}
	closes := 0
	for _, en := range e.Journal {
		if en.Trigger != string(NCTriggerCloseNoAction) {
			continue
		}
		closes++
		switch {
		case slices.Contains(deciders, en.Actor.ID):
			fail("NC-02", "the journal shows "+en.Actor.ID+" approving their own decision that no corrective action is needed")
		case !en.Actor.Has(RoleSMSOwner):
			fail("NC-02", "the journal shows "+en.Actor.ID+", not an SMS owner, approving the decision that no corrective action is needed")
		}
	}
	if closes == 0 {
		fail("NC-02", "the journal shows no SMS owner approving the decision that no corrective action is needed")
	}
}

// ConformNonconformities runs check 14 of the auditor suite over the
// stored nonconformities, under the service's policy: the record
// verification of each; every closed one closed on evidence
// (nonconformity-closure-evidence: NC-01 to NC-04, NC-06); no open one
// with an action or a verification overdue (nonconformity-on-time,
// NC-09). Only records that verify count.
func ConformNonconformities(ctx context.Context, s *Nonconformities, asOf time.Time) (sms.Report, error) {
	if s == nil {
		return sms.Report{}, sms.Invalid(NonconformityKind, "store", "needs the nonconformities")
	}
	a := sms.NewAudit(asOf, NonconformityRequirements())
	err := sms.ConformStoreFunc(ctx, a, s.m, sms.Query{}, ncConformChecks(s.policy), nil)
	return a.Report(), err
}
