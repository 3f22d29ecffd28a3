package change

import (
	"slices"

	"github.com/iso20k/sms"
)

// Command is the typed input of one change trigger. Every command type of
// this package for changes implements it, and only they do; [Service.Do]
// runs any of them, the typed methods one each.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// Size limits of command fields, in bytes, and of lists, in entries.
const (
	MaxText  = sms.MaxText  // free text: descriptions, plans, notes, reasons
	MaxShort = sms.MaxShort // names, codes, summaries
	MaxList  = sms.MaxList
)

func checkItems(field string, items []ConfigItem) error {
	if len(items) > MaxList {
		return sms.Invalid(Kind, field, "more than %d entries", MaxList)
	}
	for _, ci := range items {
		if ci.ID == "" {
			return sms.Invalid(Kind, field, "contains an item without ID")
		}
		if err := sms.FirstError(sms.CheckRef(Kind, field, ci.ID), sms.CheckRef(Kind, field+".type", ci.Type)); err != nil {
			return err
		}
	}
	return nil
}

func checkType(t ChangeType) error {
	if t != "" && !t.valid() {
		return sms.Invalid(Kind, "type", "%q is not one of modify, new_service, remove_service, transfer_out, transfer_in", t)
	}
	return nil
}

func checkLinks(kind sms.Kind, field string, links []sms.Link, types []string) error {
	if len(links) > MaxList {
		return sms.Invalid(kind, field, "more than %d entries", MaxList)
	}
	for _, l := range links {
		if !slices.Contains(types, l.Type) {
			return sms.Invalid(kind, field, "%q is not a link type", l.Type)
		}
		if l.ID == "" {
			return sms.Invalid(kind, field, "a link has no ID")
		}
		if err := sms.CheckRef(kind, field, l.ID); err != nil {
			return err
		}
	}
	return nil
}

// Request raises a request for change (trigger raise, CHG-04). Summary and
// Requester are required; the classification (type, model, category,
// services or configuration items, reason) may be completed by [Amendment]
// before submission, which demands it.
type Request struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID          string
	Summary     string
	Description string
	Requester   string
	Type        ChangeType
	// Model names a model of the policy.
	Model       string
	Category    string
	Services    []string
	ConfigItems []ConfigItem
	Reason      string
	// Template names the standard-change template of a standard change.
	Template string
	// Justification says why an emergency change is one.
	Justification string
	// Links are related records: the problem it fixes, the incident that
	// prompted it, a security advisory. Types are [LinkTypes].
	Links []sms.Link
}

// Trigger implements [Command].
func (Request) Trigger() Trigger { return TriggerRaise }
func (Request) command()         {}

// Validate implements [sms.Command].
func (c Request) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "id", c.ID), sms.CheckText(Kind, "summary", c.Summary, MaxShort),
		sms.CheckText(Kind, "description", c.Description, MaxText), sms.CheckRef(Kind, "requester", c.Requester), checkType(c.Type),
		sms.CheckRef(Kind, "model", c.Model), sms.CheckRef(Kind, "category", c.Category), sms.CheckRefs(Kind, "services", c.Services),
		checkItems("config_items", c.ConfigItems), sms.CheckText(Kind, "reason", c.Reason, MaxText), sms.CheckRef(Kind, "template", c.Template),
		sms.CheckText(Kind, "justification", c.Justification, MaxText), checkLinks(Kind, "links", c.Links, LinkTypes()))
}

// Amendment completes or corrects a draft request (trigger amend): every
// non-empty field replaces the recorded one, and the journal keeps the old
// values.
type Amendment struct {
	Summary       string
	Description   string
	Type          ChangeType
	Model         string
	Category      string
	Services      []string
	ConfigItems   []ConfigItem
	Reason        string
	Template      string
	Justification string
}

// Trigger implements [Command].
func (Amendment) Trigger() Trigger { return TriggerAmend }
func (Amendment) command()         {}

// Validate implements [sms.Command].
func (c Amendment) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "summary", c.Summary, MaxShort), sms.CheckText(Kind, "description", c.Description, MaxText),
		checkType(c.Type), sms.CheckRef(Kind, "model", c.Model), sms.CheckRef(Kind, "category", c.Category),
		sms.CheckRefs(Kind, "services", c.Services), checkItems("config_items", c.ConfigItems),
		sms.CheckText(Kind, "reason", c.Reason, MaxText), sms.CheckRef(Kind, "template", c.Template),
		sms.CheckText(Kind, "justification", c.Justification, MaxText))
}

