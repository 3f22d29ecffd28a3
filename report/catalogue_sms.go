package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/supplier"
)

// The management-system reports of the default catalogue (RPT-06): one
// generator per report, each over the store of one process package. Every
// figure is computed from the records as their journals stood at the
// cut-off ([EachJournal]): from the journal entries (trigger, From, To, At,
// payload) and, where the journal does not carry a value, from a field of
// the record that no transition changes once the entry that set it is
// recorded (named in each constructor's documentation). A period is
// [From, To), in the instants of the journal unless a generator says it
// dates by another instant.

// catGenerator is the generator of one report of the catalogue: its name,
// its metrics, the store it reads, and start, which returns the per-record
// tally of one computation and the function that gives its figures, in the
// order of the metrics.
type catGenerator[E sms.Entity[E]] struct {
	name    string
	metrics []Metric
	store   sms.Store[E]
	start   func(p Period, cutoff time.Time) (add func(E, []sms.Entry) error, done func() []float64)
}

// Name implements [Generator].
func (g *catGenerator[E]) Name() string { return g.name }

// Metrics implements [Generator]; the caller owns the slice.
func (g *catGenerator[E]) Metrics() []Metric { return slices.Clone(g.metrics) }

// Compute implements [Generator]. A period that does not end after it
// starts, a zero cut-off and a generator without a store are refused with
// a [*sms.ValidationError]; a record whose journal does not verify, or
// whose record and journal disagree, is an error naming it.
func (g *catGenerator[E]) Compute(ctx context.Context, p Period, cutoff time.Time) (Computation, error) {
	return compute(ctx, g.name, g.metrics, g.store, p, cutoff, func() (func(E, []sms.Entry) error, func() []Figure) {
		add, done := g.start(p, cutoff)
		return add, func() []Figure {
			vals := done()
			figs := make([]Figure, len(vals))
			for i, v := range vals {
				figs[i].Value = v
				if i < len(g.metrics) { // compute refuses a count that differs
					figs[i].Metric = g.metrics[i].Name
				}
			}
			return figs
		}
	})
}

// catCount is a counting metric.
func catCount(name, desc string) Metric { return Metric{Name: name, Unit: "count", Description: desc} }

// catFields counts the payload fields with the key.
func catFields(payload []sms.Field, key string) int {
	n := 0
	for _, f := range payload {
		if f.Key == key {
			n++
		}
	}
	return n
}

// catTime returns the time in the payload field with the key (RFC 3339, as
// the pipeline records times), whether there is one, or the error naming
// the record whose journal holds a time that does not parse.
func catTime(e sms.Entry, key string) (time.Time, bool, error) {
	v, ok := sms.Get(e.Payload, key)
	if !ok {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, &sms.CorruptError{Kind: e.Kind, ID: e.EntityID, Problem: fmt.Sprintf("entry %d (%s): %s %q is not a time", e.Seq, e.Trigger, key, v), Err: err}
	}
	return t, true, nil
}

// catCorrupt is the error of a record that disagrees with its journal.
func catCorrupt(kind sms.Kind, id, format string, args ...any) error {
	return &sms.CorruptError{Kind: kind, ID: id, Problem: fmt.Sprintf(format, args...)}
}

