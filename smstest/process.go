package smstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iso20k/sms"
)

// The process kit: what every process package proves about itself, run
// from one call, each failure stating the contract it broke, as
// testing/slogtest does for handlers. A process package (or a host that
// configures a process its own way) describes the process with a
// [Process] and calls [RunProcess]; its fuzz target calls [FuzzProcess].

// Stay is the oracle's word for a trigger that leaves the status as it is.
const Stay = "="

// Process describes a process to the kit.
type Process[E sms.Entity[E]] struct {
	// Workflow is the compiled workflow.
	Workflow *sms.Workflow[E]
	// Oracle is the hand-written status x trigger table, written from the
	// requirements, independently of the workflow table: for each status,
	// each trigger it permits and the status it leads to ([Stay] for the
	// same). Triggers it does not list are refused.
	Oracle map[string]map[string]string
	// Triggers lists every trigger but the creating one.
	Triggers []string
	// Cites lists the requirement IDs the process's conformance checks and
	// sweeps cite, beside those of the workflow: the catalogue test wants
	// every catalogue ID cited somewhere.
	Cites []string
	// Golden is the lifecycle diagram's golden file, and Doc the file of
	// the package documentation that shows it (each line prefixed by
	// "//\t"); Update rewrites Golden (the package's -update flag).
	Golden, Doc string
	Update      bool
	// New returns a fresh instance of the process for one test: its own
	// stores, clock and actors. Required for the cells and the fuzz driver.
	New func(t testing.TB) Instance[E]
}

// Instance is one process under test: a service on stores of its own.
type Instance[E sms.Entity[E]] interface {
	// At returns the ID of a new record in status, set up so that trigger,
	// when the oracle permits it there, can succeed (its preconditions
	// met).
	At(t testing.TB, status, trigger string) string
	// Fire fires trigger on record id with a valid command, as an actor
	// who may.
	Fire(ctx context.Context, id, trigger string) (E, error)
	// Get, Journal and Verify read the stored record, its journal, and
	// verify it: a process Service has them.
	Get(ctx context.Context, id string) (E, error)
	Journal(ctx context.Context, id string) ([]sms.Entry, error)
	Verify(ctx context.Context, id string) error
}

// DryRunner is what an [Instance] may add for the kit to check the dry
// run on every cell: DryRun reports what Fire with the same record and
// trigger would return (the same command, as the same actor), through the
// service's DryRun. The kit then requires that the dry run changes
// nothing, and that it passes where Fire passes and refuses with the same
// refusal (message key and requirement IDs) where Fire refuses.
type DryRunner interface {
	DryRun(ctx context.Context, id, trigger string) error
}

// reader is what the kit reads records through.
type reader[E sms.Entity[E]] interface {
	Get(ctx context.Context, id string) (E, error)
	Journal(ctx context.Context, id string) ([]sms.Entry, error)
	Verify(ctx context.Context, id string) error
}

// RunProcess runs the kit over the process: one subtest per contract.
func RunProcess[E sms.Entity[E]](t *testing.T, p Process[E]) {
	t.Helper()
	t.Run("OracleMatchesWorkflow", func(t *testing.T) { checkOracle(t, p) })
	if p.Golden != "" {
		t.Run("LifecycleDiagram", func(t *testing.T) { checkDiagram(t, p) })
	}
	t.Run("Catalogue", func(t *testing.T) { checkCatalogue(t, p) })
	if p.New != nil {
		t.Run("Cells", func(t *testing.T) { runCells(t, p) })
	}
}

type kitChecker struct {
	t        testing.TB
	contract string
}

func (c kitChecker) errorf(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("contract: %s\n"+format, append([]any{c.contract}, args...)...)
}

func (c kitChecker) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("contract: %s\n"+format, append([]any{c.contract}, args...)...)
}

func permittedBy[E sms.Entity[E]](p Process[E], status string) []string {
	out := []string{}
	for tr := range p.Oracle[status] {
		out = append(out, tr)
	}
	sort.Strings(out)
	return out
}

