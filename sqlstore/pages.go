package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// Long link lists are kept in pages. An entity with more than linkPage
// links, whose type implements [sms.LinkSetter], is stored without its
// links in its document; its links column holds a marker (pagedPrefix, the
// number of links, a colon and the hex SHA-256 of its pages' digests) in
// place of their JSON, and sms_link_pages holds the list in order,
// linkPage links a page, each page with the SHA-256 of its links. A commit
// that changes the links reads the stored pages' digests, compares them
// with its own and reads and writes only the pages that differ, so that
// adding a link to a long list costs a page, not the list. A reader checks
// every page against its digest and the list against the marker of the
// row it read, which binds the pages to that version of the entity.
//
// Shorter lists, and the links of types that do not implement
// sms.LinkSetter, stay in the document, with their JSON in the links
// column (see links.go). Rows written before the pages existed are of
// that form whatever their length, and are paged when next committed.

// linkPage is the number of links of a page, and the longest list kept in
// the document.
const linkPage = 128

// pagedPrefix begins the links column of an entity whose links are paged.
const pagedPrefix = "pages:"

// isPaged reports whether a links column is the marker of paged links.
func isPaged(links string) bool { return strings.HasPrefix(links, pagedPrefix) }

// pageOf returns the links of the p-th page of links.
func pageOf(links []sms.Link, p int) []sms.Link {
	return links[p*linkPage : min((p+1)*linkPage, len(links))]
}

// pageDigest returns the SHA-256 of a page of links: of each link's type
// and ID, each after its length as a uvarint. buf is scratch space, and is
// returned for reuse.
func pageDigest(buf []byte, links []sms.Link) ([]byte, sms.Hash) {
	buf = buf[:0]
	for _, l := range links {
		buf = binary.AppendUvarint(buf, uint64(len(l.Type)))
		buf = append(buf, l.Type...)
		buf = binary.AppendUvarint(buf, uint64(len(l.ID)))
		buf = append(buf, l.ID...)
	}
	return buf, sha256.Sum256(buf)
}

// pagedList is a list of links in pages: the links of each page, which
// it owns (no caller holds them), their digests and the list's marker.
// It is not changed once made, and may be shared.
type pagedList struct {
	marker  string
	count   int
	pages   [][]sms.Link
	digests []sms.Hash
}

// paginate returns the paged list of links, reusing the pages of prev (the
// list last cached for the entity, or nil) that hold the same links, and
// their digests: a commit that adds a link to a long list hashes and
// copies one page.
func paginate(links []sms.Link, prev *pagedList) *pagedList {
	n := (len(links) + linkPage - 1) / linkPage
	l := &pagedList{count: len(links), pages: make([][]sms.Link, n), digests: make([]sms.Hash, n)}
	var buf []byte
	for p := range n {
		pl := pageOf(links, p)
		if prev != nil && p < len(prev.pages) && slices.Equal(prev.pages[p], pl) {
			l.pages[p], l.digests[p] = prev.pages[p], prev.digests[p]
			continue
		}
		l.pages[p] = slices.Clone(pl)
		buf, l.digests[p] = pageDigest(buf, pl)
	}
	l.marker = pagesMarker(len(links), l.digests)
	return l
}

// pageCache holds the paged list each entity had when a Store last
// encoded or read it, up to pageCacheLinks links in all. What it says
// cannot go stale: a marker is the digest of its pages' digests, so a row
// whose links column is a cached list's marker stores that list, and a
// commit finds there the stored pages it changes without reading them.
type pageCache struct {
	mu    sync.Mutex
	byID  map[string]*pagedList
	links int
}

// pageCacheLinks bounds the links a Store's pageCache holds.
const pageCacheLinks = 1 << 18

// get returns the list cached for entity id, or nil.
func (c *pageCache) get(id string) *pagedList {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// put caches l as entity id's list, dropping other entities' lists while
// the cache holds too many links.
func (c *pageCache) put(id string, l *pagedList) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]*pagedList{}
	}
	if old := c.byID[id]; old != nil {
		c.links -= old.count
	}
	for k, v := range c.byID {
		if c.links+l.count <= pageCacheLinks {
			break
		}
		if k != id {
			delete(c.byID, k)
			c.links -= v.count
		}
	}
	if l.count > pageCacheLinks {
		delete(c.byID, id)
		return
	}
	c.byID[id] = l
	c.links += l.count
}

// pagesMarker returns the marker of a list of count links whose pages have
// these digests.
func pagesMarker(count int, digests []sms.Hash) string {
	h := sha256.New()
	for i := range digests {
		h.Write(digests[i][:])
	}
	return pagedPrefix + strconv.Itoa(count) + ":" + hex.EncodeToString(h.Sum(nil))
}

