package sms

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Command is the typed input of one trigger, such as incident.Resolution.
// Validate reports malformed input (an unknown enumeration value, a field
// too long) as a [*ValidationError]; missing data the standard requires is
// left to the rule's guards, which report it with its requirement ID.
type Command interface {
	Validate() error
}

// Event is what observers receive after a transition was committed.
type Event struct {
	Kind     Kind
	EntityID string
	// Entry is a copy of the committed journal entry.
	Entry Entry
}

// Observer is notified after every committed transition, for an outbox, a
// notification service or cross-process wiring. It runs after the commit:
// an error it returns, or a panic, is logged and never undoes or corrupts
// the transition.
type Observer interface {
	Observe(ctx context.Context, ev Event) error
}

// ObserverFunc adapts a function to [Observer].
type ObserverFunc func(ctx context.Context, ev Event) error

// Observe calls f.
func (f ObserverFunc) Observe(ctx context.Context, ev Event) error { return f(ctx, ev) }

// Options configure a [Machine]. The zero value works: the system clock,
// UUID v7 entity IDs, no observer, no host authorizer, no logging.
type Options struct {
	// Now is the clock. Times are stored in UTC to the microsecond.
	Now func() time.Time
	// NewID returns a new entity ID when a create command names none.
	NewID func() string
	// Observer is notified after each committed transition.
	Observer Observer
	// Authorizer is the host's own access control, consulted after the
	// workflow's role check.
	Authorizer Authorizer
	// Logger receives observer failures.
	Logger *slog.Logger
}

// Machine runs a workflow against a store: the one transition pipeline
// every process shares. A Machine is safe for concurrent use.
//
// Each transition: validates the actor and command, loads the entity,
// authorizes the actor (the rule's roles, then the host's Authorizer), looks
// the rule up, evaluates every guard, applies the effects to a private copy,
// checks the fields required on entry, builds the hash-chained journal
// entry, commits entity and entry atomically with the version check, then
// notifies the observer. Any failure before the commit returns leaves the
// store and every copy a caller holds unchanged.
type Machine[E Entity[E]] struct {
	wf    *Workflow[E]
	store Store[E]
	now   func() time.Time
	newID func() string
	obs   Observer
	auth  Authorizer
	log   *slog.Logger
	txs   *sync.Pool // of *Transition[E], reused between transitions; shared by WithStore copies
}

// NewMachine binds a compiled workflow to a store.
func NewMachine[E Entity[E]](w *Workflow[E], s Store[E], o Options) (*Machine[E], error) {
	if w == nil || s == nil {
		return nil, &ValidationError{Field: "machine", Problem: "needs a workflow and a store"}
	}
	m := &Machine[E]{wf: w, store: s, now: o.Now, newID: o.NewID, obs: o.Observer, auth: o.Authorizer, log: o.Logger, txs: &sync.Pool{}}
	if m.now == nil {
		m.now = time.Now
	}
	if m.newID == nil {
		m.newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	return m, nil
}

// WithStore returns a machine that runs the same compiled workflow, with
// the same options, on another store. It is cheap: a host that keeps one
// store per tenant, or an importer that replays each case in a scratch
// store, compiles the workflow once.
func (m *Machine[E]) WithStore(s Store[E]) (*Machine[E], error) {
	if s == nil {
		return nil, &ValidationError{Field: "machine", Problem: "needs a store"}
	}
	return &Machine[E]{wf: m.wf, store: s, now: m.now, newID: m.newID, obs: m.obs, auth: m.auth, log: m.log, txs: m.txs}, nil
}

// Workflow returns the machine's workflow.
func (m *Machine[E]) Workflow() *Workflow[E] { return m.wf }

// Store returns the machine's store.
func (m *Machine[E]) Store() Store[E] { return m.store }

// Now returns the machine's clock reading, in UTC to the microsecond.
func (m *Machine[E]) Now() time.Time { return m.now().UTC().Truncate(time.Microsecond) }

func (m *Machine[E]) kind() Kind { return m.wf.def.Kind }

// checkInput validates what every transition is given and returns the
// idempotency key ctx carries, if any.
func (m *Machine[E]) checkInput(ctx context.Context, a Actor, trigger string, cmd Command) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := a.Validate(); err != nil {
		return "", err
	}
	if err := m.checkCmd(trigger, cmd); err != nil {
		return "", err
	}
	return m.checkKey(ctx)
}

