package replay

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/iso20k/sms"
)

// scratch is the store one case is replayed in: a small in-memory store
// that keeps journal entries as they are, since it lives only as long as
// the case. It keeps the [sms.Store] contract (smstest.RunStore proves it),
// except that with owning set it keeps the values Commit receives instead
// of copies: the replay's pipeline never touches an entity after
// committing it, and copying every committed incident would double the
// replay's allocations.
type scratch[E sms.Entity[E]] struct {
	mu     sync.Mutex
	kind   sms.Kind
	recs   map[string]*scratchRec[E]
	owning bool
}

type scratchRec[E any] struct {
	e       E
	journal []sms.Entry
}

func newScratch[E sms.Entity[E]]() *scratch[E] {
	var zero E
	return &scratch[E]{kind: zero.EntityKind(), recs: make(map[string]*scratchRec[E], 1)}
}

func (s *scratch[E]) Create(ctx context.Context, e E, first sms.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, 0, []sms.Entry{first}); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := e.Metadata().ID
	if s.recs[id] != nil {
		return &sms.ExistsError{Kind: s.kind, ID: id}
	}
	s.recs[id] = &scratchRec[E]{e: e.Clone(), journal: append(make([]sms.Entry, 0, 8), first.Clone())}
	return nil
}

func (s *scratch[E]) Get(ctx context.Context, id string) (E, error) {
	var zero E
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[id]
	if r == nil {
		return zero, &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	return r.e.Clone(), nil
}

func (s *scratch[E]) Commit(ctx context.Context, e E, expect int64, entries []sms.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, expect, entries); err != nil {
		return err
	}
	c := e
	if !s.owning {
		c = e.Clone()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := e.Metadata().ID
	r := s.recs[id]
	if r == nil {
		return &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	if v := r.e.Metadata().Version; v != expect {
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: v}
	}
	if n := len(r.journal); n == 0 || int64(n) != expect || r.journal[n-1].Hash != entries[0].Prev {
		return &sms.CorruptError{Kind: s.kind, ID: id,
			Problem: "replay: the commit does not chain to the journal's last entry: nothing was written"}
	}
	r.e = c
	for _, en := range entries {
		r.journal = append(r.journal, en.Clone())
	}
	return nil
}

func (s *scratch[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	if err := ctx.Err(); err != nil {
		return sms.Page[E]{}, err
	}
	if err := q.Validate(); err != nil {
		return sms.Page[E]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.recs))
	for id := range s.recs {
		if id > q.After {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var p sms.Page[E]
	for _, id := range ids {
		r := s.recs[id]
		if !q.Match(r.e.State(), r.e.Attributes()) {
			continue
		}
		if len(p.Items) == q.PageLimit() {
			p.Next = p.Items[len(p.Items)-1].Metadata().ID
			break
		}
		p.Items = append(p.Items, r.e.Clone())
	}
	return p, nil
}

func (s *scratch[E]) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[id]
	if r == nil {
		return nil, &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	out := make([]sms.Entry, len(r.journal))
	for i, en := range r.journal {
		out[i] = en.Clone()
	}
	return out, nil
}

// take returns the entity and its journal without copying, for the case's
// hand-over to the target store, which copies what it keeps.
func (s *scratch[E]) take(id string) (E, []sms.Entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[id]
	if r == nil {
		var zero E
		return zero, nil, false
	}
	return r.e, slices.Clip(r.journal), true
}
