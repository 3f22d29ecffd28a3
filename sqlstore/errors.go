package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/iso20k/sms"
)

// Error is a failure of the database or its driver that no category of
// [sms] describes: a lost connection, a full disk, a missing table. It names
// the operation and the entity, and unwraps to the underlying error, which is
// the context's error when the operation was cancelled or timed out:
// errors.Is(err, context.Canceled) holds. Whether anything was written is
// as the operation documents: every write is one transaction, so a failed
// write wrote nothing.
type Error struct {
	// Op is the operation: a Store's "create", "get", "commit", "list",
	// "journal", "find key", "load", "atomically", "new" or "close"; "savepoint" (a
	// write's savepoint in a host's transaction, see [WithTx]); a Vault's
	// "seal", "reveal" or "erase"; an Evidence's "heads", "orphans",
	// "checkpoint", "checkpoints" or "leaves"; "migrate", "dialect", or
	// "open" (the sub-packages' Open helpers).
	Op string
	// Kind and ID name the entity, when the operation concerned one.
	Kind sms.Kind
	ID   string
	// Err is the underlying error.
	Err error
}

// Error returns "sqlstore: op kind "id": cause".
func (e *Error) Error() string {
	switch {
	case e.ID != "":
		return fmt.Sprintf("sqlstore: %s %s %q: %v", e.Op, e.Kind, e.ID, e.Err)
	case e.Kind != "":
		return fmt.Sprintf("sqlstore: %s %s: %v", e.Op, e.Kind, e.Err)
	default:
		return fmt.Sprintf("sqlstore: %s: %v", e.Op, e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// SchemaError reports a database whose schema version is not the one this
// code was built for. A newer schema means a newer release of the library
// migrated the database: this code refuses to touch it rather than
// misread it. An older one needs [Migrate].
type SchemaError struct {
	// Database is the schema version recorded in the database (0 for a
	// database sqlstore never migrated); Code is the version this code
	// migrates to.
	Database, Code int
}

// Error says which version the database has and what to do.
func (e *SchemaError) Error() string {
	if e.Database > e.Code {
		return fmt.Sprintf("sqlstore: the database schema is at version %d, newer than this code knows (%d): upgrade the library", e.Database, e.Code)
	}
	return fmt.Sprintf("sqlstore: the database schema is at version %d, this code needs version %d: run sqlstore.Migrate", e.Database, e.Code)
}

// Newer reports whether the database's schema is newer than the code.
func (e *SchemaError) Newer() bool { return e.Database > e.Code }

// sentinel is the type of the package's constant errors.
type sentinel string

func (s sentinel) Error() string { return string(s) }

const (
	errNoDB       = sentinel("no *sql.DB given")
	errNoDialect  = sentinel("no Dialect given")
	errNoKind     = sentinel("the entity type has an empty kind")
	errGroupDB    = sentinel("the group commit is another *sql.DB's: give New the Group made on its own")
	errNotObject  = sentinel("the document is not a JSON object")
	errMigrations = sentinel("the embedded migrations are malformed")
)

type unknownEngineError struct{ name string }

func (e *unknownEngineError) Error() string {
	return fmt.Sprintf("no schema for the engine %q (known: %s, %s)", e.name, EngineSQLite, EnginePostgres)
}

// unknown reports a write whose COMMIT failed: it may or may not have been
// applied.
func (s *Store[E]) unknown(ctx context.Context, op, id string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return &sms.UnknownOutcomeError{Kind: s.kind, ID: id, Err: &Error{Op: op, Kind: s.kind, ID: id, Err: err}}
}

// commitFailure reports a failed COMMIT: a conflict when PostgreSQL says
// the transaction lost to a concurrent one (a serialization failure at
// the COMMIT, which rolled it back: nothing was written); an unknown
// outcome otherwise. (SQLite's busy COMMIT leaves its transaction open
// rather than rolled back, so it is not taken for a conflict.)
func (s *Store[E]) commitFailure(ctx context.Context, op, id string, expect int64, err error) error {
	if ctx.Err() == nil && s.eng.name == EnginePostgres && s.d.Classify(err) == ClassConflict {
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: -1}
	}
	return s.unknown(ctx, op, id, err)
}

// failure turns a driver error met during an operation into the error the
// store returns: the context's error if ctx is done; a conflict, an existing
// ID or a refused value as the dialect classifies it; an [*Error] otherwise.
// expect is the version a commit expected.
func (s *Store[E]) failure(ctx context.Context, op, id string, expect int64, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return &Error{Op: op, Kind: s.kind, ID: id, Err: cerr}
	}
	if ve := (*sms.ValidationError)(nil); errors.As(err, &ve) {
		return ve // a value refused before it was written (a link page)
	}
	switch s.d.Classify(err) {
	case ClassConflict:
		return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: -1}
	case ClassUnique:
		if op == opCommit {
			return &sms.ConflictError{Kind: s.kind, ID: id, Expected: expect, Actual: -1}
		}
		return &sms.ExistsError{Kind: s.kind, ID: id}
	case ClassData:
		return &sms.ValidationError{Kind: s.kind, Field: "entity",
			Problem: "sqlstore: the database refused a value: " + err.Error()}
	}
	return &Error{Op: op, Kind: s.kind, ID: id, Err: err}
}
