package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
)

// The evidence suite: what someone with write access to the database can
// do to the records, and who finds out.

// evidenceTests are the suite's evidence checks, run by [Run].
func evidenceTests() []struct {
	name string
	run  func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"NoInsertOverAnEntry", testNoReplace},
		{"BrokenJournalNotExtended", testBrokenJournal},
		{"TamperTable", testTamperTable},
		{"Checkpoints", testCheckpoints},
		{"IdempotencyKeys", testKeys},
	}
}

// DropGuards removes the triggers that keep the journal append-only, as an
// administrator of the database can: what follows shows what the library
// still detects.
func DropGuards(t testing.TB, h Harness, db *sql.DB) {
	t.Helper()
	var stmts []string
	if h.Dialect.Name() == sqlstore.EngineSQLite {
		stmts = []string{"DROP TRIGGER sms_journal_no_update", "DROP TRIGGER sms_journal_no_delete", "DROP TRIGGER sms_journal_no_replace"}
	} else {
		stmts = []string{"ALTER TABLE sms_journal DISABLE TRIGGER USER"}
	}
	for _, s := range stmts {
		_, err := db.ExecContext(bg(), s)
		require.NoError(t, err, s)
	}
}

// worked returns an incident with a few transitions behind it: logged,
// classified, assigned, started, noted twice.
func worked(t testing.TB, svc *incident.Service, id string) *incident.Incident {
	t.Helper()
	WorkedIncident(t, svc, id)
	var inc *incident.Incident
	for _, text := range []string{"first look", "second look"} {
		var err error
		inc, err = svc.AddNote(bg(), Actor(), id, incident.Note{Text: text})
		require.NoError(t, err)
	}
	return inc
}

// rows returns the journal's rows of an entity and its entity row, as
// text, to compare before and after a refused write.
func rows(t testing.TB, h Harness, db *sql.DB, id string) string {
	t.Helper()
	var out bytes.Buffer
	r, err := db.QueryContext(bg(), Rebind(h.Dialect, "SELECT seq, hash FROM sms_journal WHERE kind = ? AND entity_id = ? ORDER BY seq"), string(incident.Kind), id)
	require.NoError(t, err)
	for r.Next() {
		var (
			seq  int64
			hash []byte
		)
		require.NoError(t, r.Scan(&seq, &hash))
		fmt.Fprintf(&out, "%d:%x ", seq, hash)
	}
	require.NoError(t, r.Err())
	r.Close()
	var (
		version int64
		doc     string
	)
	err = db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT version, doc FROM sms_entities WHERE kind = ? AND id = ?"), string(incident.Kind), id).Scan(&version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return out.String() + "| no row"
	}
	require.NoError(t, err)
	fmt.Fprintf(&out, "| %d %s", version, doc)
	return out.String()
}

func testNoReplace(t *testing.T, h Harness) {
	db := h.Open(t)
	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	inc := worked(t, svc, "INC-1")
	before := rows(t, h, db, inc.ID)
	var stmts []string
	if h.Dialect.Name() == sqlstore.EngineSQLite {
		// REPLACE deletes the row in its way without firing the DELETE
		// trigger: the INSERT trigger refuses it first.
		stmts = []string{
			"INSERT OR REPLACE INTO sms_journal SELECT * FROM sms_journal WHERE seq = 2",
			"REPLACE INTO sms_journal SELECT * FROM sms_journal WHERE seq = 3",
			"INSERT INTO sms_journal SELECT * FROM sms_journal WHERE seq = 3 ON CONFLICT DO UPDATE SET reason = 'rewritten'",
		}
	} else {
		stmts = []string{
			"INSERT INTO sms_journal SELECT * FROM sms_journal WHERE seq = 3 ON CONFLICT (kind, entity_id, seq) DO UPDATE SET reason = 'rewritten'",
			"MERGE INTO sms_journal j USING (SELECT kind, entity_id, seq FROM sms_journal) s ON j.kind = s.kind AND j.entity_id = s.entity_id AND j.seq = s.seq WHEN MATCHED THEN UPDATE SET reason = 'rewritten'",
		}
	}
	for _, s := range stmts {
		_, err := db.ExecContext(bg(), s)
		assert.Error(t, err, "%s must be refused", s)
	}
	assert.Equal(t, before, rows(t, h, db, inc.ID))
	require.NoError(t, svc.Verify(bg(), inc.ID))
}

