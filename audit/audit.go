package audit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// AuditStatus is an internal audit's status; the values are persisted.
type AuditStatus string

// Audit statuses.
const (
	AuditPlanned     AuditStatus = "planned"     // scheduled in its programme, its auditors assigned
	AuditPrepared    AuditStatus = "prepared"    // criteria and scope set, auditors impartial (AUD-03, AUD-04)
	AuditFieldwork   AuditStatus = "fieldwork"   // evidence being gathered, findings recorded
	AuditReporting   AuditStatus = "reporting"   // fieldwork ended, the report being written
	AuditReported    AuditStatus = "reported"    // report issued to management (AUD-05)
	AuditFollowUp    AuditStatus = "follow_up"   // findings being linked to their follow-up (AUD-07)
	AuditClosed      AuditStatus = "closed"      // closed and frozen (AUD-06)
	AuditRescheduled AuditStatus = "rescheduled" // moved to a new window, with the reason
	AuditCancelled   AuditStatus = "cancelled"   // cancelled, with the reason
)

// AuditStatuses returns every status, in lifecycle order.
func AuditStatuses() []AuditStatus {
	return []AuditStatus{AuditPlanned, AuditPrepared, AuditFieldwork, AuditReporting, AuditReported,
		AuditFollowUp, AuditClosed, AuditRescheduled, AuditCancelled}
}

// AuditTrigger names a transition of an internal audit; the values are
// persisted.
type AuditTrigger string

// Audit triggers.
const (
	TriggerAuditPlan            AuditTrigger = "plan"
	TriggerAuditAssign          AuditTrigger = "assign"
	TriggerAuditAddAuditor      AuditTrigger = "add_auditor"
	TriggerAuditApproveOverride AuditTrigger = "approve_override"
	TriggerAuditPrepare         AuditTrigger = "prepare"
	TriggerAuditStartFieldwork  AuditTrigger = "start_fieldwork"
	TriggerAuditRecordFinding   AuditTrigger = "record_finding"
	TriggerAuditAcknowledge     AuditTrigger = "acknowledge"
	TriggerAuditEndFieldwork    AuditTrigger = "end_fieldwork"
	TriggerAuditReport          AuditTrigger = "report"
	TriggerAuditFollowUp        AuditTrigger = "follow_up"
	TriggerAuditLinkFinding     AuditTrigger = "link_finding"
	TriggerAuditClose           AuditTrigger = "close"
	TriggerAuditReschedule      AuditTrigger = "reschedule"
	TriggerAuditCancel          AuditTrigger = "cancel"
)

// AuditTriggers returns every audit trigger, the creating one first.
func AuditTriggers() []AuditTrigger {
	return []AuditTrigger{TriggerAuditPlan, TriggerAuditAssign, TriggerAuditAddAuditor, TriggerAuditApproveOverride,
		TriggerAuditPrepare, TriggerAuditStartFieldwork, TriggerAuditRecordFinding, TriggerAuditAcknowledge,
		TriggerAuditEndFieldwork, TriggerAuditReport, TriggerAuditFollowUp, TriggerAuditLinkFinding,
		TriggerAuditClose, TriggerAuditReschedule, TriggerAuditCancel}
}

// Finding codes of the audits' checks and sweep.
const (
	// CodeAuditIncomplete: an audit at or past reported lacks its criteria
	// or scope, or a report with both conclusions notified to management
	// (AUD-01, AUD-03, AUD-05).
	CodeAuditIncomplete = "AUDIT_INCOMPLETE"
	// CodeAuditPartial: an audit at or past reported had an auditor, or
	// was run by one, who owns or works in an audited area without an
	// override approved by another person, or its programme declares no
	// involvement at all (AUD-04).
	CodeAuditPartial = "AUDIT_NOT_IMPARTIAL"
	// CodeFindingUnlinked: a closed audit has a nonconformity finding that
	// links no nonconformity (AUD-07).
	CodeFindingUnlinked = "AUDIT_FINDING_UNLINKED"
	// CodeAuditOverdue: a scheduled audit was not held in its window, or
	// not reported within [AuditReportingGrace] after it (AUD-01).
	CodeAuditOverdue = "AUDIT_OVERDUE"
)

// AuditReportingGrace is how long after its window's end an audit in
// fieldwork or reporting may go unreported before it is overdue (AUD-01).
const AuditReportingGrace = 30 * 24 * time.Hour

// AuditRequirements returns the internal audit requirements the audits
// enforce: their workflow's catalogue.
func AuditRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "AUD-01", Clause: "9.2.1", Text: "internal audits are held as scheduled and conclude, separately, whether the SMS conforms to the organization's own requirements and the standard and whether it is effectively implemented and maintained"},
		{ID: "AUD-02", Clause: "9.2.2", Text: "audits are planned within an approved audit programme that covers the audited process area"},
		{ID: "AUD-03", Clause: "9.2.2", Text: "the criteria and the scope of each audit are defined"},
		{ID: "AUD-04", Clause: "9.2.2", Text: "auditors are chosen, and audits run, so that the audit is objective and impartial: no auditor audits an area they own or work in unless the programme owner approved a justified override"},
		{ID: "AUD-05", Clause: "9.2.2", Text: "the results of each audit are reported to the relevant management"},
		{ID: "AUD-06", Clause: "9.2.2", Text: "documented evidence of each audit and its results is retained: a closed audit is frozen"},
		{ID: "AUD-07", Clause: "9.2", Text: "nonconformities found are raised as nonconformity records and every such finding is linked to one before the audit closes; opportunities for improvement may be linked to the improvement register"},
		{ID: "AUD-08", Clause: "9.2", Text: "evidence sampled is traceable: a finding keeps the records it sampled and the query that drew them"},
	}
}

// FindingType is the type of an audit finding (AUD-07); the values are
// persisted.
type FindingType string

// Finding types.
const (
	FindingMajorNC     FindingType = "major_nc"    // a major nonconformity
	FindingMinorNC     FindingType = "minor_nc"    // a minor nonconformity
	FindingObservation FindingType = "observation" // an observation, no requirement breached
	FindingOFI         FindingType = "ofi"         // an opportunity for improvement
)

// FindingTypes returns every finding type, the nonconformities first.
func FindingTypes() []FindingType {
	return []FindingType{FindingMajorNC, FindingMinorNC, FindingObservation, FindingOFI}
}

// IsNonconformity reports whether a finding of the type is a
// nonconformity, which must link a nonconformity record before its audit
// closes (AUD-07).
func (t FindingType) IsNonconformity() bool { return t == FindingMajorNC || t == FindingMinorNC }

// FindingStatus is a finding's status; the values are persisted.
type FindingStatus string

// Finding statuses.
const (
	FindingDraft     FindingStatus = "draft"     // recorded by an auditor
	FindingConfirmed FindingStatus = "confirmed" // acknowledged by the auditee
	FindingLinked    FindingStatus = "linked"    // linked to its nonconformity or opportunity
)

// FindingStatuses returns every finding status, in lifecycle order.
func FindingStatuses() []FindingStatus {
	return []FindingStatus{FindingDraft, FindingConfirmed, FindingLinked}
}

// AuditWindow is when an audit is planned to be held.
type AuditWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// valid reports whether both ends are set and the end is after the start.
func (w AuditWindow) valid() bool { return !w.Start.IsZero() && w.End.After(w.Start) }

// AuditScope is what an audit covers (AUD-03): services, sites, processes
// and organisational units. Its processes and units are audited areas for
// impartiality (AUD-04).
type AuditScope struct {
	Services  []string `json:"services,omitempty"`
	Sites     []string `json:"sites,omitempty"`
	Processes []string `json:"processes,omitempty"`
	Units     []string `json:"units,omitempty"`
}

// Empty reports whether the scope names nothing that is not blank.
func (s AuditScope) Empty() bool {
	for _, l := range [][]string{s.Services, s.Sites, s.Processes, s.Units} {
		if slices.ContainsFunc(l, func(v string) bool { return !sms.Blank(v) }) {
			return false
		}
	}
	return true
}

func (s AuditScope) clone() AuditScope {
	return AuditScope{Services: slices.Clone(s.Services), Sites: slices.Clone(s.Sites),
		Processes: slices.Clone(s.Processes), Units: slices.Clone(s.Units)}
}

