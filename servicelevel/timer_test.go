package servicelevel_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
)

const h, m = time.Hour, time.Minute

// resolution is an incident's resolution timer: from the log, paused on
// hold, stopped at resolution, restarted by a reopen, cancelled with the
// incident; 4 h for priority 1, 8 h for 2, 24 h otherwise.
func resolution(reopen servicelevel.Reopen, start servicelevel.StartAt) servicelevel.TimerDef {
	return servicelevel.TimerDef{
		Name: "resolution", Version: 1,
		Start:       []servicelevel.Condition{{Creation: true}, {Trigger: "reopen"}},
		Pause:       []servicelevel.Condition{{To: []string{"on_hold"}}},
		Resume:      []servicelevel.Condition{{To: []string{"new", "assigned", "in_progress"}}},
		Stop:        []servicelevel.Condition{{To: []string{"resolved"}}},
		Cancel:      []servicelevel.Condition{{To: []string{"cancelled"}}},
		Target:      24 * h,
		TargetField: "priority",
		Targets:     map[string]time.Duration{"1": 4 * h, "2": 8 * h},
		Reopen:      reopen,
		StartAt:     start,
	}
}

func office(t testing.TB, zone string, version int, holidays ...calendar.Date) *calendar.Calendar {
	t.Helper()
	s := calendar.Spec{Name: "office", Version: version, Zone: zone, Holidays: holidays}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		s.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(12, 0)}, {Start: calendar.At(13, 0), End: calendar.At(17, 0)}}
	}
	c, err := calendar.New(s)
	require.NoError(t, err)
	return c
}

func always(t testing.TB, zone string) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Always("24x7", 1, zone)
	require.NoError(t, err)
	return c
}

func compile(t testing.TB, d servicelevel.TimerDef, c *calendar.Calendar) *servicelevel.Compiled {
	t.Helper()
	tc, err := servicelevel.Compile(d, c)
	require.NoError(t, err)
	return tc
}

// journal builds entries from steps: trigger, the status entered, the
// time, and payload key-value pairs.
type step struct {
	trigger, to string
	at          time.Time
	kv          []string
}

func journal(steps ...step) []sms.Entry {
	out := make([]sms.Entry, len(steps))
	from := ""
	for i, s := range steps {
		e := sms.Entry{Kind: "incident", EntityID: "INC-1", Seq: int64(i + 1), Trigger: s.trigger, From: from, To: s.to, At: s.at.UTC()}
		for k := 0; k+1 < len(s.kv); k += 2 {
			e.Payload = append(e.Payload, sms.Field{Key: s.kv[k], Value: s.kv[k+1]})
		}
		out[i] = e
		from = s.to
	}
	return out
}

func in(t testing.TB, zone string) func(y int, mo time.Month, d, hh, mm int) time.Time {
	l, err := time.LoadLocation(zone)
	require.NoError(t, err)
	return func(y int, mo time.Month, d, hh, mm int) time.Time { return time.Date(y, mo, d, hh, mm, 0, 0, l) }
}

