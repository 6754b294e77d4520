-- Record a failed attempt of job $1 held by worker $2: next state $3 ('retryable' or 'dead'),
-- retry after $4 ms, error $5 appended to the job's errors. Counted as failed in errand_stats.
WITH f AS (
  UPDATE {schema}.errand_jobs
  SET state = $3,
      run_at = CASE WHEN $3 = 'retryable' THEN now() + make_interval(secs => $4::float8 / 1000) ELSE run_at END,
      finished_at = CASE WHEN $3 = 'dead' THEN now() END,
      lease_expires_at = NULL,
      errors = errors || jsonb_build_array($5::jsonb)
  WHERE id = $1 AND locked_by = $2 AND state = 'running'
  RETURNING queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, failed)
SELECT date_trunc('minute', now()), queue, $2, 1 FROM f
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET failed = {schema}.errand_stats.failed + 1
