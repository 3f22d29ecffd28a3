package request

import (
	"time"

	"github.com/iso20k/sms"
)

// Command is the typed input of one request trigger; only this package's
// command types implement it. [Service.Do] runs any of them.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// ItemCommand is the typed input of one catalogue item trigger; [Items.Do]
// runs any of them.
type ItemCommand interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() ItemTrigger
	itemCommand()
}

// Size limits of command fields, in bytes.
const (
	MaxText  = sms.MaxText
	MaxShort = sms.MaxShort
	MaxList  = sms.MaxList
)

// ItemDefinition defines a catalogue item in draft (trigger define).
type ItemDefinition struct {
	// ID is the host's reference; empty means a generated one.
	ID              string
	Name            string
	Description     string
	Category        string
	Service         string
	DefaultPriority Priority
	Instructions    Instructions
	// Approval, when set, is the rule requests need before fulfilment: at
	// least one role, a quorum of 1 to 64, excluding only the parties a
	// request records. The requester and the person the request is for
	// never approve. DefaultPriority is 1 to [MaxPriority]; Target at
	// most [MaxTarget]; task names are unique and not blank.
	Approval *sms.ApprovalRule
	Tasks    []string
	Target   time.Duration
	// RequiresStandardChange says fulfilling a request for the item alters
	// controlled configuration items: each request is then fulfilled
	// through a standard change that closed successful (SR-08).
	// ChangeTemplates, optional, restricts such changes to these
	// standard-change templates; it needs RequiresStandardChange.
	RequiresStandardChange bool
	ChangeTemplates        []string
}

// Trigger implements [ItemCommand].
func (ItemDefinition) Trigger() ItemTrigger { return ItemTriggerDefine }
func (ItemDefinition) itemCommand()         {}

// Validate implements [sms.Command].
func (c ItemDefinition) Validate() error {
	if len(c.ChangeTemplates) > 0 && !c.RequiresStandardChange {
		return sms.Invalid(ItemKind, "item.change_templates", "are named only for an item that requires a standard change")
	}
	return sms.FirstError(validateItem(c.ID, c.Name, c.Description, c.Category, c.Service, c.DefaultPriority, c.Instructions, c.Approval, c.Tasks, c.Target),
		validateTemplates(c.ChangeTemplates))
}

// validateTemplates checks a list of standard-change template IDs.
func validateTemplates(ids []string) error {
	k := ItemKind
	if len(ids) > MaxList {
		return sms.Invalid(k, "item.change_templates", "more than %d templates", MaxList)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			return sms.Invalid(k, "item.change_templates", "template IDs must be unique and not empty")
		}
		seen[id] = true
		if err := sms.CheckRef(k, "item.change_templates", id); err != nil {
			return err
		}
	}
	return nil
}

func validateItem(id, name, desc, category, service string, prio Priority, ins Instructions, rule *sms.ApprovalRule, tasks []string, target time.Duration) error {
	k := ItemKind
	if err := checkPriority(k, "item.default_priority", prio); err != nil {
		return err
	}
	if target < 0 || target > MaxTarget {
		return sms.Invalid(k, "item.target", "%v is outside 0 to %v", target, MaxTarget)
	}
	if rule != nil {
		if err := validateRule(*rule); err != nil {
			return err
		}
	}
	if len(tasks) > MaxList {
		return sms.Invalid(k, "item.tasks", "more than %d tasks", MaxList)
	}
	seen := map[string]bool{}
	for _, t := range tasks {
		if sms.Blank(t) || seen[t] {
			return sms.Invalid(k, "item.tasks", "task names must be unique and not empty or white space")
		}
		seen[t] = true
		if err := sms.CheckText(k, "item.tasks", t, MaxShort); err != nil {
			return err
		}
	}
	return sms.FirstError(sms.CheckRef(k, "id", id), sms.CheckText(k, "name", name, MaxShort), sms.CheckText(k, "description", desc, MaxText),
		sms.CheckRef(k, "category", category), sms.CheckRef(k, "service", service), sms.CheckRef(k, "instructions.ref", ins.Ref),
		sms.CheckText(k, "instructions.version", ins.Version, MaxShort))
}

// maxQuorum bounds an approval rule's quorum and its number of roles.
const maxQuorum = 64

