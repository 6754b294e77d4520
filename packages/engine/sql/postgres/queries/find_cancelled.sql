-- Of the jobs worker $1 held and whose heartbeat no longer matched ($2), the ones an operator
-- cancelled (the others were rescued: lease lost). Only runs when a heartbeat lost some. A
-- cancelled job is in history (admin_cancel.sql moved it).
SELECT id FROM {schema}.errand_jobs_history
WHERE state = 'cancelled' AND id = ANY($2::bigint[]) AND locked_by = $1
