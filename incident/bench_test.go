package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/looplab/fsm"
)

// The budget (see BENCHMARKS.md): BenchmarkTransition at most 6x
// BenchmarkFloor and below BenchmarkNaiveLooplab; BenchmarkTransitionLongJournal
// at most 1.2x BenchmarkTransition; all in the same run.

// floorRecord is the least a host writes per transition.
type floorRecord struct {
	ID       string
	EntityID string
	Trigger  string
	At       time.Time
}

var sink int

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &incident.Incident{Meta: sms.Meta{ID: "INC-1"}, Status: incident.StatusInProgress}, "hold")
}

// BenchmarkNaiveLooplab is what a host would hand-roll: a new looplab FSM
// per transition, built from the same events, a map store and a record.
func BenchmarkNaiveLooplab(b *testing.B) {
	events := incident.Workflow().Events()
	inc := &incident.Incident{Status: incident.StatusInProgress}
	inc.ID = "INC-1"
	store := map[string]*incident.Incident{inc.ID: inc}
	triggers := [2]string{string(incident.TriggerHold), string(incident.TriggerResume)}
	ctx := context.Background()
	var log []floorRecord
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cur := store["INC-1"]
		f := fsm.NewFSM(string(cur.Status), events, fsm.Callbacks{})
		if err := f.Event(ctx, triggers[i%2]); err != nil {
			b.Fatal(err)
		}
		cur.Status = incident.Status(f.Current())
		log = append(log, floorRecord{ID: uuid.Must(uuid.NewV7()).String(), EntityID: cur.ID, Trigger: triggers[i%2], At: time.Now()})
	}
	sink = len(log)
}

// benchService is a service on memstore with the system clock, as a host
// runs it.
func benchService(b *testing.B) *incident.Service {
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: incident.DefaultPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// inProgress logs an incident and takes it to in_progress.
func inProgress(b *testing.B, svc *incident.Service) string {
	ctx := context.Background()
	r := report()
	r.ReportedAt = time.Now().Add(-time.Minute)
	inc, err := svc.Log(ctx, boss, r)
	if err == nil {
		_, err = svc.Classify(ctx, boss, inc.ID, incident.Classification{Category: "network", Impact: 2, Urgency: 2})
	}
	if err == nil {
		_, err = svc.Assign(ctx, boss, inc.ID, incident.Assignment{Group: "net"})
	}
	if err == nil {
		_, err = svc.Start(ctx, boss, inc.ID, incident.WorkStart{})
	}
	if err != nil {
		b.Fatal(err)
	}
	return inc.ID
}

// holdResume fires hold on even i and resume on odd i.
func holdResume(ctx context.Context, svc *incident.Service, id string, i int) error {
	var err error
	if i%2 == 0 {
		_, err = svc.Hold(ctx, resolver, id, incident.Suspension{Reason: incident.HoldCaller})
	} else {
		_, err = svc.Resume(ctx, resolver, id, incident.Resumption{})
	}
	return err
}

// BenchmarkTransition is one full pipeline transition on memstore: validate,
// load, authorize, guards, table lookup, effects on a copy, journal entry
// with its SHA-256 chain hash, atomic commit with the version check. Each
// incident takes 8 transitions, so journals stay short (5 to 12 entries).
func BenchmarkTransition(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		ids[k] = inProgress(b, svc)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := holdResume(ctx, svc, ids[i/8], i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransitionLongJournal is the same transition on an incident with
// 100,000 journal entries behind it.
func BenchmarkTransitionLongJournal(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	id := inProgress(b, svc)
	for i := 0; i < 100_000; i++ {
		if err := holdResume(ctx, svc, id, i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := holdResume(ctx, svc, id, i); err != nil {
			b.Fatal(err)
		}
	}
}

var _ sms.Store[*incident.Incident] = (*memstore.Store[*incident.Incident])(nil)

// BenchmarkStateDigest is the digest of an incident's canonical encoding
// that every transition binds into its journal entry: part of
// BenchmarkTransition, measured alone.
func BenchmarkStateDigest(b *testing.B) {
	svc := benchService(b)
	inc, err := svc.Get(context.Background(), inProgress(b, svc))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sms.StateDigest(inc); err != nil {
			b.Fatal(err)
		}
	}
}

// threeSteps is a hold, a note and a resume: a helpdesk action of three
// transitions that ends where it began.
var threeSteps = []incident.Command{
	incident.Suspension{Reason: incident.HoldCaller},
	incident.Note{Text: "asked the caller for the error message"},
	incident.Resumption{},
}

// BenchmarkThreeTransitions is threeSteps as three transitions on the
// in-memory store, one commit each.
func BenchmarkThreeTransitions(b *testing.B) {
	svc := benchService(b)
	id := inProgress(b, svc)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range threeSteps {
			if _, err := svc.Do(ctx, resolver, id, c); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkThreeSteps is threeSteps as one sequence (Service.DoSteps);
// budget: less than BenchmarkThreeTransitions.
func BenchmarkThreeSteps(b *testing.B) {
	svc := benchService(b)
	id := inProgress(b, svc)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.DoSteps(ctx, resolver, id, threeSteps...); err != nil {
			b.Fatal(err)
		}
	}
}
