package sqlstore

import (
	"context"
	"crypto"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/checkpoint"
)

// Evidence serves signed checkpoints (package checkpoint) over a database
// that sqlstore's Stores write: the head of every entity's journal, of
// every kind, read from the journal table itself; any entity's journal;
// and the checkpoints stored with their leaves in the tables
// sms_checkpoints and sms_checkpoint_leaves, append-only like the journal.
//
// A host writes a checkpoint periodically with [Evidence.Checkpoint] and
// hands the returned file to its auditor, who keeps it outside the
// database; later, [checkpoint.Verify] (or the command smsverify) proves
// against the same database that no history the checkpoint covered was
// truncated, rewritten or erased. An Evidence is safe for concurrent use.
//
// An Evidence reads and writes outside every transaction: each method
// refuses, with an [*sms.ValidationError] (Field "ctx"), a context that
// carries a host's transaction ([WithTx]) or an atomic commit on its
// database (on SQLite's one connection it would wait for the
// transaction's).
type Evidence struct {
	db *sql.DB
	d  Dialect
}

// NewEvidence returns the evidence of db, whose schema must be this code's
// (see [New]).
func NewEvidence(ctx context.Context, db *sql.DB, d Dialect) (*Evidence, error) {
	if db == nil {
		return nil, &Error{Op: opNew, Err: errNoDB}
	}
	have, want, err := SchemaVersion(ctx, db, d)
	if err != nil {
		return nil, err
	}
	if have != want {
		return nil, &SchemaError{Database: have, Code: want}
	}
	return &Evidence{db: db, d: d}, nil
}

// headsPage is how many journal rows one query of [Evidence.Heads] reads.
const headsPage = 10000

// Heads implements [checkpoint.Heads]: the last entry of every journal in
// the database, in (kind, entity ID) order, read along the journal's
// primary key a page at a time, so that writers are never held up for
// long. An entity whose journal grows during the scan is seen at one of
// its heads; either is a true head at some moment of the scan.
func (ev *Evidence) Heads(ctx context.Context, fn func(checkpoint.Leaf) error) error {
	if err := ev.outside(ctx); err != nil {
		return err
	}
	p := ev.d.Placeholder
	q := "SELECT kind, entity_id, seq, hash FROM sms_journal WHERE (kind, entity_id, seq) > (" + p(1) + ", " + p(2) + ", " + p(3) +
		") ORDER BY kind, entity_id, seq LIMIT " + p(4)
	first := "SELECT kind, entity_id, seq, hash FROM sms_journal ORDER BY kind, entity_id, seq LIMIT " + p(1)
	var (
		cur    checkpoint.Leaf
		have   bool
		afterK string
		afterI string
		afterS int64
		start  = true
	)
	for {
		var rows *sql.Rows
		var err error
		if start {
			rows, err = ev.db.QueryContext(ctx, first, headsPage)
		} else {
			rows, err = ev.db.QueryContext(ctx, q, afterK, afterI, afterS, headsPage)
		}
		if err != nil {
			return ev.failure(ctx, "heads", err)
		}
		// The page is read whole and its rows closed before fn sees a
		// head, so that fn may use the database (whose only connection,
		// on SQLite, the rows would hold).
		n := 0
		var done []checkpoint.Leaf
		for rows.Next() {
			var (
				kind, id string
				seq      int64
				hash     []byte
			)
			if err := rows.Scan(&kind, &id, &seq, &hash); err != nil {
				rows.Close()
				return &sms.CorruptError{Kind: sms.Kind(kind), ID: id, Problem: "sqlstore: a journal row does not scan", Err: err}
			}
			n++
			afterK, afterI, afterS = kind, id, seq
			if len(hash) != len(cur.Hash) {
				rows.Close()
				return &sms.CorruptError{Kind: sms.Kind(kind), ID: id, Problem: fmt.Sprintf("sqlstore: journal entry %d: the hash has %d bytes", seq, len(hash))}
			}
			if have && (sms.Kind(kind) != cur.Kind || id != cur.ID) {
				done = append(done, cur)
			}
			cur = checkpoint.Leaf{Kind: sms.Kind(kind), ID: id, Seq: seq}
			copy(cur.Hash[:], hash)
			have = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return ev.failure(ctx, "heads", err)
		}
		for _, l := range done {
			if err := fn(l); err != nil {
				return err
			}
		}
		start = false
		if n < headsPage {
			break
		}
	}
	if have {
		return fn(cur)
	}
	return nil
}

