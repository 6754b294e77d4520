-- Record a failed attempt that will be retried: retryable at @run_at, error @error (JSON)
-- appended to the job's errors. (An attempt that leaves the job dead moves it to history
-- instead: fail_dead.sql.)
UPDATE errand_jobs
SET state = 'retryable',
    run_at = @run_at,
    lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json(@error))
WHERE id = @id AND locked_by = @worker AND state = 'running'
RETURNING queue
