package change_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machines returns machines running the three workflows on the fixture's
// stores: the generic entry point a host may use instead of the Service.
func (f *fixture) machines(t *testing.T) (*sms.Machine[*change.Change], *sms.Machine[*change.TransitionPlan], *sms.Machine[*change.Template]) {
	t.Helper()
	o := sms.Options{Now: f.clk.Now}
	cm, err := sms.NewMachine(change.Workflow(), f.st.changes, o)
	require.NoError(t, err)
	pm, err := sms.NewMachine(change.PlanWorkflow(), f.st.plans, o)
	require.NoError(t, err)
	tm, err := sms.NewMachine(change.TemplateWorkflow(), f.st.templates, o)
	require.NoError(t, err)
	return cm, pm, tm
}

// TestCommandOfAnotherTrigger: every trigger of the three workflows takes
// its own command type; a command of another trigger's type is refused as
// invalid input by the generic entry point and changes nothing (it used to
// be accepted: approve with a Note recorded an approval without a
// rationale check of its own).
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	cm, pm, tm := f.machines(t)
	refused := func(err error, what string) {
		t.Helper()
		assert.ErrorIs(t, err, sms.ErrInvalid, what)
		var ve *sms.ValidationError
		assert.True(t, errors.As(err, &ve), "%s: %v", what, err)
	}

	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	before := f.snap(t, chg.ID)
	for _, tr := range change.Triggers()[1:] {
		var foreign change.Command = change.Note{Text: "not a " + string(tr)}
		if tr == change.TriggerNote {
			foreign = change.Closure{Notes: "not a note"}
		}
		_, err := cm.Fire(f.ctx, boss, chg.ID, string(tr), foreign)
		refused(err, string(tr))
	}
	f.requireUnchanged(t, chg.ID, before)
	_, err := cm.Create(f.ctx, requester, change.Note{Text: "not a request"})
	refused(err, "raise")

	tp := f.plan(t, chg.ID)
	planBefore := f.planSnap(t, tp.ID)
	for _, tr := range change.PlanTriggers()[1:] {
		var foreign change.PlanCommand = change.PlanNoteText{Text: "not a " + string(tr)}
		if tr == change.PlanNote {
			foreign = change.PlanClosure{Notified: []string{"olga"}}
		}
		_, err := pm.Fire(f.ctx, boss, tp.ID, string(tr), foreign)
		refused(err, "plan "+string(tr))
	}
	assert.Equal(t, planBefore, f.planSnap(t, tp.ID), "a refused plan transition changed the plan")
	_, err = pm.Create(f.ctx, planner, change.PlanNoteText{Text: "not a draft"})
	refused(err, "plan")

	tpl := f.templateTo(t, change.TemplateProposed)
	tplBefore := f.templateSnap(t, tpl.ID)
	for _, tr := range change.TemplateTriggers()[1:] {
		var foreign change.TemplateCommand = change.TemplateNoteText{Text: "not a " + string(tr)}
		if tr == change.TemplateNote {
			foreign = change.TemplateRetirement{Reason: "not a note"}
		}
		_, err := tm.Fire(f.ctx, boss, tpl.ID, string(tr), foreign)
		refused(err, "template "+string(tr))
	}
	assert.Equal(t, tplBefore, f.templateSnap(t, tpl.ID), "a refused template transition changed the template")
	_, err = tm.Create(f.ctx, manager, change.TemplateNoteText{Text: "not a proposal"})
	refused(err, "propose")
}

