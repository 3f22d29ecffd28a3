package incident

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/calendar"
)

// Level rates impact, urgency or security risk: 1 is the highest. The
// number of levels is set by the [Matrix].
type Level int

// Common levels of the default three-level matrix.
const (
	High   Level = 1
	Medium Level = 2
	Low    Level = 3
)

// Priority is the outcome of weighing impact against urgency (INC-03): 1 is
// the most urgent.
type Priority int

// MaxLevels bounds the levels of a [Matrix]: it has at most MaxLevels
// impact levels and urgency levels, and its priorities are at most
// MaxLevels. A command rating a level or a priority above it is invalid
// input whatever the policy.
const MaxLevels = 100

// Matrix maps impact and urgency to a priority (INC-03). It is versioned:
// every incident stores the version it was prioritised with, so that a
// change of matrix never silently reinterprets old records.
type Matrix struct {
	// Version names this edition of the matrix, such as "2026-01".
	Version string `json:"version"`
	// Priorities[impact-1][urgency-1] is the priority.
	Priorities [][]Priority `json:"priorities"`
}

// DefaultMatrix returns the common three-by-three matrix, version
// "default-1":
//
//	impact \ urgency   1  2  3
//	1 high             1  2  3
//	2 medium           2  3  4
//	3 low              3  4  5
func DefaultMatrix() Matrix {
	return Matrix{Version: "default-1", Priorities: [][]Priority{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}}
}

// Validate checks that the matrix has a version and is a non-empty
// rectangle of at most [MaxLevels] by [MaxLevels] priorities, each from 1
// to MaxLevels.
func (m Matrix) Validate() error {
	if m.Version == "" {
		return sms.Invalid(Kind, "policy.matrix.version", "is empty: incidents store the version they were prioritised with")
	}
	if err := sms.CheckRef(Kind, "policy.matrix.version", m.Version); err != nil {
		return err
	}
	if len(m.Priorities) == 0 || len(m.Priorities[0]) == 0 {
		return sms.Invalid(Kind, "policy.matrix.priorities", "is empty")
	}
	if len(m.Priorities) > MaxLevels || len(m.Priorities[0]) > MaxLevels {
		return sms.Invalid(Kind, "policy.matrix.priorities", "has more than %d impact or urgency levels", MaxLevels)
	}
	for _, row := range m.Priorities {
		if len(row) != len(m.Priorities[0]) {
			return sms.Invalid(Kind, "policy.matrix.priorities", "rows differ in length")
		}
		for _, p := range row {
			if p < 1 || p > MaxLevels {
				return sms.Invalid(Kind, "policy.matrix.priorities", "priority %d is outside 1 to %d", p, MaxLevels)
			}
		}
	}
	return nil
}

// Lowest returns the matrix's lowest priority: the largest number it
// gives, 0 for an empty matrix. A manual override (INC-03) is a priority
// from 1 to Lowest.
func (m Matrix) Lowest() Priority {
	var low Priority
	for _, row := range m.Priorities {
		for _, p := range row {
			low = max(low, p)
		}
	}
	return low
}

// Impacts returns the number of impact levels; Urgencies the number of
// urgency levels.
func (m Matrix) Impacts() int { return len(m.Priorities) }

// Urgencies returns the number of urgency levels.
func (m Matrix) Urgencies() int {
	if len(m.Priorities) == 0 {
		return 0
	}
	return len(m.Priorities[0])
}

// Priority looks up impact and urgency; ok is false when either is out of
// the matrix's range.
func (m Matrix) Priority(impact, urgency Level) (p Priority, ok bool) {
	if impact < 1 || int(impact) > m.Impacts() || urgency < 1 || int(urgency) > m.Urgencies() {
		return 0, false
	}
	return m.Priorities[impact-1][urgency-1], true
}

