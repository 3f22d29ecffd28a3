package release_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kitInstance is the release fixture as the process kit sees it: one per
// cell. Beside the kit's contracts, it checks on every cell what the
// package promises of its own: a refusal by the workflow names the status
// it was refused from and, for every trigger but note, cites the one
// requirement the trigger's source states enforce; a success adds exactly
// one version.
type kitInstance struct {
	*fixture
	t       testing.TB
	status  release.Status
	version int64
}

func (k *kitInstance) At(t testing.TB, status, trigger string) string {
	s, tr := release.Status(status), release.Trigger(trigger)
	r := k.to(t, s)
	if _, allowed := oracle[s][tr]; allowed {
		r = k.ready(t, r, tr)
	}
	k.t, k.status, k.version = t, s, r.Version
	return r.ID
}

func (k *kitInstance) DryRun(ctx context.Context, id, trigger string) error {
	tr := release.Trigger(trigger)
	return k.svc.DryRun(ctx, as(tr), id, k.valid(tr))
}

func (k *kitInstance) Fire(ctx context.Context, id, trigger string) (*release.Release, error) {
	tr := release.Trigger(trigger)
	got, err := k.svc.Do(ctx, as(tr), id, k.valid(tr))
	var te *sms.TransitionError
	switch {
	case errors.As(err, &te):
		assert.Equal(k.t, string(k.status), te.State)
		if tr != release.TriggerNote {
			require.Len(k.t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
			assert.Regexp(k.t, `^REL-\d\d$`, te.Requirements[0].ID)
		}
	case err == nil:
		assert.Equal(k.t, k.version+1, got.Version)
	}
	return got, err
}

func (k *kitInstance) Get(ctx context.Context, id string) (*release.Release, error) {
	return k.svc.Get(ctx, id)
}
func (k *kitInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Journal(ctx, id)
}
func (k *kitInstance) Verify(ctx context.Context, id string) error { return k.svc.Verify(ctx, id) }

// kitTriggers lists every trigger but plan, the creating one.
func kitTriggers() []string { return smstest.Names(release.Triggers()[1:]) }

// TestProcessKit runs the process kit: the oracle against the workflow,
// the lifecycle diagram in testdata and in doc.go (rerun with -update
// after changing the workflow, and paste the diagram into doc.go), the
// catalogue (the conformance checks' citations, and the sweep's: an
// analysis overdue, REL-10), and every status x trigger cell through the
// service.
func TestProcessKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*release.Release]{
		Workflow: release.Workflow(), Oracle: smstest.Oracle(oracle), Triggers: kitTriggers(),
		Cites:  append(smstest.CitedBy(release.Checks()), "REL-10"),
		Golden: "testdata/lifecycle.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*release.Release] {
			return &kitInstance{fixture: newFixture(t, release.DefaultPolicy())}
		},
	})
}

// fuzzInstance drives one release through fuzzed steps: a command of the
// step's variant, by the step's actor, after the clock moved on by the
// variant's hours; some variants change what change management says of the
// release's change. After each success the stored release is the one
// returned and fails no conformance check the workflow guarantees.
type fuzzInstance struct {
	kitInstance
	id string
}

func (k *fuzzInstance) Start(t testing.TB) string {
	k.t, k.id = t, k.plan(t).ID
	return k.id
}

func (k *fuzzInstance) Do(ctx context.Context, id string, s smstest.Step) (*release.Release, error) {
	tr, v := release.Trigger(s.Trigger), s.Variant
	k.clk.Advance(time.Duration(v) * time.Hour)
	if v%5 == 1 {
		k.changes.set("CHG-1", v%2 == 0) // change management moves on
	}
	got, err := k.svc.Do(ctx, fuzzActors[s.Actor%len(fuzzActors)], id, k.fuzzCommand(tr, v))
	if err != nil {
		return got, err
	}
	stored, err := k.svc.Get(ctx, id)
	require.NoError(k.t, err)
	require.Equal(k.t, got, stored)
	findings, err := release.Check(stored, k.svc.Policy(), k.clk.Now())
	require.NoError(k.t, err)
	for _, fd := range findings {
		require.False(k.t, slices.Contains(workflowGuaranteed, fd.Code), "after %s the workflow let through a nonconforming release: %v", tr, fd)
	}
	return got, nil
}
