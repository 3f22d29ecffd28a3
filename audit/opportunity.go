package audit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// OpportunityStatus is an improvement opportunity's status; the values are
// persisted.
type OpportunityStatus string

// Opportunity statuses. Nothing leaves rejected or closed, and the register
// has no delete (clarification 8): a rejected or closed opportunity stays
// in the register with its whole history.
const (
	OpportunityLogged      OpportunityStatus = "logged"      // in the register, with its source
	OpportunityEvaluated   OpportunityStatus = "evaluated"   // scored against the criteria in force (CI-02)
	OpportunityApproved    OpportunityStatus = "approved"    // targets set and prioritized (CI-03, CI-04)
	OpportunityRejected    OpportunityStatus = "rejected"    // not taken up, with the reason; terminal
	OpportunityPlanned     OpportunityStatus = "planned"     // owner, due date and steps (CI-04)
	OpportunityInProgress  OpportunityStatus = "in_progress" // being implemented
	OpportunityImplemented OpportunityStatus = "implemented" // implemented, to be measured by its due date (CI-05)
	OpportunityMeasured    OpportunityStatus = "measured"    // measured, every target met (CI-05)
	OpportunityFollowUp    OpportunityStatus = "follow_up"   // measured, a target missed: further action (CI-05)
	OpportunityClosed      OpportunityStatus = "closed"      // closed on its targets met; terminal
)

// OpportunityStatuses returns every status, in lifecycle order.
func OpportunityStatuses() []OpportunityStatus {
	return []OpportunityStatus{OpportunityLogged, OpportunityEvaluated, OpportunityApproved, OpportunityRejected,
		OpportunityPlanned, OpportunityInProgress, OpportunityImplemented, OpportunityMeasured, OpportunityFollowUp, OpportunityClosed}
}

// OpportunityTrigger names a transition of an improvement opportunity.
type OpportunityTrigger string

// Opportunity triggers.
const (
	TriggerOpportunityLog       OpportunityTrigger = "log"
	TriggerOpportunityEvaluate  OpportunityTrigger = "evaluate"
	TriggerOpportunityApprove   OpportunityTrigger = "approve"
	TriggerOpportunityReject    OpportunityTrigger = "reject"
	TriggerOpportunityPlan      OpportunityTrigger = "plan"
	TriggerOpportunityStart     OpportunityTrigger = "start"
	TriggerOpportunityImplement OpportunityTrigger = "implement"
	TriggerOpportunityMeasure   OpportunityTrigger = "measure"
	TriggerOpportunityMiss      OpportunityTrigger = "miss"
	TriggerOpportunityResume    OpportunityTrigger = "resume"
	TriggerOpportunityClose     OpportunityTrigger = "close"
	TriggerOpportunityNote      OpportunityTrigger = "note"
)

// OpportunityTriggers returns every opportunity trigger, the creating one
// first.
func OpportunityTriggers() []OpportunityTrigger {
	return []OpportunityTrigger{TriggerOpportunityLog, TriggerOpportunityEvaluate, TriggerOpportunityApprove, TriggerOpportunityReject,
		TriggerOpportunityPlan, TriggerOpportunityStart, TriggerOpportunityImplement, TriggerOpportunityMeasure, TriggerOpportunityMiss,
		TriggerOpportunityResume, TriggerOpportunityClose, TriggerOpportunityNote}
}

// CodeImprovementMeasureOverdue is the finding code of an implemented
// improvement not measured by its due date (CI-05).
const CodeImprovementMeasureOverdue = "IMPROVEMENT_MEASURE_OVERDUE"

// ImprovementMeasureWindow is the default time between an improvement's
// implementation and the measurement due against its targets (CI-05).
const ImprovementMeasureWindow = 30 * 24 * time.Hour

// OpportunityRequirements returns the continual improvement requirements
// the register enforces: its workflow's catalogue.
func OpportunityRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "CI-01", Clause: "10.2", Text: "the SMS and the services are continually improved: every opportunity is kept in the register with what it is and what it concerns"},
		{ID: "CI-02", Clause: "10.2", Text: "opportunities are evaluated against the approved criteria in force, each criterion scored, with a verdict on their fit with the service management policy and objectives"},
		{ID: "CI-03", Clause: "10.2", Text: "improvement activities have targets in one or more of the dimensions quality, value, capability, cost, productivity, resource use and risk reduction"},
		{ID: "CI-04", Clause: "10.2", Text: "improvements are prioritized, planned and implemented, through an authorized change when controlled items are touched"},
		{ID: "CI-05", Clause: "10.2", Text: "implemented improvements are measured against their targets; when a target is missed, further action is taken"},
		{ID: "CI-06", Clause: "10.2", Text: "implemented improvements are reported"},
		{ID: "CI-07", Clause: "10.2", Text: "opportunities raised elsewhere are linked to the record they came from"},
	}
}

// oppCriteriaKind names evaluation criteria in errors.
const oppCriteriaKind sms.Kind = "improvement_criteria"

// ImprovementCriterion is one criterion an opportunity is scored against
// (CI-02).
type ImprovementCriterion struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ImprovementCriteria is one approved version of the evaluation criteria
// (CI-02): its version number, the criteria and who approved them (the
// SMS owner, [RoleSMSOwner]).
type ImprovementCriteria struct {
	Version    int                    `json:"version"`
	Items      []ImprovementCriterion `json:"items"`
	ApprovedBy string                 `json:"approved_by"`
}

// Names returns the criteria's names, in order.
func (c ImprovementCriteria) Names() []string {
	out := make([]string, len(c.Items))
	for i, it := range c.Items {
		out[i] = it.Name
	}
	return out
}

