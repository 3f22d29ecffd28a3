package replay_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms/replay"
)

// xesTinyMapping is tinyMapping reading the case ID from a trace's "id"
// attribute, as an XES log holds it (case:id); a CSV log with the column
// case:id is read with the same mapping.
var xesTinyMapping = strings.NewReplacer(`"case": "id"`, `"case": "case:id"`, `{id}`, `{case:id}`).Replace(tinyMapping)

// xesTiny is an XES log of two cases; xesTinyCSV the same log as CSV.
const xesTiny = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="who" value="unknown"/></global>
  <classifier name="state" keys="state"/>
  <string key="concept:name" value="the tiny log"/>
  <trace>
    <string key="id" value="A"/>
    <event>
      <string key="state" value="new"/><date key="at" value="2026-01-01 10:00"/><string key="who" value="ann"/>
    </event>
    <event>
      <string key="state" value="work"/><date key="at" value="2026-01-01 10:05"/>
      <string key="who" value="ann"><string key="who" value="a nested attribute, passed over"/></string>
      <list key="l"><values><string key="state" value="closed"/></values></list>
    </event>
    <event><string key="state" value="closed"/><date key="at" value="2026-01-01 11:00"/><string key="who" value="ann"/></event>
  </trace>
  <trace>
    <string key="id" value="B"/>
    <event><string key="state" value="new"/><date key="at" value="2026-01-02 09:00"/><string key="who" value="bob"/></event>
    <event><string key="state" value="done"/><date key="at" value="2026-01-02 09:30"/><string key="who" value="bob"/></event>
  </trace>
</log>
`

const xesTinyCSV = "case:id,state,at,who\n" +
	"A,new,2026-01-01 10:00,ann\nA,work,2026-01-01 10:05,ann\nA,closed,2026-01-01 11:00,ann\n" +
	"B,new,2026-01-02 09:00,bob\nB,done,2026-01-02 09:30,bob\n"

// caseVerdicts is what a run says of each case, rows aside: conformant or
// not, and the requirements of its deviations in order.
func caseVerdicts(t testing.TB, src io.Reader, m *replay.Mapping, opts replay.Options) (*replay.Summary, map[string]string) {
	t.Helper()
	out := map[string]string{}
	sum, err := replay.Run(context.Background(), src, m, opts, func(r *replay.CaseResult) error {
		var ids []string
		for _, d := range r.Deviations {
			ids = append(ids, fmt.Sprintf("%v%v", d.IDs(), d.Consequence))
		}
		out[r.Case] = fmt.Sprintf("conformant=%v events=%d %s", r.Conformant, r.Events, strings.Join(ids, " "))
		return nil
	})
	require.NoError(t, err)
	return sum, out
}

// byRequirement is the summary's counts per requirement, without the
// example's row, which is a line of the file.
func byRequirement(s *replay.Summary) []replay.RequirementCount {
	out := slices.Clone(s.ByRequirement)
	for i := range out {
		out[i].ExampleRow = 0
	}
	return out
}

// TestXESIsReadAsCSV: an XES log replays with the same mapping as the
// same log in CSV, to the same verdicts; a deviation's row is the line of
// its <event>.
func TestXESIsReadAsCSV(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, xesTinyMapping)
	xs, xv := caseVerdicts(t, strings.NewReader(xesTiny), m, replay.Options{})
	cs, cv := caseVerdicts(t, strings.NewReader(xesTinyCSV), m, replay.Options{})
	assert.Equal(t, cv, xv)
	require.Len(t, xv, 2)
	assert.Equal(t, 5, xs.Events)
	assert.Equal(t, cs.Events, xs.Events)
	assert.Equal(t, cs.Deviations, xs.Deviations)
	assert.Equal(t, byRequirement(cs), byRequirement(xs))
	assert.Positive(t, xs.Deviations, "case A is closed unresolved and B resolved without work: both deviate")

	var rows []int
	_, err := replay.Run(context.Background(), strings.NewReader(xesTiny), m, replay.Options{}, func(r *replay.CaseResult) error {
		for _, d := range r.Deviations {
			rows = append(rows, d.Row)
		}
		return nil
	})
	require.NoError(t, err)
	lines := strings.Split(xesTiny, "\n")
	for _, row := range rows {
		require.True(t, row >= 1 && row <= len(lines), "row %d", row)
		assert.Contains(t, lines[row-1], "<event>", "a deviation's row is its event's line")
	}
}

// TestXESProblems: what is wrong with an XES log is a typed error naming
// where.
func TestXESProblems(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, xesTinyMapping)
	run := func(log string, opts replay.Options) error {
		_, err := replay.Run(context.Background(), strings.NewReader(log), m, opts, nil)
		return err
	}

	// A key the mapping reads that the first trace and the globals lack.
	noWho := strings.NewReplacer(`<global scope="event"><string key="who" value="unknown"/></global>`, "", `key="who"`, `key="org:resource"`).Replace(xesTiny)
	var me *replay.MappingError
	require.ErrorAs(t, run(noWho, replay.Options{}), &me)
	assert.Contains(t, me.Error(), `"who"`)
	// Declared by a global, it is read as empty where an event lacks it.
	require.NoError(t, run(strings.Replace(xesTiny, `<string key="who" value="ann"/>`, "", 1), replay.Options{}))

	rowErr := func(name, log string, opts replay.Options, line int, problem string) {
		t.Helper()
		var re *replay.RowError
		require.ErrorAs(t, run(log, opts), &re, name)
		assert.Contains(t, re.Error(), problem, name)
		if line > 0 {
			assert.Equal(t, line, re.Row, name)
		}
	}
	rowErr("another root", "<?xml version=\"1.0\"?>\n<html><body/></html>", replay.Options{}, 2, "not an XES <log>")
	rowErr("unclosed event", xesTiny[:strings.Index(xesTiny, "<trace>\n    <string key=\"id\" value=\"B\"/>")]+"<trace><event>", replay.Options{}, 0, "malformed XES")
	rowErr("bad XML", strings.Replace(xesTiny, `value="bob"/>`, `value="bob">`, 1), replay.Options{}, 0, "malformed XES")
	huge := strings.Replace(xesTiny, `value="ann"/>`, `value="`+strings.Repeat("x", 64<<10)+`"/>`, 1)
	rowErr("event past the limit", huge, replay.Options{MaxRowBytes: 8 << 10}, 0, "larger than 8192 bytes")
	require.NoError(t, run(huge, replay.Options{}), "under the default limit")
	rowErr("no log", "<?xml version=\"1.0\"?>\n", replay.Options{}, 1, "no XES <log>")
}

// FuzzXESReader: whatever the bytes, the reader returns cases or a typed
// error, never a panic.
func FuzzXESReader(f *testing.F) {
	f.Add([]byte(xesTiny))
	f.Add([]byte(`<log><trace><string key="id" value="A"/><event><string key="state" value="new"/></event></trace></log>`))
	f.Add([]byte(`<log><global scope="trace"><string key="id"/></global><trace><event></event>`))
	m := mustMapping(f, xesTinyMapping)
	f.Fuzz(func(t *testing.T, data []byte) {
		drainReader(t, data, m, replay.ReaderOptions{SkipBadRows: len(data)%2 == 0, MaxRowBytes: 4096}, true)
	})
}

// csvToXES writes the CSV log as XES: a trace per run of rows of one case
// (caseCol), named by it (concept:name), each row an event holding every
// column as a string attribute under the column's name.
func csvToXES(w io.Writer, src io.Reader, caseCol string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := csv.NewReader(src)
	header, err := r.Read()
	if err != nil {
		return err
	}
	ci := slices.Index(header, caseCol)
	if ci < 0 {
		return fmt.Errorf("no column %q", caseCol)
	}
	attr := func(key, value string) {
		bw.WriteString(`<string key="`)
		xml.EscapeText(bw, []byte(key))
		bw.WriteString(`" value="`)
		xml.EscapeText(bw, []byte(value))
		bw.WriteString(`"/>`)
	}
	bw.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1.0\">\n")
	open := ""
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if rec[ci] != open || open == "" {
			if open != "" {
				bw.WriteString("</trace>\n")
			}
			open = rec[ci]
			bw.WriteString("<trace>")
			attr("concept:name", open)
			bw.WriteString("\n")
		}
		bw.WriteString("<event>")
		for i, h := range header {
			attr(h, rec[i])
		}
		bw.WriteString("</event>\n")
	}
	if open != "" {
		bw.WriteString("</trace>\n")
	}
	bw.WriteString("</log>\n")
	return bw.Flush()
}

