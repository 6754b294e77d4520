-- One job by id, unfinished (errand_jobs) or finished (history: the state list lets each
-- partition's (state, id) index find it in three probes). A job is in one of the two.
(SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
        unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at, errors, result, progress
 FROM {schema}.errand_jobs WHERE id = $1)
UNION ALL
(SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
        unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at, errors, result, progress
 FROM {schema}.errand_jobs_history WHERE state IN ('completed', 'dead', 'cancelled') AND id = $1)
LIMIT 1
