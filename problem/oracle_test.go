package problem_test

import (
	"sort"
	"testing"

	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from REQUIREMENTS.md section 4 and issue 4, independently
// of the workflow table. "=" means the status stays.
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

func sortedTriggers[T ~string](m map[T]string) []string {
	var out []string
	for tr := range m {
		out = append(out, string(tr))
	}
	sort.Strings(out)
	return out
}

// TestOracle fires every trigger from every status: an allowed cell
// succeeds and lands where the oracle says; a refused one fails with a
// *sms.TransitionError naming exactly the triggers the oracle permits and
// the requirement the trigger's source states enforce, and changes nothing.
func TestOracle(t *testing.T) {
	t.Parallel()
	for _, status := range problem.Statuses() {
		for _, tr := range problem.Triggers()[1:] {
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, problem.DefaultPolicy())
				want, allowed := oracle[status][tr]
				pr := f.to(t, status)
				if allowed {
					f.prepare(t, pr.ID, tr)
				}
				pr, err := f.svc.Get(f.ctx, pr.ID)
				require.NoError(t, err)
				before := f.snap(t, pr.ID)
				who := boss
				if tr == problem.TriggerApproveRisk {
					who = manager // boss logged the problem: PRB-06 keeps them from approving its risk
				}
				got, err := f.svc.Do(f.ctx, who, pr.ID, validCommand(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, string(status), te.State)
					assert.Equal(t, sortedTriggers(oracle[status]), te.Permitted)
					if tr != problem.TriggerNote {
						require.Len(t, te.Requirements, 1)
						assert.Regexp(t, `^PRB-\d\d$`, te.Requirements[0].ID)
					}
					f.requireUnchanged(t, pr.ID, before)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, problem.Status(want), got.Status)
				assert.Equal(t, pr.Version+1, got.Version)
				stored, err := f.svc.Get(f.ctx, pr.ID)
				require.NoError(t, err)
				assert.Equal(t, got, stored)
				require.NoError(t, f.svc.Verify(f.ctx, pr.ID))
			})
		}
	}
}

// TestOracleCoversWorkflow checks the other direction: the tables permit
// nothing the oracles do not.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := problem.Workflow()
	for _, s := range problem.Statuses() {
		assert.Equal(t, sortedTriggers(oracle[s]), wf.Triggers(string(s)), "status %s", s)
		for _, tr := range problem.Triggers()[1:] {
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
	assert.True(t, wf.Terminal(string(problem.StatusClosed)))
	assert.True(t, wf.Terminal(string(problem.StatusCancelled)))
	assert.False(t, wf.Terminal(string(problem.StatusResolved)))

	kwf := problem.KnownErrorWorkflow()
	for _, s := range problem.KEStatuses() {
		assert.Equal(t, sortedTriggers(keOracle[s]), kwf.Triggers(string(s)), "known error status %s", s)
	}
	assert.True(t, kwf.Terminal(string(problem.KERetired)))
}

// TestKnownErrorOracle fires every known-error trigger from every status.
func TestKnownErrorOracle(t *testing.T) {
	t.Parallel()
	for _, status := range problem.KEStatuses() {
		for _, tr := range problem.KETriggers()[1:] {
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, problem.DefaultPolicy())
				k := f.keTo(t, status)
				want, allowed := keOracle[status][tr]
				got, err := f.svc.DoKnownError(f.ctx, boss, k.ID, validKECommand(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, sortedTriggers(keOracle[status]), te.Permitted)
					if tr != problem.KETriggerNote {
						require.Len(t, te.Requirements, 1)
						assert.Equal(t, "PRB-12", te.Requirements[0].ID)
					}
					again, err := f.svc.KnownError(f.ctx, k.ID)
					require.NoError(t, err)
					assert.Equal(t, k, again)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, problem.KEStatus(want), got.Status)
				assert.Equal(t, k.Version+1, got.Version)
				require.NoError(t, f.svc.VerifyKnownError(f.ctx, k.ID))
			})
		}
	}
}
