-- The unfinished job holding unique key @unique_key (served by errand_jobs_unique).
SELECT id, queue, name, state, priority, run_at, max_attempts, unique_key, created_at
FROM errand_jobs
WHERE unique_key = @unique_key AND finished_at IS NULL
