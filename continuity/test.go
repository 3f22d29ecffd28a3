package continuity

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/iso20k/sms"
)

// TestStatus is a continuity test's status; the values are persisted.
type TestStatus string

// Test statuses.
const (
	TestPlanned   TestStatus = "planned"   // scheduled against a plan, with its scenario
	TestExecuted  TestStatus = "executed"  // run: participants, times, evidence and results recorded
	TestReviewed  TestStatus = "reviewed"  // reviewed: conclusions, and an action for each deficiency
	TestClosed    TestStatus = "closed"    // closed after its review
	TestWithdrawn TestStatus = "withdrawn" // withdrawn before it ran, with the reason
)

// TestStatuses returns every status, in lifecycle order.
func TestStatuses() []TestStatus {
	return []TestStatus{TestPlanned, TestExecuted, TestReviewed, TestClosed, TestWithdrawn}
}

// TestTrigger names a transition of a continuity test.
type TestTrigger string

// Test triggers.
const (
	TriggerScheduleTest TestTrigger = "schedule"
	TriggerExecuteTest  TestTrigger = "execute"
	TriggerReviewTest   TestTrigger = "review"
	TriggerCloseTest    TestTrigger = "close"
	TriggerWithdrawTest TestTrigger = "withdraw"
)

// TestTriggers returns every test trigger, the creating one first.
func TestTriggers() []TestTrigger {
	return []TestTrigger{TriggerScheduleTest, TriggerExecuteTest, TriggerReviewTest, TriggerCloseTest, TriggerWithdrawTest}
}

// CodePlanTestOverdue is the finding code of a plan not tested within its
// interval (CON-07).
const CodePlanTestOverdue = "PLAN_TEST_OVERDUE"

// TestRequirements returns the continuity requirements the tests enforce:
// their workflow's catalogue.
func TestRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CON-07", Clause: "8.7.2", Text: "continuity plans are tested periodically against the continuity requirements"},
		{ID: "CON-09", Clause: "8.7.2", Text: "test results are recorded: scenario, date, participants, per requirement met or not met, evidence"},
		{ID: "CON-10", Clause: "8.7.2", Text: "a review follows every test and every real invocation"},
		{ID: "CON-11", Clause: "8.7.2", Text: "deficiencies found lead to actions"},
	}
}

// TestResult is the result of a test for one service the plan covers:
// what was measured, the objectives agreed for the service at the time
// (read through [AgreedRequirements]), and the verdict the library derived
// from them, never typed in: the recovery is met when it took no longer
// than the RTO, the data loss when it is no more than the RPO.
type TestResult struct {
	Service     string        `json:"service"`
	Recovery    time.Duration `json:"recovery"`
	DataLoss    time.Duration `json:"data_loss"`
	Objectives  Objectives    `json:"objectives"`
	RecoveryMet bool          `json:"recovery_met"`
	DataLossMet bool          `json:"data_loss_met"`
	Met         bool          `json:"met"`
}

// Shortfall describes what the result missed, or "" when it is met.
func (r TestResult) Shortfall() string {
	var s string
	if !r.RecoveryMet {
		s = fmt.Sprintf("recovery took %s against an RTO of %s", r.Recovery, r.Objectives.RTO)
	}
	if !r.DataLossMet {
		if s != "" {
			s += "; "
		}
		s += fmt.Sprintf("%s of data lost against an RPO of %s", r.DataLoss, r.Objectives.RPO)
	}
	return s
}

// JudgeTest derives the result of a measurement against the agreed objectives.
func JudgeTest(m TestMeasurement, o Objectives) TestResult {
	r := TestResult{Service: m.Service, Recovery: m.Recovery, DataLoss: m.DataLoss, Objectives: o}
	r.RecoveryMet = m.Recovery <= o.RTO
	r.DataLossMet = m.DataLoss <= o.RPO
	r.Met = r.RecoveryMet && r.DataLossMet
	return r
}

// Deficiency is one deficiency a review found, with the action it leads
// to (CON-11). One naming a Service answers that service's result not met
// (its Finding then defaults to the shortfall); one without a Service is
// a deficiency the reviewer found besides, and describes itself.
type Deficiency struct {
	Service string `json:"service,omitempty"`
	Finding string `json:"finding"`
	Action  string `json:"action"`
}

