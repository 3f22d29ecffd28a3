package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

const mappingPath = "../../replay/mappings/servicenow-incident.json"

// dataFile returns the real ServiceNow log, or skips saying it is absent.
func dataFile(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SMS_DATA_DIR")
	if dir == "" {
		dir = "../../../shared/data"
	}
	p := filepath.Join(dir, "servicenow-incident-event-log.csv.gz")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data is absent (set SMS_DATA_DIR to the folder holding it): %v", err)
	}
	return p
}

// TestCommandOutputs runs the command on a small log in the ServiceNow shape
// and checks every output it writes.
func TestCommandOutputs(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.csv")
	header := "number,incident_state,sys_updated_at,sys_updated_by,category,subcategory,u_symptom,cmdb_ci,caller_id,opened_at," +
		"impact,urgency,assignment_group,assigned_to,sys_mod_count,closed_code,resolved_by,reopen_count,problem_id,vendor\n"
	row := func(n, state, at string) string {
		return n + "," + state + "," + at + ",Updated by 1,Category 1,Sub 1,Symptom 1,?,Caller 1,1/3/2016 09:00,2 - Medium,2 - Medium,Group 1,Resolver 1,1,code 1,Resolved by 1,0,?,?\n"
	}
	data := header + row("INC1", "New", "1/3/2016 09:05") + row("INC1", "Active", "1/3/2016 09:10") + row("INC1", "Active", "1/3/2016 10:10") +
		row("INC1", "Resolved", "1/3/2016 11:10") + row("INC1", "Closed", "7/3/2016 11:10") +
		row("INC2", "New", "1/3/2016 09:05") + row("INC2", "Closed", "1/3/2016 09:06")
	require.NoError(t, os.WriteFile(log, []byte(data), 0o644))
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), config{mapping: mappingPath, log: log, out: out, store: "sqlite", db: filepath.Join(dir, "r.db"),
		progress: "always"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "cases              2")
	assert.Contains(t, stdout.String(), "conformant cases   1 (50.0%)")
	assert.Contains(t, stdout.String(), "INC-06")
	assert.Contains(t, stderr.String(), "100%", "the progress bar reaches the end")

	lines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(out, "cases.jsonl"))), "\n")
	require.Len(t, lines, 2)
	var first struct {
		Case       string `json:"case"`
		Conformant bool   `json:"conformant"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "INC1", first.Case)
	assert.True(t, first.Conformant)
	var sum map[string]any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, filepath.Join(out, "summary.json"))), &sum))
	assert.EqualValues(t, 2, sum["cases"])
	assert.Contains(t, readFile(t, filepath.Join(out, "process-map.mmd")), "flowchart LR")
	assert.Contains(t, readFile(t, filepath.Join(out, "summary.txt")), "deviations by requirement")

	// The deviations are stored beside the incidents, for a host to ask
	// which stored incidents deviated.
	db, err := sql.Open("sqlite", filepath.Join(dir, "r.db"))
	require.NoError(t, err)
	var stored int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM replay_deviations").Scan(&stored))
	assert.EqualValues(t, sum["deviations"], stored, "every deviation stored")
	var incID, reqs string
	require.NoError(t, db.QueryRow("SELECT incident_id, requirements FROM replay_deviations WHERE consequence = 0 ORDER BY row LIMIT 1").Scan(&incID, &reqs))
	assert.Equal(t, "INC2", incID, "the case closed without resolution")
	assert.Contains(t, reqs, "INC-06")
	var incidents int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM sms_entities WHERE kind = 'incident'").Scan(&incidents))
	assert.Equal(t, 2, incidents)
	require.NoError(t, db.Close())

	// -check prints what the replay does on the first rows.
	stdout.Reset()
	require.NoError(t, run(context.Background(), config{mapping: mappingPath, log: log, store: "none", check: 3}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), `row 2  case INC1`)
	assert.Contains(t, stdout.String(), `    log `)
	assert.Contains(t, stdout.String(), "-> accepted: new")
	assert.Contains(t, stdout.String(), "cases              1", "INC1 started within the first three rows, INC2 did not")
	assert.Error(t, run(context.Background(), config{mapping: mappingPath, log: log, store: "none", check: 3, out: out}, &stdout, &stderr))

	// The database exists now: refused, unless -overwrite replaces it.
	err = run(context.Background(), config{mapping: mappingPath, log: log, store: "sqlite", db: filepath.Join(dir, "r.db")}, &stdout, &stderr)
	require.ErrorContains(t, err, "-overwrite")
	require.NoError(t, run(context.Background(), config{mapping: mappingPath, log: log, store: "sqlite", db: filepath.Join(dir, "r.db"), overwrite: true}, &stdout, &stderr))

	// -resume goes on into it: the cases stored are not replayed again,
	// and a case it lacks is.
	db, err = sql.Open("sqlite", filepath.Join(dir, "r.db"))
	require.NoError(t, err)
	for _, q := range []string{"DROP TRIGGER sms_journal_no_delete", "DELETE FROM sms_journal WHERE entity_id = 'INC2'",
		"DELETE FROM sms_entities WHERE id = 'INC2'", "DELETE FROM replay_deviations WHERE incident_id = 'INC2'"} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())
	stdout.Reset()
	require.NoError(t, run(context.Background(), config{mapping: mappingPath, log: log, store: "sqlite", db: filepath.Join(dir, "r.db"), resume: true}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "resumed: 1 cases stored by an earlier run were not replayed")
	assert.Contains(t, stdout.String(), "cases              1")
	db, err = sql.Open("sqlite", filepath.Join(dir, "r.db"))
	require.NoError(t, err)
	var back int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM sms_entities WHERE kind = 'incident'").Scan(&back))
	assert.Equal(t, 2, back, "INC2 replayed again, INC1 not twice")
	require.NoError(t, db.Close())
	assert.Error(t, run(context.Background(), config{mapping: mappingPath, log: log, store: "sqlite", db: filepath.Join(dir, "r.db"), resume: true, overwrite: true}, &stdout, &stderr))

	// A run that fails part-way leaves the previous run's files as they
	// were, and no temporary file.
	before := readFile(t, filepath.Join(out, "summary.json"))
	broken := filepath.Join(dir, "broken.csv")
	require.NoError(t, os.WriteFile(broken, []byte(data+row("INC3", "Pondering", "1/3/2016 09:05")), 0o644))
	err = run(context.Background(), config{mapping: mappingPath, log: broken, out: out, store: "none"}, &stdout, &stderr)
	require.ErrorContains(t, err, "unknown state")
	assert.Equal(t, before, readFile(t, filepath.Join(out, "summary.json")))
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 4, "the four outputs, no temporary left")

	// Interrupted before the first case: what was done (nothing) is
	// written, marked, and the run fails.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	stdout.Reset()
	err = run(cancelled, config{mapping: mappingPath, log: log, out: out, store: "none"}, &stdout, &stderr)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "interrupted after 0 cases")
	assert.Contains(t, readFile(t, filepath.Join(out, "summary.txt")), "INTERRUPTED")
	assert.Contains(t, readFile(t, filepath.Join(out, "summary.json")), `"interrupted": true`)

	// A time layout that does not fit: with -skip-bad-rows every row is
	// skipped, and the run fails saying so instead of reporting nothing
	// as a verdict; no summary file is written.
	wrong := strings.NewReplacer("1/3/2016", "2016-03-01", "7/3/2016", "2016-03-07").Replace(data)
	wrongLog := filepath.Join(dir, "wrong.csv")
	require.NoError(t, os.WriteFile(wrongLog, []byte(wrong), 0o644))
	wrongOut := filepath.Join(dir, "wrong-out")
	stdout.Reset()
	err = run(context.Background(), config{mapping: mappingPath, log: wrongLog, out: wrongOut, store: "none", skipBad: true}, &stdout, &stderr)
	require.ErrorContains(t, err, "7 of 7 rows skipped")
	assert.Contains(t, err.Error(), "unparsable time")
	assert.Contains(t, stdout.String(), "cases              0", "what was read is shown")
	_, statErr := os.Stat(filepath.Join(wrongOut, "summary.json"))
	assert.True(t, os.IsNotExist(statErr), "no verdict written")
	require.NoError(t, run(context.Background(), config{mapping: mappingPath, log: wrongLog, store: "none", skipBad: true, maxSkipped: 1}, &stdout, &stderr),
		"-max-skipped 1 allows every row")

	// Bad invocations are errors, not panics.
	for _, c := range []config{{}, {mapping: mappingPath, log: filepath.Join(dir, "missing.csv")},
		{mapping: mappingPath, log: log, store: "cloud"}, {mapping: log, log: log}, {mapping: mappingPath, log: log, encoding: "ebcdic"},
		{mapping: mappingPath, log: log, store: "memory", db: "x.db", dbGiven: true}, {mapping: mappingPath, log: log, progress: "sometimes"}} {
		assert.Error(t, run(context.Background(), c, &stdout, &stderr), "%+v", c)
	}
	err = run(context.Background(), config{mapping: mappingPath, log: log, store: "sqlite", db: filepath.Join(dir, "no-such-dir", "r.db")}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "no-such-dir", "r.db"), "the error names the database file")
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

// TestPeakRSS builds the command as a user would (without the race
// detector) and replays the whole ServiceNow log with it: peak resident
// memory stays under 200 MiB while streaming.
func TestPeakRSS(t *testing.T) {
	data := dataFile(t)
	if testing.Short() {
		t.Skip("builds and runs the command on the whole log; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "smsreplay")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	for _, store := range []string{"none", "sqlite"} {
		args := []string{"-mapping", mappingPath, "-log", data, "-skip-bad-rows", "-progress", "never", "-store", store}
		if store == "sqlite" {
			args = append(args, "-db", filepath.Join(t.TempDir(), "replay.db"), "-sync-normal")
		}
		cmd := exec.Command(bin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Run(), out.String())
		require.Contains(t, out.String(), "cases              20769")
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		peakMiB := float64(ru.Maxrss) / 1024 // kilobytes on Linux
		t.Logf("-store %s: peak RSS %.1f MiB", store, peakMiB)
		assert.Less(t, peakMiB, 200.0, "-store %s: peak RSS %.1f MiB", store, peakMiB)
	}
}

// TestFilterFlags: -since, -until and -where select the cases, and a
// value they cannot use is refused before any row is read.
func TestFilterFlags(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.csv")
	header := "number,incident_state,sys_updated_at,sys_updated_by,category,subcategory,u_symptom,cmdb_ci,caller_id,opened_at," +
		"impact,urgency,assignment_group,assigned_to,sys_mod_count,closed_code,resolved_by,reopen_count,problem_id,vendor\n"
	row := func(n, state, at, group string) string {
		return n + "," + state + "," + at + ",Updated by 1,Category 1,Sub 1,Symptom 1,?,Caller 1,1/3/2016 09:00,2 - Medium,2 - Medium," + group + ",Resolver 1,1,code 1,Resolved by 1,0,?,?\n"
	}
	data := header + row("INC1", "New", "1/3/2016 09:05", "Group 1") + row("INC1", "Closed", "1/3/2016 09:06", "Group 2") +
		row("INC2", "New", "2/3/2016 09:05", "Group 1") + row("INC2", "Closed", "2/3/2016 09:06", "Group 1") +
		row("INC3", "New", "3/3/2016 09:05", "Group 3") + row("INC3", "Closed", "3/3/2016 09:06", "Group 3")
	require.NoError(t, os.WriteFile(log, []byte(data), 0o644))
	for _, tc := range []struct {
		c     config
		cases string
	}{
		{config{since: "2016-03-02"}, "cases              2"},
		{config{since: "2016-03-02", until: "2016-03-03T00:00:00Z"}, "cases              1"},
		{config{where: []string{"assignment_group=Group 2"}}, "cases              1"},
		{config{where: []string{"assignment_group=Group 2", "assignment_group=Group 3"}}, "cases              2"},
	} {
		c := tc.c
		c.mapping, c.log, c.store, c.progress = mappingPath, log, "none", "never"
		var stdout, stderr bytes.Buffer
		require.NoError(t, run(context.Background(), c, &stdout, &stderr), stderr.String())
		assert.Contains(t, stdout.String(), tc.cases, "%+v", tc.c)
		assert.Contains(t, stdout.String(), "filtered:", "%+v", tc.c)
	}
	for _, c := range []config{{since: "March"}, {until: "2016-13-01"}, {where: []string{"assignment_group"}}, {since: "2016-03-02", until: "2016-03-01"}} {
		c.mapping, c.log, c.store, c.progress = mappingPath, log, "none", "never"
		var stdout, stderr bytes.Buffer
		assert.Error(t, run(context.Background(), c, &stdout, &stderr), "%+v", c)
		assert.NotContains(t, stdout.String(), "cases ", "nothing replayed")
	}
}

// TestBombsPeakRSS runs the built command (without the race detector) on
// logs made to exhaust memory: one field of 400 MB (a gzip of about
// 400 KB), a quoted field of 100 MB (lines and commas) that never closes,
// one case of 2,000,000 rows, and 10,000,000 cases of a row each. The
// first three stop at their limit with an error naming the row; the
// last replays every case. Peak resident memory stays under 200 MiB in
// each.
func TestBombsPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("writes four large logs and runs the command on each; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "smsreplay")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	const header = "number,incident_state,sys_updated_at,sys_updated_by,category,subcategory,u_symptom,cmdb_ci,caller_id,opened_at," +
		"impact,urgency,assignment_group,assigned_to,sys_mod_count,closed_code,resolved_by,reopen_count,problem_id,vendor\n"
	const tail = ",Sub 1,Symptom 1,?,Caller 1,1/3/2016 09:00,2 - Medium,2 - Medium,Group 1,Resolver 1,1,code 1,Resolved by 1,0,?,?\n"
	write := func(name string, body func(w *bufio.Writer)) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		require.NoError(t, err)
		zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
		require.NoError(t, err)
		w := bufio.NewWriterSize(zw, 1<<20)
		w.WriteString(header)
		body(w)
		require.NoError(t, w.Flush())
		require.NoError(t, zw.Close())
		require.NoError(t, f.Close())
		return path
	}
	field := write("field.csv.gz", func(w *bufio.Writer) {
		w.WriteString("INC1,New,1/3/2016 09:05,Updated by 1,")
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 400 {
			w.Write(chunk)
		}
		w.WriteString(tail)
	})
	quoted := write("quoted.csv.gz", func(w *bufio.Writer) {
		w.WriteString(`INC1,New,1/3/2016 09:05,Updated by 1,"`) // a quote that never closes
		chunk := bytes.Repeat([]byte("b,\n"), 349_526)          // 1 MiB
		for range 100 {
			w.Write(chunk)
		}
	})
	oneCase := write("one-case.csv.gz", func(w *bufio.Writer) {
		row := []byte("INC1,Active,1/3/2016 09:05,Updated by 1,Category 1" + tail)
		w.WriteString("INC1,New,1/3/2016 09:05,Updated by 1,Category 1" + tail)
		for range 2_000_000 {
			w.Write(row)
		}
	})
	manyCases := write("many-cases.csv.gz", func(w *bufio.Writer) {
		var b []byte
		for i := range 10_000_000 {
			b = append(b[:0], "INC"...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ",New,1/3/2016 09:05,Updated by 1,Category 1"...)
			b = append(b, tail...)
			w.Write(b)
		}
	})

	for _, tc := range []struct {
		name, log string
		ok        bool
		want      string
	}{
		{"a 400 MB field", field, false, "larger than 1048576 bytes"},
		{"a quoted field of 100 MB that never closes", quoted, false, "larger than 1048576 bytes"},
		{"a case of 2,000,000 rows", oneCase, false, "has more than 100000 rows"},
		{"10,000,000 cases", manyCases, true, "cases              10000000"},
	} {
		cmd := exec.Command(bin, "-mapping", mappingPath, "-log", tc.log, "-skip-bad-rows", "-progress", "never")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if tc.ok {
			require.NoError(t, err, "%s: %s", tc.name, out.String())
		} else {
			require.Error(t, err, "%s: the run must fail: %s", tc.name, out.String())
		}
		assert.Contains(t, out.String(), tc.want, tc.name)
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		peakMiB := float64(ru.Maxrss) / 1024 // kilobytes on Linux
		t.Logf("%s: peak RSS %.1f MiB", tc.name, peakMiB)
		assert.Less(t, peakMiB, 200.0, "%s: peak RSS %.1f MiB", tc.name, peakMiB)
	}
}
