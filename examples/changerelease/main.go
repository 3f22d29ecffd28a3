// Command changerelease plays a story across problem, change and release
// management (clauses 8.6.3, 8.5.1 and 8.5.3 of ISO/IEC 20000-1:2018): a
// problem whose fix needs a change, the change assessed and authorized (a
// self-approval refused on the way), the release that deploys it, an
// emergency change in the middle, and the problem closed once the change
// succeeded. It prints each transition, the refusals with the requirement
// and clause they cite, the verified journals and the conformance reports,
// and ends with the month's change-trend review (CHG-14) recorded in the
// review register.
//
// The three process packages never import each other: this program is the
// host that wires them, answering the release package's change lookup and
// the problem package's change lookup from the change service, and
// scheduling the change-trend review with the values the change package
// exports.
//
//	go run ./examples/changerelease                 # SQLite in a temporary file
//	go run ./examples/changerelease -db sms.db      # SQLite in sms.db
//	go run ./examples/changerelease -store memory   # the in-memory store
//	go run ./examples/changerelease -store postgres -dsn postgres://...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/review"
)

func main() {
	storeKind := flag.String("store", "sqlite", "store: sqlite, memory or postgres")
	dbPath := flag.String("db", "", "SQLite database file (default: a temporary file)")
	dsn := flag.String("dsn", os.Getenv("SMS_POSTGRES_DSN"), "PostgreSQL connection string for -store postgres")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *storeKind, *dbPath, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, "changerelease:", err)
		os.Exit(1)
	}
}

// story is the shared state of the walk-through: the services, a simulated
// clock and the output.
type story struct {
	ctx      context.Context
	out      io.Writer
	now      time.Time
	problems *problem.Service
	changes  *change.Service
	releases *release.Service
	reviews  *review.Service
}

func (s *story) clock() time.Time     { return s.now }
func (s *story) wait(d time.Duration) { s.now = s.now.Add(d) }

func (s *story) say(format string, args ...any) { fmt.Fprintf(s.out, format+"\n", args...) }

// step returns a function that prints a committed transition of any record,
// or stops the story on an error.
func step[E interface{ State() string }](s *story, trigger string) func(E, error) E {
	return func(e E, err error) E {
		if err != nil {
			panic(fmt.Errorf("%s: unexpected refusal: %w", trigger, err))
		}
		s.say("  %-12s  %-28s -> %s", s.now.Format("Jan 2 15:04"), trigger, e.State())
		return e
	}
}

// refused prints a refusal the way a host would show it to its user.
func (s *story) refused(what string, err error) {
	var ge *sms.GuardError
	var te *sms.TransitionError
	var fe *sms.ForbiddenError
	switch {
	case errors.As(err, &ge):
		s.say("  REFUSED %s:", what)
		for _, r := range ge.Unmet {
			s.say("    %s (ISO/IEC 20000-1 clause %s): %s", r.ID, r.Clause, r.Text)
		}
	case errors.As(err, &te):
		s.say("  REFUSED %s: not allowed from %s; permitted: %s", what, te.State, strings.Join(te.Permitted, ", "))
	case errors.As(err, &fe):
		s.say("  REFUSED %s: %s", what, fe.Reason)
		if r := fe.Requirement; r.ID != "" {
			s.say("    %s (ISO/IEC 20000-1 clause %s): %s", r.ID, r.Clause, r.Text)
		}
	case err == nil:
		panic("expected a refusal for " + what)
	default:
		panic(err)
	}
}

// The people of the story.
var (
	ana  = sms.Actor{ID: "ana", Roles: []sms.Role{problem.RoleAnalyst}}
	pam  = sms.Actor{ID: "pam", Roles: []sms.Role{problem.RoleProblemManager}}
	rita = sms.Actor{ID: "rita", Roles: []sms.Role{change.RoleRequester, change.RoleCAB}} // requester, and a CAB member
	max  = sms.Actor{ID: "max", Roles: []sms.Role{change.RoleChangeManager, review.RoleOwner}}
	cara = sms.Actor{ID: "cara", Roles: []sms.Role{change.RoleCAB}}
	eve  = sms.Actor{ID: "eve", Roles: []sms.Role{change.RoleEmergencyAuthority}}
	ivan = sms.Actor{ID: "ivan", Roles: []sms.Role{change.RoleImplementer}}
	dana = sms.Actor{ID: "dana", Roles: []sms.Role{change.RoleRequester}}
	rosa = sms.Actor{ID: "rosa", Roles: []sms.Role{release.RoleReleaseManager, release.RoleTester}}
	abe  = sms.Actor{ID: "abe", Roles: []sms.Role{release.RoleApprover}}
	dev  = sms.Actor{ID: "dev", Roles: []sms.Role{release.RoleDeployer}}
)

