package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

var listRows = flag.Int("sqlstore.listrows", 1_000_000, "incidents in the SQLite database of BenchmarkSQLiteList")

// Distribution of the listing fixture: statuses by weight (out of 100),
// 200 services, 1000 owners, a problem link on every tenth incident.
var fixtureStatuses = []struct {
	status incident.Status
	weight int
}{
	{incident.StatusClosed, 70}, {incident.StatusResolved, 10}, {incident.StatusInProgress, 8},
	{incident.StatusAssigned, 5}, {incident.StatusNew, 4}, {incident.StatusOnHold, 3},
}

func fixtureStatus(i int) incident.Status {
	w := int((uint64(i) * 11400714819323198485 >> 40) % 100) // a hash: no link to the service or owner
	for _, s := range fixtureStatuses {
		if w < s.weight {
			return s.status
		}
		w -= s.weight
	}
	panic("weights do not sum to 100")
}

// listDB returns a SQLite database holding n incidents, built once and
// kept in the temporary directory, keyed by the schema version and n, so
// that repeated benchmark runs skip the load.
func listDB(b *testing.B, n int) *sql.DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("sqlstore-bench-list-v3-%d.db", n))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		require.NoError(b, buildListDB(ctx, tmp, n))
		require.NoError(b, os.Rename(tmp, path))
		b.Logf("loaded %d incidents in %v", n, time.Since(start).Round(time.Millisecond))
	}
	db, err := sqlite.Open(ctx, path)
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	var count int
	require.NoError(b, db.QueryRowContext(ctx, "SELECT count(*) FROM sms_entities").Scan(&count))
	require.Equal(b, n, count)
	return db
}

// buildListDB bulk-loads n incidents with hand-written INSERTs in large
// transactions: documents as the store writes them, and their links.
func buildListDB(ctx context.Context, path string, n int) error {
	db, err := sqlite.Open(ctx, path, sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
		return err
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &incident.Incident{Summary: "Payments fail for some customers at checkout", Description: strings.Repeat("Details of the failure. ", 12),
		Source: incident.SourceMonitoring, Reporter: "monitoring", Category: "software", Impact: 2, Urgency: 2, Priority: 3,
		MatrixVersion: "default-1", Group: "payments-team", Actions: 3}
	const batch = 20000
	for start := 0; start < n; start += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, "INSERT INTO sms_entities (kind, id, version, status, service, owner, links, created_us, updated_us, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		link, err := tx.PrepareContext(ctx, "INSERT INTO sms_links (kind, entity_id, link_type, link_id) VALUES (?, ?, ?, ?)")
		if err != nil {
			return err
		}
		for i := start; i < min(start+batch, n); i++ {
			inc := *tmpl
			inc.ID = fmt.Sprintf("INC-%07d", i)
			inc.Version = 6
			inc.CreatedAt = at.Add(time.Duration(i) * time.Minute)
			inc.UpdatedAt = inc.CreatedAt.Add(time.Hour)
			inc.ReportedAt = inc.CreatedAt
			inc.Status = fixtureStatus(i)
			inc.Service = fmt.Sprintf("svc-%03d", i%200)
			inc.Assignee = fmt.Sprintf("agent-%04d", (i/7)%1000)
			links := "[]"
			if i%10 == 0 {
				inc.Links = []sms.Link{{Type: incident.LinkProblem, ID: fmt.Sprintf("PRB-%d", i%1000)}}
				lb, _ := json.Marshal(inc.Links)
				links = string(lb)
			}
			doc, err := json.Marshal(&inc)
			if err != nil {
				return err
			}
			a := inc.Attributes()
			if _, err := ins.ExecContext(ctx, string(incident.Kind), inc.ID, inc.Version, string(inc.Status), a.Service, a.Owner, links,
				inc.CreatedAt.UnixMicro(), inc.UpdatedAt.UnixMicro(), string(doc)); err != nil {
				return err
			}
			for _, l := range a.Links {
				if _, err := link.ExecContext(ctx, string(incident.Kind), inc.ID, l.Type, l.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// BenchmarkSQLiteList lists a page of 50 incidents out of a million (see
// -sqlstore.listrows) through the store: by status, by service, by link,
// deep in a listing; budget: under 5 ms a page. Each query's plan is
// checked first: an index in ID order, no full scan, no sort.
func BenchmarkSQLiteList(b *testing.B) {
	ctx := context.Background()
	db := listDB(b, *listRows)
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	middle := fmt.Sprintf("INC-%07d", *listRows/2)
	cases := []struct {
		name string
		q    sms.Query
	}{
		{"status", sms.Query{Status: []string{string(incident.StatusOnHold)}}},
		{"status-deep", sms.Query{Status: []string{string(incident.StatusOnHold)}, After: middle}},
		{"two-statuses", sms.Query{Status: []string{string(incident.StatusNew), string(incident.StatusAssigned)}}},
		{"service", sms.Query{Service: "svc-042"}},
		{"service-deep", sms.Query{Service: "svc-042", After: middle}},
		{"status-and-service", sms.Query{Status: []string{string(incident.StatusInProgress)}, Service: "svc-042"}},
		{"link", sms.Query{Link: sms.Link{Type: incident.LinkProblem, ID: "PRB-420"}, Limit: 50}},
		{"all", sms.Query{}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			query, args := sqlstore.ListSQL(store, tc.q, tc.q.PageLimit()+1)
			for _, line := range Plan(b, db, query, args...) {
				if strings.Contains(line, "TEMP B-TREE") || strings.HasPrefix(line, "SCAN") {
					b.Fatalf("%+v: plan line %q", tc.q, line)
				}
			}
			page, err := store.List(ctx, tc.q)
			require.NoError(b, err)
			require.NotEmpty(b, page.Items)
			require.True(b, len(page.Items) == tc.q.PageLimit() || page.Next == "", "a full page, or the last")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := store.List(ctx, tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
