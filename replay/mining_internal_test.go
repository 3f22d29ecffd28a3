package replay

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
}

// TestVariantsBounded: past maxTracked distinct paths, the cases are
// counted apart and the memory stays bounded.
func TestVariantsBounded(t *testing.T) {
	t.Parallel()
	var v variants
	key := func(states ...string) []byte { return []byte(strings.Join(states, keySep)) }
	for i := range maxTracked + 5 {
		v.add(key("new", fmt.Sprint(i)), i%2 == 0)
	}
	v.add(key("new", "0"), false)
	top, count := v.top()
	assert.Equal(t, maxTracked, count)
	assert.Equal(t, 5, v.other)
	assert.Len(t, top, MaxVariants)
	assert.Equal(t, Variant{States: []string{"new", "0"}, Cases: 2, Conformant: 1}, top[0])
	assert.Len(t, v.byKey, maxTracked)
}

// TestPingPong: a case counts as going back to a group when its record
// returns to a group it had left, however far back.
func TestPingPong(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		groups   []string
		back     bool
		handOffs int
	}{
		{[]string{"a", "b", "c"}, false, 2},
		{[]string{"a", "a", "b", "b"}, false, 1},
		{[]string{"a", "b", "a"}, true, 2},
		{[]string{"a", "b", "c", "b"}, true, 3},
		{[]string{"a", "", "b", "", "c", "a"}, true, 3},
		{[]string{"", ""}, false, 0},
	} {
		var h handOffs
		events := make([]eventInfo, len(tc.groups))
		for i, g := range tc.groups {
			events[i].group = g
		}
		h.addCase(1, events)
		assert.Equal(t, tc.back, h.pingPong == 1, "%v", tc.groups)
		assert.Equal(t, tc.handOffs, h.total, "%v", tc.groups)
	}
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
