package incident_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lastEntry(t *testing.T, f *fixture, id string) sms.Entry {
	t.Helper()
	j, err := f.svc.Journal(f.ctx, id)
	require.NoError(t, err)
	require.NoError(t, sms.VerifyJournal(j))
	return j[len(j)-1]
}

func payload(e sms.Entry, key string) string {
	v, _ := sms.Get(e.Payload, key)
	return v
}

func TestPriorityFromMatrix(t *testing.T) {
	t.Parallel()
	custom := incident.DefaultPolicy()
	custom.Matrix = incident.Matrix{Version: "2026-02", Priorities: [][]incident.Priority{
		{1, 1, 2, 2}, {1, 2, 3, 3}, {2, 3, 4, 5},
	}}
	cases := []struct {
		policy          incident.Policy
		impact, urgency incident.Level
		want            incident.Priority
		version         string
	}{
		{incident.DefaultPolicy(), 1, 1, 1, "default-1"},
		{incident.DefaultPolicy(), 2, 1, 2, "default-1"},
		{incident.DefaultPolicy(), 1, 3, 3, "default-1"},
		{incident.DefaultPolicy(), 3, 3, 5, "default-1"},
		{custom, 1, 4, 2, "2026-02"},
		{custom, 3, 4, 5, "2026-02"},
		{custom, 2, 2, 2, "2026-02"},
	}
	for _, tc := range cases {
		f := newFixture(t, tc.policy)
		inc := f.log(t)
		got, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: tc.impact, Urgency: tc.urgency})
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.Priority, "impact %d urgency %d", tc.impact, tc.urgency)
		assert.Equal(t, tc.version, got.MatrixVersion)
		assert.Empty(t, got.OverrideReason)
		e := lastEntry(t, f, inc.ID)
		assert.Equal(t, tc.version, payload(e, "matrix_version"))
		assert.Equal(t, strconv.Itoa(int(tc.want)), payload(e, "priority"))
	}
}

func TestPriorityOverrideAndReclassification(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	inc, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 3, Urgency: 3})
	require.NoError(t, err)
	require.Equal(t, incident.Priority(5), inc.Priority)

	inc, err = f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "security", Service: "vpn-eu",
		Impact: 3, Urgency: 3, Priority: 1, OverrideReason: "board meeting depends on it", ConfigItems: []string{"gw-2"}})
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(1), inc.Priority)
	assert.Equal(t, "board meeting depends on it", inc.OverrideReason)
	assert.Equal(t, "vpn-eu", inc.Service)
	assert.True(t, inc.HasLink(incident.LinkConfigItem, "gw-2"))

	e := lastEntry(t, f, inc.ID)
	assert.Equal(t, "network", payload(e, "category.old"), "reclassification journals the old value")
	assert.Equal(t, "security", payload(e, "category"))
	assert.Equal(t, "vpn", payload(e, "service.old"))
	assert.Equal(t, "5", payload(e, "priority.old"))
	assert.Equal(t, "1", payload(e, "priority"))
	assert.Equal(t, "board meeting depends on it", payload(e, "override_reason"))
}

func TestSecurityRiskWeighsInPriority(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	plain, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "security", Impact: 3, Urgency: 2})
	require.NoError(t, err)
	require.Equal(t, incident.Priority(4), plain.Priority)
	sec, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "security", Impact: 3, Urgency: 2,
		Security: true, SecurityRisk: incident.High})
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(2), sec.Priority, "a high security risk outweighs a low impact")
	assert.Equal(t, incident.High, sec.SecurityRisk)
	// A low risk never lowers the priority the impact gives.
	low, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "security", Impact: 1, Urgency: 2,
		Security: true, SecurityRisk: incident.Low})
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(2), low.Priority)
}

