package servicelevel

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// AgreementCommand is the input of one agreement trigger.
type AgreementCommand interface {
	sms.Command
	Trigger() AgreementTrigger
}

// Content is what an agreement says: the services, its evidence, targets,
// workload limits and exceptions (or the explicit declaration that there
// are none), and for an internal agreement its activities and interfaces.
type Content struct {
	Services     []string
	Evidence     Evidence
	Targets      []Target
	Limits       []Limit
	NoLimits     bool // no workload limit is agreed: recorded with who declared it
	Exceptions   []Exception
	NoExceptions bool // no exception is agreed: recorded with who declared it
	Activities   []string
	Interfaces   []string
}

func (c *Content) validate() error {
	if c.NoLimits && len(c.Limits) > 0 {
		return sms.Invalid(AgreementKind, "limits", "lists limits and declares there are none")
	}
	if c.NoExceptions && len(c.Exceptions) > 0 {
		return sms.Invalid(AgreementKind, "exceptions", "lists exceptions and declares there are none")
	}
	errs := []error{sms.CheckRefs(AgreementKind, "services", c.Services), sms.CheckText(AgreementKind, "evidence.kind", c.Evidence.Kind, sms.MaxShort),
		sms.CheckText(AgreementKind, "evidence.ref", c.Evidence.Ref, sms.MaxShort),
		sms.CheckTexts(AgreementKind, "activities", c.Activities, sms.MaxText), sms.CheckTexts(AgreementKind, "interfaces", c.Interfaces, sms.MaxText)}
	for _, t := range c.Targets {
		errs = append(errs, sms.CheckText(AgreementKind, "targets.metric", t.Metric, sms.MaxShort), sms.CheckText(AgreementKind, "targets.objective", t.Objective, sms.MaxShort),
			sms.CheckText(AgreementKind, "targets.calendar", t.Calendar, sms.MaxShort), sms.CheckRefs(AgreementKind, "targets.priorities", t.Priorities))
		if len(t.Chain) > maxListed {
			errs = append(errs, sms.Invalid(AgreementKind, "targets.chain", "has more than %d links", maxListed))
		}
		for _, l := range t.Chain {
			errs = append(errs, sms.CheckRef(AgreementKind, "targets.chain.agreement", l.Agreement), sms.CheckText(AgreementKind, "targets.chain.metric", l.Metric, sms.MaxShort),
				sms.CheckRefs(AgreementKind, "targets.chain.priorities", l.Priorities))
		}
	}
	for _, l := range c.Limits {
		if l.Max < 0 {
			errs = append(errs, sms.Invalid(AgreementKind, "limits.max", "%d is negative", l.Max))
		}
		errs = append(errs, sms.CheckText(AgreementKind, "limits.metric", l.Metric, sms.MaxShort), sms.CheckText(AgreementKind, "limits.window", l.Window, sms.MaxShort))
	}
	for _, e := range c.Exceptions {
		errs = append(errs, sms.CheckText(AgreementKind, "exceptions.kind", e.Kind, sms.MaxShort), sms.CheckText(AgreementKind, "exceptions.text", e.Text, sms.MaxText))
	}
	return sms.FirstError(errs...)
}

// Draft drafts an agreement, or a new edition of one (Amends).
type Draft struct {
	ID              string
	Type            Type
	Title           string
	Customer        string
	RequirementsRef string
	ExpiresAt       time.Time
	// Amends names the active agreement this edition amends (SLM-11).
	Amends string
	Content
}

// Revision replaces the content of a draft or of an agreement under
// negotiation; under negotiation it withdraws the sign-offs given.
type Revision struct{ Content }

// Proposal opens the negotiation of a draft.
type Proposal struct{}

// Signing signs the agreement for a side: the customer (a customer) or the
// provider (a service level manager), each by another person.
type Signing struct{ Side Side }

// Activation puts a negotiated, signed agreement in force; an edition that
// amends another supersedes it in the same commit where the store offers
// one.
type Activation struct{}

// ReviewStart opens the periodic review of an active agreement (SLM-04).
type ReviewStart struct{}

// Conclusion closes a review with its conclusions (SLM-04). Report is the
// period report the review examined, if any ([PeriodReport]): when it
// missed a target or exceeded a limit, Improvements must name the
// improvement actions or opportunities raised (SLM-06).
type Conclusion struct {
	Text         string
	Report       *Report
	Improvements []string
}

