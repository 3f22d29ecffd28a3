package review_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/review"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// utc is a time written out in UTC.
func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// calendarSchedule is a change-trend schedule on the cadence.
func calendarSchedule(c sms.Cadence, start time.Time, grace time.Duration) review.Schedule {
	return review.Schedule{Subject: subjectCHG, Start: start, Cadence: c, Grace: grace, Requirement: chg14, Code: codeCHG}
}

// TestCalendarDueDates: a calendar schedule's review is due at the end of
// the calendar period after the one of the last review, in the schedule's
// zone; the first at the end of the period containing Start. Every due
// date is written out by hand, in UTC. In 2026 Lisbon moves from UTC+0 to
// UTC+1 on March 29 and back on October 25; New York from UTC-5 to UTC-4 on
// March 8.
func TestCalendarDueDates(t *testing.T) {
	t.Parallel()
	lisbon, newYork := sms.Monthly("Europe/Lisbon"), sms.Monthly("America/New_York")
	jan15 := utc(2026, 1, 15, 10, 0)
	cases := []struct {
		name    string
		cadence sms.Cadence
		start   time.Time
		last    time.Time // zero: no review yet
		due     time.Time
	}{
		{"monthly, first review: the end of the start's month", lisbon, jan15, time.Time{}, utc(2026, 2, 1, 0, 0)},
		{"reviewed in February: due at the end of March, in summer time", lisbon, jan15, utc(2026, 2, 20, 12, 0), utc(2026, 3, 31, 23, 0)},
		{"reviewed in March: due at the end of April", lisbon, jan15, utc(2026, 3, 10, 12, 0), utc(2026, 4, 30, 23, 0)},
		{"reviewed on the last evening of January: the end of February's 28 days", lisbon, jan15, utc(2026, 1, 31, 23, 30), utc(2026, 3, 1, 0, 0)},
		{"23:30 UTC on March 31 is April in Lisbon: due at the end of May", lisbon, jan15, utc(2026, 3, 31, 23, 30), utc(2026, 5, 31, 23, 0)},
		{"reviewed in October in summer time: due at the end of November, in winter time", lisbon, jan15, utc(2026, 10, 20, 9, 0), utc(2026, 12, 1, 0, 0)},
		{"03:00 UTC on February 1 is January in New York: due at the end of February", newYork, jan15, utc(2026, 2, 1, 3, 0), utc(2026, 3, 1, 5, 0)},
		{"reviewed in February in New York: due at the end of March, in daylight time", newYork, jan15, utc(2026, 2, 15, 12, 0), utc(2026, 4, 1, 4, 0)},
		{"a leap year's January: due at the end of February's 29 days", sms.Monthly(""), jan15, utc(2028, 1, 31, 12, 0), utc(2028, 3, 1, 0, 0)},
		{"reviewed on February 29: due at the end of March", sms.Monthly(""), jan15, utc(2028, 2, 29, 12, 0), utc(2028, 4, 1, 0, 0)},
		{"reviewed on April 30: due at the end of May", sms.Monthly("UTC"), jan15, utc(2026, 4, 30, 12, 0), utc(2026, 6, 1, 0, 0)},
		{"a review before the start does not count: the end of the start's month", sms.Monthly(""), utc(2026, 3, 15, 0, 0), utc(2026, 3, 10, 0, 0), utc(2026, 4, 1, 0, 0)},
		{"a review after the start in the start's month: the end of the next", sms.Monthly(""), utc(2026, 3, 15, 0, 0), utc(2026, 3, 20, 0, 0), utc(2026, 5, 1, 0, 0)},
		{"quarterly, first review: the end of the first quarter", sms.Quarterly("Europe/Lisbon"), utc(2026, 1, 1, 0, 0), time.Time{}, utc(2026, 3, 31, 23, 0)},
		{"reviewed in the second quarter: due at the end of the third", sms.Quarterly("Europe/Lisbon"), utc(2026, 1, 1, 0, 0), utc(2026, 5, 10, 9, 0), utc(2026, 9, 30, 23, 0)},
		{"reviewed in the fourth quarter: due at the end of next year's first", sms.Quarterly("Europe/Lisbon"), utc(2026, 1, 1, 0, 0), utc(2026, 11, 2, 9, 0), utc(2027, 3, 31, 23, 0)},
		{"yearly, first review: the end of the start's year", sms.Yearly(""), utc(2026, 6, 1, 0, 0), time.Time{}, utc(2027, 1, 1, 0, 0)},
		{"reviewed on the last minute of 2026: due at the end of 2027", sms.Yearly(""), utc(2026, 6, 1, 0, 0), utc(2026, 12, 31, 23, 59), utc(2028, 1, 1, 0, 0)},
		{"02:00 UTC on January 1 2027 is 2026 in New York: due at the end of 2027 there", sms.Yearly("America/New_York"), utc(2026, 6, 1, 0, 0), utc(2027, 1, 1, 2, 0), utc(2028, 1, 1, 5, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sched := calendarSchedule(tc.cadence, tc.start, 0)
			var reviews []*review.Review
			asOf := tc.start
			if !tc.last.IsZero() {
				reviews = append(reviews, performed("R1", subjectCHG, "", review.StatusClosed, tc.last))
				asOf = tc.last
			}
			st, err := review.Standings([]review.Schedule{sched}, reviews, asOf)
			require.NoError(t, err)
			require.Len(t, st, 1)
			assert.Equal(t, tc.due, st[0].Due, "due %s", st[0].Due)
			assert.Equal(t, time.UTC, st[0].Due.Location())
		})
	}
}

