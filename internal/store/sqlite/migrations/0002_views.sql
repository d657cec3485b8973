-- List views: their config.xml is stored as posted, like a job's.
CREATE TABLE views (
	name       TEXT PRIMARY KEY,
	config_xml BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
