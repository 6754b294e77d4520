-- Record a failed attempt of job $1 held by worker $2 that will be retried: retryable after $3 ms,
-- error $4 appended to the job's errors. Counted as failed in errand_stats. (An attempt that
-- leaves the job dead moves it to history instead: fail_dead.sql.)
WITH f AS (
  UPDATE {schema}.errand_jobs
  SET state = 'retryable',
      run_at = now() + make_interval(secs => $3::float8 / 1000),
      lease_expires_at = NULL,
      errors = errors || jsonb_build_array($4::jsonb)
  WHERE id = $1 AND locked_by = $2 AND state = 'running'
  RETURNING queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, failed)
SELECT date_trunc('minute', now()), queue, $2, 1 FROM f
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET failed = {schema}.errand_stats.failed + 1
