package sms_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// Tests of the kernel's evidence: command types bound to triggers,
// segregation of duties in the pipeline, actors validated, records bound to
// their journals, journals that are not extended when broken, idempotency
// keys and unknown outcomes, listings that go past corrupt records.

type otherCmd struct{ Text string }

func (otherCmd) Validate() error { return nil }

func TestCommandOfAnotherTriggerIsRefused(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	before := env.snap(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trNote, otherCmd{Text: "hello"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	assert.Equal(t, "command", ve.Field)
	assert.Contains(t, ve.Problem, "otherCmd")
	_, err = env.m.Create(bg(), rita, otherCmd{})
	assert.ErrorIs(t, err, sms.ErrInvalid, "the creation rule is bound too")
	assert.Equal(t, before, env.snap(t, "T-1"), "a refused command changes nothing")
	var nilCmd *ptrCmd
	_, err = env.m.Fire(bg(), alice, "T-1", trNote, nilCmd)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a nil pointer command")
	assert.Equal(t, before, env.snap(t, "T-1"))
	// An unknown trigger is still told what the state permits.
	_, err = env.m.Fire(bg(), alice, "T-1", "teleport", otherCmd{})
	assert.ErrorIs(t, err, sms.ErrTransition)
}

type ptrCmd struct{}

func (*ptrCmd) Validate() error { return nil }

func TestWorkflowBindsCommandTypes(t *testing.T) {
	t.Parallel()
	d := ticketDefinition()
	d.Rules[1].Command = nil
	_, err := sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a rule without a command type")

	d = ticketDefinition()
	d.Rules = append(d.Rules, sms.Rule[*Ticket]{Trigger: trNote, From: []string{"nowhere"}, Roles: []sms.Role{roleLead}, Command: otherCmd{}, Apply: func(*ttx) {}})
	d.States = append(d.States, "nowhere")
	_, err = sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "one trigger, two command types")

	wf := ticketWorkflow(t)
	assert.Equal(t, "sms_test.ticketCmd", wf.CommandType(trNote).String())
	assert.Nil(t, wf.CommandType("teleport"))
}

var reqNotOwnCancel = sms.Requirement{ID: "TKT-10", Clause: "5.3", Text: "the assignee does not cancel their own ticket"}

// segregatedWorkflow forbids the assignee, the one the command names or the
// one who started the work, to cancel the ticket.
func segregatedWorkflow(t testing.TB) *sms.Workflow[*Ticket] {
	t.Helper()
	d := ticketDefinition()
	for i := range d.Rules {
		if d.Rules[i].Trigger == trCancel {
			d.Rules[i].Segregation = []sms.Segregation[*Ticket]{{Requirement: reqNotOwnCancel, Check: func(t *ttx) string {
				if t.Actor.ID == t.Entity.Assignee {
					return "the assignee may not cancel their own ticket"
				}
				return ""
			}}}
		}
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	return wf
}

func TestSegregationIsForbiddenBeforeGuards(t *testing.T) {
	t.Parallel()
	env := newTicketEnvWith(t, segregatedWorkflow(t), memstore.New[*Ticket](), sms.Options{})
	env.file(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "lena"})
	require.NoError(t, err)
	before := env.snap(t, "T-1")
	// lena, assigned, cancels without a reason: the segregation refusal
	// comes first, as a ForbiddenError citing the requirement.
	_, err = env.m.Fire(bg(), lena, "T-1", trCancel, ticketCmd{})
	var fe *sms.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, sms.ErrForbidden)
	assert.NotErrorIs(t, err, sms.ErrGuard)
	assert.Equal(t, reqNotOwnCancel, fe.Requirement)
	assert.Equal(t, "lena", fe.Actor)
	assert.Equal(t, trCancel, fe.Trigger)
	assert.Equal(t, "T-1", fe.ID)
	assert.Contains(t, fe.Error(), "TKT-10")
	assert.Equal(t, before, env.snap(t, "T-1"))

	other := sms.Actor{ID: "leo", Roles: []sms.Role{roleLead}}
	_, err = env.m.Fire(bg(), other, "T-1", trCancel, ticketCmd{})
	assert.ErrorIs(t, err, sms.ErrGuard, "another lead passes segregation and meets the guards")
	_, err = env.m.Fire(bg(), other, "T-1", trCancel, ticketCmd{Reason: "duplicate"})
	require.NoError(t, err)

	d := ticketDefinition()
	d.Rules[3].Segregation = []sms.Segregation[*Ticket]{{Requirement: sms.Requirement{ID: "X-1"}, Check: func(*ttx) string { return "" }}}
	_, err = sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a segregation rule without a clause")
}