// Override is an impartiality override (AUD-04): an auditor who owns or
// works in an audited area may audit it on a justification, once the
// programme's owner approved it. RequestedBy is the actor of the
// transition that requested it, as its journal records; it is pending
// while ApprovedBy is "".
type Override struct {
	Auditor       string    `json:"auditor"`
	Justification string    `json:"justification"`
	RequestedBy   string    `json:"requested_by"`
	ApprovedBy    string    `json:"approved_by,omitempty"`
	ApprovedAt    time.Time `json:"approved_at,omitzero"`
}

// Pending reports whether the override awaits its approval.
func (o Override) Pending() bool { return o.ApprovedBy == "" }

// OverrideRequest asks for an impartiality override of an auditor, with
// the justification (AUD-04).
type OverrideRequest struct {
	Auditor       string
	Justification string
}

// CheckEvidence is a conformance check's result attached to a finding as
// evidence (AUD-08): the check, its clause, how many records it examined,
// how many failed and which.
type CheckEvidence struct {
	Check      string   `json:"check"`
	Clause     string   `json:"clause"`
	Population int      `json:"population"`
	Failed     int      `json:"failed"`
	FailedIDs  []string `json:"failed_ids,omitempty"`
}

// EvidenceOf summarises a conformance check's result as finding evidence:
// the failing records' IDs each once, in the order they failed, and
// Failed their number.
func EvidenceOf(r sms.CheckResult) CheckEvidence {
	e := CheckEvidence{Check: r.Check, Clause: r.Clause, Population: r.Population}
	for _, f := range r.Failures {
		if !slices.Contains(e.FailedIDs, f.EntityID) {
			e.FailedIDs = append(e.FailedIDs, f.EntityID)
		}
	}
	e.Failed = len(e.FailedIDs)
	return e
}

// Finding is one finding of an audit (AUD-07, AUD-08), kept in the audit:
// its ID ("F-1", "F-2", ... in the order recorded), type, statement, the
// requirement it is against, the records it sampled with the query that
// drew them (and the seed and population digest of a reproducible
// sample), the evidence, its status, who acknowledged it for the auditee,
// the nonconformity or opportunity it links, and who raised it.
type Finding struct {
	ID               string          `json:"id"`
	Type             FindingType     `json:"type"`
	Statement        string          `json:"statement"`
	Criterion        string          `json:"criterion,omitempty"`
	Sample           []string        `json:"sample,omitempty"`
	Query            string          `json:"query,omitempty"`
	Seed             string          `json:"seed,omitempty"`
	PopulationDigest string          `json:"population_digest,omitempty"`
	Evidence         []string        `json:"evidence,omitempty"`
	Checks           []CheckEvidence `json:"checks,omitempty"`
	Status           FindingStatus   `json:"status"`
	AcknowledgedBy   string          `json:"acknowledged_by,omitempty"`
	Link             string          `json:"link,omitempty"`
	RaisedBy         string          `json:"raised_by"`
}

func (f Finding) clone() Finding {
	f.Sample, f.Evidence = slices.Clone(f.Sample), slices.Clone(f.Evidence)
	f.Checks = slices.Clone(f.Checks)
	for i := range f.Checks {
		f.Checks[i].FailedIDs = slices.Clone(f.Checks[i].FailedIDs)
	}
	return f
}

// AuditReport is an audit's report (AUD-01, AUD-05): the conformity and
// the effectiveness conclusions, recorded apart, a summary, the document
// that holds it, and when it was issued.
type AuditReport struct {
	Conformity    string    `json:"conformity"`
	Effectiveness string    `json:"effectiveness"`
	Summary       string    `json:"summary,omitempty"`
	Document      string    `json:"document"`
	IssuedAt      time.Time `json:"issued_at"`
}

// Audit is the record of one internal audit (AUD-01, AUD-03 to AUD-08):
// the programme it belongs to, the process area audited, its window, its
// auditors and their overrides, criteria and scope, findings, report, the
// managers notified, and the reason it was rescheduled or cancelled.
type Audit struct {
	sms.Meta
	Status    AuditStatus `json:"status"`
	Programme string      `json:"programme"`
	// Area is the SMS process area audited, such as [AreaChange].
	Area   string      `json:"area"`
	Title  string      `json:"title"`
	Window AuditWindow `json:"window"`
	// Lead is the lead auditor; Auditors lists every auditor, the lead
	// included.
	Lead      string       `json:"lead"`
	Auditors  []string     `json:"auditors"`
	Overrides []Override   `json:"overrides,omitempty"`
	Criteria  []string     `json:"criteria,omitempty"`
	Scope     AuditScope   `json:"scope"`
	Findings  []Finding    `json:"findings,omitempty"`
	Report    *AuditReport `json:"report,omitempty"`
	// Notified lists the managers the report was notified to (AUD-05).
	Notified []string         `json:"notified,omitempty"`
	Reason   string           `json:"reason,omitempty"`
	Parties  sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Audit) EntityKind() sms.Kind { return AuditKind }

// State implements [sms.Entity].
func (x *Audit) State() string { return string(x.Status) }

// SetState implements [sms.Entity].
func (x *Audit) SetState(s string) { x.Status = AuditStatus(s) }

// Attributes implements [sms.Entity]: the lead auditor as owner, and the
// programme as a link.
func (x *Audit) Attributes() sms.Attributes {
	at := sms.Attributes{Owner: x.Lead}
	if x.Programme != "" {
		at.Links = []sms.Link{{Type: string(ProgrammeKind), ID: x.Programme}}
	}
	return at
}

// Clone implements [sms.Entity].
func (x *Audit) Clone() *Audit {
	c := *x
	c.Auditors = slices.Clone(x.Auditors)
	c.Overrides = slices.Clone(x.Overrides)
	c.Criteria = slices.Clone(x.Criteria)
	c.Scope = x.Scope.clone()
	c.Findings = nil
	if x.Findings != nil {
		c.Findings = make([]Finding, len(x.Findings))
		for i, f := range x.Findings {
			c.Findings[i] = f.clone()
		}
	}
	if x.Report != nil {
		r := *x.Report
		c.Report = &r
	}
	c.Notified = slices.Clone(x.Notified)
	c.Parties = x.Parties.Clone()
	return &c
}

// Areas returns the areas the audit audits, each once: its process area,
// then the processes and units of its scope. An auditor who owns or works
// in any of them is not impartial for it (AUD-04).
func (x *Audit) Areas() []string { return audAreas(x.Area, x.Scope) }

