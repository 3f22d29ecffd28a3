package sqlstore

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// The links column is written as json.Marshal writes the list, byte for
// byte, so that columns written before compare equal; the offsets are
// those of each link's object.
func TestEncodeLinksIsJSONMarshal(t *testing.T) {
	t.Parallel()
	for _, links := range [][]sms.Link{
		nil,
		{},
		{{Type: "problem", ID: "PRB-1"}},
		{{Type: "problem", ID: "PRB-1"}, {Type: "config_item", ID: "ci 42/ü"}},
		{{Type: `quo"te`, ID: `back\slash`}, {Type: "<html>&", ID: "\x00\x1f\n\t\b\f"}, {Type: "\u2028\u2029", ID: "bad \xff utf-8"}},
		{{}, {Type: "", ID: "x"}, {Type: "x"}},
	} {
		got, ends, err := encodeLinks(links)
		require.NoError(t, err)
		want := "[]"
		if len(links) > 0 {
			b, err := json.Marshal(links)
			require.NoError(t, err)
			want = string(b)
		}
		assert.Equal(t, want, got)
		require.Len(t, ends, len(links))
		for i, l := range links {
			obj, err := json.Marshal(l)
			require.NoError(t, err)
			assert.Equal(t, string(obj), got[ends[i]-objectLen(l):ends[i]], "link %d", i)
		}
	}
}

// diffLinks against the sets: applying its deletions and insertions to the
// set stored for the old list gives the set of the new one; it deletes
// exactly what left, inserts at least what came (and nothing else), and
// never needs more than the two texts.
func TestDiffLinks(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 3))
	pool := make([]sms.Link, 40)
	for i := range pool {
		pool[i] = sms.Link{Type: []string{"problem", "change", `q"x`}[i%3], ID: fmt.Sprint("ID-", i/3)}
	}
	randomList := func(n int) []sms.Link {
		out := make([]sms.Link, n)
		for i := range out {
			out[i] = pool[r.IntN(len(pool))]
		}
		return out
	}
	edit := func(old []sms.Link) []sms.Link {
		l := slices.Clone(old)
		for range r.IntN(4) {
			switch op := r.IntN(5); {
			case op == 0 || len(l) == 0: // append
				l = append(l, pool[r.IntN(len(pool))])
			case op == 1: // insert
				i := r.IntN(len(l) + 1)
				l = slices.Insert(l, i, pool[r.IntN(len(pool))])
			case op == 2: // remove
				i := r.IntN(len(l))
				l = slices.Delete(l, i, i+1)
			case op == 3: // replace
				l[r.IntN(len(l))] = pool[r.IntN(len(pool))]
			default: // remove a run
				i := r.IntN(len(l))
				l = slices.Delete(l, i, min(len(l), i+1+r.IntN(5)))
			}
		}
		return l
	}
	set := func(ls []sms.Link) map[sms.Link]bool {
		m := map[sms.Link]bool{}
		for _, l := range ls {
			m[l] = true
		}
		return m
	}
	for i := range 20000 {
		var old []sms.Link
		if i%2 == 0 {
			old = randomList(r.IntN(30))
		} else {
			old = randomList(r.IntN(4))
		}
		cur := edit(old)
		if i%7 == 0 {
			cur = randomList(r.IntN(30)) // unrelated lists
		}
		oldJSON, _, err := encodeLinks(old)
		require.NoError(t, err)
		curJSON, ends, err := encodeLinks(cur)
		require.NoError(t, err)
		del, ins, ok := diffLinks(oldJSON, curJSON, ends, cur)
		require.True(t, ok, "old %v new %v", old, cur)
		stored, want := set(old), set(cur)
		seen := map[sms.Link]bool{}
		for _, l := range del {
			require.True(t, stored[l], "deletes %v, which was not stored: old %v new %v", l, old, cur)
			require.False(t, want[l], "deletes %v, which stays: old %v new %v", l, old, cur)
			require.False(t, seen[l], "deletes %v twice", l)
			seen[l] = true
			delete(stored, l)
		}
		for l := range stored {
			if !want[l] {
				require.Failf(t, "a removed link is kept", "%v: old %v new %v, deleted %v", l, old, cur, del)
			}
		}
		for _, l := range ins {
			require.True(t, want[l], "inserts %v, which is not wanted: old %v new %v", l, old, cur)
			stored[l] = true
		}
		require.Equal(t, want, stored, "old %v new %v: deleted %v inserted %v", old, cur, del, ins)
	}
}

