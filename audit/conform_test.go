package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

var (
	cfmCarla = sms.Actor{ID: "carla", Roles: []sms.Role{audit.RoleAuditor}}
	cfmErin  = sms.Actor{ID: "erin", Roles: []sms.Role{audit.RoleAuditee}}
	cfmQuinn = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleQualityManager}}
)

// cfmWorld is the package wired as a host wires it: the stored
// programmes are what audits find, the stored nonconformities what a
// finding links.
type cfmWorld struct {
	ctx   context.Context
	clk   *smstest.Clock
	prgs  *audit.Programmes
	prgSt sms.Store[*audit.Programme]
	ncs   *audit.Nonconformities
	auds  *audit.Audits
	prog  string
}

func cfmNewWorld(t *testing.T) *cfmWorld {
	return cfmNewWorldOn(t, memstore.New[*audit.Programme](), memstore.New[*audit.Audit](), memstore.New[*audit.Nonconformity]())
}

// cfmNewWorldOn is cfmNewWorld on the stores given.
func cfmNewWorldOn(t *testing.T, prg sms.Store[*audit.Programme], aud sms.Store[*audit.Audit], nc sms.Store[*audit.Nonconformity]) *cfmWorld {
	w := &cfmWorld{ctx: context.Background(), clk: smstest.NewClock(prgT0), prgSt: prg}
	opts := sms.Options{Now: w.clk.Now}
	var err error
	w.prgs, err = audit.NewProgrammes(w.prgSt, opts)
	require.NoError(t, err)
	w.ncs, err = audit.NewNonconformities(nc, nil, audit.DefaultNonconformityPolicy(), opts)
	require.NoError(t, err)
	w.auds, err = audit.NewAudits(aud, w.prgs, w.ncs, nil, opts)
	require.NoError(t, err)
	p, err := w.prgs.Draft(w.ctx, prgOwner, audit.ProgrammeDraft{ID: "AP-2026", ProgrammeContents: prgContents(), Involvement: prgInvolved})
	require.NoError(t, err)
	_, err = w.prgs.Approve(w.ctx, prgOwner, p.ID, audit.ProgrammeApproval{})
	require.NoError(t, err)
	w.prog = p.ID
	return w
}

func cfmMarch(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// changeAudit runs an audit of change management to its close, its major
// nonconformity finding linked to a stored nonconformity.
func (w *cfmWorld) changeAudit(t *testing.T) *audit.Audit {
	t.Helper()
	w.clk.Set(cfmMarch(1, 9))
	x, err := w.auds.Plan(w.ctx, prgOwner, audit.AuditPlanning{ID: "AUD-1", Programme: w.prog, Area: audit.AreaChange, Title: "Change management Q1",
		Window: audit.AuditWindow{Start: cfmMarch(2, 9), End: cfmMarch(20, 17)}, Lead: "carla", Auditors: []string{"carla"}})
	require.NoError(t, err)
	// alice works in change management: refused on the record the
	// programme's declaration judges (AUD-04).
	_, err = w.auds.AddAuditor(w.ctx, prgOwner, x.ID, audit.AuditorAddition{Auditor: "alice"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "AUD-04", fe.Requirement.ID)
	steps := []struct {
		who sms.Actor
		c   audit.AuditCommand
	}{
		{cfmCarla, audit.AuditPreparation{Criteria: []string{"ISO/IEC 20000-1:2018 8.5.1"}, Scope: audit.AuditScope{Processes: []string{audit.AreaChange}, Units: []string{"ops-emea"}}}},
		{cfmCarla, audit.AuditFieldworkStart{}},
		{cfmCarla, audit.FindingRecord{Type: audit.FindingMajorNC, Statement: "emergency changes closed without their retrospective approval",
			Criterion: "CHG-09", Sample: []string{"CHG-000007"}, Query: "model:emergency closed:2026-Q1"}},
		{cfmErin, audit.FindingAcknowledgement{Finding: "F-1"}},
		{cfmCarla, audit.AuditFieldworkEnd{}},
		{cfmCarla, audit.AuditReportIssue{Conformity: "one major nonconformity", Effectiveness: "effective otherwise", Document: "DOC-AR-1", Notified: []string{"mia"}}},
		{cfmCarla, audit.AuditFollowUpStart{}},
	}
	for _, s := range steps {
		w.clk.Advance(24 * time.Hour)
		_, err = w.auds.Do(w.ctx, s.who, x.ID, s.c)
		require.NoError(t, err, "%T", s.c)
	}
	_, err = w.auds.Close(w.ctx, cfmCarla, x.ID, audit.AuditClosure{})
	smstest.RequireRefused(t, err, "AUD-07")
	_, err = w.auds.LinkFinding(w.ctx, cfmCarla, x.ID, audit.FindingLink{Finding: "F-1", Link: "NC-1"})
	smstest.RequireRefused(t, err, "AUD-07") // no such nonconformity yet
	nc, err := w.ncs.Raise(w.ctx, cfmQuinn, audit.NCRaise{ID: "NC-1", Description: "emergency changes closed unapproved", Source: audit.SourceInternalAudit,
		SourceRef: x.ID + "#F-1", Area: audit.AreaChange, Requirement: "CHG-09", Severity: audit.SeverityMajor})
	require.NoError(t, err)
	_, err = w.auds.LinkFinding(w.ctx, cfmCarla, x.ID, audit.FindingLink{Finding: "F-1", Link: nc.ID})
	require.NoError(t, err)
	x, err = w.auds.Close(w.ctx, cfmCarla, x.ID, audit.AuditClosure{})
	require.NoError(t, err)
	return x
}

func cfmCodes(fs []sms.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code+" "+f.EntityID)
	}
	return out
}

