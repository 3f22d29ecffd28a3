package sms_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// A period holds its start and not its end; one without an end, or
// ending at or before its start, is invalid, with a typed error.
func TestPeriod(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	june := sms.Period{From: t0, To: t0.AddDate(0, 1, 0)}
	assert.True(t, june.Valid())
	require.NoError(t, june.Check("report"))
	assert.True(t, june.Contains(t0))
	assert.True(t, june.Contains(june.To.Add(-time.Nanosecond)))
	assert.False(t, june.Contains(june.To))
	assert.False(t, june.Contains(t0.Add(-time.Nanosecond)))
	assert.Equal(t, "2026-06-01T00:00:00Z/2026-07-01T00:00:00Z", june.String())
	for _, bad := range []sms.Period{{From: t0}, {To: t0}, {From: t0, To: t0}, {From: june.To, To: t0}} {
		assert.False(t, bad.Valid(), "%v", bad)
		var ve *sms.ValidationError
		require.ErrorAs(t, bad.Check("report"), &ve, "%v", bad)
		assert.ErrorIs(t, bad.Check("report"), sms.ErrInvalid)
	}
}
