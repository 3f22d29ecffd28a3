// Package smstest is the conformance kit of the library.
//
// [RunStore] is the storage contract of [sms.Store] as a test: every store,
// the library's own and a host's, runs it to prove it keeps the contract,
// with a function that returns a fresh, empty store of [Thing] (here
// memstore's; a host returns its own):
//
//	func TestStore(t *testing.T) {
//		smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
//			return memstore.New[*smstest.Thing]()
//		})
//	}
//
// The assertion helpers ([RequireRefused], [RequireTransitionRefused],
// [RequireJournal]) serve hosts that test that their use of a process
// conforms: that a transition is refused and for which requirement.
package smstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms"
)

// NewStore returns a fresh, empty store for one subtest. It may register
// cleanup with t.Cleanup.
type NewStore func(t *testing.T) sms.Store[*Thing]

// clause is one clause of the storage contract: the sentence a failure
// reports and the test that checks it.
type clause struct {
	name     string
	contract string
	run      func(t *testing.T, s sms.Store[*Thing], c *checker)
}

// checker reports failures prefixed with the contract sentence.
type checker struct {
	t        *testing.T
	contract string
}

func (c *checker) failf(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("contract: %s\n%s", c.contract, fmt.Sprintf(format, args...))
}

func (c *checker) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("contract: %s\n%s", c.contract, fmt.Sprintf(format, args...))
}

func (c *checker) noErr(err error, what string) {
	c.t.Helper()
	if err != nil {
		c.fatalf("%s: unexpected error: %v", what, err)
	}
}

// RunStore runs the storage contract against stores made by newStore, one
// subtest per clause, a fresh store per subtest. Failures state the clause
// of the contract that was broken.
func RunStore(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, cl := range clauses() {
		t.Run(cl.name, func(t *testing.T) {
			s := newStore(t)
			cl.run(t, s, &checker{t: t, contract: cl.contract})
		})
	}
}

var epoch = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

func clauses() []clause {
	return []clause{
		{"CreateGetRoundTrip", "Get must return what Create stored: every field, times to the microsecond, slices and maps", testRoundTrip},
		{"CreateDuplicate", "Create with a stored ID must return ErrExists (*sms.ExistsError) and change nothing", testDuplicate},
		{"NotFound", "Get, Commit and Journal of an unknown ID must return ErrNotFound (*sms.NotFoundError)", testNotFound},
		{"StaleCommit", "Commit with a stale version must return ErrConflict (*sms.ConflictError) and change nothing", testStale},
		{"RaceSameVersion", "N writers committing from the same version: exactly one wins, the others get ErrConflict, no entry is lost or duplicated", testRace},
		{"NoLostUpdate", "Writers that retry on ErrConflict never lose an update: the journal is contiguous and holds every successful commit", testNoLostUpdate},
		{"CopiesInAndOut", "Mutating a value passed to or returned by the store must not change what is stored", testCopies},
		{"ListFilterOrderCursor", "List must filter by status, service, owner and link, order by ID, and page with the cursor without loss or repetition", testList},
		{"ListInvalid", "List with an invalid query must return ErrInvalid", testListInvalid},
		{"JournalOrderAndChain", "Journal must return every entry in sequence order, byte-identical, so that the hash chain verifies", testJournal},
		{"BadCommitArguments", "Commit with entries that do not follow the version must return ErrInvalid and change nothing", testBadCommit},
		{"CancelledContext", "Every method given a cancelled context must return its error and write nothing", testCancelled},
		{"Loader", "A store that implements sms.Loader must store an entity with its whole journal atomically", testLoader},
		{"ListAfterCommit", "List must filter on the last committed version: a commit that changes the status, service, owner or links moves the entity between filters", testListAfterCommit},
		{"ListByteOrder", "List must order IDs by their bytes, as Go compares strings, whatever the collation of an underlying database", testListByteOrder},
		{"ParallelDistinct", "Concurrent commits on distinct entities must all succeed: a version conflict concerns one entity only", testParallelDistinct},
		{"CreateBadArguments", "Create with an entry that does not start the journal must return ErrInvalid and store nothing", testCreateBad},
		{"CommitBrokenChain", "Commit whose first entry does not chain to the journal's last entry (its Prev is not that entry's hash) must return ErrCorrupt and write nothing", testBrokenChain},
		{"LoaderVerifies", "A store that implements sms.Loader must refuse, with ErrCorrupt, a journal whose hash chain does not verify or an entity that is not the state its last entry recorded, and store nothing", testLoaderVerifies},
		{"Atomic", "A store that implements sms.Atomic commits the writes made with its context together when fn returns nil, none of them when fn returns an error or a version check fails (ErrConflict), and lets reads in the context see the writes before them", testAtomic},
		{"JournalsReader", "A store that implements sms.JournalsReader must return, for IDs in any order and across its own query sizes, each stored journal exactly as Journal does, leave out IDs without one, refuse more than sms.MaxLimit IDs (ErrInvalid), and return a cancelled context's error", testJournals},
		{"ConcurrentReader", "A store that implements sms.ConcurrentReader and says it reads concurrently must give goroutines reading at once what each would read alone, and the kernel's parallel verification every record, in order", testConcurrentReads},
		{"IdempotencyKeys", "A store that implements sms.KeyFinder must find an entry by its key, return ErrNotFound for an unused key, and refuse a second entry with a used key (ErrConflict from Commit, ErrExists from Create and Load), writing nothing", testKeys},
	}
}

func bg() context.Context { return context.Background() }

// same compares two things through their JSON encoding, which is what every
// field of the contract is defined by.
func same(c *checker, what string, want, got *Thing) {
	c.t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if string(w) != string(g) {
		c.failf("%s differs\nwant %s\ngot  %s", what, w, g)
	}
}

