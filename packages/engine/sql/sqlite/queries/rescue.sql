-- Jobs whose worker stopped renewing the lease go back to available at once, their attempt
-- counted. A final attempt cut short this way runs once more; cut short again, it is dead.
-- Served by errand_jobs_lease.
UPDATE errand_jobs
SET state = CASE WHEN attempt > max_attempts THEN 'dead' ELSE 'available' END,
    finished_at = CASE WHEN attempt > max_attempts THEN @now END,
    run_at = @now,
    lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
      'kind', 'lease_expired',
      'message', 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it'))
WHERE id IN (SELECT id FROM errand_jobs WHERE state = 'running' AND lease_expires_at < @now LIMIT 1000)
RETURNING id, queue, name, state, locked_by
