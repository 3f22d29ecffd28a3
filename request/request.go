package request

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kinds of the entities this package stores.
const (
	// Kind is the entity kind of service requests.
	Kind sms.Kind = "request"
	// ItemKind is the entity kind of catalogue items.
	ItemKind sms.Kind = "catalogue_item"
)

// Status is a request's workflow status; persisted, never renamed or
// reused.
type Status string

// Request statuses.
const (
	StatusNew              Status = "new"
	StatusAwaitingApproval Status = "awaiting_approval"
	StatusApproved         Status = "approved"
	StatusRejected         Status = "rejected"
	StatusInFulfilment     Status = "in_fulfilment"
	StatusOnHold           Status = "on_hold"
	StatusFulfilled        Status = "fulfilled"
	StatusClosed           Status = "closed"
	StatusCancelled        Status = "cancelled"
)

// Statuses returns every request status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusNew, StatusAwaitingApproval, StatusApproved, StatusRejected, StatusInFulfilment, StatusOnHold,
		StatusFulfilled, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Open reports whether work on the request goes on.
func (s Status) Open() bool {
	switch s {
	case StatusNew, StatusAwaitingApproval, StatusApproved, StatusInFulfilment, StatusOnHold:
		return true
	}
	return false
}

// Trigger names a request transition; persisted.
type Trigger string

// Request triggers; each has a typed method on [Service] and a command type.
const (
	TriggerSubmit          Trigger = "submit"
	TriggerPrioritise      Trigger = "prioritise"
	TriggerRequestApproval Trigger = "request_approval"
	TriggerApprove         Trigger = "approve"
	TriggerGrant           Trigger = "grant"
	TriggerReject          Trigger = "reject"
	TriggerStartFulfilment Trigger = "start_fulfilment"
	TriggerHold            Trigger = "hold"
	TriggerResume          Trigger = "resume"
	TriggerCompleteTask    Trigger = "complete_task"
	TriggerSkipTask        Trigger = "skip_task"
	TriggerRecordAction    Trigger = "record_action"
	TriggerFulfil          Trigger = "fulfil"
	TriggerClose           Trigger = "close"
	TriggerCancel          Trigger = "cancel"
	TriggerConvert         Trigger = "convert_to_incident"
	TriggerNote            Trigger = "note"
)

// Triggers returns every request trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerSubmit, TriggerPrioritise, TriggerRequestApproval, TriggerApprove, TriggerGrant, TriggerReject,
		TriggerStartFulfilment, TriggerHold, TriggerResume, TriggerCompleteTask, TriggerSkipTask, TriggerRecordAction,
		TriggerFulfil, TriggerClose, TriggerCancel, TriggerConvert, TriggerNote}
}

// ItemStatus is a catalogue item's workflow status; persisted.
type ItemStatus string

// Catalogue item statuses.
const (
	ItemDraft     ItemStatus = "draft"
	ItemPublished ItemStatus = "published"
	ItemRetired   ItemStatus = "retired"
)

// ItemStatuses returns every catalogue item status.
func ItemStatuses() []ItemStatus { return []ItemStatus{ItemDraft, ItemPublished, ItemRetired} }

// Valid reports whether s is a known status.
func (s ItemStatus) Valid() bool { return slices.Contains(ItemStatuses(), s) }

// ItemTrigger names a catalogue item transition; persisted.
type ItemTrigger string

// Catalogue item triggers.
const (
	ItemTriggerDefine  ItemTrigger = "define"
	ItemTriggerRevise  ItemTrigger = "revise"
	ItemTriggerPublish ItemTrigger = "publish"
	ItemTriggerRetire  ItemTrigger = "retire"
	ItemTriggerNote    ItemTrigger = "note"
)

// ItemTriggers returns every catalogue item trigger, the creating one first.
func ItemTriggers() []ItemTrigger {
	return []ItemTrigger{ItemTriggerDefine, ItemTriggerRevise, ItemTriggerPublish, ItemTriggerRetire, ItemTriggerNote}
}

// Roles the request and catalogue workflows accept.
const (
	// RoleRequester submits requests, confirms their closure and cancels
	// their own.
	RoleRequester sms.Role = "requester"
	// RoleFulfiller works on requests: tasks, holds, fulfilment.
	RoleFulfiller sms.Role = "fulfiller"
	// RoleApprover decides on requests whose catalogue item needs
	// approval, under the item's approval rule.
	RoleApprover sms.Role = "approver"
	// RoleRequestManager may do everything on requests but approve.
	RoleRequestManager sms.Role = "request_manager"
	// RoleCatalogueManager defines, publishes and retires catalogue items.
	RoleCatalogueManager sms.Role = "catalogue_manager"
)