// pageable returns a copy of e without its links, to be encoded as its
// document, when its links are to be paged: more than linkPage of them, e
// a pointer to a struct and an [sms.LinkSetter] whose links are then gone
// from its Attributes. The copy is shallow (it is only encoded): a deep
// [sms.Entity.Clone] would copy every link on every commit.
func pageable[E sms.Entity[E]](e E, links []sms.Link) (E, bool) {
	var zero E
	if len(links) <= linkPage {
		return zero, false
	}
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return zero, false
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	c, ok := cp.Interface().(E)
	if !ok {
		return zero, false
	}
	ls, ok := any(c).(sms.LinkSetter)
	if !ok {
		return zero, false
	}
	ls.SetLinks(nil)
	if len(c.Attributes().Links) > 0 {
		return zero, false // links computed from other fields too
	}
	return c, true
}

// checkUTF8 returns the error for a link that is not valid UTF-8, which
// the JSON of its page cannot keep exactly; nil when every link is.
func (s *Store[E]) checkUTF8(links []sms.Link) error {
	for _, l := range links {
		if !utf8.ValidString(l.Type) || !utf8.ValidString(l.ID) {
			return &sms.ValidationError{Kind: s.kind, Field: "entity.links",
				Problem: "sqlstore: holds a link that is not valid UTF-8, which its JSON cannot keep exactly"}
		}
	}
	return nil
}

// storedPage is a page as sms_link_pages holds it.
type storedPage struct {
	page   int64
	digest sms.Hash
	links  string
}

