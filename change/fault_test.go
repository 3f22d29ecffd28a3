package change_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingStore fails Commit on demand.
type failingStore[E sms.Entity[E]] struct {
	*memstore.Store[E]
	fail atomic.Bool
}

var errDisk = errors.New("disk full")

func (s *failingStore[E]) Commit(ctx context.Context, e E, expect int64, entries []sms.Entry) error {
	if s.fail.Load() {
		return errDisk
	}
	return s.Store.Commit(ctx, e, expect, entries)
}

func TestFailedCommitChangesNothing(t *testing.T) {
	t.Parallel()
	st := &failingStore[*change.Change]{Store: memstore.New[*change.Change]()}
	clk := smstest.NewClock(t0)
	svc, err := change.NewService(change.Stores{Changes: st, Plans: memstore.New[*change.TransitionPlan](), Templates: memstore.New[*change.Template]()},
		change.Config{Options: sms.Options{Now: clk.Now}})
	require.NoError(t, err)
	ctx := context.Background()
	chg, err := svc.Raise(ctx, requester, request(change.ModelNameNormal))
	require.NoError(t, err)
	held := chg.Clone()
	before, err := st.Get(ctx, chg.ID)
	require.NoError(t, err)
	j0, err := st.Journal(ctx, chg.ID)
	require.NoError(t, err)

	st.fail.Store(true)
	got, err := svc.Submit(ctx, requester, chg.ID, change.Submission{})
	assert.ErrorIs(t, err, errDisk)
	assert.Nil(t, got)
	assert.Equal(t, held, chg, "the caller's copy changed")
	after, err := st.Get(ctx, chg.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the stored change changed")
	j1, err := st.Journal(ctx, chg.ID)
	require.NoError(t, err)
	assert.Equal(t, j0, j1, "the journal changed")

	st.fail.Store(false)
	got, err = svc.Submit(ctx, requester, chg.ID, change.Submission{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.NoError(t, svc.Verify(ctx, chg.ID))
}

// plainStore offers only the store contract: no sms.Atomic, so a service
// on it suspends a failed standard change's template in a second
// transition, after the failure's commit.
type plainStore[E sms.Entity[E]] struct{ sms.Store[E] }

// TestTemplateSuspendedWithTheFailure: CHG-18 — on stores that commit
// several entities at once (memstore), a failed standard change and its
// template's suspension are one commit: when observers hear of the
// failure, the template is suspended already. On stores that do not, the
// suspension follows the failure's commit: at the failure's notification
// the template is still active. Either way the template ends suspended,
// by the implementer, naming the change.
func TestTemplateSuspendedWithTheFailure(t *testing.T) {
	t.Parallel()
	for name, atomically := range map[string]bool{"atomic stores": true, "stores without sms.Atomic": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, change.DefaultPolicy())
			chg := f.to(t, change.ModelNameStandard, change.StatusImplement)
			type heard struct {
				kind     sms.Kind
				trigger  string
				template change.TemplateStatus // as stored when heard
			}
			var events []heard
			obs := sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
				// What is stored, outside the observer's context (inside an
				// atomic commit it still carries the commit).
				tpl, err := f.st.templates.Get(context.Background(), chg.Template)
				require.NoError(t, err)
				events = append(events, heard{ev.Kind, ev.Entry.Trigger, tpl.Status})
				return nil
			})
			st := f.st.of()
			if !atomically {
				st.Templates = plainStore[*change.Template]{f.st.templates}
			}
			svc, err := change.NewService(st, change.Config{Options: sms.Options{Now: f.clk.Now, Observer: obs}})
			require.NoError(t, err)
			require.Equal(t, atomically, sms.CanCommitAtomically(st.Changes) && sms.CanCommitAtomically(st.Templates))

			failed, err := svc.Fail(f.ctx, implementer, chg.ID, change.Failure{Reason: "patch broke login"})
			require.NoError(t, err)
			assert.Equal(t, change.StatusRemediating, failed.Status)
			atFailure := change.TemplateActive
			if atomically {
				atFailure = change.TemplateSuspended
			}
			assert.Equal(t, []heard{{change.Kind, "fail", atFailure}, {change.TemplateKind, "suspend", change.TemplateSuspended}}, events)

			tpl, err := svc.Templates().Get(f.ctx, chg.Template)
			require.NoError(t, err)
			assert.Equal(t, change.TemplateSuspended, tpl.Status)
			assert.Equal(t, chg.ID, tpl.FailedChange)
			j, err := svc.Templates().Journal(f.ctx, tpl.ID)
			require.NoError(t, err)
			assert.Equal(t, "suspend", j[len(j)-1].Trigger)
			assert.Equal(t, "ivan", j[len(j)-1].Actor.ID)
			require.NoError(t, svc.Verify(f.ctx, chg.ID))
			require.NoError(t, svc.Templates().Verify(f.ctx, tpl.ID))
		})
	}
}

