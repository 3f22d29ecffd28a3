// Package supplier is supplier management (ISO/IEC 20000-1 8.3.4, 8.2.3):
// external and internal suppliers, their contracts with renewal and
// notice, performance and contract reviews, amendments assessed before
// they are agreed, and disputes managed to closure (SUP-01 to SUP-14).
//
// # Suppliers
//
// [Suppliers] runs suppliers, external or internal: proposed, evaluated
// against versioned criteria (SUP-12), approved by another person than
// the evaluator, activated only with the person responsible named
// (SUP-01) and, for an external one, under a contract in force (SUP-02),
// for an internal one under its internal agreement (SUP-11), with the SMS
// processes it operates and its subcontractors known (SUP-14), suspended,
// exited under a plan and terminated (SUP-13). Its lifecycle:
//
//	stateDiagram-v2
//	    [*] --> proposed: propose
//	    proposed --> evaluated: evaluate
//	    proposed --> terminated: terminate
//	    evaluated --> approved: approve
//	    evaluated --> rejected: reject
//	    evaluated --> terminated: terminate
//	    approved --> active: activate
//	    approved --> terminated: terminate
//	    active --> suspended: suspend
//	    active --> exiting: begin_exit
//	    suspended --> active: reinstate
//	    suspended --> exiting: begin_exit
//	    exiting --> terminated: terminate
//	    rejected --> [*]
//	    terminated --> [*]
//	    %% proposed, in place: update
//	    %% evaluated, in place: update
//	    %% approved, in place: update
//	    %% active, in place: update
//	    %% suspended, in place: update
//	    %% exiting, in place: update
//
// # Contracts
//
// [Contracts] runs contracts: agreed only with their document, scope,
// requirements, targets (the servicelevel target schema, so that an SLA
// target's underpinning chain reaches a contract: [Contract.Underpinning])
// or obligations, both sides' responsibilities (SUP-03) and interfaces
// (SUP-05); their performance reviewed with an action for each miss
// (SUP-06, SUP-07); reviewed against the current requirements with an
// outcome, a misalignment with the SLAs recorded as a risk with an owner
// (SUP-04, SUP-08); amended only once the impact on the services and the
// SMS is assessed and the change, if any, authorized (SUP-09); renewed
// tacitly or expressly under a [Term] whose dates are exact at month ends;
// ended only with the exit planned (SUP-13). [Conform] is check 10 of the
// auditor suite and [Sweep] finds SUPPLIER_NO_CONTRACT,
// SUPPLIER_REVIEW_OVERDUE and CONTRACT_REVIEW_OVERDUE. Its lifecycle:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> active: agree
//	    draft --> terminated: terminate
//	    active --> under_review: review
//	    active --> amendment_pending: propose_amendment
//	    active --> expired: expire
//	    active --> terminated: terminate
//	    under_review --> active: conclude_review
//	    under_review --> expired: expire
//	    under_review --> terminated: terminate
//	    amendment_pending --> active: agree_amendment, withdraw_amendment
//	    amendment_pending --> terminated: terminate
//	    expired --> [*]
//	    terminated --> [*]
//	    %% draft, in place: note, revise
//	    %% active, in place: assess_performance, give_notice, note, plan_exit, renew
//	    %% under_review, in place: assess_performance, give_notice, note, plan_exit, renew
//	    %% amendment_pending, in place: assess_impact, assess_performance, give_notice, note, plan_exit, renew
//	    %% expired, in place: note
//	    %% terminated, in place: note
//
// # Disputes
//
// [Disputes] records disputes with suppliers and manages them to closure
// (SUP-10): raised under a known contract with the dispute's supplier,
// investigated by an owner, escalated up the contract's path (management,
// legal, arbitration), a resolution proposed and accepted by both parties,
// each by a person of its own (accept_resolution once per side, then
// resolve), closed with its follow-up actions, or withdrawn with a reason.
// [Disputes.Sweep] finds open disputes without a journal entry within the
// policy's period (DISPUTE_STALE). Its lifecycle:
//
//	stateDiagram-v2
//	    [*] --> raised: raise
//	    raised --> investigating: investigate
//	    raised --> withdrawn: withdraw
//	    investigating --> escalated: escalate
//	    investigating --> resolution_proposed: propose_resolution
//	    investigating --> withdrawn: withdraw
//	    escalated --> resolution_proposed: propose_resolution
//	    escalated --> withdrawn: withdraw
//	    resolution_proposed --> escalated: escalate
//	    resolution_proposed --> resolved: resolve
//	    resolution_proposed --> withdrawn: withdraw
//	    resolved --> closed: close
//	    resolved --> withdrawn: withdraw
//	    closed --> [*]
//	    withdrawn --> [*]
//	    %% raised, in place: note
//	    %% investigating, in place: note
//	    %% escalated, in place: escalate, note
//	    %% resolution_proposed, in place: accept_resolution, note, propose_resolution
//	    %% resolved, in place: note
package supplier
