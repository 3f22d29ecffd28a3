package replay_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/replay"
)

// miningRow is a row of miningLog: its state, the hours since the row
// before, and, when not empty, who made it and the team the ticket is
// with.
type miningRow struct {
	state       string
	after       float64
	agent, team string
}

// miningLog writes cases of the helpdesk export whose rows are the given
// states, each row the given hours after the one before.
func miningLog(cases map[string][]miningRow) string {
	var b strings.Builder
	b.WriteString("ticket;status;substatus;changed;agent;title;service;customer;opened;category;impact;urgency;team;worklog;resolution;vendor_ticket\n")
	start := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	for _, id := range []string{"HD-1", "HD-2", "HD-3", "HD-4"} {
		at := start
		prev := ""
		for _, row := range cases[id] {
			at = at.Add(time.Duration(row.after * float64(time.Hour)))
			status, sub, _ := strings.Cut(row.state, "/")
			worklog := ""
			if row.state == "Open/Working" && prev == "Open/Working" {
				worklog = "checked the mail queue"
			}
			if row.state == "Done/Solved" {
				worklog = "customer confirmed"
			}
			agent, team := row.agent, row.team
			if agent == "" {
				agent = "agent-1"
			}
			fmt.Fprintf(&b, "%s;%s;%s;%s;%s;Mail stuck;mail;cust-1;%s;email;2 - Medium;2;%s;%s;solved;\n",
				id, status, sub, at.Format(time.RFC3339), agent, start.Add(-3*time.Minute).Format(time.RFC3339), team, worklog)
			prev = row.state
		}
	}
	return b.String()
}

