package change

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// ModelType is the path a change model takes through the workflow (CHG-02):
// which states it skips and who authorizes it.
type ModelType string

// Model types.
const (
	// ModelNormal passes through every state: assessed, then authorized by
	// the model's change authority.
	ModelNormal ModelType = "normal"
	// ModelStandard skips assess and authorize: a pre-authorized, low-risk
	// procedure run from an approved template, within its scope (CHG-18).
	ModelStandard ModelType = "standard"
	// ModelEmergency skips assess: authorized by the emergency authority,
	// its assessment completed after the fact and always reviewed
	// (CHG-17).
	ModelEmergency ModelType = "emergency"
)

// Skips returns the states a change of this type skips.
func (t ModelType) Skips() []Status {
	switch t {
	case ModelStandard:
		return []Status{StatusAssess, StatusAuthorize}
	case ModelEmergency:
		return []Status{StatusAssess}
	}
	return nil
}

func (t ModelType) valid() bool { return t == ModelNormal || t == ModelStandard || t == ModelEmergency }

// TestRequirement says what a model demands as test evidence before
// implementation (CHG-09).
type TestRequirement string

// Test requirements.
const (
	// TestWherePossible accepts a test result, or a justification of why
	// testing was not possible. It is the default.
	TestWherePossible TestRequirement = "where_possible"
	// TestRequired demands a test result.
	TestRequired TestRequirement = "required"
)

// MaxRiskScore is the highest risk score: likelihood 5 times impact 5
// (CHG-07).
const MaxRiskScore = 25

// RiskApproval is a stricter change authority for riskier changes: from
// MinScore up, Rule replaces the model's own. MinScore ranges from 0 to
// [MaxRiskScore].
type RiskApproval struct {
	MinScore int              `json:"min_score"`
	Rule     sms.ApprovalRule `json:"rule"`
}

// Model is a change category and how it is handled (CHG-02): its path, its
// change authority (by risk), its lead time, and what it demands in tests,
// notification and review. Standard, normal and emergency models are the
// usual ones; a policy may add its own, each of one of the three types.
type Model struct {
	// Name identifies the model in the policy: "normal", "minor", ...
	Name string    `json:"name"`
	Type ModelType `json:"type"`
	// Approval is the change authority: who approves and how many must.
	// For a standard model it is the authority that approves templates.
	// The requester and the implementer are always excluded (CHG-19).
	Approval sms.ApprovalRule `json:"approval"`
	// ByRisk lists stricter authorities by minimum risk score.
	ByRisk []RiskApproval `json:"by_risk,omitempty"`
	// LeadTime is the least notice between submission and the start of the
	// planned window.
	LeadTime time.Duration `json:"lead_time,omitempty"`
	// Test is the test evidence required before implementation.
	Test TestRequirement `json:"test,omitempty"`
	// SkipReview lets a successful change of this model close without a
	// post-implementation review; a failed change is always reviewed, and
	// an emergency model cannot skip it (CHG-13, CHG-17).
	SkipReview bool `json:"skip_review,omitempty"`
	// SkipNotification lets the change start without a recorded
	// notification of interested parties (CHG-10).
	SkipNotification bool `json:"skip_notification,omitempty"`
}

// Rule returns the change authority for a change of the given risk score:
// the strictest ByRisk entry whose MinScore the score reaches, or Approval.
func (m Model) Rule(score int) sms.ApprovalRule {
	rule, best := m.Approval, -1
	for _, r := range m.ByRisk {
		if score >= r.MinScore && r.MinScore > best {
			rule, best = r.Rule, r.MinScore
		}
	}
	return rule
}

// roles returns every role that may approve under the model.
func (m Model) roles() []sms.Role {
	out := slices.Clone(m.Approval.Roles)
	for _, r := range m.ByRisk {
		out = appendMissing(out, r.Rule.Roles...)
	}
	return out
}

// MajorImpactCriteria are the policy's criteria for a change that could
// majorly affect customers or services (CHG-03). A change meets them when
// any criterion holds; each change stores the version and the criteria it
// met. Such a change goes through service design and transition (CHG-05).
type MajorImpactCriteria struct {
	// Version names this edition; empty means DefaultPolicy's.
	Version string `json:"version"`
	// RiskScore: a risk score at least this high qualifies; 0 disables it.
	RiskScore int `json:"risk_score,omitempty"`
	// Services whose changes always qualify (critical services).
	Services []string `json:"services,omitempty"`
	// ServiceCount: a change affecting at least this many services
	// qualifies; 0 disables it.
	ServiceCount int `json:"service_count,omitempty"`
	// Outage: a change with an expected outage qualifies.
	Outage bool `json:"outage,omitempty"`
}

// Evaluate returns the names of the criteria the change meets.
func (m MajorImpactCriteria) Evaluate(c *Change) []string {
	var met []string
	if a := c.Assessment; a != nil {
		if m.RiskScore > 0 && a.RiskScore >= m.RiskScore {
			met = append(met, "risk>="+strconv.Itoa(m.RiskScore))
		}
		if m.Outage && a.ExpectedOutage {
			met = append(met, "outage")
		}
	}
	for _, s := range c.Services {
		if slices.Contains(m.Services, s) {
			met = append(met, "critical_service:"+s)
		}
	}
	if m.ServiceCount > 0 && len(c.Services) >= m.ServiceCount {
		met = append(met, "services>="+strconv.Itoa(m.ServiceCount))
	}
	return met
}

