package sms_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

var sentinels = []error{
	sms.ErrNotFound, sms.ErrExists, sms.ErrConflict, sms.ErrTransition,
	sms.ErrGuard, sms.ErrForbidden, sms.ErrInvalid, sms.ErrCorrupt,
}

func TestSentinels(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range sentinels {
		assert.True(t, strings.HasPrefix(s.Error(), "sms: "), "%q lacks the package prefix", s.Error())
		assert.False(t, seen[s.Error()], "two sentinels say %q", s.Error())
		seen[s.Error()] = true
		for _, other := range sentinels {
			assert.Equal(t, s == other, errors.Is(s, other), "%v is %v", s, other)
		}
	}
}

func TestTypedErrorsUnwrapToTheirSentinelOnly(t *testing.T) {
	t.Parallel()
	errHost := errors.New("host says no")
	cases := []struct {
		name     string
		err      error
		sentinel error
		prefix   string
		also     error // another error it must wrap, if any
	}{
		{"NotFoundError", &sms.NotFoundError{Kind: ticketKind, ID: "T-1"}, sms.ErrNotFound, "ticket", nil},
		{"ExistsError", &sms.ExistsError{Kind: ticketKind, ID: "T-1"}, sms.ErrExists, "ticket", nil},
		{"ConflictError", &sms.ConflictError{Kind: ticketKind, ID: "T-1", Expected: 2, Actual: 3}, sms.ErrConflict, "ticket", nil},
		{"ConflictError, actual unknown", &sms.ConflictError{Kind: ticketKind, ID: "T-1", Expected: 2, Actual: -1}, sms.ErrConflict, "ticket", nil},
		{"TransitionError", &sms.TransitionError{Kind: ticketKind, ID: "T-1", State: stDone, Trigger: trStart, Permitted: []string{trNote}}, sms.ErrTransition, "ticket", nil},
		{"TransitionError, nothing permitted", &sms.TransitionError{Kind: ticketKind, ID: "T-1", State: "limbo", Trigger: trStart}, sms.ErrTransition, "ticket", nil},
		{"TransitionError on create", &sms.TransitionError{Kind: ticketKind, Trigger: trStart}, sms.ErrTransition, "ticket", nil},
		{"TransitionError citing requirements", &sms.TransitionError{Kind: ticketKind, ID: "T-1", State: stDone, Trigger: trCancel,
			Permitted: []string{trNote, trReopen}, Requirements: []sms.Requirement{reqUnfinished, reqJustified}}, sms.ErrTransition, "ticket", nil},
		{"GuardError", &sms.GuardError{Kind: ticketKind, ID: "T-1", State: stWorking, Trigger: trFinish, Unmet: []sms.Requirement{reqResolution, reqCategory}}, sms.ErrGuard, "ticket", nil},
		{"ForbiddenError", &sms.ForbiddenError{Kind: ticketKind, ID: "T-1", Trigger: trCancel, Actor: "alice", Roles: []sms.Role{roleLead}, Reason: "no role"}, sms.ErrForbidden, "ticket", nil},
		{"ForbiddenError with a requirement", &sms.ForbiddenError{Kind: ticketKind, ID: "T-1", Trigger: "approve", Actor: "rob", Requirement: reqSoD, Reason: "own change"}, sms.ErrForbidden, "ticket", nil},
		{"ForbiddenError from the host", &sms.ForbiddenError{Kind: ticketKind, ID: "T-1", Trigger: trCancel, Actor: "lena", Reason: "host", Err: errHost}, sms.ErrForbidden, "ticket", errHost},
		{"ValidationError", &sms.ValidationError{Kind: ticketKind, Field: "title", Problem: "too long"}, sms.ErrInvalid, "ticket:", nil},
		{"ValidationError without field", &sms.ValidationError{Kind: ticketKind, Problem: "bad"}, sms.ErrInvalid, "ticket:", nil},
		{"ValidationError of the kernel", &sms.ValidationError{Field: "id", Problem: "is empty"}, sms.ErrInvalid, "sms:", nil},
		{"Invalid", sms.Invalid(ticketKind, "title", "longer than %d", 80), sms.ErrInvalid, "ticket:", nil},
		{"CorruptError", &sms.CorruptError{Kind: ticketKind, ID: "T-1", Problem: "unknown status"}, sms.ErrCorrupt, "ticket", nil},
		{"CorruptError with a cause", &sms.CorruptError{Kind: ticketKind, ID: "T-1", Problem: "bad JSON", Err: io.ErrUnexpectedEOF}, sms.ErrCorrupt, "ticket", io.ErrUnexpectedEOF},
		{"JournalError", &sms.JournalError{Kind: ticketKind, EntityID: "T-1", Index: 2, Seq: 3, Problem: "altered"}, sms.ErrCorrupt, "ticket", nil},
		// Without a kind, messages still carry the package prefix.
		{"NotFoundError without kind", &sms.NotFoundError{ID: "T-1"}, sms.ErrNotFound, "sms", nil},
		{"ForbiddenError without kind", &sms.ForbiddenError{Actor: "rob", Trigger: "approve", Reason: "own change"}, sms.ErrForbidden, "sms", nil},
		{"JournalError without kind", &sms.JournalError{Problem: "altered"}, sms.ErrCorrupt, "sms", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range sentinels {
				assert.Equal(t, s == tc.sentinel, errors.Is(tc.err, s), "errors.Is(%T, %v)", tc.err, s)
			}
			wrapped := errors.Join(errors.New("context"), tc.err)
			assert.ErrorIs(t, wrapped, tc.sentinel, "lost through a wrapper")
			assert.NotErrorIs(t, tc.err, context.Canceled)
			if tc.also != nil {
				assert.ErrorIs(t, tc.err, tc.also)
			}
			msg := tc.err.Error()
			assert.True(t, strings.HasPrefix(msg, tc.prefix), "%q does not start with %q", msg, tc.prefix)
			assert.NotEqual(t, " ", msg[:1])
		})
	}
}

