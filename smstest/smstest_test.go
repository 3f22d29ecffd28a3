package smstest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
)

// A conformance suite is only as good as the failures it reports. These
// tests run RunStore against stores broken on purpose, each in a child
// process (a failing RunStore fails its test, which must not fail this
// one), and check that it fails, citing the clause of the contract that
// was broken. The unbroken variant is the control: it must pass.

const brokenEnv = "SMSTEST_BROKEN_STORE"

// Ways to break a store.
const (
	correct     = "correct"      // keeps the contract
	noVersion   = "no-version"   // Commit ignores the expected version
	aliases     = "aliases"      // stores and returns the caller's values, no copies
	listOrder   = "list-order"   // List returns insertion order, not ID order
	listCursor  = "list-cursor"  // List ignores the cursor
	dropJournal = "drop-journal" // Commit keeps only the first of its entries
	ignoreCtx   = "ignore-ctx"   // no method looks at its context
	loaderGaps  = "loader-gaps"  // Load stores whatever it is given
	conflicts   = "conflicts"    // Commit always answers ErrConflict
	noChain     = "no-chain"     // Commit extends a journal its first entry does not chain to
	loadTrusts  = "load-trusts"  // Load stores entries and records without verifying them
	dupKeys     = "dup-keys"     // Commit and Create store a second entry under a used key
)

// store is a small map-backed sms.Store for smstest.Thing that keeps the
// contract unless told how to break it.
type store struct {
	broken string

	mu     sync.Mutex
	recs   map[string]*rec
	byTime []string // IDs in insertion order
}

type rec struct {
	th      *smstest.Thing
	journal []sms.Entry
}

func newStore(broken string) *store { return &store{broken: broken, recs: map[string]*rec{}} }

func (s *store) ctxErr(ctx context.Context) error {
	if s.broken == ignoreCtx {
		return nil
	}
	return ctx.Err()
}

func (s *store) in(th *smstest.Thing) *smstest.Thing {
	if s.broken == aliases {
		return th
	}
	return th.Clone()
}

func (s *store) out(th *smstest.Thing) *smstest.Thing { return s.in(th) }

func (s *store) entries(in []sms.Entry) []sms.Entry {
	if s.broken == aliases {
		return in
	}
	out := make([]sms.Entry, len(in))
	for i, e := range in {
		out[i] = e.Clone()
	}
	return out
}

func (s *store) Create(ctx context.Context, th *smstest.Thing, first sms.Entry) error {
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	if err := sms.CheckCommit(th, 0, []sms.Entry{first}); err != nil {
		return err
	}
	return s.put(th, []sms.Entry{first})
}

func (s *store) put(th *smstest.Thing, entries []sms.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs[th.ID] != nil || s.keyUsed(entries) {
		return &sms.ExistsError{Kind: smstest.ThingKind, ID: th.ID}
	}
	s.recs[th.ID] = &rec{th: s.in(th), journal: s.entries(entries)}
	s.byTime = append(s.byTime, th.ID)
	return nil
}

