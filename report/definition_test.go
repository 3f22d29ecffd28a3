package report_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/smstest"
)

var defOwner = sms.Actor{ID: "olga", Roles: []sms.Role{report.RoleReportOwner}}

// defSpec is a complete edition: the monthly incident report in Berlin,
// issued within five days of the month's end, with a three-month trend.
func defSpec() report.DefinitionSpec {
	return report.DefinitionSpec{
		Name: "Monthly incidents", Purpose: "how many incidents the service desk logged and how many monitoring caught first",
		Audience: []string{"service owner", "customer board"},
		Metrics: []report.Metric{
			{Name: "incidents_reported", Unit: "count"},
			{Name: "share_from_monitoring", Unit: "%"},
		},
		Frequency: sms.Monthly("Europe/Berlin"), Grace: 5 * 24 * time.Hour, Generator: "incidents", TrendPeriods: 3,
	}
}

var defAgreement = report.DefinitionAgreement{AgreedWith: []string{"customer board"}}

type defEnv struct {
	svc *report.Definitions
	clk *smstest.Clock
	ctx context.Context
}

func defNewEnv(t testing.TB) *defEnv {
	clk := smstest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc, err := report.NewDefinitions(memstore.New[*report.Definition](), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &defEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *defEnv) drafted(t testing.TB, s report.DefinitionSpec) *report.Definition {
	t.Helper()
	d, err := e.svc.Draft(e.ctx, defOwner, report.DefinitionDraft{Spec: s})
	require.NoError(t, err)
	return d
}

func (e *defEnv) agreed(t testing.TB) *report.Definition {
	t.Helper()
	d := e.drafted(t, defSpec())
	d, err := e.svc.Agree(e.ctx, defOwner, d.ID, defAgreement)
	require.NoError(t, err)
	return d
}

type defKit struct {
	*report.Definitions
	env *defEnv
}

func (k defKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	switch report.DefinitionStatus(status) {
	case report.DefinitionDrafted:
		return e.drafted(t, defSpec()).ID
	case report.DefinitionAgreed:
		return e.agreed(t).ID
	}
	d := e.agreed(t)
	_, err := e.svc.Retire(e.ctx, defOwner, d.ID, report.DefinitionRetirement{Reason: "replaced by the quarterly report"})
	require.NoError(t, err)
	return d.ID
}

var defValid = map[report.DefinitionTrigger]report.DefinitionCommand{
	report.TriggerDefinitionRevise: report.DefinitionRevision{Spec: defSpec()},
	report.TriggerDefinitionAgree:  defAgreement,
	report.TriggerDefinitionRetire: report.DefinitionRetirement{Reason: "no longer read"},
	report.TriggerDefinitionNote:   report.DefinitionNote{Text: "the board asked for a quarterly view as well"},
}

func (k defKit) Fire(ctx context.Context, id, trigger string) (*report.Definition, error) {
	return k.Do(ctx, defOwner, id, defValid[report.DefinitionTrigger(trigger)])
}

func (k defKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Definitions.DryRun(ctx, defOwner, id, defValid[report.DefinitionTrigger(trigger)])
}

func defTriggers() []string { return smstest.Names(report.DefinitionTriggers()[1:]) }

func TestDefinitionKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*report.Definition]{
		Workflow: report.DefinitionWorkflow(),
		Oracle: map[string]map[string]string{ // from RPT-01: drafted, agreed, revised as the next edition, retired
			"draft":   {"revise": smstest.Stay, "agree": "agreed", "retire": "retired", "note": smstest.Stay},
			"agreed":  {"revise": "draft", "retire": "retired", "note": smstest.Stay},
			"retired": {"note": smstest.Stay},
		},
		Triggers: defTriggers(),
		Doc:      "doc.go", Golden: "testdata/definition.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*report.Definition] {
			env := defNewEnv(t)
			return defKit{env.svc, env}
		},
	})
}