// Issue issues a period report on the agreement (SLM-04, SLM-05): the
// report [PeriodReport] computed for this edition over a period that has
// ended, and, for a period that missed a target or exceeded a limit, the
// improvement actions or opportunities already raised (the review that
// examines the period may name them instead, SLM-06). The workflow
// refuses a report whose figures contradict its flags or the agreement's
// targets and limits, so that a missed target cannot be issued as met.
type Issue struct {
	Report       Report
	Improvements []string
}

// Supersession records that the active edition By replaced the agreement
// (SLM-11); the activation of By fires it.
type Supersession struct{ By string }

// Expiry ends an agreement whose end date has come.
type Expiry struct{}

// Termination ends an agreement early, with the reason.
type Termination struct{ Reason string }

// AgreementNote adds a note.
type AgreementNote struct{ Text string }

// Trigger implements [AgreementCommand].
func (Draft) Trigger() AgreementTrigger         { return TriggerDraft }
func (Revision) Trigger() AgreementTrigger      { return TriggerRevise }
func (Proposal) Trigger() AgreementTrigger      { return TriggerPropose }
func (Signing) Trigger() AgreementTrigger       { return TriggerSign }
func (Activation) Trigger() AgreementTrigger    { return TriggerActivate }
func (ReviewStart) Trigger() AgreementTrigger   { return TriggerReview }
func (Conclusion) Trigger() AgreementTrigger    { return TriggerConclude }
func (Supersession) Trigger() AgreementTrigger  { return TriggerSupersede }
func (Expiry) Trigger() AgreementTrigger        { return TriggerExpire }
func (Termination) Trigger() AgreementTrigger   { return TriggerTerminate }
func (AgreementNote) Trigger() AgreementTrigger { return TriggerNote }
func (Issue) Trigger() AgreementTrigger         { return TriggerReport }

// Validate implements [sms.Command].
func (c Draft) Validate() error {
	switch c.Type {
	case SLA, OLA:
	default:
		return sms.Invalid(AgreementKind, "type", "%q is neither sla nor ola", c.Type)
	}
	return sms.FirstError(sms.CheckRef(AgreementKind, "id", c.ID), sms.CheckText(AgreementKind, "title", c.Title, sms.MaxShort),
		sms.CheckRef(AgreementKind, "customer", c.Customer), sms.CheckText(AgreementKind, "requirements_ref", c.RequirementsRef, sms.MaxShort),
		sms.CheckRef(AgreementKind, "amends", c.Amends), sms.CheckTime(AgreementKind, "expires_at", c.ExpiresAt), c.Content.validate())
}
func (c Revision) Validate() error { return c.Content.validate() }
func (Proposal) Validate() error   { return nil }
func (c Signing) Validate() error {
	if c.Side != SideCustomer && c.Side != SideProvider {
		return sms.Invalid(AgreementKind, "side", "%q is neither customer nor provider", c.Side)
	}
	return nil
}
func (Activation) Validate() error  { return nil }
func (ReviewStart) Validate() error { return nil }
func (c Conclusion) Validate() error {
	return sms.CheckText(AgreementKind, "text", c.Text, sms.MaxText)
}
func (c Issue) Validate() error {
	r := c.Report
	if r.From.IsZero() || !r.To.After(r.From) {
		return sms.Invalid(AgreementKind, "report.period", "[%s, %s) is not a period", r.From, r.To)
	}
	if len(r.Targets) > maxListed || len(r.Workload) > maxListed {
		return sms.Invalid(AgreementKind, "report", "lists more than %d targets or limits", maxListed)
	}
	errs := []error{sms.CheckRef(AgreementKind, "report.agreement", r.Agreement), sms.CheckTexts(AgreementKind, "improvements", c.Improvements, sms.MaxText)}
	for _, t := range r.Targets {
		if t.Measured < 0 || t.Met < 0 || t.Met > t.Measured {
			errs = append(errs, sms.Invalid(AgreementKind, "report.targets", "%s: %d met of %d measured", t.Target.Metric, t.Met, t.Measured))
		}
	}
	return sms.FirstError(errs...)
}

// maxListed bounds the targets and limits of a report.
const maxListed = 1000