func run(ctx context.Context, out io.Writer, storeKind, dbPath, dsn string) (err error) {
	s := &story{ctx: ctx, out: out, now: time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)}
	st, closeStores, err := openStores(ctx, storeKind, dbPath, dsn)
	if err != nil {
		return err
	}
	defer closeStores()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the story stopped: %v", p)
		}
	}()
	s.say("sms change and release: a problem fixed through a change and its release, with an emergency change on the way")
	s.say("(ISO/IEC 20000-1:2018 clauses 8.6.3, 8.5.1, 8.5.3), on the %s store\n", st.name)

	opts := sms.Options{Now: s.clock}
	// The host wires the processes: each asks another through a lookup
	// this program answers with the services it runs.
	if s.changes, err = change.NewService(change.Stores{Changes: st.changes, Plans: st.plans, Templates: st.templates},
		change.Config{Policy: change.DefaultPolicy(), Options: opts, Releases: change.ReleaseLookupFunc(s.releaseApproved)}); err != nil {
		return err
	}
	if s.releases, err = release.NewService(st.releases, release.Config{Policy: release.DefaultPolicy(), Options: opts,
		Changes: release.ChangeLookupFunc(s.changeAuthorized)}); err != nil {
		return err
	}
	if s.problems, err = problem.NewService(problem.Stores{Problems: st.problems, KnownErrors: st.knownErrors},
		problem.Config{Policy: problem.DefaultPolicy(), Options: opts, Changes: problem.ChangeLookupFunc(s.changeOutcome)}); err != nil {
		return err
	}
	// Change records are analysed for trends every month (CHG-14): the
	// organisation's interval, with a week's grace.
	if s.reviews, err = review.NewService(st.reviews, review.Config{Options: opts, Schedules: []review.Schedule{{
		Subject: change.TrendReviewSubject, Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Interval: 30 * day, Grace: 7 * day, Requirement: change.TrendRequirement(), Code: change.CodeTrendReviewOverdue,
	}}}); err != nil {
		return err
	}

	prb := s.theProblem()
	chg := s.theChange(prb)
	rel := s.theRelease(chg)
	emergency := s.theEmergency()
	s.closing(prb, chg, rel)
	if err := s.audit(prb, chg, emergency, rel); err != nil {
		return err
	}
	return s.trendReview(chg, emergency)
}

const day = 24 * time.Hour

