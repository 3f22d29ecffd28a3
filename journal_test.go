package sms_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// ticketJournal runs a ticket through six transitions and returns the
// stored entity and its journal:
//
//	0 file, 1 start, 2 note, 3 finish, 4 reopen (with a reason), 5 note
func ticketJournal(t testing.TB, id string) (*Ticket, []sms.Entry) {
	t.Helper()
	env := newTicketEnv(t, sms.Options{})
	env.file(t, id)
	steps := []struct {
		a    sms.Actor
		trig string
		c    ticketCmd
	}{
		{alice, trStart, ticketCmd{Assignee: "alice"}},
		{rita, trNote, ticketCmd{Text: "it smells of toner"}},
		{alice, trFinish, ticketCmd{Resolution: "replaced fuser", Category: "hardware"}},
		{lena, trReopen, ticketCmd{Reason: "customer called back"}},
		{alice, trNote, ticketCmd{Text: "looking again"}},
	}
	for _, s := range steps {
		_, err := env.m.Fire(bg(), s.a, id, s.trig, s.c)
		require.NoError(t, err)
	}
	tk, err := env.m.Get(bg(), id)
	require.NoError(t, err)
	j, err := env.m.Journal(bg(), id)
	require.NoError(t, err)
	require.Len(t, j, 6)
	require.NoError(t, sms.VerifyJournal(j))
	require.NoError(t, sms.VerifyHead(tk, j))
	return tk, j
}

func cloneJournal(j []sms.Entry) []sms.Entry {
	out := make([]sms.Entry, len(j))
	for i, e := range j {
		out[i] = e.Clone()
	}
	return out
}