// validateRule checks a catalogue item's approval rule (SR-07): at least
// one role, each an ID and at most 64 of them; a quorum of 1 to 64
// distinct approvers; and excluded parties that a request records, the
// requester and the person it is for (both are always excluded).
func validateRule(r sms.ApprovalRule) error {
	k := ItemKind
	if err := r.Validate(); err != nil {
		return sms.Invalid(k, "item.approval", "%v", err)
	}
	if r.Quorum > maxQuorum {
		return sms.Invalid(k, "item.approval.quorum", "%d is more than %d approvers", r.Quorum, maxQuorum)
	}
	if len(r.Roles) > maxQuorum {
		return sms.Invalid(k, "item.approval.roles", "more than %d roles", maxQuorum)
	}
	for _, role := range r.Roles {
		if err := sms.ValidateID(string(role)); err != nil {
			return sms.Invalid(k, "item.approval.roles", "role %q: %v", role, err)
		}
	}
	for _, p := range r.Exclude {
		if p != sms.PartyRequester && p != sms.PartyRequestedFor {
			return sms.Invalid(k, "item.approval.exclude", "%q is not a party a request records: requester or requested_for", p)
		}
	}
	return nil
}

// checkPriority refuses a priority outside 0 to [MaxPriority]; 0 means
// none given (SR-02).
func checkPriority(k sms.Kind, field string, p Priority) error {
	if p < 0 || p > MaxPriority {
		return sms.Invalid(k, field, "%d is outside 1 to %d", p, MaxPriority)
	}
	return nil
}

// ItemRevision revises a catalogue item (trigger revise); zero fields stay
// as they are (a Name of white space only is refused). Revising a
// published item makes a new edition; requests already submitted keep the
// edition they were submitted against.
type ItemRevision struct {
	Name            string
	Description     string
	DefaultPriority Priority
	Instructions    Instructions
	// Approval replaces the rule when set; ClearApproval removes it.
	Approval      *sms.ApprovalRule
	ClearApproval bool
	// Tasks replace the task list when non-nil.
	Tasks  []string
	Target time.Duration
	// RequiresStandardChange makes requests for the item go through a
	// standard change (SR-08); ChangeTemplates, when non-nil, replaces the
	// templates such a change may run from; ClearStandardChange removes
	// both.
	RequiresStandardChange bool
	ChangeTemplates        []string
	ClearStandardChange    bool
	Note                   string
}

// Trigger implements [ItemCommand].
func (ItemRevision) Trigger() ItemTrigger { return ItemTriggerRevise }
func (ItemRevision) itemCommand()         {}

// Validate implements [sms.Command].
func (c ItemRevision) Validate() error {
	if c.Approval != nil && c.ClearApproval {
		return sms.Invalid(ItemKind, "item.approval", "both replaced and cleared")
	}
	if c.ClearStandardChange && (c.RequiresStandardChange || c.ChangeTemplates != nil) {
		return sms.Invalid(ItemKind, "item.requires_standard_change", "both set and cleared")
	}
	if c.Name != "" && sms.Blank(c.Name) {
		return sms.Invalid(ItemKind, "item.name", "is only white space: leave it empty to keep the name")
	}
	return sms.FirstError(validateItem("", c.Name, c.Description, "", "", c.DefaultPriority, c.Instructions, c.Approval, c.Tasks, c.Target),
		validateTemplates(c.ChangeTemplates), sms.CheckText(ItemKind, "note", c.Note, MaxText))
}

// ItemPublication publishes a catalogue item (trigger publish, SR-06).
type ItemPublication struct {
	Note string
}

// Trigger implements [ItemCommand].
func (ItemPublication) Trigger() ItemTrigger { return ItemTriggerPublish }
func (ItemPublication) itemCommand()         {}

// Validate implements [sms.Command].
func (c ItemPublication) Validate() error { return sms.CheckText(ItemKind, "note", c.Note, MaxText) }

// ItemRetirement retires a catalogue item (trigger retire): it refuses new
// submissions from then on.
type ItemRetirement struct {
	Reason string
}

// Trigger implements [ItemCommand].
func (ItemRetirement) Trigger() ItemTrigger { return ItemTriggerRetire }
func (ItemRetirement) itemCommand()         {}

// Validate implements [sms.Command].
func (c ItemRetirement) Validate() error { return sms.CheckText(ItemKind, "reason", c.Reason, MaxText) }

// ItemNote adds a note to a catalogue item (trigger note).
type ItemNote struct {
	Text string
}

// Trigger implements [ItemCommand].
func (ItemNote) Trigger() ItemTrigger { return ItemTriggerNote }
func (ItemNote) itemCommand()         {}

// Validate implements [sms.Command].
func (c ItemNote) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(ItemKind, "note.text", "is empty or white space")
	}
	return sms.CheckText(ItemKind, "note.text", c.Text, MaxText)
}

