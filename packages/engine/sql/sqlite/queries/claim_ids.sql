-- Claim the jobs a limited claim chose (claim_limited_candidates.sql), in the same transaction.
-- trace_context too, as claim.sql: the attempt's span is a child of the enqueue's.
UPDATE errand_jobs
SET state = 'running', attempt = attempt + 1, locked_by = @worker, attempted_at = @now,
    lease_expires_at = @now + @lease_ms
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('available', 'scheduled', 'retryable')
RETURNING id, queue, name, payload, priority, run_at, attempt, max_attempts, timeout_ms, created_at, trace_context, rate_key
