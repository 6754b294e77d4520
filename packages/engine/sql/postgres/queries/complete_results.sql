-- complete.sql for a batch where some handlers returned a value: each id beside its result ($3,
-- jsonb, null for none), written into the history row. Only used when a batch holds a result, so
-- a batch without results keeps complete.sql's plan.
WITH gone AS (
  DELETE FROM {schema}.errand_jobs j
  USING unnest($1::bigint[], $3::jsonb[]) AS d(id, result)
  WHERE j.id = d.id AND j.locked_by = $2 AND j.state = 'running'
  RETURNING j.*, d.result AS new_result
), moved AS (
  INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
  SELECT id, queue, name, payload, 'completed', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, NULL, created_at, attempted_at, now(), new_result, progress, schedule_name, schedule_tick, rate_key, trace_context
  FROM gone
  RETURNING queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, processed)
SELECT date_trunc('minute', now()), queue, $2, count(*) FROM moved GROUP BY queue
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET processed = {schema}.errand_stats.processed + EXCLUDED.processed
