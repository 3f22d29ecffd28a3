package audit_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
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
	oppIvy     = sms.Actor{ID: "ivy", Roles: []sms.Role{audit.RoleImprovementManager}}  // logs and evaluates
	oppOtto    = sms.Actor{ID: "otto", Roles: []sms.Role{audit.RoleImprovementManager}} // approves
	oppQuinn   = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleQualityManager}}
	oppAudrey  = sms.Actor{ID: "audrey", Roles: []sms.Role{audit.RoleAuditor}}
	oppNobody  = sms.Actor{ID: "nobody"}
	oppCrit1   = audit.ImprovementCriteria{Version: 1, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{{Name: "policy"}, {Name: "objectives"}, {Name: "cost-benefit"}}}
	oppCrit2   = audit.ImprovementCriteria{Version: 2, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{{Name: "policy"}, {Name: "objectives"}, {Name: "cost-benefit"}, {Name: "risk"}}}
	oppWindow  = 30 * 24 * time.Hour
	oppDueDate = oppJuly(31, 0, 0)
)

// oppJune and oppJuly return times in June and July 2026, UTC.
func oppJune(day, hour, min int) time.Time { return time.Date(2026, 6, day, hour, min, 0, 0, time.UTC) }
func oppJuly(day, hour, min int) time.Time { return time.Date(2026, 7, day, hour, min, 0, 0, time.UTC) }

// oppChanges is the host's change lookup: authorized by change ID; an ID
// not listed is not found.
var oppChangeBook = hostChanges{"CHG-1": true, "CHG-2": false}

type oppEnv struct {
	svc   *audit.Opportunities
	store sms.Store[*audit.Opportunity]
	clk   *smstest.Clock
	ctx   context.Context
}

func oppBook(t testing.TB, vs ...audit.ImprovementCriteria) audit.CriteriaBook {
	t.Helper()
	b, err := audit.StaticCriteria(vs...)
	require.NoError(t, err)
	return b
}

func oppNewEnv(t testing.TB) *oppEnv { return oppNewEnvOn(t, memstore.New[*audit.Opportunity]()) }

// oppNewEnvOn is oppNewEnv on the store given.
func oppNewEnvOn(t testing.TB, store sms.Store[*audit.Opportunity]) *oppEnv {
	clk := smstest.NewClock(oppJune(20, 0, 0))
	svc, err := audit.NewOpportunities(store, oppBook(t, oppCrit1), oppChangeBook, audit.OpportunityPolicy{}, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &oppEnv{svc: svc, store: store, clk: clk, ctx: context.Background()}
}

var (
	oppLog  = audit.OpportunityLog{Title: "faster first-line fixes", Description: "a known-error lookup at the service desk", Area: audit.AreaIncident, Source: audit.FromSLAMiss, SourceRef: "SLA-7"}
	oppEval = audit.OpportunityEvaluate{Aligned: true, Verdict: "serves objective 3, faster restoration", Scores: []audit.ImprovementScore{
		{Criterion: "policy", Score: 4, Notes: "in line"}, {Criterion: "objectives", Score: 5, Notes: "objective 3"}, {Criterion: "cost-benefit", Score: 3, Notes: "two weeks of work"}}}
	// oppTargets: the first-time fix rate from 60 % up to 75 %, the cost
	// per ticket from 12 down to 10.
	oppTargets = []audit.ImprovementTarget{
		{Dimension: audit.DimensionQuality, Metric: "first-time fix rate", Baseline: 0.60, Target: 0.75, Unit: "ratio", HigherIsBetter: true},
		{Dimension: audit.DimensionCost, Metric: "cost per ticket", Baseline: 12, Target: 10, Unit: "EUR"},
	}
	oppApprove = audit.OpportunityApprove{Targets: oppTargets, Priority: 2}
	oppPlan    = audit.OpportunityPlan{Owner: "pat", Due: oppDueDate, Steps: []string{"build the lookup", "train the desk"}}
	oppMet     = audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.80}, {Metric: "cost per ticket", Value: 9.5}}}
	oppMissed  = audit.OpportunityMiss{Action: "add the top 20 known errors", Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.70}, {Metric: "cost per ticket", Value: 9}}}
	oppResume  = audit.OpportunityResume{Due: oppDueDate, Steps: []string{"review the lookup hits"}}
)

// oppAt drives a new opportunity to status, with the valid commands.
func (e *oppEnv) oppAt(t testing.TB, status audit.OpportunityStatus) *audit.Opportunity {
	t.Helper()
	x, err := e.svc.Log(e.ctx, oppIvy, oppLog)
	require.NoError(t, err)
	step := func(a sms.Actor, c audit.OpportunityCommand) {
		t.Helper()
		x, err = e.svc.Do(e.ctx, a, x.ID, c)
		require.NoError(t, err)
	}
	chain := []struct {
		st  audit.OpportunityStatus
		who sms.Actor
		cmd audit.OpportunityCommand
	}{
		{audit.OpportunityEvaluated, oppIvy, oppEval},
		{audit.OpportunityApproved, oppOtto, oppApprove},
		{audit.OpportunityPlanned, oppIvy, oppPlan},
		{audit.OpportunityInProgress, oppIvy, audit.OpportunityStart{}},
		{audit.OpportunityImplemented, oppIvy, audit.OpportunityImplement{}},
	}
	switch status {
	case audit.OpportunityLogged:
		return x
	case audit.OpportunityRejected:
		step(oppIvy, audit.OpportunityReject{Reason: "duplicates OPP-3"})
		return x
	}
	for _, c := range chain {
		step(c.who, c.cmd)
		if c.st == status {
			return x
		}
	}
	switch status {
	case audit.OpportunityFollowUp:
		step(oppIvy, oppMissed)
	case audit.OpportunityMeasured:
		step(oppIvy, oppMet)
	case audit.OpportunityClosed:
		step(oppIvy, oppMet)
		step(oppIvy, audit.OpportunityClose{})
	default:
		t.Fatalf("no way to %s", status)
	}
	return x
}

