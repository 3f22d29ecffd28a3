package supplier

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the supplier checks and sweeps.
const (
	// CodeNoContract: a supplier at work, or one the host's services,
	// configuration items or tickets reference, has no contract in force
	// (SUP-02).
	CodeNoContract = "SUPPLIER_NO_CONTRACT"
	// CodePerformanceOverdue: a contract's performance review is overdue
	// (SUP-06).
	CodePerformanceOverdue = "SUPPLIER_REVIEW_OVERDUE"
	// CodeContractReviewOverdue: a contract's review against the current
	// service requirements is overdue (SUP-08).
	CodeContractReviewOverdue = "CONTRACT_REVIEW_OVERDUE"
	// CodeIncomplete: a supplier or contract at work lacks what its
	// activation or agreement requires (SUP-01, SUP-03, SUP-05, SUP-11).
	CodeIncomplete = "SUPPLIER_RECORD_INCOMPLETE"
	// CodeMissWithoutAction: a performance review records a miss without
	// an action (SUP-07), or a misalignment without a risk owner (SUP-04).
	CodeMissWithoutAction = "SUPPLIER_MISS_WITHOUT_ACTION"
)

// Policy says when a contract's periodic reviews fall due: a performance
// review each Performance period (each calendar quarter in UTC when
// zero), a contract review each Review period (each calendar year in UTC
// when zero), each a finding once Grace has passed after its due time;
// Disputes is the disputes' staleness policy.
type Policy struct {
	Performance sms.Cadence
	Review      sms.Cadence
	Grace       time.Duration
	Disputes    DisputePolicy
}

func (p Policy) withDefaults() (Policy, error) {
	if p.Performance == (sms.Cadence{}) {
		p.Performance = sms.Quarterly("UTC")
	}
	if p.Review == (sms.Cadence{}) {
		p.Review = sms.Yearly("UTC")
	}
	for _, c := range []sms.Cadence{p.Performance, p.Review} {
		if err := c.Validate(); err != nil {
			return p, sms.Invalid(SupplierKind, "policy", "%v", err)
		}
	}
	if p.Grace < 0 || p.Grace > sms.MaxCadence {
		return p, sms.Invalid(SupplierKind, "policy.grace", "%s is negative or beyond %s", p.Grace, sms.MaxCadence)
	}
	return p, nil
}

// atWork reports whether the supplier is active or suspended.
func (s *Supplier) atWork() bool { return s.Status == StatusActive || s.Status == StatusSuspended }

// overdue reports each overdue periodic review of a contract in force.
func overdue(c *Contract, p *Policy, asOf time.Time, fail func(code, req, detail string)) {
	if !c.InForce() || c.AgreedAt.IsZero() {
		return
	}
	due := p.Performance.FirstDue(c.AgreedAt)
	if n := len(c.Performance); n > 0 {
		due = p.Performance.NextDue(c.Performance[n-1].At)
	}
	if asOf.After(due.Add(p.Grace)) {
		fail(CodePerformanceOverdue, "SUP-06", "performance review due "+due.Format(time.RFC3339))
	}
	due = p.Review.FirstDue(c.AgreedAt)
	if !c.ReviewedAt.IsZero() {
		due = p.Review.NextDue(c.ReviewedAt)
	}
	if asOf.After(due.Add(p.Grace)) {
		fail(CodeContractReviewOverdue, "SUP-08", "contract review due "+due.Format(time.RFC3339))
	}
}

// contractChecks are check 10's checks of contracts.
func contractChecks(p *Policy) []sms.Check[*Contract] {
	return []sms.Check[*Contract]{{
		Name: "contract-control", Clause: "8.3.4.1", Cites: []string{"SUP-01", "SUP-03", "SUP-04", "SUP-05", "SUP-06", "SUP-07", "SUP-08"},
		Rule:    "every contract in force names its owner, states its document, scope, requirements, targets or obligations, both sides' responsibilities and its interfaces; every miss in a performance review has an action, every misalignment a risk with its owner; its performance and contract reviews are not overdue",
		Applies: func(c *Contract) bool { return c.InForce() },
		Eval: func(c *Contract, x *sms.Examined) {
			if sms.Blank(c.Owner) {
				x.Fail(CodeIncomplete, "SUP-01", "no owner")
			}
			for _, m := range c.Terms.incomplete() {
				x.Fail(CodeIncomplete, m.id, m.text)
			}
			for _, pr := range c.Performance {
				if slices.ContainsFunc(pr.Results, func(r TargetResult) bool { return !r.Met && len(r.Actions) == 0 }) {
					x.Fail(CodeMissWithoutAction, "SUP-07", "a miss in the review of "+pr.From.Format(time.DateOnly)+" names no action")
				}
			}
			if a := c.Alignment; a != nil && !a.Aligned && (sms.Blank(a.Risk) || a.RiskOwner == "") {
				x.Fail(CodeMissWithoutAction, "SUP-04", "misaligned with the SLAs without a risk and its owner")
			}
			overdue(c, p, x.AsOf, x.Fail)
		},
	}}
}

