package release

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kind is the entity kind of releases, as stored.
const Kind sms.Kind = "release"

// Status is a release's workflow status. The values are persisted: they
// are never renamed or reused.
type Status string

// Release statuses.
const (
	StatusPlanned          Status = "planned"
	StatusBuilding         Status = "building"
	StatusTesting          Status = "testing"
	StatusAccepted         Status = "accepted"
	StatusAcceptanceFailed Status = "acceptance_failed"
	StatusApproved         Status = "approved"
	StatusDeploying        Status = "deploying"
	StatusEarlyLife        Status = "early_life"
	StatusReview           Status = "review"
	StatusRolledBack       Status = "rolled_back"
	StatusClosed           Status = "closed"
	StatusCancelled        Status = "cancelled"
)

// Statuses returns every status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusPlanned, StatusBuilding, StatusTesting, StatusAccepted, StatusAcceptanceFailed, StatusApproved,
		StatusDeploying, StatusEarlyLife, StatusReview, StatusRolledBack, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Approved reports whether a release in status s was approved for
// deployment and is neither cancelled nor rolled back: approved or later.
// A host answering the change package's release lookup (SDT-05) uses it.
func (s Status) Approved() bool {
	switch s {
	case StatusApproved, StatusDeploying, StatusEarlyLife, StatusReview, StatusClosed:
		return true
	}
	return false
}

// Trigger names a transition. The values are persisted in journals: they
// are never renamed or reused.
type Trigger string

// Release triggers; each has a typed method on [Service] and a command type.
const (
	TriggerPlan              Trigger = "plan"
	TriggerAmend             Trigger = "amend"
	TriggerStartBuild        Trigger = "start_build"
	TriggerSubmitForTest     Trigger = "submit_for_test"
	TriggerPassAcceptance    Trigger = "pass_acceptance"
	TriggerFailAcceptance    Trigger = "fail_acceptance"
	TriggerRework            Trigger = "rework"
	TriggerAcceptKnownErrors Trigger = "accept_known_errors"
	TriggerApprove           Trigger = "approve"
	TriggerAuthorize         Trigger = "authorize"
	TriggerCaptureBaseline   Trigger = "capture_baseline"
	TriggerDeploy            Trigger = "deploy"
	TriggerCompleteDeploy    Trigger = "complete_deployment"
	TriggerRollback          Trigger = "rollback"
	TriggerRecordIncident    Trigger = "record_incident"
	TriggerEndEarlyLife      Trigger = "end_early_life"
	TriggerReview            Trigger = "review"
	TriggerClose             Trigger = "close"
	TriggerCancel            Trigger = "cancel"
	TriggerLink              Trigger = "link"
	TriggerNote              Trigger = "note"
)

// Triggers returns every trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerPlan, TriggerAmend, TriggerStartBuild, TriggerSubmitForTest, TriggerPassAcceptance,
		TriggerFailAcceptance, TriggerRework, TriggerAcceptKnownErrors, TriggerApprove, TriggerAuthorize,
		TriggerCaptureBaseline, TriggerDeploy, TriggerCompleteDeploy, TriggerRollback, TriggerRecordIncident,
		TriggerEndEarlyLife, TriggerReview, TriggerClose, TriggerCancel, TriggerLink, TriggerNote}
}

// Roles the release workflow accepts. The host maps its own groups onto
// them; the roles that approve are the policy's (see [ReleaseType]).
const (
	// RoleReleaseManager plans and runs releases, decides on failed
	// acceptance with the interested parties, and reviews outcomes.
	RoleReleaseManager sms.Role = "release_manager"
	// RoleTester records acceptance test results.
	RoleTester sms.Role = "release_tester"
	// RoleDeployer captures baselines, deploys and rolls back.
	RoleDeployer sms.Role = "deployer"
	// RoleApprover approves releases under the default policy.
	RoleApprover sms.Role = "release_approver"
	// RoleChangeManager approves releases with the approvers under the
	// default policy; the same role value as the change package's.
	RoleChangeManager sms.Role = "change_manager"
)

