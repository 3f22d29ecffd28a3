package sqlstore

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// entityRow is an entity as its row stores it.
type entityRow struct {
	id                     string
	version                int64
	status, service, owner string
	// links is the JSON of linkList, as json.Marshal writes it; linkEnds[i]
	// is the offset just past the i-th link in it. When paged, links is
	// the marker of list instead, the document leaves them out, and prev
	// is the list the Store's cache held for the entity before (see
	// pages.go).
	links            string
	linkList         []sms.Link
	linkEnds         []int
	list, prev       *pagedList
	created, updated int64
	doc              string
}

// encode returns the row of e: its JSON document and the indexed copies of
// its status and attributes.
func (s *Store[E]) encode(e E) (entityRow, error) {
	m := e.Metadata()
	a := e.Attributes()
	bare, paged := pageable(e, a.Links)
	docOf := e
	if paged {
		docOf = bare
	}
	doc, err := json.Marshal(docOf)
	if err != nil {
		return entityRow{}, &sms.ValidationError{Kind: s.kind, Field: "entity",
			Problem: "sqlstore: does not encode as JSON: " + err.Error()}
	}
	if replacedUTF8(doc) {
		return entityRow{}, &sms.ValidationError{Kind: s.kind, Field: "entity",
			Problem: "sqlstore: holds text that is not valid UTF-8, which its JSON document cannot keep exactly"}
	}
	row := entityRow{
		id: m.ID, version: m.Version, status: e.State(), service: a.Service, owner: a.Owner,
		linkList: a.Links,
		created:  m.CreatedAt.UnixMicro(), updated: m.UpdatedAt.UnixMicro(), doc: string(doc),
	}
	if paged {
		row.prev = s.cache.get(m.ID)
		row.list = paginate(a.Links, row.prev)
		row.links = row.list.marker
		s.cache.put(m.ID, row.list)
		return row, nil
	}
	if row.links, row.linkEnds, err = encodeLinks(a.Links); err != nil {
		return entityRow{}, &sms.ValidationError{Kind: s.kind, Field: "entity.links", Problem: "sqlstore: " + err.Error()}
	}
	return row, nil
}

// replacedUTF8 reports whether encoding/json replaced invalid UTF-8 while
// writing doc: it writes each invalid byte as the escape \ufffd (a valid
// U+FFFD it writes as is), and only an odd run of backslashes before the u
// makes that an escape rather than escaped backslashes and text.
func replacedUTF8(doc []byte) bool {
	const esc = `\ufffd`
	for i := 0; ; {
		j := bytes.Index(doc[i:], []byte(esc))
		if j < 0 {
			return false
		}
		j += i
		n := 0
		for k := j; k >= 0 && doc[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = j + len(esc)
	}
}

// entryRow holds the JSON columns of a journal entry.
type entryRow struct {
	roles, payload string
}

// encodeEntries returns the JSON columns of the entries. The journal keeps
// roles and payloads as JSON, which holds valid UTF-8 only: anything else
// would come back altered and break the hash chain, so it is refused.
func (s *Store[E]) encodeEntries(entries []sms.Entry) ([]entryRow, error) {
	out := make([]entryRow, len(entries))
	for i := range entries {
		en := &entries[i]
		for _, r := range en.Actor.Roles {
			if !utf8.ValidString(string(r)) {
				return nil, s.invalidEntry(en, "an actor role")
			}
		}
		for _, f := range en.Payload {
			if !utf8.ValidString(f.Key) || !utf8.ValidString(f.Value) {
				return nil, s.invalidEntry(en, "a payload field")
			}
		}
		out[i].roles, out[i].payload = "[]", "[]"
		if len(en.Actor.Roles) > 0 {
			b, err := json.Marshal(en.Actor.Roles)
			if err != nil {
				return nil, s.invalidEntry(en, "the actor roles")
			}
			out[i].roles = string(b)
		}
		if len(en.Payload) > 0 {
			b, err := json.Marshal(en.Payload)
			if err != nil {
				return nil, s.invalidEntry(en, "the payload")
			}
			out[i].payload = string(b)
		}
	}
	return out, nil
}

func (s *Store[E]) invalidEntry(en *sms.Entry, what string) error {
	return &sms.ValidationError{Kind: s.kind, Field: "entries",
		Problem: fmt.Sprintf("sqlstore: entry %d: %s is not valid UTF-8 and cannot be journaled exactly", en.Seq, what)}
}

// corrupt returns the error for a stored record that does not decode.
func (s *Store[E]) corrupt(id, problem string, err error) error {
	return &sms.CorruptError{Kind: s.kind, ID: id, Problem: "sqlstore: " + problem, Err: err}
}

// decode returns the entity a row stores, checking that the document is
// the row's: same ID, version and status.
func (s *Store[E]) decode(id string, version int64, status string, doc []byte) (e E, err error) {
	var zero E
	defer func() {
		// A host's UnmarshalJSON may panic on data it never expected;
		// corrupt data must not take the host down.
		if p := recover(); p != nil {
			e, err = zero, s.corrupt(id, "the entity document does not decode", fmt.Errorf("panic: %v", p))
		}
	}()
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return zero, s.corrupt(id, "the entity document does not decode", errNotObject)
	}
	if err := json.Unmarshal(doc, &e); err != nil {
		return zero, s.corrupt(id, "the entity document does not decode", err)
	}
	m := e.Metadata()
	switch {
	case m.ID != id:
		return zero, s.corrupt(id, fmt.Sprintf("the entity document names the ID %q", m.ID), nil)
	case m.Version != version:
		return zero, s.corrupt(id, fmt.Sprintf("the entity document is at version %d, its row at %d", m.Version, version), nil)
	case e.State() != status:
		return zero, s.corrupt(id, fmt.Sprintf("the entity document has the status %q, its row %q", e.State(), status), nil)
	}
	return e, nil
}

