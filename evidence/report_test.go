package evidence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/smstest"
)

var (
	rptOwner    = sms.Actor{ID: "rosa", Roles: []sms.Role{report.RoleReportOwner}}
	rptReviewer = sms.Actor{ID: "rene", Roles: []sms.Role{report.RoleReportReviewer}}
	rptDesk     = sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
)

func rptMonth(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }

// The monthly incident report, agreed on 1 January and issued for
// January, February and March, gives the pack for March its trend over
// the three months (2, 4 and 6 incidents reported); a pack for April and
// May, as of 1 June with five days' grace, finds April's report missing
// and not May's.
func TestEvReportTrendsAndMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := smstest.NewClock(rptMonth(time.January))
	opts := sms.Options{Now: clk.Now}
	incStore := memstore.New[*incident.Incident]()
	incs, err := incident.NewService(incStore, incident.Config{Policy: incident.DefaultPolicy(), Options: opts})
	require.NoError(t, err)
	gen := report.IncidentVolumes(incStore)
	defs, err := report.NewDefinitions(memstore.New[*report.Definition](), opts)
	require.NoError(t, err)
	ins, err := report.NewInstances(memstore.New[*report.Instance](), defs, map[string]report.Generator{gen.Name(): gen}, opts)
	require.NoError(t, err)
	d, err := defs.Draft(ctx, rptOwner, report.DefinitionDraft{ID: "RD-INC", Spec: report.DefinitionSpec{Name: "Incident volumes",
		Purpose: "incident workload and trend for the service review", Audience: []string{"service owners"}, Metrics: gen.Metrics(),
		Frequency: sms.Monthly("UTC"), Grace: 5 * 24 * time.Hour, Generator: gen.Name(), TrendPeriods: 3}})
	require.NoError(t, err)
	_, err = defs.Agree(ctx, rptOwner, d.ID, report.DefinitionAgreement{AgreedWith: []string{"customer board"}})
	require.NoError(t, err)

	for i, m := range []time.Month{time.January, time.February, time.March} {
		for k := range 2 * (i + 1) {
			clk.Set(rptMonth(m).Add(time.Duration(k+1) * 24 * time.Hour))
			_, err := incs.Log(ctx, rptDesk, incident.Report{ID: fmt.Sprintf("INC-%d-%d", m, k), Summary: "mail down", Service: "mail",
				Source: incident.SourceUser, Reporter: "carl", ReportedAt: clk.Now()})
			require.NoError(t, err)
		}
		clk.Set(rptMonth(m + 1).Add(2 * 24 * time.Hour))
		id := fmt.Sprintf("RI-%d", m)
		_, err = ins.Schedule(ctx, rptOwner, report.InstanceSchedule{ID: id, Definition: d.ID, Period: report.Period{From: rptMonth(m), To: rptMonth(m + 1)}})
		require.NoError(t, err)
		_, err = ins.Generate(ctx, rptOwner, id, report.InstanceGeneration{})
		require.NoError(t, err)
		_, err = ins.Review(ctx, rptReviewer, id, report.InstanceReview{Decisions: []string{"no action: within the agreed workload"}})
		require.NoError(t, err)
		_, err = ins.Issue(ctx, rptOwner, id, report.InstanceIssue{Recipients: []string{"service owners"}})
		require.NoError(t, err)
	}

	src := evidence.Sources{Incidents: incs, ReportDefinitions: defs, ReportInstances: ins}
	march, err := evidence.Build(ctx, src, evidence.Period{From: rptMonth(time.March), To: rptMonth(time.April).Add(5 * 24 * time.Hour)}, evidence.Options{})
	require.NoError(t, err)
	var logged *evidence.Trend
	for i, tr := range march.Trends {
		assert.Equal(t, "RI-3", tr.Report)
		assert.Equal(t, "RD-INC", tr.Definition)
		assert.Equal(t, "Incident volumes", tr.Title, "named by its definition")
		if tr.Metric == "incidents_logged" {
			logged = &march.Trends[i]
		}
	}
	require.NotNil(t, logged, "%+v", march.Trends)
	for _, m := range gen.Metrics() {
		if m.Name == logged.Metric {
			assert.Equal(t, m.Unit, logged.Unit, "the definition's unit for the metric")
		}
	}
	var values []float64
	for _, p := range logged.Points {
		values = append(values, p.Value)
	}
	assert.Equal(t, []float64{2, 4, 6}, values)
	assert.Equal(t, rptMonth(time.January), logged.Points[0].Period.From)

	_, err = evidence.Build(ctx, evidence.Sources{ReportInstances: ins}, evidence.Period{From: rptMonth(time.April), To: rptMonth(time.June)}, evidence.Options{})
	require.ErrorIs(t, err, sms.ErrInvalid, "definitions and instances come together")
	later, err := evidence.Build(ctx, src, evidence.Period{From: rptMonth(time.April), To: rptMonth(time.June)}, evidence.Options{})
	require.NoError(t, err)
	assert.Empty(t, later.Trends, "no report issued for April or May")
	var missing []string
	for _, s := range later.Sweeps {
		if s.Process == evidence.ProcessReporting {
			for _, f := range s.Findings {
				missing = append(missing, f.Code+" "+f.EntityID+" "+f.Detail)
			}
		}
	}
	require.Len(t, missing, 1, "%v", missing)
	assert.Contains(t, missing[0], "REPORT_MISSING RD-INC")
	assert.Contains(t, missing[0], "2026-04-01")
}
