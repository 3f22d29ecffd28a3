package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

var (
	prgOwner  = sms.Actor{ID: "olga", Roles: []sms.Role{audit.RoleProgrammeOwner}}
	prgDeputy = sms.Actor{ID: "pavel", Roles: []sms.Role{audit.RoleProgrammeOwner}}
	prgT0     = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
)

func prgContents() audit.ProgrammeContents {
	return audit.ProgrammeContents{
		Title: "SMS internal audit programme 2026", Cycle: sms.Yearly("Europe/Berlin"),
		Areas: []audit.AreaPlan{
			{Area: audit.AreaChange, Weight: 5, Audits: 2, LastResult: "1 minor nonconformity (2025)"},
			{Area: audit.AreaIncident, Weight: 4, Audits: 1},
		},
		Methods:          []string{"document review", "interviews", "record sampling"},
		Responsibilities: []string{"olga plans and assigns", "the lead auditor reports to the SMS owner"},
		Reporting:        "report to the SMS owner and the area's manager within 10 working days",
		Retention:        6 * 365 * 24 * time.Hour,
	}
}

var prgInvolved = audit.Involvement{"alice": {audit.AreaChange, "ops-berlin"}, "bruno": {audit.AreaIncident}}

type prgEnv struct {
	svc *audit.Programmes
	clk *smstest.Clock
	ctx context.Context
}

func newPrgEnv(t testing.TB) *prgEnv {
	clk := smstest.NewClock(prgT0)
	svc, err := audit.NewProgrammes(memstore.New[*audit.Programme](), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &prgEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *prgEnv) draft(t testing.TB) *audit.Programme {
	t.Helper()
	p, err := e.svc.Draft(e.ctx, prgOwner, audit.ProgrammeDraft{ProgrammeContents: prgContents(), Involvement: prgInvolved})
	require.NoError(t, err)
	return p
}

func (e *prgEnv) approved(t testing.TB) *audit.Programme {
	t.Helper()
	p, err := e.svc.Approve(e.ctx, prgOwner, e.draft(t).ID, audit.ProgrammeApproval{})
	require.NoError(t, err)
	return p
}

type prgKit struct {
	*audit.Programmes
	env *prgEnv
}

func (k prgKit) At(t testing.TB, status, _ string) string {
	switch audit.ProgrammeStatus(status) {
	case audit.ProgrammeDrafted:
		return k.env.draft(t).ID
	case audit.ProgrammeApproved:
		return k.env.approved(t).ID
	}
	p := k.env.approved(t)
	_, err := k.Retire(k.env.ctx, prgOwner, p.ID, audit.ProgrammeRetirement{Reason: "replaced by the 2027 programme"})
	require.NoError(t, err)
	return p.ID
}

var prgValid = map[audit.ProgrammeTrigger]audit.ProgrammeCommand{
	audit.TriggerProgrammeRevise:  audit.ProgrammeRevision{ProgrammeContents: prgContents(), Reason: "release management added"},
	audit.TriggerProgrammeApprove: audit.ProgrammeApproval{},
	audit.TriggerDeclareInvolved:  audit.InvolvementDeclaration{Involvement: audit.Involvement{"alice": {audit.AreaChange}}},
	audit.TriggerRecordResult:     audit.ResultRecord{Area: audit.AreaChange, Audit: "AUD-1", Result: "conforming"},
	audit.TriggerProgrammeRetire:  audit.ProgrammeRetirement{Reason: "replaced"},
	audit.TriggerProgrammeNote:    audit.ProgrammeNote{Text: "calendar shared with the auditees"},
}

func (k prgKit) Fire(ctx context.Context, id, trigger string) (*audit.Programme, error) {
	return k.Do(ctx, prgOwner, id, prgValid[audit.ProgrammeTrigger(trigger)])
}

func (k prgKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Programmes.DryRun(ctx, prgOwner, id, prgValid[audit.ProgrammeTrigger(trigger)])
}

func TestProgrammeKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*audit.Programme]{
		Workflow: audit.ProgrammeWorkflow(),
		Oracle: map[string]map[string]string{ // from AUD-01, AUD-02, AUD-04 and AUD-06
			"draft":    {"revise": "draft", "approve": "approved", "declare_involvement": "draft", "retire": "retired", "note": "draft"},
			"approved": {"revise": "draft", "declare_involvement": "approved", "record_result": "approved", "retire": "retired", "note": "approved"},
			"retired":  {"note": "retired"},
		},
		Triggers: smstest.Names(audit.ProgrammeTriggers()[1:]),
		Doc:      "doc.go",
		Golden:   "testdata/programme.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*audit.Programme] {
			env := newPrgEnv(t)
			return prgKit{env.svc, env}
		},
	})
}

