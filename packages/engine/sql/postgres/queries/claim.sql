-- Claim up to $2 due jobs of queue $1 for worker $3, with a lease of $4 milliseconds.
-- FOR UPDATE SKIP LOCKED lets concurrent workers take disjoint batches without waiting on each
-- other; the ORDER BY matches errand_jobs_fetch, so this is an index range scan that stops at
-- LIMIT. Scheduled and retryable jobs whose time has come are claimed directly (no promotion
-- step in the way of latency). A paused queue yields nothing: one primary-key probe.
--
-- The claim commits without waiting for its WAL flush (synchronous_commit off for this
-- transaction only): that flush was most of a claim's wall time. If the server crashes before
-- the WAL writer flushes it (within wal_writer_delay), the claim is forgotten and the job is
-- simply available again — which at-least-once delivery allows anyway. Completions, failures
-- and enqueues stay synchronous, and WAL is sequential, so a flushed completion always carries
-- its claim with it.
WITH next AS (
  SELECT id FROM {schema}.errand_jobs
  WHERE queue = $1 AND state IN ('available', 'scheduled', 'retryable') AND run_at <= now()
    AND NOT EXISTS (SELECT 1 FROM {schema}.errand_queues q WHERE q.name = $1 AND q.paused)
    AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
  ORDER BY priority, run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.errand_jobs j
SET state = 'running', attempt = j.attempt + 1, locked_by = $3, attempted_at = now(),
    lease_expires_at = now() + make_interval(secs => $4::float8 / 1000)
FROM next
WHERE j.id = next.id
-- Times as epoch milliseconds (float8 arrives as a JS number): parsing timestamptz text cost
-- the worker more per job than running a no-op job.
RETURNING j.id, j.queue, j.name, j.payload, j.priority, (extract(epoch FROM j.run_at) * 1000)::float8 AS run_at,
          j.attempt, j.max_attempts, j.timeout_ms, (extract(epoch FROM j.created_at) * 1000)::float8 AS created_at,
          j.trace_context
