package change_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The oracles: for each change model, which triggers each status it can
// reach permits and where they lead, written by hand from REQUIREMENTS.md
// section 5.2 and the issue, independently of the workflow table. "=" means
// the status stays; "!CHG-nn" means the workflow table allows the trigger
// from the status but the model refuses it, citing that requirement. A
// trigger absent from a status is refused by the workflow itself.
//
// Normal passes all states; standard skips assess and authorize (and so
// never reaches rejected); emergency skips assess.
var (
	common = map[change.Trigger]string{"link": "=", "note": "="}

	normalOracle = map[change.Status]map[change.Trigger]string{
		change.StatusDraft: with(common, map[change.Trigger]string{"amend": "=", "submit": "assess", "submit_emergency": "!CHG-02",
			"submit_standard": "!CHG-02", "cancel": "cancelled"}),
		change.StatusAssess: with(common, map[change.Trigger]string{"complete_assessment": "authorize", "reject": "rejected",
			"cancel": "cancelled"}),
		change.StatusAuthorize: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "approve": "=",
			"authorize": "scheduled", "reject": "rejected", "cancel": "cancelled"}),
		change.StatusScheduled: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "schedule": "=", "notify": "=",
			"start_implementation": "implement", "cancel": "cancelled"}),
		change.StatusImplement: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "notify": "=",
			"complete": "review", "fail": "remediating"}),
		change.StatusRemediating: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "remediation_done": "review"}),
		change.StatusReview:      with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "review": "=", "close": "closed"}),
		change.StatusClosed:      {"note": "="},
		change.StatusRejected:    {"note": "="},
		change.StatusCancelled:   {"note": "="},
	}

	standardOracle = map[change.Status]map[change.Trigger]string{
		change.StatusDraft: with(common, map[change.Trigger]string{"amend": "=", "submit": "!CHG-02", "submit_emergency": "!CHG-02",
			"submit_standard": "scheduled", "cancel": "cancelled"}),
		change.StatusScheduled: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "schedule": "=", "notify": "=",
			"start_implementation": "implement", "cancel": "cancelled"}),
		change.StatusImplement: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "notify": "=",
			"complete": "review", "fail": "remediating"}),
		change.StatusRemediating: with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "remediation_done": "review"}),
		change.StatusReview:      with(common, map[change.Trigger]string{"record_assessment": "!CHG-17", "review": "=", "close": "closed"}),
		change.StatusClosed:      {"note": "="},
		change.StatusCancelled:   {"note": "="},
	}

	emergencyOracle = map[change.Status]map[change.Trigger]string{
		change.StatusDraft: with(common, map[change.Trigger]string{"amend": "=", "submit": "!CHG-02", "submit_emergency": "authorize",
			"submit_standard": "!CHG-02", "cancel": "cancelled"}),
		change.StatusAuthorize: with(common, map[change.Trigger]string{"record_assessment": "=", "approve": "=",
			"authorize": "scheduled", "reject": "rejected", "cancel": "cancelled"}),
		change.StatusScheduled: with(common, map[change.Trigger]string{"record_assessment": "=", "schedule": "=", "notify": "=",
			"start_implementation": "implement", "cancel": "cancelled"}),
		change.StatusImplement: with(common, map[change.Trigger]string{"record_assessment": "=", "notify": "=",
			"complete": "review", "fail": "remediating"}),
		change.StatusRemediating: with(common, map[change.Trigger]string{"record_assessment": "=", "remediation_done": "review"}),
		change.StatusReview:      with(common, map[change.Trigger]string{"record_assessment": "=", "review": "=", "close": "closed"}),
		change.StatusClosed:      {"note": "="},
		change.StatusRejected:    {"note": "="},
		change.StatusCancelled:   {"note": "="},
	}

	oracles = map[string]map[change.Status]map[change.Trigger]string{
		change.ModelNameNormal: normalOracle, change.ModelNameStandard: standardOracle, change.ModelNameEmergency: emergencyOracle,
	}
)

