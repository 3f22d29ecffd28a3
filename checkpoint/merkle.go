package checkpoint

import (
	"crypto/sha256"
	"math/bits"

	"github.com/iso20k/sms"
)

// The tree is the Merkle tree of RFC 6962 (Certificate Transparency,
// section 2.1) over the encoded leaves in order: a leaf's hash is
// SHA-256(0x00 || leaf), an inner node's SHA-256(0x01 || left || right),
// and a tree of n leaves splits at the largest power of two below n. The
// hash of the empty tree is SHA-256 of nothing.

func leafHash(data []byte) sms.Hash {
	var stack [128]byte
	b := append(stack[:0], 0x00)
	b = append(b, data...)
	return sha256.Sum256(b)
}

func nodeHash(l, r sms.Hash) sms.Hash {
	var b [1 + 2*sha256.Size]byte
	b[0] = 0x01
	copy(b[1:], l[:])
	copy(b[1+sha256.Size:], r[:])
	return sha256.Sum256(b[:])
}

// hasher computes the root of a tree whose leaves arrive in order, keeping
// one hash per set bit of the count so far (a compact range).
type hasher struct {
	stack []subtree
	n     int64
}

type subtree struct {
	h    sms.Hash
	size int64
}

func (t *hasher) add(h sms.Hash) {
	node := subtree{h, 1}
	for len(t.stack) > 0 && t.stack[len(t.stack)-1].size == node.size {
		top := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		node = subtree{nodeHash(top.h, node.h), 2 * node.size}
	}
	t.stack = append(t.stack, node)
	t.n++
}

func (t *hasher) root() sms.Hash {
	if len(t.stack) == 0 {
		return sha256.Sum256(nil)
	}
	r := t.stack[len(t.stack)-1].h
	for i := len(t.stack) - 2; i >= 0; i-- {
		r = nodeHash(t.stack[i].h, r)
	}
	return r
}

// split returns the largest power of two below n (n > 1).
func split(n int64) int64 { return int64(1) << (bits.Len64(uint64(n-1)) - 1) }

// subtreeHash returns the hash of the tree over hs.
func subtreeHash(hs []sms.Hash) sms.Hash {
	switch len(hs) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return hs[0]
	}
	k := split(int64(len(hs)))
	return nodeHash(subtreeHash(hs[:k]), subtreeHash(hs[k:]))
}

// auditPath returns the inclusion proof of leaf m in the tree over hs
// (RFC 6962 section 2.1.1, PATH(m, D[n])).
func auditPath(m int64, hs []sms.Hash) []sms.Hash {
	n := int64(len(hs))
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(auditPath(m, hs[:k]), subtreeHash(hs[k:]))
	}
	return append(auditPath(m-k, hs[k:]), subtreeHash(hs[:k]))
}

// rootFromPath recomputes the root from a leaf hash, its index, the tree
// size and the audit path (RFC 9162 section 2.1.3.2); ok is false when the
// path cannot be a path of that leaf in a tree of that size.
func rootFromPath(h sms.Hash, index, size int64, path []sms.Hash) (sms.Hash, bool) {
	if index < 0 || index >= size {
		return sms.Hash{}, false
	}
	fn, sn := index, size-1
	r := h
	for _, p := range path {
		if sn == 0 {
			return sms.Hash{}, false
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return r, sn == 0
}
