package report_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/smstest"
)

var (
	insOwner    = sms.Actor{ID: "olga", Roles: []sms.Role{report.RoleReportOwner}}
	insReviewer = sms.Actor{ID: "rita", Roles: []sms.Role{report.RoleReportReviewer}}
	// insBoth holds both roles: the same person generating and reviewing.
	insBoth = sms.Actor{ID: "olga", Roles: []sms.Role{report.RoleReportOwner, report.RoleReportReviewer}}
	insDesk = sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
)

func insBerlin() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}

// insMonth is a calendar month in Berlin.
func insMonth(y int, m time.Month) report.Period {
	from := time.Date(y, m, 1, 0, 0, 0, 0, insBerlin())
	return report.Period{From: from, To: from.AddDate(0, 1, 0)}
}

// insAt is a time in Berlin.
func insAt(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, insBerlin())
}

// insIncidents is the test's generator: over the incidents as their
// journals stood at the cut-off, the number reported in the period (the
// reported time the log entry journals) and the share of them that
// monitoring detected, undefined when there are none. leaky ignores the
// cut-off: a generator that is not reproducible.
type insIncidents struct {
	store sms.Store[*incident.Incident]
	name  string
	leaky bool
	// metrics overrides the metrics' names it returns; nan returns NaN.
	metrics []string
	nan     bool
}

func (g insIncidents) Name() string { return g.name }

func (g insIncidents) Metrics() []report.Metric { return defSpec().Metrics }

func (g insIncidents) Compute(ctx context.Context, p report.Period, cutoff time.Time) (report.Computation, error) {
	if g.leaky {
		cutoff = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	d := report.NewDigest()
	var n, mon int
	err := report.EachJournal(ctx, g.store, cutoff, d, func(_ *incident.Incident, j []sms.Entry) error {
		v, ok := sms.Get(j[0].Payload, "reported_at")
		if !ok {
			return fmt.Errorf("the log entry of %s has no reported time", j[0].EntityID)
		}
		at, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return err
		}
		if p.Contains(at) {
			n++
			if src, _ := sms.Get(j[0].Payload, "source"); src == string(incident.SourceMonitoring) {
				mon++
			}
		}
		return nil
	})
	if err != nil {
		return report.Computation{}, err
	}
	names := []string{"incidents_reported", "share_from_monitoring"}
	if g.metrics != nil {
		names = g.metrics
	}
	figs := []report.Figure{{Metric: names[0], Value: float64(n)}}
	if len(names) > 1 {
		share := report.Figure{Metric: names[1], Undefined: n == 0}
		if n > 0 {
			share.Value = 100 * float64(mon) / float64(n)
		}
		if g.nan {
			share.Value = math.NaN()
		}
		figs = append(figs, share)
	}
	return report.Computation{Figures: figs, Records: d.Records(), Digest: d.Sum()}, nil
}

// insFailing fails reading the journal of one record: a generator that
// fails mid-stream.
type insFailing struct {
	sms.Store[*incident.Incident]
	id string
}

func (s insFailing) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if id == s.id {
		return nil, errors.New("disk read error")
	}
	return s.Store.Journal(ctx, id)
}

type insEnv struct {
	clk       *smstest.Clock
	ctx       context.Context
	incStore  sms.Store[*incident.Incident]
	incidents *incident.Service
	defs      *report.Definitions
	store     sms.Store[*report.Instance]
	svc       *report.Instances
	def       string
	gens      map[string]report.Generator
}

// insNewEnv agrees the monthly incident report (RPT-INC) on 10 January
// 2026 and sets the clock to 20 June 2026, noon in Berlin.
func insNewEnv(t testing.TB) *insEnv {
	e := &insEnv{clk: smstest.NewClock(insAt(2026, 1, 10, 9)), ctx: context.Background()}
	e.incStore = memstore.New[*incident.Incident]()
	var err error
	e.incidents, err = incident.NewService(e.incStore, incident.Config{Options: sms.Options{Now: e.clk.Now}})
	require.NoError(t, err)
	e.defs, err = report.NewDefinitions(memstore.New[*report.Definition](), sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	d, err := e.defs.Draft(e.ctx, defOwner, report.DefinitionDraft{ID: "RPT-INC", Spec: defSpec()})
	require.NoError(t, err)
	_, err = e.defs.Agree(e.ctx, defOwner, d.ID, defAgreement)
	require.NoError(t, err)
	e.def = d.ID
	e.gens = map[string]report.Generator{
		"incidents": insIncidents{store: e.incStore, name: "incidents"},
		"leaky":     insIncidents{store: e.incStore, name: "leaky", leaky: true},
		"renamed":   insIncidents{store: e.incStore, name: "renamed", metrics: []string{"incidents_reported", "share_monitored"}},
		"short":     insIncidents{store: e.incStore, name: "short", metrics: []string{"incidents_reported"}},
		"nan":       insIncidents{store: e.incStore, name: "nan", nan: true},
	}
	e.store = memstore.New[*report.Instance]()
	e.svc, err = report.NewInstances(e.store, e.defs, e.gens, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	e.clk.Set(insAt(2026, 6, 20, 12))
	return e
}

// agreedDef agrees another definition with the spec edited.
func (e *insEnv) agreedDef(t testing.TB, id string, edit func(*report.DefinitionSpec)) string {
	t.Helper()
	s := defSpec()
	edit(&s)
	d, err := e.defs.Draft(e.ctx, defOwner, report.DefinitionDraft{ID: id, Spec: s})
	require.NoError(t, err)
	_, err = e.defs.Agree(e.ctx, defOwner, id, defAgreement)
	require.NoError(t, err)
	return d.ID
}

// log logs an incident, now, reported at the time given.
func (e *insEnv) log(t testing.TB, reported time.Time, src incident.Source) *incident.Incident {
	t.Helper()
	x, err := e.incidents.Log(e.ctx, insDesk, incident.Report{Summary: "VPN down", Service: "vpn", Source: src, Reporter: "carl", ReportedAt: reported})
	require.NoError(t, err)
	return x
}

func (e *insEnv) scheduled(t testing.TB, p report.Period) *report.Instance {
	t.Helper()
	x, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: e.def, Period: p})
	require.NoError(t, err)
	return x
}