// changeAuthorized answers the release package (REL-03, REL-12).
func (s *story) changeAuthorized(ctx context.Context, id string) (bool, error) {
	c, err := s.changes.Get(ctx, id)
	if errors.Is(err, sms.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.Status.Authorized(), nil
}

// releaseApproved answers the change package's transition plans (SDT-05).
func (s *story) releaseApproved(ctx context.Context, id string) (bool, error) {
	r, err := s.releases.Get(ctx, id)
	if errors.Is(err, sms.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Status.Approved(), nil
}

// changeOutcome answers the problem package (PRB-06, PRB-09).
func (s *story) changeOutcome(ctx context.Context, id string) (problem.ChangeOutcome, error) {
	c, err := s.changes.Get(ctx, id)
	if err != nil {
		return "", err // wraps sms.ErrNotFound for an unknown change
	}
	switch {
	case c.Status == change.StatusClosed && c.CloseCode != change.CloseUnsuccessful:
		return problem.ChangeSuccessful, nil
	case c.Status.Terminal():
		return problem.ChangeFailed, nil
	}
	return problem.ChangeOpen, nil
}

func (s *story) theProblem() string {
	ctx, svc := s.ctx, s.problems
	s.say("1. Problem management: the payroll batch times out at every month end")
	pr := step[*problem.Problem](s, "log")(svc.Log(ctx, ana, problem.Report{Summary: "Payroll batch times out at month end",
		Service: "payroll", Source: problem.SourceTrend, Incidents: []string{"INC-311", "INC-342", "INC-377"},
		ConfigItems: []string{"payroll-db"}, Symptoms: []string{"batch aborted: lock wait timeout"}}))
	id := pr.ID
	step[*problem.Problem](s, "classify")(svc.Classify(ctx, ana, id, problem.Classification{Category: "database", Impact: problem.High, Urgency: problem.Medium}))
	step[*problem.Problem](s, "assess")(svc.Assess(ctx, pam, id, problem.Assessment{Owner: "pam"}))
	step[*problem.Problem](s, "start_rca")(svc.StartRCA(ctx, pam, id, problem.RCAStart{Investigator: "ana"}))
	s.wait(26 * time.Hour)
	step[*problem.Problem](s, "record_root_cause")(svc.RecordRootCause(ctx, ana, id, problem.RootCauseAnalysis{
		RootCause: "the payslip index is rebuilt inside the batch and locks the pay table", Method: "5 whys"}))
	step[*problem.Problem](s, "declare_known_error")(svc.DeclareKnownError(ctx, ana, id, problem.KnownErrorDeclaration{
		Workaround: "run the batch in two halves, before and after the index rebuild"}))
	s.say("  the fix needs a change to the payroll database: a known error until then\n")
	return id
}

func dims() change.ImpactAssessment {
	return change.ImpactAssessment{
		Services: change.Dimension{Affected: true, Notes: "payroll read-only for 2 hours"},
		Parties:  change.Dimension{Affected: true, Notes: "HR warned; outside the pay run"},
		Plans:    change.Dimension{Notes: "no SMS plan affected"},
		Capacity: change.Dimension{Notes: "index build needs 20 GB temporary space, available"},
		Schedule: change.Dimension{Notes: "no other change on payroll that week"},
	}
}

func (s *story) theChange(prb string) string {
	ctx, svc := s.ctx, s.changes
	s.say("2. Change management: a normal change to fix it")
	chg := step[*change.Change](s, "raise")(svc.Raise(ctx, rita, change.Request{Summary: "Move the payslip index rebuild out of the batch",
		Requester: "rita", Type: change.TypeModify, Model: change.ModelNameNormal, Category: "database", Services: []string{"payroll"},
		ConfigItems: []change.ConfigItem{{ID: "payroll-db", Type: "database"}, {ID: "payroll-batch", Type: "application"}},
		Reason:      "month-end batch failures", Links: []sms.Link{{Type: change.LinkProblem, ID: prb}}}))
	id := chg.ID
	chg = step[*change.Change](s, "submit")(svc.Submit(ctx, rita, id, change.Submission{}))
	s.say("  major impact: %t (criteria %s)", chg.MajorImpact, chg.CriteriaVersion)
	s.wait(3 * time.Hour)
	chg = step[*change.Change](s, "complete_assessment")(svc.CompleteAssessment(ctx, max, id, change.Evaluation{Likelihood: 2, Impact: 3,
		Benefit: "month-end payroll runs without manual splitting", Feasibility: "vendor-documented procedure", Cost: "EUR 1,800",
		Dimensions: dims(), Remediation: change.RemediationPlan{Plan: "restore the index job in the batch", Tested: true}}))
	s.say("  risk %d (likelihood %d x impact %d)", chg.Assessment.RiskScore, chg.Assessment.Likelihood, chg.Assessment.Impact)

	_, err := svc.Approve(ctx, rita, id, change.Approval{Rationale: "I know this change best"})
	s.refused("rita, a CAB member, approving the change she requested", err)
	s.wait(time.Hour)
	step[*change.Change](s, "approve (cara)")(svc.Approve(ctx, cara, id, change.Approval{Rationale: "tested rollback, low risk"}))
	step[*change.Change](s, "authorize")(svc.Authorize(ctx, max, id, change.Authorization{Priority: 2, Minutes: "CAB 2026-11-03"}))

	step[*problem.Problem](s, "problem: start_fix")(s.problems.StartFix(ctx, pam, prb, problem.FixStart{Change: id}))
	s.say("")
	return id
}

func (s *story) theRelease(chg string) string {
	ctx, svc := s.ctx, s.releases
	s.say("3. Release and deployment management: the release of the change")
	window := release.Window{Start: time.Date(2026, 11, 6, 22, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC)}
	_, err := svc.Plan(ctx, rosa, release.Planning{Name: "payroll 2026.11", Type: release.TypeMinor, Owner: "rosa", Content: release.Content{
		Plan: "stop the batch, deploy, rebuild the index offline", Changes: []string{chg, "CHG-UNKNOWN"}, Windows: []release.Window{window},
		Deliverables: []release.Deliverable{{Name: "payroll-batch", Version: "7.3.0"}}, Method: "big_bang"}})
	s.refused("a release naming a change that is not authorized", err)
	rel := step[*release.Release](s, "plan")(svc.Plan(ctx, rosa, release.Planning{Name: "payroll 2026.11", Type: release.TypeMinor, Owner: "rosa",
		Content: release.Content{Plan: "stop the batch, deploy, rebuild the index offline", Changes: []string{chg}, Windows: []release.Window{window},
			Deliverables: []release.Deliverable{{Name: "payroll-batch", Version: "7.3.0"}, {Name: "payroll-db-migration", Version: "118"}},
			Method:       "big_bang", ConfigItems: []string{"payroll-db", "payroll-batch"},
			Criteria: []string{"month-end batch completes in test", "payslips identical to 7.2"}}}))
	id := rel.ID
	step[*release.Release](s, "start_build")(svc.StartBuild(ctx, rosa, id, release.BuildStart{}))
	s.wait(24 * time.Hour)
	step[*release.Release](s, "submit_for_test")(svc.SubmitForTest(ctx, rosa, id, release.TestSubmission{}))
	step[*release.Release](s, "pass_acceptance")(svc.PassAcceptance(ctx, rosa, id, release.AcceptancePassed{Results: []release.CriterionResult{
		{Criterion: "month-end batch completes in test", Passed: true, Evidence: "38 min, was 2 h 10"},
		{Criterion: "payslips identical to 7.2", Passed: true, Evidence: "diff of 4,211 payslips empty"}}}))
	step[*release.Release](s, "approve (abe)")(svc.Approve(ctx, abe, id, release.Approval{Rationale: "acceptance complete, rollback rehearsed"}))
	step[*release.Release](s, "authorize")(svc.Authorize(ctx, rosa, id, release.Authorization{}))

	// The change is scheduled into the release's window and announced.
	csvc := s.changes
	s.wait(24 * time.Hour)
	step[*change.Change](s, "change: schedule")(csvc.Schedule(ctx, max, chg, change.Scheduling{Window: change.Window{Start: window.Start, End: window.End},
		Plan: "release payroll 2026.11", Implementer: "ivan", Parties: []string{"hr-payroll", "service-desk"}}))
	step[*change.Change](s, "change: notify")(csvc.Notify(ctx, max, chg, change.Notification{Parties: []string{"hr-payroll", "service-desk"},
		Message: "payroll read-only Friday 22:00 to Saturday 02:00"}))

	s.now = window.Start.Add(5 * time.Minute)
	_, err = svc.Deploy(ctx, dev, id, release.DeployStart{Deployer: "dev"})
	s.refused("deploying before the baseline is captured", err)
	step[*release.Release](s, "capture_baseline")(svc.CaptureBaseline(ctx, dev, id, release.BaselineCapture{ID: "BL-2026-11-06",
		Items: []release.ItemVersion{{Item: "payroll-db", Version: "schema 117"}, {Item: "payroll-batch", Version: "7.2.4"}}}))
	step[*change.Change](s, "change: start_implementation")(csvc.Start(ctx, ivan, chg, change.Implementation{
		Verification: "release artefacts signed and checksummed", TestResult: "acceptance of release payroll 2026.11"}))
	step[*release.Release](s, "deploy")(svc.Deploy(ctx, dev, id, release.DeployStart{Deployer: "dev"}))
	s.wait(95 * time.Minute)
	rel = step[*release.Release](s, "complete_deployment")(svc.CompleteDeployment(ctx, dev, id, release.DeploymentResult{
		Targets:      []release.TargetResult{{Target: "payroll-db-primary", OK: true}, {Target: "batch-host", OK: true}},
		Verification: "dry run of the month-end batch: 36 min"}))
	s.say("  early life until %s", rel.Deployment.EarlyLifeEnds.Format("Jan 2 15:04"))
	step[*change.Change](s, "change: complete")(csvc.Complete(ctx, ivan, chg, change.Completion{Outcome: change.OutcomeSuccessful}))
	s.say("")
	return id
}

func (s *story) theEmergency() string {
	ctx, svc := s.ctx, s.changes
	s.wait(30 * time.Hour)
	s.say("4. Meanwhile: the payroll portal's TLS certificate is revoked (incident INC-402)")
	chg := step[*change.Change](s, "raise")(svc.Raise(ctx, dana, change.Request{Summary: "Replace the revoked TLS certificate of the payroll portal",
		Requester: "dana", Type: change.TypeModify, Model: change.ModelNameEmergency, Category: "security", Services: []string{"payroll"},
		ConfigItems: []change.ConfigItem{{ID: "payroll-portal", Type: "application"}}, Reason: "certificate revoked by the CA"}))
	id := chg.ID
	chg = step[*change.Change](s, "submit_emergency")(svc.SubmitEmergency(ctx, dana, id, change.EmergencySubmission{Incident: "INC-402",
		Justification: "users cannot reach the portal", Remediation: change.RemediationPlan{Plan: "re-install the previous certificate chain",
			Justification: "nothing to test against: the revocation is live"}}))
	s.say("  assessment skipped; the record is due by %s", chg.RetroDue.Format("Jan 2 15:04"))
	step[*change.Change](s, "approve (eve, ECAB)")(svc.Approve(ctx, eve, id, change.Approval{Rationale: "portal down for every user"}))
	step[*change.Change](s, "authorize")(svc.Authorize(ctx, eve, id, change.Authorization{Priority: 1}))
	step[*change.Change](s, "schedule")(svc.Schedule(ctx, max, id, change.Scheduling{Window: change.Window{Start: s.now, End: s.now.Add(time.Hour)},
		Plan: "install the new certificate, reload the proxy", Implementer: "ivan", Parties: []string{"service-desk"}}))
	step[*change.Change](s, "notify")(svc.Notify(ctx, max, id, change.Notification{Parties: []string{"service-desk"}, Message: "portal certificate replaced now"}))
	step[*change.Change](s, "start_implementation")(svc.Start(ctx, ivan, id, change.Implementation{Verification: "certificate chain validated",
		TestSkipped: "no staging copy of the public endpoint"}))
	s.wait(20 * time.Minute)
	step[*change.Change](s, "complete")(svc.Complete(ctx, ivan, id, change.Completion{Outcome: change.OutcomeSuccessful}))
	step[*change.Change](s, "review")(svc.Review(ctx, max, id, change.PIR{ObjectivesMet: true, Summary: "portal back in 40 minutes",
		Actions: []change.FollowUp{{Action: "monitor certificate revocation lists", Owner: "ivan", AgreedWith: "security officer"}}}))
	_, err := svc.Close(ctx, max, id, change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "payroll-portal", Ref: "CMDB-9921"}}})
	s.refused("closing the emergency change before its record is complete", err)
	s.wait(24 * time.Hour)
	step[*change.Change](s, "record_assessment")(svc.RecordAssessment(ctx, max, id, change.Retrospective{Evaluation: change.Evaluation{
		Likelihood: 1, Impact: 2, Benefit: "portal restored", Feasibility: "routine for the web team", Cost: "2 hours",
		Dimensions: change.ImpactAssessment{
			Services: change.Dimension{Affected: true, Notes: "portal reload, seconds"}, Parties: change.Dimension{Notes: "users were already cut off"},
			Plans: change.Dimension{Notes: "none"}, Capacity: change.Dimension{Notes: "none"}, Schedule: change.Dimension{Notes: "none pending"}}}}))
	step[*change.Change](s, "close")(svc.Close(ctx, max, id, change.Closure{ConfigUpdates: []change.ConfigUpdate{{Item: "payroll-portal", Ref: "CMDB-9921"}}}))
	s.say("")
	return id
}

