package servicelevel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// OutageKindOfRecord is the entity kind of outage records, as stored.
const OutageKindOfRecord sms.Kind = "outage"

// OutageStatus is an outage record's status; the values are persisted.
type OutageStatus string

// Outage statuses.
const (
	StatusOngoing  OutageStatus = "ongoing"  // the service is down, or degraded
	StatusRestored OutageStatus = "restored" // service restored: the end is recorded
	StatusClosed   OutageStatus = "closed"   // investigated where required, and closed
)

// OutageStatuses returns every status, in lifecycle order.
func OutageStatuses() []OutageStatus {
	return []OutageStatus{StatusOngoing, StatusRestored, StatusClosed}
}

// OutageTrigger names a transition of an outage record.
type OutageTrigger string

// Outage triggers.
const (
	TriggerRecordOutage OutageTrigger = "record"
	TriggerRestore      OutageTrigger = "restore"
	TriggerCorrect      OutageTrigger = "correct"
	TriggerInvestigate  OutageTrigger = "investigate"
	TriggerCloseOutage  OutageTrigger = "close"
	TriggerOutageNote   OutageTrigger = "note"
)

// OutageTriggers returns every outage trigger, the creating one first.
func OutageTriggers() []OutageTrigger {
	return []OutageTrigger{TriggerRecordOutage, TriggerRestore, TriggerCorrect, TriggerInvestigate, TriggerCloseOutage, TriggerOutageNote}
}

// RoleAvailabilityManager records and closes outages.
const RoleAvailabilityManager sms.Role = "availability_manager"

// OutageRequirements returns the availability requirements the outage
// records enforce: their workflow's catalogue.
func OutageRequirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "AVL-04", Clause: "8.7.1", Text: "availability is monitored and its results recorded: every outage, with its service, start and end"},
		{ID: "AVL-05", Clause: "8.7.1", Text: "unplanned unavailability is investigated and the necessary actions taken"},
		{ID: "AVL-06", Clause: "8.7.1", Text: "planned downtime is planned only when an authorized change covers it"},
	}
}

// OutageRecord is the record of one outage: what [Measure] counts. Its
// times are corrected through the journal (trigger correct), never edited.
type OutageRecord struct {
	sms.Meta
	Status  OutageStatus `json:"status"`
	Service string       `json:"service"`
	Kind    OutageKind   `json:"kind"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end,omitzero"`
	// Change is the change that covers planned downtime.
	Change string `json:"change,omitempty"`
	// Incident, Outcome, Actions and Problem are the investigation of an
	// unplanned outage (AVL-05).
	Incident string           `json:"incident,omitempty"`
	Outcome  string           `json:"outcome,omitempty"`
	Actions  []string         `json:"actions,omitempty"`
	Problem  string           `json:"problem,omitempty"`
	Parties  sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*OutageRecord) EntityKind() sms.Kind { return OutageKindOfRecord }

// State implements [sms.Entity].
func (o *OutageRecord) State() string { return string(o.Status) }

// SetState implements [sms.Entity].
func (o *OutageRecord) SetState(s string) { o.Status = OutageStatus(s) }

// Attributes implements [sms.Entity].
func (o *OutageRecord) Attributes() sms.Attributes {
	at := sms.Attributes{Service: o.Service}
	for _, l := range []sms.Link{{Type: "change", ID: o.Change}, {Type: "incident", ID: o.Incident}, {Type: "problem", ID: o.Problem}} {
		if l.ID != "" {
			at.Links = append(at.Links, l)
		}
	}
	return at
}

// Clone implements [sms.Entity].
func (o *OutageRecord) Clone() *OutageRecord {
	c := *o
	c.Actions = slices.Clone(o.Actions)
	c.Parties = slices.Clone(o.Parties)
	return &c
}

// Outage returns the record as [Measure] counts it: investigated once its
// investigation is recorded.
func (o *OutageRecord) Outage() Outage {
	return Outage{ID: o.ID, Service: o.Service, Kind: o.Kind, Start: o.Start, End: o.End, Change: o.Change, Investigated: o.investigated()}
}

func (o *OutageRecord) investigated() bool {
	return o.Outcome != "" && o.Incident != "" && (len(o.Actions) > 0 || o.Problem != "")
}

// OutageCommand is the input of one outage trigger.
type OutageCommand interface {
	sms.Command
	Trigger() OutageTrigger
}

// OutageReport records an outage as it starts (or as it is found).
type OutageReport struct {
	ID      string
	Service string
	Kind    OutageKind
	Start   time.Time
	Change  string
}

