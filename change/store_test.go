package change_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStores runs the round trip on SQLite and, when SMS_POSTGRES_DSN names
// a server, PostgreSQL, each on a database of the test's own
// (internal/sqltest), so that it passes on a reused database and with
// -count=3.
func TestStores(t *testing.T) { sqltest.Run(t, storeRoundTrip) }

// TestSQLAtomicSuspension: on sqlstore, whose stores on one database commit
// together (sms.Atomic), a failed standard change and its template's
// suspension are one SQL transaction, on SQLite and, when
// SMS_POSTGRES_DSN names a server, on PostgreSQL.
func TestSQLAtomicSuspension(t *testing.T) { sqltest.Run(t, atomicSuspension) }

func atomicSuspension(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	f := newFixture(t, change.DefaultPolicy())
	prefix := d.Name() + "-atomic-" + time.Now().UTC().Format("150405.000000000") + "-"
	st := change.Stores{Changes: newSQLStore[*change.Change](t, db, d), Plans: newSQLStore[*change.TransitionPlan](t, db, d),
		Templates: newSQLStore[*change.Template](t, db, d)}
	// What observers hear, and the template's status as stored then.
	var failures []string
	template := ""
	obs := sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		if template != "" {
			// Read outside the observer's context: inside an atomic
			// commit it still carries the committed transaction.
			tpl, err := st.Templates.Get(context.Background(), template)
			require.NoError(t, err)
			failures = append(failures, string(ev.Kind)+" "+ev.Entry.Trigger+": template "+string(tpl.Status))
		}
		return nil
	})
	require.True(t, sms.CanCommitAtomically(st.Changes) && sms.CanCommitAtomically(st.Templates))
	svc, err := change.NewService(st, change.Config{Policy: change.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now, Observer: obs}})
	require.NoError(t, err)
	f.svc = svc
	chg := f.toWithPrefix(t, change.ModelNameStandard, change.StatusImplement, prefix)
	template = chg.Template
	failed, err := svc.Fail(ctx, implementer, chg.ID, change.Failure{Reason: "patch broke login"})
	require.NoError(t, err)
	assert.Equal(t, change.StatusRemediating, failed.Status)
	assert.Equal(t, []string{"change fail: template suspended", "change_template suspend: template suspended"}, failures,
		"both committed in one transaction, and notified once it committed")
	tpl, err := svc.Templates().Get(ctx, chg.Template)
	require.NoError(t, err)
	assert.Equal(t, change.TemplateSuspended, tpl.Status)
	assert.Equal(t, chg.ID, tpl.FailedChange)
	require.NoError(t, svc.Verify(ctx, chg.ID))
	require.NoError(t, svc.Templates().Verify(ctx, tpl.ID))
}

func newSQLStore[E sms.Entity[E]](t *testing.T, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store[E] {
	t.Helper()
	s, err := sqlstore.New[E](context.Background(), db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func storeRoundTrip(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	f := newFixture(t, change.DefaultPolicy())
	// IDs of their own, distinct from the fixture's defaults.
	prefix := d.Name() + "-" + time.Now().UTC().Format("150405.000000000") + "-"
	svc, err := change.NewService(change.Stores{
		Changes:   newSQLStore[*change.Change](t, db, d),
		Plans:     newSQLStore[*change.TransitionPlan](t, db, d),
		Templates: newSQLStore[*change.Template](t, db, d),
	}, change.Config{Policy: change.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now},
		Releases: change.ReleaseLookupFunc(func(context.Context, string) (bool, error) { return true, nil })})
	require.NoError(t, err)
	f.svc = svc
	f.ids.Store(0)
	idOf := func(s string) string { return prefix + s }

	for _, model := range []string{change.ModelNameNormal, change.ModelNameStandard, change.ModelNameEmergency} {
		chg := f.toWithPrefix(t, model, change.StatusClosed, prefix)
		stored, err := svc.Get(ctx, chg.ID)
		require.NoError(t, err)
		assert.Equal(t, chg, stored, "a %s change reads back as it was committed", model)
		require.NoError(t, svc.Verify(ctx, chg.ID))
		tpl := chg.Template
		if tpl != "" {
			got, err := svc.Templates().Get(ctx, tpl)
			require.NoError(t, err)
			require.NoError(t, svc.Templates().Verify(ctx, got.ID))
		}
	}

	// Plans read back whole, with their nested records.
	d0 := draftPlan(idOf("CHG-P"))
	d0.ID = idOf("TP-1")
	tp, err := svc.Plans().Draft(ctx, planner, d0)
	require.NoError(t, err)
	for _, tr := range []change.PlanTrigger{change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanFailAcceptance,
		change.PlanAcceptConditions, change.PlanStartTransition, change.PlanEndTransition, change.PlanReport, change.PlanClose} {
		f.clk.Advance(time.Minute)
		tp, err = svc.Plans().Do(ctx, boss, tp.ID, f.validPlan(tp, tr))
		require.NoError(t, err, "%s", tr)
	}
	storedPlan, err := svc.Plans().Get(ctx, tp.ID)
	require.NoError(t, err)
	assert.Equal(t, tp, storedPlan)
	require.NoError(t, svc.Plans().Verify(ctx, tp.ID))
	page, err := svc.Plans().List(ctx, change.PlanQuery{Link: sms.Link{Type: change.LinkChange, ID: idOf("CHG-P")}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)

	// Conflict detection and the forward schedule through the store's
	// indexed filters.
	a := f.toWithPrefix(t, change.ModelNameNormal, change.StatusScheduled, prefix)
	a = f.schedule(t, a.ID)
	r := request(change.ModelNameNormal)
	r.ID, r.Services, r.ConfigItems = idOf("CHG-B"), []string{"other-" + prefix}, a.ConfigItems
	b, err := svc.Raise(ctx, requester, r)
	require.NoError(t, err)
	for _, tr := range []change.Trigger{change.TriggerSubmit, change.TriggerAssess, change.TriggerApprove, change.TriggerAuthorize} {
		b = f.step(t, b.ID, tr)
	}
	conflicts, err := svc.Conflicts(ctx, b, a.Schedule.Window)
	require.NoError(t, err)
	assert.Contains(t, conflicts, a.ID, "same configuration item, overlapping window")
	fsc, err := svc.ForwardSchedule(ctx, a.Schedule.Window.Start, a.Schedule.Window.End)
	require.NoError(t, err)
	var ids []string
	for _, c := range fsc {
		ids = append(ids, c.ID)
	}
	assert.Contains(t, ids, a.ID)

	rep, err := svc.Conform(ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check)
	// Three closed changes, a scheduled one and b; one template; one plan:
	// this run's records only, each verified.
	assert.Equal(t, 7, rep.Results[0].Population)
}

// toWithPrefix is to() with IDs of the run's own.
func (f *fixture) toWithPrefix(t *testing.T, model string, status change.Status, prefix string) *change.Change {
	t.Helper()
	f.prefix = prefix
	defer func() { f.prefix = "" }()
	return f.to(t, model, status)
}
