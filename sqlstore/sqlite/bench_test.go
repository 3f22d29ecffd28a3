package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
)

// BenchmarkSQLiteRawFloor is the floor of a durable transition on SQLite:
// the UPDATE and INSERT of a transition written by hand, in one
// transaction, on a database opened with the same settings.
func BenchmarkSQLiteRawFloor(b *testing.B) {
	storetest.BenchRawFloor(b, harness(), openFile(b))
}

// BenchmarkSQLiteTransition is one full transition through
// incident.Service on sqlstore over SQLite; budget: at most 1.25 times the
// floor.
func BenchmarkSQLiteTransition(b *testing.B) {
	h := harness()
	storetest.BenchTransition(b, storetest.NewStore[*incident.Incident](b, h, openFile(b)))
}

// BenchmarkSQLiteParallelTransitions compares concurrent writers on one
// connection (what Open configures) with writers on several, which wait
// for each other's lock in SQLite's busy handler.
func BenchmarkSQLiteParallelTransitions(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprint("conns=", conns), func(b *testing.B) {
			db := openFile(b)
			db.SetMaxOpenConns(conns)
			db.SetMaxIdleConns(conns)
			h := harness()
			storetest.BenchParallelTransitions(b, storetest.NewStore[*incident.Incident](b, h, db))
		})
	}
}

// BenchmarkSQLiteHostTx is BenchmarkSQLiteTransition's transition run
// inside a transaction the host begins and commits (sqlstore.WithTx);
// budget: at most 1.1 times BenchmarkSQLiteTransition.
func BenchmarkSQLiteHostTx(b *testing.B) {
	h := harness()
	db := openFile(b)
	storetest.BenchHostTx(b, db, storetest.NewStore[*incident.Incident](b, h, db))
}

// BenchmarkSQLiteThreeTransitions is a hold, a note and a resume as three
// transitions on SQLite, each its own commit.
func BenchmarkSQLiteThreeTransitions(b *testing.B) {
	storetest.BenchThreeTransitions(b, storetest.NewStore[*incident.Incident](b, harness(), openFile(b)))
}

// BenchmarkSQLiteThreeSteps is the same three as one sequence
// (incident.Service.DoSteps), one commit; budget: less than
// BenchmarkSQLiteThreeTransitions.
func BenchmarkSQLiteThreeSteps(b *testing.B) {
	storetest.BenchThreeSteps(b, storetest.NewStore[*incident.Incident](b, harness(), openFile(b)))
}
