package sqlite_test

import (
	"testing"

	"github.com/iso20k/sms/sqlstore/internal/storetest"
)

// BenchmarkSQLiteAddLink10 and BenchmarkSQLiteAddLink10000 commit one link
// added to an entity that has 10 and 10,000 (Store.Commit alone); budget:
// the 10,000th link costs at most twice the 10th, since a commit writes
// the links that changed, not all of them.
func BenchmarkSQLiteAddLink10(b *testing.B) { storetest.BenchAddLink(b, harness(), openFile(b), 10) }

// BenchmarkSQLiteAddLink10000: see BenchmarkSQLiteAddLink10.
func BenchmarkSQLiteAddLink10000(b *testing.B) {
	storetest.BenchAddLink(b, harness(), openFile(b), 10000)
}