// TestProcessMiningViews: fitness, variants and the time between states,
// checked by hand on four cases.
func TestProcessMiningViews(t *testing.T) {
	t.Parallel()
	type row = miningRow
	log := miningLog(map[string][]row{
		// Conformant: 1 h unassigned, 2 h assigned, 4 h working, 2 h solved.
		"HD-1": {{"Open/Unassigned", 0, "", ""}, {"Open/Assigned", 1, "", ""}, {"Open/Working", 2, "", ""}, {"Open/Working", 1, "", ""}, {"Done/Solved", 3, "", ""}, {"Done/Closed", 2, "", ""}},
		// Conformant: 3 h, 4 h, 2 h, 10 h.
		"HD-2": {{"Open/Unassigned", 0, "", ""}, {"Open/Assigned", 3, "", ""}, {"Open/Working", 4, "", ""}, {"Open/Working", 1, "", ""}, {"Done/Solved", 1, "", ""}, {"Done/Closed", 10, "", ""}},
		// Closed without a resolution: its last event is refused (INC-06).
		"HD-3": {{"Open/Unassigned", 0, "", ""}, {"Open/Assigned", 1, "", ""}, {"Open/Working", 1, "", ""}, {"Open/Working", 1, "", ""}, {"Done/Closed", 5, "", ""}},
		// Withdrawn after half an hour: conformant.
		"HD-4": {{"Open/Unassigned", 0, "", ""}, {"Done/Withdrawn", 0.5, "", ""}},
	})
	var results []*replay.CaseResult
	sum, err := replay.Run(context.Background(), strings.NewReader(log), mustMapping(t, helpdeskMapping), replay.Options{},
		func(r *replay.CaseResult) error { results = append(results, r); return nil })
	require.NoError(t, err)
	require.Len(t, results, 4)

	byCase := map[string]*replay.CaseResult{}
	for _, r := range results {
		byCase[r.Case] = r
	}
	for id, want := range map[string][3]int{"HD-1": {6, 6}, "HD-2": {6, 6}, "HD-3": {5, 4}, "HD-4": {2, 2}} {
		r := byCase[id]
		assert.Equal(t, want[0], r.Replayed, id)
		assert.Equal(t, want[1], r.Accepted, id)
		assert.InDelta(t, float64(want[1])/float64(want[0]), r.Fitness, 1e-9, id)
	}
	assert.Equal(t, 19, sum.ReplayedEvents)
	assert.Equal(t, 18, sum.AcceptedEvents)
	assert.InDelta(t, 18.0/19.0, sum.Fitness, 1e-9)

	assert.Equal(t, 3, sum.VariantCount)
	assert.Equal(t, []replay.Variant{
		{States: []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Done/Solved", "Done/Closed"}, Cases: 2, Conformant: 2},
		{States: []string{"Open/Unassigned", "Done/Withdrawn"}, Cases: 1, Conformant: 1},
		{States: []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Done/Closed"}, Cases: 1, Conformant: 0},
	}, sum.Variants)

	edge := func(from, to string) replay.Edge {
		for _, e := range sum.Edges {
			if e.From == from && e.To == to {
				return e
			}
		}
		t.Fatalf("no edge %s -> %s", from, to)
		return replay.Edge{}
	}
	near := func(want time.Duration, got time.Duration, what string) {
		t.Helper()
		assert.InEpsilon(t, want.Seconds(), got.Seconds(), 0.006, "%s: %s", what, got)
	}
	e := edge("Open/Unassigned", "Open/Assigned") // 1 h, 3 h, 1 h
	assert.Equal(t, 3, e.Count)
	near(time.Hour, e.Median, "median unassigned")
	near(3*time.Hour, e.P90, "p90 unassigned")
	e = edge("Open/Working", "Done/Solved") // 4 h (the repeated row does not restart the state), 2 h
	near(2*time.Hour, e.Median, "median working")
	near(4*time.Hour, e.P90, "p90 working")
	e = edge("Open/Unassigned", "Done/Withdrawn")
	near(30*time.Minute, e.Median, "median withdrawn")
	e = edge("", "Open/Unassigned")
	assert.Equal(t, 4, e.Count)
	assert.Zero(t, e.Median, "a case's start has no time before it")

	mm := sum.Mermaid()
	assert.Contains(t, mm, `|"3, median 1.0h"|`)
	assert.Contains(t, mm, "median 30m")
	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "fitness            0.9474 (18 of 19 events replayed fit the workflow)")
	assert.Contains(t, text.String(), "Open/Unassigned > Open/Assigned > Open/Working > Done/Solved > Done/Closed")
}

// TestResourceViews: the actors, the support groups and the hand-offs
// between groups, checked by hand.
func TestResourceViews(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, strings.Replace(helpdeskMapping, `"actor": {"column": "agent"},`, `"actor": {"column": "agent"}, "group": {"column": "team"},`, 1))
	log := miningLog(map[string][]miningRow{
		// desk > network > desk > network: three hand-offs, back to a
		// group it had left.
		"HD-1": {{"Open/Unassigned", 0, "ann", "desk"}, {"Open/Assigned", 1, "ann", "network"}, {"Open/Working", 1, "bob", "desk"},
			{"Open/Working", 1, "bob", ""}, {"Done/Solved", 1, "bob", "network"}, {"Done/Closed", 1, "ann", "network"}},
		// desk > network once; closed without a resolution by carl: the
		// refusal is carl's and the network's.
		"HD-2": {{"Open/Unassigned", 0, "ann", "desk"}, {"Open/Assigned", 1, "ann", "network"}, {"Open/Working", 1, "bob", "network"},
			{"Open/Working", 1, "bob", "network"}, {"Done/Closed", 1, "carl", "network"}},
	})
	sum, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{}, nil)
	require.NoError(t, err)

	assert.Equal(t, 3, sum.ResourceCount)
	assert.Equal(t, []replay.Resource{
		{Name: "ann", Events: 5, Accepted: 5, Cases: 2},
		{Name: "bob", Events: 5, Accepted: 5, Cases: 2},
		{Name: "carl", Events: 1, Accepted: 0, Cases: 1, Deviations: 1},
	}, sum.Resources, "ann and bob tie on events: by name")
	assert.Equal(t, 2, sum.GroupCount)
	assert.Equal(t, []replay.Resource{
		{Name: "network", Events: 7, Accepted: 6, Cases: 2, Deviations: 1},
		{Name: "desk", Events: 3, Accepted: 3, Cases: 2},
	}, sum.Groups, "the row without a team counts for no group")
	assert.Equal(t, 4, sum.HandOffTotal)
	assert.Equal(t, []replay.HandOff{
		{From: "desk", To: "network", Count: 3, Cases: 2},
		{From: "network", To: "desk", Count: 1, Cases: 1},
	}, sum.HandOffs)
	assert.Equal(t, 1, sum.PingPongCases)

	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "4 hand-offs between groups, 1 cases back to a group they had left")
	assert.Contains(t, text.String(), "desk > network")
}