// Submission submits a request against a published catalogue item
// (trigger submit, SR-01, SR-02, SR-06). RequestedFor defaults to the
// requester; Priority, 1 to [MaxPriority], overrides the item's default
// and then needs OverrideReason. FromIncident links the incident the
// request was converted from. Requester may name someone other than the
// actor who submits (a service desk logging for a caller): both then hold
// the requester party, and neither approves the request (SR-07).
type Submission struct {
	// ID is the host's own reference; empty means a generated one.
	ID             string
	Item           string
	Summary        string
	Requester      string
	RequestedFor   string
	Priority       Priority
	OverrideReason string
	FromIncident   string
}

// Trigger implements [Command].
func (Submission) Trigger() Trigger { return TriggerSubmit }
func (Submission) command()         {}

// Validate implements [sms.Command].
func (c Submission) Validate() error {
	if err := checkPriority(Kind, "priority", c.Priority); err != nil {
		return err
	}
	return sms.FirstError(sms.CheckRef(Kind, "id", c.ID), sms.CheckRef(Kind, "item", c.Item), sms.CheckText(Kind, "summary", c.Summary, MaxShort),
		sms.CheckRef(Kind, "requester", c.Requester), sms.CheckRef(Kind, "requested_for", c.RequestedFor),
		sms.CheckText(Kind, "override_reason", c.OverrideReason, MaxText), sms.CheckRef(Kind, "from_incident", c.FromIncident))
}

// Prioritisation overrides a request's priority, 1 to [MaxPriority], with
// a reason (trigger prioritise, SR-02).
type Prioritisation struct {
	Priority Priority
	Reason   string
}

// Trigger implements [Command].
func (Prioritisation) Trigger() Trigger { return TriggerPrioritise }
func (Prioritisation) command()         {}

// Validate implements [sms.Command].
func (c Prioritisation) Validate() error {
	if err := checkPriority(Kind, "priority", c.Priority); err != nil {
		return err
	}
	return sms.CheckText(Kind, "reason", c.Reason, MaxText)
}

// ApprovalRequest sends a request for approval (trigger request_approval,
// SR-07).
type ApprovalRequest struct {
	Note string
}

// Trigger implements [Command].
func (ApprovalRequest) Trigger() Trigger { return TriggerRequestApproval }
func (ApprovalRequest) command()         {}

// Validate implements [sms.Command].
func (c ApprovalRequest) Validate() error { return sms.CheckText(Kind, "note", c.Note, MaxText) }

// Approval is one approver's approval (trigger approve, SR-07). Role is the
// role of the item's rule the approver decides in; empty means the first
// of the rule's roles the approver holds.
type Approval struct {
	Role      sms.Role
	Rationale string
}

// Trigger implements [Command].
func (Approval) Trigger() Trigger { return TriggerApprove }
func (Approval) command()         {}

// Validate implements [sms.Command].
func (c Approval) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "approval.role", string(c.Role)), sms.CheckText(Kind, "approval.rationale", c.Rationale, MaxText))
}

// Grant records that the approvals satisfy the item's rule and moves the
// request to approved (trigger grant, SR-07). [Service.Approve] fires it
// on the approval that completes the quorum.
type Grant struct{}

// Trigger implements [Command].
func (Grant) Trigger() Trigger { return TriggerGrant }
func (Grant) command()         {}

// Validate implements [sms.Command].
func (Grant) Validate() error { return nil }

// Rejection rejects a request awaiting approval, with a reason (trigger
// reject, SR-07). The rejecter must be eligible to approve.
type Rejection struct {
	Role   sms.Role
	Reason string
}

// Trigger implements [Command].
func (Rejection) Trigger() Trigger { return TriggerReject }
func (Rejection) command()         {}

// Validate implements [sms.Command].
func (c Rejection) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "rejection.role", string(c.Role)), sms.CheckText(Kind, "rejection.reason", c.Reason, MaxText))
}

// FulfilmentStart starts fulfilment, assigned to a group, a person or both
// (trigger start_fulfilment, SR-03); the item's tasks are created.
type FulfilmentStart struct {
	Group    string
	Assignee string
}

// Trigger implements [Command].
func (FulfilmentStart) Trigger() Trigger { return TriggerStartFulfilment }
func (FulfilmentStart) command()         {}

// Validate implements [sms.Command].
func (c FulfilmentStart) Validate() error {
	return sms.FirstError(sms.CheckRef(Kind, "group", c.Group), sms.CheckRef(Kind, "assignee", c.Assignee))
}

// Suspension puts fulfilment on hold (trigger hold, SR-09).
type Suspension struct {
	Reason HoldReason
	Note   string
}

// Trigger implements [Command].
func (Suspension) Trigger() Trigger { return TriggerHold }
func (Suspension) command()         {}

