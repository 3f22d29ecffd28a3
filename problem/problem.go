package problem

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// Kinds of the entities this package stores.
const (
	// Kind is the entity kind of problems.
	Kind sms.Kind = "problem"
	// KnownErrorKind is the entity kind of known errors.
	KnownErrorKind sms.Kind = "known_error"
)

// Status is a problem's workflow status. The values are persisted: they are
// never renamed or reused.
type Status string

// Problem statuses.
const (
	StatusNew           Status = "new"
	StatusAssessed      Status = "assessed"
	StatusRCA           Status = "rca"
	StatusKnownError    Status = "known_error"
	StatusFixInProgress Status = "fix_in_progress"
	StatusResolved      Status = "resolved"
	StatusClosed        Status = "closed"
	StatusCancelled     Status = "cancelled"
)

// Statuses returns every problem status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusNew, StatusAssessed, StatusRCA, StatusKnownError, StatusFixInProgress, StatusResolved, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Open reports whether work on the problem goes on (new to fix in
// progress).
func (s Status) Open() bool {
	switch s {
	case StatusNew, StatusAssessed, StatusRCA, StatusKnownError, StatusFixInProgress:
		return true
	}
	return false
}

// Trigger names a problem transition. The values are persisted in journals:
// they are never renamed or reused.
type Trigger string

// Problem triggers; each has a typed method on [Service] and a command type.
const (
	TriggerLog                   Trigger = "log"
	TriggerClassify              Trigger = "classify"
	TriggerAssess                Trigger = "assess"
	TriggerStartRCA              Trigger = "start_rca"
	TriggerAnalyse               Trigger = "record_root_cause"
	TriggerDeclareKnownError     Trigger = "declare_known_error"
	TriggerStartFix              Trigger = "start_fix"
	TriggerRequestRiskAcceptance Trigger = "request_risk_acceptance"
	TriggerApproveRisk           Trigger = "approve_risk"
	TriggerResolve               Trigger = "resolve"
	TriggerRecur                 Trigger = "recur"
	TriggerClose                 Trigger = "close"
	TriggerCancel                Trigger = "cancel"
	TriggerEscalate              Trigger = "escalate"
	TriggerRecordAction          Trigger = "record_action"
	TriggerLink                  Trigger = "link"
	TriggerPropagate             Trigger = "propagate"
	TriggerNote                  Trigger = "note"
)

// Triggers returns every problem trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerLog, TriggerClassify, TriggerAssess, TriggerStartRCA, TriggerAnalyse, TriggerDeclareKnownError,
		TriggerStartFix, TriggerRequestRiskAcceptance, TriggerApproveRisk, TriggerResolve, TriggerRecur, TriggerClose,
		TriggerCancel, TriggerEscalate, TriggerRecordAction, TriggerLink, TriggerPropagate, TriggerNote}
}

// KEStatus is a known error's workflow status; persisted.
type KEStatus string

// Known-error statuses.
const (
	KEDraft     KEStatus = "draft"
	KEPublished KEStatus = "published"
	KERetired   KEStatus = "retired"
)

// KEStatuses returns every known-error status, in lifecycle order.
func KEStatuses() []KEStatus { return []KEStatus{KEDraft, KEPublished, KERetired} }

// Valid reports whether s is a known status.
func (s KEStatus) Valid() bool { return slices.Contains(KEStatuses(), s) }

// KETrigger names a known-error transition; persisted.
type KETrigger string

// Known-error triggers.
const (
	KETriggerRecord  KETrigger = "record"
	KETriggerRevise  KETrigger = "revise"
	KETriggerPublish KETrigger = "publish"
	KETriggerReview  KETrigger = "review"
	KETriggerRetire  KETrigger = "retire"
	KETriggerNote    KETrigger = "note"
)

// KETriggers returns every known-error trigger, the creating one first.
func KETriggers() []KETrigger {
	return []KETrigger{KETriggerRecord, KETriggerRevise, KETriggerPublish, KETriggerReview, KETriggerRetire, KETriggerNote}
}

// Roles the problem and known-error workflows accept.
const (
	// RoleAnalyst logs, classifies and investigates problems and drafts
	// known errors.
	RoleAnalyst sms.Role = "problem_analyst"
	// RoleProblemManager may do everything, and is one of the two
	// approvers of a risk acceptance.
	RoleProblemManager sms.Role = "problem_manager"
	// RoleServiceOwner owns the affected service: the other approver of a
	// risk acceptance.
	RoleServiceOwner sms.Role = "service_owner"
)

// Source says how a problem was found (PRB-01, PRB-14).
type Source string

