-- sqlstore schema version 2 for SQLite: evidence.
--
-- Every journal entry binds the state it produced (state: the 32-byte
-- digest of the entity after the transition), and may carry the host's
-- idempotency key (idem_key, '' for none) with the digest of the request
-- made under it (request). Entries written before version 2 keep empty
-- values and their version 1 hashes.
ALTER TABLE sms_journal ADD COLUMN state BLOB NOT NULL DEFAULT x'';
ALTER TABLE sms_journal ADD COLUMN idem_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_journal ADD COLUMN request BLOB NOT NULL DEFAULT x'';

-- Within a kind, a key names at most one entry.
CREATE UNIQUE INDEX sms_journal_key ON sms_journal (kind, idem_key) WHERE idem_key <> '';

-- INSERT OR REPLACE (and REPLACE) resolve a conflict by deleting the row in
-- the way, without firing the DELETE trigger: an insert over an existing
-- entry, or over an existing key, is refused before it happens.
CREATE TRIGGER sms_journal_no_replace BEFORE INSERT ON sms_journal
WHEN EXISTS (SELECT 1 FROM sms_journal WHERE kind = NEW.kind AND entity_id = NEW.entity_id AND seq = NEW.seq)
	OR (NEW.idem_key <> '' AND EXISTS (SELECT 1 FROM sms_journal WHERE kind = NEW.kind AND idem_key = NEW.idem_key))
BEGIN
	SELECT RAISE(ABORT, 'sms_journal is append-only: an insert over an existing entry or key refused');
END;

-- Signed checkpoints (see the package checkpoint): each row is one
-- checkpoint, the small signed file an auditor keeps (signed, JSON), and
-- the leaves it covers, in chunks, so that it can be verified later against
-- the journal. Append-only like the journal.
CREATE TABLE sms_checkpoints (
	seq        INTEGER NOT NULL PRIMARY KEY,
	created_us INTEGER NOT NULL,
	root       BLOB    NOT NULL,
	signed     TEXT    NOT NULL
) STRICT;

CREATE TABLE sms_checkpoint_leaves (
	checkpoint INTEGER NOT NULL,
	chunk      INTEGER NOT NULL,
	leaves     BLOB    NOT NULL,
	PRIMARY KEY (checkpoint, chunk)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER sms_checkpoints_no_update BEFORE UPDATE ON sms_checkpoints
BEGIN
	SELECT RAISE(ABORT, 'sms_checkpoints is append-only: UPDATE refused');
END;

CREATE TRIGGER sms_checkpoints_no_delete BEFORE DELETE ON sms_checkpoints
BEGIN
	SELECT RAISE(ABORT, 'sms_checkpoints is append-only: DELETE refused');
END;

CREATE TRIGGER sms_checkpoint_leaves_no_update BEFORE UPDATE ON sms_checkpoint_leaves
BEGIN
	SELECT RAISE(ABORT, 'sms_checkpoint_leaves is append-only: UPDATE refused');
END;

CREATE TRIGGER sms_checkpoint_leaves_no_delete BEFORE DELETE ON sms_checkpoint_leaves
BEGIN
	SELECT RAISE(ABORT, 'sms_checkpoint_leaves is append-only: DELETE refused');
END;
