package review

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/iso20k/sms"
)

// Schedule is a periodic review obligation: a subject (and optionally a
// scope) to be reviewed every Interval, or on a calendar Cadence (each
// month, quarter or year in an IANA time zone), with Grace before a late
// review becomes a finding. Requirement is the requirement the reviews
// evidence (PRB-13 for "problem_effectiveness", CHG-14 for
// "change_trends"): every guard of a review planned under the schedule
// cites it, and so does the finding, under Code, when a review is overdue.
// The process packages export their subject, requirement and code; the
// host chooses the interval, as the standard leaves it to the
// organisation:
//
//	review.Schedule{Subject: problem.ReviewSubject, Start: start, Interval: 91 * 24 * time.Hour,
//		Grace: 14 * 24 * time.Hour, Requirement: problem.EffectivenessRequirement(),
//		Code: problem.CodeEffectivenessReviewOverdue}
//
// or, for a review due at the end of each calendar quarter in Lisbon:
//
//	review.Schedule{Subject: problem.ReviewSubject, Start: start, Cadence: sms.Quarterly("Europe/Lisbon"),
//		Grace: 14 * 24 * time.Hour, Requirement: problem.EffectivenessRequirement(),
//		Code: problem.CodeEffectivenessReviewOverdue}
type Schedule struct {
	Subject string
	Scope   string
	// Start is when the obligation began. With an Interval, the next
	// review is due Interval after the later of Start and the last review
	// performed.
	Start time.Time
	// Interval is a fixed cadence. Set it or Cadence, not both.
	Interval time.Duration
	// Cadence is a calendar cadence ([sms.Monthly], [sms.Quarterly],
	// [sms.Yearly], or every few months, quarters or years, in a named
	// IANA zone): the first review is due at the end of the calendar
	// period that contains Start, and once a review was performed after
	// Start, the next is due at the end of the period after the one it was
	// performed in (reviewed in March, a monthly review is next due at the
	// end of April, in the zone, whatever the months' lengths and clock
	// changes). A fixed cadence ([sms.EveryDuration]) works as Interval
	// does.
	Cadence sms.Cadence
	// Grace is the time after the due time before a missing review is a
	// finding.
	Grace time.Duration
	// Requirement is the requirement the reviews evidence; ID and Clause
	// are required.
	Requirement sms.Requirement
	// Code is the finding code of an overdue review, such as
	// "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE".
	Code string
}

// MaxInterval bounds a schedule's interval and grace: a hundred years of
// 365 days, far beyond any periodic obligation, so that due dates never
// overflow.
const MaxInterval = 100 * 365 * 24 * time.Hour

// Key returns "subject", or "subject/scope": the name of the schedule in
// findings.
func (s Schedule) Key() string { return key(s.Subject, s.Scope) }

// hasCadence reports whether the schedule sets a Cadence.
func (s Schedule) hasCadence() bool { return s.Cadence != (sms.Cadence{}) }

// cadence returns the schedule's cadence: its Cadence, or its Interval as
// a fixed one.
func (s Schedule) cadence() sms.Cadence {
	if s.hasCadence() {
		return s.Cadence
	}
	return sms.EveryDuration(s.Interval)
}

// due returns when the next review falls due, given when the last one was
// performed (zero when none was): after the later of Start and the last
// review for a fixed cadence, at the end of the calendar period after the
// last review's for a calendar one, or of the period containing Start when
// no review was performed after it. The time is in UTC.
func (s Schedule) due(last time.Time) time.Time {
	c, start := s.cadence(), s.Start.UTC()
	if last.After(start) {
		return c.NextDue(last).UTC()
	}
	return c.FirstDue(start).UTC()
}