// TestSegregationRefusals: CHG-19 and CHG-06 compare the acting actors, as
// the journal records them, and the people commands name. Each breach is
// a *sms.ForbiddenError citing its requirement, never a *sms.GuardError,
// whether through the Service or the bare pipeline, and changes nothing.
func TestSegregationRefusals(t *testing.T) {
	t.Parallel()
	sam := actor("sam", change.RoleRequester, change.RoleCAB)        // raises for others, sits on the CAB
	dan := actor("dan", change.RoleRequester, change.RoleCAB)        // submits for others
	cara := actor("cara", change.RoleCAB, change.RoleImplementer)    // approves, and implements too
	ivanCAB := actor("ivan", change.RoleImplementer, change.RoleCAB) // the implementer, given a CAB seat
	type scenario struct {
		name string
		// prep brings a change to where the refused command applies and
		// returns its ID.
		prep    func(t *testing.T, f *fixture) string
		who     sms.Actor
		trigger change.Trigger
		cmd     func(f *fixture) change.Command
		want    string
	}
	authorizeAs := func(t *testing.T, f *fixture, chg *change.Change, who sms.Actor) {
		_, err := f.svc.Approve(f.ctx, who, chg.ID, change.Approval{Rationale: "fine"})
		require.NoError(t, err)
		f.step(t, chg.ID, change.TriggerAuthorize)
	}
	cases := []scenario{
		{name: "a change raised on behalf of another is approved by whoever raised it", who: sam, trigger: change.TriggerApprove,
			prep: func(t *testing.T, f *fixture) string {
				r := request(change.ModelNameNormal)
				r.ID, r.Requester = f.id("CHG"), "rita"
				chg, err := f.svc.Raise(f.ctx, sam, r)
				require.NoError(t, err)
				assert.Equal(t, []string{"sam"}, chg.Parties.Acted(sms.PartyRequester))
				assert.True(t, chg.Parties.Has(sms.PartyRequester, "rita"), "the requester named is a party too")
				f.step(t, chg.ID, change.TriggerSubmit)
				f.step(t, chg.ID, change.TriggerAssess)
				return chg.ID
			}, cmd: func(*fixture) change.Command { return change.Approval{Rationale: "my colleague's request is fine"} }, want: "CHG-19"},
		{name: "a change submitted for another is approved by whoever submitted it", who: dan, trigger: change.TriggerApprove,
			prep: func(t *testing.T, f *fixture) string {
				chg := f.raise(t, change.ModelNameNormal)
				_, err := f.svc.Submit(f.ctx, dan, chg.ID, change.Submission{})
				require.NoError(t, err)
				f.step(t, chg.ID, change.TriggerAssess)
				return chg.ID
			}, cmd: func(*fixture) change.Command { return change.Approval{Rationale: "fine"} }, want: "CHG-19"},
		{name: "it is rejected in authorization by whoever raised it", who: actor("sam", change.RoleRequester, change.RoleEmergencyAuthority),
			trigger: change.TriggerReject,
			prep: func(t *testing.T, f *fixture) string {
				r := request(change.ModelNameEmergency)
				r.ID, r.Requester = f.id("CHG"), "rita"
				chg, err := f.svc.Raise(f.ctx, sam, r)
				require.NoError(t, err)
				f.step(t, chg.ID, change.TriggerSubmitEmergency)
				return chg.ID
			}, cmd: func(*fixture) change.Command { return change.Rejection{Reason: "not needed after all"} }, want: "CHG-19"},
		{name: "an approver approves twice", who: cab1, trigger: change.TriggerApprove,
			prep: func(t *testing.T, f *fixture) string {
				chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
				_, err := f.svc.Approve(f.ctx, cab1, chg.ID, change.Approval{Rationale: "fine"})
				require.NoError(t, err)
				return chg.ID
			}, cmd: func(*fixture) change.Command { return change.Approval{Rationale: "still fine"} }, want: "CHG-06"},
		{name: "an approver is named implementer", who: manager, trigger: change.TriggerSchedule,
			prep: func(t *testing.T, f *fixture) string {
				chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
				authorizeAs(t, f, chg, cara)
				f.clk.Advance(50 * time.Hour)
				return chg.ID
			}, cmd: func(f *fixture) change.Command {
				s := f.valid(change.TriggerSchedule).(change.Scheduling)
				s.Implementer = "cara"
				return s
			}, want: "CHG-19"},
		{name: "an approver starts the implementation, naming another implementer", who: cara, trigger: change.TriggerStart,
			prep: func(t *testing.T, f *fixture) string {
				chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
				authorizeAs(t, f, chg, cara)
				chg, err := f.svc.Get(f.ctx, chg.ID)
				require.NoError(t, err)
				f.ready(t, chg, change.TriggerStart) // scheduled for ivan, announced
				return chg.ID
			}, cmd: func(f *fixture) change.Command { return f.valid(change.TriggerStart) }, want: "CHG-19"},
		{name: "an approver completes the implementation", who: cara, trigger: change.TriggerComplete,
			prep: func(t *testing.T, f *fixture) string {
				chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
				authorizeAs(t, f, chg, cara)
				chg, err := f.svc.Get(f.ctx, chg.ID)
				require.NoError(t, err)
				chg = f.ready(t, chg, change.TriggerStart)
				f.step(t, chg.ID, change.TriggerStart)
				return chg.ID
			}, cmd: func(f *fixture) change.Command { return f.valid(change.TriggerComplete) }, want: "CHG-19"},
		{name: "the implementer accepts a degraded service", who: ivanCAB, trigger: change.TriggerRemediated,
			prep: func(t *testing.T, f *fixture) string {
				return f.to(t, change.ModelNameNormal, change.StatusRemediating).ID
			},
			cmd: func(*fixture) change.Command {
				return change.Remedy{Outcome: change.OutcomeDegradedAccepted, Notes: "runs slower"}
			}, want: "CHG-12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, change.DefaultPolicy())
			cm, _, _ := f.machines(t)
			id := tc.prep(t, f)
			before := f.snap(t, id)
			c := tc.cmd(f)
			require.Equal(t, tc.trigger, c.Trigger())
			service := func() error { _, err := f.svc.Do(f.ctx, tc.who, id, c); return err }
			pipeline := func() error { _, err := cm.Fire(f.ctx, tc.who, id, string(tc.trigger), c); return err }
			for path, fire := range map[string]func() error{"service": service, "pipeline": pipeline} {
				err := fire()
				fe := smstest.RequireForbidden(t, err)
				assert.Equal(t, tc.want, fe.Requirement.ID, path)
				assert.NotEmpty(t, fe.Requirement.Clause, path)
				assert.NotEmpty(t, fe.Reason, path)
				assert.Equal(t, tc.who.ID, fe.Actor, path)
				assert.Equal(t, id, fe.ID, path)
				assert.Equal(t, string(tc.trigger), fe.Trigger, path)
				assert.ErrorIs(t, err, sms.ErrForbidden, path)
				assert.NotErrorIs(t, err, sms.ErrGuard, "%s: segregation of duties is no guard failure", path)
				f.requireUnchanged(t, id, before)
			}
		})
	}
}

