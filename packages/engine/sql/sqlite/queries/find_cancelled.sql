-- Of the jobs worker @worker held and whose heartbeat no longer matched (@ids), the ones an
-- operator cancelled (the others were rescued: lease lost). Only runs when a heartbeat lost some.
SELECT id FROM errand_jobs
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'cancelled' AND locked_by = @worker
