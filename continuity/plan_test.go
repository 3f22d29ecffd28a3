package continuity_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	planAuthor   = sms.Actor{ID: "ann", Roles: []sms.Role{continuity.RoleContinuityManager}}
	planApprover = sms.Actor{ID: "bob", Roles: []sms.Role{continuity.RoleContinuityManager}}
	planT0       = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
)

// planAgreed is the host's lookup of agreed continuity requirements: the
// services listed have them.
type planAgreed map[string]bool

func (a planAgreed) Agreed(_ context.Context, service string) (continuity.Objectives, bool, error) {
	if !a[service] {
		return continuity.Objectives{}, false, nil
	}
	return continuity.Objectives{RTO: 4 * time.Hour, RPO: time.Hour, MTPD: 24 * time.Hour, MinServiceLevel: "payslips issued"}, true, nil
}

func planContents() continuity.Contents {
	return continuity.Contents{
		InvocationCriteria: "payroll unavailable for more than 2 hours within 3 days of the pay run",
		Authorities:        []string{"carol", "dave"},
		Procedures: continuity.Procedures{Invocation: "call the crisis line, open the bridge", MajorLoss: "fail over to the secondary site",
			ReturnToNormal: "fail back after a full reconciliation"},
		DegradedTargets:      []string{"payslips by noon on pay day"},
		RecoveryRequirements: []string{"RTO 4h", "RPO 1h"},
		Contacts:             []continuity.Contact{{Name: "Carol", Role: "continuity lead", Phone: "+44 20 7946 0000"}},
	}
}

type planEnv struct {
	svc *continuity.Plans
	clk *smstest.Clock
	ctx context.Context
}

