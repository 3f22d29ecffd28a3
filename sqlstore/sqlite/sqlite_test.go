package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	require.NoError(t, db.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v))
	return v
}

func TestOpenConfiguresTheDatabase(t *testing.T) {
	t.Parallel()
	db := openFile(t)
	assert.Equal(t, "wal", pragma(t, db, "journal_mode"))
	assert.Equal(t, "2", pragma(t, db, "synchronous"), "FULL by default")
	assert.Equal(t, "5000", pragma(t, db, "busy_timeout"))
	assert.Equal(t, 1, db.Stats().MaxOpenConnections, "one connection")

	normal := openFile(t, sqlite.WithSynchronous(sqlite.SyncNormal), sqlite.WithBusyTimeout(250*time.Millisecond))
	assert.Equal(t, "1", pragma(t, normal, "synchronous"), "NORMAL when asked")
	assert.Equal(t, "250", pragma(t, normal, "busy_timeout"))

	odd := openFile(t, sqlite.WithSynchronous("OFF"))
	assert.Equal(t, "2", pragma(t, odd, "synchronous"), "an unknown setting falls back to FULL")
}

func TestOpenPathsAndErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	// Characters a URI would read as parameters or escapes.
	path := filepath.Join(dir, "odd ?name#%20.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	assert.FileExists(t, path)
	again, err := sqlite.Open(ctx, path)
	require.NoError(t, err, "reopening migrates nothing and succeeds")
	require.NoError(t, again.Close())

	_, err = sqlite.Open(ctx, filepath.Join(dir, "missing", "dir", "x.db"))
	var se *sqlstore.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "open", se.Op)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sqlite.Open(cancelled, filepath.Join(dir, "c.db"))
	assert.ErrorIs(t, err, context.Canceled)
}

// A writer of another connection (another process, say) holding the write
// lock past the busy timeout makes a commit fail as a conflict, writing
// nothing; once the lock is released the commit goes through.
func TestBusyIsAConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer holder.Close()
	waiter, err := sqlite.Open(ctx, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	require.NoError(t, err)
	defer waiter.Close()
	s, err := sqlstore.New[*smstest.Thing](ctx, waiter, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th, en := smstest.NewThing("busy", "open", at)
	require.NoError(t, s.Create(ctx, th, en))

	tx, err := holder.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	require.NoError(t, err)
	next := th.Clone()
	e2 := smstest.Advance(next, "move", "closed", at.Add(time.Minute))
	err = s.Commit(ctx, next, 1, []sms.Entry{e2})
	var ce *sms.ConflictError
	require.ErrorAs(t, err, &ce, "a commit that cannot get the write lock is a conflict")
	assert.Equal(t, int64(-1), ce.Actual)
	assert.Equal(t, int64(1), ce.Expected)
	n, nen := smstest.NewThing("busy-2", "open", at)
	assert.ErrorIs(t, s.Create(ctx, n, nen), sms.ErrConflict)
	require.NoError(t, tx.Rollback())

	require.NoError(t, s.Commit(ctx, next, 1, []sms.Entry{e2}), "the same commit succeeds once the lock is free")
	got, err := s.Get(ctx, "busy")
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
}

func TestDialect(t *testing.T) {
	t.Parallel()
	d := sqlite.Dialect{}
	assert.Equal(t, sqlstore.EngineSQLite, d.Name())
	assert.Equal(t, "?", d.Placeholder(3))
	assert.Equal(t, sqlstore.ClassOther, d.Classify(context.Canceled))
	assert.Equal(t, sqlstore.ClassOther, d.Classify(nil))
}
