package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// The review workflow's guards speak of reviews in general; the
// requirement each one cites is the one the review evidences (its
// schedule's, such as PRB-13 in clause 8.6.3), so that a refusal names the
// obligation that is not met. These are the sentences.
const (
	textPeriod       = "a periodic review names the period it covers, its start before its end"
	textOwner        = "a periodic review has a named owner"
	textConclusions  = "a performed review records its conclusions"
	textInputs       = "a performed review records what it examined"
	textParticipants = "a performed review names at least one participant"
	textAfterPeriod  = "a review is performed once the period it covers has ended"
	textNotFuture    = "a review is not recorded as performed in the future"
	textPerformer    = "a review is recorded as performed by its owner or by one who took part in it"
	textActionOwner  = "every action a review agrees has a description and an owner who agreed to it"
	textActionDue    = "an action is due no earlier than the review that agreed it"
	textActionNumber = "an action update names one of the review's actions"
	textActionUpdate = "an action update reports the action done or names the record that tracks it"
	textActionsOpen  = "a review closes once every action it agreed is done or tracked by another record"
	textCancelReason = "a cancelled review gives its reason"
	textPerformFrom  = "only a planned review is performed"
	textFollowUpFrom = "actions are followed up on a performed review"
	textCloseFrom    = "only a performed review is closed"
	textCancelFrom   = "only a planned review is cancelled; a performed one stays on record"
)

type tx = sms.Transition[*Review]

// cmd returns the transition's command as C, or C's zero value: guards and
// effects never panic on a foreign command.
func cmd[C Command](t *tx) C {
	c, _ := t.Command.(C)
	return c
}

