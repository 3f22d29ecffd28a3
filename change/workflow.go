package change

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Requirements returns the catalogue of change management: the
// change-management (CHG-01 to CHG-20) and service design and transition
// (SDT-01 to SDT-06) requirements this package enforces, in the project's
// own words. The three workflows (changes, plans and templates) are
// defined on it: their guards, required fields and approval gates cite it
// by ID, the workflow fills in each clause, and the conformance checks'
// findings carry its sentences.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CHG-01", Clause: "8.5.1.1", Text: "a documented change policy says which items are under change control"},
		{ID: "CHG-02", Clause: "8.5.1.1", Text: "the policy defines change categories, emergency among them, and how each is handled"},
		{ID: "CHG-03", Clause: "8.5.1.1", Text: "the policy defines criteria for changes with potential major impact"},
		{ID: "CHG-04", Clause: "8.5.1.2", Text: "every request for change is recorded and classified"},
		{ID: "CHG-05", Clause: "8.5.1.2", Text: "new, removed and transferred services and major-impact changes go through service design and transition"},
		{ID: "CHG-06", Clause: "8.5.1.3", Text: "the change authority decides on approval and priority, and the decision is recorded"},
		{ID: "CHG-07", Clause: "8.5.1.3", Text: "the decision weighs risk, business benefit, feasibility and financial impact"},
		{ID: "CHG-08", Clause: "8.5.1.3", Text: "the decision weighs the impact on services, parties, plans, capacity and security, and other changes and releases"},
		{ID: "CHG-09", Clause: "8.5.1.3", Text: "approved changes are prepared, verified and where possible tested"},
		{ID: "CHG-10", Clause: "8.5.1.3", Text: "planned deployment dates and details are communicated to interested parties"},
		{ID: "CHG-11", Clause: "8.5.1.3", Text: "reversing or remedying a failed change is planned and where possible tested"},
		{ID: "CHG-12", Clause: "8.5.1.3", Text: "unsuccessful changes are reversed or remedied"},
		{ID: "CHG-13", Clause: "8.5.1.3", Text: "changes are reviewed for effectiveness and follow-up actions agreed"},
		{ID: "CHG-14", Clause: "8.5.1.3", Text: "change records are analysed for trends"},
		{ID: "CHG-15", Clause: "8.2.6", Text: "configuration information is updated after changes are deployed"},
		{ID: "CHG-16", Clause: "8.1", Text: "controlled configuration items change only under an authorized change being implemented, and unintended changes are reviewed"},
		{ID: "CHG-17", Clause: "8.5.1.1", Text: "emergency changes have an expedited authority, may be documented after the fact, and are always reviewed"},
		{ID: "CHG-18", Clause: "8.5.1.1", Text: "standard changes are pre-authorized, low-risk, proven procedures"},
		{ID: "CHG-19", Clause: "8.5.1.3", Text: "nobody approves their own change"},
		{ID: "CHG-20", Clause: "8.5.1", Text: "changes are cancelled only before implementation starts"},
		{ID: "SDT-01", Clause: "8.5.2.1", Text: "each new or changed service routed to design and transition has a complete plan"},
		{ID: "SDT-02", Clause: "8.5.2.1", Text: "removal and transfer plans add their dates and what happens to data, information and components"},
		{ID: "SDT-03", Clause: "8.5.2.2", Text: "the design is documented"},
		{ID: "SDT-04", Clause: "8.5.2.3", Text: "the service is tested against its acceptance criteria and a failure is decided on"},
		{ID: "SDT-05", Clause: "8.5.2.3", Text: "deployment into the live environment uses release and deployment management"},
		{ID: "SDT-06", Clause: "8.5.2.3", Text: "outcomes achieved are reported against intended outcomes to interested parties"},
	}
}

// requirement returns the catalogue's requirement with the ID.
func requirement(id string) sms.Requirement {
	for _, r := range Requirements() {
		if r.ID == id {
			return r
		}
	}
	return sms.Requirement{ID: id}
}