func TestActorIsValidated(t *testing.T) {
	t.Parallel()
	many := make([]sms.Role, sms.MaxRoles+1)
	for i := range many {
		many[i] = sms.Role(fmt.Sprint("r", i))
	}
	cases := []struct {
		name  string
		actor sms.Actor
		field string
	}{
		{"empty ID", sms.Actor{ID: ""}, "actor.id"},
		{"only spaces", sms.Actor{ID: "   "}, "actor.id"},
		{"a leading space", sms.Actor{ID: " ann"}, "actor.id"},
		{"a control character", sms.Actor{ID: "ann\tbob"}, "actor.id"},
		{"a NUL", sms.Actor{ID: "ann\x00"}, "actor.id"},
		{"invalid UTF-8", sms.Actor{ID: "ann\xff"}, "actor.id"},
		{"too long", sms.Actor{ID: strings.Repeat("a", sms.MaxIDLen+1)}, "actor.id"},
		{"an empty role", sms.Actor{ID: "ann", Roles: []sms.Role{""}}, "actor.roles"},
		{"a role with a newline", sms.Actor{ID: "ann", Roles: []sms.Role{"agent\n"}}, "actor.roles"},
		{"a role of invalid UTF-8", sms.Actor{ID: "ann", Roles: []sms.Role{"\xc3"}}, "actor.roles"},
		{"a 10 MB role", sms.Actor{ID: "ann", Roles: []sms.Role{sms.Role(strings.Repeat("r", 10<<20))}}, "actor.roles"},
		{"too many roles", sms.Actor{ID: "ann", Roles: many}, "actor.roles"},
	}
	env := newTicketEnv(t, sms.Options{})
	env.file(t, "T-1")
	before := env.snap(t, "T-1")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ve *sms.ValidationError
			require.ErrorAs(t, tc.actor.Validate(), &ve)
			assert.Equal(t, tc.field, ve.Field)
			a := tc.actor
			a.Roles = append(a.Roles, roleAgent, roleLead, roleReporter)
			_, err := env.m.Fire(bg(), a, "T-1", trNote, ticketCmd{Text: "x"})
			assert.ErrorIs(t, err, sms.ErrInvalid)
		})
	}
	assert.Equal(t, before, env.snap(t, "T-1"))
	assert.NoError(t, sms.Actor{ID: "Zoë O'Brien (service desk)", Roles: []sms.Role{"agent", "lead"}}.Validate())
}

// A store whose reads return what a database edited by hand would.
func TestVerifyFindsRecordsChangedOutsideThePipeline(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trNote, ticketCmd{Text: "checked the fuser"})
	require.NoError(t, err)
	old, err := env.m.Get(bg(), "T-1")
	require.NoError(t, err)
	_, err = env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "replaced", Category: "hardware"})
	require.NoError(t, err)
	require.NoError(t, env.m.Verify(bg(), "T-1"))

	cases := []struct {
		name    string
		edit    func(tk *Ticket)
		problem string
	}{
		{"a field edited", func(tk *Ticket) { tk.Resolution = "nothing" }, "changed outside the pipeline"},
		{"the status forged, in row and document", func(tk *Ticket) { tk.Status = stCancelled }, "status"},
		{"rolled back to an earlier version", func(tk *Ticket) { *tk = *old.Clone() }, "rolled back"},
		{"a version ahead of the journal", func(tk *Ticket) { tk.Version++ }, "removed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := env.m.WithStore(smstest.Tampered[*Ticket](env.store, "T-1", tc.edit))
			require.NoError(t, err)
			err = m.Verify(bg(), "T-1")
			var je *sms.JournalError
			require.ErrorAs(t, err, &je)
			assert.Contains(t, je.Problem, tc.problem)
			_, _, err = m.Verified(bg(), "T-1")
			assert.ErrorIs(t, err, sms.ErrCorrupt)
		})
	}
}

