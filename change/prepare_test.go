package change_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingStore counts the reads of a store. It offers only the store
// contract (no sms.Atomic): a service on it takes the follow-up path.
type countingStore[E sms.Entity[E]] struct {
	sms.Store[E]
	gets, lists, journals atomic.Int64
}

func (s *countingStore[E]) Get(ctx context.Context, id string) (E, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *countingStore[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	s.lists.Add(1)
	return s.Store.List(ctx, q)
}

func (s *countingStore[E]) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	s.journals.Add(1)
	return s.Store.Journal(ctx, id)
}

// reads returns the reads counted since the last call, and starts again.
func (s *countingStore[E]) reads() (gets, lists, journals int64) {
	return s.gets.Swap(0), s.lists.Swap(0), s.journals.Swap(0)
}

// counted is a service on counting wrappers of the fixture's stores.
type counted struct {
	svc       *change.Service
	changes   *countingStore[*change.Change]
	plans     *countingStore[*change.TransitionPlan]
	templates *countingStore[*change.Template]
}

func countReads(t *testing.T, f *fixture) *counted {
	c := &counted{changes: &countingStore[*change.Change]{Store: f.st.changes}, plans: &countingStore[*change.TransitionPlan]{Store: f.st.plans},
		templates: &countingStore[*change.Template]{Store: f.st.templates}}
	svc, err := change.NewService(change.Stores{Changes: c.changes, Plans: c.plans, Templates: c.templates},
		change.Config{Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	c.svc = svc
	return c
}

// requireReads checks the reads since the last check: gets of the change
// store (and no listing nor journal), plans and templates read.
func (c *counted) requireReads(t *testing.T, what string, changes, plans, templates int64) {
	t.Helper()
	g, l, j := c.changes.reads()
	assert.Equal(t, [3]int64{changes, 0, 0}, [3]int64{g, l, j}, "%s: change store reads (get, list, journal)", what)
	g, l, j = c.plans.reads()
	assert.Equal(t, [3]int64{plans, 0, 0}, [3]int64{g, l, j}, "%s: plan store reads", what)
	g, l, j = c.templates.reads()
	assert.Equal(t, [3]int64{templates, 0, 0}, [3]int64{g, l, j}, "%s: template store reads", what)
}

// TestApproveReadsTheChangeOnce: the approve path reads the change once,
// in the transition, and nothing else: the approval gate, the segregation
// rule and the guards judge the record the pipeline loaded. A rule that
// needs another record reads it once more, inside the transition too
// (its Prepare): submit_standard and start_implementation the template,
// authorize a routed change's plan; authorize reads no plan for a change
// that needs none.
func TestApproveReadsTheChangeOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	normal := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	standard := f.to(t, change.ModelNameStandard, change.StatusDraft)
	c := countReads(t, f)
	c.requireReads(t, "setting up", 0, 0, 0)

	_, err := c.svc.Approve(f.ctx, cab1, normal.ID, change.Approval{Rationale: "low risk"})
	require.NoError(t, err)
	c.requireReads(t, "approve", 1, 0, 0)
	_, err = c.svc.Do(f.ctx, cab2, normal.ID, change.Approval{Rationale: "agreed"})
	require.NoError(t, err)
	c.requireReads(t, "approve through Do", 1, 0, 0)
	_, err = c.svc.Approve(f.ctx, cab1, normal.ID, change.Approval{Rationale: "again"})
	require.ErrorIs(t, err, sms.ErrForbidden)
	c.requireReads(t, "a second approval, refused", 1, 0, 0)
	_, err = c.svc.Authorize(f.ctx, manager, normal.ID, change.Authorization{Priority: 3})
	require.NoError(t, err)
	c.requireReads(t, "authorize, no transition plan needed", 1, 0, 0)

	f.clk.Advance(1)
	_, err = c.svc.SubmitStandard(f.ctx, requester, standard.ID, change.StandardSubmission{})
	require.NoError(t, err)
	c.requireReads(t, "submit_standard", 1, 0, 1)
	chg, err := c.svc.Get(f.ctx, standard.ID)
	require.NoError(t, err)
	c.requireReads(t, "get", 1, 0, 0)
	f.ready(t, chg, change.TriggerStart) // schedule and notify, through the fixture's service
	_, err = c.svc.Start(f.ctx, implementer, standard.ID, f.valid(change.TriggerStart).(change.Implementation))
	require.NoError(t, err)
	c.requireReads(t, "start_implementation", 1, 0, 1)

	// A change routed to design and transition: authorize reads its plan.
	var routed change.Change
	f.routeToPlan(t, &routed, true)
	c.requireReads(t, "setting up", 0, 0, 0)
	_, err = c.svc.Authorize(f.ctx, manager, routed.ID, change.Authorization{Priority: 2})
	require.NoError(t, err)
	c.requireReads(t, "authorize a routed change", 1, 1, 0)
}
