-- Jobs whose worker stopped renewing the lease go back to available at once, their attempt
-- counted. A final attempt cut short this way runs once more; cut short again, it is dead and
-- moves to history (rescue_dead.sql, run first in the same transaction). Served by errand_jobs_lease.
UPDATE errand_jobs
SET state = 'available',
    run_at = @now,
    lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
      'kind', 'lease_expired',
      'message', 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it'))
WHERE id IN (SELECT id FROM errand_jobs WHERE state = 'running' AND lease_expires_at < @now AND attempt <= max_attempts LIMIT 1000)
RETURNING id, queue, name, state, locked_by
