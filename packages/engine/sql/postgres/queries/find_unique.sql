-- The unfinished jobs holding these unique keys (served by errand_jobs_unique).
SELECT id, queue, name, state, priority, run_at, max_attempts, unique_key, created_at
FROM {schema}.errand_jobs
WHERE unique_key = ANY($1::text[]) AND state NOT IN ('completed', 'dead', 'cancelled')
