-- Insert many jobs in one round trip: every column arrives as one array and unnest() zips them
-- into rows, so 50,000 jobs cost one statement, not 50,000. A job whose unique_key is held by an
-- unfinished job is skipped (ON CONFLICT names the partial unique index's predicate); the caller
-- then looks the holder up with find_unique. Initial state is decided by run_at against the
-- server's clock.
--
-- Each returned row says which input it is: `ord`, the 1-based position WITH ORDINALITY gives
-- each element of the arrays. RETURNING can only name the inserted table's columns, and
-- PostgreSQL does not promise to return an INSERT … SELECT's rows in the order it read them, so
-- the ids are drawn first, in `input`, beside their ord (ORDER BY ord: ids rise with the input
-- position — volatile expressions of a select list run after its sort), inserted explicitly, and
-- joined back to their ord by id. Matching by position in the result instead could hand a caller
-- another job's id.
WITH input AS MATERIALIZED (
  SELECT nextval('{schema}.errand_jobs_id_seq') AS id, x.*
  FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[])
    WITH ORDINALITY AS x(q, n, p, pr, r, ma, t, u, tc, rk, ord)
  ORDER BY x.ord
), inserted AS (
  INSERT INTO {schema}.errand_jobs (id, queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, unique_key, trace_context, rate_key)
  SELECT id, q, n, p, CASE WHEN coalesce(r, now()) > now() THEN 'scheduled' ELSE 'available' END, pr, coalesce(r, now()), ma, t, u, tc, rk
  FROM input
  ORDER BY ord
  ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'cancelled') DO NOTHING
  RETURNING id, queue, name, state, priority, run_at, max_attempts, unique_key, created_at
)
SELECT input.ord::int AS ord, inserted.*
FROM inserted JOIN input USING (id)