type oppKit struct {
	*audit.Opportunities
	env *oppEnv
}

func (k oppKit) At(t testing.TB, status, _ string) string {
	return k.env.oppAt(t, audit.OpportunityStatus(status)).ID
}

var oppValid = map[audit.OpportunityTrigger]audit.OpportunityCommand{
	audit.TriggerOpportunityEvaluate:  oppEval,
	audit.TriggerOpportunityApprove:   oppApprove,
	audit.TriggerOpportunityReject:    audit.OpportunityReject{Reason: "out of scope this year"},
	audit.TriggerOpportunityPlan:      oppPlan,
	audit.TriggerOpportunityStart:     audit.OpportunityStart{},
	audit.TriggerOpportunityImplement: audit.OpportunityImplement{},
	audit.TriggerOpportunityMeasure:   oppMet,
	audit.TriggerOpportunityMiss:      oppMissed,
	audit.TriggerOpportunityResume:    oppResume,
	audit.TriggerOpportunityClose:     audit.OpportunityClose{},
	audit.TriggerOpportunityNote:      audit.OpportunityNote{Text: "the desk lead asked for a demo"},
}

// oppActorFor is who fires a trigger in the kit: the approver is another
// person than the evaluator (CI-02).
func oppActorFor(trigger string) sms.Actor {
	if trigger == string(audit.TriggerOpportunityApprove) {
		return oppOtto
	}
	return oppIvy
}

func (k oppKit) Fire(ctx context.Context, id, trigger string) (*audit.Opportunity, error) {
	return k.Do(ctx, oppActorFor(trigger), id, oppValid[audit.OpportunityTrigger(trigger)])
}

func (k oppKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Opportunities.DryRun(ctx, oppActorFor(trigger), id, oppValid[audit.OpportunityTrigger(trigger)])
}

func oppTriggers() []string { return smstest.Names(audit.OpportunityTriggers()[1:]) }

func TestOpportunityKit(t *testing.T) {
	open := func(more map[string]string) map[string]string {
		more["note"] = smstest.Stay
		return more
	}
	smstest.RunProcess(t, smstest.Process[*audit.Opportunity]{
		Workflow: audit.OpportunityWorkflow(),
		Oracle: map[string]map[string]string{ // from CI-01 to CI-07 and the Opportunity machine of section 16
			"logged":      open(map[string]string{"evaluate": "evaluated", "reject": "rejected"}),
			"evaluated":   open(map[string]string{"approve": "approved", "reject": "rejected"}),
			"approved":    open(map[string]string{"plan": "planned"}),
			"planned":     open(map[string]string{"start": "in_progress"}),
			"in_progress": open(map[string]string{"implement": "implemented"}),
			"implemented": open(map[string]string{"measure": "measured", "miss": "follow_up"}),
			"measured":    open(map[string]string{"close": "closed"}),
			"follow_up":   open(map[string]string{"resume": "in_progress"}),
		},
		Triggers: oppTriggers(),
		Cites:    []string{"CI-05", "CI-06"}, // SweepOpportunity, Improvements
		Doc:      "doc.go", Golden: "testdata/opportunity.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*audit.Opportunity] {
			env := oppNewEnv(t)
			return oppKit{env.svc, env}
		},
	})
}

// oppRefused requires a guard refusal citing exactly ids, and nothing
// changed.
func oppRefused(t *testing.T, e *oppEnv, id string, before smstest.Snapshot, err error, name string, ids ...string) {
	t.Helper()
	ge := smstest.RequireRefused(t, err, ids...)
	assert.Equal(t, ids, ge.IDs(), name)
	smstest.RequireUnchanged(t, e.svc, id, before)
}

// Logging: a title, description and area (CI-01), a source and the
// record it came from unless a suggestion (CI-07); the quality manager and
// the auditor log too, nobody else.
func TestOpportunityLogRefusals(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	with := func(edit func(*audit.OpportunityLog)) audit.OpportunityLog {
		c := oppLog
		edit(&c)
		return c
	}
	for name, c := range map[string]struct {
		cmd audit.OpportunityLog
		ids []string
	}{
		"no title":                 {with(func(c *audit.OpportunityLog) { c.Title = " " }), []string{"CI-01"}},
		"no area":                  {with(func(c *audit.OpportunityLog) { c.Area = "" }), []string{"CI-01"}},
		"no description":           {with(func(c *audit.OpportunityLog) { c.Description = "" }), []string{"CI-01"}},
		"no source":                {with(func(c *audit.OpportunityLog) { c.Source = "" }), []string{"CI-07"}},
		"an audit finding, no ref": {with(func(c *audit.OpportunityLog) { c.Source, c.SourceRef = audit.FromAuditFinding, "" }), []string{"CI-07"}},
		"no title and no ref":      {with(func(c *audit.OpportunityLog) { c.Title, c.SourceRef = "", "" }), []string{"CI-01", "CI-07"}},
	} {
		_, err := e.svc.Log(e.ctx, oppIvy, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
	}
	s, err := e.svc.Log(e.ctx, oppQuinn, with(func(c *audit.OpportunityLog) { c.Source, c.SourceRef = audit.FromSuggestion, "" }))
	require.NoError(t, err, "a suggestion has no record behind it (CI-07)")
	assert.True(t, s.Parties.Has(sms.PartyRaiser, "quinn"))
	a, err := e.svc.Log(e.ctx, oppAudrey, with(func(c *audit.OpportunityLog) { c.Source, c.SourceRef = audit.FromAuditFinding, "AUD-4" }))
	require.NoError(t, err)
	assert.Equal(t, []sms.Link{{Type: "audit_finding", ID: "AUD-4"}}, a.Attributes().Links, "linked to its source (CI-07)")
	f, err := e.svc.OpportunityFacts(e.ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, audit.OpportunityFacts{Status: "logged", Source: audit.FromAuditFinding, SourceRef: "AUD-4"}, f)
	_, err = e.svc.OpportunityFacts(e.ctx, "OPP-404")
	assert.ErrorIs(t, err, sms.ErrNotFound)

	_, err = e.svc.Log(e.ctx, oppNobody, oppLog)
	smstest.RequireForbidden(t, err)
	_, err = e.svc.Log(e.ctx, oppIvy, with(func(c *audit.OpportunityLog) { c.Source = "gut_feeling" }))
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "a source not in the list is malformed")
}

