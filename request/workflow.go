package request

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Requirements returns the service-request requirements this package
// enforces, SR-01 to SR-10, in the project's own words.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SR-01", Clause: "8.6.2", Text: "each service request is recorded and classified"},
		{ID: "SR-02", Clause: "8.6.2", Text: "service requests are prioritised"},
		{ID: "SR-03", Clause: "8.6.2", Text: "service requests are fulfilled"},
		{ID: "SR-04", Clause: "8.6.2", Text: "service requests are closed"},
		{ID: "SR-05", Clause: "8.6.2", Text: "request records are updated with the actions taken"},
		{ID: "SR-06", Clause: "8.6.2", Text: "fulfilment instructions are available to those who fulfil"},
		{ID: "SR-07", Clause: "8.6.2", Text: "requests needing authorisation are approved before fulfilment"},
		{ID: "SR-08", Clause: "8.5.1/8.6.2", Text: "requests altering controlled items go through a standard change"},
		{ID: "SR-09", Clause: "8.3.3", Text: "fulfilment targets are tracked"},
		{ID: "SR-10", Clause: "8.6.2", Text: "misclassified faults move to incident management"},
	}
}

// requirement returns the requirement of the catalogue with the ID.
func requirement(id string) sms.Requirement {
	for _, r := range Requirements() {
		if r.ID == id {
			return r
		}
	}
	return sms.Requirement{ID: id}
}

// cite cites a requirement of the catalogue ([Requirements]) by ID, with
// the sentence a refusal states; the catalogue gives the clause.
func cite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

type (
	tx   = sms.Transition[*Request]
	itx  = sms.Transition[*Item]
	rule = sms.Rule[*Request]
)

func guard(id, text string, check func(*tx) bool) sms.Guard[*Request] {
	return sms.Guard[*Request]{Requirement: cite(id, text), Check: check}
}

func itemGuard(id, text string, check func(*itx) bool) sms.Guard[*Item] {
	return sms.Guard[*Item]{Requirement: cite(id, text), Check: check}
}

func cmd[C any](t *tx) C { return sms.CommandOf[C](t) }

func icmd[C any](t *itx) C { return sms.CommandOf[C](t) }

func st[S ~string](ss ...S) []string { return sms.StatesOf(ss...) }

func roles(rs ...sms.Role) []sms.Role { return rs }

// hosts are what the request workflow's Prepare functions read: the
// catalogue items a submission names and the host's change management. A
// nil field finds nothing.
type hosts struct {
	item    func(ctx context.Context, id string) (*Item, error)
	changes ChangeLookup
}

// submitted is what submit's Prepare found: the catalogue item the
// submission names, nil when there is none.
type submitted struct{ item *Item }

// submittedItem returns the item submit's Prepare found, or nil.
func submittedItem(t *tx) *Item {
	if s, ok := t.Prepared.(*submitted); ok {
		return s.item
	}
	return nil
}

// prepareSubmission reads the catalogue item the submission names (SR-06).
// An item that does not exist is left to the guards; any other failure to
// read it ends the transition.
func prepareSubmission(h hosts) func(ctx context.Context, t *tx) error {
	return func(ctx context.Context, t *tx) error {
		s := &submitted{}
		t.Prepared = s
		c := cmd[Submission](t)
		if c.Item == "" || h.item == nil {
			return nil
		}
		it, err := h.item(ctx, c.Item)
		switch {
		case err == nil:
			s.item = it
		case !errors.Is(err, sms.ErrNotFound):
			return err
		}
		return nil
	}
}

// Requirements an approval's refusals cite: SR-07 states three.
var (
	reqApproverRole = cite("SR-07", "an approver holds a role of the catalogue item's approval rule")
	reqNotParty     = cite("SR-07", "neither the requester nor the person the request is for approves it")
	reqOnce         = cite("SR-07", "each approver decides once, so the quorum counts distinct people")
)

