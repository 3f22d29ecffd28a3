package calendar_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // the tests need the zones whatever the machine has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

const h, m = time.Hour, time.Minute

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	require.NoError(t, err)
	return l
}

func always(t testing.TB, zone string) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Always("24x7", 1, zone)
	require.NoError(t, err)
	return c
}

// office is Monday to Friday 09:00-12:00 and 13:00-17:00 (a lunch break),
// seven hours a day, in zone.
func office(t testing.TB, zone string, holidays ...calendar.Date) *calendar.Calendar {
	t.Helper()
	s := calendar.Spec{Name: "office", Version: 1, Zone: zone, Holidays: holidays}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		s.Week[wd] = []calendar.Window{{calendar.At(9, 0), calendar.At(12, 0)}, {calendar.At(13, 0), calendar.At(17, 0)}}
	}
	c, err := calendar.New(s)
	require.NoError(t, err)
	return c
}

func day(y int, mo time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: mo, Day: d} }

// The length of a whole day, 00:00 to 24:00, on the days the clock
// changes, and the instants of wall times that do not exist or exist
// twice, each worked out by hand from the zone's rules.
func TestDaylightSavingChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone string
		date calendar.Date
		want time.Duration
		why  string
	}{
		// Berlin springs forward on 2026-03-29 at 02:00 CET to 03:00 CEST.
		{"Europe/Berlin", day(2026, 3, 29), 23 * h, "02:00-03:00 does not exist"},
		// and falls back on 2026-10-25 at 03:00 CEST to 02:00 CET.
		{"Europe/Berlin", day(2026, 10, 25), 25 * h, "02:00-03:00 happens twice"},
		{"Europe/Berlin", day(2026, 7, 1), 24 * h, "an ordinary day"},
		// São Paulo sprang forward on 2018-11-04 at 00:00 to 01:00: the day
		// starts at 01:00 -02, and midnight itself does not exist.
		{"America/Sao_Paulo", day(2018, 11, 4), 23 * h, "00:00-01:00 does not exist"},
		// and fell back on 2019-02-17 at 00:00 -02 to 23:00 -03 on the 16th:
		// the 16th runs from 00:00 -02 to 00:00 -03, 25 hours.
		{"America/Sao_Paulo", day(2019, 2, 16), 25 * h, "23:00-24:00 happens twice"},
		// Lord Howe shifts half an hour: on 2026-10-04 02:00 becomes 02:30,
		// on 2026-04-05 02:00 becomes 01:30.
		{"Australia/Lord_Howe", day(2026, 10, 4), 23*h + 30*m, "02:00-02:30 does not exist"},
		{"Australia/Lord_Howe", day(2026, 4, 5), 24*h + 30*m, "01:30-02:00 happens twice"},
	} {
		c := always(t, tc.zone)
		start := c.Instant(tc.date, 0)
		end := c.Instant(tc.date, calendar.At(24, 0))
		assert.Equal(t, tc.want, c.Between(start, end), "%s %s: %s", tc.zone, tc.date, tc.why)
		assert.Equal(t, tc.want, end.Sub(start), "%s %s", tc.zone, tc.date)
		got, ok := c.Add(start, tc.want)
		require.True(t, ok)
		assert.True(t, got.Equal(end), "%s %s: Add gives %s, want %s", tc.zone, tc.date, got, end)
	}

	berlin := always(t, "Europe/Berlin")
	// 02:30 on the spring day does not exist: it is the jump, 03:00 CEST,
	// 01:00 UTC.
	assert.Equal(t, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), berlin.Instant(day(2026, 3, 29), calendar.At(2, 30)).UTC())
	// 02:30 on the autumn day happens twice: the first, 02:30 CEST, 00:30 UTC.
	assert.Equal(t, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), berlin.Instant(day(2026, 10, 25), calendar.At(2, 30)).UTC())
	// São Paulo's missing midnight is 01:00 -02, 03:00 UTC.
	assert.Equal(t, time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC), always(t, "America/Sao_Paulo").Instant(day(2018, 11, 4), 0).UTC())
	// Lord Howe's missing 02:15 is the jump to 02:30 +11, 15:30 UTC the day before.
	assert.Equal(t, time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC), always(t, "Australia/Lord_Howe").Instant(day(2026, 10, 4), calendar.At(2, 15)).UTC())
}

