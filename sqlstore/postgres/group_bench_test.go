package postgres_test

import (
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
)

// BenchmarkPostgresConcurrent is 16 goroutines committing transitions on
// incidents of their own over 16 connections, each commit its own
// transaction (the server groups their WAL flushes itself). Budget:
// throughput at least 3x BenchmarkPostgresRawFloor's, in the same run.
func BenchmarkPostgresConcurrent(b *testing.B) {
	db := openSchema(b, nil)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	storetest.BenchConcurrentTransitions(b, storetest.NewStore[*incident.Incident](b, harness(), db), 16)
}

// BenchmarkPostgresGroupCommit is the same 16 writers through one
// sqlstore.Group: the batches share a transaction and a flush.
func BenchmarkPostgresGroupCommit(b *testing.B) {
	db := openSchema(b, nil)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	storetest.BenchConcurrentTransitions(b, storetest.NewGroupStore[*incident.Incident](b, harness(), db), 16)
}

// TestPostgresGroupCommit runs the whole suite with every store committing
// through its database's group commit.
func TestPostgresGroupCommit(t *testing.T) {
	t.Parallel()
	h := harness()
	h.Group = true
	storetest.Run(t, h)
}
