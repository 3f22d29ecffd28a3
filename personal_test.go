package sms_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

func TestSealOpens(t *testing.T) {
	s, salt, err := sms.Seal("alice@example.com")
	require.NoError(t, err)
	require.Len(t, salt, sms.SaltSize)
	assert.Len(t, string(s), 83)
	require.NoError(t, sms.ValidateID(string(s)), "a reference is an ID any reference field accepts")
	assert.True(t, s.Opens(salt, "alice@example.com"))
	assert.False(t, s.Opens(salt, "alice@example.org"), "another value does not open it")
	other := append([]byte(nil), salt...)
	other[0] ^= 1
	assert.False(t, s.Opens(other, "alice@example.com"), "another salt does not open it")
	assert.False(t, s.Opens(nil, "alice@example.com"), "without the salt nothing opens it")
	got, err := sms.Revealed(s, salt, "alice@example.com")
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", got)
	_, err = sms.Revealed(s, salt, "mallory@example.com")
	var ce *sms.CorruptError
	assert.ErrorAs(t, err, &ce, "a vault row that does not open its commitment is corrupt")
}

func TestSealRefusesBadValues(t *testing.T) {
	for _, v := range []string{"", "\xff\xfe", strings.Repeat("x", sms.MaxPersonalLen+1)} {
		_, _, err := sms.Seal(v)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve, "%q", v)
	}
}

func TestParseSealed(t *testing.T) {
	s, _, err := sms.Seal("x")
	require.NoError(t, err)
	got, err := sms.ParseSealed(string(s))
	require.NoError(t, err)
	assert.Equal(t, s, got)
	assert.NotEmpty(t, s.ID())
	id, commit, _ := strings.Cut(strings.TrimPrefix(string(s), "pd:"), ":")
	for _, bad := range []string{
		"", "pd:", "pd:" + id, "pd:" + id + ":", "xx:" + id + ":" + commit,
		"pd:" + strings.ToUpper(id) + ":" + commit, // not the canonical form
		"pd:" + id + ":" + commit + "A", "pd:" + id + ":" + commit[:42] + "=",
		"pd:not-a-uuid:" + commit,
	} {
		_, err := sms.ParseSealed(bad)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve, "%q", bad)
		assert.False(t, sms.IsSealed(bad), "%q", bad)
		assert.Empty(t, sms.Sealed(bad).ID(), "%q", bad)
	}
}

// FuzzParseSealed: any text either is refused with a *ValidationError or is
// a reference that formats back to itself and is an ID.
func FuzzParseSealed(f *testing.F) {
	s, _, _ := sms.Seal("seed")
	f.Add(string(s))
	f.Add("pd:00000000-0000-0000-0000-000000000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("pd::")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := sms.ParseSealed(in)
		if err != nil {
			var ve *sms.ValidationError
			if !assert.ErrorAs(t, err, &ve) {
				return
			}
			return
		}
		assert.Equal(t, in, string(got))
		assert.NoError(t, sms.ValidateID(in))
		assert.NotEmpty(t, got.ID())
	})
}
