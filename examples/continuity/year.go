package main

import (
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/examples/internal/tell"
)

// objectives are payroll's continuity objectives (CON-02).
var objectives = continuity.Objectives{RTO: 4 * time.Hour, RPO: time.Hour, MTPD: 24 * time.Hour, MinServiceLevel: "payslips paid by the 28th"}

// assess documents the risks to payroll's continuity (CON-01).
func (s *story) assess() {
	s.Say("1. Continuity risk assessment (CON-01)")
	r := tell.Must(s.risks.Assess(s.ctx, cora, continuity.Assessment{ID: "RA-PAYROLL", Service: "payroll", Kind: continuity.RiskContinuity,
		Risks: []continuity.Risk{
			{Text: "loss of the Frankfurt data centre", Owner: "cora", Likelihood: 2, Impact: 5, Treatment: "warm standby in Berlin"},
			{Text: "ransomware on the payroll database", Owner: "carl", Likelihood: 3, Impact: 4, Treatment: "hourly immutable backups"},
		}}))
	s.Say("  %s of %s (%s, %s): %d risks, %s, assessed %s", r.ID, r.Service, r.Kind, r.Kind.Requirement(), len(r.Risks), r.Status, wall(r.AssessedAt))
	s.Say("")
}

// require drafts payroll's continuity requirement and has it agreed by
// two customer representatives, none of them its author (CON-02, CON-03).
func (s *story) require() {
	s.clk.Set(at(time.March, 2, 10, 0))
	s.Say("2. Continuity requirement (CON-02, CON-03)")
	r := tell.Must(s.reqs.Draft(s.ctx, kira, continuity.RequirementDraft{ID: "CR-PAYROLL", Service: "payroll", RequirementContent: continuity.RequirementContent{
		Objectives: objectives, Basis: []string{"SLA-PAYROLL", "BIA-2027", "RA-PAYROLL"}}}))
	o := r.Objectives
	s.Say("  %s drafted by %s: RTO %v, RPO %v, MTPD %v, minimum %q", r.ID, kira.ID, o.RTO, o.RPO, o.MTPD, o.MinServiceLevel)
	_, err := s.reqs.Agree(s.ctx, kira, r.ID, continuity.CustomerAgreement{})
	s.Refused("the agreement of its author", err)
	s.clk.Set(at(time.March, 3, 11, 0))
	for _, c := range []sms.Actor{hanna, henk} {
		tell.Must(s.reqs.Agree(s.ctx, c, r.ID, continuity.CustomerAgreement{}))
	}
	r = tell.Must(s.reqs.Confirm(s.ctx, cora, r.ID, continuity.RequirementConfirmation{}))
	s.Say("  agreed by %s and %s, confirmed by %s: %s edition %d since %s", r.Agreements[0].Person, r.Agreements[1].Person, cora.ID, r.Status, r.Edition, wall(r.AgreedAt))
	s.Say("")
}

// draftPlan writes the plan, has it approved by another manager than its
// author, puts it in force and copies it off-site (CON-04 to CON-06).
func (s *story) draftPlan() {
	s.clk.Set(at(time.March, 8, 9, 0))
	s.Say("3. Continuity plan (CON-04 to CON-06)")
	p := tell.Must(s.plans.Draft(s.ctx, cora, continuity.PlanDraft{ID: "CP-PAYROLL", Services: []string{"payroll"}, Contents: continuity.Contents{
		InvocationCriteria: "the data centre is lost, or payroll is down for 2 h in the run week",
		Authorities:        []string{ines.ID},
		Procedures:         continuity.Procedures{Invocation: "PROC-INV-2", MajorLoss: "PROC-ML-1", ReturnToNormal: "PROC-RTN-1"},
		DegradedTargets:    []string{"payslips by the 30th"}, RecoveryRequirements: []string{"restore from the last hourly backup"},
		Contacts: []continuity.Contact{{Name: "Ines", Role: "crisis lead", Phone: "+49 30 1234"}}}}))
	s.plan = p.ID
	draft := p.Digest()
	_, err := s.plans.Approve(s.ctx, cora, p.ID, continuity.PlanApproval{})
	s.Refused("the approval by its author", err)
	s.clk.Set(at(time.March, 9, 9, 0))
	tell.Must(s.plans.Approve(s.ctx, carl, p.ID, continuity.PlanApproval{}))
	p = tell.Must(s.plans.Activate(s.ctx, carl, p.ID, continuity.PlanActivation{}))
	s.Say("  %s approved by %s: version %d, %s since %s", p.ID, carl.ID, p.Version, p.Status, wall(p.ApprovedAt))
	p = tell.Must(s.plans.RecordCopy(s.ctx, cora, p.ID, continuity.CopyRecord{Location: "vault B, Potsdam", Medium: "paper", Digest: p.Digest()}))
	c := p.OffsiteCopies[0]
	s.Say("  off-site copy in %s (%s): version %d, digest %s…", c.Location, c.Medium, c.Version, c.Digest[:12])
	_, err = s.plans.RecordCopy(s.ctx, cora, p.ID, continuity.CopyRecord{Location: "laptop of the night shift", Medium: "PDF", Digest: draft})
	s.Refused("a copy of the draft ("+draft[:12]+"…)", err)
	s.Say("")
}

