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

// The people of the audit tests. olga owns programme AP-1 (she approved
// it); pat and quinn hold the programme owner role too, without owning it.
// alice leads the audits and bob co-audits, both impartial for the change
// process and unit ops-emea; cody and uma work in them; erin is the
// auditee; zed is an auditor assigned to none of the audits.
var (
	audPat   = sms.Actor{ID: "pat", Roles: []sms.Role{audit.RoleProgrammeOwner}}
	audQuinn = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleProgrammeOwner}}
	audOlga  = sms.Actor{ID: "olga", Roles: []sms.Role{audit.RoleProgrammeOwner, audit.RoleAuditor}}
	audAlice = sms.Actor{ID: "alice", Roles: []sms.Role{audit.RoleAuditor}}
	audBob   = sms.Actor{ID: "bob", Roles: []sms.Role{audit.RoleAuditor}}
	audCody  = sms.Actor{ID: "cody", Roles: []sms.Role{audit.RoleAuditor}}
	audErin  = sms.Actor{ID: "erin", Roles: []sms.Role{audit.RoleAuditee}}
	audZed   = sms.Actor{ID: "zed", Roles: []sms.Role{audit.RoleAuditor}}
)

// audJune returns a time in June 2026, UTC.
func audJune(day, hour int) time.Time { return time.Date(2026, 6, day, hour, 0, 0, 0, time.UTC) }

// audProgrammes is the host's programmes: facts by programme ID.
type audProgrammes map[string]audit.ProgrammeFacts

func (p audProgrammes) ProgrammeFacts(_ context.Context, id string) (audit.ProgrammeFacts, error) {
	return hostFact(p, audit.ProgrammeKind, id)
}

// audNCs is the host's nonconformities: facts by ID.
type audNCs map[string]audit.NonconformityFacts

func (n audNCs) NonconformityFacts(_ context.Context, id string) (audit.NonconformityFacts, error) {
	return hostFact(n, audit.NonconformityKind, id)
}

// audOps is the host's improvement opportunities: facts by ID.
type audOps map[string]audit.OpportunityFacts

func (o audOps) OpportunityFacts(_ context.Context, id string) (audit.OpportunityFacts, error) {
	return hostFact(o, audit.OpportunityKind, id)
}

// audInvolvement is AP-1's involvement map.
func audInvolvement() audit.Involvement {
	return audit.Involvement{
		"alice": {audit.AreaIncident},
		"bob":   {"ops-apac"},
		"cody":  {audit.AreaChange},
		"uma":   {"ops-emea"},
		"erin":  {audit.AreaChange, "ops-emea"},
		"olga":  {audit.AreaChange},
	}
}

// audBook returns a fresh set of programmes, one per environment, so
// that a test may change AP-1's involvement.
func audBook() audProgrammes {
	areas := []string{audit.AreaChange, audit.AreaIncident}
	return audProgrammes{
		"AP-1": {Status: "approved", Owner: "olga", Areas: areas, Involvement: audInvolvement()},
		"AP-D": {Status: "draft", Owner: "olga", Areas: areas, Involvement: audInvolvement()},
		"AP-N": {Status: "approved", Owner: "olga", Areas: areas}, // no involvement declared
	}
}

type audEnv struct {
	svc   *audit.Audits
	store *memstore.Store[*audit.Audit]
	plans audProgrammes
	clk   *smstest.Clock
	ctx   context.Context
}

