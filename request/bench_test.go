package request_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/request"
)

// The budget (see BENCHMARKS.md): BenchmarkRequestTransition at most 6x
// BenchmarkFloor, in the same run.

type floorRecord struct {
	ID       string
	EntityID string
	Trigger  string
	At       time.Time
}

var sink int

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read (incident's floor, on a request).
func BenchmarkFloor(b *testing.B) {
	r := &request.Request{Status: request.StatusInFulfilment}
	r.ID = "REQ-1"
	store := map[string]*request.Request{r.ID: r}
	var log []floorRecord
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cur := store["REQ-1"]
		log = append(log, floorRecord{ID: uuid.Must(uuid.NewV7()).String(), EntityID: cur.ID, Trigger: "hold", At: time.Now()})
	}
	sink = len(log)
}

// BenchmarkRequestTransition is one full pipeline transition of a request
// on memstore (hold and resume in turn, in fulfilment, an approved request
// with two tasks and two approvals). Each request takes 8 transitions.
func BenchmarkRequestTransition(b *testing.B) {
	f := newFixture(b, request.DefaultPolicy())
	svc, err := request.NewService(request.Stores{Items: f.items, Requests: memstore.New[*request.Request]()}, request.Config{Policy: request.DefaultPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	f.svc = svc
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		ids[k] = f.to(b, request.StatusInFulfilment, f.laptop).ID
	}
	hold := request.Suspension{Reason: request.HoldSupplier}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if i%2 == 0 {
			_, err = svc.Hold(ctx, fay, ids[i/8], hold)
		} else {
			_, err = svc.Resume(ctx, fay, ids[i/8], request.Resumption{})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

var _ sms.Store[*request.Request] = (*memstore.Store[*request.Request])(nil)
