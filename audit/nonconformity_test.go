package audit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

const ncDay = 24 * time.Hour

var (
	ncQM          = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleQualityManager}}
	ncOwner       = sms.Actor{ID: "olga", Roles: []sms.Role{audit.RoleQualityManager}}
	ncVerifier    = sms.Actor{ID: "vera", Roles: []sms.Role{audit.RoleQualityManager}}
	ncSMSOwner    = sms.Actor{ID: "sam", Roles: []sms.Role{audit.RoleSMSOwner}}
	ncActionOwner = sms.Actor{ID: "otto", Roles: []sms.Role{audit.RoleActionOwner}}
	ncNobody      = sms.Actor{ID: "nobody"}
)

// ncStart is when every test's clock starts: 1 June 2026, 09:00 UTC.
var ncStart = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// ncChanges is the host's change lookup: authorized by change ID.
var ncChangeBook = hostChanges{"CHG-12": true, "CHG-13": false}

type ncEnv struct {
	svc *audit.Nonconformities
	st  sms.Store[*audit.Nonconformity]
	clk *smstest.Clock
	ctx context.Context
}

func ncNewEnv(t testing.TB) *ncEnv { return ncNewEnvOn(t, memstore.New[*audit.Nonconformity]()) }

// ncNewEnvOn is ncNewEnv on the store given.
func ncNewEnvOn(t testing.TB, st sms.Store[*audit.Nonconformity]) *ncEnv {
	t.Helper()
	clk := smstest.NewClock(ncStart)
	svc, err := audit.NewNonconformities(st, ncChangeBook, audit.DefaultNonconformityPolicy(), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &ncEnv{svc: svc, st: st, clk: clk, ctx: context.Background()}
}

func ncRaiseOf(sev audit.Severity) audit.NCRaise {
	return audit.NCRaise{Description: "three changes were approved by a CAB meeting without quorum", Source: audit.SourceInternalAudit,
		SourceRef: "AUD-7#F-1", Area: audit.AreaChange, Requirement: "8.5.1.3; PROC-CHG-2 section 4", Severity: sev}
}

var (
	ncContainOK = audit.NCContain{Correction: "the three changes were re-approved by a quorate CAB",
		Actions: []string{"CAB re-convened on 2 June"}, Consequences: "none of the changes was implemented on the invalid approval"}
	ncReviewOK = audit.NCReview{ReviewNotes: "minutes of the June CAB and the invitation template reviewed",
		Causes:       []string{"the quorum rule is not in the CAB invitation template"},
		SimilarCheck: audit.NCSimilarCheck{Query: "CAB minutes of the last 12 months without quorum", Results: []string{"NC-3"}},
		Rationale:    "the cause is systemic and recurs at every CAB"}
)

// ncPlanOK plans one action owned by otto, due a week after now.
func (e *ncEnv) ncPlanOK() audit.NCPlanActions {
	return audit.NCPlanActions{Review: ncReviewOK, Actions: []audit.NCPlannedAction{
		{Description: "add the quorum rule to the CAB invitation template", Owner: "otto", Due: e.clk.Now().Add(7 * ncDay)}}}
}

func (e *ncEnv) raised(t testing.TB, sev audit.Severity) *audit.Nonconformity {
	t.Helper()
	x, err := e.svc.Raise(e.ctx, ncQM, ncRaiseOf(sev))
	require.NoError(t, err)
	return x
}

func (e *ncEnv) analysing(t testing.TB, sev audit.Severity) *audit.Nonconformity {
	t.Helper()
	x := e.raised(t, sev)
	_, err := e.svc.Contain(e.ctx, ncQM, x.ID, ncContainOK)
	require.NoError(t, err)
	x, err = e.svc.Analyse(e.ctx, ncQM, x.ID, audit.NCAnalyse{Owner: "olga"})
	require.NoError(t, err)
	return x
}

// planned returns a nonconformity in action_planned, its one action done
// when done says so.
func (e *ncEnv) planned(t testing.TB, sev audit.Severity, done bool) *audit.Nonconformity {
	t.Helper()
	x := e.analysing(t, sev)
	x, err := e.svc.PlanActions(e.ctx, ncQM, x.ID, e.ncPlanOK())
	require.NoError(t, err)
	if done {
		x, err = e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "template v4 published"})
		require.NoError(t, err)
	}
	return x
}

func (e *ncEnv) verifying(t testing.TB, sev audit.Severity) *audit.Nonconformity {
	t.Helper()
	x := e.planned(t, sev, true)
	x, err := e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{SMSChange: "CHG-12", DocumentRevision: "PROC-CHG-2 v5"})
	require.NoError(t, err)
	return x
}

func (e *ncEnv) noAction(t testing.TB) *audit.Nonconformity {
	t.Helper()
	x := e.analysing(t, audit.SeverityMinor)
	x, err := e.svc.DecideNoAction(e.ctx, ncQM, x.ID, audit.NCDecideNoAction{Review: ncReviewOK})
	require.NoError(t, err)
	return x
}

type ncKit struct {
	*audit.Nonconformities
	env *ncEnv
}

func (k ncKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch audit.NonconformityStatus(status) {
	case audit.NCRaised:
		return e.raised(t, audit.SeverityMinor).ID
	case audit.NCContained:
		x := e.raised(t, audit.SeverityMinor)
		_, err := e.svc.Contain(e.ctx, ncQM, x.ID, ncContainOK)
		require.NoError(t, err)
		return x.ID
	case audit.NCAnalysing:
		return e.analysing(t, audit.SeverityMinor).ID
	case audit.NCActionPlanned:
		return e.planned(t, audit.SeverityMinor, trigger != string(audit.NCTriggerCompleteAction)).ID
	case audit.NCNoActionRequired:
		return e.noAction(t).ID
	case audit.NCVerifying:
		return e.verifying(t, audit.SeverityMinor).ID
	}
	x := e.verifying(t, audit.SeverityMinor)
	_, err := e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyEffective{Evidence: "no CAB without quorum since"})
	require.NoError(t, err)
	return x.ID
}