// A window that falls in or across the clock's change, under the rule.
func TestWindowsAtTheChange(t *testing.T) {
	t.Parallel()
	spec := func(w calendar.Window) calendar.Spec {
		s := calendar.Spec{Name: "night", Version: 1, Zone: "Europe/Berlin"}
		s.Week[time.Sunday] = []calendar.Window{w}
		return s
	}
	for _, tc := range []struct {
		date calendar.Date
		w    calendar.Window
		want time.Duration
	}{
		{day(2026, 3, 29), calendar.Window{Start: calendar.At(2, 30), End: calendar.At(3, 30)}, 30 * m}, // 03:00-03:30 CEST
		{day(2026, 3, 29), calendar.Window{Start: calendar.At(2, 0), End: calendar.At(2, 59)}, 0},       // wholly in the gap
		{day(2026, 3, 29), calendar.Window{Start: calendar.At(1, 0), End: calendar.At(4, 0)}, 2 * h},    // 01:00 CET to 04:00 CEST
		{day(2026, 10, 25), calendar.Window{Start: calendar.At(2, 0), End: calendar.At(3, 0)}, 2 * h},   // first 02:00 to 03:00 CET
		{day(2026, 10, 25), calendar.Window{Start: calendar.At(1, 0), End: calendar.At(4, 0)}, 4 * h},
		{day(2026, 10, 25), calendar.Window{Start: calendar.At(9, 0), End: calendar.At(17, 0)}, 8 * h},
		{day(2025, 3, 30), calendar.Window{Start: calendar.At(9, 0), End: calendar.At(17, 0)}, 8 * h},
	} {
		c, err := calendar.New(spec(tc.w))
		require.NoError(t, err)
		from := c.Instant(tc.date, 0)
		assert.Equal(t, tc.want, c.Between(from, from.Add(30*h)), "%s %s-%s", tc.date, tc.w.Start, tc.w.End)
	}
	// A 09:00 start stays 09:00 on the days the clock changes.
	c := office(t, "Europe/Berlin")
	for _, d := range []calendar.Date{day(2025, 3, 31), day(2025, 10, 27), day(2026, 3, 30)} {
		first, ok := c.Add(c.Instant(d, 0), time.Nanosecond)
		require.True(t, ok)
		assert.Equal(t, 9, first.Hour(), "%s", d)
		assert.Equal(t, 0, first.Minute())
	}
}

// Business hours with a lunch break, a holiday and a closure.
func TestOfficeHours(t *testing.T) {
	t.Parallel()
	berlin := loc(t, "Europe/Berlin")
	at := func(d, hh, mm int) time.Time { return time.Date(2026, 12, d, hh, mm, 0, 0, berlin) }
	c := office(t, "Europe/Berlin", day(2026, 12, 25))
	// Monday 2026-12-21, 08:00 to 18:00: 3 h in the morning, 4 in the afternoon.
	assert.Equal(t, 7*h, c.Between(at(21, 8, 0), at(21, 18, 0)))
	assert.Equal(t, -7*h, c.Between(at(21, 18, 0), at(21, 8, 0)))
	assert.Equal(t, 30*m, c.Between(at(21, 11, 30), at(21, 12, 45)), "lunch is not working time")
	// 11:00 plus 2 h: one hour to noon, lunch, one hour from 13:00.
	got, ok := c.Add(at(21, 11, 0), 2*h)
	require.True(t, ok)
	assert.Equal(t, at(21, 14, 0), got)
	// Exactly the morning's remainder ends at noon, not at 13:00.
	got, _ = c.Add(at(21, 11, 0), h)
	assert.Equal(t, at(21, 12, 0), got)
	// Thursday 24th 16:00 plus 2 h: one hour on the 24th, the 25th is a
	// holiday, Saturday and Sunday are closed: 10:00 on Monday the 28th.
	got, _ = c.Add(at(24, 16, 0), 2*h)
	assert.Equal(t, at(28, 10, 0), got)
	// The week of the 21st: four days of 7 h (the 25th off).
	assert.Equal(t, 28*h, c.Between(at(21, 0, 0), at(28, 0, 0)))
	assert.True(t, c.Open(at(21, 9, 0)))
	assert.False(t, c.Open(at(21, 12, 0)))
	assert.False(t, c.Open(at(25, 10, 0)))

	s := c.Spec()
	s.Version = 2
	s.Closures = []calendar.Closure{{From: at(22, 10, 0), To: at(22, 15, 0), Reason: "office move"}}
	moved, err := calendar.New(s)
	require.NoError(t, err)
	assert.Equal(t, 3*h, moved.Between(at(22, 0, 0), at(23, 0, 0)), "09:00-10:00 and 15:00-17:00: the closure takes 10:00-15:00, lunch within it")
	assert.Equal(t, "office@2", moved.ID())
	assert.Equal(t, "office@1", c.ID(), "a new version leaves the old one as it was")
}

