package change_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/iso20k/sms/change"
	"github.com/stretchr/testify/require"
)

// planContent is a complete plan for a changed service.
func planContent() change.PlanContent {
	return change.PlanContent{
		Accountable: change.Accountability{Design: "dora", Build: "ben", Transition: "tom"},
		Activities: []change.Activity{{Name: "build payroll 5", Party: "vendor", Start: t0.Add(24 * time.Hour), End: t0.Add(240 * time.Hour)},
			{Name: "migrate data", Party: "dba-team", Start: t0.Add(240 * time.Hour), End: t0.Add(260 * time.Hour)}},
		Resources: change.Resources{Human: "3 engineers for 4 weeks", Technical: "2 new servers", Information: "vendor runbooks",
			Financial: "EUR 40,000"},
		Dependencies:       "identity service, HR master data",
		Testing:            "integration and load tests, parallel pay run",
		AcceptanceCriteria: []string{"parallel pay run matches", "p95 latency under 2 s"},
		Outcomes:           []change.Metric{{Name: "pay run duration", Target: "<= 2", Unit: "hours"}, {Name: "payroll incidents", Target: "<= 2", Unit: "per month"}},
	}
}

func draftPlan(chgID string) change.DraftPlan {
	return change.DraftPlan{Change: chgID, Service: "payroll", Variant: change.TypeModify, Author: "tom", PlanContent: planContent()}
}

func designRecord() change.DesignRecord {
	return change.DesignRecord{Roles: "payroll ops team", Resources: "as planned", Training: "2 sessions for HR", Agreements: "SLA v3 drafted",
		SMS: "none", Catalogue: "payroll entry updated", Procedures: "runbook v5"}
}

func results(passed bool) []change.CriterionResult {
	return []change.CriterionResult{{Criterion: "parallel pay run matches", Passed: true, Evidence: "run 2026-04"},
		{Criterion: "p95 latency under 2 s", Passed: passed, Evidence: "load test"}}
}

// validPlan returns a command for the plan trigger that satisfies every
// guard, given the plan.
func (f *fixture) validPlan(tp *change.TransitionPlan, tr change.PlanTrigger) change.PlanCommand {
	switch tr {
	case change.PlanRevise:
		return change.PlanRevision{PlanContent: planContent()}
	case change.PlanApprove:
		return change.PlanApproval{Rationale: "complete and funded"}
	case change.PlanStartDesign:
		return change.DesignStart{}
	case change.PlanCompleteDesign:
		return change.Design{Record: designRecord()}
	case change.PlanPassAcceptance:
		return change.AcceptancePassed{Results: results(true)}
	case change.PlanFailAcceptance:
		return change.AcceptanceFailed{Results: results(false)}
	case change.PlanRework:
		return change.Rework{Decided: change.Decided{Participants: []string{"olga", "hr-lead"}, Rationale: "tune the database"}}
	case change.PlanAcceptConditions:
		return change.ConditionalAcceptance{Decided: change.Decided{Participants: []string{"olga", "hr-lead"}, Rationale: "latency acceptable for now"},
			Conditions: "tune before the year-end run"}
	case change.PlanStartTransition:
		return change.TransitionStart{Release: "REL-1"}
	case change.PlanEndTransition:
		return change.TransitionEnd{}
	case change.PlanReport:
		return change.OutcomeReport{Measurements: []change.Measurement{{Metric: "pay run duration", Achieved: "1.5", Met: true},
			{Metric: "payroll incidents", Achieved: "1", Met: true}}, Summary: "both outcomes met"}
	case change.PlanClose:
		return change.PlanClosure{Notified: []string{"hr-lead", "olga"}}
	case change.PlanCancel:
		return change.PlanCancellation{Reason: "service no longer needed", Participants: []string{"olga"}}
	case change.PlanNote:
		return change.PlanNoteText{Text: "kick-off held"}
	}
	panic("no valid plan command for " + string(tr))
}

// plan drafts a plan for a change ID.
func (f *fixture) plan(t testing.TB, chgID string) *change.TransitionPlan {
	t.Helper()
	d := draftPlan(chgID)
	d.ID = f.id("TP")
	tp, err := f.svc.Plans().Draft(f.ctx, planner, d)
	require.NoError(t, err)
	return tp
}

