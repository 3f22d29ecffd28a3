// Package storetest is the test suite sqlstore runs on every engine, beside
// smstest.RunStore: migrations, the append-only journal, corrupt rows,
// concurrency through the incident pipeline. The sqlite and postgres
// sub-packages run it with a [Harness] of their own.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
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

// Harness opens databases of one engine for the suite.
type Harness struct {
	Dialect sqlstore.Dialect
	// Open returns a fresh database, migrated, closed when the test ends.
	Open func(t testing.TB) *sql.DB
	// OpenEmpty returns a fresh database that was never migrated.
	OpenEmpty func(t testing.TB) *sql.DB
	// ValidatesJSON says whether the engine refuses to store a document
	// that is not JSON (PostgreSQL's json type does).
	ValidatesJSON bool
	// Group makes every store of the suite commit through the group
	// commit of its database (one sqlstore.Group per *sql.DB).
	Group bool
}

// Run runs the suite, one subtest per check.
func Run(t *testing.T, h Harness) {
	t.Run("Contract", func(t *testing.T) {
		smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] { return NewStore[*smstest.Thing](t, h, h.Open(t)) })
	})
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"MigrateFreshAndTwice", testMigrate},
		{"MigrateConcurrently", testMigrateConcurrently},
		{"SchemaNewerRefused", testSchemaNewer},
		{"JournalAppendOnly", testAppendOnly},
		{"CorruptDocument", testCorruptDocument},
		{"UnknownStatus", testUnknownStatus},
		{"CorruptJournalRows", testCorruptJournal},
		{"InvalidUTF8Refused", testInvalidUTF8},
		{"ClosedDatabase", testClosedDB},
		{"RaceOneIncident", testRaceOneIncident},
		{"DistinctIncidents", testDistinctIncidents},
		{"LinksReplaced", testLinksReplaced},
		{"EntryFromIsNotTrusted", testFromNotTrusted},
	}
	tests = append(tests, evidenceTests()...)
	tests = append(tests, linkTests()...)
	tests = append(tests, vaultTests()...)
	tests = append(tests, hostTxTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, h)
		})
	}
}

// NewStore returns a store on db, closed when the test ends.
func NewStore[E sms.Entity[E]](t testing.TB, h Harness, db *sql.DB) *sqlstore.Store[E] {
	t.Helper()
	var o sqlstore.Options
	if h.Group {
		o.Group = GroupOf(db)
	}
	s, err := sqlstore.New[E](context.Background(), db, h.Dialect, o)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// Actor returns the actor the suite's incidents are worked by: it may fire
// every incident trigger the suite uses.
func Actor() sms.Actor {
	return sms.Actor{ID: "agent-1", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager}}
}

// Clock returns a clock that starts at a fixed time and ticks a
// millisecond per reading, safe for concurrent use.
func Clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// Report returns the command that logs an incident with the given ID.
func Report(id string) incident.Report {
	return incident.Report{ID: id, Summary: "Payments fail", Service: "payments", Source: incident.SourceUser,
		Reporter: "caller-1", ReportedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), ConfigItems: []string{"ci-1"}}
}

// Service returns an incident service on the store.
func Service(t testing.TB, store sms.Store[*incident.Incident]) *incident.Service {
	t.Helper()
	svc, err := incident.NewService(store, incident.Config{Options: sms.Options{Now: Clock()}})
	require.NoError(t, err)
	return svc
}

// Exec runs a statement written with "?" markers, rewritten for the
// dialect.
func Exec(t testing.TB, h Harness, db *sql.DB, query string, args ...any) (sql.Result, error) {
	t.Helper()
	return db.ExecContext(context.Background(), Rebind(h.Dialect, query), args...)
}

// Rebind rewrites the "?" markers of query for the dialect.
func Rebind(d sqlstore.Dialect, query string) string {
	out := make([]byte, 0, len(query)+8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			out = append(out, d.Placeholder(n)...)
			continue
		}
		out = append(out, query[i])
	}
	return string(out)
}

func bg() context.Context { return context.Background() }

