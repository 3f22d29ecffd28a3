package sqlstore

// Dialect adapts the store to one database engine and its driver. sqlstore
// imports no driver: the sub-packages sqlstore/sqlite and sqlstore/postgres
// each supply a Dialect (and an Open helper) for the driver they import, so
// a host links only the driver it uses.
//
// sqlstore ships a schema for the engines it knows, named by
// [Dialect.Name]: [EngineSQLite] and [EnginePostgres]. A Dialect with
// another name is refused by [New] and [Migrate].
type Dialect interface {
	// Name returns the engine: [EngineSQLite] or [EnginePostgres]. It
	// selects the embedded migrations and the few statements that differ
	// between engines.
	Name() string
	// Placeholder returns the marker of the n-th bind parameter of a
	// statement, counting from 1: "?" for SQLite, "$1" for PostgreSQL.
	Placeholder(n int) string
	// Classify tells what a driver error means to the store. It must see
	// through wrapping (use errors.As) and return [ClassOther] for errors
	// it does not know.
	Classify(err error) ErrorClass
}

// Engines sqlstore has a schema for: the values of [Dialect.Name].
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// ErrorClass is what a driver error means to the store; see
// [Dialect.Classify].
type ErrorClass int

// Error classes.
const (
	// ClassOther is any error the store reports as an [*Error].
	ClassOther ErrorClass = iota
	// ClassUnique is a unique or primary-key violation. On Create and Load
	// the store reports it as an [*sms.ExistsError], on Commit as an
	// [*sms.ConflictError].
	ClassUnique
	// ClassConflict is a transaction that lost to a concurrent one and
	// wrote nothing: a PostgreSQL serialization failure or deadlock, or
	// SQLite's busy or locked error once its busy timeout ran out. The store
	// reports it as an [*sms.ConflictError] whose Actual is -1: read again
	// and retry.
	ClassConflict
	// ClassData is a value the database cannot store, such as a NUL byte or
	// invalid UTF-8 in a PostgreSQL text column. The store reports it as an
	// [*sms.ValidationError].
	ClassData
)

// String returns the class's name.
func (c ErrorClass) String() string {
	switch c {
	case ClassUnique:
		return "unique"
	case ClassConflict:
		return "conflict"
	case ClassData:
		return "data"
	default:
		return "other"
	}
}

// engine holds what differs between the engines sqlstore knows, beyond the
// placeholders.
type engine struct {
	name string
	// migrations is the directory of the embedded migrations.
	migrations string
	// lock is run first in the migration transaction, to serialise
	// concurrent migrators; empty when the engine's write lock does it.
	lock string
	// batch says whether several rows are inserted with one multi-row
	// statement (one round trip) rather than a prepared statement each.
	batch bool
	// hasVersions asks whether the table of applied migrations exists.
	hasVersions string
	// oneStatement says whether a commit of one entry that keeps the links
	// can be one statement (a data-modifying WITH), atomic on its own:
	// one round trip instead of four.
	oneStatement bool
	// branchLimit says whether each branch of a merged listing carries its
	// own ORDER BY and LIMIT: PostgreSQL's planner does not push the outer
	// LIMIT into the branches and would sort every matching row; SQLite
	// merges lazily, and would sort each branch's output if it were a
	// subquery.
	branchLimit bool
	// lockRow ends a SELECT of the row a commit is about to update, to
	// lock it until then (PostgreSQL's FOR UPDATE); empty when the
	// transaction holds the database's write lock already (SQLite's
	// commit has run an UPDATE first).
	lockRow string
}

// engineOf returns the engine a dialect names.
func engineOf(d Dialect) (engine, error) {
	if d == nil {
		return engine{}, &Error{Op: "dialect", Err: errNoDialect}
	}
	switch d.Name() {
	case EngineSQLite:
		return engine{name: EngineSQLite, migrations: "migrations/sqlite",
			hasVersions: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sms_schema'"}, nil
	case EnginePostgres:
		// Any constant identifies sqlstore's migration lock.
		return engine{name: EnginePostgres, migrations: "migrations/postgres",
			lock: "SELECT pg_advisory_xact_lock(2000012018)", batch: true, oneStatement: true, branchLimit: true, lockRow: " FOR UPDATE",
			hasVersions: "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'sms_schema' AND schemaname = current_schema()"}, nil
	default:
		return engine{}, &Error{Op: "dialect", Err: &unknownEngineError{name: d.Name()}}
	}
}
