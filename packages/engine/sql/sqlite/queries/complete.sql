-- Mark a batch (@ids, a JSON array) completed. The guard drops completions of jobs whose lease
-- was lost and which were rescued: they run again elsewhere (at-least-once).
UPDATE errand_jobs
SET state = 'completed', finished_at = @now, lease_expires_at = NULL
WHERE id IN (SELECT value FROM json_each(@ids)) AND locked_by = @worker AND state = 'running'
RETURNING queue