// valid returns, for a trigger, the actor who may fire it and a valid
// command.
func (k ncKit) valid(trigger string) (sms.Actor, audit.NonconformityCommand) {
	switch audit.NonconformityTrigger(trigger) {
	case audit.NCTriggerContain:
		return ncQM, ncContainOK
	case audit.NCTriggerAnalyse:
		return ncQM, audit.NCAnalyse{Owner: "olga"}
	case audit.NCTriggerPlanActions:
		return ncQM, k.env.ncPlanOK()
	case audit.NCTriggerDecideNoAction:
		return ncQM, audit.NCDecideNoAction{Review: ncReviewOK}
	case audit.NCTriggerCompleteAction:
		return ncActionOwner, audit.NCCompleteAction{Action: "A-1", Evidence: "template v4 published"}
	case audit.NCTriggerImplement:
		return ncQM, audit.NCImplement{SMSChange: "CHG-12"}
	case audit.NCTriggerVerifyEffective:
		return ncVerifier, audit.NCVerifyEffective{Evidence: "no CAB without quorum since"}
	case audit.NCTriggerVerifyIneffective:
		return ncVerifier, audit.NCVerifyIneffective{Evidence: "the July CAB met without quorum again"}
	case audit.NCTriggerCloseNoAction:
		return ncSMSOwner, audit.NCCloseNoAction{}
	}
	return ncQM, audit.NCNote{Text: "minutes attached"}
}

func (k ncKit) Fire(ctx context.Context, id, trigger string) (*audit.Nonconformity, error) {
	a, c := k.valid(trigger)
	return k.Do(ctx, a, id, c)
}

func (k ncKit) DryRun(ctx context.Context, id, trigger string) error {
	a, c := k.valid(trigger)
	return k.Nonconformities.DryRun(ctx, a, id, c)
}

func ncTriggers() []string { return smstest.Names(audit.NonconformityTriggers()[1:]) }

func TestNCKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*audit.Nonconformity]{
		Workflow: audit.NonconformityWorkflow(),
		Oracle: map[string]map[string]string{ // from NC-01 to NC-07 and the state machine of REQUIREMENTS section 15
			"raised":             {"contain": "contained", "note": smstest.Stay},
			"contained":          {"analyse": "analysing", "note": smstest.Stay},
			"analysing":          {"plan_actions": "action_planned", "decide_no_action": "no_action_required", "note": smstest.Stay},
			"action_planned":     {"complete_action": smstest.Stay, "implement": "verifying", "note": smstest.Stay},
			"no_action_required": {"close_no_action": "closed", "note": smstest.Stay},
			"verifying":          {"verify_effective": "closed", "verify_ineffective": "analysing", "note": smstest.Stay},
		},
		Triggers: ncTriggers(),
		Cites:    append(smstest.CitedBy(audit.NonconformityConformChecks()), "NC-09"), // the sweeps and check 14
		Doc:      "doc.go", Golden: "testdata/nonconformity.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*audit.Nonconformity] {
			env := ncNewEnv(t)
			return ncKit{env.svc, env}
		},
	})
}

// The policy (NC-06) is validated: a depth for every severity and only
// for those, windows that make sense.
func TestNCPolicyValidated(t *testing.T) {
	t.Parallel()
	require.NoError(t, audit.DefaultNonconformityPolicy().Validate())
	d := audit.DefaultNonconformityPolicy().Depth
	assert.Equal(t, audit.Depth{CorrectiveActionRequired: true, MinVerifyWindow: 14 * ncDay, VerifyWindow: 30 * ncDay}, d[audit.SeverityMajor])
	assert.Equal(t, audit.Depth{MinVerifyWindow: 0, VerifyWindow: 30 * ncDay}, d[audit.SeverityMinor])
	with := func(edit func(m map[audit.Severity]audit.Depth)) audit.NonconformityPolicy {
		p := audit.DefaultNonconformityPolicy()
		edit(p.Depth)
		return p
	}
	for name, p := range map[string]audit.NonconformityPolicy{
		"no depth":       {},
		"no minor":       with(func(m map[audit.Severity]audit.Depth) { delete(m, audit.SeverityMinor) }),
		"an unknown one": with(func(m map[audit.Severity]audit.Depth) { m["critical"] = audit.Depth{VerifyWindow: ncDay} }),
		"a negative min": with(func(m map[audit.Severity]audit.Depth) {
			m[audit.SeverityMinor] = audit.Depth{MinVerifyWindow: -1, VerifyWindow: ncDay}
		}),
		"a zero window": with(func(m map[audit.Severity]audit.Depth) { m[audit.SeverityMinor] = audit.Depth{} }),
		"min beyond window": with(func(m map[audit.Severity]audit.Depth) {
			m[audit.SeverityMajor] = audit.Depth{MinVerifyWindow: 2 * ncDay, VerifyWindow: ncDay}
		}),
	} {
		var ve *sms.ValidationError
		require.ErrorAs(t, p.Validate(), &ve, name)
		_, err := audit.NewNonconformities(memstore.New[*audit.Nonconformity](), nil, p, sms.Options{})
		require.ErrorAs(t, err, &ve, name)
	}
	// The service keeps its own copy of the policy.
	p := audit.DefaultNonconformityPolicy()
	svc, err := audit.NewNonconformities(memstore.New[*audit.Nonconformity](), nil, p, sms.Options{})
	require.NoError(t, err)
	p.Depth[audit.SeverityMajor] = audit.Depth{VerifyWindow: ncDay}
	assert.True(t, svc.Policy().Depth[audit.SeverityMajor].CorrectiveActionRequired)
}

