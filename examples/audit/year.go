package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/examples/internal/tell"
)

const programmeID = "AP-2027"

// programme writes the year's programme and has it approved (AUD-01,
// AUD-02, AUD-06): the approver becomes its owner.
func (s *story) programme() {
	s.Say("1. The audit programme (AUD-01, AUD-02, AUD-04, AUD-06)")
	p := tell.Must(s.programmes.Draft(s.ctx, olga, audit.ProgrammeDraft{ID: programmeID, ProgrammeContents: audit.ProgrammeContents{
		Title: "SMS internal audit programme 2027", Cycle: sms.Yearly("Europe/Berlin"),
		Areas: []audit.AreaPlan{
			{Area: audit.AreaChange, Weight: 5, Audits: 1, LastResult: "2026: one minor nonconformity"},
			{Area: audit.AreaIncident, Weight: 4, Audits: 1},
			{Area: audit.AreaServiceLevel, Weight: 3, Audits: 1},
		},
		Methods:          []string{"document review", "interviews", "record sampling"},
		Responsibilities: []string{"olga plans and assigns auditors", "the lead auditor reports to the SMS owner and the process owner"},
		Reporting:        "a report within 10 working days, to the SMS owner and the audited process's owner",
		Retention:        6 * 365 * 24 * time.Hour,
	},
		// Who owns or works in which area: without it no auditor is
		// assigned.
		Involvement: audit.Involvement{"alice": {audit.AreaChange}, "erin": {audit.AreaChange}, "bruno": {audit.AreaIncident}},
	}))
	p = tell.Must(s.programmes.Approve(s.ctx, olga, p.ID, audit.ProgrammeApproval{}))
	s.Say("  %s edition %d %s by %s (%s): %d areas, cycle %s", p.ID, p.Edition, p.Status, p.Owner, wall(p.ApprovedAt), len(p.Areas), p.Cycle)
	for _, a := range p.Areas {
		s.Say("    %-14s weight %d, %d audit a cycle", a.Area, a.Weight, a.Audits)
	}
	s.Say("")
}

// planAudit plans the audit of change management: alice manages changes
// and may not audit them (AUD-04); carla may.
func (s *story) planAudit() {
	s.clk.Set(at(time.February, 1, 9, 0))
	s.Say("2. An audit of change management (AUD-03, AUD-04)")
	plan := audit.AuditPlanning{ID: "AUD-2027-1", Programme: programmeID, Area: audit.AreaChange, Title: "Change management",
		Window: audit.AuditWindow{Start: at(time.March, 1, 9, 0), End: at(time.March, 12, 17, 0)}, Lead: "alice", Auditors: []string{"alice"}}
	_, err := s.audits.Plan(s.ctx, olga, plan)
	s.Refused("alice as lead auditor", err)
	plan.Lead, plan.Auditors = "carla", []string{"carla"}
	x := tell.Must(s.audits.Plan(s.ctx, olga, plan))
	_, err = s.audits.AddAuditor(s.ctx, olga, x.ID, audit.AuditorAddition{Auditor: "alice"})
	s.Refused("alice as co-auditor", err)
	s.clk.Set(at(time.February, 22, 10, 0))
	x = tell.Must(s.audits.Prepare(s.ctx, carla, x.ID, audit.AuditPreparation{
		Criteria: []string{"ISO/IEC 20000-1:2018 8.5.1", "change procedure PRC-4 v3"},
		Scope:    audit.AuditScope{Services: []string{"payroll", "mail"}, Processes: []string{audit.AreaChange}}}))
	s.Say("  %s planned for %s to %s, lead %s: %s against %s", x.ID, wall(x.Window.Start), wall(x.Window.End), x.Lead, x.Status, strings.Join(x.Criteria, " and "))
	s.Say("")
}

