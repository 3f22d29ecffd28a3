// Command servicelevel plays a month of service level management for one
// service, payroll, delivered to the HR department in Berlin: the SLA
// negotiated and signed (SLM-01, SLM-03), a business calendar with a lunch
// break and public holidays, the month's incidents timed from their
// journals against resolution targets per priority (SLM-10), a mid-month
// amendment of the timer that leaves closed results alone (SLM-11), the
// month's report, review and trend (SLM-04, SLM-06), the availability of
// the service within its service hours (AVL-04 to AVL-07), and the
// periodic sweep and conformance checks. March 2027 is the month: Good
// Friday, the clocks going forward on Easter Sunday and Easter Monday fall
// in one week.
//
//	go run ./examples/servicelevel
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
	_ "time/tzdata" // the library loads zones but does not embed them

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "servicelevel:", err)
		os.Exit(1)
	}
}

var (
	sara  = sms.Actor{ID: "sara", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	sven  = sms.Actor{ID: "sven", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	cleo  = sms.Actor{ID: "cleo", Roles: []sms.Role{servicelevel.RoleCustomer}}
	agent = sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	otto  = sms.Actor{ID: "otto", Roles: []sms.Role{servicelevel.RoleAvailabilityManager}}
)

// berlin is the customer's zone; the story's times are given in it.
var berlin = tell.Must(time.LoadLocation("Europe/Berlin"))

// at returns a wall-clock time of 2027 in Berlin.
func at(mo time.Month, d, hh, mm int) time.Time { return time.Date(2027, mo, d, hh, mm, 0, 0, berlin) }

// wall formats an instant in Berlin, with the zone's abbreviation, so that
// the change from CET to CEST shows.
func wall(t time.Time) string { return t.In(berlin).Format("Mon 02 Jan 15:04 MST") }

// face is the Berlin wall-clock reading of t taken as UTC: what a clock on
// the wall shows, without the zone's offset.
func face(t time.Time) time.Time {
	l := t.In(berlin)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
}

// story is the state of the walk-through: the clock, the services, the
// calendars and timers, and what each incident's timer is pinned to.
type story struct {
	ctx context.Context
	tell.Teller
	clk       *smstest.Clock
	slas      *servicelevel.Agreements
	incidents *incident.Service
	office    *calendar.Calendar
	v1, v2    *servicelevel.Compiled
	pinned    map[string]*servicelevel.Compiled // the timer version each incident's timer runs under
	order     []string                          // incident IDs as logged
	sla       string
}

// run plays the story and writes it to w.
func run(w io.Writer) (err error) {
	defer tell.Recover(&err)
	s := &story{ctx: context.Background(), Teller: tell.Teller{Out: w}, clk: smstest.NewClock(at(time.February, 1, 9, 0)), pinned: map[string]*servicelevel.Compiled{}}
	opts := sms.Options{Now: s.clk.Now}
	s.slas = tell.Must(servicelevel.NewAgreements(memstore.New[*servicelevel.Agreement](), opts))
	s.office = weekdays("berlin-office", calendar.Window{Start: calendar.At(9, 0), End: calendar.At(12, 0)},
		calendar.Window{Start: calendar.At(13, 0), End: calendar.At(17, 0)})
	policy := incident.DefaultPolicy() // P1: 4 h, P2: 8 h to resolve; holds for the caller or a supplier pause the timer
	policy.Calendar = s.office
	s.incidents = tell.Must(incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: policy, Options: opts}))
	_, res := policy.TimerDefs(1) // the very timer incident management judges INC-15 by
	s.v1 = tell.Must(servicelevel.Compile(res, s.office))

	s.agree()
	s.calendars()
	s.february()
	s.firstHalf()
	s.amend()
	s.secondHalf()
	s.monthEnd()
	s.availability()
	s.sweep()
	return nil
}

// holidays are the public holidays of Berlin in March 2027.
var holidays = []calendar.Date{{Year: 2027, Month: 3, Day: 8}, {Year: 2027, Month: 3, Day: 26}, {Year: 2027, Month: 3, Day: 29}}

// weekdays returns a calendar open Monday to Friday in the windows given,
// closed on the holidays, in Berlin.
func weekdays(name string, windows ...calendar.Window) *calendar.Calendar {
	spec := calendar.Spec{Name: name, Version: 1, Zone: "Europe/Berlin", Holidays: holidays}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = windows
	}
	return tell.Must(calendar.New(spec))
}

