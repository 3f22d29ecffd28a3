package checkpoint

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// Checkpoint is a signed statement about a store: at Time, the store named
// Origin held Size entity journals whose heads, as leaves in (kind, ID)
// order, have the Merkle tree root Root. Seq numbers the store's
// checkpoints from 1, and Prev is the root of the checkpoint before it
// (zero for the first), so that checkpoints form a chain. It is signed with
// the host's Ed25519 key, whose public half is Key.
//
// A checkpoint is small (a few hundred bytes of JSON): an auditor keeps the
// file outside the database. Its leaves live elsewhere (see [Leaves]); they
// need not be trusted, since the root authenticates them.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Size   int64     `json:"size"`
	Root   sms.Hash  `json:"root"`
	Prev   sms.Hash  `json:"prev"`
	// Key is the Ed25519 public key that signed the checkpoint.
	Key ed25519.PublicKey `json:"key"`
	// Signature is Ed25519 over [Checkpoint.SignedBytes].
	Signature []byte `json:"signature"`
}

const signedVersion = "sms/checkpoint/v1"

// SignedBytes returns what the signature covers: every field but the
// signature, in a fixed binary encoding.
func (cp *Checkpoint) SignedBytes() []byte {
	b := []byte(signedVersion)
	b = appendString(b, cp.Origin)
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Time.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(cp.Time.Nanosecond()))
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Size))
	b = append(b, cp.Root[:]...)
	b = append(b, cp.Prev[:]...)
	return appendString(b, string(cp.Key))
}

// KeyID returns a short name of the key that signed the checkpoint: the
// first 8 bytes of the public key, in hex.
func (cp *Checkpoint) KeyID() string {
	if len(cp.Key) < 8 {
		return ""
	}
	return hex.EncodeToString(cp.Key[:8])
}

// Error is a checkpoint that does not verify, or a store that does not
// match one. It unwraps to [sms.ErrCorrupt].
type Error struct {
	// Problem says what does not verify.
	Problem string
}

// Error implements the error interface.
func (e *Error) Error() string { return "checkpoint: " + e.Problem }

// Unwrap returns [sms.ErrCorrupt].
func (e *Error) Unwrap() error { return sms.ErrCorrupt }

func fail(format string, args ...any) error { return &Error{Problem: fmt.Sprintf(format, args...)} }

// VerifySignature checks that the checkpoint is signed by pub, the key the
// auditor trusts (not merely the key the checkpoint names).
func (cp *Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return &sms.ValidationError{Field: "public key", Problem: "is not an Ed25519 public key"}
	}
	if !bytes.Equal(cp.Key, pub) {
		return fail("checkpoint %d of %q is signed by key %s, not by the trusted key", cp.Seq, cp.Origin, cp.KeyID())
	}
	if !ed25519.Verify(pub, cp.SignedBytes(), cp.Signature) {
		return fail("checkpoint %d of %q: the signature does not verify", cp.Seq, cp.Origin)
	}
	return nil
}

// CheckLeaves checks that l are the checkpoint's leaves: as many as Size,
// in order, with the root Root.
func (cp *Checkpoint) CheckLeaves(l *Leaves) error {
	if l == nil {
		return fail("checkpoint %d: no leaves to check", cp.Seq)
	}
	if l.Len() != cp.Size {
		return fail("checkpoint %d covers %d journals, the leaves given hold %d", cp.Seq, cp.Size, l.Len())
	}
	var t hasher
	var buf []byte
	var prev *Leaf
	err := l.Each(func(lf Leaf) error {
		if prev != nil && !less(prev, &lf) {
			return fail("checkpoint %d: leaf %s is out of order", cp.Seq, lf)
		}
		p := lf
		prev = &p
		buf = lf.encode(buf[:0])
		t.add(leafHash(buf))
		return nil
	})
	if err != nil {
		return err
	}
	if t.root() != cp.Root {
		return fail("checkpoint %d: the leaves given do not hash to its root: they were altered", cp.Seq)
	}
	return nil
}

// Heads is what a checkpoint is built from: every entity journal's head,
// as a [Leaf], in (kind, ID) byte order, each entity once. sqlstore's
// Evidence reads them from the journal table.
type Heads interface {
	Heads(ctx context.Context, fn func(Leaf) error) error
}

