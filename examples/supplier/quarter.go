package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/iso20k/sms/examples/internal/tell"
	"github.com/iso20k/sms/supplier"
)

// changeBook is the host's change lookup (supplier.Changes): the changes
// the change advisory board authorized.
type changeBook map[string]bool

func (b changeBook) Authorized(_ context.Context, id string) (bool, error) { return b[id], nil }

// disputeBook is the host's contract lookup for disputes
// (supplier.DisputeContracts), read from the Contracts service. An
// unknown contract is Get's *sms.NotFoundError, which refuses the raise.
// The contract record holds no dispute clause, so the escalation levels
// each contract's document defines are kept here.
type disputeBook struct{ contracts *supplier.Contracts }

var disputeClauses = map[string][]supplier.DisputeLevel{
	"CON-ACME-1": {supplier.LevelManagement, supplier.LevelLegal}, // DMS-2027-0117 s. 14: no arbitration
}

func (b disputeBook) Contract(ctx context.Context, id string) (supplier.DisputeContract, error) {
	c, err := b.contracts.Get(ctx, id)
	if err != nil {
		return supplier.DisputeContract{}, err
	}
	return supplier.DisputeContract{Supplier: c.Supplier, Levels: disputeClauses[id]}, nil
}

// review records the second quarter's performance reviews (SUP-06,
// SUP-07) and reviews ACME's contract against the SLA it underpins
// (SUP-04, SUP-08).
func (s *story) review() {
	s.clk.Set(at(2027, time.July, 2, 10, 0))
	from, to := at(2027, time.April, 1, 0, 0), at(2027, time.July, 1, 0, 0)
	s.Say("4. Q2 performance and contract review, %s (SUP-04, SUP-06 to SUP-08)", wall(s.clk.Now()))
	missed := supplier.TargetResult{Metric: "fix", Met: false, Figure: "2 of 7 fixes over 5h, the longest 6h10m"}
	patching := supplier.TargetResult{Metric: "monthly patching", Met: true, Figure: "3 of 3 months"}
	_, err := s.contracts.Do(s.ctx, mona, "CON-ACME-1", supplier.PerformanceReview{From: from, To: to, Results: []supplier.TargetResult{missed, patching}})
	s.Refused("a missed target without an action", err)
	missed.Actions = []string{"CSI-31: joint problem review of the failed failovers with ACME"}
	c := tell.Must(s.contracts.Do(s.ctx, mona, "CON-ACME-1", supplier.PerformanceReview{From: from, To: to, Results: []supplier.TargetResult{missed, patching}}))
	p := c.Performance[len(c.Performance)-1]
	s.Say("  %s, %s to %s:", c.ID, wall(p.From), wall(p.To))
	for _, r := range p.Results {
		action := ""
		if len(r.Actions) > 0 {
			action = "; action " + strings.Join(r.Actions, ", ")
		}
		s.Say("    %-16s met %-5v %s%s", r.Metric, r.Met, r.Figure, action)
	}
	pc := tell.Must(s.contracts.Do(s.ctx, otto, "CON-PRINT-1", supplier.PerformanceReview{From: from, To: to,
		Results: []supplier.TargetResult{{Metric: "monthly print run by the 25th", Met: true, Figure: "3 of 3"}}}))
	s.Say("  %s: %d review(s), all met", pc.ID, len(pc.Performance))

	tell.Must(s.contracts.Do(s.ctx, mona, c.ID, supplier.ReviewStart{}))
	s.Say("  %s under review against the current requirements; its alignment with SLA-PAYROLL, the week from Mon 05 Jul:", c.ID)
	al := s.alignWith(c, at(2027, time.July, 5, 0, 0))
	c = tell.Must(s.contracts.Do(s.ctx, mona, c.ID, supplier.ReviewConclusion{Outcome: supplier.Amend, Alignment: supplier.Alignment{Aligned: al.Finding == nil},
		Notes: "an hour of slack is thin after two misses: tighten the fix to 4h"}))
	s.Say("  review concluded %s: outcome %s, aligned %v; %s", wall(c.ReviewedAt), c.Outcome, c.Alignment.Aligned, c.Status)
	s.Say("")
}

