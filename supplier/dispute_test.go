package supplier_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	disputeT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// disputeManager and disputeDeputy act for the organisation,
	// disputeContact for the supplier; disputeBoth holds both roles.
	disputeManager = sms.Actor{ID: "mia", Roles: []sms.Role{supplier.RoleSupplierManager}}
	disputeDeputy  = sms.Actor{ID: "dan", Roles: []sms.Role{supplier.RoleSupplierManager}}
	disputeContact = sms.Actor{ID: "sam", Roles: []sms.Role{supplier.RoleSupplierContact}}
	disputeBoth    = sms.Actor{ID: "bea", Roles: []sms.Role{supplier.RoleSupplierManager, supplier.RoleSupplierContact}}

	errDisputeContractsOffline = errors.New("the contract register is offline")
)

// disputeBook is the host's contract lookup: CT-1 with ACME and every
// escalation level, CT-2 with ACME and only management and arbitration,
// CT-9 with another supplier, CT-bad with a level that is none, CT-offline
// a lookup failure; any other contract is unknown.
type disputeBook map[string]supplier.DisputeContract

func (b disputeBook) Contract(_ context.Context, id string) (supplier.DisputeContract, error) {
	if id == "CT-offline" {
		return supplier.DisputeContract{}, errDisputeContractsOffline
	}
	c, ok := b[id]
	if !ok {
		return supplier.DisputeContract{}, &sms.NotFoundError{Kind: supplier.ContractKind, ID: id}
	}
	return c, nil
}

func newDisputeBook() disputeBook {
	return disputeBook{
		"CT-1":   {Supplier: "SUP-acme"},
		"CT-2":   {Supplier: "SUP-acme", Levels: []supplier.DisputeLevel{supplier.LevelArbitration, supplier.LevelManagement}},
		"CT-9":   {Supplier: "SUP-other"},
		"CT-bad": {Supplier: "SUP-acme", Levels: []supplier.DisputeLevel{"court"}},
	}
}

type disputeEnv struct {
	svc   *supplier.Disputes
	store *memstore.Store[*supplier.Dispute]
	clk   *smstest.Clock
	ctx   context.Context
}

