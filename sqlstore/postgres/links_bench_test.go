package postgres_test

import (
	"testing"

	"github.com/iso20k/sms/sqlstore/internal/storetest"
)

// BenchmarkPostgresAddLink10 and BenchmarkPostgresAddLink10000 commit one
// link added to an entity that has 10 and 10,000 (Store.Commit alone);
// budget: the 10,000th link costs at most twice the 10th.
func BenchmarkPostgresAddLink10(b *testing.B) {
	storetest.BenchAddLink(b, harness(), openSchema(b, nil), 10)
}

// BenchmarkPostgresAddLink10000: see BenchmarkPostgresAddLink10.
func BenchmarkPostgresAddLink10000(b *testing.B) {
	storetest.BenchAddLink(b, harness(), openSchema(b, nil), 10000)
}
