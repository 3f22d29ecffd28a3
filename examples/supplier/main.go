// Command supplier plays a year of supplier management for one external
// supplier, ACME Hosting, which hosts the payroll database: the supplier
// evaluated against versioned criteria and approved by another manager
// (SUP-12), its contract agreed with targets, duties and interfaces
// (SUP-01 to SUP-05) under a yearly term that renews tacitly, the contract's
// fix target underpinning the payroll SLA through an internal OLA (SLM-09,
// SUP-04), an incident escalated to the supplier through the contract's
// interface, the quarter's performance review with a missed target and its
// action (SUP-06, SUP-07), the contract review (SUP-08), a dispute managed
// to closure (SUP-10), an amendment assessed before it is agreed (SUP-09),
// notice given before the notice date (SUP-13), and the sweep and check 10.
//
//	go run ./examples/supplier
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the library loads zones but does not embed them

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "supplier:", err)
		os.Exit(1)
	}
}

var (
	mona  = sms.Actor{ID: "mona", Roles: []sms.Role{supplier.RoleSupplierManager}}
	otto  = sms.Actor{ID: "otto", Roles: []sms.Role{supplier.RoleSupplierManager}}
	bea   = sms.Actor{ID: "bea", Roles: []sms.Role{supplier.RoleSupplierManager, supplier.RoleSupplierContact}} // also registered as a contact in ACME's portal
	sam   = sms.Actor{ID: "sam", Roles: []sms.Role{supplier.RoleSupplierContact}}                               // ACME's account manager
	agent = sms.Actor{ID: "agent-7", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
)

// berlin is the organisation's zone; the story's times are given in it.
var berlin = tell.Must(time.LoadLocation("Europe/Berlin"))

// at returns a wall-clock time in Berlin.
func at(y int, mo time.Month, d, hh, mm int) time.Time {
	return time.Date(y, mo, d, hh, mm, 0, 0, berlin)
}

// wall formats an instant in Berlin, with the zone's abbreviation.
func wall(t time.Time) string { return t.In(berlin).Format("Mon 02 Jan 2006 15:04 MST") }

// story is the state of the walk-through: the clock, the services and
// the calendars the targets count in.
type story struct {
	ctx context.Context
	tell.Teller
	clk       *smstest.Clock
	suppliers *supplier.Suppliers
	contracts *supplier.Contracts
	disputes  *supplier.Disputes
	incidents *incident.Service
	calendars map[string]*calendar.Calendar
	sla, ola  *servicelevel.Agreement
	policy    supplier.Policy
}

// run plays the story and writes it to w.
func run(w io.Writer) (err error) {
	defer tell.Recover(&err)
	s := &story{ctx: context.Background(), Teller: tell.Teller{Out: w}, clk: smstest.NewClock(at(2027, time.March, 1, 9, 0))}
	opts := sms.Options{Now: s.clk.Now}
	s.contracts = tell.Must(supplier.NewContracts(memstore.New[*supplier.Contract](), changeBook{"CHG-0712": true}, opts))
	s.suppliers = tell.Must(supplier.NewSuppliers(memstore.New[*supplier.Supplier](), s.contracts.InForce, opts))
	s.disputes = tell.Must(supplier.NewDisputes(memstore.New[*supplier.Dispute](), disputeBook{s.contracts}, opts))
	s.incidents = tell.Must(incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: incident.DefaultPolicy(), Options: opts}))
	s.policy = supplier.Policy{Performance: sms.Quarterly("Europe/Berlin"), Review: sms.Yearly("Europe/Berlin"), Grace: 5 * 24 * time.Hour}
	s.calendars = map[string]*calendar.Calendar{"office@1": office(), "24x7@1": tell.Must(calendar.Always("24x7", 1, "Europe/Berlin"))}

	s.onboard()
	s.underpin()
	s.escalate()
	s.review()
	s.dispute()
	s.amend()
	s.notice()
	return nil
}

// office is the service desk's calendar: Monday to Friday, 09:00-17:00
// in Berlin.
func office() *calendar.Calendar {
	spec := calendar.Spec{Name: "office", Version: 1, Zone: "Europe/Berlin"}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{{Start: calendar.At(9, 0), End: calendar.At(17, 0)}}
	}
	return tell.Must(calendar.New(spec))
}

// term is the contract's term: twelve months from 1 April 2027 in
// Berlin, renewed tacitly unless notice is given three months before the
// end of a term.
var term = supplier.Term{Start: at(2027, time.April, 1, 0, 0), Months: 12, Zone: "Europe/Berlin", Renewal: supplier.RenewTacit, NoticeMonths: 3}

