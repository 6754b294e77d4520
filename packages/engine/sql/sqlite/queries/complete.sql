-- Complete a batch (@ids, JSON array) held by @worker: copy each row, completed, into today's
-- history table {table}, in the transaction that then deletes it from errand_jobs (delete_moved.sql
-- with the ids this returns). The guard (still running, still ours) drops a completion whose lease
-- was lost and whose job was rescued: that job runs again elsewhere (at-least-once).
INSERT INTO {table} (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'completed', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, NULL, created_at, attempted_at, @now, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs
WHERE id IN (SELECT value FROM json_each(@ids)) AND locked_by = @worker AND state = 'running'
RETURNING id, queue
