package problem

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// The periodic review of the effectiveness of problem resolution (PRB-13)
// is kept in the review register (package review, which this package does
// not import): the host schedules it with these values and hands the
// review the [EffectivenessReport] as its input.
const (
	// ReviewSubject is the subject of problem-effectiveness reviews and of
	// their schedule.
	ReviewSubject = "problem_effectiveness"
	// CodeEffectivenessReviewOverdue is the finding of a schedule whose
	// problem-effectiveness review is overdue (PRB-13).
	CodeEffectivenessReviewOverdue = "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE"
)

// EffectivenessRequirement returns PRB-13 (clause 8.6.3), as [Requirements]
// lists it: the requirement a problem-effectiveness review evidences, and
// the one its guards and its overdue finding cite.
func EffectivenessRequirement() sms.Requirement {
	for _, r := range Requirements() {
		if r.ID == "PRB-13" {
			return r
		}
	}
	return sms.Requirement{ID: "PRB-13", Clause: "8.6.3", Text: "the effectiveness of problem resolution is monitored, reviewed and reported"}
}

// AfterResolution is what happened after one problem was resolved: the
// incidents opened since on one of its configuration items or in its
// category, which recur the problem (PRB-13).
type AfterResolution struct {
	Problem    string         `json:"problem"`
	Resolution ResolutionType `json:"resolution"`
	ResolvedAt time.Time      `json:"resolved_at"`
	// Incidents are the matching incidents, by opening time.
	Incidents []string `json:"incidents,omitempty"`
}

// Age is how long a record has been open.
type Age struct {
	ID  string        `json:"id"`
	Age time.Duration `json:"age"`
}

// EffectivenessReport monitors the effectiveness of problem resolution as
// of a time (PRB-13): whether resolved problems recur, how long root
// causes take to find, and how old the open problems and known errors are.
// It is the input of the periodic problem-effectiveness review.
type EffectivenessReport struct {
	AsOf time.Time `json:"as_of"`

	// Problems counts the problems logged at or before AsOf; Open those
	// still being worked on, Resolved those resolved or closed, Cancelled
	// those cancelled.
	Problems  int `json:"problems"`
	Open      int `json:"open"`
	Resolved  int `json:"resolved"`
	Cancelled int `json:"cancelled"`

	// Resolutions has one entry per problem resolved at or before AsOf,
	// except duplicates (the original carries the record), in resolution
	// order. Recurring counts those with at least one incident after
	// their resolution, RecurringIncidents the incidents; RecurrenceRate is
	// Recurring over len(Resolutions), or 0. ReopenedForRecurrence counts
	// the problems a recurrence inside their observation window sent back
	// to analysis (PRB-07), whatever their status now.
	Resolutions           []AfterResolution `json:"resolutions"`
	Recurring             int               `json:"recurring"`
	RecurringIncidents    int               `json:"recurring_incidents"`
	RecurrenceRate        float64           `json:"recurrence_rate"`
	ReopenedForRecurrence int               `json:"reopened_for_recurrence"`

	// RootCauses counts the problems whose root cause is determined (not
	// undeterminable); the times run from logging to the root cause as
	// last recorded.
	RootCauses            int           `json:"root_causes"`
	MedianTimeToRootCause time.Duration `json:"median_time_to_root_cause"`
	MeanTimeToRootCause   time.Duration `json:"mean_time_to_root_cause"`

	// OpenProblems and OpenKnownErrors (draft or published) with their
	// ages at AsOf, oldest first; the oldest and median of each.
	OpenProblems            []Age         `json:"open_problems"`
	OldestOpenProblem       time.Duration `json:"oldest_open_problem"`
	MedianOpenProblemAge    time.Duration `json:"median_open_problem_age"`
	KnownErrors             int           `json:"known_errors"`
	OpenKnownErrors         []Age         `json:"open_known_errors"`
	OldestOpenKnownError    time.Duration `json:"oldest_open_known_error"`
	MedianOpenKnownErrorAge time.Duration `json:"median_open_known_error_age"`

	// Unverified lists, as RECORD_UNVERIFIED findings, the stored records
	// [Service.Effectiveness] left out because they do not verify against
	// their journals; the package function [Effectiveness] trusts its
	// input and leaves it empty.
	Unverified []sms.Finding `json:"unverified,omitempty"`
}

