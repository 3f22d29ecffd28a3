package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/iso20k/sms"
)

// Operations, as named in an [Error].
const (
	opCreate  = "create"
	opGet     = "get"
	opCommit  = "commit"
	opList    = "list"
	opJournal = "journal"
	opLoad    = "load"
	opMigrate = "migrate"
	opNew     = "new"
)

// Options configure a [Store]. The zero value works.
type Options struct {
	// Reader, when set, serves Get, List and Journal, while writes (and the
	// reads a write makes inside its transaction) use the *sql.DB given to
	// [New]. It must be a handle on the same database, such as a pool of
	// read-only SQLite connections beside the single writer connection
	// sqlite.Open configures. Nil means the one *sql.DB serves everything.
	Reader *sql.DB
	// Group, when set, is the group commit of the Stores on the *sql.DB
	// given to [New] (made by [NewGroup] on that *sql.DB): the creates and
	// commits that arrive while one is being made durable share the next
	// transaction. Give every Store on the database the same Group. Nil
	// means each write commits on its own.
	Group *Group
}

// Store is an [sms.Store] and an [sms.Loader] for entities of type E, kept in
// a SQL database through database/sql. One Store serves one kind; any number
// of Stores, of any kinds, share a database and its tables. A Store is safe
// for concurrent use, and so are Stores in several processes on one
// database: every write is one transaction, guarded by the entity's
// version.
//
// Every method honours ctx, copies in and out (what is stored is the JSON
// of the entity, so no caller shares memory with it), and returns the
// errors [sms.Store] documents, plus:
//
//   - an [*sms.ConflictError] with Actual -1 when the database made the
//     transaction lose to a concurrent one (see [ClassConflict]);
//   - an [*sms.CorruptError] naming the entity when a stored row does not
//     decode: a document that is not the JSON of E, a document whose ID,
//     version or status disagrees with its row, a hash that is not 32
//     bytes;
//   - an [*sms.ValidationError] for values the store cannot keep exactly:
//     journal roles and payloads that are not valid UTF-8 (they are stored
//     as JSON), or text PostgreSQL refuses; and for a read or a write
//     whose context carries a host's transaction ([WithTx]) that the store
//     cannot use (Field "ctx"): another database's, or a nil one;
//   - an [*Error] for any other failure of the database, wrapping the
//     driver's error or the context's.
//
// With a context from [WithTx] the store reads and writes in the host's
// transaction, each write under a savepoint, and never commits it.
type Store[E sms.Entity[E]] struct {
	db, rdb *sql.DB
	group   *Group
	// onWriter maps each read statement prepared on rdb, when it is not
	// db, to its twin on db.
	onWriter map[*sql.Stmt]*sql.Stmt
	d        Dialect
	eng      engine
	kind     sms.Kind
	k        string // kind, as bound to statements

	insertEntity, updateInPlace, updateStatus, updateAll, current, tail, deleteLinks, insertEntry *sql.Stmt
	commitOne                                                                                     *sql.Stmt // nil unless engine.oneStatement
	get, journal, journals, findKey                                                               *sql.Stmt
	// The statements of paged links (see pages.go); readPageRows is the
	// reader's twin of pagesFrom.
	pageDigests, pagesFrom, readPageRows, upsertPage, deletePages *sql.Stmt
	cache                                                         pageCache
	stmts                                                         []*sql.Stmt
	// journalBatch[k] inserts 1<<k journal rows (k >= 1) with one multi-row
	// statement, prepared once: a statement built per commit would be
	// parsed and planned again every time.
	journalBatch [batchLevels]*sql.Stmt
	// insertLinkBatch[k] and removeLinkBatch[k] insert and delete 1<<k
	// links of an entity (see linkStatements).
	insertLinkBatch, removeLinkBatch [linkLevels]*sql.Stmt
}

// Columns, in the order the statements bind them.
const (
	entityColumns  = "kind, id, version, status, service, owner, links, created_us, updated_us, doc"
	journalColumns = "kind, entity_id, seq, entry_id, at_us, trig, from_status, to_status, actor_id, actor_roles, reason, payload, prev, hash, state, idem_key, request"
	journalWidth   = 17
)