// checkCmd validates one trigger's command: present, of the type the
// trigger takes, and valid by its own Validate.
func (m *Machine[E]) checkCmd(trigger string, cmd Command) error {
	if IsNil(cmd) {
		return &ValidationError{Kind: m.kind(), Field: "command", Problem: "is nil"}
	}
	if err := m.wf.checkCommand(trigger, cmd); err != nil {
		return err
	}
	if err := cmd.Validate(); err != nil {
		if !errors.Is(err, ErrInvalid) {
			err = &ValidationError{Kind: m.kind(), Field: "command", Problem: err.Error()}
		}
		return err
	}
	return nil
}

// checkKey returns the idempotency key ctx carries, or "", once it is
// well formed and the store can find entries by key.
func (m *Machine[E]) checkKey(ctx context.Context) (string, error) {
	key := IdempotencyKey(ctx)
	if key == "" {
		return "", nil
	}
	if err := ValidateID(key); err != nil {
		return "", &ValidationError{Kind: m.kind(), Field: "idempotency key", Problem: err.(*ValidationError).Problem}
	}
	if _, ok := m.store.(KeyFinder); !ok {
		return "", &ValidationError{Kind: m.kind(), Field: "idempotency key",
			Problem: fmt.Sprintf("the store (%T) cannot find entries by key: it does not implement sms.KeyFinder", m.store)}
	}
	return key, nil
}

// Create runs the workflow's creation rule and stores the new entity with
// its first journal entry.
//
// With an idempotency key in ctx ([WithIdempotencyKey]), a create already
// committed under the key returns the entity it created, as stored now,
// instead of creating another.
func (m *Machine[E]) Create(ctx context.Context, a Actor, cmd Command) (E, error) {
	var zero E
	r := m.wf.create
	key, err := m.checkInput(ctx, a, r.Trigger, cmd)
	if err != nil {
		return zero, err
	}
	var req Hash
	if key != "" {
		if req, err = m.request(a, "", r.Trigger, cmd); err != nil {
			return zero, err
		}
		if e, done, err := m.replay(ctx, key, req); done {
			return e, err
		}
	}
	if err := m.authorize(ctx, a, zero, r, "", ""); err != nil {
		return zero, err
	}
	e := m.wf.def.New()
	t := m.tx()
	defer m.release(t)
	t.Entity, t.Command, t.Actor, t.Now, t.Trigger = e, cmd, a, m.Now(), r.Trigger
	if err := m.run(ctx, r, t, ""); err != nil {
		return zero, err
	}
	meta := e.Metadata()
	if meta.ID == "" {
		meta.ID = m.newID()
	}
	if err := ValidateID(meta.ID); err != nil {
		return zero, err
	}
	e.SetState(r.To)
	meta.Version, meta.CreatedAt, meta.UpdatedAt, meta.Head = 1, t.Now, t.Now, Hash{}
	entry, err := m.entry(t, meta.ID, 1, r.To, Hash{}, key, req)
	if err != nil {
		return zero, err
	}
	meta.Head = entry.Hash
	if err := m.store.Create(ctx, e, entry); err != nil {
		return m.failed(ctx, err, key, req, meta.ID)
	}
	m.notify(ctx, entry)
	return e, nil
}

