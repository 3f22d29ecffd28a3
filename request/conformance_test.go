package request_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func conformingClosed() *request.Request {
	r := &request.Request{Status: request.StatusClosed, Summary: "s", Requester: "eve", RequestedFor: "eve", Category: "hardware",
		Service: "workplace", SubmittedAt: t0, Priority: 3,
		Item: request.Snapshot{ID: "ITEM-1", Edition: 1, Instructions: request.Instructions{Ref: "WI", Version: "1"},
			Approval: sms.ApprovalRule{Roles: []sms.Role{request.RoleApprover}, Quorum: 2}},
		Approvals: []sms.Approval{{Approver: "ann", Role: request.RoleApprover, Decision: sms.Approve, At: t0.Add(time.Hour)},
			{Approver: "abe", Role: request.RoleApprover, Decision: sms.Approve, At: t0.Add(2 * time.Hour)}},
		GrantedAt: t0.Add(2 * time.Hour), StartedAt: t0.Add(3 * time.Hour),
		Tasks:           []request.Task{{Name: "order", State: request.TaskDone}, {Name: "configure", State: request.TaskSkipped, Reason: "ready"}},
		FulfilmentNotes: "done", FulfilledAt: t0.Add(4 * time.Hour),
		CloseCode: request.CloseComplete, Confirmation: request.ConfirmedByRequester, ClosedAt: t0.Add(5 * time.Hour)}
	r.ID = "REQ-X"
	return r
}

// TestChecksReexamineRecords: every fulfilled request had its approvals
// before fulfilment, by distinct eligible people, whatever its status.
func TestChecksReexamineRecords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*request.Request)
		want   []string
	}{
		{"conforming", func(*request.Request) {}, nil},
		{"one approver twice", func(r *request.Request) { r.Approvals[1].Approver = "ann" }, []string{"SR-07"}},
		{"self-approved", func(r *request.Request) { r.Approvals[0].Approver = "eve" }, []string{"SR-07"}},
		{"approved for oneself", func(r *request.Request) { r.RequestedFor = "abe" }, []string{"SR-07"}},
		{"approved by its submitter on behalf of the requester", func(r *request.Request) {
			r.Parties = sms.Participants{{Party: sms.PartyRequester, ID: "abe", Acted: true}, {Party: sms.PartyRequester, ID: "eve"}}
		}, []string{"SR-07"}},
		{"submitted on behalf, approved by others", func(r *request.Request) {
			r.Parties = sms.Participants{{Party: sms.PartyRequester, ID: "dan", Acted: true}, {Party: sms.PartyRequester, ID: "eve"}}
		}, nil},
		{"approved after fulfilment started", func(r *request.Request) { r.Approvals[1].At = t0.Add(10 * time.Hour) }, []string{"SR-07"}},
		{"no approvals", func(r *request.Request) { r.Approvals = nil }, []string{"SR-07"}},
		{"no instructions", func(r *request.Request) { r.Item.Instructions = request.Instructions{} }, []string{"SR-06"}},
		{"a task left open", func(r *request.Request) { r.Tasks[0].State = request.TaskOpen }, []string{"SR-03"}},
		{"skipped without reason", func(r *request.Request) { r.Tasks[1].Reason = "" }, []string{"SR-03"}},
		{"no close code", func(r *request.Request) { r.CloseCode = "" }, []string{"SR-04"}},
		{"no priority", func(r *request.Request) { r.Priority = 0 }, []string{"SR-02"}},
		{"no requester", func(r *request.Request) { r.Requester = "" }, []string{"SR-01"}},
		{"rejected without reason", func(r *request.Request) { r.Status = request.StatusRejected }, []string{"SR-07"}},
		{"converted without incident", func(r *request.Request) {
			r.Status, r.CancelReason = request.StatusCancelled, request.CancelConverted
		}, []string{"SR-10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := conformingClosed()
			tc.mutate(r)
			fs, err := request.Check(r, t0.Add(24*time.Hour))
			require.NoError(t, err)
			var got []string
			for _, f := range fs {
				got = append(got, f.Requirement.ID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := request.Check(nil, t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	item := &request.Item{Status: request.ItemPublished, Edition: 1}
	report := request.Audit([]*request.Item{item, nil}, []*request.Request{conformingClosed(), nil}, t0)
	require.Len(t, report.Findings(), 1)
	assert.Equal(t, "SR-06", report.Findings()[0].Requirement.ID)
}

func TestSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusInFulfilment, f.laptop)
	fs, err := f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = f.svc.Sweep(f.ctx, f.clk.Now().Add(6*24*time.Hour))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, request.CodeSLABreached, fs[0].Code)
	assert.Equal(t, "SR-09", fs[0].Requirement.ID)
	assert.Equal(t, r.ID, fs[0].EntityID)
	assert.Nil(t, request.Sweep(nil, t0))
}
