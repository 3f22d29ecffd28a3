package audit_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/sqlstore"
)

// strNew opens a sqlstore of one kind, closed with the test.
func strNew[E sms.Entity[E]](t *testing.T, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store[E] {
	t.Helper()
	st, err := sqlstore.New[E](context.Background(), db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// TestStores runs the four registers on the generic sqlstore, SQLite and
// (with SMS_POSTGRES_DSN) PostgreSQL, each on a database of the test's
// own: a programme with its involvement map, cadence and retention, an
// audit through to its close with a finding's sample, a nonconformity
// verified effective and an opportunity measured read back as they were
// committed and verify against their journals; checks 13 and 14 pass
// over them.
func TestStores(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
		ctx := context.Background()
		w := cfmNewWorldOn(t, strNew[*audit.Programme](t, db, d), strNew[*audit.Audit](t, db, d), strNew[*audit.Nonconformity](t, db, d))
		x := w.changeAudit(t)
		got, err := w.auds.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, x, got)
		require.NoError(t, w.auds.Verify(ctx, x.ID))
		p, err := w.prgs.Get(ctx, w.prog)
		require.NoError(t, err)
		assert.Equal(t, prgInvolved, p.Involvement)
		assert.Equal(t, sms.Yearly("Europe/Berlin"), p.Cycle)
		assert.Equal(t, prgContents().Retention, p.Retention)
		require.NoError(t, w.prgs.Verify(ctx, w.prog))
		rep, err := audit.Conform(ctx, w.prgs, w.auds, audit.ConformPolicy{}, w.clk.Now())
		require.NoError(t, err)
		assert.True(t, rep.Passed(), "%v", rep.Findings())

		ne := ncNewEnvOn(t, strNew[*audit.Nonconformity](t, db, d))
		v := ne.verifying(t, audit.SeverityMajor)
		ne.clk.Advance(15 * 24 * time.Hour)
		closed, err := ne.svc.VerifyEffective(ctx, ncVerifier, v.ID, audit.NCVerifyEffective{Evidence: "no recurrence in 15 days"})
		require.NoError(t, err)
		back, err := ne.svc.Get(ctx, closed.ID)
		require.NoError(t, err)
		assert.Equal(t, closed, back)
		nrep, err := audit.ConformNonconformities(ctx, ne.svc, ne.clk.Now())
		require.NoError(t, err)
		assert.True(t, nrep.Passed(), "%v", nrep.Findings())

		oe := oppNewEnvOn(t, strNew[*audit.Opportunity](t, db, d))
		o := oe.oppAt(t, audit.OpportunityClosed)
		oback, err := oe.svc.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, o, oback)
		require.NoError(t, oe.svc.Verify(ctx, o.ID))
	})
}