// Check 13 over the wired package: the 2026 cycle (yearly in Berlin, so
// it ends at 2026-12-31T23:00Z) plans two change audits and one incident
// audit; one change audit closed and the incident audit cancelled leave
// two gaps, found once the cycle's end plus the 30 days' grace has
// passed, and not an instant before.
func TestCheck13Coverage(t *testing.T) {
	t.Parallel()
	w := cfmNewWorld(t)
	w.changeAudit(t)
	inc, err := w.auds.Plan(w.ctx, prgOwner, audit.AuditPlanning{ID: "AUD-2", Programme: w.prog, Area: audit.AreaIncident, Title: "Incident management",
		Window: audit.AuditWindow{Start: cfmMarch(23, 9), End: cfmMarch(27, 17)}, Lead: "carla", Auditors: []string{"carla"}})
	require.NoError(t, err)
	_, err = w.auds.Cancel(w.ctx, prgOwner, inc.ID, audit.AuditCancellation{Reason: "the incident tool migration"})
	require.NoError(t, err)

	cycleEnd := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	grace := 30 * 24 * time.Hour
	sweep := func(asOf time.Time) []string {
		t.Helper()
		fs, err := audit.Sweep(w.ctx, w.prgs, w.auds, asOf, grace)
		require.NoError(t, err)
		return cfmCodes(fs)
	}
	assert.Empty(t, sweep(cycleEnd.Add(grace)))
	gaps := []string{"AUDIT_COVERAGE_GAP AP-2026", "AUDIT_COVERAGE_GAP AP-2026"}
	assert.Equal(t, gaps, sweep(cycleEnd.Add(grace+time.Microsecond)))
	fs, err := audit.Sweep(w.ctx, w.prgs, w.auds, cycleEnd.Add(grace+time.Hour), grace)
	require.NoError(t, err)
	assert.Contains(t, fs[0].Detail, "change: 1 of 2 audits reported in the cycle 2026-01-01T00:00:00+01:00 to 2027-01-01T00:00:00+01:00")
	assert.Contains(t, fs[1].Detail, "incident: 0 of 1 audits")
	assert.Equal(t, "AUD-01", fs[0].Requirement.ID)

	asOf := cycleEnd.Add(grace + time.Hour)
	rep, err := audit.Conform(w.ctx, w.prgs, w.auds, audit.ConformPolicy{Grace: grace}, asOf)
	require.NoError(t, err)
	got := map[string]sms.CheckResult{}
	for _, r := range rep.Results {
		got[r.Check] = r
	}
	for _, name := range []string{"audit-programme", "internal-audit-conduct", "internal-audit-findings-linked"} {
		assert.True(t, got[name].Passed(), "%s: %v", name, got[name].Failures)
	}
	assert.Equal(t, 1, got["audit-programme"].Population)
	assert.Equal(t, 1, got["internal-audit-conduct"].Population, "the cancelled audit is not conducted")
	cov := got["audit-coverage"]
	assert.Equal(t, 2, cov.Population)
	assert.Equal(t, gaps, cfmCodes(cov.Failures))
	assert.False(t, rep.Passed())

	// Bad arguments are refused.
	_, err = audit.Sweep(w.ctx, w.prgs, w.auds, asOf, -time.Second)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = audit.Conform(w.ctx, nil, w.auds, audit.ConformPolicy{}, asOf)
	require.ErrorIs(t, err, sms.ErrInvalid)
}

