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

// A host action in one transaction of the host's: its own UPDATE and the
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
	if _, err := db.ExecContext(ctx, "INSERT INTO conversations (id, status) VALUES ('C-1', 'open')"); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.Log(ctx, agent, incident.Report{ID: "INC-1", Summary: "Cannot log in", Service: "portal",
		Source: incident.SourceUser, Reporter: "customer-42", ReportedAt: time.Now()}); err != nil {
		log.Fatal(err)
	}

	// The host's action: answer the customer, in the conversation and in
	// the incident's record, together.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	inTx, after := sqlstore.WithTx(ctx, db, tx)
	if _, err := tx.ExecContext(ctx, "UPDATE conversations SET status = 'answered' WHERE id = 'C-1'"); err != nil {
		_ = tx.Rollback()
		after.RolledBack()
		log.Fatal(err)
	}
	if _, err := svc.AddNote(inTx, agent, "INC-1", incident.Note{Text: "Asked the customer to reset the password"}); err != nil {
		// Refused or failed: tx is as it was before the transition; the
		// host may go on, or roll back as here.
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

	var status string
	if err := db.QueryRowContext(ctx, "SELECT status FROM conversations WHERE id = 'C-1'").Scan(&status); err != nil {
		log.Fatal(err)
	}
	inc, err := svc.Get(ctx, "INC-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conversation:", status, "| incident version:", inc.Version)
	// Output:
	// observer: log
	// before the host's commit: 1 notification waiting
	// observer: note
	// conversation: answered | incident version: 2
}
