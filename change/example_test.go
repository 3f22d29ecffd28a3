package change_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
)

// newExampleService returns a service on in-memory stores with a fixed
// clock, so that the examples print the same each time.
func newExampleService() (*change.Service, *time.Time) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	svc, err := change.NewService(change.Stores{
		Changes:   memstore.New[*change.Change](),
		Plans:     memstore.New[*change.TransitionPlan](),
		Templates: memstore.New[*change.Template](),
	}, change.Config{Policy: change.DefaultPolicy(), Options: sms.Options{Now: func() time.Time { return now }}})
	if err != nil {
		panic(err)
	}
	return svc, &now
}

func dims() change.ImpactAssessment {
	d := change.Dimension{Notes: "not affected"}
	return change.ImpactAssessment{Services: change.Dimension{Affected: true, Notes: "billing down 20 minutes"},
		Parties: d, Plans: d, Capacity: d, Schedule: d}
}

// A normal change from request to closure, with a self-approval refused.
func Example() {
	ctx := context.Background()
	svc, now := newExampleService()
	rita := sms.Actor{ID: "rita", Roles: []sms.Role{change.RoleRequester, change.RoleCAB}}
	max := sms.Actor{ID: "max", Roles: []sms.Role{change.RoleChangeManager}}
	cara := sms.Actor{ID: "cara", Roles: []sms.Role{change.RoleCAB}}
	ivan := sms.Actor{ID: "ivan", Roles: []sms.Role{change.RoleImplementer}}

	chg, _ := svc.Raise(ctx, rita, change.Request{ID: "CHG-1", Summary: "Patch the billing database", Requester: "rita",
		Type: change.TypeModify, Model: change.ModelNameNormal, Category: "database", Services: []string{"billing"},
		ConfigItems: []change.ConfigItem{{ID: "db-7", Type: "database"}}, Reason: "vendor security fix"})
	chg, _ = svc.Submit(ctx, rita, chg.ID, change.Submission{})
	chg, _ = svc.CompleteAssessment(ctx, max, chg.ID, change.Evaluation{Likelihood: 2, Impact: 3, Benefit: "closes a CVE",
		Feasibility: "vendor procedure", Cost: "4 hours", Dimensions: dims(),
		Remediation: change.RemediationPlan{Plan: "restore the snapshot", Tested: true}})
	fmt.Println(chg.ID, chg.Status, "risk", chg.Assessment.RiskScore)

	// The requester holds a CAB role, but nobody approves their own change.
	_, err := svc.Approve(ctx, rita, chg.ID, change.Approval{Rationale: "mine, and urgent"})
	var fe *sms.ForbiddenError
	if errors.As(err, &fe) {
		fmt.Println("refused:", fe.Requirement.ID, fe.Reason)
	}
	chg, _ = svc.Approve(ctx, cara, chg.ID, change.Approval{Rationale: "tested rollback, low risk"})
	chg, _ = svc.Authorize(ctx, max, chg.ID, change.Authorization{Priority: 3})

	*now = now.Add(72 * time.Hour)
	chg, _ = svc.Schedule(ctx, max, chg.ID, change.Scheduling{Window: change.Window{Start: *now, End: now.Add(2 * time.Hour)},
		Plan: "failover, patch, failback", Implementer: "ivan", Parties: []string{"billing-users"}})
	chg, _ = svc.Notify(ctx, max, chg.ID, change.Notification{Parties: []string{"billing-users"}, Message: "billing read-only 09:00-11:00"})
	chg, _ = svc.Start(ctx, ivan, chg.ID, change.Implementation{Verification: "patch checksum verified", TestResult: "staging green"})
	chg, _ = svc.Complete(ctx, ivan, chg.ID, change.Completion{Outcome: change.OutcomeSuccessful})
	chg, _ = svc.Review(ctx, max, chg.ID, change.PIR{ObjectivesMet: true, Summary: "patched, no incident"})
	chg, err = svc.Close(ctx, max, chg.ID, change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "db-7", Ref: "CMDB-1042"}}})
	fmt.Println(chg.Status, chg.CloseCode, err)

	journal, _ := svc.Journal(ctx, chg.ID)
	for _, e := range journal {
		fmt.Printf("%2d %-20s %-9s -> %s\n", e.Seq, e.Trigger, e.From, e.To)
	}
	fmt.Println("journal verifies:", sms.VerifyJournal(journal) == nil)
	// Output:
	// CHG-1 authorize risk 6
	// refused: CHG-19 the requester may not approve their own record
	// closed successful <nil>
	//  1 raise                          -> draft
	//  2 submit               draft     -> assess
	//  3 complete_assessment  assess    -> authorize
	//  4 approve              authorize -> authorize
	//  5 authorize            authorize -> scheduled
	//  6 schedule             scheduled -> scheduled
	//  7 notify               scheduled -> scheduled
	//  8 start_implementation scheduled -> implement
	//  9 complete             implement -> review
	// 10 review               review    -> review
	// 11 close                review    -> closed
	// journal verifies: true
}

