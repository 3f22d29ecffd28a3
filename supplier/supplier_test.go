package supplier_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

type supplierEnv struct {
	*contractEnv
	sup *supplier.Suppliers
}

func newSupplierEnv(t testing.TB) *supplierEnv {
	e := &supplierEnv{contractEnv: newContractEnv(t)}
	sup, err := supplier.NewSuppliers(memstore.New[*supplier.Supplier](), e.svc.InForce, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	e.sup = sup
	return e
}

func (e *supplierEnv) sdo(t testing.TB, who sms.Actor, id string, c supplier.Command) *supplier.Supplier {
	t.Helper()
	s, err := e.sup.Do(e.ctx, who, id, c)
	require.NoError(t, err, "%s", c.Trigger())
	return s
}

var evaluation = supplier.Assessment{Criteria: "supplier-criteria@3", Scores: []supplier.Score{{Criterion: "security", Score: 4, Max: 5}, {Criterion: "price", Score: 3, Max: 5}}, Decision: supplier.Select}

// approved proposes SUP-ACME, evaluated by mona and approved by max.
func (e *supplierEnv) approved(t testing.TB) *supplier.Supplier {
	t.Helper()
	s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{ID: "SUP-ACME", Type: supplier.External, Name: "ACME Hosting", Owner: "mona",
		Processes: []string{"incident management (second line)"}, Subcontractors: []string{"SUP-DCOPS"}})
	require.NoError(t, err)
	e.sdo(t, manager, s.ID, evaluation)
	return e.sdo(t, manager2, s.ID, supplier.Approval{})
}

type supplierKit struct {
	*supplier.Suppliers
	env *supplierEnv
}

var validSupplier = map[supplier.Trigger]supplier.Command{
	supplier.TriggerEvaluate:  evaluation,
	supplier.TriggerApprove:   supplier.Approval{},
	supplier.TriggerReject:    supplier.Rejection{Reason: "no certification"},
	supplier.TriggerActivate:  supplier.Activation{},
	supplier.TriggerSuspend:   supplier.Suspension{Reason: "security incident under investigation"},
	supplier.TriggerReinstate: supplier.Reinstatement{},
	supplier.TriggerBeginExit: supplier.ExitStart{Plan: supplier.ExitPlan{DataReturn: "encrypted dump", Handover: "to the new provider", From: c0, To: c0.Add(24 * time.Hour)}},
	supplier.TriggerTerminate: supplier.Termination{Reason: "the relationship ends"},
	supplier.TriggerUpdate:    supplier.Update{Processes: []string{"incident management"}},
}

func (k supplierKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	tr := supplier.Trigger(trigger)
	if status == string(supplier.StatusProposed) {
		s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: supplier.External, Name: "ACME Hosting", Owner: "mona"})
		require.NoError(t, err)
		return s.ID
	}
	if status == string(supplier.StatusEvaluated) {
		s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: supplier.External, Name: "ACME Hosting", Owner: "mona"})
		require.NoError(t, err)
		e.sdo(t, manager, s.ID, evaluation)
		return s.ID
	}
	if status == string(supplier.StatusRejected) {
		s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: supplier.External, Name: "Cheap Co"})
		require.NoError(t, err)
		e.sdo(t, manager, s.ID, evaluation)
		e.sdo(t, manager, s.ID, validSupplier[supplier.TriggerReject])
		return s.ID
	}
	s := e.approved(t)
	if status == string(supplier.StatusApproved) {
		if tr == supplier.TriggerActivate {
			e.active(t)
		}
		return s.ID
	}
	e.active(t)
	e.sdo(t, manager, s.ID, supplier.Activation{})
	switch supplier.Status(status) {
	case supplier.StatusSuspended:
		e.sdo(t, manager, s.ID, validSupplier[supplier.TriggerSuspend])
	case supplier.StatusExiting, supplier.StatusTerminated:
		e.sdo(t, manager, s.ID, validSupplier[supplier.TriggerBeginExit])
		e.clk.Advance(48 * time.Hour)
		if status == string(supplier.StatusTerminated) {
			e.sdo(t, manager, s.ID, validSupplier[supplier.TriggerTerminate])
		}
	}
	if tr == supplier.TriggerTerminate {
		e.clk.Advance(48 * time.Hour)
	}
	return s.ID
}

func supplierActor(tr supplier.Trigger) sms.Actor {
	if tr == supplier.TriggerApprove {
		return manager2
	}
	return manager
}

func (k supplierKit) Fire(ctx context.Context, id, trigger string) (*supplier.Supplier, error) {
	tr := supplier.Trigger(trigger)
	return k.Do(ctx, supplierActor(tr), id, validSupplier[tr])
}

func (k supplierKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := supplier.Trigger(trigger)
	return k.Suppliers.DryRun(ctx, supplierActor(tr), id, validSupplier[tr])
}

