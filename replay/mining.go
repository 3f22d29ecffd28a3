package replay

import (
	"fmt"
	"math"
	"slices"
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

// keySep joins the names of a path or a pair into one map key: a byte a
// state or a group (cells of a CSV or XES values, valid UTF-8 without
// NUL) does not hold.
const keySep = "\x00"

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

// maxTracked bounds the distinct variants, actors, groups and hand-offs
// a run counts, so that memory stays bounded whatever the log: the cases
// of variants past it are counted in Summary.OtherVariantCases, and the
// events of actors, groups and hand-offs past it are left out of their
// lists (and of nothing else).
const maxTracked = 10_000

// counts is what a run counts of each variant, resource or hand-off, by
// key, up to maxTracked of them: the value and the last case it was
// counted in (cases are numbered from 1), to count each case once.
type counts[V any] struct {
	byKey map[string]*counted[V]
	other int // what past maxTracked could not be counted
}

type counted[V any] struct {
	v        V
	lastCase int
}

// at returns the entry of key, made by fresh when new, or nil when
// maxTracked entries leave no room for it. key may be a buffer reused by
// the caller: a new entry copies it.
func (c *counts[V]) at(key []byte, fresh func(key string) V) *counted[V] {
	if c.byKey == nil {
		c.byKey = map[string]*counted[V]{}
	}
	if e := c.byKey[string(key)]; e != nil {
		return e
	}
	if len(c.byKey) >= maxTracked {
		c.other++
		return nil
	}
	k := string(key)
	e := &counted[V]{v: fresh(k)}
	c.byKey[k] = e
	return e
}

// top returns the values counted, at most max of them, the largest by
// size first and, between equal sizes, the one of the smaller key; and
// how many there are in all.
func (c *counts[V]) top(size func(*V) int, max int) ([]V, int) {
	keys := make([]string, 0, len(c.byKey))
	for k := range c.byKey {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := size(&c.byKey[b].v) - size(&c.byKey[a].v); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	out := make([]V, min(len(keys), max))
	for i := range out {
		out[i] = c.byKey[keys[i]].v
	}
	return out, len(keys)
}

// variants counts the cases of each path.
type variants struct{ counts[Variant] }

func (v *variants) add(key []byte, conformant bool) {
	e := v.at(key, func(k string) Variant { return Variant{States: strings.Split(k, keySep)} })
	if e == nil {
		return
	}
	e.v.Cases++
	if conformant {
		e.v.Conformant++
	}
}

func (v *variants) top() ([]Variant, int) {
	return v.counts.top(func(x *Variant) int { return x.Cases }, MaxVariants)
}

// tally counts the events of each actor or group.
type tally struct {
	counts[Resource]
	key []byte
}

func (t *tally) add(name string, caseNo int, e eventInfo) {
	t.key = append(t.key[:0], name...)
	r := t.at(t.key, func(k string) Resource { return Resource{Name: k} })
	if r == nil {
		return
	}
	r.v.Events++
	if e.accepted {
		r.v.Accepted++
	}
	if e.refused {
		r.v.Deviations++
	}
	if r.lastCase != caseNo {
		r.lastCase = caseNo
		r.v.Cases++
	}
}

func (t *tally) top() ([]Resource, int) {
	return t.counts.top(func(r *Resource) int { return r.Events }, MaxResources)
}

// handOffs counts the hand-offs between groups.
type handOffs struct {
	counts[HandOff]
	key      []byte
	total    int
	pingPong int                 // cases whose record went back to a group it had left
	left     map[string]struct{} // the groups the record has left, in the case being added
}

// addCase counts the hand-offs of case caseNo, whose events had the
// given groups.
func (h *handOffs) addCase(caseNo int, events []eventInfo) {
	if h.left == nil {
		h.left = map[string]struct{}{}
	}
	clear(h.left)
	prev := ""
	back := false
	for _, e := range events {
		g := e.group
		if g == "" || g == prev {
			continue
		}
		if prev != "" {
			h.total++
			h.key = append(append(append(h.key[:0], prev...), keySep...), g...)
			if x := h.at(h.key, func(string) HandOff { return HandOff{From: prev, To: g} }); x != nil {
				x.v.Count++
				if x.lastCase != caseNo {
					x.lastCase = caseNo
					x.v.Cases++
				}
			}
			if _, ok := h.left[g]; ok {
				back = true
			}
			h.left[prev] = struct{}{}
		}
		prev = g
	}
	if back {
		h.pingPong++
	}
}

func (h *handOffs) top() []HandOff {
	out, _ := h.counts.top(func(x *HandOff) int { return x.Count }, MaxResources)
	return out
}
