-- Jobs whose worker stopped renewing the lease (killed, frozen, cut off) go back to available at
-- once, their attempt counted. A final attempt cut short this way runs once more (attempt then
-- exceeds max_attempts), so a handler's last-attempt logic always gets to run; cut short again,
-- the job is dead: a job that kills its worker cannot take the fleet down forever.
-- SKIP LOCKED so two maintainers never fight over one row; the lease index makes this a small
-- scan of running rows only.
UPDATE {schema}.errand_jobs
SET state = CASE WHEN attempt > max_attempts THEN 'dead' ELSE 'available' END,
    finished_at = CASE WHEN attempt > max_attempts THEN now() END,
    run_at = now(),
    lease_expires_at = NULL,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'at', now(), 'kind', 'lease_expired',
      'message', 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it'))
WHERE id IN (
  SELECT id FROM {schema}.errand_jobs
  WHERE state = 'running' AND lease_expires_at < now()
  LIMIT 1000
  FOR UPDATE SKIP LOCKED
)
RETURNING id, queue, name, state, locked_by
