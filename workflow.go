package sms

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/looplab/fsm"
)

// Requirement is one requirement of the standard, in the project's words:
// an ID from the requirements catalogue (INC-05), the clause of ISO/IEC
// 20000-1:2018 it comes from (8.6.1) and a sentence. Every refusal names
// the requirements behind it.
type Requirement struct {
	ID     string `json:"id"`
	Clause string `json:"clause"`
	Text   string `json:"text"`
}

// String returns "ID (clause C): text".
func (r Requirement) String() string {
	return fmt.Sprintf("%s (clause %s): %s", r.ID, r.Clause, r.Text)
}

// Transition is what a rule's guards and effects see while the pipeline
// runs one transition. Entity is the pipeline's private working copy:
// effects mutate it, guards only read it. Nothing in it is stored unless the
// whole transition succeeds.
type Transition[E any] struct {
	Entity  E
	Command Command
	Actor   Actor
	// Now is the transition's time, from the injected clock, in UTC to the
	// microsecond.
	Now time.Time
	// From is the status before the transition; Trigger the one fired.
	From    string
	Trigger string
	// Prepared holds what the rule's Prepare found (other records, the
	// host's answers), for the guards and effects; nil when the rule
	// prepares nothing. Its type is the process's own.
	Prepared any

	reason  string
	payload []Field
	buf     [6]Field      // backs payload for the common small payloads
	entries [1]Entry      // the entry to commit, without a separate allocation
	enc     []byte        // the state encoding's buffer, kept between transitions
	ids     *idSource     // entry IDs, kept between transitions
	blocked []Requirement // the unmet requirements of RecordOnly guards, cited
}

// Record appends a field to the journal entry's payload.
func (t *Transition[E]) Record(key, value string) {
	if t.payload == nil {
		t.payload = t.buf[:0]
	}
	t.payload = append(t.payload, Field{Key: key, Value: value})
}

// RecordTime appends a time field, formatted as RFC 3339 in UTC with
// nanoseconds; the zero time is not recorded.
func (t *Transition[E]) RecordTime(key string, v time.Time) {
	if !v.IsZero() {
		t.Record(key, v.UTC().Format(time.RFC3339Nano))
	}
}

// RecordChange journals a field's old and new values, as "field.old" and
// "field", when they differ: reclassifications, reassignments, handovers.
func (t *Transition[E]) RecordChange(field, old, new string) {
	if old != new {
		t.Record(field+".old", old)
		t.Record(field, new)
	}
}

// SetReason sets the journal entry's reason.
func (t *Transition[E]) SetReason(reason string) { t.reason = reason }

// Guard is a condition a rule demands, tied to the requirement it enforces.
// Check reports whether the requirement is met; it must not modify the
// entity and must not panic on any entity or command.
type Guard[E any] struct {
	Requirement
	Check func(*Transition[E]) bool
	// Cite, when set, returns the requirement a refusal by this guard cites
	// for the transition, in place of Requirement: for a process whose
	// records evidence a requirement they name themselves (a periodic review
	// cites the requirement its schedule names). Requirement stays the
	// guard's declared citation, checked against the catalogue.
	Cite func(*Transition[E]) Requirement
	// RecordOnly declares that Check's verdict does not depend on the
	// command: it judges the record as it stands (its fields, the actor,
	// the time), so no input can lift its refusal, as "at least one action
	// is recorded before resolution" does. A screen's view
	// ([Machine.Choices]) reports such a guard's refusal as [Refused]; it
	// reports any other guard's as input still needed ([NeedsInput]),
	// since it cannot tell what Check reads. The pipeline itself treats
	// both alike.
	RecordOnly bool
}

// cited returns the requirement the guard's refusal cites.
func (g *Guard[E]) cited(t *Transition[E]) Requirement {
	if g.Cite != nil {
		if r := g.Cite(t); r.ID != "" {
			return r
		}
	}
	return g.Requirement
}

