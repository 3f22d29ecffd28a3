package incident_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

func policyWith(set func(p *incident.Policy)) incident.Policy {
	p := incident.DefaultPolicy()
	set(&p)
	return p
}

// The default policy keeps the workflow as it was: each option's refusal
// stands until the policy turns it on.
func TestPolicyOptionsOffByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	fresh := f.to(t, incident.StatusNew, incident.MajorNone)
	before := f.snap(t, fresh.ID)
	_, err := f.svc.Hold(f.ctx, boss, fresh.ID, incident.Suspension{Reason: incident.HoldCaller})
	var te *sms.TransitionError
	require.ErrorAs(t, err, &te, "hold from new")
	assert.Equal(t, []string{"INC-13"}, ids(te.Requirements))
	f.requireUnchanged(t, fresh.ID, before)

	held := f.to(t, incident.StatusOnHold, incident.MajorNone)
	_, err = f.svc.Resolve(f.ctx, boss, held.ID, validCommand(incident.TriggerResolve).(incident.Resolution))
	require.ErrorAs(t, err, &te, "resolve from a hold")
	assert.Equal(t, []string{"INC-05"}, ids(te.Requirements))

	_, err = f.svc.Unassign(f.ctx, boss, held.ID, incident.Unassignment{Reason: "wrong team"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "policy.unassign", ve.Field)
	_, err = f.svc.Do(f.ctx, boss, held.ID, incident.Unassignment{Reason: "wrong team"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	assert.NotContains(t, f.svc.Workflow().Triggers(string(incident.StatusOnHold)), string(incident.TriggerUnassign))
}

func ids(reqs []sms.Requirement) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.ID)
	}
	return out
}

// HoldFromNew: a new incident waits for the caller before anyone is
// assigned; resume refuses it while unassigned (INC-02), and assign ends
// the hold and its pause.
func TestHoldFromNew(t *testing.T) {
	t.Parallel()
	f := newFixture(t, policyWith(func(p *incident.Policy) { p.HoldFromNew = true }))
	inc := f.log(t)
	inc = f.step(t, inc.ID, validCommand(incident.TriggerClassify))
	inc = f.step(t, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
	assert.Equal(t, incident.StatusOnHold, inc.Status)
	assert.False(t, inc.SLA.PausedSince.IsZero(), "a hold for the caller pauses the resolution timer")
	assert.True(t, inc.SLA.RespondedAt.IsZero(), "no response yet: the response timer runs on")

	before := f.snap(t, inc.ID)
	_, err := f.svc.Resume(f.ctx, boss, inc.ID, incident.Resumption{})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"INC-02"}, ge.IDs())
	f.requireUnchanged(t, inc.ID, before)
	cs, err := f.svc.Choices(f.ctx, boss, inc.ID)
	require.NoError(t, err)
	for _, c := range cs {
		if c.Trigger == string(incident.TriggerResume) {
			assert.Equal(t, sms.Refused, c.Readiness, "no command assigns it: the record must change first")
		}
	}

	f.clk.Advance(time.Hour)
	inc = f.step(t, inc.ID, validCommand(incident.TriggerAssign))
	assert.Equal(t, incident.StatusAssigned, inc.Status)
	assert.True(t, inc.SLA.PausedSince.IsZero())
	assert.GreaterOrEqual(t, inc.SLA.Paused, time.Hour, "the hour on hold was paused")
	require.NoError(t, f.svc.Verify(f.ctx, inc.ID))

	// Still refused from new without a classification? Hold needs none,
	// but assign keeps requiring it (INC-02, INC-03).
	bare := f.log(t)
	bare = f.step(t, bare.ID, incident.Suspension{Reason: incident.HoldCaller})
	_, err = f.svc.Assign(f.ctx, boss, bare.ID, validCommand(incident.TriggerAssign).(incident.Assignment))
	require.ErrorAs(t, err, &ge)
	assert.Contains(t, ge.IDs(), "INC-02")
}

