package smstest

import (
	"context"

	"github.com/iso20k/sms"
)

// Tampered wraps a store so that every read of the entity id (Get and List)
// returns it altered by edit, as a database edited by hand outside the
// library would: a forged status, a changed field, a record rolled back.
// Writes go to the underlying store unchanged. Hosts and process packages
// use it to test that verification and conformance report such a record
// instead of counting it.
//
// The wrapper keeps the optional capabilities of the store it wraps:
// [sms.Loader] and [sms.KeyFinder], when s implements them.
func Tampered[E sms.Entity[E]](s sms.Store[E], id string, edit func(E)) sms.Store[E] {
	t := &tampered[E]{Store: s, id: id, edit: edit}
	l, isLoader := s.(sms.Loader[E])
	k, isFinder := s.(sms.KeyFinder)
	switch {
	case isLoader && isFinder:
		return struct {
			*tampered[E]
			sms.Loader[E]
			sms.KeyFinder
		}{t, l, k}
	case isLoader:
		return struct {
			*tampered[E]
			sms.Loader[E]
		}{t, l}
	case isFinder:
		return struct {
			*tampered[E]
			sms.KeyFinder
		}{t, k}
	}
	return t
}

type tampered[E sms.Entity[E]] struct {
	sms.Store[E]
	id   string
	edit func(E)
}

func (t *tampered[E]) Get(ctx context.Context, id string) (E, error) {
	e, err := t.Store.Get(ctx, id)
	if err == nil && id == t.id {
		t.edit(e)
	}
	return e, err
}

func (t *tampered[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	p, err := t.Store.List(ctx, q)
	for _, e := range p.Items {
		if e.Metadata().ID == t.id {
			t.edit(e)
		}
	}
	return p, err
}
