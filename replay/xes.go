package replay

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// An XES log (IEEE 1849, the format process-mining tools exchange) is read
// with the same mapping as a CSV log, XES attribute keys in place of column
// names: each <event> of a <trace> is a row; its attributes are its cells,
// under their keys ("concept:name", "time:timestamp", "org:resource",
// "lifecycle:transition" ...), and the attributes of its trace are cells of
// every one of its events under their keys prefixed "case:", as PM4Py
// names them ("case:concept:name" is the usual case ID). The value of an
// attribute of any type (string, date, int, float, boolean, id) is its
// value attribute as written: a date is parsed with the mapping's time
// layout (time.RFC3339, or "RFC3339" in JSON, reads XES dates). Nested
// attributes, lists, containers, globals, extensions, classifiers and the
// log's own attributes are passed over. A trace's attributes come before
// its events, as every XES writer puts them. The stream is read with
// encoding/xml token by token, one event in memory at a time; an event or
// a trace's attributes larger than [ReaderOptions.MaxRowBytes] stop the
// reader with a [*RowError]. A row's number is the line its <event> or
// <trace> element starts on.
//
// XES has no header: a column the mapping reads that is neither an
// attribute of an event of the first trace, nor of that trace, nor declared
// by the log's <global> elements is a [*MappingError], so that a key
// mistyped in the mapping is not read as empty in every row.

// xesSource reads an XES log's events as rows.
type xesSource struct {
	dec     *xml.Decoder
	bounded *boundedReader
	limit   int
	pos     map[string]int // column -> cell index
	trace   []string       // the current trace's cells
	inTrace bool
	line    int // the line the current trace starts on
	// seen holds the keys met in the first trace and in the globals,
	// until the first trace ends and the columns are checked.
	seen    map[string]bool
	mapping string
}

// openXES prepares r to read an XES log from src.
func (r *Reader) openXES(src io.Reader) error {
	cols := r.m.columns()
	x := &xesSource{bounded: &boundedReader{r: src, limit: int64(r.opts.MaxRowBytes)}, limit: r.opts.MaxRowBytes,
		pos: make(map[string]int, len(cols)), seen: map[string]bool{}, mapping: r.m.Name}
	x.dec = xml.NewDecoder(x.bounded)
	// The stream is UTF-8 by now (ReaderOptions.Encoding decoded it).
	x.dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	r.idx = make(map[string]int, len(cols))
	for i, c := range cols {
		x.pos[c], r.idx[c] = i, i
		r.read8 = append(r.read8, i)
	}
	for {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &RowError{Row: 1, Problem: "the log is empty: no XES <log> element"}
			}
			var fe *fatalRowError
			if errors.As(err, &fe) {
				return fe.RowError
			}
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "log" {
				return &RowError{Row: x.lineNow(), Problem: fmt.Sprintf("an XML log whose root element is <%s>, not an XES <log>", se.Name.Local)}
			}
			break
		}
	}
	r.src = x
	return nil
}

// lineNow is the line the decoder has reached.
func (x *xesSource) lineNow() int {
	line, _ := x.dec.InputPos()
	return line
}

// token returns the next XML token; a syntax error or a row past the limit
// is a *fatalRowError.
func (x *xesSource) token() (xml.Token, error) {
	tok, err := x.dec.Token()
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return tok, err
	case errors.Is(err, errRowTooLarge):
		return nil, &fatalRowError{&RowError{Row: x.lineNow(), Problem: fmt.Sprintf("an event or a trace's attributes are larger than %d bytes (the limit of one row)", x.limit)}}
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return nil, &fatalRowError{&RowError{Row: se.Line, Problem: "malformed XES: " + se.Msg, Err: err}}
	}
	return nil, &fatalRowError{&RowError{Row: x.lineNow(), Problem: "unreadable XES", Err: err}}
}

// attribute returns the key and value of an XES attribute element, ok
// false for an element that is not one (or a list or container, whose
// value is not one string).
func attribute(se xml.StartElement) (key, value string, ok bool) {
	switch se.Name.Local {
	case "string", "date", "int", "float", "boolean", "id":
	default:
		return "", "", false
	}
	hasKey := false
	for _, a := range se.Attr {
		switch a.Name.Local {
		case "key":
			key, hasKey = a.Value, true
		case "value":
			value = a.Value
		}
	}
	return key, value, hasKey
}

func (x *xesSource) record() ([]string, int, error) {
	for {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if x.inTrace {
					return nil, 0, &fatalRowError{&RowError{Row: x.line, Problem: "malformed XES: the trace is not closed"}}
				}
			}
			return nil, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "trace" && !x.inTrace:
				x.inTrace, x.line = true, x.lineNow()
				x.trace = make([]string, len(x.pos))
				x.bounded.mark = x.dec.InputOffset()
			case t.Name.Local == "event" && x.inTrace:
				return x.event()
			case t.Name.Local == "global" && !x.inTrace:
				if err := x.global(t); err != nil {
					return nil, 0, err
				}
			default:
				if key, value, ok := attribute(t); ok && x.inTrace {
					x.set(x.trace, "case:"+key, value)
				}
				if err := x.skip(); err != nil {
					return nil, 0, err
				}
			}
		case xml.EndElement:
			if t.Name.Local == "trace" && x.inTrace {
				x.inTrace = false
				if x.seen != nil {
					if err := x.checkColumns(); err != nil {
						return nil, 0, err
					}
				}
			}
		}
	}
}

// set puts value in the cell of key, if the mapping reads it.
func (x *xesSource) set(cells []string, key, value string) {
	if x.seen != nil {
		x.seen[key] = true
	}
	if i, ok := x.pos[key]; ok {
		cells[i] = value
	}
}

// event reads an <event> element, its start read, into a row.
func (x *xesSource) event() ([]string, int, error) {
	line := x.lineNow()
	x.bounded.mark = x.dec.InputOffset()
	rec := slices.Clone(x.trace)
	for {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = &fatalRowError{&RowError{Row: line, Problem: "malformed XES: the event is not closed"}}
			}
			return nil, line, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if key, value, ok := attribute(t); ok {
				x.set(rec, key, value)
			}
			if err := x.skip(); err != nil {
				return nil, line, err
			}
		case xml.EndElement:
			return rec, line, nil
		}
	}
}

// global reads a <global scope="trace|event"> element's declared keys.
func (x *xesSource) global(se xml.StartElement) error {
	prefix := ""
	for _, a := range se.Attr {
		if a.Name.Local == "scope" && a.Value == "trace" {
			prefix = "case:"
		}
	}
	for {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = &fatalRowError{&RowError{Row: x.lineNow(), Problem: "malformed XES: a global is not closed"}}
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if key, _, ok := attribute(t); ok && x.seen != nil {
				x.seen[prefix+key] = true
			}
			if err := x.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip passes over the rest of the element whose start was just read.
func (x *xesSource) skip() error {
	for depth := 1; depth > 0; {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = &fatalRowError{&RowError{Row: x.lineNow(), Problem: "malformed XES: an element is not closed"}}
			}
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// checkColumns reports the columns the mapping reads that the first trace
// and the globals never named; it runs once.
func (x *xesSource) checkColumns() error {
	seen := x.seen
	x.seen = nil
	var missing []string
	for col := range x.pos {
		if !seen[col] {
			missing = append(missing, fmt.Sprintf("%q", col))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return &MappingError{Mapping: x.mapping, Problem: fmt.Sprintf(
		"the XES log has no attribute %s in its first trace (an event's key, or a trace's as case:key) nor among its globals",
		strings.Join(missing, ", "))}
}
