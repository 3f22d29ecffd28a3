package servicelevel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
)

// changeBook is the host's change lookup: the changes it knows, each
// covering one service's window.
type changeBook map[string]calendar.Interval

func (b changeBook) Covers(_ context.Context, id, service string, from, to time.Time) (bool, error) {
	w, ok := b[id]
	return ok && service == "payroll" && !from.Before(w.Start) && !to.After(w.End), nil
}

var dec = func(d, hh, mm int) time.Time { return time.Date(2026, 12, d, hh, mm, 0, 0, time.UTC) }

func outages() []servicelevel.Outage {
	return []servicelevel.Outage{
		{ID: "O-1", Service: "payroll", Kind: servicelevel.Unplanned, Start: dec(3, 10, 0), End: dec(3, 12, 0), Investigated: true},
		{ID: "O-2", Service: "payroll", Kind: servicelevel.Unplanned, Start: dec(3, 11, 30), End: dec(3, 12, 30), Investigated: true}, // overlaps O-1
		{ID: "O-3", Service: "payroll", Kind: servicelevel.Planned, Start: dec(12, 22, 0), End: dec(13, 2, 0), Change: "CHG-7"},
		{ID: "O-4", Service: "payroll", Kind: servicelevel.Planned, Start: dec(20, 9, 0), End: dec(20, 10, 0), Change: "CHG-404"},
		{ID: "O-5", Service: "payroll", Kind: servicelevel.Degraded, Start: dec(21, 9, 0), End: dec(21, 12, 0)},
		{ID: "O-6", Service: "mail", Kind: servicelevel.Unplanned, Start: dec(5, 0, 0), End: dec(6, 0, 0)}, // another service
	}
}

// A month of payroll round the clock: two overlapping unplanned outages
// merged (10:00-12:30, 2 h 30), a planned one its change covers (4 h,
// apart), a "planned" one no change covers (1 h, counted down, a
// finding), a degraded one (3 h, apart); every figure worked out by hand.
func TestAvailabilityMonth(t *testing.T) {
	t.Parallel()
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 995, TargetDen: 1000, Hours: always(t, "UTC")}
	book := changeBook{"CHG-7": {Start: dec(12, 21, 0), End: dec(13, 3, 0)}}
	a, err := servicelevel.Measure(context.Background(), req, outages(), dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), book)
	require.NoError(t, err)
	assert.Equal(t, 744*h, a.Agreed, "31 days")
	assert.Equal(t, 3*h+30*m, a.Down, "2 h 30 merged, and the uncovered hour")
	assert.Equal(t, 4*h, a.Planned)
	assert.Equal(t, 3*h, a.Degraded)
	assert.Equal(t, 740*h+30*m, a.Up)
	assert.True(t, a.Met, "740.5 / 744 = 99.5296 %: at least 99.5 %")
	assert.InDelta(t, 99.5296, a.Percent(), 0.0001)
	assert.Equal(t, 3, a.Failures, "O-1 and O-2 are two outages (merged in time, counted apart), and O-4")
	assert.Equal(t, (740*h+30*m)/3, a.MTBF)
	assert.True(t, a.MTRSDefined)
	assert.Equal(t, (3*h+30*m)/3, a.MTRS)
	require.Len(t, a.Findings, 2)
	assert.Equal(t, servicelevel.CodePlannedWithoutChange, a.Findings[0].Code)
	assert.Equal(t, "AVL-06", a.Findings[0].Requirement.ID)
	assert.Equal(t, servicelevel.CodeOutageUninvestigated, a.Findings[1].Code, "the reclassified outage was never investigated")
	assert.Equal(t, "O-4", a.Findings[1].EntityID)

	// The exact comparison: 99.53 % is not met by 99.5296 %.
	req.TargetNum, req.TargetDen = 9953, 10000
	a, err = servicelevel.Measure(context.Background(), req, outages(), dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), book)
	require.NoError(t, err)
	assert.False(t, a.Met)

	// Degraded time weighted a half: 1 h 30 more down.
	req.DegradedPerMille = 500
	a, err = servicelevel.Measure(context.Background(), req, outages(), dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), book)
	require.NoError(t, err)
	assert.Equal(t, 5*h, a.Down)
}

