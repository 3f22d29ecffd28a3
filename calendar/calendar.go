// Package calendar is business hours as data: the windows of each weekday
// (several a day, for a lunch break), holidays and one-off closures, in an
// IANA time zone, versioned. It answers the two questions service-level
// timers ask: how much working time lies between two instants
// ([Calendar.Between]), and at which instant a given amount of working
// time after another has elapsed ([Calendar.Add]). Both are exact at
// daylight-saving changes, under the rule below.
//
// # Wall times at daylight-saving changes
//
// A window is written in wall-clock time ("09:00 to 17:00"), and on the
// days the zone's offset changes some wall times do not exist (the clock
// jumps from 02:00 to 03:00) or exist twice (it goes back from 03:00 to
// 02:00). Go's time.Date leaves the instant of such a wall time
// unspecified; this package fixes it:
//
//   - a wall time that does not exist is the instant the clock jumps at,
//     which is the first instant whose wall time is later: a window from
//     02:30 to 03:30 on the day Berlin springs forward runs from 03:00 to
//     03:30, half an hour;
//   - a wall time that exists twice is its first occurrence: a window
//     from 02:00 to 03:00 on the day Berlin falls back runs two hours,
//     from 02:00 summer time to 03:00 winter time.
//
// So a window from 00:00 to 24:00 lasts 23 hours on the spring day and 25
// on the autumn day, and a 09:00 to 17:00 window eight hours on both (the
// changes happen at night). Holidays are civil dates in the calendar's
// zone; closures are instants.
//
// The package loads zones with time.LoadLocation and does not embed the
// time zone database (time/tzdata): a host without one on its system
// imports time/tzdata itself.
package calendar

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// Kind names the package in its errors.
const Kind sms.Kind = "calendar"

// Minutes in a day: a window ends at most at 24:00.
const day = 24 * 60

// Clock is a wall-clock time of day in minutes after midnight, from 0
// (00:00) to 1440 (24:00, the end of the day).
type Clock int

// At returns the wall-clock time h:m.
func At(h, m int) Clock { return Clock(h*60 + m) }

// String formats the time as "15:04", 24:00 for the end of the day.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Window is a stretch of working time within one day, from Start up to,
// not including, End.
type Window struct {
	Start, End Clock
}

// Date is a civil date in the calendar's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// valid reports whether the date exists.
func (d Date) valid() bool {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	return t.Year() == d.Year && t.Month() == d.Month && t.Day() == d.Day
}

// Closure is a one-off closure: no working time from From up to, not
// including, To (a site closed for a move, a company event).
type Closure struct {
	From, To time.Time
	Reason   string
}

// Spec describes a calendar. Name and Version identify it: a timer pins
// the version it ran under, and a change of hours is a new version.
type Spec struct {
	Name    string
	Version int
	// Zone is the IANA time zone the windows and holidays are in, such as
	// "Europe/Berlin".
	Zone string
	// Week holds the windows of each weekday, indexed by time.Weekday
	// (Sunday is 0): sorted, none overlapping, each Start before End. A
	// day with no window is closed.
	Week [7][]Window
	// Holidays are whole days closed.
	Holidays []Date
	// Closures are intervals closed.
	Closures []Closure
}

// Calendar is a compiled, immutable [Spec], safe for concurrent use.
type Calendar struct {
	spec     Spec
	loc      *time.Location
	holidays map[Date]bool
	closures []Closure // sorted by From, merged
	weekly   time.Duration
}

// MaxWindows bounds the windows of one weekday.
const MaxWindows = 48

