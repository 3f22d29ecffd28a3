package release_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machine returns a machine running the release workflow on the fixture's
// store: the generic entry point a host may use instead of the Service.
func (f *fixture) machine(t *testing.T) *sms.Machine[*release.Release] {
	t.Helper()
	m, err := sms.NewMachine(release.Workflow(), f.store, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	return m
}

// TestCommandOfAnotherTrigger: every trigger takes its own command type; a
// command of another trigger's type is refused as invalid input by the
// generic entry point, before anything is read or changed (it used to be
// accepted: approve with a Note approved with an empty rationale check
// skipped, deploy with a Note deployed by nobody).
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	m := f.machine(t)
	r := f.to(t, release.StatusApproved)
	r = f.step(t, r.ID, release.TriggerCaptureBaseline)
	before := f.snap(t, r.ID)
	for _, tr := range release.Triggers()[1:] {
		var foreign release.Command = release.Note{Text: "not a " + string(tr)}
		if tr == release.TriggerNote {
			foreign = release.Closure{Note: "not a note"}
		}
		_, err := m.Fire(f.ctx, as(tr), r.ID, string(tr), foreign)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s with a %T", tr, foreign)
		var ve *sms.ValidationError
		assert.True(t, errors.As(err, &ve), "%s: %v", tr, err)
	}
	f.requireUnchanged(t, r.ID, before)
	_, err := m.Create(f.ctx, manager, release.Note{Text: "not a plan"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	page, err := f.svc.List(f.ctx, release.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a foreign command created nothing")
}

// TestApproverNeverDeploys: REL-05 — an approver of a release started its
// deployment naming someone else as deployer, and it was accepted. The
// acting actor and the deployer the command names are both compared with
// the approvers; each breach is a *sms.ForbiddenError citing REL-05, by the
// Service and by the bare pipeline alike, and changes nothing.
func TestApproverNeverDeploys(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	m := f.machine(t)
	r := f.to(t, release.StatusAccepted)
	abe := actor("abe", release.RoleApprover, release.RoleDeployer)
	_, err := f.svc.Approve(f.ctx, abe, r.ID, release.Approval{Rationale: "tests green"})
	require.NoError(t, err)
	f.step(t, r.ID, release.TriggerAuthorize)
	f.step(t, r.ID, release.TriggerCaptureBaseline)
	before := f.snap(t, r.ID)
	cases := []struct {
		name string
		who  sms.Actor
		cmd  release.DeployStart
	}{
		{"the approver deploys, naming another deployer", abe, release.DeployStart{Deployer: "dev"}},
		{"the approver deploys, naming themselves", abe, release.DeployStart{Deployer: "abe"}},
		{"a deployer names the approver as deployer", deployer, release.DeployStart{Deployer: "abe"}},
	}
	for _, tc := range cases {
		for name, fire := range map[string]func() error{
			"service":  func() error { _, err := f.svc.Deploy(f.ctx, tc.who, r.ID, tc.cmd); return err },
			"pipeline": func() error { _, err := m.Fire(f.ctx, tc.who, r.ID, string(release.TriggerDeploy), tc.cmd); return err },
		} {
			err := fire()
			fe := smstest.RequireForbidden(t, err)
			assert.Equal(t, "REL-05", fe.Requirement.ID, "%s (%s)", tc.name, name)
			assert.Equal(t, tc.who.ID, fe.Actor)
			assert.Equal(t, string(release.TriggerDeploy), fe.Trigger)
			var ge *sms.GuardError
			assert.False(t, errors.As(err, &ge), "%s (%s): a segregation breach is no guard failure", tc.name, name)
			f.requireUnchanged(t, r.ID, before)
		}
	}

	// The deployer deploys; the deployment is completed by neither the
	// approver nor anyone who approved.
	r, err = f.svc.Deploy(f.ctx, deployer, r.ID, release.DeployStart{Deployer: "dev"})
	require.NoError(t, err)
	assert.True(t, r.Parties.Has(sms.PartyDeployer, "dev"))
	assert.Equal(t, []string{"dev"}, r.Parties.Acted(sms.PartyDeployer))
	assert.Equal(t, []string{"abe"}, r.Parties.Acted(sms.PartyApprover))
	before = f.snap(t, r.ID)
	_, err = f.svc.CompleteDeployment(f.ctx, abe, r.ID, f.valid(release.TriggerCompleteDeploy).(release.DeploymentResult))
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "REL-05", fe.Requirement.ID)
	f.requireUnchanged(t, r.ID, before)
	_, err = f.svc.CompleteDeployment(f.ctx, deployer, r.ID, f.valid(release.TriggerCompleteDeploy).(release.DeploymentResult))
	require.NoError(t, err)
}

// TestOwnerFromActingIdentity: REL-05 — the owner never approves, and the
// owner is the release manager who planned the release as well as the
// owner the plan names. A second approval by the same approver is a
// segregation refusal too. Each is a *sms.ForbiddenError citing REL-05.
func TestOwnerFromActingIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	pia := actor("pia", release.RoleReleaseManager, release.RoleApprover)
	p := planning()
	p.ID, p.Owner = f.id(), "rosa"
	r, err := f.svc.Plan(f.ctx, pia, p)
	require.NoError(t, err)
	assert.True(t, r.Parties.Has(sms.PartyOwner, "pia"), "the planner holds the owner party")
	assert.True(t, r.Parties.Has(sms.PartyOwner, "rosa"), "so does the owner the plan names")
	for _, tr := range []release.Trigger{release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerPassAcceptance} {
		r = f.step(t, r.ID, tr)
	}
	m := f.machine(t)
	before := f.snap(t, r.ID)
	_, err = f.svc.Approve(f.ctx, pia, r.ID, release.Approval{Rationale: "I planned it well"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "REL-05", fe.Requirement.ID)
	assert.Contains(t, fe.Reason, "owner")
	_, err = m.Fire(f.ctx, pia, r.ID, string(release.TriggerApprove), release.Approval{Rationale: "I planned it well"})
	assert.Equal(t, "REL-05", smstest.RequireForbidden(t, err).Requirement.ID)
	f.requireUnchanged(t, r.ID, before)

	_, err = f.svc.Approve(f.ctx, approver1, r.ID, release.Approval{Rationale: "fine"})
	require.NoError(t, err)
	before = f.snap(t, r.ID)
	for _, fire := range []func() error{
		func() error {
			_, err := f.svc.Approve(f.ctx, approver1, r.ID, release.Approval{Rationale: "fine, again"})
			return err
		},
		func() error {
			_, err := m.Fire(f.ctx, approver1, r.ID, string(release.TriggerApprove), release.Approval{Rationale: "fine, again"})
			return err
		},
	} {
		fe := smstest.RequireForbidden(t, fire())
		assert.Equal(t, "REL-05", fe.Requirement.ID)
		assert.Equal(t, "abe", fe.Actor)
	}
	f.requireUnchanged(t, r.ID, before)
}

// TestRoleRefusalCitesTheGate: REL-05 — an actor who holds none of
// approve's roles (a tester) is refused by the role check, which names
// those roles and cites the approval gate's requirement, through the
// service's Approve and Do and a bare machine on the service's workflow
// alike; nothing changes.
func TestRoleRefusalCitesTheGate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	m, err := sms.NewMachine(f.svc.Workflow(), f.store, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	r := f.to(t, release.StatusAccepted)
	before := f.snap(t, r.ID)
	c := release.Approval{Rationale: "tests pass"}
	for name, fire := range map[string]func() error{
		"Approve": func() error { _, err := f.svc.Approve(f.ctx, tester, r.ID, c); return err },
		"Do":      func() error { _, err := f.svc.Do(f.ctx, tester, r.ID, c); return err },
		"machine": func() error { _, err := m.Fire(f.ctx, tester, r.ID, string(release.TriggerApprove), c); return err },
	} {
		fe := smstest.RequireForbidden(t, fire())
		assert.Equal(t, "REL-05", fe.Requirement.ID, name)
		assert.NotEmpty(t, fe.Requirement.Clause, name)
		assert.NotEmpty(t, fe.Roles, "%s: the role check names the roles", name)
		assert.Equal(t, tester.ID, fe.Actor, name)
	}
	f.requireUnchanged(t, r.ID, before)
}

// TestBlankInputRefused: text the standard requires that is only white
// space is refused like empty text, and lists hold no blank entries; a
// policy names only methods and types a plan can name. Nothing changes.
func TestBlankInputRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	_, err := f.svc.Plan(f.ctx, manager, planWith(func(p *release.Planning) { p.Criteria = []string{"regression suite green", "  "} }))
	assert.ErrorIs(t, err, sms.ErrInvalid, "a blank acceptance criterion")
	page, err := f.svc.List(f.ctx, release.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)

	r := f.to(t, release.StatusReview)
	before := f.snap(t, r.ID)
	for _, c := range []release.Command{
		release.Note{Text: " \t\n"},
		release.Replanning{Content: release.Content{Criteria: []string{""}}},
		release.AnalysisRecord{Outcome: release.OutcomeSuccessful, Conclusions: "fine", Improvements: []string{"  "}},
	} {
		_, err := f.svc.Do(f.ctx, boss, r.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
	}
	_, err = f.svc.Review(f.ctx, boss, r.ID, release.AnalysisRecord{Outcome: release.OutcomeSuccessful, Conclusions: "   "})
	smstest.RequireRefused(t, err, "REL-10")
	f.requireUnchanged(t, r.ID, before)

	planned := f.to(t, release.StatusPlanned)
	before = f.snap(t, planned.ID)
	_, err = f.svc.Amend(f.ctx, manager, planned.ID, release.Replanning{Content: release.Content{Plan: " \n "}})
	smstest.RequireRefused(t, err, "REL-02")
	f.requireUnchanged(t, planned.ID, before)

	for name, mod := range map[string]func(*release.Policy){
		"a method with spaces":     func(p *release.Policy) { p.Methods = []string{" canary"} },
		"a type a plan can't name": func(p *release.Policy) { p.Types[0].Name = "major " },
	} {
		p := release.DefaultPolicy()
		mod(&p)
		_, err := release.NewService(f.store, release.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
}

// TestConformOnVerifiedRecords: Conform and Sweep judge only records that
// verify against their journal. A release whose fields or status were
// changed in the store is a RECORD_UNVERIFIED finding in the first result,
// never counted by the other checks; the run goes on and the other
// releases are still checked.
func TestConformOnVerifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	closed := f.to(t, release.StatusClosed)
	cancelled := f.to(t, release.StatusCancelled)
	overdue := f.to(t, release.StatusEarlyLife)
	ended := f.to(t, release.StatusEarlyLife)
	planned := f.to(t, release.StatusPlanned)
	f.clk.Advance(60 * 24 * time.Hour) // both early lives over and their analyses overdue
	asOf := f.clk.Now()

	// Forged fields: the closed release's conclusions rewritten, an
	// analysis made up for a release whose analysis is overdue. A forged
	// status: the cancelled release shown as closed. None verifies.
	var st sms.Store[*release.Release] = smstest.Tampered[*release.Release](f.store, closed.ID, func(r *release.Release) {
		r.Analysis.Conclusions = "nothing to see"
	})
	st = smstest.Tampered(st, cancelled.ID, func(r *release.Release) { r.Status = release.StatusClosed })
	st = smstest.Tampered(st, ended.ID, func(r *release.Release) {
		r.Analysis = &release.Analysis{Outcome: release.OutcomeSuccessful, Conclusions: "forged"}
	})
	// A status the workflow does not know: the store cannot even list the
	// record as a release, and the run goes on past it.
	st = smstest.Tampered(st, planned.ID, func(r *release.Release) { r.Status = "live" })
	svc, err := release.NewService(st, release.Config{Changes: f.changes, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)

	rep, err := svc.Conform(f.ctx, asOf)
	require.NoError(t, err)
	require.NotEmpty(t, rep.Results)
	ver := rep.Results[0]
	assert.Equal(t, sms.CheckRecordVerification, ver.Check)
	assert.Equal(t, 5, ver.Population, "every release is examined")
	var unverified []string
	for _, fd := range ver.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		assert.Equal(t, release.Kind, fd.Kind)
		assert.NotEmpty(t, fd.Detail)
		unverified = append(unverified, fd.EntityID)
	}
	assert.ElementsMatch(t, []string{closed.ID, cancelled.ID, ended.ID, planned.ID}, unverified)
	pop := map[string]int{}
	for _, r := range rep.Results[1:] {
		pop[r.Check] = r.Population
		for _, fd := range r.Failures {
			assert.NotContains(t, unverified, fd.EntityID, "an unverified record was judged: %v", fd)
		}
	}
	assert.Equal(t, 1, pop["release-deployment-controls"], "only the verified deployed release is checked")
	assert.Equal(t, 0, pop["release-analysis"])
	assert.Equal(t, 0, pop["release-cancellation"])

	fs, err := svc.Sweep(f.ctx, asOf)
	require.NoError(t, err)
	var codes, ids []string
	for _, fd := range fs {
		codes, ids = append(codes, fd.Code), append(ids, fd.EntityID)
	}
	// The unverified records the sweep lists come first (the store lists
	// the cancelled release as cancelled, which the sweep does not read);
	// the forged analysis hides no overdue one, and the genuine overdue
	// release is still reported.
	require.Len(t, fs, 3, "%v", fs)
	assert.Equal(t, []string{sms.CodeRecordUnverified, sms.CodeRecordUnverified, release.CodeAnalysisOverdue}, codes)
	assert.Equal(t, overdue.ID, ids[2])
	assert.ElementsMatch(t, []string{closed.ID, ended.ID}, ids[:2])

	// The untampered service sees every release verified.
	rep, err = f.svc.Conform(f.ctx, asOf)
	require.NoError(t, err)
	assert.Empty(t, rep.Results[0].Failures)
	assert.True(t, strings.HasPrefix(rep.Results[0].Rule, "every record verifies"))
}

// TestCheckSegregationFromParties: the checks compare approvers with the
// parties the record holds, acting or named: an approval by whoever
// planned or deployed the release fails REL-05, even where its Owner and
// Deployer fields name someone else.
func TestCheckSegregationFromParties(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	closed := f.to(t, release.StatusClosed)
	asOf := f.clk.Now()
	for name, mutate := range map[string]func(*release.Release){
		"approved by its deployer":       func(r *release.Release) { r.Approvals[0].Approver = "dev" },
		"approved by whoever planned it": func(r *release.Release) { r.Parties.Add(sms.PartyOwner, r.Approvals[0].Approver, true) },
		"approved by whoever deployed it": func(r *release.Release) {
			r.Parties.Add(sms.PartyDeployer, r.Approvals[0].Approver, true)
		},
	} {
		r := closed.Clone()
		mutate(r)
		fs, err := release.Check(r, f.svc.Policy(), asOf)
		require.NoError(t, err)
		assert.Equal(t, []string{"REL-05", "REL-05"}, findingIDs(fs), name)
	}
}
