package storetest

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
)

func hostTxTests() []struct {
	name string
	run  func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"HostTxCommitsTogether", testHostTxCommit},
		{"HostTxRollbackLeavesNeither", testHostTxRollback},
		{"HostTxRefusalLetsHostGoOn", testHostTxRefusal},
		{"HostTxAtomicallyFailureTakesBack", testHostTxAtomically},
	}
}

// hostFixture is a host with a table of its own (conversations, as a
// helpdesk has) beside the library's, one conversation per incident, and
// an incident service whose observer records what it hears.
type hostFixture struct {
	t     *testing.T
	h     Harness
	db    *sql.DB
	svc   *incident.Service
	store *sqlstore.Store[*incident.Incident]

	mu    sync.Mutex
	heard []string // trigger of each notification
}

func newHostFixture(t *testing.T, h Harness) *hostFixture {
	f := &hostFixture{t: t, h: h, db: h.Open(t)}
	_, err := f.db.ExecContext(bg(), "CREATE TABLE host_conversations (id TEXT PRIMARY KEY, status TEXT NOT NULL)")
	require.NoError(t, err)
	f.store = NewStore[*incident.Incident](t, h, f.db)
	f.svc, err = incident.NewService(f.store, incident.Config{Options: sms.Options{Now: Clock(),
		Observer: sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.heard = append(f.heard, ev.Entry.Trigger)
			return nil
		})}})
	require.NoError(t, err)
	return f
}

func (f *hostFixture) heardNow() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.heard...)
}

// open makes a conversation with its incident in progress.
func (f *hostFixture) open(id string) {
	WorkedIncident(f.t, f.svc, id)
	_, err := Exec(f.t, f.h, f.db, "INSERT INTO host_conversations (id, status) VALUES (?, 'open')", id)
	require.NoError(f.t, err)
	f.mu.Lock()
	f.heard = nil
	f.mu.Unlock()
}

func (f *hostFixture) conversation(id string) string {
	var status string
	require.NoError(f.t, f.db.QueryRowContext(bg(), Rebind(f.h.Dialect, "SELECT status FROM host_conversations WHERE id = ?"), id).Scan(&status))
	return status
}

func (f *hostFixture) setConversation(ctx context.Context, tx *sql.Tx, id, status string) {
	_, err := tx.ExecContext(ctx, Rebind(f.h.Dialect, "UPDATE host_conversations SET status = ? WHERE id = ?"), status, id)
	require.NoError(f.t, err)
}

// incident returns the stored incident's status, version and journal
// length.
func (f *hostFixture) incident(id string) (string, int64, int) {
	inc, err := f.svc.Get(bg(), id)
	require.NoError(f.t, err)
	j, err := f.svc.Journal(bg(), id)
	require.NoError(f.t, err)
	require.NoError(f.t, f.svc.Verify(bg(), id))
	return string(inc.Status), inc.Version, len(j)
}

// deadline is the bound of every host action: on SQLite's single
// connection a library call that waited for the connection the host's
// transaction holds would run into it.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(bg(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testHostTxCommit(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	_, v0, n0 := f.incident("INC-host")
	ctx := deadline(t)
	tx, err := f.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	f.setConversation(ctx, tx, "INC-host", "snoozed")
	got, err := f.svc.Hold(inTx, Actor(), "INC-host", incident.Suspension{Reason: incident.HoldCaller})
	require.NoError(t, err, "a transition inside the host's transaction")
	assert.Equal(t, incident.StatusOnHold, got.Status)
	_, err = f.svc.AddNote(inTx, Actor(), "INC-host", incident.Note{Text: "asked the caller"})
	require.NoError(t, err, "the second transition reads the first, in the transaction")
	assert.Empty(t, f.heardNow(), "observers wait for the host's commit")
	assert.Equal(t, 2, after.Pending())
	require.NoError(t, tx.Commit())
	after.Committed()
	after.Committed() // once only
	assert.Equal(t, []string{"hold", "note"}, f.heardNow())
	assert.Equal(t, "snoozed", f.conversation("INC-host"))
	status, v, n := f.incident("INC-host")
	assert.Equal(t, string(incident.StatusOnHold), status)
	assert.Equal(t, v0+2, v)
	assert.Equal(t, n0+2, n)
}

