package report

import (
	"context"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/request"
)

// The operational reports of the default catalogue (RPT-06): incident and
// request volumes (8.6.1, 8.6.2), major incidents (8.6.1), problem
// effectiveness (8.6.3), change trends (8.5.1.3), release outcomes (8.5.3)
// and information-security incidents (8.7.3.3).
//
// Every figure is computed from the records' journals as they stood at the
// cut-off ([EachJournal]): an event is dated by the At of the journal entry
// that records it (the instant the library recorded the transition), and
// it is "in the period" when that instant is in [Period.From, Period.To).
// A record whose journal as of the cut-off is empty (created after it) is
// not read. A record counts at most once in a count "of records" even if
// its journal has several entries of the trigger in the period (an
// incident resolved, reopened and resolved again is resolved once). A
// record's status "at the end of the period" is the To status of the last
// entry of its journal (as of the cut-off) dated before Period.To; a record
// with no such entry did not exist then. A value read from the journal (a
// priority, a security rating) is the last one recorded at or before the
// cut-off.

// opsGenerator is a [Generator] over one store: tally returns, for a
// period, the function that adds one record and its journal as of the
// cut-off, and the one that gives the figures, in the order of metrics.
type opsGenerator[E sms.Entity[E]] struct {
	name    string
	metrics []Metric
	store   sms.Store[E]
	tally   func(p Period) (add func(e E, j []sms.Entry), figures func() []Figure)
}

func (g *opsGenerator[E]) Name() string { return g.name }

func (g *opsGenerator[E]) Metrics() []Metric { return append([]Metric(nil), g.metrics...) }

func (g *opsGenerator[E]) Compute(ctx context.Context, period Period, cutoff time.Time) (Computation, error) {
	return compute(ctx, g.name, g.metrics, g.store, period, cutoff, func() (func(E, []sms.Entry) error, func() []Figure) {
		add, figures := g.tally(period)
		return func(e E, j []sms.Entry) error { add(e, j); return nil }, figures
	})
}

// opsCounts builds the figures of counts, in the order of metrics.
func opsCounts(metrics []Metric, counts ...int) []Figure {
	figs := make([]Figure, len(counts))
	for i, n := range counts {
		figs[i] = Figure{Metric: metrics[i].Name, Value: float64(n)}
	}
	return figs
}

// opsRatio is num/den, Undefined when den is 0.
func opsRatio(metric string, num float64, den int) Figure {
	if den == 0 {
		return Figure{Metric: metric, Undefined: true}
	}
	return Figure{Metric: metric, Value: num / float64(den)}
}

// opsLastIn returns the last entry of the trigger dated in the period.
func opsLastIn(j []sms.Entry, trigger string, p Period) (sms.Entry, bool) {
	var last sms.Entry
	found := false
	for _, e := range j {
		if e.Trigger == trigger && p.Contains(e.At) {
			last, found = e, true
		}
	}
	return last, found
}

// opsIn reports whether the journal has an entry of the trigger dated in
// the period.
func opsIn(j []sms.Entry, trigger string, p Period) bool {
	_, ok := opsLastIn(j, trigger, p)
	return ok
}

// opsCountIn counts the entries of the trigger dated in the period.
func opsCountIn(j []sms.Entry, trigger string, p Period) int {
	n := 0
	for _, e := range j {
		if e.Trigger == trigger && p.Contains(e.At) {
			n++
		}
	}
	return n
}

// opsStatusBefore returns the status the journal gives the record just
// before t, and whether it existed then.
func opsStatusBefore(j []sms.Entry, t time.Time) (string, bool) {
	s, ok := "", false
	for _, e := range j {
		if !e.At.Before(t) {
			break
		}
		s, ok = e.To, true
	}
	return s, ok
}

// opsLastValue returns the last value recorded under key by an entry of
// the trigger.
func opsLastValue(j []sms.Entry, trigger, key string) (string, bool) {
	v, found := "", false
	for _, e := range j {
		if e.Trigger != trigger {
			continue
		}
		if x, ok := sms.Get(e.Payload, key); ok {
			v, found = x, true
		}
	}
	return v, found
}

