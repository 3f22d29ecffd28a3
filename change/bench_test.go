package change_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkChangeTransition at most 6x
// BenchmarkFloor, the same ratio as incident's transition: a larger
// workflow and a larger entity must not cost more per transition.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &change.Change{Meta: sms.Meta{ID: "CHG-1"}, Status: change.StatusScheduled}, "notify")
}

// benchService is a change service on memstore with the system clock, as
// a host runs it, under a policy whose normal model has no lead time.
func benchService(b *testing.B) (*change.Service, stores) {
	st := newStores()
	p := change.DefaultPolicy()
	p.Models[0].LeadTime = 0
	svc, err := change.NewService(st.of(), change.Config{Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	return svc, st
}

// scheduledChange takes a normal change through its assessment and
// authorization to a scheduled, announced implementation: the entity
// carries its assessment, remediation plan, approvals and schedule.
func scheduledChange(b *testing.B, svc *change.Service) *change.Change {
	ctx := context.Background()
	chg, err := svc.Raise(ctx, requester, request(change.ModelNameNormal))
	steps := []func() (*change.Change, error){
		func() (*change.Change, error) { return svc.Submit(ctx, requester, chg.ID, change.Submission{}) },
		func() (*change.Change, error) { return svc.CompleteAssessment(ctx, manager, chg.ID, evaluation()) },
		func() (*change.Change, error) {
			return svc.Approve(ctx, cab1, chg.ID, change.Approval{Rationale: "low risk, tested rollback"})
		},
		func() (*change.Change, error) {
			return svc.Authorize(ctx, manager, chg.ID, change.Authorization{Priority: 3})
		},
		func() (*change.Change, error) {
			now := time.Now()
			return svc.Schedule(ctx, manager, chg.ID, change.Scheduling{Window: change.Window{Start: now, End: now.Add(time.Hour)},
				Plan: "stop, upgrade, start", Implementer: "ivan", Parties: []string{"payroll-users"}})
		},
	}
	for _, s := range steps {
		if err != nil {
			break
		}
		chg, err = s()
	}
	if err != nil {
		b.Fatal(err)
	}
	return chg
}

// The two in-place transitions the benchmark alternates on a scheduled
// change, boxed once as a host routing commands would hold them.
var (
	benchNotify change.Command = change.Notification{Parties: []string{"payroll-users"}, Message: "tonight 22:00"}
	benchNote   change.Command = change.Note{Text: "vendor on call"}
)

// notifyOrNote fires notify on even i and note on odd i.
func notifyOrNote(ctx context.Context, svc *change.Service, id string, i int) error {
	c := benchNotify
	if i%2 == 1 {
		c = benchNote
	}
	_, err := svc.Do(ctx, manager, id, c)
	return err
}

// BenchmarkChangeTransition is one full pipeline transition on memstore on
// a change that carries its assessment, remediation plan, approvals and
// schedule: validate, load, authorize, guards, table lookup, effects on a
// copy, journal entry with its SHA-256 chain hash, atomic commit with the
// version check. Each change takes 8 transitions, so journals stay short.
func BenchmarkChangeTransition(b *testing.B) {
	svc, st := benchService(b)
	ctx := context.Background()
	proto := scheduledChange(b, svc)
	journal, err := svc.Journal(ctx, proto.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := smstest.Copies(ctx, st.changes, proto, journal, b.N/8+1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := notifyOrNote(ctx, svc, ids[i/8], i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeLifecycle is the mean cost of a transition over a normal
// change's whole life, raise to close (11 transitions, including the
// template-free lookups: the conflict search at schedule reads the other
// scheduled changes of the service). For information; no budget.
func BenchmarkChangeLifecycle(b *testing.B) {
	ctx := context.Background()
	var svc *change.Service
	var id string
	step := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		switch step {
		case 0:
			if i%1100 == 0 {
				b.StopTimer()
				svc, _ = benchService(b) // bounded stores: memstore lists by scanning
				b.StartTimer()
			}
			var chg *change.Change
			chg, err = svc.Raise(ctx, requester, request(change.ModelNameNormal))
			if chg != nil {
				id = chg.ID
			}
		case 1:
			_, err = svc.Submit(ctx, requester, id, change.Submission{})
		case 2:
			_, err = svc.CompleteAssessment(ctx, manager, id, evaluation())
		case 3:
			_, err = svc.Approve(ctx, cab1, id, change.Approval{Rationale: "ok"})
		case 4:
			_, err = svc.Authorize(ctx, manager, id, change.Authorization{Priority: 3})
		case 5:
			now := time.Now()
			_, err = svc.Schedule(ctx, manager, id, change.Scheduling{Window: change.Window{Start: now, End: now.Add(time.Hour)},
				Plan: "p", Implementer: "ivan", Parties: []string{"users"}, Acknowledge: nil})
		case 6:
			_, err = svc.Notify(ctx, manager, id, change.Notification{Parties: []string{"users"}, Message: "now"})
		case 7:
			_, err = svc.Start(ctx, implementer, id, change.Implementation{Verification: "v", TestResult: "t"})
		case 8:
			_, err = svc.Complete(ctx, implementer, id, change.Completion{Outcome: change.OutcomeSuccessful})
		case 9:
			_, err = svc.Review(ctx, manager, id, change.PIR{ObjectivesMet: true, Summary: "ok"})
		case 10:
			_, err = svc.Close(ctx, manager, id, change.Closure{NoConfigImpact: true})
		}
		if err != nil {
			b.Fatalf("step %d: %v", step, err)
		}
		step = (step + 1) % 11
	}
}