// journalRacer commits a transition between the record's read and the
// journal's, as a concurrent writer would.
type journalRacer struct {
	sms.Store[*Ticket]
	once sync.Once
	fire func()
}

func (r *journalRacer) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	r.once.Do(r.fire)
	return r.Store.Journal(ctx, id)
}

func TestVerifyIsNotFooledByAConcurrentCommit(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	r := &journalRacer{Store: env.store}
	r.fire = func() {
		_, err := env.m.Fire(bg(), alice, "T-1", trNote, ticketCmd{Text: "meanwhile"})
		require.NoError(t, err)
	}
	m, err := env.m.WithStore(r)
	require.NoError(t, err)
	require.NoError(t, m.Verify(bg(), "T-1"), "a journal that grew between the reads is not a rolled-back record")
}

func TestBrokenJournalIsNotExtended(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	before := env.snap(t, "T-1")
	cases := []struct {
		name string
		edit func(tk *Ticket)
	}{
		// The record names a head that is not the journal's last entry.
		{"a head that is not the journal's", func(tk *Ticket) { tk.Head[0] ^= 1 }},
		// A version at the largest int64: the next entry would overflow.
		{"a version that cannot grow", func(tk *Ticket) { tk.Version = math.MaxInt64 }},
	}
	for _, tc := range cases {
		m, err := env.m.WithStore(smstest.Tampered[*Ticket](env.store, "T-1", tc.edit))
		require.NoError(t, err)
		_, err = m.Fire(bg(), alice, "T-1", trNote, ticketCmd{Text: "x"})
		assert.ErrorIs(t, err, sms.ErrCorrupt, tc.name)
		assert.Equal(t, before, env.snap(t, "T-1"), tc.name)
	}
}

// keyed returns a context carrying an idempotency key.
func keyed(key string) context.Context { return sms.WithIdempotencyKey(context.Background(), key) }

