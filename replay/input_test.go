package replay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyMapping reads a minimal comma-separated log.
const tinyMapping = `{
  "name": "tiny",
  "case": "id", "state": {"columns": ["state"]},
  "time": {"column": "at", "layout": "2006-01-02 15:04"},
  "actor": {"column": "who"},
  "null": ["-"],
  "states": {"new": {"status": "new"}, "work": {"status": "in_progress", "on_repeat": ["record_action"]},
             "done": {"status": "resolved"}, "closed": {"status": "closed"}},
  "routes": [{"from": ["new"], "to": "in_progress", "triggers": ["classify", "assign", "start"]}],
  "payloads": {
    "log": {"id": "{id}", "summary": "{id} failed", "service": "svc", "source": "user", "reporter": "{who}", "reported_at": "{$time}"},
    "classify": {"category": "c", "impact": "2", "urgency": "2"},
    "assign": {"assignee": "{who}"},
    "record_action": {"text": "worked"},
    "resolve": {"code": "fixed", "notes": "n", "restored_at": "{$time}"},
    "close": {"code": "ok", "confirmation": "caller"}
  }
}`

func TestMappingRefusals(t *testing.T) {
	t.Parallel()
	base := tinyMapping
	cases := map[string]string{
		"not JSON":               `{`,
		"unknown field":          strings.Replace(base, `"name": "tiny",`, `"name": "tiny", "colour": "red",`, 1),
		"no name":                strings.Replace(base, `"name": "tiny",`, `"name": "",`, 1),
		"no time layout":         strings.Replace(base, `"layout": "2006-01-02 15:04"`, `"layout": ""`, 1),
		"unknown status":         strings.Replace(base, `"done": {"status": "resolved"}`, `"done": {"status": "finished"}`, 1),
		"hold without on_hold":   strings.Replace(base, `"done": {"status": "resolved"}`, `"done": {"status": "resolved", "hold": "caller"}`, 1),
		"on_hold without hold":   strings.Replace(base, `"done": {"status": "resolved"}`, `"done": {"status": "on_hold"}`, 1),
		"unknown route status":   strings.Replace(base, `"to": "in_progress"`, `"to": "working"`, 1),
		"route fires log":        strings.Replace(base, `["classify", "assign", "start"]`, `["log"]`, 1),
		"route unknown trigger":  strings.Replace(base, `["classify", "assign", "start"]`, `["teleport"]`, 1),
		"unknown payload field":  strings.Replace(base, `"record_action": {"text": "worked"}`, `"record_action": {"txt": "worked"}`, 1),
		"payload of accept":      strings.Replace(base, `"record_action": {"text": "worked"}`, `"accept_major": {"manager": "x"}`, 1),
		"unclosed brace":         strings.Replace(base, `"{id} failed"`, `"{id failed"`, 1),
		"stray brace":            strings.Replace(base, `"{id} failed"`, `"id} failed"`, 1),
		"unknown filter":         strings.Replace(base, `"{who}"}`, `"{who|shout}"}`, 1),
		"unknown variable":       strings.Replace(base, `"reporter": "{who}"`, `"reporter": "{$whom}"`, 1),
		"unclosed literal":       strings.Replace(base, `"reporter": "{who}"`, `"reporter": "{who,'x}"`, 1),
		"no log payload":         strings.Replace(base, `"log": {`, `"note": {"text": "x"}, "ignored": {`, 1),
		"bad auto close":         strings.Replace(base, `"name": "tiny",`, `"name": "tiny", "policy": {"auto_close_after": "soon"},`, 1),
		"bad comma":              strings.Replace(base, `"name": "tiny",`, `"name": "tiny", "comma": "\""`, 1),
		"bad zone":               strings.Replace(base, `"layout": "2006-01-02 15:04"`, `"layout": "2006-01-02 15:04", "zone": "Mars/Olympus"`, 1),
		"bad on_repeat":          strings.Replace(base, `"on_repeat": ["record_action"]`, `"on_repeat": ["log"]`, 1),
		"no triggers":            strings.Replace(base, `["classify", "assign", "start"]`, `[]`, 1),
		"route to itself":        strings.Replace(base, `"routes": [`, `"routes": [{"from": ["resolved"], "to": "resolved", "triggers": ["note"]}, `, 1),
		"route shadowed":         strings.Replace(base, `"routes": [`, `"routes": [{"from": ["*"], "to": "in_progress", "triggers": ["start"]}, `, 1),
		"two values":             base + ` {}`,
		"bad hold reason":        strings.Replace(base, `"done": {"status": "resolved"}`, `"done": {"status": "on_hold", "hold": "vendor"}`, 1),
		"bad source":             strings.Replace(base, `"source": "user"`, `"source": "phone"`, 1),
		"time without filter":    strings.Replace(base, `"reported_at": "{$time}"`, `"reported_at": "{at}"`, 1),
		"number from words":      strings.Replace(base, `"impact": "2"`, `"impact": "{who}"`, 1),
		"literal not a number":   strings.Replace(base, `"impact": "2"`, `"impact": "high"`, 1),
		"map gives bad value":    strings.Replace(base, `"confirmation": "caller"`, `"confirmation": "{who|map:ann=caller,bob=maybe}"`, 1),
		"map without value":      strings.Replace(base, `"impact": "2"`, `"impact": "{who|map:ann}"`, 1),
		"map twice":              strings.Replace(base, `"impact": "2"`, `"impact": "{who|map:ann=1,ann=2}"`, 1),
		"impact off the matrix":  strings.Replace(base, `"impact": "2"`, `"impact": "{who|map:ann=99}"`, 1),
		"urgency off the matrix": strings.Replace(base, `"urgency": "2"`, `"urgency": "4"`, 1),
	}
	for name, js := range cases {
		_, err := replay.ParseMapping(strings.NewReader(js))
		var me *replay.MappingError
		assert.ErrorAs(t, err, &me, name)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	_, err := replay.ParseMapping(strings.NewReader(base))
	require.NoError(t, err)

	// What the errors say: where the JSON is wrong, the route as counted
	// in the file (from 1), what may be fired instead.
	for name, c := range map[string]struct{ js, want string }{
		"position":       {strings.Replace(base, `"case": "id",`, `"case": "id",,`, 1), "near line 3, column 16"},
		"type position":  {strings.Replace(base, `"name": "tiny",`, `"name": 7,`, 1), "near line 2, column 11"},
		"route number":   {strings.Replace(base, `["classify", "assign", "start"]`, `["teleport"]`, 1), "route 1: trigger \"teleport\" cannot be replayed (replayable: "},
		"shadowed by":    {strings.Replace(base, `"routes": [`, `"routes": [{"from": ["*"], "to": "*", "triggers": ["note"]}, `, 1), "route 2 never fires: route 1"},
		"to itself":      {strings.Replace(base, `"routes": [`, `"routes": [{"from": ["resolved"], "to": "resolved", "triggers": ["note"]}, `, 1), "route 1 goes from resolved to itself"},
		"unknown status": {strings.Replace(base, `"to": "in_progress"`, `"to": "working"`, 1), "(statuses: new, "},
	} {
		_, err := replay.ParseMapping(strings.NewReader(c.js))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}

	// A layout may be named as the time package names it.
	named, err := replay.ParseMapping(strings.NewReader(strings.Replace(base, `"layout": "2006-01-02 15:04"`, `"layout": "RFC3339"`, 1)))
	require.NoError(t, err)
	assert.Equal(t, time.RFC3339, named.Time.Layout)
	named, err = replay.ParseMapping(strings.NewReader(strings.Replace(base, `"layout": "2006-01-02 15:04"`, `"layout": "time.DateTime"`, 1)))
	require.NoError(t, err)
	assert.Equal(t, time.DateTime, named.Time.Layout)
	// An on_hold to on_hold route fires between two hold reasons.
	_, err = replay.ParseMapping(strings.NewReader(strings.Replace(base, `"routes": [`, `"routes": [{"from": ["on_hold"], "to": "on_hold", "triggers": ["resume", "hold"]}, `, 1)))
	require.NoError(t, err)
}

// TestTimeRunsBackwards: a row earlier than its case's previous row is a
// bad row naming both, skipped with SkipBadRows.
func TestTimeRunsBackwards(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 09:00,ann\nA,work,2026-01-01 11:00,ann\n"
	_, _, err := runTiny(t, log, replay.Options{})
	var re *replay.RowError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Row)
	assert.Equal(t, "at", re.Column)
	assert.Contains(t, err.Error(), "before the case's previous row (line 2")
	sum, _, err := runTiny(t, log, replay.Options{SkipBadRows: true, MaxSkipped: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.SkippedRows)
	assert.Equal(t, 2, sum.Events)
}

func runTiny(t *testing.T, log string, opts replay.Options) (*replay.Summary, []*replay.CaseResult, error) {
	t.Helper()
	m := mustMapping(t, tinyMapping)
	var results []*replay.CaseResult
	sum, err := replay.Run(context.Background(), strings.NewReader(log), m, opts,
		func(r *replay.CaseResult) error { results = append(results, r); return nil })
	return sum, results, err
}

const tinyHeader = "id,state,at,who\n"

// TestBadRows: each bad row is a clear error naming the row, or with
// SkipBadRows is skipped and counted; never a panic.
func TestBadRows(t *testing.T) {
	t.Parallel()
	good := "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\n"
	cases := []struct {
		name, row, column string
		line              int
	}{
		{"malformed row", "B,new,2026-01-01 10:00\n", "", 4},
		{"unknown state", "B,pondering,2026-01-01 10:00,bob\n", "state", 4},
		{"unparsable time", "B,new,yesterday,bob\n", "at", 4},
		{"no case ID", "-,new,2026-01-01 10:00,bob\n", "id", 4},
		{"bare quote", "B,new,2026-01-01 \"10:00,bob\n", "", 4},
		{"case reappears", "B,new,2026-01-01 10:00,bob\nA,work,2026-01-01 11:00,ann\n", "id", 5},
	}
	for _, tc := range cases {
		log := tinyHeader + good + tc.row
		_, _, err := runTiny(t, log, replay.Options{})
		var re *replay.RowError
		require.ErrorAs(t, err, &re, tc.name)
		assert.Equal(t, tc.line, re.Row, tc.name)
		assert.Equal(t, tc.column, re.Column, tc.name)
		assert.ErrorIs(t, err, sms.ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), "row", tc.name)

		sum, results, err := runTiny(t, log+"C,new,2026-01-02 09:00,cy\n", replay.Options{SkipBadRows: true, MaxSkipped: 1})
		require.NoError(t, err, tc.name)
		assert.Equal(t, 1, sum.SkippedRows, tc.name)
		require.Len(t, sum.RowErrors, 1, tc.name)
		assert.Equal(t, tc.line, sum.RowErrors[0].Row, tc.name)
		var ids []string
		for _, r := range results {
			ids = append(ids, r.Case)
		}
		assert.Contains(t, ids, "C", "%s: the run continues after a skipped row", tc.name)
	}
}

