package sqlstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
)

func pagedLinks(n, from int) []sms.Link {
	out := make([]sms.Link, n)
	for i := range out {
		out[i] = sms.Link{Type: "problem", ID: fmt.Sprintf("PRB-%d", from+i)}
	}
	return out
}

// paginate hashes only the pages that differ from the list before, and
// the marker depends on every link and on their order, not on what was
// reused.
func TestPaginate(t *testing.T) {
	links := pagedLinks(1000, 0)
	cold := paginate(links, nil)
	require.Len(t, cold.pages, 8)
	require.Len(t, cold.pages[7], 1000-7*linkPage)
	for p := range cold.pages {
		_, d := pageDigest(nil, pageOf(links, p))
		require.Equal(t, d, cold.digests[p])
	}
	links[0].ID = "changed" // the caller's slice: the list owns its copies
	assert.Equal(t, "PRB-0", cold.pages[0][0].ID)

	links = pagedLinks(1000, 0)
	more := append(slices.Clone(links), sms.Link{Type: "problem", ID: "PRB-1000"})
	warm := paginate(more, cold)
	assert.Equal(t, paginate(more, nil).marker, warm.marker, "a reused page changes nothing")
	for p := range 7 {
		assert.Same(t, &cold.pages[p][0], &warm.pages[p][0], "page %d is reused", p)
	}
	assert.NotEqual(t, cold.marker, warm.marker)

	swapped := slices.Clone(links)
	swapped[3], swapped[4] = swapped[4], swapped[3]
	assert.NotEqual(t, cold.marker, paginate(swapped, cold).marker, "the order counts")
	// A link split differently between its type and ID is another list.
	a := []sms.Link{{Type: "ab", ID: "c"}}
	b := []sms.Link{{Type: "a", ID: "bc"}}
	_, da := pageDigest(nil, a)
	_, db := pageDigest(nil, b)
	assert.NotEqual(t, da, db)
}

// The cache holds at most pageCacheLinks links, keeps the list put last,
// and replaces an entity's list.
func TestPageCacheBound(t *testing.T) {
	var c pageCache
	big := &pagedList{marker: "big", count: pageCacheLinks / 2}
	c.put("a", big)
	c.put("a", &pagedList{marker: "a2", count: pageCacheLinks / 2})
	assert.Equal(t, pageCacheLinks/2, c.links, "a replaced list is counted once")
	c.put("b", big)
	assert.Equal(t, pageCacheLinks, c.links)
	c.put("c", &pagedList{marker: "c", count: 10})
	assert.LessOrEqual(t, c.links, pageCacheLinks)
	assert.Equal(t, "c", c.get("c").marker, "the last put stays")
	c.put("huge", &pagedList{marker: "huge", count: pageCacheLinks + 1})
	assert.Nil(t, c.get("huge"), "a list longer than the cache is not kept")
	assert.LessOrEqual(t, c.links, pageCacheLinks)
	n := 0
	for _, l := range c.byID {
		n += l.count
	}
	assert.Equal(t, n, c.links)
}

// Only a LinkSetter with more than a page of links is paged, and the
// document it is encoded from is a copy without them: the entity itself
// keeps its links.
func TestPageable(t *testing.T) {
	th, _ := smstest.NewThing("t", "open", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	th.Links = pagedLinks(linkPage, 0)
	_, ok := pageable(th, th.Links)
	assert.False(t, ok, "a page of links stays in the document")
	th.Links = pagedLinks(linkPage+1, 0)
	bare, ok := pageable(th, th.Links)
	require.True(t, ok)
	assert.Empty(t, bare.Links)
	assert.Len(t, th.Links, linkPage+1, "the entity keeps its links")
	assert.Equal(t, th.ID, bare.ID)
}
