-- Run these jobs now: waiting ones become available; finished ones (dead, completed, cancelled)
-- move back from history into errand_jobs as available — in this same statement — with one more
-- attempt allowed if they had none left. Running jobs are left alone. A finished job whose unique
-- key another unfinished job holds now cannot come back: the insert fails on errand_jobs_unique
-- and nothing changes (as before, when this was an UPDATE).
WITH back AS (
  DELETE FROM {schema}.errand_jobs_history
  WHERE state IN ('completed', 'dead', 'cancelled') AND id = ANY($1::bigint[])
  RETURNING *
), returned AS (
  INSERT INTO {schema}.errand_jobs (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
  SELECT id, queue, name, payload, 'available', priority, now(), attempt, greatest(max_attempts, attempt + 1), timeout_ms, unique_key,
    errors, locked_by, NULL, created_at, attempted_at, NULL, result, progress, schedule_name, schedule_tick, rate_key, trace_context
  FROM back
  RETURNING id, queue
), waiting AS (
  UPDATE {schema}.errand_jobs
  SET state = 'available', run_at = now(), lease_expires_at = NULL,
      max_attempts = greatest(max_attempts, attempt + 1)
  WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'retryable')
  RETURNING id, queue
)
SELECT id, queue FROM returned UNION ALL SELECT id, queue FROM waiting