// TestTemplateAndPlanAuthorsNeverApprove: CHG-19 on templates and plans —
// the author is whoever proposed, drafted or revised the record as well as
// the author it names; an approver approves a template once. Each breach
// is a *sms.ForbiddenError.
func TestTemplateAndPlanAuthorsNeverApprove(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	tpls, plans := f.svc.Templates(), f.svc.Plans()
	_, _, tm := f.machines(t)

	tpl, err := tpls.Propose(f.ctx, manager, change.TemplateProposal{ID: f.id("TPL"), Name: "payroll patch", Model: change.ModelNameStandard,
		Author: "otto", Procedure: "apply vendor patch", Remediation: change.RemediationPlan{Plan: "uninstall", Tested: true},
		Services: []string{"payroll"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"max"}, tpl.Parties.Acted(sms.PartyAuthor))
	otto := actor("otto", change.RoleChangeManager)
	refuse := func(who sms.Actor, want string) {
		t.Helper()
		before := f.templateSnap(t, tpl.ID)
		for _, fire := range []func() error{
			func() error {
				_, err := tpls.Approve(f.ctx, who, tpl.ID, change.TemplateApproval{Rationale: "proven"})
				return err
			},
			func() error {
				_, err := tm.Fire(f.ctx, who, tpl.ID, string(change.TemplateApprove), change.TemplateApproval{Rationale: "proven"})
				return err
			},
		} {
			fe := smstest.RequireForbidden(t, fire())
			assert.Equal(t, want, fe.Requirement.ID, who.ID)
		}
		assert.Equal(t, before, f.templateSnap(t, tpl.ID))
	}
	refuse(manager, "CHG-19") // proposed it, naming another author
	refuse(otto, "CHG-19")    // the author named
	f.clk.Advance(time.Minute)
	_, err = tpls.Revise(f.ctx, boss, tpl.ID, change.TemplateRevision{Procedure: "apply vendor patch, runbook v2"})
	require.NoError(t, err)
	refuse(boss, "CHG-19") // revised it
	f.clk.Advance(time.Minute)
	chief := actor("cleo", change.RoleChangeManager)
	_, err = tpls.Approve(f.ctx, chief, tpl.ID, change.TemplateApproval{Rationale: "proven"})
	require.NoError(t, err)
	refuse(chief, "CHG-18") // a second approval
	_, err = tpls.Activate(f.ctx, manager, tpl.ID, change.TemplateActivation{})
	require.NoError(t, err, "an approval by someone who did not write it activates the template")

	tina := actor("tina", change.RoleTransitionManager, change.RoleChangeManager)
	d := draftPlan("CHG-1")
	d.ID = f.id("TP")
	tp, err := plans.Draft(f.ctx, tina, d) // names tom as author
	require.NoError(t, err)
	before := f.planSnap(t, tp.ID)
	_, err = plans.Approve(f.ctx, tina, tp.ID, change.PlanApproval{Rationale: "complete"})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "CHG-19", fe.Requirement.ID, "whoever drafted the plan never approves it")
	assert.Equal(t, before, f.planSnap(t, tp.ID))
	_, err = plans.Approve(f.ctx, boss, tp.ID, change.PlanApproval{Rationale: "complete"})
	require.NoError(t, err)
}

