package storetest

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
)

func linkTests() []struct {
	name string
	run  func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"ManyLinks", func(t *testing.T, h Harness) { testManyLinks(t, h, false) }},
		{"ManyLinksCold", func(t *testing.T, h Harness) { testManyLinks(t, h, true) }},
		{"PagedLinks", testPagedLinks},
		{"PagedLegacyRow", testPagedLegacyRow},
		{"PagedTampered", testPagedTampered},
		{"PagedInvalid", testPagedInvalid},
		{"MigrateCombinedIndexes", testMigrateCombinedIndexes},
	}
}

// combinedVersion is the schema version that adds the indexes of combined
// List filters.
const combinedVersion = 3

var combinedIndexes = []string{"sms_entities_status_service", "sms_entities_status_owner"}

// A database at version 2, with entities in it, migrates to the indexes of
// combined filters, which then serve listings of what was there; run
// again over the indexes, the migration changes nothing.
func testMigrateCombinedIndexes(t *testing.T, h Harness) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	statuses := []string{"open", "closed", "on_hold", "closed"}
	var all []*smstest.Thing
	for i := range 60 {
		th, en := smstest.NewThing(fmt.Sprintf("thing-%02d", i), statuses[i%len(statuses)], at)
		th.Service, th.Owner = fmt.Sprint("svc-", i%3), fmt.Sprint("owner-", i%5)
		en = smstest.Seal(th, en)
		require.NoError(t, store.Create(bg(), th, en))
		all = append(all, th)
	}
	present := func() []string {
		t.Helper()
		q := "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'sms_entities_status_%'"
		if h.Dialect.Name() == sqlstore.EnginePostgres {
			q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'sms_entities_status_%'"
		}
		rows, err := db.QueryContext(bg(), q)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var name string
			require.NoError(t, rows.Scan(&name))
			out = append(out, name)
		}
		require.NoError(t, rows.Err())
		return out
	}
	require.ElementsMatch(t, combinedIndexes, present())
	_, want, err := sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	require.GreaterOrEqual(t, want, combinedVersion)

	// Back to version 2.
	for _, ix := range combinedIndexes {
		_, err := db.ExecContext(bg(), "DROP INDEX "+ix)
		require.NoError(t, err)
	}
	_, err = Exec(t, h, db, "DELETE FROM sms_schema WHERE version >= ?", combinedVersion)
	require.NoError(t, err)
	require.Empty(t, present())
	_, err = sqlstore.New[*smstest.Thing](bg(), db, h.Dialect, sqlstore.Options{})
	var se *sqlstore.SchemaError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, sqlstore.SchemaError{Database: combinedVersion - 1, Code: want}, *se)

	require.NoError(t, sqlstore.Migrate(bg(), db, h.Dialect))
	require.ElementsMatch(t, combinedIndexes, present())
	have, _, err := sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	assert.Equal(t, want, have)

	// The migration recorded as not applied, its indexes there: it runs
	// again and changes nothing.
	_, err = Exec(t, h, db, "DELETE FROM sms_schema WHERE version >= ?", combinedVersion)
	require.NoError(t, err)
	require.NoError(t, sqlstore.Migrate(bg(), db, h.Dialect))
	require.ElementsMatch(t, combinedIndexes, present())
	have, _, err = sqlstore.SchemaVersion(bg(), db, h.Dialect)
	require.NoError(t, err)
	assert.Equal(t, want, have)

	// What was there before is listed through them, a page at a time.
	store = NewStore[*smstest.Thing](t, h, db)
	for _, q := range []sms.Query{
		{Status: []string{"closed"}, Service: "svc-1", Limit: 3},
		{Status: []string{"open", "on_hold"}, Service: "svc-2", Limit: 2},
		{Status: []string{"closed"}, Owner: "owner-3", Limit: 2},
		{Status: []string{"open", "closed"}, Owner: "owner-0", Service: "svc-0", Limit: 1},
	} {
		var want, got []string
		for _, th := range all {
			if slices.Contains(q.Status, th.Status) && (q.Service == "" || q.Service == th.Service) && (q.Owner == "" || q.Owner == th.Owner) {
				want = append(want, th.ID)
			}
		}
		require.NotEmpty(t, want, "%+v", q)
		for {
			page, err := store.List(bg(), q)
			require.NoError(t, err)
			for _, e := range page.Items {
				got = append(got, e.ID)
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		assert.Equal(t, want, got, "%+v", q)
	}
}

// manyLink is the i-th link of the ManyLinks test.
func manyLink(i int) sms.Link { return sms.Link{Type: "problem", ID: fmt.Sprintf("PRB-%06d", i)} }

// One entity committed up to 50,000 links, in large steps that add,
// remove and replace links (a commit writes only the difference; one
// statement for all of them would bind 4 parameters a link, and PostgreSQL
// takes at most 65,535: the 16,384th link could not be committed). After
// every commit the links table holds exactly the entity's set of links,
// and listing by link finds exactly the entities that have it. Cold, each
// commit is made by a Store of its own, which has cached none of the
// entity's link pages and reads the stored ones it changes.
func testManyLinks(t *testing.T, h Harness, cold bool) {
	db := h.Open(t)
	store := NewStore[*smstest.Thing](t, h, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	stored := func(id string) map[sms.Link]int {
		t.Helper()
		rows, err := db.QueryContext(bg(), Rebind(h.Dialect, "SELECT link_type, link_id FROM sms_links WHERE kind = ? AND entity_id = ?"),
			string(smstest.ThingKind), id)
		require.NoError(t, err)
		defer rows.Close()
		out := map[sms.Link]int{}
		for rows.Next() {
			var l sms.Link
			require.NoError(t, rows.Scan(&l.Type, &l.ID))
			out[l]++
		}
		require.NoError(t, rows.Err())
		return out
	}
	check := func(th *smstest.Thing, stage string) {
		t.Helper()
		want := map[sms.Link]int{}
		for _, l := range th.Links {
			want[l] = 1
		}
		got := stored(th.ID)
		if !assert.Equal(t, len(want), len(got), "%s: the number of stored links", stage) {
			return
		}
		for l := range want {
			if got[l] != 1 {
				require.Failf(t, "a link is not stored", "%s: %v", stage, l)
			}
		}
		e, err := store.Get(bg(), th.ID)
		require.NoError(t, err, stage)
		require.Equal(t, th.Links, e.Links, stage)
	}
	distinct := func(ls []sms.Link) int {
		m := map[sms.Link]bool{}
		for _, l := range ls {
			m[l] = true
		}
		return len(m)
	}
	step := 0
	commit := func(th *smstest.Thing, links []sms.Link, stage string) {
		t.Helper()
		step++
		v := th.Version
		th.Links = links
		en := smstest.Advance(th, "move", "open", at.Add(time.Duration(step)*time.Minute))
		committer := store
		if cold {
			committer = NewStore[*smstest.Thing](t, h, db)
		}
		require.NoError(t, committer.Commit(bg(), th.Clone(), v, []sms.Entry{en}), stage)
		check(th, stage)
	}

	// Created with 16,383 links, one of them twice.
	th, en := smstest.NewThing("many", "open", at)
	for i := range 16383 {
		th.Links = append(th.Links, manyLink(i))
	}
	th.Links = append(th.Links, manyLink(7))
	en = smstest.Seal(th, en)
	require.NoError(t, store.Create(bg(), th, en))
	check(th, "created with 16,383")

	// The 16,384th.
	commit(th, append(slices.Clone(th.Links), manyLink(16383)), "the 16,384th link")
	require.Equal(t, 16384, distinct(th.Links))

	// 10,000 more, at the front and the back.
	links := make([]sms.Link, 0, 30000)
	for i := 16384; i < 21384; i++ {
		links = append(links, manyLink(i))
	}
	links = append(links, th.Links...)
	for i := 21384; i < 26384; i++ {
		links = append(links, manyLink(i))
	}
	commit(th, links, "10,000 added")

	// Every tenth of the first 5,000 links removed, and the one repeated
	// link removed once (it stays).
	dup := slices.Index(th.Links[5008:], manyLink(7)) + 5008
	require.Greater(t, dup, 5008)
	links = links[:0:0]
	for i, l := range th.Links {
		if i < 5000 && i%10 == 0 || i == dup {
			continue
		}
		links = append(links, l)
	}
	require.Len(t, links, len(th.Links)-501)
	commit(th, links, "501 removed")
	assert.Contains(t, th.Links, manyLink(7))

	// 2,000 in the middle replaced by others.
	links = slices.Clone(th.Links)
	for i := 10000; i < 12000; i++ {
		links[i] = manyLink(100000 + i)
	}
	replaced := th.Links[10000:12000]
	commit(th, links, "2,000 replaced")

	// The service changed, the links not: nothing to write for them.
	th.Service = "svc-many"
	commit(th, th.Links, "the service changed")

	// Up to 50,000 links, the last commit adding one.
	n := distinct(th.Links)
	links = slices.Clone(th.Links)
	for i := 200000; n < 49999; i++ {
		links = append(links, manyLink(i))
		n++
	}
	commit(th, links, "49,999 links")
	commit(th, append(slices.Clone(th.Links), manyLink(300000)), "the 50,000th link")
	require.Equal(t, 50000, distinct(th.Links))

	// Another entity shares a few of the links; it is loaded with 20,000 at
	// once.
	other, oen := smstest.NewThing("other", "open", at)
	for i := range 20000 {
		other.Links = append(other.Links, manyLink(5*i))
	}
	oen = smstest.Seal(other, oen)
	require.NoError(t, store.Load(bg(), other, []sms.Entry{oen}))
	check(other, "loaded with 20,000")

	has := func(th *smstest.Thing, l sms.Link) bool { return slices.Contains(th.Links, l) }
	probes := []sms.Link{manyLink(0), manyLink(1), manyLink(5), manyLink(7), manyLink(16383), manyLink(16384), manyLink(26383),
		manyLink(110000), manyLink(111999), manyLink(300000), manyLink(99995), manyLink(1 << 20)}
	probes = append(probes, replaced[0], replaced[1999], th.Links[len(th.Links)/2])
	for _, l := range probes {
		var want []string
		for _, e := range []*smstest.Thing{th, other} {
			if has(e, l) {
				want = append(want, e.ID)
			}
		}
		page, err := store.List(bg(), sms.Query{Link: l})
		require.NoError(t, err, "%v", l)
		var got []string
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		assert.Equal(t, want, got, "listing by %v", l)
	}
	require.NoError(t, sms.VerifyJournal(mustJournal(t, store, th.ID)))
}

func mustJournal(t *testing.T, store sms.Store[*smstest.Thing], id string) []sms.Entry {
	t.Helper()
	j, err := store.Journal(bg(), id)
	require.NoError(t, err)
	return j
}

// BenchAddLink measures adding one link to an entity that has n: the
// store's Commit alone (the entity and its entry are prepared with the
// timer stopped, and the link is removed again, untimed, before the next
// round), on a database the harness opens.
func BenchAddLink(b *testing.B, h Harness, db *sql.DB, n int) {
	store := NewStore[*smstest.Thing](b, h, db)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th, en := smstest.NewThing("thing-links", "open", at)
	for i := range n {
		th.Links = append(th.Links, manyLink(i))
	}
	en = smstest.Seal(th, en)
	require.NoError(b, store.Create(bg(), th, en))
	base := th.Links
	commit := func(links []sms.Link) (*smstest.Thing, int64, []sms.Entry) {
		v := th.Version
		th.Links = links
		en := smstest.Advance(th, "move", "open", at.Add(time.Duration(v)*time.Second))
		return th.Clone(), v, []sms.Entry{en}
	}
	added := append(slices.Clone(base), manyLink(n))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		e, v, entries := commit(added)
		b.StartTimer()
		if err := store.Commit(bg(), e, v, entries); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		e, v, entries = commit(base)
		if err := store.Commit(bg(), e, v, entries); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
