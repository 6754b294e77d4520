-- Renew the leases of the jobs @worker holds; returns the ids it still holds.
UPDATE errand_jobs
SET lease_expires_at = @now + @lease_ms
WHERE id IN (SELECT value FROM json_each(@ids)) AND locked_by = @worker AND state = 'running'
RETURNING id
