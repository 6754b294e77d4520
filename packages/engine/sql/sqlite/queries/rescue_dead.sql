-- rescue.sql's other half: running jobs whose lease ran out on an attempt beyond their last
-- (attempt > max_attempts: cut short twice) are dead, copied into today's history table {table}
-- (then deleted from errand_jobs: delete_moved.sql). Run first, in the same transaction.
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'dead', priority, @now, attempt, max_attempts, timeout_ms, unique_key,
  json_insert(errors, '$[#]', json_object(
    'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
    'kind', 'lease_expired',
    'message', 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it')),
  locked_by, NULL, created_at, attempted_at, @now, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id IN (SELECT id FROM errand_jobs WHERE state = 'running' AND lease_expires_at < @now AND attempt > max_attempts LIMIT 1000)
RETURNING id, queue, name, state, locked_by
