-- The latest jobs a schedule made, newest tick first, unfinished or finished: a walk of
-- errand_jobs_schedule_tick merged with the history tables' schedule indexes.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> '$[#-1]' AS last_error
FROM (
  SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, locked_by,
         lease_expires_at, created_at, attempted_at, finished_at, errors, schedule_tick
  FROM errand_jobs WHERE schedule_name = @name
  UNION ALL
  SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, locked_by,
         lease_expires_at, created_at, attempted_at, finished_at, errors, schedule_tick
  FROM errand_jobs_history WHERE schedule_name = @name
)
ORDER BY schedule_tick DESC
LIMIT @limit
