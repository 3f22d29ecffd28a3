package replay_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// Budget (BENCHMARKS.md): the whole ServiceNow log at 100,000 events/s or
// more into memstore, and 10,000 events/s or more into SQLite with one
// transaction per case. The log is decompressed into memory first, so the
// figures are the replay's own.

func loadLog(b *testing.B) []byte {
	data, err := io.ReadAll(openLog(b, dataFile(b, serviceNowLog)))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchReplay(b *testing.B, target func(b *testing.B) (sms interface{}, opts replay.Options)) {
	data := loadLog(b)
	m := serviceNowMapping(b)
	events := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		_, opts := target(b)
		opts.SkipBadRows = true
		b.StartTimer()
		sum, err := replay.Run(context.Background(), bytes.NewReader(data), m, opts, nil)
		if err != nil {
			b.Fatal(err)
		}
		events += sum.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReplayMemstore replays the whole log into memstore.
func BenchmarkReplayMemstore(b *testing.B) {
	benchReplay(b, func(b *testing.B) (interface{}, replay.Options) {
		st := memstore.New[*incident.Incident]()
		return st, replay.Options{Target: st}
	})
}

// BenchmarkReplaySQLite replays the whole log into a fresh SQLite file, one
// transaction per case, as cmd/smsreplay -store sqlite -sync-normal does:
// synchronous=NORMAL (the last transactions may be lost on power failure,
// never half-written) and sqlite.WithBulkImport.
func BenchmarkReplaySQLite(b *testing.B) {
	benchReplay(b, func(b *testing.B) (interface{}, replay.Options) {
		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "replay.db"), sqlite.WithSynchronous(sqlite.SyncNormal), sqlite.WithBulkImport())
		if err != nil {
			b.Fatal(err)
		}
		st, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close(); db.Close() })
		return st, replay.Options{Target: st}
	})
}
