package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The populations run over eleven weeks from opsBase; the period is weeks
// four to seven. Each generator is checked at three cut-offs: in the
// middle of the period, a day after it and after everything.
var (
	opsBase   = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	opsPeriod = report.Period{From: opsDay(21), To: opsDay(49)}
	opsMid    = opsDay(35)
	opsEnd    = opsDay(50)
	opsLate   = opsDay(90)
)

func opsDay(d float64) time.Time { return opsBase.Add(time.Duration(d * float64(24*time.Hour))) }

const opsHour = time.Hour

// opsEv is one step the test took on a record: its trigger, when, the
// status it left, and what the test knows of it.
type opsEv struct {
	trigger string
	at      time.Time
	status  string
	attrs   map[string]string
}

// opsRec is what the test did to one record, in order.
type opsRec struct {
	id       string
	reported time.Time // incidents: the report time the log carried
	evs      []opsEv
}

// known is the record's steps at or before the cut-off.
func (r *opsRec) known(cutoff time.Time) []opsEv {
	var out []opsEv
	for _, e := range r.evs {
		if !e.at.After(cutoff) {
			out = append(out, e)
		}
	}
	return out
}

type opsStep struct {
	at  time.Time
	n   int
	rec *opsRec
	ev  opsEv
	do  func() (string, error)
}

// opsSim runs the steps of many records in the order of their times, on
// one clock, so that records interleave as they would in service.
type opsSim struct {
	t       *testing.T
	clk     *smstest.Clock
	ctx     context.Context
	pending []opsStep
	recs    []*opsRec
	n       int
}

func opsNewSim(t *testing.T) *opsSim {
	return &opsSim{t: t, clk: smstest.NewClock(opsBase), ctx: context.Background()}
}

func (s *opsSim) rec(id string) *opsRec {
	r := &opsRec{id: id}
	s.recs = append(s.recs, r)
	sort.Slice(s.recs, func(i, j int) bool { return s.recs[i].id < s.recs[j].id })
	return r
}

// step plans a step: do fires it and returns the status it left, which
// must be status.
func (s *opsSim) step(r *opsRec, at time.Time, trigger, status string, attrs map[string]string, do func() (string, error)) {
	s.n++
	s.pending = append(s.pending, opsStep{at: at, n: s.n, rec: r, ev: opsEv{trigger: trigger, at: at, status: status, attrs: attrs}, do: do})
}

// run fires the pending steps in time order; the clock never goes back.
func (s *opsSim) run() { s.runUntil(time.Time{}) }

// runUntil fires the pending steps dated at or before until (all of them
// for the zero time) and keeps the others pending.
func (s *opsSim) runUntil(until time.Time) {
	s.t.Helper()
	sort.SliceStable(s.pending, func(i, j int) bool {
		if !s.pending[i].at.Equal(s.pending[j].at) {
			return s.pending[i].at.Before(s.pending[j].at)
		}
		return s.pending[i].n < s.pending[j].n
	})
	var keep []opsStep
	for _, st := range s.pending {
		if !until.IsZero() && st.at.After(until) {
			keep = append(keep, st)
			continue
		}
		require.False(s.t, st.at.Before(s.clk.Now()), "step %s of %s goes back in time", st.ev.trigger, st.rec.id)
		s.clk.Set(st.at)
		got, err := st.do()
		require.NoError(s.t, err, "%s %s at %s", st.rec.id, st.ev.trigger, st.at)
		require.Equal(s.t, st.ev.status, got, "%s %s", st.rec.id, st.ev.trigger)
		st.rec.evs = append(st.rec.evs, st.ev)
	}
	s.pending = keep
}

// opsFire returns a step that fires c on id (empty: a creating command)
// through a service's Do and gives the status it left.
func opsFire[E sms.Entity[E], C any](ctx context.Context, do func(context.Context, sms.Actor, string, C) (E, error), a sms.Actor, id string, c C) func() (string, error) {
	return func() (string, error) {
		e, err := do(ctx, a, id, c)
		if err != nil {
			return "", err
		}
		return e.State(), nil
	}
}

// Independent counting over what the test did.

func opsKnownIn(evs []opsEv, trigger string, p report.Period) []opsEv {
	var out []opsEv
	for _, e := range evs {
		if e.trigger == trigger && !e.at.Before(p.From) && e.at.Before(p.To) {
			out = append(out, e)
		}
	}
	return out
}

func opsOpenAtEnd(evs []opsEv, p report.Period, open ...string) bool {
	status := ""
	for _, e := range evs {
		if e.at.Before(p.To) {
			status = e.status
		}
	}
	for _, s := range open {
		if status == s {
			return true
		}
	}
	return false
}

func opsLastClassify(evs []opsEv, classify string) map[string]string {
	var a map[string]string
	for _, e := range evs {
		if e.trigger == classify {
			a = e.attrs
		}
	}
	return a
}