// Incident metric names of [IncidentVolumes].
var opsIncidentMetrics = []Metric{
	{Name: "incidents_logged", Unit: "incidents", Description: "incidents reported in the period"},
	{Name: "incidents_resolved", Unit: "incidents", Description: "incidents resolved in the period, each once"},
	{Name: "incidents_closed", Unit: "incidents", Description: "incidents closed in the period"},
	{Name: "incidents_open_at_end", Unit: "incidents", Description: "incidents new, assigned, in progress or on hold at the end of the period"},
	{Name: "mean_hours_to_resolve", Unit: "hours", Description: "mean time from report to resolution of the incidents resolved in the period"},
	{Name: "incidents_logged_p1", Unit: "incidents", Description: "incidents logged in the period with priority P1"},
	{Name: "incidents_logged_p2", Unit: "incidents", Description: "incidents logged in the period with priority P2"},
	{Name: "incidents_logged_p3", Unit: "incidents", Description: "incidents logged in the period with priority P3"},
	{Name: "incidents_logged_p4", Unit: "incidents", Description: "incidents logged in the period with priority P4"},
	{Name: "incidents_logged_p5", Unit: "incidents", Description: "incidents logged in the period with priority P5"},
	{Name: "incidents_logged_priority_other", Unit: "incidents", Description: "incidents logged in the period with a priority below P5"},
	{Name: "incidents_logged_unprioritised", Unit: "incidents", Description: "incidents logged in the period not yet prioritised"},
}

// Security metric names of [SecurityIncidents].
var opsSecurityMetrics = []Metric{
	{Name: "security_incidents_logged", Unit: "incidents", Description: "security incidents logged (created) in the period"},
	{Name: "security_incidents_resolved", Unit: "incidents", Description: "security incidents resolved in the period, each once"},
	{Name: "security_incidents_closed", Unit: "incidents", Description: "security incidents closed in the period"},
	{Name: "security_incidents_open_at_end", Unit: "incidents", Description: "security incidents new, assigned, in progress or on hold at the end of the period"},
	{Name: "security_mean_hours_to_resolve", Unit: "hours", Description: "mean time from report to resolution of the security incidents resolved in the period"},
	{Name: "security_incidents_logged_high_risk", Unit: "incidents", Description: "security incidents logged in the period rated at the highest information-security risk (level 1)"},
}

// opsIncidentTally counts incidents the way [IncidentVolumes] documents;
// keep filters the incidents counted.
type opsIncidentTally struct {
	p                                   Period
	logged, resolved, closed, openAtEnd int
	hours                               float64
	byPriority                          [5]int
	otherPriority, unprioritised, high1 int
}

func (t *opsIncidentTally) add(j []sms.Entry) {
	trLog, trResolve, trClose, trClassify := string(incident.TriggerLog), string(incident.TriggerResolve), string(incident.TriggerClose), string(incident.TriggerClassify)
	if len(j) > 0 && j[0].Trigger == trLog && t.p.Contains(opsReportedAt(j)) {
		t.logged++
		switch v, ok := opsLastValue(j, trClassify, "priority"); {
		case !ok || v == "" || v == "0":
			t.unprioritised++
		case len(v) == 1 && v[0] >= '1' && v[0] <= '5':
			t.byPriority[v[0]-'1']++
		default:
			t.otherPriority++
		}
		if r, ok := opsLastValue(j, trClassify, "security_risk"); ok && r == "1" && opsSecurity(j) {
			t.high1++
		}
	}
	if e, ok := opsLastIn(j, trResolve, t.p); ok {
		t.resolved++
		t.hours += e.At.Sub(opsReportedAt(j)).Hours()
	}
	if opsIn(j, trClose, t.p) {
		t.closed++
	}
	if s, ok := opsStatusBefore(j, t.p.To); ok && incident.Status(s).Open() {
		t.openAtEnd++
	}
}

// opsReportedAt is when the incident was reported, as its log entry
// records it (reported_at), or the log entry's own time without it.
func opsReportedAt(j []sms.Entry) time.Time {
	if len(j) == 0 {
		return time.Time{}
	}
	if v, ok := sms.Get(j[0].Payload, "reported_at"); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t
		}
	}
	return j[0].At
}

