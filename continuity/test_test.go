package continuity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

var tstManager = sms.Actor{ID: "cora", Roles: []sms.Role{continuity.RoleContinuityManager}}

// tstJune returns a time in June 2026, UTC.
func tstJune(day, hour, min int) time.Time {
	return time.Date(2026, 6, day, hour, min, 0, 0, time.UTC)
}

// tstPlans is the host's plans: facts by plan ID.
type tstPlans map[string]continuity.PlanFacts

func (p tstPlans) PlanFacts(_ context.Context, id string) (continuity.PlanFacts, error) {
	f, ok := p[id]
	if !ok {
		return continuity.PlanFacts{}, &sms.NotFoundError{Kind: continuity.PlanKind, ID: id}
	}
	return f, nil
}

// tstAgreed is the agreed requirements: objectives by service.
type tstAgreed map[string]continuity.Objectives

func (r tstAgreed) Agreed(_ context.Context, service string) (continuity.Objectives, bool, error) {
	o, ok := r[service]
	return o, ok, nil
}

var (
	tstPlanBook = tstPlans{
		"PLN-1": {Status: "active", Version: 3, Services: []string{"payroll", "ledger"}, Authorities: []string{"ines"}, Criteria: "payroll down for 1 h"},
		"PLN-R": {Status: "retest_required", Version: 2, Services: []string{"payroll"}, Authorities: []string{"ines"}},
		"PLN-D": {Status: "draft", Version: 1, Services: []string{"payroll"}},
		"PLN-U": {Status: "active", Version: 1, Services: []string{"mail"}}, // no requirement agreed for mail
	}
	tstObjectives = tstAgreed{
		"payroll": {RTO: 4 * time.Hour, RPO: time.Hour, MTPD: 24 * time.Hour, MinServiceLevel: "payslips only"},
		"ledger":  {RTO: 8 * time.Hour, RPO: 15 * time.Minute},
	}
)

type tstEnv struct {
	svc *continuity.Tests
	clk *smstest.Clock
	ctx context.Context
}

func tstNewEnv(t testing.TB) *tstEnv {
	clk := smstest.NewClock(tstJune(20, 0, 0))
	svc, err := continuity.NewTests(memstore.New[*continuity.Test](), tstPlanBook, tstObjectives, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &tstEnv{svc: svc, clk: clk, ctx: context.Background()}
}

var (
	tstSchedule = continuity.TestSchedule{Plan: "PLN-1", Scenario: "loss of the primary data centre", Scheduled: tstJune(10, 9, 0)}
	// tstMet meets every objective: payroll 3 h 59 against 4 h and 1 h
	// of data against 1 h; ledger 8 h against 8 h and 15 min against 15 min.
	tstMet = continuity.TestExecution{
		Participants: []string{"cora", "ines"}, Evidence: []string{"DOC-77"},
		Started: tstJune(10, 9, 0), Ended: tstJune(10, 17, 0),
		Measurements: []continuity.TestMeasurement{
			{Service: "payroll", Recovery: 3*time.Hour + 59*time.Minute, DataLoss: time.Hour},
			{Service: "ledger", Recovery: 8 * time.Hour, DataLoss: 15 * time.Minute},
		},
	}
	tstReview = continuity.TestReview{Conclusions: "the failover runbook worked as written"}
)

func (e *tstEnv) scheduled(t testing.TB) *continuity.Test {
	t.Helper()
	x, err := e.svc.Schedule(e.ctx, tstManager, tstSchedule)
	require.NoError(t, err)
	return x
}

func (e *tstEnv) executed(t testing.TB, c continuity.TestExecution) *continuity.Test {
	t.Helper()
	x := e.scheduled(t)
	x, err := e.svc.Execute(e.ctx, tstManager, x.ID, c)
	require.NoError(t, err)
	return x
}

type tstKit struct {
	*continuity.Tests
	env *tstEnv
}

func (k tstKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch continuity.TestStatus(status) {
	case continuity.TestPlanned:
		return e.scheduled(t).ID
	case continuity.TestWithdrawn:
		x := e.scheduled(t)
		_, err := e.svc.Withdraw(e.ctx, tstManager, x.ID, continuity.TestWithdrawal{Reason: "the site move was postponed"})
		require.NoError(t, err)
		return x.ID
	}
	x := e.executed(t, tstMet)
	if status == string(continuity.TestExecuted) {
		return x.ID
	}
	_, err := e.svc.Review(e.ctx, tstManager, x.ID, tstReview)
	require.NoError(t, err)
	if status == string(continuity.TestClosed) {
		_, err = e.svc.Close(e.ctx, tstManager, x.ID, continuity.TestClosure{})
		require.NoError(t, err)
	}
	return x.ID
}

var tstValid = map[continuity.TestTrigger]continuity.TestCommand{
	continuity.TriggerExecuteTest:  tstMet,
	continuity.TriggerReviewTest:   tstReview,
	continuity.TriggerCloseTest:    continuity.TestClosure{},
	continuity.TriggerWithdrawTest: continuity.TestWithdrawal{Reason: "replaced by a full-scale exercise"},
}

func (k tstKit) Fire(ctx context.Context, id, trigger string) (*continuity.Test, error) {
	return k.Do(ctx, tstManager, id, tstValid[continuity.TestTrigger(trigger)])
}

func (k tstKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Tests.DryRun(ctx, tstManager, id, tstValid[continuity.TestTrigger(trigger)])
}

func tstTriggers() []string { return smstest.Names(continuity.TestTriggers()[1:]) }

func TestTestKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*continuity.Test]{
		Workflow: continuity.TestWorkflow(),
		Oracle: map[string]map[string]string{ // from CON-07, CON-09 to CON-11 and the test's state machine
			"planned":  {"execute": "executed", "withdraw": "withdrawn"},
			"executed": {"review": "reviewed"},
			"reviewed": {"close": "closed"},
		},
		Triggers: tstTriggers(),
		Cites:    []string{"CON-07"}, // TestSweep
		Doc:      "doc.go",
		Golden:   "testdata/test.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*continuity.Test] {
			env := tstNewEnv(t)
			return tstKit{env.svc, env}
		},
	})
}

