package release

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the release conformance checks and sweep.
const (
	CodeDeployedUnchecked       = "RELEASE_DEPLOYED_WITHOUT_CONTROLS"
	CodeAnalysisMissing         = "RELEASE_CLOSED_WITHOUT_ANALYSIS"
	CodeCancellationUnjustified = "RELEASE_CANCELLATION_UNJUSTIFIED"
	CodeAnalysisOverdue         = "RELEASE_ANALYSIS_OVERDUE"
)

type finder func(code, id, text, detail string)

// check is one conformance check: which releases it examines and what it
// demands of each. Checks read the stored fields, never the status alone.
type check struct {
	name, clause, rule string
	applies            func(*Release) bool
	eval               func(r *Release, p *Policy, asOf time.Time, fail finder)
}

func deployStarted(r *Release) bool { return r.Deployment != nil && !r.Deployment.StartedAt.IsZero() }

func checks() []check {
	return []check{
		{
			name: "release-deployment-controls", clause: "8.5.3",
			rule: "every release whose deployment started is of a known type, links at least one change, has its windows, " +
				"deliverables and method, a result for every acceptance criterion with every failure decided and covered by a " +
				"known error, approvals satisfying its type's rule by others than its owner and deployer dated before the " +
				"deployment, and a baseline taken before it; a completed deployment has every target verified",
			applies: deployStarted,
			eval: func(r *Release, p *Policy, _ time.Time, fail finder) {
				f := func(id, text, detail string) { fail(CodeDeployedUnchecked, id, text, detail) }
				start := r.Deployment.StartedAt
				rule, known := p.rule(r)
				if !known {
					f("REL-01", "release types are defined", "type "+r.Type+" is not one of the policy's")
				}
				if len(r.Changes) == 0 {
					f("REL-03", "release planning references its changes", "deployed without a linked change")
				}
				if !validWindows(r.Windows) || !validDeliverables(r.Deliverables) || r.Method == "" || !notBlank(r.Plan) {
					f("REL-04", "the plan states dates, deliverables and methods", "deployed without windows, deliverables, method or plan")
				}
				if len(r.Criteria) == 0 || !covered(r.Criteria, r.Results) {
					f("REL-05", "releases are verified against acceptance criteria", "deployed without a result for every criterion")
				}
				if failed := r.failedCriteria(); len(failed) > 0 {
					d := r.Decision
					if d == nil || d.Outcome != DecideDeployWithErrors || len(d.Participants) == 0 || d.At.After(start) {
						f("REL-06", "the interested parties decide on failed criteria", "deployed with failed criteria and no decision to deploy")
					} else {
						for _, c := range failed {
							if !slices.ContainsFunc(d.KnownErrors, func(k CriterionKnownError) bool { return k.Criterion == c && k.KnownError != "" }) {
								f("REL-06", "the interested parties decide on failed criteria", "failed criterion "+c+" has no known error")
							}
						}
					}
				}
				var before []sms.Approval
				ps := r.participants()
				for _, a := range r.Approvals {
					if !a.At.After(start) {
						before = append(before, a)
					}
					if party, ok := ps.Holds(a.Approver, sms.PartyOwner, sms.PartyDeployer); ok {
						f("REL-05", "releases are approved by others than their owner and deployer", "approved by "+a.Approver+", its "+string(party))
					}
				}
				if (known && rule.Tally(before, ps) != sms.Approved) || r.AuthorizedAt.IsZero() || r.AuthorizedAt.After(start) {
					f("REL-05", "releases are approved before deployment", "approvals before deployment do not satisfy the type's rule")
				}
				if b := r.Baseline; b == nil || b.TakenAt.After(start) || len(b.Items) == 0 {
					f("REL-07", "a baseline is taken before deployment", "no baseline with items taken before the deployment")
				}
				if r.Deployed() {
					d := r.Deployment
					if len(d.Targets) == 0 || slices.ContainsFunc(d.Targets, func(t TargetResult) bool { return !t.OK }) || !notBlank(d.Verification) {
						f("REL-08", "deployment preserves integrity", "deployed without every target verified")
					}
				}
				if !r.Deployment.RolledBackAt.IsZero() && r.Deployment.RestoredTo == "" {
					f("REL-08", "deployment preserves integrity", "rolled back without restoring the baseline")
				}
			},
		},
		{
			name: "release-analysis", clause: "8.5.3",
			rule:    "every closed release has its analysis: outcome, conclusions and the early-life incidents counted",
			applies: func(r *Release) bool { return r.Status == StatusClosed },
			eval: func(r *Release, _ *Policy, _ time.Time, fail finder) {
				a := r.Analysis
				switch {
				case a == nil:
					fail(CodeAnalysisMissing, "REL-10", "analysis results and conclusions are recorded", "closed without analysis")
				case a.Outcome == "" || !notBlank(a.Conclusions):
					fail(CodeAnalysisMissing, "REL-10", "analysis results and conclusions are recorded", "analysis without outcome or conclusions")
				case a.IncidentCount != len(r.Incidents):
					fail(CodeAnalysisMissing, "REL-09", "early-life incidents are counted", "incident count differs from the incidents recorded")
				}
			},
		},
		{
			name: "release-cancellation", clause: "8.5.3",
			rule:    "every cancelled release gives its reason and never started deploying",
			applies: func(r *Release) bool { return r.Status == StatusCancelled },
			eval: func(r *Release, _ *Policy, _ time.Time, fail finder) {
				if !notBlank(r.CancelReason) {
					fail(CodeCancellationUnjustified, "REL-02", "a cancellation gives its reason", "cancelled without reason")
				}
				if deployStarted(r) {
					fail(CodeCancellationUnjustified, "REL-08", "a deployed release is rolled back, not cancelled", "cancelled after deployment started")
				}
			},
		},
	}
}

