package storetest

import (
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
)

// pagedFixture is an entity whose links the tests page, and what its rows
// hold.
type pagedFixture struct {
	t     *testing.T
	h     Harness
	db    *sql.DB
	th    *smstest.Thing
	at    time.Time
	steps int
}

func newPaged(t *testing.T, h Harness, db *sql.DB, id string, n int) *pagedFixture {
	f := &pagedFixture{t: t, h: h, db: db, at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	th, en := smstest.NewThing(id, "open", f.at)
	for i := range n {
		th.Links = append(th.Links, manyLink(i))
	}
	en = smstest.Seal(th, en)
	require.NoError(t, NewStore[*smstest.Thing](t, h, db).Create(bg(), th.Clone(), en))
	f.th = th
	return f
}

// commit commits f's entity with links through store.
func (f *pagedFixture) commit(store sms.Store[*smstest.Thing], links []sms.Link) error {
	f.t.Helper()
	f.steps++
	v := f.th.Version
	next := f.th.Clone()
	next.Links = links
	en := smstest.Advance(next, "move", "open", f.at.Add(time.Duration(f.steps)*time.Minute))
	if err := store.Commit(bg(), next.Clone(), v, []sms.Entry{en}); err != nil {
		return err
	}
	f.th = next
	return nil
}

// column returns the links column and the document of the entity's row.
func (f *pagedFixture) row() (links, doc string) {
	f.t.Helper()
	err := f.db.QueryRowContext(bg(), Rebind(f.h.Dialect, "SELECT links, doc FROM sms_entities WHERE kind = ? AND id = ?"),
		string(smstest.ThingKind), f.th.ID).Scan(&links, &doc)
	require.NoError(f.t, err)
	return links, doc
}

// pages returns the number of link pages stored for the entity.
func (f *pagedFixture) pages() int {
	f.t.Helper()
	var n int
	err := f.db.QueryRowContext(bg(), Rebind(f.h.Dialect, "SELECT COUNT(*) FROM sms_link_pages WHERE kind = ? AND entity_id = ?"),
		string(smstest.ThingKind), f.th.ID).Scan(&n)
	require.NoError(f.t, err)
	return n
}

// check asserts that a Store of its own reads the entity as committed, and
// that the links table holds its set of links and the pages its list:
// paged or in the document, as its length says.
func (f *pagedFixture) check(stage string) {
	f.t.Helper()
	got, err := NewStore[*smstest.Thing](f.t, f.h, f.db).Get(bg(), f.th.ID)
	require.NoError(f.t, err, stage)
	require.Equal(f.t, f.th.Links, got.Links, stage)
	require.Equal(f.t, f.th.Version, got.Version, stage)
	want := map[sms.Link]bool{}
	for _, l := range f.th.Links {
		want[l] = true
	}
	rows, err := f.db.QueryContext(bg(), Rebind(f.h.Dialect, "SELECT link_type, link_id FROM sms_links WHERE kind = ? AND entity_id = ?"),
		string(smstest.ThingKind), f.th.ID)
	require.NoError(f.t, err)
	have := map[sms.Link]bool{}
	for rows.Next() {
		var l sms.Link
		require.NoError(f.t, rows.Scan(&l.Type, &l.ID))
		have[l] = true
	}
	require.NoError(f.t, rows.Err())
	rows.Close()
	require.Equal(f.t, want, have, "%s: the links table", stage)
	links, doc := f.row()
	if len(f.th.Links) > 128 {
		assert.True(f.t, strings.HasPrefix(links, "pages:"), "%s: the links column is the pages' marker, not %.40q", stage, links)
		assert.Equal(f.t, (len(f.th.Links)+127)/128, f.pages(), "%s: one page per 128 links", stage)
		assert.NotContains(f.t, doc, f.th.Links[len(f.th.Links)-1].ID, "%s: the document leaves the paged links out", stage)
	} else {
		assert.True(f.t, strings.HasPrefix(links, "["), "%s: the links column is their JSON, not %.40q", stage, links)
		assert.Zero(f.t, f.pages(), "%s: no pages", stage)
	}
}

// A list of links longer than a page is kept in pages, and a commit
// writes only the pages it changes: an entity grows from 128 links (kept
// in its document) to 129 (paged) and to 1,000, has links added,
// replaced and removed, one link held twice in two pages and removed from
// one, and shrinks back into its document. Commits alternate between a
// Store that cached the pages and Stores that read them; after each, a
// Store of its own reads the entity as committed, the links table holds
// its set and listing finds it by its links, whole.
func testPagedLinks(t *testing.T, h Harness) {
	db := h.Open(t)
	f := newPaged(t, h, db, "paged", 128)
	f.check("created with 128 links")
	// warm commits every other step, and reads nothing: what it cached
	// when it committed last is not what is stored then.
	warm, lister := NewStore[*smstest.Thing](t, h, db), NewStore[*smstest.Thing](t, h, db)
	steps := []struct {
		stage string
		links func(l []sms.Link) []sms.Link
	}{
		{"the 129th link", func(l []sms.Link) []sms.Link { return append(l, manyLink(128)) }},
		{"1,000 links", func(l []sms.Link) []sms.Link {
			for i := 129; i < 1000; i++ {
				l = append(l, manyLink(i))
			}
			return l
		}},
		{"one link added", func(l []sms.Link) []sms.Link { return append(l, manyLink(1000)) }},
		{"a link of the third page replaced", func(l []sms.Link) []sms.Link { l[300] = manyLink(5000); return l }},
		{"the fifth link held again in the eighth page", func(l []sms.Link) []sms.Link { l[900] = manyLink(5); return l }},
		{"its copy in the eighth page replaced", func(l []sms.Link) []sms.Link { l[900] = manyLink(900); return l }},
		{"held there again", func(l []sms.Link) []sms.Link { l[900] = manyLink(5); return l }},
		{"the fifth link removed from the first page", func(l []sms.Link) []sms.Link {
			return slices.Delete(l, 5, 6)
		}},
		{"a link inserted at the front", func(l []sms.Link) []sms.Link { return slices.Insert(l, 0, manyLink(6000)) }},
		{"the last 300 removed", func(l []sms.Link) []sms.Link { return l[:len(l)-300] }},
		{"nothing changed but the count", func(l []sms.Link) []sms.Link { return l }},
		{"back to 129", func(l []sms.Link) []sms.Link { return l[:129] }},
		{"back to 128", func(l []sms.Link) []sms.Link { return l[:128] }},
		{"paged again from the document", func(l []sms.Link) []sms.Link { return append(l, manyLink(7000), manyLink(7001)) }},
		{"none", func([]sms.Link) []sms.Link { return nil }},
	}
	for i, st := range steps {
		store := warm
		if i%2 == 1 {
			store = NewStore[*smstest.Thing](t, h, db)
		}
		f.th.Count++
		require.NoError(t, f.commit(store, st.links(slices.Clone(f.th.Links))), st.stage)
		f.check(st.stage)
		if strings.HasPrefix(st.stage, "its copy") || strings.HasPrefix(st.stage, "the fifth link removed") {
			require.Contains(t, f.th.Links, manyLink(5), "still in the eighth page")
		}
		if len(f.th.Links) == 0 {
			continue
		}
		for _, l := range []sms.Link{f.th.Links[0], f.th.Links[len(f.th.Links)-1]} {
			page, err := lister.List(bg(), sms.Query{Link: l})
			require.NoError(t, err, st.stage)
			require.Len(t, page.Items, 1, "%s: listed by %v", st.stage, l)
			require.Equal(t, f.th.Links, page.Items[0].Links, "%s: listed whole", st.stage)
		}
	}
	require.NoError(t, sms.VerifyJournal(mustJournal(t, lister, f.th.ID)))
	e, err := lister.Get(bg(), f.th.ID)
	require.NoError(t, err)
	require.NoError(t, sms.VerifyHead(e, mustJournal(t, lister, f.th.ID)))
}

// A row written before links were paged keeps more than 128 links in its
// document and their JSON in its links column: it reads as it was, and
// its next commit pages them.
func testPagedLegacyRow(t *testing.T, h Harness) {
	db := h.Open(t)
	f := newPaged(t, h, db, "legacy", 300)
	doc, err := json.Marshal(f.th)
	require.NoError(t, err)
	links, err := json.Marshal(f.th.Links)
	require.NoError(t, err)
	_, err = Exec(t, h, db, "UPDATE sms_entities SET links = ?, doc = ? WHERE kind = ? AND id = ?",
		string(links), string(doc), string(smstest.ThingKind), f.th.ID)
	require.NoError(t, err)
	_, err = Exec(t, h, db, "DELETE FROM sms_link_pages WHERE kind = ?", string(smstest.ThingKind))
	require.NoError(t, err)
	got, err := NewStore[*smstest.Thing](t, h, db).Get(bg(), f.th.ID)
	require.NoError(t, err)
	require.Equal(t, f.th.Links, got.Links, "read from the document")

	require.NoError(t, f.commit(NewStore[*smstest.Thing](t, h, db), append(slices.Clone(f.th.Links), manyLink(300))))
	f.check("paged by the next commit")
}

// Pages changed behind the store are refused when read, and pages copied
// whole from another entity (every digest right) make a record that does
// not verify against its journal.
func testPagedTampered(t *testing.T, h Harness) {
	db := h.Open(t)
	a := newPaged(t, h, db, "tampered-a", 400)
	b := newPaged(t, h, db, "tampered-b", 400)
	for i := range b.th.Links {
		b.th.Links[i] = manyLink(10000 + i)
	}
	require.NoError(t, b.commit(NewStore[*smstest.Thing](t, h, db), b.th.Links))
	kind := string(smstest.ThingKind)
	var text string
	var digest []byte
	err := db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT links, digest FROM sms_link_pages WHERE kind = ? AND entity_id = ? AND page = 1"),
		kind, a.th.ID).Scan(&text, &digest)
	require.NoError(t, err)
	set := func(page int, text string, digest []byte) {
		t.Helper()
		_, err := Exec(t, h, db, "UPDATE sms_link_pages SET links = ?, digest = ? WHERE kind = ? AND entity_id = ? AND page = ?",
			text, digest, kind, a.th.ID, page)
		require.NoError(t, err)
	}
	corrupt := func(stage, problem string) {
		t.Helper()
		_, err := NewStore[*smstest.Thing](t, h, db).Get(bg(), a.th.ID)
		var ce *sms.CorruptError
		require.ErrorAs(t, err, &ce, stage)
		assert.Contains(t, ce.Error(), problem, stage)
		page, err := NewStore[*smstest.Thing](t, h, db).List(bg(), sms.Query{})
		require.ErrorAs(t, err, &ce, "%s: listed (%d items)", stage, len(page.Items))
	}

	set(1, strings.Replace(text, manyLink(130).ID, manyLink(99999).ID, 1), digest)
	corrupt("a link changed", "does not match its digest")

	var text2 string
	var digest2 []byte
	err = db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT links, digest FROM sms_link_pages WHERE kind = ? AND entity_id = ? AND page = 2"),
		kind, a.th.ID).Scan(&text2, &digest2)
	require.NoError(t, err)
	set(1, text2, digest2)
	corrupt("a page copied over another, its digest with it", "did not match the entity row")

	_, err = Exec(t, h, db, "DELETE FROM sms_link_pages WHERE kind = ? AND entity_id = ? AND page = 1", kind, a.th.ID)
	require.NoError(t, err)
	corrupt("a page deleted", "link page 1 is missing")

	// b's pages and marker, all consistent, copied into a's row.
	_, err = Exec(t, h, db, "DELETE FROM sms_link_pages WHERE kind = ? AND entity_id = ?", kind, a.th.ID)
	require.NoError(t, err)
	_, err = Exec(t, h, db, "INSERT INTO sms_link_pages (kind, entity_id, page, digest, links) "+
		"SELECT kind, ?, page, digest, links FROM sms_link_pages WHERE kind = ? AND entity_id = ?", a.th.ID, kind, b.th.ID)
	require.NoError(t, err)
	marker, _ := b.row()
	_, err = Exec(t, h, db, "UPDATE sms_entities SET links = ? WHERE kind = ? AND id = ?", marker, kind, a.th.ID)
	require.NoError(t, err)
	store := NewStore[*smstest.Thing](t, h, db)
	forged, err := store.Get(bg(), a.th.ID)
	require.NoError(t, err, "every page matches its digest and the marker")
	require.Equal(t, b.th.Links, forged.Links)
	err = sms.VerifyHead(forged, mustJournal(t, store, a.th.ID))
	require.Error(t, err, "the record does not verify against its journal")
}

