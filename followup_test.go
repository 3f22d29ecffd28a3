package sms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
)

// followEnv is a ticket workflow whose cancel follows up with a note on
// T-2, through a machine on the same store: a transition and the write to
// another record it implies.
type followEnv struct {
	*ticketEnv
	runs, fail int      // Run's calls, and how many of the next fail
	failWith   error    // what they fail with
	heard      []string // what observers heard, in order
}

func newFollowEnv(t *testing.T, atomic bool, fu sms.FollowUp[*Ticket]) *followEnv {
	t.Helper()
	f := &followEnv{failWith: errors.New("the other record is unavailable")}
	var other *sms.Machine[*Ticket]
	fu.Run = func(ctx context.Context, tx *ttx) error {
		f.runs++
		assert.Equal(t, stCancelled, tx.Entity.State(), "Run sees the transition as committed")
		if _, err := other.Fire(ctx, tx.Actor, "T-2", trNote, ticketCmd{Text: "T-1 was cancelled"}); err != nil {
			return err
		}
		if f.fail > 0 {
			f.fail--
			return f.failWith
		}
		return nil
	}
	d := ticketDefinition()
	for i := range d.Rules {
		if d.Rules[i].Trigger == trCancel {
			d.Rules[i].FollowUp = &fu
		}
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	f.ticketEnv = newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{Observer: sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		f.heard = append(f.heard, ev.EntityID+" "+ev.Entry.Trigger)
		return nil
	})})
	f.file(t, "T-1")
	f.file(t, "T-2")
	if !atomic {
		f.m, err = f.m.WithStore(noKeys{f.store})
		require.NoError(t, err)
	}
	other = f.m
	return f
}

func (f *followEnv) cancel() (*Ticket, error) {
	return f.m.Fire(bg(), lena, "T-1", trCancel, ticketCmd{Reason: "duplicate"})
}

func (f *followEnv) journals(t *testing.T) (int, int) {
	t.Helper()
	a, err := f.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	b, err := f.m.Journal(bg(), "T-2")
	require.NoError(t, err)
	return len(a), len(b)
}

func TestFollowUpCommitsWithTheTransition(t *testing.T) {
	t.Parallel()
	for _, atomic := range []bool{true, false} {
		f := newFollowEnv(t, atomic, sms.FollowUp[*Ticket]{})
		f.heard = nil
		tk, err := f.cancel()
		require.NoError(t, err, "atomic=%v", atomic)
		assert.Equal(t, stCancelled, tk.State())
		n1, n2 := f.journals(t)
		assert.Equal(t, [2]int{2, 2}, [2]int{n1, n2}, "atomic=%v: the transition and its follow-up", atomic)
		assert.Equal(t, 1, f.runs)
		assert.Equal(t, []string{"T-1 cancel", "T-2 note"}, f.heard, "atomic=%v: the transition is heard of before its follow-up", atomic)
	}
}

func TestFollowUpThatFailsInsideTheCommit(t *testing.T) {
	t.Parallel()
	// Not essential: the atomic commit is rolled back, the transition is
	// committed alone, and Run tried again after it.
	f := newFollowEnv(t, true, sms.FollowUp[*Ticket]{})
	f.fail = 1
	tk, err := f.cancel()
	require.NoError(t, err, "the second try, after the commit, succeeded")
	assert.Equal(t, stCancelled, tk.State())
	n1, n2 := f.journals(t)
	assert.Equal(t, [2]int{2, 2}, [2]int{n1, n2}, "the note of the rolled-back try is not stored: one note")
	assert.Equal(t, 2, f.runs)

	// Failing after the commit as well: the transition stands, the error
	// says the follow-up is due, and the entity is returned as committed.
	f = newFollowEnv(t, true, sms.FollowUp[*Ticket]{})
	f.fail = 2
	tk, err = f.cancel()
	require.ErrorIs(t, err, sms.ErrFollowUp)
	assert.ErrorIs(t, err, f.failWith)
	var fe *sms.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, sms.FollowUpError{Kind: "ticket", ID: "T-1", Trigger: trCancel, Err: f.failWith}, *fe)
	require.NotNil(t, tk)
	assert.Equal(t, stCancelled, tk.State())
	n1, n2 = f.journals(t)
	assert.Equal(t, [2]int{2, 2}, [2]int{n1, n2}, "the failed try after the commit wrote its note before failing")

	// Essential: nothing is committed, and the error is Run's, not a
	// follow-up's.
	f = newFollowEnv(t, true, sms.FollowUp[*Ticket]{Essential: true})
	f.fail = 1
	f.heard = nil
	before1, before2 := f.snap(t, "T-1"), f.snap(t, "T-2")
	tk, err = f.cancel()
	assert.Nil(t, tk)
	assert.ErrorIs(t, err, f.failWith)
	assert.NotErrorIs(t, err, sms.ErrFollowUp)
	assert.Equal(t, before1, f.snap(t, "T-1"))
	assert.Equal(t, before2, f.snap(t, "T-2"))
	assert.Equal(t, 1, f.runs)
	assert.Empty(t, f.heard, "nothing committed, nothing announced")
}

