package review_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iso20k/sms/review"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLifecycleDiagram keeps the lifecycle diagram in testdata and in the
// package documentation in sync with the workflow table. Run
// go test ./review -run TestLifecycleDiagram -update after changing the
// workflow, and paste the new diagram into doc.go.
func TestLifecycleDiagram(t *testing.T) {
	wf, err := review.Workflow(prb13)
	require.NoError(t, err)
	got := wf.Mermaid()
	other, err := review.Workflow(chg14)
	require.NoError(t, err)
	assert.Equal(t, got, other.Mermaid(), "the lifecycle does not depend on the requirement a review evidences")
	golden := filepath.Join("testdata", "lifecycle.mmd")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "the workflow changed: run with -update and update doc.go")

	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var inDoc strings.Builder
	for _, line := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
		inDoc.WriteString("//\t" + line + "\n")
	}
	assert.Contains(t, string(doc), inDoc.String(), "doc.go does not show the current lifecycle diagram")
}