// TestMachineSuspendsTheTemplate: CHG-18 — the suspension is the fail
// rule's follow-up, run by the pipeline, so that a bare sms.Machine on the
// service's workflow (Service.Workflow) and its change store, and
// Service.Do, suspend a failed standard change's template as Service.Fail
// does: in one commit on stores that commit together, after the failure on
// a change store that does not; and when the template cannot be
// suspended, the machine too returns the committed change with a
// *TemplateSuspensionError.
func TestMachineSuspendsTheTemplate(t *testing.T) {
	t.Parallel()
	failure := change.Failure{Reason: "patch broke login"}
	for name, atomically := range map[string]bool{"atomic stores": true, "a change store without sms.Atomic": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, change.DefaultPolicy())
			var changes sms.Store[*change.Change] = f.st.changes
			if !atomically {
				changes = plainStore[*change.Change]{f.st.changes}
			}
			m, err := sms.NewMachine(f.svc.Workflow(), changes, sms.Options{Now: f.clk.Now})
			require.NoError(t, err)
			for path, fail := range map[string]func(id string) (*change.Change, error){
				"machine": func(id string) (*change.Change, error) {
					return m.Fire(f.ctx, implementer, id, string(change.TriggerFail), failure)
				},
				"Do": func(id string) (*change.Change, error) { return f.svc.Do(f.ctx, implementer, id, failure) },
			} {
				chg := f.to(t, change.ModelNameStandard, change.StatusImplement)
				failed, err := fail(chg.ID)
				require.NoError(t, err, path)
				assert.Equal(t, change.StatusRemediating, failed.Status, path)
				tpl, err := f.svc.Templates().Get(f.ctx, chg.Template)
				require.NoError(t, err)
				assert.Equal(t, change.TemplateSuspended, tpl.Status, path)
				assert.Equal(t, chg.ID, tpl.FailedChange, path)
				j, err := f.svc.Templates().Journal(f.ctx, tpl.ID)
				require.NoError(t, err)
				assert.Equal(t, "suspend", j[len(j)-1].Trigger, path)
				assert.Equal(t, implementer.ID, j[len(j)-1].Actor.ID, path)
			}
		})
	}
	t.Run("the template cannot be suspended", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, change.DefaultPolicy())
		tplStore := &failingStore[*change.Template]{Store: f.st.templates}
		svc, err := change.NewService(change.Stores{Changes: f.st.changes, Plans: f.st.plans, Templates: tplStore},
			change.Config{Options: sms.Options{Now: f.clk.Now}})
		require.NoError(t, err)
		m, err := sms.NewMachine(svc.Workflow(), f.st.changes, sms.Options{Now: f.clk.Now})
		require.NoError(t, err)
		chg := f.to(t, change.ModelNameStandard, change.StatusImplement)
		tplStore.fail.Store(true)
		failed, err := m.Fire(f.ctx, implementer, chg.ID, string(change.TriggerFail), failure)
		var tse *change.TemplateSuspensionError
		require.ErrorAs(t, err, &tse)
		assert.Equal(t, change.TemplateSuspensionError{Change: chg.ID, Template: chg.Template, Err: errDisk}, *tse)
		assert.ErrorIs(t, err, sms.ErrFollowUp)
		require.NotNil(t, failed, "the failure itself is committed")
		assert.Equal(t, change.StatusRemediating, failed.Status)
		stored, err := svc.Get(f.ctx, chg.ID)
		require.NoError(t, err)
		assert.Equal(t, failed, stored)
	})
}