func testMigrate(t *testing.T, h Harness) {
	db := h.OpenEmpty(t)
	have, want, err := sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	assert.Equal(t, 0, have, "a database sqlstore never migrated is at version 0")
	assert.Positive(t, want)

	_, err = sqlstore.New[*incident.Incident](bg(), db, h.Dialect, sqlstore.Options{})
	var se *sqlstore.SchemaError
	require.ErrorAs(t, err, &se, "New must refuse a database that was not migrated")
	assert.False(t, se.Newer())
	assert.Equal(t, sqlstore.SchemaError{Database: 0, Code: want}, *se)

	require.NoError(t, sqlstore.Migrate(bg(), db, h.Dialect))
	require.NoError(t, sqlstore.Migrate(bg(), db, h.Dialect), "a second Migrate changes nothing")
	have, _, err = sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	assert.Equal(t, want, have)
	var n int
	require.NoError(t, db.QueryRowContext(bg(), "SELECT count(*) FROM sms_schema").Scan(&n))
	assert.Equal(t, want, n, "one row per applied version")
	NewStore[*incident.Incident](t, h, db)

	cancelled, cancel := context.WithCancel(bg())
	cancel()
	assert.ErrorIs(t, sqlstore.Migrate(cancelled, db, h.Dialect), context.Canceled)
}

func testMigrateConcurrently(t *testing.T, h Harness) {
	db := h.OpenEmpty(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sqlstore.Migrate(bg(), db, h.Dialect)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "migrator %d", i)
	}
	have, want, err := sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	assert.Equal(t, want, have)
}

func testSchemaNewer(t *testing.T, h Harness) {
	db := h.Open(t)
	_, want, err := sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	_, err = Exec(t, h, db, "INSERT INTO sms_schema (version, applied_us) VALUES (?, ?)", want+1, 0)
	require.NoError(t, err)

	var se *sqlstore.SchemaError
	err = sqlstore.Migrate(bg(), db, h.Dialect)
	require.ErrorAs(t, err, &se, "Migrate must refuse a newer schema")
	assert.True(t, se.Newer())
	assert.Equal(t, want+1, se.Database)
	assert.Equal(t, want, se.Code)

	_, err = sqlstore.New[*incident.Incident](bg(), db, h.Dialect, sqlstore.Options{})
	require.ErrorAs(t, err, &se, "New must refuse a newer schema")
	assert.True(t, se.Newer())
}

func testAppendOnly(t *testing.T, h Harness) {
	db := h.Open(t)
	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	inc, err := svc.Log(bg(), Actor(), Report("INC-1"))
	require.NoError(t, err)
	for _, q := range []string{"UPDATE sms_journal SET reason = 'rewritten'", "DELETE FROM sms_journal"} {
		_, err := db.ExecContext(bg(), q)
		assert.Error(t, err, "%s must be refused", q)
	}
	if h.Dialect.Name() == sqlstore.EnginePostgres {
		_, err := db.ExecContext(bg(), "TRUNCATE sms_journal")
		assert.Error(t, err, "TRUNCATE must be refused")
	}
	require.NoError(t, svc.Verify(bg(), inc.ID), "the journal is intact")
}

// setDoc overwrites the stored document (and status) of an entity.
func setDoc(t testing.TB, h Harness, db *sql.DB, kind sms.Kind, id, status, doc string) error {
	t.Helper()
	_, err := Exec(t, h, db, "UPDATE sms_entities SET status = ?, doc = ? WHERE kind = ? AND id = ?", status, doc, string(kind), id)
	return err
}

