package problem

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Requirements returns the problem-management requirements this package
// enforces, PRB-01 to PRB-15, in the project's own words.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "PRB-01", Clause: "8.6.3", Text: "incident data and trends are analysed to find problems"},
		{ID: "PRB-02", Clause: "8.6.3", Text: "the root cause is analysed and actions against recurrence identified"},
		{ID: "PRB-03", Clause: "8.6.3", Text: "problems are recorded and classified"},
		{ID: "PRB-04", Clause: "8.6.3", Text: "problems are prioritised"},
		{ID: "PRB-05", Clause: "8.6.3", Text: "problems are escalated when needed"},
		{ID: "PRB-06", Clause: "8.6.3", Text: "problems are resolved where possible"},
		{ID: "PRB-07", Clause: "8.6.3", Text: "problems are closed"},
		{ID: "PRB-08", Clause: "8.6.3", Text: "the problem record is kept current with the actions taken"},
		{ID: "PRB-09", Clause: "8.6.3", Text: "changes that resolve a problem follow the change policy"},
		{ID: "PRB-10", Clause: "8.6.3", Text: "while the cause is not fixed, actions reduce or remove the impact"},
		{ID: "PRB-11", Clause: "8.6.3", Text: "known errors are recorded"},
		{ID: "PRB-12", Clause: "8.6.3", Text: "current information on known errors and resolutions is available to other activities"},
		{ID: "PRB-13", Clause: "8.6.3", Text: "the effectiveness of problem resolution is monitored, reviewed and reported"},
		{ID: "PRB-14", Clause: "8.6.1/8.6.3", Text: "every major incident is considered for a problem record"},
		{ID: "PRB-15", Clause: "8.6.3", Text: "linked incidents learn of the problem's workaround or fix"},
	}
}

// cite cites a requirement of the catalogue ([Requirements]) by ID, with
// the sentence a refusal states; the catalogue gives the clause.
func cite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

// requirement returns the requirement of the catalogue with the ID.
func requirement(id string) sms.Requirement {
	for _, r := range Requirements() {
		if r.ID == id {
			return r
		}
	}
	return sms.Requirement{ID: id}
}

type (
	tx   = sms.Transition[*Problem]
	ketx = sms.Transition[*KnownError]
)

func guard(id, text string, check func(*tx) bool) sms.Guard[*Problem] {
	return sms.Guard[*Problem]{Requirement: cite(id, text), Check: check}
}

func keGuard(id, text string, check func(*ketx) bool) sms.Guard[*KnownError] {
	return sms.Guard[*KnownError]{Requirement: cite(id, text), Check: check}
}

func required(field, id, text string, present func(*Problem) bool) sms.Required[*Problem] {
	return sms.Required[*Problem]{Field: field, Requirement: cite(id, text), Present: present}
}

func keRequired(field, id, text string, present func(*KnownError) bool) sms.Required[*KnownError] {
	return sms.Required[*KnownError]{Field: field, Requirement: cite(id, text), Present: present}
}

// cmd returns the transition's command as C, or C's zero value: guards and
// effects never panic on a foreign command.
func cmd[C any](t *tx) C { return sms.CommandOf[C](t) }

func kecmd[C any](t *ketx) C { return sms.CommandOf[C](t) }

func st[S ~string](ss ...S) []string { return sms.StatesOf(ss...) }

func roles(rs ...sms.Role) []sms.Role { return rs }

func itoa[N ~int](n N) string { return strconv.Itoa(int(n)) }

// riskParties returns who may not approve the problem's risk acceptance
// (PRB-06): the recorded Parties (whoever logged the problem, whoever
// requested an acceptance of its risk), and the one who logged it and the
// current requester as the record's fields name them, for a record that
// does not list them (one built by hand, or stored before Parties existed).
func riskParties(p *Problem) sms.Participants {
	requester := ""
	if p.Risk != nil {
		requester = p.Risk.RequestedBy
	}
	if p.Parties.Has(sms.PartyRaiser, p.LoggedBy) && (requester == "" || p.Parties.Has(sms.PartyRequester, requester)) {
		return p.Parties
	}
	ps := make(sms.Participants, len(p.Parties), len(p.Parties)+2)
	copy(ps, p.Parties)
	ps.Add(sms.PartyRaiser, p.LoggedBy, true)
	ps.Add(sms.PartyRequester, requester, true)
	return ps
}

// riskApproved reports whether no approver rejected the risk acceptance
// and each rule has an approval from a person its exclusions do not keep
// out, two different people for the two rules.
func riskApproved(p *Problem) bool {
	if p.Risk == nil {
		return false
	}
	parties := riskParties(p)
	rules := RiskApprovalRules()
	eligible := make([][]string, len(rules))
	for i, rule := range rules {
		if rule.Tally(p.Risk.Approvals, parties) != sms.Approved {
			return false
		}
		for _, ap := range p.Risk.Approvals {
			if _, excluded := parties.Holds(ap.Approver, rule.Exclude...); ap.Decision == sms.Approve && slices.Contains(rule.Roles, ap.Role) && !excluded {
				eligible[i] = append(eligible[i], ap.Approver)
			}
		}
	}
	for _, a := range eligible[0] {
		for _, b := range eligible[1] {
			if a != b {
				return true
			}
		}
	}
	return false
}

// decidedBefore reports whether the approver already decided on the
// current risk acceptance.
func decidedBefore(p *Problem, approver string) bool {
	if p.Risk == nil {
		return false
	}
	for _, ap := range p.Risk.Approvals {
		if ap.Approver == approver {
			return true
		}
	}
	return false
}

// Requirements a decision on a risk acceptance's refusals cite: PRB-06
// states three.
var (
	reqRiskRole     = cite("PRB-06", "a risk acceptance is approved by a problem manager and the service owner, each in their own role")
	reqRiskSelf     = cite("PRB-06", "the requester of a risk acceptance does not approve it")
	reqRiskDistinct = cite("PRB-06", "the two approvals of a risk acceptance come from two different people")
)

