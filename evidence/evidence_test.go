package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/supplier"
)

var evT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func evActor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	evBoss = evActor("ida", incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager,
		incident.RoleMajorIncidentManager, incident.RoleCaller)
	evCaller    = evActor("carl", incident.RoleCaller)
	evRequester = evActor("rita", change.RoleRequester)
)

// evWorld is a small wired world on memstore: four incidents (one closed
// as the pipeline demands, one major incident resolved and never reviewed,
// one left new, one read through a tampered store) and two changes.
type evWorld struct {
	ctx       context.Context
	clk       *smstest.Clock
	incStore  *memstore.Store[*incident.Incident]
	incidents *incident.Service // writes, on the plain store
	changes   *change.Service
	closed    string
	major     string
	forged    string
	period    evidence.Period
}

func evIncidentCommand(tr incident.Trigger, now time.Time) incident.Command {
	switch tr {
	case incident.TriggerClassify:
		return incident.Classification{Category: "network", Impact: incident.High, Urgency: incident.High}
	case incident.TriggerAssign:
		return incident.Assignment{Group: "network-ops", Assignee: "rui"}
	case incident.TriggerStart:
		return incident.WorkStart{}
	case incident.TriggerRecordAction:
		return incident.Action{Text: "restarted the VPN concentrator"}
	case incident.TriggerResolve:
		return incident.Resolution{Code: "workaround", Notes: "failed over to the second gateway", RestoredAt: now}
	case incident.TriggerClose:
		return incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller}
	case incident.TriggerProposeMajor:
		return incident.MajorProposal{Reason: "whole office offline"}
	case incident.TriggerAcceptMajor:
		return incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3"}
	case incident.TriggerNotify:
		return incident.Notification{Audience: "top_management", Summary: "VPN outage, ETA 1h"}
	}
	panic("no command for " + string(tr))
}

// evDrive logs an incident and fires the triggers in order.
func evDrive(t testing.TB, ctx context.Context, clk *smstest.Clock, svc *incident.Service, id string, triggers ...incident.Trigger) {
	t.Helper()
	_, err := svc.Log(ctx, evBoss, incident.Report{ID: id, Summary: "VPN down for the Lisbon office", Service: "vpn",
		Source: incident.SourceUser, Reporter: "carl", ReportedAt: clk.Now().Add(-5 * time.Minute)})
	require.NoError(t, err)
	for _, tr := range triggers {
		clk.Advance(time.Minute)
		who := evBoss
		if tr == incident.TriggerClose {
			who = evCaller // a closure on the caller's confirmation is the caller's (INC-06)
		}
		_, err := svc.Do(ctx, who, id, evIncidentCommand(tr, clk.Now()))
		require.NoError(t, err, "%s: %s", id, tr)
	}
}

var evClosedPath = []incident.Trigger{incident.TriggerClassify, incident.TriggerRecordAction, incident.TriggerAssign,
	incident.TriggerStart, incident.TriggerResolve, incident.TriggerClose}

func evNewWorld(t testing.TB) *evWorld {
	t.Helper()
	w := &evWorld{ctx: context.Background(), clk: smstest.NewClock(evT0), incStore: memstore.New[*incident.Incident](),
		closed: "INC-1", major: "INC-2", forged: "INC-3"}
	opts := sms.Options{Now: w.clk.Now}
	var err error
	w.incidents, err = incident.NewService(w.incStore, incident.Config{Policy: incident.DefaultPolicy(), Options: opts})
	require.NoError(t, err)
	evDrive(t, w.ctx, w.clk, w.incidents, w.closed, evClosedPath...)
	evDrive(t, w.ctx, w.clk, w.incidents, w.major, incident.TriggerClassify, incident.TriggerRecordAction,
		incident.TriggerProposeMajor, incident.TriggerAcceptMajor, incident.TriggerNotify, incident.TriggerAssign,
		incident.TriggerStart, incident.TriggerResolve, incident.TriggerNotify)
	evDrive(t, w.ctx, w.clk, w.incidents, w.forged, evClosedPath...)
	evDrive(t, w.ctx, w.clk, w.incidents, "INC-4")

	w.changes, err = change.NewService(change.Stores{Changes: memstore.New[*change.Change](), Plans: memstore.New[*change.TransitionPlan](),
		Templates: memstore.New[*change.Template]()}, change.Config{Policy: change.DefaultPolicy(), Options: opts})
	require.NoError(t, err)
	for _, id := range []string{"CHG-1", "CHG-2"} {
		w.clk.Advance(time.Minute)
		_, err := w.changes.Raise(w.ctx, evRequester, change.Request{ID: id, Summary: "Upgrade the payroll application to 4.2",
			Requester: "rita", Type: change.TypeModify, Model: change.ModelNameNormal, Category: "software", Services: []string{"payroll"},
			ConfigItems: []change.ConfigItem{{ID: "app-1", Type: "application"}}, Reason: "security fixes in 4.2"})
		require.NoError(t, err)
	}
	// Ten days on, the major incident's review is overdue (INC-12).
	w.period = evidence.Period{From: evT0.Add(-24 * time.Hour), To: evT0.Add(10 * 24 * time.Hour)}
	return w
}

