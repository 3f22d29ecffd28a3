package report

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// DefinitionStatus is a report definition's status; the values are
// persisted.
type DefinitionStatus string

// Report definition statuses.
const (
	DefinitionDrafted DefinitionStatus = "draft"   // an edition being written
	DefinitionAgreed  DefinitionStatus = "agreed"  // an edition agreed with its interested parties: instances are scheduled from it
	DefinitionRetired DefinitionStatus = "retired" // no longer produced, with the reason
)

// DefinitionStatuses returns every status, in lifecycle order.
func DefinitionStatuses() []DefinitionStatus {
	return []DefinitionStatus{DefinitionDrafted, DefinitionAgreed, DefinitionRetired}
}

// DefinitionTrigger names a transition of a report definition; the values
// are persisted.
type DefinitionTrigger string

// Report definition triggers.
const (
	TriggerDefinitionDraft  DefinitionTrigger = "draft"
	TriggerDefinitionRevise DefinitionTrigger = "revise"
	TriggerDefinitionAgree  DefinitionTrigger = "agree"
	TriggerDefinitionRetire DefinitionTrigger = "retire"
	TriggerDefinitionNote   DefinitionTrigger = "note"
)

// DefinitionTriggers returns every trigger, the creating one first.
func DefinitionTriggers() []DefinitionTrigger {
	return []DefinitionTrigger{TriggerDefinitionDraft, TriggerDefinitionRevise, TriggerDefinitionAgree, TriggerDefinitionRetire, TriggerDefinitionNote}
}

// MaxTrendPeriods bounds how many prior periods a definition's trends
// show.
const MaxTrendPeriods = 24

// DefinitionRequirements returns the service reporting requirements the
// report definitions enforce: their workflow's catalogue.
func DefinitionRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "RPT-01", Clause: "9.4", Text: "the organization determines the reports it needs and what each one is for"},
		{ID: "RPT-03", Clause: "9.4", Text: "service reports show trends"},
		{ID: "RPT-07", Clause: "9.4", Text: "a periodic report that is missing is detected"},
	}
}

// Definition is a report definition (RPT-01): what a report is for, who
// reads it, the metrics it gives, how often it is produced and how long
// after a period's end it is missing, the generator that computes it, how
// many prior periods its trends show, and with whom it was agreed.
// Edition counts its editions: 1 for the first, one more each time an
// agreed definition is revised; Owner, AgreedWith and AgreedAt are those
// of the current edition's agreement, empty while it is a draft.
type Definition struct {
	sms.Meta
	Status   DefinitionStatus `json:"status"`
	Name     string           `json:"name"`
	Purpose  string           `json:"purpose,omitempty"`
	Audience []string         `json:"audience,omitempty"`
	Metrics  []Metric         `json:"metrics,omitempty"`
	// Frequency is the reporting period's cadence.
	Frequency sms.Cadence `json:"frequency,omitzero"`
	// Grace is how long after a period's end its report may still be
	// issued before it is missing (RPT-07).
	Grace time.Duration `json:"grace,omitempty"`
	// Generator names the [Generator] that computes the report: its data
	// source.
	Generator string `json:"generator,omitempty"`
	// TrendPeriods is how many prior periods a trend shows (RPT-03).
	TrendPeriods int `json:"trend_periods,omitempty"`
	// Owner is who agreed the current edition: the acting person of its
	// agree transition.
	Owner      string           `json:"owner,omitempty"`
	AgreedWith []string         `json:"agreed_with,omitempty"`
	Edition    int              `json:"edition"`
	AgreedAt   time.Time        `json:"agreed_at,omitzero"`
	Reason     string           `json:"reason,omitempty"`
	Parties    sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Definition) EntityKind() sms.Kind { return DefinitionKind }

// State implements [sms.Entity].
func (d *Definition) State() string { return string(d.Status) }

// SetState implements [sms.Entity].
func (d *Definition) SetState(s string) { d.Status = DefinitionStatus(s) }

// Attributes implements [sms.Entity]: the owner of the agreed edition.
func (d *Definition) Attributes() sms.Attributes { return sms.Attributes{Owner: d.Owner} }

// Clone implements [sms.Entity].
func (d *Definition) Clone() *Definition {
	c := *d
	c.Audience, c.Metrics, c.AgreedWith, c.Parties = slices.Clone(d.Audience), slices.Clone(d.Metrics), slices.Clone(d.AgreedWith), d.Parties.Clone()
	return &c
}

