package release_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSQLite runs releases through the generic sqlstore on SQLite.
func TestSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sms.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	storeRoundTrip(t, db, sqlite.Dialect{})
}

// TestPostgres does the same on PostgreSQL when SMS_POSTGRES_DSN names a
// database.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("SMS_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SMS_POSTGRES_DSN is not set: skipping the PostgreSQL round trip (.ci/run sets it)")
	}
	t.Parallel()
	db, err := postgres.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	storeRoundTrip(t, db, postgres.Dialect{})
}

func storeRoundTrip(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	st, err := sqlstore.New[*release.Release](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := newFixture(t, release.DefaultPolicy())
	svc, err := release.NewService(st, release.Config{Changes: f.changes, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc
	f.prefix = d.Name() + "-" + time.Now().UTC().Format("150405.000000000") + "-"

	for _, s := range []release.Status{release.StatusClosed, release.StatusRolledBack, release.StatusCancelled} {
		r := f.to(t, s)
		stored, err := svc.Get(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, r, stored, "a %s release reads back as it was committed", s)
		require.NoError(t, svc.Verify(ctx, r.ID))
	}
	failed := f.to(t, release.StatusAcceptanceFailed)
	failed = f.step(t, failed.ID, release.TriggerAcceptKnownErrors)
	stored, err := svc.Get(ctx, failed.ID)
	require.NoError(t, err)
	assert.Equal(t, failed, stored)

	page, err := svc.List(ctx, release.Query{Link: sms.Link{Type: release.LinkKnownError, ID: "KE-7"}})
	require.NoError(t, err)
	var ids []string
	for _, r := range page.Items {
		ids = append(ids, r.ID)
	}
	assert.Contains(t, ids, failed.ID)
	out, err := svc.Outcomes(ctx, t0, f.clk.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.NotEmpty(t, out)
	rep, err := svc.Conform(ctx, f.clk.Now())
	require.NoError(t, err)
	for _, fd := range rep.Findings() {
		assert.NotContains(t, fd.EntityID, f.prefix, "a release of this run fails a check: %v", fd)
	}
}
