package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

// Options configure [Run]. The zero value replays every case to its end,
// stops at the first bad row, stores nothing and uses one worker per CPU.
type Options struct {
	// StopAtFirst stops each case at its first refusal; otherwise the case
	// goes on from the status the workflow last accepted, and every
	// deviation is counted.
	StopAtFirst bool
	// SkipBadRows skips and counts bad rows instead of stopping, up to
	// MaxSkipped of them.
	SkipBadRows bool
	// MaxSkipped is the largest share of the log's rows SkipBadRows may
	// skip (0 means DefaultMaxSkipped; 1 allows every row): a run that
	// skips more returns its summary with a [*SkippedError], for a log
	// that is mostly skipped says nothing about the process.
	MaxSkipped float64
	// Encoding is the log's character encoding ([ReaderOptions.Encoding]).
	Encoding string
	// MaxRowBytes and MaxRowsPerCase bound a row and a case
	// ([ReaderOptions]).
	MaxRowBytes, MaxRowsPerCase int

	// trace and maxRows serve [Check]: a line for each row and command,
	// and no case started past that many rows.
	trace   func(line string)
	maxRows int
	// Target, when set, receives each replayed incident with its whole
	// journal, one Load per case (one transaction on sqlstore).
	Target sms.Loader[*incident.Incident]
	// Skip, when set, is asked of each case before it is replayed, with
	// the ID its incident gets (the log payload's id): true passes the
	// case over (counted in Summary.Resumed), as a run that resumes an
	// interrupted one does for the cases already stored. An error stops
	// the run.
	Skip func(ctx context.Context, caseID, incidentID string) (bool, error)
	// Store, when set, is called instead of Target with each case's
	// result and its replayed incidents, to keep them as the host keeps
	// records: with the deviations beside them, in one transaction of its
	// own. An error stops the run.
	Store func(ctx context.Context, res *CaseResult, incidents []Replayed) error
	// Workers replay cases in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Replayed is an incident a case was replayed into, with its whole
// journal, as [Options.Store] receives it.
type Replayed struct {
	Incident *incident.Incident
	Journal  []sms.Entry
}

// DefaultMaxSkipped is [Options.MaxSkipped] when it is zero: one row in a
// hundred.
const DefaultMaxSkipped = 0.01

// SkippedError is a run that skipped more bad rows than
// [Options.MaxSkipped] allows. Run returns its summary with it, but the
// summary is no verdict on the log: a mapping that does not fit it (a time
// layout, the states), or a log not grouped by case, makes most rows bad.
type SkippedError struct {
	Skipped, Rows int
	Max           float64
	// First are the first rows skipped (at most 20).
	First []*RowError
	// Unsorted says some were skipped because their case reappeared after
	// other cases: the log is not grouped by case.
	Unsorted bool
}

// Error implements the error interface.
func (e *SkippedError) Error() string {
	s := fmt.Sprintf("replay: %d of %d rows skipped (%.1f%%), more than the %.1f%% allowed", e.Skipped, e.Rows,
		100*float64(e.Skipped)/float64(max(e.Rows, 1)), 100*e.Max)
	if e.Unsorted {
		s += "; rows of a case reappear after other cases: sort the log by case (its rows in time order within each case) first"
	}
	if len(e.First) > 0 {
		s += "; the first: " + e.First[0].Error()
	}
	return s
}

// Unwrap returns [sms.ErrInvalid].
func (e *SkippedError) Unwrap() error { return sms.ErrInvalid }

// RequirementCount aggregates the deviations citing one requirement.
type RequirementCount struct {
	sms.Requirement
	// Deviations counts deviations citing it that the log itself caused;
	// Cases the cases with one; Consequences the deviations that only
	// followed from an earlier refusal in the same case.
	Deviations   int `json:"deviations"`
	Cases        int `json:"cases"`
	Consequences int `json:"consequences"`
	// ExampleCase and ExampleRow point at the first deviation seen.
	ExampleCase string `json:"example_case"`
	ExampleRow  int    `json:"example_row"`
}

// Edge is one observed change of source state, with how often it happened
// and how often the workflow refused it.
type Edge struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Count   int    `json:"count"`
	Refused int    `json:"refused"`
	// Median and P90 are how long cases stayed in From before they moved
	// to To: the median and the 90th percentile, to the second, read
	// within half a percent. Zero for the start of a case.
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
}

