// Command quickstart plays a realistic incident-management story through
// the library and prints what an auditor would see: each transition, the
// refusals with the requirement and clause they cite, the verified journals
// and the conformance report.
//
//	go run ./examples/quickstart                 # SQLite in a temporary file
//	go run ./examples/quickstart -db sms.db      # SQLite in sms.db
//	go run ./examples/quickstart -store memory   # the in-memory store
//	go run ./examples/quickstart -store postgres -dsn postgres://...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

func main() {
	storeKind := flag.String("store", "sqlite", "store: sqlite, memory or postgres")
	dbPath := flag.String("db", "", "SQLite database file (default: a temporary file)")
	dsn := flag.String("dsn", os.Getenv("SMS_POSTGRES_DSN"), "PostgreSQL connection string for -store postgres")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, os.Stdout, *storeKind, *dbPath, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// story is the shared state of the walk-through: the services, a simulated
// clock and the output.
type story struct {
	ctx       context.Context
	out       io.Writer
	now       time.Time
	incidents *incident.Service
}

func (s *story) clock() time.Time     { return s.now }
func (s *story) wait(d time.Duration) { s.now = s.now.Add(d) }

func (s *story) say(format string, args ...any) { fmt.Fprintf(s.out, format+"\n", args...) }

// step prints a committed transition or stops the story on an error.
func (s *story) step(trigger string) func(*incident.Incident, error) *incident.Incident {
	return func(inc *incident.Incident, err error) *incident.Incident {
		if err != nil {
			panic(fmt.Errorf("%s: unexpected refusal: %w", trigger, err))
		}
		s.say("  %s  %-17s -> %-11s v%d", s.now.Format("Jan 2 15:04"), trigger, inc.Status, inc.Version)
		return inc
	}
}

// refused prints a refusal the way a host would show it to its user.
func (s *story) refused(what string, err error) {
	var ge *sms.GuardError
	var te *sms.TransitionError
	var fe *sms.ForbiddenError
	switch {
	case errors.As(err, &ge):
		s.say("  REFUSED %s:", what)
		for _, r := range ge.Unmet {
			s.say("    %s (ISO/IEC 20000-1 clause %s): %s", r.ID, r.Clause, r.Text)
		}
	case errors.As(err, &te):
		s.say("  REFUSED %s: not allowed from %s; permitted: %s", what, te.State, strings.Join(te.Permitted, ", "))
		for _, r := range te.Requirements {
			s.say("    %s (ISO/IEC 20000-1 clause %s): %s", r.ID, r.Clause, r.Text)
		}
	case errors.As(err, &fe):
		s.say("  REFUSED %s: %s", what, fe.Reason)
	case err == nil:
		panic("expected a refusal for " + what)
	default:
		panic(err)
	}
}

func run(ctx context.Context, out io.Writer, storeKind, dbPath, dsn string) error {
	s := &story{ctx: ctx, out: out, now: time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)}
	stores, closeStores, err := openStores(ctx, storeKind, dbPath, dsn)
	if err != nil {
		return err
	}
	defer closeStores()
	s.say("sms quickstart: incident management (ISO/IEC 20000-1:2018, 8.6.1) on the %s store\n", stores.name)

	opts := sms.Options{Now: s.clock}
	s.incidents, err = incident.NewService(stores.incidents, incident.Config{Policy: incident.DefaultPolicy(), Options: opts})
	if err != nil {
		return err
	}
	first := s.ordinaryIncident()
	major := s.majorIncident()
	return s.audit(first, major)
}

var (
	dana  = sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	rui   = sms.Actor{ID: "rui", Roles: []sms.Role{incident.RoleResolver}}
	carl  = sms.Actor{ID: "carl", Roles: []sms.Role{incident.RoleCaller}}
	mia   = sms.Actor{ID: "mia", Roles: []sms.Role{incident.RoleMajorIncidentManager}}
	ilona = sms.Actor{ID: "ilona", Roles: []sms.Role{incident.RoleIncidentManager}}
)

