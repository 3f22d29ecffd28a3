package continuity_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// The four processes wired to each other as a host wires them: the agreed
// requirements are what a plan is approved against and what a test is
// judged by, the plans what a test and an invocation find. Payroll's RTO is
// 4 h: a test recovering in 5 h is a deficiency the review must act on; an
// invocation by a plan authority recovering in 3 h meets it.
func TestProcessesWired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := smstest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	opts := sms.Options{Now: clk.Now}
	mgr := sms.Actor{ID: "cora", Roles: []sms.Role{continuity.RoleContinuityManager}}
	mgr2 := sms.Actor{ID: "carl", Roles: []sms.Role{continuity.RoleContinuityManager}}
	cust1 := sms.Actor{ID: "hanna", Roles: []sms.Role{continuity.RoleCustomer}}
	cust2 := sms.Actor{ID: "henk", Roles: []sms.Role{continuity.RoleCustomer}}
	boss := sms.Actor{ID: "ines", Roles: []sms.Role{continuity.RoleInvocationAuthority, continuity.RoleContinuityManager}}

	reqs, err := continuity.NewRequirements(memstore.New[*continuity.Requirement](), nil, opts)
	require.NoError(t, err)
	r, err := reqs.Draft(ctx, mgr, continuity.RequirementDraft{Service: "payroll", RequirementContent: continuity.RequirementContent{
		Objectives: continuity.Objectives{RTO: 4 * time.Hour, RPO: time.Hour, MTPD: 24 * time.Hour, MinServiceLevel: "payslips by the 28th"},
		Basis:      []string{"SLA-payroll", "BIA-2026"}}})
	require.NoError(t, err)
	for _, c := range []sms.Actor{cust1, cust2} {
		_, err = reqs.Agree(ctx, c, r.ID, continuity.CustomerAgreement{})
		require.NoError(t, err)
	}
	_, err = reqs.Confirm(ctx, mgr, r.ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)

	plans, err := continuity.NewPlans(memstore.New[*continuity.Plan](), reqs, opts)
	require.NoError(t, err)
	p, err := plans.Draft(ctx, mgr, continuity.PlanDraft{Services: []string{"payroll"}, Contents: continuity.Contents{
		InvocationCriteria: "the data centre is lost or payroll is down for 2 h in the run week",
		Authorities:        []string{"ines"},
		Procedures:         continuity.Procedures{Invocation: "PROC-INV 2", MajorLoss: "PROC-ML 1", ReturnToNormal: "PROC-RTN 1"},
		DegradedTargets:    []string{"payslips by the 30th"}, RecoveryRequirements: []string{"restore from the 01:00 backup"},
		Contacts: []continuity.Contact{{Name: "Ines", Role: "crisis lead", Phone: "+49 30 1234"}}}})
	require.NoError(t, err)
	_, err = plans.Approve(ctx, mgr2, p.ID, continuity.PlanApproval{})
	require.NoError(t, err)
	p, err = plans.Activate(ctx, mgr2, p.ID, continuity.PlanActivation{})
	require.NoError(t, err)
	_, err = plans.RecordCopy(ctx, mgr, p.ID, continuity.CopyRecord{Location: "vault B", Medium: "paper", Digest: p.Digest()})
	require.NoError(t, err)

	tests, err := continuity.NewTests(memstore.New[*continuity.Test](), plans, reqs, opts)
	require.NoError(t, err)
	tst, err := tests.Schedule(ctx, mgr, continuity.TestSchedule{Plan: p.ID, Scenario: "loss of the primary site", Scheduled: clk.Now().Add(24 * time.Hour)})
	require.NoError(t, err)
	clk.Advance(30 * time.Hour)
	tst, err = tests.Execute(ctx, mgr, tst.ID, continuity.TestExecution{Participants: []string{"cora", "ines"}, Evidence: []string{"EX-2026-12"},
		Started: clk.Now().Add(-6 * time.Hour), Ended: clk.Now().Add(-time.Hour),
		Measurements: []continuity.TestMeasurement{{Service: "payroll", Recovery: 5 * time.Hour, DataLoss: 30 * time.Minute}}})
	require.NoError(t, err)
	require.Len(t, tst.Results, 1)
	assert.False(t, tst.Results[0].Met, "5 h against the agreed 4 h RTO")
	before := smstest.Snap(t, tests, tst.ID)
	_, err = tests.Review(ctx, mgr, tst.ID, continuity.TestReview{Conclusions: "restore too slow"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"CON-11"}, ge.IDs())
	smstest.RequireUnchanged(t, tests, tst.ID, before)
	_, err = tests.Review(ctx, mgr, tst.ID, continuity.TestReview{Conclusions: "restore too slow",
		Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "CHG-88 faster restore path"}}})
	require.NoError(t, err)

	inv, err := continuity.NewInvocations(memstore.New[*continuity.Invocation](), plans, opts, reqs)
	require.NoError(t, err)
	_, err = inv.Invoke(ctx, mgr, continuity.Invoke{Plan: p.ID, MajorIncident: "INC-7", CriteriaMet: "site lost"})
	require.Error(t, err, "cora is no authority of the plan")
	in, err := inv.Invoke(ctx, boss, continuity.Invoke{Plan: p.ID, MajorIncident: "INC-7", CriteriaMet: "site lost"})
	require.NoError(t, err)
	_, err = inv.StartRecovery(ctx, boss, in.ID, continuity.RecoveryStart{})
	require.NoError(t, err)
	clk.Advance(3 * time.Hour)
	in, err = inv.Recovered(ctx, boss, in.ID, continuity.Recovery{Degraded: []continuity.DegradedTarget{{Target: "payslips by the 30th", Measured: "on track"}}})
	require.NoError(t, err)
	require.Len(t, in.Recovery, 1)
	assert.True(t, in.Recovery[0].Met, "3 h against the 4 h RTO")
}

