package sms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

func deferredService(t *testing.T, heard *[]string) (*incident.Service, sms.Actor) {
	t.Helper()
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Options: sms.Options{
		Observer: sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
			*heard = append(*heard, ev.Entry.Trigger)
			return nil
		})}})
	require.NoError(t, err)
	return svc, sms.Actor{ID: "agent-1", Roles: []sms.Role{incident.RoleServiceDesk}}
}

func report(id string) incident.Report {
	return incident.Report{ID: id, Summary: "down", Service: "vpn", Source: incident.SourceUser, Reporter: "caller-1",
		ReportedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func TestDeferCommitted(t *testing.T) {
	var heard []string
	svc, a := deferredService(t, &heard)
	ctx, d := sms.Defer(context.Background())
	_, err := svc.Log(ctx, a, report("INC-1"))
	require.NoError(t, err)
	_, err = svc.AddNote(ctx, a, "INC-1", incident.Note{Text: "n"})
	require.NoError(t, err)
	assert.Empty(t, heard, "held until the host says its transaction committed")
	assert.Equal(t, 2, d.Pending())
	d.Committed()
	d.Committed()
	d.RolledBack()
	assert.Equal(t, []string{"log", "note"}, heard, "delivered once, in order")
	assert.Zero(t, d.Pending())
}

func TestDeferRolledBack(t *testing.T) {
	var heard []string
	svc, a := deferredService(t, &heard)
	ctx, d := sms.Defer(context.Background())
	_, err := svc.Log(ctx, a, report("INC-1"))
	require.NoError(t, err)
	d.RolledBack()
	d.Committed()
	assert.Empty(t, heard, "dropped: the first call counts")
}

// An atomic commit that fails inside a deferral takes back its own
// notifications and keeps the others.
func TestDeferAtomicallyFailureTakesBack(t *testing.T) {
	var heard []string
	svc, a := deferredService(t, &heard)
	store := memstore.New[*incident.Incident]()
	svc, err := svc.WithStore(store)
	require.NoError(t, err)
	ctx, d := sms.Defer(context.Background())
	_, err = svc.Log(ctx, a, report("INC-1"))
	require.NoError(t, err)
	boom := errors.New("boom")
	err = sms.Atomically(ctx, store, func(ctx context.Context) error {
		if _, err := svc.AddNote(ctx, a, "INC-1", incident.Note{Text: "n"}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, d.Pending())
	d.Committed()
	assert.Equal(t, []string{"log"}, heard)
}
