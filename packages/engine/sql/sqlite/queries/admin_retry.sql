-- Run these jobs now (waiting, dead or completed; never running), with one more attempt allowed.
UPDATE errand_jobs
SET state = 'available', run_at = @now, finished_at = NULL, lease_expires_at = NULL,
    max_attempts = max(max_attempts, attempt + 1)
WHERE id IN (SELECT value FROM json_each(@ids))
  AND state IN ('scheduled', 'available', 'retryable', 'dead', 'completed', 'cancelled')
RETURNING id, queue