// day writes the date of t: in the zone of a calendar cadence, so that a
// review due at the end of March in Lisbon is due "2026-04-01", in UTC
// otherwise.
func (s Schedule) day(t time.Time) string {
	if s.hasCadence() && s.Cadence.Zone != "" {
		if loc, err := time.LoadLocation(s.Cadence.Zone); err == nil {
			t = t.In(loc)
		}
		return t.Format(time.DateOnly)
	}
	return day(t)
}

// Validate returns a [*sms.ValidationError] for a schedule without a
// subject, a start (in the years 1900 to 9999), a positive interval or a
// valid calendar cadence (not both), a requirement ID and clause or a
// finding code (each a well-formed ID), with a negative grace, or with an
// interval or grace longer than [MaxInterval].
func (s Schedule) Validate() error {
	bad := func(field, format string, args ...any) error {
		return sms.Invalid(Kind, "schedule."+field, "%s: "+format, append([]any{s.Key()}, args...)...)
	}
	switch {
	case s.Subject == "":
		return sms.Invalid(Kind, "schedule.subject", "is empty")
	case checkRef("schedule.subject", s.Subject) != nil:
		return checkRef("schedule.subject", s.Subject)
	case checkRef("schedule.scope", s.Scope) != nil:
		return checkRef("schedule.scope", s.Scope)
	case s.Start.IsZero():
		return bad("start", "is not set: say when the obligation began")
	case checkTime("schedule.start", s.Start) != nil:
		return checkTime("schedule.start", s.Start)
	case s.hasCadence() && s.Interval != 0:
		return bad("cadence", "a schedule has an interval or a calendar cadence, not both")
	case s.hasCadence():
		if err := s.Cadence.Validate(); err != nil {
			var ve *sms.ValidationError
			if errors.As(err, &ve) {
				return bad("cadence", "%s", ve.Problem)
			}
			return bad("cadence", "%v", err)
		}
	case s.Interval <= 0:
		return bad("interval", "must be positive, or set a calendar cadence")
	case s.Interval > MaxInterval:
		return bad("interval", "is longer than %s", span(MaxInterval))
	}
	switch {
	case s.Grace < 0:
		return bad("grace", "cannot be negative")
	case s.Grace > MaxInterval:
		return bad("grace", "is longer than %s", span(MaxInterval))
	case s.Requirement.ID == "" || s.Requirement.Clause == "":
		return bad("requirement", "needs an ID and a clause")
	case checkRef("schedule.requirement.id", s.Requirement.ID) != nil:
		return checkRef("schedule.requirement.id", s.Requirement.ID)
	case checkRef("schedule.requirement.clause", s.Requirement.Clause) != nil:
		return checkRef("schedule.requirement.clause", s.Requirement.Clause)
	case s.Code == "":
		return bad("code", "is empty")
	case checkRef("schedule.code", s.Code) != nil:
		return checkRef("schedule.code", s.Code)
	}
	return nil
}

// validateSchedules validates each schedule and refuses two for the same
// subject and scope.
func validateSchedules(ss []Schedule) error {
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if err := s.Validate(); err != nil {
			return err
		}
		if seen[s.Key()] {
			return sms.Invalid(Kind, "schedules", "two schedules for %s", s.Key())
		}
		seen[s.Key()] = true
	}
	return nil
}

// Standing is where a schedule stands as of a time: its last performed
// review, when the next one is due, and whether it is overdue (the due
// time and the grace have both passed).
type Standing struct {
	Schedule Schedule
	// Last is the ID of the last review performed, and LastPerformed when;
	// both are empty when none was.
	Last          string
	LastPerformed time.Time
	// Due is when the next review falls due: the later of LastPerformed
	// and the schedule's Start, plus the interval; for a calendar cadence,
	// the end of the period after LastPerformed's, or of the period
	// containing Start when no review was performed after it.
	Due     time.Time
	Overdue bool
}

