package incident_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusals shows, for every INC requirement that implies a refusal, the
// refusal with its requirement ID, and that the refused transition changed
// nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	strict := incident.DefaultPolicy()
	strict.ReviewMode = incident.ReviewStrict
	taxonomy := incident.DefaultPolicy()
	taxonomy.Categories = []string{"network", "hardware"}
	noCriteria := incident.DefaultPolicy()
	noCriteria.Major = incident.MajorCriteria{}
	noAutoClose := incident.DefaultPolicy()
	noAutoClose.AutoCloseAfter = 0

	cases := []struct {
		name   string
		policy *incident.Policy // nil: DefaultPolicy
		status incident.Status
		major  incident.MajorState
		prep   func(f *fixture, id string) // extra steps before the refused command
		cmd    incident.Command
		want   []string // requirement IDs the refusal must cite
		count  int      // if > 0, the exact number of unmet requirements
	}{
		// INC-02 / INC-03: classification and priority before assignment.
		{name: "classify without category", status: incident.StatusNew,
			cmd: incident.Classification{Impact: 1, Urgency: 1}, want: []string{"INC-02"}, count: 1},
		{name: "category outside the taxonomy", policy: &taxonomy, status: incident.StatusNew,
			cmd: incident.Classification{Category: "printers", Impact: 1, Urgency: 1}, want: []string{"INC-02"}, count: 1},
		{name: "impact outside the matrix", status: incident.StatusNew,
			cmd: incident.Classification{Category: "network", Impact: 4, Urgency: 1}, want: []string{"INC-03"}, count: 1},
		{name: "urgency not rated", status: incident.StatusNew,
			cmd: incident.Classification{Category: "network", Impact: 2}, want: []string{"INC-03"}, count: 1},
		{name: "override without reason", status: incident.StatusNew,
			cmd: incident.Classification{Category: "network", Impact: 3, Urgency: 3, Priority: 1}, want: []string{"INC-03"}, count: 1},
		{name: "nothing classified at all", status: incident.StatusNew,
			cmd: incident.Classification{Priority: 1}, want: []string{"INC-02", "INC-03"}, count: 3},
		{name: "assign before classification", status: incident.StatusNew, prep: skipClassify,
			cmd: incident.Assignment{Group: "ops"}, want: []string{"INC-02", "INC-03"}, count: 2},
		// INC-14: security incidents carry a risk rating.
		{name: "security incident without risk", status: incident.StatusNew,
			cmd: incident.Classification{Category: "security", Impact: 2, Urgency: 2, Security: true}, want: []string{"INC-14"}, count: 1},
		{name: "security risk outside the scale", status: incident.StatusNew,
			cmd: incident.Classification{Category: "security", Impact: 2, Urgency: 2, Security: true, SecurityRisk: 9}, want: []string{"INC-14"}},
		// INC-04: escalation names target and reason.
		{name: "escalate without target or reason", status: incident.StatusInProgress,
			cmd: incident.Escalation{Kind: incident.Hierarchical}, want: []string{"INC-04"}, count: 2},
		// INC-05, INC-07: resolution.
		{name: "resolve with nothing", status: incident.StatusInProgress,
			cmd: incident.Resolution{}, want: []string{"INC-05"}, count: 3},
		{name: "restored before it was reported", status: incident.StatusInProgress,
			cmd: incident.Resolution{Code: "fixed", Notes: "n", RestoredAt: t0.Add(-time.Hour)}, want: []string{"INC-05"}, count: 1},
		{name: "restored in the future", status: incident.StatusInProgress,
			cmd: incident.Resolution{Code: "fixed", Notes: "n", RestoredAt: t0.Add(48 * time.Hour)}, want: []string{"INC-05"}, count: 1},
		{name: "resolve without any action taken", status: incident.StatusInProgress, prep: nil,
			cmd: validCommand(incident.TriggerResolve), want: []string{"INC-07"}, count: 1},
		{name: "empty action", status: incident.StatusInProgress,
			cmd: incident.Action{Text: "  "}, want: []string{"INC-07"}, count: 1},
		// INC-06: closure.
		{name: "close without code or confirmation", status: incident.StatusResolved,
			cmd: incident.Closure{}, want: []string{"INC-06"}, count: 2},
		{name: "auto-close before the window", status: incident.StatusResolved,
			cmd: incident.Closure{Code: "solved", Confirmation: incident.AutoClosed}, want: []string{"INC-06"}, count: 1},
		{name: "auto-close with auto-closure disabled", policy: &noAutoClose, status: incident.StatusResolved,
			prep: func(f *fixture, _ string) { f.clk.Advance(30 * 24 * time.Hour) },
			cmd:  incident.Closure{Code: "solved", Confirmation: incident.AutoClosed}, want: []string{"INC-06"}, count: 1},
		// INC-08 to INC-12: the major-incident track.
		{name: "accept without criteria defined", policy: &noCriteria, status: incident.StatusInProgress, major: incident.MajorCandidate,
			cmd: validCommand(incident.TriggerAcceptMajor), want: []string{"INC-08", "INC-09"}, count: 2},
		{name: "accept what was never proposed", status: incident.StatusInProgress,
			cmd: validCommand(incident.TriggerAcceptMajor), want: []string{"INC-09"}, count: 1},
		{name: "accept below the criteria without override", status: incident.StatusInProgress, major: incident.MajorCandidate,
			prep: func(f *fixture, id string) {
				f.step(f.t(), id, incident.Classification{Category: "network", Impact: 3, Urgency: 3})
			},
			cmd: validCommand(incident.TriggerAcceptMajor), want: []string{"INC-09"}, count: 1},
		{name: "accept without procedure or manager", status: incident.StatusInProgress, major: incident.MajorCandidate,
			cmd: incident.MajorAcceptance{}, want: []string{"INC-09", "INC-11"}, count: 2},
		{name: "propose an accepted major again", status: incident.StatusInProgress, major: incident.MajorAccepted,
			cmd: validCommand(incident.TriggerProposeMajor), want: []string{"INC-09"}, count: 1},
		{name: "reject without reason", status: incident.StatusInProgress, major: incident.MajorCandidate,
			cmd: incident.MajorRejection{}, want: []string{"INC-09"}, count: 1},
		{name: "reject what is not a candidate", status: incident.StatusInProgress, major: incident.MajorAccepted,
			cmd: validCommand(incident.TriggerRejectMajor), want: []string{"INC-09"}, count: 1},
		{name: "clear the major-incident manager", status: incident.StatusInProgress, major: incident.MajorAccepted,
			cmd: incident.Handover{}, want: []string{"INC-11"}, count: 1},
		{name: "hand over a non-major incident", status: incident.StatusInProgress,
			cmd: validCommand(incident.TriggerHandOver), want: []string{"INC-11"}, count: 1},
		{name: "notify about a non-major incident", status: incident.StatusInProgress,
			cmd: validCommand(incident.TriggerNotify), want: []string{"INC-10"}, count: 1},
		{name: "empty notification", status: incident.StatusInProgress, major: incident.MajorAccepted,
			cmd: incident.Notification{}, want: []string{"INC-10"}, count: 1},
		{name: "close a major incident without the final notification", status: incident.StatusResolved, major: incident.MajorAccepted,
			prep: func(f *fixture, id string) {
				f.step(f.t(), id, incident.Reopening{Reason: "not fixed"})
				f.step(f.t(), id, validCommand(incident.TriggerResolve))
			},
			cmd: validCommand(incident.TriggerClose), want: []string{"INC-10"}, count: 1},
		{name: "strict mode: close a major incident before its review", policy: &strict, status: incident.StatusResolved, major: incident.MajorAccepted,
			cmd: validCommand(incident.TriggerClose), want: []string{"INC-12"}, count: 1},
		{name: "review a non-major incident", status: incident.StatusResolved,
			cmd: validCommand(incident.TriggerReview), want: []string{"INC-12"}, count: 1},
		{name: "review without summary", status: incident.StatusResolved, major: incident.MajorAccepted,
			cmd: incident.Review{}, want: []string{"INC-12"}, count: 1},
		// INC-13: holds name the record waited for.
		{name: "hold for a change without the change", status: incident.StatusInProgress,
			cmd: incident.Suspension{Reason: incident.HoldChange}, want: []string{"INC-13"}, count: 1},
		{name: "hold for a problem without the problem", status: incident.StatusInProgress,
			cmd: incident.Suspension{Reason: incident.HoldProblem}, want: []string{"INC-13"}, count: 1},
		{name: "hold for a supplier without its reference", status: incident.StatusAssigned,
			cmd: incident.Suspension{Reason: incident.HoldSupplier}, want: []string{"INC-13"}, count: 1},
		// INC-16: reopening.
		{name: "reopen without reason", status: incident.StatusResolved,
			cmd: incident.Reopening{Reason: " "}, want: []string{"INC-16"}, count: 1},
		// INC-17: cancellation.
		{name: "cancel without reason", status: incident.StatusNew,
			cmd: incident.Cancellation{}, want: []string{"INC-17"}, count: 1},
		{name: "duplicate without its original", status: incident.StatusNew,
			cmd: incident.Cancellation{Reason: incident.CancelDuplicate}, want: []string{"INC-17"}, count: 1},
		{name: "duplicate of itself", status: incident.StatusNew, prep: nil,
			cmd: nil /* set below */, want: []string{"INC-17"}, count: 1},
		{name: "convert without the request", status: incident.StatusNew,
			cmd: incident.Conversion{}, want: []string{"INC-17"}, count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := incident.DefaultPolicy()
			if tc.policy != nil {
				p = *tc.policy
			}
			f := newFixture(t, p)
			f.tb = t
			var inc *incident.Incident
			switch tc.name {
			case "resolve without any action taken":
				inc = f.toWithoutAction(t)
			case "assign before classification":
				inc = f.log(t)
			default:
				inc = f.to(t, tc.status, tc.major)
			}
			if tc.prep != nil && tc.name != "assign before classification" {
				tc.prep(f, inc.ID)
			}
			c := tc.cmd
			if tc.name == "duplicate of itself" {
				c = incident.Cancellation{Reason: incident.CancelDuplicate, DuplicateOf: inc.ID}
			}
			before := f.snap(t, inc.ID)
			_, err := f.svc.Do(f.ctx, actingFor(c), inc.ID, c)
			ge := smstest.RequireRefused(t, err, tc.want...)
			assert.True(t, errors.Is(err, sms.ErrGuard))
			if tc.count > 0 {
				assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			}
			for _, r := range ge.Unmet {
				assert.NotEmpty(t, r.Clause)
				assert.NotEmpty(t, r.Text)
			}
			assert.Equal(t, string(c.Trigger()), ge.Trigger)
			assert.Equal(t, inc.ID, ge.ID)
			f.requireUnchanged(t, inc.ID, before)
		})
	}
}

