-- Delete finished jobs older than $1 ms, at most $2 per call so the pruner never holds long
-- locks; called again while it deletes a full batch.
DELETE FROM {schema}.errand_jobs
WHERE id IN (
  SELECT id FROM {schema}.errand_jobs
  WHERE state IN ('completed', 'dead', 'cancelled') AND finished_at < now() - make_interval(secs => $1::float8 / 1000)
  LIMIT $2
)
