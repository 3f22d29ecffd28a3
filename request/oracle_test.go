package request_test

import (
	"sort"
	"testing"

	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle, written by hand from REQUIREMENTS.md section 3 and issue 4,
// independently of the workflow table. "=" means the status stays.
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

func sortedTriggers[T ~string](m map[T]string) []string {
	var out []string
	for tr := range m {
		out = append(out, string(tr))
	}
	sort.Strings(out)
	return out
}

// TestOracle fires every trigger from every status through Do.
func TestOracle(t *testing.T) {
	t.Parallel()
	for _, status := range request.Statuses() {
		for _, tr := range request.Triggers()[1:] {
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, request.DefaultPolicy())
				want, allowed := oracle[status][tr]
				item := f.laptop
				if status == request.StatusNew && tr == request.TriggerStartFulfilment {
					item = f.password // fulfilment straight from new: an item without approval
				}
				r := f.to(t, status, item)
				if allowed {
					f.prepare(t, r.ID, tr)
				}
				r, err := f.svc.Get(f.ctx, r.ID)
				require.NoError(t, err)
				before := f.snap(t, r.ID)
				got, err := f.svc.Do(f.ctx, boss, r.ID, validCommand(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, string(status), te.State)
					assert.Equal(t, sortedTriggers(oracle[status]), te.Permitted)
					if tr != request.TriggerNote {
						require.Len(t, te.Requirements, 1)
						assert.Regexp(t, `^SR-\d\d$`, te.Requirements[0].ID)
					}
					f.requireUnchanged(t, r.ID, before)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, request.Status(want), got.Status)
				assert.Equal(t, r.Version+1, got.Version)
				stored, err := f.svc.Get(f.ctx, r.ID)
				require.NoError(t, err)
				assert.Equal(t, got, stored)
				require.NoError(t, f.svc.Verify(f.ctx, r.ID))
			})
		}
	}
}

func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := request.Workflow()
	for _, s := range request.Statuses() {
		assert.Equal(t, sortedTriggers(oracle[s]), wf.Triggers(string(s)), "status %s", s)
		for _, tr := range request.Triggers()[1:] {
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
	for _, s := range []request.Status{request.StatusRejected, request.StatusClosed, request.StatusCancelled} {
		assert.True(t, wf.Terminal(string(s)))
	}
	iwf := request.ItemWorkflow()
	for _, s := range request.ItemStatuses() {
		assert.Equal(t, sortedTriggers(itemOracle[s]), iwf.Triggers(string(s)), "item status %s", s)
	}
}

func TestItemOracle(t *testing.T) {
	t.Parallel()
	valid := map[request.ItemTrigger]request.ItemCommand{
		"revise": request.ItemRevision{Description: "now with a docking station"}, "publish": request.ItemPublication{},
		"retire": request.ItemRetirement{Reason: "replaced"}, "note": request.ItemNote{Text: "n"},
	}
	for _, status := range request.ItemStatuses() {
		for _, tr := range request.ItemTriggers()[1:] {
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, request.DefaultPolicy())
				it, err := f.svc.DefineItem(f.ctx, catalogue, laptopItem())
				require.NoError(t, err)
				if status != request.ItemDraft {
					it, err = f.svc.PublishItem(f.ctx, catalogue, it.ID, request.ItemPublication{})
					require.NoError(t, err)
				}
				if status == request.ItemRetired {
					it, err = f.svc.RetireItem(f.ctx, catalogue, it.ID, request.ItemRetirement{Reason: "gone"})
					require.NoError(t, err)
				}
				want, allowed := itemOracle[status][tr]
				got, err := f.svc.DoItem(f.ctx, catalogue, it.ID, valid[tr])
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, sortedTriggers(itemOracle[status]), te.Permitted)
					again, err := f.svc.Item(f.ctx, it.ID)
					require.NoError(t, err)
					assert.Equal(t, it, again)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, request.ItemStatus(want), got.Status)
			})
		}
	}
}
