package continuity_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkContinuityTransition at most 6x
// BenchmarkFloor, the ratio every process's transition keeps.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &continuity.Plan{Meta: sms.Meta{ID: "CP-1"}, Status: continuity.PlanActive}, "note")
}

// BenchmarkContinuityTransition is one full pipeline transition on a
// drafted continuity plan on memstore (its criteria, an authority, three
// procedures, targets, requirements and a contact): a note, validated,
// loaded, authorized, guarded, applied on a copy, journaled and committed;
// each plan takes 8 notes, so journals stay short.
func BenchmarkContinuityTransition(b *testing.B) {
	svc, err := continuity.NewPlans(memstore.New[*continuity.Plan](), nil, sms.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mgr := sms.Actor{ID: "cora", Roles: []sms.Role{continuity.RoleContinuityManager}}
	contents := continuity.Contents{InvocationCriteria: "the data centre is lost", Authorities: []string{"ines"},
		Procedures:      continuity.Procedures{Invocation: "PROC-INV 2", MajorLoss: "PROC-ML 1", ReturnToNormal: "PROC-RTN 1"},
		DegradedTargets: []string{"payslips by the 30th"}, RecoveryRequirements: []string{"restore from the 01:00 backup"},
		Contacts: []continuity.Contact{{Name: "Ines", Role: "crisis lead", Phone: "+49 30 1234"}}}
	ids := make([]string, b.N/8+1)
	for k := range ids {
		p, err := svc.Draft(ctx, mgr, continuity.PlanDraft{Services: []string{"payroll"}, Contents: contents})
		if err != nil {
			b.Fatal(err)
		}
		ids[k] = p.ID
	}
	note := continuity.PlanNote{Text: "contact list checked"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Do(ctx, mgr, ids[i/8], note); err != nil {
			b.Fatal(err)
		}
	}
}
