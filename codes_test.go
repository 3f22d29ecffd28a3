package sms_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// refusalCases returns one refusal under every message key, each as the
// pipeline returns it where a ticket machine can provoke it.
func refusalCases(t *testing.T) map[string]error {
	t.Helper()
	ctx := bg()
	env := newStepsEnv(t)
	env.file(t, "T-1")
	out := map[string]error{}
	fire := func(name string, a sms.Actor, trig string, cmd sms.Command) {
		_, err := env.m.Fire(ctx, a, "T-1", trig, cmd)
		require.Error(t, err, name)
		out[name] = err
	}
	_, out["not found"] = env.m.Fire(ctx, alice, "T-404", trNote, ticketCmd{Text: "x"})
	_, out["exists"] = env.m.Create(ctx, rita, ticketCmd{ID: "T-1", Title: "again"})
	fire("not allowed", alice, trFinish, ticketCmd{Resolution: "r", Category: "c"})
	fire("file on a stored ticket", alice, trFile, ticketCmd{ID: "T-2", Title: "t"})
	fire("guard", alice, trStart, ticketCmd{})
	fire("role", alice, trCancel, ticketCmd{Reason: "r"})
	fire("invalid", alice, trNote, ticketCmd{Text: "x", Bad: errors.New("text is too long")})
	_, out["step"] = env.m.FireSteps(ctx, alice, "T-1",
		sms.Step{Trigger: trStart, Command: ticketCmd{Assignee: alice.ID}},
		sms.Step{Trigger: trFinish, Command: ticketCmd{Category: "c"}})

	host := newStepsEnv(t)
	m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), host.counting, sms.Options{
		Authorizer: sms.AuthorizerFunc(func(context.Context, sms.Authorization) error { return errors.New("outside office hours") })})
	require.NoError(t, err)
	host.file(t, "T-1")
	_, out["host"] = m.Fire(ctx, alice, "T-1", trNote, ticketCmd{Text: "x"})

	// Those no ticket provokes here, as the pipeline and the stores build them.
	out["segregation"] = &sms.ForbiddenError{Kind: "change", ID: "C-1", Trigger: "approve", Actor: "rita",
		Requirement: sms.Requirement{ID: "CHG-09"}, Reason: "the requester does not approve their own change"}
	out["not creating"] = &sms.TransitionError{Kind: ticketKind, Trigger: trStart}
	out["conflict"] = &sms.ConflictError{Kind: ticketKind, ID: "T-1", Expected: 3, Actual: 4}
	out["conflict unknown actual"] = &sms.ConflictError{Kind: ticketKind, ID: "T-1", Expected: 3, Actual: -1}
	out["corrupt"] = &sms.CorruptError{Kind: ticketKind, ID: "T-1", Problem: "the state does not decode"}
	out["journal"] = &sms.JournalError{Kind: ticketKind, EntityID: "T-1", Index: 1, Seq: 2, Problem: "altered"}
	out["unknown outcome"] = &sms.UnknownOutcomeError{Kind: ticketKind, ID: "T-1", Key: "k-1", Err: errors.New("connection reset")}
	out["follow-up"] = &sms.FollowUpError{Kind: "problem", ID: "P-1", Trigger: "resolve", Err: errors.New("store down")}
	out["erased"] = &sms.ErasedError{ID: "4b6f0c2e-0000-4000-8000-000000000001", At: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	return out
}

// render writes a refusal as the golden file keeps it: key, sorted
// parameters and requirement IDs.
func render(r sms.Refusal) string {
	p := r.MessageParams()
	var b strings.Builder
	b.WriteString(r.MessageKey())
	b.WriteString("(")
	for i, k := range slices.Sorted(maps.Keys(p)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%q", k, p[k])
	}
	b.WriteString(")")
	if ids := r.RequirementIDs(); len(ids) > 0 {
		fmt.Fprintf(&b, " %v", ids)
	}
	return b.String()
}

// The message keys, their parameters and what the pipeline's refusals
// carry under them are stable: testdata/codes.golden holds them, and a
// rename, a dropped parameter or a changed value fails here (go test
// -run TestRefusalCodes -update rewrites it, for a key that is new). Every
// refusal carries exactly the parameters the table lists for its key, and
// every key of the table is exercised.
func TestRefusalCodes(t *testing.T) {
	t.Parallel()
	table := map[string]sms.Message{}
	var b strings.Builder
	b.WriteString("# message keys: key(params) [may cite requirements]\n")
	for _, m := range sms.Messages() {
		require.NotContains(t, table, m.Key, "key listed twice")
		table[m.Key] = m
		cites := ""
		if m.Requirements {
			cites = " +requirements"
		}
		fmt.Fprintf(&b, "%s(%s)%s\n", m.Key, strings.Join(m.Params, ", "), cites)
	}
	b.WriteString("\n# refusals as the library returns them\n")
	cases := refusalCases(t)
	used := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		r, ok := sms.RefusalOf(cases[name])
		require.True(t, ok, "%s: %T is no Refusal", name, cases[name])
		m, ok := table[r.MessageKey()]
		require.True(t, ok, "%s: key %q is not in Messages()", name, r.MessageKey())
		used[m.Key] = true
		assert.ElementsMatch(t, m.Params, slices.Collect(maps.Keys(r.MessageParams())), "%s: parameters of %s", name, m.Key)
		if !m.Requirements {
			assert.Empty(t, r.RequirementIDs(), "%s: %s cites no requirement", name, m.Key)
		}
		fmt.Fprintf(&b, "%s: %s\n", name, render(r))
		var se *sms.StepError
		if errors.As(cases[name], &se) {
			inner, ok := sms.RefusalOf(se.Err)
			require.True(t, ok)
			fmt.Fprintf(&b, "%s, the step's own: %s\n", name, render(inner))
		}
	}
	for k := range table {
		assert.True(t, used[k], "no case exercises %s", k)
	}
	path := filepath.Join("testdata", "codes.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), b.String(), "refusal codes changed: keys and parameters are stable")
}

// A MessageParams map is the caller's: changing it changes no later one.
func TestMessageParamsAreCopies(t *testing.T) {
	t.Parallel()
	err := &sms.TransitionError{Kind: ticketKind, ID: "T-1", State: stOpen, Trigger: trFinish, Permitted: []string{trStart}}
	p := err.MessageParams()
	p["state"] = "changed"
	assert.Equal(t, stOpen, err.MessageParams()["state"])
}
