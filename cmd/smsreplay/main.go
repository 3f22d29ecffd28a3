// Command smsreplay replays an exported incident event log through the
// library's incident workflow and reports, case by case, where the history
// would have been refused and which requirement of ISO/IEC 20000-1:2018 it
// breaks.
//
//	go run ./cmd/smsreplay -mapping replay/mappings/servicenow-incident.json \
//	    -log ../shared/data/servicenow-incident-event-log.csv.gz -skip-bad-rows -out replay-out
//
// With -skip-bad-rows a bad row is skipped and counted, but a run that
// skips more than -max-skipped of the rows (one in a hundred by default)
// prints what it read and fails: a mapping that does not fit the log, or
// a log not grouped by case, is no verdict on the process. -encoding reads
// a log in latin1 or windows-1252; otherwise a cell that is not UTF-8 is
// an error naming its row and column.
//
// -check N tries a mapping before a whole run: it replays the cases of the
// log's first N rows and prints, row by row, the status each state maps to
// and each command fired with the fields the mapping filled and the
// service's answer, then their summary; it writes and stores nothing.
//
// Input is bounded: a row larger than -max-row-bytes (1 MiB), or a case of
// more than -max-case-rows rows (100,000), stops the run naming its row,
// and the cases seen are kept in 8 bytes each, so that memory does not
// follow the log's size: a log of 10,000,000 cases replays in under 200 MiB.
// Unless GOMEMLIMIT is set, a run that does not keep its incidents in
// memory sets a soft memory limit of 150 MiB, so that the garbage
// collector keeps the heap near what is live.
//
// Ctrl-C stops reading, finishes the cases under way and writes what they
// make, marked INTERRUPTED: the files and the database hold the same
// cases. The files are written under temporary names and renamed at the
// end, so a failed run leaves the previous run's as they were. An existing
// -db file is refused unless -overwrite replaces it or -resume goes on into
// it: an interrupted run stores whole cases only, and -resume replays the
// cases whose incident the database does not hold yet.
//
// -since and -until (RFC 3339 times or dates) replay only the cases that
// start in the period, and -where column=value (repeatable) only those
// with a row holding the value, as the mapping's filter does.
//
// It prints the summary on stdout (with the log's fitness and its most
// frequent variants) and a progress bar on stderr, and with -out writes
// summary.txt, summary.json (with every variant counted and every edge's
// median and 90th percentile time), cases.jsonl (one result per case, with
// its fitness) and process-map.mmd (the observed transitions as a Mermaid
// flowchart with counts and median times, refused ones drawn dashed in
// red). -store keeps the replayed incidents:
// memory, or sqlite (-db PATH, one transaction per case, which also writes
// the case's deviations and data errors into the table replay_deviations,
// for a host to query which stored incidents deviated).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/replay"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// defaultMemoryLimit is the soft memory limit of a streaming run unless
// GOMEMLIMIT says otherwise.
const defaultMemoryLimit = 150 << 20

type config struct {
	mapping, log, out, store, db, progress string
	encoding                               string
	stopAtFirst, skipBad, syncNormal       bool
	overwrite, resume                      bool
	dbGiven                                bool // -db was given
	maxSkipped                             float64
	workers, maxRowBytes, maxCaseRows      int
	check                                  int
	since, until                           string
	where                                  []string // column=value, repeatable
}

