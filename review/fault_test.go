package review_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingStore fails Commit or Get on demand.
type failingStore struct {
	*memstore.Store[*review.Review]
	failCommit atomic.Bool
	failGet    atomic.Bool
}

var errDisk = errors.New("disk full")

func (s *failingStore) Commit(ctx context.Context, e *review.Review, expect int64, entries []sms.Entry) error {
	if s.failCommit.Load() {
		return errDisk
	}
	return s.Store.Commit(ctx, e, expect, entries)
}

func (s *failingStore) Get(ctx context.Context, id string) (*review.Review, error) {
	if s.failGet.Load() {
		return nil, errDisk
	}
	return s.Store.Get(ctx, id)
}

// TestFailedCommitChangesNothing: a commit that fails leaves the stored
// review, its journal and the caller's copy as they were, and the same
// transition succeeds once the store recovers.
func TestFailedCommitChangesNothing(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: memstore.New[*review.Review]()}
	clk := smstest.NewClock(t0)
	svc, err := review.NewService(st, review.Config{Schedules: schedules(), Options: sms.Options{Now: clk.Now}})
	require.NoError(t, err)
	ctx := context.Background()
	r, err := svc.Plan(ctx, owner, plan(subjectPRB))
	require.NoError(t, err)
	held := r.Clone()
	before, err := st.Store.Get(ctx, r.ID)
	require.NoError(t, err)
	j0, err := st.Journal(ctx, r.ID)
	require.NoError(t, err)

	st.failCommit.Store(true)
	perf := validCommand(review.TriggerPerform).(review.Performance)
	got, err := svc.Perform(ctx, owner, r.ID, perf)
	assert.ErrorIs(t, err, errDisk)
	assert.Nil(t, got)
	assert.Equal(t, held, r, "the caller's copy changed")
	after, err := st.Store.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the stored review changed")
	j1, err := st.Journal(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, j0, j1, "the journal changed")

	st.failCommit.Store(false)
	got, err = svc.Perform(ctx, owner, r.ID, perf)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.NoError(t, svc.Verify(ctx, r.ID))

	// A store that cannot read fails the transition and the sweep with its
	// own error, not a refusal.
	st.failGet.Store(true)
	_, err = svc.AddNote(ctx, owner, r.ID, review.Note{Text: "x"})
	assert.ErrorIs(t, err, errDisk)
	st.failGet.Store(false)
	_, err = svc.AddNote(ctx, owner, "no-such-review", review.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = svc.AddNote(ctx, owner, "", review.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestConcurrentUpdates: two owners following up the same review at once
// never lose an update: one wins, the other gets ErrConflict and changes
// nothing, or both succeed in turn.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectPRB, review.StatusPlanned)
	perf := validCommand(review.TriggerPerform).(review.Performance)
	perf.Actions = append(perf.Actions, review.AgreedAction{Text: "second", Owner: "ana"})
	_, err := f.svc.Perform(f.ctx, owner, r.ID, perf)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.UpdateAction(f.ctx, owner, r.ID, review.ActionUpdate{Number: i + 1, Done: true})
		}()
	}
	wg.Wait()
	got, err := f.svc.Get(f.ctx, r.ID)
	require.NoError(t, err)
	done := 0
	for i, e := range errs {
		if e == nil {
			done++
			assert.True(t, got.Actions[i].Done)
		} else {
			assert.ErrorIs(t, e, sms.ErrConflict)
			assert.False(t, got.Actions[i].Done)
		}
	}
	assert.Equal(t, int64(2+done), got.Version)
	require.NoError(t, f.svc.Verify(f.ctx, r.ID))
}