// approvalGate is the approval of an approval or a rejection (SR-07),
// checked by the kernel on the acting actor, in this order: a role of the
// item's rule (the one they name, if any, which they must hold and the
// rule must list), no party the rule excludes (whoever submitted the
// request, and the requester and the person it is for it names: the
// reason says whether they submitted or are named), and one decision per
// approver, each refusal citing its own sentence of SR-07. A request
// whose item needs no approval is left to the guard that says so.
func approvalGate(role func(*tx) sms.Role) *sms.ApprovalGate[*Request] {
	return &sms.ApprovalGate[*Request]{
		Requirement: reqApproverRole,
		Excluded:    reqNotParty,
		Once:        reqOnce,
		Rule:        func(t *tx) (sms.ApprovalRule, bool) { return t.Entity.rule() },
		Role:        role,
		Parties:     (*Request).parties,
		Decided:     (*Request).decided,
		Excluding: func(_ *tx, p sms.Party, acted bool) string {
			if acted {
				return "the actor submitted the request, so holds its " + string(p) + " party, and may not decide on it"
			}
			return "the actor is named as the request's " + string(p) + " and may not decide on it"
		},
	}
}

// decidingRole returns the role the approver decides in under the item's
// rule (see [sms.DecidingRole]).
func decidingRole(t *tx, named sms.Role) sms.Role {
	rl, _ := t.Entity.rule()
	r, _ := sms.DecidingRole(rl, t.Actor, named)
	return r
}

// pauseTimer and resumeTimer keep the fulfilment timer (SR-09).
func resumeTimer(r *Request, now time.Time) {
	if !r.PausedSince.IsZero() {
		d := now.Sub(r.PausedSince)
		r.Paused += d
		if !r.Due.IsZero() {
			r.Due = r.Due.Add(d)
		}
		r.PausedSince = time.Time{}
	}
}

