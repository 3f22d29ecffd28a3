package sms

import (
	"fmt"
	"time"
)

// CalendarUnit is the unit of a calendar [Cadence].
type CalendarUnit string

// Calendar units. The values are persisted in policies: never renamed.
const (
	UnitMonth   CalendarUnit = "month"
	UnitQuarter CalendarUnit = "quarter"
	UnitYear    CalendarUnit = "year"
)

// Cadence says how often a periodic obligation (a review, a report, a test,
// an audit) falls due: every fixed duration, or on the calendar: each
// month, quarter or year (or every few of them), in a named IANA time zone,
// so that "the monthly report" is due at the end of each calendar month in
// the organisation's zone, whatever the month's length or its clock
// changes. The zero Cadence is not valid.
type Cadence struct {
	// Every is a fixed cadence; set it or Unit, not both.
	Every time.Duration `json:"every,omitempty"`
	// Unit is a calendar cadence's unit, and Count how many units a period
	// spans (1 when zero): a count of months must divide 12, of quarters 4.
	Unit  CalendarUnit `json:"unit,omitempty"`
	Count int          `json:"count,omitempty"`
	// Zone is the IANA time zone calendar periods begin in ("" means UTC).
	Zone string `json:"zone,omitempty"`
}

// Monthly, Quarterly and Yearly return the calendar cadences of one
// period in the zone; EveryDuration a fixed one.
func Monthly(zone string) Cadence           { return Cadence{Unit: UnitMonth, Zone: zone} }
func Quarterly(zone string) Cadence         { return Cadence{Unit: UnitQuarter, Zone: zone} }
func Yearly(zone string) Cadence            { return Cadence{Unit: UnitYear, Zone: zone} }
func EveryDuration(d time.Duration) Cadence { return Cadence{Every: d} }

// MaxCadence bounds a fixed cadence: a hundred years of 365 days.
const MaxCadence = 100 * 365 * 24 * time.Hour

// Validate returns a [*ValidationError] for a cadence that is neither a
// positive duration (at most [MaxCadence]) nor a calendar unit, that is
// both, whose count does not fit its unit, or whose zone is unknown.
func (c Cadence) Validate() error {
	bad := func(format string, args ...any) error { return Invalid("", "cadence", format, args...) }
	switch {
	case c.Every != 0 && c.Unit != "":
		return bad("is a duration and a calendar unit at once")
	case c.Every < 0 || c.Every > MaxCadence:
		return bad("duration %s is not between 0 and 100 years", c.Every)
	case c.Every == 0 && c.Unit == "":
		return bad("needs a duration or a calendar unit")
	case c.Every > 0:
		if c.Count != 0 || c.Zone != "" {
			return bad("a fixed duration takes no count or zone")
		}
		return nil
	}
	n := c.count()
	switch c.Unit {
	case UnitMonth:
		if n < 1 || 12%n != 0 {
			return bad("a count of %d months does not divide the year", n)
		}
	case UnitQuarter:
		if n < 1 || 4%n != 0 {
			return bad("a count of %d quarters does not divide the year", n)
		}
	case UnitYear:
		if n < 1 || n > 100 {
			return bad("a count of %d years is not between 1 and 100", n)
		}
	default:
		return bad("unit %q is not month, quarter or year", c.Unit)
	}
	if _, err := c.location(); err != nil {
		return bad("zone %q: %v", c.Zone, err)
	}
	return nil
}

func (c Cadence) count() int {
	if c.Count == 0 {
		return 1
	}
	return c.Count
}

func (c Cadence) location() (*time.Location, error) {
	if c.Zone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(c.Zone)
}

// months is the length of a calendar period in months.
func (c Cadence) months() int {
	switch c.Unit {
	case UnitQuarter:
		return 3 * c.count()
	case UnitYear:
		return 12 * c.count()
	}
	return c.count()
}

// PeriodOf returns the calendar period [start, end) that contains t, in
// the cadence's zone (periods of several months align on the year; of
// several years, on multiples of the count). For a fixed cadence it
// returns [t, t+Every). It assumes a valid cadence.
func (c Cadence) PeriodOf(t time.Time) (start, end time.Time) {
	if c.Every > 0 {
		return t, t.Add(c.Every)
	}
	loc, err := c.location()
	if err != nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	y, m := lt.Year(), int(lt.Month())-1
	span := c.months()
	if span >= 12 {
		years := span / 12
		y -= ((y % years) + years) % years
		m = 0
	} else {
		m -= m % span
	}
	start = time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, span, 0)
}

// NextDue returns when the obligation falls due next after it was met at
// t: t+Every for a fixed cadence; for a calendar cadence, the end of the
// period after the one that contains t (met in March, a monthly obligation
// is next due at the end of April).
func (c Cadence) NextDue(t time.Time) time.Time {
	if c.Every > 0 {
		return t.Add(c.Every)
	}
	_, end := c.PeriodOf(t)
	_, next := c.PeriodOf(end)
	return next
}

// FirstDue returns when an obligation that starts at t falls due first:
// t+Every for a fixed cadence, the end of the period containing t for a
// calendar one.
func (c Cadence) FirstDue(t time.Time) time.Time {
	if c.Every > 0 {
		return t.Add(c.Every)
	}
	_, end := c.PeriodOf(t)
	return end
}

// String describes the cadence: "every 720h0m0s", "monthly in
// Europe/Lisbon", "every 2 quarters in UTC".
func (c Cadence) String() string {
	if c.Every > 0 {
		return "every " + c.Every.String()
	}
	zone := c.Zone
	if zone == "" {
		zone = "UTC"
	}
	if c.count() == 1 {
		adv := map[CalendarUnit]string{UnitMonth: "monthly", UnitQuarter: "quarterly", UnitYear: "yearly"}[c.Unit]
		if adv != "" {
			return adv + " in " + zone
		}
	}
	return fmt.Sprintf("every %d %ss in %s", c.count(), c.Unit, zone)
}
