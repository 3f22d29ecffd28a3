package sqlstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// fastSeeds are payload and role columns: what encodeEntries writes, and
// what it never writes but a row may hold.
var fastSeeds = []string{
	`[{"k":"priority","v":"2"}]`,
	`[{"k":"a","v":""},{"k":"","v":"b"},{"k":"note","v":"déjà vu ✓"}]`,
	`[{"k":"x","v":"a\"b"}]`,
	`[{"k":"x","v":"\u003cb\u003e"}]`,
	`[{"k":"x", "v":"y"}]`,
	`[{"v":"y","k":"x"}]`,
	`[{"k":"x","v":"y","z":"1"}]`,
	`[{"k":"x","v":"y"},]`,
	`[{"k":"x","v":"y"}`,
	`[{"k":"x","v":"` + "\xff" + `"}]`,
	`[{"k":"x","v":"` + "\t" + `"}]`,
	`[{"k":1,"v":"y"}]`,
	`[]`, `[ ]`, `null`, `{}`, `[""]`,
	`[{"type":"problem","id":"PRB-1"}]`, `[{"type":"problem","id":"PRB-1"},{"type":"","id":""}]`, `[{"id":"x","type":"y"}]`,
	`["agent"]`, `["agent","manager"]`, `["a\nb"]`, `["a",]`, `[agent]`, `["x"`,
}

// fuzzDecoder holds a fast decoder to encoding/json: where it decodes, it
// decodes what encoding/json does; otherwise it declines.
func fuzzDecoder[T any](f *testing.F, name string, fast func(string) ([]T, bool)) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := fast(string(b))
		if !ok {
			return
		}
		var want []T
		require.NoError(t, json.Unmarshal(b, &want), "%s decoded %q, which encoding/json refuses", name, b)
		require.Equal(t, want, got, "%q", b)
	})
}

// FuzzFastFields holds the fast payload decoder to encoding/json.
func FuzzFastFields(f *testing.F) { fuzzDecoder(f, "fastFields", fastFields) }

// FuzzFastRoles holds the fast role decoder to encoding/json.
func FuzzFastRoles(f *testing.F) { fuzzDecoder(f, "fastRoles", fastRoles) }

// FuzzFastLinks holds the fast decoder of link pages to encoding/json.
func FuzzFastLinks(f *testing.F) { fuzzDecoder(f, "fastLinks", fastLinks) }

// TestFastDecodersTakeWhatEncodeWrites: the fast path is the one taken for
// what the store writes, escapes and all but the escaped strings, and it
// declines the rest for encoding/json.
func TestFastDecodersTakeWhatEncodeWrites(t *testing.T) {
	payload := []sms.Field{{Key: "priority", Value: "2"}, {Key: "note", Value: "déjà vu"}, {Key: "empty"}}
	b, err := json.Marshal(payload)
	require.NoError(t, err)
	got, ok := fastFields(string(b))
	require.True(t, ok, "%s", b)
	require.Equal(t, payload, got)

	roles := []sms.Role{"agent", "manager"}
	b, err = json.Marshal(roles)
	require.NoError(t, err)
	gr, ok := fastRoles(string(b))
	require.True(t, ok, "%s", b)
	require.Equal(t, roles, gr)

	links := []sms.Link{{Type: "problem", ID: "PRB-1"}, {Type: "change", ID: "déjà"}}
	text, _, err := encodeLinks(links)
	require.NoError(t, err)
	gl, ok := fastLinks(text)
	require.True(t, ok, "%s", text)
	require.Equal(t, links, gl)

	b, err = json.Marshal([]sms.Field{{Key: "x", Value: "a<b"}}) // Marshal escapes < as \u003c
	require.NoError(t, err)
	_, ok = fastFields(string(b))
	require.False(t, ok, "an escaped string is encoding/json's to decode: %s", b)
	for _, s := range []string{`[{"k":"x", "v":"y"}]`, `[{"k":"x","v":"` + "\xff" + `"}]`, `[ ]`, `null`} {
		_, ok := fastFields(s)
		require.False(t, ok, "%q", s)
	}
}