// TestCalendarGrace: the grace runs from the end of the period; the
// finding names the dates in the schedule's zone.
func TestCalendarGrace(t *testing.T) {
	t.Parallel()
	sched := calendarSchedule(sms.Monthly("Europe/Lisbon"), utc(2026, 1, 1, 0, 0), 5*day)
	last := performed("R1", subjectCHG, "", review.StatusClosed, utc(2026, 2, 20, 12, 0))
	due := utc(2026, 3, 31, 23, 0)  // April 1, 00:00 in Lisbon
	limit := utc(2026, 4, 5, 23, 0) // + 5 days
	for _, tc := range []struct {
		asOf    time.Time
		overdue bool
	}{{due, false}, {limit, false}, {limit.Add(time.Microsecond), true}} {
		got, err := review.Sweep([]review.Schedule{sched}, []*review.Review{last}, tc.asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.overdue, len(got) == 1, "as of %s", tc.asOf)
	}
	got, err := review.Sweep([]review.Schedule{sched}, []*review.Review{last}, limit.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, codeCHG, got[0].Code)
	assert.Equal(t, chg14, got[0].Requirement)
	assert.Equal(t, "last review of change_trends (R1) performed 2026-02-20; next due 2026-04-01, 5d grace ended 2026-04-06", got[0].Detail)

	got, err = review.Sweep([]review.Schedule{sched}, nil, utc(2026, 3, 1, 0, 0))
	require.NoError(t, err)
	require.Len(t, got, 1, "January's review was due on February 1, with 5 days' grace")
	assert.Equal(t, "no review of change_trends performed since the schedule started 2026-01-01; due 2026-02-01, 5d grace ended 2026-02-06", got[0].Detail)
}

// TestCalendarYear replays a year day by day on a monthly schedule in
// Lisbon: a review on the 28th of each month gives no finding on any day;
// skipping March gives findings from the day February's review's next due
// date (the end of March, in summer time) plus the grace has passed, until
// the April review.
func TestCalendarYear(t *testing.T) {
	t.Parallel()
	s0 := utc(2026, 1, 1, 0, 0)
	sched := calendarSchedule(sms.Monthly("Europe/Lisbon"), s0, 5*day)
	var onTime, skipped []*review.Review
	for m := time.January; m <= time.December; m++ {
		r := performed("R"+m.String(), subjectCHG, "", review.StatusClosed, utc(2026, m, 28, 10, 0))
		onTime = append(onTime, r)
		if m != time.March {
			skipped = append(skipped, r)
		}
	}
	// February's review: due 2026-03-31T23:00Z, grace until
	// 2026-04-05T23:00Z; the April review on Apr 28 10:00Z ends it.
	for d := s0; d.Year() == 2026; d = d.Add(day) {
		got, err := review.Sweep([]review.Schedule{sched}, onTime, d)
		require.NoError(t, err)
		require.Empty(t, got, "on time, %s", d.Format(time.DateOnly))
		got, err = review.Sweep([]review.Schedule{sched}, skipped, d)
		require.NoError(t, err)
		want := d.After(utc(2026, 4, 5, 23, 0)) && d.Before(utc(2026, 4, 28, 10, 0))
		assert.Equal(t, want, len(got) == 1, "March skipped, %s", d.Format(time.DateOnly))
	}
}

