// Package sqltest runs a store test of the module's on every database it
// supports: SQLite, in a file of the test's own, and PostgreSQL, in a
// schema of the test's own ([pgtest.Open]), when SMS_POSTGRES_DSN names a
// server (the subtest skips, saying why, when it does not; .ci/run starts
// one).
package sqltest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/iso20k/sms/internal/pgtest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// Run runs fn as the parallel subtests "SQLite" and "PostgreSQL", each on
// a database nothing else uses, closed when the subtest ends.
func Run(t *testing.T, fn func(t *testing.T, db *sql.DB, d sqlstore.Dialect)) {
	t.Helper()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sms.db"))
		if err != nil {
			t.Fatalf("sqltest: opening SQLite: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db, sqlite.Dialect{})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := pgtest.Open(t)
		t.Parallel()
		fn(t, db, postgres.Dialect{})
	})
}
