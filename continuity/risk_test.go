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

var (
	riskAssessor = sms.Actor{ID: "ann", Roles: []sms.Role{continuity.RoleContinuityManager}}
	riskT0       = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
)

func riskList() []continuity.Risk {
	return []continuity.Risk{
		{Text: "loss of the primary data centre", Owner: "carol", Likelihood: 2, Impact: 5, Treatment: "fail over to the secondary site"},
		{Text: "payroll vendor insolvent", Owner: "dave", Likelihood: 1, Impact: 4, Treatment: "escrow and a second vendor shortlisted"},
	}
}

type riskEnv struct {
	svc *continuity.RiskAssessments
	clk *smstest.Clock
	ctx context.Context
}

func newRiskEnv(t testing.TB) *riskEnv {
	clk := smstest.NewClock(riskT0)
	svc, err := continuity.NewRiskAssessments(memstore.New[*continuity.RiskAssessment](), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &riskEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *riskEnv) assess(t testing.TB, kind continuity.RiskAssessmentKind) *continuity.RiskAssessment {
	t.Helper()
	r, err := e.svc.Assess(e.ctx, riskAssessor, continuity.Assessment{Service: "payroll", Kind: kind, Risks: riskList()})
	require.NoError(t, err)
	return r
}

type riskKit struct {
	*continuity.RiskAssessments
	env *riskEnv
}

func (k riskKit) At(t testing.TB, status, _ string) string {
	e := k.env
	r := e.assess(t, continuity.RiskContinuity)
	if continuity.RiskStatus(status) == continuity.RiskRetired {
		_, err := e.svc.Retire(e.ctx, riskAssessor, r.ID, continuity.RiskRetirement{Reason: "service decommissioned"})
		require.NoError(t, err)
	}
	return r.ID
}

func (riskKit) command(tr continuity.RiskTrigger) continuity.RiskCommand {
	switch tr {
	case continuity.TriggerRiskReassess:
		rs := riskList()
		rs[0].Likelihood = 3
		return continuity.Reassessment{Risks: rs}
	case continuity.TriggerRiskRetire:
		return continuity.RiskRetirement{Reason: "service decommissioned"}
	case continuity.TriggerRiskNote:
		return continuity.RiskNote{Text: "reviewed with the BIA"}
	}
	return nil
}

func (k riskKit) Fire(ctx context.Context, id, trigger string) (*continuity.RiskAssessment, error) {
	return k.Do(ctx, riskAssessor, id, k.command(continuity.RiskTrigger(trigger)))
}

func (k riskKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.RiskAssessments.DryRun(ctx, riskAssessor, id, k.command(continuity.RiskTrigger(trigger)))
}

func TestRiskKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*continuity.RiskAssessment]{
		Workflow: continuity.RiskWorkflow(),
		Oracle: map[string]map[string]string{ // from CON-01 and AVL-01: assessed, reassessed periodically, retired
			"current": {"reassess": smstest.Stay, "retire": "retired", "note": smstest.Stay},
			"retired": {"note": smstest.Stay},
		},
		Triggers: smstest.Names(continuity.RiskTriggers()[1:]),
		Cites:    []string{"CON-01", "AVL-01"}, // the sweep's
		// Doc stays empty until the diagram is in doc.go; then "doc.go".
		Golden: "testdata/risk.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*continuity.RiskAssessment] {
			env := newRiskEnv(t)
			return riskKit{env.svc, env}
		},
	})
}