// supplierChecks are check 10's checks of suppliers, given the suppliers
// with a contract in force.
func supplierChecks(contracted map[string]bool) []sms.Check[*Supplier] {
	return []sms.Check[*Supplier]{{
		Name: "supplier-control", Clause: "8.3.4", Cites: []string{"SUP-01", "SUP-02", "SUP-11", "SUP-12"},
		Rule:    "every supplier at work was evaluated and selected, has a named owner, and works under a contract in force (an external one) or its internal agreement (an internal one)",
		Applies: func(s *Supplier) bool { return s.atWork() },
		Eval: func(s *Supplier, x *sms.Examined) {
			if s.Owner == "" {
				x.Fail(CodeIncomplete, "SUP-01", "no person responsible for the relationship")
			}
			if e := s.Evaluation; e == nil || e.Decision != Select || len(e.Scores) == 0 {
				x.Fail(CodeIncomplete, "SUP-12", "not evaluated and selected against criteria")
			} else if x.Journal != nil && slices.ContainsFunc(sms.ActorsOf(x.Journal, string(TriggerApprove)), func(a string) bool {
				return slices.Contains(sms.ActorsOf(x.Journal, string(TriggerEvaluate)), a)
			}) {
				x.Fail(CodeIncomplete, "SUP-12", "approved, in the journal, by its evaluator")
			}
			switch {
			case s.Type == External && !contracted[s.ID]:
				x.Fail(CodeNoContract, "SUP-02", "no contract in force")
			case s.Type == Internal && s.Agreement == "":
				x.Fail(CodeIncomplete, "SUP-11", "no internal agreement")
			}
		},
	}}
}

// Catalogue returns every requirement the package's checks cite.
func Catalogue() []sms.Requirement {
	out := slices.Clone(Requirements())
	for _, r := range slices.Concat(ContractRequirements(), DisputeRequirements()) {
		if !slices.ContainsFunc(out, func(o sms.Requirement) bool { return o.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

// Conform runs check 10 of the auditor suite over the stored suppliers,
// contracts and disputes: the record verification of each, then every
// supplier at work (an owner, evaluated and selected by someone other than
// the approver as the journal shows, under a verified contract in force or
// its internal agreement), every contract in force (complete, misses with
// actions, reviews not overdue) and every dispute ([DisputeChecks]). Only
// records that verify count: a contract that does not verify puts no
// supplier under contract. disputes may be nil.
func Conform(ctx context.Context, suppliers *Suppliers, contracts *Contracts, disputes *Disputes, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	if suppliers == nil || contracts == nil {
		return sms.Report{}, sms.Invalid(SupplierKind, "stores", "needs the suppliers and the contracts")
	}
	a := sms.NewAudit(asOf, Catalogue())
	contracted := map[string]bool{}
	inForce := func(c *Contract, _ []sms.Entry) {
		if c.InForce() {
			contracted[c.Supplier] = true
		}
	}
	if err := sms.ConformStoreFunc(ctx, a, contracts.m, sms.Query{}, contractChecks(&pp), inForce); err != nil {
		return a.Report(), err
	}
	if err := sms.ConformStore(ctx, a, suppliers.m, sms.Query{}, supplierChecks(contracted)); err != nil {
		return a.Report(), err
	}
	if disputes != nil {
		err = sms.ConformStore(ctx, a, disputes.m, sms.Query{}, DisputeChecks(pp.Disputes))
	}
	return a.Report(), err
}

// Sweep returns the periodic findings of the stored suppliers and
// contracts as of a time: each supplier at work, or referenced by the
// host (referenced: the supplier IDs its services, configuration items or
// tickets name), with no verified contract in force (SUPPLIER_NO_CONTRACT;
// internal suppliers work under an agreement instead), and each contract's
// overdue performance review (SUPPLIER_REVIEW_OVERDUE) and contract
// review (CONTRACT_REVIEW_OVERDUE). Records that do not verify are
// RECORD_UNVERIFIED findings, first among each store's findings
// (contracts, then suppliers), and count as neither contracts in force
// nor suppliers.
func Sweep(ctx context.Context, suppliers *Suppliers, contracts *Contracts, referenced []string, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if suppliers == nil || contracts == nil {
		return nil, sms.Invalid(SupplierKind, "stores", "needs the suppliers and the contracts")
	}
	a := sms.NewAudit(asOf, Catalogue())
	contracted := map[string]bool{}
	out, err := sms.SweepStore(ctx, contracts.m, sms.Query{}, asOf, func(c *Contract, _ []sms.Entry) []sms.Finding {
		if c.InForce() {
			contracted[c.Supplier] = true
		}
		var fs []sms.Finding
		overdue(c, &pp, asOf, func(code, req, detail string) { fs = append(fs, a.Finding(code, req, ContractKind, c.ID, detail)) })
		return fs
	})
	if err != nil {
		return out, err
	}
	seen := map[string]bool{}
	more, err := sms.SweepStore(ctx, suppliers.m, sms.Query{}, asOf, func(s *Supplier, _ []sms.Entry) []sms.Finding {
		seen[s.ID] = true
		if s.Type == External && (s.atWork() || slices.Contains(referenced, s.ID)) && !contracted[s.ID] {
			return []sms.Finding{a.Finding(CodeNoContract, "SUP-02", SupplierKind, s.ID, "no contract in force")}
		}
		return nil
	})
	out = append(out, more...)
	for _, id := range referenced {
		if !seen[id] && !contracted[id] {
			out = append(out, a.Finding(CodeNoContract, "SUP-02", SupplierKind, id, "referenced, but no such supplier and no contract in force"))
		}
	}
	return out, err
}

// Checks returns check 10's checks under the policy, for the process
// kits' catalogue tests and for hosts that run them with
// [sms.ConformStore]: of contracts, of suppliers (which, run alone, find
// every external supplier without a contract: [Conform] tells them the
// contracts in force) and of disputes.
func Checks(p Policy) ([]sms.Check[*Contract], []sms.Check[*Supplier], []sms.Check[*Dispute], error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, nil, nil, err
	}
	return contractChecks(&pp), supplierChecks(map[string]bool{}), DisputeChecks(pp.Disputes), nil
}
