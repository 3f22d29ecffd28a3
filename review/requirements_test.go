package review_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProcessSchedules builds the two schedules the way a host does, from
// the values problem and change export, and shows that PRB-13 and CHG-14
// are enforced here: a review performed without conclusions is refused
// citing the process's own requirement and clause, and the sweep reports
// the process's own code.
func TestProcessSchedules(t *testing.T) {
	t.Parallel()
	start := t0.Add(-200 * day)
	scheds := []review.Schedule{
		{Subject: problem.ReviewSubject, Start: start, Interval: 91 * day, Grace: 14 * day,
			Requirement: problem.EffectivenessRequirement(), Code: problem.CodeEffectivenessReviewOverdue},
		{Subject: change.TrendReviewSubject, Start: start, Interval: 30 * day, Grace: 7 * day,
			Requirement: change.TrendRequirement(), Code: change.CodeTrendReviewOverdue},
	}
	clk := smstest.NewClock(t0)
	svc, err := review.NewService(memstore.New[*review.Review](), review.Config{Schedules: scheds, Options: sms.Options{Now: clk.Now}})
	require.NoError(t, err)
	ctx := t.Context()

	findings, err := svc.Sweep(ctx, clk.Now())
	require.NoError(t, err)
	var codes []string
	for _, f := range findings {
		codes = append(codes, f.Code+" "+f.Requirement.ID+" "+f.Requirement.Clause)
	}
	assert.Equal(t, []string{"CHANGE_TREND_REVIEW_OVERDUE CHG-14 8.5.1.3", "PROBLEM_EFFECTIVENESS_REVIEW_OVERDUE PRB-13 8.6.3"}, codes)

	for _, tc := range []struct {
		subject, id, clause string
	}{{problem.ReviewSubject, "PRB-13", "8.6.3"}, {change.TrendReviewSubject, "CHG-14", "8.5.1.3"}} {
		r, err := svc.Plan(ctx, owner, review.Plan{Subject: tc.subject, Owner: "pam", Period: review.Period{From: t0.Add(-30 * day), To: t0}})
		require.NoError(t, err)
		_, err = svc.Perform(ctx, owner, r.ID, review.Performance{Inputs: review.Inputs{Summary: "the report"}, Participants: []string{"pam"}})
		ge := smstest.RequireRefused(t, err, tc.id)
		require.Len(t, ge.Unmet, 1)
		assert.Equal(t, tc.clause, ge.Unmet[0].Clause)
		assert.Equal(t, "a performed review records its conclusions", ge.Unmet[0].Text)
		_, err = svc.Perform(ctx, owner, r.ID, review.Performance{Inputs: review.Inputs{Summary: "the report"},
			Conclusions: "no action needed this period", Participants: []string{"pam"}})
		require.NoError(t, err)
	}
	findings, err = svc.Sweep(ctx, clk.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, findings)
}

// TestNoProcessImports: review is infrastructure, like memstore: it
// imports no process package, and no process package imports it.
func TestNoProcessImports(t *testing.T) {
	t.Parallel()
	const module = "github.com/iso20k/sms"
	imports := func(dir string) []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range f.Imports {
				p, err := strconv.Unquote(imp.Path.Value)
				require.NoError(t, err)
				out = append(out, p)
			}
		}
		require.NotEmpty(t, out, "no imports read in %s", dir)
		return out
	}
	for _, p := range imports(".") {
		if strings.HasPrefix(p, module+"/") {
			t.Errorf("review imports %s: it may use the kernel only", p)
		}
	}
	for _, proc := range []string{"incident", "request", "problem", "change", "release"} {
		for _, p := range imports(filepath.Join("..", proc)) {
			assert.NotEqual(t, module+"/review", p, "%s imports review", proc)
		}
	}
}