func newDisputeEnv(t testing.TB) *disputeEnv {
	clk := smstest.NewClock(disputeT0)
	store := memstore.New[*supplier.Dispute]()
	svc, err := supplier.NewDisputes(store, newDisputeBook(), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &disputeEnv{svc: svc, store: store, clk: clk, ctx: context.Background()}
}

func disputeRaise(contract string) supplier.DisputeRaise {
	return supplier.DisputeRaise{Supplier: "SUP-acme", Contract: contract, Subject: "invoice 2026-02 bills 40 licences, 32 were delivered", Amount: "EUR 12,400.00"}
}

func (e *disputeEnv) raise(t testing.TB, contract string) *supplier.Dispute {
	t.Helper()
	d, err := e.svc.Raise(e.ctx, disputeManager, disputeRaise(contract))
	require.NoError(t, err)
	return d
}

func (e *disputeEnv) investigating(t testing.TB, contract string) *supplier.Dispute {
	t.Helper()
	d, err := e.svc.Investigate(e.ctx, disputeManager, e.raise(t, contract).ID, supplier.DisputeInvestigation{Owner: "mia"})
	require.NoError(t, err)
	return d
}

func (e *disputeEnv) proposed(t testing.TB) *supplier.Dispute {
	t.Helper()
	d, err := e.svc.ProposeResolution(e.ctx, disputeManager, e.investigating(t, "CT-1").ID, disputeProposal)
	require.NoError(t, err)
	return d
}

// accepted has both sides accept the dispute's current proposal.
func (e *disputeEnv) accepted(t testing.TB, id string) {
	t.Helper()
	_, err := e.svc.AcceptResolution(e.ctx, disputeManager, id, disputeAcceptOrg)
	require.NoError(t, err)
	_, err = e.svc.AcceptResolution(e.ctx, disputeContact, id, disputeAcceptSupplier)
	require.NoError(t, err)
}

func (e *disputeEnv) resolved(t testing.TB) *supplier.Dispute {
	t.Helper()
	d := e.proposed(t)
	e.accepted(t, d.ID)
	d, err := e.svc.Resolve(e.ctx, disputeManager, d.ID, supplier.DisputeResolution{})
	require.NoError(t, err)
	return d
}

func (e *disputeEnv) closed(t testing.TB) *supplier.Dispute {
	t.Helper()
	d, err := e.svc.Close(e.ctx, disputeManager, e.resolved(t).ID, disputeClosure)
	require.NoError(t, err)
	return d
}

var (
	disputeProposal       = supplier.ResolutionProposal{Text: "ACME credits the 8 licences not delivered"}
	disputeAcceptOrg      = supplier.ResolutionAcceptance{Side: supplier.DisputeSideOrganisation}
	disputeAcceptSupplier = supplier.ResolutionAcceptance{Side: supplier.DisputeSideSupplier}
	disputeClosure        = supplier.DisputeClosure{Actions: []string{"credit note CN-12", "contract amendment AM-3"}}
)

var validDispute = map[supplier.DisputeTrigger]supplier.DisputeCommand{
	supplier.TriggerInvestigateDispute: supplier.DisputeInvestigation{Owner: "mia"},
	supplier.TriggerEscalateDispute:    supplier.DisputeEscalation{Reason: "no answer from the account manager"},
	supplier.TriggerProposeResolution:  disputeProposal,
	supplier.TriggerAcceptResolution:   disputeAcceptOrg,
	supplier.TriggerResolveDispute:     supplier.DisputeResolution{},
	supplier.TriggerCloseDispute:       disputeClosure,
	supplier.TriggerWithdrawDispute:    supplier.DisputeWithdrawal{Reason: "the licences were delivered late, not missing"},
	supplier.TriggerDisputeNote:        supplier.DisputeNote{Text: "call with ACME's account manager on Thursday"},
}

type disputeKit struct {
	*supplier.Disputes
	env *disputeEnv
}

func (k disputeKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch supplier.DisputeStatus(status) {
	case supplier.DisputeRaised:
		return e.raise(t, "CT-1").ID
	case supplier.DisputeInvestigating:
		return e.investigating(t, "CT-1").ID
	case supplier.DisputeEscalated:
		d, err := e.svc.Escalate(e.ctx, disputeManager, e.investigating(t, "CT-1").ID, supplier.DisputeEscalation{})
		require.NoError(t, err)
		return d.ID
	case supplier.DisputeProposed:
		d := e.proposed(t)
		if trigger == string(supplier.TriggerResolveDispute) {
			e.accepted(t, d.ID)
		}
		return d.ID
	case supplier.DisputeResolved:
		return e.resolved(t).ID
	case supplier.DisputeClosed:
		return e.closed(t).ID
	}
	d, err := e.svc.Withdraw(e.ctx, disputeManager, e.raise(t, "CT-1").ID, supplier.DisputeWithdrawal{Reason: "raised in error"})
	require.NoError(t, err)
	return d.ID
}

func (k disputeKit) Fire(ctx context.Context, id, trigger string) (*supplier.Dispute, error) {
	return k.Do(ctx, disputeManager, id, validDispute[supplier.DisputeTrigger(trigger)])
}

func (k disputeKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Disputes.DryRun(ctx, disputeManager, id, validDispute[supplier.DisputeTrigger(trigger)])
}

func TestDisputeKit(t *testing.T) {
	stay := smstest.Stay
	smstest.RunProcess(t, smstest.Process[*supplier.Dispute]{
		Workflow: supplier.DisputeWorkflow(),
		// From SUP-10's table: raise, investigate, escalate (and one level
		// up again, or after a proposal not accepted), propose a resolution
		// (again, in place of the one proposed), each side's acceptance in
		// place and resolve once both accepted, close; withdraw and note
		// from every open status.
		Oracle: map[string]map[string]string{
			"raised":              {"investigate": "investigating", "withdraw": "withdrawn", "note": stay},
			"investigating":       {"escalate": "escalated", "propose_resolution": "resolution_proposed", "withdraw": "withdrawn", "note": stay},
			"escalated":           {"escalate": stay, "propose_resolution": "resolution_proposed", "withdraw": "withdrawn", "note": stay},
			"resolution_proposed": {"escalate": "escalated", "propose_resolution": stay, "accept_resolution": stay, "resolve": "resolved", "withdraw": "withdrawn", "note": stay},
			"resolved":            {"close": "closed", "withdraw": "withdrawn", "note": stay},
		},
		Triggers: smstest.Names(supplier.DisputeTriggers()[1:]),
		Cites:    smstest.CitedBy(supplier.DisputeChecks(supplier.DisputePolicy{})),
		// Doc is empty: the diagram goes into doc.go by hand (see the
		// report); the golden file is checked.
		Golden: "testdata/dispute.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*supplier.Dispute] {
			env := newDisputeEnv(t)
			return disputeKit{env.svc, env}
		},
	})
}