// Validate checks a version of the criteria: a positive version, at least
// one criterion, each named, no name twice, and its approver named.
func (c ImprovementCriteria) Validate() error {
	if c.Version < 1 {
		return sms.Invalid(oppCriteriaKind, "version", "%d is not a positive version", c.Version)
	}
	if sms.Blank(c.ApprovedBy) {
		return sms.Invalid(oppCriteriaKind, "approved_by", "version %d names no approver", c.Version)
	}
	if len(c.Items) == 0 {
		return sms.Invalid(oppCriteriaKind, "items", "version %d has no criterion", c.Version)
	}
	if len(c.Items) > sms.MaxList {
		return sms.Invalid(oppCriteriaKind, "items", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, it := range c.Items {
		if sms.Blank(it.Name) {
			return sms.Invalid(oppCriteriaKind, "items.name", "version %d has a criterion without a name", c.Version)
		}
		if err := sms.FirstError(sms.CheckText(oppCriteriaKind, "items.name", it.Name, sms.MaxShort),
			sms.CheckText(oppCriteriaKind, "items.description", it.Description, sms.MaxText),
			sms.CheckText(oppCriteriaKind, "approved_by", c.ApprovedBy, sms.MaxShort)); err != nil {
			return err
		}
		if seen[it.Name] {
			return sms.Invalid(oppCriteriaKind, "items.name", "version %d names %q twice", c.Version, it.Name)
		}
		seen[it.Name] = true
	}
	return nil
}

func (c ImprovementCriteria) clone() ImprovementCriteria {
	c.Items = slices.Clone(c.Items)
	return c
}

// CriteriaBook is the host's evaluation criteria, versioned (CI-02,
// Appendix C.2): the version in force, and any version by its number, so
// that an evaluation is read against the version it used. Either returns
// an error matching sms.ErrNotFound when there is none.
type CriteriaBook interface {
	Current(ctx context.Context) (ImprovementCriteria, error)
	Version(ctx context.Context, n int) (ImprovementCriteria, error)
}

// oppStatic is a fixed list of criteria versions, in increasing order.
type oppStatic []ImprovementCriteria

// StaticCriteria returns the criteria book of a fixed list of versions,
// the last of them in force. It refuses, with a [*sms.ValidationError], an
// empty list, a version that does not validate, and versions not in
// increasing order.
func StaticCriteria(versions ...ImprovementCriteria) (CriteriaBook, error) {
	if len(versions) == 0 {
		return nil, sms.Invalid(oppCriteriaKind, "versions", "no version of the criteria is given")
	}
	out := make(oppStatic, 0, len(versions))
	for i, v := range versions {
		if err := v.Validate(); err != nil {
			return nil, err
		}
		if i > 0 && v.Version <= versions[i-1].Version {
			return nil, sms.Invalid(oppCriteriaKind, "version", "version %d follows version %d", v.Version, versions[i-1].Version)
		}
		out = append(out, v.clone())
	}
	return out, nil
}

// Current implements [CriteriaBook]: the last version.
func (s oppStatic) Current(context.Context) (ImprovementCriteria, error) {
	if len(s) == 0 {
		return ImprovementCriteria{}, &sms.NotFoundError{Kind: oppCriteriaKind, ID: "current"}
	}
	return s[len(s)-1].clone(), nil
}

// Version implements [CriteriaBook].
func (s oppStatic) Version(_ context.Context, n int) (ImprovementCriteria, error) {
	for _, v := range s {
		if v.Version == n {
			return v.clone(), nil
		}
	}
	return ImprovementCriteria{}, &sms.NotFoundError{Kind: oppCriteriaKind, ID: strconv.Itoa(n)}
}

// ImprovementScore is an evaluation's score of one criterion, from 1
// (poor fit) to 5 (strong fit), with the evaluator's notes.
type ImprovementScore struct {
	Criterion string `json:"criterion"`
	Score     int    `json:"score"`
	Notes     string `json:"notes"`
}

// ImprovementEvaluation is an opportunity's evaluation (CI-02): the
// version of the criteria it used, a score per criterion, and the verdict
// on its fit with the service management policy and objectives.
type ImprovementEvaluation struct {
	CriteriaVersion int                `json:"criteria_version"`
	Scores          []ImprovementScore `json:"scores,omitempty"`
	Aligned         bool               `json:"aligned"`
	Verdict         string             `json:"verdict"`
}

// Dimension is a dimension an improvement target is set in (CI-03); the
// values are persisted.
type Dimension string

// Target dimensions, as 10.2 lists them.
const (
	DimensionQuality       Dimension = "quality"
	DimensionValue         Dimension = "value"
	DimensionCapability    Dimension = "capability"
	DimensionCost          Dimension = "cost"
	DimensionProductivity  Dimension = "productivity"
	DimensionResourceUse   Dimension = "resource_use"
	DimensionRiskReduction Dimension = "risk_reduction"
)

// Dimensions returns every target dimension (CI-03).
func Dimensions() []Dimension {
	return []Dimension{DimensionQuality, DimensionValue, DimensionCapability, DimensionCost,
		DimensionProductivity, DimensionResourceUse, DimensionRiskReduction}
}

// ImprovementTarget is one target of an improvement (CI-03): the metric,
// in a dimension, its value before (Baseline) and the value aimed at, and
// whether a higher value is better.
type ImprovementTarget struct {
	Dimension      Dimension `json:"dimension"`
	Metric         string    `json:"metric"`
	Baseline       float64   `json:"baseline"`
	Target         float64   `json:"target"`
	Unit           string    `json:"unit,omitempty"`
	HigherIsBetter bool      `json:"higher_is_better"`
}

// MetBy reports whether an actual value reaches the target in its
// direction: at least the target when higher is better, at most it
// otherwise; exactly the target is met.
func (t ImprovementTarget) MetBy(actual float64) bool {
	if t.HigherIsBetter {
		return actual >= t.Target
	}
	return actual <= t.Target
}

// improves reports whether the target is better than the baseline in the
// target's direction.
func (t ImprovementTarget) improves() bool {
	if t.HigherIsBetter {
		return t.Target > t.Baseline
	}
	return t.Target < t.Baseline
}

// ImprovementPlan is an improvement's plan (CI-04): its owner, due date and
// steps, and whether it touches controlled items (configuration items
// under change control), in which case it is implemented through an
// authorized change.
type ImprovementPlan struct {
	Owner             string    `json:"owner"`
	Due               time.Time `json:"due"`
	Steps             []string  `json:"steps,omitempty"`
	TouchesControlled bool      `json:"touches_controlled"`
}

// ImprovementActual is the value measured of one target's metric.
type ImprovementActual struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// ImprovementMeasurement is one measurement of an implemented improvement
// against its targets (CI-05): when, the actuals, and what the library
// derived from them, never typed in: the metrics whose target was missed
// (or not measured), and whether every target was met.
type ImprovementMeasurement struct {
	At      time.Time           `json:"at"`
	Actuals []ImprovementActual `json:"actuals"`
	Missed  []string            `json:"missed,omitempty"`
	Met     bool                `json:"met"`
}

func (m ImprovementMeasurement) clone() ImprovementMeasurement {
	m.Actuals = slices.Clone(m.Actuals)
	m.Missed = slices.Clone(m.Missed)
	return m
}

// MeasureImprovement derives a measurement from the targets and the
// actuals (CI-05), a pure function: a target is met when its metric's
// actual reaches it in its direction ([ImprovementTarget.MetBy]); a target
// without an actual is missed; the measurement is met when every target is
// and there is at least one.
func MeasureImprovement(targets []ImprovementTarget, actuals []ImprovementActual, at time.Time) ImprovementMeasurement {
	m := ImprovementMeasurement{At: sms.Micro(at), Actuals: slices.Clone(actuals)}
	for _, t := range targets {
		i := slices.IndexFunc(actuals, func(a ImprovementActual) bool { return a.Metric == t.Metric })
		if i < 0 || !t.MetBy(actuals[i].Value) {
			m.Missed = append(m.Missed, t.Metric)
		}
	}
	m.Met = len(targets) > 0 && len(m.Missed) == 0
	return m
}

// Opportunity is one entry of the continual improvement register (CI-01 to
// CI-07).
type Opportunity struct {
	sms.Meta
	Status      OpportunityStatus `json:"status"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	// Area is the SMS process or the service the opportunity concerns.
	Area   string            `json:"area"`
	Source OpportunitySource `json:"source"`
	// SourceRef is the record the opportunity came from (CI-07); empty
	// only for a suggestion.
	SourceRef  string                `json:"source_ref,omitempty"`
	Evaluation ImprovementEvaluation `json:"evaluation,omitzero"`
	Targets    []ImprovementTarget   `json:"targets,omitempty"`
	// Priority is from 1 (highest) to 5 (CI-04).
	Priority int             `json:"priority,omitempty"`
	Plan     ImprovementPlan `json:"plan,omitzero"`
	// Change is the change the improvement was implemented through
	// (CI-04).
	Change        string    `json:"change,omitempty"`
	ImplementedAt time.Time `json:"implemented_at,omitzero"`
	// MeasureDue is when the measurement against the targets is due: the
	// implementation plus the register's measure window (CI-05).
	MeasureDue     time.Time                `json:"measure_due,omitzero"`
	Measurements   []ImprovementMeasurement `json:"measurements,omitempty"`
	FollowUpAction string                   `json:"follow_up_action,omitempty"`
	// Reason is why the opportunity was rejected.
	Reason   string           `json:"reason,omitempty"`
	ClosedAt time.Time        `json:"closed_at,omitzero"`
	Parties  sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Opportunity) EntityKind() sms.Kind { return OpportunityKind }

// State implements [sms.Entity].
func (x *Opportunity) State() string { return string(x.Status) }

// SetState implements [sms.Entity].
func (x *Opportunity) SetState(s string) { x.Status = OpportunityStatus(s) }

// Attributes implements [sms.Entity]: the area as the service, the plan's
// owner, and links to the source record (typed by the source) and the
// change.
func (x *Opportunity) Attributes() sms.Attributes {
	at := sms.Attributes{Service: x.Area, Owner: x.Plan.Owner}
	if x.SourceRef != "" {
		at.Links = append(at.Links, sms.Link{Type: string(x.Source), ID: x.SourceRef})
	}
	if x.Change != "" {
		at.Links = append(at.Links, sms.Link{Type: "change", ID: x.Change})
	}
	return at
}

// Clone implements [sms.Entity].
func (x *Opportunity) Clone() *Opportunity {
	c := *x
	c.Evaluation.Scores = slices.Clone(x.Evaluation.Scores)
	c.Targets = slices.Clone(x.Targets)
	c.Plan.Steps = slices.Clone(x.Plan.Steps)
	if x.Measurements != nil {
		c.Measurements = make([]ImprovementMeasurement, len(x.Measurements))
		for i, m := range x.Measurements {
			c.Measurements[i] = m.clone()
		}
	}
	c.Parties = slices.Clone(x.Parties)
	return &c
}

// LastMeasurement returns the latest measurement, and false when there is
// none.
func (x *Opportunity) LastMeasurement() (ImprovementMeasurement, bool) {
	if len(x.Measurements) == 0 {
		return ImprovementMeasurement{}, false
	}
	return x.Measurements[len(x.Measurements)-1].clone(), true
}

// OpportunityCommand is the input of one opportunity trigger.
type OpportunityCommand interface {
	sms.Command
	Trigger() OpportunityTrigger
}

// OpportunityLog logs an opportunity in the register: what it is, what it
// concerns, and where it was raised (CI-01, CI-07). ID is optional: the
// host's own reference.
type OpportunityLog struct {
	ID          string
	Title       string
	Description string
	Area        string
	Source      OpportunitySource
	SourceRef   string
}

// OpportunityEvaluate evaluates a logged opportunity against the criteria
// in force (CI-02): a score and notes for each criterion, and the verdict
// on its fit with the policy and objectives.
type OpportunityEvaluate struct {
	Scores  []ImprovementScore
	Aligned bool
	Verdict string
}

// OpportunityApprove approves an aligned opportunity: its targets (CI-03)
// and priority (CI-04).
type OpportunityApprove struct {
	Targets  []ImprovementTarget
	Priority int
}

// OpportunityReject rejects a logged or evaluated opportunity, with the
// reason; it stays in the register.
type OpportunityReject struct{ Reason string }

// OpportunityPlan plans an approved improvement (CI-04).
type OpportunityPlan struct {
	Owner             string
	Due               time.Time
	Steps             []string
	TouchesControlled bool
}

// OpportunityStart starts the work on a planned improvement.
type OpportunityStart struct{}

// OpportunityImplement records an improvement as implemented, through the
// change named (required when its plan touches controlled items, CI-04).
type OpportunityImplement struct{ Change string }

// OpportunityMeasure measures an implemented improvement that met every
// target (CI-05): an actual for each target's metric.
type OpportunityMeasure struct{ Actuals []ImprovementActual }

// OpportunityMiss measures an implemented improvement that missed a
// target, and records the further action (CI-05).
type OpportunityMiss struct {
	Actuals []ImprovementActual
	Action  string
}

// OpportunityResume resumes the work on a followed-up improvement with its
// further action: a new due date, and optional further steps (CI-04,
// CI-05).
type OpportunityResume struct {
	Due   time.Time
	Steps []string
}

// OpportunityClose closes a measured improvement whose targets were met.
type OpportunityClose struct{}

// OpportunityNote adds a note to an opportunity not yet rejected or closed.
type OpportunityNote struct{ Text string }

// Trigger implements [OpportunityCommand].
func (OpportunityLog) Trigger() OpportunityTrigger       { return TriggerOpportunityLog }
func (OpportunityEvaluate) Trigger() OpportunityTrigger  { return TriggerOpportunityEvaluate }
func (OpportunityApprove) Trigger() OpportunityTrigger   { return TriggerOpportunityApprove }
func (OpportunityReject) Trigger() OpportunityTrigger    { return TriggerOpportunityReject }
func (OpportunityPlan) Trigger() OpportunityTrigger      { return TriggerOpportunityPlan }
func (OpportunityStart) Trigger() OpportunityTrigger     { return TriggerOpportunityStart }
func (OpportunityImplement) Trigger() OpportunityTrigger { return TriggerOpportunityImplement }
func (OpportunityMeasure) Trigger() OpportunityTrigger   { return TriggerOpportunityMeasure }
func (OpportunityMiss) Trigger() OpportunityTrigger      { return TriggerOpportunityMiss }
func (OpportunityResume) Trigger() OpportunityTrigger    { return TriggerOpportunityResume }
func (OpportunityClose) Trigger() OpportunityTrigger     { return TriggerOpportunityClose }
func (OpportunityNote) Trigger() OpportunityTrigger      { return TriggerOpportunityNote }

// Validate implements [sms.Command]: a source not in [OpportunitySources]
// is malformed.
func (c OpportunityLog) Validate() error {
	err := sms.FirstError(sms.CheckRef(OpportunityKind, "id", c.ID),
		sms.CheckText(OpportunityKind, "title", c.Title, sms.MaxShort),
		sms.CheckText(OpportunityKind, "description", c.Description, sms.MaxText),
		sms.CheckText(OpportunityKind, "area", c.Area, sms.MaxShort),
		sms.CheckRef(OpportunityKind, "source_ref", c.SourceRef))
	if err != nil {
		return err
	}
	if c.Source != "" && !slices.Contains(OpportunitySources(), c.Source) {
		return sms.Invalid(OpportunityKind, "source", "%q is not an opportunity source", c.Source)
	}
	return nil
}

// Validate implements [sms.Command]: a criterion scored twice is
// malformed.
func (c OpportunityEvaluate) Validate() error {
	if err := sms.CheckText(OpportunityKind, "verdict", c.Verdict, sms.MaxText); err != nil {
		return err
	}
	if len(c.Scores) > sms.MaxList {
		return sms.Invalid(OpportunityKind, "scores", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, s := range c.Scores {
		if err := sms.FirstError(sms.CheckText(OpportunityKind, "scores.criterion", s.Criterion, sms.MaxShort),
			sms.CheckText(OpportunityKind, "scores.notes", s.Notes, sms.MaxText)); err != nil {
			return err
		}
		if seen[s.Criterion] {
			return sms.Invalid(OpportunityKind, "scores.criterion", "%q is scored twice", s.Criterion)
		}
		seen[s.Criterion] = true
	}
	return nil
}

// oppFinite refuses a value that is not a finite number.
func oppFinite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return sms.Invalid(OpportunityKind, field, "%v is not a finite number", v)
	}
	return nil
}

// Validate implements [sms.Command]: a value that is not a finite number,
// and a metric targeted twice, are malformed.
func (c OpportunityApprove) Validate() error {
	if len(c.Targets) > sms.MaxList {
		return sms.Invalid(OpportunityKind, "targets", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, t := range c.Targets {
		if err := sms.FirstError(sms.CheckText(OpportunityKind, "targets.dimension", string(t.Dimension), sms.MaxShort),
			sms.CheckText(OpportunityKind, "targets.metric", t.Metric, sms.MaxShort),
			sms.CheckText(OpportunityKind, "targets.unit", t.Unit, sms.MaxShort),
			oppFinite("targets.baseline", t.Baseline), oppFinite("targets.target", t.Target)); err != nil {
			return err
		}
		if seen[t.Metric] {
			return sms.Invalid(OpportunityKind, "targets.metric", "%q is targeted twice", t.Metric)
		}
		seen[t.Metric] = true
	}
	return nil
}

// Validate implements [sms.Command].
func (c OpportunityReject) Validate() error {
	return sms.CheckText(OpportunityKind, "reason", c.Reason, sms.MaxText)
}

// Validate implements [sms.Command].
func (c OpportunityPlan) Validate() error {
	return sms.FirstError(sms.CheckText(OpportunityKind, "owner", c.Owner, sms.MaxShort),
		sms.CheckTime(OpportunityKind, "due", c.Due), sms.CheckTexts(OpportunityKind, "steps", c.Steps, sms.MaxText))
}

// Validate implements [sms.Command].
func (OpportunityStart) Validate() error { return nil }

// Validate implements [sms.Command].
func (c OpportunityImplement) Validate() error {
	return sms.CheckRef(OpportunityKind, "change", c.Change)
}

// oppCheckActuals refuses an actual without its metric, one that is not a
// finite number, and a metric measured twice.
func oppCheckActuals(as []ImprovementActual) error {
	if len(as) > sms.MaxList {
		return sms.Invalid(OpportunityKind, "actuals", "more than %d", sms.MaxList)
	}
	seen := map[string]bool{}
	for _, a := range as {
		if a.Metric == "" {
			return sms.Invalid(OpportunityKind, "actuals.metric", "an actual names its metric")
		}
		if err := sms.FirstError(sms.CheckText(OpportunityKind, "actuals.metric", a.Metric, sms.MaxShort), oppFinite("actuals.value", a.Value)); err != nil {
			return err
		}
		if seen[a.Metric] {
			return sms.Invalid(OpportunityKind, "actuals.metric", "%q is measured twice", a.Metric)
		}
		seen[a.Metric] = true
	}
	return nil
}

// Validate implements [sms.Command].
func (c OpportunityMeasure) Validate() error { return oppCheckActuals(c.Actuals) }

// Validate implements [sms.Command].
func (c OpportunityMiss) Validate() error {
	return sms.FirstError(oppCheckActuals(c.Actuals), sms.CheckText(OpportunityKind, "action", c.Action, sms.MaxText))
}

// Validate implements [sms.Command].
func (c OpportunityResume) Validate() error {
	return sms.FirstError(sms.CheckTime(OpportunityKind, "due", c.Due), sms.CheckTexts(OpportunityKind, "steps", c.Steps, sms.MaxText))
}

// Validate implements [sms.Command].
func (OpportunityClose) Validate() error { return nil }

// Validate implements [sms.Command]: a note says something.
func (c OpportunityNote) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(OpportunityKind, "text", "is empty or white space")
	}
	return sms.CheckText(OpportunityKind, "text", c.Text, sms.MaxText)
}

type oppTx = sms.Transition[*Opportunity]

func oppCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func oppGuard(id, text string, check func(*oppTx) bool) sms.Guard[*Opportunity] {
	return sms.Guard[*Opportunity]{Requirement: oppCite(id, text), Check: check}
}

func oppRecordOnly(id, text string, check func(*oppTx) bool) sms.Guard[*Opportunity] {
	return sms.Guard[*Opportunity]{Requirement: oppCite(id, text), Check: check, RecordOnly: true}
}

// oppPrepared is what a rule's Prepare found: the criteria in force, or
// whether the change named is authorized.
type oppPrepared struct {
	criteria   ImprovementCriteria
	found      bool
	authorized bool
}

func oppPrep(t *oppTx) *oppPrepared {
	p, _ := t.Prepared.(*oppPrepared)
	if p == nil {
		return &oppPrepared{}
	}
	return p
}

// oppScored reports whether the scores cover exactly the criteria, each
// scored 1 to 5 with notes.
func oppScored(c ImprovementCriteria, scores []ImprovementScore) bool {
	if len(scores) != len(c.Items) || len(scores) == 0 {
		return false
	}
	names := c.Names()
	for _, s := range scores {
		if !slices.Contains(names, s.Criterion) || s.Score < 1 || s.Score > 5 || sms.Blank(s.Notes) {
			return false
		}
	}
	return true
}

// oppCovers reports whether the actuals measure exactly the targets'
// metrics.
func oppCovers(targets []ImprovementTarget, actuals []ImprovementActual) bool {
	if len(targets) == 0 || len(actuals) != len(targets) {
		return false
	}
	for _, a := range actuals {
		if !slices.ContainsFunc(targets, func(t ImprovementTarget) bool { return t.Metric == a.Metric }) {
			return false
		}
	}
	return true
}

// oppMissedAny reports whether an actual given misses its target.
func oppMissedAny(targets []ImprovementTarget, actuals []ImprovementActual) bool {
	for _, a := range actuals {
		for _, t := range targets {
			if t.Metric == a.Metric && !t.MetBy(a.Value) {
				return true
			}
		}
	}
	return false
}

func oppNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// oppRecordMeasurement journals a measurement.
func oppRecordMeasurement(t *oppTx, m ImprovementMeasurement) {
	for _, a := range m.Actuals {
		t.Record("actual", a.Metric+": "+oppNum(a.Value))
	}
	for _, mi := range m.Missed {
		t.Record("missed", mi)
	}
	t.Record("met", strconv.FormatBool(m.Met))
}

func oppDefinition(criteria CriteriaBook, changes Changes, window time.Duration) sms.Definition[*Opportunity] {
	mgr := []sms.Role{RoleImprovementManager}
	loggers := []sms.Role{RoleImprovementManager, RoleQualityManager, RoleAuditor}
	open := sms.StatesOf(OpportunityLogged, OpportunityEvaluated, OpportunityApproved, OpportunityPlanned,
		OpportunityInProgress, OpportunityImplemented, OpportunityMeasured, OpportunityFollowUp)
	measuredCoverage := oppGuard("CI-05", "an implemented improvement is measured with an actual for every target's metric, and none other", func(t *oppTx) bool {
		var as []ImprovementActual
		switch c := t.Command.(type) {
		case OpportunityMeasure:
			as = c.Actuals
		case OpportunityMiss:
			as = c.Actuals
		}
		return oppCovers(t.Entity.Targets, as)
	})
	return sms.Definition[*Opportunity]{
		Kind: OpportunityKind, States: sms.StatesOf(OpportunityStatuses()...), Terminal: sms.StatesOf(OpportunityRejected, OpportunityClosed),
		New: func() *Opportunity { return &Opportunity{} }, Catalogue: OpportunityRequirements(),
		Rules: []sms.Rule[*Opportunity]{
			{
				Trigger: string(TriggerOpportunityLog), To: string(OpportunityLogged), Roles: loggers, Command: OpportunityLog{},
				Doc: "Log an opportunity in the register: what it is, what it concerns and the record it came from.",
				Guards: []sms.Guard[*Opportunity]{
					oppGuard("CI-01", "an opportunity states its title, its description and the process or service it concerns", func(t *oppTx) bool {
						c := sms.CommandOf[OpportunityLog](t)
						return !sms.Blank(c.Title) && !sms.Blank(c.Description) && !sms.Blank(c.Area)
					}),
					oppGuard("CI-07", "an opportunity names its source, and the record it came from unless it is a suggestion", func(t *oppTx) bool {
						c := sms.CommandOf[OpportunityLog](t)
						return c.Source != "" && (c.Source == FromSuggestion || !sms.Blank(c.SourceRef))
					}),
				},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityLog](t), t.Entity
					x.ID, x.Title, x.Description, x.Area, x.Source, x.SourceRef = c.ID, c.Title, c.Description, c.Area, c.Source, c.SourceRef
					x.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("title", c.Title)
					t.Record("area", c.Area)
					t.Record("source", string(c.Source))
					if c.SourceRef != "" {
						t.Record("source_ref", c.SourceRef)
					}
				},
			},
			{
				Trigger: string(TriggerOpportunityEvaluate), From: sms.StatesOf(OpportunityLogged), To: string(OpportunityEvaluated), Roles: mgr, Command: OpportunityEvaluate{},
				Requirement: oppCite("CI-02", "only a logged opportunity is evaluated, once"),
				Doc:         "Evaluate the opportunity against the criteria in force: a score and notes per criterion, and the alignment verdict.",
				Prepare: func(ctx context.Context, t *oppTx) error {
					p := &oppPrepared{}
					t.Prepared = p
					if criteria == nil {
						return nil
					}
					c, err := criteria.Current(ctx)
					if errors.Is(err, sms.ErrNotFound) {
						return nil
					}
					if err != nil {
						return err
					}
					p.criteria, p.found = c, c.Validate() == nil
					return nil
				},
				Guards: []sms.Guard[*Opportunity]{
					oppGuard("CI-02", "evaluation criteria, approved, are in force", func(t *oppTx) bool { return oppPrep(t).found }),
					oppGuard("CI-02", "an evaluation scores every criterion of the version in force, and none other, from 1 to 5 with notes", func(t *oppTx) bool {
						p := oppPrep(t)
						return p.found && oppScored(p.criteria, sms.CommandOf[OpportunityEvaluate](t).Scores)
					}),
					oppGuard("CI-02", "an evaluation states its verdict on the fit with the service management policy and objectives", func(t *oppTx) bool {
						return !sms.Blank(sms.CommandOf[OpportunityEvaluate](t).Verdict)
					}),
				},
				Apply: func(t *oppTx) {
					c, x, p := sms.CommandOf[OpportunityEvaluate](t), t.Entity, oppPrep(t)
					x.Evaluation = ImprovementEvaluation{CriteriaVersion: p.criteria.Version, Scores: slices.Clone(c.Scores), Aligned: c.Aligned, Verdict: c.Verdict}
					x.Parties.Add(sms.PartyReviewer, t.Actor.ID, true)
					t.Record("criteria_version", strconv.Itoa(p.criteria.Version))
					for _, s := range c.Scores {
						t.Record("score", s.Criterion+": "+strconv.Itoa(s.Score))
					}
					t.Record("aligned", strconv.FormatBool(c.Aligned))
					t.Record("verdict", c.Verdict)
				},
			},
			{
				Trigger: string(TriggerOpportunityApprove), From: sms.StatesOf(OpportunityEvaluated), To: string(OpportunityApproved), Roles: mgr, Command: OpportunityApprove{},
				Requirement: oppCite("CI-02", "only an evaluated opportunity is approved"),
				Doc:         "Approve an aligned opportunity, by another person than its evaluator: its targets and priority.",
				// The approver is compared with the evaluator, the acting
				// actor of evaluate: the person who judged the fit does not
				// also take the decision on it. The person who logged it may
				// approve it: the register accepts anyone's suggestion, and
				// the evaluation is the independent judgement (CI-02).
				Segregation: []sms.Segregation[*Opportunity]{{
					Requirement: oppCite("CI-02", "an opportunity is approved by another person than its evaluator"),
					Check: func(t *oppTx) string {
						if slices.Contains(t.Entity.Parties.Acted(sms.PartyReviewer), t.Actor.ID) {
							return "the actor " + strconv.Quote(t.Actor.ID) + " evaluated this opportunity and may not approve it"
						}
						return ""
					},
				}},
				Guards: []sms.Guard[*Opportunity]{
					oppRecordOnly("CI-02", "only an opportunity its evaluation found aligned with the policy and objectives is approved", func(t *oppTx) bool {
						e := t.Entity.Evaluation
						return e.Aligned && e.CriteriaVersion > 0
					}),
					oppGuard("CI-03", "an improvement has one or more targets, each in a listed dimension, with its metric and a target better than its baseline", func(t *oppTx) bool {
						ts := sms.CommandOf[OpportunityApprove](t).Targets
						return len(ts) > 0 && !slices.ContainsFunc(ts, func(g ImprovementTarget) bool {
							return !slices.Contains(Dimensions(), g.Dimension) || sms.Blank(g.Metric) || !g.improves()
						})
					}),
					oppGuard("CI-04", "an improvement is prioritized, from 1 to 5", func(t *oppTx) bool {
						p := sms.CommandOf[OpportunityApprove](t).Priority
						return p >= 1 && p <= 5
					}),
				},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityApprove](t), t.Entity
					x.Targets, x.Priority = slices.Clone(c.Targets), c.Priority
					x.Parties.Add(sms.PartyApprover, t.Actor.ID, true)
					for _, g := range c.Targets {
						dir := "lower is better"
						if g.HigherIsBetter {
							dir = "higher is better"
						}
						t.Record("target", fmt.Sprintf("%s %s: %s -> %s %s (%s)", g.Dimension, g.Metric, oppNum(g.Baseline), oppNum(g.Target), g.Unit, dir))
					}
					t.Record("priority", strconv.Itoa(c.Priority))
				},
			},
			{
				Trigger: string(TriggerOpportunityReject), From: sms.StatesOf(OpportunityLogged, OpportunityEvaluated), To: string(OpportunityRejected), Roles: mgr, Command: OpportunityReject{},
				Requirement: oppCite("CI-02", "only an opportunity not yet approved is rejected"),
				Doc:         "Reject an opportunity not approved, with the reason; it stays in the register.",
				Guards: []sms.Guard[*Opportunity]{oppGuard("CI-02", "a rejection gives its reason", func(t *oppTx) bool {
					return !sms.Blank(sms.CommandOf[OpportunityReject](t).Reason)
				})},
				Apply: func(t *oppTx) {
					t.Entity.Reason = sms.CommandOf[OpportunityReject](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerOpportunityPlan), From: sms.StatesOf(OpportunityApproved), To: string(OpportunityPlanned), Roles: mgr, Command: OpportunityPlan{},
				Requirement: oppCite("CI-04", "only an approved improvement is planned"),
				Doc:         "Plan the improvement: its owner, a due date not in the past, its steps, and whether it touches controlled items.",
				Guards: []sms.Guard[*Opportunity]{oppGuard("CI-04", "an improvement's plan names its owner, a due date not in the past and its steps", func(t *oppTx) bool {
					c := sms.CommandOf[OpportunityPlan](t)
					return !sms.Blank(c.Owner) && !c.Due.IsZero() && !c.Due.Before(t.Now) && len(c.Steps) > 0 && !slices.ContainsFunc(c.Steps, sms.Blank)
				})},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityPlan](t), t.Entity
					x.Plan = ImprovementPlan{Owner: c.Owner, Due: sms.Micro(c.Due), Steps: slices.Clone(c.Steps), TouchesControlled: c.TouchesControlled}
					x.Parties.Add(sms.PartyOwner, c.Owner, false)
					t.Record("owner", c.Owner)
					t.RecordTime("due", x.Plan.Due)
					for _, s := range c.Steps {
						t.Record("step", s)
					}
					t.Record("touches_controlled", strconv.FormatBool(c.TouchesControlled))
				},
			},
			{
				Trigger: string(TriggerOpportunityStart), From: sms.StatesOf(OpportunityPlanned), To: string(OpportunityInProgress), Roles: mgr, Command: OpportunityStart{},
				Requirement: oppCite("CI-04", "only a planned improvement is started"),
				Doc:         "Start the work on the planned improvement.",
				Apply:       func(t *oppTx) { t.Entity.Parties.Add(sms.PartyImplementer, t.Actor.ID, true) },
			},
			{
				Trigger: string(TriggerOpportunityImplement), From: sms.StatesOf(OpportunityInProgress), To: string(OpportunityImplemented), Roles: mgr, Command: OpportunityImplement{},
				Requirement: oppCite("CI-04", "only an improvement in progress is implemented"),
				Doc:         "Record the improvement as implemented, through an authorized change when it touches controlled items; its measurement falls due.",
				Prepare: func(ctx context.Context, t *oppTx) error {
					p := &oppPrepared{}
					t.Prepared = p
					id := sms.CommandOf[OpportunityImplement](t).Change
					if changes == nil || id == "" {
						return nil
					}
					ok, err := changes.Authorized(ctx, id)
					if errors.Is(err, sms.ErrNotFound) {
						return nil
					}
					p.authorized = ok
					return err
				},
				Guards: []sms.Guard[*Opportunity]{oppGuard("CI-04", "an improvement touching controlled items is implemented through a change, and a change named is authorized", func(t *oppTx) bool {
					id := sms.CommandOf[OpportunityImplement](t).Change
					if id == "" {
						return !t.Entity.Plan.TouchesControlled
					}
					return oppPrep(t).authorized
				})},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityImplement](t), t.Entity
					x.Change, x.ImplementedAt, x.MeasureDue = c.Change, t.Now, t.Now.Add(window)
					if c.Change != "" {
						t.Record("change", c.Change)
					}
					t.RecordTime("measure_due", x.MeasureDue)
				},
			},
			{
				Trigger: string(TriggerOpportunityMeasure), From: sms.StatesOf(OpportunityImplemented), To: string(OpportunityMeasured), Roles: mgr, Command: OpportunityMeasure{},
				Requirement: oppCite("CI-05", "only an implemented improvement is measured"),
				Doc:         "Measure the improvement against every target, each met as derived from its actual.",
				Guards: []sms.Guard[*Opportunity]{
					measuredCoverage,
					oppGuard("CI-05", "every target is met by its actual, as derived: a target missed is recorded with miss and its further action", func(t *oppTx) bool {
						return !oppMissedAny(t.Entity.Targets, sms.CommandOf[OpportunityMeasure](t).Actuals)
					}),
				},
				Apply: func(t *oppTx) {
					x := t.Entity
					m := MeasureImprovement(x.Targets, sms.CommandOf[OpportunityMeasure](t).Actuals, t.Now)
					x.Measurements = append(x.Measurements, m)
					oppRecordMeasurement(t, m)
				},
			},
			{
				Trigger: string(TriggerOpportunityMiss), From: sms.StatesOf(OpportunityImplemented), To: string(OpportunityFollowUp), Roles: mgr, Command: OpportunityMiss{},
				Requirement: oppCite("CI-05", "only an implemented improvement is measured"),
				Doc:         "Measure the improvement when a target is missed, as derived from its actual, and record the further action.",
				Guards: []sms.Guard[*Opportunity]{
					measuredCoverage,
					oppGuard("CI-05", "a miss is a measurement with a target missed, as derived: one meeting every target is measured", func(t *oppTx) bool {
						return oppMissedAny(t.Entity.Targets, sms.CommandOf[OpportunityMiss](t).Actuals)
					}),
					oppGuard("CI-05", "a target missed leads to further action", func(t *oppTx) bool {
						return !sms.Blank(sms.CommandOf[OpportunityMiss](t).Action)
					}),
				},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityMiss](t), t.Entity
					m := MeasureImprovement(x.Targets, c.Actuals, t.Now)
					x.Measurements = append(x.Measurements, m)
					x.FollowUpAction = c.Action
					oppRecordMeasurement(t, m)
					t.Record("action", c.Action)
				},
			},
			{
				Trigger: string(TriggerOpportunityResume), From: sms.StatesOf(OpportunityFollowUp), To: string(OpportunityInProgress), Roles: mgr, Command: OpportunityResume{},
				Requirement: oppCite("CI-05", "only an improvement followed up is resumed"),
				Doc:         "Resume the work with the further action: a new due date and any further steps.",
				Guards: []sms.Guard[*Opportunity]{
					oppRecordOnly("CI-05", "the work resumes on the further action the miss recorded", func(t *oppTx) bool {
						return !sms.Blank(t.Entity.FollowUpAction)
					}),
					oppGuard("CI-04", "the further action has a due date not in the past, and any further step says what it is", func(t *oppTx) bool {
						c := sms.CommandOf[OpportunityResume](t)
						return !c.Due.IsZero() && !c.Due.Before(t.Now) && !slices.ContainsFunc(c.Steps, sms.Blank)
					}),
				},
				Apply: func(t *oppTx) {
					c, x := sms.CommandOf[OpportunityResume](t), t.Entity
					x.Plan.Due = sms.Micro(c.Due)
					x.Plan.Steps = append(slices.Clone(x.Plan.Steps), x.FollowUpAction)
					x.Plan.Steps = append(x.Plan.Steps, c.Steps...)
					t.Record("action", x.FollowUpAction)
					t.RecordTime("due", x.Plan.Due)
					for _, s := range c.Steps {
						t.Record("step", s)
					}
				},
			},
			{
				Trigger: string(TriggerOpportunityClose), From: sms.StatesOf(OpportunityMeasured), To: string(OpportunityClosed), Roles: mgr, Command: OpportunityClose{},
				Requirement: oppCite("CI-05", "only an improvement measured with its targets met is closed"),
				Doc:         "Close the improvement, its targets met.",
				Guards: []sms.Guard[*Opportunity]{oppRecordOnly("CI-05", "an improvement is closed only on a last measurement that met every target", func(t *oppTx) bool {
					m, ok := t.Entity.LastMeasurement()
					return ok && m.Met
				})},
				Apply: func(t *oppTx) { t.Entity.ClosedAt = t.Now },
			},
			{
				Trigger: string(TriggerOpportunityNote), From: open, Roles: mgr, Command: OpportunityNote{},
				Doc:   "Add a note to an opportunity not rejected or closed.",
				Apply: func(t *oppTx) { t.Record("text", sms.CommandOf[OpportunityNote](t).Text) },
			},
		},
	}
}

// OpportunityWorkflow returns the compiled opportunity workflow, for
// introspection and documentation.
func OpportunityWorkflow() *sms.Workflow[*Opportunity] {
	return sms.MustWorkflow(oppDefinition(nil, nil, ImprovementMeasureWindow))
}

// OpportunityPolicy configures the register: MeasureWindow is the time
// from an improvement's implementation to its measurement due (CI-05);
// zero is [ImprovementMeasureWindow].
type OpportunityPolicy struct {
	MeasureWindow time.Duration
}

// Opportunities runs the continual improvement register on a store (CI-01
// to CI-07): one typed method per trigger, each one transition through the
// pipeline. It has no delete: a rejected or closed opportunity stays in
// the register.
type Opportunities struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Opportunity, OpportunityTrigger, OpportunityCommand]
	m *sms.Machine[*Opportunity]
}

// NewOpportunities compiles the opportunity workflow, with the host's
// evaluation criteria (nil: none is in force, so nothing is evaluated) and
// change lookup (nil: no change is authorized, so nothing touching
// controlled items is implemented), and binds it to the store. A negative
// measure window is refused with a [*sms.ValidationError].
func NewOpportunities(store sms.Store[*Opportunity], criteria CriteriaBook, changes Changes, policy OpportunityPolicy, opts sms.Options) (*Opportunities, error) {
	if policy.MeasureWindow < 0 {
		return nil, sms.Invalid(OpportunityKind, "policy.measure_window", "%s is negative", policy.MeasureWindow)
	}
	if policy.MeasureWindow == 0 {
		policy.MeasureWindow = ImprovementMeasureWindow
	}
	m, r, err := sms.Bind[*Opportunity, OpportunityTrigger, OpportunityCommand](oppDefinition(criteria, changes, policy.MeasureWindow), store, opts)
	if err != nil {
		return nil, err
	}
	return &Opportunities{Records: r, m: m}, nil
}

// Log logs an opportunity in the register (CI-01, CI-07).
func (s *Opportunities) Log(ctx context.Context, a sms.Actor, c OpportunityLog) (*Opportunity, error) {
	return s.m.Create(ctx, a, c)
}

// Evaluate evaluates a logged opportunity against the criteria in force
// (CI-02).
func (s *Opportunities) Evaluate(ctx context.Context, a sms.Actor, id string, c OpportunityEvaluate) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityEvaluate), c)
}

// Approve approves an aligned opportunity with its targets and priority
// (CI-02 to CI-04).
func (s *Opportunities) Approve(ctx context.Context, a sms.Actor, id string, c OpportunityApprove) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityApprove), c)
}

// Reject rejects an opportunity not approved, with the reason (CI-02).
func (s *Opportunities) Reject(ctx context.Context, a sms.Actor, id string, c OpportunityReject) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityReject), c)
}

// Plan plans an approved improvement (CI-04).
func (s *Opportunities) Plan(ctx context.Context, a sms.Actor, id string, c OpportunityPlan) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityPlan), c)
}

// Start starts the work on a planned improvement (CI-04).
func (s *Opportunities) Start(ctx context.Context, a sms.Actor, id string, c OpportunityStart) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityStart), c)
}

// Implement records an improvement as implemented (CI-04).
func (s *Opportunities) Implement(ctx context.Context, a sms.Actor, id string, c OpportunityImplement) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityImplement), c)
}

// Measure records a measurement that met every target (CI-05).
func (s *Opportunities) Measure(ctx context.Context, a sms.Actor, id string, c OpportunityMeasure) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityMeasure), c)
}

// Miss records a measurement that missed a target, and the further action
// (CI-05).
func (s *Opportunities) Miss(ctx context.Context, a sms.Actor, id string, c OpportunityMiss) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityMiss), c)
}

// Resume resumes the work on a followed-up improvement (CI-05).
func (s *Opportunities) Resume(ctx context.Context, a sms.Actor, id string, c OpportunityResume) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityResume), c)
}

// Close closes a measured improvement (CI-05).
func (s *Opportunities) Close(ctx context.Context, a sms.Actor, id string, c OpportunityClose) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityClose), c)
}

// Note adds a note to an opportunity not rejected or closed.
func (s *Opportunities) Note(ctx context.Context, a sms.Actor, id string, c OpportunityNote) (*Opportunity, error) {
	return s.m.Fire(ctx, a, id, string(TriggerOpportunityNote), c)
}

// Do runs any opportunity command as its typed method does; an
// [OpportunityLog] carries its own ID, and id must then be empty.
func (s *Opportunities) Do(ctx context.Context, a sms.Actor, id string, c OpportunityCommand) (*Opportunity, error) {
	return s.m.Do(ctx, a, id, c)
}

// OpportunityFacts implements [OpportunityFinder]: the status and source
// of a stored opportunity that verifies against its journal; an error
// matching sms.ErrNotFound when there is none, and sms.ErrCorrupt when it
// does not verify.
func (s *Opportunities) OpportunityFacts(ctx context.Context, id string) (OpportunityFacts, error) {
	x, _, err := s.m.Verified(ctx, id)
	if err != nil {
		return OpportunityFacts{}, err
	}
	return OpportunityFacts{Status: string(x.Status), Source: x.Source, SourceRef: x.SourceRef}, nil
}

// oppRequirement returns the catalogue's requirement id.
func oppRequirement(id string) sms.Requirement {
	for _, r := range OpportunityRequirements() {
		if r.ID == id {
			return r
		}
	}
	return sms.Requirement{ID: id}
}

// SweepOpportunity returns the periodic findings of one opportunity as of
// a time, a pure function: an implemented improvement not measured by its
// due date (IMPROVEMENT_MEASURE_OVERDUE, CI-05), once asOf is after the
// due time (at the due time itself it is not yet overdue).
func SweepOpportunity(x *Opportunity, asOf time.Time) []sms.Finding {
	if x == nil || x.Status != OpportunityImplemented || x.MeasureDue.IsZero() || !asOf.After(x.MeasureDue) {
		return nil
	}
	return []sms.Finding{{Code: CodeImprovementMeasureOverdue, Requirement: oppRequirement("CI-05"), Kind: OpportunityKind, EntityID: x.ID,
		Detail: "implemented " + x.ImplementedAt.UTC().Format(time.RFC3339) + ", measurement against the targets due " + x.MeasureDue.UTC().Format(time.RFC3339), At: asOf.UTC()}}
}

// Sweep runs [SweepOpportunity] over every implemented opportunity of the
// store as of a time; a record that does not verify against its journal
// is a [sms.CodeRecordUnverified] finding, listed first.
func (s *Opportunities) Sweep(ctx context.Context, asOf time.Time) ([]sms.Finding, error) {
	return sms.SweepStore(ctx, s.m, sms.Query{Status: sms.StatesOf(OpportunityImplemented)}, asOf, func(x *Opportunity, _ []sms.Entry) []sms.Finding {
		return SweepOpportunity(x, asOf)
	})
}

// ImprovementCounts counts opportunities by what happened to them in a
// period: each opportunity counts once in each column for which its
// journal has an entry in the period.
type ImprovementCounts struct {
	Opened      int `json:"opened"`      // logged
	Implemented int `json:"implemented"` // implemented (again, after a follow-up)
	Met         int `json:"met"`         // measured with every target met
	Missed      int `json:"missed"`      // measured with a target missed, and followed up
	Closed      int `json:"closed"`
	Rejected    int `json:"rejected"`
}

func (c *ImprovementCounts) add(o ImprovementCounts) {
	c.Opened += o.Opened
	c.Implemented += o.Implemented
	c.Met += o.Met
	c.Missed += o.Missed
	c.Closed += o.Closed
	c.Rejected += o.Rejected
}

// ImprovementItem is an improvement implemented in the period (CI-06): what
// it is, when it was last implemented in the period, its targets, and its
// last measurement taken since that implementation and before the
// period's end, if any.
type ImprovementItem struct {
	ID            string                 `json:"id"`
	Title         string                 `json:"title"`
	Area          string                 `json:"area"`
	Source        OpportunitySource      `json:"source"`
	ImplementedAt time.Time              `json:"implemented_at"`
	Change        string                 `json:"change,omitempty"`
	Targets       []ImprovementTarget    `json:"targets"`
	Measured      bool                   `json:"measured"`
	Last          ImprovementMeasurement `json:"last,omitzero"`
}

// ImprovementReport is the register's report of a period [From, To)
// (CI-01, CI-06): the counts, in total, by source and by area, and the
// improvements implemented. Unverified lists the records that do not
// verify against their journal, which count nowhere.
type ImprovementReport struct {
	From        time.Time                               `json:"from"`
	To          time.Time                               `json:"to"`
	Totals      ImprovementCounts                       `json:"totals"`
	BySource    map[OpportunitySource]ImprovementCounts `json:"by_source"`
	ByArea      map[string]ImprovementCounts            `json:"by_area"`
	Implemented []ImprovementItem                       `json:"implemented"`
	Unverified  []string                                `json:"unverified,omitempty"`
}

// oppTally counts one opportunity in [from, to) from its journal: the
// dates are those of the journal's entries (the instants the pipeline
// recorded each transition), not the record's own fields, which keep only
// the latest of each.
func oppTally(x *Opportunity, journal []sms.Entry, from, to time.Time) (ImprovementCounts, *ImprovementItem) {
	var c ImprovementCounts
	var implemented time.Time
	for _, e := range journal {
		if e.At.Before(from) || !e.At.Before(to) {
			continue
		}
		switch OpportunityTrigger(e.Trigger) {
		case TriggerOpportunityLog:
			c.Opened = 1
		case TriggerOpportunityImplement:
			c.Implemented, implemented = 1, e.At
		case TriggerOpportunityMeasure:
			c.Met = 1
		case TriggerOpportunityMiss:
			c.Missed = 1
		case TriggerOpportunityClose:
			c.Closed = 1
		case TriggerOpportunityReject:
			c.Rejected = 1
		}
	}
	if implemented.IsZero() {
		return c, nil
	}
	it := &ImprovementItem{ID: x.ID, Title: x.Title, Area: x.Area, Source: x.Source, ImplementedAt: implemented, Change: x.Change, Targets: slices.Clone(x.Targets)}
	for _, m := range x.Measurements {
		if !m.At.Before(implemented) && m.At.Before(to) {
			it.Measured, it.Last = true, m.clone()
		}
	}
	return c, it
}

// Improvements reports the register over the period [from, to) (CI-01,
// CI-06): how many opportunities were logged, implemented, measured with
// their targets met, missed and followed up, closed and rejected in it, by
// the dates of their journal entries, in total, by source and by area;
// and the improvements implemented in it, in the order of their
// implementation, with their targets and last measurement. Only records
// that verify against their journal count; the others are listed as
// unverified. A period that does not end after it begins is refused with
// a [*sms.ValidationError].
func (s *Opportunities) Improvements(ctx context.Context, from, to time.Time) (ImprovementReport, error) {
	from, to = from.UTC(), to.UTC()
	if from.IsZero() || !to.After(from) {
		return ImprovementReport{}, sms.Invalid(OpportunityKind, "period", "the period [%s, %s) is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	r := ImprovementReport{From: from, To: to, BySource: map[OpportunitySource]ImprovementCounts{}, ByArea: map[string]ImprovementCounts{}, Implemented: []ImprovementItem{}}
	err := s.m.EachVerified(ctx, sms.Query{Limit: sms.MaxLimit}, func(x *Opportunity, journal []sms.Entry) bool {
		c, it := oppTally(x, journal, from, to)
		if c == (ImprovementCounts{}) {
			return true
		}
		r.Totals.add(c)
		bs, ba := r.BySource[x.Source], r.ByArea[x.Area]
		bs.add(c)
		ba.add(c)
		r.BySource[x.Source], r.ByArea[x.Area] = bs, ba
		if it != nil {
			r.Implemented = append(r.Implemented, *it)
		}
		return true
	}, func(id string, _ error) error {
		r.Unverified = append(r.Unverified, id)
		return nil
	})
	sort.SliceStable(r.Implemented, func(i, j int) bool {
		a, b := r.Implemented[i], r.Implemented[j]
		if !a.ImplementedAt.Equal(b.ImplementedAt) {
			return a.ImplementedAt.Before(b.ImplementedAt)
		}
		return strings.Compare(a.ID, b.ID) < 0
	})
	return r, err
}
