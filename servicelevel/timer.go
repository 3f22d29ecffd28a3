package servicelevel

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

// Kind names the package in its errors.
const Kind sms.Kind = "servicelevel"

// Condition matches a journal entry: every part that is set must hold.
// Trigger names the transition; From and To list statuses the entry
// leaves and enters (any of them); Field and Value a payload field the
// entry carries with that value (any value when Value is empty).
type Condition struct {
	Trigger  string   `json:"trigger,omitempty"`
	From     []string `json:"from,omitempty"`
	To       []string `json:"to,omitempty"`
	Field    string   `json:"field,omitempty"`
	Value    string   `json:"value,omitempty"`
	Creation bool     `json:"creation,omitempty"` // the entry that created the record (Seq 1)
}

// Match reports whether the entry meets the condition.
func (c *Condition) Match(e *sms.Entry) bool {
	if c.Creation && e.Seq != 1 {
		return false
	}
	if c.Trigger != "" && c.Trigger != e.Trigger {
		return false
	}
	if len(c.From) > 0 && !slices.Contains(c.From, e.From) {
		return false
	}
	if len(c.To) > 0 && !slices.Contains(c.To, e.To) {
		return false
	}
	if c.Field != "" {
		v, ok := sms.Get(e.Payload, c.Field)
		if !ok || (c.Value != "" && v != c.Value) {
			return false
		}
	}
	return true
}

func (c *Condition) empty() bool {
	return !c.Creation && c.Trigger == "" && len(c.From) == 0 && len(c.To) == 0 && c.Field == ""
}

func anyMatch(cs []Condition, e *sms.Entry) bool {
	for i := range cs {
		if cs[i].Match(e) {
			return true
		}
	}
	return false
}

// Reopen says what a start after a stop does.
type Reopen string

// Reopen policies.
const (
	// ReopenContinue goes on counting: the time before the stop counts,
	// and a breach stays a breach. The default.
	ReopenContinue Reopen = "continue"
	// ReopenNewCycle starts a new cycle from zero; the earlier cycles'
	// results are kept in [Timer].Cycles.
	ReopenNewCycle Reopen = "new_cycle"
)

// StartAt says from when a timer counts once started.
type StartAt string

// Start policies.
const (
	// StartAtMatch counts from the entry that met a start condition. The
	// default.
	StartAtMatch StartAt = "match"
	// StartAtCreation counts from the record's first entry, even when the
	// start condition is met later (a retroactive start): a timer attached
	// to a record late, or started by a classification, counts from when
	// the record was logged, with the pauses its journal shows since.
	StartAtCreation StartAt = "creation"
)

// TimerDef is a timer's definition: data, versioned. A change to it is a
// new version; timers pin the version they started under.
type TimerDef struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	// Start, Pause, Resume, Stop, Reset and Cancel are the conditions, any
	// of which moves the timer. Start and Stop are required. Reset
	// restarts the count from zero in the running state; Cancel ends the
	// timer with no result (a record cancelled or converted).
	Start  []Condition `json:"start"`
	Pause  []Condition `json:"pause,omitempty"`
	Resume []Condition `json:"resume,omitempty"`
	Stop   []Condition `json:"stop"`
	Reset  []Condition `json:"reset,omitempty"`
	Cancel []Condition `json:"cancel,omitempty"`
	// Target is the working time allowed; Targets, when TargetField is
	// set, the target for each value of that payload field (a priority:
	// "1", "2", ...), the field's latest value in the journal choosing it
	// and Target applying to a value not listed. A timer with no target is
	// refused at compile time.
	Target      time.Duration            `json:"target,omitempty"`
	TargetField string                   `json:"target_field,omitempty"`
	Targets     map[string]time.Duration `json:"targets,omitempty"`
	// Warnings are the shares of the target, in percent, at which the
	// timer warns; none means 50, 75 and 100.
	Warnings []int   `json:"warnings,omitempty"`
	Reopen   Reopen  `json:"reopen,omitempty"`
	StartAt  StartAt `json:"start_at,omitempty"`
	// CreatedField, under StartAtCreation, names the time field of the
	// record's first entry that says when the record began (an incident's
	// "reported_at", which may precede its logging): the count starts
	// there instead of at the entry's own time. A value that is no RFC
	// 3339 time, or later than the entry, is ignored.
	CreatedField string `json:"created_field,omitempty"`
}

// ID returns "name@version".
func (d *TimerDef) ID() string { return d.Name + "@" + strconv.Itoa(d.Version) }