func main() {
	var c config
	flag.StringVar(&c.mapping, "mapping", "", "mapping JSON file (required)")
	flag.StringVar(&c.log, "log", "", "event log, CSV or XES, optionally gzip-compressed (required)")
	flag.StringVar(&c.out, "out", "", "directory for summary.txt, summary.json, cases.jsonl and process-map.mmd")
	flag.StringVar(&c.store, "store", "none", "where replayed incidents go: none, memory or sqlite")
	flag.StringVar(&c.db, "db", "replay.db", "SQLite database file for -store sqlite")
	flag.BoolVar(&c.syncNormal, "sync-normal", false, "SQLite synchronous=NORMAL: faster bulk import; the last transactions may be lost on power failure, never half-written")
	flag.BoolVar(&c.stopAtFirst, "stop-at-first", false, "stop each case at its first refusal instead of counting every deviation")
	flag.BoolVar(&c.skipBad, "skip-bad-rows", false, "skip and count bad rows instead of stopping at the first")
	flag.Float64Var(&c.maxSkipped, "max-skipped", replay.DefaultMaxSkipped, "with -skip-bad-rows, the largest share of rows that may be skipped (0.01: one in a hundred; 1: all) before the run fails")
	flag.StringVar(&c.encoding, "encoding", "utf-8", "the log's character encoding: utf-8, latin1 or windows-1252")
	flag.BoolVar(&c.overwrite, "overwrite", false, "with -store sqlite, replace the -db file when it exists (otherwise an existing file is refused)")
	flag.BoolVar(&c.resume, "resume", false, "with -store sqlite, go on into the existing -db file: cases whose incident it holds are not replayed again")
	flag.IntVar(&c.maxRowBytes, "max-row-bytes", replay.DefaultMaxRowBytes, "the largest row read, in bytes; a larger one stops the run")
	flag.IntVar(&c.maxCaseRows, "max-case-rows", replay.DefaultMaxRowsPerCase, "the most rows of one case; more stop the run")
	flag.IntVar(&c.check, "check", 0, "try the mapping on the cases of the first N rows: print, row by row, each command and the answer, and write or store nothing")
	flag.IntVar(&c.workers, "workers", 0, "cases replayed in parallel (0: one per CPU)")
	flag.StringVar(&c.since, "since", "", "replay only the cases that start at or after this time (RFC 3339, or a date 2006-01-02 in UTC)")
	flag.StringVar(&c.until, "until", "", "replay only the cases that start before this time (RFC 3339, or a date in UTC)")
	flag.Func("where", "replay only the cases with a row whose column holds the value: column=value (repeatable; a column given twice keeps either value)", func(v string) error {
		c.where = append(c.where, v)
		return nil
	})
	flag.StringVar(&c.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) { c.dbGiven = c.dbGiven || f.Name == "db" })
	if os.Getenv("GOMEMLIMIT") == "" && c.store != "memory" {
		// A streaming run's live heap is small (a few cases, 8 bytes a
		// case seen): the collector keeps it so rather than letting
		// garbage double it. -store memory holds every incident and is
		// left to the runtime's default.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "smsreplay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	switch {
	case c.mapping == "" || c.log == "":
		return errors.New("-mapping and -log are required")
	case c.dbGiven && c.store != "sqlite":
		return fmt.Errorf("-db names the SQLite database of -store sqlite, not -store %s", c.store)
	case c.progress != "" && c.progress != "auto" && c.progress != "always" && c.progress != "never":
		return fmt.Errorf("-progress %q: want auto, always or never", c.progress)
	}
	mf, err := os.Open(c.mapping)
	if err != nil {
		return err
	}
	m, err := replay.ParseMapping(mf)
	mf.Close()
	if err != nil {
		return err
	}
	if err := applyFilter(m, c); err != nil {
		return err
	}
	f, err := os.Open(c.log)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	counted := &countingReader{r: f}
	src, err := decompress(bufio.NewReaderSize(counted, 1<<16))
	if err != nil {
		return err
	}

	if c.check > 0 {
		if c.out != "" || c.store != "none" && c.store != "" {
			return errors.New("-check writes and stores nothing: give it without -out and -store")
		}
		opts := replay.Options{SkipBadRows: c.skipBad, MaxSkipped: 1, Encoding: c.encoding, MaxRowBytes: c.maxRowBytes, MaxRowsPerCase: c.maxCaseRows}
		sum, err := replay.Check(ctx, src, m, opts, c.check, stdout)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		return sum.WriteText(stdout)
	}
	opts := replay.Options{StopAtFirst: c.stopAtFirst, SkipBadRows: c.skipBad, MaxSkipped: c.maxSkipped, Encoding: c.encoding, Workers: c.workers,
		MaxRowBytes: c.maxRowBytes, MaxRowsPerCase: c.maxCaseRows}
	closeStore, err := openTarget(ctx, c, &opts)
	if err != nil {
		return err
	}
	defer closeStore()

	// The outputs are written under temporary names in the directory and
	// renamed at the end: a failed run leaves the previous run's files as
	// they were, never a mixture.
	var (
		cases   *bufio.Writer
		casesF  *os.File
		renamed bool
	)
	if c.out != "" {
		if err := os.MkdirAll(c.out, 0o755); err != nil {
			return err
		}
		if casesF, err = os.CreateTemp(c.out, ".cases-*.jsonl.tmp"); err != nil {
			return err
		}
		defer func() {
			casesF.Close()
			if !renamed {
				os.Remove(casesF.Name())
			}
		}()
		cases = bufio.NewWriter(casesF)
	}

	var done atomic.Int64
	showProgress := c.progress == "always" || (c.progress == "auto" && isTerminal(stderr))
	stopBar := make(chan struct{})
	barDone := make(chan struct{})
	go func() {
		defer close(barDone)
		if !showProgress {
			return
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		start := time.Now()
		for {
			select {
			case <-stopBar:
				fmt.Fprintf(stderr, "\r%s\n", bar(counted.n.Load(), st.Size(), done.Load(), time.Since(start)))
				return
			case <-tick.C:
				fmt.Fprintf(stderr, "\r%s", bar(counted.n.Load(), st.Size(), done.Load(), time.Since(start)))
			}
		}
	}()
	enc := json.NewEncoder(io.Discard)
	if cases != nil {
		enc = json.NewEncoder(cases)
	}
	sum, err := replay.Run(ctx, src, m, opts, func(r *replay.CaseResult) error {
		done.Add(1)
		if cases == nil {
			return nil
		}
		return enc.Encode(r)
	})
	close(stopBar)
	<-barDone
	if se, ok := errors.AsType[*replay.SkippedError](err); ok && sum != nil {
		// What was read, for the user to see why; no verdict is written.
		var text bytes.Buffer
		if werr := sum.WriteText(&text); werr == nil {
			stdout.Write(text.Bytes())
		}
		return se
	}
	// Interrupted (Ctrl-C): the cases finished are written, marked so,
	// and the run still fails.
	interrupted := err != nil && sum != nil && sum.Interrupted
	if err != nil && !interrupted {
		return err
	}
	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil {
		return err
	}
	if _, err := stdout.Write(text.Bytes()); err != nil {
		return err
	}
	if c.out != "" {
		if err := writeOutputs(c.out, sum, text.Bytes(), cases, casesF); err != nil {
			return err
		}
		renamed = true
		fmt.Fprintf(stdout, "\nwrote %s/{summary.txt,summary.json,cases.jsonl,process-map.mmd}\n", c.out)
	}
	if interrupted {
		return fmt.Errorf("interrupted after %d cases (every one written and stored whole): %w", sum.Cases, err)
	}
	return nil
}

