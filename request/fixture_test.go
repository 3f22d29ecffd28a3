package request_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	// boss holds every request role, approver included, and is never a
	// party to the fixture's requests.
	boss      = actor("ida", request.RoleRequester, request.RoleFulfiller, request.RoleApprover, request.RoleRequestManager)
	catalogue = actor("cat", request.RoleCatalogueManager)
	eve       = actor("eve", request.RoleRequester)
	ann       = actor("ann", request.RoleApprover)
	abe       = actor("abe", request.RoleApprover)
	fay       = actor("fay", request.RoleFulfiller)
	// eveBoss is eve's manager, an approver, for whom eve requests.
	eveApprover = actor("eve", request.RoleRequester, request.RoleApprover)
)

type fixture struct {
	tb       testing.TB
	svc      *request.Service
	items    *memstore.Store[*request.Item]
	requests *memstore.Store[*request.Request]
	clk      *clock
	ctx      context.Context
	changes  *changeBook
	laptop   string // needs two approvals; tasks order, configure
	password string // no approval, no tasks
	firewall string // a standard change from TPL-FW (SR-08); no approval; task apply
}

// errLookup is the host's change management failing to answer.
var errLookup = errors.New("change management unreachable")

// changeBook is the fixture's change management: what the host would
// answer about each change (SR-08), and how often it was asked.
type changeBook struct {
	mu    sync.Mutex
	facts map[string]request.ChangeFacts
	asked int
}

func newChangeBook() *changeBook {
	return &changeBook{facts: map[string]request.ChangeFacts{
		"CHG-OK":        {Standard: true, Template: "TPL-FW", ClosedSuccessful: true},
		"CHG-OPEN":      {Standard: true, Template: "TPL-FW"},
		"CHG-NORMAL":    {ClosedSuccessful: true},
		"CHG-OTHER-TPL": {Standard: true, Template: "TPL-DB", ClosedSuccessful: true},
		"CHG-NO-TPL":    {Standard: true, ClosedSuccessful: true},
		"CHG-OPEN-DB":   {Standard: true, Template: "TPL-DB"},
	}}
}

// ChangeFacts implements request.ChangeLookup: CHG-ERR fails, an unknown
// change is not found.
func (b *changeBook) ChangeFacts(_ context.Context, id string) (request.ChangeFacts, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked++
	if id == "CHG-ERR" {
		return request.ChangeFacts{}, errLookup
	}
	f, ok := b.facts[id]
	if !ok {
		return request.ChangeFacts{}, fmt.Errorf("change %s: %w", id, sms.ErrNotFound)
	}
	return f, nil
}

func (b *changeBook) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.asked
}

