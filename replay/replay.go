package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// Deviation kinds.
const (
	// KindGuard: the trigger was allowed, but requirements were unmet.
	KindGuard = "guard"
	// KindTransition: the workflow does not allow the trigger from the
	// incident's status (closing what was never resolved, reopening what
	// was closed).
	KindTransition = "transition"
	// KindForbidden: the actor may not fire the trigger.
	KindForbidden = "forbidden"
	// KindInvalid was the kind of a command the row's data made invalid;
	// such a refusal is now a [DataError], never a deviation.
	KindInvalid = "invalid"
)

// DataError is a command the row's data made that the service refused as
// invalid input (sms.ErrInvalid: a value out of range, an unknown
// enumeration): a mistake of the mapping or the data, not of the process.
// It cites no requirement and is counted apart from deviations; the
// incident is then behind the log, and what follows from it is a
// consequence.
type DataError struct {
	Row     int              `json:"row"`
	At      time.Time        `json:"at"`
	Trigger incident.Trigger `json:"trigger"`
	Message string           `json:"message"`
}

// Deviation is one refusal met while replaying a case: where in the log,
// from which status, which trigger, and which requirements it breaks.
type Deviation struct {
	Row          int               `json:"row"`
	At           time.Time         `json:"at"`
	SourceState  string            `json:"source_state"`
	From         incident.Status   `json:"from"`
	Trigger      incident.Trigger  `json:"trigger"`
	Kind         string            `json:"kind"`
	Requirements []sms.Requirement `json:"requirements"`
	Message      string            `json:"message"`
	// Consequence is true when the refusal follows from an earlier one
	// rather than from the log: the incident was behind the log's state
	// (an earlier refusal left it there) and the refusal is of the move
	// (not allowed from where the incident is) or cites a requirement an
	// earlier refusal of the case cited. A guard refusing for a
	// requirement nothing before it broke is the log's own, behind or not.
	// Summaries count consequences apart, and the process map draws red
	// only the moves with a refusal of the log's own.
	Consequence bool `json:"consequence,omitempty"`
}

