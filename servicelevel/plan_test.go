package servicelevel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
)

var (
	author   = sms.Actor{ID: "ann", Roles: []sms.Role{servicelevel.RoleAvailabilityManager}}
	approver = sms.Actor{ID: "bob", Roles: []sms.Role{servicelevel.RoleAvailabilityManager}}
)

func determination() servicelevel.Determination {
	return servicelevel.Determination{TargetNum: 995, TargetDen: 1000, Hours: "service-hours@1", Basis: []string{"SR-payroll-3", "SLA-payroll"},
		Commitment: &servicelevel.Commitment{Agreement: "SLA-payroll", Num: 99, Den: 100}}
}

var risks = servicelevel.Assessment{Risks: []servicelevel.Risk{{Text: "single database server", Treatment: "standby replica by Q2"}}}

type planEnv struct {
	svc *servicelevel.Plans
	clk *smstest.Clock
	ctx context.Context
}

func newPlanEnv(t testing.TB) *planEnv {
	clk := smstest.NewClock(t0)
	svc, err := servicelevel.NewPlans(memstore.New[*servicelevel.AvailabilityPlan](), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &planEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *planEnv) draft(t testing.TB, amends string, assessed bool) *servicelevel.AvailabilityPlan {
	t.Helper()
	p, err := e.svc.Draft(e.ctx, author, servicelevel.PlanDraft{Service: "payroll", Amends: amends, Determination: determination()})
	require.NoError(t, err)
	if assessed {
		p, err = e.svc.Assess(e.ctx, author, p.ID, risks)
		require.NoError(t, err)
	}
	return p
}

func (e *planEnv) active(t testing.TB) *servicelevel.AvailabilityPlan {
	t.Helper()
	p, err := e.svc.Approve(e.ctx, approver, e.draft(t, "", true).ID, servicelevel.Approval{})
	require.NoError(t, err)
	return p
}

type planKit struct {
	*servicelevel.Plans
	env *planEnv
}

func (k planKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch servicelevel.PlanStatus(status) {
	case servicelevel.PlanDrafted:
		return e.draft(t, "", trigger == string(servicelevel.TriggerApprove)).ID
	}
	p := e.active(t)
	var err error
	switch servicelevel.PlanStatus(status) {
	case servicelevel.PlanSuperseded:
		_, err = e.svc.Approve(e.ctx, approver, e.draft(t, p.ID, true).ID, servicelevel.Approval{})
	case servicelevel.PlanRetired:
		_, err = e.svc.Retire(e.ctx, author, p.ID, servicelevel.Retirement{Reason: "the service is retired"})
	}
	require.NoError(t, err)
	return p.ID
}

var validPlan = map[servicelevel.PlanTrigger]servicelevel.PlanCommand{
	servicelevel.TriggerPlanRevise: servicelevel.PlanRevision{Determination: determination()},
	servicelevel.TriggerAssess:     risks,
	servicelevel.TriggerApprove:    servicelevel.Approval{},
	servicelevel.TriggerPlanReview: servicelevel.PlanReview{Text: "target still right for the payroll run"},
	servicelevel.TriggerRetire:     servicelevel.Retirement{Reason: "the service is retired"},
	servicelevel.TriggerPlanNote:   servicelevel.PlanNote{Text: "see the risk register"},
}

func planActor(tr servicelevel.PlanTrigger) sms.Actor {
	if tr == servicelevel.TriggerApprove {
		return approver
	}
	return author
}

func (k planKit) Fire(ctx context.Context, id, trigger string) (*servicelevel.AvailabilityPlan, error) {
	tr := servicelevel.PlanTrigger(trigger)
	return k.Do(ctx, planActor(tr), id, validPlan[tr])
}

func (k planKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := servicelevel.PlanTrigger(trigger)
	return k.Plans.DryRun(ctx, planActor(tr), id, validPlan[tr])
}

func TestPlanKit(t *testing.T) {
	var triggers []string
	for _, tr := range servicelevel.PlanTriggers()[1:] {
		if tr != servicelevel.TriggerPlanSupersede { // only an edition's approval fires it: TestPlanEditions
			triggers = append(triggers, string(tr))
		}
	}
	pc, _, err := servicelevel.AvailabilityChecks(servicelevel.Upkeep{})
	require.NoError(t, err)
	smstest.RunProcess(t, smstest.Process[*servicelevel.AvailabilityPlan]{
		Workflow: servicelevel.PlanWorkflow(),
		Oracle: map[string]map[string]string{ // from AVL-01 and AVL-03
			"draft":      {"revise": smstest.Stay, "assess": smstest.Stay, "approve": "active", "retire": "retired", "note": smstest.Stay},
			"active":     {"assess": smstest.Stay, "review": smstest.Stay, "supersede": "superseded", "retire": "retired", "note": smstest.Stay},
			"superseded": {"note": smstest.Stay},
			"retired":    {"note": smstest.Stay},
		},
		Triggers: triggers,
		Cites:    smstest.CitedBy(pc),
		Golden:   "testdata/plan.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*servicelevel.AvailabilityPlan] {
			env := newPlanEnv(t)
			return planKit{env.svc, env}
		},
	})
}