// TestApprovalGatesCite: the approval gates say who decides, and cite a
// requirement for each refusal, through the service's Do and through a
// bare machine on the service's workflows alike: an actor who holds none
// of a gated trigger's roles is refused by the role check, naming the
// roles, citing the gate's requirement (CHG-06 for a change's approve and
// reject, CHG-18 for a template's approve, SDT-01 for a plan's approve);
// the requester of a change, the author of a template or a plan, citing
// CHG-19. Each is a *sms.ForbiddenError and changes nothing.
func TestApprovalGatesCite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	o := sms.Options{Now: f.clk.Now}
	cm, err := sms.NewMachine(f.svc.Workflow(), f.st.changes, o)
	require.NoError(t, err)
	pm, err := sms.NewMachine(f.svc.Plans().Workflow(), f.st.plans, o)
	require.NoError(t, err)
	tm, err := sms.NewMachine(f.svc.Templates().Workflow(), f.st.templates, o)
	require.NoError(t, err)
	refused := func(err error, want string, roleCheck bool, what string) {
		t.Helper()
		fe := smstest.RequireForbidden(t, err)
		assert.Equal(t, want, fe.Requirement.ID, what)
		assert.NotEmpty(t, fe.Requirement.Clause, what)
		assert.NotEmpty(t, fe.Reason, what)
		assert.Equal(t, roleCheck, len(fe.Roles) > 0, "%s: the role check names the roles", what)
	}

	chg := f.to(t, change.ModelNameNormal, change.StatusAuthorize)
	before := f.snap(t, chg.ID)
	for _, tc := range []struct {
		who       sms.Actor
		c         change.Command
		want      string
		roleCheck bool
	}{
		{implementer, change.Approval{Rationale: "fine"}, "CHG-06", true},
		{implementer, change.Rejection{Reason: "not now"}, "CHG-06", true},
		{actor("rita", change.RoleRequester, change.RoleCAB), change.Approval{Rationale: "mine"}, "CHG-19", false},
		{actor("rita", change.RoleRequester, change.RoleCAB), change.Rejection{Reason: "mine"}, "CHG-19", false},
	} {
		what := tc.who.ID + " " + string(tc.c.Trigger())
		_, err := f.svc.Do(f.ctx, tc.who, chg.ID, tc.c)
		refused(err, tc.want, tc.roleCheck, what+" (Do)")
		_, err = cm.Fire(f.ctx, tc.who, chg.ID, string(tc.c.Trigger()), tc.c)
		refused(err, tc.want, tc.roleCheck, what+" (machine)")
	}
	f.requireUnchanged(t, chg.ID, before)

	tpl := f.templateTo(t, change.TemplateProposed) // written by max
	tplBefore := f.templateSnap(t, tpl.ID)
	approval := change.TemplateApproval{Rationale: "proven"}
	for _, tc := range []struct {
		who       sms.Actor
		want      string
		roleCheck bool
	}{{implementer, "CHG-18", true}, {manager, "CHG-19", false}} {
		_, err := f.svc.Templates().Do(f.ctx, tc.who, tpl.ID, approval)
		refused(err, tc.want, tc.roleCheck, tc.who.ID+" approves the template (Do)")
		_, err = tm.Fire(f.ctx, tc.who, tpl.ID, string(change.TemplateApprove), approval)
		refused(err, tc.want, tc.roleCheck, tc.who.ID+" approves the template (machine)")
	}
	assert.Equal(t, tplBefore, f.templateSnap(t, tpl.ID))

	tp := f.plan(t, "CHG-1") // drafted by tom, who is its author
	planBefore := f.planSnap(t, tp.ID)
	pa := change.PlanApproval{Rationale: "complete"}
	for _, tc := range []struct {
		who       sms.Actor
		want      string
		roleCheck bool
	}{{planner, "SDT-01", true}, {actor("tom", change.RoleChangeManager), "CHG-19", false}} {
		_, err := f.svc.Plans().Do(f.ctx, tc.who, tp.ID, pa)
		refused(err, tc.want, tc.roleCheck, tc.who.ID+" approves the plan (Do)")
		_, err = pm.Fire(f.ctx, tc.who, tp.ID, string(change.PlanApprove), pa)
		refused(err, tc.want, tc.roleCheck, tc.who.ID+" approves the plan (machine)")
	}
	assert.Equal(t, planBefore, f.planSnap(t, tp.ID))
}

