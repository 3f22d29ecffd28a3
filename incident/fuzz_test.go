package incident_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

var fuzzActors = []sms.Actor{boss, desk, resolver, mim, caller, actor("ghost"), otherCaller}

var fuzzStrings = []string{"", " ", "x", "PRB-1", "ünïcødé ✓", strings.Repeat("a", 200), "line\nbreak"}

// fuzzCommand builds a command for the trigger: valid, zero, or with fields
// drawn from v.
func fuzzCommand(tr incident.Trigger, v byte, id string, now time.Time) incident.Command {
	switch v % 4 {
	case 0:
		return validCommand(tr)
	case 1:
		return zeroCommand(tr)
	}
	s := fuzzStrings[int(v)%len(fuzzStrings)]
	lvl := incident.Level(int(v)%5 - 1)
	at := now.Add(time.Duration(int(v)-128) * time.Minute)
	switch tr {
	case incident.TriggerClassify:
		return incident.Classification{Category: s, Impact: lvl, Urgency: incident.Level(int(v/5)%4 + 0), Priority: incident.Priority(int(v) % 3),
			OverrideReason: s, Security: v%2 == 0, SecurityRisk: lvl, ConfigItems: []string{s}}
	case incident.TriggerAssign:
		return incident.Assignment{Group: s, Assignee: s}
	case incident.TriggerHold:
		return incident.Suspension{Reason: []incident.HoldReason{"caller", "supplier", "change", "problem", "lunch"}[int(v)%5], Ref: s}
	case incident.TriggerEscalate:
		return incident.Escalation{Kind: []incident.EscalationKind{"functional", "hierarchical", ""}[int(v)%3], Target: s, Reason: s}
	case incident.TriggerRecordAction:
		return incident.Action{Text: s, KnownError: s}
	case incident.TriggerLink:
		return incident.Link{Type: incident.LinkTypes()[int(v)%len(incident.LinkTypes())], ID: s}
	case incident.TriggerResolve:
		return incident.Resolution{Code: s, Notes: s, RestoredAt: at, KnownError: s}
	case incident.TriggerClose:
		return incident.Closure{Code: s, Confirmation: []incident.Confirmation{"caller", "auto", ""}[int(v)%3],
			Channel: []incident.Channel{"", incident.ChannelPhone, "fax"}[int(v/3)%3]}
	case incident.TriggerCancel:
		dup := s
		if v%3 == 0 {
			dup = id
		}
		return incident.Cancellation{Reason: []incident.CancelReason{"duplicate", "not_an_incident", "raised_in_error", ""}[int(v)%4], DuplicateOf: dup}
	case incident.TriggerAcceptMajor:
		return incident.MajorAcceptance{Manager: s, ProcedureRef: s, OverrideReason: s}
	case incident.TriggerHandOver:
		return incident.Handover{Manager: s}
	case incident.TriggerNotify:
		return incident.Notification{Audience: s, Summary: s}
	case incident.TriggerReview:
		return incident.Review{Summary: s, Actions: []string{s}}
	case incident.TriggerReopen:
		return incident.Reopening{Reason: s}
	case incident.TriggerConvert:
		return incident.Conversion{RequestID: s}
	}
	return validCommand(tr)
}

// zeroCommand is the trigger's command type, empty.
func zeroCommand(tr incident.Trigger) incident.Command {
	return smstest.ZeroCommand(fuzzWorkflow, string(tr)).(incident.Command)
}

// fuzzWorkflow is the workflow whose command types zeroCommand reads.
var fuzzWorkflow = incident.Workflow()

// Codes whose requirement the workflow alone must guarantee: a record that
// reached its status through the workflow can never fail them.
var workflowGuaranteed = []string{incident.CodeRecordIncomplete, incident.CodeClosureIncomplete,
	incident.CodeCancellationUnjustified, incident.CodeSecurityRiskMissing}

// fuzzing is the fixture as the kit's fuzz driver sees it. Beside the
// kit's contracts (a refusal is of a known category and changes nothing, a
// success adds one entry, the journal verifies), every success reads back
// as committed and leaves a record that fails no conformance check the
// workflow is meant to guarantee.
type fuzzing struct{ *kitInstance }

func (f *fuzzing) Start(t testing.TB) string { return f.fx.log(t).ID }

func (f *fuzzing) Do(ctx context.Context, id string, s smstest.Step) (*incident.Incident, error) {
	tr, who, v := incident.Trigger(s.Trigger), fuzzActors[s.Actor%len(fuzzActors)], s.Variant
	f.fx.clk.Advance(time.Duration(v) * 7 * time.Minute)
	got, err := f.Service.Do(ctx, who, id, fuzzCommand(tr, v, id, f.fx.clk.Now()))
	if err != nil {
		return got, err
	}
	t := f.fx.t()
	stored, err := f.Service.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, got, stored)
	findings, err := incident.Check(stored, f.Service.Policy(), f.fx.clk.Now())
	require.NoError(t, err)
	for _, fd := range findings {
		require.False(t, slices.Contains(workflowGuaranteed, fd.Code),
			"after %s the workflow let through a nonconforming record: %v", tr, fd)
	}
	return got, nil
}

// FuzzTransitions drives random trigger sequences, with random payloads and
// actors, through the workflow (smstest.FuzzProcess): no panic; every
// refusal leaves the stored incident and its journal unchanged; every
// success appends exactly one entry; the journal always verifies; and the
// stored record never fails a conformance check the workflow is meant to
// guarantee.
func FuzzTransitions(f *testing.F) {
	// Seeds, as (trigger index, actor index, variant) triples; trigger
	// indexes count from classify = 0 in incident.Triggers()[1:].
	// The closure (11) is the caller's (actor 4): only the caller confirms.
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 6, 0, 0, 9, 0, 0, 11, 4, 0})                                                   // to closed
	f.Add([]byte{0, 0, 0, 14, 0, 0, 15, 0, 0, 18, 0, 0, 1, 0, 0, 2, 0, 0, 6, 0, 0, 9, 0, 0, 18, 0, 0, 11, 4, 0, 19, 0, 0}) // major, closed, reviewed
	f.Add([]byte{0, 0, 0, 1, 0, 0, 2, 0, 0, 6, 0, 0, 9, 0, 0, 11, 0, 0, 11, 1, 0, 11, 1, 6})                               // agents asserting the caller's confirmation
	f.Add([]byte{12, 1, 3, 13, 2, 6, 3, 3, 1, 4, 0, 9, 0, 5, 5, 10, 4, 2})
	f.Add([]byte{0, 0, 2, 1, 1, 6, 3, 0, 2, 4, 0, 0, 9, 0, 6, 11, 0, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		fx := newFixture(t, incident.DefaultPolicy())
		smstest.FuzzProcess(t, ops, smstest.Names(incident.Triggers()[1:]), &fuzzing{newKitInstance(fx)})
	})
}