func TestServiceLevelTimers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t) // reported at t0-5m
	reported := inc.ReportedAt
	inc, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 2, Urgency: 1}) // P2
	require.NoError(t, err)
	assert.Equal(t, reported.Add(30*time.Minute), inc.SLA.ResponseDue)
	assert.Equal(t, reported.Add(8*time.Hour), inc.SLA.ResolutionDue)

	f.clk.Advance(10 * time.Minute)
	inc, err = f.svc.Assign(f.ctx, desk, inc.ID, incident.Assignment{Group: "net"})
	require.NoError(t, err)
	assert.Equal(t, f.clk.Now(), inc.SLA.RespondedAt, "the first assignment stops the response timer")
	_, err = f.svc.Assign(f.ctx, desk, inc.ID, incident.Assignment{Assignee: "rui"})
	require.NoError(t, err)
	inc, err = f.svc.Start(f.ctx, resolver, inc.ID, incident.WorkStart{})
	require.NoError(t, err)
	assert.Equal(t, "net", inc.Group, "assigning a person keeps the group")
	assert.Equal(t, "rui", inc.Assignee)

	// A hold for the caller pauses the resolution timer; resuming extends it.
	inc, err = f.svc.Hold(f.ctx, resolver, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
	require.NoError(t, err)
	assert.Equal(t, f.clk.Now(), inc.SLA.PausedSince)
	f.clk.Advance(3 * time.Hour)
	// While paused, the sweep does not count the paused time.
	findings, err := incident.Sweep(inc, f.svc.Policy(), reported.Add(9*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, findings, "a paused timer is not breached by paused time")
	inc, err = f.svc.Resume(f.ctx, resolver, inc.ID, incident.Resumption{})
	require.NoError(t, err)
	assert.Equal(t, 3*time.Hour, inc.SLA.Paused)
	assert.Equal(t, reported.Add(11*time.Hour), inc.SLA.ResolutionDue)
	assert.True(t, inc.SLA.PausedSince.IsZero())
	assert.Empty(t, inc.HoldReason)

	// A hold for a change does not pause the timer under the default policy.
	inc, err = f.svc.Hold(f.ctx, resolver, inc.ID, incident.Suspension{Reason: incident.HoldChange, Ref: "CHG-7"})
	require.NoError(t, err)
	assert.True(t, inc.SLA.PausedSince.IsZero())
	assert.True(t, inc.HasLink(incident.LinkChange, "CHG-7"))

	findings, err = incident.Sweep(inc, f.svc.Policy(), reported.Add(11*time.Hour+time.Second))
	require.NoError(t, err)
	require.Equal(t, []string{incident.CodeSLABreached, incident.CodeEscalationDue}, codes(findings),
		"breached, and never escalated although three quarters of the target had elapsed")
	assert.Equal(t, "INC-15", findings[0].Requirement.ID)
	assert.Equal(t, "INC-04", findings[1].Requirement.ID)
}

// TestEscalationDue: INC-04's automatic escalation. The sweep reports an
// unresolved, unescalated incident once the policy's share of its
// resolution target has elapsed; an escalation clears it.
func TestEscalationDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorNone) // P1: resolution target 4h
	threshold := inc.ReportedAt.Add(3 * time.Hour)                // 75%
	at := func(asOf time.Time) []string {
		fs, err := incident.Sweep(inc, f.svc.Policy(), asOf)
		require.NoError(t, err)
		return codes(fs)
	}
	assert.NotContains(t, at(threshold.Add(-time.Second)), incident.CodeEscalationDue)
	assert.Contains(t, at(threshold), incident.CodeEscalationDue)
	inc, err := f.svc.Escalate(f.ctx, resolver, inc.ID, incident.Escalation{Kind: incident.Hierarchical, Target: "ops-manager", Reason: "target at risk"})
	require.NoError(t, err)
	assert.NotContains(t, at(threshold), incident.CodeEscalationDue)

	off := incident.DefaultPolicy()
	off.EscalateAt = 0
	g := newFixture(t, off)
	other := g.to(t, incident.StatusInProgress, incident.MajorNone)
	fs, err := incident.Sweep(other, off, other.ReportedAt.Add(3*time.Hour+time.Minute))
	require.NoError(t, err)
	assert.NotContains(t, codes(fs), incident.CodeEscalationDue, "zero disables automatic escalation")

	bad := incident.DefaultPolicy()
	bad.EscalateAt = 1.5
	_, err = incident.NewService(memstoreFor(), incident.Config{Policy: bad})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestSecuritySummary: INC-14's analysis of security incidents by type,
