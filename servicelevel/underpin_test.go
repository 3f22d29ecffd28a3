package servicelevel_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
)

// The clarification of SLM-09: compared as worst-case deadlines, worked
// out by hand for a week in Berlin's winter.
func TestUnderpins(t *testing.T) {
	t.Parallel()
	berlin := office(t, "Europe/Berlin", 1) // weekdays 09:00-12:00, 13:00-17:00
	allDay := always(t, "Europe/Berlin")
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, berlin.Location()) // Monday
	to := from.Add(7 * 24 * h)

	// An 8-hour office target is underpinned by a 24x7 supplier's 8 hours:
	// eight hours of the clock never end later than eight working hours.
	r, err := servicelevel.Underpins(servicelevel.Deadline{Calendar: berlin, Within: 8 * h}, []servicelevel.Deadline{{Calendar: allDay, Within: 8 * h}}, from, to)
	require.NoError(t, err)
	assert.True(t, r.Holds)
	assert.Positive(t, r.Checked)
	// The least slack: a start at 09:00 on a weekday, due 10:00 the next
	// working day under the office calendar and 17:00 the same day round
	// the clock: 17 h earlier.
	assert.Equal(t, 17*h, r.Slack)

	// The other way round, 8 hours of the clock are not underpinned by 8
	// office hours: a start on Friday at 16:00 is due at 00:00 round the
	// clock, and on Monday at 16:00 under the office hours.
	r, err = servicelevel.Underpins(servicelevel.Deadline{Calendar: allDay, Within: 8 * h}, []servicelevel.Deadline{{Calendar: berlin, Within: 8 * h}}, from, to)
	require.NoError(t, err)
	assert.False(t, r.Holds)
	assert.Negative(t, r.Slack)
	// The worst start is just after Thursday 16:00: at 16:00 sharp eight
	// office hours end on Friday at 17:00, but a second later they end on
	// Monday at 09:00:01 (Friday's seven hours, then Monday's), while round
	// the clock it is due at 00:00:01: 81 h later. The check looks one
	// second after every minute for such jumps; later starts up to Friday
	// 09:00 tie, and the first found is reported.
	assert.Equal(t, -81*h, r.Slack)
	assert.Equal(t, time.Date(2026, 12, 10, 16, 0, 1, 0, berlin.Location()), r.Worst.In(berlin.Location()))

	// A chain: a 2-hour diagnosis then a 5-hour fix, both on office hours,
	// underpin an 8-hour office target (7 h in all); 2 h + 7 h do not.
	r, err = servicelevel.Underpins(servicelevel.Deadline{Calendar: berlin, Within: 8 * h},
		[]servicelevel.Deadline{{Calendar: berlin, Within: 2 * h}, {Calendar: berlin, Within: 5 * h}}, from, to)
	require.NoError(t, err)
	assert.True(t, r.Holds)
	assert.Equal(t, h, r.Slack, "one working hour to spare at every start")
	r, err = servicelevel.Underpins(servicelevel.Deadline{Calendar: berlin, Within: 8 * h},
		[]servicelevel.Deadline{{Calendar: berlin, Within: 2 * h}, {Calendar: berlin, Within: 7 * h}}, from, to)
	require.NoError(t, err)
	assert.False(t, r.Holds)
	// 9 working hours against 8: one working hour late, which from a start
	// on Thursday at 16:00 (an hour that day, seven on Friday) is Monday
	// 10:00 against Friday 17:00: 65 h of the clock.
	assert.Equal(t, -65*h, r.Slack)
}

func TestUnderpinsRefusesAndUndecides(t *testing.T) {
	t.Parallel()
	cal := always(t, "UTC")
	closed, err := calendar.New(calendar.Spec{Name: "closed", Version: 1, Zone: "UTC"})
	require.NoError(t, err)
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	to := from.Add(h)
	for name, call := range map[string]func() error{
		"no calendar": func() error {
			_, err := servicelevel.Underpins(servicelevel.Deadline{Within: h}, []servicelevel.Deadline{{Calendar: cal, Within: h}}, from, to)
			return err
		},
		"empty chain": func() error {
			_, err := servicelevel.Underpins(servicelevel.Deadline{Calendar: cal, Within: h}, nil, from, to)
			return err
		},
		"negative": func() error {
			_, err := servicelevel.Underpins(servicelevel.Deadline{Calendar: cal, Within: h}, []servicelevel.Deadline{{Calendar: cal, Within: -h}}, from, to)
			return err
		},
		"period backwards": func() error {
			_, err := servicelevel.Underpins(servicelevel.Deadline{Calendar: cal, Within: h}, []servicelevel.Deadline{{Calendar: cal, Within: h}}, to, from)
			return err
		},
	} {
		var ve *sms.ValidationError
		assert.True(t, errors.As(call(), &ve), name)
	}
	r, err := servicelevel.Underpins(servicelevel.Deadline{Calendar: cal, Within: h}, []servicelevel.Deadline{{Calendar: closed, Within: h}}, from, to)
	require.NoError(t, err)
	assert.True(t, r.Undecidable)
	assert.False(t, r.Holds, "undecidable does not pass")
}

