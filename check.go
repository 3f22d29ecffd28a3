package sms

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Helpers for process packages: the checks every command's Validate makes,
// and the plumbing every process Service shares. They live here so that
// each process applies the same rules with the same messages.

// Size limits of command fields, in bytes.
const (
	// MaxText bounds free text: descriptions, notes, reasons.
	MaxText = 64 << 10
	// MaxShort bounds names, codes and summaries.
	MaxShort = 512
	// MaxList bounds the length of a list field.
	MaxList = 1000
)

// CheckText returns a [*ValidationError] when s is longer than max bytes
// or not valid UTF-8.
func CheckText(kind Kind, field, s string, max int) error {
	if len(s) > max {
		return Invalid(kind, field, "is longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return Invalid(kind, field, "is not valid UTF-8")
	}
	return nil
}

// CheckTexts applies [CheckText] to each element and bounds the list at
// [MaxList] elements.
func CheckTexts(kind Kind, field string, list []string, max int) error {
	if len(list) > MaxList {
		return Invalid(kind, field, "has more than %d entries", MaxList)
	}
	for _, s := range list {
		if err := CheckText(kind, field, s, max); err != nil {
			return err
		}
	}
	return nil
}

// CheckRef checks an optional reference to another record: empty, or an ID
// [ValidateID] accepts. It returns a [*ValidationError] naming the field.
func CheckRef(kind Kind, field, id string) error {
	if id == "" {
		return nil
	}
	if err := ValidateID(id); err != nil {
		return Invalid(kind, field, "%s", err.(*ValidationError).Problem)
	}
	return nil
}

// CheckRefs checks a list of references: at most [MaxList], none empty,
// each an ID [ValidateID] accepts.
func CheckRefs(kind Kind, field string, ids []string) error {
	if len(ids) > MaxList {
		return Invalid(kind, field, "has more than %d entries", MaxList)
	}
	for _, id := range ids {
		if id == "" {
			return Invalid(kind, field, "contains an empty ID")
		}
		if err := CheckRef(kind, field, id); err != nil {
			return err
		}
	}
	return nil
}

// CheckTime accepts the zero time or a time whose year is between 1900 and
// 9999.
func CheckTime(kind Kind, field string, t time.Time) error {
	if !t.IsZero() && (t.Year() < 1900 || t.Year() > 9999) {
		return Invalid(kind, field, "year %d is out of range", t.Year())
	}
	return nil
}

// FirstError returns the first non-nil error, or nil.
func FirstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Blank reports whether s is empty or only white space: a reason, a note or
// a rationale that says nothing.
func Blank(s string) bool { return strings.TrimSpace(s) == "" }

// CommandOf returns the transition's command as C, or C's zero value when
// the command is of another type, so that guards and effects never panic on
// a foreign command: sms.CommandOf[Resolution](t).
func CommandOf[C any, E any](t *Transition[E]) C {
	c, _ := t.Command.(C)
	return c
}

// StatesOf converts a process's typed statuses to the strings a [Rule]
// takes.
func StatesOf[S ~string](ss ...S) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// Micro returns t in UTC, truncated to the microsecond: the precision the
// journal and every store keep.
func Micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// StatusFilter converts typed statuses for a [Query], refusing with a
// [*ValidationError] a status that valid does not accept.
func StatusFilter[S ~string](kind Kind, statuses []S, valid func(S) bool) ([]string, error) {
	var out []string
	for _, s := range statuses {
		if !valid(s) {
			return nil, Invalid(kind, "query.status", "%q is not a %s status", s, kind)
		}
		out = append(out, string(s))
	}
	return out, nil
}

// Each calls fn for every entity the machine's store lists for q, page by
// page, until fn returns false or an error occurs. A record the store
// cannot decode stops it with that error; [Machine.EachRecord] goes on past
// such records and names them.
func (m *Machine[E]) Each(ctx context.Context, q Query, fn func(E) bool) error {
	return m.EachRecord(ctx, q, fn, func(_ string, err error) error { return err })
}

// EachRecord calls fn for every entity the machine's store lists for q,
// page by page, until fn returns false, and bad for every record the store
// cannot decode or whose status the workflow does not know (a
// [*CorruptError] naming it), then goes on with the next record, unless bad
// returns an error, which EachRecord then returns. Any other error of the
// store ends the listing and is returned.
//
// A store reports a corrupt record by failing the page that holds it;
// EachRecord then reads that stretch one record at a time, so every record
// before and after the corrupt one is still listed, in order.
func (m *Machine[E]) EachRecord(ctx context.Context, q Query, fn func(E) bool, bad func(id string, err error) error) error {
	return eachRecord(ctx, m.List, q, fn, bad)
}

// EachVerified calls fn with every entity q lists whose record verifies
// against its journal (see [Machine.Verified]), with the journal, and bad
// with the ID of every record that does not (one that cannot be decoded, a
// journal that does not verify, fields changed outside the pipeline) and
// the error saying why, going on unless bad returns an error. Conformance
// checks and audits draw their evidence from it: a record that does not
// verify is reported, never counted as conformant.
//
// When the store reads concurrently ([ConcurrentReader]), records are
// verified several at a time, on as many goroutines as there are CPUs (up
// to [MaxVerifiers]) while the next records are listed; fn and bad are
// still called one at a time, in the listing's order, on the caller's
// goroutine.
//
// When the store reads several journals at once ([JournalsReader]), the
// journals of a few records are read together.
func (m *Machine[E]) EachVerified(ctx context.Context, q Query, fn func(e E, journal []Entry) bool, bad func(id string, err error) error) error {
	return eachVerified(ctx, m.List, m.verified, m.store, q, fn, bad)
}

// JournalsReader is an optional capability of a [Store]: the journals of
// several of its entities read at once, in one query, as the kernel's
// verification of a listing does ([Machine.EachVerified]). Journals
// returns the journal of each entity ids names (at most [MaxLimit] of
// them) that has one, keyed by ID, each as [Store.Journal] would return
// it; an ID with none is left out, and the kernel reads that one alone
// for [Store.Journal] to say why. An error fails the whole read: the
// kernel then reads each journal alone, so that a corrupt one is named.
type JournalsReader interface {
	Journals(ctx context.Context, ids []string) (map[string][]Entry, error)
}

// journalBatch is how many records' journals the kernel reads at once from
// a [JournalsReader].
const journalBatch = 32

// ConcurrentReader is an optional capability of a [Store]: it reports
// whether reads made with ctx may run on several goroutines at once and
// gain from it, as a store on a pool of connections does outside a
// transaction. The kernel then verifies many records in parallel
// ([Machine.EachVerified], and so every Conform and Sweep). A store says
// false where its reads share one connection that admits one query at a
// time (inside a transaction on PostgreSQL); a store without the method is
// read one record at a time.
type ConcurrentReader interface {
	ReadsConcurrently(ctx context.Context) bool
}

// MaxVerifiers is the most goroutines that verify records at once for one
// [Machine.EachVerified].
const MaxVerifiers = 8

// verifiers returns how many goroutines verify records read from s with
// ctx.
func verifiers(ctx context.Context, s any) int {
	if c, ok := s.(ConcurrentReader); ok && c.ReadsConcurrently(ctx) {
		return min(max(runtime.GOMAXPROCS(0), 1), MaxVerifiers)
	}
	return 1
}

// VerifyRecords is [Machine.EachVerified] for a store on its own, without a
// workflow: tools that check a whole database (the command smsverify) use
// it for every kind they know.
func VerifyRecords[E Entity[E]](ctx context.Context, s Store[E], q Query, fn func(e E, journal []Entry) bool, bad func(id string, err error) error) error {
	if s == nil {
		return &ValidationError{Field: "store", Problem: "is nil"}
	}
	m := &Machine[E]{store: s}
	return eachVerified(ctx, s.List, m.verified, s, q, fn, bad)
}

func eachRecord[E Entity[E]](ctx context.Context, list func(context.Context, Query) (Page[E], error), q Query, fn func(E) bool, bad func(id string, err error) error) error {
	limit, single := q.Limit, 0
	for {
		q.Limit = limit
		if single > 0 {
			q.Limit = 1
		}
		page, err := list(ctx, q)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.ID == "" {
				return err
			}
			if single == 0 {
				single = max(q.PageLimit(), 1) // find it, one record at a time
				continue
			}
			if ce.ID <= q.After {
				return err // the store names a record it cannot be moving past
			}
			if err := bad(ce.ID, err); err != nil {
				return err
			}
			q.After, single = ce.ID, 0
			continue
		}
		for _, e := range page.Items {
			if !fn(e) {
				return nil
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
		if single > 0 {
			single--
		}
	}
}

// eachVerified lists with list and verifies with verify the records of
// store: one at a time on this goroutine, or, when store reads
// concurrently or several journals at once, in a pipeline.
func eachVerified[E Entity[E]](ctx context.Context, list func(context.Context, Query) (Page[E], error),
	verify func(context.Context, string, E, []Entry) (E, []Entry, error), store any,
	q Query, fn func(e E, journal []Entry) bool, bad func(id string, err error) error) error {
	var ferr error
	// deliver hands on one verified record, or its failure; false stops.
	deliver := func(id string, v E, journal []Entry, err error) bool {
		switch {
		case err == nil:
			return fn(v, journal)
		case errors.Is(err, ErrCorrupt), errors.Is(err, ErrNotFound):
			if ferr = bad(id, err); ferr != nil {
				return false
			}
			return true
		}
		ferr = err
		return false
	}
	workers, batch := verifiers(ctx, store), 1
	jr, _ := store.(JournalsReader)
	if jr != nil {
		batch = journalBatch
	}
	if workers <= 1 && batch <= 1 {
		err := eachRecord(ctx, list, q, func(e E) bool {
			id := e.Metadata().ID
			v, journal, err := verify(ctx, id, e, nil)
			return deliver(id, v, journal, err)
		}, bad)
		if ferr != nil {
			return ferr
		}
		return err
	}
	// A pipeline: this goroutine lists and hands the records, a batch at
	// a time, to the workers, which verify them, while one goroutine
	// delivers the results in the listing's order. The queues hold a
	// page and more, so that the workers verify one page while the next is
	// listed; the tokens bound the batches verified and not yet delivered
	// (each holds its journals) to two per worker. A worker takes a token
	// before it takes a batch, so the batch to deliver next is always
	// taken: every batch holding a token was taken before it.
	type result struct {
		v       E
		journal []Entry
		err     error
	}
	type job struct {
		es     []E
		out    []result
		badID  string // a record the listing could not read, with badErr
		badErr error
		done   chan struct{}
	}
	queue := max(q.PageLimit(), 1)/batch + 1 + 2*workers
	var (
		jobs    = make(chan *job, queue)
		order   = make(chan *job, queue)
		tokens  = make(chan struct{}, 2*workers)
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				tokens <- struct{}{}
				j, ok := <-jobs
				if !ok {
					return
				}
				if !stopped.Load() {
					var pre map[string][]Entry
					if jr != nil && len(j.es) > 1 {
						ids := make([]string, len(j.es))
						for k, e := range j.es {
							ids[k] = e.Metadata().ID
						}
						pre, _ = jr.Journals(ctx, ids) // on failure, one at a time
					}
					j.out = make([]result, len(j.es))
					for k, e := range j.es {
						id := e.Metadata().ID
						j.out[k].v, j.out[k].journal, j.out[k].err = verify(ctx, id, e, pre[id])
					}
				}
				close(j.done)
			}
		}()
	}
	// The listing, on a goroutine of its own.
	var lerr error
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		var cur []E
		send := func() {
			if len(cur) > 0 {
				j := &job{es: cur, done: make(chan struct{})}
				order <- j
				jobs <- j
				cur = nil
			}
		}
		lerr = eachRecord(ctx, list, q, func(e E) bool {
			if stopped.Load() {
				return false
			}
			cur = append(cur, e)
			if len(cur) == batch {
				send()
			}
			return true
		}, func(id string, err error) error {
			if stopped.Load() {
				return errStopped
			}
			// A record the listing cannot read, in its place in the order.
			send()
			j := &job{badID: id, badErr: err, done: make(chan struct{})}
			close(j.done)
			order <- j
			return nil
		})
		if !stopped.Load() {
			send() // what was listed before the end, or before a failure
		}
		close(jobs)
		close(order)
	}()
	// Delivery, on the caller's goroutine: fn and bad run where they would
	// one record at a time (a panic in them, or a test's FailNow, is the
	// caller's). However delivery ends, the pipeline is drained and its
	// goroutines have ended when eachVerified returns.
	release := func(j *job) {
		<-j.done
		if j.badErr == nil {
			<-tokens // the batch's, taken by the worker that verified it
		}
	}
	defer func() {
		stopped.Store(true)
		for j := range order {
			release(j)
		}
		<-listed
		wg.Wait()
	}()
	for j := range order {
		release(j)
		if stopped.Load() {
			continue
		}
		if j.badErr != nil {
			if !deliver(j.badID, *new(E), nil, j.badErr) {
				stopped.Store(true)
			}
			continue
		}
		for k, e := range j.es {
			if !deliver(e.Metadata().ID, j.out[k].v, j.out[k].journal, j.out[k].err) {
				stopped.Store(true)
				break
			}
		}
		j.out = nil
	}
	<-listed
	if ferr != nil {
		return ferr
	}
	if errors.Is(lerr, errStopped) {
		return nil
	}
	return lerr
}

