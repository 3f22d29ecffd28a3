package request_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/request"
)

// A catalogue item needing one approval; a self-approval refused; the
// request approved, fulfilled and closed.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	n := 0
	svc, _ := request.NewService(request.Stores{Items: memstore.New[*request.Item](), Requests: memstore.New[*request.Request]()},
		request.Config{Policy: request.DefaultPolicy(), Options: sms.Options{
			Now:   func() time.Time { return now },
			NewID: func() string { n++; return fmt.Sprintf("ID-%02d", n) },
		}})
	cat := sms.Actor{ID: "cat", Roles: []sms.Role{request.RoleCatalogueManager}}
	eve := sms.Actor{ID: "eve", Roles: []sms.Role{request.RoleRequester, request.RoleApprover}}
	ann := sms.Actor{ID: "ann", Roles: []sms.Role{request.RoleApprover}}
	fay := sms.Actor{ID: "fay", Roles: []sms.Role{request.RoleFulfiller}}

	item, _ := svc.Items().Define(ctx, cat, request.ItemDefinition{Name: "VPN access", Category: "access", Service: "vpn",
		DefaultPriority: 3, Instructions: request.Instructions{Ref: "WI-VPN", Version: "2"},
		Approval: &sms.ApprovalRule{Roles: []sms.Role{request.RoleApprover}, Quorum: 1}, Tasks: []string{"create account"}})
	item, _ = svc.Items().Publish(ctx, cat, item.ID, request.ItemPublication{})
	fmt.Println(item.Name, item.Status, "edition", item.Edition)

	r, _ := svc.Submit(ctx, eve, request.Submission{Item: item.ID, Summary: "VPN for working from home", Requester: "eve"})
	r, _ = svc.RequestApproval(ctx, fay, r.ID, request.ApprovalRequest{})
	_, err := svc.Approve(ctx, eve, r.ID, request.Approval{})
	var fe *sms.ForbiddenError
	if errors.As(err, &fe) {
		fmt.Println("forbidden:", fe.Requirement.ID, "-", fe.Requirement.Text)
	}
	r, _ = svc.Approve(ctx, ann, r.ID, request.Approval{Rationale: "needed for on-call"})
	fmt.Println(r.Status)
	r, _ = svc.StartFulfilment(ctx, fay, r.ID, request.FulfilmentStart{Assignee: "fay"})
	r, _ = svc.CompleteTask(ctx, fay, r.ID, request.TaskCompletion{Task: "create account"})
	r, _ = svc.Fulfil(ctx, fay, r.ID, request.Fulfilment{Notes: "account created, token sent"})
	r, _ = svc.Close(ctx, eve, r.ID, request.Closure{Code: request.CloseComplete, Confirmation: request.ConfirmedByRequester})
	journal, _ := svc.Journal(ctx, r.ID)
	for _, e := range journal {
		fmt.Printf("%d %-16s %-17s -> %s\n", e.Seq, e.Trigger, e.From, e.To)
	}
	// Output:
	// VPN access published edition 1
	// forbidden: SR-07 - neither the requester nor the person the request is for approves it
	// approved
	// 1 submit                             -> new
	// 2 request_approval new               -> awaiting_approval
	// 3 approve          awaiting_approval -> awaiting_approval
	// 4 grant            awaiting_approval -> approved
	// 5 start_fulfilment approved          -> in_fulfilment
	// 6 complete_task    in_fulfilment     -> in_fulfilment
	// 7 fulfil           in_fulfilment     -> fulfilled
	// 8 close            fulfilled         -> closed
}

// The package's "Using it": a catalogue item defined and published, and a
// request submitted against it.
func ExampleNewService() {
	ctx := context.Background()
	changeLookup := request.ChangeLookupFunc(func(_ context.Context, id string) (request.ChangeFacts, error) {
		return request.ChangeFacts{}, fmt.Errorf("change %s: %w", id, sms.ErrNotFound) // the host's change records
	})
	catalogue := sms.Actor{ID: "cat", Roles: []sms.Role{request.RoleCatalogueManager}}
	requester := sms.Actor{ID: "eve", Roles: []sms.Role{request.RoleRequester}}

	svc, err := request.NewService(request.Stores{
		Items:    memstore.New[*request.Item](),
		Requests: memstore.New[*request.Request](),
	}, request.Config{Policy: request.DefaultPolicy(), Changes: changeLookup})
	if err != nil {
		panic(err)
	}
	item, err := svc.Items().Define(ctx, catalogue, request.ItemDefinition{Name: "Laptop", Category: "hardware", Service: "workplace",
		DefaultPriority: 3, Instructions: request.Instructions{Ref: "WI-LAPTOP", Version: "1"}})
	if err != nil {
		panic(err)
	}
	item, err = svc.Items().Publish(ctx, catalogue, item.ID, request.ItemPublication{})
	if err != nil {
		panic(err)
	}
	r, err := svc.Submit(ctx, requester, request.Submission{Item: item.ID, Summary: "A laptop for Eve", Requester: "eve"})
	if err != nil {
		panic(err)
	}
	fmt.Println(item.Status, r.Status, r.Priority)
	// Output:
	// published new 3
}
