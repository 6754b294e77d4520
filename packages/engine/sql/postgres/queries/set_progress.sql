-- Store a running job's latest progress report ($3, jsonb); the worker throttles the calls.
-- Guarded by the lease holder: a report arriving after the job ended changes nothing.
UPDATE {schema}.errand_jobs SET progress = $3::jsonb
WHERE id = $1 AND locked_by = $2 AND state = 'running'