// raise: a source of the list, the record it came from unless a customer
// complaint or other (NC-08), a description and the requirement breached
// (NC-01), a severity of the policy (NC-06).
func TestNCRaiseRefusals(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	with := func(edit func(*audit.NCRaise)) audit.NCRaise {
		c := ncRaiseOf(audit.SeverityMajor)
		edit(&c)
		return c
	}
	for name, c := range map[string]struct {
		cmd audit.NCRaise
		ids []string
	}{
		"an unknown source":          {with(func(c *audit.NCRaise) { c.Source = "gossip" }), []string{"NC-08"}},
		"no source":                  {with(func(c *audit.NCRaise) { c.Source = "" }), []string{"NC-08"}},
		"an audit finding not named": {with(func(c *audit.NCRaise) { c.SourceRef = "" }), []string{"NC-08"}},
		"a problem not named":        {with(func(c *audit.NCRaise) { c.Source, c.SourceRef = audit.SourceProblem, "" }), []string{"NC-08"}},
		"no description":             {with(func(c *audit.NCRaise) { c.Description = "  " }), []string{"NC-01"}},
		"no requirement breached":    {with(func(c *audit.NCRaise) { c.Requirement = "" }), []string{"NC-01"}},
		"an unknown severity":        {with(func(c *audit.NCRaise) { c.Severity = "critical" }), []string{"NC-06"}},
		"nothing at all":             {audit.NCRaise{}, []string{"NC-08", "NC-01", "NC-06"}},
	} {
		_, err := e.svc.Raise(e.ctx, ncQM, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, slices.Compact(ge.IDs()), name)
	}
	_, err := e.svc.Raise(e.ctx, ncNobody, ncRaiseOf(audit.SeverityMajor))
	smstest.RequireForbidden(t, err)

	// A customer complaint or another source needs no record behind it.
	for _, src := range []audit.Source{audit.SourceCustomerComplaint, audit.SourceOther} {
		x, err := e.svc.Raise(e.ctx, ncQM, with(func(c *audit.NCRaise) { c.Source, c.SourceRef = src, "" }))
		require.NoError(t, err, src)
		assert.Equal(t, src, x.Source)
	}
	x, err := e.svc.Raise(e.ctx, ncQM, audit.NCRaise{ID: "NC-42", Description: "d", Source: audit.SourceSupplier, SourceRef: "SUP-3",
		Requirement: "8.3.4.1", Severity: audit.SeverityMinor})
	require.NoError(t, err)
	assert.Equal(t, "NC-42", x.ID)
	assert.Equal(t, []sms.Link{{Type: "supplier", ID: "SUP-3"}}, x.Attributes().Links)
	assert.True(t, x.Parties.Has(sms.PartyRaiser, "quinn"))
}

