package smstest

import (
	"sync"
	"time"
)

// Clock is a settable clock for tests, safe for concurrent use. Pass its Now
// as sms.Options.Now, so that a test decides when each transition happens:
//
//	clk := smstest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
//	svc, err := incident.NewService(store, incident.Config{
//		Policy:  incident.DefaultPolicy(),
//		Options: sms.Options{Now: clk.Now},
//	})
//	clk.Advance(72 * time.Hour) // the default policy's auto-close window has elapsed
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set sets the clock's time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