// opsSecurity reports whether the incident's last classification at or
// before the cut-off marks it as an information-security incident: the
// incident workflow records security_risk on a classification exactly
// when it sets the security flag.
func opsSecurity(j []sms.Entry) bool {
	for k := len(j) - 1; k >= 0; k-- {
		if j[k].Trigger == string(incident.TriggerClassify) {
			_, ok := sms.Get(j[k].Payload, "security_risk")
			return ok
		}
	}
	return false
}

// IncidentVolumes returns the generator "incident-volumes" (RPT-06,
// 8.6.1) over the incidents of store. Its figures, in order:
//
//   - incidents_logged: incidents reported in the period, by the report
//     time their log entry records (reported_at, the entry's own time
//     without it): an incident logged after the cut-off but reported
//     within the period is not known to the instance and shows as a
//     restatement ([Instances.Restate]);
//   - incidents_resolved: incidents with a resolve entry dated in the
//     period, each counted once;
//   - incidents_closed: incidents with a close entry dated in the period;
//   - incidents_open_at_end: incidents whose status at the end of the
//     period was new, assigned, in_progress or on_hold
//     ([incident.Status.Open]);
//   - mean_hours_to_resolve: over the incidents resolved in the period,
//     the mean of the hours from the report time the log entry records
//     (reported_at) to the incident's last resolve entry in the period;
//     Undefined when none was resolved;
//   - incidents_logged_p1 to incidents_logged_p5: of the incidents logged
//     in the period, those whose priority, as the last classification at or
//     before the cut-off recorded it, is P1 ... P5;
//     incidents_logged_priority_other those with a lower priority (P6 and
//     beyond, in a larger matrix); incidents_logged_unprioritised those not
//     classified by the cut-off.
//
// The priority breakdown adds up to incidents_logged.
func IncidentVolumes(store sms.Store[*incident.Incident]) Generator {
	return &opsGenerator[*incident.Incident]{name: "incident-volumes", metrics: opsIncidentMetrics, store: store,
		tally: func(p Period) (func(*incident.Incident, []sms.Entry), func() []Figure) {
			t := &opsIncidentTally{p: p}
			return func(_ *incident.Incident, j []sms.Entry) { t.add(j) }, func() []Figure {
				m := opsIncidentMetrics
				figs := opsCounts(m[:4], t.logged, t.resolved, t.closed, t.openAtEnd)
				figs = append(figs, opsRatio(m[4].Name, t.hours, t.resolved))
				figs = append(figs, opsCounts(m[5:], t.byPriority[0], t.byPriority[1], t.byPriority[2], t.byPriority[3], t.byPriority[4],
					t.otherPriority, t.unprioritised)...)
				return figs
			}
		}}
}

// SecurityIncidents returns the generator "security-incidents" (RPT-06,
// 8.7.3.3, INC-14) over the incidents of store. An incident is an
// information-security incident when its last classification at or before
// the cut-off set the incident package's security flag
// ([incident.Classification].Security; its journal entry then records
// security_risk); an incident never classified, or reclassified as not a
// security incident by the cut-off, is not one. The figures, in order, are
// those of [IncidentVolumes] over the security incidents only:
//
//   - security_incidents_logged, security_incidents_resolved,
//     security_incidents_closed, security_incidents_open_at_end: as
//     incidents_logged, incidents_resolved, incidents_closed and
//     incidents_open_at_end;
//   - security_mean_hours_to_resolve: as mean_hours_to_resolve, Undefined
//     when no security incident was resolved in the period;
//   - security_incidents_logged_high_risk: the security incidents logged
//     in the period whose information-security risk, as last classified,
//     is level 1 (the highest).
func SecurityIncidents(store sms.Store[*incident.Incident]) Generator {
	return &opsGenerator[*incident.Incident]{name: "security-incidents", metrics: opsSecurityMetrics, store: store,
		tally: func(p Period) (func(*incident.Incident, []sms.Entry), func() []Figure) {
			t := &opsIncidentTally{p: p}
			return func(_ *incident.Incident, j []sms.Entry) {
					if opsSecurity(j) {
						t.add(j)
					}
				}, func() []Figure {
					m := opsSecurityMetrics
					figs := opsCounts(m[:4], t.logged, t.resolved, t.closed, t.openAtEnd)
					figs = append(figs, opsRatio(m[4].Name, t.hours, t.resolved))
					return append(figs, opsCounts(m[5:], t.high1)...)
				}
		}}
}