// Segregation is a segregation-of-duties rule: who may not fire a trigger
// because of a part they already play on the record. Check compares the
// acting actor (t.Actor, the identity the journal records) with the people
// the record's earlier transitions established ([Participants]), and a
// person the command names as well: never a name typed into the command
// alone. It returns "" when the actor may fire, or the reason they may not,
// in a sentence. A breach is refused with a [*ForbiddenError] citing the
// requirement, before the guards run. Check must not modify the entity and
// must not panic on any entity or command.
type Segregation[E any] struct {
	Requirement
	Check func(*Transition[E]) string
}

// ApprovalGate is a rule's approval: who may decide on the record, from the
// [ApprovalRule] the record falls under and the people who hold its
// parties. The pipeline refuses, with a [*ForbiddenError], an actor who
// holds none of the rule's roles (or not the role they say they decide
// in), an actor who holds a party the rule excludes (named in a command or
// acting: see [Participants]), and one who already decided. The first
// refusal cites Requirement, as does an actor who holds none of the
// trigger's roles at all; the other two cite Excluded and Once when they
// are set, and Requirement when they are not.
type ApprovalGate[E any] struct {
	Requirement
	// Excluded, when set, is the requirement an actor holding an excluded
	// party breaches (a requester approving their own record, say).
	Excluded Requirement
	// Once, when set, is the requirement an actor who already decided
	// breaches by deciding again.
	Once Requirement
	// Rule returns the approval rule the record's decision falls under, and
	// false when none applies (the rule's guards then say why). Required.
	Rule func(t *Transition[E]) (ApprovalRule, bool)
	// Role returns the role the actor says they decide in, or "" for any
	// of the rule's roles they hold. Optional.
	Role func(t *Transition[E]) Role
	// Parties returns who holds each party on the record. Required.
	Parties func(e E) Participants
	// Decided reports whether the actor already decided on the record
	// under this approval. Optional.
	Decided func(e E, actor string) bool
	// Excluding, when set, words the refusal of an actor who holds party
	// p, which the rule excludes: acted says they hold it by an act of
	// their own on the record (they raised it), rather than by being named
	// in it. Optional: the kernel's sentence says which.
	Excluding func(t *Transition[E], p Party, acted bool) string
}

// DecidingRole returns the role the actor decides in under the rule: named
// if it is not empty (it must be one of the rule's roles and held by the
// actor), else the first of the rule's roles the actor holds; false when
// there is none.
func DecidingRole(rule ApprovalRule, a Actor, named Role) (Role, bool) {
	if named != "" {
		return named, slices.Contains(rule.Roles, named) && a.Has(named)
	}
	for _, r := range rule.Roles {
		if a.Has(r) {
			return r, true
		}
	}
	return "", false
}

// check returns the reason the actor may not decide, or "", and the
// requirement the refusal cites.
func (ap *ApprovalGate[E]) check(t *Transition[E]) (why string, roles []Role, cites Requirement) {
	rule, ok := ap.Rule(t)
	if !ok {
		return "", nil, Requirement{}
	}
	var named Role
	if ap.Role != nil {
		named = ap.Role(t)
	}
	if _, ok := DecidingRole(rule, t.Actor, named); !ok {
		if named != "" {
			return "the actor does not decide in the role " + string(named) + ": they lack it, or the approval rule does not name it", slices.Clone(rule.Roles), ap.Requirement
		}
		return "the actor holds none of the roles the approval rule names", slices.Clone(rule.Roles), ap.Requirement
	}
	if ps := ap.Parties(t.Entity); len(rule.Exclude) > 0 {
		if p, ok := ps.Holds(t.Actor.ID, rule.Exclude...); ok {
			acted := slices.Contains(ps.Acted(p), t.Actor.ID)
			if ap.Excluding != nil {
				why = ap.Excluding(t, p, acted)
			}
			if why == "" && acted {
				why = "the actor holds the record's " + string(p) + " party by their own act on it, and may not decide on it"
			}
			if why == "" {
				why = "the actor is named as the record's " + string(p) + ", and may not decide on it"
			}
			return why, nil, or(ap.Excluded, ap.Requirement)
		}
	}
	if ap.Decided != nil && ap.Decided(t.Entity, t.Actor.ID) {
		return "the actor already decided on this record", nil, or(ap.Once, ap.Requirement)
	}
	return "", nil, Requirement{}
}

