-- sqlstore schema version 3 for PostgreSQL: indexes for combined List
-- filters.
--
-- A listing by status and service (or status and owner) walks one index
-- range per status in ID order, as a listing by status alone does, rather
-- than the whole status range, checking the service of every row: a page
-- reads its own rows plus one, however rare the combination. IF NOT EXISTS
-- makes the migration safe to run again. Building them holds a lock that
-- blocks writes to sms_entities while the migration runs (a few seconds a
-- million entities); a host with a large table may create them beforehand
-- with CREATE INDEX CONCURRENTLY under these names.
CREATE INDEX IF NOT EXISTS sms_entities_status_service ON sms_entities (kind, status, service, id);
CREATE INDEX IF NOT EXISTS sms_entities_status_owner   ON sms_entities (kind, status, owner, id);