// ResolveFromHold: resolve straight from a hold, with resolve's guards
// (INC-05, INC-07) and the pause ended at the resolution.
func TestResolveFromHold(t *testing.T) {
	t.Parallel()
	f := newFixture(t, policyWith(func(p *incident.Policy) { p.ResolveFromHold = true }))
	held := f.to(t, incident.StatusOnHold, incident.MajorNone)
	require.False(t, held.SLA.PausedSince.IsZero())
	before := f.snap(t, held.ID)
	_, err := f.svc.Resolve(f.ctx, boss, held.ID, incident.Resolution{Code: "fixed"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Contains(t, ge.IDs(), "INC-05", "notes and restoration time are missing")
	assert.NotContains(t, ge.IDs(), "INC-07")
	f.requireUnchanged(t, held.ID, before)

	f.clk.Advance(2 * time.Hour)
	inc := f.step(t, held.ID, validCommand(incident.TriggerResolve))
	assert.Equal(t, incident.StatusResolved, inc.Status)
	assert.True(t, inc.SLA.PausedSince.IsZero(), "the resolution ends the pause")
	assert.GreaterOrEqual(t, inc.SLA.Paused, 2*time.Hour)
	assert.Empty(t, inc.HoldReason)
	j, err := f.svc.Journal(f.ctx, inc.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	assert.Equal(t, string(incident.StatusOnHold), last.From)
	assert.Equal(t, string(incident.StatusResolved), last.To)

	// INC-07 holds from a hold too: no action recorded, no resolution.
	g := newFixture(t, policyWith(func(p *incident.Policy) { p.ResolveFromHold = true }))
	inc = g.log(t)
	for _, tr := range []incident.Trigger{incident.TriggerClassify, incident.TriggerAssign, incident.TriggerHold} {
		inc = g.step(t, inc.ID, validCommand(tr))
	}
	_, err = g.svc.Resolve(g.ctx, boss, inc.ID, validCommand(incident.TriggerResolve).(incident.Resolution))
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"INC-07"}, ge.IDs())
}

// Unassign: back to the queue with a reason, group and assignee
// journaled; not for an accepted major incident (INC-11); not from
// resolved (INC-16).
func TestUnassign(t *testing.T) {
	t.Parallel()
	p := policyWith(func(p *incident.Policy) { p.Unassign = true })
	for _, from := range []incident.Status{incident.StatusAssigned, incident.StatusInProgress, incident.StatusOnHold} {
		f := newFixture(t, p)
		inc := f.to(t, from, incident.MajorNone)
		before := f.snap(t, inc.ID)
		_, err := f.svc.Unassign(f.ctx, boss, inc.ID, incident.Unassignment{})
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge, from)
		assert.Equal(t, []string{"INC-07"}, ge.IDs())
		f.requireUnchanged(t, inc.ID, before)

		got, err := f.svc.Unassign(f.ctx, boss, inc.ID, incident.Unassignment{Reason: "belongs to the database team"})
		require.NoError(t, err, from)
		assert.Equal(t, incident.StatusNew, got.Status)
		assert.Empty(t, got.Group)
		assert.Empty(t, got.Assignee)
		assert.Empty(t, got.HoldReason)
		assert.True(t, got.SLA.PausedSince.IsZero())
		assert.Equal(t, inc.Category, got.Category, "classification is kept")
		assert.Equal(t, inc.SLA.RespondedAt, got.SLA.RespondedAt, "the response stays recorded")
		j, err := f.svc.Journal(f.ctx, inc.ID)
		require.NoError(t, err)
		last := j[len(j)-1]
		assert.Equal(t, string(incident.TriggerUnassign), last.Trigger)
		assert.Equal(t, "belongs to the database team", last.Reason)
		require.NoError(t, f.svc.Verify(f.ctx, inc.ID))
		got = f.step(t, inc.ID, validCommand(incident.TriggerAssign))
		assert.Equal(t, incident.StatusAssigned, got.Status)
	}

	f := newFixture(t, p)
	major := f.to(t, incident.StatusInProgress, incident.MajorAccepted)
	_, err := f.svc.Unassign(f.ctx, boss, major.ID, incident.Unassignment{Reason: "r"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"INC-11"}, ge.IDs())

	resolved := f.to(t, incident.StatusResolved, incident.MajorNone)
	_, err = f.svc.Unassign(f.ctx, boss, resolved.ID, incident.Unassignment{Reason: "r"})
	var te *sms.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"INC-16"}, ids(te.Requirements))
	_, err = f.svc.Unassign(f.ctx, caller, f.to(t, incident.StatusAssigned, incident.MajorNone).ID, incident.Unassignment{Reason: "r"})
	assert.ErrorIs(t, err, sms.ErrForbidden)
}

