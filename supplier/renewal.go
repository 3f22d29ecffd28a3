package supplier

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/iso20k/sms"
)

// Renewal says how a contract's term is renewed (SUP-02, SUP-13); the
// values are persisted.
type Renewal string

// Renewal kinds.
const (
	// RenewNever: the contract ends at the end of its first term. Notice
	// changes nothing.
	RenewNever Renewal = "never"
	// RenewTacit: at the end of each term the contract renews itself for
	// another term of the same length, unless notice is given before the
	// term's notice date ([Term.NoticeBy]). Notice given on or after it
	// ends the contract only at the end of the term after.
	RenewTacit Renewal = "tacit"
	// RenewExpress: the contract ends at the end of its term unless an
	// explicit decision to renew it is taken before the term's decision
	// date ([Term.NoticeBy] again: the notice period is then how long before
	// the end the decision is due; with none, any time before the end).
	// Each decision adds one term ([Term.Renew]).
	RenewExpress Renewal = "express"
)

// Renewals returns every renewal kind.
func Renewals() []Renewal { return []Renewal{RenewNever, RenewTacit, RenewExpress} }

// Bounds of a term and of its notice: a hundred years either way.
const (
	termMaxMonths = 1200
	termMaxDays   = 36525
)

// Term is a contract's term, its renewal and its notice, as civil dates in
// a named IANA time zone: GLPI's start date, duration, notice period and
// renewal, with the dates derived from them computed exactly at month ends,
// in leap years and across clock changes.
//
// # Days
//
// Every date is a civil date in Zone, and every instant the methods return
// is the start of such a date there: its local midnight, the first of two
// where the clock goes back over midnight, and where the clock jumps over
// midnight (America/Santiago, America/Havana) the instant it jumps, which
// the clock shows as 01:00. A date the zone skipped altogether (Samoa's 30
// December 2011) starts where the next date starts. Start is read as the
// date it falls on in Zone; its time of day is ignored.
//
// # The terms
//
// The first term covers [End(0), End(1)): from the start of Start's date
// up to, not including, the start of the date Months calendar months and
// then Days days after it; the term's last day is the day before that
// date. The n-th term covers [End(n-1), End(n)), and End(n) counts n times
// the term from the original start: n×Months months, then n×Days days.
//
// # The month-end rule
//
// A date N calendar months after another is on the same day of the month;
// where the month is too short for that day, it is the month's last day
// (the date is clamped, never carried into the next month as
// time.Time.AddDate does: 31 January plus one month is 28 or 29 February,
// not 2 or 3 March). Terms chain from the original start, not from the
// clamped date, so a monthly term from 31 January 2028 ends on
//
//	29 February 2028 (clamped), 31 March 2028, 30 April 2028 (clamped), 31 May 2028, ...
//
// and never drifts to the 29th. Restarting a term from the end of the one
// before gives the same end where that end was not clamped and the term
// is counted in months alone (31 March plus a month is 30 April, as above),
// and for a term counted in days alone; where it was clamped, restarting
// would drift to an earlier date (29 February plus a month is 29 March),
// which is why the terms count from the start. A yearly term from 29
// February 2028 ends on 28 February 2029, 2030 and 2031, then on 29
// February 2032.
//
// # Notice
//
// The notice period is NoticeMonths calendar months and NoticeDays days,
// counted back from the end of a term: the days first, then the months
// under the month-end rule (the mirror of the forward count). The term's
// notice date is the start of the date so reached; notice given at any
// instant before it is in time, at it or later is late. Three months'
// notice before an end on 29 February 2028 is due before 29 November
// 2027; before an end on 31 May, before 29 February in 2028 and 28
// February in 2027 (clamped). Counting the notice forward again from its
// date (months, then days) returns to the end, except where counting back
// was clamped: then it lands before the end (28 February 2027 plus three
// months is 28 May 2027).
//
// A notice period is refused when it could be as long as a term
// ([Term.Validate]), so a term's notice date always falls inside the term.
type Term struct {
	// Start is the first day of the first term.
	Start time.Time `json:"start"`
	// Months and Days are the length of a term: calendar months, then
	// days; at least one positive.
	Months int `json:"months,omitempty"`
	Days   int `json:"days,omitempty"`
	// Zone is the IANA time zone the dates are in ("" means UTC).
	Zone string `json:"zone,omitempty"`
	// Renewal says how the term is renewed.
	Renewal Renewal `json:"renewal"`
	// NoticeMonths and NoticeDays are the notice period: for a tacit
	// renewal, how long before a term's end notice stops the renewal; for
	// an express one, how long before it the renewal is to be decided.
	NoticeMonths int `json:"notice_months,omitempty"`
	NoticeDays   int `json:"notice_days,omitempty"`
	// Renewed counts the express renewals decided ([Term.Renew]): the
	// contract then runs Renewed+1 terms. It is zero for other renewals.
	Renewed int `json:"renewed,omitempty"`
}

