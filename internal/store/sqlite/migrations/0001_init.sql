-- The first schema: users, their API tokens and browser sessions; jobs,
-- their builds and the build queue. Times are Unix milliseconds.
CREATE TABLE users (
	id            TEXT PRIMARY KEY COLLATE NOCASE,
	full_name     TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	admin         INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
	uuid       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	use_count  INTEGER NOT NULL DEFAULT 0,
	last_use   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE TABLE jobs (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	name              TEXT NOT NULL UNIQUE,
	config_xml        BLOB NOT NULL,
	next_build_number INTEGER NOT NULL DEFAULT 1,
	created_at        INTEGER NOT NULL
);

CREATE TABLE builds (
	job_id      INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	queue_id    INTEGER NOT NULL DEFAULT 0,
	result      TEXT NOT NULL DEFAULT '',
	building    INTEGER NOT NULL DEFAULT 1,
	started_at  INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL DEFAULT 0,
	causes      TEXT NOT NULL DEFAULT '[]',
	params      TEXT NOT NULL DEFAULT '[]',
	executor    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, number)
) WITHOUT ROWID;

CREATE TABLE queue (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	job_id       INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	causes       TEXT NOT NULL DEFAULT '[]',
	params       TEXT NOT NULL DEFAULT '[]',
	root_url     TEXT NOT NULL DEFAULT '',
	enqueued_at  INTEGER NOT NULL,
	due_at       INTEGER NOT NULL,
	state        TEXT NOT NULL DEFAULT 'waiting',
	cancelled    INTEGER NOT NULL DEFAULT 0,
	build_number INTEGER NOT NULL DEFAULT 0,
	left_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_state ON queue(state, due_at);