func checkOracle[E sms.Entity[E]](t *testing.T, p Process[E]) {
	c := kitChecker{t, "the workflow permits, from every status, exactly the triggers the hand-written oracle permits, leading where it says"}
	wf := p.Workflow
	for _, s := range wf.States() {
		if _, listed := p.Oracle[s]; !listed && !wf.Terminal(s) {
			c.errorf("the oracle does not list status %s", s)
		}
		if got, want := wf.Triggers(s), permittedBy(p, s); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			c.errorf("from %s the workflow permits %v, the oracle %v", s, got, want)
		}
		for _, tr := range p.Triggers {
			to, ok := wf.Next(s, tr)
			want, allowed := p.Oracle[s][tr]
			if ok != allowed {
				c.errorf("%s from %s: the workflow permits it: %v, the oracle: %v", tr, s, ok, allowed)
				continue
			}
			if want == Stay {
				want = s
			}
			if ok && to != want {
				c.errorf("%s from %s leads to %s, the oracle says %s", tr, s, to, want)
			}
		}
	}
	for s := range p.Oracle {
		if !slices.Contains(wf.States(), s) {
			c.errorf("the oracle lists %s, which is not a status of the workflow", s)
		}
	}
}

func checkDiagram[E sms.Entity[E]](t *testing.T, p Process[E]) {
	c := kitChecker{t, "the lifecycle diagram in testdata and in the package documentation is the one the workflow draws (rerun with -update and paste it into the doc)"}
	got := p.Workflow.Mermaid()
	if p.Update {
		if err := os.WriteFile(p.Golden, []byte(got), 0o644); err != nil {
			c.fatalf("writing %s: %v", p.Golden, err)
		}
	}
	want, err := os.ReadFile(p.Golden)
	if err != nil {
		c.fatalf("reading %s: %v", p.Golden, err)
	}
	if string(want) != got {
		c.errorf("%s differs from the workflow's diagram:\n%s", p.Golden, got)
	}
	if p.Doc == "" {
		return
	}
	doc, err := os.ReadFile(p.Doc)
	if err != nil {
		c.fatalf("reading %s: %v", p.Doc, err)
	}
	var inDoc strings.Builder
	for _, line := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
		inDoc.WriteString("//\t" + line + "\n")
	}
	if !strings.Contains(string(doc), inDoc.String()) {
		c.errorf("%s does not show the current lifecycle diagram", p.Doc)
	}
}

func checkCatalogue[E sms.Entity[E]](t *testing.T, p Process[E]) {
	c := kitChecker{t, "every requirement of the catalogue is cited by a guard, a required field, a segregation rule or a conformance check, and every one cited is in the catalogue"}
	cat := p.Workflow.Catalogue()
	if len(cat) == 0 {
		c.fatalf("the workflow's definition has no catalogue")
	}
	in := map[string]bool{}
	for _, r := range cat {
		in[r.ID] = true
	}
	cited := map[string]bool{}
	for _, id := range append(p.Workflow.Cited(), p.Cites...) {
		cited[id] = true
		if !in[id] && id != sms.RecordIntegrity().ID {
			c.errorf("%s is cited but not in the catalogue", id)
		}
	}
	for _, r := range cat {
		if !cited[r.ID] {
			c.errorf("%s is in the catalogue but nothing cites it", r.ID)
		}
	}
}

// Snapshot is a record and its journal as the store holds them (their
// JSON): taken before a refusal and compared after, it proves the refusal
// changed nothing.
type Snapshot struct{ Entity, Journal string }

// Records reads records and their journals: a process Service has these
// methods, and so has [sms.Machine].
type Records[E sms.Entity[E]] interface {
	Get(ctx context.Context, id string) (E, error)
	Journal(ctx context.Context, id string) ([]sms.Entry, error)
}

// Snap returns the snapshot of record id, failing the test now when it
// cannot be read.
func Snap[E sms.Entity[E]](t testing.TB, r Records[E], id string) Snapshot {
	t.Helper()
	ctx := context.Background()
	e, err := r.Get(ctx, id)
	if err != nil {
		t.Fatalf("smstest: reading %s: %v", id, err)
	}
	j, err := r.Journal(ctx, id)
	if err != nil {
		t.Fatalf("smstest: reading the journal of %s: %v", id, err)
	}
	a, _ := json.Marshal(e)
	b, _ := json.Marshal(j)
	return Snapshot{string(a), string(b)}
}

// RequireUnchanged fails the test now unless record id and its journal are
// as the snapshot took them.
func RequireUnchanged[E sms.Entity[E]](t testing.TB, r Records[E], id string, before Snapshot) {
	t.Helper()
	after := Snap(t, r, id)
	if after.Entity != before.Entity {
		t.Fatalf("smstest: %s changed, though the transition was refused:\nbefore %s\nafter  %s", id, before.Entity, after.Entity)
	}
	if after.Journal != before.Journal {
		t.Fatalf("smstest: the journal of %s changed, though the transition was refused:\nbefore %s\nafter  %s", id, before.Journal, after.Journal)
	}
}

