package request_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkRequestTransition at most 6x
// BenchmarkFloor, in the same run.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read (incident's floor, on a request).
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &request.Request{Meta: sms.Meta{ID: "REQ-1"}, Status: request.StatusInFulfilment}, "hold")
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
