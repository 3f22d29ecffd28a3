package postgres_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"

	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
)

// stateError is an error of a driver Classify does not know, with the
// SQLSTATE method the PostgreSQL drivers share.
type stateError struct{ code string }

func (e *stateError) Error() string    { return "driver: error " + e.code }
func (e *stateError) SQLState() string { return e.code }

func TestClassify(t *testing.T) {
	t.Parallel()
	d := postgres.Dialect{}
	for _, tc := range []struct {
		code string
		want sqlstore.ErrorClass
	}{
		{"23505", sqlstore.ClassUnique},   // unique_violation
		{"40001", sqlstore.ClassConflict}, // serialization_failure
		{"40P01", sqlstore.ClassConflict}, // deadlock_detected
		{"55P03", sqlstore.ClassConflict}, // lock_not_available
		{"22021", sqlstore.ClassData},     // character_not_in_repertoire (a NUL byte)
		{"22P05", sqlstore.ClassData},     // untranslatable_character
		{"22P02", sqlstore.ClassData},     // invalid_text_representation
		{"22003", sqlstore.ClassData},     // numeric_value_out_of_range
		{"23503", sqlstore.ClassOther},    // foreign_key_violation
		{"42P01", sqlstore.ClassOther},    // undefined_table
		{"08006", sqlstore.ClassOther},    // connection_failure
		{"40000", sqlstore.ClassOther},    // transaction_rollback, not a lost race
		{"22", sqlstore.ClassOther},       // not a SQLSTATE
		{"", sqlstore.ClassOther},         // none
	} {
		t.Run(tc.code, func(t *testing.T) {
			for _, err := range []error{
				&stateError{code: tc.code},
				fmt.Errorf("wrapped: %w", &stateError{code: tc.code}),
				errors.Join(errors.New("first"), &stateError{code: tc.code}),
				&pgconn.PgError{Code: tc.code},
				&pq.Error{Code: pq.ErrorCode(tc.code)},
				&sqlstore.Error{Op: "commit", Err: &pq.Error{Code: pq.ErrorCode(tc.code)}},
			} {
				assert.Equal(t, tc.want, d.Classify(err), "%T %v", err, err)
			}
		})
	}
	for _, err := range []error{nil, errors.New("no SQLSTATE"), fmt.Errorf("wrapped: %w", errors.New("none"))} {
		assert.Equal(t, sqlstore.ClassOther, d.Classify(err), "%v", err)
	}
}
