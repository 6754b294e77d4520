-- A page of waiting jobs in @state, next to run first, keyset-paged by (run_at, id); the inner
-- walk stops after @walk rows (see admin_list_by_id).
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
       unique_key, locked_by, lease_expires_at, created_at, attempted_at, finished_at,
       errors -> '$[#-1]' AS last_error
FROM (
  SELECT * FROM errand_jobs
  WHERE state = @state
    AND (@after_run_at IS NULL OR run_at > @after_run_at OR (run_at = @after_run_at AND id > @after_id))
  ORDER BY run_at, id
  LIMIT @walk
)
WHERE (@queue IS NULL OR queue = @queue)
  AND (@name IS NULL OR name = @name)
  AND (@search IS NULL OR instr(lower(payload), lower(@search)) > 0)
ORDER BY run_at, id
LIMIT @limit
