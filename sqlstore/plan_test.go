package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
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
		{Status: []string{"open", "closed"}, Service: "svc-3"},
		{Status: []string{"open"}, Owner: "owner-7"},
		{Status: []string{"open", "on_hold", "closed"}, Owner: "owner-7", After: "thing-00500"},
		{Status: []string{"open", "closed"}, Owner: "owner-1", Service: "svc-2"},
		{Service: "svc-2", Owner: "owner-1"},
		{Link: sms.Link{Type: "problem", ID: "PRB-2"}, Status: []string{"closed"}},
		{Link: sms.Link{Type: "problem", ID: "PRB-3"}, Status: []string{"closed", "open"}, Service: "svc-1", Owner: "owner-10"},
		{Status: manyStatuses(40)},
		{Status: manyStatuses(40), Service: "svc-1"},
	}
}

// combinedIndexes returns the indexes that serve q's combination of a
// status filter (up to 32 statuses) with a service or owner filter, one
// ordered range per status: the status and service index when q has a
// service, the status and owner index when it has an owner, either when
// it has both. Nil for other queries.
func combinedIndexes(q sms.Query) []string {
	if !q.Link.IsZero() || len(q.Status) == 0 || len(q.Status) > 32 {
		return nil
	}
	var out []string
	if q.Service != "" {
		out = append(out, "sms_entities_status_service")
	}
	if q.Owner != "" {
		out = append(out, "sms_entities_status_owner")
	}
	return out
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
			if want := combinedIndexes(q); want != nil {
				// Every range the query reads is one of the combined
				// indexes, bounded by every filter and the cursor.
				searches := 0
				for _, line := range plan {
					if !strings.Contains(line, "SEARCH e ") {
						continue
					}
					searches++
					ok := false
					for _, ix := range want {
						ok = ok || strings.Contains(line, "USING INDEX "+ix+" (kind=? AND status=? AND "+strings.TrimPrefix(ix, "sms_entities_status_")+"=? AND id>?)")
					}
					assert.True(t, ok, "%s, %+v: a range not bounded by the combined filter (want %v)\n%s", stage, q, want, strings.Join(plan, "\n"))
				}
				assert.Equal(t, len(slices.Compact(slices.Sorted(slices.Values(q.Status)))), searches,
					"%s, %+v: one range per status\n%s", stage, q, strings.Join(plan, "\n"))
			}
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
