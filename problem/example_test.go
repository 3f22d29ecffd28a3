package problem_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
)

// newExampleService returns a service on in-memory stores with a fixed
// clock and sequential IDs, a change lookup over a map and a notifier that
// prints.
func newExampleService(changes map[string]problem.ChangeOutcome) (*problem.Service, *time.Time) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	n := 0
	svc, err := problem.NewService(problem.Stores{
		Problems:    memstore.New[*problem.Problem](),
		KnownErrors: memstore.New[*problem.KnownError](),
	}, problem.Config{
		Policy: problem.DefaultPolicy(),
		Options: sms.Options{
			Now:   func() time.Time { return now },
			NewID: func() string { n++; return fmt.Sprintf("ID-%02d", n) },
		},
		Changes: problem.ChangeLookupFunc(func(_ context.Context, id string) (problem.ChangeOutcome, error) {
			if o, ok := changes[id]; ok {
				return o, nil
			}
			return "", fmt.Errorf("change %s: %w", id, sms.ErrNotFound)
		}),
		Incidents: problem.IncidentNotifierFunc(func(_ context.Context, _ sms.Actor, id string, c problem.Communication) error {
			fmt.Printf("  incident %s told: %s\n", id, c.Text)
			return nil
		}),
	})
	if err != nil {
		panic(err)
	}
	return svc, &now
}

// A problem from recurring incidents becomes a known error with a
// workaround, communicated to the incidents; a fix under a change resolves
// it and retires the known error.
func Example() {
	ctx := context.Background()
	changes := map[string]problem.ChangeOutcome{}
	svc, now := newExampleService(changes)
	ana := sms.Actor{ID: "ana", Roles: []sms.Role{problem.RoleAnalyst}}
	pam := sms.Actor{ID: "pam", Roles: []sms.Role{problem.RoleProblemManager}}

	pr, _ := svc.Log(ctx, ana, problem.Report{Summary: "VPN drops nightly", Service: "vpn", Source: problem.SourceTrend,
		Incidents: []string{"INC-1", "INC-2"}, ConfigItems: []string{"vpn-gw-1"}})
	pr, _ = svc.Classify(ctx, ana, pr.ID, problem.Classification{Category: "network", Impact: problem.High, Urgency: problem.Medium})
	pr, _ = svc.Assess(ctx, pam, pr.ID, problem.Assessment{Owner: "pam"})
	pr, _ = svc.StartRCA(ctx, ana, pr.ID, problem.RCAStart{Investigator: "ana"})

	// A known error needs the root cause first (PRB-02).
	_, err := svc.DeclareKnownError(ctx, ana, pr.ID, problem.KnownErrorDeclaration{Workaround: "reconnect"})
	var refusal *sms.GuardError
	if errors.As(err, &refusal) {
		fmt.Println("refused:", refusal.IDs())
	}
	pr, _ = svc.RecordRootCause(ctx, ana, pr.ID, problem.RootCauseAnalysis{RootCause: "dead-peer timer shorter than the backup stall"})
	pr, _ = svc.DeclareKnownError(ctx, ana, pr.ID, problem.KnownErrorDeclaration{Workaround: "reconnect the VPN client",
		Symptoms: []string{"peer not responding"}})
	ke, _ := svc.KnownErrors().Publish(ctx, pam, pr.KnownError, problem.KEPublication{})
	fmt.Println(pr.Status, "known error", ke.ID, ke.Status)

	found, _ := svc.KnownErrors().Match(ctx, problem.Symptoms{Texts: []string{"Peer NOT responding"}})
	fmt.Println("matched by symptom:", len(found))

	fmt.Println("propagate:")
	pr, _ = svc.Propagate(ctx, ana, pr.ID, problem.Propagation{Kind: problem.CommunicateWorkaround})

	changes["CHG-7"] = problem.ChangeOpen
	pr, _ = svc.StartFix(ctx, ana, pr.ID, problem.FixStart{Change: "CHG-7"})
	_, err = svc.Resolve(ctx, pam, pr.ID, problem.Resolution{Type: problem.FixApplied, Notes: "timer raised"})
	if errors.As(err, &refusal) {
		fmt.Println("refused while the change is open:", refusal.IDs())
	}
	changes["CHG-7"] = problem.ChangeSuccessful
	pr, _ = svc.Resolve(ctx, pam, pr.ID, problem.Resolution{Type: problem.FixApplied, Notes: "timer raised"})
	ke, _ = svc.KnownErrors().Get(ctx, pr.KnownError)
	fmt.Println(pr.Status, "known error", ke.Status, "fix", ke.Fix)

	*now = now.Add(15 * 24 * time.Hour)
	pr, _ = svc.Close(ctx, pam, pr.ID, problem.Closure{})
	fmt.Println(pr.Status, "version", pr.Version, "verifies:", svc.Verify(ctx, pr.ID) == nil)
	// Output:
	// refused: [PRB-02]
	// known_error known error ID-03 published
	// matched by symptom: 1
	// propagate:
	//   incident INC-1 told: Known error ID-03 (problem ID-01). Workaround: reconnect the VPN client
	//   incident INC-2 told: Known error ID-03 (problem ID-01). Workaround: reconnect the VPN client
	// refused while the change is open: [PRB-06]
	// resolved known error retired fix CHG-7
	// closed version 10 verifies: true
}

