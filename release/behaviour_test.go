package release_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func journalOf(t *testing.T, f *fixture, id string) []sms.Entry {
	t.Helper()
	j, err := f.svc.Journal(f.ctx, id)
	require.NoError(t, err)
	return j
}

func lastEntry(t *testing.T, f *fixture, id string) sms.Entry {
	t.Helper()
	j := journalOf(t, f, id)
	return j[len(j)-1]
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

// TestWholeLife: a release from plan to closed, with early-life incidents
// counted for the analysis (REL-09) and the known errors it fixes marked
// "fix deployed" on completion (REL-03).
func TestWholeLife(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusEarlyLife)
	assert.Equal(t, "default-1", r.PolicyVersion)
	assert.False(t, r.Emergency)
	assert.Equal(t, r.Deployment.DeployedAt.Add(7*24*time.Hour), r.Deployment.EarlyLifeEnds, "a minor release lives early for 7 days")
	for _, inc := range []string{"INC-5", "INC-6", "INC-5"} {
		r, _ = f.svc.RecordIncident(f.ctx, deployer, r.ID, release.IncidentRecord{Incident: inc})
	}
	assert.Equal(t, []string{"INC-5", "INC-6"}, r.Incidents, "an incident counts once")
	r = f.ready(t, r, release.TriggerEndEarlyLife)
	r = f.step(t, r.ID, release.TriggerEndEarlyLife)
	r = f.step(t, r.ID, release.TriggerReview)
	assert.Equal(t, 2, r.Analysis.IncidentCount)
	r = f.step(t, r.ID, release.TriggerClose)
	smstest.RequireJournal(t, journalOf(t, f, r.ID), "plan", "start_build", "submit_for_test", "pass_acceptance", "approve", "authorize",
		"capture_baseline", "deploy", "complete_deployment", "record_incident", "record_incident", "record_incident", "end_early_life",
		"review", "close")
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())

	var deployed sms.Entry
	for _, e := range journalOf(t, f, r.ID) {
		if e.Trigger == "complete_deployment" {
			deployed = e
		}
	}
	assert.Empty(t, payloadAll(deployed, "fix_deployed"), "no known error linked")
	kr := f.plan(t)
	kr, err = f.svc.Link(f.ctx, manager, kr.ID, release.Link{Type: release.LinkKnownError, ID: "KE-3"})
	require.NoError(t, err)
	assert.True(t, kr.HasLink(release.LinkKnownError, "KE-3"))
}

// TestDeployWithKnownErrors: REL-06 — a failed criterion is deployed with
// its known error on a recorded decision; the release conforms.
func TestDeployWithKnownErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusAcceptanceFailed)
	r = f.step(t, r.ID, release.TriggerAcceptKnownErrors)
	assert.Equal(t, release.DecideDeployWithErrors, r.Decision.Outcome)
	assert.True(t, r.HasLink(release.LinkKnownError, "KE-7"))
	for _, tr := range []release.Trigger{release.TriggerAuthorize, release.TriggerDeploy, release.TriggerCompleteDeploy} {
		r = f.ready(t, r, tr)
		r = f.step(t, r.ID, tr)
	}
	assert.Equal(t, []string{"KE-7"}, payloadAll(lastEntry(t, f, r.ID), "fix_deployed"))
	fs, err := release.Check(r, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, fs)

	rework := f.to(t, release.StatusAcceptanceFailed)
	rework = f.step(t, rework.ID, release.TriggerRework)
	assert.Equal(t, release.StatusBuilding, rework.Status)
	assert.Equal(t, []string{"rosa", "hr-lead"}, rework.Decision.Participants)
}

// TestRollback: REL-07, REL-08 — a rollback restores the baseline, and the
// journal names the changes the host must fail.
func TestRollback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusDeploying)
	r, err := f.svc.Rollback(f.ctx, deployer, r.ID, release.Rollback{Reason: "site-b failed",
		Targets: []release.TargetResult{{Target: "site-a", OK: true}, {Target: "site-b", Notes: "migration error"}}})
	require.NoError(t, err)
	assert.Equal(t, "BL-1", r.Deployment.RestoredTo)
	e := lastEntry(t, f, r.ID)
	assert.Equal(t, []string{"BL-1"}, payloadAll(e, "restored_to"))
	assert.Equal(t, []string{"CHG-1"}, payloadAll(e, "change_failed"))
	assert.Equal(t, "site-b failed", e.Reason)
	r = f.ready(t, r, release.TriggerClose)
	r = f.step(t, r.ID, release.TriggerClose)
	assert.Equal(t, release.StatusClosed, r.Status)
	fs, err := release.Check(r, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, fs, "a rolled-back release that restored its baseline conforms")
}

