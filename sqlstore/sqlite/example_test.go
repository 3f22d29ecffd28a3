package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// Incidents kept in a SQLite file: open it (the schema is created or
// upgraded), make a store of incidents on it, and run the incident service
// on the store. Every transition is one durable transaction.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sms-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(ctx, filepath.Join(dir, "sms.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	svc, err := incident.NewService(store, incident.Config{})
	if err != nil {
		log.Fatal(err)
	}

	agent := sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{
		ID: "INC-1001", Summary: "Checkout returns 502", Service: "webshop",
		Source: incident.SourceUser, Reporter: "customer-42", ReportedAt: time.Now().Add(-time.Minute),
	})
	if err != nil {
		log.Fatal(err)
	}
	inc, err = svc.RecordAction(ctx, agent, inc.ID, incident.Action{Text: "Restarted the payment gateway"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inc.ID, inc.Status, "version", inc.Version)

	page, err := svc.List(ctx, incident.Query{Status: []incident.Status{incident.StatusNew}, Service: "webshop"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new on webshop:", len(page.Items))

	journal, err := svc.Journal(ctx, inc.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range journal {
		fmt.Println(e.Seq, e.Trigger, e.Actor.ID)
	}
	fmt.Println("verified:", svc.Verify(ctx, inc.ID) == nil)
	// Output:
	// INC-1001 new version 2
	// new on webshop: 1
	// 1 log agent-7
	// 2 record_action agent-7
	// verified: true
}
