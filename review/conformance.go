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

// performer returns who recorded the review's performance: the acting
// actor of its journal's perform entry when the check has the verified
// journal, else the performer the record names.
func performer(r *Review, journal []sms.Entry) string {
	if journal == nil {
		return r.PerformedBy
	}
	if who := sms.ActorsOf(journal, string(TriggerPerform)); len(who) > 0 {
		return who[len(who)-1]
	}
	return ""
}

// examined is what one audit's review checks saw: the clauses of the
// reviews each check examined (a check evidences the clauses of the
// requirements its reviews evidence), and the requirement recorded by
// each review whose requirement the audit's catalogue lacks, or lists
// under another clause (a review planned under a schedule since removed
// or changed), so that its findings cite the requirement the review
// records.
type examined struct {
	clause   map[string]string // the catalogue's clause of each requirement ID
	clauses  map[string][]string
	recorded map[string]sms.Requirement
}

func newExamined(catalogue []sms.Requirement) *examined {
	ex := &examined{clause: map[string]string{}, clauses: map[string][]string{}, recorded: map[string]sms.Requirement{}}
	for _, r := range catalogue {
		ex.clause[r.ID] = r.Clause
	}
	return ex
}

// saw wraps a check's Eval so that it notes what the check examined.
func (ex *examined) saw(name string, eval func(*Review, *sms.Examined)) func(*Review, *sms.Examined) {
	return func(r *Review, x *sms.Examined) {
		req := r.Requirement
		if cl := req.Clause; cl != "" && !slices.Contains(ex.clauses[name], cl) {
			ex.clauses[name] = append(ex.clauses[name], cl)
		}
		if cl, ok := ex.clause[req.ID]; req.ID != "" && (!ok || cl != req.Clause) {
			ex.recorded[r.ID] = req
		}
		eval(r, x)
	}
}

// report completes the audit's report: each check's clause lists the
// clauses of the reviews it examined, "-" when it examined none, and a
// finding against a review whose requirement the catalogue lacks cites
// the requirement the review records.
func (ex *examined) report(a *sms.Audit) sms.Report {
	rep := a.Report()
	for k := range rep.Results {
		res := &rep.Results[k]
		if cl, ok := ex.clauses[res.Check]; ok {
			slices.Sort(cl)
			res.Clause = strings.Join(cl, ", ")
		}
		for j := range res.Failures {
			if req, ok := ex.recorded[res.Failures[j].EntityID]; ok && res.Failures[j].Requirement.ID == req.ID {
				res.Failures[j].Requirement = req
			}
		}
	}
	return rep
}

