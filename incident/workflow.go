package incident

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Requirements returns the incident-management requirements this package
// enforces, INC-01 to INC-17, in the project's own words: the workflow's
// catalogue. Guards, required fields, conformance checks and the sweep cite
// them by ID, and take their clause from here.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "INC-01", Clause: "8.6.1", Text: "each incident is recorded from detection or report onward"},
		{ID: "INC-02", Clause: "8.6.1", Text: "each incident is classified"},
		{ID: "INC-03", Clause: "8.6.1", Text: "priority weighs impact and urgency"},
		{ID: "INC-04", Clause: "8.6.1", Text: "incidents are escalated when the situation requires it"},
		{ID: "INC-05", Clause: "8.6.1", Text: "incidents are resolved"},
		{ID: "INC-06", Clause: "8.6.1", Text: "incidents are closed"},
		{ID: "INC-07", Clause: "8.6.1", Text: "the record is kept current with the actions taken"},
		{ID: "INC-08", Clause: "8.6.1", Text: "criteria for a major incident are defined"},
		{ID: "INC-09", Clause: "8.6.1", Text: "major incidents are identified and run under a documented procedure"},
		{ID: "INC-10", Clause: "8.6.1", Text: "top management is kept informed of major incidents"},
		{ID: "INC-11", Clause: "8.6.1", Text: "a named person is responsible for each major incident"},
		{ID: "INC-12", Clause: "8.6.1", Text: "a resolved major incident is reported on and reviewed for improvement"},
		{ID: "INC-13", Clause: "8.6.1/8.6.3", Text: "incidents are linked to related problems, known errors, changes and configuration items"},
		{ID: "INC-14", Clause: "8.7.3.3", Text: "security incidents are prioritised on information-security risk"},
		{ID: "INC-15", Clause: "8.3.3", Text: "response and resolution targets per priority are tracked"},
		{ID: "INC-16", Clause: "8.6.1", Text: "a rejected resolution reopens the same record; a closed one stays closed"},
		{ID: "INC-17", Clause: "8.6.1", Text: "cancellation is justified; misfiled requests are converted, not deleted"},
	}
}

