package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

const day = 24 * time.Hour

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// The requirements the test schedules evidence, written out here so that
// these tests depend on no process package; requirements_test.go checks
// the same against problem's and change's own.
var (
	prb13 = sms.Requirement{ID: "PRB-13", Clause: "8.6.3", Text: "the effectiveness of problem resolution is monitored, reviewed and reported"}
	chg14 = sms.Requirement{ID: "CHG-14", Clause: "8.5.1.3", Text: "change records are analysed for trends"}
)

const (
	subjectPRB = "problem_effectiveness"
	subjectCHG = "change_trends"
	codePRB    = "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE"
	codeCHG    = "CHANGE_TREND_REVIEW_OVERDUE"
)

// schedules: problem effectiveness quarterly, change trends of the payroll
// service monthly, both started 60 days before t0.
func schedules() []review.Schedule {
	return []review.Schedule{
		{Subject: subjectPRB, Start: t0.Add(-60 * day), Interval: 91 * day, Grace: 14 * day, Requirement: prb13, Code: codePRB},
		{Subject: subjectCHG, Scope: "payroll", Start: t0.Add(-60 * day), Interval: 30 * day, Grace: 7 * day, Requirement: chg14, Code: codeCHG},
	}
}

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	owner       = actor("pam", review.RoleOwner)
	participant = actor("ana", review.RoleParticipant)
	outsider    = actor("olga")
	// boss holds every role, so that a refusal is the workflow's, not the
	// roles'.
	boss = actor("ida", review.RoleOwner, review.RoleParticipant)
)

type fixture struct {
	svc   *review.Service
	store *memstore.Store[*review.Review]
	clk   *clock
	ctx   context.Context
	// t is the test the fixture serves, for prep functions.
	t testing.TB
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New[*review.Review](), clk: smstest.NewClock(t0), ctx: context.Background(), t: t}
	svc, err := review.NewService(f.store, review.Config{Schedules: schedules(), Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc
	return f
}

// plan returns the plan of a review of the subject (problem effectiveness
// by default) covering the 30 days before t0.
func plan(subject string) review.Plan {
	p := review.Plan{Subject: subject, Owner: "pam", Period: review.Period{From: t0.Add(-30 * day), To: t0}}
	if subject == subjectCHG {
		p.Scope = "payroll"
	}
	return p
}

// validCommand returns a command for the trigger that satisfies every
// guard on a review in a status that allows it.
func validCommand(tr review.Trigger) review.Command {
	switch tr {
	case review.TriggerPlan:
		return plan(subjectPRB)
	case review.TriggerPerform:
		return review.Performance{
			Inputs:       review.Inputs{Summary: "9 problems, 2 recurred after resolution", Refs: []string{"RPT-2026-02"}},
			Conclusions:  "recurrence comes from fixes without a change; root causes take too long on the network",
			Actions:      []review.AgreedAction{{Text: "require a change for every fix", Owner: "pam", Due: t0.Add(30 * day), Ref: "CI-3"}},
			Participants: []string{"pam", "ana"},
		}
	case review.TriggerUpdateAction:
		return review.ActionUpdate{Number: 1, Done: true, Note: "policy updated"}
	case review.TriggerClose:
		return review.Closure{Note: "actions tracked"}
	case review.TriggerCancel:
		return review.Cancellation{Reason: "merged into the management review"}
	case review.TriggerNote:
		return review.Note{Text: "minutes circulated"}
	}
	panic("no valid command for " + string(tr))
}

// actingFor returns who fires c in the fixture's steps: boss, who holds
// every role, except for a performance, which the review's owner or one who
// took part records: pam, who owns the fixture's reviews.
func actingFor(c review.Command) sms.Actor {
	if _, ok := c.(review.Performance); ok {
		return owner
	}
	return boss
}

// step fires a command as actingFor(c) a minute later and requires
// success.
func (f *fixture) step(t testing.TB, id string, c review.Command) *review.Review {
	t.Helper()
	f.clk.Advance(time.Minute)
	r, err := f.svc.Do(f.ctx, actingFor(c), id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return r
}

// to plans a review of the subject and drives it to the status.
func (f *fixture) to(t testing.TB, subject string, status review.Status) *review.Review {
	t.Helper()
	r, err := f.svc.Plan(f.ctx, owner, plan(subject))
	require.NoError(t, err)
	switch status {
	case review.StatusCancelled:
		r = f.step(t, r.ID, validCommand(review.TriggerCancel))
	case review.StatusPerformed, review.StatusClosed:
		r = f.step(t, r.ID, validCommand(review.TriggerPerform))
		if status == review.StatusClosed {
			r = f.step(t, r.ID, validCommand(review.TriggerClose))
		}
	}
	require.Equal(t, status, r.Status)
	return r
}

// snapshot captures what is stored for a review, to prove a refusal
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