// dispute manages the dispute over the quarter's invoice to closure
// (SUP-10).
func (s *story) dispute() {
	s.clk.Set(at(2027, time.July, 5, 9, 0))
	s.Say("5. A dispute over the Q2 invoice (SUP-10)")
	raise := supplier.DisputeRaise{ID: "DSP-1", Supplier: "SUP-ACME", Contract: "CON-NONE", Subject: "the Q2 invoice bills full fees though the fix target was missed twice", Amount: "EUR 4,800.00"}
	_, err := s.disputes.Raise(s.ctx, mona, raise)
	s.Refused("a dispute under a contract the register does not know", err)
	raise.Contract = "CON-ACME-1"
	d := tell.Must(s.disputes.Raise(s.ctx, mona, raise))
	s.Say("  %s raised by mona under %s: %s, %s; levels %v", d.ID, d.Contract, d.Subject, d.Amount, d.Levels)
	s.clk.Advance(time.Hour)
	tell.Must(s.disputes.Investigate(s.ctx, mona, d.ID, supplier.DisputeInvestigation{Owner: "mona"}))
	s.clk.Set(at(2027, time.July, 6, 11, 0))
	d = tell.Must(s.disputes.Escalate(s.ctx, mona, d.ID, supplier.DisputeEscalation{Reason: "ACME's account manager rejects the service credit"}))
	s.Say("  investigated by %s; escalated to %s", d.Owner, d.Level)
	s.clk.Set(at(2027, time.July, 8, 11, 0))
	d = tell.Must(s.disputes.Escalate(s.ctx, mona, d.ID, supplier.DisputeEscalation{Reason: "no agreement between the managements"}))
	s.Say("  escalated to %s", d.Level)

	s.clk.Set(at(2027, time.July, 9, 14, 0))
	d = tell.Must(s.disputes.ProposeResolution(s.ctx, mona, d.ID, supplier.ResolutionProposal{Text: "ACME credits EUR 4,800.00 on the July invoice; the fix target becomes 4h"}))
	s.Say("  proposed: %s", d.Proposal)
	tell.Must(s.disputes.AcceptResolution(s.ctx, bea, d.ID, supplier.ResolutionAcceptance{Side: supplier.DisputeSideOrganisation}))
	_, err = s.disputes.AcceptResolution(s.ctx, bea, d.ID, supplier.ResolutionAcceptance{Side: supplier.DisputeSideSupplier})
	s.Refused("bea, who accepted for the organisation, accepting for ACME too", err)
	s.clk.Advance(30 * time.Minute)
	d = tell.Must(s.disputes.AcceptResolution(s.ctx, sam, d.ID, supplier.ResolutionAcceptance{Side: supplier.DisputeSideSupplier}))
	org, _ := d.Accepted(supplier.DisputeSideOrganisation)
	sup, _ := d.Accepted(supplier.DisputeSideSupplier)
	d = tell.Must(s.disputes.Resolve(s.ctx, mona, d.ID, supplier.DisputeResolution{}))
	s.Say("  accepted by %s (organisation) and %s (supplier); %s at %s", org, sup, d.Status, wall(d.ResolvedAt))
	d = tell.Must(s.disputes.Close(s.ctx, mona, d.ID, supplier.DisputeClosure{Actions: []string{"credit note CN-2027-031", "contract amendment under CHG-0712"}}))
	s.Say("  %s %s with the follow-up actions %q", d.ID, d.Status, d.Actions)
	s.Say("")
}

