// Package backend opens the store backend an example runs on, chosen by
// its -store flag: "sqlite" (the embedded default, in a file of its own
// unless -db names one), "memory", or "postgres" (on the server -dsn or
// SMS_POSTGRES_DSN names). Every kind of record gets the same generic store
// of the backend: this is all the storage code a host needs.
package backend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// Backend is an open backend: its name for the story, and the database of
// a SQL one.
type Backend struct {
	// Name says which backend it is, such as "SQLite (/tmp/sms.db)".
	Name    string
	db      *sql.DB
	dialect sqlstore.Dialect
	closers []func() error
	cleanup func()
}

// Flags are an example's choice of backend.
type Flags struct {
	// Store is "sqlite", "memory" or "postgres".
	Store string
	// DB is the SQLite file; a temporary one, removed on Close, when
	// empty, in a directory named after Temp.
	DB, Temp string
	// DSN names the PostgreSQL server.
	DSN string
}

// Open opens the backend the flags choose.
func Open(ctx context.Context, f Flags) (*Backend, error) {
	kind, dbPath, dsn := f.Store, f.DB, f.DSN
	switch kind {
	case "memory":
		return &Backend{Name: "in-memory"}, nil
	case "sqlite":
		b := &Backend{dialect: sqlite.Dialect{}}
		if dbPath == "" {
			dir, err := os.MkdirTemp("", f.Temp)
			if err != nil {
				return nil, err
			}
			dbPath = filepath.Join(dir, "sms.db")
			b.cleanup = func() { os.RemoveAll(dir) }
		}
		db, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Name, b.db = "SQLite ("+dbPath+")", db
		return b, nil
	case "postgres":
		if dsn == "" {
			return nil, errors.New("-store postgres needs -dsn or SMS_POSTGRES_DSN")
		}
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return &Backend{Name: "PostgreSQL", db: db, dialect: postgres.Dialect{}}, nil
	}
	return nil, fmt.Errorf("unknown store %q: want sqlite, memory or postgres", kind)
}

// Store returns a store of E on the backend: a memstore, or a sqlstore on
// its database, closed with the backend.
func Store[E sms.Entity[E]](ctx context.Context, b *Backend) (sms.Store[E], error) {
	if b.db == nil {
		return memstore.New[E](), nil
	}
	s, err := sqlstore.New[E](ctx, b.db, b.dialect, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, s.Close)
	return s, nil
}

// Close releases the stores, the database and a temporary file.
func (b *Backend) Close() {
	for _, c := range b.closers {
		c()
	}
	if b.db != nil {
		b.db.Close()
	}
	if b.cleanup != nil {
		b.cleanup()
	}
}

// Into opens a store of E on the backend into dst (see [Store]).
func Into[E sms.Entity[E]](ctx context.Context, b *Backend, dst *sms.Store[E]) error {
	s, err := Store[E](ctx, b)
	*dst = s
	return err
}
