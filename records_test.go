package sms_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
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