// contain (NC-01): a correction with the actions that made it, or none
// needed with the reason, never both; the consequences noted.
func TestNCContainRefusals(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.raised(t, audit.SeverityMajor)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]struct {
		cmd audit.NCContain
		ids []string
	}{
		"a correction without its actions": {audit.NCContain{Correction: "re-approved", Consequences: "none"}, []string{"NC-01"}},
		"a blank action":                   {audit.NCContain{Correction: "re-approved", Actions: []string{" "}, Consequences: "none"}, []string{"NC-01"}},
		"actions without the correction":   {audit.NCContain{Actions: []string{"CAB re-convened"}, Consequences: "none"}, []string{"NC-01"}},
		"neither, an empty list":           {audit.NCContain{Consequences: "none"}, []string{"NC-01"}},
		"a blank reason":                   {audit.NCContain{NoCorrectionReason: " ", Consequences: "none"}, []string{"NC-01"}},
		"no consequences":                  {audit.NCContain{Correction: "re-approved", Actions: []string{"CAB re-convened"}}, []string{"NC-01"}},
		"nothing":                          {audit.NCContain{}, []string{"NC-01", "NC-01"}},
	} {
		_, err := e.svc.Contain(e.ctx, ncQM, x.ID, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err := e.svc.Contain(e.ctx, ncQM, x.ID, audit.NCContain{Correction: "c", Actions: []string{"a"}, NoCorrectionReason: "r", Consequences: "none"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve, "a correction and a reason together")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	x, err = e.svc.Contain(e.ctx, ncQM, x.ID, ncContainOK)
	require.NoError(t, err)
	assert.Equal(t, audit.NCContained, x.Status)
	assert.Equal(t, ncContainOK.Actions, x.CorrectionActions)
	assert.Nil(t, x.NoCorrection)

	y := e.raised(t, audit.SeverityMinor)
	y, err = e.svc.Contain(e.ctx, ncQM, y.ID, audit.NCContain{NoCorrectionReason: "the record was already corrected by the auditee during the audit", Consequences: "none"})
	require.NoError(t, err)
	require.NotNil(t, y.NoCorrection, "none needed is explicit")
	assert.Equal(t, audit.NCNoCorrection{Reason: "the record was already corrected by the auditee during the audit", By: "quinn", At: ncStart}, *y.NoCorrection)
	assert.Empty(t, y.CorrectionActions)
}

// analyse names an owner (NC-02); plan_actions needs the whole review
// (NC-02) and actions each with description, owner and due date not in
// the past (NC-03).
func TestNCAnalyseAndPlanRefusals(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.raised(t, audit.SeverityMajor)
	_, err := e.svc.Contain(e.ctx, ncQM, x.ID, ncContainOK)
	require.NoError(t, err)
	before := smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Analyse(e.ctx, ncQM, x.ID, audit.NCAnalyse{})
	smstest.RequireRefused(t, err, "NC-02")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	x, err = e.svc.Analyse(e.ctx, ncQM, x.ID, audit.NCAnalyse{Owner: "olga"})
	require.NoError(t, err)
	assert.Equal(t, "olga", x.Attributes().Owner)

	before = smstest.Snap(t, e.svc, x.ID)
	review := func(edit func(*audit.NCReview)) audit.NCPlanActions {
		c := e.ncPlanOK()
		c.Review.Causes = slices.Clone(c.Review.Causes)
		edit(&c.Review)
		return c
	}
	actions := func(as ...audit.NCPlannedAction) audit.NCPlanActions {
		c := e.ncPlanOK()
		c.Actions = as
		return c
	}
	now := e.clk.Now()
	for name, c := range map[string]struct {
		cmd audit.NCPlanActions
		ids []string
	}{
		"no review notes":         {review(func(r *audit.NCReview) { r.ReviewNotes = "" }), []string{"NC-02"}},
		"no cause":                {review(func(r *audit.NCReview) { r.Causes = nil }), []string{"NC-02"}},
		"a blank cause":           {review(func(r *audit.NCReview) { r.Causes = append(r.Causes, "\t") }), []string{"NC-02"}},
		"no similar check":        {review(func(r *audit.NCReview) { r.SimilarCheck = audit.NCSimilarCheck{Results: []string{"NC-3"}} }), []string{"NC-02"}},
		"no rationale":            {review(func(r *audit.NCReview) { r.Rationale = " " }), []string{"NC-02"}},
		"no action":               {actions(), []string{"NC-03"}},
		"an action without owner": {actions(audit.NCPlannedAction{Description: "d", Due: now}), []string{"NC-03"}},
		"an action without due":   {actions(audit.NCPlannedAction{Description: "d", Owner: "otto"}), []string{"NC-03"}},
		"a due date in the past":  {actions(audit.NCPlannedAction{Description: "d", Owner: "otto", Due: now.Add(-time.Microsecond)}), []string{"NC-03"}},
		"an action without text":  {actions(audit.NCPlannedAction{Owner: "otto", Due: now}), []string{"NC-03"}},
		"nothing":                 {audit.NCPlanActions{}, []string{"NC-02", "NC-03"}},
	} {
		_, err := e.svc.PlanActions(e.ctx, ncQM, x.ID, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err = e.svc.PlanActions(e.ctx, ncOwner, x.ID, audit.NCPlanActions{Actions: []audit.NCPlannedAction{{Owner: "tab\there"}}})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)

	// A similar check that found nothing is recorded as made; a due date now is not in the past.
	c := review(func(r *audit.NCReview) { r.SimilarCheck.Results = nil })
	c.Actions = append(c.Actions, audit.NCPlannedAction{Description: "brief the CAB chairs", Owner: "olga", Due: now})
	x, err = e.svc.PlanActions(e.ctx, ncQM, x.ID, c)
	require.NoError(t, err)
	assert.Equal(t, audit.NCActionPlanned, x.Status)
	assert.Equal(t, audit.NCDecision{CorrectiveActionNeeded: true, Rationale: ncReviewOK.Rationale}, x.Decision)
	assert.Equal(t, ncReviewOK.SimilarCheck.Query, x.SimilarCheck.Query)
	assert.Empty(t, x.SimilarCheck.Results)
	require.Len(t, x.Actions, 2)
	assert.Equal(t, []string{"A-1", "A-2"}, []string{x.Actions[0].ID, x.Actions[1].ID})
	assert.Equal(t, "otto", x.Actions[0].Owner)
	assert.False(t, x.ActionsDone())
}

// complete_action (NC-03): by the action's owner or the nonconformity's,
// on evidence, once; implement needs every action done (NC-03) and an SMS
// change, when named, authorized (NC-05).
func TestNCActionsAndImplementRefusals(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.analysing(t, audit.SeverityMajor)
	c := e.ncPlanOK()
	c.Actions = append(c.Actions, audit.NCPlannedAction{Description: "brief the CAB chairs", Owner: "olga", Due: e.clk.Now().Add(ncDay)})
	x, err := e.svc.PlanActions(e.ctx, ncQM, x.ID, c)
	require.NoError(t, err)
	before := smstest.Snap(t, e.svc, x.ID)

	// vera is a quality manager but owns neither the action nor the nonconformity.
	_, err = e.svc.CompleteAction(e.ctx, ncVerifier, x.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "done"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "NC-03", fe.Requirement.ID)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	// otto owns A-1, not A-2.
	_, err = e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, audit.NCCompleteAction{Action: "A-2", Evidence: "done"})
	fe = smstest.RequireForbidden(t, err)
	assert.Equal(t, "NC-03", fe.Requirement.ID)
	_, err = e.svc.CompleteAction(e.ctx, ncNobody, x.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "done"})
	smstest.RequireForbidden(t, err)
	for name, cmd := range map[string]audit.NCCompleteAction{
		"an unknown action": {Action: "A-9", Evidence: "done"},
		"no action":         {Evidence: "done"},
		"no evidence":       {Action: "A-1", Evidence: " "},
	} {
		_, err := e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, cmd)
		ge := smstest.RequireRefused(t, err, "NC-03")
		assert.Equal(t, []string{"NC-03"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{})
	ge := smstest.RequireRefused(t, err, "NC-03")
	assert.Equal(t, []string{"NC-03"}, ge.IDs(), "no action done")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	e.clk.Advance(time.Hour)
	x, err = e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "template v4 published"})
	require.NoError(t, err)
	assert.Equal(t, ncStart.Add(time.Hour), x.Actions[0].Done)
	_, err = e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "again"})
	smstest.RequireRefused(t, err, "NC-03")
	_, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{})
	smstest.RequireRefused(t, err, "NC-03")
	// The nonconformity's owner completes an action someone else owns, too.
	x, err = e.svc.CompleteAction(e.ctx, ncOwner, x.ID, audit.NCCompleteAction{Action: "A-2", Evidence: "briefing minutes"})
	require.NoError(t, err)
	assert.True(t, x.ActionsDone())

	before = smstest.Snap(t, e.svc, x.ID)
	for name, ch := range map[string]string{"an unauthorized change": "CHG-13", "an unknown change": "CHG-99"} {
		_, err := e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{SMSChange: ch})
		ge := smstest.RequireRefused(t, err, "NC-05")
		assert.Equal(t, []string{"NC-05"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{SMSChange: "CHG-BROKEN"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, sms.ErrGuard), "a failure to look is not a refusal: %v", err)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	x, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{SMSChange: "CHG-12", DocumentRevision: "PROC-CHG-2 v5"})
	require.NoError(t, err)
	assert.Equal(t, audit.NCVerifying, x.Status)
	assert.Equal(t, "CHG-12", x.SMSChange)
	assert.Equal(t, "PROC-CHG-2 v5", x.DocumentRevision)
	assert.Equal(t, e.clk.Now(), x.ImplementedAt)
	assert.Equal(t, e.clk.Now().Add(30*ncDay), x.VerifyDue, "the policy's window for a major one")
	assert.Contains(t, x.Attributes().Links, sms.Link{Type: "change", ID: "CHG-12"})

	// Without a change lookup no SMS change is found authorized; a document revision alone is enough.
	bare, err := audit.NewNonconformities(memstore.New[*audit.Nonconformity](), nil, audit.DefaultNonconformityPolicy(), sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	b := &ncEnv{svc: bare, clk: e.clk, ctx: e.ctx}
	y := b.planned(t, audit.SeverityMinor, true)
	_, err = bare.Implement(e.ctx, ncQM, y.ID, audit.NCImplement{SMSChange: "CHG-12"})
	smstest.RequireRefused(t, err, "NC-05")
	y, err = bare.Implement(e.ctx, ncQM, y.ID, audit.NCImplement{DocumentRevision: "PROC-CHG-2 v5"})
	require.NoError(t, err)
	assert.Empty(t, y.SMSChange)
}