// sources returns the world's sources, the incidents read through a store
// on which INC-3's summary was changed by hand.
func (w *evWorld) sources(t testing.TB, store sms.Store[*incident.Incident]) evidence.Sources {
	t.Helper()
	if store == nil {
		store = smstest.Tampered[*incident.Incident](w.incStore, w.forged, func(i *incident.Incident) { i.Summary = "edited in the database" })
	}
	inc, err := w.incidents.WithStore(store)
	require.NoError(t, err)
	return evidence.Sources{Incidents: inc, Changes: w.changes}
}

func evCodes(fs []sms.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func evCheck(p *evidence.Pack, name string) (evidence.Check, bool) {
	for _, c := range p.Checks {
		if c.Result.Check == name {
			return c, true
		}
	}
	return evidence.Check{}, false
}

func TestEvBuildPack(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	pack, err := evidence.Build(w.ctx, w.sources(t, nil), w.period, evidence.Options{})
	require.NoError(t, err)

	assert.Equal(t, evidence.Version, pack.Version)
	assert.Equal(t, w.period, pack.Period)
	assert.Equal(t, w.period.To, pack.AsOf)

	// Checks: processes and numbers; verification is not among them.
	c1, ok := evCheck(pack, "incident-closure-completeness")
	require.True(t, ok)
	assert.Equal(t, evidence.ProcessIncident, c1.Process)
	assert.Equal(t, 1, c1.Number)
	assert.Equal(t, 1, c1.Result.Population, "INC-1 is the one closed incident that verifies; INC-3 does not verify")
	assert.True(t, c1.Result.Passed())
	c2, ok := evCheck(pack, "major-incident-procedure")
	require.True(t, ok)
	assert.Equal(t, 2, c2.Number)
	c5, ok := evCheck(pack, "change-authorized-before-implementation")
	require.True(t, ok)
	assert.Equal(t, evidence.ProcessChange, c5.Process)
	assert.Equal(t, 5, c5.Number)
	own, ok := evCheck(pack, "incident-record")
	require.True(t, ok)
	assert.Zero(t, own.Number, "a check of the library's own beyond the suite")
	_, ok = evCheck(pack, sms.CheckRecordVerification)
	assert.False(t, ok, "record verification goes to Verification")

	// Verification: six records, INC-3 unverified.
	assert.Equal(t, 6, pack.Verification.Records)
	require.Len(t, pack.Verification.Unverified, 1)
	assert.Equal(t, sms.CodeRecordUnverified, pack.Verification.Unverified[0].Code)
	assert.Equal(t, incident.Kind, pack.Verification.Unverified[0].Kind)
	assert.Equal(t, w.forged, pack.Verification.Unverified[0].EntityID)

	// Sweeps: the overdue review, and check 15 failing on it.
	var incSweep *evidence.Sweep
	for i := range pack.Sweeps {
		assert.NotContains(t, evCodes(pack.Sweeps[i].Findings), sms.CodeRecordUnverified)
		if pack.Sweeps[i].Process == evidence.ProcessIncident {
			incSweep = &pack.Sweeps[i]
		}
	}
	require.NotNil(t, incSweep)
	assert.Contains(t, evCodes(incSweep.Findings), incident.CodeMajorReviewOverdue)
	c15, ok := evCheck(pack, evidence.CheckNoOverdue)
	require.True(t, ok)
	assert.Equal(t, 15, c15.Number)
	assert.False(t, c15.Result.Passed())
	var overdue []sms.Finding
	for _, s := range pack.Sweeps {
		for _, f := range s.Findings {
			if f.Code == incident.CodeMajorReviewOverdue {
				overdue = append(overdue, f)
			}
		}
	}
	for _, f := range overdue {
		assert.Contains(t, c15.Result.Failures, f)
	}
	for _, f := range c15.Result.Failures {
		assert.Regexp(t, `_(OVERDUE|MISSING)$`, f.Code)
	}
	assert.Equal(t, 6, c15.Result.Population, "the records of the processes swept")

	// Summary: per clause, the sums over the checks; sorted; titled.
	type sums struct{ checks, passed, failed, examined int }
	want := map[string]sums{}
	for _, c := range pack.Checks {
		s := want[c.Result.Clause]
		s.checks++
		if c.Result.Passed() {
			s.passed++
		} else {
			s.failed++
		}
		s.examined += c.Result.Population
		want[c.Result.Clause] = s
	}
	require.Len(t, pack.Summary, len(want))
	for i, row := range pack.Summary {
		assert.Equal(t, want[row.Clause], sums{row.Checks, row.Passed, row.Failed, row.Examined}, row.Clause)
		assert.NotEmpty(t, row.Title, row.Clause)
		assert.Equal(t, evidence.ClauseTitle(row.Clause), row.Title)
		if i > 0 {
			assert.NotEqual(t, pack.Summary[i-1].Clause, row.Clause)
		}
	}
	clauses := make([]string, len(pack.Summary))
	for i, r := range pack.Summary {
		clauses[i] = r.Clause
	}
	assert.Equal(t, []string{noOverdueClauseForTest, "8.5.1", "8.5.1.1", "8.5.1.1-8.5.1.3", "8.5.1.2, 8.5.2", "8.5.1.3, 8.2.6", "8.5.2",
		"8.6.1", "8.7.3.3"}, clauses, "in the standard's order")

	// Records: every failure, finding and unverified record, once, with its journal.
	byKey := map[[2]string]evidence.Record{}
	for _, r := range pack.Records {
		k := [2]string{string(r.Kind), r.ID}
		_, dup := byKey[k]
		assert.False(t, dup, "%v twice", k)
		byKey[k] = r
	}
	var named []sms.Finding
	for _, c := range pack.Checks {
		named = append(named, c.Result.Failures...)
	}
	for _, s := range pack.Sweeps {
		named = append(named, s.Findings...)
	}
	named = append(named, pack.Verification.Unverified...)
	require.NotEmpty(t, named)
	for _, f := range named {
		r, ok := byKey[[2]string{string(f.Kind), f.EntityID}]
		require.True(t, ok, "%s %s has no record", f.Kind, f.EntityID)
		require.Equal(t, incident.Kind, r.Kind)
		j, err := w.incidents.Journal(w.ctx, r.ID)
		require.NoError(t, err)
		require.Len(t, r.Journal, len(j))
		for i, en := range j {
			assert.Equal(t, evidence.JournalLine{Seq: en.Seq, At: en.At, Trigger: en.Trigger, From: en.From, To: en.To,
				Actor: en.Actor.ID, Reason: en.Reason}, r.Journal[i])
		}
	}
	assert.Equal(t, "closed", byKey[[2]string{string(incident.Kind), w.forged}].Status)
	assert.Equal(t, "resolved", byKey[[2]string{string(incident.Kind), w.major}].Status)
	_, ok = byKey[[2]string{string(incident.Kind), w.closed}]
	assert.False(t, ok, "a conforming record is not drilled into")

	// Diagrams: the lifecycle of every kind examined.
	kinds := map[sms.Kind]string{}
	for _, d := range pack.Diagrams {
		kinds[d.Kind] = d.Mermaid
	}
	assert.Equal(t, incident.Workflow().Mermaid(), kinds[incident.Kind])
	assert.Equal(t, w.changes.Workflow().Mermaid(), kinds[change.Kind])
	assert.Contains(t, kinds, change.PlanKind)
	assert.Contains(t, kinds, change.TemplateKind)
	assert.Len(t, pack.Diagrams, 4)

	// JSON: decodes into an equal pack and encodes the same bytes again.
	var buf bytes.Buffer
	require.NoError(t, pack.WriteJSON(&buf))
	var back evidence.Pack
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, *pack, back)
	var again bytes.Buffer
	require.NoError(t, back.WriteJSON(&again))
	assert.Equal(t, buf.String(), again.String())
	assert.Contains(t, buf.String(), "-->", "HTML characters are not escaped")
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(buf.Bytes(), &fields))
	assert.NotContains(t, fields, "trends")
}

