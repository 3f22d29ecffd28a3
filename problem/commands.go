package problem

import (
	"time"

	"github.com/iso20k/sms"
)

// Command is the typed input of one problem trigger. Every problem command
// type of this package implements it, and only they do; [Service.Do] runs
// any of them, the typed methods one each.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// KECommand is the typed input of one known-error trigger; see
// [KnownErrors.Do]. Known errors are created by
// [Service.DeclareKnownError] only.
type KECommand interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() KETrigger
	keCommand()
}

// Size limits of command fields, in bytes.
const (
	MaxText  = sms.MaxText  // free text: descriptions, notes, reasons
	MaxShort = sms.MaxShort // summaries, titles
	MaxList  = sms.MaxList  // entries of a list field
)

// Report logs a new problem (trigger log, PRB-03). Summary, Service and
// Source are required; a problem from a major incident names it (PRB-14).
type Report struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID          string
	Summary     string
	Description string
	Service     string
	Source      Source
	// Incidents are the incidents the problem comes from; each is linked.
	Incidents []string
	// ConfigItems affected, if known; each is linked.
	ConfigItems []string
	// Symptoms observed, if known; they become the known error's symptoms.
	Symptoms []string
}

// Trigger implements [Command].
func (Report) Trigger() Trigger { return TriggerLog }
func (Report) command()         {}

// Validate implements [sms.Command].
func (c Report) Validate() error {
	switch c.Source {
	case "", SourceReactive, SourceTrend, SourceProactive, SourceMajorIncident:
	default:
		return sms.Invalid(Kind, "source", "%q is not one of reactive, trend, proactive, major_incident", c.Source)
	}
	return sms.FirstError(sms.CheckRef(Kind, "id", c.ID), sms.CheckText(Kind, "summary", c.Summary, MaxShort), sms.CheckText(Kind, "description", c.Description, MaxText),
		sms.CheckRef(Kind, "service", c.Service), sms.CheckRefs(Kind, "incidents", c.Incidents), sms.CheckRefs(Kind, "config_items", c.ConfigItems),
		sms.CheckTexts(Kind, "symptoms", c.Symptoms, MaxText))
}

// Classification classifies and prioritises a problem (trigger classify,
// PRB-03, PRB-04); priority comes from the policy's matrix.
// Reclassification journals the old and new values.
type Classification struct {
	Category string
	Impact   Level
	Urgency  Level
}

// Trigger implements [Command].
func (Classification) Trigger() Trigger { return TriggerClassify }
func (Classification) command()         {}

// Validate implements [sms.Command].
func (c Classification) Validate() error {
	if c.Impact < 0 || c.Urgency < 0 {
		return sms.Invalid(Kind, "classification", "levels cannot be negative")
	}
	return sms.CheckRef(Kind, "category", c.Category)
}

// Assessment accepts a classified, prioritised problem for work and names
// its owner (trigger assess, PRB-03, PRB-04).
type Assessment struct {
	Owner string
	Note  string
}

// Trigger implements [Command].
func (Assessment) Trigger() Trigger { return TriggerAssess }
func (Assessment) command()         {}

// Validate implements [sms.Command].
func (c Assessment) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "owner", c.Owner), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// RCAStart starts root-cause analysis with a named investigator (trigger
// start_rca, PRB-02).
type RCAStart struct {
	Investigator string
	Note         string
}

// Trigger implements [Command].
func (RCAStart) Trigger() Trigger { return TriggerStartRCA }
func (RCAStart) command()         {}

// Validate implements [sms.Command].
func (c RCAStart) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "investigator", c.Investigator), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// RootCauseAnalysis records the root-cause analysis (trigger
// record_root_cause, PRB-02): the root cause, or Undeterminable with a
// Justification, which allows resolving and closing but never a known
// error or a fix. Recording again replaces it; the journal keeps both.
type RootCauseAnalysis struct {
	RootCause           string
	Method              string
	ContributingFactors []string
	PreventiveActions   []string
	Undeterminable      bool
	Justification       string
}

// Trigger implements [Command].
func (RootCauseAnalysis) Trigger() Trigger { return TriggerAnalyse }
func (RootCauseAnalysis) command()         {}