// New returns a store of the entities of type E (a pointer type, such as
// *incident.Incident) in db, whose kind is E's [sms.Entity.EntityKind]. The
// host owns db: New neither opens nor closes it, and sets no pool limits.
//
// New checks that db's schema is the one this code was built for and
// returns a [*SchemaError] otherwise: call [Migrate] first (sqlite.Open and
// postgres.Open do). It prepares the store's statements; [Store.Close]
// releases them.
func New[E sms.Entity[E]](ctx context.Context, db *sql.DB, d Dialect, o Options) (*Store[E], error) {
	if db == nil {
		return nil, &Error{Op: opNew, Err: errNoDB}
	}
	eng, err := engineOf(d)
	if err != nil {
		return nil, err
	}
	var zero E
	kind := zero.EntityKind()
	if kind == "" {
		return nil, &Error{Op: opNew, Err: errNoKind}
	}
	have, want, err := SchemaVersion(ctx, db, d)
	if err != nil {
		return nil, err
	}
	if have != want {
		return nil, &SchemaError{Database: have, Code: want}
	}
	if o.Group != nil && o.Group.db != db {
		return nil, &Error{Op: opNew, Kind: kind, Err: errGroupDB}
	}
	s := &Store[E]{db: db, rdb: o.Reader, d: d, eng: eng, kind: kind, k: string(kind), group: o.Group}
	if s.rdb == nil {
		s.rdb = db
	}
	p := s.marks
	// chained is the condition every commit's UPDATE carries besides the
	// version: the journal ends with the entry the commit chains to (the
	// entry at the expected version has the hash the first new entry names
	// as its Prev, and none follows it). A record rolled back behind its
	// journal, or a journal whose tail was removed or rewritten, is not
	// extended. Its parameters, from the n-th: kind, id, expect, prev, kind,
	// id, expect.
	chained := func(n int) string {
		return " AND EXISTS (SELECT 1 FROM sms_journal WHERE kind = " + p(n, 1) + " AND entity_id = " + p(n+1, 1) +
			" AND seq = " + p(n+2, 1) + " AND hash = " + p(n+3, 1) + ") AND NOT EXISTS (SELECT 1 FROM sms_journal WHERE kind = " +
			p(n+4, 1) + " AND entity_id = " + p(n+5, 1) + " AND seq > " + p(n+6, 1) + ")"
	}
	pagesFrom := "SELECT page, digest, links FROM sms_link_pages WHERE kind = " + p(1, 1) + " AND entity_id = " + p(2, 1) +
		" AND page >= " + p(3, 1) + " ORDER BY page"
	prepare := []struct {
		st  **sql.Stmt
		db  *sql.DB
		sql string
	}{
		{&s.insertEntity, db, "INSERT INTO sms_entities (" + entityColumns + ") VALUES (" + p(1, 10) + ") ON CONFLICT (kind, id) DO NOTHING"},
		// The two common commits, which leave the indexed values (or all
		// but the status) as they were: an UPDATE that sets no indexed
		// column leaves the indexes alone, where setting a column to its
		// own value would still rewrite its index entries on SQLite.
		{&s.updateInPlace, db, "UPDATE sms_entities SET version = " + p(1, 1) + ", updated_us = " + p(2, 1) + ", doc = " + p(3, 1) +
			" WHERE kind = " + p(4, 1) + " AND id = " + p(5, 1) + " AND version = " + p(6, 1) + " AND status = " + p(7, 1) +
			" AND service = " + p(8, 1) + " AND owner = " + p(9, 1) + " AND links = " + p(10, 1) + chained(11)},
		{&s.updateStatus, db, "UPDATE sms_entities SET version = " + p(1, 1) + ", status = " + p(2, 1) + ", updated_us = " + p(3, 1) +
			", doc = " + p(4, 1) + " WHERE kind = " + p(5, 1) + " AND id = " + p(6, 1) + " AND version = " + p(7, 1) +
			" AND service = " + p(8, 1) + " AND owner = " + p(9, 1) + " AND links = " + p(10, 1) + chained(11)},
		{&s.updateAll, db, "UPDATE sms_entities SET version = " + p(1, 1) + ", status = " + p(2, 1) + ", service = " + p(3, 1) +
			", owner = " + p(4, 1) + ", updated_us = " + p(5, 1) + ", doc = " + p(6, 1) + ", links = " + p(7, 1) +
			" WHERE kind = " + p(8, 1) + " AND id = " + p(9, 1) + " AND version = " + p(10, 1) + chained(11)},
		// The stored version and links of a commit that changes more than
		// the status: the row locked, where the engine can, until the
		// commit's UPDATE.
		{&s.current, db, "SELECT version, links FROM sms_entities WHERE kind = " + p(1, 1) + " AND id = " + p(2, 1) + eng.lockRow},
		{&s.tail, db, "SELECT seq, hash FROM sms_journal WHERE kind = " + p(1, 1) + " AND entity_id = " + p(2, 1) + " ORDER BY seq DESC LIMIT 1"},
		{&s.findKey, s.rdb, "SELECT entity_id, " + journalSelect("") + " FROM sms_journal WHERE kind = " + p(1, 1) + " AND idem_key = " + p(2, 1) + " AND idem_key <> ''"},
		{&s.deleteLinks, db, "DELETE FROM sms_links WHERE kind = " + p(1, 1) + " AND entity_id = " + p(2, 1)},
		{&s.insertEntry, db, "INSERT INTO sms_journal (" + journalColumns + ") VALUES (" + p(1, journalWidth) + ")"},
		{&s.get, s.rdb, "SELECT version, status, doc, links FROM sms_entities WHERE kind = " + p(1, 1) + " AND id = " + p(2, 1)},
		{&s.pageDigests, db, "SELECT page, digest FROM sms_link_pages WHERE kind = " + p(1, 1) + " AND entity_id = " + p(2, 1) + " ORDER BY page"},
		{&s.pagesFrom, db, pagesFrom},
		{&s.readPageRows, s.rdb, pagesFrom},
		{&s.upsertPage, db, "INSERT INTO sms_link_pages (kind, entity_id, page, digest, links) VALUES (" + p(1, 5) +
			") ON CONFLICT (kind, entity_id, page) DO UPDATE SET digest = excluded.digest, links = excluded.links"},
		{&s.deletePages, db, "DELETE FROM sms_link_pages WHERE kind = " + p(1, 1) + " AND entity_id = " + p(2, 1) + " AND page >= " + p(3, 1)},
		// One statement, so one snapshot: the entity's existence and its
		// whole journal are read together.
		{&s.journal, s.rdb, "SELECT e.version, " + journalSelect("j.") + " FROM sms_entities e " +
			"LEFT JOIN sms_journal j ON j.kind = e.kind AND j.entity_id = e.id " +
			"WHERE e.kind = " + p(1, 1) + " AND e.id = " + p(2, 1) + " ORDER BY j.seq"},
		{&s.journals, s.rdb, "SELECT entity_id, " + journalSelect("") + " FROM sms_journal WHERE kind = " + p(1, 1) +
			" AND entity_id IN (" + p(2, journalsAtOnce) + ") ORDER BY entity_id, seq"},
	}
	if eng.oneStatement {
		// The UPDATE of a commit and the INSERT of its one entry, in one
		// statement: the entry is inserted only if the row was updated.
		prepare = append(prepare, struct {
			st  **sql.Stmt
			db  *sql.DB
			sql string
		}{&s.commitOne, db, "WITH u AS (UPDATE sms_entities SET version = $1, status = $2, service = $3, owner = $4, " +
			"updated_us = $5, doc = $6 WHERE kind = $7 AND id = $8 AND version = $9 AND links = $10 " +
			"AND EXISTS (SELECT 1 FROM sms_journal WHERE kind = $7 AND entity_id = $8 AND seq = $9 AND hash = $21) " +
			"AND NOT EXISTS (SELECT 1 FROM sms_journal WHERE kind = $7 AND entity_id = $8 AND seq > $9) RETURNING kind, id) " +
			"INSERT INTO sms_journal (" + journalColumns + ") SELECT u.kind, u.id, $11::bigint, $12::text, $13::bigint, " +
			"$14::text, $15::text, $16::text, $17::text, $18::json, $19::text, $20::json, $21::bytea, $22::bytea, " +
			"$23::bytea, $24::text, $25::bytea FROM u"})
	}
	if eng.batch {
		for k := 1; k < batchLevels; k++ {
			var b strings.Builder
			b.WriteString("INSERT INTO sms_journal (" + journalColumns + ") VALUES ")
			for i := 0; i < 1<<k; i++ {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + p(i*journalWidth+1, journalWidth) + ")")
			}
			prepare = append(prepare, struct {
				st  **sql.Stmt
				db  *sql.DB
				sql string
			}{&s.journalBatch[k], db, b.String()})
		}
	}
	ins, rm := s.linkStatements()
	for k := range linkLevels {
		prepare = append(prepare, struct {
			st  **sql.Stmt
			db  *sql.DB
			sql string
		}{&s.insertLinkBatch[k], db, ins[k]}, struct {
			st  **sql.Stmt
			db  *sql.DB
			sql string
		}{&s.removeLinkBatch[k], db, rm[k]})
	}
	for _, ps := range prepare {
		st, err := ps.db.PrepareContext(ctx, ps.sql)
		if err != nil {
			s.Close()
			if cerr := ctx.Err(); cerr != nil {
				err = cerr
			}
			return nil, &Error{Op: opNew, Kind: kind, Err: fmt.Errorf("preparing %q: %w", ps.sql, err)}
		}
		*ps.st = st
		s.stmts = append(s.stmts, st)
		if ps.db != db {
			// A read on the reader's pool has its twin on the writer's,
			// for reads inside an atomic commit's transaction.
			w, err := db.PrepareContext(ctx, ps.sql)
			if err != nil {
				s.Close()
				return nil, &Error{Op: opNew, Kind: kind, Err: fmt.Errorf("preparing %q: %w", ps.sql, err)}
			}
			if s.onWriter == nil {
				s.onWriter = map[*sql.Stmt]*sql.Stmt{}
			}
			s.onWriter[st] = w
			s.stmts = append(s.stmts, w)
		}
	}
	return s, nil
}

