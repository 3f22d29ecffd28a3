package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"github.com/iso20k/sms"
)

// Atomic commits: one SQL transaction for the writes of every Store on the
// same *sql.DB made with the context Atomically hands out.

type txKey struct{}

// atomicCommit is the transaction the Stores on db use: an atomic
// commit's (see Store.Atomically) or the host's (see WithTx). A context
// carries one at most.
type atomicCommit struct {
	db *sql.DB
	tx *sql.Tx
	// host: the transaction is the host's (see WithTx): each write runs
	// under a savepoint.
	host bool
	// checked: a statement prepared on db was taken into tx, so tx is
	// db's (host transactions only; database/sql refuses another's).
	checked atomic.Bool
}

// commitOf returns the atomic commit or host transaction on db that ctx
// carries, or nil.
func commitOf(ctx context.Context, db *sql.DB) *atomicCommit {
	if a, ok := ctx.Value(txKey{}).(*atomicCommit); ok && a.db == db {
		return a
	}
	return nil
}

// atomicTx returns the transaction on db that ctx carries, or nil.
func atomicTx(ctx context.Context, db *sql.DB) *sql.Tx {
	if a := commitOf(ctx, db); a != nil {
		return a.tx
	}
	return nil
}

// hostTx says where a write of a store on db goes when ctx carries a
// host's transaction (see WithTx): into the host's transaction on db it
// returns; or nowhere, with the error it returns, when the host's
// transaction is another database's (the write would commit on its own,
// whatever the host's transaction does) or nil. Both are nil when ctx
// carries no host's transaction: the write commits as usual, perhaps in
// an atomic commit.
func hostTx(ctx context.Context, db *sql.DB, kind sms.Kind) (*atomicCommit, error) {
	a, ok := ctx.Value(txKey{}).(*atomicCommit)
	switch {
	case !ok || !a.host:
		return nil, nil
	case a.db != db:
		return nil, &sms.ValidationError{Kind: kind, Field: "ctx", Problem: errOtherDB}
	case a.tx == nil:
		return nil, &sms.ValidationError{Kind: kind, Field: "ctx", Problem: errNilTx}
	}
	return a, nil
}

// Problems of a host's transaction, as a [*sms.ValidationError] says them.
const (
	errNilTx   = "sqlstore.WithTx was given a nil *sql.Tx: nothing is written in it; begin the transaction first"
	errOtherDB = "carries a host's transaction (sqlstore.WithTx) on another *sql.DB than the store's: " +
		"the write would commit on its own whatever the host's transaction does; give WithTx the store's *sql.DB " +
		"and a transaction begun on it, or write with a context that carries no host's transaction"
)

// check proves, once, that the host's transaction is of the database st
// was prepared on: database/sql refuses to take a statement of another
// *sql.DB into a transaction ("statement from different database used"),
// before anything reaches the database.
func (a *atomicCommit) check(ctx context.Context, st *sql.Stmt) error {
	if !a.host || a.checked.Load() {
		return nil
	}
	if err := a.tx.StmtContext(ctx, st).Close(); err != nil {
		return err
	}
	a.checked.Store(true)
	return nil
}

// savepointName names the savepoint of a write in a host's transaction;
// nested ones (an atomic commit's writes inside it) reuse the name, which
// both engines resolve to the innermost.
const savepointName = "sms_write"

