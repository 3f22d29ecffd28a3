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
	invInes    = sms.Actor{ID: "ines", Roles: []sms.Role{continuity.RoleInvocationAuthority}} // PLN-1's authority
	invOtto    = sms.Actor{ID: "otto", Roles: []sms.Role{continuity.RoleInvocationAuthority}} // no plan's authority
	invManager = tstManager

	invPlanBook = tstPlans{
		"PLN-1": tstPlanBook["PLN-1"],
		"PLN-D": {Status: "draft", Services: []string{"payroll"}, Authorities: []string{"ines"}},
		"PLN-B": {Status: "active", Services: []string{"payroll"}, Authorities: []string{"ines", " "}},
		"PLN-E": {Status: "active", Services: []string{"payroll"}, Authorities: []string{""}},
	}
	invInvoke   = continuity.Invoke{Plan: "PLN-1", MajorIncident: "INC-42", CriteriaMet: "payroll down for 1 h 10 min"}
	invRecovery = continuity.Recovery{Degraded: []continuity.DegradedTarget{{Target: "payslips within 2 h", Measured: "1 h 40 min"}}}
	invNormal   = continuity.ReturnToNormal{Procedure: "failed back to the primary site per RTN-3"}
	invReview   = continuity.InvocationReview{Conclusions: "the plan worked"}
)

type invEnv struct {
	svc *continuity.Invocations
	clk *smstest.Clock
	ctx context.Context
}

func invNewEnv(t testing.TB) *invEnv {
	clk := smstest.NewClock(tstJune(20, 0, 0))
	svc, err := continuity.NewInvocations(memstore.New[*continuity.Invocation](), invPlanBook, sms.Options{Now: clk.Now}, tstObjectives)
	require.NoError(t, err)
	return &invEnv{svc: svc, clk: clk, ctx: context.Background()}
}

// to runs an invocation up to status, the recovery taking recovery.
func (e *invEnv) to(t testing.TB, status continuity.InvocationStatus, recovery time.Duration) *continuity.Invocation {
	t.Helper()
	v, err := e.svc.Invoke(e.ctx, invInes, invInvoke)
	require.NoError(t, err)
	steps := []struct {
		s  continuity.InvocationStatus
		do func() (*continuity.Invocation, error)
	}{
		{continuity.InvocationRecovering, func() (*continuity.Invocation, error) {
			return e.svc.StartRecovery(e.ctx, invInes, v.ID, continuity.RecoveryStart{})
		}},
		{continuity.InvocationDegraded, func() (*continuity.Invocation, error) {
			e.clk.Advance(recovery)
			return e.svc.Recovered(e.ctx, invInes, v.ID, invRecovery)
		}},
		{continuity.InvocationNormal, func() (*continuity.Invocation, error) { return e.svc.ReturnToNormal(e.ctx, invInes, v.ID, invNormal) }},
		{continuity.InvocationReviewed, func() (*continuity.Invocation, error) { return e.svc.Review(e.ctx, invManager, v.ID, invReview) }},
		{continuity.InvocationClosed, func() (*continuity.Invocation, error) {
			return e.svc.Close(e.ctx, invManager, v.ID, continuity.InvocationClosure{})
		}},
	}
	for _, st := range steps {
		if v.Status == status {
			break
		}
		v, err = st.do()
		require.NoError(t, err)
	}
	return v
}

type invKit struct {
	*continuity.Invocations
	env *invEnv
}

func (k invKit) At(t testing.TB, status, _ string) string {
	return k.env.to(t, continuity.InvocationStatus(status), time.Hour).ID
}

var invValid = map[continuity.InvocationTrigger]continuity.InvocationCommand{
	continuity.TriggerRecoveryStarted:  continuity.RecoveryStart{},
	continuity.TriggerRecovered:        invRecovery,
	continuity.TriggerReturnToNormal:   invNormal,
	continuity.TriggerReviewInvocation: invReview,
	continuity.TriggerCloseInvocation:  continuity.InvocationClosure{},
}

func (k invKit) Fire(ctx context.Context, id, trigger string) (*continuity.Invocation, error) {
	return k.Do(ctx, invManager, id, invValid[continuity.InvocationTrigger(trigger)])
}

func (k invKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Invocations.DryRun(ctx, invManager, id, invValid[continuity.InvocationTrigger(trigger)])
}

func invTriggers() []string { return smstest.Names(continuity.InvocationTriggers()[1:]) }

func TestInvocationKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*continuity.Invocation]{
		Workflow: continuity.InvocationWorkflow(),
		Oracle: map[string]map[string]string{ // from CON-10 to CON-12 and the invocation's table
			"invoked":            {"recovery_started": "recovering"},
			"recovering":         {"recovered": "degraded_operation"},
			"degraded_operation": {"return_to_normal": "normal"},
			"normal":             {"review": "reviewed"},
			"reviewed":           {"close": "closed"},
		},
		Triggers: invTriggers(),
		Doc:      "doc.go",
		Golden:   "testdata/invocation.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*continuity.Invocation] {
			env := invNewEnv(t)
			return invKit{env.svc, env}
		},
	})
}

// The invoker is the acting actor and must be one of the plan's
// authorities (CON-12); the criteria are stated or overridden with a
// reason; the plan is in force; a blank authority is malformed.
func TestInvocationAuthority(t *testing.T) {
	t.Parallel()
	e := invNewEnv(t)
	_, err := e.svc.Invoke(e.ctx, invOtto, invInvoke)
	ge := smstest.RequireRefused(t, err, "CON-12")
	assert.Equal(t, []string{"CON-12"}, ge.IDs())
	assert.Len(t, ge.Unmet, 1, "only the authority is unmet")
	_, err = e.svc.Invoke(e.ctx, invManager, invInvoke)
	smstest.RequireRefused(t, err, "CON-12") // the role is not the authority
	_, err = e.svc.Invoke(e.ctx, sms.Actor{ID: "ines"}, invInvoke)
	smstest.RequireForbidden(t, err)

	for name, c := range map[string]struct {
		cmd   continuity.Invoke
		unmet int
	}{
		"neither criteria nor override": {continuity.Invoke{Plan: "PLN-1", MajorIncident: "INC-42"}, 1},
		"no major incident":             {continuity.Invoke{Plan: "PLN-1", CriteriaMet: "down"}, 1},
		"a draft plan":                  {continuity.Invoke{Plan: "PLN-D", MajorIncident: "INC-42", CriteriaMet: "down"}, 1},
		"an unknown plan":               {continuity.Invoke{Plan: "PLN-9", MajorIncident: "INC-42", CriteriaMet: "down"}, 2},
	} {
		_, err := e.svc.Invoke(e.ctx, invInes, c.cmd)
		ge := smstest.RequireRefused(t, err, "CON-12")
		assert.Len(t, ge.Unmet, c.unmet, name)
	}
	for _, plan := range []string{"PLN-B", "PLN-E"} {
		_, err = e.svc.Invoke(e.ctx, invInes, continuity.Invoke{ID: "INV-" + plan, Plan: plan, MajorIncident: "INC-42", CriteriaMet: "down"})
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, plan)
		assert.Equal(t, "plan.authorities", ve.Field)
		_, err = e.svc.Get(e.ctx, "INV-"+plan)
		require.ErrorIs(t, err, sms.ErrNotFound, "nothing stored")
	}
	_, err = e.svc.Invoke(e.ctx, invInes, continuity.Invoke{ID: " INV-1", Plan: "PLN-1", MajorIncident: "INC-42", CriteriaMet: "down"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)

	v, err := e.svc.Invoke(e.ctx, invInes, continuity.Invoke{Plan: "PLN-1", MajorIncident: "INC-42", Override: "the site is flooding: invoking before the hour"})
	require.NoError(t, err)
	assert.Equal(t, "ines", v.InvokedBy)
	assert.Equal(t, tstJune(20, 0, 0), v.InvokedAt)
	assert.Equal(t, "payroll down for 1 h", v.Criteria, "the plan's criteria, as read")
	j, err := e.svc.Journal(e.ctx, v.ID)
	require.NoError(t, err)
	assert.Equal(t, "the site is flooding: invoking before the hour", j[0].Reason)
}