// Timers on business calendars and at clock changes; every value worked
// out by hand in the comment beside it.
func TestTimerGolden(t *testing.T) {
	t.Parallel()
	berlin, sp, lh, utc := in(t, "Europe/Berlin"), in(t, "America/Sao_Paulo"), in(t, "Australia/Lord_Howe"), in(t, "UTC")
	for _, tc := range []struct {
		name       string
		cal        *calendar.Calendar
		def        servicelevel.TimerDef
		steps      []step
		elapsed    time.Duration
		breachedAt time.Time // zero: not breached
		phase      servicelevel.Phase
	}{
		{
			// P2, 8 h. Friday 27 March 16:00 CET to 17:00: 1 h. Berlin springs
			// forward on Sunday the 29th. Monday 30th 09:00-12:00 CEST: 3 h,
			// 13:00-15:00: 2 h. 6 h.
			name: "Berlin office hours over the spring change", cal: office(t, "Europe/Berlin", 1),
			def: resolution("", ""),
			steps: []step{{"log", "new", berlin(2026, 3, 27, 16, 0), []string{"priority", "2"}},
				{"resolve", "resolved", berlin(2026, 3, 30, 15, 0), nil}},
			elapsed: 6 * h, phase: servicelevel.Stopped,
		},
		{
			// The same, resolved Tuesday 11:00: Friday 1 h + Monday 7 h reach
			// the 8 h target at Monday 17:00 CEST; Tuesday 09:00-11:00 adds 2 h
			// over it: 10 h.
			name: "Berlin breach at the end of a day", cal: office(t, "Europe/Berlin", 1),
			def: resolution("", ""),
			steps: []step{{"log", "new", berlin(2026, 3, 27, 16, 0), []string{"priority", "2"}},
				{"resolve", "resolved", berlin(2026, 3, 31, 11, 0), nil}},
			elapsed: 10 * h, breachedAt: berlin(2026, 3, 30, 17, 0), phase: servicelevel.Stopped,
		},
		{
			// Met at the very instant: P1, 4 h round the clock, logged 08:00
			// and resolved 12:00: exactly 4 h elapsed, not over the target.
			name: "stopped at exactly the target", cal: always(t, "UTC"),
			def: resolution("", ""),
			steps: []step{{"log", "new", utc(2026, 3, 2, 8, 0), []string{"priority", "1"}},
				{"resolve", "resolved", utc(2026, 3, 2, 12, 0), nil}},
			elapsed: 4 * h, phase: servicelevel.Stopped,
		},
		{
			// Paused with exactly the target counted (08:00-12:00), resumed
			// at 14:00 and resolved at 14:30: over the target from the resume,
			// so breached at 14:00 (the count reached 4 h at 12:00, but was
			// not over it until counting went on); 4 h 30 elapsed.
			name: "paused at exactly the target, then over", cal: always(t, "UTC"),
			def: resolution("", ""),
			steps: []step{{"log", "new", utc(2026, 3, 2, 8, 0), []string{"priority", "1"}},
				{"hold", "on_hold", utc(2026, 3, 2, 12, 0), nil}, {"resume", "in_progress", utc(2026, 3, 2, 14, 0), nil},
				{"resolve", "resolved", utc(2026, 3, 2, 14, 30), nil}},
			elapsed: 4*h + 30*time.Minute, breachedAt: utc(2026, 3, 2, 14, 0), phase: servicelevel.Stopped,
		},
		{
			// A holiday: Thursday 24 December 16:00-17:00 1 h, the 25th off,
			// the weekend closed, Monday 28th 09:00-10:00 1 h: 2 h.
			name: "holiday", cal: office(t, "Europe/Berlin", 1, calendar.Date{Year: 2026, Month: 12, Day: 25}),
			def: resolution("", ""),
			steps: []step{{"log", "new", berlin(2026, 12, 24, 16, 0), nil},
				{"resolve", "resolved", berlin(2026, 12, 28, 10, 0), nil}},
			elapsed: 2 * h, phase: servicelevel.Stopped,
		},
		{
			// Lunch: Monday 11:30-12:00 and 13:00-13:30: 1 h.
			name: "lunch break", cal: office(t, "Europe/Berlin", 1),
			def: resolution("", ""),
			steps: []step{{"log", "new", berlin(2026, 12, 21, 11, 30), nil},
				{"resolve", "resolved", berlin(2026, 12, 21, 13, 30), nil}},
			elapsed: h, phase: servicelevel.Stopped,
		},
		{
			// São Paulo's missing midnight (2018-11-04 00:00 became 01:00): from
			// 22:00 -03 on the 3rd (01:00 UTC) to 03:00 -02 on the 4th (05:00
			// UTC) the wall clock shows 5 h, 4 h passed.
			name: "Sao Paulo spring forward, 24x7", cal: always(t, "America/Sao_Paulo"),
			def: resolution("", ""),
			steps: []step{{"log", "new", sp(2018, 11, 3, 22, 0), nil},
				{"resolve", "resolved", sp(2018, 11, 4, 3, 0), nil}},
			elapsed: 4 * h, phase: servicelevel.Stopped,
		},
		{
			// Lord Howe, 2026-10-04: 02:00 +10:30 becomes 02:30 +11. From 01:00
			// +10:30 (14:30 UTC on the 3rd) to 04:00 +11 (17:00 UTC): 2 h 30.
			name: "Lord Howe half-hour shift, 24x7", cal: always(t, "Australia/Lord_Howe"),
			def: resolution("", ""),
			steps: []step{{"log", "new", lh(2026, 10, 4, 1, 0), nil},
				{"resolve", "resolved", lh(2026, 10, 4, 4, 0), nil}},
			elapsed: 2*h + 30*m, phase: servicelevel.Stopped,
		},
		{
			// A pause across midnight: running 20:00-22:00 (2 h), on hold
			// 22:00-02:00, running 02:00-03:00 (1 h): 3 h.
			name: "pause across midnight", cal: always(t, "UTC"),
			def: resolution("", ""),
			steps: []step{{"log", "new", utc(2026, 5, 4, 20, 0), nil},
				{"hold", "on_hold", utc(2026, 5, 4, 22, 0), []string{"reason", "caller"}},
				{"resume", "in_progress", utc(2026, 5, 5, 2, 0), nil},
				{"resolve", "resolved", utc(2026, 5, 5, 3, 0), nil}},
			elapsed: 3 * h, phase: servicelevel.Stopped,
		},
		{
			// Reopen, continuing: P1 (4 h). 10:00-13:00 3 h, reopened 14:00,
			// 14:00-16:00 2 h: 5 h, the target reached at 15:00.
			name: "reopen continues", cal: always(t, "UTC"),
			def: resolution(servicelevel.ReopenContinue, ""),
			steps: []step{{"log", "new", utc(2026, 5, 4, 10, 0), []string{"priority", "1"}},
				{"resolve", "resolved", utc(2026, 5, 4, 13, 0), nil},
				{"reopen", "in_progress", utc(2026, 5, 4, 14, 0), nil},
				{"resolve", "resolved", utc(2026, 5, 4, 16, 0), nil}},
			elapsed: 5 * h, breachedAt: utc(2026, 5, 4, 15, 0), phase: servicelevel.Stopped,
		},
		{
			// Reopen, a new cycle: the second cycle runs 14:00-16:00, 2 h.
			name: "reopen starts a new cycle", cal: always(t, "UTC"),
			def: resolution(servicelevel.ReopenNewCycle, ""),
			steps: []step{{"log", "new", utc(2026, 5, 4, 10, 0), []string{"priority", "1"}},
				{"resolve", "resolved", utc(2026, 5, 4, 13, 0), nil},
				{"reopen", "in_progress", utc(2026, 5, 4, 14, 0), nil},
				{"resolve", "resolved", utc(2026, 5, 4, 16, 0), nil}},
			elapsed: 2 * h, phase: servicelevel.Stopped,
		},
		{
			// A re-prioritisation while on hold: P2 (8 h) from 00:00, on hold at
			// 05:00 with 5 h counted, raised to P1 (4 h) at 06:00: the stricter
			// target is broken from the moment it is set, 06:00.
			name: "priority raised past the elapsed time", cal: always(t, "UTC"),
			def: resolution("", ""),
			steps: []step{{"log", "new", utc(2026, 5, 4, 0, 0), []string{"priority", "2"}},
				{"hold", "on_hold", utc(2026, 5, 4, 5, 0), nil},
				{"classify", "on_hold", utc(2026, 5, 4, 6, 0), []string{"priority", "1"}}},
			elapsed: 5 * h, breachedAt: utc(2026, 5, 4, 6, 0), phase: servicelevel.Paused,
		},
	} {
		c := compile(t, tc.def, tc.cal)
		tm, err := c.Evaluate(journal(tc.steps...))
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.phase, tm.Phase, tc.name)
		assert.Equal(t, tc.elapsed, tm.Elapsed, tc.name)
		assert.Equal(t, !tc.breachedAt.IsZero(), tm.Breached, tc.name)
		if !tc.breachedAt.IsZero() {
			assert.True(t, tc.breachedAt.Equal(tm.BreachedAt), "%s: breached at %s, want %s", tc.name, tm.BreachedAt, tc.breachedAt)
		}
	}
}

