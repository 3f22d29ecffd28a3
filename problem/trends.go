package problem

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/iso20k/sms"
)

// Finding codes of problem detection.
const (
	// CodeProblemCandidate: incidents reached a trend threshold without a
	// linked problem (PRB-01).
	CodeProblemCandidate = "PROBLEM_CANDIDATE"
	// CodeMajorNotConsidered: a major incident has neither a problem nor a
	// recorded reason for having none (PRB-14).
	CodeMajorNotConsidered = "MAJOR_INCIDENT_NOT_CONSIDERED"
)

// GroupBy is the incident attribute a trend rule counts by (PRB-01).
type GroupBy string

// Trend groupings.
const (
	ByService    GroupBy = "service"
	ByConfigItem GroupBy = "config_item"
	ByCategory   GroupBy = "category"
)

// TrendRule proposes a problem when at least Threshold incidents without a
// linked problem share a service, a configuration item or a category
// within Window before the analysis time (PRB-01).
type TrendRule struct {
	By        GroupBy       `json:"by"`
	Threshold int           `json:"threshold"`
	Window    time.Duration `json:"window"`
}

// Validate returns a [*sms.ValidationError] for an unknown grouping, a
// threshold below 2 or a window that is not positive.
func (r TrendRule) Validate() error {
	switch r.By {
	case ByService, ByConfigItem, ByCategory:
	default:
		return sms.Invalid(Kind, "policy.trends.by", "%q is not one of service, config_item, category", r.By)
	}
	if r.Threshold < 2 {
		return sms.Invalid(Kind, "policy.trends.threshold", "must be at least 2")
	}
	if r.Window <= 0 {
		return sms.Invalid(Kind, "policy.trends.window", "must be positive")
	}
	return nil
}

func (r TrendRule) String() string {
	return fmt.Sprintf(">= %d incidents per %s within %s", r.Threshold, r.By, r.Window)
}

// DefaultTrendRules returns 3 incidents on one configuration item within
// 7 days, or 5 in one category or on one service within 7 days.
func DefaultTrendRules() []TrendRule {
	week := 7 * 24 * time.Hour
	return []TrendRule{
		{By: ByConfigItem, Threshold: 3, Window: week},
		{By: ByCategory, Threshold: 5, Window: week},
		{By: ByService, Threshold: 5, Window: week},
	}
}

// IncidentFact is what trend analysis needs to know of one incident; the
// host passes them in (from incident.Incident or its own records), so that
// this package does not depend on the incident package.
type IncidentFact struct {
	ID          string
	Service     string
	ConfigItems []string
	Category    string
	OpenedAt    time.Time
	// Major marks an accepted major incident (PRB-14).
	Major bool
	// Problem is the problem the incident is linked to, if any.
	Problem string
	// NoProblemReason records why a major incident needs no problem.
	NoProblemReason string
}

// Candidate is a proposed problem (PRB-01, PRB-14).
type Candidate struct {
	// Source is SourceTrend or SourceMajorIncident.
	Source Source
	// By and Key name the group that crossed the threshold (empty for a
	// major incident).
	By  GroupBy
	Key string
	// Rule is the trend rule that fired, in words.
	Rule string
	// Service is the service most of the incidents affect.
	Service     string
	Incidents   []string
	First, Last time.Time
}

// Report returns the problem report that logs the candidate.
func (c Candidate) Report() Report {
	r := Report{Service: c.Service, Source: c.Source, Incidents: slices.Clone(c.Incidents)}
	switch {
	case c.Source == SourceMajorIncident:
		r.Summary = "Major incident " + c.Incidents[0] + " considered for a problem"
	default:
		r.Summary = fmt.Sprintf("%d incidents on %s %s between %s and %s", len(c.Incidents), c.By, c.Key,
			c.First.Format(time.DateOnly), c.Last.Format(time.DateOnly))
		if c.By == ByConfigItem {
			r.ConfigItems = []string{c.Key}
		}
	}
	return r
}

// Finding returns the candidate as a finding: PROBLEM_CANDIDATE (PRB-01)
// or MAJOR_INCIDENT_NOT_CONSIDERED (PRB-14).
func (c Candidate) Finding(asOf time.Time) sms.Finding {
	if c.Source == SourceMajorIncident {
		return sms.Finding{Code: CodeMajorNotConsidered, Requirement: requirement("PRB-14"),
			Kind: "incident", EntityID: c.Incidents[0], Detail: "no problem linked and no reason recorded for having none", At: asOf.UTC()}
	}
	return sms.Finding{Code: CodeProblemCandidate, Requirement: requirement("PRB-01"),
		Kind: "incident", EntityID: c.Incidents[len(c.Incidents)-1],
		Detail: fmt.Sprintf("%d incidents without a problem on %s %s (rule %s)", len(c.Incidents), c.By, c.Key, c.Rule), At: asOf.UTC()}
}

// Candidates analyses incident facts as of a time and proposes problems
// (PRB-01, PRB-14): one per group of incidents without a linked problem
// that reaches a rule's threshold within its window, and one per major
// incident with neither a problem nor a reason for having none. It is a
// pure function. Candidates come in a stable order: major incidents first,
// then by rule, then by key.
func Candidates(facts []IncidentFact, rules []TrendRule, asOf time.Time) ([]Candidate, error) {
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	asOf = asOf.UTC()
	var out []Candidate
	for _, f := range facts {
		if f.Major && f.Problem == "" && f.NoProblemReason == "" && f.ID != "" {
			out = append(out, Candidate{Source: SourceMajorIncident, Service: f.Service, Incidents: []string{f.ID}, First: f.OpenedAt, Last: f.OpenedAt})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Incidents[0] < out[j].Incidents[0] })
	for _, r := range rules {
		groups := map[string][]IncidentFact{}
		for _, f := range facts {
			if f.Problem != "" || f.ID == "" || f.OpenedAt.After(asOf) || !f.OpenedAt.After(asOf.Add(-r.Window)) {
				continue
			}
			for _, k := range keys(f, r.By) {
				groups[k] = append(groups[k], f)
			}
		}
		for _, k := range sortedKeys(groups) {
			g := groups[k]
			if len(g) < r.Threshold {
				continue
			}
			sort.SliceStable(g, func(i, j int) bool { return g[i].OpenedAt.Before(g[j].OpenedAt) })
			c := Candidate{Source: SourceTrend, By: r.By, Key: k, Rule: r.String(), First: g[0].OpenedAt, Last: g[len(g)-1].OpenedAt}
			count := map[string]int{}
			for _, f := range g {
				c.Incidents = append(c.Incidents, f.ID)
				if f.Service != "" {
					count[f.Service]++
				}
			}
			for _, svc := range sortedKeys(count) {
				if count[svc] > count[c.Service] {
					c.Service = svc
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func keys(f IncidentFact, by GroupBy) []string {
	switch by {
	case ByService:
		if f.Service != "" {
			return []string{f.Service}
		}
	case ByCategory:
		if f.Category != "" {
			return []string{f.Category}
		}
	case ByConfigItem:
		var out []string
		for _, ci := range f.ConfigItems {
			if ci != "" && !slices.Contains(out, ci) {
				out = append(out, ci)
			}
		}
		return out
	}
	return nil
}

// Candidates proposes problems from incident facts under the service's
// trend rules; see the package function [Candidates].
func (s *Service) Candidates(facts []IncidentFact, asOf time.Time) ([]Candidate, error) {
	return Candidates(facts, s.policy.Trends, asOf)
}
