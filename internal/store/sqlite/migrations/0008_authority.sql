-- Whom builds act for when they trigger downstream projects: the user
-- (and token limits) who last saved each job's configuration, for the
-- builds its timer and remote trigger token start; and whom each queue
-- item acts for. JSON; '' = not recorded (saved or queued before this).
ALTER TABLE jobs ADD COLUMN configured_by TEXT NOT NULL DEFAULT '';
ALTER TABLE queue ADD COLUMN auth TEXT NOT NULL DEFAULT '';
