package smstest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// RunVault runs the [sms.Vault] contract against the vaults newVault
// returns, one fresh vault per check: a sealed value reveals itself and
// nothing else; two seals of one value give two unlinked references;
// erasure by subject erases that subject's values only, reports how many,
// and leaves references that still parse and open to nothing; bad input is
// a *sms.ValidationError; concurrent seals and erasures lose nothing.
func RunVault(t *testing.T, newVault func(t *testing.T) sms.Vault) {
	t.Helper()
	ctx := context.Background()
	t.Run("SealReveal", func(t *testing.T) {
		v := newVault(t)
		s, err := v.Seal(ctx, "person-1", "alice@example.com")
		require.NoError(t, err)
		require.True(t, sms.IsSealed(string(s)), "Seal returned %q, not a reference", s)
		assert.NotContains(t, string(s), "alice", "the reference must not hold the value")
		require.NoError(t, sms.ValidateID(string(s)), "a reference goes in reference fields")
		got, err := v.Reveal(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, "alice@example.com", got)
	})
	t.Run("SealTwiceUnlinked", func(t *testing.T) {
		v := newVault(t)
		a, err := v.Seal(ctx, "person-1", "Alice Liddell")
		require.NoError(t, err)
		b, err := v.Seal(ctx, "person-1", "Alice Liddell")
		require.NoError(t, err)
		assert.NotEqual(t, a, b)
		assert.NotEqual(t, a[strings.LastIndexByte(string(a), ':'):], b[strings.LastIndexByte(string(b), ':'):],
			"two commitments to one value must differ (salted)")
	})
	t.Run("EraseSubject", func(t *testing.T) {
		v := newVault(t)
		a1, err := v.Seal(ctx, "person-a", "alice@example.com")
		require.NoError(t, err)
		a2, err := v.Seal(ctx, "person-a", "Alice Liddell")
		require.NoError(t, err)
		b1, err := v.Seal(ctx, "person-b", "bob@example.com")
		require.NoError(t, err)
		n, err := v.Erase(ctx, "person-a")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		for _, s := range []sms.Sealed{a1, a2} {
			_, err := v.Reveal(ctx, s)
			var ee *sms.ErasedError
			require.ErrorAs(t, err, &ee, "an erased value must say so")
			assert.Equal(t, s.ID(), ee.ID)
			assert.False(t, ee.At.IsZero())
			assert.ErrorIs(t, err, sms.ErrNotFound)
			assert.True(t, sms.IsSealed(string(s)), "an erased value's reference still parses")
		}
		got, err := v.Reveal(ctx, b1)
		require.NoError(t, err, "another subject's data must stay")
		assert.Equal(t, "bob@example.com", got)
		n, err = v.Erase(ctx, "person-a")
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is left to erase")
		n, err = v.Erase(ctx, "nobody")
		require.NoError(t, err)
		assert.Zero(t, n)
	})
	t.Run("UnknownReference", func(t *testing.T) {
		v := newVault(t)
		s, _, err := sms.Seal("never stored")
		require.NoError(t, err)
		_, err = v.Reveal(ctx, s)
		var nf *sms.NotFoundError
		require.ErrorAs(t, err, &nf)
		var ee *sms.ErasedError
		assert.False(t, errors.As(err, &ee), "never stored is not erased")
	})
	t.Run("BadInput", func(t *testing.T) {
		v := newVault(t)
		for _, c := range []struct{ subject, value string }{
			{"", "x"}, {" p", "x"}, {strings.Repeat("p", sms.MaxIDLen+1), "x"},
			{"p", ""}, {"p", "\xff"}, {"p", strings.Repeat("x", sms.MaxPersonalLen+1)},
		} {
			_, err := v.Seal(ctx, c.subject, c.value)
			var ve *sms.ValidationError
			assert.ErrorAs(t, err, &ve, "Seal(%q, %q)", c.subject, c.value)
		}
		for _, s := range []string{"", "pd:", "pd:x:y", "alice@example.com"} {
			_, err := v.Reveal(ctx, sms.Sealed(s))
			var ve *sms.ValidationError
			assert.ErrorAs(t, err, &ve, "Reveal(%q)", s)
		}
		_, err := v.Erase(ctx, "")
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve)
	})
	t.Run("Concurrent", func(t *testing.T) {
		v := newVault(t)
		const n = 8
		var wg sync.WaitGroup
		sealed := make([]sms.Sealed, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				subject := "keep"
				if i%2 == 0 {
					subject = "erase"
				}
				sealed[i], errs[i] = v.Seal(ctx, subject, "value")
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		got, err := v.Erase(ctx, "erase")
		require.NoError(t, err)
		assert.Equal(t, n/2, got)
		for i, s := range sealed {
			_, err := v.Reveal(ctx, s)
			if i%2 == 0 {
				assert.ErrorIs(t, err, sms.ErrNotFound)
			} else {
				assert.NoError(t, err)
			}
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		v := newVault(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		_, err := v.Seal(c, "p", "x")
		assert.ErrorIs(t, err, context.Canceled)
	})
}
