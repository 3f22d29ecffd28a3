package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// TestGroupRestoresSynchronous: a batch's connection is relaxed for the
// batch alone; the writer's other writes keep the setting it was opened
// with.
func TestGroupRestoresSynchronous(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []sqlite.Option
		want int
	}{
		{nil, 2},
		{[]sqlite.Option{sqlite.WithSynchronous(sqlite.SyncNormal)}, 1},
	} {
		db := openFile(t, tc.opts...)
		store, err := sqlstore.New[*incident.Incident](context.Background(), db, sqlite.Dialect{}, sqlstore.Options{Group: sqlite.NewGroup(db, 0)})
		require.NoError(t, err)
		t.Cleanup(func() { store.Close() })
		storetest.WorkedIncident(t, storetest.Service(t, store), "INC-1")
		var got int
		require.NoError(t, db.QueryRow("PRAGMA synchronous").Scan(&got))
		assert.Equal(t, tc.want, got, "the writer's setting after its batches")
		inc, err := store.Get(context.Background(), "INC-1")
		require.NoError(t, err)
		assert.Equal(t, incident.StatusInProgress, inc.Status)
	}
}

// TestGroupInMemory: an in-memory database has no log to sync; its
// commits fail with a typed error and write nothing.
func TestGroupInMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:group-in-memory?mode=memory&cache=shared&_txlock=immediate")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, sqlstore.Migrate(ctx, db, sqlite.Dialect{}))
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{Group: sqlite.NewGroup(db, 0)})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = storetest.Service(t, store).Log(ctx, storetest.Actor(), storetest.Report("INC-1"))
	var se *sqlstore.Error
	require.True(t, errors.As(err, &se), "got %v", err)
	assert.Contains(t, err.Error(), "in-memory")
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM sms_journal").Scan(&n))
	assert.Zero(t, n, "nothing written")
}
