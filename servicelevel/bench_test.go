package servicelevel_test

import (
	"math/rand/v2"
	"testing"

	"github.com/iso20k/sms"
)

// BenchmarkTimerJournals computes the resolution timer of incident
// journals of ten entries each on the Berlin office calendar, one journal
// an operation; it reports timer-entries per second. Budget: at least
// 1,000,000 a second on one core.
func BenchmarkTimerJournals(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var js [][]sms.Entry
	for len(js) < 1000 {
		if j := randomJournal(rng); len(j) >= 10 {
			js = append(js, j[:10])
		}
	}
	c := compile(b, resolution("", ""), office(b, "Europe/Berlin", 1))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.Evaluate(js[i%len(js)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "entries/s")
}
