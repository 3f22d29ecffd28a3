package request_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStores runs the round trip on SQLite and, when SMS_POSTGRES_DSN names
// a server, PostgreSQL, each on a database of the test's own
// (internal/sqltest), so that it passes on a reused database and with
// -count=3.
func TestStores(t *testing.T) { sqltest.Run(t, storeRoundTrip) }

// storeRoundTrip runs catalogue items and requests through the generic
// sqlstore: the same workflows and queries, no storage code of their own.
func storeRoundTrip(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	is, err := sqlstore.New[*request.Item](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { is.Close() })
	rs, err := sqlstore.New[*request.Request](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { rs.Close() })
	f := &fixture{tb: t, clk: smstest.NewClock(t0), ctx: ctx, changes: newChangeBook()}
	f.svc, err = request.NewService(request.Stores{Items: is, Requests: rs},
		request.Config{Policy: request.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
	require.NoError(t, err)
	f.laptop = f.publish(t, laptopItem()).ID
	f.firewall = f.publish(t, firewallItem()).ID

	// A request fulfilled through a standard change keeps the edition's
	// flag and templates, and the change, through the store (SR-08).
	fw := f.to(t, request.StatusClosed, f.firewall)
	require.Equal(t, "CHG-OK", fw.Change.ID)
	stored, err := f.svc.Get(ctx, fw.ID)
	require.NoError(t, err)
	assert.Equal(t, fw, stored)
	page, err := f.svc.List(ctx, request.Query{Link: sms.Link{Type: request.LinkChange, ID: "CHG-OK"}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	item, err := f.svc.Items().Get(ctx, f.firewall)
	require.NoError(t, err)
	assert.Equal(t, []string{"TPL-FW"}, item.ChangeTemplates)

	r := f.to(t, request.StatusClosed, f.laptop)
	stored, err = f.svc.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, stored, "a request reads back as committed")
	require.NoError(t, f.svc.Verify(ctx, r.ID))
	page, err = f.svc.List(ctx, request.Query{Status: []request.Status{request.StatusClosed}, Link: sms.Link{Type: request.LinkCatalogueItem, ID: f.laptop}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, r.ID, page.Items[0].ID)
	report, err := f.svc.Conform(ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
}