// TestCalendarValidation: a schedule has an interval or a valid calendar
// cadence, not both; a fixed cadence works as the interval does.
func TestCalendarValidation(t *testing.T) {
	t.Parallel()
	ok := calendarSchedule(sms.Quarterly("Europe/Lisbon"), t0, 14*day)
	require.NoError(t, ok.Validate())
	for name, change := range map[string]func(*review.Schedule){
		"an interval and a cadence": func(s *review.Schedule) { s.Interval = 91 * day },
		"an unknown zone":           func(s *review.Schedule) { s.Cadence = sms.Monthly("Mars/Olympus") },
		"an unknown unit":           func(s *review.Schedule) { s.Cadence = sms.Cadence{Unit: "week"} },
		"five months":               func(s *review.Schedule) { s.Cadence = sms.Cadence{Unit: sms.UnitMonth, Count: 5} },
		"a duration and a unit":     func(s *review.Schedule) { s.Cadence = sms.Cadence{Every: day, Unit: sms.UnitMonth} },
		"a negative duration":       func(s *review.Schedule) { s.Cadence = sms.EveryDuration(-day) },
		"a negative grace":          func(s *review.Schedule) { s.Grace = -time.Hour },
	} {
		s := ok
		change(&s)
		assert.ErrorIs(t, s.Validate(), sms.ErrInvalid, name)
		_, err := review.Sweep([]review.Schedule{s}, nil, t0)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
		_, err = review.NewService(memstore.New[*review.Review](), review.Config{Schedules: []review.Schedule{s}})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}

	// A fixed cadence is the interval by another name.
	byInterval := review.Schedule{Subject: subjectCHG, Start: utc(2026, 1, 1, 0, 0), Interval: 30 * day, Grace: 7 * day, Requirement: chg14, Code: codeCHG}
	byCadence := byInterval
	byCadence.Interval, byCadence.Cadence = 0, sms.EveryDuration(30*day)
	last := []*review.Review{performed("R1", subjectCHG, "", review.StatusClosed, utc(2026, 2, 1, 9, 0))}
	for _, asOf := range []time.Time{utc(2026, 1, 20, 0, 0), utc(2026, 2, 20, 0, 0), utc(2026, 3, 12, 0, 0)} {
		want, err := review.Sweep([]review.Schedule{byInterval}, last, asOf)
		require.NoError(t, err)
		got, err := review.Sweep([]review.Schedule{byCadence}, last, asOf)
		require.NoError(t, err)
		for i := range got {
			got[i].Requirement, want[i].Requirement = sms.Requirement{}, sms.Requirement{}
		}
		assert.Equal(t, want, got, "as of %s", asOf)
	}
}

// TestCalendarService: a service serves calendar schedules beside
// duration ones; a review performed clears its schedule until the end of
// the next period.
func TestCalendarService(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ss := schedules()
	ss[1].Interval, ss[1].Cadence = 0, sms.Monthly("Europe/Lisbon") // change trends of payroll, monthly in Lisbon
	svc, err := review.NewService(f.store, review.Config{Schedules: ss, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc

	// Started 60 days before t0 (January 1, 08:00 UTC): January's review
	// was due at the end of January, and is overdue at t0 (March 2).
	got, err := svc.Sweep(f.ctx, t0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, codeCHG, got[0].Code)
	assert.Equal(t, "CHG-14", got[0].Requirement.ID)

	r := f.to(t, subjectCHG, review.StatusPerformed) // performed in March
	st, err := svc.Standings(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, st, 2)
	assert.Equal(t, r.ID, st[0].Last)
	assert.Equal(t, utc(2026, 4, 30, 23, 0), st[0].Due, "the end of April in Lisbon")
	codes := func(asOf time.Time) []string {
		got, err := svc.Sweep(f.ctx, asOf)
		require.NoError(t, err)
		var out []string
		for _, fd := range got {
			out = append(out, fd.Code)
		}
		return out
	}
	// The quarterly problem-effectiveness schedule (91 + 14 days from
	// January 1) is overdue by then; the change-trend one only after its
	// 7 days' grace.
	assert.Equal(t, []string{codePRB}, codes(utc(2026, 5, 7, 22, 59)))
	assert.Equal(t, []string{codeCHG, codePRB}, codes(utc(2026, 5, 7, 23, 1)), "the change-trend review is overdue again")
}

// A schedule on the calendar: the monthly change-trend review, in Lisbon,
// is due at the end of each calendar month, whatever its length and the
// clock change at the end of March.
func ExampleSchedule_calendar() {
	sched := review.Schedule{Subject: "change_trends", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Cadence: sms.Monthly("Europe/Lisbon"), Grace: 5 * 24 * time.Hour,
		Requirement: sms.Requirement{ID: "CHG-14", Clause: "8.5.1.3", Text: "change records are analysed for trends"},
		Code:        "CHANGE_TREND_REVIEW_OVERDUE"}
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	for _, at := range []time.Time{time.Date(2026, 1, 30, 10, 0, 0, 0, time.UTC), time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC)} {
		last := &review.Review{Status: review.StatusClosed, Subject: "change_trends", PerformedAt: at}
		last.ID = "REV-" + at.Month().String()
		st, _ := review.Standings([]review.Schedule{sched}, []*review.Review{last}, at)
		fmt.Println("reviewed", at.Format(time.DateOnly), "next due", st[0].Due.In(lisbon).Format("2006-01-02 15:04 MST"))
	}
	// Output:
	// reviewed 2026-01-30 next due 2026-03-01 00:00 WET
	// reviewed 2026-02-27 next due 2026-04-01 00:00 WEST
}
