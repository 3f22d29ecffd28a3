package main

import (
	"context"
	"errors"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/examples/internal/backend"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
)

// stores are the stores the story's services run on.
type stores struct {
	name        string
	incidents   sms.Store[*incident.Incident]
	problems    sms.Store[*problem.Problem]
	knownErrors sms.Store[*problem.KnownError]
	items       sms.Store[*request.Item]
	requests    sms.Store[*request.Request]
	reviews     sms.Store[*review.Review]
}

// openStores opens the chosen backend and returns its stores and a function
// that releases them.
func openStores(ctx context.Context, kind, dbPath, dsn string) (stores, func(), error) {
	b, err := backend.Open(ctx, backend.Flags{Store: kind, DB: dbPath, DSN: dsn, Temp: "sms-quickstart"})
	if err != nil {
		return stores{}, nil, err
	}
	s := stores{name: b.Name}
	if err := errors.Join(
		backend.Into(ctx, b, &s.incidents),
		backend.Into(ctx, b, &s.problems),
		backend.Into(ctx, b, &s.knownErrors),
		backend.Into(ctx, b, &s.items),
		backend.Into(ctx, b, &s.requests),
		backend.Into(ctx, b, &s.reviews),
	); err != nil {
		b.Close()
		return stores{}, nil, err
	}
	return s, b.Close, nil
}
