-- The latest jobs schedule $1 made, newest tick first, unfinished or finished: a walk of
-- errand_jobs_schedule_tick merged with one of errand_jobs_history_schedule.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> -1 AS last_error
FROM (
  SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, locked_by,
         lease_expires_at, created_at, attempted_at, finished_at, errors, schedule_tick
  FROM {schema}.errand_jobs WHERE schedule_name = $1
  UNION ALL
  SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, locked_by,
         lease_expires_at, created_at, attempted_at, finished_at, errors, schedule_tick
  FROM {schema}.errand_jobs_history WHERE schedule_name = $1
) j
ORDER BY schedule_tick DESC
LIMIT $2