// or returns r, or def when r cites nothing.
func or(r, def Requirement) Requirement {
	if r.ID == "" {
		return def
	}
	return r
}

// Required is a field an entity must carry on entering the rule's target
// state, checked on the working copy after the rule's effects ran.
type Required[E any] struct {
	// Field names the entity field, as in its JSON encoding.
	Field string
	Requirement
	Present func(E) bool
}

// Rule is one line of a workflow table: a trigger fired from one of the
// From states leads to To, if the actor holds one of Roles, every guard
// holds and, after Apply, every Required field is present.
type Rule[E any] struct {
	// Trigger names the transition; persisted, never renamed.
	Trigger string
	// From lists the states the trigger may fire from. An empty From makes
	// the rule the workflow's single creation rule.
	From []string
	// To is the target state; empty means the entity stays where it is.
	To string
	// Roles lists the roles that may fire the trigger; never empty.
	Roles []Role
	// Command is a value of the command type the trigger takes, such as
	// incident.Note{}: the pipeline refuses, with a [*ValidationError], a
	// command of any other type. Every rule of a trigger names the same
	// type.
	Command Command
	// Segregation lists the segregation-of-duties rules, checked after the
	// roles and before the guards.
	Segregation []Segregation[E]
	// Prepare, when set, runs after the load and the role check and before
	// the approval, segregation and guards: the reads of other records and
	// the host look-ups the rule needs (a template, a plan, the changes a
	// schedule may conflict with, the change a fix depends on), whose
	// results it leaves in t.Prepared. It returns an error for a failure
	// to look (a store, the host, the context), or for what cannot be
	// judged at all (a command naming what the host does not know, a
	// [*ValidationError]; a stored record lacking what the rule needs, a
	// [*CorruptError]), which ends the transition with that error; what
	// it finds, or does not find, the guards judge. What it reads is not part of the transition's atomic
	// commit: another writer may change it meanwhile, unless the stores
	// commit across entities atomically.
	Prepare func(ctx context.Context, t *Transition[E]) error
	// FollowUp, when set, is the write to another record the transition
	// implies, run once its commit is made: in one atomic commit with it
	// where the store offers one (see [FollowUp]). The creating rule has
	// none.
	FollowUp *FollowUp[E]
	// Approval, when set, is the approval the trigger records or decides
	// on: the pipeline checks, before the segregation rules, that the actor
	// may decide under it, and refuses with a [*ForbiddenError] citing its
	// requirement.
	Approval *ApprovalGate[E]
	// Guards are checked on the entity before the effects; all of them are
	// evaluated, so a refusal lists every unmet requirement.
	Guards []Guard[E]
	// Requires lists the fields required on entering To.
	Requires []Required[E]
	// Apply performs the transition's effects on the working copy and
	// records its payload. It runs even when guards failed (its result is
	// then discarded), so it must not panic on any entity or command.
	Apply func(*Transition[E])
	// Requirement, when set, is the requirement the rule's source states
	// enforce: why the trigger is allowed only from From (closing only what
	// was resolved, say). A [TransitionError] for the trigger cites it.
	Requirement Requirement
	// Doc describes the rule in a sentence, for generated documentation.
	Doc string
}

