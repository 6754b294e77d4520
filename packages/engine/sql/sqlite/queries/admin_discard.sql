-- Give up on waiting jobs: copied, dead with a note saying so, into today's history table {table}
-- (then deleted from errand_jobs: delete_moved.sql).
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'dead', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  json_insert(errors, '$[#]', json_object(
    'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
    'kind', 'discarded', 'message', @message)),
  locked_by, NULL, created_at, attempted_at, @now, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('scheduled', 'available', 'retryable')
ORDER BY id
RETURNING id