func testCorruptDocument(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	th, en := smstest.NewThing("thing-1", "open", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	require.NoError(t, store.Create(bg(), th, en))
	good, err := json.Marshal(th)
	require.NoError(t, err)

	cases := []struct {
		name, status, doc string
		json              bool // whether doc is valid JSON
	}{
		{"truncated", "open", `{"id": "thing-1", "version": 1, "status": "op`, false},
		{"not JSON", "open", `garbage`, false},
		{"null", "open", `null`, true},
		{"an array", "open", `[1, 2]`, true},
		{"a field of the wrong type", "open", `{"id": "thing-1", "version": 1, "status": "open", "notes": "not a list"}`, true},
		{"another ID", "open", `{"id": "thing-2", "version": 1, "status": "open"}`, true},
		{"another version", "open", `{"id": "thing-1", "version": 7, "status": "open"}`, true},
		{"a status other than its row's", "closed", string(good), true},
		{"a bad time", "open", `{"id": "thing-1", "version": 1, "status": "open", "created_at": "yesterday"}`, true},
	}
	for _, tc := range cases {
		err := setDoc(t, h, db, smstest.ThingKind, "thing-1", tc.status, tc.doc)
		if h.ValidatesJSON && !tc.json {
			assert.Error(t, err, "%s: the database must refuse a document that is not JSON", tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		_, err = store.Get(bg(), "thing-1")
		var ce *sms.CorruptError
		if assert.ErrorAs(t, err, &ce, "%s: Get", tc.name) {
			assert.Equal(t, smstest.ThingKind, ce.Kind, tc.name)
			assert.Equal(t, "thing-1", ce.ID, tc.name)
			assert.ErrorIs(t, err, sms.ErrCorrupt, tc.name)
			assert.Contains(t, err.Error(), `"thing-1"`, "%s: the message names the entity", tc.name)
		}
		_, err = store.List(bg(), sms.Query{})
		assert.ErrorAs(t, err, &ce, "%s: List", tc.name)
		// A commit over a corrupt row is refused by the version check or
		// succeeds and repairs it; either way nothing panics.
	}
	require.NoError(t, setDoc(t, h, db, smstest.ThingKind, "thing-1", "open", string(good)))
	got, err := store.Get(bg(), "thing-1")
	require.NoError(t, err, "the repaired document decodes")
	assert.Equal(t, th.Notes, got.Notes)
}

func testUnknownStatus(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*incident.Incident](t, h, db)
	svc := Service(t, store)
	inc, err := svc.Log(bg(), Actor(), Report("INC-bogus"))
	require.NoError(t, err)
	_, err = svc.Log(bg(), Actor(), Report("INC-fine"))
	require.NoError(t, err)

	// A status no release of the incident workflow has, written with SQL
	// into the row and its document alike.
	var doc string
	require.NoError(t, db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT doc FROM sms_entities WHERE kind = ? AND id = ?"),
		string(incident.Kind), inc.ID).Scan(&doc))
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	m["status"] = "escalated_to_mars"
	b, err := json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, setDoc(t, h, db, incident.Kind, inc.ID, "escalated_to_mars", string(b)))

	// The store decodes it (status values are the process's business)...
	got, err := store.Get(bg(), inc.ID)
	require.NoError(t, err)
	assert.Equal(t, incident.Status("escalated_to_mars"), got.Status)

	// ...and the process refuses it, naming the incident.
	check := func(what string, err error) {
		t.Helper()
		var ce *sms.CorruptError
		if assert.ErrorAs(t, err, &ce, what) {
			assert.Equal(t, incident.Kind, ce.Kind, what)
			assert.Equal(t, inc.ID, ce.ID, what)
			assert.Contains(t, err.Error(), "escalated_to_mars", what)
		}
	}
	_, err = svc.Get(bg(), inc.ID)
	check("incident.Service.Get", err)
	_, err = svc.RecordAction(bg(), Actor(), inc.ID, incident.Action{Text: "tried"})
	check("a transition", err)
	_, err = svc.List(bg(), incident.Query{})
	check("incident.Service.List", err)
	check("incident.Service.Verify", svc.Verify(bg(), inc.ID))
	_, err = svc.Get(bg(), "INC-fine")
	assert.NoError(t, err, "other incidents are unaffected")
}

