package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/lib/pq" // registers "postgres": a driver besides pgx, for Classify
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/postgres"
)

// openPQ opens, through github.com/lib/pq, a database on a fresh schema,
// not migrated.
func openPQ(t testing.TB, params map[string]string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", schemaDSN(t, params))
	require.NoError(t, err)
	db.SetMaxIdleConns(postgres.DefaultIdleConns)
	t.Cleanup(func() { db.Close() })
	return db
}

// migratedPQ opens a database on a fresh schema through lib/pq and
// migrates it, as a host on that driver does.
func migratedPQ(t testing.TB, params map[string]string) *sql.DB {
	t.Helper()
	db := openPQ(t, params)
	require.NoError(t, sqlstore.Migrate(context.Background(), db, postgres.Dialect{}))
	return db
}

func pqHarness() storetest.Harness {
	h := harness()
	h.Open = func(t testing.TB) *sql.DB { return migratedPQ(t, nil) }
	h.OpenEmpty = func(t testing.TB) *sql.DB { return openPQ(t, nil) }
	return h
}

// The whole suite runs on a *sql.DB of lib/pq as on pgx's.
func TestPQ(t *testing.T) {
	t.Parallel()
	baseDSN(t)
	storetest.Run(t, pqHarness())
}

// Through lib/pq at serializable isolation, every writer that loses a race
// gets sms.ErrConflict (lib/pq's *pq.Error carries the serialization
// failure's SQLSTATE), and one wins per version.
func TestPQSerializableRace(t *testing.T) {
	t.Parallel()
	db := migratedPQ(t, map[string]string{"default_transaction_isolation": "serializable"})
	var iso string
	require.NoError(t, db.QueryRowContext(context.Background(), "SHOW transaction_isolation").Scan(&iso))
	require.Equal(t, "serializable", iso)
	storetest.RaceOneIncident(t, pqHarness(), db)
}

// Concurrent host transactions (sqlstore.WithTx) at serializable isolation
// through lib/pq, and through pgx at serializable and read committed: one
// wins per round, every other gets a conflict.
func TestHostTxRace(t *testing.T) {
	t.Parallel()
	serializable := map[string]string{"default_transaction_isolation": "serializable"}
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) *sql.DB
		opts *sql.TxOptions
	}{
		{"pq/serializable", func(t *testing.T) *sql.DB { return migratedPQ(t, serializable) }, &sql.TxOptions{Isolation: sql.LevelSerializable}},
		{"pgx/serializable", func(t *testing.T) *sql.DB { return openSchema(t, serializable) }, &sql.TxOptions{Isolation: sql.LevelSerializable}},
		{"pgx/read-committed", func(t *testing.T) *sql.DB { return openSchema(t, nil) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.RaceHostTx(t, harness(), tc.db(t), tc.opts)
		})
	}
}