// Close releases the store's prepared statements. It does not close the
// *sql.DB, which the host owns; close that after the stores that use it.
func (s *Store[E]) Close() error {
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	if err := errors.Join(errs...); err != nil {
		return &Error{Op: "close", Kind: s.kind, Err: err}
	}
	return nil
}

// marks returns n bind markers from the from-th, separated by commas.
func (s *Store[E]) marks(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.d.Placeholder(from + i))
	}
	return b.String()
}

// Create implements [sms.Store]: the entity row, its links and its first
// journal entry in one transaction. A taken ID gives an [*sms.ExistsError].
func (s *Store[E]) Create(ctx context.Context, e E, first sms.Entry) error {
	return s.load(ctx, opCreate, e, []sms.Entry{first})
}

// Load implements [sms.Loader]: the entity and its whole journal in one
// transaction, as an import or a replay of an event log does, one
// transaction per entity. A taken ID gives an [*sms.ExistsError].
func (s *Store[E]) Load(ctx context.Context, e E, entries []sms.Entry) error {
	return s.load(ctx, opLoad, e, entries)
}

func (s *Store[E]) load(ctx context.Context, op string, e E, entries []sms.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, 0, entries); err != nil {
		return err
	}
	if op == opLoad {
		// What is loaded comes from outside the pipeline: it is stored only
		// if it verifies.
		if err := sms.VerifyJournal(entries); err != nil {
			return err
		}
		if err := sms.VerifyHead(e, entries); err != nil {
			return err
		}
	}
	row, err := s.encode(e)
	if err != nil {
		return err
	}
	jr, err := s.encodeEntries(entries)
	if err != nil {
		return err
	}
	h, err := hostTx(ctx, s.db, s.kind)
	if err != nil {
		return err
	}
	if h != nil {
		return h.guarded(ctx, s.current, func() error { return s.loadRows(ctx, op, row, jr, entries) })
	}
	if s.group != nil && atomicTx(ctx, s.db) == nil {
		return s.group.do(ctx, func(ctx context.Context) error { return s.loadRows(ctx, op, row, jr, entries) },
			func(err error, committing bool) error {
				if committing {
					return s.commitFailure(ctx, op, row.id, 0, err)
				}
				return s.failure(ctx, op, row.id, 0, err)
			})
	}
	return s.loadRows(ctx, op, row, jr, entries)
}

