package incident_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/servicelevel"
)

// breaches returns which of the response and resolution targets findings
// report missed.
func breaches(fs []sms.Finding) [2]bool {
	var out [2]bool
	for _, f := range fs {
		if f.Code != incident.CodeSLABreached {
			continue
		}
		out[0] = out[0] || strings.HasPrefix(f.Detail, "response") || strings.HasPrefix(f.Detail, incident.ResponseTimer)
		out[1] = out[1] || strings.HasPrefix(f.Detail, "resolution") || strings.HasPrefix(f.Detail, incident.ResolutionTimer)
	}
	return out
}

// INC-15 on the servicelevel engine: over random incident flows (one
// classification, assignments, holds that pause and holds that do not,
// resumptions, resolution; no reopen, whose resolved time the record's
// due times count and the engine does not), at random instants, the
// policy's timers (Policy.TimerDefs) evaluated over the journal breach
// exactly when the record's due times say, round the clock and on a
// business calendar with a lunch break; and Service.Sweep, which judges
// from the journal, reports the same breaches as the record-only Sweep.
func TestTimerDefsAgreeWithDueTimes(t *testing.T) {
	t.Parallel()
	spec := calendar.Spec{Name: "office", Version: 1, Zone: "Europe/Berlin"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(12, 0)}, {Start: calendar.At(13, 0), End: calendar.At(17, 0)}}
	}
	office, err := calendar.New(spec)
	require.NoError(t, err)
	for _, cal := range []*calendar.Calendar{nil, office} {
		p := incident.DefaultPolicy()
		p.Calendar = cal
		rd, sd := p.TimerDefs(1)
		engineCal := cal
		if engineCal == nil {
			engineCal, err = calendar.Always("24x7", 1, "UTC")
			require.NoError(t, err)
		}
		resp, err := servicelevel.Compile(rd, engineCal)
		require.NoError(t, err)
		res, err := servicelevel.Compile(sd, engineCal)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(15, uint64(len(spec.Name))))
		compared, seen := 0, map[[2]bool]int{}
		for flow := range 150 {
			f := newFixture(t, p)
			inc := f.log(t)
			levels := []incident.Level{incident.High, incident.Medium, incident.Low}
			f.step(t, inc.ID, incident.Classification{Category: "network", Impact: levels[rng.IntN(3)], Urgency: levels[rng.IntN(3)]})
			for range 3 + rng.IntN(10) {
				f.clk.Advance(time.Duration(rng.IntN(900)) * time.Minute)
				var c incident.Command
				switch rng.IntN(6) {
				case 0:
					c = validCommand(incident.TriggerAssign)
				case 1:
					c = incident.WorkStart{}
				case 2:
					c = []incident.Suspension{{Reason: incident.HoldCaller}, {Reason: incident.HoldSupplier, Ref: "V-1"}, {Reason: incident.HoldChange, Ref: "CHG-1"}}[rng.IntN(3)]
				case 3:
					c = incident.Resumption{}
				case 4:
					c = incident.Resolution{Code: "fixed", Notes: "fixed", RestoredAt: f.clk.Now()}
				default:
					c = validCommand(incident.TriggerRecordAction)
				}
				_, _ = f.svc.Do(f.ctx, boss, inc.ID, c) // a refused step changes nothing
			}
			inc, err = f.svc.Get(f.ctx, inc.ID)
			require.NoError(t, err)
			journal, err := f.svc.Journal(f.ctx, inc.ID)
			require.NoError(t, err)
			rt, err := resp.Evaluate(journal)
			require.NoError(t, err)
			st, err := res.Evaluate(journal)
			require.NoError(t, err)
			for _, asOf := range []time.Time{f.clk.Now(), f.clk.Now().Add(time.Duration(rng.IntN(72*60)) * time.Minute)} {
				fs, err := incident.Sweep(inc, p, asOf)
				require.NoError(t, err)
				record := breaches(fs)
				engine := [2]bool{resp.At(rt, asOf).Breached, res.At(st, asOf).Breached}
				require.Equal(t, record, engine, "flow %d on %v at %s: record %v, engine %v\n%v", flow, cal != nil, asOf, record, engine, journal)
				stored, err := f.svc.Sweep(f.ctx, asOf)
				require.NoError(t, err)
				require.Equal(t, record, breaches(stored), "flow %d: Service.Sweep judges from the journal", flow)
				compared++
				seen[record]++
			}
		}
		require.Equal(t, 300, compared)
		for _, k := range [][2]bool{{false, false}, {true, true}, {true, false}} {
			require.Positive(t, seen[k], "the flows reach %v: %v", k, seen)
		}
	}
}

// A reopen, where the record's due times and the engine part ways: the
// record counts the hours the incident spent resolved against its fixed
// due time; the engine (ReopenContinue) counts only the time it was open,
// which is what Service.Sweep, judging from the journal, reports. P1, 4 h:
// reported 07:55, classified and assigned at 08:01 and 08:02, resolved at
// 09:00 after an action (1 h 05 counted), reopened by the caller at 19:00 and resolved
// again at 20:00 (2 h 05 in all): within the target, though the record's
// due time (11:55) passed while it was resolved.
func TestTimerDefsReopen(t *testing.T) {
	t.Parallel()
	p := incident.DefaultPolicy()
	f := newFixture(t, p)
	inc := f.log(t)
	f.step(t, inc.ID, validCommand(incident.TriggerClassify))
	f.step(t, inc.ID, validCommand(incident.TriggerAssign))
	f.step(t, inc.ID, validCommand(incident.TriggerRecordAction))
	f.clk.Set(t0.Add(time.Hour))
	_, err := f.svc.Do(f.ctx, boss, inc.ID, incident.Resolution{Code: "fixed", Notes: "restarted", RestoredAt: f.clk.Now()})
	require.NoError(t, err)
	f.clk.Set(t0.Add(11 * time.Hour))
	_, err = f.svc.Do(f.ctx, caller, inc.ID, validCommand(incident.TriggerReopen))
	require.NoError(t, err)
	f.clk.Set(t0.Add(12 * time.Hour))
	inc, err = f.svc.Do(f.ctx, boss, inc.ID, incident.Resolution{Code: "fixed", Notes: "replaced the card", RestoredAt: f.clk.Now()})
	require.NoError(t, err)

	asOf := f.clk.Now()
	record, err := incident.Sweep(inc, p, asOf)
	require.NoError(t, err)
	require.Equal(t, [2]bool{false, true}, breaches(record), "the record's due time passed while resolved")
	stored, err := f.svc.Sweep(f.ctx, asOf)
	require.NoError(t, err)
	require.Equal(t, [2]bool{false, false}, breaches(stored), "%v", stored)

	_, sd := p.TimerDefs(1)
	cal, err := calendar.Always("24x7", 1, "UTC")
	require.NoError(t, err)
	res, err := servicelevel.Compile(sd, cal)
	require.NoError(t, err)
	journal, err := f.svc.Journal(f.ctx, inc.ID)
	require.NoError(t, err)
	tm, err := res.Evaluate(journal)
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour+5*time.Minute, tm.Elapsed)
}
