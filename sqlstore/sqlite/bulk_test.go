package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/iso20k/sms/sqlstore/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBulkImportSettings: WithBulkImport takes the file's lock for the
// process, checkpoints every 10,000 pages and keeps a 64 MiB cache; the
// default keeps SQLite's normal locking.
func TestBulkImportSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pragma := func(t *testing.T, opts ...sqlite.Option) (string, int, int) {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), opts...)
		require.NoError(t, err)
		defer db.Close()
		var mode string
		var ckpt, cache int
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA locking_mode").Scan(&mode))
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&ckpt))
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache))
		return mode, ckpt, cache
	}
	mode, ckpt, cache := pragma(t, sqlite.WithBulkImport())
	assert.Equal(t, "exclusive", mode)
	assert.Equal(t, 10000, ckpt)
	assert.Equal(t, -65536, cache)
	mode, ckpt, _ = pragma(t)
	assert.Equal(t, "normal", mode)
	assert.Equal(t, 1000, ckpt)
}