var opsMajorMetrics = []Metric{
	{Name: "major_incidents_accepted", Unit: "incidents", Description: "incidents accepted as major in the period"},
	{Name: "major_incidents_accepted_notified", Unit: "incidents", Description: "of those, the ones top management was notified of after acceptance, by the cut-off"},
	{Name: "management_notifications", Unit: "notifications", Description: "top-management notifications of major incidents recorded in the period"},
	{Name: "major_incidents_resolved", Unit: "incidents", Description: "major incidents resolved in the period"},
	{Name: "major_incidents_reviewed", Unit: "incidents", Description: "major incidents given their post-incident review in the period"},
}

// MajorIncidents returns the generator "major-incidents" (RPT-06, 8.6.1,
// INC-09 to INC-12) over the incidents of store. Its figures, in order:
//
//   - major_incidents_accepted: incidents with an accept_major entry dated
//     in the period, each counted once;
//   - major_incidents_accepted_notified: of those, the incidents whose
//     journal as of the cut-off has a notify_management entry after their
//     last acceptance in the period (INC-10);
//   - management_notifications: notify_management entries dated in the
//     period, over all incidents (each entry counts);
//   - major_incidents_resolved: incidents whose last resolve entry dated in
//     the period resolved an accepted major incident (the workflow then
//     records the post-incident review's due time, review_due);
//   - major_incidents_reviewed: incidents with a review_major entry dated in
//     the period, each counted once (INC-12).
func MajorIncidents(store sms.Store[*incident.Incident]) Generator {
	return &opsGenerator[*incident.Incident]{name: "major-incidents", metrics: opsMajorMetrics, store: store,
		tally: func(p Period) (func(*incident.Incident, []sms.Entry), func() []Figure) {
			var accepted, notified, notes, resolved, reviewed int
			return func(_ *incident.Incident, j []sms.Entry) {
					if a, ok := opsLastIn(j, string(incident.TriggerAcceptMajor), p); ok {
						accepted++
						for _, e := range j {
							if e.Trigger == string(incident.TriggerNotify) && e.Seq > a.Seq {
								notified++
								break
							}
						}
					}
					notes += opsCountIn(j, string(incident.TriggerNotify), p)
					if r, ok := opsLastIn(j, string(incident.TriggerResolve), p); ok {
						if _, major := sms.Get(r.Payload, "review_due"); major {
							resolved++
						}
					}
					if opsIn(j, string(incident.TriggerReview), p) {
						reviewed++
					}
				}, func() []Figure {
					return opsCounts(opsMajorMetrics, accepted, notified, notes, resolved, reviewed)
				}
		}}
}

var opsRequestMetrics = []Metric{
	{Name: "requests_logged", Unit: "requests", Description: "service requests submitted in the period"},
	{Name: "requests_fulfilled", Unit: "requests", Description: "service requests fulfilled in the period"},
	{Name: "requests_closed", Unit: "requests", Description: "service requests closed in the period"},
	{Name: "requests_open_at_end", Unit: "requests", Description: "service requests open at the end of the period"},
}

// RequestVolumes returns the generator "request-volumes" (RPT-06, 8.6.2)
// over the service requests of store. Its figures, in order:
//
//   - requests_logged: requests whose creating entry (trigger submit) is
//     dated in the period;
//   - requests_fulfilled: requests with a fulfil entry dated in the period;
//   - requests_closed: requests with a close entry dated in the period;
//   - requests_open_at_end: requests whose status at the end of the period
//     was new, awaiting_approval, approved, in_fulfilment or on_hold
//     ([request.Status.Open]).
func RequestVolumes(store sms.Store[*request.Request]) Generator {
	return &opsGenerator[*request.Request]{name: "request-volumes", metrics: opsRequestMetrics, store: store,
		tally: func(p Period) (func(*request.Request, []sms.Entry), func() []Figure) {
			var logged, fulfilled, closed, open int
			return func(_ *request.Request, j []sms.Entry) {
					if len(j) > 0 && j[0].Trigger == string(request.TriggerSubmit) && p.Contains(j[0].At) {
						logged++
					}
					if opsIn(j, string(request.TriggerFulfil), p) {
						fulfilled++
					}
					if opsIn(j, string(request.TriggerClose), p) {
						closed++
					}
					if s, ok := opsStatusBefore(j, p.To); ok && request.Status(s).Open() {
						open++
					}
				}, func() []Figure {
					return opsCounts(opsRequestMetrics, logged, fulfilled, closed, open)
				}
		}}
}