// calendars shows the support desk's office hours, with a lunch break:
// the calendar the SLA's targets count in.
func (s *story) calendars() {
	from, to := servicelevel.Month(at(time.March, 15, 12, 0), berlin)
	s.Say("2. Calendars in %s; public holidays %v; the clocks go forward on Sunday 28 March", s.office.Location(), holidays)
	s.Say("  %s: Mon-Fri 09:00-12:00 and 13:00-17:00, %v of working time in March (20 days of 7 h)", s.office.ID(), s.office.Between(from, to))
	a, b := at(time.March, 25, 16, 0), at(time.March, 30, 10, 0)
	s.Say("  %s -> %s: %v of working time (Thu 16:00-17:00, Tue 09:00-10:00; Good Friday, the weekend, Easter Monday closed)",
		wall(a), wall(b), s.office.Between(a, b))
	s.Say("")
}

// content is what the payroll SLA says (SLM-03): resolution targets per
// priority on the office calendar, a workload limit, an exception.
func (s *story) content() servicelevel.Content {
	return servicelevel.Content{
		Services: []string{"payroll"},
		Evidence: servicelevel.Evidence{Kind: "signed document", Ref: "DMS-2027-0042"},
		Targets: []servicelevel.Target{
			{Metric: "resolution", Objective: "4h", Calendar: s.office.ID(), Priorities: []string{"1"}},
			{Metric: "resolution", Objective: "8h", Calendar: s.office.ID(), Priorities: []string{"2"}},
		},
		Limits:     []servicelevel.Limit{{Metric: "incidents", Max: 20, Window: "month"}},
		Exceptions: []servicelevel.Exception{{Kind: "exclusion", Text: "errors in the HR data the customer imports"}},
	}
}

// agree negotiates the SLA: drafted and proposed by Sara, refused
// activation until both sides signed, signed by Cleo for HR and by Sven
// for the provider, activated.
func (s *story) agree() {
	s.clk.Set(at(time.February, 1, 9, 0))
	s.Say("1. The payroll SLA with HR (SLM-01, SLM-03)")
	a := tell.Must(s.slas.Draft(s.ctx, sara, servicelevel.Draft{ID: "SLA-PAYROLL", Type: servicelevel.SLA, Title: "Payroll for HR", Customer: "hr",
		RequirementsRef: "REQ-PAYROLL-3", ExpiresAt: at(time.February, 1, 0, 0).AddDate(1, 0, 0), Content: s.content()}))
	s.sla = a.ID
	a = tell.Must(s.slas.Propose(s.ctx, sara, a.ID, servicelevel.Proposal{}))
	s.Say("  %s drafted and proposed by %s: %s", a.ID, sara.ID, a.Status)
	s.clk.Advance(30 * time.Minute)
	tell.Must(s.slas.Sign(s.ctx, cleo, a.ID, servicelevel.Signing{Side: servicelevel.SideCustomer}))
	_, err := s.slas.Activate(s.ctx, sara, a.ID, servicelevel.Activation{})
	s.Refused("activation with the customer's signature only", err)
	s.clk.Advance(30 * time.Minute)
	tell.Must(s.slas.Sign(s.ctx, sven, a.ID, servicelevel.Signing{Side: servicelevel.SideProvider}))
	a = tell.Must(s.slas.Activate(s.ctx, sara, a.ID, servicelevel.Activation{}))
	s.Say("  signed by %s (customer) and %s (provider); %s edition %d is %s since %s", a.SignOffs[0].Person, a.SignOffs[1].Person,
		a.ID, a.Edition, a.Status, wall(a.ActivatedAt))
	s.Say("")
}

// plan is an incident as it happens: logged, perhaps on hold, resolved.
type plan struct {
	id, summary      string
	prio             int
	logged, resolved time.Time
	hold             incident.HoldReason
	ref              string
	held, resumed    time.Time
}

