package sms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckHelpers(t *testing.T) {
	t.Parallel()
	const k sms.Kind = "thing"
	invalid := func(err error, field string) {
		t.Helper()
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, k, ve.Kind)
		assert.Equal(t, field, ve.Field)
	}
	assert.NoError(t, sms.CheckText(k, "note", "ünïcødé", 20))
	invalid(sms.CheckText(k, "note", strings.Repeat("x", 21), 20), "note")
	invalid(sms.CheckText(k, "note", "\xff", 20), "note")
	assert.NoError(t, sms.CheckTexts(k, "notes", []string{"a", "b"}, 5))
	invalid(sms.CheckTexts(k, "notes", []string{"a", "toolong"}, 5), "notes")
	invalid(sms.CheckTexts(k, "notes", make([]string, sms.MaxList+1), 5), "notes")

	assert.NoError(t, sms.CheckRef(k, "ref", ""))
	assert.NoError(t, sms.CheckRef(k, "ref", "PRB-1"))
	invalid(sms.CheckRef(k, "ref", " PRB-1"), "ref")
	invalid(sms.CheckRef(k, "ref", "a\nb"), "ref")
	assert.NoError(t, sms.CheckRefs(k, "refs", []string{"a", "b"}))
	invalid(sms.CheckRefs(k, "refs", []string{"a", ""}), "refs")
	invalid(sms.CheckRefs(k, "refs", []string{"a", "\x00"}), "refs")
	invalid(sms.CheckRefs(k, "refs", make([]string, sms.MaxList+1)), "refs")

	assert.NoError(t, sms.CheckTime(k, "at", time.Time{}))
	assert.NoError(t, sms.CheckTime(k, "at", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	invalid(sms.CheckTime(k, "at", time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)), "at")
	invalid(sms.CheckTime(k, "at", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), "at")

	first := errors.New("first")
	assert.Nil(t, sms.FirstError(nil, nil))
	assert.Equal(t, first, sms.FirstError(nil, first, errors.New("second")))
	assert.True(t, sms.Blank(" \t\n"))
	assert.False(t, sms.Blank(" x "))

	at := time.Date(2026, 1, 1, 10, 0, 0, 123456789, time.FixedZone("X", 3600))
	assert.Equal(t, time.Date(2026, 1, 1, 9, 0, 0, 123456000, time.UTC), sms.Micro(at))
	assert.Equal(t, time.UTC, sms.Micro(at).Location())

	type status string
	assert.Equal(t, []string{"a", "b"}, sms.StatesOf[status]("a", "b"))
	valid := func(s status) bool { return s == "open" || s == "done" }
	got, err := sms.StatusFilter(k, []status{"open", "done"}, valid)
	require.NoError(t, err)
	assert.Equal(t, []string{"open", "done"}, got)
	_, err = sms.StatusFilter(k, []status{"open", "gone"}, valid)
	invalid(err, "query.status")
}

func TestCommandOf(t *testing.T) {
	t.Parallel()
	type a struct{ sms.Command }
	type b struct{ sms.Command }
	tr := &sms.Transition[*Ticket]{Command: a{}}
	_, isA := any(sms.CommandOf[a](tr)).(a)
	assert.True(t, isA)
	assert.Equal(t, b{}, sms.CommandOf[b](tr), "a foreign command gives the zero value, not a panic")
}

func TestMachineEachAndPermittedAs(t *testing.T) {
	t.Parallel()
	h := newTicketEnv(t, sms.Options{})
	ids := []string{"T-1", "T-2", "T-3", "T-4", "T-5"}
	for _, id := range ids {
		h.file(t, id)
	}
	var seen []string
	require.NoError(t, h.m.Each(context.Background(), sms.Query{Limit: 2}, func(tk *Ticket) bool { seen = append(seen, tk.ID); return true }))
	assert.Equal(t, ids, seen)
	n := 0
	require.NoError(t, h.m.Each(context.Background(), sms.Query{Limit: 2}, func(*Ticket) bool { n++; return n < 3 }))
	assert.Equal(t, 3, n, "Each stops when fn returns false")
	assert.ErrorIs(t, h.m.Each(context.Background(), sms.Query{Limit: -1}, func(*Ticket) bool { return true }), sms.ErrInvalid)

	type trigger string
	tk, err := h.m.Get(context.Background(), ids[0])
	require.NoError(t, err)
	got := sms.PermittedAs[trigger](h.m.Workflow(), tk, alice)
	assert.Equal(t, len(h.m.Workflow().Permitted(tk, alice)), len(got))
	assert.NotEmpty(t, got)
	assert.Nil(t, sms.PermittedAs[trigger](h.m.Workflow(), (*Ticket)(nil), alice))
}

func TestCloneInto(t *testing.T) {
	t.Parallel()
	var buf [3]int
	got := sms.CloneInto(buf[:], []int{1, 2})
	assert.Equal(t, []int{1, 2}, got)
	assert.Equal(t, 2, cap(got), "capacity is clipped")
	got = append(got, 9)
	assert.Equal(t, [3]int{1, 2, 0}, buf, "an append does not write into the rest of the buffer")
	big := []int{1, 2, 3, 4}
	got = sms.CloneInto(buf[:], big)
	assert.Equal(t, big, got)
	got[0] = 7
	assert.Equal(t, 1, big[0], "a list too long for the buffer is copied, not shared")
	assert.Nil(t, sms.CloneInto(buf[:], []int(nil)))
	assert.NotNil(t, sms.CloneInto(buf[:], []int{}), "empty stays empty, not nil")
}

// Lookup: found is the facts and true, not found an answer (false, no
// error), any other failure an error, and an empty ID never looked up.
func TestLookup(t *testing.T) {
	t.Parallel()
	calls := 0
	find := func(_ context.Context, id string) (string, error) {
		calls++
		switch id {
		case "P-1":
			return "plan one", nil
		case "P-broken":
			return "", errors.New("the plan database is down")
		}
		return "", &sms.NotFoundError{Kind: "plan", ID: id}
	}
	ctx := context.Background()
	f, ok, err := sms.Lookup(ctx, "P-1", find)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "plan one", f)
	f, ok, err = sms.Lookup(ctx, "P-9", find)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Empty(t, f)
	_, ok, err = sms.Lookup(ctx, "P-broken", find)
	require.Error(t, err)
	assert.False(t, ok)
	n := calls
	_, ok, err = sms.Lookup(ctx, "", find)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, n, calls, "an empty ID is not looked up")
}

// IsNil tells a nil pointer in an interface from a value.
func TestIsNil(t *testing.T) {
	t.Parallel()
	var p *sms.Meta
	var m map[string]int
	assert.True(t, sms.IsNil(nil))
	assert.True(t, sms.IsNil(p))
	assert.True(t, sms.IsNil(m))
	assert.False(t, sms.IsNil(&sms.Meta{}))
	assert.False(t, sms.IsNil(0))
	assert.False(t, sms.IsNil(""))
}
