// Package tell is the narration the example programs share: the lines of
// a story, the refusals it expects, and the stop on an error it does not.
package tell

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Teller writes a story's lines to Out.
type Teller struct{ Out io.Writer }

// Say writes one line.
func (t Teller) Say(format string, args ...any) { fmt.Fprintf(t.Out, format+"\n", args...) }

// Refused writes an expected refusal; a step that was not refused stops
// the story.
func (t Teller) Refused(what string, err error) {
	if err == nil {
		panic(failure{fmt.Errorf("%s was not refused", what)})
	}
	t.Say("  refused, %s: %v", what, err)
}

// failure carries an unexpected error out of the story.
type failure struct{ err error }

// Check stops the story on an unexpected error.
func Check(err error) {
	if err != nil {
		panic(failure{err})
	}
}

// Must stops the story on an unexpected error, and returns v otherwise.
func Must[T any](v T, err error) T { Check(err); return v }

// Recover, deferred by the function that runs a story, turns a stop into
// that function's error; any other panic goes on.
func Recover(err *error) {
	if r := recover(); r != nil {
		f, ok := r.(failure)
		if !ok {
			panic(r)
		}
		*err = f.err
	}
}

// Story runs a story for a test and checks that it printed each line of
// want, whole; it returns what the story printed.
func Story(t testing.TB, run func(io.Writer) error, want ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	lines := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		lines[l] = true
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("the story lacks the line\n%q\nit printed:\n%s", w, got)
		}
	}
	return got
}