// TestCalendarAndOutcomes: REL-11.
func TestCalendarAndOutcomes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	day := 24 * time.Hour
	mk := func(id string, start time.Time) {
		p := planning()
		p.ID, p.Windows = id, []release.Window{{Start: start, End: start.Add(4 * time.Hour)}}
		_, err := f.svc.Plan(f.ctx, manager, p)
		require.NoError(t, err)
	}
	mk("REL-LATE", t0.Add(10*day))
	mk("REL-EARLY", t0.Add(2*day))
	mk("REL-FAR", t0.Add(90*day))
	cal, err := f.svc.Calendar(f.ctx, t0, t0.Add(30*day))
	require.NoError(t, err)
	require.Len(t, cal, 2)
	assert.Equal(t, "REL-EARLY", cal[0].Release)
	assert.Equal(t, "REL-LATE", cal[1].Release)
	assert.Equal(t, release.StatusPlanned, cal[0].Status)

	closed := f.to(t, release.StatusClosed)
	rolled := f.to(t, release.StatusRolledBack)
	out, err := f.svc.Outcomes(f.ctx, t0, f.clk.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, closed.ID, out[0].Release)
	assert.Equal(t, release.OutcomeSuccessful, out[0].Analysis.Outcome)
	assert.Equal(t, rolled.ID, out[1].Release)
	assert.True(t, out[1].RolledBack)
	assert.Nil(t, out[1].Analysis)
	none, err := f.svc.Outcomes(f.ctx, t0.Add(-day), t0)
	require.NoError(t, err)
	assert.Empty(t, none)

	page, err := f.svc.List(f.ctx, release.Query{Link: sms.Link{Type: release.LinkChange, ID: "CHG-1"}, Status: []release.Status{release.StatusPlanned}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 3)
}

// TestAnalysisOverdue: REL-09, REL-10 — the sweep reports a deployed
// release whose analysis is late after its early life.
func TestAnalysisOverdue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusEarlyLife)
	due := r.Deployment.EarlyLifeEnds.Add(14 * 24 * time.Hour)
	fs, err := release.Sweep(r, f.svc.Policy(), due)
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = release.Sweep(r, f.svc.Policy(), due.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, release.CodeAnalysisOverdue, fs[0].Code)
	all, err := f.svc.Sweep(f.ctx, due.Add(time.Hour))
	require.NoError(t, err)
	assert.Len(t, all, 1)
	_, err = release.Sweep(nil, f.svc.Policy(), t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestEmergencyRelease: REL-01 — the emergency type is approved by a
// change manager alone and lives early for 3 days.
func TestEmergencyRelease(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	p := planning()
	p.ID, p.Type = "REL-E", release.TypeEmergency
	r, err := f.svc.Plan(f.ctx, manager, p)
	require.NoError(t, err)
	assert.True(t, r.Emergency)
	for _, tr := range []release.Trigger{release.TriggerStartBuild, release.TriggerSubmitForTest, release.TriggerPassAcceptance} {
		r = f.step(t, r.ID, tr)
	}
	_, err = f.svc.Approve(f.ctx, approver1, r.ID, release.Approval{Rationale: "ok"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "REL-05", fe.Requirement.ID, "release approvers do not approve emergency releases")
	_, err = f.svc.Approve(f.ctx, cm, r.ID, release.Approval{Rationale: "exploit in the wild"})
	require.NoError(t, err)
	for _, tr := range []release.Trigger{release.TriggerAuthorize, release.TriggerDeploy, release.TriggerCompleteDeploy} {
		r = f.ready(t, r, tr)
		r = f.step(t, r.ID, tr)
	}
	assert.Equal(t, r.Deployment.DeployedAt.Add(3*24*time.Hour), r.Deployment.EarlyLifeEnds)
}

func TestPermitted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	r := f.to(t, release.StatusApproved)
	assert.Equal(t, []release.Trigger{"capture_baseline", "deploy", "note"}, f.svc.Permitted(r, deployer))
	assert.Equal(t, []release.Trigger{"cancel", "capture_baseline", "deploy", "link", "note"}, f.svc.Permitted(r, manager))
	assert.Nil(t, f.svc.Permitted(nil, manager))
}
