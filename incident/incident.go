package incident

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kind is the entity kind of incidents, as stored.
const Kind sms.Kind = "incident"

// Status is an incident's workflow status. The values are persisted: they
// are never renamed or reused.
type Status string

// Incident statuses.
const (
	StatusNew        Status = "new"
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusOnHold     Status = "on_hold"
	StatusResolved   Status = "resolved"
	StatusClosed     Status = "closed"
	StatusCancelled  Status = "cancelled"
)

// Statuses returns every status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusNew, StatusAssigned, StatusInProgress, StatusOnHold, StatusResolved, StatusClosed, StatusCancelled}
}

// Open reports whether s is a status in which work on the incident goes on
// (new, assigned, in progress, on hold).
func (s Status) Open() bool {
	switch s {
	case StatusNew, StatusAssigned, StatusInProgress, StatusOnHold:
		return true
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Trigger names a transition. The values are persisted in journals: they are
// never renamed or reused.
type Trigger string

// Incident triggers; each has a typed method on [Service] and a command type.
const (
	TriggerLog          Trigger = "log"
	TriggerClassify     Trigger = "classify"
	TriggerAssign       Trigger = "assign"
	TriggerStart        Trigger = "start"
	TriggerHold         Trigger = "hold"
	TriggerResume       Trigger = "resume"
	TriggerEscalate     Trigger = "escalate"
	TriggerRecordAction Trigger = "record_action"
	TriggerNote         Trigger = "note"
	TriggerLink         Trigger = "link"
	TriggerResolve      Trigger = "resolve"
	TriggerReopen       Trigger = "reopen"
	TriggerClose        Trigger = "close"
	TriggerCancel       Trigger = "cancel"
	TriggerConvert      Trigger = "convert_to_request"
	TriggerProposeMajor Trigger = "propose_major"
	TriggerAcceptMajor  Trigger = "accept_major"
	TriggerRejectMajor  Trigger = "reject_major"
	TriggerHandOver     Trigger = "hand_over_major"
	TriggerNotify       Trigger = "notify_management"
	TriggerReview       Trigger = "review_major"
	// TriggerUnassign is in the workflow only where [Policy].Unassign
	// allows it, and so not among [Triggers].
	TriggerUnassign Trigger = "unassign"
)

// Triggers returns every trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerLog, TriggerClassify, TriggerAssign, TriggerStart, TriggerHold, TriggerResume,
		TriggerEscalate, TriggerRecordAction, TriggerNote, TriggerLink, TriggerResolve, TriggerReopen, TriggerClose,
		TriggerCancel, TriggerConvert, TriggerProposeMajor, TriggerAcceptMajor, TriggerRejectMajor, TriggerHandOver,
		TriggerNotify, TriggerReview}
}

// Roles the incident workflow accepts. The host maps its own groups onto
// them when it builds an [sms.Actor].
const (
	// RoleServiceDesk logs, classifies, assigns, closes and cancels.
	RoleServiceDesk sms.Role = "service_desk"
	// RoleResolver works on assigned incidents and resolves them.
	RoleResolver sms.Role = "resolver"
	// RoleIncidentManager may do everything on the main track.
	RoleIncidentManager sms.Role = "incident_manager"
	// RoleMajorIncidentManager accepts or rejects major-incident candidates
	// and runs major incidents.
	RoleMajorIncidentManager sms.Role = "major_incident_manager"
	// RoleCaller is the person affected: they confirm or reject a resolution
	// and add notes.
	RoleCaller sms.Role = "caller"
)

// Source says how an incident was detected (INC-01).
type Source string

// Incident sources.
const (
	SourceUser       Source = "user"
	SourceMonitoring Source = "monitoring"
	SourceSupplier   Source = "supplier"
	SourceOther      Source = "other"
)

// HoldReason says what an incident on hold waits for (INC-13).
type HoldReason string

// Hold reasons.
const (
	HoldCaller   HoldReason = "caller"
	HoldSupplier HoldReason = "supplier"
	HoldChange   HoldReason = "change"
	HoldProblem  HoldReason = "problem"
)

