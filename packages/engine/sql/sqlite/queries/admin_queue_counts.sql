-- Per queue: unfinished jobs by state, each count capped at @cap, and the run_at of the oldest
-- due job. Queues come from a loose scan of errand_jobs_queue_state (one probe per queue); each
-- count is an index walk that stops at the cap. (SQLite's scalar min() is NULL if any argument
-- is, hence the coalesce to a far future and back.)
WITH RECURSIVE queues(q) AS (
  SELECT min(queue) FROM errand_jobs WHERE state IN ('scheduled', 'available', 'running', 'retryable')
  UNION ALL
  SELECT (SELECT min(queue) FROM errand_jobs
          WHERE state IN ('scheduled', 'available', 'running', 'retryable') AND queue > queues.q)
  FROM queues WHERE q IS NOT NULL
)
SELECT q AS queue,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'scheduled' LIMIT @cap)) AS scheduled,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'available' LIMIT @cap)) AS available,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'running' LIMIT @cap)) AS running,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'retryable' LIMIT @cap)) AS retryable,
  nullif(min(
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'available'), 9e15),
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'retryable' AND run_at <= @now), 9e15),
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'scheduled' AND run_at <= @now), 9e15)
  ), 9e15) AS oldest_due,
  @now AS now
FROM queues
WHERE q IS NOT NULL
