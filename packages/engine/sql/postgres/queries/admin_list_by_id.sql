-- A page of jobs in state $1, newest first, keyset-paged by id ($5 = last id seen, or null).
-- Filters: queue $2, name $3, payload text search $4 (each null for "any"). Finished states are
-- read by this same statement over errand_jobs_history (sql-files.ts, overHistory), whose walk
-- merges the partitions' (state, id) indexes newest first; running jobs are the few in
-- errand_jobs_lease, sorted. The inner walk stops after $7 rows, the outer one keeps what matches and stops at $6: unfiltered, a page reads
-- $6 rows; with a filter that rarely matches, a page load reads at most $7 rows instead of the
-- whole history, and the caller continues from where the walk stopped (admin_walk_bound_by_id).
-- No OFFSET, no count.
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> -1 AS last_error
FROM (
  SELECT * FROM {schema}.errand_jobs
  WHERE state = $1 AND ($5::bigint IS NULL OR id < $5)
  ORDER BY id DESC
  LIMIT $7
) walk
WHERE ($2::text IS NULL OR queue = $2)
  AND ($3::text IS NULL OR name = $3)
  AND ($4::text IS NULL OR strpos(lower(payload::text), lower($4)) > 0)
ORDER BY id DESC
LIMIT $6
