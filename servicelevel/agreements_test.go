package servicelevel_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	slm      = sms.Actor{ID: "sara", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	slm2     = sms.Actor{ID: "sven", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	customer = sms.Actor{ID: "cleo", Roles: []sms.Role{servicelevel.RoleCustomer}}
	both     = sms.Actor{ID: "bo", Roles: []sms.Role{servicelevel.RoleLevelManager, servicelevel.RoleCustomer}}
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func content() servicelevel.Content {
	return servicelevel.Content{
		Services: []string{"payroll"},
		Evidence: servicelevel.Evidence{Kind: "signed document", Ref: "DMS-4711"},
		Targets: []servicelevel.Target{
			{Metric: "resolution", Objective: "4h", Calendar: "office@1", Priorities: []string{"1"}},
			{Metric: "availability", Objective: "99.5%", Calendar: "service-hours@1"},
		},
		Limits:       []servicelevel.Limit{{Metric: "incidents", Max: 200, Window: "month"}},
		NoExceptions: true,
	}
}

type agreementEnv struct {
	svc   *servicelevel.Agreements
	clk   *smstest.Clock
	ctx   context.Context
	count int
}

func newAgreementEnv(t testing.TB) *agreementEnv {
	clk := smstest.NewClock(t0)
	svc, err := servicelevel.NewAgreements(memstore.New[*servicelevel.Agreement](), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &agreementEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *agreementEnv) draft(t testing.TB, amends string) *servicelevel.Agreement {
	t.Helper()
	e.count++
	a, err := e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.SLA, Title: "Payroll SLA", Customer: "hr",
		ExpiresAt: t0.Add(365 * 24 * time.Hour), Amends: amends, Content: content()})
	require.NoError(t, err)
	return a
}

// negotiated returns an agreement under negotiation, signed by both sides
// when signed is set.
func (e *agreementEnv) negotiated(t testing.TB, amends string, signed bool) *servicelevel.Agreement {
	t.Helper()
	a := e.draft(t, amends)
	a, err := e.svc.Propose(e.ctx, slm, a.ID, servicelevel.Proposal{})
	require.NoError(t, err)
	if signed {
		_, err = e.svc.Sign(e.ctx, customer, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
		require.NoError(t, err)
		a, err = e.svc.Sign(e.ctx, slm2, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
		require.NoError(t, err)
	}
	return a
}

func (e *agreementEnv) active(t testing.TB) *servicelevel.Agreement {
	t.Helper()
	a := e.negotiated(t, "", true)
	a, err := e.svc.Activate(e.ctx, slm, a.ID, servicelevel.Activation{})
	require.NoError(t, err)
	return a
}

// agreementKit is the process kit's view of the agreements.
type agreementKit struct {
	*servicelevel.Agreements
	env *agreementEnv
}

func (k agreementKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch servicelevel.AgreementStatus(status) {
	case servicelevel.StatusDraft:
		return e.draft(t, "").ID
	case servicelevel.StatusNegotiating:
		return e.negotiated(t, "", trigger == string(servicelevel.TriggerActivate)).ID
	}
	a := e.active(t)
	var err error
	switch servicelevel.AgreementStatus(status) {
	case servicelevel.StatusUnderReview:
		_, err = e.svc.Review(e.ctx, slm, a.ID, servicelevel.ReviewStart{})
	case servicelevel.StatusExpired:
		e.clk.Advance(366 * 24 * time.Hour)
		_, err = e.svc.Expire(e.ctx, slm, a.ID, servicelevel.Expiry{})
	case servicelevel.StatusTerminated:
		_, err = e.svc.Terminate(e.ctx, slm, a.ID, servicelevel.Termination{Reason: "the service is retired"})
	case servicelevel.StatusSuperseded:
		next := e.negotiated(t, a.ID, true)
		_, err = e.svc.Activate(e.ctx, slm, next.ID, servicelevel.Activation{})
	}
	require.NoError(t, err)
	switch servicelevel.AgreementTrigger(trigger) {
	case servicelevel.TriggerExpire:
		e.clk.Advance(366 * 24 * time.Hour)
	case servicelevel.TriggerReport:
		e.clk.Advance(31 * 24 * time.Hour)
	}
	return a.ID
}

// issue returns a valid report on the agreement: its first 30 days in
// force, 10 incidents against the limit of 200, nothing timed.
func (e *agreementEnv) issue(ctx context.Context, id string) servicelevel.Issue {
	a, err := e.svc.Get(ctx, id)
	if err != nil || a.ActivatedAt.IsZero() {
		return servicelevel.Issue{Report: servicelevel.Report{Agreement: id, Edition: 1, From: t0, To: t0.Add(time.Hour)}}
	}
	r, err := servicelevel.PeriodReport(a, nil, map[string]int64{"incidents": 10}, a.ActivatedAt, a.ActivatedAt.Add(30*24*time.Hour))
	if err != nil {
		panic(err)
	}
	return servicelevel.Issue{Report: r}
}

func (k agreementKit) command(ctx context.Context, id string, tr servicelevel.AgreementTrigger) servicelevel.AgreementCommand {
	if tr == servicelevel.TriggerReport {
		return k.env.issue(ctx, id)
	}
	return validAgreement[tr]
}

var validAgreement = map[servicelevel.AgreementTrigger]servicelevel.AgreementCommand{
	servicelevel.TriggerRevise:    servicelevel.Revision{Content: content()},
	servicelevel.TriggerPropose:   servicelevel.Proposal{},
	servicelevel.TriggerSign:      servicelevel.Signing{Side: servicelevel.SideCustomer},
	servicelevel.TriggerActivate:  servicelevel.Activation{},
	servicelevel.TriggerReview:    servicelevel.ReviewStart{},
	servicelevel.TriggerConclude:  servicelevel.Conclusion{Text: "targets met; workload within limits"},
	servicelevel.TriggerExpire:    servicelevel.Expiry{},
	servicelevel.TriggerTerminate: servicelevel.Termination{Reason: "the service is retired"},
	servicelevel.TriggerNote:      servicelevel.AgreementNote{Text: "see the minutes"},
}

func actorFor(tr servicelevel.AgreementTrigger) sms.Actor {
	if tr == servicelevel.TriggerSign {
		return customer
	}
	return slm
}

func (k agreementKit) Fire(ctx context.Context, id, trigger string) (*servicelevel.Agreement, error) {
	tr := servicelevel.AgreementTrigger(trigger)
	return k.Do(ctx, actorFor(tr), id, k.command(ctx, id, tr))
}

func (k agreementKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := servicelevel.AgreementTrigger(trigger)
	return k.Agreements.DryRun(ctx, actorFor(tr), id, k.command(ctx, id, tr))
}

// kitTriggers are every trigger but the creating one and supersede, which
// only an edition's activation fires (TestAmendment tests it).
func kitTriggers() []string {
	var out []string
	for _, tr := range servicelevel.AgreementTriggers()[1:] {
		if tr != servicelevel.TriggerSupersede {
			out = append(out, string(tr))
		}
	}
	return out
}

func agreementChecks(t testing.TB) []sms.Check[*servicelevel.Agreement] {
	cs, err := servicelevel.AgreementChecks(servicelevel.Periodic{})
	require.NoError(t, err)
	return cs
}

func TestAgreementKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*servicelevel.Agreement]{
		Workflow: servicelevel.AgreementWorkflow(),
		// Written from SLM-03, SLM-04 (reports are issued in force) and SLM-11, not from the table.
		Oracle: map[string]map[string]string{
			"draft":        {"revise": smstest.Stay, "propose": "negotiating", "terminate": "terminated", "note": smstest.Stay},
			"negotiating":  {"revise": smstest.Stay, "sign": smstest.Stay, "activate": "active", "terminate": "terminated", "note": smstest.Stay},
			"active":       {"review": "under_review", "report": smstest.Stay, "supersede": "superseded", "expire": "expired", "terminate": "terminated", "note": smstest.Stay},
			"under_review": {"conclude": "active", "report": smstest.Stay, "supersede": "superseded", "expire": "expired", "terminate": "terminated", "note": smstest.Stay},
			"superseded":   {"note": smstest.Stay},
			"expired":      {"note": smstest.Stay},
			"terminated":   {"note": smstest.Stay},
		},
		Triggers: kitTriggers(),
		// Coverage cites SLM-02, the workload sweep SLM-05.
		Cites:  append(smstest.CitedBy(agreementChecks(t)), "SLM-02", "SLM-05"),
		Golden: "testdata/agreement.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*servicelevel.Agreement] {
			env := newAgreementEnv(t)
			return agreementKit{env.svc, env}
		},
	})
}

