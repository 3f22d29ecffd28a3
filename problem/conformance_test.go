package problem_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conformingClosed returns a closed problem record, fixed under a change,
// that passes every check.
func conformingClosed() *problem.Problem {
	p := &problem.Problem{Status: problem.StatusClosed, Summary: "s", Service: "vpn", Source: problem.SourceReactive, LoggedBy: "ida",
		Category: "network", Impact: 1, Urgency: 2, Priority: 2, MatrixVersion: "default-1", Owner: "pam", Investigator: "ana",
		Analysis:   &problem.Analysis{RootCause: "timer too short", RecordedAt: t0, RecordedBy: "ana"},
		Workaround: "reconnect", KnownError: "KE-1", Change: "CHG-1", ChangeOutcome: problem.ChangeSuccessful,
		Resolution: problem.FixApplied, ResolutionNotes: "timer raised", ResolvedAt: t0.Add(time.Hour),
		ObserveUntil: t0.Add(15 * 24 * time.Hour), ClosedAt: t0.Add(16 * 24 * time.Hour)}
	p.ID = "PRB-X"
	return p
}

func conformingKE() *problem.KnownError {
	k := &problem.KnownError{Status: problem.KERetired, Problem: "PRB-X", Title: "t", RootCause: "timer too short",
		Workaround: "reconnect", Services: []string{"vpn"}, PublishedAt: t0, ReviewedAt: t0, RetiredAt: t0.Add(time.Hour), Fix: "CHG-1"}
	k.ID = "KE-1"
	return k
}

func ids(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+"/"+f.Requirement.ID)
	}
	return out
}

