// Package sqlstore keeps entities and their journals in a SQL database
// through database/sql: one generic implementation of [sms.Store] and
// [sms.Loader] for every process package, on SQLite (the embedded default)
// and PostgreSQL (for hosts that run several application instances).
//
// The host owns the *sql.DB and picks the driver. sqlstore imports none:
// the sub-package sqlstore/sqlite (modernc.org/sqlite, pure Go) and
// sqlstore/postgres (github.com/jackc/pgx/v5/stdlib) each supply a
// [Dialect] and an Open helper that returns a configured, migrated
// *sql.DB, so a host links only the driver it uses. The PostgreSQL Dialect
// works with a *sql.DB of another PostgreSQL driver too (github.com/lib/pq):
// it classifies errors by their SQLSTATE.
//
//	db, err := sqlite.Open(ctx, path)
//	incidents, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
//	svc, err := incident.NewService(incidents, incident.Config{})
//
// # Schema
//
// The schema is embedded and applied by [Migrate], which records each
// version in the table sms_schema and refuses a database whose schema is
// newer than the code ([*SchemaError]); [New] refuses a database that is not
// at the code's version. All kinds share three tables:
//
//   - sms_entities: one row per entity, keyed by (kind, id): its version,
//     status, service, owner and links (copies of what the entity's State
//     and Attributes return, for the indexes), its created and updated
//     times, and the entity itself as the JSON encoding/json writes (doc),
//     decoded with json.Unmarshal into E;
//   - sms_links: the entity's typed links, indexed by (kind, link type,
//     link ID, entity ID) for the Link filter;
//   - sms_link_pages: the list of links of an entity that has more than
//     128 and implements [sms.LinkSetter], 128 a page with the SHA-256 of
//     each, in place of the links in doc (its links column is then a
//     marker of the list): a commit writes only the pages it changes, and
//     a read checks every page and the list against the row;
//   - sms_journal: one row per journal entry, unique by (kind, entity ID,
//     sequence), with the actor's roles and the payload as JSON and the
//     hashes as 32 raw bytes. It is append-only: no code path updates or
//     deletes a row, and triggers refuse UPDATE and DELETE (and, on
//     PostgreSQL, TRUNCATE).
//
// Times are stored as microseconds since the Unix epoch, which round-trip
// exactly: the pipeline truncates to the microsecond and journal hashes
// cover [time.Time.UnixMicro]. IDs compare by their bytes (the "C"
// collation on PostgreSQL), so List pages in the order Go sorts strings,
// whatever the database's collation.
//
// # Transactions
//
// Every write is one transaction. Create and Load insert the entity (a
// taken ID is an [*sms.ExistsError]), its links and its journal entries.
// Commit updates the entity row only if its stored version is the expected
// one, appends the entries and, when the links changed, writes what changed:
// it reads the links as stored (the row's links column) in the same
// transaction and deletes the links removed and inserts the links added, so
// that a commit costs the links it changes, not the links the entity has;
// when no row was updated it tells, in the same transaction, an unknown ID
// ([*sms.NotFoundError]) from a stale version ([*sms.ConflictError] with the
// stored version). Rows of links are written at most 256 to a statement,
// so an entity may have any number of links. A transaction the database aborts because a concurrent
// one won (a PostgreSQL serialization failure or deadlock, SQLite's busy
// timeout running out) is also an [*sms.ConflictError], with Actual -1:
// nothing was written, read again and retry. Arguments are checked with
// [sms.CheckCommit] before anything is written.
//
// # The host's transaction
//
// A host with tables of its own in the same database makes its writes and
// the library's transitions commit or roll back together with [WithTx]:
// the stores read and write in the transaction the host began, each write
// under a savepoint (a refused transition leaves the host's transaction
// usable), and never commit it; the returned [sms.Deferred] holds the
// observers' notifications until the host says how its transaction
// ended.
//
// # Group commit
//
// With a [Group] ([Options].Group, the same one for every Store on the
// database), the commits that arrive while one is being made durable share
// the next transaction and its sync of the disk, each under a savepoint of
// its own so that one refused (a stale version, a taken ID) fails alone.
// On SQLite, whose single writer connection serialises every commit, this
// is what lets many concurrent writers share the disk: give the Stores a
// pool of read-only connections too ([Options].Reader, sqlite.WithReadOnly),
// so that reads do not queue behind the writer. On PostgreSQL, whose server
// already flushes concurrent transactions together, several connections
// without a Group do better (BENCHMARKS.md).
//
// Text the JSON columns cannot keep exactly (strings that are not valid
// UTF-8) is refused with an [*sms.ValidationError] rather than stored
// altered, since an altered journal entry would no longer verify.
//
// # Listing
//
// Every List query walks an index that yields IDs in order: the cursor
// bounds it (id > After) and the page size plus one limits it, so a page
// costs the same at any depth and Next is "" exactly on the last page. See
// [Store.List] for which index serves which filter.
//
// # Errors
//
// Besides the errors of [sms.Store], a stored row that does not decode is
// an [*sms.CorruptError] naming the kind and ID (never a panic), and any
// other database failure is an [*Error] that names the operation and the
// entity and wraps the driver's error or the context's.
package sqlstore
