-- Hand jobs back at once (shutdown, or claimed but never started): available now, and the
-- attempt that never really ran ($3 = 1) is not counted. $4 is a note appended to errors, or null.
UPDATE {schema}.errand_jobs j
SET state = 'available', attempt = greatest(j.attempt - $3::int, 0), lease_expires_at = NULL,
    run_at = now(),
    errors = CASE WHEN $4::jsonb IS NULL THEN j.errors ELSE j.errors || jsonb_build_array($4::jsonb) END
FROM unnest($1::bigint[]) AS d(id)
WHERE j.id = d.id AND j.locked_by = $2 AND j.state = 'running'
RETURNING j.id, j.queue
