package checkpoint

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/iso20k/sms"
)

// Leaf is one entity's journal as a checkpoint saw it: its kind and ID, the
// sequence of its last entry and that entry's hash.
type Leaf struct {
	Kind sms.Kind `json:"kind"`
	ID   string   `json:"id"`
	Seq  int64    `json:"seq"`
	Hash sms.Hash `json:"hash"`
}

// String returns "kind/id@seq".
func (l Leaf) String() string { return fmt.Sprintf("%s/%s@%d", l.Kind, l.ID, l.Seq) }

// encode returns the bytes the tree hashes for the leaf.
func (l *Leaf) encode(b []byte) []byte {
	b = appendString(b, string(l.Kind))
	b = appendString(b, l.ID)
	b = binary.BigEndian.AppendUint64(b, uint64(l.Seq))
	return append(b, l.Hash[:]...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// less orders leaves by kind, then ID, as bytes: the order of the tree.
func less(a, b *Leaf) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.ID < b.ID
}

// Leaves are the leaves of a checkpoint, in order, kept compactly: chunks
// of up to [ChunkLeaves] leaves, each decodable alone, with the key (kind
// and ID) of each leaf stored as the bytes it does not share with the
// previous one. A million leaves with UUID IDs take about 50 MB.
//
// A checkpoint names its leaves by their count and root only: keep them
// anywhere (the database's sms_checkpoint_leaves table, a file): whoever
// alters, drops or reorders one is found out by [Checkpoint.CheckLeaves].
type Leaves struct {
	chunks [][]byte
	n      int64
	// The chunk being filled.
	cur     []byte
	curN    int
	lastKey []byte
	last    Leaf
}

// ChunkLeaves is the most leaves a chunk holds.
const ChunkLeaves = 4096

const chunkVersion = 1

// Len returns the number of leaves.
func (l *Leaves) Len() int64 { return l.n }

// add appends a leaf; the caller keeps the order.
func (l *Leaves) add(lf *Leaf) {
	if l.curN == 0 {
		l.cur = append(l.cur[:0], chunkVersion)
		l.lastKey = l.lastKey[:0]
	}
	key := string(lf.Kind) + "\x00" + lf.ID
	shared := 0
	for shared < len(key) && shared < len(l.lastKey) && key[shared] == l.lastKey[shared] {
		shared++
	}
	l.cur = binary.AppendUvarint(l.cur, uint64(shared))
	l.cur = appendString(l.cur, key[shared:])
	l.cur = binary.AppendUvarint(l.cur, uint64(lf.Seq))
	l.cur = append(l.cur, lf.Hash[:]...)
	l.lastKey = append(l.lastKey[:0], key...)
	l.curN++
	l.n++
	l.last = *lf
	if l.curN == ChunkLeaves {
		l.flush()
	}
}

func (l *Leaves) flush() {
	if l.curN == 0 {
		return
	}
	c := make([]byte, len(l.cur))
	copy(c, l.cur)
	l.chunks = append(l.chunks, c)
	l.curN = 0
}

// Chunks returns the encoded chunks, for a store to keep: [FromChunks]
// reads them back. The caller must not modify them.
func (l *Leaves) Chunks() [][]byte {
	l.flush()
	return l.chunks
}

// errLeaves reports leaves that do not decode.
var errLeaves = errors.New("checkpoint: the leaves do not decode")

// FromChunks returns the leaves stored as chunks by [Leaves.Chunks]. It
// checks that each chunk decodes and that the leaves are in order; whether
// they are a checkpoint's is for [Checkpoint.CheckLeaves] to say.
func FromChunks(chunks [][]byte) (*Leaves, error) {
	l := &Leaves{}
	var prev *Leaf
	for i, c := range chunks {
		err := eachInChunk(c, func(lf *Leaf) error {
			if prev != nil && !less(prev, lf) {
				return fmt.Errorf("%w: chunk %d: %s does not follow %s", errLeaves, i, lf, prev)
			}
			p := *lf
			prev = &p
			l.n++
			return nil
		})
		if err != nil {
			return nil, err
		}
		l.chunks = append(l.chunks, c)
	}
	if prev != nil {
		l.last = *prev
	}
	return l, nil
}

func eachInChunk(c []byte, fn func(*Leaf) error) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", errLeaves, what) }
	if len(c) == 0 || c[0] != chunkVersion {
		return bad("a chunk of an unknown version")
	}
	c = c[1:]
	var key []byte
	var lf Leaf
	for len(c) > 0 {
		shared, n := binary.Uvarint(c)
		if n <= 0 || shared > uint64(len(key)) {
			return bad("a leaf's shared prefix")
		}
		c = c[n:]
		sl, n := binary.Uvarint(c)
		if n <= 0 || sl > uint64(len(c)-n) {
			return bad("a leaf's key")
		}
		key = append(key[:shared], c[n:n+int(sl)]...)
		c = c[n+int(sl):]
		seq, n := binary.Uvarint(c)
		if n <= 0 || seq < 1 || seq > 1<<62 || len(c)-n < len(lf.Hash) {
			return bad("a leaf's sequence or hash")
		}
		c = c[n:]
		kind, id, ok := strings.Cut(string(key), "\x00")
		if !ok {
			return bad("a leaf's key has no kind")
		}
		lf = Leaf{Kind: sms.Kind(kind), ID: id, Seq: int64(seq)}
		copy(lf.Hash[:], c)
		c = c[len(lf.Hash):]
		if err := fn(&lf); err != nil {
			return err
		}
	}
	return nil
}