// An amendment is a new edition: the old stays in force until the new
// activates, and then is superseded in the same commit (SLM-11).
func TestAmendment(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	old := e.active(t)
	next := e.negotiated(t, old.ID, true)
	assert.Equal(t, 2, next.Edition)
	still, err := e.svc.Get(e.ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, servicelevel.StatusActive, still.Status, "in force while the new edition is negotiated")

	// A manual supersede by an edition not yet in force is refused.
	_, err = e.svc.Do(e.ctx, slm, old.ID, servicelevel.Supersession{By: next.ID})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-11"}, ge.IDs())

	_, err = e.svc.Activate(e.ctx, slm, next.ID, servicelevel.Activation{})
	require.NoError(t, err)
	gone, err := e.svc.Get(e.ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, servicelevel.StatusSuperseded, gone.Status)
	assert.Equal(t, next.ID, gone.SupersededBy)
	require.NoError(t, e.svc.Verify(e.ctx, old.ID))

	// Amending what is not in force, or another customer's, is refused.
	_, err = e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.SLA, Title: "x", Customer: "hr", Amends: old.ID, Content: content()})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-11"}, ge.IDs())
	_, err = e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.SLA, Title: "x", Customer: "finance", Amends: next.ID, Content: content()})
	require.ErrorAs(t, err, &ge)
}