// Problem sources.
const (
	SourceReactive      Source = "reactive"
	SourceTrend         Source = "trend"
	SourceProactive     Source = "proactive"
	SourceMajorIncident Source = "major_incident"
)

// ResolutionType says how a problem was resolved (PRB-06).
type ResolutionType string

// Resolution types.
const (
	// FixApplied: a change removed the cause; the change must be reported
	// closed successful.
	FixApplied ResolutionType = "fix_applied"
	// RiskAccepted: the organisation lives with the cause, approved by a
	// problem manager and the service owner, two people, neither a
	// requester of the acceptance.
	RiskAccepted ResolutionType = "risk_accepted"
	// Duplicate: another problem covers it.
	Duplicate ResolutionType = "duplicate"
	// CannotReproduce: the failure could not be reproduced.
	CannotReproduce ResolutionType = "cannot_reproduce"
)

// CancelReason justifies a cancellation.
type CancelReason string

// Cancellation reasons.
const (
	CancelDuplicate     CancelReason = "duplicate"
	CancelNotAProblem   CancelReason = "not_a_problem"
	CancelRaisedInError CancelReason = "raised_in_error"
)

// Link types a problem or known error uses.
const (
	LinkIncident    = "incident"
	LinkConfigItem  = "config_item"
	LinkChange      = "change"
	LinkKnownError  = "known_error"
	LinkDuplicateOf = "duplicate_of"
	LinkProblem     = "problem"
	LinkService     = "service"
	LinkSymptom     = "symptom"
)

// LinkTypes returns the link types a [Link] command accepts.
func LinkTypes() []string { return []string{LinkIncident, LinkConfigItem, LinkChange} }

