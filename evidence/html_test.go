package evidence

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/continuity"
)

// update, -update, rewrites the golden screenshot.
var update = flag.Bool("update", false, "rewrite golden files")

// Hostile host input: markup, quotes of both kinds, an ampersand and a
// fragment-breaking character.
const (
	htmHostileID   = `INC-<script>alert("x")</script>'&#1 /`
	htmHostileText = `<script>alert('pwned')</script> "quoted" & <b>bold</b>`
)

func htmDay(d int) time.Time { return time.Date(2026, time.January, d, 9, 0, 0, 0, time.UTC) }

// htmSamplePack is a hand-built pack: three clauses, four checks (two
// failing), a sweep, a checkpoint, the failing records with journals, two
// diagrams from real workflows and two trends.
func htmSamplePack() *Pack {
	asOf := time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC)
	closure := sms.Requirement{ID: "INC-05", Clause: "8.6.1", Text: "incidents are closed with a resolution"}
	fIncident := sms.Finding{Code: "INCIDENT_CLOSURE_INCOMPLETE", Requirement: closure, Kind: "incident", EntityID: "INC-001", Detail: "closed without a resolution", At: asOf}
	fHostile := sms.Finding{Code: "INCIDENT_CLOSURE_INCOMPLETE", Requirement: closure, Kind: "incident", EntityID: htmHostileID, Detail: htmHostileText, At: asOf}
	fUnverified := sms.Finding{Code: sms.CodeRecordUnverified, Requirement: sms.RecordIntegrity(), Kind: "audit", EntityID: "AUD/2026/1", Detail: "journal truncated", At: asOf}
	fSweep := sms.Finding{Code: "MAJOR_REVIEW_OVERDUE", Requirement: sms.Requirement{ID: "INC-09", Clause: "8.6.1", Text: "major incidents are reviewed"}, Kind: "incident", EntityID: "INC-001", Detail: "review due 2026-01-20", At: asOf}
	verification := sms.NewVerificationResult()
	verification.Population = 42
	verification.Failures = []sms.Finding{fUnverified}
	return &Pack{
		Version: Version,
		Period:  Period{From: time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC), To: asOf},
		AsOf:    asOf,
		Summary: []ClauseSummary{
			{Clause: "7.5.4", Title: "Control of documented information", Checks: 1, Passed: 0, Failed: 1, Examined: 42},
			{Clause: "8.6.1", Title: "Incident management " + htmHostileText, Checks: 2, Passed: 1, Failed: 1, Examined: 17},
			{Clause: "9.2", Title: "Internal audit", Checks: 1, Passed: 1, Failed: 0, Examined: 3},
		},
		Checks: []Check{
			{Process: "kernel", Result: verification},
			{Process: "incident", Number: 1, Result: sms.CheckResult{Check: "incident-closure-completeness", Clause: "8.6.1", Rule: "every closed incident has a resolution", Population: 12, Failures: []sms.Finding{fIncident, fHostile}}},
			{Process: "incident", Number: 2, Result: sms.CheckResult{Check: "major-incident-review", Clause: "8.6.1", Rule: "every major incident is reviewed", Population: 5, Failures: []sms.Finding{}}},
			{Process: "audit", Number: 14, Result: sms.CheckResult{Check: "audit-programme-coverage", Clause: "9.2", Rule: "the programme covers every process", Population: 3, Failures: []sms.Finding{}}},
		},
		Sweeps: []Sweep{
			{Process: "incident", Findings: []sms.Finding{fSweep}},
			{Process: "audit", Findings: []sms.Finding{}},
		},
		Verification: Verification{Records: 42, Unverified: []sms.Finding{fUnverified}, Checkpoint: "checkpoint 7 verifies: 42 heads match"},
		Records: []Record{
			{Kind: "incident", ID: "INC-001", Status: "closed", Journal: []JournalLine{
				{Seq: 1, At: htmDay(3), Trigger: "log", To: "new", Actor: "alice"},
				{Seq: 2, At: htmDay(4), Trigger: "resolve", From: "new", To: "resolved", Actor: "bob", Reason: "rebooted"},
				{Seq: 3, At: htmDay(5), Trigger: "close", From: "resolved", To: "closed", Actor: "bob"},
			}},
			{Kind: "incident", ID: htmHostileID, Status: "closed", Journal: []JournalLine{
				{Seq: 1, At: htmDay(6), Trigger: "log", To: "new", Actor: htmHostileText},
				{Seq: 2, At: htmDay(7), Trigger: "close", From: "new", To: "closed", Actor: "mallory", Reason: htmHostileText},
			}},
			{Kind: "audit", ID: "AUD/2026/1", Status: "fieldwork", Journal: []JournalLine{
				{Seq: 1, At: htmDay(2), Trigger: "plan", To: "planned", Actor: "carol"},
			}},
		},
		Diagrams: []Diagram{
			{Process: "audit", Kind: audit.AuditKind, Mermaid: audit.AuditWorkflow().Mermaid()},
			{Process: "continuity", Kind: continuity.TestKind, Mermaid: continuity.TestWorkflow().Mermaid()},
		},
		Trends: []Trend{
			{Report: "incident-volume", Metric: "opened", Unit: "incidents", Points: []Point{
				{Period: Period{From: htmDay(1).AddDate(0, -3, 0), To: htmDay(1).AddDate(0, -2, 0)}, Value: 12},
				{Period: Period{From: htmDay(1).AddDate(0, -2, 0), To: htmDay(1).AddDate(0, -1, 0)}, Undefined: true},
				{Period: Period{From: htmDay(1).AddDate(0, -1, 0), To: htmDay(1)}, Value: 9},
				{Period: Period{From: htmDay(1), To: htmDay(1).AddDate(0, 1, 0)}, Value: 15},
			}},
			{Report: "sla " + htmHostileText, Metric: "met", Unit: "%", Points: []Point{
				{Period: Period{From: htmDay(1), To: htmDay(1).AddDate(0, 1, 0)}, Value: 99.5},
			}},
		},
	}
}

