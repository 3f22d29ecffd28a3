package review_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// performed returns a stored-looking review of the subject and scope in
// the status, performed at the time.
func performed(id, subject, scope string, status review.Status, at time.Time) *review.Review {
	r := &review.Review{Status: status, Subject: subject, Scope: scope, Requirement: prb13, Owner: "pam",
		Period: review.Period{From: at.Add(-30 * day), To: at}, PerformedAt: at}
	r.ID = id
	return r
}

// TestSweepBoundaries: one quarterly schedule (interval 91 days, grace 14)
// started on s0; every case written out by hand.
func TestSweepBoundaries(t *testing.T) {
	t.Parallel()
	s0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sched := review.Schedule{Subject: subjectPRB, Start: s0, Interval: 91 * day, Grace: 14 * day, Requirement: prb13, Code: codePRB}
	firstDue := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)    // s0 + 91 days
	firstLimit := time.Date(2026, 4, 16, 0, 0, 0, 0, time.UTC) // + 14 days grace
	may := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	mayLimit := time.Date(2026, 8, 23, 0, 0, 0, 0, time.UTC) // May 10 + 91 + 14 days
	cases := []struct {
		name    string
		reviews []*review.Review
		asOf    time.Time
		overdue bool
	}{
		{"before the start", nil, s0.Add(-day), false},
		{"never performed, within the interval", nil, firstDue, false},
		{"never performed, within the grace", nil, firstLimit, false},
		{"never performed, a microsecond after the grace", nil, firstLimit.Add(time.Microsecond), true},
		{"performed in May, checked in August", []*review.Review{performed("R1", subjectPRB, "", review.StatusPerformed, may)}, mayLimit, false},
		{"performed in May, grace over", []*review.Review{performed("R1", subjectPRB, "", review.StatusPerformed, may)}, mayLimit.Add(time.Second), true},
		{"closed counts as performed", []*review.Review{performed("R1", subjectPRB, "", review.StatusClosed, may)}, mayLimit, false},
		{"the latest of several counts", []*review.Review{
			performed("R2", subjectPRB, "", review.StatusClosed, may),
			performed("R1", subjectPRB, "", review.StatusPerformed, firstDue)}, mayLimit, false},
		{"a planned review does not count", []*review.Review{performed("R1", subjectPRB, "", review.StatusPlanned, may)}, mayLimit, true},
		{"a cancelled review does not count", []*review.Review{performed("R1", subjectPRB, "", review.StatusCancelled, may)}, mayLimit, true},
		{"another subject does not count", []*review.Review{performed("R1", subjectCHG, "", review.StatusClosed, may)}, mayLimit, true},
		{"another scope does not count", []*review.Review{performed("R1", subjectPRB, "payroll", review.StatusClosed, may)}, mayLimit, true},
		{"a review performed after the as-of time does not count yet", []*review.Review{
			performed("R1", subjectPRB, "", review.StatusClosed, mayLimit.Add(day))}, mayLimit, true},
		{"nil reviews are skipped", []*review.Review{nil}, firstDue, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := review.Sweep([]review.Schedule{sched}, tc.reviews, tc.asOf)
			require.NoError(t, err)
			if !tc.overdue {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			f := got[0]
			assert.Equal(t, codePRB, f.Code)
			assert.Equal(t, prb13, f.Requirement)
			assert.Equal(t, review.ScheduleKind, f.Kind)
			assert.Equal(t, subjectPRB, f.EntityID)
			assert.Equal(t, tc.asOf, f.At)
		})
	}
}

// TestSweepDetail: the finding says when the last review was, when the
// next was due and when the grace ended.
func TestSweepDetail(t *testing.T) {
	t.Parallel()
	s0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sched := review.Schedule{Subject: subjectCHG, Scope: "payroll", Start: s0, Interval: 30 * day, Grace: 7 * day, Requirement: chg14, Code: codeCHG}
	got, err := review.Sweep([]review.Schedule{sched}, nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "change_trends/payroll", got[0].EntityID)
	assert.Equal(t, "no review of change_trends/payroll performed since the schedule started 2026-01-01; due 2026-01-31, 7d grace ended 2026-02-07", got[0].Detail)
	r := performed("REV-4", subjectCHG, "payroll", review.StatusClosed, time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC))
	got, err = review.Sweep([]review.Schedule{sched}, []*review.Review{r}, time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "last review of change_trends/payroll (REV-4) performed 2026-02-01; next due 2026-03-03, 7d grace ended 2026-03-10", got[0].Detail)
	sched.Grace = 36 * time.Hour
	got, err = review.Sweep([]review.Schedule{sched}, []*review.Review{r}, time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Detail, "36h0m0s grace")

	st, err := review.Standings([]review.Schedule{sched}, []*review.Review{r}, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, st, 1)
	assert.Equal(t, "REV-4", st[0].Last)
	assert.Equal(t, time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), st[0].Due)
	assert.False(t, st[0].Overdue)
	_, ok := st[0].Finding(time.Now())
	assert.False(t, ok)
}

