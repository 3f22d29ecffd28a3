package sms

import "time"

// Period is a span of time, [From, To): From is in it, To is not. Reviews,
// reports and evidence packs cover one.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Valid reports whether both ends are set and From is before To.
func (p Period) Valid() bool { return !p.From.IsZero() && !p.To.IsZero() && p.From.Before(p.To) }

// Check returns nil for a valid period, else a [*ValidationError] of kind
// saying what is wrong: an end missing, or an end not after the start.
func (p Period) Check(kind Kind) error {
	if p.From.IsZero() || p.To.IsZero() {
		return Invalid(kind, "period", "a period has a start and an end")
	}
	if !p.To.After(p.From) {
		return Invalid(kind, "period", "the period ends at %s, not after it starts at %s", p.To.UTC().Format(time.RFC3339), p.From.UTC().Format(time.RFC3339))
	}
	return nil
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// String writes the period as "from/to" in RFC 3339, UTC.
func (p Period) String() string {
	return p.From.UTC().Format(time.RFC3339) + "/" + p.To.UTC().Format(time.RFC3339)
}