func sameEntries(c *checker, what string, want, got []sms.Entry) {
	c.t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if string(w) != string(g) {
		c.failf("%s differs\nwant %s\ngot  %s", what, w, g)
	}
}

func richThing(id string) (*Thing, sms.Entry) {
	th, en := NewThing(id, "open", epoch)
	th.Service = "svc-payments"
	th.Owner = "team-a"
	th.Links = []sms.Link{{Type: "problem", ID: "PRB-1"}, {Type: "config_item", ID: "ci 42/ü"}}
	th.Notes = []string{"first", "", "third \u2713"}
	th.Labels = map[string]string{"b": "2", "a": "1"}
	th.Count = 7
	th.Due = time.Date(2026, 4, 1, 0, 0, 0, 999000, time.UTC)
	return th, en
}

func testRoundTrip(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := richThing("thing-1")
	c.noErr(s.Create(bg(), th, en), "Create")
	got, err := s.Get(bg(), "thing-1")
	c.noErr(err, "Get")
	same(c, "stored thing", th, got)
	if !got.CreatedAt.Equal(th.CreatedAt) || got.Version != 1 || got.Head != en.Hash {
		c.failf("header not preserved: got version %d head %s created %v", got.Version, got.Head, got.CreatedAt)
	}
	j, err := s.Journal(bg(), "thing-1")
	c.noErr(err, "Journal")
	sameEntries(c, "journal", []sms.Entry{en}, j)
}

func testDuplicate(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := richThing("dup")
	c.noErr(s.Create(bg(), th, en), "Create")
	other, oen := NewThing("dup", "other", epoch.Add(time.Hour))
	err := s.Create(bg(), other, oen)
	var ee *sms.ExistsError
	if !errors.Is(err, sms.ErrExists) || !errors.As(err, &ee) || ee.ID != "dup" {
		c.failf("second Create: got %v, want *sms.ExistsError for \"dup\"", err)
	}
	got, err := s.Get(bg(), "dup")
	c.noErr(err, "Get")
	same(c, "thing after refused duplicate", th, got)
	j, err := s.Journal(bg(), "dup")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after refused duplicate", []sms.Entry{en}, j)
}

func testNotFound(t *testing.T, s sms.Store[*Thing], c *checker) {
	_, err := s.Get(bg(), "missing")
	var nf *sms.NotFoundError
	if !errors.Is(err, sms.ErrNotFound) || !errors.As(err, &nf) || nf.ID != "missing" {
		c.failf("Get: got %v, want *sms.NotFoundError", err)
	}
	th, _ := NewThing("missing", "open", epoch)
	en := Advance(th, "move", "closed", epoch.Add(time.Minute))
	if err := s.Commit(bg(), th, 1, []sms.Entry{en}); !errors.Is(err, sms.ErrNotFound) {
		c.failf("Commit: got %v, want ErrNotFound", err)
	}
	if _, err := s.Journal(bg(), "missing"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("Journal: got %v, want ErrNotFound", err)
	}
	if _, err := s.Get(bg(), "missing"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("Commit of an unknown ID created it: Get gives %v", err)
	}
}