func opsB(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// opsCheck compares Compute with the expected figures (NaN-free; nil for
// Undefined) and checks the figures follow Metrics.
func opsCheck(t *testing.T, g report.Generator, p report.Period, cutoff time.Time, want []*float64, records int) report.Computation {
	t.Helper()
	c, err := g.Compute(context.Background(), p, cutoff)
	require.NoError(t, err)
	ms := g.Metrics()
	require.Len(t, c.Figures, len(ms))
	require.Len(t, want, len(ms))
	for i, f := range c.Figures {
		require.Equal(t, ms[i].Name, f.Metric)
		if want[i] == nil {
			require.True(t, f.Undefined, "%s at %s: want undefined, got %v", f.Metric, cutoff, f.Value)
			require.Zero(t, f.Value)
			continue
		}
		require.False(t, f.Undefined, "%s at %s", f.Metric, cutoff)
		require.InDelta(t, *want[i], f.Value, 1e-9, "%s at %s", f.Metric, cutoff)
	}
	require.Equal(t, records, c.Records, "records at %s", cutoff)
	require.True(t, strings.HasPrefix(c.Digest, "sha256:"))
	return c
}

func opsV(vs ...float64) []*float64 {
	out := make([]*float64, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

func opsMean(sum float64, n int) *float64 {
	if n == 0 {
		return nil
	}
	m := sum / float64(n)
	return &m
}

func opsRecords(recs []*opsRec, cutoff time.Time) int {
	n := 0
	for _, r := range recs {
		if len(r.known(cutoff)) > 0 {
			n++
		}
	}
	return n
}

// opsFailing fails List on its second call, after a first page it cuts to
// one record and gives a cursor for: a store failing mid-stream.
type opsFailing[E sms.Entity[E]] struct {
	sms.Store[E]
	calls int
}

var opsErrDown = errors.New("ops: store went away")

func (f *opsFailing[E]) List(ctx context.Context, q sms.Query) (sms.Page[E], error) {
	f.calls++
	if f.calls > 1 {
		return sms.Page[E]{}, opsErrDown
	}
	p, err := f.Store.List(ctx, q)
	if err != nil || len(p.Items) < 2 {
		return p, err
	}
	p.Items = p.Items[:1]
	p.Next = p.Items[0].Metadata().ID
	return p, nil
}

// opsCommon runs the checks every generator passes: byte-identical
// repetition, errors naming the kind, input refused.
func opsCommon[E sms.Entity[E]](t *testing.T, g report.Generator, store sms.Store[E], mk func(sms.Store[E]) report.Generator, kind sms.Kind) {
	t.Helper()
	ctx := context.Background()
	for _, cutoff := range []time.Time{opsMid, opsEnd, opsLate} {
		a, err := g.Compute(ctx, opsPeriod, cutoff)
		require.NoError(t, err)
		b, err := g.Compute(ctx, opsPeriod, cutoff)
		require.NoError(t, err)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		require.Equal(t, string(ja), string(jb))
	}
	fs := &opsFailing[E]{Store: store}
	_, err := mk(fs).Compute(ctx, opsPeriod, opsLate)
	require.ErrorIs(t, err, opsErrDown)
	require.Contains(t, err.Error(), string(kind))
	require.Equal(t, 2, fs.calls, "the first page was read, the second failed")

	_, err = g.Compute(ctx, report.Period{From: opsPeriod.To, To: opsPeriod.From}, opsLate)
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = g.Compute(ctx, opsPeriod, time.Time{})
	require.ErrorIs(t, err, sms.ErrInvalid)
	_, err = mk(nil).Compute(ctx, opsPeriod, opsLate)
	require.ErrorIs(t, err, sms.ErrInvalid)
}

// opsLater checks, on a population planned but not yet run, that a
// record recorded after the cut-off leaves the computation as it was, byte
// for byte, and shows with a later cut-off; then, once everything ran,
// that a record added before a cut-off changes the digest. add plans a new
// record whose steps start at the time given, within a few hours, and
// returns its last step's time.
func opsLater(t *testing.T, s *opsSim, g report.Generator, want func(cutoff time.Time) ([]*float64, int), add func(at time.Time) time.Time) {
	t.Helper()
	ctx := context.Background()
	s.runUntil(opsMid.Add(opsHour))
	before, err := g.Compute(ctx, opsPeriod, opsMid)
	require.NoError(t, err)
	jb, _ := json.Marshal(before)

	n := len(s.recs)
	old := map[string]bool{}
	for _, r := range s.recs {
		old[r.id] = true
	}
	last := add(opsMid.Add(2 * opsHour))
	require.True(t, last.Before(opsPeriod.To))
	s.run()
	require.Len(t, s.recs, n+1)
	again, err := g.Compute(ctx, opsPeriod, opsMid)
	require.NoError(t, err)
	ja, _ := json.Marshal(again)
	require.Equal(t, string(jb), string(ja), "data recorded after the cut-off changed the computation")

	// Just after the new record, nothing else having happened since the
	// first cut-off, the computation shows it.
	cut := last.Add(time.Minute)
	for _, r := range s.recs {
		for _, e := range r.evs {
			if old[r.id] && e.at.After(opsMid) && !e.at.After(cut) {
				t.Fatalf("the population has a step right after the mid-period cut-off: %s %s", r.id, e.trigger)
			}
		}
	}
	after, err := g.Compute(ctx, opsPeriod, cut)
	require.NoError(t, err)
	require.Equal(t, before.Records+1, after.Records)
	require.NotEqual(t, before.Digest, after.Digest)
	require.NotEqual(t, before.Figures, after.Figures, "the record recorded after the cut-off shows with a later one")
	for _, c := range []time.Time{opsMid, cut, opsEnd, opsLate} {
		w, recs := want(c)
		opsCheck(t, g, opsPeriod, c, w, recs)
	}

	// A record added before a cut-off still ahead changes the digest.
	ahead := s.clk.Now().Add(24 * opsHour)
	d1, err := g.Compute(ctx, opsPeriod, ahead)
	require.NoError(t, err)
	add(s.clk.Now().Add(opsHour))
	s.run()
	require.True(t, s.clk.Now().Before(ahead))
	d2, err := g.Compute(ctx, opsPeriod, ahead)
	require.NoError(t, err)
	require.NotEqual(t, d1.Digest, d2.Digest)
	require.Equal(t, d1.Records+1, d2.Records)
}

// ---- incidents ----

var (
	opsDesk    = sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	opsCaller  = sms.Actor{ID: "carl", Roles: []sms.Role{incident.RoleCaller}}
	opsIncBoss = sms.Actor{ID: "ida", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager,
		incident.RoleMajorIncidentManager}}
)

type opsIncSpec struct {
	id      string
	day     float64
	kind    string  // closed, open, new, cancelled, reopened, major, major_open, reclass
	prio    int     // 0: not classified
	risk    int     // 0: not a security incident
	resolve float64 // hours after logging
}

type opsIncPop struct {
	sim   *opsSim
	store *memstore.Store[*incident.Incident]
	svc   *incident.Service
}

func opsIncidents(t *testing.T) *opsIncPop {
	s := opsNewSim(t)
	store := memstore.New[*incident.Incident]()
	svc, err := incident.NewService(store, incident.Config{Policy: incident.DefaultPolicy(), Options: sms.Options{Now: s.clk.Now}})
	require.NoError(t, err)
	pop := &opsIncPop{sim: s, store: store, svc: svc}
	for _, sp := range []opsIncSpec{
		{"INC-01", 2, "closed", 3, 0, 5},
		{"INC-02", 10, "open", 2, 0, 0},
		{"INC-03", 18, "closed", 2, 0, 120},
		{"INC-04", 19, "cancelled", 0, 0, 0},
		{"INC-04b", 21, "new", 0, 0, 0}, // logged at the very start of the period
		{"INC-05", 22, "closed", 1, 1, 3},
		{"INC-06", 24, "new", 0, 0, 0},
		{"INC-07", 25, "major", 1, 0, 6},
		{"INC-08", 27, "reopened", 3, 0, 4},
		{"INC-09", 29, "closed", 4, 2, 30},
		{"INC-10", 31, "open", 5, 0, 0},
		{"INC-11", 33, "reclass", 2, 1, 0},
		{"INC-12", 34, "major_open", 1, 0, 0},
		{"INC-13", 36, "closed", 5, 0, 2},
		{"INC-14", 38, "cancelled", 0, 0, 0},
		{"INC-15", 45, "closed", 3, 0, 170},
		{"INC-16", 48, "closed", 2, 1, 26},
		{"INC-16b", 48.5, "closed", 3, 0, 12}, // resolved at the very end of the period: still open then
		{"INC-17", 55, "closed", 4, 0, 8},
		{"INC-18", 60, "new", 0, 0, 0},
	} {
		pop.plan(sp)
	}
	return pop
}

func (pop *opsIncPop) plan(sp opsIncSpec) {
	s, svc := pop.sim, pop.svc
	r := s.rec(sp.id)
	at := opsDay(sp.day)
	r.reported = at.Add(-30 * time.Minute)
	id := sp.id
	fire := func(a sms.Actor, c incident.Command) func() (string, error) {
		return func() (string, error) {
			i, err := svc.Do(s.ctx, a, id, c)
			if err != nil {
				return "", err
			}
			return string(i.Status), nil
		}
	}
	next := at
	tick := func(d time.Duration) time.Time { next = next.Add(d); return next }
	step := func(when time.Time, tr incident.Trigger, status incident.Status, attrs map[string]string, a sms.Actor, c incident.Command) {
		s.step(r, when, string(tr), string(status), attrs, fire(a, c))
	}
	s.step(r, at, string(incident.TriggerLog), string(incident.StatusNew), nil, func() (string, error) {
		i, err := svc.Log(s.ctx, opsDesk, incident.Report{ID: id, Summary: "mail is down for " + id, Service: "mail", Source: incident.SourceUser,
			Reporter: "carl", ReportedAt: r.reported})
		if err != nil {
			return "", err
		}
		return string(i.Status), nil
	})
	classify := func(when time.Time, prio, risk int, status incident.Status) {
		c := incident.Classification{Category: "email", Impact: incident.Medium, Urgency: incident.Medium,
			Priority: incident.Priority(prio), OverrideReason: "set by the ops test"}
		attrs := map[string]string{"priority": fmt.Sprint(prio), "security": "false"}
		if risk > 0 {
			c.Security, c.SecurityRisk = true, incident.Level(risk)
			attrs["security"], attrs["risk"] = "true", fmt.Sprint(risk)
		}
		step(when, incident.TriggerClassify, status, attrs, opsIncBoss, c)
	}
	switch sp.kind {
	case "cancelled":
		step(tick(opsHour), incident.TriggerCancel, incident.StatusCancelled, nil, opsIncBoss, incident.Cancellation{Reason: incident.CancelRaisedInError})
		return
	case "new":
		return
	}
	classify(tick(time.Minute), sp.prio, sp.risk, incident.StatusNew)
	step(tick(time.Minute), incident.TriggerRecordAction, incident.StatusNew, nil, opsIncBoss, incident.Action{Text: "looked at the logs"})
	major := sp.kind == "major" || sp.kind == "major_open"
	if major {
		step(tick(time.Minute), incident.TriggerProposeMajor, incident.StatusNew, nil, opsIncBoss, incident.MajorProposal{Reason: "everyone is offline"})
		step(tick(time.Minute), incident.TriggerAcceptMajor, incident.StatusNew, nil, opsIncBoss, incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3"})
		if sp.kind == "major" {
			step(tick(time.Minute), incident.TriggerNotify, incident.StatusNew, nil, opsIncBoss, incident.Notification{Audience: "top_management", Summary: "mail outage"})
		}
	}
	step(tick(time.Minute), incident.TriggerAssign, incident.StatusAssigned, nil, opsIncBoss, incident.Assignment{Group: "mail-ops", Assignee: "rui"})
	step(tick(time.Minute), incident.TriggerStart, incident.StatusInProgress, nil, opsIncBoss, incident.WorkStart{})
	switch sp.kind {
	case "open", "major_open":
		return
	case "reclass":
		classify(opsDay(40), 4, 0, incident.StatusInProgress) // after the mid-period cut-off
		return
	}
	resolve := func(when time.Time) {
		attrs := map[string]string{}
		if major {
			attrs["major"] = "true"
		}
		s.step(r, when, string(incident.TriggerResolve), string(incident.StatusResolved), attrs, func() (string, error) {
			i, err := svc.Resolve(s.ctx, opsIncBoss, id, incident.Resolution{Code: "fixed", Notes: "restarted the relay", RestoredAt: s.clk.Now()})
			if err != nil {
				return "", err
			}
			return string(i.Status), nil
		})
	}
	res := at.Add(time.Duration(sp.resolve * float64(opsHour)))
	resolve(res)
	last := res
	if sp.kind == "reopened" {
		step(res.Add(opsHour), incident.TriggerReopen, incident.StatusInProgress, nil, opsIncBoss, incident.Reopening{Reason: "still broken"})
		last = res.Add(10 * opsHour)
		resolve(last)
	}
	if major {
		step(last.Add(time.Minute), incident.TriggerNotify, incident.StatusResolved, nil, opsIncBoss, incident.Notification{Audience: "top_management", Summary: "resolved"})
		step(last.Add(2*time.Minute), incident.TriggerReview, incident.StatusResolved, nil, opsIncBoss, incident.Review{Summary: "single relay", Actions: []string{"PRB-1"}})
	}
	step(last.Add(opsHour), incident.TriggerClose, incident.StatusClosed, nil, opsCaller, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller})
}

// opsWantIncidents computes the figures of IncidentVolumes (security false)
// or SecurityIncidents (true) from what the test did.
func opsWantIncidents(recs []*opsRec, p report.Period, cutoff time.Time, security bool) ([]*float64, int) {
	var logged, resolved, closed, open, high int
	var prio [5]int
	var other, unprio int
	var hours float64
	n := 0
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		cl := opsLastClassify(evs, string(incident.TriggerClassify))
		if security && (cl == nil || cl["security"] != "true") {
			continue
		}
		// Counted by when it was reported, once the library knows it.
		if evs[0].trigger == string(incident.TriggerLog) && !r.reported.Before(p.From) && r.reported.Before(p.To) {
			logged++
			switch {
			case cl == nil:
				unprio++
			default:
				var k int
				fmt.Sscan(cl["priority"], &k)
				if k >= 1 && k <= 5 {
					prio[k-1]++
				} else {
					other++
				}
			}
			if cl != nil && cl["risk"] == "1" {
				high++
			}
		}
		if rs := opsKnownIn(evs, string(incident.TriggerResolve), p); len(rs) > 0 {
			resolved++
			hours += rs[len(rs)-1].at.Sub(r.reported).Hours()
		}
		if len(opsKnownIn(evs, string(incident.TriggerClose), p)) > 0 {
			closed++
		}
		if opsOpenAtEnd(evs, p, "new", "assigned", "in_progress", "on_hold") {
			open++
		}
	}
	if security {
		return append(append(opsV(float64(logged), float64(resolved), float64(closed), float64(open)), opsMean(hours, resolved)), opsV(float64(high))...), n
	}
	want := append(opsV(float64(logged), float64(resolved), float64(closed), float64(open)), opsMean(hours, resolved))
	return append(want, opsV(float64(prio[0]), float64(prio[1]), float64(prio[2]), float64(prio[3]), float64(prio[4]), float64(other), float64(unprio))...), n
}

func opsWantMajor(recs []*opsRec, p report.Period, cutoff time.Time) ([]*float64, int) {
	var accepted, notified, notes, resolved, reviewed int
	n := 0
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		if as := opsKnownIn(evs, string(incident.TriggerAcceptMajor), p); len(as) > 0 {
			accepted++
			after := false
			for _, e := range evs {
				if e.at.Equal(as[len(as)-1].at) {
					after = true
				} else if after && e.trigger == string(incident.TriggerNotify) {
					notified++
					break
				}
			}
		}
		notes += len(opsKnownIn(evs, string(incident.TriggerNotify), p))
		if rs := opsKnownIn(evs, string(incident.TriggerResolve), p); len(rs) > 0 && rs[len(rs)-1].attrs["major"] == "true" {
			resolved++
		}
		if len(opsKnownIn(evs, string(incident.TriggerReview), p)) > 0 {
			reviewed++
		}
	}
	return opsV(float64(accepted), float64(notified), float64(notes), float64(resolved), float64(reviewed)), n
}

