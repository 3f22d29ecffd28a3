package servicelevel

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// AgreementKind is the entity kind of agreements, as stored.
const AgreementKind sms.Kind = "agreement"

// AgreementStatus is an agreement's status; the values are persisted.
type AgreementStatus string

// Agreement statuses.
const (
	StatusDraft       AgreementStatus = "draft"
	StatusNegotiating AgreementStatus = "negotiating"
	StatusActive      AgreementStatus = "active"
	StatusUnderReview AgreementStatus = "under_review"
	StatusSuperseded  AgreementStatus = "superseded"
	StatusExpired     AgreementStatus = "expired"
	StatusTerminated  AgreementStatus = "terminated"
)

// AgreementStatuses returns every status, in lifecycle order.
func AgreementStatuses() []AgreementStatus {
	return []AgreementStatus{StatusDraft, StatusNegotiating, StatusActive, StatusUnderReview, StatusSuperseded, StatusExpired, StatusTerminated}
}

// AgreementTrigger names a transition of an agreement; the values are
// persisted.
type AgreementTrigger string

// Agreement triggers.
const (
	TriggerDraft     AgreementTrigger = "draft"
	TriggerRevise    AgreementTrigger = "revise"
	TriggerPropose   AgreementTrigger = "propose"
	TriggerSign      AgreementTrigger = "sign"
	TriggerActivate  AgreementTrigger = "activate"
	TriggerReview    AgreementTrigger = "review"
	TriggerConclude  AgreementTrigger = "conclude"
	TriggerSupersede AgreementTrigger = "supersede"
	TriggerExpire    AgreementTrigger = "expire"
	TriggerTerminate AgreementTrigger = "terminate"
	TriggerNote      AgreementTrigger = "note"
	TriggerReport    AgreementTrigger = "report"
)

// AgreementTriggers returns every trigger, the creating one first.
func AgreementTriggers() []AgreementTrigger {
	return []AgreementTrigger{TriggerDraft, TriggerRevise, TriggerPropose, TriggerSign, TriggerActivate, TriggerReview,
		TriggerConclude, TriggerSupersede, TriggerExpire, TriggerTerminate, TriggerNote, TriggerReport}
}

// Roles the agreement workflow accepts.
const (
	// RoleLevelManager drafts, negotiates, signs for the provider, reviews
	// and ends agreements.
	RoleLevelManager sms.Role = "service_level_manager"
	// RoleCustomer signs for the customer (or, for an internal agreement,
	// the internal supplier).
	RoleCustomer sms.Role = "customer"
)

// Type says whose agreement it is.
type Type string

// Agreement types.
const (
	// SLA is a service level agreement with a customer.
	SLA Type = "sla"
	// OLA is an agreement with an internal supplier, or a customer acting
	// as one (SLM-07).
	OLA Type = "ola"
)

// Side is a party that signs an agreement.
type Side string

// Sides.
const (
	SideCustomer Side = "customer" // the customer, or the internal supplier of an OLA
	SideProvider Side = "provider" // the organisation
)

// Requirements returns the service level management requirements the
// package enforces, in the project's own words: the agreement workflow's
// catalogue.
func Requirements() []sms.Requirement {
	return []sms.Requirement{
		{ID: "SLM-01", Clause: "8.3.3", Text: "the organisation and the customer agree the services delivered, and the agreement's evidence is recorded"},
		{ID: "SLM-03", Clause: "8.3.3", Text: "each agreement contains service level targets, workload limits and exceptions, and is signed off"},
		{ID: "SLM-02", Clause: "8.3.3", Text: "every service delivered to a customer has an agreement in force"},
		{ID: "SLM-04", Clause: "8.3.3", Text: "performance against the agreement is reported each period and reviewed, and the review's conclusions recorded"},
		{ID: "SLM-05", Clause: "8.3.3", Text: "the workload is monitored against the agreed workload limits"},
		{ID: "SLM-06", Clause: "8.3.3", Text: "where targets are missed or workload limits exceeded, improvement opportunities are identified"},
		{ID: "SLM-07", Clause: "8.3.4.2", Text: "an internal agreement documents the activities and interfaces between the parties"},
		{ID: "SLM-11", Clause: "8.5.1", Text: "agreements are controlled: amendments are new versions, the old in force until the new is active"},
	}
}

