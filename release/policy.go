package release

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// ReleaseType is a kind of release and how it is handled (REL-01): how
// often such releases come, how they are handled, how long their early
// life lasts, and who approves them. One type at least is an emergency
// release.
type ReleaseType struct {
	Name      string `json:"name"`
	Emergency bool   `json:"emergency,omitempty"`
	// Cadence is the intended interval between releases of the type; zero
	// means on demand.
	Cadence time.Duration `json:"cadence,omitempty"`
	// Handling describes how releases of the type are handled.
	Handling string `json:"handling,omitempty"`
	// EarlyLife is the period after deployment in which incidents are
	// counted for the analysis (REL-09).
	EarlyLife time.Duration `json:"early_life"`
	// Approval is who approves, and how many must. The release's owner and
	// its deployer are always excluded (REL-05): [sms.PartyOwner] and
	// [sms.PartyDeployer] are added to every rule's Exclude.
	Approval sms.ApprovalRule `json:"approval"`
}

// Policy is the organisation's release policy (REL-01): its release types,
// the deployment methods it allows, and how soon after early life the
// analysis is due. It is versioned and approved; every release stores the
// version it was planned under.
//
// The zero value works: it is [DefaultPolicy]. A policy that sets Types
// must also name its Version and approver and include an emergency type;
// [NewService] refuses one that does not.
type Policy struct {
	Version    string        `json:"version"`
	ApprovedBy string        `json:"approved_by"`
	ApprovedAt time.Time     `json:"approved_at,omitzero"`
	Types      []ReleaseType `json:"types"`
	// Methods are the deployment methods allowed; empty allows any.
	Methods []string `json:"methods,omitempty"`
	// AnalysisWithin is how long after the early life ends the analysis is
	// due; zero means 14 days (REL-10).
	AnalysisWithin time.Duration `json:"analysis_within,omitempty"`
}

// Names of the default release types.
const (
	TypeMajor     = "major"
	TypeMinor     = "minor"
	TypeEmergency = "emergency"
)

// DefaultPolicy returns a complete policy to start from, version
// "default-1": major releases quarterly, approved by two of the release
// approvers and change managers, with 14 days of early life; minor
// releases monthly, one approval, 7 days; emergency releases on demand,
// approved by a change manager, 3 days; big-bang, phased, canary and
// blue-green deployments; analysis due 14 days after early life.
func DefaultPolicy() Policy {
	excl := []sms.Party{sms.PartyOwner, sms.PartyDeployer}
	day := 24 * time.Hour
	approvers := []sms.Role{RoleApprover, RoleChangeManager}
	return Policy{
		Version:    "default-1",
		ApprovedBy: "sms-defaults",
		Types: []ReleaseType{
			{Name: TypeMajor, Cadence: 90 * day, Handling: "planned with the business, full regression", EarlyLife: 14 * day,
				Approval: sms.ApprovalRule{Roles: approvers, Quorum: 2, Exclude: excl}},
			{Name: TypeMinor, Cadence: 30 * day, Handling: "scheduled fixes and small features", EarlyLife: 7 * day,
				Approval: sms.ApprovalRule{Roles: approvers, Quorum: 1, Exclude: excl}},
			{Name: TypeEmergency, Emergency: true, Handling: "expedited, for an emergency change", EarlyLife: 3 * day,
				Approval: sms.ApprovalRule{Roles: []sms.Role{RoleChangeManager}, Quorum: 1, Exclude: excl}},
		},
		Methods:        []string{"big_bang", "phased", "canary", "blue_green"},
		AnalysisWithin: 14 * day,
	}
}

// TypeOf returns the policy's release type with the given name.
func (p *Policy) TypeOf(name string) (ReleaseType, bool) {
	for _, t := range p.Types {
		if t.Name == name {
			return t, true
		}
	}
	return ReleaseType{}, false
}

// withDefaults returns a validated copy, defaults filled in: the activation
// check of the policy.
func (p Policy) withDefaults() (Policy, error) {
	bad := func(field, format string, args ...any) (Policy, error) {
		return p, sms.Invalid(Kind, "policy."+field, format, args...)
	}
	if p.Types == nil && p.Version == "" {
		d := DefaultPolicy()
		if p.Methods != nil {
			d.Methods = p.Methods
		}
		if p.AnalysisWithin != 0 {
			d.AnalysisWithin = p.AnalysisWithin
		}
		p = d
	}
	if p.Version == "" || p.ApprovedBy == "" {
		return bad("version", "a release policy is activated only with a version and its approver (REL-01)")
	}
	if p.AnalysisWithin == 0 {
		p.AnalysisWithin = 14 * 24 * time.Hour
	}
	if p.AnalysisWithin < 0 {
		return bad("analysis_within", "is negative")
	}
	types := make([]ReleaseType, len(p.Types))
	emergency := false
	for i, t := range p.Types {
		if sms.ValidateID(t.Name) != nil {
			return bad("types", "type %d has no name, or one a plan cannot name (%q)", i, t.Name)
		}
		for _, o := range p.Types[:i] {
			if o.Name == t.Name {
				return bad("types", "type %q is declared twice", t.Name)
			}
		}
		if t.Cadence < 0 || t.EarlyLife <= 0 {
			return bad("types", "type %q needs a positive early-life period and a cadence not negative (REL-09)", t.Name)
		}
		if err := t.Approval.Validate(); err != nil {
			ve, _ := err.(*sms.ValidationError)
			return bad("types", "type %q: %s", t.Name, ve.Problem)
		}
		t.Approval.Roles = slices.Clone(t.Approval.Roles)
		t.Approval.Exclude = slices.Clone(t.Approval.Exclude)
		for _, party := range []sms.Party{sms.PartyOwner, sms.PartyDeployer} {
			if !slices.Contains(t.Approval.Exclude, party) {
				t.Approval.Exclude = append(t.Approval.Exclude, party)
			}
		}
		emergency = emergency || t.Emergency
		types[i] = t
	}
	if !emergency {
		return bad("types", "a release policy without an emergency release type cannot be activated (REL-01)")
	}
	p.Types = types
	for _, m := range p.Methods {
		if sms.ValidateID(m) != nil {
			return bad("methods", "contain an empty method, or one a plan cannot name (%q)", m)
		}
	}
	p.Methods = slices.Clone(p.Methods)
	return p, nil
}

// approverRoles returns every role that may approve under some type.
func (p *Policy) approverRoles() []sms.Role {
	var out []sms.Role
	for _, t := range p.Types {
		for _, r := range t.Approval.Roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// rule returns the approval rule of the release's type.
func (p *Policy) rule(r *Release) (sms.ApprovalRule, bool) {
	t, ok := p.TypeOf(r.Type)
	return t.Approval, ok
}