// Fire runs one transition on the stored entity id and returns the new copy.
//
// With an idempotency key in ctx ([WithIdempotencyKey]), a transition
// already committed under the key is not applied again: Fire returns the
// entity as stored now, which includes it. The same key with another
// trigger, entity, actor or command is refused with a [*ValidationError].
func (m *Machine[E]) Fire(ctx context.Context, a Actor, id, trigger string, cmd Command) (E, error) {
	if m.wf.follows[trigger] {
		return m.fireFollowing(ctx, a, id, []Step{{Trigger: trigger, Command: cmd}}, false)
	}
	// An array of its own, so that it stays on the stack: the atomic
	// commit's closure above lets its steps escape.
	steps := [1]Step{{Trigger: trigger, Command: cmd}}
	return m.pipeline(ctx, a, id, steps[:], false, followAfter)
}

// pipeline runs steps on the stored entity id: each step's whole pipeline
// (see [Machine]) on one working copy, in order; then, unless how is
// dryRun, one commit of all their journal entries, the notifications in
// order and the last step's follow-up as how says. seq says the steps are
// a sequence ([Machine.FireSteps]): a step's failure is then a
// [*StepError] naming it, and the idempotency key covers the whole
// sequence; a single Fire's errors are its own. Fire, FireSteps, DryRun
// and DryRunSteps all run here, so that they cannot drift apart.
func (m *Machine[E]) pipeline(ctx context.Context, a Actor, id string, steps []Step, seq bool, how following) (E, error) {
	var zero E
	key, err := m.checkSteps(ctx, a, id, steps, seq)
	if err != nil {
		return zero, err
	}
	var req Hash
	if key != "" {
		if seq {
			req, err = m.requestSteps(a, id, steps)
		} else {
			req, err = m.request(a, id, steps[0].Trigger, steps[0].Command)
		}
		if err != nil {
			return zero, err
		}
		if e, done, err := m.replay(ctx, key, req); done {
			return e, err
		}
	}
	e, err := m.store.Get(ctx, id)
	if err != nil {
		return zero, err
	}
	if err := m.known(e); err != nil {
		return zero, err
	}
	meta := e.Metadata()
	expect, prev := meta.Version, meta.Head
	now := m.Now() // one instant for the whole commit
	var one [1]*Transition[E]
	ts := one[:0]
	if len(steps) > 1 {
		ts = make([]*Transition[E], 0, len(steps))
	}
	defer func() {
		for _, t := range ts {
			m.release(t)
		}
	}()
	var entries []Entry
	var last *Rule[E]
	for i, s := range steps {
		t := m.tx()
		ts = append(ts, t)
		k, rq := "", Hash{}
		if i == 0 {
			k, rq = key, req // the key names the first entry, with the whole request's digest
		}
		r, en, err := m.step(ctx, t, a, e, id, s.Trigger, s.Command, now, expect+int64(i), prev, k, rq)
		if err != nil {
			if seq {
				err = &StepError{Kind: m.kind(), ID: id, Step: i, Steps: len(steps), Trigger: s.Trigger, Err: err}
			}
			return zero, err
		}
		prev, last = en.Hash, r
		if len(steps) == 1 {
			t.entries[0] = en
			entries = t.entries[:]
		} else {
			if entries == nil {
				entries = make([]Entry, 0, len(steps))
			}
			entries = append(entries, en)
		}
	}
	if how == dryRun {
		return e, nil
	}
	if err := m.store.Commit(ctx, e, expect, entries); err != nil {
		return m.failed(ctx, err, key, req, id)
	}
	// Observers hear of the transitions, in order, before the follow-up;
	// inside an atomic commit, once it stands, and not at all when it is
	// rolled back.
	for _, en := range entries {
		m.notify(ctx, en)
	}
	if fu := last.FollowUp; fu != nil {
		if err := m.follow(ctx, fu, ts[len(ts)-1], how); err != nil {
			if how == followInside {
				return zero, &insideError{err: err} // the atomic commit is rolled back
			}
			return e, err
		}
	}
	return e, nil
}

