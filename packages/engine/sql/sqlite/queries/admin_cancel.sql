-- Cancel jobs that have not finished: copied, cancelled, into today's history table {table} (then
-- deleted from errand_jobs: delete_moved.sql). Waiting ones never run; a running one's worker
-- learns it at its next heartbeat (find_cancelled, which reads history), aborts ctx.signal and
-- writes nothing (its completion's guard, a running row in errand_jobs, no longer matches).
-- locked_by is kept, so that worker can tell "cancelled" from "lease lost".
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'cancelled', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  json_insert(errors, '$[#]', json_object(
    'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
    'kind', 'cancelled', 'message', @message)),
  locked_by, NULL, created_at, attempted_at, @now, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('scheduled', 'available', 'running', 'retryable')
ORDER BY id
RETURNING id, queue, name
