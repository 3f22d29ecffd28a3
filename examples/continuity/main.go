// Command continuity plays a year of service continuity management for
// one service, payroll, run for the HR department in Berlin: the risks to
// its continuity assessed (CON-01), its continuity requirement agreed with
// two customer representatives (CON-02, CON-03), the plan approved by
// another manager than its author, put in force and copied off-site with
// the digest of its version (CON-04 to CON-06), a test that misses the
// recovery time objective and the review that acts on it (CON-07, CON-09
// to CON-11), the retest a major change requires (CON-08), a real
// invocation for a major incident (CON-10 to CON-12), and the periodic
// sweeps and check 12 of the auditor suite.
//
//	go run ./examples/continuity
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // the library loads zones but does not embed them

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "continuity:", err)
		os.Exit(1)
	}
}

var (
	manager  = []sms.Role{continuity.RoleContinuityManager}
	customer = []sms.Role{continuity.RoleCustomer}
	cora     = sms.Actor{ID: "cora", Roles: manager} // the provider's continuity manager
	carl     = sms.Actor{ID: "carl", Roles: manager} // another continuity manager
	// kira coordinates continuity for HR: she drafts the requirement with
	// the provider, and so may not agree it for the customer (CON-03).
	kira  = sms.Actor{ID: "kira", Roles: append([]sms.Role{continuity.RoleCustomer}, manager...)}
	hanna = sms.Actor{ID: "hanna", Roles: customer}
	henk  = sms.Actor{ID: "henk", Roles: customer}
	ines  = sms.Actor{ID: "ines", Roles: []sms.Role{continuity.RoleInvocationAuthority}} // the plan's crisis lead
)

// berlin is the customer's zone; the story's times are given in it.
var berlin = tell.Must(time.LoadLocation("Europe/Berlin"))

// at returns a wall-clock time of 2027 in Berlin.
func at(mo time.Month, d, hh, mm int) time.Time { return time.Date(2027, mo, d, hh, mm, 0, 0, berlin) }

// wall formats an instant in Berlin.
func wall(t time.Time) string { return t.In(berlin).Format("Mon 02 Jan 15:04 MST") }

// story is the state of the walk-through: the clock and the four
// processes, wired to each other as a host wires them.
type story struct {
	ctx context.Context
	tell.Teller
	clk     *smstest.Clock
	risks   *continuity.RiskAssessments
	reqs    *continuity.Requirements
	plans   *continuity.Plans
	tests   *continuity.Tests
	invs    *continuity.Invocations
	plan    string
	changes []continuity.ChangeFact
}

// run plays the story and writes it to w.
func run(w io.Writer) (err error) {
	defer tell.Recover(&err)
	s := &story{ctx: context.Background(), Teller: tell.Teller{Out: w}, clk: smstest.NewClock(at(time.March, 1, 9, 0))}
	opts := sms.Options{Now: s.clk.Now}
	s.risks = tell.Must(continuity.NewRiskAssessments(memstore.New[*continuity.RiskAssessment](), opts))
	// The requirements are what a plan is approved against, what a test
	// is judged by and what an invocation's recovery is compared with;
	// the plans are what a test and an invocation find.
	s.reqs = tell.Must(continuity.NewRequirements(memstore.New[*continuity.Requirement](), nil, opts))
	s.plans = tell.Must(continuity.NewPlans(memstore.New[*continuity.Plan](), s.reqs, opts))
	s.tests = tell.Must(continuity.NewTests(memstore.New[*continuity.Test](), s.plans, s.reqs, opts))
	s.invs = tell.Must(continuity.NewInvocations(memstore.New[*continuity.Invocation](), s.plans, opts, s.reqs))

	s.assess()
	s.require()
	s.draftPlan()
	s.test()
	s.majorChange()
	s.invoke()
	s.sweep()
	return nil
}