// Orphans calls fn with every entity that has a journal but no record:
// an entity row deleted behind its journal's back.
func (ev *Evidence) Orphans(ctx context.Context, fn func(kind sms.Kind, id string) error) error {
	if err := ev.outside(ctx); err != nil {
		return err
	}
	rows, err := ev.db.QueryContext(ctx, "SELECT DISTINCT j.kind, j.entity_id FROM sms_journal j LEFT JOIN sms_entities e "+
		"ON e.kind = j.kind AND e.id = j.entity_id WHERE e.id IS NULL ORDER BY j.kind, j.entity_id")
	if err != nil {
		return ev.failure(ctx, "orphans", err)
	}
	var found [][2]string
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			rows.Close()
			return ev.failure(ctx, "orphans", err)
		}
		found = append(found, [2]string{k, id})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return ev.failure(ctx, "orphans", err)
	}
	for _, f := range found {
		if err := fn(sms.Kind(f[0]), f[1]); err != nil {
			return err
		}
	}
	return nil
}

// Journal implements [checkpoint.Journals]: the journal of the entity of
// any kind, read from the journal table alone (the entity's row may be
// gone), or an [*sms.NotFoundError].
func (ev *Evidence) Journal(ctx context.Context, kind sms.Kind, id string) ([]sms.Entry, error) {
	if err := ev.outside(ctx); err != nil {
		return nil, err
	}
	p := ev.d.Placeholder
	rows, err := ev.db.QueryContext(ctx, "SELECT "+journalSelect("")+" FROM sms_journal WHERE kind = "+p(1)+" AND entity_id = "+p(2)+" ORDER BY seq",
		string(kind), id)
	if err != nil {
		return nil, ev.failure(ctx, opJournal, err)
	}
	defer rows.Close()
	var (
		out   []sms.Entry
		r     journalRow
		dests = r.dests()
	)
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return nil, &sms.CorruptError{Kind: kind, ID: id, Problem: "sqlstore: a journal row does not scan", Err: err}
		}
		en, err := r.entry(kind, id)
		if err != nil {
			return nil, err
		}
		out = append(out, en)
	}
	if err := rows.Err(); err != nil {
		return nil, ev.failure(ctx, opJournal, err)
	}
	if len(out) == 0 {
		return nil, &sms.NotFoundError{Kind: kind, ID: id}
	}
	return out, nil
}

