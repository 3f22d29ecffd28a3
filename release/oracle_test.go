package release_test

import (
	"sort"
	"testing"

	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from REQUIREMENTS.md section 7 and the issue,
// independently of the workflow table. "=" means the status stays.
var oracle = map[release.Status]map[release.Trigger]string{
	release.StatusPlanned:  {"amend": "=", "start_build": "building", "cancel": "cancelled", "link": "=", "note": "="},
	release.StatusBuilding: {"amend": "=", "submit_for_test": "testing", "cancel": "cancelled", "link": "=", "note": "="},
	release.StatusTesting: {"pass_acceptance": "accepted", "fail_acceptance": "acceptance_failed", "cancel": "cancelled",
		"link": "=", "note": "="},
	release.StatusAccepted: {"approve": "=", "authorize": "approved", "cancel": "cancelled", "link": "=", "note": "="},
	release.StatusAcceptanceFailed: {"rework": "building", "accept_known_errors": "accepted", "cancel": "cancelled",
		"link": "=", "note": "="},
	release.StatusApproved:   {"capture_baseline": "=", "deploy": "deploying", "cancel": "cancelled", "link": "=", "note": "="},
	release.StatusDeploying:  {"complete_deployment": "early_life", "rollback": "rolled_back", "link": "=", "note": "="},
	release.StatusEarlyLife:  {"record_incident": "=", "end_early_life": "review", "rollback": "rolled_back", "link": "=", "note": "="},
	release.StatusReview:     {"record_incident": "=", "review": "=", "close": "closed", "link": "=", "note": "="},
	release.StatusRolledBack: {"review": "=", "close": "closed", "link": "=", "note": "="},
	release.StatusClosed:     {"note": "="},
	release.StatusCancelled:  {"note": "="},
}

func permittedByOracle(s release.Status) []string {
	var out []string
	for tr := range oracle[s] {
		out = append(out, string(tr))
	}
	sort.Strings(out)
	return out
}

// TestOracle fires every trigger from every status. An allowed cell
// succeeds and lands where the oracle says; a refused cell fails with a
// *sms.TransitionError naming exactly the triggers the oracle permits and
// the requirement the trigger's source states enforce, and changes nothing.
func TestOracle(t *testing.T) {
	t.Parallel()
	for _, status := range release.Statuses() {
		for _, tr := range release.Triggers()[1:] {
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, release.DefaultPolicy())
				want, allowed := oracle[status][tr]
				r := f.to(t, status)
				if allowed {
					r = f.ready(t, r, tr)
				}
				before := f.snap(t, r.ID)
				got, err := f.svc.Do(f.ctx, as(tr), r.ID, f.valid(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, string(status), te.State)
					assert.Equal(t, permittedByOracle(status), te.Permitted)
					if tr != release.TriggerNote {
						require.Len(t, te.Requirements, 1)
						assert.Regexp(t, `^REL-\d\d$`, te.Requirements[0].ID)
					}
					f.requireUnchanged(t, r.ID, before)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, release.Status(want), got.Status)
				assert.Equal(t, r.Version+1, got.Version)
				stored, err := f.svc.Get(f.ctx, r.ID)
				require.NoError(t, err)
				assert.Equal(t, got, stored)
				require.NoError(t, f.svc.Verify(f.ctx, r.ID))
			})
		}
	}
}

// TestOracleCoversWorkflow checks the other direction.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := release.Workflow()
	for _, s := range release.Statuses() {
		assert.Equal(t, permittedByOracle(s), wf.Triggers(string(s)), "status %s", s)
		for _, tr := range release.Triggers()[1:] {
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
	assert.True(t, wf.Terminal(string(release.StatusClosed)))
	assert.True(t, wf.Terminal(string(release.StatusCancelled)))
	assert.False(t, wf.Terminal(string(release.StatusRolledBack)))
}
