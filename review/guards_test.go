package review_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// performance returns the valid performance with one change applied.
func performance(change func(*review.Performance)) review.Performance {
	p := validCommand(review.TriggerPerform).(review.Performance)
	p.Actions = append([]review.AgreedAction(nil), p.Actions...)
	change(&p)
	return p
}

// TestRefusals shows every guard's refusal with the requirement the review
// evidences (PRB-13 for a problem-effectiveness review, CHG-14 for a
// change-trend review), the exact number of unmet requirements, and that
// the refused transition changed nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		subject string // subjectPRB when empty
		status  review.Status
		prep    func(f *fixture, id string)
		cmd     review.Command
		want    string // requirement ID cited by every unmet requirement
		count   int
	}{
		{name: "perform with nothing recorded", status: review.StatusPlanned,
			cmd: review.Performance{}, count: 3},
		{name: "perform without conclusions", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Conclusions = "  " }), count: 1},
		{name: "perform without inputs", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Inputs = review.Inputs{Refs: []string{"RPT-1"}} }), count: 1},
		{name: "perform without participants", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Participants = nil }), count: 1},
		{name: "perform before the period ends", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.PerformedAt = t0.Add(-time.Hour) }), count: 1},
		{name: "perform in the future", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.PerformedAt = t0.Add(48 * time.Hour) }), count: 1},
		{name: "perform with a period that ends before it starts", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Period = review.Period{From: t0, To: t0.Add(-day)} }), count: 1},
		{name: "perform with a corrected period not yet over", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Period = review.Period{From: t0, To: t0.Add(10 * day)} }), count: 1},
		{name: "an action without owner", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Actions[0].Owner = "" }), count: 1},
		{name: "an action without description", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Actions[0].Text = " " }), count: 1},
		{name: "an action due before the review", status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Actions[0].Due = t0.Add(-day) }), count: 1},
		{name: "all at once", status: review.StatusPlanned,
			cmd: review.Performance{Actions: []review.AgreedAction{{Due: t0.Add(-day)}}, PerformedAt: t0.Add(-time.Hour)}, count: 6},
		{name: "update an action the review does not have", status: review.StatusPerformed,
			cmd: review.ActionUpdate{Number: 2, Done: true}, count: 1},
		{name: "update an action with nothing to report", status: review.StatusPerformed,
			cmd: review.ActionUpdate{Number: 1, Note: "in progress"}, count: 1},
		{name: "close with an action neither done nor tracked", status: review.StatusPlanned,
			prep: func(f *fixture, id string) {
				f.step(f.t, id, performance(func(p *review.Performance) { p.Actions[0].Ref = "" }))
			},
			cmd: review.Closure{}, count: 1},
		{name: "cancel without reason", status: review.StatusPlanned,
			cmd: review.Cancellation{Reason: " "}, count: 1},
		{name: "change-trend review performed without conclusions", subject: subjectCHG, status: review.StatusPlanned,
			cmd: performance(func(p *review.Performance) { p.Conclusions = "" }), want: "CHG-14", count: 1},
		{name: "change-trend review closed with an open action", subject: subjectCHG, status: review.StatusPlanned,
			prep: func(f *fixture, id string) {
				f.step(f.t, id, performance(func(p *review.Performance) { p.Actions[0].Ref = "" }))
			},
			cmd: review.Closure{}, want: "CHG-14", count: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.t = t
			subject, want := tc.subject, tc.want
			if subject == "" {
				subject = subjectPRB
			}
			if want == "" {
				want = "PRB-13"
			}
			r := f.to(t, subject, tc.status)
			if tc.prep != nil {
				tc.prep(f, r.ID)
			}
			before := f.snap(t, r.ID)
			_, err := f.svc.Do(f.ctx, actingFor(tc.cmd), r.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, want)
			assert.True(t, errors.Is(err, sms.ErrGuard))
			assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			for _, u := range ge.Unmet {
				assert.Equal(t, want, u.ID, "every unmet requirement is the one the review evidences")
				assert.NotEmpty(t, u.Clause)
				assert.NotEmpty(t, u.Text)
			}
			assert.Equal(t, string(tc.cmd.Trigger()), ge.Trigger)
			assert.Equal(t, r.ID, ge.ID)
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestPlanRefusals: a plan without owner or a sound period is refused
// citing the schedule's requirement, and nothing is stored.
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plan  review.Plan
		want  string
		count int
	}{
		{"no owner", review.Plan{Subject: subjectPRB, Period: review.Period{From: t0.Add(-day), To: t0}}, "PRB-13", 1},
		{"no period", review.Plan{Subject: subjectPRB, Owner: "pam"}, "PRB-13", 1},
		{"period ending as it starts", review.Plan{Subject: subjectPRB, Owner: "pam", Period: review.Period{From: t0, To: t0}}, "PRB-13", 1},
		{"nothing", review.Plan{Subject: subjectCHG, Scope: "payroll"}, "CHG-14", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			_, err := f.svc.Plan(f.ctx, owner, tc.plan)
			ge := smstest.RequireRefused(t, err, tc.want)
			assert.Len(t, ge.Unmet, tc.count, "unmet: %v", ge.Unmet)
			assert.Empty(t, ge.ID)
			page, err := f.svc.List(f.ctx, review.Query{})
			require.NoError(t, err)
			assert.Empty(t, page.Items, "a refused plan stored a review")
		})
	}
}
