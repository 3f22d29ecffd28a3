package problem_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machines returns the generic entry points over the fixture's stores:
// the problem and known-error machines, without the service in front.
func (f *fixture) machines(t testing.TB) (*sms.Machine[*problem.Problem], *sms.Machine[*problem.KnownError]) {
	t.Helper()
	m, err := sms.NewMachine(problem.Workflow(), f.problems, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	km, err := sms.NewMachine(problem.KnownErrorWorkflow(), f.kes, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	return m, km
}

// TestCommandOfAnotherTrigger: the generic entry points refuse, with
// sms.ErrInvalid, a command of another trigger's type (a Note for assess
// would otherwise clear nothing but pass the owner guard with a zero
// Assessment), and nothing changes. Service.Do cannot mismatch: it takes
// the trigger from the command.
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	m, km := f.machines(t)
	pr := f.to(t, problem.StatusKnownError)
	before := f.snap(t, pr.ID)
	for trigger, c := range map[problem.Trigger]sms.Command{
		problem.TriggerRecordAction:          problem.Note{Text: "an action?"},
		problem.TriggerResolve:               problem.Closure{},
		problem.TriggerApproveRisk:           problem.RiskRequest{Rationale: "r"},
		problem.TriggerRequestRiskAcceptance: problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Approve},
		problem.TriggerNote:                  problem.KENote{Text: "n"},
	} {
		_, err := m.Fire(f.ctx, boss, pr.ID, string(trigger), c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s with a %T", trigger, c)
	}
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	for trigger, c := range map[problem.KETrigger]sms.Command{
		problem.KETriggerPublish: problem.KENote{Text: "publish?"},
		problem.KETriggerRetire:  problem.KEReview{Outcome: "retired?"},
		problem.KETriggerNote:    problem.Note{Text: "n"},
	} {
		_, err := km.Fire(f.ctx, boss, k.ID, string(trigger), c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s with a %T", trigger, c)
	}
	f.requireUnchanged(t, pr.ID, before)
	_, err = m.Create(f.ctx, boss, problem.Note{Text: "a problem?"})
	assert.ErrorIs(t, err, sms.ErrInvalid, "log takes a Report")
	_, err = km.Create(f.ctx, boss, problem.KENote{Text: "a known error?"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	page, err := f.svc.List(f.ctx, problem.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused create stored a problem")
	f.requireUnchanged(t, pr.ID, before)
}

// TestRiskAcceptanceFromActingIdentities: the people PRB-06 keeps from
// approving a risk acceptance are the acting actors of the transitions
// that made them parties: whoever requested an acceptance of its risk, in
// any round (the one who logged the problem is recorded as its raiser, and
// may decide). Each refusal is a *sms.ForbiddenError citing
// PRB-06, from the service and from the generic pipeline alike, and
// changes nothing; two other people, one in each role, approve.
func TestRiskAcceptanceFromActingIdentities(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	m, _ := f.machines(t)
	pr := f.to(t, problem.StatusRCA) // logged by boss
	requestRisk(t, f, pr.ID, manager)
	requestRisk(t, f, pr.ID, analyst) // a fresh round, requested by another
	pr, err := f.svc.Get(f.ctx, pr.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"ida"}, pr.Parties.Acted(sms.PartyRaiser), "the acting actor of log")
	assert.Equal(t, []string{"pam", "ana"}, pr.Parties.Acted(sms.PartyRequester), "the acting actors of each request")
	assert.Equal(t, "ana", pr.Risk.RequestedBy)

	for _, tc := range []struct {
		name string
		who  sms.Actor
		role sms.Role
		text string
	}{
		{"the one who requested an earlier round", manager, problem.RoleProblemManager, "the requester of a risk acceptance does not approve it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snap(t, pr.ID)
			c := problem.RiskDecision{Role: tc.role, Decision: sms.Approve, Rationale: "fine"}
			_, err1 := f.svc.ApproveRisk(f.ctx, tc.who, pr.ID, c)
			_, err2 := f.svc.Do(f.ctx, tc.who, pr.ID, c)
			_, err3 := m.Fire(f.ctx, tc.who, pr.ID, string(problem.TriggerApproveRisk), c)
			for _, err := range []error{err1, err2, err3} {
				fe := smstest.RequireForbidden(t, err)
				assert.ErrorIs(t, err, sms.ErrForbidden)
				assert.NotErrorIs(t, err, sms.ErrGuard, "a segregation refusal is not a guard's")
				assert.Equal(t, "PRB-06", fe.Requirement.ID)
				assert.Contains(t, fe.Requirement.Text, tc.text)
				assert.Equal(t, tc.who.ID, fe.Actor)
				assert.Equal(t, pr.ID, fe.ID)
			}
			f.requireUnchanged(t, pr.ID, before)
		})
	}

	// The current requester through the pipeline: a ForbiddenError too,
	// never a guard's refusal.
	ana := actor("ana", problem.RoleAnalyst, problem.RoleServiceOwner)
	_, err = m.Fire(f.ctx, ana, pr.ID, string(problem.TriggerApproveRisk), problem.RiskDecision{Role: problem.RoleServiceOwner, Decision: sms.Approve})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "PRB-06", fe.Requirement.ID)

	other := actor("max", problem.RoleProblemManager)
	approve(t, f, pr.ID, other, problem.RoleProblemManager)
	approve(t, f, pr.ID, owner, problem.RoleServiceOwner)
	pr = f.step(t, pr.ID, problem.Resolution{Type: problem.RiskAccepted, Notes: "replaced next quarter"})
	assert.Equal(t, problem.StatusResolved, pr.Status)
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
}

// TestBlankTextRefused: text the standard requires is refused when it is
// only white space, like empty text, a level outside the matrix is
// refused, and nothing changes.
func TestBlankTextRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	before := f.snap(t, pr.ID)
	_, err := f.svc.Do(f.ctx, boss, pr.ID, problem.Note{Text: " \n\t "})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	for name, c := range map[string]problem.KECommand{
		"a blank note":       problem.KENote{Text: "   "},
		"a blank title":      problem.KERevision{Title: "  "},
		"a blank workaround": problem.KERevision{Workaround: "\t"},
	} {
		_, err := f.svc.KnownErrors().Do(f.ctx, boss, pr.KnownError, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	// Levels are bounded by the policy's matrix (PRB-04).
	_, err = f.svc.Classify(f.ctx, boss, pr.ID, problem.Classification{Category: "network", Impact: 1 << 30, Urgency: 1})
	smstest.RequireRefused(t, err, "PRB-04")
	f.requireUnchanged(t, pr.ID, before)
}

// tampered returns a service over the fixture's stores whose reads of the
// problem field and the problem status, and of the known error ke, are
// forged, as a database edited by hand would be.
func (f *fixture) tampered(t testing.TB, field, status, ke string) *problem.Service {
	t.Helper()
	problems := smstest.Tampered(smstest.Tampered[*problem.Problem](f.problems, field, func(p *problem.Problem) {
		p.Analysis = nil // would fail PRB-02 if it were counted
		p.Summary = "forged"
	}), status, func(p *problem.Problem) { p.Status = problem.StatusClosed })
	kes := smstest.Tampered[*problem.KnownError](f.kes, ke, func(k *problem.KnownError) { k.Workaround = "" })
	svc, err := problem.NewService(problem.Stores{Problems: problems, KnownErrors: kes}, problem.Config{
		Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes, Incidents: f.notifier})
	require.NoError(t, err)
	return svc
}

// TestConformReportsUnverifiedRecords: Service.Conform reads its evidence
// from records that verify against their journals only. A problem forged
// outside the pipeline (a field, a status) and a forged known error are
// RECORD_UNVERIFIED findings of the record-verification result, placed
// first, and are counted by no other check (the problem whose known error
// is forged is not reported for a missing one); the run goes on.
func TestConformReportsUnverifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	forgedField := f.to(t, problem.StatusClosed)
	forgedStatus := f.to(t, problem.StatusRCA)
	withForgedKE := f.to(t, problem.StatusKnownError)
	_, err := f.svc.KnownErrors().Publish(f.ctx, boss, withForgedKE.KnownError, problem.KEPublication{})
	require.NoError(t, err)
	f.to(t, problem.StatusCancelled)
	svc := f.tampered(t, forgedField.ID, forgedStatus.ID, withForgedKE.KnownError)

	report, err := svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	ver := report.Results[0]
	assert.Equal(t, sms.CheckRecordVerification, ver.Check, "the record-verification result comes first")
	assert.Equal(t, 6, ver.Population, "four problems and two known errors examined")
	got := map[string]sms.Kind{}
	for _, fd := range ver.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		got[fd.EntityID] = fd.Kind
	}
	assert.Equal(t, map[string]sms.Kind{forgedField.ID: problem.Kind, forgedStatus.ID: problem.Kind,
		withForgedKE.KnownError: problem.KnownErrorKind}, got)
	pop := map[string]int{}
	for _, res := range report.Results[1:] {
		pop[res.Check] = res.Population
		for _, fd := range res.Failures {
			t.Errorf("%s counted a record it should not have: %v", res.Check, fd)
		}
	}
	assert.Equal(t, 2, pop["problem-record"], "the known-error problem and the cancelled one")
	assert.Equal(t, 0, pop["problem-resolution"], "the forged closed problems are not counted")
	assert.Equal(t, 1, pop["known-error-record"], "the forged known error is not counted")
	assert.False(t, report.Passed())

	// Untampered, the same records conform.
	report, err = f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
	assert.Equal(t, 6, report.Results[0].Population)
}

// TestSweepAndEffectivenessReadVerifiedRecords: the sweep and the
// effectiveness report leave out records that do not verify and say so.
func TestSweepAndEffectivenessReadVerifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	clean := f.keTo(t, problem.KEPublished)
	forged := f.keTo(t, problem.KEPublished)
	forgedPr := f.to(t, problem.StatusRCA)
	svc := f.tampered(t, forgedPr.ID, "", forged.ID)
	f.clk.Advance(91 * day)
	fs, err := svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	var codes []string
	for _, fd := range fs {
		codes = append(codes, fd.EntityID+"/"+fd.Code)
	}
	assert.ElementsMatch(t, []string{clean.ID + "/" + problem.CodeKEReviewOverdue, forged.ID + "/" + sms.CodeRecordUnverified}, codes)

	rep, err := svc.Effectiveness(f.ctx, nil, f.clk.Now())
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Problems, "the forged problem is left out")
	assert.Equal(t, 1, rep.KnownErrors, "the forged known error is left out")
	unverified := map[string]bool{}
	for _, fd := range rep.Unverified {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		unverified[fd.EntityID] = true
	}
	assert.Equal(t, map[string]bool{forgedPr.ID: true, forged.ID: true}, unverified)
	assert.Contains(t, rep.Summary(), "2 record(s) did not verify")
	untampered, err := f.svc.Effectiveness(f.ctx, nil, f.clk.Now())
	require.NoError(t, err)
	assert.Equal(t, 3, untampered.Problems)
	assert.Empty(t, untampered.Unverified)
	assert.NotContains(t, untampered.Summary(), "verify")
}
