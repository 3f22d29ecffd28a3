package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/iso20k/sms"
)

// Atomic commits: one SQL transaction for the writes of every Store on the
// same *sql.DB made with the context Atomically hands out.

type txKey struct{}

type atomicCommit struct {
	db *sql.DB
	tx *sql.Tx
	// host: the transaction is the host's (see WithTx): each write runs
	// under a savepoint.
	host bool
}

// atomicTx returns the transaction of an atomic commit on db that ctx
// carries, or nil.
func atomicTx(ctx context.Context, db *sql.DB) *sql.Tx {
	if a := commitOf(ctx, db); a != nil {
		return a.tx
	}
	return nil
}

// commitOf returns the atomic commit (or host transaction) on db that ctx
// carries, or nil.
func commitOf(ctx context.Context, db *sql.DB) *atomicCommit {
	if a, ok := ctx.Value(txKey{}).(*atomicCommit); ok && a.db == db {
		return a
	}
	return nil
}

// savepointName names the savepoint of a write in a host's transaction;
// nested ones (an atomic commit's writes inside it) reuse the name, which
// both engines resolve to the innermost.
const savepointName = "sms_write"

// hostTx returns the host's transaction on db (see WithTx) that ctx
// carries, or nil.
func hostTx(ctx context.Context, db *sql.DB) *atomicCommit {
	if a := commitOf(ctx, db); a != nil && a.host {
		return a
	}
	return nil
}

// guarded runs write in the host's transaction under a savepoint, rolled
// back to when write fails, so that a refused or failed write leaves the
// host's transaction as it was and usable (PostgreSQL aborts a whole
// transaction on a failed statement otherwise).
func (a *atomicCommit) guarded(ctx context.Context, write func() error) error {
	if _, err := a.tx.ExecContext(ctx, "SAVEPOINT "+savepointName); err != nil {
		return &Error{Op: "savepoint", Err: err}
	}
	if err := write(); err != nil {
		if _, rerr := a.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+savepointName); rerr != nil {
			return &Error{Op: "savepoint", Err: errors.Join(err, rerr)}
		}
		if _, rerr := a.tx.ExecContext(context.WithoutCancel(ctx), "RELEASE SAVEPOINT "+savepointName); rerr != nil {
			return &Error{Op: "savepoint", Err: errors.Join(err, rerr)}
		}
		return err
	}
	if _, err := a.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+savepointName); err != nil {
		return &Error{Op: "savepoint", Err: err}
	}
	return nil
}

// WithTx returns a context in which every [Store] on db reads and writes
// in tx, a transaction the host began on db, so that the host's own writes
// and the library's transitions commit or roll back together; and the
// [sms.Deferred] that holds the observers' notifications until the host
// says how tx ended.
//
// The stores never commit or roll back tx. Each of their writes runs under
// a savepoint: a transition that is refused, or whose commit fails (a
// version conflict, a taken ID), leaves tx as it was, and the host may go
// on or roll back. [sms.Atomically] and [Store.Atomically] join tx, under a
// savepoint of their own. Group commit does not apply: the writes are the
// host's transaction's. On SQLite, whose database sqlite.Open gives one
// connection, the stores' reads use tx too, so nothing waits for the
// connection tx holds.
//
// After tx.Commit succeeds, the host calls Committed on the Deferred, which
// delivers the notifications with ctx (not one carrying tx); after a
// rollback, RolledBack. A failed tx.Commit leaves the outcome unknown, as
// for any transaction: call RolledBack, then read the entity again (its
// version and journal say whether the transition stands) before retrying,
// preferably under an idempotency key (sms.WithIdempotencyKey).
//
// Stores on another *sql.DB than db do not use tx: they commit on their
// own, as outside WithTx. WithTx refuses neither a nil db nor a nil tx:
// the stores then write as if it had not been called. Nested calls bind
// the innermost tx.
func WithTx(ctx context.Context, db *sql.DB, tx *sql.Tx) (context.Context, *sms.Deferred) {
	ctx, d := sms.Defer(ctx)
	if db == nil || tx == nil {
		return ctx, d
	}
	return context.WithValue(ctx, txKey{}, &atomicCommit{db: db, tx: tx, host: true}), d
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
	if h := hostTx(ctx, s.db); h != nil {
		return h.guarded(ctx, func() error { return fn(ctx) })
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
