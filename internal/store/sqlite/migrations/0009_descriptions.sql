-- What users write about builds and users: a build's display name
-- ('' = "#N") and description (Run.setDisplayName, setDescription), and
-- a user's description (User.doSubmitDescription).
ALTER TABLE builds ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE builds ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN description TEXT NOT NULL DEFAULT '';
