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
	"sync"
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
	crashEnv     = "SMS_SQLSTORE_CRASH_CHILD"
	crashRound   = "SMS_SQLSTORE_CRASH_ROUND"
	crashWriters = "SMS_SQLSTORE_CRASH_WRITERS" // > 1: concurrent writers sharing a group commit
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		writers, _ := strconv.Atoi(os.Getenv(crashWriters))
		os.Exit(crashChild(path, os.Getenv(crashRound), max(writers, 1)))
	}
	os.Exit(m.Run())
}

// crashChild logs incidents and works them (actions, links, holds) as fast
// as it can, from writers goroutines (sharing a sqlstore.Group when there
// are several); each committed transition is announced on stdout, as
// "committed ID VERSION", only after Commit returned.
func crashChild(path, round string, writers int) int {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	var opts sqlstore.Options
	if writers > 1 {
		opts.Group = sqlstore.NewGroup(db, 0)
	}
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	svc, err := incident.NewService(store, incident.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	a := storetest.Actor()
	committed := func(what string, inc *incident.Incident, err error) bool {
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", what, err)
			return false
		}
		mu.Lock()
		fmt.Fprintln(out, "committed", inc.ID, inc.Version)
		out.Flush()
		mu.Unlock()
		return true
	}
	work := func(w int) {
		for n := 0; ; n++ {
			id := fmt.Sprintf("INC-%s-%d-%d", round, w, n)
			rep := storetest.Report(id)
			rep.ReportedAt = time.Now().Add(-time.Minute)
			inc, err := svc.Log(ctx, a, rep)
			if !committed("log", inc, err) {
				os.Exit(1)
			}
			for k := range 6 {
				var err error
				switch k {
				case 2:
					inc, err = svc.Link(ctx, a, id, incident.Link{Type: incident.LinkProblem, ID: fmt.Sprint("PRB-", n%5)})
				case 4:
					inc, err = svc.AddNote(ctx, a, id, incident.Note{Text: strings.Repeat("a long note ", 50)})
				default:
					inc, err = svc.RecordAction(ctx, a, id, incident.Action{Text: fmt.Sprint("action ", k)})
				}
				if !committed("transition", inc, err) {
					os.Exit(1)
				}
			}
		}
	}
	for w := 1; w < writers; w++ {
		go work(w)
	}
	work(0)
	return 0
}

// A process killed (SIGKILL) in the middle of committing transitions leaves
// a database where every journal verifies, every incident is at the version
// its journal ends at, and every transition that returned is there: no
// partial transition, no lost commit.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	crashRounds(t, 1)
}

// The same with 16 concurrent writers sharing a group commit: every commit
// acknowledged to any of them survives the kill.
func TestCrashSafetyGroupCommit(t *testing.T) {
	t.Parallel()
	crashRounds(t, 16)
}

func crashRounds(t *testing.T, writers int) {
	path := filepath.Join(t.TempDir(), "crash.db")
	acknowledged := map[string]int64{}
	for round := range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, crashRound+"="+strconv.Itoa(round), crashWriters+"="+strconv.Itoa(writers))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		// Kill after a random number of acknowledged commits, mid-run.
		killAt := 30 + rand.IntN(120)
		lines := bufio.NewScanner(stdout)
		seen := 0
		ack := func() {
			seen++
			var id string
			var version int64
			if _, err := fmt.Sscanf(lines.Text(), "committed %s %d", &id, &version); err == nil && version > acknowledged[id] {
				acknowledged[id] = version
			}
		}
		for seen < killAt && lines.Scan() {
			ack()
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for lines.Scan() { // commits acknowledged before the kill landed
			ack()
		}
		err = cmd.Wait()
		cancel()
		require.Error(t, err, "the child must have been killed")
		require.Equal(t, killAt, min(seen, killAt), "the child stopped on its own after %d commits: %s", seen, stderr.String())
		t.Logf("round %d: %d writers killed after %d acknowledged commits", round, writers, seen)

		verifyAfterCrash(t, path, acknowledged)
	}
}

// verifyAfterCrash checks the database a killed child left: intact, every
// journal verifying, and every incident at least at the version last
// acknowledged for it.
func verifyAfterCrash(t *testing.T, path string, acknowledged map[string]int64) {
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
	stored := map[string]int64{}
	q := sms.Query{Limit: sms.MaxLimit}
	for {
		page, err := store.List(ctx, q)
		require.NoError(t, err)
		for _, inc := range page.Items {
			incidents++
			stored[inc.ID] = inc.Version
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
	lost := 0
	for id, v := range acknowledged {
		if stored[id] < v {
			lost++
			t.Errorf("%s: acknowledged at version %d, stored at %d", id, v, stored[id])
		}
	}
	assert.Zero(t, lost, "every acknowledged commit survived (%d incidents, %d acknowledged)", incidents, len(acknowledged))
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
