package change_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The process kit runs over the three workflows of change management:
// changes, transition plans and templates. Beside the kit's contracts,
// each instance checks on every cell what the package promises of its
// own: a refusal by the workflow names the status it was refused from
// and, for every trigger but note, cites the one requirement the trigger's
// source states enforce (CHG for changes and templates, SDT for plans); a
// success adds exactly one version.

// kitModels is the order in which a cell picks the model of its change.
var kitModels = []string{change.ModelNameNormal, change.ModelNameEmergency, change.ModelNameStandard}

// kitModel returns the model of the change a cell fires on: the first
// whose oracle allows the trigger from the status; for a trigger the
// workflow refuses there, the normal model, which reaches every status.
func kitModel(s change.Status, tr change.Trigger) (string, bool) {
	for _, m := range kitModels {
		if want, ok := oracles[m][s][tr]; ok && !strings.HasPrefix(want, "!") {
			return m, true
		}
	}
	return change.ModelNameNormal, false
}

// kitOracle is the workflow table's oracle: every model's cells merged,
// each cell where the model kitModel picks leads.
func kitOracle(t *testing.T) map[string]map[string]string {
	o := map[change.Status]map[change.Trigger]string{}
	for s, cells := range normalOracle {
		o[s] = map[change.Trigger]string{}
		for tr := range cells {
			m, ok := kitModel(s, tr)
			require.True(t, ok, "no model allows %s from %s", tr, s)
			o[s][tr] = oracles[m][s][tr]
		}
	}
	return smstest.Oracle(o)
}

// kitRefusal checks what the package says of a workflow refusal: it names
// the status, and cites one requirement of the family.
func kitRefusal(t testing.TB, err error, status, trigger, note string, cite func(t testing.TB, id string)) {
	var te *sms.TransitionError
	if !errors.As(err, &te) {
		return
	}
	assert.Equal(t, status, te.State)
	if trigger != note {
		require.Len(t, te.Requirements, 1, "a workflow refusal cites the requirement the trigger's source states enforce")
		cite(t, te.Requirements[0].ID)
	}
}

// changeKit is a change fixture as the kit sees it: one per cell.
type changeKit struct {
	*fixture
	t               testing.TB
	status, trigger string
	version         int64
}

func (k *changeKit) At(t testing.TB, status, trigger string) string {
	s, tr := change.Status(status), change.Trigger(trigger)
	model, allowed := kitModel(s, tr)
	chg := k.to(t, model, s)
	if allowed {
		chg = k.ready(t, chg, tr)
	}
	k.t, k.status, k.version = t, status, chg.Version
	return chg.ID
}

func (k *changeKit) DryRun(ctx context.Context, id, trigger string) error {
	tr := change.Trigger(trigger)
	return k.svc.DryRun(ctx, as(tr), id, k.valid(tr))
}

func (k *changeKit) Fire(ctx context.Context, id, trigger string) (*change.Change, error) {
	tr := change.Trigger(trigger)
	got, err := k.svc.Do(ctx, as(tr), id, k.valid(tr))
	kitRefusal(k.t, err, k.status, trigger, string(change.TriggerNote), func(t testing.TB, id string) { assert.Regexp(t, `^CHG-\d\d$`, id) })
	if err == nil {
		assert.Equal(k.t, k.version+1, got.Version)
	}
	return got, err
}

func (k *changeKit) Get(ctx context.Context, id string) (*change.Change, error) {
	return k.svc.Get(ctx, id)
}
func (k *changeKit) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Journal(ctx, id)
}
func (k *changeKit) Verify(ctx context.Context, id string) error { return k.svc.Verify(ctx, id) }

// planKit is a plan fixture as the kit sees it.
type planKit struct {
	*fixture
	t       testing.TB
	status  string
	version int64
}

func (k *planKit) At(t testing.TB, status, _ string) string {
	tp := k.planTo(t, change.PlanStatus(status))
	k.t, k.status, k.version = t, status, tp.Version
	return tp.ID
}

func (k *planKit) Fire(ctx context.Context, id, trigger string) (*change.TransitionPlan, error) {
	got, err := k.svc.Plans().Do(ctx, boss, id, k.validPlan(nil, change.PlanTrigger(trigger)))
	kitRefusal(k.t, err, k.status, trigger, string(change.PlanNote), func(t testing.TB, id string) { assert.Regexp(t, `^SDT-\d\d$`, id) })
	if err == nil {
		assert.Equal(k.t, k.version+1, got.Version)
	}
	return got, err
}

func (k *planKit) Get(ctx context.Context, id string) (*change.TransitionPlan, error) {
	return k.svc.Plans().Get(ctx, id)
}
func (k *planKit) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Plans().Journal(ctx, id)
}
func (k *planKit) Verify(ctx context.Context, id string) error { return k.svc.Plans().Verify(ctx, id) }

// templateKit is a template fixture as the kit sees it: the author, a
// change manager, fires every trigger but approve, which boss, who never
// wrote it, does; a template to activate is approved first.
type templateKit struct {
	*fixture
	t       testing.TB
	status  string
	version int64
}

