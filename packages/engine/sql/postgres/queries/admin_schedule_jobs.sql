-- The latest jobs schedule $1 made, newest tick first: a walk of errand_jobs_schedule_tick.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> -1 AS last_error
FROM {schema}.errand_jobs
WHERE schedule_name = $1
ORDER BY schedule_tick DESC
LIMIT $2
