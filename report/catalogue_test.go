package report_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/supplier"
)

// The catalogue holds the fourteen reports of RPT-06 over every store, by
// their names, and leaves out those whose store is not given; every one
// computes an empty month as zeros or undefined.
func TestCatalogue(t *testing.T) {
	all := report.Catalogue(report.CatalogueStores{
		Incidents: memstore.New[*incident.Incident](), Requests: memstore.New[*request.Request](), Problems: memstore.New[*problem.Problem](),
		Changes: memstore.New[*change.Change](), Releases: memstore.New[*release.Release](), Agreements: memstore.New[*servicelevel.Agreement](),
		Outages: memstore.New[*servicelevel.OutageRecord](), Contracts: memstore.New[*supplier.Contract](), ContinuityTests: memstore.New[*continuity.Test](),
		Audits: memstore.New[*audit.Audit](), Nonconformities: memstore.New[*audit.Nonconformity](), Opportunities: memstore.New[*audit.Opportunity](),
	})
	var names []string
	for n, g := range all {
		assert.Equal(t, n, g.Name())
		names = append(names, n)
		c, err := g.Compute(context.Background(), report.Period{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
			time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err, n)
		require.Len(t, c.Figures, len(g.Metrics()), n)
		for _, f := range c.Figures {
			assert.Zero(t, f.Value, "%s %s", n, f.Metric)
		}
	}
	slices.Sort(names)
	assert.Equal(t, []string{"audit-results", "availability", "change-trends", "continuity-tests", "improvement-status", "incident-volumes",
		"major-incidents", "nonconformity-status", "problem-effectiveness", "release-outcomes", "request-volumes", "security-incidents",
		"sla-performance", "supplier-performance"}, names)
	some := report.Catalogue(report.CatalogueStores{Changes: memstore.New[*change.Change]()})
	assert.Len(t, some, 1)
	assert.Contains(t, some, "change-trends")
	assert.Empty(t, report.Catalogue(report.CatalogueStores{}))
}