// Validate implements [sms.Command].
func (c RootCauseAnalysis) Validate() error {
	if c.Undeterminable && c.RootCause != "" {
		return sms.Invalid(Kind, "analysis", "names a root cause and calls it undeterminable")
	}
	return sms.FirstError(sms.CheckText(Kind, "analysis.root_cause", c.RootCause, MaxText), sms.CheckText(Kind, "analysis.method", c.Method, MaxShort),
		sms.CheckTexts(Kind, "analysis.contributing_factors", c.ContributingFactors, MaxText), sms.CheckTexts(Kind, "analysis.preventive_actions", c.PreventiveActions, MaxText),
		sms.CheckText(Kind, "analysis.justification", c.Justification, MaxText))
}

// KnownErrorDeclaration declares the problem a known error (trigger
// declare_known_error, PRB-02, PRB-10, PRB-11): the root cause must be
// recorded and a workaround or a mitigation plan given. The service
// records, with the declaration, a [KnownError] in draft, carrying the
// problem's root cause, the symptoms, workaround and mitigation, the
// service and the linked configuration items.
type KnownErrorDeclaration struct {
	// KnownErrorID is the host's reference for the known error; empty means
	// a generated one.
	KnownErrorID string
	// Title defaults to the problem's summary.
	Title      string
	Symptoms   []string
	Workaround string
	Mitigation []string
}

// Trigger implements [Command].
func (KnownErrorDeclaration) Trigger() Trigger { return TriggerDeclareKnownError }
func (KnownErrorDeclaration) command()         {}

// Validate implements [sms.Command].
func (c KnownErrorDeclaration) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "known_error_id", c.KnownErrorID), sms.CheckText(Kind, "title", c.Title, MaxShort),
		sms.CheckTexts(Kind, "symptoms", c.Symptoms, MaxText), sms.CheckText(Kind, "workaround", c.Workaround, MaxText),
		sms.CheckTexts(Kind, "mitigation", c.Mitigation, MaxText))
}

// FixStart starts a permanent fix under a change (trigger start_fix,
// PRB-09). Change names the change record; with a [ChangeLookup]
// configured, the change must exist and be open, as the transition asks
// the host before its guards run.
type FixStart struct {
	Change string
	Note   string
}

// Trigger implements [Command].
func (FixStart) Trigger() Trigger { return TriggerStartFix }
func (FixStart) command()         {}

// Validate implements [sms.Command].
func (c FixStart) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "fix.change", c.Change), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// RiskRequest asks to accept the risk of a problem's cause instead of
// fixing it (trigger request_risk_acceptance, PRB-06). It starts a fresh
// round of approvals; the requester may not approve it.
type RiskRequest struct {
	Rationale string
}

// Trigger implements [Command].
func (RiskRequest) Trigger() Trigger { return TriggerRequestRiskAcceptance }
func (RiskRequest) command()         {}

// Validate implements [sms.Command].
func (c RiskRequest) Validate() error {
	return sms.CheckText(Kind, "risk.rationale", c.Rationale, MaxText)
}

// RiskDecision is one approver's decision on a risk acceptance (trigger
// approve_risk, PRB-06). Role is the role the approver decides in, problem
// manager or service owner; they must hold it, must not have requested an
// acceptance of the problem's risk or logged the problem, and must not
// have decided in the other role.
type RiskDecision struct {
	Role      sms.Role
	Decision  sms.Decision
	Rationale string
}

// Trigger implements [Command].
func (RiskDecision) Trigger() Trigger { return TriggerApproveRisk }
func (RiskDecision) command()         {}

// Validate implements [sms.Command].
func (c RiskDecision) Validate() error {
	if c.Role != RoleProblemManager && c.Role != RoleServiceOwner {
		return sms.Invalid(Kind, "risk.role", "%q is neither problem_manager nor service_owner", c.Role)
	}
	if c.Decision != sms.Approve && c.Decision != sms.Reject {
		return sms.Invalid(Kind, "risk.decision", "%q is neither approve nor reject", c.Decision)
	}
	return sms.CheckText(Kind, "risk.rationale", c.Rationale, MaxText)
}

// Resolution resolves a problem (trigger resolve, PRB-02, PRB-06): the root
// cause must be recorded or justified as undeterminable (a fix needs the
// cause), notes are required, and per type: fix_applied needs the
// problem's change reported closed successful by the [ChangeLookup];
// risk_accepted needs the approvals; duplicate names the problem it
// duplicates. For fix_applied the transition asks the host about the
// problem's change before its guards run.
type Resolution struct {
	Type        ResolutionType
	Notes       string
	DuplicateOf string
}

