package incident_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// newExampleService returns a service on an in-memory store with a fixed
// clock and sequential IDs, so that the examples print the same each time.
func newExampleService() (*incident.Service, *time.Time) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	n := 0
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{
		Policy: incident.DefaultPolicy(),
		Options: sms.Options{
			Now:   func() time.Time { return now },
			NewID: func() string { n++; return fmt.Sprintf("INC-%04d", n) },
		},
	})
	if err != nil {
		panic(err)
	}
	return svc, &now
}

// The whole life of an incident, with one refusal on the way.
func Example() {
	ctx := context.Background()
	svc, now := newExampleService()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	user := sms.Actor{ID: "carl", Roles: []sms.Role{incident.RoleCaller}}

	inc, _ := svc.Log(ctx, agent, incident.Report{
		Summary: "Cannot print invoices", Service: "billing", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: *now,
	})
	inc, _ = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "printing", Impact: incident.Medium, Urgency: incident.High})
	fmt.Println(inc.ID, inc.Status, inc.Priority, "matrix", inc.MatrixVersion)

	inc, _ = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "desktop", Assignee: "dana"})
	inc, _ = svc.Start(ctx, agent, inc.ID, incident.WorkStart{})

	// Resolving before recording any action is refused (INC-07).
	_, err := svc.Resolve(ctx, agent, inc.ID, incident.Resolution{Code: "fixed", Notes: "driver reinstalled", RestoredAt: *now})
	var refusal *sms.GuardError
	if errors.As(err, &refusal) {
		fmt.Println("refused:", refusal.IDs())
	}

	*now = now.Add(20 * time.Minute)
	inc, _ = svc.RecordAction(ctx, agent, inc.ID, incident.Action{Text: "reinstalled the printer driver"})
	inc, _ = svc.Resolve(ctx, agent, inc.ID, incident.Resolution{Code: "fixed", Notes: "driver reinstalled", RestoredAt: *now})
	inc, _ = svc.Close(ctx, user, inc.ID, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller})
	fmt.Println(inc.Status, "version", inc.Version)

	journal, _ := svc.Journal(ctx, inc.ID)
	for _, e := range journal {
		fmt.Printf("%d %-13s %-11s -> %s\n", e.Seq, e.Trigger, e.From, e.To)
	}
	fmt.Println("journal verifies:", sms.VerifyJournal(journal) == nil)
	// Output:
	// INC-0001 new P2 matrix default-1
	// refused: [INC-07]
	// closed version 7
	// 1 log                       -> new
	// 2 classify      new         -> new
	// 3 assign        new         -> assigned
	// 4 start         assigned    -> in_progress
	// 5 record_action in_progress -> in_progress
	// 6 resolve       in_progress -> resolved
	// 7 close         resolved    -> closed
	// journal verifies: true
}

// A refusal lists every unmet requirement with its clause.
func ExampleService_Resolve() {
	ctx := context.Background()
	svc, now := newExampleService()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, _ := svc.Log(ctx, agent, incident.Report{Summary: "Mail slow", Service: "mail", Source: incident.SourceMonitoring,
		Reporter: "zabbix", ReportedAt: *now})
	inc, _ = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "mail", Impact: incident.Low, Urgency: incident.Low})
	inc, _ = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "messaging"})

	_, err := svc.Resolve(ctx, agent, inc.ID, incident.Resolution{Code: "fixed"})
	var refusal *sms.GuardError
	errors.As(err, &refusal)
	for _, r := range refusal.Unmet {
		fmt.Printf("%s (%s): %s\n", r.ID, r.Clause, r.Text)
	}
	fmt.Println(errors.Is(err, sms.ErrGuard))
	// Output:
	// INC-05 (8.6.1): a resolution carries resolution notes
	// INC-05 (8.6.1): a resolution records when service was restored, not before the report and not in the future
	// INC-07 (8.6.1): at least one action taken is recorded before resolution
	// true
}