// req cites the catalogue's requirement id with a sentence of the
// citation's own; the workflow fills in the clause.
func req(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

type tx = sms.Transition[*Change]

func guard(id, text string, check func(*tx) bool) sms.Guard[*Change] {
	return sms.Guard[*Change]{Requirement: req(id, text), Check: check}
}

// segregation is a segregation-of-duties rule: check returns "" when the
// actor may fire, else why not. A breach is a *sms.ForbiddenError citing
// the requirement.
func segregation(id, text string, check func(*tx) string) sms.Segregation[*Change] {
	return sms.Segregation[*Change]{Requirement: req(id, text), Check: check}
}

// notApprover refuses an implementer who approved the change (CHG-19): the
// acting actor and, when there is one, the implementer named (by the
// command, or by the schedule).
func notApprover(named func(*tx) string) sms.Segregation[*Change] {
	return segregation("CHG-19", "nobody approves their own change: an approver of the change never implements it", func(t *tx) string {
		c := t.Entity
		if c.approver(t.Actor.ID) {
			return "the actor " + strconv.Quote(t.Actor.ID) + " approved the change and may not implement it"
		}
		if n := named(t); n != t.Actor.ID && c.approver(n) {
			return "the implementer named, " + strconv.Quote(n) + ", approved the change and may not implement it"
		}
		return ""
	})
}

// authority is the approval gate of the change authority (CHG-06): the
// actor decides in a role of the authority of the change's model and risk,
// once. A change whose model the policy no longer knows has no authority:
// nobody decides on it. The parties the authority excludes, the requester
// and the implementer (acting or named), never decide: that refusal cites
// CHG-19.
func authority(p *Policy, text string, applies func(*tx) bool, decided func(*Change, string) bool) *sms.ApprovalGate[*Change] {
	return &sms.ApprovalGate[*Change]{
		Requirement: req("CHG-06", text),
		Excluded:    req("CHG-19", "nobody approves their own change: the requester and the implementer never approve"),
		Rule: func(t *tx) (sms.ApprovalRule, bool) {
			r, _ := p.ruleOf(t.Entity)
			return r, applies == nil || applies(t)
		},
		Parties:   (*Change).participants,
		Decided:   decided,
		Excluding: notOwn[*Change],
	}
}

// notOwn words the refusal of an actor holding a party an approval
// excludes (CHG-19), whether they hold it by their own act or are named.
func notOwn[E any](_ *sms.Transition[E], party sms.Party, _ bool) string {
	return "the " + string(party) + " may not approve their own record"
}

// inAuthorize says a rejection is the authority's decision: in authorize;
// a rejection in assessment is the change manager's.
func inAuthorize(t *tx) bool { return t.From == string(StatusAuthorize) }

// cmdOf returns a command as C, or C's zero value: guards and effects never
// panic on a foreign command.
func cmdOf[C any](c sms.Command) C {
	v, _ := c.(C)
	return v
}

func cmd[C Command](t *tx) C { return cmdOf[C](t.Command) }

func ts(t time.Time) time.Time { return sms.Micro(t) }

func st(ss ...Status) []string { return sms.StatesOf(ss...) }

func roles(rs ...sms.Role) []sms.Role { return rs }

// modelOf returns the change's model under the policy.
func (p *Policy) modelOf(c *Change) (Model, bool) { return p.Model(c.Model) }

// ruleOf returns the change authority of the change: its model's, for its
// risk.
func (p *Policy) ruleOf(c *Change) (sms.ApprovalRule, bool) {
	m, ok := p.modelOf(c)
	if !ok {
		return sms.ApprovalRule{}, false
	}
	score := 0
	if c.Assessment != nil && !c.Assessment.Retrospective {
		// An emergency change was authorized before its assessment: its
		// authority is the one it had then.
		score = c.Assessment.RiskScore
	}
	return m.Rule(score), true
}

// routed reports whether the change must go through service design and
// transition (CHG-05): major impact, a service added, removed or
// transferred, or a category the policy routes there.
func (p *Policy) routed(c *Change) bool {
	return c.MajorImpact || (c.Type != "" && c.Type != TypeModify) || slices.Contains(p.TransitionCategories, c.Category)
}

// evaluate applies the major-impact criteria and records the result.
func (p *Policy) evaluate(t *tx) {
	c := t.Entity
	met := p.MajorImpact.Evaluate(c)
	c.MajorImpact, c.CriteriaMet, c.CriteriaVersion = len(met) > 0, met, p.MajorImpact.Version
	t.Record("major_impact", strconv.FormatBool(c.MajorImpact))
	t.Record("criteria_version", c.CriteriaVersion)
	if len(met) > 0 {
		t.Record("criteria_met", strings.Join(met, ","))
	}
}

// classificationGuards demand the classification CHG-04 requires before
// submission.
func classificationGuards(p *Policy) []sms.Guard[*Change] {
	return []sms.Guard[*Change]{
		guard("CHG-04", "a request for change names its type: modify, new, remove or transfer a service", func(t *tx) bool { return t.Entity.Type != "" }),
		guard("CHG-04", "a request for change names its change model", func(t *tx) bool { return t.Entity.Model != "" }),
		guard("CHG-04", "a request for change is categorised", func(t *tx) bool { return t.Entity.Category != "" }),
		guard("CHG-04", "a request for change names the services or configuration items it affects", func(t *tx) bool {
			return len(t.Entity.Services) > 0 || len(t.Entity.ConfigItems) > 0
		}),
		guard("CHG-04", "a request for change gives its reason", func(t *tx) bool { return !sms.Blank(t.Entity.Reason) }),
		guard("CHG-02", "the change model is one of the policy's", func(t *tx) bool {
			_, ok := p.Model(t.Entity.Model)
			return t.Entity.Model == "" || ok
		}),
	}
}

func modelGuard(p *Policy, typ ModelType, text string) sms.Guard[*Change] {
	return guard("CHG-02", text, func(t *tx) bool {
		m, ok := p.modelOf(t.Entity)
		return !ok || m.Type == typ // an unknown model is refused by its own guard
	})
}

// evaluation guards the content of an assessment (CHG-07, CHG-08, CHG-11).
func evaluationGuards(get func(*tx) Evaluation) []sms.Guard[*Change] {
	return []sms.Guard[*Change]{
		guard("CHG-07", "the risk is rated: likelihood and impact from 1 to 5", func(t *tx) bool {
			e := get(t)
			return e.Likelihood >= 1 && e.Likelihood <= 5 && e.Impact >= 1 && e.Impact <= 5
		}),
		guard("CHG-07", "the business benefit is stated", func(t *tx) bool { return !sms.Blank(get(t).Benefit) }),
		guard("CHG-07", "the feasibility is stated", func(t *tx) bool { return !sms.Blank(get(t).Feasibility) }),
		guard("CHG-07", "the financial impact is estimated", func(t *tx) bool { return !sms.Blank(get(t).Cost) }),
		guard("CHG-08", "all five impact dimensions are answered: services, parties, plans, capacity and security, other changes and releases",
			func(t *tx) bool { return get(t).Dimensions.Complete() }),
		guard("CHG-11", "a remediation plan says how a failure is reversed or remedied", func(t *tx) bool {
			return !sms.Blank(get(t).Remediation.Plan) || (t.Entity.Remediation != nil && !sms.Blank(t.Entity.Remediation.Plan))
		}),
		guard("CHG-11", "the remediation plan is tested, or says why it cannot be", func(t *tx) bool {
			r := get(t).Remediation
			if sms.Blank(r.Plan) && t.Entity.Remediation != nil {
				r = *t.Entity.Remediation
			}
			return sms.Blank(r.Plan) || r.Ready()
		}),
	}
}

// assessment builds the stored assessment from an evaluation.
func assessment(e Evaluation, t *tx, retro bool) *Assessment {
	return &Assessment{Likelihood: e.Likelihood, Impact: e.Impact, RiskScore: int(e.Likelihood) * int(e.Impact),
		Benefit: e.Benefit, Feasibility: e.Feasibility, Cost: e.Cost, ExpectedOutage: e.ExpectedOutage, Dimensions: e.Dimensions,
		Retrospective: retro, AssessedBy: t.Actor.ID, AssessedAt: t.Now}
}

// applyEvaluation records an evaluation on the change.
func applyEvaluation(p *Policy, t *tx, e Evaluation, retro bool) {
	c := t.Entity
	c.Assessment = assessment(e, t, retro)
	a := c.Assessment
	t.Record("likelihood", strconv.Itoa(int(a.Likelihood)))
	t.Record("impact", strconv.Itoa(int(a.Impact)))
	t.Record("risk_score", strconv.Itoa(a.RiskScore))
	t.Record("benefit", a.Benefit)
	t.Record("feasibility", a.Feasibility)
	t.Record("cost", a.Cost)
	for _, d := range []struct {
		name string
		d    Dimension
	}{{"services", a.Dimensions.Services}, {"parties", a.Dimensions.Parties}, {"plans", a.Dimensions.Plans},
		{"capacity", a.Dimensions.Capacity}, {"schedule", a.Dimensions.Schedule}} {
		t.Record("impact."+d.name, strconv.FormatBool(d.d.Affected)+": "+d.d.Notes)
	}
	if !sms.Blank(e.Remediation.Plan) {
		r := e.Remediation
		c.Remediation = &r
		t.Record("remediation", r.Plan)
		t.Record("remediation_tested", strconv.FormatBool(r.Tested))
		if r.Justification != "" {
			t.Record("remediation_justification", r.Justification)
		}
	}
	if e.TransitionPlan != "" {
		c.removeLinks(LinkTransitionPlan)
		c.TransitionPlan = e.TransitionPlan
		c.addLink(LinkTransitionPlan, e.TransitionPlan)
		t.Record("transition_plan", e.TransitionPlan)
	}
	if retro {
		// The change was routed, or not, when it was authorized: its
		// retrospective risk is recorded, not used to re-route it.
		t.Record("retrospective", "true")
		if met := p.MajorImpact.Evaluate(c); len(met) > 0 {
			t.Record("major_impact_retrospective", strings.Join(met, ","))
		}
	} else {
		p.evaluate(t)
	}
	if rule, ok := p.ruleOf(c); ok {
		t.Record("approval_rule", describeRule(rule))
	}
}

func describeRule(r sms.ApprovalRule) string {
	rs := make([]string, len(r.Roles))
	for i, x := range r.Roles {
		rs[i] = string(x)
	}
	ex := make([]string, len(r.Exclude))
	for i, x := range r.Exclude {
		ex[i] = string(x)
	}
	return strconv.Itoa(r.Quorum) + " of " + strings.Join(rs, "|") + " excluding " + strings.Join(ex, "|")
}

// approverRole returns the role the actor decides in under the rule.
func approverRole(r sms.ApprovalRule, a sms.Actor) sms.Role {
	role, _ := sms.DecidingRole(r, a, "")
	return role
}

func approvedBy(c *Change, who string) bool {
	if c.Authority == nil {
		return false
	}
	for _, ap := range c.Authority.Approvals {
		if ap.Approver == who && ap.Decision == sms.Approve {
			return true
		}
	}
	return false
}

// reviewRequired reports whether the change closes only after its
// post-implementation review: always for a failed change and for emergency
// models, otherwise unless the model skips it.
func (p *Policy) reviewRequired(c *Change) bool {
	m, ok := p.modelOf(c)
	return !ok || !m.SkipReview || c.Failed() || c.ModelType == ModelEmergency
}

// configComplete reports whether every controlled configuration item has
// its record update referenced, or the change had no configuration impact.
func (p *Policy) configComplete(c *Change, updates []ConfigUpdate, none bool) bool {
	if none {
		return true
	}
	for _, ci := range c.ConfigItems {
		if !p.UnderControl(ci.Type) {
			continue
		}
		if !slices.ContainsFunc(updates, func(u ConfigUpdate) bool { return u.Item == ci.ID && u.Ref != "" }) {
			return false
		}
	}
	return true
}

// definition returns the change workflow under the policy: l answers its
// look-ups and suspend is its failure's follow-up, the suspension of a
// failed standard change's template (nil for none: see [Workflow]).
func definition(p *Policy, l looker, suspend *sms.FollowUp[*Change]) sms.Definition[*Change] {
	var (
		requesters  = roles(RoleRequester, RoleChangeManager)
		managers    = roles(RoleChangeManager)
		implementer = roles(RoleImplementer, RoleChangeManager)
		approvers   = p.approverRoles()
		deciders    = appendMissing(roles(RoleChangeManager), approvers...)
		everyone    = appendMissing(roles(RoleRequester, RoleChangeManager, RoleImplementer), approvers...)
		open        = st(StatusDraft, StatusAssess, StatusAuthorize, StatusScheduled, StatusImplement, StatusRemediating, StatusReview)
	)
	// A submitted change was evaluated under versioned major-impact
	// criteria (CHG-03), whose version it records.
	criteriaRecorded := []sms.Required[*Change]{{Field: "criteria_version",
		Requirement: req("CHG-03", "a submitted change records the version of the major-impact criteria it was evaluated under"),
		Present:     func(c *Change) bool { return c.CriteriaVersion != "" }}}
	rules := []sms.Rule[*Change]{
		{
			Trigger: string(TriggerRaise), To: string(StatusDraft), Roles: requesters,
			Command: Request{},
			Doc:     "Record a request for change.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-02", "the change model is one of the policy's", func(t *tx) bool {
					m := cmd[Request](t).Model
					_, ok := p.Model(m)
					return m == "" || ok
				}),
				guard("CHG-04", "the category is one of the policy's taxonomy", func(t *tx) bool {
					c := cmd[Request](t).Category
					return c == "" || len(p.Categories) == 0 || slices.Contains(p.Categories, c)
				}),
			},
			Requires: []sms.Required[*Change]{
				{Field: "summary", Requirement: req("CHG-04", "a request for change is recorded with a summary"),
					Present: func(c *Change) bool { return !sms.Blank(c.Summary) }},
				{Field: "requester", Requirement: req("CHG-04", "a request for change is recorded with its requester"),
					Present: func(c *Change) bool { return c.Requester != "" }},
				{Field: "policy_version", Requirement: req("CHG-01", "a change records the version of the change policy it is judged under"),
					Present: func(c *Change) bool { return c.PolicyVersion != "" }},
			},
			Apply: func(t *tx) {
				r, c := cmd[Request](t), t.Entity
				c.ID, c.PolicyVersion = r.ID, p.Version
				c.Summary, c.Description, c.Requester, c.Type, c.Category, c.Reason = r.Summary, r.Description, r.Requester, r.Type, r.Category, r.Reason
				c.Justification = r.Justification
				t.Record("summary", r.Summary)
				t.Record("requester", r.Requester)
				t.Record("policy_version", p.Version)
				// Who raised the request, for themselves or on behalf of the
				// requester it names, is a requester as much (CHG-19).
				c.Parties.Add(sms.PartyRequester, r.Requester, false)
				c.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				setModel(p, t, r.Model)
				setScope(t, r.Services, r.ConfigItems)
				setTemplate(t, r.Template)
				for _, l := range r.Links {
					if c.addLink(l.Type, l.ID) {
						t.Record("link", l.String())
					}
				}
			},
		},
		{
			Trigger: string(TriggerAmend), From: st(StatusDraft), Roles: requesters,
			Command:     Amendment{},
			Requirement: req("CHG-04", "a request is amended while it is a draft; after submission its record is the journal's"),
			Doc:         "Complete or correct a draft request; the journal keeps the old values.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-02", "the change model is one of the policy's", func(t *tx) bool {
					m := cmd[Amendment](t).Model
					_, ok := p.Model(m)
					return m == "" || ok
				}),
				guard("CHG-04", "the category is one of the policy's taxonomy", func(t *tx) bool {
					c := cmd[Amendment](t).Category
					return c == "" || len(p.Categories) == 0 || slices.Contains(p.Categories, c)
				}),
				guard("CHG-04", "an amendment replaces the summary, reason or justification with text, never with white space", func(t *tx) bool {
					a := cmd[Amendment](t)
					for _, v := range []string{a.Summary, a.Description, a.Reason, a.Justification} {
						if v != "" && sms.Blank(v) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				a, c := cmd[Amendment](t), t.Entity
				set := func(field string, dst *string, v string) {
					if v != "" {
						t.RecordChange(field, *dst, v)
						*dst = v
					}
				}
				set("summary", &c.Summary, a.Summary)
				set("description", &c.Description, a.Description)
				set("category", &c.Category, a.Category)
				set("reason", &c.Reason, a.Reason)
				set("justification", &c.Justification, a.Justification)
				if a.Type != "" {
					t.RecordChange("type", string(c.Type), string(a.Type))
					c.Type = a.Type
				}
				if a.Model != "" {
					setModel(p, t, a.Model)
				}
				if a.Services != nil {
					t.Record("services.old", strings.Join(c.Services, ","))
					c.removeLinks(LinkService)
					c.Services = nil
					setScope(t, a.Services, nil)
				}
				if a.ConfigItems != nil {
					c.removeLinks(LinkConfigItem)
					c.ConfigItems = nil
					setScope(t, nil, a.ConfigItems)
				}
				if a.Template != "" {
					setTemplate(t, a.Template)
				}
			},
		},
		{
			Trigger: string(TriggerSubmit), From: st(StatusDraft), To: string(StatusAssess), Roles: requesters,
			Command:     Submission{},
			Requirement: req("CHG-04", "a request is submitted once, from draft"),
			Doc:         "Submit a normal change for assessment; its major impact is evaluated.",
			Guards: append(classificationGuards(p),
				modelGuard(p, ModelNormal, "submit takes a normal change to assessment: standard and emergency changes have their own submission")),
			Requires: criteriaRecorded,
			Apply: func(t *tx) {
				t.Entity.SubmittedAt = t.Now
				t.Entity.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				p.evaluate(t)
				if n := cmd[Submission](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerSubmitEmergency), From: st(StatusDraft), To: string(StatusAuthorize), Roles: appendMissing(requesters, RoleEmergencyAuthority),
			Command:     EmergencySubmission{},
			Requirement: req("CHG-17", "an emergency change is submitted once, from draft"),
			Doc:         "Submit an emergency change straight to the emergency authority; its record is due after the fact.",
			Guards: append(classificationGuards(p),
				modelGuard(p, ModelEmergency, "submit_emergency is for emergency models only"),
				guard("CHG-17", "an emergency change is justified: a reason, or the incident or security advisory it answers", func(t *tx) bool {
					c := cmd[EmergencySubmission](t)
					return !sms.Blank(c.Justification) || c.Incident != "" || !sms.Blank(t.Entity.Justification) ||
						len(t.Entity.LinkIDs(LinkIncident)) > 0 || len(t.Entity.LinkIDs(LinkAdvisory)) > 0
				}),
				guard("CHG-11", "an emergency change has a remediation plan, tested or with the reason it is not", func(t *tx) bool {
					return cmd[EmergencySubmission](t).Remediation.Ready()
				})),
			Requires: criteriaRecorded,
			Apply: func(t *tx) {
				e, c := cmd[EmergencySubmission](t), t.Entity
				c.SubmittedAt = t.Now
				c.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				if e.Justification != "" {
					c.Justification = e.Justification
				}
				t.Record("justification", c.Justification)
				if c.addLink(LinkIncident, e.Incident) {
					t.Record("incident", e.Incident)
				}
				r := e.Remediation
				c.Remediation = &r
				t.Record("remediation", r.Plan)
				t.Record("remediation_tested", strconv.FormatBool(r.Tested))
				c.RetroDue = t.Now.Add(p.RetroWithin)
				t.RecordTime("retro_due", c.RetroDue)
				p.evaluate(t)
				if rule, ok := p.ruleOf(c); ok {
					t.Record("approval_rule", describeRule(rule))
				}
			},
		},
		{
			Trigger: string(TriggerSubmitStandard), From: st(StatusDraft), To: string(StatusScheduled), Roles: appendMissing(requesters, RoleImplementer),
			Command:     StandardSubmission{},
			Requirement: req("CHG-18", "a standard change is submitted once, from draft"),
			Doc:         "Submit a standard change from its active template: pre-authorized, it is scheduled at once.",
			Prepare:     prepareTemplate(l, false),
			Guards: append(classificationGuards(p),
				modelGuard(p, ModelStandard, "submit_standard is for standard models only"),
				guard("CHG-18", "a standard change names an approved template that is active, not suspended or retired", func(t *tx) bool {
					tpl := foundOf(t).template
					return t.Entity.Template != "" && tpl != nil && tpl.Status == TemplateActive
				}),
				guard("CHG-18", "the template is one of the change's model", func(t *tx) bool {
					tpl := foundOf(t).template
					return tpl == nil || tpl.Model == t.Entity.Model
				}),
				guard("CHG-18", "a standard change stays within its template's scope: services and configuration item types", func(t *tx) bool {
					tpl := foundOf(t).template
					return tpl == nil || tpl.covers(t.Entity)
				}),
				guard("CHG-05", "a change that adds, removes or transfers a service is never a standard change", func(t *tx) bool {
					return t.Entity.Type == "" || t.Entity.Type == TypeModify
				})),
			Requires: criteriaRecorded,
			Apply: func(t *tx) {
				tpl, c := foundOf(t).template, t.Entity
				c.SubmittedAt = t.Now
				c.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				p.evaluate(t)
				au := c.authority()
				au.AuthorizedAt, au.AuthorizedBy = t.Now, "template:"+c.Template
				var version int64
				if tpl != nil {
					version = tpl.Version
					au.Minutes = "pre-authorized by template " + c.Template + " version " + strconv.FormatInt(version, 10)
					r := tpl.Remediation
					c.Remediation = &r
					t.Record("remediation", r.Plan)
				}
				t.Record("template", c.Template)
				t.Record("template_version", strconv.FormatInt(version, 10))
				if n := cmd[StandardSubmission](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerAssess), From: st(StatusAssess), To: string(StatusAuthorize), Roles: managers,
			Command:     Evaluation{},
			Requirement: req("CHG-07", "a change is assessed in assess, before its authorization"),
			Doc:         "Record risk, benefit, feasibility, cost, the five impact dimensions and the remediation plan.",
			Guards: append(evaluationGuards(func(t *tx) Evaluation { return cmd[Evaluation](t) }),
				guard("CHG-05", "a change with major impact, or one that adds, removes or transfers a service, names its transition plan", func(t *tx) bool {
					e, c := cmd[Evaluation](t), *t.Entity
					c.Assessment = assessment(e, t, false)
					c.MajorImpact = len(p.MajorImpact.Evaluate(&c)) > 0
					return !p.routed(&c) || e.TransitionPlan != "" || c.TransitionPlan != ""
				})),
			Apply: func(t *tx) { applyEvaluation(p, t, cmd[Evaluation](t), false) },
		},
		{
			Trigger: string(TriggerRecordAssessment), From: st(StatusAuthorize, StatusScheduled, StatusImplement, StatusRemediating, StatusReview), Roles: managers,
			Command:     Retrospective{},
			Requirement: req("CHG-17", "an emergency change's record is completed after the fact, before it closes"),
			Doc:         "Complete an emergency change's assessment after the fact.",
			Guards: append([]sms.Guard[*Change]{
				guard("CHG-17", "only a change that skipped assessment, an emergency change, is assessed after the fact", func(t *tx) bool {
					return t.Entity.ModelType == ModelEmergency
				}),
			}, evaluationGuards(func(t *tx) Evaluation { return cmd[Retrospective](t).Evaluation })...),
			Apply: func(t *tx) { applyEvaluation(p, t, cmd[Retrospective](t).Evaluation, true) },
		},
		{
			Trigger: string(TriggerApprove), From: st(StatusAuthorize), Roles: approvers,
			Command:     Approval{},
			Requirement: req("CHG-06", "a change is approved while it awaits authorization"),
			Doc:         "Record one approver's decision, with its rationale.",
			Approval: authority(p, "the approver holds a role of the change authority of the change's model and risk, and approves once: a second approval would not count",
				nil, approvedBy),
			Guards: []sms.Guard[*Change]{
				guard("CHG-06", "an approval records its rationale", func(t *tx) bool { return !sms.Blank(cmd[Approval](t).Rationale) }),
			},
			Apply: func(t *tx) {
				a, c := cmd[Approval](t), t.Entity
				rule, _ := p.ruleOf(c)
				role := approverRole(rule, t.Actor)
				au := c.authority()
				au.Approvals = append(au.Approvals, sms.Approval{Approver: t.Actor.ID, Role: role, Decision: sms.Approve, Rationale: a.Rationale, At: t.Now})
				c.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
				t.Record("role", string(role))
				t.Record("rationale", a.Rationale)
				if a.Conditions != "" {
					t.Record("conditions", a.Conditions)
				}
				t.Record("tally", string(rule.Tally(au.Approvals, c.participants())))
			},
		},
		{
			Trigger: string(TriggerAuthorize), From: st(StatusAuthorize), To: string(StatusScheduled), Roles: deciders,
			Command:     Authorization{},
			Requirement: req("CHG-06", "a change is authorized from authorize, once, before it is scheduled"),
			Doc:         "Authorize once the change authority's quorum approved; set the priority.",
			Prepare:     preparePlan(p, l),
			Guards: []sms.Guard[*Change]{
				guard("CHG-06", "the change authority's quorum of distinct, eligible approvers approved the change", func(t *tx) bool {
					rule, ok := p.ruleOf(t.Entity)
					return ok && rule.Tally(t.Entity.Approvals(), t.Entity.participants()) == sms.Approved
				}),
				guard("CHG-06", "the authorization sets the change's priority, from 1 to 5", func(t *tx) bool {
					pr := cmd[Authorization](t).Priority
					return pr >= 1 && pr <= 5
				}),
				guard("CHG-07", "a normal change is authorized on its assessment", func(t *tx) bool {
					return t.Entity.ModelType == ModelEmergency || t.Entity.Assessment != nil
				}),
				guard("CHG-11", "a change is authorized with its remediation plan, tested or justified", func(t *tx) bool {
					return t.Entity.Remediation != nil && t.Entity.Remediation.Ready()
				}),
				guard("CHG-05", "a change routed to design and transition is authorized only with its approved transition plan", func(t *tx) bool {
					c := t.Entity
					if !p.routed(c) {
						return true
					}
					tp := foundOf(t).plan
					return c.TransitionPlan != "" && tp != nil && tp.Change == c.ID && tp.Status.approved()
				}),
			},
			Apply: func(t *tx) {
				a, c := cmd[Authorization](t), t.Entity
				au := c.authority()
				au.Priority, au.Minutes, au.AuthorizedAt, au.AuthorizedBy = a.Priority, a.Minutes, t.Now, t.Actor.ID
				t.Record("priority", strconv.Itoa(int(a.Priority)))
				if a.Minutes != "" {
					t.Record("minutes", a.Minutes)
				}
				var who []string
				for _, ap := range au.Approvals {
					who = append(who, ap.Approver)
				}
				t.Record("approved_by", strings.Join(who, ","))
			},
		},
		{
			Trigger: string(TriggerReject), From: st(StatusAssess, StatusAuthorize), To: string(StatusRejected), Roles: deciders,
			Command:     Rejection{},
			Requirement: req("CHG-06", "a change is rejected during assessment or authorization, before it is authorized"),
			Doc:         "Reject, with a reason; in authorize it is an approver's decision.",
			Approval:    authority(p, "in authorization, the approver holds a role of the change authority of the change's model and risk", inAuthorize, nil),
			Guards: []sms.Guard[*Change]{
				guard("CHG-06", "a rejection gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Rejection](t).Reason) }),
				guard("CHG-06", "in assessment the change manager rejects; in authorization an eligible approver of the change's authority", func(t *tx) bool {
					return t.From != string(StatusAssess) || t.Actor.Has(RoleChangeManager)
				}),
			},
			Apply: func(t *tx) {
				r, c := cmd[Rejection](t), t.Entity
				c.RejectReason = r.Reason
				t.SetReason(r.Reason)
				if t.From == string(StatusAuthorize) {
					rule, _ := p.ruleOf(c)
					au := c.authority()
					au.Approvals = append(au.Approvals, sms.Approval{Approver: t.Actor.ID, Role: approverRole(rule, t.Actor),
						Decision: sms.Reject, Rationale: r.Reason, At: t.Now})
				}
			},
		},
		{
			Trigger: string(TriggerSchedule), From: st(StatusScheduled), Roles: managers,
			Command:     Scheduling{},
			Requirement: req("CHG-10", "an authorized change is scheduled, and rescheduled, until its implementation starts"),
			Doc:         "Set or change the window, plan, implementer and parties; conflicts must be acknowledged.",
			Prepare:     prepareConflicts(l),
			Segregation: []sms.Segregation[*Change]{
				segregation("CHG-19", "nobody approves their own change: an approver of the change is never named its implementer", func(t *tx) string {
					if n := cmd[Scheduling](t).Implementer; t.Entity.approver(n) {
						return "the implementer named, " + strconv.Quote(n) + ", approved the change"
					}
					return ""
				}),
			},
			Guards: []sms.Guard[*Change]{
				guard("CHG-10", "the planned window has a start and an end after it", func(t *tx) bool {
					w := cmd[Scheduling](t).Window
					return !w.Start.IsZero() && w.End.After(w.Start)
				}),
				guard("CHG-10", "the planned window does not end in the past", func(t *tx) bool {
					return ts(cmd[Scheduling](t).Window.End).After(t.Now)
				}),
				guard("CHG-10", "the schedule carries the implementation plan", func(t *tx) bool { return !sms.Blank(cmd[Scheduling](t).Plan) }),
				guard("CHG-10", "the schedule names the interested parties to inform", func(t *tx) bool { return len(cmd[Scheduling](t).Parties) > 0 }),
				guard("CHG-09", "the schedule names who implements the change", func(t *tx) bool { return cmd[Scheduling](t).Implementer != "" }),
				guard("CHG-02", "the window respects the model's lead time from submission", func(t *tx) bool {
					m, ok := p.modelOf(t.Entity)
					w := cmd[Scheduling](t).Window
					return !ok || w.Start.IsZero() || !ts(w.Start).Before(t.Entity.SubmittedAt.Add(m.LeadTime))
				}),
				guard("CHG-08", "every change scheduled on the same service or configuration item in an overlapping window is acknowledged", func(t *tx) bool {
					ack := cmd[Scheduling](t).Acknowledge
					for _, id := range foundOf(t).conflicts {
						if !slices.Contains(ack, id) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				s, c, conflicts := cmd[Scheduling](t), t.Entity, foundOf(t).conflicts
				prev := c.Schedule
				c.Schedule = &Schedule{Window: Window{Start: ts(s.Window.Start), End: ts(s.Window.End)}, Plan: s.Plan, Implementer: s.Implementer,
					Parties: slices.Clone(s.Parties), Conflicts: slices.Clone(conflicts), ScheduledAt: t.Now}
				if prev != nil {
					c.Schedule.Revisions = prev.Revisions + 1
					t.RecordTime("previous_start", prev.Window.Start)
					t.RecordTime("previous_end", prev.Window.End)
				}
				c.Parties.Add(sms.PartyImplementer, s.Implementer, false)
				t.RecordTime("start", c.Schedule.Window.Start)
				t.RecordTime("end", c.Schedule.Window.End)
				t.Record("implementer", s.Implementer)
				t.Record("plan", s.Plan)
				for _, party := range s.Parties {
					t.Record("party", party)
				}
				for _, id := range conflicts {
					t.Record("conflict", id)
				}
			},
		},
		{
			Trigger: string(TriggerNotify), From: st(StatusScheduled, StatusImplement), Roles: managers,
			Command:     Notification{},
			Requirement: req("CHG-10", "interested parties are informed of a scheduled change and while it is implemented"),
			Doc:         "Record that interested parties were told of the planned deployment.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-10", "a notification tells of a planned window: schedule the change first", func(t *tx) bool { return t.Entity.Schedule != nil }),
				guard("CHG-10", "a notification names the parties informed and what they were told", func(t *tx) bool {
					n := cmd[Notification](t)
					return len(n.Parties) > 0 && !sms.Blank(n.Message)
				}),
			},
			Apply: func(t *tx) {
				n, c := cmd[Notification](t), t.Entity
				if c.Schedule != nil && t.From == string(StatusScheduled) {
					// The notification before implementation (CHG-10);
					// later ones are journaled only.
					c.Schedule.NotifiedAt = t.Now
				}
				for _, party := range n.Parties {
					t.Record("party", party)
				}
				t.Record("message", n.Message)
			},
		},
		{
			Trigger: string(TriggerStart), From: st(StatusScheduled), To: string(StatusImplement), Roles: implementer,
			Command:     Implementation{},
			Requirement: req("CHG-06", "only an authorized, scheduled change is implemented"),
			Doc:         "Start implementing within the window, once verified, tested and announced.",
			Prepare:     prepareTemplate(l, true),
			Segregation: []sms.Segregation[*Change]{notApprover(func(t *tx) string { return t.Entity.Implementer() })},
			Guards: []sms.Guard[*Change]{
				guard("CHG-06", "the change was authorized", func(t *tx) bool {
					return t.Entity.Authority != nil && !t.Entity.Authority.AuthorizedAt.IsZero()
				}),
				guard("CHG-10", "the change has a planned window", func(t *tx) bool { return t.Entity.Schedule != nil }),
				guard("CHG-10", "implementation starts within the planned window, or the override says why not", func(t *tx) bool {
					s := t.Entity.Schedule
					return s == nil || s.Window.Contains(t.Now) || !sms.Blank(cmd[Implementation](t).Override)
				}),
				guard("CHG-10", "the interested parties were informed of the current schedule", func(t *tx) bool {
					m, ok := p.modelOf(t.Entity)
					s := t.Entity.Schedule
					return (ok && m.SkipNotification) || (s != nil && !s.NotifiedAt.IsZero() && !s.NotifiedAt.Before(s.ScheduledAt))
				}),
				guard("CHG-09", "the build is verified: evidence recorded", func(t *tx) bool { return !sms.Blank(cmd[Implementation](t).Verification) }),
				guard("CHG-09", "the change is tested, or, where the model allows, the reason it cannot be is given", func(t *tx) bool {
					i := cmd[Implementation](t)
					if !sms.Blank(i.TestResult) {
						return true
					}
					m, ok := p.modelOf(t.Entity)
					return ok && m.Test != TestRequired && !sms.Blank(i.TestSkipped)
				}),
				guard("CHG-18", "a standard change starts only while its template is active", func(t *tx) bool {
					if t.Entity.ModelType != ModelStandard {
						return true
					}
					tpl := foundOf(t).template
					return tpl != nil && tpl.Status == TemplateActive
				}),
			},
			Apply: func(t *tx) {
				i, c := cmd[Implementation](t), t.Entity
				w := c.work()
				w.StartedAt, w.StartedBy, w.Verification, w.TestResult, w.TestSkipped, w.Override = t.Now, t.Actor.ID, i.Verification, i.TestResult, i.TestSkipped, i.Override
				c.Parties.Add(sms.PartyImplementer, t.Actor.ID, true)
				t.Record("verification", i.Verification)
				if i.TestResult != "" {
					t.Record("test_result", i.TestResult)
				} else {
					t.Record("test_skipped", i.TestSkipped)
				}
				if i.Override != "" {
					t.Record("override", i.Override)
				}
			},
		},
		{
			Trigger: string(TriggerComplete), From: st(StatusImplement), To: string(StatusReview), Roles: implementer,
			Command:     Completion{},
			Requirement: req("CHG-12", "only a change being implemented completes; after that only fail or complete records its outcome"),
			Doc:         "Record a successful implementation.",
			Segregation: []sms.Segregation[*Change]{notApprover(func(*tx) string { return "" })},
			Guards: []sms.Guard[*Change]{
				guard("CHG-12", "the outcome is successful or successful_with_issues", func(t *tx) bool { return cmd[Completion](t).Outcome != "" }),
				guard("CHG-12", "a success with issues describes them", func(t *tx) bool {
					c := cmd[Completion](t)
					return c.Outcome != OutcomeSuccessfulIssues || !sms.Blank(c.Notes)
				}),
			},
			Apply: func(t *tx) {
				c, w := cmd[Completion](t), t.Entity.work()
				w.EndedAt, w.Outcome, w.Notes = t.Now, c.Outcome, c.Notes
				t.Entity.Parties.Add(sms.PartyImplementer, t.Actor.ID, true)
				t.Record("outcome", string(c.Outcome))
				if c.Notes != "" {
					t.Record("notes", c.Notes)
				}
			},
		},
		{
			Trigger: string(TriggerFail), From: st(StatusImplement), To: string(StatusRemediating), Roles: implementer,
			Command:     Failure{},
			Requirement: req("CHG-12", "only a change being implemented fails"),
			Doc:         "Record a failed implementation; remediation follows.",
			Segregation: []sms.Segregation[*Change]{notApprover(func(*tx) string { return "" })},
			FollowUp:    suspend,
			Guards: []sms.Guard[*Change]{
				guard("CHG-12", "a failure gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Failure](t).Reason) }),
			},
			Apply: func(t *tx) {
				f, c := cmd[Failure](t), t.Entity
				w := c.work()
				w.FailureReason, w.FailedAt = f.Reason, t.Now
				c.Parties.Add(sms.PartyImplementer, t.Actor.ID, true)
				t.SetReason(f.Reason)
				for _, id := range f.Incidents {
					if c.addLink(LinkIncident, id) {
						t.Record("incident", id)
					}
				}
				if c.ModelType == ModelStandard && !p.KeepTemplateOnFailure {
					t.Record("template_suspension", c.Template)
				}
			},
		},
		{
			Trigger: string(TriggerRemediated), From: st(StatusRemediating), To: string(StatusReview), Roles: appendMissing(implementer, approvers...),
			Command:     Remedy{},
			Requirement: req("CHG-12", "only a failed change is remediated"),
			Doc:         "Record how the failed change was reversed or remedied.",
			Segregation: []sms.Segregation[*Change]{
				segregation("CHG-12", "a degraded service is accepted only by an eligible approver of the change, neither its requester nor its implementer", func(t *tx) string {
					if cmd[Remedy](t).Outcome != OutcomeDegradedAccepted {
						return ""
					}
					rule, ok := p.ruleOf(t.Entity)
					if !ok || !t.Actor.HasAny(rule.Roles) {
						return "the actor holds none of the roles of the change authority, which accepts a degraded service"
					}
					if party, ok := t.Entity.participants().Holds(t.Actor.ID, rule.Exclude...); ok {
						return "the " + string(party) + " of the change may not accept a degraded service"
					}
					return ""
				}),
			},
			Guards: []sms.Guard[*Change]{
				guard("CHG-12", "the remediation outcome is rolled_back, remedied_forward or degraded_accepted", func(t *tx) bool {
					return cmd[Remedy](t).Outcome != ""
				}),
				guard("CHG-12", "the remediation is described", func(t *tx) bool { return !sms.Blank(cmd[Remedy](t).Notes) }),
			},
			Apply: func(t *tx) {
				r, c := cmd[Remedy](t), t.Entity
				w := c.work()
				w.Remediation, w.RemediatedAt, w.EndedAt, w.Notes = r.Outcome, t.Now, t.Now, r.Notes
				if r.Outcome == OutcomeDegradedAccepted {
					w.DegradedAcceptedBy = t.Actor.ID
				}
				t.Record("outcome", string(r.Outcome))
				t.Record("notes", r.Notes)
				for _, id := range r.Incidents {
					if c.addLink(LinkIncident, id) {
						t.Record("incident", id)
					}
				}
			},
		},
		{
			Trigger: string(TriggerReview), From: st(StatusReview), Roles: managers,
			Command:     PIR{},
			Requirement: req("CHG-13", "a change is reviewed once implemented or remediated, before it closes"),
			Doc:         "Record the post-implementation review and the follow-up actions agreed.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-13", "the review summarises whether the change was effective", func(t *tx) bool { return !sms.Blank(cmd[PIR](t).Summary) }),
				guard("CHG-13", "each follow-up action names its owner and the interested parties who agreed it", func(t *tx) bool {
					for _, a := range cmd[PIR](t).Actions {
						if sms.Blank(a.Action) || a.Owner == "" || sms.Blank(a.AgreedWith) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				r, c := cmd[PIR](t), t.Entity
				c.Review = &Review{ObjectivesMet: r.ObjectivesMet, Summary: r.Summary, IncidentsCaused: slices.Clone(r.IncidentsCaused),
					UnplannedOutage: r.UnplannedOutage, Actions: slices.Clone(r.Actions), ReviewedBy: t.Actor.ID, ReviewedAt: t.Now}
				t.Record("objectives_met", strconv.FormatBool(r.ObjectivesMet))
				t.Record("summary", r.Summary)
				for _, id := range r.IncidentsCaused {
					c.addLink(LinkIncident, id)
					t.Record("incident_caused", id)
				}
				for _, a := range r.Actions {
					t.Record("action", a.Action+" (owner "+a.Owner+", agreed with "+a.AgreedWith+")")
				}
			},
		},
		{
			Trigger: string(TriggerClose), From: st(StatusReview), To: string(StatusClosed), Roles: managers,
			Command:     Closure{},
			Requirement: req("CHG-13", "only a reviewed change closes"),
			Doc:         "Close once reviewed, with the configuration updated and any emergency record completed.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-13", "the post-implementation review is recorded", func(t *tx) bool {
					return t.Entity.Review != nil || !p.reviewRequired(t.Entity)
				}),
				guard("CHG-15", "each controlled configuration item's record update is referenced, or the change declares no configuration impact", func(t *tx) bool {
					c := cmd[Closure](t)
					return p.configComplete(t.Entity, c.ConfigUpdates, c.NoConfigImpact)
				}),
				guard("CHG-17", "an emergency change's record is completed after the fact before it closes: its assessment", func(t *tx) bool {
					return t.Entity.ModelType != ModelEmergency || t.Entity.Assessment != nil
				}),
			},
			Apply: func(t *tx) {
				cl, c := cmd[Closure](t), t.Entity
				switch {
				case c.Failed():
					c.CloseCode = CloseUnsuccessful
				case c.Work != nil && c.Work.Outcome == OutcomeSuccessfulIssues:
					c.CloseCode = CloseSuccessfulIssues
				default:
					c.CloseCode = CloseSuccessful
				}
				c.ClosedAt, c.ConfigUpdates, c.NoConfigImpact = t.Now, slices.Clone(cl.ConfigUpdates), cl.NoConfigImpact
				t.Record("close_code", string(c.CloseCode))
				for _, u := range cl.ConfigUpdates {
					t.Record("config_update", u.Item+"="+u.Ref)
				}
				if cl.NoConfigImpact {
					t.Record("no_config_impact", "true")
				}
				if cl.Notes != "" {
					t.Record("notes", cl.Notes)
				}
			},
		},
		{
			Trigger: string(TriggerCancel), From: st(StatusDraft, StatusAssess, StatusAuthorize, StatusScheduled), To: string(StatusCancelled), Roles: requesters,
			Command:     Cancellation{},
			Requirement: req("CHG-20", "a change is cancelled only before its implementation starts"),
			Doc:         "Withdraw before implementation, with a reason.",
			Guards: []sms.Guard[*Change]{
				guard("CHG-20", "a cancellation gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Cancellation](t).Reason) }),
			},
			Apply: func(t *tx) {
				r := cmd[Cancellation](t).Reason
				t.Entity.CancelReason = r
				t.SetReason(r)
				for _, id := range t.Entity.LinkIDs(LinkRelease) {
					t.Record("release_flagged", id)
				}
			},
		},
		{
			Trigger: string(TriggerLink), From: open, Roles: appendMissing(requesters, RoleImplementer),
			Command:     Link{},
			Requirement: req("CHG-04", "links are added until the change is closed, rejected or cancelled"),
			Doc:         "Link an incident, problem, known error, release, change or advisory.",
			Apply: func(t *tx) {
				l := cmd[Link](t)
				t.Entity.addLink(l.Type, l.ID)
				t.Record("type", l.Type)
				t.Record("id", l.ID)
			},
		},
		{
			Trigger: string(TriggerNote), From: st(Statuses()...), Roles: everyone,
			Command: Note{},
			Doc:     "Add a note; the only trigger a closed, rejected or cancelled change accepts.",
			Apply:   func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
	}
	return sms.Definition[*Change]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusClosed, StatusRejected, StatusCancelled),
		New:       func() *Change { return &Change{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}

// setModel records the change's model and its type.
func setModel(p *Policy, t *tx, name string) {
	c := t.Entity
	if name == "" {
		return
	}
	t.RecordChange("model", c.Model, name)
	c.Model = name
	if m, ok := p.Model(name); ok {
		c.ModelType = m.Type
	}
}

// setScope adds services and configuration items, as fields and links.
func setScope(t *tx, services []string, items []ConfigItem) {
	c := t.Entity
	for _, s := range services {
		if c.addLink(LinkService, s) {
			c.Services = append(c.Services, s)
			t.Record("service", s)
		}
	}
	for _, ci := range items {
		if c.addLink(LinkConfigItem, ci.ID) {
			c.ConfigItems = append(c.ConfigItems, ci)
			t.Record("config_item", ci.ID+" ("+ci.Type+")")
		}
	}
}

// setTemplate names the change's standard-change template.
func setTemplate(t *tx, id string) {
	c := t.Entity
	if id == "" {
		return
	}
	t.RecordChange("template", c.Template, id)
	c.removeLinks(LinkTemplate)
	c.Template = id
	c.addLink(LinkTemplate, id)
}