func testBrokenJournal(t *testing.T, h Harness) {
	cases := []struct {
		name string
		// break_ damages the stored records of the incident, whose
		// journal runs from 1 to n.
		break_ func(t *testing.T, db *sql.DB, id string, n int64, docs map[int64]string)
		// extends: whether a commit may still extend the journal, because
		// its tail is intact (damage deeper in the journal is Verify's and
		// the checkpoints' to find, so that a commit reads only the tail).
		extends bool
	}{
		{"the last entry deleted", func(t *testing.T, db *sql.DB, id string, n int64, _ map[int64]string) {
			_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ? AND seq = ?", string(incident.Kind), id, n)
			require.NoError(t, err)
		}, false},
		{"the whole journal deleted", func(t *testing.T, db *sql.DB, id string, _ int64, _ map[int64]string) {
			_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ?", string(incident.Kind), id)
			require.NoError(t, err)
		}, false},
		{"the last entry's hash corrupted", func(t *testing.T, db *sql.DB, id string, n int64, _ map[int64]string) {
			_, err := Exec(t, h, db, "UPDATE sms_journal SET hash = ? WHERE kind = ? AND entity_id = ? AND seq = ?",
				bytes.Repeat([]byte{7}, 32), string(incident.Kind), id, n)
			require.NoError(t, err)
		}, false},
		{"the record rolled back behind its journal", func(t *testing.T, db *sql.DB, id string, n int64, docs map[int64]string) {
			require.NoError(t, setRow(t, h, db, id, n-2, docs[n-2]))
		}, false},
		{"a version at the largest int64", func(t *testing.T, db *sql.DB, id string, n int64, docs map[int64]string) {
			var doc map[string]any
			require.NoError(t, json.Unmarshal([]byte(docs[n]), &doc))
			doc["version"] = int64(math.MaxInt64)
			b, _ := json.Marshal(doc)
			require.NoError(t, setRow(t, h, db, id, math.MaxInt64, string(b)))
		}, false},
		{"a middle entry deleted", func(t *testing.T, db *sql.DB, id string, _ int64, _ map[int64]string) {
			_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ? AND seq = 3", string(incident.Kind), id)
			require.NoError(t, err)
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := h.Open(t)
			svc := Service(t, NewStore[*incident.Incident](t, h, db))
			id := "INC-1"
			docs := map[int64]string{}
			WorkedIncident(t, svc, id)
			docs[4] = docAt(t, h, db, id, 4)
			for i, text := range []string{"a", "b"} {
				_, err := svc.AddNote(bg(), Actor(), id, incident.Note{Text: text})
				require.NoError(t, err)
				docs[int64(5+i)] = docAt(t, h, db, id, int64(5+i))
			}
			DropGuards(t, h, db)
			tc.break_(t, db, id, 6, docs)
			before := rows(t, h, db, id)
			_, err := svc.AddNote(bg(), Actor(), id, incident.Note{Text: "after the damage"})
			if tc.extends {
				require.NoError(t, err)
			} else {
				var ce *sms.CorruptError
				require.ErrorAs(t, err, &ce, "a commit must not extend a broken journal")
				assert.Equal(t, id, ce.ID)
				assert.Equal(t, before, rows(t, h, db, id), "nothing was written")
			}
			// Verify names the damage in every case.
			assert.ErrorIs(t, svc.Verify(bg(), id), sms.ErrCorrupt)
		})
	}
}

