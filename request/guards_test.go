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

// TestRefusals shows, for every SR requirement that implies a refusal, the
// refusal with its requirement ID, and that it changed nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   request.Status
		password bool // the item without approval
		prep     func(f *fixture, id string)
		who      sms.Actor
		cmd      request.Command
		want     []string
		count    int
	}{
		{name: "reprioritise without reason", status: request.StatusNew,
			cmd: request.Prioritisation{Priority: 1}, want: []string{"SR-02"}, count: 1},
		{name: "reprioritise to nothing", status: request.StatusNew,
			cmd: request.Prioritisation{Reason: "r"}, want: []string{"SR-02"}, count: 1},
		{name: "approval for an item that needs none", status: request.StatusNew, password: true,
			cmd: request.ApprovalRequest{}, want: []string{"SR-07"}, count: 1},
		{name: "grant below the quorum", status: request.StatusAwaitingApproval,
			prep: func(f *fixture, id string) { f.step(t, ann, id, validCommand(request.TriggerApprove)) },
			cmd:  request.Grant{}, want: []string{"SR-07"}, count: 1},
		{name: "reject without reason", status: request.StatusAwaitingApproval,
			cmd: request.Rejection{}, want: []string{"SR-07"}, count: 1},
		{name: "fulfil a request needing approval straight from new", status: request.StatusNew,
			cmd: validCommand(request.TriggerStartFulfilment), want: []string{"SR-07"}, count: 1},
		{name: "start fulfilment unassigned", status: request.StatusApproved,
			cmd: request.FulfilmentStart{}, want: []string{"SR-03"}, count: 1},
		{name: "complete an unknown task", status: request.StatusInFulfilment,
			cmd: request.TaskCompletion{Task: "paint"}, want: []string{"SR-03"}, count: 1},
		{name: "complete a task twice", status: request.StatusInFulfilment,
			prep: func(f *fixture, id string) { f.step(t, fay, id, request.TaskCompletion{Task: "order"}) },
			cmd:  request.TaskCompletion{Task: "order"}, want: []string{"SR-03"}, count: 1},
		{name: "skip a task without reason", status: request.StatusInFulfilment,
			cmd: request.TaskSkip{Task: "order"}, want: []string{"SR-03"}, count: 1},
		{name: "fulfil with open tasks and no notes", status: request.StatusInFulfilment,
			cmd: request.Fulfilment{}, want: []string{"SR-03"}, count: 2},
		{name: "empty action", status: request.StatusInFulfilment,
			cmd: request.Action{Text: "  "}, want: []string{"SR-05"}, count: 1},
		{name: "close without code or confirmation", status: request.StatusFulfilled,
			cmd: request.Closure{}, want: []string{"SR-04"}, count: 2},
		{name: "auto-close inside the window", status: request.StatusFulfilled,
			cmd: request.Closure{Code: request.CloseComplete, Confirmation: request.AutoClosed}, want: []string{"SR-04"}, count: 1},
		{name: "confirm for someone else", status: request.StatusFulfilled, who: actor("fay", request.RoleRequester),
			cmd: request.Closure{Code: request.CloseComplete, Confirmation: request.ConfirmedByRequester}, want: []string{"SR-04"}, count: 1},
		{name: "cancel without reason", status: request.StatusNew,
			cmd: request.Cancellation{}, want: []string{"SR-04"}, count: 1},
		{name: "cancel someone else's request", status: request.StatusNew, who: actor("zoe", request.RoleRequester),
			cmd: request.Cancellation{Reason: request.CancelWithdrawn}, want: []string{"SR-04"}, count: 1},
		{name: "convert without the incident", status: request.StatusNew,
			cmd: request.Conversion{}, want: []string{"SR-10"}, count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, request.DefaultPolicy())
			item := f.laptop
			if tc.password {
				item = f.password
			}
			r := f.to(t, tc.status, item)
			if tc.prep != nil {
				tc.prep(f, r.ID)
			}
			who := boss
			if tc.who.ID != "" {
				who = tc.who
			}
			before := f.snap(t, r.ID)
			_, err := f.svc.Do(f.ctx, who, r.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, tc.want...)
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.IDs())
			}
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestSubmissionRefusals: a submission names a published item (SR-06),
// its requester and what is requested (SR-01); an override needs a reason
// (SR-02). Nothing is stored.
func TestSubmissionRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	draft, err := f.svc.Items().Define(f.ctx, catalogue, laptopItem())
	require.NoError(t, err)
	retired := f.publish(t, laptopItem())
	_, err = f.svc.Items().Retire(f.ctx, catalogue, retired.ID, request.ItemRetirement{Reason: "model discontinued"})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		c    request.Submission
		want []string
	}{
		"a draft item":      {request.Submission{Item: draft.ID, Summary: "s", Requester: "eve"}, []string{"SR-06"}},
		"a retired item":    {request.Submission{Item: retired.ID, Summary: "s", Requester: "eve"}, []string{"SR-06"}},
		"an unknown item":   {request.Submission{Item: "nope", Summary: "s", Requester: "eve"}, []string{"SR-06"}},
		"no item":           {request.Submission{Summary: "s", Requester: "eve"}, []string{"SR-06", "SR-01"}},
		"no requester":      {request.Submission{Item: f.laptop, Summary: "s"}, []string{"SR-01"}},
		"no summary":        {request.Submission{Item: f.laptop, Requester: "eve"}, []string{"SR-01"}},
		"an unjustified P1": {request.Submission{Item: f.laptop, Summary: "s", Requester: "eve", Priority: 1}, []string{"SR-02"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.Submit(f.ctx, eve, tc.c)
			smstest.RequireRefused(t, err, tc.want...)
		})
	}
	page, err := f.svc.List(f.ctx, request.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "a refused submission stored a request")
}