// TestSweepYear replays a year day by day: monthly reviews on time give no
// finding on any day; skipping March gives findings exactly from the day
// its grace ran out until the April review.
func TestSweepYear(t *testing.T) {
	t.Parallel()
	s0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sched := review.Schedule{Subject: subjectCHG, Start: s0, Interval: 31 * day, Grace: 5 * day, Requirement: chg14, Code: codeCHG}
	var onTime, skipped []*review.Review
	for m := time.January; m <= time.December; m++ {
		r := performed("R"+m.String(), subjectCHG, "", review.StatusClosed, time.Date(2026, m, 28, 10, 0, 0, 0, time.UTC))
		onTime = append(onTime, r)
		if m != time.March {
			skipped = append(skipped, r)
		}
	}
	// Feb 28 10:00 + 31 days = Mar 31 10:00; + 5 days grace = Apr 5 10:00;
	// the April review on Apr 28 ends it.
	for d := s0; d.Year() == 2026; d = d.Add(day) {
		got, err := review.Sweep([]review.Schedule{sched}, onTime, d)
		require.NoError(t, err)
		require.Empty(t, got, "on time, %s", d.Format(time.DateOnly))
		got, err = review.Sweep([]review.Schedule{sched}, skipped, d)
		require.NoError(t, err)
		want := d.After(time.Date(2026, 4, 5, 10, 0, 0, 0, time.UTC)) && d.Before(time.Date(2026, 4, 28, 10, 0, 0, 0, time.UTC))
		assert.Equal(t, want, len(got) == 1, "March skipped, %s", d.Format(time.DateOnly))
	}
}

// TestScheduleValidation: a schedule that cannot be judged is an error,
// never a silent pass.
func TestScheduleValidation(t *testing.T) {
	t.Parallel()
	ok := schedules()[0]
	require.NoError(t, ok.Validate())
	for name, change := range map[string]func(*review.Schedule){
		"no subject":          func(s *review.Schedule) { s.Subject = "" },
		"a bad subject":       func(s *review.Schedule) { s.Subject = " x" },
		"a bad scope":         func(s *review.Schedule) { s.Scope = "a\tb" },
		"no start":            func(s *review.Schedule) { s.Start = time.Time{} },
		"no interval":         func(s *review.Schedule) { s.Interval = 0 },
		"a negative grace":    func(s *review.Schedule) { s.Grace = -time.Hour },
		"no requirement ID":   func(s *review.Schedule) { s.Requirement.ID = "" },
		"no clause":           func(s *review.Schedule) { s.Requirement.Clause = "" },
		"no code":             func(s *review.Schedule) { s.Code = "" },
		"a negative interval": func(s *review.Schedule) { s.Interval = -day },
	} {
		s := ok
		change(&s)
		assert.ErrorIs(t, s.Validate(), sms.ErrInvalid, name)
		_, err := review.Sweep([]review.Schedule{s}, nil, t0)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	_, err := review.Sweep([]review.Schedule{ok, ok}, nil, t0)
	assert.ErrorIs(t, err, sms.ErrInvalid, "two schedules for one subject and scope")
	got, err := review.Sweep(nil, nil, t0)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestServiceSweep: the service's sweep over the store agrees with the
// pure function over the same reviews, and a review performed clears its
// schedule.
func TestServiceSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Both schedules started 60 days before t0: the change-trend one
	// (30 + 7 days) is overdue at t0, the problem one (91 + 14) is not.
	got, err := f.svc.Sweep(f.ctx, t0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, codeCHG, got[0].Code)
	assert.Equal(t, "CHG-14", got[0].Requirement.ID)

	later := t0.Add(60 * day)
	got, err = f.svc.Sweep(f.ctx, later)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, codeCHG, got[0].Code, "ordered by key")
	assert.Equal(t, codePRB, got[1].Code)

	chg := f.to(t, subjectCHG, review.StatusPerformed)
	f.to(t, subjectPRB, review.StatusCancelled)
	got, err = f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, got, "the change-trend review was just performed")

	var all []*review.Review
	require.NoError(t, f.svc.Each(f.ctx, review.Query{}, func(r *review.Review) bool { all = append(all, r); return true }))
	for _, asOf := range []time.Time{t0, f.clk.Now(), later, later.Add(60 * day)} {
		want, err := review.Sweep(f.svc.Schedules(), all, asOf)
		require.NoError(t, err)
		got, err := f.svc.Sweep(f.ctx, asOf)
		require.NoError(t, err)
		assert.Equal(t, want, got, "as of %s", asOf)
	}
	st, err := f.svc.Standings(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, st, 2)
	assert.Equal(t, chg.ID, st[0].Last)
	assert.Equal(t, chg.PerformedAt.Add(30*day), st[0].Due)
	assert.Empty(t, st[1].Last, "a cancelled review is not a performed one")
}

// TestSweepStartAfterLastReview: a schedule that starts after the last
// review gives a full interval from its start.
func TestSweepStartAfterLastReview(t *testing.T) {
	t.Parallel()
	s0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sched := review.Schedule{Subject: subjectPRB, Start: s0, Interval: 30 * day, Grace: 5 * day, Requirement: prb13, Code: codePRB}
	old := performed("R0", subjectPRB, "", review.StatusClosed, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	st, err := review.Standings([]review.Schedule{sched}, []*review.Review{old}, s0.Add(35*day))
	require.NoError(t, err)
	assert.Equal(t, "R0", st[0].Last)
	assert.Equal(t, s0.Add(30*day), st[0].Due)
	assert.False(t, st[0].Overdue)
	got, err := review.Sweep([]review.Schedule{sched}, []*review.Review{old}, s0.Add(35*day+time.Second))
	require.NoError(t, err)
	assert.Len(t, got, 1)
}
