-- sqlstore schema version 1 for SQLite.
--
-- Times are microseconds since the Unix epoch, UTC: the pipeline truncates
-- to the microsecond and the journal hash covers UnixMicro, so they
-- round-trip exactly. Text compares by bytes (the BINARY collation), which is
-- the order Go compares strings in and the order List pages in.

-- One row per entity of every kind. doc is the entity as encoding/json
-- writes it; status, service, owner and links are copies of what
-- sms.Entity.State and Attributes return, kept for the indexes below. links
-- is the JSON of Attributes().Links, so that a commit that does not change
-- them leaves sms_links alone.
CREATE TABLE sms_entities (
	kind       TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	service    TEXT    NOT NULL,
	owner      TEXT    NOT NULL,
	links      TEXT    NOT NULL,
	created_us INTEGER NOT NULL,
	updated_us INTEGER NOT NULL,
	doc        TEXT    NOT NULL,
	PRIMARY KEY (kind, id)
) STRICT;

-- Every List filter is served by an index that yields IDs in order, so a
-- page reads at most its own rows plus one, whatever the table's size.
CREATE INDEX sms_entities_status  ON sms_entities (kind, status, id);
CREATE INDEX sms_entities_service ON sms_entities (kind, service, id);
CREATE INDEX sms_entities_owner   ON sms_entities (kind, owner, id);

-- The typed links of each entity, for the Link filter.
CREATE TABLE sms_links (
	kind      TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	link_type TEXT NOT NULL,
	link_id   TEXT NOT NULL,
	PRIMARY KEY (kind, entity_id, link_type, link_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX sms_links_target ON sms_links (kind, link_type, link_id, entity_id);

-- The journal: append-only, one row per entry, hash-chained per entity.
-- actor_roles and payload are JSON arrays; prev and hash are the 32 bytes of
-- the SHA-256 digests.
CREATE TABLE sms_journal (
	kind        TEXT    NOT NULL,
	entity_id   TEXT    NOT NULL,
	seq         INTEGER NOT NULL,
	entry_id    TEXT    NOT NULL,
	at_us       INTEGER NOT NULL,
	trig        TEXT    NOT NULL,
	from_status TEXT    NOT NULL,
	to_status   TEXT    NOT NULL,
	actor_id    TEXT    NOT NULL,
	actor_roles TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	payload     TEXT    NOT NULL,
	prev        BLOB    NOT NULL,
	hash        BLOB    NOT NULL,
	PRIMARY KEY (kind, entity_id, seq)
) STRICT, WITHOUT ROWID;

-- Nothing updates or deletes a journal entry; corrections are new entries.
CREATE TRIGGER sms_journal_no_update BEFORE UPDATE ON sms_journal
BEGIN
	SELECT RAISE(ABORT, 'sms_journal is append-only: UPDATE refused');
END;

CREATE TRIGGER sms_journal_no_delete BEFORE DELETE ON sms_journal
BEGIN
	SELECT RAISE(ABORT, 'sms_journal is append-only: DELETE refused');
END;
