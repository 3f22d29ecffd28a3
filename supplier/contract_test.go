package supplier_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

var (
	manager  = sms.Actor{ID: "mona", Roles: []sms.Role{supplier.RoleSupplierManager}}
	manager2 = sms.Actor{ID: "max", Roles: []sms.Role{supplier.RoleSupplierManager}}
)

var c0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func terms() supplier.Terms {
	return supplier.Terms{
		Document:       supplier.Document{Ref: "DMS-881", Version: "1.0"},
		Scope:          []string{"database hosting for payroll"},
		Requirements:   []string{"ISO/IEC 27001 certified data centre"},
		Targets:        []servicelevel.Target{{Metric: "fix", Objective: "6h", Calendar: "office@1"}},
		Obligations:    []string{"monthly patching"},
		OurDuties:      []string{"report incidents through the portal"},
		SupplierDuties: []string{"restore service within the target"},
		Interfaces:     []supplier.Interface{{Process: "incident", Contact: "noc@acme.example", Channel: "portal", EscalationPath: "duty manager, then account director"}},
		Term:           term(c0),
	}
}

// term is a yearly term from start in Berlin with three months' notice,
// not renewed.
func term(start time.Time) supplier.Term {
	return supplier.Term{Start: start, Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewNever, NoticeMonths: 3}
}

type changeBook map[string]bool

func (b changeBook) Authorized(_ context.Context, id string) (bool, error) { return b[id], nil }

type contractEnv struct {
	svc *supplier.Contracts
	clk *smstest.Clock
	ctx context.Context
	t   testing.TB
}

func (e *contractEnv) tb() testing.TB { return e.t }