// htmRender writes p's page and fails the test on error.
func htmRender(t testing.TB, p *Pack) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, p); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

var (
	htmRowRE  = regexp.MustCompile(`(?s)<tr data-clause="([^"]*)"[^>]*>(.*?)</tr>`)
	htmCellRE = regexp.MustCompile(`(?s)<td data-field="(\w+)"[^>]*>(.*?)</td>`)
	htmHrefRE = regexp.MustCompile(`href="#([^"]*)"`)
	htmIDRE   = regexp.MustCompile(`\sid="([^"]*)"`)
)

// htmSummaryRows reads the summary table: per row, its cells by field,
// unescaped.
func htmSummaryRows(page string) []map[string]string {
	var rows []map[string]string
	for _, m := range htmRowRE.FindAllStringSubmatch(page, -1) {
		row := map[string]string{"data-clause": html.UnescapeString(m[1])}
		for _, c := range htmCellRE.FindAllStringSubmatch(m[2], -1) {
			row[c[1]] = html.UnescapeString(c[2])
		}
		rows = append(rows, row)
	}
	return rows
}

// htmCheckSummary checks the summary rows read from a page against p.
func htmCheckSummary(t *testing.T, rows []map[string]string, p *Pack) {
	t.Helper()
	if len(rows) != len(p.Summary) {
		t.Fatalf("summary has %d rows, want %d", len(rows), len(p.Summary))
	}
	for i, s := range p.Summary {
		want := map[string]string{"data-clause": s.Clause, "clause": s.Clause, "title": s.Title,
			"checks": strconv.Itoa(s.Checks), "passed": strconv.Itoa(s.Passed),
			"failed": strconv.Itoa(s.Failed), "examined": strconv.Itoa(s.Examined)}
		for k, v := range want {
			if rows[i][k] != v {
				t.Errorf("summary row %d %s = %q, want %q", i, k, rows[i][k], v)
			}
		}
	}
}