// Check 12 over the stored records: the wired story conforms once the
// plan was tested; a service with agreed requirements and no plan, a plan
// whose current version has no off-site copy and a plan not tested within
// the interval are findings.
func TestConformContinuity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := smstest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	opts := sms.Options{Now: clk.Now}
	mgr := sms.Actor{ID: "cora", Roles: []sms.Role{continuity.RoleContinuityManager}}
	mgr2 := sms.Actor{ID: "carl", Roles: []sms.Role{continuity.RoleContinuityManager}}
	reqs, err := continuity.NewRequirements(memstore.New[*continuity.Requirement](), nil, opts)
	require.NoError(t, err)
	for _, svc := range []string{"payroll", "mail"} {
		r, err := reqs.Draft(ctx, mgr, continuity.RequirementDraft{Service: svc, RequirementContent: continuity.RequirementContent{
			Objectives: continuity.Objectives{RTO: 4 * time.Hour, RPO: time.Hour, MTPD: 24 * time.Hour, MinServiceLevel: "degraded"}, Basis: []string{"BIA-2026"}}})
		require.NoError(t, err)
		for _, c := range []string{"hanna", "henk"} {
			_, err = reqs.Agree(ctx, sms.Actor{ID: c, Roles: []sms.Role{continuity.RoleCustomer}}, r.ID, continuity.CustomerAgreement{})
			require.NoError(t, err)
		}
		_, err = reqs.Confirm(ctx, mgr, r.ID, continuity.RequirementConfirmation{})
		require.NoError(t, err)
	}
	plans, err := continuity.NewPlans(memstore.New[*continuity.Plan](), reqs, opts)
	require.NoError(t, err)
	p, err := plans.Draft(ctx, mgr, continuity.PlanDraft{Services: []string{"payroll"}, Contents: continuity.Contents{
		InvocationCriteria: "site lost", Authorities: []string{"ines"},
		Procedures:      continuity.Procedures{Invocation: "PROC-INV", MajorLoss: "PROC-ML", ReturnToNormal: "PROC-RTN"},
		DegradedTargets: []string{"payslips late by 2 days"}, RecoveryRequirements: []string{"restore"},
		Contacts: []continuity.Contact{{Name: "Ines", Role: "lead", Phone: "+49 30 1"}}}})
	require.NoError(t, err)
	_, err = plans.Approve(ctx, mgr2, p.ID, continuity.PlanApproval{})
	require.NoError(t, err)
	p, err = plans.Activate(ctx, mgr2, p.ID, continuity.PlanActivation{})
	require.NoError(t, err)
	tests, err := continuity.NewTests(memstore.New[*continuity.Test](), plans, reqs, opts)
	require.NoError(t, err)

	codes := func(asOf time.Time) []string {
		t.Helper()
		rep, err := continuity.Conform(ctx, reqs, plans, tests, nil, continuity.ConformPolicy{TestEvery: 90 * 24 * time.Hour}, asOf)
		require.NoError(t, err)
		var out []string
		for _, f := range rep.Findings() {
			out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
		}
		return out
	}
	// Approved on 1 December: a test is due within 90 days, by 1 March.
	assert.Equal(t, []string{"OFFSITE_COPY_STALE CON-06 " + p.ID, "CONT_PLAN_MISSING CON-04 mail"}, codes(clk.Now()))
	_, err = plans.RecordCopy(ctx, mgr, p.ID, continuity.CopyRecord{Location: "vault", Medium: "paper", Digest: p.Digest()})
	require.NoError(t, err)
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 mail", "PLAN_TEST_OVERDUE CON-07 " + p.ID}, codes(time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)))

	// A retest cleared with a test that does not exist is found: the plan
	// takes the host's word, check 12 reads the tests.
	_, err = plans.RequireRetest(ctx, mgr, p.ID, continuity.RetestRequirement{Reason: "CHG-77", Due: clk.Now().Add(30 * 24 * time.Hour)})
	require.NoError(t, err)
	_, err = plans.Retested(ctx, mgr, p.ID, continuity.Retest{Test: "CT-404"})
	require.NoError(t, err)
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 mail", "RETEST_OVERDUE CON-08 " + p.ID}, codes(clk.Now().Add(time.Hour)))
}

