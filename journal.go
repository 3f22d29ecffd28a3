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

// hashVersion prefixes the canonical encoding, so that a future encoding
// cannot collide with this one.
const hashVersion = "sms/journal/v1"

// ComputeHash returns the SHA-256 of the entry's canonical encoding: every
// field but Hash, each length-prefixed, in a fixed order, with Prev last. It
// is what the pipeline stores in Hash and what [VerifyJournal] recomputes.
func (e *Entry) ComputeHash() Hash {
	var stack [512]byte
	b := stack[:0]
	b = append(b, hashVersion...)
	b = appendString(b, e.ID)
	b = appendString(b, string(e.Kind))
	b = appendString(b, e.EntityID)
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
	b = append(b, e.Prev[:]...)
	return sha256.Sum256(b)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
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

// VerifyHead checks that an entity's header matches its journal: the
// version is the last sequence and the head is the last hash. Together with
// [VerifyJournal] it proves the stored entity is the one its journal built
// up to. It returns nil or a [*JournalError].
func VerifyHead(m *Meta, kind Kind, entries []Entry) error {
	if len(entries) == 0 {
		return &JournalError{Kind: kind, EntityID: m.ID, Problem: "journal is empty"}
	}
	last := entries[len(entries)-1]
	if m.Version != last.Seq || m.Head != last.Hash {
		return &JournalError{Kind: kind, EntityID: m.ID, Index: len(entries) - 1, Seq: last.Seq,
			Problem: fmt.Sprintf("entity is at version %d but the journal ends at %d, or its head hash differs", m.Version, last.Seq)}
	}
	return nil
}
