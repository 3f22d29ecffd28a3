package smstest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// A process kit is only as good as the failures it reports: these tests
// run RunProcess on a small process over smstest.Thing, correct and broken
// on purpose, each in a child process, and check that it fails citing the
// contract that was broken.

const brokenProcessEnv = "SMSTEST_BROKEN_PROCESS"

type thingCmd struct{}

func (thingCmd) Validate() error { return nil }

var (
	reqOpen  = sms.Requirement{ID: "THG-01", Clause: "8.1", Text: "a thing is opened"}
	reqClose = sms.Requirement{ID: "THG-02", Clause: "8.1", Text: "a thing is closed once done"}
)

func thingWorkflow(variant string) *sms.Workflow[*smstest.Thing] {
	apply := func(*sms.Transition[*smstest.Thing]) {}
	roles := []sms.Role{"tester"}
	cat := []sms.Requirement{reqOpen, reqClose}
	if variant == "uncited" {
		cat = append(cat, sms.Requirement{ID: "THG-03", Clause: "8.1", Text: "nothing enforces this"})
	}
	wf, err := sms.NewWorkflow(sms.Definition[*smstest.Thing]{
		Kind: smstest.ThingKind, States: []string{"open", "closed"}, Terminal: []string{"closed"},
		New: func() *smstest.Thing { return &smstest.Thing{} },
		Rules: []sms.Rule[*smstest.Thing]{
			{Trigger: "create", To: "open", Roles: roles, Command: thingCmd{}, Apply: apply,
				Requires: []sms.Required[*smstest.Thing]{{Field: "status", Requirement: sms.Requirement{ID: "THG-01"}, Present: func(*smstest.Thing) bool { return true }}}},
			{Trigger: "note", From: []string{"open", "closed"}, Roles: roles, Command: thingCmd{}, Apply: apply},
			{Trigger: "close", From: []string{"open"}, To: "closed", Roles: roles, Command: thingCmd{}, Apply: apply,
				Requirement: sms.Requirement{ID: "THG-02"}},
		},
		Catalogue: cat,
	})
	if err != nil {
		panic(err)
	}
	return wf
}

type thingInstance struct {
	m       *sms.Machine[*smstest.Thing]
	variant string
}

var tester = sms.Actor{ID: "tess", Roles: []sms.Role{"tester"}}

func (in thingInstance) At(t testing.TB, status, _ string) string {
	th, err := in.m.Create(context.Background(), tester, thingCmd{})
	require.NoError(t, err)
	if status == "closed" {
		_, err = in.m.Fire(context.Background(), tester, th.ID, "close", thingCmd{})
		require.NoError(t, err)
	}
	return th.ID
}

func (in thingInstance) Fire(ctx context.Context, id, trigger string) (*smstest.Thing, error) {
	e, err := in.m.Fire(ctx, tester, id, trigger, thingCmd{})
	if err == nil && in.variant == "lies" {
		e.Count = 99 // returns something other than what it stored
	}
	if err == nil && in.variant == "twice" {
		return in.m.Fire(ctx, tester, id, "note", thingCmd{}) // two entries for one trigger
	}
	return e, err
}
func (in thingInstance) Get(ctx context.Context, id string) (*smstest.Thing, error) {
	return in.m.Get(ctx, id)
}
func (in thingInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return in.m.Journal(ctx, id)
}
func (in thingInstance) Verify(ctx context.Context, id string) error { return in.m.Verify(ctx, id) }

func thingProcess(variant string) smstest.Process[*smstest.Thing] {
	oracle := map[string]map[string]string{
		"open":   {"note": smstest.Stay, "close": "closed"},
		"closed": {"note": smstest.Stay},
	}
	if variant == "oracle" {
		oracle["closed"]["close"] = "closed" // the oracle permits what the workflow refuses
	}
	return smstest.Process[*smstest.Thing]{
		Workflow: thingWorkflow(variant), Oracle: oracle, Triggers: []string{"note", "close"},
		New: func(t testing.TB) smstest.Instance[*smstest.Thing] {
			m, err := sms.NewMachine(thingWorkflow(variant), memstore.New[*smstest.Thing](), sms.Options{Now: time.Now})
			require.NoError(t, err)
			return thingInstance{m: m, variant: variant}
		},
	}
}

func TestBrokenProcessHelper(t *testing.T) {
	v := os.Getenv(brokenProcessEnv)
	if v == "" {
		t.Skip("runs only as a child of TestRunProcessCatchesBrokenProcesses")
	}
	smstest.RunProcess(t, thingProcess(v))
}

func TestRunProcessCatchesBrokenProcesses(t *testing.T) {
	t.Parallel()
	if os.Getenv(brokenProcessEnv) != "" {
		t.Skip("already a child")
	}
	cases := []struct {
		variant, clause, contract string
		also                      string // a clause the breakage legitimately trips too
	}{
		{"correct", "", "", ""},
		// A wrong oracle also expects a cell to succeed that the workflow
		// refuses.
		{"oracle", "OracleMatchesWorkflow", "the workflow permits, from every status, exactly the triggers the hand-written oracle permits", "Cells"},
		{"uncited", "Catalogue", "every requirement of the catalogue is cited", ""},
		{"lies", "Cells", "the record returned is not the record stored", ""},
		{"twice", "Cells", "adds one journal entry", ""},
	}
	for _, tc := range cases {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProcessHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenProcessEnv+"="+tc.variant)
			out, err := cmd.CombinedOutput()
			output := string(out)
			require.Contains(t, output, "=== RUN   TestBrokenProcessHelper/", "RunProcess did not run:\n%s", output)
			if tc.clause == "" {
				assert.NoError(t, err, "the kit fails a correct process:\n%s", output)
				return
			}
			require.Error(t, err, "the kit passed a process that is %s:\n%s", tc.variant, output)
			assert.Contains(t, output, "--- FAIL: TestBrokenProcessHelper/"+tc.clause, output)
			assert.Contains(t, output, tc.contract)
			for _, line := range strings.Split(output, "\n") {
				if name, ok := strings.CutPrefix(strings.TrimSpace(line), "--- FAIL: TestBrokenProcessHelper/"); ok && !strings.HasPrefix(name, tc.clause) &&
					(tc.also == "" || !strings.HasPrefix(name, tc.also)) {
					t.Errorf("%s failed for a process that is only %s", name, tc.variant)
				}
			}
		})
	}
}