// Submission submits a normal change for assessment (trigger submit,
// CHG-03, CHG-04): the request must be classified completely.
type Submission struct {
	Note string
}

// Trigger implements [Command].
func (Submission) Trigger() Trigger { return TriggerSubmit }
func (Submission) command()         {}

// Validate implements [sms.Command].
func (c Submission) Validate() error { return sms.CheckText(Kind, "note", c.Note, MaxText) }

// EmergencySubmission submits an emergency change straight to its
// authority (trigger submit_emergency, CHG-17): the justification (or the
// incident or advisory it answers) and the remediation plan are required;
// the assessment is completed afterwards.
type EmergencySubmission struct {
	Justification string
	// Incident is the incident the change answers, linked.
	Incident    string
	Remediation RemediationPlan
}

// Trigger implements [Command].
func (EmergencySubmission) Trigger() Trigger { return TriggerSubmitEmergency }
func (EmergencySubmission) command()         {}

// Validate implements [sms.Command].
func (c EmergencySubmission) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "justification", c.Justification, MaxText), sms.CheckRef(Kind, "incident", c.Incident),
		checkRemediation(c.Remediation))
}

func checkRemediation(r RemediationPlan) error {
	return sms.FirstError(sms.CheckText(Kind, "remediation.plan", r.Plan, MaxText), sms.CheckText(Kind, "remediation.justification", r.Justification, MaxText))
}

// StandardSubmission submits a standard change from its approved template
// (trigger submit_standard, CHG-18): pre-authorized, it goes straight to
// scheduled if the template is active and the change stays within its
// scope.
type StandardSubmission struct {
	Note string
}

// Trigger implements [Command].
func (StandardSubmission) Trigger() Trigger { return TriggerSubmitStandard }
func (StandardSubmission) command()         {}

// Validate implements [sms.Command].
func (c StandardSubmission) Validate() error { return sms.CheckText(Kind, "note", c.Note, MaxText) }

// Evaluation is a change's assessment (trigger complete_assessment, CHG-05,
// CHG-07, CHG-08, CHG-11): risk as likelihood and impact from 1 to 5,
// business benefit, feasibility, cost, the five impact dimensions, the
// remediation plan, and the transition plan when the change needs one.
type Evaluation struct {
	Likelihood     Level
	Impact         Level
	Benefit        string
	Feasibility    string
	Cost           string
	ExpectedOutage bool
	Dimensions     ImpactAssessment
	Remediation    RemediationPlan
	// TransitionPlan names the change's transition plan (CHG-05).
	TransitionPlan string
}

// Trigger implements [Command].
func (Evaluation) Trigger() Trigger { return TriggerAssess }
func (Evaluation) command()         {}

// Validate implements [sms.Command].
func (c Evaluation) Validate() error {
	if c.Likelihood < 0 || c.Likelihood > 5 || c.Impact < 0 || c.Impact > 5 {
		return sms.Invalid(Kind, "risk", "likelihood and impact range from 1 to 5")
	}
	d := c.Dimensions
	return sms.FirstError(sms.CheckText(Kind, "benefit", c.Benefit, MaxText), sms.CheckText(Kind, "feasibility", c.Feasibility, MaxText),
		sms.CheckText(Kind, "cost", c.Cost, MaxShort), checkRemediation(c.Remediation), sms.CheckRef(Kind, "transition_plan", c.TransitionPlan),
		sms.CheckTexts(Kind, "dimensions", []string{d.Services.Notes, d.Parties.Notes, d.Plans.Notes, d.Capacity.Notes, d.Schedule.Notes}, MaxText))
}

// Retrospective records an emergency change's assessment after the fact
// (trigger record_assessment, CHG-17): the same content as an
// [Evaluation].
type Retrospective struct {
	Evaluation Evaluation
}

// Trigger implements [Command].
func (Retrospective) Trigger() Trigger { return TriggerRecordAssessment }
func (Retrospective) command()         {}

// Validate implements [sms.Command].
func (c Retrospective) Validate() error { return c.Evaluation.Validate() }

// Approval is one approver's approval of a change (trigger approve, CHG-06,
// CHG-19): the actor must hold a role of the change's authority and be
// neither its requester nor its implementer; the rationale is journaled.
type Approval struct {
	Rationale  string
	Conditions string
}

// Trigger implements [Command].
func (Approval) Trigger() Trigger { return TriggerApprove }
func (Approval) command()         {}

// Validate implements [sms.Command].
func (c Approval) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "rationale", c.Rationale, MaxText), sms.CheckText(Kind, "conditions", c.Conditions, MaxText))
}