// Evaluating: every criterion of the version in force, and none other,
// scored 1 to 5 with notes, and a verdict (CI-02); without criteria in
// force nothing is evaluated. Rejecting needs a reason.
func TestOpportunityEvaluateRefusals(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityLogged)
	before := smstest.Snap(t, e.svc, x.ID)
	scores := func(edit func([]audit.ImprovementScore) []audit.ImprovementScore) audit.OpportunityEvaluate {
		c := oppEval
		c.Scores = edit(append([]audit.ImprovementScore(nil), oppEval.Scores...))
		return c
	}
	for name, c := range map[string]audit.OpportunityEvaluate{
		"a criterion missing": scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { return s[:2] }),
		"a criterion not in force": scores(func(s []audit.ImprovementScore) []audit.ImprovementScore {
			return append(s, audit.ImprovementScore{Criterion: "risk", Score: 3, Notes: "n"})
		}),
		"a criterion renamed": scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { s[0].Criterion = "policies"; return s }),
		"a score of 0":        scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { s[0].Score = 0; return s }),
		"a score of 6":        scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { s[1].Score = 6; return s }),
		"no notes":            scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { s[2].Notes = " "; return s }),
		"no verdict":          {Scores: oppEval.Scores, Aligned: true},
	} {
		_, err := e.svc.Evaluate(e.ctx, oppIvy, x.ID, c)
		oppRefused(t, e, x.ID, before, err, name, "CI-02")
	}
	_, err := e.svc.Evaluate(e.ctx, oppIvy, x.ID, scores(func(s []audit.ImprovementScore) []audit.ImprovementScore { return append(s, s[0]) }))
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "a criterion scored twice is malformed")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	none, err := audit.NewOpportunities(e.store, nil, nil, audit.OpportunityPolicy{}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	_, err = none.Evaluate(e.ctx, oppIvy, x.ID, oppEval)
	ge := smstest.RequireRefused(t, err, "CI-02")
	assert.Equal(t, []string{"CI-02", "CI-02"}, ge.IDs(), "no criteria in force, so none is scored")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	_, err = e.svc.Reject(e.ctx, oppIvy, x.ID, audit.OpportunityReject{Reason: "\t"})
	oppRefused(t, e, x.ID, before, err, "a rejection without reason", "CI-02")

	x, err = e.svc.Evaluate(e.ctx, oppIvy, x.ID, oppEval)
	require.NoError(t, err)
	assert.Equal(t, 1, x.Evaluation.CriteriaVersion)
	assert.True(t, x.Parties.Has(sms.PartyReviewer, "ivy"))
	x, err = e.svc.Reject(e.ctx, oppIvy, x.ID, audit.OpportunityReject{Reason: "superseded by OPP-9"})
	require.NoError(t, err, "an evaluated opportunity may still be rejected")
	assert.Equal(t, audit.OpportunityRejected, x.Status)
	assert.Equal(t, "superseded by OPP-9", x.Reason)
}

// Approving: by another person than the evaluator (CI-02, forbidden), only
// what the evaluation found aligned (CI-02), with targets in the listed
// dimensions that improve on their baseline (CI-03), and a priority
// (CI-04).
func TestOpportunityApproveRefusals(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityEvaluated)
	before := smstest.Snap(t, e.svc, x.ID)

	_, err := e.svc.Approve(e.ctx, oppIvy, x.ID, oppApprove)
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CI-02", fe.Requirement.ID, "the evaluator does not approve")
	assert.True(t, errors.Is(err, sms.ErrForbidden))
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	target := func(edit func(*audit.ImprovementTarget)) audit.OpportunityApprove {
		c := oppApprove
		c.Targets = append([]audit.ImprovementTarget(nil), oppTargets...)
		edit(&c.Targets[0])
		return c
	}
	for name, c := range map[string]struct {
		cmd audit.OpportunityApprove
		ids []string
	}{
		"no targets":              {audit.OpportunityApprove{Priority: 2}, []string{"CI-03"}},
		"an unknown dimension":    {target(func(g *audit.ImprovementTarget) { g.Dimension = "happiness" }), []string{"CI-03"}},
		"no dimension":            {target(func(g *audit.ImprovementTarget) { g.Dimension = "" }), []string{"CI-03"}},
		"no metric":               {target(func(g *audit.ImprovementTarget) { g.Metric = " " }), []string{"CI-03"}},
		"target as baseline":      {target(func(g *audit.ImprovementTarget) { g.Target = g.Baseline }), []string{"CI-03"}},
		"target worse, higher":    {target(func(g *audit.ImprovementTarget) { g.Target = 0.5 }), []string{"CI-03"}},
		"target worse, lower":     {target(func(g *audit.ImprovementTarget) { g.HigherIsBetter = false }), []string{"CI-03"}},
		"priority 0":              {audit.OpportunityApprove{Targets: oppTargets}, []string{"CI-04"}},
		"priority 6":              {audit.OpportunityApprove{Targets: oppTargets, Priority: 6}, []string{"CI-04"}},
		"no targets, no priority": {audit.OpportunityApprove{}, []string{"CI-03", "CI-04"}},
	} {
		_, err := e.svc.Approve(e.ctx, oppOtto, x.ID, c.cmd)
		oppRefused(t, e, x.ID, before, err, name, c.ids...)
	}
	var ve *sms.ValidationError
	_, err = e.svc.Approve(e.ctx, oppOtto, x.ID, target(func(g *audit.ImprovementTarget) { g.Target = math.NaN() }))
	require.ErrorAs(t, err, &ve, "NaN is malformed")
	_, err = e.svc.Approve(e.ctx, oppOtto, x.ID, target(func(g *audit.ImprovementTarget) { g.Metric = "cost per ticket" }))
	require.ErrorAs(t, err, &ve, "a metric targeted twice is malformed")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	// An evaluation that found it not aligned is not approved.
	n, err := e.svc.Log(e.ctx, oppIvy, oppLog)
	require.NoError(t, err)
	ev := oppEval
	ev.Aligned, ev.Verdict = false, "conflicts with the outsourcing policy"
	n, err = e.svc.Evaluate(e.ctx, oppIvy, n.ID, ev)
	require.NoError(t, err)
	nb := smstest.Snap(t, e.svc, n.ID)
	_, err = e.svc.Approve(e.ctx, oppOtto, n.ID, oppApprove)
	oppRefused(t, e, n.ID, nb, err, "not aligned", "CI-02")

	x, err = e.svc.Approve(e.ctx, oppOtto, x.ID, oppApprove)
	require.NoError(t, err)
	assert.Equal(t, oppTargets, x.Targets)
	assert.Equal(t, 2, x.Priority)
	assert.True(t, x.Parties.Has(sms.PartyApprover, "otto"))
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"otto"}, sms.ActorsOf(j, "approve"))
	assert.Equal(t, []string{"ivy"}, sms.ActorsOf(j, "evaluate"))
}