// A paged link that is not valid UTF-8, which its page's JSON cannot keep,
// is refused with a validation error, and nothing is written.
func testPagedInvalid(t *testing.T, h Harness) {
	db := h.Open(t)
	f := newPaged(t, h, db, "invalid", 300)
	store := NewStore[*smstest.Thing](t, h, db)
	for _, at := range []int{0, 299, 300} {
		links := slices.Clone(f.th.Links)
		bad := sms.Link{Type: "problem", ID: "PRB-\xff"}
		if at == len(links) {
			links = append(links, bad)
		} else {
			links[at] = bad
		}
		err := f.commit(store, links)
		var ve *sms.ValidationError
		require.True(t, errors.As(err, &ve), "link %d: %v", at, err)
		assert.Equal(t, "entity.links", ve.Field)
		f.check("refused")
	}
	th, en := smstest.NewThing("invalid-new", "open", f.at)
	for i := range 200 {
		th.Links = append(th.Links, manyLink(i))
	}
	th.Links[150].Type = "\xfe"
	en = smstest.Seal(th, en)
	var ve *sms.ValidationError
	require.ErrorAs(t, store.Create(bg(), th, en), &ve)
	_, err := store.Get(bg(), th.ID)
	var nf *sms.NotFoundError
	require.ErrorAs(t, err, &nf, "nothing was created")
}