// Policy is the organisation's change policy (CHG-01 to CHG-03): which
// configuration items are under change control, the change models, the
// categories and the criteria for major impact. It is versioned and
// approved; every change stores the version it was judged under.
//
// The zero value works: it is [DefaultPolicy]. A policy that sets Models
// must also name its Version and who approved it, and must have an
// emergency model; [NewService] refuses to activate one that does not.
type Policy struct {
	Version    string    `json:"version"`
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	// Controlled lists the configuration item types under change control;
	// empty puts every type under control.
	Controlled []string `json:"controlled,omitempty"`
	// Models are the change models; one at least must be an emergency
	// model.
	Models []Model `json:"models"`
	// Categories is the taxonomy; empty accepts any non-empty category.
	Categories []string `json:"categories,omitempty"`
	// TransitionCategories are categories routed through service design
	// and transition whatever their impact (CHG-05).
	TransitionCategories []string `json:"transition_categories,omitempty"`
	// MajorImpact holds the criteria for major impact.
	MajorImpact MajorImpactCriteria `json:"major_impact"`
	// RetroWithin is how long after submission an emergency change's
	// retrospective assessment is due; zero means 5 days (CHG-17).
	RetroWithin time.Duration `json:"retro_within,omitempty"`
	// KeepTemplateOnFailure leaves a standard change's template active when
	// an instance fails; by default it is suspended (CHG-18).
	KeepTemplateOnFailure bool `json:"keep_template_on_failure,omitempty"`
	// TemplateReviewEvery is the default review interval of standard-change
	// templates; zero means a year (CHG-18).
	TemplateReviewEvery time.Duration `json:"template_review_every,omitempty"`
}

// Names of the default models.
const (
	ModelNameNormal    = "normal"
	ModelNameStandard  = "standard"
	ModelNameEmergency = "emergency"
)

// DefaultPolicy returns a complete policy to start from, version
// "default-1": every configuration item type under control; a normal model
// approved by one change manager or CAB member, or two CAB members from a
// risk score of 12, with two days' lead time; a standard model whose
// templates a change manager approves; an emergency model approved by the
// emergency authority, its record due within 5 days; major impact from a
// risk score of 20, or three services at once.
func DefaultPolicy() Policy {
	excl := []sms.Party{sms.PartyRequester, sms.PartyImplementer}
	return Policy{
		Version:    "default-1",
		ApprovedBy: "sms-defaults",
		Models: []Model{
			{Name: ModelNameNormal, Type: ModelNormal, LeadTime: 48 * time.Hour, Test: TestWherePossible,
				Approval: sms.ApprovalRule{Roles: []sms.Role{RoleChangeManager, RoleCAB}, Quorum: 1, Exclude: excl},
				ByRisk:   []RiskApproval{{MinScore: 12, Rule: sms.ApprovalRule{Roles: []sms.Role{RoleCAB}, Quorum: 2, Exclude: excl}}}},
			{Name: ModelNameStandard, Type: ModelStandard, Test: TestWherePossible, SkipReview: true,
				Approval: sms.ApprovalRule{Roles: []sms.Role{RoleChangeManager}, Quorum: 1, Exclude: excl}},
			{Name: ModelNameEmergency, Type: ModelEmergency, Test: TestWherePossible,
				Approval: sms.ApprovalRule{Roles: []sms.Role{RoleEmergencyAuthority}, Quorum: 1, Exclude: excl}},
		},
		MajorImpact:         MajorImpactCriteria{Version: "default-1", RiskScore: 20, ServiceCount: 3},
		RetroWithin:         5 * 24 * time.Hour,
		TemplateReviewEvery: 365 * 24 * time.Hour,
	}
}

