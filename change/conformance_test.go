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

func findingIDs(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Requirement.ID)
	}
	return out
}

// conforming returns closed changes of each model, driven through the
// workflow, that pass every check.
func conforming(t *testing.T) (*fixture, map[string]*change.Change) {
	t.Helper()
	f := newFixture(t, change.DefaultPolicy())
	out := map[string]*change.Change{}
	for _, m := range []string{change.ModelNameNormal, change.ModelNameStandard, change.ModelNameEmergency} {
		out[m] = f.to(t, m, change.StatusClosed)
		fs, err := change.Check(out[m], f.svc.Policy(), f.clk.Now())
		require.NoError(t, err)
		require.Empty(t, fs, "%s: %v", m, fs)
	}
	return f, out
}

// TestChecksReexamineRecords: the checks read the fields, not the status: a
// closed change stripped of what the workflow demanded fails them.
func TestChecksReexamineRecords(t *testing.T) {
	t.Parallel()
	f, closed := conforming(t)
	asOf := f.clk.Now()
	cases := []struct {
		name   string
		model  string
		mutate func(*change.Change)
		want   []string
	}{
		{"conforming", change.ModelNameNormal, func(*change.Change) {}, nil},
		{"no category", change.ModelNameNormal, func(c *change.Change) { c.Category = "" }, []string{"CHG-04"}},
		{"unknown model", change.ModelNameNormal, func(c *change.Change) { c.Model = "hasty" }, []string{"CHG-02"}},
		{"no assessment", change.ModelNameNormal, func(c *change.Change) { c.Assessment = nil }, []string{"CHG-07"}},
		{"no benefit", change.ModelNameNormal, func(c *change.Change) { c.Assessment.Benefit = "" }, []string{"CHG-07"}},
		{"a dimension unanswered", change.ModelNameNormal, func(c *change.Change) { c.Assessment.Dimensions.Plans.Notes = "" }, []string{"CHG-08"}},
		{"assessed after the start", change.ModelNameNormal, func(c *change.Change) { c.Assessment.AssessedAt = c.Work.StartedAt.Add(time.Second) },
			[]string{"CHG-07"}},
		{"no remediation plan", change.ModelNameNormal, func(c *change.Change) { c.Remediation = nil }, []string{"CHG-11"}},
		{"authorized after the start", change.ModelNameNormal, func(c *change.Change) {
			c.Authority.AuthorizedAt = c.Work.StartedAt.Add(time.Minute)
		}, []string{"CHG-06"}},
		{"approval after the start", change.ModelNameNormal, func(c *change.Change) {
			c.Authority.Approvals[0].At = c.Work.StartedAt.Add(time.Minute)
		}, []string{"CHG-06"}},
		{"approved by the requester", change.ModelNameNormal, func(c *change.Change) {
			c.Authority.Approvals[0].Approver = c.Requester
		}, []string{"CHG-19", "CHG-06"}},
		{"approved by an outsider role", change.ModelNameNormal, func(c *change.Change) {
			c.Authority.Approvals[0].Role = change.RoleEmergencyAuthority
		}, []string{"CHG-06"}},
		{"no verification", change.ModelNameNormal, func(c *change.Change) { c.Work.Verification = "" }, []string{"CHG-09"}},
		{"not notified", change.ModelNameNormal, func(c *change.Change) { c.Schedule.NotifiedAt = time.Time{} }, []string{"CHG-10"}},
		{"notified after the start", change.ModelNameNormal, func(c *change.Change) {
			c.Schedule.NotifiedAt = c.Work.StartedAt.Add(time.Minute)
		}, []string{"CHG-10"}},
		{"no review", change.ModelNameNormal, func(c *change.Change) { c.Review = nil }, []string{"CHG-13"}},
		{"no configuration update", change.ModelNameNormal, func(c *change.Change) { c.ConfigUpdates = nil }, []string{"CHG-15"}},
		{"failed without remediation", change.ModelNameNormal, func(c *change.Change) { c.Work.FailureReason = "x" }, []string{"CHG-12"}},
		{"no close code", change.ModelNameNormal, func(c *change.Change) { c.CloseCode = "" }, []string{"CHG-13"}},
		{"standard without template authority", change.ModelNameStandard, func(c *change.Change) { c.Authority.AuthorizedBy = "max" },
			[]string{"CHG-18"}},
		{"standard without review is fine", change.ModelNameStandard, func(c *change.Change) { c.Review = nil }, nil},
		{"emergency without retrospective", change.ModelNameEmergency, func(c *change.Change) { c.Assessment = nil }, []string{"CHG-17"}},
		{"emergency without review", change.ModelNameEmergency, func(c *change.Change) { c.Review = nil }, []string{"CHG-13"}},
		{"new service without plan", change.ModelNameNormal, func(c *change.Change) { c.Type = change.TypeNewService }, []string{"CHG-05"}},
		{"major impact with an unknown plan", change.ModelNameNormal, func(c *change.Change) { c.MajorImpact, c.TransitionPlan = true, "TP-404" },
			[]string{"CHG-05"}},
		{"cancelled after the start", change.ModelNameNormal, func(c *change.Change) { c.Status, c.CancelReason = change.StatusCancelled, "x" },
			[]string{"CHG-20"}},
		{"rejected without reason", change.ModelNameNormal, func(c *change.Change) { c.Status, c.Work = change.StatusRejected, nil },
			[]string{"CHG-06"}},
	}
	for _, tc := range cases {
		c := closed[tc.model].Clone()
		tc.mutate(c)
		fs, err := change.Check(c, f.svc.Policy(), asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.want, findingIDs(fs), tc.name)
		for _, fd := range fs {
			assert.Equal(t, c.ID, fd.EntityID)
			assert.Equal(t, change.Kind, fd.Kind)
			assert.Equal(t, asOf, fd.At)
			assert.NotEmpty(t, fd.Code)
			assert.NotEmpty(t, fd.Detail)
		}
	}
	_, err := change.Check(nil, f.svc.Policy(), asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = change.Check(closed[change.ModelNameNormal], change.Policy{Version: "x"}, asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestPlanAndTemplateChecks: plans and templates are re-examined too.
func TestPlanAndTemplateChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	tp := f.planTo(t, change.PlanClosed)
	tpl := f.template(t)
	asOf := f.clk.Now()
	rep, err := change.Audit(nil, []*change.TransitionPlan{tp}, []*change.Template{tpl}, f.svc.Policy(), asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())

	cases := []struct {
		name   string
		mutate func(*change.TransitionPlan)
		want   []string
	}{
		{"no accountability", func(p *change.TransitionPlan) { p.Accountable.Build = "" }, []string{"SDT-01"}},
		{"removal without details", func(p *change.TransitionPlan) { p.Variant = change.TypeRemoveService }, []string{"SDT-02"}},
		{"no design", func(p *change.TransitionPlan) { p.Design = nil }, []string{"SDT-03"}},
		{"failure without decision", func(p *change.TransitionPlan) { p.Results = results(false) }, []string{"SDT-04"}},
		{"no release", func(p *change.TransitionPlan) { p.Release = "" }, []string{"SDT-05"}},
		{"outcome unmeasured", func(p *change.TransitionPlan) { p.Measurements = p.Measurements[:1] }, []string{"SDT-06"}},
		{"nobody informed", func(p *change.TransitionPlan) { p.Notified = nil }, []string{"SDT-06"}},
	}
	for _, tc := range cases {
		c := tp.Clone()
		tc.mutate(c)
		rep, err := change.Audit(nil, []*change.TransitionPlan{c}, nil, f.svc.Policy(), asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.want, findingIDs(rep.Findings()), tc.name)
	}

	self := tpl.Clone()
	self.Approvals[0].Approver = self.Author
	unapproved := tpl.Clone()
	unapproved.Approvals = nil
	rep, err = change.Audit(nil, nil, []*change.Template{self, unapproved}, f.svc.Policy(), asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG-19", "CHG-18", "CHG-18"}, findingIDs(rep.Findings()))
}

// TestConformOverStores: Conform examines every stored record; each check
// reports its population.
func TestConformOverStores(t *testing.T) {
	t.Parallel()
	f, _ := conforming(t)
	f.to(t, change.ModelNameNormal, change.StatusCancelled)
	f.planTo(t, change.PlanReported)
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	pop := map[string]int{}
	for _, r := range rep.Results {
		pop[r.Check] = r.Population
		assert.NotEmpty(t, r.Rule)
		assert.NotEmpty(t, r.Clause)
	}
	assert.Equal(t, 3, pop["change-authorized-before-implementation"])
	assert.Equal(t, 3, pop["change-closure"])
	assert.Equal(t, 2, pop["change-design-and-transition"], "normal and emergency were authorized")
	assert.Equal(t, 1, pop["change-withdrawal"])
	assert.Equal(t, 1, pop["transition-plan-record"])
	assert.Equal(t, 1, pop["standard-change-template"])

	// A record corrupted in the store is caught by Conform: its review
	// removed by hand, it no longer verifies against its journal, and is
	// reported as such rather than judged on its forged fields.
	chg := f.to(t, change.ModelNameNormal, change.StatusClosed)
	tampered := f.st.of()
	tampered.Changes = smstest.Tampered[*change.Change](f.st.changes, chg.ID, func(c *change.Change) { c.Review = nil })
	svc, err := change.NewService(tampered, change.Config{Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	rep, err = svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, rep.Findings(), 1)
	assert.Equal(t, chg.ID, rep.Findings()[0].EntityID)
	assert.Equal(t, sms.CodeRecordUnverified, rep.Findings()[0].Code)
	// The same forgery, on a record the check is given as is, fails it.
	bad := chg.Clone()
	bad.Review = nil
	fs, err := change.Check(bad, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, change.CodeClosureIncomplete, fs[0].Code)
}