// MajorCriteria are the organisation's criteria for a major incident
// (INC-08). They are versioned; an incident accepted as major records the
// version and which criteria it met. An incident meets the criteria when
// any one of them holds.
type MajorCriteria struct {
	// Version names this edition; empty means no criteria are defined, and
	// the major-incident track refuses every acceptance.
	Version string `json:"version"`
	// AtOrAbove: a priority at or above this one (numerically at most)
	// qualifies; 0 disables the criterion.
	AtOrAbove Priority `json:"at_or_above,omitempty"`
	// Services whose incidents always qualify.
	Services []string `json:"services,omitempty"`
	// Security: every security incident qualifies.
	Security bool `json:"security,omitempty"`
}

// Active reports whether criteria are defined.
func (c MajorCriteria) Active() bool { return c.Version != "" }

// Evaluate returns the names of the criteria the incident meets.
func (c MajorCriteria) Evaluate(inc *Incident) []string {
	var met []string
	if c.AtOrAbove > 0 && inc.Priority > 0 && inc.Priority <= c.AtOrAbove {
		met = append(met, "priority<="+strconv.Itoa(int(c.AtOrAbove)))
	}
	if slices.Contains(c.Services, inc.Service) {
		met = append(met, "critical_service:"+inc.Service)
	}
	if c.Security && inc.Security {
		met = append(met, "security")
	}
	return met
}

// ReviewMode decides what a missing post-incident review of a major
// incident does (INC-12).
type ReviewMode string

// Review modes.
const (
	// ReviewLenient lets a major incident close without its review; the
	// missing review is then a MAJOR_REVIEW_OVERDUE finding once due. It is
	// the default.
	ReviewLenient ReviewMode = "lenient"
	// ReviewStrict refuses to close a major incident until its review is
	// recorded.
	ReviewStrict ReviewMode = "strict"
)

// Target is the response and resolution target for one priority (INC-15).
type Target struct {
	Response   time.Duration `json:"response"`
	Resolution time.Duration `json:"resolution"`
}

// Policy is the organisation's incident policy. The zero value works: the
// default matrix, any category, no major-incident criteria (the major track
// refuses acceptance until criteria are set), lenient reviews, closure only
// on the caller's own confirmation, no timers.
type Policy struct {
	// Matrix prioritises incidents; the zero Matrix means DefaultMatrix.
	Matrix Matrix `json:"matrix"`
	// Categories is the taxonomy; empty accepts any non-empty category.
	Categories []string `json:"categories,omitempty"`
	// Major holds the major-incident criteria.
	Major MajorCriteria `json:"major"`
	// ReviewMode: strict or lenient (the default).
	ReviewMode ReviewMode `json:"review_mode,omitempty"`
	// ReviewWithin is how long after resolution a major incident's review
	// is due; zero means 5 days.
	ReviewWithin time.Duration `json:"review_within,omitempty"`
	// NotifyWithin is how soon after acceptance top management must have
	// been notified of a major incident; zero means 1 hour.
	NotifyWithin time.Duration `json:"notify_within,omitempty"`
	// UpdateEvery is the cadence of management updates while a major
	// incident is open; zero means 4 hours.
	UpdateEvery time.Duration `json:"update_every,omitempty"`
	// AutoCloseAfter is the quiet period after resolution after which an
	// incident may close without the caller's confirmation; zero disables
	// auto-closure.
	AutoCloseAfter time.Duration `json:"auto_close_after,omitempty"`
	// Targets are the service-level targets per priority; none means no
	// timers are attached.
	Targets map[Priority]Target `json:"targets,omitempty"`
	// Calendar, when set, is the business calendar the targets count in
	// (INC-15): due times are its working time after the report, and a
	// pause pushes the resolution due time back by the working time it
	// lasted (a weekend on hold costs nothing on a weekday calendar). Nil
	// counts round the clock. It is not part of the policy's JSON: a host
	// builds it with package calendar.
	Calendar *calendar.Calendar `json:"-"`
	// PauseOn lists the hold reasons that pause the resolution timer; nil
	// means caller and supplier.
	PauseOn []HoldReason `json:"pause_on,omitempty"`
	// EscalateAt is the share of the resolution target after which an
	// unresolved incident is due for escalation (INC-04): 0.75 means three
	// quarters of the target elapsed. Zero disables automatic escalation;
	// [Sweep] reports ESCALATION_DUE and the host escalates.
	EscalateAt float64 `json:"escalate_at,omitempty"`
	// ConfirmationChannels lists the channels over which a service-desk
	// agent may record a caller's confirmation of the resolution on the
	// caller's behalf (INC-06), such as [ChannelPhone]. None, the default,
	// means only the caller confirms, themselves.
	ConfirmationChannels []Channel `json:"confirmation_channels,omitempty"`

	// Where the standard leaves room: each option widens the workflow for
	// a helpdesk's flow, and is off by default.

	// HoldFromNew lets a new incident wait on hold before anyone is
	// assigned (waiting for the caller's details, say). INC-13 stays met:
	// the hold names its reason and, for a change, problem or supplier, the
	// record waited for, and pauses the resolution timer only for the
	// reasons PauseOn lists; the response timer keeps running until the
	// first assignment. INC-02 and INC-03 stay met: such an incident leaves
	// the hold by assign, which requires its classification and priority,
	// and resume refuses it while no group or person is assigned.
	HoldFromNew bool `json:"hold_from_new,omitempty"`
	// ResolveFromHold lets an incident on hold be resolved without a
	// resume first (the caller confirms the fix while waited on). INC-05
	// and INC-07 stay met: resolve's guards are the same from every
	// status; the resolution ends the hold and its timer pause at the
	// resolution time, as a resume would (INC-15).
	ResolveFromHold bool `json:"resolve_from_hold,omitempty"`
	// Unassign adds the trigger unassign ([Unassignment]): an assigned,
	// in-progress or held incident goes back to the queue (new) without
	// group or assignee, with a reason. INC-07 stays met: the reason and
	// the removed group and assignee are journaled; INC-02 and INC-03 stay
	// met, since classification and priority are kept and the next assign
	// requires them; INC-11: an accepted major incident keeps its manager
	// and is not unassigned; INC-15: the response time already recorded
	// stays, and the resolution timer runs on (a hold's pause ends).
	Unassign bool `json:"unassign,omitempty"`
}

