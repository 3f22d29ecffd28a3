package problem_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/problem"
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
	ps, err := sqlstore.New[*problem.Problem](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { ps.Close() })
	ks, err := sqlstore.New[*problem.KnownError](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { ks.Close() })

	f := newFixture(t, problem.DefaultPolicy())
	svc, err := problem.NewService(problem.Stores{Problems: ps, KnownErrors: ks}, problem.Config{
		Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes, Incidents: f.notifier})
	require.NoError(t, err)
	f.svc = svc

	pr := f.to(t, problem.StatusResolved)
	stored, err := f.svc.Get(ctx, pr.ID)
	require.NoError(t, err)
	assert.Equal(t, pr, stored, "a problem reads back as it was committed")
	require.NoError(t, f.svc.Verify(ctx, pr.ID))
	k, err := f.svc.KnownErrors().Get(ctx, pr.KnownError)
	require.NoError(t, err)
	assert.Equal(t, problem.KERetired, k.Status)
	require.NoError(t, f.svc.KnownErrors().Verify(ctx, k.ID))

	// A published known error is found by symptom, service and item.
	other := f.keTo(t, problem.KEPublished)
	for _, m := range []problem.Symptoms{{Texts: []string{"tunnel DROPS at 02:00"}}, {Service: "vpn"}, {ConfigItems: []string{"vpn-gw-1"}}} {
		found, err := f.svc.KnownErrors().Match(ctx, m)
		require.NoError(t, err)
		var ids []string
		for _, k := range found {
			ids = append(ids, k.ID)
		}
		assert.Contains(t, ids, other.ID, "match by %+v", m)
		assert.NotContains(t, ids, k.ID, "a retired known error is not offered")
	}
	page, err := f.svc.List(ctx, problem.Query{Status: []problem.Status{problem.StatusResolved}, Link: sms.Link{Type: problem.LinkChange, ID: "CHG-1"}})
	require.NoError(t, err)
	var ids []string
	for _, p := range page.Items {
		ids = append(ids, p.ID)
	}
	assert.Contains(t, ids, pr.ID)
}
