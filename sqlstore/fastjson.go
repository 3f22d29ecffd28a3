package sqlstore

import (
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// The journal's JSON columns are read once per entry whenever a record is
// verified, which makes encoding/json the largest cost of reading a
// journal. The decoders here read the exact form encodeEntries writes
// (json.Marshal of a payload or a role list, no white space) when every
// string in it is plain: no escape, no control character, valid UTF-8, so
// that its bytes are its value. Anything else (an escape, another layout,
// a row written by another tool) reports false and is left to
// encoding/json, which decides what it means; the fuzz test holds the two
// to the same result.

// plainString reads a JSON string starting just past its opening quote in
// b[i:] and returns its end (the index of the closing quote), or -1 when
// the string is not plain.
func plainString(b string, i int) int {
	for j := i; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !utf8.ValidString(b[i:j]) {
				return -1
			}
			return j
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// fastFields decodes a payload column, [{"k":"…","v":"…"},…], and reports
// whether it could; its strings are parts of b.
func fastFields(b string) ([]sms.Field, bool) {
	return fastPairs(b, `{"k":"`, `","v":"`, func(k, v string) sms.Field { return sms.Field{Key: k, Value: v} })
}

// fastLinks decodes a page of links, [{"type":"…","id":"…"},…], as
// encodeLinks writes it, and reports whether it could; its strings are
// parts of b.
func fastLinks(b string) ([]sms.Link, bool) {
	return fastPairs(b, `{"type":"`, `","id":"`, func(t, id string) sms.Link { return sms.Link{Type: t, ID: id} })
}

// fastPairs decodes a JSON array of objects of two plain strings, each
// object open, the first string, mid, the second and `"}`, making each
// with mk.
func fastPairs[T any](b, open, mid string, mk func(a, b string) T) ([]T, bool) {
	const end = `"}`
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	n := 0
	for k := range len(b) {
		if b[k] == '{' {
			n++
		}
	}
	out := make([]T, 0, n)
	i := 1
	for {
		if !hasAt(b, i, open) {
			return nil, false
		}
		ks := i + len(open)
		ke := plainString(b, ks)
		if ke < 0 || !hasAt(b, ke, mid) {
			return nil, false
		}
		vs := ke + len(mid)
		ve := plainString(b, vs)
		if ve < 0 || !hasAt(b, ve, end) {
			return nil, false
		}
		out = append(out, mk(b[ks:ke], b[vs:ve]))
		i = ve + len(end)
		switch {
		case i == len(b)-1:
			return out, true
		case b[i] == ',':
			i++
		default:
			return nil, false
		}
	}
}

// fastRoles decodes a role list column, ["…",…], and reports whether it
// could; its strings are parts of b.
func fastRoles(b string) ([]sms.Role, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	n := 1
	for k := range len(b) {
		if b[k] == ',' {
			n++
		}
	}
	out := make([]sms.Role, 0, n)
	i := 1
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		e := plainString(b, i+1)
		if e < 0 {
			return nil, false
		}
		out = append(out, sms.Role(b[i+1:e]))
		i = e + 1
		switch {
		case i == len(b)-1:
			return out, true
		case b[i] == ',':
			i++
		default:
			return nil, false
		}
	}
}

func hasAt(b string, i int, lit string) bool {
	return i+len(lit) <= len(b) && b[i:i+len(lit)] == lit
}