// req cites the catalogue's requirement id with a sentence of the guard's
// own; the catalogue ([Requirements]) gives the clause.
func req(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

type tx = sms.Transition[*Incident]

func guard(id, text string, check func(*tx) bool) sms.Guard[*Incident] {
	return sms.Guard[*Incident]{Requirement: req(id, text), Check: check}
}

// recordGuard is a guard that judges the record alone, not the command
// (see sms.Guard.RecordOnly): no form lifts its refusal.
func recordGuard(id, text string, check func(*tx) bool) sms.Guard[*Incident] {
	g := guard(id, text, check)
	g.RecordOnly = true
	return g
}

func required(field, id, text string, present func(*Incident) bool) sms.Required[*Incident] {
	return sms.Required[*Incident]{Field: field, Requirement: req(id, text), Present: present}
}

// cmd returns the transition's command as C (the zero C for a foreign
// command).
func cmd[C Command](t *tx) C { return sms.CommandOf[C](t) }

func ts(t time.Time) time.Time { return sms.Micro(t) }
func st(ss ...Status) []string { return sms.StatesOf(ss...) }

func roles(rs ...sms.Role) []sms.Role { return rs }

func itoa[N ~int](n N) string { return strconv.Itoa(int(n)) }

// leaveHold clears the hold and resumes a paused resolution timer: the
// due time moves back by the working time the pause lasted.
func leaveHold(p *Policy, i *Incident, now time.Time) {
	if !i.SLA.PausedSince.IsZero() {
		paused := p.working(i.SLA.PausedSince, now)
		i.SLA.Paused += paused
		if !i.SLA.ResolutionDue.IsZero() {
			i.SLA.ResolutionDue = p.after(i.SLA.ResolutionDue, paused)
		}
		i.SLA.PausedSince = time.Time{}
	}
	i.HoldReason, i.HoldRef, i.HoldUntil = "", "", time.Time{}
}

// deskRoles are the roles that act for the organisation on a caller's
// behalf: an actor holding none of them closes or reopens as a caller.
var deskRoles = []sms.Role{RoleServiceDesk, RoleIncidentManager}

// callers names the incident's caller, for refusals.
func callers(i *Incident) string {
	if c := i.Parties.Of(sms.PartyRequester); len(c) > 0 {
		return strings.Join(c, ", ")
	}
	return i.Reporter
}

// callerOnly is the rule that an actor acting as a caller (holding none of
// the desk roles) acts on their own incident only.
func callerOnly(id, text string) sms.Segregation[*Incident] {
	return sms.Segregation[*Incident]{Requirement: req(id, text), Check: func(t *tx) string {
		if t.Actor.HasAny(deskRoles) || t.Entity.IsCaller(t.Actor.ID) {
			return ""
		}
		return fmt.Sprintf("%s acts as a caller, but the incident's caller is %s", t.Actor.ID, callers(t.Entity))
	}}
}

// confirmedBy checks who asserts the caller's confirmation of a closure
// (INC-06): the caller themselves, or a desk agent recording it as received
// over a channel the policy permits. It returns "" or the reason.
func confirmedBy(t *tx, p *Policy) string {
	c, i, who := cmd[Closure](t), t.Entity, t.Actor.ID
	switch {
	case c.Confirmation != ConfirmedByCaller:
		return ""
	case c.Channel == "":
		if i.IsCaller(who) {
			return ""
		}
		return fmt.Sprintf("the caller's confirmation is the caller's own act: %s is not the incident's caller (%s); "+
			"record the channel it came by, where the policy permits one, or close once the auto-close window elapsed", who, callers(i))
	case !t.Actor.HasAny(deskRoles):
		return fmt.Sprintf("only a service-desk agent or incident manager records a confirmation received by %s", c.Channel)
	case !p.permits(c.Channel):
		return fmt.Sprintf("the policy permits no caller's confirmation recorded as received by %s", c.Channel)
	}
	return ""
}

func definition(p *Policy) sms.Definition[*Incident] {
	var (
		agents = roles(RoleServiceDesk, RoleResolver, RoleIncidentManager)
		anyone = roles(RoleServiceDesk, RoleResolver, RoleIncidentManager, RoleMajorIncidentManager, RoleCaller)
		major  = roles(RoleMajorIncidentManager)
		open   = st(StatusNew, StatusAssigned, StatusInProgress, StatusOnHold)
		active = st(StatusNew, StatusAssigned, StatusInProgress, StatusOnHold, StatusResolved)
	)
	isMajor := func(t *tx) bool { return t.Entity.MajorState() == MajorAccepted }
	// Where the standard leaves room, the policy widens the source states
	// (see Policy.HoldFromNew, ResolveFromHold, Unassign).
	holdFrom, resolveFrom := st(StatusAssigned, StatusInProgress), st(StatusAssigned, StatusInProgress)
	holdReq, resolveReq := "only an assigned incident or one in progress waits on hold", "an incident is resolved from assigned work or work in progress"
	if p.HoldFromNew {
		holdFrom = st(StatusNew, StatusAssigned, StatusInProgress)
		holdReq = "only a new, assigned or in-progress incident waits on hold"
	}
	if p.ResolveFromHold {
		resolveFrom = st(StatusAssigned, StatusInProgress, StatusOnHold)
		resolveReq = "an incident is resolved from assigned work, work in progress or a hold"
	}
	var resumeGuards []sms.Guard[*Incident]
	if p.HoldFromNew {
		resumeGuards = []sms.Guard[*Incident]{recordGuard("INC-02",
			"work resumes only on an incident assigned to a group or a person: one held before assignment is assigned instead, which ends the hold",
			func(t *tx) bool { return t.Entity.Group != "" || t.Entity.Assignee != "" })}
	}

	rules := []sms.Rule[*Incident]{
		{
			Trigger: string(TriggerLog), To: string(StatusNew), Roles: roles(RoleServiceDesk, RoleResolver, RoleIncidentManager, RoleMajorIncidentManager),
			Command: Report{},
			Doc:     "Record a detected or reported incident.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-01", "an incident cannot be reported later than it is recorded", func(t *tx) bool {
					return !ts(cmd[Report](t).ReportedAt).After(t.Now)
				}),
			},
			Requires: []sms.Required[*Incident]{
				required("summary", "INC-01", "an incident is recorded with a summary, not only white space", func(i *Incident) bool { return !sms.Blank(i.Summary) }),
				required("service", "INC-01", "an incident is recorded with the affected service", func(i *Incident) bool { return i.Service != "" }),
				required("source", "INC-01", "an incident is recorded with its source", func(i *Incident) bool { return i.Source != "" }),
				required("reporter", "INC-01", "an incident is recorded with its reporter", func(i *Incident) bool { return i.Reporter != "" }),
				required("reported_at", "INC-01", "an incident is recorded with the time it was reported", func(i *Incident) bool { return !i.ReportedAt.IsZero() }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Report](t), t.Entity
				i.ID, i.Summary, i.Description, i.Service, i.Source, i.Reporter = c.ID, c.Summary, c.Description, c.Service, c.Source, c.Reporter
				i.ReportedAt = ts(c.ReportedAt)
				// The actor who logs is the raiser; the reporter the report
				// names is the caller, who acted when they logged it
				// themselves (INC-06, INC-16 compare with them).
				i.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
				i.Parties.Add(sms.PartyRequester, c.Reporter, c.Reporter == t.Actor.ID)
				t.Record("summary", c.Summary)
				t.Record("service", c.Service)
				t.Record("source", string(c.Source))
				t.Record("reporter", c.Reporter)
				t.RecordTime("reported_at", i.ReportedAt)
				for _, ci := range c.ConfigItems {
					if i.addLink(LinkConfigItem, ci) {
						i.ConfigItems = append(i.ConfigItems, ci)
						t.Record("config_item", ci)
					}
				}
				if i.addLink(LinkReopenedFrom, c.ReopenedFrom) {
					t.Record("reopened_from", c.ReopenedFrom)
				}
			},
		},
		{
			Trigger: string(TriggerClassify), From: open, Roles: agents,
			Command:     Classification{},
			Requirement: req("INC-02", "an incident is classified while it is open"),
			Doc:         "Classify and prioritise; reclassification journals old and new values.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-02", "an incident is classified with a category", func(t *tx) bool { return cmd[Classification](t).Category != "" }),
				guard("INC-02", "the category is one of the policy's taxonomy", func(t *tx) bool {
					c := cmd[Classification](t).Category
					return c == "" || len(p.Categories) == 0 || slices.Contains(p.Categories, c)
				}),
				guard("INC-03", "impact and urgency are both rated within the priority matrix", func(t *tx) bool {
					c := cmd[Classification](t)
					_, ok := p.Matrix.Priority(c.Impact, c.Urgency)
					return ok
				}),
				guard("INC-03", "a manual priority override gives its reason", func(t *tx) bool {
					c := cmd[Classification](t)
					return c.Priority == 0 || !sms.Blank(c.OverrideReason)
				}),
				guard("INC-03", "a manual priority override is one of the priorities the matrix gives", func(t *tx) bool {
					c := cmd[Classification](t)
					return c.Priority == 0 || (c.Priority >= 1 && c.Priority <= p.Matrix.Lowest())
				}),
				guard("INC-14", "a security incident carries an information-security risk rating", func(t *tx) bool {
					c := cmd[Classification](t)
					return !c.Security || (c.SecurityRisk >= 1 && int(c.SecurityRisk) <= p.Matrix.Impacts())
				}),
			},
			Requires: []sms.Required[*Incident]{
				required("service", "INC-02", "a classified incident names the affected service", func(i *Incident) bool { return i.Service != "" }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Classification](t), t.Entity
				t.RecordChange("category", i.Category, c.Category)
				i.Category = c.Category
				if c.Service != "" {
					t.RecordChange("service", i.Service, c.Service)
					i.Service = c.Service
				}
				for _, ci := range c.ConfigItems {
					if i.addLink(LinkConfigItem, ci) {
						i.ConfigItems = append(i.ConfigItems, ci)
						t.Record("config_item", ci)
					}
				}
				t.RecordChange("impact", itoa(i.Impact), itoa(c.Impact))
				t.RecordChange("urgency", itoa(i.Urgency), itoa(c.Urgency))
				i.Impact, i.Urgency = c.Impact, c.Urgency
				i.Security, i.SecurityRisk = c.Security, 0
				effective := c.Impact
				if c.Security {
					i.SecurityRisk = c.SecurityRisk
					t.Record("security_risk", itoa(c.SecurityRisk))
					if c.SecurityRisk >= 1 && c.SecurityRisk < effective {
						effective = c.SecurityRisk // the risk outweighs the impact
					}
				}
				prio, _ := p.Matrix.Priority(effective, c.Urgency)
				i.OverrideReason = ""
				if c.Priority != 0 {
					prio = c.Priority
					i.OverrideReason = c.OverrideReason
					t.Record("override_reason", c.OverrideReason)
				}
				t.RecordChange("priority", itoa(i.Priority), itoa(prio))
				i.Priority, i.MatrixVersion = prio, p.Matrix.Version
				t.Record("matrix_version", p.Matrix.Version)
				if tg, ok := p.Targets[prio]; ok {
					i.SLA.ResponseDue = p.after(i.ReportedAt, tg.Response)
					i.SLA.ResolutionDue = p.after(i.ReportedAt, tg.Resolution+i.SLA.Paused)
					t.RecordTime("response_due", i.SLA.ResponseDue)
					t.RecordTime("resolution_due", i.SLA.ResolutionDue)
				} else if !i.SLA.ResponseDue.IsZero() || !i.SLA.ResolutionDue.IsZero() {
					// The policy sets no target for the new priority: the due
					// times of the old one no longer apply (INC-15).
					i.SLA.ResponseDue, i.SLA.ResolutionDue = time.Time{}, time.Time{}
					t.Record("timers", "no target for "+prio.String())
				}
			},
		},
		{
			Trigger: string(TriggerAssign), From: open, To: string(StatusAssigned), Roles: agents,
			Command:     Assignment{},
			Requirement: req("INC-16", "work goes on only on an open incident: a resolved one is reopened first, a closed one stays closed"),
			Doc:         "Assign or reassign to a group or a person.",
			Guards: []sms.Guard[*Incident]{
				recordGuard("INC-02", "an incident is classified before it is assigned", func(t *tx) bool { return t.Entity.Category != "" }),
				recordGuard("INC-03", "an incident is prioritised from impact and urgency before it is assigned", func(t *tx) bool {
					return t.Entity.Priority > 0 && t.Entity.MatrixVersion != ""
				}),
			},
			Apply: func(t *tx) {
				c, i := cmd[Assignment](t), t.Entity
				if c.Group != "" {
					t.RecordChange("group", i.Group, c.Group)
					i.Group = c.Group
				}
				t.RecordChange("assignee", i.Assignee, c.Assignee)
				i.Assignee = c.Assignee
				if i.SLA.RespondedAt.IsZero() {
					i.SLA.RespondedAt = t.Now
					t.RecordTime("responded_at", t.Now)
				}
				if t.From == string(StatusOnHold) {
					leaveHold(p, i, t.Now)
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerStart), From: st(StatusAssigned), To: string(StatusInProgress), Roles: agents,
			Command:     WorkStart{},
			Requirement: req("INC-16", "work starts on an assigned incident; a resolved one is reopened first, a closed one stays closed"),
			Doc:         "Start work on an assigned incident.",
			Apply: func(t *tx) {
				if n := cmd[WorkStart](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerHold), From: holdFrom, To: string(StatusOnHold), Roles: agents,
			Command:     Suspension{},
			Requirement: req("INC-13", holdReq),
			Doc:         "Wait for the caller, a supplier, a change or a problem, until a time if one is given.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-13", "waiting for a change, a problem or a supplier names the record waited for", func(t *tx) bool {
					c := cmd[Suspension](t)
					return c.Reason == HoldCaller || c.Ref != ""
				}),
				guard("INC-13", "a hold that ends by itself ends later than it begins", func(t *tx) bool {
					u := cmd[Suspension](t).Until
					return u.IsZero() || ts(u).After(t.Now)
				}),
			},
			Apply: func(t *tx) {
				c, i := cmd[Suspension](t), t.Entity
				i.HoldReason, i.HoldRef, i.HoldUntil = c.Reason, c.Ref, ts(c.Until)
				t.Record("reason", string(c.Reason))
				if c.Ref != "" {
					t.Record("ref", c.Ref)
				}
				if !c.Until.IsZero() {
					t.RecordTime("until", i.HoldUntil)
				}
				switch c.Reason {
				case HoldChange:
					i.addLink(LinkChange, c.Ref)
				case HoldProblem:
					i.addLink(LinkProblem, c.Ref)
				case HoldSupplier:
					i.addLink(LinkSupplier, c.Ref)
				}
				if p.pauses(c.Reason) && i.SLA.PausedSince.IsZero() {
					i.SLA.PausedSince = t.Now
					t.Record("timer", "paused")
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerResume), From: st(StatusOnHold), To: string(StatusInProgress), Roles: agents,
			Command:     Resumption{},
			Requirement: req("INC-13", "only an incident on hold resumes"),
			Doc:         "Resume work after a hold.",
			Guards:      resumeGuards,
			Apply: func(t *tx) {
				t.Record("reason", string(t.Entity.HoldReason))
				leaveHold(p, t.Entity, t.Now)
				if n := cmd[Resumption](t).Note; n != "" {
					t.Record("note", n)
				}
			},
		},
		{
			Trigger: string(TriggerEscalate), From: st(StatusAssigned, StatusInProgress, StatusOnHold), Roles: agents,
			Command:     Escalation{},
			Requirement: req("INC-04", "escalation applies to an incident being worked on"),
			Doc:         "Escalate functionally or hierarchically; counted per kind.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-04", "an escalation names its target", func(t *tx) bool { return cmd[Escalation](t).Target != "" }),
				guard("INC-04", "an escalation gives its reason", func(t *tx) bool { return !sms.Blank(cmd[Escalation](t).Reason) }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Escalation](t), t.Entity
				level := 0
				if c.Kind == Hierarchical {
					i.HierarchicalLevel++
					level = i.HierarchicalLevel
				} else {
					i.FunctionalLevel++
					level = i.FunctionalLevel
				}
				t.Record("kind", string(c.Kind))
				t.Record("target", c.Target)
				t.Record("level", strconv.Itoa(level))
				t.SetReason(c.Reason)
			},
		},
		{
			Trigger: string(TriggerRecordAction), From: open, Roles: roles(RoleServiceDesk, RoleResolver, RoleIncidentManager, RoleMajorIncidentManager),
			Command:     Action{},
			Requirement: req("INC-07", "actions are recorded while the incident is open"),
			Doc:         "Record an action taken.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-07", "an action taken is described", func(t *tx) bool { return !sms.Blank(cmd[Action](t).Text) }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Action](t), t.Entity
				i.Actions++
				t.Record("text", c.Text)
				if c.KnownError != "" {
					i.addLink(LinkKnownError, c.KnownError)
					t.Record("known_error", c.KnownError)
				}
			},
		},
		{
			Trigger: string(TriggerNote), From: st(Statuses()...), Roles: anyone,
			Command: Note{},
			Doc:     "Add a note; the only trigger a closed or cancelled incident accepts.",
			Apply:   func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
		{
			Trigger: string(TriggerLink), From: active, Roles: roles(RoleServiceDesk, RoleResolver, RoleIncidentManager, RoleMajorIncidentManager),
			Command:     Link{},
			Requirement: req("INC-13", "links are added until the incident is closed"),
			Doc:         "Link a problem, change, known error, configuration item or other record.",
			Apply: func(t *tx) {
				c, i := cmd[Link](t), t.Entity
				if i.addLink(c.Type, c.ID) && c.Type == LinkConfigItem {
					i.ConfigItems = append(i.ConfigItems, c.ID)
				}
				t.Record("type", c.Type)
				t.Record("id", c.ID)
			},
		},
		{
			Trigger: string(TriggerResolve), From: resolveFrom, To: string(StatusResolved), Roles: agents,
			Command:     Resolution{},
			Requirement: req("INC-05", resolveReq),
			Doc:         "Resolve with a resolution code, notes and the restoration time.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-05", "a resolution carries a resolution code", func(t *tx) bool { return cmd[Resolution](t).Code != "" }),
				guard("INC-05", "a resolution carries resolution notes", func(t *tx) bool { return !sms.Blank(cmd[Resolution](t).Notes) }),
				guard("INC-05", "a resolution records when service was restored, not before the report and not in the future", func(t *tx) bool {
					r := ts(cmd[Resolution](t).RestoredAt)
					return !r.IsZero() && !r.Before(t.Entity.ReportedAt) && !r.After(t.Now)
				}),
				recordGuard("INC-07", "at least one action taken is recorded before resolution", func(t *tx) bool { return t.Entity.Actions > 0 }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Resolution](t), t.Entity
				i.ResolutionCode, i.ResolutionNotes, i.RestoredAt, i.ResolvedAt = c.Code, c.Notes, ts(c.RestoredAt), t.Now
				if t.From == string(StatusOnHold) {
					t.Record("reason", string(i.HoldReason)) // the hold it ends
					leaveHold(p, i, t.Now)
				}
				t.Record("code", c.Code)
				t.Record("notes", c.Notes)
				t.RecordTime("restored_at", i.RestoredAt)
				if c.KnownError != "" {
					i.KnownError = c.KnownError
					i.addLink(LinkKnownError, c.KnownError)
					t.Record("known_error", c.KnownError)
				}
				if i.MajorState() == MajorAccepted {
					i.Major.ReviewDue = t.Now.Add(p.ReviewWithin)
					t.RecordTime("review_due", i.Major.ReviewDue)
				}
			},
		},
		{
			Trigger: string(TriggerReopen), From: st(StatusResolved), To: string(StatusInProgress), Roles: roles(RoleServiceDesk, RoleIncidentManager, RoleCaller),
			Command:     Reopening{},
			Requirement: req("INC-16", "only a resolved incident is reopened; a closed one stays closed"),
			Doc:         "Reopen when the caller rejects the resolution.",
			Segregation: []sms.Segregation[*Incident]{callerOnly("INC-16", "a caller rejects the resolution of their own incident only")},
			Guards: []sms.Guard[*Incident]{
				guard("INC-16", "reopening gives the reason the resolution was rejected", func(t *tx) bool {
					return !sms.Blank(cmd[Reopening](t).Reason)
				}),
			},
			Apply: func(t *tx) {
				i := t.Entity
				i.ReopenCount++
				t.SetReason(cmd[Reopening](t).Reason)
				t.Record("reopen_count", strconv.Itoa(i.ReopenCount))
				t.Record("rejected_code", i.ResolutionCode)
				i.ResolutionCode, i.ResolutionNotes, i.RestoredAt, i.ResolvedAt = "", "", time.Time{}, time.Time{}
				if i.Major != nil {
					i.Major.ReviewDue = time.Time{}
				}
			},
		},
		{
			Trigger: string(TriggerClose), From: st(StatusResolved), To: string(StatusClosed), Roles: roles(RoleServiceDesk, RoleIncidentManager, RoleCaller),
			Command:     Closure{},
			Requirement: req("INC-06", "only a resolved incident is closed"),
			Doc:         "Close on the caller's confirmation or after the auto-close window.",
			Segregation: []sms.Segregation[*Incident]{
				callerOnly("INC-06", "a caller closes their own incident only"),
				{
					Requirement: req("INC-06", "the caller's confirmation is the caller's own act, or a confirmation received over a channel the policy permits, recorded by an agent"),
					Check:       func(t *tx) string { return confirmedBy(t, p) },
				},
			},
			Guards: []sms.Guard[*Incident]{
				guard("INC-06", "a closure carries a close code", func(t *tx) bool { return cmd[Closure](t).Code != "" }),
				guard("INC-06", "closure needs the caller's confirmation or the elapsed auto-close window", func(t *tx) bool {
					switch cmd[Closure](t).Confirmation {
					case ConfirmedByCaller:
						return true
					case AutoClosed:
						return p.AutoCloseAfter > 0 && !t.Now.Before(t.Entity.ResolvedAt.Add(p.AutoCloseAfter))
					}
					return false
				}),
				guard("INC-12", "in strict review mode a major incident closes only after its post-incident review", func(t *tx) bool {
					return p.ReviewMode != ReviewStrict || !isMajor(t) || !t.Entity.Major.ReviewedAt.IsZero()
				}),
				guard("INC-10", "top management is notified of a major incident's resolution before it closes", func(t *tx) bool {
					return !isMajor(t) || !t.Entity.Major.LastNotifiedAt.Before(t.Entity.ResolvedAt)
				}),
			},
			Apply: func(t *tx) {
				c, i := cmd[Closure](t), t.Entity
				i.CloseCode, i.Confirmation, i.ConfirmationChannel, i.ClosedAt = c.Code, c.Confirmation, c.Channel, t.Now
				t.Record("code", c.Code)
				t.Record("confirmation", string(c.Confirmation))
				if c.Confirmation == ConfirmedByCaller {
					i.Parties.Add(sms.PartyConfirmer, t.Actor.ID, true)
				}
				if c.Channel != "" {
					t.Record("confirmation.channel", string(c.Channel))
					t.Record("confirmation.recorded_by", t.Actor.ID)
				}
			},
		},
		{
			Trigger: string(TriggerCancel), From: st(StatusNew, StatusAssigned), To: string(StatusCancelled), Roles: roles(RoleServiceDesk, RoleIncidentManager),
			Command:     Cancellation{},
			Requirement: req("INC-17", "only an incident not yet worked on is cancelled"),
			Doc:         "Cancel with a reason; a duplicate names its original.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-17", "a cancellation gives its reason", func(t *tx) bool { return cmd[Cancellation](t).Reason != "" }),
				guard("INC-17", "a duplicate names the incident it duplicates, not itself", func(t *tx) bool {
					c := cmd[Cancellation](t)
					return c.Reason != CancelDuplicate || (c.DuplicateOf != "" && c.DuplicateOf != t.Entity.ID)
				}),
			},
			Apply: func(t *tx) {
				c, i := cmd[Cancellation](t), t.Entity
				i.CancelReason = c.Reason
				t.Record("reason", string(c.Reason))
				if c.Reason == CancelDuplicate {
					i.DuplicateOf = c.DuplicateOf
					i.addLink(LinkDuplicateOf, c.DuplicateOf)
					t.Record("duplicate_of", c.DuplicateOf)
				}
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerConvert), From: st(StatusNew), To: string(StatusCancelled), Roles: roles(RoleServiceDesk, RoleIncidentManager),
			Command:     Conversion{},
			Requirement: req("INC-17", "only a new incident is converted to a service request"),
			Doc:         "Convert a misfiled request: cancelled, linked to the request.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-17", "a conversion names the service request created in its place", func(t *tx) bool { return cmd[Conversion](t).RequestID != "" }),
			},
			Apply: func(t *tx) {
				c, i := cmd[Conversion](t), t.Entity
				i.CancelReason, i.RequestID = CancelNotAnIncident, c.RequestID
				i.addLink(LinkRequest, c.RequestID)
				t.Record("reason", string(CancelNotAnIncident))
				t.Record("request_id", c.RequestID)
			},
		},
		{
			Trigger: string(TriggerProposeMajor), From: open, Roles: roles(RoleServiceDesk, RoleResolver, RoleIncidentManager, RoleMajorIncidentManager),
			Command:     MajorProposal{},
			Requirement: req("INC-09", "only an open incident is proposed as major"),
			Doc:         "Propose as a major-incident candidate.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-09", "only an incident not already a candidate or major is proposed", func(t *tx) bool {
					s := t.Entity.MajorState()
					return s == MajorNone || s == MajorRejected
				}),
			},
			Apply: func(t *tx) {
				m := t.Entity.major()
				m.State, m.ProposedReason, m.RejectedReason = MajorCandidate, cmd[MajorProposal](t).Reason, ""
				t.SetReason(m.ProposedReason)
				if met := p.Major.Evaluate(t.Entity); len(met) > 0 {
					t.Record("criteria_met", strings.Join(met, ","))
				}
			},
		},
		{
			Trigger: string(TriggerAcceptMajor), From: open, Roles: major,
			Command:     MajorAcceptance{},
			Requirement: req("INC-09", "only an open incident is accepted as major"),
			Doc:         "Accept a candidate as major, under the criteria and procedure, with a named manager.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-09", "only a proposed candidate is accepted as major", func(t *tx) bool { return t.Entity.MajorState() == MajorCandidate }),
				guard("INC-08", "major-incident criteria are defined in the policy", func(*tx) bool { return p.Major.Active() }),
				guard("INC-09", "the incident meets the major-incident criteria, or the override is justified", func(t *tx) bool {
					return len(p.Major.Evaluate(t.Entity)) > 0 || !sms.Blank(cmd[MajorAcceptance](t).OverrideReason)
				}),
				guard("INC-09", "the documented major-incident procedure is named", func(t *tx) bool { return cmd[MajorAcceptance](t).ProcedureRef != "" }),
				guard("INC-11", "a named person manages the major incident", func(t *tx) bool { return cmd[MajorAcceptance](t).Manager != "" }),
			},
			Apply: func(t *tx) {
				c, m := cmd[MajorAcceptance](t), t.Entity.major()
				m.State, m.Manager, m.ProcedureRef, m.AcceptedAt = MajorAccepted, c.Manager, c.ProcedureRef, t.Now
				m.CriteriaVersion, m.CriteriaMet, m.OverrideReason = p.Major.Version, p.Major.Evaluate(t.Entity), c.OverrideReason
				t.Record("manager", c.Manager)
				t.Record("procedure_ref", c.ProcedureRef)
				t.Record("criteria_version", m.CriteriaVersion)
				t.Record("criteria_met", strings.Join(m.CriteriaMet, ","))
				if c.OverrideReason != "" {
					t.Record("override_reason", c.OverrideReason)
				}
			},
		},
		{
			Trigger: string(TriggerRejectMajor), From: open, Roles: major,
			Command:     MajorRejection{},
			Requirement: req("INC-09", "only an open incident has its candidacy rejected"),
			Doc:         "Reject a major-incident candidate with a reason.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-09", "only a proposed candidate is rejected", func(t *tx) bool { return t.Entity.MajorState() == MajorCandidate }),
				guard("INC-09", "a rejection gives its reason", func(t *tx) bool { return !sms.Blank(cmd[MajorRejection](t).Reason) }),
			},
			Apply: func(t *tx) {
				m := t.Entity.major()
				m.State, m.RejectedReason = MajorRejected, cmd[MajorRejection](t).Reason
				t.SetReason(m.RejectedReason)
			},
		},
		{
			Trigger: string(TriggerHandOver), From: active, Roles: major,
			Command:     Handover{},
			Requirement: req("INC-11", "a major incident is handed over until it is closed"),
			Doc:         "Hand a major incident to another named manager.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-11", "only an accepted major incident has a manager to hand over", isMajor),
				guard("INC-11", "the manager of a major incident is handed over to a named person, never cleared", func(t *tx) bool {
					return cmd[Handover](t).Manager != ""
				}),
			},
			Apply: func(t *tx) {
				c, m := cmd[Handover](t), t.Entity.major()
				t.RecordChange("manager", m.Manager, c.Manager)
				m.Manager = c.Manager
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerNotify), From: active, Roles: roles(RoleMajorIncidentManager, RoleIncidentManager),
			Command:     Notification{},
			Requirement: req("INC-10", "management is notified until the major incident is closed"),
			Doc:         "Record that top management was informed.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-10", "management notifications are recorded for accepted major incidents", isMajor),
				guard("INC-10", "a notification names its audience and what it said", func(t *tx) bool {
					c := cmd[Notification](t)
					return c.Audience != "" && !sms.Blank(c.Summary)
				}),
			},
			Apply: func(t *tx) {
				c, m := cmd[Notification](t), t.Entity.major()
				m.Notifications++
				if m.FirstNotifiedAt.IsZero() {
					m.FirstNotifiedAt = t.Now
				}
				m.LastNotifiedAt = t.Now
				t.Record("audience", c.Audience)
				t.Record("summary", c.Summary)
				if t.From == string(StatusResolved) {
					t.Record("final", "true")
				}
			},
		},
		{
			// A closed incident accepts the review too: in lenient mode the
			// review may come after closure, and it only annotates the record.
			Trigger: string(TriggerReview), From: st(StatusResolved, StatusClosed), Roles: roles(RoleMajorIncidentManager, RoleIncidentManager),
			Command:     Review{},
			Requirement: req("INC-12", "a major incident is reviewed once resolved"),
			Doc:         "Record the post-incident review of a resolved major incident.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-12", "post-incident reviews are recorded for accepted major incidents", isMajor),
				guard("INC-12", "a review summarises what was learnt", func(t *tx) bool { return !sms.Blank(cmd[Review](t).Summary) }),
			},
			Apply: func(t *tx) {
				c, m := cmd[Review](t), t.Entity.major()
				m.ReviewedAt, m.ReviewedBy, m.ReviewSummary, m.ReviewActions = t.Now, t.Actor.ID, c.Summary, slices.Clone(c.Actions)
				t.Record("summary", c.Summary)
				for _, a := range c.Actions {
					t.Record("action", a)
				}
			},
		},
	}
	if p.Unassign {
		rules = append(rules, sms.Rule[*Incident]{
			Trigger: string(TriggerUnassign), From: st(StatusAssigned, StatusInProgress, StatusOnHold), To: string(StatusNew), Roles: agents,
			Command:     Unassignment{},
			Requirement: req("INC-16", "only an assigned incident, one in progress or one on hold returns to the queue; a resolved one is reopened first, a closed one stays closed"),
			Doc:         "Return the incident to the queue: remove its group and assignee.",
			Guards: []sms.Guard[*Incident]{
				guard("INC-07", "returning an incident to the queue gives the reason", func(t *tx) bool { return !sms.Blank(cmd[Unassignment](t).Reason) }),
				recordGuard("INC-11", "the major incident manager of an accepted major incident stays responsible: hand it over instead",
					func(t *tx) bool { return !isMajor(t) }),
			},
			Apply: func(t *tx) {
				i := t.Entity
				t.RecordChange("group", i.Group, "")
				t.RecordChange("assignee", i.Assignee, "")
				i.Group, i.Assignee = "", ""
				if t.From == string(StatusOnHold) {
					leaveHold(p, i, t.Now)
				}
				t.SetReason(cmd[Unassignment](t).Reason)
			},
		})
	}
	return sms.Definition[*Incident]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusClosed, StatusCancelled),
		New:       func() *Incident { return &Incident{} },
		Rules:     rules,
		Catalogue: Requirements(),
	}
}