// A major change to a service puts its plans up for a retest (CON-08):
// closed on 1 December with 30 days to retest, the plan is overdue from
// 31 December 00:00:01 unless a test of it ended after the close; a minor
// change, or a plan for another service, is not concerned.
func TestRetestsDue(t *testing.T) {
	t.Parallel()
	closed := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	plan := &continuity.Plan{Status: continuity.PlanActive, Services: []string{"payroll"}}
	plan.ID = "CP-1"
	other := &continuity.Plan{Status: continuity.PlanActive, Services: []string{"mail"}}
	other.ID = "CP-2"
	changes := []continuity.ChangeFact{
		{ID: "CHG-1", Services: []string{"payroll", "hr"}, ClosedAt: closed, MajorImpact: true},
		{ID: "CHG-2", Services: []string{"payroll"}, ClosedAt: closed},
	}
	plans := []*continuity.Plan{plan, other}
	due := closed.Add(30 * 24 * time.Hour)
	assert.Empty(t, continuity.RetestsDue(changes, plans, nil, 0, due))
	fs := continuity.RetestsDue(changes, plans, nil, 0, due.Add(time.Second))
	require.Len(t, fs, 1)
	assert.Equal(t, "RETEST_OVERDUE CON-08 CP-1", fs[0].Code+" "+fs[0].Requirement.ID+" "+fs[0].EntityID)

	before := &continuity.Test{Plan: "CP-1", Status: continuity.TestClosed, Ended: closed.Add(-time.Hour)}
	after := &continuity.Test{Plan: "CP-1", Status: continuity.TestExecuted, Ended: closed.Add(48 * time.Hour)}
	assert.Len(t, continuity.RetestsDue(changes, plans, []*continuity.Test{before}, 0, due.Add(time.Second)), 1, "a test before the change does not count")
	assert.Empty(t, continuity.RetestsDue(changes, plans, []*continuity.Test{before, after}, 0, due.Add(time.Second)))
}

// The invocation part of check 12: a reviewed invocation whose recovery
// exceeded the RTO without an action fails CON-11; one naming an invoker
// its journal does not show fails CON-12.
func TestConformInvocations(t *testing.T) {
	t.Parallel()
	fail := &continuity.Invocation{Status: continuity.InvocationReviewed, InvokedBy: "ines", Conclusions: "slow restore",
		Recovery: []continuity.RecoveryResult{{Service: "payroll", Achieved: 5 * time.Hour, RTO: 4 * time.Hour}}}
	fail.ID = "INV-1"
	ok := &continuity.Invocation{Status: continuity.InvocationClosed, InvokedBy: "ines", Conclusions: "slow restore",
		Recovery:     []continuity.RecoveryResult{{Service: "payroll", Achieved: 5 * time.Hour, RTO: 4 * time.Hour}},
		Deficiencies: []continuity.Deficiency{{Service: "payroll", Finding: "5 h", Action: "CHG-9"}}}
	ok.ID = "INV-2"
	journal := []sms.Entry{{Seq: 1, Trigger: string(continuity.TriggerInvoke), Actor: sms.Actor{ID: "mallory"}}}
	cs := continuity.InvocationConformChecks()
	judge := func(v *continuity.Invocation, j []sms.Entry) []string {
		au := sms.NewAudit(time.Now(), continuity.InvocationRequirements())
		sms.Examine(au, cs, v, j)
		var out []string
		for _, f := range au.Report().Findings() {
			out = append(out, f.Requirement.ID)
		}
		return out
	}
	assert.Equal(t, []string{"CON-11"}, judge(fail, nil))
	assert.Empty(t, judge(ok, nil))
	assert.Equal(t, []string{"CON-12"}, judge(ok, journal), "the journal's invoker is mallory")
}
