package evidence

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// Limits of the diagrams [StateDiagramSVG] draws: larger input is refused
// as invalid rather than drawn.
const (
	htmMaxMermaid = sms.MaxText // bytes of Mermaid source
	htmMaxStates  = 500
	htmMaxEdges   = 2000
)

// Geometry of a state diagram, in SVG user units (pixels). Text is set in
// a monospace font so that its width, and so the layout, can be computed
// without a browser.
const (
	htmFontName   = 12.0 // state names and labels
	htmFontSmall  = 10.0 // in-place triggers
	htmCharName   = 7.3  // advance of one character at htmFontName
	htmCharSmall  = 6.1  // advance of one character at htmFontSmall
	htmPadX       = 10.0
	htmNameLine   = 16.0
	htmSmallLine  = 13.0
	htmLayerGap   = 64.0
	htmBoxGap     = 40.0
	htmMargin     = 20.0
	htmStartR     = 7.0
	htmEndR       = 7.0
	htmEndReserve = 40.0 // room right of a terminal state for its end marker
	htmLaneGap    = 14.0
	htmWrap       = 34 // characters per line of the in-place list
	htmArrowLen   = 8.0
	htmArrowHalf  = 4.0
)

// htmDiagram is a parsed state diagram: states in order of first
// appearance, the initial states, the transitions between states (labels
// merged per pair, in order of first appearance), the terminal states and
// each state's in-place triggers.
type htmDiagram struct {
	states   []string
	index    map[string]int
	initial  []int
	initLbl  []string
	edges    []htmEdge
	edgeIdx  map[[2]int]int
	terminal []bool
	inPlace  [][]string
}

type htmEdge struct {
	from, to int
	labels   []string
}

func htmInvalid(format string, args ...any) error {
	return sms.Invalid("", "mermaid", format, args...)
}

// htmState returns the index of the state named s, adding it when new.
func (d *htmDiagram) htmState(s string) (int, error) {
	if i, ok := d.index[s]; ok {
		return i, nil
	}
	if len(d.states) >= htmMaxStates {
		return 0, htmInvalid("has more than %d states", htmMaxStates)
	}
	d.index[s] = len(d.states)
	d.states = append(d.states, s)
	d.terminal = append(d.terminal, false)
	d.inPlace = append(d.inPlace, nil)
	return len(d.states) - 1, nil
}

// htmIdent reports whether s is a state name the subset accepts: letters,
// digits and underscores.
func htmIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// htmCheckLabel refuses control characters, which neither SVG nor XML can
// carry.
func htmCheckLabel(line int, s string) error {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' {
			return htmInvalid("line %d: label holds control character %U", line, r)
		}
	}
	return nil
}

// htmSplitList splits a comma-separated list of labels, dropping empty
// items.
func htmSplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// htmParseMermaid parses the subset of Mermaid state diagrams that
// [sms.Workflow.Mermaid] emits.
func htmParseMermaid(src string) (*htmDiagram, error) {
	if len(src) > htmMaxMermaid {
		return nil, htmInvalid("is longer than %d bytes", htmMaxMermaid)
	}
	if !utf8.ValidString(src) {
		return nil, htmInvalid("is not valid UTF-8")
	}
	d := &htmDiagram{index: map[string]int{}, edgeIdx: map[[2]int]int{}}
	header := false
	for n, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		ln := n + 1
		if line == "" {
			continue
		}
		if !header {
			if line != "stateDiagram-v2" && line != "stateDiagram" {
				return nil, htmInvalid("line %d: want stateDiagram-v2, got %q", ln, htmClip(line))
			}
			header = true
			continue
		}
		if strings.HasPrefix(line, "%%") {
			if err := d.htmComment(ln, strings.TrimSpace(line[2:])); err != nil {
				return nil, err
			}
			continue
		}
		if err := d.htmTransition(ln, line); err != nil {
			return nil, err
		}
	}
	if !header {
		return nil, htmInvalid("is empty: want stateDiagram-v2")
	}
	if len(d.initial) == 0 {
		return nil, htmInvalid("has no start transition [*] --> state")
	}
	return d, nil
}

