package problem

import (
	"context"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the problem and known-error conformance checks and
// sweep.
const (
	CodeRecordIncomplete         = "PROBLEM_RECORD_INCOMPLETE"
	CodeClassificationIncomplete = "PROBLEM_CLASSIFICATION_INCOMPLETE"
	CodeKnownErrorIncomplete     = "KNOWN_ERROR_INCOMPLETE"
	CodeKnownErrorMissing        = "KNOWN_ERROR_MISSING"
	CodeKnownErrorUnpublished    = "KNOWN_ERROR_UNPUBLISHED"
	CodeKnownErrorNotRetired     = "KNOWN_ERROR_NOT_RETIRED"
	CodeFixUnverified            = "FIX_UNVERIFIED"
	CodeRiskUnapproved           = "RISK_ACCEPTANCE_UNAPPROVED"
	CodeResolutionIncomplete     = "PROBLEM_RESOLUTION_INCOMPLETE"
	CodeCancellationUnjustified  = "PROBLEM_CANCELLATION_UNJUSTIFIED"
	CodeKEReviewOverdue          = "KE_REVIEW_OVERDUE"
)

type failFunc func(code, id, text, detail string)

// check is one conformance check over problems; keCheck over known errors.
// Checks read the stored fields; they never trust the status alone.
type check struct {
	name, clause, rule string
	applies            func(*Problem) bool
	eval               func(pr *Problem, kes map[string]*KnownError, fail failFunc)
}

type keCheck struct {
	name, clause, rule string
	applies            func(*KnownError) bool
	eval               func(k *KnownError, p *Policy, asOf time.Time, fail failFunc)
}

func checks() []check {
	return []check{
		{
			name: "problem-record", clause: "8.6.3",
			rule:    "every problem records summary, service and source; one from a major incident names it",
			applies: func(*Problem) bool { return true },
			eval: func(pr *Problem, _ map[string]*KnownError, fail failFunc) {
				if sms.Blank(pr.Summary) || pr.Service == "" || pr.Source == "" {
					fail(CodeRecordIncomplete, "PRB-03", "problems are recorded and classified", "summary, service or source missing")
				}
				if pr.Source == SourceMajorIncident && len(pr.Incidents()) == 0 {
					fail(CodeRecordIncomplete, "PRB-14", "every major incident is considered for a problem record", "raised from a major incident that it does not name")
				}
			},
		},
		{
			name: "problem-classification", clause: "8.6.3",
			rule:    "every problem past new has a category, a priority with its matrix version and an owner",
			applies: func(pr *Problem) bool { return pr.Status != StatusNew && pr.Status != StatusCancelled },
			eval: func(pr *Problem, _ map[string]*KnownError, fail failFunc) {
				if pr.Category == "" || pr.Owner == "" {
					fail(CodeClassificationIncomplete, "PRB-03", "problems are recorded and classified", "no category or no owner")
				}
				if pr.Priority < 1 || pr.MatrixVersion == "" {
					fail(CodeClassificationIncomplete, "PRB-04", "problems are prioritised", "no priority or matrix version")
				}
			},
		},
		{
			name: "problems-known-errors-traceable", clause: "8.6.3",
			rule: "every problem declared a known error has a determined root cause, a workaround or mitigation, " +
				"and a known error that is published or retired, retired once a fix was applied",
			applies: func(pr *Problem) bool { return pr.KnownError != "" },
			eval: func(pr *Problem, kes map[string]*KnownError, fail failFunc) {
				if !pr.causeKnown() {
					fail(CodeKnownErrorIncomplete, "PRB-02", "the root cause is analysed", "declared a known error without a determined root cause")
				}
				if !hasRemedy(pr.Workaround, pr.Mitigation) {
					fail(CodeKnownErrorIncomplete, "PRB-10", "while the cause is not fixed, actions reduce or remove the impact", "no workaround or mitigation")
				}
				if kes == nil {
					return // a single record checked on its own
				}
				k, listed := kes[pr.KnownError]
				if listed && k == nil {
					return // the known error does not verify: reported as such, never judged
				}
				switch {
				case k == nil:
					fail(CodeKnownErrorMissing, "PRB-11", "known errors are recorded", "known error "+pr.KnownError+" is not recorded")
				case k.Status == KEDraft:
					fail(CodeKnownErrorUnpublished, "PRB-12", "current information on known errors is available", "known error "+k.ID+" is still a draft")
				}
				if k != nil && pr.Resolution == FixApplied && (pr.Status == StatusResolved || pr.Status == StatusClosed) && k.Status != KERetired {
					fail(CodeKnownErrorNotRetired, "PRB-12", "current information on problem resolutions is available", "fixed, but known error "+k.ID+" is not retired")
				}
			},
		},
		{
			name: "problem-resolution", clause: "8.6.3",
			rule: "every resolved or closed problem has its root cause or a justification, a resolution type and notes; " +
				"a fix a change closed successful, an accepted risk two distinct approvers other than the requester, " +
				"a duplicate its original; a closed one closed after its observation window",
			applies: func(pr *Problem) bool { return pr.Status == StatusResolved || pr.Status == StatusClosed },
			eval: func(pr *Problem, _ map[string]*KnownError, fail failFunc) {
				if !pr.causeAccounted() {
					fail(CodeResolutionIncomplete, "PRB-02", "the root cause is analysed", "no root cause and no justification of why it is undeterminable")
				}
				if pr.Resolution == "" || sms.Blank(pr.ResolutionNotes) || pr.ResolvedAt.IsZero() {
					fail(CodeResolutionIncomplete, "PRB-06", "problems are resolved where possible", "no resolution type, notes or time")
				}
				switch pr.Resolution {
				case FixApplied:
					if pr.Change == "" || pr.ChangeOutcome != ChangeSuccessful || !pr.causeKnown() {
						fail(CodeFixUnverified, "PRB-09", "changes that resolve a problem follow the change policy", "fix applied without a change reported closed successful")
					}
				case RiskAccepted:
					if !riskApproved(pr) {
						fail(CodeRiskUnapproved, "PRB-06", "problems are resolved where possible",
							"risk accepted without a problem manager's and a service owner's approval by two people other than the requester")
					}
				case Duplicate:
					if pr.DuplicateOf == "" {
						fail(CodeResolutionIncomplete, "PRB-06", "problems are resolved where possible", "duplicate without its original")
					}
				}
				if pr.Status == StatusClosed && (pr.ClosedAt.IsZero() || pr.ClosedAt.Before(pr.ObserveUntil) || pr.ClosedAt.Before(pr.ResolvedAt)) {
					fail(CodeResolutionIncomplete, "PRB-07", "problems are closed", "closed before its observation window ended")
				}
			},
		},
		{
			name: "problem-cancellation", clause: "8.6.3",
			rule:    "every cancelled problem gives its reason; a duplicate names its original",
			applies: func(pr *Problem) bool { return pr.Status == StatusCancelled },
			eval: func(pr *Problem, _ map[string]*KnownError, fail failFunc) {
				switch pr.CancelReason {
				case CancelDuplicate:
					if pr.DuplicateOf == "" {
						fail(CodeCancellationUnjustified, "PRB-03", "problems are recorded and classified", "duplicate without its original")
					}
				case CancelNotAProblem, CancelRaisedInError:
				default:
					fail(CodeCancellationUnjustified, "PRB-03", "problems are recorded and classified", "no cancellation reason")
				}
			},
		},
	}
}

func keChecks() []keCheck {
	return []keCheck{
		{
			name: "known-error-record", clause: "8.6.3",
			rule:    "every known error names its problem, title and root cause and has a workaround or a mitigation plan",
			applies: func(*KnownError) bool { return true },
			eval: func(k *KnownError, _ *Policy, _ time.Time, fail failFunc) {
				if k.Problem == "" || sms.Blank(k.Title) {
					fail(CodeKnownErrorIncomplete, "PRB-11", "known errors are recorded", "no problem or title")
				}
				if sms.Blank(k.RootCause) {
					fail(CodeKnownErrorIncomplete, "PRB-02", "the root cause is analysed", "no root cause")
				}
				if !hasRemedy(k.Workaround, k.Mitigation) {
					fail(CodeKnownErrorIncomplete, "PRB-10", "while the cause is not fixed, actions reduce or remove the impact", "no workaround or mitigation")
				}
			},
		},
		{
			name: "known-error-currency", clause: "8.6.3",
			rule:    "every published known error is findable by symptom, service or configuration item and was reviewed within its interval",
			applies: func(k *KnownError) bool { return k.Status == KEPublished },
			eval: func(k *KnownError, p *Policy, asOf time.Time, fail failFunc) {
				if !findable(k) || k.PublishedAt.IsZero() {
					fail(CodeKnownErrorIncomplete, "PRB-12", "current information on known errors is available", "published but not findable")
				}
				if f, ok := reviewOverdue(k, p, asOf); ok {
					fail(CodeKEReviewOverdue, "PRB-12", "current information on known errors is available", f)
				}
			},
		},
	}
}

// reviewOverdue reports a published known error not reviewed within the
// policy's interval.
func reviewOverdue(k *KnownError, p *Policy, asOf time.Time) (string, bool) {
	if k.Status != KEPublished {
		return "", false
	}
	due := k.ReviewedAt.Add(p.ReviewEvery)
	if asOf.After(due) {
		return "review due " + due.Format(time.RFC3339), true
	}
	return "", false
}

// audit accumulates a conformance report.
type audit struct {
	p       *Policy
	asOf    time.Time
	checks  []check
	kchecks []keCheck
	results []sms.CheckResult
	kes     map[string]*KnownError
}

func newAudit(p *Policy, asOf time.Time, kes map[string]*KnownError) *audit {
	a := &audit{p: p, asOf: asOf.UTC(), checks: checks(), kchecks: keChecks(), kes: kes}
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	for _, c := range a.kchecks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: c.clause, Rule: c.rule, Failures: []sms.Finding{}})
	}
	return a
}

