package main

import (
	"strings"
	"testing"

	"github.com/iso20k/sms/examples/internal/tell"
)

// TestStory runs the year and checks the lines that carry its point: the
// refusals with the requirement they cite, the digest of the copy, the
// verdicts the library derived, the retest and the clean checks.
func TestStory(t *testing.T) {
	got := tell.Story(t, run,
		"  RA-PAYROLL of payroll (continuity, CON-01): 2 risks, current, assessed Mon 01 Mar 09:00 CET",

		// 2. The author does not agree for the customer; two others do (CON-03).
		`  refused, the agreement of its author: continuity_requirement "CR-PAYROLL": actor "kira" may not agree: the actor holds the record's author party by their own act on it, and may not decide on it (CON-03, clause 8.7.2)`,
		"  agreed by hanna and henk, confirmed by cora: agreed edition 1 since Wed 03 Mar 11:00 CET",

		// 3. Approved by another than its author; the copy carries version 1's digest,
		// the draft's (version 0) is refused.
		`  refused, the approval by its author: continuity_plan "CP-PAYROLL": actor "cora" may not approve: the actor "cora" wrote this version of the plan and may not approve it (CON-04, clause 8.7.2)`,
		"  CP-PAYROLL approved by carl: version 1, active since Tue 09 Mar 09:00 CET",
		"  off-site copy in vault B, Potsdam (paper): version 1, digest 5b66b43f9dd1…",
		`  refused, a copy of the draft (cbd0125abd0b…): continuity_plan "CP-PAYROLL": record_copy from active refused: CON-06 (clause 8.7.2): an off-site copy is of the current version: its digest is the version's`,

		// 4. 5 h > 4 h RTO: not met; 30 min <= 1 h RPO does not save it.
		"  CT-1 of CP-PAYROLL v1: payroll recovered in 5h0m0s (RTO 4h0m0s), lost 30m0s (RPO 1h0m0s): met false: recovery took 5h0m0s against an RTO of 4h0m0s",
		"  JudgeTest on the same measurement: met false",
		`  refused, the review without an action: continuity_test "CT-1": review from executed refused: CON-11 (clause 8.7.2): every deficiency found, each objective not met included, has an action`,
		"  reviewed: recovery took 5h0m0s against an RTO of 4h0m0s -> CHG-0512 restore from snapshots; closed",

		// 5. Closed 3 May 17:00 + 30 days = 2 June 17:00; overdue the morning after.
		"  CHG-0512 closed Mon 03 May 17:00 CEST; the host fires require_retest: retest_required, due Wed 02 Jun 17:00 CEST",
		"  RetestsDue as of Thu 03 Jun 09:00 CEST: [RETEST_OVERDUE CON-08 CP-PAYROLL]; plan sweep: [RETEST_OVERDUE CON-08 CP-PAYROLL]",
		"  CT-2: recovered in 3h0m0s, lost 20m0s: met true",
		"  retested by CT-2: active; RetestsDue: []",

		// 6. carl is no authority of the plan; ines is. 06:00 -> 09:00 = 3 h <= 4 h RTO.
		"  refused, an invocation by carl: invocation: invoke refused: CON-12 (clause 8.7.2): the invoker is one of the plan's authorities",
		"  INV-1 invoked by ines at Mon 14 Jun 06:00 CEST for INC-0614: invoked",
		"  degraded_operation at Mon 14 Jun 09:00 CEST: payroll recovered in 3h0m0s against the RTO 4h0m0s: met true",
		"  reviewed by cora: closed",

		// 7. Assessed 1 March, due again on 1 January 2028: nothing overdue; both
		// tests within the year, both reviewed; the invocation reviewed.
		"  risk sweep (yearly, 30 days' grace): []",
		"  plan sweep: []",
		"    continuity-plan-control         clause 8.7.2  1 examined  pass",
		"    continuity-test-review          clause 8.7.2  2 examined  pass",
		"    continuity-invocation-control   clause 8.7.2  1 examined  pass",
		"    continuity-coverage             clause 8.7.2  1 examined  pass",
		"    continuity-tests-on-time        clause 8.7.2  1 examined  pass",
	)
	if strings.Contains(got, "FAIL") {
		t.Errorf("check 12 fails:\n%s", got)
	}
}