// Problem is the record of the cause of one or more incidents (ISO/IEC
// 20000-1:2018 clause 8.6.3). Its fields are written by the workflow's
// transitions only; a host reads them.
type Problem struct {
	sms.Meta
	Status Status `json:"status"`

	// Logged (PRB-03).
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	Service     string `json:"service"`
	Source      Source `json:"source"`
	LoggedBy    string `json:"logged_by"`

	// Classification and priority (PRB-03, PRB-04).
	Category      string   `json:"category,omitempty"`
	Impact        Level    `json:"impact,omitempty"`
	Urgency       Level    `json:"urgency,omitempty"`
	Priority      Priority `json:"priority,omitempty"`
	MatrixVersion string   `json:"matrix_version,omitempty"`

	// Ownership: the owner from assessment, the investigator from the
	// start of root-cause analysis.
	Owner        string `json:"owner,omitempty"`
	Investigator string `json:"investigator,omitempty"`

	// Escalation (PRB-05) and actions taken (PRB-08).
	EscalationLevel int `json:"escalation_level,omitempty"`
	Actions         int `json:"actions,omitempty"`

	// Analysis is the root-cause analysis (PRB-02); nil until recorded.
	Analysis *Analysis `json:"analysis,omitempty"`

	// Symptoms, workaround and mitigation (PRB-10), and the current known
	// error's ID (PRB-11).
	Symptoms   []string `json:"symptoms,omitempty"`
	Workaround string   `json:"workaround,omitempty"`
	Mitigation []string `json:"mitigation,omitempty"`
	KnownError string   `json:"known_error,omitempty"`

	// Change is the change that carries the fix (PRB-09); ChangeOutcome is
	// the outcome the host reported for it when the problem was resolved.
	Change        string        `json:"change,omitempty"`
	ChangeOutcome ChangeOutcome `json:"change_outcome,omitempty"`

	// Risk is the risk acceptance under way or granted (PRB-06); nil until
	// requested.
	Risk *RiskAcceptance `json:"risk,omitempty"`

	// Resolution (PRB-06) and the observation window (PRB-07).
	Resolution      ResolutionType `json:"resolution,omitempty"`
	ResolutionNotes string         `json:"resolution_notes,omitempty"`
	DuplicateOf     string         `json:"duplicate_of,omitempty"`
	ResolvedAt      time.Time      `json:"resolved_at,omitzero"`
	ObserveUntil    time.Time      `json:"observe_until,omitzero"`
	Recurrences     int            `json:"recurrences,omitempty"`
	ClosedAt        time.Time      `json:"closed_at,omitzero"`

	// Cancellation.
	CancelReason CancelReason `json:"cancel_reason,omitempty"`

	// Informed lists each communication of a workaround or fix to a linked
	// incident (PRB-15).
	Informed []Notice `json:"informed,omitempty"`

	// Links by ID: incidents, configuration items, changes, known errors.
	Links []sms.Link `json:"links,omitempty"`

	// Parties are the people who hold a party role on the problem, as the
	// transitions that established them recorded them: the raiser (the
	// acting actor of log) and every requester of a risk acceptance (the
	// acting actor of each request_risk_acceptance). Segregation of duties
	// keeps all of them from approving a risk acceptance (PRB-06); the
	// state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// Analysis is a problem's root-cause analysis (PRB-02).
type Analysis struct {
	RootCause           string   `json:"root_cause,omitempty"`
	Method              string   `json:"method,omitempty"`
	ContributingFactors []string `json:"contributing_factors,omitempty"`
	PreventiveActions   []string `json:"preventive_actions,omitempty"`
	// Undeterminable records that the cause could not be found;
	// Justification says why. It allows resolving and closing, never a
	// known error or a fix.
	Undeterminable bool      `json:"undeterminable,omitempty"`
	Justification  string    `json:"justification,omitempty"`
	RecordedAt     time.Time `json:"recorded_at"`
	RecordedBy     string    `json:"recorded_by"`
}

// RiskAcceptance is the request to live with a problem's cause and its
// approvals (PRB-06). RequestedBy and each approval's Approver are the
// acting actors of those transitions.
type RiskAcceptance struct {
	RequestedBy string         `json:"requested_by"`
	RequestedAt time.Time      `json:"requested_at"`
	Rationale   string         `json:"rationale"`
	Approvals   []sms.Approval `json:"approvals,omitempty"`
}

// Notice is one communication of a workaround or fix to an incident
// (PRB-15).
type Notice struct {
	Incident string            `json:"incident"`
	Kind     CommunicationKind `json:"kind"`
	At       time.Time         `json:"at"`
}

// EntityKind implements [sms.Entity].
func (*Problem) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (p *Problem) State() string { return string(p.Status) }

// SetState implements [sms.Entity].
func (p *Problem) SetState(s string) { p.Status = Status(s) }

// Attributes implements [sms.Entity]: the service, the owner (or the
// investigator before assessment names one) and every link, so that stores
// list the problems of an incident, a change or a configuration item.
func (p *Problem) Attributes() sms.Attributes {
	owner := p.Owner
	if owner == "" {
		owner = p.Investigator
	}
	return sms.Attributes{Service: p.Service, Owner: owner, Links: p.Links}
}

// SetLinks implements [sms.LinkSetter].
func (p *Problem) SetLinks(links []sms.Link) { p.Links = links }

// Clone implements [sms.Entity]. The string lists share one allocation,
// each capped at its length, so that appending to one never writes into
// another.
func (p *Problem) Clone() *Problem {
	c := *p
	c.Links = slices.Clone(p.Links)
	c.Informed = slices.Clone(p.Informed)
	if p.Analysis != nil {
		a := *p.Analysis
		c.Analysis = &a
		cloneStrings(&c.Symptoms, &c.Mitigation, &a.ContributingFactors, &a.PreventiveActions)
	} else {
		cloneStrings(&c.Symptoms, &c.Mitigation)
	}
	if p.Risk != nil {
		r := *p.Risk
		r.Approvals = slices.Clone(r.Approvals)
		c.Risk = &r
	}
	c.Parties = p.Parties.Clone()
	return &c
}

// cloneStrings replaces each list by a copy, all copies in one backing
// array; nil stays nil.
func cloneStrings(lists ...*[]string) {
	n := 0
	for _, l := range lists {
		n += len(*l)
	}
	if n == 0 {
		for _, l := range lists {
			if *l != nil {
				*l = (*l)[:0:0] // empty, sharing no capacity
			}
		}
		return
	}
	buf := make([]string, n)
	for _, l := range lists {
		if *l == nil {
			continue
		}
		k := copy(buf, *l)
		*l = buf[:k:k]
		buf = buf[k:]
	}
}

// RootCause returns the recorded root cause, or "" when none is known.
func (p *Problem) RootCause() string {
	if p.Analysis == nil {
		return ""
	}
	return p.Analysis.RootCause
}

// causeKnown reports whether a root cause is recorded (PRB-02).
func (p *Problem) causeKnown() bool {
	return p.Analysis != nil && strings.TrimSpace(p.Analysis.RootCause) != "" && !p.Analysis.Undeterminable
}

// causeAccounted reports whether a root cause is recorded or justified as
// undeterminable (PRB-02).
func (p *Problem) causeAccounted() bool {
	if p.Analysis == nil {
		return false
	}
	return p.causeKnown() || (p.Analysis.Undeterminable && strings.TrimSpace(p.Analysis.Justification) != "")
}

// hasRemedy reports whether a workaround or a mitigation plan is recorded
// (PRB-10).
func hasRemedy(workaround string, mitigation []string) bool {
	if strings.TrimSpace(workaround) != "" {
		return true
	}
	for _, m := range mitigation {
		if strings.TrimSpace(m) != "" {
			return true
		}
	}
	return false
}

// HasLink reports whether the problem links the record.
func (p *Problem) HasLink(typ, id string) bool {
	return slices.Contains(p.Links, sms.Link{Type: typ, ID: id})
}

// Incidents returns the IDs of the linked incidents, in link order.
func (p *Problem) Incidents() []string {
	var out []string
	for _, l := range p.Links {
		if l.Type == LinkIncident {
			out = append(out, l.ID)
		}
	}
	return out
}

// WasInformed reports whether the incident was informed of the kind of
// communication.
func (p *Problem) WasInformed(incident string, k CommunicationKind) bool {
	for _, n := range p.Informed {
		if n.Incident == incident && n.Kind == k {
			return true
		}
	}
	return false
}

func (p *Problem) addLink(typ, id string) bool {
	if id == "" || p.HasLink(typ, id) {
		return false
	}
	p.Links = append(p.Links, sms.Link{Type: typ, ID: id})
	return true
}

// KnownError is a problem whose root cause is known and whose impact a
// workaround or mitigation reduces (PRB-10 to PRB-12). It is an entity of
// its own, with its own lifecycle: drafted when the problem is declared a
// known error, published to be found by symptom, service or configuration
// item, reviewed at an interval, retired when a fix removes the cause.
type KnownError struct {
	sms.Meta
	Status KEStatus `json:"status"`

	// Problem is the ID of the problem it comes from.
	Problem     string   `json:"problem"`
	Title       string   `json:"title"`
	Symptoms    []string `json:"symptoms,omitempty"`
	RootCause   string   `json:"root_cause"`
	Workaround  string   `json:"workaround,omitempty"`
	Mitigation  []string `json:"mitigation,omitempty"`
	Services    []string `json:"services,omitempty"`
	ConfigItems []string `json:"config_items,omitempty"`

	PublishedAt time.Time `json:"published_at,omitzero"`
	ReviewedAt  time.Time `json:"reviewed_at,omitzero"`
	Reviews     int       `json:"reviews,omitempty"`
	RetiredAt   time.Time `json:"retired_at,omitzero"`
	RetireNote  string    `json:"retire_note,omitempty"`
	// Fix is the change that removed the cause, when retired for a fix.
	Fix string `json:"fix,omitempty"`

	// Links: the problem, each service, each configuration item and each
	// symptom's normalised key ([SymptomKey]), so that stores find it.
	Links []sms.Link `json:"links,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*KnownError) EntityKind() sms.Kind { return KnownErrorKind }

// State implements [sms.Entity].
func (k *KnownError) State() string { return string(k.Status) }

// SetState implements [sms.Entity].
func (k *KnownError) SetState(s string) { k.Status = KEStatus(s) }

// Attributes implements [sms.Entity]: the first service and every link,
// symptoms included, so that List finds known errors by symptom, service or
// configuration item.
func (k *KnownError) Attributes() sms.Attributes {
	svc := ""
	if len(k.Services) > 0 {
		svc = k.Services[0]
	}
	return sms.Attributes{Service: svc, Links: k.Links}
}

// SetLinks implements [sms.LinkSetter].
func (k *KnownError) SetLinks(links []sms.Link) { k.Links = links }

// Clone implements [sms.Entity].
func (k *KnownError) Clone() *KnownError {
	c := *k
	cloneStrings(&c.Symptoms, &c.Mitigation, &c.Services, &c.ConfigItems)
	c.Links = slices.Clone(k.Links)
	return &c
}

// relink rebuilds the links from the known error's fields.
func (k *KnownError) relink() {
	k.Links = k.Links[:0:0]
	add := func(typ, id string) {
		l := sms.Link{Type: typ, ID: id}
		if id != "" && !slices.Contains(k.Links, l) {
			k.Links = append(k.Links, l)
		}
	}
	add(LinkProblem, k.Problem)
	for _, s := range k.Services {
		add(LinkService, s)
	}
	for _, ci := range k.ConfigItems {
		add(LinkConfigItem, ci)
	}
	for _, s := range k.Symptoms {
		add(LinkSymptom, SymptomKey(s))
	}
}

// SymptomKey normalises a symptom for lookup: lower case, runs of white
// space and punctuation folded to one space, trimmed, cut to at most 128
// bytes on a character boundary. Two descriptions of the same symptom that
// differ only in case, spacing or punctuation get the same key.
func SymptomKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	out := b.String()
	for len(out) > sms.MaxIDLen {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return strings.TrimSpace(out)
}
