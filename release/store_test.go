package release_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStores runs the round trip on SQLite and, when SMS_POSTGRES_DSN names
// a server, PostgreSQL, each on a database of the test's own
// (internal/sqltest), so that it passes on a reused database and with
// -count=3.
func TestStores(t *testing.T) { sqltest.Run(t, storeRoundTrip) }

func storeRoundTrip(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	st, err := sqlstore.New[*release.Release](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := newFixture(t, release.DefaultPolicy())
	svc, err := release.NewService(st, release.Config{Changes: f.changes, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc

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
	assert.Equal(t, []string{failed.ID}, ids, "the database holds this run's releases only")
	out, err := svc.Outcomes(ctx, t0, f.clk.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.NotEmpty(t, out)
	rep, err := svc.Conform(ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check)
	assert.Equal(t, 4, rep.Results[0].Population, "every release of this run verifies, and no other is stored")
}