// consistent reports whether an issued report gives the agreement's own
// targets and limits, in order, with flags that follow from its figures.
func consistent(a *Agreement, r *Report) bool {
	if len(r.Targets) != len(a.Targets) || len(r.Workload) != len(a.Limits) {
		return false
	}
	missed, exceeded := false, false
	for i, t := range r.Targets {
		if t.Target.Metric != a.Targets[i].Metric || !slices.Equal(t.Target.Priorities, a.Targets[i].Priorities) ||
			t.AchievementNum != int64(t.Met) || t.AchievementDen != int64(t.Measured) {
			return false
		}
		missed = missed || t.Met < t.Measured
	}
	for i, w := range r.Workload {
		if w.Limit != a.Limits[i] || w.Exceeded != (w.Actual > w.Limit.Max) {
			return false
		}
		exceeded = exceeded || w.Exceeded
	}
	return r.Missed == missed && r.Exceeded == exceeded
}

func (c Supersession) Validate() error { return sms.CheckRef(AgreementKind, "by", c.By) }
func (Expiry) Validate() error         { return nil }
func (c Termination) Validate() error {
	return sms.CheckText(AgreementKind, "reason", c.Reason, sms.MaxText)
}
func (c AgreementNote) Validate() error {
	return sms.CheckText(AgreementKind, "text", c.Text, sms.MaxText)
}

type atx = sms.Transition[*Agreement]

func cite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func aguard(id, text string, check func(*atx) bool) sms.Guard[*Agreement] {
	return sms.Guard[*Agreement]{Requirement: cite(id, text), Check: check}
}

// related is what a rule's Prepare read of another edition.
type related[E any] struct{ e E }

// relatedOf returns the edition the rule's Prepare read, or the zero E
// when none was named or found.
func relatedOf[E any](t *sms.Transition[E]) E {
	var zero E
	if r, ok := t.Prepared.(*related[E]); ok {
		return r.e
	}
	return zero
}

// readEdition returns a Prepare that reads the edition id names, if it
// exists (get is nil in the workflow compiled for documentation).
func readEdition[E any](get func(ctx context.Context, id string) (E, error), id func(*sms.Transition[E]) string) func(context.Context, *sms.Transition[E]) error {
	return func(ctx context.Context, t *sms.Transition[E]) error {
		r := &related[E]{}
		if ref := id(t); ref != "" && get != nil {
			e, err := get(ctx, ref)
			switch {
			case errors.Is(err, sms.ErrNotFound):
			case err != nil:
				return err
			default:
				r.e = e
			}
		}
		t.Prepared = r
		return nil
	}
}

// applyContent writes c into the agreement and the journal.
func applyContent(t *atx, c Content) {
	a := t.Entity
	a.Services, a.Evidence, a.Targets, a.Limits, a.Exceptions = c.Services, c.Evidence, c.Targets, c.Limits, c.Exceptions
	a.Activities, a.Interfaces = c.Activities, c.Interfaces
	a.NoLimits, a.NoExceptions = nil, nil
	if c.NoLimits {
		a.NoLimits = &Declaration{By: t.Actor.ID, At: t.Now}
		t.Record("limits", "none")
	}
	if c.NoExceptions {
		a.NoExceptions = &Declaration{By: t.Actor.ID, At: t.Now}
		t.Record("exceptions", "none")
	}
	for _, s := range c.Services {
		t.Record("service", s)
	}
	for _, tg := range c.Targets {
		t.Record("target", tg.Metric+" "+tg.Objective+" on "+tg.Calendar)
	}
	for _, l := range c.Limits {
		t.Record("limit", l.Metric)
	}
	for _, e := range c.Exceptions {
		t.Record("exception", e.Kind)
	}
}

