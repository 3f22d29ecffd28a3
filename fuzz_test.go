package sms_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// FuzzVerifyJournal feeds host-supplied journals, as JSON, to VerifyJournal
// and VerifyHead: they must never panic, must answer nil or a
// *sms.JournalError naming an entry that exists, and a journal that
// verifies must still verify after a JSON round trip.
func FuzzVerifyJournal(f *testing.F) {
	_, j := ticketJournal(f, "T-1")
	valid, err := json.Marshal(j)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(strings.Replace(string(valid), "smells", "smelly", 1)))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`[{"seq":1},{"seq":2,"kind":"x"}]`))
	f.Add([]byte(`[{"seq":-9223372036854775808,"at":"0001-01-01T00:00:00Z"}]`))
	f.Add([]byte(`[{"seq":1,"hash":"zz"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var entries []sms.Entry
		if json.Unmarshal(data, &entries) != nil {
			return
		}
		err := sms.VerifyJournal(entries)
		if err != nil {
			var je *sms.JournalError
			if !errors.As(err, &je) || !errors.Is(err, sms.ErrCorrupt) {
				t.Fatalf("VerifyJournal returned %T %v, want *sms.JournalError", err, err)
			}
			if je.Index < 0 || je.Index >= len(entries) || entries[je.Index].Seq != je.Seq {
				t.Fatalf("error names entry %d (seq %d) of %d", je.Index, je.Seq, len(entries))
			}
			_ = je.Error()
		}
		tk := &Ticket{}
		tk.ID = "T-1"
		if n := len(entries); n > 0 {
			tk.Version, tk.Head, tk.Status = entries[n-1].Seq, entries[n-1].Hash, entries[n-1].To
		}
		herr := sms.VerifyHead(tk, entries)
		var hje *sms.JournalError
		if herr != nil && !errors.As(herr, &hje) {
			t.Fatalf("VerifyHead returned %T %v, want nil or *sms.JournalError", herr, herr)
		}
		if len(entries) == 0 && herr == nil {
			t.Fatal("VerifyHead accepted an empty journal")
		}
		if herr == nil {
			if d, _ := sms.StateDigest(tk); d != entries[len(entries)-1].State {
				t.Fatal("VerifyHead accepted a record whose digest is not its last entry's state")
			}
		}
		if err != nil {
			return
		}
		again, merr := json.Marshal(entries)
		if merr != nil {
			t.Fatalf("a verified journal does not encode: %v", merr)
		}
		var back []sms.Entry
		if uerr := json.Unmarshal(again, &back); uerr != nil {
			t.Fatalf("a verified journal does not decode: %v", uerr)
		}
		if verr := sms.VerifyJournal(back); verr != nil {
			t.Fatalf("a verified journal does not verify after a JSON round trip: %v", verr)
		}
	})
}

// FuzzHashUnmarshalText: any text decodes or is refused with ErrInvalid,
// leaving the hash unchanged; what decodes re-encodes as lower-case hex.
func FuzzHashUnmarshalText(f *testing.F) {
	for _, s := range []string{"", "00", strings.Repeat("a", 64), strings.Repeat("F", 64), strings.Repeat("g", 64), strings.Repeat("é", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var h sms.Hash
		h[0], h[31] = 0xAB, 0xCD
		before := h
		err := h.UnmarshalText([]byte(text))
		if err != nil {
			if !errors.Is(err, sms.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			if h != before {
				t.Fatalf("a failed decode of %q changed the hash", text)
			}
			return
		}
		if text == "" {
			if !h.IsZero() {
				t.Fatal("the empty text is not the zero hash")
			}
			return
		}
		if h.String() != strings.ToLower(text) {
			t.Fatalf("%q decoded to %s", text, h)
		}
		if p, err := sms.ParseHash(h.String()); err != nil || p != h {
			t.Fatalf("round trip of %s: %v %v", h, p, err)
		}
	})
}

// FuzzValidateID: any string is accepted or refused with ErrInvalid, and
// whatever is accepted has the documented shape.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"", "T-1", " x", "x\n", "a\x00b", "\xff", strings.Repeat("é", 64), strings.Repeat("€", 43), "a\u200bb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := sms.ValidateID(id)
		if err != nil {
			var ve *sms.ValidationError
			if !errors.As(err, &ve) || ve.Field != "id" || !errors.Is(err, sms.ErrInvalid) {
				t.Fatalf("ValidateID(%q) = %v, want a *sms.ValidationError for id", id, err)
			}
			return
		}
		if id == "" || len(id) > sms.MaxIDLen || !utf8.ValidString(id) || strings.TrimSpace(id) != id {
			t.Fatalf("ValidateID accepted %q", id)
		}
		for _, r := range id {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("ValidateID accepted %q with control character %U", id, r)
			}
		}
	})
}

// FuzzVerifyJournalTamper changes one field of one entry of a valid journal
// to a fuzzed value: whenever the change reaches the hashed content, the
// journal must fail to verify, naming that very entry.
func FuzzVerifyJournalTamper(f *testing.F) {
	_, journal := ticketJournal(f, "T-1")
	for field := range uint8(14) {
		f.Add(uint(field), field, "x", int64(1))
	}
	f.Add(uint(5), uint8(4), "", int64(-1))
	f.Fuzz(func(t *testing.T, pos uint, field uint8, value string, n int64) {
		j := cloneJournal(journal)
		i := int(pos % uint(len(j)))
		e := &j[i]
		before := e.ComputeHash()
		switch field % 14 {
		case 0:
			e.ID = value
		case 1:
			e.Kind = sms.Kind(value)
		case 2:
			e.EntityID = value
		case 3:
			e.Seq = n
		case 4:
			e.Trigger = value
		case 5:
			e.From = value
		case 6:
			e.To = value
		case 7:
			e.Actor.ID = value
		case 8:
			if len(e.Actor.Roles) > 0 {
				e.Actor.Roles[int(uint64(n)%uint64(len(e.Actor.Roles)))] = sms.Role(value)
			}
		case 9:
			e.At = e.At.Add(time.Duration(n))
		case 10:
			e.Reason = value
		case 11:
			e.Payload = append(e.Payload, sms.Field{Key: value, Value: value})
		case 12:
			if len(e.Payload) > 0 {
				e.Payload[int(uint64(n)%uint64(len(e.Payload)))].Value = value
			}
		case 13:
			copy(e.Prev[:], value)
		}
		if e.ComputeHash() == before && e.Seq == journal[i].Seq && e.Kind == journal[i].Kind && e.EntityID == journal[i].EntityID {
			// The change did not reach the hash (an equal value, a time
			// below the microsecond): the journal is still the original.
			if err := sms.VerifyJournal(j); err != nil {
				t.Fatalf("an unchanged journal does not verify: %v", err)
			}
			return
		}
		err := sms.VerifyJournal(j)
		var je *sms.JournalError
		if !errors.As(err, &je) {
			t.Fatalf("changing field %d of entry %d to %q/%d went unnoticed: %v", field%14, i, value, n, err)
		}
		if je.Index != i {
			t.Fatalf("changing entry %d: the error names entry %d", i, je.Index)
		}
	})
}

// FuzzActor: whatever a host passes as the actor, Validate answers without
// panicking, and what it accepts every store can keep exactly: valid
// UTF-8, printable, bounded, no NUL (which PostgreSQL's text refuses).
func FuzzActor(f *testing.F) {
	f.Add("dana", "service_desk")
	f.Add(" ", "")
	f.Add("a\x00b", "r\xff")
	f.Add("Zoë", "agent")
	f.Fuzz(func(t *testing.T, id, role string) {
		a := sms.Actor{ID: id, Roles: []sms.Role{sms.Role(role)}}
		if a.Validate() != nil {
			return
		}
		for _, s := range []string{id, role} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > sms.MaxIDLen || strings.TrimSpace(s) != s || s == "" {
				t.Fatalf("Validate accepted %q", s)
			}
			for _, r := range s {
				if !unicode.IsPrint(r) && r != ' ' {
					t.Fatalf("Validate accepted a control character in %q", s)
				}
			}
		}
	})
}
