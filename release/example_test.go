package release_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/release"
)

// A release of one authorized change, from plan to analysis, with a
// deployment refused until the baseline is captured.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	authorized := map[string]bool{"CHG-1": true} // the host's change records
	svc, err := release.NewService(memstore.New[*release.Release](), release.Config{
		Policy:  release.DefaultPolicy(),
		Changes: release.ChangeLookupFunc(func(_ context.Context, id string) (bool, error) { return authorized[id], nil }),
		Options: sms.Options{Now: func() time.Time { return now }},
	})
	if err != nil {
		panic(err)
	}
	rosa := sms.Actor{ID: "rosa", Roles: []sms.Role{release.RoleReleaseManager, release.RoleTester}}
	abe := sms.Actor{ID: "abe", Roles: []sms.Role{release.RoleApprover}}
	dev := sms.Actor{ID: "dev", Roles: []sms.Role{release.RoleDeployer}}

	rel, _ := svc.Plan(ctx, rosa, release.Planning{ID: "REL-1", Name: "billing 2.4", Type: release.TypeMinor, Owner: "rosa",
		Content: release.Content{Plan: "blue-green switch", Changes: []string{"CHG-1"}, Method: "blue_green",
			Windows:      []release.Window{{Start: now, End: now.Add(48 * time.Hour)}},
			Deliverables: []release.Deliverable{{Name: "billing-api", Version: "2.4.0"}},
			ConfigItems:  []string{"api-1"}, Criteria: []string{"contract tests green"}}})
	rel, _ = svc.StartBuild(ctx, rosa, rel.ID, release.BuildStart{})
	rel, _ = svc.SubmitForTest(ctx, rosa, rel.ID, release.TestSubmission{})
	rel, _ = svc.PassAcceptance(ctx, rosa, rel.ID, release.AcceptancePassed{Results: []release.CriterionResult{{Criterion: "contract tests green", Passed: true}}})
	rel, _ = svc.Approve(ctx, abe, rel.ID, release.Approval{Rationale: "green, rollback rehearsed"})
	rel, _ = svc.Authorize(ctx, rosa, rel.ID, release.Authorization{})
	fmt.Println(rel.ID, rel.Status)

	_, err = svc.Deploy(ctx, dev, rel.ID, release.DeployStart{Deployer: "dev"})
	var ge *sms.GuardError
	if errors.As(err, &ge) {
		fmt.Println("refused:", ge.IDs())
	}
	rel, _ = svc.CaptureBaseline(ctx, dev, rel.ID, release.BaselineCapture{ID: "BL-9", Items: []release.ItemVersion{{Item: "api-1", Version: "2.3.7"}}})
	rel, _ = svc.Deploy(ctx, dev, rel.ID, release.DeployStart{Deployer: "dev"})
	rel, _ = svc.CompleteDeployment(ctx, dev, rel.ID, release.DeploymentResult{Targets: []release.TargetResult{{Target: "green", OK: true}},
		Verification: "health checks green"})
	rel, _ = svc.RecordIncident(ctx, dev, rel.ID, release.IncidentRecord{Incident: "INC-31"})
	now = now.Add(8 * 24 * time.Hour) // past the 7-day early life
	rel, _ = svc.EndEarlyLife(ctx, rosa, rel.ID, release.EarlyLifeEnd{})
	rel, _ = svc.Review(ctx, rosa, rel.ID, release.AnalysisRecord{Outcome: release.OutcomeSuccessful, Conclusions: "one cosmetic incident"})
	rel, err = svc.Close(ctx, rosa, rel.ID, release.Closure{})
	fmt.Println(rel.Status, "early-life incidents:", rel.Analysis.IncidentCount, err)
	// Output:
	// REL-1 approved
	// refused: [REL-07]
	// closed early-life incidents: 1 <nil>
}

// The package's "Using it": a service told by the host which changes are
// authorized, and a minor release planned for one of them.
func ExampleNewService() {
	ctx := context.Background()
	changeAuthorized := func(_ context.Context, id string) (bool, error) {
		return id == "CHG-1", nil // the host's change records
	}
	manager := sms.Actor{ID: "rosa", Roles: []sms.Role{release.RoleReleaseManager}}
	start := time.Now().Add(24 * time.Hour) // the deployment window opens tomorrow

	svc, err := release.NewService(memstore.New[*release.Release](), release.Config{
		Policy:  release.DefaultPolicy(),
		Changes: release.ChangeLookupFunc(changeAuthorized),
	})
	if err != nil {
		panic(err)
	}
	rel, err := svc.Plan(ctx, manager, release.Planning{Name: "payroll 5.0", Type: release.TypeMinor, Owner: "rosa",
		Content: release.Content{Plan: "blue-green switch", Changes: []string{"CHG-1"}, Method: "blue_green",
			Windows:      []release.Window{{Start: start, End: start.Add(4 * time.Hour)}},
			Deliverables: []release.Deliverable{{Name: "payroll", Version: "5.0.0"}}}})
	if err != nil {
		panic(err)
	}
	fmt.Println(rel.Name, rel.Status)
	// Output:
	// payroll 5.0 planned
}