// New validates and compiles spec. A calendar without a name or with a
// version below 1, an unknown zone, a window outside 00:00 to 24:00, empty,
// out of order or overlapping another, a holiday that is no date and a
// closure that ends before it begins are refused with a
// [*sms.ValidationError] naming the field.
func New(spec Spec) (*Calendar, error) {
	if spec.Name == "" {
		return nil, sms.Invalid(Kind, "name", "is empty")
	}
	if err := sms.CheckRef(Kind, "name", spec.Name); err != nil {
		return nil, err
	}
	if spec.Version < 1 {
		return nil, sms.Invalid(Kind, "version", "is %d: versions count from 1", spec.Version)
	}
	if spec.Zone == "" {
		return nil, sms.Invalid(Kind, "zone", "is empty: name an IANA time zone, such as Europe/Berlin or UTC")
	}
	loc, err := time.LoadLocation(spec.Zone)
	if err != nil {
		return nil, sms.Invalid(Kind, "zone", "%q is not a time zone this system knows: %v", spec.Zone, err)
	}
	c := &Calendar{loc: loc, holidays: make(map[Date]bool, len(spec.Holidays))}
	for wd := range spec.Week {
		ws := spec.Week[wd]
		field := "week." + time.Weekday(wd).String()
		if len(ws) > MaxWindows {
			return nil, sms.Invalid(Kind, field, "has %d windows, more than %d", len(ws), MaxWindows)
		}
		for i, w := range ws {
			switch {
			case w.Start < 0 || w.End > day:
				return nil, sms.Invalid(Kind, field, "window %s-%s is not within 00:00 to 24:00", w.Start, w.End)
			case w.Start >= w.End:
				return nil, sms.Invalid(Kind, field, "window %s-%s does not end after it starts", w.Start, w.End)
			case i > 0 && w.Start < ws[i-1].End:
				return nil, sms.Invalid(Kind, field, "window %s-%s overlaps or precedes %s-%s: windows are sorted and apart",
					w.Start, w.End, ws[i-1].Start, ws[i-1].End)
			}
		}
		spec.Week[wd] = slices.Clone(ws)
	}
	for _, h := range spec.Holidays {
		if !h.valid() {
			return nil, sms.Invalid(Kind, "holidays", "%s is not a date", h)
		}
		c.holidays[h] = true
	}
	spec.Holidays = slices.Clone(spec.Holidays)
	for i, cl := range spec.Closures {
		if cl.From.IsZero() || !cl.To.After(cl.From) {
			return nil, sms.Invalid(Kind, "closures", "closure %d (%s) does not end after it begins", i, cl.Reason)
		}
	}
	spec.Closures = slices.Clone(spec.Closures)
	c.closures = mergeClosures(spec.Closures)
	c.spec = spec
	for wd := range spec.Week {
		for _, w := range spec.Week[wd] {
			c.weekly += time.Duration(w.End-w.Start) * time.Minute
		}
	}
	return c, nil
}

// Always returns a calendar open all the time (24x7) in zone.
func Always(name string, version int, zone string) (*Calendar, error) {
	s := Spec{Name: name, Version: version, Zone: zone}
	for wd := range s.Week {
		s.Week[wd] = []Window{{0, day}}
	}
	return New(s)
}

// mergeClosures sorts closures and merges those that overlap or touch.
func mergeClosures(in []Closure) []Closure {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b Closure) int { return a.From.Compare(b.From) })
	merged := out[:0]
	for _, c := range out {
		if n := len(merged); n > 0 && !c.From.After(merged[n-1].To) {
			if c.To.After(merged[n-1].To) {
				merged[n-1].To = c.To
			}
			continue
		}
		merged = append(merged, c)
	}
	return merged
}

// Spec returns the calendar's description; the caller owns the copy.
func (c *Calendar) Spec() Spec {
	s := c.spec
	for wd := range s.Week {
		s.Week[wd] = slices.Clone(s.Week[wd])
	}
	s.Holidays = slices.Clone(s.Holidays)
	s.Closures = slices.Clone(s.Closures)
	return s
}

// Name returns the calendar's name; Version its version.
func (c *Calendar) Name() string { return c.spec.Name }

// Version returns the calendar's version.
func (c *Calendar) Version() int { return c.spec.Version }