// disputeRefused fails the test unless err is a *sms.GuardError citing SUP-10
// alone, with an unmet requirement whose sentence is text, and the record
// is as before.
func disputeRefused(t *testing.T, e *disputeEnv, id string, before smstest.Snapshot, err error, text string) {
	t.Helper()
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SUP-10"}, ge.IDs())
	var texts []string
	for _, u := range ge.Unmet {
		texts = append(texts, u.Text)
	}
	assert.Contains(t, texts, text)
	smstest.RequireUnchanged(t, e.svc, id, before)
}

// Every guard of the dispute workflow refuses with SUP-10 and changes
// nothing; a raise refused stores nothing.
func TestDisputeRefusals(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)

	notStored := func(err error, id, text string) {
		t.Helper()
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{"SUP-10"}, ge.IDs())
		assert.Equal(t, text, ge.Unmet[0].Text)
		_, err = e.svc.Get(e.ctx, id)
		require.ErrorIs(t, err, sms.ErrNotFound)
	}
	c := disputeRaise("CT-1")
	c.ID, c.Subject = "DSP-nosubject", " "
	_, err := e.svc.Raise(e.ctx, disputeManager, c)
	notStored(err, c.ID, "a dispute names its supplier, its contract and its subject")
	c = disputeRaise("CT-1")
	c.ID, c.Amount, c.Impact = "DSP-noamount", "", " "
	_, err = e.svc.Raise(e.ctx, disputeManager, c)
	notStored(err, c.ID, "a dispute states the amount in dispute or its impact")
	c = disputeRaise("")
	c.ID = "DSP-nocontract"
	_, err = e.svc.Raise(e.ctx, disputeManager, c)
	notStored(err, c.ID, "a dispute names its supplier, its contract and its subject")
	c = disputeRaise("CT-1")
	c.Amount, c.Impact = "", "the payroll service runs on 32 licences until the credit"
	d, err := e.svc.Raise(e.ctx, disputeManager, c)
	require.NoError(t, err, "an impact statement instead of an amount")
	assert.Equal(t, []string{"mia"}, d.Parties.Acted(sms.PartyRaiser), "the raiser is the acting actor")
	assert.Equal(t, supplier.DisputeLevels(), d.Levels, "a contract that defines no levels allows them all")

	before := smstest.Snap(t, e.svc, d.ID)
	_, err = e.svc.Investigate(e.ctx, disputeManager, d.ID, supplier.DisputeInvestigation{})
	disputeRefused(t, e, d.ID, before, err, "a dispute under investigation has an owner assigned")
	_, err = e.svc.Investigate(e.ctx, disputeContact, d.ID, validDispute[supplier.TriggerInvestigateDispute].(supplier.DisputeInvestigation))
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, d.ID, before)

	d = e.investigating(t, "CT-1")
	before = smstest.Snap(t, e.svc, d.ID)
	_, err = e.svc.ProposeResolution(e.ctx, disputeManager, d.ID, supplier.ResolutionProposal{Text: "\t"})
	disputeRefused(t, e, d.ID, before, err, "a proposal states the resolution proposed")
	_, err = e.svc.Note(e.ctx, disputeManager, d.ID, supplier.DisputeNote{})
	disputeRefused(t, e, d.ID, before, err, "an update has text")
	_, err = e.svc.Withdraw(e.ctx, disputeManager, d.ID, supplier.DisputeWithdrawal{Reason: " "})
	disputeRefused(t, e, d.ID, before, err, "a withdrawal gives its reason")
	_, err = e.svc.Escalate(e.ctx, disputeManager, d.ID, supplier.DisputeEscalation{Level: "court"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "level", ve.Field)
	smstest.RequireUnchanged(t, e.svc, d.ID, before)

	p := e.proposed(t)
	before = smstest.Snap(t, e.svc, p.ID)
	_, err = e.svc.AcceptResolution(e.ctx, disputeManager, p.ID, supplier.ResolutionAcceptance{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "side", ve.Field)
	smstest.RequireUnchanged(t, e.svc, p.ID, before)
	_, err = e.svc.Resolve(e.ctx, disputeManager, p.ID, supplier.DisputeResolution{})
	disputeRefused(t, e, p.ID, before, err, "a dispute is resolved only once both parties accepted the proposed resolution, each by a person of its own")

	r := e.resolved(t)
	before = smstest.Snap(t, e.svc, r.ID)
	_, err = e.svc.Close(e.ctx, disputeManager, r.ID, supplier.DisputeClosure{})
	disputeRefused(t, e, r.ID, before, err, "a dispute is closed with the follow-up actions created, such as a credit note or a contract amendment")
	_, err = e.svc.Close(e.ctx, disputeManager, r.ID, supplier.DisputeClosure{Actions: []string{"credit note CN-12", " "}})
	disputeRefused(t, e, r.ID, before, err, "a dispute is closed with the follow-up actions created, such as a credit note or a contract amendment")
	closed, err := e.svc.Close(e.ctx, disputeManager, r.ID, disputeClosure)
	require.NoError(t, err)
	assert.Equal(t, disputeClosure.Actions, closed.Actions)

	before = smstest.Snap(t, e.svc, closed.ID)
	_, err = e.svc.Note(e.ctx, disputeManager, closed.ID, validDispute[supplier.TriggerDisputeNote].(supplier.DisputeNote))
	smstest.RequireTransitionRefused(t, err, string(supplier.TriggerDisputeNote))
	smstest.RequireUnchanged(t, e.svc, closed.ID, before)
}

// The contract lookup decides the raise: another supplier's contract and
// an unknown contract are refused (SUP-10) and store nothing; a failure of
// the lookup is returned as it is; a level that is none is a host error.
func TestDisputeContractLookup(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	raise := func(id, contract string) error {
		t.Helper()
		c := disputeRaise(contract)
		c.ID = id
		_, err := e.svc.Raise(e.ctx, disputeManager, c)
		_, gerr := e.svc.Get(e.ctx, id)
		require.ErrorIs(t, gerr, sms.ErrNotFound, "nothing stored")
		return err
	}
	unmet := func(err error) []string {
		t.Helper()
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{"SUP-10"}, ge.IDs())
		var out []string
		for _, u := range ge.Unmet {
			out = append(out, u.Text)
		}
		return out
	}
	assert.Equal(t, []string{"a dispute is raised under a contract with the dispute's supplier"}, unmet(raise("DSP-other", "CT-9")))
	assert.Equal(t, []string{"a dispute is raised under a contract the organisation knows"}, unmet(raise("DSP-unknown", "CT-404")))

	err := raise("DSP-offline", "CT-offline")
	require.ErrorIs(t, err, errDisputeContractsOffline)
	assert.NotErrorIs(t, err, sms.ErrGuard)

	err = raise("DSP-bad", "CT-bad")
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "contract.levels", ve.Field)

	n := 0
	require.NoError(t, e.svc.OfSupplier(e.ctx, "SUP-acme", func(*supplier.Dispute) bool { n++; return true }))
	assert.Zero(t, n)

	_, err = supplier.NewDisputes(memstore.New[*supplier.Dispute](), nil, sms.Options{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "contracts", ve.Field)
}