func newContractEnv(t testing.TB) *contractEnv {
	clk := smstest.NewClock(c0)
	svc, err := supplier.NewContracts(memstore.New[*supplier.Contract](), changeBook{"CHG-9": true}, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &contractEnv{svc: svc, clk: clk, ctx: context.Background(), t: t}
}

func (e *contractEnv) draft(t testing.TB) *supplier.Contract {
	return e.draftRenewed(t, supplier.RenewNever)
}

func (e *contractEnv) draftRenewed(t testing.TB, r supplier.Renewal) *supplier.Contract {
	t.Helper()
	tm := terms()
	tm.Term.Renewal = r
	c, err := e.svc.Draft(e.ctx, manager, supplier.ContractDraft{Supplier: "SUP-ACME", Title: "Database hosting", Owner: "mona", Terms: tm})
	require.NoError(t, err)
	return c
}

func (e *contractEnv) active(t testing.TB) *supplier.Contract {
	return e.activeRenewed(t, supplier.RenewNever)
}

func (e *contractEnv) activeRenewed(t testing.TB, r supplier.Renewal) *supplier.Contract {
	t.Helper()
	c, err := e.svc.Agree(e.ctx, manager, e.draftRenewed(t, r).ID)
	require.NoError(t, err)
	return c
}

func (e *contractEnv) do(t testing.TB, id string, c supplier.ContractCommand) *supplier.Contract {
	t.Helper()
	got, err := e.svc.Do(e.ctx, manager, id, c)
	require.NoError(t, err, "%s", c.Trigger())
	return got
}

var validContract = map[supplier.ContractTrigger]supplier.ContractCommand{
	supplier.TriggerReviseContract:    supplier.ContractRevision{Terms: terms()},
	supplier.TriggerAgree:             supplier.Agreement{},
	supplier.TriggerAssessPerformance: supplier.PerformanceReview{From: c0, To: c0.Add(24 * time.Hour), Results: []supplier.TargetResult{{Metric: "fix", Met: true}, {Metric: "monthly patching", Met: true}}},
	supplier.TriggerReviewContract:    supplier.ReviewStart{},
	supplier.TriggerConcludeReview:    supplier.ReviewConclusion{Outcome: supplier.Continue, Alignment: supplier.Alignment{Aligned: true}},
	supplier.TriggerProposeAmendment:  supplier.AmendmentProposal{Terms: terms(), Reason: "add weekend support", Change: "CHG-9"},
	supplier.TriggerAssessImpact:      supplier.ImpactAssessment{Services: "payroll gains weekend cover", SMS: "the incident procedure names the new contact"},
	supplier.TriggerAgreeAmendment:    supplier.AmendmentAgreement{},
	supplier.TriggerWithdrawAmendment: supplier.AmendmentWithdrawal{Reason: "budget not approved"},
	supplier.TriggerPlanExit:          supplier.ExitPlanning{Plan: supplier.ExitPlan{DataReturn: "encrypted dump", Handover: "to the new provider", From: c0, To: c0.Add(30 * 24 * time.Hour)}},
	supplier.TriggerGiveNotice:        supplier.Notice{},
	supplier.TriggerRenew:             supplier.RenewalDecision{},
	supplier.TriggerExpire:            supplier.ContractExpiry{},
	supplier.TriggerTerminateContract: supplier.ContractTermination{Reason: "the service moves in-house"},
	supplier.TriggerContractNote:      supplier.ContractNote{Text: "see the minutes"},
}

type contractKit struct {
	*supplier.Contracts
	env *contractEnv
}

func (k contractKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	if status == string(supplier.ContractDrafted) {
		return e.draft(t).ID
	}
	tr := supplier.ContractTrigger(trigger)
	renewal := supplier.RenewNever
	switch supplier.ContractStatus(status) {
	case supplier.ContractExpired, supplier.ContractTerminated:
		tr = ""
	}
	switch tr {
	case supplier.TriggerGiveNotice:
		renewal = supplier.RenewTacit
	case supplier.TriggerRenew:
		renewal = supplier.RenewExpress
	}
	c := e.activeRenewed(t, renewal)
	switch supplier.ContractStatus(status) {
	case supplier.ContractUnderReview:
		e.do(t, c.ID, supplier.ReviewStart{})
	case supplier.ContractAmending:
		e.do(t, c.ID, validContract[supplier.TriggerProposeAmendment])
		if tr == supplier.TriggerAgreeAmendment {
			e.do(t, c.ID, validContract[supplier.TriggerAssessImpact])
		}
	case supplier.ContractExpired, supplier.ContractTerminated:
		e.do(t, c.ID, validContract[supplier.TriggerPlanExit])
		if status == string(supplier.ContractExpired) {
			e.clk.Advance(3 * 366 * 24 * time.Hour)
			e.do(t, c.ID, supplier.ContractExpiry{})
		} else {
			e.do(t, c.ID, validContract[supplier.TriggerTerminateContract])
		}
		return c.ID
	}
	switch tr {
	case supplier.TriggerAssessPerformance:
		e.clk.Advance(48 * time.Hour)
	case supplier.TriggerExpire, supplier.TriggerTerminateContract:
		if status != string(supplier.ContractDrafted) {
			e.do(t, c.ID, validContract[supplier.TriggerPlanExit])
		}
		if tr == supplier.TriggerExpire {
			e.clk.Advance(3 * 366 * 24 * time.Hour)
		}
	}
	return c.ID
}

func (k contractKit) Fire(ctx context.Context, id, trigger string) (*supplier.Contract, error) {
	return k.Do(ctx, manager, id, validContract[supplier.ContractTrigger(trigger)])
}

func (k contractKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Contracts.DryRun(ctx, manager, id, validContract[supplier.ContractTrigger(trigger)])
}

func TestContractKit(t *testing.T) {
	triggers := smstest.Names(supplier.ContractTriggers()[1:])
	cs, _, _, err := supplier.Checks(supplier.Policy{})
	require.NoError(t, err)
	smstest.RunProcess(t, smstest.Process[*supplier.Contract]{
		Workflow: supplier.ContractWorkflow(),
		Oracle: map[string]map[string]string{ // from SUP-03, SUP-06, SUP-08, SUP-09 and SUP-13
			"draft":             {"revise": smstest.Stay, "agree": "active", "terminate": "terminated", "note": smstest.Stay},
			"active":            {"assess_performance": smstest.Stay, "review": "under_review", "propose_amendment": "amendment_pending", "plan_exit": smstest.Stay, "give_notice": smstest.Stay, "renew": smstest.Stay, "expire": "expired", "terminate": "terminated", "note": smstest.Stay},
			"under_review":      {"assess_performance": smstest.Stay, "conclude_review": "active", "plan_exit": smstest.Stay, "give_notice": smstest.Stay, "renew": smstest.Stay, "expire": "expired", "terminate": "terminated", "note": smstest.Stay},
			"amendment_pending": {"assess_performance": smstest.Stay, "assess_impact": smstest.Stay, "agree_amendment": "active", "withdraw_amendment": "active", "plan_exit": smstest.Stay, "give_notice": smstest.Stay, "renew": smstest.Stay, "terminate": "terminated", "note": smstest.Stay},
			"expired":           {"note": smstest.Stay},
			"terminated":        {"note": smstest.Stay},
		},
		Triggers: triggers,
		Cites:    smstest.CitedBy(cs),
		Golden:   "testdata/contract.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*supplier.Contract] {
			env := newContractEnv(t)
			return contractKit{env.svc, env}
		},
	})
}