func TestIdempotencyKeyAppliesATransitionOnce(t *testing.T) {
	t.Parallel()
	var notified atomic.Int32
	env := newTicketEnv(t, sms.Options{Observer: sms.ObserverFunc(func(context.Context, sms.Event) error { notified.Add(1); return nil })})
	env.working(t, "T-1")
	n0 := notified.Load()
	first, err := env.m.Fire(keyed("req-1"), alice, "T-1", trNote, ticketCmd{Text: "called back"})
	require.NoError(t, err)
	again, err := env.m.Fire(keyed("req-1"), alice, "T-1", trNote, ticketCmd{Text: "called back"})
	require.NoError(t, err, "a retry with the same key and request succeeds")
	assert.Equal(t, first, again, "and returns the committed result")
	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, j, 3, "applied once")
	assert.Equal(t, "req-1", j[2].Key)
	assert.False(t, j[2].Request.IsZero())
	assert.Equal(t, n0+1, notified.Load(), "observers are told once")

	before := env.snap(t, "T-1")
	for name, call := range map[string]func() error{
		"another command": func() error {
			_, err := env.m.Fire(keyed("req-1"), alice, "T-1", trNote, ticketCmd{Text: "something else"})
			return err
		},
		"another actor": func() error {
			_, err := env.m.Fire(keyed("req-1"), bob, "T-1", trNote, ticketCmd{Text: "called back"})
			return err
		},
		"another trigger": func() error {
			_, err := env.m.Fire(keyed("req-1"), alice, "T-1", trFinish, ticketCmd{Text: "called back"})
			return err
		},
		"another entity": func() error {
			env.file(t, "T-2")
			_, err := env.m.Fire(keyed("req-1"), alice, "T-2", trNote, ticketCmd{Text: "called back"})
			return err
		},
		"a create": func() error {
			_, err := env.m.Create(keyed("req-1"), rita, ticketCmd{ID: "T-9", Title: "x", Service: "y"})
			return err
		},
	} {
		err := call()
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, "idempotency key", ve.Field, name)
	}
	assert.Equal(t, before, env.snap(t, "T-1"), "a reused key changes nothing")

	// A key whose transition was refused was not used.
	_, err = env.m.Fire(keyed("req-2"), alice, "T-1", trNote, ticketCmd{})
	require.ErrorIs(t, err, sms.ErrGuard)
	_, err = env.m.Fire(keyed("req-2"), alice, "T-1", trNote, ticketCmd{Text: "now with text"})
	require.NoError(t, err)

	for _, bad := range []string{" ", "a\nb", strings.Repeat("k", 200)} {
		_, err = env.m.Fire(keyed(bad), alice, "T-1", trNote, ticketCmd{Text: "x"})
		assert.ErrorIs(t, err, sms.ErrInvalid, "key %q", bad)
	}
}

func TestIdempotencyKeyOnCreate(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	// A create whose ID the machine generates: the retry must not create a
	// second entity under a new ID.
	c := ticketCmd{Title: "printer on fire", Service: "printing"}
	first, err := env.m.Create(keyed("create-1"), rita, c)
	require.NoError(t, err)
	again, err := env.m.Create(keyed("create-1"), rita, c)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, 1, env.store.Len())
}

// noKeys is a store without sms.KeyFinder.
type noKeys struct{ sms.Store[*Ticket] }

func TestIdempotencyKeyNeedsAKeyFinder(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.file(t, "T-1")
	m, err := env.m.WithStore(noKeys{env.store})
	require.NoError(t, err)
	_, err = m.Fire(keyed("k"), rita, "T-1", trNote, ticketCmd{Text: "x"})
	var ve *sms.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Problem, "KeyFinder")
	_, err = m.Fire(bg(), rita, "T-1", trNote, ticketCmd{Text: "x"})
	assert.NoError(t, err, "without a key the store needs no KeyFinder")
}

func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	const n = 16
	var wg sync.WaitGroup
	results := make([]*Ticket, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = env.m.Fire(keyed("req-1"), alice, "T-1", trNote, ticketCmd{Text: "once"})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			// Only a retry that lost the version race before the winner's
			// entry could be found may conflict; it then finds the key.
			require.ErrorIs(t, errs[i], sms.ErrConflict)
			continue
		}
		assert.GreaterOrEqual(t, results[i].Version, int64(3))
	}
	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, j, 3, "the note was applied exactly once")
}

// inDoubt is a store whose commits are applied, then reported as failed in
// a way that leaves the outcome unknown: a lost connection during COMMIT.
type inDoubt struct {
	*memstore.Store[*Ticket]
	fails atomic.Int32
}

func (s *inDoubt) Commit(ctx context.Context, e *Ticket, expect int64, entries []sms.Entry) error {
	if err := s.Store.Commit(ctx, e, expect, entries); err != nil {
		return err
	}
	if s.fails.Add(-1) >= 0 {
		return &sms.UnknownOutcomeError{Kind: ticketKind, ID: e.ID, Err: errors.New("connection reset during COMMIT")}
	}
	return nil
}

