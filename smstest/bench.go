package smstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iso20k/sms"
)

// floorRecord is the least a host writes per transition.
type floorRecord struct {
	ID       string
	EntityID string
	Trigger  string
	At       time.Time
}

// Floor is the body of a process's BenchmarkFloor, the floor its
// transition budgets are ratios of (see BENCHMARKS.md): per iteration, the
// least a host does to record a transition by hand, a map lookup of the
// record, a UUID v7, a record of the trigger appended, the clock read.
// Run it in the same process as the benchmark it is the floor of:
//
//	func BenchmarkFloor(b *testing.B) {
//		smstest.Floor(b, &incident.Incident{Meta: sms.Meta{ID: "INC-1"}, Status: incident.StatusInProgress}, "hold")
//	}
func Floor[E sms.Entity[E]](b *testing.B, e E, trigger string) {
	id := e.Metadata().ID
	store := map[string]E{id: e}
	var log []floorRecord
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cur := store[id]
		log = append(log, floorRecord{ID: uuid.Must(uuid.NewV7()).String(), EntityID: cur.Metadata().ID, Trigger: trigger, At: time.Now()})
	}
	floorSink = len(log)
}

// floorSink keeps the floor's work from being optimised away.
var floorSink int

// Copies loads n copies of a record into a store (through its
// [sms.Loader]), each under its own ID ("B-0000000", "B-0000001", ...) with
// the record's journal re-chained to it, so that every copy verifies, and
// returns their IDs: the population a benchmark spreads its transitions
// over, so that journals stay as short as in use.
func Copies[E sms.Entity[E]](ctx context.Context, st sms.Loader[E], proto E, journal []sms.Entry, n int) ([]string, error) {
	ids := make([]string, n)
	for k := range ids {
		c := proto.Clone()
		meta := c.Metadata()
		meta.ID = fmt.Sprintf("B-%07d", k)
		state, err := sms.StateDigest(c) // the copy's own ID is in its state
		if err != nil {
			return nil, err
		}
		es := make([]sms.Entry, len(journal))
		var prev sms.Hash
		for i, e := range journal {
			e = e.Clone()
			e.EntityID, e.Prev = meta.ID, prev
			if i == len(journal)-1 {
				e.State = state
			}
			e.Hash = e.ComputeHash()
			prev, es[i] = e.Hash, e
		}
		meta.Head = prev
		if err := st.Load(ctx, c, es); err != nil {
			return nil, err
		}
		ids[k] = meta.ID
	}
	return ids, nil
}