func skipClassify(*fixture, string) {}

// toWithoutAction drives an incident to in_progress without recording an
// action.
func (f *fixture) toWithoutAction(t testing.TB) *incident.Incident {
	inc := f.log(t)
	f.step(t, inc.ID, validCommand(incident.TriggerClassify))
	f.step(t, inc.ID, validCommand(incident.TriggerAssign))
	return f.step(t, inc.ID, validCommand(incident.TriggerStart))
}

func TestLogRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	_, err := f.svc.Log(f.ctx, desk, incident.Report{})
	ge := smstest.RequireRefused(t, err, "INC-01")
	assert.Len(t, ge.Unmet, 5, "summary, service, source, reporter, reported_at: %v", ge.Unmet)
	assert.Empty(t, ge.ID)

	future := report()
	future.ReportedAt = t0.Add(time.Hour)
	_, err = f.svc.Log(f.ctx, desk, future)
	smstest.RequireRefused(t, err, "INC-01")

	page, err := f.svc.List(f.ctx, incident.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "a refused log stored an incident")
}

// TestClosedStaysClosed: INC-16 — after closure only notes (and the review
// of a major incident) are accepted; reopening a closed incident is a new,
// linked incident.
func TestClosedStaysClosed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusClosed, incident.MajorNone)
	_, err := f.svc.Reopen(f.ctx, boss, inc.ID, incident.Reopening{Reason: "again"})
	te := smstest.RequireTransitionRefused(t, err, string(incident.TriggerReopen))
	assert.Equal(t, []string{"note", "review_major"}, te.Permitted)

	_, err = f.svc.AddNote(f.ctx, caller, inc.ID, incident.Note{Text: "thanks"})
	require.NoError(t, err)

	r := report()
	r.ReopenedFrom = inc.ID
	again, err := f.svc.Log(f.ctx, desk, r)
	require.NoError(t, err)
	assert.True(t, again.HasLink(incident.LinkReopenedFrom, inc.ID))
}