// Planning (CI-04): an owner, a due date not in the past, steps;
// implementing through an authorized change when the plan touches
// controlled items (CI-04); the measurement due a window after.
func TestOpportunityPlanAndImplement(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityApproved)
	before := smstest.Snap(t, e.svc, x.ID)
	now := e.clk.Now()
	for name, c := range map[string]audit.OpportunityPlan{
		"no owner":        {Due: oppDueDate, Steps: []string{"s"}},
		"due in the past": {Owner: "pat", Due: now.Add(-time.Second), Steps: []string{"s"}},
		"no due date":     {Owner: "pat", Steps: []string{"s"}},
		"no steps":        {Owner: "pat", Due: oppDueDate},
		"a blank step":    {Owner: "pat", Due: oppDueDate, Steps: []string{"s", " "}},
	} {
		_, err := e.svc.Plan(e.ctx, oppIvy, x.ID, c)
		oppRefused(t, e, x.ID, before, err, name, "CI-04")
	}
	plan := oppPlan
	plan.Due, plan.TouchesControlled = now, true
	x, err := e.svc.Plan(e.ctx, oppIvy, x.ID, plan)
	require.NoError(t, err, "due now is not in the past")
	assert.Equal(t, "pat", x.Attributes().Owner)
	assert.True(t, x.Parties.Has(sms.PartyOwner, "pat"))
	x, err = e.svc.Start(e.ctx, oppIvy, x.ID, audit.OpportunityStart{})
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]audit.OpportunityImplement{
		"no change, controlled items": {},
		"an unauthorized change":      {Change: "CHG-2"},
		"an unknown change":           {Change: "CHG-404"},
	} {
		_, err := e.svc.Implement(e.ctx, oppIvy, x.ID, c)
		oppRefused(t, e, x.ID, before, err, name, "CI-04")
	}
	e.clk.Advance(time.Hour)
	x, err = e.svc.Implement(e.ctx, oppIvy, x.ID, audit.OpportunityImplement{Change: "CHG-1"})
	require.NoError(t, err)
	assert.Equal(t, "CHG-1", x.Change)
	assert.Equal(t, e.clk.Now(), x.ImplementedAt)
	assert.Equal(t, e.clk.Now().Add(oppWindow), x.MeasureDue, "the default window is 30 days")
	assert.Contains(t, x.Attributes().Links, sms.Link{Type: "change", ID: "CHG-1"})

	// Without controlled items no change is needed, but one named must be authorized.
	y := e.oppAt(t, audit.OpportunityInProgress)
	yb := smstest.Snap(t, e.svc, y.ID)
	_, err = e.svc.Implement(e.ctx, oppIvy, y.ID, audit.OpportunityImplement{Change: "CHG-2"})
	oppRefused(t, e, y.ID, yb, err, "an unauthorized change named", "CI-04")

	// A window of the register's own; a negative one is refused.
	week, err := audit.NewOpportunities(e.store, oppBook(t, oppCrit1), nil, audit.OpportunityPolicy{MeasureWindow: 7 * 24 * time.Hour}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	y, err = week.Implement(e.ctx, oppIvy, y.ID, audit.OpportunityImplement{})
	require.NoError(t, err)
	assert.Equal(t, e.clk.Now().Add(7*24*time.Hour), y.MeasureDue)
	_, err = audit.NewOpportunities(e.store, nil, nil, audit.OpportunityPolicy{MeasureWindow: -time.Hour}, sms.Options{})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}

