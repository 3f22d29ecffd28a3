package supplier_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // the tests need the zones whatever the machine has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/supplier"
)

func renewalZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// renewalAt is local midnight of y-m-d in loc (a zone whose midnight
// exists that day).
func renewalAt(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func TestTermEnd(t *testing.T) {
	t.Parallel()
	berlin := renewalZone(t, "Europe/Berlin")
	monthly := func(start time.Time) supplier.Term {
		return supplier.Term{Start: start, Months: 1, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit}
	}
	type end struct {
		n    int
		want time.Time
	}
	cases := []struct {
		name string
		term supplier.Term
		ends []end
	}{
		// 31 January 2028 + 1 month: 31 February does not exist, 2028 is
		// a leap year, so 29 February (the term's last day is 28
		// February). The second end counts two months from 31 January:
		// 31 March, not 29 March; then 30 April (clamped), 31 May; twelve
		// months is 31 January 2029, thirteen 28 February 2029 (not leap).
		{"one month from 31 January 2028", monthly(renewalAt(2028, 1, 31, berlin)), []end{
			{0, renewalAt(2028, 1, 31, berlin)}, {1, renewalAt(2028, 2, 29, berlin)}, {2, renewalAt(2028, 3, 31, berlin)},
			{3, renewalAt(2028, 4, 30, berlin)}, {4, renewalAt(2028, 5, 31, berlin)}, {12, renewalAt(2029, 1, 31, berlin)},
			{13, renewalAt(2029, 2, 28, berlin)}, {-1, renewalAt(2028, 1, 31, berlin)},
		}},
		// 2027 is not a leap year: 28 February, then 31 March.
		{"one month from 31 January 2027", monthly(renewalAt(2027, 1, 31, berlin)), []end{
			{1, renewalAt(2027, 2, 28, berlin)}, {2, renewalAt(2027, 3, 31, berlin)},
		}},
		// 30 January: 30 February clamps to 29 February; then 30 March.
		{"one month from 30 January 2028", monthly(renewalAt(2028, 1, 30, berlin)), []end{
			{1, renewalAt(2028, 2, 29, berlin)}, {2, renewalAt(2028, 3, 30, berlin)},
		}},
		// 2100 is not a leap year (divisible by 100, not by 400).
		{"one month from 31 January 2100", monthly(renewalAt(2100, 1, 31, berlin)), []end{
			{1, renewalAt(2100, 2, 28, berlin)},
		}},
		// A start given with a time of day, as a UTC instant: 30 January
		// 23:30 UTC is 31 January 00:30 in Berlin, so the first day is 31
		// January there.
		{"a start at 23:30 UTC, after midnight in Berlin", monthly(time.Date(2028, 1, 30, 23, 30, 0, 0, time.UTC)), []end{
			{0, renewalAt(2028, 1, 31, berlin)}, {1, renewalAt(2028, 2, 29, berlin)},
		}},
		// 29 February 2028 + 12 months: 29 February 2029 does not exist,
		// so 28 February 2029, 2030, 2031, and 29 February 2032 (48
		// months from the start, a leap year again).
		{"yearly from 29 February 2028", supplier.Term{Start: renewalAt(2028, 2, 29, berlin), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit}, []end{
			{1, renewalAt(2029, 2, 28, berlin)}, {2, renewalAt(2030, 2, 28, berlin)}, {3, renewalAt(2031, 2, 28, berlin)}, {4, renewalAt(2032, 2, 29, berlin)},
		}},
		// 30 November 2027 + 3 months = 30 February 2028, clamped to 29
		// February; + 6 = 30 May; + 9 = 30 August; + 12 = 30 November;
		// + 15 = 30 February 2029, clamped to 28 February.
		{"quarterly from 30 November 2027", supplier.Term{Start: renewalAt(2027, 11, 30, berlin), Months: 3, Zone: "Europe/Berlin", Renewal: supplier.RenewNever}, []end{
			{1, renewalAt(2028, 2, 29, berlin)}, {2, renewalAt(2028, 5, 30, berlin)}, {3, renewalAt(2028, 8, 30, berlin)},
			{4, renewalAt(2028, 11, 30, berlin)}, {5, renewalAt(2029, 2, 28, berlin)},
		}},
		// 1 January 2028 + 90 days: 31 to 1 February, 29 to 1 March, 30
		// to 31 March. + 180: 30 more to 30 April, 31 to 31 May, 29 to 29
		// June.
		{"90 days from 1 January 2028", supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Days: 90, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit}, []end{
			{1, renewalAt(2028, 3, 31, berlin)}, {2, renewalAt(2028, 6, 29, berlin)},
		}},
		// A month and 15 days: n months from the start, then n×15 days.
		// 29 February + 15 days = 15 March; 31 March + 30 days = 30 April.
		{"a month and 15 days from 31 January 2028", supplier.Term{Start: renewalAt(2028, 1, 31, berlin), Months: 1, Days: 15, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit}, []end{
			{1, renewalAt(2028, 3, 15, berlin)}, {2, renewalAt(2028, 4, 30, berlin)},
		}},
		// No zone is UTC.
		{"one month from 31 January 2028 in UTC", supplier.Term{Start: time.Date(2028, 1, 31, 18, 0, 0, 0, time.UTC), Months: 1, Renewal: supplier.RenewNever}, []end{
			{1, renewalAt(2028, 2, 29, time.UTC)}, {2, renewalAt(2028, 3, 31, time.UTC)},
		}},
	}
	for _, tc := range cases {
		require.NoError(t, tc.term.Validate(), tc.name)
		for _, e := range tc.ends {
			got := tc.term.End(e.n)
			assert.True(t, got.Equal(e.want), "%s: End(%d) = %v, want %v", tc.name, e.n, got, e.want)
		}
	}
	// The bug avoided: time.AddDate carries 31 February into March.
	jan31 := renewalAt(2028, 1, 31, berlin)
	assert.Equal(t, renewalAt(2028, 3, 2, berlin), jan31.AddDate(0, 1, 0))
	// Restarting from a clamped end drifts (29 February + 1 month = 29
	// March): the terms count from the original start instead.
	restarted := monthly(monthly(jan31).End(1)).End(1)
	assert.Equal(t, renewalAt(2028, 3, 29, berlin), restarted)
	assert.True(t, restarted.Before(monthly(jan31).End(2)))
	// Restarting from an end that was not clamped does not: 31 March + 1
	// month is End(3), 30 April.
	assert.Equal(t, monthly(jan31).End(3), monthly(monthly(jan31).End(2)).End(1))
}