// Evidence is the record the agreement exists in: a signed document, the
// minutes of a meeting, an e-mail, accepted terms (SLM-01).
type Evidence struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// Target is one service level target: the metric, the objective as
// agreed ("4h" resolution, "99.5%" availability), the calendar it counts
// in (a calendar ID, "name@version") and the priorities it applies to
// (none: all).
type Target struct {
	Metric     string   `json:"metric"`
	Objective  string   `json:"objective"`
	Calendar   string   `json:"calendar"`
	Priorities []string `json:"priorities,omitempty"`
	// Chain names the targets of internal agreements (or contracts) that
	// underpin this one, in the order they run: each starts when the one
	// before it is due (SLM-09, see [Align]).
	Chain []TargetRef `json:"chain,omitempty"`
}

// TargetRef names a target of another agreement: its metric, and its
// priorities when the agreement has several targets of the metric.
type TargetRef struct {
	Agreement  string   `json:"agreement"`
	Metric     string   `json:"metric"`
	Priorities []string `json:"priorities,omitempty"`
}

func (t Target) clone() Target {
	t.Priorities = slices.Clone(t.Priorities)
	t.Chain = slices.Clone(t.Chain)
	for i := range t.Chain {
		t.Chain[i].Priorities = slices.Clone(t.Chain[i].Priorities)
	}
	return t
}

// Limit is a workload limit: at most Max of Metric per Window.
type Limit struct {
	Metric string `json:"metric"`
	Max    int64  `json:"max"`
	Window string `json:"window"`
}

// Exception is an agreed exception: a maintenance window, an exclusion.
type Exception struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Declaration records that a list was declared empty, by whom and when
// (the clarifications of SLM-03: "none" is an explicit value).
type Declaration struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// SignOff is one party's sign-off.
type SignOff struct {
	Side   Side      `json:"side"`
	Person string    `json:"person"`
	At     time.Time `json:"at"`
}

