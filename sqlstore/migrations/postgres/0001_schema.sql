-- sqlstore schema version 1 for PostgreSQL.
--
-- Times are microseconds since the Unix epoch, UTC: the pipeline truncates
-- to the microsecond and the journal hash covers UnixMicro, so they
-- round-trip exactly. Text that is compared or ordered uses the "C"
-- collation: bytes, the order Go compares strings in and the order List
-- pages in, whatever the database's default collation.

-- One row per entity of every kind. doc is the entity as encoding/json
-- writes it (json keeps the text as written); status, service, owner and
-- links are copies of what sms.Entity.State and Attributes return, kept for
-- the indexes below. links is the JSON of Attributes().Links, so that a
-- commit that does not change them leaves sms_links alone.
CREATE TABLE sms_entities (
	kind       text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	version    bigint NOT NULL,
	status     text COLLATE "C" NOT NULL,
	service    text COLLATE "C" NOT NULL,
	owner      text COLLATE "C" NOT NULL,
	links      text COLLATE "C" NOT NULL,
	created_us bigint NOT NULL,
	updated_us bigint NOT NULL,
	doc        json NOT NULL,
	PRIMARY KEY (kind, id)
);

-- Every List filter is served by an index that yields IDs in order, so a
-- page reads at most its own rows plus one, whatever the table's size.
CREATE INDEX sms_entities_status  ON sms_entities (kind, status, id);
CREATE INDEX sms_entities_service ON sms_entities (kind, service, id);
CREATE INDEX sms_entities_owner   ON sms_entities (kind, owner, id);

-- The typed links of each entity, for the Link filter.
CREATE TABLE sms_links (
	kind      text COLLATE "C" NOT NULL,
	entity_id text COLLATE "C" NOT NULL,
	link_type text COLLATE "C" NOT NULL,
	link_id   text COLLATE "C" NOT NULL,
	PRIMARY KEY (kind, entity_id, link_type, link_id)
);

CREATE INDEX sms_links_target ON sms_links (kind, link_type, link_id, entity_id);

-- The journal: append-only, one row per entry, hash-chained per entity.
-- actor_roles and payload are JSON arrays; prev and hash are the 32 bytes of
-- the SHA-256 digests.
CREATE TABLE sms_journal (
	kind        text COLLATE "C" NOT NULL,
	entity_id   text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	entry_id    text NOT NULL,
	at_us       bigint NOT NULL,
	trig        text NOT NULL,
	from_status text NOT NULL,
	to_status   text NOT NULL,
	actor_id    text NOT NULL,
	actor_roles json NOT NULL,
	reason      text NOT NULL,
	payload     json NOT NULL,
	prev        bytea NOT NULL,
	hash        bytea NOT NULL,
	PRIMARY KEY (kind, entity_id, seq)
);

-- Nothing updates, deletes or truncates a journal entry; corrections are new
-- entries.
CREATE FUNCTION sms_journal_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'sms_journal is append-only: % refused', TG_OP
		USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER sms_journal_no_change BEFORE UPDATE OR DELETE ON sms_journal
	FOR EACH ROW EXECUTE FUNCTION sms_journal_append_only();

CREATE TRIGGER sms_journal_no_truncate BEFORE TRUNCATE ON sms_journal
	FOR EACH STATEMENT EXECUTE FUNCTION sms_journal_append_only();