// Restoration records that service was restored at End.
type Restoration struct{ End time.Time }

// Correction corrects a recorded outage's kind, times or change, with the
// reason: a journal entry, the old values kept in it (AVL-04).
type Correction struct {
	Kind   OutageKind
	Start  time.Time
	End    time.Time
	Change string
	Reason string
}

// Investigation records the investigation of an unplanned outage: its
// incident, the outcome, and the actions taken or the problem raised
// (AVL-05).
type Investigation struct {
	Incident string
	Outcome  string
	Actions  []string
	Problem  string
}

// OutageClosure closes a restored outage.
type OutageClosure struct{}

// OutageNote adds a note.
type OutageNote struct{ Text string }

// Trigger implements [OutageCommand].
func (OutageReport) Trigger() OutageTrigger  { return TriggerRecordOutage }
func (Restoration) Trigger() OutageTrigger   { return TriggerRestore }
func (Correction) Trigger() OutageTrigger    { return TriggerCorrect }
func (Investigation) Trigger() OutageTrigger { return TriggerInvestigate }
func (OutageClosure) Trigger() OutageTrigger { return TriggerCloseOutage }
func (OutageNote) Trigger() OutageTrigger    { return TriggerOutageNote }

func checkKind(k OutageKind, optional bool) error {
	switch k {
	case Unplanned, Planned, Degraded:
		return nil
	case "":
		if optional {
			return nil
		}
	}
	return sms.Invalid(OutageKindOfRecord, "kind", "%q is not unplanned, planned or degraded", k)
}

// Validate implements [sms.Command].
func (c OutageReport) Validate() error {
	return sms.FirstError(checkKind(c.Kind, false), sms.CheckRef(OutageKindOfRecord, "id", c.ID), sms.CheckRef(OutageKindOfRecord, "service", c.Service),
		sms.CheckTime(OutageKindOfRecord, "start", c.Start), sms.CheckRef(OutageKindOfRecord, "change", c.Change))
}
func (c Restoration) Validate() error { return sms.CheckTime(OutageKindOfRecord, "end", c.End) }
func (c Correction) Validate() error {
	return sms.FirstError(checkKind(c.Kind, true), sms.CheckTime(OutageKindOfRecord, "start", c.Start), sms.CheckTime(OutageKindOfRecord, "end", c.End),
		sms.CheckRef(OutageKindOfRecord, "change", c.Change), sms.CheckText(OutageKindOfRecord, "reason", c.Reason, sms.MaxText))
}
func (c Investigation) Validate() error {
	return sms.FirstError(sms.CheckRef(OutageKindOfRecord, "incident", c.Incident), sms.CheckText(OutageKindOfRecord, "outcome", c.Outcome, sms.MaxText),
		sms.CheckTexts(OutageKindOfRecord, "actions", c.Actions, sms.MaxText), sms.CheckRef(OutageKindOfRecord, "problem", c.Problem))
}
func (OutageClosure) Validate() error { return nil }
func (c OutageNote) Validate() error {
	return sms.CheckText(OutageKindOfRecord, "text", c.Text, sms.MaxText)
}

type otx = sms.Transition[*OutageRecord]

func oguard(id, text string, check func(*otx) bool) sms.Guard[*OutageRecord] {
	return sms.Guard[*OutageRecord]{Requirement: cite(id, text), Check: check}
}

// covered is what the close rule's Prepare learnt from the host's changes.
type covered struct{ ok bool }