// DefinitionFacts is what a report instance reads of its definition.
type DefinitionFacts struct {
	Status       DefinitionStatus
	Edition      int
	Name         string
	Metrics      []Metric
	Frequency    sms.Cadence
	Grace        time.Duration
	Generator    string
	TrendPeriods int
	AgreedAt     time.Time
}

// DefinitionFinder is how report instances read a definition: its facts,
// or an error matching sms.ErrNotFound. [Definitions] implements it.
type DefinitionFinder interface {
	DefinitionFacts(ctx context.Context, id string) (DefinitionFacts, error)
}

// DefinitionCommand is the input of one report definition trigger.
type DefinitionCommand interface {
	sms.Command
	Trigger() DefinitionTrigger
}

// DefinitionSpec is what a definition's edition says: the fields a draft
// or a revision writes.
type DefinitionSpec struct {
	Name         string
	Purpose      string
	Audience     []string
	Metrics      []Metric
	Frequency    sms.Cadence
	Grace        time.Duration
	Generator    string
	TrendPeriods int
}

// validate refuses malformed input: text too long, a cadence that is set
// but not valid, a negative grace, trend periods out of range. What is
// missing the agree guards judge.
func (s DefinitionSpec) validate() error {
	errs := []error{
		sms.CheckText(DefinitionKind, "name", s.Name, sms.MaxShort),
		sms.CheckText(DefinitionKind, "purpose", s.Purpose, sms.MaxText),
		sms.CheckTexts(DefinitionKind, "audience", s.Audience, sms.MaxShort),
		sms.CheckText(DefinitionKind, "generator", s.Generator, sms.MaxShort),
	}
	if len(s.Metrics) > sms.MaxList {
		errs = append(errs, sms.Invalid(DefinitionKind, "metrics", "has more than %d entries", sms.MaxList))
	}
	for _, m := range s.Metrics {
		errs = append(errs, sms.CheckText(DefinitionKind, "metrics.name", m.Name, sms.MaxShort),
			sms.CheckText(DefinitionKind, "metrics.unit", m.Unit, sms.MaxShort),
			sms.CheckText(DefinitionKind, "metrics.description", m.Description, sms.MaxText))
	}
	if s.Frequency != (sms.Cadence{}) {
		if err := s.Frequency.Validate(); err != nil {
			var ve *sms.ValidationError
			if errors.As(err, &ve) {
				err = sms.Invalid(DefinitionKind, "frequency", "%s", ve.Problem)
			}
			errs = append(errs, err)
		}
	}
	if s.Grace < 0 || s.Grace > sms.MaxCadence {
		errs = append(errs, sms.Invalid(DefinitionKind, "grace", "%s is not between 0 and 100 years", s.Grace))
	}
	if s.TrendPeriods < 0 || s.TrendPeriods > MaxTrendPeriods {
		errs = append(errs, sms.Invalid(DefinitionKind, "trend_periods", "%d is not between 1 and %d", s.TrendPeriods, MaxTrendPeriods))
	}
	return sms.FirstError(errs...)
}

// DefinitionDraft drafts a report definition's first edition.
type DefinitionDraft struct {
	ID   string
	Spec DefinitionSpec
}

// DefinitionRevision replaces what the definition says: a draft's in
// place, or, for an agreed definition, as its next edition, a draft until
// it is agreed again.
type DefinitionRevision struct{ Spec DefinitionSpec }

// DefinitionAgreement agrees the drafted edition with the interested
// parties named (RPT-01); the acting person becomes its owner.
type DefinitionAgreement struct{ AgreedWith []string }

// DefinitionRetirement retires the definition, with the reason.
type DefinitionRetirement struct{ Reason string }

// DefinitionNote adds a note.
type DefinitionNote struct{ Text string }

// Trigger implements [DefinitionCommand].
func (DefinitionDraft) Trigger() DefinitionTrigger      { return TriggerDefinitionDraft }
func (DefinitionRevision) Trigger() DefinitionTrigger   { return TriggerDefinitionRevise }
func (DefinitionAgreement) Trigger() DefinitionTrigger  { return TriggerDefinitionAgree }
func (DefinitionRetirement) Trigger() DefinitionTrigger { return TriggerDefinitionRetire }
func (DefinitionNote) Trigger() DefinitionTrigger       { return TriggerDefinitionNote }

