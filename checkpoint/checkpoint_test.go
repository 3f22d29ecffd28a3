package checkpoint_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/smstest"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// book is a store's journals in memory: what checkpoints are built from and
// verified against.
type book struct {
	journals map[string][]sms.Entry // by kind + "/" + id
}

func key(kind sms.Kind, id string) string { return string(kind) + "/" + id }

func newBook(t testing.TB, n, entries int) *book {
	t.Helper()
	b := &book{journals: map[string][]sms.Entry{}}
	for i := range n {
		id := fmt.Sprintf("thing-%03d", i)
		th, first := smstest.NewThing(id, "open", t0)
		j := []sms.Entry{first}
		for k := 1; k < entries; k++ {
			j = append(j, smstest.Advance(th, "move", []string{"in_progress", "open"}[k%2], t0.Add(time.Duration(k)*time.Minute)))
		}
		b.journals[key(smstest.ThingKind, id)] = j
	}
	return b
}

func (b *book) extend(t testing.TB, kind sms.Kind, id string) {
	t.Helper()
	j := b.journals[key(kind, id)]
	last := j[len(j)-1]
	next := sms.Entry{ID: fmt.Sprintf("e-%d", last.Seq+1), Kind: kind, EntityID: id, Seq: last.Seq + 1, Trigger: "note",
		From: last.To, To: last.To, Actor: sms.Actor{ID: "ann"}, At: last.At.Add(time.Hour), State: sms.Hash{1}, Prev: last.Hash}
	next.Hash = next.ComputeHash()
	b.journals[key(kind, id)] = append(j, next)
}

func (b *book) Heads(_ context.Context, fn func(checkpoint.Leaf) error) error {
	keys := make([]string, 0, len(b.journals))
	for k := range b.journals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		j := b.journals[k]
		last := j[len(j)-1]
		if err := fn(checkpoint.Leaf{Kind: last.Kind, ID: last.EntityID, Seq: last.Seq, Hash: last.Hash}); err != nil {
			return err
		}
	}
	return nil
}

func (b *book) Journal(_ context.Context, kind sms.Kind, id string) ([]sms.Entry, error) {
	j, ok := b.journals[key(kind, id)]
	if !ok {
		return nil, &sms.NotFoundError{Kind: kind, ID: id}
	}
	out := make([]sms.Entry, len(j))
	for i := range j {
		out[i] = j[i].Clone()
	}
	return out, nil
}

func keys(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	return priv.Public().(ed25519.PublicKey), priv
}

func build(t testing.TB, b *book, prev *checkpoint.Checkpoint, at time.Time) (*checkpoint.Checkpoint, *checkpoint.Leaves) {
	t.Helper()
	_, priv := keys(t)
	cp, l, err := checkpoint.Build(context.Background(), b, checkpoint.Options{Origin: "sms.db", Time: at, Prev: prev, Signer: priv})
	require.NoError(t, err)
	return cp, l
}

func TestBuildAndVerify(t *testing.T) {
	t.Parallel()
	pub, _ := keys(t)
	b := newBook(t, 50, 4)
	cp, l := build(t, b, nil, t0)
	assert.Equal(t, int64(1), cp.Seq)
	assert.Equal(t, int64(50), cp.Size)
	assert.Equal(t, sms.Hash{}, cp.Prev)
	require.NoError(t, cp.VerifySignature(pub))
	require.NoError(t, cp.CheckLeaves(l))
	r, err := checkpoint.Verify(context.Background(), cp, pub, l, b)
	require.NoError(t, err)
	assert.True(t, r.OK(), "%v", r.Problems)
	assert.Equal(t, int64(50), r.Checked)

	// Later transitions extend the journals: the old checkpoint still
	// verifies, and the next one extends it.
	b.extend(t, smstest.ThingKind, "thing-007")
	b.extend(t, smstest.ThingKind, "thing-007")
	th, first := smstest.NewThing("thing-100", "open", t0)
	_ = th
	b.journals[key(smstest.ThingKind, "thing-100")] = []sms.Entry{first}
	r, err = checkpoint.Verify(context.Background(), cp, pub, l, b)
	require.NoError(t, err)
	assert.True(t, r.OK(), "%v", r.Problems)
	next, nl := build(t, b, cp, t0.Add(24*time.Hour))
	assert.Equal(t, int64(2), next.Seq)
	assert.Equal(t, cp.Root, next.Prev)
	assert.Equal(t, int64(51), next.Size)
	require.NoError(t, checkpoint.Extends(cp, next, pub, l, nl))

	// The checkpoint is a small file that survives JSON.
	file, err := json.Marshal(cp)
	require.NoError(t, err)
	assert.Less(t, len(file), 600)
	var back checkpoint.Checkpoint
	require.NoError(t, json.Unmarshal(file, &back))
	require.NoError(t, back.VerifySignature(pub))
	assert.Equal(t, cp.Root, back.Root)
}

