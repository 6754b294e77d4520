-- Like claim.sql but over every queue that is not paused: used by drain() in tests and scripts,
-- never by the worker's hot loop (which claims per queue, on errand_jobs_fetch).
WITH next AS (
  SELECT id FROM {schema}.errand_jobs j
  WHERE state IN ('available', 'scheduled', 'retryable') AND run_at <= now()
    AND NOT EXISTS (SELECT 1 FROM {schema}.errand_queues q WHERE q.name = j.queue AND q.paused)
  ORDER BY priority, run_at, id
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.errand_jobs j
SET state = 'running', attempt = j.attempt + 1, locked_by = $2, attempted_at = now(),
    lease_expires_at = now() + make_interval(secs => $3::float8 / 1000)
FROM next
WHERE j.id = next.id
-- Times as epoch milliseconds (float8 arrives as a JS number): parsing timestamptz text cost
-- the worker more per job than running a no-op job.
RETURNING j.id, j.queue, j.name, j.payload, j.priority, (extract(epoch FROM j.run_at) * 1000)::float8 AS run_at,
          j.attempt, j.max_attempts, j.timeout_ms, (extract(epoch FROM j.created_at) * 1000)::float8 AS created_at,
          j.trace_context
