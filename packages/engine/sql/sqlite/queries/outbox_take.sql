-- The oldest outbox rows, read by a relay inside BEGIN IMMEDIATE (so no other relay reads them
-- until it has deleted them and committed).
SELECT id, job FROM errand_outbox ORDER BY id LIMIT :limit