// A snooze: a hold until a time, and the sweep that resumes the incidents
// whose time has come, and only those.
func TestSnoozeAndResumeDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	soon := f.to(t, incident.StatusInProgress, incident.MajorNone)
	later := f.to(t, incident.StatusInProgress, incident.MajorNone)
	open := f.to(t, incident.StatusOnHold, incident.MajorNone) // held with no resume time
	now := f.clk.Now()

	before := f.snap(t, soon.ID)
	_, err := f.svc.Hold(f.ctx, boss, soon.ID, incident.Suspension{Reason: incident.HoldCaller, Until: now.Add(-time.Minute)})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge, "a resume time in the past")
	assert.Equal(t, []string{"INC-13"}, ge.IDs())
	f.requireUnchanged(t, soon.ID, before)

	s, err := f.svc.Hold(f.ctx, boss, soon.ID, incident.Suspension{Reason: incident.HoldCaller, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, now.Add(time.Hour), s.HoldUntil)
	_, err = f.svc.Hold(f.ctx, boss, later.ID, incident.Suspension{Reason: incident.HoldCaller, Until: now.Add(48 * time.Hour)})
	require.NoError(t, err)

	got, err := f.svc.ResumeDue(f.ctx, boss, now.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, got, "nothing is due yet")

	f.clk.Advance(2 * time.Hour)
	got, err = f.svc.ResumeDue(f.ctx, boss, f.clk.Now())
	require.NoError(t, err)
	assert.Equal(t, []string{soon.ID}, got)
	for id, want := range map[string]incident.Status{soon.ID: incident.StatusInProgress, later.ID: incident.StatusOnHold, open.ID: incident.StatusOnHold} {
		inc, err := f.svc.Get(f.ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, inc.Status, id)
	}
	inc, err := f.svc.Get(f.ctx, soon.ID)
	require.NoError(t, err)
	assert.True(t, inc.HoldUntil.IsZero(), "the resume clears the resume time")
	j, err := f.svc.Journal(f.ctx, soon.ID)
	require.NoError(t, err)
	assert.Equal(t, string(incident.TriggerResume), j[len(j)-1].Trigger)

	_, err = f.svc.ResumeDue(f.ctx, sms.Actor{}, f.clk.Now())
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// The sweep tries every due incident and reports those it may not resume.
func TestResumeDueReportsRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, policyWith(func(p *incident.Policy) { p.HoldFromNew = true }))
	unassigned := f.log(t)
	until := f.clk.Now().Add(time.Hour)
	unassigned = f.step(t, unassigned.ID, incident.Suspension{Reason: incident.HoldCaller, Until: until})
	assigned := f.to(t, incident.StatusInProgress, incident.MajorNone)
	assigned = f.step(t, assigned.ID, incident.Suspension{Reason: incident.HoldCaller, Until: until})
	f.clk.Advance(2 * time.Hour)
	got, err := f.svc.ResumeDue(f.ctx, boss, f.clk.Now())
	assert.Equal(t, []string{assigned.ID}, got)
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, unassigned.ID, ge.ID)
	assert.Equal(t, []string{"INC-02"}, ge.IDs())
}

// A caller writing after closure: the closed incident stays closed, a
// successor is logged with the link to it, and only a closed one has one.
func TestSucceed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	closed := f.to(t, incident.StatusClosed, incident.MajorNone)
	before := f.snap(t, closed.ID)
	r := report()
	r.Service, r.Reporter = "", ""
	r.Summary = "VPN down again"
	next, err := f.svc.Succeed(f.ctx, desk, closed.ID, r)
	require.NoError(t, err)
	assert.Equal(t, incident.StatusNew, next.Status)
	assert.Equal(t, closed.Service, next.Service)
	assert.Equal(t, closed.Reporter, next.Reporter)
	assert.Contains(t, next.Links, sms.Link{Type: incident.LinkReopenedFrom, ID: closed.ID})
	f.requireUnchanged(t, closed.ID, before)
	succ, err := f.svc.Successors(f.ctx, closed.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{next.ID}, succ)

	resolved := f.to(t, incident.StatusResolved, incident.MajorNone)
	_, err = f.svc.Succeed(f.ctx, desk, resolved.ID, report())
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Problem, "reopen it")
	_, err = f.svc.Succeed(f.ctx, desk, next.ID, report())
	require.ErrorAs(t, err, &ve)
	other := report()
	other.ReopenedFrom = resolved.ID
	_, err = f.svc.Succeed(f.ctx, desk, closed.ID, other)
	require.ErrorAs(t, err, &ve)
	_, err = f.svc.Succeed(f.ctx, desk, "INC-404", report())
	assert.True(t, errors.Is(err, sms.ErrNotFound))
	succ, err = f.svc.Successors(f.ctx, closed.ID)
	require.NoError(t, err)
	assert.Len(t, succ, 1, "a refused successor is not logged")
}
