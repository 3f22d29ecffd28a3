package servicelevel

import (
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

// Deadline is a target as working time on a calendar: the deadline of a
// start instant s is Calendar.Add(s, Within).
type Deadline struct {
	Calendar *calendar.Calendar
	Within   time.Duration
}

// Strictness is the outcome of [Underpins].
type Strictness struct {
	// Holds is true when, for every start instant examined, the chain's
	// deadline is not later than the target's.
	Holds bool
	// Undecidable is true when a calendar has no working time to reach a
	// deadline within calendar.MaxSpan: the check neither holds nor fails.
	Undecidable bool
	// Worst is the start instant where the chain's deadline trails the
	// target's the most (or leads it the least, when Holds), and Slack how
	// much earlier the chain's deadline is there (negative when it is
	// later: the weak link's shortfall).
	Worst time.Time
	Slack time.Duration
	// Checked counts the start instants examined.
	Checked int
}

// Underpins checks the clarification of SLM-09 and SUP-04: a chain of
// underpinning targets, each starting when the one before it is due (a
// supplier's resolution after an internal team's diagnosis, say), is at
// least as strict as target when, for every start instant in [from, to),
// the chain's worst-case deadline is not later than the target's. Start
// instants are examined at every minute of the period and one second after
// it, which is exact for calendars and targets given in whole minutes (the
// deadlines move linearly between minutes, jumping only at them). A target
// or a link without a calendar, a negative duration, an empty chain or
// period are refused with a [*sms.ValidationError]. A period of more than
// 366 days is refused as well: the check is a walk over its minutes.
func Underpins(target Deadline, chain []Deadline, from, to time.Time) (Strictness, error) {
	var out Strictness
	if err := target.check("target"); err != nil {
		return out, err
	}
	if len(chain) == 0 {
		return out, sms.Invalid(Kind, "chain", "is empty: nothing underpins the target")
	}
	for _, d := range chain {
		if err := d.check("chain"); err != nil {
			return out, err
		}
	}
	if !to.After(from) {
		return out, sms.Invalid(Kind, "period", "ends at %s, not after it starts at %s", to, from)
	}
	if to.Sub(from) > 366*24*time.Hour {
		return out, sms.Invalid(Kind, "period", "is longer than 366 days")
	}
	out.Holds = true
	first := true
	start := from.Truncate(time.Minute)
	for s := start; s.Before(to); s = s.Add(time.Minute) {
		for _, at := range [2]time.Time{s, s.Add(time.Second)} {
			if at.Before(from) || !at.Before(to) {
				continue
			}
			want, ok := target.Calendar.Add(at, target.Within)
			if !ok {
				return Strictness{Undecidable: true, Worst: at}, nil
			}
			got := at
			for _, d := range chain {
				if got, ok = d.Calendar.Add(got, d.Within); !ok {
					return Strictness{Undecidable: true, Worst: at}, nil
				}
			}
			out.Checked++
			slack := want.Sub(got)
			if first || slack < out.Slack {
				out.Worst, out.Slack, first = at, slack, false
			}
			if slack < 0 {
				out.Holds = false
			}
		}
	}
	return out, nil
}

func (d Deadline) check(field string) error {
	switch {
	case d.Calendar == nil:
		return sms.Invalid(Kind, field, "names no calendar: a deadline is working time on one")
	case d.Within < 0:
		return sms.Invalid(Kind, field, "is %s: a negative duration", d.Within)
	}
	return nil
}
