package sms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
)

func bg() context.Context { return context.Background() }

func assertUTCMicro(t *testing.T, what string, at time.Time) {
	t.Helper()
	assert.Equal(t, time.UTC, at.Location(), "%s is not in UTC", what)
	assert.Zero(t, at.Nanosecond()%1000, "%s is not truncated to the microsecond", what)
}

func TestMachineSuccessPath(t *testing.T) {
	t.Parallel()
	var observed []sms.Event
	env := newTicketEnv(t, sms.Options{Observer: sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		observed = append(observed, ev)
		return nil
	})})
	ctx := bg()

	due := time.Date(2026, 3, 5, 17, 0, 0, 999999999, time.FixedZone("EST", -5*3600))
	t0 := env.clock.Peek()
	created, err := env.m.Create(ctx, rita, ticketCmd{ID: "T-1", Title: "printer on fire", Service: "printing", Due: due,
		Labels: map[string]string{"floor": "3"}})
	require.NoError(t, err)
	assert.Equal(t, "T-1", created.ID)
	assert.Equal(t, stOpen, created.Status)
	assert.Equal(t, int64(1), created.Version)
	assert.Equal(t, t0, created.CreatedAt)
	assert.Equal(t, t0, created.UpdatedAt)
	assertUTCMicro(t, "CreatedAt", created.CreatedAt)
	assert.Equal(t, due.UTC().Truncate(time.Microsecond), created.Due)

	t1 := env.clock.Peek()
	started, err := env.m.Fire(ctx, alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	assert.Equal(t, stWorking, started.Status)
	assert.Equal(t, "alice", started.Assignee)
	assert.Equal(t, int64(2), started.Version)
	assert.Equal(t, t0, started.CreatedAt)
	assert.Equal(t, t1, started.UpdatedAt)

	t2 := env.clock.Peek()
	noted, err := env.m.Fire(ctx, rita, "T-1", trNote, ticketCmd{Text: "smoke is grey"})
	require.NoError(t, err)
	assert.Equal(t, stWorking, noted.Status, "an in-place trigger moved the ticket")
	assert.Equal(t, []string{"smoke is grey"}, noted.Notes)
	assert.Equal(t, int64(3), noted.Version)
	assert.Equal(t, t2, noted.UpdatedAt)

	t3 := env.clock.Peek()
	done, err := env.m.Fire(ctx, alice, "T-1", trFinish, ticketCmd{Resolution: "replaced fuser", Category: "hardware"})
	require.NoError(t, err)
	assert.Equal(t, stDone, done.Status)
	assert.Equal(t, int64(4), done.Version)

	stored, err := env.m.Get(ctx, "T-1")
	require.NoError(t, err)
	assert.Equal(t, done, stored)

	j, err := env.m.Journal(ctx, "T-1")
	require.NoError(t, err)
	require.Len(t, j, 4)
	require.NoError(t, sms.VerifyJournal(j))
	require.NoError(t, sms.VerifyHead(stored, j))
	require.NoError(t, env.m.Verify(ctx, "T-1"))
	assert.Equal(t, stored.Head, j[3].Hash)

	wantSteps := []struct {
		trigger, from, to string
		actor             sms.Actor
		at                time.Time
	}{
		{trFile, "", stOpen, rita, t0},
		{trStart, stOpen, stWorking, alice, t1},
		{trNote, stWorking, stWorking, rita, t2},
		{trFinish, stWorking, stDone, alice, t3},
	}
	for i, w := range wantSteps {
		en := j[i]
		assert.Equal(t, int64(i+1), en.Seq)
		assert.Equal(t, ticketKind, en.Kind)
		assert.Equal(t, "T-1", en.EntityID)
		assert.Equal(t, w.trigger, en.Trigger)
		assert.Equal(t, w.from, en.From)
		assert.Equal(t, w.to, en.To)
		assert.Equal(t, w.actor, en.Actor)
		assert.Equal(t, w.at, en.At)
		assertUTCMicro(t, "entry time", en.At)
		assert.NotEmpty(t, en.ID)
		if i > 0 {
			assert.Equal(t, j[i-1].Hash, en.Prev)
			assert.NotEqual(t, j[i-1].ID, en.ID)
		} else {
			assert.True(t, en.Prev.IsZero())
		}
	}
	assert.Equal(t, []sms.Field{{Key: "title", Value: "printer on fire"}, {Key: "due", Value: "2026-03-05T22:00:00.999999999Z"}}, j[0].Payload)
	assert.Equal(t, []sms.Field{{Key: "resolution", Value: "replaced fuser"}, {Key: "category", Value: "hardware"}}, j[3].Payload)

	require.Len(t, observed, 4)
	for i, ev := range observed {
		assert.Equal(t, ticketKind, ev.Kind)
		assert.Equal(t, "T-1", ev.EntityID)
		assert.Equal(t, mustJSON(t, j[i]), mustJSON(t, ev.Entry), "observer saw entry %d differently", i+1)
	}
}