// docAt returns the stored document of the incident as it was at version
// v: the caller asks while the incident is at v.
func docAt(t testing.TB, h Harness, db *sql.DB, id string, v int64) string {
	t.Helper()
	var (
		version int64
		doc     string
	)
	require.NoError(t, db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT version, doc FROM sms_entities WHERE kind = ? AND id = ?"), string(incident.Kind), id).Scan(&version, &doc))
	require.Equal(t, v, version)
	return doc
}

func setRow(t testing.TB, h Harness, db *sql.DB, id string, version int64, doc string) error {
	t.Helper()
	var d struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return err
	}
	_, err := Exec(t, h, db, "UPDATE sms_entities SET version = ?, status = ?, doc = ? WHERE kind = ? AND id = ?", version, d.Status, doc, string(incident.Kind), id)
	return err
}

// testKey is the host's signing key in these tests.
func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize))
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// rewriteJournal replaces the stored journal of the incident with entries,
// as an administrator with the triggers dropped can.
func rewriteJournal(t testing.TB, h Harness, db *sql.DB, id string, entries []sms.Entry) {
	t.Helper()
	_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ?", string(incident.Kind), id)
	require.NoError(t, err)
	for _, en := range entries {
		roles, payload := "[]", "[]"
		if len(en.Actor.Roles) > 0 {
			b, _ := json.Marshal(en.Actor.Roles)
			roles = string(b)
		}
		if len(en.Payload) > 0 {
			b, _ := json.Marshal(en.Payload)
			payload = string(b)
		}
		hb := func(h sms.Hash) []byte {
			if h.IsZero() {
				return []byte{}
			}
			return append([]byte(nil), h[:]...)
		}
		_, err := Exec(t, h, db, "INSERT INTO sms_journal (kind, entity_id, seq, entry_id, at_us, trig, from_status, to_status, actor_id, "+
			"actor_roles, reason, payload, prev, hash, state, idem_key, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			string(en.Kind), en.EntityID, en.Seq, en.ID, en.At.UnixMicro(), en.Trigger, en.From, en.To, en.Actor.ID, roles, en.Reason, payload,
			en.Prev[:], en.Hash[:], hb(en.State), en.Key, hb(en.Request))
		require.NoError(t, err)
	}
}

// rechain recomputes the hashes of entries from index i on, as someone who
// rewrites history and knows the encoding does.
func rechain(entries []sms.Entry, i int) {
	for ; i < len(entries); i++ {
		entries[i].Seq = int64(i + 1)
		if i > 0 {
			entries[i].Prev = entries[i-1].Hash
		}
		entries[i].Hash = entries[i].ComputeHash()
	}
}

