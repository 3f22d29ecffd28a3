package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
)

// issue computes the SLA's report over [from, to) from the incidents'
// journals, each timed by the version its timer is pinned to, with the
// incidents logged in the period as the workload, and issues it on the
// agreement (SLM-04, SLM-05).
func (s *story) issue(from, to time.Time) servicelevel.Report {
	a := tell.Must(s.slas.Get(s.ctx, s.sla))
	var measured []servicelevel.Measured
	var logged int64
	byVersion := map[*servicelevel.Compiled][][]sms.Entry{}
	for _, id := range s.order {
		j := tell.Must(s.incidents.Journal(s.ctx, id))
		byVersion[s.pinned[id]] = append(byVersion[s.pinned[id]], j)
		if !j[0].At.Before(from) && j[0].At.Before(to) {
			logged++
		}
	}
	for _, tg := range a.Targets {
		for _, c := range []*servicelevel.Compiled{s.v1, s.v2} {
			if c != nil {
				measured = append(measured, servicelevel.Measured{Target: tg, Timer: c, Journals: byVersion[c]})
			}
		}
	}
	r := tell.Must(servicelevel.PeriodReport(a, measured, map[string]int64{"incidents": logged}, from, to))
	s.Say("  report of %s, %s to %s:", r.Agreement, wall(r.From), wall(r.To))
	for _, tr := range r.Targets {
		s.Say("    %s P%s within %s: %d of %d met (%.1f %%)%s", tr.Target.Metric, strings.Join(tr.Target.Priorities, ","), tr.Target.Objective,
			tr.Met, tr.Measured, tr.Percent(), missed(tr.Missed))
	}
	for _, w := range r.Workload {
		s.Say("    workload %s: %d, at most %d a %s, exceeded %v", w.Limit.Metric, w.Actual, w.Limit.Max, w.Limit.Window, w.Exceeded)
	}
	tell.Must(s.slas.Issue(s.ctx, sara, a.ID, servicelevel.Issue{Report: r}))
	s.Say("  issued on %s at %s; needs an improvement: %v", a.ID, wall(s.clk.Now()), r.NeedsImprovement())
	return r
}

func missed(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ", missed by " + strings.Join(ids, ", ")
}

// monthEnd issues March's report, reviews it with the customer and
// concludes the review with the improvement for the missed target.
func (s *story) monthEnd() {
	s.clk.Set(at(time.April, 1, 9, 0))
	s.Say("\n5. Month end: report, review and trend (SLM-04 to SLM-06)")
	from, to := servicelevel.Month(at(time.March, 15, 12, 0), berlin)
	r := s.issue(from, to)
	tell.Must(s.slas.Review(s.ctx, sara, s.sla, servicelevel.ReviewStart{}))
	conclusion := servicelevel.Conclusion{Text: "P2 resolution missed twice: a change wait and a supplier wait", Report: &r}
	_, err := s.slas.Conclude(s.ctx, sara, s.sla, conclusion)
	s.Refused("concluding the review without an improvement (SLM-06)", err)
	conclusion.Improvements = []string{"CSI-14: escalate to ACME after 2 working hours on hold"}
	a := tell.Must(s.slas.Conclude(s.ctx, sara, s.sla, conclusion))
	s.Say("  review concluded: %s; improvement %s", a.Status, conclusion.Improvements[0])
	for _, tr := range a.Trends(2) {
		s.Say("  trend %s P%s over %d periods: %s", tr.Metric, strings.Join(tr.Priorities, ","), tr.Periods, percents(tr.Percent))
	}
}

func percents(ps []float64) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%.1f %%", p)
	}
	return strings.Join(out, " -> ")
}

// changeBook is the host's change lookup (servicelevel.Changes): the
// authorized changes, each with its service and window.
type changeBook map[string]struct {
	service  string
	from, to time.Time
}

// Covers reports whether change id is authorized for service and its
// window holds [from, to).
func (b changeBook) Covers(_ context.Context, id, service string, from, to time.Time) (bool, error) {
	c, ok := b[id]
	return ok && c.service == service && !from.Before(c.from) && !to.After(c.to), nil
}