func testHostTxRollback(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	s0, v0, n0 := f.incident("INC-host")
	ctx := deadline(t)
	tx, err := f.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	f.setConversation(ctx, tx, "INC-host", "snoozed")
	_, err = f.svc.Hold(inTx, Actor(), "INC-host", incident.Suspension{Reason: incident.HoldCaller})
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	after.RolledBack()
	after.Committed() // too late: the first call counts
	assert.Empty(t, f.heardNow(), "a rolled-back transition is never heard of")
	assert.Equal(t, "open", f.conversation("INC-host"))
	s, v, n := f.incident("INC-host")
	assert.Equal(t, s0, s, "the host rolled back: the incident did not change")
	assert.Equal(t, v0, v)
	assert.Equal(t, n0, n)
}

func testHostTxRefusal(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	s0, v0, n0 := f.incident("INC-host")
	ctx := deadline(t)
	tx, err := f.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	f.setConversation(ctx, tx, "INC-host", "pending")

	// Refused by the workflow: nothing reaches the database.
	_, err = f.svc.Close(inTx, Actor(), "INC-host", incident.Closure{})
	require.ErrorIs(t, err, sms.ErrTransition)
	// Refused by the database: a taken ID (PostgreSQL aborts the whole
	// transaction on the failed INSERT without the savepoint).
	_, err = f.svc.Log(inTx, Actor(), Report("INC-host"))
	require.ErrorIs(t, err, sms.ErrExists)
	// A stale version.
	inc, err := f.store.Get(inTx, "INC-host")
	require.NoError(t, err)
	j, err := f.store.Journal(inTx, "INC-host")
	require.NoError(t, err)
	stale := j[len(j)-1]
	err = f.store.Commit(inTx, inc, inc.Version-1, []sms.Entry{stale})
	require.Error(t, err)
	require.True(t, errors.Is(err, sms.ErrConflict) || errors.Is(err, sms.ErrCorrupt) || errors.Is(err, sms.ErrInvalid), "%v", err)

	// The host's transaction is still usable: it goes on.
	f.setConversation(ctx, tx, "INC-host", "open-again")
	_, err = f.svc.AddNote(inTx, Actor(), "INC-host", incident.Note{Text: "after the refusals"})
	require.NoError(t, err, "a transition after refused ones")
	require.NoError(t, tx.Commit(), "the host commits after the refusals")
	after.Committed()
	assert.Equal(t, "open-again", f.conversation("INC-host"))
	s, v, n := f.incident("INC-host")
	assert.Equal(t, s0, s)
	assert.Equal(t, v0+1, v, "only the note was written")
	assert.Equal(t, n0+1, n)
	assert.Equal(t, []string{"note"}, f.heardNow())
}

// testHostTxAtomically: an atomic commit inside the host's transaction
// that fails rolls back to its savepoint and takes its notifications back;
// the host commits the rest.
func testHostTxAtomically(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-a")
	f.open("INC-b")
	_, va, na := f.incident("INC-a")
	ctx := deadline(t)
	tx, err := f.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	boom := errors.New("the second step failed")
	err = sms.Atomically(inTx, f.store, func(ctx context.Context) error {
		if _, err := f.svc.AddNote(ctx, Actor(), "INC-a", incident.Note{Text: "first step"}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Zero(t, after.Pending(), "the failed atomic commit's notification goes with it")
	_, err = f.svc.AddNote(inTx, Actor(), "INC-b", incident.Note{Text: "the host goes on"})
	require.NoError(t, err)
	f.setConversation(ctx, tx, "INC-b", "noted")
	require.NoError(t, tx.Commit())
	after.Committed()
	_, v, n := f.incident("INC-a")
	assert.Equal(t, va, v, "the failed atomic commit left nothing")
	assert.Equal(t, na, n)
	assert.Equal(t, []string{"note"}, f.heardNow())
	assert.Equal(t, "noted", f.conversation("INC-b"))
}
