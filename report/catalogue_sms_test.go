package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

// The populations below are driven through the real process services on
// memstore, in time order on one clock: records before, in and after the
// report period (June 2026), and a few recorded after the cut-off (5
// July). Each test keeps its own account of what it created (the facts)
// and computes every figure from it, independently of the generator.

// catAt returns an instant of 2026, UTC.
func catAt(month, day, hour, min int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, min, 0, 0, time.UTC)
}

var (
	catMay    = report.Period{From: catAt(5, 1, 0, 0), To: catAt(6, 1, 0, 0)}
	catJune   = report.Period{From: catAt(6, 1, 0, 0), To: catAt(7, 1, 0, 0)}
	catJuly   = report.Period{From: catAt(7, 1, 0, 0), To: catAt(8, 1, 0, 0)}
	catCutoff = catAt(7, 5, 0, 0)
	catLater  = catAt(7, 15, 0, 0)
	catCtx    = context.Background()
)

// catKnown reports whether an instant is known at the cut-off: set, and
// not after it.
func catKnown(t, cutoff time.Time) bool { return !t.IsZero() && !t.After(cutoff) }

// catCheck computes g over p as of cutoff and requires the figures want,
// under the generator's metric names, in order.
func catCheck(t *testing.T, g report.Generator, p report.Period, cutoff time.Time, want []float64) report.Computation {
	t.Helper()
	c, err := g.Compute(catCtx, p, cutoff)
	require.NoError(t, err)
	ms := g.Metrics()
	require.Len(t, want, len(ms), "the test's figures")
	require.Len(t, c.Figures, len(ms))
	got := make([]float64, len(ms))
	for i, m := range ms {
		require.Equal(t, m.Name, c.Figures[i].Metric)
		assert.False(t, c.Figures[i].Undefined, m.Name)
		got[i] = c.Figures[i].Value
	}
	assert.Equal(t, want, got, "%s over %s as of %s", g.Name(), p, cutoff.Format(time.RFC3339))
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, c.Digest)
	return c
}

// catJSON is the computation's JSON.
func catJSON(t *testing.T, c report.Computation) string {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return string(b)
}

// catProve runs the checks every generator passes, on a population
// recorded up to the cut-off: the figures of June as of the cut-off and of
// each mid-period cut-off; the same computation twice byte for byte; then,
// once late has recorded more after the cut-off, June as of the cut-off
// unchanged byte for byte, and June, May and July as of a later cut-off
// with the late records counted.
func catProve(t *testing.T, g report.Generator, exp func(report.Period, time.Time) []float64, mids []time.Time, late func()) {
	t.Helper()
	c0 := catCheck(t, g, catJune, catCutoff, exp(catJune, catCutoff))
	for _, m := range mids {
		catCheck(t, g, catJune, m, exp(catJune, m))
	}
	again, err := g.Compute(catCtx, catJune, catCutoff)
	require.NoError(t, err)
	assert.Equal(t, catJSON(t, c0), catJSON(t, again), "the same period and cut-off give the same computation")

	late()
	c1, err := g.Compute(catCtx, catJune, catCutoff)
	require.NoError(t, err)
	assert.Equal(t, catJSON(t, c0), catJSON(t, c1), "data recorded after the cut-off does not change the computation")

	c2 := catCheck(t, g, catJune, catLater, exp(catJune, catLater))
	assert.NotEqual(t, c0.Digest, c2.Digest, "a later cut-off reads the late records")
	assert.Greater(t, c2.Records, 0)
	catCheck(t, g, catMay, catLater, exp(catMay, catLater))
	catCheck(t, g, catJuly, catLater, exp(catJuly, catLater))
}

func TestCatGeneratorNames(t *testing.T) {
	gens := map[string]report.Generator{
		"sla-performance":      report.SLAPerformance(memstore.New[*servicelevel.Agreement]()),
		"availability":         report.AvailabilityAgainstTarget(memstore.New[*servicelevel.OutageRecord]()),
		"supplier-performance": report.SupplierPerformance(memstore.New[*supplier.Contract]()),
		"continuity-tests":     report.ContinuityTests(memstore.New[*continuity.Test]()),
		"audit-results":        report.AuditResults(memstore.New[*audit.Audit]()),
		"nonconformity-status": report.NonconformityStatus(memstore.New[*audit.Nonconformity]()),
		"improvement-status":   report.ImprovementStatus(memstore.New[*audit.Opportunity]()),
	}
	for name, g := range gens {
		assert.Equal(t, name, g.Name())
		ms := g.Metrics()
		require.NotEmpty(t, ms, name)
		seen := map[string]bool{}
		for _, m := range ms {
			assert.Regexp(t, `^[a-z][a-z0-9_]*$`, m.Name, name)
			assert.False(t, seen[m.Name], "%s: %s twice", name, m.Name)
			seen[m.Name] = true
			assert.NotEmpty(t, m.Description)
		}
		ms[0].Name = "changed"
		assert.NotEqual(t, "changed", g.Metrics()[0].Name, "%s: Metrics returns a copy", name)
		// An empty store: every figure zero, no record read.
		c, err := g.Compute(catCtx, catJune, catCutoff)
		require.NoError(t, err)
		assert.Zero(t, c.Records)
		for _, f := range c.Figures {
			assert.Zero(t, f.Value, "%s %s", name, f.Metric)
		}
	}
}

func TestCatRefusals(t *testing.T) {
	g := report.AuditResults(memstore.New[*audit.Audit]())
	var v *sms.ValidationError
	_, err := g.Compute(catCtx, report.Period{From: catJune.To, To: catJune.From}, catCutoff)
	require.ErrorAs(t, err, &v)
	_, err = g.Compute(catCtx, report.Period{}, catCutoff)
	require.ErrorAs(t, err, &v)
	_, err = g.Compute(catCtx, catJune, time.Time{})
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "cutoff", v.Field)
	_, err = report.SLAPerformance(nil).Compute(catCtx, catJune, catCutoff)
	require.ErrorAs(t, err, &v)
	var none *memstore.Store[*continuity.Test]
	_, err = report.ContinuityTests(none).Compute(catCtx, catJune, catCutoff)
	require.ErrorAs(t, err, &v)
	assert.True(t, errors.Is(err, sms.ErrInvalid))
}

