package release

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Requirements returns the catalogue of release and deployment
// management: the requirements this package enforces, REL-01 to REL-12,
// in the project's own words. The workflow's guards, required fields and
// approval gate cite it by ID, the workflow fills in each clause, and the
// conformance findings carry its sentences.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "REL-01", Clause: "8.5.3", Text: "release types, emergency among them, their frequency and handling are defined"},
		{ID: "REL-02", Clause: "8.5.3", Text: "deployment of new or changed services and components is planned"},
		{ID: "REL-03", Clause: "8.5.3", Text: "release planning is coordinated with change management and references the changes, problems and known errors"},
		{ID: "REL-04", Clause: "8.5.3", Text: "the plan states deployment dates, deliverables and deployment methods"},
		{ID: "REL-05", Clause: "8.5.3", Text: "releases are verified against acceptance criteria and approved before deployment"},
		{ID: "REL-06", Clause: "8.5.3", Text: "when acceptance criteria are not met, the interested parties decide what to do"},
		{ID: "REL-07", Clause: "8.5.3", Text: "a baseline of the affected configuration items is taken before deployment"},
		{ID: "REL-08", Clause: "8.5.3", Text: "deployment preserves the integrity of the components"},
		{ID: "REL-09", Clause: "8.5.3", Text: "release success or failure is monitored and analysed, early-life incidents included"},
		{ID: "REL-10", Clause: "8.5.3", Text: "analysis results and conclusions are recorded and reviewed for improvement"},
		{ID: "REL-11", Clause: "8.5.3", Text: "release outcomes and upcoming release dates are available to other processes"},
		{ID: "REL-12", Clause: "8.5.3", Text: "a release cannot deploy while a linked change is unauthorized or cancelled"},
	}
}

