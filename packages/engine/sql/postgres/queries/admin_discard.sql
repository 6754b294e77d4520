-- Give up on waiting jobs: they go to dead with a note saying so, moved to history in this statement.
WITH gone AS (
  DELETE FROM {schema}.errand_jobs
  WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'retryable')
  RETURNING *
)
INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'dead', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'kind', 'discarded', 'message', $2::text)),
  locked_by, NULL, created_at, attempted_at, now(), result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM gone
RETURNING id
