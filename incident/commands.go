package incident

import (
	"time"

	"github.com/iso20k/sms"
)

// Command is the typed input of one incident trigger. Every command type of
// this package implements it, and only they do; [Service.Do] runs any of
// them, the typed methods one each.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// Size limits of command fields, in bytes.
const (
	MaxText  = sms.MaxText  // free text: descriptions, notes, reasons
	MaxShort = sms.MaxShort // names, codes, summaries
)

func checkText(field, s string, max int) error   { return sms.CheckText(Kind, field, s, max) }
func checkRef(field, id string) error            { return sms.CheckRef(Kind, field, id) }
func checkRefs(field string, ids []string) error { return sms.CheckRefs(Kind, field, ids) }
func checkTime(field string, t time.Time) error  { return sms.CheckTime(Kind, field, t) }

// Report logs a new incident (trigger log, INC-01). Summary, Service,
// Source, Reporter and ReportedAt are required; a missing one is refused
// citing INC-01.
type Report struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID          string
	Summary     string
	Description string
	Service     string
	Source      Source
	Reporter    string
	ReportedAt  time.Time
	// ConfigItems affected, if known.
	ConfigItems []string
	// ReopenedFrom names a closed incident this one reopens (INC-16).
	ReopenedFrom string
}

// Trigger implements [Command].
func (Report) Trigger() Trigger { return TriggerLog }
func (Report) command()         {}

// Validate implements [sms.Command].
func (c Report) Validate() error {
	switch c.Source {
	case "", SourceUser, SourceMonitoring, SourceSupplier, SourceOther:
	default:
		return sms.Invalid(Kind, "source", "%q is not one of user, monitoring, supplier, other", c.Source)
	}
	return sms.FirstError(checkRef("id", c.ID), checkText("summary", c.Summary, MaxShort), checkText("description", c.Description, MaxText),
		checkRef("service", c.Service), checkRef("reporter", c.Reporter), checkTime("reported_at", c.ReportedAt),
		checkRefs("config_items", c.ConfigItems), checkRef("reopened_from", c.ReopenedFrom))
}

// Classification classifies and prioritises an incident (trigger classify,
// INC-02, INC-03, INC-14). Priority comes from the policy's matrix unless
// Priority is set, which is a manual override that needs OverrideReason and
// must be one of the priorities the matrix gives. Impact, urgency and
// security risk are levels of the matrix; any of them, or the priority,
// above [MaxLevels] is refused as invalid input, and outside the policy's
// matrix by a guard citing INC-03 (INC-14 for the risk).
// Reclassification is allowed while the incident is open and journals the
// old and new values.
type Classification struct {
	Category string
	// Service replaces the logged service when set.
	Service     string
	ConfigItems []string
	Impact      Level
	Urgency     Level
	// Priority overrides the matrix when non-zero.
	Priority       Priority
	OverrideReason string
	// Security marks an information-security incident; SecurityRisk is then
	// required and weighs in the priority (INC-14).
	Security     bool
	SecurityRisk Level
}

// Trigger implements [Command].
func (Classification) Trigger() Trigger { return TriggerClassify }
func (Classification) command()         {}

// Validate implements [sms.Command].
func (c Classification) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"impact", int(c.Impact)}, {"urgency", int(c.Urgency)}, {"priority", int(c.Priority)}, {"security_risk", int(c.SecurityRisk)}} {
		if f.v < 0 || f.v > MaxLevels {
			return sms.Invalid(Kind, "classification."+f.name, "%d is outside 0 to %d", f.v, MaxLevels)
		}
	}
	if c.SecurityRisk != 0 && !c.Security {
		return sms.Invalid(Kind, "classification.security_risk", "is rated on an incident not marked as a security incident")
	}
	return sms.FirstError(checkRef("category", c.Category), checkRef("service", c.Service), checkRefs("config_items", c.ConfigItems),
		checkText("override_reason", c.OverrideReason, MaxText))
}

// Assignment assigns an incident to a group, a person, or both (trigger
// assign). Reassignment is the same trigger.
type Assignment struct {
	Group    string
	Assignee string
	Note     string
}