// Summary is the outcome of a whole replay.
type Summary struct {
	Mapping    string `json:"mapping"`
	Cases      int    `json:"cases"`
	Events     int    `json:"events"`
	Conformant int    `json:"conformant"`
	// Deviations counts every deviation; ByKind splits them by kind;
	// Consequences counts those that followed from an earlier refusal.
	Deviations int `json:"deviations"`
	// DataErrors counts commands the rows' data made invalid (a mistake of
	// the mapping or the data, never a requirement breached), in
	// DataErrorCases cases; DataErrorExample is the first, of
	// DataErrorExampleCase.
	DataErrors           int            `json:"data_errors"`
	DataErrorCases       int            `json:"data_error_cases"`
	DataErrorExample     *DataError     `json:"data_error_example,omitempty"`
	DataErrorExampleCase string         `json:"data_error_example_case,omitempty"`
	Consequences         int            `json:"consequences"`
	ByKind               map[string]int `json:"by_kind"`
	// ByRequirement is sorted by requirement ID.
	ByRequirement []RequirementCount `json:"by_requirement"`
	// Rows counts the log's data rows read; SkippedRows the bad rows
	// skipped; RowErrors shows the first.
	Rows        int         `json:"rows"`
	SkippedRows int         `json:"skipped_rows"`
	RowErrors   []*RowError `json:"row_errors,omitempty"`
	// Edges are the observed changes of source state, "" standing for the
	// start of a case.
	Edges []Edge `json:"edges"`
	// AcceptedEvents counts the events the workflow accepted, of the
	// ReplayedEvents it was given (every event but those after a stop);
	// Fitness is their share, the log's fitness in the sense of process
	// mining (1 when every event fits the workflow).
	AcceptedEvents int     `json:"accepted_events"`
	ReplayedEvents int     `json:"replayed_events"`
	Fitness        float64 `json:"fitness"`
	// Variants are the most frequent paths through the log's states, at
	// most MaxVariants, with how many cases took each and how many of
	// those conformed; VariantCount counts the distinct paths, up to
	// 10,000; the cases of paths past that are OtherVariantCases.
	Variants          []Variant `json:"variants"`
	VariantCount      int       `json:"variant_count"`
	OtherVariantCases int       `json:"other_variant_cases,omitempty"`
	// Resources are the actors with the most events (at most
	// MaxResources), ResourceCount how many there are. Groups, when the
	// mapping names a group column, are the support groups likewise, and
	// HandOffs the most frequent passings of a record from one group to
	// another; HandOffTotal counts them all, PingPongCases the cases whose
	// record went back to a group it had left.
	Resources     []Resource    `json:"resources"`
	ResourceCount int           `json:"resource_count"`
	Groups        []Resource    `json:"groups,omitempty"`
	GroupCount    int           `json:"group_count,omitempty"`
	HandOffs      []HandOff     `json:"hand_offs,omitempty"`
	HandOffTotal  int           `json:"hand_off_total,omitempty"`
	PingPongCases int           `json:"ping_pong_cases,omitempty"`
	Elapsed       time.Duration `json:"elapsed_ns"`
	// Resumed counts the cases [Options.Skip] passed over (stored by an
	// earlier run); the other figures leave them out.
	Resumed int `json:"resumed,omitempty"`
	// Filtered counts the cases the mapping's Filter passed over; the
	// other figures leave them out (but Rows and SkippedRows).
	Filtered int `json:"filtered,omitempty"`
	// Interrupted says the caller's context ended the run: the summary
	// covers the cases replayed (and stored) before it, each of them
	// whole, and no others.
	Interrupted bool `json:"interrupted,omitempty"`

	byReq    map[string]*RequirementCount
	edges    map[[2]string]*edgeAcc
	variants variants
	key      []byte // the variant key of the case being added
	actors   tally
	groups   tally
	handOffs handOffs
}

// edgeAcc is an edge being counted, with the times spent before it.
type edgeAcc struct {
	Edge
	times durations
}

// ConformantPercent is the share of conformant cases, in percent.
func (s *Summary) ConformantPercent() float64 {
	if s.Cases == 0 {
		return 0
	}
	return 100 * float64(s.Conformant) / float64(s.Cases)
}