func TestMachineGeneratesIDs(t *testing.T) {
	t.Parallel()
	t.Run("injected", func(t *testing.T) {
		t.Parallel()
		n := 0
		env := newTicketEnv(t, sms.Options{NewID: func() string { n++; return fmt.Sprintf("TK-%03d", n) }})
		a, err := env.m.Create(bg(), rita, ticketCmd{Title: "a"})
		require.NoError(t, err)
		b, err := env.m.Create(bg(), rita, ticketCmd{Title: "b"})
		require.NoError(t, err)
		assert.Equal(t, "TK-001", a.ID)
		assert.Equal(t, "TK-002", b.ID)
	})
	t.Run("default is a UUID v7, in creation order", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		var ids []string
		for range 3 {
			tk, err := env.m.Create(bg(), rita, ticketCmd{Title: "x"})
			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, tk.ID)
			ids = append(ids, tk.ID)
		}
		p, err := env.m.List(bg(), sms.Query{})
		require.NoError(t, err)
		var listed []string
		for _, tk := range p.Items {
			listed = append(listed, tk.ID)
		}
		assert.Equal(t, ids, listed)
	})
	t.Run("an invalid generated ID is refused", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{NewID: func() string { return " padded" }})
		_, err := env.m.Create(bg(), rita, ticketCmd{Title: "x"})
		assert.ErrorIs(t, err, sms.ErrInvalid)
		assert.Zero(t, env.store.Len())
	})
}

func TestMachineZeroOptions(t *testing.T) {
	t.Parallel()
	m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), memstore.New[*Ticket](), sms.Options{})
	require.NoError(t, err)
	before := time.Now().UTC().Truncate(time.Microsecond)
	tk, err := m.Create(bg(), rita, ticketCmd{Title: "x"})
	require.NoError(t, err)
	assert.False(t, tk.CreatedAt.Before(before))
	assertUTCMicro(t, "CreatedAt", tk.CreatedAt)
	assertUTCMicro(t, "Now", m.Now())
	assert.NoError(t, m.Verify(bg(), tk.ID))
	assert.NotNil(t, m.Workflow())
	assert.NotNil(t, m.Store())

	_, err = sms.NewMachine[*Ticket](nil, memstore.New[*Ticket](), sms.Options{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = sms.NewMachine[*Ticket](ticketWorkflow(t), nil, sms.Options{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

func TestGuardErrorListsEveryUnmetRequirement(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		actor   sms.Actor
		trigger string
		cmd     ticketCmd
		want    []sms.Requirement
	}{
		// TKT-03 is both a guard and a Required field of finish: listed once.
		{"everything missing", bob, trFinish, ticketCmd{}, []sms.Requirement{reqOwnTicket, reqResolution, reqCategory}},
		{"guards met, a required field missing", alice, trFinish, ticketCmd{Resolution: "fixed"}, []sms.Requirement{reqCategory}},
		{"a guard and a required field", alice, trFinish, ticketCmd{Category: "hw"}, []sms.Requirement{reqResolution}},
		{"only the actor guard", bob, trFinish, ticketCmd{Resolution: "fixed", Category: "hw"}, []sms.Requirement{reqOwnTicket}},
		{"cancel unjustified", lena, trCancel, ticketCmd{}, []sms.Requirement{reqJustified}},
		{"empty note", rita, trNote, ticketCmd{}, []sms.Requirement{reqNoteText}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTicketEnv(t, sms.Options{})
			prior := env.working(t, "T-1")
			priorJSON := mustJSON(t, prior)
			before := env.snap(t, "T-1")

			got, err := env.m.Fire(bg(), tc.actor, "T-1", tc.trigger, tc.cmd)
			assert.Nil(t, got)
			var ge *sms.GuardError
			require.ErrorAs(t, err, &ge)
			assert.ErrorIs(t, err, sms.ErrGuard)
			assert.Equal(t, tc.want, ge.Unmet)
			assert.Equal(t, ticketKind, ge.Kind)
			assert.Equal(t, "T-1", ge.ID)
			assert.Equal(t, stWorking, ge.State)
			assert.Equal(t, tc.trigger, ge.Trigger)
			for _, r := range tc.want {
				assert.True(t, ge.Has(r.ID))
			}
			assert.Equal(t, before, env.snap(t, "T-1"), "a refused transition changed the store")
			assert.Equal(t, priorJSON, mustJSON(t, prior), "a refused transition changed the caller's copy")
		})
	}
	t.Run("two guards", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		_, err := env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "no service"})
		require.NoError(t, err)
		before := env.snap(t, "T-1")
		_, err = env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{})
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []sms.Requirement{reqAssignee, reqService}, ge.Unmet)
		assert.Equal(t, before, env.snap(t, "T-1"))
	})
	t.Run("on create", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		_, err := env.m.Create(bg(), rita, ticketCmd{ID: "T-9"})
		var ge *sms.GuardError
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, []string{reqTitle.ID}, ge.IDs())
		assert.Empty(t, ge.State)
		assert.Zero(t, env.store.Len())
	})
}

func TestTransitionRefusedFromWrongState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		state     string // reached before firing
		actor     sms.Actor
		trigger   string
		permitted []string
		// The requirements the trigger's rules cite for their source
		// states (Rule.Requirement).
		requirements []sms.Requirement
	}{
		{"start from working", stWorking, alice, trStart, []string{trCancel, trFinish, trNote}, nil},
		{"finish from open", stOpen, alice, trFinish, []string{trCancel, trNote, trStart}, nil},
		{"reopen from open", stOpen, lena, trReopen, []string{trCancel, trNote, trStart}, nil},
		{"cancel from done", stDone, lena, trCancel, []string{trNote, trReopen}, []sms.Requirement{reqUnfinished}},
		{"cancel from cancelled", stCancelled, lena, trCancel, []string{trNote}, []sms.Requirement{reqUnfinished}},
		{"unknown trigger", stOpen, lena, "explode", []string{trCancel, trNote, trStart}, nil},
		{"empty trigger", stOpen, lena, "", []string{trCancel, trNote, trStart}, nil},
		{"the creation trigger", stWorking, rita, trFile, []string{trCancel, trFinish, trNote}, nil},
		{"anything from cancelled", stCancelled, alice, trStart, []string{trNote}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTicketEnv(t, sms.Options{})
			reach(t, env, "T-1", tc.state)
			before := env.snap(t, "T-1")
			_, err := env.m.Fire(bg(), tc.actor, "T-1", tc.trigger, ticketCmd{Assignee: "alice", Resolution: "r", Category: "c", Reason: "r", Text: "t"})
			var te *sms.TransitionError
			require.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, sms.ErrTransition)
			assert.Equal(t, tc.permitted, te.Permitted)
			assert.True(t, slices.IsSorted(te.Permitted))
			assert.Equal(t, tc.requirements, te.Requirements)
			assert.Equal(t, tc.state, te.State)
			assert.Equal(t, tc.trigger, te.Trigger)
			assert.Equal(t, "T-1", te.ID)
			assert.Equal(t, ticketKind, te.Kind)
			assert.Equal(t, before, env.snap(t, "T-1"))
		})
	}
}

