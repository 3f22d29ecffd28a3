package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/internal/sqltest"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/sqlstore"
)

// smpRanked draws by the definition, written out again: sort by
// SHA-256(seed || ID) and take the first n.
func smpRanked(ids []string, seed string, n int) []string {
	out := slices.Clone(ids)
	rank := func(id string) []byte { s := sha256.Sum256([]byte(seed + id)); return s[:] }
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(rank(out[i]), rank(out[j])) < 0 })
	return out[:min(n, len(out))]
}

func smpIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("CHG-%06d", i+1)
	}
	return ids
}

func TestSampleDrawsByHash(t *testing.T) {
	t.Parallel()
	ids := smpIDs(500)
	s, err := audit.Sample(ids, "2026-Q1 change audit", audit.DefaultSampleSize)
	require.NoError(t, err)
	assert.Equal(t, smpRanked(ids, "2026-Q1 change audit", 59), s.IDs)
	assert.Equal(t, 500, s.PopulationSize)
	assert.Equal(t, 59, s.Size)
	var all bytes.Buffer
	for _, id := range ids { // already in ascending order
		all.WriteString(id + "\n")
	}
	assert.Equal(t, fmt.Sprintf("sha256:%x", sha256.Sum256(all.Bytes())), s.PopulationDigest)

	shuffled := slices.Clone(ids)
	slices.Reverse(shuffled)
	again, err := audit.Sample(shuffled, "2026-Q1 change audit", 59)
	require.NoError(t, err)
	assert.Equal(t, s, again, "the population's order does not matter")
	other, err := audit.Sample(ids, "another seed", 59)
	require.NoError(t, err)
	assert.NotEqual(t, s.IDs, other.IDs)
	assert.Equal(t, s.PopulationDigest, other.PopulationDigest)

	whole, err := audit.Sample(ids[:10], "x", 59)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids[:10], whole.IDs, "a sample at least the population's size is all of it")
	none, err := audit.Sample(ids, "x", 0)
	require.NoError(t, err)
	assert.Empty(t, none.IDs)

	for name, c := range map[string]struct {
		pop  []string
		seed string
		n    int
	}{
		"no seed": {ids, " ", 5}, "negative": {ids, "s", -1}, "twice": {[]string{"A", "B", "A"}, "s", 1},
		"blank id": {[]string{"A", ""}, "s", 1}, "newline": {[]string{"A\nB"}, "s", 1},
	} {
		_, err := audit.Sample(c.pop, c.seed, c.n)
		require.ErrorIs(t, err, sms.ErrInvalid, name)
	}
}

// Re-deriving tells an added record (the digest moves; the sample may not)
// from a removed sampled record (it is missing, and another is drawn).
func TestSampleRederive(t *testing.T) {
	t.Parallel()
	ids := smpIDs(200)
	s, err := audit.Sample(ids, "seed-7", 20)
	require.NoError(t, err)
	d, err := s.Rederive(ids)
	require.NoError(t, err)
	assert.Equal(t, audit.Drift{Redrawn: s.IDs}, d, "nothing changed")

	added := append(slices.Clone(ids), "CHG-999999")
	d, err = s.Rederive(added)
	require.NoError(t, err)
	assert.True(t, d.PopulationChanged)
	assert.Empty(t, d.Missing)
	assert.Equal(t, slices.Contains(smpRanked(added, "seed-7", 20), "CHG-999999"), d.SampleChanged)

	gone := s.IDs[3]
	removed := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == gone })
	d, err = s.Rederive(removed)
	require.NoError(t, err)
	assert.True(t, d.PopulationChanged)
	assert.Equal(t, []string{gone}, d.Missing)
	assert.True(t, d.SampleChanged)
	assert.Equal(t, smpRanked(removed, "seed-7", 20), d.Redrawn)
}

