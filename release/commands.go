package release

import (
	"context"
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// ChangeLookup tells the release package whether a change is authorized:
// approved and not cancelled, rejected or over (REL-03, REL-12). Process
// packages never import each other: the host implements it, with the
// change package (a change whose status is scheduled or implement, see
// change.Status.Authorized) or its own records. An error stops the
// transition; an unknown change is not authorized.
type ChangeLookup interface {
	ChangeAuthorized(ctx context.Context, changeID string) (bool, error)
}

// ChangeLookupFunc adapts a function to [ChangeLookup].
type ChangeLookupFunc func(ctx context.Context, changeID string) (bool, error)

// ChangeAuthorized calls f.
func (f ChangeLookupFunc) ChangeAuthorized(ctx context.Context, id string) (bool, error) {
	return f(ctx, id)
}

// Command is the typed input of one release trigger. Every command type of
// this package implements it, and only they do.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// Size limits of command fields, in bytes, and of lists, in entries.
const (
	MaxText  = sms.MaxText
	MaxShort = sms.MaxShort
	MaxList  = sms.MaxList
)

func checkText(field, s string, max int) error   { return sms.CheckText(Kind, field, s, max) }
func checkRef(field, id string) error            { return sms.CheckRef(Kind, field, id) }
func checkRefs(field string, ids []string) error { return sms.CheckRefs(Kind, field, ids) }
func checkTexts(field string, list []string, max int) error {
	return sms.CheckTexts(Kind, field, list, max)
}
func checkTime(field string, t time.Time) error { return sms.CheckTime(Kind, field, t) }

// Content is the plan of a release (REL-02 to REL-05): the deployment
// plan, the changes it implements, deployment windows, deliverables with
// versions, the method, the affected configuration items, the acceptance
// criteria and the problems and known errors it resolves.
type Content struct {
	Plan         string
	Changes      []string
	Windows      []Window
	Deliverables []Deliverable
	Method       string
	ConfigItems  []string
	Criteria     []string
	Problems     []string
	KnownErrors  []string
}

func (c Content) validate() error {
	if len(c.Windows) > MaxList || len(c.Deliverables) > MaxList {
		return sms.Invalid(Kind, "plan", "more than %d windows or deliverables", MaxList)
	}
	errs := []error{checkText("plan", c.Plan, MaxText), checkRefs("changes", c.Changes), checkRef("method", c.Method),
		checkRefs("config_items", c.ConfigItems), checkTexts("criteria", c.Criteria, MaxShort), checkRefs("problems", c.Problems),
		checkRefs("known_errors", c.KnownErrors)}
	for _, cr := range c.Criteria {
		if sms.Blank(cr) {
			errs = append(errs, sms.Invalid(Kind, "criteria", "contains an empty acceptance criterion (REL-05)"))
		}
	}
	for _, w := range c.Windows {
		errs = append(errs, checkTime("windows.start", w.Start), checkTime("windows.end", w.End))
	}
	for _, d := range c.Deliverables {
		errs = append(errs, checkText("deliverables.name", d.Name, MaxShort), checkText("deliverables.version", d.Version, MaxShort))
	}
	return sms.FirstError(errs...)
}

// Planning plans a release (trigger plan, REL-01 to REL-04, REL-12).
type Planning struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID    string
	Name  string
	Type  string
	Owner string
	Content
}

// Trigger implements [Command].
func (Planning) Trigger() Trigger { return TriggerPlan }
func (Planning) command()         {}

// Validate implements [sms.Command].
func (c Planning) Validate() error {
	return sms.FirstError(checkRef("id", c.ID), checkText("name", c.Name, MaxShort), checkRef("type", c.Type), checkRef("owner", c.Owner),
		c.Content.validate())
}

// Replanning replaces the plan of a release not yet submitted for test
// (trigger amend): every non-empty field of Content replaces the recorded
// one.
type Replanning struct {
	Content
}

// Trigger implements [Command].
func (Replanning) Trigger() Trigger { return TriggerAmend }
func (Replanning) command()         {}

// Validate implements [sms.Command].
func (c Replanning) Validate() error { return c.Content.validate() }

// BuildStart starts building (trigger start_build).
type BuildStart struct{ Note string }

// Trigger implements [Command].
func (BuildStart) Trigger() Trigger { return TriggerStartBuild }
func (BuildStart) command()         {}

// Validate implements [sms.Command].
func (c BuildStart) Validate() error { return checkText("note", c.Note, MaxText) }

// TestSubmission submits the built release for acceptance testing (trigger
// submit_for_test, REL-04, REL-05).
type TestSubmission struct{ Note string }

// Trigger implements [Command].
func (TestSubmission) Trigger() Trigger { return TriggerSubmitForTest }
func (TestSubmission) command()         {}

// Validate implements [sms.Command].
func (c TestSubmission) Validate() error { return checkText("note", c.Note, MaxText) }

