package postgres_test

import (
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
)

// BenchmarkPostgresRawFloor is the floor of a durable transition on
// PostgreSQL: the UPDATE and INSERT of a transition written by hand, in one
// transaction, prepared, on the same server.
func BenchmarkPostgresRawFloor(b *testing.B) {
	storetest.BenchRawFloor(b, harness(), openSchema(b, nil))
}

// BenchmarkPostgresTransition is one full transition through
// incident.Service on sqlstore over PostgreSQL; budget: at most 1.25 times
// the floor.
func BenchmarkPostgresTransition(b *testing.B) {
	h := harness()
	storetest.BenchTransition(b, storetest.NewStore[*incident.Incident](b, h, openSchema(b, nil)))
}