// Validate returns a [*sms.ValidationError] (of [ContractKind], its field
// under "term.") for a term with no start or one outside the years 1900 to
// 9999, an unknown zone, a negative count, a term of neither months nor
// days (one that would end where it starts), a term or notice over a
// hundred years (1200 months, 36525 days), an unknown renewal kind, express
// renewals counted for another kind or past the year 9999, and a notice
// period that could be as long as a term.
//
// Months vary in length, so notice and term are compared at their
// extremes: the notice is refused unless its longest (its months as the
// longest run of that many consecutive calendar months, plus its days) is
// shorter than the term's shortest (likewise, with the shortest run). A run
// of one month is 28 to 31 days, of two 59 to 62, of three 89 to 92, of
// six 181 to 184, of twelve 365 to 366, of 48 1460 to 1461. So 27 days'
// notice on a monthly term is accepted and 28 refused (a February term is
// 28 days); eleven months' on a yearly term is accepted (337 days at most,
// against 365), twelve refused; one month's on a term of 31 days is
// refused, on one of 32 accepted. A notice of fewer months than the term's
// and no days, or of fewer days and no months, is always accepted.
func (t Term) Validate() error {
	bad := func(field, format string, args ...any) error {
		return sms.Invalid(ContractKind, "term"+field, format, args...)
	}
	if t.Start.IsZero() {
		return bad(".start", "is not set")
	}
	if err := sms.CheckTime(ContractKind, "term.start", t.Start); err != nil {
		return err
	}
	if _, err := termLocation(t.Zone); err != nil {
		return bad(".zone", "%q: %v", t.Zone, err)
	}
	for _, c := range []struct {
		field    string
		n, limit int
		unit     string
	}{
		{".months", t.Months, termMaxMonths, "months"},
		{".days", t.Days, termMaxDays, "days"},
		{".notice_months", t.NoticeMonths, termMaxMonths, "months"},
		{".notice_days", t.NoticeDays, termMaxDays, "days"},
	} {
		switch {
		case c.n < 0:
			return bad(c.field, "%d is negative", c.n)
		case c.n > c.limit:
			return bad(c.field, "%d is more than %d %s, a hundred years", c.n, c.limit, c.unit)
		}
	}
	if t.Months == 0 && t.Days == 0 {
		return bad("", "is neither months nor days: it would end where it starts")
	}
	if !slices.Contains(Renewals(), t.Renewal) {
		return bad(".renewal", "%q is not never, tacit or express", t.Renewal)
	}
	switch {
	case t.Renewed < 0:
		return bad(".renewed", "%d is negative", t.Renewed)
	case t.Renewed > 0 && t.Renewal != RenewExpress:
		return bad(".renewed", "counts %d renewals of a %s renewal: only express renewals are counted", t.Renewed, t.Renewal)
	case t.Renewed > (9999-1900+1)*366:
		return bad(".renewed", "%d renewals reach past the year 9999", t.Renewed)
	}
	if y := t.End(t.Renewed + 1).Year(); y > 9999 {
		return bad(".renewed", "%d renewals reach the year %d, past 9999", t.Renewed, y)
	}
	longest := termMonthRun(t.NoticeMonths, true) + t.NoticeDays
	shortest := termMonthRun(t.Months, false) + t.Days
	if longest >= shortest {
		return bad(".notice", "%s can be as long as the term of %s (up to %d days, against a term as short as %d)",
			termSpan(t.NoticeMonths, t.NoticeDays), termSpan(t.Months, t.Days), longest, shortest)
	}
	return nil
}