// A planned audit not held by the end of its window is AUDIT_OVERDUE, in
// the sweep and in check 13.
func TestCheck13Overdue(t *testing.T) {
	t.Parallel()
	w := cfmNewWorld(t)
	x, err := w.auds.Plan(w.ctx, prgOwner, audit.AuditPlanning{ID: "AUD-9", Programme: w.prog, Area: audit.AreaChange, Title: "Change management",
		Window: audit.AuditWindow{Start: cfmMarch(2, 9), End: cfmMarch(6, 17)}, Lead: "carla", Auditors: []string{"carla"}})
	require.NoError(t, err)
	fs, err := audit.Sweep(w.ctx, w.prgs, w.auds, cfmMarch(6, 17), 0)
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = audit.Sweep(w.ctx, w.prgs, w.auds, cfmMarch(6, 18), 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"AUDIT_OVERDUE " + x.ID}, cfmCodes(fs))
	rep, err := audit.Conform(w.ctx, w.prgs, w.auds, audit.ConformPolicy{}, cfmMarch(6, 18))
	require.NoError(t, err)
	for _, r := range rep.Results {
		if r.Check == "audit-coverage" {
			assert.Equal(t, []string{"AUDIT_OVERDUE " + x.ID}, cfmCodes(r.Failures))
		}
	}
}

// A programme edited in the database (its owner forged) does not verify:
// it is reported, gives no coverage, and its audits are judged against no
// declared involvement, so none of them passes as impartial.
func TestCheck13ForgedProgramme(t *testing.T) {
	t.Parallel()
	w := cfmNewWorld(t)
	w.changeAudit(t)
	forged, err := audit.NewProgrammes(smstest.Tampered[*audit.Programme](w.prgSt, w.prog, func(p *audit.Programme) { p.Owner = "mallory" }), sms.Options{})
	require.NoError(t, err)
	rep, err := audit.Conform(w.ctx, forged, w.auds, audit.ConformPolicy{}, cfmMarch(31, 0))
	require.NoError(t, err)
	got := map[string]sms.CheckResult{}
	for _, r := range rep.Results {
		got[r.Check] = r
	}
	var ver sms.CheckResult
	for _, r := range rep.Results {
		if len(r.Failures) > 0 && r.Failures[0].Code == "RECORD_UNVERIFIED" {
			ver = r
		}
	}
	require.NotEmpty(t, ver.Failures, "the forged programme is reported: %v", rep.Results)
	assert.Equal(t, w.prog, ver.Failures[0].EntityID)
	assert.Zero(t, got["audit-coverage"].Population)
	assert.False(t, got["internal-audit-conduct"].Passed())
	assert.Equal(t, 1, got["internal-audit-conduct"].Population)
	_, err = forged.ProgrammeFacts(w.ctx, w.prog)
	require.ErrorIs(t, err, sms.ErrCorrupt, "a forged programme gives no facts")
}

// SweepCoverage at exact boundaries on a fixed cycle of 90 days from the
// approval: judged only once asOf is after the cycle's end plus grace,
// cycle after cycle; an audit counts in the cycle its report was issued.
func TestSweepCoverageBoundaries(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cycle := 90 * 24 * time.Hour
	p := &audit.Programme{Meta: sms.Meta{ID: "AP-F"}, Status: audit.ProgrammeApproved, ApprovedAt: t0, Cycle: sms.EveryDuration(cycle),
		Areas: []audit.AreaPlan{{Area: "change", Weight: 3, Audits: 1}}}
	in := func(at time.Time, status audit.AuditStatus) *audit.Audit {
		return &audit.Audit{Programme: "AP-F", Area: "change", Status: status, Report: &audit.AuditReport{IssuedAt: at}}
	}
	assert.Empty(t, audit.SweepCoverage(p, nil, t0.Add(cycle), 0))
	assert.Len(t, audit.SweepCoverage(p, nil, t0.Add(cycle+time.Nanosecond), 0), 1)
	assert.Len(t, audit.SweepCoverage(p, nil, t0.Add(2*cycle+time.Nanosecond), 0), 2, "one gap a cycle")
	first := in(t0.Add(cycle-time.Microsecond), audit.AuditClosed)
	assert.Empty(t, audit.SweepCoverage(p, []*audit.Audit{first}, t0.Add(cycle+time.Hour), 0))
	assert.Len(t, audit.SweepCoverage(p, []*audit.Audit{in(t0.Add(cycle), audit.AuditReported)}, t0.Add(cycle+time.Hour), 0), 1, "issued in the next cycle")
	assert.Len(t, audit.SweepCoverage(p, []*audit.Audit{in(t0, audit.AuditCancelled)}, t0.Add(cycle+time.Hour), 0), 1, "a cancellation counts against")
	other := in(t0, audit.AuditClosed)
	other.Programme = "AP-X"
	assert.Len(t, audit.SweepCoverage(p, []*audit.Audit{other, nil}, t0.Add(cycle+time.Hour), 0), 1, "another programme's audit")
	assert.Empty(t, audit.SweepCoverage(p, nil, t0.Add(cycle+time.Hour), 2*time.Hour), "within the grace")
	draft := *p
	draft.Status = audit.ProgrammeDrafted
	assert.Empty(t, audit.SweepCoverage(&draft, nil, t0.Add(10*cycle), 0))
	assert.Empty(t, audit.SweepCoverage(nil, nil, t0, 0))
}