// TestForbidden: roles are checked before anything else is revealed.
func TestForbidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorCandidate)
	before := f.snap(t, inc.ID)
	cases := []struct {
		who sms.Actor
		c   incident.Command
	}{
		{resolver, validCommand(incident.TriggerAcceptMajor)}, // only a major-incident manager accepts
		{caller, validCommand(incident.TriggerResolve)},
		{mim, validCommand(incident.TriggerCancel)}, // lacks every role of cancel, so Forbidden even from a wrong status
		{actor("nobody"), incident.Note{Text: "hi"}},
	}
	for _, tc := range cases {
		_, err := f.svc.Do(f.ctx, tc.who, inc.ID, tc.c)
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, tc.who.ID, fe.Actor)
		assert.NotEmpty(t, fe.Roles)
	}
	_, err := f.svc.Log(f.ctx, caller, report())
	smstest.RequireForbidden(t, err)
	f.requireUnchanged(t, inc.ID, before)
}

// TestInvalidInput: malformed commands are ErrInvalid and change nothing.
func TestInvalidInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorNone)
	before := f.snap(t, inc.ID)
	bad := []incident.Command{
		incident.Suspension{Reason: "lunch"},
		incident.Escalation{Kind: "sideways", Target: "x", Reason: "y"},
		incident.Classification{Category: "n", Impact: -1, Urgency: 1},
		incident.Assignment{},
		incident.Note{},
		incident.Link{Type: "friend", ID: "x"},
		incident.Link{Type: incident.LinkProblem, ID: ""},
		incident.Link{Type: incident.LinkProblem, ID: "\x00bad"},
		incident.Closure{Code: "x", Confirmation: "maybe"},
		incident.Cancellation{Reason: "boredom"},
		incident.Note{Text: string([]byte{0xff, 0xfe})},
		incident.Resolution{Code: "c", Notes: "n", RestoredAt: time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)},
		incident.Review{Summary: string(make([]byte, incident.MaxText+1))},
		nil,
	}
	for _, c := range bad {
		_, err := f.svc.Do(f.ctx, boss, inc.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	for _, id := range []string{"", " x", "no\nnewline"} {
		_, err := f.svc.AddNote(f.ctx, boss, id, incident.Note{Text: "x"})
		assert.ErrorIs(t, err, sms.ErrInvalid, "id %q", id)
	}
	_, err := f.svc.AddNote(f.ctx, sms.Actor{}, inc.ID, incident.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Do(f.ctx, boss, "some-id", report())
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.AddNote(f.ctx, boss, "missing", incident.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.List(f.ctx, incident.Query{Status: []incident.Status{"open"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	f.requireUnchanged(t, inc.ID, before)
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	bad := []incident.Policy{
		{Matrix: incident.Matrix{Priorities: [][]incident.Priority{{1}}}},
		{Matrix: incident.Matrix{Version: "v", Priorities: [][]incident.Priority{{1, 2}, {3}}}},
		{Matrix: incident.Matrix{Version: "v", Priorities: [][]incident.Priority{{0}}}},
		{Matrix: incident.Matrix{Version: "v"}},
		{ReviewMode: "relaxed"},
		{AutoCloseAfter: -time.Hour},
		{Targets: map[incident.Priority]incident.Target{1: {Response: time.Hour}}},
		{Categories: []string{""}},
		{Major: incident.MajorCriteria{Version: "v1"}},
	}
	for i, p := range bad {
		_, err := incident.NewService(memstoreFor(), incident.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, "policy %d", i)
	}
	_, err := incident.NewService(nil, incident.Config{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}
