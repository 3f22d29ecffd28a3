package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Event is one row of the log: one update of one case.
type Event struct {
	// Case is the case ID; Row the row's line number in the file (the
	// header is line 1).
	Case string
	Row  int
	// Time is the event time; State the source state (its columns joined);
	// Actor who made the change.
	Time  time.Time
	State string
	Actor string

	record []string
	r      *Reader
}

// Value returns the cell of the named column ("" for a null value or a
// column the mapping does not read).
func (e *Event) Value(column string) string {
	i, ok := e.r.idx[column]
	if !ok || i >= len(e.record) {
		return ""
	}
	v := e.record[i]
	if slices.Contains(e.r.m.Null, v) {
		return ""
	}
	return v
}

func (e *Event) parseTime(v string) (time.Time, error) {
	return time.ParseInLocation(e.r.m.Time.Layout, v, e.r.m.zone)
}

// Case is one case's events, in file order.
type Case struct {
	ID     string
	Events []Event
}

// RowError reports a row that cannot be replayed: malformed CSV, a missing
// case ID, an unknown state, an unparsable time.
type RowError struct {
	Row     int
	Column  string
	Problem string
	Err     error
}

// Error implements the error interface.
func (e *RowError) Error() string {
	s := fmt.Sprintf("replay: row %d", e.Row)
	if e.Column != "" {
		s += " column " + e.Column
	}
	s += ": " + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [sms.ErrInvalid] and the underlying error.
func (e *RowError) Unwrap() []error {
	if e.Err != nil {
		return []error{sms.ErrInvalid, e.Err}
	}
	return []error{sms.ErrInvalid}
}

// ReaderOptions configure a [Reader].
type ReaderOptions struct {
	// SkipBadRows skips a bad row and counts it instead of stopping with a
	// [*RowError].
	SkipBadRows bool
}

// Reader streams a CSV event log as cases. Rows of one case must be
// contiguous; it holds one case in memory at a time.
type Reader struct {
	m       *Mapping
	csv     *csv.Reader
	opts    ReaderOptions
	idx     map[string]int
	state   []int
	width   int
	next    *Event // first event of the next case, already read
	done    map[string]bool
	skipped []*RowError
	nskip   int
	eof     bool
}

// NewReader reads the header and checks that every column the mapping
// names exists. Errors are a [*MappingError] or a [*RowError] for line 1.
func NewReader(src io.Reader, m *Mapping, opts ReaderOptions) (*Reader, error) {
	if m == nil {
		return nil, &MappingError{Mapping: "?", Problem: "is nil"}
	}
	c := csv.NewReader(src)
	c.ReuseRecord = false
	if m.Comma != "" {
		c.Comma = []rune(m.Comma)[0]
	}
	header, err := c.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RowError{Row: 1, Problem: "the log is empty: no header"}
		}
		return nil, &RowError{Row: 1, Problem: "unreadable header", Err: err}
	}
	r := &Reader{m: m, csv: c, opts: opts, idx: make(map[string]int, len(header)), width: len(header), done: map[string]bool{}}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := r.idx[h]; dup {
			return nil, &RowError{Row: 1, Column: h, Problem: "column appears twice in the header"}
		}
		r.idx[h] = i
	}
	for _, col := range m.columns() {
		if _, ok := r.idx[col]; !ok {
			return nil, &MappingError{Mapping: m.Name, Problem: fmt.Sprintf("column %q is not in the log's header", col)}
		}
	}
	for _, col := range m.State.Columns {
		r.state = append(r.state, r.idx[col])
	}
	c.FieldsPerRecord = len(header)
	return r, nil
}

// Skipped returns how many rows were skipped, and the first of them (at
// most 20), when SkipBadRows is set.
func (r *Reader) Skipped() (int, []*RowError) { return r.nskip, r.skipped }

// Next returns the next case, or io.EOF after the last. A bad row is a
// [*RowError] unless SkipBadRows is set.
func (r *Reader) Next() (*Case, error) {
	var c *Case
	if r.next != nil {
		c = &Case{ID: r.next.Case, Events: []Event{*r.next}}
		r.next = nil
	}
	for !r.eof {
		ev, err := r.read()
		if err != nil {
			var re *RowError
			if errors.As(err, &re) && r.opts.SkipBadRows {
				r.nskip++
				if len(r.skipped) < 20 {
					r.skipped = append(r.skipped, re)
				}
				continue
			}
			return nil, err
		}
		if ev == nil {
			r.eof = true
			break
		}
		switch {
		case c == nil:
			if r.done[ev.Case] {
				if err := r.reappears(ev); err != nil {
					return nil, err
				}
				continue
			}
			c = &Case{ID: ev.Case, Events: []Event{*ev}}
		case ev.Case == c.ID:
			c.Events = append(c.Events, *ev)
		default:
			if r.done[ev.Case] {
				if err := r.reappears(ev); err != nil {
					return nil, err
				}
				continue
			}
			r.done[c.ID] = true
			r.next = ev
			return c, nil
		}
	}
	if c == nil {
		return nil, io.EOF
	}
	r.done[c.ID] = true
	return c, nil
}

func (r *Reader) reappears(ev *Event) error {
	err := &RowError{Row: ev.Row, Column: r.m.Case, Problem: fmt.Sprintf("case %q reappears after other cases: rows of a case must be contiguous", ev.Case)}
	if !r.opts.SkipBadRows {
		return err
	}
	r.nskip++
	if len(r.skipped) < 20 {
		r.skipped = append(r.skipped, err)
	}
	return nil
}

// read returns the next event, nil at the end of the file.
func (r *Reader) read() (*Event, error) {
	rec, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, &RowError{Row: line, Problem: "malformed CSV", Err: err}
	}
	line, _ := r.csv.FieldPos(0)
	ev := &Event{Row: line, record: rec, r: r}
	if ev.Case = ev.Value(r.m.Case); ev.Case == "" {
		return nil, &RowError{Row: line, Column: r.m.Case, Problem: "no case ID"}
	}
	if len(r.state) == 1 {
		ev.State = rec[r.state[0]]
		if slices.Contains(r.m.Null, ev.State) {
			ev.State = ""
		}
	} else {
		parts := make([]string, len(r.state))
		for i, k := range r.state {
			parts[i] = rec[k]
			if slices.Contains(r.m.Null, parts[i]) {
				parts[i] = ""
			}
		}
		ev.State = strings.Join(parts, r.m.State.Separator)
	}
	if _, ok := r.m.States[ev.State]; !ok {
		return nil, &RowError{Row: line, Column: strings.Join(r.m.State.Columns, "+"), Problem: fmt.Sprintf("unknown state %q: the mapping does not list it", ev.State)}
	}
	tv := ev.Value(r.m.Time.Column)
	if ev.Time, err = ev.parseTime(tv); err != nil {
		return nil, &RowError{Row: line, Column: r.m.Time.Column, Problem: fmt.Sprintf("unparsable time %q (layout %q)", tv, r.m.Time.Layout), Err: err}
	}
	ev.Time = ev.Time.UTC()
	ev.Actor = ev.Value(r.m.Actor.Column)
	return ev, nil
}
