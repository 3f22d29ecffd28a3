package sms

import (
	"context"
	"fmt"
	"sync"
)

// Atomic is an optional capability of a [Store]: transitions on several
// entities, of one kind or several, committed together or not at all.
// Atomically runs fn with a context in which the writes of this store, and
// of every store of the same backend (memstore: any memstore; sqlstore:
// the stores on the same *sql.DB), are staged, each with its own version
// check; they are committed together when fn returns nil, and none is when
// it returns an error or one version check fails at the commit (a
// [*ConflictError]). Reads in the context see the writes staged before
// them. Detect it with a type assertion, or use [Atomically].
//
// A store without it runs each commit on its own; a process then falls
// back to a second transition after the first one's commit, and a failure
// of that second step is an [ErrFollowUp] error the process can reconcile.
type Atomic interface {
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	// AtomicBackend returns a comparable value, equal for two stores whose
	// writes one Atomically commits together (memstore: every memstore;
	// sqlstore: the *sql.DB), different otherwise.
	AtomicBackend() any
}

// CanCommitAtomically reports whether the store implements [Atomic].
func CanCommitAtomically(store any) bool {
	_, ok := store.(Atomic)
	return ok
}

// CommitTogether reports whether every store given implements [Atomic] on
// one backend, so that an atomic commit of the first holds the writes of
// all: two memstores do, two sqlstores on one *sql.DB do, a memstore and a
// sqlstore do not.
func CommitTogether(stores ...any) bool {
	var backend any
	for i, s := range stores {
		a, ok := s.(Atomic)
		if !ok {
			return false
		}
		b := a.AtomicBackend()
		if i > 0 && b != backend {
			return false
		}
		backend = b
	}
	return len(stores) > 0
}

type pendingKey struct{}

// pending collects the notifications of transitions committed inside an
// atomic context, to deliver once the whole commit stands.
type pending struct {
	// outer is the context Atomically was called with: the observers'
	// once the commit stands, so that what they write is not written into
	// the transaction just committed.
	outer context.Context
	mu    sync.Mutex
	fns   []func()
}

// add queues a notification.
func (p *pending) add(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fns = append(p.fns, f)
}

// mark returns how many notifications are queued, for cut.
func (p *pending) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.fns)
}

// cut drops the notifications queued after mark.
func (p *pending) cut(mark int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mark < len(p.fns) {
		clear(p.fns[mark:])
		p.fns = p.fns[:mark]
	}
}

// take returns the queued notifications and empties the queue.
func (p *pending) take() []func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fns := p.fns
	p.fns = nil
	return fns
}

// Atomically runs fn as one atomic commit of store (see [Atomic]): the
// transitions fn runs through machines on stores of the same backend are
// committed together or not at all, and observers are notified of them
// only after the commit, with ctx (not the commit's context: an observer's
// writes are transitions of their own). It returns a [*ValidationError] when the store
// cannot commit atomically; the error of fn or of the commit otherwise.
func Atomically(ctx context.Context, store any, fn func(ctx context.Context) error) error {
	a, ok := store.(Atomic)
	if !ok {
		return &ValidationError{Field: "store", Problem: fmt.Sprintf("%T cannot commit several entities atomically (it does not implement sms.Atomic)", store)}
	}
	if p := pendingOf(ctx); p != nil {
		// Joins the enclosing commit (or a host's transaction, see
		// [Defer]); when it fails, its notifications go with it.
		mark := p.mark()
		err := a.Atomically(ctx, fn)
		if err != nil {
			p.cut(mark)
		}
		return err
	}
	p := &pending{outer: ctx}
	err := a.Atomically(context.WithValue(ctx, pendingKey{}, p), fn)
	if err != nil {
		return err
	}
	for _, f := range p.take() {
		f()
	}
	return nil
}

// pendingOf returns the notifications of the atomic commit ctx is inside,
// or nil.
func pendingOf(ctx context.Context) *pending {
	p, _ := ctx.Value(pendingKey{}).(*pending)
	return p
}