func TestSupplierKit(t *testing.T) {
	triggers := smstest.Names(supplier.Triggers()[1:])
	_, ss, _, err := supplier.Checks(supplier.Policy{})
	require.NoError(t, err)
	smstest.RunProcess(t, smstest.Process[*supplier.Supplier]{
		Workflow: supplier.Workflow(),
		Oracle: map[string]map[string]string{ // from SUP-01, SUP-02, SUP-12 and SUP-13
			"proposed":   {"evaluate": "evaluated", "terminate": "terminated", "update": smstest.Stay},
			"evaluated":  {"approve": "approved", "reject": "rejected", "terminate": "terminated", "update": smstest.Stay},
			"approved":   {"activate": "active", "terminate": "terminated", "update": smstest.Stay},
			"rejected":   {},
			"active":     {"suspend": "suspended", "begin_exit": "exiting", "update": smstest.Stay},
			"suspended":  {"reinstate": "active", "begin_exit": "exiting", "update": smstest.Stay},
			"exiting":    {"terminate": "terminated", "update": smstest.Stay},
			"terminated": {},
		},
		Triggers: triggers,
		Cites:    append(smstest.CitedBy(ss), "SUP-14"),
		Golden:   "testdata/supplier.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*supplier.Supplier] {
			env := newSupplierEnv(t)
			return supplierKit{env.sup, env}
		},
	})
}

// The refusals of the supplier workflow, each leaving the supplier as it
// was: approval by its evaluator or of a refused evaluation (SUP-12),
// activation without a contract in force (SUP-02), a supplier as its own
// subcontractor (SUP-14), an exit without its plan and a termination
// before the exit's end (SUP-13).
func TestSupplierRefusals(t *testing.T) {
	t.Parallel()
	e := newSupplierEnv(t)
	s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{ID: "SUP-ACME", Type: supplier.External, Name: "ACME Hosting", Owner: "mona"})
	require.NoError(t, err)
	e.sdo(t, manager, s.ID, evaluation)
	before := smstest.Snap(t, e.sup, s.ID)
	_, err = e.sup.Do(e.ctx, manager, s.ID, supplier.Approval{})
	var fe *sms.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "SUP-12", fe.Requirement.ID)
	smstest.RequireUnchanged(t, e.sup, s.ID, before)

	refused := func(who sms.Actor, id string, c supplier.Command, want string) {
		t.Helper()
		before := smstest.Snap(t, e.sup, id)
		_, err := e.sup.Do(e.ctx, who, id, c)
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge, "%s", c.Trigger())
		assert.Equal(t, []string{want}, ge.IDs(), "%s", c.Trigger())
		smstest.RequireUnchanged(t, e.sup, id, before)
	}
	refused(manager, s.ID, supplier.Update{Subcontractors: []string{"SUP-ACME"}}, "SUP-14")
	e.sdo(t, manager2, s.ID, supplier.Approval{})
	refused(manager, s.ID, supplier.Activation{}, "SUP-02")
	c := e.draft(t)
	refused(manager, s.ID, supplier.Activation{}, "SUP-02") // a draft is not in force
	_, err = e.svc.Agree(e.ctx, manager, c.ID)
	require.NoError(t, err)
	e.sdo(t, manager, s.ID, supplier.Activation{})
	refused(manager, s.ID, supplier.ExitStart{Plan: supplier.ExitPlan{DataReturn: "dump", Handover: " "}}, "SUP-13")
	e.sdo(t, manager, s.ID, validSupplier[supplier.TriggerBeginExit])
	refused(manager, s.ID, supplier.Termination{Reason: "done"}, "SUP-13")

	r, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: supplier.External, Name: "Cheap Co"})
	require.NoError(t, err)
	e.sdo(t, manager, r.ID, supplier.Assessment{Criteria: "supplier-criteria@3", Scores: []supplier.Score{{Criterion: "security", Score: 1, Max: 5}}, Decision: supplier.Refuse})
	refused(manager2, r.ID, supplier.Approval{}, "SUP-12")

	_, err = e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: "vendor", Name: "x"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "type", ve.Field)
}