// Effectiveness reports on the effectiveness of problem resolution as of a
// time (PRB-13). A resolved problem recurs through each incident fact
// opened after its resolution, at or before asOf, on one of the
// problem's configuration items or in its category. Records logged after
// asOf are left out; nil records are skipped. It is a pure function and
// trusts its input; [Service.Effectiveness] reads verified records only.
func Effectiveness(problems []*Problem, knownErrors []*KnownError, facts []IncidentFact, asOf time.Time) EffectivenessReport {
	e := newEffectiveness(asOf, facts)
	for _, pr := range problems {
		e.add(pr)
	}
	for _, k := range knownErrors {
		e.addKE(k)
	}
	return e.finish()
}

// effectiveness accumulates a report over streams of problems and known
// errors.
type effectiveness struct {
	rep   EffectivenessReport
	facts []IncidentFact // opened at or before AsOf, by opening time
	rca   []time.Duration
}

func newEffectiveness(asOf time.Time, facts []IncidentFact) *effectiveness {
	e := &effectiveness{rep: EffectivenessReport{AsOf: asOf.UTC(), Resolutions: []AfterResolution{}, OpenProblems: []Age{}, OpenKnownErrors: []Age{}}}
	for _, f := range facts {
		if f.ID != "" && !f.OpenedAt.After(e.rep.AsOf) {
			e.facts = append(e.facts, f)
		}
	}
	sort.SliceStable(e.facts, func(i, j int) bool { return e.facts[i].OpenedAt.Before(e.facts[j].OpenedAt) })
	return e
}

func (e *effectiveness) add(pr *Problem) {
	asOf := e.rep.AsOf
	if pr == nil || pr.CreatedAt.After(asOf) {
		return
	}
	r := &e.rep
	r.Problems++
	switch {
	case pr.Status.Open():
		r.Open++
		if !pr.CreatedAt.IsZero() {
			r.OpenProblems = append(r.OpenProblems, Age{ID: pr.ID, Age: asOf.Sub(pr.CreatedAt)})
		}
	case pr.Status == StatusResolved || pr.Status == StatusClosed:
		r.Resolved++
	case pr.Status == StatusCancelled:
		r.Cancelled++
	}
	if pr.Recurrences > 0 {
		r.ReopenedForRecurrence++
	}
	if pr.causeKnown() && !pr.CreatedAt.IsZero() && !pr.Analysis.RecordedAt.After(asOf) && !pr.Analysis.RecordedAt.Before(pr.CreatedAt) {
		e.rca = append(e.rca, pr.Analysis.RecordedAt.Sub(pr.CreatedAt))
	}
	if (pr.Status == StatusResolved || pr.Status == StatusClosed) && !pr.ResolvedAt.IsZero() && !pr.ResolvedAt.After(asOf) &&
		pr.Resolution != Duplicate {
		r.Resolutions = append(r.Resolutions, e.recurrence(pr))
	}
}

// recurrence finds the incidents opened after the problem's resolution on
// one of its configuration items or in its category.
func (e *effectiveness) recurrence(pr *Problem) AfterResolution {
	rc := AfterResolution{Problem: pr.ID, Resolution: pr.Resolution, ResolvedAt: pr.ResolvedAt}
	var items []string
	for _, l := range pr.Links {
		if l.Type == LinkConfigItem {
			items = append(items, l.ID)
		}
	}
	for _, f := range e.facts {
		if !f.OpenedAt.After(pr.ResolvedAt) {
			continue
		}
		match := pr.Category != "" && f.Category == pr.Category
		for _, ci := range f.ConfigItems {
			match = match || (ci != "" && slices.Contains(items, ci))
		}
		if match {
			rc.Incidents = append(rc.Incidents, f.ID)
		}
	}
	return rc
}

func (e *effectiveness) addKE(k *KnownError) {
	asOf := e.rep.AsOf
	if k == nil || k.CreatedAt.After(asOf) {
		return
	}
	e.rep.KnownErrors++
	if (k.Status == KEDraft || k.Status == KEPublished) && !k.CreatedAt.IsZero() {
		e.rep.OpenKnownErrors = append(e.rep.OpenKnownErrors, Age{ID: k.ID, Age: asOf.Sub(k.CreatedAt)})
	}
}

func (e *effectiveness) finish() EffectivenessReport {
	r := e.rep
	sort.SliceStable(r.Resolutions, func(i, j int) bool { return r.Resolutions[i].ResolvedAt.Before(r.Resolutions[j].ResolvedAt) })
	for _, rc := range r.Resolutions {
		if len(rc.Incidents) > 0 {
			r.Recurring++
			r.RecurringIncidents += len(rc.Incidents)
		}
	}
	if len(r.Resolutions) > 0 {
		r.RecurrenceRate = float64(r.Recurring) / float64(len(r.Resolutions))
	}
	r.RootCauses = len(e.rca)
	r.MedianTimeToRootCause = median(e.rca)
	if len(e.rca) > 0 {
		var sum time.Duration
		for _, d := range e.rca {
			sum += d
		}
		r.MeanTimeToRootCause = sum / time.Duration(len(e.rca))
	}
	r.OldestOpenProblem, r.MedianOpenProblemAge = ages(r.OpenProblems)
	r.OldestOpenKnownError, r.MedianOpenKnownErrorAge = ages(r.OpenKnownErrors)
	return r
}

