package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the programme's coverage (AUD-01, AUD-02).
const (
	// CodeAuditCoverageGap: an area of an approved programme had fewer
	// audits reported within a cycle that ended (past the grace) than the
	// programme plans; a cancelled audit counts against it.
	CodeAuditCoverageGap = "AUDIT_COVERAGE_GAP"
	// CodeProgrammeIncomplete: an approved programme lacks what approval
	// requires, or its owner is not the journal's actor of its approval.
	CodeProgrammeIncomplete = "AUDIT_PROGRAMME_INCOMPLETE"
)

// maxCycles bounds the cycles a coverage sweep walks: a programme of
// monthly cycles approved a century ago.
const maxCycles = 1200

// reported reports whether an audit counts towards coverage: its report
// issued (reported, in follow-up or closed) within [start, end).
func reported(a *Audit, start, end time.Time) bool {
	switch a.Status {
	case AuditReported, AuditFollowUp, AuditClosed:
	default:
		return false
	}
	return a.Report != nil && !a.Report.IssuedAt.Before(start) && a.Report.IssuedAt.Before(end)
}

// SweepCoverage reports, for an approved programme, every area with fewer
// audits reported in a cycle than the programme plans for it
// (AUDIT_COVERAGE_GAP, AUD-01, AUD-02), a pure function. Cycles are the
// programme's cadence periods from the one containing its approval; a
// cycle is judged once asOf is after its end plus grace. An audit counts
// in the cycle in which its report was issued, if it is reported, in
// follow-up or closed; one cancelled or still open does not. Audits of
// other programmes are ignored. Findings come cycle by cycle, in the
// programme's area order, the cycle written in the cadence's zone.
func SweepCoverage(p *Programme, audits []*Audit, asOf time.Time, grace time.Duration) []sms.Finding {
	if p == nil || p.Status != ProgrammeApproved || p.ApprovedAt.IsZero() || p.Cycle.Validate() != nil {
		return nil
	}
	req := ProgrammeRequirements()[0]
	var out []sms.Finding
	start, end := p.Cycle.PeriodOf(p.ApprovedAt)
	for range maxCycles {
		if !asOf.After(end.Add(grace)) {
			break
		}
		for _, ap := range p.Areas {
			n := 0
			for _, a := range audits {
				if a != nil && a.Programme == p.ID && a.Area == ap.Area && reported(a, start, end) {
					n++
				}
			}
			if n < ap.Audits {
				out = append(out, sms.Finding{Code: CodeAuditCoverageGap, Requirement: req, Kind: ProgrammeKind, EntityID: p.ID, At: asOf,
					Detail: fmt.Sprintf("%s: %d of %d audits reported in the cycle %s to %s", ap.Area, n, ap.Audits,
						start.Format(time.RFC3339), end.Format(time.RFC3339))})
			}
		}
		start, end = p.Cycle.PeriodOf(end)
	}
	return out
}

// Sweep runs the internal audit sweeps over the stored programmes and
// audits that verify: AUDIT_OVERDUE for each audit not held by the end of
// its window ([AuditOverdue]) and AUDIT_COVERAGE_GAP for each area of an
// approved programme not audited as often as planned within a cycle that
// ended more than grace ago ([SweepCoverage]).
func Sweep(ctx context.Context, programmes *Programmes, audits *Audits, asOf time.Time, grace time.Duration) ([]sms.Finding, error) {
	if programmes == nil || audits == nil {
		return nil, sms.Invalid(AuditKind, "stores", "needs the programmes and the audits")
	}
	if grace < 0 {
		return nil, sms.Invalid(AuditKind, "grace", "%s is negative", grace)
	}
	var all []*Audit
	fs, err := sms.SweepStore(ctx, audits.m, sms.Query{}, asOf, func(a *Audit, _ []sms.Entry) []sms.Finding {
		all = append(all, a)
		if f, ok := AuditOverdue(a, asOf); ok {
			return []sms.Finding{f}
		}
		return nil
	})
	if err != nil {
		return fs, err
	}
	more, err := sms.SweepStore(ctx, programmes.m, sms.Query{Status: sms.StatesOf(ProgrammeApproved)}, asOf, func(p *Programme, _ []sms.Entry) []sms.Finding {
		return SweepCoverage(p, all, asOf, grace)
	})
	return append(fs, more...), err
}

// ConformPolicy is the configuration of check 13: the grace after a
// cycle's end before an area not audited in it is a gap.
type ConformPolicy struct {
	Grace time.Duration
}

