package servicelevel

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

// OutageKind says what an outage was.
type OutageKind string

// Outage kinds.
const (
	// Unplanned: the service was down when it should have been up.
	Unplanned OutageKind = "unplanned"
	// Planned: downtime an authorized change covers, or an agreed
	// maintenance window (AVL-06; the clarifications of AVL-06).
	Planned OutageKind = "planned"
	// Degraded: the service was up but impaired; counted as down with the
	// requirement's weight (none by default), reported apart.
	Degraded OutageKind = "degraded"
)

// Outage is one interruption of a service, as the host's outage records
// hold it: from Start up to, not including, End; a zero End is an outage
// still ongoing, down up to the end of the period measured.
type Outage struct {
	ID      string     `json:"id"`
	Service string     `json:"service"`
	Kind    OutageKind `json:"kind"`
	Start   time.Time  `json:"start"`
	End     time.Time  `json:"end"`
	// Change is the change that covers a planned outage (AVL-06).
	Change string `json:"change,omitempty"`
	// Investigated says an unplanned outage was investigated (AVL-05): its
	// incident or problem, and the actions taken, are recorded.
	Investigated bool `json:"investigated,omitempty"`
}

// Changes is the host's change lookup: whether change id is authorized
// for service and covers [from, to) (scheduled or later, its window
// containing the interval).
type Changes interface {
	Covers(ctx context.Context, id, service string, from, to time.Time) (bool, error)
}

// AvailabilityRequirement is an availability requirement (AVL-02): the target, as a
// ratio (99.5 % is 995 per 1000), within the agreed service hours, with
// the maintenance windows the agreement allows.
type AvailabilityRequirement struct {
	Service string `json:"service"`
	// TargetNum / TargetDen is the availability target: 995 / 1000.
	TargetNum int64 `json:"target_num"`
	TargetDen int64 `json:"target_den"`
	// Hours is the calendar of the agreed service hours; time outside it
	// does not count.
	Hours *calendar.Calendar `json:"-"`
	// Maintenance are the maintenance windows agreed as exceptions:
	// planned downtime whether or not a change covers it.
	Maintenance []calendar.Interval `json:"maintenance,omitempty"`
	// DegradedPerMille is the weight of degraded time, in thousandths of
	// down time: 0 (the default) does not count it as down.
	DegradedPerMille int64 `json:"degraded_per_mille,omitempty"`
}

// Availability is a service's availability over a period, within its
// service hours, with exact integer arithmetic.
type Availability struct {
	Service  string    `json:"service"`
	From, To time.Time `json:"-"`
	// Agreed is the service hours in the period; Down the unplanned down
	// time within them, overlapping outages merged, plus the weighted
	// degraded time; Planned and Degraded are reported apart.
	Agreed, Down, Planned, Degraded time.Duration
	// Up/Agreed is the availability: Agreed less Down, over Agreed.
	Up time.Duration
	// Met says Up/Agreed reaches the target (compared by cross
	// multiplication, without rounding).
	Met bool
	// Failures counts the unplanned outages that fall in the service hours
	// (an outage wholly outside them is ignored, findings included).
	Failures int
	// MTBF is the mean up time between failures, and MTRS the mean time to
	// restore service. For a period without failure MTBF is at least the
	// period's up time (MTBFAtLeast), and MTRS is undefined (MTRSDefined
	// false) (the clarifications of AVL-07).
	MTBF        time.Duration
	MTBFAtLeast bool
	MTRS        time.Duration
	MTRSDefined bool
	// Findings: planned outages no authorized change covers, counted as
	// unplanned (AVL-06); unplanned outages not investigated (AVL-05).
	Findings []sms.Finding
}

// Percent returns the availability in percent, rounded for display.
func (a Availability) Percent() float64 {
	if a.Agreed == 0 {
		return 100
	}
	f, _ := new(big.Rat).SetFrac(big.NewInt(int64(a.Up)), big.NewInt(int64(a.Agreed))).Float64()
	return f * 100
}

// Finding codes of the availability measurement.
const (
	CodePlannedWithoutChange = "PLANNED_OUTAGE_WITHOUT_CHANGE"
	CodeOutageUninvestigated = "OUTAGE_NOT_INVESTIGATED" // the sweep catalogue's code (AVL-05)
)

var (
	reqAVL05 = sms.Requirement{ID: "AVL-05", Clause: "8.7.1", Text: "unplanned unavailability is investigated and the necessary actions taken"}
	reqAVL06 = sms.Requirement{ID: "AVL-06", Clause: "8.7.1", Text: "planned downtime is planned only when an authorized change covers it"}
)