// Both parties accept, each by a person of its own and in its own role,
// once per proposal; a new proposal, or an escalation, withdraws the
// acceptances; resolve waits for both (SUP-10).
func TestDisputeTwoPartyAcceptance(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	d := e.proposed(t)

	e.clk.Advance(time.Hour)
	d, err := e.svc.AcceptResolution(e.ctx, disputeBoth, d.ID, disputeAcceptOrg)
	require.NoError(t, err)
	assert.Equal(t, supplier.DisputeProposed, d.Status, "one side accepted: still proposed")
	assert.Equal(t, []supplier.DisputeAcceptance{{Side: supplier.DisputeSideOrganisation, Person: "bea", At: disputeT0.Add(time.Hour)}}, d.Acceptances)

	before := smstest.Snap(t, e.svc, d.ID)
	// The same person may not accept for the supplier too, though they
	// hold the role.
	_, err = e.svc.AcceptResolution(e.ctx, disputeBoth, d.ID, disputeAcceptSupplier)
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "SUP-10", fe.Requirement.ID)
	assert.Equal(t, sms.MsgForbiddenSegregation, fe.MessageKey())
	smstest.RequireUnchanged(t, e.svc, d.ID, before)
	// A manager does not accept for the supplier, a contact not for the
	// organisation; a side accepts once.
	_, err = e.svc.AcceptResolution(e.ctx, disputeDeputy, d.ID, disputeAcceptSupplier)
	disputeRefused(t, e, d.ID, before, err, "the organisation accepts by a supplier manager, the supplier by a supplier contact")
	_, err = e.svc.AcceptResolution(e.ctx, disputeDeputy, d.ID, disputeAcceptOrg)
	disputeRefused(t, e, d.ID, before, err, "each party accepts the proposed resolution once")
	_, err = e.svc.Resolve(e.ctx, disputeManager, d.ID, supplier.DisputeResolution{})
	disputeRefused(t, e, d.ID, before, err, "a dispute is resolved only once both parties accepted the proposed resolution, each by a person of its own")

	e2 := e.proposed(t)
	before2 := smstest.Snap(t, e.svc, e2.ID)
	_, err = e.svc.AcceptResolution(e.ctx, disputeContact, e2.ID, disputeAcceptOrg)
	disputeRefused(t, e, e2.ID, before2, err, "the organisation accepts by a supplier manager, the supplier by a supplier contact")

	d, err = e.svc.AcceptResolution(e.ctx, disputeContact, d.ID, disputeAcceptSupplier)
	require.NoError(t, err)
	assert.Equal(t, supplier.DisputeProposed, d.Status, "accepted by both, resolved by resolve")
	j, err := e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	side, _ := sms.Get(last.Payload, "side")
	assert.Equal(t, "sam", last.Actor.ID)
	assert.Equal(t, "supplier", side)

	// A new proposal withdraws both acceptances.
	newer := supplier.ResolutionProposal{Text: "ACME credits 8 licences and extends support by a month"}
	d, err = e.svc.ProposeResolution(e.ctx, disputeManager, d.ID, newer)
	require.NoError(t, err)
	assert.Empty(t, d.Acceptances)
	j, err = e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	withdrawn, _ := sms.Get(j[len(j)-1].Payload, "acceptances")
	assert.Equal(t, "withdrawn", withdrawn)
	before = smstest.Snap(t, e.svc, d.ID)
	_, err = e.svc.Resolve(e.ctx, disputeManager, d.ID, supplier.DisputeResolution{})
	disputeRefused(t, e, d.ID, before, err, "a dispute is resolved only once both parties accepted the proposed resolution, each by a person of its own")

	e.accepted(t, d.ID)
	d, err = e.svc.Resolve(e.ctx, disputeManager, d.ID, supplier.DisputeResolution{})
	require.NoError(t, err)
	assert.Equal(t, supplier.DisputeResolved, d.Status)
	assert.Equal(t, newer.Text, d.Resolution)
	j, err = e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	org, _ := sms.Get(j[len(j)-1].Payload, "accepted_organisation")
	sup, _ := sms.Get(j[len(j)-1].Payload, "accepted_supplier")
	assert.Equal(t, []string{"mia", "sam"}, []string{org, sup})
	_, err = e.svc.Close(e.ctx, disputeManager, d.ID, disputeClosure)
	require.NoError(t, err)
	require.NoError(t, e.svc.Verify(e.ctx, d.ID))

	// An escalation from a proposal withdraws it and its acceptances.
	p := e.proposed(t)
	_, err = e.svc.AcceptResolution(e.ctx, disputeManager, p.ID, disputeAcceptOrg)
	require.NoError(t, err)
	p, err = e.svc.Escalate(e.ctx, disputeManager, p.ID, supplier.DisputeEscalation{Reason: "ACME rejects the credit"})
	require.NoError(t, err)
	assert.Equal(t, supplier.DisputeEscalated, p.Status)
	assert.Empty(t, p.Proposal)
	assert.Empty(t, p.Acceptances)
}

