package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// Personal data goes into a vault; the journal keeps only a reference with
// a salted commitment. Erasing the person leaves the journal verifying.
func ExampleVault() {
	ctx := context.Background()
	vault := memstore.NewVault()
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{})
	if err != nil {
		panic(err)
	}
	caller, err := vault.Seal(ctx, "customer-1042", "alice@example.com")
	if err != nil {
		panic(err)
	}
	agent := sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{Summary: "Cannot log in", Service: "portal", Source: incident.SourceUser,
		Reporter: string(caller), ReportedAt: time.Now()})
	if err != nil {
		panic(err)
	}
	email, err := vault.Reveal(ctx, sms.Sealed(inc.Reporter))
	fmt.Println("reporter:", email, err)

	// The customer asks to be forgotten.
	n, err := vault.Erase(ctx, "customer-1042")
	fmt.Println("erased:", n, err)
	_, err = vault.Reveal(ctx, sms.Sealed(inc.Reporter))
	var erased *sms.ErasedError
	fmt.Println("reporter erased:", errors.As(err, &erased))
	fmt.Println("journal verifies:", svc.Verify(ctx, inc.ID) == nil)
	// Output:
	// reporter: alice@example.com <nil>
	// erased: 1 <nil>
	// reporter erased: true
	// journal verifies: true
}
