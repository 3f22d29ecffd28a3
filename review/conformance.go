package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of the review conformance checks. The sweep's codes are
// the schedules' own (see [Schedule.Code]).
const (
	CodeRecordIncomplete        = "REVIEW_RECORD_INCOMPLETE"
	CodePerformanceIncomplete   = "REVIEW_PERFORMANCE_INCOMPLETE"
	CodeActionsOpen             = "REVIEW_ACTIONS_OPEN"
	CodeCancellationUnjustified = "REVIEW_CANCELLATION_UNJUSTIFIED"
)

type failFunc func(code, text, detail string)

// check is one conformance check: which reviews it examines and what it
// demands of each. Checks read the stored fields; they never trust the
// status alone.
type check struct {
	name, rule string
	applies    func(*Review) bool
	eval       func(r *Review, journal []sms.Entry, fail failFunc)
}

// performer returns who recorded the review's performance: the acting
// actor of its journal's perform entry when there is a journal (one that
// verified), else the performer the record names.
func performer(r *Review, journal []sms.Entry) string {
	if journal == nil {
		return r.PerformedBy
	}
	for k := len(journal) - 1; k >= 0; k-- {
		if journal[k].Trigger == string(TriggerPerform) {
			return journal[k].Actor.ID
		}
	}
	return ""
}