func newPlanEnv(t testing.TB) *planEnv {
	clk := smstest.NewClock(planT0)
	svc, err := continuity.NewPlans(memstore.New[*continuity.Plan](), planAgreed{"payroll": true}, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &planEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *planEnv) draft(t testing.TB, c continuity.Contents, services ...string) *continuity.Plan {
	t.Helper()
	if services == nil {
		services = []string{"payroll"}
	}
	p, err := e.svc.Draft(e.ctx, planAuthor, continuity.PlanDraft{Services: services, Contents: c})
	require.NoError(t, err)
	return p
}

func (e *planEnv) approved(t testing.TB) *continuity.Plan {
	t.Helper()
	p, err := e.svc.Approve(e.ctx, planApprover, e.draft(t, planContents()).ID, continuity.PlanApproval{})
	require.NoError(t, err)
	return p
}

func (e *planEnv) active(t testing.TB) *continuity.Plan {
	t.Helper()
	p, err := e.svc.Activate(e.ctx, planAuthor, e.approved(t).ID, continuity.PlanActivation{})
	require.NoError(t, err)
	return p
}

// copyOf is a valid off-site copy of the plan's current version.
func (e *planEnv) copyOf(t testing.TB, id string) continuity.CopyRecord {
	t.Helper()
	p, err := e.svc.Get(e.ctx, id)
	require.NoError(t, err)
	return continuity.CopyRecord{Location: "vault at the secondary site", Medium: "paper", Digest: p.Digest()}
}

type planKit struct {
	*continuity.Plans
	env *planEnv
}

func (k planKit) At(t testing.TB, status, _ string) string {
	e := k.env
	var err error
	switch continuity.PlanStatus(status) {
	case continuity.PlanDrafted:
		return e.draft(t, planContents()).ID
	case continuity.PlanApproved:
		return e.approved(t).ID
	case continuity.PlanRetired:
		p := e.draft(t, planContents())
		_, err = e.svc.Retire(e.ctx, planAuthor, p.ID, continuity.PlanRetirement{Reason: "service decommissioned"})
		require.NoError(t, err)
		return p.ID
	}
	p := e.active(t)
	switch continuity.PlanStatus(status) {
	case continuity.PlanRetestRequired:
		_, err = e.svc.RequireRetest(e.ctx, planAuthor, p.ID, continuity.RetestRequirement{Reason: "CHG-7 major impact", Due: e.clk.Now().Add(30 * 24 * time.Hour)})
	case continuity.PlanUnderRevision:
		_, err = e.svc.Revise(e.ctx, planAuthor, p.ID, continuity.PlanRevision{Contents: planContents()})
	}
	require.NoError(t, err)
	return p.ID
}

func (k planKit) command(id string, tr continuity.PlanTrigger) continuity.PlanCommand {
	switch tr {
	case continuity.TriggerPlanRevise:
		c := planContents()
		c.DegradedTargets = append(c.DegradedTargets, "helpdesk answers within 10 minutes")
		return continuity.PlanRevision{Contents: c}
	case continuity.TriggerPlanApprove:
		return continuity.PlanApproval{}
	case continuity.TriggerPlanActivate:
		return continuity.PlanActivation{}
	case continuity.TriggerRequireRetest:
		return continuity.RetestRequirement{Reason: "CHG-7 major impact", Due: k.env.clk.Now().Add(14 * 24 * time.Hour)}
	case continuity.TriggerRetested:
		return continuity.Retest{Test: "CT-2026-12"}
	case continuity.TriggerRecordCopy:
		p, err := k.Get(context.Background(), id)
		if err != nil {
			return continuity.CopyRecord{Location: "vault", Medium: "paper"}
		}
		return continuity.CopyRecord{Location: "vault at the secondary site", Medium: "paper", Digest: p.Digest()}
	case continuity.TriggerPlanRetire:
		return continuity.PlanRetirement{Reason: "service decommissioned"}
	case continuity.TriggerPlanNote:
		return continuity.PlanNote{Text: "see the crisis runbook"}
	}
	return nil
}

func planActor(tr continuity.PlanTrigger) sms.Actor {
	if tr == continuity.TriggerPlanApprove {
		return planApprover
	}
	return planAuthor
}

func (k planKit) Fire(ctx context.Context, id, trigger string) (*continuity.Plan, error) {
	tr := continuity.PlanTrigger(trigger)
	return k.Do(ctx, planActor(tr), id, k.command(id, tr))
}

func (k planKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := continuity.PlanTrigger(trigger)
	return k.Plans.DryRun(ctx, planActor(tr), id, k.command(id, tr))
}

func TestPlanKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*continuity.Plan]{
		Workflow: continuity.PlanWorkflow(),
		Oracle: map[string]map[string]string{ // from CON-04 to CON-08 and the plan's lifecycle in section 11
			"draft":           {"revise": smstest.Stay, "approve": "approved", "retire": "retired", "note": smstest.Stay},
			"approved":        {"revise": "under_revision", "activate": "active", "record_copy": smstest.Stay, "retire": "retired", "note": smstest.Stay},
			"active":          {"revise": "under_revision", "require_retest": "retest_required", "record_copy": smstest.Stay, "retire": "retired", "note": smstest.Stay},
			"retest_required": {"retested": "active", "record_copy": smstest.Stay, "retire": "retired", "note": smstest.Stay},
			"under_revision":  {"revise": smstest.Stay, "approve": "approved", "retire": "retired", "note": smstest.Stay},
			"retired":         {"note": smstest.Stay},
		},
		Triggers: smstest.Names(continuity.PlanTriggers()[1:]),
		Cites:    []string{"CON-04", "CON-06", "CON-08"}, // the sweeps'
		// Doc stays empty until the diagram is in doc.go; then "doc.go".
		Golden: "testdata/plan.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*continuity.Plan] {
			env := newPlanEnv(t)
			return planKit{env.svc, env}
		},
	})
}