// test runs the yearly test: 5 h to recover against the 4 h RTO is a
// deficiency, the library's verdict; the review must act on it.
func (s *story) test() {
	s.clk.Set(at(time.March, 15, 9, 0))
	s.Say("4. Test of the plan (CON-07, CON-09 to CON-11)")
	x := tell.Must(s.tests.Schedule(s.ctx, cora, continuity.TestSchedule{ID: "CT-1", Plan: s.plan, Scenario: "loss of the Frankfurt data centre",
		Scheduled: at(time.April, 20, 8, 0)}))
	s.clk.Set(at(time.April, 20, 15, 0))
	m := continuity.TestMeasurement{Service: "payroll", Recovery: 5 * time.Hour, DataLoss: 30 * time.Minute}
	x = tell.Must(s.tests.Execute(s.ctx, cora, x.ID, continuity.TestExecution{Participants: []string{"cora", "ines", "hanna"}, Evidence: []string{"EX-2027-04"},
		Started: at(time.April, 20, 8, 0), Ended: at(time.April, 20, 14, 0), Measurements: []continuity.TestMeasurement{m}}))
	r := x.Results[0]
	s.Say("  %s of %s v%d: %s recovered in %v (RTO %v), lost %v (RPO %v): met %v: %s", x.ID, x.Plan, x.PlanVersion, r.Service,
		r.Recovery, r.Objectives.RTO, r.DataLoss, r.Objectives.RPO, r.Met, r.Shortfall())
	s.Say("  JudgeTest on the same measurement: met %v", continuity.JudgeTest(m, objectives).Met)
	_, err := s.tests.Review(s.ctx, cora, x.ID, continuity.TestReview{Conclusions: "the restore is too slow"})
	s.Refused("the review without an action", err)
	x = tell.Must(s.tests.Review(s.ctx, cora, x.ID, continuity.TestReview{Conclusions: "the restore is too slow",
		Deficiencies: []continuity.Deficiency{{Service: "payroll", Action: "CHG-0512 restore from snapshots"}}}))
	d := x.Deficiencies[0]
	x = tell.Must(s.tests.Close(s.ctx, cora, x.ID, continuity.TestClosure{}))
	s.Say("  reviewed: %s -> %s; %s", d.Finding, d.Action, x.Status)
	s.Say("")
}

// majorChange closes the change the test led to: a major change to
// payroll, so the plan is to be retested within 30 days (CON-08).
func (s *story) majorChange() {
	closed := at(time.May, 3, 17, 0)
	s.clk.Set(closed)
	s.Say("5. Retest after a major change (CON-08)")
	s.changes = []continuity.ChangeFact{{ID: "CHG-0512", Services: []string{"payroll"}, ClosedAt: closed, MajorImpact: true}}
	due := closed.Add(30 * 24 * time.Hour)
	p := tell.Must(s.plans.RequireRetest(s.ctx, cora, s.plan, continuity.RetestRequirement{Reason: "CHG-0512 closed with a major impact", Due: due}))
	s.Say("  CHG-0512 closed %s; the host fires require_retest: %s, due %s", wall(closed), p.Status, wall(p.RetestDue))
	s.clk.Set(due.Add(16 * time.Hour))
	fs := continuity.RetestsDue(s.changes, s.allPlans(), s.allTests(), 30*24*time.Hour, s.clk.Now())
	s.Say("  RetestsDue as of %s: %v; plan sweep: %v", wall(s.clk.Now()), codes(fs), codes(tell.Must(s.plans.Sweep(s.ctx, nil, s.clk.Now()))))

	x := tell.Must(s.tests.Schedule(s.ctx, cora, continuity.TestSchedule{ID: "CT-2", Plan: s.plan, Scenario: "restore payroll from snapshots",
		Scheduled: s.clk.Now().Add(time.Hour)}))
	s.clk.Advance(6 * time.Hour)
	x = tell.Must(s.tests.Execute(s.ctx, cora, x.ID, continuity.TestExecution{Participants: []string{"cora", "ines"}, Evidence: []string{"EX-2027-06"},
		Started: s.clk.Now().Add(-5 * time.Hour), Ended: s.clk.Now().Add(-2 * time.Hour),
		Measurements: []continuity.TestMeasurement{{Service: "payroll", Recovery: 3 * time.Hour, DataLoss: 20 * time.Minute}}}))
	s.Say("  %s: recovered in %v, lost %v: met %v", x.ID, x.Results[0].Recovery, x.Results[0].DataLoss, x.Met())
	tell.Must(s.tests.Review(s.ctx, cora, x.ID, continuity.TestReview{Conclusions: "snapshots restore within the RTO"}))
	tell.Must(s.tests.Close(s.ctx, cora, x.ID, continuity.TestClosure{}))
	p = tell.Must(s.plans.Retested(s.ctx, cora, s.plan, continuity.Retest{Test: x.ID}))
	fs = continuity.RetestsDue(s.changes, s.allPlans(), s.allTests(), 30*24*time.Hour, s.clk.Now())
	s.Say("  retested by %s: %s; RetestsDue: %v", p.LastTest, p.Status, codes(fs))
	s.Say("")
}