// opsMatrix checks a generator at the three cut-offs against want, and
// returns the computations.
func opsMatrix(t *testing.T, g report.Generator, want func(report.Period, time.Time) ([]*float64, int)) []report.Computation {
	t.Helper()
	var out []report.Computation
	for _, cutoff := range []time.Time{opsMid, opsEnd, opsLate} {
		w, n := want(opsPeriod, cutoff)
		out = append(out, opsCheck(t, g, opsPeriod, cutoff, w, n))
	}
	return out
}

// opsNonZero requires every expected figure but those listed to be
// defined and non-zero: the population exercises every metric.
func opsNonZero(t *testing.T, want []*float64, except ...int) {
	t.Helper()
	for i, w := range want {
		if slices.Contains(except, i) {
			continue
		}
		require.NotNil(t, w, "metric %d", i)
		require.NotZero(t, *w, "metric %d", i)
	}
}

func (pop *opsIncPop) addLog(at time.Time) time.Time {
	id := fmt.Sprintf("INC-9%d", len(pop.sim.recs))
	r := pop.sim.rec(id)
	r.reported = at.Add(-time.Minute)
	pop.sim.step(r, at, string(incident.TriggerLog), string(incident.StatusNew), nil, opsFire(pop.sim.ctx, pop.svc.Do, opsDesk, "",
		incident.Command(incident.Report{ID: id, Summary: "late one", Service: "mail", Source: incident.SourceUser, Reporter: "carl", ReportedAt: r.reported})))
	pop.sim.step(r, at.Add(time.Minute), string(incident.TriggerClassify), string(incident.StatusNew), map[string]string{"priority": "1", "security": "true", "risk": "1"},
		opsFire(pop.sim.ctx, pop.svc.Do, opsIncBoss, id, incident.Command(incident.Classification{Category: "email", Impact: 2, Urgency: 2,
			Priority: 1, OverrideReason: "ops", Security: true, SecurityRisk: 1})))
	pop.sim.step(r, at.Add(2*time.Minute), string(incident.TriggerRecordAction), string(incident.StatusNew), nil,
		opsFire(pop.sim.ctx, pop.svc.Do, opsIncBoss, id, incident.Command(incident.Action{Text: "checked"})))
	pop.sim.step(r, at.Add(3*time.Minute), string(incident.TriggerProposeMajor), string(incident.StatusNew), nil,
		opsFire(pop.sim.ctx, pop.svc.Do, opsIncBoss, id, incident.Command(incident.MajorProposal{Reason: "big"})))
	pop.sim.step(r, at.Add(4*time.Minute), string(incident.TriggerAcceptMajor), string(incident.StatusNew), nil,
		opsFire(pop.sim.ctx, pop.svc.Do, opsIncBoss, id, incident.Command(incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3"})))
	return at.Add(4 * time.Minute)
}

func TestOpsIncidentVolumes(t *testing.T) {
	pop := opsIncidents(t)
	pop.sim.run()
	g := report.IncidentVolumes(pop.store)
	require.Equal(t, "incident-volumes", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) {
		return opsWantIncidents(pop.sim.recs, p, c, false)
	}
	cs := opsMatrix(t, g, want)
	require.NotEqual(t, cs[0].Figures, cs[1].Figures, "the mid-period cut-off sees less")
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w, 10) // no priority beyond P5 in the default matrix
	// A period with nothing resolved: the mean is undefined.
	quiet := report.Period{From: opsDay(80), To: opsDay(85)}
	w, n := want(quiet, opsLate)
	require.Nil(t, w[4])
	opsCheck(t, g, quiet, opsLate, w, n)
	opsCommon(t, g, pop.store, func(s sms.Store[*incident.Incident]) report.Generator { return report.IncidentVolumes(s) }, incident.Kind)

	late := opsIncidents(t)
	opsLater(t, late.sim, report.IncidentVolumes(late.store), func(c time.Time) ([]*float64, int) { return opsWantIncidents(late.sim.recs, opsPeriod, c, false) }, late.addLog)
}

func TestOpsSecurityIncidents(t *testing.T) {
	pop := opsIncidents(t)
	pop.sim.run()
	g := report.SecurityIncidents(pop.store)
	require.Equal(t, "security-incidents", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) {
		return opsWantIncidents(pop.sim.recs, p, c, true)
	}
	opsMatrix(t, g, want)
	// INC-11 is a security incident, open, until its reclassification on
	// day 40.
	for c, open := range map[time.Time]float64{opsDay(39): 1, opsDay(41): 0} {
		w, n := want(opsPeriod, c)
		got := opsCheck(t, g, opsPeriod, c, w, n)
		require.Equal(t, open, got.Figures[3].Value, "open at %s", c)
	}
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	opsCommon(t, g, pop.store, func(s sms.Store[*incident.Incident]) report.Generator { return report.SecurityIncidents(s) }, incident.Kind)

	late := opsIncidents(t)
	opsLater(t, late.sim, report.SecurityIncidents(late.store), func(c time.Time) ([]*float64, int) { return opsWantIncidents(late.sim.recs, opsPeriod, c, true) }, late.addLog)
}

func TestOpsMajorIncidents(t *testing.T) {
	pop := opsIncidents(t)
	pop.sim.run()
	g := report.MajorIncidents(pop.store)
	require.Equal(t, "major-incidents", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) { return opsWantMajor(pop.sim.recs, p, c) }
	opsMatrix(t, g, want)
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	require.Equal(t, 2.0, *w[0], "INC-07 and INC-12 accepted")
	require.Equal(t, 1.0, *w[1], "INC-12 never notified")
	opsCommon(t, g, pop.store, func(s sms.Store[*incident.Incident]) report.Generator { return report.MajorIncidents(s) }, incident.Kind)

	late := opsIncidents(t)
	opsLater(t, late.sim, report.MajorIncidents(late.store), func(c time.Time) ([]*float64, int) { return opsWantMajor(late.sim.recs, opsPeriod, c) }, late.addLog)
}

// ---- service requests ----

var (
	opsEve     = sms.Actor{ID: "eve", Roles: []sms.Role{request.RoleRequester}}
	opsReqBoss = sms.Actor{ID: "ida", Roles: []sms.Role{request.RoleRequester, request.RoleFulfiller, request.RoleApprover, request.RoleRequestManager}}
)

type opsReqPop struct {
	sim   *opsSim
	store *memstore.Store[*request.Request]
	svc   *request.Service
	item  string
}

func opsRequests(t *testing.T) *opsReqPop {
	s := opsNewSim(t)
	store := memstore.New[*request.Request]()
	svc, err := request.NewService(request.Stores{Items: memstore.New[*request.Item](), Requests: store},
		request.Config{Policy: request.DefaultPolicy(), Options: sms.Options{Now: s.clk.Now}})
	require.NoError(t, err)
	cat := sms.Actor{ID: "cat", Roles: []sms.Role{request.RoleCatalogueManager}}
	it, err := svc.Items().Define(s.ctx, cat, request.ItemDefinition{Name: "Password reset", Category: "access", Service: "directory", DefaultPriority: 4,
		Instructions: request.Instructions{Ref: "KB-12", Version: "3"}})
	require.NoError(t, err)
	it, err = svc.Items().Publish(s.ctx, cat, it.ID, request.ItemPublication{})
	require.NoError(t, err)
	pop := &opsReqPop{sim: s, store: store, svc: svc, item: it.ID}
	for _, sp := range []struct {
		id   string
		day  float64
		kind string // closed, fulfilled, new, started, cancelled
		h    float64
	}{
		{"REQ-01", 3, "closed", 5}, {"REQ-02", 15, "new", 0}, {"REQ-03", 19, "closed", 60}, {"REQ-04", 23, "closed", 4},
		{"REQ-05", 26, "fulfilled", 3}, {"REQ-06", 28, "cancelled", 0}, {"REQ-07", 30, "started", 0}, {"REQ-08", 33, "closed", 30},
		{"REQ-09", 37, "closed", 300}, {"REQ-10", 44, "closed", 130}, {"REQ-11", 47, "closed", 10}, {"REQ-12", 58, "closed", 3},
	} {
		pop.plan(sp.id, opsDay(sp.day), sp.kind, time.Duration(sp.h*float64(opsHour)))
	}
	return pop
}

func (pop *opsReqPop) plan(id string, at time.Time, kind string, fulfil time.Duration) time.Time {
	s, r := pop.sim, pop.sim.rec(id)
	do := func(when time.Time, a sms.Actor, c request.Command, status request.Status) {
		target := id
		if c.Trigger() == request.TriggerSubmit {
			target = ""
		}
		s.step(r, when, string(c.Trigger()), string(status), nil, opsFire(s.ctx, pop.svc.Do, a, target, c))
	}
	do(at, opsEve, request.Submission{ID: id, Item: pop.item, Summary: "reset my password", Requester: "eve"}, request.StatusNew)
	switch kind {
	case "new":
		return at
	case "cancelled":
		do(at.Add(opsHour), opsReqBoss, request.Cancellation{Reason: request.CancelWithdrawn}, request.StatusCancelled)
		return at.Add(opsHour)
	}
	do(at.Add(time.Minute), opsReqBoss, request.FulfilmentStart{Group: "it-desk", Assignee: "fay"}, request.StatusInFulfilment)
	if kind == "started" {
		return at.Add(time.Minute)
	}
	do(at.Add(fulfil), opsReqBoss, request.Fulfilment{Notes: "reset and told"}, request.StatusFulfilled)
	if kind == "fulfilled" {
		return at.Add(fulfil)
	}
	do(at.Add(fulfil+opsHour), opsEve, request.Closure{Code: request.CloseComplete, Confirmation: request.ConfirmedByRequester}, request.StatusClosed)
	return at.Add(fulfil + opsHour)
}

func opsWantRequests(recs []*opsRec, p report.Period, cutoff time.Time) ([]*float64, int) {
	var logged, fulfilled, closed, open, n int
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		logged += len(opsKnownIn(evs[:1], string(request.TriggerSubmit), p))
		fulfilled += int(opsB(len(opsKnownIn(evs, string(request.TriggerFulfil), p)) > 0))
		closed += int(opsB(len(opsKnownIn(evs, string(request.TriggerClose), p)) > 0))
		open += int(opsB(opsOpenAtEnd(evs, p, "new", "awaiting_approval", "approved", "in_fulfilment", "on_hold")))
	}
	return opsV(float64(logged), float64(fulfilled), float64(closed), float64(open)), n
}

func TestOpsRequestVolumes(t *testing.T) {
	pop := opsRequests(t)
	pop.sim.run()
	g := report.RequestVolumes(pop.store)
	require.Equal(t, "request-volumes", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) { return opsWantRequests(pop.sim.recs, p, c) }
	opsMatrix(t, g, want)
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	require.Equal(t, []float64{8, 5, 4, 4}, []float64{*w[0], *w[1], *w[2], *w[3]}, "the population as planned")
	opsCommon(t, g, pop.store, func(s sms.Store[*request.Request]) report.Generator { return report.RequestVolumes(s) }, request.Kind)

	late := opsRequests(t)
	opsLater(t, late.sim, report.RequestVolumes(late.store), func(c time.Time) ([]*float64, int) { return opsWantRequests(late.sim.recs, opsPeriod, c) },
		func(at time.Time) time.Time {
			return late.plan(fmt.Sprintf("REQ-9%02d", len(late.sim.recs)), at, "new", 0)
		})
}

// ---- problems ----

var opsPrbBoss = sms.Actor{ID: "ida", Roles: []sms.Role{problem.RoleAnalyst, problem.RoleProblemManager}}

type opsPrbPop struct {
	sim   *opsSim
	store *memstore.Store[*problem.Problem]
	svc   *problem.Service
}

func opsProblems(t *testing.T) *opsPrbPop {
	s := opsNewSim(t)
	store := memstore.New[*problem.Problem]()
	svc, err := problem.NewService(problem.Stores{Problems: store, KnownErrors: memstore.New[*problem.KnownError]()},
		problem.Config{Policy: problem.DefaultPolicy(), Options: sms.Options{Now: s.clk.Now}})
	require.NoError(t, err)
	pop := &opsPrbPop{sim: s, store: store, svc: svc}
	for _, sp := range []struct {
		id       string
		day      float64
		kind     string // full, open, cancelled, recur, links
		resolveD float64
	}{
		{"PRB-01", 1, "full", 4}, {"PRB-02", 8, "open", 0}, {"PRB-03", 17, "full", 5}, {"PRB-04", 22, "cancelled", 0},
		{"PRB-05", 24, "recur", 3}, {"PRB-06", 29, "links", 0}, {"PRB-07", 32, "full", 8}, {"PRB-08", 46, "full", 6},
		{"PRB-09", 57, "open", 0},
	} {
		pop.plan(sp.id, opsDay(sp.day), sp.kind, time.Duration(sp.resolveD*float64(24*opsHour)))
	}
	return pop
}

// plan plans a problem; the attribute "links" of a step lists the
// incidents it names as linked.
func (pop *opsPrbPop) plan(id string, at time.Time, kind string, resolve time.Duration) time.Time {
	s, r := pop.sim, pop.sim.rec(id)
	last := at
	do := func(when time.Time, c problem.Command, status problem.Status, links ...string) {
		target := id
		if c.Trigger() == problem.TriggerLog {
			target = ""
		}
		var attrs map[string]string
		if len(links) > 0 {
			attrs = map[string]string{"links": strings.Join(links, ",")}
		}
		s.step(r, when, string(c.Trigger()), string(status), attrs, opsFire(s.ctx, pop.svc.Do, opsPrbBoss, target, c))
		last = when
	}
	in := []string{id + "-I1", id + "-I2"}
	do(at, problem.Report{ID: id, Summary: "mail relay stalls", Service: "mail", Source: problem.SourceTrend, Incidents: in}, problem.StatusNew, in...)
	do(at.Add(time.Minute), problem.Classification{Category: "network", Impact: problem.High, Urgency: problem.Medium}, problem.StatusNew)
	if kind == "cancelled" {
		do(at.Add(opsHour), problem.Cancellation{Reason: problem.CancelRaisedInError}, problem.StatusCancelled)
		return last
	}
	do(at.Add(2*time.Minute), problem.Assessment{Owner: "pam"}, problem.StatusAssessed)
	switch kind {
	case "open":
		do(at.Add(17*24*opsHour), problem.Link{Type: problem.LinkIncident, ID: id + "-I3"}, problem.StatusAssessed, id+"-I3")
		return last
	case "links":
		do(at.Add(2*24*opsHour), problem.Link{Type: problem.LinkIncident, ID: id + "-I1"}, problem.StatusAssessed) // already linked
		do(at.Add(9*24*opsHour), problem.Link{Type: problem.LinkIncident, ID: id + "-I4"}, problem.StatusAssessed, id+"-I4")
		do(at.Add(9*24*opsHour+time.Minute), problem.Link{Type: problem.LinkChange, ID: "CHG-7"}, problem.StatusAssessed)
		return last
	}
	do(at.Add(3*time.Minute), problem.RCAStart{Investigator: "ana"}, problem.StatusRCA)
	do(at.Add(4*time.Minute), problem.RootCauseAnalysis{RootCause: "the relay's queue is too small", Method: "5 whys"}, problem.StatusRCA)
	do(at.Add(24*opsHour), problem.KnownErrorDeclaration{Workaround: "flush the queue"}, problem.StatusKnownError)
	do(at.Add(resolve), problem.Resolution{Type: problem.CannotReproduce, Notes: "no stall since"}, problem.StatusResolved)
	if kind == "recur" {
		do(at.Add(resolve+3*24*opsHour), problem.Recurrence{Incident: id + "-I5"}, problem.StatusRCA, id+"-I5")
		return last
	}
	do(at.Add(resolve+15*24*opsHour), problem.Closure{}, problem.StatusClosed)
	return last
}

func opsWantProblems(recs []*opsRec, p report.Period, cutoff time.Time) ([]*float64, int) {
	var opened, kes, resolved, closed, open, linked, n int
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		opened += len(opsKnownIn(evs[:1], string(problem.TriggerLog), p))
		kes += len(opsKnownIn(evs, string(problem.TriggerDeclareKnownError), p))
		resolved += int(opsB(len(opsKnownIn(evs, string(problem.TriggerResolve), p)) > 0))
		closed += int(opsB(len(opsKnownIn(evs, string(problem.TriggerClose), p)) > 0))
		open += int(opsB(opsOpenAtEnd(evs, p, "new", "assessed", "rca", "known_error", "fix_in_progress")))
		for _, e := range evs {
			if e.attrs["links"] != "" && p.Contains(e.at) {
				linked += len(strings.Split(e.attrs["links"], ","))
			}
		}
	}
	return opsV(float64(opened), float64(kes), float64(resolved), float64(closed), float64(open), float64(linked)), n
}