// Validate implements [sms.Command].
func (c DefinitionDraft) Validate() error {
	return sms.FirstError(sms.CheckRef(DefinitionKind, "id", c.ID), c.Spec.validate())
}

// Validate implements [sms.Command].
func (c DefinitionRevision) Validate() error { return c.Spec.validate() }

// Validate implements [sms.Command].
func (c DefinitionAgreement) Validate() error {
	return sms.CheckTexts(DefinitionKind, "agreed_with", c.AgreedWith, sms.MaxShort)
}

// Validate implements [sms.Command].
func (c DefinitionRetirement) Validate() error {
	return sms.CheckText(DefinitionKind, "reason", c.Reason, sms.MaxText)
}

// Validate implements [sms.Command].
func (c DefinitionNote) Validate() error {
	return sms.CheckText(DefinitionKind, "text", c.Text, sms.MaxText)
}

type defTx = sms.Transition[*Definition]

func defCite(id, text string) sms.Requirement { return sms.Requirement{ID: id, Text: text} }

func defGuard(id, text string, check func(*defTx) bool) sms.Guard[*Definition] {
	return sms.Guard[*Definition]{Requirement: defCite(id, text), Check: check}
}

func defRecordOnly(id, text string, check func(*defTx) bool) sms.Guard[*Definition] {
	g := defGuard(id, text, check)
	g.RecordOnly = true
	return g
}

// defWrite writes a spec onto the definition and journals it.
func defWrite(t *defTx, s DefinitionSpec) {
	d := t.Entity
	d.Name, d.Purpose, d.Audience, d.Metrics = s.Name, s.Purpose, slices.Clone(s.Audience), slices.Clone(s.Metrics)
	d.Frequency, d.Grace, d.Generator, d.TrendPeriods = s.Frequency, s.Grace, s.Generator, s.TrendPeriods
	d.Parties.Add(sms.PartyAuthor, t.Actor.ID, true)
	t.Record("name", d.Name)
	t.Record("edition", strconv.Itoa(d.Edition))
	for _, m := range d.Metrics {
		t.Record("metric", m.Name)
	}
	if d.Frequency != (sms.Cadence{}) {
		t.Record("frequency", d.Frequency.String())
	}
	t.Record("grace", d.Grace.String())
	t.Record("generator", d.Generator)
	t.Record("trend_periods", strconv.Itoa(d.TrendPeriods))
}

// defMetricsNamed reports whether there is at least one metric and every
// one has a name, no name twice.
func defMetricsNamed(ms []Metric) bool {
	seen := map[string]bool{}
	for _, m := range ms {
		if sms.Blank(m.Name) || seen[m.Name] {
			return false
		}
		seen[m.Name] = true
	}
	return len(ms) > 0
}

func defListed(list []string) bool { return len(list) > 0 && !slices.ContainsFunc(list, sms.Blank) }