// Link types a release uses.
const (
	LinkChange     = "change"
	LinkProblem    = "problem"
	LinkKnownError = "known_error"
	LinkIncident   = "incident"
	LinkConfigItem = "config_item"
)

// LinkTypes returns the link types a [Link] command accepts: the problems
// and known errors the release resolves (REL-03). Changes are linked by
// planning, incidents by [IncidentRecord].
func LinkTypes() []string { return []string{LinkProblem, LinkKnownError} }

// Window is a deployment window, [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Contains reports whether t falls inside the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Overlaps reports whether two windows share an instant.
func (w Window) Overlaps(o Window) bool { return w.Start.Before(o.End) && o.Start.Before(w.End) }

// Deliverable is an artifact a release deploys, with its version (REL-04).
type Deliverable struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CriterionResult is the result of one acceptance criterion (REL-05).
type CriterionResult struct {
	Criterion string `json:"criterion"`
	Passed    bool   `json:"passed"`
	Evidence  string `json:"evidence,omitempty"`
}

// CriterionKnownError links a failed criterion to the known error it is
// deployed with (REL-06).
type CriterionKnownError struct {
	Criterion  string `json:"criterion"`
	KnownError string `json:"known_error"`
}

// DecisionOutcome is what was decided on a failed acceptance (REL-06).
type DecisionOutcome string

// Decision outcomes.
const (
	DecideRework           DecisionOutcome = "rework"
	DecideDeployWithErrors DecisionOutcome = "deploy_with_known_errors"
	DecideCancel           DecisionOutcome = "cancel"
)

// Decision is the decision the organisation and interested parties took on
// a failed acceptance (REL-06).
type Decision struct {
	Outcome      DecisionOutcome       `json:"outcome"`
	Participants []string              `json:"participants"`
	Rationale    string                `json:"rationale"`
	KnownErrors  []CriterionKnownError `json:"known_errors,omitempty"`
	At           time.Time             `json:"at"`
}

// ItemVersion is one configuration item of a baseline, at its version.
type ItemVersion struct {
	Item    string `json:"item"`
	Version string `json:"version"`
}

// Baseline is the snapshot of the affected configuration items taken
// before deployment (REL-07): the host takes it from its configuration
// records; the release keeps it, immutable.
type Baseline struct {
	ID      string        `json:"id"`
	TakenAt time.Time     `json:"taken_at"`
	Items   []ItemVersion `json:"items"`
}

// TargetResult is the deployment result on one target (REL-08).
type TargetResult struct {
	Target string `json:"target"`
	OK     bool   `json:"ok"`
	Notes  string `json:"notes,omitempty"`
}

// Outcome is the analysed outcome of a release (REL-09).
type Outcome string

// Release outcomes.
const (
	OutcomeSuccessful Outcome = "successful"
	OutcomeFailed     Outcome = "failed"
)

// Analysis is the release's post-deployment analysis (REL-09, REL-10): its
// outcome, the early-life incidents counted, the conclusions and the
// improvements proposed.
type Analysis struct {
	Outcome       Outcome   `json:"outcome"`
	IncidentCount int       `json:"incident_count"`
	Conclusions   string    `json:"conclusions"`
	Improvements  []string  `json:"improvements,omitempty"`
	AnalysedBy    string    `json:"analysed_by"`
	AnalysedAt    time.Time `json:"analysed_at"`
}

// Deployment is how a release was deployed (REL-07, REL-08).
type Deployment struct {
	Deployer     string         `json:"deployer"`
	StartedAt    time.Time      `json:"started_at"`
	Override     string         `json:"override,omitempty"`
	Targets      []TargetResult `json:"targets,omitempty"`
	Verification string         `json:"verification,omitempty"`
	DeployedAt   time.Time      `json:"deployed_at,omitzero"`
	// EarlyLifeEnds is when the early-life window closes.
	EarlyLifeEnds time.Time `json:"early_life_ends,omitzero"`
	// RolledBackAt, with the reason and the baseline restored.
	RolledBackAt   time.Time `json:"rolled_back_at,omitzero"`
	RollbackReason string    `json:"rollback_reason,omitempty"`
	RestoredTo     string    `json:"restored_to,omitempty"`
}