// planTo drives a new plan to the status.
func (f *fixture) planTo(t testing.TB, status change.PlanStatus) *change.TransitionPlan {
	t.Helper()
	tp := f.plan(t, "CHG-X")
	step := func(tr change.PlanTrigger) {
		f.clk.Advance(time.Minute)
		var err error
		tp, err = f.svc.Plans().Do(f.ctx, boss, tp.ID, f.validPlan(tp, tr))
		require.NoError(t, err, "plan step %s", tr)
	}
	path := map[change.PlanStatus][]change.PlanTrigger{
		change.PlanDraft:            nil,
		change.PlanCancelled:        {change.PlanCancel},
		change.PlanApproved:         {change.PlanApprove},
		change.PlanDesigning:        {change.PlanApprove, change.PlanStartDesign},
		change.PlanBuildTest:        {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign},
		change.PlanAccepted:         {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanPassAcceptance},
		change.PlanAcceptanceFailed: {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanFailAcceptance},
		change.PlanTransitioning: {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanPassAcceptance,
			change.PlanStartTransition},
		change.PlanEarlyLife: {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanPassAcceptance,
			change.PlanStartTransition, change.PlanEndTransition},
		change.PlanReported: {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanPassAcceptance,
			change.PlanStartTransition, change.PlanEndTransition, change.PlanReport},
		change.PlanClosed: {change.PlanApprove, change.PlanStartDesign, change.PlanCompleteDesign, change.PlanPassAcceptance,
			change.PlanStartTransition, change.PlanEndTransition, change.PlanReport, change.PlanClose},
	}
	for _, tr := range path[status] {
		step(tr)
	}
	require.Equal(t, status, tp.Status)
	return tp
}

func (f *fixture) planSnap(t testing.TB, id string) string {
	t.Helper()
	tp, err := f.svc.Plans().Get(f.ctx, id)
	require.NoError(t, err)
	j, err := f.svc.Plans().Journal(f.ctx, id)
	require.NoError(t, err)
	b, _ := json.Marshal([]any{tp, j})
	return string(b)
}

func validTemplate(tr change.TemplateTrigger) change.TemplateCommand {
	switch tr {
	case change.TemplateRevise:
		return change.TemplateRevision{Procedure: "apply vendor patch with runbook v2"}
	case change.TemplateApprove:
		return change.TemplateApproval{Rationale: "proven procedure"}
	case change.TemplateActivate:
		return change.TemplateActivation{Review: "failure caused by a missing pre-check, now in the runbook"}
	case change.TemplateSuspend:
		return change.TemplateSuspension{Reason: "vendor withdrew the patch"}
	case change.TemplateReview:
		return change.TemplateReviewRecord{Findings: "still low risk, 14 successful uses"}
	case change.TemplateRetire:
		return change.TemplateRetirement{Reason: "payroll replaced"}
	case change.TemplateNote:
		return change.TemplateNoteText{Text: "used for the March patch"}
	}
	panic("no valid template command for " + string(tr))
}

// templateTo drives a new template to the status.
func (f *fixture) templateTo(t testing.TB, status change.TemplateStatus) *change.Template {
	t.Helper()
	tpls := f.svc.Templates()
	if status == change.TemplateProposed {
		tpl, err := tpls.Propose(f.ctx, manager, change.TemplateProposal{ID: f.id("TPL"), Name: "payroll patch", Model: change.ModelNameStandard,
			Author: "max", Procedure: "apply vendor patch",
			Remediation: change.RemediationPlan{Plan: "uninstall the patch", Tested: true}, Services: []string{"payroll"}, ItemTypes: []string{"application"}})
		require.NoError(t, err)
		return tpl
	}
	tpl := f.template(t)
	var err error
	f.clk.Advance(time.Minute)
	switch status {
	case change.TemplateSuspended:
		tpl, err = tpls.Suspend(f.ctx, manager, tpl.ID, change.TemplateSuspension{Reason: "instance failed"})
	case change.TemplateRetired:
		tpl, err = tpls.Retire(f.ctx, manager, tpl.ID, change.TemplateRetirement{Reason: "obsolete"})
	}
	require.NoError(t, err)
	require.Equal(t, status, tpl.Status)
	return tpl
}

func (f *fixture) templateSnap(t testing.TB, id string) string {
	t.Helper()
	tpl, err := f.svc.Templates().Get(f.ctx, id)
	require.NoError(t, err)
	j, err := f.svc.Templates().Journal(f.ctx, id)
	require.NoError(t, err)
	b, _ := json.Marshal([]any{tpl, j})
	return string(b)
}