func TestVerifyJournalDetectsTampering(t *testing.T) {
	t.Parallel()
	_, journal := ticketJournal(t, "T-1")
	_, other := ticketJournal(t, "T-2")
	pristine := mustJSON(t, journal)

	cases := []struct {
		name   string
		tamper func(j []sms.Entry) []sms.Entry
		index  int   // position named by the error
		seq    int64 // sequence the named entry carries
	}{
		{"payload value", func(j []sms.Entry) []sms.Entry { j[2].Payload[0].Value = "it smells fine"; return j }, 2, 3},
		{"payload key", func(j []sms.Entry) []sms.Entry { j[1].Payload[0].Key = "assignee2"; return j }, 1, 2},
		{"payload field dropped", func(j []sms.Entry) []sms.Entry { j[3].Payload = j[3].Payload[:1]; return j }, 3, 4},
		{"payload field added", func(j []sms.Entry) []sms.Entry {
			j[3].Payload = append(j[3].Payload, sms.Field{Key: "approved_by", Value: "ceo"})
			return j
		}, 3, 4},
		{"actor role", func(j []sms.Entry) []sms.Entry { j[3].Actor.Roles[0] = roleLead; return j }, 3, 4},
		{"actor role added", func(j []sms.Entry) []sms.Entry { j[3].Actor.Roles = append(j[3].Actor.Roles, roleLead); return j }, 3, 4},
		{"actor ID", func(j []sms.Entry) []sms.Entry { j[1].Actor.ID = "bob"; return j }, 1, 2},
		{"time", func(j []sms.Entry) []sms.Entry { j[1].At = j[1].At.Add(time.Microsecond); return j }, 1, 2},
		{"time of the first entry", func(j []sms.Entry) []sms.Entry { j[0].At = j[0].At.Add(-time.Hour); return j }, 0, 1},
		{"reason", func(j []sms.Entry) []sms.Entry { j[4].Reason = "because"; return j }, 4, 5},
		{"reason removed", func(j []sms.Entry) []sms.Entry { j[4].Reason = ""; return j }, 4, 5},
		{"trigger", func(j []sms.Entry) []sms.Entry { j[3].Trigger = trCancel; return j }, 3, 4},
		{"from", func(j []sms.Entry) []sms.Entry { j[3].From = stOpen; return j }, 3, 4},
		{"to", func(j []sms.Entry) []sms.Entry { j[3].To = stCancelled; return j }, 3, 4},
		{"entry ID of the last entry", func(j []sms.Entry) []sms.Entry { j[5].ID = other[5].ID; return j }, 5, 6},
		{"hash", func(j []sms.Entry) []sms.Entry { j[2].Hash[0] ^= 1; return j }, 2, 3},
		{"prev", func(j []sms.Entry) []sms.Entry { j[2].Prev[31] ^= 1; return j }, 2, 3},
		{"altered and rehashed: the next entry breaks", func(j []sms.Entry) []sms.Entry {
			j[2].Payload[0].Value = "forged"
			j[2].Hash = j[2].ComputeHash()
			return j
		}, 3, 4},
		{"sequence renumbered", func(j []sms.Entry) []sms.Entry { j[2].Seq = 7; return j }, 2, 7},
		{"first entry removed", func(j []sms.Entry) []sms.Entry { return j[1:] }, 0, 2},
		{"middle entry removed", func(j []sms.Entry) []sms.Entry { return slices.Delete(j, 2, 3) }, 2, 4},
		{"last-but-one entry removed", func(j []sms.Entry) []sms.Entry { return slices.Delete(j, 4, 5) }, 4, 6},
		{"pair reordered", func(j []sms.Entry) []sms.Entry { j[2], j[3] = j[3], j[2]; return j }, 2, 4},
		{"first pair reordered", func(j []sms.Entry) []sms.Entry { j[0], j[1] = j[1], j[0]; return j }, 0, 2},
		{"entry duplicated", func(j []sms.Entry) []sms.Entry { return slices.Insert(j, 3, j[2]) }, 3, 3},
		{"forged entry inserted, chained and hashed", func(j []sms.Entry) []sms.Entry {
			forged := j[2].Clone()
			forged.ID, forged.Seq, forged.Prev = "forged", 3, j[1].Hash
			forged.Payload = []sms.Field{{Key: "text", Value: "all good"}}
			forged.Hash = forged.ComputeHash()
			return slices.Insert(j, 2, forged)
		}, 3, 3},
		{"forged entry inserted without rehashing", func(j []sms.Entry) []sms.Entry {
			forged := j[2].Clone()
			forged.Seq = 3
			forged.Payload = []sms.Field{{Key: "text", Value: "all good"}}
			forged.Prev = j[1].Hash
			j = slices.Insert(j, 2, forged)
			for i := 3; i < len(j); i++ {
				j[i].Seq++
			}
			return j
		}, 2, 3},
		{"entry of another entity", func(j []sms.Entry) []sms.Entry { j[2] = other[2].Clone(); return j }, 2, 3},
		{"entity ID changed", func(j []sms.Entry) []sms.Entry { j[4].EntityID = "T-2"; return j }, 4, 5},
		{"last entry moved to another entity and rehashed", func(j []sms.Entry) []sms.Entry {
			j[5].EntityID = "T-2"
			j[5].Hash = j[5].ComputeHash()
			return j
		}, 5, 6},
		{"kind changed", func(j []sms.Entry) []sms.Entry { j[1].Kind = "incident"; return j }, 1, 2},
		{"entity ID of the first entry changed", func(j []sms.Entry) []sms.Entry { j[0].EntityID = "T-2"; return j }, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := tc.tamper(cloneJournal(journal))
			err := sms.VerifyJournal(j)
			var je *sms.JournalError
			require.ErrorAs(t, err, &je)
			assert.ErrorIs(t, err, sms.ErrCorrupt)
			assert.Equal(t, tc.index, je.Index, "position of the first broken entry")
			assert.Equal(t, tc.seq, je.Seq, "sequence of the first broken entry")
			assert.Equal(t, j[tc.index].EntityID, je.EntityID)
			assert.Equal(t, j[tc.index].Kind, je.Kind)
			assert.NotEmpty(t, je.Problem)
		})
	}
	assert.Equal(t, pristine, mustJSON(t, journal), "a case tampered with the shared journal")

	t.Run("the untouched journal and its prefixes verify", func(t *testing.T) {
		t.Parallel()
		for n := 0; n <= len(journal); n++ {
			assert.NoError(t, sms.VerifyJournal(journal[:n]), "prefix of %d entries", n)
		}
		assert.NoError(t, sms.VerifyJournal(nil))
	})

	t.Run("truncation passes VerifyJournal, VerifyHead catches it", func(t *testing.T) {
		t.Parallel()
		tk, j := ticketJournal(t, "T-3")
		short := j[:len(j)-1]
		require.NoError(t, sms.VerifyJournal(short))
		var je *sms.JournalError
		require.ErrorAs(t, sms.VerifyHead(tk, short), &je)
		assert.Equal(t, len(short)-1, je.Index)
	})

	t.Run("a journal survives a JSON round trip", func(t *testing.T) {
		t.Parallel()
		var back []sms.Entry
		require.NoError(t, json.Unmarshal([]byte(pristine), &back))
		assert.NoError(t, sms.VerifyJournal(back))
		assert.Equal(t, pristine, mustJSON(t, back))
		for i := range back {
			assert.Equal(t, journal[i].Hash, back[i].ComputeHash())
		}
	})
}

