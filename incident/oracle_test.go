package incident_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from REQUIREMENTS.md section 2 and the package doc,
// independently of the workflow table. "=" means the status stays.
var oracle = map[incident.Status]map[incident.Trigger]string{
	incident.StatusNew: {
		"classify": "=", "assign": "assigned", "cancel": "cancelled", "convert_to_request": "cancelled",
		"note": "=", "link": "=", "record_action": "=",
		"propose_major": "=", "accept_major": "=", "reject_major": "=", "hand_over_major": "=", "notify_management": "=",
	},
	incident.StatusAssigned: {
		"classify": "=", "assign": "assigned", "start": "in_progress", "hold": "on_hold", "escalate": "=",
		"record_action": "=", "note": "=", "link": "=", "resolve": "resolved", "cancel": "cancelled",
		"propose_major": "=", "accept_major": "=", "reject_major": "=", "hand_over_major": "=", "notify_management": "=",
	},
	incident.StatusInProgress: {
		"classify": "=", "assign": "assigned", "hold": "on_hold", "escalate": "=",
		"record_action": "=", "note": "=", "link": "=", "resolve": "resolved",
		"propose_major": "=", "accept_major": "=", "reject_major": "=", "hand_over_major": "=", "notify_management": "=",
	},
	incident.StatusOnHold: {
		"classify": "=", "assign": "assigned", "resume": "in_progress", "escalate": "=",
		"record_action": "=", "note": "=", "link": "=",
		"propose_major": "=", "accept_major": "=", "reject_major": "=", "hand_over_major": "=", "notify_management": "=",
	},
	incident.StatusResolved: {
		"reopen": "in_progress", "close": "closed", "note": "=", "link": "=",
		"hand_over_major": "=", "notify_management": "=", "review_major": "=",
	},
	incident.StatusClosed: {
		"note": "=", "review_major": "=",
	},
	incident.StatusCancelled: {
		"note": "=",
	},
}

// majorStateFor is the major-incident state an allowed trigger needs.
func majorStateFor(tr incident.Trigger) incident.MajorState {
	switch tr {
	case incident.TriggerAcceptMajor, incident.TriggerRejectMajor:
		return incident.MajorCandidate
	case incident.TriggerHandOver, incident.TriggerNotify, incident.TriggerReview:
		return incident.MajorAccepted
	}
	return incident.MajorNone
}

func permittedByOracle(s incident.Status) []string {
	var out []string
	for tr := range oracle[s] {
		out = append(out, string(tr))
	}
	sort.Strings(out)
	return out
}

// TestOracle fires every trigger from every status. An allowed cell
// succeeds and lands where the oracle says; a refused cell fails with a
// *sms.TransitionError naming exactly the triggers the oracle permits, and
// changes nothing.
func TestOracle(t *testing.T) {
	t.Parallel()
	for _, status := range incident.Statuses() {
		for _, tr := range incident.Triggers()[1:] { // every trigger but log
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, incident.DefaultPolicy())
				want, allowed := oracle[status][tr]
				major := incident.MajorNone
				if allowed {
					major = majorStateFor(tr)
				}
				inc := f.to(t, status, major)
				before := f.snap(t, inc.ID)
				got, err := f.svc.Do(f.ctx, actingFor(validCommand(tr)), inc.ID, validCommand(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, string(status), te.State)
					assert.Equal(t, permittedByOracle(status), te.Permitted)
					if tr != incident.TriggerNote {
						require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
						assert.Regexp(t, `^INC-\d\d$`, te.Requirements[0].ID)
					}
					f.requireUnchanged(t, inc.ID, before)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, incident.Status(want), got.Status)
				assert.Equal(t, inc.Version+1, got.Version)
				stored, err := f.svc.Get(f.ctx, inc.ID)
				require.NoError(t, err)
				assert.Equal(t, got, stored)
				require.NoError(t, f.svc.Verify(f.ctx, inc.ID))
			})
		}
	}
}

// TestOracleCoversWorkflow checks the other direction: the workflow table
// permits nothing the oracle does not.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := incident.Workflow()
	for _, s := range incident.Statuses() {
		assert.Equal(t, permittedByOracle(s), wf.Triggers(string(s)), "status %s", s)
		for _, tr := range incident.Triggers()[1:] {
			to, ok := wf.Next(string(s), string(tr))
			want, allowed := oracle[s][tr]
			require.Equal(t, allowed, ok, "%s from %s", tr, s)
			if want == "=" {
				want = string(s)
			}
			if ok {
				assert.Equal(t, want, to, "%s from %s", tr, s)
			}
		}
	}
	assert.True(t, slices.Contains(incident.Triggers(), incident.TriggerLog))
	assert.True(t, wf.Terminal(string(incident.StatusClosed)))
	assert.True(t, wf.Terminal(string(incident.StatusCancelled)))
	assert.False(t, wf.Terminal(string(incident.StatusResolved)))
}
