-- Pause (@paused = 1) or resume a schedule. Resuming moves the cursor to now: the ticks that fell
-- while it was paused are not made (pausing means "do not run these"). Returns the name if it exists.
UPDATE errand_schedules
SET last_tick = CASE WHEN paused = 1 AND @paused = 0 THEN max(last_tick, @now) ELSE last_tick END,
    paused = @paused, updated_at = @now
WHERE name = @name
RETURNING name