func TestFollowUpWithoutAtomicCommits(t *testing.T) {
	t.Parallel()
	// A conflict is tried again, up to three times in all.
	f := newFollowEnv(t, false, sms.FollowUp[*Ticket]{})
	f.fail, f.failWith = 2, &sms.ConflictError{Kind: "ticket", ID: "T-2"}
	_, err := f.cancel()
	require.NoError(t, err)
	assert.Equal(t, 3, f.runs)

	// Essential has no say without the capability: the transition
	// stands, and Failed words the follow-up's error.
	type stillDue struct{ error }
	f = newFollowEnv(t, false, sms.FollowUp[*Ticket]{Essential: true,
		Failed: func(tx *ttx, err error) error {
			return &sms.FollowUpError{Kind: "ticket", ID: "T-2", Trigger: "note", Err: stillDue{err}}
		}})
	f.fail = 3
	tk, err := f.cancel()
	require.ErrorIs(t, err, sms.ErrFollowUp)
	var fe *sms.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "T-2", fe.ID, "Failed's error")
	assert.Equal(t, stCancelled, tk.State())
	assert.Equal(t, 1, f.runs, "not a conflict: tried once")
}

// A follow-up writing to a store that cannot commit with the machine's
// runs after the commit, even on a store that commits atomically.
func TestFollowUpToAnotherBackend(t *testing.T) {
	t.Parallel()
	f := newFollowEnv(t, true, sms.FollowUp[*Ticket]{Essential: true, Stores: []any{noKeys{memstore.New[*Ticket]()}}})
	f.fail = 3
	tk, err := f.cancel()
	require.ErrorIs(t, err, sms.ErrFollowUp, "committed, then followed up")
	assert.Equal(t, stCancelled, tk.State())
	assert.Equal(t, 1, f.runs)
}

func TestFollowUpInsideTheHostsCommit(t *testing.T) {
	t.Parallel()
	f := newFollowEnv(t, true, sms.FollowUp[*Ticket]{})
	f.fail = 1
	before1, before2 := f.snap(t, "T-1"), f.snap(t, "T-2")
	err := sms.Atomically(bg(), f.store, func(ctx context.Context) error {
		_, err := f.m.Fire(ctx, lena, "T-1", trCancel, ticketCmd{Reason: "duplicate"})
		return err
	})
	assert.ErrorIs(t, err, f.failWith, "inside the host's commit, Run's error is the transition's")
	assert.NotErrorIs(t, err, sms.ErrFollowUp)
	assert.Equal(t, before1, f.snap(t, "T-1"))
	assert.Equal(t, before2, f.snap(t, "T-2"))
}

func TestFollowUpDeclared(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(d *sms.Definition[*Ticket]){
		"without Run": func(d *sms.Definition[*Ticket]) { d.Rules[1].FollowUp = &sms.FollowUp[*Ticket]{} },
		"on the creating rule": func(d *sms.Definition[*Ticket]) {
			d.Rules[0].FollowUp = &sms.FollowUp[*Ticket]{Run: func(context.Context, *ttx) error { return nil }}
		},
	} {
		d := ticketDefinition()
		edit(&d)
		_, err := sms.NewWorkflow(d)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
}
