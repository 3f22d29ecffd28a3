package sqlstore

import "github.com/iso20k/sms"

// ListSQL returns the statement and arguments List runs for q, fetching n
// rows, so that tests can ask the database for its plan.
func ListSQL[E sms.Entity[E]](s *Store[E], q sms.Query, n int) (string, []any) {
	return s.listSQL(q, n)
}
