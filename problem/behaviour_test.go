package problem_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKnownErrorLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	require.NotEmpty(t, pr.KnownError)
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	assert.Equal(t, problem.KEDraft, k.Status)
	assert.Equal(t, pr.ID, k.Problem)
	assert.Equal(t, pr.RootCause(), k.RootCause)
	assert.Equal(t, "reconnect the VPN client", k.Workaround)
	assert.Equal(t, []string{"vpn"}, k.Services)
	assert.Equal(t, []string{"vpn-gw-1"}, k.ConfigItems)
	assert.Equal(t, []string{"Tunnel drops at 02:00", "VPN client shows 'peer not responding'"}, k.Symptoms)

	match := problem.Symptoms{Texts: []string{"vpn CLIENT shows: peer not responding!"}}
	found, err := f.svc.KnownErrors().Match(f.ctx, match)
	require.NoError(t, err)
	assert.Empty(t, found, "a draft is not findable")

	_, err = f.svc.KnownErrors().Publish(f.ctx, boss, k.ID, problem.KEPublication{})
	require.NoError(t, err)
	for _, m := range []problem.Symptoms{match, {Service: "vpn"}, {ConfigItems: []string{"vpn-gw-1"}}} {
		found, err = f.svc.KnownErrors().Match(f.ctx, m)
		require.NoError(t, err)
		require.Len(t, found, 1, "match by %+v", m)
		assert.Equal(t, k.ID, found[0].ID)
	}
	found, err = f.svc.KnownErrors().Match(f.ctx, problem.Symptoms{Service: "email", Texts: []string{"mailbox full"}})
	require.NoError(t, err)
	assert.Empty(t, found)

	// Revisions are journaled with old and new values.
	_, err = f.svc.KnownErrors().Revise(f.ctx, boss, k.ID, problem.KERevision{Workaround: "switch to the LTE backup"})
	require.NoError(t, err)
	j, err := f.svc.KnownErrors().Journal(f.ctx, k.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	old, _ := sms.Get(last.Payload, "workaround.old")
	nw, _ := sms.Get(last.Payload, "workaround")
	assert.Equal(t, "reconnect the VPN client", old)
	assert.Equal(t, "switch to the LTE backup", nw)

	// Resolving the problem with a fix retires the known error, pointing
	// at the change.
	f.changes.set("CHG-1", problem.ChangeOpen)
	f.step(t, pr.ID, problem.FixStart{Change: "CHG-1"})
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	pr = f.step(t, pr.ID, problem.Resolution{Type: problem.FixApplied, Notes: "timer raised"})
	assert.Equal(t, problem.ChangeSuccessful, pr.ChangeOutcome)
	k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.KERetired, k.Status)
	assert.Equal(t, "CHG-1", k.Fix)
	found, err = f.svc.KnownErrors().Match(f.ctx, problem.Symptoms{Service: "vpn"})
	require.NoError(t, err)
	assert.Empty(t, found, "a retired known error is not offered")
	smstest.RequireJournal(t, mustJournal(t, f, k.ID), "record", "publish", "revise", "retire")
}

func mustJournal(t *testing.T, f *fixture, keID string) []sms.Entry {
	j, err := f.svc.KnownErrors().Journal(f.ctx, keID)
	require.NoError(t, err)
	return j
}

func TestListKnownErrorsBySymptomKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	k := f.keTo(t, problem.KEPublished)
	page, err := f.svc.KnownErrors().List(f.ctx, problem.KEQuery{Status: []problem.KEStatus{problem.KEPublished},
		Link: sms.Link{Type: problem.LinkSymptom, ID: problem.SymptomKey("  TUNNEL drops at 02:00 ")}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, k.ID, page.Items[0].ID)
	_, err = f.svc.KnownErrors().List(f.ctx, problem.KEQuery{Status: []problem.KEStatus{"bogus"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

func TestSymptomKey(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "tunnel drops at 02 00", problem.SymptomKey("  Tunnel   DROPS at 02:00!"))
	assert.Equal(t, "", problem.SymptomKey("!!! ..."))
	long := problem.SymptomKey(string(make([]byte, 0)) + stringsRepeat("é", 200))
	assert.LessOrEqual(t, len(long), sms.MaxIDLen)
	assert.NoError(t, sms.ValidateID(long))
}

func stringsRepeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestRiskAcceptedByTwoPeople(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	requestRisk(t, f, pr.ID, analyst)
	approve(t, f, pr.ID, manager, problem.RoleProblemManager)
	approve(t, f, pr.ID, owner, problem.RoleServiceOwner)
	pr = f.step(t, pr.ID, problem.Resolution{Type: problem.RiskAccepted, Notes: "gateway replaced in Q3"})
	assert.Equal(t, problem.StatusResolved, pr.Status)
	require.Len(t, pr.Risk.Approvals, 2)
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	assert.Equal(t, problem.KEDraft, k.Status, "an accepted risk leaves the known error in force")

	// A new request starts a fresh round.
	f2 := newFixture(t, problem.DefaultPolicy())
	p2 := f2.to(t, problem.StatusRCA)
	requestRisk(t, f2, p2.ID, analyst)
	approve(t, f2, p2.ID, manager, problem.RoleProblemManager)
	requestRisk(t, f2, p2.ID, analyst)
	p2, err = f2.svc.Get(f2.ctx, p2.ID)
	require.NoError(t, err)
	assert.Empty(t, p2.Risk.Approvals)
}

func TestRecurrenceAndClosure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusResolved)
	f.clk.Advance(3 * 24 * time.Hour)
	pr = f.step(t, pr.ID, problem.Recurrence{Incident: "INC-77", Note: "dropped again in Porto"})
	assert.Equal(t, problem.StatusRCA, pr.Status)
	assert.Equal(t, 1, pr.Recurrences)
	assert.True(t, pr.HasLink(problem.LinkIncident, "INC-77"))
	assert.Empty(t, pr.Resolution)
	assert.True(t, pr.ResolvedAt.IsZero())

	pr = f.step(t, pr.ID, problem.Resolution{Type: problem.CannotReproduce, Notes: "no further drops"})
	_, err := f.svc.Close(f.ctx, boss, pr.ID, problem.Closure{})
	smstest.RequireRefused(t, err, "PRB-07")
	f.clk.Advance(14 * 24 * time.Hour)
	pr = f.step(t, pr.ID, problem.Closure{})
	assert.Equal(t, problem.StatusClosed, pr.Status)

	// A zero observation window closes at once; a duplicate is not watched.
	f0 := newFixture(t, problem.Policy{})
	p0 := f0.to(t, problem.StatusRCA)
	f0.step(t, p0.ID, problem.Resolution{Type: problem.Duplicate, DuplicateOf: "PRB-1", Notes: "same as PRB-1"})
	p0 = f0.step(t, p0.ID, problem.Closure{})
	assert.Equal(t, problem.StatusClosed, p0.Status)
	assert.True(t, p0.HasLink(problem.LinkDuplicateOf, "PRB-1"))
}

func TestPropagation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	f.step(t, pr.ID, problem.Link{Type: problem.LinkIncident, ID: "INC-3"})
	f.notifier.fail["INC-3"] = true
	got, err := f.svc.Propagate(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})
	var pe *problem.PropagationError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, errUnreachable)
	assert.Contains(t, pe.Failed, "INC-3")
	require.NotNil(t, got, "the informed incidents are recorded")
	assert.True(t, got.WasInformed("INC-1", problem.CommunicateWorkaround))
	assert.True(t, got.WasInformed("INC-2", problem.CommunicateWorkaround))
	assert.False(t, got.WasInformed("INC-3", problem.CommunicateWorkaround))
	assert.Equal(t, 1, f.notifier.count("INC-1"))
	c := f.notifier.told["INC-1"][0]
	assert.Equal(t, pr.KnownError, c.KnownError)
	assert.Contains(t, c.Text, "reconnect the VPN client")

	delete(f.notifier.fail, "INC-3")
	got, err = f.svc.Propagate(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})
	require.NoError(t, err)
	assert.True(t, got.WasInformed("INC-3", problem.CommunicateWorkaround))
	assert.Equal(t, 1, f.notifier.count("INC-1"), "an informed incident is not told twice")
	j, err := f.svc.Journal(f.ctx, pr.ID)
	require.NoError(t, err)
	inc, _ := sms.Get(j[len(j)-1].Payload, "incident")
	assert.Equal(t, "INC-3", inc)

	// Every incident unreachable: nothing recorded.
	f.step(t, pr.ID, problem.Link{Type: problem.LinkIncident, ID: "INC-4"})
	f.notifier.fail["INC-4"] = true
	before := f.snap(t, pr.ID)
	got, err = f.svc.Propagate(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})
	require.ErrorAs(t, err, &pe)
	assert.Nil(t, got)
	f.requireUnchanged(t, pr.ID, before)

	// The fix, once applied.
	delete(f.notifier.fail, "INC-4")
	f.changes.set("CHG-1", problem.ChangeOpen)
	f.step(t, pr.ID, problem.FixStart{Change: "CHG-1"})
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	f.step(t, pr.ID, problem.Resolution{Type: problem.FixApplied, Notes: "DPD timer aligned"})
	got, err = f.svc.Propagate(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateFix})
	require.NoError(t, err)
	for _, id := range []string{"INC-1", "INC-2", "INC-3", "INC-4"} {
		assert.True(t, got.WasInformed(id, problem.CommunicateFix), id)
	}
	assert.Equal(t, "CHG-1", f.notifier.told["INC-1"][1].Change)
}