// scanPages reads the pages rows yields: page, digest and, with text,
// links.
func scanPages(rows *sql.Rows, text bool) ([]storedPage, error) {
	defer rows.Close()
	var (
		out    []storedPage
		digest []byte
	)
	for rows.Next() {
		var p storedPage
		dests := []any{&p.page, &digest}
		if text {
			dests = append(dests, &p.links)
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		if len(digest) != len(p.digest) {
			return nil, fmt.Errorf("link page %d has a digest of %d bytes", p.page, len(digest))
		}
		copy(p.digest[:], digest)
		out = append(out, p)
	}
	return out, rows.Err()
}

// decodePage returns the links of a stored page, checked against its
// digest.
func decodePage(p storedPage) ([]sms.Link, error) {
	links, ok := fastLinks(p.links)
	if !ok {
		var err error
		if links, err = slowJSON[sms.Link](p.links); err != nil {
			return nil, fmt.Errorf("link page %d does not decode: %w", p.page, err)
		}
	}
	if _, d := pageDigest(nil, links); d != p.digest {
		return nil, fmt.Errorf("link page %d does not match its digest", p.page)
	}
	return links, nil
}

// errStalePages is the pages of an entity not making up the list the
// marker of its row, as read before them, describes: a commit came
// between the two reads.
var errStalePages = errors.New("the link pages are not those of the entity row")

// readPages returns the links of entity id, whose row holds marker, with
// st (the statement of the pages from a page on). A page that does not
// match its digest, or pages that do not run 0, 1, 2 ... full but the
// last, are an [*sms.CorruptError]; pages that are sound but make another
// list than marker says are errStalePages.
func (s *Store[E]) readPages(ctx context.Context, st *sql.Stmt, id, marker string) ([]sms.Link, error) {
	rows, err := st.QueryContext(ctx, s.k, id, 0)
	if err != nil {
		return nil, s.failure(ctx, opGet, id, 0, err)
	}
	pages, err := scanPages(rows, true)
	if err != nil {
		return nil, s.corrupt(id, "the link pages do not scan", err)
	}
	var (
		links []sms.Link
		list  = &pagedList{marker: marker, pages: make([][]sms.Link, len(pages)), digests: make([]sms.Hash, len(pages))}
	)
	for i, p := range pages {
		if p.page != int64(i) {
			return nil, s.corrupt(id, fmt.Sprintf("link page %d is missing", i), nil)
		}
		pl, err := decodePage(p)
		if err != nil {
			return nil, s.corrupt(id, "the links do not decode", err)
		}
		if len(pl) == 0 || (len(pl) != linkPage && i < len(pages)-1) {
			return nil, s.corrupt(id, fmt.Sprintf("link page %d holds %d links", i, len(pl)), nil)
		}
		if links == nil {
			links = make([]sms.Link, 0, len(pages)*linkPage)
		}
		links = append(links, pl...)
		list.pages[i], list.digests[i] = pl, p.digest
	}
	if pagesMarker(len(links), list.digests) != marker {
		return nil, errStalePages
	}
	list.count = len(links)
	s.cache.put(id, list)
	return links, nil
}

// withPages returns e, decoded from a row whose links column is marker,
// with its links read from their pages when they are paged.
func (s *Store[E]) withPages(ctx context.Context, e E, marker string) (E, error) {
	var zero E
	if !isPaged(marker) {
		return e, nil
	}
	id := e.Metadata().ID
	ls, ok := any(e).(sms.LinkSetter)
	if !ok {
		return zero, s.corrupt(id, "the links are paged but the entity type cannot set them", nil)
	}
	st, err := s.reading(ctx, s.readPageRows)
	if err != nil {
		return zero, err
	}
	links, err := s.readPages(ctx, st, id, marker)
	if err != nil {
		return zero, err
	}
	ls.SetLinks(links)
	return e, nil
}

// updatePaged brings the links of the entity in row in line with row's
// when either they or the stored ones (whose links column is stored) are
// paged. It compares the digests of the stored pages (the cached list's,
// when stored is its marker; else read) with row's, reads only the stored
// pages that differ (none when cached; all of the JSON of links kept in
// the document), deletes from sms_links the links that left and inserts
// those that came, and writes the pages that changed.
func (s *Store[E]) updatePaged(ctx context.Context, tx *sql.Tx, row *entityRow, stored string) error {
	var (
		old   []sms.Hash // the digests of the stored pages
		known *pagedList // the stored list, when the cache has it
	)
	if isPaged(stored) {
		if row.prev != nil && row.prev.marker == stored {
			known, old = row.prev, row.prev.digests
		} else {
			rows, err := tx.StmtContext(ctx, s.pageDigests).QueryContext(ctx, s.k, row.id)
			if err != nil {
				return err
			}
			pages, err := scanPages(rows, false)
			if err != nil {
				return err
			}
			for i, p := range pages {
				if p.page != int64(i) {
					return s.replaceLinks(ctx, tx, row) // pages written by hand
				}
				old = append(old, p.digest)
			}
		}
	}
	var mine []sms.Hash
	if row.list != nil {
		mine = row.list.digests
	}
	changed := func(p int) bool { return p >= len(old) || p >= len(mine) || old[p] != mine[p] }
	var gone []sms.Link
	switch {
	case known != nil:
		for p := range old {
			if changed(p) {
				gone = append(gone, known.pages[p]...)
			}
		}
	case isPaged(stored):
		first := 0
		for first < len(old) && !changed(first) {
			first++
		}
		rows, err := tx.StmtContext(ctx, s.pagesFrom).QueryContext(ctx, s.k, row.id, first)
		if err != nil {
			return err
		}
		texts, err := scanPages(rows, true)
		if err != nil {
			return err
		}
		for _, p := range texts {
			if p.page < int64(len(old)) && !changed(int(p.page)) {
				continue
			}
			pl, err := decodePage(p)
			if err != nil {
				return s.replaceLinks(ctx, tx, row) // a page written by hand
			}
			gone = append(gone, pl...)
		}
	default:
		var err error
		if gone, err = slowJSON[sms.Link](stored); err != nil {
			return s.replaceLinks(ctx, tx, row) // a column written by hand
		}
	}
	var (
		came []sms.Link
		kept [][]sms.Link
	)
	if row.list != nil {
		for p, pl := range row.list.pages {
			if changed(p) {
				came = append(came, pl...)
			} else {
				kept = append(kept, pl)
			}
		}
		// A page that did not change was checked when it was written;
		// those that did are checked before anything is (PostgreSQL
		// would refuse the link row as data, not as a link).
		if err := s.checkUTF8(came); err != nil {
			return err
		}
	} else {
		came = row.linkList
	}
	del, ins := setDiff(gone, came, kept...)
	if err := s.removeLinks(ctx, tx, row.id, del); err != nil {
		return err
	}
	if err := s.insertLinks(ctx, tx, row.id, ins); err != nil {
		return err
	}
	return s.writePages(ctx, tx, row, changed, len(old))
}

// writePages writes the pages of row that changed and deletes the stored
// pages past its last (all of them when row's links are not paged);
// stored is the number of pages stored before.
func (s *Store[E]) writePages(ctx context.Context, tx *sql.Tx, row *entityRow, changed func(int) bool, stored int) error {
	var list pagedList
	if row.list != nil {
		list = *row.list
	}
	if stored > len(list.pages) {
		if _, err := tx.StmtContext(ctx, s.deletePages).ExecContext(ctx, s.k, row.id, len(list.pages)); err != nil {
			return err
		}
	}
	for p, pl := range list.pages {
		if !changed(p) {
			continue
		}
		text, _, err := encodeLinks(pl)
		if err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.upsertPage).ExecContext(ctx, s.k, row.id, p, list.digests[p][:], text); err != nil {
			return err
		}
	}
	return nil
}

// replaceLinks replaces every stored link and page of the entity in row
// with row's: for links stored in a form the diff cannot read.
func (s *Store[E]) replaceLinks(ctx context.Context, tx *sql.Tx, row *entityRow) error {
	if row.list != nil {
		if err := s.checkUTF8(row.linkList); err != nil {
			return err
		}
	}
	if _, err := tx.StmtContext(ctx, s.deleteLinks).ExecContext(ctx, s.k, row.id); err != nil {
		return err
	}
	if err := s.insertLinks(ctx, tx, row.id, row.linkList); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.deletePages).ExecContext(ctx, s.k, row.id, 0); err != nil {
		return err
	}
	return s.writePages(ctx, tx, row, func(int) bool { return true }, 0)
}
