package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the schema of every engine, one directory each, one
// file per version: NNNN_name.sql, applied in order.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's migrations in order, checking that they
// run 1, 2, 3 ... without gaps.
func migrations(e engine) ([]migration, error) {
	ents, err := fs.ReadDir(migrationFiles, e.migrations)
	if err != nil {
		return nil, &Error{Op: opMigrate, Err: err}
	}
	var out []migration
	for _, ent := range ents {
		name := ent.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, &Error{Op: opMigrate, Err: fmt.Errorf("%w: %s", errMigrations, name)}
		}
		b, err := migrationFiles.ReadFile(path.Join(e.migrations, name))
		if err != nil {
			return nil, &Error{Op: opMigrate, Err: err}
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, &Error{Op: opMigrate, Err: fmt.Errorf("%w: %s is not version %d", errMigrations, m.name, i+1)}
		}
	}
	return out, nil
}

// SchemaVersion returns the schema version recorded in db (0 when sqlstore
// never migrated it) and the version this code migrates to. [New] refuses
// a database where they differ; [Migrate] closes the gap.
func SchemaVersion(ctx context.Context, db *sql.DB, d Dialect) (database, code int, err error) {
	e, err := engineOf(d)
	if err != nil {
		return 0, 0, err
	}
	ms, err := migrations(e)
	if err != nil {
		return 0, 0, err
	}
	if db == nil {
		return 0, 0, &Error{Op: opMigrate, Err: errNoDB}
	}
	v, err := appliedVersion(ctx, db, e)
	if err != nil {
		return 0, 0, &Error{Op: opMigrate, Err: err}
	}
	return v, len(ms), nil
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func appliedVersion(ctx context.Context, q queryer, e engine) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, e.hasVersions).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM sms_schema").Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// Migrate brings the schema of db up to this code's version: it applies, in
// one transaction, every embedded migration of the dialect's engine that the
// database lacks, and records each version with the time it was applied in
// the table sms_schema. Running it again changes nothing; concurrent
// migrators are serialised (SQLite's write lock, a PostgreSQL advisory
// lock).
//
// It refuses, with a [*SchemaError] and without writing, a database whose
// schema is newer than the code. Other failures are an [*Error]; the
// transaction is then rolled back and the schema is as it was.
//
// The helpers sqlite.Open and postgres.Open call it; a host that opens its
// own *sql.DB calls it before [New]. A database already at this code's
// version is only read, so an application role without the right to
// create tables may call it (and postgres.Open) too.
//
// With [GrantTo], Migrate also grants an application role what the
// library's writes need and nothing more; see [GrantTo] for the two-role
// set-up that keeps the journal append-only against the application
// itself.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, opts ...MigrateOption) error {
	e, err := engineOf(d)
	if err != nil {
		return err
	}
	ms, err := migrations(e)
	if err != nil {
		return err
	}
	if db == nil {
		return &Error{Op: opMigrate, Err: errNoDB}
	}
	var mo migrateOptions
	for _, o := range opts {
		o(&mo)
	}
	if mo.grantee != "" && e.name != EnginePostgres {
		return &Error{Op: opMigrate, Err: fmt.Errorf("GrantTo: %s has no roles: whoever can open the file can write it; rely on checkpoints", e.name)}
	}
	fail := func(what string, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return &Error{Op: opMigrate, Err: fmt.Errorf("%s: %w", what, err)}
	}
	if mo.grantee == "" {
		have, err := appliedVersion(ctx, db, e)
		if err != nil {
			return fail("read the schema version", err)
		}
		if have > len(ms) {
			return &SchemaError{Database: have, Code: len(ms)}
		}
		if have == len(ms) {
			return nil
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fail("begin", err)
	}
	defer tx.Rollback()
	if e.lock != "" {
		if _, err := tx.ExecContext(ctx, e.lock); err != nil {
			return fail("lock", err)
		}
	}
	const versions = "CREATE TABLE IF NOT EXISTS sms_schema (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)"
	if _, err := tx.ExecContext(ctx, versions); err != nil {
		return fail("create sms_schema", err)
	}
	have, err := appliedVersion(ctx, tx, e)
	if err != nil {
		return fail("read the schema version", err)
	}
	if have > len(ms) {
		return &SchemaError{Database: have, Code: len(ms)}
	}
	if have == len(ms) && mo.grantee == "" {
		return nil
	}
	record := "INSERT INTO sms_schema (version, applied_us) VALUES (" + d.Placeholder(1) + ", " + d.Placeholder(2) + ")"
	for _, m := range ms[have:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fail(m.name, err)
		}
		if _, err := tx.ExecContext(ctx, record, m.version, time.Now().UnixMicro()); err != nil {
			return fail(m.name, err)
		}
	}
	if mo.grantee != "" {
		var schema string
		if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return fail("read the current schema", err)
		}
		for _, g := range grants(quoteIdent(schema), quoteIdent(mo.grantee)) {
			if _, err := tx.ExecContext(ctx, g); err != nil {
				return fail("grant to "+mo.grantee, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}

// MigrateOption configures [Migrate].
type MigrateOption func(*migrateOptions)

type migrateOptions struct {
	grantee string
}

// GrantTo makes [Migrate] grant the PostgreSQL role what an application
// that runs the library needs, in the schema it migrates, and nothing
// more: SELECT and INSERT on the journal and the checkpoint tables (never
// UPDATE, DELETE or TRUNCATE); SELECT, INSERT, UPDATE and DELETE on the
// entity and link tables; SELECT, INSERT and UPDATE on the personal data
// of [Vault] (an erasure is an UPDATE); SELECT on the schema versions; USAGE on the
// schema. Run Migrate as the owner (the role that creates and owns the
// tables, which the application never uses) with GrantTo(the application
// role), and open the application's connections as that role: it cannot
// then change or remove a journal entry, nor disable or drop the triggers
// that refuse it, which only the owner may do. SQLite has no roles:
// GrantTo is refused there.
//
// The grants are run every time, so a role can be added to a database
// already migrated.
func GrantTo(role string) MigrateOption {
	return func(o *migrateOptions) { o.grantee = role }
}

func grants(schema, role string) []string {
	return []string{
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT, INSERT ON sms_journal, sms_checkpoints, sms_checkpoint_leaves TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON sms_entities, sms_links, sms_link_pages TO " + role,
		"GRANT SELECT, INSERT, UPDATE ON sms_personal TO " + role,
		"GRANT SELECT ON sms_schema TO " + role,
	}
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
