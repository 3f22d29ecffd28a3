package report

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// InstanceStatus is a report instance's status; the values are persisted.
type InstanceStatus string

// Report instance statuses.
const (
	InstanceScheduled InstanceStatus = "scheduled" // due for a period of its definition
	InstanceGenerated InstanceStatus = "generated" // computed as of its cut-off, with its trends
	InstanceReviewed  InstanceStatus = "reviewed"  // decisions and actions taken on its findings (RPT-04)
	InstanceIssued    InstanceStatus = "issued"    // sent to its recipients, its actions communicated (RPT-05)
	InstanceClosed    InstanceStatus = "closed"    // done with
	InstanceWithdrawn InstanceStatus = "withdrawn" // withdrawn before its review, with the reason
)

// InstanceStatuses returns every status, in lifecycle order.
func InstanceStatuses() []InstanceStatus {
	return []InstanceStatus{InstanceScheduled, InstanceGenerated, InstanceReviewed, InstanceIssued, InstanceClosed, InstanceWithdrawn}
}

// InstanceTrigger names a transition of a report instance; the values are
// persisted.
type InstanceTrigger string

// Report instance triggers.
const (
	TriggerInstanceSchedule InstanceTrigger = "schedule"
	TriggerInstanceGenerate InstanceTrigger = "generate"
	TriggerInstanceReview   InstanceTrigger = "review"
	TriggerInstanceIssue    InstanceTrigger = "issue"
	TriggerInstanceClose    InstanceTrigger = "close"
	TriggerInstanceWithdraw InstanceTrigger = "withdraw"
)

// InstanceTriggers returns every trigger, the creating one first.
func InstanceTriggers() []InstanceTrigger {
	return []InstanceTrigger{TriggerInstanceSchedule, TriggerInstanceGenerate, TriggerInstanceReview, TriggerInstanceIssue, TriggerInstanceClose, TriggerInstanceWithdraw}
}

// CodeReportMissing is the finding code of a period of an agreed report
// definition that has no issued report once its grace has passed (RPT-07).
const CodeReportMissing = "REPORT_MISSING"

// LinkDefinition is the type of the link from an instance to its
// definition ([sms.Query] filters on it).
const LinkDefinition = "report_definition"

// InstanceRequirements returns the service reporting requirements the
// report instances enforce: their workflow's catalogue.
func InstanceRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "RPT-01", Clause: "9.4", Text: "the organization determines the reports it needs and what each one is for"},
		{ID: "RPT-02", Clause: "9.4", Text: "reports on the performance and effectiveness of the services and the SMS are produced from the SMS's activity and service delivery records"},
		{ID: "RPT-03", Clause: "9.4", Text: "service reports show trends"},
		{ID: "RPT-04", Clause: "9.4", Text: "decisions are made and actions taken on what the reports find"},
		{ID: "RPT-05", Clause: "9.4", Text: "the actions agreed are communicated to the interested parties concerned"},
		{ID: "RPT-07", Clause: "9.4", Text: "a periodic report that is missing is detected"},
	}
}

// InstanceParameters is what an instance was generated with: enough to
// compute it again ([Instances.Regenerate]).
type InstanceParameters struct {
	Definition        string    `json:"definition"`
	DefinitionEdition int       `json:"definition_edition"`
	Generator         string    `json:"generator"`
	Period            Period    `json:"period"`
	Cutoff            time.Time `json:"cutoff"`
	TrendPeriods      int       `json:"trend_periods"`
}

// TrendPoint is one period's value of a metric.
type TrendPoint struct {
	Period    Period  `json:"period"`
	Value     float64 `json:"value"`
	Undefined bool    `json:"undefined,omitempty"`
}

// TrendSeries is one metric over the prior periods that have an issued
// report, oldest first, then the instance's own period (RPT-03).
type TrendSeries struct {
	Metric string       `json:"metric"`
	Points []TrendPoint `json:"points"`
}

// ReportAction is an action taken on a report's findings (RPT-04): what,
// who owns it, and to whom it is communicated besides its owner (RPT-05).
type ReportAction struct {
	Text       string   `json:"text"`
	Owner      string   `json:"owner"`
	Recipients []string `json:"recipients,omitempty"`
}

// ReportReview is the review of a report: the decisions made and the
// actions taken on its findings (RPT-04).
type ReportReview struct {
	Decisions []string       `json:"decisions,omitempty"`
	Actions   []ReportAction `json:"actions,omitempty"`
}

func (r ReportReview) clone() ReportReview {
	r.Decisions = slices.Clone(r.Decisions)
	if r.Actions != nil {
		as := make([]ReportAction, len(r.Actions))
		for i, a := range r.Actions {
			a.Recipients = slices.Clone(a.Recipients)
			as[i] = a
		}
		r.Actions = as
	}
	return r
}

func insCloneComputation(c Computation) Computation {
	c.Figures = slices.Clone(c.Figures)
	return c
}