// htmCheckLinks checks every in-page link has a target, and every failure,
// sweep finding and unverified record of p links to its record.
func htmCheckLinks(t *testing.T, page string, p *Pack) {
	t.Helper()
	ids := map[string]int{}
	for _, m := range htmIDRE.FindAllStringSubmatch(page, -1) {
		ids[html.UnescapeString(m[1])]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	hrefs := map[string]int{}
	for _, m := range htmHrefRE.FindAllStringSubmatch(page, -1) {
		h := html.UnescapeString(m[1])
		hrefs[h]++
		if ids[h] == 0 {
			t.Errorf("href=#%s has no element with that id", h)
		}
	}
	var all []sms.Finding
	for _, c := range p.Checks {
		all = append(all, c.Result.Failures...)
	}
	for _, s := range p.Sweeps {
		all = append(all, s.Findings...)
	}
	all = append(all, p.Verification.Unverified...)
	want := map[string]int{}
	for _, f := range all {
		want[RecordAnchor(f.Kind, f.EntityID)]++
	}
	for a, n := range want {
		if hrefs[a] != n {
			t.Errorf("%d links to #%s, want %d (one per finding)", hrefs[a], a, n)
		}
	}
}

func TestHTMSummaryCellsEqualPack(t *testing.T) {
	p := htmSamplePack()
	htmCheckSummary(t, htmSummaryRows(htmRender(t, p)), p)
}

func TestHTMHeaderAndSections(t *testing.T) {
	p := htmSamplePack()
	page := htmRender(t, p)
	for _, want := range []string{
		`<!DOCTYPE html>`,
		`data-from="2026-01-01T00:00:00Z" data-to="2026-02-01T00:00:00Z"`,
		`<dd id="as-of"><time datetime="2026-02-01T00:00:00Z">`,
		`<dd id="version">sms-evidence/1</dd>`,
		`data-checks="4" data-failed="2"`,
		`<section id="verification" data-records="42" data-unverified="1">`,
		`checkpoint 7 verifies: 42 heads match`,
		`<section class="check failed" id="check-2" data-check="incident-closure-completeness" data-process="incident" data-number="1" data-clause="8.6.1" data-population="12" data-failures="2" data-passed="false">`,
		`data-check="audit-programme-coverage" data-process="audit" data-number="14" data-clause="9.2" data-population="3" data-failures="0" data-passed="true"`,
		`<section class="sweep" data-process="incident" data-findings="1">`,
		`<tr data-seq="2"><td class="num">2</td><td><time datetime="2026-01-04T09:00:00Z">2026-01-04T09:00:00Z</time></td><td class="code">resolve</td><td>new</td><td>resolved</td><td>bob</td><td>rebooted</td></tr>`,
		`<figure class="trend" data-report="incident-volume" data-metric="opened" data-points="4">`,
		`<tr class="undefined">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Sections in the documented order.
	last := -1
	for _, id := range []string{"summary", "checks", "sweeps", "verification", "records", "diagrams", "trends"} {
		i := strings.Index(page, `<section id="`+id+`"`)
		if i <= last {
			t.Errorf("section %s at %d, want after %d", id, i, last)
		}
		last = i
	}
}

func TestHTMLinksResolve(t *testing.T) {
	p := htmSamplePack()
	htmCheckLinks(t, htmRender(t, p), p)
}

func TestHTMMissingRecordIsNotLinked(t *testing.T) {
	p := htmSamplePack()
	p.Records = p.Records[:1] // only INC-001 remains
	page := htmRender(t, p)
	htmCheckLinksResolveOnly(t, page)
	if n := strings.Count(page, "(record not in the pack)"); n != 3 {
		t.Errorf("%d unlinked findings, want 3 (the hostile incident, the unverified audit in its check and in the verification)", n)
	}
	if n := strings.Count(page, `href="#rec-incident-INC-001"`); n != 2 {
		t.Errorf("%d links to INC-001, want 2 (its failure and its sweep finding)", n)
	}
}

// htmCheckLinksResolveOnly checks that every in-page link has a target.
func htmCheckLinksResolveOnly(t *testing.T, page string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range htmIDRE.FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	for _, m := range htmHrefRE.FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("href=#%s has no target", m[1])
		}
	}
}

func TestHTMDuplicateRecordGetsOneAnchor(t *testing.T) {
	p := htmSamplePack()
	p.Records = append(p.Records, p.Records[0])
	page := htmRender(t, p)
	if n := strings.Count(page, `id="rec-incident-INC-001"`); n != 1 {
		t.Errorf("anchor of INC-001 appears %d times, want 1", n)
	}
	if n := strings.Count(page, `<section class="record"`); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}

// htmWorkflowStates returns the state names of a Mermaid diagram.
func htmWorkflowStates(t *testing.T, mermaid string) []string {
	t.Helper()
	d, err := htmParseMermaid(mermaid)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return d.states
}

func TestHTMEveryDiagramIsAnSVG(t *testing.T) {
	p := htmSamplePack()
	page := htmRender(t, p)
	if n := strings.Count(page, `<svg xmlns="http://www.w3.org/2000/svg" class="state-diagram"`); n != len(p.Diagrams) {
		t.Fatalf("%d state diagrams, want %d", n, len(p.Diagrams))
	}
	if strings.Contains(page, "diagram-error\"") {
		t.Errorf("a diagram could not be drawn")
	}
	figs := regexp.MustCompile(`(?s)<figure class="diagram" data-process="([^"]*)" data-kind="([^"]*)">(.*?)</figure>`).FindAllStringSubmatch(page, -1)
	if len(figs) != len(p.Diagrams) {
		t.Fatalf("%d diagram figures, want %d", len(figs), len(p.Diagrams))
	}
	for i, d := range p.Diagrams {
		if figs[i][1] != d.Process || figs[i][2] != string(d.Kind) {
			t.Errorf("figure %d is %s/%s, want %s/%s", i, figs[i][1], figs[i][2], d.Process, d.Kind)
		}
		states := htmWorkflowStates(t, d.Mermaid)
		if len(states) < 3 {
			t.Fatalf("%s: %d states, want a real workflow", d.Kind, len(states))
		}
		for _, s := range states {
			if !strings.Contains(figs[i][3], `data-state="`+s+`"`) || !strings.Contains(figs[i][3], `>`+s+`</text>`) {
				t.Errorf("%s: state %s not drawn", d.Kind, s)
			}
		}
	}
	if n := strings.Count(page, `<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart"`); n != len(p.Trends) {
		t.Errorf("%d trend charts, want %d", n, len(p.Trends))
	}
}

func TestHTMBadDiagramShowsNotice(t *testing.T) {
	p := htmSamplePack()
	p.Diagrams = append(p.Diagrams, Diagram{Process: "broken", Kind: "x", Mermaid: "graph TD\n<script>x</script>"})
	page := htmRender(t, p)
	if !strings.Contains(page, `<p class="diagram-error">This diagram could not be drawn: sms: invalid mermaid: line 1: want stateDiagram-v2`) {
		t.Errorf("no notice for the bad diagram")
	}
	if !strings.Contains(page, "<pre>graph TD\n&lt;script&gt;x&lt;/script&gt;</pre>") {
		t.Errorf("bad diagram's source not shown escaped")
	}
}

func TestHTMEscapesHostileInput(t *testing.T) {
	p := htmSamplePack()
	page := htmRender(t, p)
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatalf("page holds a <script element")
	}
	if strings.Contains(page, "<b>bold</b>") {
		t.Errorf("host markup reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &#34;quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("hostile text not shown escaped")
	}
	// The hostile ID survives an attribute round trip intact.
	found := 0
	for _, m := range regexp.MustCompile(`data-id="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(m[1]) == htmHostileID {
			found++
		}
	}
	if found != 2 { // its failure and its record
		t.Errorf("hostile ID found intact in %d data-id attributes, want 2", found)
	}
	a := RecordAnchor("incident", htmHostileID)
	if !strings.Contains(page, `id="`+a+`"`) || !strings.Contains(page, `href="#`+a+`"`) {
		t.Errorf("hostile record's anchor %s not linked", a)
	}
	// Hostile trend text inside the SVG is escaped too.
	if !strings.Contains(page, "<title>sla &lt;script&gt;") {
		t.Errorf("hostile trend title not escaped in its SVG")
	}
}

func TestHTMSelfContained(t *testing.T) {
	page := htmRender(t, htmSamplePack())
	low := strings.ToLower(page)
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "@import", "url(", " src=", "https://"} {
		if strings.Contains(low, bad) {
			t.Errorf("page holds %q: not self-contained", bad)
		}
	}
	if n, m := strings.Count(low, "http://"), strings.Count(low, `xmlns="http://www.w3.org/2000/svg"`); n != m {
		t.Errorf("page names %d http:// resources beyond the SVG namespace", n-m)
	}
	if !strings.Contains(page, "<style>") {
		t.Errorf("page has no inline style")
	}
}

func TestHTMDeterministic(t *testing.T) {
	a, b := htmRender(t, htmSamplePack()), htmRender(t, htmSamplePack())
	if a != b {
		t.Fatalf("two renderings of the same pack differ")
	}
}

func TestHTMEmptyPack(t *testing.T) {
	page := htmRender(t, &Pack{Version: Version})
	for _, want := range []string{"No clause was evidenced.", "No check was run.", "No sweep was run.", "No failing record.", "No diagram.", "No trend."} {
		if !strings.Contains(page, want) {
			t.Errorf("empty pack's page lacks %q", want)
		}
	}
}

func TestHTMNilPackIsInvalid(t *testing.T) {
	err := WriteHTML(io.Discard, nil)
	var ve *sms.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, sms.ErrInvalid) {
		t.Fatalf("WriteHTML(nil) = %v, want a *sms.ValidationError", err)
	}
}

type htmFailWriter struct{}

func (htmFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestHTMWriteErrorReturned(t *testing.T) {
	if err := WriteHTML(htmFailWriter{}, htmSamplePack()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("WriteHTML to a failing writer = %v, want its error", err)
	}
}

func TestHTMRecordAnchor(t *testing.T) {
	for _, c := range []struct {
		kind sms.Kind
		id   string
		want string
	}{
		{"incident", "INC-001", "rec-incident-INC-001"},
		{"continuity_test", "T_1", "rec-continuity_test-T_1"},
		{"audit", "AUD/2026/1", "rec-audit-AUD.2F2026.2F1"},
		{"incident", "a b.c", "rec-incident-a.20b.2Ec"},
		{"a-b", "c", "rec-a.2Db-c"},
		{"a", "b-c", "rec-a-b-c"},
		{"incident", "é", "rec-incident-.C3.A9"},
		{"incident", `<"'>`, "rec-incident-.3C.22.27.3E"},
		{"", "", "rec--"},
	} {
		if got := RecordAnchor(c.kind, c.id); got != c.want {
			t.Errorf("RecordAnchor(%q, %q) = %q, want %q", c.kind, c.id, got, c.want)
		}
	}
	valid := regexp.MustCompile(`^rec-[A-Za-z0-9_.]*-[A-Za-z0-9_.-]*$`)
	seen := map[string][2]string{}
	for _, kind := range []string{"a", "a-b", "a.2Db", "a_b", "a b", ""} {
		for _, id := range []string{"", "b", "b-c", "c", "b.2Dc", "b c", "-", ".", "..2E"} {
			a := RecordAnchor(sms.Kind(kind), id)
			if !valid.MatchString(a) {
				t.Errorf("RecordAnchor(%q, %q) = %q is not a plain fragment", kind, id, a)
			}
			if prev, ok := seen[a]; ok {
				t.Errorf("RecordAnchor(%q, %q) = RecordAnchor(%q, %q) = %q", kind, id, prev[0], prev[1], a)
			}
			seen[a] = [2]string{kind, id}
		}
	}
}

// htmStateRect reads the rectangle of each state of a drawn diagram.
func htmStateRects(t *testing.T, svg string) map[string][2]float64 {
	t.Helper()
	re := regexp.MustCompile(`<g class="state" data-state="([^"]*)"><rect x="([-\d.]+)" y="([-\d.]+)"`)
	out := map[string][2]float64{}
	for _, m := range re.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[2], 64)
		y, _ := strconv.ParseFloat(m[3], 64)
		out[m[1]] = [2]float64{x, y}
	}
	return out
}

