package audit_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkNCTransition at most 6x
// BenchmarkFloor, the ratio every process's transition keeps.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &audit.Programme{Meta: sms.Meta{ID: "AP-1"}, Status: audit.ProgrammeApproved}, "note")
}
