package incident_test

import (
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/incident"
)

// Under a business calendar the due times are working time after the
// report, and a hold pushes the resolution due time back by the working
// time it lasted: a weekend on hold costs nothing.
func TestTimersOnABusinessCalendar(t *testing.T) {
	t.Parallel()
	spec := calendar.Spec{Name: "office", Version: 1, Zone: "Europe/Berlin"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(17, 0)}}
	}
	cal, err := calendar.New(spec)
	require.NoError(t, err)
	berlin := cal.Location()
	p := incident.DefaultPolicy()
	p.Calendar = cal
	f := newFixture(t, p)
	// Friday 2026-12-04 15:00 in Berlin.
	f.clk.Set(time.Date(2026, 12, 4, 15, 0, 0, 0, berlin))
	r := report()
	r.ReportedAt = time.Date(2026, 12, 4, 15, 0, 0, 0, berlin)
	inc, err := f.svc.Log(f.ctx, desk, r)
	require.NoError(t, err)
	inc = f.step(t, inc.ID, incident.Classification{Category: "network", Impact: incident.Medium, Urgency: incident.Medium}) // P3: 2 h and 24 h
	require.Equal(t, incident.Priority(3), inc.Priority)
	// Response 2 h: 15:00-17:00 on Friday. Resolution 24 h: Friday 2 h, then
	// three 8-hour days (Monday, Tuesday, Wednesday) 24 h, less the 2 h:
	// Wednesday 15:00.
	assert.Equal(t, time.Date(2026, 12, 4, 17, 0, 0, 0, berlin), inc.SLA.ResponseDue.In(berlin))
	assert.Equal(t, time.Date(2026, 12, 9, 15, 0, 0, 0, berlin), inc.SLA.ResolutionDue.In(berlin))

	inc = f.step(t, inc.ID, validCommand(incident.TriggerAssign))
	inc = f.step(t, inc.ID, incident.WorkStart{})
	// On hold for the caller from Friday 16:00 to Monday 10:00: 1 h on
	// Friday and 1 h on Monday of working time.
	f.clk.Set(time.Date(2026, 12, 4, 16, 0, 0, 0, berlin))
	inc, err = f.svc.Hold(f.ctx, boss, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
	require.NoError(t, err)
	f.clk.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, berlin))
	inc, err = f.svc.Resume(f.ctx, boss, inc.ID, incident.Resumption{})
	require.NoError(t, err)
	assert.Equal(t, 2*time.Hour, inc.SLA.Paused, "working time on hold, not the 66 hours of the weekend")
	assert.Equal(t, time.Date(2026, 12, 9, 17, 0, 0, 0, berlin), inc.SLA.ResolutionDue.In(berlin), "two working hours later")
	require.NoError(t, f.svc.Verify(f.ctx, inc.ID))
}