// storedIncident returns the incident's stored document, decoded.
func storedIncident(t testing.TB, h Harness, db *sql.DB, id string) *incident.Incident {
	t.Helper()
	var doc string
	require.NoError(t, db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT doc FROM sms_entities WHERE kind = ? AND id = ?"), string(incident.Kind), id).Scan(&doc))
	inc := new(incident.Incident)
	require.NoError(t, json.Unmarshal([]byte(doc), inc))
	return inc
}

// storeIncident writes the incident's row as the document says.
func storeIncident(t testing.TB, h Harness, db *sql.DB, inc *incident.Incident) {
	t.Helper()
	doc, err := json.Marshal(inc)
	require.NoError(t, err)
	require.NoError(t, setRow(t, h, db, inc.ID, inc.Version, string(doc)))
}

func testTamperTable(t *testing.T, h Harness) {
	cases := []struct {
		name string
		// tamper damages INC-1, whose journal runs from 1 to 6 (docs holds
		// its document at versions 4 to 6); ev reads the journal.
		tamper func(t *testing.T, db *sql.DB, ev *sqlstore.Evidence, docs map[int64]string)
		// Who detects it: sms.Machine.Verify, a checkpoint taken before.
		verify, checkpoint bool
	}{
		{"a field of the document edited", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, _ map[int64]string) {
			inc := storedIncident(t, h, db, "INC-1")
			inc.Summary = "Nothing happened"
			storeIncident(t, h, db, inc)
		}, true, false},
		{"the status forged in the row and the document", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, _ map[int64]string) {
			inc := storedIncident(t, h, db, "INC-1")
			inc.Status = incident.StatusClosed
			storeIncident(t, h, db, inc)
		}, true, false},
		{"the tail deleted and the record rolled back", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, docs map[int64]string) {
			_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ? AND seq > 4", string(incident.Kind), "INC-1")
			require.NoError(t, err)
			require.NoError(t, setRow(t, h, db, "INC-1", 4, docs[4]))
		}, false, true},
		{"an entry rewritten, the chain and head recomputed", func(t *testing.T, db *sql.DB, ev *sqlstore.Evidence, _ map[int64]string) {
			j, err := ev.Journal(bg(), incident.Kind, "INC-1")
			require.NoError(t, err)
			j[2].Actor.ID = "mallory" // who assigned it
			rechain(j, 2)
			rewriteJournal(t, h, db, "INC-1", j)
			inc := storedIncident(t, h, db, "INC-1")
			inc.Head = j[len(j)-1].Hash
			storeIncident(t, h, db, inc)
		}, false, true},
		{"the entity erased", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, _ map[int64]string) {
			for _, q := range []string{"DELETE FROM sms_journal WHERE kind = ? AND entity_id = ?", "DELETE FROM sms_links WHERE kind = ? AND entity_id = ?",
				"DELETE FROM sms_entities WHERE kind = ? AND id = ?"} {
				_, err := Exec(t, h, db, q, string(incident.Kind), "INC-1")
				require.NoError(t, err)
			}
		}, false, true},
		{"a forged entry inserted, the chain, state and head recomputed", func(t *testing.T, db *sql.DB, ev *sqlstore.Evidence, _ map[int64]string) {
			j, err := ev.Journal(bg(), incident.Kind, "INC-1")
			require.NoError(t, err)
			forged := j[4].Clone()
			forged.ID, forged.Payload = "0199a1b2-0000-7000-8000-00000000f0f0", []sms.Field{{Key: "text", Value: "the caller agreed"}}
			j = append(j[:4], append([]sms.Entry{forged}, j[4:]...)...)
			inc := storedIncident(t, h, db, "INC-1")
			inc.Version, inc.Head = int64(len(j)), sms.Hash{}
			j[len(j)-1].State, err = sms.StateDigest(inc)
			require.NoError(t, err)
			rechain(j, 4)
			rewriteJournal(t, h, db, "INC-1", j)
			inc.Head = j[len(j)-1].Hash
			storeIncident(t, h, db, inc)
		}, false, true},
		{"a forged entry inserted, the chain left", func(t *testing.T, db *sql.DB, ev *sqlstore.Evidence, _ map[int64]string) {
			j, err := ev.Journal(bg(), incident.Kind, "INC-1")
			require.NoError(t, err)
			forged := j[4].Clone()
			forged.Reason = "forged"
			j = append(j[:4], append([]sms.Entry{forged}, j[4:]...)...)
			for i := range j {
				j[i].Seq = int64(i + 1)
			}
			rewriteJournal(t, h, db, "INC-1", j)
		}, true, true},
		{"the record rolled back behind its intact journal", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, docs map[int64]string) {
			require.NoError(t, setRow(t, h, db, "INC-1", 4, docs[4]))
		}, true, false},
		{"a middle entry deleted", func(t *testing.T, db *sql.DB, _ *sqlstore.Evidence, _ map[int64]string) {
			_, err := Exec(t, h, db, "DELETE FROM sms_journal WHERE kind = ? AND entity_id = ? AND seq = 3", string(incident.Kind), "INC-1")
			require.NoError(t, err)
		}, true, true},
	}
	pub := testKey().Public().(ed25519.PublicKey)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := h.Open(t)
			svc := Service(t, NewStore[*incident.Incident](t, h, db))
			docs := map[int64]string{}
			WorkedIncident(t, svc, "INC-1")
			docs[4] = docAt(t, h, db, "INC-1", 4)
			for i, text := range []string{"a", "b"} {
				_, err := svc.AddNote(bg(), Actor(), "INC-1", incident.Note{Text: text})
				require.NoError(t, err)
				docs[int64(5+i)] = docAt(t, h, db, "INC-1", int64(5+i))
			}
			worked(t, svc, "INC-2")
			ev, err := sqlstore.NewEvidence(bg(), db, h.Dialect)
			require.NoError(t, err)
			cp, err := ev.Checkpoint(bg(), testKey(), "tamper-table", t0)
			require.NoError(t, err)

			DropGuards(t, h, db)
			tc.tamper(t, db, ev, docs)

			verr := svc.Verify(bg(), "INC-1")
			byVerify := errors.Is(verr, sms.ErrCorrupt)
			leaves, err := ev.Leaves(bg(), cp.Seq)
			require.NoError(t, err)
			r, err := checkpoint.Verify(bg(), cp, pub, leaves, ev)
			require.NoError(t, err)
			byCheckpoint := false
			for _, p := range r.Problems {
				require.Equal(t, "INC-1", p.Leaf.ID, "only the tampered record is reported: %s", p)
				byCheckpoint = true
			}
			assert.Equal(t, tc.verify, byVerify, "Verify: %v", verr)
			assert.Equal(t, tc.checkpoint, byCheckpoint, "checkpoint: %v", r.Problems)
			require.True(t, byVerify || byCheckpoint, "nothing detects it")
			require.NoError(t, svc.Verify(bg(), "INC-2"), "an untouched record still verifies")
			who := map[[2]bool]string{{true, false}: "Verify", {false, true}: "the checkpoint", {true, true}: "Verify and the checkpoint"}
			t.Logf("%s: detected by %s", tc.name, who[[2]bool{byVerify, byCheckpoint}])
		})
	}
}