// Checkpoint builds a checkpoint over every journal in the database,
// chained to the latest checkpoint stored, signed by signer (the host's
// Ed25519 key), and stores it with its leaves in one transaction. It
// returns the checkpoint: give its JSON to the auditor, who keeps it. at is
// the checkpoint's time (the host's clock).
func (ev *Evidence) Checkpoint(ctx context.Context, signer crypto.Signer, origin string, at time.Time) (*checkpoint.Checkpoint, error) {
	if err := ev.outside(ctx); err != nil {
		return nil, err
	}
	cps, err := ev.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	var prev *checkpoint.Checkpoint
	if len(cps) > 0 {
		prev = cps[len(cps)-1]
	}
	cp, leaves, err := checkpoint.Build(ctx, ev, checkpoint.Options{Origin: origin, Time: at, Prev: prev, Signer: signer})
	if err != nil {
		return nil, err
	}
	signed, err := json.Marshal(cp)
	if err != nil {
		return nil, err
	}
	tx, err := ev.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, ev.failure(ctx, "checkpoint", err)
	}
	defer tx.Rollback()
	p := ev.d.Placeholder
	if _, err := tx.ExecContext(ctx, "INSERT INTO sms_checkpoints (seq, created_us, root, signed) VALUES ("+p(1)+", "+p(2)+", "+p(3)+", "+p(4)+")",
		cp.Seq, cp.Time.UnixMicro(), cp.Root[:], string(signed)); err != nil {
		if ev.d.Classify(err) == ClassUnique {
			return nil, &sms.ConflictError{Kind: "checkpoint", ID: fmt.Sprint(cp.Seq), Expected: cp.Seq - 1, Actual: -1}
		}
		return nil, ev.failure(ctx, "checkpoint", err)
	}
	ins, err := tx.PrepareContext(ctx, "INSERT INTO sms_checkpoint_leaves (checkpoint, chunk, leaves) VALUES ("+p(1)+", "+p(2)+", "+p(3)+")")
	if err != nil {
		return nil, ev.failure(ctx, "checkpoint", err)
	}
	defer ins.Close()
	for i, c := range leaves.Chunks() {
		if _, err := ins.ExecContext(ctx, cp.Seq, i, c); err != nil {
			return nil, ev.failure(ctx, "checkpoint", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, &sms.UnknownOutcomeError{Kind: "checkpoint", ID: fmt.Sprint(cp.Seq), Err: err}
	}
	return cp, nil
}

// Checkpoints returns the checkpoints stored in the database, oldest first.
// They are what the database says: an auditor verifies the ones they kept,
// not these.
func (ev *Evidence) Checkpoints(ctx context.Context) ([]*checkpoint.Checkpoint, error) {
	if err := ev.outside(ctx); err != nil {
		return nil, err
	}
	rows, err := ev.db.QueryContext(ctx, "SELECT seq, signed FROM sms_checkpoints ORDER BY seq")
	if err != nil {
		return nil, ev.failure(ctx, "checkpoints", err)
	}
	defer rows.Close()
	var out []*checkpoint.Checkpoint
	for rows.Next() {
		var (
			seq    int64
			signed []byte
		)
		if err := rows.Scan(&seq, &signed); err != nil {
			return nil, &sms.CorruptError{Kind: "checkpoint", Problem: "sqlstore: a checkpoint row does not scan", Err: err}
		}
		cp := new(checkpoint.Checkpoint)
		if err := json.Unmarshal(signed, cp); err != nil || cp.Seq != seq {
			return nil, &sms.CorruptError{Kind: "checkpoint", ID: fmt.Sprint(seq), Problem: "sqlstore: a stored checkpoint does not decode", Err: err}
		}
		out = append(out, cp)
	}
	if err := rows.Err(); err != nil {
		return nil, ev.failure(ctx, "checkpoints", err)
	}
	return out, nil
}

// Leaves returns the stored leaves of checkpoint seq, or an
// [*sms.NotFoundError] when the database holds none. They are checked
// against the checkpoint by [checkpoint.Checkpoint.CheckLeaves], not here.
func (ev *Evidence) Leaves(ctx context.Context, seq int64) (*checkpoint.Leaves, error) {
	if err := ev.outside(ctx); err != nil {
		return nil, err
	}
	rows, err := ev.db.QueryContext(ctx, "SELECT chunk, leaves FROM sms_checkpoint_leaves WHERE checkpoint = "+ev.d.Placeholder(1)+" ORDER BY chunk", seq)
	if err != nil {
		return nil, ev.failure(ctx, "leaves", err)
	}
	defer rows.Close()
	var chunks [][]byte
	for rows.Next() {
		var (
			i int64
			c []byte
		)
		if err := rows.Scan(&i, &c); err != nil || i != int64(len(chunks)) {
			return nil, &sms.CorruptError{Kind: "checkpoint", ID: fmt.Sprint(seq), Problem: "sqlstore: the checkpoint's leaves are not contiguous chunks", Err: err}
		}
		chunks = append(chunks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, ev.failure(ctx, "leaves", err)
	}
	if len(chunks) == 0 {
		var n int
		if err := ev.db.QueryRowContext(ctx, "SELECT count(*) FROM sms_checkpoints WHERE seq = "+ev.d.Placeholder(1), seq).Scan(&n); err != nil {
			return nil, ev.failure(ctx, "leaves", err)
		}
		if n == 0 {
			return nil, &sms.NotFoundError{Kind: "checkpoint", ID: fmt.Sprint(seq)}
		}
	}
	l, err := checkpoint.FromChunks(chunks)
	if err != nil {
		return nil, &sms.CorruptError{Kind: "checkpoint", ID: fmt.Sprint(seq), Problem: "sqlstore: " + err.Error()}
	}
	return l, nil
}

func (ev *Evidence) failure(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = cerr
	}
	return &Error{Op: op, Err: err}
}

var (
	_ checkpoint.Heads    = (*Evidence)(nil)
	_ checkpoint.Journals = (*Evidence)(nil)
)

// outside refuses a context that carries a host's transaction, on any
// database, or an atomic commit on the evidence's.
func (ev *Evidence) outside(ctx context.Context) error {
	if a, ok := ctx.Value(txKey{}).(*atomicCommit); ok && (a.host || a.db == ev.db) {
		return &sms.ValidationError{Field: "ctx", Problem: "carries a transaction (sqlstore.WithTx or sms.Atomically): " +
			"an Evidence reads and writes outside transactions; call it with a context that carries none"}
	}
	return nil
}