func TestHTMStateDiagramLayout(t *testing.T) {
	svg, err := StateDiagramSVG(audit.AuditWorkflow().Mermaid())
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	r := htmStateRects(t, s)
	// BFS depth from [*]: planned 0; prepared, rescheduled, cancelled 1;
	// fieldwork 2; reporting 3; reported 4; follow_up 5; closed 6.
	layers := [][]string{{"planned"}, {"prepared", "rescheduled", "cancelled"}, {"fieldwork"}, {"reporting"}, {"reported"}, {"follow_up"}, {"closed"}}
	prevY := -1.0
	n := 0
	for _, layer := range layers {
		y := r[layer[0]][1]
		if y <= prevY {
			t.Errorf("layer %v at y=%v, not below %v", layer, y, prevY)
		}
		prevX := -1.0
		for _, st := range layer {
			n++
			p, ok := r[st]
			if !ok {
				t.Fatalf("state %s not drawn", st)
			}
			if p[1] != y {
				t.Errorf("state %s at y=%v, want its layer's %v", st, p[1], y)
			}
			if p[0] <= prevX {
				t.Errorf("state %s at x=%v, not right of the one before (%v): order of first appearance", st, p[0], prevX)
			}
			prevX = p[0]
		}
		prevY = y
	}
	if len(r) != n {
		t.Errorf("%d states drawn, want %d", len(r), n)
	}
	// 12 changes of status, a start arrow and two end arrows.
	if got := strings.Count(s, `<polyline class="transition `); got != 12 {
		t.Errorf("%d transition arrows, want 12", got)
	}
	if strings.Count(s, `class="start-marker"`) != 1 || strings.Count(s, `<polyline class="start"`) != 1 {
		t.Errorf("want one start marker and one start arrow")
	}
	if got := strings.Count(s, `<g class="end-marker">`); got != 2 {
		t.Errorf("%d end markers, want 2 (closed, cancelled)", got)
	}
	if got := strings.Count(s, `<polygon class="arrowhead"`); got != 15 {
		t.Errorf("%d arrowheads, want 15", got)
	}
	for _, want := range []string{
		`<polyline class="transition from-rescheduled to-prepared"`, // within a layer
		`>start_fieldwork</text>`,
		`>in place: add_auditor,</text>`,
		`>approve_override, assign</text>`,
		`>plan</text>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("diagram lacks %s", want)
		}
	}
	// reporting's in-place list wraps onto a second line.
	if !regexp.MustCompile(`>in place: acknowledge,</text><text class="in-place"[^>]*>record_finding</text>`).MatchString(s) {
		t.Errorf("reporting's in-place triggers not listed under it")
	}
	again, _ := StateDiagramSVG(audit.AuditWorkflow().Mermaid())
	if again != svg {
		t.Errorf("two drawings of the same diagram differ")
	}
	htmWellFormed(t, s)
}

func TestHTMStateDiagramBackEdgeAndUnreachable(t *testing.T) {
	svg, err := StateDiagramSVG("stateDiagram-v2\n[*] --> a: make\na --> b: go\nb --> a: back, undo\nb --> b: poke\nc --> a: odd\nb --> [*]\n%% a, in place: note\n%% just a comment\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	r := htmStateRects(t, s)
	if !(r["a"][1] < r["b"][1] && r["b"][1] < r["c"][1]) {
		t.Errorf("want a above b above the unreachable c, got %v", r)
	}
	for _, want := range []string{`>back, undo</text>`, `>in place: poke</text>`, `>in place: note</text>`, `class="transition from-c to-a"`} {
		if !strings.Contains(s, want) {
			t.Errorf("diagram lacks %s", want)
		}
	}
	if strings.Contains(s, "just a comment") {
		t.Errorf("a plain comment was drawn")
	}
	// The back edge bends once, right of the states.
	m := regexp.MustCompile(`<polyline class="transition from-b to-a" points="([^"]*)"`).FindStringSubmatch(s)
	if m == nil || len(strings.Fields(m[1])) != 3 {
		t.Errorf("back edge is not a one-bend polyline: %v", m)
	}
}