func (e *insEnv) generated(t testing.TB, p report.Period, cutoff time.Time) *report.Instance {
	t.Helper()
	x := e.scheduled(t, p)
	x, err := e.svc.Generate(e.ctx, insOwner, x.ID, report.InstanceGeneration{Cutoff: cutoff})
	require.NoError(t, err)
	return x
}

var (
	insReview = report.InstanceReview{Decisions: []string{"monitoring catches too few: add a VPN tunnel check"},
		Actions: []report.ReportAction{{Text: "add a tunnel check to monitoring", Owner: "omar", Recipients: []string{"noc", "omar"}}}}
	insIssue = report.InstanceIssue{Recipients: []string{"customer board", "service owner"}}
)

func (e *insEnv) issued(t testing.TB, p report.Period, cutoff time.Time) *report.Instance {
	t.Helper()
	x := e.generated(t, p, cutoff)
	_, err := e.svc.Review(e.ctx, insReviewer, x.ID, insReview)
	require.NoError(t, err)
	x, err = e.svc.Issue(e.ctx, insOwner, x.ID, insIssue)
	require.NoError(t, err)
	return x
}

type insKit struct {
	*report.Instances
	env *insEnv
}

func (k insKit) At(t testing.TB, status, trigger string) string {
	e, may := k.env, insMonth(2026, 5)
	switch report.InstanceStatus(status) {
	case report.InstanceScheduled:
		return e.scheduled(t, may).ID
	case report.InstanceGenerated:
		return e.generated(t, may, time.Time{}).ID
	case report.InstanceWithdrawn:
		x := e.scheduled(t, may)
		_, err := e.svc.Withdraw(e.ctx, insOwner, x.ID, report.InstanceWithdrawal{Reason: "scheduled twice"})
		require.NoError(t, err)
		return x.ID
	case report.InstanceReviewed:
		x := e.generated(t, may, time.Time{})
		_, err := e.svc.Review(e.ctx, insReviewer, x.ID, insReview)
		require.NoError(t, err)
		return x.ID
	}
	x := e.issued(t, may, time.Time{})
	if status == string(report.InstanceClosed) {
		_, err := e.svc.Close(e.ctx, insOwner, x.ID, report.InstanceClosure{})
		require.NoError(t, err)
	}
	return x.ID
}

var insValid = map[report.InstanceTrigger]report.InstanceCommand{
	report.TriggerInstanceGenerate: report.InstanceGeneration{},
	report.TriggerInstanceReview:   insReview,
	report.TriggerInstanceIssue:    insIssue,
	report.TriggerInstanceClose:    report.InstanceClosure{},
	report.TriggerInstanceWithdraw: report.InstanceWithdrawal{Reason: "the definition is being replaced"},
}

// insActor is who may fire the trigger: the reviewer reviews, the owner
// does the rest.
func insActor(trigger string) sms.Actor {
	if trigger == string(report.TriggerInstanceReview) {
		return insReviewer
	}
	return insOwner
}

func (k insKit) Fire(ctx context.Context, id, trigger string) (*report.Instance, error) {
	return k.Do(ctx, insActor(trigger), id, insValid[report.InstanceTrigger(trigger)])
}

func (k insKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Instances.DryRun(ctx, insActor(trigger), id, insValid[report.InstanceTrigger(trigger)])
}

func insTriggers() []string { return smstest.Names(report.InstanceTriggers()[1:]) }

func TestInstanceKit(t *testing.T) {
	smstest.RunProcess(t, smstest.Process[*report.Instance]{
		Workflow: report.InstanceWorkflow(),
		Oracle: map[string]map[string]string{ // RPT-02 to RPT-05: scheduled, generated, reviewed, issued, closed; withdrawn before review
			"scheduled": {"generate": "generated", "withdraw": "withdrawn"},
			"generated": {"review": "reviewed", "withdraw": "withdrawn"},
			"reviewed":  {"issue": "issued"},
			"issued":    {"close": "closed"},
		},
		Triggers: insTriggers(),
		Cites:    []string{"RPT-07"}, // MissingReports, Sweep
		Doc:      "doc.go", Golden: "testdata/instance.mmd", Update: *update,
		New: func(t testing.TB) smstest.Instance[*report.Instance] {
			env := insNewEnv(t)
			return insKit{env.svc, env}
		},
	})
}