// The refusals of the availability plan workflow, each leaving the plan as
// it was: approval before the risks were assessed (AVL-01), by its author
// or by a later reviser (AVL-03), with a target below the agreement's
// commitment (AVL-02); a draft without basis (AVL-02); a review without
// conclusions and a retirement without reason (AVL-03).
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	p := e.draft(t, "", false)
	before := smstest.Snap(t, e.svc, p.ID)
	refused := func(id string, err error, want string) {
		t.Helper()
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{want}, ge.IDs())
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	_, err := e.svc.Approve(e.ctx, approver, p.ID, servicelevel.Approval{})
	refused(p.ID, err, "AVL-01")

	_, err = e.svc.Assess(e.ctx, author, p.ID, servicelevel.Assessment{Risks: []servicelevel.Risk{{Text: "one server"}}})
	refused(p.ID, err, "AVL-01")
	_, err = e.svc.Assess(e.ctx, author, p.ID, risks)
	require.NoError(t, err)
	_, err = e.svc.Revise(e.ctx, approver, p.ID, servicelevel.PlanRevision{Determination: determination()})
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, p.ID)
	for _, who := range []sms.Actor{author, approver} {
		_, err = e.svc.Approve(e.ctx, who, p.ID, servicelevel.Approval{})
		var se *sms.ForbiddenError
		require.ErrorAs(t, err, &se, who.ID)
		assert.Equal(t, "AVL-03", se.Requirement.ID)
		smstest.RequireUnchanged(t, e.svc, p.ID, before)
	}

	low := e.draft(t, "", true)
	low, err = e.svc.Revise(e.ctx, author, low.ID, servicelevel.PlanRevision{Determination: servicelevel.Determination{TargetNum: 98, TargetDen: 100,
		Hours: "service-hours@1", Basis: []string{"SLA-payroll"}, Commitment: &servicelevel.Commitment{Agreement: "SLA-payroll", Num: 99, Den: 100}}})
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, low.ID)
	_, err = e.svc.Approve(e.ctx, approver, low.ID, servicelevel.Approval{})
	refused(low.ID, err, "AVL-02")

	d := determination()
	d.Basis = nil
	_, err = e.svc.Draft(e.ctx, author, servicelevel.PlanDraft{ID: "AVP-nobasis", Service: "payroll", Determination: d})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"AVL-02"}, ge.IDs())
	_, err = e.svc.Get(e.ctx, "AVP-nobasis")
	require.ErrorIs(t, err, sms.ErrNotFound)

	d = determination()
	d.TargetNum = 1001
	_, err = e.svc.Draft(e.ctx, author, servicelevel.PlanDraft{Service: "payroll", Determination: d})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "target", ve.Field)

	a := e.active(t)
	before = smstest.Snap(t, e.svc, a.ID)
	_, err = e.svc.Review(e.ctx, author, a.ID, servicelevel.PlanReview{Text: " "})
	refused(a.ID, err, "AVL-03")
	_, err = e.svc.Retire(e.ctx, author, a.ID, servicelevel.Retirement{})
	refused(a.ID, err, "AVL-03")
}

// A new edition amends the plan in force, which stays in force until the
// edition is approved and then is superseded in the same commit (AVL-03).
func TestPlanEditions(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	old := e.active(t)
	next := e.draft(t, old.ID, true)
	assert.Equal(t, 2, next.Edition)
	got, err := e.svc.Get(e.ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, servicelevel.PlanActive, got.Status, "in force until the edition is approved")
	_, err = e.svc.Approve(e.ctx, approver, next.ID, servicelevel.Approval{})
	require.NoError(t, err)
	got, err = e.svc.Get(e.ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, servicelevel.PlanSuperseded, got.Status)
	assert.Equal(t, next.ID, got.SupersededBy)

	_, err = e.svc.Draft(e.ctx, author, servicelevel.PlanDraft{Service: "payroll", Amends: old.ID, Determination: determination()})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge, "a superseded edition is not amended")
	assert.Equal(t, []string{"AVL-03"}, ge.IDs())
}