// journalSelect names the columns of a journal entry a journalRow scans,
// in its order; prefix is the table's alias and a dot, or "".
func journalSelect(prefix string) string {
	cols := []string{"seq", "entry_id", "at_us", "trig", "from_status", "to_status", "actor_id", "actor_roles", "reason", "payload",
		"prev", "hash", "state", "idem_key", "request"}
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}

// journalRow is a journal entry as it is scanned from the columns
// journalSelect names. Text is scanned as strings (a driver's string is
// kept without a copy), and NULL is told apart: the journal of an entity
// read with its row (a LEFT JOIN) is NULL when it has none.
type journalRow struct {
	seq, at                                                     sql.NullInt64
	entryID, trig, from, to, actor, roles, reason, payload, key sql.NullString
	prev, hash, state, request                                  sql.RawBytes
}

// dests returns the scan destinations of the row's columns, after those
// given.
func (r *journalRow) dests(before ...any) []any {
	return append(before, &r.seq, &r.entryID, &r.at, &r.trig, &r.from, &r.to, &r.actor, &r.roles, &r.reason, &r.payload,
		&r.prev, &r.hash, &r.state, &r.key, &r.request)
}

// entry returns the entry of the entity of kind and id the row holds, or
// an [*sms.CorruptError].
func (r *journalRow) entry(kind sms.Kind, id string) (sms.Entry, error) {
	en := sms.Entry{ID: r.entryID.String, Kind: kind, EntityID: id, Seq: r.seq.Int64,
		Trigger: r.trig.String, From: r.from.String, To: r.to.String,
		At: usToTime(r.at.Int64), Reason: r.reason.String, Key: r.key.String}
	en.Actor.ID = r.actor.String
	if err := decodeEntry(&en, r.roles.String, r.payload.String, r.prev, r.hash, r.state, r.request); err != nil {
		return sms.Entry{}, err
	}
	return en, nil
}

// decodeEntry fills the JSON and hash columns of a journal entry. The state
// and request digests are empty for entries without them.
func decodeEntry(en *sms.Entry, roles, payload string, prev, hash, state, request []byte) error {
	bad := func(what string, err error) error { return badEntry(en.Kind, en.EntityID, en.Seq, what, err) }
	if !digest(&en.State, state, true) {
		return bad(fmt.Sprintf("the state digest has %d bytes, not %d", len(state), len(en.State)), nil)
	}
	if !digest(&en.Request, request, true) {
		return bad(fmt.Sprintf("the request digest has %d bytes, not %d", len(request), len(en.Request)), nil)
	}
	if !digest(&en.Prev, prev, false) {
		return bad(fmt.Sprintf("the previous hash has %d bytes, not %d", len(prev), len(en.Prev)), nil)
	}
	if !digest(&en.Hash, hash, false) {
		return bad(fmt.Sprintf("the hash has %d bytes, not %d", len(hash), len(en.Hash)), nil)
	}
	if roles != "[]" {
		rs, ok := fastRoles(roles)
		if !ok {
			var err error
			if rs, err = slowJSON[sms.Role](roles); err != nil {
				return bad("the actor roles do not decode", err)
			}
		}
		en.Actor.Roles = rs
	}
	if payload != "[]" {
		fs, ok := fastFields(payload)
		if !ok {
			var err error
			if fs, err = slowJSON[sms.Field](payload); err != nil {
				return bad("the payload does not decode", err)
			}
		}
		en.Payload = fs
	}
	return nil
}

// digest copies b into dst and reports whether it has a digest's length,
// or is empty where that is allowed (dst then stays zero).
func digest(dst *sms.Hash, b []byte, optional bool) bool {
	switch {
	case len(b) == len(dst):
		copy(dst[:], b)
		return true
	case len(b) == 0:
		return optional
	}
	return false
}

// badEntry returns the error for a journal entry that does not decode.
func badEntry(kind sms.Kind, id string, seq int64, what string, err error) error {
	return &sms.CorruptError{Kind: kind, ID: id, Problem: fmt.Sprintf("sqlstore: journal entry %d: %s", seq, what), Err: err}
}

// slowJSON decodes a JSON array with encoding/json, for what the fast
// decoders decline; an empty array is nil. (A function of its own, so
// that the entry being decoded is not moved to the heap for it.)
func slowJSON[T any](s string) ([]T, error) {
	var out []T
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// usToTime returns the UTC time of a count of microseconds since the Unix
// epoch, as the tables store times.
func usToTime(us int64) time.Time { return time.UnixMicro(us).UTC() }