// Validate checks the definition: a name, a version from 1, a start and a
// stop condition, no condition that matches everything, a positive target
// for every key, warnings from 1 to 1000 percent, known policies.
func (d *TimerDef) Validate() error {
	switch {
	case d.Name == "":
		return sms.Invalid(Kind, "timer.name", "is empty")
	case d.Version < 1:
		return sms.Invalid(Kind, "timer.version", "is %d: versions count from 1", d.Version)
	case len(d.Start) == 0:
		return sms.Invalid(Kind, "timer.start", "is empty: a timer needs a condition that starts it")
	case len(d.Stop) == 0:
		return sms.Invalid(Kind, "timer.stop", "is empty: a timer needs a condition that stops it")
	}
	for name, cs := range map[string][]Condition{"start": d.Start, "pause": d.Pause, "resume": d.Resume, "stop": d.Stop, "reset": d.Reset, "cancel": d.Cancel} {
		for i := range cs {
			if cs[i].empty() {
				return sms.Invalid(Kind, "timer."+name, "condition %d sets nothing: it would match every entry", i)
			}
		}
	}
	if d.Target <= 0 && len(d.Targets) == 0 {
		return sms.Invalid(Kind, "timer.target", "is not set: a timer measures against a target")
	}
	if d.Target < 0 {
		return sms.Invalid(Kind, "timer.target", "is negative")
	}
	if len(d.Targets) > 0 && d.TargetField == "" {
		return sms.Invalid(Kind, "timer.target_field", "is empty: targets per value need the payload field that chooses them")
	}
	for k, v := range d.Targets {
		if v <= 0 {
			return sms.Invalid(Kind, "timer.targets", "the target for %q is not positive", k)
		}
	}
	for _, w := range d.Warnings {
		if w < 1 || w > 1000 {
			return sms.Invalid(Kind, "timer.warnings", "%d%% is not from 1 to 1000", w)
		}
	}
	switch d.Reopen {
	case "", ReopenContinue, ReopenNewCycle:
	default:
		return sms.Invalid(Kind, "timer.reopen", "%q is neither continue nor new_cycle", d.Reopen)
	}
	switch d.StartAt {
	case "", StartAtMatch, StartAtCreation:
	default:
		return sms.Invalid(Kind, "timer.start_at", "%q is neither match nor creation", d.StartAt)
	}
	if d.CreatedField != "" && d.StartAt != StartAtCreation {
		return sms.Invalid(Kind, "timer.created_field", "applies only to timers that start at the record's creation")
	}
	return nil
}

// Phase is where a timer stands.
type Phase string

// Phases.
const (
	Idle      Phase = "idle"      // not started
	Running   Phase = "running"   // counting
	Paused    Phase = "paused"    // not counting, until resumed
	Stopped   Phase = "stopped"   // done: Elapsed is its result
	Cancelled Phase = "cancelled" // ended without a result
)

// Cycle is the result of a finished cycle under [ReopenNewCycle].
type Cycle struct {
	Elapsed  time.Duration `json:"elapsed"`
	Target   time.Duration `json:"target"`
	Breached bool          `json:"breached"`
}

// Timer is a timer's state after the journal entries applied to it. Its
// zero value, with Def and Calendar set by [TimerDef.New], is idle.
type Timer struct {
	// Def and Calendar are the pinned versions (name@version).
	Def      string `json:"def"`
	Calendar string `json:"calendar"`
	// Seq is the last journal entry applied; Started the instant counting
	// began (under StartAtCreation, the record's first entry).
	Seq     int64     `json:"seq"`
	Phase   Phase     `json:"phase"`
	Started time.Time `json:"started,omitzero"`
	// Stopped is when the timer last stopped (its result's instant).
	Stopped time.Time `json:"stopped,omitzero"`
	// Elapsed is the working time counted up to Since (for a running
	// timer, the start of the current running stretch) or to the stop.
	Elapsed time.Duration `json:"elapsed"`
	Since   time.Time     `json:"since,omitzero"`
	// Target is the target in force; TargetKey the payload value that
	// chose it.
	Target    time.Duration `json:"target"`
	TargetKey string        `json:"target_key,omitempty"`
	// Breached is set once Elapsed exceeds Target (a timer stopped with
	// exactly the target elapsed met it), at BreachedAt (the instant the
	// count reached the target, after which it was over); the timer keeps
	// counting. A target lowered below the time already counted (a
	// priority raised) is breached at the entry that lowered it: the
	// stricter commitment is broken from when it is made.
	Breached   bool      `json:"breached,omitempty"`
	BreachedAt time.Time `json:"breached_at,omitzero"`
	// Cycles are the earlier cycles' results (ReopenNewCycle).
	Cycles []Cycle `json:"cycles,omitempty"`
	// Created is the record's first entry's time, for StartAtCreation.
	Created time.Time `json:"created,omitzero"`
}

