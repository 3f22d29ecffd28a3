package replay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helpdeskMapping reads a log of another shape than ServiceNow's: semicolon
// separated, status and sub-status in two columns, ISO 8601 times with
// offsets, its own state names, and a work-log column. Its agents close the
// tickets, an hour or more after solving them: the closure is the
// auto-closure, since a caller's confirmation is the caller's own act
// (INC-06) and the log's actor is always an agent.
const helpdeskMapping = `{
  "name": "helpdesk-export",
  "comma": ";",
  "case": "ticket",
  "state": {"columns": ["status", "substatus"], "separator": "/"},
  "time": {"column": "changed", "layout": "2006-01-02T15:04:05Z07:00"},
  "actor": {"column": "agent"},
  "null": ["", "NULL"],
  "states": {
    "Open/Unassigned": {"status": "new"},
    "Open/Assigned": {"status": "assigned"},
    "Open/Working": {"status": "in_progress", "on_repeat": ["record_action"]},
    "Pending/Customer": {"status": "on_hold", "hold": "caller"},
    "Pending/Vendor": {"status": "on_hold", "hold": "supplier", "ref": "{vendor_ticket}"},
    "Done/Solved": {"status": "resolved", "on_repeat": ["note"]},
    "Done/Closed": {"status": "closed", "on_repeat": ["note"]},
    "Done/Withdrawn": {"status": "cancelled"}
  },
  "routes": [
    {"from": ["new"], "to": "assigned", "triggers": ["classify", "assign"]},
    {"from": ["assigned"], "to": "in_progress", "triggers": ["start"]},
    {"from": ["on_hold"], "to": "in_progress", "triggers": ["resume"]},
    {"from": ["resolved"], "to": "closed", "triggers": ["close"]},
    {"from": ["closed", "resolved"], "to": "in_progress", "triggers": ["reopen"]}
  ],
  "payloads": {
    "log": {"id": "{ticket}", "summary": "{title}", "service": "{service}", "source": "user",
            "reporter": "{customer}", "reported_at": "{opened|time}"},
    "classify": {"category": "{category}", "impact": "{impact|int}", "urgency": "{urgency|int}"},
    "assign": {"group": "{team}", "assignee": "{agent}"},
    "record_action": {"text": "{worklog,'worked on it'}"},
    "note": {"text": "{worklog,'update'}"},
    "resolve": {"code": "{resolution}", "notes": "{worklog}", "restored_at": "{$time}"},
    "reopen": {"reason": "{worklog}"},
    "close": {"code": "{resolution}", "confirmation": "auto"},
    "cancel": {"reason": "raised_in_error"}
  },
  "policy": {"auto_close_after": "1h"}
}`

// story is one kind of generated case and what the replay must conclude.
type story struct {
	name  string
	steps []string // status/substatus per row
	want  []string // primary requirement IDs expected, in order; nil: conformant
}

