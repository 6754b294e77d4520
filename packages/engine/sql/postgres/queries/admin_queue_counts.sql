-- Per queue: unfinished jobs by state, each count capped at $1, and the run_at of the oldest
-- due job (its age is the queue's latency). Queues with waiting jobs are found by a loose index
-- scan of errand_jobs_queue_state (one probe per queue, not one row per job); queues with running
-- jobs through errand_jobs_lease (running jobs are few: at most the workers' concurrency, plus any
-- a rescue has not reached yet), which is also where their counts come from, since
-- errand_jobs_queue_state leaves running jobs out (0010). Each count walks an index and stops at
-- the cap; each oldest-due is the first index entry of its state. So this costs the same with a
-- million jobs waiting as with ten.
WITH RECURSIVE waiting(q) AS (
  SELECT min(queue) FROM {schema}.errand_jobs WHERE state IN ('scheduled', 'available', 'retryable')
  UNION ALL
  SELECT (SELECT min(queue) FROM {schema}.errand_jobs
          WHERE state IN ('scheduled', 'available', 'retryable') AND queue > waiting.q)
  FROM waiting WHERE q IS NOT NULL
),
queues(q) AS (
  SELECT q FROM waiting WHERE q IS NOT NULL
  UNION
  SELECT DISTINCT queue FROM {schema}.errand_jobs WHERE state = 'running'
)
SELECT q AS queue,
  (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE queue = q AND state = 'scheduled' LIMIT $1) c)::int AS scheduled,
  (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE queue = q AND state = 'available' LIMIT $1) c)::int AS available,
  (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE queue = q AND state = 'running' LIMIT $1) c)::int AS running,
  (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE queue = q AND state = 'retryable' LIMIT $1) c)::int AS retryable,
  least(
    (SELECT min(run_at) FROM {schema}.errand_jobs WHERE queue = q AND state = 'available'),
    (SELECT min(run_at) FROM {schema}.errand_jobs WHERE queue = q AND state = 'retryable' AND run_at <= now()),
    (SELECT min(run_at) FROM {schema}.errand_jobs WHERE queue = q AND state = 'scheduled' AND run_at <= now())
  ) AS oldest_due,
  now() AS now
FROM queues
ORDER BY q
