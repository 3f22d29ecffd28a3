package servicelevel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
)

var ops = sms.Actor{ID: "otto", Roles: []sms.Role{servicelevel.RoleAvailabilityManager}}

type outageEnv struct {
	svc *servicelevel.Outages
	clk *smstest.Clock
	ctx context.Context
}

func newOutageEnv(t testing.TB) *outageEnv {
	clk := smstest.NewClock(dec(20, 0, 0))
	book := changeBook{"CHG-7": {Start: dec(12, 21, 0), End: dec(13, 3, 0)}}
	svc, err := servicelevel.NewOutages(memstore.New[*servicelevel.OutageRecord](), book, sms.Options{Now: clk.Now})
	require.NoError(t, err)
	return &outageEnv{svc: svc, clk: clk, ctx: context.Background()}
}

func (e *outageEnv) record(t testing.TB, kind servicelevel.OutageKind, start time.Time, change string) *servicelevel.OutageRecord {
	t.Helper()
	o, err := e.svc.Record(e.ctx, ops, servicelevel.OutageReport{Service: "payroll", Kind: kind, Start: start, Change: change})
	require.NoError(t, err)
	return o
}

func (e *outageEnv) restored(t testing.TB, kind servicelevel.OutageKind, start, end time.Time, change string) *servicelevel.OutageRecord {
	t.Helper()
	o := e.record(t, kind, start, change)
	o, err := e.svc.Restore(e.ctx, ops, o.ID, servicelevel.Restoration{End: end})
	require.NoError(t, err)
	return o
}

var investigation = servicelevel.Investigation{Incident: "INC-9", Outcome: "a full disk stopped the database", Actions: []string{"disk alarms at 80%"}}

type outageKit struct {
	*servicelevel.Outages
	env *outageEnv
}

func (k outageKit) At(t testing.TB, status, trigger string) string {
	e := k.env
	if status == string(servicelevel.StatusOngoing) {
		return e.record(t, servicelevel.Unplanned, dec(3, 10, 0), "").ID
	}
	o := e.restored(t, servicelevel.Unplanned, dec(3, 10, 0), dec(3, 12, 0), "")
	if status == string(servicelevel.StatusRestored) && trigger != string(servicelevel.TriggerCloseOutage) {
		return o.ID
	}
	_, err := e.svc.Investigate(e.ctx, ops, o.ID, investigation)
	require.NoError(t, err)
	if status == string(servicelevel.StatusClosed) {
		_, err = e.svc.Close(e.ctx, ops, o.ID, servicelevel.OutageClosure{})
		require.NoError(t, err)
	}
	return o.ID
}

var validOutage = map[servicelevel.OutageTrigger]servicelevel.OutageCommand{
	servicelevel.TriggerRestore:     servicelevel.Restoration{End: dec(3, 12, 0)},
	servicelevel.TriggerCorrect:     servicelevel.Correction{Start: dec(3, 9, 50), Reason: "the monitoring alarm was ten minutes late"},
	servicelevel.TriggerInvestigate: investigation,
	servicelevel.TriggerCloseOutage: servicelevel.OutageClosure{},
	servicelevel.TriggerOutageNote:  servicelevel.OutageNote{Text: "see the incident"},
}

func (k outageKit) Fire(ctx context.Context, id, trigger string) (*servicelevel.OutageRecord, error) {
	return k.Do(ctx, ops, id, validOutage[servicelevel.OutageTrigger(trigger)])
}

func (k outageKit) DryRun(ctx context.Context, id, trigger string) error {
	return k.Outages.DryRun(ctx, ops, id, validOutage[servicelevel.OutageTrigger(trigger)])
}

func TestOutageKit(t *testing.T) {
	triggers := smstest.Names(servicelevel.OutageTriggers()[1:])
	smstest.RunProcess(t, smstest.Process[*servicelevel.OutageRecord]{
		Workflow: servicelevel.OutageWorkflow(),
		Oracle: map[string]map[string]string{ // from AVL-04 and AVL-05
			"ongoing":  {"restore": "restored", "correct": smstest.Stay, "investigate": smstest.Stay, "note": smstest.Stay},
			"restored": {"correct": smstest.Stay, "investigate": smstest.Stay, "close": "closed", "note": smstest.Stay},
			"closed":   {"note": smstest.Stay},
		},
		Triggers: triggers,
		Golden:   "testdata/outage.mmd", Doc: "doc.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*servicelevel.OutageRecord] {
			env := newOutageEnv(t)
			return outageKit{env.svc, env}
		},
	})
}

