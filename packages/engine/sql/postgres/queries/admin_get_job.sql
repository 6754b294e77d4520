SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at, errors, result, progress
FROM {schema}.errand_jobs WHERE id = $1
