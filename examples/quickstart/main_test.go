package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestStory runs the quickstart on the in-memory store and checks the
// refusals and verdicts it must show.
func TestStory(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "memory", "", ""); err != nil {
		t.Fatal(err)
	}
	checkStory(t, out.String())
}

func checkStory(t *testing.T, got string) {
	t.Helper()
	for _, want := range []string{
		"INC-02 (ISO/IEC 20000-1 clause 8.6.1)",
		"INC-13 (ISO/IEC 20000-1 clause 8.6.1/8.6.3)",
		"INC-06 (ISO/IEC 20000-1 clause 8.6.1)",
		"REFUSED reopening a closed incident: not allowed from closed",
		"INC-16 (ISO/IEC 20000-1 clause 8.6.1): only a resolved incident is reopened; a closed one stays closed",
		"INC-11 (ISO/IEC 20000-1 clause 8.6.1)",
		"INC-10 (ISO/IEC 20000-1 clause 8.6.1)",
		"reopened 1 time(s)",
		"13 entries, SHA-256 chain verifies",
		"entry 5 (position 4) does not verify: altered",
		"periodic obligations (sweep): 0 finding(s)",
		"trend analysis: PROBLEM_CANDIDATE",
		"PRB-02 (ISO/IEC 20000-1 clause 8.6.3): a known error has a determined root cause",
		"matches 1 known error(s)",
		"informed 3 incident(s)",
		"journal entry 2: record_action (status still new)",
		"PRB-09 (ISO/IEC 20000-1 clause 8.6.3)",
		"REFUSED eve approving her own request",
		"SR-07 (ISO/IEC 20000-1 clause 8.6.2): neither the requester nor the person the request is for approves it",
		"SR-03 (ISO/IEC 20000-1 clause 8.6.2)",
		"approve + grant     -> approved",
		"close               -> closed",
		"journal of problem",
		"journal of request",
		"requests-fulfilled-under-instructions-and-approvals  clause 8.6.2  1 examined  pass",
		"problems-known-errors-traceable                      clause 8.6.3  1 examined  pass",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the story does not show %q", want)
		}
	}
	if strings.Contains(got, "FAIL") || strings.Contains(got, "DOES NOT VERIFY") {
		t.Errorf("the story's own records fail the audit:\n%s", got)
	}
}

// TestStorySQLite runs the story on the embedded default, as the README's
// main command does.
func TestStorySQLite(t *testing.T) {
	var out bytes.Buffer
	db := t.TempDir() + "/quickstart.db"
	if err := run(context.Background(), &out, "sqlite", db, ""); err != nil {
		t.Fatal(err)
	}
	checkStory(t, out.String())
	if !strings.Contains(out.String(), "on the SQLite ("+db+") store") {
		t.Errorf("the story did not run on SQLite:\n%s", out.String())
	}
}