func testCorruptJournal(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	insert := func(id string, seq int64, roles, payload string, prev, hash []byte) {
		t.Helper()
		_, err := Exec(t, h, db, "INSERT INTO sms_journal (kind, entity_id, seq, entry_id, at_us, trig, from_status, to_status, "+
			"actor_id, actor_roles, reason, payload, prev, hash) VALUES (?, ?, ?, 'e', 0, 't', 'open', 'open', 'a', ?, '', ?, ?, ?)",
			string(smstest.ThingKind), id, seq, roles, payload, prev, hash)
		require.NoError(t, err)
	}
	cases := []struct {
		name           string
		roles, payload string
		prev, hash     []byte
	}{
		{"a short hash", "[]", "[]", make([]byte, 32), []byte{1, 2, 3}},
		{"a long previous hash", "[]", "[]", make([]byte, 33), make([]byte, 32)},
		{"roles that are not a list", `{"a": 1}`, "[]", make([]byte, 32), make([]byte, 32)},
		{"a payload that is not a list of fields", "[]", `[1, 2]`, make([]byte, 32), make([]byte, 32)},
	}
	for i, tc := range cases {
		id := fmt.Sprintf("thing-%d", i)
		th, en := smstest.NewThing(id, "open", at)
		require.NoError(t, store.Create(bg(), th, en))
		insert(id, 2, tc.roles, tc.payload, tc.prev, tc.hash)
		_, err := store.Journal(bg(), id)
		var ce *sms.CorruptError
		if assert.ErrorAs(t, err, &ce, tc.name) {
			assert.Equal(t, id, ce.ID, tc.name)
			assert.Equal(t, smstest.ThingKind, ce.Kind, tc.name)
		}
	}
	// A well-formed entry that does not chain: the journal reads, and
	// VerifyJournal names the entry.
	th, en := smstest.NewThing("forged", "open", at)
	require.NoError(t, store.Create(bg(), th, en))
	insert("forged", 2, `["x"]`, `[{"k": "a", "v": "b"}]`, en.Hash[:], make([]byte, 32))
	j, err := store.Journal(bg(), "forged")
	require.NoError(t, err)
	require.Len(t, j, 2)
	var je *sms.JournalError
	require.ErrorAs(t, sms.VerifyJournal(j), &je)
	assert.Equal(t, int64(2), je.Seq)

	// An absurd version in the entity row: Get says the row is corrupt,
	// Journal still reads the journal, nothing panics.
	_, err = Exec(t, h, db, "UPDATE sms_entities SET version = ? WHERE kind = ? AND id = ?", int64(1)<<62, string(smstest.ThingKind), "forged")
	require.NoError(t, err)
	_, err = store.Get(bg(), "forged")
	assert.ErrorIs(t, err, sms.ErrCorrupt)
	j, err = store.Journal(bg(), "forged")
	require.NoError(t, err)
	assert.Len(t, j, 2)

	// An entity row without a journal.
	_, err = Exec(t, h, db, "INSERT INTO sms_entities (kind, id, version, status, service, owner, links, created_us, updated_us, doc) "+
		"VALUES (?, 'orphan', 1, 'open', '', '', '[]', 0, 0, ?)", string(smstest.ThingKind), `{"id": "orphan", "version": 1, "status": "open"}`)
	require.NoError(t, err)
	_, err = store.Journal(bg(), "orphan")
	var ce *sms.CorruptError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "orphan", ce.ID)
}