// Finding returns the overdue finding of the standing: the schedule's
// code, citing its requirement, against [ScheduleKind] and the schedule's
// key. ok is false when the schedule is not overdue.
func (st Standing) Finding(asOf time.Time) (f sms.Finding, ok bool) {
	if !st.Overdue {
		return sms.Finding{}, false
	}
	s := st.Schedule
	var detail string
	if st.Last == "" {
		detail = fmt.Sprintf("no review of %s performed since the schedule started %s; due %s, %s grace ended %s",
			s.Key(), s.day(s.Start), s.day(st.Due), span(s.Grace), s.day(st.Due.Add(s.Grace)))
	} else {
		detail = fmt.Sprintf("last review of %s (%s) performed %s; next due %s, %s grace ended %s",
			s.Key(), st.Last, s.day(st.LastPerformed), s.day(st.Due), span(s.Grace), s.day(st.Due.Add(s.Grace)))
	}
	return sms.Finding{Code: s.Code, Requirement: s.Requirement, Kind: ScheduleKind, EntityID: s.Key(), Detail: detail, At: asOf.UTC()}, true
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// span writes whole days as "14d", anything else as time.Duration does.
func span(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// latest folds performed reviews into the last one per subject and scope,
// as of a time.
type latest struct {
	asOf time.Time
	by   map[string]*Review
}

func newLatest(asOf time.Time) *latest { return &latest{asOf: asOf, by: map[string]*Review{}} }

func (l *latest) add(r *Review) {
	if r == nil || !r.Status.Performed() || r.PerformedAt.IsZero() || r.PerformedAt.After(l.asOf) {
		return
	}
	k := r.Key()
	if cur := l.by[k]; cur == nil || r.PerformedAt.After(cur.PerformedAt) ||
		(r.PerformedAt.Equal(cur.PerformedAt) && r.ID > cur.ID) {
		l.by[k] = r
	}
}

func (l *latest) standings(ss []Schedule) []Standing {
	out := make([]Standing, 0, len(ss))
	for _, s := range ss {
		st := Standing{Schedule: s}
		if r := l.by[s.Key()]; r != nil {
			st.Last, st.LastPerformed = r.ID, r.PerformedAt
		}
		st.Due = s.due(st.LastPerformed)
		st.Overdue = l.asOf.After(st.Due.Add(s.Grace))
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Schedule.Key() < out[j].Schedule.Key() })
	return out
}

// Standings returns where each schedule stands as of a time, ordered by
// key: a review counts once performed (or closed) at or before asOf, of
// the schedule's subject and scope exactly. It is a pure function. Invalid
// schedules give a [*sms.ValidationError].
func Standings(schedules []Schedule, reviews []*Review, asOf time.Time) ([]Standing, error) {
	if err := validateSchedules(schedules); err != nil {
		return nil, err
	}
	l := newLatest(asOf.UTC())
	for _, r := range reviews {
		l.add(r)
	}
	return l.standings(schedules), nil
}

// Sweep returns one finding per overdue schedule as of a time: the grace
// after its next review's due time ([Standing].Due) has passed. With an
// Interval, that is: no review of its subject and scope was performed
// within Interval plus Grace before asOf, and Interval plus Grace have
// passed since the schedule's Start (a schedule that starts today gives a
// full interval for its first review, whatever was done before); with a
// calendar Cadence, the Grace after the end of the period following the
// last review's (or of the period containing Start) has passed. Each
// finding carries the schedule's code and cites its requirement. It is a pure function, so that a test replays a year in
// milliseconds. Invalid schedules give a [*sms.ValidationError]: a
// schedule that cannot be judged must not pass silently.
func Sweep(schedules []Schedule, reviews []*Review, asOf time.Time) ([]sms.Finding, error) {
	st, err := Standings(schedules, reviews, asOf)
	if err != nil {
		return nil, err
	}
	return findings(st, asOf), nil
}

func findings(st []Standing, asOf time.Time) []sms.Finding {
	var out []sms.Finding
	for _, s := range st {
		if f, ok := s.Finding(asOf); ok {
			out = append(out, f)
		}
	}
	return out
}