// SLAPerformance returns the generator "sla-performance" (RPT-06, 8.3.3:
// SLA performance and workload) over the agreements' store. It counts the
// period reports issued on agreements (trigger "report",
// [servicelevel.Agreements.Issue]) whose journal entry is dated in the
// period, and gives, in order:
//
//   - reports_issued: those reports;
//   - targets_reported: the service level targets they report on, summed
//     (the targets of the issued report as the agreement keeps it, which
//     no transition changes once issued);
//   - targets_missed: the targets they report missed, some measured record
//     not meeting it (the entry's "missed" fields);
//   - workload_limits_exceeded: the workload limits they report exceeded
//     (the entry's "exceeded" fields);
//   - improvements_named: the improvement actions or opportunities named
//     for those reports, at issue (the entry's "improvement" fields) and by
//     the reviews that examined the report's period (trigger "conclude",
//     whose period_from and period_to are the report's), as recorded by
//     the cut-off, wherever the review's entry falls;
//   - reports_without_improvement: those reports that missed a target or
//     exceeded a limit and for which no improvement was named by the
//     cut-off (SLM-06).
func SLAPerformance(store sms.Store[*servicelevel.Agreement]) Generator {
	return &catGenerator[*servicelevel.Agreement]{
		name: "sla-performance",
		metrics: []Metric{
			catCount("reports_issued", "period reports issued on agreements in the period"),
			catCount("targets_reported", "service level targets reported on by those reports"),
			catCount("targets_missed", "targets those reports report missed"),
			catCount("workload_limits_exceeded", "workload limits those reports report exceeded"),
			catCount("improvements_named", "improvements named for those reports, at issue or by the reviews of their periods, by the cut-off"),
			catCount("reports_without_improvement", "those reports that missed a target or exceeded a limit with no improvement named by the cut-off"),
		},
		store: store,
		start: func(p Period, _ time.Time) (func(*servicelevel.Agreement, []sms.Entry) error, func() []float64) {
			var issued, targets, missed, exceeded, named, without int
			add := func(a *servicelevel.Agreement, j []sms.Entry) error {
				type catPeriod struct{ from, to int64 }
				type catReport struct {
					key   catPeriod
					needs bool
					named int
				}
				var in []catReport
				byReview := map[catPeriod]int{}
				k := 0 // the next of a.Reports, issued in journal order
				for _, e := range j {
					switch servicelevel.AgreementTrigger(e.Trigger) {
					case servicelevel.TriggerReport:
						if k >= len(a.Reports) {
							return catCorrupt(a.EntityKind(), a.ID, "entry %d issues report %d, the agreement keeps %d", e.Seq, k+1, len(a.Reports))
						}
						r := a.Reports[k].Report
						k++
						from, _, err := catTime(e, "period_from")
						if err != nil {
							return err
						}
						to, _, err := catTime(e, "period_to")
						if err != nil {
							return err
						}
						if !from.Equal(r.From) || !to.Equal(r.To) {
							return catCorrupt(a.EntityKind(), a.ID, "entry %d issues the report of %s/%s, the agreement keeps %s/%s", e.Seq,
								from.Format(time.RFC3339), to.Format(time.RFC3339), r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
						}
						if !p.Contains(e.At) {
							continue
						}
						m, x := catFields(e.Payload, "missed"), catFields(e.Payload, "exceeded")
						issued++
						targets += len(r.Targets)
						missed += m
						exceeded += x
						in = append(in, catReport{key: catPeriod{from.UnixNano(), to.UnixNano()}, needs: m > 0 || x > 0, named: catFields(e.Payload, "improvement")})
					case servicelevel.TriggerConclude:
						from, ok1, err := catTime(e, "period_from")
						if err != nil {
							return err
						}
						to, ok2, err := catTime(e, "period_to")
						if err != nil {
							return err
						}
						if ok1 && ok2 {
							byReview[catPeriod{from.UnixNano(), to.UnixNano()}] += catFields(e.Payload, "improvement")
						}
					}
				}
				for _, r := range in {
					n := r.named + byReview[r.key]
					named += n
					if r.needs && n == 0 {
						without++
					}
				}
				return nil
			}
			done := func() []float64 {
				return []float64{float64(issued), float64(targets), float64(missed), float64(exceeded), float64(named), float64(without)}
			}
			return add, done
		},
	}
}

// AvailabilityAgainstTarget returns the generator "availability" (RPT-06,
// 8.7.1: availability against target) over the outage records' store. An
// outage counts when its downtime, as its journal stood at the cut-off
// (recorded, restored and corrected: the kind, start and end of the
// entries "record", "restore" and "correct"), overlaps the period; an
// outage not restored by the cut-off is down up to the period's end or the
// cut-off, whichever is earlier. It gives, in order:
//
//   - outages: the outages that overlap the period;
//   - outages_unplanned, outages_planned, outages_degraded: those of each
//     kind, as recorded (a planned outage that no authorized change covers
//     is not reclassified here: that takes the host's change lookup, see
//     [servicelevel.Measure]);
//   - unplanned_downtime_minutes: the unplanned downtime within the
//     period, in minutes of calendar time, overlapping outages of a
//     service merged and the services summed (degraded time is not down,
//     the clarifications of AVL-06);
//   - unplanned_investigated: the unplanned outages whose investigation
//     (trigger "investigate", AVL-05) was recorded by the cut-off.
//
// An availability percentage per service needs its agreed service hours
// and target ([servicelevel.Measure]), which the outage records do not
// hold: the generator keeps to the outages and their downtime.
func AvailabilityAgainstTarget(store sms.Store[*servicelevel.OutageRecord]) Generator {
	return &catGenerator[*servicelevel.OutageRecord]{
		name: "availability",
		metrics: []Metric{
			catCount("outages", "outages whose downtime overlaps the period"),
			catCount("outages_unplanned", "of those, the unplanned"),
			catCount("outages_planned", "of those, the planned"),
			catCount("outages_degraded", "of those, the degraded"),
			{Name: "unplanned_downtime_minutes", Unit: "minutes", Description: "unplanned downtime within the period, overlaps of a service merged, services summed"},
			catCount("unplanned_investigated", "unplanned outages of the period investigated by the cut-off"),
		},
		store: store,
		start: func(p Period, cutoff time.Time) (func(*servicelevel.OutageRecord, []sms.Entry) error, func() []float64) {
			var total, unplanned, planned, degraded, investigated int
			down := map[string][][2]time.Time{}
			stop := p.To
			if cutoff.Before(stop) {
				stop = cutoff
			}
			add := func(o *servicelevel.OutageRecord, j []sms.Entry) error {
				var kind servicelevel.OutageKind
				var service string
				var start, end time.Time
				inv := false
				for _, e := range j {
					switch servicelevel.OutageTrigger(e.Trigger) {
					case servicelevel.TriggerRecordOutage:
						service, _ = sms.Get(e.Payload, "service")
						v, _ := sms.Get(e.Payload, "kind")
						kind = servicelevel.OutageKind(v)
						t, _, err := catTime(e, "start")
						if err != nil {
							return err
						}
						start = t
					case servicelevel.TriggerRestore:
						t, _, err := catTime(e, "end")
						if err != nil {
							return err
						}
						end = t
					case servicelevel.TriggerCorrect:
						if v, ok := sms.Get(e.Payload, "kind"); ok {
							kind = servicelevel.OutageKind(v)
						}
						if t, ok, err := catTime(e, "start"); err != nil {
							return err
						} else if ok {
							start = t
						}
						if t, ok, err := catTime(e, "end"); err != nil {
							return err
						} else if ok {
							end = t
						}
					case servicelevel.TriggerInvestigate:
						inv = true
					}
				}
				if start.IsZero() {
					return catCorrupt(o.EntityKind(), o.ID, "the journal records no start")
				}
				if end.IsZero() {
					end = stop
				}
				if !start.Before(p.To) || !end.After(p.From) || !end.After(start) {
					return nil
				}
				total++
				switch kind {
				case servicelevel.Unplanned:
					unplanned++
					if inv {
						investigated++
					}
					from, to := start, end
					if from.Before(p.From) {
						from = p.From
					}
					if to.After(p.To) {
						to = p.To
					}
					down[service] = append(down[service], [2]time.Time{from, to})
				case servicelevel.Planned:
					planned++
				case servicelevel.Degraded:
					degraded++
				default:
					return catCorrupt(o.EntityKind(), o.ID, "the journal records the outage kind %q", kind)
				}
				return nil
			}
			done := func() []float64 {
				services := make([]string, 0, len(down))
				for s := range down {
					services = append(services, s)
				}
				sort.Strings(services)
				var d time.Duration
				for _, s := range services {
					d += catMerged(down[s])
				}
				return []float64{float64(total), float64(unplanned), float64(planned), float64(degraded), d.Minutes(), float64(investigated)}
			}
			return add, done
		},
	}
}

// catMerged returns the length of the union of the intervals [a, b).
func catMerged(ivs [][2]time.Time) time.Duration {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i][0].Before(ivs[j][0]) })
	var d time.Duration
	var cur [2]time.Time
	for i, iv := range ivs {
		switch {
		case i == 0:
			cur = iv
		case !iv[0].After(cur[1]):
			if iv[1].After(cur[1]) {
				cur[1] = iv[1]
			}
		default:
			d += cur[1].Sub(cur[0])
			cur = iv
		}
	}
	if len(ivs) > 0 {
		d += cur[1].Sub(cur[0])
	}
	return d
}

