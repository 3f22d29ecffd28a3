package change

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kind is the entity kind of changes, as stored.
const Kind sms.Kind = "change"

// Status is a change's workflow status. The values are persisted: they are
// never renamed or reused.
type Status string

// Change statuses. Normal changes pass through all of them; standard
// changes skip assess and authorize; emergency changes skip assess.
const (
	StatusDraft       Status = "draft"
	StatusAssess      Status = "assess"
	StatusAuthorize   Status = "authorize"
	StatusScheduled   Status = "scheduled"
	StatusImplement   Status = "implement"
	StatusRemediating Status = "remediating"
	StatusReview      Status = "review"
	StatusClosed      Status = "closed"
	StatusRejected    Status = "rejected"
	StatusCancelled   Status = "cancelled"
)

// Statuses returns every status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusDraft, StatusAssess, StatusAuthorize, StatusScheduled, StatusImplement, StatusRemediating,
		StatusReview, StatusClosed, StatusRejected, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Terminal reports whether s is closed, rejected or cancelled.
func (s Status) Terminal() bool {
	return s == StatusClosed || s == StatusRejected || s == StatusCancelled
}

// Authorized reports whether a change in status s is authorized and not
// yet over: scheduled or being implemented. A host answering a release's
// change lookup (REL-12) uses it.
func (s Status) Authorized() bool { return s == StatusScheduled || s == StatusImplement }

// Trigger names a transition. The values are persisted in journals: they
// are never renamed or reused.
type Trigger string

// Change triggers; each has a typed method on [Service] and a command type.
//
// The kernel's table maps a trigger and a source status to one rule, so
// the three ways out of draft are three triggers, one per change model
// type: submit (normal: to assess), submit_emergency (emergency: to
// authorize) and submit_standard (standard: to scheduled). Each refuses a
// change whose model is of another type (CHG-02).
const (
	TriggerRaise            Trigger = "raise"
	TriggerAmend            Trigger = "amend"
	TriggerSubmit           Trigger = "submit"
	TriggerSubmitEmergency  Trigger = "submit_emergency"
	TriggerSubmitStandard   Trigger = "submit_standard"
	TriggerAssess           Trigger = "complete_assessment"
	TriggerRecordAssessment Trigger = "record_assessment"
	TriggerApprove          Trigger = "approve"
	TriggerAuthorize        Trigger = "authorize"
	TriggerReject           Trigger = "reject"
	TriggerSchedule         Trigger = "schedule"
	TriggerNotify           Trigger = "notify"
	TriggerStart            Trigger = "start_implementation"
	TriggerComplete         Trigger = "complete"
	TriggerFail             Trigger = "fail"
	TriggerRemediated       Trigger = "remediation_done"
	TriggerReview           Trigger = "review"
	TriggerClose            Trigger = "close"
	TriggerCancel           Trigger = "cancel"
	TriggerLink             Trigger = "link"
	TriggerNote             Trigger = "note"
)

// Triggers returns every trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerRaise, TriggerAmend, TriggerSubmit, TriggerSubmitEmergency, TriggerSubmitStandard,
		TriggerAssess, TriggerRecordAssessment, TriggerApprove, TriggerAuthorize, TriggerReject, TriggerSchedule,
		TriggerNotify, TriggerStart, TriggerComplete, TriggerFail, TriggerRemediated, TriggerReview, TriggerClose,
		TriggerCancel, TriggerLink, TriggerNote}
}

// Roles the change workflows accept. The host maps its own groups onto
// them; the roles that approve are the policy's (see [Model]).
const (
	// RoleRequester raises, amends, submits and cancels requests for change.
	RoleRequester sms.Role = "change_requester"
	// RoleChangeManager runs the process: assessment, authorization,
	// scheduling, notification, review and closure; it may also approve
	// under the default policy.
	RoleChangeManager sms.Role = "change_manager"
	// RoleCAB is a member of the change advisory board, who approves normal
	// changes under the default policy.
	RoleCAB sms.Role = "cab_member"
	// RoleEmergencyAuthority is the expedited change authority (ECAB or a
	// named delegate) that approves emergency changes (CHG-17).
	RoleEmergencyAuthority sms.Role = "emergency_authority"
	// RoleImplementer builds, tests and deploys a change and records its
	// outcome.
	RoleImplementer sms.Role = "change_implementer"
	// RoleServiceOwner approves transition plans (SDT-01) with the change
	// manager.
	RoleServiceOwner sms.Role = "service_owner"
)

