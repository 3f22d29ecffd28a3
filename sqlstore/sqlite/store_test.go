package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

var (
	_ sms.Store[*smstest.Thing]  = (*sqlstore.Store[*smstest.Thing])(nil)
	_ sms.Loader[*smstest.Thing] = (*sqlstore.Store[*smstest.Thing])(nil)
)

func TestStoreContract(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sms.db"))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		s, err := sqlstore.New[*smstest.Thing](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}
