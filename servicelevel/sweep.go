package servicelevel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of agreements' conformance checks and sweeps.
const (
	// CodeSLAMissing: a live service delivered to a customer has no SLA in
	// force (SLM-02).
	CodeSLAMissing = "SLA_MISSING"
	// CodeReportMissing: a reporting period ended, its grace passed, and no
	// report covers it (SLM-04).
	CodeReportMissing = "SLA_REPORT_MISSING"
	// CodeReviewOverdue: the agreement's periodic review is overdue (SLM-04).
	CodeReviewOverdue = "SLA_REVIEW_OVERDUE"
	// CodeWorkloadExceeded: a reported period's workload was above a limit,
	// and no improvement or capacity action is named yet (SLM-05).
	CodeWorkloadExceeded = "WORKLOAD_LIMIT_EXCEEDED"
	// CodeImprovementMissing: a reported period missed a target or exceeded
	// a limit and names no improvement (SLM-06).
	CodeImprovementMissing = "SLA_IMPROVEMENT_MISSING"
	// CodeAgreementIncomplete: an agreement that came into force lacks what
	// its activation requires (SLM-01, SLM-03, SLM-07).
	CodeAgreementIncomplete = "SLA_CONTENT_INCOMPLETE"
)

// ServiceKind is the kind findings about a service (not a record) carry.
const ServiceKind sms.Kind = "service"

// Periodic says when an agreement's periodic obligations fall due: a
// report for each period of Reports (each calendar month in UTC when
// zero), a concluded review each period of Reviews (each calendar year in
// UTC when zero), each a finding once Grace has passed after its due
// time. The standard leaves the intervals to the organisation; reports in
// the customer's zone are [sms.Monthly]("Europe/Berlin").
type Periodic struct {
	Reports sms.Cadence
	Reviews sms.Cadence
	Grace   time.Duration
}

// maxPeriods bounds the reporting periods a sweep walks for one agreement:
// a century of months.
const maxPeriods = 1200

func (p Periodic) withDefaults() (Periodic, error) {
	if p.Reports == (sms.Cadence{}) {
		p.Reports = sms.Monthly("UTC")
	}
	if p.Reviews == (sms.Cadence{}) {
		p.Reviews = sms.Yearly("UTC")
	}
	if err := p.Reports.Validate(); err != nil {
		return p, sms.Invalid(Kind, "periodic.reports", "%v", err)
	}
	if err := p.Reviews.Validate(); err != nil {
		return p, sms.Invalid(Kind, "periodic.reviews", "%v", err)
	}
	if p.Grace < 0 || p.Grace > sms.MaxCadence {
		return p, sms.Invalid(Kind, "periodic.grace", "%s is negative or beyond %s", p.Grace, sms.MaxCadence)
	}
	return p, nil
}

// LiveService is a service the host delivers to a customer: what SLM-02
// wants an SLA in force for.
type LiveService struct {
	Service  string
	Customer string
}

// inForce reports whether the agreement is an edition in force.
func (a *Agreement) inForce() bool {
	return a.Status == StatusActive || a.Status == StatusUnderReview
}

// covered reports whether an issued report overlaps [s, e) and reaches its
// end: one report per period, or one over several.
func (a *Agreement) covered(s, e time.Time) bool {
	for _, r := range a.Reports {
		if r.Report.From.Before(e) && !r.Report.To.Before(e) {
			return true
		}
	}
	return false
}

// obligations reports each periodic obligation of an agreement in force
// that is overdue as of asOf: the reporting periods, from the one its
// activation falls in, that ended more than the grace ago with no report
// (SLM-04), and the review (SLM-04).
func obligations(a *Agreement, p *Periodic, asOf time.Time, fail func(code, req, detail string)) {
	if !a.inForce() || a.ActivatedAt.IsZero() {
		return
	}
	s, e := p.Reports.PeriodOf(a.ActivatedAt)
	for n := 0; n < maxPeriods && asOf.After(e.Add(p.Grace)); n++ {
		if !a.covered(s, e) {
			fail(CodeReportMissing, "SLM-04", fmt.Sprintf("no report of [%s, %s)", s.Format(time.RFC3339), e.Format(time.RFC3339)))
		}
		s, e = p.Reports.PeriodOf(e)
	}
	due := p.Reviews.FirstDue(a.ActivatedAt)
	if !a.ReviewedAt.IsZero() {
		due = p.Reviews.NextDue(a.ReviewedAt)
	}
	if asOf.After(due.Add(p.Grace)) {
		fail(CodeReviewOverdue, "SLM-04", "review due "+due.Format(time.RFC3339))
	}
}

