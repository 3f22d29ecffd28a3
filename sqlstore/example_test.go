package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// A store of incidents in a SQLite file: sqlite.Open creates or upgrades
// the schema, New makes the store of one kind on it, and the incident
// service runs on the store. The host closes the store, then the database.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sms.db")

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	incidents, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	defer incidents.Close()
	svc, err := incident.NewService(incidents, incident.Config{})
	if err != nil {
		panic(err)
	}

	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: time.Now()})
	if err != nil {
		panic(err)
	}
	stored, err := incidents.Get(ctx, inc.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(stored.Summary, stored.Status, "verifies:", svc.Verify(ctx, inc.ID) == nil)
	// Output:
	// VPN down new verifies: true
}