func TestVerifyFindsWhatChanged(t *testing.T) {
	t.Parallel()
	pub, _ := keys(t)
	base := newBook(t, 20, 5)
	cp, l := build(t, base, nil, t0)
	cases := []struct {
		name   string
		tamper func(b *book)
		what   string
		id     string
	}{
		{"an entity erased", func(b *book) { delete(b.journals, key(smstest.ThingKind, "thing-003")) }, "erased", "thing-003"},
		{"the tail deleted", func(b *book) {
			k := key(smstest.ThingKind, "thing-004")
			b.journals[k] = b.journals[k][:3]
		}, "truncated", "thing-004"},
		{"an entry rewritten with the chain recomputed", func(b *book) {
			k := key(smstest.ThingKind, "thing-005")
			j := b.journals[k]
			j[2].Reason = "rewritten"
			for i := 2; i < len(j); i++ {
				if i > 0 {
					j[i].Prev = j[i-1].Hash
				}
				j[i].Hash = j[i].ComputeHash()
			}
		}, "rewritten", "thing-005"},
		{"an entry inserted, the chain recomputed", func(b *book) {
			k := key(smstest.ThingKind, "thing-006")
			j := b.journals[k]
			forged := j[1].Clone()
			forged.Reason = "an approval that never happened"
			j = slices.Insert(j, 2, forged)
			for i := 1; i < len(j); i++ {
				j[i].Seq = int64(i + 1)
				j[i].Prev = j[i-1].Hash
				j[i].Hash = j[i].ComputeHash()
			}
			b.journals[k] = j
		}, "rewritten", "thing-006"},
		{"an entry altered, the chain left", func(b *book) {
			k := key(smstest.ThingKind, "thing-008")
			b.journals[k][1].Reason = "altered"
		}, "broken", "thing-008"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := &book{journals: map[string][]sms.Entry{}}
			for k, j := range base.journals {
				c := make([]sms.Entry, len(j))
				for i := range j {
					c[i] = j[i].Clone()
				}
				b.journals[k] = c
			}
			tc.tamper(b)
			r, err := checkpoint.Verify(context.Background(), cp, pub, l, b)
			require.NoError(t, err)
			require.Len(t, r.Problems, 1, "%v", r.Problems)
			assert.Equal(t, tc.what, r.Problems[0].What)
			assert.Equal(t, tc.id, r.Problems[0].Leaf.ID)
			assert.Equal(t, int64(20), r.Checked, "the run goes on past a problem")
		})
	}
}

