package main

import (
	"bytes"
	"context"
	"regexp"
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
		"review register sweep: 1 finding(s)",
		"PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE review_schedule problem_effectiveness (PRB-13, clause 8.6.3): " +
			"no review of problem_effectiveness performed since the schedule started 2026-07-01; due 2026-09-30, 14d grace ended 2026-10-14",
		"input: Problem resolution as of 2026-11-08: 1 problem(s) (1 open, 0 resolved or closed, 0 cancelled).",
		"Time to root cause: median 3h, mean 3h over 1 problem(s).",
		"PRB-13 (ISO/IEC 20000-1 clause 8.6.3): a performed review records its conclusions",
		"PRB-13 (ISO/IEC 20000-1 clause 8.6.3): a performed review names at least one participant",
		"perform             -> performed       v2",
		"conclusions recorded by pam with 2 participant(s); 2 action(s) agreed, 1 still open",
		"review register sweep: 0 finding(s); next review due Feb 7 2027",
		"journal of review",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the story does not show %q", want)
		}
	}
	for _, row := range []string{
		`requests-fulfilled-under-instructions-and-approvals +clause 8\.6\.2 +1 examined +pass`,
		`problems-known-errors-traceable +clause 8\.6\.3 +1 examined +pass`,
		`review-performed +clause 8\.6\.3 +1 examined +pass`,
	} {
		if !regexp.MustCompile(row).MatchString(got) {
			t.Errorf("the story's conformance report lacks the row %q", row)
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
