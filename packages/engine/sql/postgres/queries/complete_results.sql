-- complete.sql for a batch where some handlers returned a value: each id beside its result ($3,
-- jsonb, null for none). Only used when a batch holds a result, so a batch without results keeps
-- complete.sql's plan.
WITH done AS (
  UPDATE {schema}.errand_jobs j
  SET state = 'completed', finished_at = now(), lease_expires_at = NULL, result = d.result
  FROM unnest($1::bigint[], $3::jsonb[]) AS d(id, result)
  WHERE j.id = d.id AND j.locked_by = $2 AND j.state = 'running'
  RETURNING j.queue
)
INSERT INTO {schema}.errand_stats (minute, queue, worker_id, processed)
SELECT date_trunc('minute', now()), queue, $2, count(*) FROM done GROUP BY queue
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET processed = {schema}.errand_stats.processed + EXCLUDED.processed
