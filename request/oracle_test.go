package request_test

import (
	"github.com/iso20k/sms/request"
)

// The oracles, written by hand from REQUIREMENTS.md section 3 and issue 4,
// independently of the workflow tables: for each status, the triggers it
// permits and where they lead; "=" (smstest.Stay) means the status stays.
// The process kit (kit_test.go) checks them against the workflows and
// fires every cell.
var oracle = map[request.Status]map[request.Trigger]string{
	request.StatusNew: {
		"prioritise": "=", "request_approval": "awaiting_approval", "start_fulfilment": "in_fulfilment", "record_action": "=",
		"cancel": "cancelled", "convert_to_incident": "cancelled", "note": "=",
	},
	request.StatusAwaitingApproval: {
		"prioritise": "=", "approve": "=", "grant": "approved", "reject": "rejected", "record_action": "=", "cancel": "cancelled", "note": "=",
	},
	request.StatusApproved: {
		"prioritise": "=", "start_fulfilment": "in_fulfilment", "record_action": "=", "cancel": "cancelled", "note": "=",
	},
	request.StatusRejected: {"note": "="},
	request.StatusInFulfilment: {
		"prioritise": "=", "hold": "on_hold", "complete_task": "=", "skip_task": "=", "record_action": "=",
		"fulfil": "fulfilled", "cancel": "cancelled", "note": "=",
	},
	request.StatusOnHold:    {"prioritise": "=", "resume": "in_fulfilment", "record_action": "=", "note": "="},
	request.StatusFulfilled: {"close": "closed", "note": "="},
	request.StatusClosed:    {"note": "="},
	request.StatusCancelled: {"note": "="},
}

var itemOracle = map[request.ItemStatus]map[request.ItemTrigger]string{
	request.ItemDraft:     {"revise": "=", "publish": "published", "retire": "retired", "note": "="},
	request.ItemPublished: {"revise": "=", "retire": "retired", "note": "="},
	request.ItemRetired:   {"note": "="},
}