// What activation demands (SLM-01, SLM-03, SLM-07), each refusal leaving
// the agreement as it was.
func TestActivationRefusals(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		typ    servicelevel.Type
		edit   func(c *servicelevel.Content)
		signed bool
		want   []string
	}{
		"no evidence":               {servicelevel.SLA, func(c *servicelevel.Content) { c.Evidence = servicelevel.Evidence{} }, true, []string{"SLM-01"}},
		"no target":                 {servicelevel.SLA, func(c *servicelevel.Content) { c.Targets = nil }, true, []string{"SLM-03"}},
		"target without a calendar": {servicelevel.SLA, func(c *servicelevel.Content) { c.Targets[0].Calendar = "" }, true, []string{"SLM-03"}},
		"limits undeclared":         {servicelevel.SLA, func(c *servicelevel.Content) { c.Limits = nil }, true, []string{"SLM-03"}},
		"exceptions undeclared":     {servicelevel.SLA, func(c *servicelevel.Content) { c.NoExceptions = false }, true, []string{"SLM-03"}},
		"unsigned":                  {servicelevel.SLA, nil, false, []string{"SLM-03"}},
		"ola without interfaces":    {servicelevel.OLA, func(c *servicelevel.Content) { c.Activities = []string{"run the database"} }, true, []string{"SLM-07"}},
	} {
		e := newAgreementEnv(t)
		c := content()
		if tc.edit != nil {
			tc.edit(&c)
		}
		a, err := e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: tc.typ, Title: "t", Customer: "hr", Content: c})
		require.NoError(t, err, name)
		_, err = e.svc.Propose(e.ctx, slm, a.ID, servicelevel.Proposal{})
		require.NoError(t, err)
		if tc.signed {
			_, err = e.svc.Sign(e.ctx, customer, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
			require.NoError(t, err)
			_, err = e.svc.Sign(e.ctx, slm2, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
			require.NoError(t, err)
		}
		before := smstest.Snap(t, e.svc, a.ID)
		_, err = e.svc.Activate(e.ctx, slm, a.ID, servicelevel.Activation{})
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge, name)
		for _, id := range tc.want {
			assert.Contains(t, ge.IDs(), id, name)
		}
		smstest.RequireUnchanged(t, e.svc, a.ID, before)
	}
}

// Sign-offs: each side by a person of its own, in the role for it, once;
// a revision withdraws them; "none" is recorded with who declared it.
func TestSignOffs(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.negotiated(t, "", false)
	assert.Equal(t, "sara", a.NoExceptions.By, "none is recorded with who declared it")
	_, err := e.svc.Sign(e.ctx, both, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	require.NoError(t, err)
	_, err = e.svc.Sign(e.ctx, both, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	var fe *sms.ForbiddenError
	require.ErrorAs(t, err, &fe, "one person does not sign both sides")
	assert.Equal(t, "SLM-03", fe.Requirement.ID)
	_, err = e.svc.Sign(e.ctx, slm, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge, "a service level manager does not sign for the customer, and the side signed already")
	_, err = e.svc.Sign(e.ctx, customer, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	require.ErrorAs(t, err, &ge, "a side signs once")
	a, err = e.svc.Sign(e.ctx, slm2, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	require.NoError(t, err)
	require.Len(t, a.SignOffs, 2)
	a, err = e.svc.Revise(e.ctx, slm, a.ID, servicelevel.Revision{Content: content()})
	require.NoError(t, err)
	assert.Empty(t, a.SignOffs, "a revision withdraws the sign-offs")

	_, err = e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: "contract", Title: "t", Customer: "hr", Content: content()})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	bad := content()
	bad.NoLimits = true
	_, err = e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.SLA, Title: "t", Customer: "hr", Content: bad})
	assert.ErrorIs(t, err, sms.ErrInvalid, "limits listed and declared none")
	_, err = e.svc.Draft(e.ctx, slm, servicelevel.Draft{Type: servicelevel.SLA, Title: "t", Customer: "", Content: content()})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-01"}, ge.IDs())
}

