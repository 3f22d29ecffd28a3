package problem_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const day = 24 * time.Hour

func jun(d, hour int) time.Time { return time.Date(2026, 6, d, hour, 0, 0, 0, time.UTC) }

// effectivenessFixture is a small population whose report is computed by
// hand in TestEffectiveness.
func effectivenessFixture() ([]*problem.Problem, []*problem.KnownError, []problem.IncidentFact) {
	pr := func(id string, status problem.Status, category string, created time.Time) *problem.Problem {
		p := &problem.Problem{Status: status, Category: category}
		p.ID, p.CreatedAt = id, created
		return p
	}
	cause := func(at time.Time) *problem.Analysis { return &problem.Analysis{RootCause: "found", RecordedAt: at} }

	p1 := pr("P1", problem.StatusClosed, "network", jun(1, 0))
	p1.Links = []sms.Link{{Type: problem.LinkConfigItem, ID: "vpn-gw-1"}}
	p1.Analysis, p1.Resolution, p1.ResolvedAt = cause(jun(3, 0)), problem.FixApplied, jun(10, 0)
	p2 := pr("P2", problem.StatusResolved, "database", jun(5, 0))
	p2.Links = []sms.Link{{Type: problem.LinkConfigItem, ID: "db-1"}, {Type: problem.LinkIncident, ID: "F7"}}
	p2.Analysis, p2.Resolution, p2.ResolvedAt = cause(jun(9, 12)), problem.RiskAccepted, jun(20, 0)
	p3 := pr("P3", problem.StatusResolved, "network", jun(2, 0))
	p3.Resolution, p3.ResolvedAt = problem.Duplicate, jun(4, 0)
	p4 := pr("P4", problem.StatusRCA, "storage", jun(20, 0))
	p4.Analysis, p4.Recurrences = cause(jun(21, 0)), 1
	p5 := pr("P5", problem.StatusKnownError, "email", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC))
	p5.Analysis = cause(jun(6, 0))
	p6 := pr("P6", problem.StatusCancelled, "network", jun(1, 0))
	p7 := pr("P7", problem.StatusNew, "network", time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC))
	p8 := pr("P8", problem.StatusClosed, "", jun(10, 0))
	p8.Analysis = &problem.Analysis{Undeterminable: true, Justification: "no trace", RecordedAt: jun(12, 0)}
	p8.Resolution, p8.ResolvedAt = problem.CannotReproduce, jun(15, 0)

	ke := func(id string, status problem.KEStatus, created time.Time) *problem.KnownError {
		k := &problem.KnownError{Status: status}
		k.ID, k.CreatedAt = id, created
		return k
	}
	kes := []*problem.KnownError{
		ke("K1", problem.KEPublished, jun(6, 0)),
		ke("K2", problem.KERetired, jun(3, 0)),
		ke("K3", problem.KEDraft, jun(29, 12)),
		ke("K4", problem.KEDraft, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)),
		nil,
	}
	facts := []problem.IncidentFact{
		{ID: "F3", Category: "network", OpenedAt: jun(25, 0)},
		{ID: "F1", ConfigItems: []string{"vpn-gw-1"}, OpenedAt: jun(5, 0)},
		{ID: "F2", ConfigItems: []string{"vpn-gw-1"}, Category: "network", OpenedAt: jun(12, 0)},
		{ID: "F4", ConfigItems: []string{"db-1"}, OpenedAt: jun(21, 0)},
		{ID: "F5", ConfigItems: []string{"db-1"}, OpenedAt: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)},
		{ID: "F6", ConfigItems: []string{"other"}, OpenedAt: jun(16, 0)},
		{ID: "F7", Category: "database", OpenedAt: jun(11, 0)},
		{ID: "", Category: "network", OpenedAt: jun(26, 0)},
	}
	return []*problem.Problem{p1, p2, p3, p4, p5, p6, p7, p8, nil}, kes, facts
}