var opsProblemMetrics = []Metric{
	{Name: "problems_opened", Unit: "problems", Description: "problems logged in the period"},
	{Name: "known_errors_recorded", Unit: "known errors", Description: "known errors declared in the period"},
	{Name: "problems_resolved", Unit: "problems", Description: "problems resolved in the period"},
	{Name: "problems_closed", Unit: "problems", Description: "problems closed in the period"},
	{Name: "problems_open_at_end", Unit: "problems", Description: "problems open at the end of the period"},
	{Name: "incidents_linked", Unit: "links", Description: "incidents linked to problems in the period"},
}

// ProblemEffectiveness returns the generator "problem-effectiveness"
// (RPT-06, 8.6.3) over the problems of store. Its figures, in order:
//
//   - problems_opened: problems whose creating entry (trigger log) is dated
//     in the period;
//   - known_errors_recorded: declare_known_error entries dated in the
//     period (each declaration records one known error);
//   - problems_resolved: problems with a resolve entry dated in the period,
//     each counted once;
//   - problems_closed: problems with a close entry dated in the period;
//   - problems_open_at_end: problems whose status at the end of the period
//     was new, assessed, rca, known_error or fix_in_progress;
//   - incidents_linked: pairs of a problem and an incident first linked in
//     the period: the incidents the log entry records, those a link entry
//     of type incident names, and the recurring incident a recur entry
//     names, each pair counted at the first entry that links it.
func ProblemEffectiveness(store sms.Store[*problem.Problem]) Generator {
	return &opsGenerator[*problem.Problem]{name: "problem-effectiveness", metrics: opsProblemMetrics, store: store,
		tally: func(p Period) (func(*problem.Problem, []sms.Entry), func() []Figure) {
			var opened, kes, resolved, closed, open, linked int
			return func(_ *problem.Problem, j []sms.Entry) {
					if len(j) > 0 && j[0].Trigger == string(problem.TriggerLog) && p.Contains(j[0].At) {
						opened++
					}
					kes += opsCountIn(j, string(problem.TriggerDeclareKnownError), p)
					if opsIn(j, string(problem.TriggerResolve), p) {
						resolved++
					}
					if opsIn(j, string(problem.TriggerClose), p) {
						closed++
					}
					if s, ok := opsStatusBefore(j, p.To); ok && opsProblemOpen(problem.Status(s)) {
						open++
					}
					seen := map[string]bool{}
					for _, e := range j {
						for _, id := range opsProblemIncidents(e) {
							if !seen[id] {
								seen[id] = true
								if p.Contains(e.At) {
									linked++
								}
							}
						}
					}
				}, func() []Figure {
					return opsCounts(opsProblemMetrics, opened, kes, resolved, closed, open, linked)
				}
		}}
}

func opsProblemOpen(s problem.Status) bool {
	switch s {
	case problem.StatusNew, problem.StatusAssessed, problem.StatusRCA, problem.StatusKnownError, problem.StatusFixInProgress:
		return true
	}
	return false
}