// Add then Between gives back the duration, and working time is additive
// over any split, for random instants over two years and four zones.
func TestAddBetweenProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for _, zone := range []string{"Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe", "UTC"} {
		cals := []*calendar.Calendar{office(t, zone, day(2026, 1, 1), day(2026, 12, 25)), always(t, zone)}
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		span := int64(2 * 366 * 24 * 3600)
		for range 400 {
			for _, c := range cals {
				a := time.Unix(base+rng.Int64N(span), 0)
				d := time.Duration(rng.Int64N(int64(900*h))) / time.Minute * time.Minute
				r, ok := c.Add(a, d)
				require.True(t, ok)
				require.Equal(t, d, c.Between(a, r), "%s %s: Add(%s, %s) = %s", zone, c.Name(), a, d, r)
				if d > 0 {
					require.Less(t, c.Between(a, r.Add(-time.Second)), d, "%s: Add is the earliest such instant", zone)
				}
				b := time.Unix(base+rng.Int64N(span), 0)
				e := time.Unix(base+rng.Int64N(span), 0)
				require.Equal(t, c.Between(a, e), c.Between(a, b)+c.Between(b, e), "%s %s: additivity at %s, %s, %s", zone, c.Name(), a, b, e)
			}
		}
	}
}

// Working time matches a walk minute by minute.
func TestBetweenMatchesAWalk(t *testing.T) {
	t.Parallel()
	c := office(t, "Europe/Berlin", day(2026, 3, 27))
	from := time.Date(2026, 3, 20, 7, 30, 0, 0, time.UTC)
	to := from.Add(21 * 24 * h) // across the spring change and the holiday
	var walk time.Duration
	for tt := from; tt.Before(to); tt = tt.Add(time.Minute) {
		if c.Open(tt) {
			walk += time.Minute
		}
	}
	assert.Equal(t, walk, c.Between(from, to))
	// Friday the 20th from 08:30 CET: 7 h; the week of the 23rd less the
	// 27th: 28 h; the week of the 30th: 35 h; Monday to Thursday of the
	// week of 6 April: 28 h; Friday the 10th to 09:30 CEST: 30 min.
	assert.Equal(t, 98*h+30*m, walk)
}

