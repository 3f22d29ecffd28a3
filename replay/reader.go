package replay

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

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
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Problem string `json:"problem"`
	Err     error  `json:"-"`
}

// MarshalJSON writes the row error with its cause as text, for
// summary.json.
func (e *RowError) MarshalJSON() ([]byte, error) {
	type plain RowError
	v := struct {
		*plain
		Cause string `json:"cause,omitempty"`
	}{plain: (*plain)(e)}
	if e.Err != nil {
		v.Cause = e.Err.Error()
	}
	return json.Marshal(v)
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
	// Encoding is the log's character encoding: "" or EncodingUTF8 (the
	// default), EncodingLatin1 or EncodingWindows1252, which are read
	// into UTF-8. In UTF-8 a cell the mapping reads that is not valid
	// UTF-8 is a [*RowError] naming its row and column.
	Encoding string
	// MaxRowBytes bounds one row (0: DefaultMaxRowBytes), a quoted field's
	// line breaks included; MaxRowsPerCase bounds one case's rows (0:
	// DefaultMaxRowsPerCase). Past either the reader stops with a
	// [*RowError], skipped or not: memory holds one case at a time, and
	// these bound it.
	MaxRowBytes    int
	MaxRowsPerCase int
}

// The encodings a log may be read in ([ReaderOptions.Encoding]).
const (
	EncodingUTF8        = "utf-8"
	EncodingLatin1      = "latin1" // ISO 8859-1
	EncodingWindows1252 = "windows-1252"
)

// decoded returns src read in the encoding, as UTF-8.
func decoded(src io.Reader, encoding string) (io.Reader, error) {
	switch strings.ToLower(encoding) {
	case "", EncodingUTF8, "utf8":
		return src, nil
	case EncodingLatin1, "iso-8859-1", "latin-1":
		return transform.NewReader(src, charmap.ISO8859_1.NewDecoder()), nil
	case EncodingWindows1252, "cp1252":
		return transform.NewReader(src, charmap.Windows1252.NewDecoder()), nil
	}
	return nil, sms.Invalid("replay", "encoding", "%q: want %s, %s or %s", encoding, EncodingUTF8, EncodingLatin1, EncodingWindows1252)
}

// Reader streams an event log as cases: a CSV file with a header, or an
// IEEE 1849 XES file (see [NewReader]). Rows of one case must be
// contiguous; it holds one case in memory at a time.
type Reader struct {
	m        *Mapping
	src      source
	opts     ReaderOptions
	idx      map[string]int
	read8    []int // the cells the mapping reads, checked for UTF-8
	rows     int   // data rows read
	unsorted bool  // a case reappeared after others, and was skipped
	state    []int
	next     *Event // first event of the next case, already read
	done     *seenSet
	skipped  []*RowError
	nskip    int
	eof      bool
}

// A source hands a Reader the rows of a log, each as its cells by column
// index ([Reader.idx]) and the line it starts on.
type source interface {
	// record returns the next row, or io.EOF after the last. A row it
	// cannot read is a *RowError, counted as a row; one it cannot read
	// past a *fatalRowError.
	record() (rec []string, line int, err error)
}

// csvSource reads a CSV log's rows.
type csvSource struct {
	csv      *csv.Reader
	bounded  *boundedReader
	limit    int
	lastLine int // the line the last row read starts on
}

func (c *csvSource) record() ([]string, int, error) {
	rec, err := c.csv.Read()
	c.bounded.mark = c.csv.InputOffset()
	if errors.Is(err, io.EOF) {
		return nil, 0, io.EOF
	}
	if errors.Is(err, errRowTooLarge) {
		return nil, 0, &fatalRowError{&RowError{Row: c.lastLine + 1, Problem: fmt.Sprintf("a row is larger than %d bytes (the limit of one row): a field too long, or a quote that never closes", c.limit)}}
	}
	if err != nil {
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, line, &RowError{Row: line, Problem: "malformed CSV", Err: err}
	}
	line, _ := c.csv.FieldPos(0)
	c.lastLine = line
	return rec, line, nil
}

// NewReader reads the start of the log and checks that every column the
// mapping names exists. A log whose first character (after a byte order
// mark and white space) is '<' is read as XES ([newXESReader] says how);
// any other as CSV, whose header names the columns. Errors are a
// [*MappingError] or a [*RowError] for line 1.
func NewReader(src io.Reader, m *Mapping, opts ReaderOptions) (*Reader, error) {
	if m == nil {
		return nil, &MappingError{Mapping: "?", Problem: "is nil"}
	}
	src, err := decoded(src, opts.Encoding)
	if err != nil {
		return nil, err
	}
	if opts.MaxRowBytes < 0 || opts.MaxRowsPerCase < 0 {
		return nil, sms.Invalid("replay", "limits", "MaxRowBytes %d and MaxRowsPerCase %d may not be negative", opts.MaxRowBytes, opts.MaxRowsPerCase)
	}
	if opts.MaxRowBytes == 0 {
		opts.MaxRowBytes = DefaultMaxRowBytes
	}
	if opts.MaxRowsPerCase == 0 {
		opts.MaxRowsPerCase = DefaultMaxRowsPerCase
	}
	br := bufio.NewReaderSize(src, 4096)
	r := &Reader{m: m, opts: opts, done: newSeenSet()}
	if isXML(br) {
		if err := r.openXES(br); err != nil {
			return nil, err
		}
	} else if err := r.openCSV(br); err != nil {
		return nil, err
	}
	for _, col := range m.State.Columns {
		r.state = append(r.state, r.idx[col])
	}
	return r, nil
}

