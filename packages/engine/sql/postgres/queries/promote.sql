-- Scheduled and retryable jobs whose time has come become available, so the console tells the
-- truth and LISTENing workers are woken (the caller notifies the queues returned). Claims do not
-- depend on this: claim.sql takes due scheduled/retryable rows directly.
UPDATE {schema}.errand_jobs SET state = 'available'
WHERE id IN (
  SELECT id FROM {schema}.errand_jobs
  WHERE state IN ('scheduled', 'retryable') AND run_at <= now()
  ORDER BY state, run_at
  LIMIT 5000
  FOR UPDATE SKIP LOCKED
)
RETURNING queue
