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

// checks are the problem conformance checks: data, citing the catalogue
// ([Requirements]) by ID; each finding's requirement is the catalogue's.
// Checks read the stored fields; they never trust the status alone. kes
// holds the known errors a problem is checked against, by ID, nil for one
// that did not verify (never judged); a nil map checks each problem on its
// own, without its known error.
func checks(kes map[string]*KnownError) []sms.Check[*Problem] {
	return []sms.Check[*Problem]{
		{
			Name: "problem-record", Clause: "8.6.3", Cites: []string{"PRB-03", "PRB-14"},
			Rule: "every problem records summary, service and source; one from a major incident names it",
			Eval: func(pr *Problem, x *sms.Examined) {
				if sms.Blank(pr.Summary) || pr.Service == "" || pr.Source == "" {
					x.Fail(CodeRecordIncomplete, "PRB-03", "summary, service or source missing")
				}
				if pr.Source == SourceMajorIncident && len(pr.Incidents()) == 0 {
					x.Fail(CodeRecordIncomplete, "PRB-14", "raised from a major incident that it does not name")
				}
			},
		},
		{
			Name: "problem-classification", Clause: "8.6.3", Cites: []string{"PRB-03", "PRB-04"},
			Rule:    "every problem past new has a category, a priority with its matrix version and an owner",
			Applies: func(pr *Problem) bool { return pr.Status != StatusNew && pr.Status != StatusCancelled },
			Eval: func(pr *Problem, x *sms.Examined) {
				if pr.Category == "" || pr.Owner == "" {
					x.Fail(CodeClassificationIncomplete, "PRB-03", "no category or no owner")
				}
				if pr.Priority < 1 || pr.MatrixVersion == "" {
					x.Fail(CodeClassificationIncomplete, "PRB-04", "no priority or matrix version")
				}
			},
		},
		{
			Name: "problems-known-errors-traceable", Clause: "8.6.3", Cites: []string{"PRB-02", "PRB-10", "PRB-11", "PRB-12"},
			Rule: "every problem declared a known error has a determined root cause, a workaround or mitigation, " +
				"and a known error that is published or retired, retired once a fix was applied",
			Applies: func(pr *Problem) bool { return pr.KnownError != "" },
			Eval: func(pr *Problem, x *sms.Examined) {
				if !pr.causeKnown() {
					x.Fail(CodeKnownErrorIncomplete, "PRB-02", "declared a known error without a determined root cause")
				}
				if !hasRemedy(pr.Workaround, pr.Mitigation) {
					x.Fail(CodeKnownErrorIncomplete, "PRB-10", "no workaround or mitigation")
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
					x.Fail(CodeKnownErrorMissing, "PRB-11", "known error "+pr.KnownError+" is not recorded")
				case k.Status == KEDraft:
					x.Fail(CodeKnownErrorUnpublished, "PRB-12", "known error "+k.ID+" is still a draft")
				}
				if k != nil && pr.Resolution == FixApplied && (pr.Status == StatusResolved || pr.Status == StatusClosed) && k.Status != KERetired {
					x.Fail(CodeKnownErrorNotRetired, "PRB-12", "fixed, but known error "+k.ID+" is not retired")
				}
			},
		},
		{
			Name: "problem-resolution", Clause: "8.6.3", Cites: []string{"PRB-02", "PRB-06", "PRB-09", "PRB-07"},
			Rule: "every resolved or closed problem has its root cause or a justification, a resolution type and notes; " +
				"a fix a change closed successful, an accepted risk two distinct approvers other than the requester, " +
				"a duplicate its original; a closed one closed after its observation window",
			Applies: func(pr *Problem) bool { return pr.Status == StatusResolved || pr.Status == StatusClosed },
			Eval: func(pr *Problem, x *sms.Examined) {
				if !pr.causeAccounted() {
					x.Fail(CodeResolutionIncomplete, "PRB-02", "no root cause and no justification of why it is undeterminable")
				}
				if pr.Resolution == "" || sms.Blank(pr.ResolutionNotes) || pr.ResolvedAt.IsZero() {
					x.Fail(CodeResolutionIncomplete, "PRB-06", "no resolution type, notes or time")
				}
				switch pr.Resolution {
				case FixApplied:
					if pr.Change == "" || pr.ChangeOutcome != ChangeSuccessful || !pr.causeKnown() {
						x.Fail(CodeFixUnverified, "PRB-09", "fix applied without a change reported closed successful")
					}
				case RiskAccepted:
					if !riskApproved(pr) {
						x.Fail(CodeRiskUnapproved, "PRB-06", "risk accepted without a problem manager's and a service owner's approval by two people other than the requester")
					}
				case Duplicate:
					if pr.DuplicateOf == "" {
						x.Fail(CodeResolutionIncomplete, "PRB-06", "duplicate without its original")
					}
				}
				if pr.Status == StatusClosed && (pr.ClosedAt.IsZero() || pr.ClosedAt.Before(pr.ObserveUntil) || pr.ClosedAt.Before(pr.ResolvedAt)) {
					x.Fail(CodeResolutionIncomplete, "PRB-07", "closed before its observation window ended")
				}
			},
		},
		{
			Name: "problem-cancellation", Clause: "8.6.3", Cites: []string{"PRB-03"},
			Rule:    "every cancelled problem gives its reason; a duplicate names its original",
			Applies: func(pr *Problem) bool { return pr.Status == StatusCancelled },
			Eval: func(pr *Problem, x *sms.Examined) {
				switch pr.CancelReason {
				case CancelDuplicate:
					if pr.DuplicateOf == "" {
						x.Fail(CodeCancellationUnjustified, "PRB-03", "duplicate without its original")
					}
				case CancelNotAProblem, CancelRaisedInError:
				default:
					x.Fail(CodeCancellationUnjustified, "PRB-03", "no cancellation reason")
				}
			},
		},
	}
}

