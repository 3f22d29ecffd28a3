package sms_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
)

// Records gives a service what is the same in every process, as the
// machine does it.
func TestRecords(t *testing.T) {
	t.Parallel()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	r := sms.NewRecords[*Ticket, string, sms.Command](env.m)
	assert.Same(t, env.m.Workflow(), r.Workflow())
	tk, err := r.Get(bg(), "T-1")
	require.NoError(t, err)
	assert.Equal(t, stOpen, tk.Status)
	assert.Equal(t, []string{trNote, trStart}, r.Permitted(tk, alice))
	assert.Nil(t, r.Permitted(nil, alice))

	tk, err = r.DoSteps(bg(), alice, "T-1", ticketCmd{Assignee: alice.ID})
	require.ErrorIs(t, err, sms.ErrInvalid, "ticketCmd is the command of every ticket trigger: DoSteps cannot tell which")
	assert.Nil(t, tk)
	assert.ErrorIs(t, r.DryRun(bg(), alice, "T-1", ticketCmd{}), sms.ErrInvalid)
	assert.ErrorIs(t, r.DryRun(bg(), alice, "T-1", nil), sms.ErrInvalid)

	cs, err := r.Choices(bg(), alice, "T-1")
	require.NoError(t, err)
	assert.Len(t, cs, 3)
	j, err := r.Journal(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, j, 1)
	require.NoError(t, r.Verify(bg(), "T-1"))
}

// Bind is the constructor's compile-and-bind; MustWorkflow the built-in
// documentation workflow, which panics on a definition that does not
// compile.
func TestBindAndMustWorkflow(t *testing.T) {
	t.Parallel()
	m, r, err := sms.Bind[*Ticket, string, sms.Command](ticketDefinition(), memstore.New[*Ticket](), sms.Options{})
	require.NoError(t, err)
	assert.Same(t, m.Workflow(), r.Workflow())
	assert.NotNil(t, sms.MustWorkflow(ticketDefinition()))

	bad := ticketDefinition()
	bad.Rules[0].FollowUp = &sms.FollowUp[*Ticket]{Run: func(context.Context, *ttx) error { return nil }}
	_, _, err = sms.Bind[*Ticket, string, sms.Command](bad, memstore.New[*Ticket](), sms.Options{})
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, _, err = sms.Bind[*Ticket, string, sms.Command](ticketDefinition(), nil, sms.Options{})
	require.Error(t, err, "a machine needs a store")
	assert.Panics(t, func() { sms.MustWorkflow(bad) })
}