// The library derives met or not met from the agreed objectives, by hand:
// against payroll's 4 h RTO and 1 h RPO, 3 h 59 and 1 h meet them, 5 h or
// 61 min of data do not; ledger's 8 h and 15 min are met exactly.
func TestTestResultsDerived(t *testing.T) {
	t.Parallel()
	e := tstNewEnv(t)
	x := e.executed(t, tstMet)
	require.Len(t, x.Results, 2)
	assert.True(t, x.Results[0].Met && x.Results[1].Met && x.Met())
	assert.Equal(t, 4*time.Hour, x.Results[0].Objectives.RTO, "stored with the objectives compared")
	assert.Equal(t, 15*time.Minute, x.Results[1].Objectives.RPO)
	assert.Equal(t, 3, x.PlanVersion)

	payroll := tstObjectives["payroll"]
	for _, c := range []struct {
		name               string
		recovery, dataLoss time.Duration
		recMet, lossMet    bool
	}{
		{"3h59 and 1h", 3*time.Hour + 59*time.Minute, time.Hour, true, true},
		{"exactly 4h", 4 * time.Hour, 0, true, true},
		{"4h and a second", 4*time.Hour + time.Second, 0, false, true},
		{"5h", 5 * time.Hour, 30 * time.Minute, false, true},
		{"61 min of data", time.Hour, 61 * time.Minute, true, false},
		{"both", 5 * time.Hour, 2 * time.Hour, false, false},
	} {
		r := continuity.JudgeTest(continuity.TestMeasurement{Service: "payroll", Recovery: c.recovery, DataLoss: c.dataLoss}, payroll)
		assert.Equal(t, c.recMet, r.RecoveryMet, c.name)
		assert.Equal(t, c.lossMet, r.DataLossMet, c.name)
		assert.Equal(t, c.recMet && c.lossMet, r.Met, c.name)
	}

	bad := tstMet
	bad.Measurements = []continuity.TestMeasurement{{Service: "payroll", Recovery: 5 * time.Hour}, {Service: "ledger", Recovery: time.Hour, DataLoss: 16 * time.Minute}}
	y := e.executed(t, bad)
	require.Len(t, y.Results, 2)
	assert.False(t, y.Results[0].Met)
	assert.False(t, y.Results[0].RecoveryMet)
	assert.True(t, y.Results[0].DataLossMet)
	assert.Equal(t, "recovery took 5h0m0s against an RTO of 4h0m0s", y.Results[0].Shortfall())
	assert.False(t, y.Results[1].Met)
	assert.False(t, y.Results[1].DataLossMet)
	assert.False(t, y.Met())
	j, err := e.svc.Journal(e.ctx, y.ID)
	require.NoError(t, err)
	res, _ := sms.Get(j[len(j)-1].Payload, "result")
	assert.Equal(t, "payroll: recovery 5h0m0s (RTO 4h0m0s), data loss 0s (RPO 1h0m0s): not met: recovery took 5h0m0s against an RTO of 4h0m0s", res)
}