func TestPropagationNeedsANotifier(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	svc := mustService(t, f, problem.Config{Policy: problem.DefaultPolicy()})
	_, err := svc.Propagate(f.ctx, boss, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

func TestChangeLookupFailureStopsTheTransition(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	errDown := errors.New("change service down")
	f.changes.err = errDown
	before := f.snap(t, pr.ID)
	_, err := f.svc.StartFix(f.ctx, boss, pr.ID, problem.FixStart{Change: "CHG-2"})
	assert.ErrorIs(t, err, errDown)
	f.requireUnchanged(t, pr.ID, before)
}

// failingKEStore fails Create or Commit of known errors on demand. It
// holds the store as an sms.Store only, so it does not offer sms.Atomic:
// with it the service takes a known-error step after the problem's commit.
type failingKEStore struct {
	sms.Store[*problem.KnownError]
	fail bool
}

var errDisk = errors.New("disk full")

func (s *failingKEStore) Create(ctx context.Context, k *problem.KnownError, e sms.Entry) error {
	if s.fail {
		return errDisk
	}
	return s.Store.Create(ctx, k, e)
}

func (s *failingKEStore) Commit(ctx context.Context, k *problem.KnownError, v int64, e []sms.Entry) error {
	if s.fail {
		return errDisk
	}
	return s.Store.Commit(ctx, k, v, e)
}

// TestFollowUpAndReconcile: with stores that cannot commit across
// entities, when the known-error step after a committed problem transition
// fails, the error says so, the audit reports it, and Reconcile completes
// it.
func TestFollowUpAndReconcile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	kes := &failingKEStore{Store: f.kes}
	require.False(t, sms.CanCommitAtomically(kes), "the fallback path")
	svc, err := problem.NewService(problem.Stores{Problems: f.problems, KnownErrors: kes}, problem.Config{
		Policy: problem.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
	require.NoError(t, err)
	f.svc = svc
	pr := f.to(t, problem.StatusRCA)
	kes.fail = true
	_, err = f.svc.DeclareKnownError(f.ctx, boss, pr.ID, validCommand(problem.TriggerDeclareKnownError).(problem.KnownErrorDeclaration))
	var fu *problem.FollowUpError
	require.ErrorAs(t, err, &fu)
	assert.ErrorIs(t, err, errDisk)
	assert.ErrorIs(t, err, sms.ErrFollowUp, "committed, but the follow-up failed")
	assert.NotErrorIs(t, err, sms.ErrGuard)
	assert.Equal(t, "record", fu.Step)
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, hasCode(report.Findings(), problem.CodeKnownErrorMissing))

	kes.fail = false
	pr, err = f.svc.Reconcile(f.ctx, boss, pr.ID)
	require.NoError(t, err)
	k, err := f.svc.KnownErrors().Get(f.ctx, pr.KnownError)
	require.NoError(t, err)
	assert.Equal(t, problem.KEDraft, k.Status)

	// The retirement after a fix.
	_, err = f.svc.KnownErrors().Publish(f.ctx, boss, k.ID, problem.KEPublication{})
	require.NoError(t, err)
	f.changes.set("CHG-1", problem.ChangeOpen)
	f.step(t, pr.ID, problem.FixStart{Change: "CHG-1"})
	f.changes.set("CHG-1", problem.ChangeSuccessful)
	kes.fail = true
	_, err = f.svc.Resolve(f.ctx, boss, pr.ID, problem.Resolution{Type: problem.FixApplied, Notes: "fixed"})
	require.ErrorAs(t, err, &fu)
	assert.ErrorIs(t, err, sms.ErrFollowUp)
	assert.ErrorIs(t, err, errDisk)
	assert.Equal(t, "retire", fu.Step)
	report, err = f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, hasCode(report.Findings(), problem.CodeKnownErrorNotRetired))
	kes.fail = false
	_, err = f.svc.Reconcile(f.ctx, boss, pr.ID)
	require.NoError(t, err)
	k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.KERetired, k.Status)
	_, err = f.svc.Reconcile(f.ctx, boss, pr.ID)
	require.NoError(t, err, "reconciling twice changes nothing")
	report, err = f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
}

