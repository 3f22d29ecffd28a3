package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeDurability is a GroupDurability that records what it is asked.
// Relax sets a connection setting that Restore resets (so that a test
// sees which connections stayed relaxed); Sync snapshots the committed
// keys through reader, a connection of its own, and then waits for gate
// when there is one.
type fakeDurability struct {
	reader *sql.DB

	mu         sync.Mutex
	events     []string
	snapshots  [][]string // the keys committed when each Sync began
	relaxErr   error
	restoreErr error
	syncErr    error
	started    chan struct{} // when not nil, told of each Sync
	gate       chan struct{} // when not nil, each Sync waits for it
}

func (f *fakeDurability) event(e string) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
}

func (f *fakeDurability) Relax(ctx context.Context, conn *sql.Conn) error {
	f.event("relax")
	if f.relaxErr != nil {
		return f.relaxErr
	}
	_, err := conn.ExecContext(ctx, "PRAGMA cache_size = 1234")
	return err
}

func (f *fakeDurability) Restore(ctx context.Context, conn *sql.Conn) error {
	f.event("restore")
	if f.restoreErr != nil {
		return f.restoreErr
	}
	_, err := conn.ExecContext(ctx, "PRAGMA cache_size = -2000")
	return err
}

func (f *fakeDurability) Sync(ctx context.Context) error {
	rows, err := f.reader.QueryContext(ctx, "SELECT k FROM t")
	if err != nil {
		return err
	}
	var snap []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		snap = append(snap, k)
	}
	rows.Close()
	f.mu.Lock()
	f.snapshots = append(f.snapshots, snap)
	f.events = append(f.events, "sync")
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	return f.syncErr
}

// durableGroup is a Group on groupDB with a fakeDurability reading the
// same file.
func durableGroup(t *testing.T) (*Group, *sql.DB, *fakeDurability) {
	t.Helper()
	db := groupDB(t)
	var file string
	require.NoError(t, db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file))
	reader, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	require.NoError(t, err)
	t.Cleanup(func() { reader.Close() })
	f := &fakeDurability{reader: reader}
	return NewGroupWith(db, 0, f), db, f
}

// TestGroupDurabilityWaitsForSync: a caller returns only after the Sync
// that follows its batch's COMMIT, though the commit is visible before.
func TestGroupDurabilityWaitsForSync(t *testing.T) {
	t.Parallel()
	g, db, f := durableGroup(t)
	f.started, f.gate = make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- g.do(context.Background(), insert(db, "a"), failed) }()
	<-f.started
	select {
	case err := <-done:
		t.Fatalf("the commit returned (%v) while its Sync had not", err)
	default:
	}
	f.mu.Lock()
	assert.Equal(t, [][]string{{"a"}}, f.snapshots, "the Sync began after the COMMIT")
	assert.Equal(t, []string{"relax", "restore", "sync"}, f.events, "the batch's connection relaxed for it alone")
	f.mu.Unlock()
	close(f.gate)
	require.NoError(t, <-done)
	assert.Equal(t, []string{"a"}, keys(t, db))
}

// TestGroupDurabilitySyncFails: a failed Sync makes every commit of the
// batch's outcome unknown; one that failed on its own keeps its error.
func TestGroupDurabilitySyncFails(t *testing.T) {
	t.Parallel()
	g, db, f := durableGroup(t)
	f.syncErr = errors.New("disk gone")
	require.NoError(t, NewGroup(db, 0).do(context.Background(), insert(db, "dup"), failed))
	errs := batched(t, g, nil, insert(db, "a"), insert(db, "dup"), insert(db, "b"))
	for _, i := range []int{0, 2} {
		require.Error(t, errs[i])
		assert.ErrorIs(t, errs[i], f.syncErr)
		assert.ErrorContains(t, errs[i], "unknown", "committed, not known durable")
	}
	require.Error(t, errs[1])
	assert.NotErrorIs(t, errs[1], f.syncErr, "the duplicate failed before the COMMIT")
	assert.Equal(t, []string{"a", "b", "dup"}, keys(t, db), "the COMMIT was made")
}

// TestGroupDurabilityRelaxFails: a batch whose connection cannot be
// relaxed writes nothing and is not synced.
func TestGroupDurabilityRelaxFails(t *testing.T) {
	t.Parallel()
	g, db, f := durableGroup(t)
	f.relaxErr = errors.New("cannot relax")
	err := g.do(context.Background(), insert(db, "a"), failed)
	require.ErrorIs(t, err, f.relaxErr)
	assert.NotContains(t, err.Error(), "unknown", "nothing was written")
	assert.Empty(t, keys(t, db))
	f.mu.Lock()
	assert.Equal(t, []string{"relax"}, f.events)
	f.mu.Unlock()
}

// TestGroupDurabilityRestoreFails: a connection that might stay relaxed
// leaves the pool, so that no other write runs on it.
func TestGroupDurabilityRestoreFails(t *testing.T) {
	t.Parallel()
	g, db, f := durableGroup(t)
	f.restoreErr = errors.New("cannot restore")
	require.NoError(t, g.do(context.Background(), insert(db, "a"), failed), "the batch committed and synced")
	var cache int
	require.NoError(t, db.QueryRow("PRAGMA cache_size").Scan(&cache))
	assert.Equal(t, -2000, cache, "the next write's connection is not the relaxed one")

	f.restoreErr = nil
	require.NoError(t, g.do(context.Background(), insert(db, "b"), failed))
	require.NoError(t, db.QueryRow("PRAGMA cache_size").Scan(&cache))
	assert.Equal(t, -2000, cache, "restored")
}

// TestGroupDurabilityConcurrent: many writers; every commit returns
// after a Sync that saw it committed, and commits go on while a Sync
// runs (fewer Syncs than batches would otherwise need).
func TestGroupDurabilityConcurrent(t *testing.T) {
	t.Parallel()
	g, db, f := durableGroup(t)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				k := string(rune('A'+w)) + string(rune('a'+i))
				if !assert.NoError(t, g.do(context.Background(), insert(db, k), failed)) {
					return
				}
				f.mu.Lock()
				synced := slices.ContainsFunc(f.snapshots, func(s []string) bool { return slices.Contains(s, k) })
				f.mu.Unlock()
				assert.True(t, synced, "%s returned before a Sync that began after its COMMIT", k)
			}
		})
	}
	wg.Wait()
	assert.Len(t, keys(t, db), 320)
	g.mu.Lock()
	assert.False(t, g.running || g.syncing, "no goroutine left")
	assert.Empty(t, g.synced)
	g.mu.Unlock()
	f.mu.Lock()
	relax, restore := 0, 0
	for _, e := range f.events {
		switch e {
		case "relax":
			relax++
		case "restore":
			restore++
		}
	}
	f.mu.Unlock()
	assert.Equal(t, relax, restore, "every relaxed connection restored")
}
