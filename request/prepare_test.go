package request_test

import (
	"context"
	"errors"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLookupsRunInsideThePipeline: the catalogue item a submission names
// and the change a fulfilment names are read by the transitions
// themselves (their rules' Prepare), so the generic machine on the
// service's workflow submits, refuses and fulfils exactly as the service
// does: no command carries what was looked up.
func TestLookupsRunInsideThePipeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	m, err := sms.NewMachine(f.svc.Workflow(), f.requests, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)

	r, err := m.Create(f.ctx, eve, request.Submission{Item: f.firewall, Summary: "open 443", Requester: "eve"})
	require.NoError(t, err)
	assert.Equal(t, 1, r.Item.Edition, "the item was read inside the transition")
	assert.True(t, r.Item.RequiresStandardChange)
	_, err = m.Create(f.ctx, eve, request.Submission{Item: "nope", Summary: "s", Requester: "eve"})
	smstest.RequireRefused(t, err, "SR-06")

	r = f.step(t, boss, r.ID, request.FulfilmentStart{Group: "network"})
	f.settleTasks(t, r.ID)
	before := f.snap(t, r.ID)
	_, err = m.Fire(f.ctx, boss, r.ID, string(request.TriggerFulfil), request.Fulfilment{Notes: "applied", Change: "CHG-OPEN"})
	smstest.RequireRefused(t, err, "SR-08")
	f.requireUnchanged(t, r.ID, before)
	asked := f.changes.count()
	r, err = m.Fire(f.ctx, boss, r.ID, string(request.TriggerFulfil), request.Fulfilment{Notes: "applied", Change: "CHG-OK"})
	require.NoError(t, err)
	assert.Equal(t, asked+1, f.changes.count(), "one lookup per fulfilment")
	assert.Equal(t, request.ChangeFacts{Standard: true, Template: "TPL-FW", ClosedSuccessful: true}, r.Change.ChangeFacts)

	// The package's built-in workflow has no host: it finds no item and
	// asks no change management.
	bare, err := sms.NewMachine(request.Workflow(), f.requests, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	_, err = bare.Create(f.ctx, eve, request.Submission{Item: f.laptop, Summary: "s", Requester: "eve"})
	smstest.RequireRefused(t, err, "SR-06")
}

// unreadableItems is a catalogue store whose reads of one item fail.
type unreadableItems struct {
	sms.Store[*request.Item]
	bad string
}

var errItemStore = errors.New("catalogue store unreachable")

func (s unreadableItems) Get(ctx context.Context, id string) (*request.Item, error) {
	if id == s.bad {
		return nil, errItemStore
	}
	return s.Store.Get(ctx, id)
}

// TestSubmissionItemReadFails: a catalogue item that cannot be read (not
// one that does not exist) stops the submission with the store's error,
// and nothing is stored.
func TestSubmissionItemReadFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	svc, err := request.NewService(request.Stores{Items: unreadableItems{Store: f.items, bad: f.laptop}, Requests: f.requests},
		request.Config{Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	_, err = svc.Submit(f.ctx, eve, request.Submission{Item: f.laptop, Summary: "s", Requester: "eve"})
	assert.ErrorIs(t, err, errItemStore)
	assert.NotErrorIs(t, err, sms.ErrGuard)
	page, err := svc.List(f.ctx, request.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	_, err = svc.Submit(f.ctx, eve, request.Submission{Item: f.password, Summary: "s", Requester: "eve"})
	assert.NoError(t, err, "the other items read")
}

// TestApprovalIsTheRules: approve and reject declare their approval on the
// rule, citing SR-07 for each of its refusals (a role of the rule, a party
// it excludes, a second decision), so that the kernel checks all three:
// no segregation rule of the package's own re-implements them.
func TestApprovalIsTheRules(t *testing.T) {
	t.Parallel()
	for _, r := range request.Workflow().Rules() {
		switch request.Trigger(r.Trigger) {
		case request.TriggerApprove, request.TriggerReject:
			require.NotNil(t, r.Approval, r.Trigger)
			for _, q := range []sms.Requirement{r.Approval.Requirement, r.Approval.Excluded, r.Approval.Once} {
				assert.Equal(t, "SR-07", q.ID)
				assert.Equal(t, "8.6.2", q.Clause, "the catalogue's clause")
			}
			assert.NotNil(t, r.Approval.Decided, "the gate knows who decided")
			assert.NotNil(t, r.Approval.Excluding, "the gate words the exclusion")
			assert.Empty(t, r.Segregation, r.Trigger)
		default:
			assert.Nil(t, r.Approval, r.Trigger)
		}
	}
}