// programmeConformChecks is the programme part of check 13.
func programmeConformChecks() []sms.Check[*Programme] {
	return []sms.Check[*Programme]{{
		Name: "audit-programme", Clause: "9.2.2", Cites: []string{"AUD-01", "AUD-02", "AUD-06"},
		Rule:    "every approved programme has its cycle, areas with weights and audits per cycle, methods, responsibilities, reporting and retention, and its owner is the person who approved it, as its journal shows",
		Applies: func(p *Programme) bool { return p.Status == ProgrammeApproved },
		Eval: func(p *Programme, x *sms.Examined) {
			if p.Cycle.Validate() != nil || p.Cycle == (sms.Cadence{}) {
				x.Fail(CodeProgrammeIncomplete, "AUD-01", "no valid cycle")
			}
			if len(p.Areas) == 0 || slices.ContainsFunc(p.Areas, func(a AreaPlan) bool { return a.Weight < MinWeight || a.Audits < 1 }) {
				x.Fail(CodeProgrammeIncomplete, "AUD-02", "no areas, or an area without its weight or audits")
			}
			if len(p.Methods) == 0 || len(p.Responsibilities) == 0 || sms.Blank(p.Reporting) {
				x.Fail(CodeProgrammeIncomplete, "AUD-02", "no methods, responsibilities or reporting")
			}
			if p.Retention <= 0 {
				x.Fail(CodeProgrammeIncomplete, "AUD-06", "no retention")
			}
			if x.Journal != nil {
				// The owner is the actor of the last approval.
				var last string
				for _, e := range x.Journal {
					if e.Trigger == string(TriggerProgrammeApprove) {
						last = e.Actor.ID
					}
				}
				if last == "" || last != p.Owner {
					x.Fail(CodeProgrammeIncomplete, "AUD-02", "the owner named is not the journal's actor of the approval")
				}
			}
		},
	}}
}

// Conform runs check 13 of the auditor suite, "internal audit programme
// effective", over the stored programmes and audits: the record
// verification of each; every approved programme complete, owned by the
// person who approved it (audit-programme); every audit reported or past
// it with scope and criteria, impartial auditors (the journal's actors
// judged against its programme's declared involvement, or an override
// approved by another person than the auditor) and a report with both
// conclusions notified to management, and every closed audit with each
// nonconformity finding linked ([AuditConformChecks]); every area of an
// approved programme audited as planned in each cycle ended past the
// grace, and no audit overdue (audit-coverage). Only records that verify
// count: a forged programme gives no involvement and no coverage.
func Conform(ctx context.Context, programmes *Programmes, audits *Audits, p ConformPolicy, asOf time.Time) (sms.Report, error) {
	if programmes == nil || audits == nil {
		return sms.Report{}, sms.Invalid(AuditKind, "stores", "needs the programmes and the audits")
	}
	if p.Grace < 0 {
		return sms.Report{}, sms.Invalid(AuditKind, "policy.grace", "%s is negative", p.Grace)
	}
	a := sms.NewAudit(asOf, slices.Concat(ProgrammeRequirements(), AuditRequirements()))
	inv := map[string]Involvement{}
	var approved []*Programme
	if err := sms.ConformStoreFunc(ctx, a, programmes.m, sms.Query{}, programmeConformChecks(), func(pr *Programme, _ []sms.Entry) {
		inv[pr.ID] = pr.Involvement
		if pr.Status == ProgrammeApproved {
			approved = append(approved, pr)
		}
	}); err != nil {
		return a.Report(), err
	}
	var all []*Audit
	if err := sms.ConformStoreFunc(ctx, a, audits.m, sms.Query{}, AuditConformChecks(func(id string) Involvement { return inv[id] }),
		func(x *Audit, _ []sms.Entry) { all = append(all, x) }); err != nil {
		return a.Report(), err
	}
	rep := a.Report()
	cov := sms.CheckResult{Check: "audit-coverage", Clause: "9.2.1", Failures: []sms.Finding{},
		Rule: "every area of an approved programme was audited as often as planned within each cycle that ended, and no planned audit is overdue"}
	for _, pr := range approved {
		cov.Population += len(pr.Areas)
		cov.Failures = append(cov.Failures, SweepCoverage(pr, all, asOf, p.Grace)...)
	}
	for _, x := range all {
		if f, ok := AuditOverdue(x, asOf); ok {
			cov.Failures = append(cov.Failures, f)
		}
	}
	rep.Results = append(rep.Results, cov)
	return rep, nil
}
