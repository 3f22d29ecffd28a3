package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
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
	switch kind {
	case "memory":
		return stores{name: "in-memory", incidents: memstore.New[*incident.Incident](),
			problems: memstore.New[*problem.Problem](), knownErrors: memstore.New[*problem.KnownError](),
			items: memstore.New[*request.Item](), requests: memstore.New[*request.Request](),
			reviews: memstore.New[*review.Review]()}, func() {}, nil
	case "sqlite":
		cleanup := func() {}
		if dbPath == "" {
			dir, err := os.MkdirTemp("", "sms-quickstart")
			if err != nil {
				return stores{}, nil, err
			}
			dbPath = filepath.Join(dir, "sms.db")
			cleanup = func() { os.RemoveAll(dir) }
		}
		db, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			cleanup()
			return stores{}, nil, err
		}
		return sqlStores(ctx, "SQLite ("+dbPath+")", db, sqlite.Dialect{}, cleanup)
	case "postgres":
		if dsn == "" {
			return stores{}, nil, fmt.Errorf("-store postgres needs -dsn or SMS_POSTGRES_DSN")
		}
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return stores{}, nil, err
		}
		return sqlStores(ctx, "PostgreSQL", db, postgres.Dialect{}, func() {})
	}
	return stores{}, nil, fmt.Errorf("unknown store %q: want sqlite, memory or postgres", kind)
}

func sqlStores(ctx context.Context, name string, db *sql.DB, d sqlstore.Dialect, cleanup func()) (stores, func(), error) {
	var closers []func() error
	release := func() {
		for _, c := range closers {
			c()
		}
		db.Close()
		cleanup()
	}
	fail := func(err error) (stores, func(), error) {
		release()
		return stores{}, nil, err
	}
	inc, err := sqlstore.New[*incident.Incident](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, inc.Close)
	prb, err := sqlstore.New[*problem.Problem](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, prb.Close)
	kes, err := sqlstore.New[*problem.KnownError](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, kes.Close)
	items, err := sqlstore.New[*request.Item](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, items.Close)
	reqs, err := sqlstore.New[*request.Request](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, reqs.Close)
	revs, err := sqlstore.New[*review.Review](ctx, db, d, sqlstore.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, revs.Close)
	return stores{name: name, incidents: inc, problems: prb, knownErrors: kes, items: items, requests: reqs, reviews: revs}, release, nil
}
