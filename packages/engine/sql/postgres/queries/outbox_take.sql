-- The oldest outbox rows not held by another relay; locked until this relay's transaction
-- deletes them and commits (or rolls back, and they are taken again).
SELECT id, job::text AS job FROM errand_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
