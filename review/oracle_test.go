package review_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracle: which triggers each status permits and where they lead,
// written by hand from the package documentation, independently of the
// workflow table. "=" (smstest.Stay) means the status stays. The process
// kit (kit_test.go) checks the workflow against it and fires every cell.
var oracle = map[review.Status]map[review.Trigger]string{
	review.StatusPlanned:   {"perform": "performed", "cancel": "cancelled", "note": "="},
	review.StatusPerformed: {"update_action": "=", "close": "closed", "note": "="},
	review.StatusClosed:    {"note": "="},
	review.StatusCancelled: {"note": "="},
}

// TestWorkflowShape: the states the kit's oracle leaves out are the
// workflow's terminal ones; the lifecycle does not depend on the
// requirement a review evidences; a workflow for a requirement without an
// ID or a clause is refused.
func TestWorkflowShape(t *testing.T) {
	t.Parallel()
	wf, err := review.Workflow(prb13)
	require.NoError(t, err)
	assert.True(t, wf.Terminal(string(review.StatusClosed)))
	assert.True(t, wf.Terminal(string(review.StatusCancelled)))
	assert.False(t, wf.Terminal(string(review.StatusPerformed)))
	other, err := review.Workflow(chg14)
	require.NoError(t, err)
	assert.Equal(t, wf.Mermaid(), other.Mermaid(), "the lifecycle does not depend on the requirement a review evidences")
	for _, bad := range []sms.Requirement{{}, {ID: "PRB-13"}, {Clause: "8.6.3"}} {
		_, err = review.Workflow(bad)
		assert.ErrorIs(t, err, sms.ErrInvalid, "a workflow for %+v", bad)
	}
}
