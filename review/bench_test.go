package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkReviewTransition at most 6x
// BenchmarkFloor, the same ratio as incident's transition.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &review.Review{Meta: sms.Meta{ID: "REV-1"}, Status: review.StatusPerformed}, "note")
}

// benchService is a service on memstore with the system clock, as a host
// runs it.
func benchService(b *testing.B) *review.Service {
	svc, err := review.NewService(memstore.New[*review.Review](), review.Config{Schedules: schedules()})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// performedReview plans and performs a review on the system clock: it
// carries its inputs with a reference, conclusions, two actions and three
// participants.
func performedReview(b *testing.B, svc *review.Service) string {
	ctx := context.Background()
	now := time.Now()
	r, err := svc.Plan(ctx, owner, review.Plan{Subject: subjectPRB, Owner: "pam", Period: review.Period{From: now.Add(-91 * day), To: now.Add(-time.Hour)}})
	if err == nil {
		_, err = svc.Perform(ctx, owner, r.ID, review.Performance{
			Inputs:      review.Inputs{Summary: "14 problems; 3 of 9 resolved recurred; median time to root cause 4d", Refs: []string{"RPT-2026-Q2"}},
			Conclusions: "recurrences follow fixes applied without a change",
			Actions: []review.AgreedAction{{Text: "require a change for every fix", Owner: "pam", Due: now.Add(30 * day)},
				{Text: "faster root-cause analysis on the network", Owner: "ana", Ref: "CI-12"}},
			Participants: []string{"pam", "ana", "sol"},
		})
	}
	if err != nil {
		b.Fatal(err)
	}
	return r.ID
}

// BenchmarkReviewTransition is one full pipeline transition on a performed
// review on memstore: the service reads the review to find the workflow of
// the requirement it evidences, then validate, load, authorize, guards,
// effects on a copy, hash-chained entry, commit. note and update_action in
// turn; each review takes 8 transitions, so journals stay short.
func BenchmarkReviewTransition(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		ids[k] = performedReview(b, svc)
	}
	note := review.Note{Text: "minutes circulated"}
	upd := review.ActionUpdate{Number: 2, Ref: "CI-12"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if i%2 == 0 {
			_, err = svc.AddNote(ctx, owner, ids[i/8], note)
		} else {
			_, err = svc.UpdateAction(ctx, owner, ids[i/8], upd)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

var _ sms.Store[*review.Review] = (*memstore.Store[*review.Review])(nil)
