package sms

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Entry is one journal entry: the record of one transition. Journals are
// append-only; nothing in the library updates or deletes an entry, and a
// correction is a new entry.
type Entry struct {
	// ID is the entry's own identity, a UUID v7.
	ID string `json:"id"`
	// Kind and EntityID name the entity the entry belongs to.
	Kind     Kind   `json:"kind"`
	EntityID string `json:"entity_id"`
	// Seq is the entry's position in the entity's journal, from 1.
	Seq int64 `json:"seq"`
	// Trigger is the transition fired; From and To are the statuses before
	// and after (From is empty for the entry that created the entity).
	Trigger string `json:"trigger"`
	From    string `json:"from"`
	To      string `json:"to"`
	// Actor is who fired it, with the roles they held at the time.
	Actor Actor `json:"actor"`
	// At is when, in UTC, to the microsecond.
	At time.Time `json:"at"`
	// Reason is the human reason given, if any.
	Reason string `json:"reason,omitempty"`
	// Payload holds the transition's data: the command's fields and the
	// values the transition computed, in a fixed order.
	Payload []Field `json:"payload,omitempty"`
	// State is the digest of the entity as the transition left it
	// ([StateDigest]): it binds the stored record to its journal, so that
	// [VerifyHead] can tell a record edited outside the pipeline.
	State Hash `json:"state"`
	// Key is the idempotency key the command carried ([WithIdempotencyKey]),
	// or "". Within a kind, a key names at most one entry.
	Key string `json:"key,omitempty"`
	// Request is the digest of what was asked under Key (trigger, entity,
	// actor and command), so that a retry can be told from another command
	// reusing the key; zero when Key is "".
	Request Hash `json:"request,omitzero"`
	// Prev is the hash of the previous entry (zero for the first) and Hash
	// this entry's own: SHA-256 over its canonical encoding and Prev.
	Prev Hash `json:"prev"`
	Hash Hash `json:"hash"`
}

// Field is one named value of a journal payload. A key may repeat (one
// field per configuration item, for example).
type Field struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Get returns the value of the first field with the key, and whether there
// was one.
func Get(payload []Field, key string) (string, bool) {
	for _, f := range payload {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Clone returns a deep copy of the entry.
func (e Entry) Clone() Entry {
	e.Actor = e.Actor.Clone()
	if e.Payload != nil {
		e.Payload = append([]Field(nil), e.Payload...)
	}
	return e
}

// Hash is a SHA-256 digest. It encodes as lower-case hex in JSON and text.
type Hash [sha256.Size]byte

// IsZero reports whether h is all zeros (no previous entry).
func (h Hash) IsZero() bool { return h == Hash{} }

// String returns h as hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes h as hex.
func (h Hash) MarshalText() ([]byte, error) {
	b := make([]byte, hex.EncodedLen(len(h)))
	hex.Encode(b, h[:])
	return b, nil
}

// UnmarshalText decodes hex; the empty text is the zero hash. On error h
// is left unchanged.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*h = Hash{}
		return nil
	}
	var d Hash
	if len(b) != hex.EncodedLen(len(d)) {
		return &ValidationError{Field: "hash", Problem: "must be 64 hex digits"}
	}
	if _, err := hex.Decode(d[:], b); err != nil {
		return &ValidationError{Field: "hash", Problem: "must be 64 hex digits"}
	}
	*h = d
	return nil
}

// ParseHash decodes a hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// The version prefixes of the canonical encoding, so that no encoding can
// collide with another. Version 2 added the state digest, the idempotency
// key and the request digest; entries written before it carry none of them
// and keep their version 1 hash.
const (
	hashVersion1 = "sms/journal/v1"
	hashVersion  = "sms/j2"
)

// ComputeHash returns the SHA-256 of the entry's canonical encoding: every
// field but Hash, each length-prefixed, in a fixed order, with Prev last. It
// is what the pipeline stores in Hash and what [VerifyJournal] recomputes.
//
// An entry with no state digest, key or request digest is one written
// before they existed, and is hashed as it was then (version 1), so that
// old journals still verify; [VerifyHead] does not accept such an entry as
// the head of a record, since it binds no state. Version 2 encodes the kind
// and the entity ID in the journal's first entry only: the later entries
// are bound to the entity through the chain.
func (e *Entry) ComputeHash() Hash {
	var stack [512]byte
	b := stack[:0]
	v1 := e.State.IsZero() && e.Key == "" && e.Request.IsZero()
	if v1 {
		b = append(b, hashVersion1...)
	} else {
		b = append(b, hashVersion...)
	}
	b = appendString(b, e.ID)
	if v1 || e.Seq == 1 {
		// Version 2 binds the entity in its journal's first entry only:
		// every later entry chains to it through Prev, and VerifyJournal
		// checks that every entry names the same entity.
		b = appendString(b, string(e.Kind))
		b = appendString(b, e.EntityID)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = appendString(b, e.Trigger)
	b = appendString(b, e.From)
	b = appendString(b, e.To)
	b = appendString(b, e.Actor.ID)
	b = binary.AppendUvarint(b, uint64(len(e.Actor.Roles)))
	for _, r := range e.Actor.Roles {
		b = appendString(b, string(r))
	}
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro()))
	b = appendString(b, e.Reason)
	b = binary.AppendUvarint(b, uint64(len(e.Payload)))
	for _, f := range e.Payload {
		b = appendString(b, f.Key)
		b = appendString(b, f.Value)
	}
	if !v1 {
		b = append(b, e.State[:]...)
		b = appendString(b, e.Key)
		if e.Key != "" {
			b = append(b, e.Request[:]...)
		}
	}
	b = append(b, e.Prev[:]...)
	return sha256.Sum256(b)
}