// volume and impact.
func TestSecuritySummary(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	classify := func(category string, impact, risk incident.Level, security bool) {
		inc := f.log(t)
		_, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: category, Impact: impact, Urgency: 2,
			Security: security, SecurityRisk: risk})
		require.NoError(t, err)
	}
	classify("phishing", 2, 1, true)
	classify("phishing", 3, 2, true)
	classify("malware", 2, 1, true)
	classify("printing", 2, 0, false)
	sum, err := f.svc.Security(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Total)
	assert.Equal(t, 3, sum.Open)
	assert.Equal(t, map[string]int{"phishing": 2, "malware": 1}, sum.ByCategory)
	assert.Equal(t, map[incident.Level]int{2: 2, 3: 1}, sum.ByImpact)
	assert.Equal(t, map[incident.Level]int{1: 2, 2: 1}, sum.ByRisk)
	assert.Equal(t, map[string]int{"vpn": 3}, sum.ByService)
	assert.Equal(t, 0, incident.Security([]*incident.Incident{nil}).Total)
}

func TestResponseBreach(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	inc, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 1, Urgency: 1}) // P1: 15 min
	require.NoError(t, err)
	findings, err := incident.Sweep(inc, f.svc.Policy(), inc.ReportedAt.Add(14*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, findings)
	findings, err = incident.Sweep(inc, f.svc.Policy(), inc.ReportedAt.Add(16*time.Minute))
	require.NoError(t, err)
	require.Len(t, findings, 1)
	assert.Contains(t, findings[0].Detail, "response")
}

func TestEscalationCounters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorNone)
	for i, k := range []incident.EscalationKind{incident.Functional, incident.Hierarchical, incident.Functional} {
		var err error
		inc, err = f.svc.Escalate(f.ctx, resolver, inc.ID, incident.Escalation{Kind: k, Target: "l3", Reason: "stuck"})
		require.NoError(t, err, "escalation %d", i)
	}
	assert.Equal(t, 2, inc.FunctionalLevel)
	assert.Equal(t, 1, inc.HierarchicalLevel)
	assert.Equal(t, incident.StatusInProgress, inc.Status, "escalation never hides the work status")
	e := lastEntry(t, f, inc.ID)
	assert.Equal(t, "escalate", e.Trigger)
	assert.Equal(t, "2", payload(e, "level"))
	assert.Equal(t, "stuck", e.Reason)
}

func TestReopenCycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusResolved, incident.MajorNone)
	require.NotEmpty(t, inc.ResolutionCode)
	inc, err := f.svc.Reopen(f.ctx, caller, inc.ID, incident.Reopening{Reason: "still broken"})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusInProgress, inc.Status)
	assert.Equal(t, 1, inc.ReopenCount)
	assert.Empty(t, inc.ResolutionCode, "a rejected resolution is cleared; the journal keeps it")
	assert.True(t, inc.ResolvedAt.IsZero())
	e := lastEntry(t, f, inc.ID)
	assert.Equal(t, "still broken", e.Reason)
	assert.Equal(t, "workaround", payload(e, "rejected_code"))

	f.clk.Advance(time.Hour)
	_, err = f.svc.Resolve(f.ctx, resolver, inc.ID, incident.Resolution{Code: "fixed", Notes: "replaced the gateway", RestoredAt: f.clk.Now()})
	require.NoError(t, err)
	inc, err = f.svc.Close(f.ctx, caller, inc.ID, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusClosed, inc.Status)
	assert.Equal(t, 1, inc.ReopenCount)
	assert.Equal(t, "fixed", inc.ResolutionCode)

	findings, err := incident.Check(inc, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, findings, "an incident closed through the workflow conforms")
}

func TestAutoClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusResolved, incident.MajorNone)
	auto := incident.Closure{Code: "no_answer", Confirmation: incident.AutoClosed}
	f.clk.Advance(3*24*time.Hour - 2*time.Minute)
	_, err := f.svc.Close(f.ctx, desk, inc.ID, auto)
	smstest.RequireRefused(t, err, "INC-06")
	f.clk.Advance(2 * time.Minute)
	inc, err = f.svc.Close(f.ctx, desk, inc.ID, auto)
	require.NoError(t, err)
	assert.Equal(t, incident.AutoClosed, inc.Confirmation)
	findings, err := incident.Check(inc, f.svc.Policy(), f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, findings)
}

func TestMajorIncidentTrack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	id := inc.ID
	_, err := f.svc.Classify(f.ctx, desk, id, incident.Classification{Category: "network", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	inc, err = f.svc.ProposeMajor(f.ctx, desk, id, incident.MajorProposal{Reason: "office offline"})
	require.NoError(t, err)
	assert.Equal(t, incident.MajorCandidate, inc.Major.State)
	inc, err = f.svc.AcceptMajor(f.ctx, mim, id, incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3"})
	require.NoError(t, err)
	assert.Equal(t, incident.MajorAccepted, inc.Major.State)
	assert.Equal(t, "default-1", inc.Major.CriteriaVersion)
	assert.Equal(t, []string{"priority<=1"}, inc.Major.CriteriaMet)
	acceptedAt := inc.Major.AcceptedAt

	// Management not yet notified: overdue after the notify window.
	findings, err := incident.Sweep(inc, f.svc.Policy(), acceptedAt.Add(59*time.Minute))
	require.NoError(t, err)
	assert.NotContains(t, codes(findings), incident.CodeMajorUpdateOverdue)
	findings, err = incident.Sweep(inc, f.svc.Policy(), acceptedAt.Add(61*time.Minute))
	require.NoError(t, err)
	assert.Contains(t, codes(findings), incident.CodeMajorUpdateOverdue)

	f.clk.Advance(20 * time.Minute)
	inc, err = f.svc.NotifyManagement(f.ctx, mim, id, incident.Notification{Audience: "top_management", Summary: "outage, bridge open"})
	require.NoError(t, err)
	assert.Equal(t, 1, inc.Major.Notifications)
	inc, err = f.svc.HandOverMajor(f.ctx, mim, id, incident.Handover{Manager: "max", Note: "shift change"})
	require.NoError(t, err)
	assert.Equal(t, "max", inc.Major.Manager)
	assert.Equal(t, "mia", payload(lastEntry(t, f, id), "manager.old"))

	for _, c := range []incident.Command{validCommand(incident.TriggerAssign), validCommand(incident.TriggerStart),
		validCommand(incident.TriggerRecordAction)} {
		f.step(t, id, c)
	}
	f.clk.Advance(time.Hour)
	inc, err = f.svc.Resolve(f.ctx, resolver, id, incident.Resolution{Code: "fixed", Notes: "n", RestoredAt: f.clk.Now()})
	require.NoError(t, err)
	assert.Equal(t, inc.ResolvedAt.Add(5*24*time.Hour), inc.Major.ReviewDue)
	_, err = f.svc.Close(f.ctx, caller, id, validCommand(incident.TriggerClose).(incident.Closure))
	smstest.RequireRefused(t, err, "INC-10") // the final notification is missing
	_, err = f.svc.NotifyManagement(f.ctx, mim, id, incident.Notification{Audience: "top_management", Summary: "resolved"})
	require.NoError(t, err)
	assert.Equal(t, "true", payload(lastEntry(t, f, id), "final"))
	// Lenient mode: the incident closes before its review ...
	inc, err = f.svc.Close(f.ctx, caller, id, validCommand(incident.TriggerClose).(incident.Closure))
	require.NoError(t, err)
	// ... and the missing review is a finding once due.
	findings, err = incident.Sweep(inc, f.svc.Policy(), inc.Major.ReviewDue.Add(-time.Second))
	require.NoError(t, err)
	assert.NotContains(t, codes(findings), incident.CodeMajorReviewOverdue)
	findings, err = incident.Sweep(inc, f.svc.Policy(), inc.Major.ReviewDue.Add(time.Second))
	require.NoError(t, err)
	assert.Contains(t, codes(findings), incident.CodeMajorReviewOverdue)
	assert.NotContains(t, codes(findings), incident.CodeMajorUpdateOverdue, "no updates are due once resolved")
	// The review is still accepted after closure, and clears the finding.
	inc, err = f.svc.ReviewMajor(f.ctx, mim, id, incident.Review{Summary: "single gateway", Actions: []string{"PRB-1"}})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusClosed, inc.Status)
	assert.Equal(t, "mia", inc.Major.ReviewedBy)
	findings, err = incident.Sweep(inc, f.svc.Policy(), inc.Major.ReviewDue.Add(time.Hour))
	require.NoError(t, err)
	assert.NotContains(t, codes(findings), incident.CodeMajorReviewOverdue)
	assert.Equal(t, []string{incident.CodeSLABreached}, codes(findings), "the late first response stays a fact")
	all, err := incident.Check(inc, f.svc.Policy(), inc.Major.ReviewDue.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, all)
	require.NoError(t, f.svc.Verify(f.ctx, id))
}

func TestRejectAndReproposeMajor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorRejected)
	assert.Equal(t, incident.MajorRejected, inc.Major.State)
	assert.Equal(t, "only one user affected", inc.Major.RejectedReason)
	inc, err := f.svc.ProposeMajor(f.ctx, resolver, inc.ID, incident.MajorProposal{Reason: "now the whole floor"})
	require.NoError(t, err)
	assert.Equal(t, incident.MajorCandidate, inc.Major.State)
	assert.Empty(t, inc.Major.RejectedReason)
	// An override accepts a candidate the criteria do not support.
	_, err = f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 3, Urgency: 3})
	require.NoError(t, err)
	inc, err = f.svc.AcceptMajor(f.ctx, mim, inc.ID, incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3",
		OverrideReason: "CEO's floor"})
	require.NoError(t, err)
	assert.Empty(t, inc.Major.CriteriaMet)
	assert.Equal(t, "CEO's floor", inc.Major.OverrideReason)
}