// The cycles under ReopenNewCycle keep the first cycle's result.
func TestNewCycleKeepsTheFirst(t *testing.T) {
	t.Parallel()
	utc := in(t, "UTC")
	c := compile(t, resolution(servicelevel.ReopenNewCycle, ""), always(t, "UTC"))
	tm, err := c.Evaluate(journal(step{"log", "new", utc(2026, 5, 4, 10, 0), []string{"priority", "1"}},
		step{"resolve", "resolved", utc(2026, 5, 4, 15, 0), nil},
		step{"reopen", "in_progress", utc(2026, 5, 4, 16, 0), nil}))
	require.NoError(t, err)
	require.Len(t, tm.Cycles, 1)
	assert.Equal(t, servicelevel.Cycle{Elapsed: 5 * h, Target: 4 * h, Breached: true}, tm.Cycles[0])
	assert.Equal(t, servicelevel.Running, tm.Phase)
	assert.False(t, tm.Breached)
}

// A retroactive start counts from the record's first entry.
func TestStartAtCreation(t *testing.T) {
	t.Parallel()
	utc := in(t, "UTC")
	d := resolution("", "")
	d.Start = []servicelevel.Condition{{Trigger: "classify"}}
	steps := []step{{"log", "new", utc(2026, 5, 4, 10, 0), nil},
		{"classify", "new", utc(2026, 5, 4, 11, 0), []string{"priority", "1"}},
		{"resolve", "resolved", utc(2026, 5, 4, 12, 0), nil}}
	tm, err := compile(t, d, always(t, "UTC")).Evaluate(journal(steps...))
	require.NoError(t, err)
	assert.Equal(t, h, tm.Elapsed, "from the classification")
	d.StartAt = servicelevel.StartAtCreation
	tm, err = compile(t, d, always(t, "UTC")).Evaluate(journal(steps...))
	require.NoError(t, err)
	assert.Equal(t, 2*h, tm.Elapsed, "from the log")
	assert.Equal(t, utc(2026, 5, 4, 10, 0).UTC(), tm.Started)
}