// Generating stores the parameters, the cut-off and the computation, and
// journals the digest, the records read, the cut-off and each figure; a
// first report's trend is its own period, with the note saying so.
func TestInstanceGenerate(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	e.clk.Set(insAt(2026, 6, 1, 9))
	e.log(t, insAt(2026, 4, 30, 12), incident.SourceUser)
	e.log(t, insAt(2026, 5, 1, 0), incident.SourceMonitoring) // the period's first instant
	e.log(t, insAt(2026, 5, 15, 9), incident.SourceUser)
	e.log(t, insAt(2026, 5, 31, 23), incident.SourceMonitoring)
	e.log(t, insAt(2026, 6, 1, 0), incident.SourceUser) // June's first instant
	e.clk.Set(insAt(2026, 6, 20, 12))
	cut := insAt(2026, 6, 3, 0)
	x := e.generated(t, insMonth(2026, 5), cut)
	assert.Equal(t, report.InstanceGenerated, x.Status)
	assert.Equal(t, sms.Micro(cut), x.Cutoff)
	assert.Equal(t, report.InstanceParameters{Definition: "RPT-INC", DefinitionEdition: 1, Generator: "incidents",
		Period: report.Period{From: sms.Micro(insMonth(2026, 5).From), To: sms.Micro(insMonth(2026, 5).To)}, Cutoff: sms.Micro(cut), TrendPeriods: 3}, x.Parameters)
	require.Len(t, x.Computation.Figures, 2)
	assert.Equal(t, report.Figure{Metric: "incidents_reported", Value: 3}, x.Computation.Figures[0])
	assert.InDelta(t, 200.0/3, x.Computation.Figures[1].Value, 1e-9)
	assert.Equal(t, 5, x.Computation.Records)
	want, err := e.gens["incidents"].Compute(e.ctx, insMonth(2026, 5), cut)
	require.NoError(t, err)
	assert.Equal(t, want.Digest, x.Computation.Digest)
	assert.True(t, strings.HasPrefix(x.Computation.Digest, "sha256:"))
	assert.Equal(t, "0 prior periods exist of the 3 the definition asks for", x.TrendNote)
	require.Len(t, x.Trends, 2)
	for i, s := range x.Trends {
		assert.Equal(t, x.Computation.Figures[i].Metric, s.Metric)
		require.Len(t, s.Points, 1)
		assert.Equal(t, x.Computation.Figures[i].Value, s.Points[0].Value)
	}
	assert.True(t, x.Parties.Has(sms.PartyAuthor, "olga"))

	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "schedule", "generate")
	p := j[1].Payload
	get := func(k string) string { v, _ := sms.Get(p, k); return v }
	assert.Equal(t, x.Computation.Digest, get("digest"))
	assert.Equal(t, "5", get("records"))
	assert.Equal(t, "2026-06-02T22:00:00Z", get("cutoff"))
	var figs []string
	for _, f := range p {
		if f.Key == "figure" {
			figs = append(figs, f.Value)
		}
	}
	assert.Equal(t, []string{"incidents_reported=3", "share_from_monitoring=" + strconv.FormatFloat(200.0/3, 'g', -1, 64)}, figs)

	// A month without incidents: the share is undefined, not zero.
	y := e.generated(t, insMonth(2026, 3), time.Time{})
	assert.Equal(t, report.Figure{Metric: "share_from_monitoring", Undefined: true}, y.Computation.Figures[1])
	assert.Equal(t, sms.Micro(insAt(2026, 6, 20, 12)), y.Cutoff, "no cut-off given: now")
	j, err = e.svc.Journal(e.ctx, y.ID)
	require.NoError(t, err)
	assert.Contains(t, j[1].Payload, sms.Field{Key: "figure", Value: "share_from_monitoring=undefined"})
}

