-- admin_retry.sql's waiting jobs: available now. Running jobs are left alone.
UPDATE errand_jobs
SET state = 'available', run_at = @now, lease_expires_at = NULL,
    max_attempts = max(max_attempts, attempt + 1)
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('scheduled', 'available', 'retryable')
RETURNING id, queue