// invoke runs a real invocation for a major incident: only one of the
// plan's authorities invokes it (CON-12).
func (s *story) invoke() {
	s.clk.Set(at(time.June, 14, 6, 0))
	s.Say("6. Invocation for the major incident INC-0614 (CON-10 to CON-12)")
	cmd := continuity.Invoke{ID: "INV-1", Plan: s.plan, MajorIncident: "INC-0614", CriteriaMet: "the Frankfurt data centre is without power"}
	_, err := s.invs.Invoke(s.ctx, carl, cmd)
	s.Refused("an invocation by "+carl.ID, err)
	v := tell.Must(s.invs.Invoke(s.ctx, ines, cmd))
	s.Say("  %s invoked by %s at %s for %s: %s", v.ID, v.InvokedBy, wall(v.InvokedAt), v.MajorIncident, v.Status)
	v = tell.Must(s.invs.StartRecovery(s.ctx, ines, v.ID, continuity.RecoveryStart{}))
	s.Say("  %s", v.Status)
	s.clk.Advance(3 * time.Hour)
	v = tell.Must(s.invs.Recovered(s.ctx, ines, v.ID, continuity.Recovery{Degraded: []continuity.DegradedTarget{{Target: "payslips by the 30th", Measured: "on track"}}}))
	r := v.Recovery[0]
	s.Say("  %s at %s: %s recovered in %v against the RTO %v: met %v", v.Status, wall(v.RecoveredAt), r.Service, r.Achieved, r.RTO, r.Met)
	s.clk.Set(at(time.June, 15, 18, 0))
	v = tell.Must(s.invs.ReturnToNormal(s.ctx, ines, v.ID, continuity.ReturnToNormal{Procedure: "PROC-RTN-1, fail-back to Frankfurt"}))
	s.Say("  %s at %s by %s", v.Status, wall(v.NormalAt), v.Procedure)
	s.clk.Set(at(time.June, 17, 10, 0))
	tell.Must(s.invs.Review(s.ctx, cora, v.ID, continuity.InvocationReview{Conclusions: "recovered within the RTO; the degraded target held"}))
	v = tell.Must(s.invs.Close(s.ctx, cora, v.ID, continuity.InvocationClosure{}))
	s.Say("  reviewed by %s: %s", cora.ID, v.Status)
	s.Say("")
}

// sweep runs the periodic sweeps and check 12 of the auditor suite.
func (s *story) sweep() {
	s.clk.Set(at(time.July, 1, 9, 0))
	now := s.clk.Now()
	s.Say("7. Sweeps and check 12, as of %s", wall(now))
	fs := tell.Must(s.risks.Sweep(s.ctx, sms.Yearly("Europe/Berlin"), 30*24*time.Hour, now))
	s.Say("  risk sweep (yearly, 30 days' grace): %v", codes(fs))
	fs = tell.Must(s.plans.Sweep(s.ctx, []string{"payroll"}, now))
	s.Say("  plan sweep: %v", codes(fs))
	rep := tell.Must(continuity.Conform(s.ctx, s.reqs, s.plans, s.tests, s.invs, continuity.ConformPolicy{TestEvery: 365 * 24 * time.Hour}, now))
	for _, r := range rep.Results {
		verdict := "pass"
		if !r.Passed() {
			verdict = fmt.Sprintf("FAIL (%d)", len(r.Failures))
		}
		s.Say("    %-31s clause %-6s %d examined  %s", r.Check, r.Clause, r.Population, verdict)
		for _, f := range r.Failures {
			s.Say("      %s", f)
		}
	}
}

// allPlans and allTests read the stored records the pure RetestsDue
// takes; this story has one plan and at most two tests.
func (s *story) allPlans() []*continuity.Plan {
	return []*continuity.Plan{tell.Must(s.plans.Get(s.ctx, s.plan))}
}

func (s *story) allTests() []*continuity.Test {
	var out []*continuity.Test
	for _, id := range []string{"CT-1", "CT-2"} {
		if x, err := s.tests.Get(s.ctx, id); err == nil {
			out = append(out, x)
		}
	}
	return out
}

// codes lists findings as "CODE REQ entity".
func codes(fs []sms.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}