// acmeTerms is what the hosting contract says (SUP-03, SUP-05): the fix
// target, round the clock, in the servicelevel target schema.
func acmeTerms(fix, version string) supplier.Terms {
	return supplier.Terms{
		Document:       supplier.Document{Ref: "DMS-2027-0117", Version: version},
		Scope:          []string{"hosting of the payroll database cluster"},
		Requirements:   []string{"ISO/IEC 27001 certified data centre in the EU", "backups every 15 minutes"},
		Targets:        []servicelevel.Target{{Metric: "fix", Objective: fix, Calendar: "24x7@1"}},
		Obligations:    []string{"monthly patching"},
		OurDuties:      []string{"report hosting faults through the ACME portal with our incident ID"},
		SupplierDuties: []string{"fix hosting faults within the fix target, round the clock"},
		Interfaces: []supplier.Interface{
			{Process: "incident", Contact: "noc@acme.example", Channel: "ACME portal", EscalationPath: "NOC duty manager, then the account director"},
			{Process: "change", Contact: "cab@acme.example", Channel: "e-mail", EscalationPath: "the account director"},
		},
		Term: term,
	}
}

// onboard proposes, evaluates and approves ACME, agrees its contract and
// activates it (SUP-01, SUP-02, SUP-03, SUP-05, SUP-12); PrintCo, the
// payslip printer, is onboarded alongside under a contract that only
// interfaces with request fulfilment.
func (s *story) onboard() {
	s.Say("1. ACME Hosting: evaluated, approved, under contract (SUP-01 to SUP-05, SUP-12)")
	sup := tell.Must(s.suppliers.Propose(s.ctx, mona, supplier.Proposal{ID: "SUP-ACME", Type: supplier.External, Name: "ACME Hosting", Owner: "mona",
		Processes: []string{"incident management (hosting faults)"}}))
	s.clk.Set(at(2027, time.March, 2, 14, 0))
	sup = tell.Must(s.suppliers.Do(s.ctx, mona, sup.ID, supplier.Assessment{Criteria: "supplier-criteria@3", Decision: supplier.Select,
		Scores: []supplier.Score{{Criterion: "security", Score: 4, Max: 5}, {Criterion: "price", Score: 3, Max: 5}, {Criterion: "references", Score: 5, Max: 5}}}))
	e := sup.Evaluation
	var scores []string
	for _, sc := range e.Scores {
		scores = append(scores, fmt.Sprintf("%s %d/%d", sc.Criterion, sc.Score, sc.Max))
	}
	s.Say("  %s (%s) proposed by mona; evaluated by %s against %s: %s; decision %s: %s", sup.ID, sup.Type, e.By, e.Criteria, strings.Join(scores, ", "), e.Decision, sup.Status)
	_, err := s.suppliers.Do(s.ctx, mona, sup.ID, supplier.Approval{})
	s.Refused("approval by its evaluator", err)
	s.clk.Set(at(2027, time.March, 3, 9, 0))
	sup = tell.Must(s.suppliers.Do(s.ctx, otto, sup.ID, supplier.Approval{}))
	s.Say("  approved by otto: %s", sup.Status)
	_, err = s.suppliers.Do(s.ctx, mona, sup.ID, supplier.Activation{})
	s.Refused("activation without a contract in force", err)

	s.clk.Set(at(2027, time.March, 8, 10, 0))
	draft := acmeTerms("5h", "1.0")
	draft.Interfaces = nil
	c := tell.Must(s.contracts.Draft(s.ctx, mona, supplier.ContractDraft{ID: "CON-ACME-1", Supplier: sup.ID, Title: "Payroll database hosting", Owner: "mona", Terms: draft}))
	_, err = s.contracts.Agree(s.ctx, mona, c.ID)
	s.Refused("agreeing the draft without its interfaces", err)
	tell.Must(s.contracts.Do(s.ctx, mona, c.ID, supplier.ContractRevision{Terms: acmeTerms("5h", "1.0")}))
	s.clk.Set(at(2027, time.April, 1, 10, 0))
	c = tell.Must(s.contracts.Agree(s.ctx, mona, c.ID))
	tg := c.Targets[0]
	s.Say("  %s agreed %s, edition %d, %s; target %s %s on %s, obligation %s", c.ID, wall(c.AgreedAt), c.Edition, c.Status, tg.Metric, tg.Objective, tg.Calendar, c.Obligations[0])
	for _, i := range c.Interfaces {
		s.Say("    interface %-8s %s via %s, escalation: %s", i.Process, i.Contact, i.Channel, i.EscalationPath)
	}

	t := c.Term
	end := t.End(1)
	by := t.NoticeBy(end)
	s.Say("  term: %d months from %s, renewal %s, %d months' notice", t.Months, wall(t.End(0)), t.Renewal, t.NoticeMonths)
	s.Say("    first term ends %s; notice due before %s", wall(end), wall(by))
	for _, asOf := range []time.Time{by.Add(-time.Minute), by} {
		e, n := t.EndAsOf(asOf, time.Time{})
		s.Say("    without notice, as of %s the end in force is %s (renewed %d)", wall(asOf), wall(e), n)
	}
	sup = tell.Must(s.suppliers.Do(s.ctx, mona, sup.ID, supplier.Activation{}))
	s.Say("  %s activated: %s, owner %s", sup.ID, sup.Status, sup.Owner)

	p := tell.Must(s.suppliers.Propose(s.ctx, mona, supplier.Proposal{ID: "SUP-PRINT", Type: supplier.External, Name: "PrintCo", Owner: "otto"}))
	tell.Must(s.suppliers.Do(s.ctx, mona, p.ID, supplier.Assessment{Criteria: "supplier-criteria@3", Decision: supplier.Select, Scores: []supplier.Score{{Criterion: "price", Score: 4, Max: 5}}}))
	tell.Must(s.suppliers.Do(s.ctx, otto, p.ID, supplier.Approval{}))
	pt := acmeTerms("", "1.0")
	pt.Document.Ref, pt.Scope, pt.Targets, pt.Obligations = "DMS-2027-0120", []string{"printing and posting of payslips"}, nil, []string{"monthly print run by the 25th"}
	pt.SupplierDuties = []string{"print and post the payslips"}
	pt.Interfaces = []supplier.Interface{{Process: "request", Contact: "orders@printco.example", Channel: "order form", EscalationPath: "the print shop manager"}}
	pc := tell.Must(s.contracts.Draft(s.ctx, otto, supplier.ContractDraft{ID: "CON-PRINT-1", Supplier: p.ID, Title: "Payslip printing", Owner: "otto", Terms: pt}))
	tell.Must(s.contracts.Agree(s.ctx, otto, pc.ID))
	p = tell.Must(s.suppliers.Do(s.ctx, otto, p.ID, supplier.Activation{}))
	s.Say("  %s (PrintCo) onboarded the same way: %s under %s, whose only interface is with %q", p.ID, p.Status, pc.ID, pt.Interfaces[0].Process)
	s.Say("")
}

