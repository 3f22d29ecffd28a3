package problem_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	// boss is analyst and problem manager, so that a refusal is the
	// workflow's, not the roles'.
	boss    = actor("ida", problem.RoleAnalyst, problem.RoleProblemManager)
	analyst = actor("ana", problem.RoleAnalyst)
	manager = actor("pam", problem.RoleProblemManager)
	owner   = actor("sol", problem.RoleServiceOwner)
	// dual holds both approving roles.
	dual = actor("duo", problem.RoleProblemManager, problem.RoleServiceOwner)
)

// changes is a fake change management: each change's outcome.
type changes struct {
	mu  sync.Mutex
	out map[string]problem.ChangeOutcome
	err error
}

func (c *changes) set(id string, o problem.ChangeOutcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out[id] = o
}

func (c *changes) ChangeOutcome(_ context.Context, id string) (problem.ChangeOutcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return "", c.err
	}
	o, ok := c.out[id]
	if !ok {
		return "", fmt.Errorf("change %s: %w", id, sms.ErrNotFound)
	}
	return o, nil
}

// notifier is a fake incident management: it records what each incident
// was told, and fails for the incidents in fail; tried counts the calls
// for each incident, failed or not.
type notifier struct {
	mu    sync.Mutex
	told  map[string][]problem.Communication
	fail  map[string]bool
	tried map[string]int
}

var errUnreachable = errors.New("incident service unreachable")

func (n *notifier) Inform(_ context.Context, _ sms.Actor, id string, c problem.Communication) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tried == nil {
		n.tried = map[string]int{}
	}
	n.tried[id]++
	if n.fail[id] {
		return errUnreachable
	}
	n.told[id] = append(n.told[id], c)
	return nil
}

func (n *notifier) count(id string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.told[id])
}

func (n *notifier) tries(id string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tried[id]
}

type fixture struct {
	tb       testing.TB
	svc      *problem.Service
	problems *memstore.Store[*problem.Problem]
	kes      *memstore.Store[*problem.KnownError]
	clk      *clock
	changes  *changes
	notifier *notifier
	ctx      context.Context
}

func newFixture(t testing.TB, p problem.Policy) *fixture {
	t.Helper()
	f := &fixture{
		tb:       t,
		problems: memstore.New[*problem.Problem](),
		kes:      memstore.New[*problem.KnownError](),
		clk:      smstest.NewClock(t0),
		changes:  &changes{out: map[string]problem.ChangeOutcome{"CHG-2": problem.ChangeOpen, "CHG-9": problem.ChangeSuccessful}},
		notifier: &notifier{told: map[string][]problem.Communication{}, fail: map[string]bool{}},
		ctx:      context.Background(),
	}
	svc, err := problem.NewService(problem.Stores{Problems: f.problems, KnownErrors: f.kes}, problem.Config{
		Policy: p, Options: sms.Options{Now: f.clk.Now}, Changes: f.changes, Incidents: f.notifier})
	require.NoError(t, err)
	f.svc = svc
	return f
}

// t returns the test the fixture serves.
func (f *fixture) t() testing.TB { return f.tb }

func report() problem.Report {
	return problem.Report{Summary: "VPN tunnels drop every night", Service: "vpn", Source: problem.SourceTrend,
		Incidents: []string{"INC-1", "INC-2"}, ConfigItems: []string{"vpn-gw-1"}, Symptoms: []string{"Tunnel drops at 02:00"}}
}

func (f *fixture) log(t testing.TB) *problem.Problem {
	t.Helper()
	pr, err := f.svc.Log(f.ctx, boss, report())
	require.NoError(t, err)
	return pr
}

// step fires a command as boss and requires success.
func (f *fixture) step(t testing.TB, id string, c problem.Command) *problem.Problem {
	t.Helper()
	f.clk.Advance(time.Minute)
	pr, err := f.svc.Do(f.ctx, boss, id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return pr
}

// validCommand returns a command for the trigger that satisfies every guard
// under DefaultPolicy, given a problem prepared by [fixture.to] and
// [prepare].
func validCommand(tr problem.Trigger) problem.Command {
	switch tr {
	case problem.TriggerClassify:
		return problem.Classification{Category: "network", Impact: problem.High, Urgency: problem.Medium}
	case problem.TriggerAssess:
		return problem.Assessment{Owner: "pam"}
	case problem.TriggerStartRCA:
		return problem.RCAStart{Investigator: "ana"}
	case problem.TriggerAnalyse:
		return problem.RootCauseAnalysis{RootCause: "the gateway's DPD timer is shorter than the nightly backup's stall", Method: "5 whys",
			PreventiveActions: []string{"align DPD timers"}}
	case problem.TriggerDeclareKnownError:
		return problem.KnownErrorDeclaration{Workaround: "reconnect the VPN client", Symptoms: []string{"VPN client shows 'peer not responding'"}}
	case problem.TriggerStartFix:
		return problem.FixStart{Change: "CHG-2"}
	case problem.TriggerRequestRiskAcceptance:
		return problem.RiskRequest{Rationale: "the gateway is replaced next quarter"}
	case problem.TriggerApproveRisk:
		return problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Approve, Rationale: "acceptable until replacement"}
	case problem.TriggerResolve:
		return problem.Resolution{Type: problem.CannotReproduce, Notes: "no drop in two weeks of tracing"}
	case problem.TriggerRecur:
		return problem.Recurrence{Incident: "INC-3"}
	case problem.TriggerClose:
		return problem.Closure{}
	case problem.TriggerCancel:
		return problem.Cancellation{Reason: problem.CancelRaisedInError}
	case problem.TriggerEscalate:
		return problem.Escalation{Target: "network-architects", Reason: "design question"}
	case problem.TriggerRecordAction:
		return problem.Action{Text: "traced the tunnel for a night"}
	case problem.TriggerLink:
		return problem.Link{Type: problem.LinkIncident, ID: "INC-4"}
	case problem.TriggerPropagate:
		return problem.Propagation{Kind: problem.CommunicateWorkaround}
	case problem.TriggerNote:
		return problem.Note{Text: "discussed at the weekly review"}
	}
	panic("no valid command for " + string(tr))
}