// verify_effective: evidence (NC-04), not by the owner (NC-04,
// segregation); verify_ineffective: evidence (NC-04).
func TestNCVerifyRefusals(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.verifying(t, audit.SeverityMinor)
	before := smstest.Snap(t, e.svc, x.ID)
	_, err := e.svc.VerifyEffective(e.ctx, ncOwner, x.ID, audit.NCVerifyEffective{Evidence: "no recurrence"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "NC-04", fe.Requirement.ID)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyEffective{Evidence: "  "})
	ge := smstest.RequireRefused(t, err, "NC-04")
	assert.Equal(t, []string{"NC-04"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.VerifyIneffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyIneffective{})
	ge = smstest.RequireRefused(t, err, "NC-04")
	assert.Equal(t, []string{"NC-04"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.VerifyEffective(e.ctx, ncSMSOwner, x.ID, audit.NCVerifyEffective{Evidence: "no recurrence"})
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	x, err = e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyEffective{Evidence: "no CAB without quorum since"})
	require.NoError(t, err)
	assert.Equal(t, audit.NCClosed, x.Status)
	assert.Equal(t, []audit.NCVerification{{Effective: true, Evidence: "no CAB without quorum since", At: ncStart, By: "vera"}}, x.Verifications)
	assert.Equal(t, ncStart, x.ClosedAt)

	// Closed is frozen (NC-07).
	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Note(e.ctx, ncQM, x.ID, audit.NCNote{Text: "late remark"})
	te := smstest.RequireTransitionRefused(t, err, "note")
	assert.Empty(t, te.Permitted)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
}

// A note has text (NC-07), in every open status.
func TestNCNote(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.raised(t, audit.SeverityMinor)
	before := smstest.Snap(t, e.svc, x.ID)
	_, err := e.svc.Note(e.ctx, ncQM, x.ID, audit.NCNote{Text: " "})
	smstest.RequireRefused(t, err, "NC-07")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	x, err = e.svc.Note(e.ctx, ncQM, x.ID, audit.NCNote{Text: "auditee informed"})
	require.NoError(t, err)
	assert.Equal(t, audit.NCRaised, x.Status)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	text, _ := sms.Get(j[1].Payload, "text")
	assert.Equal(t, "auditee informed", text)
}

// The no-action route (NC-02): decided on the review, approved by an SMS
// owner who did not decide, which closes it; refused for a major one
// (NC-06).
func TestNCNoActionRoute(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	major := e.analysing(t, audit.SeverityMajor)
	before := smstest.Snap(t, e.svc, major.ID)
	_, err := e.svc.DecideNoAction(e.ctx, ncQM, major.ID, audit.NCDecideNoAction{Review: ncReviewOK})
	ge := smstest.RequireRefused(t, err, "NC-06")
	assert.Equal(t, []string{"NC-06"}, ge.IDs(), "a major nonconformity requires corrective action")
	smstest.RequireUnchanged(t, e.svc, major.ID, before)

	x := e.analysing(t, audit.SeverityMinor)
	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.DecideNoAction(e.ctx, ncQM, x.ID, audit.NCDecideNoAction{})
	ge = smstest.RequireRefused(t, err, "NC-02")
	assert.Equal(t, []string{"NC-02"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	// dora is quality manager and SMS owner: she decides, and may not approve her own decision.
	dora := sms.Actor{ID: "dora", Roles: []sms.Role{audit.RoleQualityManager, audit.RoleSMSOwner}}
	x, err = e.svc.DecideNoAction(e.ctx, dora, x.ID, audit.NCDecideNoAction{Review: ncReviewOK})
	require.NoError(t, err)
	assert.Equal(t, audit.NCNoActionRequired, x.Status)
	assert.False(t, x.Decision.CorrectiveActionNeeded)
	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.CloseNoAction(e.ctx, dora, x.ID, audit.NCCloseNoAction{})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "NC-02", fe.Requirement.ID)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.CloseNoAction(e.ctx, ncQM, x.ID, audit.NCCloseNoAction{})
	fe = smstest.RequireForbidden(t, err)
	assert.Equal(t, []sms.Role{audit.RoleSMSOwner}, fe.Roles, "a quality manager is not an SMS owner")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	x, err = e.svc.CloseNoAction(e.ctx, ncSMSOwner, x.ID, audit.NCCloseNoAction{})
	require.NoError(t, err)
	assert.Equal(t, audit.NCClosed, x.Status)
	assert.Equal(t, "sam", x.NoActionApprovedBy)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "raise", "contain", "analyse", "decide_no_action", "close_no_action")
	rep, err := audit.ConformNonconformities(e.ctx, e.svc, e.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
}

// The severity policy (NC-06): a major one is verified effective no
// sooner than 14 days after implementation, to the microsecond; its
// verification falls due 30 days after.
func TestNCMinimumVerifyWindow(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.verifying(t, audit.SeverityMajor)
	impl := x.ImplementedAt
	assert.Equal(t, impl.Add(30*ncDay), x.VerifyDue)
	ok := audit.NCVerifyEffective{Evidence: "two CABs held with quorum"}
	e.clk.Set(impl.Add(14*ncDay - time.Microsecond))
	before := smstest.Snap(t, e.svc, x.ID)
	_, err := e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, ok)
	ge := smstest.RequireRefused(t, err, "NC-06")
	assert.Equal(t, []string{"NC-06"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	e.clk.Advance(time.Microsecond)
	x, err = e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, ok)
	require.NoError(t, err)
	assert.Equal(t, audit.NCClosed, x.Status)

	// A minor one has no minimum window.
	y := e.verifying(t, audit.SeverityMinor)
	_, err = e.svc.VerifyEffective(e.ctx, ncVerifier, y.ID, ok)
	require.NoError(t, err)
}

// The ineffective loop (NC-04): back to analysing with the verification
// kept and the actions done kept; a second plan adds A-2; the second
// round closes; the journal holds both analyses.
func TestNCIneffectiveLoop(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.verifying(t, audit.SeverityMajor)
	e.clk.Advance(5 * ncDay) // ineffectiveness may show before the minimum window
	x, err := e.svc.VerifyIneffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyIneffective{Evidence: "the 6 June CAB met without quorum again"})
	require.NoError(t, err)
	assert.Equal(t, audit.NCAnalysing, x.Status)
	require.Len(t, x.Verifications, 1)
	assert.False(t, x.Verifications[0].Effective)
	assert.True(t, x.ActionsDone(), "the actions done are kept")
	assert.True(t, x.VerifyDue.IsZero(), "no verification pending")
	assert.Empty(t, audit.SweepNonconformity(x, e.clk.Now().Add(365*ncDay)))

	second := audit.NCPlanActions{Review: audit.NCReview{ReviewNotes: "the template was fixed but chairs use old invitations",
		Causes: []string{"old invitation copies in the chairs' mailboxes"}, SimilarCheck: audit.NCSimilarCheck{Query: "other meeting templates with quorum rules"},
		Rationale: "recurred"}, Actions: []audit.NCPlannedAction{{Description: "withdraw old invitations; quorum check in the CAB tool", Owner: "otto", Due: e.clk.Now().Add(10 * ncDay)}}}
	x, err = e.svc.PlanActions(e.ctx, ncQM, x.ID, second)
	require.NoError(t, err)
	require.Len(t, x.Actions, 2)
	assert.Equal(t, "A-2", x.Actions[1].ID)
	assert.True(t, x.Actions[0].IsDone())
	assert.Equal(t, second.Review.Causes, x.Causes, "the latest analysis on the record")
	_, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{})
	smstest.RequireRefused(t, err, "NC-03")
	_, err = e.svc.CompleteAction(e.ctx, ncActionOwner, x.ID, audit.NCCompleteAction{Action: "A-2", Evidence: "CAB tool release 3.2"})
	require.NoError(t, err)
	x, err = e.svc.Implement(e.ctx, ncQM, x.ID, audit.NCImplement{})
	require.NoError(t, err)
	assert.Equal(t, "CHG-12", x.SMSChange, "the first round's change is kept")
	e.clk.Advance(14 * ncDay)
	x, err = e.svc.VerifyEffective(e.ctx, ncVerifier, x.ID, audit.NCVerifyEffective{Evidence: "four CABs with quorum"})
	require.NoError(t, err)
	assert.Equal(t, audit.NCClosed, x.Status)
	require.Len(t, x.Verifications, 2)
	assert.True(t, x.Verifications[1].Effective)

	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "raise", "contain", "analyse", "plan_actions", "complete_action", "implement", "verify_ineffective",
		"plan_actions", "complete_action", "implement", "verify_effective")
	first, _ := sms.Get(j[3].Payload, "cause")
	assert.Equal(t, ncReviewOK.Causes[0], first, "the earlier analysis stays in the journal")
	rep, err := audit.ConformNonconformities(e.ctx, e.svc, e.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
}

func ncCodes(fs []sms.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}

// NC_ACTION_OVERDUE and NC_VERIFY_OVERDUE (NC-09), at the exact due
// instants: due is not overdue, a microsecond after is.
func TestNCSweeps(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	p := e.planned(t, audit.SeverityMinor, false)
	due := p.Actions[0].Due
	assert.Empty(t, audit.SweepNonconformity(p, due))
	fs := audit.SweepNonconformity(p, due.Add(time.Microsecond))
	assert.Equal(t, []string{"NC_ACTION_OVERDUE NC-09 " + p.ID}, ncCodes(fs))
	assert.Equal(t, "10.1", fs[0].Requirement.Clause)
	assert.Equal(t, audit.NonconformityKind, fs[0].Kind)
	assert.Nil(t, audit.SweepNonconformity(nil, due))

	v := e.verifying(t, audit.SeverityMinor)
	assert.Empty(t, audit.SweepNonconformity(v, v.VerifyDue))
	assert.Equal(t, []string{"NC_VERIFY_OVERDUE NC-09 " + v.ID}, ncCodes(audit.SweepNonconformity(v, v.VerifyDue.Add(time.Microsecond))))

	done := e.planned(t, audit.SeverityMinor, true)
	assert.Empty(t, audit.SweepNonconformity(done, due.Add(ncDay)), "a done action is not overdue")
	c := e.analysing(t, audit.SeverityMinor)
	assert.Empty(t, audit.SweepNonconformity(c, due.Add(365*ncDay)))

	late := v.VerifyDue.Add(time.Microsecond)
	fs, err := e.svc.Sweep(e.ctx, late)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"NC_ACTION_OVERDUE NC-09 " + p.ID, "NC_VERIFY_OVERDUE NC-09 " + v.ID}, ncCodes(fs))
	fs, err = e.svc.Sweep(e.ctx, due)
	require.NoError(t, err)
	assert.Empty(t, fs)
}