type audit struct {
	p       *Policy
	asOf    time.Time
	checks  []check
	results []sms.CheckResult
}

func newAudit(p *Policy, asOf time.Time) *audit {
	a := &audit{p: p, asOf: asOf.UTC(), checks: checks()}
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	return a
}

func (a *audit) add(r *Release) {
	for k, c := range a.checks {
		if !c.applies(r) {
			continue
		}
		res := &a.results[k]
		res.Population++
		c.eval(r, a.p, a.asOf, func(code, id, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(id, text), Kind: Kind, EntityID: r.ID, Detail: detail, At: a.asOf})
		})
	}
}

func (a *audit) report() sms.Report { return sms.Report{AsOf: a.asOf, Results: a.results} }

// Check runs the conformance checks on one release and returns its
// findings (none when it conforms). It trusts its input: the release is
// judged as given, whether or not it verifies against its journal;
// [Service.Conform] checks only records that do.
func Check(r *Release, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, sms.Invalid(Kind, "release", "is nil")
	}
	a := newAudit(&pp, asOf)
	a.add(r)
	return a.report().Findings(), nil
}

// Audit runs the conformance checks over releases and returns the evidence
// report. Like [Check], it trusts its input and runs no record
// verification; [Service.Conform] is what an auditor runs on a store.
func Audit(releases []*Release, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a := newAudit(&pp, asOf)
	for _, r := range releases {
		if r != nil {
			a.add(r)
		}
	}
	return a.report(), nil
}

// Conform runs the conformance checks over every stored release that
// verifies against its journal (see [sms.Machine.EachVerified]). Its first
// result is the record-verification check ([sms.CheckRecordVerification]):
// every release examined counts in its population, and each one that does
// not verify (its journal altered, its fields or status changed outside
// the workflow, or undecodable) is a [sms.CodeRecordUnverified] finding
// and is not examined by the other checks. A record that does not verify
// does not stop the run; a store or context error does, and is returned
// with the report so far.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := newAudit(&s.policy, asOf)
	ver := sms.NewVerificationResult()
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(r *Release, _ []sms.Entry) bool {
		ver.Population++
		a.add(r)
		return true
	}, func(id string, err error) error {
		ver.Unverified(Kind, id, err, a.asOf)
		return nil
	})
	rep := a.report()
	rep.Results = append([]sms.CheckResult{ver}, rep.Results...)
	return rep, err
}

// Sweep returns the periodic findings for one release as of a time: its
// analysis overdue once the early life ended (REL-09, REL-10). It is a pure
// function.
func Sweep(r *Release, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, sms.Invalid(Kind, "release", "is nil")
	}
	return sweep(r, &pp, asOf.UTC()), nil
}

func sweep(r *Release, p *Policy, asOf time.Time) []sms.Finding {
	if r.Analysis != nil || r.Status == StatusCancelled || !r.Deployed() || r.Deployment.EarlyLifeEnds.IsZero() {
		return nil
	}
	due := r.Deployment.EarlyLifeEnds.Add(p.AnalysisWithin)
	if !asOf.After(due) {
		return nil
	}
	return []sms.Finding{{Code: CodeAnalysisOverdue, Requirement: req("REL-10", "a release is analysed once its early life ends"),
		Kind: Kind, EntityID: r.ID, Detail: "analysis due " + due.Format(time.RFC3339), At: asOf}}
}

// Sweep returns the periodic findings of every stored release as of a
// time; see the package function [Sweep]. Only releases that verify
// against their journal are swept: each one that does not is a
// [sms.CodeRecordUnverified] finding, listed first.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	asOf = asOf.UTC()
	sq, err := Query{Status: []Status{StatusEarlyLife, StatusReview, StatusRolledBack, StatusClosed}, Limit: sms.MaxLimit}.query()
	if err != nil {
		return nil, err
	}
	var out []sms.Finding
	ver := sms.NewVerificationResult()
	err = s.m.EachVerified(ctx, sq, func(r *Release, _ []sms.Entry) bool {
		out = append(out, sweep(r, &s.policy, asOf)...)
		return true
	}, func(id string, err error) error {
		ver.Unverified(Kind, id, err, asOf)
		return nil
	})
	if len(ver.Failures) == 0 {
		return out, err
	}
	return append(ver.Failures, out...), err
}
