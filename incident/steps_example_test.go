package incident_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

// A helpdesk action of several transitions is one commit: the caller
// answers, the agent resumes work, notes the fix and resolves, all or
// nothing. A screen asks first what it may offer, and what stands in the
// way.
func ExampleService_DoSteps() {
	ctx := context.Background()
	svc, now := newExampleService()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	inc, _ := svc.Log(ctx, agent, incident.Report{Summary: "VPN drops", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: *now})
	inc, _ = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "network", Impact: incident.Medium, Urgency: incident.Medium})
	inc, _ = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "network", Assignee: "dana"})
	inc, _ = svc.Start(ctx, agent, inc.ID, incident.WorkStart{})
	inc, _ = svc.Hold(ctx, agent, inc.ID, incident.Suspension{Reason: incident.HoldCaller})

	choices, _ := svc.Choices(ctx, agent, inc.ID)
	for _, c := range choices {
		if c.HasRole { // what this agent may be offered
			fmt.Printf("%-13s -> %-11s %s\n", c.Trigger, c.To, c.Readiness)
		}
	}

	// Resolving without recording an action is refused at the third step,
	// and the first two are not stored either.
	_, err := svc.DoSteps(ctx, agent, inc.ID,
		incident.Resumption{},
		incident.Resolution{Code: "fixed", Notes: "MTU lowered", RestoredAt: *now})
	var step *sms.StepError
	if errors.As(err, &step) {
		r, _ := sms.RefusalOf(step.Err)
		fmt.Println("refused at step", step.Step+1, r.MessageKey(), r.RequirementIDs())
	}
	inc, _ = svc.Get(ctx, inc.ID)
	fmt.Println(inc.Status, "version", inc.Version)

	inc, err = svc.DoSteps(ctx, agent, inc.ID,
		incident.Resumption{},
		incident.Action{Text: "lowered the MTU on the caller's router"},
		incident.Resolution{Code: "fixed", Notes: "MTU lowered", RestoredAt: *now})
	fmt.Println(inc.Status, "version", inc.Version, "error:", err)
	// Output:
	// assign        -> assigned    needs_input
	// classify      -> on_hold     needs_input
	// escalate      -> on_hold     needs_input
	// link          -> on_hold     needs_input
	// note          -> on_hold     needs_input
	// propose_major -> on_hold     ready
	// record_action -> on_hold     needs_input
	// resume        -> in_progress ready
	// refused at step 2 sms.guard.unmet [INC-07]
	// on_hold version 5
	// resolved version 8 error: <nil>
}