// Regenerate reproduces the stored computation byte for byte from its
// period and cut-off, whatever was recorded since: later entries on the
// records it read, records added later. A generator that reads past the
// cut-off is caught.
func TestInstanceRegenerateByteForByte(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	e.clk.Set(insAt(2026, 6, 2, 9))
	a := e.log(t, insAt(2026, 5, 4, 10), incident.SourceMonitoring)
	e.log(t, insAt(2026, 5, 20, 10), incident.SourceUser)
	e.clk.Set(insAt(2026, 6, 3, 0))
	x := e.issued(t, insMonth(2026, 5), time.Time{})

	e.clk.Set(insAt(2026, 6, 10, 9))
	_, err := e.incidents.AddNote(e.ctx, insDesk, a.ID, incident.Note{Text: "the tunnel flapped again"})
	require.NoError(t, err)
	e.log(t, insAt(2026, 6, 9, 10), incident.SourceUser)
	e.clk.Set(insAt(2026, 6, 20, 12))

	r, err := e.svc.Regenerate(e.ctx, x.ID)
	require.NoError(t, err)
	assert.True(t, r.Same)
	assert.Equal(t, r.Stored, r.Now)
	assert.Equal(t, x.Computation, r.Stored)
	assert.Equal(t, 2, r.Now.Records, "the record added later is not read")

	// The same instance over a generator that ignores its cut-off.
	leaky, err := report.NewInstances(e.store, e.defs, map[string]report.Generator{"incidents": e.gens["leaky"]}, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	r, err = leaky.Regenerate(e.ctx, x.ID)
	require.NoError(t, err)
	assert.False(t, r.Same)
	assert.NotEqual(t, r.Stored.Digest, r.Now.Digest)

	s := e.scheduled(t, insMonth(2026, 4))
	_, err = e.svc.Regenerate(e.ctx, s.ID)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a scheduled report has nothing to reproduce")
	_, err = e.svc.Regenerate(e.ctx, "nope")
	assert.ErrorIs(t, err, sms.ErrNotFound)
}

// An incident recorded after the May report's cut-off but reported in
// May shows as a restatement of the metrics it changes; the stored report
// is not changed, and still regenerates the same.
func TestInstanceRestatement(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	e.clk.Set(insAt(2026, 6, 2, 9))
	e.log(t, insAt(2026, 5, 4, 10), incident.SourceMonitoring)
	e.log(t, insAt(2026, 5, 20, 10), incident.SourceUser)
	e.log(t, insAt(2026, 5, 21, 10), incident.SourceUser)
	e.log(t, insAt(2026, 5, 22, 10), incident.SourceUser)
	e.clk.Set(insAt(2026, 6, 3, 0))
	x := e.issued(t, insMonth(2026, 5), time.Time{})
	before := smstest.Snap(t, e.svc, x.ID)

	rs, err := e.svc.Restate(e.ctx, x.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing recorded since the cut-off")

	e.clk.Set(insAt(2026, 6, 10, 9))
	e.log(t, insAt(2026, 5, 28, 10), incident.SourceMonitoring) // logged in June, reported on 28 May
	rs, err = e.svc.Restate(e.ctx, x.ID, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []report.Restatement{
		{Metric: "incidents_reported", Reported: 4, Restated: 5},
		{Metric: "share_from_monitoring", Reported: 25, Restated: 40},
	}, rs)
	rs, err = e.svc.Restate(e.ctx, x.ID, insAt(2026, 6, 5, 0))
	require.NoError(t, err)
	assert.Empty(t, rs, "as known on 5 June, before it was logged")

	r, err := e.svc.Regenerate(e.ctx, x.ID)
	require.NoError(t, err)
	assert.True(t, r.Same, "the restatement is never a change of the report")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
}

// The trend shows the prior periods that have an issued (or closed)
// report, up to the definition's number, oldest first, then the period
// itself; the note says how many exist (clarification 9).
func TestInstanceTrends(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	for m := time.January; m <= time.May; m++ {
		for i := 0; i < int(m); i++ { // m incidents in month m, the first from monitoring
			src := incident.SourceUser
			if i == 0 {
				src = incident.SourceMonitoring
			}
			e.log(t, insAt(2026, m, 2+i, 10), src)
		}
	}
	jan := e.issued(t, insMonth(2026, 1), time.Time{})
	assert.Equal(t, "0 prior periods exist of the 3 the definition asks for", jan.TrendNote)

	mar := e.generated(t, insMonth(2026, 3), time.Time{}) // February has no report
	assert.Equal(t, "1 prior period exists of the 3 the definition asks for", mar.TrendNote)
	require.Len(t, mar.Trends, 2)
	assert.Equal(t, []report.TrendPoint{
		{Period: jan.Period, Value: 1},
		{Period: mar.Period, Value: 3},
	}, mar.Trends[0].Points)

	// A report generated but not issued, or withdrawn, is not in a trend.
	feb := e.generated(t, insMonth(2026, 2), time.Time{})
	apr := e.generated(t, insMonth(2026, 4), time.Time{})
	assert.Equal(t, "1 prior period exists of the 3 the definition asks for", apr.TrendNote, "only January is issued; March is generated")
	_, err := e.svc.Withdraw(e.ctx, insOwner, apr.ID, report.InstanceWithdrawal{Reason: "superseded"})
	require.NoError(t, err)
	for _, id := range []string{feb.ID, mar.ID} {
		_, err := e.svc.Review(e.ctx, insReviewer, id, insReview)
		require.NoError(t, err)
		_, err = e.svc.Issue(e.ctx, insOwner, id, insIssue)
		require.NoError(t, err)
	}
	_, err = e.svc.Close(e.ctx, insOwner, feb.ID, report.InstanceClosure{})
	require.NoError(t, err)
	e.issued(t, insMonth(2026, 4), time.Time{})

	may := e.generated(t, insMonth(2026, 5), time.Time{})
	assert.Equal(t, "3 prior periods exist of the 3 the definition asks for", may.TrendNote)
	require.Len(t, may.Trends, 2)
	var periods []report.Period
	var values []float64
	for _, p := range may.Trends[0].Points {
		periods = append(periods, p.Period)
		values = append(values, p.Value)
	}
	assert.Equal(t, []report.Period{feb.Period, mar.Period, apr.Period, may.Period}, periods, "January is beyond the three asked for")
	assert.Equal(t, []float64{2, 3, 4, 5}, values)
	assert.Equal(t, "share_from_monitoring", may.Trends[1].Metric)
	assert.Equal(t, []float64{50, 100.0 / 3, 25, 20}, []float64{may.Trends[1].Points[0].Value, may.Trends[1].Points[1].Value, may.Trends[1].Points[2].Value, may.Trends[1].Points[3].Value})
}

// Each guard's refusal cites its requirement and changes nothing.
func TestInstanceRefusals(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	may := insMonth(2026, 5)
	draft, err := e.defs.Draft(e.ctx, defOwner, report.DefinitionDraft{ID: "RPT-DRAFT", Spec: defSpec()})
	require.NoError(t, err)
	utcMay := report.Period{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	for name, c := range map[string]struct {
		cmd report.InstanceSchedule
		ids []string
	}{
		"an unknown definition":     {report.InstanceSchedule{Definition: "RPT-NONE", Period: may}, []string{"RPT-01"}},
		"no definition":             {report.InstanceSchedule{Period: may}, []string{"RPT-01"}},
		"a draft definition":        {report.InstanceSchedule{Definition: draft.ID, Period: may}, []string{"RPT-01"}},
		"May in UTC, not in Berlin": {report.InstanceSchedule{Definition: e.def, Period: utcMay}, []string{"RPT-07"}},
		"two months":                {report.InstanceSchedule{Definition: e.def, Period: report.Period{From: may.From, To: may.From.AddDate(0, 2, 0)}}, []string{"RPT-07"}},
		"half a month":              {report.InstanceSchedule{Definition: e.def, Period: report.Period{From: may.From.AddDate(0, 0, 14), To: may.To}}, []string{"RPT-07"}},
	} {
		_, err := e.svc.Schedule(e.ctx, insOwner, c.cmd)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, defUniq(ge.IDs()), name)
	}
	p, err := e.store.List(e.ctx, sms.Query{})
	require.NoError(t, err)
	assert.Empty(t, p.Items, "nothing scheduled")

	x := e.scheduled(t, may)
	before := smstest.Snap(t, e.svc, x.ID)
	for name, c := range map[string]report.InstanceGeneration{
		"a cut-off before the month ends": {Cutoff: may.To.Add(-time.Microsecond)},
		"a cut-off in the future":         {Cutoff: insAt(2026, 6, 20, 12).Add(time.Microsecond)},
	} {
		_, err := e.svc.Generate(e.ctx, insOwner, x.ID, c)
		ge := smstest.RequireRefused(t, err, "RPT-02")
		assert.Equal(t, []string{"RPT-02"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, x.ID, before)
	}
	_, err = e.svc.Generate(e.ctx, insOwner, x.ID, report.InstanceGeneration{Cutoff: may.To})
	require.NoError(t, err, "the period's end is an acceptable cut-off")

	// Definitions whose generator is unknown, or computes other figures.
	for name, gen := range map[string]string{"an unknown generator": "absent", "other metric names": "renamed", "a metric short": "short", "a NaN": "nan"} {
		id := e.agreedDef(t, "RPT-"+strings.ReplaceAll(name, " ", "-"), func(s *report.DefinitionSpec) { s.Generator = gen })
		y, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: id, Period: may})
		require.NoError(t, err)
		before := smstest.Snap(t, e.svc, y.ID)
		_, err = e.svc.Generate(e.ctx, insOwner, y.ID, report.InstanceGeneration{})
		ge := smstest.RequireRefused(t, err, "RPT-02")
		assert.Equal(t, []string{"RPT-02"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, y.ID, before)
	}
	// A definition retired after the report was scheduled.
	rid := e.agreedDef(t, "RPT-RETIRED", func(*report.DefinitionSpec) {})
	y, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: rid, Period: may})
	require.NoError(t, err)
	_, err = e.defs.Retire(e.ctx, defOwner, rid, report.DefinitionRetirement{Reason: "merged"})
	require.NoError(t, err)
	_, err = e.svc.Generate(e.ctx, insOwner, y.ID, report.InstanceGeneration{})
	ge := smstest.RequireRefused(t, err, "RPT-01")
	assert.Equal(t, []string{"RPT-01"}, ge.IDs())

	// Review: decisions and actions (RPT-04), by another person than who generated it.
	z := e.generated(t, may, time.Time{})
	before = smstest.Snap(t, e.svc, z.ID)
	for name, c := range map[string]report.InstanceReview{
		"no decision":               {Actions: insReview.Actions},
		"a blank decision":          {Decisions: []string{" "}},
		"an action without owner":   {Decisions: insReview.Decisions, Actions: []report.ReportAction{{Text: "fix it"}}},
		"an action without text":    {Decisions: insReview.Decisions, Actions: []report.ReportAction{{Owner: "omar"}}},
		"a blank action recipient":  {Decisions: insReview.Decisions, Actions: []report.ReportAction{{Text: "fix it", Owner: "omar", Recipients: []string{""}}}},
		"nothing decided or owned:": {Actions: []report.ReportAction{{Text: "fix it"}}},
	} {
		_, err := e.svc.Review(e.ctx, insReviewer, z.ID, c)
		ge := smstest.RequireRefused(t, err, "RPT-04")
		assert.Equal(t, []string{"RPT-04"}, defUniq(ge.IDs()), name)
		smstest.RequireUnchanged(t, e.svc, z.ID, before)
	}
	_, err = e.svc.Review(e.ctx, insOwner, z.ID, insReview)
	smstest.RequireForbidden(t, err)
	smstest.RequireUnchanged(t, e.svc, z.ID, before)

	self := e.scheduled(t, may)
	_, err = e.svc.Generate(e.ctx, insBoth, self.ID, report.InstanceGeneration{})
	require.NoError(t, err)
	beforeSelf := smstest.Snap(t, e.svc, self.ID)
	_, err = e.svc.Review(e.ctx, insBoth, self.ID, insReview)
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "RPT-04", fe.Requirement.ID)
	assert.Contains(t, fe.Reason, "generated this report")
	smstest.RequireUnchanged(t, e.svc, self.ID, beforeSelf)

	// Issue: recipients (RPT-05).
	_, err = e.svc.Review(e.ctx, insReviewer, z.ID, insReview)
	require.NoError(t, err)
	before = smstest.Snap(t, e.svc, z.ID)
	for name, c := range map[string]report.InstanceIssue{"to nobody": {}, "to a blank recipient": {Recipients: []string{"board", " "}}} {
		_, err := e.svc.Issue(e.ctx, insOwner, z.ID, c)
		ge := smstest.RequireRefused(t, err, "RPT-05")
		assert.Equal(t, []string{"RPT-05"}, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, z.ID, before)
	}
	// A record whose trends were lost (edited outside the pipeline) is not
	// issued (RPT-03); nor one without its review (RPT-04).
	for name, c := range map[string]struct {
		edit func(*report.Instance)
		ids  []string
	}{
		"no trends":             {func(x *report.Instance) { x.Trends = nil }, []string{"RPT-03"}},
		"a metric's trend lost": {func(x *report.Instance) { x.Trends = x.Trends[:1] }, []string{"RPT-03"}},
		"no note":               {func(x *report.Instance) { x.TrendNote = "" }, []string{"RPT-03"}},
		"no decisions":          {func(x *report.Instance) { x.Review.Decisions = nil }, []string{"RPT-04"}},
	} {
		forged, err := report.NewInstances(smstest.Tampered[*report.Instance](e.store, z.ID, c.edit), e.defs, e.gens, sms.Options{Now: e.clk.Now})
		require.NoError(t, err)
		_, err = forged.Issue(e.ctx, insOwner, z.ID, insIssue)
		ge := smstest.RequireRefused(t, err, c.ids...)
		assert.Equal(t, c.ids, ge.IDs(), name)
		smstest.RequireUnchanged(t, e.svc, z.ID, before)
	}

	// Withdrawal gives its reason; a reviewed report is not withdrawn.
	w := e.scheduled(t, may)
	before = smstest.Snap(t, e.svc, w.ID)
	_, err = e.svc.Withdraw(e.ctx, insOwner, w.ID, report.InstanceWithdrawal{Reason: " "})
	smstest.RequireRefused(t, err, "RPT-02")
	smstest.RequireUnchanged(t, e.svc, w.ID, before)
	_, err = e.svc.Withdraw(e.ctx, insOwner, z.ID, report.InstanceWithdrawal{Reason: "late"})
	smstest.RequireTransitionRefused(t, err, "withdraw")
	_, err = e.svc.Close(e.ctx, insOwner, z.ID, report.InstanceClosure{})
	te := smstest.RequireTransitionRefused(t, err, "close")
	assert.Equal(t, []string{"RPT-04"}, te.RequirementIDs())
}

