-- The oldest outbox rows, read by a relay outside any transaction (WAL: a read never waits);
-- the relay inserts their jobs, then deletes them with outbox_delete.
SELECT id, job FROM errand_outbox ORDER BY id LIMIT :limit