// The refusals of the contract workflow, each leaving the contract as it
// was (SUP-01, SUP-03, SUP-04, SUP-05, SUP-06, SUP-07, SUP-09, SUP-13).
func TestContractRefusals(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t)
	refused := func(id string, c supplier.ContractCommand, want string) {
		t.Helper()
		before := smstest.Snap(t, e.svc, id)
		_, err := e.svc.Do(e.ctx, manager, id, c)
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge, "%s", c.Trigger())
		assert.Contains(t, ge.IDs(), want, "%s", c.Trigger())
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	// Agreement needs the terms complete: no interfaces (SUP-05), no
	// responsibilities of the supplier (SUP-03).
	d := e.draft(t)
	bare := terms()
	bare.Interfaces = nil
	e.do(t, d.ID, supplier.ContractRevision{Terms: bare})
	refused(d.ID, supplier.Agreement{}, "SUP-05")
	bare = terms()
	bare.SupplierDuties = nil
	e.do(t, d.ID, supplier.ContractRevision{Terms: bare})
	refused(d.ID, supplier.Agreement{}, "SUP-03")

	_, err := e.svc.Draft(e.ctx, manager, supplier.ContractDraft{ID: "CON-noowner", Supplier: "SUP-ACME", Terms: terms()})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SUP-01"}, ge.IDs())

	c := e.active(t)
	e.clk.Advance(48 * time.Hour)
	refused(c.ID, supplier.PerformanceReview{From: c0, To: c0.Add(24 * time.Hour), Results: []supplier.TargetResult{{Metric: "fix", Met: true}}}, "SUP-06")
	refused(c.ID, supplier.PerformanceReview{From: c0, To: c0.Add(24 * time.Hour), Results: []supplier.TargetResult{{Metric: "fix", Met: false}, {Metric: "monthly patching", Met: true}}}, "SUP-07")
	refused(c.ID, supplier.PerformanceReview{From: c0, To: e.clk.Now().Add(time.Hour), Results: []supplier.TargetResult{{Metric: "fix", Met: true}, {Metric: "monthly patching", Met: true}}}, "SUP-06")

	e.do(t, c.ID, supplier.ReviewStart{})
	refused(c.ID, supplier.ReviewConclusion{Outcome: supplier.Amend, Alignment: supplier.Alignment{Aligned: false, Risk: "fix 6h is looser than the SLA's 4h"}}, "SUP-04")
	e.do(t, c.ID, supplier.ReviewConclusion{Outcome: supplier.Amend, Alignment: supplier.Alignment{Risk: "fix 6h is looser than the SLA's 4h", RiskOwner: "mona"}})

	// An amendment is agreed only once assessed, and its change authorized.
	e.do(t, c.ID, supplier.AmendmentProposal{Terms: terms(), Reason: "tighter fix target", Change: "CHG-404"})
	refused(c.ID, supplier.AmendmentAgreement{}, "SUP-09")
	refused(c.ID, supplier.ImpactAssessment{Services: "payroll"}, "SUP-09")
	e.do(t, c.ID, validContract[supplier.TriggerAssessImpact])
	refused(c.ID, supplier.AmendmentAgreement{}, "SUP-09") // CHG-404 is not authorized
	e.do(t, c.ID, supplier.AmendmentWithdrawal{Reason: "the change was rejected"})

	// Ending it needs the exit planned (SUP-13), and the term's end.
	refused(c.ID, supplier.ContractTermination{Reason: "moving in-house"}, "SUP-13")
	e.do(t, c.ID, validContract[supplier.TriggerPlanExit])
	refused(c.ID, supplier.ContractExpiry{}, "SUP-13")
}