// The refusals of the approval, each leaving the plan as it was: a missing
// procedure and no invocation authority (CON-05), no contacts (CON-06), a
// service without agreed continuity requirements (CON-04), approval by its
// author (CON-04); a draft covering nothing is not created.
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	refused := func(id string, c continuity.PlanCommand, want string) {
		t.Helper()
		before := smstest.Snap(t, e.svc, id)
		_, err := e.svc.Do(e.ctx, planApprover, id, c)
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{want}, ge.IDs())
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	noLoss := planContents()
	noLoss.Procedures.MajorLoss = " "
	refused(e.draft(t, noLoss).ID, continuity.PlanApproval{}, "CON-05")
	noAuth := planContents()
	noAuth.Authorities = nil
	refused(e.draft(t, noAuth).ID, continuity.PlanApproval{}, "CON-05")
	noTargets := planContents()
	noTargets.DegradedTargets = nil
	refused(e.draft(t, noTargets).ID, continuity.PlanApproval{}, "CON-05")
	noContacts := planContents()
	noContacts.Contacts = []continuity.Contact{{Name: "Carol"}}
	refused(e.draft(t, noContacts).ID, continuity.PlanApproval{}, "CON-06")
	refused(e.draft(t, planContents(), "payroll", "hr").ID, continuity.PlanApproval{}, "CON-04") // hr has none agreed

	p := e.draft(t, planContents())
	before := smstest.Snap(t, e.svc, p.ID)
	_, err := e.svc.Approve(e.ctx, planAuthor, p.ID, continuity.PlanApproval{})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CON-04", fe.Requirement.ID)
	smstest.RequireUnchanged(t, e.svc, p.ID, before)

	_, err = e.svc.Draft(e.ctx, planAuthor, continuity.PlanDraft{ID: "CP-none", Contents: planContents()})
	smstest.RequireRefused(t, err, "CON-04")
	_, err = e.svc.Get(e.ctx, "CP-none")
	require.ErrorIs(t, err, sms.ErrNotFound)

	// In force: a retest needs its reason and a due date not past, and is
	// cleared by a named test.
	a := e.active(t)
	refused(a.ID, continuity.RetestRequirement{Due: planT0.Add(time.Hour)}, "CON-08")
	refused(a.ID, continuity.RetestRequirement{Reason: "CHG-7", Due: planT0.Add(-time.Microsecond)}, "CON-08")
	_, err = e.svc.RequireRetest(e.ctx, planAuthor, a.ID, continuity.RetestRequirement{Reason: "CHG-7", Due: planT0})
	require.NoError(t, err, "due now is not past")
	refused(a.ID, continuity.Retest{}, "CON-08")
	refused(a.ID, continuity.PlanRetirement{Reason: " "}, "CON-04")
}

// Versions and the segregation of their approval: Version counts the
// approvals (1, then 2); the authors are those of the version being
// written, so the first version's author may approve the second one
// written by its first approver, who may not.
func TestPlanVersions(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	p := e.active(t)
	assert.Equal(t, 1, p.Version)
	c := planContents()
	c.RecoveryRequirements = append(c.RecoveryRequirements, "MTPD 24h")
	p, err := e.svc.Revise(e.ctx, planApprover, p.ID, continuity.PlanRevision{Contents: c})
	require.NoError(t, err)
	assert.Equal(t, continuity.PlanUnderRevision, p.Status)
	assert.Equal(t, 1, p.Version, "not approved yet")
	_, err = e.svc.Approve(e.ctx, planApprover, p.ID, continuity.PlanApproval{})
	smstest.RequireForbidden(t, err)
	p, err = e.svc.Approve(e.ctx, planAuthor, p.ID, continuity.PlanApproval{})
	require.NoError(t, err)
	assert.Equal(t, 2, p.Version)
	assert.Equal(t, []string{"bob", "ann"}, p.Parties.Of(sms.PartyApprover))
	j, err := e.svc.Journal(e.ctx, p.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "draft", "approve", "activate", "revise", "approve")

	f, err := e.svc.PlanFacts(e.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, continuity.PlanFacts{Status: "approved", Version: 2, Services: []string{"payroll"}, Authorities: []string{"carol", "dave"},
		Criteria: planContents().InvocationCriteria}, f)
	_, err = e.svc.PlanFacts(e.ctx, "CP-unknown")
	require.ErrorIs(t, err, sms.ErrNotFound)
	var _ continuity.PlanFinder = e.svc
}

