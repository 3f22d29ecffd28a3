package problem

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iso20k/sms"
)

// Level rates impact or urgency: 1 is the highest. The number of levels is
// set by the [Matrix].
type Level int

// Common levels of the default three-level matrix.
const (
	High   Level = 1
	Medium Level = 2
	Low    Level = 3
)

func (l Level) String() string { return strconv.Itoa(int(l)) }

// Priority is the outcome of weighing impact against urgency (PRB-04): 1 is
// the most urgent.
type Priority int

func (p Priority) String() string { return fmt.Sprintf("P%d", int(p)) }

// Matrix maps impact and urgency to a priority (PRB-04). It is versioned:
// every problem stores the version it was prioritised with.
type Matrix struct {
	// Version names this edition of the matrix.
	Version string `json:"version"`
	// Priorities[impact-1][urgency-1] is the priority.
	Priorities [][]Priority `json:"priorities"`
}

// DefaultMatrix returns the common three-by-three matrix, version
// "default-1": priority = impact + urgency - 1.
func DefaultMatrix() Matrix {
	return Matrix{Version: "default-1", Priorities: [][]Priority{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}}
}

// Validate checks that the matrix has a version and is a non-empty
// rectangle of priorities of at least 1.
func (m Matrix) Validate() error {
	if m.Version == "" {
		return sms.Invalid(Kind, "policy.matrix.version", "is empty: problems store the version they were prioritised with")
	}
	if len(m.Priorities) == 0 || len(m.Priorities[0]) == 0 {
		return sms.Invalid(Kind, "policy.matrix.priorities", "is empty")
	}
	for _, row := range m.Priorities {
		if len(row) != len(m.Priorities[0]) {
			return sms.Invalid(Kind, "policy.matrix.priorities", "rows differ in length")
		}
		for _, p := range row {
			if p < 1 {
				return sms.Invalid(Kind, "policy.matrix.priorities", "priority %d is below 1", p)
			}
		}
	}
	return nil
}

// Priority looks up impact and urgency; ok is false when either is out of
// the matrix's range.
func (m Matrix) Priority(impact, urgency Level) (p Priority, ok bool) {
	if impact < 1 || int(impact) > len(m.Priorities) || urgency < 1 || len(m.Priorities) == 0 || int(urgency) > len(m.Priorities[0]) {
		return 0, false
	}
	return m.Priorities[impact-1][urgency-1], true
}

// Policy is the organisation's problem-management policy. The zero value
// works: the default matrix, any category, no observation window (a
// resolved problem may close at once), known errors reviewed every 90 days,
// and the default trend rules.
type Policy struct {
	// Version names this edition of the policy; problems record it when
	// they are resolved.
	Version string `json:"version,omitempty"`
	// Matrix prioritises problems; the zero Matrix means DefaultMatrix.
	Matrix Matrix `json:"matrix"`
	// Categories is the taxonomy; empty accepts any non-empty category.
	Categories []string `json:"categories,omitempty"`
	// ObservationWindow is how long a resolved problem is watched for
	// recurrence before it may close (PRB-07): a linked incident inside the
	// window sends it back to root-cause analysis. It applies to every
	// resolution but duplicate; zero closes at once.
	ObservationWindow time.Duration `json:"observation_window,omitempty"`
	// ReviewEvery is the interval within which a published known error
	// must be reviewed (PRB-12); zero means 90 days.
	ReviewEvery time.Duration `json:"review_every,omitempty"`
	// Trends are the rules that propose problem candidates from incident
	// trends (PRB-01); nil means [DefaultTrendRules].
	Trends []TrendRule `json:"trends,omitempty"`
}

// DefaultPolicy returns a complete policy to start from: version
// "default-1", the default matrix, a 14-day observation window, known
// errors reviewed every 90 days, the default trend rules.
func DefaultPolicy() Policy {
	return Policy{
		Version:           "default-1",
		Matrix:            DefaultMatrix(),
		ObservationWindow: 14 * 24 * time.Hour,
		ReviewEvery:       90 * 24 * time.Hour,
		Trends:            DefaultTrendRules(),
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
	if p.ObservationWindow < 0 {
		return p, sms.Invalid(Kind, "policy.observation_window", "is negative")
	}
	if p.ReviewEvery < 0 {
		return p, sms.Invalid(Kind, "policy.review_every", "is negative")
	}
	if p.ReviewEvery == 0 {
		p.ReviewEvery = 90 * 24 * time.Hour
	}
	if p.Trends == nil {
		p.Trends = DefaultTrendRules()
	}
	for _, r := range p.Trends {
		if err := r.Validate(); err != nil {
			return p, err
		}
	}
	for _, c := range p.Categories {
		if c == "" {
			return p, sms.Invalid(Kind, "policy.categories", "contains an empty category")
		}
	}
	m := p.Matrix
	m.Priorities = make([][]Priority, len(p.Matrix.Priorities))
	for i, row := range p.Matrix.Priorities {
		m.Priorities[i] = slices.Clone(row)
	}
	p.Matrix = m
	p.Categories = slices.Clone(p.Categories)
	p.Trends = slices.Clone(p.Trends)
	return p, nil
}

// RiskApprovalRules returns the approval rules of a risk acceptance
// (PRB-06): one problem manager and one service owner, each a different
// person, neither a requester of the acceptance (sms.PartyRequester: every
// acting actor who requested one, in any round), each the acting actor of
// the transition that made them so.
func RiskApprovalRules() []sms.ApprovalRule {
	return []sms.ApprovalRule{
		{Roles: []sms.Role{RoleProblemManager}, Quorum: 1, Exclude: []sms.Party{sms.PartyRequester}},
		{Roles: []sms.Role{RoleServiceOwner}, Quorum: 1, Exclude: []sms.Party{sms.PartyRequester}},
	}
}
