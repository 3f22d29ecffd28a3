package change_test

import (
	"testing"
	"time"

	"github.com/iso20k/sms/change"
	"github.com/stretchr/testify/assert"
)

// TestTrendsSummary: the summary a change-trend review records as its
// input states every figure of the trends, groups sorted by name.
func TestTrendsSummary(t *testing.T) {
	t.Parallel()
	d := func(day int) time.Time { return time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC) }
	tr := change.Trends{From: d(1), To: d(31) /* December 1 */, AsOf: d(28), Raised: 4,
		ByModel:    map[string]int{"normal": 2, "emergency": 1, "standard": 1},
		ByCategory: map[string]int{"security": 1, "database": 3},
		ByService:  map[string]int{"payroll": 4, "portal": 1},
		Successful: 2, Failed: 1, SuccessRate: 2.0 / 3.0, Emergency: 1, EmergencyRatio: 0.25, CausedIncidents: 1,
		Backlog: 2, OldestBacklog: 9*24*time.Hour + 5*time.Hour, MedianBacklog: 20 * time.Hour}
	assert.Equal(t, "Changes raised from 2026-11-01 to 2026-12-01 (as of 2026-11-28): 4; by model: emergency 1, normal 2, standard 1; "+
		"by category: database 3, security 1; by service: payroll 4, portal 1. Implemented: 2 successful, 1 failed (success rate 67%). "+
		"Emergency changes: 1 (25% of those raised). Changes that caused incidents: 1. Backlog: 2 not yet implemented, oldest 9d, median age 20h.",
		tr.Summary())

	empty := change.TrendsOf(nil, d(1), d(31), d(28))
	assert.Equal(t, "Changes raised from 2026-11-01 to 2026-12-01 (as of 2026-11-28): 0. Implemented: 0 successful, 0 failed. "+
		"Emergency changes: 0 (0% of those raised). Changes that caused incidents: 0. Backlog: 0 not yet implemented.", empty.Summary())
}

// TestTrendRequirement: CHG-14 is listed among the package's requirements,
// and the review schedule's values name it.
func TestTrendRequirement(t *testing.T) {
	t.Parallel()
	r := change.TrendRequirement()
	assert.Equal(t, "CHG-14", r.ID)
	assert.Equal(t, "8.5.1.3", r.Clause)
	assert.Contains(t, change.Requirements(), r)
	assert.Equal(t, "change_trends", change.TrendReviewSubject)
	assert.Equal(t, "CHANGE_TREND_REVIEW_OVERDUE", change.CodeTrendReviewOverdue)
}
