-- Of the jobs worker @worker held and whose heartbeat no longer matched (@ids), the ones an
-- operator cancelled (the others were rescued: lease lost). Only runs when a heartbeat lost some.
-- A cancelled job is in history (admin_cancel.sql moved it).
SELECT id FROM errand_jobs_history
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'cancelled' AND locked_by = @worker
