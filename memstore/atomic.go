package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"unsafe"

	"github.com/iso20k/sms"
)

// Atomic commits. Inside Atomically, a store's Create and Commit check
// their arguments and stage the write; at the end the transaction locks
// every store it wrote to, in one order, checks every staged write against
// what is stored and what the writes before it in the transaction left,
// and applies all of them, or none.

type txKey struct{}

// tx is an atomic commit in progress, over memstores of any entity types.
type tx struct {
	ops []op
}

// op is one staged write, of some store.
type op interface {
	owner() lockable
	// check returns why the write cannot be applied after the ones before
	// it; sim records what the earlier ones left.
	check(sim map[simKey]simRecord, keys map[simKey]bool) error
	apply()
	// staged returns the entity the write leaves, for reads in the
	// transaction.
	staged() any
	target() simKey
}

type lockable interface {
	lockAll()
	unlockAll()
	addr() uintptr
}

type simKey struct {
	store uintptr
	id    string
}

type simRecord struct {
	exists  bool
	version int64
	last    sms.Hash
}

func (s *Store[E]) lockAll()      { s.mu.Lock() }
func (s *Store[E]) unlockAll()    { s.mu.Unlock() }
func (s *Store[E]) addr() uintptr { return uintptr(unsafe.Pointer(s)) }

// txOf returns the atomic commit ctx carries, or nil.
func txOf(ctx context.Context) *tx {
	t, _ := ctx.Value(txKey{}).(*tx)
	return t
}

// backend is what every memstore's AtomicBackend returns: any two commit
// together.
type backend struct{}

// AtomicBackend implements [sms.Atomic]: the same value for every
// memstore, whose atomic commits span all of them.
func (s *Store[E]) AtomicBackend() any { return backend{} }

// Atomically implements [sms.Atomic]: the creates and commits of every
// memstore made with fn's context are applied together when fn returns
// nil, each checked as it would be alone (the version, the journal's
// tail, the idempotency keys) against what is stored and what the writes
// before it left; if one fails, none is applied and its error is returned.
// Get in the context sees the writes staged before it; List and Journal
// see what is stored. A nested call joins the enclosing commit.
func (s *Store[E]) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if txOf(ctx) != nil {
		return fn(ctx)
	}
	t := &tx{}
	if err := fn(context.WithValue(ctx, txKey{}, t)); err != nil {
		return err
	}
	return t.commit()
}

func (t *tx) commit() error {
	if len(t.ops) == 0 {
		return nil
	}
	var stores []lockable
	for _, o := range t.ops {
		if !slices.ContainsFunc(stores, func(l lockable) bool { return l.addr() == o.owner().addr() }) {
			stores = append(stores, o.owner())
		}
	}
	sort.Slice(stores, func(i, j int) bool { return stores[i].addr() < stores[j].addr() })
	for _, l := range stores {
		l.lockAll()
	}
	defer func() {
		for _, l := range stores {
			l.unlockAll()
		}
	}()
	sim, keys := map[simKey]simRecord{}, map[simKey]bool{}
	for _, o := range t.ops {
		if err := o.check(sim, keys); err != nil {
			return err
		}
	}
	for _, o := range t.ops {
		o.apply()
	}
	return nil
}

// stagedEntity returns the latest entity the transaction staged for id in
// s, if any.
func stagedEntity[E sms.Entity[E]](t *tx, s *Store[E], id string) (E, bool) {
	var zero E
	k := simKey{s.addr(), id}
	for i := len(t.ops) - 1; i >= 0; i-- {
		if t.ops[i].target() == k {
			return t.ops[i].staged().(E).Clone(), true
		}
	}
	return zero, false
}

// write is a staged Create or Commit of a store.
type write[E sms.Entity[E]] struct {
	s       *Store[E]
	e       E
	expect  int64 // 0 for a create
	entries []sms.Entry
	rec     *record[E] // a create's record, built when staged
}

func (w *write[E]) owner() lockable { return w.s }
func (w *write[E]) staged() any     { return w.e }
func (w *write[E]) target() simKey  { return simKey{w.s.addr(), w.e.Metadata().ID} }

func (w *write[E]) check(sim map[simKey]simRecord, keys map[simKey]bool) error {
	s, id := w.s, w.e.Metadata().ID
	k := simKey{s.addr(), id}
	cur, seen := sim[k]
	if !seen {
		if rec := s.recs[id]; rec != nil {
			cur = simRecord{exists: true, version: rec.e.Metadata().Version, last: rec.last}
		}
	}
	for i := range w.entries {
		if key := w.entries[i].Key; key != "" {
			kk := simKey{s.addr(), key}
			if _, taken := s.keys[key]; taken || keys[kk] {
				if w.expect == 0 {
					return &sms.ExistsError{Kind: s.kind, ID: id}
				}
				return &sms.ConflictError{Kind: s.kind, ID: id, Expected: w.expect, Actual: cur.version}
			}
			keys[kk] = true
		}
	}
	switch {
	case w.expect == 0 && cur.exists:
		return &sms.ExistsError{Kind: s.kind, ID: id}
	case w.expect > 0 && !cur.exists:
		return &sms.NotFoundError{Kind: s.kind, ID: id}
	case w.expect > 0 && cur.version != w.expect:
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: w.expect, Actual: cur.version}
	case w.expect > 0 && cur.last != w.entries[0].Prev:
		return &sms.CorruptError{Kind: s.kind, ID: id,
			Problem: fmt.Sprintf("memstore: the journal does not end at the head version %d names: nothing was written", w.expect)}
	}
	last := w.entries[len(w.entries)-1]
	sim[k] = simRecord{exists: true, version: last.Seq, last: last.Hash}
	return nil
}

func (w *write[E]) apply() {
	s, id := w.s, w.e.Metadata().ID
	if w.expect == 0 {
		s.recs[id] = w.rec
		i := sort.SearchStrings(s.ids, id)
		s.ids = slices.Insert(s.ids, i, id)
	} else {
		rec := s.recs[id]
		rec.e = w.e
		for i := range w.entries {
			rec.append(&w.entries[i])
		}
	}
	s.addKeys(id, w.entries)
}

// stage adds a create (expect 0) or a commit to the transaction; the
// arguments were checked.
func (s *Store[E]) stage(t *tx, e E, expect int64, entries []sms.Entry) {
	w := &write[E]{s: s, e: e.Clone(), expect: expect, entries: cloneEntries(entries)}
	if expect == 0 {
		w.rec = &record[E]{e: w.e, n: len(entries), last: entries[len(entries)-1].Hash}
		var buf []byte
		for i := range entries {
			buf = appendEntry(buf, &entries[i])
		}
		w.rec.journal = slices.Clip(buf)
	}
	t.ops = append(t.ops, w)
}

func cloneEntries(in []sms.Entry) []sms.Entry {
	out := make([]sms.Entry, len(in))
	for i := range in {
		out[i] = in[i].Clone()
	}
	return out
}