// The default size is the formula's value, for a table computed here.
func TestSampleSize(t *testing.T) {
	t.Parallel()
	n, err := audit.SampleSize(0.95, 0.05)
	require.NoError(t, err)
	assert.Equal(t, 59, n)
	assert.Equal(t, audit.DefaultSampleSize, n)
	for _, c := range []float64{0.8, 0.9, 0.95, 0.975, 0.99} {
		for _, r := range []float64{0.01, 0.02, 0.03, 0.05, 0.1, 0.2} {
			want := int(math.Ceil(math.Log(1-c) / math.Log(1-r)))
			got, err := audit.SampleSize(c, r)
			require.NoError(t, err)
			assert.Equal(t, want, got, "confidence %v, rate %v", c, r)
			// The smallest size that would have shown a deviation at rate
			// r with probability c: one fewer would not.
			assert.GreaterOrEqual(t, 1-math.Pow(1-r, float64(got)), c-1e-12)
			assert.Less(t, 1-math.Pow(1-r, float64(got-1)), c)
		}
	}
	exact, err := audit.SampleSize(0.75, 0.5) // ln(0.25)/ln(0.5) = 2 exactly
	require.NoError(t, err)
	assert.Equal(t, 2, exact)
	for _, bad := range [][2]float64{{0, 0.05}, {1, 0.05}, {0.95, 0}, {0.95, 1}, {math.NaN(), 0.05}, {0.95, -0.1}} {
		_, err := audit.SampleSize(bad[0], bad[1])
		require.ErrorIs(t, err, sms.ErrInvalid, "%v", bad)
	}
}

// The same seed draws the same sample from the same records on memstore,
// SQLite and (with SMS_POSTGRES_DSN) PostgreSQL, page by page, and
// re-deriving it from a store reports a record removed.
func TestSampleOnStores(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
		ctx := context.Background()
		st, err := sqlstore.New[*audit.Programme](ctx, db, d, sqlstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		mem := memstore.New[*audit.Programme]()
		run := d.Name() + time.Now().UTC().Format("150405.000000000")
		var ids []string
		for _, s := range []sms.Store[*audit.Programme]{mem, st} {
			svc, err := audit.NewProgrammes(s, sms.Options{})
			require.NoError(t, err)
			for i := range 1200 { // more than a page of sms.MaxLimit
				id := fmt.Sprintf("AP-%s-%04d", run, i)
				if s == mem {
					ids = append(ids, id)
				}
				_, err := svc.Draft(ctx, prgOwner, audit.ProgrammeDraft{ID: id, ProgrammeContents: audit.ProgrammeContents{Title: "p"}})
				require.NoError(t, err)
			}
		}
		a, err := audit.SampleRecords[*audit.Programme](ctx, mem, sms.Query{}, "seed", 59)
		require.NoError(t, err)
		b, err := audit.SampleRecords[*audit.Programme](ctx, st, sms.Query{}, "seed", 59)
		require.NoError(t, err)
		want, err := audit.Sample(ids, "seed", 59)
		require.NoError(t, err)
		assert.Equal(t, want, a)
		assert.Equal(t, want, b)

		drift, err := audit.RederiveRecords[*audit.Programme](ctx, mem, sms.Query{}, want)
		require.NoError(t, err)
		assert.False(t, drift.PopulationChanged)
		assert.False(t, drift.SampleChanged)
		svc, err := audit.NewProgrammes(mem, sms.Options{})
		require.NoError(t, err)
		_, err = svc.Draft(ctx, prgOwner, audit.ProgrammeDraft{ID: "AP-zzz-added", ProgrammeContents: audit.ProgrammeContents{Title: "p"}})
		require.NoError(t, err)
		drift, err = audit.RederiveRecords[*audit.Programme](ctx, mem, sms.Query{}, want)
		require.NoError(t, err)
		assert.True(t, drift.PopulationChanged, "a record was added")

		// A sampled draft approved leaves a sample of drafts: missing.
		gone := want.IDs[0]
		_, err = svc.Approve(ctx, prgOwner, gone, audit.ProgrammeApproval{})
		require.Error(t, err, "an empty programme is not approved")
		_, err = svc.Retire(ctx, prgOwner, gone, audit.ProgrammeRetirement{Reason: "sampled away"})
		require.NoError(t, err)
		drift, err = audit.RederiveRecords[*audit.Programme](ctx, mem, sms.Query{Status: []string{"draft"}}, want)
		require.NoError(t, err)
		assert.Equal(t, []string{gone}, drift.Missing)
		assert.True(t, drift.SampleChanged)
	})
}
