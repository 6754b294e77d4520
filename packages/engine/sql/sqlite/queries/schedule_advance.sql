-- Move a schedule's cursor to @cursor and count the jobs just made (@made; @last_run = the latest
-- tick made, or NULL). Same transaction as the inserts.
UPDATE errand_schedules
SET last_tick = @cursor, last_run_at = coalesce(@last_run, last_run_at), jobs_made = jobs_made + @made
WHERE name = @name
