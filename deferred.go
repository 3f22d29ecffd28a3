package sms

import (
	"context"
	"sync"
)

// Deferred holds the observer notifications of the transitions run in a
// transaction the host owns (see sqlstore.WithTx), until the host says how
// that transaction ended: [Deferred.Committed] delivers them, in the order
// the transitions were committed, [Deferred.RolledBack] drops them. Only
// the first of the two calls counts; calling neither drops them too, as
// if the transaction was rolled back. A Deferred is safe for concurrent
// use.
type Deferred struct {
	mu   sync.Mutex
	p    *pending
	done bool
}

// Defer returns a context in which the machines queue their observers'
// notifications instead of delivering them, and the [Deferred] that holds
// them. The notifications are delivered with ctx itself, so what an
// observer writes is not written in the transaction that has just ended.
// Within the context, [Atomically] joins the deferral: an atomic commit
// that fails takes its own notifications back.
//
// A store bound to a host's transaction calls it for the host (see
// sqlstore.WithTx); a host calls it itself for any other transaction of
// its own that the machines' writes take part in.
func Defer(ctx context.Context) (context.Context, *Deferred) {
	p := &pending{outer: ctx}
	return context.WithValue(ctx, pendingKey{}, p), &Deferred{p: p}
}

// Committed delivers the queued notifications, once: call it after the
// host's transaction committed.
func (d *Deferred) Committed() {
	d.mu.Lock()
	if d.done {
		d.mu.Unlock()
		return
	}
	d.done = true
	fns := d.p.take()
	d.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// RolledBack drops the queued notifications: call it after the host's
// transaction was rolled back, or its commit failed.
func (d *Deferred) RolledBack() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done = true
	d.p.take()
}

// Pending returns how many notifications are queued.
func (d *Deferred) Pending() int {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return len(d.p.fns)
}