// Accepting the risk needs a problem manager and the service owner, two
// people, neither the one who asked nor the one who logged the problem;
// the refusal is a ForbiddenError citing PRB-06.
func ExampleService_ApproveRisk() {
	ctx := context.Background()
	svc, _ := newExampleService(nil)
	ana := sms.Actor{ID: "ana", Roles: []sms.Role{problem.RoleAnalyst, problem.RoleProblemManager}}
	pam := sms.Actor{ID: "pam", Roles: []sms.Role{problem.RoleProblemManager}}
	sol := sms.Actor{ID: "sol", Roles: []sms.Role{problem.RoleServiceOwner}}

	pr, _ := svc.Log(ctx, ana, problem.Report{Summary: "Legacy fax gateway drops pages", Service: "fax", Source: problem.SourceProactive})
	pr, _ = svc.Classify(ctx, ana, pr.ID, problem.Classification{Category: "telephony", Impact: problem.Low, Urgency: problem.Low})
	pr, _ = svc.Assess(ctx, ana, pr.ID, problem.Assessment{Owner: "ana"})
	pr, _ = svc.StartRCA(ctx, ana, pr.ID, problem.RCAStart{Investigator: "ana"})
	pr, _ = svc.RecordRootCause(ctx, ana, pr.ID, problem.RootCauseAnalysis{RootCause: "firmware defect, no vendor fix"})
	pr, _ = svc.RequestRiskAcceptance(ctx, ana, pr.ID, problem.RiskRequest{Rationale: "fax retired next year"})

	_, err := svc.ApproveRisk(ctx, ana, pr.ID, problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Approve})
	var fe *sms.ForbiddenError
	if errors.As(err, &fe) {
		fmt.Println("forbidden:", fe.Requirement.ID, "-", fe.Requirement.Text)
	}
	pr, _ = svc.ApproveRisk(ctx, pam, pr.ID, problem.RiskDecision{Role: problem.RoleProblemManager, Decision: sms.Approve})
	pr, _ = svc.ApproveRisk(ctx, sol, pr.ID, problem.RiskDecision{Role: problem.RoleServiceOwner, Decision: sms.Approve})
	pr, err = svc.Resolve(ctx, pam, pr.ID, problem.Resolution{Type: problem.RiskAccepted, Notes: "accepted until retirement"})
	fmt.Println(pr.Status, pr.Resolution, err)
	// Output:
	// forbidden: PRB-06 - the requester of a risk acceptance does not approve it
	// resolved risk_accepted <nil>
}

// Trend analysis proposes a problem from incidents the host describes.
func ExampleCandidates() {
	asOf := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	var facts []problem.IncidentFact
	for i := range 3 {
		facts = append(facts, problem.IncidentFact{ID: fmt.Sprintf("INC-%d", i+1), Service: "vpn",
			ConfigItems: []string{"vpn-gw-1"}, OpenedAt: asOf.Add(-time.Duration(i+1) * 24 * time.Hour)})
	}
	facts = append(facts, problem.IncidentFact{ID: "INC-9", Service: "mail", OpenedAt: asOf, Major: true})
	cands, _ := problem.Candidates(facts, problem.DefaultTrendRules(), asOf)
	for _, c := range cands {
		fmt.Println(c.Finding(asOf).Code, c.Report().Summary)
	}
	// Output:
	// MAJOR_INCIDENT_NOT_CONSIDERED Major incident INC-9 considered for a problem
	// PROBLEM_CANDIDATE 3 incidents on config_item vpn-gw-1 between 2026-05-01 and 2026-05-03
}

// The package's "Using it": the host answers for its changes and records
// communications on its incidents; a problem logged from a trend.
func ExampleNewService() {
	ctx := context.Background()
	changes := problem.ChangeLookupFunc(func(_ context.Context, id string) (problem.ChangeOutcome, error) {
		return "", fmt.Errorf("change %s: %w", id, sms.ErrNotFound) // the host's change records
	})
	notifier := problem.IncidentNotifierFunc(func(_ context.Context, _ sms.Actor, id string, c problem.Communication) error {
		return nil // the host records c on incident id, with incident.Service.RecordAction
	})
	analyst := sms.Actor{ID: "ana", Roles: []sms.Role{problem.RoleAnalyst}}

	svc, err := problem.NewService(problem.Stores{
		Problems:    memstore.New[*problem.Problem](),
		KnownErrors: memstore.New[*problem.KnownError](),
	}, problem.Config{Policy: problem.DefaultPolicy(), Changes: changes, Incidents: notifier})
	if err != nil {
		panic(err)
	}
	pr, err := svc.Log(ctx, analyst, problem.Report{Summary: "VPN drops", Service: "vpn", Source: problem.SourceTrend})
	if err != nil {
		panic(err)
	}
	fmt.Println(pr.Status, pr.Source)
	// Output:
	// new trend
}
