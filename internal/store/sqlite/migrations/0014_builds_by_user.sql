-- A user's page lists the builds they started, newest first: the user is
-- the first cause's userId (a build folded from several triggers names
-- whoever asked first). The index reads them without scanning every
-- build, and ignores case as user ids do everywhere.
CREATE INDEX builds_started_by ON builds(json_extract(causes, '$[0].userId') COLLATE NOCASE, started_at);