// checks returns the conformance checks of agreements (check 9 of the
// catalogue's auditor suite, with [Coverage]).
func checks(p *Periodic) []sms.Check[*Agreement] {
	return []sms.Check[*Agreement]{
		{
			Name: "agreement-content", Clause: "8.3.3", Cites: []string{"SLM-01", "SLM-03", "SLM-07"},
			Rule:    "every agreement that came into force records its evidence, targets, workload limits (or none) and exceptions (or none), an internal one its activities and interfaces, and was signed by the customer and the provider, two people who are the actors of the sign-offs in its journal",
			Applies: func(a *Agreement) bool { return !a.ActivatedAt.IsZero() },
			Eval: func(a *Agreement, x *sms.Examined) {
				for _, miss := range a.incomplete() {
					x.Fail(CodeAgreementIncomplete, miss.id, miss.text)
				}
				cust, okc := a.signed(SideCustomer)
				prov, okp := a.signed(SideProvider)
				switch {
				case !okc || !okp:
					x.Fail(CodeAgreementIncomplete, "SLM-03", "not signed off by both sides")
				case cust == prov:
					x.Fail(CodeAgreementIncomplete, "SLM-03", cust+" signed for both sides")
				case x.Journal != nil:
					acted := sms.ActorsOf(x.Journal, string(TriggerSign))
					for _, who := range []string{cust, prov} {
						if !slices.Contains(acted, who) {
							x.Fail(CodeAgreementIncomplete, "SLM-03", who+" is named as a signatory but signed nothing in the journal")
						}
					}
				}
			},
		},
		{
			Name: "agreement-follow-up", Clause: "8.3.3", Cites: []string{"SLM-06"},
			Rule: "every issued report that missed a target or exceeded a workload limit names the improvement actions or opportunities raised",
			Applies: func(a *Agreement) bool {
				return slices.ContainsFunc(a.Reports, func(r Issued) bool { return r.Report.NeedsImprovement() })
			},
			Eval: func(a *Agreement, x *sms.Examined) {
				for _, r := range a.Reports {
					if r.Report.NeedsImprovement() && len(r.Improvements) == 0 {
						x.Fail(CodeImprovementMissing, "SLM-06", "report of "+period(r.Report)+" missed or exceeded and names no improvement")
					}
				}
			},
		},
		{
			Name: "agreement-obligations", Clause: "8.3.3", Cites: []string{"SLM-04"},
			Rule:    "every agreement in force has a report for each reporting period ended since its activation, and its review is not overdue",
			Applies: func(a *Agreement) bool { return a.inForce() },
			Eval: func(a *Agreement, x *sms.Examined) {
				obligations(a, p, x.AsOf, x.Fail)
			},
		},
	}
}

func period(r Report) string {
	return "[" + r.From.Format(time.RFC3339) + ", " + r.To.Format(time.RFC3339) + ")"
}

type missing struct{ id, text string }

// incomplete lists what an agreement lacks that its activation requires.
func (a *Agreement) incomplete() []missing {
	var out []missing
	if sms.Blank(a.Evidence.Kind) || sms.Blank(a.Evidence.Ref) {
		out = append(out, missing{"SLM-01", "no evidence of the agreement"})
	}
	if len(a.Services) == 0 || a.Customer == "" {
		out = append(out, missing{"SLM-01", "no customer or no service"})
	}
	if len(a.Targets) == 0 {
		out = append(out, missing{"SLM-03", "no service level target"})
	}
	for _, t := range a.Targets {
		if sms.Blank(t.Metric) || sms.Blank(t.Objective) || sms.Blank(t.Calendar) {
			out = append(out, missing{"SLM-03", "a target lacks its metric, objective or calendar"})
			break
		}
	}
	if len(a.Limits) == 0 && a.NoLimits == nil {
		out = append(out, missing{"SLM-03", "no workload limit and no declaration that there is none"})
	}
	if len(a.Exceptions) == 0 && a.NoExceptions == nil {
		out = append(out, missing{"SLM-03", "no exception and no declaration that there is none"})
	}
	if a.Type == OLA && (len(a.Activities) == 0 || len(a.Interfaces) == 0) {
		out = append(out, missing{"SLM-07", "an internal agreement without its activities or interfaces"})
	}
	return out
}

// AgreementChecks returns the conformance checks [Agreements.Conform]
// runs, under the periodic obligations p: for the process kit's catalogue
// test and for hosts that run them with [sms.ConformStore].
func AgreementChecks(p Periodic) ([]sms.Check[*Agreement], error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	return checks(&pp), nil
}