// Model returns the policy's model with the given name.
func (p *Policy) Model(name string) (Model, bool) {
	for _, m := range p.Models {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// UnderControl reports whether configuration items of the type are under
// change control (CHG-01).
func (p *Policy) UnderControl(itemType string) bool {
	return len(p.Controlled) == 0 || slices.Contains(p.Controlled, itemType)
}

// withDefaults returns a validated copy, defaults filled in: the activation
// check of the policy.
func (p Policy) withDefaults() (Policy, error) {
	bad := func(field, format string, args ...any) (Policy, error) {
		return p, sms.Invalid(Kind, "policy."+field, format, args...)
	}
	if p.Models == nil && p.Version == "" {
		d := DefaultPolicy()
		d.Controlled, d.Categories, d.TransitionCategories = p.Controlled, p.Categories, p.TransitionCategories
		if p.MajorImpact.Version != "" {
			d.MajorImpact = p.MajorImpact
		}
		if p.RetroWithin != 0 {
			d.RetroWithin = p.RetroWithin
		}
		if p.TemplateReviewEvery != 0 {
			d.TemplateReviewEvery = p.TemplateReviewEvery
		}
		d.KeepTemplateOnFailure = p.KeepTemplateOnFailure
		p = d
	}
	if p.Version == "" || p.ApprovedBy == "" {
		return bad("version", "a change policy is activated only with a version and its approver (CHG-01)")
	}
	if mi := p.MajorImpact; mi.Version == "" {
		if mi.RiskScore != 0 || mi.ServiceCount != 0 || mi.Outage || len(mi.Services) > 0 {
			return bad("major_impact", "criteria are versioned: name their version (CHG-03)")
		}
		p.MajorImpact = DefaultPolicy().MajorImpact
	}
	if p.MajorImpact.RiskScore < 0 || p.MajorImpact.ServiceCount < 0 {
		return bad("major_impact", "thresholds cannot be negative")
	}
	if p.MajorImpact.RiskScore > MaxRiskScore {
		return bad("major_impact", "a risk score threshold above %d, the highest score, is never reached", MaxRiskScore)
	}
	if p.RetroWithin == 0 {
		p.RetroWithin = 5 * 24 * time.Hour
	}
	if p.TemplateReviewEvery == 0 {
		p.TemplateReviewEvery = 365 * 24 * time.Hour
	}
	if p.RetroWithin < 0 || p.TemplateReviewEvery < 0 {
		return bad("intervals", "cannot be negative")
	}
	models := make([]Model, len(p.Models))
	emergency := false
	for i, m := range p.Models {
		if m.Name == "" || len(m.Name) > MaxShort {
			return bad("models", "model %d has no name or too long a name", i)
		}
		if _, dup := p.modelIndex(m.Name, i); dup {
			return bad("models", "model %q is declared twice", m.Name)
		}
		if !m.Type.valid() {
			return bad("models", "model %q has type %q, not normal, standard or emergency", m.Name, m.Type)
		}
		switch m.Test {
		case "":
			m.Test = TestWherePossible
		case TestWherePossible, TestRequired:
		default:
			return bad("models", "model %q has test requirement %q", m.Name, m.Test)
		}
		if m.LeadTime < 0 {
			return bad("models", "model %q has a negative lead time", m.Name)
		}
		if m.Type == ModelEmergency {
			emergency = true
			if m.SkipReview {
				return bad("models", "emergency model %q cannot skip its review (CHG-17)", m.Name)
			}
		}
		var err error
		if m.Approval, err = checkRule(m.Name, m.Approval); err != nil {
			return p, err
		}
		m.ByRisk = slices.Clone(m.ByRisk)
		for k := range m.ByRisk {
			if ms := m.ByRisk[k].MinScore; ms < 0 || ms > MaxRiskScore {
				return bad("models", "model %q has a stricter authority from risk score %d: scores range from 0 to %d", m.Name, ms, MaxRiskScore)
			}
			if m.ByRisk[k].Rule, err = checkRule(m.Name, m.ByRisk[k].Rule); err != nil {
				return p, err
			}
		}
		models[i] = m
	}
	if !emergency {
		return bad("models", "a change policy without an emergency model cannot be activated (CHG-02)")
	}
	p.Models = models
	for _, list := range [][]string{p.Controlled, p.Categories, p.TransitionCategories, p.MajorImpact.Services} {
		for _, v := range list {
			if v == "" {
				return bad("lists", "contain an empty value")
			}
		}
	}
	p.Controlled = slices.Clone(p.Controlled)
	p.Categories = slices.Clone(p.Categories)
	p.TransitionCategories = slices.Clone(p.TransitionCategories)
	p.MajorImpact.Services = slices.Clone(p.MajorImpact.Services)
	return p, nil
}

func (p *Policy) modelIndex(name string, before int) (int, bool) {
	for i := 0; i < before; i++ {
		if p.Models[i].Name == name {
			return i, true
		}
	}
	return -1, false
}

// checkRule validates a change authority and adds the exclusions no policy
// may lift: the requester and the implementer never approve (CHG-19).
func checkRule(model string, r sms.ApprovalRule) (sms.ApprovalRule, error) {
	if err := r.Validate(); err != nil {
		ve, _ := err.(*sms.ValidationError)
		return r, sms.Invalid(Kind, "policy.models", "model %q: %s", model, ve.Problem)
	}
	r.Roles = slices.Clone(r.Roles)
	r.Exclude = slices.Clone(r.Exclude)
	for _, p := range []sms.Party{sms.PartyRequester, sms.PartyImplementer} {
		if !slices.Contains(r.Exclude, p) {
			r.Exclude = append(r.Exclude, p)
		}
	}
	return r, nil
}

// approverRoles returns every role that may approve under some model.
func (p *Policy) approverRoles() []sms.Role {
	var out []sms.Role
	for _, m := range p.Models {
		out = appendMissing(out, m.roles()...)
	}
	return out
}

func appendMissing(dst []sms.Role, src ...sms.Role) []sms.Role {
	for _, r := range src {
		if !slices.Contains(dst, r) {
			dst = append(dst, r)
		}
	}
	return dst
}

// String returns "P1" to "P5".
func (p Priority) String() string { return fmt.Sprintf("P%d", int(p)) }