func audAreas(area string, s AuditScope) []string {
	var out []string
	for _, a := range slices.Concat([]string{area}, s.Processes, s.Units) {
		if !sms.Blank(a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Approved reports whether the auditor holds an approved override.
func (x *Audit) Approved(auditor string) bool {
	return slices.ContainsFunc(x.Overrides, func(o Override) bool { return o.Auditor == auditor && !o.Pending() })
}

// audFinding returns the index of the finding with the ID, or -1.
func audFinding(x *Audit, id string) int {
	return slices.IndexFunc(x.Findings, func(f Finding) bool { return f.ID == id })
}

// AuditCommand is the input of one audit trigger.
type AuditCommand interface {
	sms.Command
	Trigger() AuditTrigger
}

// AuditPlanning plans an audit in its programme: the process area, a
// title, the window, the lead and every auditor (the lead included), and
// the overrides requested for auditors who own or work in the area
// (AUD-02, AUD-04).
type AuditPlanning struct {
	ID        string
	Programme string
	Area      string
	Title     string
	Window    AuditWindow
	Lead      string
	Auditors  []string
	Overrides []OverrideRequest
}

// AuditAssignment replaces an audit's lead and auditors, with the
// overrides requested; the overrides of auditors no longer assigned are
// dropped (AUD-04).
type AuditAssignment struct {
	Lead      string
	Auditors  []string
	Overrides []OverrideRequest
}

// AuditorAddition adds one co-auditor, with the justification of an
// override when they own or work in an audited area (AUD-04).
type AuditorAddition struct {
	Auditor       string
	Justification string
}

// OverrideApproval approves the pending override of the auditor named
// (AUD-04).
type OverrideApproval struct{ Auditor string }

// AuditPreparation sets the audit's criteria and scope (AUD-03).
type AuditPreparation struct {
	Criteria []string
	Scope    AuditScope
}

// AuditFieldworkStart starts the fieldwork.
type AuditFieldworkStart struct{}

// FindingRecord records a finding (AUD-07, AUD-08); Seed and
// PopulationDigest come from a reproducible sample, when one drew the
// sampled records.
type FindingRecord struct {
	Type             FindingType
	Statement        string
	Criterion        string
	Sample           []string
	Query            string
	Seed             string
	PopulationDigest string
	Evidence         []string
	Checks           []CheckEvidence
}

// FindingAcknowledgement acknowledges a draft finding for the auditee.
type FindingAcknowledgement struct{ Finding string }

// AuditFieldworkEnd ends the fieldwork.
type AuditFieldworkEnd struct{}

// AuditReportIssue issues the report to the managers notified (AUD-01,
// AUD-05).
type AuditReportIssue struct {
	Conformity    string
	Effectiveness string
	Summary       string
	Document      string
	Notified      []string
}

// AuditFollowUpStart starts the follow-up of a reported audit.
type AuditFollowUpStart struct{}

// FindingLink links a finding to its nonconformity, or an opportunity for
// improvement to its opportunity (AUD-07).
type FindingLink struct {
	Finding string
	Link    string
}

// AuditClosure closes an audit in follow-up.
type AuditClosure struct{}

// AuditRescheduling moves an audit to a new window, with the reason.
type AuditRescheduling struct {
	Window AuditWindow
	Reason string
}

// AuditCancellation cancels an audit not yet in fieldwork, with the
// reason.
type AuditCancellation struct{ Reason string }

// Trigger implements [AuditCommand].
func (AuditPlanning) Trigger() AuditTrigger          { return TriggerAuditPlan }
func (AuditAssignment) Trigger() AuditTrigger        { return TriggerAuditAssign }
func (AuditorAddition) Trigger() AuditTrigger        { return TriggerAuditAddAuditor }
func (OverrideApproval) Trigger() AuditTrigger       { return TriggerAuditApproveOverride }
func (AuditPreparation) Trigger() AuditTrigger       { return TriggerAuditPrepare }
func (AuditFieldworkStart) Trigger() AuditTrigger    { return TriggerAuditStartFieldwork }
func (FindingRecord) Trigger() AuditTrigger          { return TriggerAuditRecordFinding }
func (FindingAcknowledgement) Trigger() AuditTrigger { return TriggerAuditAcknowledge }
func (AuditFieldworkEnd) Trigger() AuditTrigger      { return TriggerAuditEndFieldwork }
func (AuditReportIssue) Trigger() AuditTrigger       { return TriggerAuditReport }
func (AuditFollowUpStart) Trigger() AuditTrigger     { return TriggerAuditFollowUp }
func (FindingLink) Trigger() AuditTrigger            { return TriggerAuditLinkFinding }
func (AuditClosure) Trigger() AuditTrigger           { return TriggerAuditClose }
func (AuditRescheduling) Trigger() AuditTrigger      { return TriggerAuditReschedule }
func (AuditCancellation) Trigger() AuditTrigger      { return TriggerAuditCancel }

func audCheckWindow(field string, w AuditWindow) error {
	if err := sms.FirstError(sms.CheckTime(AuditKind, field+".start", w.Start), sms.CheckTime(AuditKind, field+".end", w.End)); err != nil {
		return err
	}
	if !w.Start.IsZero() && !w.End.IsZero() && !w.End.After(w.Start) {
		return sms.Invalid(AuditKind, field+".end", "the window ends at %s, not after it starts at %s", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
	}
	return nil
}

// audCheckTeam checks a lead, the auditors (each once) and the override
// requests (each for an auditor listed, once).
func audCheckTeam(lead string, auditors []string, ovs []OverrideRequest) error {
	if err := sms.FirstError(sms.CheckRef(AuditKind, "lead", lead), sms.CheckRefs(AuditKind, "auditors", auditors)); err != nil {
		return err
	}
	if len(ovs) > sms.MaxList {
		return sms.Invalid(AuditKind, "overrides", "has more than %d entries", sms.MaxList)
	}
	for i, a := range auditors {
		if slices.Contains(auditors[:i], a) {
			return sms.Invalid(AuditKind, "auditors", "%q is listed twice", a)
		}
	}
	for i, o := range ovs {
		if err := sms.FirstError(sms.CheckRef(AuditKind, "overrides.auditor", o.Auditor),
			sms.CheckText(AuditKind, "overrides.justification", o.Justification, sms.MaxText)); err != nil {
			return err
		}
		if !slices.Contains(auditors, o.Auditor) {
			return sms.Invalid(AuditKind, "overrides.auditor", "%q is not one of the auditors", o.Auditor)
		}
		if slices.ContainsFunc(ovs[:i], func(p OverrideRequest) bool { return p.Auditor == o.Auditor }) {
			return sms.Invalid(AuditKind, "overrides.auditor", "%q is requested twice", o.Auditor)
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c AuditPlanning) Validate() error {
	return sms.FirstError(sms.CheckRef(AuditKind, "id", c.ID), sms.CheckRef(AuditKind, "programme", c.Programme),
		sms.CheckText(AuditKind, "area", c.Area, sms.MaxShort), sms.CheckText(AuditKind, "title", c.Title, sms.MaxShort),
		audCheckWindow("window", c.Window), audCheckTeam(c.Lead, c.Auditors, c.Overrides))
}

// Validate implements [sms.Command].
func (c AuditAssignment) Validate() error { return audCheckTeam(c.Lead, c.Auditors, c.Overrides) }

// Validate implements [sms.Command].
func (c AuditorAddition) Validate() error {
	return sms.FirstError(sms.CheckRef(AuditKind, "auditor", c.Auditor), sms.CheckText(AuditKind, "justification", c.Justification, sms.MaxText))
}

// Validate implements [sms.Command].
func (c OverrideApproval) Validate() error { return sms.CheckRef(AuditKind, "auditor", c.Auditor) }

// Validate implements [sms.Command].
func (c AuditPreparation) Validate() error {
	return sms.FirstError(sms.CheckTexts(AuditKind, "criteria", c.Criteria, sms.MaxText),
		sms.CheckTexts(AuditKind, "scope.services", c.Scope.Services, sms.MaxShort), sms.CheckTexts(AuditKind, "scope.sites", c.Scope.Sites, sms.MaxShort),
		sms.CheckTexts(AuditKind, "scope.processes", c.Scope.Processes, sms.MaxShort), sms.CheckTexts(AuditKind, "scope.units", c.Scope.Units, sms.MaxShort))
}

// Validate implements [sms.Command].
func (AuditFieldworkStart) Validate() error { return nil }

// Validate implements [sms.Command]: a type other than [FindingTypes] is
// malformed, as is a sampled record ID that is not an ID.
func (c FindingRecord) Validate() error {
	if c.Type != "" && !slices.Contains(FindingTypes(), c.Type) {
		return sms.Invalid(AuditKind, "type", "%q is not a finding type", c.Type)
	}
	if err := sms.FirstError(sms.CheckText(AuditKind, "statement", c.Statement, sms.MaxText),
		sms.CheckText(AuditKind, "criterion", c.Criterion, sms.MaxShort), sms.CheckRefs(AuditKind, "sample", c.Sample),
		sms.CheckText(AuditKind, "query", c.Query, sms.MaxText), sms.CheckText(AuditKind, "seed", c.Seed, sms.MaxShort),
		sms.CheckText(AuditKind, "population_digest", c.PopulationDigest, sms.MaxShort),
		sms.CheckTexts(AuditKind, "evidence", c.Evidence, sms.MaxShort)); err != nil {
		return err
	}
	if len(c.Checks) > sms.MaxList {
		return sms.Invalid(AuditKind, "checks", "has more than %d entries", sms.MaxList)
	}
	for _, k := range c.Checks {
		if err := sms.FirstError(sms.CheckText(AuditKind, "checks.check", k.Check, sms.MaxShort),
			sms.CheckText(AuditKind, "checks.clause", k.Clause, sms.MaxShort), sms.CheckRefs(AuditKind, "checks.failed_ids", k.FailedIDs)); err != nil {
			return err
		}
		if sms.Blank(k.Check) || k.Population < 0 || k.Failed < 0 || k.Failed > k.Population {
			return sms.Invalid(AuditKind, "checks", "a check's evidence names the check, and no more failures than its population")
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (c FindingAcknowledgement) Validate() error {
	return sms.CheckRef(AuditKind, "finding", c.Finding)
}

// Validate implements [sms.Command].
func (AuditFieldworkEnd) Validate() error { return nil }

// Validate implements [sms.Command]: a manager notified twice is
// malformed.
func (c AuditReportIssue) Validate() error {
	if err := sms.FirstError(sms.CheckText(AuditKind, "conformity", c.Conformity, sms.MaxText),
		sms.CheckText(AuditKind, "effectiveness", c.Effectiveness, sms.MaxText), sms.CheckText(AuditKind, "summary", c.Summary, sms.MaxText),
		sms.CheckRef(AuditKind, "document", c.Document), sms.CheckRefs(AuditKind, "notified", c.Notified)); err != nil {
		return err
	}
	for i, m := range c.Notified {
		if slices.Contains(c.Notified[:i], m) {
			return sms.Invalid(AuditKind, "notified", "%q is listed twice", m)
		}
	}
	return nil
}

// Validate implements [sms.Command].
func (AuditFollowUpStart) Validate() error { return nil }

// Validate implements [sms.Command].
func (c FindingLink) Validate() error {
	return sms.FirstError(sms.CheckRef(AuditKind, "finding", c.Finding), sms.CheckRef(AuditKind, "link", c.Link))
}

// Validate implements [sms.Command].
func (AuditClosure) Validate() error { return nil }

// Validate implements [sms.Command].
func (c AuditRescheduling) Validate() error {
	return sms.FirstError(audCheckWindow("window", c.Window), sms.CheckText(AuditKind, "reason", c.Reason, sms.MaxText))
}

// Validate implements [sms.Command].
func (c AuditCancellation) Validate() error {
	return sms.CheckText(AuditKind, "reason", c.Reason, sms.MaxText)
}

type audTx = sms.Transition[*Audit]

func audCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func audGuard(id, text string, check func(*audTx) bool) sms.Guard[*Audit] {
	return sms.Guard[*Audit]{Requirement: audCite(id, text), Check: check}
}

func audRecordOnly(id, text string, check func(*audTx) bool) sms.Guard[*Audit] {
	return sms.Guard[*Audit]{Requirement: audCite(id, text), Check: check, RecordOnly: true}
}

func audSegregation(id, text string, check func(*audTx) string) sms.Segregation[*Audit] {
	return sms.Segregation[*Audit]{Requirement: audCite(id, text), Check: check}
}

// audLooked is what a rule's Prepare read: the audit's programme, and the
// nonconformity or opportunity a finding links.
type audLooked struct {
	found  bool
	facts  ProgrammeFacts
	linked bool // the linked record exists
}

func audPrepared(t *audTx) *audLooked {
	p, _ := t.Prepared.(*audLooked)
	if p == nil {
		return &audLooked{}
	}
	return p
}

func audProgramme(programmes ProgrammeFinder, of func(*audTx) string) func(context.Context, *audTx) error {
	return func(ctx context.Context, t *audTx) error {
		p := &audLooked{}
		t.Prepared = p
		if programmes == nil {
			return nil
		}
		var err error
		p.facts, p.found, err = sms.Lookup(ctx, of(t), programmes.ProgrammeFacts)
		return err
	}
}

func audOwnProgramme(t *audTx) string { return t.Entity.Programme }

// audJustified reports whether a request among ovs overrides the auditor
// with a justification.
func audJustified(ovs []OverrideRequest, auditor string) bool {
	return slices.ContainsFunc(ovs, func(o OverrideRequest) bool { return o.Auditor == auditor && !sms.Blank(o.Justification) })
}

// audAssignable returns why the team may not audit the areas, or "": the
// programme must declare its involvement map (nobody is assumed
// impartial, clarification 7), and every auditor who owns or works in an
// area must have an override justified. skipUnknown leaves an unknown
// programme to the guard that refuses it.
func audAssignable(p *audLooked, areas, team []string, justified func(string) bool, skipUnknown bool) string {
	if !p.found {
		if skipUnknown {
			return ""
		}
		return "the audit's programme is not found, so no involvement is declared and nobody is assumed impartial"
	}
	inv := p.facts.Involvement
	if !inv.Declared() {
		return "the programme declares nobody's involvement in its areas, so nobody is assumed impartial and no auditor is assigned"
	}
	for _, who := range team {
		if cs := inv.Conflicts(who, areas); len(cs) > 0 && !justified(who) {
			return fmt.Sprintf("auditor %q owns or works in %s, which the audit covers, and no override with a justification is requested for them", who, strings.Join(cs, ", "))
		}
	}
	return ""
}

// audUnimpartial returns the auditors of the audit, judged for areas, who
// own or work in one of them without an approved override: all of them
// when the programme declares no involvement.
func audUnimpartial(p *audLooked, x *Audit, areas []string) []string {
	inv := p.facts.Involvement
	var out []string
	for _, who := range x.Auditors {
		if !p.found || !inv.Declared() || (len(inv.Conflicts(who, areas)) > 0 && !x.Approved(who)) {
			out = append(out, who)
		}
	}
	return out
}

// audActing returns the segregation rules comparing the acting auditor:
// one of the audit's auditors, impartial for its areas or holding an
// approved override (AUD-04).
func audActing() []sms.Segregation[*Audit] {
	return []sms.Segregation[*Audit]{
		audSegregation("AUD-04", "an audit is run by the auditors assigned to it", func(t *audTx) string {
			if !slices.Contains(t.Entity.Auditors, t.Actor.ID) {
				return "the actor " + strconv.Quote(t.Actor.ID) + " is not one of the audit's auditors"
			}
			return ""
		}),
		audSegregation("AUD-04", "an auditor who owns or works in an audited area acts only under an approved override", func(t *audTx) string {
			p, x := audPrepared(t), t.Entity
			if !p.found || !p.facts.Involvement.Declared() {
				return "the audit's programme declares nobody's involvement, so the actor is not assumed impartial"
			}
			if cs := p.facts.Involvement.Conflicts(t.Actor.ID, x.Areas()); len(cs) > 0 && !x.Approved(t.Actor.ID) {
				return fmt.Sprintf("the actor %q owns or works in %s, which the audit covers, and holds no approved override", t.Actor.ID, strings.Join(cs, ", "))
			}
			return ""
		}),
	}
}

// audTeamGuard requires a lead named among the auditors.
func audTeamGuard(lead func(*audTx) string, auditors func(*audTx) []string) sms.Guard[*Audit] {
	return audGuard("AUD-04", "an audit names its auditors and its lead among them", func(t *audTx) bool {
		l, as := lead(t), auditors(t)
		return l != "" && slices.Contains(as, l)
	})
}

// audRequestsGuard requires a justification of every override requested.
func audRequestsGuard(ovs func(*audTx) []OverrideRequest) sms.Guard[*Audit] {
	return audGuard("AUD-04", "an override requested gives its justification", func(t *audTx) bool {
		return !slices.ContainsFunc(ovs(t), func(o OverrideRequest) bool { return sms.Blank(o.Justification) })
	})
}

// audRequest stores the override requests, pending, replacing an earlier
// override of the same auditor; journaled.
func audRequest(t *audTx, ovs []OverrideRequest) {
	x := t.Entity
	for _, r := range ovs {
		x.Overrides = slices.DeleteFunc(x.Overrides, func(o Override) bool { return o.Auditor == r.Auditor })
		x.Overrides = append(x.Overrides, Override{Auditor: r.Auditor, Justification: r.Justification, RequestedBy: t.Actor.ID})
		t.Record("override", r.Auditor)
		t.Record("justification", r.Justification)
	}
}

func audRecordTeam(t *audTx) {
	for _, a := range t.Entity.Auditors {
		t.Record("auditor", a)
	}
}

func auditDefinition(programmes ProgrammeFinder, ncs NonconformityFinder, ops OpportunityFinder) sms.Definition[*Audit] {
	owners := []sms.Role{RoleProgrammeOwner}
	auditors := []sms.Role{RoleAuditor}
	early := sms.StatesOf(AuditPlanned, AuditPrepared, AuditRescheduled)
	own := audProgramme(programmes, audOwnProgramme)
	return sms.Definition[*Audit]{
		Kind: AuditKind, States: sms.StatesOf(AuditStatuses()...), Terminal: sms.StatesOf(AuditClosed, AuditCancelled),
		New: func() *Audit { return &Audit{} }, Catalogue: AuditRequirements(),
		Rules: []sms.Rule[*Audit]{
			{
				Trigger: string(TriggerAuditPlan), To: string(AuditPlanned), Roles: owners, Command: AuditPlanning{},
				Doc:     "Plan an audit of an area of an approved programme: its window, its lead and auditors, and any impartiality override requested.",
				Prepare: audProgramme(programmes, func(t *audTx) string { return sms.CommandOf[AuditPlanning](t).Programme }),
				Segregation: []sms.Segregation[*Audit]{audSegregation("AUD-04", "no auditor is assigned to an area they own or work in without a justified override, nor under a programme that declares nobody's involvement", func(t *audTx) string {
					c := sms.CommandOf[AuditPlanning](t)
					team := slices.Clone(c.Auditors)
					if c.Lead != "" && !slices.Contains(team, c.Lead) {
						team = append(team, c.Lead)
					}
					return audAssignable(audPrepared(t), audAreas(c.Area, AuditScope{}), team, func(who string) bool { return audJustified(c.Overrides, who) }, true)
				})},
				Guards: []sms.Guard[*Audit]{
					audGuard("AUD-02", "an audit is planned in a programme that exists, is approved and covers the audited area", func(t *audTx) bool {
						p, c := audPrepared(t), sms.CommandOf[AuditPlanning](t)
						return p.found && p.facts.Status == "approved" && !sms.Blank(c.Area) && slices.Contains(p.facts.Areas, c.Area)
					}),
					audGuard("AUD-01", "an audit is scheduled: it has a title and a window that ends after it starts", func(t *audTx) bool {
						c := sms.CommandOf[AuditPlanning](t)
						return !sms.Blank(c.Title) && c.Window.valid()
					}),
					audTeamGuard(func(t *audTx) string { return sms.CommandOf[AuditPlanning](t).Lead }, func(t *audTx) []string { return sms.CommandOf[AuditPlanning](t).Auditors }),
					audRequestsGuard(func(t *audTx) []OverrideRequest { return sms.CommandOf[AuditPlanning](t).Overrides }),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditPlanning](t), t.Entity
					x.ID, x.Programme, x.Area, x.Title = c.ID, c.Programme, c.Area, c.Title
					x.Window = AuditWindow{Start: sms.Micro(c.Window.Start), End: sms.Micro(c.Window.End)}
					x.Lead, x.Auditors = c.Lead, slices.Clone(c.Auditors)
					x.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("programme", c.Programme)
					t.Record("area", c.Area)
					t.Record("title", c.Title)
					t.RecordTime("start", x.Window.Start)
					t.RecordTime("end", x.Window.End)
					t.Record("lead", c.Lead)
					audRecordTeam(t)
					audRequest(t, c.Overrides)
				},
			},
			{
				Trigger: string(TriggerAuditAssign), From: early, Roles: owners, Command: AuditAssignment{},
				Requirement: audCite("AUD-04", "auditors are reassigned only before fieldwork"),
				Doc:         "Reassign the lead and auditors, with any override requested; overrides of auditors no longer assigned are dropped.",
				Prepare:     own,
				Segregation: []sms.Segregation[*Audit]{audSegregation("AUD-04", "no auditor is assigned to an area they own or work in without a justified override, nor under a programme that declares nobody's involvement", func(t *audTx) string {
					c, x := sms.CommandOf[AuditAssignment](t), t.Entity
					team := slices.Clone(c.Auditors)
					if c.Lead != "" && !slices.Contains(team, c.Lead) {
						team = append(team, c.Lead)
					}
					return audAssignable(audPrepared(t), x.Areas(), team, func(who string) bool {
						return audJustified(c.Overrides, who) || slices.ContainsFunc(x.Overrides, func(o Override) bool { return o.Auditor == who })
					}, false)
				})},
				Guards: []sms.Guard[*Audit]{
					audTeamGuard(func(t *audTx) string { return sms.CommandOf[AuditAssignment](t).Lead }, func(t *audTx) []string { return sms.CommandOf[AuditAssignment](t).Auditors }),
					audRequestsGuard(func(t *audTx) []OverrideRequest { return sms.CommandOf[AuditAssignment](t).Overrides }),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditAssignment](t), t.Entity
					t.RecordChange("lead", x.Lead, c.Lead)
					x.Lead, x.Auditors = c.Lead, slices.Clone(c.Auditors)
					x.Overrides = slices.DeleteFunc(x.Overrides, func(o Override) bool { return !slices.Contains(x.Auditors, o.Auditor) })
					audRecordTeam(t)
					audRequest(t, c.Overrides)
				},
			},
			{
				Trigger: string(TriggerAuditAddAuditor), From: sms.StatesOf(AuditPlanned, AuditPrepared, AuditRescheduled, AuditFieldwork), Roles: owners, Command: AuditorAddition{},
				Requirement: audCite("AUD-04", "a co-auditor joins before the fieldwork ends"),
				Doc:         "Add a co-auditor, with the justification of an override if they own or work in an audited area; during fieldwork only an impartial one, an override being approved before fieldwork.",
				Prepare:     own,
				Segregation: []sms.Segregation[*Audit]{audSegregation("AUD-04", "no auditor is assigned to an area they own or work in without a justified override approved before fieldwork, nor under a programme that declares nobody's involvement", func(t *audTx) string {
					c, x := sms.CommandOf[AuditorAddition](t), t.Entity
					justified := func(string) bool { return !sms.Blank(c.Justification) }
					if x.Status == AuditFieldwork {
						justified = func(string) bool { return false }
					}
					return audAssignable(audPrepared(t), x.Areas(), []string{c.Auditor}, justified, false)
				})},
				Guards: []sms.Guard[*Audit]{audGuard("AUD-04", "a co-auditor is named and not already assigned", func(t *audTx) bool {
					c := sms.CommandOf[AuditorAddition](t)
					return c.Auditor != "" && !slices.Contains(t.Entity.Auditors, c.Auditor)
				})},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditorAddition](t), t.Entity
					x.Auditors = append(x.Auditors, c.Auditor)
					t.Record("auditor", c.Auditor)
					if !sms.Blank(c.Justification) {
						audRequest(t, []OverrideRequest{{Auditor: c.Auditor, Justification: c.Justification}})
					}
				},
			},
			{
				Trigger: string(TriggerAuditApproveOverride), From: early, Roles: owners, Command: OverrideApproval{},
				Requirement: audCite("AUD-04", "an override is approved before fieldwork"),
				Doc:         "Approve the pending override of an auditor: by the programme's owner, who is neither that auditor nor its requester.",
				Prepare:     own,
				Segregation: []sms.Segregation[*Audit]{
					audSegregation("AUD-04", "an impartiality override is approved by the programme's owner", func(t *audTx) string {
						p := audPrepared(t)
						if !p.found || p.facts.Owner == "" || p.facts.Owner != t.Actor.ID {
							return "the actor " + strconv.Quote(t.Actor.ID) + " is not the owner of the audit's programme"
						}
						return ""
					}),
					audSegregation("AUD-04", "no auditor approves the override of their own impartiality", func(t *audTx) string {
						if sms.CommandOf[OverrideApproval](t).Auditor == t.Actor.ID {
							return "the actor " + strconv.Quote(t.Actor.ID) + " is the auditor overridden"
						}
						return ""
					}),
					audSegregation("AUD-04", "an override is approved by another person than its requester", func(t *audTx) string {
						c := sms.CommandOf[OverrideApproval](t)
						if slices.ContainsFunc(t.Entity.Overrides, func(o Override) bool { return o.Auditor == c.Auditor && o.RequestedBy == t.Actor.ID }) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " requested this override"
						}
						return ""
					}),
				},
				Guards: []sms.Guard[*Audit]{audGuard("AUD-04", "an override approved is pending, for an auditor assigned", func(t *audTx) bool {
					c, x := sms.CommandOf[OverrideApproval](t), t.Entity
					return slices.Contains(x.Auditors, c.Auditor) && slices.ContainsFunc(x.Overrides, func(o Override) bool { return o.Auditor == c.Auditor && o.Pending() })
				})},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[OverrideApproval](t), t.Entity
					for i := range x.Overrides {
						if o := &x.Overrides[i]; o.Auditor == c.Auditor && o.Pending() {
							o.ApprovedBy, o.ApprovedAt = t.Actor.ID, t.Now
							t.Record("auditor", o.Auditor)
							t.Record("justification", o.Justification)
							t.Record("requested_by", o.RequestedBy)
						}
					}
					x.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
				},
			},
			{
				Trigger: string(TriggerAuditPrepare), From: sms.StatesOf(AuditPlanned, AuditRescheduled), To: string(AuditPrepared), Roles: auditors, Command: AuditPreparation{},
				Requirement: audCite("AUD-03", "an audit is prepared once, before its fieldwork"),
				Doc:         "Set the criteria and scope; every auditor impartial for the audited areas or holding an approved override.",
				Prepare:     own,
				Guards: []sms.Guard[*Audit]{
					audGuard("AUD-03", "an audit has at least one criterion and a scope naming at least one service, site, process or unit", func(t *audTx) bool {
						c := sms.CommandOf[AuditPreparation](t)
						return slices.ContainsFunc(c.Criteria, func(s string) bool { return !sms.Blank(s) }) && !c.Scope.Empty()
					}),
					audGuard("AUD-04", "every auditor is impartial for the audited area and the processes and units of the scope, or holds an approved override", func(t *audTx) bool {
						c := sms.CommandOf[AuditPreparation](t)
						return len(t.Entity.Auditors) > 0 && len(audUnimpartial(audPrepared(t), t.Entity, audAreas(t.Entity.Area, c.Scope))) == 0
					}),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditPreparation](t), t.Entity
					x.Criteria, x.Scope = slices.Clone(c.Criteria), c.Scope.clone()
					for _, k := range c.Criteria {
						t.Record("criterion", k)
					}
					for _, l := range []struct {
						key  string
						list []string
					}{{"service", c.Scope.Services}, {"site", c.Scope.Sites}, {"process", c.Scope.Processes}, {"unit", c.Scope.Units}} {
						for _, v := range l.list {
							t.Record(l.key, v)
						}
					}
				},
			},
			{
				Trigger: string(TriggerAuditStartFieldwork), From: sms.StatesOf(AuditPrepared), To: string(AuditFieldwork), Roles: auditors, Command: AuditFieldworkStart{},
				Requirement: audCite("AUD-03", "fieldwork starts once the audit is prepared"),
				Doc:         "Start the fieldwork, as one of the audit's impartial auditors.",
				Prepare:     own,
				Segregation: audActing(),
				Guards: []sms.Guard[*Audit]{
					audRecordOnly("AUD-03", "the audit's criteria and scope are set", func(t *audTx) bool {
						return len(t.Entity.Criteria) > 0 && !t.Entity.Scope.Empty()
					}),
					audRecordOnly("AUD-04", "every auditor is impartial for the audited areas or holds an approved override", func(t *audTx) bool {
						return len(audUnimpartial(audPrepared(t), t.Entity, t.Entity.Areas())) == 0
					}),
				},
				Apply: func(t *audTx) { t.Record("auditor", t.Actor.ID) },
			},
			{
				Trigger: string(TriggerAuditRecordFinding), From: sms.StatesOf(AuditFieldwork, AuditReporting), Roles: auditors, Command: FindingRecord{},
				Requirement: audCite("AUD-07", "findings are recorded during fieldwork and reporting"),
				Doc:         "Record a finding, as one of the audit's impartial auditors: a nonconformity against its criterion, a sample with its query.",
				Prepare:     own,
				Segregation: audActing(),
				Guards: []sms.Guard[*Audit]{
					audGuard("AUD-07", "a finding states its type and what was found", func(t *audTx) bool {
						c := sms.CommandOf[FindingRecord](t)
						return c.Type != "" && !sms.Blank(c.Statement)
					}),
					audGuard("AUD-07", "a nonconformity finding names the requirement it is against", func(t *audTx) bool {
						c := sms.CommandOf[FindingRecord](t)
						return !c.Type.IsNonconformity() || !sms.Blank(c.Criterion)
					}),
					audGuard("AUD-08", "a finding that sampled records keeps the query that drew them", func(t *audTx) bool {
						c := sms.CommandOf[FindingRecord](t)
						return len(c.Sample) == 0 || !sms.Blank(c.Query)
					}),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[FindingRecord](t), t.Entity
					f := Finding{ID: "F-" + strconv.Itoa(len(x.Findings)+1), Type: c.Type, Statement: c.Statement, Criterion: c.Criterion,
						Sample: slices.Clone(c.Sample), Query: c.Query, Seed: c.Seed, PopulationDigest: c.PopulationDigest,
						Evidence: slices.Clone(c.Evidence), Checks: slices.Clone(c.Checks), Status: FindingDraft, RaisedBy: t.Actor.ID}
					f = f.clone()
					x.Findings = append(x.Findings, f)
					t.Record("finding", f.ID)
					t.Record("type", string(f.Type))
					t.Record("statement", f.Statement)
					if f.Criterion != "" {
						t.Record("criterion", f.Criterion)
					}
					for _, s := range f.Sample {
						t.Record("sample", s)
					}
					if f.Query != "" {
						t.Record("query", f.Query)
					}
					if f.Seed != "" {
						t.Record("seed", f.Seed)
					}
					if f.PopulationDigest != "" {
						t.Record("population_digest", f.PopulationDigest)
					}
					for _, e := range f.Evidence {
						t.Record("evidence", e)
					}
					for _, k := range f.Checks {
						t.Record("check", fmt.Sprintf("%s (clause %s): %d of %d failed", k.Check, k.Clause, k.Failed, k.Population))
					}
				},
			},
			{
				Trigger: string(TriggerAuditAcknowledge), From: sms.StatesOf(AuditFieldwork, AuditReporting), Roles: []sms.Role{RoleAuditee}, Command: FindingAcknowledgement{},
				Requirement: audCite("AUD-07", "findings are acknowledged during fieldwork and reporting"),
				Doc:         "Acknowledge a draft finding for the auditee, who is not one of the audit's auditors: it is confirmed.",
				Segregation: []sms.Segregation[*Audit]{audSegregation("AUD-04", "a finding is acknowledged by the auditee, not by one of the audit's auditors", func(t *audTx) string {
					if slices.Contains(t.Entity.Auditors, t.Actor.ID) {
						return "the actor " + strconv.Quote(t.Actor.ID) + " is one of the audit's auditors"
					}
					return ""
				})},
				Guards: []sms.Guard[*Audit]{audGuard("AUD-07", "the finding acknowledged is a draft of the audit", func(t *audTx) bool {
					i := audFinding(t.Entity, sms.CommandOf[FindingAcknowledgement](t).Finding)
					return i >= 0 && t.Entity.Findings[i].Status == FindingDraft
				})},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[FindingAcknowledgement](t), t.Entity
					if i := audFinding(x, c.Finding); i >= 0 {
						x.Findings[i].Status, x.Findings[i].AcknowledgedBy = FindingConfirmed, t.Actor.ID
					}
					x.Parties.Add(sms.PartyAudited, t.Actor.ID, true)
					t.Record("finding", c.Finding)
				},
			},
			{
				Trigger: string(TriggerAuditEndFieldwork), From: sms.StatesOf(AuditFieldwork), To: string(AuditReporting), Roles: auditors, Command: AuditFieldworkEnd{},
				Requirement: audCite("AUD-01", "only fieldwork under way is ended"),
				Doc:         "End the fieldwork.",
				Apply:       func(*audTx) {},
			},
			{
				Trigger: string(TriggerAuditReport), From: sms.StatesOf(AuditReporting), To: string(AuditReported), Roles: auditors, Command: AuditReportIssue{},
				Requirement: audCite("AUD-05", "an audit is reported once, after its fieldwork"),
				Doc:         "Issue the report, by the lead auditor: both conclusions, its document, the managers notified; every finding confirmed.",
				Prepare:     own,
				Segregation: append([]sms.Segregation[*Audit]{audSegregation("AUD-05", "an audit's report is issued by its lead auditor", func(t *audTx) string {
					if t.Actor.ID != t.Entity.Lead {
						return "the actor " + strconv.Quote(t.Actor.ID) + " is not the audit's lead auditor"
					}
					return ""
				})}, audActing()...),
				Guards: []sms.Guard[*Audit]{
					audGuard("AUD-01", "the report concludes on conformity and on effectiveness, separately", func(t *audTx) bool {
						c := sms.CommandOf[AuditReportIssue](t)
						return !sms.Blank(c.Conformity) && !sms.Blank(c.Effectiveness)
					}),
					audGuard("AUD-05", "the report names its document and at least one manager notified", func(t *audTx) bool {
						c := sms.CommandOf[AuditReportIssue](t)
						return c.Document != "" && len(c.Notified) > 0
					}),
					audRecordOnly("AUD-07", "every finding is confirmed by the auditee before the report", func(t *audTx) bool {
						return !slices.ContainsFunc(t.Entity.Findings, func(f Finding) bool { return f.Status == FindingDraft })
					}),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditReportIssue](t), t.Entity
					x.Report = &AuditReport{Conformity: c.Conformity, Effectiveness: c.Effectiveness, Summary: c.Summary, Document: c.Document, IssuedAt: t.Now}
					x.Notified = slices.Clone(c.Notified)
					t.Record("conformity", c.Conformity)
					t.Record("effectiveness", c.Effectiveness)
					t.Record("document", c.Document)
					for _, m := range c.Notified {
						t.Record("notified", m)
					}
				},
			},
			{
				Trigger: string(TriggerAuditFollowUp), From: sms.StatesOf(AuditReported), To: string(AuditFollowUp), Roles: auditors, Command: AuditFollowUpStart{},
				Requirement: audCite("AUD-07", "a reported audit is followed up"),
				Doc:         "Start following up the findings.",
				Apply:       func(*audTx) {},
			},
			{
				Trigger: string(TriggerAuditLinkFinding), From: sms.StatesOf(AuditReported, AuditFollowUp), Roles: auditors, Command: FindingLink{},
				Requirement: audCite("AUD-07", "findings are linked once the audit is reported"),
				Doc:         "Link a confirmed finding: a nonconformity to a nonconformity record, an opportunity for improvement to an opportunity, each existing.",
				Prepare: func(ctx context.Context, t *audTx) error {
					p := &audLooked{}
					t.Prepared = p
					c, x := sms.CommandOf[FindingLink](t), t.Entity
					i := audFinding(x, c.Finding)
					if i < 0 {
						return nil
					}
					var err error
					switch ty := x.Findings[i].Type; {
					case ty.IsNonconformity() && ncs != nil:
						_, p.linked, err = sms.Lookup(ctx, c.Link, ncs.NonconformityFacts)
					case ty == FindingOFI && ops != nil:
						_, p.linked, err = sms.Lookup(ctx, c.Link, ops.OpportunityFacts)
					}
					return err
				},
				Guards: []sms.Guard[*Audit]{
					audGuard("AUD-07", "the finding linked is a confirmed finding of the audit, not yet linked", func(t *audTx) bool {
						i := audFinding(t.Entity, sms.CommandOf[FindingLink](t).Finding)
						return i >= 0 && t.Entity.Findings[i].Status == FindingConfirmed
					}),
					audGuard("AUD-07", "a nonconformity finding links a nonconformity that exists, an opportunity for improvement an opportunity that exists; an observation links nothing", func(t *audTx) bool {
						return audPrepared(t).linked
					}),
				},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[FindingLink](t), t.Entity
					if i := audFinding(x, c.Finding); i >= 0 {
						x.Findings[i].Link, x.Findings[i].Status = c.Link, FindingLinked
					}
					t.Record("finding", c.Finding)
					t.Record("link", c.Link)
				},
			},
			{
				Trigger: string(TriggerAuditClose), From: sms.StatesOf(AuditFollowUp), To: string(AuditClosed), Roles: auditors, Command: AuditClosure{},
				Requirement: audCite("AUD-06", "only an audit in follow-up is closed, and a closed audit is frozen"),
				Doc:         "Close the audit, every nonconformity finding linked to its nonconformity (which may still be open); it is frozen.",
				Guards: []sms.Guard[*Audit]{
					audRecordOnly("AUD-07", "every nonconformity finding links its nonconformity", func(t *audTx) bool {
						return !slices.ContainsFunc(t.Entity.Findings, func(f Finding) bool {
							return f.Type.IsNonconformity() && (f.Status != FindingLinked || f.Link == "")
						})
					}),
					audRecordOnly("AUD-05", "the audit's report was issued", func(t *audTx) bool { return t.Entity.Report != nil }),
				},
				Apply: func(*audTx) {},
			},
			{
				Trigger: string(TriggerAuditReschedule), From: sms.StatesOf(AuditPlanned, AuditPrepared), To: string(AuditRescheduled), Roles: owners, Command: AuditRescheduling{},
				Requirement: audCite("AUD-01", "only an audit not yet held is rescheduled"),
				Doc:         "Move the audit to a new window, with the reason.",
				Guards: []sms.Guard[*Audit]{audGuard("AUD-01", "a rescheduled audit gives its new window and the reason", func(t *audTx) bool {
					c := sms.CommandOf[AuditRescheduling](t)
					return c.Window.valid() && !sms.Blank(c.Reason)
				})},
				Apply: func(t *audTx) {
					c, x := sms.CommandOf[AuditRescheduling](t), t.Entity
					w := AuditWindow{Start: sms.Micro(c.Window.Start), End: sms.Micro(c.Window.End)}
					t.RecordTime("start.old", x.Window.Start)
					t.RecordTime("end.old", x.Window.End)
					t.RecordTime("start", w.Start)
					t.RecordTime("end", w.End)
					x.Window, x.Reason = w, c.Reason
					t.SetReason(c.Reason)
				},
			},
			{
				Trigger: string(TriggerAuditCancel), From: early, To: string(AuditCancelled), Roles: owners, Command: AuditCancellation{},
				Requirement: audCite("AUD-01", "only an audit not yet held is cancelled"),
				Doc:         "Cancel the audit, with the reason; it counts against the programme's coverage.",
				Guards: []sms.Guard[*Audit]{audGuard("AUD-01", "a cancelled audit gives its reason", func(t *audTx) bool {
					return !sms.Blank(sms.CommandOf[AuditCancellation](t).Reason)
				})},
				Apply: func(t *audTx) {
					t.Entity.Reason = sms.CommandOf[AuditCancellation](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
		},
	}
}

// AuditWorkflow returns the compiled audit workflow, for introspection and
// documentation.
func AuditWorkflow() *sms.Workflow[*Audit] {
	return sms.MustWorkflow(auditDefinition(nil, nil, nil))
}

// Audits runs internal audits on a store (AUD-01, AUD-03 to AUD-08): one
// typed method per trigger, each one transition through the pipeline.
type Audits struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Audit, AuditTrigger, AuditCommand]
	m *sms.Machine[*Audit]
}