// Met is derived, never typed: higher is better meets at or above the
// target, lower is better at or below; exactly the target is met.
func TestOpportunityMetDerived(t *testing.T) {
	t.Parallel()
	up := audit.ImprovementTarget{Metric: "m", Baseline: 0.6, Target: 0.75, HigherIsBetter: true}
	down := audit.ImprovementTarget{Metric: "c", Baseline: 12, Target: 10}
	for _, c := range []struct {
		t    audit.ImprovementTarget
		v    float64
		want bool
	}{
		{up, 0.75, true}, {up, 0.9, true}, {up, 0.7499, false}, {up, 0.6, false},
		{down, 10, true}, {down, 9, true}, {down, 10.01, false}, {down, 12, false},
	} {
		assert.Equal(t, c.want, c.t.MetBy(c.v), "%s at %v", c.t.Metric, c.v)
	}
	m := audit.MeasureImprovement([]audit.ImprovementTarget{up, down}, []audit.ImprovementActual{{Metric: "m", Value: 0.75}, {Metric: "c", Value: 10}}, oppJune(1, 0, 0))
	assert.True(t, m.Met)
	assert.Empty(t, m.Missed)
	m = audit.MeasureImprovement([]audit.ImprovementTarget{up, down}, []audit.ImprovementActual{{Metric: "m", Value: 0.9}, {Metric: "c", Value: 10.5}}, oppJune(1, 0, 0))
	assert.False(t, m.Met)
	assert.Equal(t, []string{"c"}, m.Missed)
	m = audit.MeasureImprovement([]audit.ImprovementTarget{up, down}, []audit.ImprovementActual{{Metric: "m", Value: 0.9}}, oppJune(1, 0, 0))
	assert.Equal(t, []string{"c"}, m.Missed, "a target without an actual is missed")
	assert.False(t, audit.MeasureImprovement(nil, nil, oppJune(1, 0, 0)).Met, "nothing targeted is nothing met")

	// Through the pipeline: a command cannot claim a target met.
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityImplemented)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]struct {
		cmd audit.OpportunityMeasure
		ids []string
	}{
		"the fix rate missed by a hair": {audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.7499}, {Metric: "cost per ticket", Value: 10}}}, []string{"CI-05"}},
		"the cost above its target":     {audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.8}, {Metric: "cost per ticket", Value: 10.01}}}, []string{"CI-05"}},
		"a target unmeasured":           {audit.OpportunityMeasure{Actuals: oppMet.Actuals[:1]}, []string{"CI-05"}},
		"a metric not targeted":         {audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{oppMet.Actuals[0], {Metric: "csat", Value: 5}}}, []string{"CI-05"}},
		"nothing measured":              {audit.OpportunityMeasure{}, []string{"CI-05"}},
	} {
		_, err := e.svc.Measure(e.ctx, oppIvy, x.ID, c.cmd)
		oppRefused(t, e, x.ID, before, err, name, c.ids...)
	}
	for name, c := range map[string]audit.OpportunityMiss{
		"every target met":    {Actuals: oppMet.Actuals, Action: "none needed"},
		"no further action":   {Actuals: oppMissed.Actuals, Action: " "},
		"a target unmeasured": {Actuals: oppMissed.Actuals[:1], Action: "a"},
	} {
		_, err := e.svc.Miss(e.ctx, oppIvy, x.ID, c)
		oppRefused(t, e, x.ID, before, err, name, "CI-05")
	}
	var ve *sms.ValidationError
	_, err := e.svc.Measure(e.ctx, oppIvy, x.ID, audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{oppMet.Actuals[0], oppMet.Actuals[0]}})
	require.ErrorAs(t, err, &ve, "a metric measured twice is malformed")
	_, err = e.svc.Measure(e.ctx, oppIvy, x.ID, audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: math.Inf(1)}, oppMet.Actuals[1]}})
	require.ErrorAs(t, err, &ve, "infinity is malformed")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	exact := audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "cost per ticket", Value: 10}, {Metric: "first-time fix rate", Value: 0.75}}}
	x, err = e.svc.Measure(e.ctx, oppIvy, x.ID, exact)
	require.NoError(t, err, "exactly at target, both directions, is met")
	m, ok := x.LastMeasurement()
	require.True(t, ok)
	assert.True(t, m.Met)
	assert.Equal(t, e.clk.Now(), m.At)
}

// A miss goes to follow-up with its further action (CI-05), back to work
// with a due date (CI-04), implemented again and then measured and closed.
func TestOpportunityFollowUpLoop(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityImplemented)
	x, err := e.svc.Miss(e.ctx, oppIvy, x.ID, oppMissed)
	require.NoError(t, err)
	assert.Equal(t, audit.OpportunityFollowUp, x.Status)
	assert.Equal(t, "add the top 20 known errors", x.FollowUpAction)
	require.Len(t, x.Measurements, 1)
	assert.False(t, x.Measurements[0].Met)
	assert.Equal(t, []string{"first-time fix rate"}, x.Measurements[0].Missed, "0.70 against 0.75; the cost 9 against 10 is met")

	before := smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Resume(e.ctx, oppIvy, x.ID, audit.OpportunityResume{Due: e.clk.Now().Add(-time.Minute)})
	oppRefused(t, e, x.ID, before, err, "due in the past", "CI-04")
	_, err = e.svc.Close(e.ctx, oppIvy, x.ID, audit.OpportunityClose{})
	smstest.RequireTransitionRefused(t, err, "close")

	x, err = e.svc.Resume(e.ctx, oppIvy, x.ID, oppResume)
	require.NoError(t, err)
	assert.Equal(t, audit.OpportunityInProgress, x.Status)
	assert.Equal(t, []string{"build the lookup", "train the desk", "add the top 20 known errors", "review the lookup hits"}, x.Plan.Steps)
	e.clk.Advance(24 * time.Hour)
	x, err = e.svc.Implement(e.ctx, oppIvy, x.ID, audit.OpportunityImplement{})
	require.NoError(t, err)
	assert.Equal(t, e.clk.Now().Add(oppWindow), x.MeasureDue, "due again from the new implementation")
	x, err = e.svc.Measure(e.ctx, oppIvy, x.ID, oppMet)
	require.NoError(t, err)
	require.Len(t, x.Measurements, 2)
	assert.True(t, x.Measurements[1].Met)
	x, err = e.svc.Close(e.ctx, oppIvy, x.ID, audit.OpportunityClose{})
	require.NoError(t, err)
	assert.Equal(t, audit.OpportunityClosed, x.Status)
	assert.Equal(t, e.clk.Now(), x.ClosedAt)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "log", "evaluate", "approve", "plan", "start", "implement", "miss", "resume", "implement", "measure", "close")
	act, _ := sms.Get(j[6].Payload, "action")
	assert.Equal(t, "add the top 20 known errors", act)
	missed, _ := sms.Get(j[6].Payload, "missed")
	assert.Equal(t, "first-time fix rate", missed)

	_, err = e.svc.Note(e.ctx, oppIvy, x.ID, audit.OpportunityNote{Text: "late remark"})
	smstest.RequireTransitionRefused(t, err, "note")
	y := e.oppAt(t, audit.OpportunityPlanned)
	_, err = e.svc.Note(e.ctx, oppIvy, y.ID, audit.OpportunityNote{Text: " "})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}