// availability records March's outages of payroll, as they happened, and
// measures the month within the service hours (AVL-04 to AVL-07).
func (s *story) availability() {
	s.Say("\n6. Availability of payroll in March (AVL-04 to AVL-07)")
	hours := weekdays("payroll-hours", calendar.Window{Start: calendar.At(7, 0), End: calendar.At(19, 0)})
	book := changeBook{"CHG-0309": {service: "payroll", from: at(time.March, 9, 17, 30), to: at(time.March, 9, 21, 0)}}
	outages := tell.Must(servicelevel.NewOutages(memstore.New[*servicelevel.OutageRecord](), book, sms.Options{Now: s.clk.Now}))

	// The records are written at the times they happened in March; each
	// record's journal is in order.
	s.clk.Set(at(time.March, 9, 18, 0))
	o := tell.Must(outages.Record(s.ctx, otto, servicelevel.OutageReport{ID: "OUT-1", Service: "payroll", Kind: servicelevel.Planned,
		Start: s.clk.Now(), Change: "CHG-0309"}))
	s.clk.Set(at(time.March, 9, 20, 0))
	tell.Must(outages.Restore(s.ctx, otto, o.ID, servicelevel.Restoration{End: s.clk.Now()}))
	o = tell.Must(outages.Close(s.ctx, otto, o.ID, servicelevel.OutageClosure{}))
	s.Say("  %s planned %s -> %s under the authorized change %s: %s (AVL-06)", o.ID, wall(o.Start), wall(o.End), o.Change, o.Status)

	s.clk.Set(at(time.March, 17, 10, 15))
	o = tell.Must(outages.Record(s.ctx, otto, servicelevel.OutageReport{ID: "OUT-2", Service: "payroll", Kind: servicelevel.Unplanned, Start: s.clk.Now()}))
	s.clk.Set(at(time.March, 17, 11, 15))
	tell.Must(outages.Restore(s.ctx, otto, o.ID, servicelevel.Restoration{End: s.clk.Now()}))
	s.clk.Advance(15 * time.Minute)
	_, err := outages.Close(s.ctx, otto, o.ID, servicelevel.OutageClosure{})
	s.Refused("closing the unplanned outage before its investigation", err)
	s.clk.Set(at(time.March, 18, 10, 0))
	tell.Must(outages.Investigate(s.ctx, otto, o.ID, servicelevel.Investigation{Incident: "INC-307",
		Outcome: "the database connection pool ran dry after the nightly import", Actions: []string{"pool raised from 50 to 200", "alarm at 80 % use"}}))
	o = tell.Must(outages.Close(s.ctx, otto, o.ID, servicelevel.OutageClosure{}))
	s.Say("  %s unplanned %s -> %s, investigated with %s (%s), %d actions: %s (AVL-05)", o.ID, wall(o.Start), wall(o.End), o.Incident, o.Outcome, len(o.Actions), o.Status)

	var recorded []servicelevel.Outage
	tell.Check(outages.Each(s.ctx, "payroll", func(o servicelevel.Outage) bool { recorded = append(recorded, o); return true }))
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 995, TargetDen: 1000, Hours: hours}
	from, to := servicelevel.Month(at(time.March, 15, 12, 0), berlin)
	av := tell.Must(servicelevel.Measure(s.ctx, req, recorded, from, to, book))
	s.Say("  within %s (Mon-Fri 07:00-19:00): agreed %v, down %v, planned %v, up %v", hours.ID(), av.Agreed, av.Down, av.Planned, av.Up)
	s.Say("  availability %.4f %% against 99.5 %%: met %v; %d failure(s), MTBF %v, MTRS %v; %d finding(s)",
		av.Percent(), av.Met, av.Failures, av.MTBF, av.MTRS, len(av.Findings))
}

// sweep runs the periodic obligations and the auditor's check 9 over the
// agreements (SLM-02, SLM-04 to SLM-06).
func (s *story) sweep() {
	s.clk.Set(at(time.April, 1, 12, 0))
	s.Say("\n7. Periodic obligations (SLM-02, SLM-04, SLM-05) and check 9 of the auditor suite, as of %s", wall(s.clk.Now()))
	p := servicelevel.Periodic{Reports: sms.Monthly("Europe/Berlin"), Reviews: sms.Quarterly("Europe/Berlin"), Grace: 5 * 24 * time.Hour}
	live := []servicelevel.LiveService{{Service: "payroll", Customer: "hr"}}
	findings := tell.Must(s.slas.Sweep(s.ctx, live, p, s.clk.Now()))
	s.Say("  sweep: %d finding(s)", len(findings))
	for _, f := range findings {
		s.Say("    %s", f)
	}
	rep := tell.Must(s.slas.Conform(s.ctx, live, p, s.clk.Now()))
	for _, r := range rep.Results {
		verdict := "pass"
		if !r.Passed() {
			verdict = fmt.Sprintf("FAIL (%d)", len(r.Failures))
		}
		s.Say("    %-24s clause %-6s %d examined  %s", r.Check, r.Clause, r.Population, verdict)
		for _, f := range r.Failures {
			s.Say("      %s", f)
		}
	}
}
