package sms_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/looplab/fsm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestNewWorkflowRefusesBadDefinitions(t *testing.T) {
	t.Parallel()
	noop := func(*ttx) {}
	anyone := []sms.Role{roleAgent}
	cases := []struct {
		name   string
		change func(d *sms.Definition[*Ticket])
	}{
		{"no kind", func(d *sms.Definition[*Ticket]) { d.Kind = "" }},
		{"no constructor", func(d *sms.Definition[*Ticket]) { d.New = nil }},
		{"no states", func(d *sms.Definition[*Ticket]) { d.States = nil }},
		{"empty state", func(d *sms.Definition[*Ticket]) { d.States = append(d.States, "") }},
		{"duplicate state", func(d *sms.Definition[*Ticket]) { d.States = append(d.States, stWorking) }},
		{"undeclared terminal state", func(d *sms.Definition[*Ticket]) { d.Terminal = []string{"archived"} }},
		{"undeclared From", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: "archive", From: []string{"limbo"}, To: stDone, Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"undeclared To", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: "archive", From: []string{stDone}, To: "archived", Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"no creation rule", func(d *sms.Definition[*Ticket]) { d.Rules = d.Rules[1:] }},
		{"two creation rules", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: "import", To: stOpen, Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"creation rule not leading to the first state", func(d *sms.Definition[*Ticket]) { d.Rules[0].To = stWorking }},
		{"creation rule staying in place", func(d *sms.Definition[*Ticket]) { d.Rules[0].To = "" }},
		{"creation trigger reused from a state", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: trFile, From: []string{stDone}, Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"rule without trigger", func(d *sms.Definition[*Ticket]) { d.Rules[1].Trigger = "" }},
		{"rule without roles", func(d *sms.Definition[*Ticket]) { d.Rules[1].Roles = nil }},
		{"creation rule without roles", func(d *sms.Definition[*Ticket]) { d.Rules[0].Roles = []sms.Role{} }},
		{"rule without Apply", func(d *sms.Definition[*Ticket]) { d.Rules[2].Apply = nil }},
		{"guard without ID", func(d *sms.Definition[*Ticket]) { d.Rules[1].Guards[0].ID = "" }},
		{"guard without clause", func(d *sms.Definition[*Ticket]) { d.Rules[1].Guards[0].Clause = "" }},
		{"guard without check", func(d *sms.Definition[*Ticket]) { d.Rules[1].Guards[0].Check = nil }},
		{"Required without field", func(d *sms.Definition[*Ticket]) { d.Rules[2].Requires[1].Field = "" }},
		{"Required without ID", func(d *sms.Definition[*Ticket]) { d.Rules[2].Requires[1].ID = "" }},
		{"Required without Present", func(d *sms.Definition[*Ticket]) { d.Rules[0].Requires[0].Present = nil }},
		{"Required without clause", func(d *sms.Definition[*Ticket]) { d.Rules[2].Requires[1].Clause = "" }},
		{"rule leaving a terminal state", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: "revive", From: []string{stCancelled}, To: stOpen, Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"two rules for one trigger from one state", func(d *sms.Definition[*Ticket]) {
			d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: trCancel, From: []string{stDone, stWorking}, To: stCancelled, Roles: anyone, Command: ticketCmd{}, Apply: noop})
		}},
		{"one rule naming its source state twice", func(d *sms.Definition[*Ticket]) {
			d.Rules[1].From = []string{stOpen, stOpen}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := ticketDefinition()
			tc.change(&d)
			wf, err := sms.NewWorkflow(d)
			assert.Nil(t, wf)
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, d.Kind, ve.Kind)
			assert.Equal(t, "workflow", ve.Field)
		})
	}
	t.Run("the unchanged definition compiles", func(t *testing.T) {
		t.Parallel()
		wf, err := sms.NewWorkflow(ticketDefinition())
		require.NoError(t, err)
		assert.Equal(t, ticketKind, wf.Kind())
	})
}

// ticketOracle is the ticket workflow written out by hand, state by state:
// an oracle independent of the rule table.
var ticketOracle = map[string]map[string]string{
	stOpen:      {trStart: stWorking, trCancel: stCancelled, trNote: stOpen},
	stWorking:   {trFinish: stDone, trCancel: stCancelled, trNote: stWorking},
	stDone:      {trNote: stDone, trReopen: stWorking},
	stCancelled: {trNote: stCancelled},
}

