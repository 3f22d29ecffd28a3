package request_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// desk is a service desk agent who logs requests for callers and also
// holds the approver role.
var desk = actor("dan", request.RoleFulfiller, request.RoleApprover)

// machines returns the generic entry points over the fixture's stores:
// the request and catalogue machines, without the service in front.
func (f *fixture) machines(t testing.TB) (*sms.Machine[*request.Request], *sms.Machine[*request.Item]) {
	t.Helper()
	m, err := sms.NewMachine(request.Workflow(), f.requests, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	im, err := sms.NewMachine(request.ItemWorkflow(), f.items, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	return m, im
}

// TestCommandOfAnotherTrigger: the generic entry points refuse, with
// sms.ErrInvalid, a command of another trigger's type (a Note for
// start_fulfilment would otherwise start an unassigned fulfilment), and
// nothing changes. Service.Do cannot mismatch: it takes the trigger from
// the command.
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	m, im := f.machines(t)
	r := f.to(t, request.StatusNew, f.password)
	before := f.snap(t, r.ID)
	for trigger, c := range map[request.Trigger]sms.Command{
		request.TriggerStartFulfilment: request.Note{Text: "assigned?"},
		request.TriggerHold:            request.Resumption{},
		request.TriggerCancel:          request.Closure{Code: request.CloseComplete},
		request.TriggerApprove:         request.Rejection{Reason: "no"},
		request.TriggerNote:            request.ItemNote{Text: "n"},
	} {
		_, err := m.Fire(f.ctx, boss, r.ID, string(trigger), c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s with a %T", trigger, c)
	}
	f.requireUnchanged(t, r.ID, before)
	_, err := m.Create(f.ctx, eve, request.Note{Text: "a request?"})
	assert.ErrorIs(t, err, sms.ErrInvalid, "submit takes a Submission")
	page, err := f.svc.List(f.ctx, request.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused create stored a request")

	it, err := f.svc.Items().Get(f.ctx, f.laptop)
	require.NoError(t, err)
	_, err = im.Fire(f.ctx, catalogue, f.laptop, string(request.ItemTriggerRetire), request.ItemNote{Text: "gone"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = im.Fire(f.ctx, catalogue, f.laptop, string(request.ItemTriggerNote), request.Note{Text: "gone"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	again, err := f.svc.Items().Get(f.ctx, f.laptop)
	require.NoError(t, err)
	assert.Equal(t, it, again)
	j, err := f.svc.Items().Journal(f.ctx, f.laptop)
	require.NoError(t, err)
	assert.Len(t, j, 2, "define and publish only")
}

// TestSubmitterOnBehalfMayNotApprove reproduces "a request submitted on
// behalf of someone else was approved by its submitter": the acting
// submitter, the requester and the person the request is for all hold
// parties excluded from approving (SR-07). Each refusal is a
// *sms.ForbiddenError citing SR-07, from Service and from the generic
// pipeline alike, and changes nothing.
func TestSubmitterOnBehalfMayNotApprove(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	m, _ := f.machines(t)
	r, err := f.svc.Submit(f.ctx, desk, request.Submission{Item: f.laptop, Summary: "a laptop for ann", Requester: "eve", RequestedFor: "ann"})
	require.NoError(t, err)
	assert.Equal(t, "eve", r.Requester)
	assert.True(t, r.Parties.Has(sms.PartyRequester, "dan"), "the submitter holds the requester party: %v", r.Parties)
	assert.Equal(t, []string{"dan"}, r.Parties.Acted(sms.PartyRequester), "as the acting actor of submit")
	assert.True(t, r.Parties.Has(sms.PartyRequester, "eve"), "the named requester too")
	assert.True(t, r.Parties.Has(sms.PartyRequestedFor, "ann"))
	f.step(t, boss, r.ID, request.ApprovalRequest{})

	eveBoth := actor("eve", request.RoleRequester, request.RoleApprover)
	for _, tc := range []struct {
		name string
		who  sms.Actor
		cmd  request.Command
	}{
		{"the submitter approves", desk, request.Approval{Rationale: "fine"}},
		{"the submitter rejects", desk, request.Rejection{Reason: "no budget"}},
		{"the named requester approves", eveBoth, request.Approval{}},
		{"the person it is for approves", ann, request.Approval{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snap(t, r.ID)
			var errs []error
			if a, ok := tc.cmd.(request.Approval); ok {
				_, err := f.svc.Approve(f.ctx, tc.who, r.ID, a)
				errs = append(errs, err)
			}
			_, err := f.svc.Do(f.ctx, tc.who, r.ID, tc.cmd)
			errs = append(errs, err)
			_, err = m.Fire(f.ctx, tc.who, r.ID, string(tc.cmd.Trigger()), tc.cmd)
			errs = append(errs, err)
			for _, err := range errs {
				fe := smstest.RequireForbidden(t, err)
				assert.ErrorIs(t, err, sms.ErrForbidden)
				assert.NotErrorIs(t, err, sms.ErrGuard, "a segregation refusal is not a guard's")
				assert.Equal(t, "SR-07", fe.Requirement.ID)
				assert.Equal(t, r.ID, fe.ID)
				assert.Equal(t, tc.who.ID, fe.Actor)
				assert.NotEmpty(t, fe.Reason)
			}
			f.requireUnchanged(t, r.ID, before)
		})
	}

	// Two approvers who hold no party approve; the grant follows.
	f.step(t, abe, r.ID, request.Approval{})
	r, err = f.svc.Approve(f.ctx, boss, r.ID, request.Approval{})
	require.NoError(t, err)
	assert.Equal(t, request.StatusApproved, r.Status)
}

// TestSegregationRefusalsComeFromThePipeline: a caller that fires the
// approval through the generic machine, past the service, gets the same
// *sms.ForbiddenError citing SR-07 for each segregation rule: a role the
// item's rule does not name, a party to the request, a second decision.
func TestSegregationRefusalsComeFromThePipeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	m, _ := f.machines(t)
	r := f.to(t, request.StatusAwaitingApproval, f.laptop)
	f.step(t, ann, r.ID, request.Approval{})
	for _, tc := range []struct {
		who  sms.Actor
		cmd  sms.Command
		text string
	}{
		{eveApprover, request.Approval{}, reqNotPartyText},
		{eveApprover, request.Rejection{Reason: "mine"}, reqNotPartyText},
		{ann, request.Approval{}, "decides once"},
		{abe, request.Approval{Role: "cfo"}, "holds a role of the catalogue item's approval rule"},
	} {
		before := f.snap(t, r.ID)
		tr := request.TriggerApprove
		if _, ok := tc.cmd.(request.Rejection); ok {
			tr = request.TriggerReject
		}
		_, err := m.Fire(f.ctx, tc.who, r.ID, string(tr), tc.cmd)
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, "SR-07", fe.Requirement.ID)
		assert.Contains(t, fe.Requirement.Text, tc.text)
		f.requireUnchanged(t, r.ID, before)
	}
}

const reqNotPartyText = "neither the requester nor the person the request is for"

// TestApprovalGateReasons: the approval gate refuses, through the generic
// machine on the service's workflow and through Service.Do alike, with the
// same requirement and the same reason: a submitter because they submitted
// the request, a requester or the person it is for because the submission
// names them, a second decision, and an actor who lacks the role they name
// (refused for the role before anything else, even when they already
// decided). The reasons are the ones the quickstart prints.
func TestApprovalGateReasons(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	m, err := sms.NewMachine(f.svc.Workflow(), f.requests, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	r, err := f.svc.Submit(f.ctx, desk, request.Submission{Item: f.laptop, Summary: "a laptop for ann", Requester: "eve", RequestedFor: "abe"})
	require.NoError(t, err)
	f.step(t, boss, r.ID, request.ApprovalRequest{})
	f.step(t, ann, r.ID, request.Approval{})
	for _, tc := range []struct {
		who    sms.Actor
		cmd    request.Command
		text   string
		reason string
	}{
		{desk, request.Approval{}, reqNotPartyText, "the actor submitted the request, so holds its requester party, and may not decide on it"},
		{desk, request.Rejection{Reason: "no"}, reqNotPartyText, "the actor submitted the request, so holds its requester party, and may not decide on it"},
		{eveApprover, request.Approval{}, reqNotPartyText, "the actor is named as the request's requester and may not decide on it"},
		{abe, request.Approval{}, reqNotPartyText, "the actor is named as the request's " + string(sms.PartyRequestedFor) + " and may not decide on it"},
		{ann, request.Approval{}, "decides once", "the actor already decided on this record"},
		{ann, request.Rejection{Reason: "no"}, "decides once", "the actor already decided on this record"},
		{ann, request.Approval{Role: "cfo"}, "holds a role of the catalogue item's approval rule",
			"the actor does not decide in the role cfo: they lack it, or the approval rule does not name it"},
	} {
		before := f.snap(t, r.ID)
		_, err1 := m.Fire(f.ctx, tc.who, r.ID, string(tc.cmd.Trigger()), tc.cmd)
		_, err2 := f.svc.Do(f.ctx, tc.who, r.ID, tc.cmd)
		for _, err := range []error{err1, err2} {
			fe := smstest.RequireForbidden(t, err)
			assert.Equal(t, "SR-07", fe.Requirement.ID, "%s %T", tc.who.ID, tc.cmd)
			assert.Contains(t, fe.Requirement.Text, tc.text, "%s %T", tc.who.ID, tc.cmd)
			assert.Equal(t, tc.reason, fe.Reason, "%s %T", tc.who.ID, tc.cmd)
		}
		f.requireUnchanged(t, r.ID, before)
	}
}

// TestBoundsAndBlankText reproduces "a request priority of 1<<30 was
// accepted": priorities, targets and quorums are bounded, text the
// standard requires is refused when it is only white space, and a refusal
// stores nothing.
func TestBoundsAndBlankText(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusInFulfilment, f.password)
	before := f.snap(t, r.ID)
	for _, c := range []request.Command{
		request.Prioritisation{Priority: 1 << 30, Reason: "urgent"},
		request.Prioritisation{Priority: request.MaxPriority + 1, Reason: "urgent"},
		request.Note{Text: " \t\n "},
	} {
		_, err := f.svc.Do(f.ctx, boss, r.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%+v", c)
	}
	f.requireUnchanged(t, r.ID, before)
	r = f.step(t, boss, r.ID, request.Prioritisation{Priority: request.MaxPriority, Reason: "can wait"})
	assert.Equal(t, request.MaxPriority, r.Priority, "the bound itself is a priority")

	for _, c := range []request.Submission{
		{Item: f.laptop, Summary: "s", Requester: "eve", Priority: 1 << 30, OverrideReason: "the CEO asked"},
		{Item: f.laptop, Summary: "s", Requester: "eve", Priority: request.MaxPriority + 1, OverrideReason: "the CEO asked"},
	} {
		_, err := f.svc.Submit(f.ctx, eve, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "priority %d", c.Priority)
	}
	_, err := f.svc.Submit(f.ctx, eve, request.Submission{Item: f.laptop, Summary: "   ", Requester: "eve"})
	smstest.RequireRefused(t, err, "SR-01")
	_, err = f.svc.Submit(f.ctx, eve, request.Submission{Item: f.laptop, Summary: "s", Requester: "eve", Priority: 1, OverrideReason: "  "})
	smstest.RequireRefused(t, err, "SR-02")
	page, err := f.svc.List(f.ctx, request.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused submission stored a request")

	items, err := f.svc.Items().List(f.ctx, request.ItemQuery{})
	require.NoError(t, err)
	for name, mutate := range map[string]func(*request.ItemDefinition){
		"a default priority of 1<<30": func(d *request.ItemDefinition) { d.DefaultPriority = 1 << 30 },
		"a default priority past the bound": func(d *request.ItemDefinition) {
			d.DefaultPriority = request.MaxPriority + 1
		},
		"a target past the bound": func(d *request.ItemDefinition) { d.Target = request.MaxTarget + time.Second },
		"a quorum of 1<<30": func(d *request.ItemDefinition) {
			d.Approval = &sms.ApprovalRule{Roles: []sms.Role{request.RoleApprover}, Quorum: 1 << 30}
		},
		"an empty role": func(d *request.ItemDefinition) { d.Approval = &sms.ApprovalRule{Roles: []sms.Role{""}, Quorum: 1} },
		"a role that is no ID": func(d *request.ItemDefinition) {
			d.Approval = &sms.ApprovalRule{Roles: []sms.Role{" approver"}, Quorum: 1}
		},
		"an empty excluded party": func(d *request.ItemDefinition) {
			d.Approval = &sms.ApprovalRule{Roles: []sms.Role{request.RoleApprover}, Quorum: 1, Exclude: []sms.Party{""}}
		},
		"a blank task name": func(d *request.ItemDefinition) { d.Tasks = []string{"order", "  "} },
	} {
		d := laptopItem()
		mutate(&d)
		_, err := f.svc.Items().Define(f.ctx, catalogue, d)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	it, err := f.svc.Items().Get(f.ctx, f.laptop)
	require.NoError(t, err)
	for name, c := range map[string]request.ItemCommand{
		"a default priority of 1<<30": request.ItemRevision{DefaultPriority: 1 << 30},
		"a blank name":                request.ItemRevision{Name: "  "},
		"a blank task name":           request.ItemRevision{Tasks: []string{" "}},
		"a blank note":                request.ItemNote{Text: "  "},
	} {
		_, err := f.svc.Items().Do(f.ctx, catalogue, f.laptop, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	again, err := f.svc.Items().Get(f.ctx, f.laptop)
	require.NoError(t, err)
	assert.Equal(t, it, again, "a refused revision changed the item")
	after, err := f.svc.Items().List(f.ctx, request.ItemQuery{})
	require.NoError(t, err)
	assert.Len(t, after.Items, len(items.Items), "a refused definition stored an item")

	// Instructions whose version is only white space name no version: the
	// item is not published with them (SR-06).
	d := laptopItem()
	d.Instructions.Version = "   "
	draft, err := f.svc.Items().Define(f.ctx, catalogue, d)
	require.NoError(t, err)
	_, err = f.svc.Items().Publish(f.ctx, catalogue, draft.ID, request.ItemPublication{})
	smstest.RequireRefused(t, err, "SR-06")
}

// tamperedFixture returns a service over the fixture's stores with two
// stored requests forged on read, as a database edited by hand: one with
// a changed field, one with a changed status; and one catalogue item with
// a changed field.
func (f *fixture) tampered(t testing.TB, field, status, item string) *request.Service {
	t.Helper()
	requests := smstest.Tampered(smstest.Tampered[*request.Request](f.requests, field, func(r *request.Request) {
		r.Approvals = nil // would fail SR-07 if it were counted
		r.Summary = "forged"
	}), status, func(r *request.Request) { r.Status = request.StatusClosed })
	items := smstest.Tampered[*request.Item](f.items, item, func(i *request.Item) { i.Instructions = request.Instructions{} })
	svc, err := request.NewService(request.Stores{Items: items, Requests: requests},
		request.Config{Policy: request.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
	require.NoError(t, err)
	return svc
}

// TestConformReportsUnverifiedRecords: Service.Conform reads its evidence
// from records that verify against their journals only. A record forged
// outside the pipeline (a field, a status) is a RECORD_UNVERIFIED finding
// of the record-verification result, placed first, and is counted by no
// other check; the run goes on and checks the other records.
func TestConformReportsUnverifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	forgedField := f.to(t, request.StatusClosed, f.laptop)
	forgedStatus := f.to(t, request.StatusInFulfilment, f.password)
	clean := f.to(t, request.StatusClosed, f.laptop)
	svc := f.tampered(t, forgedField.ID, forgedStatus.ID, f.password)

	report, err := svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.NotEmpty(t, report.Results)
	ver := report.Results[0]
	assert.Equal(t, sms.CheckRecordVerification, ver.Check, "the record-verification result comes first")
	assert.Equal(t, 6, ver.Population, "three requests and three catalogue items examined")
	got := map[string]sms.Kind{}
	for _, fd := range ver.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		assert.NotEmpty(t, fd.Detail)
		got[fd.EntityID] = fd.Kind
	}
	assert.Equal(t, map[string]sms.Kind{forgedField.ID: request.Kind, forgedStatus.ID: request.Kind, f.password: request.ItemKind}, got)
	pop := map[string]int{}
	for _, res := range report.Results[1:] {
		pop[res.Check] = res.Population
		for _, fd := range res.Failures {
			assert.NotContains(t, []string{forgedField.ID, forgedStatus.ID, f.password}, fd.EntityID,
				"an unverified record was counted by %s: %v", res.Check, fd)
		}
	}
	assert.Equal(t, 1, pop["request-record"], "only the clean request is checked")
	assert.Equal(t, 1, pop["requests-fulfilled-under-instructions-and-approvals"])
	assert.Equal(t, 1, pop["request-closure"])
	assert.Equal(t, 2, pop["catalogue-item-instructions"], "the laptop and the firewall rule")
	assert.False(t, report.Passed())
	require.NoError(t, svc.Verify(f.ctx, clean.ID))
	assert.Error(t, svc.Verify(f.ctx, forgedStatus.ID))

	// Untampered, the same records conform.
	report, err = f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, report.Passed(), "%v", report.Findings())
	assert.Equal(t, 6, report.Results[0].Population)

	// One pass gives what Conform and Sweep give, without the sweep's
	// unverified findings (the report's): with records forged, and with
	// an open request past its target.
	f.to(t, request.StatusInFulfilment, f.laptop)
	later := f.clk.Now().Add(90 * 24 * time.Hour)
	for name, s := range map[string]*request.Service{"forged": svc, "breached": f.svc} {
		want, err := s.Conform(f.ctx, later)
		require.NoError(t, err)
		swept, err := s.Sweep(f.ctx, later)
		require.NoError(t, err)
		var verified []sms.Finding
		for _, fd := range swept {
			if fd.Code != sms.CodeRecordUnverified {
				verified = append(verified, fd)
			}
		}
		require.NotEmpty(t, verified, "%s: the open request breaches its target", name)
		both, bothSwept, err := s.ConformSweep(f.ctx, later)
		require.NoError(t, err)
		assert.Equal(t, want, both, name)
		assert.Equal(t, verified, bothSwept, name)
	}
}

// corruptStore is a store with one row it cannot decode: every page that
// holds it, and every read of it, fails with a *sms.CorruptError naming it.
type corruptStore struct {
	sms.Store[*request.Request]
	bad string
}

func (s corruptStore) corrupt() error {
	return &sms.CorruptError{Kind: request.Kind, ID: s.bad, Problem: "the row's document is not valid JSON"}
}

func (s corruptStore) Get(ctx context.Context, id string) (*request.Request, error) {
	if id == s.bad {
		return nil, s.corrupt()
	}
	return s.Store.Get(ctx, id)
}

func (s corruptStore) List(ctx context.Context, q sms.Query) (sms.Page[*request.Request], error) {
	p, err := s.Store.List(ctx, q)
	for _, r := range p.Items {
		if r.ID == s.bad {
			return sms.Page[*request.Request]{}, s.corrupt()
		}
	}
	return p, err
}

// TestConformGoesOnPastACorruptRow: a row the store cannot decode is a
// RECORD_UNVERIFIED finding, and the records before and after it are still
// checked.
func TestConformGoesOnPastACorruptRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	var ids []string
	for range 3 {
		ids = append(ids, f.to(t, request.StatusClosed, f.password).ID)
	}
	slices.Sort(ids)
	svc, err := request.NewService(request.Stores{Items: f.items, Requests: corruptStore{Store: f.requests, bad: ids[1]}},
		request.Config{Policy: request.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}, Changes: f.changes})
	require.NoError(t, err)
	report, err := svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err, "one corrupt row does not stop the run")
	ver := report.Results[0]
	require.Len(t, ver.Failures, 1)
	assert.Equal(t, ids[1], ver.Failures[0].EntityID)
	assert.Contains(t, ver.Failures[0].Detail, "not valid JSON")
	for _, res := range report.Results[1:] {
		if res.Check == "request-record" {
			assert.Equal(t, 2, res.Population, "the rows before and after the corrupt one are checked")
		}
	}
	fs, err := svc.Sweep(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, sms.CodeRecordUnverified, fs[0].Code)
}

// TestSweepReportsUnverifiedRecords: the sweep reads verified records only
// and reports a forged one, going on with the others.
func TestSweepReportsUnverifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	late := f.to(t, request.StatusInFulfilment, f.laptop)
	forged := f.to(t, request.StatusInFulfilment, f.laptop)
	svc := f.tampered(t, forged.ID, "", "")
	fs, err := svc.Sweep(f.ctx, f.clk.Now().Add(6*24*time.Hour))
	require.NoError(t, err)
	var codes []string
	for _, fd := range fs {
		codes = append(codes, fd.EntityID+"/"+fd.Code)
	}
	assert.ElementsMatch(t, []string{late.ID + "/" + request.CodeSLABreached, forged.ID + "/" + sms.CodeRecordUnverified}, codes)
}