// An unplanned outage closes only once investigated (AVL-05); planned
// downtime only when an authorized change covers it (AVL-06); a
// correction keeps the old values in the journal; the records feed
// Measure.
func TestOutageRecords(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	o := e.restored(t, servicelevel.Unplanned, dec(3, 10, 0), dec(3, 12, 0), "")
	before := smstest.Snap(t, e.svc, o.ID)
	_, err := e.svc.Close(e.ctx, ops, o.ID, servicelevel.OutageClosure{})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"AVL-05"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, o.ID, before)
	_, err = e.svc.Investigate(e.ctx, ops, o.ID, servicelevel.Investigation{Incident: "INC-9", Outcome: "disk full"})
	require.ErrorAs(t, err, &ge, "no action and no problem")

	covered := e.restored(t, servicelevel.Planned, dec(12, 22, 0), dec(13, 2, 0), "CHG-7")
	_, err = e.svc.Close(e.ctx, ops, covered.ID, servicelevel.OutageClosure{})
	require.NoError(t, err)
	uncovered := e.restored(t, servicelevel.Planned, dec(14, 22, 0), dec(15, 2, 0), "CHG-7")
	_, err = e.svc.Close(e.ctx, ops, uncovered.ID, servicelevel.OutageClosure{})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"AVL-06"}, ge.IDs())

	// Corrected to unplanned, with the reason, the old kind in the journal.
	c, err := e.svc.Correct(e.ctx, ops, uncovered.ID, servicelevel.Correction{Kind: servicelevel.Unplanned, Reason: "no change covered it"})
	require.NoError(t, err)
	assert.Equal(t, servicelevel.Unplanned, c.Kind)
	j, err := e.svc.Journal(e.ctx, uncovered.ID)
	require.NoError(t, err)
	old, _ := sms.Get(j[len(j)-1].Payload, "kind.old")
	assert.Equal(t, "planned", old)
	assert.Equal(t, "no change covered it", j[len(j)-1].Reason)
	_, err = e.svc.Correct(e.ctx, ops, uncovered.ID, servicelevel.Correction{End: dec(14, 21, 0), Reason: "typo"})
	require.ErrorAs(t, err, &ge, "an end before the start")

	_, err = e.svc.Record(e.ctx, ops, servicelevel.OutageReport{Service: "payroll", Kind: servicelevel.Unplanned, Start: dec(25, 0, 0)})
	require.ErrorAs(t, err, &ge, "a start in the future")
	ongoing := e.record(t, servicelevel.Unplanned, dec(4, 10, 0), "")
	_, err = e.svc.Restore(e.ctx, ops, ongoing.ID, servicelevel.Restoration{End: dec(4, 9, 0)})
	require.ErrorAs(t, err, &ge, "an outage that ends before it starts")
	_, err = e.svc.Restore(e.ctx, ops, ongoing.ID, servicelevel.Restoration{End: dec(4, 11, 0)})
	require.NoError(t, err)
	still := e.record(t, servicelevel.Unplanned, dec(19, 23, 0), "") // ongoing at the end of the test's clock

	var outages []servicelevel.Outage
	require.NoError(t, e.svc.Each(e.ctx, "payroll", func(o servicelevel.Outage) bool { outages = append(outages, o); return true }))
	require.Len(t, outages, 5)
	req := servicelevel.AvailabilityRequirement{Service: "payroll", TargetNum: 99, TargetDen: 100, Hours: always(t, "UTC")}
	book := changeBook{"CHG-7": calendar.Interval{Start: dec(12, 21, 0), End: dec(13, 3, 0)}}
	a, err := servicelevel.Measure(e.ctx, req, outages, dec(1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), book)
	require.NoError(t, err)
	// Down: 10:00-12:00 on the 3rd, 22:00-02:00 from the 14th, 10:00-11:00
	// on the 4th: 7 h, and the outage still ongoing since 23:00 on the 19th
	// up to the end of the period measured, the 20th at 00:00: 1 h more.
	// Planned: 4 h.
	a, err = servicelevel.Measure(e.ctx, req, outages, dec(1, 0, 0), dec(20, 0, 0), book)
	require.NoError(t, err)
	assert.Equal(t, 8*h, a.Down)
	assert.Equal(t, 4*h, a.Planned)
	assert.Equal(t, still.ID, a.Findings[len(a.Findings)-1].EntityID, "not investigated yet")
}

// outageFuzz is what the fuzz driver needs.
type outageFuzz struct{ outageKit }

func (f outageFuzz) Start(t testing.TB) string {
	return f.env.record(t, servicelevel.Unplanned, dec(3, 10, 0), "").ID
}

func (f outageFuzz) Do(ctx context.Context, id string, s smstest.Step) (*servicelevel.OutageRecord, error) {
	who := []sms.Actor{ops, {ID: "nobody"}}[s.Actor%2]
	tr := servicelevel.OutageTrigger(s.Trigger)
	c := validOutage[tr]
	if s.Variant%2 == 1 {
		c = map[servicelevel.OutageTrigger]servicelevel.OutageCommand{
			servicelevel.TriggerRestore:     servicelevel.Restoration{End: dec(3, 9, 0)},
			servicelevel.TriggerCorrect:     servicelevel.Correction{Kind: servicelevel.Planned, End: dec(3, 9, 0), Reason: "odd"},
			servicelevel.TriggerInvestigate: servicelevel.Investigation{Incident: "INC-1"},
			servicelevel.TriggerCloseOutage: servicelevel.OutageClosure{},
			servicelevel.TriggerOutageNote:  servicelevel.OutageNote{Text: " "},
		}[tr]
	}
	return f.Outages.Do(ctx, who, id, c)
}

func FuzzOutages(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 0, 0, 3, 0, 0})
	f.Add([]byte{1, 0, 1, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 1, 0})
	triggers := smstest.Names(servicelevel.OutageTriggers()[1:])
	f.Fuzz(func(t *testing.T, steps []byte) {
		env := newOutageEnv(t)
		smstest.FuzzProcess(t, steps, triggers, outageFuzz{outageKit{env.svc, env}})
	})
}

// A correction without its reason is refused (AVL-04) and changes nothing.
func TestCorrectionNeedsAReason(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	o := e.restored(t, servicelevel.Unplanned, dec(3, 10, 0), dec(3, 12, 0), "")
	before := smstest.Snap(t, e.svc, o.ID)
	_, err := e.svc.Correct(e.ctx, ops, o.ID, servicelevel.Correction{Start: dec(3, 9, 0)})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"AVL-04"}, ge.IDs())
	smstest.RequireUnchanged(t, e.svc, o.ID, before)
}