// errStopped ends a listing that fn stopped while a record the listing
// could not read was being reported.
var errStopped = errors.New("sms: stopped")

// PermittedAs returns, as a process's typed triggers, the triggers the
// actor may fire on e now (see [Workflow.Permitted]); nil for a nil entity.
func PermittedAs[T ~string, E Entity[E]](w *Workflow[E], e E, a Actor) []T {
	if IsNil(e) {
		return nil
	}
	names := w.Permitted(e, a)
	out := make([]T, len(names))
	for i, n := range names {
		out[i] = T(n)
	}
	return out
}

// CloneInto copies src into buf when it fits and returns that part of buf,
// its capacity clipped so that an append reallocates; otherwise a copy of
// its own. nil stays nil. An entity's Clone uses it to copy its lists into
// arrays of one allocation sized for the usual record, since copying the
// entity twice per transition is a transition's largest cost.
func CloneInto[T any](buf, src []T) []T {
	switch {
	case src == nil:
		return nil
	case len(src) <= len(buf):
		n := copy(buf, src)
		return buf[:n:n]
	}
	return append([]T(nil), src...)
}

// Lookup reads what a rule's Prepare needs of another record through a
// host's finder (a plan, a definition, a programme): the facts and true;
// false when id is empty or find says it does not exist (an error matching
// [ErrNotFound]), for the rule's guards to refuse; any other error is a
// failure to look, returned for the transition to stop on.
func Lookup[F any](ctx context.Context, id string, find func(context.Context, string) (F, error)) (F, bool, error) {
	var zero F
	if id == "" {
		return zero, false, nil
	}
	f, err := find(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	return f, true, nil
}
