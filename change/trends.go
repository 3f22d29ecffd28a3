package change

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Trends is the periodic analysis of change records (CHG-14): the volume of
// changes raised in a period by model, category and service, how many of
// them succeeded or failed, the share of emergency changes, how many
// caused incidents, and the age of the backlog not yet implemented.
type Trends struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	AsOf time.Time `json:"as_of"`
	// Raised counts the changes raised in [From, To).
	Raised     int            `json:"raised"`
	ByModel    map[string]int `json:"by_model"`
	ByCategory map[string]int `json:"by_category"`
	ByService  map[string]int `json:"by_service"`
	// Successful and Failed count the changes of the period whose
	// implementation ended; SuccessRate is Successful over both, or 0.
	Successful  int     `json:"successful"`
	Failed      int     `json:"failed"`
	SuccessRate float64 `json:"success_rate"`
	// Emergency counts the emergency changes of the period;
	// EmergencyRatio is Emergency over Raised, or 0.
	Emergency      int     `json:"emergency"`
	EmergencyRatio float64 `json:"emergency_ratio"`
	// CausedIncidents counts the changes of the period whose review names
	// incidents they caused, or whose failure linked incidents.
	CausedIncidents int `json:"caused_incidents"`
	// Backlog counts the changes, raised at any time, not yet implemented,
	// rejected or cancelled as of AsOf; OldestBacklog and MedianBacklog are
	// their ages.
	Backlog       int           `json:"backlog"`
	OldestBacklog time.Duration `json:"oldest_backlog"`
	MedianBacklog time.Duration `json:"median_backlog"`
	// Unverified lists the stored changes [Service.Trends] left out because
	// they do not verify against their journal (their record was changed
	// outside the workflow); [TrendsOf] trusts the changes it is given and
	// leaves it empty.
	Unverified []string `json:"unverified,omitempty"`
}

// TrendsOf computes the trends over changes for the period [from, to) as
// of asOf. It is a pure function.
func TrendsOf(changes []*Change, from, to, asOf time.Time) Trends {
	tr := Trends{From: from.UTC(), To: to.UTC(), AsOf: asOf.UTC(),
		ByModel: map[string]int{}, ByCategory: map[string]int{}, ByService: map[string]int{}}
	var ages []time.Duration
	for _, c := range changes {
		tr.add(c, &ages)
	}
	tr.finish(ages)
	return tr
}

func (tr *Trends) add(c *Change, ages *[]time.Duration) {
	if c == nil {
		return
	}
	switch c.Status {
	case StatusDraft, StatusAssess, StatusAuthorize, StatusScheduled:
		if !c.CreatedAt.After(tr.AsOf) {
			tr.Backlog++
			*ages = append(*ages, tr.AsOf.Sub(c.CreatedAt))
		}
	}
	if c.CreatedAt.Before(tr.From) || !c.CreatedAt.Before(tr.To) {
		return
	}
	tr.Raised++
	tr.ByModel[c.Model]++
	tr.ByCategory[c.Category]++
	for _, s := range c.Services {
		tr.ByService[s]++
	}
	if c.ModelType == ModelEmergency {
		tr.Emergency++
	}
	switch {
	case c.Failed():
		tr.Failed++
	case c.Work != nil && !c.Work.EndedAt.IsZero():
		tr.Successful++
	}
	if (c.Review != nil && len(c.Review.IncidentsCaused) > 0) || (c.Failed() && len(c.LinkIDs(LinkIncident)) > 0) {
		tr.CausedIncidents++
	}
}

func (tr *Trends) finish(ages []time.Duration) {
	if n := tr.Successful + tr.Failed; n > 0 {
		tr.SuccessRate = float64(tr.Successful) / float64(n)
	}
	if tr.Raised > 0 {
		tr.EmergencyRatio = float64(tr.Emergency) / float64(tr.Raised)
	}
	if len(ages) > 0 {
		sort.Slice(ages, func(i, j int) bool { return ages[i] < ages[j] })
		tr.OldestBacklog, tr.MedianBacklog = ages[len(ages)-1], ages[len(ages)/2]
	}
}

// Trends computes the trends over every stored change that verifies
// against its journal (CHG-14); the others are left out and listed in
// [Trends.Unverified], and the summary says how many.
func (s *Service) Trends(ctx context.Context, from, to, asOf time.Time) (Trends, error) {
	tr := Trends{From: from.UTC(), To: to.UTC(), AsOf: asOf.UTC(),
		ByModel: map[string]int{}, ByCategory: map[string]int{}, ByService: map[string]int{}}
	var ages []time.Duration
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(c *Change, _ []sms.Entry) bool { tr.add(c, &ages); return true },
		func(id string, _ error) error { tr.Unverified = append(tr.Unverified, id); return nil })
	tr.finish(ages)
	return tr, err
}

// The periodic review of change trends (CHG-14) is kept in the review
// register (package review, which this package does not import): the host
// schedules it with these values and hands the review [Trends.Summary] as
// its input, with the conclusions drawn from it.
const (
	// TrendReviewSubject is the subject of change-trend reviews and of
	// their schedule.
	TrendReviewSubject = "change_trends"
	// CodeTrendReviewOverdue is the finding of a schedule whose
	// change-trend review is overdue (CHG-14).
	CodeTrendReviewOverdue = "CHANGE_TREND_REVIEW_OVERDUE"
)

// TrendRequirement returns CHG-14 (clause 8.5.1.3), as [Requirements]
// lists it: the requirement a change-trend review evidences, and the one
// its guards and its overdue finding cite.
func TrendRequirement() sms.Requirement { return requirement("CHG-14") }

// Summary states the trends in a paragraph, fit to record as the input of
// a change-trend review: the period, the volume by model, category and
// service, the outcomes, the emergency share, the changes that caused
// incidents and the backlog.
func (tr Trends) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes raised from %s to %s (as of %s): %d", tr.From.Format(time.DateOnly), tr.To.Format(time.DateOnly),
		tr.AsOf.Format(time.DateOnly), tr.Raised)
	for _, g := range []struct {
		by     string
		counts map[string]int
	}{{"model", tr.ByModel}, {"category", tr.ByCategory}, {"service", tr.ByService}} {
		if len(g.counts) == 0 {
			continue
		}
		keys := make([]string, 0, len(g.counts))
		for k := range g.counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, g.counts[k])
		}
		fmt.Fprintf(&b, "; by %s: %s", g.by, strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ". Implemented: %d successful, %d failed", tr.Successful, tr.Failed)
	if tr.Successful+tr.Failed > 0 {
		fmt.Fprintf(&b, " (success rate %.0f%%)", 100*tr.SuccessRate)
	}
	fmt.Fprintf(&b, ". Emergency changes: %d (%.0f%% of those raised). Changes that caused incidents: %d. Backlog: %d not yet implemented",
		tr.Emergency, 100*tr.EmergencyRatio, tr.CausedIncidents, tr.Backlog)
	if tr.Backlog > 0 {
		fmt.Fprintf(&b, ", oldest %s, median age %s", trendAge(tr.OldestBacklog), trendAge(tr.MedianBacklog))
	}
	b.WriteString(".")
	if n := len(tr.Unverified); n > 0 {
		fmt.Fprintf(&b, " Left out: %d change records that do not verify against their journal.", n)
	}
	return b.String()
}

// trendAge writes an age in whole days, or hours under a day.
func trendAge(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}