// TestBlankAndOutOfRangeInputRefused: text the standard requires that is
// only white space is refused like empty text; levels, priorities and the
// policy's risk thresholds stay within their ranges. Nothing changes.
func TestBlankAndOutOfRangeInputRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.DefaultPolicy())
	draft := f.to(t, change.ModelNameNormal, change.StatusDraft)
	before := f.snap(t, draft.ID)
	for _, c := range []change.Command{
		change.Note{Text: " \t "},
		change.Evaluation{Likelihood: 6, Impact: 1},
		change.Authorization{Priority: 9},
		change.Authorization{Priority: -1},
	} {
		_, err := f.svc.Do(f.ctx, boss, draft.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
	}
	for _, a := range []change.Amendment{{Summary: "   "}, {Reason: "\n"}, {Justification: " "}} {
		_, err := f.svc.Amend(f.ctx, requester, draft.ID, a)
		smstest.RequireRefused(t, err, "CHG-04")
	}
	f.requireUnchanged(t, draft.ID, before)

	tp := f.plan(t, draft.ID)
	_, err := f.svc.Plans().AddNote(f.ctx, boss, tp.ID, change.PlanNoteText{Text: "  "})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	pc := planContent()
	pc.AcceptanceCriteria = append(pc.AcceptanceCriteria, "  ")
	f.clk.Advance(time.Minute)
	_, err = f.svc.Plans().Revise(f.ctx, planner, tp.ID, change.PlanRevision{PlanContent: pc})
	require.NoError(t, err)
	_, err = f.svc.Plans().Approve(f.ctx, boss, tp.ID, change.PlanApproval{Rationale: "ok"})
	smstest.RequireRefused(t, err, "SDT-01")

	tpl := f.templateTo(t, change.TemplateProposed)
	tplBefore := f.templateSnap(t, tpl.ID)
	_, err = f.svc.Templates().AddNote(f.ctx, boss, tpl.ID, change.TemplateNoteText{Text: "\t"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	for _, r := range []change.TemplateRevision{{Procedure: "   "}, {Remediation: change.RemediationPlan{Plan: " ", Tested: true}}} {
		_, err = f.svc.Templates().Revise(f.ctx, boss, tpl.ID, r)
		smstest.RequireRefused(t, err, "CHG-18")
	}
	assert.Equal(t, tplBefore, f.templateSnap(t, tpl.ID))

	for name, mod := range map[string]func(*change.Policy){
		"a major-impact score never reached": func(p *change.Policy) { p.MajorImpact.RiskScore = change.MaxRiskScore + 1 },
		"a stricter authority from score 30": func(p *change.Policy) { p.Models[0].ByRisk[0].MinScore = 30 },
		"a negative score":                   func(p *change.Policy) { p.Models[0].ByRisk[0].MinScore = -1 },
	} {
		p := change.DefaultPolicy()
		mod(&p)
		_, err := change.NewService(newStores().of(), change.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
}

// TestConformOnVerifiedRecords: Conform, Sweep, UnauthorizedChanges and
// Trends judge only records that verify against their journal. A change, plan or
// template whose fields or status were changed in the store is a
// RECORD_UNVERIFIED finding, first, and is counted by no other check; the
// run goes on and the other records are still checked.
func TestConformOnVerifiedRecords(t *testing.T) {
	t.Parallel()
	f, closed := conforming(t)
	tp := f.planTo(t, change.PlanClosed)
	normal, emergency, standard := closed[change.ModelNameNormal], closed[change.ModelNameEmergency], closed[change.ModelNameStandard]
	tpl := standard.Template
	asOf := f.clk.Now()

	st := f.st.of()
	// Forged fields: the normal change's review, the plan's release. Forged
	// statuses: the emergency change back in review, the template
	// suspended.
	st.Changes = smstest.Tampered[*change.Change](f.st.changes, normal.ID, func(c *change.Change) { c.Review.Summary = "all good" })
	st.Changes = smstest.Tampered(st.Changes, emergency.ID, func(c *change.Change) { c.Status = change.StatusReview })
	st.Plans = smstest.Tampered[*change.TransitionPlan](f.st.plans, tp.ID, func(p *change.TransitionPlan) { p.Release = "REL-FORGED" })
	st.Templates = smstest.Tampered[*change.Template](f.st.templates, tpl, func(t *change.Template) { t.Status = change.TemplateSuspended })
	svc, err := change.NewService(st, change.Config{Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)

	rep, err := svc.Conform(f.ctx, asOf)
	require.NoError(t, err)
	ver := rep.Results[0]
	require.Equal(t, sms.CheckRecordVerification, ver.Check)
	assert.Equal(t, 5, ver.Population, "three changes, a plan and a template examined")
	kinds := map[string]sms.Kind{}
	for _, fd := range ver.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		assert.NotEmpty(t, fd.Detail)
		kinds[fd.EntityID] = fd.Kind
	}
	assert.Equal(t, map[string]sms.Kind{normal.ID: change.Kind, emergency.ID: change.Kind, tp.ID: change.PlanKind, tpl: change.TemplateKind}, kinds)
	pop := map[string]int{}
	for _, r := range rep.Results[1:] {
		pop[r.Check] = r.Population
		for _, fd := range r.Failures {
			assert.NotContains(t, kinds, fd.EntityID, "an unverified record was judged: %v", fd)
		}
	}
	assert.Equal(t, 1, pop["change-authorized-before-implementation"], "the standard change, which verifies, is still checked")
	assert.Equal(t, 1, pop["change-closure"])
	assert.Equal(t, 0, pop["transition-plan-record"])
	assert.Equal(t, 0, pop["standard-change-template"])
	assert.True(t, rep.Passed() == false && len(rep.Findings()) == 4, "only the verification fails: %v", rep.Findings())

	fs, err := svc.Sweep(f.ctx, asOf)
	require.NoError(t, err)
	require.Len(t, fs, 3, "%v", fs)
	var ids []string
	for _, fd := range fs {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		ids = append(ids, fd.EntityID)
	}
	assert.ElementsMatch(t, []string{normal.ID, emergency.ID, tpl}, ids)

	// A configuration item changed under the forged change: the change
	// authorizes nothing.
	m := change.ConfigChange{ID: "CMDB-70", Item: "app-1", ItemType: "application", Service: "payroll", At: normal.Work.StartedAt.Add(time.Second),
		By: "ivan", ChangeRef: normal.ID}
	got, err := f.svc.UnauthorizedChanges(f.ctx, []change.ConfigChange{m}, asOf)
	require.NoError(t, err)
	assert.Empty(t, got, "the genuine change authorizes the mutation")
	got, err = svc.UnauthorizedChanges(f.ctx, []change.ConfigChange{m}, asOf)
	require.NoError(t, err)
	require.Len(t, got, 2, "%v", got)
	assert.Equal(t, sms.CodeRecordUnverified, got[0].Code)
	assert.Equal(t, normal.ID, got[0].EntityID)
	assert.Equal(t, change.CodeUnauthorizedChange, got[1].Code)
	assert.True(t, strings.HasPrefix(got[1].Detail, string(change.ChangeUnverified)+": app-1"), got[1].Detail)

	// The trend analysis (CHG-14) leaves the forged changes out, and says so.
	tr, err := svc.Trends(f.ctx, t0, asOf.Add(time.Hour), asOf)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{normal.ID, emergency.ID}, tr.Unverified)
	assert.Equal(t, 1, tr.Raised, "only the standard change is counted")
	assert.Contains(t, tr.Summary(), "Left out: 2 change records that do not verify")
	tr, err = f.svc.Trends(f.ctx, t0, asOf.Add(time.Hour), asOf)
	require.NoError(t, err)
	assert.Empty(t, tr.Unverified)
	assert.Equal(t, 3, tr.Raised)

	// The untampered service sees every record verified.
	rep, err = f.svc.Conform(f.ctx, asOf)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Equal(t, 5, rep.Results[0].Population)
}

// TestCheckSegregationFromParties: the checks compare approvers with the
// parties the record holds, acting or named: an approval by whoever raised
// or implemented the change fails CHG-19 even where its Requester and
// implementer fields name someone else.
func TestCheckSegregationFromParties(t *testing.T) {
	t.Parallel()
	f, closed := conforming(t)
	asOf := f.clk.Now()
	for name, mutate := range map[string]func(*change.Change){
		"approved by whoever raised it": func(c *change.Change) {
			c.Parties.Add(sms.PartyRequester, c.Authority.Approvals[0].Approver, true)
		},
		"approved by whoever implemented it": func(c *change.Change) {
			c.Parties.Add(sms.PartyImplementer, c.Authority.Approvals[0].Approver, true)
		},
		"approved by whoever started it": func(c *change.Change) { c.Work.StartedBy = c.Authority.Approvals[0].Approver },
	} {
		c := closed[change.ModelNameNormal].Clone()
		mutate(c)
		fs, err := change.Check(c, f.svc.Policy(), asOf)
		require.NoError(t, err)
		assert.Equal(t, []string{"CHG-19", "CHG-06"}, findingIDs(fs), name)
	}

	tp := f.planTo(t, change.PlanClosed)
	self := tp.Clone()
	self.Parties.Add(sms.PartyAuthor, self.ApprovedBy, true)
	rep, err := change.Audit(nil, []*change.TransitionPlan{self}, nil, f.svc.Policy(), asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG-19"}, findingIDs(rep.Findings()), "a plan approved by whoever drafted or revised it")
}
