package review_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/review"
)

// newExampleService returns a service with a quarterly problem-effectiveness
// schedule (PRB-13) on an in-memory store, with a fixed clock and
// sequential IDs, so that the examples print the same each time.
func newExampleService() (*review.Service, *time.Time) {
	now := time.Date(2026, 7, 6, 9, 0, 0, 0, time.UTC)
	n := 0
	svc, err := review.NewService(memstore.New[*review.Review](), review.Config{
		Schedules: []review.Schedule{{
			Subject:  "problem_effectiveness",
			Start:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Interval: 91 * 24 * time.Hour, Grace: 14 * 24 * time.Hour,
			Requirement: sms.Requirement{ID: "PRB-13", Clause: "8.6.3",
				Text: "the effectiveness of problem resolution is monitored, reviewed and reported"},
			Code: "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE",
		}},
		Options: sms.Options{
			Now:   func() time.Time { return now },
			NewID: func() string { n++; return fmt.Sprintf("REV-%d", n) },
		},
	})
	if err != nil {
		panic(err)
	}
	return svc, &now
}

// A quarterly review of the effectiveness of problem resolution: overdue
// before it is held, refused without conclusions, recorded, and the sweep
// clean.
func Example() {
	ctx := context.Background()
	svc, now := newExampleService()
	pam := sms.Actor{ID: "pam", Roles: []sms.Role{review.RoleOwner}}

	findings, _ := svc.Sweep(ctx, *now)
	for _, f := range findings {
		fmt.Println(f.Code, f.Requirement.ID)
	}

	r, _ := svc.Plan(ctx, pam, review.Plan{Subject: "problem_effectiveness", Owner: "pam",
		Period: review.Period{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}})
	_, err := svc.Perform(ctx, pam, r.ID, review.Performance{
		Inputs:       review.Inputs{Summary: "14 problems; 3 of 9 resolved recurred; median time to root cause 4d"},
		Participants: []string{"pam", "ana"},
	})
	var refusal *sms.GuardError
	if errors.As(err, &refusal) {
		for _, u := range refusal.Unmet {
			fmt.Printf("refused: %s (%s): %s\n", u.ID, u.Clause, u.Text)
		}
	}

	r, _ = svc.Perform(ctx, pam, r.ID, review.Performance{
		Inputs:       review.Inputs{Summary: "14 problems; 3 of 9 resolved recurred; median time to root cause 4d"},
		Conclusions:  "recurrences follow fixes applied without a change",
		Actions:      []review.AgreedAction{{Text: "require a change for every fix", Owner: "pam", Ref: "CI-12"}},
		Participants: []string{"pam", "ana"},
	})
	r, _ = svc.Close(ctx, pam, r.ID, review.Closure{})
	fmt.Println(r.ID, r.Status, r.Requirement.ID, "performed", r.PerformedAt.Format(time.DateOnly))

	findings, _ = svc.Sweep(ctx, *now)
	fmt.Println("overdue:", len(findings))
	st, _ := svc.Standings(ctx, *now)
	fmt.Println("next review due", st[0].Due.Format(time.DateOnly))
	// Output:
	// PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE PRB-13
	// refused: PRB-13 (8.6.3): a performed review records its conclusions
	// REV-1 closed PRB-13 performed 2026-07-06
	// overdue: 0
	// next review due 2026-10-05
}

// Sweep is a pure function of schedules, reviews and a time: here a monthly
// change-trend review whose last one was performed on March 2.
func ExampleSweep() {
	sched := review.Schedule{Subject: "change_trends", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Interval: 30 * 24 * time.Hour, Grace: 7 * 24 * time.Hour,
		Requirement: sms.Requirement{ID: "CHG-14", Clause: "8.5.1.3", Text: "change records are analysed for trends"},
		Code:        "CHANGE_TREND_REVIEW_OVERDUE"}
	last := &review.Review{Status: review.StatusClosed, Subject: "change_trends", PerformedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	last.ID = "REV-7"
	for _, asOf := range []time.Time{time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC)} {
		findings, _ := review.Sweep([]review.Schedule{sched}, []*review.Review{last}, asOf)
		fmt.Println(asOf.Format(time.DateOnly), len(findings), "finding(s)")
		for _, f := range findings {
			fmt.Println(" ", f)
		}
	}
	// Output:
	// 2026-04-05 0 finding(s)
	// 2026-04-09 1 finding(s)
	//   CHANGE_TREND_REVIEW_OVERDUE review_schedule change_trends (CHG-14, clause 8.5.1.3): last review of change_trends (REV-7) performed 2026-03-02; next due 2026-04-01, 7d grace ended 2026-04-08
}

// Conformance checks re-examine stored reviews: here one imported as
// closed without conclusions and with an action nobody owns.
func ExampleCheck() {
	imported := &review.Review{Status: review.StatusClosed, Subject: "change_trends", Owner: "max",
		Requirement: sms.Requirement{ID: "CHG-14", Clause: "8.5.1.3"},
		Period:      review.Period{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)},
		Inputs:      review.Inputs{Summary: "January trends"}, Participants: []string{"max"},
		PerformedAt: time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC), PerformedBy: "max", ClosedAt: time.Date(2025, 2, 4, 0, 0, 0, 0, time.UTC),
		Actions: []review.Action{{Number: 1, Text: "cut emergency changes", Done: true}}}
	imported.ID = "LEGACY-REV-1"
	findings, _ := review.Check(imported, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, f := range findings {
		fmt.Println(f.Code, f.Requirement.ID, f.Detail)
	}
	// Output:
	// REVIEW_PERFORMANCE_INCOMPLETE CHG-14 no conclusions
	// REVIEW_PERFORMANCE_INCOMPLETE CHG-14 an action without description or owner
}

// The package's composition of a process's schedule: the quarterly review
// of the effectiveness of problem resolution (PRB-13), performed on the
// problem service's report.
func ExampleNewService() {
	ctx := context.Background()
	problems, err := problem.NewService(problem.Stores{
		Problems:    memstore.New[*problem.Problem](),
		KnownErrors: memstore.New[*problem.KnownError](),
	}, problem.Config{})
	if err != nil {
		panic(err)
	}
	var facts []problem.IncidentFact // the host's incidents, as the report needs them
	now := time.Now()
	start := now.AddDate(-1, 0, 0)
	quarter := review.Period{From: now.AddDate(0, -3, 0), To: now}
	pam := sms.Actor{ID: "pam", Roles: []sms.Role{review.RoleOwner}}

	svc, err := review.NewService(memstore.New[*review.Review](), review.Config{Schedules: []review.Schedule{{
		Subject: problem.ReviewSubject, Start: start, Interval: 91 * 24 * time.Hour, Grace: 14 * 24 * time.Hour,
		Requirement: problem.EffectivenessRequirement(), Code: problem.CodeEffectivenessReviewOverdue,
	}}})
	if err != nil {
		panic(err)
	}
	rep, err := problems.Effectiveness(ctx, facts, now)
	if err != nil {
		panic(err)
	}
	r, err := svc.Plan(ctx, pam, review.Plan{Subject: problem.ReviewSubject, Owner: "pam", Period: quarter})
	if err != nil {
		panic(err)
	}
	r, err = svc.Perform(ctx, pam, r.ID, review.Performance{
		Inputs: review.Inputs{Summary: rep.Summary()}, Conclusions: "recurrences follow fixes applied without a change",
		Participants: []string{"pam", "ana"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Subject, r.Status, r.Requirement.ID)
	// Output:
	// problem_effectiveness performed PRB-13
}
