-- A failed attempt of job @id held by @worker that leaves it dead: error @error appended, copied
-- into today's history table {table} (then deleted from errand_jobs: delete_moved.sql).
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'dead', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  json_insert(errors, '$[#]', json(@error)), locked_by, NULL, created_at, attempted_at, @now, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id = @id AND locked_by = @worker AND state = 'running'
RETURNING id, queue