// TestApprovalSegregationOfDuties: the requester and the person the
// request is for never approve or reject, an approver decides once, and
// an approver holds a role of the item's rule; each refusal is a
// *sms.ForbiddenError citing SR-07 and changes nothing.
func TestApprovalSegregationOfDuties(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		submit request.Submission
		before func(f *fixture, id string)
		who    sms.Actor
		cmd    request.Command
		text   string
	}{
		{name: "self-approval by the requester", submit: request.Submission{Summary: "s", Requester: "eve"},
			who: eveApprover, cmd: request.Approval{}, text: "neither the requester nor the person the request is for"},
		{name: "approval by the person it is for", submit: request.Submission{Summary: "s", Requester: "eve", RequestedFor: "ann"},
			who: ann, cmd: request.Approval{}, text: "neither the requester nor the person the request is for"},
		{name: "rejection by the requester", submit: request.Submission{Summary: "s", Requester: "eve"},
			who: eveApprover, cmd: request.Rejection{Reason: "changed my mind"}, text: "neither the requester"},
		{name: "a second approval by the same person", submit: request.Submission{Summary: "s", Requester: "eve"},
			before: func(f *fixture, id string) { f.step(t, ann, id, request.Approval{}) },
			who:    ann, cmd: request.Approval{}, text: "decides once"},
		{name: "a role the rule does not name", submit: request.Submission{Summary: "s", Requester: "eve"},
			who: ann, cmd: request.Approval{Role: "cfo"}, text: "holds a role of the catalogue item's approval rule"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, request.DefaultPolicy())
			tc.submit.Item = f.laptop
			r, err := f.svc.Submit(f.ctx, eve, tc.submit)
			require.NoError(t, err)
			f.step(t, boss, r.ID, request.ApprovalRequest{})
			if tc.before != nil {
				tc.before(f, r.ID)
			}
			before := f.snap(t, r.ID)
			var got error
			if a, ok := tc.cmd.(request.Approval); ok {
				_, got = f.svc.Approve(f.ctx, tc.who, r.ID, a)
			} else {
				_, got = f.svc.Do(f.ctx, tc.who, r.ID, tc.cmd)
			}
			fe := smstest.RequireForbidden(t, got)
			assert.Equal(t, "SR-07", fe.Requirement.ID)
			assert.Contains(t, fe.Requirement.Text, tc.text)
			assert.Equal(t, request.Kind, fe.Kind)
			assert.ErrorIs(t, got, sms.ErrForbidden)
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestItemRefusals: publication needs instructions (SR-06); a published
// item keeps them; a definition names its name, category, service and
// default priority (SR-01, SR-02); an invalid approval rule is bad input.
func TestItemRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	d := laptopItem()
	d.Instructions = request.Instructions{Ref: "WI-LAPTOP"}
	it, err := f.svc.Items().Define(f.ctx, catalogue, d)
	require.NoError(t, err)
	_, err = f.svc.Items().Publish(f.ctx, catalogue, it.ID, request.ItemPublication{})
	smstest.RequireRefused(t, err, "SR-06")
	_, err = f.svc.Items().Define(f.ctx, catalogue, request.ItemDefinition{})
	ge := smstest.RequireRefused(t, err, "SR-01", "SR-02")
	assert.Len(t, ge.Unmet, 4)
	bad := laptopItem()
	bad.Approval = &sms.ApprovalRule{Quorum: 1}
	_, err = f.svc.Items().Define(f.ctx, catalogue, bad)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a rule with no role is refused, never defaulted")
	dup := laptopItem()
	dup.Tasks = []string{"a", "a"}
	_, err = f.svc.Items().Define(f.ctx, catalogue, dup)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Items().Retire(f.ctx, catalogue, f.laptop, request.ItemRetirement{})
	smstest.RequireRefused(t, err, "SR-06")
	_, err = f.svc.Items().Publish(f.ctx, eve, it.ID, request.ItemPublication{})
	smstest.RequireForbidden(t, err)
}

// TestAutoClose: with the window elapsed, a fulfilled request closes
// without the requester.
func TestAutoClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusFulfilled, f.password)
	f.clk.Advance(6 * 24 * time.Hour)
	r = f.step(t, boss, r.ID, request.Closure{Code: request.CloseComplete, Confirmation: request.AutoClosed})
	assert.Equal(t, request.StatusClosed, r.Status)
}