// reach files ticket id and moves it to state through the workflow.
func reach(t *testing.T, env *ticketEnv, id, state string) *Ticket {
	t.Helper()
	tk := env.file(t, id)
	path := map[string][]struct {
		a    sms.Actor
		trig string
		c    ticketCmd
	}{
		stOpen:      nil,
		stWorking:   {{alice, trStart, ticketCmd{Assignee: "alice"}}},
		stDone:      {{alice, trStart, ticketCmd{Assignee: "alice"}}, {alice, trFinish, ticketCmd{Resolution: "fixed", Category: "hw"}}},
		stCancelled: {{lena, trCancel, ticketCmd{Reason: "duplicate"}}},
	}
	steps, ok := path[state]
	require.True(t, ok, "no path to %s", state)
	for _, s := range steps {
		var err error
		tk, err = env.m.Fire(bg(), s.a, id, s.trig, s.c)
		require.NoError(t, err)
	}
	require.Equal(t, state, tk.Status)
	return tk
}

func TestForbidden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		state   string
		actor   sms.Actor
		trigger string
		roles   []sms.Role
	}{
		{"reporter starts", stOpen, rita, trStart, []sms.Role{roleAgent}},
		{"agent cancels", stOpen, alice, trCancel, []sms.Role{roleLead}},
		{"visitor notes", stOpen, nobody, trNote, []sms.Role{roleReporter, roleAgent, roleLead}},
		{"actor without roles", stOpen, sms.Actor{ID: "anon"}, trNote, []sms.Role{roleReporter, roleAgent, roleLead}},
		// Wrong state AND no role: the role check comes first, so the
		// refusal does not reveal what the state permits.
		{"agent cancels a done ticket", stDone, alice, trCancel, []sms.Role{roleLead}},
		{"reporter finishes an open ticket", stOpen, rita, trFinish, []sms.Role{roleAgent, roleLead}},
		{"agent reopens an open ticket", stOpen, alice, trReopen, []sms.Role{roleLead}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			env := newTicketEnv(t, sms.Options{Authorizer: sms.AuthorizerFunc(func(context.Context, sms.Authorization) error {
				calls.Add(1)
				return nil // a permissive host must not allow a missing role
			})})
			reach(t, env, "T-1", tc.state)
			before := env.snap(t, "T-1")
			callsBefore := calls.Load()

			_, err := env.m.Fire(bg(), tc.actor, "T-1", tc.trigger, ticketCmd{Assignee: "x", Resolution: "r", Category: "c", Reason: "r", Text: "t"})
			var fe *sms.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.ErrorIs(t, err, sms.ErrForbidden)
			assert.NotErrorIs(t, err, sms.ErrTransition)
			assert.ElementsMatch(t, tc.roles, fe.Roles)
			assert.Equal(t, tc.actor.ID, fe.Actor)
			assert.Equal(t, tc.trigger, fe.Trigger)
			assert.Equal(t, "T-1", fe.ID)
			assert.Equal(t, ticketKind, fe.Kind)
			assert.Equal(t, callsBefore, calls.Load(), "the host authorizer was consulted before the role check")
			assert.Equal(t, before, env.snap(t, "T-1"))
		})
	}
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		_, err := env.m.Create(bg(), lena, ticketCmd{Title: "x"})
		var fe *sms.ForbiddenError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, []sms.Role{roleReporter, roleAgent}, fe.Roles)
		assert.Zero(t, env.store.Len())
	})
}