// fieldwork draws a sample of the year's changes, re-derives it, and
// records what it found (AUD-07, AUD-08).
func (s *story) fieldwork() {
	s.clk.Set(at(time.March, 1, 9, 0))
	s.Say("3. Fieldwork and the sample (AUD-07, AUD-08)")
	x := tell.Must(s.audits.StartFieldwork(s.ctx, carla, "AUD-2027-1", audit.AuditFieldworkStart{}))
	n := tell.Must(audit.SampleSize(0.95, 0.05))
	s.sample = tell.Must(audit.Sample(s.changes, "AUD-2027-1/changes", n))
	s.Say("  %d of %d closed changes drawn (95%% confidence, 5%% tolerable rate): %s, %s, %s, …", len(s.sample.IDs), s.sample.PopulationSize,
		s.sample.IDs[0], s.sample.IDs[1], s.sample.IDs[2])
	s.Say("  population digest %s…", s.sample.PopulationDigest[:19])
	d := tell.Must(s.sample.Rederive(s.changes))
	s.Say("  re-derived from the same changes: population changed %v, sample changed %v", d.PopulationChanged, d.SampleChanged)
	late := append(append([]string(nil), s.changes...), "CHG-2027-0241")
	d = tell.Must(s.sample.Rederive(late))
	s.Say("  re-derived after CHG-2027-0241 was added: population changed %v", d.PopulationChanged)

	s.clk.Set(at(time.March, 4, 15, 0))
	x = tell.Must(s.audits.RecordFinding(s.ctx, carla, x.ID, audit.FindingRecord{Type: audit.FindingMajorNC,
		Statement: "3 of the 59 changes sampled were implemented before their CAB approval",
		Criterion: "ISO/IEC 20000-1:2018 8.5.1.2; PRC-4 section 5", Sample: s.sample.IDs, Query: "closed changes of 2027 to 28 February",
		Seed: s.sample.Seed, PopulationDigest: s.sample.PopulationDigest, Evidence: []string{"DOC-CAB-MINUTES-2027"}}))
	x = tell.Must(s.audits.RecordFinding(s.ctx, carla, x.ID, audit.FindingRecord{Type: audit.FindingOFI,
		Statement: "change lead time could fall if the CAB gate were checked by the tool"}))
	// The auditor may not acknowledge her own finding for the auditee,
	// whatever roles she holds.
	_, err := s.audits.Acknowledge(s.ctx, sms.Actor{ID: "carla", Roles: []sms.Role{audit.RoleAuditee}}, x.ID, audit.FindingAcknowledgement{Finding: "F-1"})
	s.Refused("an acknowledgement by the auditor", err)
	for _, f := range x.Findings {
		x = tell.Must(s.audits.Acknowledge(s.ctx, erin, x.ID, audit.FindingAcknowledgement{Finding: f.ID}))
	}
	for _, f := range x.Findings {
		s.Say("  %s %s (%s), %d records sampled: %s", f.ID, f.Type, f.Status, len(f.Sample), f.Statement)
	}
	s.Say("")
}

// report reports the audit to management (AUD-01, AUD-05).
func (s *story) report() {
	s.clk.Set(at(time.March, 12, 16, 0))
	s.Say("4. The report (AUD-01, AUD-05)")
	x := tell.Must(s.audits.EndFieldwork(s.ctx, carla, "AUD-2027-1", audit.AuditFieldworkEnd{}))
	_, err := s.audits.Report(s.ctx, carla, x.ID, audit.AuditReportIssue{Conformity: "conforms but for one major nonconformity", Document: "DOC-AR-2027-1",
		Notified: []string{"sam", "erin"}})
	s.Refused("a report without an effectiveness conclusion", err)
	x = tell.Must(s.audits.Report(s.ctx, carla, x.ID, audit.AuditReportIssue{Conformity: "conforms but for one major nonconformity",
		Effectiveness: "effective: changes meet their objectives", Document: "DOC-AR-2027-1", Notified: []string{"sam", "erin"}}))
	s.Say("  %s %s %s, notified %s", x.ID, x.Status, wall(x.Report.IssuedAt), strings.Join(x.Notified, " and "))
	x = tell.Must(s.audits.FollowUp(s.ctx, carla, x.ID, audit.AuditFollowUpStart{}))
	_, err = s.audits.Close(s.ctx, carla, x.ID, audit.AuditClosure{})
	s.Refused("closing with the nonconformity unlinked", err)
	tell.Must(s.programmes.RecordResult(s.ctx, olga, programmeID, audit.ResultRecord{Area: audit.AreaChange, Audit: x.ID, Result: "2027: one major nonconformity"}))
	s.Say("")
}