// End returns the end of the n-th term, n = 1 the first: the start of the
// date n×Months calendar months and then n×Days days after the start's
// date, in Zone, under the month-end rule of [Term]; End(0) (and any n
// below 1) is the start of the first term. The term covers [End(n-1),
// End(n)). It assumes a valid term ([Term.Validate]).
//
// A monthly term from 31 January 2028 in Europe/Berlin: End(1) is 29
// February 2028 00:00 CET, End(2) 31 March 2028 00:00 CEST (the second
// term is 743 hours: the clock went forward on 26 March), End(3) 30 April.
func (t Term) End(n int) time.Time {
	loc := t.location()
	return termDayStart(t.endDate(termDateOf(t.Start, loc), max(n, 0)), loc)
}

// NoticeBy returns the notice date of a term ending at end: the start of
// the date NoticeDays days and then NoticeMonths calendar months before
// end's date, in Zone, under the month-end rule of [Term]. Notice (for a
// tacit renewal) or the decision to renew (for an express one) given at
// any instant before it is in time; at it or later it is late. With no
// notice period it is the start of end's date. It assumes a valid term.
//
// Three months' notice before an end on 29 February 2028 is due before 29
// November 2027 00:00; before an end on 31 May 2028, before 29 February
// 2028 00:00 (clamped from 31 February).
func (t Term) NoticeBy(end time.Time) time.Time {
	loc := t.location()
	return termDayStart(t.noticeDate(termDateOf(end, loc)), loc)
}

