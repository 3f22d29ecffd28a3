package continuity_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

var (
	reqT0       = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	reqAuthor   = sms.Actor{ID: "ann", Roles: []sms.Role{continuity.RoleContinuityManager}}
	reqCara     = sms.Actor{ID: "cara", Roles: []sms.Role{continuity.RoleCustomer}}
	reqDan      = sms.Actor{ID: "dan", Roles: []sms.Role{continuity.RoleCustomer}}
	reqStranger = sms.Actor{ID: "nobody"}
)

// reqContent is payroll's requirement: recovered within 4 hours, at most
// 15 minutes of data lost, 8 hours of disruption tolerable at most.
func reqContent() continuity.RequirementContent {
	return continuity.RequirementContent{
		Objectives:   continuity.Objectives{RTO: 4 * time.Hour, RPO: 15 * time.Minute, MTPD: 8 * time.Hour, MinServiceLevel: "payslips issued on the run date"},
		Dependencies: []continuity.Dependency{{Kind: continuity.DependencyService, ID: "hr-db"}, {Kind: continuity.DependencySupplier, ID: "SUP-hosting"}},
		Basis:        []string{"BR-payroll-7", "SLA-payroll", "RISK-dc-loss"},
	}
}

// reqFakeAgreed is the host's look-up of the agreed requirements, by
// service.
type reqFakeAgreed map[string]continuity.Objectives

func (f reqFakeAgreed) Agreed(_ context.Context, service string) (continuity.Objectives, bool, error) {
	o, ok := f[service]
	return o, ok, nil
}

type reqEnv struct {
	svc *continuity.Requirements
	clk *smstest.Clock
	ctx context.Context
}

func newReqEnv(t testing.TB, deps continuity.AgreedRequirements) *reqEnv {
	clk := smstest.NewClock(reqT0)
	svc, err := continuity.NewRequirements(memstore.New[*continuity.Requirement](), deps, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &reqEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *reqEnv) draft(t testing.TB, service, amends string, agreedBy ...sms.Actor) *continuity.Requirement {
	t.Helper()
	r, err := e.svc.Draft(e.ctx, reqAuthor, continuity.RequirementDraft{Service: service, Amends: amends, RequirementContent: reqContent()})
	require.NoError(t, err)
	for _, c := range agreedBy {
		r, err = e.svc.Agree(e.ctx, c, r.ID, continuity.CustomerAgreement{})
		require.NoError(t, err)
	}
	return r
}

func (e *reqEnv) agreed(t testing.TB, service, amends string) *continuity.Requirement {
	t.Helper()
	r, err := e.svc.Confirm(e.ctx, reqAuthor, e.draft(t, service, amends, reqCara, reqDan).ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)
	return r
}

type reqKit struct {
	*continuity.Requirements
	env *reqEnv
}

func (k reqKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	if continuity.RequirementStatus(status) == continuity.RequirementDrafted {
		if trigger == string(continuity.TriggerRequirementConfirm) {
			return e.draft(t, "payroll", "", reqCara, reqDan).ID
		}
		return e.draft(t, "payroll", "").ID
	}
	r := e.agreed(t, "payroll", "")
	var err error
	switch continuity.RequirementStatus(status) {
	case continuity.RequirementSuperseded:
		_, err = e.svc.Confirm(e.ctx, reqAuthor, e.draft(t, "payroll", r.ID, reqCara, reqDan).ID, continuity.RequirementConfirmation{})
	case continuity.RequirementRetired:
		_, err = e.svc.Retire(e.ctx, reqAuthor, r.ID, continuity.RequirementRetirement{Reason: "the service is retired"})
	}
	require.NoError(t, err)
	return r.ID
}

var reqValid = map[continuity.RequirementTrigger]continuity.RequirementCommand{
	continuity.TriggerRequirementRevise:  continuity.RequirementRevision{RequirementContent: reqContent()},
	continuity.TriggerRequirementAgree:   continuity.CustomerAgreement{},
	continuity.TriggerRequirementConfirm: continuity.RequirementConfirmation{},
	continuity.TriggerRequirementRetire:  continuity.RequirementRetirement{Reason: "the service is retired"},
	continuity.TriggerRequirementNote:    continuity.RequirementNote{Text: "see the business impact analysis"},
}

func reqActor(tr continuity.RequirementTrigger) sms.Actor {
	if tr == continuity.TriggerRequirementAgree {
		return reqCara
	}
	return reqAuthor
}

func (k reqKit) Fire(ctx context.Context, id, trigger string) (*continuity.Requirement, error) {
	tr := continuity.RequirementTrigger(trigger)
	return k.Do(ctx, reqActor(tr), id, reqValid[tr])
}

func (k reqKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := continuity.RequirementTrigger(trigger)
	return k.Requirements.DryRun(ctx, reqActor(tr), id, reqValid[tr])
}

func TestRequirementKit(t *testing.T) {
	var triggers []string
	for _, tr := range continuity.RequirementTriggers()[1:] {
		if tr != continuity.TriggerRequirementSupersede { // only an edition's confirmation fires it: TestRequirementEditions
			triggers = append(triggers, string(tr))
		}
	}
	smstest.RunProcess(t, smstest.Process[*continuity.Requirement]{
		Workflow: continuity.RequirementWorkflow(),
		Oracle: map[string]map[string]string{ // from CON-02 and CON-03
			"draft":      {"revise": smstest.Stay, "agree": smstest.Stay, "confirm": "agreed", "retire": "retired", "note": smstest.Stay},
			"agreed":     {"supersede": "superseded", "retire": "retired", "note": smstest.Stay},
			"superseded": {"note": smstest.Stay},
			"retired":    {"note": smstest.Stay},
		},
		Triggers: triggers,
		Golden:   "testdata/requirement.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*continuity.Requirement] {
			env := newReqEnv(t, reqFakeAgreed{})
			return reqKit{env.svc, env}
		},
	})
}