func definitionDefinition() sms.Definition[*Definition] {
	roles := []sms.Role{RoleReportOwner}
	return sms.Definition[*Definition]{
		Kind: DefinitionKind, States: sms.StatesOf(DefinitionStatuses()...), Terminal: sms.StatesOf(DefinitionRetired),
		New: func() *Definition { return &Definition{} }, Catalogue: DefinitionRequirements(),
		Rules: []sms.Rule[*Definition]{
			{
				Trigger: string(TriggerDefinitionDraft), To: string(DefinitionDrafted), Roles: roles, Command: DefinitionDraft{},
				Doc: "Draft the first edition of a report definition.",
				Guards: []sms.Guard[*Definition]{defGuard("RPT-01", "a report definition has a name", func(t *defTx) bool {
					return !sms.Blank(sms.CommandOf[DefinitionDraft](t).Spec.Name)
				})},
				Apply: func(t *defTx) {
					c := sms.CommandOf[DefinitionDraft](t)
					t.Entity.ID, t.Entity.Edition = c.ID, 1
					defWrite(t, c.Spec)
				},
			},
			{
				Trigger: string(TriggerDefinitionRevise), From: sms.StatesOf(DefinitionDrafted), Roles: roles, Command: DefinitionRevision{},
				Requirement: defCite("RPT-01", "a retired report definition is not revised"),
				Doc:         "Revise the edition being drafted.",
				Guards: []sms.Guard[*Definition]{defGuard("RPT-01", "a report definition has a name", func(t *defTx) bool {
					return !sms.Blank(sms.CommandOf[DefinitionRevision](t).Spec.Name)
				})},
				Apply: func(t *defTx) { defWrite(t, sms.CommandOf[DefinitionRevision](t).Spec) },
			},
			{
				Trigger: string(TriggerDefinitionRevise), From: sms.StatesOf(DefinitionAgreed), To: string(DefinitionDrafted), Roles: roles, Command: DefinitionRevision{},
				Requirement: defCite("RPT-01", "a retired report definition is not revised"),
				Doc:         "Start the next edition of an agreed definition: a draft until it is agreed again.",
				Guards: []sms.Guard[*Definition]{defGuard("RPT-01", "a report definition has a name", func(t *defTx) bool {
					return !sms.Blank(sms.CommandOf[DefinitionRevision](t).Spec.Name)
				})},
				Apply: func(t *defTx) {
					d := t.Entity
					d.Edition++
					d.Owner, d.AgreedWith, d.AgreedAt = "", nil, time.Time{}
					// The new edition's authors are who write it; the
					// previous edition's stay in the journal.
					d.Parties = slices.DeleteFunc(d.Parties.Clone(), func(p sms.Participant) bool { return p.Party == sms.PartyAuthor })
					defWrite(t, sms.CommandOf[DefinitionRevision](t).Spec)
				},
			},
			{
				Trigger: string(TriggerDefinitionAgree), From: sms.StatesOf(DefinitionDrafted), To: string(DefinitionAgreed), Roles: roles, Command: DefinitionAgreement{},
				Requirement: defCite("RPT-01", "only an edition being drafted is agreed"),
				Doc:         "Agree the drafted edition with its interested parties: complete, its agreer its owner.",
				Guards: []sms.Guard[*Definition]{
					defRecordOnly("RPT-01", "a report definition states its name, what it is for and who reads it", func(t *defTx) bool {
						d := t.Entity
						return !sms.Blank(d.Name) && !sms.Blank(d.Purpose) && defListed(d.Audience)
					}),
					defRecordOnly("RPT-01", "a report definition lists the metrics it gives, each with a name, no name twice", func(t *defTx) bool {
						return defMetricsNamed(t.Entity.Metrics)
					}),
					defRecordOnly("RPT-07", "a report definition has a reporting frequency, a calendar or fixed cadence, so that a missing report is detected", func(t *defTx) bool {
						return t.Entity.Frequency.Validate() == nil
					}),
					defRecordOnly("RPT-01", "a report definition names the data source that computes it", func(t *defTx) bool {
						return !sms.Blank(t.Entity.Generator)
					}),
					defRecordOnly("RPT-03", "a report definition says how many prior periods its trends show, 1 to 24", func(t *defTx) bool {
						return t.Entity.TrendPeriods >= 1 && t.Entity.TrendPeriods <= MaxTrendPeriods
					}),
					defGuard("RPT-01", "a report definition is agreed with at least one interested party, each named", func(t *defTx) bool {
						return defListed(sms.CommandOf[DefinitionAgreement](t).AgreedWith)
					}),
				},
				Apply: func(t *defTx) {
					d := t.Entity
					d.Owner, d.AgreedWith, d.AgreedAt = t.Actor.ID, slices.Clone(sms.CommandOf[DefinitionAgreement](t).AgreedWith), t.Now
					d.Parties.Add(sms.PartyOwner, t.Actor.ID, true)
					t.Record("edition", strconv.Itoa(d.Edition))
					t.Record("owner", d.Owner)
					for _, p := range d.AgreedWith {
						t.Record("agreed_with", p)
					}
				},
			},
			{
				Trigger: string(TriggerDefinitionRetire), From: sms.StatesOf(DefinitionDrafted, DefinitionAgreed), To: string(DefinitionRetired), Roles: roles, Command: DefinitionRetirement{},
				Requirement: defCite("RPT-01", "a retired report definition is not retired again"),
				Doc:         "Retire the definition, with the reason: no report of it is due any more.",
				Guards: []sms.Guard[*Definition]{defGuard("RPT-01", "a retirement gives its reason", func(t *defTx) bool {
					return !sms.Blank(sms.CommandOf[DefinitionRetirement](t).Reason)
				})},
				Apply: func(t *defTx) {
					t.Entity.Reason = sms.CommandOf[DefinitionRetirement](t).Reason
					t.SetReason(t.Entity.Reason)
				},
			},
			{
				Trigger: string(TriggerDefinitionNote), From: sms.StatesOf(DefinitionStatuses()...), Roles: roles, Command: DefinitionNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*Definition]{defGuard("RPT-01", "a note has text", func(t *defTx) bool {
					return !sms.Blank(sms.CommandOf[DefinitionNote](t).Text)
				})},
				Apply: func(t *defTx) { t.Record("text", sms.CommandOf[DefinitionNote](t).Text) },
			},
		},
	}
}

