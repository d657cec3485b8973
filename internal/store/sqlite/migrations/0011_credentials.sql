-- Credentials (Jenkins's credentials plugin): one row per credential of a
-- store's domain ("system", "_" for the system store's global domain),
-- with its public fields in clear and every secret sealed in one value
-- (internal/credentials Sealed: AES-256-GCM under a key kept outside the
-- database). No column ever holds a secret in clear. Ids are compared
-- exactly (BINARY), as Jenkins compares them. seq gives the order
-- credentials were created in, which an update keeps.
CREATE TABLE credentials (
	seq             INTEGER PRIMARY KEY,
	store           TEXT NOT NULL,
	domain          TEXT NOT NULL,
	id              TEXT NOT NULL,
	scope           TEXT NOT NULL,
	kind            TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	username        TEXT NOT NULL DEFAULT '',
	username_secret INTEGER NOT NULL DEFAULT 0,
	file_name       TEXT NOT NULL DEFAULT '',
	secrets         BLOB NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (store, domain, id)
);

-- The builds that used each credential (Jenkins's credential
-- fingerprints), the newest few per credential; deleted with it.
CREATE TABLE credential_uses (
	seq        INTEGER PRIMARY KEY,
	credential INTEGER NOT NULL REFERENCES credentials(seq) ON DELETE CASCADE,
	job_id     INTEGER NOT NULL,
	job_name   TEXT NOT NULL,
	number     INTEGER NOT NULL,
	used_at    INTEGER NOT NULL
);
CREATE INDEX credential_uses_credential ON credential_uses(credential, seq);