// Options configure [Build].
type Options struct {
	// Origin names the store; every checkpoint of one store carries the
	// same. Required.
	Origin string
	// Time is the checkpoint's time; required (the library reads no clock
	// of its own here).
	Time time.Time
	// Prev is the store's latest checkpoint, or nil for its first.
	Prev *Checkpoint
	// Signer signs the checkpoint: an ed25519.PrivateKey, or any
	// crypto.Signer whose public key is Ed25519 (a key in an HSM). The
	// library holds no key of its own.
	Signer crypto.Signer
}

// Build reads every head from h and returns the signed checkpoint and its
// leaves. It refuses heads out of order or repeated, and an entity with no
// entry, with a [*sms.ValidationError].
func Build(ctx context.Context, h Heads, o Options) (*Checkpoint, *Leaves, error) {
	if h == nil {
		return nil, nil, &sms.ValidationError{Field: "heads", Problem: "is nil"}
	}
	if strings.TrimSpace(o.Origin) == "" || len(o.Origin) > 256 {
		return nil, nil, &sms.ValidationError{Field: "origin", Problem: "must name the store, in at most 256 bytes"}
	}
	if o.Time.IsZero() {
		return nil, nil, &sms.ValidationError{Field: "time", Problem: "is required"}
	}
	if o.Signer == nil {
		return nil, nil, &sms.ValidationError{Field: "signer", Problem: "is required: the host's Ed25519 key"}
	}
	pub, ok := o.Signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, nil, &sms.ValidationError{Field: "signer", Problem: fmt.Sprintf("signs with a %T key, not Ed25519", o.Signer.Public())}
	}
	cp := &Checkpoint{Origin: o.Origin, Seq: 1, Time: o.Time.UTC(), Key: pub}
	if o.Prev != nil {
		if o.Prev.Origin != o.Origin {
			return nil, nil, &sms.ValidationError{Field: "prev", Problem: fmt.Sprintf("is a checkpoint of %q, not of %q", o.Prev.Origin, o.Origin)}
		}
		cp.Seq, cp.Prev = o.Prev.Seq+1, o.Prev.Root
	}
	l := &Leaves{}
	var t hasher
	var buf []byte
	err := h.Heads(ctx, func(lf Leaf) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if lf.Kind == "" || strings.ContainsRune(string(lf.Kind), 0) || sms.ValidateID(lf.ID) != nil || lf.Seq < 1 {
			return &sms.ValidationError{Field: "heads", Problem: fmt.Sprintf("a head with an invalid kind, ID or sequence: %s", lf)}
		}
		if l.n > 0 && !less(&l.last, &lf) {
			return &sms.ValidationError{Field: "heads", Problem: fmt.Sprintf("%s does not follow %s: heads must come in (kind, ID) order, once each", lf, l.last)}
		}
		buf = lf.encode(buf[:0])
		t.add(leafHash(buf))
		l.add(&lf)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	l.flush()
	cp.Size, cp.Root = l.n, t.root()
	sig, err := o.Signer.Sign(nil, cp.SignedBytes(), crypto.Hash(0))
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: signing: %w", err)
	}
	cp.Signature = sig
	return cp, l, nil
}

// Journals reads one entity's journal, for verification: sqlstore's
// Evidence, or a host's own store. It returns a [*sms.NotFoundError] when
// the entity has no journal.
type Journals interface {
	Journal(ctx context.Context, kind sms.Kind, id string) ([]sms.Entry, error)
}

// Problem is one way a store no longer matches a checkpoint.
type Problem struct {
	Leaf Leaf `json:"leaf"`
	// What is "erased", "truncated", "rewritten" or "broken".
	What   string `json:"what"`
	Detail string `json:"detail"`
}

// String returns a line for a report.
func (p Problem) String() string { return fmt.Sprintf("%s %s: %s", p.What, p.Leaf, p.Detail) }

// Report is the result of [Verify].
type Report struct {
	Checkpoint *Checkpoint `json:"checkpoint"`
	// Checked counts the journals examined: every leaf of the checkpoint.
	Checked int64 `json:"checked"`
	// Problems lists every journal that no longer matches, in leaf order.
	Problems []Problem `json:"problems"`
}

