package sms_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every Go sample in the README and in the godoc compiles: each is found,
// line for line and in order, in the body of an Example function of the
// module, which go vet and go test compile (and run, where they print).
// A sample that drifts from the API fails here, not in a reader's editor.
func TestDocSamplesAreCompiledExamples(t *testing.T) {
	t.Parallel()
	examples, files := exampleBodies(t)
	require.NotEmpty(t, examples)
	var samples []docSample
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for i, block := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		samples = append(samples, docSample{where: "README.md, Go block " + string(rune('1'+i)), code: block[1]})
	}
	samples = append(samples, godocSamples(t)...)
	require.NotEmpty(t, samples)
	// The guide quotes the skeleton process package.
	guide, err := os.ReadFile("CONTRIBUTING.md")
	require.NoError(t, err)
	skeleton, err := os.ReadFile(filepath.Join("internal", "skeleton", "skeleton.go"))
	require.NoError(t, err)
	for i, block := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(guide), -1) {
		if lines := codeLines(block[1]); !coveredByAny(lines, [][]string{codeLines(string(skeleton))}) {
			t.Errorf("CONTRIBUTING.md, Go block %d, is not the skeleton's code (internal/skeleton/skeleton.go):\n%s", i+1, block[1])
		}
	}
	for _, s := range samples {
		lines := codeLines(s.code)
		if len(lines) == 0 {
			continue
		}
		// A sample that declares a function (a test a host writes) is
		// found in a test file; any other in the body of an Example.
		in := examples
		if strings.HasPrefix(lines[0], "func ") {
			in = files
		}
		if !coveredByAny(lines, in) {
			t.Errorf("%s is not the body of any Example function (so nothing compiles it):\n%s", s.where, s.code)
		}
	}
}

type docSample struct{ where, code string }

// godocSamples returns the indented blocks of the module's doc comments
// that are Go: those that declare with := or define a func.
func godocSamples(t *testing.T) []docSample {
	t.Helper()
	var out []docSample
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, cg := range f.Comments {
			var block []string
			flush := func() {
				code := strings.Join(block, "\n")
				if strings.Contains(code, ":=") || strings.Contains(code, "func ") {
					out = append(out, docSample{where: path, code: code})
				}
				block = nil
			}
			for _, c := range cg.List {
				line := strings.TrimPrefix(c.Text, "//")
				if strings.HasPrefix(line, "\t") {
					block = append(block, line[1:])
					continue
				}
				if strings.TrimSpace(line) == "" && block != nil {
					block = append(block, "")
					continue
				}
				if block != nil {
					flush()
				}
			}
			if block != nil {
				flush()
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// exampleBodies returns the source of every Example function of the
// module, and of every test file, as trimmed lines.
func exampleBodies(t *testing.T) (examples, files [][]string) {
	t.Helper()
	var out [][]string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		files = append(files, codeLines(string(src)))
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			body := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
			out = append(out, codeLines(string(body)))
		}
		return nil
	})
	require.NoError(t, err)
	return out, files
}

// codeLines returns the non-empty lines of code, trimmed, with their line
// comments removed.
func codeLines(code string) []string {
	var out []string
	for _, l := range strings.Split(code, "\n") {
		if i := strings.Index(l, "//"); i >= 0 && !strings.Contains(l[:i], `"`) {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func coveredByAny(lines []string, bodies [][]string) bool {
	for _, b := range bodies {
		i := 0
		for _, l := range b {
			if i < len(lines) && l == lines[i] {
				i++
			}
		}
		if i == len(lines) {
			return true
		}
	}
	return false
}