// ID returns "name@version", what a timer pins.
func (c *Calendar) ID() string { return c.spec.Name + "@" + strconv.Itoa(c.spec.Version) }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Instant returns the instant of wall-clock time at on date d in the
// calendar's zone, under the package's rule for wall times that do not
// exist (the instant the clock jumps at) or exist twice (the first).
func (c *Calendar) Instant(d Date, at Clock) time.Time { return wall(d, at, c.loc) }

// wall resolves a wall time; see [Calendar.Instant].
func wall(d Date, at Clock, loc *time.Location) time.Time {
	h, m := int(at)/60, int(at)%60
	u := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, time.UTC) // the wall time, read as UTC
	us := u.Unix()
	var best time.Time
	found := false
	var offs [3]int
	for i, probe := range []int64{us - 36*3600, us, us + 36*3600} {
		_, offs[i] = time.Unix(probe, 0).In(loc).Zone()
	}
	for i, off := range offs {
		if i > 0 && slices.Contains(offs[:i], off) {
			continue
		}
		t := time.Unix(us-int64(off), 0)
		if _, o := t.In(loc).Zone(); o == off && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	if found {
		return best.In(loc)
	}
	// In a gap: the instant the offset changes, between the instants the
	// wall time would have under the larger and the smaller offset.
	lo, hi := us-int64(max(offs[0], offs[1], offs[2])), us-int64(min(offs[0], offs[1], offs[2]))
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

// nextDate returns the date after d.
func nextDate(d Date) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC))
}

// addDays returns the date n days after d.
func addDays(d Date, n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// weekday returns the weekday of d.
func weekday(d Date) time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// interval is working time from s up to, not including, e.
type interval struct{ s, e time.Time }

// dayIntervals appends the working intervals of date d: its windows,
// unless a holiday, less the closures.
func (c *Calendar) dayIntervals(buf []interval, d Date) []interval {
	if c.holidays[d] {
		return buf
	}
	for _, w := range c.spec.Week[weekday(d)] {
		s, e := wall(d, w.Start, c.loc), wall(d, w.End, c.loc)
		if w.End == day {
			e = wall(nextDate(d), 0, c.loc)
		}
		if !e.After(s) {
			continue // a window within a gap of the clock
		}
		buf = c.subtractClosures(buf, s, e)
	}
	return buf
}

// subtractClosures appends [s, e) less the closures.
func (c *Calendar) subtractClosures(buf []interval, s, e time.Time) []interval {
	i, _ := slices.BinarySearchFunc(c.closures, s, func(cl Closure, t time.Time) int {
		if !cl.To.After(t) {
			return -1
		}
		return 1
	})
	for ; i < len(c.closures) && s.Before(e); i++ {
		cl := c.closures[i]
		if !cl.From.Before(e) {
			break
		}
		if cl.From.After(s) {
			buf = append(buf, interval{s, cl.From})
		}
		if cl.To.After(s) {
			s = cl.To
		}
	}
	if s.Before(e) {
		buf = append(buf, interval{s, e})
	}
	return buf
}

// plainWeek reports whether the seven days from d are an ordinary week:
// no holiday, no closure, no change of offset, so that their working time
// is the calendar's weekly total.
func (c *Calendar) plainWeek(d Date) bool {
	start := wall(d, 0, c.loc)
	end := wall(addDays(d, 7), 0, c.loc)
	_, o1 := start.Zone()
	_, o2 := end.Zone()
	if o1 != o2 || end.Sub(start) != 7*24*time.Hour {
		return false
	}
	for k := range 7 {
		if c.holidays[addDays(d, k)] {
			return false
		}
	}
	i, _ := slices.BinarySearchFunc(c.closures, start, func(cl Closure, t time.Time) int {
		if !cl.To.After(t) {
			return -1
		}
		return 1
	})
	return i == len(c.closures) || !c.closures[i].From.Before(end)
}

// Open reports whether t falls within working time.
func (c *Calendar) Open(t time.Time) bool {
	d := DateOf(t.In(c.loc))
	var buf [8]interval
	for _, dd := range []Date{addDays(d, -1), d} { // a window may end after midnight's wall time on a fall-back day
		for _, iv := range c.dayIntervals(buf[:0], dd) {
			if !t.Before(iv.s) && t.Before(iv.e) {
				return true
			}
		}
	}
	return false
}

// Between returns the working time from `from` up to `to`; the negative of
// Between(to, from) when to is before from. It is additive:
// Between(a, b) + Between(b, c) == Between(a, c) for any a, b, c.
func (c *Calendar) Between(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.Between(to, from)
	}
	var total time.Duration
	d := DateOf(from.In(c.loc))
	last := DateOf(to.In(c.loc))
	var buf []interval
	for !after(d, last) {
		if s := wall(d, 0, c.loc); !s.Before(from) && c.weekly > 0 && c.plainWeek(d) {
			if e := wall(addDays(d, 7), 0, c.loc); !e.After(to) {
				total += c.weekly
				d = addDays(d, 7)
				continue
			}
		}
		buf = c.dayIntervals(buf[:0], d)
		for _, iv := range buf {
			s, e := maxTime(iv.s, from), minTime(iv.e, to)
			if e.After(s) {
				total += e.Sub(s)
			}
		}
		d = nextDate(d)
	}
	return total
}