// OK reports whether every journal the checkpoint covered still holds what
// it held then.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify proves, for a checkpoint the auditor kept, that the store still
// holds every history it covered: the signature is pub's, the leaves are
// the checkpoint's, and for every leaf the entity's journal still exists
// (no erasure), still reaches that sequence (no truncation), still has
// that entry there (no rewrite) and verifies as a whole (nothing altered
// after it). Entries added since extend the journal and are fine. A
// problem found in the store is listed in the report; an error means the
// checkpoint or its leaves could not be checked at all.
func Verify(ctx context.Context, cp *Checkpoint, pub ed25519.PublicKey, l *Leaves, j Journals) (*Report, error) {
	if cp == nil || j == nil {
		return nil, &sms.ValidationError{Field: "checkpoint", Problem: "needs a checkpoint and the store's journals"}
	}
	if err := cp.VerifySignature(pub); err != nil {
		return nil, err
	}
	if err := cp.CheckLeaves(l); err != nil {
		return nil, err
	}
	r := &Report{Checkpoint: cp, Problems: []Problem{}}
	err := l.Each(func(lf Leaf) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.Checked++
		entries, err := j.Journal(ctx, lf.Kind, lf.ID)
		if p, ok := compare(lf, entries, err); ok {
			r.Problems = append(r.Problems, p)
		} else if err != nil {
			return err
		}
		return nil
	})
	return r, err
}

// compare judges one journal against its leaf; ok reports a problem. An
// error other than not-found is returned by the caller.
func compare(lf Leaf, entries []sms.Entry, err error) (Problem, bool) {
	switch {
	case errors.Is(err, sms.ErrNotFound):
		return Problem{Leaf: lf, What: "erased", Detail: "the entity's journal is gone"}, true
	case errors.Is(err, sms.ErrCorrupt):
		return Problem{Leaf: lf, What: "broken", Detail: err.Error()}, true
	case err != nil:
		return Problem{}, false
	case int64(len(entries)) < lf.Seq:
		return Problem{Leaf: lf, What: "truncated", Detail: fmt.Sprintf("the journal ends at entry %d; the checkpoint saw entry %d", len(entries), lf.Seq)}, true
	case entries[lf.Seq-1].Hash != lf.Hash || entries[lf.Seq-1].Seq != lf.Seq:
		return Problem{Leaf: lf, What: "rewritten", Detail: fmt.Sprintf("entry %d is not the entry the checkpoint saw", lf.Seq)}, true
	}
	if err := sms.VerifyJournal(entries); err != nil {
		return Problem{Leaf: lf, What: "broken", Detail: err.Error()}, true
	}
	return Problem{}, false
}

// Extends checks that next is a later checkpoint of the same store than
// prev that covers everything prev covered: both are signed by pub and
// their leaves are theirs; every journal of prev is in next at the same or
// a later sequence, with the same hash where the sequence is the same;
// and when next directly follows prev, it names prev's root. It returns
// nil or an [*Error] naming the first entity that breaks the extension.
//
// Extends compares the two checkpoints alone. That a later head still
// chains back to the earlier one is what [Verify] proves against the
// store, for each checkpoint kept.
func Extends(prev, next *Checkpoint, pub ed25519.PublicKey, prevLeaves, nextLeaves *Leaves) error {
	if prev == nil || next == nil {
		return &sms.ValidationError{Field: "checkpoint", Problem: "needs two checkpoints"}
	}
	for _, c := range []struct {
		cp *Checkpoint
		l  *Leaves
	}{{prev, prevLeaves}, {next, nextLeaves}} {
		if err := c.cp.VerifySignature(pub); err != nil {
			return err
		}
		if err := c.cp.CheckLeaves(c.l); err != nil {
			return err
		}
	}
	switch {
	case prev.Origin != next.Origin:
		return fail("checkpoints of two stores: %q and %q", prev.Origin, next.Origin)
	case next.Seq <= prev.Seq:
		return fail("checkpoint %d does not come after checkpoint %d", next.Seq, prev.Seq)
	case next.Time.Before(prev.Time):
		return fail("checkpoint %d is dated before checkpoint %d", next.Seq, prev.Seq)
	case next.Seq == prev.Seq+1 && next.Prev != prev.Root:
		return fail("checkpoint %d does not name checkpoint %d's root as its predecessor", next.Seq, prev.Seq)
	}
	// A merge of the two ordered leaf lists.
	var later []Leaf
	if err := nextLeaves.Each(func(lf Leaf) error { later = append(later, lf); return nil }); err != nil {
		return err
	}
	i := 0
	return prevLeaves.Each(func(lf Leaf) error {
		for i < len(later) && less(&later[i], &lf) {
			i++
		}
		if i == len(later) || less(&lf, &later[i]) {
			return fail("%s of checkpoint %d is missing from checkpoint %d: erased", lf, prev.Seq, next.Seq)
		}
		n := later[i]
		switch {
		case n.Seq < lf.Seq:
			return fail("%s of checkpoint %d is at entry %d in checkpoint %d: truncated", lf, prev.Seq, n.Seq, next.Seq)
		case n.Seq == lf.Seq && n.Hash != lf.Hash:
			return fail("%s of checkpoint %d has another entry %d in checkpoint %d: rewritten", lf, prev.Seq, n.Seq, next.Seq)
		}
		return nil
	})
}

