// Package change implements change management, ISO/IEC 20000-1:2018 clause
// 8.5.1, with service design and transition, clause 8.5.2, as typed
// entities and workflows that refuse what the standard does not allow.
//
// Three kinds of record are kept, each with its own workflow and journal:
// the [Change] (kind "change"), the [TransitionPlan] of a change routed
// through service design and transition (kind "transition_plan"), and the
// standard-change [Template] (kind "change_template"). One [Service] runs
// them on three stores; [Service.Plans] and [Service.Templates] reach the
// last two.
//
// # Policy and models
//
// The [Policy] is versioned and approved, and every change stores the
// version it was judged under (CHG-01 to CHG-03). It lists the
// configuration item types under change control, the taxonomy, the
// criteria for major impact, and the change models: each [Model] has a
// type (normal, standard or emergency), its change authority as an
// [sms.ApprovalRule] (stricter ones by risk score), a lead time, a test
// requirement, and whether it may skip notification or review. A policy
// without an emergency model is not activated. Whatever a policy says, the
// requester and the implementer of a change never approve it (CHG-19).
//
// # Segregation of duties
//
// CHG-19 is judged on who acted, as the journal records it, and on whom a
// command names as well, never on a name alone. Each record keeps its
// Parties ([sms.Participants], bound to the journal by the state digest):
// on a [Change], the requester is the person the request names and every
// actor who raised or submitted it (a service desk raising for a caller is
// a requester too); the implementer is every person a schedule named and
// every actor who started, completed or failed the implementation; each
// approver is an actor who approved. On a [Template] and a
// [TransitionPlan], the author is the author named and every actor who
// proposed, drafted or revised it. The rules, each refused inside the
// transition with a [*sms.ForbiddenError] citing its requirement; the
// decisions are the rules' approval gates ([sms.ApprovalGate]), which the
// kernel checks before the segregation rules and the guards (an actor who
// holds none of a gated trigger's roles is refused citing the gate's
// requirement):
//
//   - approve, and reject in authorize: a role of the change authority of
//     the change's model and risk, and approve once (CHG-06, the gate);
//     never a requester or an implementer (CHG-19, the gate);
//   - schedule: an approver is never named implementer (CHG-19);
//   - start_implementation, complete, fail: an approver never implements,
//     as the acting actor or as the implementer the schedule names
//     (CHG-19);
//   - remediation_done accepting a degraded service: only an eligible
//     approver, neither requester nor implementer (CHG-12);
//   - a template's approve: a role of the standard model's authority and
//     once per approver (CHG-18, the gate), never by an author (CHG-19,
//     the gate); a plan's approve: a change manager or a service owner
//     (SDT-01, the gate), never an author (CHG-19, the gate).
//
// Every trigger takes its own command type (a [Note] fires note only): a
// command of another trigger's type is refused as invalid input.
//
// # Lifecycle of a change
//
// Normal changes pass through every state; standard changes skip assess and
// authorize; emergency changes skip assess. The kernel's table maps a
// trigger and a source status to one rule, so the three ways out of draft
// are three triggers, each refusing a change of another model type
// (CHG-02): submit (normal, to assess), submit_emergency (to authorize,
// justified, with a remediation plan; its assessment is due afterwards
// within the policy's window, CHG-17) and submit_standard (to scheduled,
// from an active template and within its scope, CHG-18).
//
// In assess the change is assessed: risk as likelihood and impact, business
// benefit, feasibility, cost, the five impact dimensions, and the
// remediation plan (CHG-07, CHG-08, CHG-11). A change with major impact, or
// one that adds, removes or transfers a service, names a transition plan,
// and is authorized only once that plan is approved (CHG-05). In authorize,
// each approver of the model's authority records a decision with its
// rationale (approve, in place); authorize moves the change on once the
// quorum of distinct, eligible approvers is reached, with a priority
// (CHG-06). In scheduled, schedule sets the window, plan, implementer and
// interested parties; another change scheduled on the same service or
// configuration item in an overlapping window must be acknowledged
// (CHG-08); notify records the notification, which start_implementation
// requires, with verification and test evidence, within the window (CHG-09,
// CHG-10). The outcome is complete, or fail and remediation_done (rolled
// back, remedied forward, or a degraded service accepted by an approver,
// CHG-12). In review the post-implementation review is recorded; close
// requires it (unless the model skips it for a successful change), the
// configuration updates of every controlled item or "no configuration
// impact" (CHG-15), and for an emergency change its retrospective
// assessment (CHG-17). A change is cancelled only before implementation
// (CHG-20). A failed standard change suspends its template (CHG-18).
//
//	stateDiagram-v2
//	    [*] --> draft: raise
//	    draft --> assess: submit
//	    draft --> authorize: submit_emergency
//	    draft --> scheduled: submit_standard
//	    draft --> cancelled: cancel
//	    assess --> authorize: complete_assessment
//	    assess --> rejected: reject
//	    assess --> cancelled: cancel
//	    authorize --> scheduled: authorize
//	    authorize --> rejected: reject
//	    authorize --> cancelled: cancel
//	    scheduled --> implement: start_implementation
//	    scheduled --> cancelled: cancel
//	    implement --> remediating: fail
//	    implement --> review: complete
//	    remediating --> review: remediation_done
//	    review --> closed: close
//	    closed --> [*]
//	    rejected --> [*]
//	    cancelled --> [*]
//	    %% draft, in place: amend, link, note
//	    %% assess, in place: link, note
//	    %% authorize, in place: approve, link, note, record_assessment
//	    %% scheduled, in place: link, note, notify, record_assessment, schedule
//	    %% implement, in place: link, note, notify, record_assessment
//	    %% remediating, in place: link, note, record_assessment
//	    %% review, in place: link, note, record_assessment, review
//	    %% closed, in place: note
//	    %% rejected, in place: note
//	    %% cancelled, in place: note
//
// # Transition plans
//
// A [TransitionPlan] (SDT-01 to SDT-06) is drafted for a change, approved
// complete (accountability, activities with timescales, resources,
// dependencies, testing, acceptance criteria, measurable outcomes, and the
// removal or transfer details of its variant), designed, built and tested
// against its criteria (a failure is decided on by named participants),
// transitioned through an approved release (which the host's
// [ReleaseLookup] confirms), and closed once its outcomes are reported
// against the intended ones to interested parties.
//
//	stateDiagram-v2
//	    [*] --> draft: plan
//	    draft --> approved: approve
//	    draft --> cancelled: cancel
//	    approved --> designing: start_design
//	    approved --> cancelled: cancel
//	    designing --> build_test: complete_design
//	    designing --> cancelled: cancel
//	    build_test --> accepted: pass_acceptance
//	    build_test --> acceptance_failed: fail_acceptance
//	    build_test --> cancelled: cancel
//	    accepted --> transitioning: start_transition
//	    accepted --> cancelled: cancel
//	    acceptance_failed --> build_test: rework
//	    acceptance_failed --> accepted: accept_with_conditions
//	    acceptance_failed --> cancelled: cancel
//	    transitioning --> early_life: complete_transition
//	    early_life --> reported: report
//	    reported --> closed: close
//	    closed --> [*]
//	    cancelled --> [*]
//	    %% draft, in place: note, revise
//	    %% approved, in place: note
//	    %% designing, in place: note
//	    %% build_test, in place: note
//	    %% accepted, in place: note
//	    %% acceptance_failed, in place: note
//	    %% transitioning, in place: note
//	    %% early_life, in place: note
//	    %% reported, in place: note
//	    %% closed, in place: note
//	    %% cancelled, in place: note
//
// # Standard-change templates
//
// A [Template] is proposed with its procedure, remediation plan and scope,
// approved by the standard model's authority (never by its author),
// activated, reviewed at its interval, suspended after a failed instance
// and reinstated only on a review of the failure and a new approval.
//
//	stateDiagram-v2
//	    [*] --> proposed: propose
//	    proposed --> active: activate
//	    proposed --> retired: retire
//	    active --> suspended: suspend
//	    active --> retired: retire
//	    suspended --> active: activate
//	    suspended --> retired: retire
//	    retired --> [*]
//	    %% proposed, in place: approve, note, revise
//	    %% active, in place: note, review
//	    %% suspended, in place: approve, note, revise
//	    %% retired, in place: note
//
// The diagrams are generated by [sms.Workflow.Mermaid] from the workflow
// tables and kept in sync by a golden test.
//
// # Requirements
//
// [Requirements] is the catalogue of the three workflows: every guard,
// required field and approval gate cites its requirement by ID (with a
// sentence of its own where it says more), the workflow fills in the
// clause and refuses an ID the catalogue lacks, and the conformance
// findings carry the catalogue's sentences. CHG-01 and CHG-03 are the
// policy's: it is activated only versioned, with versioned major-impact
// criteria, and every change records both versions (required fields of
// raise and of the submissions). CHG-14 is
// served by [Service.Trends] (volume by model, category and service,
// success rate, emergency ratio, changes that caused incidents, backlog
// age), whose [Trends.Summary] is the input of the periodic trend review a
// host records in the review package's register under [TrendReviewSubject]:
// that review is refused without conclusions, citing [TrendRequirement], and
// its sweep reports [CodeTrendReviewOverdue]. CHG-16 is served by
// [Service.UnauthorizedChanges]: see below.
//
// # Look-ups and atomic commits
//
// The reads a trigger needs of another record happen inside its
// transition, after the change is loaded and the actor's roles checked,
// before the guards ([sms.Rule] Prepare): submit_standard and
// start_implementation read the template, authorize the plan of a routed
// change, schedule the other scheduled changes ([Service.Conflicts]), a
// plan's start_transition asks the host's [ReleaseLookup]. Approve reads
// the change once. What is read is not part of the transition's atomic
// commit: a template, plan or schedule changed between the read and the
// commit is judged as it was read.
//
// A failed standard change suspends its template: the fail rule's
// follow-up ([sms.FollowUp]), which the pipeline runs, so that a machine on
// [Service.Workflow] does it too. The failure and the suspension are one
// commit when the change and template stores commit together
// ([sms.CommitTogether]: two memstores, or two sqlstores on one database);
// on other stores the suspension follows the failure, and a failure to
// suspend is a [*TemplateSuspensionError] that [Service.Sweep] reports
// until the template is suspended (see [Service.Fail]).
//
// # Conformance
//
// [Check], [Audit] and [Service.Conform] re-examine stored records rather
// than trust their status: every change at or past implement was
// authorized before it started, by distinct eligible approvers (none of
// them a requester or implementer, as its parties record them), with its
// assessment and remediation plan; every closed change has its review and
// configuration updates; every routed change has its approved plan; plans
// and templates are complete and approved by others than their authors.
// [Sweep], [SweepTemplate] and [Service.Sweep] report overdue emergency
// records, overdue template reviews, and templates not suspended after a
// failed instance. The checks are data ([sms.Check]) over three
// populations, run by one audit ([sms.ConformStore] per store) whose
// report has the stable JSON form the kernel documents; the sweeps read
// the stores through [sms.SweepStore].
//
// [Service.Conform], [Service.Sweep] and [Service.UnauthorizedChanges]
// judge only records that verify against their journal: each change, plan
// or template that does not (a field or the status changed in the store, a
// journal altered) is a [sms.CodeRecordUnverified] finding, in the
// record-verification result that comes first in the report (first in the
// findings of a sweep), and is counted by no other check; the run goes on.
// A change that does not verify authorizes no configuration mutation
// ([ChangeUnverified]). [Check], [Audit], [Sweep], [SweepTemplate],
// [FindUnauthorized] and [UnauthorizedChanges] trust the records they are
// given.
//
// # Unauthorized and unintended changes
//
// This package keeps no configuration records: the host's configuration
// management does. The host passes the mutations it recorded, each a
// [ConfigChange] naming the item, its type, its service, when, by whom and
// under which change, to [Service.UnauthorizedChanges] (or, with changes
// it loaded itself, to [UnauthorizedChanges] and [FindUnauthorized]). A
// mutation of an item whose type is under change control is reported as a
// [CodeUnauthorizedChange] finding citing CHG-16 when it names no change, a
// change that does not exist, a change not authorized at the time, a change
// not being implemented at the time (per its recorded start and end; the
// record update a closed change names among its configuration updates,
// CHG-15, may come after the end), or a change whose scope lists neither
// the item nor its service. The finding's detail begins with the reasons,
// as [UnauthorizedReason] values.
//
// The library creates no record on its own. An unintended change is
// reviewed through a retrospective change, which the workflow already
// supports: the host raises an emergency change for the item, has the
// emergency authority authorize it, implements it (keeping or reversing
// the mutation), records its assessment after the fact and its
// post-implementation review of the consequences (CHG-17), closes it, and
// records it as the mutation's change reference. An emergency change
// raised after the mutation, closed with its review and covering the item,
// accounts for it: the sweep no longer reports it, and the emergency ratio
// of [Service.Trends] counts it.
//
// # Using it
//
//	svc, err := change.NewService(change.Stores{
//		Changes:   memstore.New[*change.Change](),
//		Plans:     memstore.New[*change.TransitionPlan](),
//		Templates: memstore.New[*change.Template](),
//	}, change.Config{Policy: change.DefaultPolicy(), Releases: releaseLookup})
//	chg, err := svc.Raise(ctx, requester, change.Request{
//		Summary: "Patch the billing database", Requester: "rita", Type: change.TypeModify,
//		Model: change.ModelNameNormal, Category: "database", Services: []string{"billing"}, Reason: "vendor security fix",
//	})
//	chg, err = svc.Submit(ctx, requester, chg.ID, change.Submission{})
//
// Refusals are typed: errors.Is(err, sms.ErrGuard) and errors.As(err,
// &guardErr) give every unmet requirement; a segregation-of-duties breach
// is errors.Is(err, sms.ErrForbidden), a [*sms.ForbiddenError] naming its
// requirement; a failed standard change whose template could not be
// suspended is errors.Is(err, sms.ErrFollowUp) ([*TemplateSuspensionError]);
// see [Service] for the others.
package change