func insCloneTrends(ts []TrendSeries) []TrendSeries {
	if ts == nil {
		return nil
	}
	out := make([]TrendSeries, len(ts))
	for i, s := range ts {
		out[i] = TrendSeries{Metric: s.Metric, Points: slices.Clone(s.Points)}
	}
	return out
}

// Instance is one report of a definition for one period (RPT-02 to
// RPT-05): what it was generated with, its data cut-off, the computation
// (figures, records read, the digest of their journals as of the
// cut-off), its trends, its review and its recipients.
type Instance struct {
	sms.Meta
	Status            InstanceStatus     `json:"status"`
	Definition        string             `json:"definition"`
	DefinitionEdition int                `json:"definition_edition"`
	Period            Period             `json:"period"`
	Cutoff            time.Time          `json:"cutoff,omitzero"`
	Generator         string             `json:"generator,omitempty"`
	Parameters        InstanceParameters `json:"parameters,omitzero"`
	Computation       Computation        `json:"computation,omitzero"`
	Trends            []TrendSeries      `json:"trends,omitempty"`
	// TrendNote says how many prior periods the trends show of those the
	// definition asks for (clarification 9).
	TrendNote  string           `json:"trend_note,omitempty"`
	Review     ReportReview     `json:"review,omitzero"`
	Recipients []string         `json:"recipients,omitempty"`
	IssuedAt   time.Time        `json:"issued_at,omitzero"`
	Reason     string           `json:"reason,omitempty"`
	Parties    sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Instance) EntityKind() sms.Kind { return InstanceKind }

// State implements [sms.Entity].
func (x *Instance) State() string { return string(x.Status) }

// SetState implements [sms.Entity].
func (x *Instance) SetState(s string) { x.Status = InstanceStatus(s) }

// Attributes implements [sms.Entity]: the link to the definition.
func (x *Instance) Attributes() sms.Attributes {
	at := sms.Attributes{}
	if x.Definition != "" {
		at.Links = []sms.Link{{Type: LinkDefinition, ID: x.Definition}}
	}
	return at
}

// Clone implements [sms.Entity].
func (x *Instance) Clone() *Instance {
	c := *x
	c.Computation = insCloneComputation(x.Computation)
	c.Trends = insCloneTrends(x.Trends)
	c.Review = x.Review.clone()
	c.Recipients = slices.Clone(x.Recipients)
	c.Parties = x.Parties.Clone()
	return &c
}

// Figure returns the computed figure of the metric, and whether there is
// one.
func (x *Instance) Figure(metric string) (Figure, bool) {
	for _, f := range x.Computation.Figures {
		if f.Metric == metric {
			return f, true
		}
	}
	return Figure{}, false
}

// InstanceCommand is the input of one report instance trigger.
type InstanceCommand interface {
	sms.Command
	Trigger() InstanceTrigger
}

// InstanceSchedule schedules the report of a definition for one of its
// periods.
type InstanceSchedule struct {
	ID         string
	Definition string
	Period     Period
}

// InstanceGeneration generates a scheduled report: its figures computed
// from the records as they stood at Cutoff (zero: now), which is not
// before the period's end and not in the future (RPT-02).
type InstanceGeneration struct{ Cutoff time.Time }

// InstanceReview reviews a generated report: the decisions made and the
// actions taken on its findings (RPT-04).
type InstanceReview struct {
	Decisions []string
	Actions   []ReportAction
}

// InstanceIssue issues a reviewed report to its recipients (RPT-05).
type InstanceIssue struct{ Recipients []string }

// InstanceClosure closes an issued report.
type InstanceClosure struct{}

// InstanceWithdrawal withdraws a report before its review, with the
// reason.
type InstanceWithdrawal struct{ Reason string }

// Trigger implements [InstanceCommand].
func (InstanceSchedule) Trigger() InstanceTrigger   { return TriggerInstanceSchedule }
func (InstanceGeneration) Trigger() InstanceTrigger { return TriggerInstanceGenerate }
func (InstanceReview) Trigger() InstanceTrigger     { return TriggerInstanceReview }
func (InstanceIssue) Trigger() InstanceTrigger      { return TriggerInstanceIssue }
func (InstanceClosure) Trigger() InstanceTrigger    { return TriggerInstanceClose }
func (InstanceWithdrawal) Trigger() InstanceTrigger { return TriggerInstanceWithdraw }

// Validate implements [sms.Command]: a period that does not end after it
// starts is malformed.
func (c InstanceSchedule) Validate() error {
	return sms.FirstError(sms.CheckRef(InstanceKind, "id", c.ID), sms.CheckRef(InstanceKind, "definition", c.Definition),
		sms.CheckTime(InstanceKind, "period.from", c.Period.From), sms.CheckTime(InstanceKind, "period.to", c.Period.To), c.Period.Check(InstanceKind))
}

// Validate implements [sms.Command].
func (c InstanceGeneration) Validate() error { return sms.CheckTime(InstanceKind, "cutoff", c.Cutoff) }