// checks returns the conformance checks: data. Each finding cites the
// requirement the review evidences, which its schedule named when it was
// planned; the catalogue gives its sentence, the finding's detail says
// what is missing.
func (ex *examined) checks() []sms.Check[*Review] {
	fail := func(x *sms.Examined, r *Review, code, detail string) { x.Fail(code, r.Requirement.ID, detail) }
	check := func(c sms.Check[*Review]) sms.Check[*Review] {
		c.Clause, c.Eval = "-", ex.saw(c.Name, c.Eval)
		return c
	}
	return []sms.Check[*Review]{
		check(sms.Check[*Review]{
			Name: "review-record",
			Rule: "every review names its subject, the requirement it evidences, an owner and the period it covers",
			Eval: func(r *Review, x *sms.Examined) {
				if r.Subject == "" {
					fail(x, r, CodeRecordIncomplete, "no subject")
				}
				if r.Requirement.ID == "" || r.Requirement.Clause == "" {
					fail(x, r, CodeRecordIncomplete, "no requirement")
				}
				if r.Owner == "" {
					fail(x, r, CodeRecordIncomplete, "no owner")
				}
				if !r.Period.Valid() {
					fail(x, r, CodeRecordIncomplete, "no period, or it does not start before it ends")
				}
			},
		}),
		check(sms.Check[*Review]{
			Name: "review-performed",
			Rule: "every performed or closed review records what it examined, its conclusions, at least one participant, " +
				"when and by whom it was performed (not before the period ended; the performer its owner or a participant), " +
				"and a description and owner for every action",
			Applies: func(r *Review) bool { return r.Status.Performed() },
			Eval: func(r *Review, x *sms.Examined) {
				f := func(detail string) { fail(x, r, CodePerformanceIncomplete, detail) }
				if blank(r.Conclusions) {
					f("no conclusions")
				}
				if blank(r.Inputs.Summary) {
					f("no inputs examined")
				}
				if len(r.Participants) == 0 {
					f("no participants")
				}
				if r.PerformedAt.IsZero() || r.PerformedBy == "" {
					f("no performance time or performer")
				} else if !r.Period.To.IsZero() && r.PerformedAt.Before(r.Period.To) {
					f("performed before the period it covers ended")
				}
				if who := performer(r, x.Journal); r.PerformedBy != "" && (who == "" || !r.mayRecordPerformance(who, r.Participants)) {
					f(fmt.Sprintf("recorded as performed by %q, neither the owner (%s) nor a participant", who, r.Owner))
				}
				for _, a := range r.Actions {
					if blank(a.Text) || a.Owner == "" {
						f("an action without description or owner")
						break
					}
				}
			},
		}),
		check(sms.Check[*Review]{
			Name:    "review-actions-followed-up",
			Rule:    "every closed review has each action it agreed done or tracked by another record",
			Applies: func(r *Review) bool { return r.Status == StatusClosed },
			Eval: func(r *Review, x *sms.Examined) {
				if n := len(r.OpenActions()); n > 0 {
					fail(x, r, CodeActionsOpen, plural(n, "action")+" neither done nor tracked")
				}
				if r.ClosedAt.IsZero() {
					fail(x, r, CodeActionsOpen, "no closing time")
				}
			},
		}),
		check(sms.Check[*Review]{
			Name:    "review-cancellation",
			Rule:    "every cancelled review gives its reason",
			Applies: func(r *Review) bool { return r.Status == StatusCancelled },
			Eval: func(r *Review, x *sms.Examined) {
				if blank(r.CancelReason) {
					fail(x, r, CodeCancellationUnjustified, "no reason")
				}
			},
		}),
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// recorded returns the requirements the reviews record, each ID once: the
// catalogue of an audit of reviews given by the caller (a review that
// records an ID under another clause is cited as it records it).
func recorded(reviews []*Review) []sms.Requirement {
	var out []sms.Requirement
	for _, r := range reviews {
		if r != nil && r.Requirement.ID != "" && !slices.ContainsFunc(out, func(q sms.Requirement) bool { return q.ID == r.Requirement.ID }) {
			out = append(out, r.Requirement)
		}
	}
	return out
}

// audit runs the checks over reviews the caller gives.
func audit(reviews []*Review, asOf time.Time) sms.Report {
	cat := recorded(reviews)
	a, ex := sms.NewAudit(asOf, cat), newExamined(cat)
	cs := ex.checks()
	sms.Declare(a, cs)
	for _, r := range reviews {
		sms.Examine(a, cs, r, nil)
	}
	return ex.report(a)
}

// Check runs the conformance checks on one review and returns its findings
// (none when it conforms). It re-examines the fields: a closed review
// without conclusions fails even if it reached closed somehow. Findings
// cite the requirement the review evidences. It trusts its input: it does
// not verify the record against its journal, and takes the performer from
// the record. An auditor runs [Service.Conform], which checks only records
// that verify.
func Check(r *Review, asOf time.Time) ([]sms.Finding, error) {
	if r == nil {
		return nil, sms.Invalid(Kind, "review", "is nil")
	}
	return audit([]*Review{r}, asOf).Findings(), nil
}

// Audit runs the conformance checks over reviews and returns the evidence
// report: per check, the population examined and each failure; each
// check's clause lists the clauses of the requirements the reviews it
// examined evidence ("-" when it examined none). Like [Check], it trusts
// its input.
func Audit(reviews []*Review, asOf time.Time) sms.Report { return audit(reviews, asOf) }

// Conform runs the conformance checks over every stored review, on the
// evidence of records that verify against their journals
// ([sms.ConformStore]); findings take their requirement's sentence from
// the service's catalogue ([Service.Requirements]). The report's first
// result is the record-verification check (SMS-REC, clause 7.5.4): each
// record that does not verify (cannot be decoded, a journal that does not
// verify, fields changed outside the pipeline) is a RECORD_UNVERIFIED
// finding there and is counted by no other check; the run goes on past
// it. Who recorded a review's performance is read from its journal.
func (s *Service) Conform(ctx context.Context, asOf time.Time) (sms.Report, error) {
	a, ex := sms.NewAudit(asOf, s.catalogue), newExamined(s.catalogue)
	err := sms.ConformStore(ctx, a, s.m, sms.Query{}, ex.checks())
	return ex.report(a), err
}