func testInvalidUTF8(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th, en := smstest.NewThing("utf8", "open", at)
	require.NoError(t, store.Create(bg(), th, en))
	v := th.Clone()
	e2 := smstest.Advance(v, "move", "closed", at.Add(time.Minute), sms.Field{Key: "k", Value: "bad \xff byte"})
	err := store.Commit(bg(), v, 1, []sms.Entry{e2})
	assert.ErrorIs(t, err, sms.ErrInvalid, "a payload JSON cannot hold exactly must be refused")
	got, err := store.Get(bg(), "utf8")
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "nothing was written")
	// Text JSON keeps exactly is stored, even U+FFFD and what looks like
	// its escape.
	odd, oen := smstest.NewThing("utf8-odd", "open", at)
	odd.Notes = []string{"\ufffd", `\ufffd`, `\\ufffd`, "\x00"}
	require.NoError(t, store.Create(bg(), odd, oen))
	gotOdd, err := store.Get(bg(), "utf8-odd")
	require.NoError(t, err)
	assert.Equal(t, odd.Notes, gotOdd.Notes)
	// Text it would alter is refused, whatever the field.
	for _, mutate := range []func(*smstest.Thing){
		func(th *smstest.Thing) { th.Status = "\xff" },
		func(th *smstest.Thing) { th.Notes = []string{"ok", "bad \xc3"} },
		func(th *smstest.Thing) { th.Labels = map[string]string{"\xff": "key"} },
	} {
		th, en := smstest.NewThing("utf8-field", "open", at)
		mutate(th)
		assert.ErrorIs(t, store.Create(bg(), th, en), sms.ErrInvalid)
		_, err = store.Get(bg(), "utf8-field")
		assert.ErrorIs(t, err, sms.ErrNotFound)
	}
	bad, ben := smstest.NewThing("utf8-new", "open", at)
	ben.Actor.Roles = []sms.Role{"\xfe"}
	ben.Hash = ben.ComputeHash()
	bad.Head = ben.Hash
	assert.ErrorIs(t, store.Create(bg(), bad, ben), sms.ErrInvalid)
	_, err = store.Get(bg(), "utf8-new")
	assert.ErrorIs(t, err, sms.ErrNotFound)
}

func testClosedDB(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	th, en := smstest.NewThing("closed", "open", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	require.NoError(t, db.Close())
	var se *sqlstore.Error
	err := store.Create(bg(), th, en)
	if assert.ErrorAs(t, err, &se) {
		assert.Equal(t, "create", se.Op)
		assert.Equal(t, "closed", se.ID)
		assert.Contains(t, err.Error(), "sqlstore: ")
	}
	_, err = store.Get(bg(), "closed")
	assert.ErrorAs(t, err, &se)
	_, err = store.List(bg(), sms.Query{})
	assert.ErrorAs(t, err, &se)
	_, err = store.Journal(bg(), "closed")
	assert.ErrorAs(t, err, &se)
}

// barrier holds every Get of a round until n of them have read, so that n
// writers read the same version.
type barrier struct {
	sms.Store[*incident.Incident]
	n int

	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrier) Get(ctx context.Context, id string) (*incident.Incident, error) {
	inc, err := b.Store.Get(ctx, id)
	b.mu.Lock()
	if b.release == nil {
		b.release = make(chan struct{})
	}
	ch := b.release
	b.waiting++
	if b.waiting == b.n {
		close(ch)
		b.waiting, b.release = 0, nil
	}
	b.mu.Unlock()
	<-ch
	return inc, err
}

func testRaceOneIncident(t *testing.T, h Harness) {
	RaceOneIncident(t, h, h.Open(t))
}

// RaceOneIncident runs rounds of writers that all read the same version of
// one incident, through the whole pipeline: in each round exactly one
// commits and the others get ErrConflict, and the journal holds exactly
// one entry per version.
func RaceOneIncident(t *testing.T, h Harness, db *sql.DB) {
	const writers, rounds = 6, 4
	store := NewStore[*incident.Incident](t, h, db)
	b := &barrier{Store: store, n: writers}
	svc := Service(t, b)
	inc, err := svc.Log(bg(), Actor(), Report("INC-race")) // Log reads nothing
	require.NoError(t, err)

	versions := map[int64]int{}
	for round := range rounds {
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			wins      []int64
			conflicts int
		)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := svc.RecordAction(bg(), Actor(), inc.ID, incident.Action{Text: fmt.Sprintf("round %d writer %d", round, w)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, got.Version)
				case errors.Is(err, sms.ErrConflict):
					var ce *sms.ConflictError
					if assert.ErrorAs(t, err, &ce) {
						assert.Equal(t, inc.ID, ce.ID)
					}
					conflicts++
				default:
					t.Errorf("round %d writer %d: got %v, want success or ErrConflict", round, w, err)
				}
			}()
		}
		wg.Wait()
		require.Len(t, wins, 1, "round %d: exactly one writer commits", round)
		assert.Equal(t, writers-1, conflicts, "round %d: the others conflict", round)
		versions[wins[0]]++
	}
	direct := Service(t, store) // reads without the barrier
	j, err := direct.Journal(bg(), inc.ID)
	require.NoError(t, err)
	assert.Len(t, j, 1+rounds, "one entry per committed version")
	require.NoError(t, sms.VerifyJournal(j))
	require.NoError(t, direct.Verify(bg(), inc.ID))
	for v := int64(2); v <= 1+rounds; v++ {
		assert.Equal(t, 1, versions[v], "version %d committed once", v)
	}
}

