package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/internal/pgtest"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/postgres"
)

func baseDSN(t testing.TB) string { return pgtest.BaseDSN(t) }

// schemaDSN creates a schema of its own for the test, dropped when it
// ends, and returns the DSN whose search_path is that schema.
func schemaDSN(t testing.TB, params map[string]string) string { return pgtest.SchemaDSN(t, params) }

// openSchema opens, with postgres.Open, a database on a fresh schema.
func openSchema(t testing.TB, params map[string]string) *sql.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), schemaDSN(t, params))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func harness() storetest.Harness {
	return storetest.Harness{
		Dialect: postgres.Dialect{},
		Open:    func(t testing.TB) *sql.DB { return openSchema(t, nil) },
		OpenEmpty: func(t testing.TB) *sql.DB {
			cfg, err := pgx.ParseConfig(schemaDSN(t, nil))
			require.NoError(t, err)
			db := stdlib.OpenDB(*cfg)
			t.Cleanup(func() { db.Close() })
			return db
		},
		ValidatesJSON: true,
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	baseDSN(t)
	storetest.Run(t, harness())
}

// Under serializable isolation PostgreSQL aborts the losers of a race with
// a serialization failure; the store reports it as a conflict.
func TestSerializableRace(t *testing.T) {
	t.Parallel()
	db := openSchema(t, map[string]string{"default_transaction_isolation": "serializable"})
	var iso string
	require.NoError(t, db.QueryRowContext(context.Background(), "SHOW transaction_isolation").Scan(&iso))
	require.Equal(t, "serializable", iso)
	storetest.RaceOneIncident(t, harness(), db)
}