func TestOpsProblemEffectiveness(t *testing.T) {
	pop := opsProblems(t)
	pop.sim.run()
	g := report.ProblemEffectiveness(pop.store)
	require.Equal(t, "problem-effectiveness", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) { return opsWantProblems(pop.sim.recs, p, c) }
	opsMatrix(t, g, want)
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	// PRB-02's link (day 25), PRB-04 (2), PRB-05 (2 and its recurrence), PRB-06 (2 and I4), PRB-07 (2), PRB-08 (2).
	require.Equal(t, 13.0, *w[5])
	opsCommon(t, g, pop.store, func(s sms.Store[*problem.Problem]) report.Generator { return report.ProblemEffectiveness(s) }, problem.Kind)

	late := opsProblems(t)
	opsLater(t, late.sim, report.ProblemEffectiveness(late.store), func(c time.Time) ([]*float64, int) { return opsWantProblems(late.sim.recs, opsPeriod, c) },
		func(at time.Time) time.Time {
			return late.plan(fmt.Sprintf("PRB-9%02d", len(late.sim.recs)), at, "cancelled", 0)
		})
}

// ---- changes ----

var (
	opsRita    = sms.Actor{ID: "rita", Roles: []sms.Role{change.RoleRequester}}
	opsIvan    = sms.Actor{ID: "ivan", Roles: []sms.Role{change.RoleImplementer}}
	opsChgBoss = sms.Actor{ID: "ida", Roles: []sms.Role{change.RoleRequester, change.RoleChangeManager, change.RoleCAB, change.RoleEmergencyAuthority,
		change.RoleImplementer, change.RoleServiceOwner, change.RoleTransitionManager}}
)