// SupplierPerformance returns the generator "supplier-performance"
// (RPT-06, 8.3.4: supplier performance) over the contracts' store. It
// counts the performance reviews of contracts (trigger
// "assess_performance", SUP-06) whose journal entry is dated in the
// period, and gives, in order:
//
//   - performance_reviews: those reviews;
//   - targets_reviewed: the targets and obligations they give a result
//     for, summed;
//   - targets_missed: the results not met (the entry's "missed" fields);
//   - actions_raised: the actions or improvement opportunities the
//     results name (SUP-07), summed.
//
// The results and their actions are the review's as the contract keeps it
// ([supplier.Contract] Performance, appended in journal order and never
// changed once recorded); the journal entry does not carry the actions.
func SupplierPerformance(store sms.Store[*supplier.Contract]) Generator {
	return &catGenerator[*supplier.Contract]{
		name: "supplier-performance",
		metrics: []Metric{
			catCount("performance_reviews", "supplier performance reviews held in the period"),
			catCount("targets_reviewed", "targets and obligations those reviews give a result for"),
			catCount("targets_missed", "results of those reviews not met"),
			catCount("actions_raised", "actions or improvement opportunities those results name"),
		},
		store: store,
		start: func(p Period, _ time.Time) (func(*supplier.Contract, []sms.Entry) error, func() []float64) {
			var reviews, targets, missed, actions int
			add := func(c *supplier.Contract, j []sms.Entry) error {
				k := 0
				for _, e := range j {
					if supplier.ContractTrigger(e.Trigger) != supplier.TriggerAssessPerformance {
						continue
					}
					if k >= len(c.Performance) {
						return catCorrupt(c.EntityKind(), c.ID, "entry %d records performance review %d, the contract keeps %d", e.Seq, k+1, len(c.Performance))
					}
					pr := c.Performance[k]
					k++
					from, _, err := catTime(e, "period_from")
					if err != nil {
						return err
					}
					if !from.Equal(pr.From) {
						return catCorrupt(c.EntityKind(), c.ID, "entry %d reviews the period from %s, the contract keeps %s", e.Seq, from.Format(time.RFC3339), pr.From.Format(time.RFC3339))
					}
					if !p.Contains(e.At) {
						continue
					}
					reviews++
					targets += len(pr.Results)
					missed += catFields(e.Payload, "missed")
					for _, r := range pr.Results {
						actions += len(r.Actions)
					}
				}
				return nil
			}
			done := func() []float64 {
				return []float64{float64(reviews), float64(targets), float64(missed), float64(actions)}
			}
			return add, done
		},
	}
}

