package incident_test

import (
	"slices"
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/stretchr/testify/assert"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from REQUIREMENTS.md section 2 and the package doc,
// independently of the workflow table. "=" (smstest.Stay) means the status
// stays. The process kit (kit_test.go) checks the workflow against it and
// fires every cell.
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

// TestTerminalStates: the states the process kit's oracle leaves out are
// the workflow's terminal ones, and log, the creating trigger, is a trigger
// of the package.
func TestTerminalStates(t *testing.T) {
	t.Parallel()
	wf := incident.Workflow()
	assert.True(t, slices.Contains(incident.Triggers(), incident.TriggerLog))
	assert.True(t, wf.Terminal(string(incident.StatusClosed)))
	assert.True(t, wf.Terminal(string(incident.StatusCancelled)))
	assert.False(t, wf.Terminal(string(incident.StatusResolved)))
}
