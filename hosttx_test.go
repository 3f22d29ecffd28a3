package sms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

type hostKey struct{}

// The notifications are delivered with the context given to Defer: it
// carries the host's values, and an observer's own transition is not
// deferred again (it would never be heard of: the deferral is over).
func TestDeferDeliversWithTheOuterContext(t *testing.T) {
	var (
		heard []string
		seen  []any
		svc   *incident.Service
		errs  []error
	)
	a := sms.Actor{ID: "agent-1", Roles: []sms.Role{incident.RoleServiceDesk}}
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Options: sms.Options{
		Observer: sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
			heard = append(heard, ev.Entry.Trigger)
			seen = append(seen, ctx.Value(hostKey{}))
			if ev.Entry.Trigger == "log" {
				_, err := svc.AddNote(ctx, a, ev.Entry.EntityID, incident.Note{Text: "heard of it"})
				errs = append(errs, err)
			}
			return nil
		})}})
	require.NoError(t, err)
	outer := context.WithValue(context.Background(), hostKey{}, "request-7")
	ctx, d := sms.Defer(outer)
	_, err = svc.Log(ctx, a, report("INC-1"))
	require.NoError(t, err)
	require.Empty(t, heard)
	d.Committed()
	assert.Equal(t, []string{"log", "note"}, heard, "the observer's own note is heard at once")
	assert.Equal(t, []any{"request-7", "request-7"}, seen)
	assert.Equal(t, []error{nil}, errs)
	assert.Zero(t, d.Pending())
}

// An atomic commit that succeeds inside a deferral keeps its
// notifications queued until the host's Committed.
func TestDeferAtomicallyJoins(t *testing.T) {
	var heard []string
	svc, a := deferredService(t, &heard)
	store := memstore.New[*incident.Incident]()
	svc, err := svc.WithStore(store)
	require.NoError(t, err)
	ctx, d := sms.Defer(context.Background())
	err = sms.Atomically(ctx, store, func(ctx context.Context) error {
		_, err := svc.Log(ctx, a, report("INC-1"))
		return err
	})
	require.NoError(t, err)
	assert.Empty(t, heard, "the atomic commit stands, the host's transaction not yet")
	assert.Equal(t, 1, d.Pending())
	d.Committed()
	assert.Equal(t, []string{"log"}, heard)
}

// A Deferred takes transitions from several goroutines and delivers each
// notification once, whichever of Committed and RolledBack race.
func TestDeferredConcurrent(t *testing.T) {
	var (
		mu    sync.Mutex
		heard = map[string]int{}
	)
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Options: sms.Options{
		Observer: sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
			mu.Lock()
			defer mu.Unlock()
			heard[ev.Entry.EntityID]++
			return nil
		})}})
	require.NoError(t, err)
	a := sms.Actor{ID: "agent-1", Roles: []sms.Role{incident.RoleServiceDesk}}
	ctx, d := sms.Defer(context.Background())
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := svc.Log(ctx, a, report(fmt.Sprint("INC-", i)))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, n, d.Pending())
	for range 4 {
		wg.Go(d.Committed)
	}
	wg.Wait()
	d.RolledBack()
	assert.Len(t, heard, n)
	for id, k := range heard {
		assert.Equal(t, 1, k, "%s heard once", id)
	}
}
