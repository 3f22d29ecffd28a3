package postgres_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/internal/pgtest"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/postgres"
)

// The two-role set-up: an owner role migrates and owns the tables; the
// application connects as a role with only the grants sqlstore.GrantTo
// gives. The application's role works the library, but cannot change,
// remove or truncate a journal entry, nor disable or drop the triggers
// that guard it, nor drop the tables.
func TestTwoRoles(t *testing.T) {
	t.Parallel()
	admin := pgtest.Admin(t)
	ctx := context.Background()
	owner, app, schema := pgtest.Name("sms_owner"), pgtest.Name("sms_app"), pgtest.Name("sms_roles")
	for _, q := range []string{
		"CREATE ROLE " + owner + " LOGIN",
		"CREATE ROLE " + app + " LOGIN",
		"CREATE SCHEMA " + schema + " AUTHORIZATION " + owner,
	} {
		_, err := admin.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() {
		for _, q := range []string{"DROP SCHEMA " + schema + " CASCADE", "DROP OWNED BY " + app, "DROP ROLE " + app,
			"DROP OWNED BY " + owner, "DROP ROLE " + owner} {
			_, _ = admin.ExecContext(context.Background(), q)
		}
	})
	as := func(role string) *sql.DB {
		db, err := sql.Open("pgx", pgtest.WithParams(pgtest.BaseDSN(t), map[string]string{"user": role, "search_path": schema}))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	ownerDB := as(owner)
	require.NoError(t, sqlstore.Migrate(ctx, ownerDB, postgres.Dialect{}, sqlstore.GrantTo(app)))

	// The application opens its database as usual: Open only reads the
	// schema version, which it may.
	appDB, err := postgres.Open(ctx, pgtest.WithParams(pgtest.BaseDSN(t), map[string]string{"user": app, "search_path": schema}))
	require.NoError(t, err)
	t.Cleanup(func() { appDB.Close() })
	h := storetest.Harness{Dialect: postgres.Dialect{}}
	svc := storetest.Service(t, storetest.NewStore[*incident.Incident](t, h, appDB))
	inc := storetest.WorkedIncident(t, svc, "INC-1")
	_, err = svc.AddNote(ctx, storetest.Actor(), inc.ID, incident.Note{Text: "works as the application role"})
	require.NoError(t, err)
	ev, err := sqlstore.NewEvidence(ctx, appDB, postgres.Dialect{})
	require.NoError(t, err)
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	_, err = ev.Checkpoint(ctx, key, "two-roles", inc.UpdatedAt)
	require.NoError(t, err, "the application may write checkpoints")
	vault, err := sqlstore.NewVault(ctx, appDB, postgres.Dialect{})
	require.NoError(t, err)
	t.Cleanup(func() { vault.Close() })
	sealed, err := vault.Seal(ctx, "person-1", "alice@example.com")
	require.NoError(t, err, "the application may seal personal data")
	erased, err := vault.Erase(ctx, "person-1")
	require.NoError(t, err, "the application may erase personal data")
	assert.Equal(t, 1, erased)
	_, err = vault.Reveal(ctx, sealed)
	assert.ErrorIs(t, err, sms.ErrNotFound)

	refused := []string{
		"UPDATE sms_journal SET reason = 'rewritten'",
		"DELETE FROM sms_journal",
		"TRUNCATE sms_journal",
		"ALTER TABLE sms_journal DISABLE TRIGGER USER",
		"ALTER TABLE sms_journal DISABLE TRIGGER sms_journal_no_change",
		"DROP TRIGGER sms_journal_no_change ON sms_journal",
		"DROP TABLE sms_journal",
		"ALTER TABLE sms_journal OWNER TO " + app,
		"UPDATE sms_checkpoints SET signed = ''",
		"DELETE FROM sms_checkpoint_leaves",
		"TRUNCATE sms_checkpoints",
		"CREATE TABLE " + schema + ".sneaky (x int)",
	}
	for _, q := range refused {
		_, err := appDB.ExecContext(ctx, q)
		var pe *pgconn.PgError
		if assert.ErrorAs(t, err, &pe, "the application role may not: %s", q) {
			assert.Equal(t, "42501", pe.Code, "%s: refused for lack of privilege (insufficient_privilege), not by a trigger the owner could drop: %s", q, pe.Message)
		}
	}
	require.NoError(t, svc.Verify(ctx, inc.ID), "the journal is intact")

	// The owner, which the application never uses, can: the grants are
	// what keeps the application out.
	_, err = ownerDB.ExecContext(ctx, "ALTER TABLE sms_journal DISABLE TRIGGER USER")
	require.NoError(t, err)
	_, err = ownerDB.ExecContext(ctx, "ALTER TABLE sms_journal ENABLE TRIGGER USER")
	require.NoError(t, err)

	// GrantTo is refused where there are no roles, and for an unknown role.
	err = sqlstore.Migrate(ctx, ownerDB, postgres.Dialect{}, sqlstore.GrantTo(pgtest.Name("nobody")))
	var se *sqlstore.Error
	assert.True(t, errors.As(err, &se), "an unknown role: %v", err)
}
