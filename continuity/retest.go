package continuity

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// ChangeFact is what the host tells of a closed change (CON-08): its
// services, when it closed, and whether it had a major impact or was
// marked as affecting continuity.
type ChangeFact struct {
	ID                string
	Services          []string
	ClosedAt          time.Time
	MajorImpact       bool
	AffectsContinuity bool
}

// RetestsDue returns a RETEST_OVERDUE finding (CON-08) for each plan in
// force that covers a service of a change closed with a major impact or
// marked as affecting continuity, and that no test of the plan ended after
// the change closed, once within (30 days when zero or less) has passed
// since the close. A host fires require_retest on those plans when the
// change closes ([Plans.RequireRetest]); this sweep finds the retests that
// did not happen, whatever the plans' statuses say. It is a pure function;
// findings come in change, then plan, order.
func RetestsDue(changes []ChangeFact, plans []*Plan, tests []*Test, within time.Duration, asOf time.Time) []sms.Finding {
	if within <= 0 {
		within = 30 * 24 * time.Hour
	}
	a := sms.NewAudit(asOf, PlanRequirements())
	var out []sms.Finding
	for _, c := range changes {
		if !c.MajorImpact && !c.AffectsContinuity {
			continue
		}
		due := c.ClosedAt.Add(within)
		if !asOf.After(due) {
			continue
		}
		for _, p := range plans {
			if p == nil || !p.InForce() || !slices.ContainsFunc(p.Services, func(s string) bool { return slices.Contains(c.Services, s) }) {
				continue
			}
			tested := slices.ContainsFunc(tests, func(t *Test) bool {
				return t != nil && t.Plan == p.ID && (t.Status == TestExecuted || t.Status == TestReviewed || t.Status == TestClosed) && t.Ended.After(c.ClosedAt)
			})
			if !tested {
				out = append(out, a.Finding(CodeRetestOverdue, "CON-08", PlanKind, p.ID,
					"change "+c.ID+" closed "+c.ClosedAt.UTC().Format(time.RFC3339)+"; no test since, due "+due.UTC().Format(time.RFC3339)))
			}
		}
	}
	return out
}
