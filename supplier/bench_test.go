package supplier_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

// The budget (see BENCHMARKS.md): BenchmarkSupplierTransition at most 6x
// BenchmarkFloor, the ratio every process's transition keeps.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &supplier.Contract{Meta: sms.Meta{ID: "CON-1"}, Status: supplier.ContractActive}, "note")
}

// BenchmarkSupplierTransition is one full pipeline transition on an
// agreed contract on memstore (its terms, a target, an interface, a
// yearly term): a note, validated, loaded, authorized, guarded, applied on
// a copy, journaled and committed; each contract takes 8 notes, so
// journals stay short.
func BenchmarkSupplierTransition(b *testing.B) {
	svc, err := supplier.NewContracts(memstore.New[*supplier.Contract](), nil, sms.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		c, err := svc.Draft(ctx, manager, supplier.ContractDraft{Supplier: "SUP-ACME", Title: "Database hosting", Owner: "mona", Terms: terms()})
		if err == nil {
			c, err = svc.Agree(ctx, manager, c.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
		ids[k] = c.ID
	}
	note := supplier.ContractNote{Text: "quarterly call held"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Do(ctx, manager, ids[i/8], note); err != nil {
			b.Fatal(err)
		}
	}
}
