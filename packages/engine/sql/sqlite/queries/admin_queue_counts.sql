-- Per queue: unfinished jobs by state, each count capped at @cap, and the run_at of the oldest
-- due job. Queues with waiting jobs come from a loose scan of errand_jobs_queue_state (one probe
-- per queue); queues with running jobs from errand_jobs_lease (running jobs are few: at most the
-- workers' concurrency, plus any a rescue has not reached yet), which is also where their counts
-- come from, since errand_jobs_queue_state leaves running jobs out (0008). Each count is an index
-- walk that stops at the cap. (SQLite's scalar min() is NULL if any argument is, hence the
-- coalesce to a far future and back.)
WITH RECURSIVE waiting(q) AS (
  SELECT min(queue) FROM errand_jobs WHERE state IN ('scheduled', 'available', 'retryable')
  UNION ALL
  SELECT (SELECT min(queue) FROM errand_jobs
          WHERE state IN ('scheduled', 'available', 'retryable') AND queue > waiting.q)
  FROM waiting WHERE q IS NOT NULL
),
queues(q) AS (
  SELECT q FROM waiting WHERE q IS NOT NULL
  UNION
  SELECT queue FROM errand_jobs INDEXED BY errand_jobs_lease WHERE state = 'running'
)
SELECT q AS queue,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'scheduled' LIMIT @cap)) AS scheduled,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'available' LIMIT @cap)) AS available,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs INDEXED BY errand_jobs_lease WHERE state = 'running' AND queue = q LIMIT @cap)) AS running,
  (SELECT count(*) FROM (SELECT 1 FROM errand_jobs WHERE queue = q AND state = 'retryable' LIMIT @cap)) AS retryable,
  nullif(min(
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'available'), 9e15),
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'retryable' AND run_at <= @now), 9e15),
    coalesce((SELECT min(run_at) FROM errand_jobs WHERE queue = q AND state = 'scheduled' AND run_at <= @now), 9e15)
  ), 9e15) AS oldest_due,
  @now AS now
FROM queues
ORDER BY q
