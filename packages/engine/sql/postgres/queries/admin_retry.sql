-- Run these jobs now: waiting, dead or completed ones become available with one more attempt
-- allowed if they had none left. Running jobs are left alone.
UPDATE {schema}.errand_jobs
SET state = 'available', run_at = now(), finished_at = NULL, lease_expires_at = NULL,
    max_attempts = greatest(max_attempts, attempt + 1)
WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'retryable', 'dead', 'completed', 'cancelled')
RETURNING id, queue