// The digest is the hex SHA-256 of the canonical encoding of services,
// contents and version: recomputed here from a struct of the same three fields, declared in
// another order;
// it changes with the contents and with the version, and an off-site copy
// of an old version is refused and leaves the plan stale (CON-06).
func TestPlanDigestAndCopies(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	p := e.active(t)
	b, err := sms.AppendState(nil, struct {
		Version  int                 `json:"version"`
		Contents continuity.Contents `json:"contents"`
		Services []string            `json:"services"`
	}{1, p.Contents, p.Services})
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	v1 := p.Digest()
	assert.Equal(t, hex.EncodeToString(sum[:]), v1)
	assert.Len(t, v1, 64)
	assert.Equal(t, v1, p.Clone().Digest())

	sweep := func(asOf time.Time, services ...string) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, services, asOf)
		require.NoError(t, err)
		return planCodes(fs)
	}
	assert.Equal(t, []string{"OFFSITE_COPY_STALE CON-06 " + p.ID}, sweep(planT0), "no copy yet")
	_, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, continuity.CopyRecord{Location: "vault", Medium: "paper", Digest: v1, VerifiedAt: planT0.Add(time.Hour)})
	smstest.RequireRefused(t, err, "CON-06") // verified in the future
	p, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, continuity.CopyRecord{Location: "vault", Medium: "paper", Digest: v1})
	require.NoError(t, err)
	assert.Equal(t, []continuity.OffsiteCopy{{Location: "vault", Medium: "paper", Version: 1, Digest: v1, VerifiedAt: planT0}}, p.OffsiteCopies)
	assert.Empty(t, sweep(planT0))

	c := planContents()
	c.Contacts = append(c.Contacts, continuity.Contact{Name: "Dave", Role: "deputy", Phone: "+44 20 7946 0001"})
	p, err = e.svc.Revise(e.ctx, planAuthor, p.ID, continuity.PlanRevision{Contents: c})
	require.NoError(t, err)
	revised := p.Digest()
	assert.NotEqual(t, v1, revised, "the contents changed")
	before := smstest.Snap(t, e.svc, p.ID)
	_, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, continuity.CopyRecord{Location: "vault", Medium: "paper", Digest: revised})
	smstest.RequireTransitionRefused(t, err, "record_copy") // contents being written are not copied
	smstest.RequireUnchanged(t, e.svc, p.ID, before)

	p, err = e.svc.Approve(e.ctx, planApprover, p.ID, continuity.PlanApproval{})
	require.NoError(t, err)
	v2 := p.Digest()
	assert.NotEqual(t, revised, v2, "the version is part of the digest")
	_, err = e.svc.Activate(e.ctx, planAuthor, p.ID, continuity.PlanActivation{})
	require.NoError(t, err)
	assert.Equal(t, []string{"OFFSITE_COPY_STALE CON-06 " + p.ID}, sweep(planT0), "the only copy is of version 1")

	before = smstest.Snap(t, e.svc, p.ID)
	for _, old := range []string{v1, revised, ""} {
		_, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, continuity.CopyRecord{Location: "vault", Medium: "paper", Digest: old})
		smstest.RequireRefused(t, err, "CON-06")
		smstest.RequireUnchanged(t, e.svc, p.ID, before)
	}
	_, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, continuity.CopyRecord{Location: "vault", Medium: "usb", Digest: v2})
	require.NoError(t, err)
	assert.Empty(t, sweep(planT0))
}

