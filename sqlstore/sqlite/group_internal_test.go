package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/sqlstore"
)

// TestWalSyncRelaxRestore: Relax sets NORMAL on the connection it is
// given, Restore what was there, and Sync syncs the log, or the database
// file when the log is gone.
func TestWalSyncRelaxRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	setting := func() int {
		var s int
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&s))
		return s
	}
	w := &walSync{}
	var se *sqlstore.Error
	require.ErrorAs(t, w.Sync(ctx), &se, "a Sync before any batch knows no file")

	require.Equal(t, 2, setting(), "opened FULL")
	require.NoError(t, w.Relax(ctx, conn))
	assert.Equal(t, 1, setting(), "relaxed to NORMAL")
	require.NoError(t, w.Restore(ctx, conn))
	assert.Equal(t, 2, setting(), "restored")
	abs, err := filepath.EvalSymlinks(path)
	require.NoError(t, err)
	got, err := filepath.EvalSymlinks(w.path)
	require.NoError(t, err)
	assert.Equal(t, abs, got)

	require.NoError(t, w.Sync(ctx), "the log")
	w.path = filepath.Join(t.TempDir(), "alone.db")
	require.NoError(t, os.WriteFile(w.path, []byte("x"), 0o600))
	require.NoError(t, w.Sync(ctx), "no log: the database file")
	w.path = filepath.Join(t.TempDir(), "missing.db")
	err = w.Sync(ctx)
	require.ErrorAs(t, err, &se)
	assert.True(t, errors.Is(err, os.ErrNotExist), "got %v", err)
}
