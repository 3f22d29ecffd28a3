package calendar_test

import (
	"testing"
	"time"
)

// yearOfWork is about a year of the office calendar's working time: 250
// days of seven hours.
const yearOfWork = 250 * 7 * time.Hour

var sinkTime time.Time

// BenchmarkAddYear is calendar.Add over a year-long span of the office
// calendar in Berlin (two clock changes, two holidays); budget: at least
// 1000 times faster than BenchmarkNaiveAddYear.
func BenchmarkAddYear(b *testing.B) {
	c := office(b, "Europe/Berlin", day(2026, 1, 1), day(2026, 12, 25))
	from := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		t, ok := c.Add(from, yearOfWork)
		if !ok {
			b.Fatal("no instant")
		}
		sinkTime = t
	}
}

// BenchmarkNaiveAddYear is the same answer found by walking minute by
// minute and asking whether each is working time: the floor the budget
// compares with.
func BenchmarkNaiveAddYear(b *testing.B) {
	c := office(b, "Europe/Berlin", day(2026, 1, 1), day(2026, 12, 25))
	from := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	want, _ := c.Add(from, yearOfWork)
	b.ReportAllocs()
	for b.Loop() {
		left, t := yearOfWork, from
		for left > 0 {
			if c.Open(t) {
				left -= time.Minute
			}
			t = t.Add(time.Minute)
		}
		if !t.Equal(want) {
			b.Fatalf("the walk ends at %s, Add at %s", t, want)
		}
		sinkTime = t
	}
}

// BenchmarkBetweenYear is calendar.Between over a year.
func BenchmarkBetweenYear(b *testing.B) {
	c := office(b, "Europe/Berlin", day(2026, 1, 1), day(2026, 12, 25))
	from := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	var sink time.Duration
	b.ReportAllocs()
	for b.Loop() {
		sink += c.Between(from, to)
	}
	_ = sink
}
