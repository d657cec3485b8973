-- Permanent agents: config.xml stored as posted, plus the offline state a
-- user set with toggleOffline.
CREATE TABLE nodes (
	name           TEXT PRIMARY KEY,
	config_xml     BLOB NOT NULL,
	temp_offline   INTEGER NOT NULL DEFAULT 0,
	offline_reason TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL
);