// Escalation goes up the contract's path one level at a time, or to a
// higher level named, never down, sideways or past its top, and only to
// the levels the contract defines (SUP-10).
func TestDisputeEscalation(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	up := func(id string, level supplier.DisputeLevel) (*supplier.Dispute, error) {
		return e.svc.Escalate(e.ctx, disputeManager, id, supplier.DisputeEscalation{Level: level})
	}
	const text = "a dispute escalates to a higher level than it reached, one the contract defines: management, legal, arbitration"

	d := e.investigating(t, "CT-1")
	var got []supplier.DisputeLevel
	for range 3 {
		x, err := up(d.ID, "")
		require.NoError(t, err)
		got = append(got, x.Level)
	}
	assert.Equal(t, supplier.DisputeLevels(), got, "one level up each time")
	before := smstest.Snap(t, e.svc, d.ID)
	_, err := up(d.ID, "")
	disputeRefused(t, e, d.ID, before, err, text)
	j, err := e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	old, _ := sms.Get(j[len(j)-1].Payload, "level.old")
	assert.Equal(t, "legal", old)

	named := e.investigating(t, "CT-1")
	named, err = up(named.ID, supplier.LevelLegal)
	require.NoError(t, err, "straight to a higher level named")
	assert.Equal(t, supplier.LevelLegal, named.Level)
	before = smstest.Snap(t, e.svc, named.ID)
	_, err = up(named.ID, supplier.LevelManagement)
	disputeRefused(t, e, named.ID, before, err, text)
	_, err = up(named.ID, supplier.LevelLegal)
	disputeRefused(t, e, named.ID, before, err, text)

	// CT-2 defines management and arbitration only.
	r := e.investigating(t, "CT-2")
	assert.Equal(t, []supplier.DisputeLevel{supplier.LevelManagement, supplier.LevelArbitration}, r.Levels, "in order")
	before = smstest.Snap(t, e.svc, r.ID)
	_, err = up(r.ID, supplier.LevelLegal)
	disputeRefused(t, e, r.ID, before, err, text)
	r, err = up(r.ID, "")
	require.NoError(t, err)
	assert.Equal(t, supplier.LevelManagement, r.Level)
	r, err = up(r.ID, "")
	require.NoError(t, err)
	assert.Equal(t, supplier.LevelArbitration, r.Level, "past legal, which the contract does not define")
}

