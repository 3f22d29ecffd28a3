package audit

import (
	"bytes"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math"
	"slices"
	"strings"

	"github.com/iso20k/sms"
)

// SampleKind is the kind named by a sampling error.
const SampleKind sms.Kind = "audit_sample"

// Sampled is a sample drawn for an audit finding (AUD-08): the seed, the
// size asked for, the population's size and digest at the time, and the
// IDs drawn, in the order drawn. It is everything needed to draw it again
// and to tell whether the population has changed since.
type Sampled struct {
	Seed             string   `json:"seed"`
	Size             int      `json:"size"`
	PopulationSize   int      `json:"population_size"`
	PopulationDigest string   `json:"population_digest"`
	IDs              []string `json:"ids"`
}

// Drift is what re-deriving a sample found (see [Sampled.Rederive]).
type Drift struct {
	// PopulationChanged reports that the population's digest differs: a
	// record was added or removed since the sample was drawn.
	PopulationChanged bool `json:"population_changed"`
	// Missing are the IDs of the sample no longer in the population.
	Missing []string `json:"missing,omitempty"`
	// Redrawn is the sample the same seed and size draw from the
	// population now; SampleChanged reports that it differs from the
	// stored one.
	Redrawn       []string `json:"redrawn,omitempty"`
	SampleChanged bool     `json:"sample_changed"`
}

// Sample draws n records from a population of record IDs with a seed, the
// same on every machine, store and Go release: each ID is ranked by
// SHA-256(seed || ID), compared as bytes, and the n lowest are drawn, in
// rank order (no pseudo-random generator is involved, so nothing changes
// when one does). With n at least the population's size every record is
// drawn. The population's digest is SHA-256 over its IDs in ascending
// byte order, each followed by a newline, written "sha256:" and hex.
//
// A blank seed, a negative n, or a population with a blank or repeated
// ID is refused with a [*sms.ValidationError].
func Sample(population []string, seed string, n int) (Sampled, error) {
	if err := sampleArgs(seed, n); err != nil {
		return Sampled{}, err
	}
	ids := slices.Clone(population)
	slices.Sort(ids)
	d := newSampleDraw(seed, n)
	for i, id := range ids {
		if i > 0 && ids[i-1] == id {
			return Sampled{}, sms.Invalid(SampleKind, "population", "%q appears twice", id)
		}
		if err := d.add(id); err != nil {
			return Sampled{}, err
		}
	}
	return d.result(), nil
}

// SampleRecords draws a sample, as [Sample] does, from the records of a
// store that match q (its Limit and After are ignored), reading it page by
// page: memory grows with n, not with the store. The same records give
// the same sample on every store.
func SampleRecords[E sms.Entity[E]](ctx context.Context, s sms.Store[E], q sms.Query, seed string, n int) (Sampled, error) {
	return sampleStore(ctx, s, q, seed, n, nil)
}

// sampleStore draws from a store, marking in seen the IDs it holds.
func sampleStore[E sms.Entity[E]](ctx context.Context, s sms.Store[E], q sms.Query, seed string, n int, seen map[string]bool) (Sampled, error) {
	if err := sampleArgs(seed, n); err != nil {
		return Sampled{}, err
	}
	if s == nil {
		return Sampled{}, sms.Invalid(SampleKind, "store", "no store")
	}
	d := newSampleDraw(seed, n)
	q.After, q.Limit = "", sms.MaxLimit
	last := ""
	for {
		p, err := s.List(ctx, q)
		if err != nil {
			return Sampled{}, err
		}
		for _, e := range p.Items {
			id := e.Metadata().ID
			if id <= last && d.size > 0 {
				return Sampled{}, sms.Invalid(SampleKind, "store", "the store listed %q after %q: not in ID order", id, last)
			}
			last = id
			if _, ok := seen[id]; ok {
				seen[id] = true
			}
			if err := d.add(id); err != nil {
				return Sampled{}, err
			}
		}
		if p.Next == "" {
			return d.result(), nil
		}
		q.After = p.Next
	}
}

// Rederive draws the sample again from the population as it is now and
// says what changed: the population (by its digest), the sampled records
// no longer in it, and whether the same seed and size now draw other
// records.
func (s Sampled) Rederive(population []string) (Drift, error) {
	now, err := Sample(population, s.Seed, s.Size)
	if err != nil {
		return Drift{}, err
	}
	return s.drift(now, population), nil
}

// RederiveRecords is [Sampled.Rederive] over a store's records matching
// q: a sampled record that no longer matches q (or no longer exists, which
// the library's stores never allow) is missing.
func RederiveRecords[E sms.Entity[E]](ctx context.Context, st sms.Store[E], q sms.Query, s Sampled) (Drift, error) {
	seen := make(map[string]bool, len(s.IDs))
	for _, id := range s.IDs {
		seen[id] = false
	}
	now, err := sampleStore(ctx, st, q, s.Seed, s.Size, seen)
	if err != nil {
		return Drift{}, err
	}
	d := s.drift(now, nil)
	for _, id := range s.IDs {
		if !seen[id] {
			d.Missing = append(d.Missing, id)
		}
	}
	return d, nil
}