// Definition declares a workflow.
type Definition[E any] struct {
	// Kind of the entities the workflow governs.
	Kind Kind
	// States lists every status, the creation rule's target first.
	States []string
	// Terminal lists the states no entity leaves.
	Terminal []string
	// New returns an empty entity for the creation rule to fill.
	New func() E
	// Rules is the workflow table.
	Rules []Rule[E]
	// Cite, when set, maps every requirement a refusal of the record cites
	// (a guard's, a segregation rule's, the approval gate's, a required
	// field's, or the source states' of a trigger not allowed) to the one
	// the refusal reports: for a process whose records evidence a
	// requirement they name themselves, as a periodic review cites the
	// requirement its schedule names. It sees the record as loaded (on
	// create, the working copy after the effects) and the declared
	// citation, which stays checked against the catalogue; returning the
	// declared one unchanged is always right.
	Cite func(e E, declared Requirement) Requirement
	// Catalogue lists the requirements the process enforces, each with its
	// ID, clause and sentence. When it is set, every requirement a rule,
	// guard, segregation rule or required field cites must be in it:
	// [NewWorkflow] refuses an unknown ID or a clause that disagrees, and
	// fills in the clause (and the sentence, when the citation gives none)
	// from the catalogue, so that a process writes each clause once.
	Catalogue []Requirement
}

// Workflow is a compiled, immutable workflow table. Compile it once with
// [NewWorkflow] and share it: the pipeline never rebuilds it per
// transition. It is safe for concurrent use.
type Workflow[E Entity[E]] struct {
	def      Definition[E]
	create   *Rule[E]
	table    map[ruleKey]*Rule[E]
	byTrig   map[string][]Role        // union of the roles of each trigger's rules
	cmdType  map[string]reflect.Type  // the command type of each trigger
	byType   map[reflect.Type]string  // the trigger of each command type that names exactly one
	trigReq  map[string][]Requirement // the requirements each trigger's rules cite
	follows  map[string]bool          // the triggers whose rules declare a follow-up
	fromSt   map[string][]string
	toSt     map[string][]string // the statuses the triggers from each state lead to, sorted
	events   fsm.Events
	initial  string
	terminal map[string]bool
}

type ruleKey struct{ trigger, state string }