// IDs returns the requirement IDs the deviation cites.
func (d Deviation) IDs() []string {
	ids := make([]string, 0, len(d.Requirements))
	for _, r := range d.Requirements {
		if len(ids) == 0 || ids[len(ids)-1] != r.ID {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// CaseResult is the outcome of replaying one case.
type CaseResult struct {
	Case   string `json:"case"`
	Events int    `json:"events"`
	// FirstRow and LastRow are the case's lines in the file.
	FirstRow int `json:"first_row"`
	LastRow  int `json:"last_row"`
	// Conformant is true when the workflow accepted every event.
	Conformant bool `json:"conformant"`
	// Replayed counts the events replayed (all but those after a stop),
	// Accepted those the workflow accepted (no deviation, no data error);
	// Fitness is Accepted's share of Replayed, the case's fitness in the
	// sense of process mining.
	Replayed int     `json:"replayed"`
	Accepted int     `json:"accepted"`
	Fitness  float64 `json:"fitness"`
	// Status is the incident's status after the replay; SourceState the
	// case's last state in the log.
	Status      incident.Status `json:"status"`
	SourceState string          `json:"source_state"`
	// Stopped is true when the policy stopped the case at its first
	// refusal.
	Stopped    bool        `json:"stopped,omitempty"`
	Deviations []Deviation `json:"deviations,omitempty"`
	// DataErrors are the commands the row's data made invalid; a case
	// with one is not conformant, nor is it a deviation.
	DataErrors []DataError `json:"data_errors,omitempty"`
	// Incidents lists, when the mapping follows successors
	// (Policy.Successor), the incidents the case ran on, in order: the
	// first, then each successor. Status is the last one's. Empty for a
	// case on one incident.
	Incidents []string `json:"incidents,omitempty"`

	moves  []move
	events []eventInfo
}

// eventInfo is who made an event, the support group its record was
// with, and the workflow's answer, for the per-resource views.
type eventInfo struct {
	actor, group string
	accepted     bool
	refused      bool // a refusal of the log's own, not a consequence
}

// move is one observed change of source state, for the process map: in
// stays how long the case had been in from.
type move struct {
	from, to string
	refused  bool
	in       time.Duration
}

// worker replays cases one at a time; it is not safe for concurrent use.
// Its service runs on a fresh scratch store per case, with the log's time
// as the clock.
type worker struct {
	m     *Mapping
	opts  Options
	base  *incident.Service
	now   time.Time
	roles []sms.Role
}

func newWorker(m *Mapping, opts Options) (*worker, error) {
	w := &worker{m: m, opts: opts, roles: m.Actor.Roles}
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{
		Policy:  m.policy(),
		Options: sms.Options{Now: func() time.Time { return w.now }},
	})
	if err != nil {
		return nil, err
	}
	w.base = svc
	return w, nil
}

// replayed is an incident a case ran on, with its journal.
type replayed struct {
	inc     *incident.Incident
	journal []sms.Entry
}

// replayCase runs one case through the workflow. It returns the result
// and the incidents created, each with its journal: none when the
// incident could not be logged, more than one when the case went on in a
// successor.
func (w *worker) replayCase(ctx context.Context, c *Case) (CaseResult, []replayed, error) {
	res := CaseResult{Case: c.ID, Events: len(c.Events), FirstRow: c.Events[0].Row, LastRow: c.Events[len(c.Events)-1].Row}
	store := newScratch[*incident.Incident]()
	store.owning = true
	svc, err := w.base.WithStore(store)
	if err != nil {
		return res, nil, err
	}
	r := caseRun{w: w, svc: svc, res: &res}
	res.events = make([]eventInfo, 0, len(c.Events))
	var entered time.Time // when the case entered its source state
	for i := range c.Events {
		ev := &c.Events[i]
		w.now = ev.Time
		prev := r.sourceState
		before, beforeData := len(res.Deviations), len(res.DataErrors)
		if err := r.event(ctx, ev, i == 0); err != nil {
			return res, nil, err
		}
		res.Replayed++
		accepted := len(res.Deviations) == before && len(res.DataErrors) == beforeData
		if accepted {
			res.Accepted++
		}
		// The edge is red only when the log itself caused a refusal
		// there, not when the incident was merely behind the log.
		refused := slices.ContainsFunc(res.Deviations[before:], func(d Deviation) bool { return !d.Consequence })
		info := eventInfo{actor: ev.Actor, accepted: accepted, refused: refused}
		if w.m.Group.Column != "" {
			info.group = ev.Value(w.m.Group.Column)
		}
		res.events = append(res.events, info)
		if i > 0 && ev.State != prev {
			res.moves = append(res.moves, move{from: prev, to: ev.State, refused: refused, in: ev.Time.Sub(entered)})
			entered = ev.Time
		} else if i == 0 {
			res.moves = append(res.moves, move{from: "", to: ev.State, refused: refused})
			entered = ev.Time
		}
		r.sourceState = ev.State
		if refused && w.opts.StopAtFirst {
			res.Stopped = i < len(c.Events)-1
			break
		}
		if r.id == "" {
			break // the incident could not even be logged
		}
	}
	res.SourceState = r.sourceState
	res.Conformant = len(res.Deviations) == 0 && len(res.DataErrors) == 0
	res.Fitness = float64(res.Accepted) / float64(res.Replayed)
	res.Status = r.status
	if r.id == "" {
		return res, nil, nil
	}
	ids := []string{r.id}
	if len(r.earlier) > 0 {
		ids = append(r.earlier, r.id)
		res.Incidents = ids
	}
	out := make([]replayed, 0, len(ids))
	for _, id := range ids {
		inc, j, ok := store.take(id)
		if !ok {
			return res, nil, &sms.NotFoundError{Kind: incident.Kind, ID: id}
		}
		out = append(out, replayed{inc, j})
	}
	return res, out, nil
}

// caseRun is the state of one case's replay.
type caseRun struct {
	w           *worker
	svc         *incident.Service
	res         *CaseResult
	id          string
	status      incident.Status
	sourceState string
	// behind is true while an earlier refusal keeps the incident's status
	// from matching the status the log's state maps to.
	behind bool
	vals   map[string]string // scratch for build
	// earlier are the incidents the case ran on before the current one,
	// which succeeds the last of them (Policy.Successor).
	earlier []string
}

func (r *caseRun) event(ctx context.Context, ev *Event, first bool) error {
	st := r.w.m.States[ev.State]
	if r.w.opts.trace != nil {
		r.w.opts.trace(fmt.Sprintf("row %d  case %s  %s  state %q -> %s", ev.Row, ev.Case, ev.Time.Format(time.RFC3339), ev.State, st.Status))
	}
	if err := r.apply(ctx, ev, st, first); err != nil {
		return err
	}
	if r.id != "" {
		r.behind = r.status != st.Status
	}
	return nil
}

func (r *caseRun) apply(ctx context.Context, ev *Event, st State, first bool) error {
	if first {
		cmd, err := r.build(incident.TriggerLog, ev, st)
		if err != nil {
			return err
		}
		if cmd == nil {
			return nil
		}
		inc, err := r.svc.Log(ctx, r.actor(ev), cmd.(incident.Report))
		if err == nil {
			r.status = inc.Status
		}
		r.traced(incident.TriggerLog, err)
		if err != nil {
			return r.refused(ev, incident.TriggerLog, err)
		}
		r.id, r.status = inc.ID, inc.Status
	} else if ev.State == r.sourceState {
		for _, tr := range st.OnRepeat {
			if ok, err := r.fire(ctx, ev, st, tr); !ok || err != nil {
				return err
			}
		}
		return nil
	}
	if !first && r.w.m.Policy.Successor && r.status == incident.StatusClosed && st.Status != incident.StatusClosed {
		if ok, err := r.succeed(ctx, ev, st); !ok || err != nil {
			return err
		}
	}
	if r.behind && !first && r.logMoveRefused(ev, st) {
		return nil
	}
	if st.Status == r.status && !(st.Status == incident.StatusOnHold && !first) {
		return nil
	}
	triggers := r.w.m.route(r.status, st.Status)
	if triggers == nil {
		triggers = []incident.Trigger{entryTrigger(st.Status)}
	}
	for _, tr := range triggers {
		if ok, err := r.fire(ctx, ev, st, tr); !ok || err != nil {
			return err
		}
	}
	return nil
}

// succeed logs a successor of the closed incident the case is on, from
// the row's log payload, and moves the case onto it. It reports false when
// the successor was refused (a deviation is recorded).
func (r *caseRun) succeed(ctx context.Context, ev *Event, st State) (bool, error) {
	cmd, err := r.build(incident.TriggerLog, ev, st)
	if err != nil || cmd == nil {
		return false, err
	}
	rep := cmd.(incident.Report)
	first := r.id
	if len(r.earlier) > 0 {
		first = r.earlier[0]
	}
	rep.ID, rep.ReopenedFrom, rep.ReportedAt = first+"-"+strconv.Itoa(len(r.earlier)+2), "", ev.Time
	inc, err := r.svc.Succeed(ctx, r.actor(ev), r.id, rep)
	r.traced(incident.TriggerLog, err)
	if err != nil {
		return false, r.refused(ev, incident.TriggerLog, err)
	}
	r.earlier = append(r.earlier, r.id)
	r.id, r.status, r.behind = inc.ID, inc.Status, false
	return true, nil
}

// logMoveRefused judges the log's own move while the incident is behind the
// log: the route from the status the previous source state maps to, to the
// new one, checked against the workflow table alone. A move the workflow
// never allows (closing what was never resolved, reopening what was
// closed) is recorded as a deviation of its own, not as a consequence.
func (r *caseRun) logMoveRefused(ev *Event, st State) bool {
	wf := r.svc.Workflow()
	at := r.w.m.States[r.sourceState].Status
	triggers := r.w.m.route(at, st.Status)
	if triggers == nil {
		triggers = []incident.Trigger{entryTrigger(st.Status)}
	}
	for _, tr := range triggers {
		next, ok := wf.Next(string(at), string(tr))
		if !ok {
			r.res.Deviations = append(r.res.Deviations, Deviation{Row: ev.Row, At: ev.Time, SourceState: ev.State, From: at,
				Trigger: tr, Kind: KindTransition, Requirements: wf.Requirements(string(tr)),
				Message: "the log moves from " + r.sourceState + " to " + ev.State + ": " + string(tr) + " is not allowed from " + string(at)})
			return true
		}
		at = incident.Status(next)
	}
	return false
}

func (r *caseRun) actor(ev *Event) sms.Actor {
	id := ev.Actor
	if id == "" {
		id = "unknown"
	}
	return sms.Actor{ID: id, Roles: r.w.roles}
}

// fire builds and fires one trigger. It reports false when the workflow
// refused it (a deviation is recorded) so that the route stops.
func (r *caseRun) fire(ctx context.Context, ev *Event, st State, tr incident.Trigger) (bool, error) {
	cmd, err := r.build(tr, ev, st)
	if err != nil {
		return false, err
	}
	if cmd == nil {
		return false, nil
	}
	inc, err := r.svc.Do(ctx, r.actor(ev), r.id, cmd)
	if err == nil {
		r.status = inc.Status
	}
	r.traced(tr, err)
	if err != nil {
		return false, r.refused(ev, tr, err)
	}
	return true, nil
}

// traced hands the command just fired, with the fields the mapping filled
// and the service's answer, to the check's trace ([Check]), if any.
func (r *caseRun) traced(tr incident.Trigger, err error) {
	if r.w.opts.trace == nil {
		return
	}
	keys := make([]string, 0, len(r.vals))
	for k := range r.vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, r.vals[k])
	}
	outcome := "accepted: " + string(r.status)
	if err != nil {
		outcome = "refused: " + err.Error()
	}
	r.w.opts.trace(fmt.Sprintf("    %s%s -> %s", tr, b.String(), outcome))
}

