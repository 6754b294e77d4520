-- Renew the leases of the jobs worker $1 holds; returns the ids it still holds, so the worker
-- can abort any job whose lease was lost (rescued after a long stall).
UPDATE {schema}.errand_jobs j
SET lease_expires_at = now() + make_interval(secs => $2::float8 / 1000)
FROM unnest($3::bigint[]) AS d(id)
WHERE j.id = d.id AND j.locked_by = $1 AND j.state = 'running'
RETURNING j.id