func TestHeaderProblems(t *testing.T) {
	t.Parallel()
	_, _, err := runTiny(t, "", replay.Options{})
	var re *replay.RowError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Row)
	_, _, err = runTiny(t, "id,state,at\nA,new,2026-01-01 10:00\n", replay.Options{})
	var me *replay.MappingError
	require.ErrorAs(t, err, &me, "a column the mapping needs is missing")
	assert.Contains(t, me.Problem, `"who"`)
	_, _, err = runTiny(t, "id,id,state,at,who\n", replay.Options{})
	require.ErrorAs(t, err, &re)
	// A byte-order mark before the header is tolerated.
	sum, _, err := runTiny(t, "\ufeff"+tinyHeader+"A,new,2026-01-01 10:00,ann\n", replay.Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Cases)
}

// TestRepeatedStatesAreNotDeviations: updates without a change of state
// fire only the state's on_repeat triggers.
func TestRepeatedStatesAreNotDeviations(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,new,2026-01-01 10:01,ann\nA,work,2026-01-01 10:05,ann\n" +
		"A,work,2026-01-01 10:06,ann\nA,work,2026-01-01 10:07,ann\nA,done,2026-01-01 11:00,ann\nA,done,2026-01-01 11:01,ann\n" +
		"A,closed,2026-01-01 12:00,ann\nA,closed,2026-01-01 12:01,ann\n"
	sum, results, err := runTiny(t, log, replay.Options{})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.True(t, results[0].Conformant, "%+v", results[0].Deviations)
	assert.Equal(t, 9, sum.Events)
	assert.Equal(t, 1, sum.Conformant)
	assert.InDelta(t, 100.0, sum.ConformantPercent(), 0.001)
}

