package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/iso20k/sms"
)

// An entity's links are kept twice: as the JSON of its link list in its row
// (the links column, which the commit's UPDATE compares, so that a commit
// that leaves them alone leaves sms_links alone) and as one row each in
// sms_links, for the Link filter. A commit that changes them reads the
// column as stored, in its transaction, and writes only the difference:
// the links added and the links removed, whatever the entity holds besides.

// linkLevels bounds the multi-row statements on sms_links: up to
// 1<<(linkLevels-1) = 256 links per statement, so at most 1,024 bind
// parameters (an INSERT binds 4 per link, a DELETE 2 per link and 2), far
// below PostgreSQL's 65,535 and SQLite's 32,766.
const linkLevels = 9

// linkStatements returns the statements of the link chunks: insert[k]
// inserts 1<<k links of one entity (existing ones are left as they are),
// remove[k] deletes 1<<k. A DELETE names every link by its whole key, so
// that both engines look each one up in the primary key (SQLite's
// MULTI-INDEX OR, PostgreSQL's BitmapOr) rather than scan the entity's
// links.
func (s *Store[E]) linkStatements() (insert, remove [linkLevels]string) {
	for k := range linkLevels {
		var b strings.Builder
		b.WriteString("INSERT INTO sms_links (kind, entity_id, link_type, link_id) VALUES ")
		for i := 0; i < 1<<k; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + s.marks(4*i+1, 4) + ")")
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		insert[k] = b.String()
		b.Reset()
		b.WriteString("DELETE FROM sms_links WHERE kind = " + s.d.Placeholder(1) + " AND entity_id = " + s.d.Placeholder(2) + " AND (")
		for i := 0; i < 1<<k; i++ {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("(link_type = " + s.d.Placeholder(2*i+3) + " AND link_id = " + s.d.Placeholder(2*i+4) + ")")
		}
		b.WriteString(")")
		remove[k] = b.String()
	}
	return insert, remove
}

// insertLinks inserts the links of entity id (a link it has already is
// left as it is), in chunks of 256, 128, ... 1, each chunk size a statement
// prepared once.
func (s *Store[E]) insertLinks(ctx context.Context, tx *sql.Tx, id string, links []sms.Link) error {
	return s.chunked(ctx, tx, &s.insertLinkBatch, links, func(args []any, l sms.Link) []any {
		return append(args, s.k, id, l.Type, l.ID)
	}, nil)
}

// removeLinks deletes the links of entity id, in chunks as insertLinks
// inserts them.
func (s *Store[E]) removeLinks(ctx context.Context, tx *sql.Tx, id string, links []sms.Link) error {
	return s.chunked(ctx, tx, &s.removeLinkBatch, links, func(args []any, l sms.Link) []any {
		return append(args, l.Type, l.ID)
	}, []any{s.k, id})
}

// chunked runs the statements of sts over links, the largest chunk that
// fits first; each statement binds head, then each link's arguments.
func (s *Store[E]) chunked(ctx context.Context, tx *sql.Tx, sts *[linkLevels]*sql.Stmt, links []sms.Link,
	bind func(args []any, l sms.Link) []any, head []any) error {
	for i := 0; i < len(links); {
		k := linkLevels - 1
		for ; k > 0 && i+1<<k > len(links); k-- {
		}
		n := 1 << k
		args := make([]any, 0, len(head)+4*n)
		args = append(args, head...)
		for _, l := range links[i : i+n] {
			args = bind(args, l)
		}
		if _, err := tx.StmtContext(ctx, sts[k]).ExecContext(ctx, args...); err != nil {
			return err
		}
		i += n
	}
	return nil
}

// updateLinks brings the links of the entity in row, whose links column
// held stored before the commit, in line with row's: it deletes the links
// removed and inserts the links added. When stored cannot be read as a link
// list (a column written by hand), it replaces them all.
func (s *Store[E]) updateLinks(ctx context.Context, tx *sql.Tx, row *entityRow, stored string) error {
	if stored == row.links {
		return nil
	}
	if row.list != nil || isPaged(stored) {
		return s.updatePaged(ctx, tx, row, stored)
	}
	del, ins, ok := diffLinks(stored, row.links, row.linkEnds, row.linkList)
	if !ok {
		if _, err := tx.StmtContext(ctx, s.deleteLinks).ExecContext(ctx, s.k, row.id); err != nil {
			return err
		}
		return s.insertLinks(ctx, tx, row.id, row.linkList)
	}
	if err := s.removeLinks(ctx, tx, row.id, del); err != nil {
		return err
	}
	return s.insertLinks(ctx, tx, row.id, ins)
}

