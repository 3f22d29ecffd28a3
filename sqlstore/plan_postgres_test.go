package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/pgtest"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
)

// postgresSchema opens the database SMS_POSTGRES_DSN names on a schema of
// the test's own, dropped when it ends; the test skips when it is unset.
func postgresSchema(t *testing.T) *sql.DB { return pgtest.Open(t) }

// On PostgreSQL too, a page reads an index in ID order from the cursor:
// no sequential scan and no sort of the matching rows, with statistics of
// a table large enough for the planner to care.
func TestPostgresListPlansUseIndexes(t *testing.T) {
	t.Parallel()
	db := postgresSchema(t)
	ctx := context.Background()
	s, err := sqlstore.New[*smstest.Thing](ctx, db, postgres.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	_, err = db.ExecContext(ctx, `INSERT INTO sms_entities SELECT 'smstest_thing', 'thing-' || lpad(i::text, 6, '0'), 1,
		(ARRAY['open', 'in_progress', 'on_hold', 'resolved', 'closed', 'closed', 'closed', 'closed'])[1 + (i::bigint * 7919) % 8],
		'svc-' || (i % 5), 'owner-' || (i % 50), '[]', 0, 0, '{}' FROM generate_series(1, 100000) i`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO sms_links SELECT 'smstest_thing', 'thing-' || lpad(i::text, 6, '0'), 'problem',
		'PRB-' || (i % 7) FROM generate_series(1, 100000, 10) i`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "ANALYZE")
	require.NoError(t, err)
	for _, q := range []sms.Query{
		{},
		{After: "thing-050000"},
		{Status: []string{"open"}},
		{Status: []string{"open", "on_hold"}},
		{Status: []string{"open", "closed", "on_hold"}, After: "thing-005000"},
		{Service: "svc-3"},
		{Owner: "owner-7", After: "thing-090000"},
		{Link: sms.Link{Type: "problem", ID: "PRB-2"}},
		{Status: []string{"open"}, Service: "svc-3"},
		{Status: []string{"open", "on_hold"}, Service: "svc-3", After: "thing-050000"},
		{Status: []string{"open"}, Owner: "owner-7"},
		{Status: []string{"open", "closed", "on_hold"}, Owner: "owner-7"},
		{Status: []string{"open", "closed"}, Owner: "owner-1", Service: "svc-2"},
		{Service: "svc-2", Owner: "owner-1"},
	} {
		query, args := sqlstore.ListSQL(s, q, q.PageLimit()+1)
		rows, err := db.QueryContext(ctx, "EXPLAIN "+query, args...)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan = append(plan, line)
		}
		require.NoError(t, rows.Close())
		text := strings.Join(plan, "\n")
		assert.NotContains(t, text, "Seq Scan", "%+v: a full scan\n%s", q, text)
		assert.NotContains(t, text, "Sort  ", "%+v: a sort\n%s", q, text)
		assert.NotContains(t, text, "Bitmap", "%+v: rows out of order\n%s", q, text)
		if want := combinedIndexes(q); want != nil {
			// One ordered range per status, of a combined index, bounded
			// by the combined filter and the cursor.
			scans := 0
			for _, line := range plan {
				if !strings.Contains(line, "Index Scan") {
					if strings.Contains(line, "Index Cond") {
						ok := false
						for _, ix := range want {
							ok = ok || strings.Contains(line, "AND ("+strings.TrimPrefix(ix, "sms_entities_status_")+" = ")
						}
						assert.True(t, ok, "%+v: a range not bounded by the combined filter\n%s", q, text)
						assert.Contains(t, line, "(status = ", "%+v\n%s", q, text)
						assert.Contains(t, line, "(id > ", "%+v\n%s", q, text)
					}
					continue
				}
				scans++
				ok := false
				for _, ix := range want {
					ok = ok || strings.Contains(line, "Index Scan using "+ix+" on sms_entities")
				}
				assert.True(t, ok, "%+v: a scan of another index (want %v)\n%s", q, want, text)
			}
			assert.Equal(t, len(q.Status), scans, "%+v: one range per status\n%s", q, text)
		}
	}
}