// TestChecksReexamineRecords: the checks read the fields, not the status:
// a closed problem without a root cause or justification fails, and so does
// a known error without a workaround or mitigation.
func TestChecksReexamineRecords(t *testing.T) {
	t.Parallel()
	asOf := t0.Add(30 * 24 * time.Hour)
	cases := []struct {
		name     string
		mutate   func(*problem.Problem)
		mutateKE func(*problem.KnownError)
		want     []string
	}{
		{name: "conforming"},
		{name: "closed without root cause or justification", mutate: func(p *problem.Problem) { p.Analysis = nil },
			want: []string{"KNOWN_ERROR_INCOMPLETE/PRB-02", "PROBLEM_RESOLUTION_INCOMPLETE/PRB-02", "FIX_UNVERIFIED/PRB-09"}},
		{name: "closed on a justified undeterminable cause", mutate: func(p *problem.Problem) {
			p.Analysis = &problem.Analysis{Undeterminable: true, Justification: "logs lost"}
			p.KnownError, p.Resolution, p.Change, p.ChangeOutcome = "", problem.CannotReproduce, "", ""
		}},
		{name: "undeterminable without justification", mutate: func(p *problem.Problem) {
			p.Analysis = &problem.Analysis{Undeterminable: true}
			p.KnownError, p.Resolution = "", problem.CannotReproduce
		}, want: []string{"PROBLEM_RESOLUTION_INCOMPLETE/PRB-02"}},
		{name: "known error without workaround", mutateKE: func(k *problem.KnownError) { k.Workaround = "" },
			want: []string{"KNOWN_ERROR_INCOMPLETE/PRB-10"}},
		{name: "problem without workaround", mutate: func(p *problem.Problem) { p.Workaround = "" },
			want: []string{"KNOWN_ERROR_INCOMPLETE/PRB-10"}},
		{name: "known error missing", mutateKE: func(k *problem.KnownError) { k.ID = "KE-other" },
			want: []string{"KNOWN_ERROR_MISSING/PRB-11"}},
		{name: "known error still a draft", mutateKE: func(k *problem.KnownError) { k.Status = problem.KEDraft },
			want: []string{"KNOWN_ERROR_UNPUBLISHED/PRB-12", "KNOWN_ERROR_NOT_RETIRED/PRB-12"}},
		{name: "known error published after the fix", mutateKE: func(k *problem.KnownError) { k.Status = problem.KEPublished; k.ReviewedAt = asOf },
			want: []string{"KNOWN_ERROR_NOT_RETIRED/PRB-12"}},
		{name: "published known error not reviewed", mutate: func(p *problem.Problem) { p.Resolution, p.Change, p.ChangeOutcome = problem.CannotReproduce, "", "" },
			mutateKE: func(k *problem.KnownError) { k.Status, k.ReviewedAt = problem.KEPublished, t0.Add(-100*24*time.Hour) },
			want:     []string{"KE_REVIEW_OVERDUE/PRB-12"}},
		{name: "fix without a successful change", mutate: func(p *problem.Problem) { p.ChangeOutcome = problem.ChangeFailed },
			want: []string{"FIX_UNVERIFIED/PRB-09"}},
		{name: "risk accepted by one person", mutate: func(p *problem.Problem) {
			p.Resolution, p.Change, p.ChangeOutcome = problem.RiskAccepted, "", ""
			p.Risk = &problem.RiskAcceptance{RequestedBy: "ana", Approvals: []sms.Approval{
				{Approver: "duo", Role: problem.RoleProblemManager, Decision: sms.Approve},
				{Approver: "duo", Role: problem.RoleServiceOwner, Decision: sms.Approve}}}
		}, want: []string{"RISK_ACCEPTANCE_UNAPPROVED/PRB-06"}},
		{name: "risk accepted by the requester", mutate: func(p *problem.Problem) {
			p.Resolution, p.Change, p.ChangeOutcome = problem.RiskAccepted, "", ""
			p.Risk = &problem.RiskAcceptance{RequestedBy: "pam", Approvals: []sms.Approval{
				{Approver: "pam", Role: problem.RoleProblemManager, Decision: sms.Approve},
				{Approver: "sol", Role: problem.RoleServiceOwner, Decision: sms.Approve}}}
		}, want: []string{"RISK_ACCEPTANCE_UNAPPROVED/PRB-06"}},
		{name: "risk accepted by the requester of an earlier round", mutate: func(p *problem.Problem) {
			p.Resolution, p.Change, p.ChangeOutcome = problem.RiskAccepted, "", ""
			p.Parties = sms.Participants{{Party: sms.PartyRaiser, ID: "ida", Acted: true},
				{Party: sms.PartyRequester, ID: "pam", Acted: true}, {Party: sms.PartyRequester, ID: "ana", Acted: true}}
			p.Risk = &problem.RiskAcceptance{RequestedBy: "ana", Approvals: []sms.Approval{
				{Approver: "pam", Role: problem.RoleProblemManager, Decision: sms.Approve},
				{Approver: "sol", Role: problem.RoleServiceOwner, Decision: sms.Approve}}}
		}, want: []string{"RISK_ACCEPTANCE_UNAPPROVED/PRB-06"}},
		{name: "risk accepted properly", mutate: func(p *problem.Problem) {
			p.Resolution, p.Change, p.ChangeOutcome = problem.RiskAccepted, "", ""
			p.Risk = &problem.RiskAcceptance{RequestedBy: "ana", Approvals: []sms.Approval{
				{Approver: "pam", Role: problem.RoleProblemManager, Decision: sms.Approve},
				{Approver: "sol", Role: problem.RoleServiceOwner, Decision: sms.Approve}}}
		}, mutateKE: func(k *problem.KnownError) { k.Status, k.ReviewedAt = problem.KEPublished, asOf }},
		{name: "closed inside the observation window", mutate: func(p *problem.Problem) { p.ClosedAt = t0.Add(2 * time.Hour) },
			want: []string{"PROBLEM_RESOLUTION_INCOMPLETE/PRB-07"}},
		{name: "no owner or priority", mutate: func(p *problem.Problem) { p.Owner, p.Priority = "", 0 },
			want: []string{"PROBLEM_CLASSIFICATION_INCOMPLETE/PRB-03", "PROBLEM_CLASSIFICATION_INCOMPLETE/PRB-04"}},
		{name: "from a major incident it does not name", mutate: func(p *problem.Problem) { p.Source = problem.SourceMajorIncident },
			want: []string{"PROBLEM_RECORD_INCOMPLETE/PRB-14"}},
		{name: "cancelled without reason", mutate: func(p *problem.Problem) {
			*p = problem.Problem{Status: problem.StatusCancelled, Summary: "s", Service: "vpn", Source: problem.SourceProactive}
		}, mutateKE: func(k *problem.KnownError) { k.Problem = "" }, want: []string{"PROBLEM_CANCELLATION_UNJUSTIFIED/PRB-03", "KNOWN_ERROR_INCOMPLETE/PRB-11"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, k := conformingClosed(), conformingKE()
			if tc.mutate != nil {
				tc.mutate(p)
			}
			if tc.mutateKE != nil {
				tc.mutateKE(k)
			}
			report, err := problem.Audit([]*problem.Problem{p, nil}, []*problem.KnownError{k, nil}, problem.DefaultPolicy(), asOf)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, ids(report.Findings()))
			assert.Equal(t, len(tc.want) == 0, report.Passed())
		})
	}
}