// Open reports whether the timer may still change: not stopped or
// cancelled.
func (t *Timer) Open() bool { return t.Phase != Stopped && t.Phase != Cancelled }

// Compiled is a validated [TimerDef] bound to its calendar.
type Compiled struct {
	def TimerDef
	cal *calendar.Calendar
}

// Compile validates def and binds it to cal. An invalid definition or a
// nil calendar is a [*sms.ValidationError].
func Compile(def TimerDef, cal *calendar.Calendar) (*Compiled, error) {
	if err := def.Validate(); err != nil {
		return nil, err
	}
	if cal == nil {
		return nil, sms.Invalid(Kind, "timer.calendar", "is nil: a timer counts the working time of a calendar")
	}
	if len(def.Warnings) == 0 {
		def.Warnings = []int{50, 75, 100}
	}
	def.Warnings = slices.Clone(def.Warnings)
	slices.Sort(def.Warnings)
	if def.Reopen == "" {
		def.Reopen = ReopenContinue
	}
	if def.StartAt == "" {
		def.StartAt = StartAtMatch
	}
	return &Compiled{def: def, cal: cal}, nil
}

// Def returns the definition, defaults filled in.
func (c *Compiled) Def() TimerDef { return c.def }

// New returns an idle timer pinned to the definition's and the calendar's
// versions.
func (c *Compiled) New() Timer {
	return Timer{Def: c.def.ID(), Calendar: c.cal.ID(), Phase: Idle, Target: c.def.Target}
}

// VersionError reports a timer applied under other versions than it
// pinned.
type VersionError struct {
	Pinned, Given string
}

// Error names both.
func (e *VersionError) Error() string {
	return fmt.Sprintf("servicelevel: the timer is pinned to %s, not %s: restate it (Restate) to move it", e.Pinned, e.Given)
}

// Unwrap returns [sms.ErrInvalid].
func (e *VersionError) Unwrap() error { return sms.ErrInvalid }

// Apply folds entries, which must follow the last one applied (Seq+1,
// Seq+2, ...), into t and returns the new state. Entries already applied
// are skipped, so a chunk may overlap the last; a gap is a
// [*sms.ValidationError]. A timer pinned to other versions is a
// [*VersionError]. Apply is pure: t is not modified.
func (c *Compiled) Apply(t Timer, entries []sms.Entry) (Timer, error) {
	if t.Def != c.def.ID() || t.Calendar != c.cal.ID() {
		return t, &VersionError{Pinned: t.Def + " on " + t.Calendar, Given: c.def.ID() + " on " + c.cal.ID()}
	}
	t.Cycles = slices.Clone(t.Cycles)
	for i := range entries {
		e := &entries[i]
		if e.Seq <= t.Seq {
			continue
		}
		if e.Seq != t.Seq+1 {
			return t, sms.Invalid(Kind, "entries", "entry %d follows %d: the journal is applied in order, without gaps", e.Seq, t.Seq)
		}
		c.step(&t, e)
		t.Seq = e.Seq
	}
	return t, nil
}