func (s *story) ordinaryIncident() string {
	ctx, svc := s.ctx, s.incidents
	s.say("1. Carl cannot reach the payroll portal")
	inc := s.step("log")(svc.Log(ctx, dana, incident.Report{Summary: "Payroll portal times out", Service: "payroll",
		Source: incident.SourceUser, Reporter: "carl", ReportedAt: s.now}))
	id := inc.ID

	_, err := svc.Assign(ctx, dana, id, incident.Assignment{Group: "erp-support"})
	s.refused("assignment before classification", err)

	s.wait(4 * time.Minute)
	inc = s.step("classify")(svc.Classify(ctx, dana, id, incident.Classification{Category: "application", Impact: incident.Medium,
		Urgency: incident.Medium, ConfigItems: []string{"payroll-app-01"}}))
	s.say("  priority %s from impact %d x urgency %d (matrix %s); response due %s", inc.Priority, inc.Impact, inc.Urgency,
		inc.MatrixVersion, inc.SLA.ResponseDue.Format("15:04"))
	s.wait(10 * time.Minute)
	s.step("assign")(svc.Assign(ctx, dana, id, incident.Assignment{Group: "erp-support", Assignee: "rui"}))
	s.step("start")(svc.Start(ctx, rui, id, incident.WorkStart{}))
	s.wait(20 * time.Minute)
	s.step("record_action")(svc.RecordAction(ctx, rui, id, incident.Action{Text: "application server healthy; database connections exhausted at the vendor's cluster"}))

	_, err = svc.Hold(ctx, rui, id, incident.Suspension{Reason: incident.HoldSupplier})
	s.refused("a hold for the supplier without its ticket", err)
	inc = s.step("hold")(svc.Hold(ctx, rui, id, incident.Suspension{Reason: incident.HoldSupplier, Ref: "ACME-55120"}))
	s.say("  waiting for the supplier (ticket %s); the resolution timer is paused", inc.HoldRef)
	s.wait(2 * time.Hour)
	s.step("resume")(svc.Resume(ctx, rui, id, incident.Resumption{Note: "ACME raised the connection limit"}))
	s.step("record_action")(svc.RecordAction(ctx, rui, id, incident.Action{Text: "verified logins from three offices"}))
	s.wait(5 * time.Minute)
	s.step("resolve")(svc.Resolve(ctx, rui, id, incident.Resolution{Code: "supplier_fix", Notes: "vendor raised the pool limit", RestoredAt: s.now}))

	_, err = svc.Close(ctx, dana, id, incident.Closure{Code: "solved"})
	s.refused("closure without the caller's confirmation", err)

	s.wait(time.Hour)
	s.say("  Carl: still slow at month-end. The resolution is rejected.")
	inc = s.step("reopen")(svc.Reopen(ctx, carl, id, incident.Reopening{Reason: "portal still slow when payslips are generated"}))
	s.say("  reopened %d time(s)", inc.ReopenCount)
	s.wait(3 * time.Hour)
	s.step("record_action")(svc.RecordAction(ctx, rui, id, incident.Action{Text: "moved payslip generation to the batch window"}))
	s.step("resolve")(svc.Resolve(ctx, rui, id, incident.Resolution{Code: "fixed", Notes: "payslip batch rescheduled", RestoredAt: s.now}))
	s.wait(30 * time.Minute)
	s.step("close")(svc.Close(ctx, carl, id, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller}))
	_, err = svc.Reopen(ctx, carl, id, incident.Reopening{Reason: "again"})
	s.refused("reopening a closed incident", err)
	s.say("")
	return id
}

