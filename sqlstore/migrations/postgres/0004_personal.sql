-- sqlstore schema version 4 for PostgreSQL: personal data (see sms.Vault).
--
-- One row per sealed value. subject, salt and value are set to NULL when
-- the subject's data is erased; only the ID (a random UUID, in the
-- references the journal keeps) and the times remain.
CREATE TABLE IF NOT EXISTS sms_personal (
	id        text COLLATE "C" NOT NULL PRIMARY KEY,
	subject   text COLLATE "C",
	salt      bytea,
	value     text,
	sealed_us bigint NOT NULL,
	erased_us bigint
);

CREATE INDEX IF NOT EXISTS sms_personal_subject ON sms_personal (subject) WHERE subject IS NOT NULL;
