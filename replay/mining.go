package replay

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Variant is one distinct path through the log's states, in the sense of
// process mining: the source states a case passed through, in order, each
// change of state counted once (a row that keeps the state adds nothing).
type Variant struct {
	// States is the path, the case's first state first.
	States []string `json:"states"`
	// Cases counts the cases that took it; Conformant those of them the
	// workflow accepted whole.
	Cases      int `json:"cases"`
	Conformant int `json:"conformant"`
}

// MaxVariants is how many variants a Summary lists, the most frequent
// first; Summary.VariantCount counts them all.
const MaxVariants = 100

// maxTrackedVariants bounds the variants a run counts, so that a log
// whose every case takes a path of its own keeps bounded memory: the
// cases of variants past it are counted in Summary.OtherVariantCases.
const maxTrackedVariants = 10_000

// variantSep joins a path's states into one key: a byte a state (joined
// cells of a CSV or XES values, valid UTF-8 without NUL) does not hold.
const variantSep = 0

// variantKey is a path as one string.
func variantKey(states []string) string { return strings.Join(states, "\x00") }

// durations is a bounded histogram of durations, from which a median and
// percentiles are read to within half a percent: bucket 0 holds what is
// under a second, bucket k > 0 the durations of seconds in
// [base^(k-1), base^k).
type durations struct {
	n       int
	buckets map[int]int
}

// histBase is the ratio of one bucket's bounds: a percentile read is the
// geometric middle of its bucket, within half a percent of the truth.
const histBase = 1.01

func (h *durations) add(d time.Duration) {
	if h.buckets == nil {
		h.buckets = map[int]int{}
	}
	h.n++
	h.buckets[bucketOf(d)]++
}

func bucketOf(d time.Duration) int {
	s := d.Seconds()
	if s < 1 {
		return 0
	}
	return 1 + int(math.Floor(math.Log(s)/math.Log(histBase)))
}

// quantile returns the duration under which a share q of the durations
// lie (0 ≤ q ≤ 1), or 0 when there are none.
func (h *durations) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	keys := make([]int, 0, len(h.buckets))
	for k := range h.buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rank := int(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	seen := 0
	for _, k := range keys {
		seen += h.buckets[k]
		if seen >= rank {
			if k == 0 {
				return 0
			}
			mid := math.Pow(histBase, float64(k-1)+0.5)
			return time.Duration(mid * float64(time.Second)).Round(time.Second)
		}
	}
	return 0
}

// variants counts the cases of each path, up to maxTrackedVariants.
type variants struct {
	byKey map[string]*Variant
	other int
}

// add counts a case whose path has the given key (its states joined by
// variantSep).
func (v *variants) add(key []byte, conformant bool) {
	if v.byKey == nil {
		v.byKey = map[string]*Variant{}
	}
	x := v.byKey[string(key)]
	if x == nil {
		if len(v.byKey) >= maxTrackedVariants {
			v.other++
			return
		}
		k := string(key)
		x = &Variant{States: strings.Split(k, "\x00")}
		v.byKey[k] = x
	}
	x.Cases++
	if conformant {
		x.Conformant++
	}
}

// top returns the most frequent variants, at most MaxVariants, and how
// many there are in all.
func (v *variants) top() ([]Variant, int) {
	all := make([]Variant, 0, len(v.byKey))
	for _, x := range v.byKey {
		all = append(all, *x)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Cases != all[j].Cases {
			return all[i].Cases > all[j].Cases
		}
		return variantKey(all[i].States) < variantKey(all[j].States)
	})
	return all[:min(len(all), MaxVariants)], len(all)
}

// shortDuration writes d for a process map's label: days, hours, minutes
// or seconds, to the largest unit it reaches.
func shortDuration(d time.Duration) string {
	// A unit is reached by what rounds up to it: a percentile is read
	// within half a percent, and an hour read as 59m 50s is an hour.
	switch {
	case d >= 48*time.Hour-15*time.Minute:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d >= time.Hour-30*time.Second:
		return fmt.Sprintf("%.1fh", d.Hours())
	case d >= time.Minute-500*time.Millisecond:
		return fmt.Sprintf("%.0fm", d.Minutes())
	default:
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
}