func checks() []check {
	return []check{
		{
			name:    "review-record",
			rule:    "every review names its subject, the requirement it evidences, an owner and the period it covers",
			applies: func(*Review) bool { return true },
			eval: func(r *Review, journal []sms.Entry, fail failFunc) {
				if r.Subject == "" {
					fail(CodeRecordIncomplete, "a periodic review names what it reviews", "no subject")
				}
				if r.Requirement.ID == "" || r.Requirement.Clause == "" {
					fail(CodeRecordIncomplete, "a periodic review names the requirement it evidences", "no requirement")
				}
				if r.Owner == "" {
					fail(CodeRecordIncomplete, textOwner, "no owner")
				}
				if !r.Period.Valid() {
					fail(CodeRecordIncomplete, textPeriod, "no period, or it does not start before it ends")
				}
			},
		},
		{
			name: "review-performed",
			rule: "every performed or closed review records what it examined, its conclusions, at least one participant, " +
				"when and by whom it was performed (not before the period ended; the performer its owner or a participant), " +
				"and a description and owner for every action",
			applies: func(r *Review) bool { return r.Status.Performed() },
			eval: func(r *Review, journal []sms.Entry, fail failFunc) {
				f := func(text, detail string) { fail(CodePerformanceIncomplete, text, detail) }
				if blank(r.Conclusions) {
					f(textConclusions, "no conclusions")
				}
				if blank(r.Inputs.Summary) {
					f(textInputs, "no inputs examined")
				}
				if len(r.Participants) == 0 {
					f(textParticipants, "no participants")
				}
				if r.PerformedAt.IsZero() || r.PerformedBy == "" {
					f(textPerformedBy, "no performance time or performer")
				} else if !r.Period.To.IsZero() && r.PerformedAt.Before(r.Period.To) {
					f(textAfterPeriod, "performed before the period it covers ended")
				}
				if who := performer(r, journal); r.PerformedBy != "" && (who == "" || !r.mayRecordPerformance(who, r.Participants)) {
					f(textPerformer, fmt.Sprintf("recorded as performed by %q, neither the owner (%s) nor a participant", who, r.Owner))
				}
				for _, a := range r.Actions {
					if blank(a.Text) || a.Owner == "" {
						f(textActionOwner, "an action without description or owner")
						break
					}
				}
			},
		},
		{
			name:    "review-actions-followed-up",
			rule:    "every closed review has each action it agreed done or tracked by another record",
			applies: func(r *Review) bool { return r.Status == StatusClosed },
			eval: func(r *Review, journal []sms.Entry, fail failFunc) {
				if n := len(r.OpenActions()); n > 0 {
					fail(CodeActionsOpen, textActionsOpen, plural(n, "action")+" neither done nor tracked")
				}
				if r.ClosedAt.IsZero() {
					fail(CodeActionsOpen, textActionsOpen, "no closing time")
				}
			},
		},
		{
			name:    "review-cancellation",
			rule:    "every cancelled review gives its reason",
			applies: func(r *Review) bool { return r.Status == StatusCancelled },
			eval: func(r *Review, journal []sms.Entry, fail failFunc) {
				if blank(r.CancelReason) {
					fail(CodeCancellationUnjustified, textCancelReason, "no reason")
				}
			},
		},
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// audit accumulates a conformance report over a stream of reviews.
type audit struct {
	asOf    time.Time
	checks  []check
	results []sms.CheckResult
	clauses [][]string // per check, the clauses of the reviews examined
	// verified is the record-verification result of a run over stored
	// records, placed first in the report; nil for the package functions.
	verified *sms.CheckResult
}

func newAudit(asOf time.Time) *audit {
	a := &audit{asOf: asOf.UTC(), checks: checks()}
	a.clauses = make([][]string, len(a.checks))
	for _, c := range a.checks {
		a.results = append(a.results, sms.CheckResult{Check: c.name, Clause: "-", Rule: c.rule, Failures: []sms.Finding{}})
	}
	return a
}

// add runs every check on r; journal is its verified journal, or nil.
func (a *audit) add(r *Review, journal []sms.Entry) {
	if a.verified != nil {
		a.verified.Population++
	}
	for k, c := range a.checks {
		if !c.applies(r) {
			continue
		}
		res := &a.results[k]
		res.Population++
		if cl := r.Requirement.Clause; cl != "" && !slices.Contains(a.clauses[k], cl) {
			a.clauses[k] = append(a.clauses[k], cl)
		}
		c.eval(r, journal, func(code, text, detail string) {
			res.Failures = append(res.Failures, sms.Finding{Code: code,
				Requirement: sms.Requirement{ID: r.Requirement.ID, Clause: r.Requirement.Clause, Text: text},
				Kind:        Kind, EntityID: r.ID, Detail: detail, At: a.asOf})
		})
	}
}

// report returns the evidence report; each check's clause lists the
// clauses the reviews it examined evidence, "-" when it examined none.
func (a *audit) report() sms.Report {
	for k := range a.results {
		if cl := a.clauses[k]; len(cl) > 0 {
			slices.Sort(cl)
			a.results[k].Clause = strings.Join(cl, ", ")
		}
	}
	if a.verified == nil {
		return sms.Report{AsOf: a.asOf, Results: a.results}
	}
	return sms.Report{AsOf: a.asOf, Results: append([]sms.CheckResult{*a.verified}, a.results...)}
}

// Check runs the conformance checks on one review and returns its findings
// (none when it conforms). It re-examines the fields: a closed review
// without conclusions fails even if it reached closed somehow. Findings
// cite the requirement the review evidences, with the check's sentence. It
// trusts its input: it does not verify the record against its journal, and
// takes the performer from the record. An auditor runs [Service.Conform],
// which checks only records that verify.
func Check(r *Review, asOf time.Time) ([]sms.Finding, error) {
	if r == nil {
		return nil, sms.Invalid(Kind, "review", "is nil")
	}
	a := newAudit(asOf)
	a.add(r, nil)
	return a.report().Findings(), nil
}

// Audit runs the conformance checks over reviews and returns the evidence
// report: per check, the population examined and each failure. Like
// [Check], it trusts its input.
func Audit(reviews []*Review, asOf time.Time) sms.Report {
	a := newAudit(asOf)
	for _, r := range reviews {
		if r != nil {
			a.add(r, nil)
		}
	}
	return a.report()
}

// Conform runs the conformance checks over every stored review, on the
// evidence of records that verify against their journals
// ([sms.Machine.EachVerified]). The report's first result is the
// record-verification check (SMS-REC, clause 7.5.4): each record that does
// not verify (cannot be decoded, a journal that does not verify, fields
// changed outside the pipeline) is a RECORD_UNVERIFIED finding there and is
// counted by no other check; the run goes on past it. Who recorded a
// review's performance is read from its journal.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a := newAudit(asOf)
	v := sms.NewVerificationResult()
	a.verified = &v
	err := s.first.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit},
		func(r *Review, journal []sms.Entry) bool { a.add(r, journal); return true },
		func(id string, err error) error { v.Unverified(Kind, id, err, a.asOf); return nil })
	return a.report(), err
}