// Trends by source and by process area (NC-08) over a half-open period.
func TestNCTrends(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	raise := func(src audit.Source, ref, area string) *audit.Nonconformity {
		x, err := e.svc.Raise(e.ctx, ncQM, audit.NCRaise{Description: "d", Source: src, SourceRef: ref, Area: area, Requirement: "r", Severity: audit.SeverityMinor})
		require.NoError(t, err)
		e.clk.Advance(ncDay)
		return x
	}
	var all []*audit.Nonconformity
	all = append(all, raise(audit.SourceInternalAudit, "AUD-1#F-1", audit.AreaChange)) // 1 June: before the period
	from := e.clk.Now()
	all = append(all,
		raise(audit.SourceInternalAudit, "AUD-2#F-1", audit.AreaChange),
		raise(audit.SourceCustomerComplaint, "", audit.AreaIncident),
		raise(audit.SourceInternalAudit, "AUD-2#F-2", audit.AreaIncident),
		raise(audit.SourceSupplier, "SUP-1", ""),
		raise(audit.SourceCustomerComplaint, "", audit.AreaChange))
	to := e.clk.Now()
	all = append(all, raise(audit.SourceReview, "MR-1", audit.AreaChange), nil) // at to: outside
	tr := audit.NonconformityTrends(all, from, to)
	assert.Equal(t, 5, tr.Total)
	assert.Equal(t, []audit.NCCount{{Key: "customer_complaint", Count: 2}, {Key: "internal_audit", Count: 2}, {Key: "supplier", Count: 1}}, tr.BySource)
	assert.Equal(t, []audit.NCCount{{Key: audit.AreaChange, Count: 2}, {Key: audit.AreaIncident, Count: 2}, {Key: "", Count: 1}}, tr.ByArea)
	assert.Equal(t, 7, audit.NonconformityTrends(all, time.Time{}, time.Time{}).Total, "an open period")
	empty := audit.NonconformityTrends(nil, from, to)
	assert.Equal(t, 0, empty.Total)
	assert.NotNil(t, empty.BySource)
}

