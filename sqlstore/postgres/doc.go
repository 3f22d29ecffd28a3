// Package postgres is sqlstore's PostgreSQL dialect, on
// github.com/jackc/pgx/v5 through its database/sql adapter (stdlib).
// [Open] returns a *sql.DB ready for sqlstore.New, its schema migrated.
//
// A host on another driver opens the *sql.DB itself and gives it, with
// [Dialect], to sqlstore.Migrate and sqlstore.New. [Dialect.Classify]
// reads the SQLSTATE of any error in the driver's chain that has a
// SQLState() string method, as pgx's *pgconn.PgError and lib/pq's
// *pq.Error do, so conflicts, taken IDs and refused values are told
// apart on either; the tests run the whole storage suite through both.
//
// Transactions run at the database's default isolation (read committed
// unless the host sets another): the version check of a commit is a
// conditional UPDATE, which PostgreSQL serialises on the entity's row, so
// two writers of one entity never both succeed, and writers of different
// entities never wait for each other. At serializable isolation the loser
// of a race gets a serialization failure, which the store reports as
// sms.ConflictError like any lost race.
//
// The schema lives in the first schema of the connection's search_path:
// set search_path in the DSN to keep sqlstore's tables apart. A trigger
// refuses UPDATE, DELETE and TRUNCATE on the journal table.
//
// The tests need a server: they run when SMS_POSTGRES_DSN names a database
// (.ci/run starts one) and skip, saying so, when it is unset. Each test
// works in a schema of its own, dropped when it ends.
package postgres