// Coverage is the result of the coverage check (SLM-02): every live
// service has an SLA in force with its customer among agreements, or it is
// a [CodeSLAMissing] finding. Its population is the services.
func Coverage(services []LiveService, agreements []*Agreement, asOf time.Time) sms.CheckResult {
	res := sms.CheckResult{Check: "sla-coverage", Clause: "8.3.3", Population: len(services),
		Rule: "every live service delivered to a customer has an SLA in force with that customer", Failures: []sms.Finding{}}
	req := sms.NewAudit(asOf, Requirements()).Requirement("SLM-02")
	for _, s := range services {
		if !slices.ContainsFunc(agreements, func(a *Agreement) bool {
			return a != nil && a.Type == SLA && a.inForce() && a.Customer == s.Customer && slices.Contains(a.Services, s.Service)
		}) {
			res.Failures = append(res.Failures, sms.Finding{Code: CodeSLAMissing, Requirement: req, Kind: ServiceKind, EntityID: s.Service,
				Detail: "no SLA in force with " + s.Customer, At: asOf.UTC()})
		}
	}
	return res
}

// AuditAgreements runs the agreement conformance checks over agreements
// and appends the coverage of services: check 9 of the auditor suite
// (SLA coverage, content, reporting and follow-up). Like the other
// packages' Audit, it trusts its input; [Agreements.Conform] verifies each
// stored record against its journal first.
func AuditAgreements(agreements []*Agreement, services []LiveService, p Periodic, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a, cs := sms.NewAudit(asOf, Requirements()), checks(&pp)
	sms.Declare(a, cs)
	for _, g := range agreements {
		if g == nil {
			return sms.Report{}, sms.Invalid(AgreementKind, "agreements", "holds nil")
		}
		sms.Examine(a, cs, g, nil)
	}
	r := a.Report()
	r.Results = append(r.Results, Coverage(services, agreements, asOf))
	return r, nil
}

// Conform runs check 9 of the auditor suite over the stored agreements:
// the record verification, then the content, follow-up and periodic
// obligations of every agreement that verifies against its journal, then
// the coverage of the live services by the agreements that verified (an
// SLA that does not verify covers nothing).
func (s *Agreements) Conform(ctx context.Context, services []LiveService, p Periodic, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a, cs := sms.NewAudit(asOf, Requirements()), checks(&pp)
	var verified []*Agreement
	err = sms.ConformStoreFunc(ctx, a, s.m, sms.Query{}, cs, func(g *Agreement, _ []sms.Entry) { verified = append(verified, g) })
	r := a.Report()
	r.Results = append(r.Results, Coverage(services, verified, asOf))
	return r, err
}

// SweepAgreement returns the periodic findings of one agreement as of a
// time: each reporting period ended past its grace without a report and
// an overdue review (SLM-04), and each reported period whose workload
// exceeded a limit with no improvement or capacity action named yet
// (SLM-05). It is a pure function.
func SweepAgreement(a *Agreement, p Periodic, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, sms.Invalid(AgreementKind, "agreement", "is nil")
	}
	return sweepAgreement(sms.NewAudit(asOf, Requirements()), a, &pp), nil
}

func sweepAgreement(au *sms.Audit, a *Agreement, p *Periodic) []sms.Finding {
	var out []sms.Finding
	fail := func(code, req, detail string) { out = append(out, au.Finding(code, req, AgreementKind, a.ID, detail)) }
	obligations(a, p, au.AsOf(), fail)
	if !a.inForce() {
		return out
	}
	for _, r := range a.Reports {
		if len(r.Improvements) > 0 {
			continue
		}
		for _, w := range r.Report.Workload {
			if w.Exceeded {
				fail(CodeWorkloadExceeded, "SLM-05", fmt.Sprintf("%s %d above the limit of %d in %s", w.Limit.Metric, w.Actual, w.Limit.Max, period(r.Report)))
			}
		}
	}
	return out
}

// Sweep returns the periodic findings of the stored agreements as of a
// time: each live service without an SLA in force (SLM-02), then each
// agreement's (see [SweepAgreement]). Only agreements that verify against
// their journal count: each one that does not is a
// [sms.CodeRecordUnverified] finding, listed first, and covers no service.
func (s *Agreements) Sweep(ctx context.Context, services []LiveService, p Periodic, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	au := sms.NewAudit(asOf, Requirements())
	var verified []*Agreement
	out, err := sms.SweepStore(ctx, s.m, sms.Query{}, asOf, func(g *Agreement, _ []sms.Entry) []sms.Finding {
		verified = append(verified, g)
		return sweepAgreement(au, g, &pp)
	})
	if err != nil {
		return out, err
	}
	cov := Coverage(services, verified, asOf).Failures
	n := 0
	for n < len(out) && out[n].Code == sms.CodeRecordUnverified {
		n++
	}
	return slices.Concat(out[:n], cov, out[n:]), nil
}