// checkSteps validates what a transition or a sequence is given, before
// anything is read, and returns the idempotency key ctx carries, if any.
func (m *Machine[E]) checkSteps(ctx context.Context, a Actor, id string, steps []Step, seq bool) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := a.Validate(); err != nil {
		return "", err
	}
	if seq {
		switch {
		case len(steps) == 0:
			return "", &ValidationError{Kind: m.kind(), Field: "steps", Problem: "is empty: a sequence needs at least one step"}
		case len(steps) > MaxSteps:
			return "", &ValidationError{Kind: m.kind(), Field: "steps", Problem: fmt.Sprintf("has %d steps, more than %d", len(steps), MaxSteps)}
		}
	}
	for i, s := range steps {
		err := m.checkCmd(s.Trigger, s.Command)
		if err == nil && seq && i < len(steps)-1 && m.wf.follows[s.Trigger] {
			err = &ValidationError{Kind: m.kind(), Field: "steps",
				Problem: s.Trigger + " writes to another record after its commit (a follow-up): only the last step of a sequence may"}
		}
		if err != nil {
			if seq {
				err = &StepError{Kind: m.kind(), ID: id, Step: i, Steps: len(steps), Trigger: s.Trigger, Err: err}
			}
			return "", err
		}
	}
	key, err := m.checkKey(ctx)
	if err != nil {
		return "", err
	}
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return key, nil
}

// step runs one trigger on e, the working copy (as loaded, or as the
// sequence's earlier steps left it), at version: the rule's look-up, the
// authorization, the rule's preparation, approval, segregation, guards,
// effects and required fields, then the new status, the header and the
// journal entry, chained to prev. It returns the rule and the entry.
func (m *Machine[E]) step(ctx context.Context, t *Transition[E], a Actor, e E, id, trigger string, cmd Command,
	now time.Time, version int64, prev Hash, key string, req Hash) (*Rule[E], Entry, error) {
	state := e.State()
	r := m.wf.table[ruleKey{trigger, state}]
	if r == nil {
		return nil, Entry{}, m.notAllowed(a, e, id, state, trigger)
	}
	if err := m.authorize(ctx, a, e, r, id, state); err != nil {
		return nil, Entry{}, err
	}
	if version < 1 || version == math.MaxInt64 {
		return nil, Entry{}, &CorruptError{Kind: m.kind(), ID: id, Problem: fmt.Sprintf("version %d cannot be followed by another", version)}
	}
	t.Entity, t.Command, t.Actor, t.Now, t.From, t.Trigger = e, cmd, a, now, state, trigger
	if err := m.run(ctx, r, t, id); err != nil {
		return nil, Entry{}, err
	}
	to := state
	if r.To != "" {
		to = r.To
		e.SetState(to)
	}
	meta := e.Metadata()
	meta.ID, meta.Version, meta.UpdatedAt = id, version+1, now
	en, err := m.entry(t, id, version+1, to, prev, key, req)
	if err != nil {
		return nil, Entry{}, err
	}
	meta.Head = en.Hash
	return r, en, nil
}

// notAllowed is the refusal of a trigger the workflow has no rule for from
// state: a [*ForbiddenError] for an actor who holds none of the trigger's
// roles (authorized before revealing what the state permits), else a
// [*TransitionError].
func (m *Machine[E]) notAllowed(a Actor, e E, id, state, trigger string) error {
	if roles := m.wf.byTrig[trigger]; roles != nil && !a.HasAny(roles) {
		fe := &ForbiddenError{Kind: m.kind(), ID: id, Trigger: trigger, Actor: a.ID, Roles: slices.Clone(roles),
			Reason: "the actor holds none of the roles this trigger accepts"}
		if ap := m.wf.gate(trigger); ap != nil {
			fe.Requirement = m.cite(e, ap.Requirement) // a decision: the approval says who may decide
		}
		return fe
	}
	reqs := m.wf.Requirements(trigger)
	for i := range reqs {
		reqs[i] = m.cite(e, reqs[i])
	}
	return &TransitionError{Kind: m.kind(), ID: id, State: state, Trigger: trigger, Permitted: m.wf.Triggers(state),
		Targets: m.wf.Targets(state), Requirements: reqs}
}