type opsChgPop struct {
	sim   *opsSim
	store *memstore.Store[*change.Change]
	svc   *change.Service
}

func opsChanges(t *testing.T) *opsChgPop {
	s := opsNewSim(t)
	store := memstore.New[*change.Change]()
	svc, err := change.NewService(change.Stores{Changes: store, Plans: memstore.New[*change.TransitionPlan](), Templates: memstore.New[*change.Template]()},
		change.Config{Policy: change.DefaultPolicy(), Options: sms.Options{Now: s.clk.Now}})
	require.NoError(t, err)
	pop := &opsChgPop{sim: s, store: store, svc: svc}
	for _, sp := range []struct {
		id   string
		day  float64
		kind string // ok, fail, draft, cancelled
		em   bool
	}{
		{"CHG-01", 2, "ok", false}, {"CHG-02", 16, "fail", false}, {"CHG-03", 19, "ok", false}, {"CHG-04", 22, "ok", true},
		{"CHG-05", 24, "fail", false}, {"CHG-06", 26, "draft", false}, {"CHG-07", 28, "fail", true}, {"CHG-08", 30, "ok", false},
		{"CHG-09", 34, "cancelled", false}, {"CHG-10", 40, "ok", false}, {"CHG-11", 47, "ok", false}, {"CHG-12", 60, "ok", true},
	} {
		pop.plan(sp.id, opsDay(sp.day), sp.kind, sp.em)
	}
	return pop
}

