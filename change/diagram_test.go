package change_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iso20k/sms/change"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLifecycleDiagrams keeps the three lifecycle diagrams in testdata and
// in the package documentation in sync with the workflow tables. Run
// go test ./change -run TestLifecycleDiagrams -update after changing a
// workflow, and paste the new diagram into doc.go.
func TestLifecycleDiagrams(t *testing.T) {
	for name, got := range map[string]string{
		"lifecycle.mmd": change.Workflow().Mermaid(),
		"plan.mmd":      change.PlanWorkflow().Mermaid(),
		"template.mmd":  change.TemplateWorkflow().Mermaid(),
	} {
		golden := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, string(want), got, "%s: the workflow changed: run with -update and update doc.go", name)

		doc, err := os.ReadFile("doc.go")
		require.NoError(t, err)
		var inDoc strings.Builder
		for _, line := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
			inDoc.WriteString("//\t" + line + "\n")
		}
		assert.Contains(t, string(doc), inDoc.String(), "doc.go does not show the current %s diagram", name)
	}
}