// Criteria are versioned (CI-02): a book refuses versions out of order and
// malformed versions; an evaluation stores the version in force when it
// ran, and one scored against an older version is refused.
func TestOpportunityCriteriaVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, vs := range map[string][]audit.ImprovementCriteria{
		"none":           nil,
		"out of order":   {oppCrit2, oppCrit1},
		"the same twice": {oppCrit1, oppCrit1},
		"version 0":      {{Version: 0, ApprovedBy: "sam", Items: oppCrit1.Items}},
		"no approver":    {{Version: 1, ApprovedBy: " ", Items: oppCrit1.Items}},
		"no criterion":   {{Version: 1, ApprovedBy: "sam"}},
		"a blank name":   {{Version: 1, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{{Name: "policy"}, {Name: " "}}}},
		"a name twice":   {{Version: 1, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{{Name: "policy"}, {Name: "policy"}}}},
	} {
		_, err := audit.StaticCriteria(vs...)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve, name)
	}
	book := oppBook(t, oppCrit1, oppCrit2)
	cur, err := book.Current(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, cur.Version)
	v1, err := book.Version(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"policy", "objectives", "cost-benefit"}, v1.Names())
	_, err = book.Version(ctx, 3)
	assert.ErrorIs(t, err, sms.ErrNotFound)
	cur.Items[0].Name = "edited"
	again, _ := book.Current(ctx)
	assert.Equal(t, "policy", again.Items[0].Name, "the book hands out copies")

	e := oppNewEnv(t) // version 1 in force
	a := e.oppAt(t, audit.OpportunityEvaluated)
	assert.Equal(t, 1, a.Evaluation.CriteriaVersion)
	b := e.oppAt(t, audit.OpportunityLogged)
	// Version 2 comes into force: the register is bound to the new book.
	v2svc, err := audit.NewOpportunities(e.store, book, oppChangeBook, audit.OpportunityPolicy{}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	before := smstest.Snap(t, v2svc, b.ID)
	_, err = v2svc.Evaluate(e.ctx, oppIvy, b.ID, oppEval)
	oppRefused(t, e, b.ID, before, err, "scored against version 1, the risk criterion missing", "CI-02")
	ev := oppEval
	ev.Scores = append(append([]audit.ImprovementScore(nil), oppEval.Scores...), audit.ImprovementScore{Criterion: "risk", Score: 4, Notes: "lowers the repeat-incident risk"})
	b, err = v2svc.Evaluate(e.ctx, oppIvy, b.ID, ev)
	require.NoError(t, err)
	assert.Equal(t, 2, b.Evaluation.CriteriaVersion)
	assert.Len(t, b.Evaluation.Scores, 4)
	a, err = v2svc.Get(e.ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, a.Evaluation.CriteriaVersion, "an earlier evaluation keeps the version it used")
	j, err := v2svc.Journal(e.ctx, b.ID)
	require.NoError(t, err)
	v, _ := sms.Get(j[len(j)-1].Payload, "criteria_version")
	assert.Equal(t, "2", v)
}

// Nothing is deleted (clarification 8): rejected and closed are terminal,
// no trigger leaves them, none is named as an erasure, and the service
// has no method that removes a record.
func TestOpportunityNothingDeletable(t *testing.T) {
	t.Parallel()
	wf := audit.OpportunityWorkflow()
	for _, s := range []audit.OpportunityStatus{audit.OpportunityRejected, audit.OpportunityClosed} {
		assert.True(t, wf.Terminal(string(s)), s)
		assert.Empty(t, wf.Triggers(string(s)), "nothing leaves %s", s)
		assert.Empty(t, wf.Targets(string(s)), s)
	}
	for _, s := range wf.States() {
		assert.Equal(t, wf.Terminal(s), s == "rejected" || s == "closed", "%s: only rejected and closed are terminal", s)
	}
	for _, r := range wf.Rules() {
		for _, bad := range []string{"delete", "erase", "remove", "purge", "destroy"} {
			assert.NotContains(t, strings.ToLower(r.Trigger), bad)
		}
	}
	st := reflect.TypeOf(&audit.Opportunities{})
	for i := range st.NumMethod() {
		name := strings.ToLower(st.Method(i).Name)
		for _, bad := range []string{"delete", "erase", "remove", "purge", "destroy"} {
			assert.NotContains(t, name, bad, "the register has no way to erase an item")
		}
	}
}

