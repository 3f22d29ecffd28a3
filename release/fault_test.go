package release_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/release"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type failingStore struct {
	*memstore.Store[*release.Release]
	fail atomic.Bool
}

var errDisk = errors.New("disk full")

func (s *failingStore) Commit(ctx context.Context, e *release.Release, expect int64, entries []sms.Entry) error {
	if s.fail.Load() {
		return errDisk
	}
	return s.Store.Commit(ctx, e, expect, entries)
}

func TestFailedCommitChangesNothing(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: memstore.New[*release.Release]()}
	f := newFixture(t, release.DefaultPolicy())
	svc, err := release.NewService(st, release.Config{Changes: f.changes, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	r, err := svc.Plan(f.ctx, manager, planning())
	require.NoError(t, err)
	held := r.Clone()
	before, err := st.Get(f.ctx, r.ID)
	require.NoError(t, err)
	st.fail.Store(true)
	got, err := svc.StartBuild(f.ctx, manager, r.ID, release.BuildStart{})
	assert.ErrorIs(t, err, errDisk)
	assert.Nil(t, got)
	assert.Equal(t, held, r)
	after, err := st.Get(f.ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	st.fail.Store(false)
	got, err = svc.StartBuild(f.ctx, manager, r.ID, release.BuildStart{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.NoError(t, svc.Verify(f.ctx, r.ID))
}

// TestConcurrentIncidents: early-life incidents recorded concurrently are
// each counted once; losers of a race get a conflict and retry.
func TestConcurrentIncidents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusEarlyLife)
	ids := []string{"INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6"}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := f.svc.RecordIncident(f.ctx, deployer, r.ID, release.IncidentRecord{Incident: id})
				if err == nil {
					return
				}
				if !errors.Is(err, sms.ErrConflict) {
					t.Errorf("unexpected error: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stored, err := f.svc.Get(f.ctx, r.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, stored.Incidents)
	require.NoError(t, f.svc.Verify(f.ctx, r.ID))
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusAccepted)
	before := f.snap(t, r.ID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.svc.Approve(ctx, approver1, r.ID, release.Approval{Rationale: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Plan(ctx, manager, planning())
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Conform(ctx, t0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Calendar(ctx, t0, t0)
	assert.ErrorIs(t, err, context.Canceled)
	f.requireUnchanged(t, r.ID, before)
}