// Explain's segments add up to the elapsed time, with the pause and its
// reason and the time outside working hours.
func TestExplain(t *testing.T) {
	t.Parallel()
	berlin := in(t, "Europe/Berlin")
	c := compile(t, resolution("", ""), office(t, "Europe/Berlin", 1))
	j := journal(step{"log", "new", berlin(2026, 12, 21, 11, 0), []string{"priority", "2"}},
		step{"hold", "on_hold", berlin(2026, 12, 21, 14, 0), []string{"reason", "caller"}},
		step{"resume", "in_progress", berlin(2026, 12, 22, 10, 0), nil})
	asOf := berlin(2026, 12, 22, 11, 0)
	segs, tm, err := c.Explain(j, asOf)
	require.NoError(t, err)
	var kinds []string
	var sum time.Duration
	for _, s := range segs {
		kinds = append(kinds, s.Kind)
		sum += s.Counted
	}
	// 11:00-12:00 running, 12:00-13:00 lunch, 13:00-14:00 running, on hold
	// until 10:00 the next day, 10:00-11:00 running: 3 h.
	assert.Equal(t, []string{"running", "outside_hours", "running", "paused", "running"}, kinds)
	assert.Equal(t, "hold (caller)", segs[3].Reason)
	assert.Equal(t, 3*h, sum)
	assert.Equal(t, sum, c.At(tm, asOf).Elapsed)
	st := c.At(tm, asOf)
	assert.Equal(t, 5*h, st.Remaining)
	assert.Equal(t, []int{}, append([]int{}, st.Warned...), "3 h of 8: no threshold yet")
	due := berlin(2026, 12, 22, 17, 0) // 11:00-12:00 1 h, 13:00-17:00 4 h: the 5 h left end at 17:00
	assert.True(t, due.Equal(st.Due), "due %s", st.Due)
	st = c.At(tm, berlin(2026, 12, 22, 15, 0))
	assert.Equal(t, []int{50, 75}, st.Warned, "6 h of 8")
}

