// Package servicelevel is service level management (ISO/IEC 20000-1 8.3.3):
// the timers that measure a record's response and resolution commitments
// against a business calendar (SLM-10, INC-15).
//
// A timer is data ([TimerDef]): the conditions on a journal's entries that
// start, pause, resume, stop, reset or cancel it, its targets, the calendar
// whose working time it counts, its warning thresholds and its policies.
// Its state ([Timer]) is a pure function of the definition's version, the
// calendar's version and the journal: [TimerDef.Apply] folds entries into
// it, and a journal applied in any chunks gives the state one pass gives.
// The package reads [sms.Entry] values and imports no process package, so
// one definition times incidents, requests, problems or changes alike.
//
// A breach is a flag, not a state: the timer keeps measuring the time over
// its target (the clarifications of SLM-10). Both versions are pinned
// when the timer starts; [TimerDef.Apply] refuses another, and
// [Restate] says what an open timer would be under new versions, for the
// host to apply or not, while a closed timer's result never changes.
//
// [Measure] computes a service's availability over a period within its
// agreed service hours (AVL-04), overlapping outages merged, planned
// downtime counted as planned only where an authorized change or an agreed
// maintenance window covers it (AVL-06), uninvestigated unplanned outages
// found (AVL-05), MTBF and MTRS derived (AVL-07), in exact integer
// arithmetic.
//
// [PeriodReport] reports an agreement's targets and workload limits over a
// period (SLM-04, SLM-05), [Month] gives the customer's calendar month,
// [Trends] the achievement over the periods that exist; a review of a
// period that missed a target is concluded only with the improvements
// raised (SLM-06). [Underpins] checks that a chain of underpinning targets
// is at least as strict as the target it supports, as worst-case
// deadlines on their own calendars (SLM-09); [Align] is the alignment
// report of an SLA: each target's chain (Target.Chain) resolved among the
// internal agreements in force, judged, and a finding naming the weak
// link where it is looser.
//
// Reports are issued on the agreement ([Agreements.Issue]), their flags
// checked against their figures; [Agreements.Sweep] finds, under the
// host's [Periodic] obligations, each live service without an SLA in
// force (SLA_MISSING, SLM-02), each reporting period ended without a report
// (SLA_REPORT_MISSING) and each overdue review (SLA_REVIEW_OVERDUE, SLM-04),
// each exceeded workload limit without an action (WORKLOAD_LIMIT_EXCEEDED,
// SLM-05); [Agreements.Conform] is check 9 of the auditor suite.
//
// [OpenSLO] exports a plan's availability objective as an OpenSLO v1
// document, with the list of what that format cannot express (service
// hours, exceptions and planned downtime, exact time).
//
// # Agreements
//
// [Agreements] runs service level agreements and internal agreements
// (SLM-01, SLM-03, SLM-04, SLM-07, SLM-11). Its lifecycle, drawn from the
// workflow table:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> negotiating: propose
//	    draft --> terminated: terminate
//	    negotiating --> active: activate
//	    negotiating --> terminated: terminate
//	    active --> under_review: review
//	    active --> superseded: supersede
//	    active --> expired: expire
//	    active --> terminated: terminate
//	    under_review --> active: conclude
//	    under_review --> superseded: supersede
//	    under_review --> expired: expire
//	    under_review --> terminated: terminate
//	    superseded --> [*]
//	    expired --> [*]
//	    terminated --> [*]
//	    %% draft, in place: note, revise
//	    %% negotiating, in place: note, revise, sign
//	    %% active, in place: note, report
//	    %% under_review, in place: note, report
//	    %% superseded, in place: note
//	    %% expired, in place: note
//	    %% terminated, in place: note
//
// # Outages
//
// [Outages] keeps the outage records [Measure] counts (AVL-04 to AVL-06):
// corrections are journal entries, an unplanned outage closes only once
// investigated, planned downtime only under an authorized change. Its
// lifecycle:
//
//	stateDiagram-v2
//	    [*] --> ongoing: record
//	    ongoing --> restored: restore
//	    restored --> closed: close
//	    closed --> [*]
//	    %% ongoing, in place: correct, investigate, note
//	    %% restored, in place: correct, investigate, note
//	    %% closed, in place: note
//
// # Availability plans
//
// [Plans] keeps each service's documented availability requirement
// (AVL-01 to AVL-03): a target within named service hours, what it is
// based on, at least the availability its agreement commits to, approved
// only after its risks were assessed and by another person than its
// authors, amended by an edition that supersedes it on approval.
// [Plans.Sweep] finds overdue risk assessments (AVAIL_RISK_OVERDUE) and
// reviews; [Outages.Sweep] unplanned outages not investigated in time
// (OUTAGE_NOT_INVESTIGATED); [ConformAvailability] is check 11 of the
// auditor suite. Its lifecycle:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> active: approve
//	    draft --> retired: retire
//	    active --> superseded: supersede
//	    active --> retired: retire
//	    superseded --> [*]
//	    retired --> [*]
//	    %% draft, in place: assess, note, revise
//	    %% active, in place: assess, note, review
//	    %% superseded, in place: note
//	    %% retired, in place: note
package servicelevel
