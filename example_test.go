package sms_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
)

// Door is a host's tiny entity: a door that is installed closed, opened
// for a stated reason, and closed again.
type Door struct {
	sms.Meta
	Status string `json:"status"`
	Room   string `json:"room"`
	Reason string `json:"reason,omitempty"`
}

func (*Door) EntityKind() sms.Kind         { return "door" }
func (d *Door) State() string              { return d.Status }
func (d *Door) SetState(s string)          { d.Status = s }
func (d *Door) Attributes() sms.Attributes { return sms.Attributes{Service: d.Room} }
func (d *Door) Clone() *Door               { c := *d; return &c }

// DoorCommand is the input of every door trigger.
type DoorCommand struct {
	Room   string
	Reason string
}

func (DoorCommand) Validate() error { return nil }

const keeper sms.Role = "keeper"

func doorWorkflow() *sms.Workflow[*Door] {
	cmd := func(t *sms.Transition[*Door]) DoorCommand { c, _ := t.Command.(DoorCommand); return c }
	wf, err := sms.NewWorkflow(sms.Definition[*Door]{
		Kind:   "door",
		States: []string{"closed", "opened"},
		New:    func() *Door { return &Door{} },
		Rules: []sms.Rule[*Door]{
			{
				Trigger: "install", To: "closed", Roles: []sms.Role{keeper}, Command: DoorCommand{},
				Requires: []sms.Required[*Door]{{
					Field:       "room",
					Requirement: sms.Requirement{ID: "DOOR-01", Clause: "7.1", Text: "a door belongs to a room"},
					Present:     func(d *Door) bool { return d.Room != "" },
				}},
				Apply: func(t *sms.Transition[*Door]) { t.Entity.Room = cmd(t).Room; t.Record("room", cmd(t).Room) },
			},
			{
				Trigger: "open", From: []string{"closed"}, To: "opened", Roles: []sms.Role{keeper}, Command: DoorCommand{},
				Guards: []sms.Guard[*Door]{{
					Requirement: sms.Requirement{ID: "DOOR-02", Clause: "8.1", Text: "a door is opened for a reason"},
					Check:       func(t *sms.Transition[*Door]) bool { return cmd(t).Reason != "" },
				}},
				Apply: func(t *sms.Transition[*Door]) { t.Entity.Reason = cmd(t).Reason; t.SetReason(cmd(t).Reason) },
			},
			{
				Trigger: "close", From: []string{"opened"}, To: "closed", Roles: []sms.Role{keeper}, Command: DoorCommand{},
				Apply: func(t *sms.Transition[*Door]) { t.Entity.Reason = "" },
			},
		},
	})
	if err != nil {
		panic(err)
	}
	return wf
}

// A host declares a workflow, binds it to a store and fires transitions;
// refusals say which requirement was not met, and the journal proves what
// happened.
func Example() {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	m, err := sms.NewMachine(doorWorkflow(), memstore.New[*Door](), sms.Options{
		Now:   func() time.Time { at = at.Add(time.Minute); return at },
		NewID: func() string { return "door-1" },
	})
	if err != nil {
		panic(err)
	}
	kim := sms.Actor{ID: "kim", Roles: []sms.Role{keeper}}

	d, err := m.Create(ctx, kim, DoorCommand{Room: "lab"})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.ID, d.Status, d.Version)

	// Opening without a reason is refused, citing the requirement.
	_, err = m.Fire(ctx, kim, d.ID, "open", DoorCommand{})
	var ge *sms.GuardError
	if errors.As(err, &ge) {
		fmt.Println("refused:", ge.IDs())
	}

	d, err = m.Fire(ctx, kim, d.ID, "open", DoorCommand{Reason: "delivery"})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Status, d.Version)

	// Opening an open door is not a transition of the workflow.
	_, err = m.Fire(ctx, kim, d.ID, "open", DoorCommand{Reason: "again"})
	var te *sms.TransitionError
	if errors.As(err, &te) {
		fmt.Println("not from", te.State+"; permitted:", te.Permitted)
	}

	// Someone without the keeper role is forbidden.
	_, err = m.Fire(ctx, sms.Actor{ID: "vic", Roles: []sms.Role{"visitor"}}, d.ID, "close", DoorCommand{})
	fmt.Println("forbidden:", errors.Is(err, sms.ErrForbidden))

	entries, err := m.Journal(ctx, d.ID)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		fmt.Printf("%d %s: %q -> %q at %s by %s, reason %q\n", e.Seq, e.Trigger, e.From, e.To, e.At.Format(time.RFC3339), e.Actor.ID, e.Reason)
	}
	fmt.Println("journal verifies:", sms.VerifyJournal(entries) == nil)
	// Output:
	// door-1 closed 1
	// refused: [DOOR-02]
	// opened 2
	// not from opened; permitted: [close]
	// forbidden: true
	// 1 install: "" -> "closed" at 2026-03-01T09:01:00Z by kim, reason ""
	// 2 open: "closed" -> "opened" at 2026-03-01T09:03:00Z by kim, reason "delivery"
	// journal verifies: true
}