func hasCode(fs []sms.Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestCandidates(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	asOf := t0.Add(10 * day)
	facts := []problem.IncidentFact{
		{ID: "INC-1", Service: "vpn", ConfigItems: []string{"gw-1"}, Category: "network", OpenedAt: asOf.Add(-6 * day)},
		{ID: "INC-2", Service: "vpn", ConfigItems: []string{"gw-1"}, Category: "network", OpenedAt: asOf.Add(-3 * day)},
		{ID: "INC-3", Service: "vpn", ConfigItems: []string{"gw-1", "gw-1"}, Category: "network", OpenedAt: asOf.Add(-1 * day)},
		{ID: "INC-4", Service: "vpn", ConfigItems: []string{"gw-1"}, Category: "network", OpenedAt: asOf.Add(-9 * day)},                   // outside the window
		{ID: "INC-5", Service: "vpn", ConfigItems: []string{"gw-1"}, Category: "network", OpenedAt: asOf.Add(-2 * day), Problem: "PRB-1"}, // has a problem
		{ID: "INC-6", Service: "mail", ConfigItems: []string{"mx-1"}, OpenedAt: asOf.Add(-2 * day), Major: true},
		{ID: "INC-7", Service: "mail", OpenedAt: asOf.Add(-2 * day), Major: true, NoProblemReason: "a one-off operator error"},
		{ID: "INC-8", Service: "vpn", ConfigItems: []string{"gw-1"}, OpenedAt: asOf.Add(day)}, // after asOf
	}
	got, err := problem.Candidates(facts, problem.DefaultTrendRules(), asOf)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, problem.SourceMajorIncident, got[0].Source)
	assert.Equal(t, []string{"INC-6"}, got[0].Incidents)
	assert.Equal(t, problem.CodeMajorNotConsidered, got[0].Finding(asOf).Code)
	assert.Equal(t, "PRB-14", got[0].Finding(asOf).Requirement.ID)
	c := got[1]
	assert.Equal(t, problem.ByConfigItem, c.By)
	assert.Equal(t, "gw-1", c.Key)
	assert.Equal(t, []string{"INC-1", "INC-2", "INC-3"}, c.Incidents)
	assert.Equal(t, "vpn", c.Service)
	fd := c.Finding(asOf)
	assert.Equal(t, problem.CodeProblemCandidate, fd.Code)
	assert.Equal(t, "PRB-01", fd.Requirement.ID)

	// The candidate logs as a problem from a trend, linked to its incidents.
	f := newFixture(t, problem.DefaultPolicy())
	pr, err := f.svc.Log(f.ctx, boss, c.Report())
	require.NoError(t, err)
	assert.Equal(t, problem.SourceTrend, pr.Source)
	assert.Equal(t, []string{"INC-1", "INC-2", "INC-3"}, pr.Incidents())
	assert.True(t, pr.HasLink(problem.LinkConfigItem, "gw-1"))
	mi, err := f.svc.Log(f.ctx, boss, got[0].Report())
	require.NoError(t, err)
	assert.Equal(t, problem.SourceMajorIncident, mi.Source)

	_, err = problem.Candidates(facts, []problem.TrendRule{{By: "colour", Threshold: 2, Window: day}}, asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	lower, err := f.svc.Candidates(facts, asOf)
	require.NoError(t, err)
	assert.Len(t, lower, 2)
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	stores := problem.Stores{Problems: memstore.New[*problem.Problem](), KnownErrors: memstore.New[*problem.KnownError]()}
	for name, p := range map[string]problem.Policy{
		"negative window":   {ObservationWindow: -1},
		"negative review":   {ReviewEvery: -1},
		"matrix no version": {Matrix: problem.Matrix{Priorities: [][]problem.Priority{{1}}}},
		"ragged matrix":     {Matrix: problem.Matrix{Version: "x", Priorities: [][]problem.Priority{{1, 2}, {1}}}},
		"bad trend rule":    {Trends: []problem.TrendRule{{By: problem.ByService, Threshold: 1, Window: time.Hour}}},
		"empty category":    {Categories: []string{""}},
	} {
		_, err := problem.NewService(stores, problem.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	_, err := problem.NewService(problem.Stores{}, problem.Config{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	svc, err := problem.NewService(stores, problem.Config{})
	require.NoError(t, err, "the zero config works")
	assert.Equal(t, 90*24*time.Hour, svc.Policy().ReviewEvery)
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusRCA)
	before := f.snap(t, pr.ID)
	for _, c := range []problem.Command{
		problem.Classification{Impact: -1}, problem.Link{Type: "printer", ID: "x"}, problem.Link{Type: problem.LinkIncident},
		problem.Resolution{Type: "magic"}, problem.RiskDecision{Role: "ceo", Decision: sms.Approve},
		problem.Propagation{Kind: "rumour"}, problem.Note{}, problem.Cancellation{Reason: "bored"},
		problem.RootCauseAnalysis{RootCause: "x", Undeterminable: true}, problem.FixStart{Change: " bad"},
		problem.Action{Text: string([]byte{0xff})},
	} {
		_, err := f.svc.Do(f.ctx, boss, pr.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%T", c)
	}
	_, err := f.svc.Do(f.ctx, boss, pr.ID, nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Do(f.ctx, boss, pr.ID, report())
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Do(f.ctx, sms.Actor{}, pr.ID, validCommand(problem.TriggerNote))
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Get(f.ctx, "nope")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	_, err = f.svc.KnownErrors().Do(f.ctx, boss, "x", nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	f.requireUnchanged(t, pr.ID, before)
}

func TestListAndPermitted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	a := f.to(t, problem.StatusRCA)
	b := f.to(t, problem.StatusNew)
	page, err := f.svc.List(f.ctx, problem.Query{Link: sms.Link{Type: problem.LinkIncident, ID: "INC-1"}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
	page, err = f.svc.List(f.ctx, problem.Query{Status: []problem.Status{problem.StatusRCA}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, a.ID, page.Items[0].ID)
	_, err = f.svc.List(f.ctx, problem.Query{Status: []problem.Status{"lost"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	n := 0
	require.NoError(t, f.svc.Each(f.ctx, problem.Query{Owner: "pam"}, func(*problem.Problem) bool { n++; return true }))
	assert.Equal(t, 1, n)
	assert.Equal(t, []problem.Trigger{"approve_risk", "note"}, f.svc.Permitted(a, owner))
	assert.Contains(t, f.svc.Permitted(b, boss), problem.TriggerAssess)
	assert.Nil(t, f.svc.Permitted(nil, boss))
}