// An agreed amendment is the contract's next version, its terms applied.
func TestAmendment(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t)
	c := e.active(t)
	next := terms()
	next.Targets[0].Objective = "4h"
	e.do(t, c.ID, supplier.AmendmentProposal{Terms: next, Reason: "align with the SLA", Change: "CHG-9"})
	e.do(t, c.ID, validContract[supplier.TriggerAssessImpact])
	got := e.do(t, c.ID, supplier.AmendmentAgreement{})
	assert.Equal(t, 2, got.Edition)
	assert.Equal(t, "4h", got.Targets[0].Objective)
	assert.Nil(t, got.Pending)
	require.NoError(t, e.svc.Verify(e.ctx, c.ID))
}

// contractFuzz drives random contract commands, valid or odd, with the
// clock moved, through the kit's fuzz driver.
type contractFuzz struct{ contractKit }

func (f contractFuzz) Start(t testing.TB) string { return f.env.draft(t).ID }

func (f contractFuzz) Do(ctx context.Context, id string, s smstest.Step) (*supplier.Contract, error) {
	who := []sms.Actor{manager, manager2, {ID: "nobody"}}[s.Actor%3]
	tr := supplier.ContractTrigger(s.Trigger)
	c := validContract[tr]
	switch s.Variant % 3 {
	case 1:
		odd := map[supplier.ContractTrigger]supplier.ContractCommand{
			supplier.TriggerReviseContract:    supplier.ContractRevision{Terms: supplier.Terms{Term: supplier.Term{Start: c0, Months: 1, NoticeMonths: 2}}},
			supplier.TriggerAssessPerformance: supplier.PerformanceReview{From: c0, To: c0},
			supplier.TriggerConcludeReview:    supplier.ReviewConclusion{Outcome: "maybe"},
			supplier.TriggerProposeAmendment:  supplier.AmendmentProposal{Reason: " "},
			supplier.TriggerAssessImpact:      supplier.ImpactAssessment{},
			supplier.TriggerPlanExit:          supplier.ExitPlanning{Plan: supplier.ExitPlan{DataReturn: "x", Handover: "y", From: c0, To: c0}},
			supplier.TriggerTerminateContract: supplier.ContractTermination{},
			supplier.TriggerContractNote:      supplier.ContractNote{},
		}
		if o, ok := odd[tr]; ok {
			c = o
		}
	case 2:
		f.env.clk.Advance(100 * 24 * time.Hour)
	}
	return f.Contracts.Do(ctx, who, id, c)
}

func FuzzContracts(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 0, 2, 3, 0, 0, 4, 0, 0, 5, 0, 1})
	f.Add([]byte{1, 0, 0, 6, 0, 0, 7, 0, 0, 8, 0, 0, 10, 0, 0, 13, 0, 0})
	triggers := smstest.Names(supplier.ContractTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newContractEnv(t)
		smstest.FuzzProcess(t, steps, triggers, contractFuzz{contractKit{env.svc, env}})
	})
}