// loadRows writes an encoded create or load: load after the encoding.
func (s *Store[E]) loadRows(ctx context.Context, op string, row entityRow, jr []entryRow, entries []sms.Entry) error {
	fail := func(err error) error { return s.failure(ctx, op, row.id, 0, err) }
	tx, owned, err := s.begin(ctx)
	if err != nil {
		return fail(err)
	}
	if owned {
		defer tx.Rollback()
	}
	if row.list != nil {
		if err := s.checkUTF8(row.linkList); err != nil {
			return err // paged links are not in the document, which was checked
		}
	}
	res, err := tx.StmtContext(ctx, s.insertEntity).ExecContext(ctx,
		s.k, row.id, row.version, row.status, row.service, row.owner, row.links, row.created, row.updated, row.doc)
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		return &sms.ExistsError{Kind: s.kind, ID: row.id}
	}
	if err := s.insertLinks(ctx, tx, row.id, row.linkList); err != nil {
		return fail(err)
	}
	if err := s.writePages(ctx, tx, &row, func(int) bool { return true }, 0); err != nil {
		return fail(err)
	}
	if err := s.insertEntries(ctx, tx, entries, jr); err != nil {
		return fail(err)
	}
	if !owned {
		return nil // the enclosing atomic commit commits
	}
	if err := tx.Commit(); err != nil {
		return s.commitFailure(ctx, op, row.id, 0, err)
	}
	return nil
}