// IMPROVEMENT_MEASURE_OVERDUE (CI-05): an implemented improvement not
// measured is overdue once its due time has passed, not at it.
func TestOpportunitySweep(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	x := e.oppAt(t, audit.OpportunityImplemented) // implemented 20 June 00:00, due 20 July 00:00
	due := oppJune(20, 0, 0).Add(oppWindow)
	require.Equal(t, due, x.MeasureDue)
	assert.Empty(t, audit.SweepOpportunity(x, due), "due at the instant, not yet overdue")
	assert.Empty(t, audit.SweepOpportunity(x, due.Add(-time.Microsecond)))
	f := audit.SweepOpportunity(x, due.Add(time.Microsecond))
	require.Len(t, f, 1)
	assert.Equal(t, audit.CodeImprovementMeasureOverdue, f[0].Code)
	assert.Equal(t, "IMPROVEMENT_MEASURE_OVERDUE", f[0].Code)
	assert.Equal(t, "CI-05", f[0].Requirement.ID)
	assert.Equal(t, "10.2", f[0].Requirement.Clause)
	assert.Equal(t, audit.OpportunityKind, f[0].Kind)
	assert.Equal(t, x.ID, f[0].EntityID)
	assert.Empty(t, audit.SweepOpportunity(nil, due.Add(time.Hour)))

	measured := e.oppAt(t, audit.OpportunityMeasured)
	assert.Empty(t, audit.SweepOpportunity(measured, due.Add(time.Hour)), "measured is not overdue")
	follow := e.oppAt(t, audit.OpportunityFollowUp)
	assert.Empty(t, audit.SweepOpportunity(follow, due.Add(time.Hour)), "missed and followed up is measured")

	fs, err := e.svc.Sweep(e.ctx, due.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, x.ID, fs[0].EntityID)
	fs, err = e.svc.Sweep(e.ctx, due)
	require.NoError(t, err)
	assert.Empty(t, fs)

	// A record edited outside the pipeline is reported, not swept.
	tam, err := audit.NewOpportunities(smstest.Tampered[*audit.Opportunity](e.store, x.ID, func(o *audit.Opportunity) { o.MeasureDue = due.Add(time.Hour * 24 * 365) }),
		oppBook(t, oppCrit1), nil, audit.OpportunityPolicy{}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	fs, err = tam.Sweep(e.ctx, due.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, sms.CodeRecordUnverified, fs[0].Code)
}

// The report of July 2026 on a population computed by hand (CI-01,
// CI-06), by the dates of the journal entries, the period [from, to).
func TestOpportunityImprovements(t *testing.T) {
	t.Parallel()
	e := oppNewEnv(t)
	at := func(day, hour int) { e.clk.Set(oppJuly(day, hour, 0)) }
	fire := func(x *audit.Opportunity, a sms.Actor, c audit.OpportunityCommand) *audit.Opportunity {
		t.Helper()
		x, err := e.svc.Do(e.ctx, a, x.ID, c)
		require.NoError(t, err)
		return x
	}
	log := func(src audit.OpportunitySource, area string) *audit.Opportunity {
		t.Helper()
		c := oppLog
		c.Source, c.Area, c.SourceRef = src, area, "REF-1"
		x, err := e.svc.Log(e.ctx, oppIvy, c)
		require.NoError(t, err)
		return x
	}
	toWork := func(x *audit.Opportunity) *audit.Opportunity {
		x = fire(x, oppIvy, oppEval)
		x = fire(x, oppOtto, oppApprove)
		x = fire(x, oppIvy, audit.OpportunityPlan{Owner: "pat", Due: time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC), Steps: []string{"s"}})
		return fire(x, oppIvy, audit.OpportunityStart{})
	}
	// F: logged and rejected in June: nothing in July.
	e.clk.Set(oppJune(1, 9, 0))
	f := log(audit.FromSupplierMiss, audit.AreaSupplier)
	fire(f, oppIvy, audit.OpportunityReject{Reason: "the supplier left"})
	// A: logged 25 June, implemented 5 July, measured met 10 July, closed 12 July.
	e.clk.Set(oppJune(25, 9, 0))
	a := toWork(log(audit.FromSLAMiss, audit.AreaIncident))
	at(5, 9)
	a = fire(a, oppIvy, audit.OpportunityImplement{})
	at(10, 9)
	a = fire(a, oppIvy, oppMet)
	at(12, 9)
	fire(a, oppIvy, audit.OpportunityClose{})
	// B: a suggestion logged 2 July, rejected 3 July.
	at(2, 9)
	b := log(audit.FromSuggestion, audit.AreaChange)
	at(3, 8)
	fire(b, oppIvy, audit.OpportunityReject{Reason: "not worth it"})
	// C: an audit finding logged 3 July, implemented 6 July, missed 8 July,
	// resumed 9 July, implemented again 15 July, measured 2 August.
	at(3, 9)
	c := toWork(log(audit.FromAuditFinding, audit.AreaIncident))
	at(6, 9)
	c = fire(c, oppIvy, audit.OpportunityImplement{})
	at(8, 9)
	c = fire(c, oppIvy, oppMissed)
	at(9, 9)
	c = fire(c, oppIvy, oppResume)
	at(15, 9)
	c = fire(c, oppIvy, audit.OpportunityImplement{})
	// D: logged at the last instant of July; E at the first of August.
	e.clk.Set(time.Date(2026, 7, 31, 23, 59, 59, 999999000, time.UTC))
	d := log(audit.FromSuggestion, audit.AreaChange)
	e.clk.Set(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	log(audit.FromSuggestion, audit.AreaChange)
	e.clk.Set(time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC))
	fire(c, oppIvy, oppMet)

	from, to := oppJuly(1, 0, 0), time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	r, err := e.svc.Improvements(e.ctx, from, to)
	require.NoError(t, err)
	assert.Equal(t, from, r.From)
	assert.Equal(t, to, r.To)
	// Opened B, C, D; implemented A, C (C twice, counted once); met A;
	// missed C; closed A; rejected B.
	assert.Equal(t, audit.ImprovementCounts{Opened: 3, Implemented: 2, Met: 1, Missed: 1, Closed: 1, Rejected: 1}, r.Totals)
	assert.Equal(t, map[audit.OpportunitySource]audit.ImprovementCounts{
		audit.FromSLAMiss:      {Implemented: 1, Met: 1, Closed: 1},
		audit.FromSuggestion:   {Opened: 2, Rejected: 1},
		audit.FromAuditFinding: {Opened: 1, Implemented: 1, Missed: 1},
	}, r.BySource)
	assert.Equal(t, map[string]audit.ImprovementCounts{
		audit.AreaIncident: {Opened: 1, Implemented: 2, Met: 1, Missed: 1, Closed: 1},
		audit.AreaChange:   {Opened: 2, Rejected: 1},
	}, r.ByArea)
	require.Len(t, r.Implemented, 2)
	assert.Equal(t, a.ID, r.Implemented[0].ID)
	assert.Equal(t, oppJuly(5, 9, 0), r.Implemented[0].ImplementedAt)
	assert.True(t, r.Implemented[0].Measured)
	assert.True(t, r.Implemented[0].Last.Met)
	assert.Equal(t, oppJuly(10, 9, 0), r.Implemented[0].Last.At)
	assert.Equal(t, oppTargets, r.Implemented[0].Targets)
	assert.Equal(t, c.ID, r.Implemented[1].ID)
	assert.Equal(t, oppJuly(15, 9, 0), r.Implemented[1].ImplementedAt, "the last implementation in the period")
	assert.False(t, r.Implemented[1].Measured, "the miss came before it, the measurement after the period")
	assert.Empty(t, r.Unverified)
	_ = d

	// June alone: F logged and rejected, A logged.
	r, err = e.svc.Improvements(e.ctx, oppJune(1, 0, 0), from)
	require.NoError(t, err)
	assert.Equal(t, audit.ImprovementCounts{Opened: 2, Rejected: 1}, r.Totals)
	assert.Empty(t, r.Implemented)

	// A record edited outside the pipeline counts nowhere and is named.
	tam, err := audit.NewOpportunities(smstest.Tampered[*audit.Opportunity](e.store, a.ID, func(o *audit.Opportunity) { o.Title = "forged" }),
		oppBook(t, oppCrit1), nil, audit.OpportunityPolicy{}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	r, err = tam.Improvements(e.ctx, from, to)
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID}, r.Unverified)
	_, err = tam.OpportunityFacts(e.ctx, a.ID)
	assert.ErrorIs(t, err, sms.ErrCorrupt, "an audit reads no facts of a record that does not verify")
	assert.Equal(t, audit.ImprovementCounts{Opened: 3, Implemented: 1, Missed: 1, Rejected: 1}, r.Totals)

	var ve *sms.ValidationError
	_, err = e.svc.Improvements(e.ctx, to, from)
	require.ErrorAs(t, err, &ve, "a period ending before it begins")
	_, err = e.svc.Improvements(e.ctx, from, from)
	require.ErrorAs(t, err, &ve, "an empty period")
}

