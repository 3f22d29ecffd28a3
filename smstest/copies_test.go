package smstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// TestCopies: each copy is stored under its own ID with the prototype's
// journal re-chained to it, and verifies.
func TestCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New[*smstest.Thing]()
	m, err := sms.NewMachine(thingWorkflow("correct"), st, sms.Options{Now: time.Now})
	require.NoError(t, err)
	proto, err := m.Create(ctx, tester, thingCmd{})
	require.NoError(t, err)
	proto, err = m.Fire(ctx, tester, proto.ID, "note", thingCmd{})
	require.NoError(t, err)
	journal, err := m.Journal(ctx, proto.ID)
	require.NoError(t, err)
	ids, err := smstest.Copies[*smstest.Thing](ctx, st, proto, journal, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"B-0000000", "B-0000001", "B-0000002"}, ids)
	for _, id := range ids {
		require.NoError(t, m.Verify(ctx, id), id)
		j, err := m.Journal(ctx, id)
		require.NoError(t, err)
		assert.Len(t, j, 2)
		_, err = m.Fire(ctx, tester, id, "note", thingCmd{})
		assert.NoError(t, err, "a copy takes transitions")
	}
	_, err = smstest.Copies[*smstest.Thing](ctx, st, proto, journal, 1)
	assert.ErrorIs(t, err, sms.ErrExists, "a copy under a taken ID")
}

// TestSnap: a snapshot taken before a transition differs from one after it
// in the record and in its journal, and equals one taken again before.
func TestSnap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, err := sms.NewMachine(thingWorkflow("correct"), memstore.New[*smstest.Thing](), sms.Options{Now: time.Now})
	require.NoError(t, err)
	th, err := m.Create(ctx, tester, thingCmd{})
	require.NoError(t, err)
	before := smstest.Snap[*smstest.Thing](t, m, th.ID)
	smstest.RequireUnchanged[*smstest.Thing](t, m, th.ID, before)
	_, err = m.Fire(ctx, tester, th.ID, "note", thingCmd{})
	require.NoError(t, err)
	after := smstest.Snap[*smstest.Thing](t, m, th.ID)
	assert.NotEqual(t, before.Entity, after.Entity)
	assert.NotEqual(t, before.Journal, after.Journal)
}

// TestZeroCommand: the zero value of the trigger's command type; a trigger
// the workflow does not declare is the test's mistake, and panics.
func TestZeroCommand(t *testing.T) {
	t.Parallel()
	wf := thingWorkflow("correct")
	assert.Equal(t, sms.Command(thingCmd{}), smstest.ZeroCommand(wf, "note"))
	assert.Panics(t, func() { smstest.ZeroCommand(wf, "explode") })
}
