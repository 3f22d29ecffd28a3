package sqlite_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// BenchmarkCheckpointMillion is a signed checkpoint over the journals of
// 1,000,000 entities on SQLite: the heads read from the journal table a
// page at a time, the Merkle root, the signature, the leaves stored.
// Budget (BENCHMARKS.md): under 10 s and 200 MiB; it reports the peak of
// the Go heap during the build as peak-heap-MiB. The million journals
// (one entry each, as a bulk import leaves them) are written once, before
// the timer starts.
func BenchmarkCheckpointMillion(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	db := openFile(b)
	fillJournals(b, db, n)
	ev, err := sqlstore.NewEvidence(ctx, db, sqlite.Dialect{})
	if err != nil {
		b.Fatal(err)
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	var peak atomic.Uint64
	stop := samplePeakHeap(&peak)
	defer stop()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cp, err := ev.Checkpoint(ctx, key, "million", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if cp.Size != n {
			b.Fatalf("checkpoint covers %d journals, want %d", cp.Size, n)
		}
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// fillJournals writes n one-entry journals with raw SQL, in one
// transaction: what a checkpoint reads is the journal's (kind, entity,
// sequence, hash).
func fillJournals(b *testing.B, db *sql.DB, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO sms_journal (kind, entity_id, seq, entry_id, at_us, trig, from_status, to_status, actor_id, "+
		"actor_roles, reason, payload, prev, hash, state) VALUES ('incident', ?, 1, ?, 0, 'log', '', 'new', 'agent-1', '[]', '', '[]', ?, ?, ?)")
	if err != nil {
		b.Fatal(err)
	}
	zero := make([]byte, 32)
	hash := make([]byte, 32)
	for i := range n {
		_, _ = rand.Read(hash)
		id := fmt.Sprintf("0193a0b2-%04x-7abc-8def-%012x", i>>16, i)
		if _, err := st.ExecContext(ctx, id, "e-"+id, zero, hash, hash); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// samplePeakHeap records the largest live Go heap seen until stop.
func samplePeakHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
