package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	driver "modernc.org/sqlite"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

var (
	_ sms.Store[*smstest.Thing]  = (*sqlstore.Store[*smstest.Thing])(nil)
	_ sms.Loader[*smstest.Thing] = (*sqlstore.Store[*smstest.Thing])(nil)
)

// openFile opens a fresh database file under the test's directory with
// sqlite.Open.
func openFile(t testing.TB, opts ...sqlite.Option) *sql.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sms.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// openEmpty opens a fresh database file configured as sqlite.Open does,
// without migrating it.
func openEmpty(t testing.TB) *sql.DB {
	t.Helper()
	c, err := driver.NewConnector(sqlite.DSN(filepath.Join(t.TempDir(), "empty.db")))
	require.NoError(t, err)
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func harness() storetest.Harness {
	return storetest.Harness{
		Dialect:   sqlite.Dialect{},
		Open:      func(t testing.TB) *sql.DB { return openFile(t) },
		OpenEmpty: openEmpty,
	}
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, harness())
}

// A pool of readers beside the single writer connection keeps the contract.
func TestStoreContractWithReader(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "sms.db")
		db, err := sqlite.Open(ctx, path)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		c, err := driver.NewConnector(sqlite.DSN(path))
		require.NoError(t, err)
		readers := sql.OpenDB(c)
		readers.SetMaxOpenConns(4)
		t.Cleanup(func() { readers.Close() })
		s, err := sqlstore.New[*smstest.Thing](ctx, db, sqlite.Dialect{}, sqlstore.Options{Reader: readers})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestCommitTogether: stores commit together on one *sql.DB, not across
// two databases nor with a memstore.
func TestCommitTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := func(db *sql.DB) *sqlstore.Store[*smstest.Thing] {
		s, err := sqlstore.New[*smstest.Thing](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	one, other := openFile(t), openFile(t)
	a, b, c := store(one), store(one), store(other)
	require.True(t, sms.CommitTogether(a, b), "two stores on one database")
	require.False(t, sms.CommitTogether(a, c), "two databases")
	require.False(t, sms.CommitTogether(a, memstore.New[*smstest.Thing]()), "a database and a memstore")
	require.True(t, sms.CommitTogether(memstore.New[*smstest.Thing](), memstore.New[*smstest.Thing]()), "two memstores")
	require.False(t, sms.CommitTogether(a, struct{ sms.Store[*smstest.Thing] }{b}), "a store without the capability")
	require.False(t, sms.CommitTogether(), "no store")
}
