package replay_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms/replay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const serviceNowLog = "servicenow-incident-event-log.csv.gz"

// dataFile returns the path of a file of the shared data set: in
// $SMS_DATA_DIR, else in ../shared/data beside the module. It skips the
// test, saying so, when the file is absent: the data is never committed.
func dataFile(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("SMS_DATA_DIR")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "data")
				break
			}
		}
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data %s is absent (set SMS_DATA_DIR to the folder holding it): %v", name, err)
	}
	return p
}

func openLog(t testing.TB, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	return gz
}

func serviceNowMapping(t testing.TB) *replay.Mapping {
	t.Helper()
	f, err := os.Open("mappings/servicenow-incident.json")
	require.NoError(t, err)
	defer f.Close()
	m, err := replay.ParseMapping(f)
	require.NoError(t, err)
	return m
}

// facts are computed from the raw CSV, independently of the replay.
type facts struct {
	cases          map[string]bool
	closedNoResolv []string // a Closed state with no Resolved before it
	reopenedClosed []string // a Closed state followed by another state
	badStateRows   []int    // rows whose state the mapping does not know
	backwardRows   []int    // rows earlier than their case's previous row
	order          []string // the cases in the order they start
	states         map[string][]string
	times          map[string][]time.Time
	groups         map[string][]string // assignment_group per row, "" for null
}

func scanFacts(t testing.TB, path string, known map[string]replay.State) facts {
	r := csv.NewReader(openLog(t, path))
	header, err := r.Read()
	require.NoError(t, err)
	num, st, at := slices.Index(header, "number"), slices.Index(header, "incident_state"), slices.Index(header, "sys_updated_at")
	grp := slices.Index(header, "assignment_group")
	f := facts{cases: map[string]bool{}, times: map[string][]time.Time{}, groups: map[string][]string{}}
	states := map[string][]string{}
	var (
		order    []string
		lastCase string
		lastAt   time.Time
	)
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if _, ok := known[rec[st]]; !ok {
			f.badStateRows = append(f.badStateRows, line)
			continue
		}
		when, err := time.Parse("2/1/2006 15:04", rec[at])
		require.NoError(t, err)
		if rec[num] == lastCase && when.Before(lastAt) {
			f.backwardRows = append(f.backwardRows, line)
			continue
		}
		lastCase, lastAt = rec[num], when
		if !f.cases[rec[num]] {
			order = append(order, rec[num])
		}
		f.cases[rec[num]] = true
		states[rec[num]] = append(states[rec[num]], rec[st])
		f.times[rec[num]] = append(f.times[rec[num]], when)
		g := rec[grp]
		if g == "?" {
			g = ""
		}
		f.groups[rec[num]] = append(f.groups[rec[num]], g)
	}
	f.order, f.states = order, states
	for _, c := range order {
		s := states[c]
		if i := slices.Index(s, "Closed"); i >= 0 && !slices.Contains(s[:i], "Resolved") {
			f.closedNoResolv = append(f.closedNoResolv, c)
		}
		for i := 0; i+1 < len(s); i++ {
			if s[i] == "Closed" && s[i+1] != "Closed" {
				f.reopenedClosed = append(f.reopenedClosed, c)
				break
			}
		}
	}
	return f
}

// TestServiceNowLog replays the real log: one result per distinct case,
// every deviation citing a requirement, and the log's known anomalies
// attributed to the right requirement.
func TestServiceNowLog(t *testing.T) {
	path := dataFile(t, serviceNowLog)
	m := serviceNowMapping(t)
	f := scanFacts(t, path, m.States)
	require.NotEmpty(t, f.closedNoResolv, "the log's known anomaly: cases closed without resolution")
	require.NotEmpty(t, f.reopenedClosed, "the log's known anomaly: cases reopened after closing")

	// Without SkipBadRows, the first bad row (a time earlier than its
	// case's previous row, or an unknown state) stops the run, naming it.
	require.NotEmpty(t, f.backwardRows, "the log's rows out of time order")
	_, err := replay.Run(context.Background(), openLog(t, path), m, replay.Options{}, nil)
	var re *replay.RowError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, min(f.badStateRows[0], f.backwardRows[0]), re.Row)

	results := map[string]*replay.CaseResult{}
	sum, err := replay.Run(context.Background(), openLog(t, path), m, replay.Options{SkipBadRows: true},
		func(r *replay.CaseResult) error {
			if results[r.Case] != nil {
				return errors.New("case reported twice: " + r.Case)
			}
			results[r.Case] = r
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, len(f.cases), sum.Cases, "cases = distinct case IDs")
	assert.Equal(t, len(f.cases), len(results))
	assert.Equal(t, len(f.badStateRows)+len(f.backwardRows), sum.SkippedRows)
	for _, r := range results {
		if r.Conformant {
			assert.Empty(t, r.Deviations)
			continue
		}
		require.NotEmpty(t, r.Deviations, r.Case)
		for _, d := range r.Deviations {
			require.NotEmpty(t, d.Requirements, "case %s row %d cites no requirement: %s", r.Case, d.Row, d.Message)
		}
	}
	primary := func(c, id string) bool {
		for _, d := range results[c].Deviations {
			if !d.Consequence && slices.Contains(d.IDs(), id) {
				return true
			}
		}
		return false
	}
	for _, c := range f.closedNoResolv {
		assert.True(t, primary(c, "INC-06"), "case %s closed without resolution: want an INC-06 deviation, got %+v", c, results[c].Deviations)
	}
	for _, c := range f.reopenedClosed {
		assert.True(t, primary(c, "INC-16"), "case %s reopened after closing: want an INC-16 deviation, got %+v", c, results[c].Deviations)
	}
	t.Logf("%d cases, %d events, %.1f%% conformant, %d deviations (%d consequences), %.0f events/s",
		sum.Cases, sum.Events, sum.ConformantPercent(), sum.Deviations, sum.Consequences, sum.EventsPerSecond())
}