// guarded runs write in the host's transaction under a savepoint, rolled
// back to when write fails, so that a refused or failed write leaves the
// host's transaction as it was and usable (PostgreSQL aborts a whole
// transaction on a failed statement otherwise). probe is a statement
// prepared on the writer's database, for check.
func (a *atomicCommit) guarded(ctx context.Context, probe *sql.Stmt, write func() error) error {
	if err := a.check(ctx, probe); err != nil {
		return &Error{Op: "savepoint", Err: err}
	}
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

// WithTx returns a context in which every [Store] and [Vault] on db reads
// and writes in tx, a transaction the host began on db, so that the host's
// own writes and the library's transitions commit or roll back together;
// and the [sms.Deferred] that holds the observers' notifications until
// the host says how tx ended.
//
//	tx, err := db.BeginTx(ctx, nil)
//	inTx, after := sqlstore.WithTx(ctx, db, tx)
//	// the host's own statements on tx, transitions with inTx
//	if err := tx.Commit(); err != nil {
//		after.RolledBack() // unknown outcome: read the incident again before retrying
//		log.Fatal(err)
//	}
//	after.Committed()
//
// The stores never commit or roll back tx: the COMMIT is the host's. Each
// of their writes runs under a savepoint: a transition that is refused, or
// whose write fails (a version conflict, a taken ID or idempotency key, a
// value the database refuses), leaves tx as it was, and the host may go on
// or roll back. A conflict means the entity changed since tx read it: at
// repeatable read or serializable isolation, tx would read the same again,
// so roll it back and retry the host's action in a new one.
// [sms.Atomically] and [Store.Atomically] join tx, under a
// savepoint of their own. Group commit ([Options.Group]) does not apply:
// the writes go straight into tx. The stores' reads use tx too, so they see
// what was written in it and, on SQLite (whose database sqlite.Open gives
// one connection), do not wait for the connection tx holds. Use the
// context from one goroutine at a time: concurrent writes in one
// transaction would interleave their savepoints.
//
// Once tx.Commit succeeded, the host calls [sms.Deferred.Committed], which
// delivers the notifications with ctx (not a context carrying tx, so what
// the observers write is not written in the transaction just committed);
// after a rollback, [sms.Deferred.RolledBack], which drops them; calling
// neither drops them too. An error from tx.Commit leaves the outcome
// unknown, as for any transaction: call RolledBack (the observers are not
// told of what may not have happened), then read the entity again, whose
// version and journal say whether each transition stands, before retrying;
// with an idempotency key (sms.WithIdempotencyKey) a retry returns what
// stands and applies the rest once.
//
// A store on another *sql.DB than db is not silently left out: its reads
// and writes with ctx are refused with a [*sms.ValidationError] (Field
// "ctx") and write nothing, for a write would commit on its own whatever
// tx does (and on SQLite a read could wait for a connection the host's
// other transaction holds). A context carries one host's transaction: a
// WithTx on a context that carries one replaces it, so a host with
// transactions on two databases gives each its own context (from ctx),
// and its own Deferred. A tx begun on another *sql.DB than db is refused
// by database/sql: every read and write of the stores on db with ctx
// returns an error naming it ("statement from different database used"),
// and nothing is written in either database. With a nil tx the reads and
// writes of the stores on db are refused with a [*sms.ValidationError]; a
// nil db binds no store, so every store refuses them as on another
// database. A [Vault] does as a Store; an [Evidence] refuses a context
// that carries a host's transaction.
func WithTx(ctx context.Context, db *sql.DB, tx *sql.Tx) (context.Context, *sms.Deferred) {
	ctx, d := sms.Defer(ctx)
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

// reading returns the statement a read runs: inside an atomic commit or
// the host's transaction, the transaction's (prepared on the writer's
// pool when the store reads from another), so that it sees the writes
// before it (and, on SQLite's single connection, does not wait for the
// connection the transaction holds). A context that carries a host's
// transaction the store cannot use (another database's, or nil) is
// refused, as for a write: on SQLite a read outside it could wait for the
// connection it holds until the context ends.
func (s *Store[E]) reading(ctx context.Context, st *sql.Stmt) (*sql.Stmt, error) {
	if _, err := hostTx(ctx, s.db, s.kind); err != nil {
		return nil, err
	}
	if tx := atomicTx(ctx, s.db); tx != nil {
		if w := s.onWriter[st]; w != nil {
			st = w // the transaction is on the writer's pool
		}
		return tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// Atomically implements [sms.Atomic]: one transaction on the store's
// *sql.DB holds the creates, commits and loads of every Store on that
// database made with fn's context (each with its own version check, as
// alone), and their reads; it is committed when fn returns nil and rolled
// back otherwise. A failure of the COMMIT leaves the outcome unknown
// ([*sms.UnknownOutcomeError]). A nested call joins the enclosing
// transaction; inside a host's transaction ([WithTx]) it joins that one,
// under a savepoint fn's failure rolls back to. Use sms.Atomically, which
// also holds observers' notifications until the commit stands.
func (s *Store[E]) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h, err := hostTx(ctx, s.db, s.kind)
	if err != nil {
		return err
	}
	if h != nil {
		return h.guarded(ctx, s.current, func() error { return fn(ctx) })
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

// ReadsConcurrently implements [sms.ConcurrentReader]: reads run on
// several goroutines at once outside a transaction (an atomic commit or a
// host's, whose one connection they share), when the pool they read from
// has more than one connection.
func (s *Store[E]) ReadsConcurrently(ctx context.Context) bool {
	if _, in := ctx.Value(txKey{}).(*atomicCommit); in {
		return false
	}
	return s.rdb.Stats().MaxOpenConnections != 1
}