// Ends are at the start of the local day, whatever the clock does: the
// term's length in hours follows the clock changes, and where midnight
// does not exist the day starts when the clock jumps.
func TestTermEndAcrossClockChanges(t *testing.T) {
	t.Parallel()
	berlin := renewalZone(t, "Europe/Berlin")
	santiago := renewalZone(t, "America/Santiago")
	term := func(start time.Time, zone string) supplier.Term {
		return supplier.Term{Start: start, Months: 1, Zone: zone, Renewal: supplier.RenewTacit}
	}
	// Berlin springs forward on 26 March 2028: March is 31 days less an
	// hour, 743 hours, and ends at 00:00 CEST (+02:00).
	march := term(renewalAt(2028, 3, 1, berlin), "Europe/Berlin")
	assert.Equal(t, "2028-04-01T00:00:00+02:00", march.End(1).Format(time.RFC3339))
	assert.Equal(t, 743*time.Hour, march.End(1).Sub(march.End(0)))
	// It falls back on 29 October 2028: October is 745 hours.
	october := term(renewalAt(2028, 10, 1, berlin), "Europe/Berlin")
	assert.Equal(t, "2028-11-01T00:00:00+01:00", october.End(1).Format(time.RFC3339))
	assert.Equal(t, 745*time.Hour, october.End(1).Sub(october.End(0)))

	// Santiago jumps from 00:00 to 01:00 on 3 September 2028 (04:00 UTC):
	// time.Date answers 23:00 the day before for that midnight; the term
	// ends at the jump, which the clock shows as 01:00.
	assert.Equal(t, 2, time.Date(2028, 9, 3, 0, 0, 0, 0, santiago).Day())
	aug := term(time.Date(2028, 8, 3, 12, 0, 0, 0, santiago), "America/Santiago")
	assert.Equal(t, "2028-09-03T01:00:00-03:00", aug.End(1).Format(time.RFC3339))
	assert.Equal(t, "2028-08-03T00:00:00-04:00", aug.End(0).Format(time.RFC3339))
	// Three months' notice before an end on that day (counted from 3
	// December 2028): the notice dates are ordinary midnights.
	dec := supplier.Term{Start: renewalAt(2028, 6, 3, santiago), Months: 3, Zone: "America/Santiago", Renewal: supplier.RenewTacit, NoticeMonths: 1}
	assert.Equal(t, "2028-09-03T01:00:00-03:00", dec.End(1).Format(time.RFC3339))
	assert.Equal(t, "2028-08-03T00:00:00-04:00", dec.NoticeBy(dec.End(1)).Format(time.RFC3339))

	// Havana jumps from 00:00 to 01:00 on 12 March 2028, and goes back
	// from 01:00 to 00:00 on 5 November 2028: that midnight happens twice,
	// and the day starts at the first (00:00 -04:00, 04:00 UTC).
	feb := term(time.Date(2028, 2, 12, 12, 0, 0, 0, time.UTC), "America/Havana")
	assert.Equal(t, "2028-03-12T01:00:00-04:00", feb.End(1).Format(time.RFC3339))
	oct := term(time.Date(2028, 10, 5, 12, 0, 0, 0, time.UTC), "America/Havana")
	assert.Equal(t, "2028-11-05T04:00:00Z", oct.End(1).UTC().Format(time.RFC3339))

	// Samoa skipped 30 December 2011: a term ending that day ends when
	// 31 December began (10:00 UTC on the 30th); the next end, 30 January
	// 2012, still counts from the start.
	nov := term(time.Date(2011, 11, 30, 12, 0, 0, 0, time.UTC), "Pacific/Apia")
	assert.Equal(t, "2011-12-31T00:00:00+14:00", nov.End(1).Format(time.RFC3339))
	assert.Equal(t, "2012-01-30T00:00:00+14:00", nov.End(2).Format(time.RFC3339))
}