// isXML reports whether the log starts, past a byte order mark and white
// space, with '<'.
func isXML(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '<'
}

// openCSV reads the CSV header into the column index.
func (r *Reader) openCSV(src io.Reader) error {
	m := r.m
	bounded := &boundedReader{r: src, limit: int64(r.opts.MaxRowBytes)}
	c := csv.NewReader(bounded)
	c.ReuseRecord = false
	if m.Comma != "" {
		c.Comma = []rune(m.Comma)[0]
	}
	header, err := c.Read()
	if err == nil {
		for _, h := range header {
			if !utf8.ValidString(h) {
				return &RowError{Row: 1, Problem: fmt.Sprintf("the header is not valid UTF-8 (%q): %s", h, encodingHint)}
			}
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &RowError{Row: 1, Problem: "the log is empty: no header"}
		}
		return &RowError{Row: 1, Problem: "unreadable header", Err: err}
	}
	r.idx = make(map[string]int, len(header))
	bounded.mark = c.InputOffset()
	r.src = &csvSource{csv: c, bounded: bounded, limit: r.opts.MaxRowBytes, lastLine: 1}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := r.idx[h]; dup {
			return &RowError{Row: 1, Column: h, Problem: "column appears twice in the header"}
		}
		r.idx[h] = i
	}
	for _, col := range m.columns() {
		i, ok := r.idx[col]
		if !ok {
			return &MappingError{Mapping: m.Name, Problem: fmt.Sprintf("column %q is not in the log's header", col)}
		}
		r.read8 = append(r.read8, i)
	}
	c.FieldsPerRecord = len(header)
	return nil
}

// fatalRowError is a bad row the reader cannot go past, skipping or not.
type fatalRowError struct{ *RowError }

// encodingHint says what to do with a log that is not UTF-8.
const encodingHint = "the log is in another encoding; read it as latin1 or windows-1252 (ReaderOptions.Encoding, smsreplay -encoding)"

// Rows returns how many data rows have been read (the header aside),
// skipped ones included.
func (r *Reader) Rows() int { return r.rows }

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
			if fe, ok := err.(*fatalRowError); ok {
				return nil, fe.RowError // the stream cannot be read past it
			}
			var re *RowError
			if errors.As(err, &re) && r.opts.SkipBadRows {
				r.skip(re)
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
			if r.done.has(ev.Case) {
				if err := r.reappears(ev); err != nil {
					return nil, err
				}
				continue
			}
			c = &Case{ID: ev.Case, Events: []Event{*ev}}
		case ev.Case == c.ID:
			if len(c.Events) >= r.opts.MaxRowsPerCase {
				return nil, &RowError{Row: ev.Row, Column: r.m.Case, Problem: fmt.Sprintf("case %q has more than %d rows (the limit of one case)", c.ID, r.opts.MaxRowsPerCase)}
			}
			if prev := &c.Events[len(c.Events)-1]; ev.Time.Before(prev.Time) {
				err := &RowError{Row: ev.Row, Column: r.m.Time.Column, Problem: fmt.Sprintf("%s is before the case's previous row (line %d, %s): a case's rows must be in time order",
					ev.Time.Format(time.RFC3339), prev.Row, prev.Time.Format(time.RFC3339))}
				if !r.opts.SkipBadRows {
					return nil, err
				}
				r.skip(err)
				continue
			}
			c.Events = append(c.Events, *ev)
		default:
			if r.done.has(ev.Case) {
				if err := r.reappears(ev); err != nil {
					return nil, err
				}
				continue
			}
			r.done.add(c.ID)
			r.next = ev
			return c, nil
		}
	}
	if c == nil {
		return nil, io.EOF
	}
	r.done.add(c.ID)
	return c, nil
}

func (r *Reader) reappears(ev *Event) error {
	err := &RowError{Row: ev.Row, Column: r.m.Case, Problem: fmt.Sprintf("case %q reappears after other cases: rows of a case must be contiguous", ev.Case)}
	if !r.opts.SkipBadRows {
		return err
	}
	r.unsorted = true
	r.skip(err)
	return nil
}

// skip counts a bad row skipped, keeping the first 20.
func (r *Reader) skip(err *RowError) {
	r.nskip++
	if len(r.skipped) < 20 {
		r.skipped = append(r.skipped, err)
	}
}

// read returns the next event, nil at the end of the file.
func (r *Reader) read() (*Event, error) {
	rec, line, err := r.src.record()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	var me *MappingError
	if _, fatal := err.(*fatalRowError); fatal || errors.As(err, &me) {
		return nil, err
	}
	r.rows++
	if err != nil {
		return nil, err
	}
	for _, i := range r.read8 {
		if !utf8.ValidString(rec[i]) {
			col := ""
			for name, k := range r.idx {
				if k == i {
					col = name
				}
			}
			return nil, &RowError{Row: line, Column: col, Problem: fmt.Sprintf("%q is not valid UTF-8: %s", rec[i], encodingHint)}
		}
	}
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
