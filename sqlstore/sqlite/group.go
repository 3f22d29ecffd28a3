package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/iso20k/sms/sqlstore"
)

// NewGroup returns the group commit of db, a database [Open] opened for
// writing, making batches of at most max commits
// ([sqlstore.DefaultGroupSize] when max is 0 or less). Give it to every
// Store on db ([sqlstore.Options].Group).
//
// It is [sqlstore.NewGroupWith] with SQLite's own durability, which
// pipelines the batches: a batch commits with synchronous NORMAL on its
// connection (its COMMIT writes the write-ahead log without waiting for
// the disk), and the Group then fsyncs the log file itself, in a goroutine
// of its own, while the next batch is written and committed. A caller
// returns only after an fsync of the log that began after its batch's
// COMMIT, so that what it was told is committed is on disk, as with
// [SyncFull]; the database stays consistent whatever happens, as SQLite's
// write-ahead log keeps it in either setting (a checkpoint syncs the log
// before it copies it). The connection's other writes (a host's
// transaction, an atomic commit, a checkpoint) keep the synchronous
// setting db was opened with, restored after every batch.
//
// One writer connection spends most of a commit alone on it waiting for
// the disk; pipelined, that wait is spent writing the next batch.
// BENCHMARKS.md has the measurements. A power loss can take back only
// commits whose callers have not returned; a reader on another connection
// may, for the length of one fsync, see a commit that it would take back.
//
// The fsync is of the "-wal" file beside the database file that SQLite
// reports for db's main schema; an in-memory database has none, and its
// batches fail with an [*sqlstore.Error].
func NewGroup(db *sql.DB, max int) *sqlstore.Group {
	return sqlstore.NewGroupWith(db, max, &walSync{})
}

// walSync is the [sqlstore.GroupDurability] of NewGroup.
type walSync struct {
	mu    sync.Mutex
	path  string // the database file, learnt by the first Relax
	prev  int    // the connections' synchronous setting, learnt with it
	relax string // the statements that set NORMAL and prev
	undo  string
}

// Relax sets NORMAL, having learnt on its first call the database's file
// and the synchronous setting its connections are opened with (every
// connection of a *sql.DB opened by Open has the same).
func (w *walSync) Relax(ctx context.Context, conn *sql.Conn) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.path == "" {
		path, err := mainFile(ctx, conn)
		if err != nil {
			return err
		}
		var prev int
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&prev); err != nil {
			return &sqlstore.Error{Op: "group", Err: err}
		}
		w.path, w.prev = path, prev
		w.relax, w.undo = "PRAGMA synchronous = NORMAL", fmt.Sprintf("PRAGMA synchronous = %d", prev)
	}
	if w.prev <= syncNormal {
		return nil // the connection's own setting is no stricter
	}
	if _, err := conn.ExecContext(ctx, w.relax); err != nil {
		return &sqlstore.Error{Op: "group", Err: err}
	}
	return nil
}

// syncNormal is the value PRAGMA synchronous reads for NORMAL.
const syncNormal = 1

// Restore sets the synchronous setting Relax found.
func (w *walSync) Restore(ctx context.Context, conn *sql.Conn) error {
	w.mu.Lock()
	prev, undo := w.prev, w.undo
	w.mu.Unlock()
	if prev <= syncNormal {
		return nil
	}
	if _, err := conn.ExecContext(ctx, undo); err != nil {
		return &sqlstore.Error{Op: "group", Err: err}
	}
	return nil
}

// Sync fsyncs the write-ahead log. When there is none, every commit is in
// the database file (SQLite removes the log only after checkpointing it
// all): that file is synced instead.
func (w *walSync) Sync(context.Context) error {
	w.mu.Lock()
	path := w.path
	w.mu.Unlock()
	if path == "" {
		return &sqlstore.Error{Op: "group", Err: errors.New("sync before any batch")}
	}
	f, err := os.OpenFile(path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	if err != nil {
		return &sqlstore.Error{Op: "group", Err: err}
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &sqlstore.Error{Op: "group", Err: err}
	}
	return nil
}

// mainFile returns the file of conn's main schema.
func mainFile(ctx context.Context, conn *sql.Conn) (string, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", &sqlstore.Error{Op: "group", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", &sqlstore.Error{Op: "group", Err: err}
		}
		if name == "main" {
			if file == "" {
				return "", &sqlstore.Error{Op: "group", Err: errors.New("an in-memory database has no file to sync")}
			}
			return file, rows.Close()
		}
	}
	if err := rows.Err(); err != nil {
		return "", &sqlstore.Error{Op: "group", Err: err}
	}
	return "", &sqlstore.Error{Op: "group", Err: errors.New("no main database")}
}