// Do runs cmd as the transition that takes its type (see
// [Workflow.TriggerOf]): with an empty id, the creating trigger (a
// creating command with an id, or another command without one, is refused
// with a [*ValidationError], as is a nil command or one whose type no
// single trigger takes). It is what a process Service's Do is made of: one
// line.
func (m *Machine[E]) Do(ctx context.Context, a Actor, id string, cmd Command) (E, error) {
	var zero E
	trigger, err := m.commandTrigger(cmd)
	if err != nil {
		return zero, err
	}
	creates := trigger == m.wf.create.Trigger
	switch {
	case creates && id != "":
		return zero, &ValidationError{Kind: m.kind(), Field: "id", Problem: trigger + " creates a record: its command names the ID, not id"}
	case creates:
		return m.Create(ctx, a, cmd)
	case id == "":
		return zero, &ValidationError{Kind: m.kind(), Field: "id", Problem: "is empty: " + trigger + " acts on a stored record"}
	}
	return m.Fire(ctx, a, id, trigger, cmd)
}

// commandTrigger returns the trigger that takes cmd's type, or a
// [*ValidationError] for a nil command or one whose type no single trigger
// takes.
func (m *Machine[E]) commandTrigger(cmd Command) (string, error) {
	if IsNil(cmd) {
		return "", &ValidationError{Kind: m.kind(), Field: "command", Problem: "is nil"}
	}
	trigger, ok := m.wf.TriggerOf(cmd)
	if !ok {
		return "", &ValidationError{Kind: m.kind(), Field: "command",
			Problem: fmt.Sprintf("%s is the command of no single %s trigger", reflect.TypeOf(cmd), m.kind())}
	}
	return trigger, nil
}

// storedTrigger is commandTrigger for a command on a stored record: the
// creating command is refused too.
func (m *Machine[E]) storedTrigger(cmd Command) (string, error) {
	trigger, err := m.commandTrigger(cmd)
	if err == nil && trigger == m.wf.create.Trigger {
		err = &ValidationError{Kind: m.kind(), Field: "command", Problem: trigger + " creates a record: this acts on a stored record"}
	}
	return trigger, err
}

// failed handles a store's refusal of a keyed write: a conflict or an
// existing ID may be the same request, committed by an earlier attempt or a
// concurrent retry, and then it is the result. An unknown outcome names the
// key to retry with.
func (m *Machine[E]) failed(ctx context.Context, err error, key string, req Hash, id string) (E, error) {
	var zero E
	if key == "" {
		return zero, err
	}
	var uo *UnknownOutcomeError
	switch {
	case errors.As(err, &uo):
		uo.Key = key
		if uo.ID == "" {
			uo.ID = id
		}
		return zero, err
	case errors.Is(err, ErrConflict), errors.Is(err, ErrExists):
		if e, done, rerr := m.replay(ctx, key, req); done {
			return e, rerr
		}
	}
	return zero, err
}

// request digests what a keyed command asks for: the kind, the entity (""
// for a create), the trigger, the actor and the command's canonical
// encoding with its type.
func (m *Machine[E]) request(a Actor, id, trigger string, cmd Command) (Hash, error) {
	b := make([]byte, 0, 256)
	b = append(b, "sms/request/v1"...)
	b = appendString(b, string(m.kind()))
	b = appendString(b, id)
	b = appendString(b, trigger)
	b = appendString(b, a.ID)
	b = binary.AppendUvarint(b, uint64(len(a.Roles)))
	for _, r := range a.Roles {
		b = appendString(b, string(r))
	}
	b = appendString(b, reflect.TypeOf(cmd).String())
	// The canonical encoding leaves zero fields out, so a retry made after
	// an upgrade that added a command field is still the same request; a
	// command it cannot encode (one with an interface field) is digested as
	// its JSON.
	if c, err := AppendState(b, cmd); err == nil {
		return sha256.Sum256(c), nil
	}
	j, err := json.Marshal(cmd)
	if err != nil {
		return Hash{}, &ValidationError{Kind: m.kind(), Field: "command", Problem: "cannot carry an idempotency key: it has no canonical or JSON encoding: " + err.Error()}
	}
	b = append(b, 'J')
	return sha256.Sum256(append(b, j...)), nil
}