// NewAudits compiles the audit workflow and binds it to the store, with
// the host's programmes (nil: none is found, so no audit is planned, and
// no involvement is declared, so nobody is assigned), its nonconformities
// and its improvement opportunities (nil: none exists, so no finding of
// the kind is linked).
func NewAudits(store sms.Store[*Audit], programmes ProgrammeFinder, ncs NonconformityFinder, ops OpportunityFinder, opts sms.Options) (*Audits, error) {
	m, r, err := sms.Bind[*Audit, AuditTrigger, AuditCommand](auditDefinition(programmes, ncs, ops), store, opts)
	if err != nil {
		return nil, err
	}
	return &Audits{Records: r, m: m}, nil
}

// Plan plans an audit in its programme (AUD-02, AUD-04).
func (s *Audits) Plan(ctx context.Context, a sms.Actor, c AuditPlanning) (*Audit, error) {
	return s.m.Create(ctx, a, c)
}

// Assign reassigns the lead and auditors (AUD-04).
func (s *Audits) Assign(ctx context.Context, a sms.Actor, id string, c AuditAssignment) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditAssign), c)
}

// AddAuditor adds a co-auditor (AUD-04).
func (s *Audits) AddAuditor(ctx context.Context, a sms.Actor, id string, c AuditorAddition) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditAddAuditor), c)
}