func TestVerifyHead(t *testing.T) {
	t.Parallel()
	tk, j := ticketJournal(t, "T-1")
	cases := []struct {
		name    string
		edit    func(tk *Ticket)
		entries []sms.Entry
		index   int
		seq     int64
		problem string // part of the problem the error states
	}{
		{"version ahead: entries removed", func(tk *Ticket) { tk.Version++ }, j, 5, 6, "entries were removed"},
		{"version behind: record rolled back", func(tk *Ticket) { tk.Version-- }, j, 5, 6, "rolled back"},
		{"head differs", func(tk *Ticket) { tk.Head[7] ^= 0x80 }, j, 5, 6, "head"},
		{"head of an earlier entry", func(tk *Ticket) { tk.Head = j[4].Hash }, j, 5, 6, "head"},
		{"empty journal", func(*Ticket) {}, nil, 0, 0, "empty"},
		{"status forged", func(tk *Ticket) { tk.Status = stDone }, j, 5, 6, "status"},
		{"a text field edited", func(tk *Ticket) { tk.Title = "printer fine" }, j, 5, 6, "changed outside the pipeline"},
		{"a field set that the journal left empty", func(tk *Ticket) { tk.Resolution = "nothing to do" }, j, 5, 6, "changed outside the pipeline"},
		{"a list shortened", func(tk *Ticket) { tk.Notes = tk.Notes[:1] }, j, 5, 6, "changed outside the pipeline"},
		{"a map value changed", func(tk *Ticket) { tk.Labels = map[string]string{"floor": "2"} }, j, 5, 6, "changed outside the pipeline"},
		{"a time moved", func(tk *Ticket) { tk.Due = tk.Due.Add(time.Second) }, j, 5, 6, "changed outside the pipeline"},
		{"the update time moved", func(tk *Ticket) { tk.UpdatedAt = tk.UpdatedAt.Add(time.Second) }, j, 5, 6, "update time"},
		{"the creation time moved", func(tk *Ticket) { tk.CreatedAt = tk.CreatedAt.Add(-time.Hour) }, j, 5, 6, "creation time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forged := tk.Clone()
			tc.edit(forged)
			err := sms.VerifyHead(forged, tc.entries)
			var je *sms.JournalError
			require.ErrorAs(t, err, &je)
			assert.ErrorIs(t, err, sms.ErrCorrupt)
			assert.Equal(t, tc.index, je.Index)
			assert.Equal(t, tc.seq, je.Seq)
			assert.Equal(t, "T-1", je.EntityID)
			assert.Equal(t, ticketKind, je.Kind)
			assert.Contains(t, je.Problem, tc.problem)
		})
	}
	assert.NoError(t, sms.VerifyHead(tk, j))
	var nilTicket *Ticket
	assert.ErrorIs(t, sms.VerifyHead(nilTicket, j), sms.ErrInvalid)

	// The digest survives the JSON round trip every store makes: a record
	// decoded from its document verifies.
	var back Ticket
	require.NoError(t, json.Unmarshal([]byte(mustJSON(t, tk)), &back))
	assert.NoError(t, sms.VerifyHead(&back, j))
}

