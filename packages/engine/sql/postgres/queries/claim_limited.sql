-- Claim up to $2 due jobs of rate-limited queue $1 for worker $3 (lease $4 ms), within the
-- limit the caller holds locked (rate_limit_lock.sql): at most $6 starts per fixed window of $7
-- ms, per key when $8. Windows are multiples of $7 since the epoch by the server's clock
-- (statement_timestamp(): taken after the lock wait, so a claim that waited across a window's
-- end counts in the new one; attempted_at is that same instant, so a job's claim time tells which
-- window counted it).
--
-- The first $5 due jobs in claim order (errand_jobs_fetch) are the candidates; each gets its rank
-- among its key's candidates (rn) and its key's room in the current window; those with rn <=
-- room are claimed, the others wait with their attempt untouched. A window row of a later window
-- than ours (the clock went back) counts as the current one. The claimed jobs are counted in
-- errand_rate_windows in the same statement. No row lock on the candidates: limited claims of
-- this queue already take turns, and the UPDATE re-checks each row's state (a job cancelled
-- meanwhile is skipped, and not counted).
--
-- One row always comes back: `held` (candidates the limit held back) and `window_left_ms` (until
-- the window ends), with the claimed job's columns (trace_context too, as claim.sql: the
-- attempt's span is a child of the enqueue's), or NULLs when none was claimed.
WITH win AS (
  SELECT now_ms, floor(now_ms / $7::float8) * $7::float8 AS window_start
  FROM (SELECT (extract(epoch FROM statement_timestamp()) * 1000)::float8 AS now_ms) c
), cand AS MATERIALIZED (
  SELECT j.id, j.priority, j.run_at, CASE WHEN $8::boolean THEN coalesce(j.rate_key, '') ELSE '' END AS k
  FROM {schema}.errand_jobs j
  WHERE j.queue = $1 AND j.state IN ('available', 'scheduled', 'retryable') AND j.run_at <= statement_timestamp()
    AND NOT EXISTS (SELECT 1 FROM {schema}.errand_queues q WHERE q.name = $1 AND q.paused)
  ORDER BY j.priority, j.run_at, j.id
  LIMIT $5
), ranked AS MATERIALIZED (
  SELECT c.*, row_number() OVER (PARTITION BY c.k ORDER BY c.priority, c.run_at, c.id) AS rn,
         $6::int - coalesce((SELECT w.starts FROM {schema}.errand_rate_windows w, win
                             WHERE w.queue = $1 AND w.rate_key = c.k AND w.window_start >= win.window_start), 0) AS room
  FROM cand c
), chosen AS (
  SELECT id, k FROM ranked WHERE rn <= room ORDER BY priority, run_at, id LIMIT $2
), claimed AS (
  UPDATE {schema}.errand_jobs j
  SET state = 'running', attempt = j.attempt + 1, locked_by = $3, attempted_at = statement_timestamp(),
      lease_expires_at = statement_timestamp() + make_interval(secs => $4::float8 / 1000)
  FROM chosen
  WHERE j.id = chosen.id AND j.state IN ('available', 'scheduled', 'retryable')
  RETURNING j.id, j.queue, j.name, j.payload, j.priority, (extract(epoch FROM j.run_at) * 1000)::float8 AS run_at,
            j.attempt, j.max_attempts, j.timeout_ms, (extract(epoch FROM j.created_at) * 1000)::float8 AS created_at, j.trace_context, chosen.k
), counted AS (
  INSERT INTO {schema}.errand_rate_windows AS w (queue, rate_key, window_start, starts)
  SELECT $1, k, (SELECT window_start FROM win), count(*)::int FROM claimed GROUP BY k
  ON CONFLICT (queue, rate_key) DO UPDATE SET
    starts = CASE WHEN w.window_start >= EXCLUDED.window_start THEN w.starts + EXCLUDED.starts ELSE EXCLUDED.starts END,
    window_start = greatest(w.window_start, EXCLUDED.window_start)
)
SELECT (SELECT count(*) FROM ranked WHERE rn > room)::int AS held,
       (SELECT window_start + $7::float8 - now_ms FROM win)::float8 AS window_left_ms,
       c.id, c.queue, c.name, c.payload, c.priority, c.run_at, c.attempt, c.max_attempts, c.timeout_ms, c.created_at,
       c.trace_context
FROM (SELECT 1) one LEFT JOIN claimed c ON true
