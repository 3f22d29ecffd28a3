package evidence

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// RecordAnchor returns the fragment identifier (without "#") of the record
// of kind with the given ID in the page [WriteHTML] writes:
// "rec-<kind>-<id>", each part sanitised to a valid, unambiguous fragment.
// ASCII letters, digits and "_" are kept, and so is "-" in the ID; every
// other byte (in the kind also "-") becomes "." and its two upper-case hex
// digits, so "INC 1/a" is "INC.201.2Fa". The kind holds no "-", so the
// first "-" after "rec-" ends it, and distinct records never share an
// anchor.
func RecordAnchor(kind sms.Kind, id string) string {
	var b strings.Builder
	b.WriteString("rec-")
	htmEscapeFragment(&b, string(kind), false)
	b.WriteByte('-')
	htmEscapeFragment(&b, id, true)
	return b.String()
}

func htmEscapeFragment(b *strings.Builder, s string, dash bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-' && dash:
			b.WriteByte(c)
		default:
			b.WriteByte('.')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// htmPage is what the template renders.
type htmPage struct {
	P            *Pack
	Checks       []htmCheck
	ChecksFailed int
	Sweeps       []htmSweep
	Unverified   []htmFinding
	Records      []htmRecord
	Diagrams     []htmDiagramView
	Trends       []htmTrend
}

type htmCheck struct {
	Check
	Anchor   string
	Failures []htmFinding
}

type htmFinding struct {
	sms.Finding
	// Anchor is the record's anchor, "" when the pack holds no such record.
	Anchor string
}

type htmSweep struct {
	Process  string
	Findings []htmFinding
}

type htmRecord struct {
	Record
	// Anchor is "" for a second record of the same kind and ID.
	Anchor string
}

type htmDiagramView struct {
	Diagram
	SVG   template.HTML
	Error string
}

type htmTrend struct {
	Trend
	SVG    template.HTML
	Points []htmTrendPoint
}

type htmTrendPoint struct {
	Point
	Shown string
	Gap   bool
}

// WriteHTML writes p as one self-contained HTML5 page: inline CSS, no
// script, no external resource, readable offline and printable. Its
// sections, in order: a header (period, as-of time, version); the summary,
// one table row per [ClauseSummary]; each check (process, number, rule,
// population, failures); the sweeps' open findings; the verification of
// records against their journals; the failing records, each with its
// journal as a table; the lifecycle diagrams, drawn by [StateDiagramSVG];
// and the trends, drawn by [TrendSVG] with their points as a table.
//
// Every failure, sweep finding and unverified record links to its record
// at "#" + [RecordAnchor] when the pack holds that record (otherwise it
// says so, unlinked). A diagram that cannot be drawn is shown as its
// Mermaid source under a notice of class "diagram-error" instead of failing
// the page. All text from the pack is escaped.
//
// Stable attributes, for tools and tests that read the page: each summary
// row is <tr data-clause="C"> with cells <td data-field="clause|title|
// checks|passed|failed|examined"> holding the numbers as text; each check
// a <section class="check"> with data-check, data-process, data-number,
// data-clause, data-population, data-failures and data-passed; each
// failure or finding an <li class="finding"> with data-code, data-kind and
// data-id; each sweep a <section class="sweep"> with data-process and
// data-findings; the verification section data-records and
// data-unverified; each record a <section class="record"> with data-kind,
// data-id, data-status and its anchor as id, its journal rows
// <tr data-seq="N">; each diagram a <figure class="diagram"> with
// data-process and data-kind; each trend a <figure class="trend"> with
// data-report, data-metric and data-points.
//
// A nil pack returns a [*sms.ValidationError]; write errors are returned.
func WriteHTML(w io.Writer, p *Pack) error {
	if p == nil {
		return sms.Invalid("", "pack", "is nil")
	}
	page := htmPage{P: p}
	have := map[string]bool{}
	for _, r := range p.Records {
		a := RecordAnchor(r.Kind, r.ID)
		if have[a] {
			a = ""
		} else {
			have[a] = true
		}
		page.Records = append(page.Records, htmRecord{Record: r, Anchor: a})
	}
	findings := func(fs []sms.Finding) []htmFinding {
		out := make([]htmFinding, 0, len(fs))
		for _, f := range fs {
			a := RecordAnchor(f.Kind, f.EntityID)
			if !have[a] {
				a = ""
			}
			out = append(out, htmFinding{Finding: f, Anchor: a})
		}
		return out
	}
	for i, c := range p.Checks {
		page.Checks = append(page.Checks, htmCheck{Check: c, Anchor: fmt.Sprintf("check-%d", i+1), Failures: findings(c.Result.Failures)})
		if !c.Result.Passed() {
			page.ChecksFailed++
		}
	}
	for _, s := range p.Sweeps {
		page.Sweeps = append(page.Sweeps, htmSweep{Process: s.Process, Findings: findings(s.Findings)})
	}
	page.Unverified = findings(p.Verification.Unverified)
	for _, d := range p.Diagrams {
		v := htmDiagramView{Diagram: d}
		svg, err := StateDiagramSVG(d.Mermaid)
		if err != nil {
			v.Error = err.Error()
		} else {
			v.SVG = svg
		}
		page.Diagrams = append(page.Diagrams, v)
	}
	for _, t := range p.Trends {
		v := htmTrend{Trend: t, SVG: TrendSVG(t)}
		for _, pt := range t.Points {
			v.Points = append(v.Points, htmTrendPoint{Point: pt, Shown: "undefined", Gap: true})
			if htmDefined(pt) {
				v.Points[len(v.Points)-1] = htmTrendPoint{Point: pt, Shown: htmValue(pt.Value, t.Unit)}
			}
		}
		page.Trends = append(page.Trends, v)
	}
	return htmTemplate.Execute(w, page)
}

func htmTime(t time.Time) string { return t.Format(time.RFC3339) }

var htmTemplate = template.Must(template.New("evidence").Funcs(template.FuncMap{
	"time": htmTime,
}).Parse(htmSource))

const htmSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence pack {{time .P.Period.From}} to {{time .P.Period.To}}</title>
<style>
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #1a1a1a; background: #ffffff; line-height: 1.4; }
header, main, nav, footer { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; border-bottom: 3px solid #3b5b8c; }
h1 { margin: 0 0 8px; font-size: 1.6em; }
h2 { border-bottom: 1px solid #cccccc; padding-bottom: 4px; margin-top: 32px; }
h3 { margin: 20px 0 6px; font-size: 1.1em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
nav ul { list-style: none; padding: 0; margin: 8px auto; display: flex; flex-wrap: wrap; gap: 4px 18px; }
a { color: #1f4f99; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #c8c8c8; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failing td { background: #fdeeee; }
.status { display: inline-block; padding: 0 8px; border-radius: 8px; font-size: 0.85em; font-weight: 600; margin-left: 8px; }
.status.pass { background: #e3f4e5; color: #1d6b2c; }
.status.fail { background: #fbe1e1; color: #9b1c1c; }
.check, .sweep, .record { border-left: 4px solid #c8d3e3; padding: 2px 0 2px 12px; margin: 14px 0; }
.check.failed, .record { border-left-color: #d06060; }
.rule { font-style: italic; margin: 4px 0; }
li.finding { margin: 4px 0; }
.code { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-weight: 600; }
.muted { color: #666666; }
figure { margin: 16px 0; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.diagram-error { color: #9b1c1c; font-weight: 600; }
pre { background: #f5f5f5; padding: 8px; overflow-x: auto; }
footer { margin-top: 32px; padding-bottom: 24px; color: #666666; font-size: 0.9em; }
@media print { nav { display: none; } .check, .record, figure { break-inside: avoid; } }
</style>
</head>
<body>
<header>
<h1>Evidence pack</h1>
<dl class="meta">
<dt>Period</dt><dd id="period" data-from="{{time .P.Period.From}}" data-to="{{time .P.Period.To}}"><time datetime="{{time .P.Period.From}}">{{time .P.Period.From}}</time> to <time datetime="{{time .P.Period.To}}">{{time .P.Period.To}}</time></dd>
<dt>As of</dt><dd id="as-of"><time datetime="{{time .P.AsOf}}">{{time .P.AsOf}}</time></dd>
<dt>Version</dt><dd id="version">{{.P.Version}}</dd>
<dt>Checks</dt><dd id="overall" data-checks="{{len .Checks}}" data-failed="{{.ChecksFailed}}">{{len .Checks}} run, {{.ChecksFailed}} failed</dd>
</dl>
</header>
<nav>
<ul>
<li><a href="#summary">Summary</a></li>
<li><a href="#checks">Checks</a></li>
<li><a href="#sweeps">Sweeps</a></li>
<li><a href="#verification">Verification</a></li>
<li><a href="#records">Records</a></li>
<li><a href="#diagrams">Diagrams</a></li>
<li><a href="#trends">Trends</a></li>
</ul>
</nav>
<main>
<section id="summary">
<h2>Summary by clause</h2>
{{- if .P.Summary}}
<table class="summary">
<thead><tr><th>Clause</th><th>Title</th><th class="num">Checks</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Examined</th></tr></thead>
<tbody>
{{- range .P.Summary}}
<tr data-clause="{{.Clause}}"{{if .Failed}} class="failing"{{end}}><td data-field="clause">{{.Clause}}</td><td data-field="title">{{.Title}}</td><td data-field="checks" class="num">{{.Checks}}</td><td data-field="passed" class="num">{{.Passed}}</td><td data-field="failed" class="num">{{.Failed}}</td><td data-field="examined" class="num">{{.Examined}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="muted">No clause was evidenced.</p>
{{- end}}
</section>
<section id="checks">
<h2>Conformance checks</h2>
{{- range .Checks}}
<section class="check{{if not .Result.Passed}} failed{{end}}" id="{{.Anchor}}" data-check="{{.Result.Check}}" data-process="{{.Process}}" data-number="{{.Number}}" data-clause="{{.Result.Clause}}" data-population="{{.Result.Population}}" data-failures="{{len .Failures}}" data-passed="{{.Result.Passed}}">
<h3>{{if .Number}}Check {{.Number}}: {{end}}<span class="code">{{.Result.Check}}</span> <span class="muted">({{.Process}}, clause {{.Result.Clause}})</span>{{if .Result.Passed}}<span class="status pass">passed</span>{{else}}<span class="status fail">failed</span>{{end}}</h3>
<p class="rule">{{.Result.Rule}}</p>
<p>{{.Result.Population}} examined, {{len .Failures}} failing.</p>
{{- if .Failures}}
<ol class="failures">
{{- range .Failures}}
{{template "finding" .}}
{{- end}}
</ol>
{{- end}}
</section>
{{- else}}
<p class="muted">No check was run.</p>
{{- end}}
</section>
<section id="sweeps">
<h2>Sweeps</h2>
{{- range .Sweeps}}
<section class="sweep" data-process="{{.Process}}" data-findings="{{len .Findings}}">
<h3>{{.Process}} <span class="muted">({{len .Findings}} open)</span></h3>
{{- if .Findings}}
<ul class="findings">
{{- range .Findings}}
{{template "finding" .}}
{{- end}}
</ul>
{{- else}}
<p class="muted">No open finding.</p>
{{- end}}
</section>
{{- else}}
<p class="muted">No sweep was run.</p>
{{- end}}
</section>
<section id="verification" data-records="{{.P.Verification.Records}}" data-unverified="{{len .Unverified}}">
<h2>Verification</h2>
<p>{{.P.Verification.Records}} records verified against their journals; {{len .Unverified}} do not verify.</p>
{{- if .Unverified}}
<ul class="findings">
{{- range .Unverified}}
{{template "finding" .}}
{{- end}}
</ul>
{{- end}}
{{- if .P.Verification.Checkpoint}}
<p id="checkpoint">Signed checkpoint: {{.P.Verification.Checkpoint}}</p>
{{- else}}
<p id="checkpoint" class="muted">No signed checkpoint was given.</p>
{{- end}}
</section>
<section id="records">
<h2>Failing records</h2>
{{- if .P.RecordsLeftOut}}
<p class="muted" data-left-out="{{.P.RecordsLeftOut}}">{{.P.RecordsLeftOut}} more records named by failures are left out of this drill-down; the JSON lists their findings.</p>
{{- end}}
{{- range .Records}}
<section class="record"{{if .Anchor}} id="{{.Anchor}}"{{end}} data-kind="{{.Kind}}" data-id="{{.ID}}" data-status="{{.Status}}">
<h3><span class="code">{{.Kind}} {{.ID}}</span> <span class="muted">status {{.Status}}</span></h3>
{{- if .Journal}}
<table class="journal">
<thead><tr><th class="num">Seq</th><th>At</th><th>Trigger</th><th>From</th><th>To</th><th>Actor</th><th>Reason</th></tr></thead>
<tbody>
{{- range .Journal}}
<tr data-seq="{{.Seq}}"><td class="num">{{.Seq}}</td><td><time datetime="{{time .At}}">{{time .At}}</time></td><td class="code">{{.Trigger}}</td><td>{{.From}}</td><td>{{.To}}</td><td>{{.Actor}}</td><td>{{.Reason}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="muted">No journal entry.</p>
{{- end}}
</section>
{{- else}}
<p class="muted">No failing record.</p>
{{- end}}
</section>
<section id="diagrams">
<h2>Lifecycle diagrams</h2>
{{- range .Diagrams}}
<figure class="diagram" data-process="{{.Process}}" data-kind="{{.Kind}}">
<figcaption>{{.Process}}: {{.Kind}}</figcaption>
{{- if .Error}}
<p class="diagram-error">This diagram could not be drawn: {{.Error}}</p>
<pre>{{.Mermaid}}</pre>
{{- else}}
{{.SVG}}
{{- end}}
</figure>
{{- else}}
<p class="muted">No diagram.</p>
{{- end}}
</section>
<section id="trends">
<h2>Trends</h2>
{{- range .Trends}}
<figure class="trend" data-report="{{.Report}}" data-metric="{{.Metric}}" data-points="{{len .Points}}">
<figcaption>{{if .Title}}{{.Title}} ({{.Report}}){{else}}{{.Report}}{{end}}: {{.Metric}}{{if .Unit}} ({{.Unit}}){{end}}</figcaption>
{{.SVG}}
<table class="points">
<thead><tr><th>From</th><th>To</th><th class="num">Value</th></tr></thead>
<tbody>
{{- range .Points}}
<tr{{if .Gap}} class="undefined"{{end}}><td><time datetime="{{time .Period.From}}">{{time .Period.From}}</time></td><td><time datetime="{{time .Period.To}}">{{time .Period.To}}</time></td><td class="num">{{.Shown}}</td></tr>
{{- end}}
</tbody>
</table>
</figure>
{{- else}}
<p class="muted">No trend.</p>
{{- end}}
</section>
</main>
<footer>
<p>{{.P.Version}}: generated from the records as of {{time .P.AsOf}}. This page is self-contained and needs no network or script.</p>
</footer>
</body>
</html>
{{define "finding" -}}
<li class="finding" data-code="{{.Code}}" data-kind="{{.Kind}}" data-id="{{.EntityID}}"><span class="code">{{.Code}}</span> {{if .Anchor}}<a href="#{{.Anchor}}">{{.Kind}} {{.EntityID}}</a>{{else}}<span>{{.Kind}} {{.EntityID}}</span> <span class="muted">(record not in the pack)</span>{{end}}: {{.Detail}} <span class="muted">({{.Requirement.ID}}, clause {{.Requirement.Clause}}: {{.Requirement.Text}}; as of <time datetime="{{time .At}}">{{time .At}}</time>)</span></li>
{{- end}}
`