func (k *templateKit) At(t testing.TB, status, trigger string) string {
	s, tr := change.TemplateStatus(status), change.TemplateTrigger(trigger)
	tpl := k.templateTo(t, s)
	if _, allowed := templateOracle[s][tr]; allowed && tr == change.TemplateActivate {
		k.clk.Advance(time.Minute)
		var err error
		tpl, err = k.svc.Templates().Approve(k.ctx, boss, tpl.ID, change.TemplateApproval{Rationale: "reviewed"})
		require.NoError(t, err)
	}
	k.clk.Advance(time.Minute)
	k.t, k.status, k.version = t, status, tpl.Version
	return tpl.ID
}

func (k *templateKit) Fire(ctx context.Context, id, trigger string) (*change.Template, error) {
	tr := change.TemplateTrigger(trigger)
	who := manager // the author
	if tr == change.TemplateApprove {
		who = boss // never the author
	}
	got, err := k.svc.Templates().Do(ctx, who, id, validTemplate(tr))
	kitRefusal(k.t, err, k.status, trigger, string(change.TemplateNote), func(t testing.TB, id string) { assert.Equal(t, "CHG-18", id) })
	if err == nil {
		assert.Equal(k.t, k.version+1, got.Version)
	}
	return got, err
}

func (k *templateKit) Get(ctx context.Context, id string) (*change.Template, error) {
	return k.svc.Templates().Get(ctx, id)
}
func (k *templateKit) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Templates().Journal(ctx, id)
}
func (k *templateKit) Verify(ctx context.Context, id string) error {
	return k.svc.Templates().Verify(ctx, id)
}

// sweepCites are the requirements the sweeps cite: an emergency change's
// record overdue (CHG-17); a template's review overdue, and a template not
// suspended after a failed instance (CHG-18); a controlled configuration
// item changed without an authorized change (CHG-16,
// UnauthorizedChanges); the change-trend review overdue, which the review
// register's sweep reports with this package's code and requirement
// (CHG-14, TrendRequirement).
var sweepCites = []string{"CHG-14", "CHG-16", "CHG-17", "CHG-18"}

// cited lists what the catalogue of change management is cited by beside
// each workflow's own rules: the other two workflows, the conformance
// checks of the three populations and the sweeps.
func cited() []string {
	out := smstest.CitedBy(change.ChangeChecks())
	out = append(out, smstest.CitedBy(change.PlanChecks())...)
	out = append(out, smstest.CitedBy(change.TemplateChecks())...)
	out = append(out, sweepCites...)
	out = append(out, change.Workflow().Cited()...)
	out = append(out, change.PlanWorkflow().Cited()...)
	return append(out, change.TemplateWorkflow().Cited()...)
}

// TestProcessKit runs the process kit over each workflow: the oracle
// against the table, the lifecycle diagram in testdata and in doc.go
// (rerun with -update after changing a workflow, and paste the diagram
// into doc.go), the catalogue, and every status x trigger cell through the
// service. Each workflow's Triggers are all but its creating one.
func TestProcessKit(t *testing.T) {
	t.Run("changes", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*change.Change]{
			Workflow: change.Workflow(), Oracle: kitOracle(t), Triggers: smstest.Names(change.Triggers()[1:]), Cites: cited(),
			Golden: "testdata/lifecycle.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*change.Change] {
				return &changeKit{fixture: newFixture(t, change.DefaultPolicy())}
			},
		})
	})
	t.Run("plans", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*change.TransitionPlan]{
			Workflow: change.PlanWorkflow(), Oracle: smstest.Oracle(planOracle), Triggers: smstest.Names(change.PlanTriggers()[1:]), Cites: cited(),
			Golden: "testdata/plan.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*change.TransitionPlan] {
				return &planKit{fixture: newFixture(t, change.DefaultPolicy())}
			},
		})
	})
	t.Run("templates", func(t *testing.T) {
		smstest.RunProcess(t, smstest.Process[*change.Template]{
			Workflow: change.TemplateWorkflow(), Oracle: smstest.Oracle(templateOracle), Triggers: smstest.Names(change.TemplateTriggers()[1:]), Cites: cited(),
			Golden: "testdata/template.mmd", Doc: "doc.go", Update: *update,
			New: func(t testing.TB) smstest.Instance[*change.Template] {
				return &templateKit{fixture: newFixture(t, change.DefaultPolicy())}
			},
		})
	})
}

// changeFuzz drives one change of a model through fuzzed steps: a command
// of the step's variant, by the step's actor, after the clock moved on by
// the variant. After each success the stored change is the one returned
// and fails no conformance check the workflow guarantees.
type changeFuzz struct {
	changeKit
	model, id string
}

func (k *changeFuzz) Start(t testing.TB) string {
	k.t, k.id = t, k.raise(t, k.model).ID
	return k.id
}

func (k *changeFuzz) Do(ctx context.Context, id string, s smstest.Step) (*change.Change, error) {
	tr := change.Trigger(s.Trigger)
	k.clk.Advance(time.Duration(s.Variant) * 37 * time.Minute)
	got, err := k.svc.Do(ctx, fuzzActors[s.Actor%len(fuzzActors)], id, k.fuzzCommand(tr, s.Variant))
	if err != nil {
		return got, err
	}
	stored, err := k.svc.Get(ctx, id)
	require.NoError(k.t, err)
	require.Equal(k.t, got, stored)
	findings, err := change.Check(stored, k.svc.Policy(), k.clk.Now())
	require.NoError(k.t, err)
	for _, fd := range findings {
		require.False(k.t, slices.Contains(workflowGuaranteed, fd.Code),
			"after %s the workflow let through a nonconforming change: %v", tr, fd)
	}
	return got, nil
}