func audNewEnv(t testing.TB) *audEnv {
	clk := smstest.NewClock(audJune(20, 0))
	e := &audEnv{store: memstore.New[*audit.Audit](), plans: audBook(), clk: clk, ctx: context.Background()}
	svc, err := audit.NewAudits(e.store, e.plans,
		audNCs{"NC-1": {Status: "raised", Source: audit.SourceInternalAudit}},
		audOps{"OP-1": {Status: "logged", Source: audit.FromAuditFinding}}, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	e.svc = svc
	return e
}

// involve changes what AP-1 declares person owns or works in; nil areas
// remove the person, and a nil map the whole declaration.
func (e *audEnv) involve(inv audit.Involvement) {
	f := e.plans["AP-1"]
	f.Involvement = inv
	e.plans["AP-1"] = f
}

var (
	audPlan = audit.AuditPlanning{Programme: "AP-1", Area: audit.AreaChange, Title: "Change management, first half of 2026",
		Window: audit.AuditWindow{Start: audJune(1, 9), End: audJune(30, 17)}, Lead: "alice", Auditors: []string{"alice", "bob"}}
	audPrep = audit.AuditPreparation{Criteria: []string{"ISO/IEC 20000-1:2018 8.5.1", "change procedure PRC-4 v3"},
		Scope: audit.AuditScope{Services: []string{"payroll"}, Processes: []string{audit.AreaChange}, Units: []string{"ops-emea"}}}
	audMinorNC = audit.FindingRecord{Type: audit.FindingMinorNC, Statement: "two normal changes were implemented before their CAB approval",
		Criterion: "PRC-4 section 5", Sample: []string{"CHG-000123", "CHG-000140"}, Query: "status:closed category:normal opened:2026-01..2026-05",
		Seed: "7f3a", PopulationDigest: "sha256:ab12", Evidence: []string{"DOC-CAB-05"}}
	audIssue = audit.AuditReportIssue{Conformity: "conforms except for two changes implemented before approval",
		Effectiveness: "the change process is effective", Summary: "one minor nonconformity", Document: "DOC-AR-7", Notified: []string{"mia", "max"}}
	audAddCody = audit.AuditorAddition{Auditor: "cody", Justification: "the only auditor trained in the CAB tooling"}
)

// audValid is a valid command for each trigger but plan, with the actor
// who may fire it.
var audValid = map[audit.AuditTrigger]struct {
	who sms.Actor
	cmd audit.AuditCommand
}{
	audit.TriggerAuditAssign:          {audPat, audit.AuditAssignment{Lead: "bob", Auditors: []string{"bob", "alice"}}},
	audit.TriggerAuditAddAuditor:      {audPat, audit.AuditorAddition{Auditor: "dana"}},
	audit.TriggerAuditApproveOverride: {audOlga, audit.OverrideApproval{Auditor: "cody"}},
	audit.TriggerAuditPrepare:         {audAlice, audPrep},
	audit.TriggerAuditStartFieldwork:  {audAlice, audit.AuditFieldworkStart{}},
	audit.TriggerAuditRecordFinding:   {audAlice, audMinorNC},
	audit.TriggerAuditAcknowledge:     {audErin, audit.FindingAcknowledgement{Finding: "F-1"}},
	audit.TriggerAuditEndFieldwork:    {audAlice, audit.AuditFieldworkEnd{}},
	audit.TriggerAuditReport:          {audAlice, audIssue},
	audit.TriggerAuditFollowUp:        {audAlice, audit.AuditFollowUpStart{}},
	audit.TriggerAuditLinkFinding:     {audAlice, audit.FindingLink{Finding: "F-1", Link: "NC-1"}},
	audit.TriggerAuditClose:           {audAlice, audit.AuditClosure{}},
	audit.TriggerAuditReschedule: {audPat, audit.AuditRescheduling{Window: audit.AuditWindow{Start: audJune(1, 9).AddDate(0, 1, 0), End: audJune(30, 17).AddDate(0, 1, 0)},
		Reason: "the CAB chair is on leave in June"}},
	audit.TriggerAuditCancel: {audPat, audit.AuditCancellation{Reason: "replaced by the external surveillance audit"}},
}

func (e *audEnv) planned(t testing.TB, c audit.AuditPlanning) *audit.Audit {
	t.Helper()
	x, err := e.svc.Plan(e.ctx, audPat, c)
	require.NoError(t, err)
	return x
}

func (e *audEnv) fire(t testing.TB, id string, tr audit.AuditTrigger) *audit.Audit {
	t.Helper()
	v := audValid[tr]
	x, err := e.svc.Do(e.ctx, v.who, id, v.cmd)
	require.NoError(t, err, tr)
	return x
}

func (e *audEnv) do(t testing.TB, who sms.Actor, id string, c audit.AuditCommand) *audit.Audit {
	t.Helper()
	x, err := e.svc.Do(e.ctx, who, id, c)
	require.NoError(t, err, c.Trigger())
	return x
}

// at returns a new audit in status, set up so that trigger can succeed
// there: a pending override of cody for approve_override, a draft finding
// F-1 for acknowledge, a confirmed one for link_finding.
func (e *audEnv) at(t testing.TB, status audit.AuditStatus, trigger audit.AuditTrigger) string {
	t.Helper()
	pending := trigger == audit.TriggerAuditApproveOverride
	finding := (trigger == audit.TriggerAuditAcknowledge || trigger == audit.TriggerAuditLinkFinding) &&
		slices.Contains([]audit.AuditStatus{audit.AuditFieldwork, audit.AuditReporting, audit.AuditReported, audit.AuditFollowUp}, status)
	id := e.planned(t, audPlan).ID
	switch status {
	case audit.AuditPlanned:
	case audit.AuditCancelled:
		e.fire(t, id, audit.TriggerAuditCancel)
	case audit.AuditRescheduled:
		e.fire(t, id, audit.TriggerAuditReschedule)
	default:
		e.fire(t, id, audit.TriggerAuditPrepare)
	}
	if status == audit.AuditCancelled {
		return id
	}
	if status == audit.AuditPlanned || status == audit.AuditRescheduled || status == audit.AuditPrepared {
		if pending {
			e.do(t, audPat, id, audAddCody)
		}
		return id
	}
	e.fire(t, id, audit.TriggerAuditStartFieldwork)
	if finding {
		e.fire(t, id, audit.TriggerAuditRecordFinding)
		if status != audit.AuditFieldwork && status != audit.AuditReporting {
			e.fire(t, id, audit.TriggerAuditAcknowledge)
		}
	}
	for _, step := range []struct {
		reached audit.AuditStatus
		next    audit.AuditTrigger
	}{
		{audit.AuditFieldwork, audit.TriggerAuditEndFieldwork},
		{audit.AuditReporting, audit.TriggerAuditReport},
		{audit.AuditReported, audit.TriggerAuditFollowUp},
		{audit.AuditFollowUp, audit.TriggerAuditClose},
	} {
		if status == step.reached {
			return id
		}
		e.fire(t, id, step.next)
	}
	return id
}

type audKit struct {
	*audit.Audits
	env *audEnv
}

func (k audKit) At(t testing.TB, status, trigger string) string {
	return k.env.at(t, audit.AuditStatus(status), audit.AuditTrigger(trigger))
}

func (k audKit) Fire(ctx context.Context, id, trigger string) (*audit.Audit, error) {
	v := audValid[audit.AuditTrigger(trigger)]
	return k.Do(ctx, v.who, id, v.cmd)
}

func (k audKit) DryRun(ctx context.Context, id, trigger string) error {
	v := audValid[audit.AuditTrigger(trigger)]
	return k.Audits.DryRun(ctx, v.who, id, v.cmd)
}

func audTriggers() []string { return smstest.Names(audit.AuditTriggers()[1:]) }

func TestAuditKit(t *testing.T) {
	s := smstest.Stay
	smstest.RunProcess(t, smstest.Process[*audit.Audit]{
		Workflow: audit.AuditWorkflow(),
		// From the audit state machine of REQUIREMENTS section 13 (AUD-01,
		// AUD-03 to AUD-07): assignments and overrides before fieldwork,
		// a co-auditor until it ends, findings in fieldwork and reporting,
		// links once reported; closed and cancelled are final.
		Oracle: smstest.Oracle(map[audit.AuditStatus]map[audit.AuditTrigger]string{
			audit.AuditPlanned: {audit.TriggerAuditAssign: s, audit.TriggerAuditAddAuditor: s, audit.TriggerAuditApproveOverride: s,
				audit.TriggerAuditPrepare: "prepared", audit.TriggerAuditReschedule: "rescheduled", audit.TriggerAuditCancel: "cancelled"},
			audit.AuditPrepared: {audit.TriggerAuditAssign: s, audit.TriggerAuditAddAuditor: s, audit.TriggerAuditApproveOverride: s,
				audit.TriggerAuditStartFieldwork: "fieldwork", audit.TriggerAuditReschedule: "rescheduled", audit.TriggerAuditCancel: "cancelled"},
			audit.AuditRescheduled: {audit.TriggerAuditAssign: s, audit.TriggerAuditAddAuditor: s, audit.TriggerAuditApproveOverride: s,
				audit.TriggerAuditPrepare: "prepared", audit.TriggerAuditCancel: "cancelled"},
			audit.AuditFieldwork: {audit.TriggerAuditAddAuditor: s, audit.TriggerAuditRecordFinding: s, audit.TriggerAuditAcknowledge: s,
				audit.TriggerAuditEndFieldwork: "reporting"},
			audit.AuditReporting: {audit.TriggerAuditRecordFinding: s, audit.TriggerAuditAcknowledge: s, audit.TriggerAuditReport: "reported"},
			audit.AuditReported:  {audit.TriggerAuditFollowUp: "follow_up", audit.TriggerAuditLinkFinding: s},
			audit.AuditFollowUp:  {audit.TriggerAuditLinkFinding: s, audit.TriggerAuditClose: "closed"},
		}),
		Triggers: audTriggers(),
		Cites:    append([]string{"AUD-01"}, smstest.CitedBy(audit.AuditConformChecks(nil))...), // AuditOverdue, check 13
		Doc:      "doc.go", Golden: "testdata/audit.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*audit.Audit] {
			env := audNewEnv(t)
			return audKit{env.svc, env}
		},
	})
}

// audRequireSegregated requires a refusal of the actor, by segregation,
// citing the requirement.
func audRequireSegregated(t testing.TB, err error, id string) *sms.ForbiddenError {
	t.Helper()
	require.ErrorIs(t, err, sms.ErrForbidden)
	fe := smstest.RequireForbidden(t, err)
	require.Equal(t, id, fe.Requirement.ID, "the refusal cites %s: %v", id, err)
	return fe
}

// audRequireAbsent requires that no audit id was stored.
func audRequireAbsent(t testing.TB, e *audEnv, id string) {
	t.Helper()
	_, err := e.svc.Get(e.ctx, id)
	require.ErrorIs(t, err, sms.ErrNotFound, "nothing stored")
}

func audWith(edit func(*audit.AuditPlanning)) audit.AuditPlanning {
	c := audPlan
	c.ID = "AUD-X"
	c.Auditors = slices.Clone(audPlan.Auditors)
	edit(&c)
	return c
}