// Check 10 and the sweep over stored suppliers and contracts: a supplier
// referenced without a contract, a contract's reviews overdue on their
// quarterly and yearly cadences, and everything in order once reviewed.
func TestConformAndSweep(t *testing.T) {
	t.Parallel()
	e := newSupplierEnv(t)
	s := e.approved(t)
	c := e.active(t)
	e.sdo(t, manager, s.ID, supplier.Activation{})
	p := supplier.Policy{Grace: 24 * time.Hour}
	sweep := func(asOf time.Time, refs ...string) []string {
		t.Helper()
		fs, err := supplier.Sweep(e.ctx, e.sup, e.svc, refs, p, asOf)
		require.NoError(t, err)
		var out []string
		for _, f := range fs {
			out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
		}
		return out
	}
	// Agreed on 1 December 2026: the first quarterly performance review is
	// due at the end of the quarter, 1 January 2027, the yearly contract
	// review the same day; both overdue after the day of grace.
	jan2 := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, []string{"SUPPLIER_NO_CONTRACT SUP-02 SUP-OTHER"}, sweep(jan2, "SUP-OTHER"))
	assert.Equal(t, []string{"SUPPLIER_REVIEW_OVERDUE SUP-06 " + c.ID, "CONTRACT_REVIEW_OVERDUE SUP-08 " + c.ID}, sweep(jan2.Add(time.Second)))

	rep, err := supplier.Conform(e.ctx, e.sup, e.svc, nil, p, jan2)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())

	e.clk.Set(jan2)
	e.do(t, c.ID, supplier.PerformanceReview{From: c0, To: jan2.Add(-24 * time.Hour), Results: []supplier.TargetResult{
		{Metric: "fix", Met: false, Figure: "2 of 9 over 6h", Actions: []string{"CSI-21 joint problem review"}}, {Metric: "monthly patching", Met: true}}})
	e.do(t, c.ID, supplier.ReviewStart{})
	e.do(t, c.ID, supplier.ReviewConclusion{Outcome: supplier.Continue, Alignment: supplier.Alignment{Aligned: true}})
	assert.Empty(t, sweep(jan2.Add(48*time.Hour)))

	// Suspending the contract's supplier keeps it at work; ending the
	// contract leaves it without one.
	e.do(t, c.ID, validContract[supplier.TriggerPlanExit])
	e.do(t, c.ID, supplier.ContractTermination{Reason: "moved in-house"})
	rep, err = supplier.Conform(e.ctx, e.sup, e.svc, nil, p, jan2.Add(48*time.Hour))
	require.NoError(t, err)
	var codes []string
	for _, f := range rep.Findings() {
		codes = append(codes, f.Code+" "+f.Requirement.ID)
	}
	assert.Equal(t, []string{"SUPPLIER_NO_CONTRACT SUP-02"}, codes)
}

// supplierFuzz drives random supplier commands, valid or odd, by the two
// managers or a stranger, through the kit's fuzz driver; a contract is
// agreed for some runs, so that activation can succeed.
type supplierFuzz struct{ supplierKit }

func (f supplierFuzz) Start(t testing.TB) string {
	s, err := f.env.sup.Propose(f.env.ctx, manager, supplier.Proposal{ID: "SUP-ACME", Type: supplier.External, Name: "ACME Hosting", Owner: "mona"})
	require.NoError(t, err)
	return s.ID
}

func (f supplierFuzz) Do(ctx context.Context, id string, s smstest.Step) (*supplier.Supplier, error) {
	who := []sms.Actor{manager, manager2, {ID: "nobody"}}[s.Actor%3]
	tr := supplier.Trigger(s.Trigger)
	c := validSupplier[tr]
	switch s.Variant % 4 {
	case 1:
		odd := map[supplier.Trigger]supplier.Command{
			supplier.TriggerEvaluate:  supplier.Assessment{Criteria: " ", Decision: supplier.Select},
			supplier.TriggerReject:    supplier.Rejection{},
			supplier.TriggerSuspend:   supplier.Suspension{},
			supplier.TriggerBeginExit: supplier.ExitStart{},
			supplier.TriggerUpdate:    supplier.Update{Subcontractors: []string{id}},
		}
		if o, ok := odd[tr]; ok {
			c = o
		}
	case 2:
		f.env.clk.Advance(72 * time.Hour)
	case 3:
		if _, err := f.env.svc.Agree(ctx, manager, f.env.draft(f.env.tb()).ID); err != nil {
			return nil, err
		}
	}
	return f.Suppliers.Do(ctx, who, id, c)
}

func FuzzSuppliers(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 0, 3, 0, 3, 4, 0, 0, 7, 0, 0, 6, 0, 2, 7, 0, 0})
	f.Add([]byte{0, 0, 1, 2, 0, 1, 8, 0, 1})
	triggers := smstest.Names(supplier.Triggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newSupplierEnv(t)
		smstest.FuzzProcess(t, steps, triggers, supplierFuzz{supplierKit{env.sup, env}})
	})
}

// An internal supplier works under its internal agreement (SUP-11): its
// activation is refused without one and changes nothing.
func TestInternalSupplierNeedsItsAgreement(t *testing.T) {
	t.Parallel()
	e := newSupplierEnv(t)
	s, err := e.sup.Propose(e.ctx, manager, supplier.Proposal{Type: supplier.Internal, Name: "Database team", Owner: "mona"})
	require.NoError(t, err)
	e.sdo(t, manager, s.ID, evaluation)
	e.sdo(t, manager2, s.ID, supplier.Approval{})
	before := smstest.Snap(t, e.sup, s.ID)
	_, err = e.sup.Do(e.ctx, manager, s.ID, supplier.Activation{})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SUP-11"}, ge.IDs())
	smstest.RequireUnchanged(t, e.sup, s.ID, before)
	e.sdo(t, manager, s.ID, supplier.Update{Agreement: "OLA-db"})
	got := e.sdo(t, manager, s.ID, supplier.Activation{})
	assert.Equal(t, supplier.StatusActive, got.Status, "no contract needed: the internal agreement is its contract")
}
