package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"time"

	"github.com/iso20k/sms"
)

// Period is a report's period, [From, To); see [sms.Period].
type Period = sms.Period

// Digest accumulates the digest of the journal state a computation read:
// for every record, its kind, ID, and the sequence and hash of the last
// journal entry at or before the cut-off, in the order the records were
// read (a store lists them by ID). The same records with the same journals
// up to the cut-off give the same digest; an entry recorded later, or a
// record added later, does not change it, and any rewrite of the history
// it covers does.
type Digest struct {
	h hash.Hash
	n int
}

// NewDigest returns an empty digest.
func NewDigest() *Digest { return &Digest{h: sha256.New()} }

// Add adds one record's journal head as of the cut-off.
func (d *Digest) Add(kind sms.Kind, id string, head sms.Entry) {
	fmt.Fprintf(d.h, "%s\x00%s\x00%d\x00%x\n", kind, id, head.Seq, head.Hash[:])
	d.n++
}

// Records is how many records were added.
func (d *Digest) Records() int { return d.n }

// Sum returns the digest, "sha256:" and hex.
func (d *Digest) Sum() string { return "sha256:" + hex.EncodeToString(d.h.Sum(nil)) }

// AsOf returns the prefix of a journal recorded at or before cutoff: the
// record as the library knew it then. It is empty for a record created
// after the cut-off.
func AsOf(journal []sms.Entry, cutoff time.Time) []sms.Entry {
	n := 0
	for n < len(journal) && !journal[n].At.After(cutoff) {
		n++
	}
	return journal[:n]
}

// EachJournal reads every record of a store page by page (bounded memory)
// and calls fn with each record created at or before cutoff and its
// journal as of cutoff ([AsOf]), after adding the record's head to d (nil:
// no digest). A record whose journal does not verify is an error naming
// it: a report is never computed from a history that could be forged.
// fn returning an error stops the walk with it.
func EachJournal[E sms.Entity[E]](ctx context.Context, s sms.Store[E], cutoff time.Time, d *Digest, fn func(e E, journal []sms.Entry) error) error {
	q := sms.Query{Limit: sms.MaxLimit}
	for {
		p, err := s.List(ctx, q)
		if err != nil {
			return fmt.Errorf("report: listing %s after %q: %w", (*new(E)).EntityKind(), q.After, err)
		}
		for _, e := range p.Items {
			id := e.Metadata().ID
			j, err := s.Journal(ctx, id)
			if err != nil {
				return fmt.Errorf("report: reading the journal of %s %q: %w", e.EntityKind(), id, err)
			}
			if err := sms.VerifyHead(e, j); err != nil {
				return fmt.Errorf("report: %s %q does not verify: %w", e.EntityKind(), id, err)
			}
			known := AsOf(j, cutoff)
			if len(known) == 0 {
				continue
			}
			if d != nil {
				d.Add(e.EntityKind(), id, known[len(known)-1])
			}
			if err := fn(e, known); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		q.After = p.Next
	}
}
