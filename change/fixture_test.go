package change_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	requester   = actor("rita", change.RoleRequester)
	manager     = actor("max", change.RoleChangeManager)
	cab1        = actor("cara", change.RoleCAB)
	cab2        = actor("cole", change.RoleCAB)
	ecab        = actor("eve", change.RoleEmergencyAuthority)
	implementer = actor("ivan", change.RoleImplementer)
	owner       = actor("olga", change.RoleServiceOwner)
	planner     = actor("tom", change.RoleTransitionManager)
	// boss holds every role but is neither requester nor implementer nor
	// author, so that a refusal is the workflow's, not RBAC's or SoD's: the
	// fixture has the requester submit and the implementer implement.
	boss = actor("ida", change.RoleRequester, change.RoleChangeManager, change.RoleCAB, change.RoleEmergencyAuthority,
		change.RoleImplementer, change.RoleServiceOwner, change.RoleTransitionManager)
)

// stores groups the in-memory stores of a fixture.
type stores struct {
	changes   *memstore.Store[*change.Change]
	plans     *memstore.Store[*change.TransitionPlan]
	templates *memstore.Store[*change.Template]
}

func newStores() stores {
	return stores{memstore.New[*change.Change](), memstore.New[*change.TransitionPlan](), memstore.New[*change.Template]()}
}

func (s stores) of() change.Stores {
	return change.Stores{Changes: s.changes, Plans: s.plans, Templates: s.templates}
}

type fixture struct {
	svc      *change.Service
	st       stores
	clk      *clock
	ctx      context.Context
	released map[string]bool // releases the lookup reports approved
	ids      atomic.Int64
	prefix   string // of the IDs the fixture makes up
}

func newFixture(t testing.TB, p change.Policy) *fixture {
	t.Helper()
	f := &fixture{st: newStores(), clk: smstest.NewClock(t0), ctx: context.Background(), released: map[string]bool{"REL-1": true}}
	var mu sync.Mutex
	lookup := change.ReleaseLookupFunc(func(_ context.Context, id string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return f.released[id], nil
	})
	svc, err := change.NewService(f.st.of(), change.Config{Policy: p, Releases: lookup, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc
	return f
}

func (f *fixture) id(kind string) string { return fmt.Sprintf("%s%s-%d", f.prefix, kind, f.ids.Add(1)) }

// request returns a valid request of the model.
func request(model string) change.Request {
	r := change.Request{Summary: "Upgrade the payroll application to 4.2", Requester: "rita", Type: change.TypeModify, Model: model,
		Category: "software", Services: []string{"payroll"}, ConfigItems: []change.ConfigItem{{ID: "app-1", Type: "application"}},
		Reason: "security fixes in 4.2"}
	if model == change.ModelNameEmergency {
		r.Justification = "actively exploited vulnerability"
	}
	return r
}

func evaluation() change.Evaluation {
	dim := func(s string) change.Dimension { return change.Dimension{Notes: s} }
	return change.Evaluation{Likelihood: 2, Impact: 2, Benefit: "closes CVE-2026-1", Feasibility: "vendor-supported upgrade", Cost: "EUR 2,000",
		Dimensions: change.ImpactAssessment{Services: change.Dimension{Affected: true, Notes: "payroll down 30 minutes"},
			Parties: dim("users warned, outside pay run"), Plans: dim("no SMS plan affected"), Capacity: dim("no capacity change"),
			Schedule: dim("no other change on payroll this week")},
		Remediation: change.RemediationPlan{Plan: "restore the 4.1 snapshot", Tested: true}}
}

// valid returns a command for the trigger that satisfies every guard,
// given a change prepared for it (see ready).
func (f *fixture) valid(tr change.Trigger) change.Command {
	now := f.clk.Now()
	switch tr {
	case change.TriggerAmend:
		return change.Amendment{Description: "adds the 4.2 tax tables"}
	case change.TriggerSubmit:
		return change.Submission{}
	case change.TriggerSubmitEmergency:
		return change.EmergencySubmission{Justification: "exploited in the wild", Remediation: change.RemediationPlan{Plan: "restore snapshot", Tested: true}}
	case change.TriggerSubmitStandard:
		return change.StandardSubmission{}
	case change.TriggerAssess:
		return evaluation()
	case change.TriggerRecordAssessment:
		return change.Retrospective{Evaluation: evaluation()}
	case change.TriggerApprove:
		return change.Approval{Rationale: "low risk, tested rollback"}
	case change.TriggerAuthorize:
		return change.Authorization{Priority: 3, Minutes: "CAB 2026-03-04"}
	case change.TriggerReject:
		return change.Rejection{Reason: "no business case"}
	case change.TriggerSchedule:
		return change.Scheduling{Window: change.Window{Start: now.Add(-time.Hour), End: now.Add(4 * time.Hour)},
			Plan: "stop, upgrade, migrate, start, smoke test", Implementer: "ivan", Parties: []string{"payroll-users", "service-desk"}}
	case change.TriggerNotify:
		return change.Notification{Parties: []string{"payroll-users"}, Message: "payroll unavailable 22:00-02:00"}
	case change.TriggerStart:
		return change.Implementation{Verification: "build 4.2.0 checksum verified", TestResult: "all 212 regression tests pass"}
	case change.TriggerComplete:
		return change.Completion{Outcome: change.OutcomeSuccessful}
	case change.TriggerFail:
		return change.Failure{Reason: "database migration aborted", Incidents: []string{"INC-9"}}
	case change.TriggerRemediated:
		return change.Remedy{Outcome: change.OutcomeRolledBack, Notes: "4.1 snapshot restored, service back"}
	case change.TriggerReview:
		return change.PIR{ObjectivesMet: true, Summary: "upgrade effective",
			Actions: []change.FollowUp{{Action: "automate smoke tests", Owner: "ivan", AgreedWith: "payroll owner"}}}
	case change.TriggerClose:
		return change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: f.prefix + "app-1", Ref: "CMDB-77"}}}
	case change.TriggerCancel:
		return change.Cancellation{Reason: "superseded by CHG-2"}
	case change.TriggerLink:
		return change.Link{Type: change.LinkProblem, ID: "PRB-1"}
	case change.TriggerNote:
		return change.Note{Text: "called the vendor"}
	}
	panic("no valid command for " + string(tr))
}

