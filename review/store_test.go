package review_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStores runs reviews through the generic sqlstore on SQLite and, when
// SMS_POSTGRES_DSN names a server, PostgreSQL, each on a database of the
// test's own (internal/sqltest), so that it passes on a reused database and
// with -count=3.
func TestStores(t *testing.T) { sqltest.Run(t, storeRoundTrip) }

// storeRoundTrip stores reviews in every status, reads them back as they
// were committed, lists them by subject, scope and link, verifies their
// journals, sweeps and checks conformance. Every review of a run has IDs,
// scopes and references of its own, and the database holds nothing else.
func storeRoundTrip(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	st, err := sqlstore.New[*review.Review](ctx, db, d, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	run := d.Name() + "-" + time.Now().UTC().Format("150405.000000000")
	scope := "svc-" + run
	clk := smstest.NewClock(t0)
	sched := review.Schedule{Subject: subjectCHG, Scope: scope, Start: t0.Add(-60 * day), Interval: 30 * day, Grace: 7 * day,
		Requirement: chg14, Code: codeCHG}
	n := 0
	svc, err := review.NewService(st, review.Config{Schedules: []review.Schedule{sched}, Options: sms.Options{Now: clk.Now,
		NewID: func() string { n++; return run + "-" + string(rune('a'+n)) }}})
	require.NoError(t, err)
	owner := sms.Actor{ID: "max", Roles: []sms.Role{review.RoleOwner}}
	planned := func() *review.Review {
		clk.Advance(time.Minute)
		r, err := svc.Plan(ctx, owner, review.Plan{Subject: subjectCHG, Scope: scope, Owner: "max",
			Period: review.Period{From: t0.Add(-30 * day), To: t0}})
		require.NoError(t, err)
		return r
	}
	perf := review.Performance{Inputs: review.Inputs{Summary: "trends", Refs: []string{"RPT-" + run}},
		Conclusions: "emergency ratio too high", Participants: []string{"max", "cara"},
		Actions: []review.AgreedAction{{Text: "review emergency criteria", Owner: "max", Due: t0.Add(20 * day)}}}

	// Before any review, the schedule is overdue.
	got, err := svc.Sweep(ctx, clk.Now())
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, codeCHG, got[0].Code)

	var all []*review.Review
	r := planned()
	all = append(all, r)
	c := planned()
	c, err = svc.Cancel(ctx, owner, c.ID, review.Cancellation{Reason: "planned twice"})
	require.NoError(t, err)
	all = append(all, c)
	p := planned()
	p, err = svc.Perform(ctx, owner, p.ID, perf)
	require.NoError(t, err)
	p, err = svc.UpdateAction(ctx, owner, p.ID, review.ActionUpdate{Number: 1, Ref: "CI-" + run})
	require.NoError(t, err)
	p, err = svc.Close(ctx, owner, p.ID, review.Closure{})
	require.NoError(t, err)
	all = append(all, p)
	for _, want := range all {
		stored, err := svc.Get(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, want, stored, "a %s review reads back as it was committed", want.Status)
		require.NoError(t, svc.Verify(ctx, want.ID))
	}

	ids := func(q review.Query) []string {
		var out []string
		require.NoError(t, svc.Each(ctx, q, func(r *review.Review) bool { out = append(out, r.ID); return true }))
		return out
	}
	assert.Equal(t, []string{r.ID, c.ID, p.ID}, ids(review.Query{Scope: scope}))
	assert.Equal(t, []string{p.ID}, ids(review.Query{Link: sms.Link{Type: review.LinkAction, ID: "CI-" + run}}))
	assert.Equal(t, []string{p.ID}, ids(review.Query{Link: sms.Link{Type: review.LinkInput, ID: "RPT-" + run}}))
	assert.Equal(t, []string{p.ID}, ids(review.Query{Scope: scope, Status: []review.Status{review.StatusClosed}}))
	assert.Equal(t, []string{r.ID, c.ID, p.ID}, ids(review.Query{Subject: subjectCHG}), "the database holds this run's reviews only")

	got, err = svc.Sweep(ctx, clk.Now())
	require.NoError(t, err)
	assert.Empty(t, got, "the closed review satisfies the schedule")
	st2, err := svc.Standings(ctx, clk.Now())
	require.NoError(t, err)
	assert.Equal(t, p.ID, st2[0].Last)
	rep, err := svc.Conform(ctx, clk.Now())
	require.NoError(t, err)
	for _, f := range rep.Findings() {
		assert.NotContains(t, f.EntityID, run, "a review of this run fails a check: %v", f)
	}
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check)
	assert.Equal(t, 3, rep.Results[0].Population, "every stored review is verified")
}