// The refusals, each leaving nothing changed and citing the requirement of
// the assessment's kind: no risk, a risk without an owner, a risk without
// a treatment; on creation nothing is stored, on reassessment the
// assessment is as it was.
func TestRiskRefusals(t *testing.T) {
	t.Parallel()
	e := newRiskEnv(t)
	noOwner, noTreatment := riskList(), riskList()
	noOwner[1].Owner = ""
	noTreatment[0].Treatment = " "
	for _, k := range []struct {
		kind continuity.RiskAssessmentKind
		want string
	}{{continuity.RiskContinuity, "CON-01"}, {continuity.RiskAvailability, "AVL-01"}} {
		for i, rs := range [][]continuity.Risk{nil, noOwner, noTreatment} {
			id := "RA-none-" + string(k.kind) + "-" + string(rune('a'+i))
			_, err := e.svc.Assess(e.ctx, riskAssessor, continuity.Assessment{ID: id, Service: "payroll", Kind: k.kind, Risks: rs})
			smstest.RequireRefused(t, err, k.want)
			_, err = e.svc.Get(e.ctx, id)
			require.ErrorIs(t, err, sms.ErrNotFound)
		}
		_, err := e.svc.Assess(e.ctx, riskAssessor, continuity.Assessment{ID: "RA-noservice", Kind: k.kind, Risks: riskList()})
		smstest.RequireRefused(t, err, k.want)

		r := e.assess(t, k.kind)
		for _, c := range []continuity.RiskCommand{continuity.Reassessment{}, continuity.Reassessment{Risks: noOwner},
			continuity.Reassessment{Risks: noTreatment}, continuity.RiskRetirement{Reason: " "}, continuity.RiskNote{}} {
			before := smstest.Snap(t, e.svc, r.ID)
			_, err := e.svc.Do(e.ctx, riskAssessor, r.ID, c)
			var ge *sms.GuardError
			require.ErrorAs(t, err, &ge)
			assert.Equal(t, []string{k.want}, ge.IDs())
			smstest.RequireUnchanged(t, e.svc, r.ID, before)
		}
		before := smstest.Snap(t, e.svc, r.ID)
		_, err = e.svc.Reassess(e.ctx, sms.Actor{ID: "mallory"}, r.ID, continuity.Reassessment{Risks: riskList()})
		require.Error(t, err, "without the role")
		smstest.RequireUnchanged(t, e.svc, r.ID, before)
	}
}

// Malformed input is a *sms.ValidationError before any rule runs: a
// likelihood of 6 or an impact of 0, an unknown kind; nothing is stored and
// a current assessment is unchanged.
func TestRiskBadInput(t *testing.T) {
	t.Parallel()
	e := newRiskEnv(t)
	six, zero := riskList(), riskList()
	six[0].Likelihood = 6
	zero[1].Impact = 0
	for _, c := range []continuity.Assessment{
		{ID: "RA-bad-1", Service: "payroll", Kind: continuity.RiskContinuity, Risks: six},
		{ID: "RA-bad-2", Service: "payroll", Kind: continuity.RiskAvailability, Risks: zero},
		{ID: "RA-bad-3", Service: "payroll", Kind: "security", Risks: riskList()},
		{ID: "RA-bad-4", Service: "payroll", Risks: riskList()},
	} {
		_, err := e.svc.Assess(e.ctx, riskAssessor, c)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, c.ID)
		require.ErrorIs(t, err, sms.ErrInvalid)
		assert.Equal(t, continuity.RiskKind, ve.Kind)
		_, err = e.svc.Get(e.ctx, c.ID)
		require.ErrorIs(t, err, sms.ErrNotFound)
	}
	_, err := e.svc.Assess(e.ctx, riskAssessor, continuity.Assessment{Service: "payroll", Kind: continuity.RiskContinuity, Risks: six})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "risks[0].likelihood", ve.Field)

	r := e.assess(t, continuity.RiskContinuity)
	before := smstest.Snap(t, e.svc, r.ID)
	_, err = e.svc.Reassess(e.ctx, riskAssessor, r.ID, continuity.Reassessment{Risks: six})
	require.ErrorAs(t, err, &ve)
	smstest.RequireUnchanged(t, e.svc, r.ID, before)
}

