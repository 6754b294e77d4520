-- The console's live sessions (issue 13, finding 1): sign-out deletes the row, so a cookie
-- replayed after it opens nothing, in every process sharing the database. The sid is stored as
-- its SHA-256, so reading this table gives nothing to put in a cookie (which needs a MAC anyway).
CREATE TABLE console_sessions (
  sid_hash    text PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