// play runs the steps of p that fall in [from, to) at their times: log,
// classify, assign and start at once; hold and resume; an action and the
// resolution. The first step pins the incident's timer.
func (s *story) play(p plan, from, to time.Time) {
	do := func(t time.Time, cmds ...incident.Command) {
		if !t.IsZero() && !t.Before(from) && t.Before(to) {
			s.clk.Set(t)
			tell.Must(s.incidents.DoSteps(s.ctx, agent, p.id, cmds...))
		}
	}
	if !p.logged.Before(from) && p.logged.Before(to) {
		s.clk.Set(p.logged)
		tell.Must(s.incidents.Log(s.ctx, agent, incident.Report{ID: p.id, Summary: p.summary, Service: "payroll",
			Source: incident.SourceUser, Reporter: "hr-clerk", ReportedAt: p.logged}))
		s.pinned[p.id], s.order = s.current(), append(s.order, p.id)
	}
	urgency := map[int]incident.Level{1: incident.High, 2: incident.Medium}[p.prio] // high impact: P1 or P2
	do(p.logged, incident.Classification{Category: "application", Impact: incident.High, Urgency: urgency},
		incident.Assignment{Group: "payroll-support", Assignee: agent.ID}, incident.WorkStart{})
	do(p.held, incident.Suspension{Reason: p.hold, Ref: p.ref})
	do(p.resumed, incident.Resumption{})
	do(p.resolved, incident.Action{Text: "fixed: " + p.summary},
		incident.Resolution{Code: "fixed", Notes: p.summary, RestoredAt: p.resolved})
	if !p.resolved.Before(from) && p.resolved.Before(to) {
		s.result(p)
	}
}

// current is the timer version new timers start under.
func (s *story) current() *servicelevel.Compiled {
	if s.v2 != nil {
		return s.v2
	}
	return s.v1
}

// result prints an incident's resolution timer, from its journal.
func (s *story) result(p plan) {
	c := s.pinned[p.id]
	t := tell.Must(c.Evaluate(tell.Must(s.incidents.Journal(s.ctx, p.id))))
	verdict := "met"
	if t.Breached {
		verdict = "BREACHED at " + wall(t.BreachedAt)
	}
	s.Say("  %s P%d %-34s %s -> %s  %8v of %v  %s  (%s)", p.id, p.prio, p.summary, wall(p.logged), wall(p.resolved), t.Elapsed, t.Target, verdict, t.Def)
}

// The incidents of February and March 2027, in the order they happen.
var (
	febIncidents = []plan{
		{id: "INC-201", prio: 2, summary: "payslip preview shows old tax class", logged: at(2, 9, 10, 0), resolved: at(2, 9, 14, 0)},
		{id: "INC-202", prio: 1, summary: "payroll run aborts", logged: at(2, 18, 9, 30), resolved: at(2, 18, 11, 0)},
		{id: "INC-203", prio: 2, summary: "bank file rejected", logged: at(2, 24, 15, 0), resolved: at(2, 25, 11, 0)},
	}
	inc306 = plan{id: "INC-306", prio: 2, summary: "pension export truncated", logged: at(3, 12, 14, 0),
		hold: incident.HoldChange, ref: "CHG-0315", held: at(3, 12, 16, 0), resumed: at(3, 15, 11, 0), resolved: at(3, 15, 15, 0)}
	firstHalf = []plan{
		{id: "INC-301", prio: 1, summary: "payroll run aborts", logged: at(3, 1, 9, 30), resolved: at(3, 1, 11, 0)},
		{id: "INC-302", prio: 2, summary: "overtime import fails", logged: at(3, 3, 10, 0), resolved: at(3, 3, 15, 0)},
		{id: "INC-303", prio: 2, summary: "tax table outdated", logged: at(3, 4, 13, 0),
			hold: incident.HoldChange, ref: "CHG-0304", held: at(3, 4, 15, 0), resumed: at(3, 5, 11, 0), resolved: at(3, 5, 15, 0)},
		{id: "INC-304", prio: 2, summary: "payslip PDF garbled", logged: at(3, 9, 11, 0),
			hold: incident.HoldCaller, held: at(3, 9, 11, 30), resumed: at(3, 10, 9, 0), resolved: at(3, 10, 10, 0)},
		{id: "INC-305", prio: 1, summary: "login to payroll fails", logged: at(3, 10, 14, 0), resolved: at(3, 10, 16, 30)},
	}
	secondHalf = []plan{
		{id: "INC-307", prio: 1, summary: "payroll system down", logged: at(3, 17, 10, 20), resolved: at(3, 17, 11, 20)},
		{id: "INC-308", prio: 2, summary: "cost centre report empty", logged: at(3, 18, 9, 0), resolved: at(3, 18, 12, 0)},
		{id: "INC-309", prio: 1, summary: "payroll run aborts", logged: at(3, 22, 13, 0), resolved: at(3, 22, 15, 45)},
		{id: "INC-310", prio: 2, summary: "sick-pay rule misapplied", logged: at(3, 23, 9, 30), resolved: at(3, 23, 16, 0)},
		{id: "INC-311", prio: 1, summary: "bank transfer file missing", logged: at(3, 24, 9, 15), resolved: at(3, 24, 10, 45)},
		{id: "INC-312", prio: 2, summary: "Easter bonus not computed", logged: at(3, 25, 15, 0),
			hold: incident.HoldSupplier, ref: "ACME-88121", held: at(3, 30, 11, 0), resumed: at(3, 30, 14, 0), resolved: at(3, 31, 11, 0)},
	}
	forever = at(12, 31, 0, 0)
)