func TestLinksAndListing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	a := f.to(t, incident.StatusInProgress, incident.MajorNone)
	b := f.to(t, incident.StatusOnHold, incident.MajorNone)
	c := f.to(t, incident.StatusNew, incident.MajorNone)
	for _, id := range []string{a.ID, c.ID} {
		_, err := f.svc.Link(f.ctx, desk, id, incident.Link{Type: incident.LinkProblem, ID: "PRB-7"})
		require.NoError(t, err)
	}
	// Linking twice is idempotent on the record, journaled each time.
	inc, err := f.svc.Link(f.ctx, desk, a.ID, incident.Link{Type: incident.LinkProblem, ID: "PRB-7"})
	require.NoError(t, err)
	n := 0
	for _, l := range inc.Links {
		if l == (sms.Link{Type: incident.LinkProblem, ID: "PRB-7"}) {
			n++
		}
	}
	assert.Equal(t, 1, n)

	ids := func(q incident.Query) []string {
		var out []string
		require.NoError(t, f.svc.Each(f.ctx, q, func(i *incident.Incident) bool { out = append(out, i.ID); return true }))
		return out
	}
	assert.Equal(t, sorted(a.ID, c.ID), ids(incident.Query{Link: sms.Link{Type: incident.LinkProblem, ID: "PRB-7"}}))
	assert.Equal(t, []string{b.ID}, ids(incident.Query{Status: []incident.Status{incident.StatusOnHold}}))
	assert.Equal(t, sorted(a.ID, b.ID), ids(incident.Query{Owner: "rui", Limit: 1}))
	assert.Equal(t, sorted(a.ID, b.ID, c.ID), ids(incident.Query{Service: "vpn"}))
	assert.Equal(t, sorted(b.ID), ids(incident.Query{Link: sms.Link{Type: incident.LinkSupplier, ID: "VENDOR-991"}}))
	// Each stops when told to.
	count := 0
	require.NoError(t, f.svc.Each(f.ctx, incident.Query{Limit: 1}, func(*incident.Incident) bool { count++; return false }))
	assert.Equal(t, 1, count)
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestConvertAndDuplicate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	orig := f.log(t)
	dup := f.log(t)
	inc, err := f.svc.Cancel(f.ctx, desk, dup.ID, incident.Cancellation{Reason: incident.CancelDuplicate, DuplicateOf: orig.ID})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusCancelled, inc.Status)
	assert.True(t, inc.HasLink(incident.LinkDuplicateOf, orig.ID))

	conv, err := f.svc.ConvertToRequest(f.ctx, desk, orig.ID, incident.Conversion{RequestID: "REQ-9"})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusCancelled, conv.Status)
	assert.Equal(t, incident.CancelNotAnIncident, conv.CancelReason)
	assert.True(t, conv.HasLink(incident.LinkRequest, "REQ-9"))
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
}