// htmComment reads a comment line: "state, in place: a, b" lists the
// state's in-place triggers; any other comment is ignored.
func (d *htmDiagram) htmComment(ln int, c string) error {
	name, rest, ok := strings.Cut(c, ",")
	if !ok {
		return nil
	}
	name = strings.TrimSpace(name)
	list, ok := strings.CutPrefix(strings.TrimSpace(rest), "in place:")
	if !ok || !htmIdent(name) {
		return nil
	}
	if err := htmCheckLabel(ln, list); err != nil {
		return err
	}
	i, err := d.htmState(name)
	if err != nil {
		return err
	}
	d.inPlace[i] = append(d.inPlace[i], htmSplitList(list)...)
	return nil
}

// htmTransition reads "a --> b", "a --> b: label", "[*] --> a: label" or
// "a --> [*]".
func (d *htmDiagram) htmTransition(ln int, line string) error {
	left, rest, ok := strings.Cut(line, "-->")
	if !ok {
		return htmInvalid("line %d: want a transition \"a --> b: trigger\", got %q", ln, htmClip(line))
	}
	right, label, _ := strings.Cut(rest, ":")
	left, right, label = strings.TrimSpace(left), strings.TrimSpace(right), strings.TrimSpace(label)
	if err := htmCheckLabel(ln, label); err != nil {
		return err
	}
	for _, s := range []string{left, right} {
		if s != "[*]" && !htmIdent(s) {
			return htmInvalid("line %d: %q is not a state name", ln, htmClip(s))
		}
	}
	switch {
	case left == "[*]" && right == "[*]":
		return htmInvalid("line %d: [*] --> [*] has no state", ln)
	case left == "[*]":
		i, err := d.htmState(right)
		if err != nil {
			return err
		}
		d.initial = append(d.initial, i)
		d.initLbl = append(d.initLbl, label)
	case right == "[*]":
		i, err := d.htmState(left)
		if err != nil {
			return err
		}
		d.terminal[i] = true
	default:
		a, err := d.htmState(left)
		if err != nil {
			return err
		}
		b, err := d.htmState(right)
		if err != nil {
			return err
		}
		labels := htmSplitList(label)
		if a == b {
			d.inPlace[a] = append(d.inPlace[a], labels...)
			return nil
		}
		k := [2]int{a, b}
		if j, ok := d.edgeIdx[k]; ok {
			d.edges[j].labels = append(d.edges[j].labels, labels...)
			return nil
		}
		if len(d.edges) >= htmMaxEdges {
			return htmInvalid("has more than %d transitions", htmMaxEdges)
		}
		d.edgeIdx[k] = len(d.edges)
		d.edges = append(d.edges, htmEdge{from: a, to: b, labels: labels})
	}
	return nil
}

// htmClip shortens s for an error message.
func htmClip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// htmDepths returns each state's layer: its BFS depth from the initial
// states, states unreachable from them in one layer after the deepest.
func (d *htmDiagram) htmDepths() (depth []int, layers [][]int) {
	n := len(d.states)
	depth = make([]int, n)
	for i := range depth {
		depth[i] = -1
	}
	out := make([][]int, n)
	for _, e := range d.edges {
		out[e.from] = append(out[e.from], e.to)
	}
	var queue []int
	for _, s := range d.initial {
		if depth[s] < 0 {
			depth[s] = 0
			queue = append(queue, s)
		}
	}
	maxDepth := 0
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range out[s] {
			if depth[t] < 0 {
				depth[t] = depth[s] + 1
				maxDepth = max(maxDepth, depth[t])
				queue = append(queue, t)
			}
		}
	}
	for i := range depth {
		if depth[i] < 0 {
			depth[i] = maxDepth + 1
		}
	}
	nl := 0
	for _, v := range depth {
		nl = max(nl, v+1)
	}
	layers = make([][]int, nl)
	for i, v := range depth { // states in order of first appearance
		layers[v] = append(layers[v], i)
	}
	return depth, layers
}

// htmWrapList lays "in place: a, b, ..." out in lines of at most htmWrap
// characters (a longer trigger gets a line of its own).
func htmWrapList(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	var lines []string
	cur := "in place:"
	for i, it := range items {
		if i < len(items)-1 {
			it += ","
		}
		if utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(it) > htmWrap {
			lines = append(lines, cur)
			cur = it
			continue
		}
		cur += " " + it
	}
	return append(lines, cur)
}

