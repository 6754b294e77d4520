-- A page of jobs in @state, newest first, keyset-paged by id (@before_id or null). The inner
-- walk stops after @walk rows, so a rarely matching filter never scans the whole history; the
-- caller continues from where it stopped (admin_walk_bound_by_id).
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> '$[#-1]' AS last_error
FROM (
  SELECT * FROM errand_jobs
  WHERE state = @state AND (@before_id IS NULL OR id < @before_id)
  ORDER BY id DESC
  LIMIT @walk
)
WHERE (@queue IS NULL OR queue = @queue)
  AND (@name IS NULL OR name = @name)
  AND (@search IS NULL OR instr(lower(payload), lower(@search)) > 0)
ORDER BY id DESC
LIMIT @limit
