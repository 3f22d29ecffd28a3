package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLifecycle follows one review from plan to close: what each step
// records on the review and in its journal.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, err := f.svc.Plan(f.ctx, owner, review.Plan{ID: "REV-1", Subject: subjectPRB, Owner: "pam",
		Period: review.Period{From: t0.Add(-91 * day), To: t0}, Note: "Q1"})
	require.NoError(t, err)
	assert.Equal(t, "REV-1", r.ID)
	assert.Equal(t, review.StatusPlanned, r.Status)
	assert.Equal(t, prb13, r.Requirement, "the review records the requirement its schedule names")
	assert.True(t, r.HasLink(review.LinkSubject, subjectPRB))
	assert.Equal(t, "problem_effectiveness", r.Key())

	f.clk.Advance(2 * time.Hour)
	perf := review.Performance{
		PerformedAt: t0.Add(time.Hour),
		Inputs:      review.Inputs{Summary: "9 problems; 2 recurred", Refs: []string{"RPT-2026-Q1", "PRB-7"}},
		Conclusions: "fixes without a change recur",
		Actions: []review.AgreedAction{
			{Text: "require a change for every fix", Owner: "pam", Due: t0.Add(30 * day)},
			{Text: "raise an improvement for faster RCA", Owner: "ana", Ref: "CI-9"},
		},
		Participants: []string{"pam", "ana", "pam", "sol"},
	}
	r, err = f.svc.Perform(f.ctx, owner, r.ID, perf)
	require.NoError(t, err)
	assert.Equal(t, review.StatusPerformed, r.Status)
	assert.Equal(t, t0.Add(time.Hour), r.PerformedAt, "the time the review took place, not the time it was recorded")
	assert.Equal(t, "pam", r.PerformedBy)
	assert.Equal(t, []string{"pam", "ana", "sol"}, r.Participants, "each participant once")
	require.Len(t, r.Actions, 2)
	assert.Equal(t, review.Action{Number: 1, Text: "require a change for every fix", Owner: "pam", Due: t0.Add(30 * day)}, r.Actions[0])
	assert.Equal(t, 2, r.Actions[1].Number)
	for _, l := range []sms.Link{{Type: review.LinkInput, ID: "RPT-2026-Q1"}, {Type: review.LinkInput, ID: "PRB-7"}, {Type: review.LinkAction, ID: "CI-9"}} {
		assert.True(t, r.HasLink(l.Type, l.ID), "link %s", l)
	}
	assert.Len(t, r.OpenActions(), 1, "the first action is neither done nor tracked")

	_, err = f.svc.Close(f.ctx, owner, r.ID, review.Closure{})
	smstest.RequireRefused(t, err, "PRB-13")

	f.clk.Advance(day)
	r, err = f.svc.UpdateAction(f.ctx, owner, r.ID, review.ActionUpdate{Number: 1, Ref: "CHG-77", Note: "policy change raised"})
	require.NoError(t, err)
	assert.Equal(t, "CHG-77", r.Actions[0].Ref)
	assert.False(t, r.Actions[0].Done)
	assert.True(t, r.HasLink(review.LinkAction, "CHG-77"))
	r, err = f.svc.UpdateAction(f.ctx, owner, r.ID, review.ActionUpdate{Number: 1, Done: true})
	require.NoError(t, err)
	assert.True(t, r.Actions[0].Done)
	assert.Equal(t, f.clk.Now(), r.Actions[0].DoneAt)
	assert.Equal(t, "policy change raised", r.Actions[0].Note, "a later update without a note keeps the note")

	r, err = f.svc.Close(f.ctx, owner, r.ID, review.Closure{Note: "all actions tracked"})
	require.NoError(t, err)
	assert.Equal(t, review.StatusClosed, r.Status)
	assert.Equal(t, f.clk.Now(), r.ClosedAt)

	j, err := f.svc.Journal(f.ctx, r.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "plan", "perform", "update_action", "update_action", "close")
	req, _ := sms.Get(j[0].Payload, "requirement")
	assert.Equal(t, "PRB-13", req)
	conclusions, _ := sms.Get(j[1].Payload, "conclusions")
	assert.Equal(t, "fixes without a change recur", conclusions)
	var parts, actions []string
	for _, fd := range j[1].Payload {
		switch fd.Key {
		case "participant":
			parts = append(parts, fd.Value)
		case "action.owner":
			actions = append(actions, fd.Value)
		}
	}
	assert.Equal(t, []string{"pam", "ana", "sol"}, parts)
	assert.Equal(t, []string{"pam", "ana"}, actions)
	ref, _ := sms.Get(j[2].Payload, "ref")
	assert.Equal(t, "CHG-77", ref)
	require.NoError(t, f.svc.Verify(f.ctx, r.ID))

	findings, err := review.Check(r, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, findings)
}

