-- complete.sql for one job whose handler returned a value (@result, JSON text).
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'completed', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, NULL, created_at, attempted_at, @now, json(@result), progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id = @id AND locked_by = @worker AND state = 'running'
RETURNING id, queue