// Priority is a request's priority: 1 is the most urgent (SR-02).
type Priority int

// MaxPriority is the least urgent priority: a priority is 1 to
// MaxPriority, on submission, on a catalogue item and on an override
// (SR-02); anything else is refused as invalid input.
const MaxPriority Priority = 5

// MaxTarget bounds a catalogue item's fulfilment target (SR-09): a
// target longer than a year is refused as invalid input.
const MaxTarget = 365 * 24 * time.Hour

// HoldReason says what a request on hold waits for.
type HoldReason string

// Hold reasons.
const (
	HoldRequester HoldReason = "requester"
	HoldSupplier  HoldReason = "supplier"
	HoldStock     HoldReason = "stock"
)

// TaskState is the state of one fulfilment task (SR-03).
type TaskState string

// Task states.
const (
	TaskOpen    TaskState = "open"
	TaskDone    TaskState = "done"
	TaskSkipped TaskState = "skipped"
)

// CloseCode says how a request ended (SR-04).
type CloseCode string

// Close codes.
const (
	CloseComplete   CloseCode = "complete"
	CloseIncomplete CloseCode = "incomplete"
	CloseSkipped    CloseCode = "skipped"
)

// Confirmation says how closure was agreed (SR-04).
type Confirmation string

// Confirmations.
const (
	ConfirmedByRequester Confirmation = "requester"
	AutoClosed           Confirmation = "auto"
)

// CancelReason justifies a cancellation.
type CancelReason string

// Cancellation reasons.
const (
	CancelWithdrawn     CancelReason = "withdrawn"
	CancelRaisedInError CancelReason = "raised_in_error"
	CancelConverted     CancelReason = "converted"
)

// Link types a request uses.
const (
	LinkIncident      = "incident"
	LinkCatalogueItem = "catalogue_item"
	// LinkChange links the change a request was fulfilled through (SR-08).
	LinkChange = "change"
)

// Instructions name the fulfilment instructions of a catalogue item: a
// document and its version (SR-06).
type Instructions struct {
	Ref     string `json:"ref"`
	Version string `json:"version"`
}

// Present reports whether both the document and its version are named: a
// reference or version made only of white space names nothing.
func (i Instructions) Present() bool { return !sms.Blank(i.Ref) && !sms.Blank(i.Version) }