// TestPerformDefaults: without a time the review is performed now; a
// corrected period replaces the planned one.
func TestPerformDefaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectPRB, review.StatusPlanned)
	f.clk.Advance(time.Hour)
	p := validCommand(review.TriggerPerform).(review.Performance)
	p.Period = review.Period{From: t0.Add(-10 * day), To: t0.Add(30 * time.Minute)}
	r, err := f.svc.Perform(f.ctx, owner, r.ID, p)
	require.NoError(t, err)
	assert.Equal(t, f.clk.Now(), r.PerformedAt)
	assert.Equal(t, p.Period, r.Period)
}

// TestPlanNeedsSchedule: a subject or a scope no schedule names is
// invalid input, whatever else the plan says.
func TestPlanNeedsSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, p := range []review.Plan{
		{Subject: "supplier_performance", Owner: "pam", Period: review.Period{From: t0.Add(-day), To: t0}},
		{Subject: subjectCHG, Owner: "pam", Period: review.Period{From: t0.Add(-day), To: t0}},                   // scheduled for payroll only
		{Subject: subjectPRB, Scope: "payroll", Owner: "pam", Period: review.Period{From: t0.Add(-day), To: t0}}, // scheduled unscoped only
		{Owner: "pam"},
		{Subject: "bad\nsubject"},
	} {
		_, err := f.svc.Plan(f.ctx, owner, p)
		assert.ErrorIs(t, err, sms.ErrInvalid, "plan %+v", p)
	}
	_, err := f.svc.Do(f.ctx, owner, "REV-1", plan(subjectPRB))
	assert.ErrorIs(t, err, sms.ErrInvalid, "a plan names its ID in the plan")
	_, err = f.svc.Do(f.ctx, owner, "REV-1", nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	page, err := f.svc.List(f.ctx, review.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

// TestRoles: the owner runs the review; a participant only adds notes; an
// actor with neither role does nothing.
func TestRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.Plan(f.ctx, participant, plan(subjectPRB))
	smstest.RequireForbidden(t, err)
	r := f.to(t, subjectPRB, review.StatusPlanned)
	_, err = f.svc.Perform(f.ctx, participant, r.ID, validCommand(review.TriggerPerform).(review.Performance))
	smstest.RequireForbidden(t, err)
	_, err = f.svc.AddNote(f.ctx, participant, r.ID, review.Note{Text: "agenda circulated"})
	require.NoError(t, err)
	_, err = f.svc.AddNote(f.ctx, outsider, r.ID, review.Note{Text: "hello"})
	smstest.RequireForbidden(t, err)
	_, err = f.svc.Cancel(f.ctx, participant, r.ID, review.Cancellation{Reason: "no time"})
	smstest.RequireForbidden(t, err)
	assert.Equal(t, []review.Trigger{"note"}, f.svc.Permitted(r, participant))
	assert.Equal(t, []review.Trigger{"cancel", "note", "perform"}, f.svc.Permitted(r, owner))
	assert.Nil(t, f.svc.Permitted(nil, owner))
	_, err = f.svc.AddNote(f.ctx, sms.Actor{}, r.ID, review.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestScheduleRemoved: a review planned under a schedule the service no
// longer has still moves, its refusals citing the requirement it
// recorded; a review that records none is corrupt.
func TestScheduleRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectCHG, review.StatusPlanned)
	onlyPRB, err := review.NewService(f.store, review.Config{Schedules: schedules()[:1], Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	_, err = onlyPRB.Perform(f.ctx, owner, r.ID, review.Performance{})
	ge := smstest.RequireRefused(t, err, "CHG-14")
	assert.False(t, ge.Has("PRB-13"))
	got, err := onlyPRB.Perform(f.ctx, owner, r.ID, validCommand(review.TriggerPerform).(review.Performance))
	require.NoError(t, err)
	assert.Equal(t, review.StatusPerformed, got.Status)
	_, err = onlyPRB.Plan(f.ctx, owner, plan(subjectCHG))
	assert.ErrorIs(t, err, sms.ErrInvalid, "no new review of an unscheduled subject")

	// A record that names no requirement (imported, or edited by hand).
	bare := &review.Review{Status: review.StatusPlanned, Subject: subjectPRB, Owner: "pam"}
	bare.ID, bare.Version = "REV-BARE", 1
	entry := sms.Entry{ID: "e1", Kind: review.Kind, EntityID: bare.ID, Seq: 1, Trigger: "plan", To: "planned", At: t0}
	entry.Hash = entry.ComputeHash()
	bare.Head = entry.Hash
	require.NoError(t, f.store.Create(f.ctx, bare, entry))
	_, err = f.svc.AddNote(f.ctx, owner, bare.ID, review.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrCorrupt)
}

// TestList filters by status, subject, scope, owner and link.
func TestList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	prb := f.to(t, subjectPRB, review.StatusClosed)
	chg := f.to(t, subjectCHG, review.StatusPlanned)
	ids := func(q review.Query) []string {
		t.Helper()
		page, err := f.svc.List(f.ctx, q)
		require.NoError(t, err)
		var out []string
		for _, r := range page.Items {
			out = append(out, r.ID)
		}
		return out
	}
	assert.Equal(t, []string{prb.ID}, ids(review.Query{Subject: subjectPRB}))
	assert.Equal(t, []string{chg.ID}, ids(review.Query{Scope: "payroll"}))
	assert.Equal(t, []string{chg.ID}, ids(review.Query{Status: []review.Status{review.StatusPlanned}}))
	assert.Equal(t, []string{prb.ID}, ids(review.Query{Link: sms.Link{Type: review.LinkAction, ID: "CI-3"}}))
	assert.Equal(t, []string{prb.ID}, ids(review.Query{Link: sms.Link{Type: review.LinkInput, ID: "RPT-2026-02"}}))
	assert.Len(t, ids(review.Query{Owner: "pam"}), 2)
	var all []string
	require.NoError(t, f.svc.Each(f.ctx, review.Query{Limit: 1}, func(r *review.Review) bool { all = append(all, r.ID); return true }))
	assert.Len(t, all, 2)

	_, err := f.svc.List(f.ctx, review.Query{Subject: subjectPRB, Link: sms.Link{Type: review.LinkInput, ID: "X"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.List(f.ctx, review.Query{Status: []review.Status{"done"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestNewService refuses what cannot serve, and keeps its own copy of the
// schedules.
func TestNewService(t *testing.T) {
	t.Parallel()
	st := memstore.New[*review.Review]()
	_, err := review.NewService(nil, review.Config{Schedules: schedules()})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = review.NewService(st, review.Config{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = review.NewService(st, review.Config{Schedules: append(schedules(), schedules()[0])})
	assert.ErrorIs(t, err, sms.ErrInvalid, "two schedules for one subject and scope")
	bad := schedules()
	bad[1].Interval = 0
	_, err = review.NewService(st, review.Config{Schedules: bad})
	assert.ErrorIs(t, err, sms.ErrInvalid)

	ss := schedules()
	svc, err := review.NewService(st, review.Config{Schedules: ss})
	require.NoError(t, err)
	ss[0].Interval = time.Hour
	got, ok := svc.Schedule(subjectPRB, "")
	require.True(t, ok)
	assert.Equal(t, 91*day, got.Interval, "the service keeps its own copy")
	_, ok = svc.Schedule(subjectCHG, "")
	assert.False(t, ok)
	assert.Len(t, svc.Schedules(), 2)
	wf, ok := svc.Workflow(subjectCHG, "payroll")
	require.True(t, ok)
	assert.Equal(t, review.Kind, wf.Kind())
	_, ok = svc.Workflow("nothing", "")
	assert.False(t, ok)
}

// TestContextCancelled: a cancelled context stops every method before it
// touches the store.
func TestContextCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectPRB, review.StatusPlanned)
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err := f.svc.Plan(ctx, owner, plan(subjectPRB))
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Cancel(ctx, owner, r.ID, review.Cancellation{Reason: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	got, err := f.svc.Get(f.ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, review.StatusPlanned, got.Status)
}
