package incident

import (
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/servicelevel"
)

// Timer definition names of [Policy.TimerDefs].
const (
	ResponseTimer   = "incident-response"
	ResolutionTimer = "incident-resolution"
)

// TimerDefs returns the policy's response and resolution targets (INC-15)
// as service-level timer definitions over an incident's journal, at the
// version given: both count from the time the incident was reported
// (retroactively, whenever it is classified), on the policy's Calendar
// (round the clock without one), with the target of the priority its
// latest classification recorded (none for a priority the policy sets no
// target for). The response timer stops at the first assignment; the
// resolution timer pauses on a hold the policy pauses for (PauseOn),
// resumes when the hold ends, stops at resolution and, reopened, goes on
// counting without the time it spent resolved. Both are cancelled with
// the incident or its conversion to a request. A policy without targets
// gives definitions servicelevel.Compile refuses.
//
// This is the engine [Service.Conform] and [Service.Sweep] judge INC-15
// by, from the verified journal; the due times on the record (Timers) are
// for display, and a check of a record on its own ([Check], [Sweep])
// reads them.
func (p Policy) TimerDefs(version int) (response, resolution servicelevel.TimerDef) {
	targets := func(pick func(Target) time.Duration) map[string]time.Duration {
		m := make(map[string]time.Duration, len(p.Targets))
		for prio, tg := range p.Targets {
			if d := pick(tg); d > 0 {
				m[itoa(prio)] = d
			}
		}
		return m
	}
	gone := []servicelevel.Condition{{Trigger: string(TriggerCancel)}, {Trigger: string(TriggerConvert)}}
	base := servicelevel.TimerDef{Version: version, Start: []servicelevel.Condition{{Creation: true}}, Cancel: gone,
		TargetField: "priority", StartAt: servicelevel.StartAtCreation, CreatedField: "reported_at", Reopen: servicelevel.ReopenContinue}
	response, resolution = base, base
	response.Name = ResponseTimer
	response.Targets = targets(func(t Target) time.Duration { return t.Response })
	response.Stop = []servicelevel.Condition{{Trigger: string(TriggerAssign)}}
	resolution.Name = ResolutionTimer
	resolution.Targets = targets(func(t Target) time.Duration { return t.Resolution })
	resolution.Start = []servicelevel.Condition{{Creation: true}, {Trigger: string(TriggerReopen)}}
	resolution.Pause = []servicelevel.Condition{{Trigger: string(TriggerHold), Field: "timer", Value: "paused"}}
	resolution.Resume = []servicelevel.Condition{{From: []string{string(StatusOnHold)},
		To: []string{string(StatusNew), string(StatusAssigned), string(StatusInProgress), string(StatusResolved)}}}
	resolution.Stop = []servicelevel.Condition{{Trigger: string(TriggerResolve)}}
	return response, resolution
}

// engine is the policy's timers compiled, or nil when the policy sets no
// targets.
type engine struct{ response, resolution *servicelevel.Compiled }

func (p *Policy) engine() *engine {
	if len(p.Targets) == 0 {
		return nil
	}
	cal := p.Calendar
	if cal == nil {
		var err error
		if cal, err = calendar.Always("24x7", 1, "UTC"); err != nil {
			return nil
		}
	}
	rd, sd := p.TimerDefs(1)
	e := &engine{}
	var err1, err2 error
	e.response, err1 = servicelevel.Compile(rd, cal)
	e.resolution, err2 = servicelevel.Compile(sd, cal)
	if err1 != nil || err2 != nil {
		return nil
	}
	return e
}

// judge reports each INC-15 target the journal's timers breached by asOf.
func (e *engine) judge(journal []sms.Entry, asOf time.Time, fail func(code, req, detail string)) {
	for _, c := range []*servicelevel.Compiled{e.response, e.resolution} {
		t, err := c.Evaluate(journal)
		if err != nil {
			fail(CodeSLABreached, "INC-15", "the journal does not time: "+err.Error())
			continue
		}
		if st := c.At(t, asOf); st.Breached {
			fail(CodeSLABreached, "INC-15", c.Def().Name+" target "+st.Target.String()+" missed at "+st.BreachedAt.Format(time.RFC3339)+
				" (servicelevel timer "+t.Def+")")
		}
	}
}