// replay looks the key up. done is false when no entry carries it; else
// the result is the entity as stored now, or the error refusing a key
// reused for another request.
func (m *Machine[E]) replay(ctx context.Context, key string, req Hash) (E, bool, error) {
	var zero E
	en, err := m.store.(KeyFinder).FindKey(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return zero, false, nil
	case err != nil:
		return zero, true, err
	case en.Request != req:
		return zero, true, &ValidationError{Kind: m.kind(), Field: "idempotency key",
			Problem: fmt.Sprintf("%q was used for another request (%s of %s %q, journal entry %d): use a new key for a new request",
				key, en.Trigger, en.Kind, en.EntityID, en.Seq)}
	}
	e, err := m.Get(ctx, en.EntityID)
	return e, true, err
}

// tx returns a scratch Transition; release returns it, cleared, for reuse.
// Nothing that outlives the call (the returned entity, errors, the entry
// handed to observers) points into it.
func (m *Machine[E]) tx() *Transition[E] {
	if t, ok := m.txs.Get().(*Transition[E]); ok {
		return t
	}
	return new(Transition[E])
}

func (m *Machine[E]) release(t *Transition[E]) {
	enc, ids := t.enc[:0], t.ids
	if cap(enc) > 64<<10 {
		enc = nil // an unusually large record: do not keep its buffer
	}
	*t = Transition[E]{}
	t.enc, t.ids = enc, ids
	m.txs.Put(t)
}

func (m *Machine[E]) authorize(ctx context.Context, a Actor, e E, r *Rule[E], id, state string) error {
	if !a.HasAny(r.Roles) {
		fe := &ForbiddenError{Kind: m.kind(), ID: id, Trigger: r.Trigger, Actor: a.ID, Roles: slices.Clone(r.Roles),
			Reason: "the actor holds none of the roles this trigger accepts"}
		if ap := r.Approval; ap != nil {
			fe.Requirement = m.cite(e, ap.Requirement) // a decision: the approval says who may decide
		}
		return fe
	}
	// The host is asked last; segregation of duties runs in run, where the
	// rule sees the record.
	if m.auth == nil {
		return nil
	}
	req := Authorization{Actor: a.Clone(), Kind: m.kind(), EntityID: id, State: state, Trigger: r.Trigger, Roles: slices.Clone(r.Roles)}
	if err := m.auth.Authorize(ctx, req); err != nil {
		return &ForbiddenError{Kind: m.kind(), ID: id, Trigger: r.Trigger, Actor: a.ID, Reason: "refused by the host's authorizer", Err: err}
	}
	return nil
}

// run prepares the rule's look-ups, checks the approval gate and the
// segregation rules, evaluates the guards, applies the effects and checks
// the required fields, reporting every unmet requirement at once. A panic in rule code is
// turned into an error: it is a defect, but it must not take the host down.
func (m *Machine[E]) run(ctx context.Context, r *Rule[E], t *Transition[E], id string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &ValidationError{Kind: m.kind(), Field: "command", Problem: fmt.Sprintf("%s could not be applied: %v", r.Trigger, p)}
		}
	}()
	if r.Prepare != nil {
		if err := r.Prepare(ctx, t); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if ap := r.Approval; ap != nil {
		if why, roles, cites := ap.check(t); why != "" {
			return &ForbiddenError{Kind: m.kind(), ID: id, Trigger: r.Trigger, Actor: t.Actor.ID, Roles: roles, Requirement: m.cite(t.Entity, cites), Reason: why}
		}
	}
	for i := range r.Segregation {
		g := &r.Segregation[i]
		if why := g.Check(t); why != "" {
			return &ForbiddenError{Kind: m.kind(), ID: id, Trigger: r.Trigger, Actor: t.Actor.ID, Requirement: m.cite(t.Entity, g.Requirement), Reason: why}
		}
	}
	var unmet, blocked []Requirement
	for i := range r.Guards {
		if g := &r.Guards[i]; !g.Check(t) {
			unmet = append(unmet, g.cited(t))
			if g.RecordOnly {
				blocked = append(blocked, unmet[len(unmet)-1])
			}
		}
	}
	r.Apply(t)
	for i := range r.Requires {
		if !r.Requires[i].Present(t.Entity) {
			unmet = append(unmet, r.Requires[i].Requirement)
		}
	}
	if len(unmet) == 0 {
		return nil
	}
	// Cited after the effects, so that a creation's working copy names
	// what it evidences; deduplicated after the mapping.
	var out []Requirement
	for _, r := range unmet {
		out = appendReq(out, m.cite(t.Entity, r))
	}
	t.blocked = nil
	for _, r := range blocked {
		t.blocked = appendReq(t.blocked, m.cite(t.Entity, r))
	}
	return &GuardError{Kind: m.kind(), ID: id, State: t.From, Trigger: r.Trigger, Unmet: out}
}

