package sms

import (
	"context"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind names a type of entity: "incident", "problem", "change". Kinds are
// persisted; a process package declares its kind once as a constant.
type Kind string

// Meta is the header every entity embeds. The pipeline maintains it; hosts
// read it and never set it.
type Meta struct {
	// ID is the entity's immutable identity: a UUID v7 by default, or the
	// host's own reference when its create command names one.
	ID string `json:"id"`
	// Version is the sequence number of the entity's last journal entry. It
	// starts at 1 when the entity is created and grows by one per
	// transition; a commit succeeds only if the stored version is the one
	// the transition read.
	Version int64 `json:"version"`
	// CreatedAt and UpdatedAt are the times of the first and the last
	// journal entries, in UTC.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Head is the hash of the entity's last journal entry; the next entry
	// chains to it.
	Head Hash `json:"head"`
}

// Metadata returns m itself. It is promoted to every entity that embeds
// Meta, which is how generic code reaches the header.
func (m *Meta) Metadata() *Meta { return m }

// Entity is the constraint every process entity type satisfies. E is the
// pointer type itself, such as *incident.Incident. Process packages
// implement it; hosts use it only to instantiate generic stores.
type Entity[E any] interface {
	// Metadata returns the embedded header; promoted from [Meta].
	Metadata() *Meta
	// EntityKind returns the entity's kind. It must not read its receiver,
	// so that it answers on a nil pointer.
	EntityKind() Kind
	// State returns the workflow status as a string.
	State() string
	// SetState sets the workflow status; only the pipeline calls it.
	SetState(string)
	// Attributes returns the values stores index for [Query] filters.
	Attributes() Attributes
	// Clone returns a deep copy that shares no mutable memory with the
	// receiver.
	Clone() E
}

// Attributes are the indexed values of an entity, besides its status, that
// a [Query] can filter on.
type Attributes struct {
	// Service is the affected or owning service.
	Service string
	// Owner is the person or group currently responsible (an incident's
	// assignee, a problem's owner).
	Owner string
	// Links are the entity's typed links to other records.
	Links []Link
}

// Link is a typed reference to another record, by ID. Process packages never
// import each other; they link by ID.
type Link struct {
	// Type says what the target is: "problem", "change", "known_error",
	// "config_item", "request", "incident", ...
	Type string `json:"type"`
	// ID is the target's ID.
	ID string `json:"id"`
}

// String returns "type:id".
func (l Link) String() string { return l.Type + ":" + l.ID }

// LinkSetter is implemented by an entity whose links are a field of their
// own: SetLinks replaces them, so that Attributes().Links returns links
// afterwards (and the entity keeps the slice). A store may then keep a
// long list of links apart from the rest of the entity and write only the
// part of it a commit changes; sqlstore does so for more than 128 links.
// The entity types of the process packages implement it where their links
// are a field; links computed from other fields are stored with them.
type LinkSetter interface {
	SetLinks(links []Link)
}

// IsZero reports whether l is the zero Link.
func (l Link) IsZero() bool { return l.Type == "" && l.ID == "" }

// Query selects a page of entities. Every field is optional; the zero Query
// lists the first page of all entities. Results are ordered by ID
// ascending: with the default UUID v7 IDs, that is creation order.
type Query struct {
	// Status keeps entities whose status is one of these.
	Status []string
	// Service keeps entities whose Attributes.Service equals it.
	Service string
	// Owner keeps entities whose Attributes.Owner equals it.
	Owner string
	// Link keeps entities that have this link.
	Link Link
	// After is the cursor: only IDs greater than it. Pass the previous
	// page's Next.
	After string
	// Limit is the page size: 0 means [DefaultLimit], values above
	// [MaxLimit] are refused.
	Limit int
}

// Page sizes for [Query].
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Validate checks q and returns a [*ValidationError] for a negative or
// too large limit or a malformed link filter.
func (q Query) Validate() error {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return &ValidationError{Field: "query.limit", Problem: "must be between 0 and 1000"}
	}
	if (q.Link.Type == "") != (q.Link.ID == "") {
		return &ValidationError{Field: "query.link", Problem: "needs both a type and an ID"}
	}
	for _, s := range q.Status {
		if s == "" {
			return &ValidationError{Field: "query.status", Problem: "empty status value"}
		}
	}
	return nil
}

// PageLimit returns the effective page size of q.
func (q Query) PageLimit() int {
	if q.Limit == 0 {
		return DefaultLimit
	}
	return q.Limit
}