// EventsPerSecond is the replay's throughput.
func (s *Summary) EventsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

func (s *Summary) add(r *CaseResult) {
	s.Cases++
	s.Events += r.Events
	if r.Conformant {
		s.Conformant++
	}
	if len(r.DataErrors) > 0 {
		s.DataErrors += len(r.DataErrors)
		s.DataErrorCases++
		if s.DataErrorExample == nil {
			e := r.DataErrors[0]
			s.DataErrorExample = &e
			s.DataErrorExampleCase = r.Case
		}
	}
	seen := map[string]bool{}
	for _, d := range r.Deviations {
		s.Deviations++
		s.ByKind[d.Kind]++
		if d.Consequence {
			s.Consequences++
		}
		for _, id := range d.IDs() {
			rc := s.byReq[id]
			if rc == nil {
				q := firstWithID(d.Requirements, id)
				rc = &RequirementCount{Requirement: sms.Requirement{ID: q.ID, Clause: q.Clause, Text: q.Text}}
				s.byReq[id] = rc
			}
			if d.Consequence {
				rc.Consequences++
				continue
			}
			if rc.ExampleCase == "" {
				rc.ExampleCase, rc.ExampleRow = r.Case, d.Row
			}
			rc.Deviations++
			if !seen[id] {
				seen[id] = true
				rc.Cases++
			}
		}
	}
	s.AcceptedEvents += r.Accepted
	s.ReplayedEvents += r.Replayed
	s.key = s.key[:0]
	for i, m := range r.moves {
		if i > 0 {
			s.key = append(s.key, keySep...)
		}
		s.key = append(s.key, m.to...)
		k := [2]string{m.from, m.to}
		e := s.edges[k]
		if e == nil {
			e = &edgeAcc{Edge: Edge{From: m.from, To: m.to}}
			s.edges[k] = e
		}
		e.Count++
		if m.refused {
			e.Refused++
		}
		if m.from != "" {
			e.times.add(m.in)
		}
	}
	s.variants.add(s.key, r.Conformant)
	for _, e := range r.events {
		if e.actor != "" {
			s.actors.add(e.actor, s.Cases, e)
		}
		if e.group != "" {
			s.groups.add(e.group, s.Cases, e)
		}
	}
	s.handOffs.addCase(s.Cases, r.events)
}

func firstWithID(rs []sms.Requirement, id string) sms.Requirement {
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	return sms.Requirement{ID: id}
}

func (s *Summary) finish() {
	s.ByRequirement = s.ByRequirement[:0]
	for _, rc := range s.byReq {
		s.ByRequirement = append(s.ByRequirement, *rc)
	}
	sort.Slice(s.ByRequirement, func(i, j int) bool { return s.ByRequirement[i].ID < s.ByRequirement[j].ID })
	s.Edges = s.Edges[:0]
	for _, e := range s.edges {
		e.Median, e.P90 = e.times.quantile(0.5), e.times.quantile(0.9)
		s.Edges = append(s.Edges, e.Edge)
	}
	if s.ReplayedEvents > 0 {
		s.Fitness = float64(s.AcceptedEvents) / float64(s.ReplayedEvents)
	}
	s.Variants, s.VariantCount = s.variants.top()
	s.OtherVariantCases = s.variants.other // cases of variants past the 10,000 counted
	s.Resources, s.ResourceCount = s.actors.top()
	s.Groups, s.GroupCount = s.groups.top()
	s.HandOffs, s.HandOffTotal, s.PingPongCases = s.handOffs.top(), s.handOffs.total, s.handOffs.pingPong
	sort.Slice(s.Edges, func(i, j int) bool {
		if s.Edges[i].Count != s.Edges[j].Count {
			return s.Edges[i].Count > s.Edges[j].Count
		}
		return s.Edges[i].From+"\x00"+s.Edges[i].To < s.Edges[j].From+"\x00"+s.Edges[j].To
	})
}