// cite maps a refusal's declared citation through the definition's Cite.
func (m *Machine[E]) cite(e E, declared Requirement) Requirement {
	if c := m.wf.def.Cite; c != nil && !IsNil(e) {
		if r := c(e, declared); r.ID != "" {
			return r
		}
	}
	return declared
}

// appendReq adds r unless an identical requirement is already listed.
func appendReq(list []Requirement, r Requirement) []Requirement {
	if slices.Contains(list, r) {
		return list
	}
	return append(list, r)
}

// entry builds the journal entry of t: the state digest of the working
// copy, whose header the caller has set (all but Head), then the hash.
func (m *Machine[E]) entry(t *Transition[E], id string, seq int64, to string, prev Hash, key string, req Hash) (Entry, error) {
	if t.ids == nil {
		t.ids = newIDSource()
	}
	eid, err := t.ids.next()
	if err != nil {
		return Entry{}, fmt.Errorf("%s: generating a journal entry ID: %w", m.kind(), err)
	}
	state, err := stateDigest(t.Entity, &t.enc)
	if err != nil {
		return Entry{}, err
	}
	en := Entry{
		ID:       eid,
		Kind:     m.kind(),
		EntityID: id,
		Seq:      seq,
		Trigger:  t.Trigger,
		From:     t.From,
		To:       to,
		Actor:    t.Actor,
		At:       t.Now,
		Reason:   t.reason,
		Payload:  t.payload,
		State:    state,
		Key:      key,
		Request:  req,
		Prev:     prev,
	}
	en.Hash = en.ComputeHash()
	return en, nil
}

func (m *Machine[E]) notify(ctx context.Context, en Entry) {
	if m.obs == nil {
		return
	}
	if p := pendingOf(ctx); p != nil {
		// Inside an atomic commit: once it stands. The entry's payload
		// lives in the pooled transition, so the observer gets a copy.
		kept := en.Clone()
		p.add(func() { m.notifyNow(p.outer, kept) })
		return
	}
	m.notifyNow(ctx, en)
}

func (m *Machine[E]) notifyNow(ctx context.Context, en Entry) {
	defer func() {
		if p := recover(); p != nil {
			m.log.ErrorContext(ctx, "sms: observer panicked; the transition is committed",
				"kind", string(en.Kind), "id", en.EntityID, "seq", en.Seq, "panic", fmt.Sprint(p))
		}
	}()
	// The entry's payload lives in the pooled transition: observers get
	// their own copy, which they may keep.
	if err := m.obs.Observe(ctx, Event{Kind: en.Kind, EntityID: en.EntityID, Entry: en.Clone()}); err != nil {
		m.log.ErrorContext(ctx, "sms: observer failed; the transition is committed",
			"kind", string(en.Kind), "id", en.EntityID, "seq", en.Seq, "err", err)
	}
}