// Each calls fn with every leaf, in order, until it returns an error, which
// Each returns.
func (l *Leaves) Each(fn func(Leaf) error) error {
	for _, c := range l.Chunks() {
		if err := eachInChunk(c, func(lf *Leaf) error { return fn(*lf) }); err != nil {
			return err
		}
	}
	return nil
}

// Find returns the leaf of the entity and its index, and whether the
// leaves hold it.
func (l *Leaves) Find(kind sms.Kind, id string) (Leaf, int64, bool) {
	want := Leaf{Kind: kind, ID: id}
	var (
		found Leaf
		index int64 = -1
		i     int64
	)
	stop := errors.New("found")
	_ = l.Each(func(lf Leaf) error {
		if !less(&lf, &want) && !less(&want, &lf) {
			found, index = lf, i
			return stop
		}
		i++
		return nil
	})
	return found, index, index >= 0
}

const fileMagic = "sms-checkpoint-leaves/v1\n"

// WriteTo writes the leaves as a file: a header line, then each chunk with
// its length. [ReadLeaves] reads it back.
func (l *Leaves) WriteTo(w io.Writer) (int64, error) {
	var n int64
	m, err := io.WriteString(w, fileMagic)
	n += int64(m)
	if err != nil {
		return n, err
	}
	for _, c := range l.Chunks() {
		m, err := w.Write(binary.AppendUvarint(nil, uint64(len(c))))
		n += int64(m)
		if err != nil {
			return n, err
		}
		m, err = w.Write(c)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadLeaves reads leaves [Leaves.WriteTo] wrote.
func ReadLeaves(r io.Reader) (*Leaves, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(fileMagic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != fileMagic {
		return nil, fmt.Errorf("%w: not a leaves file", errLeaves)
	}
	var chunks [][]byte
	for {
		size, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || size == 0 || size > 1<<26 {
			return nil, fmt.Errorf("%w: a chunk's length", errLeaves)
		}
		c := make([]byte, size)
		if _, err := io.ReadFull(br, c); err != nil {
			return nil, fmt.Errorf("%w: a chunk is cut short", errLeaves)
		}
		chunks = append(chunks, c)
	}
	return FromChunks(chunks)
}