// Agreement is a service level agreement or an internal agreement: one
// edition of it. An amendment is a new edition, a record of its own that
// names the one it amends; the old stays active until the new activates
// and supersedes it (SLM-11).
type Agreement struct {
	sms.Meta
	Status   AgreementStatus `json:"status"`
	Type     Type            `json:"type"`
	Title    string          `json:"title"`
	Customer string          `json:"customer"`
	Services []string        `json:"services"`
	Evidence Evidence        `json:"evidence"`
	// RequirementsRef names the documented service requirements the
	// agreement is based on.
	RequirementsRef string       `json:"requirements_ref,omitempty"`
	Targets         []Target     `json:"targets,omitempty"`
	Limits          []Limit      `json:"limits,omitempty"`
	NoLimits        *Declaration `json:"no_limits,omitempty"`
	Exceptions      []Exception  `json:"exceptions,omitempty"`
	NoExceptions    *Declaration `json:"no_exceptions,omitempty"`
	// Activities and Interfaces are an internal agreement's (SLM-07).
	Activities []string  `json:"activities,omitempty"`
	Interfaces []string  `json:"interfaces,omitempty"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	// Edition counts the agreement's versions from 1; Amends names the
	// edition this one amends, SupersededBy the one that replaced it.
	Edition      int       `json:"edition"`
	Amends       string    `json:"amends,omitempty"`
	SupersededBy string    `json:"superseded_by,omitempty"`
	SignOffs     []SignOff `json:"sign_offs,omitempty"`
	// ActivatedAt is when the edition came into force, ReviewedAt when
	// its last review was concluded.
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	ReviewedAt  time.Time `json:"reviewed_at,omitzero"`
	// Reports are the period reports issued on the edition, oldest first.
	Reports     []Issued         `json:"reports,omitempty"`
	Conclusions []string         `json:"conclusions,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	Parties     sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Agreement) EntityKind() sms.Kind { return AgreementKind }

// State implements [sms.Entity].
func (a *Agreement) State() string { return string(a.Status) }

// SetState implements [sms.Entity].
func (a *Agreement) SetState(s string) { a.Status = AgreementStatus(s) }

// Attributes implements [sms.Entity]: the first service, the customer as
// owner, the amended edition as a link.
func (a *Agreement) Attributes() sms.Attributes {
	at := sms.Attributes{Owner: a.Customer}
	if len(a.Services) > 0 {
		at.Service = a.Services[0]
	}
	for _, s := range a.Services {
		at.Links = append(at.Links, sms.Link{Type: "service", ID: s})
	}
	if a.Amends != "" {
		at.Links = append(at.Links, sms.Link{Type: "amends", ID: a.Amends})
	}
	return at
}

// Clone implements [sms.Entity].
func (a *Agreement) Clone() *Agreement {
	c := *a
	c.Services = slices.Clone(a.Services)
	c.Targets = slices.Clone(a.Targets)
	for i := range c.Targets {
		c.Targets[i] = c.Targets[i].clone()
	}
	c.Limits = slices.Clone(a.Limits)
	c.Exceptions = slices.Clone(a.Exceptions)
	c.Activities = slices.Clone(a.Activities)
	c.Interfaces = slices.Clone(a.Interfaces)
	c.SignOffs = slices.Clone(a.SignOffs)
	c.Conclusions = slices.Clone(a.Conclusions)
	c.Reports = slices.Clone(a.Reports)
	for i := range c.Reports {
		c.Reports[i] = c.Reports[i].clone()
	}
	c.Parties = slices.Clone(a.Parties)
	if a.NoLimits != nil {
		d := *a.NoLimits
		c.NoLimits = &d
	}
	if a.NoExceptions != nil {
		d := *a.NoExceptions
		c.NoExceptions = &d
	}
	return &c
}

// signed reports whether the side signed, and by whom.
func (a *Agreement) signed(side Side) (string, bool) {
	for _, s := range a.SignOffs {
		if s.Side == side {
			return s.Person, true
		}
	}
	return "", false
}

// Issued is a period report as issued on the agreement (SLM-04): the
// report, without the IDs of the records that missed (their count is
// Measured - Met), when it was issued, and the improvement actions or
// opportunities raised for what it missed or exceeded (SLM-06), named at
// issue or by the review that examined it.
type Issued struct {
	Report       Report    `json:"report"`
	At           time.Time `json:"at"`
	Improvements []string  `json:"improvements,omitempty"`
}

func (i Issued) clone() Issued {
	i.Report.Targets = slices.Clone(i.Report.Targets)
	for j := range i.Report.Targets {
		i.Report.Targets[j].Target = i.Report.Targets[j].Target.clone()
	}
	i.Report.Workload = slices.Clone(i.Report.Workload)
	i.Improvements = slices.Clone(i.Improvements)
	return i
}

// Trends returns each target's achievement over the last n reports issued
// on the edition (see [Trends]): what a period report shows beside its own
// figures (the clarifications of RPT-03).
func (a *Agreement) Trends(n int) []Trend {
	rs := make([]Report, len(a.Reports))
	for i, r := range a.Reports {
		rs[i] = r.Report
	}
	return Trends(rs, n)
}

// reported returns the issued report of the period [from, to), if any.
func (a *Agreement) reported(from, to time.Time) (int, bool) {
	for i, r := range a.Reports {
		if r.Report.From.Equal(from) && r.Report.To.Equal(to) {
			return i, true
		}
	}
	return -1, false
}
