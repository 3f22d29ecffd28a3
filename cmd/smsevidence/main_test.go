package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

var evT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// evDatabase writes a SQLite file with three incidents made through the
// service (two closed, one left new) and a change, then edits the summary
// of INC-2 by hand, outside the library.
func evDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sms.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	clk := smstest.NewClock(evT0)
	opts := sms.Options{Now: clk.Now}
	incStore, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer incStore.Close()
	svc, err := incident.NewService(incStore, incident.Config{Policy: incident.DefaultPolicy(), Options: opts})
	require.NoError(t, err)
	boss := sms.Actor{ID: "ida", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager}}
	caller := sms.Actor{ID: "carl", Roles: []sms.Role{incident.RoleCaller}}
	for _, id := range []string{"INC-1", "INC-2", "INC-3"} {
		_, err := svc.Log(ctx, boss, incident.Report{ID: id, Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
			Reporter: "carl", ReportedAt: clk.Now().Add(-time.Minute)})
		require.NoError(t, err)
		if id == "INC-3" {
			continue
		}
		for _, c := range []incident.Command{
			incident.Classification{Category: "network", Impact: incident.High, Urgency: incident.High},
			incident.Action{Text: "restarted the VPN concentrator"},
			incident.Assignment{Group: "network-ops", Assignee: "rui"},
			incident.WorkStart{},
			incident.Resolution{Code: "workaround", Notes: "failed over", RestoredAt: clk.Now()},
			incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller},
		} {
			clk.Advance(time.Minute)
			who := boss
			if _, ok := c.(incident.Closure); ok {
				who = caller
			}
			_, err := svc.Do(ctx, who, id, c)
			require.NoError(t, err, "%s %s", id, c.Trigger())
		}
	}
	chStore, err := sqlstore.New[*change.Change](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer chStore.Close()
	tpStore, err := sqlstore.New[*change.TransitionPlan](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer tpStore.Close()
	tplStore, err := sqlstore.New[*change.Template](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	defer tplStore.Close()
	chg, err := change.NewService(change.Stores{Changes: chStore, Plans: tpStore, Templates: tplStore},
		change.Config{Policy: change.DefaultPolicy(), Options: opts})
	require.NoError(t, err)
	_, err = chg.Raise(ctx, sms.Actor{ID: "rita", Roles: []sms.Role{change.RoleRequester}}, change.Request{ID: "CHG-1",
		Summary: "Upgrade payroll", Requester: "rita", Type: change.TypeModify, Model: change.ModelNameNormal, Category: "software",
		Services: []string{"payroll"}, ConfigItems: []change.ConfigItem{{ID: "app-1", Type: "application"}}, Reason: "security fixes"})
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `UPDATE sms_entities SET doc = json_set(doc, '$.summary', 'edited by hand') WHERE kind = 'incident' AND id = 'INC-2'`)
	require.NoError(t, err)
	return path
}

func TestEvCommandWritesThePack(t *testing.T) {
	t.Parallel()
	path := evDatabase(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01T00:00:00+02:00", "-out", out}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "evidence.json")

	raw, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	require.NoError(t, err)
	var pack evidence.Pack
	require.NoError(t, json.Unmarshal(raw, &pack))
	assert.Equal(t, evidence.Version, pack.Version)
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), pack.Period.From)
	assert.Equal(t, time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC), pack.Period.To)
	assert.Equal(t, pack.Period.To, pack.AsOf)
	assert.Equal(t, 4, pack.Verification.Records, "three incidents and a change")
	require.Len(t, pack.Verification.Unverified, 1)
	assert.Equal(t, "INC-2", pack.Verification.Unverified[0].EntityID)
	var c1 *evidence.Check
	for i := range pack.Checks {
		if pack.Checks[i].Result.Check == "incident-closure-completeness" {
			c1 = &pack.Checks[i]
		}
	}
	require.NotNil(t, c1)
	assert.Equal(t, 1, c1.Number)
	assert.Equal(t, 1, c1.Result.Population, "INC-1; INC-2 does not verify")
	found := false
	for _, r := range pack.Records {
		if r.Kind == incident.Kind && r.ID == "INC-2" {
			found = true
			assert.Len(t, r.Journal, 7)
			assert.Equal(t, "closed", r.Status)
		}
	}
	assert.True(t, found, "the unverified incident is drilled into")
	kinds := map[string]bool{}
	for _, d := range pack.Diagrams {
		kinds[string(d.Kind)] = true
	}
	for _, k := range []string{"incident", "change", "review", "agreement", "supplier", "continuity_plan", "audit", "nonconformity", "improvement_opportunity"} {
		assert.True(t, kinds[k], "diagram of %s", k)
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "evidence.json and evidence.html, no temporary left")
	page, err := os.ReadFile(filepath.Join(out, "evidence.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), `<section id="summary"`)
}

func TestEvCommandExitCodes(t *testing.T) {
	t.Parallel()
	path := evDatabase(t)
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"-db", path, "-from", "2026-03-01", "-out", out}, exitUsage},
		{[]string{"-db", path, "-from", "2026-04-01", "-to", "2026-03-01", "-out", out}, exitUsage},
		{[]string{"-db", path, "-from", "March", "-to", "2026-04-01", "-out", out}, exitUsage},
		{[]string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01"}, exitUsage},
		{[]string{"-store", "oracle", "-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", out}, exitUsage},
		{[]string{"-store", "postgres", "-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", out}, exitUsage},
		{[]string{"-from", "2026-03-01", "-to", "2026-04-01", "-out", out}, exitUsage},
		{[]string{"-nope"}, exitUsage},
		{[]string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", out, "-checkpoint", "cp.json"}, exitUsage},
		{[]string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", out, "-checkpoint", filepath.Join(out, "none.json"), "-pub", filepath.Join(out, "none.pub")}, exitFailure},
		{[]string{"-db", filepath.Join(out, "missing.db"), "-from", "2026-03-01", "-to", "2026-04-01", "-out", out}, exitFailure},
		{[]string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", filepath.Join(path, "sub")}, exitFailure},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, c.code, run(context.Background(), c.args, &stdout, &stderr), "%v: %s", c.args, stderr.String())
		assert.NotEmpty(t, stderr.String(), "%v says why", c.args)
	}
	_, err := os.Stat(filepath.Join(out, "evidence.json"))
	assert.True(t, os.IsNotExist(err), "nothing written by a refused run")
}

// evWritePEM writes der as a PEM block of the type to a new file in dir.
func evWritePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}

// TestEvCommandVerifiesACheckpoint: with -checkpoint and -pub the journals
// are verified against the signed checkpoint: all of them while they hold
// what it covered, and a journal rolled back by hand (its last entry
// deleted, the append-only trigger dropped first) a CHECKPOINT_PROBLEM; a
// key the checkpoint was not signed with is one too.
func TestEvCommandVerifiesACheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := evDatabase(t)
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pubFile := evWritePEM(t, dir, "host.pub", "PUBLIC KEY", pubDER)
	otherPub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	otherDER, err := x509.MarshalPKIXPublicKey(otherPub)
	require.NoError(t, err)
	otherFile := evWritePEM(t, dir, "other.pub", "PUBLIC KEY", otherDER)

	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	ev, err := sqlstore.NewEvidence(ctx, db, sqlite.Dialect{})
	require.NoError(t, err)
	cp, err := ev.Checkpoint(ctx, priv, "evidence-test", evT0.Add(time.Hour))
	require.NoError(t, err)
	raw, err := json.Marshal(cp)
	require.NoError(t, err)
	cpFile := filepath.Join(dir, "cp.json")
	require.NoError(t, os.WriteFile(cpFile, raw, 0o600))

	build := func(pubFile string) evidence.Pack {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"-db", path, "-from", "2026-03-01", "-to", "2026-04-01", "-out", out, "-checkpoint", cpFile, "-pub", pubFile}, &stdout, &stderr)
		require.Equal(t, exitOK, code, "stderr: %s", stderr.String())
		raw, err := os.ReadFile(filepath.Join(out, "evidence.json"))
		require.NoError(t, err)
		var pack evidence.Pack
		require.NoError(t, json.Unmarshal(raw, &pack))
		return pack
	}
	problems := func(p evidence.Pack) []string {
		var out []string
		for _, f := range p.Verification.Unverified {
			if f.Code == evidence.CodeCheckpointProblem {
				out = append(out, string(f.Kind)+"/"+f.EntityID)
			}
		}
		return out
	}

	pack := build(pubFile)
	assert.Contains(t, pack.Verification.Checkpoint, "4 journals checked, 0 problem(s)")
	assert.Empty(t, problems(pack))

	_, err = db.ExecContext(ctx, "DROP TRIGGER sms_journal_no_delete")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "DELETE FROM sms_journal WHERE kind = 'incident' AND entity_id = 'INC-1' AND seq = (SELECT max(seq) FROM sms_journal WHERE kind = 'incident' AND entity_id = 'INC-1')")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	pack = build(pubFile)
	assert.Contains(t, pack.Verification.Checkpoint, "1 problem(s)")
	assert.Equal(t, []string{"incident/INC-1"}, problems(pack))

	pack = build(otherFile)
	assert.Contains(t, pack.Verification.Checkpoint, "not signed by the trusted key")
	assert.Equal(t, []string{"checkpoint/" + fmt.Sprint(cp.Seq)}, problems(pack))
}
