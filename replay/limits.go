package replay

import (
	"errors"
	"hash/maphash"
	"io"
	"slices"
	"sort"
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
// small map, the rest in sorted blocks of at most seenBlock hashes, merged
// in batches. Blocks rather than one slice, so that growing the set never
// holds two copies of it (a log of 10 million cases holds 80 MB of
// hashes, not 80 MB and the 64 MB it outgrew). Two IDs of the same hash
// (a chance of about 1 in 10^11 for 10 million cases) would make a new
// case look like one seen before: it is reported, never replayed wrongly,
// as a case that reappears.
type seenSet struct {
	seed   maphash.Seed
	recent map[uint64]struct{}
	// blocks are sorted, each in itself and among them: every hash of a
	// block is below every hash of the next. None is empty.
	blocks [][]uint64
	batch  []uint64 // the recent ones, sorted for a merge
}

// seenBlock is the most hashes a block holds (64 KiB).
const seenBlock = 1 << 13

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
	i := sort.Search(len(s.blocks), func(i int) bool { b := s.blocks[i]; return b[len(b)-1] >= h })
	if i == len(s.blocks) {
		return false
	}
	_, ok := slices.BinarySearch(s.blocks[i], h)
	return ok
}

// add adds id.
func (s *seenSet) add(id string) {
	s.recent[s.sum(id)] = struct{}{}
	if len(s.recent) >= 1<<16 {
		s.merge()
	}
}

// merge moves the recent hashes into the blocks: the batch sorted, each
// block merged with the part of the batch that falls in it (the last
// block taking what is above them all) and split into blocks of equal
// size when it outgrows seenBlock; a block the batch misses is kept.
func (s *seenSet) merge() {
	s.batch = s.batch[:0]
	for h := range s.recent {
		s.batch = append(s.batch, h)
	}
	clear(s.recent)
	slices.Sort(s.batch)
	out := make([][]uint64, 0, len(s.blocks)+len(s.batch)/seenBlock+1)
	rest := s.batch
	for i, b := range s.blocks {
		k := len(rest)
		if i < len(s.blocks)-1 {
			k, _ = slices.BinarySearch(rest, b[len(b)-1]+1)
		}
		if k == 0 {
			out = append(out, b)
			continue
		}
		merged := make([]uint64, 0, len(b)+k)
		x, y := 0, 0
		for x < len(b) && y < k {
			if b[x] <= rest[y] {
				merged = append(merged, b[x])
				x++
			} else {
				merged = append(merged, rest[y])
				y++
			}
		}
		merged = append(append(merged, b[x:]...), rest[y:k]...)
		rest = rest[k:]
		out = appendSplit(out, merged)
	}
	if len(rest) > 0 { // no block yet
		out = appendSplit(out, slices.Clone(rest))
	}
	s.blocks = out
}

// appendSplit appends sorted hs to blocks, in blocks of equal size of at
// most seenBlock each.
func appendSplit(blocks [][]uint64, hs []uint64) [][]uint64 {
	parts := (len(hs) + seenBlock - 1) / seenBlock
	for p := range parts {
		lo, hi := p*len(hs)/parts, (p+1)*len(hs)/parts
		blocks = append(blocks, hs[lo:hi:hi])
	}
	return blocks
}