func (a *audit) add(pr *Problem) {
	for i, c := range a.checks {
		if !c.applies(pr) {
			continue
		}
		res := &a.results[i]
		res.Population++
		c.eval(pr, a.kes, func(code, id, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(id, text), Kind: Kind, EntityID: pr.ID, Detail: detail, At: a.asOf})
		})
	}
}

func (a *audit) addKE(k *KnownError) {
	for i, c := range a.kchecks {
		if !c.applies(k) {
			continue
		}
		res := &a.results[len(a.checks)+i]
		res.Population++
		c.eval(k, a.p, a.asOf, func(code, id, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code, Requirement: req(id, text), Kind: KnownErrorKind, EntityID: k.ID, Detail: detail, At: a.asOf})
		})
	}
}

func (a *audit) report() sms.Report { return sms.Report{AsOf: a.asOf, Results: a.results} }

// Check runs the problem conformance checks on one problem, on its own
// (the checks that need its known error are skipped), and returns its
// findings: none when it conforms. It trusts its input to be the problem
// as its journal left it; [Service.Conform], which an auditor runs, checks
// only records that verify against their journals.
func Check(pr *Problem, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if pr == nil {
		return nil, sms.Invalid(Kind, "problem", "is nil")
	}
	a := newAudit(&pp, asOf, nil)
	a.add(pr)
	return a.report().Findings(), nil
}

