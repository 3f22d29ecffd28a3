package change_test

import (
	"context"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
)

// The CHG-16 sweep over a day of the host's configuration audit trail:
// databases are under change control, printers are not. A database edited
// by hand is reported; the host then reviews that unintended change
// through a retrospective emergency change, records it against the
// mutation, and the sweep is clean.
func ExampleService_UnauthorizedChanges() {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	svc, _ := change.NewService(change.Stores{
		Changes:   memstore.New[*change.Change](),
		Plans:     memstore.New[*change.TransitionPlan](),
		Templates: memstore.New[*change.Template](),
	}, change.Config{Policy: change.Policy{Controlled: []string{"database"}}, Options: sms.Options{Now: func() time.Time { return now }}})

	// What the host's CMDB recorded.
	trail := []change.ConfigChange{
		{ID: "CMDB-2230", Item: "db-7", ItemType: "database", Service: "billing", At: now.Add(-2 * time.Hour), By: "oscar"},
		{ID: "CMDB-2231", Item: "prn-3", ItemType: "printer", At: now.Add(-time.Hour), By: "oscar"},
		{ID: "CMDB-2232", Item: "db-8", ItemType: "database", At: now.Add(-time.Hour), By: "oscar", ChangeRef: "CHG-404"},
	}
	findings, _ := svc.UnauthorizedChanges(ctx, trail, now)
	for _, f := range findings {
		fmt.Println(f.Code, f.Requirement.ID, f.EntityID+":", f.Detail)
	}

	// The retrospective path for db-7: an emergency change, authorized by
	// the emergency authority, implemented (here: the hand-made setting is
	// kept and verified), assessed after the fact and reviewed (CHG-17).
	dana := sms.Actor{ID: "dana", Roles: []sms.Role{change.RoleRequester}}
	eve := sms.Actor{ID: "eve", Roles: []sms.Role{change.RoleEmergencyAuthority}}
	max := sms.Actor{ID: "max", Roles: []sms.Role{change.RoleChangeManager, change.RoleImplementer}}
	chg, _ := svc.Raise(ctx, dana, change.Request{ID: "CHG-50", Summary: "Review the hand-made change to db-7", Requester: "dana",
		Type: change.TypeModify, Model: change.ModelNameEmergency, Category: "database", Services: []string{"billing"},
		ConfigItems: []change.ConfigItem{{ID: "db-7", Type: "database"}}, Reason: "UNAUTHORIZED_CHANGE on db-7 (CMDB-2230)"})
	chg, _ = svc.SubmitEmergency(ctx, dana, chg.ID, change.EmergencySubmission{Justification: "unauthorized change found by the sweep",
		Remediation: change.RemediationPlan{Plan: "restore the previous parameter file", Tested: true}})
	chg, _ = svc.Approve(ctx, eve, chg.ID, change.Approval{Rationale: "keep billing stable while we review"})
	chg, _ = svc.Authorize(ctx, eve, chg.ID, change.Authorization{Priority: 2})
	chg, _ = svc.Schedule(ctx, max, chg.ID, change.Scheduling{Window: change.Window{Start: now, End: now.Add(time.Hour)},
		Plan: "verify the new setting, keep it", Implementer: "max", Parties: []string{"billing-team"}})
	chg, _ = svc.Notify(ctx, max, chg.ID, change.Notification{Parties: []string{"billing-team"}, Message: "db-7 setting under review"})
	chg, _ = svc.Start(ctx, max, chg.ID, change.Implementation{Verification: "setting matches the vendor advice", TestResult: "load test green"})
	chg, _ = svc.Complete(ctx, max, chg.ID, change.Completion{Outcome: change.OutcomeSuccessful})
	d := change.Dimension{Notes: "not affected"}
	chg, _ = svc.RecordAssessment(ctx, max, chg.ID, change.Retrospective{Evaluation: change.Evaluation{Likelihood: 1, Impact: 2,
		Benefit: "fewer lock timeouts", Feasibility: "done", Cost: "none",
		Dimensions: change.ImpactAssessment{Services: d, Parties: d, Plans: d, Capacity: d, Schedule: d}}})
	chg, _ = svc.Review(ctx, max, chg.ID, change.PIR{ObjectivesMet: true, Summary: "no harm done; oscar briefed on change control",
		Actions: []change.FollowUp{{Action: "remove oscar's direct database rights", Owner: "max", AgreedWith: "billing owner"}}})
	chg, err := svc.Close(ctx, max, chg.ID, change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "db-7", Ref: "CMDB-2230"}}})
	fmt.Println(chg.ID, chg.Status, err)

	// The host records the change against the mutation and sweeps again.
	trail[0].ChangeRef = chg.ID
	findings, _ = svc.UnauthorizedChanges(ctx, trail[:2], now)
	fmt.Println("findings:", len(findings))
	// Output:
	// UNAUTHORIZED_CHANGE CHG-16 db-7: no_change_reference: db-7 (database) changed 2026-05-04T07:00:00Z by oscar with no change (record CMDB-2230)
	// UNAUTHORIZED_CHANGE CHG-16 db-8: change_not_found: db-8 (database) changed 2026-05-04T08:00:00Z by oscar under CHG-404 (record CMDB-2232)
	// CHG-50 closed <nil>
	// findings: 0
}
