-- Jobs into the outbox, inside the caller's transaction (src/outbox/postgres-outbox.ts), and a
-- NOTIFY that PostgreSQL delivers only when that transaction commits: relays wake on commit.
WITH written AS (
  INSERT INTO errand_outbox (id, job) SELECT * FROM unnest($1::bigint[], $2::jsonb[])
  RETURNING 1
)
SELECT pg_notify('errand_outbox', count(*)::text) FROM written
