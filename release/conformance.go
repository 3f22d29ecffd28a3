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

func deployStarted(r *Release) bool { return r.Deployment != nil && !r.Deployment.StartedAt.IsZero() }

// checks returns the conformance checks over releases, under the policy:
// data ([sms.Check]) citing the catalogue ([Requirements]) by ID. They read
// the stored fields, never the status alone.
func checks(p *Policy) []sms.Check[*Release] {
	return []sms.Check[*Release]{
		{
			Name: "release-deployment-controls", Clause: "8.5.3",
			Cites: []string{"REL-01", "REL-03", "REL-04", "REL-05", "REL-06", "REL-07", "REL-08"},
			Rule: "every release whose deployment started is of a known type, links at least one change, has its windows, " +
				"deliverables and method, a result for every acceptance criterion with every failure decided and covered by a " +
				"known error, approvals satisfying its type's rule by others than its owner and deployer dated before the " +
				"deployment, and a baseline taken before it; a completed deployment has every target verified",
			Applies: deployStarted,
			Eval: func(r *Release, x *sms.Examined) {
				f := func(id, detail string) { x.Fail(CodeDeployedUnchecked, id, detail) }
				start := r.Deployment.StartedAt
				rule, known := p.rule(r)
				if !known {
					f("REL-01", "type "+r.Type+" is not one of the policy's")
				}
				if len(r.Changes) == 0 {
					f("REL-03", "deployed without a linked change")
				}
				if !validWindows(r.Windows) || !validDeliverables(r.Deliverables) || r.Method == "" || !notBlank(r.Plan) {
					f("REL-04", "deployed without windows, deliverables, method or plan")
				}
				if len(r.Criteria) == 0 || !covered(r.Criteria, r.Results) {
					f("REL-05", "deployed without a result for every criterion")
				}
				if failed := r.failedCriteria(); len(failed) > 0 {
					d := r.Decision
					if d == nil || d.Outcome != DecideDeployWithErrors || len(d.Participants) == 0 || d.At.After(start) {
						f("REL-06", "deployed with failed criteria and no decision to deploy")
					} else {
						for _, c := range failed {
							if !slices.ContainsFunc(d.KnownErrors, func(k CriterionKnownError) bool { return k.Criterion == c && k.KnownError != "" }) {
								f("REL-06", "failed criterion "+c+" has no known error")
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
						f("REL-05", "approved by "+a.Approver+", its "+string(party))
					}
				}
				if (known && rule.Tally(before, ps) != sms.Approved) || r.AuthorizedAt.IsZero() || r.AuthorizedAt.After(start) {
					f("REL-05", "approvals before deployment do not satisfy the type's rule")
				}
				if b := r.Baseline; b == nil || b.TakenAt.After(start) || len(b.Items) == 0 {
					f("REL-07", "no baseline with items taken before the deployment")
				}
				if r.Deployed() {
					d := r.Deployment
					if len(d.Targets) == 0 || slices.ContainsFunc(d.Targets, func(t TargetResult) bool { return !t.OK }) || !notBlank(d.Verification) {
						f("REL-08", "deployed without every target verified")
					}
				}
				if !r.Deployment.RolledBackAt.IsZero() && r.Deployment.RestoredTo == "" {
					f("REL-08", "rolled back without restoring the baseline")
				}
			},
		},
		{
			Name: "release-analysis", Clause: "8.5.3", Cites: []string{"REL-09", "REL-10"},
			Rule:    "every closed release has its analysis: outcome, conclusions and the early-life incidents counted",
			Applies: func(r *Release) bool { return r.Status == StatusClosed },
			Eval: func(r *Release, x *sms.Examined) {
				a := r.Analysis
				switch {
				case a == nil:
					x.Fail(CodeAnalysisMissing, "REL-10", "closed without analysis")
				case a.Outcome == "" || !notBlank(a.Conclusions):
					x.Fail(CodeAnalysisMissing, "REL-10", "analysis without outcome or conclusions")
				case a.IncidentCount != len(r.Incidents):
					x.Fail(CodeAnalysisMissing, "REL-09", "incident count differs from the incidents recorded")
				}
			},
		},
		{
			Name: "release-cancellation", Clause: "8.5.3", Cites: []string{"REL-02", "REL-08"},
			Rule:    "every cancelled release gives its reason and never started deploying",
			Applies: func(r *Release) bool { return r.Status == StatusCancelled },
			Eval: func(r *Release, x *sms.Examined) {
				if !notBlank(r.CancelReason) {
					x.Fail(CodeCancellationUnjustified, "REL-02", "cancelled without reason")
				}
				if deployStarted(r) {
					x.Fail(CodeCancellationUnjustified, "REL-08", "cancelled after deployment started")
				}
			},
		},
	}
}

// audit returns an audit of releases as of asOf, citing the catalogue,
// with the checks declared.
func audit(p *Policy, asOf time.Time) (*sms.Audit, []sms.Check[*Release]) {
	a, cs := sms.NewAudit(asOf, Requirements()), checks(p)
	sms.Declare(a, cs)
	return a, cs
}

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
	a, cs := audit(&pp, asOf)
	sms.Examine(a, cs, r, nil)
	return a.Report().Findings(), nil
}

// Audit runs the conformance checks over releases and returns the evidence
// report. Like [Check], it trusts its input and runs no record
// verification; [Service.Conform] is what an auditor runs on a store.
func Audit(releases []*Release, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	a, cs := audit(&pp, asOf)
	for _, r := range releases {
		sms.Examine(a, cs, r, nil)
	}
	return a.Report(), nil
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
	a, cs := audit(&s.policy, asOf)
	err := sms.ConformStore(ctx, a, s.m, sms.Query{}, cs)
	return a.Report(), err
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
	return sweep(sms.NewAudit(asOf, Requirements()), r, &pp), nil
}

func sweep(a *sms.Audit, r *Release, p *Policy) []sms.Finding {
	if r.Analysis != nil || r.Status == StatusCancelled || !r.Deployed() || r.Deployment.EarlyLifeEnds.IsZero() {
		return nil
	}
	due := r.Deployment.EarlyLifeEnds.Add(p.AnalysisWithin)
	if !a.AsOf().After(due) {
		return nil
	}
	return []sms.Finding{a.Finding(CodeAnalysisOverdue, "REL-10", Kind, r.ID, "analysis due "+due.Format(time.RFC3339))}
}

// Sweep returns the periodic findings of every stored release as of a
// time; see the package function [Sweep]. Only releases that verify
// against their journal are swept ([sms.SweepStore]): each one that does
// not is a [sms.CodeRecordUnverified] finding, listed first.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	sq, err := Query{Status: []Status{StatusEarlyLife, StatusReview, StatusRolledBack, StatusClosed}, Limit: sms.MaxLimit}.query()
	if err != nil {
		return nil, err
	}
	a := sms.NewAudit(asOf, Requirements())
	return sms.SweepStore(ctx, s.m, sq, asOf, func(r *Release, _ []sms.Entry) []sms.Finding { return sweep(a, r, &s.policy) })
}