// Commit implements [sms.Store]. In one transaction it updates the entity
// row only if its version is expect and its journal ends with the entry
// the first new entry chains to, appends the entries and, when the
// entity's links changed, deletes the links removed and inserts the links
// added (the links as stored are read, in the transaction, only then: a
// commit that leaves them alone matches them in its UPDATE's condition and
// does not touch the links table). When no row was updated it tells,
// inside the same transaction, an unknown ID ([*sms.NotFoundError]) from a
// stale version ([*sms.ConflictError] with the stored version as Actual)
// from a journal that does not end where the record says
// ([*sms.CorruptError]: a record rolled back behind its journal, a tail
// removed or rewritten; nothing is written, and [sms.Machine.Verify] says
// what differs). A failure of the COMMIT itself, or of the one-statement
// commit below, leaves the outcome unknown: [*sms.UnknownOutcomeError];
// but a serialization failure PostgreSQL reports at the COMMIT, which
// rolled the transaction back, is a conflict.
//
// On PostgreSQL the common commit, one entry that leaves the links as they
// were, is first tried as one statement (a WITH clause whose UPDATE feeds
// the INSERT of the entry), atomic on its own and one round trip instead of
// four; when it writes nothing, the transaction above tells why.
func (s *Store[E]) Commit(ctx context.Context, e E, expect int64, entries []sms.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sms.CheckCommit(e, expect, entries); err != nil {
		return err
	}
	row, err := s.encode(e)
	if err != nil {
		return err
	}
	jr, err := s.encodeEntries(entries)
	if err != nil {
		return err
	}
	h, err := hostTx(ctx, s.db, s.kind)
	if err != nil {
		return err
	}
	if h != nil {
		return h.guarded(ctx, s.current, func() error { return s.commitRows(ctx, row, jr, expect, entries) })
	}
	if s.group != nil && atomicTx(ctx, s.db) == nil {
		// Encoded outside the batch; written inside it, with the others.
		return s.group.do(ctx, func(ctx context.Context) error { return s.commitRows(ctx, row, jr, expect, entries) },
			func(err error, committing bool) error {
				if committing {
					return s.commitFailure(ctx, opCommit, row.id, expect, err)
				}
				return s.failure(ctx, opCommit, row.id, expect, err)
			})
	}
	return s.commitRows(ctx, row, jr, expect, entries)
}