// Reassessing replaces the risks in place and moves AssessedAt to now; the
// journal keeps the assessment and the reassessment, each with its time.
func TestRiskReassess(t *testing.T) {
	t.Parallel()
	e := newRiskEnv(t)
	r := e.assess(t, continuity.RiskAvailability)
	assert.Equal(t, continuity.RiskCurrent, r.Status)
	assert.Equal(t, riskT0, r.AssessedAt)
	assert.Equal(t, riskList(), r.Risks)
	assert.Equal(t, "payroll", r.Attributes().Service)

	e.clk.Advance(300 * 24 * time.Hour)
	now := e.clk.Now()
	fresh := []continuity.Risk{{Text: "single network provider", Owner: "erin", Likelihood: 3, Impact: 3, Treatment: "second provider by Q3"}}
	r2, err := e.svc.Reassess(e.ctx, riskAssessor, r.ID, continuity.Reassessment{Risks: fresh})
	require.NoError(t, err)
	assert.Equal(t, r.ID, r2.ID)
	assert.Equal(t, continuity.RiskCurrent, r2.Status)
	assert.Equal(t, fresh, r2.Risks)
	assert.Equal(t, now, r2.AssessedAt)
	assert.Equal(t, riskList(), r.Risks, "the earlier result is not aliased")

	j, err := e.svc.Journal(e.ctx, r.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "assess", "reassess")
	assert.Equal(t, riskT0, j[0].At)
	assert.Equal(t, now, j[1].At)
	n, ok := sms.Get(j[0].Payload, "risks")
	assert.True(t, ok)
	assert.Equal(t, "2", n)
	require.NoError(t, e.svc.Verify(e.ctx, r.ID))

	c := r2.Clone()
	c.Risks[0].Owner = "zed"
	assert.Equal(t, "erin", r2.Risks[0].Owner)
}