// The refusals of the continuity requirement workflow, each leaving the
// record as it was: a revision whose RTO is beyond the MTPD or without a
// basis (CON-02); confirmation agreed by one customer only, agreement by
// its author, by a non-customer and twice by one customer (CON-03).
func TestRequirementRefusals(t *testing.T) {
	t.Parallel()
	e := newReqEnv(t, nil)
	r := e.draft(t, "payroll", "")
	before := smstest.Snap(t, e.svc, r.ID)
	refused := func(err error, want string) {
		t.Helper()
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{want}, ge.IDs())
		smstest.RequireUnchanged(t, e.svc, r.ID, before)
	}
	forbidden := func(err error, want string) {
		t.Helper()
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, "CON-03", fe.Requirement.ID)
		assert.Equal(t, want, fe.Requirement.Text)
		smstest.RequireUnchanged(t, e.svc, r.ID, before)
	}

	late := reqContent()
	late.Objectives.RTO = 9 * time.Hour // 9h > the MTPD of 8h
	_, err := e.svc.Revise(e.ctx, reqAuthor, r.ID, continuity.RequirementRevision{RequirementContent: late})
	refused(err, "CON-02")
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, "the recovery time objective is within the maximum tolerable period of disruption", ge.Unmet[0].Text)

	bare := reqContent()
	bare.Basis = nil
	_, err = e.svc.Revise(e.ctx, reqAuthor, r.ID, continuity.RequirementRevision{RequirementContent: bare})
	refused(err, "CON-02")

	_, err = e.svc.Draft(e.ctx, reqAuthor, continuity.RequirementDraft{ID: "CR-nobasis", Service: "payroll", RequirementContent: bare})
	smstest.RequireRefused(t, err, "CON-02")
	_, err = e.svc.Get(e.ctx, "CR-nobasis")
	require.ErrorIs(t, err, sms.ErrNotFound)

	// The author holds the customer role too: the parties exclude them.
	both := sms.Actor{ID: reqAuthor.ID, Roles: []sms.Role{continuity.RoleContinuityManager, continuity.RoleCustomer}}
	_, err = e.svc.Agree(e.ctx, both, r.ID, continuity.CustomerAgreement{})
	forbidden(err, "an author of a continuity requirement does not agree it for the customer")

	for _, who := range []sms.Actor{reqStranger, reqAuthor} {
		_, err = e.svc.Agree(e.ctx, who, r.ID, continuity.CustomerAgreement{})
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, []sms.Role{continuity.RoleCustomer}, fe.Roles, who.ID)
		smstest.RequireUnchanged(t, e.svc, r.ID, before)
	}

	r, err = e.svc.Agree(e.ctx, reqCara, r.ID, continuity.CustomerAgreement{})
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, r.ID)
	_, err = e.svc.Agree(e.ctx, reqCara, r.ID, continuity.CustomerAgreement{})
	forbidden(err, "each customer representative agrees a requirement once")
	_, err = e.svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	refused(err, "CON-03")

	// A revision withdraws the agreement given: two agreements are needed
	// again.
	r, err = e.svc.Revise(e.ctx, reqAuthor, r.ID, continuity.RequirementRevision{RequirementContent: reqContent()})
	require.NoError(t, err)
	assert.Empty(t, r.Agreements)
	r, err = e.svc.Agree(e.ctx, reqDan, r.ID, continuity.CustomerAgreement{})
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, r.ID)
	_, err = e.svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	refused(err, "CON-03")
	r, err = e.svc.Agree(e.ctx, reqCara, r.ID, continuity.CustomerAgreement{})
	require.NoError(t, err)
	r, err = e.svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)
	assert.Equal(t, continuity.RequirementAgreed, r.Status)
	assert.Equal(t, reqT0, r.AgreedAt)
}

