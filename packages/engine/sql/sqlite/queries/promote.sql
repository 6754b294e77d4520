-- Due scheduled and retryable jobs become available (the console tells the truth); claims do
-- not depend on this. Served by errand_jobs_due.
UPDATE errand_jobs SET state = 'available'
WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE state IN ('scheduled', 'retryable') AND run_at <= @now
  LIMIT 5000
)
RETURNING queue
