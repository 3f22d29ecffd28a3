package servicelevel

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iso20k/sms"
)

// The OpenSLO v1 document, in the order the specification lists its
// fields.
type (
	sloDoc struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   sloMeta `yaml:"metadata"`
		Spec       sloSpec `yaml:"spec"`
	}
	sloMeta struct {
		Name        string            `yaml:"name"`
		DisplayName string            `yaml:"displayName,omitempty"`
		Annotations map[string]string `yaml:"annotations,omitempty"`
	}
	sloSpec struct {
		Description     string         `yaml:"description,omitempty"`
		Service         string         `yaml:"service"`
		Indicator       sloIndicator   `yaml:"indicator"`
		TimeWindow      []sloWindow    `yaml:"timeWindow"`
		BudgetingMethod string         `yaml:"budgetingMethod"`
		Objectives      []sloObjective `yaml:"objectives"`
	}
	sloIndicator struct {
		Metadata sloMeta `yaml:"metadata"`
		Spec     struct {
			RatioMetric struct {
				Counter bool   `yaml:"counter"`
				RawType string `yaml:"rawType"`
				Raw     struct {
					MetricSource struct {
						Type string            `yaml:"type"`
						Spec map[string]string `yaml:"spec"`
					} `yaml:"metricSource"`
				} `yaml:"raw"`
			} `yaml:"ratioMetric"`
		} `yaml:"spec"`
	}
	sloWindow struct {
		Duration  string       `yaml:"duration"`
		Calendar  *sloCalendar `yaml:"calendar,omitempty"`
		IsRolling bool         `yaml:"isRolling"`
	}
	sloCalendar struct {
		StartTime string `yaml:"startTime"`
		TimeZone  string `yaml:"timeZone"`
	}
	sloObjective struct {
		DisplayName     string  `yaml:"displayName"`
		Target          float64 `yaml:"target"`
		TimeSliceTarget float64 `yaml:"timeSliceTarget"`
		TimeSliceWindow string  `yaml:"timeSliceWindow"`
	}
)