// step applies one entry.
func (c *Compiled) step(t *Timer, e *sms.Entry) {
	d := &c.def
	if e.Seq == 1 {
		t.Created = e.At
		if d.CreatedField != "" {
			if v, ok := sms.Get(e.Payload, d.CreatedField); ok {
				if at, err := time.Parse(time.RFC3339Nano, v); err == nil && !at.After(e.At) {
					t.Created = at.UTC()
				}
			}
		}
	}
	if d.TargetField != "" {
		if v, ok := sms.Get(e.Payload, d.TargetField); ok {
			t.TargetKey = v
		}
	}
	at := e.At
	switch t.Phase {
	case Cancelled:
		return
	case Idle, Stopped:
		if !anyMatch(d.Start, e) {
			break
		}
		if t.Phase == Stopped {
			if d.Reopen == ReopenNewCycle {
				t.Cycles = append(t.Cycles, Cycle{Elapsed: t.Elapsed, Target: t.Target, Breached: t.Breached})
				t.Elapsed, t.Breached, t.BreachedAt = 0, false, time.Time{}
			}
		} else {
			t.Started = at
			if d.StartAt == StartAtCreation && !t.Created.IsZero() {
				t.Started, at = t.Created, t.Created
			}
		}
		t.Phase, t.Since = Running, at
		at = e.At
		// a start entry that also pauses (a record logged on hold) pauses
		// at once, below.
	}
	t.Target = c.target(t.TargetKey)
	switch t.Phase {
	case Running:
		switch {
		case anyMatch(d.Cancel, e):
			c.close(t, at)
			t.Phase = Cancelled
		case anyMatch(d.Stop, e):
			c.close(t, at)
			t.Phase, t.Stopped = Stopped, at
		case anyMatch(d.Reset, e):
			t.Elapsed, t.Breached, t.BreachedAt, t.Since = 0, false, time.Time{}, at
		case anyMatch(d.Pause, e):
			c.close(t, at)
			t.Phase = Paused
		}
	case Paused:
		switch {
		case anyMatch(d.Cancel, e):
			t.Phase = Cancelled
		case anyMatch(d.Stop, e):
			t.Phase, t.Stopped = Stopped, at
		case anyMatch(d.Reset, e):
			t.Elapsed, t.Breached, t.BreachedAt = 0, false, time.Time{}
		case anyMatch(d.Resume, e):
			t.Phase, t.Since = Running, at
		}
	}
	if t.Phase == Running || t.Phase == Paused {
		c.judge(t, e.At)
	}
}

// target returns the target for the key.
func (c *Compiled) target(key string) time.Duration {
	if v, ok := c.def.Targets[key]; ok && c.def.TargetField != "" {
		return v
	}
	return c.def.Target
}

// close ends the running stretch at `at`: its working time is counted,
// and a target
// exceeded is breached at the instant the count reached it.
func (c *Compiled) close(t *Timer, at time.Time) {
	if at.After(t.Since) {
		before := t.Elapsed
		t.Elapsed += c.cal.Between(t.Since, at)
		if !t.Breached && t.Target > 0 && t.Elapsed > t.Target {
			t.Breached = true
			t.BreachedAt, _ = c.cal.Add(t.Since, t.Target-before)
		}
	}
	t.Since = at
}

// judge breaches, at `at`, a timer whose target an entry lowered below the
// time already counted (a priority raised): the stricter commitment is
// broken from the moment it is made, not before.
func (c *Compiled) judge(t *Timer, at time.Time) {
	if !t.Breached && t.Target > 0 && t.Elapsed > t.Target {
		t.Breached, t.BreachedAt = true, at
	}
}

// Status is a timer seen at an instant.
type Status struct {
	Phase Phase
	// Elapsed is the working time counted by asOf; Remaining what is left
	// of the target (negative once breached: the time over it).
	Elapsed, Remaining time.Duration
	Target             time.Duration
	Breached           bool
	BreachedAt         time.Time
	// Due is when the target is (or was) reached if the timer runs on; zero
	// for a timer not running.
	Due time.Time
	// Warned lists the warning thresholds (percent of the target) reached.
	Warned []int
}

// At returns the timer's status at asOf, counting a running stretch up to
// asOf, without changing the timer.
func (c *Compiled) At(t Timer, asOf time.Time) Status {
	s := Status{Phase: t.Phase, Elapsed: t.Elapsed, Target: t.Target, Breached: t.Breached, BreachedAt: t.BreachedAt}
	if t.Phase == Running && asOf.After(t.Since) {
		s.Elapsed += c.cal.Between(t.Since, asOf)
	}
	if t.Phase == Running && t.Target > 0 {
		if left := t.Target - t.Elapsed; left > 0 {
			s.Due, _ = c.cal.Add(t.Since, left)
		} else {
			s.Due = t.BreachedAt
		}
		if !s.Breached && s.Elapsed > t.Target {
			s.Breached, s.BreachedAt = true, s.Due
		}
	}
	s.Remaining = t.Target - s.Elapsed
	for _, w := range c.def.Warnings {
		if t.Target > 0 && s.Elapsed*100 >= t.Target*time.Duration(w) {
			s.Warned = append(s.Warned, w)
		}
	}
	return s
}

// Evaluate is a timer run over a whole journal: New, then Apply.
func (c *Compiled) Evaluate(journal []sms.Entry) (Timer, error) {
	return c.Apply(c.New(), journal)
}

