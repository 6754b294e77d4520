-- Pause ($2 = true) or resume a schedule. Resuming moves the cursor to now: the ticks that fell
-- while it was paused are not made (pausing means "do not run these"). Returns the name if it exists.
UPDATE {schema}.errand_schedules
SET last_tick = CASE WHEN paused AND NOT $2 THEN greatest(last_tick, now()) ELSE last_tick END,
    paused = $2, updated_at = now()
WHERE name = $1
RETURNING name