// Get returns a copy of the stored entity.
func (m *Machine[E]) Get(ctx context.Context, id string) (E, error) {
	var zero E
	if err := ValidateID(id); err != nil {
		return zero, err
	}
	e, err := m.store.Get(ctx, id)
	if err != nil {
		return zero, err
	}
	if err := m.known(e); err != nil {
		return zero, err
	}
	return e, nil
}

// List returns a page of entities.
func (m *Machine[E]) List(ctx context.Context, q Query) (Page[E], error) {
	p, err := m.store.List(ctx, q)
	if err != nil {
		return Page[E]{}, err
	}
	for _, e := range p.Items {
		if err := m.known(e); err != nil {
			return Page[E]{}, err
		}
	}
	return p, nil
}

// known checks an entity the store returned: a status the workflow does not
// declare can only come from corrupt or foreign data (a row edited by hand,
// a renamed status), and is reported as a [*CorruptError] naming the entity
// instead of being run through the workflow.
func (m *Machine[E]) known(e E) error {
	if s := e.State(); !slices.Contains(m.wf.def.States, s) {
		return &CorruptError{Kind: m.kind(), ID: e.Metadata().ID,
			Problem: fmt.Sprintf("status %q is not a state of the %s workflow", s, m.kind())}
	}
	return nil
}

// Journal returns the entity's journal.
func (m *Machine[E]) Journal(ctx context.Context, id string) ([]Entry, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	return m.store.Journal(ctx, id)
}

// Verify checks entity id against its journal: the journal with
// [VerifyJournal], then the record with [VerifyHead] (its version, head and
// state digest are those of the journal's last entry). It returns nil, a
// [*JournalError] or [*CorruptError] saying what does not verify, or the
// store's error.
func (m *Machine[E]) Verify(ctx context.Context, id string) error {
	_, _, err := m.Verified(ctx, id)
	return err
}

// Verified returns entity id and its journal once both verify (see
// [Machine.Verify]). Evidence is drawn only from records Verified returns.
//
// The record and the journal are two reads: a journal longer than the
// record is either a transition committed between them or a record rolled
// back behind its journal, and Verified reads the record again to tell
// which.
func (m *Machine[E]) Verified(ctx context.Context, id string) (E, []Entry, error) {
	var zero E
	e, err := m.Get(ctx, id)
	if err != nil {
		return zero, nil, err
	}
	return m.verified(ctx, id, e, nil)
}

// verified verifies e, as read from the store, against its journal: pre
// when it is not nil (read already, with others), else read now.
func (m *Machine[E]) verified(ctx context.Context, id string, e E, pre []Entry) (E, []Entry, error) {
	var zero E
	for attempt := 0; ; attempt++ {
		entries := pre
		if pre == nil || attempt > 0 {
			var err error
			if entries, err = m.store.Journal(ctx, id); err != nil {
				return zero, nil, err
			}
		}
		if err := VerifyJournal(entries); err != nil {
			return zero, nil, err
		}
		if len(entries) > 0 && entries[0].EntityID != id {
			return zero, nil, &JournalError{Kind: e.EntityKind(), EntityID: id, Problem: "the store returned another entity's journal"}
		}
		v := e.Metadata().Version
		if int64(len(entries)) > v && attempt < 3 {
			again, gerr := m.store.Get(ctx, id)
			if gerr == nil && again.Metadata().Version != v {
				e = again // a transition committed meanwhile: verify again
				continue
			}
		}
		if err := VerifyHead(e, entries); err != nil {
			return zero, nil, err
		}
		return e, entries, nil
	}
}

// Observers combines observers; each is called in order, and a failure or
// panic of one does not stop the others.
func Observers(obs ...Observer) Observer {
	return ObserverFunc(func(ctx context.Context, ev Event) error {
		var errs []error
		for _, o := range obs {
			if err := observeSafely(ctx, o, ev); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

func observeSafely(ctx context.Context, o Observer, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sms: observer panicked: %v", p)
		}
	}()
	return o.Observe(ctx, ev)
}