// DefaultPolicy returns a complete policy to start from: the default
// matrix, major-incident criteria "default-1" (priority 1, or any security
// incident), lenient reviews due within 5 days, management notified within
// an hour and updated every 4 hours, auto-closure after 3 days, targets
// for the five priorities, and escalation due at three quarters of the
// resolution target.
func DefaultPolicy() Policy {
	h := time.Hour
	return Policy{
		Matrix:         DefaultMatrix(),
		Major:          MajorCriteria{Version: "default-1", AtOrAbove: 1, Security: true},
		ReviewMode:     ReviewLenient,
		ReviewWithin:   5 * 24 * h,
		NotifyWithin:   h,
		UpdateEvery:    4 * h,
		AutoCloseAfter: 3 * 24 * h,
		EscalateAt:     0.75,
		Targets: map[Priority]Target{
			1: {Response: 15 * time.Minute, Resolution: 4 * h},
			2: {Response: 30 * time.Minute, Resolution: 8 * h},
			3: {Response: 2 * h, Resolution: 24 * h},
			4: {Response: 8 * h, Resolution: 72 * h},
			5: {Response: 24 * h, Resolution: 120 * h},
		},
	}
}

// withDefaults returns a copy with zero values replaced by defaults and
// validates it.
func (p Policy) withDefaults() (Policy, error) {
	if p.Matrix.Version == "" && p.Matrix.Priorities == nil {
		p.Matrix = DefaultMatrix()
	}
	if err := p.Matrix.Validate(); err != nil {
		return p, err
	}
	switch p.ReviewMode {
	case "":
		p.ReviewMode = ReviewLenient
	case ReviewLenient, ReviewStrict:
	default:
		return p, sms.Invalid(Kind, "policy.review_mode", "%q is neither strict nor lenient", p.ReviewMode)
	}
	if p.ReviewWithin == 0 {
		p.ReviewWithin = 5 * 24 * time.Hour
	}
	if p.NotifyWithin == 0 {
		p.NotifyWithin = time.Hour
	}
	if p.UpdateEvery == 0 {
		p.UpdateEvery = 4 * time.Hour
	}
	if !(p.EscalateAt >= 0 && p.EscalateAt <= 1) { // NaN too
		return p, sms.Invalid(Kind, "policy.escalate_at", "%v is not a share between 0 and 1", p.EscalateAt)
	}
	if p.PauseOn == nil {
		p.PauseOn = []HoldReason{HoldCaller, HoldSupplier}
	}
	for name, d := range map[string]time.Duration{"review_within": p.ReviewWithin, "notify_within": p.NotifyWithin,
		"update_every": p.UpdateEvery, "auto_close_after": p.AutoCloseAfter} {
		if d < 0 {
			return p, sms.Invalid(Kind, "policy."+name, "is negative")
		}
	}
	for _, r := range p.PauseOn {
		switch r {
		case HoldCaller, HoldSupplier, HoldChange, HoldProblem:
		default:
			return p, sms.Invalid(Kind, "policy.pause_on", "%q is not one of caller, supplier, change, problem", r)
		}
	}
	for _, ch := range p.ConfirmationChannels {
		if !ch.Valid() {
			return p, sms.Invalid(Kind, "policy.confirmation_channels", "%q is not one of phone, email, chat, in_person", ch)
		}
	}
	for prio, t := range p.Targets {
		if prio < 1 || prio > MaxLevels {
			return p, sms.Invalid(Kind, "policy.targets", "priority %d is outside 1 to %d", prio, MaxLevels)
		}
		if t.Response <= 0 || t.Resolution <= 0 {
			return p, sms.Invalid(Kind, "policy.targets", "priority %d needs positive response and resolution targets", prio)
		}
	}
	for _, c := range p.Categories {
		if err := sms.CheckRef(Kind, "policy.categories", c); c == "" || err != nil {
			return p, sms.Invalid(Kind, "policy.categories", "contains an empty or malformed category %q", c)
		}
	}
	if p.Major.Active() && p.Major.AtOrAbove == 0 && len(p.Major.Services) == 0 && !p.Major.Security {
		return p, sms.Invalid(Kind, "policy.major", "criteria %q define no criterion", p.Major.Version)
	}
	if p.Major.AtOrAbove < 0 || p.Major.AtOrAbove > MaxLevels {
		return p, sms.Invalid(Kind, "policy.major.at_or_above", "priority %d is outside 0 to %d", p.Major.AtOrAbove, MaxLevels)
	}
	p.Categories = slices.Clone(p.Categories)
	p.PauseOn = slices.Clone(p.PauseOn)
	p.ConfirmationChannels = slices.Clone(p.ConfirmationChannels)
	p.Major.Services = slices.Clone(p.Major.Services)
	targets := make(map[Priority]Target, len(p.Targets))
	for k, v := range p.Targets {
		targets[k] = v
	}
	p.Targets = targets
	return p, nil
}

func (p *Policy) pauses(r HoldReason) bool { return slices.Contains(p.PauseOn, r) }

// after returns the instant d of the policy's working time after t (see
// Calendar), or the zero time when the calendar holds no such instant.
func (p *Policy) after(t time.Time, d time.Duration) time.Time {
	if p.Calendar == nil {
		return t.Add(d)
	}
	r, _ := p.Calendar.Add(t, d)
	return r
}

// working returns the policy's working time from a to b.
func (p *Policy) working(a, b time.Time) time.Duration {
	if p.Calendar == nil {
		return b.Sub(a)
	}
	return p.Calendar.Between(a, b)
}

func (p *Policy) permits(ch Channel) bool {
	return ch != "" && slices.Contains(p.ConfirmationChannels, ch)
}

// String implements fmt.Stringer.
func (l Level) String() string { return strconv.Itoa(int(l)) }

// String implements fmt.Stringer.
func (p Priority) String() string { return fmt.Sprintf("P%d", int(p)) }