// MaxSpan bounds how far [Calendar.Add] looks for working time: a calendar
// with none in ten years is taken to have none at all.
const MaxSpan = 10 * 366

// Add returns the earliest instant by which d of working time has elapsed
// after t: Between(t, Add(t, d)) == d. Add(t, 0) is t. It returns false
// when d is negative, or when the calendar holds less than d of working
// time in the [MaxSpan] days after t (a calendar with no window, say).
func (c *Calendar) Add(t time.Time, d time.Duration) (time.Time, bool) {
	if d < 0 {
		return time.Time{}, false
	}
	if d == 0 {
		return t, true
	}
	left := d
	day := DateOf(t.In(c.loc))
	var buf []interval
	for n := 0; n < MaxSpan; n++ {
		if s := wall(day, 0, c.loc); !s.Before(t) && c.weekly > 0 && left > c.weekly && c.plainWeek(day) {
			left -= c.weekly
			day = addDays(day, 7)
			n += 6
			continue
		}
		buf = c.dayIntervals(buf[:0], day)
		for _, iv := range buf {
			s := maxTime(iv.s, t)
			if !iv.e.After(s) {
				continue
			}
			if span := iv.e.Sub(s); span >= left {
				return s.Add(left), true
			} else {
				left -= span
			}
		}
		day = nextDate(day)
	}
	return time.Time{}, false
}

func after(a, b Date) bool {
	if a.Year != b.Year {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Interval is a stretch of working time, from Start up to, not including,
// End.
type Interval struct {
	Start, End time.Time
}

// Intervals returns the working intervals between from and to, in order,
// clipped to them: what [Calendar.Between] adds up. It returns nil when to
// is not after from.
func (c *Calendar) Intervals(from, to time.Time) []Interval {
	if !to.After(from) {
		return nil
	}
	var out []Interval
	var buf []interval
	for d, last := DateOf(from.In(c.loc)), DateOf(to.In(c.loc)); !after(d, last); d = nextDate(d) {
		buf = c.dayIntervals(buf[:0], d)
		for _, iv := range buf {
			s, e := maxTime(iv.s, from), minTime(iv.e, to)
			if !e.After(s) {
				continue
			}
			if n := len(out); n > 0 && out[n-1].End.Equal(s) {
				out[n-1].End = e // a window that ends at 24:00 and the next that starts at 00:00
				continue
			}
			out = append(out, Interval{Start: s, End: e})
		}
	}
	return out
}
