package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// groupDB is a SQLite database with one connection and a table of rows
// with a unique key, for the group's own tests.
func groupDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "g.db")+"?_txlock=immediate&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec("CREATE TABLE t (k TEXT PRIMARY KEY)")
	require.NoError(t, err)
	return db
}

// insert is a commit that inserts key k in the transaction its context
// carries.
func insert(db *sql.DB, k string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		tx := atomicTx(ctx, db)
		if tx == nil {
			return errors.New("not in the batch's transaction")
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO t (k) VALUES (?)", k)
		return err
	}
}

func failed(err error, committing bool) error {
	if committing {
		return errors.Join(errors.New("unknown"), err)
	}
	return err
}

func keys(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT k FROM t ORDER BY k")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		out = append(out, k)
	}
	return out
}

// batched runs the writes as batches: they are queued, in order, before
// the first starts.
func batched(t *testing.T, g *Group, ctxs []context.Context, writes ...func(context.Context) error) []error {
	t.Helper()
	// Hold the batch back until every write is queued, once the batches of
	// the set-up's writes are done: a run still finishing them would pick
	// the first write up as it is queued.
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.running {
			return false
		}
		g.running = true
		return true
	}, 5*time.Second, time.Millisecond)
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if ctxs != nil {
				ctx = ctxs[i]
			}
			errs[i] = g.do(ctx, w, failed)
		}()
		// Queued in order.
		require.Eventually(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == i+1 }, 5*time.Second, time.Millisecond)
	}
	g.run()
	wg.Wait()
	return errs
}

// TestGroupBatchKeepsEachCommitsOutcome: in one batch, a commit that fails
// is rolled back alone and gets its error; the others are committed.
func TestGroupBatchKeepsEachCommitsOutcome(t *testing.T) {
	t.Parallel()
	db := groupDB(t)
	g := NewGroup(db, 0)
	require.NoError(t, g.do(context.Background(), insert(db, "taken"), failed))
	errs := batched(t, g, nil, insert(db, "a"), insert(db, "taken"), insert(db, "b"))
	require.NoError(t, errs[0])
	require.Error(t, errs[1], "a unique key taken: this commit fails")
	require.NoError(t, errs[2])
	assert.Equal(t, []string{"a", "b", "taken"}, keys(t, db))
}

// TestGroupBatchOfFailures writes nothing.
func TestGroupBatchOfFailures(t *testing.T) {
	t.Parallel()
	db := groupDB(t)
	g := NewGroup(db, 0)
	require.NoError(t, g.do(context.Background(), insert(db, "x"), failed))
	errs := batched(t, g, nil, insert(db, "x"), insert(db, "x"))
	assert.Error(t, errs[0])
	assert.Error(t, errs[1])
	assert.Equal(t, []string{"x"}, keys(t, db))
}

// TestGroupCancelledBeforeItsBatch: a commit whose context ends before its
// batch begins writes nothing and returns the context's error.
func TestGroupCancelledBeforeItsBatch(t *testing.T) {
	t.Parallel()
	db := groupDB(t)
	g := NewGroup(db, 0)
	// In a batch, not yet begun: the commit before it ends its context.
	ctx, cancel := context.WithCancel(context.Background())
	first := func(c context.Context) error { cancel(); return insert(db, "kept")(c) }
	errs := batched(t, g, []context.Context{context.Background(), ctx}, first, insert(db, "dropped"))
	require.NoError(t, errs[0])
	assert.ErrorIs(t, errs[1], context.Canceled)
	assert.Equal(t, []string{"kept"}, keys(t, db))

	// Waiting, not yet in a batch: it leaves the queue.
	g.mu.Lock()
	g.running = true
	g.mu.Unlock()
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.do(ctx, insert(db, "left"), failed) }()
	require.Eventually(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	g.mu.Lock()
	assert.Empty(t, g.queue, "it left the queue")
	g.running = false
	g.mu.Unlock()
	assert.Equal(t, []string{"kept"}, keys(t, db))
}

// TestGroupBatchesAreBounded: no batch holds more than the group's size.
func TestGroupBatchesAreBounded(t *testing.T) {
	t.Parallel()
	db := groupDB(t)
	g := NewGroup(db, 2)
	var mu sync.Mutex
	sizes := map[*sql.Tx]int{}
	count := func(ctx context.Context) error {
		mu.Lock()
		sizes[atomicTx(ctx, db)]++
		mu.Unlock()
		return nil
	}
	batched(t, g, nil, count, count, count, count, count)
	require.Len(t, sizes, 3, "five commits in batches of at most two")
	for _, n := range sizes {
		assert.LessOrEqual(t, n, 2)
	}
}

// TestGroupConcurrentWriters: many writers, every commit written once.
func TestGroupConcurrentWriters(t *testing.T) {
	t.Parallel()
	db := groupDB(t)
	g := NewGroup(db, 0)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				assert.NoError(t, g.do(context.Background(), insert(db, string(rune('A'+w))+string(rune('a'+i))), failed))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, keys(t, db), 320)
	g.mu.Lock()
	assert.False(t, g.running, "no batch left running")
	g.mu.Unlock()
}
