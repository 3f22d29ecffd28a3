package servicelevel_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
)

// An SLA drafted, refused activation until both sides signed, then in
// force; an amendment supersedes it when it activates.
func ExampleAgreements() {
	ctx := context.Background()
	svc, _ := servicelevel.NewAgreements(memstore.New[*servicelevel.Agreement](), sms.Options{})
	manager := sms.Actor{ID: "sara", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	other := sms.Actor{ID: "sven", Roles: []sms.Role{servicelevel.RoleLevelManager}}
	hr := sms.Actor{ID: "cleo", Roles: []sms.Role{servicelevel.RoleCustomer}}
	content := servicelevel.Content{
		Services:     []string{"payroll"},
		Evidence:     servicelevel.Evidence{Kind: "signed document", Ref: "DMS-4711"},
		Targets:      []servicelevel.Target{{Metric: "resolution", Objective: "4h", Calendar: "office@1", Priorities: []string{"1"}}},
		Limits:       []servicelevel.Limit{{Metric: "incidents", Max: 200, Window: "month"}},
		NoExceptions: true,
	}
	sla, _ := svc.Draft(ctx, manager, servicelevel.Draft{ID: "SLA-1", Type: servicelevel.SLA, Title: "Payroll", Customer: "hr", Content: content})
	svc.Propose(ctx, manager, sla.ID, servicelevel.Proposal{})
	_, err := svc.Activate(ctx, manager, sla.ID, servicelevel.Activation{})
	var refused *sms.GuardError
	if errors.As(err, &refused) {
		fmt.Println("refused:", refused.IDs())
	}
	svc.Sign(ctx, hr, sla.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	svc.Sign(ctx, other, sla.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	sla, _ = svc.Activate(ctx, manager, sla.ID, servicelevel.Activation{})
	fmt.Println(sla.ID, "edition", sla.Edition, sla.Status)

	v2, _ := svc.Draft(ctx, manager, servicelevel.Draft{ID: "SLA-1.2", Type: servicelevel.SLA, Title: "Payroll", Customer: "hr", Amends: sla.ID, Content: content})
	svc.Propose(ctx, manager, v2.ID, servicelevel.Proposal{})
	svc.Sign(ctx, hr, v2.ID, servicelevel.Signing{Side: servicelevel.SideCustomer})
	svc.Sign(ctx, other, v2.ID, servicelevel.Signing{Side: servicelevel.SideProvider})
	v2, _ = svc.Activate(ctx, manager, v2.ID, servicelevel.Activation{})
	old, _ := svc.Get(ctx, sla.ID)
	fmt.Println(v2.ID, "edition", v2.Edition, v2.Status, "|", old.ID, old.Status, "by", old.SupersededBy)
	// Output:
	// refused: [SLM-03]
	// SLA-1 edition 1 active
	// SLA-1.2 edition 2 active | SLA-1 superseded by SLA-1.2
}