// Appending to a long list decodes nothing and writes the new link only;
// so does removing or replacing one in its middle.
func TestDiffLinksLongList(t *testing.T) {
	t.Parallel()
	long := make([]sms.Link, 10000)
	for i := range long {
		long[i] = sms.Link{Type: "problem", ID: fmt.Sprintf("PRB-%05d", i)}
	}
	oldJSON, _, err := encodeLinks(long)
	require.NoError(t, err)
	extra := sms.Link{Type: "change", ID: "CHG-1"}
	for _, tc := range []struct {
		name     string
		cur      []sms.Link
		del, ins []sms.Link
	}{
		{"append", append(slices.Clone(long), extra), nil, []sms.Link{extra}},
		{"prepend", append([]sms.Link{extra}, long...), nil, []sms.Link{extra}},
		{"remove the last", long[:len(long)-1], []sms.Link{long[len(long)-1]}, nil},
		{"remove the first", long[1:], []sms.Link{long[0]}, nil},
		{"remove one in the middle", slices.Delete(slices.Clone(long), 5000, 5001), []sms.Link{long[5000]}, nil},
		{"replace one in the middle", func() []sms.Link { l := slices.Clone(long); l[4000] = extra; return l }(), []sms.Link{long[4000]}, []sms.Link{extra}},
		{"repeat one", append(slices.Clone(long), long[3]), nil, []sms.Link{long[3]}},
	} {
		curJSON, ends, err := encodeLinks(tc.cur)
		require.NoError(t, err)
		del, ins, ok := diffLinks(oldJSON, curJSON, ends, tc.cur)
		require.True(t, ok, tc.name)
		assert.Equal(t, tc.del, del, tc.name)
		assert.Equal(t, tc.ins, ins, tc.name)
	}
	// Removing one copy of a repeated link keeps it.
	twice := append(slices.Clone(long), long[3])
	twiceJSON, _, err := encodeLinks(twice)
	require.NoError(t, err)
	curJSON, ends, err := encodeLinks(long)
	require.NoError(t, err)
	del, ins, ok := diffLinks(twiceJSON, curJSON, ends, long)
	require.True(t, ok)
	assert.Empty(t, del)
	assert.Empty(t, ins)
}

// A column that is not a link list makes diffLinks give up, and the commit
// replaces every link.
func TestDiffLinksUnreadable(t *testing.T) {
	t.Parallel()
	cur := []sms.Link{{Type: "problem", ID: "P1"}, {Type: "problem", ID: "P2"}}
	curJSON, ends, err := encodeLinks(cur)
	require.NoError(t, err)
	for _, old := range []string{"", "null", "[", `[{"type":"problem","id":"P1"},{"type":`, `{"type":"problem"}`, `[{"type":"problem","id":"P1"},7]`, `[1,2]`} {
		_, _, ok := diffLinks(old, curJSON, ends, cur)
		assert.False(t, ok, "%q", old)
	}
	// Another formatting of the same list reads.
	del, ins, ok := diffLinks(`[ {"id": "P2", "type": "problem"} ]`, curJSON, ends, cur)
	require.True(t, ok)
	assert.Empty(t, del)
	assert.Equal(t, []sms.Link{cur[0]}, ins)
}

// FuzzDiffLinks checks diffLinks against the sets for lists built from the
// fuzzer's bytes: link types and IDs that hold JSON's own punctuation
// (quotes, commas, braces, brackets, escapes), so that a common prefix or
// suffix of the two texts can end inside a link.
func FuzzDiffLinks(f *testing.F) {
	f.Add([]byte("problem\x00P1\x00change\x00C1"), []byte("problem\x00P1\x00x\x00C1"))
	f.Add([]byte(`a"},{"type":"b`+"\x00"+`1`), []byte(`a`+"\x00"+`"},{"type":"b","id":"1`))
	f.Add([]byte("p\x00[\x00p\x00]\x00p\x00,"), []byte("p\x00]\x00p\x00["))
	split := func(b []byte) []sms.Link {
		parts := strings.Split(string(b), "\x00")
		var out []sms.Link
		for i := 0; i+1 < len(parts) && len(out) < 64; i += 2 {
			out = append(out, sms.Link{Type: parts[i], ID: parts[i+1]})
		}
		return out
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if !utf8.Valid(a) || !utf8.Valid(b) {
			t.Skip("a store refuses text that is not valid UTF-8 before it diffs links")
		}
		old, cur := split(a), split(b)
		oldJSON, _, err := encodeLinks(old)
		if err != nil {
			t.Skip()
		}
		curJSON, ends, err := encodeLinks(cur)
		if err != nil {
			t.Skip()
		}
		del, ins, ok := diffLinks(oldJSON, curJSON, ends, cur)
		if !ok {
			t.Fatalf("the JSON of a link list was not read: %q", oldJSON)
		}
		stored := map[sms.Link]bool{}
		for _, l := range old {
			stored[l] = true
		}
		want := map[sms.Link]bool{}
		for _, l := range cur {
			want[l] = true
		}
		for _, l := range del {
			if !stored[l] || want[l] {
				t.Fatalf("deletes %q: old %q new %q", l, old, cur)
			}
			delete(stored, l)
		}
		for _, l := range ins {
			if !want[l] {
				t.Fatalf("inserts %q: old %q new %q", l, old, cur)
			}
			stored[l] = true
		}
		if len(stored) != len(want) {
			t.Fatalf("old %q new %q: deleted %q inserted %q leaves %d links, want %d", old, cur, del, ins, len(stored), len(want))
		}
		for l := range want {
			if !stored[l] {
				t.Fatalf("old %q new %q: %q missing", old, cur, l)
			}
		}
	})
}