func runCells[E sms.Entity[E]](t *testing.T, p Process[E]) {
	for _, s := range p.Workflow.States() {
		for _, tr := range p.Triggers {
			t.Run(s+"/"+tr, func(t *testing.T) {
				t.Parallel()
				in := p.New(t)
				m := reader[E](in)
				ctx := context.Background()
				id := in.At(t, s, tr)
				before := Snap[E](t, m, id)
				entries := journalLen(t, m, id)
				want, allowed := p.Oracle[s][tr]
				dr, dry := in.(DryRunner)
				var dryErr error
				if dry {
					dryErr = dr.DryRun(ctx, id, tr)
					if after := Snap[E](t, m, id); after != before {
						kitChecker{t, "a dry run changes nothing"}.fatalf("the dry run of %s from %s changed the record or its journal", tr, s)
					}
				}
				got, err := in.Fire(ctx, id, tr)
				if dry {
					checkDryRun(t, s, tr, dryErr, err)
				}
				if !allowed {
					c := kitChecker{t, "a trigger the oracle refuses from a status fails with a *sms.TransitionError naming the triggers the status permits, and changes nothing"}
					var te *sms.TransitionError
					if !errors.As(err, &te) {
						c.fatalf("%s from %s: got %v, want a *sms.TransitionError", tr, s, err)
					}
					if !slices.Equal(te.Permitted, permittedBy(p, s)) && !(len(te.Permitted) == 0 && len(permittedBy(p, s)) == 0) {
						c.errorf("%s from %s names %v as permitted, the oracle %v", tr, s, te.Permitted, permittedBy(p, s))
					}
					if after := Snap[E](t, m, id); after != before {
						c.errorf("%s from %s changed the record or its journal", tr, s)
					}
					return
				}
				c := kitChecker{t, "a trigger the oracle permits succeeds with a valid command, lands where the oracle says, adds one journal entry, and the record reads back as committed and verifies"}
				if err != nil {
					c.fatalf("%s from %s: %v", tr, s, err)
				}
				if want == Stay {
					want = s
				}
				if got.State() != want {
					c.errorf("%s from %s led to %s, the oracle says %s", tr, s, got.State(), want)
				}
				if n := journalLen(t, m, id); n != entries+1 {
					c.errorf("%s from %s: the journal went from %d entries to %d", tr, s, entries, n)
				}
				if v := got.Metadata().Version; v != int64(entries+1) {
					c.errorf("%s from %s: version %d after %d entries", tr, s, v, entries+1)
				}
				if err := readsBack(ctx, m, id, got); err != nil {
					c.errorf("%v", err)
				}
				if err := m.Verify(ctx, id); err != nil {
					c.errorf("the record does not verify: %v", err)
				}
			})
		}
	}
}

// checkDryRun compares a dry run's verdict with Fire's.
func checkDryRun(t *testing.T, status, trigger string, dry, fire error) {
	t.Helper()
	c := kitChecker{t, "a dry run passes where Fire passes and refuses with Fire's refusal (its message key and requirement IDs) where Fire refuses"}
	switch {
	case dry == nil && fire == nil:
	case dry == nil || fire == nil:
		c.errorf("%s from %s: the dry run returned %v, Fire %v", trigger, status, dry, fire)
	default:
		dr, ok1 := sms.RefusalOf(dry)
		fr, ok2 := sms.RefusalOf(fire)
		if !ok1 || !ok2 || dr.MessageKey() != fr.MessageKey() || !slices.Equal(dr.RequirementIDs(), fr.RequirementIDs()) {
			c.errorf("%s from %s: the dry run refused with %v, Fire with %v", trigger, status, dry, fire)
		}
	}
}

// journalLen returns the number of entries of the record's journal.
func journalLen[E sms.Entity[E]](t testing.TB, m reader[E], id string) int {
	t.Helper()
	j, err := m.Journal(context.Background(), id)
	if err != nil {
		t.Fatalf("smstest: reading the journal of %s: %v", id, err)
	}
	return len(j)
}

