// Package audit is internal audit, nonconformity and corrective action,
// and continual improvement (ISO/IEC 20000-1 9.2, 10.1 and 10.2): an audit
// programme whose every area is audited within its cycle, audits run by
// impartial auditors against a declared map of who works where, findings
// with reproducible samples, nonconformities closed only on evidence that
// the action was effective, and an improvement register measured against
// its targets (AUD-01 to AUD-08, NC-01 to NC-09, CI-01 to CI-07).
//
// # Audit programme
//
// [Programmes] keeps audit programmes (AUD-01, AUD-02, AUD-04, AUD-06):
// the cycle within which every area is audited, per area its weight and
// audits per cycle and the result of its last audit, the methods,
// responsibilities and reporting, the retention of audit records (a
// minimum: nothing is ever deleted), and the host's declaration of who
// owns or works in which area ([Involvement]), without which no auditor
// is assigned. The person who approves an edition is its owner, as the
// journal records it:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> approved: approve
//	    draft --> retired: retire
//	    approved --> draft: revise
//	    approved --> retired: retire
//	    retired --> [*]
//	    %% draft, in place: declare_involvement, note, revise
//	    %% approved, in place: declare_involvement, note, record_result
//	    %% retired, in place: note
//
// # Sampling
//
// [Sample] draws the records an auditor examines by ranking each ID by
// SHA-256(seed || ID), so the same seed draws the same records on every
// store and every Go release, and stores the population's digest, so that
// [Sampled.Rederive] later tells whether the population changed.
// [SampleSize] is the attribute sample size at zero expected deviations,
// ceil(ln(1 - confidence) / ln(1 - tolerable rate)): 59 at 95% and 5%.
package audit
