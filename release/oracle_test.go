package release_test

import (
	"testing"

	"github.com/iso20k/sms/release"
	"github.com/stretchr/testify/assert"
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

// TestOracleCoversWorkflow checks what the oracle says beyond the table,
// which the process kit compares with it (TestProcessKit): which statuses
// no release leaves.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := release.Workflow()
	assert.True(t, wf.Terminal(string(release.StatusClosed)))
	assert.True(t, wf.Terminal(string(release.StatusCancelled)))
	assert.False(t, wf.Terminal(string(release.StatusRolledBack)))
}
