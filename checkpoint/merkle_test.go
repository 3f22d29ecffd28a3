package checkpoint

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

// mth is RFC 6962's definition of the Merkle tree hash, written out as the
// RFC states it, as an oracle for the streaming hasher and the proofs.
func mth(data [][]byte) sms.Hash {
	n := len(data)
	switch n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, data[0]...))
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	l, r := mth(data[:k]), mth(data[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func leavesData(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("leaf %d", i))
	}
	return out
}

func TestHasherIsRFC6962(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 70; n++ {
		data := leavesData(n)
		var h hasher
		hs := make([]sms.Hash, n)
		for i, d := range data {
			hs[i] = leafHash(d)
			h.add(hs[i])
		}
		want := mth(data)
		assert.Equal(t, want, h.root(), "streaming root of %d leaves", n)
		assert.Equal(t, want, subtreeHash(hs), "recursive root of %d leaves", n)
	}
}

// Known answer: the tree of RFC 6962's empty input, and of one leaf, as
// the RFC defines them.
func TestHasherKnownAnswers(t *testing.T) {
	t.Parallel()
	var h hasher
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", h.root().String())
	h.add(leafHash(nil))
	assert.Equal(t, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", h.root().String())
}

func TestInclusionProofs(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 40; n++ {
		data := leavesData(n)
		hs := make([]sms.Hash, n)
		for i, d := range data {
			hs[i] = leafHash(d)
		}
		root := mth(data)
		for m := range n {
			path := auditPath(int64(m), hs)
			got, ok := rootFromPath(hs[m], int64(m), int64(n), path)
			require.True(t, ok, "n=%d m=%d", n, m)
			require.Equal(t, root, got, "n=%d m=%d", n, m)
			// The proof does not prove another leaf, another index or a
			// tampered path.
			if n > 1 {
				other := (m + 1) % n
				r, ok := rootFromPath(hs[other], int64(m), int64(n), path)
				assert.False(t, ok && r == root, "n=%d m=%d proves leaf %d", n, m, other)
				r, ok = rootFromPath(hs[m], int64(other), int64(n), path)
				assert.False(t, ok && r == root, "n=%d m=%d proves index %d", n, m, other)
				bad := append([]sms.Hash(nil), path...)
				bad[0][0] ^= 1
				r, ok = rootFromPath(hs[m], int64(m), int64(n), bad)
				assert.False(t, ok && r == root, "n=%d m=%d with a tampered path", n, m)
				r, ok = rootFromPath(hs[m], int64(m), int64(n), path[:len(path)-1])
				assert.False(t, ok && r == root, "n=%d m=%d with a short path", n, m)
			}
		}
		_, ok := rootFromPath(hs[0], int64(n), int64(n), nil)
		assert.False(t, ok, "an index past the tree")
		_, ok = rootFromPath(hs[0], -1, int64(n), nil)
		assert.False(t, ok, "a negative index")
	}
}