// A trigger the status does not permit names the triggers it does.
func ExampleService_Close() {
	ctx := context.Background()
	svc, now := newExampleService()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, _ := svc.Log(ctx, agent, incident.Report{Summary: "Wi-Fi drops", Service: "wifi", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: *now})
	_, err := svc.Close(ctx, agent, inc.ID, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller})
	var te *sms.TransitionError
	if errors.As(err, &te) {
		fmt.Println(te.State, te.Trigger, te.Permitted)
	}
	// Output:
	// new close [accept_major assign cancel classify convert_to_request hand_over_major link note notify_management propose_major record_action reject_major]
}

func ExampleMatrix_Priority() {
	m := incident.DefaultMatrix()
	for _, c := range [][2]incident.Level{{incident.High, incident.High}, {incident.Medium, incident.High}, {incident.Low, incident.Low}} {
		p, _ := m.Priority(c[0], c[1])
		fmt.Printf("impact %d, urgency %d: %s\n", c[0], c[1], p)
	}
	_, ok := m.Priority(4, 1)
	fmt.Println("impact 4 in a 3x3 matrix:", ok)
	// Output:
	// impact 1, urgency 1: P1
	// impact 2, urgency 1: P2
	// impact 3, urgency 3: P5
	// impact 4 in a 3x3 matrix: false
}

// Conformance checks re-examine records, whatever their status says: here a
// record imported as closed that lacks its resolution and claims the
// caller's confirmation without recording who confirmed.
func ExampleCheck() {
	imported := &incident.Incident{Status: incident.StatusClosed, Summary: "legacy ticket", Service: "erp",
		Source: incident.SourceUser, Reporter: "x", ReportedAt: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		Category: "erp", Impact: 2, Urgency: 2, Priority: 3, MatrixVersion: "legacy", Actions: 1,
		CloseCode: "solved", Confirmation: incident.ConfirmedByCaller, ClosedAt: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)}
	imported.ID = "LEGACY-1"
	findings, _ := incident.Check(imported, incident.DefaultPolicy(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, f := range findings {
		fmt.Println(f.Code, f.Requirement.ID, f.Detail)
	}
	// Output:
	// INCIDENT_CLOSURE_INCOMPLETE INC-05 closed without resolution code, notes, restoration or resolution time
	// INCIDENT_CLOSURE_INCOMPLETE INC-06 confirmed by the caller, but no one is recorded as confirming
}

// Sweep reports periodic obligations that fell due: here a breached
// resolution target, and the escalation nobody made when three quarters of
// it had elapsed.
func ExampleSweep() {
	ctx := context.Background()
	svc, now := newExampleService()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, _ := svc.Log(ctx, agent, incident.Report{Summary: "Payroll export fails", Service: "payroll", Source: incident.SourceUser,
		Reporter: "hr", ReportedAt: *now})
	inc, _ = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "batch", Impact: incident.High, Urgency: incident.High})
	inc, _ = svc.Assign(ctx, agent, inc.ID, incident.Assignment{Group: "erp"})
	findings, _ := incident.Sweep(inc, svc.Policy(), now.Add(5*time.Hour))
	for _, f := range findings {
		fmt.Println(f.Code, f.Requirement.ID, f.Detail)
	}
	// Output:
	// SLA_TIMER_BREACHED INC-15 resolution target 2026-05-04T13:00:00Z missed
	// ESCALATION_DUE INC-04 75% of the resolution target elapsed at 2026-05-04T12:00:00Z without escalation
}

// The package's "Using it": a service on an in-memory store, an incident
// logged and classified, its priority from the policy's matrix.
func ExampleNewService() {
	ctx := context.Background()
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}

	store := memstore.New[*incident.Incident]()
	svc, err := incident.NewService(store, incident.Config{Policy: incident.DefaultPolicy()})
	if err != nil {
		panic(err)
	}
	inc, err := svc.Log(ctx, agent, incident.Report{
		Summary: "VPN down", Service: "vpn", Source: incident.SourceUser, Reporter: "carl", ReportedAt: time.Now(),
	})
	if err != nil {
		panic(err)
	}
	inc, err = svc.Classify(ctx, agent, inc.ID, incident.Classification{Category: "network", Impact: 2, Urgency: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(inc.Status, inc.Category, inc.Priority)
	// Output:
	// new network P2
}