// Within service hours only: weekdays 08:00-18:00. The planned night
// outage of Saturday the 12th lies outside them (no downtime, no finding
// although no change lookup answers); the planned hour on Sunday the 20th
// too; the degraded morning of Monday the 21st counts 3 h apart.
func TestAvailabilityInServiceHours(t *testing.T) {
	t.Parallel()
	s := calendar.Spec{Name: "hours", Version: 1, Zone: "UTC"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		s.Week[wd] = []calendar.Window{{Start: calendar.At(8, 0), End: calendar.At(18, 0)}}
	}
	hours, err := calendar.New(s)
	require.NoError(t, err)
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 99, TargetDen: 100, Hours: hours}
	a, err := servicelevel.Measure(context.Background(), req, outages(), dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	assert.Equal(t, 230*h, a.Agreed, "December 2026: 23 weekdays of 10 h")
	assert.Equal(t, 2*h+30*m, a.Down, "Thursday the 3rd, 10:00-12:30")
	assert.Equal(t, 3*h, a.Degraded)
	assert.Equal(t, 2, a.Failures)
	assert.Empty(t, a.Findings)
	assert.False(t, a.Met, "227.5 / 230 = 98.91 %: below 99 %")
}

// A maintenance window agreed as an exception makes an outage within it
// planned without a change.
func TestMaintenanceWindow(t *testing.T) {
	t.Parallel()
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 99, TargetDen: 100, Hours: always(t, "UTC"),
		Maintenance: []calendar.Interval{{Start: dec(20, 8, 0), End: dec(20, 11, 0)}}}
	a, err := servicelevel.Measure(context.Background(), req, outages()[3:4], dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	assert.Equal(t, h, a.Planned)
	assert.Zero(t, a.Down)
	assert.Empty(t, a.Findings)
}

// A period without failure: MTBF at least the period, MTRS undefined.
func TestAvailabilityWithoutFailure(t *testing.T) {
	t.Parallel()
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 1, TargetDen: 1, Hours: always(t, "UTC")}
	a, err := servicelevel.Measure(context.Background(), req, nil, dec(1, 0, 0), dec(2, 0, 0), nil)
	require.NoError(t, err)
	assert.True(t, a.Met)
	assert.Equal(t, 24*h, a.MTBF)
	assert.True(t, a.MTBFAtLeast)
	assert.False(t, a.MTRSDefined)
	assert.Equal(t, 100.0, a.Percent())
}

func TestAvailabilityRefusesBadInput(t *testing.T) {
	t.Parallel()
	ok := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 99, TargetDen: 100, Hours: always(t, "UTC")}
	from, to := dec(1, 0, 0), dec(2, 0, 0)
	for name, tc := range map[string]struct {
		req     servicelevel.AvailabilityRequirement
		outages []servicelevel.Outage
		from    time.Time
	}{
		"no hours":         {servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 1, TargetDen: 2}, nil, from},
		"target above one": {servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 3, TargetDen: 2, Hours: ok.Hours}, nil, from},
		"period backwards": {ok, nil, to.Add(h)},
		"outage backwards": {ok, []servicelevel.Outage{{ID: "O-9", Service: "payroll", Kind: servicelevel.Unplanned, Start: dec(1, 5, 0), End: dec(1, 4, 0)}}, from},
		"unknown kind":     {ok, []servicelevel.Outage{{ID: "O-9", Service: "payroll", Kind: "meh", Start: dec(1, 4, 0), End: dec(1, 5, 0)}}, from},
	} {
		_, err := servicelevel.Measure(context.Background(), tc.req, tc.outages, tc.from, to, nil)
		var ve *sms.ValidationError
		assert.True(t, errors.As(err, &ve), "%s: %v", name, err)
	}
}