// riskGate is the approval of a decision on a risk acceptance (PRB-06),
// checked by the kernel on the acting actor, in this order: the rule of
// the role the approver decides in ([RiskApprovalRules]), which they must
// hold; no requester of the acceptance, in any round (the rule's
// exclusion); and one decision per person on the acceptance, in either
// role, which is what makes its two approvals come from two different
// people. Each refusal cites its own sentence of PRB-06. Before any
// acceptance was requested only the role is checked; the guard that wants
// a request refuses.
func riskGate() *sms.ApprovalGate[*Problem] {
	role := func(t *tx) sms.Role { return cmd[RiskDecision](t).Role }
	return &sms.ApprovalGate[*Problem]{
		Requirement: reqRiskRole,
		Excluded:    reqRiskSelf,
		Once:        reqRiskDistinct,
		Rule: func(t *tx) (sms.ApprovalRule, bool) {
			for _, r := range RiskApprovalRules() {
				if slices.Contains(r.Roles, role(t)) {
					return r, true
				}
			}
			return sms.ApprovalRule{}, false
		},
		Role: role,
		Parties: func(p *Problem) sms.Participants {
			if p.Risk == nil {
				return nil
			}
			return riskParties(p)
		},
		Decided: decidedBefore,
		Excluding: func(_ *tx, p sms.Party, _ bool) string {
			if p != sms.PartyRequester {
				return "" // the kernel's sentence
			}
			return "the actor requested an acceptance of this problem's risk, so may not approve it"
		},
	}
}

// hosts are what the workflows' Prepare functions and follow-ups ask: the
// host's change management and incident management, the source of
// known-error IDs, the problems a known error is recorded from, and the
// known errors a problem's transitions record and retire. A nil lookup
// finds nothing, and a nil knownErrors writes no known error (the
// package's built-in workflows).
type hosts struct {
	changes     ChangeLookup
	incidents   IncidentNotifier
	newID       func() string
	problem     func(ctx context.Context, id string) (*Problem, error)
	knownErrors *sms.Machine[*KnownError]
	// service: the hosts are a [Service]'s, whose propagation without an
	// IncidentNotifier is a configuration error, not a refusal.
	service bool
}

// knownErrorStep is the follow-up of a problem transition that implies a
// step on its known error (PRB-11, PRB-12): recording it ("record") or
// retiring it ("retire"), as the acting actor of the transition. It is
// essential: where the problem and known-error stores commit together
// ([sms.CommitTogether]) the step is in the transition's commit and its
// failure refuses the transition, nothing committed; elsewhere it follows
// the commit, and its failure returns the problem as committed with a
// [*FollowUpError] naming the step, which [Service.Reconcile] completes.
func knownErrorStep(h hosts, step string, run func(ctx context.Context, km *sms.Machine[*KnownError], a sms.Actor, pr *Problem, title string) error) *sms.FollowUp[*Problem] {
	fu := &sms.FollowUp[*Problem]{
		Essential: true,
		Run: func(ctx context.Context, t *tx) error {
			if h.knownErrors == nil {
				return nil
			}
			return run(ctx, h.knownErrors, t.Actor, t.Entity, cmd[KnownErrorDeclaration](t).Title)
		},
		Failed: func(t *tx, err error) error {
			return &FollowUpError{Problem: t.Entity.ID, KnownError: t.Entity.KnownError, Step: step, Err: err}
		},
	}
	if h.knownErrors != nil {
		fu.Stores = []any{h.knownErrors.Store()}
	}
	return fu
}

// recordKnownError records the known error the problem was declared,
// titled as the declaration says (the problem's summary when it says
// nothing); the known error's transition reads the problem for the rest.
func recordKnownError(ctx context.Context, km *sms.Machine[*KnownError], a sms.Actor, pr *Problem, title string) error {
	_, err := km.Create(ctx, a, keRecord{ID: pr.KnownError, Problem: pr.ID, Title: title})
	return err
}

// retireFixed retires the known error of a problem resolved by a fix. A
// known error never recorded (Reconcile records it, the audit reports it)
// or retired already is left as it is.
func retireFixed(ctx context.Context, km *sms.Machine[*KnownError], a sms.Actor, pr *Problem, _ string) error {
	if pr.Resolution != FixApplied || pr.KnownError == "" {
		return nil
	}
	_, err := km.Fire(ctx, a, pr.KnownError, string(KETriggerRetire), KERetirement{
		Reason: "the cause was removed by change " + pr.Change + " (problem " + pr.ID + " resolved)", Fix: pr.Change})
	var te *sms.TransitionError
	if errors.Is(err, sms.ErrNotFound) || (errors.As(err, &te) && te.State == string(KERetired)) {
		return nil
	}
	return err
}

// looked is what a rule's Prepare learnt of a change from the host's
// change management (PRB-06, PRB-09): asked is false when no lookup is
// configured or no change was named.
type looked struct {
	asked, found bool
	change       string
	outcome      ChangeOutcome
}

// lookedOf returns what the transition's Prepare learnt of a change.
func lookedOf(t *tx) looked {
	if l, ok := t.Prepared.(*looked); ok {
		return *l
	}
	return looked{}
}

// lookUp asks the host about a change and leaves the answer on the
// transition; a change it does not know is found false, not an error.
func lookUp(ctx context.Context, t *tx, changes ChangeLookup, change string) error {
	l := &looked{change: change}
	t.Prepared = l
	if changes == nil || change == "" {
		return nil
	}
	outcome, err := changes.ChangeOutcome(ctx, change)
	switch {
	case errors.Is(err, sms.ErrNotFound):
		l.asked = true
	case err != nil:
		return err
	default:
		l.asked, l.found, l.outcome = true, true, outcome
	}
	return nil
}

