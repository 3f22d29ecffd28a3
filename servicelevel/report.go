package servicelevel

import (
	"math/big"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Month returns the calendar month holding t in loc, as the period
// [first day 00:00, next month's first day 00:00) of that zone: a
// customer's reporting period in the customer's zone.
func Month(t time.Time, loc *time.Location) (from, to time.Time) {
	l := t.In(loc)
	from = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// Measured is what a period report measures one target with: the
// compiled timer of its metric and the journals of the records it times.
type Measured struct {
	Target   Target
	Timer    *Compiled
	Journals [][]sms.Entry
}

// TargetResult is one target's achievement over a period (SLM-04): of the
// timers that stopped in the period, for the target's priorities, how many
// met it.
type TargetResult struct {
	Target         Target   `json:"target"`
	Measured       int      `json:"measured"`
	Met            int      `json:"met"`
	Missed         []string `json:"missed,omitempty"` // the records whose timer breached, by entity ID
	AchievementNum int64    `json:"achievement_num"`  // Met
	AchievementDen int64    `json:"achievement_den"`  // Measured
}

// Percent returns the achievement in percent (100 for a target nothing
// was measured against).
func (r TargetResult) Percent() float64 {
	if r.AchievementDen == 0 {
		return 100
	}
	f, _ := new(big.Rat).SetFrac64(r.AchievementNum, r.AchievementDen).Float64()
	return f * 100
}

// WorkloadResult is one workload limit against the period's actual load
// (SLM-05): the host counts the load.
type WorkloadResult struct {
	Limit    Limit `json:"limit"`
	Actual   int64 `json:"actual"`
	Exceeded bool  `json:"exceeded"`
}

// Report is an agreement's report for one period.
type Report struct {
	Agreement string           `json:"agreement"`
	Edition   int              `json:"edition"`
	From      time.Time        `json:"from"`
	To        time.Time        `json:"to"`
	Targets   []TargetResult   `json:"targets,omitempty"`
	Workload  []WorkloadResult `json:"workload,omitempty"`
	// Missed and Exceeded say whether a target was missed or a limit
	// exceeded: the review of such a period names an improvement (SLM-06).
	Missed   bool `json:"missed,omitempty"`
	Exceeded bool `json:"exceeded,omitempty"`
}

// NeedsImprovement reports whether the period's review must name an
// improvement action or opportunity (SLM-06, SLM-05).
func (r *Report) NeedsImprovement() bool { return r.Missed || r.Exceeded }

// PeriodReport measures agreement a over [from, to): each target it
// measures (by the timers in measured, matched by metric), each workload
// limit against load (metric to the count the host supplies). A target
// with no timer is reported with nothing measured; a journal a timer
// cannot apply is the error. An agreement not in force over the period
// and a period that ends before it starts are refused with a
// [*sms.ValidationError].
func PeriodReport(a *Agreement, measured []Measured, load map[string]int64, from, to time.Time) (Report, error) {
	r := Report{Agreement: a.ID, Edition: a.Edition, From: from, To: to}
	if !to.After(from) {
		return r, sms.Invalid(Kind, "period", "ends at %s, not after it starts at %s", to, from)
	}
	switch a.Status {
	case StatusActive, StatusUnderReview, StatusSuperseded, StatusExpired, StatusTerminated:
	default:
		return r, sms.Invalid(Kind, "agreement", "%s is %s: only an agreement that was in force is reported on", a.ID, a.Status)
	}
	for _, tg := range a.Targets {
		res := TargetResult{Target: tg}
		for _, m := range measured {
			if m.Target.Metric != tg.Metric || !slices.Equal(m.Target.Priorities, tg.Priorities) {
				continue
			}
			for _, j := range m.Journals {
				t, err := m.Timer.Evaluate(j)
				if err != nil {
					return r, err
				}
				if t.Phase != Stopped || t.Stopped.Before(from) || !t.Stopped.Before(to) {
					continue
				}
				if len(tg.Priorities) > 0 && !slices.Contains(tg.Priorities, t.TargetKey) {
					continue
				}
				res.Measured++
				if t.Breached {
					if len(j) > 0 {
						res.Missed = append(res.Missed, j[0].EntityID)
					}
				} else {
					res.Met++
				}
			}
		}
		res.AchievementNum, res.AchievementDen = int64(res.Met), int64(res.Measured)
		r.Missed = r.Missed || len(res.Missed) > 0
		r.Targets = append(r.Targets, res)
	}
	for _, l := range a.Limits {
		w := WorkloadResult{Limit: l, Actual: load[l.Metric]}
		w.Exceeded = w.Actual > l.Max
		r.Exceeded = r.Exceeded || w.Exceeded
		r.Workload = append(r.Workload, w)
	}
	return r, nil
}

// Trend is a target's achievement over the periods that exist, oldest
// first (the clarifications of RPT-03: a new agreement's first reports say
// how many periods there are, rather than failing).
type Trend struct {
	Metric string
	// Priorities are the target's, telling apart two targets of a metric.
	Priorities []string
	Periods    int
	Percent    []float64
}

// Trends returns, for each target of the latest report, its achievement
// over the latest report and up to n-1 before it (reports oldest first).
func Trends(reports []Report, n int) []Trend {
	if len(reports) == 0 || n < 1 {
		return nil
	}
	if len(reports) > n {
		reports = reports[len(reports)-n:]
	}
	last := reports[len(reports)-1]
	out := make([]Trend, 0, len(last.Targets))
	for i, tg := range last.Targets {
		tr := Trend{Metric: tg.Target.Metric, Priorities: slices.Clone(tg.Target.Priorities)}
		for _, r := range reports {
			if i < len(r.Targets) && r.Targets[i].Target.Metric == tg.Target.Metric && slices.Equal(r.Targets[i].Target.Priorities, tg.Target.Priorities) {
				tr.Percent = append(tr.Percent, r.Targets[i].Percent())
			}
		}
		tr.Periods = len(tr.Percent)
		out = append(out, tr)
	}
	return out
}
