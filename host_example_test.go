package sms_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// The README's quick start: an incident logged, and an assignment refused
// until it is classified and prioritised.
func Example_quickStart() {
	ctx := context.Background()
	store := memstore.New[*incident.Incident]() // or sqlstore on SQLite or PostgreSQL
	svc, err := incident.NewService(store, incident.Config{Policy: incident.DefaultPolicy()})
	if err != nil {
		panic(err)
	}

	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{
		Summary: "Payroll portal times out", Service: "payroll",
		Source: incident.SourceUser, Reporter: "carl", ReportedAt: time.Now(),
	})
	if err != nil {
		panic(err)
	}
	_, err = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "erp-support"})

	var refusal *sms.GuardError
	if errors.As(err, &refusal) {
		fmt.Println(refusal.IDs()) // [INC-02 INC-03]: classify and prioritise first
	}
	// Output:
	// [INC-02 INC-03]
}

// A host's own pieces, as the wiring example uses them.
type hostUser struct{ ID string }

func rolesOf(hostUser) []sms.Role {
	return []sms.Role{incident.RoleServiceDesk}
}

// The root package's "Wiring a host": SQLite in a file, the host's outbox,
// authorizer and logger, the authenticated user as the actor.
func Example_wiringAHost() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sms-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sms.db")
	var sent []string
	outbox := sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		sent = append(sent, string(ev.Kind)+" "+ev.Entry.Trigger)
		return nil
	})
	rbac := sms.AuthorizerFunc(func(_ context.Context, req sms.Authorization) error {
		if req.Trigger == string(incident.TriggerCancel) {
			return errors.New("only supervisors cancel")
		}
		return nil
	})
	logger := slog.New(slog.DiscardHandler)
	user := hostUser{ID: "dana"}

	db, err := sqlite.Open(ctx, path) // or postgres.Open(ctx, dsn); memstore.New needs none
	if err != nil {
		panic(err)
	}
	defer db.Close()
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	svc, err := incident.NewService(store, incident.Config{
		Policy:  incident.DefaultPolicy(),
		Options: sms.Options{Observer: outbox, Authorizer: rbac, Logger: logger},
	})
	if err != nil {
		panic(err)
	}
	inc, err := svc.Log(ctx, sms.Actor{ID: user.ID, Roles: rolesOf(user)}, incident.Report{
		Summary: "Payroll portal times out", Service: "payroll", Source: incident.SourceUser,
		Reporter: user.ID, ReportedAt: time.Now(),
	})
	if err != nil {
		panic(err)
	}
	_, err = svc.Cancel(ctx, sms.Actor{ID: user.ID, Roles: rolesOf(user)}, inc.ID, incident.Cancellation{Reason: incident.CancelRaisedInError})
	fmt.Println(inc.Status, sent, errors.Is(err, sms.ErrForbidden))
	// Output:
	// new [incident log] true
}

// The README's "Evidence you can trust": the host signs a checkpoint of
// every journal with its key and gives the file to the auditor; later the
// auditor proves against the database that nothing the checkpoint covered
// was truncated, rewritten or erased.
func Example_evidence() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sms-evidence")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "sms.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	svc, err := incident.NewService(store, incident.Config{})
	if err != nil {
		panic(err)
	}
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: time.Now()})
	if err != nil {
		panic(err)
	}
	_, hostKey, err := ed25519.GenerateKey(nil) // the host's key, kept away from the database
	if err != nil {
		panic(err)
	}
	trusted := hostKey.Public().(ed25519.PublicKey) // what the auditor holds

	// The host, periodically: sign the heads of every journal.
	ev, err := sqlstore.NewEvidence(ctx, db, sqlite.Dialect{})
	if err != nil {
		panic(err)
	}
	cp, err := ev.Checkpoint(ctx, hostKey, "sms.db", time.Now())
	if err != nil {
		panic(err)
	}

	// The auditor, later: the record, its journal, and the checkpoint kept.
	if err := svc.Verify(ctx, inc.ID); err != nil {
		fmt.Println("record:", err)
	}
	leaves, err := ev.Leaves(ctx, cp.Seq)
	if err != nil {
		panic(err)
	}
	report, err := checkpoint.Verify(ctx, cp, trusted, leaves, ev)
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Checked, "journal checked, intact:", report.OK())
	// Output:
	// 1 journal checked, intact: true
}
