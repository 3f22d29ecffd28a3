package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/iso20k/sms"
)

// Vault is an [sms.Vault] in the table sms_personal of a database that
// sqlstore migrated: personal values kept outside the journal, so that a
// subject's data can be erased while every journal still verifies (see
// [sms.Sealed]). It is safe for concurrent use. Seal and Reveal run in the
// host's transaction when ctx carries one ([WithTx]), a seal under a
// savepoint as a Store's writes; a context that carries a host's
// transaction on another database is refused, as by a Store. Erase
// refuses a context that carries a transaction.
//
// Erase sets the subject, the salt and the value of each of the subject's
// rows to NULL in one transaction; the ID and the times remain. On SQLite
// it runs with PRAGMA secure_delete on, so that the old bytes are
// overwritten in the database file, and then checkpoints the write-ahead
// log (TRUNCATE), so that no old page stays there either. On PostgreSQL the
// old row versions stay in the table's files until VACUUM reclaims them,
// and in the write-ahead log and backups until those expire: a host that
// must erase from disk runs VACUUM on sms_personal after Erase, and keeps
// its backup retention within the time the law allows.
type Vault struct {
	db     *sql.DB
	d      Dialect
	sqlite bool
	now    func() time.Time
	// seal and reveal are prepared on db: in a host's transaction,
	// database/sql refuses them if it is another database's.
	seal, reveal *sql.Stmt
}

// NewVault returns the vault of db, whose schema must be this code's (see
// [New]). It prepares the vault's statements; [Vault.Close] releases them.
func NewVault(ctx context.Context, db *sql.DB, d Dialect) (*Vault, error) {
	if db == nil {
		return nil, &Error{Op: opNew, Err: errNoDB}
	}
	have, want, err := SchemaVersion(ctx, db, d)
	if err != nil {
		return nil, err
	}
	if have != want {
		return nil, &SchemaError{Database: have, Code: want}
	}
	v := &Vault{db: db, d: d, sqlite: d.Name() == EngineSQLite, now: time.Now}
	p := d.Placeholder
	for _, ps := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&v.seal, "INSERT INTO sms_personal (id, subject, salt, value, sealed_us) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ")"},
		{&v.reveal, "SELECT salt, value, erased_us FROM sms_personal WHERE id = " + p(1)},
	} {
		st, err := db.PrepareContext(ctx, ps.sql)
		if err != nil {
			v.Close()
			if cerr := ctx.Err(); cerr != nil {
				err = cerr
			}
			return nil, &Error{Op: opNew, Err: fmt.Errorf("preparing %q: %w", ps.sql, err)}
		}
		*ps.st = st
	}
	return v, nil
}

// Close releases the vault's prepared statements: Seal and Reveal then
// return an [*Error]. It does not close the *sql.DB, which the host owns.
func (v *Vault) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{v.seal, v.reveal} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return &Error{Op: "close", Err: err}
	}
	return nil
}

// Seal implements [sms.Vault].
func (v *Vault) Seal(ctx context.Context, subject, value string) (sms.Sealed, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := sms.CheckSubject(subject); err != nil {
		return "", err
	}
	s, salt, err := sms.Seal(value)
	if err != nil {
		return "", err
	}
	h, err := hostTx(ctx, v.db, "")
	if err != nil {
		return "", err
	}
	insert := func() error {
		if _, err := v.on(ctx, v.seal).ExecContext(ctx, s.ID(), subject, salt, value, v.now().UnixMicro()); err != nil {
			return v.failure(ctx, "seal", err)
		}
		return nil
	}
	if h != nil {
		// Under a savepoint: a refused value leaves the host's
		// transaction usable.
		err = h.guarded(ctx, v.seal, insert)
	} else {
		err = insert()
	}
	if err != nil {
		return "", err
	}
	return s, nil
}

// Reveal implements [sms.Vault].
func (v *Vault) Reveal(ctx context.Context, s sms.Sealed) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := sms.ParseSealed(string(s)); err != nil {
		return "", err
	}
	if _, err := hostTx(ctx, v.db, ""); err != nil {
		return "", err
	}
	var (
		salt   []byte
		value  sql.NullString
		erased sql.NullInt64
	)
	err := v.on(ctx, v.reveal).QueryRowContext(ctx, s.ID()).Scan(&salt, &value, &erased)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", &sms.NotFoundError{Kind: "personal", ID: s.ID()}
	case err != nil:
		return "", v.failure(ctx, "reveal", err)
	case erased.Valid:
		return "", &sms.ErasedError{ID: s.ID(), At: time.UnixMicro(erased.Int64).UTC()}
	case !value.Valid:
		return "", &sms.CorruptError{Kind: "personal", ID: s.ID(), Problem: "sqlstore: the row has no value and no time of erasure"}
	}
	return sms.Revealed(s, salt, value.String)
}

// Erase implements [sms.Vault].
func (v *Vault) Erase(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := sms.CheckSubject(subject); err != nil {
		return 0, err
	}
	if _, err := hostTx(ctx, v.db, ""); err != nil || commitOf(ctx, v.db) != nil {
		return 0, &sms.ValidationError{Field: "ctx", Problem: "carries a transaction (sqlstore.WithTx or sms.Atomically): Erase runs in a transaction of its own, " +
			"so that what it erases is gone from disk when it returns; call it with a context that carries none"}
	}
	conn, err := v.db.Conn(ctx)
	if err != nil {
		return 0, v.failure(ctx, "erase", err)
	}
	defer conn.Close()
	if v.sqlite {
		if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
			return 0, v.failure(ctx, "erase", err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA secure_delete = OFF") }()
	}
	p := v.d.Placeholder
	res, err := conn.ExecContext(ctx, "UPDATE sms_personal SET subject = NULL, salt = NULL, value = NULL, erased_us = "+p(1)+
		" WHERE subject = "+p(2), v.now().UnixMicro(), subject)
	if err != nil {
		return 0, v.failure(ctx, "erase", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, v.failure(ctx, "erase", err)
	}
	if v.sqlite {
		// The old pages are in the write-ahead log until a checkpoint
		// copies the new ones over them; TRUNCATE empties the log. A
		// busy checkpoint (a reader in the way) is reported: the values
		// are erased from the table, and calling Erase again retries.
		var busy, logged, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &done); err != nil {
			return int(n), v.failure(ctx, "erase", err)
		}
		if busy != 0 {
			return int(n), &Error{Op: "erase", Err: errCheckpointBusy}
		}
	}
	return int(n), nil
}

// on returns the statement a seal or a reveal runs: st in the host's
// transaction or atomic commit ctx carries on the vault's database (see
// [WithTx]), so that a value sealed with the record that refers to it
// commits or rolls back with it; st itself otherwise.
func (v *Vault) on(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if tx := atomicTx(ctx, v.db); tx != nil {
		return tx.StmtContext(ctx, st)
	}
	return st
}

func (v *Vault) failure(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = cerr
	}
	return &Error{Op: op, Err: err}
}

// errCheckpointBusy reports an erasure whose write-ahead log could not be
// emptied.
const errCheckpointBusy = sentinel("the values are erased from sms_personal, but a reader kept the write-ahead log from being emptied: call Erase again")

var _ sms.Vault = (*Vault)(nil)