// Validate implements [sms.Command].
func (c InstanceReview) Validate() error {
	errs := []error{sms.CheckTexts(InstanceKind, "decisions", c.Decisions, sms.MaxText)}
	if len(c.Actions) > sms.MaxList {
		errs = append(errs, sms.Invalid(InstanceKind, "actions", "has more than %d entries", sms.MaxList))
	}
	for _, a := range c.Actions {
		errs = append(errs, sms.CheckText(InstanceKind, "actions.text", a.Text, sms.MaxText), sms.CheckText(InstanceKind, "actions.owner", a.Owner, sms.MaxShort),
			sms.CheckTexts(InstanceKind, "actions.recipients", a.Recipients, sms.MaxShort))
	}
	return sms.FirstError(errs...)
}

// Validate implements [sms.Command].
func (c InstanceIssue) Validate() error {
	return sms.CheckTexts(InstanceKind, "recipients", c.Recipients, sms.MaxShort)
}

// Validate implements [sms.Command].
func (InstanceClosure) Validate() error { return nil }

// Validate implements [sms.Command].
func (c InstanceWithdrawal) Validate() error {
	return sms.CheckText(InstanceKind, "reason", c.Reason, sms.MaxText)
}

// GenerationError reports a generator that failed to compute a report:
// the instance, the generator and the period and cut-off it was asked
// for; Err is the generator's error, which names the record it stopped
// at when a record was at fault (see [EachJournal]). Nothing was stored.
type GenerationError struct {
	Instance  string
	Generator string
	Period    Period
	Cutoff    time.Time
	Err       error
}

// Error implements the error interface.
func (e *GenerationError) Error() string {
	return fmt.Sprintf("%s %q: generator %q failed for the period %s as of %s: %v", InstanceKind, e.Instance, e.Generator, e.Period,
		e.Cutoff.UTC().Format(time.RFC3339Nano), e.Err)
}

// Unwrap returns the generator's error.
func (e *GenerationError) Unwrap() error { return e.Err }

type insTx = sms.Transition[*Instance]

func insCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func insGuard(id, text string, check func(*insTx) bool) sms.Guard[*Instance] {
	return sms.Guard[*Instance]{Requirement: insCite(id, text), Check: check}
}

func insRecordOnly(id, text string, check func(*insTx) bool) sms.Guard[*Instance] {
	g := insGuard(id, text, check)
	g.RecordOnly = true
	return g
}

// insPrepared is what a rule's Prepare found: the definition, and for a
// generation the generator, the cut-off and what it computed.
type insPrepared struct {
	found  bool
	facts  DefinitionFacts
	gen    Generator
	cutoff time.Time
	// computed says the generator ran: the definition is agreed, its
	// generator known and the cut-off acceptable.
	computed bool
	comp     Computation
	trends   []TrendSeries
	note     string
}

func insPrep(t *insTx) *insPrepared {
	p, _ := t.Prepared.(*insPrepared)
	if p == nil {
		return &insPrepared{}
	}
	return p
}

// insFind reads a definition through the finder (nil: none is found).
func insFind(ctx context.Context, defs DefinitionFinder, id string) (DefinitionFacts, bool, error) {
	if defs == nil {
		return DefinitionFacts{}, false, nil
	}
	return sms.Lookup(ctx, id, defs.DefinitionFacts)
}

// insCutoff is the cut-off a generation asks for: now when it names none.
func insCutoff(c InstanceGeneration, now time.Time) time.Time {
	if c.Cutoff.IsZero() {
		return now
	}
	return sms.Micro(c.Cutoff)
}

// insCutoffOK is RPT-02's condition on a cut-off: a report of a period is
// computed once the period has ended, from what was known then or later,
// and never from the future.
func insCutoffOK(cut time.Time, p Period, now time.Time) bool {
	return !cut.Before(p.To) && !cut.After(now)
}

// insFiguresMatch reports whether the figures are the metrics', by name
// and in order, each a finite number.
func insFiguresMatch(fs []Figure, ms []Metric) bool {
	if len(fs) != len(ms) || len(ms) == 0 {
		return false
	}
	for i, f := range fs {
		if f.Metric != ms[i].Name || math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			return false
		}
	}
	return true
}

// insFormat writes a figure's value for the journal.
func insFormat(f Figure) string {
	if f.Undefined {
		return f.Metric + "=undefined"
	}
	return f.Metric + "=" + strconv.FormatFloat(f.Value, 'g', -1, 64)
}

// insTrendNote says how many prior periods exist of those asked for.
func insTrendNote(have, want int) string {
	if have == 1 {
		return fmt.Sprintf("1 prior period exists of the %d the definition asks for", want)
	}
	return fmt.Sprintf("%d prior periods exist of the %d the definition asks for", have, want)
}

