package request_test

import (
	"context"
	"flag"
	"slices"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kitInstance is the request fixture as the process kit sees it: one per
// cell, the request driven to the cell's status along the item that lets
// the trigger succeed (the laptop, which needs two approvals, or the
// password reset, which needs none, for fulfilment straight from new).
// Beside the kit's contracts, it checks on every cell what the package
// promises of its own: a refusal by the workflow names the status it was
// refused from and, for every trigger but note, cites the one SR
// requirement the trigger's source states enforce (that a success adds
// one version and one journal entry, the kit checks).
type kitInstance struct {
	*fixture
	status request.Status
}

func (k *kitInstance) At(t testing.TB, status, trigger string) string {
	s, tr := request.Status(status), request.Trigger(trigger)
	item := k.laptop
	if s == request.StatusNew && tr == request.TriggerStartFulfilment {
		item = k.password
	}
	r := k.to(t, s, item)
	if _, allowed := oracle[s][tr]; allowed {
		k.prepare(t, r.ID, tr)
	}
	r, err := k.svc.Get(k.ctx, r.ID)
	require.NoError(t, err)
	k.status = r.Status
	return r.ID
}

func (k *kitInstance) DryRun(ctx context.Context, id, trigger string) error {
	return k.svc.DryRun(ctx, boss, id, validCommand(request.Trigger(trigger)))
}

func (k *kitInstance) Fire(ctx context.Context, id, trigger string) (*request.Request, error) {
	t := k.t()
	got, err := k.svc.Do(ctx, boss, id, validCommand(request.Trigger(trigger)))
	if _, allowed := oracle[k.status][request.Trigger(trigger)]; !allowed {
		te := smstest.RequireTransitionRefused(t, err, trigger)
		assert.Equal(t, string(k.status), te.State)
		if trigger != string(request.TriggerNote) {
			require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
			assert.Regexp(t, `^SR-\d\d$`, te.Requirements[0].ID)
		}
	}
	return got, err
}

func (k *kitInstance) Get(ctx context.Context, id string) (*request.Request, error) {
	return k.svc.Get(ctx, id)
}
func (k *kitInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Journal(ctx, id)
}
func (k *kitInstance) Verify(ctx context.Context, id string) error { return k.svc.Verify(ctx, id) }

// itemInstance is a catalogue item of the fixture as the kit sees it.
type itemInstance struct{ *fixture }

var validItemCommand = map[request.ItemTrigger]request.ItemCommand{
	request.ItemTriggerRevise: request.ItemRevision{Description: "now with a docking station"}, request.ItemTriggerPublish: request.ItemPublication{},
	request.ItemTriggerRetire: request.ItemRetirement{Reason: "replaced"}, request.ItemTriggerNote: request.ItemNote{Text: "n"},
}

func (k itemInstance) At(t testing.TB, status, _ string) string {
	it, err := k.svc.Items().Define(k.ctx, catalogue, laptopItem())
	require.NoError(t, err)
	if request.ItemStatus(status) != request.ItemDraft {
		it, err = k.svc.Items().Publish(k.ctx, catalogue, it.ID, request.ItemPublication{})
		require.NoError(t, err)
	}
	if request.ItemStatus(status) == request.ItemRetired {
		it, err = k.svc.Items().Retire(k.ctx, catalogue, it.ID, request.ItemRetirement{Reason: "gone"})
		require.NoError(t, err)
	}
	return it.ID
}

func (k itemInstance) Fire(ctx context.Context, id, trigger string) (*request.Item, error) {
	return k.svc.Items().Do(ctx, catalogue, id, validItemCommand[request.ItemTrigger(trigger)])
}
func (k itemInstance) Get(ctx context.Context, id string) (*request.Item, error) {
	return k.svc.Items().Get(ctx, id)
}
func (k itemInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Items().Journal(ctx, id)
}
func (k itemInstance) Verify(ctx context.Context, id string) error {
	return k.svc.Items().Verify(ctx, id)
}

// TestProcessKit runs the process kit over requests and over catalogue
// items: each oracle against its workflow, the lifecycle diagrams (rerun
// with -update after changing a workflow, and paste the diagram into
// doc.go), the catalogue, and every status x trigger cell through the
// service.
func TestProcessKit(t *testing.T) {
	svc := newFixture(t, request.DefaultPolicy()).svc
	requestCites := smstest.CitedBy(svc.Checks())
	t.Run("Requests", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*request.Request]{
			Workflow: request.Workflow(),
			Oracle:   smstest.Oracle(oracle),
			Triggers: smstest.Names(request.Triggers()[1:]),
			Cites:    requestCites,
			Golden:   "testdata/lifecycle.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*request.Request] {
				return &kitInstance{fixture: newFixture(t, request.DefaultPolicy())}
			},
		})
	})
	t.Run("Items", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*request.Item]{
			Workflow: request.ItemWorkflow(),
			Oracle:   smstest.Oracle(itemOracle),
			Triggers: smstest.Names(request.ItemTriggers()[1:]),
			// One catalogue serves the process: what the request workflow
			// and every check cite counts.
			Cites:  slices.Concat(request.Workflow().Cited(), requestCites, smstest.CitedBy(svc.Items().Checks())),
			Golden: "testdata/item_lifecycle.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*request.Item] {
				return itemInstance{newFixture(t, request.DefaultPolicy())}
			},
		})
	})
}

// TestTerminalStates: rejected, closed and cancelled requests, and retired
// items, are left only by a note.
func TestTerminalStates(t *testing.T) {
	t.Parallel()
	wf := request.Workflow()
	for _, s := range []request.Status{request.StatusRejected, request.StatusClosed, request.StatusCancelled} {
		assert.True(t, wf.Terminal(string(s)), s)
	}
	assert.True(t, request.ItemWorkflow().Terminal(string(request.ItemRetired)))
}

// TestServiceWorkflowIsTheBuiltIn: the workflow a service runs has the
// built-in table, catalogue and diagram; only its look-ups are the
// service's.
func TestServiceWorkflowIsTheBuiltIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	assert.Equal(t, request.Workflow().Mermaid(), f.svc.Workflow().Mermaid())
	assert.Equal(t, request.Requirements(), f.svc.Workflow().Catalogue())
	assert.Equal(t, request.ItemWorkflow().Mermaid(), f.svc.Items().Workflow().Mermaid())
}