func (s *story) closing(prb, chg, rel string) {
	ctx := s.ctx
	s.say("5. Early life, reviews and closure")
	step[*release.Release](s, "release: record_incident")(s.releases.RecordIncident(ctx, dev, rel, release.IncidentRecord{Incident: "INC-415"}))
	s.wait(7 * 24 * time.Hour)
	step[*release.Release](s, "release: end_early_life")(s.releases.EndEarlyLife(ctx, rosa, rel, release.EarlyLifeEnd{}))
	r := step[*release.Release](s, "release: review")(s.releases.Review(ctx, rosa, rel, release.AnalysisRecord{Outcome: release.OutcomeSuccessful,
		Conclusions: "batch time cut by 70%; one report layout incident (INC-415)", Improvements: []string{"add payslip layout to the acceptance criteria"}}))
	s.say("  analysis: %s, %d early-life incident(s)", r.Analysis.Outcome, r.Analysis.IncidentCount)
	step[*release.Release](s, "release: close")(s.releases.Close(ctx, rosa, rel, release.Closure{}))

	step[*change.Change](s, "change: review")(s.changes.Review(ctx, max, chg, change.PIR{ObjectivesMet: true,
		Summary: "month-end batch ran in 38 minutes without manual splitting", IncidentsCaused: []string{"INC-415"},
		Actions: []change.FollowUp{{Action: "add payslip layout checks to acceptance", Owner: "rosa", AgreedWith: "HR payroll lead"}}}))
	_, err := s.changes.Close(ctx, max, chg, change.Closure{})
	s.refused("closing the change without its configuration updates", err)
	c := step[*change.Change](s, "change: close")(s.changes.Close(ctx, max, chg, change.Closure{ConfigUpdates: []change.ConfigUpdate{
		{Item: "payroll-db", Ref: "CMDB-9904"}, {Item: "payroll-batch", Ref: "CMDB-9905"}}}))
	s.say("  close code %s", c.CloseCode)

	step[*problem.Problem](s, "problem: resolve")(s.problems.Resolve(ctx, pam, prb, problem.Resolution{Type: problem.FixApplied,
		Notes: "index rebuild moved out of the batch by the change"}))
	s.wait(15 * 24 * time.Hour)
	step[*problem.Problem](s, "problem: close")(s.problems.Close(ctx, pam, prb, problem.Closure{Note: "no month-end failure since"}))
	s.say("")
}

