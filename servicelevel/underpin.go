package servicelevel

import (
	"slices"
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

// Finding codes of [Align].
const (
	// CodeUnderpinningMissing: an SLA target names no underpinning chain,
	// or a link names a target no internal agreement in force has.
	CodeUnderpinningMissing = "UNDERPINNING_MISSING"
	// CodeUnderpinningWeak: the chain's worst-case deadline is later than
	// the target's; the detail names the weak link.
	CodeUnderpinningWeak = "UNDERPINNING_WEAK"
	// CodeUnderpinningUndecidable: a calendar has no working time to reach
	// a deadline, or an objective is not a duration; nothing is proven.
	CodeUnderpinningUndecidable = "UNDERPINNING_UNDECIDABLE"
)

// Alignment is the underpinning of one SLA target (SLM-09): the chain of
// targets its Chain names, as found, and the outcome of [Underpins] over
// the period. Strictness is zero when the chain could not be examined;
// Finding then says why.
type Alignment struct {
	Target     Target
	Chain      []Target
	Strictness Strictness
	Finding    *sms.Finding
}

// Align is the alignment report of an SLA (SLM-09): for each of its
// time targets (an Objective Go's time.ParseDuration reads, such as "4h"),
// the chain of internal-agreement targets it names, resolved among
// agreements in force, and whether the chain is at least as strict over
// [from, to) under each party's own calendar ([Underpins]). Calendars
// resolves a target's Calendar ID. A target with no chain, a link to no
// target in force, a chain that is looser (the finding names the first
// link whose deadline passes the SLA's at the worst start instant) or
// that cannot be decided are findings; targets that are not durations
// (an availability percentage) are reported undecidable, as a duration
// comparison does not apply to them. It returns an error only for bad
// input: a nil SLA, a calendar that does not resolve, a period Underpins
// refuses.
func Align(sla *Agreement, agreements []*Agreement, calendars func(id string) (*calendar.Calendar, error), from, to time.Time) ([]Alignment, error) {
	if sla == nil || calendars == nil {
		return nil, sms.Invalid(AgreementKind, "sla", "needs an agreement and a calendar resolver")
	}
	au := sms.NewAudit(to, Requirements())
	finding := func(code, detail string) *sms.Finding {
		f := au.Finding(code, "SLM-09", AgreementKind, sla.ID, detail)
		return &f
	}
	deadline := func(t Target) (Deadline, bool, error) {
		d, err := time.ParseDuration(t.Objective)
		if err != nil || d < 0 {
			return Deadline{}, false, nil
		}
		c, err := calendars(t.Calendar)
		if err != nil {
			return Deadline{}, false, err
		}
		return Deadline{Calendar: c, Within: d}, true, nil
	}
	var out []Alignment
	for _, tg := range sla.Targets {
		al := Alignment{Target: tg.clone()}
		want, ok, err := deadline(tg)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			al.Finding = finding(CodeUnderpinningUndecidable, tg.Metric+": the objective "+tg.Objective+" is not a duration")
		case len(tg.Chain) == 0:
			al.Finding = finding(CodeUnderpinningMissing, tg.Metric+": no underpinning target named")
		}
		if al.Finding != nil {
			out = append(out, al)
			continue
		}
		var chain []Deadline
		for _, ref := range tg.Chain {
			link, found := lookupTarget(agreements, ref)
			if !found {
				al.Finding = finding(CodeUnderpinningMissing, tg.Metric+": "+ref.Agreement+" has no "+ref.Metric+" target in force")
				break
			}
			d, ok, err := deadline(link)
			if err != nil {
				return nil, err
			}
			if !ok {
				al.Finding = finding(CodeUnderpinningUndecidable, tg.Metric+": "+ref.Agreement+"'s objective "+link.Objective+" is not a duration")
				break
			}
			al.Chain = append(al.Chain, link)
			chain = append(chain, d)
		}
		if al.Finding == nil {
			st, err := Underpins(want, chain, from, to)
			if err != nil {
				return nil, err
			}
			al.Strictness = st
			switch {
			case st.Undecidable:
				al.Finding = finding(CodeUnderpinningUndecidable, tg.Metric+": a calendar reaches no deadline from "+st.Worst.Format(time.RFC3339))
			case !st.Holds:
				al.Finding = finding(CodeUnderpinningWeak, tg.Metric+": "+weakLink(want, chain, tg.Chain, st)+
					" is the weak link: from "+st.Worst.Format(time.RFC3339)+" the chain is due "+(-st.Slack).String()+" after the target")
			}
		}
		out = append(out, al)
	}
	return out, nil
}

// lookupTarget returns the target ref names in an internal agreement in
// force.
func lookupTarget(agreements []*Agreement, ref TargetRef) (Target, bool) {
	for _, a := range agreements {
		if a == nil || a.ID != ref.Agreement || !a.inForce() {
			continue
		}
		for _, t := range a.Targets {
			if t.Metric == ref.Metric && (len(ref.Priorities) == 0 || slices.Equal(t.Priorities, ref.Priorities)) {
				return t, true
			}
		}
	}
	return Target{}, false
}

// weakLink names the first link of the chain whose deadline, from the
// worst start instant, passes the target's: where the chain falls behind.
func weakLink(want Deadline, chain []Deadline, refs []TargetRef, st Strictness) string {
	limit, _ := want.Calendar.Add(st.Worst, want.Within)
	at := st.Worst
	for i, d := range chain {
		at, _ = d.Calendar.Add(at, d.Within)
		if at.After(limit) {
			return refs[i].Agreement + " " + refs[i].Metric
		}
	}
	last := refs[len(refs)-1]
	return last.Agreement + " " + last.Metric
}