func appendString(b []byte, s string) []byte {
	if n := len(s); n < 0x80 {
		b = append(b, byte(n))
	} else {
		b = binary.AppendUvarint(b, uint64(n))
	}
	return append(b, s...)
}

// JournalError names the first journal entry that does not verify.
type JournalError struct {
	Kind     Kind
	EntityID string
	// Index is the position of the entry in the slice given to
	// [VerifyJournal]; Seq is the sequence it carries.
	Index int
	Seq   int64
	// Problem says what is wrong: "altered", "removed or reordered",
	// "belongs to another entity".
	Problem string
}

// Error implements the error interface.
func (e *JournalError) Error() string {
	return fmt.Sprintf("%s: journal entry %d (position %d) does not verify: %s", subject(e.Kind, e.EntityID), e.Seq, e.Index, e.Problem)
}

// Unwrap returns [ErrCorrupt].
func (e *JournalError) Unwrap() error { return ErrCorrupt }

// VerifyJournal checks a whole journal, as returned by [Store.Journal]:
// sequences run 1, 2, 3 ... without gaps, every entry names the same
// entity, every entry's Prev is its predecessor's Hash, and every Hash is
// the one [Entry.ComputeHash] gives. It returns nil or a [*JournalError]
// naming the first entry that was altered, removed or reordered.
func VerifyJournal(entries []Entry) error {
	var prev Hash
	for i := range entries {
		en := &entries[i]
		fail := func(problem string) error {
			return &JournalError{Kind: en.Kind, EntityID: en.EntityID, Index: i, Seq: en.Seq, Problem: problem}
		}
		if i > 0 && (en.Kind != entries[0].Kind || en.EntityID != entries[0].EntityID) {
			return fail("belongs to another entity")
		}
		if en.Seq != int64(i)+1 || en.Prev != prev {
			return fail("an entry before it was removed, inserted or reordered")
		}
		if en.ComputeHash() != en.Hash {
			return fail("altered: its content does not match its hash")
		}
		prev = en.Hash
	}
	return nil
}

// VerifyHead checks that a stored entity is the one its journal built up
// to: its version is the last entry's sequence, its head the last entry's
// hash, its update and creation times the last and first entries' times,
// its status the last entry's, and the digest of its canonical encoding
// ([StateDigest]) the state the last entry recorded, so that no field of
// the record was changed outside the pipeline. Together with [VerifyJournal] it proves the
// record and its history agree. It returns nil or a [*JournalError] saying
// what differs.
func VerifyHead[E Entity[E]](e E, entries []Entry) error {
	if IsNil(e) {
		return &ValidationError{Field: "entity", Problem: "is nil"}
	}
	m, kind := e.Metadata(), e.EntityKind()
	if len(entries) == 0 {
		return &JournalError{Kind: kind, EntityID: m.ID, Problem: "journal is empty"}
	}
	last := &entries[len(entries)-1]
	fail := func(problem string) error {
		return &JournalError{Kind: kind, EntityID: m.ID, Index: len(entries) - 1, Seq: last.Seq, Problem: problem}
	}
	switch {
	case m.Version > last.Seq:
		return fail(fmt.Sprintf("the record is at version %d but its journal ends at %d: entries were removed", m.Version, last.Seq))
	case m.Version < last.Seq:
		return fail(fmt.Sprintf("the record is at version %d but its journal goes on to %d: the record was rolled back", m.Version, last.Seq))
	case m.Head != last.Hash:
		return fail("the record's head is not the hash of its journal's last entry")
	case !m.UpdatedAt.Equal(last.At):
		return fail("the record's update time is not its last entry's time")
	case entries[0].Seq == 1 && !m.CreatedAt.Equal(entries[0].At):
		return fail("the record's creation time is not its first entry's time")
	case last.Kind != kind || last.EntityID != m.ID:
		return fail("the journal belongs to another entity")
	case e.State() != last.To:
		return fail(fmt.Sprintf("the record's status is %q but its last entry left it %q", e.State(), last.To))
	case last.State.IsZero():
		return fail("the last entry binds no state")
	}
	d, err := StateDigest(e)
	if err != nil {
		return fail("the record cannot be digested: " + err.Error())
	}
	if d != last.State {
		return fail("the record's fields differ from the state its last entry recorded: it was changed outside the pipeline")
	}
	return nil
}