// ApproveOverride approves an auditor's pending impartiality override
// (AUD-04).
func (s *Audits) ApproveOverride(ctx context.Context, a sms.Actor, id string, c OverrideApproval) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditApproveOverride), c)
}

// Prepare sets the criteria and scope (AUD-03, AUD-04).
func (s *Audits) Prepare(ctx context.Context, a sms.Actor, id string, c AuditPreparation) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditPrepare), c)
}

// StartFieldwork starts the fieldwork (AUD-03, AUD-04).
func (s *Audits) StartFieldwork(ctx context.Context, a sms.Actor, id string, c AuditFieldworkStart) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditStartFieldwork), c)
}

// RecordFinding records a finding (AUD-07, AUD-08).
func (s *Audits) RecordFinding(ctx context.Context, a sms.Actor, id string, c FindingRecord) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditRecordFinding), c)
}

// Acknowledge confirms a draft finding for the auditee (AUD-07).
func (s *Audits) Acknowledge(ctx context.Context, a sms.Actor, id string, c FindingAcknowledgement) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditAcknowledge), c)
}

// EndFieldwork ends the fieldwork.
func (s *Audits) EndFieldwork(ctx context.Context, a sms.Actor, id string, c AuditFieldworkEnd) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditEndFieldwork), c)
}

