package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

// fuzzFixture stores the same things in memstore, the reference, and in
// sqlstore on SQLite.
func fuzzFixture(t testing.TB) (ref, got sms.Store[*smstest.Thing]) {
	ctx := context.Background()
	mem := memstore.New[*smstest.Thing]()
	s, err := sqlstore.New[*smstest.Thing](ctx, openFile(t), sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	// Stored text is valid UTF-8 (the JSON document keeps nothing else);
	// queries may hold anything.
	statuses := []string{"open", "closed", "on_hold", "é", "Open", "a b", "x\x00y", "\ufffd"}
	services := []string{"", "svc", "Svc", "svc ", "ü", "\x00"}
	owners := []string{"", "alice", "bob", "ALICE"}
	ids := []string{"a", "B", "b", "_", "é", "e", "~", "0", "a b", "zz", "Z", "\u00e9t\u00e9", "x/y", "%", "'", `"`}
	for i := range 60 {
		id := ids[i%len(ids)] + fmt.Sprint(i/len(ids))
		th, en := smstest.NewThing(id, statuses[i%len(statuses)], time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
		th.Service = services[i%len(services)]
		th.Owner = owners[i%len(owners)]
		if i%3 == 0 {
			th.Links = []sms.Link{{Type: "problem", ID: fmt.Sprint("P", i%4)}, {Type: "change", ID: "C"}}
		}
		require.NoError(t, mem.Create(ctx, th.Clone(), en))
		require.NoError(t, s.Create(ctx, th, en))
	}
	return mem, s
}

// FuzzList passes host input (every field of a query) through List on
// SQLite and checks the page against memstore's, the reference: same
// error category, same IDs, same cursor.
func FuzzList(f *testing.F) {
	f.Add("open", "", uint8(1), "", "", "", "", "", 0)
	f.Add("open", "closed", uint8(2), "svc", "alice", "", "", "b0", 3)
	f.Add("é", "\xff", uint8(2), "", "", "problem", "P0", "", 1)
	f.Add("x\x00y", "", uint8(1), "\x00", "", "change", "C", "a", 2)
	f.Add("open", "on_hold", uint8(40), "", "bob", "", "", "", 5)
	f.Add("", "", uint8(0), "", "", "problem", "", "", -1)
	f.Add("open", "", uint8(1), "", "", "", "", "", 1001)
	f.Add("'; DROP TABLE sms_entities; --", "%", uint8(2), "' OR 1=1 --", "", "", "", "", 7)
	ref, got := fuzzFixture(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s1, s2 string, n uint8, service, owner, linkType, linkID, after string, limit int) {
		q := sms.Query{Service: service, Owner: owner, Link: sms.Link{Type: linkType, ID: linkID}, After: after, Limit: limit}
		switch {
		case n == 1:
			q.Status = []string{s1}
		case n >= 2:
			q.Status = []string{s1, s2}
			for i := 2; i < int(n%64); i++ {
				q.Status = append(q.Status, fmt.Sprint(s1, i))
			}
		}
		for pages := 0; pages < 100; pages++ {
			want, werr := ref.List(ctx, q)
			have, herr := got.List(ctx, q)
			if (werr == nil) != (herr == nil) || (werr != nil && !errors.Is(herr, sms.ErrInvalid)) {
				t.Fatalf("List(%+v): memstore says %v, sqlstore %v", q, werr, herr)
			}
			if werr != nil {
				return
			}
			if !slices.Equal(idsOf(want.Items), idsOf(have.Items)) || want.Next != have.Next {
				t.Fatalf("List(%+v):\nmemstore %q next %q\nsqlstore %q next %q", q, idsOf(want.Items), want.Next, idsOf(have.Items), have.Next)
			}
			if want.Next == "" {
				return
			}
			q.After = want.Next
		}
		t.Fatalf("List(%+v) never ended", q)
	})
}

func idsOf(items []*smstest.Thing) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}