// ContinuityTests returns the generator "continuity-tests" (RPT-06,
// 8.7.2: continuity tests and actions) over the continuity tests' store.
// It counts the tests executed in the period, dated by when the test
// ended (the "ended" field of the entry "execute", CON-09) and recorded by
// the cut-off, and gives, in order:
//
//   - tests_executed: those tests;
//   - tests_met: of those, the tests that met the objectives of every
//     service they measured;
//   - tests_not_met: the others;
//   - tests_reviewed: of those, the tests whose review (trigger "review",
//     CON-10) was recorded by the cut-off;
//   - deficiencies_with_actions: the deficiencies those reviews found, each
//     with its action (CON-11; the review entry's "action" fields).
//
// The verdicts are the test's results as the record keeps them, which only
// the execution sets, once.
func ContinuityTests(store sms.Store[*continuity.Test]) Generator {
	return &catGenerator[*continuity.Test]{
		name: "continuity-tests",
		metrics: []Metric{
			catCount("tests_executed", "continuity tests that ended in the period"),
			catCount("tests_met", "of those, tests that met every service's objectives"),
			catCount("tests_not_met", "of those, tests with a service's objectives not met"),
			catCount("tests_reviewed", "of those, tests reviewed by the cut-off"),
			catCount("deficiencies_with_actions", "deficiencies those reviews found, each with its action"),
		},
		store: store,
		start: func(p Period, _ time.Time) (func(*continuity.Test, []sms.Entry) error, func() []float64) {
			var executed, met, notMet, reviewed, deficiencies int
			add := func(x *continuity.Test, j []sms.Entry) error {
				in := false
				for _, e := range j {
					switch continuity.TestTrigger(e.Trigger) {
					case continuity.TriggerExecuteTest:
						ended, ok, err := catTime(e, "ended")
						if err != nil {
							return err
						}
						if !ok || !p.Contains(ended) {
							return nil
						}
						if n := catFields(e.Payload, "result"); n != len(x.Results) {
							return catCorrupt(x.EntityKind(), x.ID, "the execution records %d results, the test keeps %d", n, len(x.Results))
						}
						in = true
						executed++
						if x.Met() {
							met++
						} else {
							notMet++
						}
					case continuity.TriggerReviewTest:
						if in {
							reviewed++
							deficiencies += catFields(e.Payload, "action")
						}
					}
				}
				return nil
			}
			done := func() []float64 {
				return []float64{float64(executed), float64(met), float64(notMet), float64(reviewed), float64(deficiencies)}
			}
			return add, done
		},
	}
}

