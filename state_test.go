package sms_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

type inner struct {
	A string   `json:"a"`
	B []string `json:"b,omitempty"`
}

type record struct {
	sms.Meta
	Status  string            `json:"status"`
	Text    string            `json:"text,omitempty"`
	N       int               `json:"n,omitempty"`
	U       uint16            `json:"u,omitempty"`
	F       float64           `json:"f,omitempty"`
	On      bool              `json:"on,omitempty"`
	At      time.Time         `json:"at,omitzero"`
	D       time.Duration     `json:"d,omitempty"`
	List    []inner           `json:"list,omitempty"`
	Ptr     *inner            `json:"ptr,omitempty"`
	Map     map[string]int    `json:"map,omitempty"`
	Nested  map[string][]int  `json:"nested,omitempty"`
	Arr     [2]string         `json:"arr"`
	Skipped string            `json:"-"`
	hidden  string            //nolint:unused // an unexported field is not stored
	Parties sms.Participants  `json:"parties,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
}

// recordV2 is record with one more field, as a later release adds one.
type recordV2 struct {
	record
	Added string `json:"added,omitempty"`
}

func full() *record {
	r := &record{Status: "open", Text: "t", N: -3, U: 9, F: 1.5, On: true, At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		D: time.Minute, List: []inner{{A: "x", B: []string{"1", ""}}, {}}, Ptr: &inner{A: "p"}, Map: map[string]int{"b": 2, "a": 1},
		Nested: map[string][]int{"k": {1, 2}}, Arr: [2]string{"l", "r"}}
	r.ID, r.Version, r.CreatedAt, r.UpdatedAt = "R-1", 3, r.At, r.At.Add(time.Hour)
	r.Parties.Add(sms.PartyRequester, "rob", true)
	return r
}

func digest(t *testing.T, v any) sms.Hash {
	t.Helper()
	d, err := sms.StateDigest(v)
	require.NoError(t, err)
	return d
}

func TestStateDigestCoversEveryStoredField(t *testing.T) {
	t.Parallel()
	base := digest(t, full())
	changes := map[string]func(r *record){
		"Status":    func(r *record) { r.Status = "closed" },
		"Text":      func(r *record) { r.Text = "u" },
		"N":         func(r *record) { r.N = 3 },
		"U":         func(r *record) { r.U = 0 },
		"F":         func(r *record) { r.F = 1.25 },
		"On":        func(r *record) { r.On = false },
		"At":        func(r *record) { r.At = r.At.Add(time.Nanosecond) },
		"D":         func(r *record) { r.D = time.Second },
		"List":      func(r *record) { r.List = r.List[:1] },
		"List.A":    func(r *record) { r.List[1].A = "y" },
		"List.B":    func(r *record) { r.List[0].B[1] = "2" },
		"Ptr":       func(r *record) { r.Ptr = nil },
		"Ptr.A":     func(r *record) { r.Ptr.A = "q" },
		"Ptr empty": func(r *record) { r.Ptr = &inner{} },
		"Map":       func(r *record) { r.Map["a"] = 5 },
		"Map key":   func(r *record) { delete(r.Map, "a"); r.Map["c"] = 1 },
		"Nested":    func(r *record) { r.Nested["k"] = []int{2, 1} },
		"Arr":       func(r *record) { r.Arr[1] = "" },
		"Parties":   func(r *record) { r.Parties[0].Acted = false },
		"Labels":    func(r *record) { r.Labels = map[string]string{"x": ""} },
		"Text/N boundary": func(r *record) {
			r.Text = "t\x01"
		},
	}
	seen := map[sms.Hash]string{base: "base"}
	for name, change := range changes {
		r := full()
		change(r)
		d := digest(t, r)
		assert.NotEqual(t, base, d, "changing %s did not change the digest", name)
		if prev, dup := seen[d]; dup {
			t.Errorf("changes %s and %s give the same digest", prev, name)
		}
		seen[d] = name
	}
	// What encoding/json does not store does not count, and neither does
	// the head, the hash of the entry that carries the digest.
	same := map[string]func(r *record){
		"json:\"-\"": func(r *record) { r.Skipped = "x" },
		"unexported": func(r *record) { r.hidden = "x" },
		// The header is compared with the journal by VerifyHead instead.
		"Head":              func(r *record) { r.Head[0] = 1 },
		"ID":                func(r *record) { r.ID = "R-2" },
		"Version":           func(r *record) { r.Version++ },
		"CreatedAt":         func(r *record) { r.CreatedAt = r.CreatedAt.Add(time.Microsecond) },
		"UpdatedAt":         func(r *record) { r.UpdatedAt = time.Time{} },
		"another time zone": func(r *record) { r.At = r.At.In(time.FixedZone("X", 3600)) },
		"a monotonic clock": func(r *record) { r.At = r.At.Round(0) },
		"map order":         func(r *record) { r.Map = map[string]int{"a": 1, "b": 2} },
		"a nil empty slice": func(r *record) { r.List[0].B = append([]string{}, r.List[0].B...) },
	}
	for name, change := range same {
		r := full()
		change(r)
		assert.Equal(t, base, digest(t, r), name)
	}
	a, b := full(), full()
	a.Labels, b.Labels = nil, map[string]string{}
	assert.Equal(t, digest(t, a), digest(t, b), "a nil map and an empty one are both left out of the JSON")
}

func TestStateDigestSurvivesJSON(t *testing.T) {
	t.Parallel()
	for _, r := range []*record{full(), {Status: "new"}} {
		raw, err := json.Marshal(r)
		require.NoError(t, err)
		var back record
		require.NoError(t, json.Unmarshal(raw, &back))
		assert.Equal(t, digest(t, r), digest(t, &back))
	}
}

func TestStateDigestIgnoresFieldsAddedLater(t *testing.T) {
	t.Parallel()
	// A record stored by a release whose type lacked Added digests the same
	// when read back by a release that has it: zero fields are left out.
	old := full()
	raw, err := json.Marshal(old)
	require.NoError(t, err)
	var now recordV2
	require.NoError(t, json.Unmarshal(raw, &now))
	assert.Equal(t, digest(t, old), digest(t, &now))
	now.Added = "set"
	assert.NotEqual(t, digest(t, old), digest(t, &now))
	assert.Equal(t, digest(t, old), digest(t, *old), "a value digests as its pointer does")
}

type withInterface struct {
	sms.Meta
	X any `json:"x"`
}

type withFunc struct {
	sms.Meta
	F func() `json:"f"`
}

type withIntKeys struct {
	sms.Meta
	M map[int]string `json:"m"`
}

type sameName struct {
	A string `json:"same"`
}

// twoNames stores one field under a name an embedded struct also uses:
// encoding/json keeps the outer one, and the digest refuses the ambiguity.
type twoNames struct {
	sms.Meta
	sameName
	B string `json:"same"`
}

func TestStateDigestRefusesWhatItCannotEncode(t *testing.T) {
	t.Parallel()
	for _, v := range []any{&withInterface{}, &withFunc{}, &withIntKeys{}, &twoNames{}, nil, (*record)(nil)} {
		_, err := sms.StateDigest(v)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%T", v)
	}
	r := full()
	r.F = math.NaN()
	_, err := sms.StateDigest(r)
	assert.ErrorIs(t, err, sms.ErrInvalid, "NaN has no JSON encoding")
	r.F = math.Inf(1)
	_, err = sms.StateDigest(r)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// The canonical encoding is persisted through every state digest: this
// golden value must never change; a new encoding needs a new prefix.
func TestStateDigestGolden(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "248015c8a542755ec16058297c981489b530e232d72a1e607f0a6614773ffb3d", digest(t, full()).String())
	b, err := sms.AppendState(nil, &inner{A: "x", B: []string{"y"}})
	require.NoError(t, err)
	// '{', then each field that is not zero by its ID (the low 3 bytes of
	// FNV-1a of "a", then of "b", in the order of the IDs) and its value,
	// then '}'.
	assert.Equal(t, "{\x0c\x29\x2c\x01x\x0c\x2d\xe5\x01\x01y}", string(b))
	assert.Equal(t, reflect.Struct, reflect.TypeOf(inner{}).Kind())
}
