package incident_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conformingClosed returns a closed incident record that passes every check.
func conformingClosed() *incident.Incident {
	i := &incident.Incident{Status: incident.StatusClosed, Summary: "s", Service: "svc", Source: incident.SourceUser,
		Reporter: "r", ReportedAt: t0, Category: "c", Impact: 2, Urgency: 2, Priority: 3, MatrixVersion: "default-1",
		Actions: 1, ResolutionCode: "fixed", ResolutionNotes: "n", RestoredAt: t0.Add(time.Hour), ResolvedAt: t0.Add(time.Hour),
		CloseCode: "solved", Confirmation: incident.ConfirmedByCaller, ClosedAt: t0.Add(2 * time.Hour)}
	i.ID = "INC-X"
	// Logged by dana for the caller r, who confirmed the closure themselves.
	i.Parties.Add(sms.PartyRaiser, "dana", true)
	i.Parties.Add(sms.PartyRequester, "r", false)
	i.Parties.Add(sms.PartyConfirmer, "r", true)
	return i
}

func findingIDs(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Requirement.ID)
	}
	return out
}

// TestChecksReexamineRecords: the checks read the fields, not the status.
func TestChecksReexamineRecords(t *testing.T) {
	t.Parallel()
	asOf := t0.Add(30 * 24 * time.Hour)
	p := incident.DefaultPolicy()
	cases := []struct {
		name   string
		mutate func(*incident.Incident)
		want   []string
	}{
		{"conforming", func(*incident.Incident) {}, nil},
		{"no category", func(i *incident.Incident) { i.Category = "" }, []string{"INC-02"}},
		{"no matrix version", func(i *incident.Incident) { i.MatrixVersion = "" }, []string{"INC-03"}},
		{"no resolution", func(i *incident.Incident) { i.ResolutionCode, i.ResolutionNotes = "", "" }, []string{"INC-05"}},
		{"no action", func(i *incident.Incident) { i.Actions = 0 }, []string{"INC-07"}},
		{"no confirmation", func(i *incident.Incident) { i.Confirmation = "" }, []string{"INC-06"}},
		{"closed before resolved", func(i *incident.Incident) { i.ClosedAt = t0.Add(30 * time.Minute) }, []string{"INC-06"}},
		{"auto-closed too early", func(i *incident.Incident) { i.Confirmation = incident.AutoClosed }, []string{"INC-06"}},
		{"no reporter", func(i *incident.Incident) { i.Reporter = "" }, []string{"INC-01"}},
		{"everything missing", func(i *incident.Incident) { *i = incident.Incident{Status: incident.StatusClosed} },
			[]string{"INC-01", "INC-01", "INC-01", "INC-01", "INC-01", "INC-02", "INC-03", "INC-05", "INC-07", "INC-06"}},
		{"security without risk", func(i *incident.Incident) { i.Security = true }, []string{"INC-14"}},
		{"cancelled without reason", func(i *incident.Incident) { i.Status = incident.StatusCancelled }, []string{"INC-17"}},
		{"duplicate without original", func(i *incident.Incident) {
			i.Status, i.CancelReason = incident.StatusCancelled, incident.CancelDuplicate
		}, []string{"INC-17"}},
		{"major without anything", func(i *incident.Incident) {
			i.Major = &incident.Major{State: incident.MajorAccepted, AcceptedAt: t0, ReviewDue: t0.Add(time.Hour)}
		}, []string{"INC-08", "INC-09", "INC-09", "INC-11", "INC-10", "INC-12"}},
		{"major notified late", func(i *incident.Incident) {
			i.Major = &incident.Major{State: incident.MajorAccepted, AcceptedAt: t0, CriteriaVersion: "v", CriteriaMet: []string{"x"},
				ProcedureRef: "p", Manager: "m", FirstNotifiedAt: t0.Add(3 * time.Hour), ReviewedAt: t0.Add(5 * time.Hour)}
		}, []string{"INC-10"}},
	}
	for _, tc := range cases {
		i := conformingClosed()
		tc.mutate(i)
		i.ID = "INC-X"
		fs, err := incident.Check(i, p, asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.want, findingIDs(fs), tc.name)
		for _, f := range fs {
			assert.Equal(t, "INC-X", f.EntityID)
			assert.Equal(t, incident.Kind, f.Kind)
			assert.Equal(t, asOf, f.At)
			assert.NotEmpty(t, f.Code)
			assert.NotEmpty(t, f.Detail)
		}
	}
	_, err := incident.Check(nil, p, asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = incident.Check(conformingClosed(), incident.Policy{ReviewMode: "x"}, asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

func TestStrictModeClosureWithoutReviewIsAFinding(t *testing.T) {
	t.Parallel()
	p := incident.DefaultPolicy()
	p.ReviewMode = incident.ReviewStrict
	i := conformingClosed()
	i.Major = &incident.Major{State: incident.MajorAccepted, AcceptedAt: t0, CriteriaVersion: "v", CriteriaMet: []string{"x"},
		ProcedureRef: "p", Manager: "m", FirstNotifiedAt: t0.Add(time.Minute)}
	fs, err := incident.Check(i, p, t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"INC-12"}, findingIDs(fs))
}

func TestAuditPopulations(t *testing.T) {
	t.Parallel()
	closed := conformingClosed()
	broken := conformingClosed()
	broken.ID, broken.Actions = "INC-Y", 0
	open := &incident.Incident{Status: incident.StatusNew, Summary: "s", Service: "svc", Source: incident.SourceUser, Reporter: "r", ReportedAt: t0}
	open.ID = "INC-Z"
	rep, err := incident.Audit([]*incident.Incident{closed, broken, open, nil}, incident.DefaultPolicy(), t0.Add(24*time.Hour))
	require.NoError(t, err)
	byName := map[string]sms.CheckResult{}
	for _, r := range rep.Results {
		byName[r.Check] = r
	}
	assert.Equal(t, 3, byName["incident-record"].Population)
	assert.Equal(t, 2, byName["incident-closure-completeness"].Population)
	assert.Equal(t, 0, byName["major-incident-procedure"].Population)
	require.Len(t, byName["incident-closure-completeness"].Failures, 1)
	assert.Equal(t, "INC-Y", byName["incident-closure-completeness"].Failures[0].EntityID)
	assert.False(t, rep.Passed())
	assert.Len(t, rep.Findings(), 1)
	for _, r := range rep.Results {
		assert.NotEmpty(t, r.Clause)
		assert.NotEmpty(t, r.Rule)
	}
}

// TestConformOverStore: every incident driven through the workflow passes;
// the service pages through the whole store.
func TestConformOverStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	for _, s := range incident.Statuses() {
		f.to(t, s, incident.MajorNone)
		f.to(t, s, incident.MajorAccepted)
	}
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	pop := 0
	for _, r := range rep.Results {
		if r.Check == "incident-record" {
			pop = r.Population
		}
	}
	assert.Equal(t, 14, pop)
	findings, err := f.svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	for _, fd := range findings {
		assert.NotEqual(t, incident.CodeMajorReviewOverdue, fd.Code)
	}
	later, err := f.svc.Sweep(f.ctx, f.clk.Now().Add(10*24*time.Hour))
	require.NoError(t, err)
	assert.Contains(t, codes(later), incident.CodeMajorReviewOverdue, "the resolved and closed majors were never reviewed")
}