func (s *store) Get(ctx context.Context, id string) (*smstest.Thing, error) {
	if err := s.ctxErr(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[id]
	if r == nil {
		return nil, &sms.NotFoundError{Kind: smstest.ThingKind, ID: id}
	}
	return s.out(r.th), nil
}

func (s *store) Commit(ctx context.Context, th *smstest.Thing, expect int64, entries []sms.Entry) error {
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	if err := sms.CheckCommit(th, expect, entries); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[th.ID]
	if r == nil {
		return &sms.NotFoundError{Kind: smstest.ThingKind, ID: th.ID}
	}
	if v := r.th.Version; (v != expect && s.broken != noVersion) || s.broken == conflicts {
		return &sms.ConflictError{Kind: smstest.ThingKind, ID: th.ID, Expected: expect, Actual: v}
	}
	if last := r.journal[len(r.journal)-1]; s.broken != noChain && entries[0].Prev != last.Hash {
		return &sms.CorruptError{Kind: smstest.ThingKind, ID: th.ID, Problem: "the commit does not chain to the journal"}
	}
	if s.keyUsed(entries) {
		return &sms.ConflictError{Kind: smstest.ThingKind, ID: th.ID, Expected: expect, Actual: r.th.Version}
	}
	if s.broken == dropJournal {
		entries = entries[:1]
	}
	r.th = s.in(th)
	r.journal = append(r.journal, s.entries(entries)...)
	return nil
}

func (s *store) List(ctx context.Context, q sms.Query) (sms.Page[*smstest.Thing], error) {
	var page sms.Page[*smstest.Thing]
	if err := s.ctxErr(ctx); err != nil {
		return page, err
	}
	if err := q.Validate(); err != nil {
		return page, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Clone(s.byTime)
	if s.broken != listOrder {
		sort.Strings(ids)
	}
	for _, id := range ids {
		r := s.recs[id]
		if (s.broken != listCursor && id <= q.After) || !q.Match(r.th.State(), r.th.Attributes()) {
			continue
		}
		if len(page.Items) == q.PageLimit() {
			page.Next = page.Items[len(page.Items)-1].ID
			break
		}
		page.Items = append(page.Items, s.out(r.th))
	}
	return page, nil
}

func (s *store) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if err := s.ctxErr(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[id]
	if r == nil {
		return nil, &sms.NotFoundError{Kind: smstest.ThingKind, ID: id}
	}
	return s.entries(r.journal), nil
}

// keyUsed reports whether an entry carries a key a stored entry has. The
// caller holds s.mu.
func (s *store) keyUsed(entries []sms.Entry) bool {
	if s.broken == dupKeys {
		return false
	}
	for _, en := range entries {
		if en.Key == "" {
			continue
		}
		for _, r := range s.recs {
			for _, have := range r.journal {
				if have.Key == en.Key {
					return true
				}
			}
		}
	}
	return false
}

// loaderStore adds sms.Loader and sms.KeyFinder to store.
type loaderStore struct{ *store }

func (s loaderStore) Load(ctx context.Context, th *smstest.Thing, entries []sms.Entry) error {
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	if s.broken != loaderGaps {
		if err := sms.CheckCommit(th, 0, entries); err != nil {
			return err
		}
	}
	if s.broken != loaderGaps && s.broken != loadTrusts {
		if err := sms.VerifyJournal(entries); err != nil {
			return err
		}
		if err := sms.VerifyHead(th, entries); err != nil {
			return err
		}
	}
	return s.put(th, entries)
}

func (s loaderStore) FindKey(ctx context.Context, key string) (sms.Entry, error) {
	if err := s.ctxErr(ctx); err != nil {
		return sms.Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.byTime {
		for _, en := range s.recs[id].journal {
			if en.Key == key {
				return en.Clone(), nil
			}
		}
	}
	return sms.Entry{}, &sms.NotFoundError{Kind: smstest.ThingKind, ID: key}
}

var (
	_ sms.Store[*smstest.Thing]  = (*store)(nil)
	_ sms.Loader[*smstest.Thing] = loaderStore{}
	_ sms.KeyFinder              = loaderStore{}
)

// TestBrokenStoreHelper runs RunStore on the store variant named by the
// environment; it is a no-op unless TestRunStoreCatchesBrokenStores starts
// it in a child process.
func TestBrokenStoreHelper(t *testing.T) {
	variant := os.Getenv(brokenEnv)
	if variant == "" {
		t.Skip("runs only as a child of TestRunStoreCatchesBrokenStores")
	}
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		s := newStore(variant)
		if variant == correct || variant == loaderGaps || variant == loadTrusts || variant == dupKeys {
			return loaderStore{s}
		}
		return s
	})
}

func TestRunStoreCatchesBrokenStores(t *testing.T) {
	t.Parallel()
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already a child")
	}
	const (
		staleCommit = "Commit with a stale version must return ErrConflict (*sms.ConflictError) and change nothing"
		race        = "N writers committing from the same version: exactly one wins, the others get ErrConflict, no entry is lost or duplicated"
		lostUpdate  = "Writers that retry on ErrConflict never lose an update: the journal is contiguous and holds every successful commit"
		copies      = "Mutating a value passed to or returned by the store must not change what is stored"
		list        = "List must filter by status, service, owner and link, order by ID, and page with the cursor without loss or repetition"
		journal     = "Journal must return every entry in sequence order, byte-identical, so that the hash chain verifies"
		cancelled   = "Every method given a cancelled context must return its error and write nothing"
		loader      = "A store that implements sms.Loader must store an entity with its whole journal atomically"
		chain       = "Commit whose first entry does not chain to the journal's last entry (its Prev is not that entry's hash) must return ErrCorrupt and write nothing"
		verifies    = "A store that implements sms.Loader must refuse, with ErrCorrupt, a journal whose hash chain does not verify or an entity that is not the state its last entry recorded, and store nothing"
		keys        = "A store that implements sms.KeyFinder must find an entry by its key, return ErrNotFound for an unused key, and refuse a second entry with a used key (ErrConflict from Commit, ErrExists from Create and Load), writing nothing"
	)
	cases := []struct {
		variant string
		// The clauses that must fail, and the contract sentence each one
		// must cite.
		fail map[string]string
		// Other clauses the breakage legitimately trips; any clause not
		// listed in fail or also must pass, so failures point at what was
		// broken. nil with anyOther set: do not check.
		also     []string
		anyOther bool
	}{
		{variant: correct},
		// Writers that overwrite each other lose updates only when they
		// happen to interleave.
		{variant: noVersion, fail: map[string]string{"StaleCommit": staleCommit, "RaceSameVersion": race}, also: []string{"NoLostUpdate"}},
		// Handing out its own values lets a caller's changes reach the
		// store, which every later check of stored state then sees.
		{variant: aliases, fail: map[string]string{"CopiesInAndOut": copies},
			also: []string{"StaleCommit", "RaceSameVersion", "NoLostUpdate", "ListFilterOrderCursor", "JournalOrderAndChain"}},
		{variant: listOrder, fail: map[string]string{"ListFilterOrderCursor": list}},
		{variant: listCursor, fail: map[string]string{"ListFilterOrderCursor": list}},
		{variant: dropJournal, fail: map[string]string{"JournalOrderAndChain": journal}},
		{variant: ignoreCtx, fail: map[string]string{"CancelledContext": cancelled}},
		{variant: loaderGaps, fail: map[string]string{"Loader": loader}, also: []string{"LoaderVerifies"}},
		{variant: noChain, fail: map[string]string{"CommitBrokenChain": chain}},
		{variant: loadTrusts, fail: map[string]string{"LoaderVerifies": verifies}},
		{variant: dupKeys, fail: map[string]string{"IdempotencyKeys": keys}},
		// A store that never lets a commit through fails, and does not
		// hang the retrying writers.
		{variant: conflicts, fail: map[string]string{"NoLostUpdate": lostUpdate}, anyOther: true},
	}
	for _, tc := range cases {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBrokenStoreHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.variant)
			out, err := cmd.CombinedOutput()
			output := string(out)
			require.NoError(t, ctx.Err(), "the child timed out:\n%s", output)
			require.Contains(t, output, "=== RUN   TestBrokenStoreHelper/", "RunStore did not run in the child:\n%s", output)

			if tc.fail == nil {
				assert.NoError(t, err, "RunStore fails a store that keeps the contract:\n%s", output)
				assert.NotContains(t, output, "contract:")
				assert.NotContains(t, output, "--- FAIL")
				return
			}
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "RunStore passed a store that is %s:\n%s", tc.variant, output)
			assert.NotZero(t, exit.ExitCode())
			for clause, sentence := range tc.fail {
				assert.Contains(t, output, "--- FAIL: TestBrokenStoreHelper/"+clause+" ", "clause %s did not fail:\n%s", clause, output)
				assert.Contains(t, output, "contract: "+sentence, "the failure does not state the contract")
			}
			// Clauses unrelated to the breakage still pass: failures point
			// at the clause that was broken.
			for _, line := range strings.Split(output, "\n") {
				line = strings.TrimSpace(line)
				if name, ok := strings.CutPrefix(line, "--- FAIL: TestBrokenStoreHelper/"); ok {
					name, _, _ = strings.Cut(name, " ")
					if _, want := tc.fail[name]; !want && !tc.anyOther && !slices.Contains(tc.also, name) {
						t.Errorf("clause %s failed for a store that is only %s", name, tc.variant)
					}
				}
			}
		})
	}
}

