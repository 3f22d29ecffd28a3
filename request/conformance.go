package request

import (
	"context"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the request conformance checks and sweep.
const (
	CodeRecordIncomplete      = "REQUEST_RECORD_INCOMPLETE"
	CodeFulfilmentIncomplete  = "REQUEST_FULFILMENT_INCOMPLETE"
	CodeApprovalMissing       = "REQUEST_APPROVAL_MISSING"
	CodeClosureIncomplete     = "REQUEST_CLOSURE_INCOMPLETE"
	CodeTerminationUnjustifed = "REQUEST_TERMINATION_UNJUSTIFIED"
	CodeSLABreached           = "SLA_TIMER_BREACHED"
	// CodeStandardChangeMissing: a request for an item that alters
	// controlled configuration items was fulfilled without a standard
	// change that closed successful (SR-08).
	CodeStandardChangeMissing = "REQUEST_STANDARD_CHANGE_MISSING"
)

// checks are the request conformance checks: data, citing the catalogue
// ([Requirements]) by ID; each finding's requirement is the catalogue's.
func checks() []sms.Check[*Request] {
	return []sms.Check[*Request]{
		{
			Name: "request-record", Clause: "8.6.2", Cites: []string{"SR-01", "SR-02"},
			Rule: "every request names its catalogue item edition, requester, the person it is for, its category, priority and submission time",
			Eval: func(r *Request, x *sms.Examined) {
				if r.Item.ID == "" || r.Item.Edition < 1 || r.Requester == "" || r.RequestedFor == "" || r.Category == "" || r.SubmittedAt.IsZero() {
					x.Fail(CodeRecordIncomplete, "SR-01", "item edition, requester, requested for, category or submission time missing")
				}
				if r.Priority < 1 {
					x.Fail(CodeRecordIncomplete, "SR-02", "no priority")
				}
			},
		},
		{
			Name: "requests-fulfilled-under-instructions-and-approvals", Clause: "8.6.2", Cites: []string{"SR-06", "SR-03", "SR-07"},
			Rule: "every fulfilled or closed request was submitted against an item edition with fulfilment instructions, " +
				"has fulfilment notes and every task done or skipped with a reason, and, where the item needs approval, " +
				"approvals that satisfied its rule by distinct people other than the requester and the person it is for, all before fulfilment started",
			Applies: func(r *Request) bool { return r.Status == StatusFulfilled || r.Status == StatusClosed },
			Eval: func(r *Request, x *sms.Examined) {
				if !r.Item.Instructions.Present() {
					x.Fail(CodeFulfilmentIncomplete, "SR-06", "the item edition had no instructions")
				}
				if sms.Blank(r.FulfilmentNotes) || r.FulfilledAt.IsZero() || !tasksSettled(r) {
					x.Fail(CodeFulfilmentIncomplete, "SR-03", "no notes, or a task neither done nor skipped with a reason")
				}
				if rl, ok := r.rule(); ok && !approvedBefore(r, rl, r.StartedAt) {
					x.Fail(CodeApprovalMissing, "SR-07", "the approvals do not satisfy the item's rule with distinct eligible approvers before fulfilment started")
				}
			},
		},
		{
			Name: "requests-altering-controlled-items-through-standard-changes", Clause: "8.5.1/8.6.2", Cites: []string{"SR-08"},
			Rule: "every fulfilled or closed request whose item edition requires a standard change links the change it was fulfilled " +
				"through, which the host's change management showed, at fulfilment, to be a standard change from a template the item " +
				"accepts, closed successful",
			Applies: func(r *Request) bool {
				return (r.Status == StatusFulfilled || r.Status == StatusClosed) && needsChange(r)
			},
			Eval: func(r *Request, x *sms.Examined) {
				if d := standardChangeFinding(r); d != "" {
					x.Fail(CodeStandardChangeMissing, "SR-08", d)
				}
			},
		},
		{
			Name: "request-closure", Clause: "8.6.2", Cites: []string{"SR-04"},
			Rule:    "every closed request has a close code, a confirmation and closing time after fulfilment",
			Applies: func(r *Request) bool { return r.Status == StatusClosed },
			Eval: func(r *Request, x *sms.Examined) {
				if r.CloseCode == "" || r.Confirmation == "" || r.ClosedAt.IsZero() || r.ClosedAt.Before(r.FulfilledAt) {
					x.Fail(CodeClosureIncomplete, "SR-04", "no close code, confirmation or closing time")
				}
			},
		},
		{
			Name: "request-termination", Clause: "8.6.2", Cites: []string{"SR-07", "SR-04", "SR-10"},
			Rule:    "every rejected request gives its reason; every cancelled one its reason; a converted one its incident",
			Applies: func(r *Request) bool { return r.Status == StatusRejected || r.Status == StatusCancelled },
			Eval: func(r *Request, x *sms.Examined) {
				switch {
				case r.Status == StatusRejected && sms.Blank(r.RejectReason):
					x.Fail(CodeTerminationUnjustifed, "SR-07", "rejected without a reason")
				case r.Status == StatusCancelled && r.CancelReason == "":
					x.Fail(CodeTerminationUnjustifed, "SR-04", "cancelled without a reason")
				case r.CancelReason == CancelConverted && r.Incident == "":
					x.Fail(CodeTerminationUnjustifed, "SR-10", "converted without its incident")
				}
			},
		},
	}
}

// itemChecks are the catalogue item conformance checks.
func itemChecks() []sms.Check[*Item] {
	return []sms.Check[*Item]{{
		Name: "catalogue-item-instructions", Clause: "8.6.2", Cites: []string{"SR-06"},
		Rule:    "every published or retired catalogue item names its fulfilment instructions",
		Applies: func(i *Item) bool { return i.Status != ItemDraft },
		Eval: func(i *Item, x *sms.Examined) {
			if !i.Instructions.Present() || i.Edition < 1 {
				x.Fail(CodeFulfilmentIncomplete, "SR-06", "published without fulfilment instructions")
			}
		},
	}}
}

// approvedBefore reports whether the approvals recorded before a time
// satisfy the rule with distinct eligible approvers.
func approvedBefore(r *Request, rl sms.ApprovalRule, at time.Time) bool {
	if at.IsZero() {
		return false
	}
	var before []sms.Approval
	for _, ap := range r.Approvals {
		if !ap.At.After(at) {
			before = append(before, ap)
		}
	}
	return rl.Tally(before, r.parties()) == sms.Approved
}

// Checks returns the request conformance checks [Service.Conform] runs:
// data, each citing the requirements its findings cite, for a host's own
// audit ([sms.Examine], [sms.ConformStore]).
func (s *Service) Checks() []sms.Check[*Request] { return checks() }

// Checks returns the catalogue item conformance checks [Service.Conform]
// runs.
func (it *Items) Checks() []sms.Check[*Item] { return itemChecks() }

// newAudit returns an audit that reports every check, requests' first.
func newAudit(asOf time.Time) *sms.Audit {
	a := sms.NewAudit(asOf, Requirements())
	sms.Declare(a, checks())
	sms.Declare(a, itemChecks())
	return a
}

// Check runs the request conformance checks on one request and returns
// its findings: none when it conforms. It re-examines the fields: a
// fulfilled request without its approvals fails even if it got there
// somehow. It trusts its input to be the request as its journal left it;
// [Service.Conform], which an auditor runs, checks only records that
// verify against their journals.
func Check(r *Request, asOf time.Time) ([]sms.Finding, error) {
	if r == nil {
		return nil, sms.Invalid(Kind, "request", "is nil")
	}
	a := newAudit(asOf)
	sms.Examine(a, checks(), r, nil)
	return a.Report().Findings(), nil
}

// Audit runs the conformance checks over catalogue items and requests. It
// trusts its input as [Check] does; [Service.Conform] verifies each record
// first.
func Audit(items []*Item, requests []*Request, asOf time.Time) sms.Report {
	a := newAudit(asOf)
	rc, ic := checks(), itemChecks()
	for _, r := range requests {
		sms.Examine(a, rc, r, nil)
	}
	for _, i := range items {
		sms.Examine(a, ic, i, nil)
	}
	return a.Report()
}

// Conform runs the conformance checks over every stored request and
// catalogue item whose record verifies against its journal (hash chain,
// head and state digest, see [sms.Machine.Verified]), with
// [sms.ConformStore]. The report's first result is the record-verification
// check ([sms.CheckRecordVerification]): its population is every record
// examined, and each record that does not verify, or cannot be decoded, is
// a RECORD_UNVERIFIED finding there and is counted by no other check. Such
// a record does not stop the run; an error of the store or the context
// does.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := newAudit(asOf)
	if err := sms.ConformStore(ctx, a, s.m, sms.Query{}, checks()); err != nil {
		return sms.Report{}, err
	}
	if err := sms.ConformStore(ctx, a, s.items.m, sms.Query{}, itemChecks()); err != nil {
		return sms.Report{}, err
	}
	return a.Report(), nil
}

