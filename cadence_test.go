package sms_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

func TestCadencePeriods(t *testing.T) {
	t.Parallel()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	at := func(y int, m time.Month, d, h int, loc *time.Location) time.Time {
		return time.Date(y, m, d, h, 0, 0, 0, loc)
	}
	cases := []struct {
		name       string
		c          sms.Cadence
		t          time.Time
		start, end time.Time
		next       time.Time
	}{
		{"monthly, February of a leap year", sms.Monthly(""), at(2028, 2, 15, 9, time.UTC), at(2028, 2, 1, 0, time.UTC), at(2028, 3, 1, 0, time.UTC), at(2028, 4, 1, 0, time.UTC)},
		{"monthly in Lisbon across the clock change", sms.Monthly("Europe/Lisbon"), at(2026, 3, 29, 12, lisbon), at(2026, 3, 1, 0, lisbon), at(2026, 4, 1, 0, lisbon), at(2026, 5, 1, 0, lisbon)},
		{"monthly in Lisbon, an instant given in UTC just before midnight there", sms.Monthly("Europe/Lisbon"), time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), at(2026, 7, 1, 0, lisbon), at(2026, 8, 1, 0, lisbon), at(2026, 9, 1, 0, lisbon)},
		{"quarterly", sms.Quarterly(""), at(2026, 5, 20, 0, time.UTC), at(2026, 4, 1, 0, time.UTC), at(2026, 7, 1, 0, time.UTC), at(2026, 10, 1, 0, time.UTC)},
		{"half-yearly", sms.Cadence{Unit: sms.UnitMonth, Count: 6}, at(2026, 11, 2, 0, time.UTC), at(2026, 7, 1, 0, time.UTC), at(2027, 1, 1, 0, time.UTC), at(2027, 7, 1, 0, time.UTC)},
		{"yearly", sms.Yearly(""), at(2026, 12, 31, 23, time.UTC), at(2026, 1, 1, 0, time.UTC), at(2027, 1, 1, 0, time.UTC), at(2028, 1, 1, 0, time.UTC)},
		{"every three years", sms.Cadence{Unit: sms.UnitYear, Count: 3}, at(2026, 4, 1, 0, time.UTC), at(2025, 1, 1, 0, time.UTC), at(2028, 1, 1, 0, time.UTC), at(2031, 1, 1, 0, time.UTC)},
		{"a fixed duration", sms.EveryDuration(720 * time.Hour), at(2026, 2, 1, 0, time.UTC), at(2026, 2, 1, 0, time.UTC), at(2026, 3, 3, 0, time.UTC), at(2026, 3, 3, 0, time.UTC)},
	}
	for _, tc := range cases {
		require.NoError(t, tc.c.Validate(), tc.name)
		start, end := tc.c.PeriodOf(tc.t)
		assert.True(t, start.Equal(tc.start), "%s: start %v, want %v", tc.name, start, tc.start)
		assert.True(t, end.Equal(tc.end), "%s: end %v, want %v", tc.name, end, tc.end)
		assert.True(t, tc.c.NextDue(tc.t).Equal(tc.next), "%s: next due %v, want %v", tc.name, tc.c.NextDue(tc.t), tc.next)
		assert.True(t, tc.c.FirstDue(tc.t).Equal(tc.end), "%s: first due", tc.name)
	}
	// A calendar month in Lisbon is 743 hours in March (the clock goes
	// forward) and 745 in October: not a multiple of 24.
	s, e := sms.Monthly("Europe/Lisbon").PeriodOf(at(2026, 3, 10, 0, lisbon))
	assert.Equal(t, 743*time.Hour, e.Sub(s))
	assert.Equal(t, "monthly in Europe/Lisbon", sms.Monthly("Europe/Lisbon").String())
	assert.Equal(t, "every 2 quarters in UTC", sms.Cadence{Unit: sms.UnitQuarter, Count: 2}.String())
}

func TestCadenceValidate(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]sms.Cadence{
		"zero":                   {},
		"both":                   {Every: time.Hour, Unit: sms.UnitMonth},
		"negative":               {Every: -time.Hour},
		"too long":               {Every: sms.MaxCadence + 1},
		"a duration with a zone": {Every: time.Hour, Zone: "UTC"},
		"five months":            {Unit: sms.UnitMonth, Count: 5},
		"three quarters":         {Unit: sms.UnitQuarter, Count: 3},
		"a week unit":            {Unit: "week"},
		"an unknown zone":        {Unit: sms.UnitYear, Zone: "Mars/Olympus"},
	} {
		assert.ErrorIs(t, c.Validate(), sms.ErrInvalid, name)
	}
}
