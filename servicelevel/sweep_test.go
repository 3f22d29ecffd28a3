package servicelevel_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/servicelevel"
)

// codes returns the finding codes, in order, with the entity each names.
func codes(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}

func report(t *testing.T, a *servicelevel.Agreement, incidents int64, from, to time.Time) servicelevel.Report {
	t.Helper()
	r, err := servicelevel.PeriodReport(a, nil, map[string]int64{"incidents": incidents}, from, to)
	require.NoError(t, err)
	return r
}

var quarterly = servicelevel.Periodic{Reports: sms.Monthly("UTC"), Reviews: sms.Quarterly("UTC"), Grace: 5 * 24 * time.Hour}

// The periodic obligations of an agreement, swept month by month
// (SLM-02, SLM-04, SLM-05): activated on 1 December 2026 at 09:00 UTC, its
// December report is due at the end of the month and missing once the five
// days of grace have passed (7 January); its first quarterly review is
// due at the end of the quarter its activation falls in (1 January), and
// overdue past the grace. A report with 250 incidents against the limit of
// 200 keeps a workload finding until the review names an improvement; a
// service with no SLA in force is SLA_MISSING.
func TestSweepAgreements(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	live := []servicelevel.LiveService{{Service: "payroll", Customer: "hr"}, {Service: "mail", Customer: "hr"}, {Service: "payroll", Customer: "finance"}}
	sweep := func(asOf time.Time) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, live, quarterly, asOf)
		require.NoError(t, err)
		return codes(fs)
	}
	jan1 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	missing := []string{"SLA_MISSING SLM-02 mail", "SLA_MISSING SLM-02 payroll"}
	assert.Equal(t, missing, sweep(jan1.Add(5*24*time.Hour)), "on the last day of grace nothing is overdue")
	assert.Equal(t, append(missing, "SLA_REPORT_MISSING SLM-04 "+a.ID, "SLA_REVIEW_OVERDUE SLM-04 "+a.ID), sweep(jan1.Add(6*24*time.Hour)))

	e.clk.Set(jan1.Add(6 * 24 * time.Hour))
	r := report(t, a, 250, a.ActivatedAt, jan1)
	require.True(t, r.Exceeded)
	_, err := e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: r})
	require.NoError(t, err)
	assert.Equal(t, append(missing, "SLA_REVIEW_OVERDUE SLM-04 "+a.ID, "WORKLOAD_LIMIT_EXCEEDED SLM-05 "+a.ID), sweep(e.clk.Now()))

	_, err = e.svc.Review(e.ctx, slm, a.ID, servicelevel.ReviewStart{})
	require.NoError(t, err)
	_, err = e.svc.Conclude(e.ctx, slm, a.ID, servicelevel.Conclusion{Text: "December over the limit", Report: &r, Improvements: []string{"CI-12 capacity plan"}})
	require.NoError(t, err)
	assert.Equal(t, missing, sweep(e.clk.Now()), "the review names the improvement, attached to the issued report")
	got, err := e.svc.Get(e.ctx, a.ID)
	require.NoError(t, err)
	require.Len(t, got.Reports, 1)
	assert.Equal(t, []string{"CI-12 capacity plan"}, got.Reports[0].Improvements)
	assert.Nil(t, got.Reports[0].Report.Targets[0].Missed, "an issued report keeps counts, not the records")

	// Reviewed on 7 January, the next quarterly review is due at the end
	// of the next quarter (1 July); January's report on 1 February + grace.
	assert.Equal(t, append(missing, "SLA_REPORT_MISSING SLM-04 "+a.ID), sweep(time.Date(2027, 2, 7, 0, 0, 0, 0, time.UTC)))
	want := slices.Clone(missing)
	for range 6 { // January to June
		want = append(want, "SLA_REPORT_MISSING SLM-04 "+a.ID)
	}
	assert.Equal(t, append(want, "SLA_REVIEW_OVERDUE SLM-04 "+a.ID), sweep(time.Date(2027, 7, 6, 0, 0, 1, 0, time.UTC)))

	_, err = e.svc.Sweep(e.ctx, live, servicelevel.Periodic{Grace: -time.Hour}, jan1)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "periodic.grace", ve.Field)
}

// Issuing a report refuses what would let a period be reported as met
// when it was not, each refusal leaving the agreement as it was (SLM-04):
// flags that contradict the figures, another edition's report, a period
// that has not ended, one already reported, figures that do not add up.
func TestIssueRefusals(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	e.clk.Advance(40 * 24 * time.Hour)
	month := a.ActivatedAt.Add(30 * 24 * time.Hour)
	good := report(t, a, 250, a.ActivatedAt, month)
	before := smstestSnap(t, e, a.ID)

	refused := func(name string, r servicelevel.Report) {
		t.Helper()
		_, err := e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: r})
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge, name)
		assert.Equal(t, []string{"SLM-04"}, ge.IDs(), name)
		requireSame(t, e, a.ID, before)
	}
	hidden := good
	hidden.Exceeded = false
	refused("exceeded hidden", hidden)
	raised := good
	raised.Workload = []servicelevel.WorkloadResult{{Limit: servicelevel.Limit{Metric: "incidents", Max: 300, Window: "month"}, Actual: 250}}
	raised.Exceeded = false
	refused("limit raised in the report", raised)
	other := good
	other.Edition = 2
	refused("another edition", other)
	future := report(t, a, 10, a.ActivatedAt, e.clk.Now().Add(time.Hour))
	refused("a period not ended", future)
	before2 := a.ActivatedAt.Add(-48 * time.Hour)
	refused("a period before activation", report(t, a, 10, before2.Add(-time.Hour), before2))

	met := good.Targets[0]
	met.Met, met.AchievementNum = 1, 1
	bad := good
	bad.Targets = append([]servicelevel.TargetResult{met}, good.Targets[1:]...)
	_, err := e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: bad})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "report.targets", ve.Field)
	requireSame(t, e, a.ID, before)

	_, err = e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: good, Improvements: []string{"CI-3"}})
	require.NoError(t, err)
	before = smstestSnap(t, e, a.ID)
	refused("overlapping a period reported", report(t, a, 10, month.Add(-time.Hour), month.Add(time.Hour)))
}

