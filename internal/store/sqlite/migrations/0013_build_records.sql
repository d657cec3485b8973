-- What builds leave besides their log, read without walking anything:
-- whether a build is kept forever (keepLog), whether it has artifacts
-- (the discarder's artifact passes read only those, through a partial
-- index), and the bytes its log, artifacts and reports take. A job's
-- disk usage is the sum of its builds', kept up to date by triggers as
-- builds change or go, so reading it costs one row.
ALTER TABLE builds ADD COLUMN keep_log INTEGER NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN has_artifacts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN disk_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN disk_bytes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX builds_artifacts ON builds(job_id, number) WHERE has_artifacts = 1;

CREATE TRIGGER builds_disk_changed AFTER UPDATE OF disk_bytes ON builds
WHEN NEW.disk_bytes <> OLD.disk_bytes
BEGIN
	UPDATE jobs SET disk_bytes = disk_bytes + NEW.disk_bytes - OLD.disk_bytes WHERE id = NEW.job_id;
END;

CREATE TRIGGER builds_disk_deleted AFTER DELETE ON builds
WHEN OLD.disk_bytes <> 0
BEGIN
	UPDATE jobs SET disk_bytes = disk_bytes - OLD.disk_bytes WHERE id = OLD.job_id;
END;

-- Fingerprints of archived files by MD5 (Jenkins's
-- fingerprints/<md5>.xml): the file's name and the build that produced
-- it when first seen, and every build that recorded it. A usage goes
-- with its build (a build deleted, a job deleted), and a fingerprint
-- with its last usage, as Jenkins's fingerprint cleanup drops records no
-- live build refers to. The original build is named by job id and
-- by the name it has (see fingerprints_job_renamed), kept once it is gone.
CREATE TABLE fingerprints (
	md5             TEXT PRIMARY KEY,
	file_name       TEXT NOT NULL,
	original_job_id INTEGER NOT NULL DEFAULT 0,
	original_job    TEXT NOT NULL DEFAULT '',
	original_number INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE fingerprint_usages (
	md5    TEXT NOT NULL REFERENCES fingerprints(md5) ON DELETE CASCADE,
	job_id INTEGER NOT NULL,
	number INTEGER NOT NULL,
	PRIMARY KEY (md5, job_id, number),
	FOREIGN KEY (job_id, number) REFERENCES builds(job_id, number) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX fingerprint_usages_build ON fingerprint_usages(job_id, number);

CREATE TRIGGER fingerprint_usage_gone AFTER DELETE ON fingerprint_usages
WHEN NOT EXISTS (SELECT 1 FROM fingerprint_usages WHERE md5 = OLD.md5)
BEGIN
	DELETE FROM fingerprints WHERE md5 = OLD.md5;
END;

-- A renamed job's name follows into the fingerprints it produced, so
-- that they keep naming it once it is deleted.
CREATE INDEX fingerprints_original ON fingerprints(original_job_id) WHERE original_job_id <> 0;
CREATE TRIGGER fingerprints_job_renamed AFTER UPDATE OF name ON jobs
BEGIN
	UPDATE fingerprints SET original_job = NEW.name WHERE original_job_id = NEW.id;
END;
