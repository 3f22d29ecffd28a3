package main

import (
	"testing"

	"github.com/iso20k/sms/examples/internal/tell"
)

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
	)
}