// TestEachErrorStops: an error from the callback stops the run.
func TestEachErrorStops(t *testing.T) {
	t.Parallel()
	log := tinyHeader
	for _, id := range []string{"A", "B", "C", "D", "E", "F"} {
		log += id + ",new,2026-01-01 10:00,ann\n"
	}
	stop := errors.New("enough")
	m := mustMapping(t, tinyMapping)
	n := 0
	_, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{Workers: 2},
		func(*replay.CaseResult) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = replay.Run(ctx, strings.NewReader(log), m, replay.Options{}, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// FuzzReader feeds arbitrary bytes to the CSV reader and the replay: every
// outcome is a case, io.EOF or a typed error; nothing panics.
func FuzzReader(f *testing.F) {
	f.Add([]byte(tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\nA,done,2026-01-01 11:00,ann\n"))
	f.Add([]byte(tinyHeader + "A,new,2026-01-01 10:00,ann\nB,\"work\nx\",2026-01-01 10:05,\"a\"\"nn\"\n"))
	f.Add([]byte("id,state,at,who\n,,,\n\"\n"))
	f.Add([]byte(tinyHeader + "A,closed,2026-01-01 10:00,ann\nA,work,9999-12-31 23:59,ann\nA,done,0000-01-01 00:00,\n"))
	m := mustMapping(f, tinyMapping)
	f.Fuzz(func(t *testing.T, data []byte) {
		drainReader(t, data, m, replay.ReaderOptions{SkipBadRows: len(data)%2 == 0}, false)
		_, err := replay.Run(context.Background(), strings.NewReader(string(data)), m, replay.Options{SkipBadRows: true, Workers: 1}, nil)
		if err != nil && !errors.Is(err, sms.ErrInvalid) {
			t.Fatalf("replay failed with an untyped error: %v", err)
		}
	})
}

// drainReader reads the log's cases to the end, failing on a panic, an
// untyped error, an error without its row or an empty case. A mapping
// error may stop Next too where mappingInNext is set (an XES log's missing
// keys are found in its first trace).
func drainReader(t *testing.T, data []byte, m *replay.Mapping, opts replay.ReaderOptions, mappingInNext bool) {
	t.Helper()
	rd, err := replay.NewReader(strings.NewReader(string(data)), m, opts)
	if err != nil {
		var re *replay.RowError
		var me *replay.MappingError
		if !errors.As(err, &re) && !errors.As(err, &me) {
			t.Fatalf("untyped error: %v", err)
		}
		return
	}
	for range 10000 {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var re *replay.RowError
			var me *replay.MappingError
			if !(mappingInNext && errors.As(err, &me)) && (!errors.As(err, &re) || re.Row < 1) {
				t.Fatalf("untyped error or no row: %v", err)
			}
			return
		}
		if c.ID == "" || len(c.Events) == 0 {
			t.Fatalf("empty case %+v", c)
		}
	}
}

// TestSkippedShare: a run that skips more than its share of the rows
// (1% by default) returns its summary with a *SkippedError, which says
// when the log is not grouped by case; a log of a header alone is a
// RowError; a share outside 0 to 1 is refused.
func TestSkippedShare(t *testing.T) {
	t.Parallel()
	good := "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\n"
	sum, _, err := runTiny(t, tinyHeader+good+"B,new,yesterday,bob\n", replay.Options{SkipBadRows: true})
	var se *replay.SkippedError
	require.ErrorAs(t, err, &se)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	require.NotNil(t, sum, "the summary comes with the error")
	assert.Equal(t, 3, sum.Rows)
	assert.Equal(t, 1, se.Skipped)
	assert.Equal(t, 3, se.Rows)
	assert.Equal(t, replay.DefaultMaxSkipped, se.Max)
	assert.False(t, se.Unsorted)
	assert.Contains(t, err.Error(), "1 of 3 rows skipped")
	assert.Contains(t, err.Error(), "unparsable time")

	_, _, err = runTiny(t, tinyHeader+good+"B,new,yesterday,bob\n", replay.Options{SkipBadRows: true, MaxSkipped: 0.5})
	require.NoError(t, err, "a third of the rows is within half")

	unsorted := tinyHeader + good + "B,new,2026-01-01 10:00,bob\nA,work,2026-01-01 11:00,ann\n"
	_, _, err = runTiny(t, unsorted, replay.Options{SkipBadRows: true})
	require.ErrorAs(t, err, &se)
	assert.True(t, se.Unsorted)
	assert.Contains(t, err.Error(), "sort the log by case")

	_, _, err = runTiny(t, tinyHeader, replay.Options{})
	var re *replay.RowError
	require.ErrorAs(t, err, &re, "a header and no rows")
	assert.Equal(t, 2, re.Row)

	for _, bad := range []float64{-0.1, 1.5} {
		_, _, err := runTiny(t, tinyHeader+good, replay.Options{MaxSkipped: bad})
		assert.ErrorIs(t, err, sms.ErrInvalid, "%g", bad)
	}
}

// TestEncodings: a cell that is not UTF-8 is a RowError naming its row
// and column and saying which encodings to try; read as latin1 or
// windows-1252 the same bytes are their characters; an unknown encoding is
// refused.
func TestEncodings(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,Jos\xe9\nA,work,2026-01-01 10:05,\x80ann\n"
	_, _, err := runTiny(t, log, replay.Options{})
	var re *replay.RowError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 2, re.Row)
	assert.Equal(t, "who", re.Column)
	assert.Contains(t, err.Error(), "latin1 or windows-1252")

	m := mustMapping(t, tinyMapping)
	for enc, want := range map[string][]string{
		replay.EncodingLatin1:      {"José", "\u0080ann"},
		replay.EncodingWindows1252: {"José", "€ann"},
	} {
		rd, err := replay.NewReader(strings.NewReader(log), m, replay.ReaderOptions{Encoding: enc})
		require.NoError(t, err, enc)
		c, err := rd.Next()
		require.NoError(t, err, enc)
		require.Len(t, c.Events, 2, enc)
		assert.Equal(t, want, []string{c.Events[0].Actor, c.Events[1].Actor}, enc)
		_, _, err = runTiny(t, log, replay.Options{Encoding: enc})
		require.NoError(t, err, enc)
	}
	_, err = replay.NewReader(strings.NewReader(log), m, replay.ReaderOptions{Encoding: "ebcdic"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestInterruptedRunIsConsistent: a run whose context ends part-way
// finishes the cases under way and reports exactly the cases it stored.
func TestInterruptedRunIsConsistent(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(tinyHeader)
	for i := range 400 {
		fmt.Fprintf(&b, "C%03d,new,2026-01-01 10:00,ann\nC%03d,work,2026-01-01 10:05,ann\n", i, i)
	}
	m := mustMapping(t, tinyMapping)
	target := memstore.New[*incident.Incident]()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reported []string
	sum, err := replay.Run(ctx, strings.NewReader(b.String()), m, replay.Options{Target: target, Workers: 4}, func(r *replay.CaseResult) error {
		reported = append(reported, r.Case)
		if len(reported) == 5 {
			cancel() // Ctrl-C
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, sum)
	assert.True(t, sum.Interrupted)
	assert.Less(t, sum.Cases, 400, "the run stopped reading")
	assert.Equal(t, sum.Cases, len(reported))
	stored := 0
	require.NoError(t, sms.VerifyRecords(context.Background(), target, sms.Query{}, func(*incident.Incident, []sms.Entry) bool {
		stored++
		return true
	}, func(id string, err error) error { return err }))
	assert.Equal(t, len(reported), stored, "what was reported is what was stored")
	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "INTERRUPTED")
}

// TestInputLimits: a row larger than its limit (one huge field, a quote
// that never closes) and a case of more rows than its limit stop the read
// with a RowError, skipping or not, having read no more than the limit.
func TestInputLimits(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, tinyMapping)
	huge := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05," + strings.Repeat("x", 50_000) + "\n"
	unclosed := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,\"" + strings.Repeat("y\n", 30_000)
	for name, log := range map[string]string{"huge field": huge, "unclosed quote": unclosed} {
		for _, skip := range []bool{false, true} {
			src := &countReader{r: strings.NewReader(log)}
			rd, err := replay.NewReader(src, m, replay.ReaderOptions{MaxRowBytes: 1000, SkipBadRows: skip})
			require.NoError(t, err, name)
			_, err = rd.Next()
			var re *replay.RowError
			require.ErrorAs(t, err, &re, name)
			assert.Contains(t, err.Error(), "larger than 1000 bytes", name)
			assert.Equal(t, 3, re.Row, name)
			assert.Less(t, src.n, 1000+8192, "%s: read no further than the limit", name)
		}
	}

	many := tinyHeader + strings.Repeat("A,work,2026-01-01 10:05,ann\n", 4)
	rd, err := replay.NewReader(strings.NewReader(many), m, replay.ReaderOptions{MaxRowsPerCase: 3, SkipBadRows: true})
	require.NoError(t, err)
	_, err = rd.Next()
	require.ErrorContains(t, err, "more than 3 rows")

	_, err = replay.NewReader(strings.NewReader(many), m, replay.ReaderOptions{MaxRowBytes: -1})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestSeenCasesAreCompact: the cases a reader has finished are kept in
// about 8 bytes each, and a case that reappears after many others is still
// told apart.
func TestSeenCasesAreCompact(t *testing.T) {
	// Not parallel: it measures the heap.
	const n = 200_000
	var b strings.Builder
	b.WriteString(tinyHeader)
	for i := range n {
		fmt.Fprintf(&b, "CASE-%09d-with-a-long-identifier,new,2026-01-01 10:00,ann\n", i)
	}
	b.WriteString("CASE-000000007-with-a-long-identifier,work,2026-01-01 11:00,ann\n")
	m := mustMapping(t, tinyMapping)
	rd, err := replay.NewReader(strings.NewReader(b.String()), m, replay.ReaderOptions{})
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cases := 0
	for {
		_, err := rd.Next()
		if err != nil {
			require.ErrorContains(t, err, "reappears after other cases")
			break
		}
		cases++
	}
	assert.Equal(t, n-1, cases, "the case the reappearing row follows is not handed on")
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	assert.Less(t, grown, int64(n*24), "%d bytes kept for %d cases", grown, n)
	runtime.KeepAlive(rd)
}

// TestDataErrorsAreNotDeviations: a command the row's data makes invalid
// (a category ending in a space, which the service refuses as an ID) is
// a data error, counted
// apart and citing no requirement; a filter that cannot render (|int on a
// word, a word the map lacks) makes the row bad; words mapped to numbers
// replay.
func TestDataErrorsAreNotDeviations(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,Jos\u00e9\n"
	run := func(field, value string) (*replay.Summary, []*replay.CaseResult, error) {
		m := mustMapping(t, strings.Replace(tinyMapping, `"`+field+`": "`+map[string]string{"category": "c", "impact": "2"}[field]+`"`, `"`+field+`": "`+value+`"`, 1))
		var results []*replay.CaseResult
		sum, err := replay.Run(context.Background(), strings.NewReader(log), m, replay.Options{Workers: 1},
			func(r *replay.CaseResult) error { results = append(results, r); return nil })
		return sum, results, err
	}
	sum, results, err := run("category", "{who} ")
	require.NoError(t, err)
	assert.Equal(t, 1, sum.DataErrors)
	assert.Equal(t, 1, sum.DataErrorCases)
	require.NotNil(t, sum.DataErrorExample)
	assert.Equal(t, incident.TriggerClassify, sum.DataErrorExample.Trigger)
	assert.Zero(t, sum.ByKind[replay.KindInvalid], "no deviation of kind invalid")
	for _, rc := range sum.ByRequirement {
		assert.Zero(t, rc.Deviations, "%s: a data error breaches no requirement", rc.ID)
	}
	require.Len(t, results, 1)
	assert.False(t, results[0].Conformant)
	require.Len(t, results[0].DataErrors, 1)
	assert.Equal(t, 3, results[0].DataErrors[0].Row)
	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "data errors        1 in 1 cases")

	sum, _, err = run("impact", "{who|map:ann=2,Jos\u00e9=3}")
	require.NoError(t, err)
	assert.Zero(t, sum.DataErrors)
	assert.Equal(t, 1, sum.Conformant, "words mapped to numbers")

	for _, impact := range []string{"{who|int}", "{who|map:ann=2}"} {
		_, _, err := run("impact", impact)
		var re *replay.RowError
		require.ErrorAs(t, err, &re, impact)
		assert.Equal(t, 3, re.Row, impact)
	}
}

// TestRedEdgesAreTheLogs: a move the workflow refuses because the
// incident is behind the log (a consequence of an earlier refusal) does
// not make its edge red; the refusal the log caused does.
func TestRedEdgesAreTheLogs(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,done,2026-01-01 10:05,ann\nA,closed,2026-01-01 11:00,ann\n"
	sum, results, err := runTiny(t, log, replay.Options{})
	require.NoError(t, err)
	require.Len(t, results, 1)
	devs := results[0].Deviations
	require.GreaterOrEqual(t, len(devs), 2, "%+v", devs)
	assert.False(t, devs[0].Consequence, "resolving what was never worked on is the log's own")
	assert.True(t, devs[len(devs)-1].Consequence, "closing from new only follows from it")
	refused := map[string]int{}
	for _, e := range sum.Edges {
		refused[e.From+">"+e.To] = e.Refused
	}
	assert.Equal(t, 1, refused["new>done"])
	assert.Equal(t, 0, refused["done>closed"], "not red: the incident was behind the log")
}

// TestCheckShowsWhatItWouldDo: Check replays the cases of the first rows
// and writes each row's status and each command with its fields and the
// service's answer, refusals included; nothing past them.
func TestCheckShowsWhatItWouldDo(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\nB,new,2026-01-01 11:00,bob\nB,closed,2026-01-01 11:05,bob\nC,new,2026-01-01 12:00,cy\n"
	m := mustMapping(t, tinyMapping)
	var out strings.Builder
	sum, err := replay.Check(context.Background(), strings.NewReader(log), m, replay.Options{}, 3, &out)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Cases, "A and B started within the first three rows; C did not")
	text := out.String()
	for _, want := range []string{
		`row 2  case A  2026-01-01T10:00:00Z  state "new" -> new`,
		`    log id="A" reported_at="2026-01-01T10:00:00Z" reporter="ann" service="svc" source="user" summary="A failed" -> accepted: new`,
		`    assign assignee="ann" -> accepted: assigned`,
		`    start -> accepted: in_progress`,
		`row 5  case B  2026-01-01T11:05:00Z  state "closed" -> closed`,
		`    close code="ok" confirmation="caller" -> refused: `,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "case C")
	_, err = replay.Check(context.Background(), strings.NewReader(log), m, replay.Options{}, 0, &out)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// TestStoreReceivesEachCase: Options.Store is handed each case's result
// with its incidents and whole journals, in place of Target; its error
// stops the run.
func TestStoreReceivesEachCase(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\nB,new,2026-01-01 11:00,bob\nB,closed,2026-01-01 11:05,bob\n"
	var (
		mu   sync.Mutex
		got  = map[string]int{}
		devs = map[string]int{}
	)
	_, _, err := runTiny(t, log, replay.Options{Store: func(ctx context.Context, res *replay.CaseResult, incs []replay.Replayed) error {
		mu.Lock()
		defer mu.Unlock()
		// On a worker's goroutine: assert, not require.
		if !assert.Len(t, incs, 1) {
			return errors.New("no incident")
		}
		assert.NoError(t, sms.VerifyHead(incs[0].Incident, incs[0].Journal))
		got[res.Case] = len(incs[0].Journal)
		devs[res.Case] = len(res.Deviations)
		return nil
	}})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"A": 4, "B": 1}, got)
	assert.Zero(t, devs["A"])
	assert.NotZero(t, devs["B"], "closing what was never resolved")

	boom := errors.New("the host's store failed")
	_, _, err = runTiny(t, log, replay.Options{Store: func(context.Context, *replay.CaseResult, []replay.Replayed) error { return boom }})
	assert.ErrorIs(t, err, boom)
}

// TestSkipPassesOverStoredCases: Options.Skip is asked with each case's
// incident ID; a case it passes over is not replayed and is counted apart;
// its error stops the run.
func TestSkipPassesOverStoredCases(t *testing.T) {
	t.Parallel()
	log := tinyHeader + "A,new,2026-01-01 10:00,ann\nB,new,2026-01-01 11:00,bob\nC,new,2026-01-01 12:00,cy\n"
	var asked []string
	sum, results, err := runTiny(t, log, replay.Options{Workers: 1, Skip: func(_ context.Context, caseID, id string) (bool, error) {
		asked = append(asked, caseID+"="+id)
		return id == "B", nil
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"A=A", "B=B", "C=C"}, asked)
	assert.Equal(t, 1, sum.Resumed)
	assert.Equal(t, 2, sum.Cases)
	var ids []string
	for _, r := range results {
		ids = append(ids, r.Case)
	}
	assert.Equal(t, []string{"A", "C"}, ids, "in order, without the case passed over")
	boom := errors.New("the store cannot say")
	_, _, err = runTiny(t, log, replay.Options{Skip: func(context.Context, string, string) (bool, error) { return false, boom }})
	assert.ErrorIs(t, err, boom)
}