// Authorization authorizes a change once its authority's quorum approved it
// (trigger authorize, CHG-05, CHG-06, CHG-11): the priority is set and the
// minutes of the decision recorded.
type Authorization struct {
	Priority Priority
	Minutes  string
}

// Trigger implements [Command].
func (Authorization) Trigger() Trigger { return TriggerAuthorize }
func (Authorization) command()         {}

// Validate implements [sms.Command].
func (c Authorization) Validate() error {
	if c.Priority < 0 || c.Priority > 5 {
		return sms.Invalid(Kind, "priority", "ranges from 1 to 5")
	}
	return sms.CheckText(Kind, "minutes", c.Minutes, MaxText)
}

// Rejection rejects a change, with a reason (trigger reject, CHG-06). In
// authorize, the actor must be an eligible approver: the rejection is their
// decision.
type Rejection struct {
	Reason string
}

// Trigger implements [Command].
func (Rejection) Trigger() Trigger { return TriggerReject }
func (Rejection) command()         {}

// Validate implements [sms.Command].
func (c Rejection) Validate() error { return sms.CheckText(Kind, "reason", c.Reason, MaxText) }

// Scheduling sets or changes the implementation schedule of an authorized
// change (trigger schedule, CHG-08, CHG-10, CHG-19). The transition finds the
// other changes scheduled on the same services or configuration items in
// an overlapping window; each must be acknowledged in Acknowledge. A new
// schedule needs a new notification.
type Scheduling struct {
	Window      Window
	Plan        string
	Implementer string
	// Parties are the interested parties to inform.
	Parties []string
	// Acknowledge lists the conflicting changes accepted.
	Acknowledge []string
}

// Trigger implements [Command].
func (Scheduling) Trigger() Trigger { return TriggerSchedule }
func (Scheduling) command()         {}

// Validate implements [sms.Command].
func (c Scheduling) Validate() error {
	return sms.FirstError(sms.CheckTime(Kind, "window.start", c.Window.Start), sms.CheckTime(Kind, "window.end", c.Window.End),
		sms.CheckText(Kind, "plan", c.Plan, MaxText), sms.CheckRef(Kind, "implementer", c.Implementer),
		sms.CheckRefs(Kind, "parties", c.Parties), sms.CheckRefs(Kind, "acknowledge", c.Acknowledge))
}

// Notification records that interested parties were told of the planned
// deployment (trigger notify, CHG-10). The host delivers the message; the
// library keeps the proof.
type Notification struct {
	Parties []string
	Message string
}

// Trigger implements [Command].
func (Notification) Trigger() Trigger { return TriggerNotify }
func (Notification) command()         {}

// Validate implements [sms.Command].
func (c Notification) Validate() error {
	return sms.FirstError(sms.CheckRefs(Kind, "parties", c.Parties), sms.CheckText(Kind, "message", c.Message, MaxText))
}

// Implementation starts implementing a scheduled change (trigger
// start_implementation, CHG-09, CHG-10): the build or verification
// evidence, and a test result or why testing was not possible. Starting
// outside the planned window needs Override.
type Implementation struct {
	Verification string
	TestResult   string
	TestSkipped  string
	Override     string
}

// Trigger implements [Command].
func (Implementation) Trigger() Trigger { return TriggerStart }
func (Implementation) command()         {}

// Validate implements [sms.Command].
func (c Implementation) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "verification", c.Verification, MaxText), sms.CheckText(Kind, "test_result", c.TestResult, MaxText),
		sms.CheckText(Kind, "test_skipped", c.TestSkipped, MaxText), sms.CheckText(Kind, "override", c.Override, MaxText))
}

// Completion records a successful implementation (trigger complete,
// CHG-12): the outcome is successful or successful_with_issues, the latter
// with notes.
type Completion struct {
	Outcome Outcome
	Notes   string
}

// Trigger implements [Command].
func (Completion) Trigger() Trigger { return TriggerComplete }
func (Completion) command()         {}

// Validate implements [sms.Command].
func (c Completion) Validate() error {
	switch c.Outcome {
	case "", OutcomeSuccessful, OutcomeSuccessfulIssues:
	default:
		return sms.Invalid(Kind, "outcome", "%q is neither successful nor successful_with_issues", c.Outcome)
	}
	return sms.CheckText(Kind, "notes", c.Notes, MaxText)
}

// Failure records a failed implementation (trigger fail, CHG-12): the
// reason, and the incidents of any outage it caused, linked. A failed
// standard change suspends its template unless the policy keeps it
// (CHG-18).
type Failure struct {
	Reason    string
	Incidents []string
}

