package smstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// A test decides when each transition happens: an incident resolved, not
// closed automatically before the policy's auto-close window elapsed, and
// closed once the clock has been moved past it.
func ExampleClock() {
	ctx := context.Background()
	store := memstore.New[*incident.Incident]()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}

	clk := smstest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	svc, err := incident.NewService(store, incident.Config{
		Policy:  incident.DefaultPolicy(),
		Options: sms.Options{Now: clk.Now},
	})
	if err != nil {
		panic(err)
	}
	inc, err := svc.Log(ctx, agent, incident.Report{Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: clk.Now()})
	if err != nil {
		panic(err)
	}
	inc, err = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "network", Impact: incident.Medium, Urgency: incident.Medium})
	if err != nil {
		panic(err)
	}
	inc, err = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "network", Assignee: "dana"})
	if err != nil {
		panic(err)
	}
	inc, err = svc.RecordAction(ctx, agent, inc.ID, incident.Action{Text: "restarted the VPN concentrator"})
	if err != nil {
		panic(err)
	}
	clk.Advance(30 * time.Minute)
	inc, err = svc.Resolve(ctx, agent, inc.ID, incident.Resolution{Code: "fixed", Notes: "concentrator restarted", RestoredAt: clk.Now()})
	if err != nil {
		panic(err)
	}
	autoClose := incident.Closure{Code: "solved", Confirmation: incident.AutoClosed}
	_, err = svc.Close(ctx, agent, inc.ID, autoClose)
	var refusal *sms.GuardError
	if errors.As(err, &refusal) {
		fmt.Println("at", clk.Now().Format(time.Kitchen), "refused:", refusal.IDs())
	}

	clk.Advance(72 * time.Hour) // the default policy's auto-close window has elapsed
	inc, err = svc.Close(ctx, agent, inc.ID, autoClose)
	if err != nil {
		panic(err)
	}
	fmt.Println(inc.Status, inc.ClosedAt.Format(time.RFC3339))
	// Output:
	// at 8:30AM refused: [INC-06]
	// closed 2026-03-05T08:30:00Z
}