// NewWorkflow compiles a definition. It checks that every state named is
// declared, that no trigger has two rules from the same state, that exactly
// one rule creates entities, that every rule names roles and every guard a
// requirement, and that looplab/fsm, given the same events, allows exactly
// what the compiled table allows. A bad definition gives a
// [*ValidationError].
func NewWorkflow[E Entity[E]](d Definition[E]) (*Workflow[E], error) {
	bad := func(format string, args ...any) error {
		return &ValidationError{Kind: d.Kind, Field: "workflow", Problem: fmt.Sprintf(format, args...)}
	}
	if d.Kind == "" || d.New == nil || len(d.States) == 0 {
		return nil, bad("a workflow needs a kind, a constructor and states")
	}
	w := &Workflow[E]{
		def:      d,
		table:    make(map[ruleKey]*Rule[E]),
		byTrig:   make(map[string][]Role),
		trigReq:  make(map[string][]Requirement),
		follows:  make(map[string]bool),
		cmdType:  make(map[string]reflect.Type),
		byType:   make(map[reflect.Type]string),
		fromSt:   make(map[string][]string),
		toSt:     make(map[string][]string),
		terminal: make(map[string]bool),
	}
	// Copy every slice of the definition: a compiled workflow is immutable
	// and shares no memory with the caller's definition.
	w.def.States = slices.Clone(d.States)
	w.def.Terminal = slices.Clone(d.Terminal)
	states := make(map[string]bool, len(d.States))
	for _, s := range d.States {
		if s == "" || states[s] {
			return nil, bad("state %q is empty or declared twice", s)
		}
		states[s] = true
	}
	for _, s := range d.Terminal {
		if !states[s] {
			return nil, bad("terminal state %q is not declared", s)
		}
		w.terminal[s] = true
	}
	w.def.Rules = make([]Rule[E], len(d.Rules))
	for i, r := range d.Rules {
		w.def.Rules[i] = cloneRule(r)
	}
	w.def.Catalogue = slices.Clone(d.Catalogue)
	if err := w.resolveCitations(); err != nil {
		return nil, bad("%v", err)
	}
	for i := range w.def.Rules {
		r := &w.def.Rules[i]
		if r.Trigger == "" || len(r.Roles) == 0 || r.Apply == nil {
			return nil, bad("rule %d (%q) needs a trigger, roles and an Apply function", i, r.Trigger)
		}
		if r.Command == nil {
			return nil, bad("rule %q names no command type", r.Trigger)
		}
		ct := reflect.TypeOf(r.Command)
		if have, ok := w.cmdType[r.Trigger]; ok && have != ct {
			return nil, bad("the rules of %q take two command types: %s and %s", r.Trigger, have, ct)
		}
		w.cmdType[r.Trigger] = ct
		for _, g := range r.Guards {
			if g.ID == "" || g.Clause == "" || g.Check == nil {
				return nil, bad("a guard of %q lacks a requirement ID, clause or check", r.Trigger)
			}
		}
		for _, g := range r.Segregation {
			if g.ID == "" || g.Clause == "" || g.Check == nil {
				return nil, bad("a segregation rule of %q lacks a requirement ID, clause or check", r.Trigger)
			}
		}
		if ap := r.Approval; ap != nil && (ap.ID == "" || ap.Clause == "" || ap.Rule == nil || ap.Parties == nil) {
			return nil, bad("the approval of %q lacks a requirement ID, clause, rule or parties", r.Trigger)
		}
		if ap := r.Approval; ap != nil && ((ap.Excluded.ID != "" && ap.Excluded.Clause == "") || (ap.Once.ID != "" && ap.Once.Clause == "")) {
			return nil, bad("the approval of %q cites, for an excluded party or a second decision, a requirement without a clause", r.Trigger)
		}
		for _, f := range r.Requires {
			if f.ID == "" || f.Clause == "" || f.Field == "" || f.Present == nil {
				return nil, bad("a required field of %q lacks a name, requirement ID, clause or check", r.Trigger)
			}
		}
		if r.To != "" && !states[r.To] {
			return nil, bad("rule %q leads to undeclared state %q", r.Trigger, r.To)
		}
		if fu := r.FollowUp; fu != nil && (fu.Run == nil || len(r.From) == 0) {
			return nil, bad("the follow-up of %q has no Run, or is on the creating rule", r.Trigger)
		}
		if r.FollowUp != nil {
			w.follows[r.Trigger] = true
		}
		if len(r.From) == 0 {
			if w.create != nil {
				return nil, bad("two creation rules: %q and %q", w.create.Trigger, r.Trigger)
			}
			if r.To != d.States[0] {
				return nil, bad("creation rule %q must lead to the first state %q", r.Trigger, d.States[0])
			}
			w.create = r
			w.initial = r.To
			continue
		}
		w.byTrig[r.Trigger] = appendMissing(w.byTrig[r.Trigger], r.Roles)
		if r.Requirement.ID != "" && !slices.Contains(w.trigReq[r.Trigger], r.Requirement) {
			w.trigReq[r.Trigger] = append(w.trigReq[r.Trigger], r.Requirement)
		}
		for _, s := range r.From {
			if !states[s] {
				return nil, bad("rule %q fires from undeclared state %q", r.Trigger, s)
			}
			if w.terminal[s] && r.To != "" && r.To != s {
				return nil, bad("rule %q leaves terminal state %q", r.Trigger, s)
			}
			k := ruleKey{r.Trigger, s}
			if w.table[k] != nil {
				return nil, bad("trigger %q has two rules from %q", r.Trigger, s)
			}
			w.table[k] = r
			w.fromSt[s] = append(w.fromSt[s], r.Trigger)
			to := r.To
			if to == "" {
				to = s
			}
			w.events = append(w.events, fsm.EventDesc{Name: r.Trigger, Src: []string{s}, Dst: to})
		}
	}
	if w.create == nil {
		return nil, bad("no creation rule (a rule with an empty From)")
	}
	shared := map[reflect.Type]bool{}
	for trig, ct := range w.cmdType {
		if _, seen := w.byType[ct]; seen {
			shared[ct] = true
		}
		w.byType[ct] = trig
	}
	for ct := range shared {
		delete(w.byType, ct) // a command type of several triggers names none
	}
	if w.byTrig[w.create.Trigger] != nil {
		return nil, bad("creation trigger %q is also used from a state", w.create.Trigger)
	}
	for s, trigs := range w.fromSt {
		sort.Strings(trigs)
		var to []string
		for _, trig := range trigs {
			if t, _ := w.target(trig, s); !slices.Contains(to, t) {
				to = append(to, t)
			}
		}
		sort.Strings(to)
		w.toSt[s] = to
	}
	if err := w.checkEngine(); err != nil {
		return nil, bad("%v", err)
	}
	return w, nil
}

