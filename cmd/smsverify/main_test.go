package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

func smsverify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String() + errOut.String()
}

// incidents writes a SQLite database with a few worked incidents.
func incidents(t *testing.T, path string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	svc, err := incident.NewService(store, incident.Config{})
	require.NoError(t, err)
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	for _, id := range []string{"INC-1", "INC-2", "INC-3"} {
		_, err := svc.Log(ctx, agent, incident.Report{ID: id, Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
			Reporter: "carl", ReportedAt: time.Now()})
		require.NoError(t, err)
		for _, text := range []string{"looked", "looked again"} {
			_, err = svc.AddNote(ctx, agent, id, incident.Note{Text: text})
			require.NoError(t, err)
		}
	}
	return db
}

func TestHostAndAuditor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sms.db")
	db := incidents(t, path)
	key := filepath.Join(dir, "host")

	code, out := smsverify(t, "keygen", "-out", key)
	require.Equal(t, exitOK, code, out)
	info, err := os.Stat(key + ".key")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the private key is its owner's only")
	code, out = smsverify(t, "keygen", "-out", key)
	assert.Equal(t, exitError, code, "keygen never overwrites a key: %s", out)

	cp1 := filepath.Join(dir, "cp-0001.json")
	code, out = smsverify(t, "checkpoint", "-db", path, "-key", key+".key", "-out", cp1)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "checkpoint 1")
	assert.Contains(t, out, "3 journals")

	code, out = smsverify(t, "verify", "-db", path, "-pub", key+".pub", "-checkpoint", cp1)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "records: 3 verified, 0 do not verify")
	assert.Contains(t, out, "3 journals checked, 0 problem(s)")
	assert.Contains(t, out, "result: everything verifies")

	proof := filepath.Join(dir, "inc-2.json")
	code, out = smsverify(t, "prove", "-db", path, "-checkpoint", cp1, "-entity", "incident/INC-2", "-out", proof)
	require.Equal(t, exitOK, code, out)
	code, out = smsverify(t, "verify", "-db", path, "-pub", key+".pub", "-checkpoint", cp1, "-proof", proof)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "proof of incident/INC-2@3: the record is in checkpoint 1")

	// A second checkpoint extends the first.
	cp2 := filepath.Join(dir, "cp-0002.json")
	code, out = smsverify(t, "checkpoint", "-db", path, "-key", key+".key", "-out", cp2)
	require.Equal(t, exitOK, code, out)
	code, out = smsverify(t, "verify", "-db", path, "-pub", key+".pub", "-checkpoint", cp1, "-checkpoint", cp2)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "checkpoint 2 extends checkpoint 1")

	// Someone with the file drops the triggers, deletes INC-1's last entry
	// and rolls its record back to match, and edits INC-3's summary.
	ctx := context.Background()
	var doc string
	for _, q := range []string{"DROP TRIGGER sms_journal_no_delete"} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	_, err = db.ExecContext(ctx, "DELETE FROM sms_journal WHERE entity_id = 'INC-1' AND seq = 3")
	require.NoError(t, err)
	require.NoError(t, db.QueryRowContext(ctx, "SELECT doc FROM sms_entities WHERE id = 'INC-1'").Scan(&doc))
	_ = doc // the record is left at version 3: Verify reports it too
	_, err = db.ExecContext(ctx, "UPDATE sms_entities SET doc = replace(doc, 'VPN down', 'VPN fine') WHERE id = 'INC-3'")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "DELETE FROM sms_entities WHERE id = 'INC-2'")
	require.NoError(t, err)

	code, out = smsverify(t, "verify", "-db", path, "-pub", key+".pub", "-checkpoint", cp1, "-checkpoint", cp2)
	assert.Equal(t, exitProblems, code, out)
	assert.Contains(t, out, `RECORD_UNVERIFIED incident "INC-3"`)
	assert.Contains(t, out, `RECORD_UNVERIFIED incident "INC-1"`)
	assert.Contains(t, out, "truncated incident/INC-1@3")
	assert.Contains(t, out, `incident "INC-2": its journal has no record`)
	assert.Regexp(t, `result: \d+ problem\(s\) found`, out)

	// Another key does not vouch for the checkpoint.
	other := filepath.Join(dir, "other")
	code, _ = smsverify(t, "keygen", "-out", other)
	require.Equal(t, exitOK, code)
	code, out = smsverify(t, "verify", "-db", path, "-pub", other+".pub", "-checkpoint", cp1)
	assert.Equal(t, exitProblems, code, out)
	assert.Contains(t, out, "NOT SIGNED by the trusted key")
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"verify"}, {"verify", "-db", "nope.db", "-pub", "x"},
		{"prove", "-db", filepath.Join(t.TempDir(), "x.db")}, {"checkpoint", "-db", "a", "-dsn", "b"}} {
		code, out := smsverify(t, args...)
		assert.Equal(t, exitError, code, "%v: %s", args, out)
		assert.NotEmpty(t, strings.TrimSpace(out), "%v says why", args)
	}
}
