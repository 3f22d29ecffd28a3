package sms

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/looplab/fsm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lamp is a two-state entity for white-box tests of the workflow compiler.
type lamp struct {
	Meta
	Status string
}

func (*lamp) EntityKind() Kind         { return "lamp" }
func (l *lamp) State() string          { return l.Status }
func (l *lamp) SetState(s string)      { l.Status = s }
func (l *lamp) Attributes() Attributes { return Attributes{} }
func (l *lamp) Clone() *lamp           { c := *l; return &c }

func lampWorkflow(t *testing.T) *Workflow[*lamp] {
	t.Helper()
	apply := func(*Transition[*lamp]) {}
	roles := []Role{"electrician"}
	wf, err := NewWorkflow(Definition[*lamp]{
		Kind:   "lamp",
		States: []string{"off", "on"},
		New:    func() *lamp { return &lamp{} },
		Rules: []Rule[*lamp]{
			{Trigger: "install", To: "off", Roles: roles, Command: lampCmd{}, Apply: apply},
			{Trigger: "switch_on", From: []string{"off"}, To: "on", Roles: roles, Command: lampCmd{}, Apply: apply},
			{Trigger: "switch_off", From: []string{"on"}, To: "off", Roles: roles, Command: lampCmd{}, Apply: apply},
			{Trigger: "dust", From: []string{"off", "on"}, Roles: roles, Command: lampCmd{}, Apply: apply},
		},
	})
	require.NoError(t, err)
	return wf
}

func TestFsmFireTranslatesLooplab(t *testing.T) {
	t.Parallel()
	wf := lampWorkflow(t)
	cases := []struct {
		state, trigger string
		want           string
		ok             bool
	}{
		{"off", "switch_on", "on", true},
		{"on", "switch_off", "off", true},
		{"off", "dust", "off", true}, // looplab's NoTransitionError is a success
		{"on", "dust", "on", true},
		{"off", "switch_off", "", false},
		{"on", "install", "", false},
		{"on", "explode", "", false},
	}
	for _, tc := range cases {
		got, err := fsmFire(wf.events, tc.state, tc.trigger)
		if tc.ok {
			assert.NoError(t, err, "%s from %s", tc.trigger, tc.state)
			assert.Equal(t, tc.want, got)
			continue
		}
		var te *TransitionError
		require.ErrorAs(t, err, &te, "%s from %s", tc.trigger, tc.state)
		assert.ErrorIs(t, err, ErrTransition)
		assert.Equal(t, tc.state, te.State)
		assert.Equal(t, tc.trigger, te.Trigger)
		assert.ElementsMatch(t, wf.Triggers(tc.state), te.Permitted)
		// looplab's value-type errors never leak.
		var invalid fsm.InvalidEventError
		var unknown fsm.UnknownEventError
		assert.False(t, errors.As(err, &invalid) || errors.As(err, &unknown))
	}
}

func TestCheckEngineCatchesDisagreement(t *testing.T) {
	t.Parallel()
	require.NoError(t, lampWorkflow(t).checkEngine())
	cases := []struct {
		name   string
		tamper func(w *Workflow[*lamp])
	}{
		{"event leads elsewhere", func(w *Workflow[*lamp]) { w.events[0].Dst = "off" }},
		{"event missing", func(w *Workflow[*lamp]) { w.events = w.events[1:] }},
		{"extra source state", func(w *Workflow[*lamp]) { w.events[0].Src = append(w.events[0].Src, "on") }},
		{"table entry missing", func(w *Workflow[*lamp]) { delete(w.table, ruleKey{"switch_on", "off"}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := lampWorkflow(t)
			tc.tamper(w)
			assert.Error(t, w.checkEngine())
		})
	}
}

func TestCompiledTable(t *testing.T) {
	t.Parallel()
	wf := lampWorkflow(t)
	// The creation trigger is never fired from a state, so it is not in
	// the role index that refuses unknown triggers.
	assert.NotContains(t, wf.byTrig, "install")
	assert.Equal(t, []string{"dust", "switch_on"}, wf.fromSt["off"])
	assert.Len(t, wf.events, 4, "one looplab event per (rule, source state)")
	assert.Equal(t, "off", wf.initial)
	for _, ev := range wf.events {
		assert.Len(t, ev.Src, 1)
		got, ok := wf.Next(ev.Src[0], ev.Name)
		assert.True(t, ok)
		assert.Equal(t, ev.Dst, got)
	}
}

func TestAppendReqDeduplicates(t *testing.T) {
	t.Parallel()
	a := Requirement{ID: "A-1", Clause: "1", Text: "a"}
	b := Requirement{ID: "B-1", Clause: "1", Text: "b"}
	var list []Requirement
	for _, r := range []Requirement{a, b, a, b, a} {
		list = appendReq(list, r)
	}
	assert.Equal(t, []Requirement{a, b}, list)
	// Same ID with another sentence is another requirement text: kept.
	a2 := a
	a2.Text = "a, said differently"
	assert.Equal(t, []Requirement{a, b, a2}, appendReq(slices.Clone(list), a2))
}

func TestSubject(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `ticket "T-1"`, subject("ticket", "T-1"))
	assert.Equal(t, "ticket", subject("ticket", ""))
	assert.Equal(t, `sms "T-1"`, subject("", "T-1"))
	assert.Equal(t, "sms", subject("", ""))
}

type lampCmd struct{}

func (lampCmd) Validate() error { return nil }

func TestEntryIDsAreUUIDv7(t *testing.T) {
	t.Parallel()
	g := newIDSource()
	seen := map[string]bool{}
	for range 20000 {
		id, err := g.next()
		require.NoError(t, err)
		u, err := uuid.Parse(id)
		require.NoError(t, err, id)
		require.Equal(t, uuid.Version(7), u.Version(), id)
		require.Equal(t, uuid.RFC4122, u.Variant(), id)
		require.False(t, seen[id], "ID %s made twice", id)
		seen[id] = true
		ms := int64(u[0])<<40 | int64(u[1])<<32 | int64(u[2])<<24 | int64(u[3])<<16 | int64(u[4])<<8 | int64(u[5])
		require.InDelta(t, time.Now().UnixMilli(), ms, 5000)
	}
}