// commitRows writes an encoded commit: Commit after the encoding.
func (s *Store[E]) commitRows(ctx context.Context, row entityRow, jr []entryRow, expect int64, entries []sms.Entry) error {
	fail := func(err error) error { return s.failure(ctx, opCommit, row.id, expect, err) }
	inTx := atomicTx(ctx, s.db) != nil
	oneTried := s.commitOne != nil && len(entries) == 1 && !inTx
	if oneTried {
		// One statement, atomic by itself, for the common commit; if it
		// wrote nothing (links changed, stale version, unknown ID), the
		// transaction below finds out which.
		en := &entries[0]
		res, err := s.commitOne.ExecContext(ctx, row.version, row.status, row.service, row.owner, row.updated, row.doc,
			s.k, row.id, expect, row.links, en.Seq, en.ID, en.At.UnixMicro(), en.Trigger, en.From, en.To, en.Actor.ID,
			jr[0].roles, en.Reason, jr[0].payload, en.Prev[:], en.Hash[:], hashBytes(en.State), en.Key, hashBytes(en.Request))
		if err != nil {
			// The statement commits by itself: unless the database refused
			// it, it may have been applied.
			if c := s.d.Classify(err); c == ClassOther || ctx.Err() != nil {
				return s.unknown(ctx, opCommit, row.id, err)
			}
			return fail(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fail(err)
		} else if n == 1 {
			return nil
		}
	}
	tx, owned, err := s.begin(ctx)
	if err != nil {
		return fail(err)
	}
	if owned {
		defer tx.Rollback()
	}
	// Most transitions change no indexed value but, perhaps, the status:
	// then one UPDATE writes only what changed, and the links table is not
	// touched. The first entry's From tells whether the status changes; if
	// anything else changed (or From was wrong), no row matches and the
	// UPDATE of every column below runs. (On PostgreSQL the one statement
	// above tried the common case already.)
	var n int64
	prev := entries[0].Prev[:]
	if !oneTried {
		st, args := s.updateStatus, []any{row.version, row.status, row.updated, row.doc, s.k, row.id, expect, row.service, row.owner, row.links,
			s.k, row.id, expect, prev, s.k, row.id, expect}
		if entries[0].From == row.status {
			st, args = s.updateInPlace, []any{row.version, row.updated, row.doc, s.k, row.id, expect, row.status, row.service, row.owner, row.links,
				s.k, row.id, expect, prev, s.k, row.id, expect}
		}
		res, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		if err != nil {
			return fail(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fail(err)
		}
	}
	if n == 0 {
		// Something else changed too (or the version is stale, or the ID
		// unknown): the stored version and links tell which, and what
		// the links table needs.
		var (
			actual int64
			stored string
		)
		err := tx.StmtContext(ctx, s.current).QueryRowContext(ctx, s.k, row.id).Scan(&actual, &stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return &sms.NotFoundError{Kind: s.kind, ID: row.id}
		case err != nil:
			return fail(err)
		case actual != expect:
			return &sms.ConflictError{Kind: s.kind, ID: row.id, Expected: expect, Actual: actual}
		}
		res, err := tx.StmtContext(ctx, s.updateAll).ExecContext(ctx,
			row.version, row.status, row.service, row.owner, row.updated, row.doc, row.links, s.k, row.id, expect,
			s.k, row.id, expect, prev, s.k, row.id, expect)
		if err != nil {
			return fail(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fail(err)
		}
		if n == 0 {
			// The version matches, and the row is the transaction's
			// (locked on PostgreSQL, SQLite's write lock taken): the
			// journal does not end where the record says.
			var (
				seq  int64
				hash []byte
			)
			err := tx.StmtContext(ctx, s.tail).QueryRowContext(ctx, s.k, row.id).Scan(&seq, &hash)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return &sms.CorruptError{Kind: s.kind, ID: row.id, Problem: "sqlstore: the record has no journal: nothing was written"}
			case err != nil:
				return fail(err)
			case seq != expect || !bytes.Equal(hash, prev):
				return &sms.CorruptError{Kind: s.kind, ID: row.id, Problem: fmt.Sprintf(
					"sqlstore: the record is at version %d but its journal ends at entry %d, or not with the entry it chains to: nothing was written",
					expect, seq)}
			}
			return &sms.ConflictError{Kind: s.kind, ID: row.id, Expected: expect, Actual: -1}
		}
		if err := s.updateLinks(ctx, tx, &row, stored); err != nil {
			return fail(err)
		}
	}
	if err := s.insertEntries(ctx, tx, entries, jr); err != nil {
		return fail(err)
	}
	if !owned {
		return nil // the enclosing atomic commit commits
	}
	if err := tx.Commit(); err != nil {
		return s.commitFailure(ctx, opCommit, row.id, expect, err)
	}
	return nil
}

// hashBytes returns the bytes a hash column stores: none for the zero hash
// (an entry without a state or request digest), else the 32 bytes.
func hashBytes(h sms.Hash) []byte {
	if h.IsZero() {
		return []byte{}
	}
	return h[:]
}

// batchLevels bounds the multi-row journal INSERTs: up to 1<<(batchLevels-1)
// rows per statement.
const batchLevels = 7

// insertEntries writes the journal rows. Where the engine takes multi-row
// INSERTs, the rows go in chunks of 64, 32, ... 2 and 1, each chunk size a
// statement prepared once.
func (s *Store[E]) insertEntries(ctx context.Context, tx *sql.Tx, entries []sms.Entry, jr []entryRow) error {
	one := tx.StmtContext(ctx, s.insertEntry)
	for i := 0; i < len(entries); {
		k := 0
		if s.eng.batch {
			for k = batchLevels - 1; k > 0 && i+1<<k > len(entries); k-- {
			}
		}
		if k == 0 {
			if _, err := one.ExecContext(ctx, s.entryArgs(&entries[i], &jr[i])...); err != nil {
				return err
			}
			i++
			continue
		}
		n := 1 << k
		args := make([]any, 0, journalWidth*n)
		for j := i; j < i+n; j++ {
			args = append(args, s.entryArgs(&entries[j], &jr[j])...)
		}
		if _, err := tx.StmtContext(ctx, s.journalBatch[k]).ExecContext(ctx, args...); err != nil {
			return err
		}
		i += n
	}
	return nil
}

func (s *Store[E]) entryArgs(en *sms.Entry, r *entryRow) []any {
	return []any{s.k, en.EntityID, en.Seq, en.ID, en.At.UnixMicro(), en.Trigger, en.From, en.To,
		en.Actor.ID, r.roles, en.Reason, r.payload, en.Prev[:], en.Hash[:], hashBytes(en.State), en.Key, hashBytes(en.Request)}
}

// Get implements [sms.Store].
func (s *Store[E]) Get(ctx context.Context, id string) (E, error) {
	var zero E
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	st, err := s.reading(ctx, s.get)
	if err != nil {
		return zero, err
	}
	// Paged links are read after the row, and checked against its marker:
	// a commit in between makes them another list, and the entity is read
	// again.
	for range staleReads {
		e, marker, err := s.getRow(ctx, st, id)
		if err != nil {
			return zero, err
		}
		e, err = s.withPages(ctx, e, marker)
		if !errors.Is(err, errStalePages) {
			return e, err
		}
	}
	return zero, s.corrupt(id, fmt.Sprintf("the link pages did not match the entity row in %d reads", staleReads), errStalePages)
}

// staleReads is how many times Get reads an entity whose link pages keep
// changing under it before it calls them corrupt.
const staleReads = 4

// getRow reads the row of entity id with st and returns its entity,
// decoded, and its links column.
func (s *Store[E]) getRow(ctx context.Context, st *sql.Stmt, id string) (E, string, error) {
	var zero E
	rows, err := st.QueryContext(ctx, s.k, id)
	if err != nil {
		return zero, "", s.failure(ctx, opGet, id, 0, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, "", s.failure(ctx, opGet, id, 0, err)
		}
		return zero, "", &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	var (
		version int64
		status  string
		doc     sql.RawBytes
		links   string
	)
	if err := rows.Scan(&version, &status, &doc, &links); err != nil {
		return zero, "", s.corrupt(id, "the entity row does not scan", err)
	}
	e, err := s.decode(id, version, status, doc)
	return e, links, err
}

// Journal implements [sms.Store].
func (s *Store[E]) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := s.reading(ctx, s.journal)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, s.k, id)
	if err != nil {
		return nil, s.failure(ctx, opJournal, id, 0, err)
	}
	defer rows.Close()
	var (
		out     []sms.Entry
		version int64
		found   bool
		r       journalRow
	)
	dests := r.dests(&version)
	for rows.Next() {
		found = true
		if err := rows.Scan(dests...); err != nil {
			return nil, s.corrupt(id, "a journal row does not scan", err)
		}
		if !r.seq.Valid {
			return nil, s.corrupt(id, "the entity has no journal", nil)
		}
		en, err := r.entry(s.kind, id)
		if err != nil {
			return nil, err
		}
		if out == nil {
			// The row's version sizes the slice, within reason: a corrupt
			// row must not make an absurd allocation.
			out = make([]sms.Entry, 0, min(max(version, 1), 1<<12))
		}
		out = append(out, en)
	}
	if err := rows.Err(); err != nil {
		return nil, s.failure(ctx, opJournal, id, 0, err)
	}
	if !found {
		return nil, &sms.NotFoundError{Kind: s.kind, ID: id}
	}
	return out, nil
}

// journalsAtOnce is how many entities' journals one query of
// [Store.Journals] reads.
const journalsAtOnce = 32

// Journals implements [sms.JournalsReader]: the journals of the entities
// ids names, read from the journal table in one query per 32 IDs, keyed
// by ID; an ID without journal rows is left out (its Journal says why). A
// row that does not decode fails the read with an [*sms.CorruptError]
// naming its entity; more than [sms.MaxLimit] IDs are a
// [*sms.ValidationError].
func (s *Store[E]) Journals(ctx context.Context, ids []string) (map[string][]sms.Entry, error) {
	if len(ids) > sms.MaxLimit {
		return nil, &sms.ValidationError{Kind: s.kind, Field: "ids", Problem: fmt.Sprintf("%d IDs, more than the %d one read takes", len(ids), sms.MaxLimit)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := s.reading(ctx, s.journals)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]sms.Entry, len(ids))
	args := make([]any, 1+journalsAtOnce)
	for lo := 0; lo < len(ids); lo += journalsAtOnce {
		args[0] = s.k
		for k := range journalsAtOnce {
			args[1+k] = "" // no entity has the empty ID
			if lo+k < len(ids) {
				args[1+k] = ids[lo+k]
			}
		}
		if err := s.readJournals(ctx, st, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readJournals adds to out the journals one query of Journals reads.
func (s *Store[E]) readJournals(ctx context.Context, st *sql.Stmt, args []any, out map[string][]sms.Entry) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return s.failure(ctx, opJournal, "", 0, err)
	}
	defer rows.Close()
	var (
		id, last string
		r        journalRow
		dests    = r.dests(&id)
		all      []sms.Entry // every journal read, one after another
		start    int
	)
	// cut adds the journal that ends the entries read so far to out, as
	// a part of all that an append does not extend.
	cut := func() {
		if last != "" {
			out[last] = all[start:len(all):len(all)]
		}
		start = len(all)
	}
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return s.corrupt(id, "a journal row does not scan", err)
		}
		if id != last {
			if _, seen := out[id]; seen {
				return s.corrupt(id, "the journal's rows are not read together", nil)
			}
			cut()
			last = id
		}
		en, err := r.entry(s.kind, id)
		if err != nil {
			return err
		}
		if all == nil {
			all = make([]sms.Entry, 0, 8*journalsAtOnce)
		}
		all = append(all, en)
	}
	if err := rows.Err(); err != nil {
		return s.failure(ctx, opJournal, "", 0, err)
	}
	cut()
	return nil
}

