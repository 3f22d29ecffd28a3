package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// crashEnv makes the test binary a crash child: it commits incident
// transitions to the SQLite file the variable names, printing a line after
// each commit returns, until it is killed.
const (
	crashEnv   = "SMS_SQLSTORE_CRASH_CHILD"
	crashRound = "SMS_SQLSTORE_CRASH_ROUND"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		os.Exit(crashChild(path, os.Getenv(crashRound)))
	}
	os.Exit(m.Run())
}

// crashChild logs incidents and works them (actions, links, holds) as fast
// as it can; each committed transition is announced on stdout only after
// Commit returned.
func crashChild(path, round string) int {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	svc, err := incident.NewService(store, incident.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	a := storetest.Actor()
	committed := func(what string, err error) bool {
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", what, err)
			return false
		}
		fmt.Fprintln(out, "committed")
		out.Flush()
		return true
	}
	for n := 0; ; n++ {
		id := fmt.Sprintf("INC-%s-%d", round, n)
		rep := storetest.Report(id)
		rep.ReportedAt = time.Now().Add(-time.Minute)
		_, err := svc.Log(ctx, a, rep)
		if !committed("log", err) {
			return 1
		}
		for k := range 6 {
			var err error
			switch k {
			case 2:
				_, err = svc.Link(ctx, a, id, incident.Link{Type: incident.LinkProblem, ID: fmt.Sprint("PRB-", n%5)})
			case 4:
				_, err = svc.AddNote(ctx, a, id, incident.Note{Text: strings.Repeat("a long note ", 50)})
			default:
				_, err = svc.RecordAction(ctx, a, id, incident.Action{Text: fmt.Sprint("action ", k)})
			}
			if !committed("transition", err) {
				return 1
			}
		}
	}
}

// A process killed (SIGKILL) in the middle of committing transitions leaves
// a database where every journal verifies, every incident is at the version
// its journal ends at, and every transition that returned is there: no
// partial transition, no lost commit.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.db")
	acknowledged := 0
	for round := range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, crashRound+"="+strconv.Itoa(round))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		// Kill after a random number of acknowledged commits, mid-run.
		killAt := 30 + rand.IntN(120)
		lines := bufio.NewScanner(stdout)
		seen := 0
		for seen < killAt && lines.Scan() {
			seen++
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for lines.Scan() { // commits acknowledged before the kill landed
			seen++
		}
		err = cmd.Wait()
		cancel()
		require.Error(t, err, "the child must have been killed")
		require.Equal(t, killAt, min(seen, killAt), "the child stopped on its own after %d commits: %s", seen, stderr.String())
		acknowledged += seen
		t.Logf("round %d: killed after %d acknowledged commits", round, seen)

		verifyAfterCrash(t, path, acknowledged)
	}
}

func verifyAfterCrash(t *testing.T, path string, acknowledged int) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err, "the database reopens")
	defer db.Close()
	var check string
	require.NoError(t, db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check))
	require.Equal(t, "ok", check)
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer store.Close()
	entries, incidents := 0, 0
	q := sms.Query{Limit: sms.MaxLimit}
	for {
		page, err := store.List(ctx, q)
		require.NoError(t, err)
		for _, inc := range page.Items {
			incidents++
			j, err := store.Journal(ctx, inc.ID)
			require.NoError(t, err)
			assert.NoError(t, sms.VerifyJournal(j), inc.ID)
			assert.NoError(t, sms.VerifyHead(inc, j), inc.ID)
			assert.Equal(t, int(inc.Actions), countTrigger(j, incident.TriggerRecordAction), "%s: its actions are its journal's", inc.ID)
			entries += len(j)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	var rows int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM sms_journal").Scan(&rows))
	assert.Equal(t, rows, entries, "every journal row belongs to a stored incident")
	assert.GreaterOrEqual(t, entries, acknowledged, "every acknowledged commit survived (%d incidents)", incidents)
}

func countTrigger(j []sms.Entry, tr incident.Trigger) int {
	n := 0
	for _, e := range j {
		if e.Trigger == string(tr) {
			n++
		}
	}
	return n
}