func outageDefinition(changes Changes) sms.Definition[*OutageRecord] {
	roles := []sms.Role{RoleAvailabilityManager}
	open := sms.StatesOf(StatusOngoing, StatusRestored)
	return sms.Definition[*OutageRecord]{
		Kind: OutageKindOfRecord, States: sms.StatesOf(OutageStatuses()...), Terminal: sms.StatesOf(StatusClosed),
		New: func() *OutageRecord { return &OutageRecord{} }, Catalogue: OutageRequirements(),
		Rules: []sms.Rule[*OutageRecord]{
			{
				Trigger: string(TriggerRecordOutage), To: string(StatusOngoing), Roles: roles, Command: OutageReport{},
				Doc: "Record an outage as it starts.",
				Guards: []sms.Guard[*OutageRecord]{
					oguard("AVL-04", "an outage is recorded with its service and start, not in the future", func(t *otx) bool {
						c := sms.CommandOf[OutageReport](t)
						return c.Service != "" && !c.Start.IsZero() && !c.Start.After(t.Now)
					}),
				},
				Apply: func(t *otx) {
					c, o := sms.CommandOf[OutageReport](t), t.Entity
					o.ID, o.Service, o.Kind, o.Start, o.Change = c.ID, c.Service, c.Kind, sms.Micro(c.Start), c.Change
					o.Parties.Add(sms.PartyRaiser, t.Actor.ID, true)
					t.Record("service", c.Service)
					t.Record("kind", string(c.Kind))
					t.RecordTime("start", o.Start)
				},
			},
			{
				Trigger: string(TriggerRestore), From: sms.StatesOf(StatusOngoing), To: string(StatusRestored), Roles: roles, Command: Restoration{},
				Requirement: cite("AVL-04", "only an ongoing outage is restored"),
				Doc:         "Record when service was restored.",
				Guards: []sms.Guard[*OutageRecord]{oguard("AVL-04", "an outage ends after it starts, and not in the future", func(t *otx) bool {
					e := sms.Micro(sms.CommandOf[Restoration](t).End)
					return e.After(t.Entity.Start) && !e.After(t.Now)
				})},
				Apply: func(t *otx) {
					t.Entity.End = sms.Micro(sms.CommandOf[Restoration](t).End)
					t.RecordTime("end", t.Entity.End)
				},
			},
			{
				Trigger: string(TriggerCorrect), From: open, Roles: roles, Command: Correction{},
				Requirement: cite("AVL-04", "a closed outage is not corrected"),
				Doc:         "Correct the kind, times or change, with the reason; the old values stay in the journal.",
				Guards: []sms.Guard[*OutageRecord]{
					oguard("AVL-04", "a correction gives its reason", func(t *otx) bool { return !sms.Blank(sms.CommandOf[Correction](t).Reason) }),
				},
				Requires: []sms.Required[*OutageRecord]{{Field: "end", Requirement: cite("AVL-04", "a corrected outage still ends after it starts"),
					Present: func(o *OutageRecord) bool { return o.End.IsZero() || o.End.After(o.Start) }}},
				Apply: func(t *otx) {
					c, o := sms.CommandOf[Correction](t), t.Entity
					if c.Kind != "" {
						t.RecordChange("kind", string(o.Kind), string(c.Kind))
						o.Kind = c.Kind
					}
					if !c.Start.IsZero() {
						t.RecordChange("start", o.Start.Format(time.RFC3339Nano), sms.Micro(c.Start).Format(time.RFC3339Nano))
						o.Start = sms.Micro(c.Start)
					}
					if !c.End.IsZero() && !o.End.IsZero() {
						t.RecordChange("end", o.End.Format(time.RFC3339Nano), sms.Micro(c.End).Format(time.RFC3339Nano))
						o.End = sms.Micro(c.End)
					}
					if c.Change != "" {
						t.RecordChange("change", o.Change, c.Change)
						o.Change = c.Change
					}
					t.SetReason(c.Reason)
				},
			},
			{
				Trigger: string(TriggerInvestigate), From: open, Roles: roles, Command: Investigation{},
				Requirement: cite("AVL-05", "a closed outage is not investigated again"),
				Doc:         "Record the investigation: the incident, the outcome, the actions or the problem.",
				Guards: []sms.Guard[*OutageRecord]{oguard("AVL-05", "an investigation names the incident, its outcome, and the actions taken or the problem raised", func(t *otx) bool {
					c := sms.CommandOf[Investigation](t)
					return c.Incident != "" && !sms.Blank(c.Outcome) && (len(c.Actions) > 0 || c.Problem != "")
				})},
				Apply: func(t *otx) {
					c, o := sms.CommandOf[Investigation](t), t.Entity
					o.Incident, o.Outcome, o.Actions, o.Problem = c.Incident, c.Outcome, c.Actions, c.Problem
					t.Record("incident", c.Incident)
					t.Record("outcome", c.Outcome)
					for _, a := range c.Actions {
						t.Record("action", a)
					}
					if c.Problem != "" {
						t.Record("problem", c.Problem)
					}
				},
			},
			{
				Trigger: string(TriggerCloseOutage), From: sms.StatesOf(StatusRestored), To: string(StatusClosed), Roles: roles, Command: OutageClosure{},
				Requirement: cite("AVL-05", "only a restored outage is closed"),
				Doc:         "Close a restored outage: an unplanned one investigated, a planned one covered by an authorized change.",
				Prepare: func(ctx context.Context, t *otx) error {
					o, cv := t.Entity, &covered{}
					if o.Kind == Planned && o.Change != "" && changes != nil {
						ok, err := changes.Covers(ctx, o.Change, o.Service, o.Start, o.End)
						if err != nil {
							return err
						}
						cv.ok = ok
					}
					t.Prepared = cv
					return nil
				},
				Guards: []sms.Guard[*OutageRecord]{
					{Requirement: cite("AVL-05", "an unplanned outage is closed only once investigated"), RecordOnly: true,
						Check: func(t *otx) bool { return t.Entity.Kind != Unplanned || t.Entity.investigated() }},
					{Requirement: cite("AVL-06", "planned downtime is closed as planned only when an authorized change covers it: correct it to unplanned otherwise"), RecordOnly: true,
						Check: func(t *otx) bool {
							cv, _ := t.Prepared.(*covered)
							return t.Entity.Kind != Planned || (cv != nil && cv.ok)
						}},
				},
				Apply: func(*otx) {},
			},
			{
				Trigger: string(TriggerOutageNote), From: sms.StatesOf(OutageStatuses()...), Roles: roles, Command: OutageNote{},
				Doc: "Add a note.",
				Guards: []sms.Guard[*OutageRecord]{oguard("AVL-04", "a note has text", func(t *otx) bool {
					return !sms.Blank(sms.CommandOf[OutageNote](t).Text)
				})},
				Apply: func(t *otx) { t.Record("text", sms.CommandOf[OutageNote](t).Text) },
			},
		},
	}
}

