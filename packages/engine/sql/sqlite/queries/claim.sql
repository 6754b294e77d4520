-- Claim up to @limit due jobs of queue @queue for worker @worker. Run inside BEGIN IMMEDIATE:
-- the write lock is taken before the read, so two processes on one file can never select the
-- same rows (a deferred transaction could read, then fail to upgrade with SQLITE_BUSY_SNAPSHOT).
-- The subquery walks errand_jobs_fetch in claim order and stops at LIMIT.
UPDATE errand_jobs
SET state = 'running', attempt = attempt + 1, locked_by = @worker, attempted_at = @now,
    lease_expires_at = @now + @lease_ms
WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE queue = @queue AND state IN ('available', 'scheduled', 'retryable') AND run_at <= @now
    AND NOT EXISTS (SELECT 1 FROM errand_queues q WHERE q.name = @queue AND q.paused = 1)
  ORDER BY priority, run_at, id
  LIMIT @limit
)
RETURNING id, queue, name, payload, priority, run_at, attempt, max_attempts, timeout_ms, created_at, trace_context
