-- Insert many jobs in one round trip: every column arrives as one array and unnest() zips them
-- into rows, so 50,000 jobs cost one statement, not 50,000. A job whose unique_key is held by an
-- unfinished job is skipped (ON CONFLICT names the partial unique index's predicate); the caller
-- then looks the holder up with find_unique. Initial state is decided by run_at against the
-- server's clock. ord carries each row's position in the input so the caller can match results.
INSERT INTO errand_jobs (queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, unique_key)
SELECT q, n, p, CASE WHEN coalesce(r, now()) > now() THEN 'scheduled' ELSE 'available' END, pr, coalesce(r, now()), ma, t, u
FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::text[])
  AS x(q, n, p, pr, r, ma, t, u)
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead') DO NOTHING
RETURNING id, queue, name, state, priority, run_at, max_attempts, unique_key, created_at