// EscalationKind distinguishes functional escalation (to a more specialised
// group) from hierarchical escalation (up the management line) (INC-04).
type EscalationKind string

// Escalation kinds.
const (
	Functional   EscalationKind = "functional"
	Hierarchical EscalationKind = "hierarchical"
)

// CancelReason justifies a cancellation (INC-17).
type CancelReason string

// Cancellation reasons.
const (
	CancelDuplicate     CancelReason = "duplicate"
	CancelNotAnIncident CancelReason = "not_an_incident"
	CancelRaisedInError CancelReason = "raised_in_error"
)

// Confirmation says how a resolution was accepted before closure (INC-06).
type Confirmation string

// Closure confirmations.
const (
	// ConfirmedByCaller: the caller confirmed the service is restored.
	ConfirmedByCaller Confirmation = "caller"
	// AutoClosed: the caller did not answer within the policy's auto-close
	// window.
	AutoClosed Confirmation = "auto"
)

// Valid reports whether c is a known confirmation (the empty one is not).
func (c Confirmation) Valid() bool { return c == ConfirmedByCaller || c == AutoClosed }

// Channel is how a caller's confirmation reached a service-desk agent who
// records it on the caller's behalf (INC-06): by phone, by e-mail. An agent
// may record one only where the [Policy] lists the channel in
// ConfirmationChannels; the journal then names the channel and the agent.
type Channel string

// Confirmation channels.
const (
	ChannelPhone    Channel = "phone"
	ChannelEmail    Channel = "email"
	ChannelChat     Channel = "chat"
	ChannelInPerson Channel = "in_person"
)

// Channels returns every confirmation channel.
func Channels() []Channel { return []Channel{ChannelPhone, ChannelEmail, ChannelChat, ChannelInPerson} }

// Valid reports whether ch is a known channel (the empty one is not).
func (ch Channel) Valid() bool { return slices.Contains(Channels(), ch) }

// MajorState is the orthogonal major-incident track (INC-09).
type MajorState string

// Major-incident states; the zero value is MajorNone.
const (
	MajorNone      MajorState = ""
	MajorCandidate MajorState = "candidate"
	MajorAccepted  MajorState = "accepted"
	MajorRejected  MajorState = "rejected"
)

// Link types an incident uses (INC-13, INC-16, INC-17).
const (
	LinkProblem      = "problem"
	LinkChange       = "change"
	LinkKnownError   = "known_error"
	LinkConfigItem   = "config_item"
	LinkRequest      = "request"
	LinkSupplier     = "supplier"
	LinkDuplicateOf  = "duplicate_of"
	LinkReopenedFrom = "reopened_from"
	LinkIncident     = "incident"
)

// LinkTypes returns the link types a [Link] command accepts.
func LinkTypes() []string {
	return []string{LinkProblem, LinkChange, LinkKnownError, LinkConfigItem, LinkRequest, LinkSupplier, LinkIncident}
}