// insPriorFigures reads the issued and closed instances of the definition
// that verify and returns the figures of the first of each period, keyed
// by the period's start; an instance that does not verify is an error: a
// trend is never drawn from a report that could be forged.
func insPriorFigures(ctx context.Context, store sms.Store[*Instance], def string, self string) (map[int64]*Instance, error) {
	out := map[int64]*Instance{}
	var bad error
	q := sms.Query{Link: sms.Link{Type: LinkDefinition, ID: def}, Status: sms.StatesOf(InstanceIssued, InstanceClosed), Limit: sms.MaxLimit}
	err := sms.VerifyRecords(ctx, store, q, func(x *Instance, _ []sms.Entry) bool {
		if x.ID == self {
			return true
		}
		k := x.Period.From.UnixMicro()
		if _, ok := out[k]; !ok {
			out[k] = x
		}
		return true
	}, func(id string, err error) error {
		bad = fmt.Errorf("report: the prior report %q of definition %q does not verify: %w", id, def, err)
		return bad
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("report: reading the prior reports of definition %q: %w", def, err)
	}
	return out, nil
}

// insTrends builds each metric's trend: the prior periods with an issued
// report, oldest first, up to the definition's number, then this period.
func insTrends(f DefinitionFacts, period Period, comp Computation, prior map[int64]*Instance) ([]TrendSeries, string) {
	var periods []Period
	p := period
	for range f.TrendPeriods {
		p = defPrior(f.Frequency, f.AgreedAt, p)
		if p.From.IsZero() {
			break
		}
		periods = append(periods, p)
	}
	slices.Reverse(periods)
	have := 0
	var found []*Instance
	for _, p := range periods {
		if x := prior[sms.Micro(p.From).UnixMicro()]; x != nil && defSamePeriod(x.Period, p) {
			found = append(found, x)
			have++
		}
	}
	series := make([]TrendSeries, 0, len(comp.Figures))
	for _, cur := range comp.Figures {
		s := TrendSeries{Metric: cur.Metric}
		for _, x := range found {
			if fg, ok := x.Figure(cur.Metric); ok {
				s.Points = append(s.Points, TrendPoint{Period: x.Period, Value: fg.Value, Undefined: fg.Undefined})
			}
		}
		s.Points = append(s.Points, TrendPoint{Period: period, Value: cur.Value, Undefined: cur.Undefined})
		series = append(series, s)
	}
	return series, insTrendNote(have, f.TrendPeriods)
}

// insTrendsComplete reports whether every figure has its trend series,
// ending with the instance's own period (RPT-03), and the note says how
// many prior periods it shows.
func insTrendsComplete(x *Instance) bool {
	if len(x.Computation.Figures) == 0 || x.TrendNote == "" {
		return false
	}
	for _, f := range x.Computation.Figures {
		i := slices.IndexFunc(x.Trends, func(s TrendSeries) bool { return s.Metric == f.Metric })
		if i < 0 {
			return false
		}
		pts := x.Trends[i].Points
		if len(pts) == 0 || !defSamePeriod(pts[len(pts)-1].Period, x.Period) {
			return false
		}
	}
	return true
}

// insCommunicated lists whom an action is communicated to: its owner,
// then its recipients, each once.
func insCommunicated(a ReportAction) []string {
	out := []string{a.Owner}
	for _, r := range a.Recipients {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func instanceDefinition(store sms.Store[*Instance], defs DefinitionFinder, gens map[string]Generator) sms.Definition[*Instance] {
	owner := []sms.Role{RoleReportOwner}
	return sms.Definition[*Instance]{
		Kind: InstanceKind, States: sms.StatesOf(InstanceStatuses()...), Terminal: sms.StatesOf(InstanceClosed, InstanceWithdrawn),
		New: func() *Instance { return &Instance{} }, Catalogue: InstanceRequirements(),
		Rules: []sms.Rule[*Instance]{
			{
				Trigger: string(TriggerInstanceSchedule), To: string(InstanceScheduled), Roles: owner, Command: InstanceSchedule{},
				Doc: "Schedule the report of an agreed definition for one of its periods.",
				Prepare: func(ctx context.Context, t *insTx) error {
					f, ok, err := insFind(ctx, defs, sms.CommandOf[InstanceSchedule](t).Definition)
					t.Prepared = &insPrepared{found: ok, facts: f}
					return err
				},
				Guards: []sms.Guard[*Instance]{
					insGuard("RPT-01", "a report is scheduled from a definition that exists and is agreed", func(t *insTx) bool {
						p := insPrep(t)
						return p.found && p.facts.Status == DefinitionAgreed
					}),
					insGuard("RPT-07", "a report's period is one period of its definition's frequency, so that every period's report is accounted for", func(t *insTx) bool {
						p, per := insPrep(t), sms.CommandOf[InstanceSchedule](t).Period
						if !p.found || p.facts.Status != DefinitionAgreed {
							return true // the definition's guard says why
						}
						want := defPeriodOf(p.facts.Frequency, p.facts.AgreedAt, per.From)
						return !want.From.IsZero() && defSamePeriod(want, per)
					}),
				},
				Apply: func(t *insTx) {
					c, x, p := sms.CommandOf[InstanceSchedule](t), t.Entity, insPrep(t)
					x.ID, x.Definition = c.ID, c.Definition
					x.Period = Period{From: sms.Micro(c.Period.From), To: sms.Micro(c.Period.To)}
					x.DefinitionEdition, x.Generator = p.facts.Edition, p.facts.Generator
					x.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("definition", x.Definition)
					t.Record("edition", strconv.Itoa(x.DefinitionEdition))
					t.Record("period", x.Period.String())
				},
			},
			{
				Trigger: string(TriggerInstanceGenerate), From: sms.StatesOf(InstanceScheduled), To: string(InstanceGenerated), Roles: owner, Command: InstanceGeneration{},
				Requirement: insCite("RPT-02", "only a scheduled report is generated, once: a generated report is reproduced, never recomputed in place"),
				Doc:         "Compute the report from the records as of its cut-off, with its trends over the prior periods issued.",
				Prepare: func(ctx context.Context, t *insTx) error {
					x := t.Entity
					f, ok, err := insFind(ctx, defs, x.Definition)
					if err != nil {
						return err
					}
					p := &insPrepared{found: ok, facts: f, cutoff: insCutoff(sms.CommandOf[InstanceGeneration](t), t.Now)}
					t.Prepared = p
					if ok {
						p.gen = gens[f.Generator]
					}
					if !ok || f.Status != DefinitionAgreed || p.gen == nil || !insCutoffOK(p.cutoff, x.Period, t.Now) {
						return nil // the guards say why
					}
					comp, err := p.gen.Compute(ctx, x.Period, p.cutoff)
					if err != nil {
						return &GenerationError{Instance: x.ID, Generator: f.Generator, Period: x.Period, Cutoff: p.cutoff, Err: err}
					}
					prior, err := insPriorFigures(ctx, store, x.Definition, x.ID)
					if err != nil {
						return err
					}
					p.computed, p.comp = true, insCloneComputation(comp)
					if insFiguresMatch(comp.Figures, f.Metrics) {
						p.trends, p.note = insTrends(f, x.Period, comp, prior)
					}
					return nil
				},
				Guards: []sms.Guard[*Instance]{
					insGuard("RPT-01", "a report is generated from a definition that exists and is agreed", func(t *insTx) bool {
						p := insPrep(t)
						return p.found && p.facts.Status == DefinitionAgreed
					}),
					insGuard("RPT-02", "a report's cut-off is not before its period ends and not in the future", func(t *insTx) bool {
						return insCutoffOK(insPrep(t).cutoff, t.Entity.Period, t.Now)
					}),
					insGuard("RPT-02", "a report is computed by the generator its definition names, one the host provides", func(t *insTx) bool {
						p := insPrep(t)
						return !p.found || p.gen != nil
					}),
					insGuard("RPT-02", "a report's figures are its definition's metrics, by name and in order, each a finite number", func(t *insTx) bool {
						p := insPrep(t)
						return !p.computed || insFiguresMatch(p.comp.Figures, p.facts.Metrics)
					}),
				},
				Apply: func(t *insTx) {
					x, p := t.Entity, insPrep(t)
					x.Cutoff, x.DefinitionEdition, x.Generator = p.cutoff, p.facts.Edition, p.facts.Generator
					x.Parameters = InstanceParameters{Definition: x.Definition, DefinitionEdition: p.facts.Edition, Generator: p.facts.Generator,
						Period: x.Period, Cutoff: p.cutoff, TrendPeriods: p.facts.TrendPeriods}
					x.Computation = insCloneComputation(p.comp)
					x.Trends, x.TrendNote = insCloneTrends(p.trends), p.note
					x.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
					t.Record("edition", strconv.Itoa(x.DefinitionEdition))
					t.Record("generator", x.Generator)
					t.RecordTime("cutoff", x.Cutoff)
					t.Record("digest", x.Computation.Digest)
					t.Record("records", strconv.Itoa(x.Computation.Records))
					for _, f := range x.Computation.Figures {
						t.Record("figure", insFormat(f))
					}
					t.Record("trend_note", x.TrendNote)
				},
			},
			{
				Trigger: string(TriggerInstanceReview), From: sms.StatesOf(InstanceGenerated), To: string(InstanceReviewed), Roles: []sms.Role{RoleReportReviewer}, Command: InstanceReview{},
				Requirement: insCite("RPT-04", "only a generated report is reviewed, once"),
				Doc:         "Review the report: the decisions made and the actions taken on its findings, by another person than who generated it.",
				Segregation: []sms.Segregation[*Instance]{{
					Requirement: insCite("RPT-04", "a report is reviewed by another person than who generated it"),
					Check: func(t *insTx) string {
						if t.Entity.Parties.Has(sms.PartyAuthor, t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " generated this report and may not review it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Instance]{
					insGuard("RPT-04", "a review records at least one decision, none of them blank", func(t *insTx) bool {
						return defListed(sms.CommandOf[InstanceReview](t).Decisions)
					}),
					insGuard("RPT-04", "every action taken says what it is and who owns it, and names its recipients", func(t *insTx) bool {
						return !slices.ContainsFunc(sms.CommandOf[InstanceReview](t).Actions, func(a ReportAction) bool {
							return sms.Blank(a.Text) || sms.Blank(a.Owner) || slices.ContainsFunc(a.Recipients, sms.Blank)
						})
					}),
				},
				Apply: func(t *insTx) {
					c, x := sms.CommandOf[InstanceReview](t), t.Entity
					x.Review = ReportReview{Decisions: c.Decisions, Actions: c.Actions}.clone()
					x.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
					for _, d := range c.Decisions {
						t.Record("decision", d)
					}
					for _, a := range c.Actions {
						t.Record("action", a.Text)
						t.Record("action_owner", a.Owner)
					}
				},
			},
			{
				Trigger: string(TriggerInstanceIssue), From: sms.StatesOf(InstanceReviewed), To: string(InstanceIssued), Roles: owner, Command: InstanceIssue{},
				Requirement: insCite("RPT-04", "only a reviewed report is issued: its decisions and actions are taken first"),
				Doc:         "Issue the report to its recipients; each action is communicated to its owner and recipients.",
				Guards: []sms.Guard[*Instance]{
					insGuard("RPT-05", "a report is issued to at least one recipient, each named", func(t *insTx) bool {
						return defListed(sms.CommandOf[InstanceIssue](t).Recipients)
					}),
					insRecordOnly("RPT-03", "a report shows a trend for every metric, ending with its own period, and says how many prior periods it shows", func(t *insTx) bool { return insTrendsComplete(t.Entity) }),
					insRecordOnly("RPT-04", "a report is issued with its review's decisions", func(t *insTx) bool {
						return len(t.Entity.Review.Decisions) > 0
					}),
				},
				Apply: func(t *insTx) {
					x := t.Entity
					x.Recipients, x.IssuedAt = slices.Clone(sms.CommandOf[InstanceIssue](t).Recipients), t.Now
					for _, r := range x.Recipients {
						t.Record("notified", r)
					}
					for i, a := range x.Review.Actions {
						for _, who := range insCommunicated(a) {
							t.Record("communicated", "action "+strconv.Itoa(i+1)+" to "+who)
						}
					}
				},
			},
			{
				Trigger: string(TriggerInstanceClose), From: sms.StatesOf(InstanceIssued), To: string(InstanceClosed), Roles: owner, Command: InstanceClosure{},
				Requirement: insCite("RPT-04", "only an issued report is closed"),
				Doc:         "Close an issued report.",
				Guards: []sms.Guard[*Instance]{insRecordOnly("RPT-04", "a report is closed only once its review's decisions are recorded", func(t *insTx) bool {
					return len(t.Entity.Review.Decisions) > 0
				})},
				Apply: func(*insTx) {},
			},
			{
				Trigger: string(TriggerInstanceWithdraw), From: sms.StatesOf(InstanceScheduled, InstanceGenerated), To: string(InstanceWithdrawn), Roles: owner, Command: InstanceWithdrawal{},
				Requirement: insCite("RPT-02", "only a report not yet reviewed is withdrawn"),
				Doc:         "Withdraw a report before its review, with the reason.",
				Guards: []sms.Guard[*Instance]{insGuard("RPT-02", "a withdrawn report gives its reason", func(t *insTx) bool {
					return !sms.Blank(sms.CommandOf[InstanceWithdrawal](t).Reason)
				})},
				Apply: func(t *insTx) {
					t.Entity.Reason = sms.CommandOf[InstanceWithdrawal](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
		},
	}
}

// InstanceWorkflow returns the compiled report instance workflow, for
// introspection and documentation.
func InstanceWorkflow() *sms.Workflow[*Instance] {
	return sms.MustWorkflow(instanceDefinition(nil, nil, nil))
}

// Instances produces report instances on a store (RPT-02 to RPT-05): one
// typed method per trigger, each one transition through the pipeline,
// and their reproduction and restatement.
type Instances struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Instance, InstanceTrigger, InstanceCommand]
	m    *sms.Machine[*Instance]
	gens map[string]Generator
}

// NewInstances compiles the report instance workflow, with the
// definitions it reads (nil: none is found, so nothing is scheduled) and
// the generators by name (a definition's data source names one), and
// binds it to the store.
func NewInstances(store sms.Store[*Instance], defs DefinitionFinder, gens map[string]Generator, opts sms.Options) (*Instances, error) {
	gens = maps.Clone(gens)
	m, r, err := sms.Bind[*Instance, InstanceTrigger, InstanceCommand](instanceDefinition(store, defs, gens), store, opts)
	if err != nil {
		return nil, err
	}
	return &Instances{Records: r, m: m, gens: gens}, nil
}

// Schedule schedules the report of a definition for one of its periods
// (RPT-01).
func (s *Instances) Schedule(ctx context.Context, a sms.Actor, c InstanceSchedule) (*Instance, error) {
	return s.m.Create(ctx, a, c)
}

// Generate computes a scheduled report as of its cut-off, with its trends
// (RPT-02, RPT-03).
func (s *Instances) Generate(ctx context.Context, a sms.Actor, id string, c InstanceGeneration) (*Instance, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInstanceGenerate), c)
}

// Review records the decisions and actions taken on a generated report
// (RPT-04).
func (s *Instances) Review(ctx context.Context, a sms.Actor, id string, c InstanceReview) (*Instance, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInstanceReview), c)
}

// Issue issues a reviewed report to its recipients (RPT-05).
func (s *Instances) Issue(ctx context.Context, a sms.Actor, id string, c InstanceIssue) (*Instance, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInstanceIssue), c)
}

// Close closes an issued report.
func (s *Instances) Close(ctx context.Context, a sms.Actor, id string, c InstanceClosure) (*Instance, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInstanceClose), c)
}

