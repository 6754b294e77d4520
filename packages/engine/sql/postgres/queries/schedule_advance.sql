-- Move a schedule's cursor to $2 (ms epoch) and count the jobs just made ($3; $4 = the latest tick
-- made in ms, or null). Same transaction as the inserts.
UPDATE {schema}.errand_schedules
SET last_tick = to_timestamp($2::float8 / 1000),
    last_run_at = coalesce(to_timestamp($4::float8 / 1000), last_run_at),
    jobs_made = jobs_made + $3
WHERE name = $1
