-- Per queue: unfinished jobs by state, each count capped at $1, and the run_at of the oldest
-- due job (its age is the queue's latency). Queues are found by a loose index scan of
-- errand_jobs_queue_state (one probe per queue, not one row per job); each count walks that
-- index and stops at the cap; each oldest-due is the first index entry of its state. So this
-- costs the same with a million jobs waiting as with ten.
WITH RECURSIVE queues(q) AS (
  SELECT min(queue) FROM {schema}.errand_jobs WHERE state IN ('scheduled', 'available', 'running', 'retryable')
  UNION ALL
  SELECT (SELECT min(queue) FROM {schema}.errand_jobs
          WHERE state IN ('scheduled', 'available', 'running', 'retryable') AND queue > queues.q)
  FROM queues WHERE q IS NOT NULL
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
WHERE q IS NOT NULL
