-- Run these jobs now: waiting ones become available; finished ones (dead, completed, cancelled)
-- move back from history into errand_jobs as available — in this same statement — with one more
-- attempt allowed if they had none left. Running jobs are left alone, and so is a finished job whose
-- unique key another unfinished job holds now: the holder stands for it, as at enqueue (it is
-- retried once the key is free). An enqueue taking that key between this check and the insert
-- would make the statement fail on errand_jobs_unique, changing nothing.
WITH back AS (
  DELETE FROM {schema}.errand_jobs_history h
  WHERE h.state IN ('completed', 'dead', 'cancelled') AND h.id = ANY($1::bigint[])
    -- (The state test is always true here; it lets the planner probe errand_jobs_unique.)
    AND (h.unique_key IS NULL OR NOT EXISTS (SELECT 1 FROM {schema}.errand_jobs u
      WHERE u.unique_key = h.unique_key AND u.state NOT IN ('completed', 'dead', 'cancelled')))
  RETURNING h.*
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