func TestTicketWorkflowMatchesOracle(t *testing.T) {
	t.Parallel()
	wf := ticketWorkflow(t)
	triggers := []string{trFile, trStart, trFinish, trCancel, trNote, trReopen, "explode", ""}
	for _, s := range append(wf.States(), "limbo", "") {
		for _, trig := range triggers {
			want, wantOK := ticketOracle[s][trig]
			got, ok := wf.Next(s, trig)
			assert.Equal(t, wantOK, ok, "%s from %q allowed", trig, s)
			assert.Equal(t, want, got, "%s from %q target", trig, s)
		}
		var want []string
		for trig := range ticketOracle[s] {
			want = append(want, trig)
		}
		slices.Sort(want)
		assert.Equal(t, want, wf.Triggers(s), "triggers from %q", s)
	}
}

// allTriggers returns every trigger a workflow names, plus one it does not.
func allTriggers[E sms.Entity[E]](wf *sms.Workflow[E]) []string {
	var out []string
	for _, r := range wf.Rules() {
		if !slices.Contains(out, r.Trigger) {
			out = append(out, r.Trigger)
		}
	}
	return append(out, "no_such_trigger")
}

// assertEngineEquivalence fires every (state, trigger) pair on a fresh
// looplab FSM built from wf.Events() and compares with wf.Next.
func assertEngineEquivalence[E sms.Entity[E]](t *testing.T, wf *sms.Workflow[E]) {
	t.Helper()
	allowed := 0
	for _, s := range wf.States() {
		for _, trig := range allTriggers(wf) {
			want, ok := wf.Next(s, trig)
			f := fsm.NewFSM(s, wf.Events(), nil)
			can := f.Can(trig)
			err := f.Event(context.Background(), trig)
			var noTransition fsm.NoTransitionError
			fired := err == nil || errors.As(err, &noTransition)
			assert.Equal(t, ok, can, "Can(%s) from %s", trig, s)
			assert.Equal(t, ok, fired, "Event(%s) from %s: %v", trig, s, err)
			if ok {
				allowed++
				assert.Equal(t, want, f.Current(), "state after %s from %s", trig, s)
				assert.Equal(t, want == s, errors.As(err, &noTransition), "%s from %s: same-state means NoTransitionError", trig, s)
			} else {
				assert.Equal(t, s, f.Current(), "a refused %s from %s moved looplab", trig, s)
				assert.NotContains(t, wf.Triggers(s), trig)
			}
		}
	}
	assert.Positive(t, allowed)
}

func TestEngineEquivalence(t *testing.T) {
	t.Parallel()
	t.Run("ticket", func(t *testing.T) {
		t.Parallel()
		assertEngineEquivalence(t, ticketWorkflow(t))
	})
	t.Run("incident", func(t *testing.T) {
		t.Parallel()
		assertEngineEquivalence(t, incident.Workflow())
	})
}