// Trigger implements [Command].
func (Assignment) Trigger() Trigger { return TriggerAssign }
func (Assignment) command()         {}

// Validate implements [sms.Command].
func (c Assignment) Validate() error {
	if c.Group == "" && c.Assignee == "" {
		return sms.Invalid(Kind, "assignment", "names neither a group nor an assignee")
	}
	return sms.FirstError(checkRef("group", c.Group), checkRef("assignee", c.Assignee), checkText("note", c.Note, MaxText))
}

// Unassignment returns an incident to the queue (trigger unassign, where
// [Policy].Unassign allows it): its group and assignee are removed and its
// status is new again. The reason is required.
type Unassignment struct {
	Reason string
}

// Trigger implements [Command].
func (Unassignment) Trigger() Trigger { return TriggerUnassign }
func (Unassignment) command()         {}

// Validate implements [sms.Command].
func (c Unassignment) Validate() error { return checkText("reason", c.Reason, MaxText) }

// WorkStart records that work on an assigned incident started (trigger
// start).
type WorkStart struct {
	Note string
}

// Trigger implements [Command].
func (WorkStart) Trigger() Trigger { return TriggerStart }
func (WorkStart) command()         {}

// Validate implements [sms.Command].
func (c WorkStart) Validate() error { return checkText("note", c.Note, MaxText) }

// Suspension puts an incident on hold (trigger hold, INC-13). Waiting for a
// change, a problem or a supplier needs Ref: the change or problem ID, or
// the supplier's ticket reference.
type Suspension struct {
	Reason HoldReason
	Ref    string
	Note   string
	// Until, when set, is when the hold ends by itself: a snooze.
	// [Service.ResumeDue] resumes the incidents whose time has come. It
	// must be later than the hold.
	Until time.Time
}

// Trigger implements [Command].
func (Suspension) Trigger() Trigger { return TriggerHold }
func (Suspension) command()         {}

// Validate implements [sms.Command].
func (c Suspension) Validate() error {
	switch c.Reason {
	case HoldCaller, HoldSupplier, HoldChange, HoldProblem:
	default:
		return sms.Invalid(Kind, "hold.reason", "%q is not one of caller, supplier, change, problem", c.Reason)
	}
	return sms.FirstError(checkRef("hold.ref", c.Ref), checkText("note", c.Note, MaxText), checkTime("hold.until", c.Until))
}

// Resumption takes an incident off hold (trigger resume).
type Resumption struct {
	Note string
}

// Trigger implements [Command].
func (Resumption) Trigger() Trigger { return TriggerResume }
func (Resumption) command()         {}

// Validate implements [sms.Command].
func (c Resumption) Validate() error { return checkText("note", c.Note, MaxText) }

// Escalation escalates an incident (trigger escalate, INC-04). A functional
// escalation to Target reassigns the incident to that group; a
// hierarchical one informs Target, a manager. Target and Reason are
// required.
type Escalation struct {
	Kind   EscalationKind
	Target string
	Reason string
}

// Trigger implements [Command].
func (Escalation) Trigger() Trigger { return TriggerEscalate }
func (Escalation) command()         {}

// Validate implements [sms.Command].
func (c Escalation) Validate() error {
	if c.Kind != Functional && c.Kind != Hierarchical {
		return sms.Invalid(Kind, "escalation.kind", "%q is neither functional nor hierarchical", c.Kind)
	}
	return sms.FirstError(checkRef("escalation.target", c.Target), checkText("escalation.reason", c.Reason, MaxText))
}

// Action records an action taken: a diagnostic step, a workaround applied,
// a contact (trigger record_action, INC-07).
type Action struct {
	Text string
	// KnownError names the known error whose workaround was applied, if any.
	KnownError string
}

// Trigger implements [Command].
func (Action) Trigger() Trigger { return TriggerRecordAction }
func (Action) command()         {}

// Validate implements [sms.Command].
func (c Action) Validate() error {
	return sms.FirstError(checkText("action.text", c.Text, MaxText), checkRef("action.known_error", c.KnownError))
}