// calendar resolves a target's calendar ID for servicelevel.Align.
func (s *story) calendar(id string) (*calendar.Calendar, error) {
	if c, ok := s.calendars[id]; ok {
		return c, nil
	}
	return nil, errors.New("no calendar " + id)
}

// alignWith aligns the SLA's resolution target over the week from from,
// with the OLA and the contract as the chain's agreements, and prints it.
func (s *story) alignWith(c *supplier.Contract, from time.Time) servicelevel.Alignment {
	al := tell.Must(servicelevel.Align(s.sla, []*servicelevel.Agreement{s.ola, c.Underpinning()}, s.calendar, from, from.AddDate(0, 0, 7)))[0]
	chain := ""
	for i, t := range al.Chain {
		if i > 0 {
			chain += ", then "
		}
		chain += fmt.Sprintf("%s %s on %s", t.Metric, t.Objective, t.Calendar)
	}
	st := al.Strictness
	s.Say("  %s %s on %s <- %s: holds %v, slack %v at the worst start %s (%d starts)",
		al.Target.Metric, al.Target.Objective, al.Target.Calendar, chain, st.Holds, st.Slack, wall(st.Worst), st.Checked)
	if al.Finding != nil {
		s.Say("    finding %s %s: %s", al.Finding.Code, al.Finding.Requirement.ID, al.Finding.Detail)
	}
	return al
}