// amend tightens the fix target: proposed under the change CHG-0712,
// refused agreement before the impact assessment, assessed and agreed as
// the contract's edition 2 (SUP-09).
func (s *story) amend() {
	s.clk.Set(at(2027, time.July, 12, 10, 0))
	s.Say("6. The amendment: fix 4h (SUP-09)")
	c := tell.Must(s.contracts.Do(s.ctx, mona, "CON-ACME-1", supplier.AmendmentProposal{Terms: acmeTerms("4h", "2.0"),
		Reason: "the review of 2 July and DSP-1: a tighter fix", Change: "CHG-0712"}))
	s.Say("  proposed under %s: %s; %s", c.Pending.Change, c.Pending.Reason, c.Status)
	_, err := s.contracts.Do(s.ctx, mona, c.ID, supplier.AmendmentAgreement{})
	s.Refused("agreeing it before its impact is assessed", err)
	s.clk.Advance(2 * time.Hour)
	tell.Must(s.contracts.Do(s.ctx, mona, c.ID, supplier.ImpactAssessment{Services: "payroll: the SLA's resolution keeps 2h of slack, not 1h",
		SMS: "the supplier report shows the fix against 4h; ACME's NOC staffs a second engineer at night"}))
	s.clk.Advance(time.Hour)
	c = tell.Must(s.contracts.Do(s.ctx, mona, c.ID, supplier.AmendmentAgreement{}))
	s.Say("  assessed and agreed (%s authorized): %s edition %d, document %s %s, fix %s; %s",
		"CHG-0712", c.ID, c.Edition, c.Document.Ref, c.Document.Version, c.Targets[0].Objective, c.Status)
	s.alignWith(c, at(2027, time.July, 12, 0, 0))
	s.Say("")
}

// notice gives notice before the notice date, then runs the sweep and
// check 10 (SUP-02, SUP-06, SUP-08, SUP-10, SUP-13).
func (s *story) notice() {
	s.clk.Set(at(2027, time.September, 15, 10, 0))
	s.Say("7. Notice, %s: payroll moves to the in-house cluster next year (SUP-13)", wall(s.clk.Now()))
	c := tell.Must(s.contracts.Do(s.ctx, mona, "CON-ACME-1", supplier.Notice{}))
	end, _ := c.EndAsOf(s.clk.Now())
	by := c.Term.NoticeBy(c.Term.End(1))
	s.Say("  notice given %s, before the notice date %s: the contract ends %s", wall(c.NoticeAt), wall(by), wall(end))
	e, n := c.Term.EndAsOf(by.AddDate(0, 1, 0), c.NoticeAt)
	s.Say("    as of %s, past the notice date, the end stays %s (renewed %d)", wall(by.AddDate(0, 1, 0)), wall(e), n)
	e, n = c.Term.EndAsOf(by.AddDate(0, 1, 0), by.Add(9*time.Hour))
	s.Say("    notice given late, on %s, would have ended it %s (renewed %d)", wall(by.Add(9*time.Hour)), wall(e), n)

	s.Say("\n8. Sweep and check 10 of the auditor suite, as of %s", wall(s.clk.Now()))
	findings := tell.Must(supplier.Sweep(s.ctx, s.suppliers, s.contracts, []string{"SUP-ACME"}, s.policy, s.clk.Now()))
	findings = append(findings, tell.Must(s.disputes.Sweep(s.ctx, s.policy.Disputes, s.clk.Now()))...)
	s.Say("  sweep: %d finding(s)", len(findings))
	for _, f := range findings {
		s.Say("    %s", f)
	}
	rep := tell.Must(supplier.Conform(s.ctx, s.suppliers, s.contracts, s.disputes, s.policy, s.clk.Now()))
	for _, r := range rep.Results {
		verdict := "pass"
		if !r.Passed() {
			verdict = fmt.Sprintf("FAIL (%d)", len(r.Failures))
		}
		s.Say("    %-26s clause %-7s %d examined  %s", r.Check, r.Clause, r.Population, verdict)
		for _, f := range r.Failures {
			s.Say("      %s", f)
		}
	}
}
