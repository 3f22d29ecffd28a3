// Command audit plays a year of internal audit, nonconformity and
// improvement at a provider in Berlin: the year's audit programme with
// weighted areas and the declaration of who works where (AUD-01, AUD-02);
// an audit of change management whose planned lead auditor is refused for
// auditing her own process (AUD-04); a sample of the year's changes drawn
// with a seed and re-derived (AUD-08); a major nonconformity found,
// reported to management and raised as a nonconformity record (AUD-05,
// AUD-07); its containment, analysis, corrective action and verification
// of effectiveness (NC-01 to NC-06); an opportunity for improvement
// measured against its targets (CI-01 to CI-05); the sweeps with checks
// 13 and 14 of the auditor suite; and the evidence pack of the audit year,
// written as evidence.json and evidence.html with -out.
//
//	go run ./examples/audit [-out dir]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // the library loads zones but does not embed them

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// outDir is where the evidence pack is written; "" writes none.
var outDir string

func main() {
	flag.StringVar(&outDir, "out", "", "write the evidence pack (evidence.json, evidence.html) to this directory")
	flag.Parse()
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(1)
	}
}

var (
	olga  = sms.Actor{ID: "olga", Roles: []sms.Role{audit.RoleProgrammeOwner}} // owns the audit programme
	carla = sms.Actor{ID: "carla", Roles: []sms.Role{audit.RoleAuditor}}       // an auditor from the security team
	erin  = sms.Actor{ID: "erin", Roles: []sms.Role{audit.RoleAuditee}}        // the change process owner
	quinn = sms.Actor{ID: "quinn", Roles: []sms.Role{audit.RoleQualityManager}}
	vera  = sms.Actor{ID: "vera", Roles: []sms.Role{audit.RoleQualityManager}}
	otto  = sms.Actor{ID: "otto", Roles: []sms.Role{audit.RoleActionOwner}} // the change tooling lead
	ivy   = sms.Actor{ID: "ivy", Roles: []sms.Role{audit.RoleImprovementManager}}
	igor  = sms.Actor{ID: "igor", Roles: []sms.Role{audit.RoleImprovementManager}}
)

// berlin is the provider's zone; the story's times are given in it.
var berlin = tell.Must(time.LoadLocation("Europe/Berlin"))

// at returns a wall-clock time of 2027 in Berlin.
func at(mo time.Month, d, hh, mm int) time.Time { return time.Date(2027, mo, d, hh, mm, 0, 0, berlin) }

// wall formats an instant in Berlin.
func wall(t time.Time) string { return t.In(berlin).Format("Mon 02 Jan 2006 15:04 MST") }

// story is the state of the walk-through: the clock and the four
// registers, wired to each other as a host wires them.
type story struct {
	ctx context.Context
	tell.Teller
	clk        *smstest.Clock
	programmes *audit.Programmes
	audits     *audit.Audits
	ncs        *audit.Nonconformities
	ops        *audit.Opportunities
	changes    []string // the host's closed changes of the year
	sample     audit.Sampled
}

// run plays the story and writes it to w.
func run(w io.Writer) (err error) {
	defer tell.Recover(&err)
	s := &story{ctx: context.Background(), Teller: tell.Teller{Out: w}, clk: smstest.NewClock(at(time.January, 11, 9, 0))}
	opts := sms.Options{Now: s.clk.Now}
	// The criteria an opportunity is evaluated against, approved by the
	// SMS owner (CI-02).
	criteria := tell.Must(audit.StaticCriteria(audit.ImprovementCriteria{Version: 1, ApprovedBy: "sam", Items: []audit.ImprovementCriterion{
		{Name: "policy", Description: "fits the service management policy"},
		{Name: "objectives", Description: "serves an SMS objective of 2027"},
		{Name: "cost-benefit", Description: "the benefit outweighs the cost"},
	}}))
	s.programmes = tell.Must(audit.NewProgrammes(memstore.New[*audit.Programme](), opts))
	s.ncs = tell.Must(audit.NewNonconformities(memstore.New[*audit.Nonconformity](), nil, audit.DefaultNonconformityPolicy(), opts))
	s.ops = tell.Must(audit.NewOpportunities(memstore.New[*audit.Opportunity](), criteria, nil, audit.OpportunityPolicy{}, opts))
	// Audits find their programme, and the nonconformities and
	// opportunities their findings link, in the stores above.
	s.audits = tell.Must(audit.NewAudits(memstore.New[*audit.Audit](), s.programmes, s.ncs, s.ops, opts))
	for i := range 240 {
		s.changes = append(s.changes, fmt.Sprintf("CHG-2027-%04d", i+1))
	}

	s.programme()
	s.planAudit()
	s.fieldwork()
	s.report()
	s.correct()
	s.improve()
	s.sweep()
	s.evidence()
	return nil
}
