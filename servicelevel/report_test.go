package servicelevel_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/servicelevel"
)

func incidentJournal(id string, steps ...step) []sms.Entry {
	j := journal(steps...)
	for i := range j {
		j[i].EntityID = id
	}
	return j
}

// A month's report on a payroll SLA: the resolution target for P1 (4 h,
// round the clock) met by one incident and missed by another, with those
// resolved in another month, still open or of another priority left out;
// the incident workload over its limit; the review refused until it names
// the improvement raised (SLM-06).
func TestPeriodReport(t *testing.T) {
	t.Parallel()
	e := newAgreementEnv(t)
	a := e.active(t)
	from, to := servicelevel.Month(time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC), time.UTC)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), from)
	assert.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), to)
	utc := in(t, "UTC")
	res := resolution("", "")
	timer := compile(t, res, always(t, "UTC"))
	journals := [][]sms.Entry{
		incidentJournal("INC-1", step{"log", "new", utc(2026, 12, 2, 9, 0), []string{"priority", "1"}}, step{"resolve", "resolved", utc(2026, 12, 2, 12, 0), nil}), // met: 3 h
		incidentJournal("INC-2", step{"log", "new", utc(2026, 12, 3, 9, 0), []string{"priority", "1"}}, step{"resolve", "resolved", utc(2026, 12, 3, 15, 0), nil}), // missed: 6 h
		incidentJournal("INC-3", step{"log", "new", utc(2026, 11, 3, 9, 0), []string{"priority", "1"}}, step{"resolve", "resolved", utc(2026, 11, 3, 10, 0), nil}), // November
		incidentJournal("INC-4", step{"log", "new", utc(2026, 12, 4, 9, 0), []string{"priority", "1"}}),                                                            // open
		incidentJournal("INC-5", step{"log", "new", utc(2026, 12, 5, 9, 0), []string{"priority", "2"}}, step{"resolve", "resolved", utc(2026, 12, 5, 19, 0), nil}), // P2
	}
	measured := []servicelevel.Measured{{Target: a.Targets[0], Timer: timer, Journals: journals}}
	r, err := servicelevel.PeriodReport(a, measured, map[string]int64{"incidents": 250}, from, to)
	require.NoError(t, err)
	require.Len(t, r.Targets, 2)
	p1 := r.Targets[0]
	assert.Equal(t, 2, p1.Measured)
	assert.Equal(t, 1, p1.Met)
	assert.Equal(t, []string{"INC-2"}, p1.Missed)
	assert.Equal(t, 50.0, p1.Percent())
	assert.Zero(t, r.Targets[1].Measured, "availability is measured by Measure, not by timers")
	assert.Equal(t, 100.0, r.Targets[1].Percent())
	require.Len(t, r.Workload, 1)
	assert.True(t, r.Workload[0].Exceeded, "250 incidents against at most 200")
	assert.True(t, r.NeedsImprovement())

	_, err = e.svc.Review(e.ctx, slm, a.ID, servicelevel.ReviewStart{})
	require.NoError(t, err)
	before := smstestSnap(t, e, a.ID)
	_, err = e.svc.Conclude(e.ctx, slm, a.ID, servicelevel.Conclusion{Text: "P1 missed once", Report: &r})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"SLM-06"}, ge.IDs())
	requireSame(t, e, a.ID, before)
	_, err = e.svc.Conclude(e.ctx, slm, a.ID, servicelevel.Conclusion{Text: "P1 missed once", Report: &r, Improvements: []string{"CSI-12"}})
	require.NoError(t, err)
	j, err := e.svc.Journal(e.ctx, a.ID)
	require.NoError(t, err)
	last := j[len(j)-1]
	missed, _ := sms.Get(last.Payload, "missed")
	assert.Equal(t, "resolution INC-2", missed)
	imp, _ := sms.Get(last.Payload, "improvement")
	assert.Equal(t, "CSI-12", imp)

	draft := e.draft(t, "")
	_, err = servicelevel.PeriodReport(draft, nil, nil, from, to)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a draft was never in force")
	_, err = servicelevel.PeriodReport(a, nil, nil, to, from)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// Trends over the periods that exist, up to the number asked for.
func TestTrends(t *testing.T) {
	t.Parallel()
	mk := func(met, n int) servicelevel.Report {
		return servicelevel.Report{Targets: []servicelevel.TargetResult{{Target: servicelevel.Target{Metric: "resolution"},
			Measured: n, Met: met, AchievementNum: int64(met), AchievementDen: int64(n)}}}
	}
	tr := servicelevel.Trends([]servicelevel.Report{mk(1, 2), mk(3, 4), mk(4, 4), mk(9, 10)}, 3)
	require.Len(t, tr, 1)
	assert.Equal(t, 3, tr[0].Periods)
	assert.Equal(t, []float64{75, 100, 90}, tr[0].Percent)
	tr = servicelevel.Trends([]servicelevel.Report{mk(1, 1)}, 6)
	assert.Equal(t, 1, tr[0].Periods, "a first report says one period exists")
	assert.Nil(t, servicelevel.Trends(nil, 3))
}