func TestSignatureAndLeavesAreChecked(t *testing.T) {
	t.Parallel()
	pub, _ := keys(t)
	b := newBook(t, 10, 2)
	cp, l := build(t, b, nil, t0)
	otherPub, otherPriv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	assert.ErrorIs(t, cp.VerifySignature(otherPub), sms.ErrCorrupt, "another trusted key")
	forgedBy, _, err := checkpoint.Build(context.Background(), b, checkpoint.Options{Origin: "sms.db", Time: t0, Signer: otherPriv})
	require.NoError(t, err)
	assert.Error(t, forgedBy.VerifySignature(pub), "signed by a key the auditor does not trust")
	assert.ErrorIs(t, cp.VerifySignature([]byte("short")), sms.ErrInvalid)

	for _, edit := range []func(c *checkpoint.Checkpoint){
		func(c *checkpoint.Checkpoint) { c.Size++ },
		func(c *checkpoint.Checkpoint) { c.Root[0] ^= 1 },
		func(c *checkpoint.Checkpoint) { c.Time = c.Time.Add(time.Second) },
		func(c *checkpoint.Checkpoint) { c.Origin = "other.db" },
		func(c *checkpoint.Checkpoint) { c.Seq = 7 },
		func(c *checkpoint.Checkpoint) { c.Prev[3] = 1 },
		func(c *checkpoint.Checkpoint) { c.Signature[10] ^= 1 },
	} {
		c := *cp
		c.Signature = slices.Clone(cp.Signature)
		edit(&c)
		var ce *checkpoint.Error
		assert.ErrorAs(t, c.VerifySignature(pub), &ce)
	}

	// Leaves from another state of the store do not pass for these.
	b.extend(t, smstest.ThingKind, "thing-002")
	_, other := build(t, b, nil, t0)
	assert.ErrorIs(t, cp.CheckLeaves(other), sms.ErrCorrupt)
	small := newBook(t, 9, 2)
	_, fewer := build(t, small, nil, t0)
	assert.ErrorIs(t, cp.CheckLeaves(fewer), sms.ErrCorrupt)
	_, err = checkpoint.Verify(context.Background(), cp, pub, other, b)
	assert.ErrorIs(t, err, sms.ErrCorrupt, "Verify refuses leaves that are not the checkpoint's")
	assert.NoError(t, cp.CheckLeaves(l))
}