// A review is refused while a deficiency has no action (CON-11): the
// objective not met, and one the reviewer lists; then closes (CON-10).
func TestTestReviewNeedsActions(t *testing.T) {
	t.Parallel()
	e := tstNewEnv(t)
	bad := tstMet
	bad.Measurements = []continuity.TestMeasurement{{Service: "payroll", Recovery: 5 * time.Hour}, {Service: "ledger", Recovery: time.Hour}}
	x := e.executed(t, bad)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]continuity.TestReview{
		"the 5 h recovery has no action": {Conclusions: "too slow"},
		"an action left blank":           {Conclusions: "too slow", Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: " "}}},
		"another service answered":       {Conclusions: "too slow", Deficiencies: []continuity.Deficiency{{Service: "ledger", Action: "faster restore"}}},
		"a listed deficiency, no action": {Conclusions: "too slow", Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "restore from snapshots"}, {Finding: "the contact list was out of date"}}},
	} {
		_, err := e.svc.Review(e.ctx, tstManager, x.ID, c)
		ge := smstest.RequireRefused(t, err, "CON-11")
		assert.Equal(t, []string{"CON-11"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err := e.svc.Review(e.ctx, tstManager, x.ID, continuity.TestReview{Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "restore from snapshots"}}})
	ge := smstest.RequireRefused(t, err, "CON-10")
	assert.Equal(t, []string{"CON-10"}, ge.IDs(), "no conclusions")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.Close(e.ctx, tstManager, x.ID, continuity.TestClosure{})
	smstest.RequireTransitionRefused(t, err, "close")

	x, err = e.svc.Review(e.ctx, tstManager, x.ID, continuity.TestReview{Conclusions: "too slow", Deficiencies: []continuity.Deficiency{
		{Service: "payroll", Action: "restore from snapshots"}, {Finding: "the contact list was out of date", Action: "monthly contact check"}}})
	require.NoError(t, err)
	require.Len(t, x.Deficiencies, 2)
	assert.Equal(t, "recovery took 5h0m0s against an RTO of 4h0m0s", x.Deficiencies[0].Finding, "the shortfall, derived")
	assert.True(t, x.Parties.Has(sms.PartyReviewer, "cora"))
	x, err = e.svc.Close(e.ctx, tstManager, x.ID, continuity.TestClosure{})
	require.NoError(t, err)
	assert.Equal(t, continuity.TestClosed, x.Status)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "schedule", "execute", "review", "close")
}