func TestBadCalendars(t *testing.T) {
	t.Parallel()
	w := func(a, b calendar.Clock) []calendar.Window { return []calendar.Window{{Start: a, End: b}} }
	ok := calendar.Spec{Name: "c", Version: 1, Zone: "UTC"}
	for name, tc := range map[string]struct {
		edit  func(s *calendar.Spec)
		field string
	}{
		"no name":      {func(s *calendar.Spec) { s.Name = "" }, "name"},
		"version 0":    {func(s *calendar.Spec) { s.Version = 0 }, "version"},
		"no zone":      {func(s *calendar.Spec) { s.Zone = "" }, "zone"},
		"unknown zone": {func(s *calendar.Spec) { s.Zone = "Mars/Olympus_Mons" }, "zone"},
		"empty window": {func(s *calendar.Spec) { s.Week[1] = w(calendar.At(9, 0), calendar.At(9, 0)) }, "week.Monday"},
		"past 24:00":   {func(s *calendar.Spec) { s.Week[2] = w(calendar.At(9, 0), calendar.At(25, 0)) }, "week.Tuesday"},
		"negative":     {func(s *calendar.Spec) { s.Week[2] = w(-1, calendar.At(2, 0)) }, "week.Tuesday"},
		"overlapping": {func(s *calendar.Spec) {
			s.Week[3] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(13, 0)}, {Start: calendar.At(12, 0), End: calendar.At(17, 0)}}
		}, "week.Wednesday"},
		"unsorted": {func(s *calendar.Spec) {
			s.Week[4] = []calendar.Window{{Start: calendar.At(13, 0), End: calendar.At(17, 0)}, {Start: calendar.At(9, 0), End: calendar.At(12, 0)}}
		}, "week.Thursday"},
		"bad holiday": {func(s *calendar.Spec) { s.Holidays = []calendar.Date{day(2026, 2, 30)} }, "holidays"},
		"closure backwards": {func(s *calendar.Spec) {
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			s.Closures = []calendar.Closure{{From: at, To: at.Add(-h)}}
		}, "closures"},
	} {
		s := ok
		tc.edit(&s)
		_, err := calendar.New(s)
		var ve *sms.ValidationError
		require.True(t, errors.As(err, &ve), "%s: %v", name, err)
		assert.Equal(t, tc.field, ve.Field, name)
		assert.Equal(t, calendar.Kind, ve.Kind, name)
	}
	_, err := calendar.New(ok)
	require.NoError(t, err)
}

// A calendar with no working time, or a negative duration, has no answer.
func TestAddWithoutWorkingTime(t *testing.T) {
	t.Parallel()
	closed, err := calendar.New(calendar.Spec{Name: "closed", Version: 1, Zone: "UTC"})
	require.NoError(t, err)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, ok := closed.Add(now, time.Minute)
	assert.False(t, ok)
	assert.Zero(t, closed.Between(now, now.Add(1000*h)))
	_, ok = always(t, "UTC").Add(now, -time.Minute)
	assert.False(t, ok)
	got, ok := closed.Add(now, 0)
	assert.True(t, ok)
	assert.Equal(t, now, got)
}

// Add and Between never panic and keep their properties on any input.
func FuzzAddBetween(f *testing.F) {
	f.Add(int64(1774745400), int64(3600), uint8(0))
	f.Add(int64(1792897200), int64(90000), uint8(1))
	f.Add(int64(-62135596800), int64(1), uint8(2))
	cals := []*calendar.Calendar{office(f, "Europe/Berlin"), always(f, "Australia/Lord_Howe"), office(f, "America/Sao_Paulo")}
	f.Fuzz(func(t *testing.T, at, secs int64, which uint8) {
		c := cals[int(which)%len(cals)]
		a := time.Unix(at%(400*366*86400), 0) // within a few centuries of 1970
		d := time.Duration(secs%(2000*3600)) * time.Second
		r, ok := c.Add(a, d)
		if d < 0 {
			if ok {
				t.Fatalf("Add of a negative duration gave %s", r)
			}
			return
		}
		if !ok {
			t.Fatalf("Add(%s, %s) found no instant", a, d)
		}
		if got := c.Between(a, r); got != d {
			t.Fatalf("Between(%s, Add(%s, %s) = %s) = %s", a, a, d, r, got)
		}
	})
}

// Intervals are what Between adds up.
func TestIntervals(t *testing.T) {
	t.Parallel()
	c := office(t, "Europe/Berlin")
	berlin := loc(t, "Europe/Berlin")
	from, to := time.Date(2026, 12, 21, 10, 0, 0, 0, berlin), time.Date(2026, 12, 22, 12, 30, 0, 0, berlin)
	ivs := c.Intervals(from, to)
	require.Len(t, ivs, 3)
	assert.Equal(t, from, ivs[0].Start)
	assert.Equal(t, time.Date(2026, 12, 21, 12, 0, 0, 0, berlin), ivs[0].End)
	assert.Equal(t, time.Date(2026, 12, 22, 12, 0, 0, 0, berlin), ivs[2].End)
	var sum time.Duration
	for _, iv := range ivs {
		sum += iv.End.Sub(iv.Start)
	}
	assert.Equal(t, c.Between(from, to), sum)
	assert.Len(t, always(t, "UTC").Intervals(from, from.Add(72*h)), 1, "24x7: one interval, days joined")
	assert.Nil(t, c.Intervals(to, from))
}
