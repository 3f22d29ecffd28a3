package evidence

import (
	"time"

	"github.com/iso20k/sms"
)

// Version names the JSON form of a [Pack]; it changes only when a field
// changes meaning or goes, never when one is added.
const Version = "sms-evidence/1"

// Period is the period an evidence pack covers, [From, To); see
// [sms.Period].
type Period = sms.Period

// Pack is the evidence of a whole period across every process, one
// result readable by a machine (its JSON form, [Version]) and rendered for
// a person ([WriteHTML]).
type Pack struct {
	Version string `json:"version"`
	Period  Period `json:"period"`
	// AsOf is the instant the checks and sweeps were run as of: the
	// period's end.
	AsOf time.Time `json:"as_of"`
	// Summary is one row per clause: the checks that evidence it, how
	// many passed and failed, and the records examined.
	Summary []ClauseSummary `json:"summary"`
	// Checks are the conformance checks run, each with its process and,
	// for the 15 checks of the auditor suite, its number.
	Checks []Check `json:"checks"`
	// Sweeps are the open findings of the periodic sweeps, by process.
	Sweeps []Sweep `json:"sweeps"`
	// Verification is the outcome of verifying the stored records against
	// their journals, and of the signed checkpoint where one is given.
	Verification Verification `json:"verification"`
	// Records are the failing records, each with its journal, for the
	// drill-down: every failure and sweep finding names one of them by
	// kind and ID.
	Records []Record `json:"records"`
	// RecordsLeftOut is how many records named by failures and findings
	// were left out of Records, the drill-down being capped.
	RecordsLeftOut int `json:"records_left_out,omitempty"`
	// Diagrams are the lifecycle diagrams of the processes examined.
	Diagrams []Diagram `json:"diagrams"`
	// Trends are the figures of the period's reports over their prior
	// periods.
	Trends []Trend `json:"trends,omitempty"`
}

// ClauseSummary is one clause's row of the summary table.
type ClauseSummary struct {
	Clause   string `json:"clause"`
	Title    string `json:"title"`
	Checks   int    `json:"checks"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
	Examined int    `json:"examined"`
}

// Check is one conformance check's result in the pack.
type Check struct {
	Process string `json:"process"`
	// Number is the check's number in REQUIREMENTS.md section 17 (1 to
	// 15), or 0 for a check of the library's own beyond the suite.
	Number int             `json:"number,omitempty"`
	Result sms.CheckResult `json:"result"`
}

// Sweep is one process's sweep: the open findings as of the period's end.
type Sweep struct {
	Process  string        `json:"process"`
	Findings []sms.Finding `json:"findings"`
}

// Verification is the pack's account of record integrity.
type Verification struct {
	// Records is how many stored records were verified; Unverified lists
	// those that do not verify against their journals.
	Records    int           `json:"records"`
	Unverified []sms.Finding `json:"unverified"`
	// Checkpoint says whether a signed checkpoint was checked and what it
	// found; "" when none was given.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// Record is a failing record with its journal, for the drill-down.
type Record struct {
	Kind    sms.Kind      `json:"kind"`
	ID      string        `json:"id"`
	Status  string        `json:"status"`
	Journal []JournalLine `json:"journal"`
}

// JournalLine is one journal entry as the drill-down shows it.
type JournalLine struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Trigger string    `json:"trigger"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason,omitempty"`
}

// Diagram is a process's lifecycle, in Mermaid's state diagram syntax as
// the workflow draws it ([sms.Workflow.Mermaid]).
type Diagram struct {
	Process string   `json:"process"`
	Kind    sms.Kind `json:"kind"`
	Mermaid string   `json:"mermaid"`
}

// Trend is one report metric over consecutive periods, oldest first: of
// the issued report instance Report, computed under the report definition
// Definition, whose name is Title; Unit is the metric's, as the definition
// declares it.
type Trend struct {
	Report     string  `json:"report"`
	Definition string  `json:"definition,omitempty"`
	Title      string  `json:"title,omitempty"`
	Metric     string  `json:"metric"`
	Unit       string  `json:"unit,omitempty"`
	Points     []Point `json:"points"`
}

// Point is one period's value of a trend.
type Point struct {
	Period    Period  `json:"period"`
	Value     float64 `json:"value"`
	Undefined bool    `json:"undefined,omitempty"`
}