// Sweep returns the periodic finding of one request as of a time: its
// fulfilment target missed (SR-09), the time on hold for the reasons the
// policy pauses on excluded. It is a pure function and trusts its input;
// [Service.Sweep] sweeps verified records only.
func Sweep(r *Request, asOf time.Time) []sms.Finding {
	if r == nil || r.Due.IsZero() || r.Status == StatusCancelled || r.Status == StatusRejected {
		return nil
	}
	due := r.Due
	if !r.PausedSince.IsZero() && asOf.After(r.PausedSince) {
		due = due.Add(asOf.Sub(r.PausedSince))
	}
	if (r.FulfilledAt.IsZero() && asOf.After(due)) || r.FulfilledAt.After(due) {
		return []sms.Finding{{Code: CodeSLABreached, Requirement: requirement("SR-09"), Kind: Kind,
			EntityID: r.ID, Detail: "fulfilment target " + due.Format(time.RFC3339) + " missed", At: asOf.UTC()}}
	}
	return nil
}

// Sweep returns the periodic findings of every stored request as of a
// time; see the package function [Sweep]. Only requests that verify
// against their journals are swept ([sms.SweepStore]); each one that does
// not is reported as a RECORD_UNVERIFIED finding instead, first, and the
// sweep goes on.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	return sms.SweepStore(ctx, s.m, sms.Query{}, asOf, func(r *Request, _ []sms.Entry) []sms.Finding { return Sweep(r, asOf) })
}

// ConformSweep is [Service.Conform] and [Service.Sweep] in one pass over
// the requests, reading and verifying each once ([sms.ConformSweepStore]):
// the report Conform returns and the findings Sweep returns but its
// RECORD_UNVERIFIED ones, which are the report's record-verification
// failures. An evidence pack reads a large store this way.
func (s *Service) ConformSweep(ctx context.Context, asOf time.Time) (sms.Report, []sms.Finding, error) {
	a := newAudit(asOf)
	fs, err := sms.ConformSweepStore(ctx, a, s.m, checks(), sms.Query{}, func(r *Request, _ []sms.Entry) []sms.Finding { return Sweep(r, asOf) })
	if err != nil {
		return sms.Report{}, nil, err
	}
	if err := sms.ConformStore(ctx, a, s.items.m, sms.Query{}, itemChecks()); err != nil {
		return sms.Report{}, nil, err
	}
	return a.Report(), fs, nil
}