// ---- sla-performance

type catSLAReview struct {
	at time.Time
	n  int
}

type catSLAFact struct {
	issued                             time.Time
	targets, missed, exceeded, atIssue int
	reviews                            []catSLAReview
}

type catSLAEnv struct {
	svc   *servicelevel.Agreements
	store *memstore.Store[*servicelevel.Agreement]
	clk   *smstest.Clock
	facts []*catSLAFact
}

var (
	catSLM      = sms.Actor{ID: "sara", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	catSLM2     = sms.Actor{ID: "sven", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	catCustomer = sms.Actor{ID: "cleo", Roles: []sms.Role{servicelevel.RoleCustomer}}
)

func (e *catSLAEnv) active(t *testing.T) string {
	t.Helper()
	a, err := e.svc.Draft(catCtx, catSLM, servicelevel.Draft{Type: servicelevel.SLA, Title: "Payroll SLA", Customer: "hr", Content: servicelevel.Content{
		Services: []string{"payroll"}, Evidence: servicelevel.Evidence{Kind: "signed document", Ref: "DMS-4711"},
		Targets: []servicelevel.Target{
			{Metric: "resolution", Objective: "4h", Calendar: "office@1", Priorities: []string{"1"}},
			{Metric: "availability", Objective: "99.5%", Calendar: "service-hours@1"},
		},
		Limits: []servicelevel.Limit{{Metric: "incidents", Max: 200, Window: "month"}}, NoExceptions: true,
	}})
	require.NoError(t, err)
	_, err = e.svc.Propose(catCtx, catSLM, a.ID, servicelevel.Proposal{})
	require.NoError(t, err)
	_, err = e.svc.Sign(catCtx, catCustomer, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	require.NoError(t, err)
	_, err = e.svc.Sign(catCtx, catSLM2, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	require.NoError(t, err)
	_, err = e.svc.Activate(catCtx, catSLM, a.ID, servicelevel.Activation{})
	require.NoError(t, err)
	return a.ID
}

// issue issues the report of [from, to) at now: the first target missed
// (3 of 4 measured) when missed, the load against the limit of 200.
func (e *catSLAEnv) issue(t *testing.T, now time.Time, id string, p report.Period, missed bool, load int64, imps ...string) (*catSLAFact, servicelevel.Report) {
	t.Helper()
	e.clk.Set(now)
	a, err := e.svc.Get(catCtx, id)
	require.NoError(t, err)
	r, err := servicelevel.PeriodReport(a, nil, map[string]int64{"incidents": load}, p.From, p.To)
	require.NoError(t, err)
	if missed {
		r.Targets[0].Measured, r.Targets[0].Met, r.Targets[0].AchievementNum, r.Targets[0].AchievementDen = 4, 3, 3, 4
		r.Missed = true
	}
	_, err = e.svc.Issue(catCtx, catSLM, id, servicelevel.Issue{Report: r, Improvements: imps})
	require.NoError(t, err)
	f := &catSLAFact{issued: now, targets: 2, atIssue: len(imps)}
	if missed {
		f.missed = 1
	}
	if load > 200 {
		f.exceeded = 1
	}
	e.facts = append(e.facts, f)
	return f, r
}

// review reviews the agreement at now, concluding on the report r with
// the improvements imps.
func (e *catSLAEnv) review(t *testing.T, now time.Time, id string, f *catSLAFact, r servicelevel.Report, imps ...string) {
	t.Helper()
	e.clk.Set(now)
	_, err := e.svc.Review(catCtx, catSLM, id, servicelevel.ReviewStart{})
	require.NoError(t, err)
	_, err = e.svc.Conclude(catCtx, catSLM, id, servicelevel.Conclusion{Text: "the May figures were examined", Report: &r, Improvements: imps})
	require.NoError(t, err)
	f.reviews = append(f.reviews, catSLAReview{at: now, n: len(imps)})
}

func (e *catSLAEnv) expect(p report.Period, cutoff time.Time) []float64 {
	var issued, targets, missed, exceeded, named, without float64
	for _, f := range e.facts {
		if !p.Contains(f.issued) || !catKnown(f.issued, cutoff) {
			continue
		}
		issued++
		targets += float64(f.targets)
		missed += float64(f.missed)
		exceeded += float64(f.exceeded)
		n := f.atIssue
		for _, r := range f.reviews {
			if catKnown(r.at, cutoff) {
				n += r.n
			}
		}
		named += float64(n)
		if f.missed+f.exceeded > 0 && n == 0 {
			without++
		}
	}
	return []float64{issued, targets, missed, exceeded, named, without}
}

func TestCatSLAPerformance(t *testing.T) {
	clk := smstest.NewClock(catAt(4, 1, 9, 0))
	e := &catSLAEnv{store: memstore.New[*servicelevel.Agreement](), clk: clk}
	var err error
	e.svc, err = servicelevel.NewAgreements(e.store, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	april := report.Period{From: catAt(4, 1, 0, 0), To: catMay.From}
	a1, a2, a3 := e.active(t), e.active(t), e.active(t)
	e.issue(t, catAt(5, 3, 9, 0), a1, april, false, 10)              // before the period
	e.issue(t, catAt(6, 3, 9, 0), a1, catMay, true, 250, "CI-1")     // missed and exceeded, named at issue
	f2, r2 := e.issue(t, catAt(6, 10, 9, 0), a2, catMay, true, 10)   // missed, named by the review
	e.review(t, catAt(6, 15, 9, 0), a2, f2, r2, "CI-2", "CI-3")      //
	f3, r3 := e.issue(t, catAt(6, 20, 9, 0), a3, catMay, false, 300) // exceeded, named only after the cut-off
	e.issue(t, catAt(7, 2, 9, 0), a1, catJune, false, 10)            // after the period
	g := report.SLAPerformance(e.store)
	require.Equal(t, []float64{3, 6, 2, 2, 3, 1}, e.expect(catJune, catCutoff)) // the account itself, by hand
	catProve(t, g, e.expect, []time.Time{catAt(6, 12, 0, 0)}, func() {
		e.review(t, catAt(7, 10, 9, 0), a3, f3, r3, "CI-4")
		e.issue(t, catAt(7, 10, 10, 0), a2, catJune, true, 10)
	})
	catCheck(t, g, catJune, catLater, []float64{3, 6, 2, 2, 4, 0})
}

// ---- availability

type catOutageFact struct {
	service                                      string
	kind, corrected                              servicelevel.OutageKind
	correctedAt                                  time.Time
	start, end, recorded, restored, investigated time.Time
}

type catOutageEnv struct {
	svc   *servicelevel.Outages
	store *memstore.Store[*servicelevel.OutageRecord]
	clk   *smstest.Clock
	facts map[string]*catOutageFact
	ids   []string
}

var catAvailability = sms.Actor{ID: "ava", Roles: []sms.Role{servicelevel.RoleAvailabilityManager}}

func (e *catOutageEnv) record(t *testing.T, now time.Time, service string, kind servicelevel.OutageKind, start time.Time) string {
	t.Helper()
	e.clk.Set(now)
	o, err := e.svc.Record(catCtx, catAvailability, servicelevel.OutageReport{Service: service, Kind: kind, Start: start})
	require.NoError(t, err)
	e.facts[o.ID] = &catOutageFact{service: service, kind: kind, start: start, recorded: now}
	e.ids = append(e.ids, o.ID)
	return o.ID
}

func (e *catOutageEnv) restore(t *testing.T, now time.Time, id string, end time.Time) {
	t.Helper()
	e.clk.Set(now)
	_, err := e.svc.Restore(catCtx, catAvailability, id, servicelevel.Restoration{End: end})
	require.NoError(t, err)
	e.facts[id].end, e.facts[id].restored = end, now
}

func (e *catOutageEnv) investigate(t *testing.T, now time.Time, id string) {
	t.Helper()
	e.clk.Set(now)
	_, err := e.svc.Investigate(catCtx, catAvailability, id, servicelevel.Investigation{Incident: "INC-7", Outcome: "a full disk", Actions: []string{"alert on disk space"}})
	require.NoError(t, err)
	e.facts[id].investigated = now
}

func (e *catOutageEnv) correct(t *testing.T, now time.Time, id string, kind servicelevel.OutageKind) {
	t.Helper()
	e.clk.Set(now)
	_, err := e.svc.Correct(catCtx, catAvailability, id, servicelevel.Correction{Kind: kind, Reason: "no change covered it"})
	require.NoError(t, err)
	e.facts[id].corrected, e.facts[id].correctedAt = kind, now
}

// expect counts the outages and the unplanned downtime minute by minute:
// a set of the minutes each service was down.
func (e *catOutageEnv) expect(p report.Period, cutoff time.Time) []float64 {
	var total, unplanned, planned, degraded, investigated float64
	down := map[string]map[int64]bool{}
	for _, id := range e.ids {
		f := e.facts[id]
		if !catKnown(f.recorded, cutoff) {
			continue
		}
		kind := f.kind
		if catKnown(f.correctedAt, cutoff) {
			kind = f.corrected
		}
		end := f.end
		if !catKnown(f.restored, cutoff) {
			end = p.To
			if cutoff.Before(end) {
				end = cutoff
			}
		}
		if !f.start.Before(p.To) || !end.After(p.From) || !end.After(f.start) {
			continue
		}
		total++
		switch kind {
		case servicelevel.Planned:
			planned++
		case servicelevel.Degraded:
			degraded++
		case servicelevel.Unplanned:
			unplanned++
			if catKnown(f.investigated, cutoff) {
				investigated++
			}
			if down[f.service] == nil {
				down[f.service] = map[int64]bool{}
			}
			for m := f.start; m.Before(end); m = m.Add(time.Minute) {
				if p.Contains(m) {
					down[f.service][m.Unix()/60] = true
				}
			}
		}
	}
	minutes := 0
	for _, ms := range down {
		minutes += len(ms)
	}
	return []float64{total, unplanned, planned, degraded, float64(minutes), investigated}
}

func TestCatAvailability(t *testing.T) {
	clk := smstest.NewClock(catAt(4, 1, 9, 0))
	e := &catOutageEnv{store: memstore.New[*servicelevel.OutageRecord](), clk: clk, facts: map[string]*catOutageFact{}}
	var err error
	e.svc, err = servicelevel.NewOutages(e.store, nil, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	un, pl, dg := servicelevel.Unplanned, servicelevel.Planned, servicelevel.Degraded

	o9 := e.record(t, catAt(4, 1, 10, 0), "payroll", un, catAt(4, 1, 9, 0)) // before the period
	e.restore(t, catAt(4, 1, 11, 0), o9, catAt(4, 1, 10, 30))
	o1 := e.record(t, catAt(5, 31, 23, 10), "payroll", un, catAt(5, 31, 23, 0)) // across the period's start
	e.restore(t, catAt(6, 1, 1, 10), o1, catAt(6, 1, 1, 0))
	e.investigate(t, catAt(6, 2, 9, 0), o1)
	o2 := e.record(t, catAt(6, 5, 2, 0), "payroll", pl, catAt(6, 5, 2, 0))
	e.restore(t, catAt(6, 5, 4, 0), o2, catAt(6, 5, 4, 0))
	o3 := e.record(t, catAt(6, 10, 10, 0), "payroll", un, catAt(6, 10, 10, 0)) // o3 and o4 overlap
	o4 := e.record(t, catAt(6, 10, 11, 0), "payroll", un, catAt(6, 10, 11, 0))
	e.restore(t, catAt(6, 10, 12, 0), o3, catAt(6, 10, 12, 0))
	e.restore(t, catAt(6, 10, 13, 0), o4, catAt(6, 10, 13, 0))
	e.investigate(t, catAt(6, 11, 9, 0), o3)
	o5 := e.record(t, catAt(6, 12, 8, 0), "mail", dg, catAt(6, 12, 8, 0))
	e.restore(t, catAt(6, 12, 9, 0), o5, catAt(6, 12, 9, 0))
	o6 := e.record(t, catAt(6, 15, 22, 0), "mail", pl, catAt(6, 15, 22, 0)) // corrected to unplanned
	e.restore(t, catAt(6, 15, 23, 0), o6, catAt(6, 15, 23, 0))
	e.correct(t, catAt(6, 16, 9, 0), o6, un)
	o11 := e.record(t, catAt(6, 18, 0, 0), "mail", un, catAt(6, 18, 0, 0)) // ongoing at the mid cut-off
	e.restore(t, catAt(6, 22, 0, 0), o11, catAt(6, 22, 0, 0))
	o7 := e.record(t, catAt(6, 30, 23, 0), "mail", un, catAt(6, 30, 23, 0))   // ongoing at the cut-off
	o10 := e.record(t, catAt(7, 3, 10, 0), "payroll", un, catAt(7, 3, 10, 0)) // after the period
	e.restore(t, catAt(7, 3, 11, 0), o10, catAt(7, 3, 11, 0))

	require.Equal(t, []float64{8, 6, 1, 1, 60 + 180 + 60 + 4*24*60 + 60, 2}, e.expect(catJune, catCutoff)) // by hand
	g := report.AvailabilityAgainstTarget(e.store)
	catProve(t, g, e.expect, []time.Time{catAt(6, 20, 12, 0), catAt(6, 16, 8, 0)}, func() {
		o8 := e.record(t, catAt(7, 10, 9, 0), "payroll", un, catAt(6, 25, 10, 0)) // in the period, recorded after the cut-off
		e.restore(t, catAt(7, 10, 9, 1), o8, catAt(6, 25, 11, 0))
		e.restore(t, catAt(7, 10, 10, 0), o7, catAt(7, 2, 0, 0))
	})
	catCheck(t, g, catJune, catLater, []float64{9, 7, 1, 1, 60 + 180 + 60 + 4*24*60 + 60 + 60, 2})
}

// ---- supplier-performance

type catReviewFact struct {
	at                       time.Time
	targets, missed, actions int
}

var catSupplierManager = sms.Actor{ID: "mona", Roles: []sms.Role{supplier.RoleSupplierManager}}

func catTerms(start time.Time) supplier.Terms {
	return supplier.Terms{
		Document:       supplier.Document{Ref: "DMS-881", Version: "1.0"},
		Scope:          []string{"database hosting for payroll"},
		Requirements:   []string{"ISO/IEC 27001 certified data centre"},
		Targets:        []servicelevel.Target{{Metric: "fix", Objective: "6h", Calendar: "office@1"}},
		Obligations:    []string{"monthly patching"},
		OurDuties:      []string{"report incidents through the portal"},
		SupplierDuties: []string{"restore service within the target"},
		Interfaces:     []supplier.Interface{{Process: "incident", Contact: "noc@acme.example", Channel: "portal", EscalationPath: "duty manager, then account director"}},
		Term:           supplier.Term{Start: start, Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewNever, NoticeMonths: 3},
	}
}

func TestCatSupplierPerformance(t *testing.T) {
	clk := smstest.NewClock(catAt(4, 1, 9, 0))
	store := memstore.New[*supplier.Contract]()
	svc, err := supplier.NewContracts(store, nil, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	agreed := func() string {
		c, err := svc.Draft(catCtx, catSupplierManager, supplier.ContractDraft{Supplier: "SUP-ACME", Title: "Database hosting", Owner: "mona", Terms: catTerms(catAt(4, 1, 0, 0))})
		require.NoError(t, err)
		_, err = svc.Agree(catCtx, catSupplierManager, c.ID)
		require.NoError(t, err)
		return c.ID
	}
	var facts []catReviewFact
	review := func(now time.Time, id string, p report.Period, fix, patching []string) {
		t.Helper()
		clk.Set(now)
		_, err := svc.AssessPerformance(catCtx, catSupplierManager, id, supplier.PerformanceReview{From: p.From, To: p.To, Results: []supplier.TargetResult{
			{Metric: "fix", Met: len(fix) == 0, Actions: fix}, {Metric: "monthly patching", Met: len(patching) == 0, Actions: patching}}})
		require.NoError(t, err)
		f := catReviewFact{at: now, targets: 2, actions: len(fix) + len(patching)}
		for _, a := range [][]string{fix, patching} {
			if len(a) > 0 {
				f.missed++
			}
		}
		facts = append(facts, f)
	}
	expect := func(p report.Period, cutoff time.Time) []float64 {
		var n, targets, missed, actions float64
		for _, f := range facts {
			if p.Contains(f.at) && catKnown(f.at, cutoff) {
				n++
				targets += float64(f.targets)
				missed += float64(f.missed)
				actions += float64(f.actions)
			}
		}
		return []float64{n, targets, missed, actions}
	}
	april := report.Period{From: catAt(4, 1, 0, 0), To: catMay.From}
	c1, c2 := agreed(), agreed()
	review(catAt(5, 2, 9, 0), c1, april, nil, nil)
	review(catAt(6, 3, 9, 0), c1, catMay, []string{"OPP-1", "OPP-2"}, nil)
	review(catAt(6, 20, 9, 0), c2, catMay, nil, []string{"ACT-9"})
	review(catAt(7, 2, 9, 0), c1, catJune, []string{"OPP-3"}, []string{"ACT-10"})
	require.Equal(t, []float64{2, 4, 2, 3}, expect(catJune, catCutoff))
	catProve(t, report.SupplierPerformance(store), expect, []time.Time{catAt(6, 10, 0, 0)}, func() {
		review(catAt(7, 10, 9, 0), c2, catJune, []string{"OPP-4"}, nil)
	})
}

// ---- continuity-tests

type catTestFact struct {
	ended, executed, reviewed time.Time
	met                       bool
	deficiencies              int
}

type catPlans map[string]continuity.PlanFacts

func (p catPlans) PlanFacts(_ context.Context, id string) (continuity.PlanFacts, error) {
	f, ok := p[id]
	if !ok {
		return continuity.PlanFacts{}, &sms.NotFoundError{Kind: continuity.PlanKind, ID: id}
	}
	return f, nil
}

type catAgreed map[string]continuity.Objectives

func (r catAgreed) Agreed(_ context.Context, service string) (continuity.Objectives, bool, error) {
	o, ok := r[service]
	return o, ok, nil
}

var catContinuityManager = sms.Actor{ID: "cora", Roles: []sms.Role{continuity.RoleContinuityManager}}

func TestCatContinuityTests(t *testing.T) {
	clk := smstest.NewClock(catAt(5, 19, 9, 0))
	store := memstore.New[*continuity.Test]()
	svc, err := continuity.NewTests(store,
		catPlans{"PLN-1": {Status: "active", Version: 3, Services: []string{"payroll", "ledger"}}},
		catAgreed{"payroll": {RTO: 4 * time.Hour, RPO: time.Hour}, "ledger": {RTO: 8 * time.Hour, RPO: 15 * time.Minute}},
		sms.Options{Now: clk.Now})
	require.NoError(t, err)
	facts := map[string]*catTestFact{}
	var ids []string
	schedule := func() string {
		x, err := svc.Schedule(catCtx, catContinuityManager, continuity.TestSchedule{Plan: "PLN-1", Scenario: "loss of the primary data centre", Scheduled: catAt(6, 1, 9, 0)})
		require.NoError(t, err)
		facts[x.ID] = &catTestFact{}
		ids = append(ids, x.ID)
		return x.ID
	}
	// execute records at now a test that ended at ended, eight hours after
	// it started; payroll recovers in 5 h against an RTO of 4 h unless met.
	execute := func(now time.Time, id string, ended time.Time, met bool) {
		t.Helper()
		clk.Set(now)
		payroll := 3 * time.Hour
		if !met {
			payroll = 5 * time.Hour
		}
		_, err := svc.Execute(catCtx, catContinuityManager, id, continuity.TestExecution{Participants: []string{"cora", "ines"}, Evidence: []string{"DOC-77"},
			Started: ended.Add(-8 * time.Hour), Ended: ended, Measurements: []continuity.TestMeasurement{
				{Service: "payroll", Recovery: payroll, DataLoss: time.Hour}, {Service: "ledger", Recovery: 8 * time.Hour, DataLoss: 15 * time.Minute}}})
		require.NoError(t, err)
		facts[id].ended, facts[id].executed, facts[id].met = ended, now, met
	}
	review := func(now time.Time, id string, extra bool) {
		t.Helper()
		clk.Set(now)
		var ds []continuity.Deficiency
		if !facts[id].met {
			ds = append(ds, continuity.Deficiency{Service: "payroll", Action: "pre-stage the payroll database replica"})
		}
		if extra {
			ds = append(ds, continuity.Deficiency{Finding: "the runbook names a retired contact", Action: "update the runbook's contacts"})
		}
		_, err := svc.Review(catCtx, catContinuityManager, id, continuity.TestReview{Conclusions: "the failover worked, slowly", Deficiencies: ds})
		require.NoError(t, err)
		facts[id].reviewed, facts[id].deficiencies = now, len(ds)
	}
	expect := func(p report.Period, cutoff time.Time) []float64 {
		var executed, met, notMet, reviewed, deficiencies float64
		for _, id := range ids {
			f := facts[id]
			if !catKnown(f.executed, cutoff) || !p.Contains(f.ended) {
				continue
			}
			executed++
			if f.met {
				met++
			} else {
				notMet++
			}
			if catKnown(f.reviewed, cutoff) {
				reviewed++
				deficiencies += float64(f.deficiencies)
			}
		}
		return []float64{executed, met, notMet, reviewed, deficiencies}
	}
	t1 := schedule()
	execute(catAt(5, 21, 9, 0), t1, catAt(5, 20, 17, 0), true) // before the period
	clk.Set(catAt(6, 4, 9, 0))
	t2, t3, t4, t5, t6 := schedule(), schedule(), schedule(), schedule(), schedule()
	schedule() // never run
	execute(catAt(6, 5, 18, 0), t2, catAt(6, 5, 17, 0), true)
	review(catAt(6, 6, 9, 0), t2, true)
	execute(catAt(6, 16, 9, 0), t3, catAt(6, 15, 17, 0), false)
	review(catAt(6, 18, 9, 0), t3, true)
	execute(catAt(7, 2, 9, 0), t4, catAt(6, 28, 17, 0), false) // ended in the period, recorded after it
	execute(catAt(7, 3, 12, 0), t6, catAt(7, 3, 10, 0), true)  // after the period
	require.Equal(t, []float64{3, 1, 2, 2, 3}, expect(catJune, catCutoff))
	g := report.ContinuityTests(store)
	catProve(t, g, expect, []time.Time{catAt(6, 17, 0, 0)}, func() {
		review(catAt(7, 10, 9, 0), t4, false)
		execute(catAt(7, 10, 10, 0), t5, catAt(6, 29, 17, 0), true) // ended in the period, recorded after the cut-off
	})
	catCheck(t, g, catJune, catLater, []float64{4, 2, 2, 3, 4})
}

// ---- audit-results

type catProgrammes map[string]audit.ProgrammeFacts

func (p catProgrammes) ProgrammeFacts(_ context.Context, id string) (audit.ProgrammeFacts, error) {
	f, ok := p[id]
	if !ok {
		return audit.ProgrammeFacts{}, &sms.NotFoundError{Kind: audit.ProgrammeKind, ID: id}
	}
	return f, nil
}

var (
	catPat   = sms.Actor{ID: "pat", Roles: []sms.Role{audit.RoleProgrammeOwner}}
	catAlice = sms.Actor{ID: "alice", Roles: []sms.Role{audit.RoleAuditor}}
	catErin  = sms.Actor{ID: "erin", Roles: []sms.Role{audit.RoleAuditee}}
)

type catAuditFact struct {
	reported time.Time
	types    []audit.FindingType
}

func TestCatAuditResults(t *testing.T) {
	clk := smstest.NewClock(catAt(5, 1, 9, 0))
	store := memstore.New[*audit.Audit]()
	svc, err := audit.NewAudits(store, catProgrammes{"AP-1": {Status: "approved", Owner: "olga", Areas: []string{audit.AreaChange},
		Involvement: audit.Involvement{"alice": {audit.AreaIncident}, "bob": {"ops-apac"}, "erin": {audit.AreaChange, "ops-emea"}}}},
		nil, nil, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	facts := map[string]*catAuditFact{}
	var ids []string
	do := func(who sms.Actor, id string, c audit.AuditCommand) {
		t.Helper()
		clk.Advance(time.Minute)
		_, err := svc.Do(catCtx, who, id, c)
		require.NoError(t, err, c.Trigger())
	}
	// fieldwork plans an audit at now and records and confirms its findings.
	fieldwork := func(now time.Time, types ...audit.FindingType) string {
		t.Helper()
		clk.Set(now)
		x, err := svc.Plan(catCtx, catPat, audit.AuditPlanning{Programme: "AP-1", Area: audit.AreaChange, Title: "Change management",
			Window: audit.AuditWindow{Start: now, End: now.Add(30 * 24 * time.Hour)}, Lead: "alice", Auditors: []string{"alice", "bob"}})
		require.NoError(t, err)
		facts[x.ID] = &catAuditFact{types: types}
		ids = append(ids, x.ID)
		if len(types) == 0 {
			return x.ID
		}
		do(catAlice, x.ID, audit.AuditPreparation{Criteria: []string{"ISO/IEC 20000-1:2018 8.5.1"},
			Scope: audit.AuditScope{Services: []string{"payroll"}, Processes: []string{audit.AreaChange}, Units: []string{"ops-emea"}}})
		do(catAlice, x.ID, audit.AuditFieldworkStart{})
		for i, ty := range types {
			do(catAlice, x.ID, audit.FindingRecord{Type: ty, Statement: "finding of type " + string(ty), Criterion: "PRC-4 section 5"})
			do(catErin, x.ID, audit.FindingAcknowledgement{Finding: "F-" + string(rune('1'+i))})
		}
		do(catAlice, x.ID, audit.AuditFieldworkEnd{})
		return x.ID
	}
	reportAt := func(now time.Time, id string) {
		t.Helper()
		clk.Set(now)
		do(catAlice, id, audit.AuditReportIssue{Conformity: "conforms", Effectiveness: "effective", Document: "DOC-AR-7", Notified: []string{"mia"}})
		facts[id].reported = clk.Now()
	}
	audited := func(now time.Time, types ...audit.FindingType) {
		t.Helper()
		id := fieldwork(now, types...)
		reportAt(clk.Now().Add(time.Hour), id)
	}
	expect := func(p report.Period, cutoff time.Time) []float64 {
		out := make([]float64, 5)
		for _, id := range ids {
			f := facts[id]
			if !p.Contains(f.reported) || !catKnown(f.reported, cutoff) {
				continue
			}
			out[0]++
			for _, ty := range f.types {
				switch ty {
				case audit.FindingMajorNC:
					out[1]++
				case audit.FindingMinorNC:
					out[2]++
				case audit.FindingObservation:
					out[3]++
				case audit.FindingOFI:
					out[4]++
				}
			}
		}
		return out
	}
	major, minor, obs, ofi := audit.FindingMajorNC, audit.FindingMinorNC, audit.FindingObservation, audit.FindingOFI
	audited(catAt(5, 28, 9, 0), minor) // before the period
	fieldwork(catAt(6, 1, 9, 0))       // planned only
	audited(catAt(6, 10, 9, 0), major, minor, minor, obs, ofi)
	audited(catAt(6, 25, 9, 0), ofi, obs)
	au5 := fieldwork(catAt(6, 28, 9, 0), major) // reported after the cut-off
	audited(catAt(7, 2, 9, 0), major)           // after the period
	require.Equal(t, []float64{2, 1, 2, 2, 2}, expect(catJune, catCutoff))
	catProve(t, report.AuditResults(store), expect, []time.Time{catAt(6, 20, 0, 0)}, func() {
		reportAt(catAt(7, 10, 9, 0), au5)
		audited(catAt(7, 10, 10, 0), minor)
	})
}

// ---- nonconformity-status

var (
	catQM          = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleQualityManager}}
	catVerifier    = sms.Actor{ID: "vera", Roles: []sms.Role{audit.RoleQualityManager}}
	catSMSOwner    = sms.Actor{ID: "sam", Roles: []sms.Role{audit.RoleSMSOwner}}
	catActionOwner = sms.Actor{ID: "otto", Roles: []sms.Role{audit.RoleActionOwner}}
	catNCReview    = audit.NCReview{ReviewNotes: "CAB minutes reviewed", Causes: []string{"the quorum rule is not in the template"},
		SimilarCheck: audit.NCSimilarCheck{Query: "CAB minutes of the last 12 months"}, Rationale: "the cause recurs"}
)

// catNCFact is a nonconformity as the test made it: when it was raised and
// closed, and the intervals (from, until) in which it had an action or a
// verification overdue (a zero until: still overdue).
type catNCFact struct {
	raised, closed time.Time
	overdue        [][2]time.Time
}

func TestCatNonconformityStatus(t *testing.T) {
	clk := smstest.NewClock(catAt(4, 1, 9, 0))
	store := memstore.New[*audit.Nonconformity]()
	svc, err := audit.NewNonconformities(store, nil, audit.DefaultNonconformityPolicy(), sms.Options{Now: clk.Now})
	require.NoError(t, err)
	const day = 24 * time.Hour
	var facts []*catNCFact
	step := func(now time.Time, who sms.Actor, id string, c audit.NonconformityCommand) {
		t.Helper()
		clk.Set(now)
		_, err := svc.Do(catCtx, who, id, c)
		require.NoError(t, err, c.Trigger())
	}
	// raise raises a minor nonconformity at now and, unless bare, contains
	// it and starts its analysis a minute later each.
	raise := func(now time.Time, bare bool) (string, *catNCFact) {
		t.Helper()
		clk.Set(now)
		x, err := svc.Raise(catCtx, catQM, audit.NCRaise{Description: "changes approved without quorum", Source: audit.SourceInternalAudit,
			SourceRef: "AUD-7#F-1", Area: audit.AreaChange, Requirement: "8.5.1.3", Severity: audit.SeverityMinor})
		require.NoError(t, err)
		f := &catNCFact{raised: now}
		facts = append(facts, f)
		if !bare {
			step(now.Add(time.Minute), catQM, x.ID, audit.NCContain{Correction: "re-approved", Actions: []string{"CAB re-convened"}, Consequences: "none"})
			step(now.Add(2*time.Minute), catQM, x.ID, audit.NCAnalyse{Owner: "olga"})
		}
		return x.ID, f
	}
	plan := func(now time.Time, id string, due time.Time) {
		t.Helper()
		step(now, catQM, id, audit.NCPlanActions{Review: catNCReview, Actions: []audit.NCPlannedAction{{Description: "fix the template", Owner: "otto", Due: due}}})
	}
	complete := func(now time.Time, id string) {
		t.Helper()
		step(now, catActionOwner, id, audit.NCCompleteAction{Action: "A-1", Evidence: "template v4"})
	}
	implement := func(now time.Time, id string) time.Time {
		t.Helper()
		step(now, catQM, id, audit.NCImplement{DocumentRevision: "PROC-CHG-2 v5"})
		return now.Add(30 * day) // the default policy's verification window
	}
	verify := func(now time.Time, id string, f *catNCFact) {
		t.Helper()
		step(now, catVerifier, id, audit.NCVerifyEffective{Evidence: "no CAB without quorum since"})
		f.closed = now
	}

	n5, f5 := raise(catAt(4, 1, 9, 0), false) // verifying, its verification overdue from 1 May
	plan(catAt(4, 1, 10, 0), n5, catAt(4, 3, 9, 0))
	complete(catAt(4, 2, 9, 0), n5)
	f5.overdue = [][2]time.Time{{implement(catAt(4, 2, 10, 0), n5), {}}}
	n1, f1 := raise(catAt(5, 5, 9, 0), false) // closed before the period
	plan(catAt(5, 5, 10, 0), n1, catAt(5, 15, 9, 0))
	complete(catAt(5, 10, 9, 0), n1)
	implement(catAt(5, 11, 9, 0), n1)
	verify(catAt(5, 25, 9, 0), n1, f1)
	n2, f2 := raise(catAt(5, 10, 9, 0), false) // its action overdue from 20 May, done after the cut-off
	plan(catAt(5, 10, 10, 0), n2, catAt(5, 20, 9, 0))
	f2.overdue = [][2]time.Time{{catAt(5, 20, 9, 0), catAt(7, 10, 9, 0)}}
	n3, f3 := raise(catAt(6, 3, 9, 0), false) // raised and closed in the period
	plan(catAt(6, 3, 10, 0), n3, catAt(6, 10, 9, 0))
	n4, f4 := raise(catAt(6, 5, 9, 0), false) // its action overdue from 12 to 14 June, its verification from 14 July
	plan(catAt(6, 5, 10, 0), n4, catAt(6, 12, 9, 0))
	f4.overdue = [][2]time.Time{{catAt(6, 12, 9, 0), catAt(6, 14, 10, 0)}}
	complete(catAt(6, 8, 9, 0), n3)
	implement(catAt(6, 9, 9, 0), n3)
	complete(catAt(6, 14, 10, 0), n4)
	f4.overdue = append(f4.overdue, [2]time.Time{implement(catAt(6, 14, 11, 0), n4), {}}) // its verification overdue from 14 July
	n6, f6 := raise(catAt(6, 15, 9, 0), false)                                            // closed in the period without corrective action
	step(catAt(6, 16, 9, 0), catQM, n6, audit.NCDecideNoAction{Review: catNCReview})
	step(catAt(6, 17, 9, 0), catSMSOwner, n6, audit.NCCloseNoAction{})
	f6.closed = catAt(6, 17, 9, 0)
	verify(catAt(6, 20, 10, 0), n3, f3)
	raise(catAt(6, 28, 9, 0), true) // still raised
	raise(catAt(7, 2, 9, 0), true)  // after the period

	// expect counts as of the end (the period's, or the cut-off if
	// earlier), each interval of overdue known only once it began.
	expect := func(p report.Period, cutoff time.Time) []float64 {
		end := p.To
		if cutoff.Before(end) {
			end = cutoff
		}
		var raised, closed, open, overdue float64
		for _, f := range facts {
			if !catKnown(f.raised, cutoff) {
				continue
			}
			if p.Contains(f.raised) {
				raised++
			}
			if catKnown(f.closed, cutoff) && p.Contains(f.closed) {
				closed++
			}
			if !f.raised.Before(end) || (!f.closed.IsZero() && f.closed.Before(end)) {
				continue
			}
			open++
			for _, iv := range f.overdue {
				if end.After(iv[0]) && (iv[1].IsZero() || end.Before(iv[1])) {
					overdue++
					break
				}
			}
		}
		return []float64{raised, closed, open, overdue}
	}
	require.Equal(t, []float64{4, 2, 4, 2}, expect(catJune, catCutoff))          // raised n3 n4 n6 n9; closed n3 n6; open n5 n2 n4 n9; overdue n5 n2
	require.Equal(t, []float64{2, 0, 4, 3}, expect(catJune, catAt(6, 13, 0, 0))) // n3 n4 raised; n4 overdue too
	g := report.NonconformityStatus(store)
	catProve(t, g, expect, []time.Time{catAt(6, 13, 0, 0), catAt(6, 20, 12, 0)}, func() {
		complete(catAt(7, 10, 9, 0), n2)
		raise(catAt(7, 10, 10, 0), true)
	})
	// The library's own sweep agrees on the records as they stand now.
	found, err := svc.Sweep(catCtx, catLater)
	require.NoError(t, err)
	assert.Len(t, found, 2, "n5's verification and n4's, due 14 July") // the sweep reads the current records
}

// ---- improvement-status

var (
	catIvy  = sms.Actor{ID: "ivy", Roles: []sms.Role{audit.RoleImprovementManager}}
	catOtto = sms.Actor{ID: "otto", Roles: []sms.Role{audit.RoleImprovementManager}}
)

type catOppEvent struct {
	id      string
	trigger audit.OpportunityTrigger
	at      time.Time
}

func TestCatImprovementStatus(t *testing.T) {
	clk := smstest.NewClock(catAt(5, 3, 9, 0))
	store := memstore.New[*audit.Opportunity]()
	book, err := audit.StaticCriteria(audit.ImprovementCriteria{Version: 1, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{{Name: "policy"}, {Name: "cost-benefit"}}})
	require.NoError(t, err)
	svc, err := audit.NewOpportunities(store, book, nil, audit.OpportunityPolicy{}, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	due := catAt(12, 31, 0, 0)
	targets := []audit.ImprovementTarget{{Dimension: audit.DimensionQuality, Metric: "first-time fix rate", Baseline: 0.60, Target: 0.75, Unit: "ratio", HigherIsBetter: true}}
	var events []catOppEvent
	var ids []string
	step := func(now time.Time, who sms.Actor, id string, c audit.OpportunityCommand) {
		t.Helper()
		clk.Set(now)
		_, err := svc.Do(catCtx, who, id, c)
		require.NoError(t, err, c.Trigger())
		events = append(events, catOppEvent{id, c.Trigger(), now})
	}
	logged := func(now time.Time) string {
		t.Helper()
		clk.Set(now)
		x, err := svc.Log(catCtx, catIvy, audit.OpportunityLog{Title: "faster first-line fixes", Description: "a known-error lookup", Area: audit.AreaIncident, Source: audit.FromSuggestion})
		require.NoError(t, err)
		ids = append(ids, x.ID)
		events = append(events, catOppEvent{x.ID, audit.TriggerOpportunityLog, now})
		return x.ID
	}
	started := func(now time.Time, id string) {
		t.Helper()
		step(now, catIvy, id, audit.OpportunityEvaluate{Aligned: true, Verdict: "serves objective 3", Scores: []audit.ImprovementScore{
			{Criterion: "policy", Score: 4, Notes: "in line"}, {Criterion: "cost-benefit", Score: 3, Notes: "two weeks"}}})
		step(now.Add(time.Minute), catOtto, id, audit.OpportunityApprove{Targets: targets, Priority: 2})
		step(now.Add(2*time.Minute), catIvy, id, audit.OpportunityPlan{Owner: "pat", Due: due, Steps: []string{"build the lookup"}})
		step(now.Add(3*time.Minute), catIvy, id, audit.OpportunityStart{})
	}
	met := audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.80}}}
	missed := audit.OpportunityMiss{Action: "add the top 20 known errors", Actuals: []audit.ImprovementActual{{Metric: "first-time fix rate", Value: 0.70}}}
	columns := []audit.OpportunityTrigger{audit.TriggerOpportunityLog, audit.TriggerOpportunityImplement, audit.TriggerOpportunityMeasure,
		audit.TriggerOpportunityMiss, audit.TriggerOpportunityClose, audit.TriggerOpportunityReject}
	expect := func(p report.Period, cutoff time.Time) []float64 {
		out := make([]float64, len(columns))
		for i, col := range columns {
			for _, id := range ids {
				for _, ev := range events {
					if ev.id == id && ev.trigger == col && p.Contains(ev.at) && catKnown(ev.at, cutoff) {
						out[i]++
						break
					}
				}
			}
		}
		return out
	}
	p1 := logged(catAt(5, 3, 9, 0))
	started(catAt(5, 4, 9, 0), p1)
	step(catAt(5, 20, 9, 0), catIvy, p1, audit.OpportunityImplement{})
	p2 := logged(catAt(6, 2, 9, 0))
	step(catAt(6, 3, 9, 0), catIvy, p2, audit.OpportunityReject{Reason: "duplicates another"})
	p3 := logged(catAt(6, 4, 9, 0))
	started(catAt(6, 5, 9, 0), p3)
	step(catAt(6, 5, 12, 0), catIvy, p1, met)
	step(catAt(6, 6, 9, 0), catIvy, p1, audit.OpportunityClose{})
	step(catAt(6, 10, 9, 0), catIvy, p3, audit.OpportunityImplement{})
	step(catAt(6, 15, 9, 0), catIvy, p3, missed)
	step(catAt(6, 16, 9, 0), catIvy, p3, audit.OpportunityResume{Due: due})
	step(catAt(6, 25, 9, 0), catIvy, p3, audit.OpportunityImplement{}) // implemented twice: counted once
	logged(catAt(6, 29, 9, 0))
	step(catAt(7, 2, 9, 0), catIvy, p3, met) // after the period
	require.Equal(t, []float64{3, 1, 1, 1, 1, 1}, expect(catJune, catCutoff))
	g := report.ImprovementStatus(store)
	catProve(t, g, expect, []time.Time{catAt(6, 12, 0, 0)}, func() {
		step(catAt(7, 10, 9, 0), catIvy, p3, audit.OpportunityClose{})
		logged(catAt(7, 10, 10, 0))
	})
	// The register's own report of the period agrees, all of it known.
	c, err := g.Compute(catCtx, catJune, catLater)
	require.NoError(t, err)
	r, err := svc.Improvements(catCtx, catJune.From, catJune.To)
	require.NoError(t, err)
	tt := r.Totals
	want := []float64{float64(tt.Opened), float64(tt.Implemented), float64(tt.Met), float64(tt.Missed), float64(tt.Closed), float64(tt.Rejected)}
	for i, f := range c.Figures {
		assert.Equal(t, want[i], f.Value, f.Metric)
	}
}
