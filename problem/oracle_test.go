package problem_test

import (
	"github.com/iso20k/sms/problem"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from REQUIREMENTS.md section 4 and issue 4, independently
// of the workflow table. "=" (smstest.Stay) means the status stays. The
// process kit (kit_test.go) checks the oracles against the workflows and
// fires every cell.
var oracle = map[problem.Status]map[problem.Trigger]string{
	problem.StatusNew: {
		"classify": "=", "assess": "assessed", "cancel": "cancelled", "record_action": "=", "link": "=", "note": "=",
	},
	problem.StatusAssessed: {
		"classify": "=", "start_rca": "rca", "cancel": "cancelled", "escalate": "=", "record_action": "=", "link": "=", "note": "=",
	},
	problem.StatusRCA: {
		"classify": "=", "record_root_cause": "=", "declare_known_error": "known_error", "start_fix": "fix_in_progress",
		"request_risk_acceptance": "=", "approve_risk": "=", "resolve": "resolved",
		"escalate": "=", "record_action": "=", "link": "=", "note": "=",
	},
	problem.StatusKnownError: {
		"classify": "=", "record_root_cause": "=", "start_fix": "fix_in_progress",
		"request_risk_acceptance": "=", "approve_risk": "=", "resolve": "resolved", "propagate": "=",
		"escalate": "=", "record_action": "=", "link": "=", "note": "=",
	},
	problem.StatusFixInProgress: {
		"classify": "=", "record_root_cause": "=",
		"request_risk_acceptance": "=", "approve_risk": "=", "resolve": "resolved", "propagate": "=",
		"escalate": "=", "record_action": "=", "link": "=", "note": "=",
	},
	problem.StatusResolved: {
		"recur": "rca", "close": "closed", "propagate": "=", "link": "=", "note": "=",
	},
	problem.StatusClosed:    {"note": "="},
	problem.StatusCancelled: {"note": "="},
}

var keOracle = map[problem.KEStatus]map[problem.KETrigger]string{
	problem.KEDraft:     {"revise": "=", "publish": "published", "retire": "retired", "note": "="},
	problem.KEPublished: {"revise": "=", "review": "=", "retire": "retired", "note": "="},
	problem.KERetired:   {"note": "="},
}