// Each guard of plan refuses, citing its requirement, and stores nothing:
// a programme unknown, not approved or not covering the area (AUD-02), no
// title or window (AUD-01), a lead outside the auditors or an override
// without its justification (AUD-04).
func TestAuditPlanRefusals(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	for name, c := range map[string]struct {
		cmd audit.AuditPlanning
		ids []string
	}{
		"an unknown programme":      {audWith(func(c *audit.AuditPlanning) { c.Programme = "AP-9" }), []string{"AUD-02"}},
		"no programme":              {audWith(func(c *audit.AuditPlanning) { c.Programme = "" }), []string{"AUD-02"}},
		"a draft programme":         {audWith(func(c *audit.AuditPlanning) { c.Programme = "AP-D" }), []string{"AUD-02"}},
		"an area not in the cycle":  {audWith(func(c *audit.AuditPlanning) { c.Area = audit.AreaSupplier }), []string{"AUD-02"}},
		"no title":                  {audWith(func(c *audit.AuditPlanning) { c.Title = " " }), []string{"AUD-01"}},
		"no window end":             {audWith(func(c *audit.AuditPlanning) { c.Window.End = time.Time{} }), []string{"AUD-01"}},
		"a lead not among auditors": {audWith(func(c *audit.AuditPlanning) { c.Lead = "dana" }), []string{"AUD-04"}},
		"no lead":                   {audWith(func(c *audit.AuditPlanning) { c.Lead = "" }), []string{"AUD-04"}},
		"an unjustified override of an impartial auditor": {audWith(func(c *audit.AuditPlanning) {
			c.Overrides = []audit.OverrideRequest{{Auditor: "bob", Justification: " "}}
		}), []string{"AUD-04"}},
		"a draft programme and no window": {audWith(func(c *audit.AuditPlanning) { c.Programme = "AP-D"; c.Window = audit.AuditWindow{} }), []string{"AUD-02", "AUD-01"}},
	} {
		_, err := e.svc.Plan(e.ctx, audPat, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		audRequireAbsent(t, e, "AUD-X")
	}
	_, err := e.svc.Plan(e.ctx, audAlice, audWith(func(*audit.AuditPlanning) {}))
	smstest.RequireForbidden(t, err) // an auditor does not plan
	audRequireAbsent(t, e, "AUD-X")

	x, err := e.svc.Plan(e.ctx, audPat, audWith(func(*audit.AuditPlanning) {}))
	require.NoError(t, err)
	assert.Equal(t, audit.AuditPlanned, x.Status)
	assert.Equal(t, "AUD-X", x.ID)
	assert.Equal(t, []string{audit.AreaChange}, x.Areas())
	assert.True(t, x.Parties.Has(sms.PartyRaiser, "pat"))
}

// AUD-04, clarification 7: every path that assigns an auditor (plan,
// assign, add_auditor) refuses, by segregation citing AUD-04, an auditor
// who owns or works in an audited area without a justified override, and
// any auditor under a programme that declares nobody's involvement; a
// refusal changes nothing.
func TestAuditAssignmentImpartiality(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	for name, c := range map[string]audit.AuditPlanning{
		"cody works in change, no override": audWith(func(c *audit.AuditPlanning) { c.Auditors = append(c.Auditors, "cody") }),
		"cody's override unjustified": audWith(func(c *audit.AuditPlanning) {
			c.Auditors = append(c.Auditors, "cody")
			c.Overrides = []audit.OverrideRequest{{Auditor: "cody", Justification: "  "}}
		}),
		"the lead works in change": audWith(func(c *audit.AuditPlanning) { c.Lead, c.Auditors = "cody", []string{"cody", "bob"} }),
		"no involvement declared":  audWith(func(c *audit.AuditPlanning) { c.Programme = "AP-N" }),
	} {
		_, err := e.svc.Plan(e.ctx, audPat, c)
		fe := audRequireSegregated(t, err, "AUD-04")
		assert.NotEmpty(t, fe.Reason, name)
		audRequireAbsent(t, e, "AUD-X")
	}

	x := e.planned(t, audPlan)
	before := smstest.Snap(t, e.svc, x.ID)
	_, err := e.svc.Assign(e.ctx, audPat, x.ID, audit.AuditAssignment{Lead: "alice", Auditors: []string{"alice", "cody"}})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.Assign(e.ctx, audPat, x.ID, audit.AuditAssignment{Lead: "alice", Auditors: []string{"alice", "cody"},
		Overrides: []audit.OverrideRequest{{Auditor: "cody"}}})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.AddAuditor(e.ctx, audPat, x.ID, audit.AuditorAddition{Auditor: "cody"})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	// The declaration withdrawn: nobody is assumed impartial.
	e.involve(nil)
	_, err = e.svc.AddAuditor(e.ctx, audPat, x.ID, audit.AuditorAddition{Auditor: "dana"})
	audRequireSegregated(t, err, "AUD-04")
	_, err = e.svc.Assign(e.ctx, audPat, x.ID, audit.AuditAssignment{Lead: "bob", Auditors: []string{"bob"}})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	e.involve(audInvolvement())

	// Once prepared, an assignment is judged against the scope too: uma
	// works in ops-emea, a unit of the scope, though not in change.
	y := e.planned(t, audPlan)
	y = e.fire(t, y.ID, audit.TriggerAuditPrepare)
	assert.Equal(t, []string{audit.AreaChange, "ops-emea"}, y.Areas())
	before = smstest.Snap(t, e.svc, y.ID)
	_, err = e.svc.Assign(e.ctx, audPat, y.ID, audit.AuditAssignment{Lead: "alice", Auditors: []string{"alice", "uma"}})
	audRequireSegregated(t, err, "AUD-04")
	_, err = e.svc.AddAuditor(e.ctx, audPat, y.ID, audit.AuditorAddition{Auditor: "uma"})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, y.ID, before)
	_, err = e.svc.AddAuditor(e.ctx, audPat, y.ID, audit.AuditorAddition{Auditor: "alice"})
	smstest.RequireRefused(t, err, "AUD-04") // already assigned
	smstest.RequireUnchanged(t, e.svc, y.ID, before)

	// Before the scope, uma is impartial for the change process.
	z := e.planned(t, audit.AuditPlanning{Programme: "AP-1", Area: audit.AreaChange, Title: "t", Window: audPlan.Window, Lead: "alice", Auditors: []string{"alice", "uma"}})
	zb := smstest.Snap(t, e.svc, z.ID)
	_, err = e.svc.Prepare(e.ctx, audAlice, z.ID, audPrep)
	ge := smstest.RequireRefused(t, err, "AUD-04")
	assert.Equal(t, []string{"AUD-04"}, ge.IDs(), "the scope brings uma's unit into the audit")
	smstest.RequireUnchanged(t, e.svc, z.ID, zb)

	// During fieldwork no override can be approved any more: a co-auditor
	// who works in an audited area is refused even with a justification.
	y = e.fire(t, y.ID, audit.TriggerAuditStartFieldwork)
	before = smstest.Snap(t, e.svc, y.ID)
	_, err = e.svc.AddAuditor(e.ctx, audPat, y.ID, audAddCody)
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, y.ID, before)
	y, err = e.svc.AddAuditor(e.ctx, audPat, y.ID, audit.AuditorAddition{Auditor: "dana"})
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "bob", "dana"}, y.Auditors)
}

