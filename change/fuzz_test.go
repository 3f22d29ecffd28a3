package change_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, requester, manager, cab1, cab2, ecab, implementer, actor("rita", change.RoleCAB, change.RoleEmergencyAuthority), actor("ghost")}

var fuzzStrings = []string{"", " ", "x", "PRB-1", "ivan", "ida", "ünïcødé ✓", strings.Repeat("a", 200), "line\nbreak"}

var fuzzModels = []string{change.ModelNameNormal, change.ModelNameStandard, change.ModelNameEmergency}

// fuzzCommand builds a command for the trigger: valid, zero, or with fields
// drawn from v.
func (f *fixture) fuzzCommand(tr change.Trigger, v byte) change.Command {
	switch v % 4 {
	case 0:
		return f.valid(tr)
	case 1:
		return zeroCommand(tr)
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	lvl := change.Level(int(v)%7 - 1)
	now := f.clk.Now()
	at := now.Add(time.Duration(int(v)-128) * time.Hour)
	e := evaluation()
	e.Likelihood, e.Impact, e.Benefit, e.TransitionPlan = lvl, change.Level(int(v/7)%6), s, []string{"", "TP-1"}[int(v)%2]
	e.Dimensions.Plans.Notes = s
	switch tr {
	case change.TriggerAmend:
		return change.Amendment{Category: s, Type: change.ChangeTypes()[int(v)%5], Model: fuzzModels[int(v)%3],
			Services: []string{[]string{"payroll", "hr", "crm"}[int(v)%3]}, ConfigItems: []change.ConfigItem{{ID: "app-1", Type: []string{"application", "database"}[int(v)%2]}}}
	case change.TriggerSubmitEmergency:
		return change.EmergencySubmission{Justification: s, Incident: []string{"", "INC-1"}[int(v)%2],
			Remediation: change.RemediationPlan{Plan: s, Tested: v%3 == 0, Justification: s}}
	case change.TriggerAssess:
		return e
	case change.TriggerRecordAssessment:
		return change.Retrospective{Evaluation: e}
	case change.TriggerApprove:
		return change.Approval{Rationale: s}
	case change.TriggerAuthorize:
		return change.Authorization{Priority: change.Priority(int(v) % 6), Minutes: s}
	case change.TriggerReject:
		return change.Rejection{Reason: s}
	case change.TriggerSchedule:
		return change.Scheduling{Window: change.Window{Start: at, End: at.Add(time.Duration(int(v)%9-2) * time.Hour)}, Plan: s,
			Implementer: []string{"", "ivan", "ida", "rita", "cara"}[int(v)%5], Parties: []string{"users"}, Acknowledge: []string{s}}
	case change.TriggerNotify:
		return change.Notification{Parties: []string{"users"}, Message: s}
	case change.TriggerStart:
		return change.Implementation{Verification: s, TestResult: []string{"", "pass"}[int(v)%2], TestSkipped: s, Override: s}
	case change.TriggerComplete:
		return change.Completion{Outcome: []change.Outcome{"", change.OutcomeSuccessful, change.OutcomeSuccessfulIssues}[int(v)%3], Notes: s}
	case change.TriggerFail:
		return change.Failure{Reason: s, Incidents: []string{"INC-2"}}
	case change.TriggerRemediated:
		return change.Remedy{Outcome: []change.Outcome{"", change.OutcomeRolledBack, change.OutcomeRemediedForward, change.OutcomeDegradedAccepted}[int(v)%4], Notes: s}
	case change.TriggerReview:
		return change.PIR{Summary: s, IncidentsCaused: []string{"INC-3"}, Actions: []change.FollowUp{{Action: s, Owner: []string{"", "ivan"}[int(v)%2], AgreedWith: s}}}
	case change.TriggerClose:
		return change.Closure{NoConfigImpact: v%3 == 0, ConfigUpdates: []change.ConfigUpdate{{Item: []string{"app-1", "db-1"}[int(v)%2], Ref: "CMDB-1"}}}
	case change.TriggerCancel:
		return change.Cancellation{Reason: s}
	case change.TriggerLink:
		return change.Link{Type: change.LinkTypes()[int(v)%len(change.LinkTypes())], ID: "X-1"}
	}
	return f.valid(tr)
}

// zeroCommand is the trigger's command type, empty.
func zeroCommand(tr change.Trigger) change.Command {
	return smstest.ZeroCommand(fuzzWorkflow, string(tr)).(change.Command)
}

// fuzzWorkflow is the workflow whose command types zeroCommand reads.
var fuzzWorkflow = change.Workflow()

// Codes whose requirements the workflow alone must guarantee: a change
// that reached its status through the workflow can never fail them.
var workflowGuaranteed = []string{change.CodeNotAuthorized, change.CodeClosureIncomplete, change.CodeWithoutTransition,
	change.CodeWithdrawalUnjustified}

// fuzzSeeds take each model to closed, through a failure for the standard
// one: the model, then (trigger index, actor index, variant) triples;
// trigger indexes count from amend = 0 in change.Triggers()[1:]; variant 0
// is the valid command, and variant 80 (also valid) moves the clock past
// the lead time before scheduling. The requester (actor 1) submits and the
// implementer (actor 6) implements: boss, who approves, never does
// (CHG-19).
var fuzzSeeds = [][]byte{
	{0, 1, 1, 0, 4, 0, 0, 6, 0, 0, 7, 0, 0, 9, 0, 80, 10, 0, 0, 11, 6, 0, 12, 6, 0, 15, 0, 0, 16, 0, 0},
	{1, 3, 1, 0, 9, 0, 80, 10, 0, 0, 11, 6, 0, 13, 6, 0, 14, 0, 0, 15, 0, 0, 16, 0, 0},
	{2, 2, 1, 0, 6, 0, 0, 7, 0, 0, 9, 0, 80, 10, 0, 0, 11, 6, 0, 12, 6, 0, 5, 0, 0, 15, 0, 0, 16, 0, 0},
	{0, 1, 1, 2, 4, 3, 6, 6, 1, 0, 7, 4, 0, 9, 2, 6, 10, 0, 10, 9, 4, 0, 11, 6, 0, 12, 0, 3, 15, 2, 0, 16, 0, 2},
}

// FuzzTransitions drives random trigger sequences, with random payloads and
// actors, through the workflow of a change of a random model
// (smstest.FuzzProcess): no panic; every refusal is one of the library's
// categories and leaves the stored change and its journal unchanged; every
// success appends exactly one entry, and the change it returns is the one
// stored and never fails a conformance check the workflow guarantees; the
// journal always verifies.
func FuzzTransitions(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		runOps(t, ops)
	})
}

// runOps plays one fuzz input, the model then the steps, and returns the
// final change.
func runOps(t *testing.T, ops []byte) *change.Change {
	in := &changeFuzz{changeKit: changeKit{fixture: newFixture(t, change.DefaultPolicy())}, model: fuzzModels[int(ops[0])%3]}
	smstest.FuzzProcess(t, ops[1:], smstest.Names(change.Triggers()[1:]), in)
	chg, err := in.svc.Get(in.ctx, in.id)
	require.NoError(t, err)
	j, err := in.svc.Journal(in.ctx, in.id)
	require.NoError(t, err)
	require.Len(t, j, int(chg.Version))
	return chg
}

// TestFuzzSeedsReachClosed keeps the seeds meaningful: the first three take
// their model to closed.
func TestFuzzSeedsReachClosed(t *testing.T) {
	t.Parallel()
	for i, seed := range fuzzSeeds[:3] {
		chg := runOps(t, seed)
		require.Equal(t, change.StatusClosed, chg.Status, "seed %d", i)
		require.Equal(t, fuzzModels[i], chg.Model)
	}
}
