-- Like claim.sql over every queue that is not paused: used by drain(), not by the worker loop.
UPDATE errand_jobs
SET state = 'running', attempt = attempt + 1, locked_by = @worker, attempted_at = @now,
    lease_expires_at = @now + @lease_ms
WHERE id IN (
  SELECT id FROM errand_jobs j
  WHERE state IN ('available', 'scheduled', 'retryable') AND run_at <= @now
    AND NOT EXISTS (SELECT 1 FROM errand_queues q WHERE q.name = j.queue AND q.paused = 1)
  ORDER BY priority, run_at, id
  LIMIT @limit
)
RETURNING id, queue, name, payload, priority, run_at, attempt, max_attempts, timeout_ms, created_at, trace_context
