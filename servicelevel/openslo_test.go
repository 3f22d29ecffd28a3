package servicelevel_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/servicelevel"
)

// The availability objective as OpenSLO v1: the golden document, read
// back as YAML with the fields the specification requires, and the list
// of what the format cannot carry.
func TestOpenSLO(t *testing.T) {
	t.Parallel()
	e := newPlanEnv(t)
	p := e.active(t)
	from := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	doc, lost, err := servicelevel.OpenSLO(p, sms.Monthly("Europe/Berlin"), from)
	require.NoError(t, err)
	golden := "testdata/openslo.yaml"
	if *update {
		// The plan's ID is a fresh UUID: the golden file holds a placeholder.
		require.NoError(t, os.WriteFile(golden, []byte(replaceID(string(doc), p.ID)), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), replaceID(string(doc), p.ID))

	var back struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			Service    string
			TimeWindow []struct {
				Duration  string
				IsRolling bool `yaml:"isRolling"`
				Calendar  struct {
					StartTime string `yaml:"startTime"`
					TimeZone  string `yaml:"timeZone"`
				}
			} `yaml:"timeWindow"`
			BudgetingMethod string `yaml:"budgetingMethod"`
			Objectives      []struct{ Target float64 }
		}
	}
	require.NoError(t, yaml.Unmarshal(doc, &back))
	assert.Equal(t, "openslo/v1", back.APIVersion)
	assert.Equal(t, "SLO", back.Kind)
	assert.Equal(t, "payroll-availability", back.Metadata.Name)
	require.Len(t, back.Spec.TimeWindow, 1)
	w := back.Spec.TimeWindow[0]
	// 15 December 12:00 UTC is in the Berlin month that starts on 1 December 00:00 local time.
	assert.Equal(t, "1M", w.Duration)
	assert.Equal(t, "2026-12-01 00:00:00", w.Calendar.StartTime)
	assert.Equal(t, "Europe/Berlin", w.Calendar.TimeZone)
	assert.False(t, w.IsRolling)
	assert.Equal(t, "Timeslices", back.Spec.BudgetingMethod)
	require.Len(t, back.Spec.Objectives, 1)
	assert.InDelta(t, 0.995, back.Spec.Objectives[0].Target, 0) // 995/1000 has an exact decimal form
	assert.Len(t, lost, 4, "service hours, planned downtime, exact time, the commitment: %q", lost)
	assert.Contains(t, lost[0], "service-hours@1")

	// A rolling window; a target with no exact decimal; refusals.
	third := p.Clone()
	third.TargetNum, third.TargetDen, third.Commitment = 2, 3, nil
	doc, lost, err = servicelevel.OpenSLO(third, sms.EveryDuration(30*24*time.Hour), from)
	require.NoError(t, err)
	assert.Contains(t, string(doc), "duration: 43200m")
	assert.Contains(t, lost[0], "2/3 has no exact decimal form")
	for name, c := range map[string]struct {
		p     *servicelevel.AvailabilityPlan
		w     sms.Cadence
		field string
	}{
		"nil":        {nil, sms.Monthly("UTC"), "plan"},
		"100 %":      {func() *servicelevel.AvailabilityPlan { q := p.Clone(); q.TargetNum = q.TargetDen; return q }(), sms.Monthly("UTC"), "target"},
		"no window":  {p, sms.Cadence{}, "window"},
		"no service": {func() *servicelevel.AvailabilityPlan { q := p.Clone(); q.Service = "--"; return q }(), sms.Monthly("UTC"), "service"},
		"seconds":    {p, sms.EveryDuration(90 * time.Second), "window"},
	} {
		_, _, err := servicelevel.OpenSLO(c.p, c.w, from)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, c.field, ve.Field, name)
	}
}

func replaceID(s, id string) string { return strings.ReplaceAll(s, id, "PLAN-ID") }
