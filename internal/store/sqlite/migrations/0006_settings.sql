-- Settings an admin changes at run time (executors, quiet period, CSRF,
-- the root URL, the authorization strategy…): one JSON value per key, so
-- a change survives restarts.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