func agreementDefinition(get func(ctx context.Context, id string) (*Agreement, error), fire func(ctx context.Context, a sms.Actor, id string, c AgreementCommand) error) sms.Definition[*Agreement] {
	managers := []sms.Role{RoleLevelManager}
	live := sms.StatesOf(StatusActive, StatusUnderReview)
	return sms.Definition[*Agreement]{
		Kind: AgreementKind, States: sms.StatesOf(AgreementStatuses()...), Terminal: sms.StatesOf(StatusSuperseded, StatusExpired, StatusTerminated),
		New: func() *Agreement { return &Agreement{} }, Catalogue: Requirements(),
		Rules: []sms.Rule[*Agreement]{
			{
				Trigger: string(TriggerDraft), To: string(StatusDraft), Roles: managers, Command: Draft{},
				Doc:     "Draft an agreement, or a new edition of an active one.",
				Prepare: readEdition(get, func(t *atx) string { return sms.CommandOf[Draft](t).Amends }),
				Guards: []sms.Guard[*Agreement]{
					aguard("SLM-01", "an agreement names its customer (or internal supplier) and the services it covers", func(t *atx) bool {
						c := sms.CommandOf[Draft](t)
						return c.Customer != "" && len(c.Services) > 0
					}),
					aguard("SLM-11", "an amendment amends an agreement in force, of the same type and customer", func(t *atx) bool {
						c := sms.CommandOf[Draft](t)
						if c.Amends == "" {
							return true
						}
						old := relatedOf(t)
						return old != nil && (old.Status == StatusActive || old.Status == StatusUnderReview) && old.Type == c.Type && old.Customer == c.Customer
					}),
				},
				Apply: func(t *atx) {
					c, a := sms.CommandOf[Draft](t), t.Entity
					a.ID, a.Type, a.Title, a.Customer, a.RequirementsRef, a.Amends = c.ID, c.Type, c.Title, c.Customer, c.RequirementsRef, c.Amends
					a.ExpiresAt = sms.Micro(c.ExpiresAt)
					a.Edition = 1
					if old := relatedOf(t); old != nil {
						a.Edition = old.Edition + 1
						t.Record("amends", c.Amends)
					}
					a.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("type", string(c.Type))
					t.Record("customer", c.Customer)
					applyContent(t, c.Content)
				},
			},
			{
				Trigger: string(TriggerRevise), From: sms.StatesOf(StatusDraft, StatusNegotiating), Roles: managers, Command: Revision{},
				Requirement: cite("SLM-11", "only a draft or an agreement under negotiation is revised; one in force is amended by a new edition"),
				Doc:         "Revise the content; under negotiation the sign-offs are withdrawn.",
				Apply: func(t *atx) {
					applyContent(t, sms.CommandOf[Revision](t).Content)
					if len(t.Entity.SignOffs) > 0 {
						t.Entity.SignOffs = nil
						t.Record("sign_offs", "withdrawn")
					}
				},
			},
			{
				Trigger: string(TriggerPropose), From: sms.StatesOf(StatusDraft), To: string(StatusNegotiating), Roles: managers, Command: Proposal{},
				Requirement: cite("SLM-11", "only a draft is proposed"),
				Doc:         "Open the negotiation.",
				Apply:       func(*atx) {},
			},
			{
				Trigger: string(TriggerSign), From: sms.StatesOf(StatusNegotiating), Roles: []sms.Role{RoleLevelManager, RoleCustomer}, Command: Signing{},
				Requirement: cite("SLM-03", "an agreement is signed off while under negotiation"),
				Doc:         "Sign for the customer or the provider.",
				Segregation: []sms.Segregation[*Agreement]{{
					Requirement: cite("SLM-03", "each side signs by a person of its own: one person does not sign both"),
					Check: func(t *atx) string {
						for _, s := range t.Entity.SignOffs {
							if s.Person == t.Actor.ID {
								return t.Actor.ID + " already signed for the " + string(s.Side)
							}
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Agreement]{
					aguard("SLM-03", "the customer signs as a customer, the provider as a service level manager", func(t *atx) bool {
						if sms.CommandOf[Signing](t).Side == SideCustomer {
							return t.Actor.Has(RoleCustomer)
						}
						return t.Actor.Has(RoleLevelManager)
					}),
					aguard("SLM-03", "a side signs once", func(t *atx) bool {
						_, done := t.Entity.signed(sms.CommandOf[Signing](t).Side)
						return !done
					}),
				},
				Apply: func(t *atx) {
					side := sms.CommandOf[Signing](t).Side
					t.Entity.SignOffs = append(t.Entity.SignOffs, SignOff{Side: side, Person: t.Actor.ID, At: t.Now})
					t.Record("side", string(side))
				},
			},
			{
				Trigger: string(TriggerActivate), From: sms.StatesOf(StatusNegotiating), To: string(StatusActive), Roles: managers, Command: Activation{},
				Requirement: cite("SLM-03", "only a negotiated agreement is put in force"),
				Doc:         "Put the agreement in force; a new edition supersedes the one it amends.",
				Guards: []sms.Guard[*Agreement]{
					aguard("SLM-01", "the agreement's evidence is recorded: its kind and where it is", func(t *atx) bool {
						return !sms.Blank(t.Entity.Evidence.Kind) && !sms.Blank(t.Entity.Evidence.Ref)
					}),
					aguard("SLM-03", "the agreement has service level targets, each with its metric, objective and calendar", func(t *atx) bool {
						if len(t.Entity.Targets) == 0 {
							return false
						}
						for _, tg := range t.Entity.Targets {
							if sms.Blank(tg.Metric) || sms.Blank(tg.Objective) || sms.Blank(tg.Calendar) {
								return false
							}
						}
						return true
					}),
					aguard("SLM-03", "the agreement lists its workload limits, or records that there are none", func(t *atx) bool {
						return len(t.Entity.Limits) > 0 || t.Entity.NoLimits != nil
					}),
					aguard("SLM-03", "the agreement lists its exceptions, or records that there are none", func(t *atx) bool {
						return len(t.Entity.Exceptions) > 0 || t.Entity.NoExceptions != nil
					}),
					aguard("SLM-03", "the customer and the provider signed it off", func(t *atx) bool {
						_, c := t.Entity.signed(SideCustomer)
						_, p := t.Entity.signed(SideProvider)
						return c && p
					}),
					aguard("SLM-07", "an internal agreement documents the activities and the interfaces between the parties", func(t *atx) bool {
						return t.Entity.Type != OLA || (len(t.Entity.Activities) > 0 && len(t.Entity.Interfaces) > 0)
					}),
				},
				Apply: func(t *atx) {
					t.Entity.ActivatedAt = t.Now
					if t.Entity.Amends != "" {
						t.Record("supersedes", t.Entity.Amends)
					}
				},
				FollowUp: &sms.FollowUp[*Agreement]{
					Essential: true,
					Run: func(ctx context.Context, t *atx) error {
						if t.Entity.Amends == "" {
							return nil
						}
						return fire(ctx, t.Actor, t.Entity.Amends, Supersession{By: t.Entity.ID})
					},
				},
			},
			{
				Trigger: string(TriggerReview), From: sms.StatesOf(StatusActive), To: string(StatusUnderReview), Roles: managers, Command: ReviewStart{},
				Requirement: cite("SLM-04", "an agreement in force is reviewed"),
				Doc:         "Open the periodic review.",
				Apply:       func(*atx) {},
			},
			{
				Trigger: string(TriggerConclude), From: sms.StatesOf(StatusUnderReview), To: string(StatusActive), Roles: managers, Command: Conclusion{},
				Requirement: cite("SLM-04", "only an agreement under review is concluded"),
				Doc:         "Close the review with its conclusions.",
				Guards: []sms.Guard[*Agreement]{
					aguard("SLM-04", "a review records its conclusions", func(t *atx) bool {
						return !sms.Blank(sms.CommandOf[Conclusion](t).Text)
					}),
					aguard("SLM-06", "a period that missed a target or exceeded a workload limit is concluded with the improvements raised", func(t *atx) bool {
						c := sms.CommandOf[Conclusion](t)
						return c.Report == nil || !c.Report.NeedsImprovement() || len(c.Improvements) > 0
					}),
				},
				Apply: func(t *atx) {
					c := sms.CommandOf[Conclusion](t)
					t.Entity.Conclusions = append(t.Entity.Conclusions, c.Text)
					t.Entity.ReviewedAt = t.Now
					t.Record("conclusions", c.Text)
					if r := c.Report; r != nil {
						if i, ok := t.Entity.reported(r.From.UTC(), r.To.UTC()); ok {
							t.Entity.Reports[i].Improvements = append(t.Entity.Reports[i].Improvements, c.Improvements...)
						}
						t.RecordTime("period_from", r.From)
						t.RecordTime("period_to", r.To)
						for _, tg := range r.Targets {
							for _, id := range tg.Missed {
								t.Record("missed", tg.Target.Metric+" "+id)
							}
						}
						for _, w := range r.Workload {
							if w.Exceeded {
								t.Record("exceeded", w.Limit.Metric)
							}
						}
					}
					for _, imp := range c.Improvements {
						t.Record("improvement", imp)
					}
				},
			},
			{
				Trigger: string(TriggerSupersede), From: live, To: string(StatusSuperseded), Roles: managers, Command: Supersession{},
				Requirement: cite("SLM-11", "only an agreement in force is superseded"),
				Doc:         "Record the edition that replaced it; fired by that edition's activation.",
				Prepare:     readEdition(get, func(t *atx) string { return sms.CommandOf[Supersession](t).By }),
				Guards: []sms.Guard[*Agreement]{aguard("SLM-11", "an agreement is superseded only by an edition in force that amends it", func(t *atx) bool {
					by := relatedOf(t)
					return by != nil && by.Status == StatusActive && by.Amends == t.Entity.ID
				})},
				Apply: func(t *atx) {
					t.Entity.SupersededBy = sms.CommandOf[Supersession](t).By
					t.Record("by", t.Entity.SupersededBy)
				},
			},
			{
				Trigger: string(TriggerExpire), From: live, To: string(StatusExpired), Roles: managers, Command: Expiry{},
				Requirement: cite("SLM-11", "only an agreement in force expires"),
				Doc:         "End an agreement whose end date has come.",
				Guards: []sms.Guard[*Agreement]{aguard("SLM-11", "an agreement expires on its end date, not before", func(t *atx) bool {
					return !t.Entity.ExpiresAt.IsZero() && !t.Now.Before(t.Entity.ExpiresAt)
				})},
				Apply: func(*atx) {},
			},
			{
				Trigger: string(TriggerTerminate), From: sms.StatesOf(StatusDraft, StatusNegotiating, StatusActive, StatusUnderReview), To: string(StatusTerminated),
				Roles: managers, Command: Termination{},
				Requirement: cite("SLM-11", "an agreement already ended is not terminated"),
				Doc:         "End an agreement early, with the reason.",
				Guards: []sms.Guard[*Agreement]{aguard("SLM-11", "a termination gives its reason", func(t *atx) bool {
					return !sms.Blank(sms.CommandOf[Termination](t).Reason)
				})},
				Apply: func(t *atx) {
					t.Entity.Reason = sms.CommandOf[Termination](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerReport), From: live, Roles: managers, Command: Issue{},
				Requirement: cite("SLM-04", "reports are issued on an agreement in force"),
				Doc:         "Issue a period report, with the improvements raised for what it missed.",
				Guards: []sms.Guard[*Agreement]{
					aguard("SLM-04", "a report is of this agreement's edition and gives its targets and limits, with flags that follow from its figures", func(t *atx) bool {
						r := sms.CommandOf[Issue](t).Report
						return r.Agreement == t.Entity.ID && r.Edition == t.Entity.Edition && consistent(t.Entity, &r)
					}),
					aguard("SLM-04", "a report covers a period that has ended, while the agreement was in force, and not one already reported", func(t *atx) bool {
						r := sms.CommandOf[Issue](t).Report
						if r.To.After(t.Now) || !r.To.After(t.Entity.ActivatedAt) {
							return false
						}
						for _, old := range t.Entity.Reports {
							if r.From.Before(old.Report.To) && old.Report.From.Before(r.To) {
								return false
							}
						}
						return true
					}),
				},
				Apply: func(t *atx) {
					c := sms.CommandOf[Issue](t)
					r := c.Report
					r.From, r.To = sms.Micro(r.From), sms.Micro(r.To)
					r.Targets = slices.Clone(r.Targets)
					for i := range r.Targets {
						r.Targets[i].Missed = nil
						if tg := r.Targets[i]; tg.Met < tg.Measured {
							t.Record("missed", tg.Target.Metric)
						}
					}
					r.Workload = slices.Clone(r.Workload)
					for _, w := range r.Workload {
						if w.Exceeded {
							t.Record("exceeded", w.Limit.Metric)
						}
					}
					t.Entity.Reports = append(t.Entity.Reports, Issued{Report: r, At: t.Now, Improvements: slices.Clone(c.Improvements)}.clone())
					t.RecordTime("period_from", r.From)
					t.RecordTime("period_to", r.To)
					for _, imp := range c.Improvements {
						t.Record("improvement", imp)
					}
				},
			},
			{
				Trigger: string(TriggerNote), From: sms.StatesOf(AgreementStatuses()...), Roles: []sms.Role{RoleLevelManager, RoleCustomer}, Command: AgreementNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*Agreement]{aguard("SLM-04", "a note has text", func(t *atx) bool {
					return !sms.Blank(sms.CommandOf[AgreementNote](t).Text)
				})},
				Apply: func(t *atx) { t.Record("text", sms.CommandOf[AgreementNote](t).Text) },
			},
		},
	}
}

// AgreementWorkflow returns the compiled agreement workflow, for
// introspection and documentation.
func AgreementWorkflow() *sms.Workflow[*Agreement] {
	return sms.MustWorkflow(agreementDefinition(nil, nil))
}

// Agreements runs service level agreements and internal agreements on a
// store: one typed method per trigger, each one transition through the
// pipeline, returning the agreement as committed or an error that says
// why nothing changed (the kernel's typed errors).
type Agreements struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Agreement, AgreementTrigger, AgreementCommand]
	m *sms.Machine[*Agreement]
}

// NewAgreements compiles the agreement workflow and binds it to the store.
func NewAgreements(store sms.Store[*Agreement], opts sms.Options) (*Agreements, error) {
	s := &Agreements{}
	get := func(ctx context.Context, id string) (*Agreement, error) { return s.m.Get(ctx, id) }
	fire := func(ctx context.Context, a sms.Actor, id string, c AgreementCommand) error {
		_, err := s.m.Do(ctx, a, id, c)
		return err
	}
	var err error
	if s.m, s.Records, err = sms.Bind[*Agreement, AgreementTrigger, AgreementCommand](agreementDefinition(get, fire), store, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// Draft drafts an agreement, or an edition amending one (SLM-01, SLM-11).
func (s *Agreements) Draft(ctx context.Context, a sms.Actor, c Draft) (*Agreement, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a draft or an agreement under negotiation.
func (s *Agreements) Revise(ctx context.Context, a sms.Actor, id string, c Revision) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRevise), c)
}

// Propose opens the negotiation.
func (s *Agreements) Propose(ctx context.Context, a sms.Actor, id string, c Proposal) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPropose), c)
}