// to drives a new problem to the status through the workflow, along the
// fullest path: the root cause is recorded in rca, a known error declared
// before a fix, and a fix applied to resolve.
func (f *fixture) to(t testing.TB, status problem.Status) *problem.Problem {
	t.Helper()
	pr := f.log(t)
	id := pr.ID
	do := func(c problem.Command) { pr = f.step(t, id, c) }
	do(validCommand(problem.TriggerClassify))
	switch status {
	case problem.StatusNew:
		return pr
	case problem.StatusCancelled:
		do(validCommand(problem.TriggerCancel))
		return pr
	}
	do(validCommand(problem.TriggerAssess))
	if status == problem.StatusAssessed {
		return pr
	}
	do(validCommand(problem.TriggerStartRCA))
	do(validCommand(problem.TriggerAnalyse))
	if status == problem.StatusRCA {
		return pr
	}
	do(validCommand(problem.TriggerDeclareKnownError))
	if status == problem.StatusKnownError {
		return pr
	}
	f.changes.set("CHG-1", problem.ChangeOpen)
	do(problem.FixStart{Change: "CHG-1"})
	if status == problem.StatusFixInProgress {
		return pr
	}
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	do(problem.Resolution{Type: problem.FixApplied, Notes: "DPD timer raised by CHG-1"})
	if status == problem.StatusResolved {
		return pr
	}
	f.clk.Advance(15 * 24 * time.Hour)
	do(validCommand(problem.TriggerClose))
	require.Equal(t, status, pr.Status)
	return pr
}

// prepare takes the extra steps an allowed trigger needs beyond the
// status: a risk acceptance requested by someone else before an approval,
// the observation window passed before closing.
func (f *fixture) prepare(t testing.TB, id string, tr problem.Trigger) {
	t.Helper()
	switch tr {
	case problem.TriggerApproveRisk:
		_, err := f.svc.RequestRiskAcceptance(f.ctx, analyst, id, problem.RiskRequest{Rationale: "replacement planned"})
		require.NoError(t, err)
	case problem.TriggerClose:
		f.clk.Advance(15 * 24 * time.Hour)
	}
}

// snapshot captures what is stored for a problem and its known errors, to
// prove a refusal changed nothing.
type snapshot struct{ doc, journal, kes string }

func (f *fixture) snap(t testing.TB, id string) snapshot {
	t.Helper()
	pr, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	j, err := f.svc.Journal(f.ctx, id)
	require.NoError(t, err)
	d, _ := json.Marshal(pr)
	jj, _ := json.Marshal(j)
	return snapshot{string(d), string(jj), f.knownErrors(t)}
}

// knownErrors returns what is stored of every known error.
func (f *fixture) knownErrors(t testing.TB) string {
	t.Helper()
	page, err := f.svc.KnownErrors().List(f.ctx, problem.KEQuery{Limit: sms.MaxLimit})
	require.NoError(t, err)
	k, _ := json.Marshal(page.Items)
	return string(k)
}

func (f *fixture) requireUnchanged(t testing.TB, id string, before snapshot) {
	t.Helper()
	after := f.snap(t, id)
	require.Equal(t, before.doc, after.doc, "a refused transition changed the stored problem")
	require.Equal(t, before.journal, after.journal, "a refused transition changed the journal")
	require.Equal(t, before.kes, after.kes, "a refused transition changed the known errors")
}

// keTo takes a known error to the status: drafted by declaring a problem a
// known error, then published or retired.
func (f *fixture) keTo(t testing.TB, status problem.KEStatus) *problem.KnownError {
	t.Helper()
	pr := f.to(t, problem.StatusKnownError)
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	if status == problem.KEDraft {
		return k
	}
	k, err = f.svc.KnownErrors().Publish(f.ctx, boss, k.ID, problem.KEPublication{})
	require.NoError(t, err)
	if status == problem.KEPublished {
		return k
	}
	k, err = f.svc.KnownErrors().Retire(f.ctx, boss, k.ID, problem.KERetirement{Reason: "superseded"})
	require.NoError(t, err)
	return k
}

func validKECommand(tr problem.KETrigger) problem.KECommand {
	switch tr {
	case problem.KETriggerRevise:
		return problem.KERevision{Workaround: "reconnect, or use the backup gateway", Note: "second workaround"}
	case problem.KETriggerPublish:
		return problem.KEPublication{Note: "approved at the weekly review"}
	case problem.KETriggerReview:
		return problem.KEReview{Outcome: "workaround still valid"}
	case problem.KETriggerRetire:
		return problem.KERetirement{Reason: "the gateway was replaced"}
	case problem.KETriggerNote:
		return problem.KENote{Text: "seen again in Porto"}
	}
	panic("no valid known-error command for " + string(tr))
}