// Trigger implements [Command].
func (Failure) Trigger() Trigger { return TriggerFail }
func (Failure) command()         {}

// Validate implements [sms.Command].
func (c Failure) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "reason", c.Reason, MaxText), sms.CheckRefs(Kind, "incidents", c.Incidents))
}

// Remedy records how a failed change was reversed or remedied (trigger
// remediation_done, CHG-12): rolled back, remedied forward, or a degraded
// service accepted, which only an eligible approver other than the
// implementer may do.
type Remedy struct {
	Outcome   Outcome
	Notes     string
	Incidents []string
}

// Trigger implements [Command].
func (Remedy) Trigger() Trigger { return TriggerRemediated }
func (Remedy) command()         {}

// Validate implements [sms.Command].
func (c Remedy) Validate() error {
	switch c.Outcome {
	case "", OutcomeRolledBack, OutcomeRemediedForward, OutcomeDegradedAccepted:
	default:
		return sms.Invalid(Kind, "outcome", "%q is not one of rolled_back, remedied_forward, degraded_accepted", c.Outcome)
	}
	return sms.FirstError(sms.CheckText(Kind, "notes", c.Notes, MaxText), sms.CheckRefs(Kind, "incidents", c.Incidents))
}

// PIR is the post-implementation review (trigger review, CHG-13): whether
// the objectives were met, a summary, the incidents the change caused, any
// unplanned outage, and the follow-up actions with their owners and the
// parties who agreed them.
type PIR struct {
	ObjectivesMet   bool
	Summary         string
	IncidentsCaused []string
	UnplannedOutage bool
	Actions         []FollowUp
}

// Trigger implements [Command].
func (PIR) Trigger() Trigger { return TriggerReview }
func (PIR) command()         {}

// Validate implements [sms.Command].
func (c PIR) Validate() error {
	if len(c.Actions) > MaxList {
		return sms.Invalid(Kind, "actions", "more than %d entries", MaxList)
	}
	for _, a := range c.Actions {
		if err := sms.FirstError(sms.CheckText(Kind, "actions.action", a.Action, MaxText), sms.CheckRef(Kind, "actions.owner", a.Owner),
			sms.CheckText(Kind, "actions.agreed_with", a.AgreedWith, MaxShort)); err != nil {
			return err
		}
	}
	return sms.FirstError(sms.CheckText(Kind, "summary", c.Summary, MaxText), sms.CheckRefs(Kind, "incidents_caused", c.IncidentsCaused))
}

// Closure closes a reviewed change (trigger close, CHG-13, CHG-15,
// CHG-17): each controlled configuration item's record update is
// referenced, or the change declares it had no configuration impact.
type Closure struct {
	ConfigUpdates  []ConfigUpdate
	NoConfigImpact bool
	Notes          string
}

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error {
	if len(c.ConfigUpdates) > MaxList {
		return sms.Invalid(Kind, "config_updates", "more than %d entries", MaxList)
	}
	for _, u := range c.ConfigUpdates {
		if u.Item == "" || u.Ref == "" {
			return sms.Invalid(Kind, "config_updates", "an update names its item and its record")
		}
		if err := sms.FirstError(sms.CheckRef(Kind, "config_updates.item", u.Item), sms.CheckRef(Kind, "config_updates.ref", u.Ref)); err != nil {
			return err
		}
	}
	return sms.CheckText(Kind, "notes", c.Notes, MaxText)
}

// Cancellation withdraws a change before implementation starts (trigger
// cancel, CHG-20), with a reason.
type Cancellation struct {
	Reason string
}

// Trigger implements [Command].
func (Cancellation) Trigger() Trigger { return TriggerCancel }
func (Cancellation) command()         {}

// Validate implements [sms.Command].
func (c Cancellation) Validate() error { return sms.CheckText(Kind, "reason", c.Reason, MaxText) }

// Link links the change to another record by ID (trigger link). Type is
// one of [LinkTypes].
type Link struct {
	Type string
	ID   string
}

// Trigger implements [Command].
func (Link) Trigger() Trigger { return TriggerLink }
func (Link) command()         {}

// Validate implements [sms.Command].
func (c Link) Validate() error {
	return checkLinks(Kind, "link", []sms.Link{{Type: c.Type, ID: c.ID}}, LinkTypes())
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
		return sms.Invalid(Kind, "note.text", "is empty or only white space")
	}
	return sms.CheckText(Kind, "note.text", c.Text, MaxText)
}
