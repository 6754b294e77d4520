-- Mark a batch of jobs completed and count them, in one round trip. The guard (still running,
-- still ours) drops a completion whose lease was lost and whose job was rescued: that job runs
-- again elsewhere, which is what at-least-once allows. Counters are per worker so no two
-- workers ever contend on one errand_stats row.
WITH done AS (
  -- Joined to unnest(): the planner either probes the primary key per id or, while few jobs are
  -- running, hashes the running ones (errand_jobs_lease). ("id = ANY($1)" once walked the
  -- (state, id) index that migration 0004 dropped.)
  UPDATE {schema}.errand_jobs j
  SET state = 'completed', finished_at = now(), lease_expires_at = NULL
  FROM unnest($1::bigint[]) AS d(id)
  WHERE j.id = d.id AND j.locked_by = $2 AND j.state = 'running'
  RETURNING j.queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, processed)
SELECT date_trunc('minute', now()), queue, $2, count(*) FROM done GROUP BY queue
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET processed = {schema}.errand_stats.processed + EXCLUDED.processed