func TestHostAuthorizer(t *testing.T) {
	t.Parallel()
	errHost := errors.New("host: change freeze")
	var (
		mu   sync.Mutex
		reqs []sms.Authorization
	)
	refuse := false
	env := newTicketEnv(t, sms.Options{Authorizer: sms.AuthorizerFunc(func(_ context.Context, req sms.Authorization) error {
		mu.Lock()
		defer mu.Unlock()
		reqs = append(reqs, req)
		if refuse {
			return errHost
		}
		return nil
	})})
	env.file(t, "T-1")
	require.Len(t, reqs, 1)
	assert.Equal(t, sms.Authorization{Actor: rita, Kind: ticketKind, Trigger: trFile, Roles: []sms.Role{roleReporter, roleAgent}}, reqs[0])

	refuse = true
	before := env.snap(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
	var fe *sms.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, sms.ErrForbidden)
	assert.ErrorIs(t, err, errHost)
	assert.Equal(t, errHost, fe.Err)
	assert.NotErrorIs(t, err, sms.ErrInvalid)
	require.Len(t, reqs, 2)
	assert.Equal(t, sms.Authorization{Actor: alice, Kind: ticketKind, EntityID: "T-1", State: stOpen, Trigger: trStart, Roles: []sms.Role{roleAgent}}, reqs[1])
	assert.Equal(t, before, env.snap(t, "T-1"))

	// The authorizer cannot see a trigger the workflow refuses.
	_, err = env.m.Fire(bg(), lena, "T-1", trReopen, ticketCmd{})
	assert.ErrorIs(t, err, sms.ErrTransition)
	assert.Len(t, reqs, 2)

	// Its request is a copy: scribbling on it changes nothing.
	env2 := newTicketEnv(t, sms.Options{Authorizer: sms.AuthorizerFunc(func(_ context.Context, req sms.Authorization) error {
		req.Actor.Roles[0] = "mutated"
		req.Roles[0] = "mutated"
		return nil
	})})
	actor := alice.Clone()
	env2.file(t, "T-2")
	_, err = env2.m.Fire(bg(), actor, "T-2", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	assert.Equal(t, alice, actor)
	assert.Equal(t, []sms.Role{roleAgent}, env2.m.Workflow().Rules()[1].Roles)
	j, err := env2.m.Journal(bg(), "T-2")
	require.NoError(t, err)
	assert.Equal(t, alice, j[1].Actor)
}

// errPlain is a Validate failure that is not a *sms.ValidationError.
var errPlain = errors.New("too long")

// deafStore ignores the context it is given, as a store over a driver
// without cancellation might: the pipeline must check it itself.
type deafStore struct{ sms.Store[*Ticket] }

func (s deafStore) Get(_ context.Context, id string) (*Ticket, error) { return s.Store.Get(bg(), id) }
func (s deafStore) Create(_ context.Context, e *Ticket, first sms.Entry) error {
	return s.Store.Create(bg(), e, first)
}
func (s deafStore) Commit(_ context.Context, e *Ticket, expect int64, entries []sms.Entry) error {
	return s.Store.Commit(bg(), e, expect, entries)
}

func TestCancelledContextWithADeafStore(t *testing.T) {
	t.Parallel()
	inner := memstore.New[*Ticket]()
	env := newTicketEnvWith(t, ticketWorkflow(t), inner, sms.Options{})
	env.file(t, "T-1")
	before := env.snap(t, "T-1")
	m, err := sms.NewMachine[*Ticket](env.m.Workflow(), deafStore{inner}, sms.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg())
	cancel()
	_, err = m.Fire(ctx, rita, "T-1", trNote, ticketCmd{Text: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = m.Create(ctx, rita, ticketCmd{ID: "T-2", Title: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, env.snap(t, "T-1"))
	assert.Equal(t, 1, inner.Len())
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(bg())
	cancel()
	typed := sms.Invalid(ticketKind, "title", "is longer than %d characters", 80)

	type call func(env *ticketEnv) (*Ticket, error)
	fire := func(ctx context.Context, a sms.Actor, id string, c sms.Command) call {
		return func(env *ticketEnv) (*Ticket, error) { return env.m.Fire(ctx, a, id, trNote, c) }
	}
	create := func(ctx context.Context, a sms.Actor, c sms.Command) call {
		return func(env *ticketEnv) (*Ticket, error) { return env.m.Create(ctx, a, c) }
	}
	cases := []struct {
		name   string
		call   call
		target error
		field  string // of the *ValidationError, when target is ErrInvalid
	}{
		{"fire: empty actor ID", fire(bg(), sms.Actor{Roles: []sms.Role{roleLead}}, "T-1", ticketCmd{Text: "x"}), sms.ErrInvalid, "actor.id"},
		{"fire: empty role", fire(bg(), sms.Actor{ID: "lena", Roles: []sms.Role{roleLead, ""}}, "T-1", ticketCmd{Text: "x"}), sms.ErrInvalid, "actor.roles"},
		{"fire: nil command", fire(bg(), lena, "T-1", nil), sms.ErrInvalid, "command"},
		{"fire: plain Validate error", fire(bg(), lena, "T-1", ticketCmd{Text: "x", Bad: errPlain}), sms.ErrInvalid, "command"},
		{"fire: typed Validate error", fire(bg(), lena, "T-1", ticketCmd{Text: "x", Bad: typed}), sms.ErrInvalid, "title"},
		{"fire: empty ID", fire(bg(), lena, "", ticketCmd{Text: "x"}), sms.ErrInvalid, "id"},
		{"fire: padded ID", fire(bg(), lena, "T-1 ", ticketCmd{Text: "x"}), sms.ErrInvalid, "id"},
		{"fire: control character in ID", fire(bg(), lena, "T-\x001", ticketCmd{Text: "x"}), sms.ErrInvalid, "id"},
		{"fire: cancelled context", fire(cancelled, lena, "T-1", ticketCmd{Text: "x"}), context.Canceled, ""},
		{"fire: unknown ID", fire(bg(), lena, "T-404", ticketCmd{Text: "x"}), sms.ErrNotFound, ""},
		{"create: empty actor ID", create(bg(), sms.Actor{Roles: []sms.Role{roleReporter}}, ticketCmd{Title: "x"}), sms.ErrInvalid, "actor.id"},
		{"create: nil command", create(bg(), rita, nil), sms.ErrInvalid, "command"},
		{"create: plain Validate error", create(bg(), rita, ticketCmd{Title: "x", Bad: errPlain}), sms.ErrInvalid, "command"},
		{"create: invalid host ID", create(bg(), rita, ticketCmd{ID: "bad\nid", Title: "x"}), sms.ErrInvalid, "id"},
		{"create: cancelled context", create(cancelled, rita, ticketCmd{Title: "x"}), context.Canceled, ""},
		{"create: existing ID", create(bg(), rita, ticketCmd{ID: "T-1", Title: "again"}), sms.ErrExists, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var observed atomic.Int32
			env := newTicketEnv(t, sms.Options{Observer: sms.ObserverFunc(func(context.Context, sms.Event) error {
				observed.Add(1)
				return nil
			})})
			env.file(t, "T-1")
			before := env.snap(t, "T-1")

			got, err := tc.call(env)
			assert.Nil(t, got)
			require.ErrorIs(t, err, tc.target)
			if tc.field != "" {
				var ve *sms.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tc.field, ve.Field)
			}
			assert.Equal(t, before, env.snap(t, "T-1"))
			assert.Equal(t, 1, env.store.Len())
			assert.Equal(t, int32(1), observed.Load(), "an observer heard of a failed transition")
		})
	}
	t.Run("Get, Journal and Verify of an unknown or invalid ID", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{})
		_, err := env.m.Get(bg(), "T-404")
		var nf *sms.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "T-404", nf.ID)
		assert.Equal(t, ticketKind, nf.Kind)
		_, err = env.m.Journal(bg(), "T-404")
		assert.ErrorIs(t, err, sms.ErrNotFound)
		assert.ErrorIs(t, env.m.Verify(bg(), "T-404"), sms.ErrNotFound)
		_, err = env.m.Get(bg(), "")
		assert.ErrorIs(t, err, sms.ErrInvalid)
		_, err = env.m.Journal(bg(), " x")
		assert.ErrorIs(t, err, sms.ErrInvalid)
		_, err = env.m.List(bg(), sms.Query{Limit: -1})
		assert.ErrorIs(t, err, sms.ErrInvalid)
	})
}