func testStale(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("stale", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	v1 := th.Clone()
	e2 := Advance(th, "work", "in_progress", epoch.Add(time.Minute))
	c.noErr(s.Commit(bg(), th, 1, []sms.Entry{e2}), "Commit v2")
	stored := th.Clone()

	// A writer still holding version 1.
	e2b := Advance(v1, "cancel", "cancelled", epoch.Add(2*time.Minute))
	err := s.Commit(bg(), v1, 1, []sms.Entry{e2b})
	var ce *sms.ConflictError
	if !errors.Is(err, sms.ErrConflict) || !errors.As(err, &ce) {
		c.fatalf("stale Commit: got %v, want *sms.ConflictError", err)
	}
	if ce.ID != "stale" || ce.Expected != 1 || (ce.Actual != 2 && ce.Actual != -1) {
		c.failf("ConflictError: got %+v, want ID stale, Expected 1, Actual 2 (or -1)", ce)
	}
	got, err := s.Get(bg(), "stale")
	c.noErr(err, "Get")
	same(c, "thing after stale commit", stored, got)
	j, err := s.Journal(bg(), "stale")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after stale commit", []sms.Entry{en, e2}, j)
}

func testRace(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("race", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	const n = 16
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		wins      = make(chan sms.Entry, n)
		conflicts = make(chan error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := th.Clone()
			e := Advance(mine, fmt.Sprintf("writer-%d", i), "in_progress", epoch.Add(time.Duration(i)*time.Second))
			<-start
			err := s.Commit(bg(), mine, 1, []sms.Entry{e})
			switch {
			case err == nil:
				wins <- e
			case errors.Is(err, sms.ErrConflict):
				conflicts <- err
			default:
				c.failf("writer %d: got %v, want nil or ErrConflict", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(wins)
	close(conflicts)
	if len(wins) != 1 || len(conflicts) != n-1 {
		c.fatalf("got %d winners and %d conflicts, want 1 and %d", len(wins), len(conflicts), n-1)
	}
	winner := <-wins
	j, err := s.Journal(bg(), "race")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after the race", []sms.Entry{en, winner}, j)
	if err := sms.VerifyJournal(j); err != nil {
		c.failf("journal does not verify after the race: %v", err)
	}
	got, err := s.Get(bg(), "race")
	c.noErr(err, "Get")
	if got.Version != 2 || got.Head != winner.Hash {
		c.failf("stored thing is at version %d head %s, want the winner's 2 %s", got.Version, got.Head, winner.Hash)
	}
}

func testNoLostUpdate(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("counter", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A conflict means another writer committed since this one
			// read, so a store that keeps the contract needs at most
			// writers*each attempts per writer; one that answers
			// ErrConflict for ever must fail the clause, not hang it.
			for k, attempts := 0, 0; k < each; attempts++ {
				if attempts > 10*writers*each {
					c.failf("writer %d: %d commits still conflict after %d attempts", w, each-k, attempts)
					return
				}
				cur, err := s.Get(bg(), "counter")
				if err != nil {
					c.failf("writer %d Get: %v", w, err)
					return
				}
				expect := cur.Version
				cur.Count++
				cur.Notes = append(cur.Notes, fmt.Sprintf("w%d-%d", w, k))
				e := Advance(cur, "increment", "open", epoch.Add(time.Duration(expect)*time.Second),
					sms.Field{Key: "writer", Value: fmt.Sprint(w)}, sms.Field{Key: "n", Value: fmt.Sprint(k)})
				switch err := s.Commit(bg(), cur, expect, []sms.Entry{e}); {
				case err == nil:
					k++
				case errors.Is(err, sms.ErrConflict):
				default:
					c.failf("writer %d Commit: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(bg(), "counter")
	c.noErr(err, "Get")
	if got.Count != writers*each || len(got.Notes) != writers*each || got.Version != writers*each+1 {
		c.failf("after %d successful increments: count %d, notes %d, version %d", writers*each, got.Count, len(got.Notes), got.Version)
	}
	j, err := s.Journal(bg(), "counter")
	c.noErr(err, "Journal")
	if len(j) != writers*each+1 {
		c.fatalf("journal has %d entries, want %d", len(j), writers*each+1)
	}
	if err := sms.VerifyJournal(j); err != nil {
		c.failf("journal does not verify: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range j[1:] {
		w, _ := sms.Get(e.Payload, "writer")
		n, _ := sms.Get(e.Payload, "n")
		if seen[w+"/"+n] {
			c.failf("entry for writer %s increment %s appears twice", w, n)
		}
		seen[w+"/"+n] = true
	}
}

func testCopies(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := richThing("copy")
	want := th.Clone()
	wantEntry := en.Clone()
	c.noErr(s.Create(bg(), th, en), "Create")
	// Mutate what was passed in.
	th.Notes[0] = "changed"
	th.Links[0].ID = "changed"
	th.Labels["a"] = "changed"
	en.Payload[0].Value = "changed"
	en.Actor.Roles[0] = "changed"
	got, err := s.Get(bg(), "copy")
	c.noErr(err, "Get")
	same(c, "thing after mutating the created value", want, got)
	// Mutate what was returned.
	got.Notes[1] = "changed"
	got.Links[1].Type = "changed"
	got.Labels["b"] = "changed"
	again, err := s.Get(bg(), "copy")
	c.noErr(err, "Get")
	same(c, "thing after mutating a returned value", want, again)

	// Commit, then mutate the committed value and entry.
	next := again.Clone()
	next.Notes = append(next.Notes, "fourth")
	e2 := Advance(next, "note", "open", epoch.Add(time.Minute))
	wantNext, wantE2 := next.Clone(), e2.Clone()
	c.noErr(s.Commit(bg(), next, 1, []sms.Entry{e2}), "Commit")
	next.Notes[3] = "changed"
	e2.Payload[1].Value = "changed"
	got, err = s.Get(bg(), "copy")
	c.noErr(err, "Get")
	same(c, "thing after mutating the committed value", wantNext, got)

	j, err := s.Journal(bg(), "copy")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after mutating committed entries", []sms.Entry{wantEntry, wantE2}, j)
	j[0].Payload[0].Value = "changed"
	j[1].Actor.Roles[0] = "changed"
	j2, err := s.Journal(bg(), "copy")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after mutating a returned journal", []sms.Entry{wantEntry, wantE2}, j2)
	if l, err := s.List(bg(), sms.Query{}); err == nil && len(l.Items) == 1 {
		l.Items[0].Notes[0] = "changed"
		got, err = s.Get(bg(), "copy")
		c.noErr(err, "Get")
		same(c, "thing after mutating a listed value", wantNext, got)
	} else {
		c.failf("List: got %v items, err %v; want 1", len(l.Items), err)
	}
}

// listFixture stores 40 things in random order and returns them by ID.
func listFixture(c *checker, s sms.Store[*Thing]) map[string]*Thing {
	statuses := []string{"open", "in_progress", "closed", "cancelled"}
	services := []string{"svc-a", "svc-b", ""}
	owners := []string{"alice", "bob"}
	all := map[string]*Thing{}
	order := rand.Perm(40)
	for _, i := range order {
		id := fmt.Sprintf("item-%02d", i)
		th, en := NewThing(id, statuses[i%4], epoch.Add(time.Duration(i)*time.Minute))
		th.Service = services[i%3]
		th.Owner = owners[i%2]
		if i%5 == 0 {
			th.Links = []sms.Link{{Type: "problem", ID: "P1"}, {Type: "change", ID: fmt.Sprint("C", i)}}
		}
		if i%7 == 0 {
			th.Links = append(th.Links, sms.Link{Type: "config_item", ID: "P1"}) // same ID, other type
		}
		// Move some things past creation so filters see committed statuses.
		c.noErr(s.Create(bg(), th, en), "Create "+id)
		if i%4 == 2 {
			e := Advance(th, "close", "closed", epoch.Add(time.Hour))
			c.noErr(s.Commit(bg(), th, 1, []sms.Entry{e}), "Commit "+id)
		}
		all[id] = th
	}
	return all
}

// listAll pages through q and returns the IDs in order, failing on a
// repeated or out-of-order ID.
func listAll(c *checker, s sms.Store[*Thing], q sms.Query) []string {
	c.t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			c.fatalf("cursor never ends")
		}
		p, err := s.List(bg(), q)
		c.noErr(err, "List")
		if limit := q.PageLimit(); len(p.Items) > limit {
			c.failf("page of %d items exceeds the limit %d", len(p.Items), limit)
		}
		for _, it := range p.Items {
			if len(ids) > 0 && it.ID <= ids[len(ids)-1] {
				c.failf("ID %q listed after %q: not in ascending order or repeated", it.ID, ids[len(ids)-1])
			}
			ids = append(ids, it.ID)
		}
		if p.Next == "" {
			return ids
		}
		if len(p.Items) == 0 {
			c.fatalf("empty page with a non-empty cursor %q", p.Next)
		}
		if p.Next != p.Items[len(p.Items)-1].ID {
			c.failf("Next is %q, want the last item's ID %q", p.Next, p.Items[len(p.Items)-1].ID)
		}
		q.After = p.Next
	}
}

func testList(t *testing.T, s sms.Store[*Thing], c *checker) {
	all := listFixture(c, s)
	want := func(keep func(*Thing) bool) []string {
		var ids []string
		for id, th := range all {
			if keep(th) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		return ids
	}
	hasLink := func(th *Thing, l sms.Link) bool { return slices.Contains(th.Links, l) }
	cases := []struct {
		name string
		q    sms.Query
		keep func(*Thing) bool
	}{
		{"all, pages of 7", sms.Query{Limit: 7}, func(*Thing) bool { return true }},
		{"all, default limit", sms.Query{}, func(*Thing) bool { return true }},
		{"status closed", sms.Query{Status: []string{"closed"}, Limit: 3}, func(th *Thing) bool { return th.Status == "closed" }},
		{"status open or cancelled", sms.Query{Status: []string{"open", "cancelled"}, Limit: 4},
			func(th *Thing) bool { return th.Status == "open" || th.Status == "cancelled" }},
		{"service svc-b", sms.Query{Service: "svc-b", Limit: 5}, func(th *Thing) bool { return th.Service == "svc-b" }},
		{"owner bob", sms.Query{Owner: "bob", Limit: 6}, func(th *Thing) bool { return th.Owner == "bob" }},
		{"link problem P1", sms.Query{Link: sms.Link{Type: "problem", ID: "P1"}, Limit: 2},
			func(th *Thing) bool { return hasLink(th, sms.Link{Type: "problem", ID: "P1"}) }},
		{"link config_item P1", sms.Query{Link: sms.Link{Type: "config_item", ID: "P1"}},
			func(th *Thing) bool { return hasLink(th, sms.Link{Type: "config_item", ID: "P1"}) }},
		{"status, service and owner", sms.Query{Status: []string{"closed", "open"}, Service: "svc-a", Owner: "alice", Limit: 1},
			func(th *Thing) bool {
				return (th.Status == "closed" || th.Status == "open") && th.Service == "svc-a" && th.Owner == "alice"
			}},
		{"no match", sms.Query{Service: "nope"}, func(*Thing) bool { return false }},
		{"after the last ID", sms.Query{After: "item-99"}, func(*Thing) bool { return false }},
		{"after a middle ID", sms.Query{After: "item-19", Limit: 9}, func(th *Thing) bool { return th.ID > "item-19" }},
		{"after an absent ID", sms.Query{After: "item-19x", Limit: 9}, func(th *Thing) bool { return th.ID > "item-19x" }},
	}
	for _, tc := range cases {
		got := listAll(c, s, tc.q)
		w := want(tc.keep)
		if !slices.Equal(got, w) {
			c.failf("%s: listed %v, want %v", tc.name, got, w)
		}
	}
	// Listed items are whole entities.
	p, err := s.List(bg(), sms.Query{Status: []string{"closed"}, Limit: 1})
	c.noErr(err, "List")
	if len(p.Items) != 1 {
		c.fatalf("List closed: got %d items, want 1", len(p.Items))
	}
	same(c, "listed thing", all[p.Items[0].ID], p.Items[0])
}

func testListInvalid(t *testing.T, s sms.Store[*Thing], c *checker) {
	for _, q := range []sms.Query{
		{Limit: -1},
		{Limit: sms.MaxLimit + 1},
		{Link: sms.Link{Type: "problem"}},
		{Status: []string{""}},
	} {
		if _, err := s.List(bg(), q); !errors.Is(err, sms.ErrInvalid) {
			c.failf("List(%+v): got %v, want ErrInvalid", q, err)
		}
	}
}

func testJournal(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("journal", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	want := []sms.Entry{en}
	statuses := []string{"in_progress", "on_hold", "in_progress", "resolved", "closed"}
	for i, st := range statuses {
		expect := th.Version
		// Two entries in one commit for the last step.
		if i == len(statuses)-1 {
			a := Advance(th, "note", th.Status, epoch.Add(time.Duration(i+1)*time.Minute), sms.Field{Key: "text", Value: "two in one"})
			b := Advance(th, "close", st, epoch.Add(time.Duration(i+1)*time.Minute+time.Microsecond))
			c.noErr(s.Commit(bg(), th, expect, []sms.Entry{a, b}), "Commit two entries")
			want = append(want, a, b)
			continue
		}
		e := Advance(th, "move", st, epoch.Add(time.Duration(i+1)*time.Minute))
		c.noErr(s.Commit(bg(), th, expect, []sms.Entry{e}), "Commit")
		want = append(want, e)
	}
	got, err := s.Journal(bg(), "journal")
	c.noErr(err, "Journal")
	sameEntries(c, "journal", want, got)
	if err := sms.VerifyJournal(got); err != nil {
		c.failf("stored journal does not verify: %v", err)
	}
	stored, err := s.Get(bg(), "journal")
	c.noErr(err, "Get")
	if err := sms.VerifyHead(stored, got); err != nil {
		c.failf("stored thing does not match its journal: %v", err)
	}
	for i := range got {
		if !got[i].At.Equal(want[i].At) || got[i].At.Location() != time.UTC {
			c.failf("entry %d time %v, want %v in UTC", i+1, got[i].At, want[i].At)
		}
	}
}

func testBadCommit(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("bad", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	stored := th.Clone()

	gap := th.Clone()
	e2 := Advance(gap, "move", "in_progress", epoch.Add(time.Minute))
	e3 := Advance(gap, "move", "closed", epoch.Add(2*time.Minute))
	if err := s.Commit(bg(), gap, 1, []sms.Entry{e3}); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Commit skipping sequence 2: got %v, want ErrInvalid", err)
	}
	if err := s.Commit(bg(), gap, 1, nil); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Commit without entries: got %v, want ErrInvalid", err)
	}
	wrongVersion := th.Clone()
	we := Advance(wrongVersion, "move", "in_progress", epoch.Add(time.Minute))
	wrongVersion.Version = 5
	if err := s.Commit(bg(), wrongVersion, 1, []sms.Entry{we}); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Commit with entity version != last sequence: got %v, want ErrInvalid", err)
	}
	other := th.Clone()
	oe := Advance(other, "move", "in_progress", epoch.Add(time.Minute))
	oe.EntityID = "someone-else"
	if err := s.Commit(bg(), other, 1, []sms.Entry{oe}); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Commit with an entry of another entity: got %v, want ErrInvalid", err)
	}
	_ = e2
	got, err := s.Get(bg(), "bad")
	c.noErr(err, "Get")
	same(c, "thing after refused commits", stored, got)
	j, err := s.Journal(bg(), "bad")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after refused commits", []sms.Entry{en}, j)
}

func testCancelled(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("ctx", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	ctx, cancel := context.WithCancel(bg())
	cancel()
	isCancel := func(what string, err error) {
		c.t.Helper()
		if !errors.Is(err, context.Canceled) {
			c.failf("%s with a cancelled context: got %v, want context.Canceled", what, err)
		}
	}
	n, ne := NewThing("ctx-new", "open", epoch)
	isCancel("Create", s.Create(ctx, n, ne))
	_, err := s.Get(ctx, "ctx")
	isCancel("Get", err)
	next := th.Clone()
	e := Advance(next, "move", "closed", epoch.Add(time.Minute))
	isCancel("Commit", s.Commit(ctx, next, 1, []sms.Entry{e}))
	_, err = s.List(ctx, sms.Query{})
	isCancel("List", err)
	_, err = s.Journal(ctx, "ctx")
	isCancel("Journal", err)
	if _, err := s.Get(bg(), "ctx-new"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("Create with a cancelled context stored the thing: Get gives %v", err)
	}
	got, err := s.Get(bg(), "ctx")
	c.noErr(err, "Get")
	same(c, "thing after a cancelled Commit", th, got)
}

func testLoader(t *testing.T, s sms.Store[*Thing], c *checker) {
	l, ok := s.(sms.Loader[*Thing])
	if !ok {
		t.Skip("the store does not implement sms.Loader (optional)")
	}
	th, en := richThing("loaded")
	entries := []sms.Entry{en}
	for i, st := range []string{"in_progress", "resolved", "closed"} {
		entries = append(entries, Advance(th, "move", st, epoch.Add(time.Duration(i+1)*time.Minute)))
	}
	c.noErr(l.Load(bg(), th, entries), "Load")
	got, err := s.Get(bg(), "loaded")
	c.noErr(err, "Get")
	same(c, "loaded thing", th, got)
	j, err := s.Journal(bg(), "loaded")
	c.noErr(err, "Journal")
	sameEntries(c, "loaded journal", entries, j)

	// A load whose journal skips a sequence writes nothing.
	bad, ben := NewThing("loaded-bad", "open", epoch)
	b2 := Advance(bad, "move", "closed", epoch.Add(time.Minute))
	b2.Seq = 3
	if err := l.Load(bg(), bad, []sms.Entry{ben, b2}); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Load with a gap: got %v, want ErrInvalid", err)
	}
	if _, err := s.Get(bg(), "loaded-bad"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("a refused Load stored the thing: Get gives %v", err)
	}
	// Loading over an existing ID is refused.
	if err := l.Load(bg(), th, entries); !errors.Is(err, sms.ErrExists) {
		c.failf("Load of a stored ID: got %v, want ErrExists", err)
	}
}

func testListAfterCommit(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("mover", "open", epoch)
	th.Service, th.Owner = "svc-a", "alice"
	th.Links = []sms.Link{{Type: "problem", ID: "P1"}, {Type: "change", ID: "C1"}}
	c.noErr(s.Create(bg(), th.Clone(), en), "Create")
	other, oen := NewThing("stayer", "open", epoch)
	other.Service, other.Owner = "svc-a", "alice"
	other.Links = []sms.Link{{Type: "problem", ID: "P1"}}
	c.noErr(s.Create(bg(), other.Clone(), oen), "Create")

	expect := func(step, name string, q sms.Query, want ...string) {
		c.t.Helper()
		if got := listAll(c, s, q); !slices.Equal(got, want) {
			c.failf("after %s, %s: listed %v, want %v", step, name, got, want)
		}
	}
	commit := func(trigger, status string, minutes int) {
		c.t.Helper()
		v := th.Version
		e := Advance(th, trigger, status, epoch.Add(time.Duration(minutes)*time.Minute))
		c.noErr(s.Commit(bg(), th.Clone(), v, []sms.Entry{e}), "Commit "+trigger)
	}
	both, stayer := []string{"mover", "stayer"}, []string{"stayer"}
	expect("create", "status open", sms.Query{Status: []string{"open"}}, both...)
	expect("create", "link problem P1", sms.Query{Link: sms.Link{Type: "problem", ID: "P1"}}, both...)
	expect("create", "link change C1", sms.Query{Link: sms.Link{Type: "change", ID: "C1"}}, "mover")

	// A commit that changes every indexed value of "mover".
	th.Service, th.Owner = "svc-b", "bob"
	th.Links = []sms.Link{{Type: "change", ID: "C2"}, {Type: "problem", ID: "P2"}}
	commit("move", "closed", 1)
	step := "a commit changing every filtered value"
	expect(step, "status open", sms.Query{Status: []string{"open"}}, stayer...)
	expect(step, "status closed", sms.Query{Status: []string{"closed"}}, "mover")
	expect(step, "service svc-a", sms.Query{Service: "svc-a"}, stayer...)
	expect(step, "service svc-b", sms.Query{Service: "svc-b"}, "mover")
	expect(step, "owner alice", sms.Query{Owner: "alice"}, stayer...)
	expect(step, "owner bob", sms.Query{Owner: "bob"}, "mover")
	expect(step, "link problem P1", sms.Query{Link: sms.Link{Type: "problem", ID: "P1"}}, stayer...)
	expect(step, "link change C1", sms.Query{Link: sms.Link{Type: "change", ID: "C1"}})
	expect(step, "link change C2", sms.Query{Link: sms.Link{Type: "change", ID: "C2"}}, "mover")
	expect(step, "link problem P2", sms.Query{Link: sms.Link{Type: "problem", ID: "P2"}}, "mover")

	// A commit that keeps the links, then one that drops them all.
	commit("note", "closed", 2)
	expect("a commit keeping the links", "link change C2", sms.Query{Link: sms.Link{Type: "change", ID: "C2"}}, "mover")
	th.Links = nil
	commit("unlink", "closed", 3)
	expect("a commit dropping the links", "link change C2", sms.Query{Link: sms.Link{Type: "change", ID: "C2"}})
	expect("a commit dropping the links", "link problem P2", sms.Query{Link: sms.Link{Type: "problem", ID: "P2"}})
	expect("a commit dropping the links", "status closed", sms.Query{Status: []string{"closed"}}, "mover")
}

func testListByteOrder(t *testing.T, s sms.Store[*Thing], c *checker) {
	// Orders that differ between bytes and the usual collations: case,
	// punctuation, accents, digits, a space.
	ids := []string{"a", "B", "b", "_x", "Z9", "z10", "é", "e", "f", "a-b", "a b", "ab", "A", "~", "0", "ü1"}
	slices.Sort(ids)
	for _, id := range ids {
		th, en := NewThing(id, "open", epoch)
		th.Service = "svc"
		c.noErr(s.Create(bg(), th, en), "Create "+id)
	}
	for _, q := range []sms.Query{{}, {Service: "svc"}, {Status: []string{"open"}}, {Status: []string{"open", "closed"}}} {
		if got := listAll(c, s, q); !slices.Equal(got, ids) {
			c.failf("List(%+v) listed %q, want %q (byte order)", q, got, ids)
		}
	}
}

func testParallelDistinct(t *testing.T, s sms.Store[*Thing], c *checker) {
	const n = 8
	things := make([]*Thing, n)
	for i := range n {
		th, en := NewThing(fmt.Sprintf("distinct-%d", i), "open", epoch)
		c.noErr(s.Create(bg(), th.Clone(), en), "Create")
		things[i] = th
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, th := range things {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range 3 {
				v := th.Version
				e := Advance(th, "work", "in_progress", epoch.Add(time.Duration(k+1)*time.Minute))
				if err := s.Commit(bg(), th.Clone(), v, []sms.Entry{e}); err != nil {
					c.failf("writer %d, commit %d on its own entity: got %v, want success", i, k, err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, th := range things {
		got, err := s.Get(bg(), th.ID)
		c.noErr(err, "Get")
		if got.Version != 4 {
			c.failf("%s is at version %d after 3 commits, want 4", th.ID, got.Version)
		}
		j, err := s.Journal(bg(), th.ID)
		c.noErr(err, "Journal")
		if err := sms.VerifyJournal(j); err != nil || len(j) != 4 {
			c.failf("%s: journal of %d entries, verify: %v; want 4 entries that verify", th.ID, len(j), err)
		}
	}
}

func testCreateBad(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("create-bad", "open", epoch)
	second := th.Clone()
	e2 := Advance(second, "move", "closed", epoch.Add(time.Minute))
	if err := s.Create(bg(), second, e2); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Create with the entry of sequence 2: got %v, want ErrInvalid", err)
	}
	other := en.Clone()
	other.EntityID = "someone-else"
	if err := s.Create(bg(), th.Clone(), other); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Create with an entry of another entity: got %v, want ErrInvalid", err)
	}
	if _, err := s.Get(bg(), "create-bad"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("a refused Create stored the thing: Get gives %v", err)
	}
	c.noErr(s.Create(bg(), th, en), "Create with good arguments after refused ones")
}

func testBrokenChain(t *testing.T, s sms.Store[*Thing], c *checker) {
	th, en := NewThing("chain", "open", epoch)
	c.noErr(s.Create(bg(), th, en), "Create")
	stored := th.Clone()
	forged := th.Clone()
	forged.Head = sms.Hash{1, 2, 3} // a head that is not the journal's last hash
	e := Advance(forged, "move", "in_progress", epoch.Add(time.Minute))
	if err := s.Commit(bg(), forged, 1, []sms.Entry{e}); !errors.Is(err, sms.ErrCorrupt) {
		c.failf("Commit chaining to a hash that is not the journal's last: got %v, want ErrCorrupt", err)
	}
	got, err := s.Get(bg(), "chain")
	c.noErr(err, "Get")
	same(c, "thing after a refused commit", stored, got)
	j, err := s.Journal(bg(), "chain")
	c.noErr(err, "Journal")
	sameEntries(c, "journal after a refused commit", []sms.Entry{en}, j)
}

func testLoaderVerifies(t *testing.T, s sms.Store[*Thing], c *checker) {
	l, ok := s.(sms.Loader[*Thing])
	if !ok {
		t.Skip("the store does not implement sms.Loader (optional)")
	}
	build := func(id string) (*Thing, []sms.Entry) {
		th, en := NewThing(id, "open", epoch)
		entries := []sms.Entry{en}
		for i, st := range []string{"in_progress", "resolved"} {
			entries = append(entries, Advance(th, "move", st, epoch.Add(time.Duration(i+1)*time.Minute)))
		}
		return th, entries
	}
	cases := []struct {
		name   string
		tamper func(th *Thing, entries []sms.Entry)
	}{
		{"an entry altered after hashing", func(_ *Thing, entries []sms.Entry) { entries[1].Reason = "rewritten" }},
		{"a hash that is not the entry's", func(_ *Thing, entries []sms.Entry) { entries[0].Hash[0] ^= 1; entries[1].Prev = entries[0].Hash }},
		{"a record changed after its last entry", func(th *Thing, _ []sms.Entry) { th.Count++ }},
	}
	for i, tc := range cases {
		id := fmt.Sprintf("load-forged-%d", i)
		th, entries := build(id)
		tc.tamper(th, entries)
		if err := l.Load(bg(), th, entries); !errors.Is(err, sms.ErrCorrupt) {
			c.failf("Load with %s: got %v, want ErrCorrupt", tc.name, err)
		}
		if _, err := s.Get(bg(), id); !errors.Is(err, sms.ErrNotFound) {
			c.failf("a refused Load (%s) stored the thing: Get gives %v", tc.name, err)
		}
	}
}

func testKeys(t *testing.T, s sms.Store[*Thing], c *checker) {
	kf, ok := s.(sms.KeyFinder)
	if !ok {
		t.Skip("the store does not implement sms.KeyFinder (optional)")
	}
	if _, err := kf.FindKey(bg(), "no-such-key"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("FindKey of an unused key: got %v, want ErrNotFound", err)
	}
	th, first := NewThing("keyed", "open", epoch)
	first.Key, first.Request = "key-create", sms.Hash{9, 9}
	first = Seal(th, first)
	c.noErr(s.Create(bg(), th, first), "Create with a key")
	prev := th.Head
	e2 := Advance(th, "move", "in_progress", epoch.Add(time.Minute))
	e2.Key, e2.Request, e2.Prev = "key-move", sms.Hash{7}, prev
	e2 = Seal(th, e2)
	c.noErr(s.Commit(bg(), th, 1, []sms.Entry{e2}), "Commit with a key")
	got, err := kf.FindKey(bg(), "key-move")
	c.noErr(err, "FindKey")
	sameEntries(c, "entry found by its key", []sms.Entry{e2}, []sms.Entry{got})
	got, err = kf.FindKey(bg(), "key-create")
	c.noErr(err, "FindKey of the creating entry")
	sameEntries(c, "creating entry found by its key", []sms.Entry{first}, []sms.Entry{got})

	stored := th.Clone()
	again := th.Clone()
	e3 := Advance(again, "move", "closed", epoch.Add(2*time.Minute))
	e3.Key, e3.Request = "key-move", sms.Hash{8}
	e3 = Seal(again, e3)
	if err := s.Commit(bg(), again, 2, []sms.Entry{e3}); !errors.Is(err, sms.ErrConflict) {
		c.failf("Commit of a second entry with a used key: got %v, want ErrConflict", err)
	}
	now, err := s.Get(bg(), "keyed")
	c.noErr(err, "Get")
	same(c, "thing after a refused keyed commit", stored, now)

	other, oen := NewThing("keyed-2", "open", epoch)
	oen.Key, oen.Request = "key-create", sms.Hash{6}
	oen = Seal(other, oen)
	if err := s.Create(bg(), other, oen); !errors.Is(err, sms.ErrExists) {
		c.failf("Create with a used key: got %v, want ErrExists", err)
	}
	if _, err := s.Get(bg(), "keyed-2"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("a refused keyed Create stored the thing: Get gives %v", err)
	}
}

func testAtomic(t *testing.T, s sms.Store[*Thing], c *checker) {
	a, ok := s.(sms.Atomic)
	if !ok {
		t.Skip("the store does not implement sms.Atomic (optional)")
	}
	old, en := NewThing("atomic-old", "open", epoch)
	c.noErr(s.Create(bg(), old, en), "Create")

	// Together: a create, and two commits on one thing.
	err := a.Atomically(bg(), func(ctx context.Context) error {
		th, first := NewThing("atomic-new", "open", epoch)
		if err := s.Create(ctx, th, first); err != nil {
			return err
		}
		got, err := s.Get(ctx, "atomic-new")
		if err != nil {
			return fmt.Errorf("a read in the context does not see the create before it: %w", err)
		}
		same(c, "thing read in the context", th, got)
		e1 := Advance(old, "move", "in_progress", epoch.Add(time.Minute))
		if err := s.Commit(ctx, old, 1, []sms.Entry{e1}); err != nil {
			return err
		}
		e2 := Advance(old, "move", "resolved", epoch.Add(2*time.Minute))
		return s.Commit(ctx, old, 2, []sms.Entry{e2})
	})
	c.noErr(err, "Atomically")
	if got, err := s.Get(bg(), "atomic-old"); err != nil || got.Version != 3 {
		c.failf("after the commit: version %v (%v), want 3", got, err)
	}
	if _, err := s.Get(bg(), "atomic-new"); err != nil {
		c.failf("the create of the atomic commit is not stored: %v", err)
	}

	// None: fn fails after writing.
	stored := old.Clone()
	boom := errors.New("the host changed its mind")
	err = a.Atomically(bg(), func(ctx context.Context) error {
		th, first := NewThing("atomic-none", "open", epoch)
		if err := s.Create(ctx, th, first); err != nil {
			return err
		}
		again := stored.Clone()
		e := Advance(again, "move", "closed", epoch.Add(3*time.Minute))
		if err := s.Commit(ctx, again, 3, []sms.Entry{e}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		c.failf("Atomically when fn fails: got %v, want fn's error", err)
	}
	if _, err := s.Get(bg(), "atomic-none"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("a create of a failed atomic commit is stored: Get gives %v", err)
	}
	got, err := s.Get(bg(), "atomic-old")
	c.noErr(err, "Get")
	same(c, "thing after a failed atomic commit", stored, got)

	// None: a stale commit among them.
	err = a.Atomically(bg(), func(ctx context.Context) error {
		th, first := NewThing("atomic-stale", "open", epoch)
		if err := s.Create(ctx, th, first); err != nil {
			return err
		}
		stale := stored.Clone()
		stale.Version = 1
		e := Advance(stale, "move", "closed", epoch.Add(4*time.Minute))
		return s.Commit(ctx, stale, 1, []sms.Entry{e})
	})
	if !errors.Is(err, sms.ErrConflict) && !errors.Is(err, sms.ErrCorrupt) && !errors.Is(err, sms.ErrInvalid) {
		c.failf("Atomically with a stale commit: got %v, want ErrConflict", err)
	}
	if _, err := s.Get(bg(), "atomic-stale"); !errors.Is(err, sms.ErrNotFound) {
		c.failf("a create beside a stale commit is stored: Get gives %v", err)
	}
	j, err := s.Journal(bg(), "atomic-old")
	c.noErr(err, "Journal")
	if len(j) != 3 {
		c.failf("the journal has %d entries after refused atomic commits, want 3", len(j))
	}
}

// readersFixture stores n things, each with a journal of 1 to 4 entries
// (payloads plain and escaped, which a store may decode apart), and
// returns their IDs in order.
func readersFixture(c *checker, s sms.Store[*Thing], n int) []string {
	ids := make([]string, n)
	for i := range n {
		id := fmt.Sprintf("reader-%03d", i)
		ids[i] = id
		th, en := NewThing(id, "open", epoch)
		c.noErr(s.Create(bg(), th, en), "Create")
		for k := range i % 4 {
			var pl []sms.Field
			if k%2 == 0 {
				pl = []sms.Field{{Key: "step", Value: fmt.Sprint(k)}, {Key: "note", Value: "plain ✓"}}
			}
			expect := th.Version
			e := Advance(th, "move", []string{"in_progress", "on_hold", "resolved"}[k], epoch.Add(time.Duration(k+1)*time.Minute), pl...)
			c.noErr(s.Commit(bg(), th, expect, []sms.Entry{e}), "Commit")
		}
	}
	return ids
}

func testJournals(t *testing.T, s sms.Store[*Thing], c *checker) {
	jr, ok := s.(sms.JournalsReader)
	if !ok {
		t.Skip("the store does not implement sms.JournalsReader (optional)")
	}
	ids := readersFixture(c, s, 70)
	ask := append(slices.Clone(ids), "no-such-thing", "")
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(ask), func(i, j int) { ask[i], ask[j] = ask[j], ask[i] })
	got, err := jr.Journals(bg(), ask)
	c.noErr(err, "Journals")
	if len(got) != len(ids) {
		c.failf("Journals of %d stored IDs and 2 others returned %d journals", len(ids), len(got))
	}
	for _, id := range ids {
		want, err := s.Journal(bg(), id)
		c.noErr(err, "Journal")
		sameEntries(c, "journal of "+id+" read with others", want, got[id])
	}
	for _, id := range []string{"no-such-thing", ""} {
		if j, ok := got[id]; ok {
			c.failf("Journals returned a journal of %d entries for %q, which has none", len(j), id)
		}
	}
	if none, err := jr.Journals(bg(), nil); err != nil || len(none) != 0 {
		c.failf("Journals of no IDs: got %d journals and %v, want none and no error", len(none), err)
	}
	if _, err := jr.Journals(bg(), make([]string, sms.MaxLimit+1)); !errors.Is(err, sms.ErrInvalid) {
		c.failf("Journals of %d IDs: got %v, want ErrInvalid", sms.MaxLimit+1, err)
	}
	ctx, cancel := context.WithCancel(bg())
	cancel()
	if _, err := jr.Journals(ctx, ids[:3]); !errors.Is(err, context.Canceled) {
		c.failf("Journals with a cancelled context: got %v, want context.Canceled", err)
	}
}

func testConcurrentReads(t *testing.T, s sms.Store[*Thing], c *checker) {
	cr, ok := s.(sms.ConcurrentReader)
	if !ok || !cr.ReadsConcurrently(bg()) {
		t.Skip("the store does not read concurrently (sms.ConcurrentReader, optional)")
	}
	ids := readersFixture(c, s, 60)
	want := map[string][]sms.Entry{}
	for _, id := range ids {
		j, err := s.Journal(bg(), id)
		c.noErr(err, "Journal")
		want[id] = j
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ids {
				id := ids[(k+g*7)%len(ids)]
				j, err := s.Journal(bg(), id)
				th, gerr := s.Get(bg(), id)
				w, _ := json.Marshal(want[id])
				gj, _ := json.Marshal(j)
				mu.Lock()
				switch {
				case err != nil || gerr != nil:
					errs = append(errs, fmt.Sprintf("%s: %v, %v", id, err, gerr))
				case string(w) != string(gj):
					errs = append(errs, id+": the journal read concurrently differs")
				case sms.VerifyHead(th, j) != nil:
					errs = append(errs, id+": the record read concurrently does not match its journal")
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		c.failf("concurrent reads: %s", e)
	}
	var seen []string
	err := sms.VerifyRecords(bg(), s, sms.Query{Limit: 7}, func(th *Thing, j []sms.Entry) bool {
		seen = append(seen, th.ID)
		return true
	}, func(id string, err error) error {
		c.failf("record %s does not verify: %v", id, err)
		return nil
	})
	c.noErr(err, "VerifyRecords")
	if !slices.Equal(seen, ids) {
		c.failf("the parallel verification handed on %d records, not the %d stored in order", len(seen), len(ids))
	}
}