// ages sorts the ages oldest first and returns the oldest and the median.
func ages(list []Age) (oldest, med time.Duration) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Age != list[j].Age {
			return list[i].Age > list[j].Age
		}
		return list[i].ID < list[j].ID
	})
	if len(list) == 0 {
		return 0, 0
	}
	ds := make([]time.Duration, len(list))
	for i, a := range list {
		ds[i] = a.Age
	}
	return list[0].Age, median(ds)
}

// median returns the middle value, or the mean of the two middle values
// of an even count; 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Summary states the report in a paragraph, fit to record as the input of
// a problem-effectiveness review.
func (r EffectivenessReport) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Problem resolution as of %s: %d problem(s) (%d open, %d resolved or closed, %d cancelled). ",
		r.AsOf.Format(time.DateOnly), r.Problems, r.Open, r.Resolved, r.Cancelled)
	fmt.Fprintf(&b, "Recurrence: %d of %d resolved problem(s) recurred, %d incident(s) on the same configuration item or category after resolution",
		r.Recurring, len(r.Resolutions), r.RecurringIncidents)
	var recurred []string
	for _, rc := range r.Resolutions {
		if len(rc.Incidents) > 0 {
			recurred = append(recurred, fmt.Sprintf("%s: %s", rc.Problem, strings.Join(rc.Incidents, ", ")))
		}
	}
	if len(recurred) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(recurred, "; "))
	}
	fmt.Fprintf(&b, "; %d reopened inside the observation window. ", r.ReopenedForRecurrence)
	if r.RootCauses > 0 {
		fmt.Fprintf(&b, "Time to root cause: median %s, mean %s over %d problem(s). ",
			humanDuration(r.MedianTimeToRootCause), humanDuration(r.MeanTimeToRootCause), r.RootCauses)
	} else {
		b.WriteString("Time to root cause: no root cause determined. ")
	}
	fmt.Fprintf(&b, "Open problems: %d", len(r.OpenProblems))
	if len(r.OpenProblems) > 0 {
		fmt.Fprintf(&b, ", oldest %s (%s), median age %s", humanDuration(r.OldestOpenProblem), r.OpenProblems[0].ID, humanDuration(r.MedianOpenProblemAge))
	}
	fmt.Fprintf(&b, ". Open known errors: %d", len(r.OpenKnownErrors))
	if len(r.OpenKnownErrors) > 0 {
		fmt.Fprintf(&b, ", oldest %s (%s), median age %s", humanDuration(r.OldestOpenKnownError), r.OpenKnownErrors[0].ID, humanDuration(r.MedianOpenKnownErrorAge))
	}
	b.WriteString(".")
	if len(r.Unverified) > 0 {
		fmt.Fprintf(&b, " %d record(s) did not verify against their journals and are left out.", len(r.Unverified))
	}
	return b.String()
}

// humanDuration writes a duration in days and hours ("3d 4h"), hours and
// minutes under a day ("5h 30m"), minutes under an hour.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := d/(24*time.Hour), (d%(24*time.Hour))/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// Effectiveness reports on the effectiveness of problem resolution over
// every stored problem and known error whose record verifies against its
// journal, with the incident facts the host passes in; see the package
// function [Effectiveness]. A record that does not verify is left out of
// every figure and listed in the report's Unverified.
func (s *Service) Effectiveness(ctx context.Context, facts []IncidentFact, asOf time.Time) (EffectivenessReport, error) {
	e := newEffectiveness(asOf, facts)
	bad, err := sms.SweepStore(ctx, s.m, sms.Query{}, asOf, func(pr *Problem, _ []sms.Entry) []sms.Finding { e.add(pr); return nil })
	if err != nil {
		return EffectivenessReport{}, err
	}
	badKE, err := sms.SweepStore(ctx, s.kes.m, sms.Query{}, asOf, func(k *KnownError, _ []sms.Entry) []sms.Finding { e.addKE(k); return nil })
	if err != nil {
		return EffectivenessReport{}, err
	}
	r := e.finish()
	if bad = append(bad, badKE...); len(bad) > 0 {
		r.Unverified = bad
	}
	return r, nil
}