// keChecks are the known-error conformance checks, under the policy.
func keChecks(p *Policy) []sms.Check[*KnownError] {
	return []sms.Check[*KnownError]{
		{
			Name: "known-error-record", Clause: "8.6.3", Cites: []string{"PRB-11", "PRB-02", "PRB-10"},
			Rule: "every known error names its problem, title and root cause and has a workaround or a mitigation plan",
			Eval: func(k *KnownError, x *sms.Examined) {
				if k.Problem == "" || sms.Blank(k.Title) {
					x.Fail(CodeKnownErrorIncomplete, "PRB-11", "no problem or title")
				}
				if sms.Blank(k.RootCause) {
					x.Fail(CodeKnownErrorIncomplete, "PRB-02", "no root cause")
				}
				if !hasRemedy(k.Workaround, k.Mitigation) {
					x.Fail(CodeKnownErrorIncomplete, "PRB-10", "no workaround or mitigation")
				}
			},
		},
		{
			Name: "known-error-currency", Clause: "8.6.3", Cites: []string{"PRB-12"},
			Rule:    "every published known error is findable by symptom, service or configuration item and was reviewed within its interval",
			Applies: func(k *KnownError) bool { return k.Status == KEPublished },
			Eval: func(k *KnownError, x *sms.Examined) {
				if !findable(k) || k.PublishedAt.IsZero() {
					x.Fail(CodeKnownErrorIncomplete, "PRB-12", "published but not findable")
				}
				if f, ok := reviewOverdue(k, p, x.AsOf); ok {
					x.Fail(CodeKEReviewOverdue, "PRB-12", f)
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

// Checks returns the problem conformance checks [Service.Conform] runs,
// for a host's own audit ([sms.Examine], [sms.ConformStore]); given here
// without the known errors, they check each problem on its own, as
// [Check] does.
func (s *Service) Checks() []sms.Check[*Problem] { return checks(nil) }

// Checks returns the known-error conformance checks [Service.Conform]
// runs, under the service's policy.
func (k *KnownErrors) Checks() []sms.Check[*KnownError] { return keChecks(k.policy) }

// newAudit returns an audit that reports every check, problems' first, a
// problem judged against the known errors in kes.
func newAudit(p *Policy, asOf time.Time, kes map[string]*KnownError) *sms.Audit {
	a := sms.NewAudit(asOf, Requirements())
	sms.Declare(a, checks(kes))
	sms.Declare(a, keChecks(p))
	return a
}

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
	sms.Examine(a, checks(nil), pr, nil)
	return a.Report().Findings(), nil
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
	sms.Examine(a, keChecks(&pp), k, nil)
	return a.Report().Findings(), nil
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
	pc, kc := checks(byID), keChecks(&pp)
	for _, pr := range problems {
		sms.Examine(a, pc, pr, nil)
	}
	for _, k := range kes {
		sms.Examine(a, kc, k, nil)
	}
	return a.Report(), nil
}

// Conform runs the conformance checks, under the service's policy, over
// every stored problem and known error whose record verifies against its
// journal (hash chain, head and state digest, see
// [sms.Machine.Verified]), with [sms.ConformStore]. The report's first
// result is the record-verification check ([sms.CheckRecordVerification]):
// its population is every record examined, and each record that does not
// verify, or cannot be decoded, is a RECORD_UNVERIFIED finding there and is
// counted by no other check (a problem whose known error does not verify
// is not judged on it). Such a record does not stop the run; an error of
// the store or the context does.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	kes := map[string]*KnownError{}
	a := newAudit(&s.policy, asOf, kes)
	// The known errors first: the record check, which examines every one
	// that verifies, also hands it to the problems' checks.
	kc := keChecks(&s.policy)
	record := kc[0].Eval
	kc[0].Eval = func(k *KnownError, x *sms.Examined) { kes[k.ID] = k; record(k, x) }
	if err := sms.ConformStore(ctx, a, s.kes.m, sms.Query{}, kc); err != nil {
		return sms.Report{}, err
	}
	if rep := a.Report(); len(rep.Results) > 0 && rep.Results[0].Check == sms.CheckRecordVerification {
		for _, f := range rep.Results[0].Failures {
			kes[f.EntityID] = nil // listed, but not to be judged
		}
	}
	if err := sms.ConformStore(ctx, a, s.m, sms.Query{}, checks(kes)); err != nil {
		return sms.Report{}, err
	}
	return a.Report(), nil
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
		return []sms.Finding{{Code: CodeKEReviewOverdue, Requirement: requirement("PRB-12"), Kind: KnownErrorKind, EntityID: k.ID, Detail: detail, At: asOf.UTC()}}
	}
	return nil
}

// Sweep returns the periodic findings of every stored known error as of a
// time (KE_REVIEW_OVERDUE, PRB-12). Trend candidates (PRB-01, PRB-14) come
// from [Service.Candidates], over incident facts the host passes in. Only
// known errors that verify against their journals are swept
// ([sms.SweepStore]); each one that does not is reported as a
// RECORD_UNVERIFIED finding instead, first, and the sweep goes on.
func (s *Service) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	return sms.SweepStore(ctx, s.kes.m, sms.Query{Status: []string{string(KEPublished)}}, asOf,
		func(k *KnownError, _ []sms.Entry) []sms.Finding { return sweepKE(k, &s.policy, asOf) })
}