func TestHashEncoding(t *testing.T) {
	t.Parallel()
	h := sha256.Sum256([]byte("sms"))
	var hash sms.Hash = h

	text, err := hash.MarshalText()
	require.NoError(t, err)
	assert.Len(t, text, 64)
	assert.Equal(t, strings.ToLower(string(text)), string(text))
	assert.Equal(t, string(text), hash.String())

	var back sms.Hash
	require.NoError(t, back.UnmarshalText(text))
	assert.Equal(t, hash, back)
	parsed, err := sms.ParseHash(hash.String())
	require.NoError(t, err)
	assert.Equal(t, hash, parsed)
	upper, err := sms.ParseHash(strings.ToUpper(hash.String()))
	require.NoError(t, err, "upper-case hex is accepted")
	assert.Equal(t, hash, upper)

	js, err := json.Marshal(struct{ H sms.Hash }{hash})
	require.NoError(t, err)
	assert.Equal(t, `{"H":"`+hash.String()+`"}`, string(js))
	var decoded struct{ H sms.Hash }
	require.NoError(t, json.Unmarshal(js, &decoded))
	assert.Equal(t, hash, decoded.H)

	var zero sms.Hash
	assert.True(t, zero.IsZero())
	assert.False(t, hash.IsZero())
	assert.Equal(t, strings.Repeat("0", 64), zero.String())
	fromEmpty := hash
	require.NoError(t, fromEmpty.UnmarshalText(nil))
	assert.True(t, fromEmpty.IsZero(), "the empty text is the zero hash")
	require.NoError(t, json.Unmarshal([]byte(`{"H":""}`), &decoded))
	assert.True(t, decoded.H.IsZero())
}

func TestHashUnmarshalTextErrors(t *testing.T) {
	t.Parallel()
	valid := sha256.Sum256([]byte("x"))
	// The texts derive from another hash, so that a partial decode into
	// the receiver would show.
	good := sms.Hash(sha256.Sum256([]byte("y"))).String()
	cases := []struct {
		name string
		text string
	}{
		{"one digit short", good[:63]},
		{"one digit long", good + "0"},
		{"half length", good[:32]},
		{"double length", good + good},
		{"not hex at the end", good[:63] + "g"},
		{"not hex in the middle", good[:20] + "zz" + good[22:]},
		{"spaces", " " + good[1:]},
		{"0x prefix", "0x" + good[2:]},
		{"multi-byte characters", strings.Repeat("é", 32)},
		{"one character", "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := sms.Hash(valid)
			err := h.UnmarshalText([]byte(tc.text))
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, "hash", ve.Field)
			assert.Equal(t, sms.Hash(valid), h, "a failed UnmarshalText changed the hash")

			_, err = sms.ParseHash(tc.text)
			assert.ErrorIs(t, err, sms.ErrInvalid)

			var wrapper struct{ H sms.Hash }
			assert.Error(t, json.Unmarshal([]byte(`{"H":"`+tc.text+`"}`), &wrapper))
		})
	}
	t.Run("a JSON number", func(t *testing.T) {
		t.Parallel()
		var wrapper struct{ H sms.Hash }
		assert.Error(t, json.Unmarshal([]byte(`{"H":12}`), &wrapper))
	})
}

// goldenEntry is a fixed journal entry whose hash is pinned below.
func goldenEntry() sms.Entry {
	return sms.Entry{
		ID:       "0195f7a2-6c1e-7d3a-9b4f-2e8c1d0a5b6f",
		Kind:     "ticket",
		EntityID: "T-1",
		Seq:      2,
		Trigger:  "start",
		From:     "open",
		To:       "working",
		Actor:    sms.Actor{ID: "alice", Roles: []sms.Role{"agent", "lead"}},
		At:       time.Date(2026, 3, 1, 9, 1, 0, 123456000, time.UTC),
		Reason:   "on it",
		Payload:  []sms.Field{{Key: "assignee", Value: "alice"}, {Key: "note", Value: "é ✓ \"quoted\"\n"}, {Key: "note", Value: ""}},
		Prev:     sha256.Sum256([]byte("previous entry")),
	}
}

// goldenEntryV2 is goldenEntry with what version 2 of the encoding added:
// the state digest, an idempotency key and the request's digest.
func goldenEntryV2() sms.Entry {
	e := goldenEntry()
	e.State = sha256.Sum256([]byte("state"))
	e.Key = "req-1"
	e.Request = sha256.Sum256([]byte("request"))
	return e
}

// The canonical encoding is persisted through every stored hash: changing
// it breaks every journal ever written. These golden values must never
// change; a new encoding needs a new version prefix and a verifier for all.
// goldenEntryHash is version 1 (entries written before the state digest),
// goldenEntryHashV2 version 2.
const (
	goldenEntryHash   = "fe09ccfa52edf9799c8096c53220351ec333e260c09925fadd4b5f6077a9cdb0"
	goldenEntryHashV2 = "5802afd9f32e5272e530ed9dac16015119d43346ad82afdbeb67c832ac9305a8"
)