func testCheckpoints(t *testing.T, h Harness) {
	db := h.Open(t)
	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	for _, id := range []string{"INC-1", "INC-2", "INC-3"} {
		worked(t, svc, id)
	}
	ev, err := sqlstore.NewEvidence(bg(), db, h.Dialect)
	require.NoError(t, err)
	pub := testKey().Public().(ed25519.PublicKey)
	cp1, err := ev.Checkpoint(bg(), testKey(), "sms-test", t0)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cp1.Seq)
	assert.Equal(t, int64(3), cp1.Size)
	l1, err := ev.Leaves(bg(), 1)
	require.NoError(t, err)
	r, err := checkpoint.Verify(bg(), cp1, pub, l1, ev)
	require.NoError(t, err)
	assert.True(t, r.OK(), "%v", r.Problems)
	assert.Equal(t, int64(3), r.Checked)

	_, err = svc.AddNote(bg(), Actor(), "INC-2", incident.Note{Text: "later"})
	require.NoError(t, err)
	worked(t, svc, "INC-4")
	cp2, err := ev.Checkpoint(bg(), testKey(), "sms-test", t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(2), cp2.Seq)
	assert.Equal(t, cp1.Root, cp2.Prev)
	assert.Equal(t, int64(4), cp2.Size)
	l2, err := ev.Leaves(bg(), 2)
	require.NoError(t, err)
	require.NoError(t, checkpoint.Extends(cp1, cp2, pub, l1, l2))
	r, err = checkpoint.Verify(bg(), cp1, pub, l1, ev)
	require.NoError(t, err)
	assert.True(t, r.OK(), "the first checkpoint still verifies after later transitions: %v", r.Problems)

	stored, err := ev.Checkpoints(bg())
	require.NoError(t, err)
	require.Len(t, stored, 2)
	assert.Equal(t, cp2.Root, stored[1].Root)
	require.NoError(t, stored[1].VerifySignature(pub))

	p, err := l2.Prove(incident.Kind, "INC-2")
	require.NoError(t, err)
	j, err := ev.Journal(bg(), incident.Kind, "INC-2")
	require.NoError(t, err)
	require.NoError(t, checkpoint.VerifyRecord(cp2, pub, p, j))

	for _, q := range []string{"UPDATE sms_checkpoints SET signed = 'x'", "DELETE FROM sms_checkpoints", "DELETE FROM sms_checkpoint_leaves",
		"UPDATE sms_checkpoint_leaves SET leaves = leaves"} {
		_, err := db.ExecContext(bg(), q)
		assert.Error(t, err, "%s must be refused", q)
	}
	_, err = ev.Leaves(bg(), 99)
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = ev.Journal(bg(), incident.Kind, "INC-404")
	assert.ErrorIs(t, err, sms.ErrNotFound)
}

