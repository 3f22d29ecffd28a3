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

type failFunc func(code, id, text, detail string)

type check struct {
	name, clause, rule string
	applies            func(*Request) bool
	eval               func(r *Request, fail failFunc)
}

func checks() []check {
	return []check{
		{
			name: "request-record", clause: "8.6.2",
			rule:    "every request names its catalogue item edition, requester, the person it is for, its category, priority and submission time",
			applies: func(*Request) bool { return true },
			eval: func(r *Request, fail failFunc) {
				if r.Item.ID == "" || r.Item.Edition < 1 || r.Requester == "" || r.RequestedFor == "" || r.Category == "" || r.SubmittedAt.IsZero() {
					fail(CodeRecordIncomplete, "SR-01", "each service request is recorded and classified", "item edition, requester, requested for, category or submission time missing")
				}
				if r.Priority < 1 {
					fail(CodeRecordIncomplete, "SR-02", "service requests are prioritised", "no priority")
				}
			},
		},
		{
			name: "requests-fulfilled-under-instructions-and-approvals", clause: "8.6.2",
			rule: "every fulfilled or closed request was submitted against an item edition with fulfilment instructions, " +
				"has fulfilment notes and every task done or skipped with a reason, and, where the item needs approval, " +
				"approvals that satisfied its rule by distinct people other than the requester and the person it is for, all before fulfilment started",
			applies: func(r *Request) bool { return r.Status == StatusFulfilled || r.Status == StatusClosed },
			eval: func(r *Request, fail failFunc) {
				if !r.Item.Instructions.Present() {
					fail(CodeFulfilmentIncomplete, "SR-06", "fulfilment instructions are available to those who fulfil", "the item edition had no instructions")
				}
				if sms.Blank(r.FulfilmentNotes) || r.FulfilledAt.IsZero() || !tasksSettled(r) {
					fail(CodeFulfilmentIncomplete, "SR-03", "service requests are fulfilled", "no notes, or a task neither done nor skipped with a reason")
				}
				if rl, ok := r.rule(); ok && !approvedBefore(r, rl, r.StartedAt) {
					fail(CodeApprovalMissing, "SR-07", "requests needing authorisation are approved before fulfilment",
						"the approvals do not satisfy the item's rule with distinct eligible approvers before fulfilment started")
				}
			},
		},
		{
			name: "requests-altering-controlled-items-through-standard-changes", clause: "8.5.1/8.6.2",
			rule: "every fulfilled or closed request whose item edition requires a standard change links the change it was fulfilled " +
				"through, which the host's change management showed, at fulfilment, to be a standard change from a template the item " +
				"accepts, closed successful",
			applies: func(r *Request) bool {
				return (r.Status == StatusFulfilled || r.Status == StatusClosed) && needsChange(r)
			},
			eval: func(r *Request, fail failFunc) {
				if d := standardChangeFinding(r); d != "" {
					fail(CodeStandardChangeMissing, "SR-08", "requests altering controlled items go through a standard change", d)
				}
			},
		},
		{
			name: "request-closure", clause: "8.6.2",
			rule:    "every closed request has a close code, a confirmation and closing time after fulfilment",
			applies: func(r *Request) bool { return r.Status == StatusClosed },
			eval: func(r *Request, fail failFunc) {
				if r.CloseCode == "" || r.Confirmation == "" || r.ClosedAt.IsZero() || r.ClosedAt.Before(r.FulfilledAt) {
					fail(CodeClosureIncomplete, "SR-04", "service requests are closed", "no close code, confirmation or closing time")
				}
			},
		},
		{
			name: "request-termination", clause: "8.6.2",
			rule:    "every rejected request gives its reason; every cancelled one its reason; a converted one its incident",
			applies: func(r *Request) bool { return r.Status == StatusRejected || r.Status == StatusCancelled },
			eval: func(r *Request, fail failFunc) {
				switch {
				case r.Status == StatusRejected && sms.Blank(r.RejectReason):
					fail(CodeTerminationUnjustifed, "SR-07", "requests needing authorisation are approved before fulfilment", "rejected without a reason")
				case r.Status == StatusCancelled && r.CancelReason == "":
					fail(CodeTerminationUnjustifed, "SR-04", "service requests are closed", "cancelled without a reason")
				case r.CancelReason == CancelConverted && r.Incident == "":
					fail(CodeTerminationUnjustifed, "SR-10", "misclassified faults move to incident management", "converted without its incident")
				}
			},
		},
	}
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

type audit struct {
	asOf    time.Time
	checks  []check
	results []sms.CheckResult
}

func newAudit(asOf time.Time) *audit {
	a := &audit{asOf: asOf.UTC(), checks: checks()}
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	a.results = append(a.results, sms.CheckResult{Check: "catalogue-item-instructions", Clause: "8.6.2",
		Rule: "every published or retired catalogue item names its fulfilment instructions", Failures: []sms.Finding{}})
	return a
}

func (a *audit) add(r *Request) {
	for i, c := range a.checks {
		if !c.applies(r) {
			continue
		}
		res := &a.results[i]
		res.Population++
		c.eval(r, func(code, id, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(id, text), Kind: Kind, EntityID: r.ID, Detail: detail, At: a.asOf})
		})
	}
}

