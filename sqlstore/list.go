package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/iso20k/sms"
)

// maxUnion is the most distinct statuses a List query serves with one
// index range per status, far more than any workflow has; more are checked
// along the primary key.
const maxUnion = 32

// List implements [sms.Store]. Every page is read along an index that
// yields IDs in order, the cursor bounding it (id > After) and the page
// size plus one limiting it, so that a page costs the same at any depth
// and Next is "" exactly on the last page:
//
//   - a Link filter walks the links index (kind, link type, link ID,
//     entity ID);
//   - otherwise a Status filter walks one range per status, merged in ID
//     order (up to 32 statuses; more are checked along the primary key):
//     of (kind, status, service, id) when the query has a Service filter
//     too, of (kind, status, owner, id) when it has an Owner filter, of the
//     status index (kind, status, id) otherwise;
//   - otherwise a Service filter walks (kind, service, id), an Owner filter
//     (kind, owner, id), and no filter the primary key (kind, id).
//
// The other filters of the query are checked on the rows the index yields,
// so a filter that the driving index does not bound (any filter beside a
// Link filter, Owner beside Service, Owner beside Status and Service)
// costs what the rows it skips cost. The merge of status ranges is lazy on SQLite (a MERGE of the
// compound SELECT); on PostgreSQL each range carries its own LIMIT and the
// planner merges them (Merge Append). Tests check both engines' plans.
func (s *Store[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	if err := ctx.Err(); err != nil {
		return sms.Page[E]{}, err
	}
	if err := q.Validate(); err != nil {
		return sms.Page[E]{}, err
	}
	limit := q.PageLimit()
	query, args := s.listSQL(q, limit+1)
	var rows *sql.Rows
	var err error
	if _, err := hostTx(ctx, s.db, s.kind); err != nil {
		return sms.Page[E]{}, err
	}
	if a := commitOf(ctx, s.db); a != nil {
		// The query is not a prepared statement of db, which database/sql
		// would refuse in a transaction of another: check first.
		if err = a.check(ctx, s.current); err == nil {
			rows, err = a.tx.QueryContext(ctx, query, args...)
		}
	} else {
		rows, err = s.rdb.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return sms.Page[E]{}, s.failure(ctx, opList, "", 0, err)
	}
	defer rows.Close()
	var (
		page    sms.Page[E]
		id      string
		version int64
		status  string
		doc     sql.RawBytes
		links   string
		paged   []int // the items whose links are paged
		markers []string
	)
	for rows.Next() {
		if len(page.Items) == limit {
			// The row after the page: there is a next page.
			page.Next = page.Items[limit-1].Metadata().ID
			break
		}
		if err := rows.Scan(&id, &version, &status, &doc, &links); err != nil {
			return sms.Page[E]{}, s.corrupt(id, "a listed row does not scan", err)
		}
		e, err := s.decode(id, version, status, doc)
		if err != nil {
			return sms.Page[E]{}, err
		}
		if page.Items == nil {
			page.Items = make([]E, 0, min(limit, 64))
		}
		if isPaged(links) {
			paged, markers = append(paged, len(page.Items)), append(markers, links)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return sms.Page[E]{}, s.failure(ctx, opList, "", 0, err)
	}
	rows.Close()
	for i, at := range paged {
		// Read after the page, as Get reads them; an entity committed in
		// between is read again whole, at its later version.
		e, err := s.withPages(ctx, page.Items[at], markers[i])
		if errors.Is(err, errStalePages) {
			e, err = s.Get(ctx, page.Items[at].Metadata().ID)
		}
		if err != nil {
			return sms.Page[E]{}, err
		}
		page.Items[at] = e
	}
	return page, nil
}

// builder writes a statement and collects its arguments.
type builder struct {
	strings.Builder
	args []any
	d    Dialect
}

// arg binds v and returns its marker.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// listSQL returns the statement and arguments of a List query fetching n
// rows.
func (s *Store[E]) listSQL(q sms.Query, n int) (string, []any) {
	b := &builder{d: s.d}
	statuses := slices.Compact(slices.Sorted(slices.Values(q.Status)))
	const cols = "e.id, e.version, e.status, e.doc, e.links"
	// where writes the conditions on e besides kind and cursor. Residual
	// conditions are wrapped in an expression (x || '') that keeps the
	// planner off their indexes: the index that drives the query is the
	// one that yields IDs in order, and the others only filter its rows.
	where := func(status []string, residual bool) {
		col := func(c string) string {
			if residual {
				return "(e." + c + " || '')"
			}
			return "e." + c
		}
		switch len(status) {
		case 0:
		case 1:
			b.WriteString(" AND " + col("status") + " = " + b.arg(status[0]))
		default:
			b.WriteString(" AND " + col("status") + " IN (")
			for i, st := range status {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(b.arg(st))
			}
			b.WriteString(")")
		}
		if q.Service != "" {
			b.WriteString(" AND " + col("service") + " = " + b.arg(q.Service))
		}
		if q.Owner != "" {
			b.WriteString(" AND " + col("owner") + " = " + b.arg(q.Owner))
		}
	}
	switch {
	case !q.Link.IsZero():
		b.WriteString("SELECT " + cols + " FROM sms_links l JOIN sms_entities e ON e.kind = l.kind AND e.id = l.entity_id" +
			" WHERE l.kind = " + b.arg(s.k) + " AND l.link_type = " + b.arg(q.Link.Type) +
			" AND l.link_id = " + b.arg(q.Link.ID) + " AND l.entity_id > " + b.arg(q.After))
		where(statuses, true)
		b.WriteString(" ORDER BY l.entity_id LIMIT " + b.arg(n))
	case len(statuses) > 1 && len(statuses) <= maxUnion:
		// One ordered range of the status index per status, merged.
		for i, st := range statuses {
			if i > 0 {
				b.WriteString(" UNION ALL ")
			}
			if s.eng.branchLimit {
				b.WriteString("(")
			}
			b.WriteString("SELECT " + cols + " FROM sms_entities e WHERE e.kind = " + b.arg(s.k))
			where([]string{st}, false)
			b.WriteString(" AND e.id > " + b.arg(q.After))
			if s.eng.branchLimit {
				b.WriteString(" ORDER BY e.id LIMIT " + b.arg(n) + ")")
			}
		}
		b.WriteString(" ORDER BY id LIMIT " + b.arg(n))
	case len(statuses) > maxUnion:
		// Too many ranges to merge: along the primary key.
		b.WriteString("SELECT " + cols + " FROM sms_entities e WHERE e.kind = " + b.arg(s.k))
		where(statuses, true)
		b.WriteString(" AND e.id > " + b.arg(q.After) + " ORDER BY e.id LIMIT " + b.arg(n))
	default:
		b.WriteString("SELECT " + cols + " FROM sms_entities e WHERE e.kind = " + b.arg(s.k))
		where(statuses, false)
		b.WriteString(" AND e.id > " + b.arg(q.After) + " ORDER BY e.id LIMIT " + b.arg(n))
	}
	return b.String(), b.args
}