func testDistinctIncidents(t *testing.T, h Harness) {
	DistinctIncidents(t, h, h.Open(t))
}

// DistinctIncidents runs concurrent writers, one incident each: every
// transition succeeds.
func DistinctIncidents(t *testing.T, h Harness, db *sql.DB) {
	const writers, each = 6, 5
	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("INC-%d", w)
			if _, err := svc.Log(bg(), Actor(), Report(id)); err != nil {
				t.Errorf("writer %d: Log: %v", w, err)
				return
			}
			for k := range each {
				if _, err := svc.RecordAction(bg(), Actor(), id, incident.Action{Text: fmt.Sprint("step ", k)}); err != nil {
					t.Errorf("writer %d: RecordAction %d: %v", w, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for w := range writers {
		id := fmt.Sprintf("INC-%d", w)
		inc, err := svc.Get(bg(), id)
		require.NoError(t, err)
		assert.Equal(t, int64(1+each), inc.Version, id)
		assert.NoError(t, svc.Verify(bg(), id))
	}
}

func testLinksReplaced(t *testing.T, h Harness) {
	db := h.Open(t)
	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	inc, err := svc.Log(bg(), Actor(), Report("INC-links"))
	require.NoError(t, err)
	count := func() int {
		var n int
		require.NoError(t, db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT count(*) FROM sms_links WHERE entity_id = ?"), inc.ID).Scan(&n))
		return n
	}
	assert.Equal(t, 1, count(), "the configuration item's link")
	_, err = svc.RecordAction(bg(), Actor(), inc.ID, incident.Action{Text: "looked"})
	require.NoError(t, err)
	assert.Equal(t, 1, count())
	_, err = svc.Link(bg(), Actor(), inc.ID, incident.Link{Type: incident.LinkProblem, ID: "PRB-1"})
	require.NoError(t, err)
	assert.Equal(t, 2, count())
	page, err := svc.List(bg(), incident.Query{Link: sms.Link{Type: incident.LinkProblem, ID: "PRB-1"}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, inc.ID, page.Items[0].ID)
}

// The store picks its UPDATE by the first entry's From; a From that does
// not match the stored status must still commit exactly what is given.
func testFromNotTrusted(t *testing.T, h Harness) {
	store := NewStore[*smstest.Thing](t, h, h.Open(t))
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th, en := smstest.NewThing("from", "open", at)
	th.Service = "svc-a"
	require.NoError(t, store.Create(bg(), th, en))
	for i, tc := range []struct{ from, to, service string }{
		{"closed", "closed", "svc-a"}, // claims in place, changes the status
		{"open", "closed", "svc-a"},   // claims a change, stays in place
		{"closed", "closed", "svc-b"}, // in place, but the service changes
	} {
		v := th.Version
		th.Service = tc.service
		e := smstest.Advance(th, "move", tc.to, at.Add(time.Duration(i+1)*time.Minute))
		e.From = tc.from
		e.Hash = e.ComputeHash()
		th.Head = e.Hash
		require.NoError(t, store.Commit(bg(), th.Clone(), v, []sms.Entry{e}), "commit %d", i)
		got, err := store.Get(bg(), "from")
		require.NoError(t, err)
		assert.Equal(t, tc.to, got.Status, "commit %d", i)
		assert.Equal(t, tc.service, got.Service, "commit %d", i)
		assert.Equal(t, th.Version, got.Version, "commit %d", i)
		page, err := store.List(bg(), sms.Query{Status: []string{tc.to}, Service: tc.service})
		require.NoError(t, err)
		assert.Len(t, page.Items, 1, "commit %d: the indexes follow", i)
	}
}
