package report

import (
	"context"
	"time"

	"github.com/iso20k/sms"
)

// Entity kinds of the package, as stored.
const (
	DefinitionKind sms.Kind = "report_definition"
	InstanceKind   sms.Kind = "report_instance"
)

// Roles the package's workflows accept.
const (
	// RoleReportOwner defines reports, and schedules, generates and issues
	// their instances (RPT-01 to RPT-03, RPT-05).
	RoleReportOwner sms.Role = "report_owner"
	// RoleReportReviewer reviews an instance, someone other than who
	// generated it: the decisions and actions taken on its findings
	// (RPT-04).
	RoleReportReviewer sms.Role = "report_reviewer"
)

// Metric is one figure a report gives: its name, unit and meaning.
type Metric struct {
	Name        string `json:"name"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
}

// Figure is one metric's value for a period.
type Figure struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Undefined says the value has no meaning for the period (a mean over
	// no records): Value is then 0 and is not to be read.
	Undefined bool `json:"undefined,omitempty"`
}

// Computation is what a generator computed for a period: the figures, in
// the order of its metrics, how many records it read, and the digest of
// their journals as of the cut-off ([Digest]).
type Computation struct {
	Figures []Figure `json:"figures"`
	Records int      `json:"records"`
	Digest  string   `json:"digest"`
}

// Generator computes a report's figures for a period from the library's
// records as their journals stood at the cut-off ([EachJournal]): the
// same period and cut-off give the same computation, byte for byte, for
// as long as the journals are not rewritten; data recorded after the
// cut-off never changes it (it shows as a restatement instead).
// Generators of the default catalogue are in [Catalogue].
type Generator interface {
	// Name identifies the generator in a definition's data sources.
	Name() string
	// Metrics lists the figures Compute returns, in order.
	Metrics() []Metric
	// Compute computes the figures for period as of cutoff.
	Compute(ctx context.Context, period Period, cutoff time.Time) (Computation, error)
}