// writeOutputs writes the summaries under temporary names beside the
// cases' and renames the four into place.
func writeOutputs(dir string, sum *replay.Summary, text []byte, cases *bufio.Writer, casesF *os.File) error {
	if err := cases.Flush(); err != nil {
		return err
	}
	if err := casesF.Sync(); err != nil {
		return err
	}
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	temps := map[string]string{"cases.jsonl": casesF.Name()}
	defer func() {
		for name, tmp := range temps {
			if name != "cases.jsonl" {
				os.Remove(tmp) // left only when a rename failed
			}
		}
	}()
	for name, data := range map[string][]byte{
		"summary.txt":     text,
		"summary.json":    append(js, '\n'),
		"process-map.mmd": []byte(sum.Mermaid()),
	} {
		f, err := os.CreateTemp(dir, "."+name+"-*.tmp")
		if err != nil {
			return err
		}
		temps[name] = f.Name()
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	for _, name := range []string{"cases.jsonl", "summary.txt", "summary.json", "process-map.mmd"} {
		if err := os.Chmod(temps[name], 0o644); err != nil {
			return err
		}
		if err := os.Rename(temps[name], filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// openTarget sets opts.Target for -store and returns what releases it.
func openTarget(ctx context.Context, c config, opts *replay.Options) (func(), error) {
	switch c.store {
	case "none":
		return func() {}, nil
	case "memory":
		opts.Target = memstore.New[*incident.Incident]()
		return func() {}, nil
	case "sqlite":
		so := []sqlite.Option{sqlite.WithBulkImport()}
		if c.syncNormal {
			so = append(so, sqlite.WithSynchronous(sqlite.SyncNormal))
		}
		if c.overwrite && c.resume {
			return nil, errors.New("-overwrite replaces the database, -resume goes on into it: give one")
		}
		if _, err := os.Stat(c.db); err == nil && !c.resume {
			if !c.overwrite {
				return nil, fmt.Errorf("-db %s exists: its incidents would collide with the replay's; give -overwrite to replace it, -resume to go on into it, or another -db", c.db)
			}
			for _, p := range []string{c.db, c.db + "-wal", c.db + "-shm"} {
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					return nil, err
				}
			}
		}
		db, err := sqlite.Open(ctx, c.db, so...)
		if err != nil {
			return nil, fmt.Errorf("-db %s: %w", c.db, err)
		}
		s, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
		if err != nil {
			db.Close()
			return nil, err
		}
		if _, err := db.ExecContext(ctx, deviationsTable); err != nil {
			s.Close()
			db.Close()
			return nil, fmt.Errorf("-db %s: %w", c.db, err)
		}
		opts.Store = func(ctx context.Context, res *replay.CaseResult, incs []replay.Replayed) error {
			return storeCase(ctx, db, s, res, incs)
		}
		if c.resume {
			opts.Skip = func(ctx context.Context, _, id string) (bool, error) {
				_, err := s.Get(ctx, id)
				if errors.Is(err, sms.ErrNotFound) {
					return false, nil
				}
				return err == nil, err
			}
		}
		var _ sms.Loader[*incident.Incident] = s
		return func() { s.Close(); db.Close() }, nil
	}
	return nil, fmt.Errorf("unknown -store %q: want none, memory or sqlite", c.store)
}

// deviationsTable keeps, beside the replayed incidents, each deviation and
// data error of their cases, for a host to query which stored incidents
// deviated and why: incident_id is the case's first incident (its
// successors, if any, share its rows), kind a deviation's kind or
// "data_error", requirements the IDs cited, comma-separated.
const deviationsTable = `CREATE TABLE IF NOT EXISTS replay_deviations (
	incident_id  TEXT    NOT NULL,
	case_id      TEXT    NOT NULL,
	row          INTEGER NOT NULL,
	trigger_name TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	requirements TEXT    NOT NULL,
	consequence  INTEGER NOT NULL,
	message      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS replay_deviations_incident ON replay_deviations (incident_id)`

// storeCase stores a case's incidents and its deviations in one
// transaction: both are there, or neither.
func storeCase(ctx context.Context, db *sql.DB, s *sqlstore.Store[*incident.Incident], res *replay.CaseResult, incs []replay.Replayed) (err error) {
	if len(incs) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tctx, d := sqlstore.WithTx(ctx, db, tx)
	defer func() {
		if err != nil {
			tx.Rollback()
			d.RolledBack()
		}
	}()
	for _, rp := range incs {
		if err := s.Load(tctx, rp.Incident, rp.Journal); err != nil {
			return err
		}
	}
	const insert = "INSERT INTO replay_deviations (incident_id, case_id, row, trigger_name, kind, requirements, consequence, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	id := incs[0].Incident.ID
	for _, dv := range res.Deviations {
		ids := strings.Join(dv.IDs(), ",")
		if _, err := tx.ExecContext(ctx, insert, id, res.Case, dv.Row, string(dv.Trigger), dv.Kind, ids, dv.Consequence, dv.Message); err != nil {
			return err
		}
	}
	for _, de := range res.DataErrors {
		if _, err := tx.ExecContext(ctx, insert, id, res.Case, de.Row, string(de.Trigger), "data_error", "", false, de.Message); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.Committed()
	return nil
}

// decompress unwraps gzip when the stream starts with its magic number.
func decompress(r *bufio.Reader) (io.Reader, error) {
	magic, err := r.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(r)
	}
	return r, nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func bar(read, total, cases int64, elapsed time.Duration) string {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = min(float64(read)/float64(total), 1)
	}
	fill := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%%  %d cases  %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100,
		cases, elapsed.Round(100*time.Millisecond))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// applyFilter sets the mapping's filter from -since, -until and -where,
// over what the mapping's own filter says.
func applyFilter(m *replay.Mapping, c config) error {
	for _, f := range []struct {
		name, v string
		to      *time.Time
	}{{"since", c.since, &m.Filter.Since}, {"until", c.until, &m.Filter.Until}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, f.v); err != nil {
				return fmt.Errorf("-%s %q: want an RFC 3339 time (2016-03-01T00:00:00Z) or a date (2016-03-01)", f.name, f.v)
			}
		}
		*f.to = t
	}
	for _, w := range c.where {
		col, val, ok := strings.Cut(w, "=")
		if !ok || col == "" {
			return fmt.Errorf("-where %q: want column=value", w)
		}
		if m.Filter.Where == nil {
			m.Filter.Where = map[string][]string{}
		}
		m.Filter.Where[col] = append(m.Filter.Where[col], val)
	}
	return nil
}
