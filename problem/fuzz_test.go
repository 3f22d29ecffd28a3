package problem_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, analyst, manager, owner, dual, actor("ghost")}

var fuzzStrings = []string{"", " ", "x", "INC-1", "INC-9", "ünïcødé ✓", strings.Repeat("a", 200), "line\nbreak"}

var fuzzChanges = []string{"CHG-1", "CHG-2", "CHG-9", "CHG-404", ""}

// fuzzCommand builds a problem command: valid, zero, or with fields drawn
// from v.
func fuzzCommand(tr problem.Trigger, v byte, id string) problem.Command {
	switch v % 4 {
	case 0:
		return validCommand(tr)
	case 1:
		return zeroCommand(tr)
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	switch tr {
	case problem.TriggerClassify:
		return problem.Classification{Category: s, Impact: problem.Level(int(v)%5 - 1), Urgency: problem.Level(int(v/5) % 4)}
	case problem.TriggerAssess:
		return problem.Assessment{Owner: s}
	case problem.TriggerStartRCA:
		return problem.RCAStart{Investigator: s}
	case problem.TriggerAnalyse:
		return problem.RootCauseAnalysis{RootCause: s, Undeterminable: v%3 == 0 && s == "", Justification: s}
	case problem.TriggerDeclareKnownError:
		return problem.KnownErrorDeclaration{Workaround: s, Mitigation: []string{s}, Symptoms: []string{s}}
	case problem.TriggerStartFix:
		return problem.FixStart{Change: fuzzChanges[int(v)%len(fuzzChanges)]}
	case problem.TriggerRequestRiskAcceptance:
		return problem.RiskRequest{Rationale: s}
	case problem.TriggerApproveRisk:
		return problem.RiskDecision{Role: []sms.Role{problem.RoleProblemManager, problem.RoleServiceOwner}[int(v)%2],
			Decision: []sms.Decision{sms.Approve, sms.Reject}[int(v/2)%2], Rationale: s}
	case problem.TriggerResolve:
		dup := s
		if v%5 == 0 {
			dup = id
		}
		return problem.Resolution{Type: []problem.ResolutionType{problem.FixApplied, problem.RiskAccepted, problem.Duplicate, problem.CannotReproduce, ""}[int(v)%5],
			Notes: s, DuplicateOf: dup}
	case problem.TriggerRecur:
		return problem.Recurrence{Incident: s}
	case problem.TriggerCancel:
		return problem.Cancellation{Reason: []problem.CancelReason{problem.CancelDuplicate, problem.CancelNotAProblem, ""}[int(v)%3], DuplicateOf: s}
	case problem.TriggerEscalate:
		return problem.Escalation{Target: s, Reason: s}
	case problem.TriggerLink:
		return problem.Link{Type: problem.LinkTypes()[int(v)%3], ID: s}
	case problem.TriggerPropagate:
		return problem.Propagation{Kind: []problem.CommunicationKind{problem.CommunicateWorkaround, problem.CommunicateFix}[int(v)%2]}
	case problem.TriggerRecordAction:
		return problem.Action{Text: s}
	}
	return validCommand(tr)
}

// zeroCommand is the trigger's command type, empty.
func zeroCommand(tr problem.Trigger) problem.Command {
	return smstest.ZeroCommand(fuzzWorkflow, string(tr)).(problem.Command)
}

// fuzzWorkflow is the workflow whose command types zeroCommand reads.
var fuzzWorkflow = problem.Workflow()

// Codes the workflow alone must guarantee: a record that reached its state
// through the service can never fail them.
var workflowGuaranteed = []string{problem.CodeRecordIncomplete, problem.CodeClassificationIncomplete, problem.CodeKnownErrorIncomplete,
	problem.CodeKnownErrorMissing, problem.CodeKnownErrorNotRetired, problem.CodeFixUnverified, problem.CodeRiskUnapproved,
	problem.CodeResolutionIncomplete, problem.CodeCancellationUnjustified}

// fuzzing is the fixture as the kit's fuzz driver sees it. A step whose
// actor byte has its high bit set first takes a step on the problem's
// current known error (the known-error trigger its bits 4 to 6 name, by
// the step's actor, whose index is its low four bits): the kit fuzzes
// sequences of one record, and the known error's steps interleave with the
// problem's. Beside the kit's contracts (a refusal is of a known category
// and changes nothing, a success adds one entry, the journal verifies), a
// refused problem step changes no known error, a known-error step is
// refused only with a known category and leaves its journal verifying,
// and the stored records never fail a check the workflow guarantees (that
// every success reads back as committed, the kit checks).
type fuzzing struct {
	kitInstance
	id string
}

func (f *fuzzing) Start(t testing.TB) string {
	f.id = f.log(t).ID
	return f.id
}

var keTriggers = problem.KETriggers()[1:]

func (f *fuzzing) Do(ctx context.Context, id string, s smstest.Step) (*problem.Problem, error) {
	t := f.t()
	tr, who, v := problem.Trigger(s.Trigger), fuzzActors[(s.Actor&0x0f)%len(fuzzActors)], s.Variant
	f.clk.Advance(time.Duration(v) * 97 * time.Minute)
	f.changes.set("CHG-1", []problem.ChangeOutcome{problem.ChangeOpen, problem.ChangeSuccessful, problem.ChangeFailed}[int(v)%3])
	if s.Actor&0x80 != 0 {
		f.knownErrorStep(ctx, t, id, keTriggers[(s.Actor>>4&7)%len(keTriggers)], who, v)
	}
	kes := f.knownErrors(t)
	got, err := f.svc.Do(ctx, who, id, fuzzCommand(tr, v, id))
	var pe *problem.PropagationError
	if errors.As(err, &pe) && got != nil {
		err = nil // committed: the incidents not informed are the host's
	}
	if err != nil {
		require.Equal(t, kes, f.knownErrors(t), "a refused transition changed the known errors")
		return got, err
	}
	report, err := f.svc.Conform(ctx, f.clk.Now())
	require.NoError(t, err)
	for _, fd := range report.Findings() {
		require.False(t, slices.Contains(workflowGuaranteed, fd.Code),
			"after %s the workflow let through a nonconforming record: %v", tr, fd)
	}
	return got, nil
}

// knownErrorStep fires a known-error trigger on the problem's current
// known error, if it has one.
func (f *fuzzing) knownErrorStep(ctx context.Context, t testing.TB, id string, tr problem.KETrigger, who sms.Actor, v byte) {
	cur, err := f.svc.Get(ctx, id)
	require.NoError(t, err)
	if cur.KnownError == "" {
		return
	}
	c := validKECommand(tr)
	if v%2 == 1 {
		c = problem.KERevision{Symptoms: []string{}, Services: []string{}, ConfigItems: []string{}, Mitigation: []string{}}
	}
	_, err = f.svc.KnownErrors().Do(ctx, who, cur.KnownError, c)
	requireKnownCategory(t, err)
	require.NoError(t, f.svc.KnownErrors().Verify(ctx, cur.KnownError))
}

// FuzzTransitions drives random trigger sequences, with random payloads,
// actors and change outcomes, through the problem service
// (smstest.FuzzProcess), known-error steps interleaved: no panic; every
// refusal leaves the problem, its journal and the known errors unchanged;
// every success appends exactly one problem entry; journals verify; and
// the stored records never fail a check the workflow guarantees.
func FuzzTransitions(f *testing.F) {
	// Seeds as (trigger index, actor, variant) triples; indexes count from
	// classify = 0 in problem.Triggers()[1:]; an actor byte 0x80 | k<<4 |
	// a takes the known-error trigger k (revise = 0 .. note = 4) by actor a
	// first.
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 8, 0, 0, 10, 0, 0}) // to closed via cannot_reproduce
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 6, 0x90, 0, 7, 2, 0, 7, 3, 4, 8, 0, 2, 15, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 8, 0, 1, 9, 0, 0, 15, 0, 0, 16, 0xa0, 0})
	f.Add([]byte{11, 2, 3, 12, 1, 6, 3, 3, 1, 4, 0, 9, 0, 5, 5, 10, 4, 2})
	triggers := smstest.Names(problem.Triggers()[1:])
	f.Fuzz(func(t *testing.T, ops []byte) {
		fx := newFixture(t, problem.DefaultPolicy())
		in := &fuzzing{kitInstance: kitInstance{fixture: fx}}
		smstest.FuzzProcess(t, ops, triggers, in)
		pr, err := fx.svc.Get(fx.ctx, in.id)
		require.NoError(t, err)
		j, err := fx.svc.Journal(fx.ctx, in.id)
		require.NoError(t, err)
		require.Len(t, j, int(pr.Version), "one journal entry per success")
	})
}

func requireKnownCategory(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	known := false
	for _, s := range []error{sms.ErrGuard, sms.ErrTransition, sms.ErrForbidden, sms.ErrInvalid} {
		known = known || errors.Is(err, s)
	}
	require.True(t, known, "unexpected error category: %v", err)
}