func TestHTMStateDiagramMalformed(t *testing.T) {
	for name, src := range map[string]string{
		"empty":           "",
		"blank":           "\n  \n",
		"no header":       "[*] --> a: x\n",
		"other diagram":   "graph TD\nA --> B\n",
		"no start":        "stateDiagram-v2\na --> b: x\n",
		"garbage":         "stateDiagram-v2\n[*] --> a: x\nhello world\n",
		"bad name":        "stateDiagram-v2\n[*] --> a b: x\n",
		"markup name":     "stateDiagram-v2\n[*] --> <script>: x\n",
		"empty name":      "stateDiagram-v2\n[*] -->: x\n",
		"star to star":    "stateDiagram-v2\n[*] --> [*]\n",
		"control char":    "stateDiagram-v2\n[*] --> a: x\x01y\n",
		"invalid utf8":    "stateDiagram-v2\n[*] --> a: \xff\n",
		"state statement": "stateDiagram-v2\n[*] --> a\nstate \"A\" as a\n",
		"too long":        "stateDiagram-v2\n[*] --> a: " + strings.Repeat("x", htmMaxMermaid) + "\n",
	} {
		svg, err := StateDiagramSVG(src)
		var ve *sms.ValidationError
		if !errors.As(err, &ve) || svg != "" {
			t.Errorf("%s: StateDiagramSVG = %q, %v; want a *sms.ValidationError", name, htmClip(string(svg)), err)
		}
	}
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n[*] --> s0\n")
	for i := 0; i < htmMaxStates; i++ {
		b.WriteString("s" + strconv.Itoa(i) + " --> s" + strconv.Itoa(i+1) + "\n")
	}
	if _, err := StateDiagramSVG(b.String()); err == nil {
		t.Errorf("%d states accepted, want at most %d", htmMaxStates+1, htmMaxStates)
	}
}