// declared is what declare_known_error's Prepare chose: the known error's
// ID, the host's or a new one.
type declared struct{ id string }

// propagated is what propagate's Prepare did: the incidents the host's
// notifier informed, and those it could not (nil when it reached all).
type propagated struct {
	informed []string
	failed   *PropagationError
}

// outsideCommits stands, in the Stores of propagate's follow-up, for what
// the host's notifier wrote: the incidents' journals, outside every commit
// of the problem's. It is no [sms.Atomic], so the pipeline never runs the
// follow-up inside an atomic commit, whose rollback would have the
// transition, and its Prepare, which informs the incidents, run again.
type outsideCommits struct{}

// propagation is propagate's follow-up: it writes nothing (Prepare
// informed the incidents, once) and reports, once the problem recorded the
// incidents informed, those the notifier could not reach, as a
// [*PropagationError] returned with the committed problem.
func propagation() *sms.FollowUp[*Problem] {
	return &sms.FollowUp[*Problem]{
		Stores: []any{outsideCommits{}},
		Run: func(_ context.Context, t *tx) error {
			if p, ok := t.Prepared.(*propagated); ok && p.failed != nil {
				return p.failed
			}
			return nil
		},
		Failed: func(_ *tx, err error) error { return err },
	}
}

func informedOf(t *tx) []string {
	if p, ok := t.Prepared.(*propagated); ok {
		return p.informed
	}
	return nil
}

// communicable reports whether the problem has what the kind of
// communication tells (PRB-15): a workaround or mitigation, or a fix
// applied.
func communicable(pr *Problem, k CommunicationKind) bool {
	return (k == CommunicateWorkaround && hasRemedy(pr.Workaround, pr.Mitigation)) || (k == CommunicateFix && pr.Resolution == FixApplied)
}

// preparePropagation informs, through the host's notifier, every linked
// incident not yet informed of the kind of communication (PRB-15), and
// leaves the incidents informed on the transition for its guards and
// effects. It informs nobody when the problem has nothing of the kind to
// tell or no incident is left to inform: the guards then refuse, and
// nothing was sent. When no incident could be informed it ends the
// transition with a [*PropagationError]; when some could, the transition
// records those, and its follow-up ([propagation]) reports the others. A
// service's workflow without a notifier refuses every propagation as
// misconfigured ([sms.ErrInvalid]); the built-in workflow, which has no
// host, informs nobody.
func preparePropagation(h hosts) func(ctx context.Context, t *tx) error {
	notifier := h.incidents
	return func(ctx context.Context, t *tx) error {
		c, pr := cmd[Propagation](t), t.Entity
		sent := &propagated{}
		t.Prepared = sent
		if notifier == nil && h.service {
			return sms.Invalid(Kind, "config.incidents", "no IncidentNotifier is configured to record the communication on each incident")
		}
		if notifier == nil || !communicable(pr, c.Kind) {
			return nil
		}
		var pending []string
		for _, inc := range pr.Incidents() {
			if !pr.WasInformed(inc, c.Kind) {
				pending = append(pending, inc)
			}
		}
		msg := Communication{Problem: pr.ID, KnownError: pr.KnownError, Kind: c.Kind, Text: communicationText(pr, c.Kind)}
		if c.Kind == CommunicateFix {
			msg.Change = pr.Change
		}
		failed := map[string]error{}
		for _, inc := range pending {
			if err := ctx.Err(); err != nil {
				failed[inc] = err
				continue
			}
			if err := notifier.Inform(ctx, t.Actor, inc, msg); err != nil {
				failed[inc] = err
				continue
			}
			sent.informed = append(sent.informed, inc)
		}
		if len(failed) == 0 {
			return nil
		}
		sent.failed = &PropagationError{Problem: pr.ID, Failed: failed, Informed: slices.Clone(sent.informed)}
		if len(sent.informed) == 0 {
			return sent.failed
		}
		return nil
	}
}

// communicationText is what an incident is told.
func communicationText(pr *Problem, k CommunicationKind) string {
	var b strings.Builder
	if k == CommunicateFix {
		b.WriteString("Problem " + pr.ID + " was fixed by change " + pr.Change)
		if pr.ResolutionNotes != "" {
			b.WriteString(": " + pr.ResolutionNotes)
		}
		return b.String()
	}
	b.WriteString("Known error")
	if pr.KnownError != "" {
		b.WriteString(" " + pr.KnownError)
	}
	b.WriteString(" (problem " + pr.ID + ")")
	if pr.Workaround != "" {
		b.WriteString(". Workaround: " + pr.Workaround)
	}
	if len(pr.Mitigation) > 0 {
		b.WriteString(". Mitigation: " + strings.Join(pr.Mitigation, "; "))
	}
	return b.String()
}

