package supplier_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/supplier"
)

// The underpinning proof followed down to a contract (SLM-09, SUP-04): an
// SLA's 8-hour resolution on weekday office hours (09:00-17:00, Berlin),
// underpinned by an internal desk's 2-hour diagnosis on the same hours and
// then the supplier contract's fix, round the clock. With a 5-hour fix the
// chain holds with one hour to spare at every start: after the diagnosis
// the SLA has six office hours left, which are at least six hours of the
// clock (exactly six when they fall in one day), against the fix's five.
// With a 7-hour fix the same starts leave it an hour late: the contract is
// the weak link, named.
func TestUnderpinningDownToAContract(t *testing.T) {
	t.Parallel()
	spec := calendar.Spec{Name: "office", Version: 1, Zone: "Europe/Berlin"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(17, 0)}}
	}
	office, err := calendar.New(spec)
	require.NoError(t, err)
	allDay, err := calendar.Always("24x7", 1, "Europe/Berlin")
	require.NoError(t, err)
	cals := func(id string) (*calendar.Calendar, error) {
		switch id {
		case "office@1":
			return office, nil
		case "24x7@1":
			return allDay, nil
		}
		return nil, errors.New("no calendar " + id)
	}
	ola := &servicelevel.Agreement{Type: servicelevel.OLA, Status: servicelevel.StatusActive,
		Targets: []servicelevel.Target{{Metric: "diagnosis", Objective: "2h", Calendar: "office@1"}}}
	ola.ID = "OLA-desk"
	sla := &servicelevel.Agreement{Type: servicelevel.SLA, Status: servicelevel.StatusActive, Targets: []servicelevel.Target{{
		Metric: "resolution", Objective: "8h", Calendar: "office@1",
		Chain: []servicelevel.TargetRef{{Agreement: "OLA-desk", Metric: "diagnosis"}, {Agreement: "CON-acme", Metric: "fix"}},
	}}}
	sla.ID = "SLA-payroll"
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, office.Location())
	for _, tc := range []struct {
		fix   string
		holds bool
		slack time.Duration
	}{{"5h", true, time.Hour}, {"7h", false, -time.Hour}} {
		con := &supplier.Contract{Status: supplier.ContractActive, Supplier: "SUP-ACME"}
		con.ID = "CON-acme"
		con.Targets = []servicelevel.Target{{Metric: "fix", Objective: tc.fix, Calendar: "24x7@1"}}
		al, err := servicelevel.Align(sla, []*servicelevel.Agreement{ola, con.Underpinning()}, cals, from, from.Add(7*24*time.Hour))
		require.NoError(t, err)
		require.Len(t, al, 1)
		assert.Equal(t, tc.holds, al[0].Strictness.Holds, tc.fix)
		assert.Equal(t, tc.slack, al[0].Strictness.Slack, tc.fix)
		if tc.holds {
			assert.Nil(t, al[0].Finding)
			continue
		}
		require.NotNil(t, al[0].Finding)
		assert.Equal(t, servicelevel.CodeUnderpinningWeak, al[0].Finding.Code)
		assert.Contains(t, al[0].Finding.Detail, "CON-acme fix is the weak link")
	}

	// A contract that is not in force underpins nothing.
	ended := &supplier.Contract{Status: supplier.ContractTerminated}
	ended.ID = "CON-acme"
	ended.Targets = []servicelevel.Target{{Metric: "fix", Objective: "1h", Calendar: "24x7@1"}}
	al, err := servicelevel.Align(sla, []*servicelevel.Agreement{ola, ended.Underpinning()}, cals, from, from.Add(7*24*time.Hour))
	require.NoError(t, err)
	require.NotNil(t, al[0].Finding)
	assert.Equal(t, servicelevel.CodeUnderpinningMissing, al[0].Finding.Code)
}
