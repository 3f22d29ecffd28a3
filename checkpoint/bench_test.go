package checkpoint_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/iso20k/sms/checkpoint"
)

// millionHeads yields the heads of 1,000,000 journals.
type millionHeads struct{}

func (millionHeads) Heads(_ context.Context, fn func(checkpoint.Leaf) error) error {
	for i := range 1_000_000 {
		l := checkpoint.Leaf{Kind: "incident", ID: fmt.Sprintf("0193a0b2-%04x-7abc-8def-%012x", i>>16, i), Seq: int64(i%7 + 1)}
		l.Hash[0], l.Hash[1], l.Hash[2] = byte(i), byte(i>>8), byte(i>>16)
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkVerifyProof is what an auditor's check of one record against a
// checkpoint of 1,000,000 journals costs: the checkpoint's signature and
// the leaf's audit path (20 hashes) to its root. Budget: under 1 ms.
func BenchmarkVerifyProof(b *testing.B) {
	pub, priv := keys(b)
	cp, l, err := checkpoint.Build(context.Background(), millionHeads{}, checkpoint.Options{Origin: "million", Time: t0, Signer: priv})
	if err != nil {
		b.Fatal(err)
	}
	p, err := l.Prove("incident", fmt.Sprintf("0193a0b2-%04x-7abc-8def-%012x", 777777>>16, 777777))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := cp.VerifyProof(pub, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Path)), "path-hashes")
}

// BenchmarkBuildMillion is the in-memory part of a checkpoint over
// 1,000,000 journals: the leaves kept and the root hashed, the signature.
func BenchmarkBuildMillion(b *testing.B) {
	_, priv := keys(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := checkpoint.Build(context.Background(), millionHeads{}, checkpoint.Options{Origin: "million", Time: t0, Signer: priv}); err != nil {
			b.Fatal(err)
		}
	}
}