func TestUnknownOutcomeIsResolvedByARetry(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	s := &inDoubt{Store: env.store}
	s.fails.Store(1)
	m, err := env.m.WithStore(s)
	require.NoError(t, err)
	_, err = m.Fire(keyed("req-7"), alice, "T-1", trNote, ticketCmd{Text: "in doubt"})
	var uo *sms.UnknownOutcomeError
	require.ErrorAs(t, err, &uo)
	assert.ErrorIs(t, err, sms.ErrUnknownOutcome)
	assert.Equal(t, "req-7", uo.Key, "the error names the key to retry with")
	assert.Contains(t, err.Error(), "req-7")
	got, err := m.Fire(keyed("req-7"), alice, "T-1", trNote, ticketCmd{Text: "in doubt"})
	require.NoError(t, err, "the retry finds the committed transition")
	assert.Equal(t, int64(3), got.Version)
	j, err := m.Journal(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, j, 3, "applied once")
}

// corruptRow fails every page that would hold one of the IDs, as a SQL
// store fails a page with a row it cannot decode.
type corruptRow struct {
	sms.Store[*Ticket]
	bad map[string]bool
}

func (c corruptRow) List(ctx context.Context, q sms.Query) (sms.Page[*Ticket], error) {
	p, err := c.Store.List(ctx, q)
	if err != nil {
		return p, err
	}
	for _, e := range p.Items {
		if c.bad[e.ID] {
			return sms.Page[*Ticket]{}, &sms.CorruptError{Kind: ticketKind, ID: e.ID, Problem: "the document does not decode"}
		}
	}
	return p, nil
}

func TestEachRecordGoesPastCorruptRecords(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	var want []string
	for i := range 23 {
		id := fmt.Sprintf("T-%02d", i)
		env.file(t, id)
		if i != 4 && i != 5 && i != 17 {
			want = append(want, id)
		}
	}
	m, err := env.m.WithStore(corruptRow{env.store, map[string]bool{"T-04": true, "T-05": true, "T-17": true}})
	require.NoError(t, err)
	var got, bad []string
	err = m.EachRecord(bg(), sms.Query{Limit: 4}, func(tk *Ticket) bool { got = append(got, tk.ID); return true },
		func(id string, err error) error {
			assert.ErrorIs(t, err, sms.ErrCorrupt)
			bad = append(bad, id)
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, want, got, "every other record, in order, once")
	assert.Equal(t, []string{"T-04", "T-05", "T-17"}, bad)

	err = m.Each(bg(), sms.Query{Limit: 4}, func(*Ticket) bool { return true })
	assert.ErrorIs(t, err, sms.ErrCorrupt, "Each still stops at the first")
	stop := errors.New("stop")
	err = m.EachRecord(bg(), sms.Query{}, func(*Ticket) bool { return true }, func(string, error) error { return stop })
	assert.ErrorIs(t, err, stop, "bad may end the listing")
}

func TestEachVerifiedDrawsOnlyOnVerifiedRecords(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	for _, id := range []string{"T-1", "T-2", "T-3"} {
		env.working(t, id)
	}
	m, err := env.m.WithStore(smstest.Tampered[*Ticket](env.store, "T-2", func(tk *Ticket) { tk.Assignee = "mallory" }))
	require.NoError(t, err)
	var ok, bad []string
	err = m.EachVerified(bg(), sms.Query{}, func(tk *Ticket, j []sms.Entry) bool {
		assert.Len(t, j, 2)
		ok = append(ok, tk.ID)
		return true
	}, func(id string, err error) error {
		assert.ErrorIs(t, err, sms.ErrCorrupt)
		bad = append(bad, id)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"T-1", "T-3"}, ok)
	assert.Equal(t, []string{"T-2"}, bad)

	var res = sms.NewVerificationResult()
	res.Unverified(ticketKind, "T-2", errors.New("fields differ"), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	require.Len(t, res.Failures, 1)
	assert.Equal(t, sms.CodeRecordUnverified, res.Failures[0].Code)
	assert.Equal(t, "SMS-REC", res.Failures[0].Requirement.ID)
	assert.Equal(t, 1, res.Population)
	assert.False(t, res.Passed())
}
