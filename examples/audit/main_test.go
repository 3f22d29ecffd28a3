package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/examples/internal/tell"
)

var update = flag.Bool("update", false, "rewrite testdata/evidence.png, the README's screenshot (needs chromium)")

// TestStory runs the year and checks the lines that carry its point: the
// refusals with the requirement they cite, the sample and its
// re-derivation, the verification window, and checks 13 and 14 before and
// after the cycle's end.
func TestStory(t *testing.T) {
	tell.Story(t, run,
		"  AP-2027 edition 1 approved by olga (Mon 11 Jan 2027 09:00 CET): 3 areas, cycle yearly in Europe/Berlin",

		// 2. alice works in change management: refused on both paths (AUD-04).
		`  refused, alice as lead auditor: audit: actor "olga" may not plan: auditor "alice" owns or works in change, which the audit covers, and no override with a justification is requested for them (AUD-04, clause 9.2.2)`,
		`  refused, alice as co-auditor: audit "AUD-2027-1": actor "olga" may not add_auditor: auditor "alice" owns or works in change, which the audit covers, and no override with a justification is requested for them (AUD-04, clause 9.2.2)`,

		// 3. ceil(ln 0.05 / ln 0.95) = 59; the same changes give the same sample.
		"  re-derived from the same changes: population changed false, sample changed false",
		"  re-derived after CHG-2027-0241 was added: population changed true",
		`  refused, an acknowledgement by the auditor: audit "AUD-2027-1": actor "carla" may not acknowledge: the actor "carla" is one of the audit's auditors (AUD-04, clause 9.2.2)`,
		"  F-1 major_nc (confirmed), 59 records sampled: 3 of the 59 changes sampled were implemented before their CAB approval",

		// 4. Conformity and effectiveness apart; the NC finding linked before closing.
		`  refused, a report without an effectiveness conclusion: audit "AUD-2027-1": report from reporting refused: AUD-01 (clause 9.2.1): the report concludes on conformity and on effectiveness, separately`,
		`  refused, closing with the nonconformity unlinked: audit "AUD-2027-1": close from follow_up refused: AUD-07 (clause 9.2): every nonconformity finding links its nonconformity`,

		// 5. Implemented 20 April 11:00 + 30 days; the 14-day minimum of a major NC.
		"  NC-2027-1 (major, from AUD-2027-1#F-1): 2 cause(s), action A-1 by otto done; verifying, verification due Thu 20 May 2027 11:00 CEST",
		`  refused, a verification one week after: nonconformity "NC-2027-1": verify_effective from verifying refused: NC-06 (clause 10.1.1): the corrective action is observed for the minimum verification window of its severity before it is verified effective`,
		`  refused, a verification by the owner: nonconformity "NC-2027-1": actor "quinn" may not verify_effective: the actor "quinn" owns the corrective action and may not verify its effectiveness (NC-04, clause 10.1.1)`,
		"  verified effective by vera Tue 18 May 2027 11:00 CEST: closed",

		// 6. 3.5 days <= 4 and 0 <= 0: met.
		`  refused, the approval by its evaluator: improvement_opportunity "OPP-2027-1": actor "ivy" may not approve: the actor "ivy" evaluated this opportunity and may not approve it (CI-02, clause 10.2)`,
		"  measured Fri 25 Jun 2027 09:00 CEST: met true",

		// 7. Only the change area was audited: the gaps show once the cycle
		// ended (1 January 2028 in Berlin) and its 30 days' grace passed.
		"    audit-coverage                    clause 9.2.1  3 examined  pass",
		"    audit-coverage                    clause 9.2.1  3 examined  gaps (2)",
		"      AUDIT_COVERAGE_GAP: incident: 0 of 1 audits reported in the cycle 2027-01-01T00:00:00+01:00 to 2028-01-01T00:00:00+01:00",
		"    nonconformity-closure-evidence    clause 10.1   1 examined  pass",
		"  improvements of 2027: 1 opened, 1 implemented, 1 met, 1 closed",

		// 8. The pack: the coverage check fails on the two areas not audited.
		"  clause 9.2.1  Internal audit                               1 checks, 0 passed, 1 failed, 3 examined",
		"  clause 10.1   Nonconformity and corrective action          2 checks, 2 passed, 0 failed, 1 examined",
	)
}

// TestEvidencePack writes the story's evidence pack with -out and reads
// it back: the JSON decodes, its coverage check fails on the two areas not
// audited, and the page is there. With -update it takes the screenshot the
// README shows (testdata/evidence.png) in headless Chromium.
func TestEvidencePack(t *testing.T) {
	outDir = t.TempDir()
	t.Cleanup(func() { outDir = "" })
	if err := run(io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(outDir, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pack evidence.Pack
	if err := json.Unmarshal(raw, &pack); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range pack.Checks {
		if c.Result.Check == "audit-coverage" {
			failed = len(c.Result.Failures)
		}
	}
	if failed != 2 {
		t.Errorf("audit-coverage: %d failures, want incident and service_level", failed)
	}
	page := filepath.Join(outDir, "evidence.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatal(err)
	}
	if !*update {
		return
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("-update needs chromium: %v", err)
	}
	shot, _ := filepath.Abs(filepath.Join("testdata", "evidence.png"))
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir="+filepath.Join(outDir, "profile"), "--screenshot="+shot, "--window-size=1280,1800", "--hide-scrollbars", "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}