func TestWorkflowIntrospection(t *testing.T) {
	t.Parallel()
	wf := ticketWorkflow(t)

	t.Run("States and Terminal", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, []string{stOpen, stWorking, stDone, stCancelled}, wf.States())
		assert.True(t, wf.Terminal(stCancelled))
		assert.False(t, wf.Terminal(stDone))
		assert.False(t, wf.Terminal("limbo"))
		s := wf.States()
		s[0] = "mutated"
		assert.Equal(t, stOpen, wf.States()[0], "States returned an alias")
	})

	t.Run("Rules in declaration order", func(t *testing.T) {
		t.Parallel()
		var trigs []string
		for _, r := range wf.Rules() {
			trigs = append(trigs, r.Trigger)
		}
		assert.Equal(t, []string{trFile, trStart, trFinish, trCancel, trNote, trReopen}, trigs)
	})

	t.Run("Triggers sorted and copied", func(t *testing.T) {
		t.Parallel()
		got := wf.Triggers(stWorking)
		assert.Equal(t, []string{trCancel, trFinish, trNote}, got)
		assert.True(t, slices.IsSorted(got))
		got[0] = "mutated"
		assert.Equal(t, []string{trCancel, trFinish, trNote}, wf.Triggers(stWorking))
		assert.Empty(t, wf.Triggers("limbo"))
	})

	t.Run("Permitted is role-filtered and sorted", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			state string
			actor sms.Actor
			want  []string
		}{
			{stOpen, alice, []string{trNote, trStart}},
			{stOpen, lena, []string{trCancel, trNote}},
			{stOpen, rita, []string{trNote}},
			{stOpen, nobody, nil},
			{stWorking, alice, []string{trFinish, trNote}},
			{stWorking, lena, []string{trCancel, trFinish, trNote}},
			{stDone, lena, []string{trNote, trReopen}},
			{stDone, alice, []string{trNote}},
			{stCancelled, lena, []string{trNote}},
			{stOpen, sms.Actor{ID: "multi", Roles: []sms.Role{roleReporter, roleLead, roleAgent}}, []string{trCancel, trNote, trStart}},
			{"limbo", lena, nil},
		}
		for _, tc := range cases {
			got := wf.Permitted(&Ticket{Status: tc.state}, tc.actor)
			assert.Equal(t, tc.want, got, "%s may fire from %s", tc.actor.ID, tc.state)
			assert.True(t, slices.IsSorted(got))
			if len(got) > 0 {
				got[0] = "mutated"
				assert.Equal(t, tc.want, wf.Permitted(&Ticket{Status: tc.state}, tc.actor))
			}
		}
	})

	t.Run("Requirements of source states", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, []sms.Requirement{reqUnfinished}, wf.Requirements(trCancel))
		assert.Empty(t, wf.Requirements(trStart))
		assert.Empty(t, wf.Requirements("explode"))
		r := wf.Requirements(trCancel)
		r[0].ID = "mutated"
		assert.Equal(t, []sms.Requirement{reqUnfinished}, wf.Requirements(trCancel))
	})

	t.Run("Events are copies", func(t *testing.T) {
		t.Parallel()
		ev := wf.Events()
		require.NotEmpty(t, ev)
		before := wf.Events()
		ev[0].Name = "mutated"
		ev[0].Src[0] = "mutated"
		ev[0].Dst = "mutated"
		assert.Equal(t, before, wf.Events())
	})

	t.Run("Rules are copies", func(t *testing.T) {
		t.Parallel()
		// A caller scribbling on what Rules returns must not change the
		// compiled, shared workflow: not its table, nor who may fire.
		wf := ticketWorkflow(t)
		rules := wf.Rules()
		for i := range rules {
			rules[i].Trigger = "mutated"
			for j := range rules[i].Roles {
				rules[i].Roles[j] = roleReporter
			}
			for j := range rules[i].From {
				rules[i].From[j] = "mutated"
			}
			for j := range rules[i].Guards {
				rules[i].Guards[j].ID = "mutated"
			}
			for j := range rules[i].Requires {
				rules[i].Requires[j].Field = "mutated"
			}
		}
		again := wf.Rules()
		assert.Equal(t, trFile, again[0].Trigger)
		assert.Equal(t, []sms.Role{roleLead}, again[3].Roles)
		assert.Equal(t, []string{stOpen, stWorking}, again[3].From)
		assert.Equal(t, reqJustified.ID, again[3].Guards[0].ID)
		assert.Equal(t, "resolution", again[2].Requires[0].Field)
		assert.Equal(t, []string{trCancel, trNote}, wf.Permitted(&Ticket{Status: stOpen}, lena))
		assert.Equal(t, []string{trNote}, wf.Permitted(&Ticket{Status: stOpen}, rita),
			"a reporter gained a trigger through a mutated Rules() result")
	})

	t.Run("the definition is copied at compile time", func(t *testing.T) {
		t.Parallel()
		d := ticketDefinition()
		wf, err := sms.NewWorkflow(d)
		require.NoError(t, err)
		d.States[0] = "mutated"
		d.Rules[3].Roles[0] = roleReporter
		d.Rules[3].From[0] = "mutated"
		assert.Equal(t, stOpen, wf.States()[0])
		assert.Equal(t, []sms.Role{roleLead}, wf.Rules()[3].Roles)
		assert.Equal(t, []string{trNote}, wf.Permitted(&Ticket{Status: stOpen}, rita))
		assert.Contains(t, wf.Mermaid(), "[*] --> open: file")
	})
}

