package release

import (
	"context"
	"sort"
	"time"

	"github.com/iso20k/sms"
)

// Config configures a [Service]. The zero value works: see [Policy] and
// [sms.Options]; without Changes, no release is planned, authorized or
// deployed, since none of its changes can be shown authorized (REL-12).
type Config struct {
	Policy  Policy
	Options sms.Options
	// Changes tells whether a change is authorized (REL-03, REL-12).
	Changes ChangeLookup
}

// Service runs release and deployment management on a store. Each trigger
// has a typed method; every method is one transition through the shared
// pipeline and returns the release as committed, or an error that says why
// nothing changed:
//
//   - [sms.ErrInvalid]: malformed input ([*sms.ValidationError]);
//   - [sms.ErrNotFound]: no such release;
//   - [sms.ErrForbidden]: the actor lacks a role, or segregation of duties
//     excludes them ([*sms.ForbiddenError] citing REL-05): the owner (who
//     planned the release, or the owner it names) and the deployer never
//     approve it, an approver approves once and never deploys it, whether
//     as the acting actor or as the deployer a command names;
//   - [sms.ErrTransition]: not allowed from the current status
//     ([*sms.TransitionError], with the permitted triggers);
//   - [sms.ErrGuard]: requirements unmet ([*sms.GuardError], every one
//     with its requirement ID and clause);
//   - [sms.ErrConflict]: another writer committed first; read and retry;
//   - a store, lookup or context error.
//
// plan, amend, authorize and deploy ask the [ChangeLookup] about every
// linked change inside the transition, after the release is loaded and
// before the guards (the rules' Prepare); the answer is judged by the
// guards but is not part of the transition's atomic commit.
//
// A Service is safe for concurrent use.
type Service struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*Release, Trigger, Command]
	m      *sms.Machine[*Release]
	policy Policy
}

// NewService activates the policy and binds the release workflow to the
// store. A policy that cannot be activated (no emergency type, no version
// or approver, a type without approval rule or early life) gives a
// [*sms.ValidationError].
func NewService(store sms.Store[*Release], cfg Config) (*Service, error) {
	p, err := cfg.Policy.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{policy: p}
	if s.m, s.Records, err = sms.Bind[*Release, Trigger, Command](definition(&s.policy, cfg.Changes), store, cfg.Options); err != nil {
		return nil, err
	}
	return s, nil
}

// Workflow returns the release workflow compiled with the default policy,
// for introspection and documentation. Without the host's change look-up,
// it shows no change authorized (REL-12).
func Workflow() *sms.Workflow[*Release] {
	p, _ := Policy{}.withDefaults()
	return sms.MustWorkflow(definition(&p, nil))
}

// Policy returns the policy in force, defaults filled in.
func (s *Service) Policy() Policy { return s.policy }

// Plan plans a release (REL-01 to REL-04); the transition asks about its
// changes (REL-12).
func (s *Service) Plan(ctx context.Context, a sms.Actor, c Planning) (*Release, error) {
	return s.m.Create(ctx, a, c)
}

// Amend replans a release not yet submitted for test (REL-04); the
// transition asks about the changes it names (REL-12).
func (s *Service) Amend(ctx context.Context, a sms.Actor, id string, c Replanning) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAmend), c)
}

// StartBuild starts building.
func (s *Service) StartBuild(ctx context.Context, a sms.Actor, id string, c BuildStart) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerStartBuild), c)
}

// SubmitForTest submits the release for acceptance testing (REL-04, REL-05).
func (s *Service) SubmitForTest(ctx context.Context, a sms.Actor, id string, c TestSubmission) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerSubmitForTest), c)
}

// PassAcceptance records passed acceptance tests (REL-05).
func (s *Service) PassAcceptance(ctx context.Context, a sms.Actor, id string, c AcceptancePassed) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerPassAcceptance), c)
}

// FailAcceptance records failed acceptance tests (REL-05, REL-06).
func (s *Service) FailAcceptance(ctx context.Context, a sms.Actor, id string, c AcceptanceFailed) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerFailAcceptance), c)
}

// Rework decides to rework after a failed acceptance (REL-06).
func (s *Service) Rework(ctx context.Context, a sms.Actor, id string, c Rework) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRework), c)
}

// AcceptKnownErrors decides to deploy with known errors (REL-06).
func (s *Service) AcceptKnownErrors(ctx context.Context, a sms.Actor, id string, c KnownErrorAcceptance) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAcceptKnownErrors), c)
}

// Approve records one approval (REL-05). The rule's approval gate refuses
// the release's owner or deployer, an actor who already approved it, and
// an actor without a role of the type's rule, with a [*sms.ForbiddenError]
// citing REL-05; an actor who holds none of the roles that approve any
// release is refused by the workflow's role check, which names those
// roles, citing REL-05 too.
func (s *Service) Approve(ctx context.Context, a sms.Actor, id string, c Approval) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerApprove), c)
}

// Authorize approves the release for deployment; the transition asks about
// its changes (REL-05, REL-12).
func (s *Service) Authorize(ctx context.Context, a sms.Actor, id string, c Authorization) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerAuthorize), c)
}

// CaptureBaseline records the baseline (REL-07).
func (s *Service) CaptureBaseline(ctx context.Context, a sms.Actor, id string, c BaselineCapture) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCaptureBaseline), c)
}

// Deploy starts the deployment; the transition asks about the changes
// (REL-04, REL-05, REL-07, REL-12).
func (s *Service) Deploy(ctx context.Context, a sms.Actor, id string, c DeployStart) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerDeploy), c)
}

