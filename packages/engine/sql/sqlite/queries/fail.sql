-- Record a failed attempt: next state @state ('retryable' or 'dead'), retry at @run_at,
-- error @error (JSON) appended to the job's errors.
UPDATE errand_jobs
SET state = @state,
    run_at = CASE WHEN @state = 'retryable' THEN @run_at ELSE run_at END,
    finished_at = CASE WHEN @state = 'dead' THEN @now END,
    lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json(@error))
WHERE id = @id AND locked_by = @worker AND state = 'running'
RETURNING queue