func (s *story) audit(prb, chg, emergency, rel string) error {
	ctx := s.ctx
	s.say("6. What an auditor sees")
	verify := func(kind string, journal func(context.Context, string) ([]sms.Entry, error), check func(context.Context, string) error, id string) error {
		j, err := journal(ctx, id)
		if err != nil {
			return err
		}
		verdict := "SHA-256 chain verifies"
		if err := check(ctx, id); err != nil {
			verdict = "DOES NOT VERIFY: " + err.Error()
		}
		s.say("  journal of %-16s %2d entries, %s", kind, len(j), verdict)
		return nil
	}
	for _, v := range []struct {
		kind    string
		journal func(context.Context, string) ([]sms.Entry, error)
		check   func(context.Context, string) error
		id      string
	}{
		{"problem", s.problems.Journal, s.problems.Verify, prb},
		{"normal change", s.changes.Journal, s.changes.Verify, chg},
		{"emergency change", s.changes.Journal, s.changes.Verify, emergency},
		{"release", s.releases.Journal, s.releases.Verify, rel},
	} {
		if err := verify(v.kind, v.journal, v.check, v.id); err != nil {
			return err
		}
	}
	j, err := s.changes.Journal(ctx, chg)
	if err != nil {
		return err
	}
	for _, e := range j {
		if e.Trigger == string(change.TriggerApprove) {
			role, _ := sms.Get(e.Payload, "role")
			rationale, _ := sms.Get(e.Payload, "rationale")
			s.say("  the change's approval: %s (%s) at %s: %q", e.Actor.ID, role, e.At.Format("Jan 2 15:04"), rationale)
		}
	}

	asOf := s.now
	reports := []struct {
		name string
		rep  func(context.Context, time.Time) (sms.Report, error)
	}{{"change", s.changes.Conform}, {"release", s.releases.Conform}, {"problem", s.problems.Conform}}
	s.say("  conformance as of %s:", asOf.Format("Jan 2 2006"))
	for _, r := range reports {
		rep, err := r.rep(ctx, asOf)
		if err != nil {
			return err
		}
		for _, res := range rep.Results {
			verdict := "pass"
			if !res.Passed() {
				verdict = fmt.Sprintf("FAIL (%d)", len(res.Failures))
			}
			s.say("    %-8s %-42s clause %-16s %d examined  %s", r.name, res.Check, res.Clause, res.Population, verdict)
		}
	}
	findings := 0
	for _, sweep := range []func(context.Context, time.Time) ([]sms.Finding, error){s.changes.Sweep, s.releases.Sweep, s.problems.Sweep} {
		fs, err := sweep(ctx, asOf)
		if err != nil {
			return err
		}
		findings += len(fs)
	}
	s.say("  periodic obligations (sweeps): %d finding(s)", findings)
	tr, err := s.changes.Trends(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), asOf)
	if err != nil {
		return err
	}
	s.say("  change trends for November: %d raised, success rate %.2f, emergency ratio %.2f, %d caused incidents, backlog %d",
		tr.Raised, tr.SuccessRate, tr.EmergencyRatio, tr.CausedIncidents, tr.Backlog)
	outcomes, err := s.releases.Outcomes(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), asOf)
	if err != nil {
		return err
	}
	for _, o := range outcomes {
		s.say("  release outcome: %s deployed %s, %s", o.Name, o.DeployedAt.Format("Jan 2 15:04"), o.Analysis.Outcome)
	}
	return nil
}

