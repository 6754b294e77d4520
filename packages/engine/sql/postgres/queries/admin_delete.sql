-- Delete jobs that are not running (a running job finishes or is rescued first), wherever they
-- are: unfinished ones in errand_jobs, finished ones in history.
WITH hot AS (
  DELETE FROM {schema}.errand_jobs WHERE id = ANY($1::bigint[]) AND state <> 'running' RETURNING id
), old AS (
  DELETE FROM {schema}.errand_jobs_history WHERE state IN ('completed', 'dead', 'cancelled') AND id = ANY($1::bigint[]) RETURNING id
)
SELECT id FROM hot UNION ALL SELECT id FROM old
