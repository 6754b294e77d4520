-- A failed attempt of job $1 held by worker $2 that leaves it dead (attempts exhausted, or the
-- handler said so): error $3 appended, the row moved to history, counted as failed — one statement.
WITH gone AS (
  DELETE FROM {schema}.errand_jobs
  WHERE id = $1 AND locked_by = $2 AND state = 'running'
  RETURNING *
), moved AS (
  INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
  SELECT id, queue, name, payload, 'dead', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors || jsonb_build_array($3::jsonb), locked_by, NULL, created_at, attempted_at, now(), result, progress, schedule_name, schedule_tick, rate_key, trace_context
  FROM gone
  RETURNING queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, failed)
SELECT date_trunc('minute', now()), queue, $2, 1 FROM moved
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET failed = {schema}.errand_stats.failed + 1