// Validate implements [sms.Command].
func (c Suspension) Validate() error {
	switch c.Reason {
	case HoldRequester, HoldSupplier, HoldStock:
	default:
		return sms.Invalid(Kind, "hold.reason", "%q is not one of requester, supplier, stock", c.Reason)
	}
	return sms.CheckText(Kind, "note", c.Note, MaxText)
}

// Resumption resumes fulfilment after a hold (trigger resume).
type Resumption struct {
	Note string
}

// Trigger implements [Command].
func (Resumption) Trigger() Trigger { return TriggerResume }
func (Resumption) command()         {}

// Validate implements [sms.Command].
func (c Resumption) Validate() error { return sms.CheckText(Kind, "note", c.Note, MaxText) }

// TaskCompletion marks a fulfilment task done (trigger complete_task,
// SR-03, SR-05).
type TaskCompletion struct {
	Task string
	Note string
}

// Trigger implements [Command].
func (TaskCompletion) Trigger() Trigger { return TriggerCompleteTask }
func (TaskCompletion) command()         {}

// Validate implements [sms.Command].
func (c TaskCompletion) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "task", c.Task, MaxShort), sms.CheckText(Kind, "note", c.Note, MaxText))
}

// TaskSkip skips a fulfilment task, with a reason (trigger skip_task,
// SR-03).
type TaskSkip struct {
	Task   string
	Reason string
}

// Trigger implements [Command].
func (TaskSkip) Trigger() Trigger { return TriggerSkipTask }
func (TaskSkip) command()         {}

// Validate implements [sms.Command].
func (c TaskSkip) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "task", c.Task, MaxShort), sms.CheckText(Kind, "reason", c.Reason, MaxText))
}

// Action records an action taken (trigger record_action, SR-05).
type Action struct {
	Text string
}

// Trigger implements [Command].
func (Action) Trigger() Trigger { return TriggerRecordAction }
func (Action) command()         {}

// Validate implements [sms.Command].
func (c Action) Validate() error { return sms.CheckText(Kind, "action.text", c.Text, MaxText) }

// Fulfilment fulfils a request (trigger fulfil, SR-03): every task done or
// skipped with a reason, and fulfilment notes. Change names the change the
// request was fulfilled through; for an item that requires a standard
// change, the transition asks the host's [ChangeLookup] about it before
// its guards run (SR-08).
type Fulfilment struct {
	Notes  string
	Change string
}

// Trigger implements [Command].
func (Fulfilment) Trigger() Trigger { return TriggerFulfil }
func (Fulfilment) command()         {}

// Validate implements [sms.Command].
func (c Fulfilment) Validate() error {
	return sms.FirstError(sms.CheckText(Kind, "fulfilment.notes", c.Notes, MaxText), sms.CheckRef(Kind, "fulfilment.change", c.Change))
}

// Closure closes a fulfilled request (trigger close, SR-04): a close code,
// and the requester's confirmation or the elapsed auto-close window.
type Closure struct {
	Code         CloseCode
	Confirmation Confirmation
}

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error {
	switch c.Code {
	case "", CloseComplete, CloseIncomplete, CloseSkipped:
	default:
		return sms.Invalid(Kind, "closure.code", "%q is not one of complete, incomplete, skipped", c.Code)
	}
	switch c.Confirmation {
	case "", ConfirmedByRequester, AutoClosed:
	default:
		return sms.Invalid(Kind, "closure.confirmation", "%q is neither requester nor auto", c.Confirmation)
	}
	return nil
}

// Cancellation cancels a request, with a reason (trigger cancel, SR-04).
// A requester cancels only their own requests.
type Cancellation struct {
	Reason CancelReason
	Note   string
}

// Trigger implements [Command].
func (Cancellation) Trigger() Trigger { return TriggerCancel }
func (Cancellation) command()         {}

// Validate implements [sms.Command].
func (c Cancellation) Validate() error {
	switch c.Reason {
	case "", CancelWithdrawn, CancelRaisedInError:
	default:
		return sms.Invalid(Kind, "cancel.reason", "%q is neither withdrawn nor raised_in_error", c.Reason)
	}
	return sms.CheckText(Kind, "note", c.Note, MaxText)
}

// Conversion records that a new request was really a fault: the host
// logged the incident, and the request is cancelled with a link to it
// (trigger convert_to_incident, SR-10).
type Conversion struct {
	Incident string
}

// Trigger implements [Command].
func (Conversion) Trigger() Trigger { return TriggerConvert }
func (Conversion) command()         {}

// Validate implements [sms.Command].
func (c Conversion) Validate() error { return sms.CheckRef(Kind, "conversion.incident", c.Incident) }

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
