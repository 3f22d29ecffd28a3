package problem_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkProblemTransition at most 6x
// BenchmarkFloor, in the same run, as incident's BenchmarkTransition.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read (incident's floor, on a problem).
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &problem.Problem{Meta: sms.Meta{ID: "PRB-1"}, Status: problem.StatusRCA}, "record_action")
}

// inRCA logs a problem and takes it to rca with its root cause recorded.
func inRCA(b *testing.B, svc *problem.Service) string {
	ctx := context.Background()
	pr, err := svc.Log(ctx, boss, report())
	for _, c := range []problem.Command{validCommand(problem.TriggerClassify), validCommand(problem.TriggerAssess),
		validCommand(problem.TriggerStartRCA), validCommand(problem.TriggerAnalyse)} {
		if err == nil {
			_, err = svc.Do(ctx, boss, pr.ID, c)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	return pr.ID
}

// BenchmarkProblemTransition is one full pipeline transition of a problem
// on memstore (escalate and record_action in turn, in rca): validate, load,
// authorize, guards, effects on a copy, hash-chained journal entry, atomic
// commit with the version check. Each problem takes 8 transitions.
func BenchmarkProblemTransition(b *testing.B) {
	svc, err := problem.NewService(problem.Stores{Problems: memstore.New[*problem.Problem](), KnownErrors: memstore.New[*problem.KnownError]()},
		problem.Config{Policy: problem.DefaultPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]string, b.N/8+1)
	for k := range ids {
		ids[k] = inRCA(b, svc)
	}
	esc := problem.Escalation{Target: "architects", Reason: "design question"}
	act := problem.Action{Text: "traced the tunnel"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if i%2 == 0 {
			_, err = svc.Escalate(ctx, analyst, ids[i/8], esc)
		} else {
			_, err = svc.RecordAction(ctx, analyst, ids[i/8], act)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

var _ sms.Store[*problem.Problem] = (*memstore.Store[*problem.Problem])(nil)
