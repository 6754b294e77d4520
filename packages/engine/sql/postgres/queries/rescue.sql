-- Jobs whose worker stopped renewing the lease (killed, frozen, cut off) go back to available at
-- once, their attempt counted. A final attempt cut short this way runs once more (attempt then
-- exceeds max_attempts), so a handler's last-attempt logic always gets to run; cut short again,
-- the job is dead and moves to history (in this same statement): a job that kills its worker
-- cannot take the fleet down forever.
-- SKIP LOCKED so two maintainers never fight over one row; the lease index makes this a small
-- scan of running rows only.
WITH expired AS (
  SELECT id, attempt > max_attempts AS dead FROM {schema}.errand_jobs
  WHERE state = 'running' AND lease_expires_at < now()
  LIMIT 1000
  FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM {schema}.errand_jobs j USING expired e
  WHERE j.id = e.id AND e.dead
  RETURNING j.*
), buried AS (
  INSERT INTO {schema}.errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
    errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
  SELECT id, queue, name, payload, 'dead', priority, now(), attempt, max_attempts, timeout_ms, unique_key,
    errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'at', now(), 'kind', 'lease_expired',
      'message', 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it')),
    locked_by, NULL, created_at, attempted_at, now(), result, progress, schedule_name, schedule_tick, rate_key, trace_context
  FROM gone
  RETURNING id, queue, name, state, locked_by
), back AS (
  UPDATE {schema}.errand_jobs j
  SET state = 'available', run_at = now(), lease_expires_at = NULL,
      errors = j.errors || jsonb_build_array(jsonb_build_object(
        'attempt', j.attempt, 'at', now(), 'kind', 'lease_expired',
        'message', 'lease expired: worker ' || coalesce(j.locked_by, '?') || ' stopped renewing it'))
  FROM expired e
  WHERE j.id = e.id AND NOT e.dead
  RETURNING j.id, j.queue, j.name, j.state, j.locked_by
)
SELECT * FROM buried UNION ALL SELECT * FROM back