func definition(p *Policy, h hosts) sms.Definition[*Problem] {
	var (
		workers  = roles(RoleAnalyst, RoleProblemManager)
		manager  = roles(RoleProblemManager)
		open     = st(StatusNew, StatusAssessed, StatusRCA, StatusKnownError, StatusFixInProgress)
		analysed = st(StatusRCA, StatusKnownError, StatusFixInProgress)
	)
	rules := []sms.Rule[*Problem]{
		{
			Trigger: string(TriggerLog), Command: Report{}, To: string(StatusNew), Roles: workers,
			Doc: "Record a problem, reactive, from a trend, proactive or from a major incident.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-14", "a problem raised from a major incident names the incident", func(t *tx) bool {
					c := cmd[Report](t)
					return c.Source != SourceMajorIncident || len(c.Incidents) > 0
				}),
			},
			Requires: []sms.Required[*Problem]{
				required("summary", "PRB-03", "a problem is recorded with a summary", func(p *Problem) bool { return !sms.Blank(p.Summary) }),
				required("service", "PRB-03", "a problem is recorded with the affected service", func(p *Problem) bool { return p.Service != "" }),
				required("source", "PRB-03", "a problem is recorded with its source", func(p *Problem) bool { return p.Source != "" }),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Report](t), t.Entity
				pr.ID, pr.Summary, pr.Description, pr.Service, pr.Source, pr.LoggedBy = c.ID, c.Summary, c.Description, c.Service, c.Source, t.Actor.ID
				pr.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
				t.Record("summary", c.Summary)
				t.Record("service", c.Service)
				t.Record("source", string(c.Source))
				for _, id := range c.Incidents {
					if pr.addLink(LinkIncident, id) {
						t.Record("incident", id)
					}
				}
				for _, id := range c.ConfigItems {
					if pr.addLink(LinkConfigItem, id) {
						t.Record("config_item", id)
					}
				}
				for _, s := range c.Symptoms {
					if !sms.Blank(s) && !slices.Contains(pr.Symptoms, s) {
						pr.Symptoms = append(pr.Symptoms, s)
						t.Record("symptom", s)
					}
				}
			},
		},
		{
			Trigger: string(TriggerClassify), Command: Classification{}, From: open, Roles: workers,
			Requirement: cite("PRB-03", "a problem is classified while it is open"),
			Doc:         "Classify and prioritise; reclassification journals old and new values.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-03", "a problem is classified with a category", func(t *tx) bool { return cmd[Classification](t).Category != "" }),
				guard("PRB-03", "the category is one of the policy's taxonomy", func(t *tx) bool {
					c := cmd[Classification](t).Category
					return c == "" || len(p.Categories) == 0 || slices.Contains(p.Categories, c)
				}),
				guard("PRB-04", "impact and urgency are both rated within the priority matrix", func(t *tx) bool {
					c := cmd[Classification](t)
					_, ok := p.Matrix.Priority(c.Impact, c.Urgency)
					return ok
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Classification](t), t.Entity
				t.RecordChange("category", pr.Category, c.Category)
				t.RecordChange("impact", itoa(pr.Impact), itoa(c.Impact))
				t.RecordChange("urgency", itoa(pr.Urgency), itoa(c.Urgency))
				prio, _ := p.Matrix.Priority(c.Impact, c.Urgency)
				t.RecordChange("priority", itoa(pr.Priority), itoa(prio))
				pr.Category, pr.Impact, pr.Urgency, pr.Priority, pr.MatrixVersion = c.Category, c.Impact, c.Urgency, prio, p.Matrix.Version
				t.Record("matrix_version", p.Matrix.Version)
			},
		},
		{
			Trigger: string(TriggerAssess), Command: Assessment{}, From: st(StatusNew), To: string(StatusAssessed), Roles: manager,
			Requirement: cite("PRB-03", "only a new problem is assessed"),
			Doc:         "Accept a classified, prioritised problem for work under a named owner.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-03", "a problem is classified before it is assessed", func(t *tx) bool { return t.Entity.Category != "" }),
				guard("PRB-04", "a problem is prioritised from impact and urgency before it is assessed", func(t *tx) bool {
					return t.Entity.Priority > 0 && t.Entity.MatrixVersion != ""
				}),
				guard("PRB-03", "an assessed problem has a named owner", func(t *tx) bool { return cmd[Assessment](t).Owner != "" }),
			},
			Apply: func(t *tx) {
				c := cmd[Assessment](t)
				t.Entity.Owner = c.Owner
				t.Record("owner", c.Owner)
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerStartRCA), Command: RCAStart{}, From: st(StatusAssessed), To: string(StatusRCA), Roles: workers,
			Requirement: cite("PRB-02", "root-cause analysis starts on an assessed problem"),
			Doc:         "Start root-cause analysis with a named investigator.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-02", "root-cause analysis has a named investigator", func(t *tx) bool { return cmd[RCAStart](t).Investigator != "" }),
			},
			Apply: func(t *tx) {
				c := cmd[RCAStart](t)
				t.RecordChange("investigator", t.Entity.Investigator, c.Investigator)
				t.Entity.Investigator = c.Investigator
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerAnalyse), Command: RootCauseAnalysis{}, From: analysed, Roles: workers,
			Requirement: cite("PRB-02", "the root cause is recorded during analysis or fix"),
			Doc:         "Record the root cause, or justify it as undeterminable.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-02", "an analysis names the root cause, or justifies why it cannot be determined", func(t *tx) bool {
					c := cmd[RootCauseAnalysis](t)
					return (!c.Undeterminable && !sms.Blank(c.RootCause)) || (c.Undeterminable && !sms.Blank(c.Justification))
				}),
				guard("PRB-02", "a problem declared a known error or under a fix keeps a determined root cause", func(t *tx) bool {
					return (t.From == string(StatusRCA) && t.Entity.KnownError == "") || !cmd[RootCauseAnalysis](t).Undeterminable
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[RootCauseAnalysis](t), t.Entity
				old := pr.RootCause()
				pr.Analysis = &Analysis{RootCause: c.RootCause, Method: c.Method, ContributingFactors: slices.Clone(c.ContributingFactors),
					PreventiveActions: slices.Clone(c.PreventiveActions), Undeterminable: c.Undeterminable, Justification: c.Justification,
					RecordedAt: t.Now, RecordedBy: t.Actor.ID}
				t.RecordChange("root_cause", old, c.RootCause)
				if c.Method != "" {
					t.Record("method", c.Method)
				}
				for _, f := range c.ContributingFactors {
					t.Record("contributing_factor", f)
				}
				for _, a := range c.PreventiveActions {
					t.Record("preventive_action", a)
				}
				if c.Undeterminable {
					t.Record("undeterminable", "true")
					t.Record("justification", c.Justification)
				}
			},
		},
		{
			Trigger: string(TriggerDeclareKnownError), Command: KnownErrorDeclaration{}, From: st(StatusRCA), To: string(StatusKnownError), Roles: workers,
			Requirement: cite("PRB-10", "a known error is declared from root-cause analysis"),
			Doc:         "Declare a known error: root cause and a workaround or mitigation plan; records a KnownError in draft.",
			// The known error's ID: the host's, or a new one, chosen
			// before the guards so that the effects are deterministic.
			Prepare: func(_ context.Context, t *tx) error {
				id := cmd[KnownErrorDeclaration](t).KnownErrorID
				if id == "" {
					id = h.newID()
				}
				t.Prepared = &declared{id: id}
				return nil
			},
			Guards: []sms.Guard[*Problem]{
				guard("PRB-02", "a known error has a determined root cause", func(t *tx) bool { return t.Entity.causeKnown() }),
				guard("PRB-10", "a known error has a workaround or a mitigation plan", func(t *tx) bool {
					c := cmd[KnownErrorDeclaration](t)
					return hasRemedy(c.Workaround, c.Mitigation)
				}),
			},
			Requires: []sms.Required[*Problem]{
				required("known_error", "PRB-11", "a declared known error is recorded as a known error", func(p *Problem) bool { return p.KnownError != "" }),
			},
			FollowUp: knownErrorStep(h, "record", recordKnownError),
			Apply: func(t *tx) {
				c, pr := cmd[KnownErrorDeclaration](t), t.Entity
				for _, s := range c.Symptoms {
					if !sms.Blank(s) && !slices.Contains(pr.Symptoms, s) {
						pr.Symptoms = append(pr.Symptoms, s)
						t.Record("symptom", s)
					}
				}
				t.RecordChange("workaround", pr.Workaround, c.Workaround)
				pr.Workaround, pr.Mitigation = c.Workaround, slices.Clone(c.Mitigation)
				for _, m := range c.Mitigation {
					t.Record("mitigation", m)
				}
				if d, ok := t.Prepared.(*declared); ok {
					pr.KnownError = d.id
					pr.addLink(LinkKnownError, d.id)
					t.Record("known_error", d.id)
				}
			},
		},
		{
			Trigger: string(TriggerStartFix), Command: FixStart{}, From: st(StatusRCA, StatusKnownError), To: string(StatusFixInProgress), Roles: workers,
			Requirement: cite("PRB-09", "a fix starts once the cause is analysed"),
			Doc:         "Start a permanent fix under a linked change.",
			Prepare:     func(ctx context.Context, t *tx) error { return lookUp(ctx, t, h.changes, cmd[FixStart](t).Change) },
			Guards: []sms.Guard[*Problem]{
				guard("PRB-02", "a fix addresses a determined root cause", func(t *tx) bool { return t.Entity.causeKnown() }),
				guard("PRB-09", "a fix is made under a change record, named", func(t *tx) bool { return cmd[FixStart](t).Change != "" }),
				guard("PRB-09", "the change exists and is under way, as the host's change management reports", func(t *tx) bool {
					l := lookedOf(t)
					return cmd[FixStart](t).Change == "" || !l.asked || (l.found && l.outcome == ChangeOpen)
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[FixStart](t), t.Entity
				t.RecordChange("change", pr.Change, c.Change)
				pr.Change = c.Change
				pr.addLink(LinkChange, c.Change)
				if l := lookedOf(t); l.asked {
					t.Record("change_outcome", string(l.outcome))
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerRequestRiskAcceptance), Command: RiskRequest{}, From: analysed, Roles: workers,
			Requirement: cite("PRB-06", "risk is accepted for a problem under investigation or fix"),
			Doc:         "Ask to accept the risk of the cause; starts a fresh round of approvals.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-06", "a risk acceptance states its rationale", func(t *tx) bool { return !sms.Blank(cmd[RiskRequest](t).Rationale) }),
			},
			Apply: func(t *tx) {
				c := cmd[RiskRequest](t)
				t.Entity.Risk = &RiskAcceptance{RequestedBy: t.Actor.ID, RequestedAt: t.Now, Rationale: c.Rationale}
				t.Entity.Parties.Add(sms.PartyRequester, t.Actor.ID, true)
				t.SetReason(c.Rationale)
			},
		},
		{
			Trigger: string(TriggerApproveRisk), Command: RiskDecision{}, From: analysed, Roles: roles(RoleProblemManager, RoleServiceOwner),
			Requirement: cite("PRB-06", "risk is accepted for a problem under investigation or fix"),
			Doc:         "Record one approver's decision on the risk acceptance.",
			Approval:    riskGate(),
			Guards: []sms.Guard[*Problem]{
				guard("PRB-06", "a risk acceptance was requested", func(t *tx) bool { return t.Entity.Risk != nil }),
				guard("PRB-06", "a rejection states its rationale", func(t *tx) bool {
					c := cmd[RiskDecision](t)
					return c.Decision != sms.Reject || !sms.Blank(c.Rationale)
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[RiskDecision](t), t.Entity
				if pr.Risk == nil {
					return
				}
				pr.Risk.Approvals = append(pr.Risk.Approvals, sms.Approval{Approver: t.Actor.ID, Role: c.Role, Decision: c.Decision, Rationale: c.Rationale, At: t.Now})
				t.Record("role", string(c.Role))
				t.Record("decision", string(c.Decision))
				t.SetReason(c.Rationale)
			},
		},
		{
			Trigger: string(TriggerResolve), Command: Resolution{}, From: analysed, To: string(StatusResolved), Roles: manager,
			Requirement: cite("PRB-06", "a problem is resolved from analysis, known error or fix"),
			Doc:         "Resolve: fix applied, risk accepted, duplicate or cannot reproduce; a fix retires the known error.",
			FollowUp:    knownErrorStep(h, "retire", retireFixed),
			// A fix applied: what the host's change management says of the
			// problem's change.
			Prepare: func(ctx context.Context, t *tx) error {
				if cmd[Resolution](t).Type != FixApplied {
					return nil
				}
				return lookUp(ctx, t, h.changes, t.Entity.Change)
			},
			Guards: []sms.Guard[*Problem]{
				guard("PRB-06", "a resolution states its type", func(t *tx) bool { return cmd[Resolution](t).Type != "" }),
				guard("PRB-06", "a resolution carries notes", func(t *tx) bool { return !sms.Blank(cmd[Resolution](t).Notes) }),
				guard("PRB-02", "a resolved problem has its root cause recorded, or justified as undeterminable", func(t *tx) bool {
					return t.Entity.causeAccounted()
				}),
				guard("PRB-02", "a fix is applied to a determined root cause", func(t *tx) bool {
					return cmd[Resolution](t).Type != FixApplied || t.Entity.causeKnown()
				}),
				guard("PRB-09", "a fix is applied through the problem's change", func(t *tx) bool {
					return cmd[Resolution](t).Type != FixApplied || t.Entity.Change != ""
				}),
				guard("PRB-06", "a fix is applied only when its change is reported closed successful", func(t *tx) bool {
					l := lookedOf(t)
					return cmd[Resolution](t).Type != FixApplied || t.Entity.Change == "" ||
						(l.asked && l.found && l.change == t.Entity.Change && l.outcome == ChangeSuccessful)
				}),
				guard("PRB-06", "an accepted risk is approved by a problem manager and the service owner, two people, neither the requester nor the one who logged the problem", func(t *tx) bool {
					return cmd[Resolution](t).Type != RiskAccepted || riskApproved(t.Entity)
				}),
				guard("PRB-06", "a duplicate names the problem it duplicates, not itself", func(t *tx) bool {
					c := cmd[Resolution](t)
					return c.Type != Duplicate || (c.DuplicateOf != "" && c.DuplicateOf != t.Entity.ID)
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Resolution](t), t.Entity
				pr.Resolution, pr.ResolutionNotes, pr.ResolvedAt = c.Type, c.Notes, t.Now
				t.Record("type", string(c.Type))
				t.Record("notes", c.Notes)
				if p.Version != "" {
					t.Record("policy_version", p.Version)
				}
				if c.Type != Duplicate {
					pr.ObserveUntil = t.Now.Add(p.ObservationWindow)
					t.RecordTime("observe_until", pr.ObserveUntil)
				} else {
					pr.ObserveUntil = t.Now
					pr.DuplicateOf = c.DuplicateOf
					pr.addLink(LinkDuplicateOf, c.DuplicateOf)
					t.Record("duplicate_of", c.DuplicateOf)
				}
				if c.Type == FixApplied {
					pr.ChangeOutcome = lookedOf(t).outcome
					t.Record("change", pr.Change)
					t.Record("change_outcome", string(pr.ChangeOutcome))
				}
			},
		},
		{
			Trigger: string(TriggerRecur), Command: Recurrence{}, From: st(StatusResolved), To: string(StatusRCA), Roles: workers,
			Requirement: cite("PRB-07", "only a resolved problem under observation recurs"),
			Doc:         "A linked incident recurred inside the observation window: back to root-cause analysis.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-07", "a recurrence names the incident that recurred", func(t *tx) bool { return cmd[Recurrence](t).Incident != "" }),
				guard("PRB-07", "a recurrence falls inside the observation window", func(t *tx) bool { return t.Now.Before(t.Entity.ObserveUntil) }),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Recurrence](t), t.Entity
				pr.Recurrences++
				pr.addLink(LinkIncident, c.Incident)
				t.Record("incident", c.Incident)
				t.Record("recurrences", strconv.Itoa(pr.Recurrences))
				t.Record("previous_resolution", string(pr.Resolution))
				pr.Resolution, pr.ResolutionNotes, pr.ResolvedAt, pr.ObserveUntil, pr.ChangeOutcome, pr.DuplicateOf = "", "", time.Time{}, time.Time{}, "", ""
				pr.Risk = nil
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerClose), Command: Closure{}, From: st(StatusResolved), To: string(StatusClosed), Roles: manager,
			Requirement: cite("PRB-07", "only a resolved problem is closed"),
			Doc:         "Close once the observation window passed without recurrence.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-07", "a problem closes only after its observation window passed without recurrence", func(t *tx) bool {
					return !t.Now.Before(t.Entity.ObserveUntil)
				}),
			},
			Apply: func(t *tx) {
				t.Entity.ClosedAt = t.Now
				if n := cmd[Closure](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerCancel), Command: Cancellation{}, From: st(StatusNew, StatusAssessed), To: string(StatusCancelled), Roles: manager,
			Requirement: cite("PRB-03", "only a problem not yet analysed is cancelled"),
			Doc:         "Cancel with a reason; a duplicate names its original.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-03", "a cancellation gives its reason", func(t *tx) bool { return cmd[Cancellation](t).Reason != "" }),
				guard("PRB-03", "a duplicate names the problem it duplicates, not itself", func(t *tx) bool {
					c := cmd[Cancellation](t)
					return c.Reason != CancelDuplicate || (c.DuplicateOf != "" && c.DuplicateOf != t.Entity.ID)
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Cancellation](t), t.Entity
				pr.CancelReason = c.Reason
				t.Record("reason", string(c.Reason))
				if c.Reason == CancelDuplicate {
					pr.DuplicateOf = c.DuplicateOf
					pr.addLink(LinkDuplicateOf, c.DuplicateOf)
					t.Record("duplicate_of", c.DuplicateOf)
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerEscalate), Command: Escalation{}, From: st(StatusAssessed, StatusRCA, StatusKnownError, StatusFixInProgress), Roles: workers,
			Requirement: cite("PRB-05", "escalation applies to a problem being worked on"),
			Doc:         "Escalate to a target with a reason.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-05", "an escalation names its target", func(t *tx) bool { return cmd[Escalation](t).Target != "" }),
				guard("PRB-05", "an escalation gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Escalation](t).Reason) }),
			},
			Apply: func(t *tx) {
				c := cmd[Escalation](t)
				t.Entity.EscalationLevel++
				t.Record("target", c.Target)
				t.Record("level", strconv.Itoa(t.Entity.EscalationLevel))
				t.SetReason(c.Reason)
			},
		},
		{
			Trigger: string(TriggerRecordAction), Command: Action{}, From: open, Roles: workers,
			Requirement: cite("PRB-08", "actions are recorded while the problem is open"),
			Doc:         "Record an action taken.",
			Guards: []sms.Guard[*Problem]{
				guard("PRB-08", "an action taken is described", func(t *tx) bool { return !sms.Blank(cmd[Action](t).Text) }),
			},
			Apply: func(t *tx) {
				t.Entity.Actions++
				t.Record("text", cmd[Action](t).Text)
			},
		},
		{
			Trigger: string(TriggerLink), Command: Link{}, From: append(slices.Clone(open), string(StatusResolved)), Roles: workers,
			Requirement: cite("PRB-08", "links are added until the problem is closed"),
			Doc:         "Link an incident, configuration item or change.",
			Apply: func(t *tx) {
				c := cmd[Link](t)
				t.Entity.addLink(c.Type, c.ID)
				t.Record("type", c.Type)
				t.Record("id", c.ID)
			},
		},
		{
			Trigger: string(TriggerPropagate), Command: Propagation{}, From: st(StatusKnownError, StatusFixInProgress, StatusResolved), Roles: workers,
			Requirement: cite("PRB-15", "a workaround or fix is communicated once it exists, until the problem is closed"),
			Doc:         "Communicate the workaround or fix to the linked incidents not yet informed of it, and record which were.",
			Prepare:     preparePropagation(h),
			FollowUp:    propagation(),
			Guards: []sms.Guard[*Problem]{
				guard("PRB-15", "a workaround is communicated only when one is recorded", func(t *tx) bool {
					return cmd[Propagation](t).Kind != CommunicateWorkaround || communicable(t.Entity, CommunicateWorkaround)
				}),
				guard("PRB-15", "a fix is communicated only once it was applied", func(t *tx) bool {
					return cmd[Propagation](t).Kind != CommunicateFix || communicable(t.Entity, CommunicateFix)
				}),
				guard("PRB-15", "a communication informs at least one linked incident not yet informed", func(t *tx) bool {
					c, informed := cmd[Propagation](t), informedOf(t)
					if len(informed) == 0 {
						return false
					}
					for _, id := range informed {
						if !t.Entity.HasLink(LinkIncident, id) || t.Entity.WasInformed(id, c.Kind) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				c, pr := cmd[Propagation](t), t.Entity
				t.Record("kind", string(c.Kind))
				for _, id := range informedOf(t) {
					pr.Informed = append(pr.Informed, Notice{Incident: id, Kind: c.Kind, At: t.Now})
					t.Record("incident", id)
				}
			},
		},
		{
			Trigger: string(TriggerNote), Command: Note{}, From: st(Statuses()...), Roles: roles(RoleAnalyst, RoleProblemManager, RoleServiceOwner),
			Doc:   "Add a note; the only trigger a closed or cancelled problem accepts.",
			Apply: func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
	}
	return sms.Definition[*Problem]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusClosed, StatusCancelled),
		New:       func() *Problem { return &Problem{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}

// findable reports whether a known error can be found by symptom, service
// or configuration item (PRB-12).
func findable(k *KnownError) bool {
	for _, s := range k.Symptoms {
		if SymptomKey(s) != "" {
			return true
		}
	}
	return len(k.Services) > 0 || len(k.ConfigItems) > 0
}

// problemOf returns the problem record's Prepare read, or nil.
func problemOf(t *ketx) *Problem {
	p, _ := t.Prepared.(*Problem)
	return p
}

func keDefinition(h hosts) sms.Definition[*KnownError] {
	workers := roles(RoleAnalyst, RoleProblemManager)
	rules := []sms.Rule[*KnownError]{
		{
			Trigger: string(KETriggerRecord), Command: keRecord{}, To: string(KEDraft), Roles: workers,
			Doc: "Record the known error of a problem, in draft.",
			// The problem the known error is recorded from, as stored: its
			// root cause, symptoms, workaround, mitigation, service and
			// configuration items.
			Prepare: func(ctx context.Context, t *ketx) error {
				id := kecmd[keRecord](t).Problem
				if id == "" || h.problem == nil {
					return nil
				}
				p, err := h.problem(ctx, id)
				switch {
				case err == nil:
					t.Prepared = p
				case !errors.Is(err, sms.ErrNotFound):
					return err
				}
				return nil
			},
			Guards: []sms.Guard[*KnownError]{
				keGuard("PRB-11", "a known error names its problem, which was declared this known error", func(t *ketx) bool {
					p := problemOf(t)
					return p != nil && p.KnownError == kecmd[keRecord](t).ID
				}),
				keGuard("PRB-02", "a known error has a determined root cause", func(t *ketx) bool {
					p := problemOf(t)
					return p != nil && !sms.Blank(p.RootCause())
				}),
				keGuard("PRB-10", "a known error has a workaround or a mitigation plan", func(t *ketx) bool {
					p := problemOf(t)
					return p != nil && hasRemedy(p.Workaround, p.Mitigation)
				}),
			},
			Requires: []sms.Required[*KnownError]{
				keRequired("title", "PRB-11", "a known error has a title", func(k *KnownError) bool { return !sms.Blank(k.Title) }),
			},
			Apply: func(t *ketx) {
				c, k, p := kecmd[keRecord](t), t.Entity, problemOf(t)
				if p == nil {
					return
				}
				k.ID, k.Problem, k.Title, k.RootCause, k.Workaround = c.ID, p.ID, c.Title, p.RootCause(), p.Workaround
				if k.Title == "" {
					k.Title = p.Summary
				}
				k.Symptoms, k.Mitigation, k.Services = slices.Clone(p.Symptoms), slices.Clone(p.Mitigation), []string{p.Service}
				for _, l := range p.Links {
					if l.Type == LinkConfigItem {
						k.ConfigItems = append(k.ConfigItems, l.ID)
					}
				}
				k.relink()
				t.Record("problem", k.Problem)
				t.Record("title", k.Title)
				t.Record("root_cause", k.RootCause)
				t.Record("workaround", k.Workaround)
				for _, m := range k.Mitigation {
					t.Record("mitigation", m)
				}
				for _, s := range k.Symptoms {
					t.Record("symptom", s)
				}
				for _, s := range k.Services {
					t.Record("service", s)
				}
				for _, ci := range k.ConfigItems {
					t.Record("config_item", ci)
				}
			},
		},
		{
			Trigger: string(KETriggerRevise), Command: KERevision{}, From: st(KEDraft, KEPublished), Roles: workers,
			Requirement: cite("PRB-12", "a known error is revised until it is retired"),
			Doc:         "Edit a known error; every change is journaled with old and new values.",
			Requires: []sms.Required[*KnownError]{
				keRequired("workaround", "PRB-10", "a known error keeps a workaround or a mitigation plan", func(k *KnownError) bool {
					return hasRemedy(k.Workaround, k.Mitigation)
				}),
				keRequired("symptoms", "PRB-12", "a published known error stays findable by symptom, service or configuration item", func(k *KnownError) bool {
					return k.Status != KEPublished || findable(k)
				}),
			},
			Apply: func(t *ketx) {
				c, k := kecmd[KERevision](t), t.Entity
				if c.Title != "" {
					t.RecordChange("title", k.Title, c.Title)
					k.Title = c.Title
				}
				if c.Workaround != "" {
					t.RecordChange("workaround", k.Workaround, c.Workaround)
					k.Workaround = c.Workaround
				}
				list := func(name string, dst *[]string, src []string) {
					if src == nil {
						return
					}
					t.RecordChange(name, strings.Join(*dst, "\n"), strings.Join(src, "\n"))
					*dst = slices.Clone(src)
				}
				list("symptoms", &k.Symptoms, c.Symptoms)
				list("mitigation", &k.Mitigation, c.Mitigation)
				list("services", &k.Services, c.Services)
				list("config_items", &k.ConfigItems, c.ConfigItems)
				k.relink()
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(KETriggerPublish), Command: KEPublication{}, From: st(KEDraft), To: string(KEPublished), Roles: roles(RoleProblemManager),
			Requirement: cite("PRB-12", "only a draft known error is published"),
			Doc:         "Publish: the known error is then found by symptom, service or configuration item.",
			Guards: []sms.Guard[*KnownError]{
				keGuard("PRB-12", "a published known error can be found by symptom, service or configuration item", func(t *ketx) bool { return findable(t.Entity) }),
				keGuard("PRB-10", "a published known error has a workaround or a mitigation plan", func(t *ketx) bool {
					return hasRemedy(t.Entity.Workaround, t.Entity.Mitigation)
				}),
				keGuard("PRB-02", "a published known error states its root cause", func(t *ketx) bool { return !sms.Blank(t.Entity.RootCause) }),
			},
			Apply: func(t *ketx) {
				k := t.Entity
				k.PublishedAt, k.ReviewedAt = t.Now, t.Now
				if n := kecmd[KEPublication](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(KETriggerReview), Command: KEReview{}, From: st(KEPublished), Roles: workers,
			Requirement: cite("PRB-12", "a published known error is reviewed"),
			Doc:         "Record the periodic review of a published known error.",
			Guards: []sms.Guard[*KnownError]{
				keGuard("PRB-12", "a review states its outcome", func(t *ketx) bool { return !sms.Blank(kecmd[KEReview](t).Outcome) }),
			},
			Apply: func(t *ketx) {
				k := t.Entity
				k.ReviewedAt = t.Now
				k.Reviews++
				t.Record("outcome", kecmd[KEReview](t).Outcome)
			},
		},
		{
			Trigger: string(KETriggerRetire), Command: KERetirement{}, From: st(KEDraft, KEPublished), To: string(KERetired), Roles: roles(RoleProblemManager),
			Requirement: cite("PRB-12", "a known error is retired once"),
			Doc:         "Retire, with a reason and the fix when a change removed the cause.",
			Guards: []sms.Guard[*KnownError]{
				keGuard("PRB-12", "a retirement gives its reason", func(t *ketx) bool { return !sms.Blank(kecmd[KERetirement](t).Reason) }),
			},
			Apply: func(t *ketx) {
				c, k := kecmd[KERetirement](t), t.Entity
				k.RetiredAt, k.RetireNote, k.Fix = t.Now, c.Reason, c.Fix
				t.SetReason(c.Reason)
				if c.Fix != "" {
					l := sms.Link{Type: LinkChange, ID: c.Fix}
					if !slices.Contains(k.Links, l) {
						k.Links = append(k.Links, l)
					}
					t.Record("fix", c.Fix)
				}
			},
		},
		{
			Trigger: string(KETriggerNote), Command: KENote{}, From: st(KEStatuses()...), Roles: roles(RoleAnalyst, RoleProblemManager, RoleServiceOwner),
			Doc:   "Add a note; the only trigger a retired known error accepts.",
			Apply: func(t *ketx) { t.Record("text", kecmd[KENote](t).Text) },
		},
	}
	return sms.Definition[*KnownError]{
		Kind:      KnownErrorKind,
		States:    st(KEStatuses()...),
		Terminal:  st(KERetired),
		New:       func() *KnownError { return &KnownError{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}