// The any-chunking property: a journal applied in chunks of any size, with
// overlaps, gives the state one pass gives.
func TestAnyChunking(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	cals := []*calendar.Calendar{office(t, "Europe/Berlin", 1), always(t, "Australia/Lord_Howe")}
	defs := []servicelevel.TimerDef{resolution(servicelevel.ReopenContinue, ""), resolution(servicelevel.ReopenNewCycle, servicelevel.StartAtCreation)}
	for range 300 {
		j := randomJournal(rng)
		for _, cal := range cals {
			for _, d := range defs {
				c := compile(t, d, cal)
				whole, err := c.Evaluate(j)
				require.NoError(t, err)
				tm := c.New()
				for i := 0; i < len(j); {
					n := 1 + rng.IntN(4)
					from := max(0, i-rng.IntN(2)) // an overlap is skipped
					tm, err = c.Apply(tm, j[from:min(len(j), i+n)])
					require.NoError(t, err)
					i += n
				}
				require.Equal(t, whole, tm)
			}
		}
	}
}

// randomJournal is an incident's journal of random moves over a few weeks.
func randomJournal(rng *rand.Rand) []sms.Entry {
	at := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(30*24*60)) * time.Minute)
	steps := []step{{"log", "new", at, []string{"priority", []string{"1", "2", "3"}[rng.IntN(3)]}}}
	status := "new"
	for range 2 + rng.IntN(12) {
		at = at.Add(time.Duration(1+rng.IntN(48*60)) * time.Minute)
		var s step
		switch status {
		case "new", "in_progress":
			s = []step{{"hold", "on_hold", at, nil}, {"resolve", "resolved", at, nil}, {"classify", status, at, []string{"priority", "1"}},
				{"note", status, at, nil}, {"cancel", "cancelled", at, nil}}[rng.IntN(5)]
		case "on_hold":
			s = []step{{"resume", "in_progress", at, nil}, {"resolve", "resolved", at, nil}}[rng.IntN(2)]
		case "resolved":
			s = []step{{"reopen", "in_progress", at, nil}, {"close", "closed", at, nil}}[rng.IntN(2)]
		default:
			s = step{"note", status, at, nil}
		}
		steps = append(steps, s)
		status = s.to
	}
	return journal(steps...)
}

