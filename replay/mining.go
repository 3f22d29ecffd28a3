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

// Resource is one actor's or one support group's share of the log.
type Resource struct {
	Name string `json:"name"`
	// Events counts the events it made (an actor) or that its records
	// had (a group), Accepted those the workflow accepted, Cases the
	// cases it appears in, Deviations the events refused for a cause of
	// the log's own (not a consequence of an earlier refusal).
	Events     int `json:"events"`
	Accepted   int `json:"accepted"`
	Cases      int `json:"cases"`
	Deviations int `json:"deviations"`
}

// HandOff counts a case's record passing from one support group to
// another: consecutive events whose group differs (an empty group is
// passed over).
type HandOff struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
	Cases int    `json:"cases"`
}

// MaxResources is how many actors, groups and hand-offs a Summary lists,
// the most frequent first.
const MaxResources = 100

// maxTracked bounds the distinct actors, groups and hand-offs a run
// counts, so that memory stays bounded whatever the log: the events of
// those past it are left out of the lists (and of nothing else).
const maxTracked = 10_000

// tally counts resources by name, up to maxTracked.
type tally struct {
	byName map[string]*Resource
	other  int            // events of resources past maxTracked
	last   map[string]int // the case each resource was last seen in
}

func (t *tally) add(name string, caseNo int, e eventInfo) {
	if t.byName == nil {
		t.byName, t.last = map[string]*Resource{}, map[string]int{}
	}
	r := t.byName[name]
	if r == nil {
		if len(t.byName) >= maxTracked {
			t.other++
			return
		}
		r = &Resource{Name: name}
		t.byName[name] = r
	}
	r.Events++
	if e.accepted {
		r.Accepted++
	}
	if e.refused {
		r.Deviations++
	}
	if t.last[name] != caseNo {
		t.last[name] = caseNo
		r.Cases++
	}
}

// top returns the resources with the most events, at most MaxResources,
// and how many there are.
func (t *tally) top() ([]Resource, int) {
	all := make([]Resource, 0, len(t.byName))
	for _, r := range t.byName {
		all = append(all, *r)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Events != all[j].Events {
			return all[i].Events > all[j].Events
		}
		return all[i].Name < all[j].Name
	})
	return all[:min(len(all), MaxResources)], len(all)
}

// handOffs counts the hand-offs between groups, up to maxTracked pairs.
type handOffs struct {
	byPair   map[[2]string]*HandOff
	last     map[[2]string]int
	other    int
	total    int
	pingPong int // cases whose record went back to a group it had left
}

// addCase counts the hand-offs of case caseNo, whose events had the
// given groups.
func (h *handOffs) addCase(caseNo int, events []eventInfo) {
	if h.byPair == nil {
		h.byPair, h.last = map[[2]string]*HandOff{}, map[[2]string]int{}
	}
	prev := ""
	var left []string // the groups the record has left, in this case
	pingPong := false
	for _, e := range events {
		g := e.group
		if g == "" || g == prev {
			continue
		}
		if prev != "" {
			h.total++
			k := [2]string{prev, g}
			x := h.byPair[k]
			if x == nil && len(h.byPair) < maxTracked {
				x = &HandOff{From: prev, To: g}
				h.byPair[k] = x
			}
			if x == nil {
				h.other++
			} else {
				x.Count++
				if h.last[k] != caseNo {
					h.last[k] = caseNo
					x.Cases++
				}
			}
			if slices.Contains(left, g) {
				pingPong = true
			}
			left = append(left, prev)
		}
		prev = g
	}
	if pingPong {
		h.pingPong++
	}
}

// top returns the most frequent hand-offs, at most MaxResources.
func (h *handOffs) top() []HandOff {
	all := make([]HandOff, 0, len(h.byPair))
	for _, x := range h.byPair {
		all = append(all, *x)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Count != all[j].Count {
			return all[i].Count > all[j].Count
		}
		return all[i].From+"\x00"+all[i].To < all[j].From+"\x00"+all[j].To
	})
	return all[:min(len(all), MaxResources)]
}