// An agreement expires on its end date, not before.
func TestExpiry(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	_, err := e.svc.Expire(e.ctx, slm, a.ID, servicelevel.Expiry{})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-11"}, ge.IDs())
	e.clk.Advance(366 * 24 * time.Hour)
	a, err = e.svc.Expire(e.ctx, slm, a.ID, servicelevel.Expiry{})
	require.NoError(t, err)
	assert.Equal(t, servicelevel.StatusExpired, a.Status)
}

// agreementFuzz is what the fuzz driver needs.
type agreementFuzz struct{ agreementKit }

func (f agreementFuzz) Start(t testing.TB) string { return f.env.draft(t, "").ID }

func (f agreementFuzz) Do(ctx context.Context, id string, s smstest.Step) (*servicelevel.Agreement, error) {
	who := []sms.Actor{slm, slm2, customer, both, {ID: "nobody"}}[s.Actor%5]
	tr := servicelevel.AgreementTrigger(s.Trigger)
	c := validAgreement[tr]
	switch s.Variant % 4 {
	case 1: // empty or odd forms
		c = map[servicelevel.AgreementTrigger]servicelevel.AgreementCommand{
			servicelevel.TriggerRevise: servicelevel.Revision{}, servicelevel.TriggerSign: servicelevel.Signing{Side: servicelevel.SideProvider},
			servicelevel.TriggerConclude: servicelevel.Conclusion{Text: " "}, servicelevel.TriggerTerminate: servicelevel.Termination{},
			servicelevel.TriggerSupersede: servicelevel.Supersession{By: id}, servicelevel.TriggerNote: servicelevel.AgreementNote{},
		}[tr]
	case 2:
		f.env.clk.Advance(400 * 24 * time.Hour)
	}
	if c == nil {
		c = f.command(ctx, id, tr)
	}
	if c == nil {
		c = servicelevel.Supersession{By: "AGR-404"}
	}
	return f.Agreements.Do(ctx, who, id, c)
}

func FuzzAgreements(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 2, 0, 2, 1, 1, 3, 0, 0, 4, 0, 0, 5, 0, 0})
	f.Add([]byte{0, 3, 1, 2, 3, 0, 2, 3, 0, 8, 0, 2, 7, 0, 1})
	triggers := smstest.Names(servicelevel.AgreementTriggers()[1:])
	f.Fuzz(func(t *testing.T, ops []byte) {
		env := newAgreementEnv(t)
		smstest.FuzzProcess(t, ops, triggers, agreementFuzz{agreementKit{env.svc, env}})
	})
}

func smstestSnap(t *testing.T, e *agreementEnv, id string) smstest.Snapshot {
	t.Helper()
	return smstest.Snap(t, e.svc, id)
}

func requireSame(t *testing.T, e *agreementEnv, id string, before smstest.Snapshot) {
	t.Helper()
	smstest.RequireUnchanged(t, e.svc, id, before)
}

// The remaining refusals of the agreement workflow, each leaving the
// agreement as it was: a review concluded without conclusions (SLM-04), a
// termination without a reason (SLM-11).
func TestConclusionAndTerminationRefusals(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	_, err := e.svc.Review(e.ctx, slm, a.ID, servicelevel.ReviewStart{})
	require.NoError(t, err)
	before := smstestSnap(t, e, a.ID)
	_, err = e.svc.Conclude(e.ctx, slm, a.ID, servicelevel.Conclusion{Text: " "})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-04"}, ge.IDs())
	_, err = e.svc.Terminate(e.ctx, slm, a.ID, servicelevel.Termination{})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-11"}, ge.IDs())
	requireSame(t, e, a.ID, before)
}