// req cites the catalogue's requirement id with a sentence of the
// citation's own; the workflow fills in the clause.
func req(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

type tx = sms.Transition[*Release]

func guard(id, text string, check func(*tx) bool) sms.Guard[*Release] {
	return sms.Guard[*Release]{Requirement: req(id, text), Check: check}
}

// segregation is a segregation-of-duties rule: check returns "" when the
// actor may fire, else why not. A breach is a *sms.ForbiddenError citing
// the requirement.
func segregation(id, text string, check func(*tx) string) sms.Segregation[*Release] {
	return sms.Segregation[*Release]{Requirement: req(id, text), Check: check}
}

// notApprover refuses a deployer who approved the release (REL-05): the
// acting actor and, when the command names one, the deployer it names.
func notApprover(named func(*tx) string) sms.Segregation[*Release] {
	return segregation("REL-05", "an approver of the release never deploys it", func(t *tx) string {
		r := t.Entity
		if r.approver(t.Actor.ID) {
			return "the actor " + strconv.Quote(t.Actor.ID) + " approved the release and may not deploy it"
		}
		if d := named(t); d != t.Actor.ID && r.approver(d) {
			return "the deployer named, " + strconv.Quote(d) + ", approved the release and may not deploy it"
		}
		return ""
	})
}

// cmd returns the transition's command as C (the zero C for a foreign
// command).
func cmd[C Command](t *tx) C { return sms.CommandOf[C](t) }

func ts(t time.Time) time.Time { return sms.Micro(t) }

func notBlank(s string) bool { return !sms.Blank(s) }

func st(ss ...Status) []string { return sms.StatesOf(ss...) }

func roles(rs ...sms.Role) []sms.Role { return rs }

func appendMissing(dst []sms.Role, src ...sms.Role) []sms.Role {
	for _, r := range src {
		if !slices.Contains(dst, r) {
			dst = append(dst, r)
		}
	}
	return dst
}

func validWindows(ws []Window) bool {
	return len(ws) > 0 && !slices.ContainsFunc(ws, func(w Window) bool { return w.Start.IsZero() || !w.End.After(w.Start) })
}

func validDeliverables(ds []Deliverable) bool {
	return len(ds) > 0 && !slices.ContainsFunc(ds, func(d Deliverable) bool { return !notBlank(d.Name) || !notBlank(d.Version) })
}

// covered reports whether results cover every criterion.
func covered(criteria []string, results []CriterionResult) bool {
	for _, c := range criteria {
		if !slices.ContainsFunc(results, func(r CriterionResult) bool { return r.Criterion == c }) {
			return false
		}
	}
	return true
}

func allPassed(results []CriterionResult) bool {
	return !slices.ContainsFunc(results, func(r CriterionResult) bool { return !r.Passed })
}

func approverRole(r sms.ApprovalRule, a sms.Actor) sms.Role {
	role, _ := sms.DecidingRole(r, a, "")
	return role
}

func approvedBy(r *Release, who string) bool {
	return slices.ContainsFunc(r.Approvals, func(a sms.Approval) bool { return a.Approver == who && a.Decision == sms.Approve })
}

// setContent applies the non-empty parts of a plan.
func setContent(t *tx, c Content) {
	r := t.Entity
	if c.Plan != "" {
		r.Plan = c.Plan
		t.Record("plan", c.Plan)
	}
	if c.Changes != nil {
		r.removeLinks(LinkChange)
		r.Changes = nil
		for _, id := range c.Changes {
			if r.addLink(LinkChange, id) {
				r.Changes = append(r.Changes, id)
				t.Record("change", id)
			}
		}
	}
	if c.Windows != nil {
		r.Windows = make([]Window, len(c.Windows))
		for i, w := range c.Windows {
			r.Windows[i] = Window{Start: ts(w.Start), End: ts(w.End)}
			t.RecordTime("window_start", r.Windows[i].Start)
			t.RecordTime("window_end", r.Windows[i].End)
		}
	}
	if c.Deliverables != nil {
		r.Deliverables = slices.Clone(c.Deliverables)
		for _, d := range c.Deliverables {
			t.Record("deliverable", d.Name+" "+d.Version)
		}
	}
	if c.Method != "" {
		r.Method = c.Method
		t.Record("method", c.Method)
	}
	if c.ConfigItems != nil {
		r.removeLinks(LinkConfigItem)
		r.ConfigItems = nil
		for _, id := range c.ConfigItems {
			if r.addLink(LinkConfigItem, id) {
				r.ConfigItems = append(r.ConfigItems, id)
				t.Record("config_item", id)
			}
		}
	}
	if c.Criteria != nil {
		r.Criteria = slices.Clone(c.Criteria)
		for _, cr := range c.Criteria {
			t.Record("criterion", cr)
		}
	}
	for _, id := range c.Problems {
		if r.addLink(LinkProblem, id) {
			t.Record("problem", id)
		}
	}
	for _, id := range c.KnownErrors {
		if r.addLink(LinkKnownError, id) {
			t.Record("known_error", id)
		}
	}
}

func planGuards(p *Policy, content func(*tx) Content, creating bool) []sms.Guard[*Release] {
	opt := func(given func(Content) bool, ok func(Content) bool) func(*tx) bool {
		return func(t *tx) bool {
			c := content(t)
			return (!creating && !given(c)) || ok(c)
		}
	}
	return []sms.Guard[*Release]{
		guard("REL-03", "a release implements at least one change", opt(func(c Content) bool { return c.Changes != nil },
			func(c Content) bool { return len(c.Changes) > 0 })),
		guard("REL-12", "every linked change is authorized, as change management reports", func(t *tx) bool {
			return (!creating && content(t).Changes == nil) || changesAuthorized(t)
		}),
		guard("REL-04", "the plan states deployment windows, each ending after it starts", opt(func(c Content) bool { return c.Windows != nil },
			func(c Content) bool { return validWindows(c.Windows) })),
		guard("REL-04", "the plan lists the deliverables, each with its version", opt(func(c Content) bool { return c.Deliverables != nil },
			func(c Content) bool { return validDeliverables(c.Deliverables) })),
		guard("REL-04", "the plan states a deployment method the policy allows", opt(func(c Content) bool { return c.Method != "" },
			func(c Content) bool {
				return c.Method != "" && (len(p.Methods) == 0 || slices.Contains(p.Methods, c.Method))
			})),
	}
}

func definition(p *Policy, changes ChangeLookup) sms.Definition[*Release] {
	var (
		managers  = roles(RoleReleaseManager)
		testers   = roles(RoleTester, RoleReleaseManager)
		deployers = roles(RoleDeployer, RoleReleaseManager)
		approvers = p.approverRoles()
		everyone  = appendMissing(roles(RoleReleaseManager, RoleTester, RoleDeployer), approvers...)
		active    = st(StatusPlanned, StatusBuilding, StatusTesting, StatusAccepted, StatusAcceptanceFailed, StatusApproved,
			StatusDeploying, StatusEarlyLife, StatusReview, StatusRolledBack)
	)
	decided := func(d Decided) bool { return len(d.Participants) > 0 && notBlank(d.Rationale) }
	rules := []sms.Rule[*Release]{
		{
			Trigger: string(TriggerPlan), To: string(StatusPlanned), Roles: managers, Command: Planning{},
			Doc:     "Plan a release of authorized changes: windows, deliverables, method, criteria.",
			Prepare: prepareChanges(changes, func(t *tx) []string { return cmd[Planning](t).Changes }),
			Guards: append([]sms.Guard[*Release]{
				guard("REL-01", "the release is of a type the policy defines", func(t *tx) bool {
					_, ok := p.TypeOf(cmd[Planning](t).Type)
					return ok
				}),
			}, planGuards(p, func(t *tx) Content { return cmd[Planning](t).Content }, true)...),
			Requires: []sms.Required[*Release]{
				{Field: "name", Requirement: req("REL-02", "a release is planned under a name"), Present: func(r *Release) bool { return notBlank(r.Name) }},
				{Field: "owner", Requirement: req("REL-02", "a release names its owner"), Present: func(r *Release) bool { return r.Owner != "" }},
				{Field: "plan", Requirement: req("REL-02", "a release carries its deployment plan"), Present: func(r *Release) bool { return notBlank(r.Plan) }},
			},
			Apply: func(t *tx) {
				c, r := cmd[Planning](t), t.Entity
				r.ID, r.Name, r.Type, r.Owner, r.PolicyVersion = c.ID, c.Name, c.Type, c.Owner, p.Version
				if typ, ok := p.TypeOf(c.Type); ok {
					r.Emergency = typ.Emergency
				}
				t.Record("name", c.Name)
				t.Record("type", c.Type)
				t.Record("owner", c.Owner)
				t.Record("policy_version", p.Version)
				// The planner owns the release as much as the owner the plan
				// names: neither approves it (REL-05).
				r.Parties.Add(sms.PartyOwner, t.Actor.ID, true)
				r.Parties.Add(sms.PartyOwner, c.Owner, false)
				setContent(t, c.Content)
			},
		},
		{
			Trigger: string(TriggerAmend), From: st(StatusPlanned, StatusBuilding), Roles: managers, Command: Replanning{},
			Requirement: req("REL-04", "a release is replanned until it is submitted for test"),
			Doc:         "Replan: replace windows, deliverables, method, changes or criteria.",
			Prepare:     prepareChanges(changes, func(t *tx) []string { return cmd[Replanning](t).Changes }),
			Guards: append(planGuards(p, func(t *tx) Content { return cmd[Replanning](t).Content }, false),
				guard("REL-02", "replanning replaces the deployment plan with a plan, never with white space", func(t *tx) bool {
					pl := cmd[Replanning](t).Plan
					return pl == "" || notBlank(pl)
				})),
			Apply: func(t *tx) { setContent(t, cmd[Replanning](t).Content) },
		},
		{
			Trigger: string(TriggerStartBuild), From: st(StatusPlanned), To: string(StatusBuilding), Roles: managers, Command: BuildStart{},
			Requirement: req("REL-02", "a release is built from its plan, once"),
			Doc:         "Start building.",
			Apply: func(t *tx) {
				if n := cmd[BuildStart](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerSubmitForTest), From: st(StatusBuilding), To: string(StatusTesting), Roles: managers, Command: TestSubmission{},
			Requirement: req("REL-05", "a release is tested once built"),
			Doc:         "Submit the built release for acceptance testing.",
			Guards: []sms.Guard[*Release]{
				guard("REL-04", "the deliverables are listed, each with its version", func(t *tx) bool { return validDeliverables(t.Entity.Deliverables) }),
				guard("REL-05", "the acceptance criteria are documented", func(t *tx) bool { return len(t.Entity.Criteria) > 0 }),
			},
			Apply: func(t *tx) {
				if n := cmd[TestSubmission](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerPassAcceptance), From: st(StatusTesting), To: string(StatusAccepted), Roles: testers, Command: AcceptancePassed{},
			Requirement: req("REL-05", "acceptance is recorded while the release is tested"),
			Doc:         "Record acceptance tests in which every criterion passed.",
			Guards: []sms.Guard[*Release]{
				guard("REL-05", "every acceptance criterion has a result", func(t *tx) bool {
					return covered(t.Entity.Criteria, cmd[AcceptancePassed](t).Results)
				}),
				guard("REL-05", "every criterion passed; a failure is recorded with fail_acceptance", func(t *tx) bool {
					return allPassed(cmd[AcceptancePassed](t).Results)
				}),
			},
			Apply: func(t *tx) { setResults(t, cmd[AcceptancePassed](t).Results) },
		},
		{
			Trigger: string(TriggerFailAcceptance), From: st(StatusTesting), To: string(StatusAcceptanceFailed), Roles: testers, Command: AcceptanceFailed{},
			Requirement: req("REL-05", "acceptance is recorded while the release is tested"),
			Doc:         "Record acceptance tests in which a criterion failed; a decision follows.",
			Guards: []sms.Guard[*Release]{
				guard("REL-05", "every acceptance criterion has a result", func(t *tx) bool {
					return covered(t.Entity.Criteria, cmd[AcceptanceFailed](t).Results)
				}),
				guard("REL-06", "a failed acceptance names at least one failed criterion", func(t *tx) bool {
					return !allPassed(cmd[AcceptanceFailed](t).Results)
				}),
			},
			Apply: func(t *tx) { setResults(t, cmd[AcceptanceFailed](t).Results) },
		},
		{
			Trigger: string(TriggerRework), From: st(StatusAcceptanceFailed), To: string(StatusBuilding), Roles: managers, Command: Rework{},
			Requirement: req("REL-06", "only a failed acceptance is decided on"),
			Doc:         "Decide to rework the release.",
			Guards: []sms.Guard[*Release]{
				guard("REL-06", "the decision names the interested parties who took it and why", func(t *tx) bool { return decided(cmd[Rework](t).Decided) }),
			},
			Apply: func(t *tx) { decide(t, DecideRework, cmd[Rework](t).Decided, nil) },
		},
		{
			Trigger: string(TriggerAcceptKnownErrors), From: st(StatusAcceptanceFailed), To: string(StatusAccepted), Roles: managers, Command: KnownErrorAcceptance{},
			Requirement: req("REL-06", "only a failed acceptance is decided on"),
			Doc:         "Decide to deploy with known errors, one per failed criterion.",
			Guards: []sms.Guard[*Release]{
				guard("REL-06", "the decision names the interested parties who took it and why", func(t *tx) bool {
					return decided(cmd[KnownErrorAcceptance](t).Decided)
				}),
				guard("REL-06", "deploying with failed criteria links a known error to each failed criterion", func(t *tx) bool {
					kes := cmd[KnownErrorAcceptance](t).KnownErrors
					for _, c := range t.Entity.failedCriteria() {
						if !slices.ContainsFunc(kes, func(k CriterionKnownError) bool { return k.Criterion == c && k.KnownError != "" }) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				c := cmd[KnownErrorAcceptance](t)
				decide(t, DecideDeployWithErrors, c.Decided, c.KnownErrors)
				for _, k := range c.KnownErrors {
					t.Entity.addLink(LinkKnownError, k.KnownError)
				}
			},
		},
		{
			Trigger: string(TriggerApprove), From: st(StatusAccepted), Roles: approvers, Command: Approval{},
			Requirement: req("REL-05", "a release is approved once it is accepted, before deployment"),
			Doc:         "Record one approver's approval, with its rationale.",
			// The release type's approval rule: an approver who holds one of
			// its roles, neither the owner nor the deployer (acting or
			// named), once. A release of a type the policy no longer knows
			// has no rule: nobody approves it.
			Approval: &sms.ApprovalGate[*Release]{
				Requirement: req("REL-05", "a release is approved, once each, by holders of its type's approval rule other than its owner and its deployer"),
				Rule: func(t *tx) (sms.ApprovalRule, bool) {
					r, _ := p.rule(t.Entity)
					return r, true
				},
				Parties: (*Release).participants,
				Decided: approvedBy,
			},
			Guards: []sms.Guard[*Release]{
				guard("REL-05", "an approval records its rationale", func(t *tx) bool { return notBlank(cmd[Approval](t).Rationale) }),
			},
			Apply: func(t *tx) {
				a, r := cmd[Approval](t), t.Entity
				rule, _ := p.rule(r)
				role := approverRole(rule, t.Actor)
				r.Approvals = append(r.Approvals, sms.Approval{Approver: t.Actor.ID, Role: role, Decision: sms.Approve, Rationale: a.Rationale, At: t.Now})
				r.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
				t.Record("role", string(role))
				t.Record("rationale", a.Rationale)
				t.Record("tally", string(rule.Tally(r.Approvals, r.participants())))
			},
		},
		{
			Trigger: string(TriggerAuthorize), From: st(StatusAccepted), To: string(StatusApproved), Roles: appendMissing(roles(RoleReleaseManager), approvers...),
			Command:     Authorization{},
			Requirement: req("REL-05", "a release is approved for deployment once accepted"),
			Doc:         "Approve for deployment once the quorum approved and every change is authorized.",
			Prepare:     prepareChanges(changes, func(t *tx) []string { return t.Entity.Changes }),
			Guards: []sms.Guard[*Release]{
				guard("REL-05", "the release type's quorum of distinct, eligible approvers approved the release", func(t *tx) bool {
					r, ok := p.rule(t.Entity)
					return ok && r.Tally(t.Entity.Approvals, t.Entity.participants()) == sms.Approved
				}),
				guard("REL-12", "every linked change is authorized, as change management reports", func(t *tx) bool {
					return changesAuthorized(t)
				}),
			},
			Apply: func(t *tx) {
				r := t.Entity
				r.AuthorizedAt, r.AuthorizedBy = t.Now, t.Actor.ID
				var who []string
				for _, a := range r.Approvals {
					who = append(who, a.Approver)
				}
				t.Record("approved_by", strings.Join(who, ","))
				if n := cmd[Authorization](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerCaptureBaseline), From: st(StatusApproved), Roles: deployers, Command: BaselineCapture{},
			Requirement: req("REL-07", "the baseline is captured once the release is approved, before it deploys"),
			Doc:         "Record the baseline of the affected configuration items.",
			Guards: []sms.Guard[*Release]{
				guard("REL-07", "a baseline is captured once and never replaced", func(t *tx) bool { return t.Entity.Baseline == nil }),
				guard("REL-07", "the baseline has an ID and lists items, each at its version", func(t *tx) bool {
					b := cmd[BaselineCapture](t)
					return b.ID != "" && len(b.Items) > 0 &&
						!slices.ContainsFunc(b.Items, func(i ItemVersion) bool { return i.Item == "" || !notBlank(i.Version) })
				}),
				guard("REL-07", "the baseline covers every configuration item the release affects", func(t *tx) bool {
					items := cmd[BaselineCapture](t).Items
					for _, ci := range t.Entity.ConfigItems {
						if !slices.ContainsFunc(items, func(i ItemVersion) bool { return i.Item == ci }) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				b, r := cmd[BaselineCapture](t), t.Entity
				if r.Baseline != nil {
					return
				}
				r.Baseline = &Baseline{ID: b.ID, TakenAt: t.Now, Items: slices.Clone(b.Items)}
				t.Record("baseline", b.ID)
				for _, i := range b.Items {
					t.Record("item", i.Item+"@"+i.Version)
				}
			},
		},
		{
			Trigger: string(TriggerDeploy), From: st(StatusApproved), To: string(StatusDeploying), Roles: deployers, Command: DeployStart{},
			Requirement: req("REL-05", "only an approved release deploys"),
			Doc:         "Start deploying within a window, baselined, with every change authorized.",
			Prepare:     prepareChanges(changes, func(t *tx) []string { return t.Entity.Changes }),
			Segregation: []sms.Segregation[*Release]{notApprover(func(t *tx) string { return cmd[DeployStart](t).Deployer })},
			Guards: []sms.Guard[*Release]{
				guard("REL-05", "the approval is dated before the deployment", func(t *tx) bool {
					r := t.Entity
					return !r.AuthorizedAt.IsZero() && !r.AuthorizedAt.After(t.Now) &&
						!slices.ContainsFunc(r.Approvals, func(a sms.Approval) bool { return a.At.After(t.Now) })
				}),
				guard("REL-07", "the baseline of the affected configuration items was captured before deployment", func(t *tx) bool {
					return t.Entity.Baseline != nil && !t.Entity.Baseline.TakenAt.After(t.Now)
				}),
				guard("REL-04", "deployment starts within a planned window, or the override says why not", func(t *tx) bool {
					return notBlank(cmd[DeployStart](t).Override) ||
						slices.ContainsFunc(t.Entity.Windows, func(w Window) bool { return w.Contains(t.Now) })
				}),
				guard("REL-12", "every linked change is authorized, as change management reports", func(t *tx) bool {
					return changesAuthorized(t)
				}),
				guard("REL-08", "the deployment names who deploys", func(t *tx) bool { return cmd[DeployStart](t).Deployer != "" }),
			},
			Apply: func(t *tx) {
				d, r := cmd[DeployStart](t), t.Entity
				r.Deployment = &Deployment{Deployer: d.Deployer, StartedAt: t.Now, Override: d.Override}
				r.Parties.Add(sms.PartyDeployer, t.Actor.ID, true)
				r.Parties.Add(sms.PartyDeployer, d.Deployer, false)
				t.Record("deployer", d.Deployer)
				if d.Override != "" {
					t.Record("override", d.Override)
				}
				if r.Baseline != nil {
					t.Record("baseline", r.Baseline.ID)
				}
			},
		},
		{
			Trigger: string(TriggerCompleteDeploy), From: st(StatusDeploying), To: string(StatusEarlyLife), Roles: deployers, Command: DeploymentResult{},
			Requirement: req("REL-08", "only a deployment under way completes"),
			Doc:         "Record every target deployed and verified; early life starts.",
			Requires: []sms.Required[*Release]{{Field: "deployment.deployed_at",
				Requirement: req("REL-11", "a deployed release records when it was deployed, for the outcomes other processes read"),
				Present:     func(r *Release) bool { return r.Deployment != nil && !r.Deployment.DeployedAt.IsZero() }}},
			Segregation: []sms.Segregation[*Release]{notApprover(func(*tx) string { return "" })},
			Guards: []sms.Guard[*Release]{
				guard("REL-08", "every target has a result and every one succeeded; a partial failure is rolled back", func(t *tx) bool {
					ts := cmd[DeploymentResult](t).Targets
					return len(ts) > 0 && !slices.ContainsFunc(ts, func(x TargetResult) bool { return x.Target == "" || !x.OK })
				}),
				guard("REL-08", "the post-deployment verification is recorded", func(t *tx) bool { return notBlank(cmd[DeploymentResult](t).Verification) }),
			},
			Apply: func(t *tx) {
				c, r := cmd[DeploymentResult](t), t.Entity
				d := r.Deployment
				if d == nil {
					d = &Deployment{}
					r.Deployment = d
				}
				d.Targets, d.Verification, d.DeployedAt = slices.Clone(c.Targets), c.Verification, t.Now
				r.Parties.Add(sms.PartyDeployer, t.Actor.ID, true)
				if typ, ok := p.TypeOf(r.Type); ok {
					d.EarlyLifeEnds = t.Now.Add(typ.EarlyLife)
				}
				for _, x := range c.Targets {
					t.Record("target", x.Target)
				}
				t.Record("verification", c.Verification)
				t.RecordTime("early_life_ends", d.EarlyLifeEnds)
				for _, id := range r.LinkIDs(LinkKnownError) {
					t.Record("fix_deployed", id)
				}
			},
		},
		{
			Trigger: string(TriggerRollback), From: st(StatusDeploying, StatusEarlyLife), To: string(StatusRolledBack), Roles: deployers, Command: Rollback{},
			Requirement: req("REL-08", "a release is rolled back while it deploys or in early life"),
			Doc:         "Restore the baseline; the linked changes are to be failed.",
			Guards: []sms.Guard[*Release]{
				guard("REL-08", "a rollback gives its reason", func(t *tx) bool { return notBlank(cmd[Rollback](t).Reason) }),
				guard("REL-07", "a rollback restores the baseline captured before deployment", func(t *tx) bool { return t.Entity.Baseline != nil }),
			},
			Apply: func(t *tx) {
				c, r := cmd[Rollback](t), t.Entity
				if r.Deployment == nil {
					r.Deployment = &Deployment{}
				}
				d := r.Deployment
				d.RolledBackAt, d.RollbackReason = t.Now, c.Reason
				if len(c.Targets) > 0 {
					d.Targets = slices.Clone(c.Targets)
				}
				t.SetReason(c.Reason)
				if r.Baseline != nil {
					d.RestoredTo = r.Baseline.ID
					t.Record("restored_to", r.Baseline.ID)
				}
				for _, id := range r.Changes {
					t.Record("change_failed", id)
				}
			},
		},
		{
			Trigger: string(TriggerRecordIncident), From: st(StatusEarlyLife, StatusReview), Roles: appendMissing(deployers, RoleTester), Command: IncidentRecord{},
			Requirement: req("REL-09", "early-life incidents are recorded after deployment, until the analysis"),
			Doc:         "Count an incident related to the release during its early life.",
			Guards: []sms.Guard[*Release]{
				guard("REL-09", "the incident is named", func(t *tx) bool { return cmd[IncidentRecord](t).Incident != "" }),
			},
			Apply: func(t *tx) {
				id, r := cmd[IncidentRecord](t).Incident, t.Entity
				if r.addLink(LinkIncident, id) {
					r.Incidents = append(r.Incidents, id)
				}
				t.Record("incident", id)
				t.Record("count", strconv.Itoa(len(r.Incidents)))
			},
		},
		{
			Trigger: string(TriggerEndEarlyLife), From: st(StatusEarlyLife), To: string(StatusReview), Roles: managers, Command: EarlyLifeEnd{},
			Requirement: req("REL-09", "only a release in early life ends it"),
			Doc:         "End early life once its window elapsed; the analysis follows.",
			Guards: []sms.Guard[*Release]{
				guard("REL-09", "the early-life window has elapsed", func(t *tx) bool {
					d := t.Entity.Deployment
					return d != nil && !d.EarlyLifeEnds.IsZero() && !t.Now.Before(d.EarlyLifeEnds)
				}),
			},
			Apply: func(t *tx) {
				t.Record("incidents", strconv.Itoa(len(t.Entity.Incidents)))
				if n := cmd[EarlyLifeEnd](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerReview), From: st(StatusReview, StatusRolledBack), Roles: managers, Command: AnalysisRecord{},
			Requirement: req("REL-10", "a release is analysed after its early life or its rollback"),
			Doc:         "Record the analysis: outcome, incidents counted, conclusions.",
			Guards: []sms.Guard[*Release]{
				guard("REL-09", "the analysis states the outcome: successful or failed", func(t *tx) bool { return cmd[AnalysisRecord](t).Outcome != "" }),
				guard("REL-10", "the analysis records its conclusions", func(t *tx) bool { return notBlank(cmd[AnalysisRecord](t).Conclusions) }),
			},
			Apply: func(t *tx) {
				c, r := cmd[AnalysisRecord](t), t.Entity
				r.Analysis = &Analysis{Outcome: c.Outcome, IncidentCount: len(r.Incidents), Conclusions: c.Conclusions,
					Improvements: slices.Clone(c.Improvements), AnalysedBy: t.Actor.ID, AnalysedAt: t.Now}
				t.Record("outcome", string(c.Outcome))
				t.Record("incident_count", strconv.Itoa(len(r.Incidents)))
				t.Record("conclusions", c.Conclusions)
				for _, i := range c.Improvements {
					t.Record("improvement", i)
				}
			},
		},
		{
			Trigger: string(TriggerClose), From: st(StatusReview, StatusRolledBack), To: string(StatusClosed), Roles: managers, Command: Closure{},
			Requirement: req("REL-10", "only an analysed release closes"),
			Doc:         "Close once the analysis is recorded.",
			Guards: []sms.Guard[*Release]{
				guard("REL-10", "the analysis, with its conclusions, is recorded", func(t *tx) bool { return t.Entity.Analysis != nil }),
			},
			Apply: func(t *tx) {
				r := t.Entity
				r.ClosedAt = t.Now
				if r.Analysis != nil {
					t.Record("outcome", string(r.Analysis.Outcome))
				}
				if n := cmd[Closure](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerCancel), From: st(StatusPlanned, StatusBuilding, StatusTesting, StatusAccepted, StatusAcceptanceFailed, StatusApproved),
			To: string(StatusCancelled), Roles: managers, Command: Cancellation{},
			Requirement: req("REL-08", "a release is cancelled only before it deploys; then it is rolled back"),
			Doc:         "Cancel before deployment; after a failed acceptance it is the decision.",
			Guards: []sms.Guard[*Release]{
				guard("REL-02", "a cancellation gives its reason", func(t *tx) bool { return notBlank(cmd[Cancellation](t).Reason) }),
				guard("REL-06", "cancelling after a failed acceptance is decided with the interested parties: name them", func(t *tx) bool {
					return t.From != string(StatusAcceptanceFailed) || len(cmd[Cancellation](t).Participants) > 0
				}),
			},
			Apply: func(t *tx) {
				c := cmd[Cancellation](t)
				t.Entity.CancelReason = c.Reason
				t.SetReason(c.Reason)
				if t.From == string(StatusAcceptanceFailed) {
					decide(t, DecideCancel, Decided{Participants: c.Participants, Rationale: c.Reason}, nil)
				}
			},
		},
		{
			Trigger: string(TriggerLink), From: active, Roles: managers, Command: Link{},
			Requirement: req("REL-03", "problems and known errors are linked until the release closes"),
			Doc:         "Link a problem or known error the release resolves.",
			Apply: func(t *tx) {
				l := cmd[Link](t)
				t.Entity.addLink(l.Type, l.ID)
				t.Record("type", l.Type)
				t.Record("id", l.ID)
			},
		},
		{
			Trigger: string(TriggerNote), From: st(Statuses()...), Roles: everyone, Command: Note{},
			Doc:   "Add a note; the only trigger a closed or cancelled release accepts.",
			Apply: func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
	}
	return sms.Definition[*Release]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusClosed, StatusCancelled),
		New:       func() *Release { return &Release{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}

func setResults(t *tx, results []CriterionResult) {
	t.Entity.Results = slices.Clone(results)
	for _, r := range results {
		if r.Passed {
			t.Record("passed", r.Criterion)
		} else {
			t.Record("failed", r.Criterion)
		}
	}
}

func decide(t *tx, outcome DecisionOutcome, d Decided, kes []CriterionKnownError) {
	t.Entity.Decision = &Decision{Outcome: outcome, Participants: slices.Clone(d.Participants), Rationale: d.Rationale,
		KnownErrors: slices.Clone(kes), At: t.Now}
	t.Record("decision", string(outcome))
	t.Record("participants", strings.Join(d.Participants, ","))
	t.Record("rationale", d.Rationale)
	for _, k := range kes {
		t.Record("known_error", k.Criterion+"="+k.KnownError)
	}
}