// february plays February and issues its report on 1 March.
func (s *story) february() {
	s.Say("3. Incidents, timed from their journals on %s (SLM-10, INC-15)", s.office.ID())
	s.Say("  February:")
	for _, p := range febIncidents {
		s.play(p, time.Time{}, forever)
	}
	s.clk.Set(at(time.March, 1, 8, 0))
	from, to := servicelevel.Month(at(time.February, 15, 12, 0), berlin)
	s.issue(from, to)
	s.Say("  March:")
}

// firstHalf plays March up to the amendment on Monday the 15th, 09:00.
func (s *story) firstHalf() {
	for _, p := range firstHalf {
		s.play(p, time.Time{}, forever)
	}
	s.play(inc306, time.Time{}, amendAt)
}

var amendAt = at(time.March, 15, 9, 0)

// amend versions the resolution timer: from the 15th, time on hold for an
// authorized change does not count. A closed timer's result stands; the
// open one is restated, and the host applies the restatement (SLM-11).
func (s *story) amend() {
	s.clk.Set(amendAt)
	def := s.v1.Def()
	def.Version = 2
	def.Pause = append(slices.Clone(def.Pause), servicelevel.Condition{Trigger: string(incident.TriggerHold), Field: "reason", Value: string(incident.HoldChange)})
	s.v2 = tell.Must(servicelevel.Compile(def, s.office))
	s.Say("\n4. %s: the timer is amended to %s, pausing while on hold for a change (SLM-11)", wall(amendAt), def.ID())

	j := tell.Must(s.incidents.Journal(s.ctx, "INC-303"))
	closed := tell.Must(s.v1.Evaluate(j))
	fresh := tell.Must(s.v2.Evaluate(j))
	r := tell.Must(s.v1.Restate(s.v2, closed, j))
	s.Say("  INC-303 (timer stopped): %v of %v, breached %v under %s; its journal under %s would count %v",
		closed.Elapsed, closed.Target, closed.Breached, closed.Def, fresh.Def, fresh.Elapsed)
	s.Say("  INC-303 restated: closed %v, changed %v: %v, breached %v, %s stands", r.Closed, r.Changed, r.New.Elapsed, r.New.Breached, r.New.Def)
	_, err := s.v2.Apply(closed, nil)
	s.Refused("applying "+def.ID()+" to INC-303's timer", err)

	j = tell.Must(s.incidents.Journal(s.ctx, inc306.id))
	open := tell.Must(s.v1.Evaluate(j))
	r = tell.Must(s.v1.Restate(s.v2, open, j))
	old, now := s.v1.At(r.Old, amendAt), s.v2.At(r.New, amendAt)
	s.Say("  INC-306 (open, on hold for %s) restated: %s %s %v -> %s %s %v, changed %v; the host applies it",
		inc306.ref, r.Old.Def, old.Phase, old.Elapsed, r.New.Def, now.Phase, now.Elapsed, r.Changed)
	s.pinned[inc306.id] = s.v2
}

// secondHalf plays the rest of March, and explains the breach over
// Easter segment by segment.
func (s *story) secondHalf() {
	s.play(inc306, amendAt, forever)
	for _, p := range secondHalf {
		s.play(p, time.Time{}, forever)
	}
	p := secondHalf[len(secondHalf)-1]
	segs, t, err := s.pinned[p.id].Explain(tell.Must(s.incidents.Journal(s.ctx, p.id)), p.resolved)
	tell.Check(err)
	s.Say("\n  %s over Easter, segment by segment:", p.id)
	var sum time.Duration
	for _, g := range segs {
		sum += g.Counted
		s.Say("    %-13s %s -> %s %8v  %s", g.Kind, wall(g.From), wall(g.To), g.Counted, g.Reason)
	}
	s.Say("    counted %v = elapsed %v, target %v, breached at %s", sum, t.Elapsed, t.Target, wall(t.BreachedAt))
	s.Say("    %v passed from log to resolution while the wall clock moved %v: the clocks went forward", p.resolved.Sub(p.logged), face(p.resolved).Sub(face(p.logged)))
	verified := 0
	for _, id := range s.order {
		if s.incidents.Verify(s.ctx, id) == nil {
			verified++
		}
	}
	s.Say("  %d incident journals replayed, %d verify", len(s.order), verified)
}