// Sign signs for a side (SLM-03).
func (s *Agreements) Sign(ctx context.Context, a sms.Actor, id string, c Signing) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSign), c)
}

// Activate puts the agreement in force (SLM-01, SLM-03, SLM-07); an
// edition supersedes the one it amends (SLM-11).
func (s *Agreements) Activate(ctx context.Context, a sms.Actor, id string, c Activation) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerActivate), c)
}

// Review opens the periodic review (SLM-04).
func (s *Agreements) Review(ctx context.Context, a sms.Actor, id string, c ReviewStart) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReview), c)
}

// Conclude closes the review with its conclusions (SLM-04).
func (s *Agreements) Conclude(ctx context.Context, a sms.Actor, id string, c Conclusion) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerConclude), c)
}

// Expire ends an agreement whose end date has come.
func (s *Agreements) Expire(ctx context.Context, a sms.Actor, id string, c Expiry) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerExpire), c)
}

// Terminate ends an agreement early, with the reason.
func (s *Agreements) Terminate(ctx context.Context, a sms.Actor, id string, c Termination) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerTerminate), c)
}

// Issue issues a period report on the agreement (SLM-04, SLM-05, SLM-06).
func (s *Agreements) Issue(ctx context.Context, a sms.Actor, id string, c Issue) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReport), c)
}

// AddNote adds a note.
func (s *Agreements) AddNote(ctx context.Context, a sms.Actor, id string, c AgreementNote) (*Agreement, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Do runs any agreement command as its typed method does; a [Draft]
// carries its own ID, and id must then be empty.
func (s *Agreements) Do(ctx context.Context, a sms.Actor, id string, c AgreementCommand) (*Agreement, error) {
	return s.m.Do(ctx, a, id, c)
}

// AgreementQuery selects agreements; every field is optional.
type AgreementQuery struct {
	Status []AgreementStatus
	// Service is the first service the agreement covers; Link{Type:
	// "service"} finds it by any. Owner is the customer.
	Service string
	Owner   string
	Link    sms.Link
	After   string
	Limit   int
}

// List returns a page of agreements ordered by ID.
func (s *Agreements) List(ctx context.Context, q AgreementQuery) (sms.Page[*Agreement], error) {
	st, err := sms.StatusFilter(AgreementKind, q.Status, func(v AgreementStatus) bool { return slices.Contains(AgreementStatuses(), v) })
	if err != nil {
		return sms.Page[*Agreement]{}, err
	}
	return s.m.List(ctx, sms.Query{Status: st, Service: q.Service, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit})
}