// Test is the record of one continuity test of a plan (CON-07, CON-09).
type Test struct {
	sms.Meta
	Status TestStatus `json:"status"`
	Plan   string     `json:"plan"`
	// PlanVersion is the version of the plan the test was run against.
	PlanVersion  int              `json:"plan_version,omitempty"`
	Scenario     string           `json:"scenario"`
	Scheduled    time.Time        `json:"scheduled"`
	Participants []string         `json:"participants,omitempty"`
	Evidence     []string         `json:"evidence,omitempty"`
	Started      time.Time        `json:"started,omitzero"`
	Ended        time.Time        `json:"ended,omitzero"`
	Results      []TestResult     `json:"results,omitempty"`
	Conclusions  string           `json:"conclusions,omitempty"`
	Deficiencies []Deficiency     `json:"deficiencies,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Parties      sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Test) EntityKind() sms.Kind { return TestKind }

// State implements [sms.Entity].
func (x *Test) State() string { return string(x.Status) }

// SetState implements [sms.Entity].
func (x *Test) SetState(s string) { x.Status = TestStatus(s) }

// Attributes implements [sms.Entity].
func (x *Test) Attributes() sms.Attributes {
	at := sms.Attributes{}
	if x.Plan != "" {
		at.Links = []sms.Link{{Type: "continuity_plan", ID: x.Plan}}
	}
	return at
}

// Clone implements [sms.Entity].
func (x *Test) Clone() *Test {
	c := *x
	c.Participants = slices.Clone(x.Participants)
	c.Evidence = slices.Clone(x.Evidence)
	c.Results = slices.Clone(x.Results)
	c.Deficiencies = slices.Clone(x.Deficiencies)
	c.Parties = slices.Clone(x.Parties)
	return &c
}

// Met reports whether every result met its objectives; false before the
// test is executed.
func (x *Test) Met() bool {
	if len(x.Results) == 0 {
		return false
	}
	for _, r := range x.Results {
		if !r.Met {
			return false
		}
	}
	return true
}

// tstUnanswered returns the services whose result was not met and that no
// deficiency with an action answers (CON-11).
func tstUnanswered(results []TestResult, ds []Deficiency) []string {
	var out []string
	for _, r := range results {
		if r.Met {
			continue
		}
		if !slices.ContainsFunc(ds, func(d Deficiency) bool { return d.Service == r.Service && !sms.Blank(d.Action) }) {
			out = append(out, r.Service)
		}
	}
	return out
}

// TestCommand is the input of one test trigger.
type TestCommand interface {
	sms.Command
	Trigger() TestTrigger
}

// TestSchedule plans a test of a plan: the scenario and when.
type TestSchedule struct {
	ID        string
	Plan      string
	Scenario  string
	Scheduled time.Time
}

// TestMeasurement is what a test measured for one service: how long its
// recovery took and how much data was lost.
type TestMeasurement struct {
	Service  string
	Recovery time.Duration
	DataLoss time.Duration
}

// TestExecution records a test as run: who took part, the evidence, when it
// started and ended, and per service the plan covers what was measured.
type TestExecution struct {
	Participants []string
	Evidence     []string
	Started      time.Time
	Ended        time.Time
	Measurements []TestMeasurement
}

// TestReview reviews an executed test: its conclusions, and every
// deficiency with its action (CON-10, CON-11).
type TestReview struct {
	Conclusions  string
	Deficiencies []Deficiency
}

// TestClosure closes a reviewed test.
type TestClosure struct{}

// TestWithdrawal withdraws a planned test, with the reason.
type TestWithdrawal struct{ Reason string }

// Trigger implements [TestCommand].
func (TestSchedule) Trigger() TestTrigger   { return TriggerScheduleTest }
func (TestExecution) Trigger() TestTrigger  { return TriggerExecuteTest }
func (TestReview) Trigger() TestTrigger     { return TriggerReviewTest }
func (TestClosure) Trigger() TestTrigger    { return TriggerCloseTest }
func (TestWithdrawal) Trigger() TestTrigger { return TriggerWithdrawTest }

// Validate implements [sms.Command].
func (c TestSchedule) Validate() error {
	return sms.FirstError(sms.CheckRef(TestKind, "id", c.ID), sms.CheckRef(TestKind, "plan", c.Plan),
		sms.CheckText(TestKind, "scenario", c.Scenario, sms.MaxText), sms.CheckTime(TestKind, "scheduled", c.Scheduled))
}

// Validate implements [sms.Command]: a test that ended before it started
// is malformed, as are a negative measurement and a service measured twice.
func (c TestExecution) Validate() error {
	err := sms.FirstError(sms.CheckTexts(TestKind, "participants", c.Participants, sms.MaxShort),
		sms.CheckTexts(TestKind, "evidence", c.Evidence, sms.MaxShort),
		sms.CheckTime(TestKind, "started", c.Started), sms.CheckTime(TestKind, "ended", c.Ended))
	if err != nil {
		return err
	}
	if !c.Started.IsZero() && !c.Ended.IsZero() && !c.Ended.After(c.Started) {
		return sms.Invalid(TestKind, "ended", "the test ended at %s, not after it started at %s", c.Ended.Format(time.RFC3339), c.Started.Format(time.RFC3339))
	}
	if len(c.Measurements) > sms.MaxList {
		return sms.Invalid(TestKind, "measurements", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, m := range c.Measurements {
		if m.Service == "" {
			return sms.Invalid(TestKind, "measurements.service", "a measurement names its service")
		}
		if err := sms.CheckRef(TestKind, "measurements.service", m.Service); err != nil {
			return err
		}
		if seen[m.Service] {
			return sms.Invalid(TestKind, "measurements.service", "%q is measured twice", m.Service)
		}
		seen[m.Service] = true
		if m.Recovery < 0 || m.DataLoss < 0 {
			return sms.Invalid(TestKind, "measurements", "%q: a recovery time or data loss is not negative", m.Service)
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c TestReview) Validate() error {
	return sms.FirstError(sms.CheckText(TestKind, "conclusions", c.Conclusions, sms.MaxText), tstCheckDeficiencies(TestKind, c.Deficiencies))
}

func tstCheckDeficiencies(kind sms.Kind, ds []Deficiency) error {
	if len(ds) > sms.MaxList {
		return sms.Invalid(kind, "deficiencies", "more than %d", sms.MaxList)
	}
	for _, d := range ds {
		if err := sms.FirstError(sms.CheckRef(kind, "deficiencies.service", d.Service),
			sms.CheckText(kind, "deficiencies.finding", d.Finding, sms.MaxText), sms.CheckText(kind, "deficiencies.action", d.Action, sms.MaxText)); err != nil {
			return err
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (TestClosure) Validate() error { return nil }

// Validate implements [sms.Command].
func (c TestWithdrawal) Validate() error {
	return sms.CheckText(TestKind, "reason", c.Reason, sms.MaxText)
}

type tstTx = sms.Transition[*Test]

func tstCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func tstGuard(id, text string, check func(*tstTx) bool) sms.Guard[*Test] {
	return sms.Guard[*Test]{Requirement: tstCite(id, text), Check: check}
}

// tstPlan is what a rule's Prepare read of the plan and the requirements.
type tstPlan struct {
	found      bool
	facts      PlanFacts
	objectives map[string]Objectives // agreed only
}

// tstTestable lists the plan statuses a test may be scheduled against.
var tstTestable = []string{"approved", "active", "retest_required"}

// tstFindPlan reads a plan through the host's finder (nil: none is found).
func tstFindPlan(ctx context.Context, plans PlanFinder, id string) (PlanFacts, bool, error) {
	if plans == nil {
		return PlanFacts{}, false, nil
	}
	return sms.Lookup(ctx, id, plans.PlanFacts)
}

func tstPrepared(t *tstTx) *tstPlan {
	p, _ := t.Prepared.(*tstPlan)
	if p == nil {
		return &tstPlan{}
	}
	return p
}

func testDefinition(plans PlanFinder, reqs AgreedRequirements) sms.Definition[*Test] {
	roles := []sms.Role{RoleContinuityManager}
	return sms.Definition[*Test]{
		Kind: TestKind, States: sms.StatesOf(TestStatuses()...), Terminal: sms.StatesOf(TestClosed, TestWithdrawn),
		New: func() *Test { return &Test{} }, Catalogue: TestRequirements(),
		Rules: []sms.Rule[*Test]{
			{
				Trigger: string(TriggerScheduleTest), To: string(TestPlanned), Roles: roles, Command: TestSchedule{},
				Doc: "Plan a test of an approved or active plan: its scenario and when.",
				Prepare: func(ctx context.Context, t *tstTx) error {
					f, ok, err := tstFindPlan(ctx, plans, sms.CommandOf[TestSchedule](t).Plan)
					t.Prepared = &tstPlan{found: ok, facts: f}
					return err
				},
				Guards: []sms.Guard[*Test]{
					tstGuard("CON-07", "a test is of a plan that exists and is approved, active or awaiting its retest", func(t *tstTx) bool {
						p := tstPrepared(t)
						return p.found && slices.Contains(tstTestable, p.facts.Status)
					}),
					tstGuard("CON-09", "a test names its scenario and when it is scheduled", func(t *tstTx) bool {
						c := sms.CommandOf[TestSchedule](t)
						return !sms.Blank(c.Scenario) && !c.Scheduled.IsZero()
					}),
				},
				Apply: func(t *tstTx) {
					c, x := sms.CommandOf[TestSchedule](t), t.Entity
					x.ID, x.Plan, x.Scenario, x.Scheduled = c.ID, c.Plan, c.Scenario, sms.Micro(c.Scheduled)
					x.PlanVersion = tstPrepared(t).facts.Version
					x.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("plan", c.Plan)
					t.Record("scenario", c.Scenario)
					t.RecordTime("scheduled", x.Scheduled)
				},
			},
			{
				Trigger: string(TriggerExecuteTest), From: sms.StatesOf(TestPlanned), To: string(TestExecuted), Roles: roles, Command: TestExecution{},
				Requirement: tstCite("CON-09", "only a planned test is executed, once"),
				Doc:         "Record the test as run; the library derives met or not met per service from the agreed requirements.",
				Prepare: func(ctx context.Context, t *tstTx) error {
					f, ok, err := tstFindPlan(ctx, plans, t.Entity.Plan)
					if err != nil {
						return err
					}
					p := &tstPlan{found: ok, facts: f, objectives: map[string]Objectives{}}
					t.Prepared = p
					if reqs == nil {
						return nil
					}
					for _, m := range sms.CommandOf[TestExecution](t).Measurements {
						o, agreed, err := reqs.Agreed(ctx, m.Service)
						if err != nil {
							return err
						}
						if agreed {
							p.objectives[m.Service] = o
						}
					}
					return nil
				},
				Guards: []sms.Guard[*Test]{
					tstGuard("CON-09", "a test's results record who took part, and when it started and ended, not in the future", func(t *tstTx) bool {
						c := sms.CommandOf[TestExecution](t)
						return len(c.Participants) > 0 && !slices.ContainsFunc(c.Participants, sms.Blank) &&
							!c.Started.IsZero() && c.Ended.After(c.Started) && !c.Ended.After(t.Now)
					}),
					tstGuard("CON-07", "a test measures every service its plan covers, and only those, each against its agreed continuity requirements", func(t *tstTx) bool {
						p, ms := tstPrepared(t), sms.CommandOf[TestExecution](t).Measurements
						if !p.found || len(ms) != len(p.facts.Services) || len(ms) == 0 {
							return false
						}
						for _, m := range ms {
							if _, ok := p.objectives[m.Service]; !ok || !slices.Contains(p.facts.Services, m.Service) {
								return false
							}
						}
						return true
					}),
				},
				Apply: func(t *tstTx) {
					c, x, p := sms.CommandOf[TestExecution](t), t.Entity, tstPrepared(t)
					x.Participants, x.Evidence = slices.Clone(c.Participants), slices.Clone(c.Evidence)
					x.Started, x.Ended = sms.Micro(c.Started), sms.Micro(c.Ended)
					x.PlanVersion = p.facts.Version
					x.Results = nil
					for _, m := range c.Measurements {
						x.Results = append(x.Results, JudgeTest(m, p.objectives[m.Service]))
					}
					for _, who := range c.Participants {
						t.Record("participant", who)
					}
					for _, e := range c.Evidence {
						t.Record("evidence", e)
					}
					t.RecordTime("started", x.Started)
					t.RecordTime("ended", x.Ended)
					for _, r := range x.Results {
						verdict := "met"
						if !r.Met {
							verdict = "not met: " + r.Shortfall()
						}
						t.Record("result", fmt.Sprintf("%s: recovery %s (RTO %s), data loss %s (RPO %s): %s", r.Service, r.Recovery, r.Objectives.RTO, r.DataLoss, r.Objectives.RPO, verdict))
					}
				},
			},
			{
				Trigger: string(TriggerReviewTest), From: sms.StatesOf(TestExecuted), To: string(TestReviewed), Roles: roles, Command: TestReview{},
				Requirement: tstCite("CON-10", "only an executed test is reviewed, once"),
				Doc:         "Review the test: its conclusions, and an action for every deficiency, each objective not met included.",
				Guards: []sms.Guard[*Test]{
					tstGuard("CON-10", "a review records its conclusions", func(t *tstTx) bool {
						return !sms.Blank(sms.CommandOf[TestReview](t).Conclusions)
					}),
					tstGuard("CON-11", "every deficiency found, each objective not met included, has an action", func(t *tstTx) bool {
						ds := sms.CommandOf[TestReview](t).Deficiencies
						for _, d := range ds {
							if sms.Blank(d.Action) || (sms.Blank(d.Finding) && !slices.ContainsFunc(t.Entity.Results, func(r TestResult) bool { return r.Service == d.Service && !r.Met })) {
								return false
							}
						}
						return len(tstUnanswered(t.Entity.Results, ds)) == 0
					}),
				},
				Apply: func(t *tstTx) {
					c, x := sms.CommandOf[TestReview](t), t.Entity
					x.Conclusions = c.Conclusions
					x.Deficiencies = nil
					for _, d := range c.Deficiencies {
						if sms.Blank(d.Finding) {
							for _, r := range x.Results {
								if r.Service == d.Service {
									d.Finding = r.Shortfall()
								}
							}
						}
						x.Deficiencies = append(x.Deficiencies, d)
					}
					x.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
					t.Record("conclusions", c.Conclusions)
					for _, d := range x.Deficiencies {
						t.Record("deficiency", d.Finding)
						t.Record("action", d.Action)
					}
				},
			},
			{
				Trigger: string(TriggerCloseTest), From: sms.StatesOf(TestReviewed), To: string(TestClosed), Roles: roles, Command: TestClosure{},
				Requirement: tstCite("CON-10", "only a reviewed test is closed"),
				Doc:         "Close a reviewed test.",
				Guards: []sms.Guard[*Test]{
					{Requirement: tstCite("CON-10", "a test is closed only once its review is recorded"), RecordOnly: true,
						Check: func(t *tstTx) bool { return !sms.Blank(t.Entity.Conclusions) }},
					{Requirement: tstCite("CON-11", "a test is closed only when every objective not met has an action"), RecordOnly: true,
						Check: func(t *tstTx) bool { return len(tstUnanswered(t.Entity.Results, t.Entity.Deficiencies)) == 0 }},
				},
				Apply: func(*tstTx) {},
			},
			{
				Trigger: string(TriggerWithdrawTest), From: sms.StatesOf(TestPlanned), To: string(TestWithdrawn), Roles: roles, Command: TestWithdrawal{},
				Requirement: tstCite("CON-07", "only a test not yet run is withdrawn"),
				Doc:         "Withdraw a planned test, with the reason.",
				Guards: []sms.Guard[*Test]{tstGuard("CON-07", "a withdrawn test gives its reason", func(t *tstTx) bool {
					return !sms.Blank(sms.CommandOf[TestWithdrawal](t).Reason)
				})},
				Apply: func(t *tstTx) {
					t.Entity.Reason = sms.CommandOf[TestWithdrawal](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
		},
	}
}

// TestWorkflow returns the compiled test workflow, for introspection and
// documentation.
func TestWorkflow() *sms.Workflow[*Test] {
	return sms.MustWorkflow(testDefinition(nil, nil))
}

// Tests runs continuity tests on a store (CON-07, CON-09 to CON-11): one
// typed method per trigger, each one transition through the pipeline.
type Tests struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Test, TestTrigger, TestCommand]
	m *sms.Machine[*Test]
}

// NewTests compiles the test workflow, with the host's plans (nil: no
// plan is found, so no test is scheduled) and the agreed requirements the
// results are judged against (nil: none is agreed, so no test is
// recorded), and binds it to the store.
func NewTests(store sms.Store[*Test], plans PlanFinder, reqs AgreedRequirements, opts sms.Options) (*Tests, error) {
	m, r, err := sms.Bind[*Test, TestTrigger, TestCommand](testDefinition(plans, reqs), store, opts)
	if err != nil {
		return nil, err
	}
	return &Tests{Records: r, m: m}, nil
}

// Schedule plans a test of a plan (CON-07).
func (s *Tests) Schedule(ctx context.Context, a sms.Actor, c TestSchedule) (*Test, error) {
	return s.m.Create(ctx, a, c)
}

// Execute records the test as run, its results derived (CON-07, CON-09).
func (s *Tests) Execute(ctx context.Context, a sms.Actor, id string, c TestExecution) (*Test, error) {
	return s.m.Fire(ctx, a, id, string(TriggerExecuteTest), c)
}

// Review reviews an executed test (CON-10, CON-11).
func (s *Tests) Review(ctx context.Context, a sms.Actor, id string, c TestReview) (*Test, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReviewTest), c)
}

// Close closes a reviewed test (CON-10).
func (s *Tests) Close(ctx context.Context, a sms.Actor, id string, c TestClosure) (*Test, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCloseTest), c)
}

// Withdraw withdraws a planned test, with the reason.
func (s *Tests) Withdraw(ctx context.Context, a sms.Actor, id string, c TestWithdrawal) (*Test, error) {
	return s.m.Fire(ctx, a, id, string(TriggerWithdrawTest), c)
}

// Do runs any test command as its typed method does; a [TestSchedule]
// carries its own ID, and id must then be empty.
func (s *Tests) Do(ctx context.Context, a sms.Actor, id string, c TestCommand) (*Test, error) {
	return s.m.Do(ctx, a, id, c)
}

// TestSweep reports each plan not tested within interval as of asOf
// (PLAN_TEST_OVERDUE, CON-07), a pure function: plans maps each plan in
// force to when it became active (or was last tested, if the host knows);
// a test of the plan counts from when it ended once executed (executed,
// reviewed or closed), whether it met its objectives or not. A plan is
// overdue when asOf is after its last test, or its activation, plus
// interval; a non-positive interval is a year of 365 days. Findings come
// in plan ID order.
func TestSweep(plans map[string]time.Time, tests []*Test, interval time.Duration, asOf time.Time) []sms.Finding {
	if interval <= 0 {
		interval = 365 * 24 * time.Hour
	}
	last := make(map[string]time.Time, len(plans))
	for id, t := range plans {
		last[id] = t
	}
	for _, x := range tests {
		if x == nil || x.Ended.IsZero() || (x.Status != TestExecuted && x.Status != TestReviewed && x.Status != TestClosed) {
			continue
		}
		if t, ok := last[x.Plan]; ok && x.Ended.After(t) {
			last[x.Plan] = x.Ended
		}
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	req := TestRequirements()[0]
	var out []sms.Finding
	for _, id := range ids {
		due := last[id].Add(interval)
		if asOf.After(due) {
			out = append(out, sms.Finding{Code: CodePlanTestOverdue, Requirement: req, Kind: PlanKind, EntityID: id,
				Detail: "last tested or activated " + last[id].UTC().Format(time.RFC3339) + ", test due " + due.UTC().Format(time.RFC3339), At: asOf})
		}
	}
	return out
}