// Report issues the report to management (AUD-01, AUD-05).
func (s *Audits) Report(ctx context.Context, a sms.Actor, id string, c AuditReportIssue) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditReport), c)
}

// FollowUp starts the follow-up of a reported audit.
func (s *Audits) FollowUp(ctx context.Context, a sms.Actor, id string, c AuditFollowUpStart) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditFollowUp), c)
}

// LinkFinding links a finding to its nonconformity or opportunity
// (AUD-07).
func (s *Audits) LinkFinding(ctx context.Context, a sms.Actor, id string, c FindingLink) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditLinkFinding), c)
}

// Close closes the audit, which is then frozen (AUD-06, AUD-07).
func (s *Audits) Close(ctx context.Context, a sms.Actor, id string, c AuditClosure) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditClose), c)
}

// Reschedule moves the audit to a new window (AUD-01).
func (s *Audits) Reschedule(ctx context.Context, a sms.Actor, id string, c AuditRescheduling) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditReschedule), c)
}

// Cancel cancels the audit (AUD-01).
func (s *Audits) Cancel(ctx context.Context, a sms.Actor, id string, c AuditCancellation) (*Audit, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuditCancel), c)
}

// Do runs any audit command as its typed method does; an [AuditPlanning]
// carries its own ID, and id must then be empty.
func (s *Audits) Do(ctx context.Context, a sms.Actor, id string, c AuditCommand) (*Audit, error) {
	return s.m.Do(ctx, a, id, c)
}