// The upkeep of a plan and the investigation of outages, swept and
// audited (check 11): approved on 1 December 2026, the plan's yearly
// risk assessment (made that day) is due at the end of the year after the
// one it was made in, 2028-01-01; its first yearly review at the end of
// the year it was approved in, 2027-01-01; an unplanned outage that ended
// on 3 December is due investigated and closed 14 days later.
func TestAvailabilityUpkeep(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	p := e.active(t)
	u := servicelevel.Upkeep{Grace: 24 * time.Hour}
	sweep := func(asOf time.Time) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, u, asOf)
		require.NoError(t, err)
		return codes(fs)
	}
	jan2 := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	assert.Empty(t, sweep(jan2), "on the last instant of grace")
	assert.Equal(t, []string{"AVAIL_REQUIREMENT_REVIEW_OVERDUE AVL-03 " + p.ID}, sweep(jan2.Add(time.Second)))
	assert.Equal(t, []string{"AVAIL_RISK_OVERDUE AVL-01 " + p.ID, "AVAIL_REQUIREMENT_REVIEW_OVERDUE AVL-03 " + p.ID},
		sweep(time.Date(2028, 1, 2, 0, 0, 1, 0, time.UTC)))
	e.clk.Set(jan2)
	_, err := e.svc.Review(e.ctx, author, p.ID, servicelevel.PlanReview{Text: "unchanged"})
	require.NoError(t, err)
	assert.Empty(t, sweep(jan2.Add(time.Hour)), "reviewed on 2 January: next due at the end of 2028")

	o := newOutageEnv(t)
	out := o.restored(t, servicelevel.Unplanned, dec(3, 10, 0), dec(3, 12, 0), "")
	osweep := func(asOf time.Time) []string {
		t.Helper()
		fs, err := o.svc.Sweep(o.ctx, u, asOf)
		require.NoError(t, err)
		return codes(fs)
	}
	assert.Empty(t, osweep(dec(17, 12, 0)))
	assert.Equal(t, []string{"OUTAGE_NOT_INVESTIGATED AVL-05 " + out.ID}, osweep(dec(17, 12, 1)))

	rep, err := servicelevel.ConformAvailability(e.ctx, e.svc, o.svc, u, dec(17, 12, 1))
	require.NoError(t, err)
	assert.Equal(t, []string{"OUTAGE_NOT_INVESTIGATED AVL-05 " + out.ID}, codes(rep.Findings()))
	_, err = o.svc.Investigate(o.ctx, ops, out.ID, investigation)
	require.NoError(t, err)
	_, err = o.svc.Close(o.ctx, ops, out.ID, servicelevel.OutageClosure{})
	require.NoError(t, err)
	assert.Empty(t, osweep(dec(18, 0, 0)))
	rep, err = servicelevel.ConformAvailability(e.ctx, e.svc, o.svc, u, dec(18, 0, 0))
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Len(t, rep.Results, 3, "verification, plans, outages")

	// The journal decides who approved: an approval the journal shows by
	// the plan's author fails, whatever the record says.
	stored, err := e.svc.Get(e.ctx, p.ID)
	require.NoError(t, err)
	journal, err := e.svc.Journal(e.ctx, p.ID)
	require.NoError(t, err)
	pc, _, err := servicelevel.AvailabilityChecks(u)
	require.NoError(t, err)
	judge := func(j []sms.Entry) []string {
		au := sms.NewAudit(jan2, servicelevel.PlanRequirements())
		sms.Examine(au, pc, stored, j)
		return codes(au.Report().Findings())
	}
	assert.Empty(t, judge(journal))
	forged := slices.Clone(journal)
	for i := range forged {
		if forged[i].Trigger == string(servicelevel.TriggerApprove) {
			forged[i].Actor = author
		}
	}
	assert.Equal(t, []string{"AVAIL_REQUIREMENT_INCOMPLETE AVL-03 " + p.ID}, judge(forged))
}

// planFuzz is what the fuzz driver needs: random plan commands, valid or
// odd, by the author, the approver or a stranger, with the clock moved.
type planFuzz struct{ planKit }

func (f planFuzz) Start(t testing.TB) string { return f.env.draft(t, "", false).ID }

func (f planFuzz) Do(ctx context.Context, id string, s smstest.Step) (*servicelevel.AvailabilityPlan, error) {
	who := []sms.Actor{author, approver, {ID: "nobody"}}[s.Actor%3]
	tr := servicelevel.PlanTrigger(s.Trigger)
	c := validPlan[tr]
	switch s.Variant % 3 {
	case 1:
		c = map[servicelevel.PlanTrigger]servicelevel.PlanCommand{
			servicelevel.TriggerPlanRevise: servicelevel.PlanRevision{Determination: servicelevel.Determination{TargetNum: 1, TargetDen: 0}},
			servicelevel.TriggerAssess:     servicelevel.Assessment{},
			servicelevel.TriggerPlanReview: servicelevel.PlanReview{Text: " "},
			servicelevel.TriggerRetire:     servicelevel.Retirement{},
			servicelevel.TriggerPlanNote:   servicelevel.PlanNote{},
		}[tr]
	case 2:
		f.env.clk.Advance(200 * 24 * time.Hour)
	}
	if c == nil {
		c = servicelevel.PlanSupersession{By: id}
	}
	return f.Plans.Do(ctx, who, id, c)
}

func FuzzPlans(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 1, 0, 3, 0, 0, 4, 0, 0})
	f.Add([]byte{2, 0, 1, 2, 0, 0, 1, 2, 2, 5, 0, 1})
	triggers := smstest.Names(servicelevel.PlanTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newPlanEnv(t)
		smstest.FuzzProcess(t, steps, triggers, planFuzz{planKit{env.svc, env}})
	})
}