func (s Sampled) drift(now Sampled, population []string) Drift {
	d := Drift{PopulationChanged: now.PopulationDigest != s.PopulationDigest, Redrawn: now.IDs, SampleChanged: !slices.Equal(now.IDs, s.IDs)}
	if population != nil {
		for _, id := range s.IDs {
			if !slices.Contains(population, id) {
				d.Missing = append(d.Missing, id)
			}
		}
	}
	return d
}

// SampleSize is the size of an attribute sample that, when it finds no
// deviation, supports the conclusion that the population's deviation rate
// is below the tolerable rate at the given confidence:
//
//	n = ceil(ln(1 - confidence) / ln(1 - tolerableRate))
//
// 59 at 95% confidence and a 5% tolerable rate, 45 at 99% and 10%, 29 at
// 95% and 10%. Both arguments lie strictly between 0 and 1, else the
// result is a [*sms.ValidationError].
func SampleSize(confidence, tolerableRate float64) (int, error) {
	if !(confidence > 0 && confidence < 1) {
		return 0, sms.Invalid(SampleKind, "confidence", "%v is not strictly between 0 and 1", confidence)
	}
	if !(tolerableRate > 0 && tolerableRate < 1) {
		return 0, sms.Invalid(SampleKind, "tolerable_rate", "%v is not strictly between 0 and 1", tolerableRate)
	}
	x := math.Log1p(-confidence) / math.Log1p(-tolerableRate)
	// A quotient that is an integer in exact arithmetic may come out a
	// rounding error above it; it is not rounded up to the next.
	n := math.Ceil(x - 1e-9)
	if n > math.MaxInt32 {
		return 0, sms.Invalid(SampleKind, "tolerable_rate", "%v needs a sample of more than %d records", tolerableRate, math.MaxInt32)
	}
	return max(int(n), 1), nil
}

// DefaultSampleSize is [SampleSize] at 95% confidence and a 5% tolerable
// deviation rate: 59.
const DefaultSampleSize = 59

func sampleArgs(seed string, n int) error {
	if sms.Blank(seed) {
		return sms.Invalid(SampleKind, "seed", "a sample needs a seed, stored with it")
	}
	if len(seed) > sms.MaxShort {
		return sms.Invalid(SampleKind, "seed", "longer than %d bytes", sms.MaxShort)
	}
	if n < 0 {
		return sms.Invalid(SampleKind, "size", "%d is negative", n)
	}
	return nil
}

// sampleRanked is one ID with its rank.
type sampleRanked struct {
	rank [sha256.Size]byte
	id   string
}

func sampleLess(a, b sampleRanked) bool {
	if c := bytes.Compare(a.rank[:], b.rank[:]); c != 0 {
		return c < 0
	}
	return a.id < b.id
}

// sampleHeap is a max-heap of the n lowest ranks seen.
type sampleHeap []sampleRanked

func (h sampleHeap) Len() int           { return len(h) }
func (h sampleHeap) Less(i, j int) bool { return sampleLess(h[j], h[i]) }
func (h sampleHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sampleHeap) Push(x any)        { *h = append(*h, x.(sampleRanked)) }
func (h *sampleHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sampleDraw draws incrementally over IDs given in ascending order.
type sampleDraw struct {
	seed   string
	n      int
	size   int
	digest hash.Hash
	rank   hash.Hash
	best   sampleHeap
}

func newSampleDraw(seed string, n int) *sampleDraw {
	return &sampleDraw{seed: seed, n: n, digest: sha256.New(), rank: sha256.New()}
}

func (d *sampleDraw) add(id string) error {
	if sms.Blank(id) || strings.ContainsAny(id, "\n") {
		return sms.Invalid(SampleKind, "population", "an ID is blank or holds a newline")
	}
	d.size++
	d.digest.Write([]byte(id))
	d.digest.Write([]byte{'\n'})
	if d.n == 0 {
		return nil
	}
	d.rank.Reset()
	d.rank.Write([]byte(d.seed))
	d.rank.Write([]byte(id))
	var r sampleRanked
	d.rank.Sum(r.rank[:0])
	r.id = id
	switch {
	case len(d.best) < d.n:
		heap.Push(&d.best, r)
	case sampleLess(r, d.best[0]):
		d.best[0] = r
		heap.Fix(&d.best, 0)
	}
	return nil
}

func (d *sampleDraw) result() Sampled {
	best := slices.Clone(d.best)
	slices.SortFunc(best, func(a, b sampleRanked) int {
		if sampleLess(a, b) {
			return -1
		}
		if sampleLess(b, a) {
			return 1
		}
		return 0
	})
	ids := make([]string, len(best))
	for i, r := range best {
		ids[i] = r.id
	}
	return Sampled{Seed: d.seed, Size: d.n, PopulationSize: d.size, PopulationDigest: "sha256:" + hex.EncodeToString(d.digest.Sum(nil)), IDs: ids}
}