// The recovery achieved is compared with each service's RTO: 3 h 59 meets
// payroll's 4 h, 5 h does not; the review then needs an action for it
// (CON-11) and closes; the times of invoke, recovery and normal are kept.
func TestInvocationRecoveryAndReview(t *testing.T) {
	t.Parallel()
	e := invNewEnv(t)
	ok := e.to(t, continuity.InvocationDegraded, 3*time.Hour+59*time.Minute)
	require.Len(t, ok.Recovery, 2)
	assert.True(t, ok.Recovery[0].Met && ok.Recovery[1].Met)
	assert.Equal(t, 3*time.Hour+59*time.Minute, ok.Recovery[0].Achieved)

	e = invNewEnv(t)
	v := e.to(t, continuity.InvocationRecovering, 0)
	before := smstest.Snap(t, e.svc, v.ID)
	for name, c := range map[string]continuity.Recovery{
		"nothing measured":    {},
		"a target unmeasured": {Degraded: []continuity.DegradedTarget{{Target: "payslips within 2 h", Measured: " "}}},
	} {
		_, err := e.svc.Recovered(e.ctx, invInes, v.ID, c)
		require.Error(t, err, name)
		smstest.RequireRefused(t, err, "CON-12")
		smstest.RequireUnchanged(t, e.svc, v.ID, before)
	}
	e.clk.Advance(5 * time.Hour)
	v, err := e.svc.Recovered(e.ctx, invInes, v.ID, invRecovery)
	require.NoError(t, err)
	assert.Equal(t, []continuity.RecoveryResult{
		{Service: "payroll", Achieved: 5 * time.Hour, RTO: 4 * time.Hour, Met: false},
		{Service: "ledger", Achieved: 5 * time.Hour, RTO: 8 * time.Hour, Met: true},
	}, v.Recovery)
	assert.Equal(t, tstJune(20, 5, 0), v.RecoveredAt)

	before = smstest.Snap(t, e.svc, v.ID)
	_, err = e.svc.ReturnToNormal(e.ctx, invInes, v.ID, continuity.ReturnToNormal{Procedure: "  "})
	smstest.RequireRefused(t, err, "CON-12")
	smstest.RequireUnchanged(t, e.svc, v.ID, before)
	e.clk.Advance(time.Hour)
	v, err = e.svc.ReturnToNormal(e.ctx, invInes, v.ID, invNormal)
	require.NoError(t, err)
	assert.Equal(t, tstJune(20, 6, 0), v.NormalAt)

	before = smstest.Snap(t, e.svc, v.ID)
	_, err = e.svc.Review(e.ctx, invManager, v.ID, invReview)
	ge := smstest.RequireRefused(t, err, "CON-11")
	assert.Equal(t, []string{"CON-11"}, ge.IDs(), "payroll's 5 h has no action")
	_, err = e.svc.Review(e.ctx, invManager, v.ID, continuity.InvocationReview{Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "pre-stage the payroll database"}}})
	ge = smstest.RequireRefused(t, err, "CON-10")
	assert.Equal(t, []string{"CON-10"}, ge.IDs())
	_, err = e.svc.Review(e.ctx, invInes, v.ID, invReview)
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, v.ID, before)

	v, err = e.svc.Review(e.ctx, invManager, v.ID, continuity.InvocationReview{Conclusions: "payroll recovered late",
		Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "pre-stage the payroll database"}}})
	require.NoError(t, err)
	assert.Equal(t, "recovery took 5h0m0s against an RTO of 4h0m0s", v.Deficiencies[0].Finding)
	v, err = e.svc.Close(e.ctx, invManager, v.ID, continuity.InvocationClosure{})
	require.NoError(t, err)
	j, err := e.svc.Journal(e.ctx, v.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "invoke", "recovery_started", "recovered", "return_to_normal", "review", "close")
	assert.Equal(t, []string{"ines"}, sms.ActorsOf(j, "invoke"))
}

// Without agreed requirements no comparison is recorded.
func TestInvocationWithoutRequirements(t *testing.T) {
	t.Parallel()
	clk := smstest.NewClock(tstJune(20, 0, 0))
	svc, err := continuity.NewInvocations(memstore.New[*continuity.Invocation](), invPlanBook, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	e := &invEnv{svc: svc, clk: clk, ctx: context.Background()}
	v := e.to(t, continuity.InvocationClosed, 9*time.Hour)
	assert.Empty(t, v.Recovery)
	_, err = continuity.NewInvocations(memstore.New[*continuity.Invocation](), invPlanBook, sms.Options{}, tstObjectives, tstObjectives)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}

// invFuzz is what the fuzz driver needs.
type invFuzz struct{ invKit }

func (f invFuzz) Start(t testing.TB) string {
	return f.env.to(t, continuity.InvocationInvoked, 0).ID
}

func (f invFuzz) Do(ctx context.Context, id string, s smstest.Step) (*continuity.Invocation, error) {
	who := []sms.Actor{invManager, invInes, {ID: "nobody"}}[s.Actor%3]
	tr := continuity.InvocationTrigger(s.Trigger)
	c := invValid[tr]
	if s.Variant%2 == 1 {
		c = smstest.ZeroCommand(continuity.InvocationWorkflow(), s.Trigger).(continuity.InvocationCommand)
	}
	if s.Variant%4 == 2 {
		f.env.clk.Advance(time.Duration(s.Variant) * time.Hour)
	}
	return f.Invocations.Do(ctx, who, id, c)
}

func FuzzInvocations(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 2, 2, 0, 0, 3, 0, 0, 4, 0, 0})
	f.Add([]byte{0, 1, 0, 1, 1, 6, 2, 1, 0, 3, 0, 1, 3, 0, 0, 4, 2, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := invNewEnv(t)
		smstest.FuzzProcess(t, steps, invTriggers(), invFuzz{invKit{env.svc, env}})
	})
}