// Check 9 of the auditor suite over the stored agreements: an agreement
// whose obligations are met passes every check, and the checks fail a
// record that lacks what its activation requires, signed by one person for
// both sides, or naming a signatory the journal does not show signing
// (SLM-03, the clarifications' identities); a missed period without an
// improvement fails SLM-06.
func TestConformAgreements(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	live := []servicelevel.LiveService{{Service: "payroll", Customer: "hr"}}
	asOf := a.ActivatedAt.Add(10 * 24 * time.Hour)
	rep, err := e.svc.Conform(e.ctx, live, quarterly, asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Check)
		if r.Check == "sla-coverage" || r.Check == "agreement-content" {
			assert.Equal(t, 1, r.Population, r.Check)
		}
	}
	assert.Equal(t, []string{"record-verification", "agreement-content", "agreement-follow-up", "agreement-obligations", "sla-coverage"}, names)

	// Issued over the limit without an improvement: SLM-06.
	e.clk.Advance(40 * 24 * time.Hour)
	_, err = e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: report(t, a, 250, a.ActivatedAt, a.ActivatedAt.Add(30*24*time.Hour))})
	require.NoError(t, err)
	rep, err = e.svc.Conform(e.ctx, live, quarterly, asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{"SLA_IMPROVEMENT_MISSING SLM-06 " + a.ID}, codes(rep.Findings()))

	stored, err := e.svc.Get(e.ctx, a.ID)
	require.NoError(t, err)
	journal, err := e.svc.Journal(e.ctx, a.ID)
	require.NoError(t, err)
	cs, err := servicelevel.AgreementChecks(quarterly)
	require.NoError(t, err)
	judge := func(g *servicelevel.Agreement, j []sms.Entry) []string {
		au := sms.NewAudit(asOf, servicelevel.Requirements())
		sms.Examine(au, cs, g, j)
		var out []string
		for _, f := range au.Report().Findings() {
			if f.Code == servicelevel.CodeAgreementIncomplete {
				out = append(out, f.Requirement.ID+": "+f.Detail)
			}
		}
		return out
	}
	assert.Empty(t, judge(stored, journal))
	forged := stored.Clone()
	forged.SignOffs[1].Person = "mallory"
	assert.Equal(t, []string{"SLM-03: mallory is named as a signatory but signed nothing in the journal"}, judge(forged, journal))
	one := stored.Clone()
	one.SignOffs[1].Person = one.SignOffs[0].Person
	assert.Equal(t, []string{"SLM-03: cleo signed for both sides"}, judge(one, journal))
	bare := stored.Clone()
	bare.Limits, bare.NoExceptions, bare.Evidence = nil, nil, servicelevel.Evidence{}
	assert.Equal(t, []string{"SLM-01: no evidence of the agreement", "SLM-03: no workload limit and no declaration that there is none",
		"SLM-03: no exception and no declaration that there is none"}, judge(bare, journal))
}

// An internal agreement is monitored as an SLA is (SLM-08): its period
// report is issued on it, a period over a workload limit is not concluded
// without the improvement raised (SLM-06), and its overdue report is swept.
func TestInternalAgreementMonitored(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	c := content()
	c.Activities, c.Interfaces = []string{"second-line database support"}, []string{"the DBA queue"}
	a, err := e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.OLA, Title: "Database OLA", Customer: "dba-team", Content: c})
	require.NoError(t, err)
	_, err = e.svc.Propose(e.ctx, slm, a.ID, servicelevel.Proposal{})
	require.NoError(t, err)
	_, err = e.svc.Sign(e.ctx, customer, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	require.NoError(t, err)
	_, err = e.svc.Sign(e.ctx, slm2, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	require.NoError(t, err)
	a, err = e.svc.Activate(e.ctx, slm, a.ID, servicelevel.Activation{})
	require.NoError(t, err)

	jan1 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	fs, err := e.svc.Sweep(e.ctx, nil, quarterly, jan1.Add(6*24*time.Hour))
	require.NoError(t, err)
	assert.Contains(t, codes(fs), "SLA_REPORT_MISSING SLM-04 "+a.ID)

	e.clk.Set(jan1.Add(time.Hour))
	r := report(t, a, 201, a.ActivatedAt, jan1)
	_, err = e.svc.Issue(e.ctx, slm, a.ID, servicelevel.Issue{Report: r})
	require.NoError(t, err)
	_, err = e.svc.Review(e.ctx, slm, a.ID, servicelevel.ReviewStart{})
	require.NoError(t, err)
	before := smstestSnap(t, e, a.ID)
	_, err = e.svc.Conclude(e.ctx, slm, a.ID, servicelevel.Conclusion{Text: "over the limit", Report: &r})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-06"}, ge.IDs())
	requireSame(t, e, a.ID, before)
}