// FindKey implements [sms.KeyFinder]: the journal entry of the store's kind
// that carries the idempotency key, or an [*sms.NotFoundError]. The unique
// index on (kind, idem_key) makes a second entry with a used key fail its
// commit with an [*sms.ConflictError] (an [*sms.ExistsError] on Create and
// Load).
func (s *Store[E]) FindKey(ctx context.Context, key string) (sms.Entry, error) {
	if err := ctx.Err(); err != nil {
		return sms.Entry{}, err
	}
	if key == "" {
		return sms.Entry{}, &sms.NotFoundError{Kind: s.kind, ID: key}
	}
	var (
		id string
		r  journalRow
	)
	st, err := s.reading(ctx, s.findKey)
	if err != nil {
		return sms.Entry{}, err
	}
	// Rows, not a Row: the blobs are scanned as RawBytes, which a Row
	// does not allow.
	rows, err := st.QueryContext(ctx, s.k, key)
	if err != nil {
		return sms.Entry{}, s.failure(ctx, "find key", "", 0, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return sms.Entry{}, s.failure(ctx, "find key", "", 0, err)
		}
		return sms.Entry{}, &sms.NotFoundError{Kind: s.kind, ID: key}
	}
	if err := rows.Scan(r.dests(&id)...); err != nil {
		return sms.Entry{}, s.failure(ctx, "find key", "", 0, err)
	}
	en, err := r.entry(s.kind, id)
	if err != nil {
		return sms.Entry{}, err
	}
	return en, nil
}
