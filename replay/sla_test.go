package replay_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
	"github.com/iso20k/sms/servicelevel"
)

// slaTargets are the resolution targets per priority the test's SLA sets.
var slaTargets = map[string]time.Duration{"1": 4 * time.Hour, "2": 8 * time.Hour, "3": 24 * time.Hour, "4": 48 * time.Hour, "5": 72 * time.Hour}

// The real log's incidents, replayed, timed through an SLA on a 24x7 and on
// an 08:00-18:00 weekday calendar: the breaches per priority the library
// counts equal those of a straightforward loop over the same journals.
func TestServiceNowSLA(t *testing.T) {
	path := dataFile(t, serviceNowLog)
	target := memstore.New[*incident.Incident]()
	var cases []string
	_, err := replay.Run(context.Background(), openLog(t, path), serviceNowMapping(t), replay.Options{SkipBadRows: true, Target: target},
		func(r *replay.CaseResult) error {
			if r.Status != "" {
				cases = append(cases, r.Case)
			}
			return nil
		})
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	journals := make([][]sms.Entry, 0, len(cases))
	for _, id := range cases {
		j, err := target.Journal(context.Background(), id)
		require.NoError(t, err)
		journals = append(journals, j)
	}

	def := servicelevel.TimerDef{Name: "resolution", Version: 1,
		Start:       []servicelevel.Condition{{Creation: true}, {Trigger: "reopen"}},
		Pause:       []servicelevel.Condition{{To: []string{"on_hold"}}},
		Resume:      []servicelevel.Condition{{From: []string{"on_hold"}, To: []string{"new", "assigned", "in_progress"}}},
		Stop:        []servicelevel.Condition{{To: []string{"resolved", "closed"}}},
		Cancel:      []servicelevel.Condition{{To: []string{"cancelled"}}},
		Target:      slaTargets["5"],
		TargetField: "priority", Targets: slaTargets}
	week, err := calendar.New(func() calendar.Spec {
		s := calendar.Spec{Name: "weekdays", Version: 1, Zone: "UTC"}
		for wd := time.Monday; wd <= time.Friday; wd++ {
			s.Week[wd] = []calendar.Window{{Start: calendar.At(8, 0), End: calendar.At(18, 0)}}
		}
		return s
	}())
	require.NoError(t, err)
	allDay, err := calendar.Always("24x7", 1, "UTC")
	require.NoError(t, err)

	for _, tc := range []struct {
		name    string
		cal     *calendar.Calendar
		working func(from, to time.Time) time.Duration
	}{
		{"24x7", allDay, func(from, to time.Time) time.Duration { return to.Sub(from) }},
		{"weekdays 08:00-18:00", week, weekdayHours},
	} {
		c, err := servicelevel.Compile(def, tc.cal)
		require.NoError(t, err)
		lib, loop := map[string]int{}, map[string]int{}
		for _, j := range journals {
			tm, err := c.Evaluate(j)
			require.NoError(t, err)
			if tm.Phase == servicelevel.Stopped && tm.Breached {
				lib[tm.TargetKey]++
			}
			if key, breached := naiveBreach(j, tc.working); breached {
				loop[key]++
			}
		}
		require.NotEmpty(t, lib, tc.name)
		assert.Equal(t, loop, lib, "%s: breaches per priority", tc.name)
		t.Logf("%s: %d journals, breaches per priority %v", tc.name, len(journals), lib)
	}
}

// naiveBreach times a journal as the test's SLA says, in the plainest way:
// from the first entry, not counting time on hold, until the first entry
// that enters resolved or closed (a reopen goes on counting until the
// next), and reports the priority it ended with and whether its target
// was exceeded. A cancelled incident has no result.
func naiveBreach(j []sms.Entry, working func(from, to time.Time) time.Duration) (string, bool) {
	var elapsed time.Duration
	priority := ""
	running, since, done := true, j[0].At, false
	for _, e := range j {
		if p, ok := sms.Get(e.Payload, "priority"); ok {
			priority = p
		}
		switch {
		case e.To == "cancelled":
			return "", false
		case running && (e.To == "resolved" || e.To == "closed"):
			elapsed += working(since, e.At)
			running, done = false, true
		case running && e.To == "on_hold":
			elapsed += working(since, e.At)
			running = false
		case !running && !done && e.From == "on_hold" && (e.To == "new" || e.To == "assigned" || e.To == "in_progress"):
			running, since = true, e.At
		case !running && !done && e.From == "on_hold" && (e.To == "resolved" || e.To == "closed"):
			done = true
		case !running && done && e.Trigger == "reopen":
			running, since, done = true, e.At, false
		}
	}
	if !done {
		return "", false
	}
	target, ok := slaTargets[priority]
	if !ok {
		target = slaTargets["5"]
	}
	return priority, elapsed > target
}

// weekdayHours is the working time between two instants on Monday to
// Friday, 08:00 to 18:00 UTC, day by day.
func weekdayHours(from, to time.Time) time.Duration {
	var total time.Duration
	from, to = from.UTC(), to.UTC()
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC); d.Before(to); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		s, e := d.Add(8*time.Hour), d.Add(18*time.Hour)
		if from.After(s) {
			s = from
		}
		if to.Before(e) {
			e = to
		}
		if e.After(s) {
			total += e.Sub(s)
		}
	}
	return total
}