func TestComputeHashGolden(t *testing.T) {
	t.Parallel()
	e := goldenEntry()
	assert.Equal(t, goldenEntryHash, e.ComputeHash().String())
	v2 := goldenEntryV2()
	assert.Equal(t, goldenEntryHashV2, v2.ComputeHash().String())
	for _, only := range []func(e *sms.Entry){
		func(e *sms.Entry) { e.Key, e.Request = "", sms.Hash{} },
		func(e *sms.Entry) { e.State, e.Request = sms.Hash{}, sms.Hash{} },
		func(e *sms.Entry) { e.State, e.Key = sms.Hash{}, "" },
	} {
		c := goldenEntryV2()
		only(&c)
		assert.NotEqual(t, goldenEntryHash, c.ComputeHash().String(), "an entry with any version 2 field is hashed as version 2")
	}
	assert.Equal(t, e.ComputeHash(), e.ComputeHash(), "ComputeHash is not deterministic")
	e.Hash = sha256.Sum256([]byte("anything"))
	assert.Equal(t, goldenEntryHash, e.ComputeHash().String(), "the Hash field must not feed its own hash")

	// Equivalent values hash the same: the encoding normalises what JSON
	// and a store normalise.
	same := []struct {
		name   string
		change func(e *sms.Entry)
	}{
		{"the time in another zone", func(e *sms.Entry) { e.At = e.At.In(time.FixedZone("X", 5*3600)) }},
		{"nanoseconds below the microsecond", func(e *sms.Entry) { e.At = e.At.Add(999 * time.Nanosecond) }},
		{"a monotonic clock reading", func(e *sms.Entry) { e.At = e.At.Round(0) }},
	}
	for _, tc := range same {
		c := goldenEntry()
		tc.change(&c)
		assert.Equal(t, goldenEntryHash, c.ComputeHash().String(), tc.name)
	}
	noPayload := goldenEntry()
	noPayload.Payload = nil
	emptyPayload := goldenEntry()
	emptyPayload.Payload = []sms.Field{}
	assert.Equal(t, noPayload.ComputeHash(), emptyPayload.ComputeHash(), "nil and empty payloads (omitempty in JSON) differ")
	noRoles := goldenEntry()
	noRoles.Actor.Roles = nil
	emptyRoles := goldenEntry()
	emptyRoles.Actor.Roles = []sms.Role{}
	assert.Equal(t, noRoles.ComputeHash(), emptyRoles.ComputeHash(), "nil and empty roles (omitempty in JSON) differ")
}

