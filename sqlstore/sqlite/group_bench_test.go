package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// BenchmarkSQLiteGroupCommit is 16 goroutines committing transitions on
// incidents of their own through one sqlstore.Group, synchronous FULL:
// ns/op is the wall time per transition. Budget: throughput at least 5x
// BenchmarkSQLiteRawFloor's, that is ns/op at most a fifth of it, in the
// same run.
func BenchmarkSQLiteGroupCommit(b *testing.B) {
	db, readers := openWithReaders(b)
	s, err := sqlstore.New[*incident.Incident](context.Background(), db, sqlite.Dialect{},
		sqlstore.Options{Group: sqlstore.NewGroup(db, 0), Reader: readers})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	storetest.BenchConcurrentTransitions(b, s, 16)
}

// BenchmarkSQLiteConcurrentNoGroup is the same 16 writers without the
// group: each commit its own transaction on the one connection.
func BenchmarkSQLiteConcurrentNoGroup(b *testing.B) {
	db, readers := openWithReaders(b)
	s, err := sqlstore.New[*incident.Incident](context.Background(), db, sqlite.Dialect{}, sqlstore.Options{Reader: readers})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	storetest.BenchConcurrentTransitions(b, s, 16)
}

// openWithReaders opens a fresh database as sqlite.Open does (one writer
// connection) and a pool of four read-only connections on the same file,
// which serve the reads while the writer commits.
func openWithReaders(b *testing.B) (db, readers *sql.DB) {
	path := filepath.Join(b.TempDir(), "sms.db")
	db, err := sqlite.Open(context.Background(), path)
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	readers, err = sqlite.Open(context.Background(), path, sqlite.WithReadOnly())
	require.NoError(b, err)
	readers.SetMaxOpenConns(4)
	readers.SetMaxIdleConns(4) // kept open: a reader opened per read costs its schema parse
	b.Cleanup(func() { readers.Close() })
	return db, readers
}

// TestSQLiteGroupCommit runs the whole suite (the storage contract, the
// evidence tests, concurrency) with every store committing through its
// database's group commit.
func TestSQLiteGroupCommit(t *testing.T) {
	t.Parallel()
	h := harness()
	h.Group = true
	storetest.Run(t, h)
}
