package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
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
	switch kind {
	case "memory":
		return stores{name: "in-memory", problems: memstore.New[*problem.Problem](), knownErrors: memstore.New[*problem.KnownError](),
			changes: memstore.New[*change.Change](), plans: memstore.New[*change.TransitionPlan](),
			templates: memstore.New[*change.Template](), releases: memstore.New[*release.Release](),
			reviews: memstore.New[*review.Review]()}, func() {}, nil
	case "sqlite":
		cleanup := func() {}
		if dbPath == "" {
			dir, err := os.MkdirTemp("", "sms-changerelease")
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

// closer collects the stores to close.
type closer []interface{ Close() error }

func sqlStore[E sms.Entity[E]](ctx context.Context, db *sql.DB, d sqlstore.Dialect, c *closer, err *error) *sqlstore.Store[E] {
	if *err != nil {
		return nil
	}
	s, e := sqlstore.New[E](ctx, db, d, sqlstore.Options{})
	if e != nil {
		*err = e
		return nil
	}
	*c = append(*c, s)
	return s
}

func sqlStores(ctx context.Context, name string, db *sql.DB, d sqlstore.Dialect, cleanup func()) (stores, func(), error) {
	var (
		c   closer
		err error
	)
	s := stores{name: name}
	problems := sqlStore[*problem.Problem](ctx, db, d, &c, &err)
	kes := sqlStore[*problem.KnownError](ctx, db, d, &c, &err)
	changes := sqlStore[*change.Change](ctx, db, d, &c, &err)
	plans := sqlStore[*change.TransitionPlan](ctx, db, d, &c, &err)
	templates := sqlStore[*change.Template](ctx, db, d, &c, &err)
	releases := sqlStore[*release.Release](ctx, db, d, &c, &err)
	reviews := sqlStore[*review.Review](ctx, db, d, &c, &err)
	closeAll := func() {
		for _, x := range c {
			x.Close()
		}
		db.Close()
		cleanup()
	}
	if err != nil {
		closeAll()
		return stores{}, nil, err
	}
	s.problems, s.knownErrors, s.changes, s.plans, s.templates, s.releases, s.reviews = problems, kes, changes, plans, templates, releases, reviews
	return s, closeAll, nil
}