// The alignment report of an SLA over its internal agreements (SLM-09):
// each time target's chain resolved among the agreements in force and
// judged as worst-case deadlines; a looser chain names its weak link.
func TestAlign(t *testing.T) {
	t.Parallel()
	berlin := office(t, "Europe/Berlin", 1) // weekdays 09:00-12:00, 13:00-17:00
	allDay := always(t, "Europe/Berlin")
	cals := func(id string) (*calendar.Calendar, error) {
		switch id {
		case "office@1":
			return berlin, nil
		case "always@1":
			return allDay, nil
		}
		return nil, errors.New("no calendar " + id)
	}
	ola := func(id string, st servicelevel.AgreementStatus, targets ...servicelevel.Target) *servicelevel.Agreement {
		a := &servicelevel.Agreement{Type: servicelevel.OLA, Status: st, Targets: targets}
		a.ID = id
		return a
	}
	olas := []*servicelevel.Agreement{
		ola("OLA-desk", servicelevel.StatusActive, servicelevel.Target{Metric: "response", Objective: "30m", Calendar: "always@1"},
			servicelevel.Target{Metric: "diagnosis", Objective: "2h", Calendar: "office@1"}),
		ola("OLA-db", servicelevel.StatusUnderReview, servicelevel.Target{Metric: "fix", Objective: "7h", Calendar: "office@1"}),
		ola("OLA-old", servicelevel.StatusSuperseded, servicelevel.Target{Metric: "fix", Objective: "1h", Calendar: "office@1"}),
	}
	sla := &servicelevel.Agreement{Type: servicelevel.SLA, Status: servicelevel.StatusActive, Targets: []servicelevel.Target{
		{Metric: "response", Objective: "1h", Calendar: "office@1", Chain: []servicelevel.TargetRef{{Agreement: "OLA-desk", Metric: "response"}}},
		{Metric: "resolution", Objective: "8h", Calendar: "office@1", Chain: []servicelevel.TargetRef{{Agreement: "OLA-desk", Metric: "diagnosis"}, {Agreement: "OLA-db", Metric: "fix"}}},
		{Metric: "restore", Objective: "4h", Calendar: "office@1", Chain: []servicelevel.TargetRef{{Agreement: "OLA-old", Metric: "fix"}}},
		{Metric: "update", Objective: "2h", Calendar: "office@1"},
		{Metric: "availability", Objective: "99.5%", Calendar: "office@1"},
	}}
	sla.ID = "SLA-payroll"
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, berlin.Location())
	al, err := servicelevel.Align(sla, olas, cals, from, from.Add(7*24*h))
	require.NoError(t, err)
	require.Len(t, al, 5)

	// 30 minutes round the clock never end after one office hour.
	assert.Nil(t, al[0].Finding)
	assert.True(t, al[0].Strictness.Holds)
	// 2 h + 7 h of office time is 9 h against 8 h. Worst from Thursday
	// 16:00: eight working hours end on Friday at 17:00, nine on Monday at
	// 10:00, 65 h later; the diagnosis is due Thursday 17:00 + 1 h = Friday
	// 10:00, before the target, so the fix is where the chain passes it.
	require.NotNil(t, al[1].Finding)
	assert.Equal(t, servicelevel.CodeUnderpinningWeak, al[1].Finding.Code)
	assert.Equal(t, "SLM-09", al[1].Finding.Requirement.ID)
	assert.Equal(t, -65*h, al[1].Strictness.Slack)
	assert.Contains(t, al[1].Finding.Detail, "OLA-db fix is the weak link")
	assert.Len(t, al[1].Chain, 2)
	// A superseded agreement underpins nothing; no chain is missing; a
	// percentage is not a duration.
	for i, code := range map[int]string{2: servicelevel.CodeUnderpinningMissing, 3: servicelevel.CodeUnderpinningMissing, 4: servicelevel.CodeUnderpinningUndecidable} {
		require.NotNil(t, al[i].Finding, i)
		assert.Equal(t, code, al[i].Finding.Code, i)
	}

	bad := sla.Clone()
	bad.Targets[0].Calendar = "mars@1"
	_, err = servicelevel.Align(bad, olas, cals, from, from.Add(7*24*h))
	require.Error(t, err)
	_, err = servicelevel.Align(nil, olas, cals, from, from.Add(h))
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}