// Withdraw withdraws a report before its review, with the reason.
func (s *Instances) Withdraw(ctx context.Context, a sms.Actor, id string, c InstanceWithdrawal) (*Instance, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInstanceWithdraw), c)
}

// Do runs any instance command as its typed method does; an
// [InstanceSchedule] carries its own ID, and id must then be empty.
func (s *Instances) Do(ctx context.Context, a sms.Actor, id string, c InstanceCommand) (*Instance, error) {
	return s.m.Do(ctx, a, id, c)
}

// Regeneration is the outcome of computing a report again with its
// stored parameters: Same says the computation is byte for byte the
// stored one (their JSON encodings are equal).
type Regeneration struct {
	Same   bool
	Stored Computation
	Now    Computation
}

// Restatement is a metric whose value, computed with the data known now,
// differs from the value the report gave: data recorded after its
// cut-off but dated before it.
type Restatement struct {
	Metric   string
	Reported float64
	Restated float64
	// ReportedUndefined and RestatedUndefined say a value was undefined
	// (a mean over no records, a metric one side does not give).
	ReportedUndefined bool
	RestatedUndefined bool
}

// insComputed reads a generated (or later) instance that verifies, and
// its generator.
func (s *Instances) insComputed(ctx context.Context, id string) (*Instance, Generator, error) {
	x, _, err := s.m.Verified(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if x.Cutoff.IsZero() {
		return nil, nil, sms.Invalid(InstanceKind, "id", "report %q is %s: it has not been generated", id, x.Status)
	}
	g := s.gens[x.Generator]
	if g == nil {
		return nil, nil, sms.Invalid(InstanceKind, "generator", "report %q was generated by %q, which the host does not provide", id, x.Generator)
	}
	return x, g, nil
}

// Regenerate computes the report id again with its stored period and
// cut-off and reports whether the computation is byte for byte the one
// stored (RPT-02). It changes nothing.
func (s *Instances) Regenerate(ctx context.Context, id string) (Regeneration, error) {
	x, g, err := s.insComputed(ctx, id)
	if err != nil {
		return Regeneration{}, err
	}
	now, err := g.Compute(ctx, x.Period, x.Cutoff)
	if err != nil {
		return Regeneration{}, &GenerationError{Instance: id, Generator: x.Generator, Period: x.Period, Cutoff: x.Cutoff, Err: err}
	}
	a, err := json.Marshal(x.Computation)
	if err != nil {
		return Regeneration{}, err
	}
	b, err := json.Marshal(now)
	if err != nil {
		return Regeneration{}, fmt.Errorf("report: encoding the recomputation of %q: %w", id, err)
	}
	return Regeneration{Same: string(a) == string(b), Stored: x.Computation, Now: now}, nil
}

// Restate computes the report id again for its period with the data known
// at asOf (zero: now) and returns every metric whose value differs from
// the one reported, in the order of the report's figures, then any the
// recomputation adds: data recorded after the cut-off but dated in the
// period shows here, and never as a change of the stored report, which
// Restate does not touch.
func (s *Instances) Restate(ctx context.Context, id string, asOf time.Time) ([]Restatement, error) {
	x, g, err := s.insComputed(ctx, id)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = s.m.Now()
	}
	if err := sms.CheckTime(InstanceKind, "as_of", asOf); err != nil {
		return nil, err
	}
	now, err := g.Compute(ctx, x.Period, asOf)
	if err != nil {
		return nil, &GenerationError{Instance: id, Generator: x.Generator, Period: x.Period, Cutoff: asOf, Err: err}
	}
	out := []Restatement{}
	byName := map[string]Figure{}
	for _, f := range now.Figures {
		byName[f.Metric] = f
	}
	seen := map[string]bool{}
	for _, f := range x.Computation.Figures {
		seen[f.Metric] = true
		n, ok := byName[f.Metric]
		if !ok {
			n = Figure{Metric: f.Metric, Undefined: true}
		}
		if n.Undefined != f.Undefined || (!f.Undefined && n.Value != f.Value) {
			out = append(out, Restatement{Metric: f.Metric, Reported: f.Value, Restated: n.Value, ReportedUndefined: f.Undefined, RestatedUndefined: n.Undefined})
		}
	}
	for _, n := range now.Figures {
		if !seen[n.Metric] {
			out = append(out, Restatement{Metric: n.Metric, ReportedUndefined: true, Restated: n.Value, RestatedUndefined: n.Undefined})
		}
	}
	return out, nil
}