func TestTermNoticeBy(t *testing.T) {
	t.Parallel()
	berlin := renewalZone(t, "Europe/Berlin")
	notice := func(months, days int) supplier.Term {
		return supplier.Term{Start: renewalAt(2027, 1, 1, berlin), Months: 60, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit, NoticeMonths: months, NoticeDays: days}
	}
	cases := []struct {
		name         string
		term         supplier.Term
		end, want    time.Time
		roundTrips   bool      // counting the notice forward from want returns to end
		forwardLands time.Time // where it lands otherwise
	}{
		// 29 February - 3 months = 29 November 2027; + 3 months = 29
		// February again.
		{"three months before 29 February 2028", notice(3, 0), renewalAt(2028, 2, 29, berlin), renewalAt(2027, 11, 29, berlin), true, time.Time{}},
		// 31 May - 3 months = 31 February: clamped to 29 February in
		// 2028, 28 February in 2027; forward again lands on 29 and 28 May.
		{"three months before 31 May 2028", notice(3, 0), renewalAt(2028, 5, 31, berlin), renewalAt(2028, 2, 29, berlin), false, renewalAt(2028, 5, 29, berlin)},
		{"three months before 31 May 2027", notice(3, 0), renewalAt(2027, 5, 31, berlin), renewalAt(2027, 2, 28, berlin), false, renewalAt(2027, 5, 28, berlin)},
		// 31 March - 1 month = 31 February, clamped to 29 February.
		{"a month before 31 March 2028", notice(1, 0), renewalAt(2028, 3, 31, berlin), renewalAt(2028, 2, 29, berlin), false, renewalAt(2028, 3, 29, berlin)},
		// 1 March - 14 days: 29 February is the 1st day back, 16 February
		// the 14th.
		{"14 days before 1 March 2028", notice(0, 14), renewalAt(2028, 3, 1, berlin), renewalAt(2028, 2, 16, berlin), true, time.Time{}},
		// Days first, then months: 31 May - 15 days = 16 May, - 1 month =
		// 16 April; forward: 16 May, then 31 May.
		{"a month and 15 days before 31 May 2028", notice(1, 15), renewalAt(2028, 5, 31, berlin), renewalAt(2028, 4, 16, berlin), true, time.Time{}},
		// No notice: the start of the end's date.
		{"no notice", notice(0, 0), renewalAt(2028, 2, 29, berlin), renewalAt(2028, 2, 29, berlin), true, time.Time{}},
		// An end given with a time of day is read as its date.
		{"an end at 15:00", notice(3, 0), time.Date(2028, 2, 29, 15, 0, 0, 0, berlin), renewalAt(2027, 11, 29, berlin), true, time.Time{}},
		// 26 March 2028 (the clock goes forward that night) - 3 months =
		// 26 December 2027, at 00:00 CET.
		{"three months before the clock change", notice(3, 0), renewalAt(2028, 3, 26, berlin), renewalAt(2027, 12, 26, berlin), true, time.Time{}},
	}
	for _, tc := range cases {
		require.NoError(t, tc.term.Validate(), tc.name)
		got := tc.term.NoticeBy(tc.end)
		assert.True(t, got.Equal(tc.want), "%s: NoticeBy = %v, want %v", tc.name, got, tc.want)
		forward := supplier.Term{Start: got, Months: tc.term.NoticeMonths, Days: tc.term.NoticeDays, Zone: tc.term.Zone}.End(1)
		end := renewalAt(tc.end.Year(), tc.end.Month(), tc.end.Day(), berlin)
		if tc.roundTrips {
			assert.True(t, forward.Equal(end), "%s: forward again %v, want %v", tc.name, forward, end)
		} else {
			assert.True(t, forward.Equal(tc.forwardLands), "%s: forward again %v, want %v", tc.name, forward, tc.forwardLands)
		}
	}
}

func TestTermEndAsOfTacit(t *testing.T) {
	t.Parallel()
	berlin := renewalZone(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, berlin) }
	// Yearly from 1 January 2028, three months' notice: term k ends on 1
	// January 2028+k, its notice date is 1 October 2027+k.
	yearly := supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit, NoticeMonths: 3}
	// Monthly from 31 January 2028, 14 days' notice: ends 29 February
	// (notice date 15 February), 31 March (17 March), 30 April (16
	// April), 31 May (17 May).
	monthly := supplier.Term{Start: renewalAt(2028, 1, 31, berlin), Months: 1, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit, NoticeDays: 14}
	// Yearly with no notice period: notice any time before the end.
	atWill := supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit}
	none := time.Time{}
	cases := []struct {
		name         string
		term         supplier.Term
		asOf, notice time.Time
		end          time.Time
		renewed      int
	}{
		{"notice on time", yearly, at(2028, 12, 1, 0, 0, 0), at(2028, 9, 15, 10, 0, 0), renewalAt(2029, 1, 1, berlin), 0},
		{"notice on time, asked after the end", yearly, at(2029, 6, 1, 0, 0, 0), at(2028, 9, 15, 10, 0, 0), renewalAt(2029, 1, 1, berlin), 0},
		{"notice in the last second", yearly, at(2028, 10, 2, 0, 0, 0), at(2028, 9, 30, 23, 59, 59), renewalAt(2029, 1, 1, berlin), 0},
		{"notice at the notice date is late", yearly, at(2028, 10, 2, 0, 0, 0), at(2028, 10, 1, 0, 0, 0), renewalAt(2030, 1, 1, berlin), 1},
		{"notice late: the following end", yearly, at(2028, 11, 1, 0, 0, 0), at(2028, 10, 1, 9, 0, 0), renewalAt(2030, 1, 1, berlin), 1},
		{"notice late for the second term too", yearly, at(2029, 10, 6, 0, 0, 0), at(2029, 10, 5, 9, 0, 0), renewalAt(2031, 1, 1, berlin), 2},
		{"notice before the start", yearly, at(2027, 12, 2, 0, 0, 0), at(2027, 12, 1, 0, 0, 0), renewalAt(2029, 1, 1, berlin), 0},
		{"no notice, before the notice date", yearly, at(2028, 6, 1, 0, 0, 0), none, renewalAt(2029, 1, 1, berlin), 0},
		{"no notice, at the notice date: renewed", yearly, at(2028, 10, 1, 0, 0, 0), none, renewalAt(2030, 1, 1, berlin), 1},
		{"no notice, in the fourth term", yearly, at(2031, 3, 1, 0, 0, 0), none, renewalAt(2032, 1, 1, berlin), 3},
		{"no notice, before the start", yearly, at(2027, 12, 1, 0, 0, 0), none, renewalAt(2029, 1, 1, berlin), 0},
		// Notice given on 1 February 2029 is not known on 1 June 2028 (the
		// first end is in force) nor on 1 November 2028 (the first renewal
		// is bound); once given it is on time for the second term (notice
		// date 1 October 2029).
		{"notice given after asOf is not known", yearly, at(2028, 6, 1, 0, 0, 0), at(2029, 2, 1, 0, 0, 0), renewalAt(2029, 1, 1, berlin), 0},
		{"notice given after asOf, the renewal bound", yearly, at(2028, 11, 1, 0, 0, 0), at(2029, 2, 1, 0, 0, 0), renewalAt(2030, 1, 1, berlin), 1},
		{"the same notice, once given", yearly, at(2029, 3, 1, 0, 0, 0), at(2029, 2, 1, 0, 0, 0), renewalAt(2030, 1, 1, berlin), 1},
		{"month end, notice on time", monthly, at(2028, 2, 14, 12, 0, 0), at(2028, 2, 14, 12, 0, 0), renewalAt(2028, 2, 29, berlin), 0},
		{"month end, notice late: 31 March, not 29 March", monthly, at(2028, 2, 15, 10, 0, 0), at(2028, 2, 15, 10, 0, 0), renewalAt(2028, 3, 31, berlin), 1},
		{"month end, no notice past 16 April", monthly, at(2028, 4, 20, 0, 0, 0), none, renewalAt(2028, 5, 31, berlin), 3},
		{"no notice period, notice the hour before the end", atWill, at(2028, 12, 31, 23, 0, 0), at(2028, 12, 31, 23, 0, 0), renewalAt(2029, 1, 1, berlin), 0},
		{"no notice period, notice at the end", atWill, at(2029, 1, 1, 0, 0, 0), at(2029, 1, 1, 0, 0, 0), renewalAt(2030, 1, 1, berlin), 1},
	}
	for _, tc := range cases {
		require.NoError(t, tc.term.Validate(), tc.name)
		end, renewed := tc.term.EndAsOf(tc.asOf, tc.notice)
		assert.True(t, end.Equal(tc.end), "%s: end %v, want %v", tc.name, end, tc.end)
		assert.Equal(t, tc.renewed, renewed, tc.name)
		assert.True(t, end.Equal(tc.term.End(renewed+1)), "%s: the end is End(renewed+1)", tc.name)
	}
}

