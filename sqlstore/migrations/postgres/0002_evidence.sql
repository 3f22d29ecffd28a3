-- sqlstore schema version 2 for PostgreSQL: evidence.
--
-- Every journal entry binds the state it produced (state: the 32-byte
-- digest of the entity after the transition), and may carry the host's
-- idempotency key (idem_key, '' for none) with the digest of the request
-- made under it (request). Entries written before version 2 keep empty
-- values and their version 1 hashes.
ALTER TABLE sms_journal
	ADD COLUMN state bytea NOT NULL DEFAULT '\x'::bytea,
	ADD COLUMN idem_key text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN request bytea NOT NULL DEFAULT '\x'::bytea;

-- Within a kind, a key names at most one entry.
CREATE UNIQUE INDEX sms_journal_key ON sms_journal (kind, idem_key) WHERE idem_key <> '';

-- Signed checkpoints (see the package checkpoint): each row is one
-- checkpoint, the small signed file an auditor keeps (signed, JSON), and
-- the leaves it covers, in chunks, so that it can be verified later against
-- the journal. Append-only like the journal.
CREATE TABLE sms_checkpoints (
	seq        bigint NOT NULL PRIMARY KEY,
	created_us bigint NOT NULL,
	root       bytea  NOT NULL,
	signed     text   NOT NULL
);

CREATE TABLE sms_checkpoint_leaves (
	checkpoint bigint NOT NULL,
	chunk      bigint NOT NULL,
	leaves     bytea  NOT NULL,
	PRIMARY KEY (checkpoint, chunk)
);

CREATE TRIGGER sms_checkpoints_no_change BEFORE UPDATE OR DELETE ON sms_checkpoints
	FOR EACH ROW EXECUTE FUNCTION sms_journal_append_only();
CREATE TRIGGER sms_checkpoints_no_truncate BEFORE TRUNCATE ON sms_checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION sms_journal_append_only();
CREATE TRIGGER sms_checkpoint_leaves_no_change BEFORE UPDATE OR DELETE ON sms_checkpoint_leaves
	FOR EACH ROW EXECUTE FUNCTION sms_journal_append_only();
CREATE TRIGGER sms_checkpoint_leaves_no_truncate BEFORE TRUNCATE ON sms_checkpoint_leaves
	FOR EACH STATEMENT EXECUTE FUNCTION sms_journal_append_only();