// TestTemplateSuspensionFailure: when the template cannot be suspended
// after a failed instance, the failure stays committed, Fail says so with a
// *TemplateSuspensionError, which is sms.ErrFollowUp and unwraps to its
// cause, and the sweep reports the template until it is suspended
// (CHG-18). On atomic stores the failure is then committed alone, and the
// suspension tried again after it, as on stores that are not.
func TestTemplateSuspensionFailure(t *testing.T) {
	t.Parallel()
	for name, atomically := range map[string]bool{"atomic stores": true, "stores without sms.Atomic": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, change.DefaultPolicy())
			tplStore := &failingStore[*change.Template]{Store: f.st.templates}
			var templates sms.Store[*change.Template] = tplStore
			if !atomically {
				templates = plainStore[*change.Template]{tplStore}
			}
			svc, err := change.NewService(change.Stores{Changes: f.st.changes, Plans: f.st.plans, Templates: templates},
				change.Config{Options: sms.Options{Now: f.clk.Now}})
			require.NoError(t, err)
			chg := f.to(t, change.ModelNameStandard, change.StatusImplement)

			tplStore.fail.Store(true)
			failed, err := svc.Fail(f.ctx, implementer, chg.ID, change.Failure{Reason: "login broken"})
			var tse *change.TemplateSuspensionError
			require.ErrorAs(t, err, &tse)
			assert.ErrorIs(t, err, errDisk)
			assert.ErrorIs(t, err, sms.ErrFollowUp, "committed, but the follow-up failed")
			for _, other := range []error{sms.ErrGuard, sms.ErrForbidden, sms.ErrInvalid, sms.ErrConflict} {
				assert.NotErrorIs(t, err, other)
			}
			assert.Equal(t, chg.Template, tse.Template)
			require.NotNil(t, failed, "the failure itself is committed")
			assert.Equal(t, change.StatusRemediating, failed.Status)
			j, err := svc.Journal(f.ctx, chg.ID)
			require.NoError(t, err)
			assert.Len(t, j, int(failed.Version), "the failure is committed once")

			findings, err := svc.Sweep(f.ctx, f.clk.Now())
			require.NoError(t, err)
			require.Len(t, findings, 1)
			assert.Equal(t, change.CodeTemplateNotSuspended, findings[0].Code)
			assert.Equal(t, chg.Template, findings[0].EntityID)

			tplStore.fail.Store(false)
			f.clk.Advance(time.Minute)
			_, err = svc.Templates().Suspend(f.ctx, manager, chg.Template, change.TemplateSuspension{FailedChange: chg.ID})
			require.NoError(t, err)
			findings, err = svc.Sweep(f.ctx, f.clk.Now())
			require.NoError(t, err)
			assert.Empty(t, findings)
		})
	}
}

// TestConcurrentApprovals: approvers racing on one change either commit or
// get a conflict; none is lost, none counted twice.
func TestConcurrentApprovals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	approvers := []sms.Actor{cab1, cab2, actor("cid", change.RoleCAB), actor("cyd", change.RoleCAB), manager, boss}
	var ok, conflicts atomic.Int64
	var wg sync.WaitGroup
	for _, a := range approvers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := f.svc.Approve(f.ctx, a, chg.ID, change.Approval{Rationale: "fine"})
				switch {
				case err == nil:
					ok.Add(1)
					return
				case errors.Is(err, sms.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(len(approvers)), ok.Load(), "every approver eventually recorded")
	stored, err := f.svc.Get(f.ctx, chg.ID)
	require.NoError(t, err)
	assert.Len(t, stored.Approvals(), len(approvers))
	require.NoError(t, f.svc.Verify(f.ctx, chg.ID))
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	before := f.snap(t, chg.ID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.svc.AddNote(ctx, boss, chg.ID, change.Note{Text: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Approve(ctx, cab1, chg.ID, change.Approval{Rationale: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Raise(ctx, requester, request(change.ModelNameNormal))
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Conform(ctx, t0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Sweep(ctx, t0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Trends(ctx, t0, t0, t0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.ForwardSchedule(ctx, t0, t0.Add(time.Hour))
	assert.ErrorIs(t, err, context.Canceled)
	f.requireUnchanged(t, chg.ID, before)
}

// TestLookupFailures: a store failure while reading a template, a plan or
// the schedule stops the transition and changes nothing.
func TestLookupFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("release registry down")
	f2 := newFixture(t, change.DefaultPolicy())
	svc, err := change.NewService(f2.st.of(), change.Config{Options: sms.Options{Now: f2.clk.Now},
		Releases: change.ReleaseLookupFunc(func(context.Context, string) (bool, error) { return false, boom })})
	require.NoError(t, err)
	tp := f2.planTo(t, change.PlanAccepted)
	_, err = svc.Plans().StartTransition(f2.ctx, boss, tp.ID, change.TransitionStart{Release: "REL-1"})
	assert.ErrorIs(t, err, boom)
	stored, err := svc.Plans().Get(f2.ctx, tp.ID)
	require.NoError(t, err)
	assert.Equal(t, change.PlanAccepted, stored.Status)
}
