package audit

import (
	"context"
	"slices"
	"sort"

	"github.com/iso20k/sms"
)

// Entity kinds of the package, as stored.
const (
	ProgrammeKind     sms.Kind = "audit_programme"
	AuditKind         sms.Kind = "audit"
	NonconformityKind sms.Kind = "nonconformity"
	OpportunityKind   sms.Kind = "improvement_opportunity"
)

// Roles the package's workflows accept.
const (
	// RoleProgrammeOwner establishes and approves the audit programme,
	// plans audits and assigns their auditors, and approves an
	// impartiality override (AUD-02, AUD-04).
	RoleProgrammeOwner sms.Role = "audit_programme_owner"
	// RoleAuditor prepares and runs an audit: criteria and scope,
	// fieldwork, findings and the report (AUD-03, AUD-05, AUD-07).
	RoleAuditor sms.Role = "auditor"
	// RoleAuditee acknowledges an audit's findings for the audited area.
	RoleAuditee sms.Role = "auditee"
	// RoleQualityManager raises nonconformities and runs their correction
	// and corrective action (NC-01 to NC-04).
	RoleQualityManager sms.Role = "quality_manager"
	// RoleSMSOwner approves a decision that no corrective action is
	// needed, and the improvement evaluation criteria (NC-02, CI-02).
	RoleSMSOwner sms.Role = "sms_owner"
	// RoleActionOwner completes a corrective action assigned to them
	// (NC-03): only the action's owner, or the nonconformity's, may.
	RoleActionOwner sms.Role = "action_owner"
	// RoleImprovementManager runs the improvement register (CI-01 to
	// CI-05).
	RoleImprovementManager sms.Role = "improvement_manager"
)

// SMS process areas of ISO/IEC 20000-1 an audit programme may cover,
// named as the library's process packages are; a host may use its own.
const (
	AreaIncident         = "incident"
	AreaRequest          = "service_request"
	AreaProblem          = "problem"
	AreaChange           = "change"
	AreaRelease          = "release"
	AreaServiceLevel     = "service_level"
	AreaSupplier         = "supplier"
	AreaAvailability     = "availability"
	AreaContinuity       = "continuity"
	AreaConfiguration    = "configuration"
	AreaReporting        = "service_reporting"
	AreaAudit            = "internal_audit"
	AreaImprovement      = "improvement"
	AreaManagementReview = "management_review"
)

// SMSAreas returns the SMS process areas above, in clause order: the
// areas a programme covers unless the host names its own.
func SMSAreas() []string {
	return []string{AreaConfiguration, AreaServiceLevel, AreaSupplier, AreaChange, AreaRelease,
		AreaIncident, AreaRequest, AreaProblem, AreaAvailability, AreaContinuity,
		AreaAudit, AreaManagementReview, AreaReporting, AreaImprovement}
}

// Involvement is the host's declaration of who owns or works in which SMS
// process area or organisational unit (AUD-04): each person's ID (as
// [sms.Actor.ID]) to the areas and units they own or work in. An auditor
// is impartial for an audit when none of the audit's areas (its process
// area and the processes and units of its scope) is theirs. Without a
// declaration no auditor is assigned: nobody is assumed impartial.
type Involvement map[string][]string

// Conflicts returns the areas among areas that person owns or works in,
// sorted; none when the person is impartial for them.
func (inv Involvement) Conflicts(person string, areas []string) []string {
	var out []string
	for _, a := range inv[person] {
		if slices.Contains(areas, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Declared reports whether the host declared an involvement at all (an
// empty map is a declaration that nobody is involved anywhere; nil is
// none).
func (inv Involvement) Declared() bool { return inv != nil }

// ProgrammeFacts is what an audit reads of its programme: its status, its
// owner (the person who approved it, as its journal records), the areas
// it covers, its cycle, and the involvement map of its edition.
type ProgrammeFacts struct {
	Status      string
	Owner       string
	Areas       []string
	Cycle       sms.Cadence
	Involvement Involvement
}

// ProgrammeFinder is how audits read their programme: its facts, or an
// error matching sms.ErrNotFound. [Programmes] implements it.
type ProgrammeFinder interface {
	ProgrammeFacts(ctx context.Context, id string) (ProgrammeFacts, error)
}

// NonconformityFacts is what an audit finding reads of the nonconformity
// it links: its status and the source it names.
type NonconformityFacts struct {
	Status    string
	Source    Source
	SourceRef string
}

// NonconformityFinder is how an audit reads a nonconformity it links
// (AUD-07): its facts, or an error matching sms.ErrNotFound.
// [Nonconformities] implements it.
type NonconformityFinder interface {
	NonconformityFacts(ctx context.Context, id string) (NonconformityFacts, error)
}

// OpportunityFacts is what an audit finding reads of the improvement
// opportunity it links: its status and the source it names.
type OpportunityFacts struct {
	Status    string
	Source    OpportunitySource
	SourceRef string
}

// OpportunityFinder is how an audit reads an improvement opportunity it
// links (AUD-07, CI-07): its facts, or an error matching sms.ErrNotFound.
// [Opportunities] implements it.
type OpportunityFinder interface {
	OpportunityFacts(ctx context.Context, id string) (OpportunityFacts, error)
}

// Changes is the host's change lookup: whether change id exists and is
// authorized (NC-05, CI-04). Process packages never import each other:
// the host answers with the change package or its own records.
type Changes interface {
	Authorized(ctx context.Context, id string) (bool, error)
}

// Source is where a nonconformity was found (NC-08); the values are
// persisted.
type Source string

// Nonconformity sources.
const (
	SourceInternalAudit     Source = "internal_audit"
	SourceExternalAudit     Source = "external_audit"
	SourceCustomerComplaint Source = "customer_complaint"
	SourceReview            Source = "review"
	SourceSweepFinding      Source = "sweep_finding"
	SourceSupplier          Source = "supplier"
	SourceProblem           Source = "problem"
	SourceOther             Source = "other"
)

// Sources returns every nonconformity source.
func Sources() []Source {
	return []Source{SourceInternalAudit, SourceExternalAudit, SourceCustomerComplaint, SourceReview,
		SourceSweepFinding, SourceSupplier, SourceProblem, SourceOther}
}

// OpportunitySource is where an improvement opportunity was raised
// (CI-07); the values are persisted.
type OpportunitySource string

// Opportunity sources.
const (
	FromSLAMiss             OpportunitySource = "sla_miss"              // SLM-06
	FromSupplierMiss        OpportunitySource = "supplier_miss"         // SUP-07
	FromMajorIncidentReview OpportunitySource = "major_incident_review" // INC-12
	FromChangeTrendReview   OpportunitySource = "change_trend_review"   // CHG-14
	FromReleaseReview       OpportunitySource = "release_review"        // REL-10
	FromAuditFinding        OpportunitySource = "audit_finding"         // AUD-07
	FromContinuityReview    OpportunitySource = "continuity_review"     // CON-11
	FromNonconformity       OpportunitySource = "nonconformity"         // NC-02
	FromSuggestion          OpportunitySource = "suggestion"            // anyone's idea, no record behind it
)

// OpportunitySources returns every opportunity source.
func OpportunitySources() []OpportunitySource {
	return []OpportunitySource{FromSLAMiss, FromSupplierMiss, FromMajorIncidentReview, FromChangeTrendReview,
		FromReleaseReview, FromAuditFinding, FromContinuityReview, FromNonconformity, FromSuggestion}
}
