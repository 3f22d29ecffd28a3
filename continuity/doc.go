// Package continuity is service continuity management (ISO/IEC 20000-1
// 8.7.2): continuity requirements agreed with the customer, plans
// approved with what they must contain, copied off-site and retested after
// major changes, tests whose met or not met is derived from the
// requirements, and invocations traceable to a plan's criteria and
// authority (CON-01 to CON-12). [Conform] is check 12 of the auditor
// suite over the stored requirements, plans and tests.
//
// # Continuity requirements
//
// [Requirements] keeps each service's continuity requirements (CON-02,
// CON-03): RTO within the MTPD, the minimum service level while invoked,
// dependencies no slower than the service itself (through the host's
// lookup), a basis; agreed by two customer representatives, none of them
// an author, then confirmed; amended by an edition that supersedes it:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> agreed: confirm
//	    draft --> retired: retire
//	    agreed --> superseded: supersede
//	    agreed --> retired: retire
//	    superseded --> [*]
//	    retired --> [*]
//	    %% draft, in place: agree, note, revise
//	    %% agreed, in place: note
//	    %% superseded, in place: note
//	    %% retired, in place: note
//
// # Plans
//
// [Plans] keeps continuity plans (CON-04 to CON-06, CON-08): approved only
// with the invocation criteria and the people who may invoke, the
// procedures for invocation, major loss and return to normal, degraded
// targets, recovery requirements and contacts, for services whose
// requirements are agreed, by another person than the authors; off-site
// copies recorded with the SHA-256 of the version they hold
// ([Plan.Digest]); put in retest after a major change, with a due date.
// [Plans.Sweep] finds OFFSITE_COPY_STALE, CONT_PLAN_MISSING and
// RETEST_OVERDUE:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> approved: approve
//	    draft --> retired: retire
//	    approved --> active: activate
//	    approved --> under_revision: revise
//	    approved --> retired: retire
//	    active --> retest_required: require_retest
//	    active --> under_revision: revise
//	    active --> retired: retire
//	    retest_required --> active: retested
//	    retest_required --> retired: retire
//	    under_revision --> approved: approve
//	    under_revision --> retired: retire
//	    retired --> [*]
//	    %% draft, in place: note, revise
//	    %% approved, in place: note, record_copy
//	    %% active, in place: note, record_copy
//	    %% retest_required, in place: note, record_copy
//	    %% under_revision, in place: note, revise
//	    %% retired, in place: note
//
// # Tests
//
// [Tests] records plan tests (CON-07, CON-09 to CON-11): scheduled for a
// plan in force; executed with participants, evidence and the measured
// recovery time and data loss per service, met or not met derived from the
// agreed objectives ([JudgeTest]: 5 h against a 4 h RTO is a deficiency);
// reviewed with an action for every deficiency; closed. [TestSweep] finds
// PLAN_TEST_OVERDUE:
//
//	stateDiagram-v2
//	    [*] --> planned: schedule
//	    planned --> executed: execute
//	    planned --> withdrawn: withdraw
//	    executed --> reviewed: review
//	    reviewed --> closed: close
//	    closed --> [*]
//	    withdrawn --> [*]
//
// # Invocations
//
// [Invocations] records real invocations (CON-10 to CON-12): invoked by a
// person among the plan's authorities (the acting actor), for a major
// incident, with the criteria met or an override reason; recovering;
// degraded operation with the degraded targets measured and the recovery
// achieved compared with each service's RTO; return to normal by its
// procedure; reviewed with an action for every deficiency; closed:
//
//	stateDiagram-v2
//	    [*] --> invoked: invoke
//	    invoked --> recovering: recovery_started
//	    recovering --> degraded_operation: recovered
//	    degraded_operation --> normal: return_to_normal
//	    normal --> reviewed: review
//	    reviewed --> closed: close
//	    closed --> [*]
//
// # Risk assessments
//
// [RiskAssessments] keeps one register of the documented risk assessments
// of each service (CON-01, AVL-01): of its continuity or of its
// availability, each risk with its owner, likelihood and impact from 1 to
// 5, and treatment; reassessed in place, the journal keeping the earlier
// risks. [RiskAssessments.Sweep] finds CONT_RISK_OVERDUE and
// AVAIL_RISK_OVERDUE once the next due date of a cadence plus a grace has
// passed:
//
//	stateDiagram-v2
//	    [*] --> current: assess
//	    current --> retired: retire
//	    retired --> [*]
//	    %% current, in place: note, reassess
//	    %% retired, in place: note
package continuity
