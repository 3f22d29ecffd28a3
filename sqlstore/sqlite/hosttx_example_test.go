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

// A host action in one transaction of the host's: its own row and the
// library's transition commit together (sqlstore.WithTx); the observers
// hear of the transition once the host's commit stands.
func Example_hostTransaction() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sms-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE conversations (id TEXT PRIMARY KEY, status TEXT NOT NULL)"); err != nil {
		log.Fatal(err)
	}
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	heard := sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
		fmt.Println("observer:", ev.Entry.Trigger)
		return nil
	})
	svc, err := incident.NewService(store, incident.Config{Options: sms.Options{Observer: heard}})
	if err != nil {
		log.Fatal(err)
	}
	agent := sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk}}

	// The host's action: open a conversation and its incident, together.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	if _, err := tx.ExecContext(ctx, "INSERT INTO conversations (id, status) VALUES ('C-1', 'open')"); err != nil {
		log.Fatal(err)
	}
	inc, err := svc.Log(inTx, agent, incident.Report{ID: "INC-1", Summary: "Cannot log in", Service: "portal",
		Source: incident.SourceUser, Reporter: "customer-42", ReportedAt: time.Now()})
	if err != nil {
		_ = tx.Rollback()
		after.RolledBack()
		log.Fatal(err)
	}
	fmt.Println("before the host's commit:", after.Pending(), "notification waiting")
	if err := tx.Commit(); err != nil {
		after.RolledBack() // unknown outcome: read the incident again before retrying
		log.Fatal(err)
	}
	after.Committed()
	fmt.Println(inc.ID, inc.Status)
	// Output:
	// before the host's commit: 1 notification waiting
	// observer: log
	// INC-1 new
}
