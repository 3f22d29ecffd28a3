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

// A catalogue item that alters a controlled configuration item, the
// firewall: its requests are fulfilled only through a standard change from
// the firewall template that closed successful (SR-08). The host answers
// about changes; here a map stands in for its change management (with the
// change package, the answer is the change's model type, template, status
// and close code).
func ExampleService_Fulfil() {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	changes := map[string]request.ChangeFacts{
		"CHG-21": {Standard: true, Template: "TPL-FW"},                         // implemented, in review
		"CHG-22": {Standard: true, Template: "TPL-FW", ClosedSuccessful: true}, // closed successful
	}
	lookup := request.ChangeLookupFunc(func(_ context.Context, id string) (request.ChangeFacts, error) {
		f, ok := changes[id]
		if !ok {
			return f, fmt.Errorf("change %s: %w", id, sms.ErrNotFound)
		}
		return f, nil
	})
	svc, _ := request.NewService(request.Stores{Items: memstore.New[*request.Item](), Requests: memstore.New[*request.Request]()},
		request.Config{Changes: lookup, Options: sms.Options{Now: func() time.Time { return now }}})
	cat := sms.Actor{ID: "cat", Roles: []sms.Role{request.RoleCatalogueManager}}
	eve := sms.Actor{ID: "eve", Roles: []sms.Role{request.RoleRequester}}
	fay := sms.Actor{ID: "fay", Roles: []sms.Role{request.RoleFulfiller}}

	item, _ := svc.Items().Define(ctx, cat, request.ItemDefinition{ID: "ITEM-FW", Name: "Firewall rule", Category: "network", Service: "network",
		DefaultPriority: 3, Instructions: request.Instructions{Ref: "WI-FW", Version: "4"},
		RequiresStandardChange: true, ChangeTemplates: []string{"TPL-FW"}})
	item, _ = svc.Items().Publish(ctx, cat, item.ID, request.ItemPublication{})
	r, _ := svc.Submit(ctx, eve, request.Submission{ID: "REQ-7", Item: item.ID, Summary: "Open 443 to the new web server", Requester: "eve"})
	r, _ = svc.StartFulfilment(ctx, fay, r.ID, request.FulfilmentStart{Assignee: "fay"})

	var ge *sms.GuardError
	for _, c := range []string{"", "CHG-21"} {
		_, err := svc.Fulfil(ctx, fay, r.ID, request.Fulfilment{Notes: "rule applied", Change: c})
		if errors.As(err, &ge) {
			fmt.Printf("change %q refused: %s %s\n", c, ge.Unmet[0].ID, ge.Unmet[0].Text)
		}
	}
	r, err := svc.Fulfil(ctx, fay, r.ID, request.Fulfilment{Notes: "rule applied", Change: "CHG-22"})
	fmt.Println(r.Status, r.Change.ID, r.Change.Template, err)
	// Output:
	// change "" refused: SR-08 a request for an item that alters controlled configuration items names the standard change that made the alteration
	// change "CHG-21" refused: SR-08 the change closed successful
	// fulfilled CHG-22 TPL-FW <nil>
}