func TestRuleCodePanicsAreErrors(t *testing.T) {
	t.Parallel()
	explode := func(*ttx) { panic("boom") }
	cases := []struct {
		name string
		rule sms.Rule[*Ticket]
	}{
		{"Apply panics", sms.Rule[*Ticket]{Trigger: "explode", From: []string{stOpen}, Roles: []sms.Role{roleLead}, Command: ticketCmd{}, Apply: explode}},
		{"guard panics", sms.Rule[*Ticket]{Trigger: "explode", From: []string{stOpen}, Roles: []sms.Role{roleLead}, Command: ticketCmd{}, Apply: func(*ttx) {},
			Guards: []sms.Guard[*Ticket]{{Requirement: reqNoteText, Check: func(*ttx) bool { panic("guard boom") }}}}},
		{"Required panics", sms.Rule[*Ticket]{Trigger: "explode", From: []string{stOpen}, To: stWorking, Roles: []sms.Role{roleLead}, Command: ticketCmd{}, Apply: func(t *ttx) { t.Entity.Notes = nil },
			Requires: []sms.Required[*Ticket]{{Field: "notes", Requirement: reqNoteText, Present: func(tk *Ticket) bool { return tk.Notes[0] != "" }}}}},
		{"Apply mutates then panics", sms.Rule[*Ticket]{Trigger: "explode", From: []string{stOpen}, To: stDone, Roles: []sms.Role{roleLead}, Command: ticketCmd{}, Apply: func(t *ttx) {
			t.Entity.Title = "mutated"
			t.Entity.Notes = append(t.Entity.Notes, "mutated")
			t.Record("k", "v")
			panic(errors.New("boom"))
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := ticketDefinition()
			d.Rules = append(d.Rules, tc.rule)
			wf, err := sms.NewWorkflow(d)
			require.NoError(t, err)
			env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
			prior := env.file(t, "T-1")
			priorJSON := mustJSON(t, prior)
			before := env.snap(t, "T-1")

			var got *Ticket
			require.NotPanics(t, func() { got, err = env.m.Fire(bg(), lena, "T-1", "explode", ticketCmd{}) })
			assert.Nil(t, got)
			require.Error(t, err)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, before, env.snap(t, "T-1"))
			assert.Equal(t, priorJSON, mustJSON(t, prior))
		})
	}
	t.Run("creation rule panics", func(t *testing.T) {
		t.Parallel()
		d := ticketDefinition()
		d.Rules[0].Apply = explode
		wf, err := sms.NewWorkflow(d)
		require.NoError(t, err)
		env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
		require.NotPanics(t, func() { _, err = env.m.Create(bg(), rita, ticketCmd{Title: "x"}) })
		assert.ErrorIs(t, err, sms.ErrInvalid)
		assert.Zero(t, env.store.Len())
	})
}

