package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestStory runs the story on the in-memory store and checks the refusals
// and verdicts it must show.
func TestStory(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "memory", "", ""); err != nil {
		t.Fatal(err)
	}
	checkStory(t, out.String())
}

// TestStorySQLite runs the story on the embedded default.
func TestStorySQLite(t *testing.T) {
	var out bytes.Buffer
	db := t.TempDir() + "/changerelease.db"
	if err := run(context.Background(), &out, "sqlite", db, ""); err != nil {
		t.Fatal(err)
	}
	checkStory(t, out.String())
	if !strings.Contains(out.String(), "on the SQLite ("+db+") store") {
		t.Errorf("the story did not run on SQLite:\n%s", out.String())
	}
}

func checkStory(t *testing.T, got string) {
	t.Helper()
	for _, want := range []string{
		"declare_known_error          -> known_error",
		"REFUSED rita, a CAB member, approving the change she requested: the requester may not approve their own record",
		"CHG-19 (ISO/IEC 20000-1 clause 8.5.1.3)",
		"problem: start_fix           -> fix_in_progress",
		"REL-12 (ISO/IEC 20000-1 clause 8.5.3)",
		"REL-07 (ISO/IEC 20000-1 clause 8.5.3)",
		"submit_emergency             -> authorize",
		"approve (eve, ECAB)          -> authorize",
		"CHG-17 (ISO/IEC 20000-1 clause 8.5.1.1)",
		"CHG-15 (ISO/IEC 20000-1 clause 8.2.6)",
		"release: close               -> closed",
		"change: close                -> closed",
		"problem: close               -> closed",
		"analysis: successful, 1 early-life incident(s)",
		"journal of normal change    11 entries, SHA-256 chain verifies",
		"journal of release          13 entries, SHA-256 chain verifies",
		"change-authorized-before-implementation    clause 8.5.1.1-8.5.1.3  2 examined  pass",
		"release-deployment-controls                clause 8.5.3            1 examined  pass",
		"problems-known-errors-traceable            clause 8.6.3            1 examined  pass",
		"periodic obligations (sweeps): 0 finding(s)",
		"2 raised, success rate 1.00, emergency ratio 0.50",
		"schedule change_trends: every 30 days, the first due Dec 1 (7 days' grace)",
		"input: Changes raised from 2026-11-01 to 2026-12-01 (as of 2026-12-01): 2; by model: emergency 1, normal 1;",
		"CHG-14 (ISO/IEC 20000-1 clause 8.5.1.3): a performed review records its conclusions",
		"review: perform              -> performed",
		"conclusions recorded, 2 action(s) agreed, 3 participant(s)",
		"CHG-14 (ISO/IEC 20000-1 clause 8.5.1.3): a review closes once every action it agreed is done or tracked by another record",
		"review: close                -> closed",
		"journal of review            4 entries, SHA-256 chain verifies",
		"review   review-performed                           clause 8.5.1.3          1 examined  pass",
		"review register sweep: 0 finding(s)",
		"next change-trend review due Dec 31",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the story does not show %q", want)
		}
	}
	if strings.Contains(got, "FAIL") || strings.Contains(got, "DOES NOT VERIFY") {
		t.Errorf("the story's own records fail the audit:\n%s", got)
	}
}