// TestFilter: a period and an attribute select the cases replayed; the
// others are counted apart and in nothing else.
func TestFilter(t *testing.T) {
	t.Parallel()
	log, _ := generate(7, 3) // case i starts at 08:00 + 7i minutes
	var order []string       // the cases in file order: case i starts at 08:00 + 7i minutes
	all, err := replay.Run(context.Background(), strings.NewReader(log), mustMapping(t, helpdeskMapping), replay.Options{},
		func(r *replay.CaseResult) error { order = append(order, r.Case); return nil })
	require.NoError(t, err)
	require.Equal(t, 7, all.Cases)

	m := mustMapping(t, helpdeskMapping)
	m.Filter.Since = time.Date(2025, 1, 1, 8, 14, 0, 0, time.UTC)
	m.Filter.Until = time.Date(2025, 1, 1, 8, 28, 0, 0, time.UTC)
	var kept []string
	sum, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{},
		func(r *replay.CaseResult) error { kept = append(kept, r.Case); return nil })
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Cases, "08:14 and 08:21: since is in, until out")
	assert.Equal(t, 5, sum.Filtered)
	assert.Equal(t, all.Rows, sum.Rows, "every row is read")
	assert.Equal(t, order[2:4], kept)
	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "filtered: 5 cases")

	team := mustMapping(t, helpdeskMapping)
	team.Filter.Where = map[string][]string{"team": {"network", "desk"}}
	twoTeams := miningLog(map[string][]miningRow{
		"HD-1": {{"Open/Unassigned", 0, "", "desk"}, {"Done/Withdrawn", 1, "", "desk"}},
		"HD-2": {{"Open/Unassigned", 0, "", "mail"}, {"Done/Withdrawn", 1, "", "network"}},
		"HD-3": {{"Open/Unassigned", 0, "", "mail"}, {"Done/Withdrawn", 1, "", "mail"}},
		"HD-4": {{"Open/Unassigned", 0, "", ""}, {"Done/Withdrawn", 1, "", ""}},
	})
	var ids []string
	sum, err = replay.Run(context.Background(), strings.NewReader(twoTeams), team, replay.Options{},
		func(r *replay.CaseResult) error { ids = append(ids, r.Case); return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"HD-1", "HD-2"}, ids, "a case with a row of either team")
	assert.Equal(t, 2, sum.Filtered)

	team.Filter.Where = map[string][]string{"team": {""}}
	ids = nil
	_, err = replay.Run(context.Background(), strings.NewReader(twoTeams), team, replay.Options{},
		func(r *replay.CaseResult) error { ids = append(ids, r.Case); return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"HD-4"}, ids, "a null is the empty value")
}

// TestFilterRefused: a filter that cannot select is a mapping error,
// from the JSON or set by a host, before any row is read.
func TestFilterRefused(t *testing.T) {
	t.Parallel()
	with := func(filter string) string {
		return strings.Replace(helpdeskMapping, `"null": ["", "NULL"],`, `"null": ["", "NULL"], "filter": `+filter+`,`, 1)
	}
	for name, filter := range map[string]string{
		"since after until": `{"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}`,
		"no value":          `{"where": {"team": []}}`,
		"not a time":        `{"since": "yesterday"}`,
		"empty column":      `{"where": {"": ["x"]}}`,
	} {
		_, err := replay.ParseMapping(strings.NewReader(with(filter)))
		var me *replay.MappingError
		assert.ErrorAs(t, err, &me, name)
	}
	m := mustMapping(t, with(`{"since": "2025-01-01T08:14:00+00:00", "where": {"team": ["desk"]}}`))
	assert.Equal(t, time.Date(2025, 1, 1, 8, 14, 0, 0, time.UTC), m.Filter.Since.UTC())

	log, _ := generate(2, 1)
	m = mustMapping(t, helpdeskMapping)
	m.Filter.Until = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	m.Filter.Since = m.Filter.Until
	_, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{}, nil)
	var me *replay.MappingError
	require.ErrorAs(t, err, &me, "set by a host")
	m = mustMapping(t, helpdeskMapping)
	m.Filter.Where = map[string][]string{"no_such_column": {"x"}}
	_, err = replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{}, nil)
	require.ErrorAs(t, err, &me, "a column the log lacks")
	assert.Contains(t, err.Error(), "no_such_column")
}