// CheckKnownError runs the known-error conformance checks on one known
// error. It trusts its input as [Check] does.
func CheckKnownError(k *KnownError, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, sms.Invalid(KnownErrorKind, "known_error", "is nil")
	}
	a := newAudit(&pp, asOf, nil)
	a.addKE(k)
	return a.report().Findings(), nil
}

// Audit runs every conformance check over problems and known errors and
// returns the evidence report: per check, the population examined and
// each failure. A problem is checked against its known error among kes.
// It trusts its input as [Check] does; [Service.Conform] verifies each
// record first.
func Audit(problems []*Problem, kes []*KnownError, p Policy, asOf time.Time) (sms.Report, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return sms.Report{}, err
	}
	byID := make(map[string]*KnownError, len(kes))
	for _, k := range kes {
		if k != nil {
			byID[k.ID] = k
		}
	}
	a := newAudit(&pp, asOf, byID)
	for _, pr := range problems {
		if pr != nil {
			a.add(pr)
		}
	}
	for _, k := range kes {
		if k != nil {
			a.addKE(k)
		}
	}
	return a.report(), nil
}

// Conform runs the conformance checks, under the service's policy, over
// every stored problem and known error whose record verifies against its
// journal (hash chain, head and state digest, see
// [sms.Machine.Verified]). The report's first result is the
// record-verification check ([sms.CheckRecordVerification]): its
// population is every record examined, and each record that does not
// verify, or cannot be decoded, is a RECORD_UNVERIFIED finding there and is
// counted by no other check (a problem whose known error does not verify
// is not judged on it). Such a record does not stop the run; an error of
// the store or the context does.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	ver := sms.NewVerificationResult()
	asOf = asOf.UTC()
	var kes []*KnownError
	byID := map[string]*KnownError{}
	err := s.ke.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(k *KnownError, _ []sms.Entry) bool {
		ver.Population++
		kes = append(kes, k)
		byID[k.ID] = k
		return true
	}, func(id string, err error) error {
		ver.Unverified(KnownErrorKind, id, err, asOf)
		byID[id] = nil // listed, but not to be judged
		return nil
	})
	if err != nil {
		return sms.Report{}, err
	}
	a := newAudit(&s.policy, asOf, byID)
	err = s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(pr *Problem, _ []sms.Entry) bool {
		ver.Population++
		a.add(pr)
		return true
	}, func(id string, err error) error { ver.Unverified(Kind, id, err, asOf); return nil })
	if err != nil {
		return sms.Report{}, err
	}
	for _, k := range kes {
		a.addKE(k)
	}
	r := a.report()
	r.Results = append([]sms.CheckResult{ver}, r.Results...)
	return r, nil
}

