package review_test

import (
	"sort"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from the package documentation, independently of the
// workflow table. "=" means the status stays.
var oracle = map[review.Status]map[review.Trigger]string{
	review.StatusPlanned:   {"perform": "performed", "cancel": "cancelled", "note": "="},
	review.StatusPerformed: {"update_action": "=", "close": "closed", "note": "="},
	review.StatusClosed:    {"note": "="},
	review.StatusCancelled: {"note": "="},
}

func permittedByOracle(s review.Status) []string {
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
// citing the requirement the review evidences, and changes nothing.
func TestOracle(t *testing.T) {
	t.Parallel()
	for _, status := range review.Statuses() {
		for _, tr := range review.Triggers()[1:] { // every trigger but plan
			t.Run(string(status)+"/"+string(tr), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t)
				r := f.to(t, subjectPRB, status)
				before := f.snap(t, r.ID)
				want, allowed := oracle[status][tr]
				got, err := f.svc.Do(f.ctx, actingFor(validCommand(tr)), r.ID, validCommand(tr))
				if !allowed {
					te := smstest.RequireTransitionRefused(t, err, string(tr))
					assert.Equal(t, string(status), te.State)
					assert.Equal(t, permittedByOracle(status), te.Permitted)
					require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the review evidences")
					assert.Equal(t, "PRB-13", te.Requirements[0].ID)
					assert.Equal(t, "8.6.3", te.Requirements[0].Clause)
					f.requireUnchanged(t, r.ID, before)
					return
				}
				require.NoError(t, err)
				if want == "=" {
					want = string(status)
				}
				assert.Equal(t, review.Status(want), got.Status)
				assert.Equal(t, r.Version+1, got.Version)
				stored, err := f.svc.Get(f.ctx, r.ID)
				require.NoError(t, err)
				assert.Equal(t, got, stored)
				require.NoError(t, f.svc.Verify(f.ctx, r.ID))
			})
		}
	}
}

// TestOracleCoversWorkflow checks the other direction: the workflow table
// permits nothing the oracle does not.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf, err := review.Workflow(prb13)
	require.NoError(t, err)
	for _, s := range review.Statuses() {
		assert.Equal(t, permittedByOracle(s), wf.Triggers(string(s)), "status %s", s)
		for _, tr := range review.Triggers()[1:] {
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
	assert.True(t, wf.Terminal(string(review.StatusClosed)))
	assert.True(t, wf.Terminal(string(review.StatusCancelled)))
	assert.False(t, wf.Terminal(string(review.StatusPerformed)))
	for _, bad := range []sms.Requirement{{}, {ID: "PRB-13"}, {Clause: "8.6.3"}} {
		_, err = review.Workflow(bad)
		assert.ErrorIs(t, err, sms.ErrInvalid, "a workflow for %+v", bad)
	}
}
