package evidence_test

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// cpStore gives a memstore of incidents the checkpoint's two views: the
// journal heads to sign, and the journals to verify; cut names an
// incident whose journal it returns without its last entry, as a store
// rolled back by hand would.
type cpStore struct {
	s   *memstore.Store[*incident.Incident]
	ids []string
	cut string
}

func (c cpStore) Heads(ctx context.Context, fn func(checkpoint.Leaf) error) error {
	for _, id := range c.ids {
		j, err := c.s.Journal(ctx, id)
		if err != nil {
			return err
		}
		last := j[len(j)-1]
		if err := fn(checkpoint.Leaf{Kind: incident.Kind, ID: id, Seq: last.Seq, Hash: last.Hash}); err != nil {
			return err
		}
	}
	return nil
}

func (c cpStore) Journal(ctx context.Context, _ sms.Kind, id string) ([]sms.Entry, error) {
	j, err := c.s.Journal(ctx, id)
	if err == nil && id == c.cut {
		j = j[:len(j)-1]
	}
	return j, err
}

// A signed checkpoint of the world's incidents: the pack says it verifies,
// and, when one journal was rolled back since, names that incident as a
// CHECKPOINT_PROBLEM among the unverified; a checkpoint without its key is
// refused.
func TestEvCheckpoint(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	st := cpStore{s: w.incStore, ids: []string{w.closed, w.major, "INC-4"}}
	cp, leaves, err := checkpoint.Build(w.ctx, st, checkpoint.Options{Origin: "evidence-test", Time: w.clk.Now().Truncate(time.Second), Signer: priv})
	require.NoError(t, err)
	src := evidence.Sources{Incidents: w.incidents}
	pack, err := evidence.Build(w.ctx, src, w.period, evidence.Options{Checkpoint: &evidence.CheckpointInput{Checkpoint: cp, Public: pub, Leaves: leaves, Journals: st}})
	require.NoError(t, err)
	assert.Contains(t, pack.Verification.Checkpoint, "3 journals checked, 0 problem(s)")
	for _, f := range pack.Verification.Unverified {
		assert.NotEqual(t, evidence.CodeCheckpointProblem, f.Code)
	}

	st.cut = w.major
	pack, err = evidence.Build(w.ctx, src, w.period, evidence.Options{Checkpoint: &evidence.CheckpointInput{Checkpoint: cp, Public: pub, Leaves: leaves, Journals: st}})
	require.NoError(t, err)
	assert.Contains(t, pack.Verification.Checkpoint, "1 problem(s)")
	var found []string
	for _, f := range pack.Verification.Unverified {
		if f.Code == evidence.CodeCheckpointProblem {
			found = append(found, f.EntityID+" "+f.Detail)
		}
	}
	require.Len(t, found, 1)
	assert.True(t, strings.HasPrefix(found[0], w.major+" truncated"), found[0])

	_, err = evidence.Build(w.ctx, src, w.period, evidence.Options{Checkpoint: &evidence.CheckpointInput{Checkpoint: cp, Leaves: leaves, Journals: st}})
	require.ErrorIs(t, err, sms.ErrInvalid)

	// Leaves erased from the store, and a checkpoint signed by another
	// key: each a CHECKPOINT_PROBLEM about the checkpoint, not an error.
	other, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	for name, in := range map[string]evidence.CheckpointInput{
		"its leaves are not in the store": {Checkpoint: cp, Public: pub, Journals: st},
		"not signed by the trusted key":   {Checkpoint: cp, Public: other, Leaves: leaves, Journals: st},
	} {
		pack, err := evidence.Build(w.ctx, src, w.period, evidence.Options{Checkpoint: &in})
		require.NoError(t, err, name)
		assert.Contains(t, pack.Verification.Checkpoint, name)
		require.NotEmpty(t, pack.Verification.Unverified, name)
		f := pack.Verification.Unverified[0]
		assert.Equal(t, evidence.CodeCheckpointProblem, f.Code, name)
		assert.Equal(t, sms.Kind("checkpoint"), f.Kind, name)
	}
}