func disputeCodes(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}

// An open dispute is stale once its last journal entry is older than the
// policy's period, to the microsecond; closed and withdrawn ones never
// are; the sweep reads the verified journal, so a record whose times were
// edited is not believed (SUP-10).
func TestDisputeStaleSweep(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	d := e.raise(t, "CT-1")
	closed := e.closed(t)
	w, err := e.svc.Withdraw(e.ctx, disputeManager, e.raise(t, "CT-1").ID, supplier.DisputeWithdrawal{Reason: "raised in error"})
	require.NoError(t, err)
	sweep := func(p supplier.DisputePolicy, asOf time.Time) []string {
		t.Helper()
		fs, err := e.svc.Sweep(e.ctx, p, asOf)
		require.NoError(t, err)
		return disputeCodes(fs)
	}
	days := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	stale := []string{"DISPUTE_STALE SUP-10 " + d.ID}

	assert.Empty(t, sweep(supplier.DisputePolicy{}, disputeT0.Add(days(14))), "on the last instant of the default 14 days")
	assert.Equal(t, stale, sweep(supplier.DisputePolicy{}, disputeT0.Add(days(14)+time.Microsecond)))
	assert.Empty(t, sweep(supplier.DisputePolicy{StaleAfter: days(7)}, disputeT0.Add(days(7))))
	assert.Equal(t, stale, sweep(supplier.DisputePolicy{StaleAfter: days(7)}, disputeT0.Add(days(7)+time.Microsecond)))

	// An update restarts the period.
	e.clk.Set(disputeT0.Add(days(10)))
	_, err = e.svc.Note(e.ctx, disputeManager, d.ID, supplier.DisputeNote{Text: "ACME's account manager is on leave until the 20th"})
	require.NoError(t, err)
	assert.Empty(t, sweep(supplier.DisputePolicy{}, disputeT0.Add(days(24))))
	assert.Equal(t, stale, sweep(supplier.DisputePolicy{}, disputeT0.Add(days(24)+time.Microsecond)))
	assert.Equal(t, stale, sweep(supplier.DisputePolicy{}, disputeT0.Add(days(400))), "closed %s and withdrawn %s are never stale", closed.ID, w.ID)

	_, err = e.svc.Sweep(e.ctx, supplier.DisputePolicy{StaleAfter: -time.Hour}, disputeT0)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)

	// A record whose update time was moved forward outside the library
	// does not verify: it is reported, not believed fresh.
	forged := smstest.Tampered[*supplier.Dispute](e.store, d.ID, func(x *supplier.Dispute) { x.UpdatedAt = disputeT0.Add(days(30)) })
	svc, err := supplier.NewDisputes(forged, newDisputeBook(), sms.Options{})
	require.NoError(t, err)
	fs, err := svc.Sweep(e.ctx, supplier.DisputePolicy{}, disputeT0.Add(days(31)))
	require.NoError(t, err)
	assert.Equal(t, []string{sms.CodeRecordUnverified + " " + sms.RecordIntegrity().ID + " " + d.ID}, disputeCodes(fs))
}