// Note adds a note (trigger note). It is the only trigger a closed or
// cancelled incident accepts.
type Note struct {
	Text string
}

// Trigger implements [Command].
func (Note) Trigger() Trigger { return TriggerNote }
func (Note) command()         {}

// Validate implements [sms.Command].
func (c Note) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(Kind, "note.text", "is empty or only white space")
	}
	return checkText("note.text", c.Text, MaxText)
}

// Link links the incident to another record by ID (trigger link, INC-13).
// Type is one of [LinkTypes].
type Link struct {
	Type string
	ID   string
}

// Trigger implements [Command].
func (Link) Trigger() Trigger { return TriggerLink }
func (Link) command()         {}

// Validate implements [sms.Command].
func (c Link) Validate() error {
	ok := false
	for _, t := range LinkTypes() {
		ok = ok || c.Type == t
	}
	if !ok {
		return sms.Invalid(Kind, "link.type", "%q is not a link type", c.Type)
	}
	if c.ID == "" {
		return sms.Invalid(Kind, "link.id", "is empty")
	}
	return checkRef("link.id", c.ID)
}

// Resolution resolves an incident (trigger resolve, INC-05, INC-07): a
// resolution code, notes and the time service was restored are required,
// and at least one action must have been recorded.
type Resolution struct {
	Code       string
	Notes      string
	RestoredAt time.Time
	// KnownError names the known error whose workaround resolved it.
	KnownError string
}

// Trigger implements [Command].
func (Resolution) Trigger() Trigger { return TriggerResolve }
func (Resolution) command()         {}

// Validate implements [sms.Command].
func (c Resolution) Validate() error {
	return sms.FirstError(checkRef("resolution.code", c.Code), checkText("resolution.notes", c.Notes, MaxText),
		checkTime("resolution.restored_at", c.RestoredAt), checkRef("resolution.known_error", c.KnownError))
}

// Reopening reopens a resolved incident whose resolution the caller
// rejected (trigger reopen, INC-16). The reason is required.
type Reopening struct {
	Reason string
}

// Trigger implements [Command].
func (Reopening) Trigger() Trigger { return TriggerReopen }
func (Reopening) command()         {}

// Validate implements [sms.Command].
func (c Reopening) Validate() error { return checkText("reopen.reason", c.Reason, MaxText) }

// Closure closes a resolved incident (trigger close, INC-06): the caller
// confirmed, or the policy's auto-close window elapsed since resolution. A
// close code is required.
//
// A confirmation by the caller (ConfirmedByCaller) is the caller's own act:
// the actor closing is the incident's caller ([Incident.IsCaller]). A
// service-desk agent or incident manager may instead record the caller's
// confirmation received over a Channel, where the policy permits that
// channel (Policy.ConfirmationChannels); the journal names the channel and
// the agent. Anything else is refused with a [*sms.ForbiddenError] citing
// INC-06.
type Closure struct {
	Code         string
	Confirmation Confirmation
	// Channel is how the caller's confirmation reached the agent recording
	// it; empty when the caller closes themselves. Only with
	// ConfirmedByCaller.
	Channel Channel
}

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error {
	switch c.Confirmation {
	case "", ConfirmedByCaller, AutoClosed:
	default:
		return sms.Invalid(Kind, "closure.confirmation", "%q is neither caller nor auto", c.Confirmation)
	}
	switch {
	case c.Channel == "":
	case !c.Channel.Valid():
		return sms.Invalid(Kind, "closure.channel", "%q is not one of phone, email, chat, in_person", c.Channel)
	case c.Confirmation != ConfirmedByCaller:
		return sms.Invalid(Kind, "closure.channel", "names how the caller's confirmation came, so it goes with the caller confirmation only")
	}
	return checkRef("closure.code", c.Code)
}

