-- Where a filtered next-to-run walk of state $1 after ($2 µs, $3), at most $4 rows, stopped:
-- the last (run_at, id) it read, and how many rows it read.
SELECT (extract(epoch FROM max(run_at)) * 1000000)::bigint AS last_us,
       (array_agg(id ORDER BY run_at DESC, id DESC))[1] AS last_id,
       count(*)::int AS n
FROM (
  SELECT id, run_at FROM {schema}.errand_jobs
  WHERE state = $1
    AND ($2::bigint IS NULL OR (run_at, id) > (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::bigint))
  ORDER BY run_at, id
  LIMIT $4
) walk