// Proof proves that one entity's journal head is a leaf of a checkpoint:
// the leaf, its index among Size leaves, and the audit path to the root
// (RFC 6962). It lets an auditor check one record without the whole store.
type Proof struct {
	Leaf  Leaf       `json:"leaf"`
	Index int64      `json:"index"`
	Size  int64      `json:"size"`
	Path  []sms.Hash `json:"path"`
}

// Prove returns the inclusion proof of the entity in the leaves, or an
// [*sms.NotFoundError] when they do not hold it. It reads every leaf.
func (l *Leaves) Prove(kind sms.Kind, id string) (*Proof, error) {
	hs := make([]sms.Hash, 0, l.Len())
	var buf []byte
	var found *Leaf
	var index int64
	err := l.Each(func(lf Leaf) error {
		if lf.Kind == kind && lf.ID == id {
			p := lf
			found, index = &p, int64(len(hs))
		}
		buf = lf.encode(buf[:0])
		hs = append(hs, leafHash(buf))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, &sms.NotFoundError{Kind: kind, ID: id}
	}
	return &Proof{Leaf: *found, Index: index, Size: int64(len(hs)), Path: auditPath(index, hs)}, nil
}

// VerifyProof checks that the proof's leaf is included in the checkpoint,
// signed by pub.
func (cp *Checkpoint) VerifyProof(pub ed25519.PublicKey, p *Proof) error {
	if err := cp.VerifySignature(pub); err != nil {
		return err
	}
	if p == nil {
		return &sms.ValidationError{Field: "proof", Problem: "is nil"}
	}
	if p.Size != cp.Size {
		return fail("the proof is for a tree of %d leaves, checkpoint %d has %d", p.Size, cp.Seq, cp.Size)
	}
	leaf := p.Leaf
	r, ok := rootFromPath(leafHash(leaf.encode(nil)), p.Index, p.Size, p.Path)
	if !ok || r != cp.Root {
		return fail("%s is not in checkpoint %d: the proof does not lead to its root", leaf, cp.Seq)
	}
	return nil
}

// VerifyRecord checks one entity against a checkpoint without the rest of
// the store: the proof shows its head was a leaf of the checkpoint signed
// by pub, and journal (the entity's journal as the store returns it now)
// still has that entry at that sequence and verifies.
func VerifyRecord(cp *Checkpoint, pub ed25519.PublicKey, p *Proof, journal []sms.Entry) error {
	if err := cp.VerifyProof(pub, p); err != nil {
		return err
	}
	if pr, bad := compare(p.Leaf, journal, nil); bad {
		return fail("%s", pr)
	}
	return nil
}

// MarshalJSON encodes the checkpoint with its times in UTC.
func (cp *Checkpoint) MarshalJSON() ([]byte, error) {
	type plain Checkpoint
	c := *cp
	c.Time = c.Time.UTC()
	return json.Marshal((*plain)(&c))
}