func TestJournalRecordsWhoWhenWhat(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.log(t)
	f.clk.Advance(90 * time.Second)
	_, err := f.svc.AddNote(f.ctx, caller, inc.ID, incident.Note{Text: "it is urgent"})
	require.NoError(t, err)
	j, err := f.svc.Journal(f.ctx, inc.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "log", "note")
	e := j[1]
	assert.Equal(t, caller, e.Actor)
	assert.Equal(t, t0.Add(90*time.Second), e.At)
	assert.Equal(t, "new", e.From)
	assert.Equal(t, "new", e.To)
	assert.Equal(t, incident.Kind, e.Kind)
	assert.Equal(t, int64(2), e.Seq)
	assert.Equal(t, j[0].Hash, e.Prev)
	assert.Equal(t, []sms.Field{{Key: "text", Value: "it is urgent"}}, e.Payload)
	assert.Equal(t, desk, j[0].Actor)
	assert.Equal(t, "", j[0].From)
}

func TestPermitted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusResolved, incident.MajorNone)
	assert.Equal(t, []incident.Trigger{"close", "note", "reopen"}, f.svc.Permitted(inc, caller))
	assert.Equal(t, []incident.Trigger{"link", "note"}, f.svc.Permitted(inc, resolver))
	assert.Equal(t, []incident.Trigger{"hand_over_major", "link", "note", "notify_management", "review_major"}, f.svc.Permitted(inc, mim))
	assert.Nil(t, f.svc.Permitted(nil, caller))
}

// TestCallerCopyUntouched: a transition returns a new copy; the copy a caller
// held before is never modified, and modifying a returned copy changes
// nothing stored.
func TestCallerCopyUntouched(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusInProgress, incident.MajorNone)
	held := inc.Clone()
	next, err := f.svc.Link(f.ctx, desk, inc.ID, incident.Link{Type: incident.LinkProblem, ID: "PRB-1"})
	require.NoError(t, err)
	assert.Equal(t, held, inc, "the caller's copy changed")
	next.Links[0].ID = "tampered"
	next.Summary = "tampered"
	stored, err := f.svc.Get(f.ctx, inc.ID)
	require.NoError(t, err)
	assert.NotEqual(t, "tampered", stored.Summary)
	assert.NotEqual(t, "tampered", stored.Links[0].ID)
}

func codes(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}