// Cancellation cancels an incident logged by mistake (trigger cancel,
// INC-17). A duplicate names the original in DuplicateOf.
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
	case "", CancelDuplicate, CancelNotAnIncident, CancelRaisedInError:
	default:
		return sms.Invalid(Kind, "cancel.reason", "%q is not one of duplicate, not_an_incident, raised_in_error", c.Reason)
	}
	return sms.FirstError(checkRef("cancel.duplicate_of", c.DuplicateOf), checkText("note", c.Note, MaxText))
}

// Conversion records that a new incident was really a service request: the
// host created the request, and the incident is cancelled with a link to it
// (trigger convert_to_request, INC-17).
type Conversion struct {
	RequestID string
}

// Trigger implements [Command].
func (Conversion) Trigger() Trigger { return TriggerConvert }
func (Conversion) command()         {}

// Validate implements [sms.Command].
func (c Conversion) Validate() error { return checkRef("conversion.request_id", c.RequestID) }

// MajorProposal proposes an incident as a major-incident candidate (trigger
// propose_major, INC-09).
type MajorProposal struct {
	Reason string
}

// Trigger implements [Command].
func (MajorProposal) Trigger() Trigger { return TriggerProposeMajor }
func (MajorProposal) command()         {}

// Validate implements [sms.Command].
func (c MajorProposal) Validate() error { return checkText("major.reason", c.Reason, MaxText) }

// MajorAcceptance accepts a candidate as a major incident (trigger
// accept_major, INC-08, INC-09, INC-11): the organisation's criteria must
// be defined, the incident must meet them or OverrideReason must say why it
// is major anyway, ProcedureRef names the documented procedure, and Manager
// names the person responsible.
type MajorAcceptance struct {
	Manager        string
	ProcedureRef   string
	OverrideReason string
}

// Trigger implements [Command].
func (MajorAcceptance) Trigger() Trigger { return TriggerAcceptMajor }
func (MajorAcceptance) command()         {}

// Validate implements [sms.Command].
func (c MajorAcceptance) Validate() error {
	return sms.FirstError(checkRef("major.manager", c.Manager), checkRef("major.procedure_ref", c.ProcedureRef),
		checkText("major.override_reason", c.OverrideReason, MaxText))
}

// MajorRejection rejects a major-incident candidate, with a reason (trigger
// reject_major, INC-09).
type MajorRejection struct {
	Reason string
}

// Trigger implements [Command].
func (MajorRejection) Trigger() Trigger { return TriggerRejectMajor }
func (MajorRejection) command()         {}

// Validate implements [sms.Command].
func (c MajorRejection) Validate() error { return checkText("major.reason", c.Reason, MaxText) }

// Handover hands a major incident to another manager (trigger
// hand_over_major, INC-11); the manager may change, never be cleared.
type Handover struct {
	Manager string
	Note    string
}

// Trigger implements [Command].
func (Handover) Trigger() Trigger { return TriggerHandOver }
func (Handover) command()         {}

// Validate implements [sms.Command].
func (c Handover) Validate() error {
	return sms.FirstError(checkRef("major.manager", c.Manager), checkText("note", c.Note, MaxText))
}

// Notification records that top management was informed about a major
// incident (trigger notify_management, INC-10). The host delivers the
// message; the library keeps the proof.
type Notification struct {
	// Audience names who was informed, such as "top_management".
	Audience string
	Summary  string
}

// Trigger implements [Command].
func (Notification) Trigger() Trigger { return TriggerNotify }
func (Notification) command()         {}

// Validate implements [sms.Command].
func (c Notification) Validate() error {
	return sms.FirstError(checkRef("notification.audience", c.Audience), checkText("notification.summary", c.Summary, MaxText))
}

// Review records the post-incident review of a resolved major incident
// (trigger review_major, INC-12): a summary of what was learnt and the
// improvement actions raised (problem or improvement IDs, or descriptions).
type Review struct {
	Summary string
	Actions []string
}

// Trigger implements [Command].
func (Review) Trigger() Trigger { return TriggerReview }
func (Review) command()         {}

// Validate implements [sms.Command].
func (c Review) Validate() error {
	return sms.FirstError(sms.CheckTexts(Kind, "review.actions", c.Actions, MaxText), checkText("review.summary", c.Summary, MaxText))
}
