-- User ids are compared without case everywhere (the users table's id
-- is COLLATE NOCASE): the columns that refer to a user are looked up
-- the same way, through indexes that ignore case too.
DROP INDEX tokens_user;
CREATE INDEX tokens_user ON tokens(user_id COLLATE NOCASE);
CREATE INDEX sessions_user ON sessions(user_id COLLATE NOCASE);
