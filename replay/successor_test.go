package replay_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
)

// successorMapping is helpdeskMapping following a case out of closed onto a
// successor, with the route a successor takes to work in progress.
func successorMapping(t *testing.T) *replay.Mapping {
	t.Helper()
	js := strings.Replace(helpdeskMapping, `"policy": {"auto_close_after": "1h"}`, `"policy": {"auto_close_after": "1h", "successor": true}`, 1)
	js = strings.Replace(js, `"routes": [`, `"routes": [
    {"from": ["new"], "to": "in_progress", "triggers": ["classify", "assign", "start"]},`, 1)
	require.NotEqual(t, helpdeskMapping, js)
	return mustMapping(t, js)
}

// caseLog writes one case of the helpdesk shape through the given states,
// two hours apart.
func caseLog(id string, steps ...string) string {
	var b strings.Builder
	b.WriteString("ticket;status;substatus;changed;agent;title;service;customer;opened;category;impact;urgency;team;worklog;resolution;vendor_ticket\n")
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, step := range steps {
		status, sub, _ := strings.Cut(step, "/")
		worklog := "worked on it"
		if step == "Done/Solved" {
			worklog = "customer confirmed"
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;agent-1;Mail stuck;mail;cust-1;%s;email;2;2;service-desk;%s;solved;\n",
			id, status, sub, at.Format(time.RFC3339), at.Add(-time.Minute).Format(time.RFC3339), worklog)
		at = at.Add(2 * time.Hour)
	}
	return b.String()
}

var closedThenAgain = []string{"Open/Unassigned", "Open/Assigned", "Open/Working", "Open/Working", "Done/Solved", "Done/Closed",
	"Open/Working", "Open/Working", "Done/Solved", "Done/Closed"}

// A history that goes on after closure: by default an INC-16 deviation;
// with Policy.Successor, the case goes on in a successor linked to the
// closed incident, both stored, both verifying, and the case conforms.
func TestReplayFollowsSuccessor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	replayOne := func(m *replay.Mapping) (*replay.CaseResult, *memstore.Store[*incident.Incident]) {
		target := memstore.New[*incident.Incident]()
		var got []*replay.CaseResult
		_, err := replay.Run(ctx, strings.NewReader(caseLog("HD-1", closedThenAgain...)), m, replay.Options{Target: target},
			func(r *replay.CaseResult) error { got = append(got, r); return nil })
		require.NoError(t, err)
		require.Len(t, got, 1)
		return got[0], target
	}

	plain, _ := replayOne(mustMapping(t, helpdeskMapping))
	require.False(t, plain.Conformant)
	assert.Equal(t, []string{"INC-16"}, plain.Deviations[0].IDs())
	assert.Empty(t, plain.Incidents)

	res, target := replayOne(successorMapping(t))
	assert.True(t, res.Conformant, "%+v", res.Deviations)
	assert.Equal(t, []string{"HD-1", "HD-1-2"}, res.Incidents)
	assert.Equal(t, incident.StatusClosed, res.Status)
	first, err := target.Get(ctx, "HD-1")
	require.NoError(t, err)
	assert.Equal(t, incident.StatusClosed, first.Status)
	next, err := target.Get(ctx, "HD-1-2")
	require.NoError(t, err)
	assert.Equal(t, incident.StatusClosed, next.Status)
	assert.Contains(t, next.Links, sms.Link{Type: incident.LinkReopenedFrom, ID: "HD-1"})
	for _, id := range res.Incidents {
		j, err := target.Journal(ctx, id)
		require.NoError(t, err)
		require.NoError(t, sms.VerifyJournal(j))
	}
	j, err := target.Journal(ctx, "HD-1")
	require.NoError(t, err)
	assert.Equal(t, string(incident.TriggerClose), j[len(j)-1].Trigger, "the closed incident stays closed")

	// A successor refused (the row lacks what a report needs) is a
	// deviation, and the case stays on the closed incident.
	lines := strings.Split(caseLog("HD-1", closedThenAgain...), "\n")
	for i := 7; i < len(lines); i++ { // the rows after the closure: header, then six rows
		lines[i] = strings.Replace(lines[i], "Mail stuck", "", 1)
	}
	var got []*replay.CaseResult
	_, err = replay.Run(ctx, strings.NewReader(strings.Join(lines, "\n")), successorMapping(t), replay.Options{},
		func(r *replay.CaseResult) error { got = append(got, r); return nil })
	require.NoError(t, err)
	require.Len(t, got, 1)
	r := got[0]
	require.False(t, r.Conformant)
	assert.Equal(t, incident.TriggerLog, r.Deviations[0].Trigger)
	assert.Equal(t, []string{"INC-01"}, r.Deviations[0].IDs())
	assert.Equal(t, 7, r.Deviations[0].Row-r.FirstRow+1, "the first row after the closure")
	assert.Empty(t, r.Incidents)
	assert.Equal(t, incident.StatusClosed, r.Status)
}