func with(a, b map[change.Trigger]string) map[change.Trigger]string {
	out := map[change.Trigger]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// permittedByOracle is what the workflow table permits from a status, for
// any model: the normal oracle's keys (normal reaches every status).
func permittedByOracle(s change.Status) []string {
	var out []string
	for tr := range normalOracle[s] {
		out = append(out, string(tr))
	}
	sort.Strings(out)
	return out
}

// TestModelOracles fires, for each model, every trigger the workflow table
// permits from every status the model reaches (the process kit fires every
// status and trigger once, TestProcessKit/changes): a cell the model
// allows succeeds, lands where its oracle says, adds one journal entry and
// verifies; a cell the model refuses is a *sms.GuardError citing the
// requirement, and changes nothing.
func TestModelOracles(t *testing.T) {
	t.Parallel()
	for model, oracle := range oracles {
		for status := range oracle {
			for tr, want := range oracle[status] {
				t.Run(model+"/"+string(status)+"/"+string(tr), func(t *testing.T) {
					t.Parallel()
					f := newFixture(t, change.DefaultPolicy())
					chg := f.to(t, model, status)
					require.Equal(t, status, chg.Status)
					chg = f.ready(t, chg, tr)
					before := f.snap(t, chg.ID)
					got, err := f.svc.Do(f.ctx, as(tr), chg.ID, f.valid(tr))
					if strings.HasPrefix(want, "!") {
						smstest.RequireRefused(t, err, want[1:])
						f.requireUnchanged(t, chg.ID, before)
						return
					}
					require.NoError(t, err)
					if want == "=" {
						want = string(status)
					}
					assert.Equal(t, change.Status(want), got.Status)
					assert.Equal(t, chg.Version+1, got.Version)
					stored, err := f.svc.Get(f.ctx, chg.ID)
					require.NoError(t, err)
					assert.Equal(t, got, stored)
					require.NoError(t, f.svc.Verify(f.ctx, chg.ID))
				})
			}
		}
	}
}

// TestOracleCoversWorkflow checks what the oracles say beyond the table
// (which the process kit compares with the normal model's oracle, every
// model's cells merged): the models' oracles agree on what the table
// permits, and each model reaches exactly the statuses its path allows.
func TestOracleCoversWorkflow(t *testing.T) {
	t.Parallel()
	wf := change.Workflow()
	for model, oracle := range oracles {
		for s, cells := range oracle {
			var keys []string
			for tr := range cells {
				keys = append(keys, string(tr))
			}
			sort.Strings(keys)
			assert.Equal(t, permittedByOracle(s), keys, "%s oracle for %s", model, s)
		}
	}
	assert.NotContains(t, standardOracle, change.StatusAssess)
	assert.NotContains(t, standardOracle, change.StatusAuthorize)
	assert.NotContains(t, emergencyOracle, change.StatusAssess)
	for _, s := range []change.Status{change.StatusClosed, change.StatusRejected, change.StatusCancelled} {
		assert.True(t, wf.Terminal(string(s)))
	}
	assert.False(t, wf.Terminal(string(change.StatusReview)))
	for _, m := range change.DefaultPolicy().Models {
		skips := m.Type.Skips()
		for _, s := range skips {
			assert.NotContains(t, oracles[m.Name], s, "model %s skips %s", m.Name, s)
		}
	}
}

// planOracle: the transition plan lifecycle (SDT), by hand.
var planOracle = map[change.PlanStatus]map[change.PlanTrigger]string{
	change.PlanDraft:            {"revise": "=", "approve": "approved", "cancel": "cancelled", "note": "="},
	change.PlanApproved:         {"start_design": "designing", "cancel": "cancelled", "note": "="},
	change.PlanDesigning:        {"complete_design": "build_test", "cancel": "cancelled", "note": "="},
	change.PlanBuildTest:        {"pass_acceptance": "accepted", "fail_acceptance": "acceptance_failed", "cancel": "cancelled", "note": "="},
	change.PlanAccepted:         {"start_transition": "transitioning", "cancel": "cancelled", "note": "="},
	change.PlanAcceptanceFailed: {"rework": "build_test", "accept_with_conditions": "accepted", "cancel": "cancelled", "note": "="},
	change.PlanTransitioning:    {"complete_transition": "early_life", "note": "="},
	change.PlanEarlyLife:        {"report": "reported", "note": "="},
	change.PlanReported:         {"close": "closed", "note": "="},
	change.PlanClosed:           {"note": "="},
	change.PlanCancelled:        {"note": "="},
}

// templateOracle: the standard-change template lifecycle (CHG-18), by hand.
var templateOracle = map[change.TemplateStatus]map[change.TemplateTrigger]string{
	change.TemplateProposed:  {"revise": "=", "approve": "=", "activate": "active", "retire": "retired", "note": "="},
	change.TemplateActive:    {"suspend": "suspended", "review": "=", "retire": "retired", "note": "="},
	change.TemplateSuspended: {"revise": "=", "approve": "=", "activate": "active", "retire": "retired", "note": "="},
	change.TemplateRetired:   {"note": "="},
}