const noOverdueClauseForTest = "8.2.6, 8.3.x, 8.5.1.3, 8.6.3, 8.7.x, 9.2, 9.4, 10.2"

func TestEvMaxRecords(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	pack, err := evidence.Build(w.ctx, w.sources(t, nil), w.period, evidence.Options{MaxRecords: 1})
	require.NoError(t, err)
	require.Len(t, pack.Records, 1)
	assert.Equal(t, 1, pack.RecordsLeftOut, "1 of the 2 records named is left out")
	whole, err := evidence.Build(w.ctx, w.sources(t, nil), w.period, evidence.Options{})
	require.NoError(t, err)
	assert.Len(t, whole.Records, 2)
	assert.Zero(t, whole.RecordsLeftOut)

	_, err = evidence.Build(w.ctx, w.sources(t, nil), w.period, evidence.Options{MaxRecords: -1})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

func TestEvPeriodRefused(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	for _, p := range []evidence.Period{
		{From: evT0, To: evT0.Add(-time.Second)},
		{From: evT0, To: evT0},
		{To: evT0},
		{From: evT0},
	} {
		pack, err := evidence.Build(w.ctx, w.sources(t, nil), p, evidence.Options{})
		assert.ErrorIs(t, err, sms.ErrInvalid, "%v", p)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve)
		assert.Nil(t, pack)
	}
}