func TestCallerCopiesAreNeverMutated(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	created := env.file(t, "T-1")
	createdJSON := mustJSON(t, created)
	started, err := env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	startedJSON := mustJSON(t, started)
	noted, err := env.m.Fire(bg(), alice, "T-1", trNote, ticketCmd{Text: "one"})
	require.NoError(t, err)
	_, err = env.m.Fire(bg(), alice, "T-1", trNote, ticketCmd{Text: "two"})
	require.NoError(t, err)

	assert.Equal(t, createdJSON, mustJSON(t, created))
	assert.Equal(t, startedJSON, mustJSON(t, started))
	assert.Equal(t, []string{"one"}, noted.Notes, "a later transition appended to an earlier copy's slice")

	// Nor does scribbling on a returned copy reach the store.
	noted.Notes[0] = "mutated"
	noted.Status = stDone
	stored, err := env.m.Get(bg(), "T-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "two"}, stored.Notes)
	assert.Equal(t, stWorking, stored.Status)
	require.NoError(t, env.m.Verify(bg(), "T-1"))
}

// faultStore decorates a store with failures injected into Create and
// Commit: before the inner call (nothing written) or after it (written, but
// the caller is told it failed, as when a network drops the reply).
type faultStore struct {
	sms.Store[*Ticket]
	mu          sync.Mutex
	failCreate  error
	failCommit  error
	afterInner  bool
	innerWrites int
}

var errDisk = errors.New("disk on fire")

func (s *faultStore) Create(ctx context.Context, e *Ticket, first sms.Entry) error {
	s.mu.Lock()
	fail, after := s.failCreate, s.afterInner
	s.mu.Unlock()
	if fail != nil && !after {
		return fail
	}
	if err := s.Store.Create(ctx, e, first); err != nil {
		return err
	}
	s.mu.Lock()
	s.innerWrites++
	s.mu.Unlock()
	return fail
}

func (s *faultStore) Commit(ctx context.Context, e *Ticket, expect int64, entries []sms.Entry) error {
	s.mu.Lock()
	fail, after := s.failCommit, s.afterInner
	s.mu.Unlock()
	if fail != nil && !after {
		return fail
	}
	if err := s.Store.Commit(ctx, e, expect, entries); err != nil {
		return err
	}
	s.mu.Lock()
	s.innerWrites++
	s.mu.Unlock()
	return fail
}

func TestStoreFailures(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*sms.Machine[*Ticket], *faultStore, *memstore.Store[*Ticket], *atomic.Int32) {
		inner := memstore.New[*Ticket]()
		fs := &faultStore{Store: inner}
		var observed atomic.Int32
		m, err := sms.NewMachine[*Ticket](ticketWorkflow(t), fs, sms.Options{Now: newClock().Now,
			Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { observed.Add(1); return nil })})
		require.NoError(t, err)
		return m, fs, inner, &observed
	}
	snap := func(t *testing.T, s *memstore.Store[*Ticket], id string) snapshot {
		return (&ticketEnv{store: s}).snap(t, id)
	}

	t.Run("commit fails before writing", func(t *testing.T) {
		t.Parallel()
		m, fs, inner, observed := setup(t)
		prior, err := m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"})
		require.NoError(t, err)
		priorJSON := mustJSON(t, prior)
		before := snap(t, inner, "T-1")
		fs.failCommit = errDisk

		got, err := m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
		assert.Nil(t, got)
		assert.ErrorIs(t, err, errDisk)
		assert.Equal(t, before, snap(t, inner, "T-1"))
		assert.Equal(t, priorJSON, mustJSON(t, prior))
		assert.Equal(t, int32(1), observed.Load(), "an observer heard of a failed commit")

		// The store recovers; the next transition chains to the old head.
		fs.failCommit = nil
		_, err = m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
		require.NoError(t, err)
		assert.NoError(t, m.Verify(bg(), "T-1"))
	})

	t.Run("commit fails after writing", func(t *testing.T) {
		t.Parallel()
		m, fs, inner, observed := setup(t)
		prior, err := m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"})
		require.NoError(t, err)
		priorJSON := mustJSON(t, prior)
		fs.failCommit, fs.afterInner = errDisk, true

		got, err := m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
		assert.Nil(t, got, "the caller got a copy of a transition it was told failed")
		assert.ErrorIs(t, err, errDisk)
		assert.Equal(t, priorJSON, mustJSON(t, prior))
		assert.Equal(t, 2, fs.innerWrites)
		assert.Equal(t, int32(1), observed.Load(), "an observer heard of an unconfirmed commit")
		// The write did happen; what is stored is consistent.
		j, err := inner.Journal(bg(), "T-1")
		require.NoError(t, err)
		assert.Len(t, j, 2)
		assert.NoError(t, m.Verify(bg(), "T-1"))
		// A retry from the caller's stale copy is refused, not duplicated.
		fs.failCommit = nil
		_, err = m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
		assert.ErrorIs(t, err, sms.ErrTransition)
	})

	t.Run("create fails before writing", func(t *testing.T) {
		t.Parallel()
		m, fs, inner, observed := setup(t)
		fs.failCreate = errDisk
		got, err := m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"})
		assert.Nil(t, got)
		assert.ErrorIs(t, err, errDisk)
		assert.Zero(t, inner.Len())
		assert.Zero(t, observed.Load())
	})

	t.Run("create fails after writing", func(t *testing.T) {
		t.Parallel()
		m, fs, inner, observed := setup(t)
		fs.failCreate, fs.afterInner = errDisk, true
		got, err := m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"})
		assert.Nil(t, got)
		assert.ErrorIs(t, err, errDisk)
		assert.Equal(t, 1, inner.Len())
		assert.Zero(t, observed.Load())
		assert.NoError(t, m.Verify(bg(), "T-1"))
	})
}

// recordingHandler keeps every log record.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) attrs(i int) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	h.records[i].Attrs(func(a slog.Attr) bool {
		out[a.Key] = a.Value.String()
		return true
	})
	return out
}

