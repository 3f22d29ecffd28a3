package sms_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// pipelined is a store that reads concurrently and several journals at
// once, as sqlstore does, so that the kernel verifies its records in a
// pipeline; journals, when set, replaces its Journals, and failList makes
// List fail from that call on.
type pipelined struct {
	sms.Store[*smstest.Thing]
	journals func(ctx context.Context, ids []string) (map[string][]sms.Entry, error)
	lists    atomic.Int32
	failList int32
	batches  atomic.Int32
}

func (p *pipelined) ReadsConcurrently(context.Context) bool { return true }

func (p *pipelined) Journals(ctx context.Context, ids []string) (map[string][]sms.Entry, error) {
	p.batches.Add(1)
	if p.journals != nil {
		return p.journals(ctx, ids)
	}
	out := map[string][]sms.Entry{}
	for _, id := range ids {
		j, err := p.Store.Journal(ctx, id)
		if err != nil {
			continue
		}
		out[id] = j
	}
	return out, nil
}

var errListFailed = errors.New("the listing failed")

func (p *pipelined) List(ctx context.Context, q sms.Query) (sms.Page[*smstest.Thing], error) {
	if n := p.lists.Add(1); p.failList > 0 && n >= p.failList {
		return sms.Page[*smstest.Thing]{}, errListFailed
	}
	return p.Store.List(ctx, q)
}

// verifyFixture stores n things, each with a journal of one to three
// entries, and returns the store with the IDs of forged records.
func verifyFixture(t *testing.T, n int) (sms.Store[*smstest.Thing], []string) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New[*smstest.Thing]()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		th, en := smstest.NewThing(fmt.Sprintf("T-%04d", i), "open", at)
		require.NoError(t, st.Create(ctx, th, en))
		for k := range i % 3 {
			expect := th.Version
			e := smstest.Advance(th, "move", []string{"working", "done"}[k], at.Add(time.Duration(k+1)*time.Minute))
			require.NoError(t, st.Commit(ctx, th, expect, []sms.Entry{e}))
		}
	}
	var s sms.Store[*smstest.Thing] = st
	forged := []string{"T-0003", "T-0040", "T-0041", fmt.Sprintf("T-%04d", n-1)}
	for _, id := range forged {
		s = smstest.Tampered(s, id, func(th *smstest.Thing) { th.Notes = []string{"forged"} })
	}
	return s, forged
}

// verifyTrace lists what VerifyRecords hands on: "ok ID" and "bad ID".
func verifyTrace(t *testing.T, s sms.Store[*smstest.Thing], q sms.Query, stopAfter int) ([]string, error) {
	t.Helper()
	var (
		out []string
		oks int
	)
	err := sms.VerifyRecords(context.Background(), s, q, func(th *smstest.Thing, j []sms.Entry) bool {
		require.NoError(t, sms.VerifyHead(th, j))
		out = append(out, "ok "+th.ID)
		oks++
		return stopAfter == 0 || oks < stopAfter
	}, func(id string, err error) error {
		assert.ErrorIs(t, err, sms.ErrCorrupt)
		out = append(out, "bad "+id)
		return nil
	})
	return out, err
}

// TestVerifyPipeline: a store that reads concurrently and several journals
// at once is verified in a pipeline that hands on exactly what the
// one-at-a-time verification does, in the same order, forged records
// included, whatever the page size.
func TestVerifyPipeline(t *testing.T) {
	t.Parallel()
	plain, forged := verifyFixture(t, 300)
	for _, q := range []sms.Query{{}, {Limit: 7}, {Limit: 1}, {Status: []string{"done"}}} {
		want, err := verifyTrace(t, plain, q, 0)
		require.NoError(t, err)
		p := &pipelined{Store: plain}
		got, err := verifyTrace(t, p, q, 0)
		require.NoError(t, err)
		assert.Equal(t, want, got, "query %+v", q)
		assert.NotZero(t, p.batches.Load(), "the journals were read in batches")
	}
	want, err := verifyTrace(t, plain, sms.Query{}, 0)
	require.NoError(t, err)
	for _, id := range forged {
		assert.Contains(t, want, "bad "+id)
	}
}

// TestVerifyPipelineDistrustsBatchReads: a journal read in a batch is
// verified as one read alone is; a batch that hands a record another's
// journal does not make it verify, and a batch that fails is read again
// one record at a time.
func TestVerifyPipelineDistrustsBatchReads(t *testing.T) {
	t.Parallel()
	plain, _ := verifyFixture(t, 100)
	want, err := verifyTrace(t, plain, sms.Query{}, 0)
	require.NoError(t, err)

	swapped := &pipelined{Store: plain}
	swapped.journals = func(ctx context.Context, ids []string) (map[string][]sms.Entry, error) {
		out := map[string][]sms.Entry{}
		for k, id := range ids {
			j, err := plain.Journal(ctx, ids[(k+1)%len(ids)]) // a neighbour's journal
			if err == nil {
				out[id] = j
			}
		}
		return out, nil
	}
	got, err := verifyTrace(t, swapped, sms.Query{}, 0)
	require.NoError(t, err)
	for _, line := range got {
		assert.Contains(t, line, "bad ", "a record verified against a journal not its own: %s", line)
	}
	assert.Len(t, got, len(want))

	failing := &pipelined{Store: plain}
	failing.journals = func(context.Context, []string) (map[string][]sms.Entry, error) {
		return nil, errors.New("the batch read failed")
	}
	got, err = verifyTrace(t, failing, sms.Query{}, 0)
	require.NoError(t, err)
	assert.Equal(t, want, got, "read again one record at a time")
}

// TestVerifyPipelineStops: fn returning false stops the pipeline (no call
// after it); a listing that fails mid-way returns its error after handing
// on, in order, every record listed before it.
func TestVerifyPipelineStops(t *testing.T) {
	t.Parallel()
	plain, _ := verifyFixture(t, 200)
	want, err := verifyTrace(t, plain, sms.Query{Limit: 10}, 0)
	require.NoError(t, err)

	got, err := verifyTrace(t, &pipelined{Store: plain}, sms.Query{Limit: 10}, 5)
	require.NoError(t, err)
	oks := 0
	for _, l := range got {
		if l[:2] == "ok" {
			oks++
		}
	}
	assert.Equal(t, 5, oks, "no record is handed on after fn says stop")
	assert.Equal(t, want[:len(got)], got)

	p := &pipelined{Store: plain, failList: 4}
	got, err = verifyTrace(t, p, sms.Query{Limit: 10}, 0)
	require.ErrorIs(t, err, errListFailed)
	assert.Equal(t, want[:len(got)], got, "what was listed before the failure, in order")
	assert.GreaterOrEqual(t, len(got), 30, "the three pages listed before the failure")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = sms.VerifyRecords(ctx, &pipelined{Store: plain}, sms.Query{}, func(*smstest.Thing, []sms.Entry) bool { return true },
		func(string, error) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)
}
