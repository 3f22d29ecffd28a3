package request_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSnapshotKeepsTheEdition: a request keeps the item edition it was
// submitted against; a revision makes a new edition for later requests.
func TestSnapshotKeepsTheEdition(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	first := f.submit(t, f.laptop)
	assert.Equal(t, 1, first.Item.Edition)
	assert.Equal(t, request.Instructions{Ref: "WI-LAPTOP", Version: "7"}, first.Item.Instructions)
	assert.Equal(t, request.Priority(3), first.Priority)
	assert.Equal(t, "eve", first.RequestedFor, "a request is for its requester unless it names someone")
	assert.True(t, first.HasLink(request.LinkCatalogueItem, f.laptop))
	assert.Equal(t, t0.Add(5*24*time.Hour), first.Due)

	it, err := f.svc.Items().Revise(f.ctx, catalogue, f.laptop, request.ItemRevision{Instructions: request.Instructions{Ref: "WI-LAPTOP", Version: "8"},
		ClearApproval: true, Tasks: []string{"order"}})
	require.NoError(t, err)
	assert.Equal(t, 2, it.Edition)
	second := f.submit(t, f.laptop)
	assert.Equal(t, 2, second.Item.Edition)
	assert.False(t, second.Item.NeedsApproval())

	first, err = f.svc.Get(f.ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, "7", first.Item.Instructions.Version, "the earlier request keeps its edition")
	require.True(t, first.Item.NeedsApproval(), "and its approval rule")

	_, err = f.svc.Items().Revise(f.ctx, catalogue, f.laptop, request.ItemRevision{Instructions: request.Instructions{Ref: "WI-LAPTOP-2"}})
	smstest.RequireRefused(t, err, "SR-06")
}

// TestApproveGrantsOnQuorum: Approve records each approval and grants on
// the one that completes the quorum; fulfilment runs the item's tasks and
// the timer pauses while waiting for the requester.
func TestApproveGrantsOnQuorum(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusAwaitingApproval, f.laptop)
	r, err := f.svc.Approve(f.ctx, ann, r.ID, request.Approval{Rationale: "ok"})
	require.NoError(t, err)
	assert.Equal(t, request.StatusAwaitingApproval, r.Status)
	assert.Equal(t, sms.Pending, r.ApprovalOutcome())
	r, err = f.svc.Approve(f.ctx, abe, r.ID, request.Approval{Rationale: "ok"})
	require.NoError(t, err)
	assert.Equal(t, request.StatusApproved, r.Status)
	j, err := f.svc.Journal(f.ctx, r.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "submit", "request_approval", "approve", "approve", "grant")

	r = f.step(t, fay, r.ID, request.FulfilmentStart{Assignee: "fay"})
	require.Len(t, r.Tasks, 2)
	due := r.Due
	r = f.step(t, fay, r.ID, request.Suspension{Reason: request.HoldRequester})
	f.clk.Advance(24 * time.Hour)
	r = f.step(t, fay, r.ID, request.Resumption{})
	assert.Equal(t, due.Add(24*time.Hour+time.Minute), r.Due, "the timer paused while waiting for the requester")
	r = f.step(t, fay, r.ID, request.TaskCompletion{Task: "order"})
	r = f.step(t, fay, r.ID, request.TaskSkip{Task: "configure", Reason: "delivered ready"})
	r = f.step(t, fay, r.ID, request.Fulfilment{Notes: "handed over"})
	r = f.step(t, eve, r.ID, request.Closure{Code: request.CloseComplete, Confirmation: request.ConfirmedByRequester})
	assert.Equal(t, request.StatusClosed, r.Status)
	require.NoError(t, f.svc.Verify(f.ctx, r.ID))
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
}

// TestConversions: a misfiled request becomes an incident (SR-10), and a
// request converted from an incident links it.
func TestConversions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusNew, f.password)
	r = f.step(t, fay, r.ID, request.Conversion{Incident: "INC-42"})
	assert.Equal(t, request.StatusCancelled, r.Status)
	assert.Equal(t, request.CancelConverted, r.CancelReason)
	assert.True(t, r.HasLink(request.LinkIncident, "INC-42"))

	from, err := f.svc.Submit(f.ctx, fay, request.Submission{Item: f.password, Summary: "reset", Requester: "eve", FromIncident: "INC-7"})
	require.NoError(t, err)
	page, err := f.svc.List(f.ctx, request.Query{Link: sms.Link{Type: request.LinkIncident, ID: "INC-7"}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, from.ID, page.Items[0].ID)
}

func TestListAndBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	a := f.to(t, request.StatusInFulfilment, f.password)
	f.to(t, request.StatusNew, f.laptop)
	page, err := f.svc.List(f.ctx, request.Query{Status: []request.Status{request.StatusInFulfilment}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, a.ID, page.Items[0].ID)
	page, err = f.svc.List(f.ctx, request.Query{Owner: "fay"})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	_, err = f.svc.List(f.ctx, request.Query{Status: []request.Status{"lost"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	items, err := f.svc.Items().List(f.ctx, request.ItemQuery{Status: []request.ItemStatus{request.ItemPublished}})
	require.NoError(t, err)
	assert.Len(t, items.Items, 3, "laptop, password reset, firewall rule")
	assert.Contains(t, f.svc.Permitted(a, fay), request.TriggerFulfil)
	assert.Nil(t, f.svc.Permitted(nil, fay))

	before := f.snap(t, a.ID)
	for _, c := range []request.Command{request.Suspension{Reason: "lunch"}, request.Closure{Code: "meh"}, request.Note{},
		request.Cancellation{Reason: "bored"}, request.Prioritisation{Priority: -1}, request.Action{Text: string([]byte{0xff})},
		request.Fulfilment{Notes: "done", Change: " CHG-1"}} {
		_, err := f.svc.Do(f.ctx, boss, a.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%T", c)
	}
	_, err = f.svc.Do(f.ctx, boss, a.ID, nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Do(f.ctx, boss, a.ID, request.Submission{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	f.requireUnchanged(t, a.ID, before)
	_, err = request.NewService(request.Stores{}, request.Config{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = request.NewService(request.Stores{Items: f.items, Requests: f.requests}, request.Config{Policy: request.Policy{AutoCloseAfter: -1}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}
