// Package sqlite is sqlstore's SQLite dialect, on modernc.org/sqlite: pure
// Go, no cgo. [Open] returns a *sql.DB ready for sqlstore.New: the schema
// migrated, write-ahead logging, a busy timeout, synchronous=FULL (or
// NORMAL, see [WithSynchronous]) and transactions that take the write lock
// when they begin.
//
// # One connection
//
// Open limits the pool to one connection. SQLite admits one writer at a
// time; writers on several connections of one process do not write in
// parallel, they wait for each other's lock in SQLite's busy handler, which
// sleeps and polls, and under load some of them starve until the busy
// timeout fails them. With one connection, database/sql queues the writers
// instead: a transition waits only for the transitions ahead of it. Reads
// share the connection; a host that wants reads beside the writer can open
// a second *sql.DB on the same file (with [DSN]) and pass it as
// sqlstore.Options.Reader. BENCHMARKS.md has the measurements.
//
// # Durability
//
// With the default [SyncFull], a transition that returned is on disk and
// survives a power loss. A crash of the process never leaves half a
// transition, whatever the setting: the package's tests kill a writer with
// SIGKILL mid-run and check that every journal verifies and every entity
// is at the version its journal ends at.
package sqlite
