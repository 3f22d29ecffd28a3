package replay

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDurationsQuantile: the histogram's percentiles stay within half a
// percent of the exact ones, from seconds to years.
func TestDurationsQuantile(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 2, 10, 1000, 50_000} {
		var h durations
		exact := make([]time.Duration, n)
		for i := range exact {
			exact[i] = time.Duration(rng.ExpFloat64() * float64(rng.IntN(100_000)+1) * float64(time.Second))
			h.add(exact[i])
		}
		slices.Sort(exact)
		for _, q := range []float64{0.5, 0.9, 0.99, 1} {
			want := exact[max(int(float64(n)*q+0.999999)-1, 0)]
			got := h.quantile(q)
			if want < time.Second {
				assert.Zero(t, got, "n=%d q=%v", n, q)
				continue
			}
			assert.InEpsilon(t, want.Seconds(), got.Seconds(), 0.006, "n=%d q=%v", n, q)
		}
	}
	var empty durations
	assert.Zero(t, empty.quantile(0.5))
	assert.Len(t, (&durations{}).buckets, 0)
}

// TestVariantsBounded: past maxTrackedVariants distinct paths, the cases
// are counted apart and the memory stays bounded.
func TestVariantsBounded(t *testing.T) {
	t.Parallel()
	var v variants
	for i := range maxTrackedVariants + 5 {
		v.add([]byte(variantKey([]string{"new", fmt.Sprint(i)})), i%2 == 0)
	}
	v.add([]byte(variantKey([]string{"new", "0"})), false)
	top, count := v.top()
	assert.Equal(t, maxTrackedVariants, count)
	assert.Equal(t, 5, v.other)
	assert.Len(t, top, MaxVariants)
	assert.Equal(t, Variant{States: []string{"new", "0"}, Cases: 2, Conformant: 1}, top[0])
	assert.Len(t, v.byKey, maxTrackedVariants)
}

// TestSeenSet: past many merges, the set holds exactly what was added,
// its sorted part in order.
func TestSeenSet(t *testing.T) {
	t.Parallel()
	s := newSeenSet()
	added := map[uint64]bool{}
	for i := range 300_000 {
		id := fmt.Sprintf("CASE-%d", i*2)
		s.add(id)
		added[s.sum(id)] = true
	}
	var all []uint64
	for _, b := range s.blocks {
		require.NotEmpty(t, b)
		require.LessOrEqual(t, len(b), seenBlock)
		all = append(all, b...)
	}
	assert.True(t, slices.IsSorted(all), "blocks sorted in themselves and among them")
	assert.Len(t, all, 4<<16, "four merges of 65,536")
	assert.Less(t, len(s.blocks), 2*len(all)/seenBlock+2, "blocks at least half full")
	for i := range 600_000 {
		id := fmt.Sprintf("CASE-%d", i)
		if s.has(id) != added[s.sum(id)] {
			t.Fatalf("has(%s) = %v", id, s.has(id))
		}
	}
}