// Agreeing records the owner (the acting person), the parties and the
// time; a revision of an agreed definition is its next edition, a draft
// without an agreement until agreed again; the facts an instance reads
// follow.
func TestDefinitionEditions(t *testing.T) {
	t.Parallel()
	e := defNewEnv(t)
	d := e.drafted(t, defSpec())
	assert.Equal(t, 1, d.Edition)
	assert.Empty(t, d.Owner)
	f, err := e.svc.DefinitionFacts(e.ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, report.DefinitionDrafted, f.Status)

	e.clk.Advance(time.Hour)
	d, err = e.svc.Agree(e.ctx, defOwner, d.ID, report.DefinitionAgreement{AgreedWith: []string{"customer board", "service owner"}})
	require.NoError(t, err)
	assert.Equal(t, "olga", d.Owner)
	assert.Equal(t, []string{"customer board", "service owner"}, d.AgreedWith)
	assert.Equal(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), d.AgreedAt)
	f, err = e.svc.DefinitionFacts(e.ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, report.DefinitionFacts{Status: report.DefinitionAgreed, Edition: 1, Name: "Monthly incidents", Metrics: defSpec().Metrics,
		Frequency: sms.Monthly("Europe/Berlin"), Grace: 5 * 24 * time.Hour, Generator: "incidents", TrendPeriods: 3, AgreedAt: d.AgreedAt}, f)
	j, err := e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	owner, _ := sms.Get(j[1].Payload, "owner")
	assert.Equal(t, "olga", owner)

	next := defSpec()
	next.TrendPeriods = 6
	d, err = e.svc.Revise(e.ctx, defOwner, d.ID, report.DefinitionRevision{Spec: next})
	require.NoError(t, err)
	assert.Equal(t, report.DefinitionDrafted, d.Status)
	assert.Equal(t, 2, d.Edition)
	assert.Empty(t, d.Owner)
	assert.Empty(t, d.AgreedWith)
	assert.True(t, d.AgreedAt.IsZero())
	d, err = e.svc.Revise(e.ctx, defOwner, d.ID, report.DefinitionRevision{Spec: next})
	require.NoError(t, err)
	assert.Equal(t, 2, d.Edition, "a draft is revised in place")
	d, err = e.svc.Agree(e.ctx, defOwner, d.ID, defAgreement)
	require.NoError(t, err)
	f, err = e.svc.DefinitionFacts(e.ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, f.Edition)
	assert.Equal(t, 6, f.TrendPeriods)
	j, err = e.svc.Journal(e.ctx, d.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "draft", "agree", "revise", "revise", "agree")

	_, err = e.svc.DefinitionFacts(e.ctx, "nope")
	assert.ErrorIs(t, err, sms.ErrNotFound)
}