// Trigger implements [Command].
func (Resolution) Trigger() Trigger { return TriggerResolve }
func (Resolution) command()         {}

// Validate implements [sms.Command].
func (c Resolution) Validate() error {
	switch c.Type {
	case "", FixApplied, RiskAccepted, Duplicate, CannotReproduce:
	default:
		return sms.Invalid(Kind, "resolution.type", "%q is not one of fix_applied, risk_accepted, duplicate, cannot_reproduce", c.Type)
	}
	return sms.FirstError(sms.CheckText(Kind, "resolution.notes", c.Notes, MaxText), sms.CheckRef(Kind, "resolution.duplicate_of", c.DuplicateOf))
}

// Recurrence reports that a linked incident recurred while the resolved
// problem was under observation (trigger recur, PRB-07): the problem goes
// back to root-cause analysis and the incident is linked.
type Recurrence struct {
	Incident string
	Note     string
}

// Trigger implements [Command].
func (Recurrence) Trigger() Trigger { return TriggerRecur }
func (Recurrence) command()         {}

// Validate implements [sms.Command].
func (c Recurrence) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "recurrence.incident", c.Incident), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// Closure closes a resolved problem once its observation window passed
// without recurrence (trigger close, PRB-07).
type Closure struct {
	Note string
}

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error { return sms.CheckText(Kind, "note", c.Note, MaxText) }

// Cancellation cancels a problem before analysis (trigger cancel, PRB-03);
// a duplicate names the original.
type Cancellation struct {
	Reason      CancelReason
	DuplicateOf string
	Note        string
}

// Trigger implements [Command].
func (Cancellation) Trigger() Trigger { return TriggerCancel }
func (Cancellation) command()         {}

// Validate implements [sms.Command].
func (c Cancellation) Validate() error {
	switch c.Reason {
	case "", CancelDuplicate, CancelNotAProblem, CancelRaisedInError:
	default:
		return sms.Invalid(Kind, "cancel.reason", "%q is not one of duplicate, not_a_problem, raised_in_error", c.Reason)
	}
	return sms.FirstError(sms.CheckRef(Kind, "cancel.duplicate_of", c.DuplicateOf), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// Escalation escalates a problem to a target, with a reason (trigger
// escalate, PRB-05).
type Escalation struct {
	Target string
	Reason string
}

// Trigger implements [Command].
func (Escalation) Trigger() Trigger { return TriggerEscalate }
func (Escalation) command()         {}

// Validate implements [sms.Command].
func (c Escalation) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "escalation.target", c.Target), sms.CheckText(Kind, "escalation.reason", c.Reason, MaxText))
}

// Action records an action taken (trigger record_action, PRB-08).
type Action struct {
	Text string
}

// Trigger implements [Command].
func (Action) Trigger() Trigger { return TriggerRecordAction }
func (Action) command()         {}

// Validate implements [sms.Command].
func (c Action) Validate() error { return sms.CheckText(Kind, "action.text", c.Text, MaxText) }

// Link links an incident, configuration item or change by ID (trigger
// link). Type is one of [LinkTypes].
type Link struct {
	Type string
	ID   string
}

// Trigger implements [Command].
func (Link) Trigger() Trigger { return TriggerLink }
func (Link) command()         {}

// Validate implements [sms.Command].
func (c Link) Validate() error {
	switch c.Type {
	case LinkIncident, LinkConfigItem, LinkChange:
	default:
		return sms.Invalid(Kind, "link.type", "%q is not one of incident, config_item, change", c.Type)
	}
	if c.ID == "" {
		return sms.Invalid(Kind, "link.id", "is empty")
	}
	return sms.CheckRef(Kind, "link.id", c.ID)
}

// Propagation communicates the workaround or the fix to every linked
// incident not yet informed of it (trigger propagate, PRB-15). The
// transition calls the host's [IncidentNotifier] once per incident, which
// records it in that incident's journal, before its guards run, and
// records on the problem which incidents were informed.
type Propagation struct {
	Kind CommunicationKind
}

// Trigger implements [Command].
func (Propagation) Trigger() Trigger { return TriggerPropagate }
func (Propagation) command()         {}

// Validate implements [sms.Command].
func (c Propagation) Validate() error {
	if c.Kind != CommunicateWorkaround && c.Kind != CommunicateFix {
		return sms.Invalid(Kind, "propagation.kind", "%q is neither workaround nor fix", c.Kind)
	}
	return nil
}