// NonconformityFacts is the finder an audit reads (AUD-07).
func TestNCFacts(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	x := e.raised(t, audit.SeverityMajor)
	var finder audit.NonconformityFinder = e.svc
	f, err := finder.NonconformityFacts(e.ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, audit.NonconformityFacts{Status: "raised", Source: audit.SourceInternalAudit, SourceRef: "AUD-7#F-1"}, f)
	_, err = finder.NonconformityFacts(e.ctx, "NC-404")
	assert.ErrorIs(t, err, sms.ErrNotFound)
}

// ncJudge runs check 14's checks on one record and its journal, and
// returns "CODE REQ: detail" for each failure.
func ncJudge(x *audit.Nonconformity, j []sms.Entry, asOf time.Time) []string {
	a := sms.NewAudit(asOf, audit.NonconformityRequirements())
	sms.Examine(a, audit.NonconformityConformChecks(), x, j)
	out := []string{}
	for _, f := range a.Report().Findings() {
		out = append(out, f.Code+" "+f.Requirement.ID+": "+f.Detail)
	}
	return out
}

func ncForgeActor(j []sms.Entry, trigger string, who sms.Actor) []sms.Entry {
	out := slices.Clone(j)
	for i := range out {
		if out[i].Trigger == trigger {
			out[i].Actor = who
		}
	}
	return out
}

// Check 14: a properly closed nonconformity passes, by either route; each
// failure is caught on a record or journal forged behind the pipeline's
// back; a record edited in the store is reported unverified, not counted.
func TestNCConform(t *testing.T) {
	t.Parallel()
	e := ncNewEnv(t)
	closed := e.verifying(t, audit.SeverityMajor)
	e.clk.Advance(14 * ncDay)
	closed, err := e.svc.VerifyEffective(e.ctx, ncVerifier, closed.ID, audit.NCVerifyEffective{Evidence: "two CABs with quorum"})
	require.NoError(t, err)
	noAct := e.noAction(t)
	noAct, err = e.svc.CloseNoAction(e.ctx, ncSMSOwner, noAct.ID, audit.NCCloseNoAction{})
	require.NoError(t, err)
	asOf := e.clk.Now()

	rep, err := audit.ConformNonconformities(e.ctx, e.svc, asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Check)
	}
	assert.Equal(t, []string{"record-verification", "nonconformity-closure-evidence", "nonconformity-on-time"}, names)
	assert.Equal(t, 2, rep.Results[0].Population)
	assert.Equal(t, 2, rep.Results[1].Population)

	cj, err := e.svc.Journal(e.ctx, closed.ID)
	require.NoError(t, err)
	nj, err := e.svc.Journal(e.ctx, noAct.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{}, ncJudge(closed, cj, asOf))
	assert.Equal(t, []string{}, ncJudge(noAct, nj, asOf))

	forge := func(x *audit.Nonconformity, edit func(*audit.Nonconformity)) *audit.Nonconformity {
		c := x.Clone()
		edit(c)
		return c
	}
	inc := audit.CodeNCIncomplete
	for name, c := range map[string]struct {
		x    *audit.Nonconformity
		j    []sms.Entry
		want []string
	}{
		"no correction": {forge(closed, func(x *audit.Nonconformity) { x.Correction, x.CorrectionActions = "", nil }), cj,
			[]string{inc + " NC-01: no correction with its actions, and no reasoned declaration that none is needed"}},
		"none needed without reason": {forge(closed, func(x *audit.Nonconformity) {
			x.Correction, x.CorrectionActions, x.NoCorrection = "", nil, &audit.NCNoCorrection{Reason: " "}
		}), cj, []string{inc + " NC-01: no correction with its actions, and no reasoned declaration that none is needed"}},
		"no consequences": {forge(closed, func(x *audit.Nonconformity) { x.Consequences = "" }), cj, []string{inc + " NC-01: no consequences noted"}},
		"no causes":       {forge(closed, func(x *audit.Nonconformity) { x.Causes = nil }), cj, []string{inc + " NC-02: no cause analysis: review notes and causes"}},
		"no review notes": {forge(closed, func(x *audit.Nonconformity) { x.ReviewNotes = "" }), cj, []string{inc + " NC-02: no cause analysis: review notes and causes"}},
		"no similar check": {forge(closed, func(x *audit.Nonconformity) { x.SimilarCheck = audit.NCSimilarCheck{} }), cj,
			[]string{inc + " NC-02: no check for similar nonconformities"}},
		"no rationale": {forge(closed, func(x *audit.Nonconformity) { x.Decision.Rationale = "" }), cj, []string{inc + " NC-02: no decision rationale"}},
		"an action open": {forge(closed, func(x *audit.Nonconformity) { x.Actions[0].Done = time.Time{} }), cj,
			[]string{inc + " NC-03: not every corrective action is done, on evidence"}},
		"no actions": {forge(closed, func(x *audit.Nonconformity) { x.Actions = nil }), cj,
			[]string{inc + " NC-03: not every corrective action is done, on evidence"}},
		"last verification ineffective": {forge(closed, func(x *audit.Nonconformity) { x.Verifications[0].Effective = false }), cj,
			[]string{inc + " NC-04: the last verification is not an effective one with evidence"}},
		"no verification evidence": {forge(closed, func(x *audit.Nonconformity) { x.Verifications[0].Evidence = "" }), cj,
			[]string{inc + " NC-04: the last verification is not an effective one with evidence"}},
		"verified by the owner, named": {forge(closed, func(x *audit.Nonconformity) { x.Verifications[0].By = "olga" }), cj,
			[]string{inc + " NC-04: verified effective by its owner olga"}},
		"verified by the owner, in the journal": {closed, ncForgeActor(cj, "verify_effective", ncOwner),
			[]string{inc + " NC-04: the journal shows the owner olga verifying the corrective action effective"}},
		"never verified, in the journal": {closed, cj[:len(cj)-1],
			[]string{inc + " NC-04: the journal shows no effective verification"}},
		"a major one closed without action": {forge(noAct, func(x *audit.Nonconformity) { x.Severity = audit.SeverityMajor }), nj,
			[]string{inc + ` NC-06: closed without corrective action, which its severity "major" requires`}},
		"no approval recorded": {forge(noAct, func(x *audit.Nonconformity) { x.NoActionApprovedBy = "" }), nj,
			[]string{inc + " NC-02: the decision that no corrective action is needed was not approved"}},
		"approved by the decider, named": {forge(noAct, func(x *audit.Nonconformity) { x.NoActionApprovedBy = "quinn" }), nj,
			[]string{inc + " NC-02: the decision that no corrective action is needed was approved by who decided it"}},
		"approved by the decider, in the journal": {noAct, ncForgeActor(nj, "close_no_action", sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleSMSOwner}}),
			[]string{inc + " NC-02: the journal shows quinn approving their own decision that no corrective action is needed"}},
		"approved by a quality manager, in the journal": {noAct, ncForgeActor(nj, "close_no_action", ncVerifier),
			[]string{inc + " NC-02: the journal shows vera, not an SMS owner, approving the decision that no corrective action is needed"}},
		"no approval in the journal": {noAct, nj[:len(nj)-1],
			[]string{inc + " NC-02: the journal shows no SMS owner approving the decision that no corrective action is needed"}},
		"no decision in the journal": {noAct, slices.DeleteFunc(slices.Clone(nj), func(en sms.Entry) bool { return en.Trigger == "decide_no_action" }),
			[]string{inc + " NC-02: the journal shows no decision that no corrective action is needed"}},
	} {
		assert.Equal(t, c.want, ncJudge(c.x, c.j, asOf), name)
	}
	// Checked on its own (no journal), a record's named parties still count.
	assert.Equal(t, []string{}, ncJudge(closed, nil, asOf))

	// Open ones past their due dates fail the on-time check (NC-09).
	p := e.planned(t, audit.SeverityMinor, false)
	v := e.verifying(t, audit.SeverityMinor)
	late := v.VerifyDue.Add(time.Microsecond)
	rep, err = audit.ConformNonconformities(e.ctx, e.svc, late)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"NC_ACTION_OVERDUE NC-09 " + p.ID, "NC_VERIFY_OVERDUE NC-09 " + v.ID}, ncCodes(rep.Findings()))

	// A record edited in the store is unverified, and not counted.
	tampered, err := audit.NewNonconformities(smstest.Tampered[*audit.Nonconformity](e.st, closed.ID, func(x *audit.Nonconformity) { x.Causes = nil }),
		ncChangeBook, audit.DefaultNonconformityPolicy(), sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	rep, err = audit.ConformNonconformities(e.ctx, tampered, asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{sms.CodeRecordUnverified + " " + sms.RecordIntegrity().ID + " " + closed.ID}, ncCodes(rep.Findings()))
	assert.Equal(t, 1, rep.Results[1].Population, "only the record that verifies is examined")

	_, err = audit.ConformNonconformities(e.ctx, nil, asOf)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
}