func TestCheckOneRecord(t *testing.T) {
	t.Parallel()
	p := conformingClosed()
	fs, err := problem.Check(p, problem.DefaultPolicy(), t0)
	require.NoError(t, err)
	assert.Empty(t, fs, "known-error cross checks are skipped for a record on its own")
	p.Analysis = nil
	fs, err = problem.Check(p, problem.Policy{}, t0)
	require.NoError(t, err)
	assert.NotEmpty(t, fs)
	_, err = problem.Check(nil, problem.Policy{}, t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = problem.Check(p, problem.Policy{ReviewEvery: -1}, t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	k := conformingKE()
	k.RootCause = ""
	fs, err = problem.CheckKnownError(k, problem.DefaultPolicy(), t0)
	require.NoError(t, err)
	assert.Equal(t, []string{"KNOWN_ERROR_INCOMPLETE/PRB-02"}, ids(fs))
	_, err = problem.CheckKnownError(nil, problem.DefaultPolicy(), t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestSweep: a published known error not reviewed within the interval is a
// KE_REVIEW_OVERDUE finding until it is reviewed.
func TestSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	k := f.keTo(t, problem.KEPublished)
	fs, err := f.svc.Sweep(f.ctx, f.clk.Now().Add(89*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, fs)
	f.clk.Advance(91 * 24 * time.Hour)
	fs, err = f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, problem.CodeKEReviewOverdue, fs[0].Code)
	assert.Equal(t, k.ID, fs[0].EntityID)
	assert.Equal(t, "PRB-12", fs[0].Requirement.ID)
	_, err = f.svc.KnownErrors().Review(f.ctx, analyst, k.ID, problem.KEReview{Outcome: "still valid"})
	require.NoError(t, err)
	fs, err = f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, fs)
	k, err = f.svc.KnownErrors().Get(f.ctx, k.ID)
	require.NoError(t, err)
	one, err := problem.SweepKnownError(k, problem.DefaultPolicy(), f.clk.Now().Add(100*24*time.Hour))
	require.NoError(t, err)
	assert.Len(t, one, 1)
	_, err = problem.SweepKnownError(nil, problem.DefaultPolicy(), t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestConformAfterAFullStory: records made through the service conform.
func TestConformAfterAFullStory(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	pr := f.to(t, problem.StatusKnownError)
	_, err := f.svc.KnownErrors().Publish(f.ctx, boss, pr.KnownError, problem.KEPublication{})
	require.NoError(t, err)
	f.to(t, problem.StatusCancelled)
	f.to(t, problem.StatusClosed)
	report, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
	pop := map[string]int{}
	for _, r := range report.Results {
		pop[r.Check] = r.Population
	}
	assert.Equal(t, 3, pop["problem-record"])
	assert.Equal(t, 2, pop["known-error-record"])
	assert.Equal(t, 1, pop["problem-resolution"])
}