// Bad terms are typed errors and store nothing: a notice as long as the
// term, a term of no length.
func TestContractBadTerms(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t)
	for name, edit := range map[string]func(*supplier.Term){
		"notice as long as the term": func(tm *supplier.Term) { tm.NoticeMonths = 12 },
		"no length":                  func(tm *supplier.Term) { tm.Months = 0 },
		"unknown zone":               func(tm *supplier.Term) { tm.Zone = "Mars/Olympus" },
	} {
		tm := terms()
		edit(&tm.Term)
		_, err := e.svc.Draft(e.ctx, manager, supplier.ContractDraft{ID: "CON-bad", Supplier: "SUP-ACME", Owner: "mona", Terms: tm})
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Contains(t, ve.Field, "term", name)
		_, err = e.svc.Get(e.ctx, "CON-bad")
		require.ErrorIs(t, err, sms.ErrNotFound, name)
	}
}

// The contracts are the disputes' lookup: a dispute is raised only under a
// contract of its supplier and escalates up the path the contract agrees
// (SUP-10); a path out of order is a typed error.
func TestContractsAsDisputeLookup(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t)
	tm := terms()
	tm.Escalation = []supplier.DisputeLevel{supplier.LevelManagement, supplier.LevelArbitration}
	c, err := e.svc.Draft(e.ctx, manager, supplier.ContractDraft{Supplier: "SUP-ACME", Owner: "mona", Terms: tm})
	require.NoError(t, err)
	ds, err := supplier.NewDisputes(memstore.New[*supplier.Dispute](), e.svc, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	_, err = ds.Raise(e.ctx, manager, supplier.DisputeRaise{ID: "DSP-x", Supplier: "SUP-OTHER", Contract: c.ID, Subject: "invoice", Amount: "EUR 10"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge, "another supplier's contract")
	d, err := ds.Raise(e.ctx, manager, supplier.DisputeRaise{Supplier: "SUP-ACME", Contract: c.ID, Subject: "invoice", Amount: "EUR 10"})
	require.NoError(t, err)
	_, err = ds.Investigate(e.ctx, manager, d.ID, supplier.DisputeInvestigation{Owner: "mona"})
	require.NoError(t, err)
	_, err = ds.Escalate(e.ctx, manager, d.ID, supplier.DisputeEscalation{Reason: "no answer"})
	require.NoError(t, err)
	_, err = ds.Escalate(e.ctx, manager, d.ID, supplier.DisputeEscalation{Level: supplier.LevelLegal, Reason: "lawyers"})
	require.ErrorAs(t, err, &ge, "the contract agrees no legal level")
	got, err := ds.Escalate(e.ctx, manager, d.ID, supplier.DisputeEscalation{Reason: "still no answer"})
	require.NoError(t, err)
	assert.Equal(t, supplier.LevelArbitration, got.Level, "management, then arbitration")

	tm.Escalation = []supplier.DisputeLevel{supplier.LevelLegal, supplier.LevelManagement}
	_, err = e.svc.Draft(e.ctx, manager, supplier.ContractDraft{Supplier: "SUP-ACME", Owner: "mona", Terms: tm})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "escalation", ve.Field)
}

// A contract review concludes with one of the outcomes SUP-08 names; any
// other is a typed error and the review stays open.
func TestReviewOutcome(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t)
	c := e.active(t)
	e.do(t, c.ID, supplier.ReviewStart{})
	before := smstest.Snap(t, e.svc, c.ID)
	_, err := e.svc.ConcludeReview(e.ctx, manager, c.ID, supplier.ReviewConclusion{Outcome: "carry on", Alignment: supplier.Alignment{Aligned: true}})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "outcome", ve.Field)
	smstest.RequireUnchanged(t, e.svc, c.ID, before)
	got, err := e.svc.ConcludeReview(e.ctx, manager, c.ID, supplier.ReviewConclusion{Outcome: supplier.Renegotiate, Alignment: supplier.Alignment{Aligned: true}})
	require.NoError(t, err)
	assert.Equal(t, supplier.Renegotiate, got.Outcome)
	assert.Equal(t, supplier.ContractActive, got.Status)
}