func checkResults(rs []CriterionResult) error {
	if len(rs) > MaxList {
		return sms.Invalid(Kind, "results", "more than %d entries", MaxList)
	}
	for _, r := range rs {
		if err := sms.FirstError(checkText("results.criterion", r.Criterion, MaxShort), checkText("results.evidence", r.Evidence, MaxText)); err != nil {
			return err
		}
	}
	return nil
}

// AcceptancePassed records acceptance tests in which every criterion
// passed (trigger pass_acceptance, REL-05).
type AcceptancePassed struct{ Results []CriterionResult }

// Trigger implements [Command].
func (AcceptancePassed) Trigger() Trigger { return TriggerPassAcceptance }
func (AcceptancePassed) command()         {}

// Validate implements [sms.Command].
func (c AcceptancePassed) Validate() error { return checkResults(c.Results) }

// AcceptanceFailed records acceptance tests in which a criterion failed
// (trigger fail_acceptance, REL-05, REL-06); a decision follows.
type AcceptanceFailed struct{ Results []CriterionResult }

// Trigger implements [Command].
func (AcceptanceFailed) Trigger() Trigger { return TriggerFailAcceptance }
func (AcceptanceFailed) command()         {}

// Validate implements [sms.Command].
func (c AcceptanceFailed) Validate() error { return checkResults(c.Results) }

// Decided names who decided on a failed acceptance, and why (REL-06).
type Decided struct {
	Participants []string
	Rationale    string
}

func (d Decided) validate() error {
	return sms.FirstError(checkRefs("participants", d.Participants), checkText("rationale", d.Rationale, MaxText))
}

// Rework decides to rework a release that failed acceptance (trigger
// rework, REL-06).
type Rework struct{ Decided }

// Trigger implements [Command].
func (Rework) Trigger() Trigger { return TriggerRework }
func (Rework) command()         {}

// Validate implements [sms.Command].
func (c Rework) Validate() error { return c.validate() }

// KnownErrorAcceptance decides to deploy despite failed criteria, each
// linked to the known error it is deployed with (trigger
// accept_known_errors, REL-06).
type KnownErrorAcceptance struct {
	Decided
	KnownErrors []CriterionKnownError
}

// Trigger implements [Command].
func (KnownErrorAcceptance) Trigger() Trigger { return TriggerAcceptKnownErrors }
func (KnownErrorAcceptance) command()         {}

// Validate implements [sms.Command].
func (c KnownErrorAcceptance) Validate() error {
	if len(c.KnownErrors) > MaxList {
		return sms.Invalid(Kind, "known_errors", "more than %d entries", MaxList)
	}
	for _, k := range c.KnownErrors {
		if err := sms.FirstError(checkText("known_errors.criterion", k.Criterion, MaxShort), checkRef("known_errors.known_error", k.KnownError)); err != nil {
			return err
		}
	}
	return c.validate()
}

// Approval is one approver's approval of an accepted release (trigger
// approve, REL-05): a role of the release type's rule, neither the owner
// nor the deployer, with a rationale.
type Approval struct{ Rationale string }

// Trigger implements [Command].
func (Approval) Trigger() Trigger { return TriggerApprove }
func (Approval) command()         {}

// Validate implements [sms.Command].
func (c Approval) Validate() error { return checkText("rationale", c.Rationale, MaxText) }

// Authorization approves the release for deployment once the type's
// quorum approved it and every linked change is authorized (trigger
// authorize, REL-05, REL-12).
type Authorization struct {
	Note string
}

// Trigger implements [Command].
func (Authorization) Trigger() Trigger { return TriggerAuthorize }
func (Authorization) command()         {}

// Validate implements [sms.Command].
func (c Authorization) Validate() error { return checkText("note", c.Note, MaxText) }

// BaselineCapture records the baseline of the affected configuration items
// taken before deployment (trigger capture_baseline, REL-07). It is
// captured once and never replaced.
type BaselineCapture struct {
	ID    string
	Items []ItemVersion
}

// Trigger implements [Command].
func (BaselineCapture) Trigger() Trigger { return TriggerCaptureBaseline }
func (BaselineCapture) command()         {}

// Validate implements [sms.Command].
func (c BaselineCapture) Validate() error {
	if len(c.Items) > MaxList {
		return sms.Invalid(Kind, "baseline.items", "more than %d entries", MaxList)
	}
	for _, it := range c.Items {
		if err := sms.FirstError(checkRef("baseline.items.item", it.Item), checkText("baseline.items.version", it.Version, MaxShort)); err != nil {
			return err
		}
	}
	return checkRef("baseline.id", c.ID)
}

// DeployStart starts deploying an approved, baselined release (trigger
// deploy, REL-04, REL-05, REL-07, REL-12): within a planned window, or with
// Override saying why not.
type DeployStart struct {
	Deployer string
	Override string
}

// Trigger implements [Command].
func (DeployStart) Trigger() Trigger { return TriggerDeploy }
func (DeployStart) command()         {}

// Validate implements [sms.Command].
func (c DeployStart) Validate() error {
	return sms.FirstError(checkRef("deployer", c.Deployer), checkText("override", c.Override, MaxText))
}