// MaxMissingPeriods bounds the periods [MissingReports] examines per
// definition, from its agreement on.
const MaxMissingPeriods = 10000

// MissingReports returns a REPORT_MISSING finding (RPT-07) for each
// period of each agreed definition, from the one that contains the
// agreement of its current edition, whose end plus the definition's grace
// is before asOf, and for which no instance of that definition is issued
// or closed. The finding names the definition; findings come in
// definition ID order, then period order. It is a pure function.
func MissingReports(defs []*Definition, instances []*Instance, asOf time.Time) []sms.Finding {
	a := sms.NewAudit(asOf, InstanceRequirements())
	issued := map[string][]Period{}
	for _, x := range instances {
		if x != nil && (x.Status == InstanceIssued || x.Status == InstanceClosed) {
			issued[x.Definition] = append(issued[x.Definition], x.Period)
		}
	}
	sorted := slices.Clone(defs)
	sorted = slices.DeleteFunc(sorted, func(d *Definition) bool { return d == nil })
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var out []sms.Finding
	for _, d := range sorted {
		if d.Status != DefinitionAgreed || d.AgreedAt.IsZero() {
			continue
		}
		have := issued[d.ID]
		p := defPeriodOf(d.Frequency, d.AgreedAt, d.AgreedAt)
		for n := 0; n < MaxMissingPeriods && !p.From.IsZero() && p.To.Add(d.Grace).Before(asOf); n++ {
			if !slices.ContainsFunc(have, func(q Period) bool { return defSamePeriod(q, p) }) {
				due := p.To.Add(d.Grace)
				out = append(out, a.Finding(CodeReportMissing, "RPT-07", DefinitionKind, d.ID,
					fmt.Sprintf("no report of %q is issued for the period %s, due by %s", d.Name, p, due.UTC().Format(time.RFC3339))))
			}
			p = defPeriodOf(d.Frequency, d.AgreedAt, p.To)
		}
	}
	return out
}