func TestTermNeverAndRenewExpress(t *testing.T) {
	t.Parallel()
	berlin := renewalZone(t, "Europe/Berlin")
	never := supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewNever, NoticeMonths: 3}
	for _, asOf := range []time.Time{renewalAt(2027, 6, 1, berlin), renewalAt(2028, 11, 1, berlin), renewalAt(2035, 1, 1, berlin)} {
		for _, notice := range []time.Time{{}, renewalAt(2028, 2, 1, berlin), renewalAt(2028, 10, 15, berlin)} {
			end, renewed := never.EndAsOf(asOf, notice)
			assert.Equal(t, renewalAt(2029, 1, 1, berlin), end)
			assert.Zero(t, renewed)
		}
	}
	_, err := never.Renew(renewalAt(2028, 2, 1, berlin))
	renewalRefused(t, err, "term.renewal")
	_, err = supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Months: 12, Renewal: supplier.RenewTacit}.Renew(renewalAt(2028, 2, 1, berlin))
	renewalRefused(t, err, "term.renewal")
	_, err = supplier.Term{Months: 12, Renewal: supplier.RenewExpress}.Renew(renewalAt(2028, 2, 1, berlin))
	renewalRefused(t, err, "term.start")

	// Monthly from 31 January 2028, decided any time before the end: it
	// ends on 29 February; renewed on 28 February, on 31 March; renewed
	// again, on 30 April (three months from 31 January, not from 29
	// February or 31 March).
	express := supplier.Term{Start: renewalAt(2028, 1, 31, berlin), Months: 1, Zone: "Europe/Berlin", Renewal: supplier.RenewExpress}
	end, renewed := express.EndAsOf(renewalAt(2028, 6, 1, berlin), renewalAt(2028, 2, 1, berlin))
	assert.Equal(t, renewalAt(2028, 2, 29, berlin), end)
	assert.Zero(t, renewed)
	once, err := express.Renew(time.Date(2028, 2, 28, 12, 0, 0, 0, berlin))
	require.NoError(t, err)
	assert.Equal(t, 1, once.Renewed)
	end, renewed = once.EndAsOf(renewalAt(2028, 1, 1, berlin), time.Time{})
	assert.Equal(t, renewalAt(2028, 3, 31, berlin), end)
	assert.Equal(t, 1, renewed)
	twice, err := once.Renew(renewalAt(2028, 3, 30, berlin))
	require.NoError(t, err)
	end, renewed = twice.EndAsOf(renewalAt(2028, 1, 1, berlin), time.Time{})
	assert.Equal(t, renewalAt(2028, 4, 30, berlin), end)
	assert.Equal(t, 2, renewed)
	// A decision at the end is too late: the contract has ended.
	late, err := twice.Renew(renewalAt(2028, 4, 30, berlin))
	renewalRefused(t, err, "term.renewed")
	assert.Equal(t, twice, late, "a refused renewal leaves the term as it was")

	// Yearly from 1 January 2028, to be decided a month before the end:
	// by 1 December 2028.
	decided := supplier.Term{Start: renewalAt(2028, 1, 1, berlin), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewExpress, NoticeMonths: 1}
	_, err = decided.Renew(renewalAt(2028, 12, 1, berlin))
	renewalRefused(t, err, "term.renewed")
	next, err := decided.Renew(time.Date(2028, 11, 30, 23, 59, 0, 0, berlin))
	require.NoError(t, err)
	end, _ = next.EndAsOf(time.Time{}, time.Time{})
	assert.Equal(t, renewalAt(2030, 1, 1, berlin), end)
}

// renewalRefused asserts a *sms.ValidationError of a contract on field.
func renewalRefused(t *testing.T, err error, field string) {
	t.Helper()
	var ve *sms.ValidationError
	if assert.ErrorAs(t, err, &ve, field) {
		assert.ErrorIs(t, err, sms.ErrInvalid)
		assert.Equal(t, supplier.ContractKind, ve.Kind, field)
		assert.Equal(t, field, ve.Field, "%v", err)
	}
}