// resolveCitations checks every requirement the rules cite against the
// catalogue, and fills in what the catalogue says. Without a catalogue the
// citations stand as written.
func (w *Workflow[E]) resolveCitations() error {
	cat := w.def.Catalogue
	if cat == nil {
		return nil
	}
	byID := make(map[string]Requirement, len(cat))
	for _, r := range cat {
		if r.ID == "" || r.Clause == "" || r.Text == "" {
			return fmt.Errorf("catalogue entry %q lacks an ID, a clause or a sentence", r.ID)
		}
		if _, dup := byID[r.ID]; dup {
			return fmt.Errorf("catalogue lists %s twice", r.ID)
		}
		byID[r.ID] = r
	}
	resolve := func(r *Requirement, where string) error {
		if r.ID == "" {
			return nil // an empty rule requirement: none cited
		}
		c, ok := byID[r.ID]
		switch {
		case !ok:
			return fmt.Errorf("%s cites %s, which is not in the catalogue", where, r.ID)
		case r.Clause != "" && r.Clause != c.Clause:
			return fmt.Errorf("%s cites %s under clause %s; the catalogue says %s", where, r.ID, r.Clause, c.Clause)
		}
		r.Clause = c.Clause
		if r.Text == "" {
			r.Text = c.Text
		}
		return nil
	}
	for i := range w.def.Rules {
		r := &w.def.Rules[i]
		if err := resolve(&r.Requirement, "rule "+r.Trigger); err != nil {
			return err
		}
		for j := range r.Guards {
			if err := resolve(&r.Guards[j].Requirement, "a guard of "+r.Trigger); err != nil {
				return err
			}
		}
		for j := range r.Segregation {
			if err := resolve(&r.Segregation[j].Requirement, "a segregation rule of "+r.Trigger); err != nil {
				return err
			}
		}
		if r.Approval != nil {
			ap := *r.Approval // the definition's approval is the caller's: resolve a copy
			for _, q := range []*Requirement{&ap.Requirement, &ap.Excluded, &ap.Once} {
				if err := resolve(q, "the approval of "+r.Trigger); err != nil {
					return err
				}
			}
			r.Approval = &ap
		}
		for j := range r.Requires {
			if err := resolve(&r.Requires[j].Requirement, "a required field of "+r.Trigger); err != nil {
				return err
			}
		}
	}
	return nil
}

// gate returns the approval gate of the trigger's first rule that has one,
// or nil.
func (w *Workflow[E]) gate(trigger string) *ApprovalGate[E] {
	for i := range w.def.Rules {
		if r := &w.def.Rules[i]; r.Trigger == trigger && r.Approval != nil {
			return r.Approval
		}
	}
	return nil
}

// Catalogue returns the requirements the workflow's definition lists (nil
// when it lists none).
func (w *Workflow[E]) Catalogue() []Requirement { return slices.Clone(w.def.Catalogue) }