// ChangeType says what a change does to the service portfolio (CHG-04).
// Anything but a modification goes through service design and transition
// (CHG-05).
type ChangeType string

// Change types.
const (
	TypeModify        ChangeType = "modify"
	TypeNewService    ChangeType = "new_service"
	TypeRemoveService ChangeType = "remove_service"
	TypeTransferOut   ChangeType = "transfer_out"
	TypeTransferIn    ChangeType = "transfer_in"
)

// ChangeTypes returns every change type.
func ChangeTypes() []ChangeType {
	return []ChangeType{TypeModify, TypeNewService, TypeRemoveService, TypeTransferOut, TypeTransferIn}
}

func (t ChangeType) valid() bool { return slices.Contains(ChangeTypes(), t) }

// Priority is the priority the change authority gives a change (CHG-06):
// 1 is the most urgent, 5 the least.
type Priority int

// Level rates a likelihood or an impact from 1 (lowest) to 5 (highest).
type Level int

// Outcome is how an implementation ended (CHG-12).
type Outcome string

// Implementation outcomes.
const (
	OutcomeSuccessful       Outcome = "successful"
	OutcomeSuccessfulIssues Outcome = "successful_with_issues"
	OutcomeRolledBack       Outcome = "rolled_back"
	OutcomeRemediedForward  Outcome = "remedied_forward"
	OutcomeDegradedAccepted Outcome = "degraded_accepted"
)

// CloseCode is the closing verdict on a change, derived from its outcome.
type CloseCode string

// Close codes.
const (
	CloseSuccessful       CloseCode = "successful"
	CloseSuccessfulIssues CloseCode = "successful_with_issues"
	CloseUnsuccessful     CloseCode = "unsuccessful"
)

// Link types a change uses.
const (
	LinkService        = "service"
	LinkConfigItem     = "config_item"
	LinkIncident       = "incident"
	LinkProblem        = "problem"
	LinkKnownError     = "known_error"
	LinkRelease        = "release"
	LinkChange         = "change"
	LinkTemplate       = "template"
	LinkTransitionPlan = "transition_plan"
	LinkAdvisory       = "security_advisory"
)

// LinkTypes returns the link types a [Link] command accepts. Services,
// configuration items, templates and transition plans are linked by the
// commands that name them.
func LinkTypes() []string {
	return []string{LinkIncident, LinkProblem, LinkKnownError, LinkRelease, LinkChange, LinkAdvisory}
}

// ConfigItem is a configuration item a change affects: its ID and its
// type, which decides whether it is under change control (CHG-01).
type ConfigItem struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ConfigUpdate references the update of a configuration item's record
// after deployment (CHG-15): Ref is the host's configuration-management
// record of it, such as a CMDB journal entry.
type ConfigUpdate struct {
	Item string `json:"item"`
	Ref  string `json:"ref"`
}

// Window is a planned implementation window, [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// IsZero reports whether no window is set.
func (w Window) IsZero() bool { return w.Start.IsZero() && w.End.IsZero() }

// Overlaps reports whether two windows share an instant.
func (w Window) Overlaps(o Window) bool { return w.Start.Before(o.End) && o.Start.Before(w.End) }