// RunStore's failures must be recoverable by the standard errors API, so
// a store returning wrapped errors still passes.
func TestRunStoreAcceptsWrappedErrors(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		return wrapping{newStore(correct)}
	})
}

// wrapping wraps every error a store returns, as a host's store adding
// context would.
type wrapping struct{ *store }

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return errors.Join(errors.New("mystore"), err)
}

func (w wrapping) Create(ctx context.Context, th *smstest.Thing, e sms.Entry) error {
	return wrap(w.store.Create(ctx, th, e))
}

func (w wrapping) Get(ctx context.Context, id string) (*smstest.Thing, error) {
	th, err := w.store.Get(ctx, id)
	return th, wrap(err)
}

func (w wrapping) Commit(ctx context.Context, th *smstest.Thing, expect int64, entries []sms.Entry) error {
	return wrap(w.store.Commit(ctx, th, expect, entries))
}

func (w wrapping) List(ctx context.Context, q sms.Query) (sms.Page[*smstest.Thing], error) {
	p, err := w.store.List(ctx, q)
	return p, wrap(err)
}

func (w wrapping) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	j, err := w.store.Journal(ctx, id)
	return j, wrap(err)
}

func TestAssertionHelpers(t *testing.T) {
	t.Parallel()
	ge := &sms.GuardError{Kind: "ticket", ID: "T-1", Unmet: []sms.Requirement{{ID: "A-1"}, {ID: "B-2"}}}
	assert.Same(t, ge, smstest.RequireRefused(t, ge, "A-1", "B-2"))
	assert.Same(t, ge, smstest.RequireRefused(t, errors.Join(errors.New("x"), ge), "B-2"))
	te := &sms.TransitionError{Trigger: "start", Permitted: []string{"note"}}
	assert.Same(t, te, smstest.RequireTransitionRefused(t, te, "start"))
	fe := &sms.ForbiddenError{Actor: "x"}
	assert.Same(t, fe, smstest.RequireForbidden(t, fe))

	th, first := smstest.NewThing("t-1", "open", time.Date(2026, 1, 1, 0, 0, 0, 1500, time.UTC))
	second := smstest.Advance(th, "move", "closed", time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC))
	smstest.RequireJournal(t, []sms.Entry{first, second}, "create", "move")
	assert.Equal(t, int64(2), th.Version)
	assert.Equal(t, second.Hash, th.Head)
	assert.NoError(t, sms.VerifyHead(th, []sms.Entry{first, second}))

	// Each helper fails the test it is given when the error is not what it
	// expects.
	failing := []struct {
		name string
		run  func(tb testing.TB)
	}{
		{"RequireRefused with another error", func(tb testing.TB) { smstest.RequireRefused(tb, errors.New("x"), "A-1") }},
		{"RequireRefused missing an ID", func(tb testing.TB) { smstest.RequireRefused(tb, ge, "C-3") }},
		{"RequireTransitionRefused with another trigger", func(tb testing.TB) { smstest.RequireTransitionRefused(tb, te, "finish") }},
		{"RequireTransitionRefused with nil", func(tb testing.TB) { smstest.RequireTransitionRefused(tb, nil, "start") }},
		{"RequireForbidden with a guard error", func(tb testing.TB) { smstest.RequireForbidden(tb, ge) }},
		{"RequireJournal with other triggers", func(tb testing.TB) {
			smstest.RequireJournal(tb, []sms.Entry{first, second}, "create")
		}},
		{"RequireJournal with a broken chain", func(tb testing.TB) {
			smstest.RequireJournal(tb, []sms.Entry{second}, "move")
		}},
	}
	for _, tc := range failing {
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() { // FailNow calls runtime.Goexit
			defer close(done)
			tc.run(rec)
		}()
		<-done
		assert.True(t, rec.failed, "%s did not fail", tc.name)
	}
}

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *recorder) Error(...any)          { r.failed = true }
func (r *recorder) Fail()                 { r.failed = true }
func (r *recorder) Failed() bool          { return r.failed }
func (r *recorder) Logf(string, ...any)   {}
func (r *recorder) Log(...any)            {}