func TestTermValidate(t *testing.T) {
	t.Parallel()
	start := time.Date(2028, 1, 31, 9, 30, 0, 0, time.UTC)
	base := supplier.Term{Start: start, Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit, NoticeMonths: 3}
	with := func(f func(*supplier.Term)) supplier.Term {
		t := base
		f(&t)
		return t
	}
	refused := []struct {
		name, field string
		term        supplier.Term
	}{
		{"no start", "term.start", with(func(t *supplier.Term) { t.Start = time.Time{} })},
		{"a start in 1850", "term.start", with(func(t *supplier.Term) { t.Start = time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{"an unknown zone", "term.zone", with(func(t *supplier.Term) { t.Zone = "Mars/Olympus" })},
		{"negative months", "term.months", with(func(t *supplier.Term) { t.Months = -1 })},
		{"negative days", "term.days", with(func(t *supplier.Term) { t.Days = -1 })},
		{"negative notice months", "term.notice_months", with(func(t *supplier.Term) { t.NoticeMonths = -1 })},
		{"negative notice days", "term.notice_days", with(func(t *supplier.Term) { t.NoticeDays = -1 })},
		{"over a hundred years of months", "term.months", with(func(t *supplier.Term) { t.Months = 1201 })},
		{"over a hundred years of days", "term.days", with(func(t *supplier.Term) { t.Months, t.Days = 0, 36526 })},
		// A term that ends where it starts (End(1) == End(0)), the only way
		// a term of counts that are not negative ends before it starts.
		{"neither months nor days", "term", with(func(t *supplier.Term) { t.Months, t.NoticeMonths = 0, 0 })},
		{"no renewal kind", "term.renewal", with(func(t *supplier.Term) { t.Renewal = "" })},
		{"an unknown renewal kind", "term.renewal", with(func(t *supplier.Term) { t.Renewal = "automatic" })},
		{"renewals counted for a tacit renewal", "term.renewed", with(func(t *supplier.Term) { t.Renewed = 1 })},
		{"negative renewals", "term.renewed", with(func(t *supplier.Term) { t.Renewal, t.Renewed = supplier.RenewExpress, -1 })},
		{"renewals past 9999", "term.renewed", with(func(t *supplier.Term) { t.Renewal, t.Renewed = supplier.RenewExpress, 8000 })},
		{"renewals far past 9999", "term.renewed", with(func(t *supplier.Term) { t.Renewal, t.Renewed = supplier.RenewExpress, 5_000_000 })},
		// Notice as long as or longer than the term.
		{"a year's notice on a year", "term.notice", with(func(t *supplier.Term) { t.NoticeMonths = 12 })},
		{"13 months' notice on a year", "term.notice", with(func(t *supplier.Term) { t.NoticeMonths = 13 })},
		// 28 days, as long as a February.
		{"28 days' notice on a month", "term.notice", with(func(t *supplier.Term) { t.Months, t.NoticeMonths, t.NoticeDays = 1, 0, 28 })},
		// A month can be 31 days.
		{"a month's notice on 31 days", "term.notice", with(func(t *supplier.Term) { t.Months, t.Days, t.NoticeMonths = 0, 31, 1 })},
		// Up to 31 + 1 = 32 days against as few as 28 + 3 = 31.
		{"a month and a day on a month and three days", "term.notice", with(func(t *supplier.Term) { t.Months, t.Days, t.NoticeMonths, t.NoticeDays = 1, 3, 1, 1 })},
		{"365 days' notice on a year", "term.notice", with(func(t *supplier.Term) { t.NoticeMonths, t.NoticeDays = 0, 365 })},
	}
	for _, tc := range refused {
		renewalRefused(t, tc.term.Validate(), tc.field)
	}
	accepted := map[string]supplier.Term{
		"three months' notice on a year":                 base,
		"no zone is UTC":                                 with(func(t *supplier.Term) { t.Zone = "" }),
		"27 days' notice on a month":                     with(func(t *supplier.Term) { t.Months, t.NoticeMonths, t.NoticeDays = 1, 0, 27 }),
		"11 months' notice on a year":                    with(func(t *supplier.Term) { t.NoticeMonths = 11 }),
		"364 days' notice on a year":                     with(func(t *supplier.Term) { t.NoticeMonths, t.NoticeDays = 0, 364 }),
		"a month's notice on 32 days":                    with(func(t *supplier.Term) { t.Months, t.Days, t.NoticeMonths = 0, 32, 1 }),
		"a tacit renewal with no notice period":          with(func(t *supplier.Term) { t.NoticeMonths = 0 }),
		"never renewed, with notice":                     with(func(t *supplier.Term) { t.Renewal = supplier.RenewNever }),
		"express, renewed three times":                   with(func(t *supplier.Term) { t.Renewal, t.Renewed = supplier.RenewExpress, 3 }),
		"a hundred years":                                with(func(t *supplier.Term) { t.Months = 1200 }),
		"a day":                                          with(func(t *supplier.Term) { t.Months, t.Days, t.NoticeMonths = 0, 1, 0 }),
		"a start given as an instant with a time of day": with(func(t *supplier.Term) { t.Start = time.Date(2028, 1, 31, 23, 59, 59, 0, time.UTC) }),
	}
	for name, term := range accepted {
		assert.NoError(t, term.Validate(), name)
	}
	assert.Equal(t, []supplier.Renewal{supplier.RenewNever, supplier.RenewTacit, supplier.RenewExpress}, supplier.Renewals())
	err := with(func(t *supplier.Term) { t.NoticeMonths = 12 }).Validate()
	assert.EqualError(t, err, "contract: invalid term.notice: 12 months can be as long as the term of 12 months (up to 366 days, against a term as short as 365)")
}

// The notice rule's extremes, against runs of calendar months counted
// here from a table of month lengths over the 400-year Gregorian cycle:
// a notice of fewer days than the shortest run of k months is accepted
// on a term of k months, and one of as many refused; a term of more days
// than the longest run of k months accepts k months' notice, one of as
// many refuses it.
func TestTermNoticeAgainstMonthRuns(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)
	// Hand-counted: one month 28 (February) to 31; two 59 (January and
	// February) to 62 (July and August); three 89 (February to April) to
	// 92 (June to August); six 181 (September to February) to 184 (March
	// to August); twelve 365 to 366; 48 months 1460 (March 2099 to
	// February 2103: 2100 is not leap) to 1461.
	hand := map[int][2]int{1: {28, 31}, 2: {59, 62}, 3: {89, 92}, 6: {181, 184}, 12: {365, 366}, 48: {1460, 1461}}
	ks := []int{96, 600, 1199, 1200}
	for k := 1; k <= 24; k++ {
		ks = append(ks, k)
	}
	ks = append(ks, 48)
	for _, k := range ks {
		shortest, longest := refMonthRuns(k)
		if h, ok := hand[k]; ok {
			assert.Equal(t, h, [2]int{shortest, longest}, "runs of %d months", k)
		}
		term := supplier.Term{Start: start, Months: k, Renewal: supplier.RenewTacit}
		term.NoticeDays = shortest - 1
		assert.NoError(t, term.Validate(), "%d days' notice on %d months", term.NoticeDays, k)
		term.NoticeDays = shortest
		renewalRefused(t, term.Validate(), "term.notice")
		if longest+1 > 36525 {
			continue
		}
		days := supplier.Term{Start: start, Days: longest + 1, Renewal: supplier.RenewTacit, NoticeMonths: k}
		assert.NoError(t, days.Validate(), "%d months' notice on %d days", k, days.Days)
		days.Days = longest
		renewalRefused(t, days.Validate(), "term.notice")
	}
	// Fewer months and no days, or fewer days and no months, is always
	// accepted: the tightest case is one less.
	for m := 1; m <= 1200; m++ {
		assert.NoError(t, supplier.Term{Start: start, Months: m, Renewal: supplier.RenewTacit, NoticeMonths: m - 1}.Validate(), "%d months on %d", m-1, m)
	}
	for d := 1; d <= 36525; d += 97 {
		assert.NoError(t, supplier.Term{Start: start, Days: d, Renewal: supplier.RenewTacit, NoticeDays: d - 1}.Validate(), "%d days on %d", d-1, d)
		renewalRefused(t, supplier.Term{Start: start, Days: d, Renewal: supplier.RenewTacit, NoticeDays: d}.Validate(), "term.notice")
	}
}

// The independent implementation the property tests compare against:
// plain civil dates stepped one day or one month at a time with a table
// of month lengths, and the start of a day found by bisecting the
// instants for the first whose local date is that day.

type refDay struct{ y, m, d int }

var refMonthLength = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func refLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func refLength(y, m int) int {
	if m == 2 && refLeap(y) {
		return 29
	}
	return refMonthLength[m]
}

func (a refDay) less(b refDay) bool {
	if a.y != b.y {
		return a.y < b.y
	}
	if a.m != b.m {
		return a.m < b.m
	}
	return a.d < b.d
}

func (a refDay) tomorrow() refDay {
	a.d++
	if a.d > refLength(a.y, a.m) {
		a.d, a.m = 1, a.m+1
		if a.m > 12 {
			a.m, a.y = 1, a.y+1
		}
	}
	return a
}

func (a refDay) yesterday() refDay {
	a.d--
	if a.d < 1 {
		a.m--
		if a.m < 1 {
			a.m, a.y = 12, a.y-1
		}
		a.d = refLength(a.y, a.m)
	}
	return a
}

// shift moves n months (back for n < 0) one month at a time, keeping the
// day, then clamps it to the month it lands in.
func (a refDay) shift(n int) refDay {
	for ; n > 0; n-- {
		if a.m++; a.m > 12 {
			a.m, a.y = 1, a.y+1
		}
	}
	for ; n < 0; n++ {
		if a.m--; a.m < 1 {
			a.m, a.y = 12, a.y-1
		}
	}
	if l := refLength(a.y, a.m); a.d > l {
		a.d = l
	}
	return a
}

func refDayOf(t time.Time, loc *time.Location) refDay {
	y, m, d := t.In(loc).Date()
	return refDay{y, int(m), d}
}

func refTermEnd(start refDay, months, days, n int) refDay {
	e := start.shift(n * months)
	for range n * days {
		e = e.tomorrow()
	}
	return e
}

func refNotice(end refDay, months, days int) refDay {
	for range days {
		end = end.yesterday()
	}
	return end.shift(-months)
}

// refStart bisects the seconds around the day for the first instant whose
// local date is d or later (no zone is more than 14 hours from UTC).
func refStart(d refDay, loc *time.Location) time.Time {
	u := time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC).Unix()
	lo, hi := u-26*3600, u+26*3600
	for lo < hi {
		mid := lo + (hi-lo)/2
		if refDayOf(time.Unix(mid, 0), loc).less(d) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0)
}

// refMonthRuns returns the fewest and the most days in k consecutive
// months, over every start month of the 400-year cycle from 2001.
func refMonthRuns(k int) (shortest, longest int) {
	shortest = 1 << 30
	for y := 2001; y < 2401; y++ {
		for m := 1; m <= 12; m++ {
			sum, yy, mm := 0, y, m
			for range k {
				sum += refLength(yy, mm)
				if mm++; mm > 12 {
					mm, yy = 1, yy+1
				}
			}
			shortest, longest = min(shortest, sum), max(longest, sum)
		}
	}
	return shortest, longest
}

// renewalZones are the zones the property tests draw from: without clock
// changes, with them at 02:00 or 03:00, at midnight (Santiago, Havana), by
// half an hour (Lord Howe), at 02:45 (Chatham), and Samoa, which skipped
// a day.
var renewalZones = []string{"", "UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "America/Havana",
	"Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Apia"}

type renewalCase struct {
	term  supplier.Term
	loc   *time.Location
	start refDay
}

// renewalRandom draws a term from 2000 to 2100, its start's day often at a
// month's end, of months (often a month, a quarter, a year), days or both,
// and a notice drawn below the term (valid or not, as it falls).
func renewalRandom(rng *rand.Rand, locs map[string]*time.Location) renewalCase {
	zone := renewalZones[rng.IntN(len(renewalZones))]
	loc := locs[zone]
	y, m := 2000+rng.IntN(101), 1+rng.IntN(12)
	d := 1 + rng.IntN(refLength(y, m))
	if rng.IntN(2) == 0 {
		d = max(1, refLength(y, m)-rng.IntN(4))
	}
	// Between 03:00 and 20:59 the date is the one asked for in every zone.
	start := time.Date(y, time.Month(m), d, 3+rng.IntN(18), rng.IntN(60), 0, 0, loc)
	if rng.IntN(3) == 0 {
		start = start.UTC()
	}
	var months, days int
	switch rng.IntN(4) {
	case 0:
		months = []int{1, 1, 2, 3, 6, 12, 12, 24, 36}[rng.IntN(9)]
	case 1:
		months = 1 + rng.IntN(60)
	case 2:
		days = 1 + rng.IntN(400)
	default:
		months, days = 1+rng.IntN(13), 1+rng.IntN(40)
	}
	var nm, nd int
	switch rng.IntN(4) {
	case 0:
	case 1:
		nm = rng.IntN(months + 1)
	case 2:
		nd = rng.IntN(months*31 + days + 1)
	default:
		nm, nd = rng.IntN(months+1), rng.IntN(31)
	}
	renewal := supplier.Renewals()[rng.IntN(3)]
	term := supplier.Term{Start: start, Months: months, Days: days, Zone: zone, Renewal: renewal, NoticeMonths: nm, NoticeDays: nd}
	return renewalCase{term: term, loc: loc, start: refDayOf(start, loc)}
}

func renewalLocations(t testing.TB) map[string]*time.Location {
	locs := map[string]*time.Location{"": time.UTC}
	for _, z := range renewalZones[1:] {
		locs[z] = renewalZone(t, z)
	}
	return locs
}

// End(n) against the independent implementation, over random terms: the
// start of the date the reference counts, at midnight where midnight
// exists; increasing with n; and restarting a term from End(n-1) gives
// End(n) exactly where the documented rule says (a term of days alone,
// or of months alone from an end that was not clamped), and never a
// later end for a term of months alone.
func TestTermPropertyEnd(t *testing.T) {
	t.Parallel()
	locs := renewalLocations(t)
	rng := rand.New(rand.NewPCG(2028, 229))
	var chained, clamped int
	for i := range 4000 {
		c := renewalRandom(rng, locs)
		tm := c.term
		prev := tm.End(0)
		require.True(t, prev.Equal(refStart(c.start, c.loc)), "case %d %+v: End(0) = %v", i, tm, prev)
		for n := 1; n <= 10; n++ {
			want := refTermEnd(c.start, tm.Months, tm.Days, n)
			got := tm.End(n)
			require.True(t, got.Equal(refStart(want, c.loc)), "case %d %+v: End(%d) = %v, want the start of %v", i, tm, n, got, want)
			if local := got.In(c.loc); refDayOf(got, c.loc) == want && (local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0) {
				// Only where the zone's clock jumps over midnight.
				_, before := got.Add(-time.Second).In(c.loc).Zone()
				_, after := local.Zone()
				require.NotEqual(t, before, after, "case %d %+v: End(%d) = %v is not at midnight and no clock change", i, tm, n, local)
			}
			require.True(t, got.After(prev), "case %d %+v: End(%d) = %v is not after End(%d) = %v", i, tm, n, got, n-1, prev)
			restart := supplier.Term{Start: prev, Months: tm.Months, Days: tm.Days, Zone: tm.Zone}.End(1)
			prevDay := refTermEnd(c.start, tm.Months, tm.Days, n-1)
			switch {
			case tm.Months == 0:
				require.True(t, restart.Equal(got), "case %d %+v: a term of days restarted at End(%d)", i, tm, n-1)
				chained++
			case tm.Days == 0 && prevDay.d == c.start.d:
				require.True(t, restart.Equal(got), "case %d %+v: restarted at an End(%d) that was not clamped", i, tm, n-1)
				chained++
			case tm.Days == 0:
				require.False(t, restart.After(got), "case %d %+v: restarted at a clamped End(%d), %v is after End(%d) %v", i, tm, n-1, restart, n, got)
				clamped++
			}
			prev = got
		}
	}
	assert.Greater(t, clamped, 400, "the cases reach clamped ends")
	assert.Greater(t, chained, 1000)
}

// NoticeBy against the independent implementation: never after the end;
// inside the term for a valid term (after the end before); and counting
// the notice forward again from it returns to the end, unless counting
// back was clamped, when it lands before.
func TestTermPropertyNotice(t *testing.T) {
	t.Parallel()
	locs := renewalLocations(t)
	rng := rand.New(rand.NewPCG(2029, 1130))
	var valid, roundTrips, clamped int
	for i := range 3000 {
		c := renewalRandom(rng, locs)
		tm := c.term
		ok := tm.Validate() == nil
		if ok {
			valid++
		}
		for n := 1; n <= 6; n++ {
			endDay := refTermEnd(c.start, tm.Months, tm.Days, n)
			end := tm.End(n)
			by := tm.NoticeBy(end)
			want := refNotice(endDay, tm.NoticeMonths, tm.NoticeDays)
			require.True(t, by.Equal(refStart(want, c.loc)), "case %d %+v: NoticeBy(%v) = %v, want the start of %v", i, tm, end, by, want)
			require.False(t, by.After(end), "case %d %+v: NoticeBy(%v) = %v", i, tm, end, by)
			if ok {
				require.True(t, by.After(tm.End(n-1)), "case %d %+v: NoticeBy(End(%d)) = %v is not inside the term", i, tm, n, by)
			}
			forward := supplier.Term{Start: by, Months: tm.NoticeMonths, Days: tm.NoticeDays, Zone: tm.Zone}.End(1)
			back := endDay
			for range tm.NoticeDays {
				back = back.yesterday()
			}
			if back.shift(-tm.NoticeMonths).d == back.d {
				require.True(t, forward.Equal(end), "case %d %+v: forward from NoticeBy(End(%d)) = %v, want %v", i, tm, n, forward, end)
				roundTrips++
			} else {
				require.True(t, forward.Before(end), "case %d %+v: forward from a clamped NoticeBy(End(%d)) = %v, want before %v", i, tm, n, forward, end)
				clamped++
			}
		}
	}
	assert.Greater(t, valid, 1000)
	assert.Greater(t, roundTrips, 1000)
	assert.Greater(t, clamped, 100, "the cases reach clamped notice dates")
}

// EndAsOf against a simulation term by term: for a tacit renewal, the end
// of the first term whose notice date is after the notice (given by asOf)
// or else after asOf; for the others End(Renewed+1). Notice is drawn
// absent, given by asOf, and given after it.
func TestTermPropertyEndAsOf(t *testing.T) {
	t.Parallel()
	locs := renewalLocations(t)
	rng := rand.New(rand.NewPCG(31, 531))
	between := func(a, b time.Time) time.Time { return a.Add(time.Duration(rng.Int64N(int64(b.Sub(a)) + 1))) }
	var tacit, known, renewedSome int
	for i := 0; i < 3000; {
		c := renewalRandom(rng, locs)
		tm := c.term
		if tm.Renewal == supplier.RenewExpress {
			tm.Renewed = rng.IntN(5)
		}
		if tm.Validate() != nil {
			continue
		}
		i++
		asOf := between(tm.End(0).Add(-40*24*time.Hour), tm.End(8))
		var notice time.Time
		switch rng.IntN(3) {
		case 1:
			notice = between(tm.End(0).Add(-60*24*time.Hour), asOf)
		case 2:
			notice = between(asOf, asOf.Add(400*24*time.Hour))
		}
		end, renewed := tm.EndAsOf(asOf, notice)
		k := 1
		switch tm.Renewal {
		case supplier.RenewExpress:
			k = tm.Renewed + 1
		case supplier.RenewTacit:
			tacit++
			x := asOf
			if !notice.IsZero() && !notice.After(asOf) {
				x, known = notice, known+1
			}
			for !x.Before(refStart(refNotice(refTermEnd(c.start, tm.Months, tm.Days, k), tm.NoticeMonths, tm.NoticeDays), c.loc)) {
				k++
			}
			if k > 1 {
				renewedSome++
			}
		}
		require.Equal(t, k-1, renewed, "case %d %+v as of %v, notice %v", i, tm, asOf, notice)
		require.True(t, end.Equal(refStart(refTermEnd(c.start, tm.Months, tm.Days, k), c.loc)), "case %d %+v as of %v, notice %v: end %v", i, tm, asOf, notice, end)
	}
	assert.Greater(t, tacit, 500)
	assert.Greater(t, known, 150)
	assert.Greater(t, renewedSome, 250)
}

// Bad terms, drawn at random, are refused with a *sms.ValidationError of
// a contract, never accepted and never a panic.
func TestTermPropertyRefusals(t *testing.T) {
	t.Parallel()
	locs := renewalLocations(t)
	rng := rand.New(rand.NewPCG(404, 13))
	spoil := []struct {
		field string
		f     func(*supplier.Term)
	}{
		{"term.start", func(t *supplier.Term) { t.Start = time.Time{} }},
		{"term.zone", func(t *supplier.Term) { t.Zone = "Nowhere/Atlantis" }},
		{"term.months", func(t *supplier.Term) { t.Months = -1 - rng.IntN(100) }},
		{"term.days", func(t *supplier.Term) { t.Days = -1 - rng.IntN(100) }},
		{"term.notice_months", func(t *supplier.Term) { t.NoticeMonths = -1 - rng.IntN(100) }},
		{"term.notice_days", func(t *supplier.Term) { t.NoticeDays = -1 - rng.IntN(100) }},
		{"term", func(t *supplier.Term) { t.Months, t.Days, t.NoticeMonths, t.NoticeDays = 0, 0, 0, 0 }},
		{"term.renewal", func(t *supplier.Term) { t.Renewal = supplier.Renewal(fmt.Sprint("kind", rng.IntN(10))) }},
		// Notice as long as the term: the same months and days, or more.
		{"term.notice", func(t *supplier.Term) {
			t.NoticeMonths, t.NoticeDays = t.Months+rng.IntN(3), t.Days+rng.IntN(3)
		}},
	}
	for i := range 2000 {
		c := renewalRandom(rng, locs)
		s := spoil[rng.IntN(len(spoil))]
		tm := c.term
		s.f(&tm)
		err := tm.Validate()
		var ve *sms.ValidationError
		require.True(t, errors.As(err, &ve), "case %d %+v: %v", i, tm, err)
		require.Equal(t, supplier.ContractKind, ve.Kind)
		require.Equal(t, s.field, ve.Field, "case %d %+v: %v", i, tm, err)
	}
}

// A monthly tacit term from 31 January 2028 in Berlin with 14 days'
// notice: each end and its notice date, then the end in force once notice
// is given on 16 February, a day after the first notice date.
func ExampleTerm() {
	term := supplier.Term{
		Start:      time.Date(2028, time.January, 31, 12, 0, 0, 0, time.UTC),
		Months:     1,
		Zone:       "Europe/Berlin",
		Renewal:    supplier.RenewTacit,
		NoticeDays: 14,
	}
	if err := term.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for n := 1; n <= 4; n++ {
		end := term.End(n)
		fmt.Printf("term %d ends %s, notice before %s\n", n, end.Format("Mon 2 Jan 2006 15:04 MST"), term.NoticeBy(end).Format("2 Jan"))
	}
	given := time.Date(2028, time.February, 16, 10, 0, 0, 0, time.UTC)
	end, renewed := term.EndAsOf(given, given)
	fmt.Printf("notice on 16 Feb: ends %s after %d renewal\n", end.Format("2 Jan 2006"), renewed)
	// Output:
	// term 1 ends Tue 29 Feb 2028 00:00 CET, notice before 15 Feb
	// term 2 ends Fri 31 Mar 2028 00:00 CEST, notice before 17 Mar
	// term 3 ends Sun 30 Apr 2028 00:00 CEST, notice before 16 Apr
	// term 4 ends Wed 31 May 2028 00:00 CEST, notice before 17 May
	// notice on 16 Feb: ends 31 Mar 2028 after 1 renewal
}
