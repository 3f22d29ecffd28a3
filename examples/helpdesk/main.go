// Command helpdesk is a small helpdesk that keeps its own conversations
// and messages tables and routes every status change through the
// incident process, each action one transaction of its own with the
// library's transitions inside it: a conversation created from an
// e-mail, assigned to a team, waiting for the customer, resolved,
// reopened by the customer's reply, resolved again, closed automatically
// after the quiet period, and a reply after closure opening a successor.
// It prints what the agent's screen would show, a refusal rendered from
// its codes included.
//
//	go run ./examples/helpdesk                  # SQLite in a temporary file
//	go run ./examples/helpdesk -db helpdesk.db  # SQLite in helpdesk.db
//	go run ./examples/helpdesk -store postgres -dsn postgres://...
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

func main() {
	store := flag.String("store", "sqlite", "database: sqlite or postgres")
	dbPath := flag.String("db", "", "SQLite database file (default: a temporary file)")
	dsn := flag.String("dsn", os.Getenv("SMS_POSTGRES_DSN"), "PostgreSQL connection string for -store postgres")
	flag.Parse()
	ctx := context.Background()
	db, dialect, done, err := open(ctx, *store, *dbPath, *dsn)
	if err == nil {
		defer done()
		err = run(ctx, os.Stdout, db, dialect)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

// open opens the helpdesk's database: the library's tables live beside
// the helpdesk's own.
func open(ctx context.Context, store, path, dsn string) (*sql.DB, sqlstore.Dialect, func(), error) {
	switch store {
	case "sqlite":
		cleanup := func() {}
		if path == "" {
			dir, err := os.MkdirTemp("", "helpdesk")
			if err != nil {
				return nil, nil, nil, err
			}
			path, cleanup = filepath.Join(dir, "helpdesk.db"), func() { os.RemoveAll(dir) }
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		return db, sqlite.Dialect{}, func() { db.Close(); cleanup() }, nil
	case "postgres":
		if dsn == "" {
			return nil, nil, nil, fmt.Errorf("-store postgres needs -dsn or SMS_POSTGRES_DSN")
		}
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, nil, nil, err
		}
		dollar = true
		return db, postgres.Dialect{}, func() { db.Close() }, nil
	}
	return nil, nil, nil, fmt.Errorf("unknown store %q: want sqlite or postgres", store)
}

var (
	agent    = sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	customer = sms.Actor{ID: "cust-42", Roles: []sms.Role{incident.RoleCaller}}
	robot    = sms.Actor{ID: "auto-close", Roles: []sms.Role{incident.RoleServiceDesk}}
)

// run plays the story on db.
func run(ctx context.Context, out io.Writer, db *sql.DB, dialect sqlstore.Dialect) error {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	wait := func(d time.Duration) { now = now.Add(d) }
	if err := createTables(ctx, db); err != nil {
		return err
	}
	store, err := sqlstore.New[*incident.Incident](ctx, db, dialect, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	delivered := 0
	policy := incident.DefaultPolicy()
	policy.ResolveFromHold = true // the customer may confirm a fix while the ticket waits for them
	svc, err := incident.NewService(store, incident.Config{Policy: policy, Options: sms.Options{
		Now:      func() time.Time { return now },
		Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { delivered++; return nil }),
	}})
	if err != nil {
		return err
	}
	g := &glue{db: db, svc: svc}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	show := func(what string) error {
		c, err := loadConversation(ctx, db, "C-1")
		if err != nil {
			return err
		}
		say("%-34s conversation %s: %-8s team %-9q incident %s, %d message(s), %d event(s) delivered",
			what, c.ID, c.Status, c.Team, c.Incident, c.Messages, delivered)
		return nil
	}
	var inc *incident.Incident
	step := func(what string, do func(ctx context.Context, tx *sql.Tx) error) error {
		if err := g.act(ctx, do); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return show(what)
	}

	if err := step("e-mail from cust-42", func(ctx context.Context, tx *sql.Tx) error {
		if err := addConversation(ctx, tx, "C-1", customer.ID, "Cannot log in to the portal"); err != nil {
			return err
		}
		if err := addMessage(ctx, tx, "C-1", customer.ID, "Since this morning the portal says 'invalid token'."); err != nil {
			return err
		}
		if inc, err = svc.Log(ctx, agent, incident.Report{ID: "INC-1", Summary: "Cannot log in to the portal", Service: "portal",
			Source: incident.SourceUser, Reporter: customer.ID, ReportedAt: now}); err != nil {
			return err
		}
		if inc, err = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "access", Impact: incident.Low, Urgency: incident.Medium}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	wait(10 * time.Minute)
	if err := step("assigned to the identity team", func(ctx context.Context, tx *sql.Tx) (err error) {
		if inc, err = svc.DoSteps(ctx, agent, inc.ID, incident.Assignment{Group: "identity", Assignee: agent.ID}, incident.WorkStart{}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	say("\nthe agent's screen for C-1, nothing done yet ([>] ready, [ ] needs a form, [x] greyed out):")
	lines, err := g.screen(ctx, agent, inc.ID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		say("  %s", l)
	}

	wait(5 * time.Minute)
	if err := step("asked the customer, waiting", func(ctx context.Context, tx *sql.Tx) (err error) {
		if err := addMessage(ctx, tx, "C-1", agent.ID, "Which browser do you use?"); err != nil {
			return err
		}
		if inc, err = svc.DoSteps(ctx, agent, inc.ID, incident.Action{Text: "asked the customer which browser"},
			incident.Suspension{Reason: incident.HoldCaller, Until: now.Add(48 * time.Hour)}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}

	// A hurried click: resolve with an empty form. The action is rolled
	// back as a whole, the host's message with it.
	err = g.act(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := addMessage(ctx, tx, "C-1", agent.ID, "Fixed!"); err != nil {
			return err
		}
		_, err := svc.DoSteps(ctx, agent, inc.ID, incident.Action{Text: "cleared the token cache"}, incident.Resolution{Code: "fixed"})
		return err
	})
	say("  resolve, empty form: %s", render(err))
	if err := show("after the refused click"); err != nil {
		return err
	}

	wait(time.Hour)
	if err := step("resolved while waiting", func(ctx context.Context, tx *sql.Tx) (err error) {
		if err := addMessage(ctx, tx, "C-1", agent.ID, "We cleared your session tokens; please try again."); err != nil {
			return err
		}
		if inc, err = svc.DoSteps(ctx, agent, inc.ID, incident.Action{Text: "cleared the customer's session tokens"},
			incident.Resolution{Code: "fixed", Notes: "stale session tokens cleared", RestoredAt: now}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	wait(2 * time.Hour)
	if err := step("customer replies: still broken", func(ctx context.Context, tx *sql.Tx) (err error) {
		if err := addMessage(ctx, tx, "C-1", customer.ID, "Still 'invalid token' in Firefox."); err != nil {
			return err
		}
		if inc, err = svc.Reopen(ctx, customer, inc.ID, incident.Reopening{Reason: "customer: still failing in Firefox"}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	wait(30 * time.Minute)
	if err := step("resolved again", func(ctx context.Context, tx *sql.Tx) (err error) {
		if err := addMessage(ctx, tx, "C-1", agent.ID, "Firefox kept an old cookie; we revoked it."); err != nil {
			return err
		}
		if inc, err = svc.DoSteps(ctx, agent, inc.ID, incident.Action{Text: "revoked the stale Firefox cookie"},
			incident.Resolution{Code: "fixed", Notes: "stale cookie revoked", RestoredAt: now}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	wait(policy.AutoCloseAfter + time.Minute)
	if err := step("auto-closed after 3 quiet days", func(ctx context.Context, tx *sql.Tx) (err error) {
		if inc, err = svc.Close(ctx, robot, inc.ID, incident.Closure{Code: "solved", Confirmation: incident.AutoClosed}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	wait(24 * time.Hour)
	closed := inc.ID
	if err := step("customer writes after closure", func(ctx context.Context, tx *sql.Tx) (err error) {
		if err := addMessage(ctx, tx, "C-1", customer.ID, "It happened again this morning."); err != nil {
			return err
		}
		if inc, err = svc.Succeed(ctx, agent, closed, incident.Report{ID: "INC-2", Summary: "Login fails again",
			Source: incident.SourceUser, ReportedAt: now}); err != nil {
			return err
		}
		return syncRow(ctx, tx, "C-1", inc)
	}); err != nil {
		return err
	}
	first, err := svc.Get(ctx, closed)
	if err != nil {
		return err
	}
	say("\n%s stays %s (version %d); %s is %s, linked %v", first.ID, first.Status, first.Version, inc.ID, inc.Status, inc.Links)
	for _, id := range []string{closed, inc.ID} {
		j, err := svc.Journal(ctx, id)
		if err != nil {
			return err
		}
		say("journal of %s: %d entries, verifies: %v", id, len(j), svc.Verify(ctx, id) == nil)
	}
	return nil
}