func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func st(ss ...Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func roles(rs ...sms.Role) []sms.Role { return rs }

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// performedAt is when the review took place: the command's time, or now.
func performedAt(t *tx) time.Time {
	if at := cmd[Performance](t).PerformedAt; !at.IsZero() {
		return ts(at)
	}
	return t.Now
}

// period is the period the performed review covers: the command's
// correction, or the one planned.
func period(t *tx) Period {
	if p := cmd[Performance](t).Period; !p.From.IsZero() || !p.To.IsZero() {
		return Period{From: ts(p.From), To: ts(p.To)}
	}
	return t.Entity.Period
}

// participants returns the names given, each once, in order.
func participants(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// definition is the review workflow. Its guards declare requirement req,
// one of the catalogue's, each with a sentence of its own (the catalogue
// gives the clause); the definition's Cite maps every refusal to the
// requirement the review itself records, its schedule's, which the plan's
// Prepare finds with lookup. One workflow so serves every schedule.
func definition(req sms.Requirement, catalogue []sms.Requirement, lookup func(subject, scope string) (sms.Requirement, bool)) sms.Definition[*Review] {
	r := func(text string) sms.Requirement { return sms.Requirement{ID: req.ID, Text: text} }
	guard := func(text string, check func(*tx) bool) sms.Guard[*Review] {
		return sms.Guard[*Review]{Requirement: r(text), Check: check}
	}
	owner := roles(RoleOwner)

	rules := []sms.Rule[*Review]{
		{
			Trigger: string(TriggerPlan), To: string(StatusPlanned), Roles: owner,
			Command: Plan{},
			Doc:     "Plan a review of a scheduled subject, for a period, with an owner.",
			// The schedule's requirement goes on the working copy before
			// the guards, so that the plan's own refusals cite it.
			Prepare: func(_ context.Context, t *tx) error {
				c := cmd[Plan](t)
				found, ok := lookup(c.Subject, c.Scope)
				if !ok {
					return sms.Invalid(Kind, "subject", "no schedule for %s: the service cannot tell which requirement the review evidences",
						key(c.Subject, c.Scope))
				}
				t.Entity.Requirement = found
				return nil
			},
			Guards: []sms.Guard[*Review]{
				guard(textPeriod, func(t *tx) bool {
					p := cmd[Plan](t).Period
					return Period{From: ts(p.From), To: ts(p.To)}.Valid()
				}),
			},
			Requires: []sms.Required[*Review]{
				{Field: "owner", Requirement: r(textOwner), Present: func(v *Review) bool { return v.Owner != "" }},
			},
			Apply: func(t *tx) {
				c, v := cmd[Plan](t), t.Entity
				v.ID, v.Subject, v.Scope, v.Owner = c.ID, c.Subject, c.Scope, c.Owner
				v.Period = Period{From: ts(c.Period.From), To: ts(c.Period.To)}
				v.addLink(LinkSubject, c.Subject)
				v.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
				v.Parties.Add(sms.PartyOwner, c.Owner, c.Owner == t.Actor.ID)
				t.Record("subject", c.Subject)
				if c.Scope != "" {
					t.Record("scope", c.Scope)
				}
				t.Record("requirement", v.Requirement.ID)
				t.Record("owner", c.Owner)
				t.RecordTime("period.from", v.Period.From)
				t.RecordTime("period.to", v.Period.To)
				if c.Note != "" {
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerPerform), From: st(StatusPlanned), To: string(StatusPerformed), Roles: owner,
			Command:     Performance{},
			Prepare:     named,
			Requirement: r(textPerformFrom),
			Segregation: []sms.Segregation[*Review]{{Requirement: r(textPerformer), Check: func(t *tx) string {
				who := t.Actor.ID
				if t.Entity.mayRecordPerformance(who, participants(cmd[Performance](t).Participants)) {
					return ""
				}
				return fmt.Sprintf("%s is neither the review's owner (%s) nor among the participants the performance names", who, t.Entity.Owner)
			}}},
			Doc: "Record that the review took place: inputs, conclusions, actions agreed, participants.",
			Guards: []sms.Guard[*Review]{
				guard(textConclusions, func(t *tx) bool { return !blank(cmd[Performance](t).Conclusions) }),
				guard(textInputs, func(t *tx) bool { return !blank(cmd[Performance](t).Inputs.Summary) }),
				guard(textParticipants, func(t *tx) bool { return len(participants(cmd[Performance](t).Participants)) > 0 }),
				guard(textPeriod, func(t *tx) bool { return period(t).Valid() }),
				guard(textAfterPeriod, func(t *tx) bool { return !performedAt(t).Before(period(t).To) }),
				guard(textNotFuture, func(t *tx) bool { return !performedAt(t).After(t.Now) }),
				guard(textActionOwner, func(t *tx) bool {
					for _, a := range cmd[Performance](t).Actions {
						if blank(a.Text) || a.Owner == "" {
							return false
						}
					}
					return true
				}),
				guard(textActionDue, func(t *tx) bool {
					at := performedAt(t)
					for _, a := range cmd[Performance](t).Actions {
						if !a.Due.IsZero() && ts(a.Due).Before(at) {
							return false
						}
					}
					return true
				}),
			},
			Apply: func(t *tx) {
				c, v := cmd[Performance](t), t.Entity
				v.PerformedAt, v.PerformedBy, v.Period = performedAt(t), t.Actor.ID, period(t)
				v.Inputs = Inputs{Summary: c.Inputs.Summary, Refs: slices.Clone(c.Inputs.Refs)}
				v.Conclusions = c.Conclusions
				v.Participants = participants(c.Participants)
				v.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
				for _, p := range v.Participants {
					v.Parties.Add(sms.PartyReviewer, p, false)
				}
				t.RecordTime("performed_at", v.PerformedAt)
				t.RecordTime("period.from", v.Period.From)
				t.RecordTime("period.to", v.Period.To)
				t.Record("inputs", c.Inputs.Summary)
				for _, ref := range c.Inputs.Refs {
					v.addLink(LinkInput, ref)
					t.Record("input", ref)
				}
				t.Record("conclusions", c.Conclusions)
				for _, p := range v.Participants {
					t.Record("participant", p)
				}
				v.Actions = make([]Action, 0, len(c.Actions))
				for i, a := range c.Actions {
					v.Actions = append(v.Actions, Action{Number: i + 1, Text: a.Text, Owner: a.Owner, Due: ts(a.Due), Ref: a.Ref})
					v.addLink(LinkAction, a.Ref)
					t.Record("action", a.Text)
					t.Record("action.owner", a.Owner)
					t.RecordTime("action.due", v.Actions[i].Due)
					if a.Ref != "" {
						t.Record("action.ref", a.Ref)
					}
				}
			},
		},
		{
			Trigger: string(TriggerUpdateAction), From: st(StatusPerformed), Roles: owner,
			Command:     ActionUpdate{},
			Prepare:     named,
			Requirement: r(textFollowUpFrom),
			Doc:         "Report an agreed action done, or name the record that now tracks it.",
			Guards: []sms.Guard[*Review]{
				guard(textActionNumber, func(t *tx) bool {
					n := cmd[ActionUpdate](t).Number
					return n >= 1 && n <= len(t.Entity.Actions)
				}),
				guard(textActionUpdate, func(t *tx) bool {
					c := cmd[ActionUpdate](t)
					return c.Done || c.Ref != ""
				}),
			},
			Apply: func(t *tx) {
				c, v := cmd[ActionUpdate](t), t.Entity
				if c.Number < 1 || c.Number > len(v.Actions) {
					return // refused by the guard
				}
				a := &v.Actions[c.Number-1]
				t.Record("number", strconv.Itoa(c.Number))
				if c.Done && !a.Done {
					a.Done, a.DoneAt = true, t.Now
					t.Record("done", "true")
				}
				if c.Ref != "" && c.Ref != a.Ref {
					if a.Ref != "" {
						t.Record("ref.old", a.Ref)
					}
					a.Ref = c.Ref
					v.addLink(LinkAction, c.Ref)
					t.Record("ref", c.Ref)
				}
				if c.Note != "" {
					a.Note = c.Note
					t.Record("note", c.Note)
				}
			},
		},
		{
			Trigger: string(TriggerClose), From: st(StatusPerformed), To: string(StatusClosed), Roles: owner,
			Command:     Closure{},
			Prepare:     named,
			Requirement: r(textCloseFrom),
			Doc:         "Close once every agreed action is done or tracked by another record.",
			Guards: []sms.Guard[*Review]{
				guard(textActionsOpen, func(t *tx) bool {
					for _, a := range t.Entity.Actions {
						if !a.tracked() {
							return false
						}
					}
					return true
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
			Trigger: string(TriggerCancel), From: st(StatusPlanned), To: string(StatusCancelled), Roles: owner,
			Command:     Cancellation{},
			Prepare:     named,
			Requirement: r(textCancelFrom),
			Doc:         "Cancel a planned review, with a reason.",
			Guards: []sms.Guard[*Review]{
				guard(textCancelReason, func(t *tx) bool { return !blank(cmd[Cancellation](t).Reason) }),
			},
			Apply: func(t *tx) {
				t.Entity.CancelReason = cmd[Cancellation](t).Reason
				t.SetReason(t.Entity.CancelReason)
			},
		},
		{
			Trigger: string(TriggerNote), From: st(Statuses()...), Roles: roles(RoleOwner, RoleParticipant),
			Command: Note{},
			Prepare: named,
			Doc:     "Add a note, in any status.",
			Apply:   func(t *tx) { t.Record("text", cmd[Note](t).Text) },
		},
	}
	return sms.Definition[*Review]{
		Kind:      Kind,
		States:    st(Statuses()...),
		Terminal:  st(StatusClosed, StatusCancelled),
		New:       func() *Review { return &Review{} },
		Rules:     rules,
		Catalogue: catalogue,
		Cite: func(v *Review, declared sms.Requirement) sms.Requirement {
			if v.Requirement.ID == "" {
				return declared
			}
			return sms.Requirement{ID: v.Requirement.ID, Clause: v.Requirement.Clause, Text: declared.Text}
		},
	}
}

// named refuses, as corrupt, a stored review that names no requirement it
// evidences (imported, or edited by hand): no refusal of it could cite the
// obligation, and no finding count it.
func named(_ context.Context, t *tx) error {
	if v := t.Entity; v.Requirement.ID == "" || v.Requirement.Clause == "" {
		return &sms.CorruptError{Kind: Kind, ID: v.ID, Problem: "the review names no requirement it evidences"}
	}
	return nil
}

// entry returns the requirement as a catalogue entry: with a sentence of
// its own when it gives none.
func entry(r sms.Requirement) sms.Requirement {
	if r.Text == "" {
		r.Text = "the reviews that evidence " + r.ID + " are performed periodically"
	}
	return r
}

// catalogue returns the requirements the schedules name, each once, in the
// order of the schedules, each with the first sentence a schedule gives
// for it: what a service's refusals and findings may cite. Two schedules
// that name one requirement under two clauses give a
// [*sms.ValidationError].
func catalogue(ss []Schedule) ([]sms.Requirement, error) {
	var out []sms.Requirement
	at := map[string]int{}
	for _, s := range ss {
		r := s.Requirement
		i, ok := at[r.ID]
		switch {
		case !ok:
			at[r.ID] = len(out)
			out = append(out, r)
		case out[i].Clause != r.Clause:
			return nil, sms.Invalid(Kind, "schedules", "%s names %s under clause %s, another schedule under clause %s",
				s.Key(), r.ID, r.Clause, out[i].Clause)
		case out[i].Text == "":
			out[i].Text = r.Text
		}
	}
	for i := range out {
		out[i] = entry(out[i])
	}
	return out, nil
}

// Workflow returns the review workflow for reviews that evidence req: its
// catalogue is req alone, and a plan under it records req whatever its
// subject. A stored review's refusals cite the requirement the review
// records, as a [Service]'s do. Its rules, permitted triggers and diagram
// are the same for every requirement. A requirement without an ID or a
// clause gives a [*sms.ValidationError].
func Workflow(req sms.Requirement) (*sms.Workflow[*Review], error) {
	if req.ID == "" || req.Clause == "" {
		return nil, sms.Invalid(Kind, "requirement", "needs an ID and a clause")
	}
	return sms.NewWorkflow(definition(req, []sms.Requirement{entry(req)},
		func(string, string) (sms.Requirement, bool) { return req, true }))
}
