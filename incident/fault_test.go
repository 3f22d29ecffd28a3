package incident_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingStore fails Commit on demand, before or after the inner store
// committed.
type failingStore struct {
	*memstore.Store[*incident.Incident]
	failBefore atomic.Bool // fail without committing
	failAfter  atomic.Bool // commit, then report a failure (a lost acknowledgement)
}

var errDisk = errors.New("disk full")

func (s *failingStore) Commit(ctx context.Context, e *incident.Incident, expect int64, entries []sms.Entry) error {
	if s.failBefore.Load() {
		return errDisk
	}
	if err := s.Store.Commit(ctx, e, expect, entries); err != nil {
		return err
	}
	if s.failAfter.Load() {
		return errDisk
	}
	return nil
}

func TestFailedCommitChangesNothing(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: memstore.New[*incident.Incident]()}
	clk := smstest.NewClock(t0)
	svc, err := incident.NewService(st, incident.Config{Policy: incident.DefaultPolicy(), Options: sms.Options{Now: clk.Now}})
	require.NoError(t, err)
	ctx := context.Background()
	inc, err := svc.Log(ctx, desk, report())
	require.NoError(t, err)
	held := inc.Clone()
	before, err := st.Get(ctx, inc.ID)
	require.NoError(t, err)
	j0, err := st.Journal(ctx, inc.ID)
	require.NoError(t, err)

	st.failBefore.Store(true)
	got, err := svc.Classify(ctx, desk, inc.ID, validCommand(incident.TriggerClassify).(incident.Classification))
	assert.ErrorIs(t, err, errDisk)
	assert.Nil(t, got)
	assert.Equal(t, held, inc, "the caller's copy changed")
	after, err := st.Get(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the stored incident changed")
	j1, err := st.Journal(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, j0, j1, "the journal changed")

	// Once the store recovers, the same transition succeeds from the same
	// version: nothing half-done is in the way.
	st.failBefore.Store(false)
	got, err = svc.Classify(ctx, desk, inc.ID, validCommand(incident.TriggerClassify).(incident.Classification))
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.NoError(t, svc.Verify(ctx, inc.ID))
}

func TestLostAcknowledgementIsReported(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: memstore.New[*incident.Incident]()}
	svc, err := incident.NewService(st, incident.Config{Policy: incident.DefaultPolicy()})
	require.NoError(t, err)
	ctx := context.Background()
	inc, err := svc.Log(ctx, desk, report())
	require.NoError(t, err)
	st.failAfter.Store(true)
	_, err = svc.AddNote(ctx, desk, inc.ID, incident.Note{Text: "x"})
	assert.ErrorIs(t, err, errDisk, "the caller must learn of the failure")
	st.failAfter.Store(false)
	// Retrying from the old version conflicts rather than duplicating.
	require.NoError(t, svc.Verify(ctx, inc.ID))
	j, err := svc.Journal(ctx, inc.ID)
	require.NoError(t, err)
	assert.Len(t, j, 2)
}

func TestObserverFailuresDoNotCorrupt(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	var seen []sms.Event
	obs := sms.Observers(
		sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error { panic("observer bug") }),
		sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error { return errors.New("mail server down") }),
		sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error { seen = append(seen, ev); return nil }),
	)
	st := memstore.New[*incident.Incident]()
	svc, err := incident.NewService(st, incident.Config{Policy: incident.DefaultPolicy(), Options: sms.Options{Observer: obs, Logger: logger}})
	require.NoError(t, err)
	ctx := context.Background()
	inc, err := svc.Log(ctx, desk, report())
	require.NoError(t, err)
	inc, err = svc.Classify(ctx, desk, inc.ID, validCommand(incident.TriggerClassify).(incident.Classification))
	require.NoError(t, err, "a failing observer must not fail a committed transition")
	assert.Equal(t, int64(2), inc.Version)
	require.NoError(t, svc.Verify(ctx, inc.ID))
	require.Len(t, seen, 2, "the healthy observer still runs after a panicking one")
	assert.Equal(t, "classify", seen[1].Entry.Trigger)
	assert.Equal(t, inc.Head, seen[1].Entry.Hash)
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	assert.Contains(t, out, "observer panicked")
	assert.Contains(t, out, "mail server down")

	// A directly panicking observer (not wrapped in Observers) is contained too.
	svc2, err := incident.NewService(st, incident.Config{Options: sms.Options{Logger: logger,
		Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { panic("boom") })}})
	require.NoError(t, err)
	_, err = svc2.AddNote(ctx, desk, inc.ID, incident.Note{Text: "after the panic"})
	require.NoError(t, err)
	require.NoError(t, svc2.Verify(ctx, inc.ID))
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestConcurrentWriters: writers racing on one incident either commit or get
// a conflict; none is lost, none duplicated.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorNone)
	const writers, attempts = 8, 25
	var ok, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range attempts {
				_, err := f.svc.RecordAction(f.ctx, resolver, inc.ID, incident.Action{Text: "try " + string(rune('a'+w))})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, sms.ErrConflict):
					var ce *sms.ConflictError
					assert.ErrorAs(t, err, &ce)
					conflicts.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(writers*attempts), ok.Load()+conflicts.Load())
	stored, err := f.svc.Get(f.ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, inc.Actions+int(ok.Load()), stored.Actions, "every successful action is counted once")
	j, err := f.svc.Journal(f.ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, int(inc.Version)+int(ok.Load()), len(j))
	require.NoError(t, f.svc.Verify(f.ctx, inc.ID))
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	before := f.snap(t, inc.ID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.svc.AddNote(ctx, desk, inc.ID, incident.Note{Text: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Log(ctx, desk, report())
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Conform(ctx, t0)
	assert.ErrorIs(t, err, context.Canceled)
	f.requireUnchanged(t, inc.ID, before)
}