func TestObserverFailuresAreLoggedNotFatal(t *testing.T) {
	t.Parallel()
	errOutbox := errors.New("outbox full")
	cases := []struct {
		name    string
		obs     sms.Observer
		attrKey string
		attrVal string
	}{
		{"returns an error", sms.ObserverFunc(func(context.Context, sms.Event) error { return errOutbox }), "err", errOutbox.Error()},
		{"panics", sms.ObserverFunc(func(context.Context, sms.Event) error { panic("observer boom") }), "panic", "observer boom"},
		{"panics with nil map write", sms.ObserverFunc(func(context.Context, sms.Event) error {
			var m map[string]int
			m["x"]++
			return nil
		}), "panic", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &recordingHandler{}
			env := newTicketEnv(t, sms.Options{Observer: tc.obs, Logger: slog.New(h)})
			var created *Ticket
			var err error
			require.NotPanics(t, func() { created, err = env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"}) })
			require.NoError(t, err)
			assert.Equal(t, int64(1), created.Version)
			var started *Ticket
			require.NotPanics(t, func() {
				started, err = env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
			})
			require.NoError(t, err)
			assert.Equal(t, stWorking, started.Status)

			stored, err := env.m.Get(bg(), "T-1")
			require.NoError(t, err)
			assert.Equal(t, started, stored)
			j, err := env.m.Journal(bg(), "T-1")
			require.NoError(t, err)
			assert.Len(t, j, 2)
			assert.NoError(t, env.m.Verify(bg(), "T-1"))

			require.Len(t, h.records, 2, "each observer failure is logged once")
			for i, r := range h.records {
				assert.Equal(t, slog.LevelError, r.Level)
				a := h.attrs(i)
				assert.Equal(t, "T-1", a["id"])
				assert.Equal(t, string(ticketKind), a["kind"])
				assert.Equal(t, fmt.Sprint(i+1), a["seq"])
				require.Contains(t, a, tc.attrKey)
				if tc.attrVal != "" {
					assert.Equal(t, tc.attrVal, a[tc.attrKey])
				}
			}
		})
	}
	t.Run("through a JSON handler", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		env := newTicketEnv(t, sms.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
			Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { return errOutbox })})
		env.file(t, "T-1")
		assert.Contains(t, buf.String(), `"level":"ERROR"`)
		assert.Contains(t, buf.String(), `"err":"outbox full"`)
		assert.Contains(t, buf.String(), `"id":"T-1"`)
	})
	t.Run("no logger configured", func(t *testing.T) {
		t.Parallel()
		env := newTicketEnv(t, sms.Options{Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { panic("boom") })})
		require.NotPanics(t, func() { env.file(t, "T-1") })
		assert.Equal(t, 1, env.store.Len())
	})
}

func TestObserversCombines(t *testing.T) {
	t.Parallel()
	errA, errC := errors.New("a failed"), errors.New("c failed")
	var calls []string
	rec := func(name string, err error) sms.Observer {
		return sms.ObserverFunc(func(context.Context, sms.Event) error {
			calls = append(calls, name)
			return err
		})
	}
	boom := sms.ObserverFunc(func(context.Context, sms.Event) error {
		calls = append(calls, "b")
		panic("b exploded")
	})
	combined := sms.Observers(rec("a", errA), boom, rec("c", errC), rec("d", nil))
	var err error
	require.NotPanics(t, func() { err = combined.Observe(bg(), sms.Event{Kind: ticketKind, EntityID: "T-1"}) })
	assert.Equal(t, []string{"a", "b", "c", "d"}, calls, "a failing observer stopped the others")
	assert.ErrorIs(t, err, errA)
	assert.ErrorIs(t, err, errC)
	assert.ErrorContains(t, err, "b exploded") // the panic's value is kept for the log

	assert.NoError(t, sms.Observers().Observe(bg(), sms.Event{}))
	assert.NoError(t, sms.Observers(rec("x", nil)).Observe(bg(), sms.Event{}))

	// Wired into a machine: every observer sees the event, the transition
	// stands, and the combined failure is logged.
	h := &recordingHandler{}
	var seen []string
	env := newTicketEnv(t, sms.Options{Logger: slog.New(h), Observer: sms.Observers(
		sms.ObserverFunc(func(context.Context, sms.Event) error { panic("first") }),
		sms.ObserverFunc(func(_ context.Context, ev sms.Event) error { seen = append(seen, ev.Entry.Trigger); return nil }),
	)})
	env.file(t, "T-1")
	assert.Equal(t, []string{trFile}, seen)
	assert.Len(t, h.records, 1)
	assert.NoError(t, env.m.Verify(bg(), "T-1"))
}

// barrierStore holds the first n Gets until all n have read, so that n
// concurrent transitions are certain to start from the same version.
type barrierStore struct {
	sms.Store[*Ticket]
	n       int
	mu      sync.Mutex
	arrived int
	release chan struct{}
}

func (s *barrierStore) Get(ctx context.Context, id string) (*Ticket, error) {
	e, err := s.Store.Get(ctx, id)
	s.mu.Lock()
	s.arrived++
	first := s.arrived <= s.n
	if s.arrived == s.n {
		close(s.release)
	}
	s.mu.Unlock()
	if first {
		<-s.release
	}
	return e, err
}

func TestConcurrentFires(t *testing.T) {
	t.Parallel()
	const goroutines, each = 8, 10
	inner := memstore.New[*Ticket]()
	env := newTicketEnvWith(t, ticketWorkflow(t), inner, sms.Options{})
	env.file(t, "T-1")
	m, err := sms.NewMachine[*Ticket](env.m.Workflow(), &barrierStore{Store: inner, n: goroutines, release: make(chan struct{})},
		sms.Options{Now: env.clock.Now})
	require.NoError(t, err)
	var (
		wg        sync.WaitGroup
		successes atomic.Int64
		conflicts atomic.Int64
	)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tk, err := m.Fire(bg(), rita, "T-1", trNote, ticketCmd{Text: fmt.Sprintf("g%d-%d", g, i)})
				var ce *sms.ConflictError
				switch {
				case err == nil:
					successes.Add(1)
					assert.Equal(t, stOpen, tk.Status)
				case errors.As(err, &ce):
					conflicts.Add(1)
					assert.ErrorIs(t, err, sms.ErrConflict)
					assert.Equal(t, "T-1", ce.ID)
					assert.Greater(t, ce.Actual, ce.Expected)
				default:
					t.Errorf("goroutine %d: got %v, want success or *sms.ConflictError", g, err)
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int64(goroutines*each), successes.Load()+conflicts.Load())
	// All first attempts read version 1: exactly one of them won.
	require.GreaterOrEqual(t, conflicts.Load(), int64(goroutines-1))
	require.Positive(t, successes.Load())
	t.Logf("%d successes, %d conflicts", successes.Load(), conflicts.Load())

	j, err := m.Journal(bg(), "T-1")
	require.NoError(t, err)
	// The creation entry and one per successful note.
	assert.Len(t, j, 1+int(successes.Load()))
	for i, en := range j {
		assert.Equal(t, int64(i+1), en.Seq)
	}
	assert.NoError(t, sms.VerifyJournal(j))
	assert.NoError(t, m.Verify(bg(), "T-1"))
	stored, err := m.Get(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, stored.Notes, int(successes.Load()))
	assert.Equal(t, int64(len(j)), stored.Version)
}

