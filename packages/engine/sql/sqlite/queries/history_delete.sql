-- Rows @ids (JSON array) out of history table {table}: retried (moved back) or deleted by an
-- operator. Run on every history table (a job's day is not known from its id).
DELETE FROM {table} WHERE id IN (SELECT value FROM json_each(@ids)) RETURNING id
