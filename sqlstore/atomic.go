package sqlstore

import (
	"context"
	"database/sql"

	"github.com/iso20k/sms"
)

// Atomic commits: one SQL transaction for the writes of every Store on the
// same *sql.DB made with the context Atomically hands out.

type txKey struct{}

type atomicCommit struct {
	db *sql.DB
	tx *sql.Tx
}

// atomicTx returns the transaction of an atomic commit on db that ctx
// carries, or nil.
func atomicTx(ctx context.Context, db *sql.DB) *sql.Tx {
	if a, ok := ctx.Value(txKey{}).(*atomicCommit); ok && a.db == db {
		return a.tx
	}
	return nil
}

// begin returns the transaction a write runs in: the atomic commit's, or
// one of its own (owned: the caller commits it).
func (s *Store[E]) begin(ctx context.Context) (tx *sql.Tx, owned bool, err error) {
	if tx := atomicTx(ctx, s.db); tx != nil {
		return tx, false, nil
	}
	tx, err = s.db.BeginTx(ctx, nil)
	return tx, true, err
}

// reading returns the statement a read runs: inside an atomic commit, the
// transaction's (prepared on the writer's pool when the store reads from
// another), so that it sees the writes before it (and, on SQLite's
// single connection, does not wait for the connection the transaction
// holds).
func (s *Store[E]) reading(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if tx := atomicTx(ctx, s.db); tx != nil {
		if w := s.onWriter[st]; w != nil {
			st = w // the transaction is on the writer's pool
		}
		return tx.StmtContext(ctx, st)
	}
	return st
}

// Atomically implements [sms.Atomic]: one transaction on the store's
// *sql.DB holds the creates, commits and loads of every Store on that
// database made with fn's context (each with its own version check, as
// alone), and their reads; it is committed when fn returns nil and rolled
// back otherwise. A failure of the COMMIT leaves the outcome unknown
// ([*sms.UnknownOutcomeError]). A nested call joins the enclosing
// transaction. Use sms.Atomically, which also holds observers' notifications
// until the commit stands.
func (s *Store[E]) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if atomicTx(ctx, s.db) != nil {
		return fn(ctx)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.failure(ctx, "atomically", "", 0, err)
	}
	if err := fn(context.WithValue(ctx, txKey{}, &atomicCommit{db: s.db, tx: tx})); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return &sms.UnknownOutcomeError{Kind: s.kind, Err: &Error{Op: "atomically", Kind: s.kind, Err: err}}
	}
	return nil
}

// AtomicBackend implements [sms.Atomic]: the store's *sql.DB, whose one
// transaction holds the writes of every Store on it.
func (s *Store[E]) AtomicBackend() any { return s.db }

var _ sms.Atomic = (*Store[*nothing])(nil)

// nothing is an entity type for compile-time interface checks only.
type nothing struct{ sms.Meta }

func (*nothing) EntityKind() sms.Kind       { return "" }
func (*nothing) State() string              { return "" }
func (*nothing) SetState(string)            {}
func (*nothing) Attributes() sms.Attributes { return sms.Attributes{} }
func (n *nothing) Clone() *nothing          { c := *n; return &c }