// The versions are pinned: another definition or calendar version is
// refused; Restate restates an open timer and leaves a closed one.
func TestPinnedVersions(t *testing.T) {
	t.Parallel()
	berlin := in(t, "Europe/Berlin")
	v1 := compile(t, resolution("", ""), office(t, "Europe/Berlin", 1))
	v2spec := office(t, "Europe/Berlin", 2).Spec()
	v2spec.Week[time.Monday] = []calendar.Window{{Start: calendar.At(8, 0), End: calendar.At(18, 0)}} // longer Mondays
	cal2, err := calendar.New(v2spec)
	require.NoError(t, err)
	v2 := compile(t, resolution("", ""), cal2)

	open := journal(step{"log", "new", berlin(2026, 12, 21, 8, 0), nil})
	closed := journal(step{"log", "new", berlin(2026, 12, 21, 8, 0), nil}, step{"resolve", "resolved", berlin(2026, 12, 21, 18, 0), nil})
	to, err := v1.Evaluate(open)
	require.NoError(t, err)
	tc, err := v1.Evaluate(closed)
	require.NoError(t, err)
	assert.Equal(t, 7*h, tc.Elapsed)
	assert.Equal(t, "office@1", tc.Calendar)
	assert.Equal(t, "resolution@1", tc.Def)

	_, err = v2.Apply(tc, closed)
	var ve *servicelevel.VersionError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, sms.ErrInvalid)

	r, err := v1.Restate(v2, tc, closed)
	require.NoError(t, err)
	assert.True(t, r.Closed)
	assert.Equal(t, tc, r.New, "a closed result never changes")

	more := journal(step{"log", "new", berlin(2026, 12, 21, 8, 0), nil}, step{"hold", "on_hold", berlin(2026, 12, 21, 18, 0), nil})
	to, err = v1.Apply(to, more)
	require.NoError(t, err)
	r, err = v1.Restate(v2, to, more)
	require.NoError(t, err)
	assert.False(t, r.Closed)
	assert.True(t, r.Changed)
	assert.Equal(t, 7*h, r.Old.Elapsed)
	assert.Equal(t, 10*h, r.New.Elapsed, "08:00-18:00 under calendar 2")
	assert.Equal(t, "office@2", r.New.Calendar)

	// A timer running since Monday 07:00 has counted nothing either way
	// (both calendars open later), but from then on calendar 2 counts from
	// 08:00 and calendar 1 from 09:00: the restatement is a change.
	running := journal(step{"log", "new", berlin(2026, 12, 21, 7, 0), nil})
	tr, err := v1.Evaluate(running)
	require.NoError(t, err)
	r, err = v1.Restate(v2, tr, running)
	require.NoError(t, err)
	assert.Equal(t, r.Old.Elapsed, r.New.Elapsed)
	assert.True(t, r.Changed, "the running stretch counts on another calendar")
	noon := berlin(2026, 12, 21, 12, 0)
	assert.Equal(t, 3*h, v1.At(r.Old, noon).Elapsed)
	assert.Equal(t, 4*h, v2.At(r.New, noon).Elapsed)
	r, err = v1.Restate(v1, tr, running)
	require.NoError(t, err)
	assert.False(t, r.Changed, "the same versions restate to the same timer")
}

func TestBadTimers(t *testing.T) {
	t.Parallel()
	cal := always(t, "UTC")
	for name, tc := range map[string]struct {
		edit  func(d *servicelevel.TimerDef)
		field string
	}{
		"no name":         {func(d *servicelevel.TimerDef) { d.Name = "" }, "timer.name"},
		"no version":      {func(d *servicelevel.TimerDef) { d.Version = 0 }, "timer.version"},
		"no start":        {func(d *servicelevel.TimerDef) { d.Start = nil }, "timer.start"},
		"no stop":         {func(d *servicelevel.TimerDef) { d.Stop = nil }, "timer.stop"},
		"match all":       {func(d *servicelevel.TimerDef) { d.Pause = []servicelevel.Condition{{}} }, "timer.pause"},
		"no target":       {func(d *servicelevel.TimerDef) { d.Target, d.Targets = 0, nil }, "timer.target"},
		"bad key target":  {func(d *servicelevel.TimerDef) { d.Targets["3"] = -h }, "timer.targets"},
		"no target field": {func(d *servicelevel.TimerDef) { d.TargetField = "" }, "timer.target_field"},
		"bad warning":     {func(d *servicelevel.TimerDef) { d.Warnings = []int{0} }, "timer.warnings"},
		"bad reopen":      {func(d *servicelevel.TimerDef) { d.Reopen = "sometimes" }, "timer.reopen"},
		"bad start":       {func(d *servicelevel.TimerDef) { d.StartAt = "later" }, "timer.start_at"},
	} {
		d := resolution("", "")
		tc.edit(&d)
		_, err := servicelevel.Compile(d, cal)
		var ve *sms.ValidationError
		require.True(t, errors.As(err, &ve), "%s: %v", name, err)
		assert.Equal(t, tc.field, ve.Field, name)
	}
	_, err := servicelevel.Compile(resolution("", ""), nil)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "a target without a calendar")
	assert.Equal(t, "timer.calendar", ve.Field)

	c := compile(t, resolution("", ""), cal)
	j := journal(step{"log", "new", time.Now(), nil}, step{"hold", "on_hold", time.Now(), nil})
	_, err = c.Apply(c.New(), j[1:])
	assert.ErrorIs(t, err, sms.ErrInvalid, "a gap in the journal")
}