// as returns who fires the trigger in the fixture's changes: the
// requester submits and the implementer implements, since the acting
// requester and implementer never approve (CHG-19) and an approver never
// implements; boss does the rest.
func as(tr change.Trigger) sms.Actor {
	switch tr {
	case change.TriggerSubmit, change.TriggerSubmitEmergency, change.TriggerSubmitStandard:
		return requester
	case change.TriggerStart, change.TriggerComplete, change.TriggerFail:
		return implementer
	}
	return boss
}

// step fires a valid command as the trigger's actor (see as) and requires
// success.
func (f *fixture) step(t testing.TB, id string, tr change.Trigger) *change.Change {
	t.Helper()
	return f.do(t, id, f.valid(tr))
}

// do fires a command as the trigger's actor (see as) and requires success.
func (f *fixture) do(t testing.TB, id string, c change.Command) *change.Change {
	t.Helper()
	f.clk.Advance(time.Minute)
	chg, err := f.svc.Do(f.ctx, as(c.Trigger()), id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return chg
}

// template creates an active standard-change template covering payroll
// applications.
func (f *fixture) template(t testing.TB) *change.Template {
	t.Helper()
	tpls := f.svc.Templates()
	tpl, err := tpls.Propose(f.ctx, manager, change.TemplateProposal{ID: f.id("TPL"), Name: "payroll patch", Model: change.ModelNameStandard,
		Author: "max", Procedure: "apply vendor patch with the runbook",
		Remediation: change.RemediationPlan{Plan: "uninstall the patch", Tested: true}, Services: []string{f.prefix + "payroll"}, ItemTypes: []string{"application"}})
	require.NoError(t, err)
	f.clk.Advance(time.Minute)
	_, err = tpls.Approve(f.ctx, boss, tpl.ID, change.TemplateApproval{Rationale: "proven 20 times"})
	require.NoError(t, err)
	f.clk.Advance(time.Minute)
	tpl, err = tpls.Activate(f.ctx, manager, tpl.ID, change.TemplateActivation{})
	require.NoError(t, err)
	return tpl
}

// raise raises a change of the model; a standard change gets an active
// template.
func (f *fixture) raise(t testing.TB, model string) *change.Change {
	t.Helper()
	r := request(model)
	r.ID = f.id("CHG")
	if f.prefix != "" { // a shared database: services and items of the run's own
		r.Services = []string{f.prefix + "payroll"}
		r.ConfigItems = []change.ConfigItem{{ID: f.prefix + "app-1", Type: "application"}}
	}
	if model == change.ModelNameStandard {
		r.Template = f.template(t).ID
	}
	chg, err := f.svc.Raise(f.ctx, requester, r)
	require.NoError(t, err)
	return chg
}

// ready runs the in-place steps that make the trigger's valid command
// acceptable in the change's current status.
func (f *fixture) ready(t testing.TB, chg *change.Change, tr change.Trigger) *change.Change {
	t.Helper()
	switch {
	case tr == change.TriggerAuthorize && chg.Status == change.StatusAuthorize:
		chg = f.step(t, chg.ID, change.TriggerApprove)
	case tr == change.TriggerSchedule && chg.Status == change.StatusScheduled:
		f.clk.Advance(50 * time.Hour) // past the normal model's lead time
	case tr == change.TriggerNotify && chg.Status == change.StatusScheduled:
		chg = f.schedule(t, chg.ID)
	case tr == change.TriggerStart && chg.Status == change.StatusScheduled:
		chg = f.schedule(t, chg.ID)
		chg = f.step(t, chg.ID, change.TriggerNotify)
	case tr == change.TriggerClose && chg.Status == change.StatusReview:
		if chg.ModelType == change.ModelEmergency && chg.Assessment == nil {
			f.step(t, chg.ID, change.TriggerRecordAssessment)
		}
		chg = f.step(t, chg.ID, change.TriggerReview)
	}
	return chg
}

func (f *fixture) schedule(t testing.TB, id string) *change.Change {
	t.Helper()
	f.clk.Advance(50 * time.Hour)
	return f.step(t, id, change.TriggerSchedule)
}

// to drives a new change of the model to the status through the workflow.
func (f *fixture) to(t testing.TB, model string, status change.Status) *change.Change {
	t.Helper()
	chg := f.raise(t, model)
	id := chg.ID
	step := func(tr change.Trigger) {
		chg = f.ready(t, chg, tr)
		chg = f.step(t, id, tr)
	}
	if status == change.StatusDraft {
		return chg
	}
	if status == change.StatusCancelled {
		step(change.TriggerCancel)
		return chg
	}
	switch model {
	case change.ModelNameNormal:
		step(change.TriggerSubmit)
		if status == change.StatusAssess {
			return chg
		}
		if status == change.StatusRejected {
			step(change.TriggerReject)
			return chg
		}
		step(change.TriggerAssess)
	case change.ModelNameEmergency:
		step(change.TriggerSubmitEmergency)
		if status == change.StatusRejected {
			step(change.TriggerReject)
			return chg
		}
	case change.ModelNameStandard:
		step(change.TriggerSubmitStandard)
	}
	if status == change.StatusAuthorize {
		return chg
	}
	if chg.Status == change.StatusAuthorize {
		step(change.TriggerAuthorize)
	}
	if status == change.StatusScheduled {
		return chg
	}
	step(change.TriggerStart)
	switch status {
	case change.StatusImplement:
		return chg
	case change.StatusRemediating:
		step(change.TriggerFail)
		return chg
	}
	step(change.TriggerComplete)
	if status == change.StatusReview {
		return chg
	}
	step(change.TriggerClose)
	require.Equal(t, status, chg.Status)
	return chg
}

// snapshot captures what is stored for a record, to prove a refusal
// changed nothing.
type snapshot = smstest.Snapshot

func (f *fixture) snap(t testing.TB, id string) snapshot {
	t.Helper()
	return smstest.Snap(t, f.svc, id)
}

func (f *fixture) requireUnchanged(t testing.TB, id string, before snapshot) {
	t.Helper()
	smstest.RequireUnchanged(t, f.svc, id, before)
}
