package main

import (
	"context"
	"errors"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/examples/internal/backend"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/review"
)

// stores are the stores the story's services run on: one per kind of
// record, all of them the same generic implementation.
type stores struct {
	name        string
	problems    sms.Store[*problem.Problem]
	knownErrors sms.Store[*problem.KnownError]
	changes     sms.Store[*change.Change]
	plans       sms.Store[*change.TransitionPlan]
	templates   sms.Store[*change.Template]
	releases    sms.Store[*release.Release]
	reviews     sms.Store[*review.Review]
}

// openStores opens the chosen backend and returns its stores and a function
// that releases them.
func openStores(ctx context.Context, kind, dbPath, dsn string) (stores, func(), error) {
	b, err := backend.Open(ctx, backend.Flags{Store: kind, DB: dbPath, DSN: dsn, Temp: "sms-changerelease"})
	if err != nil {
		return stores{}, nil, err
	}
	s := stores{name: b.Name}
	if err := errors.Join(
		backend.Into(ctx, b, &s.problems),
		backend.Into(ctx, b, &s.knownErrors),
		backend.Into(ctx, b, &s.changes),
		backend.Into(ctx, b, &s.plans),
		backend.Into(ctx, b, &s.templates),
		backend.Into(ctx, b, &s.releases),
		backend.Into(ctx, b, &s.reviews),
	); err != nil {
		b.Close()
		return stores{}, nil, err
	}
	return s, b.Close, nil
}