func (a *audit) addItem(i *Item) {
	if i.Status == ItemDraft {
		return
	}
	res := &a.results[len(a.checks)]
	res.Population++
	if !i.Instructions.Present() || i.Edition < 1 {
		res.Failures = append(res.Failures, sms.Finding{Code: CodeFulfilmentIncomplete,
			Requirement: req("SR-06", "fulfilment instructions are available to those who fulfil"), Kind: ItemKind, EntityID: i.ID,
			Detail: "published without fulfilment instructions", At: a.asOf})
	}
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
	a.add(r)
	return sms.Report{Results: a.results}.Findings(), nil
}

// Audit runs the conformance checks over catalogue items and requests. It
// trusts its input as [Check] does; [Service.Conform] verifies each record
// first.
func Audit(items []*Item, requests []*Request, asOf time.Time) sms.Report {
	a := newAudit(asOf)
	for _, r := range requests {
		if r != nil {
			a.add(r)
		}
	}
	for _, i := range items {
		if i != nil {
			a.addItem(i)
		}
	}
	return sms.Report{AsOf: a.asOf, Results: a.results}
}

// Conform runs the conformance checks over every stored request and
// catalogue item whose record verifies against its journal (hash chain,
// head and state digest, see [sms.Machine.Verified]). The report's first
// result is the record-verification check ([sms.CheckRecordVerification]):
// its population is every record examined, and each record that does not
// verify, or cannot be decoded, is a RECORD_UNVERIFIED finding there and is
// counted by no other check. Such a record does not stop the run; an error
// of the store or the context does.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := newAudit(asOf)
	ver := sms.NewVerificationResult()
	unverified := func(k sms.Kind) func(string, error) error {
		return func(id string, err error) error { ver.Unverified(k, id, err, a.asOf); return nil }
	}
	q := sms.Query{Limit: sms.MaxLimit}
	err := s.m.EachVerified(ctx, q, func(r *Request, _ []sms.Entry) bool {
		ver.Population++
		a.add(r)
		return true
	}, unverified(Kind))
	if err != nil {
		return sms.Report{}, err
	}
	err = s.items.EachVerified(ctx, q, func(i *Item, _ []sms.Entry) bool {
		ver.Population++
		a.addItem(i)
		return true
	}, unverified(ItemKind))
	if err != nil {
		return sms.Report{}, err
	}
	return sms.Report{AsOf: a.asOf, Results: append([]sms.CheckResult{ver}, a.results...)}, nil
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
		return []sms.Finding{{Code: CodeSLABreached, Requirement: req("SR-09", "fulfilment targets are tracked"), Kind: Kind,
			EntityID: r.ID, Detail: "fulfilment target " + due.Format(time.RFC3339) + " missed", At: asOf.UTC()}}
	}
	return nil
}

// Sweep returns the periodic findings of every stored request as of a
// time; see the package function [Sweep]. Only requests that verify
// against their journals are swept; each one that does not is reported as
// a RECORD_UNVERIFIED finding instead, and the sweep goes on.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	var out []sms.Finding
	asOf = asOf.UTC()
	ver := sms.NewVerificationResult()
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(r *Request, _ []sms.Entry) bool {
		out = append(out, Sweep(r, asOf)...)
		return true
	}, func(id string, err error) error { ver.Unverified(Kind, id, err, asOf); return nil })
	return append(out, ver.Failures...), err
}