// A service the requirement depends on, whose own agreed RTO is longer
// than the requirement's, refuses the confirmation (CON-02): hr-db's 6h is
// longer than payroll's 4h; at 3h it is within. A supplier dependency is
// not looked up.
func TestRequirementDependencies(t *testing.T) {
	t.Parallel()
	deps := reqFakeAgreed{"hr-db": {RTO: 6 * time.Hour, MTPD: 12 * time.Hour}}
	e := newReqEnv(t, deps)
	r := e.draft(t, "payroll", "", reqCara, reqDan)
	before := smstest.Snap(t, e.svc, r.ID)
	_, err := e.svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	ge := smstest.RequireRefused(t, err, "CON-02")
	assert.Equal(t, []string{"CON-02"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, r.ID, before)

	deps["hr-db"] = continuity.Objectives{RTO: 3 * time.Hour, MTPD: 12 * time.Hour}
	_, err = e.svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)

	self := reqContent()
	self.Dependencies = append(self.Dependencies, continuity.Dependency{Kind: continuity.DependencyService, ID: "payroll"})
	_, err = e.svc.Draft(e.ctx, reqAuthor, continuity.RequirementDraft{Service: "payroll", RequirementContent: self})
	smstest.RequireRefused(t, err, "CON-02")
}

// Malformed input is a *sms.ValidationError and stores nothing.
func TestRequirementBadInput(t *testing.T) {
	t.Parallel()
	e := newReqEnv(t, nil)
	for field, edit := range map[string]func(*continuity.RequirementContent){
		"objectives.rpo": func(c *continuity.RequirementContent) { c.Objectives.RPO = -time.Minute },
		"objectives.rto": func(c *continuity.RequirementContent) { c.Objectives.RTO = -time.Minute },
		"dependencies.kind": func(c *continuity.RequirementContent) {
			c.Dependencies = []continuity.Dependency{{Kind: "building", ID: "HQ"}}
		},
	} {
		c := reqContent()
		edit(&c)
		_, err := e.svc.Draft(e.ctx, reqAuthor, continuity.RequirementDraft{ID: "CR-bad", Service: "payroll", RequirementContent: c})
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
		_, err = e.svc.Get(e.ctx, "CR-bad")
		require.ErrorIs(t, err, sms.ErrNotFound, field)
	}
}

// A new edition amends the agreed requirement, which stays agreed until the
// edition is confirmed and is then superseded in the same commit (CON-03);
// Agreed gives the agreed edition's objectives throughout, and false for a
// service with none agreed.
func TestRequirementEditions(t *testing.T) {
	t.Parallel()
	e := newReqEnv(t, nil)
	ctx := e.ctx
	_, ok, err := e.svc.Agreed(ctx, "payroll")
	require.NoError(t, err)
	assert.False(t, ok, "nothing agreed yet")

	old := e.agreed(t, "payroll", "")
	got, ok, err := e.svc.Agreed(ctx, "payroll")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, reqContent().Objectives, got)

	next, err := e.svc.Draft(ctx, reqAuthor, continuity.RequirementDraft{Service: "payroll", Amends: old.ID, RequirementContent: reqContent()})
	require.NoError(t, err)
	assert.Equal(t, 2, next.Edition)
	faster := reqContent()
	faster.Objectives.RTO = 2 * time.Hour
	_, err = e.svc.Revise(ctx, reqAuthor, next.ID, continuity.RequirementRevision{RequirementContent: faster})
	require.NoError(t, err)
	for _, c := range []sms.Actor{reqDan, reqCara} {
		_, err = e.svc.Agree(ctx, c, next.ID, continuity.CustomerAgreement{})
		require.NoError(t, err)
	}
	stored, err := e.svc.Get(ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, continuity.RequirementAgreed, stored.Status, "in force until the edition is confirmed")
	got, _, err = e.svc.Agreed(ctx, "payroll")
	require.NoError(t, err)
	assert.Equal(t, 4*time.Hour, got.RTO, "the draft edition does not count")

	_, err = e.svc.Confirm(ctx, reqAuthor, next.ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)
	stored, err = e.svc.Get(ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, continuity.RequirementSuperseded, stored.Status)
	assert.Equal(t, next.ID, stored.SupersededBy)
	j, err := e.svc.Journal(ctx, old.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "draft", "agree", "agree", "confirm", "supersede")
	got, ok, err = e.svc.Agreed(ctx, "payroll")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, faster.Objectives, got)

	_, ok, err = e.svc.Agreed(ctx, "hr-db")
	require.NoError(t, err)
	assert.False(t, ok, "a service with no requirement")
	_, _, err = e.svc.Agreed(ctx, "")
	require.ErrorIs(t, err, sms.ErrInvalid)

	_, err = e.svc.Draft(ctx, reqAuthor, continuity.RequirementDraft{Service: "payroll", Amends: old.ID, RequirementContent: reqContent()})
	smstest.RequireRefused(t, err, "CON-03") // a superseded edition is not amended
}

