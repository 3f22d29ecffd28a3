package replay

import (
	"errors"
	"hash/maphash"
	"io"
	"slices"
)

// Default limits of a [Reader] ([ReaderOptions]).
const (
	DefaultMaxRowBytes    = 1 << 20 // 1 MiB: a row, every field and separator of it
	DefaultMaxRowsPerCase = 100_000
)

// errRowTooLarge is what the bounded reader returns once a row grows past
// its limit; the csv package hands it on as its read error.
var errRowTooLarge = errors.New("the row is larger than the limit")

// boundedReader hands the CSV parser at most limit bytes past the start
// of the row being parsed (mark), so that one huge field, or a quote that
// never closes, cannot take memory without bound.
type boundedReader struct {
	r     io.Reader
	limit int64
	read  int64 // bytes handed on in all
	mark  int64 // the offset where the current row starts
}

func (b *boundedReader) Read(p []byte) (int, error) {
	room := b.mark + b.limit - b.read
	if room <= 0 {
		return 0, errRowTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// seenSet is the set of case IDs a Reader has finished, kept as 64-bit
// hashes (8 bytes a case, whatever the IDs' length): the recent ones in a
// small map, the rest in a sorted slice merged in batches. Two IDs of the
// same hash (a chance of about 1 in 10^11 for 10 million cases) would make
// a new case look like one seen before: it is reported, never replayed
// wrongly, as a case that reappears.
type seenSet struct {
	seed   maphash.Seed
	recent map[uint64]struct{}
	sorted []uint64
}

func newSeenSet() *seenSet {
	return &seenSet{seed: maphash.MakeSeed(), recent: map[uint64]struct{}{}}
}

func (s *seenSet) sum(id string) uint64 { return maphash.String(s.seed, id) }

// has reports whether id was added.
func (s *seenSet) has(id string) bool {
	h := s.sum(id)
	if _, ok := s.recent[h]; ok {
		return true
	}
	_, ok := slices.BinarySearch(s.sorted, h)
	return ok
}

// add adds id.
func (s *seenSet) add(id string) {
	s.recent[s.sum(id)] = struct{}{}
	if len(s.recent) >= 1<<16 {
		for h := range s.recent {
			s.sorted = append(s.sorted, h)
		}
		slices.Sort(s.sorted)
		s.sorted = slices.Compact(s.sorted)
		clear(s.recent)
	}
}