// The sweep with sms.Yearly("Europe/Berlin") and a grace of 30 days, at
// its exact boundaries.
//
// The continuity assessment is made at 2026-03-10T09:00Z (10:00 CET), in
// the Berlin year 2026; its next due date is the end of the year after,
// 2028-01-01T00:00 CET = 2027-12-31T23:00Z, and with the grace
// 2028-01-30T23:00Z: overdue from the first instant after it.
//
// The availability assessment is made at 2026-12-31T23:30Z, which is
// 2027-01-01T00:30 CET, already the Berlin year 2027: its next due date is
// 2029-01-01T00:00 CET = 2028-12-31T23:00Z, plus the grace
// 2029-01-30T23:00Z.
func TestRiskSweepBoundaries(t *testing.T) {
	t.Parallel()
	e := newRiskEnv(t)
	every, grace := sms.Yearly("Europe/Berlin"), 30*24*time.Hour
	sweep := func(asOf time.Time) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, every, grace, asOf)
		require.NoError(t, err)
		return planCodes(fs)
	}
	cont := e.assess(t, continuity.RiskContinuity)
	e.clk.Set(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC))
	avail := e.assess(t, continuity.RiskAvailability)

	contDue := time.Date(2027, 12, 31, 23, 0, 0, 0, time.UTC)
	availDue := time.Date(2028, 12, 31, 23, 0, 0, 0, time.UTC)
	assert.Equal(t, contDue, every.NextDue(cont.AssessedAt).UTC())
	assert.Equal(t, availDue, every.NextDue(avail.AssessedAt).UTC())
	contLate, availLate := contDue.Add(grace), availDue.Add(grace)
	assert.Equal(t, time.Date(2028, 1, 30, 23, 0, 0, 0, time.UTC), contLate)
	assert.Equal(t, time.Date(2029, 1, 30, 23, 0, 0, 0, time.UTC), availLate)

	assert.Empty(t, sweep(contLate), "on the instant due plus grace")
	assert.Equal(t, []string{"CONT_RISK_OVERDUE CON-01 " + cont.ID}, sweep(contLate.Add(time.Microsecond)))
	assert.Equal(t, []string{"CONT_RISK_OVERDUE CON-01 " + cont.ID}, sweep(availLate))
	assert.ElementsMatch(t, []string{"CONT_RISK_OVERDUE CON-01 " + cont.ID, "AVAIL_RISK_OVERDUE AVL-01 " + avail.ID}, sweep(availLate.Add(time.Microsecond)))

	// A grace of zero: due on the instant, overdue just after.
	fs, err := e.svc.Sweep(e.ctx, every, 0, contDue)
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = e.svc.Sweep(e.ctx, every, 0, contDue.Add(time.Microsecond))
	require.NoError(t, err)
	assert.Equal(t, []string{"CONT_RISK_OVERDUE CON-01 " + cont.ID}, planCodes(fs))

	// The pure sweep agrees, to the nanosecond.
	stored, err := e.svc.Get(e.ctx, avail.ID)
	require.NoError(t, err)
	fs, err = continuity.SweepRisk(stored, every, grace, availLate)
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = continuity.SweepRisk(stored, every, grace, availLate.Add(time.Nanosecond))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, continuity.CodeAvailRiskOverdue, fs[0].Code)
	assert.Equal(t, "AVL-01", fs[0].Requirement.ID)
	assert.Equal(t, "8.7.1", fs[0].Requirement.Clause)
	assert.Equal(t, continuity.RiskKind, fs[0].Kind)
	_, err = continuity.SweepRisk(nil, every, grace, availLate)
	require.Error(t, err)
	_, err = continuity.SweepRisk(stored, sms.Cadence{}, grace, availLate)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = continuity.SweepRisk(stored, every, -time.Second, availLate)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = e.svc.Sweep(e.ctx, sms.Yearly("Nowhere/Atlantis"), grace, availLate)
	require.ErrorIs(t, err, sms.ErrInvalid)

	// Reassessed on 2028-02-01 (Berlin year 2028), the continuity
	// assessment is next due 2030-01-01T00:00 CET; retired, the
	// availability one is no longer swept.
	e.clk.Set(time.Date(2028, 2, 1, 12, 0, 0, 0, time.UTC))
	_, err = e.svc.Reassess(e.ctx, riskAssessor, cont.ID, continuity.Reassessment{Risks: riskList()})
	require.NoError(t, err)
	_, err = e.svc.Retire(e.ctx, riskAssessor, avail.ID, continuity.RiskRetirement{Reason: "merged into the payroll continuity assessment"})
	require.NoError(t, err)
	assert.Empty(t, sweep(availLate.Add(time.Microsecond)))
	late := time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC).Add(grace)
	assert.Empty(t, sweep(late))
	assert.Equal(t, []string{"CONT_RISK_OVERDUE CON-01 " + cont.ID}, sweep(late.Add(time.Microsecond)))
}

// riskFuzz is what the fuzz driver needs: random risk assessment commands,
// valid or empty, by the assessor or a stranger, with the clock moved, on
// an assessment of either kind.
type riskFuzz struct {
	riskKit
	kind continuity.RiskAssessmentKind
}

func (f riskFuzz) Start(t testing.TB) string { return f.env.assess(t, f.kind).ID }

func (f riskFuzz) Do(ctx context.Context, id string, s smstest.Step) (*continuity.RiskAssessment, error) {
	who := []sms.Actor{riskAssessor, {ID: "nobody"}}[s.Actor%2]
	tr := continuity.RiskTrigger(s.Trigger)
	c := f.command(tr)
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(continuity.RiskWorkflow(), s.Trigger).(continuity.RiskCommand)
	case 2:
		f.env.clk.Advance(200 * 24 * time.Hour)
	}
	return f.RiskAssessments.Do(ctx, who, id, c)
}

func FuzzRisks(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 2, 2, 0, 0, 1, 0, 0})
	f.Add([]byte{0, 1, 1, 1, 0, 0, 0, 0, 2, 2, 1, 1, 1, 0, 0})
	triggers := smstest.Names(continuity.RiskTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newRiskEnv(t)
		kind := []continuity.RiskAssessmentKind{continuity.RiskContinuity, continuity.RiskAvailability}[len(steps)%2]
		smstest.FuzzProcess(t, steps, triggers, riskFuzz{riskKit{env.svc, env}, kind})
	})
}
