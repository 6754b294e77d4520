-- Where a filtered newest-first walk of state $1 from before id $2, at most $3 rows, stopped:
-- the lowest id it read and how many it read (fewer than $3: the walk reached the end).
SELECT min(id) AS last_id, count(*)::int AS n
FROM (
  SELECT id FROM {schema}.errand_jobs
  WHERE state = $1 AND ($2::bigint IS NULL OR id < $2)
  ORDER BY id DESC
  LIMIT $3
) walk