// Segment is a stretch of a timer's life, for [Compiled.Explain].
type Segment struct {
	// Kind is "running" (working time counted), "outside_hours" (running,
	// but outside the calendar's working time) or "paused".
	Kind string
	From time.Time
	To   time.Time
	// Counted is the working time the segment adds (zero but for running).
	Counted time.Duration
	// Reason is the trigger (and the payload's reason, if any) of the
	// entry that began the stretch.
	Reason string
}

// Segment kinds.
const (
	SegmentRunning      = "running"
	SegmentOutsideHours = "outside_hours"
	SegmentPaused       = "paused"
)

// Explain replays journal and returns the segments of the timer's life up
// to asOf, in order, whose counted time adds up to the elapsed time (of
// the current cycle), and the timer.
func (c *Compiled) Explain(journal []sms.Entry, asOf time.Time) ([]Segment, Timer, error) {
	t := c.New()
	var segs []Segment
	var from time.Time
	reason := ""
	for i := range journal {
		prev := t
		next, err := c.Apply(t, journal[i:i+1])
		if err != nil {
			return nil, t, err
		}
		e := &journal[i]
		moved := prev.Phase != next.Phase || (next.Phase == Running && !next.Since.Equal(prev.Since))
		if moved {
			segs = c.stretch(segs, prev.Phase, from, e.At, reason)
			from = e.At
			if next.Phase == Running {
				from = next.Since
			}
			reason = e.Trigger
			if r, ok := sms.Get(e.Payload, "reason"); ok && r != "" {
				reason += " (" + r + ")"
			}
			if next.Elapsed == 0 && counted(segs) > 0 {
				segs = segs[:0] // a reset or a new cycle: the segments of this count start here
			}
		}
		t = next
	}
	if t.Open() && asOf.After(from) {
		segs = c.stretch(segs, t.Phase, from, asOf, reason)
	}
	return segs, t, nil
}

// counted adds up the segments' counted time.
func counted(segs []Segment) time.Duration {
	var d time.Duration
	for _, s := range segs {
		d += s.Counted
	}
	return d
}

// stretch appends the segments of a stretch in phase from `from` to `to`.
func (c *Compiled) stretch(segs []Segment, phase Phase, from, to time.Time, reason string) []Segment {
	if !to.After(from) {
		return segs
	}
	switch phase {
	case Paused:
		return append(segs, Segment{Kind: SegmentPaused, From: from, To: to, Reason: reason})
	case Running:
		at := from
		for _, iv := range c.cal.Intervals(from, to) {
			if iv.Start.After(at) {
				segs = append(segs, Segment{Kind: SegmentOutsideHours, From: at, To: iv.Start, Reason: reason})
			}
			segs = append(segs, Segment{Kind: SegmentRunning, From: iv.Start, To: iv.End, Counted: iv.End.Sub(iv.Start), Reason: reason})
			at = iv.End
		}
		if to.After(at) {
			segs = append(segs, Segment{Kind: SegmentOutsideHours, From: at, To: to, Reason: reason})
		}
	}
	return segs
}

// Restatement is what an open timer would be under new versions of its
// definition or calendar; a closed timer is never restated.
type Restatement struct {
	Old, New Timer
	// Closed is true when the timer was stopped or cancelled: New is Old,
	// its result stands.
	Closed bool
	// Changed says whether the elapsed time, the target, the breach, the
	// phase or the start of the running stretch differ, or whether a
	// running timer moves to another calendar (its current stretch then
	// counts differently from its start on).
	Changed bool
}

// Restate recomputes an open timer t, built by c over journal, under next
// (a new version of the definition or of the calendar), over the same
// entries. The host applies the new state or keeps the old; a stopped or
// cancelled timer is returned unchanged (Closed), as SLM-11 requires of a
// closed result.
func (c *Compiled) Restate(next *Compiled, t Timer, journal []sms.Entry) (Restatement, error) {
	r := Restatement{Old: t, New: t}
	if !t.Open() {
		r.Closed = true
		return r, nil
	}
	n := 0
	for n < len(journal) && journal[n].Seq <= t.Seq {
		n++
	}
	nt, err := next.Evaluate(journal[:n])
	if err != nil {
		return r, err
	}
	r.New = nt
	// A running stretch is counted on the calendar from its start on: under
	// another calendar it measures differently from then on, whatever the
	// state holds so far.
	r.Changed = nt.Elapsed != t.Elapsed || nt.Target != t.Target || nt.Breached != t.Breached || nt.Phase != t.Phase ||
		!nt.Since.Equal(t.Since) || (nt.Phase == Running && next.cal.ID() != c.cal.ID())
	return r, nil
}
