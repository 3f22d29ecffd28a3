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
// # Audits
//
// [Audits] runs internal audits (AUD-01, AUD-03 to AUD-08): planned in an
// approved programme for one of its areas; prepared with criteria and
// scope; fieldwork, findings and the report by the assigned auditors;
// reported with conformity and effectiveness concluded apart and the
// managers notified; followed up and closed only when every nonconformity
// finding links its nonconformity, then frozen. Impartiality is enforced
// on every path an auditor comes by (plan, assign, add_auditor) and on
// every act of one (start_fieldwork, record_finding, report): someone the
// programme's [Involvement] declares as owning or working in an audited
// area is refused with [sms.ErrForbidden] citing AUD-04, unless an override
// with its justification was approved by the programme's owner, who is
// neither the auditor nor who asked for it. Findings carry the records
// sampled, the query, the seed and the population's digest ([Sample]), and
// conformance check results as evidence ([EvidenceOf]). [Sweep] finds
// AUDIT_OVERDUE and AUDIT_COVERAGE_GAP; [Conform] is check 13 of the
// auditor suite:
//
//	stateDiagram-v2
//	    [*] --> planned: plan
//	    planned --> prepared: prepare
//	    planned --> rescheduled: reschedule
//	    planned --> cancelled: cancel
//	    prepared --> fieldwork: start_fieldwork
//	    prepared --> rescheduled: reschedule
//	    prepared --> cancelled: cancel
//	    fieldwork --> reporting: end_fieldwork
//	    reporting --> reported: report
//	    reported --> follow_up: follow_up
//	    follow_up --> closed: close
//	    rescheduled --> prepared: prepare
//	    rescheduled --> cancelled: cancel
//	    closed --> [*]
//	    cancelled --> [*]
//	    %% planned, in place: add_auditor, approve_override, assign
//	    %% prepared, in place: add_auditor, approve_override, assign
//	    %% fieldwork, in place: acknowledge, add_auditor, record_finding
//	    %% reporting, in place: acknowledge, record_finding
//	    %% reported, in place: link_finding
//	    %% follow_up, in place: link_finding
//	    %% rescheduled, in place: add_auditor, approve_override, assign
//
// # Nonconformity and corrective action
//
// [Nonconformities] keeps nonconformities (NC-01 to NC-09): raised with
// their source and the record it came from (an audit finding, a problem,
// a review, a supplier miss: NC-08), the requirement breached and the
// severity; contained by a correction, or by an explicit reason that none
// is needed; analysed by an owner (causes, the check for similar
// nonconformities, a decision with its rationale); corrective actions with
// owners and due dates, each done on evidence; implemented, with the SMS
// change an authorized change (NC-05); closed only when verified effective,
// on evidence, by another person than the owner, and not before the
// severity's minimum window ([NonconformityPolicy], NC-06); an ineffective
// verification goes back to analysis. A decision that no action is needed
// is closed by an SMS owner other than who decided it, and refused for a
// severity that requires action. [Nonconformities.Sweep] finds
// NC_ACTION_OVERDUE and NC_VERIFY_OVERDUE; [ConformNonconformities] is
// check 14 of the auditor suite:
//
//	stateDiagram-v2
//	    [*] --> raised: raise
//	    raised --> contained: contain
//	    contained --> analysing: analyse
//	    analysing --> action_planned: plan_actions
//	    analysing --> no_action_required: decide_no_action
//	    action_planned --> verifying: implement
//	    no_action_required --> closed: close_no_action
//	    verifying --> analysing: verify_ineffective
//	    verifying --> closed: verify_effective
//	    closed --> [*]
//	    %% raised, in place: note
//	    %% contained, in place: note
//	    %% analysing, in place: note
//	    %% action_planned, in place: complete_action, note
//	    %% no_action_required, in place: note
//	    %% verifying, in place: note
//
// # Continual improvement
//
// [Opportunities] is the improvement register (CI-01 to CI-07), from which
// nothing is deleted: an opportunity logged with its source (an SLA miss,
// a supplier miss, a review, an audit finding, a nonconformity: the record
// it came from, CI-07), evaluated against the criteria in force
// ([CriteriaBook], versioned, CI-02), approved by another person than its
// evaluator with targets in the dimensions the standard names, each with
// baseline and target (CI-03), prioritised, planned and implemented
// (through an authorized change when it touches controlled items, CI-04),
// measured: met or missed is derived from the actuals, and a miss goes to
// follow-up with a further action (CI-05). [Opportunities.Sweep] finds
// IMPROVEMENT_MEASURE_OVERDUE; [Opportunities.Improvements] reports a
// period (CI-01, CI-06):
//
//	stateDiagram-v2
//	    [*] --> logged: log
//	    logged --> evaluated: evaluate
//	    logged --> rejected: reject
//	    evaluated --> approved: approve
//	    evaluated --> rejected: reject
//	    approved --> planned: plan
//	    planned --> in_progress: start
//	    in_progress --> implemented: implement
//	    implemented --> measured: measure
//	    implemented --> follow_up: miss
//	    measured --> closed: close
//	    follow_up --> in_progress: resume
//	    rejected --> [*]
//	    closed --> [*]
//	    %% logged, in place: note
//	    %% evaluated, in place: note
//	    %% approved, in place: note
//	    %% planned, in place: note
//	    %% in_progress, in place: note
//	    %% implemented, in place: note
//	    %% measured, in place: note
//	    %% follow_up, in place: note
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