func (pop *opsChgPop) plan(id string, at time.Time, kind string, emergency bool) time.Time {
	s, r := pop.sim, pop.sim.rec(id)
	last := at
	do := func(when time.Time, a sms.Actor, c change.Command, status change.Status) {
		target := id
		if c.Trigger() == change.TriggerRaise {
			target = ""
		}
		s.step(r, when, string(c.Trigger()), string(status), nil, opsFire(s.ctx, pop.svc.Do, a, target, c))
		last = when
	}
	rq := change.Request{ID: id, Summary: "Upgrade the mail relay", Requester: "rita", Type: change.TypeModify, Model: change.ModelNameNormal,
		Category: "software", Services: []string{"mail-" + id}, ConfigItems: []change.ConfigItem{{ID: "relay-" + id, Type: "application"}}, Reason: "security fixes"}
	if emergency {
		rq.Model, rq.Justification = change.ModelNameEmergency, "actively exploited"
	}
	do(at, opsRita, rq, change.StatusDraft)
	switch kind {
	case "draft":
		return last
	case "cancelled":
		do(at.Add(opsHour), opsRita, change.Cancellation{Reason: "superseded"}, change.StatusCancelled)
		return last
	}
	m := func(n int) time.Time { return at.Add(time.Duration(n) * time.Minute) }
	ev := change.Evaluation{Likelihood: 2, Impact: 2, Benefit: "closes a CVE", Feasibility: "vendor-supported", Cost: "EUR 2,000",
		Dimensions: change.ImpactAssessment{Services: change.Dimension{Affected: true, Notes: "mail down 30 minutes"},
			Parties: change.Dimension{Notes: "users warned"}, Plans: change.Dimension{Notes: "none"}, Capacity: change.Dimension{Notes: "none"},
			Schedule: change.Dimension{Notes: "no other change"}},
		Remediation: change.RemediationPlan{Plan: "restore the snapshot", Tested: true}}
	if emergency {
		do(m(1), opsRita, change.EmergencySubmission{Justification: "exploited in the wild", Remediation: change.RemediationPlan{Plan: "restore snapshot", Tested: true}},
			change.StatusAuthorize)
	} else {
		do(m(1), opsRita, change.Submission{}, change.StatusAssess)
		do(m(2), opsChgBoss, ev, change.StatusAuthorize)
	}
	do(m(3), opsChgBoss, change.Approval{Rationale: "low risk"}, change.StatusAuthorize)
	do(m(4), opsChgBoss, change.Authorization{Priority: 3, Minutes: "CAB"}, change.StatusScheduled)
	sched := at.Add(3 * 24 * opsHour)
	if emergency {
		sched = m(10)
	}
	s.step(r, sched, string(change.TriggerSchedule), string(change.StatusScheduled), nil, func() (string, error) {
		now := s.clk.Now()
		c, err := pop.svc.Do(s.ctx, opsChgBoss, id, change.Scheduling{Window: change.Window{Start: now.Add(-time.Minute), End: now.Add(4 * opsHour)},
			Plan: "stop, upgrade, start", Implementer: "ivan", Parties: []string{"mail-users"}})
		if err != nil {
			return "", err
		}
		return c.State(), nil
	})
	do(sched.Add(time.Minute), opsChgBoss, change.Notification{Parties: []string{"mail-users"}, Message: "mail down tonight"}, change.StatusScheduled)
	do(sched.Add(2*time.Minute), opsIvan, change.Implementation{Verification: "checksum verified", TestResult: "tests pass"}, change.StatusImplement)
	end := sched.Add(opsHour)
	if kind == "fail" {
		do(end, opsIvan, change.Failure{Reason: "migration aborted"}, change.StatusRemediating)
		end = end.Add(opsHour)
		do(end, opsChgBoss, change.Remedy{Outcome: change.OutcomeRolledBack, Notes: "snapshot restored"}, change.StatusReview)
	} else {
		do(end, opsIvan, change.Completion{Outcome: change.OutcomeSuccessful}, change.StatusReview)
	}
	if emergency {
		do(end.Add(time.Minute), opsChgBoss, change.Retrospective{Evaluation: ev}, change.StatusReview)
	}
	do(end.Add(24*opsHour), opsChgBoss, change.PIR{ObjectivesMet: kind == "ok", Summary: "reviewed"}, change.StatusReview)
	do(end.Add(24*opsHour+time.Minute), opsChgBoss, change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "relay-" + id, Ref: "CMDB-77"}}}, change.StatusClosed)
	return last
}

