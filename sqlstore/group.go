package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Group is group commit for the Stores on one *sql.DB: the commits that
// arrive while one is being made durable wait, and go together into the
// next transaction, so that one sync of the disk makes a batch durable
// rather than one commit. On SQLite, whose single writer connection
// serialises every commit, it is what lets many concurrent writers share
// the disk's flushes. Give the same Group to every Store on the database
// ([Options].Group).
//
// Each commit in a batch keeps its own checks: it runs under a savepoint
// of the batch's transaction, and one that fails (a stale version, an
// existing ID, a broken journal) is rolled back to its savepoint and gets
// its own error, while the others go on. Every caller returns only once
// the batch's COMMIT is made, durable as the database's settings make a
// commit durable; when the COMMIT itself fails, every commit of the batch
// that had succeeded gets an [*sms.UnknownOutcomeError], as a commit alone
// would. A caller whose context ends before its commit joins a batch
// returns the context's error, having written nothing; one that ends after
// waits for the batch (which no caller's context can cancel).
//
// The batching needs no goroutine of its own beyond the one that runs a
// batch while commits are waiting, which ends when none is: a Group holds
// nothing to close. A Group is safe for concurrent use.
type Group struct {
	db  *sql.DB
	max int

	mu      sync.Mutex
	queue   []*groupReq
	running bool

	// The savepoint statements, prepared on the database by the first
	// batch that needs them (by run, one goroutine at a time), before its
	// transaction holds what may be the database's only connection.
	savepoint [3]*sql.Stmt
}

// The savepoint of each commit in a batch: taken, released, rolled back to.
const (
	spTake = iota
	spRelease
	spRollback
)

var savepointSQL = [3]string{"SAVEPOINT sms_group", "RELEASE SAVEPOINT sms_group", "ROLLBACK TO SAVEPOINT sms_group"}

// prepare prepares the savepoint statements unless they are.
func (g *Group) prepare(ctx context.Context) error {
	for k, q := range savepointSQL {
		if g.savepoint[k] != nil {
			continue
		}
		st, err := g.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		g.savepoint[k] = st
	}
	return nil
}

// sp runs savepoint statement k, prepared, in tx.
func (g *Group) sp(ctx context.Context, tx *sql.Tx, k int) error {
	_, err := tx.StmtContext(ctx, g.savepoint[k]).ExecContext(ctx)
	return err
}

// DefaultGroupSize is the largest batch a Group makes unless told
// otherwise.
const DefaultGroupSize = 64

// NewGroup returns a Group for the Stores on db, making batches of at most
// max commits (DefaultGroupSize when max is 0 or less).
func NewGroup(db *sql.DB, max int) *Group {
	if max <= 0 {
		max = DefaultGroupSize
	}
	return &Group{db: db, max: max}
}

// groupReq is one commit waiting for a batch.
type groupReq struct {
	ctx context.Context
	// write makes the commit's writes in the transaction the context it
	// is given carries.
	write func(ctx context.Context) error
	// failed turns a failure of the batch into the commit's error: of its
	// COMMIT (committing: the outcome is unknown) or before it (nothing
	// was written).
	failed func(err error, committing bool) error
	picked bool // taken into a batch
	done   chan struct{}
	err    error
}

// do runs write as part of the next batch and returns its outcome.
func (g *Group) do(ctx context.Context, write func(ctx context.Context) error, failed func(err error, committing bool) error) error {
	r := &groupReq{ctx: ctx, write: write, failed: failed, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if !g.running {
		g.running = true
		go g.run()
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
	}
	g.mu.Lock()
	if !r.picked {
		for i, q := range g.queue {
			if q == r {
				g.queue = append(g.queue[:i], g.queue[i+1:]...)
				break
			}
		}
		g.mu.Unlock()
		return ctx.Err() // not begun: nothing written
	}
	g.mu.Unlock()
	<-r.done // in a batch under way: its outcome is the caller's
	return r.err
}

// run makes batches while commits are waiting.
func (g *Group) run() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), g.max)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := make([]*groupReq, n)
		copy(batch, g.queue)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		for _, r := range batch {
			r.picked = true
		}
		g.mu.Unlock()
		g.commit(batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// commit runs one batch in one transaction.
func (g *Group) commit(batch []*groupReq) {
	ctx := context.Background()
	// A batch of one needs no savepoint: its failure rolls back all.
	savepoints := len(batch) > 1
	if savepoints {
		if err := g.prepare(ctx); err != nil {
			for _, r := range batch {
				r.err = r.failed(err, false)
			}
			return
		}
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.err = r.failed(err, false)
		}
		return
	}
	a := &atomicCommit{db: g.db, tx: tx}
	ok := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // not begun: nothing written
			continue
		}
		ctx := context.WithValue(context.WithoutCancel(r.ctx), txKey{}, a)
		if savepoints {
			if err := g.sp(ctx, tx, spTake); err != nil {
				g.abort(tx, batch, err)
				return
			}
		}
		r.err = r.write(ctx)
		switch {
		case r.err == nil:
			ok++
			if savepoints {
				if err := g.sp(ctx, tx, spRelease); err != nil {
					g.abort(tx, batch, err)
					return
				}
			}
		case savepoints:
			if err := g.sp(ctx, tx, spRollback); err != nil {
				g.abort(tx, batch, err)
				return
			}
			if err := g.sp(ctx, tx, spRelease); err != nil {
				g.abort(tx, batch, err)
				return
			}
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			if r.err == nil {
				r.err = r.failed(err, true)
			}
		}
	}
}

// abort rolls the batch back after its transaction failed between
// commits: nothing of it is written, and every commit that had succeeded,
// or was still to run, gets the failure.
func (g *Group) abort(tx *sql.Tx, batch []*groupReq, err error) {
	_ = tx.Rollback()
	for _, r := range batch {
		if r.err == nil {
			r.err = r.failed(err, false)
		}
	}
}