// DeploymentResult records a completed deployment (trigger
// complete_deployment, REL-08): every target succeeded and the post-deploy
// verification is recorded. A partial failure is a rollback instead.
type DeploymentResult struct {
	Targets      []TargetResult
	Verification string
}

// Trigger implements [Command].
func (DeploymentResult) Trigger() Trigger { return TriggerCompleteDeploy }
func (DeploymentResult) command()         {}

// Validate implements [sms.Command].
func (c DeploymentResult) Validate() error {
	if len(c.Targets) > MaxList {
		return sms.Invalid(Kind, "targets", "more than %d entries", MaxList)
	}
	for _, t := range c.Targets {
		if err := sms.FirstError(checkRef("targets.target", t.Target), checkText("targets.notes", t.Notes, MaxText)); err != nil {
			return err
		}
	}
	return checkText("verification", c.Verification, MaxText)
}

// Rollback restores the baseline after a failed deployment (trigger
// rollback, REL-07, REL-08). The host reverts the linked changes (their
// fail trigger) as it sees the event.
type Rollback struct {
	Reason  string
	Targets []TargetResult
}

// Trigger implements [Command].
func (Rollback) Trigger() Trigger { return TriggerRollback }
func (Rollback) command()         {}

// Validate implements [sms.Command].
func (c Rollback) Validate() error {
	if len(c.Targets) > MaxList {
		return sms.Invalid(Kind, "targets", "more than %d entries", MaxList)
	}
	return checkText("reason", c.Reason, MaxText)
}

// IncidentRecord records an incident related to the release during its
// early life (trigger record_incident, REL-09).
type IncidentRecord struct{ Incident string }

// Trigger implements [Command].
func (IncidentRecord) Trigger() Trigger { return TriggerRecordIncident }
func (IncidentRecord) command()         {}

// Validate implements [sms.Command].
func (c IncidentRecord) Validate() error { return checkRef("incident", c.Incident) }

// EarlyLifeEnd ends the early life once its window elapsed (trigger
// end_early_life, REL-09).
type EarlyLifeEnd struct{ Note string }

// Trigger implements [Command].
func (EarlyLifeEnd) Trigger() Trigger { return TriggerEndEarlyLife }
func (EarlyLifeEnd) command()         {}

// Validate implements [sms.Command].
func (c EarlyLifeEnd) Validate() error { return checkText("note", c.Note, MaxText) }

// AnalysisRecord records the release's analysis (trigger review, REL-09,
// REL-10): its outcome, conclusions and proposed improvements; the
// early-life incidents are counted by the workflow.
type AnalysisRecord struct {
	Outcome      Outcome
	Conclusions  string
	Improvements []string
}

// Trigger implements [Command].
func (AnalysisRecord) Trigger() Trigger { return TriggerReview }
func (AnalysisRecord) command()         {}

// Validate implements [sms.Command].
func (c AnalysisRecord) Validate() error {
	switch c.Outcome {
	case "", OutcomeSuccessful, OutcomeFailed:
	default:
		return sms.Invalid(Kind, "outcome", "%q is neither successful nor failed", c.Outcome)
	}
	for _, i := range c.Improvements {
		if sms.Blank(i) {
			return sms.Invalid(Kind, "improvements", "contains an empty improvement")
		}
	}
	return sms.FirstError(checkText("conclusions", c.Conclusions, MaxText), checkTexts("improvements", c.Improvements, MaxText))
}

// Closure closes an analysed release (trigger close, REL-10).
type Closure struct{ Note string }

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error { return checkText("note", c.Note, MaxText) }

// Cancellation cancels a release before deployment, with a reason (trigger
// cancel). After a failed acceptance it is the decision on it, with its
// participants (REL-06).
type Cancellation struct {
	Reason       string
	Participants []string
}

// Trigger implements [Command].
func (Cancellation) Trigger() Trigger { return TriggerCancel }
func (Cancellation) command()         {}

// Validate implements [sms.Command].
func (c Cancellation) Validate() error {
	return sms.FirstError(checkText("reason", c.Reason, MaxText), checkRefs("participants", c.Participants))
}

// Link links a problem or known error the release resolves (trigger link,
// REL-03). Type is one of [LinkTypes].
type Link struct {
	Type string
	ID   string
}

// Trigger implements [Command].
func (Link) Trigger() Trigger { return TriggerLink }
func (Link) command()         {}

// Validate implements [sms.Command].
func (c Link) Validate() error {
	if !slices.Contains(LinkTypes(), c.Type) {
		return sms.Invalid(Kind, "link.type", "%q is not a link type", c.Type)
	}
	if c.ID == "" {
		return sms.Invalid(Kind, "link.id", "is empty")
	}
	return checkRef("link.id", c.ID)
}

// Note adds a note (trigger note), in any status.
type Note struct{ Text string }

// Trigger implements [Command].
func (Note) Trigger() Trigger { return TriggerNote }
func (Note) command()         {}

// Validate implements [sms.Command].
func (c Note) Validate() error {
	if sms.Blank(c.Text) {
		return sms.Invalid(Kind, "note.text", "is empty or only white space")
	}
	return checkText("note.text", c.Text, MaxText)
}