// refused records a refusal as a deviation; any other error is returned.
func (r *caseRun) refused(ev *Event, tr incident.Trigger, err error) error {
	d := Deviation{Row: ev.Row, At: ev.Time, SourceState: ev.State, From: r.status, Trigger: tr, Message: err.Error(), Consequence: r.behind}
	var (
		ge *sms.GuardError
		te *sms.TransitionError
		fe *sms.ForbiddenError
	)
	switch {
	case errors.As(err, &ge):
		d.Kind, d.Requirements = KindGuard, ge.Unmet
		// Behind the log, a guard's refusal is a consequence only when an
		// earlier refusal of the case cited the same requirement; a
		// requirement nothing before it broke (an action never recorded)
		// is the log's own.
		d.Consequence = d.Consequence && r.citedBefore(ge.Unmet)
	case errors.As(err, &te):
		d.Kind, d.Requirements = KindTransition, te.Requirements
	case errors.As(err, &fe):
		d.Kind = KindForbidden
		if fe.Requirement.ID != "" {
			d.Requirements = []sms.Requirement{fe.Requirement}
		}
	case errors.Is(err, sms.ErrInvalid):
		r.res.DataErrors = append(r.res.DataErrors, DataError{Row: ev.Row, At: ev.Time, Trigger: tr, Message: err.Error()})
		return nil
	default:
		return err
	}
	if tr == incident.TriggerLog && len(d.Requirements) == 0 {
		d.Requirements = incident.Requirements()[:1] // INC-01: the incident could not be recorded
	}
	r.res.Deviations = append(r.res.Deviations, d)
	return nil
}