// AuditResults returns the generator "audit-results" (RPT-06, 9.2: audit
// results) over the internal audits' store. It counts the audits whose
// report was issued in the period (trigger "report", AUD-05, dated by its
// journal entry) and the findings those audits recorded (trigger
// "record_finding", whose "type" field is the finding's type; findings are
// recorded only before the report), and gives, in order:
//
//   - audits_reported: those audits;
//   - findings_major_nc, findings_minor_nc, findings_observation,
//     findings_ofi: their findings of each type ([audit.FindingTypes]).
func AuditResults(store sms.Store[*audit.Audit]) Generator {
	types := audit.FindingTypes()
	ms := []Metric{catCount("audits_reported", "internal audits reported in the period")}
	for _, t := range types {
		ms = append(ms, catCount("findings_"+string(t), "findings of type "+string(t)+" those audits recorded"))
	}
	return &catGenerator[*audit.Audit]{
		name:    "audit-results",
		metrics: ms,
		store:   store,
		start: func(p Period, _ time.Time) (func(*audit.Audit, []sms.Entry) error, func() []float64) {
			vals := make([]float64, 1+len(types))
			add := func(x *audit.Audit, j []sms.Entry) error {
				found := make([]int, len(types))
				for _, e := range j {
					switch audit.AuditTrigger(e.Trigger) {
					case audit.TriggerAuditRecordFinding:
						v, _ := sms.Get(e.Payload, "type")
						i := slices.Index(types, audit.FindingType(v))
						if i < 0 {
							return catCorrupt(x.EntityKind(), x.ID, "entry %d records a finding of type %q", e.Seq, v)
						}
						found[i]++
					case audit.TriggerAuditReport:
						if !p.Contains(e.At) {
							return nil
						}
						vals[0]++
						for i, n := range found {
							vals[1+i] += float64(n)
						}
						return nil
					}
				}
				return nil
			}
			return add, func() []float64 { return vals }
		},
	}
}

// NonconformityStatus returns the generator "nonconformity-status"
// (RPT-06, 10.1: nonconformity status) over the nonconformities' store. The
// period's end is its To, or the cut-off when that is earlier; the state
// at the end is the record as the journal entries dated before it left
// it. It gives, in order:
//
//   - nonconformities_raised: raised in the period (trigger "raise");
//   - nonconformities_closed: closed in the period (an entry to "closed":
//     verify_effective or close_no_action);
//   - nonconformities_open: raised before the end and not closed at it;
//   - nonconformities_overdue: of those, the ones with a corrective action
//     or an effectiveness verification overdue at the end (NC-09), as
//     [audit.SweepNonconformity] finds on the record rebuilt from the
//     journal as of the end: its status, the actions planned by then
//     ("plan_actions"; each action's due date is the record's, which no
//     transition changes once planned), those done by then
//     ("complete_action") and the verification due date of the last
//     implementation ("implement").
func NonconformityStatus(store sms.Store[*audit.Nonconformity]) Generator {
	return &catGenerator[*audit.Nonconformity]{
		name: "nonconformity-status",
		metrics: []Metric{
			catCount("nonconformities_raised", "nonconformities raised in the period"),
			catCount("nonconformities_closed", "nonconformities closed in the period"),
			catCount("nonconformities_open", "nonconformities open at the end of the period"),
			catCount("nonconformities_overdue", "of those, with a corrective action or verification overdue at the end"),
		},
		store: store,
		start: func(p Period, cutoff time.Time) (func(*audit.Nonconformity, []sms.Entry) error, func() []float64) {
			var raised, closed, open, overdue int
			end := p.To
			if cutoff.Before(end) {
				end = cutoff
			}
			add := func(x *audit.Nonconformity, j []sms.Entry) error {
				if p.Contains(j[0].At) {
					raised++
				}
				for _, e := range j {
					if e.To == string(audit.NCClosed) && e.From != e.To && p.Contains(e.At) {
						closed++
					}
				}
				known := 0
				for known < len(j) && j[known].At.Before(p.To) {
					known++
				}
				if known == 0 || j[known-1].To == string(audit.NCClosed) {
					return nil
				}
				open++
				asOf, err := catNCAsOf(x, j[:known])
				if err != nil {
					return err
				}
				if len(audit.SweepNonconformity(asOf, end)) > 0 {
					overdue++
				}
				return nil
			}
			done := func() []float64 {
				return []float64{float64(raised), float64(closed), float64(open), float64(overdue)}
			}
			return add, done
		},
	}
}

