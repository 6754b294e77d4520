-- Cancel jobs that have not finished, moving them to history in this statement: waiting ones never
-- run; a running one is cancelled here and its worker learns it at its next heartbeat
-- (find_cancelled, which looks in history), aborts ctx.signal and writes nothing (its completion's
-- guard, a running row in errand_jobs, no longer matches). locked_by is kept, so the worker that
-- held it can tell "cancelled" from "lease lost".
WITH gone AS (
  DELETE FROM {schema}.errand_jobs
  WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'running', 'retryable')
  RETURNING *
)
INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, 'cancelled', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'kind', 'cancelled', 'message', $2::text)),
  locked_by, NULL, created_at, attempted_at, now(), result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM gone
RETURNING id, queue, name
