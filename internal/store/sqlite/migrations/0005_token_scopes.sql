-- Tokens beyond Jenkins: an expiry (0 = never), scopes (space-separated;
-- empty = the owner's full rights), a job glob (empty = every job) and
-- the address of the last use.
ALTER TABLE tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN jobs TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN last_ip TEXT NOT NULL DEFAULT '';