// citedBefore reports whether an earlier deviation of the case cites one
// of the requirements.
func (r *caseRun) citedBefore(reqs []sms.Requirement) bool {
	for _, d := range r.res.Deviations {
		for _, q := range d.Requirements {
			if slices.ContainsFunc(reqs, func(x sms.Requirement) bool { return x.ID == q.ID }) {
				return true
			}
		}
	}
	return false
}

// build fills the trigger's command from the row. A template that cannot
// be rendered (an unparsable time in a payload column) makes the row bad:
// the error is a *RowError.
func (r *caseRun) build(tr incident.Trigger, ev *Event, st State) (incident.Command, error) {
	if r.vals == nil {
		r.vals = make(map[string]string, 8)
	}
	v := r.vals
	clear(v)
	for field, t := range r.w.m.payloads[tr] {
		s, err := t.render(ev)
		if err != nil {
			return nil, &RowError{Row: ev.Row, Problem: "payload " + string(tr) + "." + field + " does not render", Err: err}
		}
		v[field] = s
	}
	tm := func(field string) time.Time {
		t, _ := time.Parse(time.RFC3339, v[field])
		return t
	}
	num := func(field string) int {
		n, _ := strconv.Atoi(v[field])
		return n
	}
	list := func(field string) []string {
		if v[field] == "" {
			return nil
		}
		return strings.Split(v[field], ",")
	}
	switch tr {
	case incident.TriggerLog:
		return incident.Report{ID: v["id"], Summary: v["summary"], Description: v["description"], Service: v["service"],
			Source: incident.Source(v["source"]), Reporter: v["reporter"], ReportedAt: tm("reported_at"),
			ConfigItems: list("config_items"), ReopenedFrom: v["reopened_from"]}, nil
	case incident.TriggerClassify:
		return incident.Classification{Category: v["category"], Service: v["service"], ConfigItems: list("config_items"),
			Impact: incident.Level(num("impact")), Urgency: incident.Level(num("urgency")), Priority: incident.Priority(num("priority")),
			OverrideReason: v["override_reason"], Security: v["security"] == "true", SecurityRisk: incident.Level(num("security_risk"))}, nil
	case incident.TriggerAssign:
		return incident.Assignment{Group: v["group"], Assignee: v["assignee"], Note: v["note"]}, nil
	case incident.TriggerStart:
		return incident.WorkStart{Note: v["note"]}, nil
	case incident.TriggerHold:
		c := incident.Suspension{Reason: incident.HoldReason(v["reason"]), Ref: v["ref"], Note: v["note"]}
		if c.Reason == "" {
			c.Reason = st.Hold
		}
		if t, ok := r.w.m.holdRefs[ev.State]; ok && c.Ref == "" {
			ref, err := t.render(ev)
			if err != nil {
				return nil, &RowError{Row: ev.Row, Problem: "state ref does not render", Err: err}
			}
			c.Ref = ref
		}
		return c, nil
	case incident.TriggerResume:
		return incident.Resumption{Note: v["note"]}, nil
	case incident.TriggerEscalate:
		return incident.Escalation{Kind: incident.EscalationKind(v["kind"]), Target: v["target"], Reason: v["reason"]}, nil
	case incident.TriggerRecordAction:
		return incident.Action{Text: v["text"], KnownError: v["known_error"]}, nil
	case incident.TriggerNote:
		text := v["text"]
		if text == "" {
			text = "update at row " + strconv.Itoa(ev.Row)
		}
		return incident.Note{Text: text}, nil
	case incident.TriggerLink:
		return incident.Link{Type: v["type"], ID: v["id"]}, nil
	case incident.TriggerResolve:
		return incident.Resolution{Code: v["code"], Notes: v["notes"], RestoredAt: tm("restored_at"), KnownError: v["known_error"]}, nil
	case incident.TriggerReopen:
		return incident.Reopening{Reason: v["reason"]}, nil
	case incident.TriggerClose:
		return incident.Closure{Code: v["code"], Confirmation: incident.Confirmation(v["confirmation"])}, nil
	case incident.TriggerCancel:
		return incident.Cancellation{Reason: incident.CancelReason(v["reason"]), DuplicateOf: v["duplicate_of"], Note: v["note"]}, nil
	}
	return nil, nil
}