// DefinitionFacts reads only a definition that verifies: one edited
// outside the pipeline is refused as corrupt.
func TestDefinitionFactsVerified(t *testing.T) {
	t.Parallel()
	store := memstore.New[*report.Definition]()
	clk := smstest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc, err := report.NewDefinitions(store, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	d, err := svc.Draft(context.Background(), defOwner, report.DefinitionDraft{ID: "RPT-INC", Spec: defSpec()})
	require.NoError(t, err)
	_, err = svc.Agree(context.Background(), defOwner, d.ID, defAgreement)
	require.NoError(t, err)
	forged, err := report.NewDefinitions(smstest.Tampered[*report.Definition](store, "RPT-INC", func(d *report.Definition) { d.TrendPeriods = 24 }), sms.Options{})
	require.NoError(t, err)
	_, err = forged.DefinitionFacts(context.Background(), "RPT-INC")
	assert.ErrorIs(t, err, sms.ErrCorrupt)
}

// Each guard's refusal cites its requirement and changes nothing.
func TestDefinitionRefusals(t *testing.T) {
	t.Parallel()
	e := defNewEnv(t)
	_, err := e.svc.Draft(e.ctx, defOwner, report.DefinitionDraft{Spec: report.DefinitionSpec{Name: " "}})
	smstest.RequireRefused(t, err, "RPT-01")

	edit := func(f func(*report.DefinitionSpec)) report.DefinitionSpec {
		s := defSpec()
		f(&s)
		return s
	}
	for name, c := range map[string]struct {
		spec report.DefinitionSpec
		ids  []string
	}{
		"no purpose":            {edit(func(s *report.DefinitionSpec) { s.Purpose = "" }), []string{"RPT-01"}},
		"no audience":           {edit(func(s *report.DefinitionSpec) { s.Audience = nil }), []string{"RPT-01"}},
		"a blank reader":        {edit(func(s *report.DefinitionSpec) { s.Audience = []string{"board", " "} }), []string{"RPT-01"}},
		"no metrics":            {edit(func(s *report.DefinitionSpec) { s.Metrics = nil }), []string{"RPT-01"}},
		"a metric twice":        {edit(func(s *report.DefinitionSpec) { s.Metrics[1].Name = s.Metrics[0].Name }), []string{"RPT-01"}},
		"a metric without name": {edit(func(s *report.DefinitionSpec) { s.Metrics[1].Name = "" }), []string{"RPT-01"}},
		"no frequency":          {edit(func(s *report.DefinitionSpec) { s.Frequency = sms.Cadence{} }), []string{"RPT-07"}},
		"no data source":        {edit(func(s *report.DefinitionSpec) { s.Generator = "" }), []string{"RPT-01"}},
		"no trend periods":      {edit(func(s *report.DefinitionSpec) { s.TrendPeriods = 0 }), []string{"RPT-03"}},
		"nothing but a name":    {report.DefinitionSpec{Name: "n"}, []string{"RPT-01", "RPT-07", "RPT-03"}},
	} {
		d := e.drafted(t, c.spec)
		before := smstest.Snap(t, e.svc, d.ID)
		_, err := e.svc.Agree(e.ctx, defOwner, d.ID, defAgreement)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.ElementsMatch(t, c.ids, defUniq(ge.IDs()), name)
		smstest.RequireUnchanged(t, e.svc, d.ID, before)
	}

	d := e.drafted(t, defSpec())
	before := smstest.Snap(t, e.svc, d.ID)
	for name, c := range map[string]report.DefinitionAgreement{"with nobody": {}, "with a blank party": {AgreedWith: []string{"board", ""}}} {
		_, err := e.svc.Agree(e.ctx, defOwner, d.ID, c)
		ge := smstest.RequireRefused(t, err, "RPT-01")
		assert.Equal(t, []string{"RPT-01"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, d.ID, before)
	}
	_, err = e.svc.Revise(e.ctx, defOwner, d.ID, report.DefinitionRevision{})
	smstest.RequireRefused(t, err, "RPT-01")
	_, err = e.svc.Retire(e.ctx, defOwner, d.ID, report.DefinitionRetirement{Reason: "\t"})
	smstest.RequireRefused(t, err, "RPT-01")
	_, err = e.svc.Note(e.ctx, defOwner, d.ID, report.DefinitionNote{})
	smstest.RequireRefused(t, err, "RPT-01")
	_, err = e.svc.Agree(e.ctx, sms.Actor{ID: "nobody"}, d.ID, defAgreement)
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, d.ID, before)

	r, err := e.svc.Retire(e.ctx, defOwner, d.ID, report.DefinitionRetirement{Reason: "no longer read"})
	require.NoError(t, err)
	assert.Equal(t, report.DefinitionRetired, r.Status)
	_, err = e.svc.Revise(e.ctx, defOwner, d.ID, report.DefinitionRevision{Spec: defSpec()})
	te := smstest.RequireTransitionRefused(t, err, "revise")
	assert.Equal(t, []string{"RPT-01"}, te.RequirementIDs())
}

// defUniq returns the IDs, each once, in order.
func defUniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Malformed input is a *sms.ValidationError and stores nothing.
func TestDefinitionBadInput(t *testing.T) {
	t.Parallel()
	e := defNewEnv(t)
	d := e.drafted(t, defSpec())
	before := smstest.Snap(t, e.svc, d.ID)
	edit := func(f func(*report.DefinitionSpec)) report.DefinitionSpec {
		s := defSpec()
		f(&s)
		return s
	}
	for name, s := range map[string]report.DefinitionSpec{
		"an unknown zone":        edit(func(s *report.DefinitionSpec) { s.Frequency = sms.Monthly("Mars/Olympus") }),
		"five months":            edit(func(s *report.DefinitionSpec) { s.Frequency = sms.Cadence{Unit: sms.UnitMonth, Count: 5} }),
		"a negative grace":       edit(func(s *report.DefinitionSpec) { s.Grace = -time.Hour }),
		"25 trend periods":       edit(func(s *report.DefinitionSpec) { s.TrendPeriods = 25 }),
		"negative trend periods": edit(func(s *report.DefinitionSpec) { s.TrendPeriods = -1 }),
		"a name too long":        edit(func(s *report.DefinitionSpec) { s.Name = strings.Repeat("n", sms.MaxShort+1) }),
		"a metric not UTF-8":     edit(func(s *report.DefinitionSpec) { s.Metrics[0].Name = "\xff" }),
	} {
		_, err := e.svc.Revise(e.ctx, defOwner, d.ID, report.DefinitionRevision{Spec: s})
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, report.DefinitionKind, ve.Kind, name)
		smstest.RequireUnchanged(t, e.svc, d.ID, before)
	}
	_, err := e.svc.Draft(e.ctx, defOwner, report.DefinitionDraft{ID: " padded ", Spec: defSpec()})
	assert.True(t, errors.Is(err, sms.ErrInvalid), "%v", err)
}

// defFuzz is what the fuzz driver needs.
type defFuzz struct{ defKit }

func (f defFuzz) Start(t testing.TB) string { return f.env.drafted(t, defSpec()).ID }

func (f defFuzz) Do(ctx context.Context, id string, s smstest.Step) (*report.Definition, error) {
	who := []sms.Actor{defOwner, {ID: "nobody"}}[s.Actor%2]
	tr := report.DefinitionTrigger(s.Trigger)
	c := defValid[tr]
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(report.DefinitionWorkflow(), s.Trigger).(report.DefinitionCommand)
	case 2:
		c = map[report.DefinitionTrigger]report.DefinitionCommand{
			report.TriggerDefinitionRevise: report.DefinitionRevision{Spec: report.DefinitionSpec{Name: "half", Grace: -1}},
			report.TriggerDefinitionAgree:  report.DefinitionAgreement{AgreedWith: []string{" "}},
			report.TriggerDefinitionRetire: report.DefinitionRetirement{Reason: " "},
			report.TriggerDefinitionNote:   report.DefinitionNote{Text: "\xff"},
		}[tr]
	}
	return f.Definitions.Do(ctx, who, id, c)
}

func FuzzDefinitions(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0})
	f.Add([]byte{0, 0, 1, 1, 0, 2, 1, 1, 0, 3, 0, 0, 2, 0, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := defNewEnv(t)
		smstest.FuzzProcess(t, steps, defTriggers(), defFuzz{defKit{env.svc, env}})
	})
}