// Another Requirements on the same store is the look-up of a host whose
// requirements all live there: payroll, at 4h, depends on hr-db, agreed at
// 6h; 6h > 4h refuses the confirmation (CON-02).
func TestRequirementAgreedWiring(t *testing.T) {
	t.Parallel()
	store := memstore.New[*continuity.Requirement]()
	look, err := continuity.NewRequirements(store, nil, sms.Options{})
	require.NoError(t, err)
	svc, err := continuity.NewRequirements(store, look, sms.Options{})
	require.NoError(t, err)
	e := &reqEnv{svc: svc, ctx: context.Background()}
	slow := reqContent()
	slow.Objectives.RTO, slow.Dependencies = 6*time.Hour, nil
	db, err := svc.Draft(e.ctx, reqAuthor, continuity.RequirementDraft{Service: "hr-db", RequirementContent: slow})
	require.NoError(t, err)
	for _, c := range []sms.Actor{reqCara, reqDan} {
		_, err = svc.Agree(e.ctx, c, db.ID, continuity.CustomerAgreement{})
		require.NoError(t, err)
	}
	_, err = svc.Confirm(e.ctx, reqAuthor, db.ID, continuity.RequirementConfirmation{})
	require.NoError(t, err)

	r := e.draft(t, "payroll", "", reqCara, reqDan)
	before := smstest.Snap(t, svc, r.ID)
	_, err = svc.Confirm(e.ctx, reqAuthor, r.ID, continuity.RequirementConfirmation{})
	smstest.RequireRefused(t, err, "CON-02")
	smstest.RequireUnchanged(t, svc, r.ID, before)
}

// reqFuzz is what the fuzz driver needs: random requirement commands,
// valid or odd, by the author, two customers or a stranger, with the clock
// moved.
type reqFuzz struct{ reqKit }

func (f reqFuzz) Start(t testing.TB) string { return f.env.draft(t, "payroll", "").ID }

func (f reqFuzz) Do(ctx context.Context, id string, s smstest.Step) (*continuity.Requirement, error) {
	who := []sms.Actor{reqAuthor, reqCara, reqDan, reqStranger}[s.Actor%4]
	tr := continuity.RequirementTrigger(s.Trigger)
	c := reqValid[tr]
	switch s.Variant % 4 {
	case 1:
		late := reqContent()
		late.Objectives.RTO = 10 * time.Hour
		c = map[continuity.RequirementTrigger]continuity.RequirementCommand{
			continuity.TriggerRequirementRevise: continuity.RequirementRevision{RequirementContent: late},
			continuity.TriggerRequirementRetire: continuity.RequirementRetirement{},
			continuity.TriggerRequirementNote:   continuity.RequirementNote{Text: " "},
		}[tr]
	case 2:
		neg := reqContent()
		neg.Objectives.RPO = -time.Second
		if tr == continuity.TriggerRequirementRevise {
			c = continuity.RequirementRevision{RequirementContent: neg}
		}
	case 3:
		f.env.clk.Advance(24 * time.Hour)
	}
	if c == nil {
		c = reqValid[tr]
	}
	if c == nil {
		c = continuity.RequirementSupersession{By: id}
	}
	return f.Requirements.Do(ctx, who, id, c)
}

func FuzzRequirements(f *testing.F) {
	f.Add([]byte{1, 1, 0, 1, 2, 0, 2, 0, 0, 5, 0, 0})
	f.Add([]byte{0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 2, 0, 2, 0, 3, 4, 0, 0})
	triggers := smstest.Names(continuity.RequirementTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newReqEnv(t, reqFakeAgreed{"hr-db": {RTO: 3 * time.Hour}})
		smstest.FuzzProcess(t, steps, triggers, reqFuzz{reqKit{env.svc, env}})
	})
}
