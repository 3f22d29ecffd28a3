package change_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lastEntry(t *testing.T, f *fixture, id string) sms.Entry {
	t.Helper()
	j, err := f.svc.Journal(f.ctx, id)
	require.NoError(t, err)
	require.NoError(t, sms.VerifyJournal(j))
	return j[len(j)-1]
}

func payload(e sms.Entry, key string) string {
	v, _ := sms.Get(e.Payload, key)
	return v
}

func payloadAll(e sms.Entry, key string) []string {
	var out []string
	for _, f := range e.Payload {
		if f.Key == key {
			out = append(out, f.Value)
		}
	}
	return out
}

func journalOf(t *testing.T, f *fixture, id string) []sms.Entry {
	t.Helper()
	j, err := f.svc.Journal(f.ctx, id)
	require.NoError(t, err)
	return j
}

// TestModelPaths: each model's whole path, as its journal records it.
func TestModelPaths(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	normal := f.to(t, change.ModelNameNormal, change.StatusClosed)
	smstest.RequireJournal(t, journalOf(t, f, normal.ID), "raise", "submit", "complete_assessment", "approve", "authorize",
		"schedule", "notify", "start_implementation", "complete", "review", "close")
	assert.Equal(t, change.CloseSuccessful, normal.CloseCode)
	assert.Equal(t, "default-1", normal.PolicyVersion)
	assert.Equal(t, change.ModelNormal, normal.ModelType)

	standard := f.to(t, change.ModelNameStandard, change.StatusClosed)
	smstest.RequireJournal(t, journalOf(t, f, standard.ID), "raise", "submit_standard", "schedule", "notify",
		"start_implementation", "complete", "review", "close")
	assert.Equal(t, "template:"+standard.Template, standard.Authority.AuthorizedBy)
	assert.Contains(t, standard.Authority.Minutes, "pre-authorized by template")
	assert.Equal(t, "uninstall the patch", standard.Remediation.Plan, "a standard change carries its template's remediation plan (CHG-11)")

	emergency := f.to(t, change.ModelNameEmergency, change.StatusClosed)
	smstest.RequireJournal(t, journalOf(t, f, emergency.ID), "raise", "submit_emergency", "approve", "authorize",
		"schedule", "notify", "start_implementation", "complete", "record_assessment", "review", "close")
	assert.True(t, emergency.Assessment.Retrospective)
	assert.Equal(t, emergency.SubmittedAt.Add(5*24*time.Hour), emergency.RetroDue)

	// A standard change whose model skips the review closes without one.
	quick := f.to(t, change.ModelNameStandard, change.StatusReview)
	closed := f.do(t, quick.ID, f.valid(change.TriggerClose))
	assert.Equal(t, change.StatusClosed, closed.Status)
	assert.Nil(t, closed.Review)
}