func TestConcurrentCreatesOfOneID(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	const n = 8
	var wg sync.WaitGroup
	var wins, exists atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "x", Service: "printing"})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, sms.ErrExists):
				exists.Add(1)
			default:
				t.Errorf("got %v, want success or ErrExists", err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, int32(n-1), exists.Load())
	assert.NoError(t, env.m.Verify(bg(), "T-1"))
}

func TestStoredStatusUnknownToTheWorkflow(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.file(t, "T-1")
	// A record edited by hand, or written by a version of the host whose
	// workflow had a status this one lacks.
	th := &Ticket{Status: "archived", Title: "old"}
	th.ID = "T-0"
	first := sms.Entry{ID: "e-1", Kind: ticketKind, EntityID: "T-0", Seq: 1, Trigger: trFile, To: "archived",
		Actor: rita, At: env.clock.Peek()}
	th.Version, th.CreatedAt, th.UpdatedAt = 1, first.At, first.At
	var err error
	first.State, err = sms.StateDigest(th)
	require.NoError(t, err)
	first.Hash = first.ComputeHash()
	th.Head = first.Hash
	require.NoError(t, env.store.Load(bg(), th, []sms.Entry{first}))
	before := env.snap(t, "T-0")

	assertCorrupt := func(what string, err error) {
		t.Helper()
		var ce *sms.CorruptError
		if assert.ErrorAs(t, err, &ce, what) {
			assert.ErrorIs(t, err, sms.ErrCorrupt)
			assert.Equal(t, "T-0", ce.ID)
			assert.Equal(t, ticketKind, ce.Kind)
		}
	}
	_, err = env.m.Get(bg(), "T-0")
	assertCorrupt("Get", err)
	_, err = env.m.Fire(bg(), lena, "T-0", trNote, ticketCmd{Text: "x"})
	assertCorrupt("Fire", err)
	_, err = env.m.List(bg(), sms.Query{})
	assertCorrupt("List", err)
	assert.Equal(t, before, env.snap(t, "T-0"))

	// The healthy ticket is still served.
	p, err := env.m.List(bg(), sms.Query{After: "T-0"})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "T-1", p.Items[0].ID)
}

func TestObserversMayKeepTheirEvents(t *testing.T) {
	t.Parallel()
	var kept []sms.Event
	env := newTicketEnv(t, sms.Options{Observer: sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		kept = append(kept, ev)
		// Scribbling on the event must not reach the journal.
		if len(ev.Entry.Payload) > 0 {
			ev.Entry.Payload[0].Value = "scribbled"
		}
		if len(ev.Entry.Actor.Roles) > 0 {
			ev.Entry.Actor.Roles[0] = "scribbled"
		}
		return nil
	})})
	env.file(t, "T-1")
	for i := range 12 {
		_, err := env.m.Fire(bg(), rita, "T-1", trNote, ticketCmd{Text: fmt.Sprintf("note %d", i)})
		require.NoError(t, err)
	}
	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	require.NoError(t, sms.VerifyJournal(j))
	require.Len(t, kept, len(j))
	for i, ev := range kept {
		want := j[i].Clone()
		want.Payload[0].Value = "scribbled"
		want.Actor.Roles[0] = "scribbled"
		// What an observer kept is what it saw, not a later transition's
		// data written over a reused buffer.
		assert.Equal(t, mustJSON(t, want), mustJSON(t, ev.Entry), "kept event %d", i)
	}
	assert.Equal(t, sms.Role("reporter"), rita.Roles[0], "an observer reached the caller's actor")
}

func TestMachineWithStore(t *testing.T) {
	t.Parallel()
	var observed atomic.Int32
	var authorized atomic.Int32
	env := newTicketEnv(t, sms.Options{
		NewID:    func() string { return "T-7" },
		Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { observed.Add(1); return nil }),
		Authorizer: sms.AuthorizerFunc(func(context.Context, sms.Authorization) error {
			authorized.Add(1)
			return nil
		}),
	})
	other := memstore.New[*Ticket]()
	m2, err := env.m.WithStore(other)
	require.NoError(t, err)
	assert.Same(t, env.m.Workflow(), m2.Workflow(), "the compiled workflow is shared, not rebuilt")
	assert.Same(t, other, m2.Store())

	next := env.clock.Peek()
	tk, err := m2.Create(bg(), rita, ticketCmd{Title: "x", Service: "printing"})
	require.NoError(t, err)
	assert.Equal(t, "T-7", tk.ID, "the ID source carried over")
	assert.Equal(t, next, tk.CreatedAt, "the clock carried over")
	assert.Equal(t, int32(1), observed.Load(), "the observer carried over")
	assert.Equal(t, int32(1), authorized.Load(), "the authorizer carried over")
	assert.Equal(t, 1, other.Len())
	assert.Zero(t, env.store.Len(), "WithStore wrote to the original store")

	_, err = env.m.WithStore(nil)
	assert.ErrorIs(t, err, sms.ErrInvalid)
}