// CompleteDeployment records a completed, verified deployment (REL-08).
func (s *Service) CompleteDeployment(ctx context.Context, a sms.Actor, id string, c DeploymentResult) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCompleteDeploy), c)
}

// Rollback restores the baseline (REL-07, REL-08).
func (s *Service) Rollback(ctx context.Context, a sms.Actor, id string, c Rollback) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRollback), c)
}

// RecordIncident counts an early-life incident (REL-09).
func (s *Service) RecordIncident(ctx context.Context, a sms.Actor, id string, c IncidentRecord) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerRecordIncident), c)
}

// EndEarlyLife ends the early life (REL-09).
func (s *Service) EndEarlyLife(ctx context.Context, a sms.Actor, id string, c EarlyLifeEnd) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerEndEarlyLife), c)
}

// Review records the analysis (REL-09, REL-10).
func (s *Service) Review(ctx context.Context, a sms.Actor, id string, c AnalysisRecord) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerReview), c)
}

// Close closes an analysed release (REL-10).
func (s *Service) Close(ctx context.Context, a sms.Actor, id string, c Closure) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerClose), c)
}

// Cancel cancels a release before deployment.
func (s *Service) Cancel(ctx context.Context, a sms.Actor, id string, c Cancellation) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerCancel), c)
}

// Link links a problem or known error (REL-03).
func (s *Service) Link(ctx context.Context, a sms.Actor, id string, c Link) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerLink), c)
}

// AddNote adds a note, in any status.
func (s *Service) AddNote(ctx context.Context, a sms.Actor, id string, c Note) (*Release, error) {
	return s.m.Fire(ctx, a, id, string(TriggerNote), c)
}

// Do runs any release command as its typed method does: the command's
// trigger on release id (see [sms.Machine.Do]). A [Planning], which
// creates a release, carries its own ID: id must then be empty. A nil
// command is invalid.
func (s *Service) Do(ctx context.Context, a sms.Actor, id string, c Command) (*Release, error) {
	return s.m.Do(ctx, a, id, c)
}

// Query selects releases; every field is optional.
type Query struct {
	Status []Status
	// Owner is the release manager who owns it.
	Owner string
	// Link keeps releases linked to this record, such as
	// sms.Link{Type: release.LinkChange, ID: "CHG-1"}.
	Link  sms.Link
	After string
	Limit int
}

// List returns a page of releases ordered by ID.
func (s *Service) List(ctx context.Context, q Query) (sms.Page[*Release], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*Release]{}, err
	}
	return s.m.List(ctx, sq)
}

func (q Query) query() (sms.Query, error) {
	st, err := sms.StatusFilter(Kind, q.Status, Status.Valid)
	return sms.Query{Status: st, Owner: q.Owner, Link: q.Link, After: q.After, Limit: q.Limit}, err
}

// Each calls fn for every release matching q, page by page, until fn
// returns false or an error occurs.
func (s *Service) Each(ctx context.Context, q Query, fn func(*Release) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return s.m.Each(ctx, sq, fn)
}

// CalendarEntry is one release window on the release calendar (REL-11).
type CalendarEntry struct {
	Release string
	Name    string
	Type    string
	Status  Status
	Window  Window
}

// Calendar returns the release calendar (REL-11): every deployment window
// of a release not yet deployed, closed or cancelled that overlaps [from,
// to), by start, then release ID.
func (s *Service) Calendar(ctx context.Context, from, to time.Time) ([]CalendarEntry, error) {
	span := Window{Start: from, End: to}
	var out []CalendarEntry
	err := s.Each(ctx, Query{Status: []Status{StatusPlanned, StatusBuilding, StatusTesting, StatusAccepted, StatusAcceptanceFailed,
		StatusApproved, StatusDeploying}, Limit: sms.MaxLimit}, func(r *Release) bool {
		for _, w := range r.Windows {
			if w.Overlaps(span) {
				out = append(out, CalendarEntry{Release: r.ID, Name: r.Name, Type: r.Type, Status: r.Status, Window: w})
			}
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Window.Start.Equal(out[j].Window.Start) {
			return out[i].Window.Start.Before(out[j].Window.Start)
		}
		return out[i].Release < out[j].Release
	})
	return out, err
}

// OutcomeEntry is the outcome of one release (REL-11).
type OutcomeEntry struct {
	Release    string
	Name       string
	Status     Status
	DeployedAt time.Time
	// RolledBack says the deployment was rolled back.
	RolledBack bool
	// Analysis is the release's analysis, if recorded.
	Analysis *Analysis
}

// Outcomes returns the outcomes of the releases whose deployment started
// in [from, to) (REL-11), by deployment start.
func (s *Service) Outcomes(ctx context.Context, from, to time.Time) ([]OutcomeEntry, error) {
	var out []OutcomeEntry
	var starts []time.Time
	err := s.Each(ctx, Query{Status: []Status{StatusDeploying, StatusEarlyLife, StatusReview, StatusRolledBack, StatusClosed},
		Limit: sms.MaxLimit}, func(r *Release) bool {
		d := r.Deployment
		if d == nil || d.StartedAt.Before(from) || !d.StartedAt.Before(to) {
			return true
		}
		out = append(out, OutcomeEntry{Release: r.ID, Name: r.Name, Status: r.Status, DeployedAt: d.DeployedAt,
			RolledBack: !d.RolledBackAt.IsZero(), Analysis: r.Analysis})
		starts = append(starts, d.StartedAt)
		return true
	})
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return starts[idx[i]].Before(starts[idx[j]]) })
	sorted := make([]OutcomeEntry, len(out))
	for i, k := range idx {
		sorted[i] = out[k]
	}
	return sorted, err
}