func opsWantChanges(recs []*opsRec, p report.Period, cutoff time.Time) ([]*float64, int) {
	var requested, ok, failed, emergency, n int
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		requested += len(opsKnownIn(evs[:1], string(change.TriggerRaise), p))
		ok += len(opsKnownIn(evs, string(change.TriggerComplete), p))
		failed += len(opsKnownIn(evs, string(change.TriggerFail), p))
		emergency += len(opsKnownIn(evs, string(change.TriggerSubmitEmergency), p))
	}
	want := opsV(float64(requested), float64(ok+failed), float64(ok), float64(failed), float64(emergency))
	return append(want, opsMean(float64(ok), ok+failed)), n
}

func TestOpsChangeTrends(t *testing.T) {
	pop := opsChanges(t)
	pop.sim.run()
	g := report.ChangeTrends(pop.store)
	require.Equal(t, "change-trends", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) { return opsWantChanges(pop.sim.recs, p, c) }
	opsMatrix(t, g, want)
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	require.InDelta(t, 4.0/6.0, *w[5], 1e-12, "CHG-03, 04, 08, 10 succeeded, CHG-05 and 07 failed in the period")
	quiet := report.Period{From: opsDay(80), To: opsDay(85)}
	w, n := want(quiet, opsLate)
	require.Nil(t, w[5])
	opsCheck(t, g, quiet, opsLate, w, n)
	opsCommon(t, g, pop.store, func(s sms.Store[*change.Change]) report.Generator { return report.ChangeTrends(s) }, change.Kind)

	late := opsChanges(t)
	opsLater(t, late.sim, report.ChangeTrends(late.store), func(c time.Time) ([]*float64, int) { return opsWantChanges(late.sim.recs, opsPeriod, c) },
		func(at time.Time) time.Time {
			return late.plan(fmt.Sprintf("CHG-9%02d", len(late.sim.recs)), at, "draft", false)
		})
}

// ---- releases ----

var (
	opsRosa    = sms.Actor{ID: "rosa", Roles: []sms.Role{release.RoleReleaseManager}}
	opsDev     = sms.Actor{ID: "dev", Roles: []sms.Role{release.RoleDeployer}}
	opsRelBoss = sms.Actor{ID: "ida", Roles: []sms.Role{release.RoleReleaseManager, release.RoleTester, release.RoleDeployer, release.RoleApprover, release.RoleChangeManager}}
)

// opsAuthorized is change management saying every change is authorized.
type opsAuthorized struct{}

func (opsAuthorized) ChangeAuthorized(context.Context, string) (bool, error) { return true, nil }

type opsRelPop struct {
	sim   *opsSim
	store *memstore.Store[*release.Release]
	svc   *release.Service
}

func opsReleases(t *testing.T) *opsRelPop {
	s := opsNewSim(t)
	store := memstore.New[*release.Release]()
	svc, err := release.NewService(store, release.Config{Policy: release.DefaultPolicy(), Changes: opsAuthorized{}, Options: sms.Options{Now: s.clk.Now}})
	require.NoError(t, err)
	pop := &opsRelPop{sim: s, store: store, svc: svc}
	for _, sp := range []struct {
		id   string
		day  float64
		kind string // ok, rollback, late_rollback, planned, deployed
	}{
		{"REL-01", 1, "ok"}, {"REL-02", 15, "ok"}, {"REL-03", 20, "rollback"}, {"REL-04", 23, "ok"}, {"REL-05", 26, "late_rollback"},
		{"REL-06", 31, "planned"}, {"REL-07", 33, "ok"}, {"REL-08", 44, "ok"}, {"REL-09", 48.97, "ok"}, {"REL-10", 60, "ok"},
	} {
		pop.plan(sp.id, opsDay(sp.day), sp.kind)
	}
	return pop
}

