-- The node a build runs on, by name: '' for the built-in node (and for
-- the builds recorded before the column existed), as Jenkins's builtOn.
ALTER TABLE builds ADD COLUMN built_on TEXT NOT NULL DEFAULT '';