// The conformance check (check 10, for disputes) passes a dispute closed
// through the workflow and fails one whose acceptors are not the journal's
// actors of accept_resolution, one closed without its resolution or
// actions, one withdrawn without reason, and an open one not updated
// within the period, judged from the journal when given (SUP-10).
func TestDisputeConformance(t *testing.T) {
	t.Parallel()
	e := newDisputeEnv(t)
	closed := e.closed(t)
	open := e.raise(t, "CT-1")
	e.clk.Advance(20 * 24 * time.Hour)
	fresh := e.raise(t, "CT-1")
	asOf := e.clk.Now()

	rep, err := e.svc.Conform(e.ctx, supplier.DisputePolicy{}, asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{"DISPUTE_STALE SUP-10 " + open.ID}, disputeCodes(rep.Findings()))
	assert.Len(t, rep.Results, 2, "verification, disputes")
	rep, err = e.svc.Conform(e.ctx, supplier.DisputePolicy{StaleAfter: 30 * 24 * time.Hour}, asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	_, err = e.svc.Conform(e.ctx, supplier.DisputePolicy{StaleAfter: -1}, asOf)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)

	checks := supplier.DisputeChecks(supplier.DisputePolicy{})
	judge := func(d *supplier.Dispute, j []sms.Entry) []string {
		t.Helper()
		au := sms.NewAudit(asOf, supplier.DisputeRequirements())
		sms.Examine(au, checks, d, j)
		return disputeCodes(au.Report().Findings())
	}
	stored, err := e.svc.Get(e.ctx, closed.ID)
	require.NoError(t, err)
	journal, err := e.svc.Journal(e.ctx, closed.ID)
	require.NoError(t, err)
	incomplete := []string{"DISPUTE_CLOSURE_INCOMPLETE SUP-10 " + closed.ID}
	assert.Empty(t, judge(stored, journal))

	// The record names another acceptor than the journal's actor.
	renamed := stored.Clone()
	for i := range renamed.Acceptances {
		if renamed.Acceptances[i].Side == supplier.DisputeSideSupplier {
			renamed.Acceptances[i].Person = "eve"
		}
	}
	assert.Equal(t, incomplete, judge(renamed, journal))
	assert.Empty(t, judge(renamed, nil), "without the journal only the record's names are compared")
	// The journal shows one person accepting for both sides.
	forged := slices.Clone(journal)
	for i := range forged {
		if forged[i].Trigger == string(supplier.TriggerAcceptResolution) {
			forged[i].Actor = disputeManager
		}
	}
	assert.Equal(t, incomplete, judge(stored, forged))
	// One person named for both sides on the record.
	same := stored.Clone()
	for i := range same.Acceptances {
		same.Acceptances[i].Person = "mia"
	}
	assert.Equal(t, incomplete, judge(same, nil))

	// An acceptance of an earlier proposal does not count: dan accepted
	// the first proposal for the organisation, mia the second; a record
	// naming dan, with mia's acceptance gone from the journal, fails.
	p := e.proposed(t)
	_, err = e.svc.AcceptResolution(e.ctx, disputeDeputy, p.ID, disputeAcceptOrg)
	require.NoError(t, err)
	_, err = e.svc.ProposeResolution(e.ctx, disputeManager, p.ID, supplier.ResolutionProposal{Text: "ACME credits 8 licences and extends support by a month"})
	require.NoError(t, err)
	e.accepted(t, p.ID)
	_, err = e.svc.Resolve(e.ctx, disputeManager, p.ID, supplier.DisputeResolution{})
	require.NoError(t, err)
	twice, err := e.svc.Close(e.ctx, disputeManager, p.ID, disputeClosure)
	require.NoError(t, err)
	tj, err := e.svc.Journal(e.ctx, p.ID)
	require.NoError(t, err)
	assert.Empty(t, judge(twice, tj))
	earlier := twice.Clone()
	for i := range earlier.Acceptances {
		if earlier.Acceptances[i].Side == supplier.DisputeSideOrganisation {
			earlier.Acceptances[i].Person = "dan"
		}
	}
	cut := slices.DeleteFunc(slices.Clone(tj), func(x sms.Entry) bool {
		return x.Trigger == string(supplier.TriggerAcceptResolution) && x.Actor.ID == "mia"
	})
	assert.Equal(t, []string{"DISPUTE_CLOSURE_INCOMPLETE SUP-10 " + p.ID}, judge(earlier, cut))

	bare := stored.Clone()
	bare.Resolution, bare.Actions = "", nil
	assert.Equal(t, append(slices.Clone(incomplete), incomplete...), judge(bare, journal), "no resolution, no actions")

	withdrawn := &supplier.Dispute{Status: supplier.DisputeWithdrawn}
	withdrawn.ID = "DSP-w"
	assert.Equal(t, []string{"DISPUTE_CLOSURE_INCOMPLETE SUP-10 DSP-w"}, judge(withdrawn, nil))

	// The journal's last entry decides how fresh an open dispute is.
	got, err := e.svc.Get(e.ctx, fresh.ID)
	require.NoError(t, err)
	assert.Empty(t, judge(got, nil))
	fj, err := e.svc.Journal(e.ctx, fresh.ID)
	require.NoError(t, err)
	old := slices.Clone(fj)
	old[len(old)-1].At = disputeT0
	assert.Equal(t, []string{"DISPUTE_STALE SUP-10 " + fresh.ID}, judge(got, old))
}

