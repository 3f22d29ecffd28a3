package storetest

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
	"github.com/iso20k/sms/sqlstore"
)

func vaultTests() []struct {
	name string
	run  func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"VaultContract", testVaultContract},
		{"ErasureKeepsJournalVerifying", testErasure},
	}
}

func testVaultContract(t *testing.T, h Harness) {
	smstest.RunVault(t, func(t *testing.T) sms.Vault {
		v, err := sqlstore.NewVault(bg(), h.Open(t), h.Dialect)
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, v.Close()) })
		return v
	})
}

// testErasure: an incident whose reporter is a sealed e-mail address is
// worked through several transitions; the subject is erased; the journal
// still verifies, the reference still reads back from the record and the
// journal, and neither the address nor its salt is left in any column of
// any table (nor, on SQLite, anywhere in the database's files).
func testErasure(t *testing.T, h Harness) {
	db := h.Open(t)
	vault, err := sqlstore.NewVault(bg(), db, h.Dialect)
	require.NoError(t, err)
	t.Cleanup(func() { vault.Close() })
	secret := "alice.liddell." + rand.Text() + "@example.com"
	sealed, err := vault.Seal(bg(), "person-42", secret)
	require.NoError(t, err)
	kept, err := vault.Seal(bg(), "person-7", "bob."+rand.Text()+"@example.com")
	require.NoError(t, err)

	svc := Service(t, NewStore[*incident.Incident](t, h, db))
	r := Report("INC-erase")
	r.Reporter = string(sealed)
	_, err = svc.Log(bg(), Actor(), r)
	require.NoError(t, err)
	worked(t, svc, "INC-erase-2") // another incident beside it
	_, err = svc.AddNote(bg(), Actor(), "INC-erase", incident.Note{Text: "called back " + string(sealed)})
	require.NoError(t, err)

	var salt []byte
	require.NoError(t, db.QueryRowContext(bg(), Rebind(h.Dialect, "SELECT salt FROM sms_personal WHERE id = ?"), sealed.ID()).Scan(&salt))
	require.Len(t, salt, sms.SaltSize)
	needles := map[string][]byte{"value": []byte(secret), "salt": salt, "salt (hex)": []byte(hex.EncodeToString(salt))}
	// The scan sees them before the erasure: it can fail.
	require.NotEmpty(t, findInTables(t, h, db, []byte(secret)), "the scan must find the value before the erasure")
	require.NotEmpty(t, findInTables(t, h, db, salt), "the scan must find the salt before the erasure")

	if h.Dialect.Name() == sqlstore.EngineSQLite {
		// The value in the main file too, not only in the log.
		_, err := db.ExecContext(bg(), "PRAGMA wal_checkpoint(TRUNCATE)")
		require.NoError(t, err)
	}
	n, err := vault.Erase(bg(), "person-42")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	require.NoError(t, svc.Verify(bg(), "INC-erase"), "the journal must verify after an erasure")
	inc, err := svc.Get(bg(), "INC-erase")
	require.NoError(t, err)
	assert.Equal(t, string(sealed), inc.Reporter, "the record keeps the reference")
	_, err = vault.Reveal(bg(), sealed)
	var ee *sms.ErasedError
	require.ErrorAs(t, err, &ee)
	_, err = vault.Reveal(bg(), kept)
	require.NoError(t, err, "another subject's data stays")

	for what, needle := range needles {
		assert.Empty(t, findInTables(t, h, db, needle), "the %s is still in the database after its erasure", what)
	}
	if h.Dialect.Name() == sqlstore.EngineSQLite {
		for _, f := range sqliteFiles(t, db) {
			b, err := os.ReadFile(f)
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			for what, needle := range needles {
				assert.False(t, bytes.Contains(b, needle), "the %s is still in %s after its erasure", what, f)
			}
		}
	}
}

// findInTables returns "table.column" for every column value of every
// table of the database that contains needle.
func findInTables(t testing.TB, h Harness, db *sql.DB, needle []byte) []string {
	t.Helper()
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if h.Dialect.Name() == sqlstore.EngineSQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'table'"
	}
	var tables []string
	rs, err := db.QueryContext(bg(), q)
	require.NoError(t, err)
	for rs.Next() {
		var name string
		require.NoError(t, rs.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rs.Err())
	rs.Close()
	require.Contains(t, tables, "sms_personal")
	var found []string
	for _, table := range tables {
		rs, err := db.QueryContext(bg(), "SELECT * FROM "+table)
		require.NoError(t, err)
		cols, err := rs.Columns()
		require.NoError(t, err)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			require.NoError(t, rs.Scan(ptrs...))
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				case nil:
					continue
				default:
					b = fmt.Append(nil, v)
				}
				if bytes.Contains(b, needle) {
					found = append(found, table+"."+cols[i])
				}
			}
		}
		require.NoError(t, rs.Err())
		rs.Close()
	}
	return found
}

// sqliteFiles returns the files of a SQLite database: the main file, its
// write-ahead log and its shared-memory index.
func sqliteFiles(t testing.TB, db *sql.DB) []string {
	t.Helper()
	var (
		seq        int
		name, file string
	)
	require.NoError(t, db.QueryRowContext(bg(), "SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'").Scan(&seq, &name, &file))
	require.NotEmpty(t, file, "the suite's SQLite databases are files")
	return []string{file, file + "-wal", file + "-shm"}
}
