package skeleton_test

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/internal/skeleton"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	sam  = sms.Actor{ID: "sam", Roles: []sms.Role{skeleton.RoleStaff, skeleton.RoleReviewer}}
	rhea = sms.Actor{ID: "rhea", Roles: []sms.Role{skeleton.RoleReviewer}}
)

// services is the host's catalogue of services.
type services map[string]bool

func (s services) Known(_ context.Context, name string) (bool, error) {
	if name == "down" {
		return false, errors.New("the service catalogue is unreachable")
	}
	return s[name], nil
}

// instance is the process under the kit: a service on a store of its own.
type instance struct {
	*skeleton.Service
	t testing.TB
}

func newInstance(t testing.TB, store sms.Store[*skeleton.Suggestion]) instance {
	svc, err := skeleton.NewService(store, skeleton.Config{Services: services{"payroll": true}, Options: sms.Options{Now: smstest.NewClock(t0).Now}})
	require.NoError(t, err)
	return instance{svc, t}
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func (in instance) At(t testing.TB, status, _ string) string {
	ctx := context.Background()
	s, err := in.Submit(ctx, sam, skeleton.Submission{Summary: "a faster reset", Service: "payroll"})
	require.NoError(t, err)
	switch skeleton.Status(status) {
	case skeleton.StatusAccepted, skeleton.StatusDone:
		_, err = in.Accept(ctx, rhea, s.ID, skeleton.Decision{})
		require.NoError(t, err)
		if status == string(skeleton.StatusDone) {
			_, err = in.Complete(ctx, sam, s.ID, skeleton.Completion{Outcome: "shipped"})
			require.NoError(t, err)
		}
	case skeleton.StatusDeclined:
		_, err = in.Decline(ctx, rhea, s.ID, skeleton.Declination{Reason: "out of scope"})
		require.NoError(t, err)
	}
	return s.ID
}

var valid = map[skeleton.Trigger]skeleton.Command{
	skeleton.TriggerAccept:   skeleton.Decision{},
	skeleton.TriggerDecline:  skeleton.Declination{Reason: "out of scope"},
	skeleton.TriggerComplete: skeleton.Completion{Outcome: "shipped"},
	skeleton.TriggerNote:     skeleton.Note{Text: "see the forum"},
}

func (in instance) Fire(ctx context.Context, id, trigger string) (*skeleton.Suggestion, error) {
	return in.Do(ctx, rhea, id, valid[skeleton.Trigger(trigger)])
}

// fuzzing adds what the fuzz driver needs.
type fuzzing struct{ instance }

func (f fuzzing) Start(t testing.TB) string { return f.At(t, string(skeleton.StatusSubmitted), "") }

func (f fuzzing) Do(ctx context.Context, id string, s smstest.Step) (*skeleton.Suggestion, error) {
	who := []sms.Actor{sam, rhea, {ID: "nobody"}}[s.Actor%3]
	c := valid[skeleton.Trigger(s.Trigger)]
	if s.Variant%2 == 1 {
		c = map[skeleton.Trigger]skeleton.Command{skeleton.TriggerAccept: skeleton.Decision{}, skeleton.TriggerDecline: skeleton.Declination{},
			skeleton.TriggerComplete: skeleton.Completion{}, skeleton.TriggerNote: skeleton.Note{Text: " "}}[skeleton.Trigger(s.Trigger)]
	}
	return f.instance.Service.Do(ctx, who, id, c)
}

func triggers() []string {
	var out []string
	for _, tr := range skeleton.Triggers()[1:] {
		out = append(out, string(tr))
	}
	return out
}

func process() smstest.Process[*skeleton.Suggestion] {
	var cites []string
	for _, c := range skeleton.Checks() {
		cites = append(cites, c.Cites...)
	}
	return smstest.Process[*skeleton.Suggestion]{
		Workflow: skeleton.Workflow(),
		// Written from the package doc, not from the table.
		Oracle: map[string]map[string]string{
			"submitted": {"accept": "accepted", "decline": "declined", "note": smstest.Stay},
			"accepted":  {"complete": "done", "note": smstest.Stay},
			"declined":  {"note": smstest.Stay},
			"done":      {"note": smstest.Stay},
		},
		Triggers: triggers(), Cites: cites,
		Golden: "testdata/lifecycle.mmd", Doc: "skeleton.go", Update: *update,
		New: func(t testing.TB) smstest.Instance[*skeleton.Suggestion] {
			return newInstance(t, memstore.New[*skeleton.Suggestion]())
		},
	}
}

func TestProcessKit(t *testing.T) { smstest.RunProcess(t, process()) }

func FuzzTransitions(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 0, 0, 3, 0, 1})
	f.Add([]byte{0, 0, 0, 1, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		smstest.FuzzProcess(t, ops, triggers(), fuzzing{newInstance(t, memstore.New[*skeleton.Suggestion]())})
	})
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := newInstance(t, memstore.New[*skeleton.Suggestion]())
	id := in.At(t, "submitted", "")
	_, err := in.Accept(ctx, sam, id, skeleton.Decision{})
	fe := smstest.RequireForbidden(t, err)
	assert.Equal(t, "SKL-02", fe.Requirement.ID, "the submitter does not accept their own suggestion")
	smstest.RequireRefused(t, func() error { _, err := in.Decline(ctx, rhea, id, skeleton.Declination{Reason: " "}); return err }(), "SKL-03")
	smstest.RequireRefused(t, func() error {
		_, err := in.Submit(ctx, sam, skeleton.Submission{Summary: "x", Service: "unknown"})
		return err
	}(), "SKL-01")
	_, err = in.Submit(ctx, sam, skeleton.Submission{Summary: "x", Service: "down"})
	assert.ErrorContains(t, err, "unreachable", "a failure to look ends the transition with it")
	_, err = in.Do(ctx, rhea, id, skeleton.Completion{Outcome: "x"})
	smstest.RequireTransitionRefused(t, err, "complete")
}

func TestConformOnSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sms.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	store, err := sqlstore.New[*skeleton.Suggestion](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	in := newInstance(t, store)
	done := in.At(t, "done", "")
	in.At(t, "declined", "")
	rep, err := in.Conform(ctx, t0)
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check)
	assert.Equal(t, 2, rep.Results[0].Population)

	// The same suggestion forged in the database: reported, not counted.
	forged := newInstance(t, smstest.Tampered[*skeleton.Suggestion](store, done, func(s *skeleton.Suggestion) { s.Outcome = "" }))
	rep, err = forged.Conform(ctx, t0)
	require.NoError(t, err)
	require.Len(t, rep.Results[0].Failures, 1)
	assert.Equal(t, done, rep.Results[0].Failures[0].EntityID)
	assert.Equal(t, 0, rep.Results[2].Population, "the forged record is not examined")
}