// Approval needs everything AUD-01, AUD-02 and AUD-06 name; each gap is
// refused citing its requirement and leaves the draft as it was.
func TestProgrammeApprovalRefusals(t *testing.T) {
	t.Parallel()
	e := newPrgEnv(t)
	for _, c := range []struct {
		want string
		edit func(*audit.ProgrammeContents)
	}{
		{"AUD-01", func(c *audit.ProgrammeContents) { c.Cycle = sms.Cadence{} }},
		{"AUD-02", func(c *audit.ProgrammeContents) { c.Areas = nil }},
		{"AUD-02", func(c *audit.ProgrammeContents) { c.Methods = nil }},
		{"AUD-02", func(c *audit.ProgrammeContents) { c.Responsibilities = []string{" "} }},
		{"AUD-02", func(c *audit.ProgrammeContents) { c.Reporting = "" }},
		{"AUD-06", func(c *audit.ProgrammeContents) { c.Retention = 0 }},
	} {
		pc := prgContents()
		c.edit(&pc)
		p, err := e.svc.Draft(e.ctx, prgOwner, audit.ProgrammeDraft{ProgrammeContents: pc})
		require.NoError(t, err)
		before := smstest.Snap(t, e.svc, p.ID)
		_, err = e.svc.Approve(e.ctx, prgOwner, p.ID, audit.ProgrammeApproval{})
		smstest.RequireRefused(t, err, c.want)
		smstest.RequireUnchanged(t, e.svc, p.ID, before)
	}

	p := e.approved(t)
	before := smstest.Snap(t, e.svc, p.ID)
	for _, c := range []struct {
		want string
		cmd  audit.ProgrammeCommand
	}{
		{"AUD-02", audit.ResultRecord{Area: audit.AreaRelease, Audit: "AUD-9", Result: "conforming"}}, // not an area of it
		{"AUD-02", audit.ResultRecord{Area: audit.AreaChange, Audit: "AUD-9"}},
		{"AUD-02", audit.ProgrammeRevision{ProgrammeContents: prgContents()}},
		{"AUD-04", audit.InvolvementDeclaration{}},
		{"AUD-06", audit.ProgrammeRetirement{Reason: " "}},
	} {
		_, err := e.svc.Do(e.ctx, prgOwner, p.ID, c.cmd)
		smstest.RequireRefused(t, err, c.want)
		smstest.RequireUnchanged(t, e.svc, p.ID, before)
	}
	_, err := e.svc.Do(e.ctx, sms.Actor{ID: "alice", Roles: []sms.Role{audit.RoleAuditor}}, p.ID, audit.ProgrammeNote{Text: "x"})
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, p.ID, before)
}

// Malformed contents are a validation error before anything is stored.
func TestProgrammeValidation(t *testing.T) {
	t.Parallel()
	e := newPrgEnv(t)
	for name, edit := range map[string]func(*audit.ProgrammeDraft){
		"area twice":     func(d *audit.ProgrammeDraft) { d.Areas = append(d.Areas, d.Areas[0]) },
		"weight 0":       func(d *audit.ProgrammeDraft) { d.Areas[0].Weight = 0 },
		"weight 6":       func(d *audit.ProgrammeDraft) { d.Areas[0].Weight = 6 },
		"no audits":      func(d *audit.ProgrammeDraft) { d.Areas[1].Audits = 0 },
		"blank area":     func(d *audit.ProgrammeDraft) { d.Areas[1].Area = " " },
		"bad cycle":      func(d *audit.ProgrammeDraft) { d.Cycle = sms.Cadence{Unit: sms.UnitMonth, Zone: "Mars/Olympus"} },
		"negative keep":  func(d *audit.ProgrammeDraft) { d.Retention = -time.Hour },
		"involved twice": func(d *audit.ProgrammeDraft) { d.Involvement = audit.Involvement{"alice": {"change", "change"}} },
		"nobody":         func(d *audit.ProgrammeDraft) { d.Involvement = audit.Involvement{"": {"change"}} },
	} {
		d := audit.ProgrammeDraft{ID: "AP-invalid", ProgrammeContents: prgContents()}
		d.Areas = append([]audit.AreaPlan(nil), d.Areas...)
		edit(&d)
		_, err := e.svc.Draft(e.ctx, prgOwner, d)
		require.ErrorIs(t, err, sms.ErrInvalid, name)
		_, err = e.svc.Get(e.ctx, d.ID)
		require.ErrorIs(t, err, sms.ErrNotFound, name)
	}
}