func (pop *opsRelPop) plan(id string, at time.Time, kind string) time.Time {
	s, r := pop.sim, pop.sim.rec(id)
	last := at
	do := func(when time.Time, a sms.Actor, c release.Command, status release.Status, attrs map[string]string) {
		target := id
		if c.Trigger() == release.TriggerPlan {
			target = ""
		}
		s.step(r, when, string(c.Trigger()), string(status), attrs, opsFire(s.ctx, pop.svc.Do, a, target, c))
		last = when
	}
	do(at, opsRosa, release.Planning{ID: id, Name: "mail 5.0", Type: release.TypeMinor, Owner: "rosa", Content: release.Content{
		Plan: "phased roll-out", Changes: []string{"CHG-1"}, Windows: []release.Window{{Start: opsBase, End: opsBase.Add(365 * 24 * opsHour)}},
		Deliverables: []release.Deliverable{{Name: "mail-relay", Version: "5.0.0"}}, Method: "phased", ConfigItems: []string{"relay-1"},
		Criteria: []string{"regression suite green"}}}, release.StatusPlanned, nil)
	if kind == "planned" {
		return last
	}
	m := func(n int) time.Time { return at.Add(time.Duration(n) * time.Minute) }
	do(m(1), opsRelBoss, release.BuildStart{}, release.StatusBuilding, nil)
	do(m(2), opsRelBoss, release.TestSubmission{}, release.StatusTesting, nil)
	do(m(3), opsRelBoss, release.AcceptancePassed{Results: []release.CriterionResult{{Criterion: "regression suite green", Passed: true, Evidence: "run 1"}}},
		release.StatusAccepted, nil)
	do(m(4), opsRelBoss, release.Approval{Rationale: "tests green"}, release.StatusAccepted, nil)
	do(m(5), opsRelBoss, release.Authorization{}, release.StatusApproved, nil)
	do(m(6), opsRelBoss, release.BaselineCapture{ID: "BL-" + id, Items: []release.ItemVersion{{Item: "relay-1", Version: "4.9"}}}, release.StatusApproved, nil)
	do(m(7), opsDev, release.DeployStart{Deployer: "dev"}, release.StatusDeploying, nil)
	if kind == "rollback" {
		do(m(67), opsDev, release.Rollback{Reason: "relay would not start"}, release.StatusRolledBack, nil)
		do(at.Add(3*24*opsHour), opsRelBoss, release.AnalysisRecord{Outcome: release.OutcomeFailed, Conclusions: "untested start-up"}, release.StatusRolledBack,
			map[string]string{"outcome": "failed"})
		do(at.Add(3*24*opsHour+time.Minute), opsRelBoss, release.Closure{}, release.StatusClosed, nil)
		return last
	}
	do(m(67), opsDev, release.DeploymentResult{Targets: []release.TargetResult{{Target: "site-a", OK: true}}, Verification: "smoke tests green"},
		release.StatusEarlyLife, nil)
	if kind == "deployed" {
		return last
	}
	if kind == "late_rollback" {
		do(at.Add(2*24*opsHour), opsDev, release.Rollback{Reason: "mail loss in early life"}, release.StatusRolledBack, nil)
		do(at.Add(3*24*opsHour), opsRelBoss, release.AnalysisRecord{Outcome: release.OutcomeFailed, Conclusions: "queue bug"}, release.StatusRolledBack,
			map[string]string{"outcome": "failed"})
		return last
	}
	el := m(67).Add(7 * 24 * opsHour)
	do(el, opsRelBoss, release.EarlyLifeEnd{}, release.StatusReview, nil)
	do(el.Add(time.Minute), opsRelBoss, release.AnalysisRecord{Outcome: release.OutcomeSuccessful, Conclusions: "quiet"}, release.StatusReview,
		map[string]string{"outcome": "successful"})
	do(el.Add(2*time.Minute), opsRelBoss, release.Closure{}, release.StatusClosed, nil)
	return last
}

func opsWantReleases(recs []*opsRec, p report.Period, cutoff time.Time) ([]*float64, int) {
	var deployed, rolled, good, bad, n int
	for _, r := range recs {
		evs := r.known(cutoff)
		if len(evs) == 0 {
			continue
		}
		n++
		deployed += int(opsB(len(opsKnownIn(evs, string(release.TriggerCompleteDeploy), p)) > 0))
		rolled += int(opsB(len(opsKnownIn(evs, string(release.TriggerRollback), p)) > 0))
		if rv := opsKnownIn(evs, string(release.TriggerReview), p); len(rv) > 0 {
			switch rv[len(rv)-1].attrs["outcome"] {
			case "successful":
				good++
			case "failed":
				bad++
			}
		}
	}
	return opsV(float64(deployed), float64(rolled), float64(good), float64(bad)), n
}

func TestOpsReleaseOutcomes(t *testing.T) {
	pop := opsReleases(t)
	pop.sim.run()
	g := report.ReleaseOutcomes(pop.store)
	require.Equal(t, "release-outcomes", g.Name())
	want := func(p report.Period, c time.Time) ([]*float64, int) { return opsWantReleases(pop.sim.recs, p, c) }
	opsMatrix(t, g, want)
	w, _ := want(opsPeriod, opsEnd)
	opsNonZero(t, w)
	// REL-04, 05, 07 and 08 deployed in the period; REL-09 an hour after it.
	require.Equal(t, 4.0, *w[0])
	opsCommon(t, g, pop.store, func(s sms.Store[*release.Release]) report.Generator { return report.ReleaseOutcomes(s) }, release.Kind)

	late := opsReleases(t)
	opsLater(t, late.sim, report.ReleaseOutcomes(late.store), func(c time.Time) ([]*float64, int) { return opsWantReleases(late.sim.recs, opsPeriod, c) },
		func(at time.Time) time.Time {
			return late.plan(fmt.Sprintf("REL-9%02d", len(late.sim.recs)), at, "deployed")
		})
}

// An incident logged after the cut-off but reported within the period is
// a restatement: the instance's computation (the original cut-off) does
// not change, byte for byte; the same period computed with what is known
// later counts it.
func TestOpsBackdatedIncidentRestates(t *testing.T) {
	ctx := context.Background()
	clk := smstest.NewClock(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC))
	store := memstore.New[*incident.Incident]()
	svc, err := incident.NewService(store, incident.Config{Policy: incident.DefaultPolicy(), Options: sms.Options{Now: clk.Now}})
	require.NoError(t, err)
	logAt := func(id string, reported time.Time) {
		t.Helper()
		_, err := svc.Do(ctx, opsDesk, "", incident.Command(incident.Report{ID: id, Summary: "mail down", Service: "mail",
			Source: incident.SourceUser, Reporter: "carl", ReportedAt: reported}))
		require.NoError(t, err)
	}
	logAt("INC-A", clk.Now().Add(-time.Hour))
	clk.Set(time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC))
	logAt("INC-B", clk.Now())
	june := report.Period{From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	cutoff := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	g := report.IncidentVolumes(store)
	before, err := g.Compute(ctx, june, cutoff)
	require.NoError(t, err)
	assert.Equal(t, 2.0, before.Figures[0].Value)

	clk.Set(time.Date(2026, 7, 5, 9, 0, 0, 0, time.UTC))
	logAt("INC-C", time.Date(2026, 6, 28, 16, 0, 0, 0, time.UTC)) // reported by phone on 28 June, logged on 5 July
	again, err := g.Compute(ctx, june, cutoff)
	require.NoError(t, err)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(again)
	assert.Equal(t, string(b1), string(b2), "the instance's computation is unchanged")
	now, err := g.Compute(ctx, june, clk.Now())
	require.NoError(t, err)
	assert.Equal(t, 3.0, now.Figures[0].Value, "known now: three incidents reported in June")
	assert.NotEqual(t, before.Digest, now.Digest)
}