// OpenSLO returns the availability objective of plan p as an OpenSLO v1
// SLO document in YAML, measured over window: a calendar cadence becomes
// a calendar-aligned window (1M, 1Q, 1Y, or several) in its zone, whose
// first period is the one containing from; a fixed cadence a rolling
// window of whole minutes. The indicator is the up-time ratio [Measure]
// computes, budgeted in one-minute time slices, each good only when fully
// up.
//
// The format has no service hours, no exceptions and no planned downtime,
// so lost says, one sentence each, what the document cannot express and
// a tool reading it will not apply: the service hours calendar, the
// maintenance windows and authorized changes that make downtime planned,
// the weight of degraded time, exact time (slices count whole minutes), a
// target that has no exact decimal form, and the plan's basis and
// commitment (kept only as annotations). A target of 100 % (the format
// wants one below 1), an empty service name and an invalid window are
// refused with a [*sms.ValidationError].
func OpenSLO(p *AvailabilityPlan, window sms.Cadence, from time.Time) (doc []byte, lost []string, err error) {
	if p == nil {
		return nil, nil, sms.Invalid(PlanKind, "plan", "is nil")
	}
	if err := window.Validate(); err != nil {
		return nil, nil, sms.Invalid(PlanKind, "window", "%v", err)
	}
	if p.TargetDen <= 0 || p.TargetNum <= 0 || p.TargetNum >= p.TargetDen {
		return nil, nil, sms.Invalid(PlanKind, "target", "%d / %d: OpenSLO takes a target in (0, 1)", p.TargetNum, p.TargetDen)
	}
	name := dnsLabel(p.Service)
	if name == "" {
		return nil, nil, sms.Invalid(PlanKind, "service", "%q gives no OpenSLO name", p.Service)
	}
	ratio := big.NewRat(p.TargetNum, p.TargetDen)
	target, _ := ratio.Float64()
	written := strconv.FormatFloat(target, 'f', -1, 64)
	if back, ok := new(big.Rat).SetString(written); !ok || back.Cmp(ratio) != 0 {
		lost = append(lost, fmt.Sprintf("the target %d/%d has no exact decimal form and is written as %s", p.TargetNum, p.TargetDen, written))
	}
	d := sloDoc{APIVersion: "openslo/v1", Kind: "SLO"}
	d.Metadata = sloMeta{Name: name + "-availability", DisplayName: p.Service + " availability", Annotations: map[string]string{
		"sms.iso20k.github.io/plan":    p.ID,
		"sms.iso20k.github.io/edition": strconv.Itoa(p.Edition),
		"sms.iso20k.github.io/hours":   p.Hours,
		"sms.iso20k.github.io/basis":   strings.Join(p.Basis, ", "),
		"sms.iso20k.github.io/target":  fmt.Sprintf("%d/%d", p.TargetNum, p.TargetDen),
	}}
	d.Spec.Description = "Availability of " + p.Service + " within its agreed service hours (" + p.Hours + "), planned downtime excluded (ISO/IEC 20000-1 8.7.1)"
	d.Spec.Service = p.Service
	ind := &d.Spec.Indicator
	ind.Metadata = sloMeta{Name: name + "-uptime", DisplayName: p.Service + " up-time ratio"}
	rm := &ind.Spec.RatioMetric
	rm.RawType = "success"
	rm.Raw.MetricSource.Type = "iso20k-sms"
	rm.Raw.MetricSource.Spec = map[string]string{"service": p.Service, "measure": "servicelevel.Measure"}
	w, err := openSLOWindow(window, from)
	if err != nil {
		return nil, nil, err
	}
	d.Spec.TimeWindow = []sloWindow{w}
	d.Spec.BudgetingMethod = "Timeslices"
	d.Spec.Objectives = []sloObjective{{DisplayName: "availability", Target: target, TimeSliceTarget: 1, TimeSliceWindow: "1m"}}

	lost = append(lost,
		"the service hours: the target counts only within the calendar "+p.Hours+", the document counts every minute of the window",
		"planned downtime: an outage inside an agreed maintenance window or covered by an authorized change does not count against the target, the document has no exceptions",
		"exact time: outages count to the microsecond, the document's slices are whole minutes")
	if p.DegradedPerMille > 0 {
		lost = append(lost, fmt.Sprintf("degraded time, which counts as %d/1000 of down time", p.DegradedPerMille))
	}
	if c := p.Commitment; c != nil {
		lost = append(lost, fmt.Sprintf("the commitment of %s (%d/%d) the target was checked against", c.Agreement, c.Num, c.Den))
		d.Metadata.Annotations["sms.iso20k.github.io/commitment"] = fmt.Sprintf("%s %d/%d", c.Agreement, c.Num, c.Den)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), lost, nil
}

// openSLOWindow returns the document's time window for a valid cadence.
func openSLOWindow(c sms.Cadence, from time.Time) (sloWindow, error) {
	if c.Every > 0 {
		m := c.Every / time.Minute
		if m*time.Minute != c.Every {
			return sloWindow{}, sms.Invalid(PlanKind, "window", "%s is not a whole number of minutes", c.Every)
		}
		return sloWindow{Duration: strconv.FormatInt(int64(m), 10) + "m", IsRolling: true}, nil
	}
	start, _ := c.PeriodOf(from)
	unit := map[sms.CalendarUnit]string{sms.UnitMonth: "M", sms.UnitQuarter: "Q", sms.UnitYear: "Y"}[c.Unit]
	n := c.Count
	if n == 0 {
		n = 1
	}
	zone := c.Zone
	if zone == "" {
		zone = "UTC"
	}
	return sloWindow{Duration: strconv.Itoa(n) + unit, Calendar: &sloCalendar{StartTime: start.Format("2006-01-02 15:04:05"), TimeZone: zone}}, nil
}

// dnsLabel returns s as an RFC 1123 label fit for a name with a suffix of
// up to 13 characters: lower case, runs of other characters as one dash.
func dnsLabel(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > 50 {
		out = strings.TrimRight(out[:50], "-")
	}
	return out
}