// TestEffectiveness checks the report on a population computed by hand
// (PRB-13), as of June 30:
//
//   - 7 problems logged by then (P7 comes later): P4, P5 open; P1, P2, P3,
//     P8 resolved or closed; P6 cancelled.
//   - resolved problems, duplicates aside, in resolution order: P1 (June
//     10) recurs through F2 (its item, June 12) and F3 (its category, June
//     25), not F1 (before); P8 (June 15) has neither item nor category;
//     P2 (June 20) recurs through F4 (its item), not F7 (before) nor F5
//     (after June 30). 2 of 3 recurred, 3 incidents; P4 was reopened once.
//   - root causes determined: P4 1d, P1 2d, P2 4d 12h, P5 6d (P8's is
//     undeterminable): median (2d + 4d 12h) / 2 = 3d 6h, mean 13d 12h / 4
//     = 3d 9h.
//   - open problems: P5 30d, P4 10d: median 20d. Known errors by then: K1,
//     K2, K3; open: K1 24d, K3 12h: median 12d 6h.
func TestEffectiveness(t *testing.T) {
	t.Parallel()
	problems, kes, facts := effectivenessFixture()
	asOf := jun(30, 0)
	r := problem.Effectiveness(problems, kes, facts, asOf)

	assert.Equal(t, asOf, r.AsOf)
	assert.Equal(t, 7, r.Problems)
	assert.Equal(t, 2, r.Open)
	assert.Equal(t, 4, r.Resolved)
	assert.Equal(t, 1, r.Cancelled)
	assert.Equal(t, []problem.AfterResolution{
		{Problem: "P1", Resolution: problem.FixApplied, ResolvedAt: jun(10, 0), Incidents: []string{"F2", "F3"}},
		{Problem: "P8", Resolution: problem.CannotReproduce, ResolvedAt: jun(15, 0)},
		{Problem: "P2", Resolution: problem.RiskAccepted, ResolvedAt: jun(20, 0), Incidents: []string{"F4"}},
	}, r.Resolutions)
	assert.Equal(t, 2, r.Recurring)
	assert.Equal(t, 3, r.RecurringIncidents)
	assert.InDelta(t, 2.0/3.0, r.RecurrenceRate, 1e-9)
	assert.Equal(t, 1, r.ReopenedForRecurrence)

	assert.Equal(t, 4, r.RootCauses)
	assert.Equal(t, 3*day+6*time.Hour, r.MedianTimeToRootCause)
	assert.Equal(t, 3*day+9*time.Hour, r.MeanTimeToRootCause)

	assert.Equal(t, []problem.Age{{ID: "P5", Age: 30 * day}, {ID: "P4", Age: 10 * day}}, r.OpenProblems)
	assert.Equal(t, 30*day, r.OldestOpenProblem)
	assert.Equal(t, 20*day, r.MedianOpenProblemAge)
	assert.Equal(t, 3, r.KnownErrors)
	assert.Equal(t, []problem.Age{{ID: "K1", Age: 24 * day}, {ID: "K3", Age: 12 * time.Hour}}, r.OpenKnownErrors)
	assert.Equal(t, 24*day, r.OldestOpenKnownError)
	assert.Equal(t, 12*day+6*time.Hour, r.MedianOpenKnownErrorAge)

	assert.Equal(t, "Problem resolution as of 2026-06-30: 7 problem(s) (2 open, 4 resolved or closed, 1 cancelled). "+
		"Recurrence: 2 of 3 resolved problem(s) recurred, 3 incident(s) on the same configuration item or category after resolution "+
		"(P1: F2, F3; P2: F4); 1 reopened inside the observation window. "+
		"Time to root cause: median 3d 6h, mean 3d 9h over 4 problem(s). "+
		"Open problems: 2, oldest 30d (P5), median age 20d. Open known errors: 2, oldest 24d (K1), median age 12d 6h.", r.Summary())

	// Earlier, less has happened: as of June 14, P2 is not resolved yet
	// (it is counted as resolved by its status, but only resolutions by
	// then are followed), F3 and F4 have not been opened.
	early := problem.Effectiveness(problems, kes, facts, jun(14, 0))
	require.Len(t, early.Resolutions, 1)
	assert.Equal(t, []string{"F2"}, early.Resolutions[0].Incidents)
}

// TestEffectivenessEmpty: nothing to report is reported as such, with
// empty lists rather than nil ones, and a summary that says so.
func TestEffectivenessEmpty(t *testing.T) {
	t.Parallel()
	r := problem.Effectiveness(nil, nil, nil, jun(30, 0))
	assert.Zero(t, r.Problems)
	assert.NotNil(t, r.Resolutions)
	assert.NotNil(t, r.OpenProblems)
	assert.NotNil(t, r.OpenKnownErrors)
	assert.Zero(t, r.RecurrenceRate)
	assert.Equal(t, "Problem resolution as of 2026-06-30: 0 problem(s) (0 open, 0 resolved or closed, 0 cancelled). "+
		"Recurrence: 0 of 0 resolved problem(s) recurred, 0 incident(s) on the same configuration item or category after resolution; "+
		"0 reopened inside the observation window. Time to root cause: no root cause determined. Open problems: 0. Open known errors: 0.",
		r.Summary())
}

// TestServiceEffectiveness: the service's report over the store equals
// the pure function over the same records.
func TestServiceEffectiveness(t *testing.T) {
	t.Parallel()
	f := newFixture(t, problem.DefaultPolicy())
	f.to(t, problem.StatusKnownError)
	f.to(t, problem.StatusClosed)
	f.to(t, problem.StatusCancelled)
	f.clk.Advance(3 * day)
	facts := []problem.IncidentFact{{ID: "INC-9", ConfigItems: []string{"vpn-gw-1"}, OpenedAt: f.clk.Now().Add(-day)}}
	got, err := f.svc.Effectiveness(f.ctx, facts, f.clk.Now())
	require.NoError(t, err)

	var problems []*problem.Problem
	require.NoError(t, f.svc.Each(f.ctx, problem.Query{}, func(p *problem.Problem) bool { problems = append(problems, p); return true }))
	page, err := f.svc.KnownErrors().List(f.ctx, problem.KEQuery{})
	require.NoError(t, err)
	want := problem.Effectiveness(problems, page.Items, facts, f.clk.Now())
	assert.Equal(t, want, got)
	assert.Equal(t, 3, got.Problems)
	assert.Equal(t, 1, got.Recurring, "the closed problem recurs through INC-9 on its configuration item")
	assert.Equal(t, 2, got.RootCauses)
}

// TestEffectivenessRequirement: PRB-13 is listed among the package's
// requirements, and the review schedule's values name it.
func TestEffectivenessRequirement(t *testing.T) {
	t.Parallel()
	r := problem.EffectivenessRequirement()
	assert.Equal(t, "PRB-13", r.ID)
	assert.Equal(t, "8.6.3", r.Clause)
	assert.Contains(t, problem.Requirements(), r)
	assert.Equal(t, "problem_effectiveness", problem.ReviewSubject)
	assert.Equal(t, "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE", problem.CodeEffectivenessReviewOverdue)
}