// audHeld lists the statuses at or past reported: audits held whose
// conduct check 13 judges.
var audHeld = []AuditStatus{AuditReported, AuditFollowUp, AuditClosed}

// audOverrideApproved reports whether the auditor's override is approved
// by someone else: on the record, and, when the journal is given, by an
// approve_override entry for the auditor whose actor is not the auditor,
// after the last request of that override.
func audOverrideApproved(x *Audit, journal []sms.Entry, who string) bool {
	i := slices.IndexFunc(x.Overrides, func(o Override) bool { return o.Auditor == who })
	if i < 0 || x.Overrides[i].Pending() || x.Overrides[i].ApprovedBy == who {
		return false
	}
	if journal == nil {
		return true
	}
	approved := false
	for _, e := range journal {
		switch e.Trigger {
		case string(TriggerAuditPlan), string(TriggerAuditAssign), string(TriggerAuditAddAuditor):
			if slices.Contains(e.Payload, sms.Field{Key: "override", Value: who}) {
				approved = false // a new request: pending again
			}
		case string(TriggerAuditApproveOverride):
			if a, _ := sms.Get(e.Payload, "auditor"); a == who {
				approved = e.Actor.ID != who
			}
		}
	}
	return approved
}

// AuditConformChecks returns the per-audit part of check 13 (internal
// audit programme effective), for the programme's conformance run and for
// tests; inv returns the involvement map of a programme (nil, or a nil
// map: none is declared, and no auditor is impartial).
//
// internal-audit-conduct: every audit at or past reported has criteria
// and a scope (AUD-03), an impartial auditor set (AUD-04), judged from
// the journal where it is given (every assigned auditor and every actor
// of start_fieldwork, record_finding and report, each impartial for the
// audit's areas or holding an override approved, by the journal's actor
// of approve_override, by someone other than the auditor), and a report
// with both conclusions (AUD-01) and its document, notified to at least
// one manager (AUD-05, on the journal's report entry too).
//
// internal-audit-findings-linked: every closed audit has each
// nonconformity finding linked to its nonconformity (AUD-07).
func AuditConformChecks(inv func(programme string) Involvement) []sms.Check[*Audit] {
	return []sms.Check[*Audit]{
		{
			Name: "internal-audit-conduct", Clause: "9.2", Cites: []string{"AUD-01", "AUD-03", "AUD-04", "AUD-05"},
			Rule:    "every audit at or past reported had criteria and a scope, auditors impartial for its areas or under an override approved by another person (as its journal shows), and a report with separate conformity and effectiveness conclusions notified to at least one manager",
			Applies: func(x *Audit) bool { return slices.Contains(audHeld, x.Status) },
			Eval: func(x *Audit, ex *sms.Examined) {
				if !slices.ContainsFunc(x.Criteria, func(s string) bool { return !sms.Blank(s) }) {
					ex.Fail(CodeAuditIncomplete, "AUD-03", "no audit criteria")
				}
				if x.Scope.Empty() {
					ex.Fail(CodeAuditIncomplete, "AUD-03", "no audit scope")
				}
				switch r := x.Report; {
				case r == nil:
					ex.Fail(CodeAuditIncomplete, "AUD-01", "no report")
				default:
					if sms.Blank(r.Conformity) || sms.Blank(r.Effectiveness) {
						ex.Fail(CodeAuditIncomplete, "AUD-01", "the report lacks its conformity or its effectiveness conclusion")
					}
					if r.Document == "" {
						ex.Fail(CodeAuditIncomplete, "AUD-05", "the report names no document")
					}
				}
				notified := len(x.Notified) > 0
				if ex.Journal != nil {
					n := 0
					for _, e := range ex.Journal {
						if e.Trigger == string(TriggerAuditReport) {
							for _, f := range e.Payload {
								if f.Key == "notified" && !sms.Blank(f.Value) {
									n++
								}
							}
						}
					}
					notified = notified && n > 0
				}
				if !notified {
					ex.Fail(CodeAuditIncomplete, "AUD-05", "no manager notified of the report")
				}
				var m Involvement
				if inv != nil {
					m = inv(x.Programme)
				}
				if !m.Declared() {
					ex.Fail(CodeAuditPartial, "AUD-04", "the programme declares nobody's involvement, so no auditor is impartial")
					return
				}
				people := slices.Clone(x.Auditors)
				if x.Lead != "" && !slices.Contains(people, x.Lead) {
					people = append(people, x.Lead)
				}
				if ex.Journal != nil {
					for _, who := range sms.ActorsOf(ex.Journal, string(TriggerAuditStartFieldwork), string(TriggerAuditRecordFinding), string(TriggerAuditReport)) {
						if !slices.Contains(x.Auditors, who) {
							ex.Fail(CodeAuditPartial, "AUD-04", fmt.Sprintf("%q acted as an auditor without being assigned", who))
						}
						if !slices.Contains(people, who) {
							people = append(people, who)
						}
					}
				}
				areas := x.Areas()
				for _, who := range people {
					if cs := m.Conflicts(who, areas); len(cs) > 0 && !audOverrideApproved(x, ex.Journal, who) {
						ex.Fail(CodeAuditPartial, "AUD-04", fmt.Sprintf("auditor %q owns or works in %s without an override approved by another person", who, strings.Join(cs, ", ")))
					}
				}
			},
		},
		{
			Name: "internal-audit-findings-linked", Clause: "9.2", Cites: []string{"AUD-07"},
			Rule:    "every closed audit has each nonconformity finding linked to a nonconformity record",
			Applies: func(x *Audit) bool { return x.Status == AuditClosed },
			Eval: func(x *Audit, ex *sms.Examined) {
				for _, f := range x.Findings {
					if f.Type.IsNonconformity() && (f.Link == "" || f.Status != FindingLinked) {
						ex.Fail(CodeFindingUnlinked, "AUD-07", f.ID+": a "+string(f.Type)+" finding links no nonconformity")
					}
				}
			},
		},
	}
}