// readsBack returns an error unless the stored record is the one returned.
func readsBack[E sms.Entity[E]](ctx context.Context, m reader[E], id string, got E) error {
	stored, err := m.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("reading back: %w", err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(stored)
	if string(a) != string(b) {
		return fmt.Errorf("the record returned is not the record stored:\n%s\n%s", a, b)
	}
	return nil
}

// Oracle converts a process's typed oracle (statuses and triggers of its
// own string types) to the form [Process] takes.
func Oracle[S, T ~string](typed map[S]map[T]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(typed))
	for s, row := range typed {
		out[string(s)] = make(map[string]string, len(row))
		for tr, to := range row {
			out[string(s)][string(tr)] = to
		}
	}
	return out
}

// Names converts a process's typed triggers (or statuses) to strings.
func Names[T ~string](typed []T) []string {
	out := make([]string, len(typed))
	for i, v := range typed {
		out[i] = string(v)
	}
	return out
}

// CitedBy returns the requirement IDs the conformance checks cite, sorted,
// each once: a [Process]'s Cites.
func CitedBy[E any](checks ...[]sms.Check[E]) []string {
	var out []string
	for _, cs := range checks {
		for _, c := range cs {
			for _, id := range c.Cites {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Step is one operation of a fuzzed sequence: the trigger, the actor and
// a variant the process turns into a command.
type Step struct {
	Trigger string
	Actor   int
	Variant byte
}

// Steps decodes a fuzz input as steps: three bytes each (trigger index,
// actor index, variant), at most 100.
func Steps(ops []byte, triggers []string) []Step {
	var out []Step
	for k := 0; k+2 < len(ops) && len(out) < 100; k += 3 {
		out = append(out, Step{Trigger: triggers[int(ops[k])%len(triggers)], Actor: int(ops[k+1]), Variant: ops[k+2]})
	}
	return out
}

// Fuzzing is what [FuzzProcess] needs of an instance besides [Instance]:
// the record the sequence runs on, and each step made into a command.
type Fuzzing[E sms.Entity[E]] interface {
	Instance[E]
	// Start creates the record the sequence works on and returns its ID.
	Start(t testing.TB) string
	// Do runs one step on the record: a command built from the step's
	// variant (valid, empty or odd), by the step's actor.
	Do(ctx context.Context, id string, s Step) (E, error)
}

// FuzzProcess is the body of a process's fuzz target: from a record the
// instance starts, a sequence of steps decoded from the input; every step
// either commits one journal entry and returns the record as it reads back,
// or fails with an error of the library's categories and changes nothing;
// at the end the journal verifies and holds one entry per success.
func FuzzProcess[E sms.Entity[E]](t *testing.T, ops []byte, triggers []string, in Fuzzing[E]) {
	m := reader[E](in)
	ctx := context.Background()
	id := in.Start(t)
	e, err := m.Get(ctx, id)
	if err != nil {
		t.Fatalf("smstest: reading the started record: %v", err)
	}
	version := e.Metadata().Version
	for _, s := range Steps(ops, triggers) {
		before := Snap[E](t, m, id)
		got, err := in.Do(ctx, id, s)
		if err != nil {
			known := false
			for _, cat := range []error{sms.ErrGuard, sms.ErrTransition, sms.ErrForbidden, sms.ErrInvalid} {
				known = known || errors.Is(err, cat)
			}
			if !known {
				t.Fatalf("contract: a refusal is one of the library's categories\n%s: %v", s.Trigger, err)
			}
			if after := Snap[E](t, m, id); after != before {
				t.Fatalf("contract: a refused step changes nothing\n%s refused (%v) but changed the record", s.Trigger, err)
			}
			continue
		}
		version++
		if got.Metadata().Version != version {
			t.Fatalf("contract: a step that succeeds adds one journal entry\n%s: version %d, want %d", s.Trigger, got.Metadata().Version, version)
		}
		if err := readsBack(ctx, m, id, got); err != nil {
			t.Fatalf("contract: a step that succeeds returns the record as committed\n%s: %v", s.Trigger, err)
		}
	}
	if err := m.Verify(ctx, id); err != nil {
		t.Fatalf("contract: after any sequence the record verifies\n%v", err)
	}
}

// ZeroCommand returns the zero value of the command type trigger takes in
// the workflow ([sms.Workflow.CommandType]): the empty command a fuzz
// driver or a refusal test sends. It panics on a trigger the workflow does
// not declare, which is the test's own mistake.
func ZeroCommand[E sms.Entity[E]](wf *sms.Workflow[E], trigger string) sms.Command {
	ct := wf.CommandType(trigger)
	if ct == nil {
		panic("smstest: the workflow declares no trigger " + trigger)
	}
	return reflect.Zero(ct).Interface().(sms.Command)
}