// TestServiceNowMiningViews: the variants and the times between states of
// the real log's summary equal those computed from the raw CSV, and its
// fitness is the sum of its cases'.
func TestServiceNowMiningViews(t *testing.T) {
	path := dataFile(t, serviceNowLog)
	m := serviceNowMapping(t)
	f := scanFacts(t, path, m.States)
	results := map[string]*replay.CaseResult{}
	sum, err := replay.Run(context.Background(), openLog(t, path), m, replay.Options{SkipBadRows: true},
		func(r *replay.CaseResult) error { results[r.Case] = r; return nil })
	require.NoError(t, err)

	variants := map[string]int{}
	edgeTimes := map[[2]string][]time.Duration{}
	groupEvents, handOffs := map[string]int{}, map[[2]string]int{}
	total, pingPong := 0, 0
	accepted, replayed := 0, 0
	for _, c := range f.order {
		r := results[c]
		require.NotNil(t, r, c)
		accepted += r.Accepted
		replayed += r.Replayed
		states, times, groups := f.states[c], f.times[c], f.groups[c]
		if r.Replayed < len(states) {
			// A case whose incident could not be logged replays its first
			// row alone.
			require.Equal(t, 1, r.Replayed, c)
			states, times, groups = states[:1], times[:1], groups[:1]
		}
		var seq []string // the case's groups, repeats and nulls dropped
		for _, g := range groups {
			if g == "" {
				continue
			}
			groupEvents[g]++
			if len(seq) == 0 || seq[len(seq)-1] != g {
				seq = append(seq, g)
			}
		}
		back := false
		for i := 1; i < len(seq); i++ {
			handOffs[[2]string{seq[i-1], seq[i]}]++
			total++
			back = back || slices.Contains(seq[:i-1], seq[i])
		}
		if back {
			pingPong++
		}
		path := []string{states[0]}
		entered := times[0]
		for i := 1; i < len(states); i++ {
			if states[i] == states[i-1] {
				continue
			}
			k := [2]string{states[i-1], states[i]}
			edgeTimes[k] = append(edgeTimes[k], times[i].Sub(entered))
			entered = times[i]
			path = append(path, states[i])
		}
		variants[strings.Join(path, " > ")]++
	}
	assert.Equal(t, accepted, sum.AcceptedEvents)
	assert.Equal(t, replayed, sum.ReplayedEvents)
	assert.InDelta(t, float64(accepted)/float64(replayed), sum.Fitness, 1e-12)

	assert.Equal(t, len(variants), sum.VariantCount)
	require.Len(t, sum.Variants, min(len(variants), replay.MaxVariants))
	for i, v := range sum.Variants {
		assert.Equal(t, variants[strings.Join(v.States, " > ")], v.Cases, "variant %v", v.States)
		if i > 0 {
			assert.LessOrEqual(t, v.Cases, sum.Variants[i-1].Cases, "the most frequent first")
		}
	}

	quantile := func(ds []time.Duration, q float64) time.Duration {
		slices.Sort(ds)
		return ds[max(int(math.Ceil(q*float64(len(ds))))-1, 0)]
	}
	timed := 0
	for _, e := range sum.Edges {
		if e.From == "" {
			continue
		}
		ds := edgeTimes[[2]string{e.From, e.To}]
		require.Len(t, ds, e.Count, "%s -> %s", e.From, e.To)
		for _, q := range []struct {
			q   float64
			got time.Duration
		}{{0.5, e.Median}, {0.9, e.P90}} {
			want := quantile(ds, q.q)
			if want < time.Second {
				assert.Zero(t, q.got, "%s -> %s q%v", e.From, e.To, q.q)
				continue
			}
			assert.InEpsilon(t, want.Seconds(), q.got.Seconds(), 0.006, "%s -> %s q%v: want %s, got %s", e.From, e.To, q.q, want, q.got)
		}
		timed++
	}
	assert.Equal(t, len(edgeTimes), timed, "every change of state the CSV holds is an edge")
	assert.Equal(t, len(groupEvents), sum.GroupCount)
	require.Len(t, sum.Groups, min(len(groupEvents), replay.MaxResources))
	for _, g := range sum.Groups {
		assert.Equal(t, groupEvents[g.Name], g.Events, g.Name)
	}
	assert.Equal(t, total, sum.HandOffTotal)
	assert.Equal(t, pingPong, sum.PingPongCases)
	require.Len(t, sum.HandOffs, min(len(handOffs), replay.MaxResources))
	for _, h := range sum.HandOffs {
		assert.Equal(t, handOffs[[2]string{h.From, h.To}], h.Count, "%s > %s", h.From, h.To)
	}
	t.Logf("fitness %.4f, %d variants, %d timed edges, %d groups, %d hand-offs, %d cases back to a group they had left",
		sum.Fitness, sum.VariantCount, timed, sum.GroupCount, sum.HandOffTotal, sum.PingPongCases)
}
