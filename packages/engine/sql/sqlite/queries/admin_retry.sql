-- Run these jobs now: waiting ones become available (admin_retry_waiting.sql); finished ones are
-- copied back from history into errand_jobs as available with one more attempt allowed if they
-- had none left (then deleted from their history table: history_delete.sql), in one transaction.
-- A job keeps its id (AUTOINCREMENT only rises, and an explicit id does not lower it). A job whose
-- unique key another unfinished job holds now is left alone: the holder stands for it, as at
-- enqueue (it is retried once the key is free).
INSERT INTO errand_jobs (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'available', priority, @now, attempt, max(max_attempts, attempt + 1), timeout_ms, unique_key,
  errors, locked_by, NULL, created_at, attempted_at, NULL, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs_history h
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('dead', 'completed', 'cancelled')
  -- (finished_at IS NULL is always true in errand_jobs; it lets SQLite probe errand_jobs_unique.)
  AND (unique_key IS NULL OR NOT EXISTS (SELECT 1 FROM errand_jobs u WHERE u.unique_key = h.unique_key AND u.finished_at IS NULL))
RETURNING id, queue