// correct raises the nonconformity from the finding and takes it through
// correction and corrective action to its verification (NC-01 to NC-06).
func (s *story) correct() {
	s.clk.Set(at(time.March, 15, 9, 0))
	s.Say("5. Nonconformity and corrective action (NC-01 to NC-06)")
	nc := tell.Must(s.ncs.Raise(s.ctx, quinn, audit.NCRaise{ID: "NC-2027-1", Description: "changes implemented before their CAB approval",
		Source: audit.SourceInternalAudit, SourceRef: "AUD-2027-1#F-1", Area: audit.AreaChange, Requirement: "ISO/IEC 20000-1:2018 8.5.1.2", Severity: audit.SeverityMajor}))
	x := tell.Must(s.audits.LinkFinding(s.ctx, carla, "AUD-2027-1", audit.FindingLink{Finding: "F-1", Link: nc.ID}))
	nc = tell.Must(s.ncs.Contain(s.ctx, quinn, nc.ID, audit.NCContain{Correction: "the three changes reviewed by the CAB after the fact",
		Actions: []string{"retrospective CAB review of CHG-2027-0031, 0107 and 0188"}, Consequences: "none of the three failed; no customer impact"}))
	nc = tell.Must(s.ncs.Analyse(s.ctx, quinn, nc.ID, audit.NCAnalyse{Owner: "quinn"}))
	review := audit.NCReview{ReviewNotes: "the tool lets an implementer start a change whose approval is pending",
		Causes:       []string{"no approval gate in the change tool", "implementers unaware of PRC-4 section 5"},
		SimilarCheck: audit.NCSimilarCheck{Query: "release deployments started before their change's approval, 2026-2027", Results: []string{}},
		Rationale:    "the cause would recur with every new implementer"}
	_, err := s.ncs.DecideNoAction(s.ctx, quinn, nc.ID, audit.NCDecideNoAction{Review: review})
	s.Refused("no corrective action for a major nonconformity", err)
	nc = tell.Must(s.ncs.PlanActions(s.ctx, quinn, nc.ID, audit.NCPlanActions{Review: review, Actions: []audit.NCPlannedAction{
		{Description: "an approval gate in the change tool", Owner: "otto", Due: at(time.April, 30, 17, 0)}}}))
	s.clk.Set(at(time.April, 20, 11, 0))
	nc = tell.Must(s.ncs.CompleteAction(s.ctx, otto, nc.ID, audit.NCCompleteAction{Action: "A-1", Evidence: "CHG-2027-0215 closed successful"}))
	nc = tell.Must(s.ncs.Implement(s.ctx, quinn, nc.ID, audit.NCImplement{DocumentRevision: "PRC-4 v4"}))
	s.Say("  %s (%s, from %s): %d cause(s), action %s by %s done; %s, verification due %s", nc.ID, nc.Severity, nc.SourceRef, len(nc.Causes),
		nc.Actions[0].ID, nc.Actions[0].Owner, nc.Status, wall(nc.VerifyDue))
	s.clk.Set(at(time.April, 27, 11, 0))
	_, err = s.ncs.VerifyEffective(s.ctx, vera, nc.ID, audit.NCVerifyEffective{Evidence: "no change started unapproved since 20 April"})
	s.Refused("a verification one week after", err)
	s.clk.Set(at(time.May, 18, 11, 0))
	_, err = s.ncs.VerifyEffective(s.ctx, quinn, nc.ID, audit.NCVerifyEffective{Evidence: "no change started unapproved since 20 April"})
	s.Refused("a verification by the owner", err)
	nc = tell.Must(s.ncs.VerifyEffective(s.ctx, vera, nc.ID, audit.NCVerifyEffective{Evidence: "none of the 61 changes since 20 April started unapproved"}))
	s.Say("  verified effective by %s %s: %s", nc.Verifications[0].By, wall(nc.Verifications[0].At), nc.Status)
	s.Say("  audit finding %s of %s: %s to %s", x.Findings[0].ID, x.ID, x.Findings[0].Status, x.Findings[0].Link)
	s.Say("")
}

