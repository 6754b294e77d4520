-- Complete a batch of jobs, move them to history and count them, in one statement (one round
-- trip, one transaction: a job is in errand_jobs or in errand_jobs_history, never both nor neither).
-- The guard (still running, still ours) drops a completion whose lease was lost and whose job was
-- rescued: that job runs again elsewhere, which is what at-least-once allows. Counters are per
-- worker so no two workers ever contend on one errand_stats row.
WITH gone AS (
  -- Joined to unnest(): the planner either probes the primary key per id or, while few jobs are
  -- running, hashes the running ones (errand_jobs_lease). A DELETE writes no index entry (an
  -- UPDATE to 'completed' wrote a new row version and its index entries into this table).
  DELETE FROM {schema}.errand_jobs j
  USING unnest($1::bigint[]) AS d(id)
  WHERE j.id = d.id AND j.locked_by = $2 AND j.state = 'running'
  RETURNING j.*
), moved AS (
  INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
  SELECT id, queue, name, payload, 'completed', priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, NULL, created_at, attempted_at, now(), result, progress, schedule_name, schedule_tick, rate_key, trace_context
  FROM gone
  RETURNING queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, processed)
SELECT date_trunc('minute', now()), queue, $2, count(*) FROM moved GROUP BY queue
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET processed = {schema}.errand_stats.processed + EXCLUDED.processed
