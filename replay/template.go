package replay

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A template fills one command field from a row; its syntax is in the
// package documentation.
type template struct {
	parts []part
}

type part struct {
	literal string
	expr    *expr
}

type expr struct {
	sources []string // column names, 'literals' or $variables
	filters []filter
}

// filter is one filter of an expression: its name, and for map its table.
type filter struct {
	name  string
	table map[string]string
}

func parseTemplate(s string) (template, error) {
	var t template
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return t, fmt.Errorf("unmatched } at byte %d of %q", i, s)
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return t, fmt.Errorf("unclosed { at byte %d of %q", i, s)
			}
			e, err := parseExpr(s[i+1 : i+end])
			if err != nil {
				return t, fmt.Errorf("%q: %w", s, err)
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, part{literal: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part{expr: e})
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{literal: lit.String()})
	}
	return t, nil
}

func parseExpr(s string) (*expr, error) {
	pipe := strings.Split(s, "|")
	e := &expr{}
	for _, src := range strings.Split(pipe[0], ",") {
		src = strings.TrimSpace(src)
		if src == "" {
			return nil, errors.New("empty source in {" + s + "}")
		}
		if src[0] == '\'' && (len(src) < 2 || src[len(src)-1] != '\'') {
			return nil, errors.New("unclosed literal in {" + s + "}")
		}
		if src[0] == '$' {
			switch src {
			case "$time", "$actor", "$state", "$case", "$row":
			default:
				return nil, errors.New("unknown variable " + src)
			}
		}
		e.sources = append(e.sources, src)
	}
	for _, f := range pipe[1:] {
		f = strings.TrimSpace(f)
		if pairs, ok := strings.CutPrefix(f, "map:"); ok {
			table := map[string]string{}
			for _, kv := range strings.Split(pairs, ",") {
				k, v, ok := strings.Cut(kv, "=")
				k = strings.TrimSpace(k)
				if !ok || k == "" {
					return nil, fmt.Errorf("map filter in {%s}: %q is not word=value", s, kv)
				}
				if _, dup := table[k]; dup {
					return nil, fmt.Errorf("map filter in {%s}: %q mapped twice", s, k)
				}
				table[k] = strings.TrimSpace(v)
			}
			e.filters = append(e.filters, filter{name: "map", table: table})
			continue
		}
		switch f {
		case "int", "time", "lower", "upper", "trim":
		default:
			return nil, fmt.Errorf("unknown filter %q (known: int, time, lower, upper, trim, map:word=value,...)", f)
		}
		e.filters = append(e.filters, filter{name: f})
	}
	return e, nil
}

// columns returns the column names the template reads.
func (t template) columns() []string {
	var out []string
	for _, p := range t.parts {
		if p.expr == nil {
			continue
		}
		for _, s := range p.expr.sources {
			if s[0] != '\'' && s[0] != '$' {
				out = append(out, s)
			}
		}
	}
	return out
}

// render fills the template from an event.
func (t template) render(ev *Event) (string, error) {
	if len(t.parts) == 1 && t.parts[0].expr != nil {
		return t.parts[0].expr.eval(ev)
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.literal)
			continue
		}
		v, err := p.expr.eval(ev)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func (e *expr) eval(ev *Event) (string, error) {
	v := ""
	for _, src := range e.sources {
		switch {
		case src[0] == '\'':
			v = src[1 : len(src)-1]
		case src == "$time":
			v = ev.Time.Format(time.RFC3339)
		case src == "$actor":
			v = ev.Actor
		case src == "$state":
			v = ev.State
		case src == "$case":
			v = ev.Case
		case src == "$row":
			v = fmt.Sprint(ev.Row)
		default:
			v = ev.Value(src)
		}
		if v != "" {
			break
		}
	}
	for _, f := range e.filters {
		if v == "" {
			break
		}
		switch f.name {
		case "map":
			w, ok := f.table[v]
			if !ok {
				known := make([]string, 0, len(f.table))
				for k := range f.table {
					known = append(known, k)
				}
				slices.Sort(known)
				return "", fmt.Errorf("%q is not in the map (it maps %s)", v, strings.Join(known, ", "))
			}
			v = w
		case "int":
			n := 0
			for n < len(v) && v[n] >= '0' && v[n] <= '9' {
				n++
			}
			if n == 0 {
				return "", fmt.Errorf("%q does not start with a number (the int filter; a map filter turns words into numbers)", v)
			}
			v = v[:n]
		case "time":
			t, err := ev.parseTime(v)
			if err != nil {
				return "", err
			}
			v = t.Format(time.RFC3339)
		case "lower":
			v = strings.ToLower(v)
		case "upper":
			v = strings.ToUpper(v)
		case "trim":
			v = strings.TrimSpace(v)
		}
	}
	return v, nil
}
