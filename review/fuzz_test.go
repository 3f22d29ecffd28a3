package review_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, owner, participant, outsider}

var fuzzStrings = []string{"", " ", "x", "CI-3", "ünïcødé ✓", strings.Repeat("a", 200), "line\nbreak"}

// fuzzCommand builds a command for the trigger: valid, zero, or with
// fields drawn from v.
func fuzzCommand(tr review.Trigger, v byte, now time.Time) review.Command {
	switch v % 4 {
	case 0:
		return validCommand(tr)
	case 1:
		switch tr {
		case review.TriggerPerform:
			return review.Performance{}
		case review.TriggerUpdateAction:
			return review.ActionUpdate{}
		case review.TriggerClose:
			return review.Closure{}
		case review.TriggerCancel:
			return review.Cancellation{}
		case review.TriggerNote:
			return review.Note{}
		}
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	at := now.Add(time.Duration(int(v)-128) * time.Hour)
	switch tr {
	case review.TriggerPerform:
		c := review.Performance{Inputs: review.Inputs{Summary: s, Refs: []string{s}}, Conclusions: s, Participants: []string{s, "pam"}}
		if v%3 == 0 {
			c.PerformedAt = at
		}
		if v%5 == 0 {
			c.Period = review.Period{From: at.Add(-day), To: at}
		}
		for k := 0; k < int(v%4); k++ {
			c.Actions = append(c.Actions, review.AgreedAction{Text: s, Owner: fuzzStrings[(int(v)+k)%len(fuzzStrings)],
				Due: at.Add(time.Duration(k) * day), Ref: fuzzStrings[(int(v)+2*k)%len(fuzzStrings)]})
		}
		return c
	case review.TriggerUpdateAction:
		return review.ActionUpdate{Number: int(v % 5), Done: v%2 == 0, Ref: s, Note: s}
	case review.TriggerCancel:
		return review.Cancellation{Reason: s}
	case review.TriggerNote:
		return review.Note{Text: s}
	case review.TriggerClose:
		return review.Closure{Note: s}
	}
	return validCommand(tr)
}

// fuzzing is the fixture as the kit's fuzz driver sees it. Beside the
// kit's contracts (a refusal is of a known category and changes nothing, a
// success adds one entry, the journal verifies), every success reads back
// as committed and leaves a record that fails no conformance check, since
// the workflow guards everything the checks demand.
type fuzzing struct{ *kitInstance }

func (f *fuzzing) Start(t testing.TB) string {
	r, err := f.Service.Plan(f.fx.ctx, owner, plan(subjectPRB))
	require.NoError(t, err)
	return r.ID
}

func (f *fuzzing) Do(ctx context.Context, id string, s smstest.Step) (*review.Review, error) {
	tr, who, v := review.Trigger(s.Trigger), fuzzActors[s.Actor%len(fuzzActors)], s.Variant
	f.fx.clk.Advance(time.Duration(v) * 7 * time.Minute)
	got, err := f.Service.Do(ctx, who, id, fuzzCommand(tr, v, f.fx.clk.Now()))
	if err != nil {
		return got, err
	}
	t := f.fx.t
	stored, err := f.Service.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, got, stored)
	findings, err := review.Check(stored, f.fx.clk.Now())
	require.NoError(t, err)
	require.Empty(t, findings, "after %s the workflow let through a nonconforming record", tr)
	return got, nil
}

// FuzzTransitions drives random trigger sequences, with random payloads
// and actors, through the workflow (smstest.FuzzProcess): no panic; every
// refusal is a known category and leaves the stored review and its journal
// unchanged; every success appends exactly one entry; the journal always
// verifies; and the stored record never fails a conformance check, since
// the workflow guards everything the checks demand.
func FuzzTransitions(f *testing.F) {
	// Seeds, as (trigger index, actor index, variant) triples; trigger
	// indexes count from perform = 0 in review.Triggers()[1:].
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0})            // perform, update, close
	f.Add([]byte{3, 1, 0, 4, 2, 2, 0, 0, 1, 0, 1, 0})   // cancel, note, perform refused
	f.Add([]byte{0, 1, 2, 1, 1, 6, 1, 1, 7, 2, 0, 3})   // odd performance, updates, close
	f.Add([]byte{0, 0, 15, 2, 0, 1, 1, 0, 10, 2, 0, 0}) // actions without refs
	f.Fuzz(func(t *testing.T, ops []byte) {
		smstest.FuzzProcess(t, ops, smstest.Names(review.Triggers()[1:]), &fuzzing{newKitInstance(newFixture(t))})
	})
}

// FuzzSweep compares the sweep with a naive reading of the rule on random
// schedules and reviews: a schedule is overdue as of a time unless that
// time is within Interval plus Grace of its start, or some performed
// review of its subject and scope was performed within Interval plus Grace
// before it (and not after it).
func FuzzSweep(f *testing.F) {
	f.Add(uint8(30), uint8(7), int16(100), []byte{1, 10, 2, 40})
	f.Add(uint8(91), uint8(14), int16(-5), []byte{})
	f.Add(uint8(1), uint8(0), int16(400), []byte{0, 255, 3, 3, 1, 1, 2, 100})
	subjects := []struct{ subject, scope string }{{subjectPRB, ""}, {subjectPRB, "payroll"}, {subjectCHG, ""}}
	statuses := review.Statuses()
	f.Fuzz(func(t *testing.T, interval, grace uint8, asOfDays int16, rs []byte) {
		s0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		sched := review.Schedule{Subject: subjectPRB, Start: s0, Interval: time.Duration(interval) * day,
			Grace: time.Duration(grace) * time.Hour * 13, Requirement: prb13, Code: codePRB}
		asOf := s0.Add(time.Duration(asOfDays) * day)
		var reviews []*review.Review
		for k := 0; k+1 < len(rs) && k < 200; k += 2 {
			which := subjects[int(rs[k])%len(subjects)]
			r := performed("R"+string(rune('A'+k%26))+string(rune('a'+k/26)), which.subject, which.scope,
				statuses[int(rs[k]/3)%len(statuses)], s0.Add(time.Duration(int(rs[k+1])-60)*day))
			reviews = append(reviews, r)
		}
		got, err := review.Sweep([]review.Schedule{sched}, reviews, asOf)
		if interval == 0 {
			require.ErrorIs(t, err, sms.ErrInvalid)
			return
		}
		require.NoError(t, err)
		window := sched.Interval + sched.Grace
		ok := !asOf.After(s0.Add(window))
		for _, r := range reviews {
			if r.Subject == subjectPRB && r.Scope == "" && (r.Status == review.StatusPerformed || r.Status == review.StatusClosed) &&
				!r.PerformedAt.After(asOf) && !r.PerformedAt.Before(asOf.Add(-window)) {
				ok = true
			}
		}
		require.Equal(t, !ok, len(got) == 1, "overdue as of %s", asOf)
		require.LessOrEqual(t, len(got), 1)
	})
}