func TestErrorDetails(t *testing.T) {
	t.Parallel()
	ge := &sms.GuardError{Kind: ticketKind, ID: "T-1", Unmet: []sms.Requirement{reqOwnTicket, reqResolution}}
	assert.Equal(t, []string{"TKT-04", "TKT-03"}, ge.IDs())
	assert.True(t, ge.Has("TKT-03"))
	assert.False(t, ge.Has("TKT-05"))
	assert.Empty(t, (&sms.GuardError{}).IDs())
	create := &sms.GuardError{Kind: ticketKind, Trigger: "open", Unmet: []sms.Requirement{{ID: "TKT-01", Clause: "8.6.1", Text: "a ticket names its owner"}}}
	assert.Equal(t, "ticket: open refused: TKT-01 (clause 8.6.1): a ticket names its owner", create.Error(), "a creating trigger has no status to name")

	var err error = ge
	var target *sms.GuardError
	require.ErrorAs(t, err, &target)
	assert.Same(t, ge, target)

	ve := sms.Invalid(ticketKind, "title", "longer than %d", 80)
	var v *sms.ValidationError
	require.ErrorAs(t, ve, &v)
	assert.Equal(t, sms.ValidationError{Kind: ticketKind, Field: "title", Problem: "longer than 80"}, *v)

	fe := &sms.ForbiddenError{Err: nil}
	assert.Equal(t, []error{sms.ErrForbidden}, fe.Unwrap())
	ce := &sms.CorruptError{}
	assert.Equal(t, []error{sms.ErrCorrupt}, ce.Unwrap())

	assert.Equal(t, "TKT-03 (clause 8.6.1): a finished ticket carries its resolution", reqResolution.String())
}

func TestValidateID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		ok   bool
	}{
		{"simple", "INC-0001", true},
		{"one byte", "x", true},
		{"UUID", "0195f7a2-6c1e-7d3a-9b4f-2e8c1d0a5b6f", true},
		{"inner space", "ticket 42", true},
		{"unicode letters", "Störung-Ü", true},
		{"emoji", "🔥-1", true},
		{"punctuation", "a/b:c#d?e", true},
		{"exactly 128 bytes", strings.Repeat("a", 128), true},
		{"128 bytes of two-byte runes", strings.Repeat("é", 64), true},
		{"empty", "", false},
		{"129 bytes", strings.Repeat("a", 129), false},
		{"129 bytes of three-byte runes", strings.Repeat("€", 43), false},
		{"leading space", " x", false},
		{"trailing space", "x ", false},
		{"only spaces", "   ", false},
		{"trailing newline", "x\n", false},
		{"leading no-break space", "\u00a0x", false},
		{"inner tab", "a\tb", false},
		{"inner newline", "a\nb", false},
		{"NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
		{"C1 control", "a\u0085b", false},
		{"zero-width space", "a\u200bb", false},
		{"bidi override", "a\u202eb", false},
		{"invalid UTF-8", "a\xffb", false},
		{"truncated UTF-8", "a\xc3", false},
		{"surrogate half", "a\xed\xa0\x80", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := sms.ValidateID(tc.id)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, "id", ve.Field)
		})
	}
}

func TestQueryValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		q     sms.Query
		field string
	}{
		{"zero", sms.Query{}, ""},
		{"max limit", sms.Query{Limit: sms.MaxLimit}, ""},
		{"every filter", sms.Query{Status: []string{stOpen}, Service: "s", Owner: "o", Link: sms.Link{Type: "problem", ID: "P-1"}, After: "x", Limit: 1}, ""},
		{"negative limit", sms.Query{Limit: -1}, "query.limit"},
		{"limit too large", sms.Query{Limit: sms.MaxLimit + 1}, "query.limit"},
		{"link without ID", sms.Query{Link: sms.Link{Type: "problem"}}, "query.link"},
		{"link without type", sms.Query{Link: sms.Link{ID: "P-1"}}, "query.link"},
		{"empty status", sms.Query{Status: []string{stOpen, ""}}, "query.status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.q.Validate()
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
}

func TestQueryPageLimit(t *testing.T) {
	t.Parallel()
	assert.Equal(t, sms.DefaultLimit, sms.Query{}.PageLimit())
	assert.Equal(t, 1, sms.Query{Limit: 1}.PageLimit())
	assert.Equal(t, sms.MaxLimit, sms.Query{Limit: sms.MaxLimit}.PageLimit())
}

func TestQueryMatch(t *testing.T) {
	t.Parallel()
	prb := sms.Link{Type: "problem", ID: "P-1"}
	attrs := sms.Attributes{Service: "printing", Owner: "alice", Links: []sms.Link{{Type: "config_item", ID: "P-1"}, prb}}
	cases := []struct {
		name   string
		q      sms.Query
		status string
		a      sms.Attributes
		want   bool
	}{
		{"zero query matches everything", sms.Query{}, stOpen, sms.Attributes{}, true},
		{"status in the list", sms.Query{Status: []string{stDone, stOpen}}, stOpen, attrs, true},
		{"status not in the list", sms.Query{Status: []string{stDone}}, stOpen, attrs, false},
		{"service", sms.Query{Service: "printing"}, stOpen, attrs, true},
		{"other service", sms.Query{Service: "mail"}, stOpen, attrs, false},
		{"owner", sms.Query{Owner: "alice"}, stOpen, attrs, true},
		{"other owner", sms.Query{Owner: "bob"}, stOpen, attrs, false},
		{"link", sms.Query{Link: prb}, stOpen, attrs, true},
		{"same ID, other type", sms.Query{Link: sms.Link{Type: "change", ID: "P-1"}}, stOpen, attrs, false},
		{"link on an entity without links", sms.Query{Link: prb}, stOpen, sms.Attributes{}, false},
		{"every filter", sms.Query{Status: []string{stOpen}, Service: "printing", Owner: "alice", Link: prb}, stOpen, attrs, true},
		{"every filter but one", sms.Query{Status: []string{stOpen}, Service: "printing", Owner: "bob", Link: prb}, stOpen, attrs, false},
		{"the cursor is not a filter", sms.Query{After: "zzz", Limit: 1}, stOpen, attrs, true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.q.Match(tc.status, tc.a), tc.name)
	}
}

func TestLink(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "problem:P-1", sms.Link{Type: "problem", ID: "P-1"}.String())
	assert.True(t, sms.Link{}.IsZero())
	assert.False(t, sms.Link{Type: "problem"}.IsZero())
	assert.False(t, sms.Link{ID: "P-1"}.IsZero())
}

func TestReport(t *testing.T) {
	t.Parallel()
	f := sms.Finding{Code: "TICKET_UNRESOLVED", Requirement: reqResolution, Kind: ticketKind, EntityID: "T-1", Detail: "no resolution"}
	ok := sms.CheckResult{Check: "a", Population: 3}
	bad := sms.CheckResult{Check: "b", Population: 2, Failures: []sms.Finding{f}}
	assert.True(t, ok.Passed())
	assert.False(t, bad.Passed())
	assert.True(t, sms.Report{Results: []sms.CheckResult{ok}}.Passed())
	assert.True(t, sms.Report{}.Passed())
	r := sms.Report{Results: []sms.CheckResult{ok, bad, bad}}
	assert.False(t, r.Passed())
	assert.Equal(t, []sms.Finding{f, f}, r.Findings())
	assert.Empty(t, sms.Report{}.Findings())
	assert.True(t, strings.HasPrefix(f.String(), "TICKET_UNRESOLVED ticket T-1 (TKT-03, clause 8.6.1)"), f.String())
}