func (s *story) majorIncident() string {
	ctx, svc := s.ctx, s.incidents
	s.wait(24 * time.Hour)
	s.say("2. Monitoring: the card-payment gateway is down")
	inc := s.step("log")(svc.Log(ctx, dana, incident.Report{Summary: "Card payments failing in all stores", Service: "payments",
		Source: incident.SourceMonitoring, Reporter: "zabbix", ReportedAt: s.now}))
	id := inc.ID
	s.step("classify")(svc.Classify(ctx, dana, id, incident.Classification{Category: "network", Impact: incident.High, Urgency: incident.High}))
	s.step("propose_major")(svc.ProposeMajor(ctx, dana, id, incident.MajorProposal{Reason: "every store affected"}))

	_, err := svc.AcceptMajor(ctx, rui, id, incident.MajorAcceptance{Manager: "mia", ProcedureRef: "MI-PROC v4"})
	s.refused("acceptance by a resolver", err)
	_, err = svc.AcceptMajor(ctx, mia, id, incident.MajorAcceptance{ProcedureRef: "MI-PROC v4"})
	s.refused("acceptance without a named manager", err)
	inc = s.step("accept_major")(svc.AcceptMajor(ctx, mia, id, incident.MajorAcceptance{Manager: "mia", ProcedureRef: "MI-PROC v4"}))
	s.say("  major incident accepted under criteria %s (met: %s), managed by %s", inc.Major.CriteriaVersion,
		strings.Join(inc.Major.CriteriaMet, ", "), inc.Major.Manager)
	s.wait(15 * time.Minute)
	s.step("notify_management")(svc.NotifyManagement(ctx, mia, id, incident.Notification{Audience: "top_management", Summary: "payments down in all stores; bridge open"}))
	s.step("assign")(svc.Assign(ctx, dana, id, incident.Assignment{Group: "network-ops", Assignee: "rui"}))
	s.step("start")(svc.Start(ctx, rui, id, incident.WorkStart{}))
	s.step("escalate")(svc.Escalate(ctx, rui, id, incident.Escalation{Kind: incident.Functional, Target: "network-l3", Reason: "BGP session flapping"}))
	s.wait(40 * time.Minute)
	s.step("record_action")(svc.RecordAction(ctx, rui, id, incident.Action{Text: "failed over to the secondary uplink"}))
	s.step("resolve")(svc.Resolve(ctx, rui, id, incident.Resolution{Code: "workaround", Notes: "traffic on the secondary uplink", RestoredAt: s.now}))

	_, err = svc.Close(ctx, dana, id, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller})
	s.refused("closing before top management heard of the resolution", err)
	s.step("notify_management")(svc.NotifyManagement(ctx, mia, id, incident.Notification{Audience: "top_management", Summary: "payments restored"}))
	s.wait(2 * time.Hour)
	s.step("close")(svc.Close(ctx, dana, id, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller}))
	s.wait(48 * time.Hour)
	inc = s.step("review_major")(svc.ReviewMajor(ctx, mia, id, incident.Review{Summary: "single uplink per region; no alert on BGP flaps",
		Actions: []string{"raise a problem for the uplink design", "alert on BGP session flaps"}}))
	s.say("  post-incident review by %s, %d improvement actions\n", inc.Major.ReviewedBy, len(inc.Major.ReviewActions))
	return id
}

func (s *story) audit(ids ...string) error {
	ctx, svc := s.ctx, s.incidents
	s.say("3. The auditor's view")
	for _, id := range ids {
		j, err := svc.Journal(ctx, id)
		if err != nil {
			return err
		}
		verdict := "verifies"
		if err := svc.Verify(ctx, id); err != nil {
			verdict = "DOES NOT VERIFY: " + err.Error()
		}
		s.say("  journal of %s: %d entries, SHA-256 chain %s (head %s...)", id, len(j), verdict, j[len(j)-1].Hash.String()[:12])
	}
	j, err := svc.Journal(ctx, ids[0])
	if err != nil {
		return err
	}
	tampered := append([]sms.Entry(nil), j...)
	tampered[4].Payload = append([]sms.Field(nil), tampered[4].Payload...)
	tampered[4].Payload[0].Value = "nothing was done"
	s.say("  the same journal with entry 5 edited: %v", sms.VerifyJournal(tampered))
	s.say("  and with entry 5 removed: %v", sms.VerifyJournal(append(append([]sms.Entry(nil), j[:4]...), j[5:]...)))

	report, err := svc.Conform(ctx, s.now)
	if err != nil {
		return err
	}
	s.say("  conformance checks as of %s:", report.AsOf.Format(time.DateOnly))
	for _, r := range report.Results {
		verdict := "pass"
		if !r.Passed() {
			verdict = fmt.Sprintf("FAIL (%d)", len(r.Failures))
		}
		s.say("    %-30s clause %-7s %d examined  %s", r.Check, r.Clause, r.Population, verdict)
		for _, f := range r.Failures {
			s.say("      %s", f)
		}
	}
	findings, err := svc.Sweep(ctx, s.now)
	if err != nil {
		return err
	}
	s.say("  periodic obligations (sweep): %d finding(s)", len(findings))
	for _, f := range findings {
		s.say("    %s", f)
	}
	return nil
}