// improve takes the audit's opportunity for improvement through the
// register to its measurement (CI-01 to CI-05, CI-07).
func (s *story) improve() {
	s.clk.Set(at(time.March, 16, 9, 0))
	s.Say("6. An opportunity for improvement (CI-01 to CI-05, CI-07)")
	o := tell.Must(s.ops.Log(s.ctx, ivy, audit.OpportunityLog{ID: "OPP-2027-1", Title: "the CAB gate checked by the change tool",
		Description: "the audit's F-2: lead time falls if approvals are checked by the tool", Area: audit.AreaChange,
		Source: audit.FromAuditFinding, SourceRef: "AUD-2027-1#F-2"}))
	x := tell.Must(s.audits.LinkFinding(s.ctx, carla, "AUD-2027-1", audit.FindingLink{Finding: "F-2", Link: o.ID}))
	x = tell.Must(s.audits.Close(s.ctx, carla, x.ID, audit.AuditClosure{}))
	s.Say("  %s closed: %s %s, %s %s", x.ID, x.Findings[0].ID, x.Findings[0].Link, x.Findings[1].ID, x.Findings[1].Link)
	o = tell.Must(s.ops.Evaluate(s.ctx, ivy, o.ID, audit.OpportunityEvaluate{Aligned: true, Verdict: "fits objective O-3, change lead time",
		Scores: []audit.ImprovementScore{{Criterion: "policy", Score: 4, Notes: "policy 4.2"}, {Criterion: "objectives", Score: 5, Notes: "objective O-3"},
			{Criterion: "cost-benefit", Score: 4, Notes: "two weeks of tooling"}}}))
	approve := audit.OpportunityApprove{Priority: 2, Targets: []audit.ImprovementTarget{
		{Dimension: audit.DimensionProductivity, Metric: "median change lead time", Baseline: 6, Target: 4, Unit: "days"},
		{Dimension: audit.DimensionQuality, Metric: "changes started before approval a quarter", Baseline: 3, Target: 0},
	}}
	_, err := s.ops.Approve(s.ctx, ivy, o.ID, approve)
	s.Refused("the approval by its evaluator", err)
	o = tell.Must(s.ops.Approve(s.ctx, igor, o.ID, approve))
	o = tell.Must(s.ops.Plan(s.ctx, igor, o.ID, audit.OpportunityPlan{Owner: "otto", Due: at(time.May, 31, 17, 0), Steps: []string{"gate in the tool", "implementer briefing"}}))
	o = tell.Must(s.ops.Start(s.ctx, igor, o.ID, audit.OpportunityStart{}))
	s.clk.Set(at(time.May, 28, 9, 0))
	o = tell.Must(s.ops.Implement(s.ctx, igor, o.ID, audit.OpportunityImplement{}))
	s.Say("  %s approved by %s with %d targets, implemented %s, measure due %s", o.ID, igor.ID, len(o.Targets), wall(o.ImplementedAt), wall(o.MeasureDue))
	s.clk.Set(at(time.June, 25, 9, 0))
	o = tell.Must(s.ops.Measure(s.ctx, igor, o.ID, audit.OpportunityMeasure{Actuals: []audit.ImprovementActual{
		{Metric: "median change lead time", Value: 3.5}, {Metric: "changes started before approval a quarter", Value: 0}}}))
	m, _ := o.LastMeasurement()
	s.Say("  measured %s: met %v", wall(m.At), m.Met)
	o = tell.Must(s.ops.Close(s.ctx, igor, o.ID, audit.OpportunityClose{}))
	s.Say("  %s %s", o.ID, o.Status)
	s.Say("")
}

