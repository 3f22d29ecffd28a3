package incident_test

import (
	"context"
	"errors"
	"flag"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kitInstance is the incident fixture as the process kit sees it: one per
// cell. Beside the kit's contracts, it checks on every cell what the
// package promises of its own: a refusal by the workflow names the status
// it was refused from and, for every trigger but note, cites the one
// requirement the trigger's source states enforce; a success adds exactly
// one version.
type kitInstance struct {
	*incident.Service // Get, Journal, Verify
	fx                *fixture
	status            incident.Status
	version           int64
}

func newKitInstance(fx *fixture) *kitInstance { return &kitInstance{Service: fx.svc, fx: fx} }

func (k *kitInstance) At(t testing.TB, status, trigger string) string {
	tr := incident.Trigger(trigger)
	major := incident.MajorNone
	if _, allowed := oracle[incident.Status(status)][tr]; allowed {
		major = majorStateFor(tr)
	}
	inc := k.fx.to(t, incident.Status(status), major)
	k.status, k.version = inc.Status, inc.Version
	return inc.ID
}

func (k *kitInstance) Fire(ctx context.Context, id, trigger string) (*incident.Incident, error) {
	t := k.fx.t()
	c := validCommand(incident.Trigger(trigger))
	got, err := k.Do(ctx, actingFor(c), id, c)
	var te *sms.TransitionError
	switch {
	case errors.As(err, &te):
		assert.Equal(t, string(k.status), te.State)
		if trigger != string(incident.TriggerNote) {
			require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
			assert.Regexp(t, `^INC-\d\d$`, te.Requirements[0].ID)
		}
	case err == nil:
		assert.Equal(t, k.version+1, got.Version)
	}
	return got, err
}

func (k *kitInstance) DryRun(ctx context.Context, id, trigger string) error {
	c := validCommand(incident.Trigger(trigger))
	return k.Service.DryRun(ctx, actingFor(c), id, c)
}

func kitProcess(t *testing.T) smstest.Process[*incident.Incident] {
	// What the conformance checks and the sweep cite, from the checks.
	svc := newFixture(t, incident.DefaultPolicy()).svc
	return smstest.Process[*incident.Incident]{
		Workflow: incident.Workflow(),
		Oracle:   smstest.Oracle(oracle),
		Triggers: smstest.Names(incident.Triggers()[1:]), // but log, the creating one
		Cites:    smstest.CitedBy(svc.Checks(), svc.Sweeps()),
		Golden:   "testdata/lifecycle.mmd",
		Doc:      "doc.go",
		Update:   *update,
		New: func(t testing.TB) smstest.Instance[*incident.Incident] {
			return newKitInstance(newFixture(t, incident.DefaultPolicy()))
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
