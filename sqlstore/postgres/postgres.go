package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/iso20k/sms/sqlstore"
)

// Dialect is the [sqlstore.Dialect] of PostgreSQL. [Open] connects
// through github.com/jackc/pgx/v5/stdlib; a *sql.DB of another driver
// (github.com/lib/pq, say) works as well, given to [sqlstore.Migrate] and
// [sqlstore.New] with this Dialect: Classify reads the SQLSTATE of any
// driver error that reports it. Its zero value is ready to use.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

// Name returns [sqlstore.EnginePostgres].
func (Dialect) Name() string { return sqlstore.EnginePostgres }

// Placeholder returns "$n".
func (Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// SQLSTATE codes Classify knows.
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	lockNotAvailable     = "55P03"
	// dataException is the class of the errors of values: a character text
	// cannot hold (22021, a NUL byte or invalid UTF-8; 22P05), a text that
	// is not JSON (22P02), a number out of range (22003), ...
	dataException = "22"
)

// sqlState is what the PostgreSQL drivers' errors report: pgx's
// *pgconn.PgError and lib/pq's *pq.Error both have the method.
type sqlState interface {
	error
	SQLState() string
}

// Classify sorts PostgreSQL errors by their SQLSTATE, read from the first
// error in err's chain with a SQLState() string method (pgx's
// *pgconn.PgError, lib/pq's *pq.Error): a unique violation (23505) is
// [sqlstore.ClassUnique]; a serialization failure (40001), a deadlock
// (40P01) or a lock not available (55P03) is [sqlstore.ClassConflict]; a
// data exception (class 22: a character text cannot hold, such as a NUL
// byte, 22021; a value out of range or of the wrong syntax) is
// [sqlstore.ClassData]. Any other error is [sqlstore.ClassOther].
func (Dialect) Classify(err error) sqlstore.ErrorClass {
	var e sqlState
	if !errors.As(err, &e) {
		return sqlstore.ClassOther
	}
	code := e.SQLState()
	switch {
	case code == uniqueViolation:
		return sqlstore.ClassUnique
	case code == serializationFailure, code == deadlockDetected, code == lockNotAvailable:
		return sqlstore.ClassConflict
	case len(code) == 5 && strings.HasPrefix(code, dataException):
		return sqlstore.ClassData
	}
	return sqlstore.ClassOther
}

// DefaultIdleConns is the number of idle connections [Open] keeps, so that
// concurrent transitions do not open a connection (a server process) each.
const DefaultIdleConns = 10

// Open connects to the PostgreSQL database dsn names (a URL or key=value
// string, as pgx.ParseConfig reads it; set the schema with search_path),
// checks the connection and brings sqlstore's schema up to date with
// [sqlstore.Migrate]. The *sql.DB is ready for [sqlstore.New]; the caller
// closes it. It keeps [DefaultIdleConns] idle connections and sets no
// other pool limit: the host tunes the pool as it would any *sql.DB.
//
// Errors are an [*sqlstore.Error] (Op "open"), or what Migrate returns.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &sqlstore.Error{Op: "open", Err: err}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxIdleConns(DefaultIdleConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return nil, &sqlstore.Error{Op: "open", Err: err}
	}
	if err := sqlstore.Migrate(ctx, db, Dialect{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
