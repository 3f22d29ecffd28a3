package request_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iso20k/sms/request"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLifecycleDiagrams keeps the diagrams in testdata and doc.go in sync
// with the workflow tables (go test ./request -run TestLifecycleDiagrams
// -update, then paste into doc.go).
func TestLifecycleDiagrams(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	for name, got := range map[string]string{
		"lifecycle.mmd":      request.Workflow().Mermaid(),
		"item_lifecycle.mmd": request.ItemWorkflow().Mermaid(),
	} {
		golden := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, string(want), got, "%s changed: run with -update and update doc.go", name)
		var inDoc strings.Builder
		for _, line := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
			inDoc.WriteString("//\t" + line + "\n")
		}
		assert.Contains(t, string(doc), inDoc.String(), "doc.go does not show the current %s", name)
	}
}
