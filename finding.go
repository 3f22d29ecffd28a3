package sms

import (
	"fmt"
	"time"
)

// Finding is one piece of audit evidence against a record: a conformance
// check that failed or a periodic obligation that is overdue.
type Finding struct {
	// Code is a stable identifier, such as "INCIDENT_CLOSURE_INCOMPLETE" or
	// "MAJOR_REVIEW_OVERDUE".
	Code string `json:"code"`
	// Requirement is the requirement the record fails.
	Requirement Requirement `json:"requirement"`
	Kind        Kind        `json:"kind"`
	EntityID    string      `json:"entity_id"`
	// Detail says what exactly is missing or late.
	Detail string `json:"detail"`
	// At is the as-of time of the check that found it.
	At time.Time `json:"at"`
}

// String implements fmt.Stringer.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s (%s, clause %s): %s", f.Code, f.Kind, f.EntityID, f.Requirement.ID, f.Requirement.Clause, f.Detail)
}

// CheckResult is the outcome of one conformance check over a population of
// records: the evidence format auditors receive, kept stable across
// versions.
type CheckResult struct {
	// Check names the check, such as "incident-closure-completeness".
	Check string `json:"check"`
	// Clause is the clause of ISO/IEC 20000-1:2018 the check evidences.
	Clause string `json:"clause"`
	// Rule states what every record in the population must satisfy.
	Rule string `json:"rule"`
	// Population is how many records the check examined.
	Population int `json:"population"`
	// Failures lists one finding per failing record and requirement.
	Failures []Finding `json:"failures"`
}

// Passed reports whether no record failed.
func (c CheckResult) Passed() bool { return len(c.Failures) == 0 }

// Report is the result of a conformance run. Its JSON form is the
// evidence format, stable across versions (see [ExampleAudit]): "as_of",
// then "results", one per check, each with "check", "clause", "rule",
// "population" (the records examined) and "failures", one per failing
// record and requirement, each with "code", "requirement" ("id", "clause",
// "text"), "kind", "entity_id", "detail" and "at". A run over stored
// records puts first the result of their verification against their
// journals, whose failures are RECORD_UNVERIFIED findings.
type Report struct {
	AsOf    time.Time     `json:"as_of"`
	Results []CheckResult `json:"results"`
}

// Passed reports whether every check passed.
func (r Report) Passed() bool {
	for _, c := range r.Results {
		if !c.Passed() {
			return false
		}
	}
	return true
}

// Findings returns every failure of every check, in order.
func (r Report) Findings() []Finding {
	var out []Finding
	for _, c := range r.Results {
		out = append(out, c.Failures...)
	}
	return out
}

// CodeRecordUnverified is the finding code of a record that does not
// verify against its journal: it cannot be decoded, its journal was
// altered, truncated or extended, or its fields were changed outside the
// pipeline. Conformance never counts such a record as conformant.
const CodeRecordUnverified = "RECORD_UNVERIFIED"

// CheckRecordVerification names the check every process's Conform runs
// over each record before any other: that it verifies against its journal.
const CheckRecordVerification = "record-verification"

// RecordIntegrity is the requirement a record that does not verify fails:
// documented information, the records included, is protected from loss of
// integrity (ISO/IEC 20000-1:2018 clause 7.5.4, control of documented
// information).
func RecordIntegrity() Requirement {
	return Requirement{ID: "SMS-REC", Clause: "7.5.4", Text: "records are protected from loss of integrity: each verifies against its journal"}
}

// NewVerificationResult returns the empty result of the record-verification
// check, for a conformance run to fill with [CheckResult.Unverified] and
// to count its population in.
func NewVerificationResult() CheckResult {
	return CheckResult{Check: CheckRecordVerification, Clause: "7.5.4",
		Rule:     "every record verifies against its journal: the journal's hash chain holds and the record is the state its last entry recorded",
		Failures: []Finding{}}
}

// Unverified adds a RECORD_UNVERIFIED finding for the record id of kind,
// with the error that says what differs, and counts it in the population.
func (c *CheckResult) Unverified(kind Kind, id string, err error, asOf time.Time) {
	c.Population++
	c.Failures = append(c.Failures, Finding{Code: CodeRecordUnverified, Requirement: RecordIntegrity(),
		Kind: kind, EntityID: id, Detail: err.Error(), At: asOf})
}