// testKeys runs thousands of keyed calls under random deadlines, as a host
// whose requests time out does: every failed call either wrote nothing or
// is resolved by its retry with the same key, and no transition is ever
// applied twice.
func testKeys(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*incident.Incident](t, h, db)
	svc := Service(t, store)
	const (
		incidents = 16
		calls     = 2000
		workers   = 8
	)
	for i := range incidents {
		WorkedIncident(t, svc, fmt.Sprint("INC-", i))
	}
	var (
		failed, unknown, committedAnyway, conflicts atomic.Int64
		next                                        atomic.Int64
		wg                                          sync.WaitGroup
	)
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= calls {
					return
				}
				key := fmt.Sprint("req-", i)
				id := fmt.Sprint("INC-", i%incidents)
				note := incident.Note{Text: fmt.Sprint("note ", i)}
				ctx, cancel := context.WithTimeout(sms.WithIdempotencyKey(bg(), key), time.Duration(rand.N(3000))*time.Microsecond)
				_, err := svc.AddNote(ctx, Actor(), id, note)
				cancel()
				if err != nil {
					failed.Add(1)
					_, ferr := store.FindKey(bg(), key)
					found := ferr == nil
					switch {
					case errors.Is(err, sms.ErrUnknownOutcome):
						unknown.Add(1)
						if found {
							committedAnyway.Add(1)
						}
					case found:
						errs <- fmt.Errorf("call %d failed with %v, which says nothing was written, but its entry is stored", i, err)
						return
					case errors.Is(err, sms.ErrConflict):
						conflicts.Add(1)
					}
				}
				for err != nil {
					_, err = svc.AddNote(sms.WithIdempotencyKey(bg(), key), Actor(), id, note)
					if err != nil && !errors.Is(err, sms.ErrConflict) {
						errs <- fmt.Errorf("retry of call %d: %w", i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]int{}
	for i := range incidents {
		j, err := store.Journal(bg(), fmt.Sprint("INC-", i))
		require.NoError(t, err)
		require.NoError(t, sms.VerifyJournal(j))
		for _, en := range j {
			if en.Key != "" {
				seen[en.Key]++
			}
		}
	}
	twice := 0
	for _, n := range seen {
		if n > 1 {
			twice++
		}
	}
	assert.Zero(t, twice, "transitions applied twice")
	assert.Len(t, seen, calls, "every call applied once, after its retries")
	assert.Positive(t, failed.Load(), "the deadlines must make calls fail, or the test proves nothing")
	t.Logf("%s: %d calls, %d failed (%d with an unknown outcome, of which %d had committed; %d conflicts); 0 applied twice",
		h.Dialect.Name(), calls, failed.Load(), unknown.Load(), committedAnyway.Load(), conflicts.Load())
}