// SweepKnownError returns the periodic findings of one known error as of a
// time: KE_REVIEW_OVERDUE for a published known error not reviewed within
// the policy's interval (PRB-12). It is a pure function and trusts its
// input; [Service.Sweep] sweeps verified records only.
func SweepKnownError(k *KnownError, p Policy, asOf time.Time) ([]sms.Finding, error) {
	pp, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, sms.Invalid(KnownErrorKind, "known_error", "is nil")
	}
	return sweepKE(k, &pp, asOf.UTC()), nil
}

func sweepKE(k *KnownError, p *Policy, asOf time.Time) []sms.Finding {
	if detail, ok := reviewOverdue(k, p, asOf); ok {
		return []sms.Finding{{Code: CodeKEReviewOverdue, Requirement: req("PRB-12", "published known errors are reviewed within their interval"),
			Kind: KnownErrorKind, EntityID: k.ID, Detail: detail, At: asOf}}
	}
	return nil
}

// Sweep returns the periodic findings of every stored known error as of a
// time (KE_REVIEW_OVERDUE, PRB-12). Trend candidates (PRB-01, PRB-14) come
// from [Service.Candidates], over incident facts the host passes in. Only
// known errors that verify against their journals are swept; each one that
// does not is reported as a RECORD_UNVERIFIED finding instead, and the
// sweep goes on.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	var out []sms.Finding
	asOf = asOf.UTC()
	ver := sms.NewVerificationResult()
	err := s.ke.EachVerified(ctx, sms.Query{Status: []string{string(KEPublished)}, Limit: sms.MaxLimit}, func(k *KnownError, _ []sms.Entry) bool {
		out = append(out, sweepKE(k, &s.policy, asOf)...)
		return true
	}, func(id string, err error) error { ver.Unverified(KnownErrorKind, id, err, asOf); return nil })
	return append(out, ver.Failures...), err
}