// underpin checks that the contract's fix underpins the payroll SLA's
// resolution after the service desk's diagnosis (SLM-09, SUP-04), and
// shows the weak link a 7-hour fix would be.
func (s *story) underpin() {
	s.Say("2. The underpinning chain of the payroll SLA (SLM-09, SUP-04)")
	s.ola = &servicelevel.Agreement{Type: servicelevel.OLA, Status: servicelevel.StatusActive, Title: "Service desk diagnosis",
		Targets: []servicelevel.Target{{Metric: "diagnosis", Objective: "2h", Calendar: "office@1"}}}
	s.ola.ID = "OLA-DESK"
	s.sla = &servicelevel.Agreement{Type: servicelevel.SLA, Status: servicelevel.StatusActive, Title: "Payroll for HR", Customer: "hr",
		Targets: []servicelevel.Target{{Metric: "resolution", Objective: "8h", Calendar: "office@1",
			Chain: []servicelevel.TargetRef{{Agreement: "OLA-DESK", Metric: "diagnosis"}, {Agreement: "CON-ACME-1", Metric: "fix"}}}}}
	s.sla.ID = "SLA-PAYROLL"
	s.Say("  SLA-PAYROLL resolution: OLA-DESK's diagnosis, then CON-ACME-1's fix; the week from Mon 05 Apr 2027:")
	c := tell.Must(s.contracts.Get(s.ctx, "CON-ACME-1"))
	from := at(2027, time.April, 5, 0, 0)
	s.alignWith(c, from)
	whatIf := c.Clone()
	whatIf.Targets[0].Objective = "7h"
	s.Say("  what if the contract said 7h:")
	s.alignWith(whatIf, from)
	s.Say("")
}

// interfaceFor is the host's lookup before it escalates to a supplier
// (SUP-05): the interface that a contract in force with the supplier
// defines for the process.
func interfaceFor(ctx context.Context, contracts *supplier.Contracts, supplierID, process string) (supplier.Interface, string, error) {
	var found supplier.Interface
	var in string
	err := contracts.OfSupplier(ctx, supplierID, func(c *supplier.Contract) bool {
		for _, i := range c.Interfaces {
			if c.InForce() && i.Process == process {
				found, in = i, c.ID
				return false
			}
		}
		return true
	})
	if err == nil && in == "" {
		err = fmt.Errorf("host: no contract in force with %s defines an interface for the %s process (SUP-05)", supplierID, process)
	}
	return found, in, err
}

// holdFor puts the incident on hold waiting for the supplier, once the
// host found the interface to reach it through.
func (s *story) holdFor(id, supplierID string) error {
	i, con, err := interfaceFor(s.ctx, s.contracts, supplierID, "incident")
	if err != nil {
		return err
	}
	s.Say("  %s's incident interface under %s: %s via %s, escalation: %s", supplierID, con, i.Contact, i.Channel, i.EscalationPath)
	_, err = s.incidents.DoSteps(s.ctx, agent, id, incident.Suspension{Reason: incident.HoldSupplier, Ref: supplierID,
		Note: "ticket raised with " + i.Contact})
	return err
}

// open logs an incident of payroll, classifies, assigns and starts it.
func (s *story) open(id, summary string) {
	tell.Must(s.incidents.Log(s.ctx, agent, incident.Report{ID: id, Summary: summary, Service: "payroll", Source: incident.SourceUser,
		Reporter: "hr-clerk", ReportedAt: s.clk.Now()}))
	tell.Must(s.incidents.DoSteps(s.ctx, agent, id, incident.Classification{Category: "infrastructure", Impact: incident.High, Urgency: incident.Medium},
		incident.Assignment{Group: "payroll-support", Assignee: agent.ID}, incident.WorkStart{}))
}

// escalate hands a hosting fault to ACME through the contract's incident
// interface (SUP-05, INC-13); PrintCo's contract has none.
func (s *story) escalate() {
	s.Say("3. Escalating incidents to a supplier through the contract's interface (SUP-05, INC-13)")
	s.clk.Set(at(2027, time.April, 6, 10, 0))
	s.open("INC-1", "payroll database unreachable")
	s.clk.Advance(20 * time.Minute)
	tell.Check(s.holdFor("INC-1", "SUP-ACME"))
	inc := tell.Must(s.incidents.Get(s.ctx, "INC-1"))
	s.Say("  INC-1 %s at %s, waiting for %s, ref %s", inc.Status, wall(s.clk.Now()), inc.HoldReason, inc.HoldRef)
	s.clk.Set(at(2027, time.April, 6, 13, 40))
	tell.Must(s.incidents.DoSteps(s.ctx, agent, "INC-1", incident.Resumption{}, incident.Action{Text: "ACME failed the cluster over to the standby node"},
		incident.Resolution{Code: "fixed", Notes: "ACME restored the database", RestoredAt: s.clk.Now()}))
	inc = tell.Must(s.incidents.Get(s.ctx, "INC-1"))
	s.Say("  INC-1 resumed and %s at %s", inc.Status, wall(s.clk.Now()))

	s.clk.Set(at(2027, time.April, 6, 15, 0))
	s.open("INC-2", "payslips of March not posted")
	s.Refused("the host's own check, holding INC-2 for PrintCo", s.holdFor("INC-2", "SUP-PRINT"))
	s.Say("")
}
