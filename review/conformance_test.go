package review_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkflowRecordsConform: every review the workflow produces passes
// every check.
func TestWorkflowRecordsConform(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, s := range review.Statuses() {
		f.to(t, subjectPRB, s)
		f.to(t, subjectCHG, s)
	}
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	pop := map[string]int{}
	clause := map[string]string{}
	for _, r := range rep.Results {
		pop[r.Check] = r.Population
		clause[r.Check] = r.Clause
	}
	assert.Equal(t, map[string]int{sms.CheckRecordVerification: 8, "review-record": 8, "review-performed": 4, "review-actions-followed-up": 2, "review-cancellation": 2}, pop)
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check, "the record-verification result comes first")
	assert.Equal(t, "8.5.1.3, 8.6.3", clause["review-performed"], "a check evidences the clauses of the reviews it examined")

	empty := review.Audit(nil, t0)
	for _, r := range empty.Results {
		assert.Equal(t, "-", r.Clause)
		assert.Zero(t, r.Population)
	}
}

// TestCheckFindings: records that reached their status somehow (imported,
// edited) are re-examined; each failure cites the requirement the review
// evidences with the check's sentence.
func TestCheckFindings(t *testing.T) {
	t.Parallel()
	good := func() *review.Review {
		r := &review.Review{Status: review.StatusClosed, Subject: subjectPRB, Requirement: prb13, Owner: "pam",
			Period: review.Period{From: t0.Add(-30 * day), To: t0}, Inputs: review.Inputs{Summary: "report"},
			Conclusions: "fine", Participants: []string{"pam"}, PerformedAt: t0.Add(time.Hour), PerformedBy: "pam",
			Actions:  []review.Action{{Number: 1, Text: "do it", Owner: "ana", Done: true}},
			ClosedAt: t0.Add(2 * time.Hour)}
		r.ID = "REV-1"
		return r
	}
	fs, err := review.Check(good(), t0)
	require.NoError(t, err)
	require.Empty(t, fs)

	cases := []struct {
		name   string
		change func(*review.Review)
		codes  []string
	}{
		{"no subject", func(r *review.Review) { r.Subject = "" }, []string{review.CodeRecordIncomplete}},
		{"no owner", func(r *review.Review) { r.Owner = "" }, []string{review.CodeRecordIncomplete}},
		{"no period", func(r *review.Review) { r.Period = review.Period{} }, []string{review.CodeRecordIncomplete}},
		{"closed without conclusions", func(r *review.Review) { r.Conclusions = " " }, []string{review.CodePerformanceIncomplete}},
		{"closed without inputs", func(r *review.Review) { r.Inputs = review.Inputs{} }, []string{review.CodePerformanceIncomplete}},
		{"closed without participants", func(r *review.Review) { r.Participants = nil }, []string{review.CodePerformanceIncomplete}},
		{"closed without performer", func(r *review.Review) { r.PerformedBy = "" }, []string{review.CodePerformanceIncomplete}},
		{"performed before the period ended", func(r *review.Review) { r.PerformedAt = t0.Add(-day) }, []string{review.CodePerformanceIncomplete}},
		{"an action without owner", func(r *review.Review) { r.Actions[0].Owner = "" }, []string{review.CodePerformanceIncomplete}},
		{"closed with an open action", func(r *review.Review) { r.Actions[0].Done = false }, []string{review.CodeActionsOpen}},
		{"closed without closing time", func(r *review.Review) { r.ClosedAt = time.Time{} }, []string{review.CodeActionsOpen}},
		{"performed without conclusions", func(r *review.Review) {
			r.Status, r.Conclusions, r.Actions[0].Done = review.StatusPerformed, "", false
		}, []string{review.CodePerformanceIncomplete}},
		{"cancelled without reason", func(r *review.Review) { r.Status = review.StatusCancelled }, []string{review.CodeCancellationUnjustified}},
		{"a planned review is not judged as performed", func(r *review.Review) { r.Status, r.Conclusions = review.StatusPlanned, "" }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := good()
			tc.change(r)
			fs, err := review.Check(r, t0)
			require.NoError(t, err)
			var codes []string
			for _, f := range fs {
				codes = append(codes, f.Code)
				assert.Equal(t, "PRB-13", f.Requirement.ID)
				assert.Equal(t, "8.6.3", f.Requirement.Clause)
				assert.NotEmpty(t, f.Requirement.Text)
				assert.Equal(t, review.Kind, f.Kind)
				assert.Equal(t, "REV-1", f.EntityID)
				assert.Equal(t, t0, f.At)
			}
			assert.Equal(t, tc.codes, codes)
		})
	}

	noReq := good()
	noReq.Requirement = sms.Requirement{}
	fs, err = review.Check(noReq, t0)
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, review.CodeRecordIncomplete, fs[0].Code)
	assert.Equal(t, "no requirement", fs[0].Detail)

	_, err = review.Check(nil, t0)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	rep := review.Audit([]*review.Review{nil, good(), noReq}, t0)
	assert.Len(t, rep.Findings(), 1)
	assert.Equal(t, 2, rep.Results[0].Population)
}
