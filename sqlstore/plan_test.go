package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// planQueries are the shapes of List query, one per way the store reads.
func planQueries() []sms.Query {
	return []sms.Query{
		{},
		{After: "thing-01000"},
		{Status: []string{"open"}},
		{Status: []string{"open", "closed"}},
		{Status: []string{"open", "closed", "on_hold"}, After: "thing-00500"},
		{Service: "svc-3"},
		{Owner: "owner-7"},
		{Link: sms.Link{Type: "problem", ID: "PRB-2"}},
		{Status: []string{"open"}, Service: "svc-3"},
		{Status: []string{"open", "closed"}, Owner: "owner-1", Service: "svc-2"},
		{Link: sms.Link{Type: "problem", ID: "PRB-2"}, Status: []string{"closed"}},
		{Link: sms.Link{Type: "problem", ID: "PRB-3"}, Status: []string{"closed", "open"}, Service: "svc-1", Owner: "owner-10"},
		{Status: manyStatuses(40)},
		{Status: manyStatuses(40), Service: "svc-1"},
	}
}

func manyStatuses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("status-", i)
	}
	out[0] = "open"
	return out
}

// Every List query SQLite runs must walk an index in ID order: no full
// scan of the entities, no sort (a temporary B-tree) for ORDER BY, with and
// without the statistics ANALYZE gathers.
func TestSQLiteListPlansUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	require.NoError(t, err)
	defer db.Close()
	s, err := sqlstore.New[*smstest.Thing](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	statuses := []string{"open", "in_progress", "on_hold", "resolved", "closed", "closed", "closed", "closed"}
	for i := range 2000 {
		th, en := smstest.NewThing(fmt.Sprintf("thing-%05d", i), statuses[i%len(statuses)], time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		th.Service = fmt.Sprintf("svc-%d", i%5)
		th.Owner = fmt.Sprintf("owner-%d", i%50)
		if i%10 == 0 {
			th.Links = []sms.Link{{Type: "problem", ID: fmt.Sprintf("PRB-%d", i%7)}}
		}
		require.NoError(t, s.Create(ctx, th, en))
	}
	check := func(stage string) {
		for _, q := range planQueries() {
			query, args := sqlstore.ListSQL(s, q, q.PageLimit()+1)
			plan := Plan(t, db, query, args...)
			for _, line := range plan {
				assert.NotContains(t, line, "TEMP B-TREE", "%s, %+v: a sort\n%s", stage, q, strings.Join(plan, "\n"))
				assert.False(t, strings.HasPrefix(line, "SCAN"), "%s, %+v: a full scan\n%s", stage, q, strings.Join(plan, "\n"))
			}
			assert.NotEmpty(t, plan)
			// And the query answers.
			_, err := s.List(ctx, q)
			assert.NoError(t, err)
		}
	}
	check("without statistics")
	_, err = db.ExecContext(ctx, "ANALYZE")
	require.NoError(t, err)
	check("after ANALYZE")
}

// Plan returns the details of SQLite's EXPLAIN QUERY PLAN for a query.
func Plan(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		out = append(out, detail)
	}
	require.NoError(t, rows.Err())
	return out
}