func TestComputeHashCoversEveryField(t *testing.T) {
	t.Parallel()
	// Every field of Entry, Actor and Field is listed here with a change
	// that must change the hash. A field added to any of them fails the
	// reflection check below until it is hashed and listed.
	cases := []struct {
		field  string
		change func(e *sms.Entry)
	}{
		{"State", func(e *sms.Entry) { e.State[0] ^= 1 }},
		{"State", func(e *sms.Entry) { e.State = sms.Hash{} }},
		{"Key", func(e *sms.Entry) { e.Key = "req-2" }},
		{"Key", func(e *sms.Entry) { e.Key = "" }},
		{"Request", func(e *sms.Entry) { e.Request[5] ^= 1 }},
		{"ID", func(e *sms.Entry) { e.ID = e.ID[:len(e.ID)-1] + "0" }},
		// The entity is bound in the first entry; the later ones chain to
		// it (see TestComputeHashBindsTheEntityInTheFirstEntry).
		{"Kind", func(e *sms.Entry) { e.Seq, e.Prev, e.Kind = 1, sms.Hash{}, "incident" }},
		{"EntityID", func(e *sms.Entry) { e.Seq, e.Prev, e.EntityID = 1, sms.Hash{}, "T-2" }},
		{"Seq", func(e *sms.Entry) { e.Seq = 3 }},
		{"Seq", func(e *sms.Entry) { e.Seq = -2 }},
		{"Trigger", func(e *sms.Entry) { e.Trigger = "stop" }},
		{"From", func(e *sms.Entry) { e.From = "" }},
		{"To", func(e *sms.Entry) { e.To = "done" }},
		{"Actor.ID", func(e *sms.Entry) { e.Actor.ID = "bob" }},
		{"Actor.Roles", func(e *sms.Entry) { e.Actor.Roles[1] = "agent" }},
		{"Actor.Roles", func(e *sms.Entry) { e.Actor.Roles = e.Actor.Roles[:1] }},
		{"Actor.Roles", func(e *sms.Entry) { e.Actor.Roles[0], e.Actor.Roles[1] = e.Actor.Roles[1], e.Actor.Roles[0] }},
		{"Actor.Roles", func(e *sms.Entry) { e.Actor.Roles = append(e.Actor.Roles, "") }},
		{"At", func(e *sms.Entry) { e.At = e.At.Add(time.Microsecond) }},
		{"At", func(e *sms.Entry) { e.At = time.Time{} }},
		{"Reason", func(e *sms.Entry) { e.Reason = "on it." }},
		{"Payload", func(e *sms.Entry) { e.Payload = e.Payload[:2] }},
		{"Payload", func(e *sms.Entry) { e.Payload[0], e.Payload[1] = e.Payload[1], e.Payload[0] }},
		{"Payload", func(e *sms.Entry) { e.Payload = append(e.Payload, sms.Field{}) }},
		{"Payload.Key", func(e *sms.Entry) { e.Payload[0].Key = "Assignee" }},
		{"Payload.Value", func(e *sms.Entry) { e.Payload[2].Value = " " }},
		{"Prev", func(e *sms.Entry) { e.Prev[31] ^= 1 }},
		{"Prev", func(e *sms.Entry) { e.Prev = sms.Hash{} }},
		// Boundaries between fields are unambiguous.
		{"From/To boundary", func(e *sms.Entry) { e.From, e.To = "openw", "orking" }},
		{"Trigger/From boundary", func(e *sms.Entry) { e.Trigger, e.From = "star", "topen" }},
		{"Payload key/value boundary", func(e *sms.Entry) { e.Payload[0] = sms.Field{Key: "assigneea", Value: "lice"} }},
		{"Roles split", func(e *sms.Entry) { e.Actor.Roles = []sms.Role{"agentlead"} }},
		{"Actor.ID/Roles boundary", func(e *sms.Entry) { e.Actor.ID, e.Actor.Roles = "aliceagent", []sms.Role{"lead"} }},
		{"Reason/Payload boundary", func(e *sms.Entry) { e.Reason = "on itassignee"; e.Payload[0].Key = "" }},
	}
	g := goldenEntryV2()
	base := g.ComputeHash()
	seen := map[sms.Hash]string{base: "base"}
	covered := map[string]bool{"Hash": true} // the hash does not cover itself
	for _, tc := range cases {
		e := goldenEntryV2()
		tc.change(&e)
		h := e.ComputeHash()
		assert.NotEqual(t, base, h, "changing %s did not change the hash", tc.field)
		if prev, dup := seen[h]; dup {
			t.Errorf("changes %q and %q give the same hash", prev, tc.field)
		}
		seen[h] = tc.field
		covered[tc.field] = true
		covered[strings.SplitN(tc.field, ".", 2)[0]] = true
	}
	for typ, prefix := range map[reflect.Type]string{
		reflect.TypeOf(sms.Entry{}): "",
		reflect.TypeOf(sms.Actor{}): "Actor.",
		reflect.TypeOf(sms.Field{}): "Payload.",
	} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			assert.True(t, covered[prefix+f.Name], "%s%s is not known to be hashed: hash it and list it here", prefix, f.Name)
		}
	}
}

// Version 2 binds the kind and entity ID in a journal's first entry; a
// later entry is bound to them through the chain, so a journal relabelled
// as another entity's, or an entry moved to another journal, does not
// verify.
func TestComputeHashBindsTheEntityInTheFirstEntry(t *testing.T) {
	t.Parallel()
	_, j := ticketJournal(t, "T-1")
	relabelled := cloneJournal(j)
	for i := range relabelled {
		relabelled[i].EntityID = "T-2"
	}
	assert.ErrorIs(t, sms.VerifyJournal(relabelled), sms.ErrCorrupt, "a whole journal relabelled")
	_, other := ticketJournal(t, "T-2")
	moved := cloneJournal(other)
	moved[3] = j[3].Clone()
	moved[3].EntityID = "T-2"
	assert.ErrorIs(t, sms.VerifyJournal(moved), sms.ErrCorrupt, "an entry moved from another journal")
	one := cloneJournal(j)
	one[4].EntityID = "T-9"
	assert.ErrorIs(t, sms.VerifyJournal(one), sms.ErrCorrupt, "one entry naming another entity")
}