// Each guard's refusal, and it changes nothing.
func TestTestRefusals(t *testing.T) {
	t.Parallel()
	e := tstNewEnv(t)
	for name, c := range map[string]struct {
		cmd continuity.TestSchedule
		ids []string
	}{
		"an unknown plan":              {continuity.TestSchedule{Plan: "PLN-9", Scenario: "s", Scheduled: tstJune(1, 0, 0)}, []string{"CON-07"}},
		"no plan":                      {continuity.TestSchedule{Scenario: "s", Scheduled: tstJune(1, 0, 0)}, []string{"CON-07"}},
		"a draft plan":                 {continuity.TestSchedule{Plan: "PLN-D", Scenario: "s", Scheduled: tstJune(1, 0, 0)}, []string{"CON-07"}},
		"no scenario and no time":      {continuity.TestSchedule{Plan: "PLN-1", Scenario: " "}, []string{"CON-09"}},
		"a draft plan and no scenario": {continuity.TestSchedule{Plan: "PLN-D", Scheduled: tstJune(1, 0, 0)}, []string{"CON-07", "CON-09"}},
	} {
		_, err := e.svc.Schedule(e.ctx, tstManager, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
	}
	_, err := e.svc.Schedule(e.ctx, tstManager, continuity.TestSchedule{Plan: "PLN-R", Scenario: "retest after the storage change", Scheduled: tstJune(1, 0, 0)})
	require.NoError(t, err, "a plan awaiting its retest is tested")

	x := e.scheduled(t)
	before := smstest.Snap(t, e.svc, x.ID)
	with := func(edit func(*continuity.TestExecution)) continuity.TestExecution {
		c := tstMet
		c.Measurements = append([]continuity.TestMeasurement(nil), tstMet.Measurements...)
		edit(&c)
		return c
	}
	for name, c := range map[string]struct {
		cmd continuity.TestExecution
		ids []string
	}{
		"no participants":      {with(func(c *continuity.TestExecution) { c.Participants = nil }), []string{"CON-09"}},
		"a blank participant":  {with(func(c *continuity.TestExecution) { c.Participants = []string{" "} }), []string{"CON-09"}},
		"ended in the future":  {with(func(c *continuity.TestExecution) { c.Ended = tstJune(21, 0, 0) }), []string{"CON-09"}},
		"never started":        {with(func(c *continuity.TestExecution) { c.Started = time.Time{} }), []string{"CON-09"}},
		"a service unmeasured": {with(func(c *continuity.TestExecution) { c.Measurements = c.Measurements[:1] }), []string{"CON-07"}},
		"a service not in the plan": {with(func(c *continuity.TestExecution) {
			c.Measurements[1].Service = "mail"
		}), []string{"CON-07"}},
		"nothing measured": {with(func(c *continuity.TestExecution) { c.Measurements = nil; c.Participants = nil }), []string{"CON-09", "CON-07"}},
	} {
		_, err := e.svc.Execute(e.ctx, tstManager, x.ID, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}

	// A plan whose service has no agreed requirement cannot be judged.
	u, err := e.svc.Schedule(e.ctx, tstManager, continuity.TestSchedule{Plan: "PLN-U", Scenario: "mail restore", Scheduled: tstJune(1, 0, 0)})
	require.NoError(t, err)
	_, err = e.svc.Execute(e.ctx, tstManager, u.ID, with(func(c *continuity.TestExecution) {
		c.Measurements = []continuity.TestMeasurement{{Service: "mail", Recovery: time.Hour}}
	}))
	smstest.RequireRefused(t, err, "CON-07")

	_, err = e.svc.Withdraw(e.ctx, tstManager, x.ID, continuity.TestWithdrawal{Reason: "  "})
	smstest.RequireRefused(t, err, "CON-07")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.Execute(e.ctx, sms.Actor{ID: "nobody"}, x.ID, tstMet)
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	w, err := e.svc.Withdraw(e.ctx, tstManager, x.ID, continuity.TestWithdrawal{Reason: "the site move was postponed"})
	require.NoError(t, err)
	assert.Equal(t, continuity.TestWithdrawn, w.Status)
	_, err = e.svc.Execute(e.ctx, tstManager, x.ID, tstMet)
	smstest.RequireTransitionRefused(t, err, "execute")
}

// Bad input is a *sms.ValidationError and stores nothing: a test measured
// before it started, a negative measurement, a service measured twice.
func TestTestBadInput(t *testing.T) {
	t.Parallel()
	e := tstNewEnv(t)
	x := e.scheduled(t)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]continuity.TestExecution{
		"ended before it started": {Participants: []string{"cora"}, Started: tstJune(10, 17, 0), Ended: tstJune(10, 9, 0), Measurements: tstMet.Measurements},
		"ended as it started":     {Participants: []string{"cora"}, Started: tstJune(10, 9, 0), Ended: tstJune(10, 9, 0), Measurements: tstMet.Measurements},
		"a negative recovery":     {Participants: []string{"cora"}, Started: tstJune(10, 9, 0), Ended: tstJune(10, 17, 0), Measurements: []continuity.TestMeasurement{{Service: "payroll", Recovery: -time.Hour}}},
		"a service twice":         {Participants: []string{"cora"}, Started: tstJune(10, 9, 0), Ended: tstJune(10, 17, 0), Measurements: []continuity.TestMeasurement{{Service: "payroll"}, {Service: "payroll"}}},
		"no service":              {Participants: []string{"cora"}, Started: tstJune(10, 9, 0), Ended: tstJune(10, 17, 0), Measurements: []continuity.TestMeasurement{{Recovery: time.Hour}}},
		"the year 1066":           {Participants: []string{"cora"}, Started: time.Date(1066, 10, 14, 9, 0, 0, 0, time.UTC), Ended: tstJune(10, 17, 0)},
	} {
		_, err := e.svc.Execute(e.ctx, tstManager, x.ID, c)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err := e.svc.Schedule(e.ctx, tstManager, continuity.TestSchedule{ID: " padded ", Plan: "PLN-1", Scenario: "s", Scheduled: tstJune(1, 0, 0)})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	_, err = e.svc.Get(e.ctx, " padded ")
	assert.True(t, errors.Is(err, sms.ErrNotFound) || errors.Is(err, sms.ErrInvalid), "nothing stored: %v", err)
	_, err = e.svc.Review(e.ctx, tstManager, x.ID, continuity.TestReview{Conclusions: "c", Deficiencies: []continuity.Deficiency{{Service: "tab\tinside"}}})
	require.ErrorAs(t, err, &ve)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
}

// PLAN_TEST_OVERDUE: a plan is overdue once a year has passed since it
// became active or was last tested, an executed test resetting the count.
func TestTestSweep(t *testing.T) {
	t.Parallel()
	e := tstNewEnv(t)
	tested := e.executed(t, tstMet) // PLN-1, ended on 10 June 2026 at 17:00
	planned := e.scheduled(t)       // not run: does not count
	year := 365 * 24 * time.Hour
	plans := map[string]time.Time{
		"PLN-1": tstJune(1, 0, 0).Add(-2 * year), // active two years before, tested on 10 June
		"PLN-2": tstJune(1, 0, 0).Add(-year),     // active a year and 19 days before 20 June: overdue
		"PLN-3": tstJune(1, 0, 0),                // active 19 days: not due
	}
	asOf := tstJune(20, 0, 0)
	f := continuity.TestSweep(plans, []*continuity.Test{tested, planned, nil}, year, asOf)
	require.Len(t, f, 1)
	assert.Equal(t, continuity.CodePlanTestOverdue, f[0].Code)
	assert.Equal(t, "PLN-2", f[0].EntityID)
	assert.Equal(t, continuity.PlanKind, f[0].Kind)
	assert.Equal(t, "CON-07", f[0].Requirement.ID)
	assert.Equal(t, "8.7.2", f[0].Requirement.Clause)

	// A year and a day after the test, PLN-1 is overdue too; zero interval is a year.
	f = continuity.TestSweep(plans, []*continuity.Test{tested}, 0, tstJune(11, 17, 0).Add(year))
	require.Len(t, f, 3)
	assert.Equal(t, []string{"PLN-1", "PLN-2", "PLN-3"}, []string{f[0].EntityID, f[1].EntityID, f[2].EntityID})
	f = continuity.TestSweep(plans, []*continuity.Test{tested}, year, tstJune(10, 17, 0).Add(year))
	require.Len(t, f, 2, "PLN-1 is due at the instant, not yet overdue")
	assert.Equal(t, []string{"PLN-2", "PLN-3"}, []string{f[0].EntityID, f[1].EntityID})
}

// tstFuzz is what the fuzz driver needs.
type tstFuzz struct{ tstKit }

func (f tstFuzz) Start(t testing.TB) string { return f.env.scheduled(t).ID }

func (f tstFuzz) Do(ctx context.Context, id string, s smstest.Step) (*continuity.Test, error) {
	who := []sms.Actor{tstManager, {ID: "nobody"}}[s.Actor%2]
	tr := continuity.TestTrigger(s.Trigger)
	c := tstValid[tr]
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(continuity.TestWorkflow(), s.Trigger).(continuity.TestCommand)
	case 2:
		c = map[continuity.TestTrigger]continuity.TestCommand{
			continuity.TriggerExecuteTest: continuity.TestExecution{Participants: []string{"cora"}, Started: tstJune(10, 17, 0), Ended: tstJune(10, 9, 0),
				Measurements: []continuity.TestMeasurement{{Service: "payroll", Recovery: 5 * time.Hour}, {Service: "ledger"}}},
			continuity.TriggerReviewTest:   continuity.TestReview{Conclusions: "odd", Deficiencies: []continuity.Deficiency{{Finding: "x"}}},
			continuity.TriggerCloseTest:    continuity.TestClosure{},
			continuity.TriggerWithdrawTest: continuity.TestWithdrawal{Reason: " "},
		}[tr]
	}
	return f.Tests.Do(ctx, who, id, c)
}

func FuzzTests(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0})
	f.Add([]byte{0, 0, 2, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0, 2, 0, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := tstNewEnv(t)
		smstest.FuzzProcess(t, steps, tstTriggers(), tstFuzz{tstKit{env.svc, env}})
	})
}