// Sweep returns the REPORT_MISSING findings (RPT-07) of the stored agreed
// definitions against the stored issued and closed instances (see
// [MissingReports]). Each definition or instance that does not verify
// against its journal is a [sms.CodeRecordUnverified] finding, listed
// first, and counts for nothing.
func Sweep(ctx context.Context, defs *Definitions, ins *Instances, asOf time.Time) ([]sms.Finding, error) {
	if defs == nil || ins == nil {
		return nil, sms.Invalid(InstanceKind, "sweep", "needs the definitions and the instances")
	}
	var ds []*Definition
	var xs []*Instance
	bad, err := sms.SweepStore(ctx, defs.m, sms.Query{Status: sms.StatesOf(DefinitionAgreed)}, asOf, func(d *Definition, _ []sms.Entry) []sms.Finding {
		ds = append(ds, d)
		return nil
	})
	if err != nil {
		return bad, err
	}
	bad2, err := sms.SweepStore(ctx, ins.m, sms.Query{Status: sms.StatesOf(InstanceIssued, InstanceClosed)}, asOf, func(x *Instance, _ []sms.Entry) []sms.Finding {
		xs = append(xs, x)
		return nil
	})
	bad = append(bad, bad2...)
	if err != nil {
		return bad, err
	}
	return append(bad, MissingReports(ds, xs, asOf)...), nil
}

// Issued returns the instances issued or closed whose period ends within
// p (after p.From, at or before p.To), in ID order: those that verify
// against their journals; one that does not is an error naming it.
func (s *Instances) Issued(ctx context.Context, p Period) ([]*Instance, error) {
	if err := p.Check(InstanceKind); err != nil {
		return nil, err
	}
	var out []*Instance
	err := s.m.EachVerified(ctx, sms.Query{Status: sms.StatesOf(InstanceIssued, InstanceClosed)}, func(x *Instance, _ []sms.Entry) bool {
		if x.Period.To.After(p.From) && !x.Period.To.After(p.To) {
			out = append(out, x)
		}
		return true
	}, func(id string, err error) error {
		return fmt.Errorf("report: instance %q does not verify: %w", id, err)
	})
	return out, err
}
