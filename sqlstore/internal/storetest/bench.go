package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
)

// WorkedIncident logs an incident and brings it to in_progress, ready to be
// put on hold and resumed.
func WorkedIncident(tb testing.TB, svc *incident.Service, id string) *incident.Incident {
	tb.Helper()
	ctx := context.Background()
	a := Actor()
	_, err := svc.Log(ctx, a, Report(id))
	require.NoError(tb, err)
	_, err = svc.Classify(ctx, a, id, incident.Classification{Category: "software", Impact: 2, Urgency: 2})
	require.NoError(tb, err)
	_, err = svc.Assign(ctx, a, id, incident.Assignment{Group: "payments-team", Assignee: "agent-1"})
	require.NoError(tb, err)
	inc, err := svc.Start(ctx, a, id, incident.WorkStart{})
	require.NoError(tb, err)
	return inc
}

// BenchTransition measures one full transition through incident.Service
// on a store: read the incident, authorise, check the guards, apply, hash
// the journal entry, commit entity and entry in one transaction. It
// alternates hold and resume, so every transition changes the status.
func BenchTransition(b *testing.B, store sms.Store[*incident.Incident]) {
	svc := Service(b, store)
	inc := WorkedIncident(b, svc, "INC-bench")
	ctx, a := context.Background(), Actor()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var err error
		if i%2 == 0 {
			_, err = svc.Hold(ctx, a, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
		} else {
			_, err = svc.Resume(ctx, a, inc.ID, incident.Resumption{})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchRawFloor measures the floor of a durable transition: the same
// UPDATE of the entity row (version check included) and INSERT of a journal
// row as a transition makes, written by hand with prepared statements in
// one transaction, with values computed once.
func BenchRawFloor(b *testing.B, h Harness, db *sql.DB) {
	ctx := context.Background()
	store := NewStore[*incident.Incident](b, h, db)
	inc := WorkedIncident(b, Service(b, store), "INC-floor")
	doc, err := json.Marshal(inc)
	require.NoError(b, err)
	update, err := db.PrepareContext(ctx, Rebind(h.Dialect,
		"UPDATE sms_entities SET version = ?, status = ?, updated_us = ?, doc = ? WHERE kind = ? AND id = ? AND version = ?"))
	require.NoError(b, err)
	defer update.Close()
	insert, err := db.PrepareContext(ctx, Rebind(h.Dialect, "INSERT INTO sms_journal (kind, entity_id, seq, entry_id, at_us, trig, "+
		"from_status, to_status, actor_id, actor_roles, reason, payload, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
	require.NoError(b, err)
	defer insert.Close()
	var (
		v        = inc.Version
		statuses = [2]string{string(incident.StatusOnHold), string(incident.StatusInProgress)}
		triggers = [2]string{string(incident.TriggerHold), string(incident.TriggerResume)}
		hash     sms.Hash
		now      = time.Now().UnixMicro()
		sdoc     = string(doc)
	)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		res, err := tx.StmtContext(ctx, update).ExecContext(ctx, v+1, statuses[i%2], now, sdoc, string(incident.Kind), inc.ID, v)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			b.Fatalf("updated %d rows: %v", n, err)
		}
		if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, string(incident.Kind), inc.ID, v+1, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
			now, triggers[i%2], statuses[(i+1)%2], statuses[i%2], "agent-1", `["service_desk","resolver"]`, "",
			`[{"k":"reason","v":"caller"}]`, hash[:], hash[:]); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		v++
	}
}

// BenchParallelTransitions runs transitions from parallel goroutines, each
// on an incident of its own: the throughput of concurrent writers.
func BenchParallelTransitions(b *testing.B, store sms.Store[*incident.Incident]) {
	svc := Service(b, store)
	var next atomic.Int64
	ctx, a := context.Background(), Actor()
	b.ReportAllocs()
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprint("INC-par-", next.Add(1))
		inc := WorkedIncident(b, svc, id)
		for i := 0; pb.Next(); i++ {
			var err error
			if i%2 == 0 {
				_, err = svc.Hold(ctx, a, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
			} else {
				_, err = svc.Resume(ctx, a, inc.ID, incident.Resumption{})
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchHostTx measures the transition of [BenchTransition] run inside a
// transaction the host begins and commits (sqlstore.WithTx): BEGIN, the
// transition under its savepoint, COMMIT, the deferred notifications.
func BenchHostTx(b *testing.B, db *sql.DB, store sms.Store[*incident.Incident]) {
	svc := Service(b, store)
	inc := WorkedIncident(b, svc, "INC-bench")
	ctx, a := context.Background(), Actor()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		inTx, after := sqlstore.WithTx(ctx, db, tx)
		if i%2 == 0 {
			_, err = svc.Hold(inTx, a, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
		} else {
			_, err = svc.Resume(inTx, a, inc.ID, incident.Resumption{})
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		after.Committed()
	}
}

// threeSteps are a helpdesk action of three transitions that ends where it
// began: hold, note, resume.
func threeSteps() []incident.Command {
	return []incident.Command{
		incident.Suspension{Reason: incident.HoldCaller},
		incident.Note{Text: "asked the caller for the error message"},
		incident.Resumption{},
	}
}

// BenchThreeTransitions is threeSteps as three transitions, one commit
// each: the floor BenchThreeSteps is compared with.
func BenchThreeTransitions(b *testing.B, store sms.Store[*incident.Incident]) {
	benchThree(b, store, func(ctx context.Context, svc *incident.Service, a sms.Actor, id string, cmds []incident.Command) error {
		for _, c := range cmds {
			if _, err := svc.Do(ctx, a, id, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchThreeSteps is threeSteps as one sequence (incident.Service.DoSteps):
// one read, one commit of three journal entries; budget: less than
// BenchThreeTransitions.
func BenchThreeSteps(b *testing.B, store sms.Store[*incident.Incident]) {
	benchThree(b, store, func(ctx context.Context, svc *incident.Service, a sms.Actor, id string, cmds []incident.Command) error {
		_, err := svc.DoSteps(ctx, a, id, cmds...)
		return err
	})
}

// benchThree measures do with threeSteps on an incident in progress.
func benchThree(b *testing.B, store sms.Store[*incident.Incident],
	do func(ctx context.Context, svc *incident.Service, a sms.Actor, id string, cmds []incident.Command) error) {
	svc := Service(b, store)
	inc := WorkedIncident(b, svc, "INC-bench")
	ctx, a := context.Background(), Actor()
	cmds := threeSteps()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := do(ctx, svc, a, inc.ID, cmds); err != nil {
			b.Fatal(err)
		}
	}
}
