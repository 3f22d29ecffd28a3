package release_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func findingIDs(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Requirement.ID)
	}
	return out
}

// TestChecksReexamineRecords: the checks read the fields, not the status: a
// closed release stripped of what the workflow demanded fails them.
func TestChecksReexamineRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	closed := f.to(t, release.StatusClosed)
	asOf := f.clk.Now()
	start := closed.Deployment.StartedAt
	cases := []struct {
		name   string
		mutate func(*release.Release)
		want   []string
	}{
		{"conforming", func(*release.Release) {}, nil},
		{"unknown type", func(r *release.Release) { r.Type = "weekly" }, []string{"REL-01"}},
		{"no change", func(r *release.Release) { r.Changes = nil }, []string{"REL-03"}},
		{"no window", func(r *release.Release) { r.Windows = nil }, []string{"REL-04"}},
		{"a criterion without result", func(r *release.Release) { r.Results = r.Results[:1] }, []string{"REL-05"}},
		{"failed criterion without decision", func(r *release.Release) { r.Results = results(false) }, []string{"REL-06"}},
		{"failed criterion without known error", func(r *release.Release) {
			r.Results = results(false)
			r.Decision = &release.Decision{Outcome: release.DecideDeployWithErrors, Participants: []string{"rosa"}, At: start}
		}, []string{"REL-06"}},
		{"approved after deployment started", func(r *release.Release) { r.Approvals[0].At = start.Add(time.Minute) }, []string{"REL-05"}},
		{"approved by the owner", func(r *release.Release) { r.Approvals[0].Approver = r.Owner }, []string{"REL-05", "REL-05"}},
		{"no baseline", func(r *release.Release) { r.Baseline = nil }, []string{"REL-07"}},
		{"baseline after deployment", func(r *release.Release) { r.Baseline.TakenAt = start.Add(time.Second) }, []string{"REL-07"}},
		{"a target failed", func(r *release.Release) { r.Deployment.Targets[1].OK = false }, []string{"REL-08"}},
		{"no analysis", func(r *release.Release) { r.Analysis = nil }, []string{"REL-10"}},
		{"incidents not counted", func(r *release.Release) { r.Incidents = []string{"INC-1"} }, []string{"REL-09"}},
		{"cancelled after deploying", func(r *release.Release) { r.Status, r.CancelReason = release.StatusCancelled, "x" }, []string{"REL-08"}},
	}
	for _, tc := range cases {
		r := closed.Clone()
		tc.mutate(r)
		fs, err := release.Check(r, f.svc.Policy(), asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.want, findingIDs(fs), tc.name)
		for _, fd := range fs {
			assert.Equal(t, r.ID, fd.EntityID)
			assert.Equal(t, release.Kind, fd.Kind)
			assert.NotEmpty(t, fd.Code)
			assert.NotEmpty(t, fd.Detail)
		}
	}
	_, err := release.Check(nil, f.svc.Policy(), asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	rep, err := release.Audit([]*release.Release{closed, nil}, f.svc.Policy(), asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed())
	assert.Equal(t, 1, rep.Results[0].Population)
}

func TestConformOverStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t, release.DefaultPolicy())
	f.to(t, release.StatusClosed)
	f.to(t, release.StatusCancelled)
	f.to(t, release.StatusRolledBack)
	f.to(t, release.StatusPlanned)
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	pop := map[string]int{}
	for _, r := range rep.Results {
		pop[r.Check] = r.Population
	}
	assert.Equal(t, map[string]int{sms.CheckRecordVerification: 4, "release-deployment-controls": 2, "release-analysis": 1, "release-cancellation": 1}, pop)
}