func TestBuildRefusesBadHeads(t *testing.T) {
	t.Parallel()
	_, priv := keys(t)
	h := sms.Hash{1}
	cases := map[string][]checkpoint.Leaf{
		"out of order": {{Kind: "k", ID: "b", Seq: 1, Hash: h}, {Kind: "k", ID: "a", Seq: 1, Hash: h}},
		"repeated":     {{Kind: "k", ID: "a", Seq: 1, Hash: h}, {Kind: "k", ID: "a", Seq: 2, Hash: h}},
		"no entry":     {{Kind: "k", ID: "a", Seq: 0, Hash: h}},
		"no kind":      {{ID: "a", Seq: 1, Hash: h}},
		"a bad ID":     {{Kind: "k", ID: "a\x00b", Seq: 1, Hash: h}},
	}
	for name, leaves := range cases {
		_, _, err := checkpoint.Build(context.Background(), headsOf(leaves), checkpoint.Options{Origin: "o", Time: t0, Signer: priv})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	ok := headsOf(nil)
	for name, o := range map[string]checkpoint.Options{
		"no origin": {Time: t0, Signer: priv},
		"no time":   {Origin: "o", Signer: priv},
		"no signer": {Origin: "o", Time: t0},
		"prev of another store": {Origin: "o", Time: t0, Signer: priv,
			Prev: &checkpoint.Checkpoint{Origin: "p", Seq: 1}},
	} {
		_, _, err := checkpoint.Build(context.Background(), ok, o)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	cp, l, err := checkpoint.Build(context.Background(), ok, checkpoint.Options{Origin: "o", Time: t0, Signer: priv})
	require.NoError(t, err)
	assert.Equal(t, int64(0), cp.Size, "an empty store has a checkpoint too")
	assert.NoError(t, cp.CheckLeaves(l))
}

type headsOf []checkpoint.Leaf

func (h headsOf) Heads(_ context.Context, fn func(checkpoint.Leaf) error) error {
	for _, l := range h {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

func TestExtendsFindsWhatWasLost(t *testing.T) {
	t.Parallel()
	pub, _ := keys(t)
	b := newBook(t, 12, 3)
	cp, l := build(t, b, nil, t0)
	cases := []struct {
		name   string
		tamper func(b *book)
	}{
		{"an entity erased", func(b *book) { delete(b.journals, key(smstest.ThingKind, "thing-001")) }},
		{"a journal truncated", func(b *book) {
			k := key(smstest.ThingKind, "thing-002")
			b.journals[k] = b.journals[k][:1]
		}},
		{"the head rewritten", func(b *book) {
			k := key(smstest.ThingKind, "thing-003")
			j := b.journals[k]
			j[2].Reason = "other"
			j[2].Hash = j[2].ComputeHash()
		}},
	}
	for _, tc := range cases {
		c := &book{journals: map[string][]sms.Entry{}}
		for k, j := range b.journals {
			c.journals[k] = slices.Clone(j)
		}
		tc.tamper(c)
		next, nl := build(t, c, cp, t0.Add(time.Hour))
		assert.ErrorIs(t, checkpoint.Extends(cp, next, pub, l, nl), sms.ErrCorrupt, tc.name)
	}
	next, nl := build(t, b, cp, t0.Add(time.Hour))
	require.NoError(t, checkpoint.Extends(cp, next, pub, l, nl))
	assert.Error(t, checkpoint.Extends(next, cp, pub, nl, l), "order matters")
	// A second checkpoint chained to another first one (of a store that
	// had one more record) does not extend this one, although it covers it.
	other := &book{journals: maps.Clone(b.journals)}
	_, extra := smstest.NewThing("thing-999", "open", t0)
	other.journals[key(smstest.ThingKind, "thing-999")] = []sms.Entry{extra}
	fork, _ := build(t, other, nil, t0)
	forked, fl := build(t, b, fork, t0.Add(2*time.Hour))
	assert.Equal(t, int64(2), forked.Seq)
	assert.Error(t, checkpoint.Extends(cp, forked, pub, l, fl), "a checkpoint that does not name its predecessor's root")
}

func TestInclusionProofOfOneRecord(t *testing.T) {
	t.Parallel()
	pub, _ := keys(t)
	b := newBook(t, 37, 3)
	cp, l := build(t, b, nil, t0)
	for i := range 37 {
		id := fmt.Sprintf("thing-%03d", i)
		p, err := l.Prove(smstest.ThingKind, id)
		require.NoError(t, err)
		require.NoError(t, cp.VerifyProof(pub, p), id)
		j, err := b.Journal(context.Background(), smstest.ThingKind, id)
		require.NoError(t, err)
		require.NoError(t, checkpoint.VerifyRecord(cp, pub, p, j))
		// The proof survives JSON, as a file handed to an auditor.
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		var back checkpoint.Proof
		require.NoError(t, json.Unmarshal(raw, &back))
		require.NoError(t, cp.VerifyProof(pub, &back))
	}
	p, err := l.Prove(smstest.ThingKind, "thing-010")
	require.NoError(t, err)
	forged := *p
	forged.Leaf.Seq++
	assert.ErrorIs(t, cp.VerifyProof(pub, &forged), sms.ErrCorrupt, "a leaf the checkpoint did not see")
	j, _ := b.Journal(context.Background(), smstest.ThingKind, "thing-010")
	assert.ErrorIs(t, checkpoint.VerifyRecord(cp, pub, p, j[:2]), sms.ErrCorrupt, "a truncated record")
	_, err = l.Prove(smstest.ThingKind, "nope")
	assert.ErrorIs(t, err, sms.ErrNotFound)
	lf, idx, ok := l.Find(smstest.ThingKind, "thing-010")
	assert.True(t, ok)
	assert.Equal(t, int64(10), idx)
	assert.Equal(t, p.Leaf, lf)
}

func TestLeavesRoundTrip(t *testing.T) {
	t.Parallel()
	// Past a chunk boundary.
	n := checkpoint.ChunkLeaves + 17
	var leaves headsOf
	for i := range n {
		leaves = append(leaves, checkpoint.Leaf{Kind: sms.Kind([]string{"change", "incident"}[i*2/n]),
			ID: fmt.Sprintf("0193a0b2-%08d-7abc-8def-0123456789ab", i), Seq: int64(i%9 + 1), Hash: sms.Hash{byte(i), byte(i >> 8)}})
	}
	_, priv := keys(t)
	cp, l, err := checkpoint.Build(context.Background(), leaves, checkpoint.Options{Origin: "o", Time: t0, Signer: priv})
	require.NoError(t, err)
	assert.Len(t, l.Chunks(), 2)
	var buf bytes.Buffer
	_, err = l.WriteTo(&buf)
	require.NoError(t, err)
	assert.Less(t, buf.Len(), n*60, "leaves are kept compactly")
	back, err := checkpoint.ReadLeaves(&buf)
	require.NoError(t, err)
	require.NoError(t, cp.CheckLeaves(back))
	var got headsOf
	require.NoError(t, back.Each(func(lf checkpoint.Leaf) error { got = append(got, lf); return nil }))
	assert.Equal(t, leaves, got)
	fromChunks, err := checkpoint.FromChunks(l.Chunks())
	require.NoError(t, err)
	assert.NoError(t, cp.CheckLeaves(fromChunks))

	// Chunks out of order, or garbage, do not decode as leaves.
	c := l.Chunks()
	_, err = checkpoint.FromChunks([][]byte{c[1], c[0]})
	assert.Error(t, err)
	_, err = checkpoint.FromChunks([][]byte{{9, 9, 9}})
	assert.Error(t, err)
	_, err = checkpoint.ReadLeaves(bytes.NewReader([]byte("not leaves")))
	assert.Error(t, err)
}

func FuzzReadLeaves(f *testing.F) {
	var buf bytes.Buffer
	l := &checkpoint.Leaves{}
	_, _ = l.WriteTo(&buf)
	f.Add(buf.Bytes())
	_, priv := keys(f)
	_, l2, _ := checkpoint.Build(context.Background(), headsOf{{Kind: "k", ID: "a", Seq: 1}, {Kind: "k", ID: "ab", Seq: 2}},
		checkpoint.Options{Origin: "o", Time: t0, Signer: priv})
	buf.Reset()
	_, _ = l2.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := checkpoint.ReadLeaves(bytes.NewReader(data))
		if err != nil {
			return
		}
		var prev *checkpoint.Leaf
		err = l.Each(func(lf checkpoint.Leaf) error {
			if prev != nil && (prev.Kind > lf.Kind || (prev.Kind == lf.Kind && prev.ID >= lf.ID)) {
				return errors.New("out of order")
			}
			p := lf
			prev = &p
			return nil
		})
		if err != nil {
			t.Fatalf("decoded leaves that are not in order: %v", err)
		}
	})
}

// An auditor's tool reads checkpoints and proofs from files: whatever they
// hold, verification answers with an error, never a panic, and accepts
// only what the key signed.
func FuzzVerifyProof(f *testing.F) {
	pub, _ := keys(f)
	b := newBook(f, 5, 2)
	cp, l := build(f, b, nil, t0)
	p, err := l.Prove(smstest.ThingKind, "thing-002")
	if err != nil {
		f.Fatal(err)
	}
	rawCP, _ := json.Marshal(cp)
	rawP, _ := json.Marshal(p)
	f.Add(rawCP, rawP)
	f.Add([]byte(`{"size":-1}`), []byte(`{"index":-5,"size":-1,"path":[]}`))
	f.Fuzz(func(t *testing.T, cpData, proofData []byte) {
		var c checkpoint.Checkpoint
		var pr checkpoint.Proof
		if json.Unmarshal(cpData, &c) != nil || json.Unmarshal(proofData, &pr) != nil {
			return
		}
		err := c.VerifyProof(pub, &pr)
		if err == nil && (!bytes.Equal(c.Key, pub) || !ed25519.Verify(pub, c.SignedBytes(), c.Signature)) {
			t.Fatalf("a proof verified against a checkpoint the key did not sign")
		}
		_ = checkpoint.VerifyRecord(&c, pub, &pr, nil)
	})
}