// htmNum formats a coordinate with at most one decimal.
func htmNum(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

type htmBox struct {
	x, y, w, h float64
	lines      []string
}

func (b htmBox) cx() float64 { return b.x + b.w/2 }

// htmSVG collects SVG elements and the extent they cover.
type htmSVG struct {
	b          strings.Builder
	maxX, maxY float64
}

func (s *htmSVG) htmExtent(x, y float64) {
	s.maxX = max(s.maxX, x)
	s.maxY = max(s.maxY, y)
}

func (s *htmSVG) htmText(x, y, size float64, anchor, class, text string, halo bool) {
	w := float64(utf8.RuneCountInString(text)) * size * htmCharName / htmFontName
	switch anchor {
	case "middle":
		s.htmExtent(x+w/2, y)
	case "end":
	default:
		s.htmExtent(x+w, y)
	}
	extra := ""
	if halo {
		extra = ` paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"`
	}
	fmt.Fprintf(&s.b, `<text class="%s" x="%s" y="%s" font-size="%s" text-anchor="%s"%s>%s</text>`,
		class, htmNum(x), htmNum(y), htmNum(size), anchor, extra, template.HTMLEscapeString(text))
}

// htmArrow draws a polyline through pts with an arrowhead at its end.
func (s *htmSVG) htmArrow(class string, pts [][2]float64) {
	var p []string
	for _, q := range pts {
		p = append(p, htmNum(q[0])+","+htmNum(q[1]))
		s.htmExtent(q[0], q[1])
	}
	a, b := pts[len(pts)-2], pts[len(pts)-1]
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		dx, dy, l = 0, 1, 1
	}
	ux, uy := dx/l, dy/l
	bx, by := b[0]-ux*htmArrowLen, b[1]-uy*htmArrowLen
	fmt.Fprintf(&s.b, `<polyline class="%s" points="%s" fill="none" stroke="#555555" stroke-width="1.3"/>`, class, strings.Join(p, " "))
	fmt.Fprintf(&s.b, `<polygon class="arrowhead" points="%s,%s %s,%s %s,%s" fill="#555555"/>`,
		htmNum(b[0]), htmNum(b[1]),
		htmNum(bx-uy*htmArrowHalf), htmNum(by+ux*htmArrowHalf),
		htmNum(bx+uy*htmArrowHalf), htmNum(by-ux*htmArrowHalf))
}