// DefinitionWorkflow returns the compiled report definition workflow,
// for introspection and documentation.
func DefinitionWorkflow() *sms.Workflow[*Definition] {
	return sms.MustWorkflow(definitionDefinition())
}

// Definitions keeps report definitions on a store (RPT-01): one typed
// method per trigger, each one transition through the pipeline.
type Definitions struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Definition, DefinitionTrigger, DefinitionCommand]
	m *sms.Machine[*Definition]
}

// NewDefinitions compiles the report definition workflow and binds it to
// the store.
func NewDefinitions(store sms.Store[*Definition], opts sms.Options) (*Definitions, error) {
	m, r, err := sms.Bind[*Definition, DefinitionTrigger, DefinitionCommand](definitionDefinition(), store, opts)
	if err != nil {
		return nil, err
	}
	return &Definitions{Records: r, m: m}, nil
}

// Draft drafts a report definition's first edition (RPT-01).
func (s *Definitions) Draft(ctx context.Context, a sms.Actor, c DefinitionDraft) (*Definition, error) {
	return s.m.Create(ctx, a, c)
}

// Revise revises a draft, or starts the next edition of an agreed
// definition.
func (s *Definitions) Revise(ctx context.Context, a sms.Actor, id string, c DefinitionRevision) (*Definition, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDefinitionRevise), c)
}

// Agree agrees the drafted edition with its interested parties (RPT-01).
func (s *Definitions) Agree(ctx context.Context, a sms.Actor, id string, c DefinitionAgreement) (*Definition, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDefinitionAgree), c)
}

// Retire retires the definition, with the reason.
func (s *Definitions) Retire(ctx context.Context, a sms.Actor, id string, c DefinitionRetirement) (*Definition, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDefinitionRetire), c)
}

// Note adds a note.
func (s *Definitions) Note(ctx context.Context, a sms.Actor, id string, c DefinitionNote) (*Definition, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDefinitionNote), c)
}

// Do runs any definition command as its typed method does; a
// [DefinitionDraft] carries its own ID, and id must then be empty.
func (s *Definitions) Do(ctx context.Context, a sms.Actor, id string, c DefinitionCommand) (*Definition, error) {
	return s.m.Do(ctx, a, id, c)
}

// DefinitionFacts implements [DefinitionFinder]: what an instance reads
// of the stored definition, which must verify against its journal.
func (s *Definitions) DefinitionFacts(ctx context.Context, id string) (DefinitionFacts, error) {
	d, _, err := s.m.Verified(ctx, id)
	if err != nil {
		return DefinitionFacts{}, err
	}
	return defFactsOf(d), nil
}

func defFactsOf(d *Definition) DefinitionFacts {
	return DefinitionFacts{Status: d.Status, Edition: d.Edition, Name: d.Name, Metrics: slices.Clone(d.Metrics),
		Frequency: d.Frequency, Grace: d.Grace, Generator: d.Generator, TrendPeriods: d.TrendPeriods, AgreedAt: d.AgreedAt}
}

// defPeriodOf returns the reporting period of the cadence that contains t:
// the calendar period for a calendar cadence; for a fixed one, the period
// of the run of periods that starts at anchor (the agreement) and
// contains t. It returns the zero period for a cadence that is not valid.
func defPeriodOf(c sms.Cadence, anchor, t time.Time) Period {
	if c.Validate() != nil {
		return Period{}
	}
	if c.Every > 0 {
		d := t.Sub(anchor)
		k := d / c.Every
		if d%c.Every < 0 {
			k--
		}
		from := anchor.Add(k * c.Every)
		return Period{From: from, To: from.Add(c.Every)}
	}
	from, to := c.PeriodOf(t)
	return Period{From: from, To: to}
}

// defPrior returns the period before p in the cadence.
func defPrior(c sms.Cadence, anchor time.Time, p Period) Period {
	return defPeriodOf(c, anchor, p.From.Add(-time.Nanosecond))
}

// defSamePeriod compares periods by instant.
func defSamePeriod(a, b Period) bool { return a.From.Equal(b.From) && a.To.Equal(b.To) }