func definition(p *Policy, h hosts) sms.Definition[*Request] {
	var (
		workers  = roles(RoleFulfiller, RoleRequestManager)
		approver = roles(RoleApprover)
		open     = st(StatusNew, StatusAwaitingApproval, StatusApproved, StatusInFulfilment, StatusOnHold)
	)
	needsApproval := guard("SR-07", "the catalogue item requires approval", func(t *tx) bool { _, ok := t.Entity.rule(); return ok })
	rules := []rule{
		{
			Trigger: string(TriggerSubmit), Command: Submission{}, To: string(StatusNew), Roles: roles(RoleRequester, RoleRequestManager, RoleFulfiller),
			Doc:     "Submit a request against a published catalogue item; the item's edition is kept.",
			Prepare: prepareSubmission(h),
			Guards: []sms.Guard[*Request]{
				guard("SR-06", "a request is submitted against a published catalogue item, never a draft or retired one", func(t *tx) bool {
					it := submittedItem(t)
					return it != nil && it.Status == ItemPublished && it.ID == cmd[Submission](t).Item
				}),
				guard("SR-02", "a priority other than the item's default gives its reason", func(t *tx) bool {
					c := cmd[Submission](t)
					return c.Priority == 0 || !sms.Blank(c.OverrideReason)
				}),
			},
			Requires: []sms.Required[*Request]{
				{Field: "item", Requirement: cite("SR-01", "a request names its catalogue item"), Present: func(r *Request) bool { return r.Item.ID != "" }},
				{Field: "requester", Requirement: cite("SR-01", "a request names its requester"), Present: func(r *Request) bool { return r.Requester != "" }},
				{Field: "summary", Requirement: cite("SR-01", "a request says what is requested"), Present: func(r *Request) bool { return !sms.Blank(r.Summary) }},
				{Field: "category", Requirement: cite("SR-01", "a request is classified by its item's category"), Present: func(r *Request) bool { return r.Category != "" }},
				{Field: "priority", Requirement: cite("SR-02", "a request has a priority"), Present: func(r *Request) bool { return r.Priority > 0 }},
			},
			Apply: func(t *tx) {
				c, r := cmd[Submission](t), t.Entity
				r.ID, r.Summary, r.Requester, r.RequestedFor, r.SubmittedAt = c.ID, c.Summary, c.Requester, c.RequestedFor, t.Now
				if r.RequestedFor == "" {
					r.RequestedFor = c.Requester
				}
				// Who submitted and whom the submission names (SR-07).
				r.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				r.Parties.Add(sms.PartyRequester, r.Requester, false)
				r.Parties.Add(sms.PartyRequestedFor, r.RequestedFor, false)
				t.Record("requester", r.Requester)
				t.Record("requested_for", r.RequestedFor)
				t.Record("summary", c.Summary)
				if it := submittedItem(t); it != nil {
					r.Item = Snapshot{ID: it.ID, Edition: it.Edition, Name: it.Name, Instructions: it.Instructions, Target: it.Target, Tasks: slices.Clone(it.Tasks),
						RequiresStandardChange: it.RequiresStandardChange, ChangeTemplates: slices.Clone(it.ChangeTemplates)}
					if it.Approval != nil {
						r.Item.Approval = cloneRule(*it.Approval)
					}
					if it.RequiresStandardChange {
						t.Record("requires_standard_change", "true")
					}
					r.Category, r.Service, r.Priority = it.Category, it.Service, it.DefaultPriority
					r.addLink(LinkCatalogueItem, it.ID)
					t.Record("item", it.ID)
					t.Record("edition", strconv.Itoa(it.Edition))
					t.Record("instructions", it.Instructions.Ref+"@"+it.Instructions.Version)
					if it.Target > 0 {
						r.Due = t.Now.Add(it.Target)
						t.RecordTime("due", r.Due)
					}
				}
				if c.Priority != 0 {
					r.Priority, r.OverrideReason = c.Priority, c.OverrideReason
					t.Record("override_reason", c.OverrideReason)
				}
				t.Record("priority", strconv.Itoa(int(r.Priority)))
				if c.FromIncident != "" {
					r.addLink(LinkIncident, c.FromIncident)
					t.Record("from_incident", c.FromIncident)
				}
			},
		},
		{
			Trigger: string(TriggerPrioritise), Command: Prioritisation{}, From: open, Roles: workers,
			Requirement: cite("SR-02", "a request is reprioritised while it is open"),
			Doc:         "Override the priority, with a reason.",
			Guards: []sms.Guard[*Request]{
				guard("SR-02", "a priority is at least 1", func(t *tx) bool { return cmd[Prioritisation](t).Priority > 0 }),
				guard("SR-02", "a priority override gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Prioritisation](t).Reason) }),
			},
			Apply: func(t *tx) {
				c, r := cmd[Prioritisation](t), t.Entity
				t.RecordChange("priority", strconv.Itoa(int(r.Priority)), strconv.Itoa(int(c.Priority)))
				r.Priority, r.OverrideReason = c.Priority, c.Reason
				t.SetReason(c.Reason)
			},
		},
		{
			Trigger: string(TriggerRequestApproval), Command: ApprovalRequest{}, From: st(StatusNew), To: string(StatusAwaitingApproval), Roles: workers,
			Requirement: cite("SR-07", "approval is requested for a new request"),
			Doc:         "Ask the approvers the item's rule names.",
			Guards: []sms.Guard[*Request]{
				guard("SR-07", "the catalogue item requires approval", func(t *tx) bool { _, ok := t.Entity.rule(); return ok }),
			},
			Apply: func(t *tx) {
				if n := cmd[ApprovalRequest](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerApprove), Command: Approval{}, From: st(StatusAwaitingApproval), Roles: approver,
			Requirement: cite("SR-07", "only a request awaiting approval is approved"),
			Doc:         "Record one approver's approval under the item's rule.",
			Approval:    approvalGate(func(t *tx) sms.Role { return cmd[Approval](t).Role }),
			Guards:      []sms.Guard[*Request]{needsApproval},
			Apply: func(t *tx) {
				c, r := cmd[Approval](t), t.Entity
				role := decidingRole(t, c.Role)
				r.Approvals = append(r.Approvals, sms.Approval{Approver: t.Actor.ID, Role: role, Decision: sms.Approve, Rationale: c.Rationale, At: t.Now})
				t.Record("role", string(role))
				t.Record("outcome", string(r.ApprovalOutcome()))
				t.SetReason(c.Rationale)
			},
		},
		{
			Trigger: string(TriggerGrant), Command: Grant{}, From: st(StatusAwaitingApproval), To: string(StatusApproved), Roles: roles(RoleApprover, RoleRequestManager),
			Requirement: cite("SR-07", "only a request awaiting approval is granted"),
			Doc:         "The approvals satisfy the item's rule: the request is approved.",
			Guards: []sms.Guard[*Request]{
				guard("SR-07", "the approvals reach the item's quorum of distinct eligible approvers", func(t *tx) bool {
					return t.Entity.ApprovalOutcome() == sms.Approved
				}),
			},
			Apply: func(t *tx) {
				t.Entity.GrantedAt = t.Now
				t.Record("approvals", strconv.Itoa(len(t.Entity.Approvals)))
			},
		},
		{
			Trigger: string(TriggerReject), Command: Rejection{}, From: st(StatusAwaitingApproval), To: string(StatusRejected), Roles: approver,
			Requirement: cite("SR-07", "only a request awaiting approval is rejected"),
			Doc:         "Reject, with a reason; terminal.",
			Approval:    approvalGate(func(t *tx) sms.Role { return cmd[Rejection](t).Role }),
			Guards: []sms.Guard[*Request]{needsApproval,
				guard("SR-07", "a rejection gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Rejection](t).Reason) })},
			Apply: func(t *tx) {
				c, r := cmd[Rejection](t), t.Entity
				role := decidingRole(t, c.Role)
				r.Approvals = append(r.Approvals, sms.Approval{Approver: t.Actor.ID, Role: role, Decision: sms.Reject, Rationale: c.Reason, At: t.Now})
				r.RejectReason = c.Reason
				t.Record("role", string(role))
				t.SetReason(c.Reason)
			},
		},
		{
			Trigger: string(TriggerStartFulfilment), Command: FulfilmentStart{}, From: st(StatusNew, StatusApproved), To: string(StatusInFulfilment), Roles: workers,
			Requirement: cite("SR-07", "fulfilment starts on a new request that needs no approval, or on an approved one"),
			Doc:         "Start fulfilment under an assignee or group; the item's tasks are created.",
			Guards: []sms.Guard[*Request]{
				guard("SR-07", "a request whose item needs approval is approved before fulfilment", func(t *tx) bool {
					return t.Entity.ApprovalOutcome() == sms.Approved && (!t.Entity.Item.NeedsApproval() || !t.Entity.GrantedAt.IsZero())
				}),
				guard("SR-03", "fulfilment is assigned to a group or a person", func(t *tx) bool {
					c := cmd[FulfilmentStart](t)
					return c.Group != "" || c.Assignee != ""
				}),
				guard("SR-02", "a request is prioritised before fulfilment", func(t *tx) bool { return t.Entity.Priority > 0 }),
			},
			Apply: func(t *tx) {
				c, r := cmd[FulfilmentStart](t), t.Entity
				r.Group, r.Assignee, r.StartedAt = c.Group, c.Assignee, t.Now
				if c.Group != "" {
					t.Record("group", c.Group)
				}
				if c.Assignee != "" {
					t.Record("assignee", c.Assignee)
				}
				t.Record("instructions", r.Item.Instructions.Ref+"@"+r.Item.Instructions.Version)
				for _, name := range r.Item.Tasks {
					r.Tasks = append(r.Tasks, Task{Name: name, State: TaskOpen})
					t.Record("task", name)
				}
			},
		},
		{
			Trigger: string(TriggerHold), Command: Suspension{}, From: st(StatusInFulfilment), To: string(StatusOnHold), Roles: workers,
			Requirement: cite("SR-09", "only a request in fulfilment is put on hold"),
			Doc:         "Wait for the requester, a supplier or stock; the timer pauses on the reasons the policy lists.",
			Apply: func(t *tx) {
				c, r := cmd[Suspension](t), t.Entity
				r.HoldReason = c.Reason
				t.Record("reason", string(c.Reason))
				if slices.Contains(p.PauseOn, c.Reason) && r.PausedSince.IsZero() {
					r.PausedSince = t.Now
					t.Record("timer", "paused")
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerResume), Command: Resumption{}, From: st(StatusOnHold), To: string(StatusInFulfilment), Roles: workers,
			Requirement: cite("SR-09", "only a request on hold resumes"),
			Doc:         "Resume fulfilment.",
			Apply: func(t *tx) {
				r := t.Entity
				t.Record("reason", string(r.HoldReason))
				r.HoldReason = ""
				resumeTimer(r, t.Now)
				if n := cmd[Resumption](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerCompleteTask), Command: TaskCompletion{}, From: st(StatusInFulfilment), Roles: workers,
			Requirement: cite("SR-03", "tasks are completed during fulfilment"),
			Doc:         "Mark a fulfilment task done.",
			Guards: []sms.Guard[*Request]{
				guard("SR-03", "the task is one of the request's open tasks", func(t *tx) bool {
					i := t.Entity.task(cmd[TaskCompletion](t).Task)
					return i >= 0 && t.Entity.Tasks[i].State == TaskOpen
				}),
			},
			Apply: func(t *tx) {
				c, r := cmd[TaskCompletion](t), t.Entity
				if i := r.task(c.Task); i >= 0 {
					r.Tasks[i] = Task{Name: c.Task, State: TaskDone, By: t.Actor.ID, At: t.Now}
				}
				t.Record("task", c.Task)
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerSkipTask), Command: TaskSkip{}, From: st(StatusInFulfilment), Roles: workers,
			Requirement: cite("SR-03", "tasks are skipped during fulfilment"),
			Doc:         "Skip a fulfilment task, with a reason.",
			Guards: []sms.Guard[*Request]{
				guard("SR-03", "the task is one of the request's open tasks", func(t *tx) bool {
					i := t.Entity.task(cmd[TaskSkip](t).Task)
					return i >= 0 && t.Entity.Tasks[i].State == TaskOpen
				}),
				guard("SR-03", "a skipped task gives its reason", func(t *tx) bool { return !sms.Blank(cmd[TaskSkip](t).Reason) }),
			},
			Apply: func(t *tx) {
				c, r := cmd[TaskSkip](t), t.Entity
				if i := r.task(c.Task); i >= 0 {
					r.Tasks[i] = Task{Name: c.Task, State: TaskSkipped, Reason: c.Reason, By: t.Actor.ID, At: t.Now}
				}
				t.Record("task", c.Task)
				t.SetReason(c.Reason)
			},
		},
		{
			Trigger: string(TriggerRecordAction), Command: Action{}, From: open, Roles: workers,
			Requirement: cite("SR-05", "actions are recorded while the request is open"),
			Doc:         "Record an action taken.",
			Guards: []sms.Guard[*Request]{
				guard("SR-05", "an action taken is described", func(t *tx) bool { return !sms.Blank(cmd[Action](t).Text) }),
			},
			Apply: func(t *tx) {
				t.Entity.Actions++
				t.Record("text", cmd[Action](t).Text)
			},
		},
		{
			Trigger: string(TriggerFulfil), Command: Fulfilment{}, From: st(StatusInFulfilment), To: string(StatusFulfilled), Roles: workers,
			Requirement: cite("SR-03", "only a request in fulfilment is fulfilled"),
			Doc:         "Fulfil: every task done or skipped with a reason, with fulfilment notes; through a standard change closed successful if the item requires one.",
			Prepare:     prepareFulfilment(h.changes),
			Guards: append([]sms.Guard[*Request]{
				guard("SR-03", "every fulfilment task is done or skipped with a reason", func(t *tx) bool { return tasksSettled(t.Entity) }),
				guard("SR-03", "a fulfilment carries notes", func(t *tx) bool { return !sms.Blank(cmd[Fulfilment](t).Notes) }),
				guard("SR-07", "a request whose item needs approval was approved before fulfilment", func(t *tx) bool {
					return t.Entity.ApprovalOutcome() == sms.Approved
				}),
			}, standardChangeGuards()...),
			Apply: func(t *tx) {
				c, r := cmd[Fulfilment](t), t.Entity
				r.FulfilmentNotes, r.FulfilledAt = c.Notes, t.Now
				t.Record("notes", c.Notes)
				linkChange(t, c, viewOf(t))
			},
		},
		{
			Trigger: string(TriggerClose), Command: Closure{}, From: st(StatusFulfilled), To: string(StatusClosed), Roles: roles(RoleRequester, RoleRequestManager),
			Requirement: cite("SR-04", "only a fulfilled request is closed"),
			Doc:         "Close on the requester's confirmation or after the auto-close window.",
			Guards: []sms.Guard[*Request]{
				guard("SR-04", "a closure carries a close code: complete, incomplete or skipped", func(t *tx) bool { return cmd[Closure](t).Code != "" }),
				guard("SR-04", "closure needs the requester's confirmation or the elapsed auto-close window", func(t *tx) bool {
					switch cmd[Closure](t).Confirmation {
					case ConfirmedByRequester:
						// The acting actor is the customer the submission
						// named: a desk agent who submitted for them does
						// not confirm in their place.
						return t.Actor.ID == t.Entity.Requester || t.Actor.ID == t.Entity.RequestedFor || t.Actor.Has(RoleRequestManager)
					case AutoClosed:
						return p.AutoCloseAfter > 0 && !t.Now.Before(t.Entity.FulfilledAt.Add(p.AutoCloseAfter))
					}
					return false
				}),
			},
			Apply: func(t *tx) {
				c, r := cmd[Closure](t), t.Entity
				r.CloseCode, r.Confirmation, r.ClosedAt = c.Code, c.Confirmation, t.Now
				if c.Confirmation == ConfirmedByRequester {
					r.Parties.Add(sms.PartyConfirmer, t.Actor.ID, true)
				}
				t.Record("code", string(c.Code))
				t.Record("confirmation", string(c.Confirmation))
			},
		},
		{
			Trigger: string(TriggerCancel), Command: Cancellation{}, From: st(StatusNew, StatusAwaitingApproval, StatusApproved, StatusInFulfilment),
			To: string(StatusCancelled), Roles: roles(RoleRequester, RoleRequestManager),
			Requirement: cite("SR-04", "a request is cancelled before it is fulfilled"),
			Doc:         "Cancel with a reason; a requester cancels only their own request.",
			Guards: []sms.Guard[*Request]{
				guard("SR-04", "a cancellation gives its reason", func(t *tx) bool { return cmd[Cancellation](t).Reason != "" }),
				guard("SR-04", "a requester cancels only their own request", func(t *tx) bool {
					return t.Actor.Has(RoleRequestManager) || t.Entity.ownRequest(t.Actor.ID)
				}),
			},
			Apply: func(t *tx) {
				c, r := cmd[Cancellation](t), t.Entity
				r.CancelReason = c.Reason
				t.Record("reason", string(c.Reason))
				for i := range r.Tasks {
					if r.Tasks[i].State == TaskOpen {
						r.Tasks[i].State, r.Tasks[i].Reason = TaskSkipped, "request cancelled"
					}
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerConvert), Command: Conversion{}, From: st(StatusNew), To: string(StatusCancelled), Roles: workers,
			Requirement: cite("SR-10", "only a new request is converted to an incident"),
			Doc:         "Convert a misfiled fault: cancelled, linked to the incident logged in its place.",
			Guards: []sms.Guard[*Request]{
				guard("SR-10", "a conversion names the incident logged in its place", func(t *tx) bool { return cmd[Conversion](t).Incident != "" }),
			},
			Apply: func(t *tx) {
				c, r := cmd[Conversion](t), t.Entity
				r.CancelReason, r.Incident = CancelConverted, c.Incident
				r.addLink(LinkIncident, c.Incident)
				t.Record("reason", string(CancelConverted))
				t.Record("incident", c.Incident)
			},
		},
		{
			Trigger: string(TriggerNote), Command: Note{}, From: st(Statuses()...),
			Roles: roles(RoleRequester, RoleFulfiller, RoleApprover, RoleRequestManager),
			Doc:   "Add a note; the only trigger a closed, rejected or cancelled request accepts.",
			Apply: func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
	}
	return sms.Definition[*Request]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusRejected, StatusClosed, StatusCancelled),
		New:       func() *Request { return &Request{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}

// tasksSettled reports whether every task is done, or skipped with a
// reason (SR-03).
func tasksSettled(r *Request) bool {
	for _, t := range r.Tasks {
		if t.State == TaskOpen || (t.State == TaskSkipped && sms.Blank(t.Reason)) {
			return false
		}
	}
	return true
}

func itemDefinition() sms.Definition[*Item] {
	cat := roles(RoleCatalogueManager)
	instructed := func(t *itx) bool { return t.Entity.Instructions.Present() }
	rules := []sms.Rule[*Item]{
		{
			Trigger: string(ItemTriggerDefine), Command: ItemDefinition{}, To: string(ItemDraft), Roles: cat,
			Doc: "Define a catalogue item in draft.",
			Requires: []sms.Required[*Item]{
				{Field: "name", Requirement: cite("SR-01", "a catalogue item has a name"), Present: func(i *Item) bool { return !sms.Blank(i.Name) }},
				{Field: "category", Requirement: cite("SR-01", "a catalogue item classifies its requests"), Present: func(i *Item) bool { return i.Category != "" }},
				{Field: "service", Requirement: cite("SR-01", "a catalogue item belongs to a service"), Present: func(i *Item) bool { return i.Service != "" }},
				{Field: "default_priority", Requirement: cite("SR-02", "a catalogue item sets the default priority of its requests"),
					Present: func(i *Item) bool { return i.DefaultPriority > 0 }},
			},
			Apply: func(t *itx) {
				c, i := icmd[ItemDefinition](t), t.Entity
				i.ID, i.Name, i.Description, i.Category, i.Service = c.ID, c.Name, c.Description, c.Category, c.Service
				i.DefaultPriority, i.Instructions, i.Tasks, i.Target = c.DefaultPriority, c.Instructions, slices.Clone(c.Tasks), c.Target
				if c.Approval != nil {
					r := cloneRule(*c.Approval)
					i.Approval = &r
				}
				i.RequiresStandardChange, i.ChangeTemplates = c.RequiresStandardChange, slices.Clone(c.ChangeTemplates)
				t.Record("name", c.Name)
				t.Record("service", c.Service)
				t.Record("category", c.Category)
				if c.RequiresStandardChange {
					t.Record("requires_standard_change", "true")
					t.Record("change_templates", strings.Join(c.ChangeTemplates, ","))
				}
			},
		},
		{
			Trigger: string(ItemTriggerRevise), Command: ItemRevision{}, From: st(ItemDraft, ItemPublished), Roles: cat,
			Requirement: cite("SR-06", "a catalogue item is revised until it is retired"),
			Doc:         "Revise; a published item gets a new edition.",
			Requires: []sms.Required[*Item]{
				{Field: "instructions", Requirement: cite("SR-06", "a published catalogue item keeps its fulfilment instructions"),
					Present: func(i *Item) bool { return i.Status != ItemPublished || i.Instructions.Present() }},
				{Field: "change_templates", Requirement: cite("SR-08", "a catalogue item names standard-change templates only when it requires a standard change"),
					Present: func(i *Item) bool { return len(i.ChangeTemplates) == 0 || i.RequiresStandardChange }},
			},
			Apply: func(t *itx) {
				c, i := icmd[ItemRevision](t), t.Entity
				if c.Name != "" {
					t.RecordChange("name", i.Name, c.Name)
					i.Name = c.Name
				}
				if c.Description != "" {
					i.Description = c.Description
				}
				if c.DefaultPriority != 0 {
					t.RecordChange("default_priority", strconv.Itoa(int(i.DefaultPriority)), strconv.Itoa(int(c.DefaultPriority)))
					i.DefaultPriority = c.DefaultPriority
				}
				if c.Instructions != (Instructions{}) {
					t.RecordChange("instructions", i.Instructions.Ref+"@"+i.Instructions.Version, c.Instructions.Ref+"@"+c.Instructions.Version)
					i.Instructions = c.Instructions
				}
				switch {
				case c.ClearApproval:
					i.Approval = nil
					t.Record("approval", "none")
				case c.Approval != nil:
					r := cloneRule(*c.Approval)
					i.Approval = &r
					t.Record("approval", "replaced")
				}
				if c.Tasks != nil {
					t.RecordChange("tasks", strings.Join(i.Tasks, "\n"), strings.Join(c.Tasks, "\n"))
					i.Tasks = slices.Clone(c.Tasks)
				}
				if c.Target != 0 {
					i.Target = c.Target
				}
				switch {
				case c.ClearStandardChange:
					t.RecordChange("requires_standard_change", strconv.FormatBool(i.RequiresStandardChange), "false")
					t.RecordChange("change_templates", strings.Join(i.ChangeTemplates, ","), "")
					i.RequiresStandardChange, i.ChangeTemplates = false, nil
				default:
					if c.RequiresStandardChange {
						t.RecordChange("requires_standard_change", strconv.FormatBool(i.RequiresStandardChange), "true")
						i.RequiresStandardChange = true
					}
					if c.ChangeTemplates != nil {
						t.RecordChange("change_templates", strings.Join(i.ChangeTemplates, ","), strings.Join(c.ChangeTemplates, ","))
						i.ChangeTemplates = slices.Clone(c.ChangeTemplates)
					}
				}
				if i.Status == ItemPublished {
					i.Edition++
					t.Record("edition", strconv.Itoa(i.Edition))
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(ItemTriggerPublish), Command: ItemPublication{}, From: st(ItemDraft), To: string(ItemPublished), Roles: cat,
			Requirement: cite("SR-06", "only a draft catalogue item is published"),
			Doc:         "Publish with fulfilment instructions: requests may be submitted against it.",
			Guards: []sms.Guard[*Item]{
				itemGuard("SR-06", "a published catalogue item names its fulfilment instructions and their version", instructed),
			},
			Apply: func(t *itx) {
				i := t.Entity
				i.Edition++
				i.PublishedAt = t.Now
				t.Record("edition", strconv.Itoa(i.Edition))
				t.Record("instructions", i.Instructions.Ref+"@"+i.Instructions.Version)
			},
		},
		{
			Trigger: string(ItemTriggerRetire), Command: ItemRetirement{}, From: st(ItemDraft, ItemPublished), To: string(ItemRetired), Roles: cat,
			Requirement: cite("SR-06", "a catalogue item is retired once"),
			Doc:         "Retire: no more submissions.",
			Guards: []sms.Guard[*Item]{
				itemGuard("SR-06", "a retirement gives its reason", func(t *itx) bool { return !sms.Blank(icmd[ItemRetirement](t).Reason) }),
			},
			Apply: func(t *itx) {
				t.Entity.RetiredAt = t.Now
				t.SetReason(icmd[ItemRetirement](t).Reason)
			},
		},
		{
			Trigger: string(ItemTriggerNote), Command: ItemNote{}, From: st(ItemStatuses()...), Roles: cat,
			Doc:   "Add a note.",
			Apply: func(t *itx) { t.Record("text", icmd[ItemNote](t).Text) },
		},
	}
	return sms.Definition[*Item]{
		Kind:      ItemKind,
		States:    st(ItemStatuses()...),
		Terminal:  st(ItemRetired),
		New:       func() *Item { return &Item{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}
