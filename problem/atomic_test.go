package problem_test

import (
	"context"
	"sync"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// atomicFailingKEStore is a failingKEStore that commits atomically with
// the other memstores, as memstore does.
type atomicFailingKEStore struct {
	*failingKEStore
	mem *memstore.Store[*problem.KnownError]
}

func (s atomicFailingKEStore) Atomically(ctx context.Context, fn func(context.Context) error) error {
	return s.mem.Atomically(ctx, fn)
}

// AtomicBackend is the memstore's: one atomic commit holds its writes and
// the other memstores'.
func (s atomicFailingKEStore) AtomicBackend() any { return s.mem.AtomicBackend() }

// heard records the transitions observers were told of.
type heard struct {
	mu  sync.Mutex
	all []string
}

func (h *heard) Observe(_ context.Context, ev sms.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = append(h.all, string(ev.Kind)+" "+ev.Entry.Trigger)
	return nil
}

func (h *heard) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.all
	h.all = nil
	return out
}

// TestKnownErrorStepsCommitAtomically: with stores that commit across
// entities (memstore), declaring a known error records it, and resolving
// with a fix retires it, in one commit with the problem's transition: when
// the known-error step fails, nothing is committed (no FollowUpError, no
// problem left declared without its known error), observers hear of
// nothing, and the call can simply be retried; when it succeeds, both are
// committed and observers hear of both.
func TestKnownErrorStepsCommitAtomically(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	kes := &failingKEStore{Store: f.kes}
	stores := problem.Stores{Problems: f.problems, KnownErrors: atomicFailingKEStore{failingKEStore: kes, mem: f.kes}}
	require.True(t, sms.CanCommitAtomically(stores.Problems) && sms.CanCommitAtomically(stores.KnownErrors))
	obs := &heard{}
	svc, err := problem.NewService(stores, problem.Config{Policy: problem.DefaultPolicy(),
		Options: sms.Options{Now: f.clk.Now, Observer: obs}, Changes: f.changes, Incidents: f.notifier})
	require.NoError(t, err)
	f.svc = svc
	pr := f.to(t, problem.StatusRCA)
	obs.take()

	declare := validCommand(problem.TriggerDeclareKnownError).(problem.KnownErrorDeclaration)
	kes.fail = true
	before := f.snap(t, pr.ID)
	_, err = f.svc.DeclareKnownError(f.ctx, boss, pr.ID, declare)
	assert.ErrorIs(t, err, errDisk)
	var fu *problem.FollowUpError
	assert.NotErrorAs(t, err, &fu, "nothing was committed, so nothing follows up")
	assert.NotErrorIs(t, err, sms.ErrFollowUp)
	f.requireUnchanged(t, pr.ID, before)
	assert.Empty(t, obs.take(), "a commit that did not stand is never announced")
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "no problem declared without its known error: %v", report.Findings())

	kes.fail = false
	pr, err = f.svc.DeclareKnownError(f.ctx, boss, pr.ID, declare)
	require.NoError(t, err)
	assert.Equal(t, problem.StatusKnownError, pr.Status)
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	assert.Equal(t, problem.KEDraft, k.Status)
	assert.Equal(t, pr.ID, k.Problem)
	assert.Equal(t, []string{"problem declare_known_error", "known_error record"}, obs.take())

	_, err = f.svc.KnownErrors().Publish(f.ctx, boss, k.ID, problem.KEPublication{})
	require.NoError(t, err)
	f.changes.set("CHG-1", problem.ChangeOpen)
	f.step(t, pr.ID, problem.FixStart{Change: "CHG-1"})
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	obs.take()
	fix := problem.Resolution{Type: problem.FixApplied, Notes: "timer raised"}
	kes.fail = true
	before = f.snap(t, pr.ID)
	_, err = f.svc.Resolve(f.ctx, boss, pr.ID, fix)
	assert.ErrorIs(t, err, errDisk)
	assert.NotErrorIs(t, err, sms.ErrFollowUp)
	f.requireUnchanged(t, pr.ID, before)
	assert.Empty(t, obs.take())
	k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.KEPublished, k.Status, "not retired: the fix was not committed")

	kes.fail = false
	pr, err = f.svc.Resolve(f.ctx, boss, pr.ID, fix)
	require.NoError(t, err)
	assert.Equal(t, problem.StatusResolved, pr.Status)
	k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.KERetired, k.Status)
	assert.Equal(t, "CHG-1", k.Fix)
	assert.Equal(t, []string{"problem resolve", "known_error retire"}, obs.take())
	report, err = f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
	require.NoError(t, f.svc.Verify(f.ctx, pr.ID))
	require.NoError(t, f.svc.KnownErrors().Verify(f.ctx, k.ID))
}

// TestRefusedDeclarationRecordsNothing: a declaration the problem's guards
// refuse records no known error, on either path.
func TestRefusedDeclarationRecordsNothing(t *testing.T) {
	t.Parallel()
	for name, atomic := range map[string]bool{"atomic": true, "follow-up": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, problem.DefaultPolicy())
			var kes sms.Store[*problem.KnownError] = f.kes
			if !atomic {
				kes = &failingKEStore{Store: f.kes}
			}
			svc, err := problem.NewService(problem.Stores{Problems: f.problems, KnownErrors: kes},
				problem.Config{Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
			require.NoError(t, err)
			f.svc = svc
			pr := f.along(t, "noRootCause")
			before := f.snap(t, pr.ID)
			_, err = f.svc.DeclareKnownError(f.ctx, boss, pr.ID, problem.KnownErrorDeclaration{Workaround: "reconnect"})
			ge := requireGuard(t, err)
			assert.True(t, ge.Has("PRB-02"))
			f.requireUnchanged(t, pr.ID, before)
		})
	}
}

func requireGuard(t *testing.T, err error) *sms.GuardError {
	t.Helper()
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	return ge
}
