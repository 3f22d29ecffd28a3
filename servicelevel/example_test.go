package servicelevel_test

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
)

// A resolution timer on office hours, read from an incident's journal: the
// breach explained segment by segment.
func Example() {
	spec := calendar.Spec{Name: "office", Version: 1, Zone: "Europe/Berlin"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(12, 0)}, {Start: calendar.At(13, 0), End: calendar.At(17, 0)}}
	}
	cal, _ := calendar.New(spec)
	timer, err := servicelevel.Compile(servicelevel.TimerDef{
		Name: "resolution", Version: 1,
		Start:       []servicelevel.Condition{{Creation: true}},
		Pause:       []servicelevel.Condition{{To: []string{"on_hold"}}},
		Resume:      []servicelevel.Condition{{From: []string{"on_hold"}, To: []string{"in_progress"}}},
		Stop:        []servicelevel.Condition{{To: []string{"resolved"}}},
		TargetField: "priority", Targets: map[string]time.Duration{"1": 4 * time.Hour}, Target: 8 * time.Hour,
	}, cal)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, cal.Location()).UTC() }
	journal := []sms.Entry{
		{Seq: 1, Trigger: "log", To: "new", At: at(21, 10, 0), Payload: []sms.Field{{Key: "priority", Value: "1"}}},
		{Seq: 2, Trigger: "hold", From: "new", To: "on_hold", At: at(21, 11, 30), Payload: []sms.Field{{Key: "reason", Value: "caller"}}},
		{Seq: 3, Trigger: "resume", From: "on_hold", To: "in_progress", At: at(21, 15, 0)},
		{Seq: 4, Trigger: "resolve", From: "in_progress", To: "resolved", At: at(22, 10, 0)},
	}
	segs, t, _ := timer.Explain(journal, at(22, 10, 0))
	for _, s := range segs {
		fmt.Printf("%-13s %s - %s %5s %s\n", s.Kind, s.From.In(cal.Location()).Format("Mon 15:04"),
			s.To.In(cal.Location()).Format("Mon 15:04"), s.Counted, s.Reason)
	}
	fmt.Println(t.Phase, "after", t.Elapsed, "of", t.Target, "breached:", t.Breached,
		"at", t.BreachedAt.In(cal.Location()).Format("Mon 15:04"))
	// Output:
	// running       Mon 10:00 - Mon 11:30 1h30m0s log
	// paused        Mon 11:30 - Mon 15:00    0s hold (caller)
	// running       Mon 15:00 - Mon 17:00 2h0m0s resume
	// outside_hours Mon 17:00 - Tue 09:00    0s resume
	// running       Tue 09:00 - Tue 10:00 1h0m0s resume
	// stopped after 4h30m0s of 4h0m0s breached: true at Tue 09:30
}
