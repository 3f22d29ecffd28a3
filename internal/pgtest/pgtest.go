// Package pgtest gives the module's tests a PostgreSQL database of their
// own: a schema per test on the server SMS_POSTGRES_DSN names, dropped when
// the test ends, so that tests pass on a reused database and with
// -count=3. A test skips, saying why, when the variable is unset; .ci/run
// starts a server and sets it.
package pgtest

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

	"github.com/iso20k/sms/sqlstore/postgres"
)

// Env names the variable with the DSN of the test server.
const Env = "SMS_POSTGRES_DSN"

// BaseDSN returns the DSN of the test server, or skips the test.
func BaseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skip(Env + " is unset: the PostgreSQL tests need a server (.ci/run starts one); set it to a key=value or URL DSN")
	}
	return dsn
}

// WithParams adds run-time parameters to a DSN, in its own syntax.
func WithParams(dsn string, params map[string]string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
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

// Admin opens a connection on the test server's default schema, closed
// when the test ends.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(BaseDSN(t))
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	return db
}

// Name returns a fresh name with the prefix, for a schema or a role.
func Name(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// SchemaDSN creates a schema of the test's own, dropped when it ends, and
// returns the DSN whose search_path is that schema, with params added.
func SchemaDSN(t testing.TB, params map[string]string) string {
	t.Helper()
	admin := Admin(t)
	schema := Name("sms_test")
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	p := map[string]string{"search_path": schema}
	for k, v := range params {
		p[k] = v
	}
	return WithParams(BaseDSN(t), p)
}

// Open opens, with postgres.Open (so migrated), a database on a fresh
// schema of the test's own, closed and dropped when the test ends.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), SchemaDSN(t, nil))
	if err != nil {
		t.Fatalf("pgtest: opening a schema of the test's own: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