// Issuing journals one "notified" per recipient and one "communicated"
// per action and person it goes to: its owner and recipients (RPT-05).
func TestInstanceIssueCommunicates(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	x := e.generated(t, insMonth(2026, 5), time.Time{})
	_, err := e.svc.Review(e.ctx, insReviewer, x.ID, report.InstanceReview{Decisions: []string{"act on the VPN", "keep the target"},
		Actions: []report.ReportAction{
			{Text: "add a tunnel check", Owner: "omar", Recipients: []string{"noc", "omar"}},
			{Text: "brief the desk", Owner: "dana"},
		}})
	require.NoError(t, err)
	x, err = e.svc.Issue(e.ctx, insOwner, x.ID, insIssue)
	require.NoError(t, err)
	assert.Equal(t, insIssue.Recipients, x.Recipients)
	assert.Equal(t, sms.Micro(e.clk.Now()), x.IssuedAt)
	j, err := e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	var notified, communicated []string
	for _, f := range last.Payload {
		switch f.Key {
		case "notified":
			notified = append(notified, f.Value)
		case "communicated":
			communicated = append(communicated, f.Value)
		}
	}
	assert.Equal(t, []string{"customer board", "service owner"}, notified)
	assert.Equal(t, []string{"action 1 to omar", "action 1 to noc", "action 2 to dana"}, communicated)
	x, err = e.svc.Close(e.ctx, insOwner, x.ID, report.InstanceClosure{})
	require.NoError(t, err)
	j, err = e.svc.Journal(e.ctx, x.ID)
	require.NoError(t, err)
	smstest.RequireJournal(t, j, "schedule", "generate", "review", "issue", "close")
}

