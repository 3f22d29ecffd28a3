package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iso20k/sms/sqlstore"
)

// Dialect is the [sqlstore.Dialect] of SQLite through modernc.org/sqlite.
// Its zero value is ready to use.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

// Name returns [sqlstore.EngineSQLite].
func (Dialect) Name() string { return sqlstore.EngineSQLite }

// Placeholder returns "?".
func (Dialect) Placeholder(int) string { return "?" }

// Classify sorts modernc.org/sqlite errors: SQLITE_BUSY and SQLITE_LOCKED
// (the busy timeout ran out while another connection, perhaps of another
// process, held the write lock) are [sqlstore.ClassConflict]; primary-key
// and unique violations are [sqlstore.ClassUnique], and so is a refusal by
// one of the schema's triggers (SQLITE_CONSTRAINT_TRIGGER): the only
// trigger a store's own writes can meet is the one that refuses an insert
// over an existing journal entry or idempotency key, which is a unique
// violation checked before SQLite's own.
func (Dialect) Classify(err error) sqlstore.ErrorClass {
	var e *driver.Error
	if !errors.As(err, &e) {
		return sqlstore.ClassOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return sqlstore.ClassUnique
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return sqlstore.ClassConflict
	}
	return sqlstore.ClassOther
}

// Sync is SQLite's synchronous setting: how a commit waits for the disk.
type Sync string

// Synchronous settings. In WAL mode both keep the database consistent
// whatever happens; they differ in what a power loss or an operating-system
// crash (not a crash of the process) can take back.
const (
	// SyncFull, the default, syncs the write-ahead log at every commit: a
	// transition that returned is on disk.
	SyncFull Sync = "FULL"
	// SyncNormal syncs only at checkpoints: commits are faster, and a power
	// loss may roll back the last transitions before the most recent
	// checkpoint, each whole (never half a transition). Choose it when the
	// host can replay what it lost, or does not mind.
	SyncNormal Sync = "NORMAL"
)

// DefaultBusyTimeout is how long a connection waits for another
// connection's write lock before the store reports a conflict.
const DefaultBusyTimeout = 5 * time.Second

// Option configures [Open] and [DSN].
type Option func(*config)

type config struct {
	sync       Sync
	busy       time.Duration
	exclusive  bool
	checkpoint int
	readOnly   bool
}

// WithSynchronous sets the synchronous setting; the default is [SyncFull].
func WithSynchronous(s Sync) Option { return func(c *config) { c.sync = s } }

// WithBusyTimeout sets how long a connection waits for another's write lock;
// the default is [DefaultBusyTimeout].
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busy = d } }

// WithBulkImport tunes the database for one process writing alone, as an
// importer or a replay does: the process takes the file's lock for as long
// as it keeps the database open (no other process can read or write it
// meanwhile), and the write-ahead log is checkpointed every 10,000 pages
// instead of 1,000, so that pages written by many small transactions are
// copied into the database once. Durability is what the synchronous
// setting says. The page cache grows to 64 MiB, so that index pages stay
// in memory as the database grows.
func WithBulkImport() Option {
	return func(c *config) { c.exclusive, c.checkpoint = true, 10000 }
}

// WithReadOnly opens the database for reading only, as an auditor's tool
// does: nothing is written, not even a migration. [Open] then refuses a
// file that does not exist, and [sqlstore.New] a schema that is not this
// code's. It has a connection per CPU, for readers to run side by side.
func WithReadOnly() Option { return func(c *config) { c.readOnly = true } }

// DSN returns the modernc.org/sqlite data source name [Open] uses for the
// database file at path: write-ahead logging, the busy timeout, the
// synchronous setting, and transactions that take the write lock when they
// begin (BEGIN IMMEDIATE), so that two writers queue on the busy timeout
// instead of failing when one upgrades a read lock. A host that opens its
// own *sql.DB with it should also limit the pool to one connection, as Open
// does.
func DSN(path string, opts ...Option) string {
	c := config{sync: SyncFull, busy: DefaultBusyTimeout}
	for _, o := range opts {
		o(&c)
	}
	if c.sync != SyncNormal {
		c.sync = SyncFull
	}
	// A "file:" URI, so that the path is never mistaken for parameters.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := url.Values{}
	if c.readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("_txlock", "immediate")
	}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(c.busy.Milliseconds(), 10)+")")
	if !c.readOnly {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "synchronous("+string(c.sync)+")")
	if c.exclusive {
		q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	}
	if c.checkpoint > 0 {
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(c.checkpoint)+")")
		q.Add("_pragma", "cache_size(-65536)")
	}
	return "file:" + p + "?" + q.Encode()
}

// Open opens (creating it if need be) the SQLite database file at path,
// configured as [DSN] says, with one connection, and brings its schema up
// to date with [sqlstore.Migrate]. The *sql.DB is ready for
// [sqlstore.New]; the caller closes it.
//
// One connection is deliberate: SQLite admits one writer at a time, and
// writers on several connections of one process only wait on each other's
// locks (sleeping in the busy handler) and starve; one connection queues
// them in the pool instead, with no lock waits at all. Reads share that
// connection. BENCHMARKS.md has the measurements. A database opened
// [WithReadOnly] has no writer to queue: it has a connection per CPU, so
// that readers (the verification of many records by an evidence pack or a
// conformance check) run side by side.
//
// Errors are an [*sqlstore.Error] (Op "open"), or what Migrate returns.
func Open(ctx context.Context, path string, opts ...Option) (*sql.DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	c, err := driver.NewConnector(DSN(path, opts...))
	if err != nil {
		return nil, &sqlstore.Error{Op: "open", Err: err}
	}
	db := sql.OpenDB(c)
	conns := 1
	if cfg.readOnly {
		conns = max(runtime.GOMAXPROCS(0), 1)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return nil, &sqlstore.Error{Op: "open", Err: err}
	}
	if cfg.readOnly {
		return db, nil
	}
	if err := sqlstore.Migrate(ctx, db, Dialect{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