// Measure computes the availability of req.Service over [from, to) from
// outages (those of other services are ignored), asking changes whether a
// planned outage's change covers it. A requirement without a calendar or
// with a target that is no ratio from 0 to 1, a period or an outage that
// ends before it starts, and an outage of an unknown kind are refused with
// a [*sms.ValidationError].
func Measure(ctx context.Context, req AvailabilityRequirement, outages []Outage, from, to time.Time, changes Changes) (Availability, error) {
	a := Availability{Service: req.Service, From: from, To: to}
	switch {
	case req.Hours == nil:
		return a, sms.Invalid(Kind, "requirement.hours", "is nil: availability counts within the agreed service hours")
	case req.TargetDen <= 0 || req.TargetNum < 0 || req.TargetNum > req.TargetDen:
		return a, sms.Invalid(Kind, "requirement.target", "%d/%d is not a ratio from 0 to 1", req.TargetNum, req.TargetDen)
	case req.DegradedPerMille < 0 || req.DegradedPerMille > 1000:
		return a, sms.Invalid(Kind, "requirement.degraded_per_mille", "%d is not from 0 to 1000", req.DegradedPerMille)
	case !to.After(from):
		return a, sms.Invalid(Kind, "period", "ends at %s, not after it starts at %s", to, from)
	}
	for _, o := range outages {
		if o.End.IsZero() {
			continue // ongoing: down up to the end of the period
		}
		if !o.End.After(o.Start) {
			return a, sms.Invalid(Kind, "outage", "%s ends at %s, not after it starts at %s", o.ID, o.End, o.Start)
		}
		switch o.Kind {
		case Unplanned, Planned, Degraded:
		default:
			return a, sms.Invalid(Kind, "outage", "%s: %q is not unplanned, planned or degraded", o.ID, o.Kind)
		}
	}
	var down, planned, degraded []calendar.Interval
	for _, o := range outages {
		if o.End.IsZero() {
			o.End = to
		}
		if o.Service != req.Service || !o.End.After(from) || !o.Start.Before(to) {
			continue
		}
		iv := calendar.Interval{Start: maxT(o.Start, from), End: minT(o.End, to)}
		if req.Hours.Between(iv.Start, iv.End) == 0 {
			continue // wholly outside the service hours: no downtime, nothing to find
		}
		switch o.Kind {
		case Planned:
			ok, err := plannedCovered(ctx, req, o, changes)
			if err != nil {
				return a, err
			}
			if ok {
				planned = append(planned, iv)
				continue
			}
			a.Findings = append(a.Findings, sms.Finding{Code: CodePlannedWithoutChange, Requirement: reqAVL06, Kind: Kind, EntityID: o.ID, At: to,
				Detail: fmt.Sprintf("planned outage of %s from %s to %s: no authorized change covers it (change %q); counted as unplanned",
					o.Service, o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339), o.Change)})
			fallthrough
		case Unplanned:
			a.Failures++
			down = append(down, iv)
			if !o.Investigated {
				a.Findings = append(a.Findings, sms.Finding{Code: CodeOutageUninvestigated, Requirement: reqAVL05, Kind: Kind, EntityID: o.ID, At: to,
					Detail: "unplanned outage of " + o.Service + " from " + o.Start.Format(time.RFC3339) + " not investigated"})
			}
		case Degraded:
			degraded = append(degraded, iv)
		}
	}
	down = union(down)
	planned = subtract(union(planned), down)
	degraded = subtract(subtract(union(degraded), down), planned)
	a.Agreed = req.Hours.Between(from, to)
	hours := func(ivs []calendar.Interval) time.Duration {
		var d time.Duration
		for _, iv := range ivs {
			d += req.Hours.Between(iv.Start, iv.End)
		}
		return d
	}
	a.Planned, a.Degraded = hours(planned), hours(degraded)
	a.Down = hours(down) + time.Duration(int64(a.Degraded)*req.DegradedPerMille/1000)
	a.Up = a.Agreed - a.Down
	// Up/Agreed >= Num/Den, exactly: Up*Den >= Num*Agreed, in big integers.
	lhs := new(big.Int).Mul(big.NewInt(int64(a.Up)), big.NewInt(req.TargetDen))
	rhs := new(big.Int).Mul(big.NewInt(req.TargetNum), big.NewInt(int64(a.Agreed)))
	a.Met = lhs.Cmp(rhs) >= 0
	if a.Failures == 0 {
		a.MTBF, a.MTBFAtLeast = a.Up, true
	} else {
		a.MTBF = a.Up / time.Duration(a.Failures)
		a.MTRS, a.MTRSDefined = hours(down)/time.Duration(a.Failures), true
	}
	return a, nil
}

// plannedCovered reports whether a planned outage is planned: within an
// agreed maintenance window, or covered by an authorized change.
func plannedCovered(ctx context.Context, req AvailabilityRequirement, o Outage, changes Changes) (bool, error) {
	for _, w := range req.Maintenance {
		if !o.Start.Before(w.Start) && !o.End.After(w.End) {
			return true, nil
		}
	}
	if o.Change == "" || changes == nil {
		return false, nil
	}
	return changes.Covers(ctx, o.Change, o.Service, o.Start, o.End)
}

// union merges overlapping or touching intervals.
func union(ivs []calendar.Interval) []calendar.Interval {
	ivs = slices.Clone(ivs)
	slices.SortFunc(ivs, func(a, b calendar.Interval) int { return a.Start.Compare(b.Start) })
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && !iv.Start.After(out[n-1].End) {
			out[n-1].End = maxT(out[n-1].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// subtract returns a less b; both sorted and disjoint.
func subtract(a, b []calendar.Interval) []calendar.Interval {
	var out []calendar.Interval
	for _, iv := range a {
		s := iv.Start
		for _, cut := range b {
			if !cut.End.After(s) || !cut.Start.Before(iv.End) {
				continue
			}
			if cut.Start.After(s) {
				out = append(out, calendar.Interval{Start: s, End: cut.Start})
			}
			s = maxT(s, cut.End)
		}
		if iv.End.After(s) {
			out = append(out, calendar.Interval{Start: s, End: iv.End})
		}
	}
	return out
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