var stories = []story{
	{"good", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Open/Working", "Done/Solved", "Done/Closed"}, nil},
	{"customer hold", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Pending/Customer", "Open/Working", "Open/Working", "Done/Solved", "Done/Closed"}, nil},
	{"closed without solution", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Open/Working", "Done/Closed"}, []string{"INC-06"}},
	{"reopened after closing", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Open/Working", "Done/Solved", "Done/Closed", "Open/Working"}, []string{"INC-16"}},
	{"vendor without ticket", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Pending/Vendor"}, []string{"INC-13"}},
	{"solved at first touch", []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Done/Solved"}, []string{"INC-07"}},
	{"withdrawn", []string{"Open/Unassigned", "Done/Withdrawn"}, nil},
}

// generate writes n cases cycling through the stories, each with its own ID,
// times in several offsets, and returns the log and which story each case
// plays.
func generate(n int, seed uint64) (string, map[string]story) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("ticket;status;substatus;changed;agent;title;service;customer;opened;category;impact;urgency;team;worklog;resolution;vendor_ticket\n")
	zones := []*time.Location{time.FixedZone("CEST", 2*3600), time.FixedZone("BRT", -3*3600), time.UTC}
	plays := map[string]story{}
	for i := range n {
		st := stories[i%len(stories)]
		id := fmt.Sprintf("HD-%05d", rng.IntN(90000)+10000+i*100000)
		plays[id] = st
		at := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Minute)
		opened := at.Add(-3 * time.Minute)
		for k, step := range st.steps {
			status, sub, _ := strings.Cut(step, "/")
			worklog := ""
			if step == "Open/Working" && k > 0 && st.steps[k-1] == "Open/Working" {
				worklog = "checked the \"mail\" queue; restarted; it works"
			}
			if step == "Done/Solved" || (step == "Open/Working" && k > 0 && st.steps[k-1] == "Done/Closed") {
				worklog = "customer confirmed"
			}
			z := zones[rng.IntN(len(zones))]
			fmt.Fprintf(&b, "%s;%s;%s;%s;agent-%d;Mail stuck;mail;cust-%d;%s;email;2 - Medium;%d;service-desk;%s;solved;\n",
				id, status, sub, at.In(z).Format(time.RFC3339), rng.IntN(5), i, opened.In(z).Format(time.RFC3339), 1+rng.IntN(3), csvQuote(worklog))
			at = at.Add(time.Duration(1+rng.IntN(50)) * time.Hour)
		}
	}
	return b.String(), plays
}

func mustMapping(t testing.TB, js string) *replay.Mapping {
	t.Helper()
	m, err := replay.ParseMapping(strings.NewReader(js))
	require.NoError(t, err)
	return m
}

// TestAnotherShape replays a generated log of another shape with its own
// mapping: the tool is not tied to one export.
func TestAnotherShape(t *testing.T) {
	t.Parallel()
	log, plays := generate(70, 42)
	m := mustMapping(t, helpdeskMapping)
	target := memstore.New[*incident.Incident]()
	var results []*replay.CaseResult
	sum, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{Target: target, Workers: 3},
		func(r *replay.CaseResult) error { results = append(results, r); return nil })
	require.NoError(t, err)
	assert.Equal(t, len(plays), sum.Cases)
	require.Len(t, results, len(plays))

	conformant := 0
	for _, r := range results {
		st, ok := plays[r.Case]
		require.True(t, ok, "unknown case %s", r.Case)
		var primary []string
		for _, d := range r.Deviations {
			require.NotEmpty(t, d.Requirements, "case %s row %d: a deviation must cite a requirement: %s", r.Case, d.Row, d.Message)
			if !d.Consequence {
				primary = append(primary, d.IDs()...)
			}
		}
		assert.Equal(t, st.want, primary, "case %s (%s): %+v", r.Case, st.name, r.Deviations)
		if st.want == nil {
			conformant++
			assert.True(t, r.Conformant, "case %s (%s)", r.Case, st.name)
		}
		// Every case is stored with a journal that verifies and matches it.
		inc, err := target.Get(context.Background(), r.Case)
		require.NoError(t, err)
		j, err := target.Journal(context.Background(), r.Case)
		require.NoError(t, err)
		require.NoError(t, sms.VerifyJournal(j))
		require.NoError(t, sms.VerifyHead(inc, j))
		assert.Equal(t, r.Status, inc.Status)
	}
	assert.Equal(t, conformant, sum.Conformant)
	events := 0
	for _, st := range plays {
		events += len(st.steps)
	}
	assert.Equal(t, events, sum.Events)
	ids := map[string]bool{}
	for _, rc := range sum.ByRequirement {
		ids[rc.ID] = true
		assert.NotEmpty(t, rc.ExampleCase)
	}
	for _, id := range []string{"INC-06", "INC-07", "INC-13", "INC-16"} {
		assert.True(t, ids[id], "the summary lacks %s", id)
	}
	mm := sum.Mermaid()
	assert.Contains(t, mm, "flowchart LR")
	assert.Contains(t, mm, "refused")
	assert.Contains(t, mm, "linkStyle")
}

// TestStopAtFirst: the policy stops a case at its first refusal.
func TestStopAtFirst(t *testing.T) {
	t.Parallel()
	log, _ := generate(7, 3)
	m := mustMapping(t, helpdeskMapping)
	var results []*replay.CaseResult
	_, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{StopAtFirst: true},
		func(r *replay.CaseResult) error { results = append(results, r); return nil })
	require.NoError(t, err)
	for _, r := range results {
		assert.LessOrEqual(t, len(r.Deviations), 1, r.Case)
	}
	// "reopened after closing" has its refusal on its last row: not stopped;
	// "closed without solution" too. "vendor without ticket" likewise ends
	// at its refusal. None continues past a refusal.
	for _, r := range results {
		if len(r.Deviations) == 1 {
			assert.Equal(t, r.Deviations[0].Row < r.LastRow, r.Stopped, r.Case)
		}
	}
}

// csvQuote quotes a field the CSV way.
func csvQuote(s string) string {
	if s == "" {
		return ""
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