// StateDiagramSVG draws a lifecycle given in the subset of Mermaid's state
// diagram syntax that [sms.Workflow.Mermaid] emits as an inline SVG
// element: a "stateDiagram-v2" header, then one statement a line:
// "[*] --> s: trigger" (a creation rule), "a --> b: t1, t2" (a change of
// status and the triggers that make it), "s --> [*]" (a terminal state),
// and comment lines "%% s, in place: t1, t2" listing the triggers that
// leave s's status unchanged (other comments are ignored). State names are
// letters, digits and underscores.
//
// The layout is layered and deterministic: each state's layer (row) is its
// breadth-first depth from the initial states, states unreachable from them
// in a last row, and within a row states keep their order of first
// appearance in the source. States are rounded boxes with their in-place
// triggers listed under the name, transitions arrows with their triggers as
// labels (straight lines downwards and between neighbours in a row; one
// bend above the row to a farther state in it, and right of the states
// back upwards), the start a filled circle and
// each terminal state's end a ringed circle beside it. The same input
// always gives the same bytes.
//
// Malformed input (no header, an unknown statement, a bad state name, no
// creation rule, control characters, invalid UTF-8, or more than 64 KiB,
// 500 states or 2000 transitions) returns a [*sms.ValidationError].
func StateDiagramSVG(mermaid string) (template.HTML, error) {
	d, err := htmParseMermaid(mermaid)
	if err != nil {
		return "", err
	}
	depth, layers := d.htmDepths()

	// Boxes, row by row. Neighbours in a row joined by a transition are
	// set far enough apart for its label.
	pos := make([]int, len(d.states))
	for _, row := range layers {
		for k, s := range row {
			pos[s] = k
		}
	}
	gapAfter := make([]float64, len(d.states)) // gap right of a state
	for i := range gapAfter {
		gapAfter[i] = htmBoxGap
	}
	for _, e := range d.edges {
		if depth[e.from] != depth[e.to] || (pos[e.to]-pos[e.from] != 1 && pos[e.from]-pos[e.to] != 1) {
			continue
		}
		left := e.from
		if pos[e.to] < pos[e.from] {
			left = e.to
		}
		lw := float64(utf8.RuneCountInString(strings.Join(e.labels, ", ")))*htmCharName + 24
		gapAfter[left] = max(gapAfter[left], lw)
	}
	boxes := make([]htmBox, len(d.states))
	rowW := make([]float64, len(layers))
	rowH := make([]float64, len(layers))
	for l, row := range layers {
		for k, s := range row {
			lines := htmWrapList(d.inPlace[s])
			w := float64(utf8.RuneCountInString(d.states[s]))*htmCharName + 2*htmPadX
			for _, t := range lines {
				w = max(w, float64(utf8.RuneCountInString(t))*htmCharSmall+2*htmPadX)
			}
			h := 8 + htmNameLine + 6
			if len(lines) > 0 {
				h += float64(len(lines))*htmSmallLine + 2
			}
			boxes[s] = htmBox{w: w, h: h, lines: lines}
			if k > 0 {
				rowW[l] += gapAfter[row[k-1]]
			}
			rowW[l] += w
			if d.terminal[s] {
				rowW[l] += htmEndReserve
			}
			rowH[l] = max(rowH[l], h)
		}
	}
	content := 0.0
	for _, w := range rowW {
		content = max(content, w)
	}
	y := htmMargin + 2*htmStartR + htmLayerGap*0.75
	rowTop := make([]float64, len(layers))
	for l, row := range layers {
		rowTop[l] = y
		x := htmMargin + (content-rowW[l])/2
		for _, s := range row {
			boxes[s].x, boxes[s].y = x, y
			x += boxes[s].w + gapAfter[s]
			if d.terminal[s] {
				x += htmEndReserve
			}
		}
		y += rowH[l] + htmLayerGap
	}

	var edges, labels htmSVG
	// Spread the ends of downward arrows along the boxes' edges.
	downOut := make([][]int, len(d.states))
	downIn := make([][]int, len(d.states))
	for i, e := range d.edges {
		if depth[e.to] > depth[e.from] {
			downOut[e.from] = append(downOut[e.from], i)
			downIn[e.to] = append(downIn[e.to], i)
		}
	}
	slot := func(list []int, i int, b htmBox) float64 {
		for k, j := range list {
			if j == i {
				return b.x + b.w*float64(k+1)/float64(len(list)+1)
			}
		}
		return b.cx()
	}

	// The start and its arrows to the initial states.
	sx := boxes[d.initial[0]].cx()
	sy := htmMargin + htmStartR
	for k, s := range d.initial {
		b := boxes[s]
		edges.htmArrow("start", [][2]float64{{sx, sy + htmStartR}, {b.cx(), b.y}})
		if lbl := d.initLbl[k]; lbl != "" {
			labels.htmText((sx+b.cx())/2+6, (sy+htmStartR+b.y)/2+4, htmFontName, "start", "label", lbl, true)
		}
	}

	lane := 0
	for i, e := range d.edges {
		a, b := boxes[e.from], boxes[e.to]
		lbl := strings.Join(e.labels, ", ")
		cls := template.HTMLEscapeString(fmt.Sprintf("transition from-%s to-%s", d.states[e.from], d.states[e.to]))
		switch {
		case depth[e.to] > depth[e.from]:
			p := [2]float64{slot(downOut[e.from], i, a), a.y + a.h}
			q := [2]float64{slot(downIn[e.to], i, b), b.y}
			edges.htmArrow(cls, [][2]float64{p, q})
			if lbl != "" {
				mx, my := (p[0]+q[0])/2, p[1]+(q[1]-p[1])*0.5
				if depth[e.to] > depth[e.from]+1 {
					my = p[1] + htmLayerGap/2
					mx = p[0] + (q[0]-p[0])*(htmLayerGap/2)/(q[1]-p[1])
				}
				labels.htmText(mx+4, my+4, htmFontName, "start", "label", lbl, true)
			}
		case depth[e.to] == depth[e.from] && (pos[e.to]-pos[e.from] == 1 || pos[e.from]-pos[e.to] == 1):
			// Neighbours: a straight arrow between them, rightwards above
			// the middle, leftwards below it.
			h := min(a.h, b.h)
			if pos[e.to] > pos[e.from] {
				ly := a.y + h*0.3
				if d.terminal[e.from] {
					ly = a.y + 6
				}
				p, q := [2]float64{a.x + a.w, ly}, [2]float64{b.x, ly}
				if d.terminal[e.from] {
					p[0] += htmEndReserve
				}
				edges.htmArrow(cls, [][2]float64{p, q})
				if lbl != "" {
					labels.htmText((p[0]+q[0])/2, ly-4, htmFontName, "middle", "label", lbl, true)
				}
			} else {
				ly := a.y + h*0.7
				p, q := [2]float64{a.x, ly}, [2]float64{b.x + b.w, ly}
				if d.terminal[e.to] {
					q[0] += htmEndReserve
				}
				edges.htmArrow(cls, [][2]float64{p, q})
				if lbl != "" {
					labels.htmText((p[0]+q[0])/2, ly+14, htmFontName, "middle", "label", lbl, true)
				}
			}
		case depth[e.to] == depth[e.from]:
			// Farther within a row: one bend above it.
			top := rowTop[depth[e.from]] - 14 - float64(lane%3)*6
			lane++
			p := [2]float64{a.cx(), a.y}
			q := [2]float64{b.cx(), b.y}
			m := [2]float64{(p[0] + q[0]) / 2, top}
			edges.htmArrow(cls, [][2]float64{p, m, q})
			if lbl != "" {
				labels.htmText(m[0], m[1]-4, htmFontName, "middle", "label", lbl, true)
			}
		default:
			x := htmMargin + content + 24 + float64(lane)*htmLaneGap
			lane++
			p := [2]float64{a.x + a.w, a.y + a.h/2}
			q := [2]float64{b.x + b.w, b.y + b.h/2}
			if d.terminal[e.to] {
				q[1] = b.y + b.h*0.8
			}
			m := [2]float64{x, (p[1] + q[1]) / 2}
			edges.htmArrow(cls, [][2]float64{p, m, q})
			if lbl != "" {
				labels.htmText(m[0]+4, m[1]+4, htmFontName, "start", "label", lbl, true)
			}
		}
	}

	var states htmSVG
	for s := range d.states {
		b := boxes[s]
		states.htmExtent(b.x+b.w, b.y+b.h)
		fmt.Fprintf(&states.b, `<g class="state" data-state="%s">`, template.HTMLEscapeString(d.states[s]))
		fmt.Fprintf(&states.b, `<rect x="%s" y="%s" width="%s" height="%s" rx="8" ry="8" fill="#eef3fb" stroke="#3b5b8c" stroke-width="1.3"/>`,
			htmNum(b.x), htmNum(b.y), htmNum(b.w), htmNum(b.h))
		states.htmText(b.cx(), b.y+8+12, htmFontName, "middle", "name", d.states[s], false)
		for k, t := range b.lines {
			states.htmText(b.x+htmPadX, b.y+8+htmNameLine+4+float64(k+1)*htmSmallLine-3, htmFontSmall, "start", "in-place", t, false)
		}
		states.b.WriteString(`</g>`)
		if d.terminal[s] {
			ex := b.x + b.w + htmEndReserve - htmEndR - 4
			ey := b.y + b.h/2
			states.htmArrow("end", [][2]float64{{b.x + b.w, ey}, {ex - htmEndR - 1, ey}})
			fmt.Fprintf(&states.b, `<g class="end-marker"><circle cx="%s" cy="%s" r="%s" fill="none" stroke="#222222" stroke-width="1.3"/><circle cx="%s" cy="%s" r="%s" fill="#222222"/></g>`,
				htmNum(ex), htmNum(ey), htmNum(htmEndR), htmNum(ex), htmNum(ey), htmNum(htmEndR-3))
			states.htmExtent(ex+htmEndR, ey)
		}
	}

	w := max(edges.maxX, labels.maxX, states.maxX) + htmMargin
	h := max(edges.maxY, labels.maxY, states.maxY) + htmMargin
	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" class="state-diagram" width="%s" height="%s" viewBox="0 0 %s %s" role="img" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace">`,
		htmNum(w), htmNum(h), htmNum(w), htmNum(h))
	fmt.Fprintf(&out, `<title>State diagram: %d states, %d transitions</title>`, len(d.states), len(d.edges))
	fmt.Fprintf(&out, `<circle class="start-marker" cx="%s" cy="%s" r="%s" fill="#222222"/>`, htmNum(sx), htmNum(sy), htmNum(htmStartR))
	out.WriteString(`<g class="transitions">` + edges.b.String() + `</g>`)
	out.WriteString(`<g class="states">` + states.b.String() + `</g>`)
	out.WriteString(`<g class="labels" fill="#1a1a1a">` + labels.b.String() + `</g>`)
	out.WriteString(`</svg>`)
	return template.HTML(out.String()), nil
}

// Geometry of a trend chart.
const (
	htmTrendW      = 360.0
	htmTrendH      = 150.0
	htmTrendLeft   = 64.0
	htmTrendRight  = 14.0
	htmTrendTop    = 26.0
	htmTrendBottom = 30.0
)

// htmDefined reports whether p can be plotted.
func htmDefined(p Point) bool {
	return !p.Undefined && !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0)
}

// htmValue formats a trend value with its unit.
func htmValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	if unit != "" {
		s += " " + unit
	}
	return s
}

// TrendSVG draws a trend as a small inline line chart: the points oldest
// first from left to right, evenly spaced, with axes, the minimum and
// maximum value labelled on the vertical axis and the first and last
// period's start on the horizontal one. An undefined point (or one whose
// value is not finite) is a gap in the line, marked by a grey tick on the
// axis; each point carries a tooltip with its period and value. Text from
// the trend is escaped; the same trend always gives the same bytes.
func TrendSVG(t Trend) template.HTML {
	var s htmSVG
	px0, px1 := htmTrendLeft, htmTrendW-htmTrendRight
	py0, py1 := htmTrendTop, htmTrendH-htmTrendBottom // top, bottom of the plot
	title := t.Report + ": " + t.Metric
	s.htmText(4, 14, 11, "start", "trend-title", title, false)
	fmt.Fprintf(&s.b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>`, htmNum(px0), htmNum(py0), htmNum(px0), htmNum(py1))
	fmt.Fprintf(&s.b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>`, htmNum(px0), htmNum(py1), htmNum(px1), htmNum(py1))

	lo, hi, have := 0.0, 0.0, false
	for _, p := range t.Points {
		if !htmDefined(p) {
			continue
		}
		if !have {
			lo, hi, have = p.Value, p.Value, true
		}
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	n := len(t.Points)
	xAt := func(i int) float64 {
		if n == 1 {
			return (px0 + px1) / 2
		}
		return px0 + 8 + (px1-px0-16)*float64(i)/float64(n-1)
	}
	yAt := func(v float64) float64 {
		if hi == lo {
			return (py0 + py1) / 2
		}
		return py1 - 6 - (py1-py0-12)*(v-lo)/(hi-lo)
	}
	switch {
	case n == 0:
		s.htmText((px0+px1)/2, (py0+py1)/2, 11, "middle", "no-data", "no periods", false)
	case !have:
		s.htmText((px0+px1)/2, (py0+py1)/2, 11, "middle", "no-data", "no defined values", false)
	}
	if have {
		s.htmText(px0-4, yAt(hi)+4, 10, "end", "max", htmValue(hi, t.Unit), false)
		if hi != lo {
			s.htmText(px0-4, yAt(lo)+4, 10, "end", "min", htmValue(lo, t.Unit), false)
		}
	}
	if n > 0 {
		s.htmText(xAt(0), py1+14, 10, "start", "from", t.Points[0].Period.From.Format("2006-01-02"), false)
		if n > 1 {
			s.htmText(xAt(n-1), py1+14, 10, "end", "to", t.Points[n-1].Period.From.Format("2006-01-02"), false)
		}
	}
	// The line, broken at undefined points.
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&s.b, `<polyline class="series" points="%s" fill="none" stroke="#2a6bb3" stroke-width="2"/>`, strings.Join(seg, " "))
		}
		seg = nil
	}
	for i, p := range t.Points {
		if !htmDefined(p) {
			flush()
			continue
		}
		seg = append(seg, htmNum(xAt(i))+","+htmNum(yAt(p.Value)))
	}
	flush()
	for i, p := range t.Points {
		when := p.Period.From.Format("2006-01-02") + " to " + p.Period.To.Format("2006-01-02")
		if !htmDefined(p) {
			fmt.Fprintf(&s.b, `<line class="gap" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#aaaaaa" stroke-width="2"><title>%s</title></line>`,
				htmNum(xAt(i)), htmNum(py1-5), htmNum(xAt(i)), htmNum(py1+5), template.HTMLEscapeString(when+": undefined"))
			continue
		}
		fmt.Fprintf(&s.b, `<circle class="point" cx="%s" cy="%s" r="3" fill="#2a6bb3"><title>%s</title></circle>`,
			htmNum(xAt(i)), htmNum(yAt(p.Value)), template.HTMLEscapeString(when+": "+htmValue(p.Value, t.Unit)))
	}
	w := max(htmTrendW, s.maxX+4)
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" width="%s" height="%s" viewBox="0 0 %s %s" role="img" font-family="system-ui, sans-serif"><title>%s</title>%s</svg>`,
		htmNum(w), htmNum(htmTrendH), htmNum(w), htmNum(htmTrendH), template.HTMLEscapeString(title), s.b.String()))
}