// Malformed input is a *sms.ValidationError and stores nothing: a period
// that ends before it starts, or as it starts, or has no end.
func TestInstanceBadInput(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	may := insMonth(2026, 5)
	for name, c := range map[string]report.InstanceSchedule{
		"ends before it starts": {Definition: e.def, Period: report.Period{From: may.To, To: may.From}},
		"ends as it starts":     {Definition: e.def, Period: report.Period{From: may.From, To: may.From}},
		"no end":                {Definition: e.def, Period: report.Period{From: may.From}},
		"the year 1066":         {Definition: e.def, Period: report.Period{From: time.Date(1066, 10, 1, 0, 0, 0, 0, time.UTC), To: may.To}},
		"a padded ID":           {ID: " x ", Definition: e.def, Period: may},
	} {
		_, err := e.svc.Schedule(e.ctx, insOwner, c)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.ErrorIs(t, err, sms.ErrInvalid)
	}
	p, err := e.store.List(e.ctx, sms.Query{})
	require.NoError(t, err)
	assert.Empty(t, p.Items)

	x := e.generated(t, may, time.Time{})
	before := smstest.Snap(t, e.svc, x.ID)
	_, err = e.svc.Review(e.ctx, insReviewer, x.ID, report.InstanceReview{Decisions: []string{"\xff"}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = e.svc.Review(e.ctx, insReviewer, x.ID, report.InstanceReview{Decisions: []string{"ok"}, Actions: []report.ReportAction{{Text: "t", Owner: strings.Repeat("o", sms.MaxShort+1)}}})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	smstest.RequireUnchanged(t, e.svc, x.ID, before)
	_, err = e.svc.Restate(e.ctx, x.ID, time.Date(1066, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// A generator that fails mid-stream is a *report.GenerationError naming
// the report, the generator and the record it stopped at, and the report
// is unchanged.
func TestInstanceGeneratorFails(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	e.log(t, insAt(2026, 5, 4, 10), incident.SourceMonitoring)
	bad := e.log(t, insAt(2026, 5, 5, 10), incident.SourceUser)
	e.log(t, insAt(2026, 5, 6, 10), incident.SourceUser)
	gens := map[string]report.Generator{"incidents": insIncidents{store: insFailing{e.incStore, bad.ID}, name: "incidents"}}
	svc, err := report.NewInstances(e.store, e.defs, gens, sms.Options{Now: e.clk.Now})
	require.NoError(t, err)
	x := e.scheduled(t, insMonth(2026, 5))
	before := smstest.Snap(t, e.svc, x.ID)
	_, err = svc.Generate(e.ctx, insOwner, x.ID, report.InstanceGeneration{})
	var ge *report.GenerationError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, x.ID, ge.Instance)
	assert.Equal(t, "incidents", ge.Generator)
	assert.Contains(t, err.Error(), bad.ID, "names the record")
	assert.Contains(t, err.Error(), "disk read error")
	smstest.RequireUnchanged(t, e.svc, x.ID, before)

	y := e.generated(t, insMonth(2026, 5), time.Time{})
	_, err = svc.Regenerate(e.ctx, y.ID)
	require.ErrorAs(t, err, &ge)
	_, err = svc.Restate(e.ctx, y.ID, time.Time{})
	require.ErrorAs(t, err, &ge)
}

// REPORT_MISSING at its exact boundaries: monthly in Berlin with five
// days' grace, from the month of the agreement (10 January 2026). January
// ends at 23:00 UTC on 31 January, so its report is missing after 23:00
// UTC on 5 February; March ends in summer time, at 22:00 UTC on 31 March.
func TestInstanceMissingReports(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	d, err := e.defs.Get(e.ctx, e.def)
	require.NoError(t, err)
	janDue := time.Date(2026, 2, 5, 23, 0, 0, 0, time.UTC)
	assert.Empty(t, report.MissingReports([]*report.Definition{d}, nil, janDue), "due at the instant, not yet missing")
	f := report.MissingReports([]*report.Definition{d}, nil, janDue.Add(time.Microsecond))
	require.Len(t, f, 1)
	assert.Equal(t, report.CodeReportMissing, f[0].Code)
	assert.Equal(t, "RPT-07", f[0].Requirement.ID)
	assert.Equal(t, "9.4", f[0].Requirement.Clause)
	assert.Equal(t, report.DefinitionKind, f[0].Kind)
	assert.Equal(t, e.def, f[0].EntityID)
	assert.Contains(t, f[0].Detail, insMonth(2026, 1).String())
	assert.Equal(t, janDue.Add(time.Microsecond), f[0].At)

	marDue := time.Date(2026, 4, 5, 22, 0, 0, 0, time.UTC)
	assert.Len(t, report.MissingReports([]*report.Definition{d}, nil, marDue), 2, "January and February")
	assert.Len(t, report.MissingReports([]*report.Definition{d}, nil, marDue.Add(time.Microsecond)), 3, "and March")

	// Issued and closed reports count; a generated one, another
	// definition's, or another period's do not.
	jan := e.issued(t, insMonth(2026, 1), time.Time{})
	feb := e.issued(t, insMonth(2026, 2), time.Time{})
	feb, err = e.svc.Close(e.ctx, insOwner, feb.ID, report.InstanceClosure{})
	require.NoError(t, err)
	mar := e.generated(t, insMonth(2026, 3), time.Time{})
	other := &report.Instance{Status: report.InstanceIssued, Definition: "RPT-OTHER", Period: insMonth(2026, 4)}
	asOf := insAt(2026, 6, 20, 12)
	f = report.MissingReports([]*report.Definition{d, nil}, []*report.Instance{jan, feb, mar, other, nil}, asOf)
	var periods []string
	for _, x := range f {
		periods = append(periods, x.Detail[strings.Index(x.Detail, "period ")+7:strings.Index(x.Detail, ", due")])
	}
	assert.Equal(t, []string{insMonth(2026, 3).String(), insMonth(2026, 4).String(), insMonth(2026, 5).String()}, periods)

	// A draft or retired definition is not due.
	draft := *d
	draft.Status = report.DefinitionDrafted
	assert.Empty(t, report.MissingReports([]*report.Definition{&draft}, nil, asOf))

	// The sweep over the stores says the same.
	fs, err := report.Sweep(e.ctx, e.defs, e.svc, asOf)
	require.NoError(t, err)
	assert.Equal(t, f, fs)

	// A stored report that does not verify counts for nothing.
	forged, err := report.NewInstances(smstest.Tampered[*report.Instance](e.store, jan.ID, func(x *report.Instance) { x.Recipients = nil }), e.defs, e.gens, sms.Options{})
	require.NoError(t, err)
	fs, err = report.Sweep(e.ctx, e.defs, forged, asOf)
	require.NoError(t, err)
	require.Len(t, fs, 5)
	assert.Equal(t, sms.CodeRecordUnverified, fs[0].Code)
	assert.Equal(t, jan.ID, fs[0].EntityID)
	assert.Contains(t, fs[1].Detail, insMonth(2026, 1).String())
	_, err = report.Sweep(e.ctx, nil, e.svc, asOf)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// A fixed cadence runs from the agreement: its periods are aligned on it.
func TestInstanceFixedCadence(t *testing.T) {
	t.Parallel()
	e := insNewEnv(t)
	week := 7 * 24 * time.Hour
	e.clk.Set(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	id := e.agreedDef(t, "RPT-WEEK", func(s *report.DefinitionSpec) { s.Frequency = sms.EveryDuration(week); s.Grace = 0 })
	e.clk.Set(time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC))
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	_, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: id, Period: report.Period{From: start.Add(24 * time.Hour), To: start.Add(8 * 24 * time.Hour)}})
	smstest.RequireRefused(t, err, "RPT-07")
	week1 := func() report.Period { return report.Period{From: start, To: start.Add(week)} }
	x, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: id, Period: week1()})
	require.NoError(t, err)
	x, err = e.svc.Generate(e.ctx, insOwner, x.ID, report.InstanceGeneration{})
	require.NoError(t, err)
	assert.Equal(t, "0 prior periods exist of the 3 the definition asks for", x.TrendNote)
	_, err = e.svc.Review(e.ctx, insReviewer, x.ID, insReview)
	require.NoError(t, err)
	x, err = e.svc.Issue(e.ctx, insOwner, x.ID, insIssue)
	require.NoError(t, err)
	y, err := e.svc.Schedule(e.ctx, insOwner, report.InstanceSchedule{Definition: id, Period: report.Period{From: start.Add(week), To: start.Add(2 * week)}})
	require.NoError(t, err)
	y, err = e.svc.Generate(e.ctx, insOwner, y.ID, report.InstanceGeneration{})
	require.NoError(t, err)
	assert.Equal(t, "1 prior period exists of the 3 the definition asks for", y.TrendNote, "the week before the agreement is not the first week again")
	assert.Equal(t, []report.Period{x.Period, y.Period}, []report.Period{y.Trends[0].Points[0].Period, y.Trends[0].Points[1].Period})
	d, err := e.defs.Get(e.ctx, id)
	require.NoError(t, err)
	f := report.MissingReports([]*report.Definition{d}, []*report.Instance{x, y}, start.Add(3*week))
	require.Len(t, f, 1, "week 2; week 1 is issued, week 3 ends at the instant")
	assert.Contains(t, f[0].Detail, report.Period{From: start.Add(week), To: start.Add(2 * week)}.String())
}

// insFuzz is what the fuzz driver needs.
type insFuzz struct{ insKit }

func (f insFuzz) Start(t testing.TB) string { return f.env.scheduled(t, insMonth(2026, 5)).ID }

func (f insFuzz) Do(ctx context.Context, id string, s smstest.Step) (*report.Instance, error) {
	who := []sms.Actor{insOwner, insReviewer, insBoth, {ID: "nobody"}}[s.Actor%4]
	tr := report.InstanceTrigger(s.Trigger)
	c := insValid[tr]
	switch s.Variant % 3 {
	case 1:
		c = smstest.ZeroCommand(report.InstanceWorkflow(), s.Trigger).(report.InstanceCommand)
	case 2:
		c = map[report.InstanceTrigger]report.InstanceCommand{
			report.TriggerInstanceGenerate: report.InstanceGeneration{Cutoff: insAt(2026, 5, 31, 0)},
			report.TriggerInstanceReview:   report.InstanceReview{Decisions: []string{" "}, Actions: []report.ReportAction{{Text: "x"}}},
			report.TriggerInstanceIssue:    report.InstanceIssue{Recipients: []string{"\xff"}},
			report.TriggerInstanceClose:    report.InstanceClosure{},
			report.TriggerInstanceWithdraw: report.InstanceWithdrawal{Reason: " "},
		}[tr]
	}
	return f.Instances.Do(ctx, who, id, c)
}

func FuzzInstances(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 0, 2, 0, 0, 3, 0, 0})
	f.Add([]byte{0, 0, 2, 0, 0, 0, 1, 2, 0, 1, 1, 0, 4, 0, 0})
	f.Add([]byte{0, 2, 0, 1, 2, 0, 1, 1, 1, 4, 0, 2, 4, 0, 0})
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := insNewEnv(t)
		smstest.FuzzProcess(t, steps, insTriggers(), insFuzz{insKit{env.svc, env}})
	})
}