// The owner is the journal's actor of the approval, and a revision
// withdraws it until the next edition is approved; the facts audits read
// are the verified record's.
func TestProgrammeOwnerAndFacts(t *testing.T) {
	t.Parallel()
	e := newPrgEnv(t)
	p := e.approved(t)
	assert.Equal(t, "olga", p.Owner)
	assert.Equal(t, prgT0, p.ApprovedAt)
	f, err := e.svc.ProgrammeFacts(e.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, audit.ProgrammeFacts{Status: "approved", Owner: "olga", Areas: []string{"change", "incident"}, Cycle: sms.Yearly("Europe/Berlin"), Involvement: prgInvolved}, f)
	var _ audit.ProgrammeFinder = e.svc

	p, err = e.svc.Revise(e.ctx, prgDeputy, p.ID, prgValid[audit.TriggerProgrammeRevise].(audit.ProgrammeRevision))
	require.NoError(t, err)
	assert.Equal(t, 2, p.Edition)
	assert.Empty(t, p.Owner)
	p, err = e.svc.Approve(e.ctx, prgDeputy, p.ID, audit.ProgrammeApproval{})
	require.NoError(t, err)
	assert.Equal(t, "pavel", p.Owner)
	j, err := e.svc.Journal(e.ctx, p.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "draft", "approve", "revise", "approve")
	assert.Equal(t, []string{"pavel"}, sms.ActorsOf(j[2:], "approve"))

	p, err = e.svc.RecordResult(e.ctx, prgOwner, p.ID, audit.ResultRecord{Area: audit.AreaIncident, Audit: "AUD-4", Result: "2 minor nonconformities", Weight: 5})
	require.NoError(t, err)
	got, _ := p.Area(audit.AreaIncident)
	assert.Equal(t, audit.AreaPlan{Area: "incident", Weight: 5, Audits: 1, LastResult: "2 minor nonconformities", LastAudit: "AUD-4"}, got)
	_, err = e.svc.ProgrammeFacts(e.ctx, "AP-none")
	require.ErrorIs(t, err, sms.ErrNotFound)
}

// Involvement.Conflicts names the areas a person owns or works in among
// those audited, and nothing for the impartial.
func TestInvolvementConflicts(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"change", "ops-berlin"}, prgInvolved.Conflicts("alice", []string{"ops-berlin", "change", "incident"}))
	assert.Empty(t, prgInvolved.Conflicts("alice", []string{"incident"}))
	assert.Empty(t, prgInvolved.Conflicts("carla", []string{"change"}))
	assert.True(t, audit.Involvement{}.Declared())
	assert.False(t, audit.Involvement(nil).Declared())
	assert.Len(t, audit.SMSAreas(), 14)
}

type prgFuzz struct{ prgKit }

func (f prgFuzz) Start(t testing.TB) string { return f.env.draft(t).ID }

func (f prgFuzz) Do(ctx context.Context, id string, s smstest.Step) (*audit.Programme, error) {
	who := []sms.Actor{prgOwner, prgDeputy, {ID: "nobody"}}[s.Actor%3]
	c := prgValid[audit.ProgrammeTrigger(s.Trigger)]
	if s.Variant%2 == 1 {
		c = smstest.ZeroCommand(audit.ProgrammeWorkflow(), s.Trigger).(audit.ProgrammeCommand)
	}
	return f.Programmes.Do(ctx, who, id, c)
}

func FuzzProgrammes(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 0, 0, 3, 1, 1, 4, 0, 0, 0, 1, 0})
	triggers := smstest.Names(audit.ProgrammeTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newPrgEnv(t)
		smstest.FuzzProcess(t, steps, triggers, prgFuzz{prgKit{env.svc, env}})
	})
}