// diffLinks returns the links to delete and the links to insert so that
// the set of links stored for old, the JSON of the previous link list,
// becomes the set of links, whose JSON is cur (ends[i] is the offset just
// past the i-th link's object in cur). Lists may repeat a link; a set holds
// it once. ok is false when old is not the JSON of a link list.
//
// The two texts are compared first: the links of a common prefix and of a
// common suffix are in both sets and need no decoding, so a commit that
// adds, removes or replaces a few links of a long list decodes only those,
// and costs the comparison of the two texts plus the rows it writes.
func diffLinks(old, cur string, ends []int, links []sms.Link) (del, ins []sms.Link, ok bool) {
	if len(old) < 2 || old[0] != '[' || old[len(old)-1] != ']' {
		return nil, nil, false
	}
	// The links wholly inside the common prefix: the first k.
	p := commonPrefix(old, cur)
	k := 0
	for lo, hi := 0, len(ends); lo < hi; {
		// The number of ends at most p, by bisection.
		m := int(uint(lo+hi) >> 1)
		if ends[m] <= p {
			lo, k = m+1, m+1
		} else {
			hi = m
		}
	}
	from := 1 // in both texts: where the links after the prefix begin
	if k > 0 {
		from = ends[k-1]
		if from >= len(old) || (old[from] != ',' && old[from] != ']') {
			return nil, nil, false
		}
	}
	// The links wholly inside the common suffix, each with the comma before
	// it, not overlapping the prefix: from the j-th on.
	t := commonSuffix(old[from:], cur[from:])
	j := len(links)
	for j > k && ends[j-1]-objectLen(links[j-1])-1 >= len(cur)-t {
		j--
	}
	if t < 1 {
		return nil, nil, false
	}
	tail := 1 // the closing bracket
	if j < len(links) {
		tail = len(cur) - (ends[j] - objectLen(links[j]) - 1)
	}
	mid := strings.TrimPrefix(old[from:len(old)-tail], ",")
	var gone []sms.Link
	if mid != "" {
		if err := json.Unmarshal([]byte("["+mid+"]"), &gone); err != nil {
			return nil, nil, false
		}
	}
	del, ins = setDiff(gone, links[k:j], links[:k], links[j:])
	return del, ins, true
}

// setDiff returns the links to delete from the set of links stored for an
// entity and those to insert into it, when the links gone leave its list,
// the links came enter it and the links kept stay: what left, unless it
// came again or is kept; what came, unless it was there (inserting a link
// stored already would change nothing, but costs a row written).
func setDiff(gone, came []sms.Link, kept ...[]sms.Link) (del, ins []sms.Link) {
	inCame := make(map[sms.Link]bool, len(came))
	for _, l := range came {
		inCame[l] = true
	}
	inGone := make(map[sms.Link]bool, len(gone))
	for _, l := range gone {
		inGone[l] = true
	}
	removed := map[sms.Link]bool{}
	for _, l := range gone {
		if !inCame[l] && !removed[l] {
			removed[l] = true
			del = append(del, l)
		}
	}
	if len(del) > 0 {
		stay := 0
		for _, part := range kept {
			for _, l := range part {
				if removed[l] {
					removed[l] = false
					stay++
				}
			}
		}
		if stay > 0 {
			del = slicesFilter(del, func(l sms.Link) bool { return removed[l] })
		}
	}
	added := map[sms.Link]bool{}
	for _, l := range came {
		if !inGone[l] && !added[l] {
			added[l] = true
			ins = append(ins, l)
		}
	}
	return del, ins
}

// slicesFilter returns the elements of s that keep reports true for, in
// place.
func slicesFilter(s []sms.Link, keep func(sms.Link) bool) []sms.Link {
	out := s[:0]
	for _, l := range s {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	// Whole blocks first: string comparison is the runtime's vectorised
	// memequal.
	const block = 256
	for i+block <= n && a[i:i+block] == b[i:i+block] {
		i += block
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix returns the length of the longest common suffix of a and b.
func commonSuffix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	const block = 256
	for i+block <= n && a[len(a)-i-block:len(a)-i] == b[len(b)-i-block:len(b)-i] {
		i += block
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// encodeLinks returns the JSON of links, exactly as json.Marshal writes it
// ("[]" for none), and the offset just past each link's object in it.
func encodeLinks(links []sms.Link) (string, []int, error) {
	if len(links) == 0 {
		return "[]", nil, nil
	}
	n := 1
	for _, l := range links {
		n += len(`{"type":"","id":""},`) + len(l.Type) + len(l.ID)
	}
	b := make([]byte, 0, n)
	ends := make([]int, len(links))
	b = append(b, '[')
	var err error
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		if b, err = appendJSONString(b, l.Type); err != nil {
			return "", nil, err
		}
		b = append(b, `,"id":`...)
		if b, err = appendJSONString(b, l.ID); err != nil {
			return "", nil, err
		}
		b = append(b, '}')
		ends[i] = len(b)
	}
	b = append(b, ']')
	return string(b), ends, nil
}

// objectLen returns the length of the JSON object encodeLinks writes for l.
func objectLen(l sms.Link) int {
	return len(`{"type":,"id":}`) + jsonStringLen(l.Type) + jsonStringLen(l.ID)
}

// plainJSON reports whether encoding/json writes s as is between quotes:
// printable ASCII without quotes, backslashes or the characters it escapes
// for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSONString appends s as json.Marshal writes it.
func appendJSONString(b []byte, s string) ([]byte, error) {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), nil
	}
	q, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, q...), nil
}

// jsonStringLen returns the length of s as json.Marshal writes it.
func jsonStringLen(s string) int {
	if plainJSON(s) {
		return len(s) + 2
	}
	q, _ := json.Marshal(s)
	return len(q)
}