func TestEntryHelpers(t *testing.T) {
	t.Parallel()
	e := goldenEntry()
	c := e.Clone()
	c.Actor.Roles[0] = "mutated"
	c.Payload[0].Value = "mutated"
	assert.Equal(t, goldenEntry(), e, "Clone shares memory with the original")

	v, ok := sms.Get(e.Payload, "note")
	assert.True(t, ok)
	assert.Equal(t, "é ✓ \"quoted\"\n", v, "Get returns the first field with the key")
	_, ok = sms.Get(e.Payload, "missing")
	assert.False(t, ok)
	_, ok = sms.Get(nil, "note")
	assert.False(t, ok)

	var empty sms.Entry
	assert.Nil(t, empty.Clone().Payload)
	assert.Nil(t, empty.Clone().Actor.Roles)
}

func TestMachineVerifyDetectsATamperedStore(t *testing.T) {
	t.Parallel()
	tk, j := ticketJournal(t, "T-1")
	env := newTicketEnv(t, sms.Options{})
	// An import brings a journal whose third entry was rewritten: the
	// header still matches the last entry. The store's Load verifies what
	// it is given and refuses it.
	forged := cloneJournal(j)
	forged[2].Payload[0].Value = "nothing happened"
	err := env.store.Load(bg(), tk, forged)
	var je *sms.JournalError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, 2, je.Index)
	_, err = env.store.Get(bg(), "T-1")
	require.ErrorIs(t, err, sms.ErrNotFound, "a refused Load stored the record")

	// A database edited by hand after the load: the machine's Verify names
	// the rewritten entry.
	require.NoError(t, env.store.Load(bg(), tk, j))
	m, err := env.m.WithStore(rewrittenJournal{env.store, forged})
	require.NoError(t, err)
	err = m.Verify(bg(), "T-1")
	require.ErrorAs(t, err, &je)
	assert.Equal(t, 2, je.Index)
	assert.Equal(t, int64(3), je.Seq)
}

// rewrittenJournal serves a journal rewritten behind the store's back.
type rewrittenJournal struct {
	sms.Store[*Ticket]
	journal []sms.Entry
}

func (r rewrittenJournal) Journal(context.Context, string) ([]sms.Entry, error) {
	return cloneJournal(r.journal), nil
}

func TestCheckCommit(t *testing.T) {
	t.Parallel()
	tk, j := ticketJournal(t, "T-1")
	cases := []struct {
		name    string
		e       *Ticket
		expect  int64
		entries []sms.Entry
		field   string
	}{
		{"the whole journal from 0", tk, 0, j, ""},
		{"the last entry from 5", tk, 5, j[5:], ""},
		{"the last two from 4", tk, 4, j[4:], ""},
		{"nil entity", nil, 5, j[5:], "entity"},
		{"no entries", tk, 5, nil, "entries"},
		{"negative expect", tk, -1, j, "expect"},
		{"a gap", tk, 3, j[5:], "entries"},
		{"an entry of another entity", func() *Ticket { c := tk.Clone(); c.ID = "T-2"; return c }(), 5, j[5:], "entries"},
		{"version behind the entries", func() *Ticket { c := tk.Clone(); c.Version = 5; return c }(), 4, j[4:], "entity.version"},
		{"head not the last hash", func() *Ticket { c := tk.Clone(); c.Head = j[4].Hash; return c }(), 5, j[5:], "entity.head"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := sms.CheckCommit(tc.e, tc.expect, tc.entries)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
	t.Run("a nil entity handed to a store", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		var nilTicket *Ticket
		assert.NotPanics(t, func() {
			assert.ErrorIs(t, env.store.Create(bg(), nilTicket, j[0]), sms.ErrInvalid)
		})
	})
	t.Run("an invalid ID", func(t *testing.T) {
		t.Parallel()
		c := tk.Clone()
		c.ID = "T-1 "
		en := j[0].Clone()
		en.EntityID = c.ID
		c.Version, c.Head = 1, en.Hash
		var ve *sms.ValidationError
		require.ErrorAs(t, sms.CheckCommit(c, 0, []sms.Entry{en}), &ve)
		assert.Equal(t, "id", ve.Field)
	})
}
