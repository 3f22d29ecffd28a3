package request_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, eve, ann, abe, fay, eveApprover, actor("ghost")}

var fuzzStrings = []string{"", " ", "order", "configure", "x", "ünïcødé ✓", strings.Repeat("a", 200), "apply"}

// fuzzChanges are the changes a fulfilment may name: each answer of the
// fixture's change management, an unknown change, none.
var fuzzChanges = []string{"", "CHG-OK", "CHG-OPEN", "CHG-NORMAL", "CHG-OTHER-TPL", "CHG-NO-TPL", "CHG-404"}

func fuzzCommand(tr request.Trigger, v byte) request.Command {
	if v%3 == 0 {
		return validCommand(tr)
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	switch tr {
	case request.TriggerPrioritise:
		return request.Prioritisation{Priority: request.Priority(int(v) % 4), Reason: s}
	case request.TriggerApprove:
		return request.Approval{Role: []sms.Role{"", request.RoleApprover, "cfo"}[int(v)%3], Rationale: s}
	case request.TriggerReject:
		return request.Rejection{Reason: s}
	case request.TriggerStartFulfilment:
		return request.FulfilmentStart{Group: s}
	case request.TriggerHold:
		return request.Suspension{Reason: []request.HoldReason{request.HoldRequester, request.HoldSupplier, "x"}[int(v)%3]}
	case request.TriggerCompleteTask:
		return request.TaskCompletion{Task: s}
	case request.TriggerSkipTask:
		return request.TaskSkip{Task: s, Reason: s}
	case request.TriggerRecordAction:
		return request.Action{Text: s}
	case request.TriggerFulfil:
		return request.Fulfilment{Notes: s, Change: fuzzChanges[int(v)/len(fuzzStrings)%len(fuzzChanges)]}
	case request.TriggerClose:
		return request.Closure{Code: []request.CloseCode{request.CloseComplete, "", request.CloseSkipped}[int(v)%3],
			Confirmation: []request.Confirmation{request.ConfirmedByRequester, request.AutoClosed, ""}[int(v)%3]}
	case request.TriggerCancel:
		return request.Cancellation{Reason: []request.CancelReason{request.CancelWithdrawn, ""}[int(v)%2]}
	case request.TriggerConvert:
		return request.Conversion{Incident: s}
	case request.TriggerNote:
		return request.Note{Text: s}
	}
	return validCommand(tr)
}

var workflowGuaranteed = []string{request.CodeRecordIncomplete, request.CodeFulfilmentIncomplete, request.CodeApprovalMissing,
	request.CodeClosureIncomplete, request.CodeTerminationUnjustifed, request.CodeStandardChangeMissing}

// fuzzing is the fixture as the kit's fuzz driver sees it: a request for
// item. Beside the kit's contracts (a refusal is of a known category and
// changes nothing, a success adds one entry and reads back as committed,
// the journal verifies), every success leaves a record that fails no
// conformance check the workflow guarantees.
type fuzzing struct {
	kitInstance
	item, id string
}

func (f *fuzzing) Start(t testing.TB) string {
	f.id = f.submit(t, f.item).ID
	return f.id
}

func (f *fuzzing) Do(ctx context.Context, id string, s smstest.Step) (*request.Request, error) {
	tr, who, v := request.Trigger(s.Trigger), fuzzActors[s.Actor%len(fuzzActors)], s.Variant
	f.clk.Advance(time.Duration(v) * 53 * time.Minute)
	got, err := f.svc.Do(ctx, who, id, fuzzCommand(tr, v))
	if err != nil {
		return got, err
	}
	t := f.t()
	fs, err := request.Check(got, f.clk.Now())
	require.NoError(t, err)
	for _, fd := range fs {
		require.False(t, slices.Contains(workflowGuaranteed, fd.Code), "after %s: %v", tr, fd)
	}
	return got, nil
}

// FuzzTransitions drives random trigger sequences, payloads and actors
// (smstest.FuzzProcess) through a request for the item needing two
// approvals or, for inputs of odd length, the item requiring a standard
// change: refusals change nothing, successes append one entry, the journal
// verifies, and the record never fails a check the workflow guarantees. A
// change lookup that fails is not among the changes named: it is the
// host's error, not a refusal (TestStandardChangeLookupError).
func FuzzTransitions(f *testing.F) {
	// (trigger index from prioritise = 0, actor index, variant) triples.
	f.Add([]byte{1, 0, 0, 2, 2, 0, 2, 3, 0, 3, 0, 0, 5, 0, 0, 8, 4, 0, 8, 4, 3, 10, 0, 0, 11, 0, 0, 12, 0, 0})
	f.Add([]byte{1, 0, 0, 2, 1, 0, 2, 5, 0, 4, 2, 0, 15, 0, 0})
	f.Add([]byte{14, 0, 0, 13, 1, 0, 0, 0, 1, 6, 0, 0})
	// The firewall rule (odd length): fulfilled through CHG-OK, closed.
	f.Add([]byte{5, 0, 0, 8, 0, 7, 11, 0, 10, 12, 0, 0, 15, 0, 0})
	triggers := smstest.Names(request.Triggers()[1:])
	f.Fuzz(func(t *testing.T, ops []byte) {
		fx := newFixture(t, request.DefaultPolicy())
		in := &fuzzing{kitInstance: kitInstance{fixture: fx}, item: fx.laptop}
		if len(ops)%2 == 1 {
			in.item = fx.firewall
		}
		smstest.FuzzProcess(t, ops, triggers, in)
		r, err := fx.svc.Get(fx.ctx, in.id)
		require.NoError(t, err)
		j, err := fx.svc.Journal(fx.ctx, in.id)
		require.NoError(t, err)
		require.Len(t, j, int(r.Version), "one journal entry per success")
	})
}