// ncFuzz is what the fuzz driver needs.
type ncFuzz struct{ ncKit }

func (f ncFuzz) Start(t testing.TB) string { return f.env.raised(t, audit.SeverityMinor).ID }

func (f ncFuzz) Do(ctx context.Context, id string, s smstest.Step) (*audit.Nonconformity, error) {
	who := []sms.Actor{ncQM, ncOwner, ncVerifier, ncSMSOwner, ncActionOwner, ncNobody}[s.Actor%6]
	_, c := f.valid(s.Trigger)
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(audit.NonconformityWorkflow(), s.Trigger).(audit.NonconformityCommand)
	case 2:
		c = map[audit.NonconformityTrigger]audit.NonconformityCommand{
			audit.NCTriggerContain:           audit.NCContain{Correction: "c", NoCorrectionReason: "r"},
			audit.NCTriggerAnalyse:           audit.NCAnalyse{Owner: " olga"},
			audit.NCTriggerPlanActions:       audit.NCPlanActions{Review: ncReviewOK, Actions: []audit.NCPlannedAction{{Description: "d", Owner: "otto", Due: ncStart.Add(-ncDay)}}},
			audit.NCTriggerDecideNoAction:    audit.NCDecideNoAction{Review: audit.NCReview{Causes: []string{" "}}},
			audit.NCTriggerCompleteAction:    audit.NCCompleteAction{Action: "A-2", Evidence: "e"},
			audit.NCTriggerImplement:         audit.NCImplement{SMSChange: "CHG-13"},
			audit.NCTriggerVerifyEffective:   audit.NCVerifyEffective{Evidence: "\xff"},
			audit.NCTriggerVerifyIneffective: audit.NCVerifyIneffective{Evidence: " "},
			audit.NCTriggerCloseNoAction:     audit.NCCloseNoAction{},
			audit.NCTriggerNote:              audit.NCNote{Text: ""},
		}[audit.NonconformityTrigger(s.Trigger)]
	}
	return f.Nonconformities.Do(ctx, who, id, c)
}

func FuzzNonconformities(f *testing.F) {
	// contain, analyse, plan, complete (otto), implement, verify (vera): closes.
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 4, 4, 0, 5, 0, 0, 6, 2, 0})
	// contain, analyse, decide none, close (sam), with odd and empty steps between.
	f.Add([]byte{0, 0, 2, 0, 0, 0, 1, 1, 1, 1, 0, 0, 3, 0, 0, 8, 0, 0, 8, 3, 0, 9, 5, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := ncNewEnv(t)
		smstest.FuzzProcess(t, steps, ncTriggers(), ncFuzz{ncKit{env.svc, env}})
	})
}
