-- The job of one tick of a schedule: run_at = the tick. The unique index on (schedule_name,
-- schedule_tick) makes a second insert of the same tick a no-op (no row returned).
INSERT INTO errand_jobs (queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, created_at, schedule_name, schedule_tick, rate_key)
VALUES (@queue, @name, @payload, CASE WHEN @tick > @now THEN 'scheduled' ELSE 'available' END,
        @priority, @tick, @max_attempts, @timeout_ms, @now, @schedule, @tick, @rate_key)
ON CONFLICT (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL DO NOTHING
RETURNING id
