-- One job by id, unfinished (errand_jobs) or finished (the history view: one rowid probe per
-- history table). A job is in one of the two.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at, errors, result, progress
FROM errand_jobs WHERE id = @id
UNION ALL
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at, errors, result, progress
FROM errand_jobs_history WHERE id = @id
LIMIT 1