// disputeFuzz is what the fuzz driver needs: random dispute commands,
// valid or odd, by a manager, a second manager, the supplier's contact or
// a stranger, with the clock moved.
type disputeFuzz struct{ disputeKit }

func (f disputeFuzz) Start(t testing.TB) string { return f.env.raise(t, "CT-2").ID }

func (f disputeFuzz) Do(ctx context.Context, id string, s smstest.Step) (*supplier.Dispute, error) {
	who := []sms.Actor{disputeManager, disputeDeputy, disputeContact, {ID: "nobody"}}[s.Actor%4]
	tr := supplier.DisputeTrigger(s.Trigger)
	c := validDispute[tr]
	if tr == supplier.TriggerAcceptResolution && who.Has(supplier.RoleSupplierContact) {
		c = disputeAcceptSupplier
	}
	switch s.Variant % 3 {
	case 1:
		c = map[supplier.DisputeTrigger]supplier.DisputeCommand{
			supplier.TriggerInvestigateDispute: supplier.DisputeInvestigation{},
			supplier.TriggerEscalateDispute:    supplier.DisputeEscalation{Level: supplier.LevelLegal},
			supplier.TriggerProposeResolution:  supplier.ResolutionProposal{Text: " "},
			supplier.TriggerAcceptResolution:   disputeAcceptSupplier,
			supplier.TriggerResolveDispute:     supplier.DisputeResolution{},
			supplier.TriggerCloseDispute:       supplier.DisputeClosure{Actions: []string{" "}},
			supplier.TriggerWithdrawDispute:    supplier.DisputeWithdrawal{},
			supplier.TriggerDisputeNote:        supplier.DisputeNote{},
		}[tr]
	case 2:
		f.env.clk.Advance(9 * 24 * time.Hour)
	}
	return f.Disputes.Do(ctx, who, id, c)
}

func FuzzDisputes(f *testing.F) {
	// investigate, propose, accept (organisation), accept (supplier),
	// resolve, close.
	f.Add([]byte{0, 0, 0, 2, 0, 0, 3, 0, 0, 3, 2, 0, 4, 0, 0, 5, 0, 0})
	// investigate, escalate twice, propose, accept (supplier), propose
	// again, accepts, resolve by the deputy, a stranger's note, a
	// withdrawal without reason, then with one.
	f.Add([]byte{0, 0, 0, 1, 0, 0, 1, 0, 2, 2, 0, 0, 3, 2, 0, 2, 1, 0, 3, 0, 0, 3, 2, 0, 4, 1, 0, 7, 3, 0, 6, 0, 1, 6, 0, 0})
	triggers := smstest.Names(supplier.DisputeTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newDisputeEnv(t)
		smstest.FuzzProcess(t, steps, triggers, disputeFuzz{disputeKit{env.svc, env}})
	})
}