// Run replays every case of the log through the incident workflow and
// returns the summary. each, when not nil, receives every case's result in
// file order; an error it returns stops the run. Cases are replayed in
// parallel, each in a scratch store with the log's timestamps as the clock,
// and handed to Options.Target when set. Memory holds a few cases at a
// time, whatever the size of the log.
//
// A bad row stops the run with a [*RowError] naming it, unless
// SkipBadRows is set. A deviation is not an error: it is reported in the
// case's result.
//
// When ctx ends, Run reads no further case, finishes (and stores) the
// cases under way, hands each of them to each, and returns the summary of
// those cases (Summary.Interrupted) with ctx's error: what was reported
// and what was stored are the same cases.
func Run(ctx context.Context, src io.Reader, m *Mapping, opts Options, each func(*CaseResult) error) (*Summary, error) {
	start := time.Now()
	if opts.MaxSkipped < 0 || opts.MaxSkipped > 1 {
		return nil, sms.Invalid("replay", "max_skipped", "%g: a share of the rows, from 0 to 1", opts.MaxSkipped)
	}
	if opts.MaxSkipped == 0 {
		opts.MaxSkipped = DefaultMaxSkipped
	}
	if p := m.Filter.check(); p != "" {
		return nil, &MappingError{Mapping: m.Name, Problem: p}
	}
	rd, err := NewReader(src, m, ReaderOptions{SkipBadRows: opts.SkipBadRows, Encoding: opts.Encoding,
		MaxRowBytes: opts.MaxRowBytes, MaxRowsPerCase: opts.MaxRowsPerCase})
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ws := make([]*worker, workers)
	for i := range ws {
		if ws[i], err = newWorker(m, opts); err != nil {
			return nil, err
		}
	}
	// The cases under way finish even when the caller's context ends
	// (Ctrl-C): the workers run on a context of their own, cancelled only
	// by a failure, and the reading stops instead.
	stop := ctx
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)

	type job struct {
		seq int
		c   *Case
	}
	type result struct {
		seq int
		res CaseResult
	}
	var resumed atomic.Int64  // cases Skip passed over
	var filtered atomic.Int64 // cases the mapping's filter passed over
	jobs := make(chan job, 4*workers)
	results := make(chan result, 4*workers)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res, incs, err := w.replayCase(ctx, j.c)
				switch {
				case err != nil:
				case opts.Store != nil:
					out := make([]Replayed, len(incs))
					for k, rp := range incs {
						out[k] = Replayed{Incident: rp.inc, Journal: rp.journal}
					}
					err = opts.Store(ctx, &res, out)
				case opts.Target != nil:
					for _, rp := range incs {
						if err = opts.Target.Load(ctx, rp.inc, rp.journal); err != nil {
							break
						}
					}
				}
				if err != nil {
					cancel(fmt.Errorf("replay: case %q: %w", j.c.ID, err))
					return
				}
				select {
				case results <- result{j.seq, res}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		handed := 0 // rows of the cases handed out
		for seq := 0; stop.Err() == nil; {
			if opts.maxRows > 0 && handed >= opts.maxRows {
				return
			}
			c, err := rd.Next()
			if c != nil {
				handed += len(c.Events)
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				cancel(err)
				return
			}
			if !m.Filter.keeps(c) {
				filtered.Add(1)
				continue
			}
			if opts.Skip != nil {
				id, rerr := m.payloads[incident.TriggerLog]["id"].render(&c.Events[0])
				if rerr == nil {
					skip, err := opts.Skip(ctx, c.ID, id)
					if err != nil {
						cancel(fmt.Errorf("replay: case %q: %w", c.ID, err))
						return
					}
					if skip {
						resumed.Add(1)
						continue
					}
				}
			}
			select {
			case jobs <- job{seq, c}:
				seq++
			case <-ctx.Done():
				return
			case <-stop.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	sum := &Summary{Mapping: m.Name, ByKind: map[string]int{}, byReq: map[string]*RequirementCount{}, edges: map[[2]string]*edgeAcc{}}
	pending := map[int]CaseResult{}
	next := 0
	for r := range results {
		if context.Cause(ctx) != nil {
			continue // stopping: drain what the workers still send
		}
		pending[r.seq] = r.res
		for context.Cause(ctx) == nil {
			res, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			sum.add(&res)
			if each != nil {
				if err := each(&res); err != nil {
					cancel(err)
				}
			}
		}
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	sum.SkippedRows, sum.RowErrors = rd.Skipped()
	sum.Rows = rd.Rows()
	sum.Resumed = int(resumed.Load())
	sum.Filtered = int(filtered.Load())
	sum.finish()
	sum.Elapsed = time.Since(start)
	if err := stop.Err(); err != nil {
		sum.Interrupted = true
		return sum, err
	}
	if sum.Rows == 0 {
		return sum, &RowError{Row: 2, Problem: "the log has a header and no rows"}
	}
	if float64(sum.SkippedRows) > opts.MaxSkipped*float64(sum.Rows) {
		return sum, &SkippedError{Skipped: sum.SkippedRows, Rows: sum.Rows, Max: opts.MaxSkipped, First: sum.RowErrors, Unsorted: rd.unsorted}
	}
	return sum, nil
}

// WriteText writes the summary for people: the counts, conformance, the
// deviations by requirement with an example case each, skipped rows.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	if s.Interrupted {
		fmt.Fprintf(&b, "INTERRUPTED: the figures cover the %d cases replayed before the run was stopped\n", s.Cases)
	}
	if s.Filtered > 0 {
		fmt.Fprintf(&b, "filtered: %d cases the mapping's filter left out are not in the figures\n", s.Filtered)
	}
	if s.Resumed > 0 {
		fmt.Fprintf(&b, "resumed: %d cases stored by an earlier run were not replayed; the figures cover the others\n", s.Resumed)
	}
	fmt.Fprintf(&b, "mapping            %s\n", s.Mapping)
	fmt.Fprintf(&b, "cases              %d\n", s.Cases)
	fmt.Fprintf(&b, "events             %d\n", s.Events)
	fmt.Fprintf(&b, "conformant cases   %d (%.1f%%)\n", s.Conformant, s.ConformantPercent())
	if s.DataErrors > 0 {
		fmt.Fprintf(&b, "data errors        %d in %d cases: commands the mapping or the data made invalid, not deviations (first: case %s row %d, %s: %s)\n",
			s.DataErrors, s.DataErrorCases, s.DataErrorExampleCase, s.DataErrorExample.Row, s.DataErrorExample.Trigger, s.DataErrorExample.Message)
	}
	fmt.Fprintf(&b, "deviations         %d, of which %d follow from an earlier refusal in the case", s.Deviations, s.Consequences)
	kinds := make([]string, 0, len(s.ByKind))
	for k := range s.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for i, k := range kinds {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		fmt.Fprintf(&b, "%s%s %d", sep, k, s.ByKind[k])
	}
	if len(kinds) > 0 {
		b.WriteString(")")
	}
	b.WriteString("\n")
	if s.SkippedRows > 0 {
		fmt.Fprintf(&b, "skipped rows       %d\n", s.SkippedRows)
		for _, e := range s.RowErrors {
			fmt.Fprintf(&b, "  %v\n", e)
		}
	}
	fmt.Fprintf(&b, "fitness            %.4f (%d of %d events replayed fit the workflow)\n", s.Fitness, s.AcceptedEvents, s.ReplayedEvents)
	fmt.Fprintf(&b, "variants           %d\n", s.VariantCount)
	fmt.Fprintf(&b, "elapsed            %s (%.0f events/s)\n\n", s.Elapsed.Round(time.Millisecond), s.EventsPerSecond())
	if len(s.Groups) > 0 {
		n := min(len(s.Groups), 10)
		fmt.Fprintf(&b, "the %d support groups with the most events, of %d; %d hand-offs between groups, %d cases back to a group they had left\n", n, s.GroupCount, s.HandOffTotal, s.PingPongCases)
		writeResources(&b, s.Groups[:n])
		if len(s.HandOffs) > 0 {
			n := min(len(s.HandOffs), 10)
			fmt.Fprintf(&b, "the %d most frequent hand-offs\n", n)
			fmt.Fprintf(&b, "  %6s %6s  %s\n", "count", "cases", "from > to")
			for _, h := range s.HandOffs[:n] {
				fmt.Fprintf(&b, "  %6d %6d  %s > %s\n", h.Count, h.Cases, h.From, h.To)
			}
			b.WriteString("\n")
		}
	}
	if len(s.Resources) > 0 {
		n := min(len(s.Resources), 10)
		fmt.Fprintf(&b, "the %d actors with the most events, of %d\n", n, s.ResourceCount)
		writeResources(&b, s.Resources[:n])
	}
	if len(s.Variants) > 0 {
		n := min(len(s.Variants), 10)
		fmt.Fprintf(&b, "the %d most frequent variants\n", n)
		fmt.Fprintf(&b, "  %6s %10s  %s\n", "cases", "conformant", "states")
		for _, v := range s.Variants[:n] {
			fmt.Fprintf(&b, "  %6d %10d  %s\n", v.Cases, v.Conformant, strings.Join(v.States, " > "))
		}
		b.WriteString("\n")
	}
	if len(s.ByRequirement) > 0 {
		b.WriteString("deviations by requirement\n")
		fmt.Fprintf(&b, "  %-7s %-11s %10s %6s %12s  %-17s %s\n", "ID", "clause", "deviations", "cases", "consequences", "example (case@row)", "requirement (first cited)")
		for _, r := range s.ByRequirement {
			ex := "-"
			if r.ExampleCase != "" {
				ex = fmt.Sprintf("%s@%d", r.ExampleCase, r.ExampleRow)
			}
			fmt.Fprintf(&b, "  %-7s %-11s %10d %6d %12d  %-17s %s\n", r.ID, r.Clause, r.Deviations, r.Cases, r.Consequences, ex, r.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeResources writes a table of resources for WriteText.
func writeResources(b *strings.Builder, rs []Resource) {
	fmt.Fprintf(b, "  %7s %7s %6s %10s  %s\n", "events", "fitness", "cases", "deviations", "name")
	for _, r := range rs {
		fmt.Fprintf(b, "  %7d %7.3f %6d %10d  %s\n", r.Events, float64(r.Accepted)/float64(r.Events), r.Cases, r.Deviations, r.Name)
	}
	b.WriteString("\n")
}

// Mermaid draws the observed process map: every change of source state
// seen in the log, with its count and the median time spent in the state
// it leaves; changes the workflow refused at least
// once are drawn dashed, in red, with how often they were refused.
func (s *Summary) Mermaid() string {
	ids := map[string]string{}
	var names []string
	for _, e := range s.Edges {
		for _, n := range []string{e.From, e.To} {
			if _, ok := ids[n]; !ok {
				ids[n] = ""
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, n := range names {
		ids[n] = fmt.Sprintf("s%d", i)
		label := n
		if n == "" {
			label = "start"
			fmt.Fprintf(&b, "    %s((%s))\n", ids[n], label)
			continue
		}
		fmt.Fprintf(&b, "    %s[\"%s\"]\n", ids[n], strings.ReplaceAll(label, `"`, "'"))
	}
	var refused []int
	for i, e := range s.Edges {
		label := fmt.Sprint(e.Count)
		if e.From != "" {
			label += ", median " + shortDuration(e.Median)
		}
		if e.Refused > 0 {
			fmt.Fprintf(&b, "    %s -.->|\"%s, %d refused\"| %s\n", ids[e.From], label, e.Refused, ids[e.To])
			refused = append(refused, i)
			continue
		}
		fmt.Fprintf(&b, "    %s -->|\"%s\"| %s\n", ids[e.From], label, ids[e.To])
	}
	for _, i := range refused {
		fmt.Fprintf(&b, "    linkStyle %d stroke:#c00,stroke-width:2px\n", i)
	}
	return b.String()
}

// Check replays the cases of the log's first rows (the cases started
// within them, each whole) and writes to w, row by row, what the replay
// does: the status each source state maps to, each command fired with the
// fields the mapping filled, and the service's answer. It is how a new
// mapping is tried before a whole run: a field filled wrong, a hold reason
// refused, a state mapped to the wrong status show on the first rows. It
// returns the summary of those cases; opts as for [Run] (Target and
// Workers are ignored: nothing is stored, one case at a time).
func Check(ctx context.Context, src io.Reader, m *Mapping, opts Options, rows int, w io.Writer) (*Summary, error) {
	if rows <= 0 {
		return nil, sms.Invalid("replay", "rows", "%d: check at least one row", rows)
	}
	var werr error
	opts.Target, opts.Workers, opts.maxRows = nil, 1, rows
	opts.trace = func(line string) {
		if werr == nil {
			_, werr = io.WriteString(w, line+"\n")
		}
	}
	sum, err := Run(ctx, src, m, opts, nil)
	if err == nil {
		err = werr
	}
	return sum, err
}
