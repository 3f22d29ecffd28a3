package review_test

import (
	"context"
	"errors"
	"flag"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kitInstance is the review fixture as the process kit sees it: one per
// cell, on problem-effectiveness reviews (PRB-13). Beside the kit's
// contracts, it checks on every cell what the package promises of its own:
// a refusal by the workflow names the status it was refused from and cites
// the requirement the review evidences, and a success adds exactly one
// version.
type kitInstance struct {
	*review.Service // Get, Journal, Verify
	fx              *fixture
	status          review.Status
	version         int64
}

func newKitInstance(fx *fixture) *kitInstance { return &kitInstance{Service: fx.svc, fx: fx} }

func (k *kitInstance) At(t testing.TB, status, _ string) string {
	r := k.fx.to(t, subjectPRB, review.Status(status))
	k.status, k.version = r.Status, r.Version
	return r.ID
}

func (k *kitInstance) Fire(ctx context.Context, id, trigger string) (*review.Review, error) {
	t := k.fx.t
	c := validCommand(review.Trigger(trigger))
	got, err := k.Do(ctx, actingFor(c), id, c)
	var te *sms.TransitionError
	switch {
	case errors.As(err, &te):
		assert.Equal(t, string(k.status), te.State)
		require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the review evidences")
		assert.Equal(t, "PRB-13", te.Requirements[0].ID)
		assert.Equal(t, "8.6.3", te.Requirements[0].Clause)
	case err == nil:
		assert.Equal(t, k.version+1, got.Version)
	}
	return got, err
}

// kitProcess describes the review process of the fixture's service to the
// kit: the workflow of its problem-effectiveness schedule, whose catalogue
// is the service's (the requirements the schedules name, PRB-13 and
// CHG-14). The workflow's guards cite PRB-13; the sweep cites every
// schedule's requirement in its overdue findings, and the conformance
// checks cite the one each review evidences.
func kitProcess(t *testing.T) smstest.Process[*review.Review] {
	svc := newFixture(t).svc
	wf, ok := svc.Workflow(subjectPRB, "")
	require.True(t, ok)
	var cites []string
	for _, s := range svc.Schedules() {
		cites = append(cites, s.Requirement.ID)
	}
	return smstest.Process[*review.Review]{
		Workflow: wf,
		Oracle:   smstest.Oracle(oracle),
		Triggers: smstest.Names(review.Triggers()[1:]), // but plan, the creating one
		Cites:    cites,
		Golden:   "testdata/lifecycle.mmd",
		Doc:      "doc.go",
		Update:   *update,
		New: func(t testing.TB) smstest.Instance[*review.Review] {
			return newKitInstance(newFixture(t))
		},
	}
}

// TestProcessKit runs the process kit: the oracle against the workflow,
// the lifecycle diagram (rerun with -update after changing the workflow,
// and paste the diagram into doc.go), the catalogue, and every status x
// trigger cell through the service.
func TestProcessKit(t *testing.T) {
	smstest.RunProcess(t, kitProcess(t))
}

// TestServiceCatalogue: the service's catalogue is the requirements its
// schedules name, each once; a finding against a review whose requirement
// the catalogue lacks (planned under a schedule since removed) cites the
// requirement the review records.
func TestServiceCatalogue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	assert.Equal(t, []sms.Requirement{prb13, chg14}, f.svc.Requirements())
	wf, ok := f.svc.Workflow(subjectCHG, "payroll")
	require.True(t, ok)
	assert.Equal(t, f.svc.Requirements(), wf.Catalogue())
	assert.Equal(t, []string{"CHG-14"}, wf.Cited())

	ss := schedules()
	ss = append(ss, ss[0])
	ss[2].Scope = "payroll" // a second schedule of PRB-13
	ss[2].Requirement.Text = ""
	svc, err := review.NewService(f.store, review.Config{Schedules: ss})
	require.NoError(t, err)
	assert.Equal(t, []sms.Requirement{prb13, chg14}, svc.Requirements(), "each requirement once, with a schedule's sentence")
	ss[0].Requirement.Text, ss[1].Requirement.Text = "", ""
	svc, err = review.NewService(f.store, review.Config{Schedules: ss[:2]})
	require.NoError(t, err)
	for _, r := range svc.Requirements() {
		assert.NotEmpty(t, r.Text, "a requirement a schedule gives without a sentence gets the package's")
	}
	ss[2].Requirement.Clause = "8.6.1"
	_, err = review.NewService(f.store, review.Config{Schedules: ss})
	assert.ErrorIs(t, err, sms.ErrInvalid, "two schedules name PRB-13 under two clauses")

	// A cancelled review without a reason, of a requirement no schedule
	// names, written to the store with a journal that verifies.
	slm04 := sms.Requirement{ID: "SLM-04", Clause: "8.3.3"}
	bare := &review.Review{Status: review.StatusCancelled, Subject: "sla_performance", Owner: "pam", Requirement: slm04,
		Period: review.Period{From: t0.Add(-day), To: t0}}
	bare.ID, bare.Version, bare.CreatedAt, bare.UpdatedAt = "REV-SLM", 1, t0, t0
	entry := sms.Entry{ID: "e1", Kind: review.Kind, EntityID: bare.ID, Seq: 1, Trigger: "plan", To: "cancelled", At: t0}
	entry.State, err = sms.StateDigest(bare)
	require.NoError(t, err)
	entry.Hash = entry.ComputeHash()
	bare.Head = entry.Hash
	require.NoError(t, f.store.Create(f.ctx, bare, entry))
	require.NoError(t, f.svc.Verify(f.ctx, bare.ID))
	rep, err := f.svc.Conform(f.ctx, t0)
	require.NoError(t, err)
	fs := rep.Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, review.CodeCancellationUnjustified, fs[0].Code)
	assert.Equal(t, slm04, fs[0].Requirement)
}
