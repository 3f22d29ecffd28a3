package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/postgres"
)

// dsnEnv names the variable that points the tests at a PostgreSQL
// database; .ci/run starts a server and sets it.
const dsnEnv = "SMS_POSTGRES_DSN"

func baseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skip(dsnEnv + " is unset: the PostgreSQL tests need a server (.ci/run starts one); set it to a key=value or URL DSN")
	}
	return dsn
}

// withParams adds run-time parameters to a DSN, in its own syntax.
func withParams(dsn string, params map[string]string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			for k, v := range params {
				q.Set(k, v)
			}
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	for k, v := range params {
		dsn += " " + k + "=" + v
	}
	return dsn
}

// schemaDSN creates a schema of its own for the test, dropped when it
// ends, and returns the DSN whose search_path is that schema.
func schemaDSN(t testing.TB, params map[string]string) string {
	t.Helper()
	base := baseDSN(t)
	cfg, err := pgx.ParseConfig(base)
	require.NoError(t, err)
	admin := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "sqlstore_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	p := map[string]string{"search_path": schema}
	for k, v := range params {
		p[k] = v
	}
	return withParams(base, p)
}

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