// A requested override is stored pending and blocks prepare (AUD-04);
// only the programme's owner approves it, and neither for herself as the
// auditor nor for a request she made (identities from the journal's
// actors); the approved override then lets the auditor prepare, start and
// record findings.
func TestAuditOverrideApproval(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	withCody := audit.AuditPlanning{Programme: "AP-1", Area: audit.AreaChange, Title: "t", Window: audPlan.Window, Lead: "alice",
		Auditors: []string{"alice", "cody"}, Overrides: []audit.OverrideRequest{{Auditor: "cody", Justification: "the only auditor trained in the CAB tooling"}}}
	x := e.planned(t, withCody)
	require.Len(t, x.Overrides, 1)
	assert.True(t, x.Overrides[0].Pending())
	assert.Equal(t, "pat", x.Overrides[0].RequestedBy, "the journal's actor of plan")
	before := smstest.Snap(t, e.svc, x.ID)

	_, err := e.svc.Prepare(e.ctx, audAlice, x.ID, audPrep)
	ge := smstest.RequireRefused(t, err, "AUD-04")
	assert.Equal(t, []string{"AUD-04"}, ge.IDs(), "cody's override is pending")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	for name, who := range map[string]sms.Actor{"the requester, not the owner": audPat, "a programme owner who does not own AP-1": audQuinn} {
		_, err = e.svc.ApproveOverride(e.ctx, who, x.ID, audit.OverrideApproval{Auditor: "cody"})
		audRequireSegregated(t, err, "AUD-04")
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
		_ = name
	}
	_, err = e.svc.ApproveOverride(e.ctx, audAlice, x.ID, audit.OverrideApproval{Auditor: "cody"})
	smstest.RequireForbidden(t, err) // no programme owner role
	_, err = e.svc.ApproveOverride(e.ctx, audOlga, x.ID, audit.OverrideApproval{Auditor: "alice"})
	smstest.RequireRefused(t, err, "AUD-04") // no override of alice is pending
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	x, err = e.svc.ApproveOverride(e.ctx, audOlga, x.ID, audit.OverrideApproval{Auditor: "cody"})
	require.NoError(t, err)
	assert.Equal(t, "olga", x.Overrides[0].ApprovedBy)
	assert.Equal(t, audJune(20, 0), x.Overrides[0].ApprovedAt)
	assert.True(t, x.Approved("cody"))
	assert.True(t, x.Parties.Has(sms.PartyApprover, "olga"))
	_, err = e.svc.ApproveOverride(e.ctx, audOlga, x.ID, audit.OverrideApproval{Auditor: "cody"})
	smstest.RequireRefused(t, err, "AUD-04") // approved once
	x = e.do(t, audAlice, x.ID, audPrep)
	x = e.do(t, audCody, x.ID, audit.AuditFieldworkStart{})
	assert.Equal(t, audit.AuditFieldwork, x.Status)
	x = e.do(t, audCody, x.ID, audMinorNC)
	assert.Equal(t, "cody", x.Findings[0].RaisedBy)

	// The owner as the auditor overridden.
	o := e.planned(t, audit.AuditPlanning{Programme: "AP-1", Area: audit.AreaChange, Title: "t", Window: audPlan.Window, Lead: "alice",
		Auditors: []string{"alice", "olga"}, Overrides: []audit.OverrideRequest{{Auditor: "olga", Justification: "no other auditor is free"}}})
	ob := smstest.Snap(t, e.svc, o.ID)
	_, err = e.svc.ApproveOverride(e.ctx, audOlga, o.ID, audit.OverrideApproval{Auditor: "olga"})
	fe := audRequireSegregated(t, err, "AUD-04")
	assert.Contains(t, fe.Reason, "overridden")
	smstest.RequireUnchanged(t, e.svc, o.ID, ob)

	// The owner as the requester: she planned it herself.
	r, err := e.svc.Plan(e.ctx, audOlga, withCody)
	require.NoError(t, err)
	rb := smstest.Snap(t, e.svc, r.ID)
	_, err = e.svc.ApproveOverride(e.ctx, audOlga, r.ID, audit.OverrideApproval{Auditor: "cody"})
	fe = audRequireSegregated(t, err, "AUD-04")
	assert.Contains(t, fe.Reason, "requested")
	smstest.RequireUnchanged(t, e.svc, r.ID, rb)
	// A request renewed by another owner replaces hers, and she may then approve.
	r = e.do(t, audPat, r.ID, audit.AuditAssignment{Lead: "alice", Auditors: []string{"alice", "cody"},
		Overrides: []audit.OverrideRequest{{Auditor: "cody", Justification: "renewed by pat"}}})
	assert.Equal(t, "pat", r.Overrides[0].RequestedBy)
	r = e.do(t, audOlga, r.ID, audit.OverrideApproval{Auditor: "cody"})
	assert.True(t, r.Approved("cody"))

	// Reassigning keeps an approved override of an auditor still assigned
	// and drops those of auditors no longer assigned.
	r = e.do(t, audPat, r.ID, audit.AuditAssignment{Lead: "bob", Auditors: []string{"bob", "cody", "alice"}})
	assert.True(t, r.Approved("cody"), "kept")
	r = e.do(t, audPat, r.ID, audit.AuditAssignment{Lead: "bob", Auditors: []string{"bob", "alice"}})
	assert.Empty(t, r.Overrides, "dropped")
	j, err := e.svc.Journal(e.ctx, r.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "plan", "assign", "approve_override", "assign", "assign")
	lead, _ := sms.Get(j[3].Payload, "lead")
	old, _ := sms.Get(j[3].Payload, "lead.old")
	assert.Equal(t, []string{"bob", "alice"}, []string{lead, old})
}

