package audit_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkNCTransition at most 6x
// BenchmarkFloor, the ratio every process's transition keeps.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &audit.Programme{Meta: sms.Meta{ID: "AP-1"}, Status: audit.ProgrammeApproved}, "note")
}

// BenchmarkNCTransition is one full pipeline transition on a contained
// nonconformity on memstore: a note, validated, loaded, authorized,
// guarded, applied on a copy, journaled and committed; each nonconformity
// takes 8 notes, so journals stay short.
func BenchmarkNCTransition(b *testing.B) {
	svc, err := audit.NewNonconformities(memstore.New[*audit.Nonconformity](), nil, audit.DefaultNonconformityPolicy(), sms.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		x, err := svc.Raise(ctx, ncQM, ncRaiseOf(audit.SeverityMajor))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Contain(ctx, ncQM, x.ID, ncContainOK); err != nil {
			b.Fatal(err)
		}
		ids[k] = x.ID
	}
	note := audit.NCNote{Text: "auditee informed of the correction"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Do(ctx, ncQM, ids[i/8], note); err != nil {
			b.Fatal(err)
		}
	}
}
