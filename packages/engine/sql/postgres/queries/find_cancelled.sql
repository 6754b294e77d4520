-- Of the jobs worker $1 held and whose heartbeat no longer matched ($2), the ones an operator
-- cancelled (the others were rescued: lease lost). Only runs when a heartbeat lost some.
SELECT id FROM {schema}.errand_jobs
WHERE id = ANY($2::bigint[]) AND state = 'cancelled' AND locked_by = $1