// OutageWorkflow returns the compiled outage workflow, for introspection
// and documentation.
func OutageWorkflow() *sms.Workflow[*OutageRecord] {
	return sms.MustWorkflow(outageDefinition(nil))
}

// Outages runs outage records on a store (AVL-04 to AVL-06): one typed
// method per trigger, each one transition through the pipeline.
type Outages struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*OutageRecord, OutageTrigger, OutageCommand]
	m *sms.Machine[*OutageRecord]
}

// NewOutages compiles the outage workflow, with the host's change lookup
// for planned downtime (nil: no change covers any), and binds it to the
// store.
func NewOutages(store sms.Store[*OutageRecord], changes Changes, opts sms.Options) (*Outages, error) {
	m, r, err := sms.Bind[*OutageRecord, OutageTrigger, OutageCommand](outageDefinition(changes), store, opts)
	if err != nil {
		return nil, err
	}
	return &Outages{Records: r, m: m}, nil
}

// Record records an outage (AVL-04).
func (s *Outages) Record(ctx context.Context, a sms.Actor, c OutageReport) (*OutageRecord, error) {
	return s.m.Create(ctx, a, c)
}

// Restore records when service was restored.
func (s *Outages) Restore(ctx context.Context, a sms.Actor, id string, c Restoration) (*OutageRecord, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRestore), c)
}

// Correct corrects the record, with the reason (AVL-04).
func (s *Outages) Correct(ctx context.Context, a sms.Actor, id string, c Correction) (*OutageRecord, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCorrect), c)
}

// Investigate records the investigation (AVL-05).
func (s *Outages) Investigate(ctx context.Context, a sms.Actor, id string, c Investigation) (*OutageRecord, error) {
	return s.m.Fire(ctx, a, id, string(TriggerInvestigate), c)
}

// Close closes a restored outage (AVL-05, AVL-06).
func (s *Outages) Close(ctx context.Context, a sms.Actor, id string, c OutageClosure) (*OutageRecord, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCloseOutage), c)
}

// Do runs any outage command as its typed method does; an [OutageReport]
// carries its own ID, and id must then be empty.
func (s *Outages) Do(ctx context.Context, a sms.Actor, id string, c OutageCommand) (*OutageRecord, error) {
	return s.m.Do(ctx, a, id, c)
}

// Each calls fn with every outage record of service as [Measure] counts
// it, until fn returns false. Only records that verify against their
// journal are counted: one that does not stops the walk with an error
// wrapping the verification's, as an availability figure that silently
// left out a record would not be evidence.
func (s *Outages) Each(ctx context.Context, service string, fn func(Outage) bool) error {
	return s.m.EachVerified(ctx, sms.Query{Service: service}, func(o *OutageRecord, _ []sms.Entry) bool { return fn(o.Outage()) },
		func(id string, err error) error {
			return fmt.Errorf("servicelevel: outage %s does not verify against its journal, so it is not counted: %w", id, err)
		})
}