// Contains reports whether t falls inside the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Change is the record of one request for change through its life (ISO/IEC
// 20000-1:2018 clause 8.5.1). Its fields are written by the workflow's
// transitions only; a host reads them. Groups of fields that a change
// acquires late in its life are pointers, nil until then.
type Change struct {
	sms.Meta
	Status Status `json:"status"`
	// PolicyVersion is the change policy the change was raised and judged
	// under.
	PolicyVersion string `json:"policy_version"`

	// The request for change (CHG-04).
	Summary     string       `json:"summary"`
	Description string       `json:"description,omitempty"`
	Requester   string       `json:"requester"`
	Type        ChangeType   `json:"type,omitempty"`
	Model       string       `json:"model,omitempty"`
	ModelType   ModelType    `json:"model_type,omitempty"`
	Category    string       `json:"category,omitempty"`
	Services    []string     `json:"services,omitempty"`
	ConfigItems []ConfigItem `json:"config_items,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	// Template is the standard-change template of a standard change
	// (CHG-18); Justification why an emergency change is one (CHG-17).
	Template      string    `json:"template,omitempty"`
	Justification string    `json:"justification,omitempty"`
	SubmittedAt   time.Time `json:"submitted_at,omitzero"`

	// Major impact as evaluated against the policy's criteria (CHG-03), and
	// the transition plan it requires (CHG-05).
	MajorImpact     bool     `json:"major_impact,omitempty"`
	CriteriaVersion string   `json:"criteria_version,omitempty"`
	CriteriaMet     []string `json:"criteria_met,omitempty"`
	TransitionPlan  string   `json:"transition_plan,omitempty"`

	// RetroDue is when an emergency change's retrospective record is due
	// (CHG-17).
	RetroDue time.Time `json:"retro_due,omitzero"`

	Assessment  *Assessment      `json:"assessment,omitempty"`
	Remediation *RemediationPlan `json:"remediation,omitempty"`
	Authority   *Authority       `json:"authority,omitempty"`
	Schedule    *Schedule        `json:"schedule,omitempty"`
	Work        *Work            `json:"work,omitempty"`
	Review      *Review          `json:"review,omitempty"`

	// Closure (CHG-13, CHG-15), rejection and cancellation (CHG-20).
	CloseCode      CloseCode      `json:"close_code,omitempty"`
	ClosedAt       time.Time      `json:"closed_at,omitzero"`
	ConfigUpdates  []ConfigUpdate `json:"config_updates,omitempty"`
	NoConfigImpact bool           `json:"no_config_impact,omitempty"`
	RejectReason   string         `json:"reject_reason,omitempty"`
	CancelReason   string         `json:"cancel_reason,omitempty"`

	// Links are every record the change names by ID: its services and
	// configuration items, its template or transition plan, and the
	// incidents, problems, known errors and releases linked to it.
	Links []sms.Link `json:"links,omitempty"`

	// Parties are who holds each party role segregation of duties compares
	// (CHG-19), acting or named: the requester is the person the request
	// names and every actor who raised or submitted it; the implementer is
	// each person a schedule named and every actor who started, completed
	// or failed the implementation; each approver is an actor who approved.
	// The state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// Assessment is a change's assessment (CHG-07, CHG-08): its risk, the
// business benefit, feasibility and cost, and its impact on the five
// dimensions the standard names.
type Assessment struct {
	Likelihood  Level  `json:"likelihood"`
	Impact      Level  `json:"impact"`
	RiskScore   int    `json:"risk_score"`
	Benefit     string `json:"benefit"`
	Feasibility string `json:"feasibility"`
	Cost        string `json:"cost"`
	// ExpectedOutage says the change takes a service down while it is
	// implemented; it feeds the major-impact criteria (CHG-03).
	ExpectedOutage bool             `json:"expected_outage,omitempty"`
	Dimensions     ImpactAssessment `json:"dimensions"`
	// Retrospective is true when it was recorded after the fact, for an
	// emergency change (CHG-17).
	Retrospective bool      `json:"retrospective,omitempty"`
	AssessedBy    string    `json:"assessed_by"`
	AssessedAt    time.Time `json:"assessed_at"`
}

// ImpactAssessment answers the five impact dimensions of CHG-08. Each
// dimension says whether it is affected and, either way, why.
type ImpactAssessment struct {
	// Services: existing services.
	Services Dimension `json:"services"`
	// Parties: customers, users and other interested parties.
	Parties Dimension `json:"parties"`
	// Plans: the service management policies and plans.
	Plans Dimension `json:"plans"`
	// Capacity: capacity, availability, continuity and information
	// security.
	Capacity Dimension `json:"capacity"`
	// Schedule: other changes, releases and deployment plans.
	Schedule Dimension `json:"schedule"`
}

// Dimension is one answered impact dimension.
type Dimension struct {
	Affected bool   `json:"affected"`
	Notes    string `json:"notes"`
}

// Answered reports whether the dimension was assessed: its notes say why it
// is or is not affected.
func (d Dimension) Answered() bool { return !sms.Blank(d.Notes) }

// Complete reports whether all five dimensions are answered.
func (a ImpactAssessment) Complete() bool {
	return a.Services.Answered() && a.Parties.Answered() && a.Plans.Answered() && a.Capacity.Answered() && a.Schedule.Answered()
}

// RemediationPlan says how a failed change is reversed or remedied
// (CHG-11): tested, or why it could not be.
type RemediationPlan struct {
	Plan          string `json:"plan"`
	Tested        bool   `json:"tested,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// Ready reports whether the plan exists and is tested or justified.
func (r RemediationPlan) Ready() bool {
	return !sms.Blank(r.Plan) && (r.Tested || !sms.Blank(r.Justification))
}

// Authority is the change authority's decision on a change (CHG-06,
// CHG-19): each approver's decision with its rationale, the priority and
// the time the change was authorized.
type Authority struct {
	Approvals    []sms.Approval `json:"approvals,omitempty"`
	Priority     Priority       `json:"priority,omitempty"`
	Minutes      string         `json:"minutes,omitempty"`
	AuthorizedBy string         `json:"authorized_by,omitempty"`
	AuthorizedAt time.Time      `json:"authorized_at,omitzero"`
}

// Schedule is a change's planned implementation (CHG-10): the window, the
// plan, who implements it, who is told, and which scheduling conflicts
// were acknowledged (CHG-08).
type Schedule struct {
	Window      Window   `json:"window"`
	Plan        string   `json:"plan"`
	Implementer string   `json:"implementer"`
	Parties     []string `json:"parties"`
	// Conflicts lists the other changes scheduled on the same service or
	// configuration item in an overlapping window, each acknowledged.
	Conflicts   []string  `json:"conflicts,omitempty"`
	ScheduledAt time.Time `json:"scheduled_at"`
	// Revisions counts reschedules; each one needs a new notification.
	Revisions  int       `json:"revisions,omitempty"`
	NotifiedAt time.Time `json:"notified_at,omitzero"`
}

// Work is the implementation of a change and its outcome (CHG-09, CHG-12).
type Work struct {
	StartedAt    time.Time `json:"started_at"`
	StartedBy    string    `json:"started_by"`
	Verification string    `json:"verification"`
	// TestResult, or TestSkipped: why testing was not possible.
	TestResult  string `json:"test_result,omitempty"`
	TestSkipped string `json:"test_skipped,omitempty"`
	// Override justifies starting outside the planned window.
	Override string    `json:"override,omitempty"`
	EndedAt  time.Time `json:"ended_at,omitzero"`
	Outcome  Outcome   `json:"outcome,omitempty"`
	Notes    string    `json:"notes,omitempty"`
	// A failed change: why, when, and how it was remedied (CHG-12).
	FailureReason string    `json:"failure_reason,omitempty"`
	FailedAt      time.Time `json:"failed_at,omitzero"`
	Remediation   Outcome   `json:"remediation,omitempty"`
	RemediatedAt  time.Time `json:"remediated_at,omitzero"`
	// DegradedAcceptedBy approved accepting a degraded service.
	DegradedAcceptedBy string `json:"degraded_accepted_by,omitempty"`
}

// Failed reports whether the implementation failed.
func (w *Work) Failed() bool { return w != nil && w.FailureReason != "" }

// Review is the post-implementation review (CHG-13).
type Review struct {
	ObjectivesMet   bool       `json:"objectives_met"`
	Summary         string     `json:"summary"`
	IncidentsCaused []string   `json:"incidents_caused,omitempty"`
	UnplannedOutage bool       `json:"unplanned_outage,omitempty"`
	Actions         []FollowUp `json:"actions,omitempty"`
	ReviewedBy      string     `json:"reviewed_by"`
	ReviewedAt      time.Time  `json:"reviewed_at"`
}

// FollowUp is an action a review agreed, with its owner and the interested
// parties who agreed it (CHG-13).
type FollowUp struct {
	Action     string `json:"action"`
	Owner      string `json:"owner"`
	AgreedWith string `json:"agreed_with"`
}

// EntityKind implements [sms.Entity].
func (*Change) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (c *Change) State() string { return string(c.Status) }

// SetState implements [sms.Entity].
func (c *Change) SetState(s string) { c.Status = Status(s) }

// Attributes implements [sms.Entity]: the first affected service, the
// implementer once scheduled, and every link (each service and
// configuration item among them), so that stores list the changes of a
// service, an item, a problem or a release.
func (c *Change) Attributes() sms.Attributes {
	a := sms.Attributes{Links: c.Links}
	if len(c.Services) > 0 {
		a.Service = c.Services[0]
	}
	if c.Schedule != nil {
		a.Owner = c.Schedule.Implementer
	}
	return a
}

// changeBlock holds a change, the groups it carries from assessment to
// implementation, and room for the usual lengths of its lists, so that a
// clone costs one allocation: copying the entity twice per transition (one
// copy to change, one to keep) is the largest cost of a transition, and the
// bytes it allocates drive it. Longer lists, and the groups of the end of
// its life (work and review), get allocations of their own.
type changeBlock struct {
	c         Change
	as        Assessment
	rp        RemediationPlan
	au        Authority
	sc        Schedule
	services  [2]string
	items     [2]ConfigItem
	links     [6]sms.Link
	approvals [2]sms.Approval
	parties   [3]string
	roles     [4]sms.Participant
}

// SetLinks implements [sms.LinkSetter].
func (c *Change) SetLinks(links []sms.Link) { c.Links = links }

// Clone implements [sms.Entity].
func (c *Change) Clone() *Change {
	b := &changeBlock{c: *c}
	n := &b.c
	if c.Assessment != nil {
		b.as = *c.Assessment
		n.Assessment = &b.as
	}
	if c.Remediation != nil {
		b.rp = *c.Remediation
		n.Remediation = &b.rp
	}
	if c.Authority != nil {
		b.au = *c.Authority
		b.au.Approvals = sms.CloneInto(b.approvals[:], c.Authority.Approvals)
		n.Authority = &b.au
	}
	if c.Schedule != nil {
		b.sc = *c.Schedule
		b.sc.Parties = sms.CloneInto(b.parties[:], c.Schedule.Parties)
		b.sc.Conflicts = slices.Clone(c.Schedule.Conflicts)
		n.Schedule = &b.sc
	}
	if c.Work != nil {
		w := *c.Work
		n.Work = &w
	}
	if c.Review != nil {
		r := *c.Review
		r.IncidentsCaused = slices.Clone(c.Review.IncidentsCaused)
		r.Actions = slices.Clone(c.Review.Actions)
		n.Review = &r
	}
	n.Services = sms.CloneInto(b.services[:], c.Services)
	n.ConfigItems = sms.CloneInto(b.items[:], c.ConfigItems)
	n.Links = sms.CloneInto(b.links[:], c.Links)
	n.Parties = sms.CloneInto(b.roles[:], c.Parties)
	n.CriteriaMet = slices.Clone(c.CriteriaMet)
	n.ConfigUpdates = slices.Clone(c.ConfigUpdates)
	return n
}

// HasLink reports whether the change links the record.
func (c *Change) HasLink(typ, id string) bool {
	return slices.Contains(c.Links, sms.Link{Type: typ, ID: id})
}

// LinkIDs returns the IDs of the change's links of one type, in order.
func (c *Change) LinkIDs(typ string) []string {
	var out []string
	for _, l := range c.Links {
		if l.Type == typ {
			out = append(out, l.ID)
		}
	}
	return out
}

func (c *Change) addLink(typ, id string) bool {
	if id == "" || c.HasLink(typ, id) {
		return false
	}
	c.Links = append(c.Links, sms.Link{Type: typ, ID: id})
	return true
}

func (c *Change) removeLinks(typ string) {
	c.Links = slices.DeleteFunc(c.Links, func(l sms.Link) bool { return l.Type == typ })
}

// Implementer returns who implements the change, once it is scheduled.
func (c *Change) Implementer() string {
	if c.Schedule == nil {
		return ""
	}
	return c.Schedule.Implementer
}

// Failed reports whether the change's implementation failed.
func (c *Change) Failed() bool { return c.Work.Failed() }

// participants returns who holds each party role on the change: its
// recorded Parties and, for a record stored before they were kept, the
// requester, the implementer (named and acting) and the approvers its
// fields name.
func (c *Change) participants() sms.Participants {
	ps := c.Parties.Clone()
	ps.Add(sms.PartyRequester, c.Requester, false)
	ps.Add(sms.PartyImplementer, c.Implementer(), false)
	if c.Work != nil {
		ps.Add(sms.PartyImplementer, c.Work.StartedBy, true)
	}
	if c.Authority != nil {
		for _, ap := range c.Authority.Approvals {
			if ap.Decision == sms.Approve {
				ps.Add(sms.PartyApprover, ap.Approver, true)
			}
		}
	}
	return ps
}

// approver reports whether id approved the change.
func (c *Change) approver(id string) bool {
	return id != "" && (c.Parties.Has(sms.PartyApprover, id) || approvedBy(c, id))
}

// Approvals returns the decisions recorded so far.
func (c *Change) Approvals() []sms.Approval {
	if c.Authority == nil {
		return nil
	}
	return slices.Clone(c.Authority.Approvals)
}

func (c *Change) authority() *Authority {
	if c.Authority == nil {
		c.Authority = &Authority{}
	}
	return c.Authority
}

func (c *Change) work() *Work {
	if c.Work == nil {
		c.Work = &Work{}
	}
	return c.Work
}