// Incident is the record of one unplanned interruption or reduction in
// quality of a service (ISO/IEC 20000-1:2018 clause 8.6.1). Its fields are
// written by the workflow's transitions only; a host reads them.
type Incident struct {
	sms.Meta
	Status Status `json:"status"`

	// Logged (INC-01).
	Summary     string    `json:"summary"`
	Description string    `json:"description,omitempty"`
	Service     string    `json:"service"`
	Source      Source    `json:"source"`
	Reporter    string    `json:"reporter"`
	ReportedAt  time.Time `json:"reported_at"`

	// Classification (INC-02, INC-03, INC-14).
	Category       string   `json:"category,omitempty"`
	ConfigItems    []string `json:"config_items,omitempty"`
	Impact         Level    `json:"impact,omitempty"`
	Urgency        Level    `json:"urgency,omitempty"`
	Priority       Priority `json:"priority,omitempty"`
	MatrixVersion  string   `json:"matrix_version,omitempty"`
	OverrideReason string   `json:"override_reason,omitempty"`
	Security       bool     `json:"security,omitempty"`
	SecurityRisk   Level    `json:"security_risk,omitempty"`

	// Assignment and work.
	Group      string     `json:"group,omitempty"`
	Assignee   string     `json:"assignee,omitempty"`
	HoldReason HoldReason `json:"hold_reason,omitempty"`
	HoldRef    string     `json:"hold_ref,omitempty"`
	// HoldUntil is when a snoozed hold ends ([Suspension].Until).
	HoldUntil time.Time `json:"hold_until,omitzero"`

	// Escalation (INC-04): one counter per kind.
	FunctionalLevel   int `json:"functional_level,omitempty"`
	HierarchicalLevel int `json:"hierarchical_level,omitempty"`

	// Actions counts action_taken journal entries (INC-07).
	Actions int `json:"actions,omitempty"`

	// Resolution (INC-05) and reopening (INC-16).
	ResolutionCode  string    `json:"resolution_code,omitempty"`
	ResolutionNotes string    `json:"resolution_notes,omitempty"`
	RestoredAt      time.Time `json:"restored_at,omitzero"`
	ResolvedAt      time.Time `json:"resolved_at,omitzero"`
	KnownError      string    `json:"known_error,omitempty"`
	ReopenCount     int       `json:"reopen_count,omitempty"`

	// Closure (INC-06). ConfirmationChannel is set when an agent recorded
	// the caller's confirmation received over that channel; it is empty
	// when the caller confirmed themselves (see Parties: the confirmer).
	CloseCode           string       `json:"close_code,omitempty"`
	Confirmation        Confirmation `json:"confirmation,omitempty"`
	ConfirmationChannel Channel      `json:"confirmation_channel,omitempty"`
	ClosedAt            time.Time    `json:"closed_at,omitzero"`

	// Cancellation and conversion (INC-17).
	CancelReason CancelReason `json:"cancel_reason,omitempty"`
	DuplicateOf  string       `json:"duplicate_of,omitempty"`
	RequestID    string       `json:"request_id,omitempty"`

	// Links by ID to other records (INC-13).
	Links []sms.Link `json:"links,omitempty"`

	// Major is the major-incident track (INC-08 to INC-12); nil until the
	// incident is first proposed as a candidate. [Incident.MajorState] reads
	// the state safely.
	Major *Major `json:"major,omitempty"`

	// Service-level timers (INC-15).
	SLA Timers `json:"sla,omitzero"`

	// Parties are the people who hold a party role on the incident, as the
	// transitions established them: the raiser ([sms.PartyRaiser], the
	// actor who logged it), the caller ([sms.PartyRequester], the reporter
	// the report named, marked as having acted when they logged it
	// themselves) and the confirmer ([sms.PartyConfirmer], the actor who
	// closed it on the caller's confirmation). [Incident.IsCaller] reads
	// them; the state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// Major is the major-incident record of an incident (INC-08 to INC-12).
type Major struct {
	State MajorState `json:"state,omitempty"`
	// ProposedReason is why it was proposed; RejectedReason why rejected.
	ProposedReason string `json:"proposed_reason,omitempty"`
	RejectedReason string `json:"rejected_reason,omitempty"`
	// CriteriaVersion and CriteriaMet record the evaluation against the
	// organisation's criteria at acceptance; OverrideReason justifies an
	// acceptance the criteria did not support.
	CriteriaVersion string   `json:"criteria_version,omitempty"`
	CriteriaMet     []string `json:"criteria_met,omitempty"`
	OverrideReason  string   `json:"override_reason,omitempty"`
	// ProcedureRef is the documented procedure followed (ID and version).
	ProcedureRef string    `json:"procedure_ref,omitempty"`
	Manager      string    `json:"manager,omitempty"`
	AcceptedAt   time.Time `json:"accepted_at,omitzero"`
	// Notifications counts top-management notifications (INC-10).
	Notifications   int       `json:"notifications,omitempty"`
	FirstNotifiedAt time.Time `json:"first_notified_at,omitzero"`
	LastNotifiedAt  time.Time `json:"last_notified_at,omitzero"`
	// ReviewDue is set on resolution (INC-12); the review fields once done.
	ReviewDue     time.Time `json:"review_due,omitzero"`
	ReviewedAt    time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy    string    `json:"reviewed_by,omitempty"`
	ReviewSummary string    `json:"review_summary,omitempty"`
	ReviewActions []string  `json:"review_actions,omitempty"`
}

// Timers are an incident's response and resolution timers (INC-15). They
// are attached when the incident is classified under a policy with targets,
// paused while on hold for a reason the policy lists, and stopped by the
// first assignment (response) and resolution (resolution). The due times
// are the policy's Calendar's working time after the report (round the
// clock without one); Paused is the working time paused so far. They are
// for display: a check of a stored incident judges INC-15 from its journal
// with the policy's servicelevel timers ([Policy.TimerDefs]), which do not
// count the time a reopened incident spent resolved.
type Timers struct {
	ResponseDue   time.Time     `json:"response_due,omitzero"`
	ResolutionDue time.Time     `json:"resolution_due,omitzero"`
	RespondedAt   time.Time     `json:"responded_at,omitzero"`
	PausedSince   time.Time     `json:"paused_since,omitzero"`
	Paused        time.Duration `json:"paused,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Incident) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (i *Incident) State() string { return string(i.Status) }

// SetState implements [sms.Entity].
func (i *Incident) SetState(s string) { i.Status = Status(s) }

// Attributes implements [sms.Entity]: the service, the assignee (or group)
// and every link, configuration items and known error included, so that
// stores can list the incidents of a problem, a change or an item.
func (i *Incident) Attributes() sms.Attributes {
	owner := i.Assignee
	if owner == "" {
		owner = i.Group
	}
	return sms.Attributes{Service: i.Service, Owner: owner, Links: i.Links}
}

// SetLinks implements [sms.LinkSetter].
func (i *Incident) SetLinks(links []sms.Link) { i.Links = links }

// Clone implements [sms.Entity].
func (i *Incident) Clone() *Incident {
	b := &incidentBlock{i: *i}
	c := &b.i
	c.ConfigItems = slices.Clone(i.ConfigItems)
	c.Links = slices.Clone(i.Links)
	c.Parties = sms.CloneInto(b.parties[:], i.Parties)
	if i.Major != nil {
		m := *i.Major
		m.CriteriaMet = slices.Clone(m.CriteriaMet)
		m.ReviewActions = slices.Clone(m.ReviewActions)
		c.Major = &m
	}
	return c
}

// incidentBlock holds an incident and room for its usual parties (who
// logged it, its caller), so that a copy of the usual incident is one
// allocation of the size class the incident alone takes (a transition
// copies the record twice); more parties, configuration items and links
// get their own.
type incidentBlock struct {
	i       Incident
	parties [2]sms.Participant
}

// MajorState returns the state of the major-incident track: MajorNone for
// an incident never proposed.
func (i *Incident) MajorState() MajorState {
	if i.Major == nil {
		return MajorNone
	}
	return i.Major.State
}

// IsCaller reports whether id is the incident's caller: the reporter the
// report named when the incident was logged (INC-01), who alone confirms or
// rejects its resolution as the caller (INC-06, INC-16).
func (i *Incident) IsCaller(id string) bool {
	if id == "" {
		return false
	}
	if callers := i.Parties.Of(sms.PartyRequester); len(callers) > 0 {
		return slices.Contains(callers, id)
	}
	return id == i.Reporter // a record logged before parties were kept
}

// major returns the major-incident record, creating it; effects only.
func (i *Incident) major() *Major {
	if i.Major == nil {
		i.Major = &Major{}
	}
	return i.Major
}

// HasLink reports whether the incident links the record.
func (i *Incident) HasLink(typ, id string) bool {
	return slices.Contains(i.Links, sms.Link{Type: typ, ID: id})
}

func (i *Incident) addLink(typ, id string) bool {
	if id == "" || i.HasLink(typ, id) {
		return false
	}
	i.Links = append(i.Links, sms.Link{Type: typ, ID: id})
	return true
}