// An emergency change skips assessment and is authorized by the emergency
// authority; it cannot close until its record is completed afterwards.
func ExampleService_SubmitEmergency() {
	ctx := context.Background()
	svc, _ := newExampleService()
	dana := sms.Actor{ID: "dana", Roles: []sms.Role{change.RoleRequester}}
	eve := sms.Actor{ID: "eve", Roles: []sms.Role{change.RoleEmergencyAuthority}}
	max := sms.Actor{ID: "max", Roles: []sms.Role{change.RoleChangeManager, change.RoleImplementer}}

	chg, _ := svc.Raise(ctx, dana, change.Request{ID: "CHG-9", Summary: "Block the exploited endpoint", Requester: "dana",
		Type: change.TypeModify, Model: change.ModelNameEmergency, Category: "security", Services: []string{"web"}, Reason: "active exploit"})
	chg, _ = svc.SubmitEmergency(ctx, dana, chg.ID, change.EmergencySubmission{Incident: "INC-77",
		Remediation: change.RemediationPlan{Plan: "remove the WAF rule", Justification: "no time to test; rule is reversible"}})
	fmt.Println(chg.Status, "retrospective due", chg.RetroDue.Format(time.DateOnly))
	chg, _ = svc.Approve(ctx, eve, chg.ID, change.Approval{Rationale: "exploit in progress"})
	chg, _ = svc.Authorize(ctx, eve, chg.ID, change.Authorization{Priority: 1})
	chg, _ = svc.Schedule(ctx, max, chg.ID, change.Scheduling{Window: change.Window{Start: chg.UpdatedAt, End: chg.UpdatedAt.Add(time.Hour)},
		Plan: "deploy WAF rule", Implementer: "max", Parties: []string{"web-team"}})
	chg, _ = svc.Notify(ctx, max, chg.ID, change.Notification{Parties: []string{"web-team"}, Message: "WAF rule now"})
	chg, _ = svc.Start(ctx, max, chg.ID, change.Implementation{Verification: "rule syntax checked", TestSkipped: "emergency"})
	chg, _ = svc.Complete(ctx, max, chg.ID, change.Completion{Outcome: change.OutcomeSuccessful})
	chg, _ = svc.Review(ctx, max, chg.ID, change.PIR{ObjectivesMet: true, Summary: "exploit blocked"})

	_, err := svc.Close(ctx, max, chg.ID, change.Closure{NoConfigImpact: true})
	var ge *sms.GuardError
	if errors.As(err, &ge) {
		fmt.Println("refused:", ge.IDs())
	}
	// Output:
	// authorize retrospective due 2026-05-09
	// refused: [CHG-17]
}

// The package's "Using it": the three stores, the host's answer on its
// releases, and a normal change raised and submitted for assessment.
func ExampleNewService() {
	ctx := context.Background()
	releaseLookup := change.ReleaseLookupFunc(func(_ context.Context, id string) (bool, error) {
		return id == "REL-1", nil // the host's release records
	})
	requester := sms.Actor{ID: "rita", Roles: []sms.Role{change.RoleRequester}}

	svc, err := change.NewService(change.Stores{
		Changes:   memstore.New[*change.Change](),
		Plans:     memstore.New[*change.TransitionPlan](),
		Templates: memstore.New[*change.Template](),
	}, change.Config{Policy: change.DefaultPolicy(), Releases: releaseLookup})
	if err != nil {
		panic(err)
	}
	chg, err := svc.Raise(ctx, requester, change.Request{
		Summary: "Patch the billing database", Requester: "rita", Type: change.TypeModify,
		Model: change.ModelNameNormal, Category: "database", Services: []string{"billing"}, Reason: "vendor security fix",
	})
	if err != nil {
		panic(err)
	}
	chg, err = svc.Submit(ctx, requester, chg.ID, change.Submission{})
	if err != nil {
		panic(err)
	}
	fmt.Println(chg.Status, chg.Model)
	// Output:
	// assess normal
}
