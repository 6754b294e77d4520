-- Mark one job completed with its result (@result, JSON text), guarded like complete.sql. Only
-- used for jobs whose handler returned a value: a batch of jobs without results keeps the single
-- complete.sql statement. Stepped once per such job inside the completion's transaction.
UPDATE errand_jobs
SET state = 'completed', finished_at = @now, lease_expires_at = NULL, result = json(@result)
WHERE id = @id AND locked_by = @worker AND state = 'running'
RETURNING queue
