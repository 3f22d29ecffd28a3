// Package memstore is the reference in-memory implementation of the
// [sms.Store] contract: one generic store for every process. It is safe for
// concurrent use, copies entities and journal entries in and out, and passes
// smstest.RunStore. Use it in tests, in examples, and in hosts that keep
// their records elsewhere and only need the workflow.
//
//	incidents := memstore.New[*incident.Incident]()
//	svc, err := incident.NewService(incidents, incident.Config{})
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/iso20k/sms"
)

// Store is an in-memory [sms.Store] for entities of type E, and an
// [sms.Loader] and [sms.KeyFinder]. The zero value is not usable; call
// [New].
type Store[E sms.Entity[E]] struct {
	kind sms.Kind

	mu   sync.RWMutex
	recs map[string]*record[E]
	ids  []string          // every ID, sorted, for ordered listing
	keys map[string]keyRef // idempotency keys: the entry each names
}

type keyRef struct {
	id  string
	seq int64
}

type record[E sms.Entity[E]] struct {
	e       E
	journal []byte   // the entries, encoded (see codec.go)
	n       int      // how many
	last    sms.Hash // the last entry's hash
}

func (r *record[E]) append(en *sms.Entry) {
	r.journal = appendEntry(r.journal, en)
	r.n++
	r.last = en.Hash
}

func (r *record[E]) entries(kind sms.Kind) []sms.Entry {
	id := r.e.Metadata().ID
	out := make([]sms.Entry, 0, r.n)
	d := decoder{b: r.journal}
	var prev sms.Hash
	for range r.n {
		en := d.entry(kind, id)
		en.Prev, prev = prev, en.Hash
		out = append(out, en)
	}
	return out
}

// New returns an empty store.
func New[E sms.Entity[E]]() *Store[E] {
	var zero E
	return &Store[E]{kind: zero.EntityKind(), recs: make(map[string]*record[E]), keys: make(map[string]keyRef)}
}

// Create implements [sms.Store].
func (s *Store[E]) Create(ctx context.Context, e E, first sms.Entry) error {
	return s.load(ctx, e, []sms.Entry{first}, false)
}

// Load implements [sms.Loader]: the entity and its whole journal, atomically.
// It verifies what it is given first: a journal whose hash chain does not
// hold, or an entity that is not the state its last entry recorded, is
// refused with the [*sms.JournalError] of [sms.VerifyJournal] or
// [sms.VerifyHead], and nothing is stored.
func (s *Store[E]) Load(ctx context.Context, e E, entries []sms.Entry) error {
	return s.load(ctx, e, entries, true)
}

func (s *Store[E]) load(ctx context.Context, e E, entries []sms.Entry, verify bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, 0, entries); err != nil {
		return err
	}
	if verify {
		if err := sms.VerifyJournal(entries); err != nil {
			return err
		}
		if err := sms.VerifyHead(e, entries); err != nil {
			return err
		}
	}
	if t := txOf(ctx); t != nil {
		s.stage(t, e, 0, entries)
		return nil
	}
	id := e.Metadata().ID
	rec := &record[E]{e: e.Clone(), n: len(entries), last: entries[len(entries)-1].Hash}
	var buf []byte
	for i := range entries {
		buf = appendEntry(buf, &entries[i])
	}
	rec.journal = slices.Clip(buf)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs[id] != nil || s.keyTaken(entries) {
		return &sms.ExistsError{Kind: s.kind, ID: id}
	}
	s.recs[id] = rec
	s.addKeys(id, entries)
	i := sort.SearchStrings(s.ids, id)
	s.ids = slices.Insert(s.ids, i, id)
	return nil
}

// keyTaken reports whether an entry carries a key another entry has, or
// two of them the same one. The caller holds s.mu.
func (s *Store[E]) keyTaken(entries []sms.Entry) bool {
	for i := range entries {
		k := entries[i].Key
		if k == "" {
			continue
		}
		if _, ok := s.keys[k]; ok {
			return true
		}
		for j := range i {
			if entries[j].Key == k {
				return true
			}
		}
	}
	return false
}

func (s *Store[E]) addKeys(id string, entries []sms.Entry) {
	for i := range entries {
		if k := entries[i].Key; k != "" {
			s.keys[k] = keyRef{id: id, seq: entries[i].Seq}
		}
	}
}

// FindKey implements [sms.KeyFinder].
func (s *Store[E]) FindKey(ctx context.Context, key string) (sms.Entry, error) {
	if err := ctx.Err(); err != nil {
		return sms.Entry{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, ok := s.keys[key]
	if !ok {
		return sms.Entry{}, &sms.NotFoundError{Kind: s.kind, ID: key}
	}
	rec := s.recs[ref.id]
	d := decoder{b: rec.journal}
	var prev sms.Hash
	for range rec.n {
		en := d.entry(s.kind, ref.id)
		en.Prev, prev = prev, en.Hash
		if en.Seq == ref.seq {
			return en, nil
		}
	}
	return sms.Entry{}, &sms.NotFoundError{Kind: s.kind, ID: key}
}

// Get implements [sms.Store].
func (s *Store[E]) Get(ctx context.Context, id string) (E, error) {
	var zero E
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if t := txOf(ctx); t != nil {
		if e, ok := stagedEntity(t, s, id); ok {
			return e, nil
		}
	}
	s.mu.RLock()
	rec := s.recs[id]
	if rec == nil {
		s.mu.RUnlock()
		return zero, &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	e := rec.e.Clone()
	s.mu.RUnlock()
	return e, nil
}

// Commit implements [sms.Store].
func (s *Store[E]) Commit(ctx context.Context, e E, expect int64, entries []sms.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, expect, entries); err != nil {
		return err
	}
	if t := txOf(ctx); t != nil {
		s.stage(t, e, expect, entries)
		return nil
	}
	id := e.Metadata().ID
	c := e.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.recs[id]
	if rec == nil {
		return &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	if v := rec.e.Metadata().Version; v != expect {
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: v}
	}
	if int64(rec.n) != expect || rec.last != entries[0].Prev {
		return &sms.CorruptError{Kind: s.kind, ID: id,
			Problem: fmt.Sprintf("memstore: the journal ends at entry %d, not at the head version %d names: nothing was written", rec.n, expect)}
	}
	if s.keyTaken(entries) {
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: expect}
	}
	rec.e = c
	for i := range entries {
		rec.append(&entries[i])
	}
	s.addKeys(id, entries)
	return nil
}

// List implements [sms.Store].
func (s *Store[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	if err := ctx.Err(); err != nil {
		return sms.Page[E]{}, err
	}
	if err := q.Validate(); err != nil {
		return sms.Page[E]{}, err
	}
	limit := q.PageLimit()
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.SearchStrings(s.ids, q.After)
	if i < len(s.ids) && s.ids[i] == q.After {
		i++
	}
	var page sms.Page[E]
	for ; i < len(s.ids); i++ {
		rec := s.recs[s.ids[i]]
		if !q.Match(rec.e.State(), rec.e.Attributes()) {
			continue
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].Metadata().ID
			break
		}
		page.Items = append(page.Items, rec.e.Clone())
	}
	return page, nil
}

// Journal implements [sms.Store].
func (s *Store[E]) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.recs[id]
	if rec == nil {
		return nil, &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	return rec.entries(s.kind), nil
}

// Len returns the number of stored entities.
func (s *Store[E]) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.recs)
}