// Item is a catalogue item: a service offering requests are submitted
// against (SR-01, SR-06, SR-07). It is versioned: each publication and
// each revision of a published item is a new Edition, and every request
// keeps a snapshot of the edition it was submitted against.
type Item struct {
	sms.Meta
	Status ItemStatus `json:"status"`

	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Category    string `json:"category"`
	Service     string `json:"service"`
	// DefaultPriority is the priority of requests for the item (SR-02).
	DefaultPriority Priority `json:"default_priority"`
	// Instructions for fulfilment (SR-06).
	Instructions Instructions `json:"instructions"`
	// Approval is the rule requests for the item need before fulfilment;
	// nil means none (SR-07).
	Approval *sms.ApprovalRule `json:"approval,omitempty"`
	// Tasks are the fulfilment tasks each request gets (SR-03).
	Tasks []string `json:"tasks,omitempty"`
	// Target is the fulfilment target from submission (SR-09); zero means
	// none.
	Target time.Duration `json:"target,omitempty"`
	// RequiresStandardChange says fulfilling a request for the item alters
	// configuration items under change control, so it goes through a
	// standard change that closed successful (SR-08). ChangeTemplates,
	// when not empty, are the standard-change templates such a change may
	// run from.
	RequiresStandardChange bool     `json:"requires_standard_change,omitempty"`
	ChangeTemplates        []string `json:"change_templates,omitempty"`

	Edition     int       `json:"edition,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	RetiredAt   time.Time `json:"retired_at,omitzero"`
}

// EntityKind implements [sms.Entity].
func (*Item) EntityKind() sms.Kind { return ItemKind }

// State implements [sms.Entity].
func (i *Item) State() string { return string(i.Status) }

// SetState implements [sms.Entity].
func (i *Item) SetState(s string) { i.Status = ItemStatus(s) }

// Attributes implements [sms.Entity]: the service.
func (i *Item) Attributes() sms.Attributes { return sms.Attributes{Service: i.Service} }

// Clone implements [sms.Entity].
func (i *Item) Clone() *Item {
	c := *i
	c.Tasks = slices.Clone(i.Tasks)
	c.ChangeTemplates = slices.Clone(i.ChangeTemplates)
	if i.Approval != nil {
		r := cloneRule(*i.Approval)
		c.Approval = &r
	}
	return &c
}

func cloneRule(r sms.ApprovalRule) sms.ApprovalRule {
	r.Roles = slices.Clone(r.Roles)
	r.Exclude = slices.Clone(r.Exclude)
	return r
}

// Snapshot is what a request keeps of the catalogue item edition it was
// submitted against (SR-06).
type Snapshot struct {
	ID           string       `json:"id"`
	Edition      int          `json:"edition"`
	Name         string       `json:"name"`
	Instructions Instructions `json:"instructions"`
	// Approval is the edition's approval rule; the zero rule (no roles)
	// means the item needs no approval.
	Approval sms.ApprovalRule `json:"approval,omitzero"`
	Tasks    []string         `json:"tasks,omitempty"`
	Target   time.Duration    `json:"target,omitempty"`
	// RequiresStandardChange and ChangeTemplates are the edition's: a
	// request for it is fulfilled through a standard change (SR-08).
	RequiresStandardChange bool     `json:"requires_standard_change,omitempty"`
	ChangeTemplates        []string `json:"change_templates,omitempty"`
}

// NeedsApproval reports whether the edition has an approval rule.
func (s Snapshot) NeedsApproval() bool { return len(s.Approval.Roles) > 0 }

// Task is one fulfilment task of a request (SR-03).
type Task struct {
	Name   string    `json:"name"`
	State  TaskState `json:"state"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// Request is the record of one service request (ISO/IEC 20000-1:2018
// clause 8.6.2). Its fields are written by the workflow's transitions
// only; a host reads them.
type Request struct {
	sms.Meta
	Status Status `json:"status"`

	// Submitted (SR-01), against an item edition (SR-06). Requester and
	// RequestedFor are the people the submission named; whoever submitted
	// it is in Parties (a service desk may submit for a caller).
	Item         Snapshot  `json:"item"`
	Summary      string    `json:"summary"`
	Requester    string    `json:"requester"`
	RequestedFor string    `json:"requested_for"`
	Category     string    `json:"category"`
	Service      string    `json:"service"`
	SubmittedAt  time.Time `json:"submitted_at"`

	// Priority (SR-02).
	Priority       Priority `json:"priority"`
	OverrideReason string   `json:"override_reason,omitempty"`

	// Approval (SR-07).
	Approvals    []sms.Approval `json:"approvals,omitempty"`
	GrantedAt    time.Time      `json:"granted_at,omitzero"`
	RejectReason string         `json:"reject_reason,omitempty"`

	// Fulfilment (SR-03, SR-05).
	Group           string     `json:"group,omitempty"`
	Assignee        string     `json:"assignee,omitempty"`
	StartedAt       time.Time  `json:"started_at,omitzero"`
	Tasks           []Task     `json:"tasks,omitempty"`
	HoldReason      HoldReason `json:"hold_reason,omitempty"`
	Actions         int        `json:"actions,omitempty"`
	FulfilmentNotes string     `json:"fulfilment_notes,omitempty"`
	FulfilledAt     time.Time  `json:"fulfilled_at,omitzero"`
	// Change is the change the request was fulfilled through (SR-08).
	Change LinkedChange `json:"change,omitzero"`

	// Closure (SR-04), cancellation and conversion (SR-10).
	CloseCode    CloseCode    `json:"close_code,omitempty"`
	Confirmation Confirmation `json:"confirmation,omitempty"`
	ClosedAt     time.Time    `json:"closed_at,omitzero"`
	CancelReason CancelReason `json:"cancel_reason,omitempty"`
	Incident     string       `json:"incident,omitempty"`

	// Fulfilment timer (SR-09): due from submission, paused on holds.
	Due         time.Time     `json:"due,omitzero"`
	PausedSince time.Time     `json:"paused_since,omitzero"`
	Paused      time.Duration `json:"paused,omitempty"`

	// Links: the catalogue item, incidents it came from or became, and
	// the change it was fulfilled through.
	Links []sms.Link `json:"links,omitempty"`

	// Parties are the people who hold a party role on the request, as the
	// transitions that established them recorded them: the requester (the
	// acting actor of submit, and the person Submission.Requester names),
	// the person it is for (named), and who confirmed its closure (the
	// acting actor of close). Segregation of duties compares an approver
	// with all of them (SR-07); the state digest binds them to the
	// journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Request) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (r *Request) State() string { return string(r.Status) }

// SetState implements [sms.Entity].
func (r *Request) SetState(s string) { r.Status = Status(s) }

// Attributes implements [sms.Entity]: the service, the assignee (or group,
// or the person the request is for before anyone works on it) and the
// links.
func (r *Request) Attributes() sms.Attributes {
	owner := r.Assignee
	if owner == "" {
		owner = r.Group
	}
	return sms.Attributes{Service: r.Service, Owner: owner, Links: r.Links}
}

// SetLinks implements [sms.LinkSetter].
func (r *Request) SetLinks(links []sms.Link) { r.Links = links }

// Clone implements [sms.Entity].
func (r *Request) Clone() *Request {
	b := &requestBlock{r: *r}
	c := &b.r
	c.Item.Approval.Roles = sms.CloneInto(b.roles[:], r.Item.Approval.Roles)
	c.Item.Approval.Exclude = sms.CloneInto(b.exclude[:], r.Item.Approval.Exclude)
	c.Item.Tasks = sms.CloneInto(b.itemTasks[:], r.Item.Tasks)
	c.Item.ChangeTemplates = sms.CloneInto(b.templates[:], r.Item.ChangeTemplates)
	c.Approvals = sms.CloneInto(b.approvals[:], r.Approvals)
	c.Tasks = sms.CloneInto(b.tasks[:], r.Tasks)
	c.Links = sms.CloneInto(b.links[:], r.Links)
	c.Parties = sms.CloneInto(b.parties[:], r.Parties)
	return c
}

// requestBlock holds a request and room for the lists of the usual
// request, so that a copy is one allocation; longer lists get their own.
type requestBlock struct {
	r         Request
	roles     [2]sms.Role
	exclude   [2]sms.Party
	itemTasks [3]string
	templates [1]string
	approvals [2]sms.Approval
	tasks     [3]Task
	links     [3]sms.Link
	parties   [4]sms.Participant
}

// HasLink reports whether the request links the record.
func (r *Request) HasLink(typ, id string) bool {
	return slices.Contains(r.Links, sms.Link{Type: typ, ID: id})
}

func (r *Request) addLink(typ, id string) {
	if id != "" && !r.HasLink(typ, id) {
		r.Links = append(r.Links, sms.Link{Type: typ, ID: id})
	}
}

// task returns the index of the named task, or -1.
func (r *Request) task(name string) int {
	for i, t := range r.Tasks {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// parties returns who holds each party role on the request: the recorded
// Parties, and the requester and the person it is for as the request's
// fields name them, for a record that does not list them (one built by
// hand, or stored before Parties existed). A request the workflow made
// lists them already, and its Parties are returned as they are.
func (r *Request) parties() sms.Participants {
	if r.Parties.Has(sms.PartyRequester, r.Requester) && r.Parties.Has(sms.PartyRequestedFor, r.RequestedFor) {
		return r.Parties
	}
	ps := make(sms.Participants, len(r.Parties), len(r.Parties)+2)
	copy(ps, r.Parties)
	ps.Add(sms.PartyRequester, r.Requester, false)
	ps.Add(sms.PartyRequestedFor, r.RequestedFor, false)
	return ps
}

// ownRequest reports whether id submitted the request or is named as its
// requester: a requester cancels only their own request (SR-04).
func (r *Request) ownRequest(id string) bool {
	return id == r.Requester || r.Parties.Has(sms.PartyRequester, id)
}

// rule returns the item's approval rule with the requester (whoever
// submitted the request and whoever it names) and the person the request
// is for always excluded (SR-07), and whether there is one.
func (r *Request) rule() (sms.ApprovalRule, bool) {
	if !r.Item.NeedsApproval() {
		return sms.ApprovalRule{}, false
	}
	rule := cloneRule(r.Item.Approval)
	for _, p := range []sms.Party{sms.PartyRequester, sms.PartyRequestedFor} {
		if !slices.Contains(rule.Exclude, p) {
			rule.Exclude = append(rule.Exclude, p)
		}
	}
	return rule, true
}

// ApprovalOutcome evaluates the recorded approvals under the item's rule
// (SR-07): approved, rejected or pending; approved when the item needs no
// approval.
func (r *Request) ApprovalOutcome() sms.Outcome {
	rule, ok := r.rule()
	if !ok {
		return sms.Approved
	}
	return rule.Tally(r.Approvals, r.parties())
}

// decided reports whether the approver already decided on the request.
func (r *Request) decided(approver string) bool {
	for _, ap := range r.Approvals {
		if ap.Approver == approver {
			return true
		}
	}
	return false
}
