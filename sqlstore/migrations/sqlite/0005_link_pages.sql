-- sqlstore schema version 5 for SQLite: long link lists kept in pages.
--
-- An entity with more than 128 links whose type implements sms.LinkSetter
-- is stored without its links in doc; its sms_entities.links holds a
-- marker (the count and a digest) instead of their JSON, and the list
-- itself is here, 128 links a page in order, each page with the SHA-256 of
-- its links. A commit rewrites only the pages that changed. Rows written
-- before this version keep their links in doc and are paged when next
-- committed.
CREATE TABLE IF NOT EXISTS sms_link_pages (
	kind      TEXT    NOT NULL,
	entity_id TEXT    NOT NULL,
	page      INTEGER NOT NULL,
	digest    BLOB    NOT NULL,
	links     TEXT    NOT NULL,
	PRIMARY KEY (kind, entity_id, page)
) STRICT, WITHOUT ROWID;