// EndAsOf returns the end in force at asOf, and how many renewals that
// end includes: the end of term renewed+1. noticeGivenAt is when notice
// was given, the zero time for none; notice given after asOf is not known
// at asOf and is ignored.
//
// For a tacit renewal it is the end of the first term whose notice date
// is after the notice, when notice was given by asOf, or else after asOf:
// the earliest end the contract can still reach. The end is then final
// when notice was given; otherwise the contract renews unless notice is
// given before [Term.NoticeBy] of that end. A renewal counts once its
// notice date has passed without notice, though its term has not begun.
// For never it is End(1), 0; for express End(Renewed+1), Renewed
// (renewals are decided with [Term.Renew]); notice changes neither.
// It assumes a valid term.
//
// A yearly tacit term from 1 January 2028 with three months' notice: its
// first notice date is 1 October 2028. With notice given on 15 September
// 2028 it ends on 1 January 2029, renewed 0; with notice given on 1
// October 2028 at 09:00 (late) on 1 January 2030, renewed 1; with no
// notice, as of 1 June 2028 the end in force is 1 January 2029, renewed 0,
// and as of 1 October 2028 it is 1 January 2030, renewed 1.
func (t Term) EndAsOf(asOf, noticeGivenAt time.Time) (end time.Time, renewed int) {
	switch {
	case t.Renewal == RenewExpress:
		n := max(t.Renewed, 0) + 1
		return t.End(n), n - 1
	case t.Renewal != RenewTacit, t.Months < 0, t.Days < 0, t.Months == 0 && t.Days == 0:
		return t.End(1), 0
	}
	x := asOf
	if !noticeGivenAt.IsZero() && !noticeGivenAt.After(asOf) {
		x = noticeGivenAt
	}
	loc := t.location()
	start := termDateOf(t.Start, loc)
	inTime := func(k int) bool { // whether x is before the k-th term's notice date
		return x.Before(termDayStart(t.noticeDate(t.endDate(start, k)), loc))
	}
	// The notice dates increase with k: find the first one after x, the
	// k-th, with lo < k <= hi.
	lo, hi := 0, 1
	for !inTime(hi) && hi < 1<<30 {
		lo, hi = hi, 2*hi
	}
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; inTime(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return termDayStart(t.endDate(start, hi), loc), hi - 1
}

// Renew records an express renewal decided at: it returns the term with
// one more term agreed (Renewed+1), so that [Term.EndAsOf] gives the end
// of the next term, still counted from the original start under the
// month-end rule (renewed twice, a monthly term from 31 January 2028 ends
// on 30 April 2028, not 29 April). It returns a [*sms.ValidationError] for
// an invalid term, a renewal that is not express, and a decision taken at
// or after the current term's notice date ([Term.NoticeBy] of its end):
// too late, the contract ends.
func (t Term) Renew(at time.Time) (Term, error) {
	if err := t.Validate(); err != nil {
		return t, err
	}
	if t.Renewal != RenewExpress {
		return t, sms.Invalid(ContractKind, "term.renewal", "is %s: only an express renewal is decided", t.Renewal)
	}
	end := t.End(t.Renewed + 1)
	if by := t.NoticeBy(end); !at.Before(by) {
		return t, sms.Invalid(ContractKind, "term.renewed", "decided at %s, not before %s, the decision date of the term ending %s",
			at.Format(time.RFC3339), by.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	t.Renewed++
	return t, nil
}

// location returns the term's zone, UTC for an unknown one.
func (t Term) location() *time.Location {
	loc, err := termLocation(t.Zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func termLocation(zone string) (*time.Location, error) {
	if zone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(zone)
}

// endDate returns the date the n-th term ends on (the day after its last).
func (t Term) endDate(start termDate, n int) termDate {
	return start.plusMonths(n * t.Months).plusDays(n * t.Days)
}

// noticeDate returns the notice date of a term ending on end.
func (t Term) noticeDate(end termDate) termDate {
	return end.plusDays(-t.NoticeDays).plusMonths(-t.NoticeMonths)
}

// termDate is a civil date.
type termDate struct {
	y int
	m time.Month
	d int
}

func termDateOf(t time.Time, loc *time.Location) termDate {
	y, m, d := t.In(loc).Date()
	return termDate{y, m, d}
}

// termDaysIn returns the number of days of month m of year y.
func termDaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// plusMonths returns the date n calendar months after d (before, for n
// below 0) on d's day of the month, or the month's last day where the
// month is shorter.
func (d termDate) plusMonths(n int) termDate {
	i := d.y*12 + int(d.m) - 1 + n
	y, m := i/12, i%12
	if m < 0 {
		y, m = y-1, m+12
	}
	month := time.Month(m + 1)
	return termDate{y, month, min(d.d, termDaysIn(y, month))}
}

// plusDays returns the date n days after d (before, for n below 0).
func (d termDate) plusDays(n int) termDate {
	y, m, dd := time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC).Date()
	return termDate{y, m, dd}
}

// termDayStart returns the first instant of date d in loc: its local
// midnight (the first, where midnight happens twice), or where the clock
// jumps over midnight, the instant it jumps. Go's time.Date leaves that
// instant unspecified and may answer one on the day before.
func termDayStart(d termDate, loc *time.Location) time.Time {
	u := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Unix() // the wall time, read as UTC
	var offs []int
	for _, probe := range [...]int64{u - 36*3600, u, u + 36*3600} {
		if _, off := time.Unix(probe, 0).In(loc).Zone(); !slices.Contains(offs, off) {
			offs = append(offs, off)
		}
	}
	best := int64(math.MaxInt64)
	for _, off := range offs {
		c := u - int64(off)
		if _, o := time.Unix(c, 0).In(loc).Zone(); o == off && c < best {
			best = c
		}
	}
	if best != math.MaxInt64 {
		return time.Unix(best, 0).In(loc)
	}
	// Midnight is in a gap: the day starts when the offset changes,
	// between the instants midnight would be under the largest and the
	// smallest offset.
	lo, hi := u-int64(slices.Max(offs)), u-int64(slices.Min(offs))
	_, before := time.Unix(lo-1, 0).In(loc).Zone()
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, o := time.Unix(mid, 0).In(loc).Zone(); o == before {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0).In(loc)
}

// termMonthRuns returns the running sum of the days of consecutive months
// over one Gregorian cycle of 400 years (from 2000) and the longest term
// after it: the days of months i to j-1 of the cycle are sums[j]-sums[i].
var termMonthRuns = sync.OnceValue(func() []int {
	sums := make([]int, 400*12+termMaxMonths+1)
	for i := range len(sums) - 1 {
		sums[i+1] = sums[i] + termDaysIn(2000+i/12, time.Month(i%12+1))
	}
	return sums
})

// termMonthRun returns the most days (longest) or the fewest that m
// consecutive calendar months hold in the Gregorian calendar, 0 for none.
func termMonthRun(m int, longest bool) int {
	if m <= 0 {
		return 0
	}
	m = min(m, termMaxMonths)
	sums := termMonthRuns()
	out := sums[m] - sums[0]
	for i := 1; i < 400*12; i++ {
		n := sums[i+m] - sums[i]
		if longest {
			out = max(out, n)
		} else {
			out = min(out, n)
		}
	}
	return out
}

// termSpan describes months and days: "3 months", "1 month and 15 days".
func termSpan(months, days int) string {
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case months == 0 && days == 0:
		return "nothing"
	case days == 0:
		return unit(months, "month")
	case months == 0:
		return unit(days, "day")
	}
	return unit(months, "month") + " and " + unit(days, "day")
}
