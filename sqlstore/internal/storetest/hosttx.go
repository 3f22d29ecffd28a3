package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
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
		{"HostTxVersionConflictLetsHostGoOn", testHostTxVersionConflict},
		{"HostTxFailedStatementRolledBackToSavepoint", testHostTxFailedStatement},
		{"HostTxAtomicallyFailureTakesBack", testHostTxAtomically},
		{"HostTxObserversWriteOnTheirOwn", testHostTxObserverWrites},
		{"HostTxOtherDatabaseRefused", testHostTxOtherDatabase},
		{"HostTxTwoDatabasesBound", testHostTxTwoDatabases},
		{"HostTxOfAnotherDatabaseRefused", testHostTxForeignTx},
		{"HostTxNilRefused", testHostTxNil},
		{"HostTxVault", testHostTxVault},
		{"HostTxEvidenceRefused", testHostTxEvidence},
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
	// then, when set, runs after each notification is recorded, with the
	// observer's context.
	then func(ctx context.Context, ev sms.Event) error
}

func newHostFixture(t *testing.T, h Harness) *hostFixture {
	f := &hostFixture{t: t, h: h, db: h.Open(t)}
	_, err := f.db.ExecContext(bg(), "CREATE TABLE host_conversations (id TEXT PRIMARY KEY, status TEXT NOT NULL)")
	require.NoError(t, err)
	f.store = NewStore[*incident.Incident](t, h, f.db)
	f.svc, err = incident.NewService(f.store, incident.Config{Options: sms.Options{Now: Clock(),
		Observer: sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
			f.mu.Lock()
			f.heard = append(f.heard, ev.Entry.Trigger)
			then := f.then
			f.mu.Unlock()
			if then != nil {
				return then(ctx, ev)
			}
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
	// Refused by a guard: a resolution without notes.
	_, err = f.svc.Resolve(inTx, Actor(), "INC-host", incident.Resolution{Code: "fixed"})
	require.ErrorIs(t, err, sms.ErrGuard)
	// Refused by the store: a taken ID.
	_, err = f.svc.Log(inTx, Actor(), Report("INC-host"))
	require.ErrorIs(t, err, sms.ErrExists)
	// A stale version: the last entry again, over the version before it.
	inc, err := f.store.Get(inTx, "INC-host")
	require.NoError(t, err)
	j, err := f.store.Journal(inTx, "INC-host")
	require.NoError(t, err)
	stale := j[len(j)-1]
	err = f.store.Commit(inTx, inc, inc.Version-1, []sms.Entry{stale})
	var ce *sms.ConflictError
	require.ErrorAs(t, err, &ce, "a commit over a stale version must be a conflict")
	assert.Equal(t, inc.Version, ce.Actual)

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

// hostTable makes the host's own table on db.
func hostTable(t *testing.T, db *sql.DB) {
	t.Helper()
	_, err := db.ExecContext(bg(), "CREATE TABLE host_conversations (id TEXT PRIMARY KEY, status TEXT NOT NULL)")
	require.NoError(t, err)
}

// hostRow returns the status of the host's row id, or "" when there is
// none.
func hostRow(t *testing.T, h Harness, db *sql.DB, id string) string {
	t.Helper()
	var status string
	err := db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT status FROM host_conversations WHERE id = ?"), id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	require.NoError(t, err)
	return status
}

// insertHostRow writes the host's row id in tx.
func insertHostRow(t *testing.T, h Harness, ctx context.Context, tx *sql.Tx, id, status string) {
	t.Helper()
	_, err := tx.ExecContext(ctx, Rebind(h.Dialect, "INSERT INTO host_conversations (id, status) VALUES (?, ?)"), id, status)
	require.NoError(t, err, "the host's transaction must stay usable")
}

// thingAt is the time the host tests' things are made at.
var thingAt = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// thingState returns the stored thing's version and journal length.
func thingState(t *testing.T, store *sqlstore.Store[*smstest.Thing], id string) (int64, int) {
	t.Helper()
	th, err := store.Get(bg(), id)
	require.NoError(t, err)
	j, err := store.Journal(bg(), id)
	require.NoError(t, err)
	require.NoError(t, sms.VerifyJournal(j))
	return th.Version, len(j)
}

// testHostTxVersionConflict: a commit over a version the host's
// transaction itself moved on is a conflict, and the host goes on.
func testHostTxVersionConflict(t *testing.T, h Harness) {
	db := h.Open(t)
	hostTable(t, db)
	store := NewStore[*smstest.Thing](t, h, db)
	th, en := smstest.NewThing("thing-host", "open", thingAt)
	require.NoError(t, store.Create(bg(), th, en))

	ctx := deadline(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	stale := th.Clone()
	moved := smstest.Advance(th, "move", "working", thingAt.Add(time.Minute))
	require.NoError(t, store.Commit(inTx, th, 1, []sms.Entry{moved}))
	lost := smstest.Advance(stale, "move", "closed", thingAt.Add(2*time.Minute))
	err = store.Commit(inTx, stale, 1, []sms.Entry{lost})
	var ce *sms.ConflictError
	require.ErrorAs(t, err, &ce, "a commit over a stale version in the host's transaction must be a conflict")
	assert.Equal(t, int64(1), ce.Expected)
	assert.Equal(t, int64(2), ce.Actual)
	insertHostRow(t, h, ctx, tx, "C-1", "moved")
	require.NoError(t, tx.Commit())
	after.Committed()

	got, err := store.Get(bg(), "thing-host")
	require.NoError(t, err)
	assert.Equal(t, "working", got.Status, "the first commit stands, the stale one wrote nothing")
	v, n := thingState(t, store, "thing-host")
	assert.Equal(t, int64(2), v)
	assert.Equal(t, 2, n)
	assert.Equal(t, "moved", hostRow(t, h, db, "C-1"))
}

// testHostTxFailedStatement: a create whose entity row is written and
// whose journal row the database then refuses (an idempotency key another
// entity's journal holds) is rolled back to its savepoint: the entity row
// is gone from the host's transaction, which stays usable (PostgreSQL
// aborts a transaction on a failed statement otherwise).
func testHostTxFailedStatement(t *testing.T, h Harness) {
	db := h.Open(t)
	hostTable(t, db)
	store := NewStore[*smstest.Thing](t, h, db)
	keyed := func(id string, request byte) (*smstest.Thing, sms.Entry) {
		th, en := smstest.NewThing(id, "open", thingAt)
		en.Key, en.Request = "key-1", sms.Hash{request}
		return th, smstest.Seal(th, en)
	}
	a, aen := keyed("thing-a", 1)
	require.NoError(t, store.Create(bg(), a, aen))

	ctx := deadline(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	insertHostRow(t, h, ctx, tx, "C-1", "before")
	b, ben := keyed("thing-b", 2)
	err = store.Create(inTx, b, ben)
	require.ErrorIs(t, err, sms.ErrExists, "the key is taken")
	_, err = store.Get(inTx, "thing-b")
	require.ErrorIs(t, err, sms.ErrNotFound, "the refused create's entity row must be rolled back in the host's transaction")
	insertHostRow(t, h, ctx, tx, "C-2", "after")
	c, cen := smstest.NewThing("thing-c", "open", thingAt)
	require.NoError(t, store.Create(inTx, c, cen), "a create after the refused one")
	require.NoError(t, tx.Commit())
	after.Committed()

	_, err = store.Get(bg(), "thing-b")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	v, n := thingState(t, store, "thing-c")
	assert.Equal(t, int64(1), v)
	assert.Equal(t, 1, n)
	assert.Equal(t, "before", hostRow(t, h, db, "C-1"))
	assert.Equal(t, "after", hostRow(t, h, db, "C-2"))
}

// testHostTxObserverWrites: the observers are notified with the context
// the host gave WithTx, so what they write commits on its own after the
// host's commit (in the committed transaction it would fail).
func testHostTxObserverWrites(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	f.open("INC-other")
	_, v0, _ := f.incident("INC-other")
	var observerErr error
	f.then = func(ctx context.Context, ev sms.Event) error {
		if ev.Entry.Trigger == "hold" {
			_, observerErr = f.svc.AddNote(ctx, Actor(), "INC-other", incident.Note{Text: "heard of the hold"})
		}
		return nil
	}
	ctx := deadline(t)
	tx, err := f.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	_, err = f.svc.Hold(inTx, Actor(), "INC-host", incident.Suspension{Reason: incident.HoldCaller})
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	after.Committed()
	require.NoError(t, observerErr, "an observer's write after the host's commit")
	assert.Equal(t, []string{"hold", "note"}, f.heardNow(), "the observer's own transition is heard at once")
	_, v, _ := f.incident("INC-other")
	assert.Equal(t, v0+1, v, "the observer's note committed")
}

// testHostTxOtherDatabase: a store on another *sql.DB than the host's
// transaction's refuses to read and write with its context (a write would
// commit on its own whatever the host does) and writes nothing.
func testHostTxOtherDatabase(t *testing.T, h Harness) {
	db := h.Open(t)
	hostTable(t, db)
	other := h.Open(t)
	store := NewStore[*incident.Incident](t, h, other)
	svc := Service(t, store)
	WorkedIncident(t, svc, "INC-other")
	j0, err := svc.Journal(bg(), "INC-other")
	require.NoError(t, err)

	ctx := deadline(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	insertHostRow(t, h, ctx, tx, "C-1", "open")
	refused := func(err error) {
		t.Helper()
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, "a write with a host's transaction on another database must be refused")
		assert.Equal(t, "ctx", ve.Field)
	}
	_, err = svc.AddNote(inTx, Actor(), "INC-other", incident.Note{Text: "n"})
	refused(err)
	_, err = svc.Log(inTx, Actor(), Report("INC-new"))
	refused(err)
	refused(sms.Atomically(inTx, store, func(ctx context.Context) error { return nil }))
	_, err = svc.Get(inTx, "INC-other")
	refused(err) // on SQLite a read could wait for a connection a transaction holds
	_, err = store.Journal(inTx, "INC-other")
	refused(err)
	_, err = store.List(inTx, sms.Query{})
	refused(err)
	assert.Zero(t, after.Pending())
	require.NoError(t, tx.Commit())
	after.Committed()

	j, err := svc.Journal(bg(), "INC-other")
	require.NoError(t, err)
	assert.Equal(t, j0, j, "nothing was written")
	_, err = svc.Get(bg(), "INC-new")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	assert.Equal(t, "open", hostRow(t, h, db, "C-1"))
}

// testHostTxTwoDatabases: a host with a transaction on each of two
// databases gives each its own context; one commits and the other rolls
// back, each with its notifications. A WithTx on the other's context
// replaces its transaction.
func testHostTxTwoDatabases(t *testing.T, h Harness) {
	one, two := newHostFixture(t, h), newHostFixture(t, h)
	one.open("INC-1")
	two.open("INC-2")
	_, v1, _ := one.incident("INC-1")
	_, v2, _ := two.incident("INC-2")
	ctx := deadline(t)
	tx1, err := one.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	tx2, err := two.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	ctx1, after1 := sqlstore.WithTx(ctx, one.db, tx1)
	ctx2, after2 := sqlstore.WithTx(ctx, two.db, tx2)
	_, err = one.svc.AddNote(ctx1, Actor(), "INC-1", incident.Note{Text: "one"})
	require.NoError(t, err)
	_, err = two.svc.AddNote(ctx2, Actor(), "INC-2", incident.Note{Text: "two"})
	require.NoError(t, err)
	_, err = one.svc.AddNote(ctx2, Actor(), "INC-1", incident.Note{Text: "with the other's context"})
	require.ErrorIs(t, err, sms.ErrInvalid)
	nested, _ := sqlstore.WithTx(ctx1, two.db, tx2)
	_, err = one.svc.AddNote(nested, Actor(), "INC-1", incident.Note{Text: "replaced"})
	require.ErrorIs(t, err, sms.ErrInvalid, "the inner WithTx replaces the outer's transaction")
	require.NoError(t, tx1.Commit())
	after1.Committed()
	require.NoError(t, tx2.Rollback())
	after2.RolledBack()

	assert.Equal(t, []string{"note"}, one.heardNow())
	assert.Empty(t, two.heardNow())
	_, v, _ := one.incident("INC-1")
	assert.Equal(t, v1+1, v)
	_, v, _ = two.incident("INC-2")
	assert.Equal(t, v2, v)
}

// testHostTxForeignTx: WithTx given a transaction of another *sql.DB than
// the one named is refused by every read and write of the stores, and
// nothing is written in either database.
func testHostTxForeignTx(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	_, v0, n0 := f.incident("INC-host")
	other := h.Open(t)
	hostTable(t, other)
	ctx := deadline(t)
	tx, err := other.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, f.db, tx)
	_, err = f.svc.AddNote(inTx, Actor(), "INC-host", incident.Note{Text: "n"})
	require.Error(t, err, "a read in a transaction of another database")
	_, err = f.svc.Log(inTx, Actor(), Report("INC-new"))
	require.Error(t, err, "a write in a transaction of another database")
	assert.False(t, errors.Is(err, sms.ErrExists) || errors.Is(err, sms.ErrConflict), "%v", err)
	_, err = f.store.Get(inTx, "INC-host")
	require.Error(t, err)
	_, err = f.store.List(inTx, sms.Query{})
	require.Error(t, err, "a listing in a transaction of another database")
	insertHostRow(t, h, ctx, tx, "C-1", "open")
	require.NoError(t, tx.Commit(), "the other database's transaction is untouched")
	after.Committed()

	assert.Empty(t, f.heardNow())
	_, v, n := f.incident("INC-host")
	assert.Equal(t, v0, v)
	assert.Equal(t, n0, n)
	_, err = f.svc.Get(bg(), "INC-new")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	var tables int
	require.NoError(t, other.QueryRowContext(bg(), "SELECT count(*) FROM sms_entities").Scan(&tables))
	assert.Zero(t, tables, "nothing in the other database")
	assert.Equal(t, "open", hostRow(t, h, other, "C-1"))
}

// testHostTxNil: WithTx with a nil transaction refuses the writes of the
// stores on its database, and with a nil database those of every store.
func testHostTxNil(t *testing.T, h Harness) {
	f := newHostFixture(t, h)
	f.open("INC-host")
	_, v0, _ := f.incident("INC-host")
	for _, ctx := range []context.Context{
		func() context.Context { c, _ := sqlstore.WithTx(bg(), f.db, nil); return c }(),
		func() context.Context { c, _ := sqlstore.WithTx(bg(), nil, nil); return c }(),
	} {
		_, err := f.svc.AddNote(ctx, Actor(), "INC-host", incident.Note{Text: "n"})
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "ctx", ve.Field)
	}
	_, v, _ := f.incident("INC-host")
	assert.Equal(t, v0, v)
	assert.Empty(t, f.heardNow())
}

// testHostTxVault: a value sealed in the host's transaction commits or
// rolls back with it; a value the database refuses leaves the host's
// transaction usable; a vault on another database refuses to seal; Erase
// refuses the context.
func testHostTxVault(t *testing.T, h Harness) {
	db := h.Open(t)
	hostTable(t, db)
	vault, err := sqlstore.NewVault(bg(), db, h.Dialect)
	require.NoError(t, err)
	t.Cleanup(func() { vault.Close() })
	otherDB := h.Open(t)
	other, err := sqlstore.NewVault(bg(), otherDB, h.Dialect)
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })

	ctx := deadline(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	dropped, err := vault.Seal(inTx, "person-1", "rolled back")
	require.NoError(t, err)
	got, err := vault.Reveal(inTx, dropped)
	require.NoError(t, err, "revealed in the transaction it was sealed in")
	assert.Equal(t, "rolled back", got)
	require.NoError(t, tx.Rollback())
	after.RolledBack()
	_, err = vault.Reveal(bg(), dropped)
	assert.ErrorIs(t, err, sms.ErrNotFound, "sealed in a transaction rolled back")

	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after = sqlstore.WithTx(ctx, db, tx)
	_, err = vault.Seal(inTx, "person-1", "a NUL \x00 byte")
	if h.Dialect.Name() == sqlstore.EnginePostgres {
		require.Error(t, err, "PostgreSQL's text holds no NUL byte")
	}
	_, err = other.Seal(inTx, "person-1", "elsewhere")
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "a vault on another database refuses the host's transaction")
	_, err = vault.Erase(inTx, "person-1")
	require.ErrorAs(t, err, &ve, "Erase runs in a transaction of its own")
	kept, err := vault.Seal(inTx, "person-1", "committed")
	require.NoError(t, err, "a seal after the refusals")
	insertHostRow(t, h, ctx, tx, "C-1", "sealed")
	require.NoError(t, tx.Commit())
	after.Committed()
	got, err = vault.Reveal(bg(), kept)
	require.NoError(t, err)
	assert.Equal(t, "committed", got)
	assert.Equal(t, "sealed", hostRow(t, h, db, "C-1"))
	var n int
	require.NoError(t, otherDB.QueryRowContext(bg(), "SELECT count(*) FROM sms_personal").Scan(&n))
	assert.Zero(t, n)

	require.NoError(t, vault.Close())
	_, err = vault.Seal(bg(), "person-1", "after Close")
	var se *sqlstore.Error
	assert.ErrorAs(t, err, &se, "a closed vault returns an error")
	_, err = vault.Reveal(bg(), kept)
	assert.ErrorAs(t, err, &se)
}

// testHostTxEvidence: an Evidence, which reads and writes outside
// transactions, refuses a context that carries the host's transaction (on
// SQLite's one connection it would wait for it).
func testHostTxEvidence(t *testing.T, h Harness) {
	db := h.Open(t)
	ev, err := sqlstore.NewEvidence(bg(), db, h.Dialect)
	require.NoError(t, err)
	ctx := deadline(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	_, err = ev.Checkpoint(inTx, testKey(), "host-tx", thingAt)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = ev.Checkpoints(inTx)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = ev.Journal(inTx, incident.Kind, "INC-1")
	require.ErrorIs(t, err, sms.ErrInvalid)
	require.NoError(t, tx.Rollback())
	after.RolledBack()
	cps, err := ev.Checkpoints(ctx)
	require.NoError(t, err)
	assert.Empty(t, cps)
}

// RaceHostTx runs rounds of concurrent host transactions on db (begun with
// opts), each writing a row of the host's and a transition of one
// incident, whose writers all read the same version: in each round
// exactly one commits, and every other learns that it lost as a conflict,
// from the transition (sms.ErrConflict) or from its COMMIT (an error the
// dialect classifies as [sqlstore.ClassConflict]); a loser's row is not
// stored, and the journal holds one entry per round. For engines whose
// database takes concurrent transactions (not SQLite as sqlite.Open
// configures it, whose one connection runs them one after the other).
func RaceHostTx(t *testing.T, h Harness, db *sql.DB, opts *sql.TxOptions) {
	const writers, rounds = 6, 3
	hostTable(t, db)
	store := NewStore[*incident.Incident](t, h, db)
	b := &barrier{Store: store, n: writers}
	svc := Service(t, b)
	inc, err := svc.Log(bg(), Actor(), Report("INC-race")) // Log reads nothing
	require.NoError(t, err)
	for round := range rounds {
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			winners   []string
			conflicts int
		)
		for w := range writers {
			wg.Go(func() {
				row := fmt.Sprintf("C-%d-%d", round, w)
				ctx, cancel := context.WithTimeout(bg(), 20*time.Second)
				defer cancel()
				tx, err := db.BeginTx(ctx, opts)
				if !assert.NoError(t, err) {
					return
				}
				inTx, after := sqlstore.WithTx(ctx, db, tx)
				_, err = tx.ExecContext(ctx, Rebind(h.Dialect, "INSERT INTO host_conversations (id, status) VALUES (?, 'answered')"), row)
				if !assert.NoError(t, err) {
					_ = tx.Rollback()
					return
				}
				_, err = svc.RecordAction(inTx, Actor(), inc.ID, incident.Action{Text: row})
				lost := errors.Is(err, sms.ErrConflict)
				if err == nil {
					if err = tx.Commit(); err != nil {
						lost = h.Dialect.Classify(err) == sqlstore.ClassConflict
					}
				} else {
					_ = tx.Rollback()
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					after.Committed()
					winners = append(winners, row)
				case lost:
					after.RolledBack()
					conflicts++
				default:
					after.RolledBack()
					t.Errorf("round %d writer %d: got %v, want success or a conflict", round, w, err)
				}
			})
		}
		wg.Wait()
		require.Len(t, winners, 1, "round %d: exactly one host transaction commits", round)
		assert.Equal(t, writers-1, conflicts, "round %d: the others conflict", round)
		for w := range writers {
			row := fmt.Sprintf("C-%d-%d", round, w)
			want := ""
			if row == winners[0] {
				want = "answered"
			}
			assert.Equal(t, want, hostRow(t, h, db, row), "round %d: only the winner's row is stored", round)
		}
	}
	direct := Service(t, store)
	j, err := direct.Journal(bg(), inc.ID)
	require.NoError(t, err)
	assert.Len(t, j, 1+rounds, "one entry per committed round")
	require.NoError(t, direct.Verify(bg(), inc.ID))
}