// Note adds a note (trigger note), in any status.
type Note struct {
	Text string
}

// Trigger implements [Command].
func (Note) Trigger() Trigger { return TriggerNote }
func (Note) command()         {}

// Validate implements [sms.Command].
func (c Note) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(Kind, "note.text", "is empty or white space")
	}
	return sms.CheckText(Kind, "note.text", c.Text, MaxText)
}

// keRecord creates the known error a problem was declared (trigger
// record); only the service issues it. The transition reads the problem
// for the rest.
type keRecord struct {
	ID      string
	Problem string
	Title   string
}

func (keRecord) Trigger() KETrigger { return KETriggerRecord }
func (keRecord) keCommand()         {}
func (keRecord) Validate() error    { return nil }

// KERevision edits a draft or published known error (trigger revise,
// PRB-12); every edit is journaled with old and new values. An empty Title
// or Workaround, or a nil list, leaves the field as it is (a Title or
// Workaround of white space only is refused); an empty, non-nil list
// clears it.
type KERevision struct {
	Title       string
	Symptoms    []string
	Workaround  string
	Mitigation  []string
	Services    []string
	ConfigItems []string
	Note        string
}

// Trigger implements [KECommand].
func (KERevision) Trigger() KETrigger { return KETriggerRevise }
func (KERevision) keCommand()         {}

// Validate implements [sms.Command].
func (c KERevision) Validate() error {
	k := KnownErrorKind
	if c.Title != "" && sms.Blank(c.Title) {
		return sms.Invalid(k, "title", "is only white space: leave it empty to keep the title")
	}
	if c.Workaround != "" && sms.Blank(c.Workaround) {
		return sms.Invalid(k, "workaround", "is only white space: leave it empty to keep the workaround")
	}
	return sms.FirstError(sms.CheckText(k, "title", c.Title, MaxShort), sms.CheckTexts(k, "symptoms", c.Symptoms, MaxText), sms.CheckText(k, "workaround", c.Workaround, MaxText),
		sms.CheckTexts(k, "mitigation", c.Mitigation, MaxText), sms.CheckRefs(k, "services", c.Services), sms.CheckRefs(k, "config_items", c.ConfigItems),
		sms.CheckText(k, "note", c.Note, MaxText))
}

// KEPublication publishes a draft known error (trigger publish, PRB-12):
// it then is found by symptom, service or configuration item.
type KEPublication struct {
	Note string
}

// Trigger implements [KECommand].
func (KEPublication) Trigger() KETrigger { return KETriggerPublish }
func (KEPublication) keCommand()         {}

// Validate implements [sms.Command].
func (c KEPublication) Validate() error {
	return sms.CheckText(KnownErrorKind, "note", c.Note, MaxText)
}

// KEReview records the periodic review of a published known error (trigger
// review, PRB-12): the workaround is still valid, or what changed.
type KEReview struct {
	Outcome string
}

// Trigger implements [KECommand].
func (KEReview) Trigger() KETrigger { return KETriggerReview }
func (KEReview) keCommand()         {}

// Validate implements [sms.Command].
func (c KEReview) Validate() error {
	return sms.CheckText(KnownErrorKind, "review.outcome", c.Outcome, MaxText)
}

// KERetirement retires a known error (trigger retire, PRB-12), with a
// reason and, when a fix removed the cause, the change.
type KERetirement struct {
	Reason string
	Fix    string
}

// Trigger implements [KECommand].
func (KERetirement) Trigger() KETrigger { return KETriggerRetire }
func (KERetirement) keCommand()         {}

// Validate implements [sms.Command].
func (c KERetirement) Validate() error {
	return sms.FirstError(sms.CheckText(KnownErrorKind, "retire.reason", c.Reason, MaxText), sms.CheckRef(KnownErrorKind, "retire.fix", c.Fix))
}

// KENote adds a note to a known error (trigger note), in any status.
type KENote struct {
	Text string
}

// Trigger implements [KECommand].
func (KENote) Trigger() KETrigger { return KETriggerNote }
func (KENote) keCommand()         {}

// Validate implements [sms.Command].
func (c KENote) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(KnownErrorKind, "note.text", "is empty or white space")
	}
	return sms.CheckText(KnownErrorKind, "note.text", c.Text, MaxText)
}

func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