// At start_fieldwork, record_finding and report the acting auditor is
// compared (AUD-04): one not assigned, or one who owns or works in an
// audited area without an approved override (here once AP-1 declares
// alice in change), is refused by segregation; a report is issued by the
// lead only (AUD-05). Nothing changes.
func TestAuditActingAuditor(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	conflicted := audInvolvement()
	conflicted["alice"] = []string{audit.AreaChange}
	x := e.fire(t, e.planned(t, audPlan).ID, audit.TriggerAuditPrepare)
	before := smstest.Snap(t, e.svc, x.ID)
	_, err := e.svc.StartFieldwork(e.ctx, audZed, x.ID, audit.AuditFieldworkStart{})
	audRequireSegregated(t, err, "AUD-04")
	e.involve(conflicted)
	_, err = e.svc.StartFieldwork(e.ctx, audAlice, x.ID, audit.AuditFieldworkStart{})
	audRequireSegregated(t, err, "AUD-04")
	_, err = e.svc.StartFieldwork(e.ctx, audBob, x.ID, audit.AuditFieldworkStart{})
	ge := smstest.RequireRefused(t, err, "AUD-04") // bob may act, but the team is not impartial
	assert.Equal(t, []string{"AUD-04"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	e.involve(nil)
	_, err = e.svc.StartFieldwork(e.ctx, audBob, x.ID, audit.AuditFieldworkStart{})
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	e.involve(audInvolvement())
	x = e.fire(t, x.ID, audit.TriggerAuditStartFieldwork)

	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.RecordFinding(e.ctx, audZed, x.ID, audMinorNC)
	audRequireSegregated(t, err, "AUD-04")
	e.involve(conflicted)
	_, err = e.svc.RecordFinding(e.ctx, audAlice, x.ID, audMinorNC)
	audRequireSegregated(t, err, "AUD-04")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	x = e.do(t, audBob, x.ID, audMinorNC)
	x = e.do(t, audErin, x.ID, audit.FindingAcknowledgement{Finding: "F-1"})
	x = e.do(t, audBob, x.ID, audit.AuditFieldworkEnd{})

	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Report(e.ctx, audAlice, x.ID, audIssue)
	audRequireSegregated(t, err, "AUD-04")
	_, err = e.svc.Report(e.ctx, audBob, x.ID, audIssue)
	audRequireSegregated(t, err, "AUD-05") // not the lead
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	e.involve(audInvolvement())
	x = e.do(t, audAlice, x.ID, audIssue)
	assert.Equal(t, audit.AuditReported, x.Status)
}

// prepare requires criteria and a scope (AUD-03) and an impartial team
// for the areas the scope adds (AUD-04); refusals change nothing.
func TestAuditPrepareRefusals(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	x := e.planned(t, audPlan)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]struct {
		cmd audit.AuditPreparation
		ids []string
	}{
		"no criteria":         {audit.AuditPreparation{Scope: audPrep.Scope}, []string{"AUD-03"}},
		"a blank criterion":   {audit.AuditPreparation{Criteria: []string{" "}, Scope: audPrep.Scope}, []string{"AUD-03"}},
		"no scope":            {audit.AuditPreparation{Criteria: audPrep.Criteria}, []string{"AUD-03"}},
		"a blank scope":       {audit.AuditPreparation{Criteria: audPrep.Criteria, Scope: audit.AuditScope{Sites: []string{" "}}}, []string{"AUD-03"}},
		"bob's unit scoped":   {audit.AuditPreparation{Criteria: audPrep.Criteria, Scope: audit.AuditScope{Units: []string{"ops-apac"}}}, []string{"AUD-04"}},
		"alice's process":     {audit.AuditPreparation{Criteria: audPrep.Criteria, Scope: audit.AuditScope{Processes: []string{audit.AreaIncident}}}, []string{"AUD-04"}},
		"nothing, and a unit": {audit.AuditPreparation{Scope: audit.AuditScope{Units: []string{"ops-apac"}}}, []string{"AUD-03", "AUD-04"}},
	} {
		_, err := e.svc.Prepare(e.ctx, audAlice, x.ID, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err := e.svc.Prepare(e.ctx, audPat, x.ID, audPrep)
	smstest.RequireForbidden(t, err) // an auditor prepares
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.StartFieldwork(e.ctx, audAlice, x.ID, audit.AuditFieldworkStart{})
	smstest.RequireTransitionRefused(t, err, "start_fieldwork")
	x = e.do(t, audAlice, x.ID, audPrep)
	assert.Equal(t, audPrep.Criteria, x.Criteria)
	assert.Equal(t, audPrep.Scope, x.Scope)
}

// Findings (AUD-07, AUD-08): numbered in order, a nonconformity against
// its criterion, a sample with its query, checks attached as evidence;
// acknowledged by the auditee, not by an auditor; the report needs every
// finding confirmed, both conclusions (AUD-01), its document and a
// manager notified (AUD-05), journaled one "notified" per manager.
func TestAuditFindingsAndReport(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	id := e.at(t, audit.AuditFieldwork, "")
	before := smstest.Snap(t, e.svc, id)
	for name, c := range map[string]struct {
		cmd audit.FindingRecord
		ids []string
	}{
		"a nonconformity without its criterion": {audit.FindingRecord{Type: audit.FindingMajorNC, Statement: "no CAB"}, []string{"AUD-07"}},
		"no statement":                          {audit.FindingRecord{Type: audit.FindingObservation, Statement: " "}, []string{"AUD-07"}},
		"no type":                               {audit.FindingRecord{Statement: "s"}, []string{"AUD-07"}},
		"a sample without its query":            {audit.FindingRecord{Type: audit.FindingOFI, Statement: "s", Sample: []string{"CHG-000123"}}, []string{"AUD-08"}},
		"both":                                  {audit.FindingRecord{Type: audit.FindingMinorNC, Statement: "s", Sample: []string{"CHG-000123"}, Query: " "}, []string{"AUD-07", "AUD-08"}},
	} {
		_, err := e.svc.RecordFinding(e.ctx, audAlice, id, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, id, before)
	}

	check := sms.CheckResult{Check: "change-authorized", Clause: "8.5.1.3", Population: 40, Failures: []sms.Finding{
		{Code: "CHANGE_UNAUTHORIZED", EntityID: "CHG-000123"}, {Code: "CHANGE_NO_PIR", EntityID: "CHG-000140"}, {Code: "CHANGE_NO_PIR", EntityID: "CHG-000123"}}}
	ev := audit.EvidenceOf(check)
	assert.Equal(t, audit.CheckEvidence{Check: "change-authorized", Clause: "8.5.1.3", Population: 40, Failed: 2, FailedIDs: []string{"CHG-000123", "CHG-000140"}}, ev)
	nc := audMinorNC
	nc.Checks = []audit.CheckEvidence{ev}
	x := e.do(t, audAlice, id, nc)
	x = e.do(t, audBob, id, audit.FindingRecord{Type: audit.FindingOFI, Statement: "CAB minutes could link the changes"})
	require.Len(t, x.Findings, 2)
	f := x.Findings[0]
	assert.Equal(t, []string{"F-1", "F-2"}, []string{f.ID, x.Findings[1].ID})
	assert.Equal(t, audit.FindingDraft, f.Status)
	assert.Equal(t, []string{"CHG-000123", "CHG-000140"}, f.Sample)
	assert.Equal(t, audMinorNC.Query, f.Query)
	assert.Equal(t, "7f3a", f.Seed)
	assert.Equal(t, "sha256:ab12", f.PopulationDigest)
	assert.Equal(t, []audit.CheckEvidence{ev}, f.Checks)
	assert.Equal(t, "bob", x.Findings[1].RaisedBy)
	j, err := e.svc.Journal(e.ctx, id)
	require.NoError(t, err)
	q, _ := sms.Get(j[len(j)-2].Payload, "query")
	assert.Equal(t, audMinorNC.Query, q, "the query is journaled (AUD-08)")

	before = smstest.Snap(t, e.svc, id)
	both := sms.Actor{ID: "bob", Roles: []sms.Role{audit.RoleAuditor, audit.RoleAuditee}}
	_, err = e.svc.Acknowledge(e.ctx, both, id, audit.FindingAcknowledgement{Finding: "F-1"})
	audRequireSegregated(t, err, "AUD-04") // an auditor does not acknowledge for the auditee
	_, err = e.svc.Acknowledge(e.ctx, audErin, id, audit.FindingAcknowledgement{Finding: "F-9"})
	smstest.RequireRefused(t, err, "AUD-07")
	_, err = e.svc.Acknowledge(e.ctx, audAlice, id, audit.FindingAcknowledgement{Finding: "F-1"})
	smstest.RequireForbidden(t, err) // no auditee role
	smstest.RequireUnchanged(t, e.svc, id, before)
	x = e.do(t, audErin, id, audit.FindingAcknowledgement{Finding: "F-1"})
	assert.Equal(t, audit.FindingConfirmed, x.Findings[0].Status)
	assert.Equal(t, "erin", x.Findings[0].AcknowledgedBy)
	assert.True(t, x.Parties.Has(sms.PartyAudited, "erin"))
	_, err = e.svc.Acknowledge(e.ctx, audErin, id, audit.FindingAcknowledgement{Finding: "F-1"})
	smstest.RequireRefused(t, err, "AUD-07") // no longer a draft

	x = e.fire(t, id, audit.TriggerAuditEndFieldwork)
	before = smstest.Snap(t, e.svc, id)
	_, err = e.svc.Report(e.ctx, audAlice, id, audIssue)
	ge := smstest.RequireRefused(t, err, "AUD-07")
	assert.Equal(t, []string{"AUD-07"}, ge.IDs(), "F-2 is a draft")
	smstest.RequireUnchanged(t, e.svc, id, before)
	x = e.do(t, audErin, id, audit.FindingAcknowledgement{Finding: "F-2"})
	before = smstest.Snap(t, e.svc, id)
	with := func(edit func(*audit.AuditReportIssue)) audit.AuditReportIssue {
		c := audIssue
		c.Notified = slices.Clone(audIssue.Notified)
		edit(&c)
		return c
	}
	for name, c := range map[string]struct {
		cmd audit.AuditReportIssue
		ids []string
	}{
		"no conclusions":            {with(func(c *audit.AuditReportIssue) { c.Conformity, c.Effectiveness = "", "" }), []string{"AUD-01"}},
		"no effectiveness":          {with(func(c *audit.AuditReportIssue) { c.Effectiveness = " " }), []string{"AUD-01"}},
		"nobody notified":           {with(func(c *audit.AuditReportIssue) { c.Notified = nil }), []string{"AUD-05"}},
		"no document":               {with(func(c *audit.AuditReportIssue) { c.Document = "" }), []string{"AUD-05"}},
		"no conformity, no manager": {with(func(c *audit.AuditReportIssue) { c.Conformity, c.Notified = "", nil }), []string{"AUD-01", "AUD-05"}},
	} {
		_, err := e.svc.Report(e.ctx, audAlice, id, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	x = e.do(t, audAlice, id, audIssue)
	require.NotNil(t, x.Report)
	assert.Equal(t, audit.AuditReport{Conformity: audIssue.Conformity, Effectiveness: audIssue.Effectiveness, Summary: audIssue.Summary,
		Document: "DOC-AR-7", IssuedAt: audJune(20, 0)}, *x.Report)
	assert.Equal(t, []string{"mia", "max"}, x.Notified)
	j, err = e.svc.Journal(e.ctx, id)
	require.NoError(t, err)
	var notified []string
	for _, f := range j[len(j)-1].Payload {
		if f.Key == "notified" {
			notified = append(notified, f.Value)
		}
	}
	assert.Equal(t, []string{"mia", "max"}, notified, "one notified attribute per manager (AUD-05)")
}

// Links (AUD-07): a nonconformity finding links a nonconformity that
// exists, an opportunity for improvement an opportunity; an observation
// links nothing; close waits for every nonconformity finding linked (the
// nonconformity may still be open), and a closed audit is frozen (AUD-06).
func TestAuditLinkAndClose(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	id := e.at(t, audit.AuditFieldwork, "")
	e.do(t, audAlice, id, audMinorNC)
	e.do(t, audAlice, id, audit.FindingRecord{Type: audit.FindingOFI, Statement: "link CAB minutes"})
	e.do(t, audAlice, id, audit.FindingRecord{Type: audit.FindingObservation, Statement: "the CAB met every week"})
	for _, f := range []string{"F-1", "F-2", "F-3"} {
		e.do(t, audErin, id, audit.FindingAcknowledgement{Finding: f})
	}
	e.fire(t, id, audit.TriggerAuditEndFieldwork)
	e.fire(t, id, audit.TriggerAuditReport)
	before := smstest.Snap(t, e.svc, id)
	for name, c := range map[string]audit.FindingLink{
		"an unknown nonconformity":          {Finding: "F-1", Link: "NC-9"},
		"a nonconformity to an opportunity": {Finding: "F-1", Link: "OP-1"},
		"an opportunity to a nonconformity": {Finding: "F-2", Link: "NC-1"},
		"an observation":                    {Finding: "F-3", Link: "NC-1"},
		"an unknown finding":                {Finding: "F-9", Link: "NC-1"},
		"an opportunity to an unknown one":  {Finding: "F-2", Link: "OP-9"},
	} {
		_, err := e.svc.LinkFinding(e.ctx, audAlice, id, c)
		ge := smstest.RequireRefused(t, err, "AUD-07")
		assert.Equal(t, []string{"AUD-07"}, slices.Compact(ge.IDs()), name)
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	x := e.do(t, audAlice, id, audit.FindingLink{Finding: "F-2", Link: "OP-1"})
	assert.Equal(t, audit.FindingLinked, x.Findings[1].Status)
	x = e.fire(t, id, audit.TriggerAuditFollowUp)
	before = smstest.Snap(t, e.svc, id)
	_, err := e.svc.Close(e.ctx, audAlice, id, audit.AuditClosure{})
	ge := smstest.RequireRefused(t, err, "AUD-07")
	assert.Equal(t, []string{"AUD-07"}, ge.IDs(), "F-1 links no nonconformity")
	smstest.RequireUnchanged(t, e.svc, id, before)
	x = e.do(t, audAlice, id, audit.FindingLink{Finding: "F-1", Link: "NC-1"})
	assert.Equal(t, "NC-1", x.Findings[0].Link)
	_, err = e.svc.LinkFinding(e.ctx, audAlice, id, audit.FindingLink{Finding: "F-1", Link: "NC-1"})
	smstest.RequireRefused(t, err, "AUD-07") // linked once
	x = e.do(t, audAlice, id, audit.AuditClosure{})
	assert.Equal(t, audit.AuditClosed, x.Status)

	// Frozen: no trigger fires on a closed audit, and nothing changes.
	before = smstest.Snap(t, e.svc, id)
	for _, tr := range audit.AuditTriggers()[1:] {
		v := audValid[tr]
		_, err := e.svc.Do(e.ctx, v.who, id, v.cmd)
		te := smstest.RequireTransitionRefused(t, err, string(tr))
		assert.Empty(t, te.Permitted, "AUD-06: %s", tr)
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	j, err := e.svc.Journal(e.ctx, id)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "plan", "prepare", "start_fieldwork", "record_finding", "record_finding", "record_finding",
		"acknowledge", "acknowledge", "acknowledge", "end_fieldwork", "report", "link_finding", "follow_up", "link_finding", "close")
	require.NoError(t, e.svc.Verify(e.ctx, id))
}

// Reschedule gives a new window and the reason, cancel the reason
// (AUD-01); a cancelled audit is frozen; neither once fieldwork started.
func TestAuditRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	x := e.planned(t, audPlan)
	before := smstest.Snap(t, e.svc, x.ID)
	move := audValid[audit.TriggerAuditReschedule].cmd.(audit.AuditRescheduling)
	for name, c := range map[string]audit.AuditRescheduling{
		"no reason": {Window: move.Window, Reason: " "},
		"no window": {Reason: move.Reason},
		"no end":    {Window: audit.AuditWindow{Start: move.Window.Start}, Reason: move.Reason},
	} {
		_, err := e.svc.Reschedule(e.ctx, audPat, x.ID, c)
		ge := smstest.RequireRefused(t, err, "AUD-01")
		assert.Equal(t, []string{"AUD-01"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	x = e.do(t, audPat, x.ID, move)
	assert.Equal(t, audit.AuditRescheduled, x.Status)
	assert.Equal(t, move.Window, x.Window)
	assert.Equal(t, move.Reason, x.Reason)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, move.Reason, j[1].Reason)
	old, _ := sms.Get(j[1].Payload, "end.old")
	assert.Equal(t, "2026-06-30T17:00:00Z", old)
	x = e.fire(t, x.ID, audit.TriggerAuditPrepare)
	x = e.fire(t, x.ID, audit.TriggerAuditReschedule)
	assert.Equal(t, audit.AuditRescheduled, x.Status, "a prepared audit is rescheduled too")

	before = smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Cancel(e.ctx, audPat, x.ID, audit.AuditCancellation{Reason: "  "})
	smstest.RequireRefused(t, err, "AUD-01")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	x = e.fire(t, x.ID, audit.TriggerAuditCancel)
	assert.Equal(t, audit.AuditCancelled, x.Status)
	before = smstest.Snap(t, e.svc, x.ID)
	for _, tr := range audit.AuditTriggers()[1:] {
		v := audValid[tr]
		_, err := e.svc.Do(e.ctx, v.who, x.ID, v.cmd)
		smstest.RequireTransitionRefused(t, err, string(tr))
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}

	y := e.at(t, audit.AuditFieldwork, "")
	_, err = e.svc.Reschedule(e.ctx, audPat, y, move)
	smstest.RequireTransitionRefused(t, err, "reschedule")
	_, err = e.svc.Cancel(e.ctx, audPat, y, audit.AuditCancellation{Reason: "r"})
	smstest.RequireTransitionRefused(t, err, "cancel")
}

// Malformed input is a *sms.ValidationError and stores nothing.
func TestAuditBadInput(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	for name, c := range map[string]audit.AuditPlanning{
		"a window ending before it starts": audWith(func(c *audit.AuditPlanning) { c.Window.End = c.Window.Start.Add(-time.Hour) }),
		"an auditor twice":                 audWith(func(c *audit.AuditPlanning) { c.Auditors = []string{"alice", "alice"} }),
		"an empty auditor":                 audWith(func(c *audit.AuditPlanning) { c.Auditors = []string{"alice", ""} }),
		"an override of a non-auditor": audWith(func(c *audit.AuditPlanning) {
			c.Overrides = []audit.OverrideRequest{{Auditor: "cody", Justification: "j"}}
		}),
		"an override requested twice": audWith(func(c *audit.AuditPlanning) {
			c.Overrides = []audit.OverrideRequest{{Auditor: "bob", Justification: "j"}, {Auditor: "bob", Justification: "k"}}
		}),
		"the year 1066": audWith(func(c *audit.AuditPlanning) { c.Window.Start = time.Date(1066, 10, 14, 9, 0, 0, 0, time.UTC) }),
	} {
		_, err := e.svc.Plan(e.ctx, audPat, c)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		audRequireAbsent(t, e, "AUD-X")
	}
	id := e.at(t, audit.AuditFieldwork, "")
	before := smstest.Snap(t, e.svc, id)
	for name, c := range map[string]audit.AuditCommand{
		"an unknown finding type":  audit.FindingRecord{Type: "critical", Statement: "s"},
		"a blank sampled ID":       audit.FindingRecord{Type: audit.FindingOFI, Statement: "s", Sample: []string{""}, Query: "q"},
		"more failed than checked": audit.FindingRecord{Type: audit.FindingOFI, Statement: "s", Checks: []audit.CheckEvidence{{Check: "c", Population: 1, Failed: 2}}},
		"a check without its name": audit.FindingRecord{Type: audit.FindingOFI, Statement: "s", Checks: []audit.CheckEvidence{{Population: 1}}},
		"a padded finding ID":      audit.FindingAcknowledgement{Finding: " F-1"},
	} {
		who := audAlice
		if c.Trigger() == audit.TriggerAuditAcknowledge {
			who = audErin
		}
		_, err := e.svc.Do(e.ctx, who, id, c)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.True(t, errors.Is(err, sms.ErrInvalid))
		smstest.RequireUnchanged(t, e.svc, id, before)
	}
	e.fire(t, id, audit.TriggerAuditEndFieldwork)
	before = smstest.Snap(t, e.svc, id)
	twice := audIssue
	twice.Notified = []string{"mia", "mia"}
	_, err := e.svc.Report(e.ctx, audAlice, id, twice)
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	smstest.RequireUnchanged(t, e.svc, id, before)
}

// AUDIT_OVERDUE (AUD-01): an audit not held by its window's end, or not
// reported more than 30 days after it; at the instant itself, not yet.
func TestAuditOverdue(t *testing.T) {
	t.Parallel()
	end := audJune(30, 17)
	mk := func(s audit.AuditStatus) *audit.Audit {
		x := &audit.Audit{Status: s, Title: "Change", Window: audit.AuditWindow{Start: audJune(1, 9), End: end}}
		x.ID = "AUD-1"
		return x
	}
	day := 24 * time.Hour
	for _, c := range []struct {
		status audit.AuditStatus
		asOf   time.Time
		want   bool
	}{
		{audit.AuditPlanned, end, false},
		{audit.AuditPlanned, end.Add(time.Second), true},
		{audit.AuditPrepared, end.Add(day), true},
		{audit.AuditRescheduled, end.Add(day), true},
		{audit.AuditPrepared, end.Add(-day), false},
		{audit.AuditFieldwork, end.Add(day), false},
		{audit.AuditFieldwork, end.Add(30 * day), false},
		{audit.AuditFieldwork, end.Add(30*day + time.Second), true},
		{audit.AuditReporting, end.Add(31 * day), true},
		{audit.AuditReported, end.Add(400 * day), false},
		{audit.AuditFollowUp, end.Add(400 * day), false},
		{audit.AuditClosed, end.Add(400 * day), false},
		{audit.AuditCancelled, end.Add(400 * day), false},
	} {
		f, got := audit.AuditOverdue(mk(c.status), c.asOf)
		require.Equal(t, c.want, got, "%s as of %s", c.status, c.asOf)
		if got {
			assert.Equal(t, audit.CodeAuditOverdue, f.Code)
			assert.Equal(t, "AUD-01", f.Requirement.ID)
			assert.Equal(t, "9.2.1", f.Requirement.Clause)
			assert.Equal(t, audit.AuditKind, f.Kind)
			assert.Equal(t, "AUD-1", f.EntityID)
			assert.Equal(t, c.asOf, f.At)
		}
	}
	_, got := audit.AuditOverdue(nil, end.Add(400*day))
	assert.False(t, got)
	_, got = audit.AuditOverdue(&audit.Audit{Status: audit.AuditPlanned}, end)
	assert.False(t, got, "no window")
}

// audClosedWithOverride runs a whole audit with cody under an override
// approved by olga, a minor nonconformity linked, to closed.
func (e *audEnv) audClosedWithOverride(t testing.TB) *audit.Audit {
	t.Helper()
	id := e.planned(t, audPlan).ID
	e.do(t, audPat, id, audAddCody)
	e.fire(t, id, audit.TriggerAuditApproveOverride)
	e.fire(t, id, audit.TriggerAuditPrepare)
	e.fire(t, id, audit.TriggerAuditStartFieldwork)
	e.do(t, audCody, id, audMinorNC)
	e.fire(t, id, audit.TriggerAuditAcknowledge)
	e.fire(t, id, audit.TriggerAuditEndFieldwork)
	e.fire(t, id, audit.TriggerAuditReport)
	e.fire(t, id, audit.TriggerAuditFollowUp)
	e.fire(t, id, audit.TriggerAuditLinkFinding)
	return e.fire(t, id, audit.TriggerAuditClose)
}

// The per-audit part of check 13: a correct audit passes, from the store
// and on its own; each failure is found on a record or journal forged
// from a correct one (the check does not trust the status), a record
// edited in the store is not examined but unverified, and an auditor the
// programme later declares involved fails a verified record.
func TestAuditConformChecks(t *testing.T) {
	t.Parallel()
	e := audNewEnv(t)
	good := e.audClosedWithOverride(t)
	journal, err := e.svc.Journal(e.ctx, good.ID)
	require.NoError(t, err)
	declared := func(string) audit.Involvement { return audInvolvement() }
	judge := func(x *audit.Audit, j []sms.Entry, inv func(string) audit.Involvement) []string {
		au := sms.NewAudit(audJune(20, 0), audit.AuditRequirements())
		sms.Examine(au, audit.AuditConformChecks(inv), x, j)
		out := []string{}
		for _, f := range au.Report().Findings() {
			out = append(out, f.Code+" "+f.Requirement.ID)
			assert.Equal(t, good.ID, f.EntityID)
			assert.NotEmpty(t, f.Requirement.Clause, "cited from the catalogue")
		}
		return out
	}
	assert.Empty(t, judge(good, journal, declared))
	assert.Empty(t, judge(good, nil, declared), "on its own, without a journal")

	forge := func(edit func(*audit.Audit)) *audit.Audit {
		x := good.Clone()
		edit(x)
		return x
	}
	forgeJournal := func(edit func(j []sms.Entry) []sms.Entry) []sms.Entry {
		j := make([]sms.Entry, len(journal))
		for i, en := range journal {
			j[i] = en.Clone()
		}
		return edit(j)
	}
	entry := func(j []sms.Entry, tr audit.AuditTrigger) *sms.Entry {
		for i := range j {
			if j[i].Trigger == string(tr) {
				return &j[i]
			}
		}
		t.Fatalf("no %s in the journal", tr)
		return nil
	}
	for name, c := range map[string]struct {
		x    *audit.Audit
		j    []sms.Entry
		inv  func(string) audit.Involvement
		want []string
	}{
		"no criteria":        {forge(func(x *audit.Audit) { x.Criteria = nil }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-03"}},
		"no scope":           {forge(func(x *audit.Audit) { x.Scope = audit.AuditScope{Processes: []string{" "}} }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-03"}},
		"no report":          {forge(func(x *audit.Audit) { x.Report = nil }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-01"}},
		"no effectiveness":   {forge(func(x *audit.Audit) { x.Report.Effectiveness = "" }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-01"}},
		"no report document": {forge(func(x *audit.Audit) { x.Report.Document = "" }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-05"}},
		"nobody notified":    {forge(func(x *audit.Audit) { x.Notified = nil }), journal, declared, []string{"AUDIT_INCOMPLETE AUD-05"}},
		"no notification journaled": {good, forgeJournal(func(j []sms.Entry) []sms.Entry {
			r := entry(j, audit.TriggerAuditReport)
			r.Payload = slices.DeleteFunc(r.Payload, func(f sms.Field) bool { return f.Key == "notified" })
			return j
		}), declared, []string{"AUDIT_INCOMPLETE AUD-05"}},
		"no involvement declared": {good, journal, func(string) audit.Involvement { return nil }, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"no involvement function": {good, journal, nil, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"cody's override approved by cody, on the record": {forge(func(x *audit.Audit) { x.Overrides[0].ApprovedBy = "cody" }), journal, declared,
			[]string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"cody's override pending": {forge(func(x *audit.Audit) { x.Overrides[0].ApprovedBy = "" }), journal, declared, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"cody's override approved by cody, in the journal": {good, forgeJournal(func(j []sms.Entry) []sms.Entry {
			entry(j, audit.TriggerAuditApproveOverride).Actor.ID = "cody"
			return j
		}), declared, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"cody's override never approved in the journal": {good, forgeJournal(func(j []sms.Entry) []sms.Entry {
			return slices.DeleteFunc(j, func(en sms.Entry) bool { return en.Trigger == string(audit.TriggerAuditApproveOverride) })
		}), declared, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"a finding recorded by someone not assigned": {good, forgeJournal(func(j []sms.Entry) []sms.Entry {
			entry(j, audit.TriggerAuditRecordFinding).Actor.ID = "uma"
			return j
		}), declared, []string{"AUDIT_NOT_IMPARTIAL AUD-04", "AUDIT_NOT_IMPARTIAL AUD-04"}}, // not assigned, and works in ops-emea
		"the lead declared in change": {good, journal, func(string) audit.Involvement {
			inv := audInvolvement()
			inv["alice"] = []string{audit.AreaChange}
			return inv
		}, []string{"AUDIT_NOT_IMPARTIAL AUD-04"}},
		"a nonconformity unlinked": {forge(func(x *audit.Audit) { x.Findings[0].Link, x.Findings[0].Status = "", audit.FindingConfirmed }), journal, declared,
			[]string{"AUDIT_FINDING_UNLINKED AUD-07"}},
	} {
		assert.Equal(t, c.want, judge(c.x, c.j, c.inv), name)
	}
	// An unlinked nonconformity of an audit not closed is not check 13's.
	assert.Empty(t, judge(forge(func(x *audit.Audit) { x.Status = audit.AuditFollowUp; x.Findings[0].Link = "" }), journal, declared))
	// Nor is an audit before its report.
	assert.Empty(t, judge(forge(func(x *audit.Audit) { x.Status = audit.AuditReporting; x.Report = nil; x.Criteria = nil }), journal, declared))

	// From the store: a second audit still in fieldwork is not examined,
	// the closed one passes; a record edited in the store is unverified.
	e.at(t, audit.AuditFieldwork, "")
	m, err := sms.NewMachine(audit.AuditWorkflow(), e.store, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	au := sms.NewAudit(audJune(20, 0), audit.AuditRequirements())
	require.NoError(t, sms.ConformStore(e.ctx, au, m, sms.Query{}, audit.AuditConformChecks(declared)))
	rep := au.Report()
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	require.Len(t, rep.Results, 3)
	assert.Equal(t, []int{2, 1, 1}, []int{rep.Results[0].Population, rep.Results[1].Population, rep.Results[2].Population})

	au = sms.NewAudit(audJune(20, 0), audit.AuditRequirements())
	require.NoError(t, sms.ConformStore(e.ctx, au, m, sms.Query{}, audit.AuditConformChecks(func(string) audit.Involvement {
		inv := audInvolvement()
		inv["bob"] = []string{"ops-emea"} // declared after the audit
		return inv
	})))
	fs := au.Report().Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, audit.CodeAuditPartial, fs[0].Code)
	assert.Contains(t, fs[0].Detail, `"bob"`)

	tm, err := sms.NewMachine(audit.AuditWorkflow(), smstest.Tampered[*audit.Audit](e.store, good.ID, func(x *audit.Audit) { x.Criteria = nil }), sms.Options{})
	require.NoError(t, err)
	au = sms.NewAudit(audJune(20, 0), audit.AuditRequirements())
	require.NoError(t, sms.ConformStore(e.ctx, au, tm, sms.Query{}, audit.AuditConformChecks(declared)))
	fs = au.Report().Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, sms.CodeRecordUnverified, fs[0].Code, "edited outside the pipeline: unverified, not examined")
}

// audFuzz is what the fuzz driver needs.
type audFuzz struct{ audKit }

func (f audFuzz) Start(t testing.TB) string { return f.env.planned(t, audPlan).ID }

var audOdd = map[audit.AuditTrigger]audit.AuditCommand{
	audit.TriggerAuditAssign:          audit.AuditAssignment{Lead: "cody", Auditors: []string{"cody"}},
	audit.TriggerAuditAddAuditor:      audit.AuditorAddition{Auditor: "cody"},
	audit.TriggerAuditApproveOverride: audit.OverrideApproval{Auditor: "alice"},
	audit.TriggerAuditPrepare:         audit.AuditPreparation{Criteria: []string{" "}, Scope: audit.AuditScope{Units: []string{"ops-apac"}}},
	audit.TriggerAuditRecordFinding:   audit.FindingRecord{Type: audit.FindingMajorNC, Statement: "x", Sample: []string{"CHG-1"}},
	audit.TriggerAuditAcknowledge:     audit.FindingAcknowledgement{Finding: "F-9"},
	audit.TriggerAuditReport:          audit.AuditReportIssue{Conformity: "c", Notified: []string{"mia", "mia"}},
	audit.TriggerAuditLinkFinding:     audit.FindingLink{Finding: "F-1", Link: "NC-9"},
	audit.TriggerAuditReschedule:      audit.AuditRescheduling{Window: audit.AuditWindow{Start: audJune(2, 0), End: audJune(1, 0)}},
	audit.TriggerAuditCancel:          audit.AuditCancellation{Reason: " "},
}

func (f audFuzz) Do(ctx context.Context, id string, s smstest.Step) (*audit.Audit, error) {
	who := []sms.Actor{audPat, audOlga, audAlice, audErin, audCody, {ID: "nobody"}}[s.Actor%6]
	tr := audit.AuditTrigger(s.Trigger)
	c := audValid[tr].cmd
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(audit.AuditWorkflow(), s.Trigger).(audit.AuditCommand)
	case 2:
		if o, ok := audOdd[tr]; ok {
			c = o
		}
	}
	return f.Audits.Do(ctx, who, id, c)
}

func FuzzAudits(f *testing.F) {
	// assign 0, add_auditor 1, approve_override 2, prepare 3, start 4,
	// record 5, acknowledge 6, end 7, report 8, follow_up 9, link 10,
	// close 11, reschedule 12, cancel 13; actors pat 0, olga 1, alice 2,
	// erin 3, cody 4, nobody 5.
	f.Add([]byte{3, 2, 0, 4, 2, 0, 5, 2, 0, 6, 3, 0, 7, 2, 0, 8, 2, 0, 9, 2, 0, 10, 2, 0, 11, 2, 0})
	f.Add([]byte{1, 0, 0, 1, 0, 2, 2, 1, 0, 2, 0, 0, 3, 2, 0, 12, 0, 0, 0, 0, 0, 3, 2, 1, 13, 0, 0})
	f.Add([]byte{0, 0, 2, 3, 4, 0, 4, 4, 0, 5, 4, 2, 5, 2, 1, 6, 2, 0, 8, 2, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := audNewEnv(t)
		smstest.FuzzProcess(t, steps, audTriggers(), audFuzz{audKit{env.svc, env}})
	})
}