// Release is the record of one release through planning, acceptance,
// approval, deployment, early life and analysis (ISO/IEC 20000-1:2018
// clause 8.5.3). Its fields are written by the workflow's transitions
// only; a host reads them. Groups acquired late are pointers, nil until
// then.
type Release struct {
	sms.Meta
	Status Status `json:"status"`
	// PolicyVersion is the release policy the release was judged under.
	PolicyVersion string `json:"policy_version"`

	// The plan (REL-01 to REL-04).
	Name         string        `json:"name"`
	Type         string        `json:"type"`
	Emergency    bool          `json:"emergency,omitempty"`
	Owner        string        `json:"owner"`
	Plan         string        `json:"plan"`
	Changes      []string      `json:"changes,omitempty"`
	Windows      []Window      `json:"windows,omitempty"`
	Deliverables []Deliverable `json:"deliverables,omitempty"`
	Method       string        `json:"method,omitempty"`
	ConfigItems  []string      `json:"config_items,omitempty"`

	// Acceptance (REL-05, REL-06).
	Criteria []string          `json:"criteria,omitempty"`
	Results  []CriterionResult `json:"results,omitempty"`
	Decision *Decision         `json:"decision,omitempty"`

	// Approval (REL-05).
	Approvals    []sms.Approval `json:"approvals,omitempty"`
	AuthorizedBy string         `json:"authorized_by,omitempty"`
	AuthorizedAt time.Time      `json:"authorized_at,omitzero"`

	Baseline   *Baseline   `json:"baseline,omitempty"`
	Deployment *Deployment `json:"deployment,omitempty"`
	// Incidents are the early-life incidents related to the release
	// (REL-09).
	Incidents []string  `json:"incidents,omitempty"`
	Analysis  *Analysis `json:"analysis,omitempty"`

	ClosedAt     time.Time `json:"closed_at,omitzero"`
	CancelReason string    `json:"cancel_reason,omitempty"`

	// Parties are who holds each party role segregation of duties compares
	// (REL-05): the owner (the planner, who acted, and the owner the plan
	// names), each approver, and the deployer (every actor who deployed or
	// completed the deployment, and the deployer the command names). The
	// state digest binds them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`

	// Links are every record the release names: its changes, the problems
	// and known errors it resolves, its configuration items and its
	// early-life incidents.
	Links []sms.Link `json:"links,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Release) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (r *Release) State() string { return string(r.Status) }

// SetState implements [sms.Entity].
func (r *Release) SetState(s string) { r.Status = Status(s) }

// Attributes implements [sms.Entity]: no service (a release may span
// several), the owner, and every link, so that stores list the releases of
// a change, a problem, a known error or an item.
func (r *Release) Attributes() sms.Attributes { return sms.Attributes{Owner: r.Owner, Links: r.Links} }

// releaseBlock holds a release, the groups a deployed release carries, and
// room for the usual lengths of its lists, so that a clone costs one
// allocation (see change.Change.Clone for why). The block is sized for a
// typical release, since the bytes a transition allocates (two clones)
// drive its cost; longer lists, and the rare decision and analysis, get
// allocations of their own.
type releaseBlock struct {
	r         Release
	base      Baseline
	dep       Deployment
	changes   [1]string
	windows   [1]Window
	deliv     [2]Deliverable
	items     [2]string
	criteria  [2]string
	results   [2]CriterionResult
	approvals [2]sms.Approval
	baseItems [2]ItemVersion
	targets   [2]TargetResult
	incidents [2]string
	links     [6]sms.Link
	parties   [4]sms.Participant
}

// into copies src into the array behind dst when it fits, capped so that an
// append reallocates, and into a new array otherwise. A nil src stays nil.
func into[T any](dst []T, src []T) []T {
	switch {
	case src == nil:
		return nil
	case len(src) <= len(dst):
		n := copy(dst, src)
		return dst[:n:n]
	}
	return slices.Clone(src)
}

// SetLinks implements [sms.LinkSetter].
func (r *Release) SetLinks(links []sms.Link) { r.Links = links }

// Clone implements [sms.Entity].
func (r *Release) Clone() *Release {
	b := &releaseBlock{r: *r}
	n := &b.r
	n.Changes = into(b.changes[:], r.Changes)
	n.Windows = into(b.windows[:], r.Windows)
	n.Deliverables = into(b.deliv[:], r.Deliverables)
	n.ConfigItems = into(b.items[:], r.ConfigItems)
	n.Criteria = into(b.criteria[:], r.Criteria)
	n.Results = into(b.results[:], r.Results)
	n.Approvals = into(b.approvals[:], r.Approvals)
	n.Incidents = into(b.incidents[:], r.Incidents)
	n.Links = into(b.links[:], r.Links)
	n.Parties = into(b.parties[:], r.Parties)
	if r.Decision != nil {
		d := *r.Decision
		d.Participants = slices.Clone(r.Decision.Participants)
		d.KnownErrors = slices.Clone(r.Decision.KnownErrors)
		n.Decision = &d
	}
	if r.Baseline != nil {
		b.base = *r.Baseline
		b.base.Items = into(b.baseItems[:], r.Baseline.Items)
		n.Baseline = &b.base
	}
	if r.Deployment != nil {
		b.dep = *r.Deployment
		b.dep.Targets = into(b.targets[:], r.Deployment.Targets)
		n.Deployment = &b.dep
	}
	if r.Analysis != nil {
		a := *r.Analysis
		a.Improvements = slices.Clone(r.Analysis.Improvements)
		n.Analysis = &a
	}
	return n
}

// HasLink reports whether the release links the record.
func (r *Release) HasLink(typ, id string) bool {
	return slices.Contains(r.Links, sms.Link{Type: typ, ID: id})
}

// LinkIDs returns the IDs of the release's links of one type, in order.
func (r *Release) LinkIDs(typ string) []string {
	var out []string
	for _, l := range r.Links {
		if l.Type == typ {
			out = append(out, l.ID)
		}
	}
	return out
}

func (r *Release) addLink(typ, id string) bool {
	if id == "" || r.HasLink(typ, id) {
		return false
	}
	r.Links = append(r.Links, sms.Link{Type: typ, ID: id})
	return true
}

func (r *Release) removeLinks(typ string) {
	r.Links = slices.DeleteFunc(r.Links, func(l sms.Link) bool { return l.Type == typ })
}

// Deployer returns who deploys the release, once deployment started.
func (r *Release) Deployer() string {
	if r.Deployment == nil {
		return ""
	}
	return r.Deployment.Deployer
}

// participants returns who holds each party role on the release: its
// recorded Parties and, for a record stored before they were kept, the
// owner, the deployer and the approvers its fields name.
func (r *Release) participants() sms.Participants {
	ps := r.Parties.Clone()
	ps.Add(sms.PartyOwner, r.Owner, false)
	ps.Add(sms.PartyDeployer, r.Deployer(), false)
	for _, a := range r.Approvals {
		ps.Add(sms.PartyApprover, a.Approver, true)
	}
	return ps
}

// approver reports whether id approved the release.
func (r *Release) approver(id string) bool {
	return id != "" && (r.Parties.Has(sms.PartyApprover, id) || approvedBy(r, id))
}

// failedCriteria returns the criteria whose result failed.
func (r *Release) failedCriteria() []string {
	var out []string
	for _, res := range r.Results {
		if !res.Passed {
			out = append(out, res.Criterion)
		}
	}
	return out
}

// Deployed reports whether the release went live: its deployment
// completed.
func (r *Release) Deployed() bool { return r.Deployment != nil && !r.Deployment.DeployedAt.IsZero() }