// oppFuzz is what the fuzz driver needs.
type oppFuzz struct{ oppKit }

func (f oppFuzz) Start(t testing.TB) string { return f.env.oppAt(t, audit.OpportunityLogged).ID }

func (f oppFuzz) Do(ctx context.Context, id string, s smstest.Step) (*audit.Opportunity, error) {
	who := []sms.Actor{oppIvy, oppOtto, oppNobody, oppQuinn}[s.Actor%4]
	tr := audit.OpportunityTrigger(s.Trigger)
	c := oppValid[tr]
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(audit.OpportunityWorkflow(), s.Trigger).(audit.OpportunityCommand)
	case 2:
		c = map[audit.OpportunityTrigger]audit.OpportunityCommand{
			audit.TriggerOpportunityEvaluate: audit.OpportunityEvaluate{Scores: []audit.ImprovementScore{{Criterion: "policy", Score: 9}}, Verdict: "v"},
			audit.TriggerOpportunityApprove: audit.OpportunityApprove{Priority: 3, Targets: []audit.ImprovementTarget{
				{Dimension: audit.DimensionCost, Metric: "m", Baseline: 1, Target: 2}}},
			audit.TriggerOpportunityReject:    audit.OpportunityReject{Reason: " "},
			audit.TriggerOpportunityPlan:      audit.OpportunityPlan{Owner: "pat", Due: oppJune(1, 0, 0), Steps: []string{"s"}},
			audit.TriggerOpportunityStart:     audit.OpportunityStart{},
			audit.TriggerOpportunityImplement: audit.OpportunityImplement{Change: "CHG-2"},
			audit.TriggerOpportunityMeasure:   audit.OpportunityMeasure{Actuals: oppMissed.Actuals},
			audit.TriggerOpportunityMiss:      audit.OpportunityMiss{Actuals: oppMet.Actuals, Action: "a"},
			audit.TriggerOpportunityResume:    audit.OpportunityResume{Due: oppJune(1, 0, 0)},
			audit.TriggerOpportunityClose:     audit.OpportunityClose{},
			audit.TriggerOpportunityNote:      audit.OpportunityNote{Text: "\x00"},
		}[tr]
	}
	return f.Opportunities.Do(ctx, who, id, c)
}

func FuzzOpportunities(f *testing.F) {
	// evaluate, approve (otto), plan, start, implement, measure, close; then a miss path.
	f.Add([]byte{0, 0, 0, 1, 1, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0, 0, 9, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 1, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 7, 0, 0, 8, 0, 0, 5, 0, 0, 6, 0, 0, 10, 0, 2})
	f.Add([]byte{0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 0, 2, 2, 0, 0, 10, 3, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := oppNewEnv(t)
		smstest.FuzzProcess(t, steps, oppTriggers(), oppFuzz{oppKit{env.svc, env}})
	})
}