func TestMermaidGolden(t *testing.T) {
	t.Parallel()
	got := ticketWorkflow(t).Mermaid()
	path := filepath.Join("testdata", "ticket.mmd")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestMermaidGolden -update to create the golden file")
	assert.Equal(t, string(want), got)
	assert.Equal(t, got, ticketWorkflow(t).Mermaid(), "Mermaid output is not stable")
}

type arrow struct{ from, to, trigger string }

var mermaidArrow = regexp.MustCompile(`^\s+(\S+) --> (\S+): (.+)$`)

// ourArrows parses wf.Mermaid(): state-changing arrows and in-place
// triggers; the [*] arrows are returned apart.
func ourArrows(t *testing.T, diagram string) (arrows, inPlace []arrow, start string) {
	t.Helper()
	inPlaceLine := regexp.MustCompile(`^\s+%% (\S+), in place: (.+)$`)
	lines := strings.Split(strings.TrimSuffix(diagram, "\n"), "\n")
	require.Equal(t, "stateDiagram-v2", lines[0])
	for _, l := range lines[1:] {
		if m := inPlaceLine.FindStringSubmatch(l); m != nil {
			for _, trig := range strings.Split(m[2], ", ") {
				inPlace = append(inPlace, arrow{m[1], m[1], trig})
			}
			continue
		}
		if strings.HasSuffix(l, " --> [*]") {
			continue
		}
		m := mermaidArrow.FindStringSubmatch(l)
		require.NotNil(t, m, "unparsable line %q", l)
		if m[1] == "[*]" {
			start = m[2] + ": " + m[3]
			continue
		}
		assert.NotEqual(t, m[1], m[2], "self-loop drawn as an arrow: %q", l)
		for _, trig := range strings.Split(m[3], ", ") {
			arrows = append(arrows, arrow{m[1], m[2], trig})
		}
	}
	return arrows, inPlace, start
}

// looplabArrows parses looplab's own Mermaid rendering.
func looplabArrows(t *testing.T, diagram string) (arrows, selfLoops []arrow, start string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(diagram, "\n"), "\n")
	require.Equal(t, "stateDiagram-v2", lines[0])
	for _, l := range lines[1:] {
		if strings.HasPrefix(strings.TrimSpace(l), "[*] --> ") {
			start = strings.TrimPrefix(strings.TrimSpace(l), "[*] --> ")
			continue
		}
		m := mermaidArrow.FindStringSubmatch(l)
		require.NotNil(t, m, "unparsable looplab line %q", l)
		a := arrow{m[1], m[2], m[3]}
		if a.from == a.to {
			selfLoops = append(selfLoops, a)
		} else {
			arrows = append(arrows, a)
		}
	}
	return arrows, selfLoops, start
}

func TestMermaidMatchesLooplab(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, initial, diagram string, events []fsm.EventDesc) {
		t.Helper()
		theirs, err := fsm.VisualizeWithType(fsm.NewFSM(initial, events, nil), fsm.MermaidStateDiagram)
		require.NoError(t, err)
		ourA, ourSelf, ourStart := ourArrows(t, diagram)
		lA, lSelf, lStart := looplabArrows(t, theirs)
		require.NotEmpty(t, lA)
		assert.ElementsMatch(t, lA, ourA, "state-changing arrows differ\nours:\n%s\nlooplab:\n%s", diagram, theirs)
		assert.ElementsMatch(t, lSelf, ourSelf, "in-place triggers differ")
		assert.Equal(t, initial, lStart)
		assert.True(t, strings.HasPrefix(ourStart, initial+": "), "creation arrow %q", ourStart)
	}
	t.Run("ticket", func(t *testing.T) {
		t.Parallel()
		wf := ticketWorkflow(t)
		check(t, wf.States()[0], wf.Mermaid(), wf.Events())
	})
	t.Run("incident", func(t *testing.T) {
		t.Parallel()
		wf := incident.Workflow()
		check(t, wf.States()[0], wf.Mermaid(), wf.Events())
	})
}