// AuditOverdue reports whether the audit is overdue as of asOf
// (AUDIT_OVERDUE, AUD-01), a pure function: a planned, prepared or
// rescheduled audit once asOf is after its window's end (it was not
// held), and one in fieldwork or reporting once asOf is more than
// [AuditReportingGrace] after it (not reported). Other statuses, and an
// audit without a window end, are never overdue.
func AuditOverdue(a *Audit, asOf time.Time) (sms.Finding, bool) {
	if a == nil || a.Window.End.IsZero() {
		return sms.Finding{}, false
	}
	due, what := a.Window.End, "not held by the end of its window"
	switch a.Status {
	case AuditPlanned, AuditPrepared, AuditRescheduled:
	case AuditFieldwork, AuditReporting:
		due, what = due.Add(AuditReportingGrace), "not reported within 30 days of the end of its window"
	default:
		return sms.Finding{}, false
	}
	if !asOf.After(due) {
		return sms.Finding{}, false
	}
	au := sms.NewAudit(asOf, AuditRequirements())
	return au.Finding(CodeAuditOverdue, "AUD-01", AuditKind, a.ID, fmt.Sprintf("%s audit %s: %s, due %s", a.Status, strconv.Quote(a.Title), what, due.UTC().Format(time.RFC3339))), true
}
