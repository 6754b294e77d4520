-- The job of one tick of a schedule: run_at = the tick. The unique index on (schedule_name,
-- schedule_tick) makes a second insert of the same tick a no-op (no row returned) while the tick's
-- job is unfinished; once it has finished and moved to history, the NOT EXISTS finds it there.
-- (The WHERE also lets SQLite parse ON CONFLICT after a SELECT.)
INSERT INTO errand_jobs (queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, created_at, schedule_name, schedule_tick, rate_key)
SELECT @queue, @name, @payload, CASE WHEN @tick > @now THEN 'scheduled' ELSE 'available' END,
       @priority, @tick, @max_attempts, @timeout_ms, @now, @schedule, @tick, @rate_key
WHERE NOT EXISTS (SELECT 1 FROM errand_jobs_history h WHERE h.schedule_name = @schedule AND h.schedule_tick = @tick)
ON CONFLICT (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL DO NOTHING
RETURNING id