// catNCAsOf rebuilds what [audit.SweepNonconformity] reads of a
// nonconformity from a prefix of its journal: the status, the actions
// planned with their due dates (the record's) and whether each was done,
// and the verification due date.
func catNCAsOf(x *audit.Nonconformity, j []sms.Entry) (*audit.Nonconformity, error) {
	r := &audit.Nonconformity{Status: audit.NonconformityStatus(j[len(j)-1].To), Severity: x.Severity}
	r.ID = x.ID
	find := func(id string) int {
		return slices.IndexFunc(r.Actions, func(a audit.NCAction) bool { return a.ID == id })
	}
	for _, e := range j {
		switch audit.NonconformityTrigger(e.Trigger) {
		case audit.NCTriggerPlanActions:
			for _, f := range e.Payload {
				if f.Key != "action" {
					continue
				}
				id, _, _ := strings.Cut(f.Value, ":")
				i := slices.IndexFunc(x.Actions, func(a audit.NCAction) bool { return a.ID == id })
				if i < 0 {
					return nil, catCorrupt(x.EntityKind(), x.ID, "entry %d plans action %q, which the record does not keep", e.Seq, id)
				}
				r.Actions = append(r.Actions, audit.NCAction{ID: id, Description: x.Actions[i].Description, Owner: x.Actions[i].Owner, Due: x.Actions[i].Due})
			}
		case audit.NCTriggerCompleteAction:
			id, _ := sms.Get(e.Payload, "action")
			ev, _ := sms.Get(e.Payload, "evidence")
			i := find(id)
			if i < 0 {
				return nil, catCorrupt(x.EntityKind(), x.ID, "entry %d completes action %q, not planned before it", e.Seq, id)
			}
			r.Actions[i].Done, r.Actions[i].Evidence = e.At, ev
		case audit.NCTriggerImplement:
			t, ok, err := catTime(e, "verify_due")
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, catCorrupt(x.EntityKind(), x.ID, "entry %d implements the actions with no verification due date", e.Seq)
			}
			r.VerifyDue = t
		}
	}
	return r, nil
}

// ImprovementStatus returns the generator "improvement-status" (RPT-06,
// 10.2 and CI-06: improvement status) over the improvement register. Each
// opportunity counts once in each figure for which its journal, as of the
// cut-off, has an entry of the trigger dated in the period (as
// [audit.Opportunities.Improvements] counts). It gives, in order:
//
//   - opportunities_logged: logged ("log");
//   - opportunities_implemented: implemented ("implement", again after a
//     follow-up);
//   - opportunities_met: measured with every target met ("measure");
//   - opportunities_missed: measured with a target missed and followed up
//     ("miss");
//   - opportunities_closed: closed ("close");
//   - opportunities_rejected: rejected ("reject").
func ImprovementStatus(store sms.Store[*audit.Opportunity]) Generator {
	triggers := []audit.OpportunityTrigger{audit.TriggerOpportunityLog, audit.TriggerOpportunityImplement, audit.TriggerOpportunityMeasure,
		audit.TriggerOpportunityMiss, audit.TriggerOpportunityClose, audit.TriggerOpportunityReject}
	return &catGenerator[*audit.Opportunity]{
		name: "improvement-status",
		metrics: []Metric{
			catCount("opportunities_logged", "improvement opportunities logged in the period"),
			catCount("opportunities_implemented", "opportunities implemented in the period"),
			catCount("opportunities_met", "opportunities measured in the period with every target met"),
			catCount("opportunities_missed", "opportunities measured in the period with a target missed, and followed up"),
			catCount("opportunities_closed", "opportunities closed in the period"),
			catCount("opportunities_rejected", "opportunities rejected in the period"),
		},
		store: store,
		start: func(p Period, _ time.Time) (func(*audit.Opportunity, []sms.Entry) error, func() []float64) {
			vals := make([]float64, len(triggers))
			add := func(_ *audit.Opportunity, j []sms.Entry) error {
				seen := make([]bool, len(triggers))
				for _, e := range j {
					if i := slices.Index(triggers, audit.OpportunityTrigger(e.Trigger)); i >= 0 && p.Contains(e.At) {
						seen[i] = true
					}
				}
				for i, s := range seen {
					if s {
						vals[i]++
					}
				}
				return nil
			}
			return add, func() []float64 { return vals }
		},
	}
}