func TestEvSourcesInPartRefused(t *testing.T) {
	t.Parallel()
	contracts, err := supplier.NewContracts(memstore.New[*supplier.Contract](), nil, sms.Options{})
	require.NoError(t, err)
	_, err = evidence.Build(context.Background(), evidence.Sources{Contracts: contracts},
		evidence.Period{From: evT0, To: evT0.Add(time.Hour)}, evidence.Options{})
	assert.ErrorIs(t, err, sms.ErrInvalid)
}

// evFailing fails the journal read of every record after the first n.
type evFailing struct {
	sms.Store[*incident.Incident]
	n, calls atomic.Int64
}

var evErrBoom = errors.New("disk on fire")

func (f *evFailing) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	if f.calls.Add(1) > f.n.Load() {
		return nil, evErrBoom
	}
	return f.Store.Journal(ctx, id)
}

func TestEvStoreFailsMidStream(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	bad := &evFailing{Store: w.incStore}
	bad.n.Store(2)
	dir := t.TempDir()
	path := filepath.Join(dir, "evidence.json")
	require.NoError(t, os.WriteFile(path, []byte("the last report\n"), 0o644))
	err := evidence.WriteFile(path, func(out io.Writer) error {
		if _, err := out.Write([]byte(`{"version": "half`)); err != nil {
			return err
		}
		pack, err := evidence.Build(w.ctx, w.sources(t, bad), w.period, evidence.Options{})
		if err != nil {
			return err
		}
		return pack.WriteJSON(out)
	})
	require.Error(t, err)
	var ee *evidence.Error
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, evidence.ProcessIncident, ee.Process)
	assert.Equal(t, incident.Kind, ee.Kind)
	assert.ErrorIs(t, err, evErrBoom)
	assert.Contains(t, err.Error(), "incident")
	assert.Equal(t, int64(3), bad.calls.Load(), "it stopped at the failing read")

	got, rerr := os.ReadFile(path)
	require.NoError(t, rerr)
	assert.Equal(t, "the last report\n", string(got), "the report in place is left as it was")
	entries, rerr := os.ReadDir(dir)
	require.NoError(t, rerr)
	assert.Len(t, entries, 1, "no temporary file left behind: %v", entries)

	// The same write, succeeding, replaces it whole.
	pack, err := evidence.Build(w.ctx, w.sources(t, nil), w.period, evidence.Options{})
	require.NoError(t, err)
	require.NoError(t, evidence.WriteFile(path, pack.WriteJSON))
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	var back evidence.Pack
	require.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, *pack, back)
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}

func TestEvContextEnded(t *testing.T) {
	t.Parallel()
	w := evNewWorld(t)
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	_, err := evidence.Build(ctx, w.sources(t, nil), w.period, evidence.Options{})
	var ee *evidence.Error
	require.ErrorAs(t, err, &ee)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestEvEmptySources(t *testing.T) {
	t.Parallel()
	pack, err := evidence.Build(context.Background(), evidence.Sources{}, evidence.Period{From: evT0, To: evT0.Add(time.Hour)}, evidence.Options{})
	require.NoError(t, err)
	assert.Empty(t, pack.Checks)
	assert.Empty(t, pack.Sweeps)
	assert.NotNil(t, pack.Records)
	var buf bytes.Buffer
	require.NoError(t, pack.WriteJSON(&buf))
	assert.NotContains(t, buf.String(), "null")
	assert.Empty(t, pack.Diagrams)
}