// Cited returns the IDs of every requirement the workflow's rules cite,
// sorted, each once: what a catalogue test compares with the catalogue.
func (w *Workflow[E]) Cited() []string {
	seen := map[string]bool{}
	add := func(r Requirement) {
		if r.ID != "" {
			seen[r.ID] = true
		}
	}
	for _, r := range w.def.Rules {
		add(r.Requirement)
		for _, g := range r.Guards {
			add(g.Requirement)
		}
		for _, g := range r.Segregation {
			add(g.Requirement)
		}
		if ap := r.Approval; ap != nil {
			add(ap.Requirement)
			add(ap.Excluded)
			add(ap.Once)
		}
		for _, f := range r.Requires {
			add(f.Requirement)
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// cloneRule returns a copy of r that shares no slice with it; the guards'
// and effects' functions are shared.
func cloneRule[E any](r Rule[E]) Rule[E] {
	r.From = slices.Clone(r.From)
	r.Roles = slices.Clone(r.Roles)
	r.Guards = slices.Clone(r.Guards)
	r.Segregation = slices.Clone(r.Segregation)
	r.Requires = slices.Clone(r.Requires)
	return r
}

func appendMissing(dst, src []Role) []Role {
	for _, r := range src {
		if !slices.Contains(dst, r) {
			dst = append(dst, r)
		}
	}
	return dst
}

// checkEngine proves that the compiled table and looplab/fsm, built from the
// same events, agree for every (state, trigger) pair.
func (w *Workflow[E]) checkEngine() error {
	for _, s := range w.def.States {
		for trig := range w.byTrig {
			want, ok := w.target(trig, s)
			got, err := fsmFire(w.events, s, trig)
			if ok != (err == nil) || (ok && got != want) {
				return fmt.Errorf("engine disagreement for %s from %s: table (%q, %v), looplab/fsm (%q, %v)", trig, s, want, ok, got, err)
			}
		}
	}
	return nil
}

// fsmFire fires one event on a fresh looplab FSM and translates its result.
// It is the one place that interprets looplab/fsm's errors: a transition to
// the same state (NoTransitionError) is a success.
func fsmFire(events fsm.Events, state, trigger string) (string, error) {
	f := fsm.NewFSM(state, events, nil)
	err := f.Event(context.Background(), trigger)
	var noTransition fsm.NoTransitionError
	switch {
	case err == nil, errors.As(err, &noTransition):
		return f.Current(), nil
	default:
		return "", &TransitionError{State: state, Trigger: trigger, Permitted: f.AvailableTransitions()}
	}
}

func (w *Workflow[E]) target(trigger, state string) (string, bool) {
	r := w.table[ruleKey{trigger, state}]
	if r == nil {
		return "", false
	}
	if r.To == "" {
		return state, true
	}
	return r.To, true
}

// TriggerOf returns the trigger that takes commands of cmd's type, and
// false when no trigger, or more than one, takes that type.
func (w *Workflow[E]) TriggerOf(cmd Command) (string, bool) {
	if IsNil(cmd) {
		return "", false
	}
	t, ok := w.byType[reflect.TypeOf(cmd)]
	return t, ok
}

// CommandType returns the command type trigger takes, or nil for a trigger
// the workflow does not declare.
func (w *Workflow[E]) CommandType(trigger string) reflect.Type { return w.cmdType[trigger] }

// checkCommand refuses a command of another type than trigger takes.
func (w *Workflow[E]) checkCommand(trigger string, cmd Command) error {
	want := w.cmdType[trigger]
	if want == nil {
		return nil // an unknown trigger: the pipeline says what is permitted
	}
	if got := reflect.TypeOf(cmd); got != want {
		return &ValidationError{Kind: w.def.Kind, Field: "command",
			Problem: fmt.Sprintf("%s takes a %s, not a %s", trigger, want, got)}
	}
	return nil
}

// Kind returns the kind of entity the workflow governs.
func (w *Workflow[E]) Kind() Kind { return w.def.Kind }

// States returns every status, initial first.
func (w *Workflow[E]) States() []string { return slices.Clone(w.def.States) }

// Terminal reports whether no rule leads out of state s but notes.
func (w *Workflow[E]) Terminal(s string) bool { return w.terminal[s] }

// Rules returns the workflow table, creation rule included. The rules are
// deep copies, so changing them does not change the workflow; the guards'
// functions are shared.
func (w *Workflow[E]) Rules() []Rule[E] {
	out := make([]Rule[E], len(w.def.Rules))
	for i, r := range w.def.Rules {
		out[i] = cloneRule(r)
	}
	return out
}

// Triggers returns, sorted, the triggers the workflow allows from state s,
// for any role.
func (w *Workflow[E]) Triggers(s string) []string { return slices.Clone(w.fromSt[s]) }

// Targets returns, sorted and each once, the statuses the triggers the
// workflow allows from state s lead to: s itself for a trigger that keeps
// the status.
func (w *Workflow[E]) Targets(s string) []string { return slices.Clone(w.toSt[s]) }

// Requirements returns the requirements the rules of trigger cite for
// their source states (see [Rule.Requirement]).
func (w *Workflow[E]) Requirements(trigger string) []Requirement {
	return slices.Clone(w.trigReq[trigger])
}

// Next returns the state trigger leads to from state s, and whether the
// workflow allows it.
func (w *Workflow[E]) Next(s, trigger string) (string, bool) { return w.target(trigger, s) }

// Permitted returns, sorted, the triggers the actor may fire on e now: those
// the workflow allows from e's state for a role the actor holds. Guards,
// which depend on the command, are not evaluated.
func (w *Workflow[E]) Permitted(e E, a Actor) []string {
	s := e.State()
	var out []string
	for _, trig := range w.fromSt[s] {
		if a.HasAny(w.table[ruleKey{trig, s}].Roles) {
			out = append(out, trig)
		}
	}
	return out
}

// Events returns the workflow as looplab/fsm events: the one definition the
// diagrams are drawn from. Each rule contributes one event per source state.
func (w *Workflow[E]) Events() []fsm.EventDesc {
	out := make([]fsm.EventDesc, len(w.events))
	for i, e := range w.events {
		out[i] = fsm.EventDesc{Name: e.Name, Src: slices.Clone(e.Src), Dst: e.Dst}
	}
	return out
}

// Mermaid renders the workflow's lifecycle as a Mermaid state diagram,
// drawn from [Workflow.Events]: one arrow per change of status, labelled
// with the triggers that make it, in a stable order; the creation rule comes
// from [*], terminal states lead to [*], and each state's in-place triggers
// (those that leave the status unchanged) are listed in a comment line.
func (w *Workflow[E]) Mermaid() string {
	type edge struct{ from, to string }
	labels := map[edge][]string{}
	inPlace := map[string][]string{}
	for _, ev := range w.events {
		for _, src := range ev.Src {
			if src == ev.Dst {
				inPlace[src] = append(inPlace[src], ev.Name)
				continue
			}
			k := edge{src, ev.Dst}
			labels[k] = append(labels[k], ev.Name)
		}
	}
	order := make(map[string]int, len(w.def.States))
	for i, s := range w.def.States {
		order[s] = i
	}
	edges := make([]edge, 0, len(labels))
	for k := range labels {
		edges = append(edges, k)
	}
	sort.Slice(edges, func(i, j int) bool {
		a, b := edges[i], edges[j]
		if order[a.from] != order[b.from] {
			return order[a.from] < order[b.from]
		}
		return order[a.to] < order[b.to]
	})
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s: %s\n", w.initial, w.create.Trigger)
	for _, e := range edges {
		l := labels[e]
		sort.Strings(l)
		fmt.Fprintf(&b, "    %s --> %s: %s\n", e.from, e.to, strings.Join(l, ", "))
	}
	for _, s := range w.def.States {
		if w.terminal[s] {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	for _, s := range w.def.States {
		if l := inPlace[s]; len(l) > 0 {
			sort.Strings(l)
			fmt.Fprintf(&b, "    %%%% %s, in place: %s\n", s, strings.Join(l, ", "))
		}
	}
	return b.String()
}