// htmGoldenMermaid returns every Mermaid golden file of the process
// packages.
func htmGoldenMermaid(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../*/testdata/*.mmd")
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d golden diagrams (%v), want the process packages'", len(files), err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	return out
}

func TestHTMStateDiagramDrawsEveryWorkflow(t *testing.T) {
	for f, src := range htmGoldenMermaid(t) {
		svg, err := StateDiagramSVG(src)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		htmWellFormed(t, string(svg))
		for _, st := range htmWorkflowStates(t, src) {
			if !strings.Contains(string(svg), `data-state="`+st+`"`) {
				t.Errorf("%s: state %s not drawn", f, st)
			}
		}
	}
}

// htmWellFormed fails unless s is one well-formed XML element.
func htmWellFormed(t testing.TB, s string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, htmClip(s))
		}
	}
}

func FuzzStateDiagramSVG(f *testing.F) {
	for _, src := range htmGoldenMermaid(f) {
		f.Add(src)
	}
	f.Add("stateDiagram-v2\n[*] --> a: <&\"'>\na --> a\na --> [*]\n%% a, in place: ,,x\n")
	f.Add("stateDiagram\n[*] --> a\nb --> c: x:y\n%% c,in place:")
	f.Fuzz(func(t *testing.T, src string) {
		svg, err := StateDiagramSVG(src)
		if err != nil {
			var ve *sms.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *sms.ValidationError", err)
			}
			return
		}
		htmWellFormed(t, string(svg))
		if again, _ := StateDiagramSVG(src); again != svg {
			t.Fatalf("not deterministic")
		}
		if strings.Contains(strings.ToLower(string(svg)), "<script") {
			t.Fatalf("markup from the input reached the SVG")
		}
	})
}

func TestHTMTrendSVG(t *testing.T) {
	pt := func(m int, v float64, undef bool) Point {
		from := htmDay(1).AddDate(0, m, 0)
		return Point{Period: Period{From: from, To: from.AddDate(0, 1, 0)}, Value: v, Undefined: undef}
	}
	s := string(TrendSVG(Trend{Report: "r", Metric: "m", Unit: "h", Points: []Point{
		pt(0, 4, false), pt(1, 2, false), pt(2, 0, true), pt(3, 8, false), pt(4, 6, false), pt(5, math.NaN(), false), pt(6, 5, false),
	}}))
	htmWellFormed(t, s)
	if got := strings.Count(s, `<polyline class="series"`); got != 2 {
		t.Errorf("%d line segments, want 2 (broken at the undefined points; a lone point is no line)", got)
	}
	if got := strings.Count(s, `<circle class="point"`); got != 5 {
		t.Errorf("%d points, want 5", got)
	}
	if got := strings.Count(s, `<line class="gap"`); got != 2 {
		t.Errorf("%d gaps, want 2", got)
	}
	if got := strings.Count(s, `<line class="axis"`); got != 2 {
		t.Errorf("%d axes, want 2", got)
	}
	for _, want := range []string{`>8 h</text>`, `>2 h</text>`, `>2026-01-01</text>`, `>2026-07-01</text>`, `<title>2026-03-01 to 2026-04-01: undefined</title>`, `<title>2026-04-01 to 2026-05-01: 8 h</title>`} {
		if !strings.Contains(s, want) {
			t.Errorf("trend lacks %s", want)
		}
	}
	// The maximum is drawn above the minimum.
	re := regexp.MustCompile(`<text class="(max|min)" x="[\d.]+" y="([\d.]+)"`)
	ys := map[string]float64{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		ys[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	if !(ys["max"] > 0 && ys["max"] < ys["min"]) {
		t.Errorf("max label at y=%v, min at y=%v: want max above min", ys["max"], ys["min"])
	}
	if TrendSVG(Trend{Report: "r", Metric: "m", Points: []Point{pt(0, 4, false)}}) != TrendSVG(Trend{Report: "r", Metric: "m", Points: []Point{pt(0, 4, false)}}) {
		t.Errorf("not deterministic")
	}
	for name, tr := range map[string]Trend{
		"no periods":        {Report: "r", Metric: "m"},
		"no defined values": {Report: "r", Metric: "m", Points: []Point{pt(0, 0, true), pt(1, math.Inf(1), false)}},
	} {
		s := string(TrendSVG(tr))
		htmWellFormed(t, s)
		if !strings.Contains(s, ">"+name+"</text>") {
			t.Errorf("%s: chart does not say so: %s", name, s)
		}
	}
	h := string(TrendSVG(Trend{Report: htmHostileText, Metric: `"><script>`, Unit: "&", Points: []Point{pt(0, 1, false)}}))
	htmWellFormed(t, h)
	if strings.Contains(h, "<script") || strings.Contains(h, "<b>") {
		t.Errorf("hostile trend text not escaped: %s", h)
	}
}