// VerifyJournal names the first entry that was altered, removed or
// reordered.
func ExampleVerifyJournal() {
	ctx := context.Background()
	m, err := sms.NewMachine(doorWorkflow(), memstore.New[*Door](), sms.Options{NewID: func() string { return "door-1" }})
	if err != nil {
		panic(err)
	}
	kim := sms.Actor{ID: "kim", Roles: []sms.Role{keeper}}
	if _, err := m.Create(ctx, kim, DoorCommand{Room: "lab"}); err != nil {
		panic(err)
	}
	for _, trig := range []string{"open", "close", "open"} {
		if _, err := m.Fire(ctx, kim, "door-1", trig, DoorCommand{Reason: "delivery"}); err != nil {
			panic(err)
		}
	}
	entries, err := m.Journal(ctx, "door-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(entries), "entries, verified:", sms.VerifyJournal(entries) == nil)

	entries[1].Reason = "fire drill" // someone rewrites history
	err = sms.VerifyJournal(entries)
	var je *sms.JournalError
	if errors.As(err, &je) {
		fmt.Println("entry", je.Seq, "does not verify; corrupt:", errors.Is(err, sms.ErrCorrupt))
	}

	entries = append(entries[:1], entries[2:]...) // or deletes an entry
	if errors.As(sms.VerifyJournal(entries), &je) {
		fmt.Println("entry at position", je.Index, "does not verify")
	}
	// Output:
	// 4 entries, verified: true
	// entry 2 does not verify; corrupt: true
	// entry at position 1 does not verify
}

// An approval rule: two distinct CAB members, neither of them the
// requester. The change was raised by raj on behalf of rob, so both hold
// the requester's part: the person the command named and the actor who
// fired the transition.
func ExampleApprovalRule() {
	rule := sms.ApprovalRule{Roles: []sms.Role{"cab_member"}, Quorum: 2, Exclude: []sms.Party{sms.PartyRequester}}
	if err := rule.Validate(); err != nil {
		panic(err)
	}
	var parties sms.Participants
	parties.Add(sms.PartyRequester, "rob", false) // named in the request
	parties.Add(sms.PartyRequester, "raj", true)  // the actor who raised it
	sod := sms.Requirement{ID: "CHG-11", Clause: "8.5.1.3", Text: "no one approves their own change"}

	for _, id := range []string{"rob", "raj"} {
		err := rule.Eligible(sms.Actor{ID: id, Roles: []sms.Role{"cab_member"}}, parties, sod)
		var fe *sms.ForbiddenError
		if errors.As(err, &fe) {
			fmt.Println(id, "may not approve:", fe.Requirement.ID)
		}
	}

	approvals := []sms.Approval{
		{Approver: "rob", Role: "cab_member", Decision: sms.Approve}, // excluded: does not count
		{Approver: "carl", Role: "cab_member", Decision: sms.Approve},
		{Approver: "carl", Role: "cab_member", Decision: sms.Approve}, // counts once
	}
	fmt.Println(rule.Tally(approvals, parties))
	approvals = append(approvals, sms.Approval{Approver: "mia", Role: "cab_member", Decision: sms.Approve})
	fmt.Println(rule.Tally(approvals, parties))
	approvals = append(approvals, sms.Approval{Approver: "cleo", Role: "cab_member", Decision: sms.Reject})
	fmt.Println(rule.Tally(approvals, parties))
	// Output:
	// rob may not approve: CHG-11
	// raj may not approve: CHG-11
	// pending
	// approved
	// rejected
}

// A workflow lists what an actor may do now, and draws itself.
func ExampleWorkflow_Mermaid() {
	wf := doorWorkflow()
	fmt.Println(wf.Permitted(&Door{Status: "closed"}, sms.Actor{ID: "kim", Roles: []sms.Role{keeper}}))
	fmt.Print(wf.Mermaid())
	// Output:
	// [open]
	// stateDiagram-v2
	//     [*] --> closed: install
	//     closed --> opened: open
	//     opened --> closed: close
}

// ExampleAudit runs a conformance check, as data, over two doors and prints
// the report in its stable JSON form: the as-of time, then per check its
// name, clause, rule, the population examined and one failure per record
// and requirement, citing the catalogue's requirement.
func ExampleAudit() {
	catalogue := []sms.Requirement{{ID: "DOOR-01", Clause: "8.1", Text: "an open door states why it is open"}}
	checks := []sms.Check[*Door]{{
		Name: "door-reason", Clause: "8.1", Cites: []string{"DOOR-01"},
		Rule:    "every open door states why it is open",
		Applies: func(d *Door) bool { return d.Status == "open" },
		Eval: func(d *Door, x *sms.Examined) {
			if d.Reason == "" {
				x.Fail("DOOR_REASON_MISSING", "DOOR-01", "open without a reason")
			}
		},
	}}
	asOf := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := sms.NewAudit(asOf, catalogue)
	sms.Declare(a, checks)
	for _, d := range []*Door{
		{Meta: sms.Meta{ID: "D-1"}, Status: "open", Room: "lab", Reason: "delivery"},
		{Meta: sms.Meta{ID: "D-2"}, Status: "open", Room: "lab"},
	} {
		sms.Examine(a, checks, d, nil)
	}
	out, _ := json.MarshalIndent(a.Report(), "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "as_of": "2026-12-01T09:00:00Z",
	//   "results": [
	//     {
	//       "check": "door-reason",
	//       "clause": "8.1",
	//       "rule": "every open door states why it is open",
	//       "population": 2,
	//       "failures": [
	//         {
	//           "code": "DOOR_REASON_MISSING",
	//           "requirement": {
	//             "id": "DOOR-01",
	//             "clause": "8.1",
	//             "text": "an open door states why it is open"
	//           },
	//           "kind": "door",
	//           "entity_id": "D-2",
	//           "detail": "open without a reason",
	//           "at": "2026-12-01T09:00:00Z"
	//         }
	//       ]
	//     }
	//   ]
	// }
}