// TestServiceNowXES: the ServiceNow log converted to XES (a trace per
// case, concept:name its number, every column an event attribute) replays
// with the CSV's mapping, its case read from case:concept:name, to the
// same summary and the same verdict on every case as the CSV.
func TestServiceNowXES(t *testing.T) {
	path := dataFile(t, serviceNowLog)
	raw, err := os.ReadFile("mappings/servicenow-incident.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	doc["case"] = "case:concept:name"
	raw, err = json.Marshal(doc)
	require.NoError(t, err)
	xm, err := replay.ParseMapping(strings.NewReader(string(raw)))
	require.NoError(t, err)

	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(csvToXES(pw, openLog(t, path), "number")) }()
	defer pr.Close()
	opts := replay.Options{SkipBadRows: true}
	xs, xv := caseVerdicts(t, pr, xm, opts)
	cs, cv := caseVerdicts(t, openLog(t, path), serviceNowMapping(t), opts)

	assert.Equal(t, cs.Cases, xs.Cases)
	assert.Equal(t, cs.Events, xs.Events)
	assert.Equal(t, cs.SkippedRows, xs.SkippedRows)
	assert.Equal(t, cs.Deviations, xs.Deviations)
	assert.Equal(t, cs.Consequences, xs.Consequences)
	assert.Equal(t, byRequirement(cs), byRequirement(xs))
	assert.Equal(t, len(cv), len(xv))
	differ := 0
	for c, v := range cv {
		if xv[c] != v {
			differ++
			if differ <= 3 {
				t.Errorf("case %s: CSV %s, XES %s", c, v, xv[c])
			}
		}
	}
	assert.Zero(t, differ, "cases judged otherwise")
	t.Logf("XES: %d cases, %d events, %d deviations, %.1f%% conformant, %.0f events/s", xs.Cases, xs.Events, xs.Deviations, xs.ConformantPercent(), xs.EventsPerSecond())
}
