-- Ids of up to @limit jobs matching a filter, for bulk actions.
SELECT id FROM errand_jobs
WHERE state = @state
  AND (@queue IS NULL OR queue = @queue)
  AND (@name IS NULL OR name = @name)
  AND (@search IS NULL OR instr(lower(payload), lower(@search)) > 0)
ORDER BY id
LIMIT @limit
