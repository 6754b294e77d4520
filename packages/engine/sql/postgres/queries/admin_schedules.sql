-- Every schedule, by name (schedules are few: declared in code).
SELECT name, cron, timezone, job_name, queue, payload, catch_up, paused, last_tick, last_run_at, jobs_made, created_at, updated_at
FROM {schema}.errand_schedules ORDER BY name