// opsProblemIncidents returns the incidents a problem journal entry links.
func opsProblemIncidents(e sms.Entry) []string {
	var ids []string
	switch e.Trigger {
	case string(problem.TriggerLog), string(problem.TriggerRecur):
		for _, f := range e.Payload {
			if f.Key == "incident" {
				ids = append(ids, f.Value)
			}
		}
	case string(problem.TriggerLink):
		if typ, _ := sms.Get(e.Payload, "type"); typ == problem.LinkIncident {
			if id, ok := sms.Get(e.Payload, "id"); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

var opsChangeMetrics = []Metric{
	{Name: "changes_requested", Unit: "changes", Description: "requests for change raised in the period"},
	{Name: "changes_implemented", Unit: "changes", Description: "changes whose implementation ended, successful or failed, in the period"},
	{Name: "changes_successful", Unit: "changes", Description: "changes implemented successfully in the period"},
	{Name: "changes_failed", Unit: "changes", Description: "changes whose implementation failed in the period"},
	{Name: "emergency_changes", Unit: "changes", Description: "emergency changes submitted in the period"},
	{Name: "change_success_rate", Unit: "ratio", Description: "changes_successful over changes_implemented"},
}

// ChangeTrends returns the generator "change-trends" (RPT-06, 8.5.1.3,
// CHG-14) over the changes of store. Its figures, in order:
//
//   - changes_requested: changes whose creating entry (trigger raise) is
//     dated in the period;
//   - changes_successful: changes with a complete entry dated in the
//     period (outcome successful or successful_with_issues);
//   - changes_failed: changes with a fail entry dated in the period;
//   - changes_implemented: changes_successful plus changes_failed (a
//     change's implementation ends once, by complete or by fail);
//   - emergency_changes: changes with a submit_emergency entry dated in the
//     period;
//   - change_success_rate: changes_successful over changes_implemented, a
//     ratio from 0 to 1; Undefined when none was implemented.
func ChangeTrends(store sms.Store[*change.Change]) Generator {
	return &opsGenerator[*change.Change]{name: "change-trends", metrics: opsChangeMetrics, store: store,
		tally: func(p Period) (func(*change.Change, []sms.Entry), func() []Figure) {
			var requested, ok, failed, emergency int
			return func(_ *change.Change, j []sms.Entry) {
					if len(j) > 0 && j[0].Trigger == string(change.TriggerRaise) && p.Contains(j[0].At) {
						requested++
					}
					if opsIn(j, string(change.TriggerComplete), p) {
						ok++
					}
					if opsIn(j, string(change.TriggerFail), p) {
						failed++
					}
					if opsIn(j, string(change.TriggerSubmitEmergency), p) {
						emergency++
					}
				}, func() []Figure {
					m := opsChangeMetrics
					figs := opsCounts(m[:5], requested, ok+failed, ok, failed, emergency)
					return append(figs, opsRatio(m[5].Name, float64(ok), ok+failed))
				}
		}}
}

var opsReleaseMetrics = []Metric{
	{Name: "releases_deployed", Unit: "releases", Description: "releases whose deployment completed in the period"},
	{Name: "releases_rolled_back", Unit: "releases", Description: "releases rolled back in the period"},
	{Name: "releases_analysed_successful", Unit: "releases", Description: "releases analysed as successful in the period"},
	{Name: "releases_analysed_failed", Unit: "releases", Description: "releases analysed as failed in the period"},
}

// ReleaseOutcomes returns the generator "release-outcomes" (RPT-06,
// 8.5.3) over the releases of store. Its figures, in order:
//
//   - releases_deployed: releases with a complete_deployment entry dated in
//     the period (every target deployed and verified);
//   - releases_rolled_back: releases with a rollback entry dated in the
//     period (from deploying, or from early life after a deployment);
//   - releases_analysed_successful and releases_analysed_failed: releases
//     whose last analysis (trigger review) dated in the period records the
//     outcome successful, or failed (REL-09, REL-10).
func ReleaseOutcomes(store sms.Store[*release.Release]) Generator {
	return &opsGenerator[*release.Release]{name: "release-outcomes", metrics: opsReleaseMetrics, store: store,
		tally: func(p Period) (func(*release.Release, []sms.Entry), func() []Figure) {
			var deployed, rolledBack, good, bad int
			return func(_ *release.Release, j []sms.Entry) {
					if opsIn(j, string(release.TriggerCompleteDeploy), p) {
						deployed++
					}
					if opsIn(j, string(release.TriggerRollback), p) {
						rolledBack++
					}
					if e, ok := opsLastIn(j, string(release.TriggerReview), p); ok {
						switch v, _ := sms.Get(e.Payload, "outcome"); release.Outcome(v) {
						case release.OutcomeSuccessful:
							good++
						case release.OutcomeFailed:
							bad++
						}
					}
				}, func() []Figure {
					return opsCounts(opsReleaseMetrics, deployed, rolledBack, good, bad)
				}
		}}
}