// TestMajorImpactAndRiskAuthority: CHG-03 — the major-impact evaluation and
// its criteria version are stored and journaled; a risk of 12 or more needs
// two CAB members (the default policy's ByRisk), and the journal records
// the rule and the tally.
func TestMajorImpactAndRiskAuthority(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAssess)
	assert.False(t, chg.MajorImpact)
	assert.Equal(t, "default-1", chg.CriteriaVersion)
	assert.Equal(t, "false", payload(lastEntry(t, f, chg.ID), "major_impact"))

	e := evaluation()
	e.Likelihood, e.Impact = 3, 4 // 12: CAB quorum 2, not major
	chg, err := f.svc.CompleteAssessment(f.ctx, boss, chg.ID, e)
	require.NoError(t, err)
	assert.Equal(t, 12, chg.Assessment.RiskScore)
	assert.Equal(t, "2 of cab_member excluding requester|implementer", payload(lastEntry(t, f, chg.ID), "approval_rule"))

	_, err = f.svc.Approve(f.ctx, manager, chg.ID, change.Approval{Rationale: "fine"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-06", fe.Requirement.ID, "a change manager is not the authority of a risky change")
	chg, err = f.svc.Approve(f.ctx, cab1, chg.ID, change.Approval{Rationale: "fine"})
	require.NoError(t, err)
	assert.Equal(t, "pending", payload(lastEntry(t, f, chg.ID), "tally"))
	chg, err = f.svc.Approve(f.ctx, cab2, chg.ID, change.Approval{Rationale: "agreed", Conditions: "after month end"})
	require.NoError(t, err)
	last := lastEntry(t, f, chg.ID)
	assert.Equal(t, "approved", payload(last, "tally"))
	assert.Equal(t, "after month end", payload(last, "conditions"))
	assert.Equal(t, "cab_member", payload(last, "role"))
	chg, err = f.svc.Authorize(f.ctx, manager, chg.ID, change.Authorization{Priority: 2})
	require.NoError(t, err)
	assert.Equal(t, change.StatusScheduled, chg.Status)
	assert.Equal(t, "cara,cole", payload(lastEntry(t, f, chg.ID), "approved_by"))
	assert.Len(t, chg.Approvals(), 2)

	// Three services at once meet the criteria at submission.
	r := request(change.ModelNameNormal)
	r.ID, r.Services = "CHG-WIDE", []string{"payroll", "hr", "time"}
	wide, err := f.svc.Raise(f.ctx, requester, r)
	require.NoError(t, err)
	wide, err = f.svc.Submit(f.ctx, requester, wide.ID, change.Submission{})
	require.NoError(t, err)
	assert.True(t, wide.MajorImpact)
	assert.Equal(t, []string{"services>=3"}, wide.CriteriaMet)
}

// TestRejectionRecordsTheDecision: a rejection in authorize is the
// approver's decision, in the approvals with its reason.
func TestRejectionRecordsTheDecision(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	chg, err := f.svc.Reject(f.ctx, cab1, chg.ID, change.Rejection{Reason: "payroll freeze"})
	require.NoError(t, err)
	assert.Equal(t, change.StatusRejected, chg.Status)
	assert.Equal(t, "payroll freeze", chg.RejectReason)
	require.Len(t, chg.Approvals(), 1)
	assert.Equal(t, sms.Reject, chg.Approvals()[0].Decision)
	assert.Equal(t, "payroll freeze", lastEntry(t, f, chg.ID).Reason)
}

// TestConflictDetection: CHG-08 — another change scheduled on the same
// service or configuration item in an overlapping window must be
// acknowledged; other windows and other services do not conflict.
func TestConflictDetection(t *testing.T) {
	t.Parallel()
	p := change.DefaultPolicy()
	p.Models[0].LeadTime = 0 // windows near each other, whenever submitted
	f := newFixture(t, p)
	first := f.to(t, change.ModelNameNormal, change.StatusScheduled)
	first = f.schedule(t, first.ID)
	w := first.Schedule.Window

	// Same configuration item, other service.
	r := request(change.ModelNameNormal)
	r.ID, r.Services = "CHG-CI", []string{"reporting"}
	second := f.authorized(t, r)
	s := f.valid(change.TriggerSchedule).(change.Scheduling)
	s.Window = change.Window{Start: w.Start.Add(2 * time.Hour), End: w.End.Add(2 * time.Hour)}
	_, err := f.svc.Schedule(f.ctx, manager, second.ID, s)
	smstest.RequireRefused(t, err, "CHG-08")
	conflicts, err := f.svc.Conflicts(f.ctx, second, s.Window)
	require.NoError(t, err)
	assert.Equal(t, []string{first.ID}, conflicts)

	s.Acknowledge = []string{first.ID}
	second, err = f.svc.Schedule(f.ctx, manager, second.ID, s)
	require.NoError(t, err)
	assert.Equal(t, []string{first.ID}, second.Schedule.Conflicts)
	assert.Equal(t, []string{first.ID}, payloadAll(lastEntry(t, f, second.ID), "conflict"))

	// A window after the first one does not conflict.
	s.Acknowledge = nil
	s.Window = change.Window{Start: w.End.Add(2 * time.Hour), End: w.End.Add(3 * time.Hour)}
	second, err = f.svc.Schedule(f.ctx, manager, second.ID, s)
	require.NoError(t, err)
	assert.Empty(t, second.Schedule.Conflicts)
	assert.Equal(t, 1, second.Schedule.Revisions)
	assert.True(t, second.Schedule.NotifiedAt.IsZero(), "a new schedule needs a new notification")

	// Unrelated service and item: no conflict in the same window.
	r = request(change.ModelNameNormal)
	r.ID, r.Services, r.ConfigItems = "CHG-OTHER", []string{"crm"}, []change.ConfigItem{{ID: "crm-1", Type: "application"}}
	third := f.authorized(t, r)
	conflicts, err = f.svc.Conflicts(f.ctx, third, w)
	require.NoError(t, err)
	assert.Empty(t, conflicts)

	// The forward schedule lists both scheduled changes, by start.
	fsc, err := f.svc.ForwardSchedule(f.ctx, w.Start.Add(-time.Hour), w.End.Add(10*time.Hour))
	require.NoError(t, err)
	require.Len(t, fsc, 2)
	assert.Equal(t, first.ID, fsc[0].ID)
	assert.Equal(t, second.ID, fsc[1].ID)
	fsc, err = f.svc.ForwardSchedule(f.ctx, w.End.Add(time.Hour), w.End.Add(90*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, fsc, "nothing scheduled in the gap")

	// Queries find changes by any service or item link.
	page, err := f.svc.List(f.ctx, change.Query{Link: sms.Link{Type: change.LinkConfigItem, ID: "app-1"}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
	page, err = f.svc.List(f.ctx, change.Query{Service: "reporting"})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	page, err = f.svc.List(f.ctx, change.Query{Owner: "ivan", Status: []change.Status{change.StatusScheduled}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
}

// authorized raises a normal change from r and takes it to scheduled,
// with the clock past its lead time.
func (f *fixture) authorized(t *testing.T, r change.Request) *change.Change {
	t.Helper()
	chg, err := f.svc.Raise(f.ctx, requester, r)
	require.NoError(t, err)
	for _, tr := range []change.Trigger{change.TriggerSubmit, change.TriggerAssess, change.TriggerApprove, change.TriggerAuthorize} {
		chg = f.step(t, chg.ID, tr)
	}
	require.Equal(t, change.StatusScheduled, chg.Status)
	return chg
}

// TestStandardTemplateSuspendedOnFailure: CHG-18 — a failed instance
// suspends its template durably (the template's journal says which change
// failed); further instances are refused until the template is reviewed,
// approved and reinstated.
func TestStandardTemplateSuspendedOnFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameStandard, change.StatusImplement)
	failed, err := f.svc.Fail(f.ctx, implementer, chg.ID, change.Failure{Reason: "patch broke login"})
	require.NoError(t, err)
	assert.Equal(t, change.StatusRemediating, failed.Status)

	tpl, err := f.svc.Templates().Get(f.ctx, chg.Template)
	require.NoError(t, err)
	assert.Equal(t, change.TemplateSuspended, tpl.Status)
	assert.Equal(t, chg.ID, tpl.FailedChange)
	j, err := f.svc.Templates().Journal(f.ctx, tpl.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	assert.Equal(t, "suspend", last.Trigger)
	assert.Equal(t, "ivan", last.Actor.ID)
	assert.Equal(t, chg.ID, payload(last, "failed_change"))

	r := request(change.ModelNameStandard)
	r.ID, r.Template = "CHG-NEXT", tpl.ID
	next, err := f.svc.Raise(f.ctx, requester, r)
	require.NoError(t, err)
	_, err = f.svc.SubmitStandard(f.ctx, requester, next.ID, change.StandardSubmission{})
	smstest.RequireRefused(t, err, "CHG-18")

	f.clk.Advance(time.Hour)
	_, err = f.svc.Templates().Approve(f.ctx, boss, tpl.ID, change.TemplateApproval{Rationale: "login check added"})
	require.NoError(t, err)
	_, err = f.svc.Templates().Activate(f.ctx, manager, tpl.ID, change.TemplateActivation{Review: "root cause: missing pre-check"})
	require.NoError(t, err)
	next, err = f.svc.SubmitStandard(f.ctx, requester, next.ID, change.StandardSubmission{})
	require.NoError(t, err)
	assert.Equal(t, change.StatusScheduled, next.Status)

	findings, err := f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, findings, "a reinstated template is not reported")
}

func TestKeepTemplateOnFailure(t *testing.T) {
	t.Parallel()
	p := change.DefaultPolicy()
	p.KeepTemplateOnFailure = true
	f := newFixture(t, p)
	chg := f.to(t, change.ModelNameStandard, change.StatusRemediating)
	tpl, err := f.svc.Templates().Get(f.ctx, chg.Template)
	require.NoError(t, err)
	assert.Equal(t, change.TemplateActive, tpl.Status)
	assert.Empty(t, payload(lastEntry(t, f, chg.ID), "template_suspension"))
}

// TestEmergencyRetrospective: CHG-17 — the record is due within the
// policy's window; the sweep reports it overdue, and reports a late one.
func TestEmergencyRetrospective(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameEmergency, change.StatusReview)
	due := chg.RetroDue
	findings, err := change.Sweep(chg, f.svc.Policy(), due)
	require.NoError(t, err)
	assert.Empty(t, findings, "not overdue at the due time")
	findings, err = change.Sweep(chg, f.svc.Policy(), due.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, findings, 1)
	assert.Equal(t, change.CodeRetroOverdue, findings[0].Code)
	assert.Equal(t, "CHG-17", findings[0].Requirement.ID)

	all, err := f.svc.Sweep(f.ctx, due.Add(time.Hour))
	require.NoError(t, err)
	assert.Len(t, all, 1)

	f.clk.Advance(due.Sub(f.clk.Now()) + time.Hour)
	late := f.step(t, chg.ID, change.TriggerRecordAssessment)
	findings, err = change.Sweep(late, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	require.Len(t, findings, 1, "recorded late is still a finding")
	assert.Contains(t, findings[0].Detail, "recorded")

	onTime := f.to(t, change.ModelNameEmergency, change.StatusReview)
	onTime = f.step(t, onTime.ID, change.TriggerRecordAssessment)
	findings, err = change.Sweep(onTime, f.svc.Policy(), onTime.RetroDue.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, findings)
	_, err = change.Sweep(nil, f.svc.Policy(), t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestRemediationOutcomes: CHG-12 — a failed change is remedied; accepting
// a degraded service is an eligible approver's decision; the close code
// says unsuccessful; incidents of the outage are linked.
func TestRemediationOutcomes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusRemediating)
	assert.True(t, chg.HasLink(change.LinkIncident, "INC-9"))
	assert.True(t, chg.Failed())
	chg, err := f.svc.RemediationDone(f.ctx, cab2, chg.ID, change.Remedy{Outcome: change.OutcomeDegradedAccepted, Notes: "reports slower until 4.3",
		Incidents: []string{"INC-10"}})
	require.NoError(t, err)
	assert.Equal(t, "cole", chg.Work.DegradedAcceptedBy)
	assert.True(t, chg.HasLink(change.LinkIncident, "INC-10"))
	chg = f.ready(t, chg, change.TriggerClose)
	chg = f.step(t, chg.ID, change.TriggerClose)
	assert.Equal(t, change.CloseUnsuccessful, chg.CloseCode)

	issues := f.to(t, change.ModelNameNormal, change.StatusImplement)
	issues, err = f.svc.Complete(f.ctx, implementer, issues.ID, change.Completion{Outcome: change.OutcomeSuccessfulIssues, Notes: "one report late"})
	require.NoError(t, err)
	issues = f.ready(t, issues, change.TriggerClose)
	issues = f.step(t, issues.ID, change.TriggerClose)
	assert.Equal(t, change.CloseSuccessfulIssues, issues.CloseCode)
}

// TestConfigurationControl: CHG-01, CHG-15 — items of types outside change
// control need no update reference; an explicit "no configuration impact"
// closes without any.
func TestConfigurationControl(t *testing.T) {
	t.Parallel()
	p := change.DefaultPolicy()
	p.Controlled = []string{"server"}
	f := newFixture(t, p)
	pol := f.svc.Policy()
	assert.True(t, pol.UnderControl("server"))
	assert.False(t, pol.UnderControl("application"))
	chg := f.to(t, change.ModelNameNormal, change.StatusReview)
	chg = f.ready(t, chg, change.TriggerClose)
	closed, err := f.svc.Close(f.ctx, manager, chg.ID, change.Closure{})
	require.NoError(t, err, "the application is not under change control")
	assert.Equal(t, change.StatusClosed, closed.Status)

	f2 := newFixture(t, change.DefaultPolicy())
	chg = f2.to(t, change.ModelNameNormal, change.StatusReview)
	chg = f2.ready(t, chg, change.TriggerClose)
	closed, err = f2.svc.Close(f2.ctx, manager, chg.ID, change.Closure{NoConfigImpact: true})
	require.NoError(t, err)
	assert.True(t, closed.NoConfigImpact)
	assert.Equal(t, "true", payload(lastEntry(t, f2, chg.ID), "no_config_impact"))
}

// TestDesignAndTransitionGate: CHG-05, SDT-01 to SDT-06 — a major-impact
// change is authorized once its plan is approved, and the plan runs its
// own life through to the outcome report.
func TestDesignAndTransitionGate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	var chg change.Change
	id := "CHG-MAJOR"
	f.majorInAuthorize(t, &chg, id, f.planFor(t, id, true))
	assert.True(t, chg.HasLink(change.LinkTransitionPlan, chg.TransitionPlan))
	authorized, err := f.svc.Authorize(f.ctx, manager, chg.ID, change.Authorization{Priority: 2})
	require.NoError(t, err)
	assert.Equal(t, change.StatusScheduled, authorized.Status)

	plans := f.svc.Plans()
	tp, err := plans.Get(f.ctx, chg.TransitionPlan)
	require.NoError(t, err)
	for _, tr := range []change.PlanTrigger{change.PlanStartDesign, change.PlanCompleteDesign, change.PlanFailAcceptance} {
		tp, err = plans.Do(f.ctx, planner, tp.ID, f.validPlan(tp, tr))
		require.NoError(t, err, "%s", tr)
	}
	tp, err = plans.Rework(f.ctx, owner, tp.ID, f.validPlan(tp, change.PlanRework).(change.Rework))
	require.NoError(t, err)
	assert.Equal(t, change.PlanRework, tp.Decision.Outcome)
	for _, tr := range []change.PlanTrigger{change.PlanPassAcceptance, change.PlanStartTransition, change.PlanEndTransition, change.PlanReport} {
		tp, err = plans.Do(f.ctx, planner, tp.ID, f.validPlan(tp, tr))
		require.NoError(t, err, "%s", tr)
	}
	tp, err = plans.Close(f.ctx, owner, tp.ID, change.PlanClosure{Notified: []string{"hr-lead"}})
	require.NoError(t, err)
	assert.Equal(t, change.PlanClosed, tp.Status)
	assert.Equal(t, "REL-1", tp.Release)
	assert.Len(t, tp.Measurements, 2)
	require.NoError(t, plans.Verify(f.ctx, tp.ID))
	page, err := plans.List(f.ctx, change.PlanQuery{Link: sms.Link{Type: change.LinkChange, ID: id}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)

	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
}

// TestTrends: CHG-14 — volume by model, category and service, success
// rate, emergency ratio, changes that caused incidents, backlog age.
func TestTrends(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	f.to(t, change.ModelNameNormal, change.StatusClosed)
	f.to(t, change.ModelNameNormal, change.StatusRemediating) // failed, linked INC-9
	f.to(t, change.ModelNameEmergency, change.StatusReview)
	f.to(t, change.ModelNameStandard, change.StatusClosed)
	draft := f.to(t, change.ModelNameNormal, change.StatusDraft)
	f.to(t, change.ModelNameNormal, change.StatusCancelled)
	asOf := f.clk.Now()
	tr, err := f.svc.Trends(f.ctx, t0, asOf.Add(time.Second), asOf)
	require.NoError(t, err)
	assert.Equal(t, 6, tr.Raised)
	assert.Equal(t, map[string]int{"normal": 4, "emergency": 1, "standard": 1}, tr.ByModel)
	assert.Equal(t, map[string]int{"software": 6}, tr.ByCategory)
	assert.Equal(t, map[string]int{"payroll": 6}, tr.ByService)
	assert.Equal(t, 3, tr.Successful)
	assert.Equal(t, 1, tr.Failed)
	assert.InDelta(t, 0.75, tr.SuccessRate, 1e-9)
	assert.Equal(t, 1, tr.Emergency)
	assert.InDelta(t, 1.0/6, tr.EmergencyRatio, 1e-9)
	assert.Equal(t, 1, tr.CausedIncidents)
	assert.Equal(t, 1, tr.Backlog)
	assert.Equal(t, asOf.Sub(draft.CreatedAt), tr.OldestBacklog)

	none := change.TrendsOf(nil, t0, t0, t0)
	assert.Zero(t, none.SuccessRate)
	assert.Zero(t, none.EmergencyRatio)
	before := change.TrendsOf([]*change.Change{draft}, asOf.Add(time.Hour), asOf.Add(2*time.Hour), asOf)
	assert.Zero(t, before.Raised, "outside the period")
	assert.Equal(t, 1, before.Backlog, "the backlog is as of, whatever the period")
}

// TestTemplateReviewSweep: CHG-18 — an active template's review is due at
// its interval; a review resets it.
func TestTemplateReviewSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	tpl := f.template(t)
	year := 365 * 24 * time.Hour
	fs, err := change.SweepTemplate(tpl, f.svc.Policy(), tpl.ActivatedAt.Add(year))
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = change.SweepTemplate(tpl, f.svc.Policy(), tpl.ActivatedAt.Add(year+time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, change.CodeTemplateReviewOverdue, fs[0].Code)

	f.clk.Advance(year)
	tpl, err = f.svc.Templates().Review(f.ctx, manager, tpl.ID, change.TemplateReviewRecord{Findings: "still sound"})
	require.NoError(t, err)
	fs, err = f.svc.Sweep(f.ctx, f.clk.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, fs)
	_, err = change.SweepTemplate(nil, f.svc.Policy(), t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestPermitted lists what an actor may fire now.
func TestPermitted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	assert.Equal(t, []change.Trigger{"approve", "authorize", "note", "reject"}, f.svc.Permitted(chg, cab1))
	assert.Equal(t, []change.Trigger{"cancel", "link", "note"}, f.svc.Permitted(chg, requester))
	assert.Nil(t, f.svc.Permitted(nil, cab1))
	tp := f.plan(t, chg.ID)
	assert.Equal(t, []change.PlanTrigger{"approve", "cancel", "note"}, f.svc.Plans().Permitted(tp, owner))
	tpl := f.template(t)
	assert.Equal(t, []change.TemplateTrigger{"note", "suspend"}, f.svc.Templates().Permitted(tpl, implementer))
}

// TestAmendJournalsOldValues: a draft is amended with the old values kept.
func TestAmendJournalsOldValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	chg := f.to(t, change.ModelNameNormal, change.StatusDraft)
	chg, err := f.svc.Amend(f.ctx, requester, chg.ID, change.Amendment{Category: "hardware", Services: []string{"hr"},
		ConfigItems: []change.ConfigItem{{ID: "srv-2", Type: "server"}}, Model: change.ModelNameEmergency})
	require.NoError(t, err)
	assert.Equal(t, []string{"hr"}, chg.Services)
	assert.Equal(t, []change.ConfigItem{{ID: "srv-2", Type: "server"}}, chg.ConfigItems)
	assert.Equal(t, change.ModelEmergency, chg.ModelType)
	assert.False(t, chg.HasLink(change.LinkService, "payroll"))
	assert.True(t, chg.HasLink(change.LinkConfigItem, "srv-2"))
	e := lastEntry(t, f, chg.ID)
	assert.Equal(t, "software", payload(e, "category.old"))
	assert.Equal(t, "payroll", payload(e, "services.old"))
	assert.Equal(t, "normal", payload(e, "model.old"))
}