// sweep runs the sweeps and checks 13 and 14, at the end of the year and
// once the cycle is over.
func (s *story) sweep() {
	s.Say("7. Sweeps, check 13 and check 14")
	grace := 30 * 24 * time.Hour
	for _, asOf := range []time.Time{at(time.December, 31, 12, 0), time.Date(2028, time.February, 15, 9, 0, 0, 0, berlin)} {
		s.Say("  as of %s:", wall(asOf))
		fs := tell.Must(audit.Sweep(s.ctx, s.programmes, s.audits, asOf, grace))
		s.Say("    audit sweep: %v", codes(fs))
		fs = tell.Must(s.ncs.Sweep(s.ctx, asOf))
		s.Say("    nonconformity sweep: %v", codes(fs))
		fs = tell.Must(s.ops.Sweep(s.ctx, asOf))
		s.Say("    improvement sweep: %v", codes(fs))
		rep := tell.Must(audit.Conform(s.ctx, s.programmes, s.audits, audit.ConformPolicy{Grace: grace}, asOf))
		nc := tell.Must(audit.ConformNonconformities(s.ctx, s.ncs, asOf))
		rep.Results = append(rep.Results, nc.Results...)
		for _, r := range rep.Results {
			verdict := "pass"
			if !r.Passed() {
				verdict = fmt.Sprintf("gaps (%d)", len(r.Failures))
			}
			s.Say("    %-33s clause %-6s %d examined  %s", r.Check, r.Clause, r.Population, verdict)
			for _, f := range r.Failures {
				s.Say("      %s: %s", f.Code, f.Detail)
			}
		}
	}
	imp := tell.Must(s.ops.Improvements(s.ctx, at(time.January, 1, 0, 0), time.Date(2028, time.January, 1, 0, 0, 0, 0, berlin)))
	s.Say("  improvements of 2027: %d opened, %d implemented, %d met, %d closed", imp.Totals.Opened, imp.Totals.Implemented, imp.Totals.Met, imp.Totals.Closed)
}

// evidence builds the evidence pack of the audit year and its grace, as
// an auditor receives it, and writes it when -out names a directory.
func (s *story) evidence() {
	s.Say("")
	s.Say("8. The evidence pack of the audit year")
	p := evidence.Period{From: at(time.January, 1, 0, 0), To: time.Date(2028, time.February, 15, 9, 0, 0, 0, berlin)}
	pack := tell.Must(evidence.Build(s.ctx, evidence.Sources{AuditProgrammes: s.programmes, Audits: s.audits,
		Nonconformities: s.ncs, Opportunities: s.ops}, p, evidence.Options{Audit: audit.ConformPolicy{Grace: 30 * 24 * time.Hour}}))
	for _, c := range pack.Summary {
		s.Say("  clause %-6s %-44s %d checks, %d passed, %d failed, %d examined", c.Clause, c.Title, c.Checks, c.Passed, c.Failed, c.Examined)
	}
	s.Say("  %d records verified, %d unverified; %d failing records in the drill-down", pack.Verification.Records, len(pack.Verification.Unverified), len(pack.Records))
	if outDir == "" {
		return
	}
	tell.Check(os.MkdirAll(outDir, 0o755))
	tell.Check(evidence.WriteFile(filepath.Join(outDir, "evidence.json"), pack.WriteJSON))
	tell.Check(evidence.WriteFile(filepath.Join(outDir, "evidence.html"), func(w io.Writer) error { return evidence.WriteHTML(w, pack) }))
	s.Say("  written: %s and %s", filepath.Join(outDir, "evidence.json"), filepath.Join(outDir, "evidence.html"))
}

// codes lists findings as "CODE REQ entity".
func codes(fs []sms.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Requirement.ID+" "+f.EntityID)
	}
	return out
}
