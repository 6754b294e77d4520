-- Hand jobs back at once (shutdown, or claimed but never started): available now; the attempt
-- that never really ran (@uncount = 1) is not counted; @note (JSON or null) appended to errors.
UPDATE errand_jobs
SET state = 'available', attempt = max(attempt - @uncount, 0), lease_expires_at = NULL, run_at = @now,
    errors = CASE WHEN @note IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(@note)) END
WHERE id IN (SELECT value FROM json_each(@ids)) AND locked_by = @worker AND state = 'running'
RETURNING id, queue
