package smstest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
)

func TestClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := smstest.NewClock(t0)
	assert.Equal(t, t0, c.Now())
	c.Advance(90 * time.Minute)
	assert.Equal(t, t0.Add(90*time.Minute), c.Now())
	c.Set(t0)
	assert.Equal(t, t0, c.Now())
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	assert.Equal(t, t0.Add(8*time.Second), c.Now())
}