// Match reports whether an entity with the given status and attributes
// passes q's filters (not its cursor). Stores that filter in memory use it,
// so every store applies the same rules.
func (q Query) Match(status string, a Attributes) bool {
	if len(q.Status) > 0 {
		ok := false
		for _, s := range q.Status {
			if s == status {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if q.Service != "" && a.Service != q.Service {
		return false
	}
	if q.Owner != "" && a.Owner != q.Owner {
		return false
	}
	if !q.Link.IsZero() {
		for _, l := range a.Links {
			if l == q.Link {
				return true
			}
		}
		return false
	}
	return true
}

// Page is one page of a listing.
type Page[E any] struct {
	// Items are the matching entities, in ID order, each a copy the caller
	// owns.
	Items []E
	// Next is the cursor for the following page, or "" after the last.
	Next string
}

// Store is the storage contract every backend implements once, for every
// process. E is a pointer to an entity type. All methods honour ctx, copy
// values in and out (a caller mutating what it passed or received never
// changes what is stored), and are safe for concurrent use.
//
// smstest.RunStore is this contract as a test.
type Store[E Entity[E]] interface {
	// Create stores a new entity and its first journal entry atomically.
	// e's Version must be 1 and first must be its entry with sequence 1. If
	// the ID is taken it returns an [*ExistsError] and changes nothing.
	Create(ctx context.Context, e E, first Entry) error

	// Get returns a copy of the stored entity, or a [*NotFoundError].
	Get(ctx context.Context, id string) (E, error)

	// Commit stores e and appends entries to its journal atomically, only
	// if the stored version equals expect. The entries must carry the
	// sequences expect+1, expect+2, ... and e's Version must be the last.
	// On a version mismatch it returns a [*ConflictError]; for an unknown ID
	// a [*NotFoundError]; either way nothing is written.
	Commit(ctx context.Context, e E, expect int64, entries []Entry) error

	// List returns a page of entities matching q, ordered by ID. An invalid
	// query gives a [*ValidationError].
	List(ctx context.Context, q Query) (Page[E], error)

	// Journal returns the entity's journal in sequence order, or a
	// [*NotFoundError] if the entity does not exist.
	Journal(ctx context.Context, id string) ([]Entry, error)
}

// Loader is an optional capability of a [Store]: it stores a whole entity
// and its complete journal in one atomic write, as an import or a replay
// does. The entries must run from sequence 1 to e's Version. Detect it with
// a type assertion.
type Loader[E Entity[E]] interface {
	Load(ctx context.Context, e E, entries []Entry) error
}

// CheckCommit validates the arguments of [Store.Commit] (and of Create and
// Load, with expect 0) the same way for every backend: entries present,
// sequences contiguous from expect+1, each naming e and chaining to the one
// before it (the first of a journal to nothing), and e's version and head
// those of the last. It returns a [*ValidationError]. Whether the first
// entry chains to the stored journal is the store's to check, in the
// commit's own transaction.
func CheckCommit[E Entity[E]](e E, expect int64, entries []Entry) error {
	if IsNil(any(e)) {
		return &ValidationError{Field: "entity", Problem: "is nil"}
	}
	m := e.Metadata()
	if len(entries) == 0 {
		return &ValidationError{Field: "entries", Problem: "a commit needs at least one journal entry"}
	}
	if expect < 0 {
		return &ValidationError{Field: "expect", Problem: "negative version"}
	}
	kind := e.EntityKind()
	for i, en := range entries {
		if en.Seq != expect+int64(i)+1 {
			return &ValidationError{Field: "entries", Problem: "sequence numbers must follow the expected version without gaps"}
		}
		if en.EntityID != m.ID || en.Kind != kind {
			return &ValidationError{Field: "entries", Problem: "entry names another entity"}
		}
		if i > 0 && en.Prev != entries[i-1].Hash {
			return &ValidationError{Field: "entries", Problem: "an entry does not chain to the one before it"}
		}
		if expect == 0 && i == 0 && !en.Prev.IsZero() {
			return &ValidationError{Field: "entries", Problem: "the first entry of a journal chains to nothing: its Prev is zero"}
		}
	}
	if m.Version != entries[len(entries)-1].Seq {
		return &ValidationError{Field: "entity.version", Problem: "must equal the last entry's sequence"}
	}
	if m.Head != entries[len(entries)-1].Hash {
		return &ValidationError{Field: "entity.head", Problem: "must equal the last entry's hash"}
	}
	return ValidateID(m.ID)
}

// IsNil reports whether v is nil or a nil pointer (or other nil-able
// value: a map, slice, interface, function or channel): an entity type E
// is a pointer type, and any(e) == nil never holds for a nil pointer of
// it, nor for an interface (a store) holding one.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// MaxIDLen is the longest entity ID accepted, in bytes.
const MaxIDLen = 128

// ValidateID checks an entity ID: 1 to [MaxIDLen] bytes of valid UTF-8,
// printable, with no white space at either end. It returns a
// [*ValidationError].
func ValidateID(id string) error {
	if id != "" && len(id) <= MaxIDLen && id[0] != ' ' && id[len(id)-1] != ' ' {
		ascii := true
		for i := 0; i < len(id); i++ {
			if c := id[i]; c < 0x20 || c > 0x7e {
				ascii = false
				break
			}
		}
		if ascii {
			return nil // printable ASCII: the common case
		}
	}
	switch {
	case id == "":
		return &ValidationError{Field: "id", Problem: "is empty"}
	case len(id) > MaxIDLen:
		return &ValidationError{Field: "id", Problem: "is longer than 128 bytes"}
	case !utf8.ValidString(id):
		return &ValidationError{Field: "id", Problem: "is not valid UTF-8"}
	case strings.TrimSpace(id) != id:
		return &ValidationError{Field: "id", Problem: "has leading or trailing white space"}
	}
	for _, r := range id {
		if !unicode.IsPrint(r) && r != ' ' {
			return &ValidationError{Field: "id", Problem: "contains a control character"}
		}
	}
	return nil
}
