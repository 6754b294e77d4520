-- A page of waiting jobs in state $1, next to run first, keyset-paged by (run_at, id) after
-- ($5, $6) (both null for the first page), served by errand_jobs_due. The cursor carries run_at
-- in whole microseconds (cursor_us), PostgreSQL's own precision, so no row is skipped or
-- repeated. As in admin_list_by_id, the inner walk stops after $8 rows so a rare filter never
-- scans the whole backlog; admin_walk_bound_by_run_at says where it stopped.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> -1 AS last_error,
       (extract(epoch FROM run_at) * 1000000)::bigint AS cursor_us
FROM (
  SELECT * FROM {schema}.errand_jobs
  WHERE state = $1
    AND ($5::bigint IS NULL OR (run_at, id) > (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::bigint))
  ORDER BY run_at, id
  LIMIT $8
) walk
WHERE ($2::text IS NULL OR queue = $2)
  AND ($3::text IS NULL OR name = $3)
  AND ($4::text IS NULL OR strpos(lower(payload::text), lower($4)) > 0)
ORDER BY run_at, id
LIMIT $7