// RETEST_OVERDUE: required at 09:00 on 1 December with a due date 14 days
// later, 2026-12-15T09:00Z, the retest is overdue from the first instant
// after it; CONT_PLAN_MISSING: a service the host lists with no plan in
// force covering it (approved is not in force, retest_required is).
func TestPlanSweepBoundaries(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	sweep := func(asOf time.Time, services ...string) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, services, asOf)
		require.NoError(t, err)
		return planCodes(fs)
	}
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 payroll", "CONT_PLAN_MISSING CON-04 hr"}, sweep(planT0, "payroll", "hr", "payroll"))
	p := e.approved(t)
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 payroll"}, sweep(planT0, "payroll"), "approved is not in force")
	_, err := e.svc.Activate(e.ctx, planAuthor, p.ID, continuity.PlanActivation{})
	require.NoError(t, err)
	_, err = e.svc.RecordCopy(e.ctx, planAuthor, p.ID, e.copyOf(t, p.ID))
	require.NoError(t, err)
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 hr"}, sweep(planT0, "payroll", "hr"))
	assert.Empty(t, sweep(planT0))

	due := time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC)
	p, err = e.svc.RequireRetest(e.ctx, planAuthor, p.ID, continuity.RetestRequirement{Reason: "CHG-7 major impact", Due: planT0.Add(14 * 24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, due, p.RetestDue)
	assert.Empty(t, sweep(due, "payroll"), "on the due instant; retest_required still covers payroll")
	assert.Equal(t, []string{"RETEST_OVERDUE CON-08 " + p.ID}, sweep(due.Add(time.Microsecond), "payroll"))

	stored, err := e.svc.Get(e.ctx, p.ID)
	require.NoError(t, err)
	fs, err := continuity.SweepPlan(stored, due.Add(time.Nanosecond))
	require.NoError(t, err)
	assert.Equal(t, []string{"RETEST_OVERDUE CON-08 " + p.ID}, planCodes(fs))
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 hr"}, planCodes(continuity.MissingPlans([]*continuity.Plan{stored, nil}, []string{"payroll", "hr"}, due)))
	_, err = continuity.SweepPlan(nil, due)
	require.Error(t, err)

	e.clk.Set(due.Add(time.Hour))
	p, err = e.svc.Retested(e.ctx, planAuthor, p.ID, continuity.Retest{Test: "CT-2026-12"})
	require.NoError(t, err)
	assert.True(t, p.RetestDue.IsZero())
	assert.Empty(t, sweep(due.Add(time.Hour), "payroll"))
	_, err = e.svc.Retire(e.ctx, planAuthor, p.ID, continuity.PlanRetirement{Reason: "replaced by CP-2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"CONT_PLAN_MISSING CON-04 payroll"}, sweep(due.Add(time.Hour), "payroll"))
}

func planCodes(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}

// planFuzz is what the fuzz driver needs: random plan commands, valid or
// empty, by the author, the approver or a stranger, with the clock moved.
type planFuzz struct{ planKit }

func (f planFuzz) Start(t testing.TB) string { return f.env.draft(t, planContents()).ID }

func (f planFuzz) Do(ctx context.Context, id string, s smstest.Step) (*continuity.Plan, error) {
	who := []sms.Actor{planAuthor, planApprover, {ID: "nobody"}}[s.Actor%3]
	tr := continuity.PlanTrigger(s.Trigger)
	c := f.command(id, tr)
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(continuity.PlanWorkflow(), s.Trigger).(continuity.PlanCommand)
	case 2:
		f.env.clk.Advance(20 * 24 * time.Hour)
	}
	return f.Plans.Do(ctx, who, id, c)
}

func FuzzPlans(f *testing.F) {
	f.Add([]byte{1, 1, 0, 2, 0, 0, 5, 0, 0, 3, 0, 0, 4, 0, 2, 0, 0, 0, 1, 1, 0})
	f.Add([]byte{1, 0, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 5, 0, 1, 6, 0, 0, 7, 2, 1})
	triggers := smstest.Names(continuity.PlanTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newPlanEnv(t)
		smstest.FuzzProcess(t, steps, triggers, planFuzz{planKit{env.svc, env}})
	})
}