// trendReview records the month's change-trend review (CHG-14) in the
// review register: the trends as its input, its conclusions and the
// actions agreed, followed up until it closes; then the register's sweep.
func (s *story) trendReview(chg, emergency string) error {
	ctx, svc := s.ctx, s.reviews
	s.say("")
	s.say("7. The monthly change-trend review (CHG-14), kept in the review register")
	st, err := svc.Standings(ctx, s.now)
	if err != nil {
		return err
	}
	sched := st[0].Schedule
	s.say("  schedule %s: every %d days, the first due %s (%d days' grace)", sched.Key(), sched.Interval/day,
		st[0].Due.Format("Jan 2"), sched.Grace/day)
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tr, err := s.changes.Trends(ctx, from, to, s.now)
	if err != nil {
		return err
	}
	rv := step[*review.Review](s, "review: plan")(svc.Plan(ctx, max, review.Plan{Subject: change.TrendReviewSubject, Owner: "max",
		Period: review.Period{From: from, To: to}}))
	s.say("  input: %s", tr.Summary())
	s.wait(2 * time.Hour)
	inputs := review.Inputs{Summary: tr.Summary(), Refs: []string{chg, emergency}}
	people := []string{"max", "cara", "rosa"}
	_, err = svc.Perform(ctx, max, rv.ID, review.Performance{Inputs: inputs, Participants: people})
	s.refused("recording the review without its conclusions", err)
	rv = step[*review.Review](s, "review: perform")(svc.Perform(ctx, max, rv.ID, review.Performance{Inputs: inputs, Participants: people,
		Conclusions: "half of November's changes were emergencies, and the revoked certificate could have been caught earlier; " +
			"the one incident a change caused (INC-415) came from a report layout that acceptance did not check",
		Actions: []review.AgreedAction{
			{Text: "alert on certificate revocation and expiry", Owner: "ivan", Due: s.now.Add(14 * day), Ref: "CI-31"},
			{Text: "add report layouts to the release acceptance criteria", Owner: "rosa", Due: s.now.Add(30 * day)},
		}}))
	s.say("  conclusions recorded, %d action(s) agreed, %d participant(s)", len(rv.Actions), len(rv.Participants))
	_, err = svc.Close(ctx, max, rv.ID, review.Closure{})
	s.refused("closing the review while an action is neither done nor tracked", err)
	s.wait(5 * day)
	step[*review.Review](s, "review: update_action")(svc.UpdateAction(ctx, max, rv.ID, review.ActionUpdate{Number: 2, Done: true,
		Note: "criteria added to the payroll release template"}))
	step[*review.Review](s, "review: close")(svc.Close(ctx, max, rv.ID, review.Closure{}))
	verdict := "SHA-256 chain verifies"
	if err := svc.Verify(ctx, rv.ID); err != nil {
		verdict = "DOES NOT VERIFY: " + err.Error()
	}
	j, err := svc.Journal(ctx, rv.ID)
	if err != nil {
		return err
	}
	s.say("  journal of %-16s %2d entries, %s", "review", len(j), verdict)
	rep, err := svc.Conform(ctx, s.now)
	if err != nil {
		return err
	}
	for _, res := range rep.Results {
		verdict := "pass"
		if !res.Passed() {
			verdict = fmt.Sprintf("FAIL (%d)", len(res.Failures))
		}
		s.say("    review   %-42s clause %-16s %d examined  %s", res.Check, res.Clause, res.Population, verdict)
	}
	findings, err := svc.Sweep(ctx, s.now)
	if err != nil {
		return err
	}
	s.say("  review register sweep: %d finding(s)", len(findings))
	for _, f := range findings {
		s.say("    %s", f)
	}
	if st, err = svc.Standings(ctx, s.now); err != nil {
		return err
	}
	s.say("  next change-trend review due %s", st[0].Due.Format("Jan 2"))
	return nil
}