func newFixture(t testing.TB, p request.Policy) *fixture {
	t.Helper()
	f := &fixture{tb: t, items: memstore.New[*request.Item](), requests: memstore.New[*request.Request](), clk: smstest.NewClock(t0), ctx: context.Background(),
		changes: newChangeBook()}
	svc, err := request.NewService(request.Stores{Items: f.items, Requests: f.requests},
		request.Config{Policy: p, Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
	require.NoError(t, err)
	f.svc = svc
	f.laptop = f.publish(t, laptopItem()).ID
	f.password = f.publish(t, request.ItemDefinition{Name: "Password reset", Category: "access", Service: "directory", DefaultPriority: 4,
		Instructions: request.Instructions{Ref: "KB-12", Version: "3"}}).ID
	f.firewall = f.publish(t, firewallItem()).ID
	return f
}

// firewallItem alters a controlled configuration item, the firewall: its
// requests go through a standard change from template TPL-FW (SR-08).
func firewallItem() request.ItemDefinition {
	return request.ItemDefinition{Name: "Firewall rule", Category: "network", Service: "network", DefaultPriority: 3,
		Instructions: request.Instructions{Ref: "WI-FW", Version: "4"}, Tasks: []string{"apply"},
		RequiresStandardChange: true, ChangeTemplates: []string{"TPL-FW"}}
}

func laptopItem() request.ItemDefinition {
	return request.ItemDefinition{Name: "Laptop", Category: "hardware", Service: "workplace", DefaultPriority: 3,
		Instructions: request.Instructions{Ref: "WI-LAPTOP", Version: "7"},
		Approval:     &sms.ApprovalRule{Roles: []sms.Role{request.RoleApprover}, Quorum: 2},
		Tasks:        []string{"order", "configure"}, Target: 5 * 24 * time.Hour}
}

// t returns the test the fixture serves.
func (f *fixture) t() testing.TB { return f.tb }

func (f *fixture) publish(t testing.TB, d request.ItemDefinition) *request.Item {
	t.Helper()
	it, err := f.svc.Items().Define(f.ctx, catalogue, d)
	require.NoError(t, err)
	it, err = f.svc.Items().Publish(f.ctx, catalogue, it.ID, request.ItemPublication{})
	require.NoError(t, err)
	return it
}

func (f *fixture) submit(t testing.TB, item string) *request.Request {
	t.Helper()
	r, err := f.svc.Submit(f.ctx, eve, request.Submission{Item: item, Summary: "a laptop for the new starter", Requester: "eve"})
	require.NoError(t, err)
	return r
}

func (f *fixture) step(t testing.TB, who sms.Actor, id string, c request.Command) *request.Request {
	t.Helper()
	f.clk.Advance(time.Minute)
	r, err := f.svc.Do(f.ctx, who, id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return r
}

func validCommand(tr request.Trigger) request.Command {
	switch tr {
	case request.TriggerPrioritise:
		return request.Prioritisation{Priority: 2, Reason: "the starter begins Monday"}
	case request.TriggerRequestApproval:
		return request.ApprovalRequest{}
	case request.TriggerApprove:
		return request.Approval{Rationale: "budgeted"}
	case request.TriggerGrant:
		return request.Grant{}
	case request.TriggerReject:
		return request.Rejection{Reason: "no budget left"}
	case request.TriggerStartFulfilment:
		return request.FulfilmentStart{Group: "it-desk", Assignee: "fay"}
	case request.TriggerHold:
		return request.Suspension{Reason: request.HoldSupplier}
	case request.TriggerResume:
		return request.Resumption{}
	case request.TriggerCompleteTask:
		return request.TaskCompletion{Task: "order"}
	case request.TriggerSkipTask:
		return request.TaskSkip{Task: "configure", Reason: "delivered pre-configured"}
	case request.TriggerRecordAction:
		return request.Action{Text: "called the supplier"}
	case request.TriggerFulfil:
		return request.Fulfilment{Notes: "handed over"}
	case request.TriggerClose:
		return request.Closure{Code: request.CloseComplete, Confirmation: request.ConfirmedByRequester}
	case request.TriggerCancel:
		return request.Cancellation{Reason: request.CancelWithdrawn}
	case request.TriggerConvert:
		return request.Conversion{Incident: "INC-9"}
	case request.TriggerNote:
		return request.Note{Text: "eve asked for a status"}
	}
	panic("no valid command for " + string(tr))
}

// to drives a new request for item to the status.
func (f *fixture) to(t testing.TB, status request.Status, item string) *request.Request {
	t.Helper()
	r := f.submit(t, item)
	id := r.ID
	do := func(who sms.Actor, tr request.Trigger) { r = f.step(t, who, id, validCommand(tr)) }
	switch status {
	case request.StatusNew:
		return r
	case request.StatusCancelled:
		do(boss, request.TriggerCancel)
		return r
	}
	if item == f.laptop {
		do(boss, request.TriggerRequestApproval)
		if status == request.StatusAwaitingApproval {
			return r
		}
		if status == request.StatusRejected {
			do(ann, request.TriggerReject)
			return r
		}
		do(ann, request.TriggerApprove)
		do(abe, request.TriggerApprove)
		do(boss, request.TriggerGrant)
		if status == request.StatusApproved {
			return r
		}
	}
	do(boss, request.TriggerStartFulfilment)
	switch status {
	case request.StatusInFulfilment:
		return r
	case request.StatusOnHold:
		do(boss, request.TriggerHold)
		return r
	}
	f.settleTasks(t, id)
	if item == f.firewall {
		r = f.step(t, boss, id, request.Fulfilment{Notes: "rule applied", Change: "CHG-OK"})
	} else {
		do(boss, request.TriggerFulfil)
	}
	if status == request.StatusFulfilled {
		return r
	}
	do(boss, request.TriggerClose)
	require.Equal(t, status, r.Status)
	return r
}

func (f *fixture) settleTasks(t testing.TB, id string) {
	t.Helper()
	r, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	for _, task := range r.Tasks {
		if task.State == request.TaskOpen {
			f.step(t, fay, id, request.TaskCompletion{Task: task.Name})
		}
	}
}

// prepare takes the extra steps an allowed trigger needs beyond the
// status.
func (f *fixture) prepare(t testing.TB, id string, tr request.Trigger) {
	t.Helper()
	switch tr {
	case request.TriggerGrant:
		f.step(t, ann, id, validCommand(request.TriggerApprove))
		f.step(t, abe, id, validCommand(request.TriggerApprove))
	case request.TriggerFulfil:
		f.settleTasks(t, id)
	}
}

// snapshot captures what is stored for a record, to prove a refusal
// changed nothing.
type snapshot = smstest.Snapshot

func (f *fixture) snap(t testing.TB, id string) snapshot {
	t.Helper()
	return smstest.Snap(t, f.svc, id)
}

func (f *fixture) requireUnchanged(t testing.TB, id string, before snapshot) {
	t.Helper()
	smstest.RequireUnchanged(t, f.svc, id, before)
}
